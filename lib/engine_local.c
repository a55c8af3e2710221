/*
 * engine_local.c - the local engine's loading half: one GGUF model and its
 * vision projector (none: a text-only model, info.has_vision false) loaded through llama.cpp (libllama + libmtmd) into one
 * context of n_parallel sequences, its chat template set up (chat_tmpl.h), and what the
 * load cost recorded. Answering is engine_sched.c's. Reached through the
 * vlm_engine dispatcher (engine.c); llama.cpp's process-wide state (log,
 * backends) is backend.c's.
 */
#include "backend.h"
#include "engine_sched.h"
#include "rpc.h"
#include "util.h"
#include "vlmeter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ggml-backend.h"
#include "llama.h"
#include "mtmd-helper.h"
#include "mtmd.h"

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

static void backend_name(char *buf, size_t len, int n_gpu_layers, const char *rpc_servers) {
    snprintf(buf, len, "CPU");
    if (n_gpu_layers == 0) return;
    if (rpc_servers) { /* the layers went to the rpc-servers' devices (rpc.c) */
        snprintf(buf, len, "RPC[%s]", rpc_servers);
        return;
    }
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_GPU) {
            snprintf(buf, len, "%s", ggml_backend_dev_name(dev));
            return;
        }
    }
}

/* The PCI bus ids of the GPU devices the layers are on: llama.cpp spreads
 * them over every GPU device when given none, as here (rpc= names its own
 * devices, ngl=0 none: ""). Devices whose id ggml cannot say are left out. */
static void gpu_bus_ids(char *buf, size_t len, int n_gpu_layers, const char *rpc_servers) {
    buf[0] = '\0';
    if (n_gpu_layers == 0 || rpc_servers) return;
    size_t at = 0;
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (ggml_backend_dev_type(dev) != GGML_BACKEND_DEVICE_TYPE_GPU) continue;
        struct ggml_backend_dev_props props;
        ggml_backend_dev_get_props(dev, &props);
        if (!props.device_id || !props.device_id[0]) continue;
        int n = snprintf(buf + at, len - at, "%s%s", at ? "," : "", props.device_id);
        if (n < 0 || (size_t)n >= len - at) { /* no room: "", every GPU kept rather than some lost */
            buf[0] = '\0';
            return;
        }
        at += (size_t)n;
    }
}

static int check_file(const char *what, const char *path, char *err, size_t err_len) {
    if (!path || !path[0]) {
        util_errf(err, err_len, "no %s file given", what);
        return VLM_ERR_INPUT;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        util_errf(err, err_len, "%s file '%s' cannot be opened", what, path);
        return VLM_ERR_INPUT;
    }
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    if (n < 4 || memcmp(magic, "GGUF", 4) != 0) {
        util_errf(err, err_len, "%s file '%s' is not a GGUF file", what, path);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

static int load_lm(local_engine *e, char *err, size_t err_len) {
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = e->p.n_gpu_layers;
    ggml_backend_dev_t rpc[RPC_MAX_DEVICES + 1];
    if (e->p.rpc_servers) { /* the offloaded layers go to these devices only */
        int rc = rpc_devices(e->p.rpc_servers, rpc, err, err_len);
        if (rc != VLM_OK) return rc;
        mp.devices = rpc;
    }
    backend_clear_error();
    e->model = llama_model_load_from_file(e->model_path, mp);
    if (!e->model) {
        util_errf(err, err_len, "cannot load model '%s': %s", e->model_path,
                  backend_last_error()[0] ? backend_last_error() : "llama.cpp refused it (truncated or unsupported?)");
        return VLM_ERR_MODEL;
    }
    e->vocab = llama_model_get_vocab(e->model);
    return VLM_OK;
}

static int load_projector(local_engine *e, char *err, size_t err_len) {
    struct mtmd_context_params mp = mtmd_context_params_default();
    mp.use_gpu = e->p.n_gpu_layers != 0;
    mp.print_timings = false;
    mp.n_threads = e->p.n_threads;
    if (e->p.image_min_tokens > 0) mp.image_min_tokens = e->p.image_min_tokens; /* as --image-min-tokens */
    if (e->p.image_max_tokens > 0) mp.image_max_tokens = e->p.image_max_tokens;
    backend_clear_error();
    e->mctx = mtmd_init_from_file(e->mmproj_path, e->model, mp);
    if (!e->mctx) {
        util_errf(err, err_len, "cannot load projector '%s' for model '%s': %s", e->mmproj_path, e->model_path,
                  backend_last_error()[0] ? backend_last_error() : "mtmd refused it");
        return VLM_ERR_MODEL;
    }
    if (!mtmd_support_vision(e->mctx)) {
        util_errf(err, err_len, "projector '%s' has no vision encoder", e->mmproj_path);
        return VLM_ERR_MODEL;
    }
    return VLM_OK;
}

/* The image tokens mtmd makes of a plain w x h picture (its preprocessing
 * only: nothing is encoded); -1 when it cannot. */
static int image_tokens_of(local_engine *e, int w, int h) {
    unsigned char *rgb = xmalloc((size_t)w * (size_t)h * 3);
    memset(rgb, 128, (size_t)w * (size_t)h * 3);
    mtmd_bitmap *bm = mtmd_bitmap_init((uint32_t)w, (uint32_t)h, rgb);
    free(rgb);
    mtmd_input_chunks *chunks = mtmd_input_chunks_init();
    const char *marker = mtmd_default_marker();
    mtmd_input_text in = {marker, strlen(marker), false, true};
    const mtmd_bitmap *bms[1] = {bm};
    int n = -1;
    if (bm && mtmd_tokenize(e->mctx, chunks, &in, bms, 1) == 0) {
        n = 0;
        for (size_t i = 0; i < mtmd_input_chunks_size(chunks); i++) {
            const mtmd_input_chunk *ch = mtmd_input_chunks_get(chunks, i);
            if (mtmd_input_chunk_get_type(ch) != MTMD_INPUT_CHUNK_TYPE_TEXT)
                n += (int)mtmd_input_chunk_get_n_tokens(ch);
        }
    }
    mtmd_input_chunks_free(chunks);
    if (bm) mtmd_bitmap_free(bm);
    return n;
}

/* An image token budget the projector does not follow (its image size is
 * fixed, or it tiles large pictures) is refused, naming the key: two budgets
 * would otherwise be one setting measured twice. The test: a large picture
 * must become at most image_max_tokens, a small one at least image_min_tokens. */
static int check_image_budget(local_engine *e, char *err, size_t err_len) {
    const int big = 2048, small = 32;
    if (e->p.image_min_tokens > 0 && e->p.image_max_tokens > 0 && e->p.image_min_tokens > e->p.image_max_tokens) {
        util_errf(err, err_len, "image_min_tokens=%d is more than image_max_tokens=%d for '%s'", e->p.image_min_tokens,
                  e->p.image_max_tokens, e->model_path);
        return VLM_ERR_INPUT;
    }
    if (!e->mctx && (e->p.image_max_tokens > 0 || e->p.image_min_tokens > 0)) {
        util_errf(err, err_len, "%s does not apply to '%s': the model has no projector (mmproj), it sees no images",
                  e->p.image_max_tokens > 0 ? "image_max_tokens" : "image_min_tokens", e->model_path);
        return VLM_ERR_INPUT;
    }
    if (e->p.image_max_tokens > 0) {
        int n = image_tokens_of(e, big, big);
        if (n > e->p.image_max_tokens) {
            util_errf(err, err_len,
                      "image_max_tokens=%d does not apply to '%s': its projector makes %d tokens of a %dx%d "
                      "image (a fixed image size, or tiles); leave the key out",
                      e->p.image_max_tokens, e->model_path, n, big, big);
            return VLM_ERR_INPUT;
        }
    }
    if (e->p.image_min_tokens > 0) {
        int n = image_tokens_of(e, small, small);
        if (n >= 0 && n < e->p.image_min_tokens) {
            util_errf(err, err_len,
                      "image_min_tokens=%d does not apply to '%s': its projector makes %d tokens of a %dx%d "
                      "image (a fixed image size); leave the key out",
                      e->p.image_min_tokens, e->model_path, n, small, small);
            return VLM_ERR_INPUT;
        }
    }
    return VLM_OK;
}

/* "on", "off", "auto" or NULL, "budget=N": what the template is asked for and
 * the budget; false for anything else. */
static bool parse_reasoning(const char *arg, enum chat_think *think, int *budget) {
    *think = CHAT_THINK_DEFAULT;
    *budget = -1;
    if (!arg || !arg[0] || strcmp(arg, "auto") == 0) return true;
    if (strcmp(arg, "on") == 0) {
        *think = CHAT_THINK_ON;
        return true;
    }
    if (strcmp(arg, "off") == 0) {
        *think = CHAT_THINK_OFF;
        return true;
    }
    char *end;
    if (strncmp(arg, "budget=", 7) != 0) return false;
    long n = strtol(arg + 7, &end, 10);
    if (end == arg + 7 || *end || n < 0 || n > 1000000) return false;
    *think = CHAT_THINK_ON;
    *budget = (int)n;
    return true;
}

/* The model's own chat template (or the override), through llama.cpp's
 * common library as llama-server and llama-mtmd-cli --jinja apply it. */
static int pick_template(local_engine *e, char *err, size_t err_len) {
    enum chat_think think;
    if (!parse_reasoning(e->reasoning_arg, &think, &e->reasoning_budget)) {
        util_errf(err, err_len, "reasoning must be auto, on, off or budget=N, not '%s'", e->reasoning_arg);
        return VLM_ERR_INPUT;
    }
    char why[512] = "";
    e->chat = chat_tmpl_init(e->model, e->template_arg, think, why, sizeof why);
    if (!e->chat) {
        util_errf(err, err_len, "chat template of '%s': %s", e->model_path, why);
        return VLM_ERR_INPUT;
    }
    const struct chat_tmpl_info *ti = chat_tmpl_get_info(e->chat);
    if (think == CHAT_THINK_OFF && !ti->think_switch) {
        util_errf(err, err_len,
                  "reasoning=off: the chat template of '%s' has no switch for reasoning "
                  "(enable_thinking); leave reasoning at auto",
                  e->model_path);
        return VLM_ERR_INPUT;
    }
    snprintf(e->info.template_name, sizeof e->info.template_name, "%s", ti->family);
    snprintf(e->info.template_hash, sizeof e->info.template_hash, "%s", ti->hash);
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

/* Ask llama.cpp for a context of n_seq sequences of p.n_ctx tokens each, in one
 * KV buffer so that sequences can share a prefix's cells. */
static int make_context(local_engine *e, char *err, size_t err_len) {
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)e->p.n_ctx * (uint32_t)e->n_seq;
    cp.n_seq_max = (uint32_t)e->n_seq;
    cp.kv_unified = true;
    cp.n_batch = (uint32_t)e->p.n_batch;
    cp.n_ubatch = (uint32_t)(e->p.n_batch < 512 ? e->p.n_batch : 512);
    cp.n_threads = cp.n_threads_batch = e->p.n_threads;
    cp.no_perf = true;
    e->lctx = llama_init_from_model(e->model, cp);
    if (!e->lctx) {
        util_errf(err, err_len, "cannot create a context for '%s' (n_ctx=%d x %d sequences): %s", e->model_path,
                  e->p.n_ctx, e->n_seq, backend_last_error()[0] ? backend_last_error() : "out of memory?");
        return VLM_ERR_MODEL;
    }
    return VLM_OK;
}

static void fill_info(local_engine *e) {
    e->info.model_bytes = util_file_size(e->model_path);
    e->info.mmproj_bytes = e->mmproj_path ? util_file_size(e->mmproj_path) : 0;
    e->info.has_vision = e->mctx != NULL; /* no projector: a text-only model */
    e->info.n_params = llama_model_n_params(e->model);
    if (llama_model_meta_val_str(e->model, "general.architecture", e->info.arch, sizeof e->info.arch) < 0)
        snprintf(e->info.arch, sizeof e->info.arch, "unknown");
    backend_name(e->info.backend, sizeof e->info.backend, e->p.n_gpu_layers, e->p.rpc_servers);
    gpu_bus_ids(e->info.gpu_bus_ids, sizeof e->info.gpu_bus_ids, e->p.n_gpu_layers, e->p.rpc_servers);
    e->info.n_threads = e->p.n_threads;
    e->info.n_gpu_layers = e->p.n_gpu_layers;
    e->info.n_ctx = e->p.n_ctx;
    e->info.n_batch = e->p.n_batch;
}

static void *local_init(struct vlm_engine_params params, char *err, size_t err_len) {
    backend_init();
    if (check_file("model", params.model_path, err, err_len) != VLM_OK) return NULL;
    if (params.text_only) params.mmproj_path = NULL; /* vision=false: the projector is not loaded */
    if (params.mmproj_path && check_file("projector (mmproj)", params.mmproj_path, err, err_len) != VLM_OK) return NULL;
    if (params.n_parallel < 1 || params.n_parallel > VLM_MAX_PARALLEL) {
        util_errf(err, err_len, "parallel must be 1..%d, not %d", VLM_MAX_PARALLEL, params.n_parallel);
        return NULL;
    }

    local_engine *e = xcalloc(1, sizeof *e);
    e->p = params;
    e->n_seq = params.n_parallel;
    if (e->p.n_threads <= 0) e->p.n_threads = default_threads();
    if (e->p.n_ctx <= 0) e->p.n_ctx = 4096;
    if (e->p.n_batch <= 0) e->p.n_batch = 2048;
    e->model_path = xstrdup(params.model_path);
    e->mmproj_path = params.mmproj_path ? xstrdup(params.mmproj_path) : NULL; /* NULL: text-only */
    e->template_arg = params.chat_template ? xstrdup(params.chat_template) : NULL;
    e->reasoning_arg = params.reasoning ? xstrdup(params.reasoning) : NULL;
    e->p.model_path = e->model_path;
    e->p.mmproj_path = e->mmproj_path;
    e->p.chat_template = e->template_arg;
    e->p.reasoning = e->reasoning_arg;

    uint64_t gpu_before = gpu_mem_used();
    double t0 = util_now_ms();
    if (load_lm(e, err, err_len) != VLM_OK || make_context(e, err, err_len) != VLM_OK ||
        (e->mmproj_path && load_projector(e, err, err_len) != VLM_OK) || pick_template(e, err, err_len) != VLM_OK) {
        local_free(e);
        return NULL;
    }
    warm_up(e);
    e->info.load_ms = util_now_ms() - t0;
    if (check_image_budget(e, err, err_len) != VLM_OK) {
        local_free(e);
        return NULL;
    }
    uint64_t gpu_after = gpu_mem_used();
    e->info.gpu_mem_bytes = gpu_after > gpu_before ? gpu_after - gpu_before : 0;
    fill_info(e);
    /* A sliding-window or recurrent memory cannot keep an arbitrary prefix. */
    e->reuse_kv = e->p.reuse && llama_model_n_swa(e->model) == 0 && !llama_model_is_recurrent(e->model) &&
                  !llama_model_is_hybrid(e->model);
    e->stats.n_parallel = e->n_seq;
    sched_init(e);
    return e;
}

static void local_free(void *impl) {
    local_engine *e = impl;
    if (!e) return;
    sched_free(e);
    if (e->mctx) mtmd_free(e->mctx);
    if (e->lctx) llama_free(e->lctx);
    if (e->model) llama_model_free(e->model);
    free(e->model_path);
    free(e->mmproj_path);
    free(e->template_arg);
    free(e->reasoning_arg);
    if (e->chat) chat_tmpl_free(e->chat);
    free(e);
}

static const struct vlm_model_info *local_info(const void *impl) { return &((const local_engine *)impl)->info; }

static const struct vlm_engine_stats *local_stats(const void *impl) { return &((const local_engine *)impl)->stats; }

static int local_schedule(void *impl, const struct vlm_sched_io *io) { return sched_run(impl, io); }

static int local_score(void *impl, const vlm_case *c, const int32_t *tokens, int n, vlm_logits_cb cb, void *user,
                       char *err, size_t err_len) {
    return sched_score(impl, c, tokens, n, cb, user, err, err_len);
}

/* Plain tokens of text (no BOS, special tokens not parsed). */
static int local_tokenize(void *impl, const char *text, int32_t *out, int max) {
    local_engine *e = impl;
    int n = llama_tokenize(e->vocab, text, (int32_t)strlen(text), out, max, false, false);
    return n < 0 ? -n : n;
}

static int local_retune(void *impl, const struct vlm_engine_params *p) {
    sched_retune(impl, p);
    return VLM_OK;
}

const struct vlm_engine_ops vlm_engine_local_ops = {
    "local", local_init, local_schedule, local_info, local_stats, local_score, local_free, local_tokenize, local_retune,
};
