/*
 * report_gen.c - the report's `generation` section (docs/report-schema.md):
 * per model that met generate cases, the images made, errors, the cases it
 * cannot draw ("n/a — cannot generate images", never 0), the judge's mean
 * TIFA and VQAScore, generation latency and cost per image.
 */
#include "report.h"
#include "store_gen.h"

#include <string.h>

/* A number, or null when it is not there (never 0 for "none"). */
static json_t *num_or_null(bool have, double v) { return have ? json_real(v) : json_null(); }

static int gen_row(const struct store_gen_model *m, void *user) {
    json_t *rows = user;
    bool images = m->n_images > 0;
    char status[128];
    if (m->n_na == m->n_cases) snprintf(status, sizeof status, "n/a \xE2\x80\x94 %s", m->na_reason);
    else if (m->n_na > 0) snprintf(status, sizeof status, "%d n/a (%s)", m->n_na, m->na_reason);
    else snprintf(status, sizeof status, "generates");
    json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:i, s:i}", "model", m->model, "n_cases", m->n_cases,
                          "n_images", m->n_images, "n_errors", m->n_errors, "n_na", m->n_na, "status", status,
                          "n_scored", m->n_scored, "n_vqascore", m->n_vqa);
    json_object_set_new(o, "tifa", num_or_null(m->n_scored > 0, m->tifa_mean));
    json_object_set_new(o, "vqascore", num_or_null(m->n_vqa > 0 && m->vqascore_mean >= 0, m->vqascore_mean));
    bool lat = m->n_latencies > 0;
    json_object_set_new(o, "latency_ms_p50",
                        num_or_null(lat, lat ? vlm_percentile(m->latencies_ms, m->n_latencies, 0.5) : 0));
    json_object_set_new(o, "latency_ms_mean", num_or_null(images, m->latency_ms_mean));
    json_object_set_new(o, "cost_usd_per_image",
                        num_or_null(images && m->cost_usd_per_image >= 0, m->cost_usd_per_image));
    json_object_set_new(o, "first_error", m->first_error ? json_string(m->first_error) : json_null());
    json_array_append_new(rows, o);
    return VLM_OK;
}

json_t *report_gen_build(vlm_store *s) {
    json_t *rows = json_array();
    if (store_gen_models(s, gen_row, rows) != VLM_OK) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}
