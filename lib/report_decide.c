/*
 * report_decide.c - the report's "decide" section (docs/report-schema.md
 * "decide", docs/metrics.md "Deciding early"): for each model run with
 * `--decide`, the verdicts settled (or left open) on each min_accuracy
 * requirement with their confidence-sequence bounds, the cases it used out of
 * the suite's, and what the cases it did not answer would have cost: GPU busy
 * time and money at the cost section's figures.
 */
#include "jpath.h"
#include "report.h"
#include "store.h"

#include <string.h>

/* The model's object in `models`, made on first sight. */
static json_t *model_entry(json_t *models, const char *name, const json_t *row) {
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m) if (strcmp(jpath_str(m, "model"), name) == 0) return m;
    double n_cases = 0, n_stored = 0;
    jpath_num(row, "n_cases", &n_cases);
    jpath_num(row, "n_stored", &n_stored);
    m = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "model", name, "state", json_object_get(row, "state"),
                  "n_used", json_object_get(row, "n_used"), "n_scored", json_object_get(row, "n_scored"), "n_cases",
                  json_object_get(row, "n_cases"), "n_stored", json_object_get(row, "n_stored"), "alpha",
                  json_object_get(row, "alpha"), "seed", json_object_get(row, "seed"));
    /* the cases not answered: the suite's less those stored (what the model did answer) */
    double saved = n_cases - n_stored > 0 ? n_cases - n_stored : 0;
    json_object_set_new(m, "cases_saved", json_integer((json_int_t)saved));
    json_object_set_new(m, "share_saved", n_cases > 0 ? json_real(saved / n_cases) : json_null());
    json_object_set_new(m, "gpu_s_saved", json_null()); /* report_decide_finish */
    json_object_set_new(m, "cost_saved", json_null());
    json_object_set_new(m, "cost_currency", json_null());
    json_object_set_new(m, "cost_where", json_null());
    json_object_set_new(m, "cost_note", json_null());
    json_array_append_new(models, m);
    return m;
}

static const char *verdict_word(double v) { return v > 0 ? "met" : v < 0 ? "not met" : "open"; }

json_t *report_decide(vlm_store *s) {
    json_t *rows;
    if (store_report_decisions(s, &rows) != VLM_OK) return NULL;
    json_t *models = json_array(), *verdicts = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *name = jpath_str(row, "model");
        model_entry(models, name, row);
        double v = 0;
        jpath_num(row, "verdict", &v);
        json_array_append_new(verdicts, json_pack("{s:s, s:O, s:O, s:s, s:b, s:O, s:O}", "model", name, "requirement",
                                                  json_object_get(row, "requirement"), "threshold",
                                                  json_object_get(row, "threshold"), "verdict", verdict_word(v),
                                                  "settled", v != 0, "ci_low", json_object_get(row, "ci_low"),
                                                  "ci_high", json_object_get(row, "ci_high")));
    }
    json_decref(rows);
    return json_pack("{s:o, s:o}", "models", models, "verdicts", verdicts);
}

/* The model's GPU busy seconds per request from the document's "cost"; false
 * when it has none. */
static bool busy_s_of(const json_t *rep, const char *model, double *busy) {
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(rep, "cost"), i, c) {
        const char *name = jpath_str(c, "model");
        if (name && strcmp(name, model) == 0) return jpath_num(c, "busy_s_per_request", busy);
    }
    return false;
}

void report_decide_finish(json_t *rep) {
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(json_object_get(rep, "decide"), "models"), i, m) {
        const char *model = jpath_str(m, "model");
        double saved = 0, busy, per_1k;
        const char *where = NULL, *cur = NULL, *why = NULL;
        jpath_num(m, "cases_saved", &saved);
        if (busy_s_of(rep, model, &busy)) json_object_set_new(m, "gpu_s_saved", json_real(saved * busy));
        if (report_cost_per_1k(rep, model, &per_1k, &where, &cur, &why)) {
            json_object_set_new(m, "cost_saved", json_real(saved * per_1k / 1000));
            json_object_set_new(m, "cost_currency", cur ? json_string(cur) : json_null());
            json_object_set_new(m, "cost_where", where ? json_string(where) : json_null());
        } else {
            json_object_set_new(m, "cost_note", json_string(why));
        }
    }
}
