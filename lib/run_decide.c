/*
 * run_decide.c - the run's side of deciding early (run_decide.h): feeding a
 * decider the stored cases of a model and each turn as it is answered, and
 * keeping its verdicts in the store.
 */
#include "run_decide.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stored turns of one case, gathered row by row. */
struct stored_case {
    decider *d;
    bool retrying; /* cases stored as errors are answered again: not fed */
    char suite[256], case_id[256];
    const vlm_case *c; /* NULL: not a case of this run (another shard's, or gone from the suite) */
    int rank;
    struct case_credit cc;
    bool open;
};

static void flush_case(struct stored_case *sc) {
    if (!sc->open) return;
    sc->open = false;
    if (sc->rank < 0) return;
    if (sc->cc.na) decide_not_applicable(sc->d, sc->rank);
    else decide_done(sc->d, sc->rank, sc->cc.n ? sc->cc.sum / sc->cc.n : NAN);
}

static int on_stored_turn(const struct store_decide_turn *t, void *user) {
    struct stored_case *sc = user;
    if (!sc->open || strcmp(sc->suite, t->suite) != 0 || strcmp(sc->case_id, t->case_id) != 0) {
        flush_case(sc);
        snprintf(sc->suite, sizeof sc->suite, "%s", t->suite);
        snprintf(sc->case_id, sizeof sc->case_id, "%s", t->case_id);
        vlm_case key = {.suite = sc->suite, .id = sc->case_id};
        bool retried = sc->retrying && t->status && strcmp(t->status, "error") == 0;
        sc->rank = retried ? -1 : decide_rank(sc->d, &key);
        sc->c = decide_case(sc->d, sc->rank);
        memset(&sc->cc, 0, sizeof sc->cc);
        sc->cc.na = t->status && strcmp(t->status, "na") == 0;
        sc->open = true;
    }
    double credit;
    if (sc->c && t->turn >= 0 && decide_turn_credit(sc->c, t->turn, t->output, t->error, t->unclosed, &credit)) {
        sc->cc.sum += credit;
        sc->cc.n++;
    }
    return VLM_OK;
}

int run_decide_begin(vlm_store *s, decider *d, int64_t model_id, bool retrying) {
    decide_begin_model(d);
    struct stored_case sc = {.d = d, .retrying = retrying, .rank = -1};
    int rc = store_decide_each_turn(s, model_id, on_stored_turn, &sc);
    if (rc == VLM_OK) flush_case(&sc);
    return rc;
}

bool run_decide_turn(decider *d, int rank, const vlm_case *c, const struct vlm_turn_result *tr,
                     struct case_credit *cc) {
    if (tr->error && tr->no_vision) {
        decide_not_applicable(d, rank);
        return true;
    }
    double credit;
    if (decide_turn_credit(c, tr->turn, tr->output, tr->error, tr->reasoning_state == VLM_REASONING_UNCLOSED,
                           &credit)) {
        cc->sum += credit;
        cc->n++;
    }
    if (!tr->error && tr->turn < c->n_turns - 1) return false;
    decide_done(d, rank, cc->n ? cc->sum / cc->n : NAN);
    return true;
}

static const char *state_name(enum decide_state st) {
    return st == DECIDE_PASSED ? "passed" : st == DECIDE_FAILED ? "failed" : "open";
}

int run_decide_record(vlm_store *s, const decider *d, int64_t model_id, int64_t run_id) {
    int rc = store_decide_clear(s, model_id);
    const char *state = state_name(decide_state(d));
    for (int i = 0; rc == VLM_OK && i < decide_n_verdicts(d); i++) {
        struct decide_verdict v;
        decide_verdict(d, i, &v);
        struct store_decision row = {
            v.category,         v.threshold, v.verdict,       v.lo,           v.hi, decide_n_used(d),
            decide_n_scored(d), decide_n(d), decide_alpha(d), decide_seed(d), state};
        rc = store_decide_put(s, model_id, run_id, &row);
    }
    return rc;
}

void run_decide_describe(const decider *d, char *line, size_t len) {
    enum decide_state st = decide_state(d);
    size_t at = (size_t)snprintf(line, len, "%s after %d of %d cases (alpha %g):",
                                 st == DECIDE_OPEN     ? "not settled"
                                 : st == DECIDE_PASSED ? "every requirement met"
                                                       : "a requirement failed",
                                 decide_n_used(d), decide_n(d), decide_alpha(d));
    for (int i = 0; i < decide_n_verdicts(d) && at < len; i++) {
        struct decide_verdict v;
        decide_verdict(d, i, &v);
        at += (size_t)snprintf(line + at, len - at, "%s accuracy %s >= %.2f %s (%.2f..%.2f)", i ? "," : "", v.category,
                               v.threshold,
                               v.verdict > 0   ? "met"
                               : v.verdict < 0 ? "not met"
                                               : "open",
                               v.lo, v.hi);
    }
}
