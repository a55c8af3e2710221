/*
 * engine_local.c - the local engine: one GGUF model and its vision projector
 * loaded through llama.cpp (libllama + libmtmd), answering test cases turn by
 * turn and timing every stage. Reached through the vlm_engine dispatcher
 * (engine.c); it also owns the llama.cpp log, version and system info.
 *
 * A case is one conversation. Each turn: decode the turn's images, format the
 * new user message with the chat template (only the part the conversation does
 * not already hold), tokenize text and images with mtmd, encode images with the
 * projector, prefill, then sample until end of generation or max_tokens. The
 * prompt is built exactly as llama.cpp's llama-mtmd-cli builds it, so a greedy
 * answer here is token for token the answer that tool gives.
 */
#include "engine_impl.h"
#include "internal.h"
#include "util.h"
#include "vlmeter.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ggml-backend.h"
#include "llama.h"
#include "mtmd-helper.h"
#include "mtmd.h"

/* The chat so far, as llama_chat_message entries whose strings we own. */
struct chat {
    struct llama_chat_message *msgs;
    int n, cap;
};

typedef struct local_engine local_engine;

struct local_engine {
    struct vlm_engine_params p;
    char *model_path, *mmproj_path, *template_arg;
    struct llama_model *model;
    struct llama_context *lctx;
    mtmd_context *mctx;
    const struct llama_vocab *vocab;
    struct llama_sampler *smpl;
    const char *tmpl; /* template text or built-in name handed to llama.cpp */
    int n_seq;        /* sequences the context holds (vlm_local_parallel), else 1 */
    struct vlm_model_info info;

    /* per conversation */
    llama_pos n_past;
    struct chat chat;
    char *fmt_past; /* the chat formatted without a generation prompt */

    /* per turn output buffers */
    char *out;
    size_t out_len, out_cap;
    int *tokens, *offsets;
    float *gaps;
    double *itl; /* ms between consecutive output tokens */
    int n_out, cap_out;
};

/* ------------------------------------------------------------ llama.cpp log */

static bool g_log_on = false;
static char g_last_error[512];

/* Keep llama.cpp's last error line (to explain a failed load); print the log only
 * when asked. */
static void log_cb(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level == GGML_LOG_LEVEL_ERROR) {
        snprintf(g_last_error, sizeof g_last_error, "%s", text);
        size_t n = strlen(g_last_error);
        while (n && (g_last_error[n - 1] == '\n' || g_last_error[n - 1] == ' ')) g_last_error[--n] = 0;
    }
    if (g_log_on) fputs(text, stderr);
}

void vlm_llama_log(bool on) {
    g_log_on = on;
    llama_log_set(log_cb, NULL);
    mtmd_helper_log_set(log_cb, NULL);
}

static void ensure_backend(void) {
    static bool done = false;
    if (done) return;
    done = true;
    llama_log_set(log_cb, NULL);
    mtmd_helper_log_set(log_cb, NULL);
    llama_backend_init();
}

#ifndef VLM_LLAMA_BUILD
#define VLM_LLAMA_BUILD "unknown"
#endif

const char *vlm_llama_version(void) { return VLM_LLAMA_BUILD; }

const char *vlm_llama_system_info(void) {
    ensure_backend();
    return llama_print_system_info();
}

/* ------------------------------------------------------------ loading */

static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* Device memory in use on all GPU devices, summed (bytes). */
static uint64_t gpu_mem_used(void) {
    uint64_t used = 0;
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (ggml_backend_dev_type(dev) != GGML_BACKEND_DEVICE_TYPE_GPU) continue;
        size_t free_b = 0, total_b = 0;
        ggml_backend_dev_memory(dev, &free_b, &total_b);
        used += total_b - free_b;
    }
    return used;
}

static void backend_name(char *buf, size_t len, int n_gpu_layers) {
    snprintf(buf, len, "CPU");
    if (n_gpu_layers == 0) return;
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_GPU) {
            snprintf(buf, len, "%s", ggml_backend_dev_name(dev));
            return;
        }
    }
}

static struct llama_sampler *make_sampler(const struct vlm_sampling *s, int n_vocab) {
    struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    struct llama_sampler *chain = llama_sampler_chain_init(cp);
    if (s->repeat_penalty != 1.0f)
        llama_sampler_chain_add(chain, llama_sampler_init_penalties(n_vocab, s->repeat_last_n, s->repeat_penalty, 0.0f, 0.0f));
    if (s->temp <= 0.0f) {
        llama_sampler_chain_add(chain, llama_sampler_init_greedy());
        return chain;
    }
    if (s->top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(s->top_k));
    if (s->top_p < 1.0f) llama_sampler_chain_add(chain, llama_sampler_init_top_p(s->top_p, 1));
    if (s->min_p > 0.0f) llama_sampler_chain_add(chain, llama_sampler_init_min_p(s->min_p, 1));
    llama_sampler_chain_add(chain, llama_sampler_init_temp(s->temp));
    llama_sampler_chain_add(chain, llama_sampler_init_dist(s->seed));
    return chain;
}

/* Format a fixed probe chat with template `tmpl` into buf; length or -1. */
static int format_probe(const char *tmpl, char *buf, int len) {
    struct llama_chat_message m[3] = {
        {"system", "S"}, {"user", "U1"}, {"assistant", "A1"},
    };
    return llama_chat_apply_template(tmpl, m, 3, true, buf, len);
}

/* Which built-in llama.cpp template family `tmpl` is: the first built-in name
 * that formats a probe chat identically. */
static void template_family(const char *tmpl, char *out, size_t out_len) {
    const char *names[128];
    int n = llama_chat_builtin_templates(names, 128);
    if (n > 128) n = 128;
    char want[1024], got[1024];
    snprintf(out, out_len, "custom");
    int wn = format_probe(tmpl, want, sizeof want);
    if (wn < 0 || wn >= (int)sizeof want) return;
    for (int i = 0; i < n; i++) {
        if (strcmp(tmpl, names[i]) == 0) { snprintf(out, out_len, "%s", names[i]); return; }
    }
    for (int i = 0; i < n; i++) {
        int gn = format_probe(names[i], got, sizeof got);
        if (gn == wn && memcmp(want, got, (size_t)wn) == 0) {
            snprintf(out, out_len, "%s", names[i]);
            return;
        }
    }
}

static int check_file(const char *what, const char *path, char *err, size_t err_len) {
    if (!path || !path[0]) {
        vlm_errf(err, err_len, "no %s file given", what);
        return VLM_ERR_INPUT;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        vlm_errf(err, err_len, "%s file '%s' cannot be opened", what, path);
        return VLM_ERR_INPUT;
    }
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    if (n < 4 || memcmp(magic, "GGUF", 4) != 0) {
        vlm_errf(err, err_len, "%s file '%s' is not a GGUF file", what, path);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

static int load_lm(local_engine *e, char *err, size_t err_len) {
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = e->p.n_gpu_layers;
    g_last_error[0] = 0;
    e->model = llama_model_load_from_file(e->model_path, mp);
    if (!e->model) {
        vlm_errf(err, err_len, "cannot load model '%s': %s", e->model_path,
                 g_last_error[0] ? g_last_error : "llama.cpp refused it (truncated or unsupported?)");
        return VLM_ERR_MODEL;
    }
    e->vocab = llama_model_get_vocab(e->model);

    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)e->p.n_ctx * (uint32_t)e->n_seq;
    cp.n_seq_max = (uint32_t)e->n_seq;
    cp.n_batch = (uint32_t)e->p.n_batch;
    cp.n_ubatch = (uint32_t)(e->p.n_batch < 512 ? e->p.n_batch : 512);
    cp.n_threads = cp.n_threads_batch = e->p.n_threads;
    cp.no_perf = true;
    e->lctx = llama_init_from_model(e->model, cp);
    if (!e->lctx) {
        vlm_errf(err, err_len, "cannot create a context for '%s' (n_ctx=%d): %s", e->model_path,
                 e->p.n_ctx, g_last_error[0] ? g_last_error : "out of memory?");
        return VLM_ERR_MODEL;
    }
    return VLM_OK;
}

static int load_projector(local_engine *e, char *err, size_t err_len) {
    struct mtmd_context_params mp = mtmd_context_params_default();
    mp.use_gpu = e->p.n_gpu_layers != 0;
    mp.print_timings = false;
    mp.n_threads = e->p.n_threads;
    g_last_error[0] = 0;
    e->mctx = mtmd_init_from_file(e->mmproj_path, e->model, mp);
    if (!e->mctx) {
        vlm_errf(err, err_len, "cannot load projector '%s' for model '%s': %s", e->mmproj_path,
                 e->model_path, g_last_error[0] ? g_last_error : "mtmd refused it");
        return VLM_ERR_MODEL;
    }
    if (!mtmd_support_vision(e->mctx)) {
        vlm_errf(err, err_len, "projector '%s' has no vision encoder", e->mmproj_path);
        return VLM_ERR_MODEL;
    }
    return VLM_OK;
}

static int pick_template(local_engine *e, char *err, size_t err_len) {
    e->tmpl = e->template_arg ? e->template_arg : llama_model_chat_template(e->model, NULL);
    if (!e->tmpl) {
        vlm_errf(err, err_len, "model '%s' has no chat template; pass one (e.g. template=chatml)",
                 e->model_path);
        return VLM_ERR_INPUT;
    }
    char probe[64];
    if (format_probe(e->tmpl, probe, sizeof probe) < 0) {
        vlm_errf(err, err_len, "chat template of '%s' is not one llama.cpp knows; pass template=NAME "
                 "(chatml, llama3, gemma, vicuna, ...)", e->model_path);
        return VLM_ERR_INPUT;
    }
    template_family(e->tmpl, e->info.template_name, sizeof e->info.template_name);
    return VLM_OK;
}

/* Run the LM once on a prompt-sized and a token-sized batch and forget it, as
 * llama.cpp's own tools do after loading, so the first case does not pay for
 * first-use allocations. (The projector warms itself up in mtmd_init_from_file.) */
static void warm_up(local_engine *e) {
    llama_token tmp[2];
    int n = 0;
    if (llama_vocab_bos(e->vocab) != LLAMA_TOKEN_NULL) tmp[n++] = llama_vocab_bos(e->vocab);
    if (llama_vocab_eos(e->vocab) != LLAMA_TOKEN_NULL) tmp[n++] = llama_vocab_eos(e->vocab);
    if (n == 0) tmp[n++] = 0;
    llama_decode(e->lctx, llama_batch_get_one(tmp, n));
    llama_decode(e->lctx, llama_batch_get_one(tmp, 1));
    llama_memory_clear(llama_get_memory(e->lctx), true);
    llama_synchronize(e->lctx);
}

static void local_free(void *impl);

/* Load a model whose context holds n_seq sequences of params.n_ctx tokens each. */
static local_engine *local_init_seqs(struct vlm_engine_params params, int n_seq, char *err, size_t err_len) {
    ensure_backend();
    if (check_file("model", params.model_path, err, err_len) != VLM_OK) return NULL;
    if (check_file("projector (mmproj)", params.mmproj_path, err, err_len) != VLM_OK) return NULL;

    local_engine *e = vlm_xcalloc(1, sizeof *e);
    e->p = params;
    e->n_seq = n_seq;
    if (e->p.n_threads <= 0) e->p.n_threads = default_threads();
    if (e->p.n_ctx <= 0) e->p.n_ctx = 4096;
    if (e->p.n_batch <= 0) e->p.n_batch = 2048;
    e->model_path = vlm_xstrdup(params.model_path);
    e->mmproj_path = vlm_xstrdup(params.mmproj_path);
    e->template_arg = params.chat_template ? vlm_xstrdup(params.chat_template) : NULL;
    e->p.model_path = e->model_path;
    e->p.mmproj_path = e->mmproj_path;
    e->p.chat_template = e->template_arg;

    uint64_t gpu_before = gpu_mem_used();
    double t0 = vlm_now_ms();
    if (load_lm(e, err, err_len) != VLM_OK || load_projector(e, err, err_len) != VLM_OK ||
        pick_template(e, err, err_len) != VLM_OK) {
        local_free(e);
        return NULL;
    }
    warm_up(e);
    e->info.load_ms = vlm_now_ms() - t0;
    uint64_t gpu_after = gpu_mem_used();
    e->info.gpu_mem_bytes = gpu_after > gpu_before ? gpu_after - gpu_before : 0;
    e->info.model_bytes = vlm_file_size(e->model_path);
    e->info.mmproj_bytes = vlm_file_size(e->mmproj_path);
    e->info.n_params = llama_model_n_params(e->model);
    if (llama_model_meta_val_str(e->model, "general.architecture", e->info.arch, sizeof e->info.arch) < 0)
        snprintf(e->info.arch, sizeof e->info.arch, "unknown");
    backend_name(e->info.backend, sizeof e->info.backend, e->p.n_gpu_layers);
    e->info.n_threads = e->p.n_threads;
    e->info.n_gpu_layers = e->p.n_gpu_layers;
    e->info.n_ctx = e->p.n_ctx;
    e->info.n_batch = e->p.n_batch;
    e->smpl = make_sampler(&e->p.sampling, llama_vocab_n_tokens(e->vocab));
    return e;
}

static void *local_init(struct vlm_engine_params params, char *err, size_t err_len) {
    return local_init_seqs(params, 1, err, err_len);
}

static void chat_clear(struct chat *c) {
    for (int i = 0; i < c->n; i++) free((char *)c->msgs[i].content);
    c->n = 0;
}

static void local_free(void *impl) {
    local_engine *e = impl;
    if (!e) return;
    chat_clear(&e->chat);
    free(e->chat.msgs);
    free(e->fmt_past);
    free(e->out);
    free(e->tokens);
    free(e->gaps);
    free(e->itl);
    free(e->offsets);
    if (e->smpl) llama_sampler_free(e->smpl);
    if (e->mctx) mtmd_free(e->mctx);
    if (e->lctx) llama_free(e->lctx);
    if (e->model) llama_model_free(e->model);
    free(e->model_path);
    free(e->mmproj_path);
    free(e->template_arg);
    free(e);
}

static const struct vlm_model_info *local_info(const void *impl) {
    return &((const local_engine *)impl)->info;
}

/* ------------------------------------------------------------ one turn */

static void chat_push(struct chat *c, const char *role, const char *content) {
    vlm_grow((void **)&c->msgs, &c->cap, c->n + 1, sizeof *c->msgs);
    c->msgs[c->n].role = role;
    c->msgs[c->n].content = vlm_xstrdup(content);
    c->n++;
}

/* The chat formatted with template `tmpl`; caller frees. NULL on failure. */
static char *chat_format(const char *tmpl, const struct chat *c, bool add_ass) {
    int cap = 4096;
    for (int i = 0; i < c->n; i++) cap += (int)strlen(c->msgs[i].content) * 2;
    char *buf = vlm_xmalloc((size_t)cap);
    int n = llama_chat_apply_template(tmpl, c->msgs, (size_t)c->n, add_ass, buf, cap);
    if (n >= cap) {
        buf = vlm_xrealloc(buf, (size_t)n + 1);
        n = llama_chat_apply_template(tmpl, c->msgs, (size_t)c->n, add_ass, buf, n + 1);
    }
    if (n < 0) { free(buf); return NULL; }
    buf[n] = 0;
    return buf;
}

/* Add the user message and return only the text the conversation does not hold
 * yet (what llama.cpp's common_chat_format_single returns); caller frees. */
static char *format_new_user_message(local_engine *e, const char *content) {
    chat_push(&e->chat, "user", content);
    char *full = chat_format(e->tmpl, &e->chat, true);
    if (!full) return NULL;
    size_t past = e->fmt_past ? strlen(e->fmt_past) : 0;
    bool keep_newline = past > 0 && e->fmt_past[past - 1] == '\n';
    char *delta = vlm_xasprintf("%s%s", keep_newline ? "\n" : "", full + (past <= strlen(full) ? past : strlen(full)));
    free(full);
    return delta;
}

static void remember_answer(local_engine *e, const char *answer) {
    chat_push(&e->chat, "assistant", answer);
    free(e->fmt_past);
    e->fmt_past = chat_format(e->tmpl, &e->chat, false);
}

static void out_append(local_engine *e, const char *s, size_t n) {
    vlm_buf_append(&e->out, &e->out_len, &e->out_cap, s, n);
}

static void out_push_token(local_engine *e, llama_token tok, float gap, double since_last_ms) {
    vlm_grow((void **)&e->tokens, &e->cap_out, e->n_out + 1, sizeof *e->tokens);
    e->gaps = vlm_xrealloc(e->gaps, (size_t)e->cap_out * sizeof *e->gaps);
    e->offsets = vlm_xrealloc(e->offsets, (size_t)e->cap_out * sizeof *e->offsets);
    e->itl = vlm_xrealloc(e->itl, (size_t)e->cap_out * sizeof *e->itl);
    e->offsets[e->n_out] = (int)e->out_len;
    e->tokens[e->n_out] = tok;
    e->gaps[e->n_out] = gap;
    if (e->n_out > 0) e->itl[e->n_out - 1] = since_last_ms;
    e->n_out++;
}

/* Top-1 minus top-2 logit of the last evaluated position. */
static float top2_gap(local_engine *e) {
    const float *logits = llama_get_logits_ith(e->lctx, -1);
    int n = llama_vocab_n_tokens(e->vocab);
    float a = -FLT_MAX, b = -FLT_MAX;
    for (int i = 0; i < n; i++) {
        if (logits[i] > a) { b = a; a = logits[i]; }
        else if (logits[i] > b) b = logits[i];
    }
    return a - b;
}

/* Which images a turn shows, in prompt order, and its text with mtmd markers in
 * their places (vlm_turn_parts). */
struct turn_plan {
    char *text;
    int n_images;
    int *images; /* indices into the case's images */
};

static void plan_turn(const vlm_case *c, int turn, int *next_image, struct turn_plan *tp) {
    struct vlm_turn_part *parts = NULL;
    int n = vlm_turn_parts(c, turn, next_image, &parts);
    const char *marker = mtmd_default_marker();
    size_t cap = strlen(c->turns[turn]) + (size_t)n * strlen(marker) + 1;
    tp->text = vlm_xcalloc(cap, 1);
    tp->images = vlm_xcalloc((size_t)n + 1, sizeof *tp->images);
    tp->n_images = 0;
    for (int i = 0; i < n; i++) {
        if (parts[i].text) {
            strncat(tp->text, parts[i].text, parts[i].len);
            continue;
        }
        strcat(tp->text, marker);
        if (parts[i].image >= 0) tp->images[tp->n_images++] = parts[i].image;
    }
    free(parts);
}

static void turn_plan_free(struct turn_plan *tp) {
    free(tp->text);
    free(tp->images);
}

/* Decode the turn's images into mtmd bitmaps. */
static int load_bitmaps(const vlm_case *c, const struct turn_plan *tp, mtmd_bitmap **bm,
                        char *err, size_t err_len) {
    for (int i = 0; i < tp->n_images; i++) {
        vlm_image img;
        if (vlm_image_load(c->images[tp->images[i]], &img, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
        bm[i] = mtmd_bitmap_init(img.width, img.height, img.rgb);
        vlm_image_free(&img);
    }
    return VLM_OK;
}

/* Prefill the turn's chunks: text by llama_decode, images by the projector then
 * llama_decode of their embeddings. */
static int eval_chunks(local_engine *e, mtmd_input_chunks *chunks, struct vlm_turn_timings *t,
                       char *err, size_t err_len) {
    size_t n = mtmd_input_chunks_size(chunks);
    for (size_t i = 0; i < n; i++) {
        const mtmd_input_chunk *ch = mtmd_input_chunks_get(chunks, i);
        llama_pos new_past = e->n_past;
        double t0 = vlm_now_ms();
        int rc;
        if (mtmd_input_chunk_get_type(ch) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            rc = mtmd_helper_eval_chunk_single(e->mctx, e->lctx, ch, e->n_past, 0, e->p.n_batch,
                                               i == n - 1, &new_past);
        } else {
            rc = mtmd_encode_chunk(e->mctx, ch);
            double t1 = vlm_now_ms();
            t->image_encode_ms += t1 - t0;
            t0 = t1;
            if (rc == 0)
                rc = mtmd_helper_decode_image_chunk(e->mctx, e->lctx, ch, mtmd_get_output_embd(e->mctx),
                                                    e->n_past, 0, e->p.n_batch, &new_past, NULL, NULL);
        }
        t->prefill_ms += vlm_now_ms() - t0;
        if (rc != 0) {
            vlm_errf(err, err_len, "prefill failed on chunk %zu: %s", i,
                     g_last_error[0] ? g_last_error : "llama_decode error");
            return VLM_ERR_MODEL;
        }
        e->n_past = new_past;
    }
    return VLM_OK;
}

/* Sample until end of generation, max_tokens or a full context. */
static int generate(local_engine *e, double turn_start, struct vlm_turn_timings *t,
                    char *err, size_t err_len) {
    double first = 0, last = 0;
    e->out_len = 0;
    e->n_out = 0;
    if (e->out) e->out[0] = 0;
    for (int i = 0; i < e->p.sampling.max_tokens; i++) {
        if (vlm_stop_requested()) break;
        float gap = e->p.record_logit_gaps ? top2_gap(e) : 0.0f;
        llama_token tok = llama_sampler_sample(e->smpl, e->lctx, -1);
        double now = vlm_now_ms();
        if (i == 0) { first = now; t->ttft_ms = now - turn_start; }
        t->decode_ms = now - first;
        if (llama_vocab_is_eog(e->vocab, tok)) break;
        out_push_token(e, tok, gap, now - last);
        last = now;
        char piece[256];
        int n = llama_token_to_piece(e->vocab, tok, piece, sizeof piece, 0, true);
        if (n > 0) out_append(e, piece, (size_t)n);
        if (e->n_past >= e->p.n_ctx) break; /* context full: the answer stops here */
        struct llama_batch b = llama_batch_get_one(&tok, 1);
        if (llama_decode(e->lctx, b) != 0) {
            vlm_errf(err, err_len, "decode failed after %d output tokens", e->n_out);
            return VLM_ERR_MODEL;
        }
        e->n_past++;
    }
    if (!e->out) out_append(e, "", 0);
    t->n_output_tokens = e->n_out;
    t->decode_tps = t->decode_ms > 0 && e->n_out > 1 ? (e->n_out - 1) * 1000.0 / t->decode_ms : 0;
    return VLM_OK;
}

/* Run one turn; fills r (output points into e->out). */
static int run_turn(local_engine *e, const vlm_case *c, int turn, int *next_image,
                    struct vlm_turn_result *r, char *err, size_t err_len) {
    struct turn_plan tp;
    plan_turn(c, turn, next_image, &tp);
    mtmd_bitmap **bm = vlm_xcalloc((size_t)tp.n_images + 1, sizeof *bm);
    mtmd_input_chunks *chunks = mtmd_input_chunks_init();
    struct vlm_turn_timings *t = &r->t;
    int rc;

    double t0 = vlm_now_ms();
    rc = load_bitmaps(c, &tp, bm, err, err_len);
    t->image_decode_ms = vlm_now_ms() - t0;
    if (rc != VLM_OK) goto done;

    char *prompt = format_new_user_message(e, tp.text);
    if (!prompt) {
        vlm_errf(err, err_len, "chat template failed to format turn %d", turn);
        rc = VLM_ERR_MODEL;
        goto done;
    }
    mtmd_input_text text = {prompt, strlen(prompt), e->n_past == 0, true};
    double t1 = vlm_now_ms();
    int tr = mtmd_tokenize(e->mctx, chunks, &text, (const mtmd_bitmap **)bm, (size_t)tp.n_images);
    t->image_encode_ms += tp.n_images ? vlm_now_ms() - t1 : 0; /* preprocessing */
    free(prompt);
    if (tr != 0) {
        vlm_errf(err, err_len, "cannot tokenize turn %d (%s)", turn,
                 tr == 1 ? "image markers do not match images" : "image preprocessing failed");
        rc = VLM_ERR_INPUT;
        goto done;
    }
    size_t n_tok = mtmd_helper_get_n_tokens(chunks);
    llama_pos n_pos = mtmd_helper_get_n_pos(chunks);
    t->n_prompt_tokens = (int)n_tok;
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); i++) {
        const mtmd_input_chunk *ch = mtmd_input_chunks_get(chunks, i);
        if (mtmd_input_chunk_get_type(ch) != MTMD_INPUT_CHUNK_TYPE_TEXT)
            t->n_image_tokens += (int)mtmd_input_chunk_get_n_tokens(ch);
    }
    if (e->n_past + n_pos + 1 > e->p.n_ctx) {
        vlm_errf(err, err_len, "prompt too long: turn %d needs %d positions after %d already used, "
                 "the context holds %d (raise --ctx)", turn, (int)n_pos, (int)e->n_past, e->p.n_ctx);
        rc = VLM_ERR_INPUT;
        goto done;
    }
    rc = eval_chunks(e, chunks, t, err, err_len);
    if (rc == VLM_OK) rc = generate(e, t0, t, err, err_len);
    t->e2e_ms = vlm_now_ms() - t0;
    if (rc == VLM_OK) remember_answer(e, e->out);

done:
    for (int i = 0; i < tp.n_images; i++) if (bm[i]) mtmd_bitmap_free(bm[i]);
    free(bm);
    mtmd_input_chunks_free(chunks);
    turn_plan_free(&tp);
    return rc;
}

static void reset_conversation(local_engine *e) {
    llama_memory_clear(llama_get_memory(e->lctx), true);
    llama_sampler_reset(e->smpl);
    e->n_past = 0;
    chat_clear(&e->chat);
    free(e->fmt_past);
    e->fmt_past = NULL;
}

static int local_answer(void *impl, const vlm_case *c, vlm_turn_cb cb, void *user) {
    local_engine *e = impl;
    reset_conversation(e);
    if (c->error) return VLM_ERR_INPUT;
    int next_image = 0;
    for (int turn = 0; turn < c->n_turns; turn++) {
        struct vlm_turn_result r;
        memset(&r, 0, sizeof r);
        r.turn = turn;
        char err[1024] = "";
        int rc = run_turn(e, c, turn, &next_image, &r, err, sizeof err);
        if (vlm_stop_requested()) return VLM_ERR_STOPPED; /* never report a cut-off answer */
        r.output = rc == VLM_OK ? e->out : "";
        r.error = rc == VLM_OK ? NULL : err;
        r.n_gaps = rc == VLM_OK && e->p.record_logit_gaps ? e->n_out : 0;
        r.logit_gaps = e->gaps;
        r.tokens = e->tokens;
        r.token_offsets = e->offsets;
        r.n_itl = rc == VLM_OK && e->n_out > 1 ? e->n_out - 1 : 0;
        r.itl_ms = e->itl;
        bool go_on = cb(&r, user);
        if (rc != VLM_OK) return rc;
        if (!go_on) return VLM_ERR_STOPPED;
    }
    return VLM_OK;
}

const struct vlm_engine_ops vlm_engine_local_ops = {
    "local", local_init, local_answer, local_info, local_free,
};

/* ------------------------------------------------------------ parallel sequences */

/* One request in flight in vlm_local_parallel: a sequence of the shared context. */
struct seq_state {
    bool busy;
    llama_pos n_past;
    llama_token tok;            /* sampled; decoded in the next batch */
    struct llama_sampler *smpl;
    struct vlm_turn_timings t;
    double t0, t_first, t_last;
    double *itl;
    int n_itl, cap_itl;
};

/* Prefill the first turn of `c` into sequence `s` (its KV entries cleared
 * first), as run_turn builds it for a new conversation. */
static int seq_prefill(local_engine *e, struct seq_state *q, int s, const vlm_case *c, char *err,
                       size_t err_len) {
    llama_memory_seq_rm(llama_get_memory(e->lctx), s, -1, -1);
    struct turn_plan tp;
    int next_image = 0;
    plan_turn(c, 0, &next_image, &tp);
    mtmd_bitmap **bm = vlm_xcalloc((size_t)tp.n_images + 1, sizeof *bm);
    mtmd_input_chunks *chunks = mtmd_input_chunks_init();
    struct chat chat = {0};
    char *prompt = NULL;
    int rc = load_bitmaps(c, &tp, bm, err, err_len);
    if (rc == VLM_OK) {
        chat_push(&chat, "user", tp.text);
        prompt = chat_format(e->tmpl, &chat, true);
        mtmd_input_text text = {prompt ? prompt : "", prompt ? strlen(prompt) : 0, true, true};
        if (!prompt || mtmd_tokenize(e->mctx, chunks, &text, (const mtmd_bitmap **)bm, (size_t)tp.n_images) != 0) {
            vlm_errf(err, err_len, "cannot format or tokenize the prompt");
            rc = VLM_ERR_INPUT;
        }
    }
    if (rc == VLM_OK && mtmd_helper_get_n_pos(chunks) + 1 > e->p.n_ctx) {
        vlm_errf(err, err_len, "prompt too long: %d positions, the context holds %d (raise --ctx)",
                 (int)mtmd_helper_get_n_pos(chunks), e->p.n_ctx);
        rc = VLM_ERR_INPUT;
    }
    llama_pos new_past = 0;
    if (rc == VLM_OK) {
        q->t.n_prompt_tokens = (int)mtmd_helper_get_n_tokens(chunks);
        if (mtmd_helper_eval_chunks(e->mctx, e->lctx, chunks, 0, s, e->p.n_batch, true, &new_past) != 0) {
            vlm_errf(err, err_len, "prefill failed: %s", g_last_error[0] ? g_last_error : "llama_decode error");
            rc = VLM_ERR_MODEL;
        }
    }
    q->n_past = new_past;
    for (int i = 0; i < tp.n_images; i++) if (bm[i]) mtmd_bitmap_free(bm[i]);
    free(bm);
    free(prompt);
    chat_clear(&chat);
    free(chat.msgs);
    mtmd_input_chunks_free(chunks);
    turn_plan_free(&tp);
    return rc;
}

/* Report a finished request and free its sequence. */
static void seq_finish(struct seq_state *q, const struct vlm_parallel_io *io, const char *error) {
    double now = vlm_now_ms();
    q->t.e2e_ms = now - q->t0;
    q->t.decode_ms = q->t_last - q->t_first;
    q->t.decode_tps = q->t.decode_ms > 0 && q->t.n_output_tokens > 1
                          ? (q->t.n_output_tokens - 1) * 1000.0 / q->t.decode_ms : 0;
    if (!error) vlm_derive_timings(&q->t, q->itl, q->n_itl);
    io->done(io->user, &q->t, q->itl, error ? 0 : q->n_itl, error);
    q->busy = false;
}

/* Take the token just sampled for q (from batch row idx); false when the
 * request is finished (end of generation, max_tokens, full context). */
static bool seq_take(local_engine *e, struct seq_state *q, int idx) {
    q->tok = llama_sampler_sample(q->smpl, e->lctx, idx);
    double now = vlm_now_ms();
    if (q->t.n_output_tokens == 0 && q->t_first == 0) {
        q->t_first = now;
        q->t.ttft_ms = now - q->t0;
    } else {
        vlm_grow((void **)&q->itl, &q->cap_itl, q->n_itl + 1, sizeof *q->itl);
        if (!llama_vocab_is_eog(e->vocab, q->tok)) q->itl[q->n_itl++] = now - q->t_last;
    }
    q->t_last = now;
    if (llama_vocab_is_eog(e->vocab, q->tok)) return false;
    q->t.n_output_tokens++;
    return q->t.n_output_tokens < e->p.sampling.max_tokens && q->n_past < e->p.n_ctx;
}

/* Start the next request in a free sequence; false when there is none left. */
static bool seq_begin(local_engine *e, struct seq_state *q, int s, const struct vlm_parallel_io *io) {
    for (;;) {
        const vlm_case *c = io->next(io->user);
        if (!c) return false;
        memset(&q->t, 0, sizeof q->t);
        q->n_itl = 0;
        q->t_first = 0;
        q->t0 = vlm_now_ms();
        q->busy = true;
        llama_sampler_reset(q->smpl);
        char err[1024];
        if (seq_prefill(e, q, s, c, err, sizeof err) != VLM_OK) { seq_finish(q, io, err); continue; }
        if (!seq_take(e, q, -1)) { seq_finish(q, io, NULL); continue; }
        return true;
    }
}

int vlm_local_parallel(struct vlm_engine_params params, int n_seq, const struct vlm_parallel_io *io,
                       char *err, size_t err_len) {
    local_engine *e = local_init_seqs(params, n_seq, err, err_len);
    if (!e) return VLM_ERR_MODEL;
    struct seq_state *q = vlm_xcalloc((size_t)n_seq, sizeof *q);
    for (int s = 0; s < n_seq; s++) q[s].smpl = make_sampler(&e->p.sampling, llama_vocab_n_tokens(e->vocab));
    struct llama_batch batch = llama_batch_init(n_seq, 0, 1);
    int *row = vlm_xcalloc((size_t)n_seq, sizeof *row);
    bool more = true;
    int rc = VLM_OK;
    while (!vlm_stop_requested()) {
        for (int s = 0; s < n_seq && more; s++)
            if (!q[s].busy) more = seq_begin(e, &q[s], s, io);
        batch.n_tokens = 0;
        for (int s = 0; s < n_seq; s++) {
            if (!q[s].busy) continue;
            int i = batch.n_tokens++;
            batch.token[i] = q[s].tok;
            batch.pos[i] = q[s].n_past;
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = s;
            batch.logits[i] = 1;
            row[s] = i;
        }
        if (batch.n_tokens == 0) break;
        if (llama_decode(e->lctx, batch) != 0) {
            vlm_errf(err, err_len, "decode of %d sequences failed", batch.n_tokens);
            rc = VLM_ERR_MODEL;
            break;
        }
        for (int s = 0; s < n_seq; s++) {
            if (!q[s].busy) continue;
            q[s].n_past++;
            if (!seq_take(e, &q[s], row[s])) seq_finish(&q[s], io, NULL);
        }
    }
    for (int s = 0; s < n_seq; s++) {
        if (q[s].busy && rc != VLM_OK) seq_finish(&q[s], io, err);
        llama_sampler_free(q[s].smpl);
        free(q[s].itl);
    }
    llama_batch_free(batch);
    free(row);
    free(q);
    local_free(e);
    return vlm_stop_requested() ? VLM_ERR_STOPPED : rc;
}
