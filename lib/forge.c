/*
 * forge.c - `vlmeter forge`: writes OUTDIR/model.gguf and OUTDIR/mmproj.gguf,
 * random-weight models of real VLM architectures that llama.cpp and its mtmd
 * library load unchanged, so tests run llama.cpp's real code paths without any
 * downloaded weights (docs/forge.md).
 *
 * Owns: the table of architectures and their shapes per size, the seeded
 * weight generator, and the lm_head layout that keeps greedy decoding away from
 * near-ties. The GGUF keys and tensors each architecture adds (forge_*.c) are
 * built from the pieces in forge_parts.c, below them.
 *
 * How a file is written: tensors are declared (name, shape, type, how to fill)
 * in a shapes-only ggml context and added to a gguf context; the metadata is
 * written first, then each tensor's data is generated in chunks and appended,
 * so even the "small" size needs little memory. Every tensor has its own random
 * stream, seeded from the forge seed and the tensor's name: the same seed gives
 * byte-identical files on any machine: integers, and float products that are exact
 * in double, rounded once.
 */
#include "forge_impl.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ the table */

// clang-format off
static const struct forge_arch *const ARCHS[] = {
    &forge_arch_llava,
    &forge_arch_qwen3vl,
    &forge_arch_qwen3vl_thinking,
    &forge_arch_qwen3vlmoe,
    &forge_arch_qwen25vl,
    &forge_arch_gemma3,
    &forge_arch_idefics3,
    &forge_arch_internvl,
    &forge_arch_minicpmv,
    &forge_arch_pixtral,
    &forge_arch_lfm2vl,
};
// clang-format on

#define N_ARCHS ((int)(sizeof ARCHS / sizeof ARCHS[0]))

/* The template of an architecture that names none: llama.cpp recognises it as "chatml". */
static const char CHATML_TEMPLATE[] =
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

static const char DESCRIPTION[] = "RANDOM WEIGHTS forged by vlmeter for testing; answers are meaningless";

/*
 * lm_head layout. Random weights give logits that are near-Gaussian over the
 * vocabulary, where the top two are often within rounding of each other. The
 * output rows of HEAD_N_FAVOURED "favoured" tokens (plain lower-case words with
 * a leading space) get a large scale and all other rows a small one, so the
 * greedy pick is always a favoured word, by a margin of a few logits on a top
 * logit of ~30 (docs/forge.md has the measured gaps): answers are readable ASCII
 * words, never stray UTF-8 fragments nor an early end-of-generation token.
 * Favoured rows also carry minus the token's own input embedding, so the token
 * just read scores low next and an answer does not become one word repeated.
 */
#define HEAD_N_FAVOURED     512
#define HEAD_FAV_LOGIT      10.0f /* std of a favoured token's logit */
#define HEAD_OTHER_LOGIT    1.0f  /* std of any other token's logit */
#define HEAD_REPEAT_PENALTY 30.0f /* logits taken from the token just read, at full alignment */

/* ------------------------------------------------------------------ random */

#define GOLDEN 0x9E3779B97F4A7C15ull

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* splitmix64: a sequential generator (used to pick favoured tokens). */
static uint64_t splitmix64(uint64_t *state) { return mix64(*state += GOLDEN); }

static uint64_t fnv1a64(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Each tensor has its own stream, from the seed and its name. Element k of a
 * stream is a pure function of (stream, k) - splitmix64 is counter based - so
 * tensors are generated in chunks and one tensor can look up another's values. */
static uint64_t tensor_stream(uint64_t seed, const char *name) { return mix64(seed + GOLDEN) ^ fnv1a64(name); }

/* Element k: uniform in [-1, 1) with 24-bit resolution, exact float arithmetic. */
static float rand_at(uint64_t stream, uint64_t k) {
    int32_t v = (int32_t)(mix64(stream + (k + 1) * GOLDEN) >> 40) - (1 << 23);
    return (float)v * 0x1p-23f;
}

/* ------------------------------------------------------------------ output file */

#define MAX_TENSORS 4096 /* per file; the largest in the table has ~420 */

static void out_init(struct forge_out *o, uint64_t seed) {
    memset(o, 0, sizeof *o);
    o->gguf = gguf_init_empty();
    struct ggml_init_params ip = {
        .mem_size = MAX_TENSORS * ggml_tensor_overhead(),
        .mem_buffer = NULL,
        .no_alloc = true,
    };
    o->meta = ggml_init(ip);
    o->seed = seed;
}

static void out_free(struct forge_out *o) {
    if (o->gguf) gguf_free(o->gguf);
    if (o->meta) ggml_free(o->meta);
    free(o->specs);
    memset(o, 0, sizeof *o);
}

#define SQRT3 1.7320508f /* uniform [-a, a) has std a/sqrt(3) */

/* Values first .. first+n-1 of tensor s into buf. */
static void fill_chunk(const struct forge_out *o, const struct forge_tspec *s, uint64_t stream, int64_t first,
                       float *buf, int64_t n) {
    switch (s->fill) {
    case FILL_CONST:
        for (int64_t i = 0; i < n; i++) buf[i] = s->mean;
        break;
    case FILL_RANDOM: {
        /* float x float is exact in double, so the result is the same whether or
         * not the compiler fuses multiply and add */
        const double a = (double)(s->std * SQRT3);
        for (int64_t i = 0; i < n; i++) buf[i] = (float)(s->mean + a * rand_at(stream, (uint64_t)(first + i)));
        break;
    }
    case FILL_LM_HEAD: {
        /* Row t scores token t. Favoured rows: large random part, minus the token's
         * own embedding (same shape, same index) so that the token just read scores
         * low next; other rows: small random part. */
        const int64_t n_embd = s->t->ne[0];
        const uint64_t embd = tensor_stream(o->seed, "token_embd.weight");
        const double a_fav = (double)(HEAD_FAV_LOGIT / sqrtf((float)n_embd) * SQRT3);
        const double a_other = (double)(HEAD_OTHER_LOGIT / sqrtf((float)n_embd) * SQRT3);
        const double a_self = (double)(HEAD_REPEAT_PENALTY / (float)n_embd * SQRT3 * TOKEN_EMBD_STD);
        for (int64_t i = 0; i < n; i++) {
            const uint64_t k = (uint64_t)(first + i);
            const int64_t row = (first + i) / n_embd;
            if (row < o->n_vocab && o->favoured[row])
                buf[i] = (float)(a_fav * rand_at(stream, k) - a_self * rand_at(embd, k));
            else buf[i] = (float)(a_other * rand_at(stream, k));
        }
        break;
    }
    }
}

/* Rows [row0, row0 + n) of a quantized tensor: generated as F32 into fbuf
 * and quantized into qbuf (both for these rows only). */
struct quant_part {
    const struct forge_out *o;
    const struct forge_tspec *s;
    uint64_t stream;
    int64_t row0, n;
    float *fbuf;
    char *qbuf;
};

static void *quant_part_run(void *arg) {
    struct quant_part *q = arg;
    const int64_t n_per_row = q->s->t->ne[0];
    fill_chunk(q->o, q->s, q->stream, q->row0 * n_per_row, q->fbuf, q->n * n_per_row);
    ggml_quantize_chunk(q->s->t->type, q->fbuf, q->qbuf, 0, q->n, n_per_row, NULL);
    return NULL;
}

/* A quantized tensor: whole rows at a time, generated as F32 and quantized
 * block by block with ggml's own quantize functions (no importance matrix),
 * as llama-quantize does from an F16 file. The rows of a chunk are shared
 * between up to FORGE_THREADS threads; each row's bytes depend on nothing
 * else, so the file is the same whatever the thread count. */
#define FORGE_THREADS 16
static int write_quantized(const struct forge_out *o, const struct forge_tspec *s, uint64_t stream, FILE *f,
                           float *fbuf, void *qbuf, int64_t chunk) {
    const int64_t n_per_row = s->t->ne[0], n_rows = ggml_nrows(s->t);
    const int64_t rows_per_chunk = chunk / n_per_row > 0 ? chunk / n_per_row : 1;
    const size_t row_bytes = ggml_row_size(s->t->type, n_per_row);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const int n_threads = cores < 1 ? 1 : cores > FORGE_THREADS ? FORGE_THREADS : (int)cores;
    for (int64_t row = 0; row < n_rows; row += rows_per_chunk) {
        const int64_t m = n_rows - row < rows_per_chunk ? n_rows - row : rows_per_chunk;
        struct quant_part parts[FORGE_THREADS];
        pthread_t tids[FORGE_THREADS];
        bool threaded[FORGE_THREADS] = {false};
        const int64_t per = (m + n_threads - 1) / n_threads;
        int k = 0;
        for (int64_t r = 0; r < m; r += per, k++) {
            const int64_t n = m - r < per ? m - r : per;
            parts[k] = (struct quant_part){
                o, s, stream, row + r, n, fbuf + r * n_per_row, (char *)qbuf + (size_t)r * row_bytes};
            if (k > 0) threaded[k] = pthread_create(&tids[k], NULL, quant_part_run, &parts[k]) == 0;
            if (k > 0 && !threaded[k]) quant_part_run(&parts[k]); /* no thread: here */
        }
        quant_part_run(&parts[0]);
        for (int i = 1; i < k; i++)
            if (threaded[i]) pthread_join(tids[i], NULL);
        const size_t bytes = (size_t)m * row_bytes;
        if (fwrite(qbuf, 1, bytes, f) != bytes) return -1;
    }
    return 0;
}

static int write_tensor_data(const struct forge_out *o, const struct forge_tspec *s, FILE *f, float *fbuf,
                             ggml_fp16_t *hbuf, void *qbuf, int64_t chunk) {
    const uint64_t stream = tensor_stream(o->seed, ggml_get_name(s->t));
    const int64_t n = ggml_nelements(s->t);
    if (ggml_is_quantized(s->t->type)) return write_quantized(o, s, stream, f, fbuf, qbuf, chunk);
    for (int64_t first = 0; first < n; first += chunk) {
        const int64_t m = n - first < chunk ? n - first : chunk;
        fill_chunk(o, s, stream, first, fbuf, m);
        size_t wrote;
        if (s->t->type == GGML_TYPE_F16) {
            ggml_fp32_to_fp16_row(fbuf, hbuf, m);
            wrote = fwrite(hbuf, sizeof *hbuf, (size_t)m, f);
        } else {
            wrote = fwrite(fbuf, sizeof *fbuf, (size_t)m, f);
        }
        if (wrote != (size_t)m) return -1;
    }
    return 0;
}

/* Write the file: metadata, then each tensor's data padded to the alignment.
 * Written under PATH.tmp and renamed, so a failed forge leaves no half file. */
static int out_write(const struct forge_out *o, const char *path, char *err, size_t err_len) {
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        util_errf(err, err_len, "%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return VLM_ERR_IO;
    }
    /* a chunk holds at least one row of the widest tensor (vocab-sized rows are
     * never quantized rows: rows are ne[0], the input width) */
    int64_t chunk = 1 << 20;
    for (int i = 0; i < o->n_specs; i++)
        if (o->specs[i].t->ne[0] > chunk) chunk = o->specs[i].t->ne[0];
    float *fbuf = xmalloc((size_t)chunk * sizeof *fbuf);
    ggml_fp16_t *hbuf = xmalloc((size_t)chunk * sizeof *hbuf);
    void *qbuf = xmalloc((size_t)chunk * sizeof(float)); /* any quantized row is smaller than F32 */
    const size_t align = gguf_get_alignment(o->gguf);

    int ok = gguf_write_to_file_ptr(o->gguf, f, /*only_meta=*/true);
    for (int i = 0; ok && i < o->n_specs; i++) {
        const size_t nbytes = ggml_nbytes(o->specs[i].t);
        ok = write_tensor_data(o, &o->specs[i], f, fbuf, hbuf, qbuf, chunk) == 0;
        for (size_t pad = (align - nbytes % align) % align; ok && pad > 0; pad--) ok = fputc(0, f) != EOF;
    }
    ok = (fclose(f) == 0) && ok;
    free(fbuf);
    free(hbuf);
    free(qbuf);
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        util_errf(err, err_len, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
        remove(tmp);
    }
    free(tmp);
    return ok ? VLM_OK : VLM_ERR_IO;
}

/* ------------------------------------------------------------------ metadata */

/* general.* and vlmeter.* keys shared by both files; size_name is the size
 * ("tiny", "small") or the shape ("qwen3-vl-8b"). */
static void set_general(struct forge_out *o, const char *gguf_arch, const char *type, const char *arch,
                        const char *size_name) {
    /* F16 files keep the names (and bytes) they had before quantized types */
    const bool quant = o->ftype != VLM_FORGE_F16;
    char name[128];
    snprintf(name, sizeof name, "vlmeter-forged-%s-%s%s%s%s", arch, size_name, quant ? "-" : "",
             quant ? vlm_forge_type_name(o->ftype) : "", strcmp(type, "mmproj") == 0 ? "-mmproj" : "");
    gguf_set_val_str(o->gguf, "general.architecture", gguf_arch);
    gguf_set_val_str(o->gguf, "general.type", type);
    gguf_set_val_str(o->gguf, "general.name", name);
    gguf_set_val_str(o->gguf, "general.description", DESCRIPTION);
    gguf_set_val_u32(o->gguf, "general.file_type", forge_file_type(o->ftype));
    gguf_set_val_bool(o->gguf, "vlmeter.forged", true);
    gguf_set_val_u64(o->gguf, "vlmeter.seed", o->seed);
    gguf_set_val_str(o->gguf, "vlmeter.forge_arch", arch);
    gguf_set_val_str(o->gguf, "vlmeter.forge_size", size_name);
    if (quant) gguf_set_val_str(o->gguf, "vlmeter.forge_type", vlm_forge_type_name(o->ftype));
    gguf_set_val_str(o->gguf, "vlmeter.version", VLM_VERSION);
}

/* ------------------------------------------------------------------ vocab */

struct vocab {
    struct gguf_context *tok; /* only the tokenizer.* keys */
    int n_vocab;
    uint8_t *favoured;
};

static void vocab_free(struct vocab *v) {
    if (v->tok) gguf_free(v->tok);
    free(v->favoured);
    memset(v, 0, sizeof *v);
}

/* " word": a word-start marker (byte-level BPE's U+0120, or SentencePiece's
 * U+2581) and 3-12 lower-case ASCII letters. */
static int is_plain_word(const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == 0xC4 && u[1] == 0xA0) s += 2;
    else if (u[0] == 0xE2 && u[1] == 0x96 && u[2] == 0x81) s += 3;
    else return 0;
    int n = 0;
    for (; *s; s++, n++)
        if (*s < 'a' || *s > 'z') return 0;
    return n >= 3 && n <= 12;
}

/* Choose HEAD_N_FAVOURED plain-word tokens with the seed (partial Fisher-Yates). */
static void pick_favoured(struct vocab *v, const struct gguf_context *src, int64_t kid, uint64_t seed) {
    int *cand = xmalloc((size_t)v->n_vocab * sizeof *cand);
    int n = 0;
    for (int i = 0; i < v->n_vocab; i++)
        if (is_plain_word(gguf_get_arr_str(src, kid, (size_t)i))) cand[n++] = i;
    v->favoured = xcalloc((size_t)v->n_vocab, 1);
    uint64_t rng = seed ^ 0x666f7267652d6865ull; /* "forge-he" */
    for (int i = 0; i < n && i < HEAD_N_FAVOURED; i++) {
        int j = i + (int)(splitmix64(&rng) % (uint64_t)(n - i));
        int t = cand[i];
        cand[i] = cand[j];
        cand[j] = t;
        v->favoured[cand[i]] = 1;
    }
    free(cand);
}

static int vocab_load(struct vocab *v, const char *dir, const char *file, const char *chat_template, uint64_t seed,
                      char *err, size_t err_len) {
    memset(v, 0, sizeof *v);
    char *path = util_path_join(dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        util_errf(err, err_len, "%s: cannot open vocab file: %s", path, strerror(errno));
        free(path);
        return VLM_ERR_INPUT;
    }
    fclose(f);
    struct gguf_init_params ip = {.no_alloc = true, .ctx = NULL};
    struct gguf_context *src = gguf_init_from_file(path, ip);
    int64_t kid = src ? gguf_find_key(src, "tokenizer.ggml.tokens") : -1;
    if (kid < 0 || gguf_get_kv_type(src, kid) != GGUF_TYPE_ARRAY || gguf_get_arr_type(src, kid) != GGUF_TYPE_STRING ||
        gguf_get_arr_n(src, kid) == 0 || gguf_get_arr_n(src, kid) > INT32_MAX) {
        util_errf(err, err_len, "%s: not a GGUF vocab file (no tokenizer.ggml.tokens)", path);
        if (src) gguf_free(src);
        free(path);
        return VLM_ERR_INPUT;
    }
    v->n_vocab = (int)gguf_get_arr_n(src, kid);
    pick_favoured(v, src, kid, seed);

    /* Keep only the tokenizer: drop the vocab file's general.* and model keys. */
    v->tok = gguf_init_empty();
    gguf_set_kv(v->tok, src);
    for (int64_t i = gguf_get_n_kv(v->tok) - 1; i >= 0; i--) {
        const char *key = gguf_get_key(v->tok, i);
        if (strncmp(key, "tokenizer.", 10) != 0) {
            char *k = xstrdup(key);
            gguf_remove_key(v->tok, k);
            free(k);
        }
    }
    gguf_set_val_str(v->tok, "tokenizer.chat_template", chat_template);
    gguf_free(src);
    free(path);
    return VLM_OK;
}

/* ------------------------------------------------------------------ public API */

struct vlm_forge_params vlm_forge_default_params(void) {
    return (struct vlm_forge_params){
        .arch = "llava",
        .size = VLM_FORGE_TINY,
        .seed = 42,
        .vocab_dir = NULL,
    };
}

int vlm_forge_n_archs(void) { return N_ARCHS; }

const char *vlm_forge_arch_name(int i) { return i >= 0 && i < N_ARCHS ? ARCHS[i]->name : NULL; }

const char *vlm_forge_arch_desc(int i) { return i >= 0 && i < N_ARCHS ? ARCHS[i]->desc : NULL; }

static const struct forge_arch *find_arch(const char *name) {
    for (int i = 0; name && i < N_ARCHS; i++)
        if (strcmp(ARCHS[i]->name, name) == 0) return ARCHS[i];
    return NULL;
}

static void list_archs(char *buf, size_t len) {
    buf[0] = 0;
    for (int i = 0; i < N_ARCHS; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", ARCHS[i]->name);
    }
}

/* The chat template architecture a carries: its own text, a file of llama.cpp's
 * models/templates/, or ChatML; caller frees. NULL (and err) when the file
 * cannot be read. */
static char *load_template(const struct forge_arch *a, const char *vocab_dir, char *err, size_t err_len) {
    if (a->template_text) return xstrdup(a->template_text);
    if (!a->template_file) return xstrdup(CHATML_TEMPLATE);
    char *path = util_path_join(vocab_dir, a->template_file);
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    if (f) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) util_buf_append(&text, &len, &cap, buf, n);
        if (ferror(f)) {
            free(text);
            text = NULL;
        }
        fclose(f);
    }
    if (!text || len == 0) {
        util_errf(err, err_len, "%s: cannot read the chat template of '%s'", path, a->name);
        free(text);
        text = NULL;
    }
    free(path);
    return text;
}

/* What one forge call makes: the architecture, its shapes (the size's, or a
 * published shape's cut to n_layers), their label and the vocabulary. */
struct forge_job {
    const struct forge_arch *a;
    struct arch_size s;
    const char *label; /* "tiny", "small" or the shape's name */
    struct vocab voc;
};

static const struct forge_shape *find_shape(const char *name) {
    for (int i = 0; name && i < forge_n_shapes; i++)
        if (strcmp(forge_shapes[i].name, name) == 0) return &forge_shapes[i];
    return NULL;
}

/* Keep the first n blocks of the LM and of the vision tower, and the deepstack
 * layers among them. */
static void cut_layers(struct arch_size *s, int n) {
    if (n <= 0) return;
    if (s->lm.n_layer > n) s->lm.n_layer = n;
    if (s->vit.n_layer > n) s->vit.n_layer = n;
    int kept = 0;
    for (int j = 0; j < s->vit.n_deepstack; j++)
        if (s->vit.deepstack[j] < s->vit.n_layer) s->vit.deepstack[kept++] = s->vit.deepstack[j];
    s->vit.n_deepstack = kept;
}

/* The shapes of p (architecture, size or shape, layers), checked. */
static int job_shapes(struct forge_job *j, const struct vlm_forge_params *p, char *err, size_t err_len) {
    char names[256];
    list_archs(names, sizeof names);
    j->a = find_arch(p->arch);
    if (!j->a) {
        util_errf(err, err_len, "unknown architecture '%s' (known: %s)", p->arch ? p->arch : "", names);
        return VLM_ERR_INPUT;
    }
    if (!vlm_forge_type_name(p->type)) {
        util_errf(err, err_len, "unknown forge type %d (f16, q8_0 or q4_k_m)", (int)p->type);
        return VLM_ERR_INPUT;
    }
    if (p->shape) {
        const struct forge_shape *sh = find_shape(p->shape);
        if (!sh) {
            util_errf(err, err_len, "unknown shape '%s' (see vlmeter forge --shapes)", p->shape);
            return VLM_ERR_INPUT;
        }
        const struct forge_arch *sa = find_arch(sh->arch);
        if (strcmp(sa->lm_arch, j->a->lm_arch) != 0) {
            util_errf(err, err_len, "shape '%s' is a %s model, not %s", sh->name, sh->arch, j->a->name);
            return VLM_ERR_INPUT;
        }
        if (p->n_layers < 0 || p->n_layers > sh->size.lm.n_layer) {
            util_errf(err, err_len, "layers %d: shape '%s' has 1 to %d", p->n_layers, sh->name, sh->size.lm.n_layer);
            return VLM_ERR_INPUT;
        }
        j->s = sh->size;
        j->label = sh->name;
        cut_layers(&j->s, p->n_layers);
        return VLM_OK;
    }
    if (p->size != VLM_FORGE_TINY && p->size != VLM_FORGE_SMALL) {
        util_errf(err, err_len, "unknown forge size %d (tiny or small)", (int)p->size);
        return VLM_ERR_INPUT;
    }
    if (p->n_layers != 0) {
        util_errf(err, err_len, "a layer count needs a shape (--shape)");
        return VLM_ERR_INPUT;
    }
    if (!j->a->size[p->size].lm.vocab || !j->a->write_lm || !j->a->write_proj) {
        util_errf(err, err_len, "architecture '%s' has no %s size", j->a->name,
                  p->size == VLM_FORGE_SMALL ? "small" : "tiny");
        return VLM_ERR_INPUT;
    }
    j->s = j->a->size[p->size];
    j->label = p->size == VLM_FORGE_SMALL ? "small" : "tiny";
    return VLM_OK;
}

/* Shapes, chat template and vocabulary of p. */
static int job_init(struct forge_job *j, const struct vlm_forge_params *p, char *err, size_t err_len) {
    memset(j, 0, sizeof *j);
    if (!p) {
        util_errf(err, err_len, "forge needs parameters");
        return VLM_ERR_INPUT;
    }
    int rc = job_shapes(j, p, err, err_len);
    if (rc != VLM_OK) return rc;
    if (!p->vocab_dir) {
        util_errf(err, err_len, "forge needs the vocab folder (llama.cpp's models/)");
        return VLM_ERR_INPUT;
    }
    char *tmpl = load_template(j->a, p->vocab_dir, err, err_len);
    if (!tmpl) return VLM_ERR_INPUT;
    rc = vocab_load(&j->voc, p->vocab_dir, j->s.lm.vocab, tmpl, p->seed, err, err_len);
    free(tmpl);
    return rc;
}

/* Declare one file's keys and tensors in o (initialised with out_init). */
static void forge_build(const struct vlm_forge_params *p, const struct forge_job *j, bool is_proj,
                        struct forge_out *o) {
    if (is_proj) {
        set_general(o, "clip", "mmproj", j->a->name, j->label);
        j->a->write_proj(o, &j->s);
        return;
    }
    o->n_vocab = j->voc.n_vocab;
    o->favoured = j->voc.favoured;
    o->ftype = p->type;
    o->n_layer = j->s.lm.n_layer;
    o->n_expert = j->s.lm.n_expert;
    o->tie_embd = j->s.lm.tie_embd;
    set_general(o, j->a->lm_arch, "model", j->a->name, j->label);
    gguf_set_kv(o->gguf, j->voc.tok);
    j->a->write_lm(o, &j->s);
}

/* Bytes out_write writes for o: the metadata, then each tensor padded. */
static uint64_t out_size(const struct forge_out *o) {
    const size_t align = gguf_get_alignment(o->gguf);
    uint64_t n = gguf_get_meta_size(o->gguf);
    for (int i = 0; i < o->n_specs; i++) {
        const size_t nbytes = ggml_nbytes(o->specs[i].t);
        n += nbytes + (align - nbytes % align) % align;
    }
    return n;
}

/* Build one file and write it to outdir. */
static int forge_file(const struct vlm_forge_params *p, const struct forge_job *j, bool is_proj, const char *outdir,
                      char *err, size_t err_len) {
    struct forge_out o;
    out_init(&o, p->seed);
    forge_build(p, j, is_proj, &o);
    char *path = util_path_join(outdir, is_proj ? "mmproj.gguf" : "model.gguf");
    int rc = out_write(&o, path, err, err_len);
    free(path);
    out_free(&o);
    return rc;
}

int vlm_forge(const struct vlm_forge_params *p, const char *outdir, char *err, size_t err_len) {
    if (!outdir || !outdir[0]) {
        util_errf(err, err_len, "forge needs an output folder");
        return VLM_ERR_INPUT;
    }
    struct forge_job j;
    int rc = job_init(&j, p, err, err_len);
    if (rc == VLM_OK && util_mkdirs(outdir) != 0) {
        util_errf(err, err_len, "%s: cannot create folder: %s", outdir, strerror(errno));
        rc = VLM_ERR_IO;
    }
    if (rc == VLM_OK) rc = forge_file(p, &j, false, outdir, err, err_len);
    if (rc == VLM_OK) rc = forge_file(p, &j, true, outdir, err, err_len);
    vocab_free(&j.voc);
    return rc;
}

int vlm_forge_predict(const struct vlm_forge_params *p, struct vlm_forge_sizes *out, char *err, size_t err_len) {
    struct forge_job j;
    int rc = job_init(&j, p, err, err_len);
    if (rc == VLM_OK && out) {
        memset(out, 0, sizeof *out);
        for (int is_proj = 0; is_proj < 2; is_proj++) {
            struct forge_out o;
            out_init(&o, p->seed);
            forge_build(p, &j, is_proj, &o);
            if (is_proj) out->mmproj_bytes = out_size(&o);
            else {
                out->model_bytes = out_size(&o);
                for (int i = 0; i < o.n_specs; i++) out->lm_params += (uint64_t)ggml_nelements(o.specs[i].t);
            }
            out_free(&o);
        }
    }
    vocab_free(&j.voc);
    return rc;
}

int forge_describe(const struct vlm_forge_params *p, bool is_proj, struct forge_out *o, char *err, size_t err_len) {
    struct forge_job j;
    int rc = job_init(&j, p, err, err_len);
    out_init(o, p ? p->seed : 0);
    if (rc == VLM_OK) forge_build(p, &j, is_proj, o);
    o->favoured = NULL; /* the vocabulary's, freed here */
    vocab_free(&j.voc);
    return rc;
}

void forge_out_free(struct forge_out *o) { out_free(o); }

int vlm_forge_n_shapes(void) { return forge_n_shapes; }

const char *vlm_forge_shape_name(int i) { return i >= 0 && i < forge_n_shapes ? forge_shapes[i].name : NULL; }

const char *vlm_forge_shape_arch(int i) { return i >= 0 && i < forge_n_shapes ? forge_shapes[i].arch : NULL; }

const char *vlm_forge_shape_source(int i) { return i >= 0 && i < forge_n_shapes ? forge_shapes[i].source : NULL; }

static const char *const TYPE_NAMES[] = {"f16", "q8_0", "q4_k_m"};

bool vlm_forge_type_parse(const char *name, enum vlm_forge_type *out) {
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, TYPE_NAMES[i]) == 0) {
            *out = (enum vlm_forge_type)i;
            return true;
        }
    return false;
}

const char *vlm_forge_type_name(enum vlm_forge_type t) { return (int)t >= 0 && (int)t < 3 ? TYPE_NAMES[t] : NULL; }
