/*
 * store_gen.c - the store's text-to-image tables (store_gen.h): generated
 * images with their latency and cost, the judge's replies to each question
 * about them, and their TIFA and VQAScore scores. docs/store-schema.md.
 */
#include "store_gen.h"
#include "store_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const GEN_SCHEMA =
    "CREATE TABLE IF NOT EXISTS generations("
    "  model_id INTEGER, suite TEXT, case_id TEXT, run_id INTEGER, prompt TEXT, questions TEXT,"
    "  image TEXT, sha256 TEXT, bytes INTEGER, latency_ms REAL, cost_usd REAL, error TEXT, created_at TEXT,"
    "  PRIMARY KEY(model_id, suite, case_id));"
    "CREATE TABLE IF NOT EXISTS gen_verdicts("
    "  model_id INTEGER, suite TEXT, case_id TEXT, q INTEGER, judge TEXT, sha256 TEXT, question TEXT,"
    "  expected TEXT, scorer TEXT, reply TEXT, correct INTEGER, unparsed INTEGER, detail TEXT,"
    "  PRIMARY KEY(model_id, suite, case_id, q, judge));"
    "CREATE TABLE IF NOT EXISTS gen_scores("
    "  model_id INTEGER, suite TEXT, case_id TEXT, judge TEXT, sha256 TEXT, n_questions INTEGER,"
    "  n_correct INTEGER, tifa REAL, vqascore REAL, detail TEXT,"
    "  PRIMARY KEY(model_id, suite, case_id));";

int store_gen_ensure(vlm_store *s) { return store_exec(s, "creating the generation tables", GEN_SCHEMA); }

/* The `cases` row of a generate case: done, error or na. */
static int put_case_row(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const char *status,
                        const char *error) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table cases",
                        "INSERT OR REPLACE INTO cases(model_id, suite, case_id, category, scorer, images, choices,"
                        " status, error, run_id, groups, categories, finished_at)"
                        " VALUES(?1,?2,?3,?4,'','[]',NULL,?5,?6,?7,?8,?9,strftime('%Y-%m-%dT%H:%M:%fZ','now'))") !=
        VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, c->suite);
    store_bind_text(&q, 3, c->id);
    store_bind_text(&q, 4, c->category ? c->category : "");
    store_bind_text(&q, 5, status);
    store_bind_text(&q, 6, error);
    store_bind_int(&q, 7, run_id);
    store_bind_text(&q, 8, c->groups);
    store_bind_text(&q, 9, c->categories);
    return store_q_write(&q);
}

static int put_generation(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                          const struct store_gen_row *row) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table generations",
                        "INSERT OR REPLACE INTO generations VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
                        "strftime('%Y-%m-%dT%H:%M:%fZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, c->suite);
    store_bind_text(&q, 3, c->id);
    store_bind_int(&q, 4, run_id);
    store_bind_text(&q, 5, c->turns[0]);
    store_bind_text(&q, 6, c->questions);
    store_bind_text(&q, 7, row->image);
    store_bind_text(&q, 8, row->sha256);
    if (row->image) store_bind_int(&q, 9, row->bytes);
    store_bind_double(&q, 10, row->latency_ms);
    if (row->cost_usd >= 0) store_bind_double(&q, 11, row->cost_usd);
    store_bind_text(&q, 12, row->error);
    return store_q_write(&q);
}

int store_gen_put(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const struct store_gen_row *row,
                  const char *na_reason) {
    int rc = store_begin(s);
    if (rc == VLM_OK && row) rc = put_generation(s, model_id, run_id, c, row);
    const char *status = !row ? "na" : row->image ? "done" : "error";
    if (rc == VLM_OK) rc = put_case_row(s, model_id, run_id, c, status, row ? row->error : na_reason);
    if (rc == VLM_OK) rc = store_commit(s);
    if (rc != VLM_OK) store_rollback(s);
    return rc;
}

int store_gen_each_image(vlm_store *s, int (*cb)(const struct store_gen_item *it, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table generations",
                        "SELECT g.model_id, m.name, g.suite, g.case_id, g.prompt, g.questions, g.image, g.sha256"
                        " FROM generations g JOIN models m ON m.id=g.model_id WHERE g.image IS NOT NULL"
                        " ORDER BY m.name, g.suite, g.case_id") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_gen_item it = {store_col_int(&q, 0),  store_col_text(&q, 1), store_col_text(&q, 2),
                                    store_col_text(&q, 3), store_col_text(&q, 4), store_col_text(&q, 5),
                                    store_col_text(&q, 6), store_col_text(&q, 7)};
        rc = cb(&it, user);
    }
    return store_q_end(&q, rc);
}

/* Parameters 1-6 of a gen_verdicts statement: the picture (model, suite,
 * case), the question's index, the judge and the picture's sha256. */
static void bind_verdict_key(store_q *q, const struct store_gen_item *it, int qi, const char *judge) {
    store_bind_int(q, 1, it->model_id);
    store_bind_text(q, 2, it->suite);
    store_bind_text(q, 3, it->case_id);
    store_bind_int(q, 4, qi);
    store_bind_text(q, 5, judge);
    store_bind_text(q, 6, it->sha256);
}

int store_gen_verdict_get(vlm_store *s, const struct store_gen_item *it, int qi, const char *judge, bool *found,
                          char **reply) {
    store_q q;
    *found = false;
    *reply = NULL;
    if (store_q_prepare(s, &q, "reading table gen_verdicts",
                        "SELECT reply FROM gen_verdicts WHERE model_id=?1 AND suite=?2 AND case_id=?3 AND q=?4"
                        " AND judge=?5 AND sha256=?6") != VLM_OK)
        return VLM_ERR_IO;
    bind_verdict_key(&q, it, qi, judge);
    if (store_q_row(&q)) {
        const char *text = store_col_text(&q, 0);
        *found = true;
        *reply = xstrdup(text ? text : "");
    }
    return store_q_end(&q, VLM_OK);
}

int store_gen_verdict_put(vlm_store *s, const struct store_gen_item *it, int qi, const char *judge,
                          const char *question, const char *expected, const char *scorer, const char *reply,
                          const struct vlm_score *sc) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table gen_verdicts",
                        "INSERT OR REPLACE INTO gen_verdicts VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)") !=
        VLM_OK)
        return VLM_ERR_IO;
    bind_verdict_key(&q, it, qi, judge);
    store_bind_text(&q, 7, question);
    store_bind_text(&q, 8, expected);
    store_bind_text(&q, 9, scorer);
    store_bind_text(&q, 10, reply);
    store_bind_int(&q, 11, sc->correct);
    store_bind_int(&q, 12, sc->unparsed);
    store_bind_text(&q, 13, sc->detail);
    return store_q_write(&q);
}

int store_gen_score_put(vlm_store *s, const struct store_gen_item *it, const char *judge, int n_questions,
                        int n_correct, double vqascore, const char *detail) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table gen_scores",
                        "INSERT OR REPLACE INTO gen_scores VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, it->model_id);
    store_bind_text(&q, 2, it->suite);
    store_bind_text(&q, 3, it->case_id);
    store_bind_text(&q, 4, judge);
    store_bind_text(&q, 5, it->sha256);
    store_bind_int(&q, 6, n_questions);
    store_bind_int(&q, 7, n_correct);
    store_bind_double(&q, 8, n_questions > 0 ? (double)n_correct / n_questions : 0);
    if (vqascore >= 0) store_bind_double(&q, 9, vqascore);
    store_bind_text(&q, 10, detail);
    return store_q_write(&q);
}

/* The generation latencies of a model's images, ascending (*v the caller's). */
static int latencies(vlm_store *s, int64_t model_id, double **v, int *n) {
    store_q q;
    *v = NULL;
    *n = 0;
    if (store_q_prepare(s, &q, "reading table generations",
                        "SELECT latency_ms FROM generations WHERE model_id=?1 AND image IS NOT NULL"
                        " ORDER BY latency_ms") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    int cap = 0;
    while (store_q_row(&q)) {
        util_grow((void **)v, &cap, *n + 1, sizeof **v);
        (*v)[(*n)++] = store_col_double(&q, 0);
    }
    return store_q_end(&q, VLM_OK);
}

/* Per model: the generate cases' statuses (cases rows of models that have a
 * generations row or an na row), image figures and scores. */
static const char *const GEN_MODELS_SQL =
    "SELECT m.id, m.name,"
    " (SELECT count(*) FROM generations g WHERE g.model_id=m.id)"
    "   + (SELECT count(*) FROM cases c WHERE c.model_id=m.id AND c.status='na' AND c.error=?1),"
    " (SELECT count(*) FROM generations g WHERE g.model_id=m.id AND g.image IS NOT NULL),"
    " (SELECT count(*) FROM generations g WHERE g.model_id=m.id AND g.image IS NULL),"
    " (SELECT count(*) FROM cases c WHERE c.model_id=m.id AND c.status='na' AND c.error=?1),"
    " (SELECT count(*) FROM gen_scores x JOIN generations g USING(model_id, suite, case_id)"
    "   WHERE x.model_id=m.id AND x.sha256=g.sha256),"
    " (SELECT avg(x.tifa) FROM gen_scores x JOIN generations g USING(model_id, suite, case_id)"
    "   WHERE x.model_id=m.id AND x.sha256=g.sha256),"
    " (SELECT count(x.vqascore) FROM gen_scores x JOIN generations g USING(model_id, suite, case_id)"
    "   WHERE x.model_id=m.id AND x.sha256=g.sha256),"
    " (SELECT avg(x.vqascore) FROM gen_scores x JOIN generations g USING(model_id, suite, case_id)"
    "   WHERE x.model_id=m.id AND x.sha256=g.sha256),"
    " (SELECT avg(latency_ms) FROM generations g WHERE g.model_id=m.id AND g.image IS NOT NULL),"
    " (SELECT avg(cost_usd) FROM generations g WHERE g.model_id=m.id AND g.image IS NOT NULL),"
    " (SELECT error FROM generations g WHERE g.model_id=m.id AND g.error IS NOT NULL ORDER BY suite, case_id LIMIT 1)"
    " FROM models m ORDER BY m.name";

int store_gen_models(vlm_store *s, int (*cb)(const struct store_gen_model *m, void *user), void *user) {
    if (store_gen_ensure(s) != VLM_OK) return VLM_ERR_IO;
    store_q q;
    if (store_q_prepare(s, &q, "reading table generations", GEN_MODELS_SQL) != VLM_OK) return VLM_ERR_IO;
    store_bind_text(&q, 1, GEN_NA_REASON);
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_gen_model m = {
            .model_id = store_col_int(&q, 0),
            .model = store_col_text(&q, 1),
            .n_cases = (int)store_col_int(&q, 2),
            .n_images = (int)store_col_int(&q, 3),
            .n_errors = (int)store_col_int(&q, 4),
            .n_na = (int)store_col_int(&q, 5),
            .n_scored = (int)store_col_int(&q, 6),
            .tifa_mean = store_col_double(&q, 7),
            .n_vqa = (int)store_col_int(&q, 8),
            .vqascore_mean = store_col_null(&q, 9) ? -1 : store_col_double(&q, 9),
            .latency_ms_mean = store_col_double(&q, 10),
            .cost_usd_per_image = store_col_null(&q, 11) ? -1 : store_col_double(&q, 11),
            .first_error = store_col_text(&q, 12),
        };
        if (m.n_cases == 0) continue;
        m.na_reason = m.n_na ? GEN_NA_REASON : NULL;
        double *lat = NULL;
        rc = latencies(s, m.model_id, &lat, &m.n_latencies);
        m.latencies_ms = lat;
        if (rc == VLM_OK) rc = cb(&m, user);
        free(lat);
    }
    return store_q_end(&q, rc);
}
