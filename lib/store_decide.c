/*
 * store_decide.c - table `decisions` (docs/store-schema.md): what
 * `vlmeter run --decide` settled for each model and min_accuracy
 * requirement, and the stored turns a resumed run feeds back to its decider.
 * The verdicts themselves are computed in the drive layer (decide.c); this
 * file only keeps and reads them.
 */
#include "store_impl.h"
#include "util.h"

int store_decide_clear(vlm_store *s, int64_t model_id) {
    store_q q;
    if (store_q_prepare(s, &q, "clearing table decisions", "DELETE FROM decisions WHERE model_id=?1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    return store_q_write(&q);
}

int store_decide_put(vlm_store *s, int64_t model_id, int64_t run_id, const struct store_decision *d) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table decisions",
                        "INSERT OR REPLACE INTO decisions(model_id, run_id, requirement, threshold, verdict, ci_low,"
                        " ci_high, n_used, n_scored, n_cases, alpha, seed, state, created_at)"
                        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
                        "strftime('%Y-%m-%dT%H:%M:%fZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_int(&q, 2, run_id);
    store_bind_text(&q, 3, d->requirement);
    store_bind_double(&q, 4, d->threshold);
    store_bind_int(&q, 5, d->verdict);
    store_bind_double(&q, 6, d->ci_low);
    store_bind_double(&q, 7, d->ci_high);
    store_bind_int(&q, 8, d->n_used);
    store_bind_int(&q, 9, d->n_scored);
    store_bind_int(&q, 10, d->n_cases);
    store_bind_double(&q, 11, d->alpha);
    store_bind_int(&q, 12, (int64_t)d->seed);
    store_bind_text(&q, 13, d->state);
    return store_q_write(&q);
}

int store_decide_each_turn(vlm_store *s, int64_t model_id, int (*cb)(const struct store_decide_turn *t, void *user),
                           void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading tables cases and answers",
                        "SELECT c.suite, c.case_id, c.status, a.turn, a.output, a.error,"
                        " a.reasoning_state = 'unclosed' FROM cases c LEFT JOIN answers a"
                        " ON a.model_id=c.model_id AND a.suite=c.suite AND a.case_id=c.case_id"
                        " WHERE c.model_id=?1 ORDER BY c.suite, c.case_id, a.turn") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_decide_turn t = {
            .suite = store_col_text(&q, 0),
            .case_id = store_col_text(&q, 1),
            .status = store_col_text(&q, 2),
            .turn = store_col_text(&q, 3) ? (int)store_col_int(&q, 3) : -1,
            .output = store_col_text(&q, 4),
            .error = store_col_text(&q, 5),
            .unclosed = store_col_int(&q, 6) == 1,
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

int store_report_decisions(vlm_store *s, json_t **out) {
    json_t *a = json_array();
    store_q q;
    int rc = store_q_prepare(s, &q, "reading table decisions",
                             "SELECT m.name, d.requirement, d.threshold, d.verdict, d.ci_low, d.ci_high, d.n_used,"
                             " d.n_scored, d.n_cases, d.alpha, d.seed, d.state,"
                             " (SELECT count(*) FROM cases c WHERE c.model_id=d.model_id)"
                             " FROM decisions d JOIN models m ON m.id=d.model_id ORDER BY m.id, d.rowid");
    while (rc == VLM_OK && store_q_row(&q)) {
        json_t *o = json_pack("{s:s, s:s, s:f, s:I, s:f, s:f, s:I, s:I, s:I, s:f, s:I, s:s, s:I}", "model",
                              store_col_text(&q, 0), "requirement", store_col_text(&q, 1), "threshold",
                              store_col_double(&q, 2), "verdict", store_col_int(&q, 3), "ci_low",
                              store_col_double(&q, 4), "ci_high", store_col_double(&q, 5), "n_used",
                              store_col_int(&q, 6), "n_scored", store_col_int(&q, 7), "n_cases", store_col_int(&q, 8),
                              "alpha", store_col_double(&q, 9), "seed", store_col_int(&q, 10), "state",
                              store_col_text(&q, 11) ? store_col_text(&q, 11) : "", "n_stored", store_col_int(&q, 12));
        json_array_append_new(a, o);
    }
    if (rc == VLM_OK) rc = store_q_end(&q, VLM_OK);
    if (rc != VLM_OK) {
        json_decref(a);
        a = NULL;
    }
    *out = a;
    return rc;
}
