/*
 * engine.c - the vlm_engine dispatcher: one public interface, two backends
 * behind an ops table (engine_local.c: llama.cpp in process; engine_remote.c:
 * an OpenAI-compatible server). It also owns what both share: the default
 * settings, the order many cases are answered in, and the figures derived
 * from a turn's timings (TPOT, inter-token latency percentiles). What the
 * backends do to a turn's text (its parts, the reasoning split) is below them
 * and it, in engine_turn.c.
 */
#include "engine_impl.h"
#include "hub.h"
#include "util.h"
#include "vlmeter.h"

#include <stdlib.h>
#include <string.h>

struct vlm_engine {
    const struct vlm_engine_ops *ops;
    void *impl;
    struct vlm_engine_params given; /* as given to init or the latest retune (vlm_engine_retune) */
};

struct vlm_engine_params vlm_engine_default_params(void) {
    struct vlm_engine_params p;
    memset(&p, 0, sizeof p);
    p.n_ctx = 4096;
    p.n_batch = 2048;
    p.n_threads = 0;
    p.n_gpu_layers = -1;
    p.n_parallel = 1;
    p.reuse = true;
    p.image_cache_mib = 1024;
    p.prefill_chunk = 512;
    p.sampling.temp = 0.0f;
    p.sampling.top_p = 1.0f;
    p.sampling.top_k = 0;
    p.sampling.min_p = 0.0f;
    p.sampling.repeat_penalty = 1.0f;
    p.sampling.repeat_last_n = 64;
    p.sampling.seed = 42;
    p.sampling.max_tokens = 256;
    p.remote.timeout_s = 120;
    p.remote.max_retries = 3;
    p.remote.concurrency = 1;
    return p;
}

int eng_fetch_hub(struct vlm_engine_params *ep, struct hub_files *files, char *err, size_t err_len) {
    files->model = files->mmproj = NULL;
    if (ep->remote.n_urls > 0 || !hub_is_ref(ep->model_path)) return VLM_OK;
    int rc = hub_resolve(ep->model_path, !ep->mmproj_path && !ep->text_only, files, ep->on_message, ep->message_user,
                         err, err_len);
    if (rc != VLM_OK) return rc;
    ep->model_path = files->model;
    if (files->mmproj) ep->mmproj_path = files->mmproj;
    return VLM_OK;
}

vlm_engine *vlm_engine_init(struct vlm_engine_params params, char *err, size_t err_len) {
    const struct vlm_engine_ops *ops = params.remote.n_urls > 0 ? &vlm_engine_remote_ops : &vlm_engine_local_ops;
    struct vlm_engine_params given = params; /* as the caller gave them: hf: names, not the fetched paths */
    struct hub_files hub;
    void *impl = eng_fetch_hub(&params, &hub, err, err_len) == VLM_OK ? ops->init(params, err, err_len) : NULL;
    hub_files_free(&hub); /* the engine keeps its own copies of the paths */
    if (!impl) return NULL;
    vlm_engine *e = xcalloc(1, sizeof *e);
    e->ops = ops;
    e->impl = impl;
    e->given = given; /* what vlm_engine_retune compares: the caller's strings (they outlive e) */
    return e;
}

/* ------------------------------------------------------------ retune */

static bool same_text(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/* The first setting that needs a load of its own and differs between a and b
 * ("model", "image_max_tokens", ...), or NULL when none does. Sampling, system,
 * prompt_suffix and the remote request options (max_pixels, max_side,
 * processor, timeout, retries, concurrency) are per request. */
static const char *load_setting_differs(const struct vlm_engine_params *a, const struct vlm_engine_params *b) {
    if ((a->remote.n_urls > 0) != (b->remote.n_urls > 0)) return "url";
    if (a->text_only != b->text_only) return "vision";
    if (!same_text(a->images_url, b->images_url)) return "images";
    if (a->remote.n_urls > 0) {
        if (a->remote.n_urls != b->remote.n_urls) return "url";
        for (int i = 0; i < a->remote.n_urls; i++)
            if (!same_text(a->remote.urls[i], b->remote.urls[i])) return "url";
        if (!same_text(a->remote.model_id, b->remote.model_id)) return "model_id";
        if (!same_text(a->remote.key_env, b->remote.key_env)) return "key_env";
        return NULL;
    }
    if (!same_text(a->model_path, b->model_path)) return "model";
    if (!same_text(a->mmproj_path, b->mmproj_path)) return "mmproj";
    if (!same_text(a->chat_template, b->chat_template)) return "template";
    if (!same_text(a->reasoning, b->reasoning)) return "reasoning";
    if (a->image_min_tokens != b->image_min_tokens) return "image_min_tokens";
    if (a->image_max_tokens != b->image_max_tokens) return "image_max_tokens";
    if (a->n_ctx != b->n_ctx) return "ctx";
    if (a->n_batch != b->n_batch) return "batch";
    if (a->n_threads != b->n_threads) return "threads";
    if (a->n_gpu_layers != b->n_gpu_layers) return "ngl";
    if (!same_text(a->rpc_servers, b->rpc_servers)) return "rpc";
    if (a->n_parallel != b->n_parallel) return "parallel";
    if (a->reuse != b->reuse) return "reuse";
    if (a->image_cache_mib != b->image_cache_mib) return "image_cache_mib";
    if (a->record_logit_gaps != b->record_logit_gaps) return "record_logit_gaps";
    return NULL;
}

int vlm_engine_retune(vlm_engine *e, const struct vlm_engine_params *p, char *err, size_t err_len) {
    if (!e || !p) return VLM_ERR_INPUT;
    const char *key = load_setting_differs(&e->given, p);
    if (!key && !e->ops->retune) key = "backend";
    if (key) {
        util_errf(err, err_len, "setting %s differs: the model needs a load of its own", key);
        return VLM_ERR_INPUT;
    }
    int rc = e->ops->retune(e->impl, p);
    if (rc == VLM_OK) e->given = *p;
    return rc;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void eng_sort_doubles(double *v, int n) {
    if (n > 1) qsort(v, (size_t)n, sizeof *v, cmp_double);
}

void eng_derive_timings(struct vlm_turn_timings *t, const double *itl_ms, int n_itl) {
    if (t->n_output_tokens > 1 && t->e2e_ms > t->ttft_ms)
        t->tpot_ms = (t->e2e_ms - t->ttft_ms) / (t->n_output_tokens - 1);
    if (n_itl <= 0) return;
    double *sorted = xmalloc((size_t)n_itl * sizeof *sorted);
    memcpy(sorted, itl_ms, (size_t)n_itl * sizeof *sorted);
    eng_sort_doubles(sorted, n_itl);
    t->itl_ms_p50 = sorted[(n_itl + 1) / 2 - 1]; /* nearest-rank median: rank ceil(n / 2) (docs/metrics.md) */
    t->itl_ms_max = sorted[n_itl - 1];
    free(sorted);
}

/* Every turn's TPOT and inter-token latency figures, derived on the way out. */
struct derive {
    const struct vlm_sched_io *io;
};

static const vlm_case *derive_next(void *user, int *tag) {
    const struct vlm_sched_io *io = ((struct derive *)user)->io;
    return io->next(io->user, tag);
}

static bool derive_turn(void *user, int tag, const struct vlm_turn_result *r, int status) {
    const struct vlm_sched_io *io = ((struct derive *)user)->io;
    struct vlm_turn_result copy = *r;
    if (!copy.error) eng_derive_timings(&copy.t, r->itl_ms, r->n_itl);
    return io->on_turn(io->user, tag, &copy, status);
}

int eng_schedule(vlm_engine *e, const struct vlm_sched_io *io) {
    struct derive d = {io};
    struct vlm_sched_io wrapped = {derive_next, derive_turn, &d};
    return e->ops->schedule(e->impl, &wrapped);
}

/* ------------------------------------------------------------ answering */

/* Cases handed out in a given order; each turn's timings completed, then passed
 * on with the case's index. */
struct feed {
    vlm_engine *e;
    const vlm_case *const *cases;
    const int *order;
    int n, next;
    vlm_cases_turn_cb cb;
    void *user;
    int first_error; /* status of the first failed turn */
    bool stopped;    /* cb returned false */
};

/* Whether c goes to a model without vision: it has images and e has no vision
 * (known at load, or learnt from a server's refusal of an earlier case). */
static bool feed_no_vision(const struct feed *f, const vlm_case *c) {
    return c->n_images > 0 && !vlm_engine_info(f->e)->has_vision;
}

static const vlm_case *feed_next(void *user, int *tag) {
    struct feed *f = user;
    while (f->next < f->n) {
        int i = f->order ? f->order[f->next] : f->next;
        f->next++;
        const vlm_case *c = f->cases[i];
        bool no_vision = !c->error && feed_no_vision(f, c);
        if (!c->error && !no_vision) {
            *tag = i;
            return c;
        }
        /* a malformed case fails; an image case of a text-only model is not
         * sent and comes back not applicable (no_vision), which is no failure */
        struct vlm_turn_result r;
        memset(&r, 0, sizeof r);
        r.output = "";
        r.error = no_vision ? "no vision: the model takes no images" : c->error;
        r.no_vision = no_vision;
        if (!no_vision && f->first_error == VLM_OK) f->first_error = VLM_ERR_INPUT;
        if (!f->cb(i, &r, f->user)) {
            f->stopped = true;
            return NULL;
        }
    }
    return NULL;
}

static bool feed_turn(void *user, int tag, const struct vlm_turn_result *r, int status) {
    struct feed *f = user;
    if (status != VLM_OK && f->first_error == VLM_OK) f->first_error = status;
    return f->cb(tag, r, f->user);
}

struct one_case {
    vlm_turn_cb cb;
    void *user;
};

static bool one_case_turn(int index, const struct vlm_turn_result *r, void *user) {
    struct one_case *o = user;
    return o->cb(r, o->user);
}

int vlm_engine_answer(vlm_engine *e, const vlm_case *c, vlm_turn_cb cb, void *user) {
    if (c->error) return VLM_ERR_INPUT;
    struct one_case o = {cb, user};
    struct feed f = {e, &c, NULL, 1, 0, one_case_turn, &o, VLM_OK, false};
    struct vlm_sched_io io = {feed_next, feed_turn, &f};
    int rc = eng_schedule(e, &io);
    return rc != VLM_OK ? rc : f.first_error;
}

/* The key cases are grouped by: the path of their first image ("" without). */
struct keyed {
    const char *key;
    int index, group;
};

static int by_key(const void *a, const void *b) {
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int by_group(const void *a, const void *b) {
    const struct keyed *x = a, *y = b;
    if (x->group != y->group) return (x->group > y->group) - (x->group < y->group);
    return (x->index > y->index) - (x->index < y->index);
}

/* order[] of the cases: grouped by first image, groups in the order of their
 * first case, suite order inside a group. Caller frees. */
static int *group_by_first_image(const vlm_case *const *cases, int n) {
    struct keyed *k = xcalloc((size_t)n + 1, sizeof *k);
    for (int i = 0; i < n; i++) {
        k[i].key = cases[i]->n_images > 0 && cases[i]->images[0] ? cases[i]->images[0] : "";
        k[i].index = i;
    }
    qsort(k, (size_t)n, sizeof *k, by_key);
    for (int i = 0; i < n; i++) /* a group is named by its first case */
        k[i].group = i > 0 && strcmp(k[i].key, k[i - 1].key) == 0 ? k[i - 1].group : k[i].index;
    qsort(k, (size_t)n, sizeof *k, by_group);
    int *order = xcalloc((size_t)n + 1, sizeof *order);
    for (int i = 0; i < n; i++) order[i] = k[i].index;
    free(k);
    return order;
}

int vlm_engine_answer_cases(vlm_engine *e, const vlm_case *const *cases, int n, vlm_cases_turn_cb cb, void *user) {
    int *order = group_by_first_image(cases, n);
    struct feed f = {e, cases, order, n, 0, cb, user, VLM_OK, false};
    struct vlm_sched_io io = {feed_next, feed_turn, &f};
    int rc = eng_schedule(e, &io);
    free(order);
    return rc == VLM_OK && f.stopped ? VLM_ERR_STOPPED : rc;
}

const struct vlm_model_info *vlm_engine_info(const vlm_engine *e) { return e->ops->info(e->impl); }

const struct vlm_engine_stats *vlm_engine_stats(const vlm_engine *e) { return e->ops->stats(e->impl); }

int eng_score(vlm_engine *e, const vlm_case *c, const int32_t *tokens, int n, vlm_logits_cb cb, void *user, char *err,
              size_t err_len) {
    if (!e->ops->score) {
        util_errf(err, err_len, "a %s model gives no logits (next-token distributions need a local model)",
                  e->ops->name);
        return VLM_ERR_INPUT;
    }
    return e->ops->score(e->impl, c, tokens, n, cb, user, err, err_len);
}

int eng_tokenize(vlm_engine *e, const char *text, int32_t *out, int max) {
    return e->ops->tokenize ? e->ops->tokenize(e->impl, text, out, max) : -1;
}

void vlm_engine_free(vlm_engine *e) {
    if (!e) return;
    e->ops->free(e->impl);
    free(e);
}
