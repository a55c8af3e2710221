/*
 * store_serve.c - the read queries of `vlmeter serve` (store_serve.h): every
 * SQL statement the review pages run, and nothing else. Each call prepares its
 * statement, reads and finalizes it, so each request sees what a concurrent
 * run has committed (WAL). The filters' meaning is docs/serve.md's.
 */
#include "store_serve.h"
#include "store_impl.h"
#include "util.h"

#include <jansson.h>
#include <math.h>

/* The human verdict on answer a (the view `human`, store.c: the latest one;
 * the report reads the same view). */
#define HUMAN_OF_A                                                                            \
    " LEFT JOIN human v ON v.model_id=a.model_id AND v.suite=a.suite AND v.case_id=a.case_id" \
    " AND v.turn=a.turn"

/* Each category of case row c as cat.value (cases.categories is a JSON array). */
#define EACH_CATEGORY " json_each(coalesce(c.categories, json_array(coalesce(c.category,'')))) cat"

int store_serve_is_store(const char *path, char *err, size_t err_len) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key='schema_version'", -1, &st, NULL) == SQLITE_OK &&
              sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (ok) return VLM_OK;
    util_errf(err, err_len,
              "'%s' is not a vlmeter store (no table meta with a schema_version); give --db the file `vlmeter run` "
              "wrote. Nothing was changed in it",
              path);
    return VLM_ERR_INPUT;
}

static double col_num(store_q *q, int i) { return store_col_null(q, i) ? NAN : store_col_double(q, i); }

int store_serve_models(vlm_store *s, void (*cb)(const struct ss_model *m, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading the models for the review page",
                        "SELECT m.name, (SELECT count(*) FROM cases c WHERE c.model_id=m.id),"
                        " (SELECT count(*) FROM answers a WHERE a.model_id=m.id),"
                        " (SELECT count(*) FROM answers a WHERE a.model_id=m.id AND a.error IS NOT NULL),"
                        " (SELECT count(*) FROM verdicts v WHERE v.model_id=m.id)"
                        " FROM models m ORDER BY m.id") != VLM_OK)
        return VLM_ERR_IO;
    while (store_q_row(&q)) {
        struct ss_model m = {store_col_text(&q, 0), (int)store_col_int(&q, 1), (int)store_col_int(&q, 2),
                             (int)store_col_int(&q, 3), (int)store_col_int(&q, 4)};
        cb(&m, user);
    }
    return store_q_end(&q, VLM_OK);
}

int store_serve_review(vlm_store *s, struct ss_review *out) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading the review summary",
            "SELECT (SELECT count(*) FROM verdicts),"
            " (SELECT count(*) FROM (SELECT DISTINCT model_id, suite, case_id, turn FROM verdicts)),"
            " (SELECT count(*) FROM preferences),"
            " (SELECT count(*) FROM (SELECT reviewer FROM verdicts UNION SELECT reviewer FROM preferences))") != VLM_OK)
        return VLM_ERR_IO;
    *out = (struct ss_review){0};
    if (store_q_row(&q)) {
        out->n_verdicts = (int)store_col_int(&q, 0);
        out->n_reviewed = (int)store_col_int(&q, 1);
        out->n_votes = (int)store_col_int(&q, 2);
        out->n_reviewers = (int)store_col_int(&q, 3);
    }
    return store_q_end(&q, VLM_OK);
}

/* Per answer: its credit and correctness as the report counts them (the view
 * `graded`, store.c: the human verdict first), and a verdict's on an answer
 * not scored yet. The caption scorers (bleu, cider) are no accuracy: the
 * report leaves them out of quality, so here their answers count as unscored
 * (only a human verdict gives them a credit). */
#define ANSWERS_JUDGED                                                                           \
    "WITH ans AS (SELECT a.suite, a.case_id, a.turn, a.output, a.error, g.unparsed,"             \
    "  CASE WHEN g.scorer IN ('bleu','cider') THEN v.score ELSE coalesce(g.credit, v.score) END" \
    "   AS credit,"                                                                              \
    "  CASE WHEN g.scorer IN ('bleu','cider') THEN v.score >= 0.5"                               \
    "   ELSE coalesce(g.correct, v.score >= 0.5) END AS ok"                                      \
    "  FROM answers a LEFT JOIN graded g ON g.model_id=a.model_id AND g.suite=a.suite"           \
    "   AND g.case_id=a.case_id AND g.turn=a.turn" HUMAN_OF_A "),"                               \
    " k AS (SELECT suite, case_id, min(category) AS category, count(*) AS n_models,"             \
    "  max(status='error') AS any_error FROM cases GROUP BY suite, case_id) "

/* Every filter is an uncorrelated IN over `ans`: one pass over the answers,
 * not one per case (a correlated EXISTS made a store of 2k cases and 24k
 * answers take seconds, and the server answers one request at a time). */
static const char CASES_SQL[] = ANSWERS_JUDGED
    "SELECT k.suite, k.case_id, k.category, k.n_models FROM k WHERE"
    /* fail: an answer with credit below 1, an error, or a case stored as an error */
    " (?1=0 OR k.any_error OR (k.suite, k.case_id) IN (SELECT suite, case_id FROM ans"
    "   WHERE credit < 1 OR error IS NOT NULL))"
    /* disagree: on some turn the models' correctness differs, or, unscored, their outputs */
    " AND (?2=0 OR (k.suite, k.case_id) IN (SELECT suite, case_id FROM ans GROUP BY suite, case_id, turn"
    "   HAVING (count(ok) >= 2 AND min(ok) <> max(ok))"
    "   OR (count(ok) = 0 AND count(DISTINCT lower(trim(coalesce(output, '')))) > 1)))"
    " AND (?3=0 OR k.any_error OR (k.suite, k.case_id) IN (SELECT suite, case_id FROM ans WHERE error IS NOT NULL))"
    " AND (?4=0 OR (k.suite, k.case_id) IN (SELECT suite, case_id FROM ans WHERE unparsed=1))"
    " AND (?5 IS NULL OR (k.suite, k.case_id) IN (SELECT c.suite, c.case_id FROM cases c, " EACH_CATEGORY
    "   WHERE cat.value=?5))"
    " AND (?6 IS NULL OR instr(lower(k.case_id), lower(?6)) > 0 OR (k.suite, k.case_id) IN (SELECT a.suite,"
    "   a.case_id FROM answers a WHERE instr(lower(coalesce(a.prompt, '')), lower(?6)) > 0"
    "   OR instr(lower(coalesce(a.expected, '')), lower(?6)) > 0 OR instr(lower(coalesce(a.output, '')), lower(?6)) > 0))"
    " ORDER BY k.suite, k.case_id";

int store_serve_cases(vlm_store *s, const struct ss_filter *f, void (*cb)(const struct ss_case *c, void *user),
                      void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading the case list", CASES_SQL) != VLM_OK) return VLM_ERR_IO;
    store_bind_int(&q, 1, f->fail);
    store_bind_int(&q, 2, f->disagree);
    store_bind_int(&q, 3, f->errors);
    store_bind_int(&q, 4, f->unparsed);
    store_bind_text(&q, 5, f->category); /* "": the cases without a category */
    store_bind_text(&q, 6, f->q && f->q[0] ? f->q : NULL);
    while (store_q_row(&q)) {
        struct ss_case c = {store_col_text(&q, 0), store_col_text(&q, 1), store_col_text(&q, 2),
                            (int)store_col_int(&q, 3)};
        cb(&c, user);
    }
    return store_q_end(&q, VLM_OK);
}

int store_serve_categories(vlm_store *s, void (*cb)(const char *category, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading the categories",
                        "SELECT DISTINCT cat.value FROM cases c, " EACH_CATEGORY " ORDER BY 1") != VLM_OK)
        return VLM_ERR_IO;
    while (store_q_row(&q)) cb(store_col_text(&q, 0) ? store_col_text(&q, 0) : "", user);
    return store_q_end(&q, VLM_OK);
}

int store_serve_answers(vlm_store *s, const char *suite, const char *case_id,
                        void (*cb)(const struct ss_answer *a, void *user), void *user, int *n) {
    store_q q;
    *n = 0;
    if (store_q_prepare(s, &q, "reading a case's answers",
                        "SELECT m.name, a.turn, a.prompt, a.expected, a.output, a.error, a.ttft_ms, a.e2e_ms,"
                        " a.n_output_tokens, sc.scorer, sc.score, sc.correct, sc.unparsed, sc.detail,"
                        " v.verdict, v.score, v.comment, v.reviewer, v.created_at"
                        " FROM answers a JOIN models m ON m.id=a.model_id"
                        " LEFT JOIN scores sc ON sc.model_id=a.model_id AND sc.suite=a.suite"
                        "  AND sc.case_id=a.case_id AND sc.turn=a.turn" HUMAN_OF_A " WHERE a.suite=?1 AND a.case_id=?2"
                        " ORDER BY a.turn, m.name") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, suite);
    store_bind_text(&q, 2, case_id);
    while (store_q_row(&q)) {
        struct ss_answer a = {
            .model = store_col_text(&q, 0),
            .turn = (int)store_col_int(&q, 1),
            .prompt = store_col_text(&q, 2),
            .expected = store_col_text(&q, 3),
            .output = store_col_text(&q, 4),
            .error = store_col_text(&q, 5),
            .ttft_ms = col_num(&q, 6),
            .e2e_ms = col_num(&q, 7),
            .n_output_tokens = col_num(&q, 8),
            .scorer = store_col_text(&q, 9),
            .score = col_num(&q, 10),
            .correct = store_col_int(&q, 11) == 1,
            .unparsed = store_col_int(&q, 12) == 1,
            .detail = store_col_text(&q, 13),
            .h_verdict = store_col_text(&q, 14),
            .h_score = col_num(&q, 15),
            .h_comment = store_col_text(&q, 16),
            .h_reviewer = store_col_text(&q, 17),
            .h_at = store_col_text(&q, 18),
        };
        cb(&a, user);
        (*n)++;
    }
    return store_q_end(&q, VLM_OK);
}

int store_serve_case_rows(vlm_store *s, const char *suite, const char *case_id,
                          void (*cb)(const struct ss_case_row *r, void *user), void *user, int *n) {
    store_q q;
    *n = 0;
    if (store_q_prepare(s, &q, "reading a case's status per model",
                        "SELECT m.name, c.status, c.error FROM cases c JOIN models m ON m.id=c.model_id"
                        " WHERE c.suite=?1 AND c.case_id=?2 ORDER BY m.name") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, suite);
    store_bind_text(&q, 2, case_id);
    while (store_q_row(&q)) {
        struct ss_case_row r = {store_col_text(&q, 0), store_col_text(&q, 1), store_col_text(&q, 2)};
        cb(&r, user);
        (*n)++;
    }
    return store_q_end(&q, VLM_OK);
}

/* Hand each string of a JSON array text to cb (anything else: nothing). */
static void each_path(const char *json, void (*cb)(const char *path, void *user), void *user) {
    json_t *arr = json ? json_loads(json, 0, NULL) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v)) cb(json_string_value(v), user);
    json_decref(arr);
}

int store_serve_case_images(vlm_store *s, const char *suite, const char *case_id,
                            void (*cb)(const char *path, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading a case's images",
                        "SELECT images FROM cases WHERE suite=?1 AND case_id=?2 AND images IS NOT NULL"
                        " ORDER BY model_id LIMIT 1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, suite);
    store_bind_text(&q, 2, case_id);
    if (store_q_row(&q)) each_path(store_col_text(&q, 0), cb, user);
    return store_q_end(&q, VLM_OK);
}

int store_serve_all_images(vlm_store *s, void (*cb)(const char *path, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading the cases' images",
                        "SELECT DISTINCT images FROM cases WHERE images IS NOT NULL") != VLM_OK)
        return VLM_ERR_IO;
    while (store_q_row(&q)) each_path(store_col_text(&q, 0), cb, user);
    return store_q_end(&q, VLM_OK);
}

int store_serve_has_image(vlm_store *s, const char *path, bool *found) {
    store_q q;
    if (store_q_prepare(s, &q, "reading the cases' images",
                        "SELECT 1 FROM cases c, json_each(c.images) j WHERE c.images IS NOT NULL AND j.value=?1"
                        " LIMIT 1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, path);
    *found = store_q_row(&q);
    return store_q_end(&q, VLM_OK);
}

int store_serve_pair(vlm_store *s, const char *category, const char *reviewer,
                     void (*cb)(const struct ss_pair *p, void *user), void *user, bool *found) {
    store_q q;
    *found = false;
    if (store_q_prepare(
            s, &q, "choosing a blind pair",
            "WITH t AS (SELECT a.suite, a.case_id, a.turn, a.model_id FROM answers a JOIN cases c"
            "  ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
            "  WHERE a.error IS NULL AND a.output IS NOT NULL AND CASE WHEN ?1 IS NULL"
            "   THEN c.scorer IN ('judge', 'bleu', 'cider')"
            "   ELSE EXISTS(SELECT 1 FROM " EACH_CATEGORY " WHERE cat.value=?1) END)"
            " SELECT x.suite, x.case_id, x.turn, mx.name, my.name,"
            "  EXISTS(SELECT 1 FROM preferences p WHERE p.suite=x.suite AND p.case_id=x.case_id AND p.turn=x.turn"
            "   AND p.reviewer=?2 AND ((p.left_model_id=x.model_id AND p.right_model_id=y.model_id)"
            "   OR (p.left_model_id=y.model_id AND p.right_model_id=x.model_id))) AS voted"
            " FROM t x JOIN t y ON y.suite=x.suite AND y.case_id=x.case_id AND y.turn=x.turn AND y.model_id > x.model_id"
            " JOIN models mx ON mx.id=x.model_id JOIN models my ON my.id=y.model_id"
            " ORDER BY voted, random() LIMIT 1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, category);
    store_bind_text(&q, 2, reviewer && reviewer[0] ? reviewer : NULL);
    if (store_q_row(&q)) {
        struct ss_pair p = {store_col_text(&q, 0), store_col_text(&q, 1), (int)store_col_int(&q, 2),
                            store_col_text(&q, 3), store_col_text(&q, 4)};
        *found = true;
        cb(&p, user);
    }
    return store_q_end(&q, VLM_OK);
}
