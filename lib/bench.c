/*
 * bench.c - the load test (vlm_bench): per concurrency level, keep requests in
 * flight against one model, optionally open-loop at a Poisson arrival rate,
 * and reduce what each request measured to throughput, goodput under SLOs,
 * error rate and latency percentiles (docs/metrics.md, "Load test"). Remote
 * models are driven through libcurl's multi interface, one easy handle per
 * slot (connections stay alive), round-robin over the model's URLs, with the
 * same retries as the remote engine. A local model is loaded per level with
 * N parallel sequences of one llama.cpp context (engine_sched.c), reuse off
 * so that repeated requests are computed as new ones. Levels are stored in
 * table bench_levels.
 */
#include "engine_impl.h"
#include "hub.h"
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
    p.suite = vlm_suite_default_params();
    return p;
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
    struct samples ttft, tpot, itl, e2e;
    int n_ok, n_errors, n_good;
    double out_tokens;
    bool estimated;
    char first_error[512];
    double t_first_sent, t_last_end;
};

static void acc_free(struct level_acc *a) {
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

static void finish_level(struct level_acc *a, int concurrency, struct vlm_bench_level *l) {
    memset(l, 0, sizeof *l);
    l->concurrency = concurrency;
    l->rate = a->p->rate;
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
        json_t *messages = json_pack("[o]", msg);
        w->bodies[i] = remote_chat_body(e, messages);
        json_decref(messages);
    }
    return VLM_OK;
}

/* ------------------------------------------------------------ remote */

struct slot {
    struct vlm_req req;
    int body, attempt;
    bool busy, waiting; /* in flight; waiting to be retried at retry_at */
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
    if (r->acc->t_first_sent == 0) r->acc->t_first_sent = s->req.t_sent_ms;
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
    r->acc->t_last_end = now;
    if (o != VLM_REQ_DONE) {
        record_error(r->acc, msg);
        return;
    }
    struct vlm_turn_timings t;
    memset(&t, 0, sizeof t);
    req_timings(&s->req, &t);
    eng_derive_timings(&t, s->req.itl_ms, s->req.n_itl);
    record_ok(r->acc, &t, s->req.itl_ms, s->req.n_itl);
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

/* Seconds to the next Poisson arrival at `rate` per second. */
static double next_gap_ms(double rate, uint64_t *rng) { return -log(1.0 - remote_rng_unit(rng)) / rate * 1000.0; }

static void remote_level(struct remote_run *r, int concurrency, const struct vlm_bench_params *p) {
    r->n_slots = concurrency;
    r->slots = xcalloc((size_t)concurrency, sizeof *r->slots);
    r->active = 0;
    double start = util_now_ms(), stop_issuing = start + p->duration_s * 1000.0;
    double next_arrival = p->rate > 0 ? start + next_gap_ms(p->rate, &r->rng) : start;
    int issued = 0;
    for (;;) {
        double now = util_now_ms();
        bool more = !stop_requested() && (p->n_requests > 0 ? issued < p->n_requests : now < stop_issuing);
        double next_retry = run_retries(r, now);
        struct slot *s;
        while (more && (p->rate <= 0 || now >= next_arrival) && (s = free_slot(r))) {
            s->body = r->next_body++ % r->w->n;
            s->attempt = 0;
            slot_start(r, s);
            issued++;
            if (p->rate > 0) next_arrival += next_gap_ms(p->rate, &r->rng);
            more = p->n_requests > 0 ? issued < p->n_requests : now < stop_issuing;
        }
        if (!more && r->active == 0 && next_retry == INFINITY) break;
        int running = 0;
        curl_multi_perform(r->multi, &running);
        if (drain_messages(r) > 0) continue; /* slots are free: fill them first */
        double wait = 100;                   /* ms; socket activity ends it sooner */
        if (more && p->rate > 0 && free_slot(r)) wait = fmin(wait, next_arrival - now);
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
    int issued;
    double start;
};

static const vlm_case *local_next(void *user, int *tag) {
    struct local_io *li = user;
    const struct vlm_bench_params *p = li->p;
    double now = util_now_ms();
    if (li->issued == 0) li->start = li->a->t_first_sent = now;
    if (p->n_requests > 0 ? li->issued >= p->n_requests : now - li->start >= p->duration_s * 1000.0) return NULL;
    *tag = li->issued;
    return &li->w->firsts[li->issued++ % li->w->n];
}

static bool local_turn(void *user, int tag, const struct vlm_turn_result *r, int status) {
    struct local_io *li = user;
    li->a->t_last_end = util_now_ms();
    if (r->error) record_error(li->a, r->error);
    else record_ok(li->a, &r->t, r->itl_ms, r->n_itl);
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
    struct local_io li = {w, p, a, 0, 0};
    struct vlm_sched_io io = {local_next, local_turn, &li};
    int rc = eng_schedule(e, &io);
    vlm_engine_free(e);
    return rc == VLM_ERR_STOPPED ? VLM_OK : rc; /* the caller sees the stop itself */
}

/* ------------------------------------------------------------ the bench */

static int check_params(const struct vlm_model_spec *m, const struct vlm_bench_params *p, char *err, size_t err_len) {
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
    for (int i = 0; i < p->n_levels && m->engine.remote.n_urls == 0; i++) {
        if (p->levels[i] > VLM_MAX_PARALLEL) {
            util_errf(err, err_len, "a local model holds at most %d parallel sequences, not %d", VLM_MAX_PARALLEL,
                      p->levels[i]);
            return VLM_ERR_INPUT;
        }
    }
    if (m->engine.remote.n_urls == 0 && p->rate > 0) {
        util_errf(err, err_len, "--rate applies to remote models only");
        return VLM_ERR_INPUT;
    }
    if (p->n_requests <= 0 && p->duration_s <= 0) {
        util_errf(err, err_len, "give --requests N or --duration S");
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

int vlm_bench(const struct vlm_model_spec *m, const char *suite, const char *prompt, const struct vlm_bench_params *p,
              struct vlm_bench_level **levels, char *err, size_t err_len) {
    *levels = NULL;
    bool remote = m->engine.remote.n_urls > 0;
    int rc = check_params(m, p, err, err_len);
    struct workload w;
    memset(&w, 0, sizeof w);
    if (rc == VLM_OK) rc = workload_cases(&w, suite, prompt, p, err, err_len);
    if (rc == VLM_OK && remote) rc = workload_bodies(&w, &m->engine, err, err_len);
    struct remote_run r;
    memset(&r, 0, sizeof r);
    if (rc == VLM_OK && remote) {
        rc = remote_key(&m->engine.remote, &r.key, err, err_len);
        r.e = &m->engine;
        r.w = &w;
        r.rng = p->seed;
        req_curl_global();
        r.multi = curl_multi_init();
    } else if (rc == VLM_OK) {
        workload_firsts(&w);
    }
    struct vlm_engine_params local = m->engine; /* an hf: model fetched once, before the first level */
    local.on_message = p->on_message;
    local.message_user = p->user;
    struct hub_files hub = {NULL, NULL};
    if (rc == VLM_OK && !remote) rc = eng_fetch_hub(&local, &hub, err, err_len);
    struct bench_store bs;
    if (rc == VLM_OK) rc = store_open(&bs, m, p, err, err_len);
    else memset(&bs, 0, sizeof bs);
    if (rc == VLM_OK) *levels = xcalloc((size_t)p->n_levels, sizeof **levels);
    for (int i = 0; rc == VLM_OK && i < p->n_levels; i++) {
        struct level_acc a;
        memset(&a, 0, sizeof a);
        a.p = p;
        util_say(p->on_message, p->user, "%s: concurrency %d ...", m->name, p->levels[i]);
        r.acc = &a;
        scrape *sm = remote && bs.s ? store_metrics_start(&m->engine.remote) : NULL; /* docs/metrics.md */
        if (remote) remote_level(&r, p->levels[i], p);
        else rc = local_level(&local, &w, p->levels[i], p, &a, err, err_len);
        finish_level(&a, p->levels[i], &(*levels)[i]);
        acc_free(&a);
        if (stop_requested()) rc = VLM_ERR_STOPPED;
        else if (rc != VLM_OK) break;
        else if (bs.s && store_put_bench_level(bs.s, bs.model_id, bs.run_id, p, &(*levels)[i]) != VLM_OK) {
            util_errf(err, err_len, "cannot write the store '%s': %s", p->db_path, store_error(bs.s));
            rc = VLM_ERR_IO;
        }
        if (store_metrics_end(rc == VLM_OK ? bs.s : NULL, sm, bs.run_id, bs.model_id, true, p->on_message, p->user) &&
            rc == VLM_OK)
            util_errf(err, err_len, "cannot write the store '%s': %s", p->db_path, store_error(bs.s)), rc = VLM_ERR_IO;
    }
    int end_rc = store_close(&bs, rc == VLM_OK ? err : NULL, rc == VLM_OK ? err_len : 0);
    if (rc == VLM_OK) rc = end_rc;
    if (r.multi) curl_multi_cleanup(r.multi);
    workload_free(&w);
    hub_files_free(&hub);
    if (rc == VLM_ERR_STOPPED) util_errf(err, err_len, "stopped");
    return rc;
}
