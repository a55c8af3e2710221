/*
 * report_bench.c - the report's figures of `vlmeter bench` that need the
 * statistics (docs/report-schema.md, "bench"): each scored level's accuracy
 * with its Wilson interval and the McNemar test against the one-at-a-time
 * level of the same run, and the SLO capacity the cost section prefers
 * (docs/cost.md, "Capacity source").
 */
#include "jpath.h"
#include "report.h"

#include <string.h>

/* A level's counts as vlm_bench_accuracy reads them; false when unscored. */
static bool level_counts(const json_t *lv, struct vlm_bench_level *l) {
    memset(l, 0, sizeof *l);
    double scored, correct;
    const char *cc = jpath_str(lv, "case_correct");
    if (!jpath_num(lv, "n_scored", &scored) || scored <= 0 || !jpath_num(lv, "n_correct", &correct) || !cc)
        return false;
    l->n_scored = (int)scored;
    l->n_correct = (int)correct;
    l->case_correct = (char *)cc; /* read only */
    return true;
}

/* The first scored one-at-a-time closed-loop level of lv's model and run. */
static const json_t *reference_level(const json_t *bench, const json_t *lv) {
    const json_t *r;
    size_t i;
    json_array_foreach(bench, i, r) {
        double conc, rate, scored;
        if (!json_equal(json_object_get(r, "model"), json_object_get(lv, "model")) ||
            !json_equal(json_object_get(r, "run_id"), json_object_get(lv, "run_id")))
            continue;
        if (jpath_num(r, "concurrency", &conc) && conc == 1 && jpath_num(r, "rate", &rate) && rate <= 0 &&
            jpath_num(r, "n_scored", &scored) && scored > 0)
            return r;
    }
    return NULL;
}

void report_bench_accuracy(json_t *bench) {
    json_t *lv;
    size_t i;
    json_array_foreach(bench, i, lv) {
        struct vlm_bench_level l, ref;
        if (!level_counts(lv, &l)) {
            json_object_set_new(lv, "accuracy", json_null());
            continue;
        }
        const json_t *r = reference_level(bench, lv);
        bool have_ref = r && level_counts(r, &ref);
        struct vlm_bench_acc a;
        vlm_bench_accuracy(have_ref ? &ref : NULL, &l, &a);
        json_object_set_new(lv, "accuracy",
                            json_pack("{s:f, s:f, s:f, s:i, s:i, s:i, s:o, s:b}", "accuracy", a.acc, "lo", a.lo, "hi",
                                      a.hi, "n_pairs", a.n_pairs, "b", a.b, "c", a.c, "p_value",
                                      have_ref ? json_real(a.p_value) : json_null(), "dropped", a.dropped));
        /* the tables' flag: a level that lost significantly more cases than it gained */
        json_object_set_new(json_object_get(lv, "accuracy"), "flag", json_string(a.dropped ? "DROPPED" : ""));
    }
}

const json_t *report_bench_capacity_of(const json_t *rep, const char *model) {
    const json_t *best = NULL, *c;
    size_t i;
    json_array_foreach(json_object_get(rep, "bench_capacity"), i, c) {
        const char *name = jpath_str(c, "model");
        double rps;
        if (name && strcmp(name, model) == 0 && jpath_num(c, "req_per_s", &rps) && rps > 0) best = c; /* the last */
    }
    return best;
}
