/*
 * report_na.c - cases not applicable to a model in the report document
 * (docs/report-schema.md, "Not applicable"): image cases of a model without
 * vision, stored with status 'na'. They have no scored turns, so they are in
 * no accuracy figure nor its denominator; this file only says where they are:
 * the "not_applicable" rows, "n_na" on the quality rows and on each model, and
 * a quality row for a category whose every case was not applicable.
 */
#include "jpath.h"
#include "report.h"
#include "store.h"

#include <string.h>

/* The quality entry of model x category in doc, or NULL. */
static json_t *na_quality_entry(json_t *doc, const char *model, const char *category) {
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(doc, "quality"), i, q) {
        const char *m = jpath_str(q, "model"), *c = jpath_str(q, "category");
        if (m && c && !strcmp(m, model) && !strcmp(c, category)) return q;
    }
    return NULL;
}

/* The model object named `name` in doc, or NULL. */
static json_t *na_model(json_t *doc, const char *name) {
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(doc, "models"), i, m) {
        const char *n = jpath_str(m, "name");
        if (n && !strcmp(n, name)) return m;
    }
    return NULL;
}

/* A quality row of a category with no scored turn: every case not applicable. */
static json_t *na_empty_quality(const char *model, const char *category) {
    return json_pack("{s:s, s:s, s:i, s:f, s:n, s:n, s:n, s:i, s:i}", "model", model, "category", category, "n", 0,
                     "credit", 0.0, "accuracy", "ci_low", "ci_high", "n_unparsed", 0, "n_errors", 0);
}

int report_add_not_applicable(vlm_store *s, json_t *doc) {
    json_t *rows = NULL, *totals = NULL;
    if (store_report_na(s, &rows) != VLM_OK || store_report_na_models(s, &totals) != VLM_OK) {
        json_decref(rows);
        return VLM_ERR_IO;
    }
    size_t i;
    json_t *row, *m;
    json_array_foreach(json_object_get(doc, "models"), i, m) json_object_set_new(m, "n_na", json_integer(0));
    json_array_foreach(totals, i, row) {
        json_t *model = na_model(doc, jpath_str(row, "model"));
        json_t *n = json_object_get(row, "n_cases");
        if (!model) continue;
        json_object_set(model, "n_na", n);
        if (json_is_object(json_object_get(model, "quality")))
            json_object_set(json_object_get(model, "quality"), "n_na", n);
    }
    json_array_foreach(rows, i, row) {
        const char *model = jpath_str(row, "model"), *cat = jpath_str(row, "category");
        json_object_set_new(row, "reason", json_string("no vision"));
        json_t *q = na_quality_entry(doc, model, cat);
        if (!q) {
            q = na_empty_quality(model, cat);
            json_array_append_new(json_object_get(doc, "quality"), q);
        }
        json_object_set(q, "n_na", json_object_get(row, "n_cases"));
    }
    json_decref(totals);
    json_object_set_new(doc, "not_applicable", rows);
    return VLM_OK;
}
