/*
 * store_review.c - the tables `verdicts` and `preferences`: what reviewers
 * record through `vlmeter serve` (docs/serve.md). Every row is kept (who and
 * when); the latest verdict on an answer is the one that counts. The tables
 * are made with the others (store.c's schema), so a store of any age reads.
 */
#include "store_review.h"
#include "store_impl.h"
#include "util.h"

#include <string.h>

/* Whether s is valid UTF-8 text (NULL is). */
static bool valid_utf8(const char *s) { return !s || util_utf8_valid(s, strlen(s)); }

/* The model id of `model` when it has an answer at (suite, case_id, turn); 0
 * when not (or -1 when the store could not be read). */
static int64_t answer_model(vlm_store *s, const char *model, const char *suite, const char *case_id, int turn) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table answers",
                        "SELECT m.id FROM models m JOIN answers a ON a.model_id=m.id"
                        " WHERE m.name=?1 AND a.suite=?2 AND a.case_id=?3 AND a.turn=?4") != VLM_OK)
        return -1;
    store_bind_text(&q, 1, model);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    store_bind_int(&q, 4, turn);
    int64_t id = store_q_row(&q) ? store_col_int(&q, 0) : 0;
    return store_q_end(&q, VLM_OK) == VLM_OK ? id : -1;
}

/* The id of the answer's model, or a refusal in err. */
static int find_answer(vlm_store *s, const char *model, const char *suite, const char *case_id, int turn, int64_t *id,
                       char *err, size_t err_len) {
    if (!model || !suite || !case_id) {
        util_errf(err, err_len, "a model, suite and case are needed");
        return VLM_ERR_INPUT;
    }
    *id = answer_model(s, model, suite, case_id, turn);
    if (*id < 0) {
        util_errf(err, err_len, "%s", s->err);
        return VLM_ERR_IO;
    }
    if (*id == 0) {
        util_errf(err, err_len, "no answer of model '%s' to case '%s' turn %d of suite '%s'", model, case_id, turn,
                  suite);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

static bool good_reviewer(const char *r, char *err, size_t err_len) {
    if (!r || !r[0]) util_errf(err, err_len, "a reviewer name is needed");
    else if (!valid_utf8(r)) util_errf(err, err_len, "the reviewer name is not valid UTF-8");
    else return true;
    return false;
}

int store_verdict_put(vlm_store *s, const struct store_verdict *v, char *err, size_t err_len) {
    double score;
    if (v->verdict && strcmp(v->verdict, "right") == 0) score = 1;
    else if (v->verdict && strcmp(v->verdict, "wrong") == 0) score = 0;
    else if (v->verdict && strcmp(v->verdict, "score") == 0) score = v->score;
    else {
        util_errf(err, err_len, "unknown verdict '%s' (known: right, wrong, score)", v->verdict ? v->verdict : "");
        return VLM_ERR_INPUT;
    }
    if (!(score >= 0 && score <= 1)) { /* NaN fails too */
        util_errf(err, err_len, "a score must be a number from 0 to 1");
        return VLM_ERR_INPUT;
    }
    if (!good_reviewer(v->reviewer, err, err_len)) return VLM_ERR_INPUT;
    if (!valid_utf8(v->comment)) {
        util_errf(err, err_len, "the comment is not valid UTF-8");
        return VLM_ERR_INPUT;
    }
    int64_t model_id;
    int rc = find_answer(s, v->model, v->suite, v->case_id, v->turn, &model_id, err, err_len);
    if (rc != VLM_OK) return rc;
    store_q q;
    if (store_q_prepare(s, &q, "writing table verdicts",
                        "INSERT INTO verdicts(model_id, suite, case_id, turn, verdict, score, comment, reviewer,"
                        " created_at, answer_output) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                        " strftime('%Y-%m-%dT%H:%M:%fZ','now'), a.output FROM answers a"
                        " WHERE a.model_id=?1 AND a.suite=?2 AND a.case_id=?3 AND a.turn=?4") != VLM_OK) {
        util_errf(err, err_len, "%s", s->err);
        return VLM_ERR_IO;
    }
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, v->suite);
    store_bind_text(&q, 3, v->case_id);
    store_bind_int(&q, 4, v->turn);
    store_bind_text(&q, 5, v->verdict);
    store_bind_double(&q, 6, score);
    store_bind_text(&q, 7, v->comment && v->comment[0] ? v->comment : NULL);
    store_bind_text(&q, 8, v->reviewer);
    if (store_q_write(&q) != VLM_OK) {
        util_errf(err, err_len, "%s", s->err);
        return VLM_ERR_IO;
    }
    return VLM_OK;
}

int store_preference_put(vlm_store *s, const char *suite, const char *case_id, int turn, const char *left,
                         const char *right, const char *choice, const char *reviewer, char *err, size_t err_len) {
    if (!choice || (strcmp(choice, "left") && strcmp(choice, "right") && strcmp(choice, "tie"))) {
        util_errf(err, err_len, "unknown choice '%s' (known: left, right, tie)", choice ? choice : "");
        return VLM_ERR_INPUT;
    }
    if (!good_reviewer(reviewer, err, err_len)) return VLM_ERR_INPUT;
    if (left && right && strcmp(left, right) == 0) {
        util_errf(err, err_len, "a model cannot be compared with itself ('%s')", left);
        return VLM_ERR_INPUT;
    }
    int64_t l, r;
    int rc = find_answer(s, left, suite, case_id, turn, &l, err, err_len);
    if (rc == VLM_OK) rc = find_answer(s, right, suite, case_id, turn, &r, err, err_len);
    if (rc != VLM_OK) return rc;
    store_q q;
    if (store_q_prepare(s, &q, "writing table preferences",
                        "INSERT INTO preferences(suite, case_id, turn, left_model_id, right_model_id, choice, reviewer,"
                        " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ','now'))") !=
        VLM_OK) {
        util_errf(err, err_len, "%s", s->err);
        return VLM_ERR_IO;
    }
    store_bind_text(&q, 1, suite);
    store_bind_text(&q, 2, case_id);
    store_bind_int(&q, 3, turn);
    store_bind_int(&q, 4, l);
    store_bind_int(&q, 5, r);
    store_bind_text(&q, 6, choice);
    store_bind_text(&q, 7, reviewer);
    if (store_q_write(&q) != VLM_OK) {
        util_errf(err, err_len, "%s", s->err);
        return VLM_ERR_IO;
    }
    return VLM_OK;
}

/* ------------------------------------------------------------ reading */

int store_review_verdicts(vlm_store *s, int (*cb)(const struct store_review_row *r, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading tables verdicts and scores",
                        "SELECT m.name, h.suite, h.case_id, h.turn, h.score, sc.scorer, sc.correct, sc.unparsed"
                        " FROM human h JOIN models m ON m.id=h.model_id LEFT JOIN main.scores sc"
                        " ON sc.model_id=h.model_id AND sc.suite=h.suite AND sc.case_id=h.case_id AND sc.turn=h.turn"
                        " ORDER BY m.name, h.suite, h.case_id, h.turn") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_review_row r = {
            .model = store_col_text(&q, 0),
            .suite = store_col_text(&q, 1),
            .case_id = store_col_text(&q, 2),
            .turn = (int)store_col_int(&q, 3),
            .human_score = store_col_double(&q, 4),
            .scorer = store_col_text(&q, 5),
            .scorer_correct = store_col_int(&q, 6) != 0,
            .unparsed = store_col_int(&q, 7) != 0,
        };
        rc = cb(&r, user);
    }
    return store_q_end(&q, rc);
}

int store_review_votes(vlm_store *s, int (*cb)(const struct store_vote_row *v, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table preferences",
                        "SELECT l.name, r.name, p.choice FROM preferences p JOIN models l ON l.id=p.left_model_id"
                        " JOIN models r ON r.id=p.right_model_id ORDER BY p.id") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_vote_row v = {store_col_text(&q, 0), store_col_text(&q, 1), store_col_text(&q, 2)};
        rc = cb(&v, user);
    }
    return store_q_end(&q, rc);
}

static json_t *text_or_null(const char *t) { return t ? json_string(t) : json_null(); }

json_t *store_review_verdict_json(vlm_store *s, const char *model, const char *suite, const char *case_id, int turn) {
    store_q q;
    if (store_q_cached(s, &q, "reading table verdicts",
                       "SELECT h.verdict, h.score, h.comment, h.reviewer, h.created_at FROM human h"
                       " JOIN models m ON m.id=h.model_id WHERE m.name=?1 AND h.suite=?2 AND h.case_id=?3"
                       " AND h.turn=?4") != VLM_OK)
        return NULL;
    store_bind_text(&q, 1, model);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    store_bind_int(&q, 4, turn);
    json_t *v = json_null();
    if (store_q_row(&q)) {
        json_decref(v);
        v = json_pack("{s:o, s:f, s:o, s:o, s:o}", "verdict", text_or_null(store_col_text(&q, 0)), "score",
                      store_col_double(&q, 1), "comment", text_or_null(store_col_text(&q, 2)), "reviewer",
                      text_or_null(store_col_text(&q, 3)), "created_at", text_or_null(store_col_text(&q, 4)));
    }
    if (store_q_end(&q, VLM_OK) != VLM_OK) {
        json_decref(v);
        return NULL;
    }
    return v;
}
