/*
 * quant.c - quantized variants of a model (docs/quantize.md): the language
 * model through llama.cpp's llama_model_quantize, a vision projector through
 * ggml's own quantizer (ggml_quantize_chunk) for its matrix weights, since
 * llama.cpp has no projector quantize call. Variants go to STEM-TYPE.gguf; one
 * that is already there with the right file type is kept. Files are written
 * under a temporary name and renamed, so a crash never leaves a variant that
 * looks finished.
 */
#include "backend.h"
#include "util.h"
#include "vlmeter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ggml.h"
#include "gguf.h"
#include "llama.h"

/* A file type vlmeter can make: its name, llama.cpp's file type and the ggml
 * type of its matrices (the projector gets that type throughout). Types that
 * need an importance matrix are left out. */
struct qtype {
    const char *name;
    enum llama_ftype ftype;
    enum ggml_type base;
};

// clang-format off
static const struct qtype QTYPES[] = {
    {"f32", LLAMA_FTYPE_ALL_F32, GGML_TYPE_F32},       {"f16", LLAMA_FTYPE_MOSTLY_F16, GGML_TYPE_F16},
    {"bf16", LLAMA_FTYPE_MOSTLY_BF16, GGML_TYPE_BF16}, {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0, GGML_TYPE_Q8_0},
    {"q6_k", LLAMA_FTYPE_MOSTLY_Q6_K, GGML_TYPE_Q6_K}, {"q5_k_m", LLAMA_FTYPE_MOSTLY_Q5_K_M, GGML_TYPE_Q5_K},
    {"q5_k_s", LLAMA_FTYPE_MOSTLY_Q5_K_S, GGML_TYPE_Q5_K}, {"q5_1", LLAMA_FTYPE_MOSTLY_Q5_1, GGML_TYPE_Q5_1},
    {"q5_0", LLAMA_FTYPE_MOSTLY_Q5_0, GGML_TYPE_Q5_0}, {"q4_k_m", LLAMA_FTYPE_MOSTLY_Q4_K_M, GGML_TYPE_Q4_K},
    {"q4_k_s", LLAMA_FTYPE_MOSTLY_Q4_K_S, GGML_TYPE_Q4_K}, {"q4_1", LLAMA_FTYPE_MOSTLY_Q4_1, GGML_TYPE_Q4_1},
    {"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0, GGML_TYPE_Q4_0}, {"q3_k_l", LLAMA_FTYPE_MOSTLY_Q3_K_L, GGML_TYPE_Q3_K},
    {"q3_k_m", LLAMA_FTYPE_MOSTLY_Q3_K_M, GGML_TYPE_Q3_K}, {"q3_k_s", LLAMA_FTYPE_MOSTLY_Q3_K_S, GGML_TYPE_Q3_K},
    {"q2_k", LLAMA_FTYPE_MOSTLY_Q2_K, GGML_TYPE_Q2_K},
};
// clang-format on
#define N_QTYPES ((int)(sizeof QTYPES / sizeof QTYPES[0]))

struct vlm_quant_params vlm_quant_default_params(void) {
    struct vlm_quant_params p;
    memset(&p, 0, sizeof p);
    return p;
}

int vlm_quant_n_types(void) { return N_QTYPES; }
const char *vlm_quant_type(int i) { return i >= 0 && i < N_QTYPES ? QTYPES[i].name : NULL; }

static const struct qtype *find_type(const char *name) {
    for (int i = 0; i < N_QTYPES; i++)
        if (strcasecmp(QTYPES[i].name, name) == 0) return &QTYPES[i];
    return NULL;
}

const char *vlm_quant_type_named(const char *name) {
    const struct qtype *t = find_type(name);
    return t ? t->name : NULL;
}

static const struct qtype *type_of_ftype(uint32_t ftype) {
    for (int i = 0; i < N_QTYPES; i++)
        if ((uint32_t)QTYPES[i].ftype == ftype) return &QTYPES[i];
    return NULL;
}

bool vlm_quant_file_type(const char *path, char *buf, size_t len) {
    if (access(path, R_OK) != 0) return false; /* not through gguf, which would log it */
    struct gguf_init_params ip = {.no_alloc = true, .ctx = NULL};
    struct gguf_context *g = gguf_init_from_file(path, ip);
    if (!g) return false;
    int64_t k = gguf_find_key(g, "general.file_type");
    const struct qtype *t = k >= 0 && gguf_get_kv_type(g, k) == GGUF_TYPE_UINT32 ? type_of_ftype(gguf_get_val_u32(g, k))
                                                                                 : NULL;
    snprintf(buf, len, "%s", t ? t->name : "unknown");
    gguf_free(g);
    return true;
}

/* The file name's stem without ".gguf" and a trailing precision (-F16, .bf16). */
static char *stem_of(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *stem = xstrdup(base);
    size_t n = strlen(stem);
    if (n > 5 && strcasecmp(stem + n - 5, ".gguf") == 0) stem[n -= 5] = 0;
    static const char *precisions[] = {"f32", "f16", "bf16"};
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(precisions[i]);
        if (n > m + 1 && (stem[n - m - 1] == '-' || stem[n - m - 1] == '.' || stem[n - m - 1] == '_') &&
            strcasecmp(stem + n - m, precisions[i]) == 0) {
            stem[n - m - 1] = 0;
            break;
        }
    }
    return stem;
}

char *vlm_quant_path(const char *path, const char *type, const char *outdir) {
    const struct qtype *t = find_type(type);
    if (!t) return NULL;
    char *dir = outdir ? xstrdup(outdir) : util_dirname(path);
    char *stem = stem_of(path);
    char upper[16];
    size_t i = 0;
    for (; t->name[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(t->name[i] >= 'a' && t->name[i] <= 'z' ? t->name[i] - 32 : t->name[i]);
    upper[i] = 0;
    char *out = xasprintf("%s/%s-%s.gguf", dir, stem, upper);
    free(dir);
    free(stem);
    return out;
}

/* True when `path` is a GGUF file of type t already. */
static bool have_variant(const char *path, const struct qtype *t) {
    char have[16];
    return vlm_quant_file_type(path, have, sizeof have) && strcmp(have, t->name) == 0;
}

static char *temp_name(const char *path) { return xasprintf("%s.tmp-%d", path, (int)getpid()); }

/* ------------------------------------------------------------ language model */

static int quantize_lm(const char *in, const char *out, const struct qtype *t, int n_threads, char *err,
                       size_t err_len) {
    backend_init();
    struct llama_model_quantize_params qp = llama_model_quantize_default_params();
    qp.ftype = t->ftype;
    qp.nthread = n_threads;
    qp.allow_requantize = true; /* a model that is already quantized may be made smaller */
    char *tmp = temp_name(out);
    int rc = VLM_OK;
    if (llama_model_quantize(in, tmp, &qp) != 0) {
        const char *why = backend_last_error();
        util_errf(err, err_len, "cannot quantize '%s' to %s: %s", in, t->name,
                  why[0] ? why : "llama.cpp refused it (truncated or not a language model?)");
        rc = VLM_ERR_MODEL;
    } else if (rename(tmp, out) != 0) {
        util_errf(err, err_len, "cannot write '%s': %s", out, strerror(errno));
        rc = VLM_ERR_IO;
    }
    if (rc != VLM_OK) remove(tmp);
    free(tmp);
    return rc;
}

/* ------------------------------------------------------------ projector */

/* Whether a projector tensor is quantized: matrices only (2-D weights whose rows
 * fill whole blocks), not the position or class embeddings that are added
 * rather than multiplied, nor the patch convolution. */
static bool quantize_tensor(const struct ggml_tensor *x, enum ggml_type type) {
    const char *name = ggml_get_name(x);
    size_t n = strlen(name);
    if (ggml_n_dims(x) != 2 || n < 7 || strcmp(name + n - 7, ".weight") != 0) return false;
    if (strstr(name, "position_embd") || strstr(name, "class_embd") || strstr(name, "patch_embd")) return false;
    if (x->type != GGML_TYPE_F32 && x->type != GGML_TYPE_F16 && x->type != GGML_TYPE_BF16) return false;
    return x->ne[0] % ggml_blck_size(type) == 0;
}

/* The bytes of tensor x as type `type` (converted through F32); caller frees. */
static void *convert(const struct ggml_tensor *x, enum ggml_type type, size_t *size) {
    int64_t n_per_row = x->ne[0], nrows = ggml_nelements(x) / n_per_row;
    float *f32 = xmalloc((size_t)ggml_nelements(x) * sizeof *f32);
    const struct ggml_type_traits *tr = ggml_get_type_traits(x->type);
    if (x->type == GGML_TYPE_F32) memcpy(f32, x->data, ggml_nbytes(x));
    else tr->to_float(x->data, f32, ggml_nelements(x));
    *size = ggml_row_size(type, n_per_row) * (size_t)nrows;
    void *out = xmalloc(*size);
    ggml_quantize_chunk(type, f32, out, 0, nrows, n_per_row, NULL);
    free(f32);
    return out;
}

/* True when the C strings names(g, 0..n-1) are all non-empty and distinct. */
static bool names_usable(const struct gguf_context *g, int64_t n,
                         const char *(*name)(const struct gguf_context *, int64_t), int64_t *bad) {
    for (int64_t i = 0; i < n; i++) {
        *bad = i;
        if (!name(g, i)[0]) return false;
        for (int64_t j = 0; j < i; j++)
            if (strcmp(name(g, i), name(g, j)) == 0) return false;
    }
    return true;
}

/* gguf_get_key and gguf_get_tensor_name with one signature, for names_usable. */
static const char *key_name(const struct gguf_context *g, int64_t i) { return gguf_get_key(g, i); }
static const char *tensor_name(const struct gguf_context *g, int64_t i) { return gguf_get_tensor_name(g, i); }

/* Whether the projector's keys and tensor names can be copied: gguf reads a
 * name with a NUL byte in it, which its setters then see cut short, empty
 * (an assertion aborts the process) or equal to another (a duplicate tensor
 * aborts too). False with a message naming the file and the entry. */
static bool projector_names_ok(const char *in, const struct gguf_context *src, char *err, size_t err_len) {
    int64_t bad = -1;
    if (!names_usable(src, gguf_get_n_kv(src), key_name, &bad)) {
        util_errf(err, err_len,
                  "projector '%s': metadata key %lld is empty, holds a NUL byte or repeats another (not a "
                  "valid GGUF)",
                  in, (long long)bad);
        return false;
    }
    if (!names_usable(src, gguf_get_n_tensors(src), tensor_name, &bad)) {
        util_errf(err, err_len,
                  "projector '%s': tensor %lld's name is empty, holds a NUL byte or repeats another (not "
                  "a valid GGUF)",
                  in, (long long)bad);
        return false;
    }
    return true;
}

/* Whether every tensor's bytes lie inside the file: reading the tensors
 * allocates what the header claims before it reads a byte of them, so a header
 * claiming terabytes would abort the process. False with a message. */
static bool projector_sizes_ok(const char *in, const struct gguf_context *g, char *err, size_t err_len) {
    uint64_t file = util_file_size(in), start = gguf_get_data_offset(g);
    uint64_t room = file > start ? file - start : 0;
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        uint64_t off = gguf_get_tensor_offset(g, i), size = gguf_get_tensor_size(g, i);
        if (off > room || size > room - off) {
            util_errf(err, err_len,
                      "projector '%s': tensor '%s' claims %llu bytes at %llu, past the file's end "
                      "(truncated or not a valid GGUF)",
                      in, gguf_get_tensor_name(g, i), (unsigned long long)size, (unsigned long long)(start + off));
            return false;
        }
    }
    return true;
}

/* Whether every tensor has at least one element along each axis: gguf reads a
 * tensor of shape (N, 0) (no bytes), but writes its copy as (N) (ggml_n_dims
 * drops the 0), a variant no reader accepts; and an empty matrix has no rows
 * to quantize. False with a message. */
static bool projector_shapes_ok(const char *in, struct ggml_context *meta, const struct gguf_context *g, char *err,
                                size_t err_len) {
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        const struct ggml_tensor *x = ggml_get_tensor(meta, gguf_get_tensor_name(g, i));
        if (x && ggml_nelements(x) > 0) continue;
        util_errf(err, err_len, "projector '%s': tensor '%s' is empty (a side of 0: not a valid projector)", in,
                  gguf_get_tensor_name(g, i));
        return false;
    }
    return true;
}

/* Read the projector's header alone and check it before its tensors are
 * loaded. VLM_OK or VLM_ERR_INPUT with a message naming the file. */
static int check_projector(const char *in, char *err, size_t err_len) {
    struct ggml_context *meta = NULL;
    struct gguf_init_params ip = {.no_alloc = true, .ctx = &meta};
    struct gguf_context *g = gguf_init_from_file(in, ip);
    if (!g) {
        util_errf(err, err_len, "cannot read projector '%s' (missing, truncated or not GGUF)", in);
        return VLM_ERR_INPUT;
    }
    bool ok = projector_names_ok(in, g, err, err_len) && projector_sizes_ok(in, g, err, err_len) &&
              projector_shapes_ok(in, meta, g, err, err_len);
    gguf_free(g);
    ggml_free(meta);
    return ok ? VLM_OK : VLM_ERR_INPUT;
}

static int quantize_projector(const char *in, const char *out, const struct qtype *t, char *err, size_t err_len) {
    if (check_projector(in, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
    struct ggml_context *data = NULL;
    struct gguf_init_params ip = {.no_alloc = false, .ctx = &data};
    struct gguf_context *src = gguf_init_from_file(in, ip);
    if (!src) {
        util_errf(err, err_len, "cannot read projector '%s' (missing, truncated or not GGUF)", in);
        return VLM_ERR_INPUT;
    }
    int64_t n = gguf_get_n_tensors(src);
    struct ggml_init_params mp = {.mem_size = (size_t)(n + 1) * ggml_tensor_overhead(), .no_alloc = true};
    struct ggml_context *meta = ggml_init(mp);
    struct gguf_context *dst = gguf_init_empty();
    gguf_set_kv(dst, src);
    /* The copied general.alignment would not change the alignment gguf lays the
     * tensors out with (its default): the variant would claim one layout and
     * have another. Without the key, both are the default. */
    gguf_remove_key(dst, "general.alignment");
    gguf_set_val_u32(dst, "general.file_type", (uint32_t)t->ftype);
    gguf_set_val_str(dst, "general.quantized_by", "vlmeter quantize (ggml_quantize_chunk)");
    struct ggml_tensor **outs = xcalloc((size_t)n + 1, sizeof *outs);
    for (int64_t i = 0; i < n; i++) {
        const struct ggml_tensor *x = ggml_get_tensor(data, gguf_get_tensor_name(src, i));
        enum ggml_type type = quantize_tensor(x, t->base) ? t->base : x->type;
        outs[i] = ggml_new_tensor(meta, type, ggml_n_dims(x), x->ne);
        ggml_set_name(outs[i], ggml_get_name(x));
        gguf_add_tensor(dst, outs[i]);
    }
    char *tmp = temp_name(out);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && gguf_write_to_file_ptr(dst, f, /*only_meta=*/true);
    size_t align = gguf_get_alignment(dst);
    for (int64_t i = 0; ok && i < n; i++) {
        const struct ggml_tensor *x = ggml_get_tensor(data, ggml_get_name(outs[i]));
        size_t size = ggml_nbytes(x);
        void *bytes = outs[i]->type == x->type ? NULL : convert(x, outs[i]->type, &size);
        ok = fwrite(bytes ? bytes : x->data, 1, size, f) == size;
        for (size_t pad = (align - size % align) % align; ok && pad > 0; pad--) ok = fputc(0, f) != EOF;
        free(bytes);
    }
    if (f && fclose(f) != 0) ok = false;
    if (ok && rename(tmp, out) != 0) ok = false;
    if (!ok) {
        util_errf(err, err_len, "cannot write '%s': %s", out, strerror(errno ? errno : EIO));
        remove(tmp);
    }
    free(tmp);
    free(outs);
    gguf_free(dst);
    gguf_free(src);
    ggml_free(meta);
    ggml_free(data);
    return ok ? VLM_OK : VLM_ERR_IO;
}

/* ------------------------------------------------------------ variants */

/* Make one variant of `in` (a language model or a projector) unless it exists. */
static int make_variant(const char *in, bool projector, const struct qtype *t, const char *outdir,
                        const struct vlm_quant_params *p, struct vlm_quant_summary *sum, char *err, size_t err_len) {
    char *out = vlm_quant_path(in, t->name, outdir);
    int rc = VLM_OK;
    if (have_variant(out, t)) {
        sum->n_skipped++;
        util_say(p->on_message, p->user, "kept %s (already %s)", out, t->name);
    } else {
        double t0 = util_now_ms();
        rc = projector ? quantize_projector(in, out, t, err, err_len)
                       : quantize_lm(in, out, t, p->n_threads, err, err_len);
        if (rc == VLM_OK) {
            sum->n_made++;
            util_say(p->on_message, p->user, "made %s (%.1f MiB, %.1f s)", out, (double)util_file_size(out) / 1048576.0,
                     (util_now_ms() - t0) / 1000.0);
        }
    }
    free(out);
    return rc;
}

int vlm_quantize(const char *model, const char *const *types, int n_types, const char *outdir,
                 const struct vlm_quant_params *p, struct vlm_quant_summary *sum, char *err, size_t err_len) {
    memset(sum, 0, sizeof *sum);
    for (int i = 0; i < n_types; i++) {
        if (!find_type(types[i])) {
            util_errf(err, err_len, "unknown quantization type '%s' (vlmeter quantize --list)", types[i]);
            return VLM_ERR_INPUT;
        }
    }
    char have[16];
    if (!vlm_quant_file_type(model, have, sizeof have)) {
        util_errf(err, err_len, "cannot read model '%s' (missing, truncated or not GGUF)", model);
        return VLM_ERR_INPUT;
    }
    if (outdir && util_mkdirs(outdir) != 0) {
        util_errf(err, err_len, "cannot create '%s': %s", outdir, strerror(errno));
        return VLM_ERR_IO;
    }
    for (int i = 0; i < n_types; i++) {
        const struct qtype *t = find_type(types[i]);
        int rc = make_variant(model, false, t, outdir, p, sum, err, err_len);
        if (rc == VLM_OK && p->mmproj) rc = make_variant(p->mmproj, true, t, outdir, p, sum, err, err_len);
        if (rc != VLM_OK) return rc;
    }
    return VLM_OK;
}
