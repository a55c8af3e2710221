/*
 * run.c - drives every model of a plan over every suite case into the store:
 * skip what is stored, load each model once, answer the rest, commit each turn,
 * report bad input and go on, show progress, summarise per model. One engine
 * gets all of a model's pending cases at once (vlm_engine_answer_cases), so a
 * local model can order them, share prefixes and decode n_parallel together.
 * A remote model with concurrency N answers N cases at once instead, one
 * thread and engine (connection) each; the store and the progress line are
 * shared under a lock.
 */
#include "family.h"
#include "suite_gen.h"
#include "run.h"
#include "run_decide.h"
#include "run_gen.h"
#include "stop.h"
#include "store.h"
#include "store_gpu.h"
#include "store_metrics.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vlm_run_request_stop(void) { stop_request(); }

struct vlm_run_params vlm_run_default_params(void) {
    struct vlm_run_params p;
    memset(&p, 0, sizeof p);
    p.db_path = "vlmeter.db";
    p.suite = vlm_suite_default_params();
    p.gpu_sample_ms = -1; /* every GPU_SAMPLE_MS_DEFAULT, quietly on a machine without a GPU */
    return p;
}

/* Everything one run holds while it goes. */
struct runner {
    const struct vlm_run_params *params;
    vlm_store *store;
    int64_t run_id;
    int n_suites;
    vlm_suite **suites;
    int n_cases_total;       /* cases over all suites */
    int n_shard_cases;       /* of those, the cases of this run's shard (all when unsharded) */
    const vlm_case **usable; /* the cases without errors, in suite order (the KL pass's) */
    int n_usable;
    /* progress of the current model */
    const char *model_name;
    int done, todo;
    double started_ms, last_tps;
    bool any_case_error;
    bool no_vision;        /* the current model has no vision: image cases are stored n/a */
    pthread_mutex_t *lock; /* held around the store and progress when cases run at once */
    vlm_engine *held;      /* the last model's engine, kept for the next model that can share it */
    char held_for[128];    /* the model it was loaded for */
    bool gpu_off_said;     /* why GPU sampling is off was said (say_gpu_off) */
    /* deciding early (run_decide.c): NULL when off */
    decider *decide;
    int draw_limit;       /* only the first draw_limit cases of the draw order (screening) */
    bool decided;         /* the current model's verdicts settled while it answered */
    char store_msg[1024]; /* the first failed write of the store, in words (store_failed); "" while none */
    bool *busy;           /* per model of the plan: skipped, another vlmeter holds its claim */
};

static void lock(struct runner *r) {
    if (r->lock) pthread_mutex_lock(r->lock);
}
static void unlock(struct runner *r) {
    if (r->lock) pthread_mutex_unlock(r->lock);
}

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

/* The store's file as the run was given it. */
static const char *db_path(const struct runner *r) { return r->params->db_path ? r->params->db_path : "vlmeter.db"; }

/* Keep the first failed write of the store as one message: the file, the
 * cause (disk full, I/O error, ...), what was being stored (printf-style),
 * what is kept and how to go on (docs/store-schema.md, "Disk faults"). The
 * failed transaction was rolled back by the store. The caller holds the lock. */
static void store_failed(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void store_failed(struct runner *r, const char *fmt, ...) {
    if (r->store_msg[0]) return;
    char doing[512], why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(doing, sizeof doing, fmt, ap);
    va_end(ap);
    const char *fault = store_fault(r->store), *advice = store_fault_advice(r->store);
    util_errf(why, sizeof why, "%s", fault ? fault : store_error(r->store));
    int64_t n_kept = 0;
    char kept[128] = "";
    if (store_count_cases(r->store, &n_kept) == VLM_OK)
        snprintf(kept, sizeof kept,
                 n_kept ? "; the %lld finished cases in the store are kept" : "; it holds no finished case",
                 (long long)n_kept);
    util_errf(r->store_msg, sizeof r->store_msg, "store '%s': %s while %s%s; %s%s run the same command again to resume",
              db_path(r), why, doing, kept, advice ? advice : "then", advice ? " and" : "");
}

/* ------------------------------------------------------------ progress */

static void draw_progress(struct runner *r) {
    if (!r->params->progress) return;
    double secs = (util_now_ms() - r->started_ms) / 1000.0;
    double rate = secs > 0 ? r->done / secs : 0;
    int eta = rate > 0 ? (int)((r->todo - r->done) / rate) : 0;
    fprintf(stderr, "\r\033[K%s  %d/%d cases  %.2f cases/s  ETA %d:%02d  %.1f tok/s", r->model_name, r->done, r->todo,
            rate, eta / 60, eta % 60, r->last_tps);
    fflush(stderr);
}

/* ------------------------------------------------------------ suites */

/* Whether the run takes case c: every case, or those of its shard (shard.c). */
static bool in_shard(const struct runner *r, const vlm_case *c) {
    return vlm_case_in_shard(c->suite, c->id, r->params->shard_index, r->params->shard_count);
}

static int load_suites(struct runner *r, vlm_plan *plan, struct vlm_run_summary *sum) {
    r->n_suites = vlm_plan_n_suites(plan);
    r->suites = xcalloc((size_t)r->n_suites + 1, sizeof *r->suites);
    for (int i = 0; i < r->n_suites; i++) {
        char err[1024];
        vlm_suite *s = vlm_suite_load(vlm_plan_suite(plan, i), r->params->suite, err, sizeof err);
        for (int j = 0; j < i && s; j++) {
            if (r->suites[j] && strcmp(vlm_suite_name(r->suites[j]), vlm_suite_name(s)) == 0) {
                snprintf(err, sizeof err, "suite '%s' has the same name as '%s'; rename one", vlm_suite_path(s),
                         vlm_suite_path(r->suites[j]));
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
        for (int k = 0; k < vlm_suite_n_cases(s); k++) r->n_shard_cases += in_shard(r, vlm_suite_case(s, k));
    }
    r->usable = xcalloc((size_t)r->n_cases_total + 1, sizeof *r->usable);
    for (int i = 0; i < r->n_suites; i++)
        for (int k = 0; r->suites[i] && k < vlm_suite_n_cases(r->suites[i]); k++) {
            const vlm_case *c = vlm_suite_case(r->suites[i], k);
            if (!c->error && in_shard(r, c)) r->usable[r->n_usable++] = c;
        }
    if (r->params->shard_count > 0)
        say(r, "shard %d/%d: %d of %d cases", r->params->shard_index, r->params->shard_count, r->n_shard_cases,
            r->n_cases_total);
    return VLM_OK;
}

/* ------------------------------------------------------------ one model */

/* GPU sampling's period: the run's, or GPU_SAMPLE_MS_DEFAULT when not given. */
static int gpu_period_ms(const struct runner *r) {
    return r->params->gpu_sample_ms < 0 ? GPU_SAMPLE_MS_DEFAULT : r->params->gpu_sample_ms;
}

/* Say once why GPU sampling is off (NVML missing): when a period was asked
 * for, or when the model runs on a GPU backend; a CPU run with the default
 * period says nothing, as there is no GPU to read. */
static void say_gpu_off(struct runner *r, vlm_engine *e, const char *why) {
    bool asked = r->params->gpu_sample_ms > 0;
    bool on_gpu = e && strcmp(vlm_engine_info(e)->backend, "CPU") != 0;
    if (r->gpu_off_said || !(asked || on_gpu)) return;
    say(r, "note: GPU sampling off: %s", why);
    r->gpu_off_said = true;
}

/* The sampling settings every model's answers depend on. */
static json_t *sampling_json(const struct vlm_engine_params *e) {
    return json_pack("{s:f, s:f, s:i, s:f, s:f, s:i, s:i, s:i}", "temp", (double)e->sampling.temp, "top_p",
                     (double)e->sampling.top_p, "top_k", e->sampling.top_k, "min_p", (double)e->sampling.min_p,
                     "repeat_penalty", (double)e->sampling.repeat_penalty, "repeat_last_n", e->sampling.repeat_last_n,
                     "seed", (int)e->sampling.seed, "max_tokens", e->sampling.max_tokens);
}

/* The settings that change answers, as canonical JSON: a model name stored
 * with other settings would mix results. A remote model is where it is and what
 * it is asked with; the API key never appears, only its variable's name. */
char *run_settings_json(const struct vlm_engine_params *e) {
    json_t *o = sampling_json(e);
    if (e->text_only) json_object_set_new(o, "vision", json_false()); /* declared; absent otherwise */
    /* the prompt's dials (docs/plan-format.md, "Sweeps"): absent when unset */
    if (e->system_prompt) json_object_set_new(o, "system", json_string(e->system_prompt));
    if (e->prompt_suffix) json_object_set_new(o, "prompt_suffix", json_string(e->prompt_suffix));
    if (e->remote.n_urls > 0) {
        json_t *urls = json_array();
        for (int i = 0; i < e->remote.n_urls; i++) json_array_append_new(urls, json_string(e->remote.urls[i]));
        json_object_set_new(o, "urls", urls);
        json_object_set_new(o, "model_id", json_string(e->remote.model_id ? e->remote.model_id : ""));
        if (e->remote.key_env) json_object_set_new(o, "key_env", json_string(e->remote.key_env));
        /* the image dials of a remote model (docs/remote.md): absent when unset */
        if (e->remote.max_pixels > 0) json_object_set_new(o, "max_pixels", json_integer(e->remote.max_pixels));
        if (e->remote.max_side > 0) json_object_set_new(o, "max_side", json_integer(e->remote.max_side));
        if (e->remote.processor_json) {
            json_t *kw = json_loads(e->remote.processor_json, 0, NULL);
            json_object_set_new(o, "processor", kw ? kw : json_string(e->remote.processor_json));
        }
    } else {
        char model[PATH_MAX], mmproj[PATH_MAX];
        json_object_set_new(o, "model", json_string(realpath(e->model_path, model) ? model : e->model_path));
        if (e->mmproj_path) /* none: the hub model's own (hf:) */
            json_object_set_new(o, "mmproj", json_string(realpath(e->mmproj_path, mmproj) ? mmproj : e->mmproj_path));
        if (e->chat_template) json_object_set_new(o, "template", json_string(e->chat_template));
        if (e->reasoning && strcmp(e->reasoning, "auto") != 0)
            json_object_set_new(o, "reasoning", json_string(e->reasoning));
        json_object_set_new(o, "ctx", json_integer(e->n_ctx));
        /* a budget is part of what the model is (two budgets share no answers); absent when unset */
        if (e->image_min_tokens > 0) json_object_set_new(o, "image_min_tokens", json_integer(e->image_min_tokens));
        if (e->image_max_tokens > 0) json_object_set_new(o, "image_max_tokens", json_integer(e->image_max_tokens));
    }
    if (e->images_url) json_object_set_new(o, "images", json_string(e->images_url));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

struct case_ctx {
    struct runner *r;
    int64_t model_id;
    const vlm_case *c;
    int store_rc;
    bool na;                    /* the case was stored not applicable (no vision) */
    int rank;                   /* its draw position (--decide), else -1 */
    struct case_credit *credit; /* its turns' credit so far (--decide) */
};

/* A case of the current model ended (--decide): feed it to the decider; true
 * when the model's verdicts are now settled and it should stop. The caller
 * holds the lock. */
static bool case_decided(struct runner *r, int rank, const vlm_case *c, const struct vlm_turn_result *tr,
                         struct case_credit *cc) {
    if (!r->decide || rank < 0) return false;
    if (!run_decide_turn(r->decide, rank, c, tr, cc)) return false;
    if (decide_state(r->decide) == DECIDE_OPEN) return false;
    r->decided = true;
    return true;
}

/* Store a case not applicable to the current model (it has no vision), saying
 * once per model why; the caller holds the lock. */
static int store_na(struct runner *r, int64_t model_id, const vlm_case *c, const char *reason) {
    if (!r->no_vision)
        say(r, "model %s: %s; its image cases are stored not applicable (n/a), its text cases run", r->model_name,
            reason);
    r->no_vision = true;
    return vlm_store_put_case_na(r->store, model_id, r->run_id, c, reason);
}

static bool on_turn(const struct vlm_turn_result *tr, void *user) {
    struct case_ctx *cc = user;
    bool last = tr->turn == cc->c->n_turns - 1;
    if (tr->error && tr->no_vision) { /* not applicable, not failed: the case ends here */
        lock(cc->r);
        cc->store_rc = store_na(cc->r, cc->model_id, cc->c, tr->error);
        if (cc->store_rc != VLM_OK)
            store_failed(cc->r, "storing model %s case %s as not applicable", cc->r->model_name, cc->c->id);
        cc->na = true;
        bool decided = cc->store_rc == VLM_OK && case_decided(cc->r, cc->rank, cc->c, tr, cc->credit);
        unlock(cc->r);
        return cc->store_rc == VLM_OK && !decided;
    }
    lock(cc->r);
    cc->store_rc = vlm_store_put_turn(cc->r->store, cc->model_id, cc->r->run_id, cc->c, tr, last);
    if (cc->store_rc != VLM_OK)
        store_failed(cc->r, "storing model %s case %s turn %d", cc->r->model_name, cc->c->id, tr->turn);
    if (cc->r->params->on_turn) cc->r->params->on_turn(cc->r->model_name, cc->c, tr, cc->r->params->user);
    if (tr->error) say(cc->r, "case %s (%s) turn %d: %s", cc->c->id, cc->c->where, tr->turn, tr->error);
    if (tr->t.n_output_tokens > 1) cc->r->last_tps = tr->t.decode_tps;
    bool decided = cc->store_rc == VLM_OK && case_decided(cc->r, cc->rank, cc->c, tr, cc->credit);
    unlock(cc->r);
    return cc->store_rc == VLM_OK && !decided;
}

/* Forget a pending case's partial turns; a malformed case, or any case of a
 * model that failed to load, is stored as an error at once (*stored: nothing
 * is left for an engine). The caller holds the lock. */
static int begin_case(struct runner *r, int64_t model_id, const vlm_case *c, int rank, const char *model_error,
                      bool *stored) {
    *stored = c->error || model_error;
    if (vlm_store_case_reset(r->store, model_id, c->suite, c->id) != VLM_OK) {
        store_failed(r, "clearing model %s case %s before answering it", r->model_name, c->id);
        return VLM_ERR_IO;
    }
    if (!*stored) return VLM_OK;
    r->any_case_error = true;
    int rc = vlm_store_put_case_error(r->store, model_id, r->run_id, c, c->error ? c->error : model_error);
    if (rc != VLM_OK) store_failed(r, "storing model %s case %s as an error", r->model_name, c->id);
    if (rc == VLM_OK && r->decide && rank >= 0) { /* wrong where scored (grade.c), and the draw goes on */
        decide_done(r->decide, rank, NAN);
        if (decide_state(r->decide) != DECIDE_OPEN) r->decided = true;
    }
    return rc;
}

/* Answer (or store as an error) one pending case. */
static int run_case(struct runner *r, vlm_engine *e, int64_t model_id, const vlm_case *c, int rank,
                    const char *model_error) {
    bool stored;
    lock(r);
    int rc = begin_case(r, model_id, c, rank, model_error, &stored);
    bool no_vision = r->no_vision; /* read under the lock: another worker may be setting it */
    unlock(r);
    if (rc != VLM_OK || stored) return rc;
    if (no_vision && c->n_images > 0) { /* learnt from another worker's case: not sent */
        lock(r);
        rc = store_na(r, model_id, c, "no vision: the model takes no images");
        if (rc != VLM_OK) store_failed(r, "storing model %s case %s as not applicable", r->model_name, c->id);
        if (rc == VLM_OK && r->decide && rank >= 0) {
            decide_not_applicable(r->decide, rank);
            if (decide_state(r->decide) != DECIDE_OPEN) r->decided = true;
        }
        unlock(r);
        return rc;
    }
    struct case_credit credit = {0, 0, false};
    struct case_ctx cc = {r, model_id, c, VLM_OK, false, rank, &credit};
    rc = vlm_engine_answer(e, c, on_turn, &cc);
    if (cc.store_rc != VLM_OK) return cc.store_rc;
    if (rc == VLM_ERR_STOPPED) return r->decided && !stop_requested() ? VLM_OK : rc; /* settled: not a stop */
    if (rc != VLM_OK && !cc.na) {
        lock(r);
        r->any_case_error = true;
        unlock(r);
    }
    return VLM_OK;
}

/* The cases of the run a model has not finished, in suite order, or with
 * --decide in draw order up to r->draw_limit (at most max_cases of them when
 * that is set). */
struct pending {
    const vlm_case **cases;
    int *rank; /* each case's draw position (--decide), else -1 */
    int n, next;
    int n_unfinished; /* before the max_cases cut */
    int rc;           /* the first failure that stops the model */
};

/* Whether c is answered by the engines of this run (not another shard's, not
 * a generate case, which the generation pass draws). */
static bool answered_here(const struct runner *r, const vlm_case *c) {
    return in_shard(r, c) && !(gen_is_generate(c) && !c->error);
}

static void add_pending(struct runner *r, int64_t model_id, struct pending *p, const vlm_case *c, int rank) {
    if (vlm_store_case_done(r->store, model_id, c->suite, c->id, !r->params->retry_errors)) return;
    p->n_unfinished++;
    if (r->params->max_cases > 0 && p->n >= r->params->max_cases) return;
    p->rank[p->n] = rank;
    p->cases[p->n++] = c;
}

static void collect_pending(struct runner *r, int64_t model_id, struct pending *p) {
    memset(p, 0, sizeof *p);
    p->cases = xcalloc((size_t)r->n_cases_total + 1, sizeof *p->cases);
    p->rank = xcalloc((size_t)r->n_cases_total + 1, sizeof *p->rank);
    if (r->decide) {
        for (int k = 0; k < decide_n(r->decide) && k < r->draw_limit; k++)
            add_pending(r, model_id, p, decide_case(r->decide, k), k);
        return;
    }
    for (int i = 0; i < r->n_suites; i++) {
        if (!r->suites[i]) continue;
        for (int k = 0; k < vlm_suite_n_cases(r->suites[i]); k++) {
            const vlm_case *c = vlm_suite_case(r->suites[i], k);
            if (answered_here(r, c)) add_pending(r, model_id, p, c, -1);
        }
    }
}

static void free_pending(struct pending *p) {
    free(p->cases);
    free(p->rank);
    p->cases = NULL;
    p->rank = NULL;
}

/* One worker: take the next pending case and answer it, until none is left or
 * one fails for good (store, stop). */
struct worker {
    struct runner *r;
    struct pending *p;
    vlm_engine *e;
    int64_t model_id;
    const char *model_error;
    struct vlm_run_model_summary *ms;
};

static void *work(void *arg) {
    struct worker *w = arg;
    struct runner *r = w->r;
    for (;;) {
        lock(r);
        int i = w->p->rc == VLM_OK && !r->decided && w->p->next < w->p->n ? w->p->next++ : -1;
        unlock(r);
        if (i < 0) return NULL;
        int rc = run_case(r, w->e, w->model_id, w->p->cases[i], w->p->rank[i], w->e ? NULL : w->model_error);
        lock(r);
        if (rc == VLM_OK) {
            r->done++;
            w->ms->n_run++;
        } else if (w->p->rc == VLM_OK) w->p->rc = rc;
        draw_progress(r);
        unlock(r);
    }
}

/* One engine answering every pending case: what each turn belongs to. */
struct together {
    struct runner *r;
    int64_t model_id;
    const vlm_case **cases;
    struct vlm_run_model_summary *ms;
    int store_rc;
    int *rank;                  /* each case's draw position (--decide), else -1 */
    struct case_credit *credit; /* each case's credit so far (--decide) */
    bool *ended;                /* each case's last turn is stored */
};

static bool on_case_turn(int index, const struct vlm_turn_result *tr, void *user) {
    struct together *g = user;
    const vlm_case *c = g->cases[index];
    struct case_ctx cc = {g->r, g->model_id, c, VLM_OK, false, g->rank[index], &g->credit[index]};
    bool go_on = on_turn(tr, &cc);
    if (tr->error || tr->turn == c->n_turns - 1) g->ended[index] = true;
    if (!go_on) g->store_rc = cc.store_rc;
    if (tr->error && !tr->no_vision) g->r->any_case_error = true;
    if (tr->error || tr->turn == c->n_turns - 1) {
        g->r->done++;
        g->ms->n_run++;
        draw_progress(g->r);
    }
    return go_on;
}

/* Hand every pending case to e at once; malformed ones are stored as errors. */
static int answer_together(struct runner *r, vlm_engine *e, int64_t model_id, struct pending *p,
                           struct vlm_run_model_summary *ms) {
    struct together g = {r,
                         model_id,
                         xcalloc((size_t)p->n + 1, sizeof *g.cases),
                         ms,
                         VLM_OK,
                         xcalloc((size_t)p->n + 1, sizeof *g.rank),
                         xcalloc((size_t)p->n + 1, sizeof *g.credit),
                         xcalloc((size_t)p->n + 1, sizeof *g.ended)};
    int n = 0, rc = VLM_OK;
    for (int i = 0; i < p->n && rc == VLM_OK && !r->decided; i++) {
        bool stored;
        rc = begin_case(r, model_id, p->cases[i], p->rank[i], NULL, &stored);
        if (!stored) {
            g.rank[n] = p->rank[i];
            g.cases[n++] = p->cases[i];
        } else if (rc == VLM_OK) {
            r->done++;
            ms->n_run++;
        }
    }
    if (rc != VLM_OK) rc = VLM_ERR_IO;
    else if (!r->decided) rc = vlm_engine_answer_cases(e, g.cases, n, on_case_turn, &g);
    if (rc != VLM_ERR_IO && g.store_rc == VLM_OK && r->decided && !stop_requested()) {
        /* settled: the cases still in flight are dropped, their partial turns forgotten */
        rc = VLM_OK;
        for (int i = 0; i < n && rc == VLM_OK; i++)
            if (!g.ended[i] && vlm_store_case_reset(r->store, model_id, g.cases[i]->suite, g.cases[i]->id) != VLM_OK)
                rc = VLM_ERR_IO;
    }
    free(g.rank);
    free(g.credit);
    free(g.ended);
    free(g.cases);
    if (g.store_rc != VLM_OK) return g.store_rc;
    if (rc == VLM_ERR_IO) return rc;
    if (rc == VLM_ERR_MODEL) r->any_case_error = true; /* each failed case is stored as an error */
    return rc == VLM_ERR_STOPPED ? rc : VLM_OK;
}

/* Answer the pending cases: all through `e` at once, or, for a remote model
 * with concurrency N > 1 (or a model that failed to load), case by case on N
 * workers with an engine each. */
static int answer_pending(struct runner *r, struct vlm_model_spec *m, vlm_engine *e, int64_t model_id,
                          struct pending *p, struct vlm_run_model_summary *ms) {
    bool remote = m->engine.remote.n_urls > 0;
    if (e && (!remote || m->engine.remote.concurrency <= 1)) return answer_together(r, e, model_id, p, ms);
    int n_workers = e && remote ? m->engine.remote.concurrency : 1;
    if (n_workers > p->n) n_workers = p->n > 0 ? p->n : 1;
    struct worker *w = xcalloc((size_t)n_workers, sizeof *w);
    pthread_t *threads = xcalloc((size_t)n_workers, sizeof *threads);
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    if (n_workers > 1) r->lock = &mutex;
    for (int i = 0; i < n_workers; i++) {
        char err[512];
        w[i] = (struct worker){r, p, i == 0 ? e : vlm_engine_init(m->engine, err, sizeof err), model_id, ms->error, ms};
        if (i > 0 && w[i].e && pthread_create(&threads[i], NULL, work, &w[i]) != 0) {
            vlm_engine_free(w[i].e);
            w[i].e = NULL;
        }
    }
    work(&w[0]);
    for (int i = 1; i < n_workers; i++) {
        if (!w[i].e) continue;
        pthread_join(threads[i], NULL);
        vlm_engine_free(w[i].e);
    }
    r->lock = NULL;
    free(threads);
    free(w);
    return p->rc;
}

/* A variant made on demand: quantize the reference's model when the variant's
 * file is not there yet (docs/quantize.md). */
static int make_variant_file(struct runner *r, const struct vlm_model_spec *m, char *err, size_t err_len) {
    if (!m->quantize_from || access(m->engine.model_path, R_OK) == 0) return VLM_OK;
    say(r, "model %s: quantizing %s to %s", m->name, m->quantize_from, m->variant);
    struct vlm_quant_params qp = vlm_quant_default_params();
    qp.n_threads = m->engine.n_threads;
    qp.on_message = r->params->on_message;
    qp.user = r->params->user;
    struct vlm_quant_summary qs;
    const char *type = m->variant;
    char *dir = util_dirname(m->engine.model_path);
    int rc = vlm_quantize(m->quantize_from, &type, 1, dir, &qp, &qs, err, err_len);
    free(dir);
    return rc;
}

/* The engine held from an earlier model when m differs from that model only
 * in per-request settings (vlm_engine_retune: rows of a sweep), switched to
 * m's settings; else NULL, the held engine freed so that m loads alone. */
static vlm_engine *share_load(struct runner *r, struct vlm_model_spec *m) {
    char why[256];
    vlm_engine *e = r->held;
    r->held = NULL;
    if (e && vlm_engine_retune(e, &m->engine, why, sizeof why) == VLM_OK) {
        say(r, "model %s: shares the model load of %s (they differ only in per-request settings)", m->name,
            r->held_for);
        return e;
    }
    vlm_engine_free(e);
    return NULL;
}

/* Load m (making its file first when it is a variant made on demand); NULL
 * with ms->error set when it cannot be loaded. (Whether it shares the held
 * engine was settled before: share_load.) */
static vlm_engine *load_model(struct runner *r, struct vlm_model_spec *m, struct vlm_run_model_summary *ms) {
    char err[1024];
    vlm_engine *e = NULL;
    snprintf(r->held_for, sizeof r->held_for, "%s", m->name);
    struct vlm_engine_params ep = m->engine;
    ep.on_message = r->params->on_message; /* an hf: model's download news (docs/hub.md) */
    ep.message_user = r->params->user;
    if (make_variant_file(r, m, err, sizeof err) == VLM_OK) e = vlm_engine_init(ep, err, sizeof err);
    if (!e) {
        snprintf(ms->error, sizeof ms->error, "%.500s", err);
        say(r, "model %s: %s", m->name, err);
    } else {
        ms->load_ms = vlm_engine_info(e)->load_ms;
    }
    return e;
}

/* The model's stored figures into its summary; percentiles of its e2e times. */
static int summarize(struct runner *r, int64_t model_id, struct vlm_run_model_summary *ms) {
    double *e2e;
    int n;
    if (store_model_stats(r->store, model_id, ms, &e2e, &n) != VLM_OK) {
        say(r, "error: cannot read the store: %s", store_error(r->store));
        return VLM_ERR_IO;
    }
    ms->e2e_ms_p50 = vlm_percentile(e2e, n, 0.50);
    ms->e2e_ms_p90 = vlm_percentile(e2e, n, 0.90);
    ms->e2e_ms_p95 = n > 0 ? vlm_percentile(e2e, n, 0.95) : NAN;
    free(e2e);
    return VLM_OK;
}

/* The KL pass of a family member after its answers (family.c). */
static int family_pass(struct runner *r, vlm_engine *e, int64_t model_id, const struct vlm_model_spec *m) {
    if (!m->family[0] || m->engine.remote.n_urls > 0) return VLM_OK;
    int n = family_kl(r->store, e, model_id, m, r->usable, r->n_usable, r->params->on_message, r->params->user);
    if (n > 0) say(r, "model %s: next-token distributions compared with %s's on %d prompts", m->name, m->family, n);
    if (stop_requested()) return VLM_ERR_STOPPED;
    return n < 0 ? n : VLM_OK;
}

/* The model's generate cases, drawn through its images endpoint (run_gen.c);
 * those stored now count as run. */
static int gen_pass(struct runner *r, const struct vlm_model_spec *m, int64_t model_id,
                    struct vlm_run_model_summary *ms) {
    for (int i = 0; i < r->n_suites; i++) {
        if (!r->suites[i]) continue;
        int n = vlm_suite_n_cases(r->suites[i]);
        const vlm_case **cases = xcalloc((size_t)n + 1, sizeof *cases);
        int n_taken = 0;
        for (int k = 0; k < n; k++)
            if (in_shard(r, vlm_suite_case(r->suites[i], k))) cases[n_taken++] = vlm_suite_case(r->suites[i], k);
        int rc = run_gen_model(r->store, r->params->db_path ? r->params->db_path : "vlmeter.db", model_id, r->run_id, m,
                               cases, n_taken, r->params->retry_errors, r->params->on_message, r->params->user,
                               &ms->n_run);
        free(cases);
        if (rc < 0) return rc;
        if (rc > 0) r->any_case_error = true;
    }
    return VLM_OK;
}

/* --decide: the model's stored cases fed to the decider; when they settle
 * its verdicts already, nothing is left to answer. */
static int decide_begin(struct runner *r, const struct vlm_model_spec *m, int64_t model_id, struct pending *p) {
    r->decided = false;
    if (!r->decide) return VLM_OK;
    if (run_decide_begin(r->store, r->decide, model_id, r->params->retry_errors) != VLM_OK) {
        say(r, "error: cannot read the store: %s", store_error(r->store));
        return VLM_ERR_IO;
    }
    if (decide_state(r->decide) != DECIDE_OPEN && p->n > 0) {
        say(r, "model %s: its stored answers settle every verdict already; nothing more to answer", m->name);
        p->n = 0;
    }
    return VLM_OK;
}

/* --decide: the model's verdicts into the store, and a line about them. */
static int decide_record(struct runner *r, const struct vlm_model_spec *m, int64_t model_id) {
    char line[1024];
    run_decide_describe(r->decide, line, sizeof line);
    say(r, "model %s: %s", m->name, line);
    if (run_decide_record(r->store, r->decide, model_id, r->run_id) == VLM_OK) return VLM_OK;
    store_failed(r, "storing model %s's verdicts", m->name);
    return VLM_ERR_IO;
}

/* Answer a claimed model: its generate cases, its pending cases, its KL pass
 * and its summary. */
static int answer_model(struct runner *r, struct vlm_model_spec *m, int64_t model_id,
                        struct vlm_run_model_summary *ms) {
    int rc = gen_pass(r, m, model_id, ms);
    if (rc != VLM_OK) {
        /* (an images folder that cannot be made was said by the pass itself) */
        if (rc == VLM_ERR_IO && store_error(r->store)[0]) store_failed(r, "storing model %s's images", m->name);
        return rc;
    }
    struct pending pending;
    collect_pending(r, model_id, &pending);
    ms->n_skipped = r->n_shard_cases - pending.n_unfinished - ms->n_run; /* n_run: generate cases so far */
    rc = decide_begin(r, m, model_id, &pending);
    if (rc != VLM_OK) {
        free_pending(&pending);
        return rc;
    }
    bool kl_todo = m->family[0] && m->engine.remote.n_urls == 0 &&
                   family_kl_todo(r->store, model_id, m, r->usable, r->n_usable) > 0;
    if (pending.n == 0 && !kl_todo) free_pending(&pending);
    if (pending.n > 0 || kl_todo) {
        vlm_rss_peak_reset();
        /* GPU (NVML) while a local model loads, then while it answers: docs/metrics.md */
        char gpu_why[512] = "";
        /* the held engine shared or freed first, so that the load phase sees m alone; a shared
         * engine's load_ms is 0: the load is recorded once (docs/metrics.md) */
        vlm_engine *e = share_load(r, m);
        bool shared = e != NULL;
        bool gpu_layers = !m->engine.remote.n_urls && m->engine.n_gpu_layers != 0 && !m->engine.rpc_servers;
        gpu_sampler *gs = gpu_layers ? gpu_sampler_start(gpu_period_ms(r), gpu_why, sizeof gpu_why) : NULL;
        if (!e) e = load_model(r, m, ms);
        gpu_sampler_next_phase(gs);
        if (gpu_why[0]) say_gpu_off(r, e, gpu_why);
        r->model_name = m->name;
        r->done = 0;
        r->todo = pending.n;
        r->started_ms = util_now_ms();
        r->last_tps = 0;
        r->no_vision = false;
        scrape *sm = store_metrics_start(&m->engine.remote); /* server metrics: docs/metrics.md */
        rc = answer_pending(r, m, e, model_id, &pending, ms);
        int mrc = store_metrics_end(r->store, sm, r->run_id, model_id, false, r->params->on_message, r->params->user);
        if (rc == VLM_OK) rc = mrc;
        const char *bus_ids = e ? vlm_engine_info(e)->gpu_bus_ids : NULL; /* the model's GPUs */
        if (store_gpu_end(r->store, gs, r->run_id, model_id, bus_ids) != VLM_OK && rc == VLM_OK) rc = VLM_ERR_IO;
        free_pending(&pending);
        if (e && rc == VLM_OK) rc = family_pass(r, e, model_id, m);
        if (e) {
            ms->rss_peak_bytes = vlm_rss_peak_bytes();
            ms->gpu_mem_bytes = vlm_engine_info(e)->gpu_mem_bytes;
            ms->model_bytes = vlm_engine_info(e)->model_bytes;
            ms->mmproj_bytes = vlm_engine_info(e)->mmproj_bytes;
            ms->n_params = vlm_engine_info(e)->n_params;
            if (vlm_engine_stats(e)) ms->reuse = *vlm_engine_stats(e);
            struct vlm_model_info info = *vlm_engine_info(e);
            if (shared) info.load_ms = 0; /* loaded for an earlier row: its load is counted there */
            if (vlm_store_model_load(r->store, model_id, r->run_id, &info, vlm_engine_stats(e), ms->rss_peak_bytes) !=
                    VLM_OK &&
                rc == VLM_OK)
                rc = VLM_ERR_IO;
            if (rc == VLM_OK) r->held = e; /* the next model may share it (share_load) */
            else vlm_engine_free(e);
        }
        if (r->params->progress) fputs("\r\033[K", stderr);
        if (rc != VLM_OK) {
            if (rc == VLM_ERR_IO) store_failed(r, "storing model %s's figures", m->name);
            return rc;
        }
    }
    if (r->decide && decide_record(r, m, model_id) != VLM_OK) return VLM_ERR_IO;
    return summarize(r, model_id, ms);
}

/* Claim model_id for this run (store_claims.c): true when it is this run's
 * now; false with *rc VLM_OK when another live vlmeter runs it (said, and
 * the caller marks it busy), or with *rc VLM_ERR_IO. */
static bool claim(struct runner *r, const struct vlm_model_spec *m, int64_t model_id, int *rc) {
    enum store_claim_result got;
    struct store_claim owner;
    *rc = store_claim_model(r->store, model_id, r->run_id, &got, &owner);
    if (*rc != VLM_OK) {
        store_failed(r, "claiming model %s for this run", m->name);
        return false;
    }
    if (got == CLAIM_TAKEN_OVER)
        say(r, "model '%s': taking over the claim of a vlmeter that is gone (pid %ld, since %s)", m->name, owner.pid,
            owner.since);
    if (got != CLAIM_BUSY) return true;
    say(r,
        "model '%s' is being run by another vlmeter (pid %ld, since %s) on store '%s'; skipped: run again when it "
        "finishes",
        m->name, owner.pid, owner.since, db_path(r));
    return false;
}

/* Run one model of the plan: stored under its name, claimed, answered, its
 * claim released. *busy: skipped, another vlmeter runs it. */
static int run_model(struct runner *r, struct vlm_model_spec *m, struct vlm_run_model_summary *ms, bool *busy) {
    snprintf(ms->name, sizeof ms->name, "%s", m->name);
    ms->n_cases = r->n_shard_cases;
    char err[1024];
    char *settings = run_settings_json(&m->engine);
    int64_t model_id = 0;
    int rc = vlm_store_model(r->store, m->name, settings, &model_id, err, sizeof err);
    free(settings);
    if (rc == VLM_OK) rc = vlm_store_model_family(r->store, model_id, m->family, m->variant);
    if (rc == VLM_OK && store_model_gpu(r->store, model_id, &m->engine.remote) != VLM_OK) rc = VLM_ERR_IO; /* gpu= */
    if (rc == VLM_ERR_IO) {
        store_failed(r, "storing model %s", m->name);
        snprintf(ms->error, sizeof ms->error, "%.500s", r->store_msg);
        return rc;
    }
    if (rc != VLM_OK) {
        snprintf(ms->error, sizeof ms->error, "%.500s", err);
        say(r, "error: %s", ms->error);
        return VLM_OK;
    }
    if (!claim(r, m, model_id, &rc)) {
        *busy = rc == VLM_OK;
        return rc;
    }
    rc = answer_model(r, m, model_id, ms);
    /* a release that fails (the disk is full) leaves a claim the next run finds stale */
    if (store_claim_release(r->store, model_id) != VLM_OK && rc == VLM_OK) {
        store_failed(r, "releasing the claim on model %s", m->name);
        rc = VLM_ERR_IO;
    }
    return rc;
}

/* ------------------------------------------------------------ the run */

/* Models from..to-1 of the plan in order, until one fails for good. */
static int run_models(struct runner *r, vlm_plan *plan, struct vlm_run_summary *sum, int from, int to) {
    int rc = VLM_OK;
    for (int i = from; i < sum->n_models && i < to && rc == VLM_OK; i++) {
        bool busy = false;
        rc = run_model(r, vlm_plan_model(plan, i), &sum->models[i], &busy);
        if (!busy) continue;
        r->busy[i] = true; /* shown in the summary; not a failed model */
        snprintf(sum->models[i].error, sizeof sum->models[i].error, "skipped: another vlmeter runs it");
    }
    return rc;
}

/* --decide: the decider over the run's cases, from the plan's requirements
 * and decide settings. VLM_ERR_INPUT with err when it cannot decide. */
static int decide_setup(struct runner *r, vlm_plan *plan, char *err, size_t err_len) {
    const struct vlm_decide_params *dp = vlm_plan_decide(plan);
    if (!dp->on) return VLM_OK;
    const struct vlm_requirements *req = vlm_plan_requirements(plan);
    if (!req || req->n_acc == 0) {
        util_errf(err, err_len, "--decide needs requirements.min_accuracy in the plan (docs/plan-format.md)");
        return VLM_ERR_INPUT;
    }
    const vlm_case **cases = xcalloc((size_t)r->n_cases_total + 1, sizeof *cases);
    int n = 0;
    for (int i = 0; i < r->n_suites; i++)
        for (int k = 0; r->suites[i] && k < vlm_suite_n_cases(r->suites[i]); k++)
            if (answered_here(r, vlm_suite_case(r->suites[i], k))) cases[n++] = vlm_suite_case(r->suites[i], k);
    char note[1024];
    r->decide = decide_new(cases, n, req, dp->alpha, dp->seed, note, sizeof note, err, err_len);
    free(cases);
    if (!r->decide) return VLM_ERR_INPUT;
    if (note[0]) say(r, "decide: %s", note);
    r->draw_limit = decide_n(r->decide);
    return VLM_OK;
}

/* --decide with escalate: whether a model whose accuracy verdicts all passed
 * also meets the requirements a run can measure: max_p95_ms over its stored
 * e2e times, and max_memory_gib over the memory it held (GPU, else peak RSS,
 * with the requirements' headroom, as docs/cost.md sizes it). A figure not
 * measured does not hold the run back; the report judges it. false with why. */
static bool escalate_meets(const struct vlm_requirements *req, const struct vlm_run_model_summary *ms, char *why,
                           size_t len) {
    if (req->max_p95_ms > 0 && isfinite(ms->e2e_ms_p95) && ms->e2e_ms_p95 > req->max_p95_ms) {
        snprintf(why, len, "p95 %.0f ms > %.0f ms", ms->e2e_ms_p95, req->max_p95_ms);
        return false;
    }
    double measured = ms->gpu_mem_bytes ? (double)ms->gpu_mem_bytes : (double)ms->rss_peak_bytes;
    if (req->max_memory_gib > 0 && measured > 0) {
        double need = vlm_fit_need_bytes(measured, (double)ms->model_bytes, (double)ms->mmproj_bytes,
                                         (double)ms->n_params, 0, NULL);
        double gib = need * (1 + req->headroom) / 1073741824.0;
        if (gib > req->max_memory_gib) {
            snprintf(why, len, "needs %.1f GiB with headroom > max %.1f GiB", gib, req->max_memory_gib);
            return false;
        }
    }
    return true;
}

/* --decide: with `screen`, every model answers the first share of the draw
 * order, then those not failed the rest; with `escalate`, models go in plan
 * order and the first whose accuracy verdicts all pass and which meets
 * max_p95_ms and max_memory_gib (escalate_meets) ends the run. */
static int run_models_deciding(struct runner *r, vlm_plan *plan, struct vlm_run_summary *sum) {
    const struct vlm_decide_params *dp = vlm_plan_decide(plan);
    int n_draw = decide_n(r->decide), rc = VLM_OK;
    if (dp->screen > 0) {
        r->draw_limit = (int)ceil(dp->screen * n_draw);
        say(r, "decide: screening every model on the first %d of %d cases of the draw order", r->draw_limit, n_draw);
        rc = run_models(r, plan, sum, 0, INT_MAX);
        r->draw_limit = n_draw;
        if (rc != VLM_OK) return rc;
    }
    for (int i = 0; i < sum->n_models && rc == VLM_OK; i++) {
        rc = run_models(r, plan, sum, i, i + 1);
        if (rc != VLM_OK || !dp->escalate || decide_state(r->decide) != DECIDE_PASSED) continue;
        char why[256];
        if (!escalate_meets(vlm_plan_requirements(plan), &sum->models[i], why, sizeof why)) {
            say(r, "model %s: meets every accuracy requirement but %s: the next model runs (decide.escalate)",
                sum->models[i].name, why);
            continue;
        }
        for (int k = i + 1; k < sum->n_models; k++)
            say(r, "model %s: not run: %s met every requirement first (decide.escalate)", vlm_plan_model(plan, k)->name,
                vlm_plan_model(plan, i)->name);
        sum->n_models = i + 1; /* the summary lists the models run */
        break;
    }
    return rc;
}

/* Whether any model of the plan runs in process (llama.cpp's system info is
 * then worth recording; a remote-only run never starts llama.cpp). */
static bool plan_has_local(vlm_plan *plan) {
    for (int i = 0; i < vlm_plan_n_models(plan); i++)
        if (vlm_plan_model(plan, i)->engine.remote.n_urls == 0) return true;
    return false;
}

/* The run's end in the store: every claim of this process released (an
 * interrupted run's too), the end time written, and the write-ahead log
 * checkpointed so that a failed sync is seen (store_checkpoint). The run's
 * result, rc or the store's failure, with err set for VLM_ERR_IO. */
static int end_run(struct runner *r, int rc, char *err, size_t err_len) {
    bool failed_before = r->store_msg[0] != '\0';
    if (!failed_before) { /* after a failed write, one more is not tried: nothing else is stored */
        if (store_claim_release(r->store, -1) != VLM_OK) store_failed(r, "releasing this run's claims");
        else if (vlm_store_end_run(r->store, r->run_id) != VLM_OK) store_failed(r, "recording the run's end");
        else if (store_checkpoint(r->store) != VLM_OK)
            store_failed(r, "copying the write-ahead log into the store (a checkpoint)");
        if (r->store_msg[0] && rc == VLM_OK) rc = VLM_ERR_IO;
    }
    if (rc == VLM_ERR_IO)
        util_errf(err, err_len, "%s", r->store_msg[0] ? r->store_msg : "the store could not be written");
    return rc;
}

int vlm_run(vlm_plan *plan, const struct vlm_run_params *params, struct vlm_run_summary *sum, char *err,
            size_t err_len) {
    memset(sum, 0, sizeof *sum);
    stop_clear();
    if (params->shard_count < 0 ||
        (params->shard_count > 0 && (params->shard_index < 1 || params->shard_index > params->shard_count))) {
        util_errf(err, err_len, "shard %d/%d: the shard must be 1 to N", params->shard_index, params->shard_count);
        return VLM_ERR_INPUT;
    }
    struct runner r;
    memset(&r, 0, sizeof r);
    r.params = params;
    r.store = vlm_store_open(params->db_path ? params->db_path : "vlmeter.db", err, err_len);
    if (!r.store) return VLM_ERR_IO;
    struct vlm_host host;
    vlm_host_read(&host);
    r.run_id = vlm_store_begin_run(r.store, &host, params->argv_line, vlm_llama_version(),
                                   plan_has_local(plan) ? vlm_llama_system_info() : NULL);
    if (r.run_id < 0) {
        store_failed(&r, "recording the run's start");
        util_errf(err, err_len, "%s", r.store_msg);
        vlm_store_close(r.store);
        return VLM_ERR_IO;
    }

    load_suites(&r, plan, sum);
    sum->n_models = vlm_plan_n_models(plan);
    sum->models = xcalloc((size_t)sum->n_models + 1, sizeof *sum->models);
    r.busy = xcalloc((size_t)sum->n_models + 1, sizeof *r.busy);
    int rc = decide_setup(&r, plan, err, err_len);
    if (rc == VLM_OK) rc = r.decide ? run_models_deciding(&r, plan, sum) : run_models(&r, plan, sum, 0, INT_MAX);
    vlm_engine_free(r.held);
    decide_free(r.decide);

    rc = end_run(&r, rc, err, err_len);
    int n_busy = 0;
    for (int i = 0; i < sum->n_models; i++) {
        n_busy += r.busy[i];
        if ((sum->models[i].error[0] && !r.busy[i]) || sum->models[i].n_errors) r.any_case_error = true;
    }
    free(r.busy);
    for (int i = 0; i < r.n_suites; i++) vlm_suite_free(r.suites[i]);
    free(r.suites);
    free(r.usable);
    vlm_store_close(r.store);
    if (rc == VLM_OK && n_busy > 0 && n_busy == sum->n_models) {
        util_errf(err, err_len,
                  "store '%s' is busy: another vlmeter is running every model of the plan on it; run again when it "
                  "finishes",
                  db_path(&r));
        rc = VLM_ERR_IO;
    }

    sum->stopped = rc == VLM_ERR_STOPPED;
    if (rc == VLM_ERR_STOPPED) {
        util_errf(err, err_len, "stopped; run the same command again to resume");
        return rc;
    }
    if (rc == VLM_ERR_IO) return rc;
    if (r.any_case_error) {
        util_errf(err, err_len, "some cases failed; they are stored as errors");
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

void vlm_run_summary_free(struct vlm_run_summary *s) {
    free(s->models);
    s->models = NULL;
    s->n_models = 0;
}
