/*
 * report_gpu.c - the report's "gpu" section: the rows of table gpu_usage
 * (store_gpu.c) folded into one object per model x run x device, its load and
 * run phases side by side, energy per request and per 1k output tokens from
 * the run phase; and the energy per request of each model's latest run on its
 * "models" entry, for the electricity cost (report_cost.c, docs/cost.md).
 * Every format prints the section through its table in report_tables.c.
 */
#include "report_gpu.h"
#include "store_gpu.h"

#include <stdio.h>
#include <string.h>

/* The rows being built: the current one is the last of the array. */
struct gpu_rows {
    json_t *rows, *row;
    const char *model; /* of the current row (owned by it) */
    int64_t run_id;
    int device;
};

/* A phase's figures; an unknown one (NULL in the store) is left out. */
static json_t *phase_json(const struct store_gpu_row *r) {
    const struct gpu_figures *f = &r->f;
    json_t *o = json_pack("{s:I, s:I, s:i, s:f}", "mem_peak_bytes", (json_int_t)f->mem_peak_bytes, "mem_total_bytes",
                          (json_int_t)f->mem_total_bytes, "n_samples", f->n_samples, "span_s", f->span_s);
    if (f->has_util) json_object_set_new(o, "util_mean_pct", json_real(f->util_mean_pct));
    if (f->has_power) json_object_set_new(o, "power_mean_w", json_real(f->power_mean_w));
    if (f->has_energy) json_object_set_new(o, "energy_j", json_real(f->energy_j));
    if (f->has_energy && r->energy_source) json_object_set_new(o, "energy_source", json_string(r->energy_source));
    if (f->has_temp) json_object_set_new(o, "temp_max_c", json_real(f->temp_max_c));
    return o;
}

/* Energy per request and per 1k output tokens from the run phase (when its
 * energy is known). */
static void put_per_request(json_t *row, const struct store_gpu_row *r) {
    json_object_set_new(row, "requests", json_integer(r->n_requests));
    json_object_set_new(row, "output_tokens", json_integer(r->n_output_tokens));
    if (r->f.has_energy && r->n_requests > 0)
        json_object_set_new(row, "energy_per_request_j", json_real(r->f.energy_j / (double)r->n_requests));
    if (r->f.has_energy && r->n_output_tokens > 0)
        json_object_set_new(row, "energy_per_1k_output_tokens_j",
                            json_real(r->f.energy_j * 1000 / (double)r->n_output_tokens));
}

static int gpu_row(const struct store_gpu_row *r, void *user) {
    struct gpu_rows *g = user;
    if (!g->row || strcmp(g->model, r->model) || g->run_id != r->run_id || g->device != r->device) {
        char device[16];
        if (r->device < 0) snprintf(device, sizeof device, "total");
        else snprintf(device, sizeof device, "%d", r->device);
        g->row = json_pack("{s:s, s:I, s:s, s:s}", "model", r->model, "run_id", (json_int_t)r->run_id, "device", device,
                           "name", r->name ? r->name : "");
        json_array_append_new(g->rows, g->row);
        g->model = json_string_value(json_object_get(g->row, "model"));
        g->run_id = r->run_id;
        g->device = r->device;
    }
    json_object_set_new(g->row, r->phase, phase_json(r));
    if (!strcmp(r->phase, "run")) put_per_request(g->row, r);
    return 0;
}

/* A model's energy per request: that of its last row. Rows come by run, the
 * total over several devices last, so that is the latest run's total (or its
 * one device); none there (energy unknown): none at all. */
static void put_model_energy(json_t *models, const json_t *rows) {
    size_t i, k;
    json_t *m, *row;
    json_array_foreach(models, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        json_t *last = NULL;
        json_array_foreach(rows, k, row) {
            if (name && !strcmp(name, json_string_value(json_object_get(row, "model")))) last = row;
        }
        json_t *e = last ? json_object_get(last, "energy_per_request_j") : NULL;
        if (e) json_object_set(m, "gpu_energy_per_request_j", e);
    }
}

/* One model's electricity on one owned GPU. */
static json_t *electricity_row(const char *model, double energy_j, const struct vlm_gpu *g, double requests_per_day) {
    double per_req = energy_j / 3.6e6 * g->kwh_price; /* 1 kWh = 3.6e6 J */
    return json_pack("{s:s, s:s, s:f, s:s, s:f, s:f, s:f, s:f}", "model", model, "gpu", g->name, "kwh_price",
                     g->kwh_price, "currency", g->currency, "energy_per_request_j", energy_j, "per_request", per_req,
                     "per_1k_requests", per_req * 1000, "monthly", per_req * requests_per_day * VLM_DAYS_PER_MONTH);
}

void report_add_electricity(json_t *doc, const vlm_catalog *cat, const struct vlm_requirements *r) {
    json_t *rows = json_array(), *m;
    size_t i;
    json_array_foreach(json_object_get(doc, "models"), i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        json_t *e = json_object_get(m, "gpu_energy_per_request_j");
        if (!name || !json_is_number(e)) continue;
        for (int g = 0; g < vlm_catalog_n_gpus(cat); g++) {
            const struct vlm_gpu *gpu = vlm_catalog_gpu(cat, g);
            if (gpu->kwh_price > 0 && (!r->currency[0] || !strcmp(r->currency, gpu->currency)))
                json_array_append_new(rows, electricity_row(name, json_number_value(e), gpu, r->requests_per_day));
        }
    }
    if (json_array_size(rows) > 0) json_object_set(doc, "electricity", rows);
    json_decref(rows);
}

int report_add_gpu(vlm_store *s, json_t *doc) {
    struct gpu_rows g = {json_array(), NULL, NULL, 0, 0};
    int rc = store_report_gpu(s, gpu_row, &g);
    if (rc == VLM_OK && json_array_size(g.rows) > 0) {
        put_model_energy(json_object_get(doc, "models"), g.rows);
        json_object_set(doc, "gpu", g.rows);
    }
    json_decref(g.rows);
    return rc;
}
