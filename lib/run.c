/*
 * run.c - drives every model of a plan over every suite case into the store:
 * skip what is stored, load each model once, answer the rest, commit each turn,
 * report bad input and go on, show progress, summarise per model.
 */
#include "internal.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t g_stop = 0;

void vlm_run_request_stop(void) { g_stop = 1; }
bool vlm_stop_requested(void) { return g_stop != 0; }

struct vlm_run_params vlm_run_default_params(void) {
    struct vlm_run_params p;
    memset(&p, 0, sizeof p);
    p.db_path = "vlmeter.db";
    p.suite = vlm_suite_default_params();
    return p;
}

/* Everything one run holds while it goes. */
struct runner {
    const struct vlm_run_params *params;
    vlm_store *store;
    int64_t run_id;
    int n_suites;
    vlm_suite **suites;
    int n_cases_total; /* cases over all suites */
    /* progress of the current model */
    const char *model_name;
    int done, todo;
    double started_ms, last_tps;
    bool any_case_error;
};

static void say(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct runner *r, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (r->params->progress) fputs("\r\033[K", stderr);
    if (r->params->on_message) r->params->on_message(line, r->params->user);
}

/* ------------------------------------------------------------ progress */

static void draw_progress(struct runner *r) {
    if (!r->params->progress) return;
    double secs = (vlm_now_ms() - r->started_ms) / 1000.0;
    double rate = secs > 0 ? r->done / secs : 0;
    int eta = rate > 0 ? (int)((r->todo - r->done) / rate) : 0;
    fprintf(stderr, "\r\033[K%s  %d/%d cases  %.2f cases/s  ETA %d:%02d  %.1f tok/s", r->model_name,
            r->done, r->todo, rate, eta / 60, eta % 60, r->last_tps);
    fflush(stderr);
}

/* ------------------------------------------------------------ suites */

static int load_suites(struct runner *r, vlm_plan *plan, struct vlm_run_summary *sum) {
    r->n_suites = vlm_plan_n_suites(plan);
    r->suites = vlm_xcalloc((size_t)r->n_suites + 1, sizeof *r->suites);
    for (int i = 0; i < r->n_suites; i++) {
        char err[1024];
        vlm_suite *s = vlm_suite_load(vlm_plan_suite(plan, i), r->params->suite, err, sizeof err);
        for (int j = 0; j < i && s; j++) {
            if (r->suites[j] && strcmp(vlm_suite_name(r->suites[j]), vlm_suite_name(s)) == 0) {
                snprintf(err, sizeof err, "suite '%s' has the same name as '%s'; rename one",
                         vlm_suite_path(s), vlm_suite_path(r->suites[j]));
                vlm_suite_free(s);
                s = NULL;
            }
        }
        if (!s) {
            say(r, "error: %s", err);
            r->any_case_error = true;
            continue;
        }
        r->suites[i] = s;
        for (int k = 0; k < vlm_suite_n_cases(s); k++) {
            const vlm_case *c = vlm_suite_case(s, k);
            if (c->error) {
                say(r, "bad case: %s", c->error);
                sum->n_bad_lines++;
            }
        }
        r->n_cases_total += vlm_suite_n_cases(s);
    }
    return VLM_OK;
}

/* ------------------------------------------------------------ one model */

/* The settings that change answers, as canonical JSON: a model name stored
 * with other settings would mix results. */
static char *settings_json(const struct vlm_engine_params *e) {
    char model[PATH_MAX], mmproj[PATH_MAX];
    const char *mp = realpath(e->model_path, model) ? model : e->model_path;
    const char *pp = realpath(e->mmproj_path, mmproj) ? mmproj : e->mmproj_path;
    json_t *o = json_pack("{s:s, s:s, s:s?, s:i, s:f, s:f, s:i, s:f, s:f, s:i, s:i, s:i}",
        "model", mp, "mmproj", pp, "template", e->chat_template, "ctx", e->n_ctx,
        "temp", (double)e->sampling.temp, "top_p", (double)e->sampling.top_p,
        "top_k", e->sampling.top_k, "min_p", (double)e->sampling.min_p,
        "repeat_penalty", (double)e->sampling.repeat_penalty,
        "repeat_last_n", e->sampling.repeat_last_n, "seed", (int)e->sampling.seed,
        "max_tokens", e->sampling.max_tokens);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

static int count_pending(struct runner *r, int64_t model_id) {
    int n = 0;
    for (int i = 0; i < r->n_suites; i++) {
        if (!r->suites[i]) continue;
        for (int k = 0; k < vlm_suite_n_cases(r->suites[i]); k++) {
            const vlm_case *c = vlm_suite_case(r->suites[i], k);
            if (!vlm_store_case_done(r->store, model_id, c->suite, c->id, !r->params->retry_errors)) n++;
        }
    }
    return n;
}

struct case_ctx {
    struct runner *r;
    int64_t model_id;
    const vlm_case *c;
    int store_rc;
};

static bool on_turn(const struct vlm_turn_result *tr, void *user) {
    struct case_ctx *cc = user;
    bool last = tr->turn == cc->c->n_turns - 1;
    cc->store_rc = vlm_store_put_turn(cc->r->store, cc->model_id, cc->r->run_id, cc->c, tr, last);
    if (tr->error) say(cc->r, "case %s (%s) turn %d: %s", cc->c->id, cc->c->where, tr->turn, tr->error);
    if (tr->t.n_output_tokens > 1) cc->r->last_tps = tr->t.decode_tps;
    return cc->store_rc == VLM_OK;
}

/* Answer (or store as an error) one pending case. */
static int run_case(struct runner *r, vlm_engine *e, int64_t model_id, const vlm_case *c,
                    const char *model_error) {
    if (vlm_store_case_reset(r->store, model_id, c->suite, c->id) != VLM_OK) return VLM_ERR_IO;
    if (c->error || model_error) {
        r->any_case_error = true;
        return vlm_store_put_case_error(r->store, model_id, r->run_id, c, c->error ? c->error : model_error);
    }
    struct case_ctx cc = {r, model_id, c, VLM_OK};
    int rc = vlm_engine_answer(e, c, on_turn, &cc);
    if (cc.store_rc != VLM_OK) return cc.store_rc;
    if (rc == VLM_ERR_STOPPED) return rc;
    if (rc != VLM_OK) r->any_case_error = true;
    return VLM_OK;
}

/* Peak RSS is per process; reset the kernel's high-water mark so each model's
 * peak is its own (Linux >= 4.0; harmless elsewhere). */
static void reset_rss_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) { fputs("5", f); fclose(f); }
}

static uint64_t rss_peak_now(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return vlm_rss_peak_bytes();
    char line[256];
    uint64_t kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lu kB", &kib) == 1) break;
    fclose(f);
    return kib ? kib * 1024 : vlm_rss_peak_bytes();
}

static int run_model(struct runner *r, struct vlm_model_spec *m, struct vlm_run_model_summary *ms) {
    snprintf(ms->name, sizeof ms->name, "%s", m->name);
    ms->n_cases = r->n_cases_total;
    char err[1024];
    char *settings = settings_json(&m->engine);
    int64_t model_id = 0;
    int rc = vlm_store_model(r->store, m->name, settings, &model_id, err, sizeof err);
    free(settings);
    if (rc != VLM_OK) {
        snprintf(ms->error, sizeof ms->error, "%.500s", err);
        say(r, "error: %s", err);
        return rc == VLM_ERR_IO ? rc : VLM_OK;
    }
    int pending = count_pending(r, model_id);
    ms->n_skipped = r->n_cases_total - pending;
    if (pending > 0) {
        reset_rss_peak();
        vlm_engine *e = vlm_engine_init(m->engine, err, sizeof err);
        if (!e) {
            snprintf(ms->error, sizeof ms->error, "%.500s", err);
            say(r, "model %s: %s", m->name, err);
        } else {
            ms->load_ms = vlm_engine_info(e)->load_ms;
        }
        r->model_name = m->name;
        r->done = 0;
        r->todo = pending;
        r->started_ms = vlm_now_ms();
        r->last_tps = 0;
        rc = VLM_OK;
        for (int i = 0; i < r->n_suites && rc == VLM_OK; i++) {
            if (!r->suites[i]) continue;
            for (int k = 0; k < vlm_suite_n_cases(r->suites[i]) && rc == VLM_OK; k++) {
                const vlm_case *c = vlm_suite_case(r->suites[i], k);
                if (vlm_store_case_done(r->store, model_id, c->suite, c->id, !r->params->retry_errors)) continue;
                rc = run_case(r, e, model_id, c, e ? NULL : ms->error);
                if (rc == VLM_OK) { r->done++; ms->n_run++; }
                draw_progress(r);
            }
        }
        if (e) {
            ms->rss_peak_bytes = rss_peak_now();
            vlm_store_model_load(r->store, model_id, r->run_id, vlm_engine_info(e), ms->rss_peak_bytes);
            vlm_engine_free(e);
        }
        if (r->params->progress) fputs("\r\033[K", stderr);
        if (rc != VLM_OK) {
            if (rc == VLM_ERR_IO) say(r, "error: cannot write the store");
            return rc;
        }
    }
    vlm_store_model_stats(r->store, model_id, ms);
    return VLM_OK;
}

/* ------------------------------------------------------------ the run */

int vlm_run(vlm_plan *plan, const struct vlm_run_params *params, struct vlm_run_summary *sum,
            char *err, size_t err_len) {
    memset(sum, 0, sizeof *sum);
    g_stop = 0;
    struct runner r;
    memset(&r, 0, sizeof r);
    r.params = params;
    r.store = vlm_store_open(params->db_path ? params->db_path : "vlmeter.db", err, err_len);
    if (!r.store) return VLM_ERR_IO;
    struct vlm_host host;
    vlm_host_read(&host);
    r.run_id = vlm_store_begin_run(r.store, &host, params->argv_line);

    load_suites(&r, plan, sum);
    sum->n_models = vlm_plan_n_models(plan);
    sum->models = vlm_xcalloc((size_t)sum->n_models + 1, sizeof *sum->models);
    int rc = VLM_OK;
    for (int i = 0; i < sum->n_models && rc == VLM_OK; i++)
        rc = run_model(&r, vlm_plan_model(plan, i), &sum->models[i]);

    vlm_store_end_run(r.store, r.run_id);
    for (int i = 0; i < r.n_suites; i++) vlm_suite_free(r.suites[i]);
    free(r.suites);
    vlm_store_close(r.store);

    sum->stopped = rc == VLM_ERR_STOPPED;
    if (rc == VLM_ERR_STOPPED) { vlm_errf(err, err_len, "stopped; run the same command again to resume"); return rc; }
    if (rc == VLM_ERR_IO) { vlm_errf(err, err_len, "the store could not be written"); return rc; }
    for (int i = 0; i < sum->n_models; i++)
        if (sum->models[i].error[0] || sum->models[i].n_errors) r.any_case_error = true;
    if (r.any_case_error) {
        vlm_errf(err, err_len, "some cases failed; they are stored as errors");
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

void vlm_run_summary_free(struct vlm_run_summary *s) {
    free(s->models);
    s->models = NULL;
    s->n_models = 0;
}
