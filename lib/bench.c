/*
 * bench.c - the load test (vlm_bench): per level, keep requests in flight
 * against one model (closed loop) or send them on a schedule of constant or
 * Poisson arrivals (open loop), and reduce what each request measured to
 * throughput, goodput under SLOs, error rate, latency percentiles, the
 * achieved rate and, with a suite and a scorer, accuracy (docs/metrics.md,
 * "Load test", "Load profiles"). The levels come from the caller's list, a
 * sweep or an SLO search (bench_load.c has their arithmetic). Remote
 * models are driven through libcurl's multi interface, one easy handle per
 * slot (connections stay alive), round-robin over the model's URLs, with the
 * same retries as the remote engine. A local model is loaded per level with
 * N parallel sequences of one llama.cpp context (engine_sched.c), reuse off
 * so that repeated requests are computed as new ones. Levels are stored in
 * table bench_levels.
 */
#include "bench_load.h"
#include "engine_impl.h"
#include "hub.h"
#include "prompt_dials.h"
#include "remote.h"
#include "remote_dials.h"
#include "remote_req.h"
#include "run.h"
#include "stop.h"
#include "store.h"
#include "store_metrics.h"
#include "util.h"
#include "vlmeter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vlm_bench_params vlm_bench_default_params(void) {
    struct vlm_bench_params p;
    memset(&p, 0, sizeof p);
    p.duration_s = 10;
    p.seed = 42;
    p.repeats = 1;
    p.suite = vlm_suite_default_params();
    return p;
}

/* ------------------------------------------------------------ workload */

/* The requests to send, in turn: one per usable case (its first turn). */
struct workload {
    vlm_suite *suite;
    vlm_case prompt_case;
    const char *prompt;
    const vlm_case **cases;
    vlm_case *firsts; /* local: the cases cut to their first turn */
    char **bodies;    /* remote: the JSON bodies, images already encoded */
    int n;
};

static void workload_free(struct workload *w) {
    for (int i = 0; w->bodies && i < w->n; i++) free(w->bodies[i]);
    free(w->bodies);
    free(w->cases);
    free(w->firsts);
    vlm_suite_free(w->suite);
}

static int workload_cases(struct workload *w, const char *suite, const char *prompt, const struct vlm_bench_params *p,
                          char *err, size_t err_len) {
    if (!suite) {
        w->prompt = prompt;
        w->prompt_case = (vlm_case){.suite = "bench",
                                    .id = "prompt",
                                    .category = "",
                                    .scorer = "",
                                    .where = "command line",
                                    .n_turns = 1,
                                    .turns = &w->prompt};
        w->cases = xcalloc(1, sizeof *w->cases);
        w->cases[w->n++] = &w->prompt_case;
        return VLM_OK;
    }
    w->suite = vlm_suite_load(suite, p->suite, err, err_len);
    if (!w->suite) return VLM_ERR_INPUT;
    int n = vlm_suite_n_cases(w->suite);
    w->cases = xcalloc((size_t)n + 1, sizeof *w->cases);
    for (int i = 0; i < n; i++) {
        const vlm_case *c = vlm_suite_case(w->suite, i);
        if (!c->error) w->cases[w->n++] = c;
    }
    if (w->n == 0) {
        util_errf(err, err_len, "suite '%s' has no usable case", suite);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* Copies of the cases that ask only their first turn, as remote requests do. */
static void workload_firsts(struct workload *w) {
    w->firsts = xcalloc((size_t)w->n, sizeof *w->firsts);
    for (int i = 0; i < w->n; i++) {
        w->firsts[i] = *w->cases[i];
        w->firsts[i].n_turns = 1;
    }
}

static int workload_bodies(struct workload *w, const struct vlm_engine_params *e, char *err, size_t err_len) {
    if (dials_check(&e->remote, err, err_len) != VLM_OK) return VLM_ERR_INPUT; /* processor= */
    w->bodies = xcalloc((size_t)w->n, sizeof *w->bodies);
    for (int i = 0; i < w->n; i++) {
        int next_image = 0;
        json_t *msg = remote_user_message(e, w->cases[i], 0, &next_image, err, err_len);
        if (!msg) return VLM_ERR_INPUT;
        dials_remote_user(e, msg); /* the settings prompt_suffix and system, as the remote engine sends them */
        json_t *messages = json_array(), *system = dials_remote_system(e);
        if (system) json_array_append_new(messages, system);
        json_array_append_new(messages, msg);
        w->bodies[i] = remote_chat_body(e, messages);
        json_decref(messages);
    }
    return VLM_OK;
}

/* ------------------------------------------------------------ samples */

struct samples {
    double *v;
    int n, cap;
};

static void add_sample(struct samples *s, double v) {
    util_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = v;
}

static struct vlm_pcts percentiles(struct samples *s) {
    eng_sort_doubles(s->v, s->n);
    struct vlm_pcts q = {vlm_percentile(s->v, s->n, 0.50), vlm_percentile(s->v, s->n, 0.90),
                         vlm_percentile(s->v, s->n, 0.95), vlm_percentile(s->v, s->n, 0.99)};
    return q;
}

/* What the requests of one level measured so far. */
struct level_acc {
    const struct vlm_bench_params *p;
    const struct workload *w;
    struct samples ttft, tpot, itl, e2e;
    int n_ok, n_errors, n_good;
    double out_tokens;
    bool estimated;
    char first_error[512];
    double t_first_sent, t_last_end;
    int n_started, n_late; /* measured requests sent; of those, late on the schedule */
    double t_last_sent;    /* the last measured request's send time */
    int n_scored, n_correct, n_length, n_timeout, n_failed;
    char *case_correct; /* per workload case: '1', '0', '-' */
};

/* A measured (not warm-up) request was sent at t_ms, lag_ms after its
 * scheduled time (0 in a closed loop). */
static void record_sent(struct level_acc *a, double t_ms, double lag_ms) {
    if (a->n_started++ == 0) a->t_first_sent = t_ms;
    a->t_last_sent = t_ms;
    if (lag_ms > 10) a->n_late++;
}

enum answer_kind { ANSWER_OK, ANSWER_LENGTH, ANSWER_TIMEOUT, ANSWER_FAILED };

/* Score one measured answer of workload case `ci` (output NULL: it failed, as
 * `kind` says); a cut, timed-out or failed answer is wrong. */
static void record_answer(struct level_acc *a, int ci, const char *output, enum answer_kind kind) {
    if (!a->p->score || !a->w->suite) return;
    /* asked first whatever the answer, so that a case with nothing to score
     * against stays out even when its request failed */
    int right = a->p->score(a->w->cases[ci], output ? output : "", a->p->score_user);
    if (right < 0) return; /* nothing to score against */
    if (kind != ANSWER_OK) right = 0;
    a->n_scored++;
    a->n_correct += right > 0;
    a->n_length += kind == ANSWER_LENGTH;
    a->n_timeout += kind == ANSWER_TIMEOUT;
    a->n_failed += kind == ANSWER_FAILED;
    if (a->case_correct[ci] == '-') a->case_correct[ci] = right > 0 ? '1' : '0';
}

static void acc_free(struct level_acc *a) {
    free(a->case_correct);
    free(a->ttft.v);
    free(a->tpot.v);
    free(a->itl.v);
    free(a->e2e.v);
}

static void record_ok(struct level_acc *a, const struct vlm_turn_timings *t, const double *itl, int n_itl) {
    a->n_ok++;
    add_sample(&a->ttft, t->ttft_ms);
    add_sample(&a->e2e, t->e2e_ms);
    if (t->n_output_tokens > 1) add_sample(&a->tpot, t->tpot_ms);
    for (int i = 0; i < n_itl; i++) add_sample(&a->itl, itl[i]);
    a->out_tokens += t->n_output_tokens;
    a->estimated |= t->tokens_estimated;
    bool ttft_ok = a->p->slo_ttft_ms <= 0 || t->ttft_ms <= a->p->slo_ttft_ms;
    bool tpot_ok = a->p->slo_tpot_ms <= 0 || t->n_output_tokens < 2 || t->tpot_ms <= a->p->slo_tpot_ms;
    if (ttft_ok && tpot_ok) a->n_good++;
}

static void record_error(struct level_acc *a, const char *msg) {
    a->n_errors++;
    if (!a->first_error[0]) snprintf(a->first_error, sizeof a->first_error, "%.500s", msg);
}

static void finish_level(struct level_acc *a, int concurrency, double rate, struct vlm_bench_level *l) {
    memset(l, 0, sizeof *l);
    l->concurrency = concurrency;
    l->rate = rate;
    l->n_warmup = a->p->warmup;
    l->achieved_rate = bench_achieved_rate(a->n_started, a->t_first_sent, a->t_last_sent);
    l->n_late = a->n_late;
    /* behind: at least 2 and over 5% of the requests went out late (docs/metrics.md) */
    l->fell_behind = rate > 0 && a->n_late >= 2 && a->n_late * 20 > a->n_started;
    l->n_scored = a->n_scored;
    l->n_correct = a->n_correct;
    l->n_length = a->n_length;
    l->n_timeout = a->n_timeout;
    l->n_failed = a->n_failed;
    l->case_correct = a->case_correct;
    a->case_correct = NULL;
    l->n_ok = a->n_ok;
    l->n_errors = a->n_errors;
    l->n_requests = a->n_ok + a->n_errors;
    l->wall_s = a->t_last_end > a->t_first_sent ? (a->t_last_end - a->t_first_sent) / 1000.0 : 0;
    if (l->wall_s > 0) {
        l->req_per_s = a->n_ok / l->wall_s;
        l->output_tps = a->out_tokens / l->wall_s;
        l->goodput_rps = a->n_good / l->wall_s;
    }
    l->error_rate = l->n_requests ? (double)a->n_errors / l->n_requests : 0;
    l->ttft_ms = percentiles(&a->ttft);
    l->tpot_ms = percentiles(&a->tpot);
    l->itl_ms = percentiles(&a->itl);
    l->e2e_ms = percentiles(&a->e2e);
    l->tokens_estimated = a->estimated;
    snprintf(l->first_error, sizeof l->first_error, "%s", a->first_error);
}

/* ------------------------------------------------------------ remote */

struct slot {
    struct vlm_req req;
    int body, attempt;
    bool busy, waiting; /* in flight; waiting to be retried at retry_at */
    bool warmup;        /* a warm-up request: left out of every figure */
    double retry_at;
};

struct remote_run {
    const struct vlm_engine_params *e;
    const char *key;
    const struct workload *w;
    CURLM *multi;
    struct slot *slots;
    int n_slots, active, next_body, next_url;
    uint64_t rng;
    struct level_acc *acc;
};

static void slot_start(struct remote_run *r, struct slot *s) {
    const struct vlm_remote_params *rp = &r->e->remote;
    req_setup(&s->req, rp->urls[r->next_url++ % rp->n_urls], r->key, r->w->bodies[s->body], rp->timeout_s);
    curl_multi_add_handle(r->multi, s->req.curl);
    s->busy = true;
    s->waiting = false;
    r->active++;
}

static void slot_done(struct remote_run *r, struct slot *s, CURLcode code) {
    char msg[1024];
    curl_multi_remove_handle(r->multi, s->req.curl);
    r->active--;
    s->busy = false;
    enum vlm_req_outcome o = req_finish(&s->req, code, msg, sizeof msg);
    double now = s->req.t_end_ms;
    if (o == VLM_REQ_RETRY && s->attempt < r->e->remote.max_retries && !stop_requested()) {
        s->waiting = true;
        s->retry_at = now + remote_backoff_ms(s->attempt++, s->req.retry_after_s, &r->rng);
        return;
    }
    if (s->warmup) return;
    r->acc->t_last_end = now;
    if (o != VLM_REQ_DONE) {
        record_error(r->acc, msg);
        record_answer(r->acc, s->body, NULL, code == CURLE_OPERATION_TIMEDOUT ? ANSWER_TIMEOUT : ANSWER_FAILED);
        return;
    }
    struct vlm_turn_timings t;
    memset(&t, 0, sizeof t);
    req_timings(&s->req, &t);
    eng_derive_timings(&t, s->req.itl_ms, s->req.n_itl);
    record_ok(r->acc, &t, s->req.itl_ms, s->req.n_itl);
    record_answer(r->acc, s->body, s->req.out ? s->req.out : "", s->req.finish_length ? ANSWER_LENGTH : ANSWER_OK);
}

/* Finish the transfers libcurl has completed; how many. */
static int drain_messages(struct remote_run *r) {
    CURLMsg *m;
    int left, n = 0;
    while ((m = curl_multi_info_read(r->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        struct slot *s = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        slot_done(r, s, m->data.result);
        n++;
    }
    return n;
}

/* Restart slots whose retry time has come; the earliest pending retry time. */
static double run_retries(struct remote_run *r, double now) {
    double next = INFINITY;
    for (int i = 0; i < r->n_slots; i++) {
        struct slot *s = &r->slots[i];
        if (!s->waiting) continue;
        if (now >= s->retry_at) slot_start(r, s);
        else if (s->retry_at < next) next = s->retry_at;
    }
    return next;
}

static struct slot *free_slot(struct remote_run *r) {
    for (int i = 0; i < r->n_slots; i++)
        if (!r->slots[i].busy && !r->slots[i].waiting) return &r->slots[i];
    return NULL;
}

/* One level: closed loop (rate 0: every free slot gets the next request) or
 * open loop (the k-th request is due at start + the sum of k gaps, whatever
 * has finished; it waits only when all `concurrency` slots are busy, and then
 * counts as late). The first p->warmup requests are sent but not measured. */
static void remote_level(struct remote_run *r, int concurrency, double rate, const struct vlm_bench_params *p) {
    r->n_slots = concurrency;
    r->slots = xcalloc((size_t)concurrency, sizeof *r->slots);
    r->active = 0;
    r->next_body = 0; /* every level asks the cases in the same order */
    double start = util_now_ms(), stop_issuing = start + p->duration_s * 1000.0;
    double next_arrival = rate > 0 ? start + bench_gap_ms(p->arrival, rate, &r->rng) : start;
    int issued = 0, total = p->n_requests > 0 ? p->n_requests + p->warmup : 0;
    for (;;) {
        double now = util_now_ms();
        bool more = !stop_requested() && (total > 0 ? issued < total : now < stop_issuing);
        double next_retry = run_retries(r, now);
        struct slot *s;
        while (more && (rate <= 0 || now >= next_arrival) && (s = free_slot(r))) {
            s->body = r->next_body++ % r->w->n;
            s->attempt = 0;
            s->warmup = issued < p->warmup;
            slot_start(r, s);
            if (!s->warmup) record_sent(r->acc, s->req.t_sent_ms, rate > 0 ? now - next_arrival : 0);
            issued++;
            if (rate > 0) next_arrival += bench_gap_ms(p->arrival, rate, &r->rng);
            now = util_now_ms();
            more = total > 0 ? issued < total : now < stop_issuing;
        }
        if (!more && r->active == 0 && next_retry == INFINITY) break;
        int running = 0;
        curl_multi_perform(r->multi, &running);
        if (drain_messages(r) > 0) continue; /* slots are free: fill them first */
        double wait = 100;                   /* ms; socket activity ends it sooner */
        if (more && rate > 0 && free_slot(r)) wait = fmin(wait, next_arrival - now);
        wait = fmin(wait, next_retry - now);
        curl_multi_poll(r->multi, NULL, 0, wait > 0 ? (int)ceil(wait) : 0, NULL);
    }
    for (int i = 0; i < r->n_slots; i++) {
        if (r->slots[i].busy) curl_multi_remove_handle(r->multi, r->slots[i].req.curl);
        req_free(&r->slots[i].req);
    }
    free(r->slots);
    r->slots = NULL;
}

/* ------------------------------------------------------------ local */

/* Requests for a local level: the workload's cases in turn until the level's
 * count or time is reached. */
struct local_io {
    const struct workload *w;
    const struct vlm_bench_params *p;
    struct level_acc *a;
    int issued, max_tokens;
    double start;
};

static const vlm_case *local_next(void *user, int *tag) {
    struct local_io *li = user;
    const struct vlm_bench_params *p = li->p;
    double now = util_now_ms();
    if (li->issued == 0) li->start = now;
    int total = p->n_requests > 0 ? p->n_requests + p->warmup : 0;
    if (total > 0 ? li->issued >= total : now - li->start >= p->duration_s * 1000.0) return NULL;
    if (li->issued >= p->warmup) record_sent(li->a, now, 0);
    *tag = li->issued;
    return &li->w->firsts[li->issued++ % li->w->n];
}

static bool local_turn(void *user, int tag, const struct vlm_turn_result *r, int status) {
    struct local_io *li = user;
    (void)status;
    if (tag < li->p->warmup) return true;
    li->a->t_last_end = util_now_ms();
    int ci = tag % li->w->n;
    if (r->error) {
        record_error(li->a, r->error);
        record_answer(li->a, ci, NULL, ANSWER_FAILED);
        return true;
    }
    record_ok(li->a, &r->t, r->itl_ms, r->n_itl);
    /* a local answer was cut when it used every token it was allowed */
    bool cut = li->max_tokens > 0 && r->t.n_output_tokens >= li->max_tokens;
    record_answer(li->a, ci, r->output, cut ? ANSWER_LENGTH : ANSWER_OK);
    return true;
}

/* Load the model (base: its settings, hub files already fetched) with
 * `concurrency` sequences and keep them busy. */
static int local_level(const struct vlm_engine_params *base, const struct workload *w, int concurrency,
                       const struct vlm_bench_params *p, struct level_acc *a, char *err, size_t err_len) {
    struct vlm_engine_params ep = *base;
    ep.n_parallel = concurrency;
    ep.reuse = false;
    vlm_engine *e = vlm_engine_init(ep, err, err_len);
    if (!e) return VLM_ERR_MODEL;
    struct local_io li = {w, p, a, 0, base->sampling.max_tokens, 0};
    struct vlm_sched_io io = {local_next, local_turn, &li};
    int rc = eng_schedule(e, &io);
    vlm_engine_free(e);
    return rc == VLM_ERR_STOPPED ? VLM_OK : rc; /* the caller sees the stop itself */
}

/* ------------------------------------------------------------ the bench */

static int max_level(const struct vlm_bench_params *p) {
    int hi = 0;
    for (int i = 0; i < p->n_levels; i++) hi = p->levels[i] > hi ? p->levels[i] : hi;
    return hi;
}

static int check_params(const struct vlm_model_spec *m, const struct vlm_bench_params *p, char *err, size_t err_len) {
    bool remote = m->engine.remote.n_urls > 0;
    if (p->n_levels <= 0) {
        util_errf(err, err_len, "no concurrency level given");
        return VLM_ERR_INPUT;
    }
    for (int i = 0; i < p->n_levels; i++) {
        if (p->levels[i] < 1 || p->levels[i] > 4096) {
            util_errf(err, err_len, "concurrency %d is out of range (1..4096)", p->levels[i]);
            return VLM_ERR_INPUT;
        }
    }
    for (int i = 0; i < p->n_levels && !remote; i++) {
        if (p->levels[i] > VLM_MAX_PARALLEL) {
            util_errf(err, err_len, "a local model holds at most %d parallel sequences, not %d", VLM_MAX_PARALLEL,
                      p->levels[i]);
            return VLM_ERR_INPUT;
        }
    }
    bool open_loop = p->rate > 0 || p->sweep > 0 || (p->n_slos > 0 && p->search_by_rate);
    if (!remote && open_loop) {
        util_errf(err, err_len, "--rate, --sweep and a rate search apply to remote models only");
        return VLM_ERR_INPUT;
    }
    if (p->n_requests <= 0 && p->duration_s <= 0) {
        util_errf(err, err_len, "give --requests N or --duration S");
        return VLM_ERR_INPUT;
    }
    if (p->warmup < 0 || p->repeats < 0 || p->sweep < 0 || p->search_step < 0) {
        util_errf(err, err_len, "--warmup, --repeats, --sweep and the search step cannot be negative");
        return VLM_ERR_INPUT;
    }
    if (p->n_slos > 0 && p->sweep > 0) {
        util_errf(err, err_len, "--slo and --sweep are two ways of choosing the levels: give one");
        return VLM_ERR_INPUT;
    }
    if (p->n_slos > 0 && p->search_hi > 0 && p->search_lo > p->search_hi) {
        util_errf(err, err_len, "the search range %g:%g is upside down", p->search_lo, p->search_hi);
        return VLM_ERR_INPUT;
    }
    if (p->n_slos > 0 && !p->search_by_rate && (p->search_lo > 4096 || p->search_hi > 4096)) {
        util_errf(err, err_len, "the search range %g:%g is out of range for a concurrency (1..4096)", p->search_lo,
                  p->search_hi);
        return VLM_ERR_INPUT;
    }
    if (p->n_slos > 0 && !p->search_by_rate && p->search_hi <= 0 && max_level(p) < 2) {
        util_errf(err, err_len, "a concurrency search needs a range: --concurrency 1,N or --slo-range LO:HI");
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* The store side: a run, the model, then one row per level. */
struct bench_store {
    vlm_store *s;
    int64_t run_id, model_id;
};

static int store_open(struct bench_store *bs, const struct vlm_model_spec *m, const struct vlm_bench_params *p,
                      char *err, size_t err_len) {
    memset(bs, 0, sizeof *bs);
    if (!p->db_path) return VLM_OK;
    bs->s = vlm_store_open(p->db_path, err, err_len);
    if (!bs->s) return VLM_ERR_IO;
    struct vlm_host host;
    vlm_host_read(&host);
    bool local = m->engine.remote.n_urls == 0; /* a remote bench never starts llama.cpp */
    bs->run_id = vlm_store_begin_run(bs->s, &host, p->argv_line, vlm_llama_version(),
                                     local ? vlm_llama_system_info() : NULL);
    if (bs->run_id < 0) {
        util_errf(err, err_len, "cannot record the run: %s", store_error(bs->s));
        return VLM_ERR_IO;
    }
    char *settings = run_settings_json(&m->engine);
    int rc = vlm_store_model(bs->s, m->name, settings, &bs->model_id, err, err_len);
    free(settings);
    if (rc == VLM_OK && store_model_gpu(bs->s, bs->model_id, &m->engine.remote) != VLM_OK) /* gpu= */
        util_errf(err, err_len, "cannot write the store: %s", store_error(bs->s)), rc = VLM_ERR_IO;
    return rc;
}

/* Record the run's end and close; VLM_ERR_IO (with the store's reason in err)
 * when the end cannot be written. */
static int store_close(struct bench_store *bs, char *err, size_t err_len) {
    if (!bs->s) return VLM_OK;
    int rc = vlm_store_end_run(bs->s, bs->run_id);
    if (rc != VLM_OK) util_errf(err, err_len, "cannot record the run's end: %s", store_error(bs->s));
    vlm_store_close(bs->s);
    return rc;
}

/* Everything one bench holds while its levels run. */
struct bench_ctx {
    const struct vlm_model_spec *m;
    const struct vlm_bench_params *p;
    bool remote;
    struct workload w;
    struct remote_run r;
    struct vlm_engine_params local;
    struct bench_store bs;
    struct vlm_bench_result *res;
    char *err;
    size_t err_len;
};

/* Run one level (concurrency; rate 0: closed loop), append its figures to the
 * result and store them. This is the one place a level starts and ends. */
static int run_level(struct bench_ctx *cx, int concurrency, double rate, const char *phase, const char *profile,
                     int repeat, struct vlm_bench_level **out) {
    const struct vlm_bench_params *p = cx->p;
    struct level_acc a;
    memset(&a, 0, sizeof a);
    a.p = p;
    a.w = &cx->w;
    a.case_correct = xmalloc((size_t)cx->w.n + 1);
    memset(a.case_correct, '-', (size_t)cx->w.n);
    a.case_correct[cx->w.n] = 0;
    if (rate > 0)
        util_say(p->on_message, p->user, "%s: %s %.3g req/s (at most %d in flight) ...", cx->m->name, profile, rate,
                 concurrency);
    else util_say(p->on_message, p->user, "%s: concurrency %d ...", cx->m->name, concurrency);
    int rc = VLM_OK;
    cx->r.acc = &a;
    /* level start; a remote server's /metrics page sampled meanwhile (docs/metrics.md) */
    scrape *sm = cx->remote && cx->bs.s ? store_metrics_start(&cx->m->engine.remote) : NULL;
    if (cx->remote) remote_level(&cx->r, concurrency, rate, p);
    else rc = local_level(&cx->local, &cx->w, concurrency, p, &a, cx->err, cx->err_len);
    /* level end */
    struct vlm_bench_result *res = cx->res;
    util_grow((void **)&res->levels, &res->cap_levels, res->n_levels + 1, sizeof *res->levels);
    struct vlm_bench_level *l = &res->levels[res->n_levels++];
    finish_level(&a, concurrency, rate, l);
    snprintf(l->profile, sizeof l->profile, "%s", profile);
    snprintf(l->phase, sizeof l->phase, "%s", phase);
    l->repeat = repeat;
    if (p->n_slos > 0) l->slo_met = bench_slo_met(p, l);
    acc_free(&a);
    *out = l;
    if (stop_requested()) rc = VLM_ERR_STOPPED;
    else if (rc == VLM_OK && cx->bs.s &&
             store_put_bench_level(cx->bs.s, cx->bs.model_id, cx->bs.run_id, p, l) != VLM_OK)
        rc = VLM_ERR_IO;
    /* the server's figures of this level, stored against its bench_levels row */
    if (store_metrics_end(rc == VLM_OK ? cx->bs.s : NULL, sm, cx->bs.run_id, cx->bs.model_id, true, p->on_message,
                          p->user) != VLM_OK &&
        rc == VLM_OK)
        rc = VLM_ERR_IO;
    if (rc == VLM_ERR_IO)
        util_errf(cx->err, cx->err_len, "cannot write the store '%s': %s", p->db_path, store_error(cx->bs.s));
    return rc;
}

static const char *open_profile(const struct vlm_bench_params *p) {
    return p->arrival == VLM_ARRIVAL_CONSTANT ? "constant" : "poisson";
}

/* The caller's levels, each p->repeats times. */
static int run_plain(struct bench_ctx *cx) {
    const struct vlm_bench_params *p = cx->p;
    int rc = VLM_OK;
    struct vlm_bench_level *l;
    for (int i = 0; rc == VLM_OK && i < p->n_levels; i++)
        for (int k = 0; rc == VLM_OK && k < (p->repeats > 1 ? p->repeats : 1); k++)
            rc = run_level(cx, p->levels[i], p->rate, "levels", p->rate > 0 ? open_profile(p) : "closed", k, &l);
    return rc;
}

/* One-at-a-time throughput and the throughput at the most in flight: the two
 * ends of a sweep or of a rate search. */
static int measure_ends(struct bench_ctx *cx, const char *phase, double *sync_rps, double *max_rps) {
    struct vlm_bench_level *l;
    int rc = run_level(cx, 1, 0, phase, "sync", 0, &l);
    *sync_rps = l->req_per_s;
    if (rc == VLM_OK) rc = run_level(cx, max_level(cx->p), 0, phase, "max", 0, &l);
    *max_rps = l->req_per_s;
    return rc;
}

/* A sweep (as GuideLLM's): one at a time, then as many in flight as allowed,
 * then p->sweep open-loop rates evenly from there up to the maximum:
 * sync + (max - sync) * i / N for i = 1..N. */
static int run_sweep(struct bench_ctx *cx) {
    const struct vlm_bench_params *p = cx->p;
    double sync = 0, max = 0;
    int rc = measure_ends(cx, "sweep", &sync, &max);
    if (rc == VLM_OK && (sync <= 0 || max <= 0)) {
        util_errf(cx->err, cx->err_len, "the sweep's ends measured no throughput (every request failed?)");
        return VLM_ERR_MODEL;
    }
    if (max < sync) max = sync;
    struct vlm_bench_level *l;
    for (int i = 1; rc == VLM_OK && i <= p->sweep; i++)
        for (int k = 0; rc == VLM_OK && k < (p->repeats > 1 ? p->repeats : 1); k++)
            rc = run_level(cx, max_level(p), sync + (max - sync) * i / p->sweep, "sweep", open_profile(p), k, &l);
    return rc;
}

/* The SLO search: bisection over concurrency (closed loop) or rate (open
 * loop, between the one-at-a-time and the maximum throughput unless a range is
 * given), stopping when hi - lo <= step. */
static int run_search(struct bench_ctx *cx) {
    const struct vlm_bench_params *p = cx->p;
    double lo = p->search_lo, hi = p->search_hi;
    int rc = VLM_OK;
    if (p->search_by_rate && hi <= 0) {
        rc = measure_ends(cx, "search", &lo, &hi);
        if (rc == VLM_OK && (lo <= 0 || hi <= 0)) {
            util_errf(cx->err, cx->err_len, "the search's ends measured no throughput (every request failed?)");
            return VLM_ERR_MODEL;
        }
        if (hi < lo) hi = lo;
    } else if (hi <= 0) {
        lo = 1e9;
        for (int i = 0; i < p->n_levels; i++) lo = fmin(lo, p->levels[i]);
        hi = max_level(p);
    }
    if (lo <= 0) lo = p->search_by_rate ? hi / 16 : 1;
    double step = p->search_step > 0 ? p->search_step : p->search_by_rate ? (hi - lo) / 16 : 1;
    if (step <= 0) step = 1;
    struct bench_search bsr;
    bench_search_init(&bsr, lo, hi, step, !p->search_by_rate);
    double v;
    while (rc == VLM_OK && bench_search_next(&bsr, &v)) {
        struct vlm_bench_level *l;
        if (p->search_by_rate) rc = run_level(cx, max_level(p), v, "search", open_profile(p), 0, &l);
        else rc = run_level(cx, (int)v, 0, "search", "closed", 0, &l);
        bench_search_result(&bsr, l->slo_met, l);
    }
    cx->res->capacity = bsr.cap;
    if (rc == VLM_OK && cx->bs.s &&
        store_put_bench_capacity(cx->bs.s, cx->bs.model_id, cx->bs.run_id, p, &bsr.cap) != VLM_OK) {
        util_errf(cx->err, cx->err_len, "cannot write the store '%s': %s", p->db_path, store_error(cx->bs.s));
        rc = VLM_ERR_IO;
    }
    return rc;
}

void vlm_bench_result_free(struct vlm_bench_result *res) {
    for (int i = 0; i < res->n_levels; i++) free(res->levels[i].case_correct);
    free(res->levels);
    memset(res, 0, sizeof *res);
}

int vlm_bench(const struct vlm_model_spec *m, const char *suite, const char *prompt, const struct vlm_bench_params *p,
              struct vlm_bench_result *res, char *err, size_t err_len) {
    memset(res, 0, sizeof *res);
    struct bench_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.m = m;
    cx.p = p;
    cx.res = res;
    cx.err = err;
    cx.err_len = err_len;
    cx.remote = m->engine.remote.n_urls > 0;
    int rc = check_params(m, p, err, err_len);
    if (rc == VLM_OK) rc = workload_cases(&cx.w, suite, prompt, p, err, err_len);
    if (rc == VLM_OK && cx.remote) rc = workload_bodies(&cx.w, &m->engine, err, err_len);
    if (rc == VLM_OK && cx.remote) {
        rc = remote_key(&m->engine.remote, &cx.r.key, err, err_len);
        cx.r.e = &m->engine;
        cx.r.w = &cx.w;
        cx.r.rng = p->seed;
        req_curl_global();
        cx.r.multi = curl_multi_init();
    } else if (rc == VLM_OK) {
        workload_firsts(&cx.w);
    }
    cx.local = m->engine; /* an hf: model fetched once, before the first level */
    cx.local.on_message = p->on_message;
    cx.local.message_user = p->user;
    struct hub_files hub = {NULL, NULL};
    if (rc == VLM_OK && !cx.remote) rc = eng_fetch_hub(&cx.local, &hub, err, err_len);
    if (rc == VLM_OK) rc = store_open(&cx.bs, m, p, err, err_len);
    if (rc == VLM_OK) rc = p->n_slos > 0 ? run_search(&cx) : p->sweep > 0 ? run_sweep(&cx) : run_plain(&cx);
    int end_rc = store_close(&cx.bs, rc == VLM_OK ? err : NULL, rc == VLM_OK ? err_len : 0);
    if (rc == VLM_OK) rc = end_rc;
    if (cx.r.multi) curl_multi_cleanup(cx.r.multi);
    workload_free(&cx.w);
    hub_files_free(&hub);
    if (rc == VLM_ERR_STOPPED) util_errf(err, err_len, "stopped");
    return rc;
}
