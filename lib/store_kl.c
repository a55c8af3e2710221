/*
 * store_kl.c - the queries of a quantization family's KL pass (family.c): what
 * is already compared, the reference's answer tokens, its kept next-token
 * distributions (table kl_refs) and each member's comparison with them (table
 * kl). Layouts: docs/store-schema.md.
 */
#include "store_impl.h"
#include "util.h"

#include <stdlib.h>

/* Whether `sql` finds a row, with ?1 = id, ?2 = suite, ?3 = case_id, and ?4 = id2 unless id2 < 0. */
static int exists(vlm_store *s, const char *what, const char *sql, int64_t id, const char *suite, const char *case_id,
                  int64_t id2, bool *found) {
    store_q q;
    *found = false;
    if (store_q_prepare(s, &q, what, sql) != VLM_OK) return VLM_ERR_IO;
    store_bind_int(&q, 1, id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    if (id2 >= 0) store_bind_int(&q, 4, id2);
    *found = store_q_row(&q);
    return store_q_end(&q, VLM_OK);
}

int store_kl_state(vlm_store *s, int64_t model_id, int64_t ref_id, const char *suite, const char *case_id,
                   struct store_kl_state *st) {
    int rc = exists(s, "reading table kl",
                    "SELECT 1 FROM kl WHERE model_id=?1 AND suite=?2 AND case_id=?3 AND ref_model_id=?4", model_id,
                    suite, case_id, ref_id, &st->compared);
    if (rc == VLM_OK)
        rc = exists(s, "reading table kl_refs", "SELECT 1 FROM kl_refs WHERE model_id=?1 AND suite=?2 AND case_id=?3",
                    ref_id, suite, case_id, -1, &st->ref_kept);
    if (rc == VLM_OK)
        rc = exists(s, "reading table answers",
                    "SELECT 1 FROM answers WHERE model_id=?1 AND suite=?2 AND case_id=?3"
                    " AND turn=0 AND output IS NOT NULL AND length(tokens) > 0",
                    ref_id, suite, case_id, -1, &st->ref_has_tokens);
    return rc;
}

int store_answer_tokens(vlm_store *s, int64_t model_id, const char *suite, const char *case_id, int32_t **tok, int *n) {
    store_q q;
    *tok = NULL;
    *n = 0;
    if (store_q_prepare(s, &q, "reading table answers",
                        "SELECT tokens FROM answers WHERE model_id=?1 AND suite=?2 AND case_id=?3"
                        " AND turn=0 AND output IS NOT NULL") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    int bytes = 0;
    if (store_q_row(&q)) *tok = store_col_blob(&q, 0, &bytes);
    *n = bytes / (int)sizeof **tok;
    int rc = store_q_end(&q, VLM_OK);
    if (rc != VLM_OK) {
        free(*tok);
        *tok = NULL;
        *n = 0;
    }
    return rc;
}

int store_kl_ref_get(vlm_store *s, int64_t ref_id, const char *suite, const char *case_id, bool *found,
                     struct store_kl_ref *r) {
    store_q q;
    *found = false;
    *r = (struct store_kl_ref){0};
    if (store_q_prepare(s, &q, "reading table kl_refs",
                        "SELECT top_k, n_pos, tokens, dists FROM kl_refs WHERE model_id=?1"
                        " AND suite=?2 AND case_id=?3") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, ref_id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    if (store_q_row(&q)) {
        *found = true;
        r->top_k = (int)store_col_int(&q, 0);
        r->n_pos = (int)store_col_int(&q, 1);
        r->tokens = store_col_blob(&q, 2, &r->tokens_bytes);
        r->dists = store_col_blob(&q, 3, &r->dists_bytes);
    }
    int rc = store_q_end(&q, VLM_OK);
    if (rc != VLM_OK) {
        free(r->tokens);
        free(r->dists);
        *r = (struct store_kl_ref){0};
        *found = false;
    }
    return rc;
}

int store_kl_ref_put(vlm_store *s, int64_t ref_id, const char *suite, const char *case_id, int top_k, int n_pos,
                     const int32_t *tokens, const void *dists, size_t dists_bytes) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table kl_refs", "INSERT OR REPLACE INTO kl_refs VALUES(?1,?2,?3,?4,?5,?6,?7)"))
        return VLM_ERR_IO;
    store_bind_int(&q, 1, ref_id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    store_bind_int(&q, 4, top_k);
    store_bind_int(&q, 5, n_pos);
    store_bind_blob(&q, 6, tokens, (size_t)n_pos * sizeof *tokens);
    store_bind_blob(&q, 7, dists, dists_bytes);
    return store_q_write(&q);
}

int store_kl_put(vlm_store *s, int64_t model_id, int64_t ref_id, const char *suite, const char *case_id, int n_pos,
                 double kl_sum, double kl_max, int top1_same) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table kl", "INSERT OR REPLACE INTO kl VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"))
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_int(&q, 2, ref_id);
    store_bind_text(&q, 3, suite);
    store_bind_text(&q, 4, case_id);
    store_bind_int(&q, 5, n_pos);
    store_bind_double(&q, 6, kl_sum);
    store_bind_double(&q, 7, kl_max);
    store_bind_int(&q, 8, top1_same);
    return store_q_write(&q);
}
