/*
 * store_na.c - the report's queries about cases not applicable to a model
 * (cases.status 'na' with an error starting "no vision": image cases of a
 * model without vision; generate cases a model cannot draw are report_gen.c's;
 * docs/store-schema.md). Such cases have no answers and no scores, so every
 * accuracy figure leaves them out by itself; these queries only count them.
 */
#include "store_impl.h"
#include "util.h"

/* Each category of case c (cases.categories, a JSON array, else its category). */
#define NA_CASE_CATEGORIES " JOIN json_each(coalesce(c.categories, json_array(coalesce(c.category,'')))) cat"

/* Rows of (model, [category,] count) from `sql` into a JSON array. */
static int na_rows(vlm_store *s, const char *sql, bool with_category, json_t **out) {
    json_t *a = json_array();
    store_q q;
    int rc = store_q_prepare(s, &q, "reading table cases", sql);
    while (rc == VLM_OK && store_q_row(&q)) {
        json_t *o = json_pack("{s:s}", "model", store_col_text(&q, 0));
        if (with_category) json_object_set_new(o, "category", json_string(store_col_text(&q, 1)));
        json_object_set_new(o, "n_cases", json_integer(store_col_int(&q, with_category ? 2 : 1)));
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

int store_report_na(vlm_store *s, json_t **out) {
    return na_rows(s,
                   "SELECT m.name, cat.value, count(*) FROM cases c JOIN models m ON m.id=c.model_id" NA_CASE_CATEGORIES
                   " WHERE c.status='na' AND c.error LIKE 'no vision%' GROUP BY 1, 2 ORDER BY 1, 2",
                   true, out);
}

int store_report_na_models(vlm_store *s, json_t **out) {
    return na_rows(s,
                   "SELECT m.name, count(*) FROM cases c JOIN models m ON m.id=c.model_id"
                   " WHERE c.status='na' AND c.error LIKE 'no vision%' GROUP BY 1 ORDER BY 1",
                   false, out);
}
