/*
 * engine.c - the vlm_engine dispatcher: one public interface, two backends
 * behind an ops table (engine_local.c: llama.cpp in process; engine_remote.c:
 * an OpenAI-compatible server). It also owns what both share: the default
 * settings, the split of a turn into text and image places, and the figures
 * derived from a turn's timings (TPOT, inter-token latency percentiles).
 */
#include "engine_impl.h"
#include "util.h"
#include "vlmeter.h"

#include <stdlib.h>
#include <string.h>

struct vlm_engine {
    const struct vlm_engine_ops *ops;
    void *impl;
};

struct vlm_engine_params vlm_engine_default_params(void) {
    struct vlm_engine_params p;
    memset(&p, 0, sizeof p);
    p.n_ctx = 4096;
    p.n_batch = 2048;
    p.n_threads = 0;
    p.n_gpu_layers = -1;
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

vlm_engine *vlm_engine_init(struct vlm_engine_params params, char *err, size_t err_len) {
    const struct vlm_engine_ops *ops = params.remote.n_urls > 0 ? &vlm_engine_remote_ops
                                                                : &vlm_engine_local_ops;
    void *impl = ops->init(params, err, err_len);
    if (!impl) return NULL;
    vlm_engine *e = vlm_xcalloc(1, sizeof *e);
    e->ops = ops;
    e->impl = impl;
    return e;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void vlm_sort_doubles(double *v, int n) {
    if (n > 1) qsort(v, (size_t)n, sizeof *v, cmp_double);
}

void vlm_derive_timings(struct vlm_turn_timings *t, const double *itl_ms, int n_itl) {
    if (t->n_output_tokens > 1 && t->e2e_ms > t->ttft_ms)
        t->tpot_ms = (t->e2e_ms - t->ttft_ms) / (t->n_output_tokens - 1);
    if (n_itl <= 0) return;
    double *sorted = vlm_xmalloc((size_t)n_itl * sizeof *sorted);
    memcpy(sorted, itl_ms, (size_t)n_itl * sizeof *sorted);
    vlm_sort_doubles(sorted, n_itl);
    t->itl_ms_p50 = vlm_percentile(sorted, n_itl, 0.5);
    t->itl_ms_max = sorted[n_itl - 1];
    free(sorted);
}

struct forward {
    vlm_turn_cb cb;
    void *user;
};

static bool forward_turn(const struct vlm_turn_result *r, void *user) {
    struct forward *f = user;
    struct vlm_turn_result copy = *r;
    if (!copy.error) vlm_derive_timings(&copy.t, r->itl_ms, r->n_itl);
    return f->cb(&copy, f->user);
}

int vlm_engine_answer(vlm_engine *e, const vlm_case *c, vlm_turn_cb cb, void *user) {
    struct forward f = {cb, user};
    return e->ops->answer(e->impl, c, forward_turn, &f);
}

const struct vlm_model_info *vlm_engine_info(const vlm_engine *e) { return e->ops->info(e->impl); }

void vlm_engine_free(vlm_engine *e) {
    if (!e) return;
    e->ops->free(e->impl);
    free(e);
}

/* ------------------------------------------------------------ turn parts */

static int count_markers(const char *s) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, "<image>")); p += 7) n++;
    return n;
}

static void push_part(struct vlm_turn_part *parts, int *n, const char *text, size_t len, int image) {
    if (text && len == 0) return;
    parts[*n].text = text;
    parts[*n].len = len;
    parts[*n].image = image;
    (*n)++;
}

int vlm_turn_parts(const vlm_case *c, int turn, int *next_image, struct vlm_turn_part **out) {
    int total_markers = 0;
    for (int t = 0; t < c->n_turns; t++) total_markers += count_markers(c->turns[t]);
    int leftover = c->n_images > total_markers ? c->n_images - total_markers : 0;
    int markers = count_markers(c->turns[turn]);
    int n_lead = turn == 0 ? leftover : 0;
    struct vlm_turn_part *parts = vlm_xcalloc((size_t)(n_lead + 2 * markers) + 2, sizeof *parts);
    int n = 0;
    for (int i = 0; i < n_lead; i++) push_part(parts, &n, NULL, 0, total_markers + i);
    const char *p = c->turns[turn];
    for (const char *m; (m = strstr(p, "<image>")); p = m + 7) {
        push_part(parts, &n, p, (size_t)(m - p), 0);
        push_part(parts, &n, NULL, 0, *next_image < c->n_images ? (*next_image)++ : -1);
    }
    push_part(parts, &n, p, strlen(p), 0);
    *out = parts;
    return n;
}
