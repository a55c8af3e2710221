/*
 * store_grade.c - the queries of scoring (grade.c): the stored turns to score
 * with their case's scorer and choices, the suites' fixed references written
 * over the stored ones, the scores table, and a judge model's verdicts kept
 * for reuse (table judgments).
 */
#include "store_impl.h"
#include "util.h"

#include <stdlib.h>

int store_grade_each_turn(vlm_store *s, int (*cb)(const struct store_grade_turn *t, void *user), void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables answers and cases",
            "SELECT a.model_id, a.suite, a.case_id, a.turn, a.prompt, a.expected, a.output, a.error,"
            " c.scorer, c.choices, a.reasoning_state = 'unclosed', s.scorer FROM answers a LEFT JOIN cases c"
            " ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
            " LEFT JOIN scores s ON s.model_id=a.model_id AND s.suite=a.suite AND s.case_id=a.case_id"
            " AND s.turn=a.turn"
            " ORDER BY a.model_id, a.suite, a.case_id, a.turn") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_grade_turn t = {
            .model_id = store_col_int(&q, 0),
            .suite = store_col_text(&q, 1),
            .case_id = store_col_text(&q, 2),
            .turn = (int)store_col_int(&q, 3),
            .prompt = store_col_text(&q, 4),
            .expected = store_col_text(&q, 5),
            .output = store_col_text(&q, 6),
            .error = store_col_text(&q, 7),
            .scorer = store_col_text(&q, 8),
            .choices = store_col_text(&q, 9),
            .reasoning_unclosed = store_col_int(&q, 10) == 1,
            .scored_by = store_col_text(&q, 11),
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

static const char *const UPDATE_CASE_SQL =
    "UPDATE cases SET category=?1, scorer=?2, choices=?3, groups=?6, categories=?7 WHERE suite=?4 AND case_id=?5";
static const char *const UPDATE_EXPECTED_SQL =
    "UPDATE answers SET expected=?1 WHERE suite=?2 AND case_id=?3 AND turn=?4 AND expected IS NOT ?1";

int store_grade_update_case(vlm_store *s, const vlm_case *c, int *n_refs_updated) {
    store_q q;
    if (store_q_cached(s, &q, "updating table cases", UPDATE_CASE_SQL) != VLM_OK) return VLM_ERR_IO;
    char *choices = c->n_choices ? store_json_strings(c->choices, c->n_choices) : NULL;
    store_bind_text(&q, 1, c->category);
    store_bind_text(&q, 2, c->scorer);
    store_bind_text(&q, 3, choices);
    store_bind_text(&q, 4, c->suite);
    store_bind_text(&q, 5, c->id);
    store_bind_text(&q, 6, c->groups);
    store_bind_text(&q, 7, c->categories);
    int rc = store_q_write(&q);
    free(choices);
    for (int t = 0; rc == VLM_OK && t < c->n_turns; t++) {
        if (store_q_cached(s, &q, "updating table answers", UPDATE_EXPECTED_SQL) != VLM_OK) return VLM_ERR_IO;
        store_bind_text(&q, 1, c->expected ? c->expected[t] : NULL);
        store_bind_text(&q, 2, c->suite);
        store_bind_text(&q, 3, c->id);
        store_bind_int(&q, 4, t);
        rc = store_q_write(&q);
        if (rc == VLM_OK) *n_refs_updated += store_changes(s);
    }
    return rc;
}

int store_grade_clear_scores(vlm_store *s) { return store_exec(s, "deleting from table scores", "DELETE FROM scores"); }

int store_grade_put_score(vlm_store *s, int64_t model_id, const char *suite, const char *case_id, int turn,
                          const char *scorer, const struct vlm_score *sc) {
    store_q q;
    if (store_q_cached(s, &q, "writing table scores",
                       "INSERT OR REPLACE INTO scores(model_id, suite, case_id, turn, scorer, score, correct, unparsed,"
                       " detail, ref_score, ref_correct, ref_detail)"
                       " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"))
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    store_bind_int(&q, 4, turn);
    store_bind_text(&q, 5, scorer);
    store_bind_double(&q, 6, sc->score);
    store_bind_int(&q, 7, sc->correct);
    store_bind_int(&q, 8, sc->unparsed);
    store_bind_text(&q, 9, sc->detail);
    if (sc->has_ref) { /* no reference reading: the three stay NULL */
        store_bind_double(&q, 10, sc->ref_score);
        store_bind_int(&q, 11, sc->ref_correct);
        store_bind_text(&q, 12, sc->ref_detail);
    }
    return store_q_write(&q);
}

int store_judgment_get(vlm_store *s, const char *judge, const char *prompt, const char *expected, const char *output,
                       bool *found, int *verdict, char **raw) {
    store_q q;
    *found = false;
    if (store_q_cached(s, &q, "reading table judgments",
                       "SELECT verdict, raw FROM judgments WHERE judge=?1 AND prompt=?2"
                       " AND expected=?3 AND output=?4") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, judge);
    store_bind_text(&q, 2, prompt);
    store_bind_text(&q, 3, expected);
    store_bind_text(&q, 4, output);
    if (store_q_row(&q)) {
        *found = true;
        *verdict = (int)store_col_int(&q, 0);
        const char *text = store_col_text(&q, 1);
        *raw = xstrdup(text ? text : "");
    }
    return store_q_end(&q, VLM_OK);
}

int store_judgment_put(vlm_store *s, const char *judge, const char *prompt, const char *expected, const char *output,
                       int verdict, const char *raw) {
    store_q q;
    if (store_q_cached(s, &q, "writing table judgments",
                       "INSERT OR REPLACE INTO judgments VALUES(?1,?2,?3,?4,?5,?6)") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, judge);
    store_bind_text(&q, 2, prompt);
    store_bind_text(&q, 3, expected);
    store_bind_text(&q, 4, output);
    store_bind_int(&q, 5, verdict);
    store_bind_text(&q, 6, raw);
    return store_q_write(&q);
}
