/*
 * store_dials.c - the queries of store_dials.h: models with their settings,
 * a model's turns with the figures of the dials table, and paired right/wrong
 * of two models (docs/metrics.md "Dials", docs/store-schema.md).
 */
#include "store_dials.h"
#include "store_impl.h"

/* The categories of case c as a JSON array text (a case in several counts in each). */
#define CATEGORIES_OF(c) "coalesce(" c ".categories, json_array(coalesce(" c ".category,'')))"

int store_dials_models(vlm_store *s, int (*cb)(const struct store_dials_model *m, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table models", "SELECT id, name, settings FROM models ORDER BY name") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_dials_model m = {store_col_int(&q, 0), store_col_text(&q, 1), store_col_text(&q, 2)};
        rc = cb(&m, user);
    }
    return store_q_end(&q, rc);
}

int store_dials_turns(vlm_store *s, int64_t model_id, int (*cb)(const struct store_dials_turn *t, void *user),
                      void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables answers, cases and scores",
            "SELECT " CATEGORIES_OF(
                "c") ", sc.scorer IS NOT NULL AND sc.scorer NOT IN ('bleu','cider'),"
                     " sc.credit,"
                     " a.error IS NULL, a.ttft_ms, a.image_encode_ms, a.n_image_tokens,"
                     " CASE WHEN a.image_tokens_each IS NOT NULL THEN json_array_length(a.image_tokens_each)"
                     /* derived (remote): each request carries every image so far, so only the case's last
                      * turn counts, against all its images */
                     "      WHEN a.image_tokens_derived = 1 THEN CASE WHEN json_valid(c.images) AND a.turn ="
                     "        (SELECT max(x.turn) FROM answers x WHERE x.model_id=a.model_id AND x.suite=a.suite"
                     "         AND x.case_id=a.case_id) THEN json_array_length(c.images) ELSE 0 END"
                     "      WHEN a.turn = 0 AND json_valid(c.images) THEN json_array_length(c.images) ELSE 0 END,"
                     " a.n_images_cached, a.image_tokens_derived"
                     " FROM answers a JOIN cases c ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
                     " LEFT JOIN graded sc ON sc.model_id=a.model_id AND sc.suite=a.suite AND sc.case_id=a.case_id"
                     " AND sc.turn=a.turn WHERE a.model_id=?1 ORDER BY a.suite, a.case_id, a.turn") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_dials_turn t = {
            .categories = store_col_text(&q, 0),
            .scored = store_col_int(&q, 1) != 0,
            .credit = store_col_double(&q, 2),
            .answered = store_col_int(&q, 3) != 0,
            .ttft_ms = store_col_double(&q, 4),
            .image_encode_ms = store_col_double(&q, 5),
            .n_image_tokens = (int)store_col_int(&q, 6),
            .n_images = (int)store_col_int(&q, 7),
            .n_images_cached = (int)store_col_int(&q, 8),
            .derived = store_col_int(&q, 9) != 0,
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

int store_dials_pairs(vlm_store *s, int64_t a, int64_t b, int (*cb)(const struct store_dials_pair *p, void *user),
                      void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables scores and cases",
            "SELECT " CATEGORIES_OF(
                "c") ", x.correct, y.correct"
                     " FROM graded x JOIN graded y ON y.model_id=?2 AND x.suite=y.suite AND x.case_id=y.case_id"
                     " AND x.turn=y.turn"
                     " JOIN cases c ON c.model_id=x.model_id AND c.suite=x.suite AND c.case_id=x.case_id"
                     " WHERE x.model_id=?1 AND x.scorer NOT IN ('bleu','cider') AND y.scorer NOT IN ('bleu','cider')"
                     " ORDER BY x.suite, x.case_id, x.turn") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, a);
    store_bind_int(&q, 2, b);
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_dials_pair p = {store_col_text(&q, 0), store_col_int(&q, 1) != 0, store_col_int(&q, 2) != 0};
        rc = cb(&p, user);
    }
    return store_q_end(&q, rc);
}
