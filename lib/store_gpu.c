/*
 * store_gpu.c - the `gpu_usage` table: per model x run x phase (load, run) x
 * device, the figures of gpu_sample.h. Keyed by model_id and run_id as
 * model_loads is, so a merge of stores copies it as it is.
 * Schema: docs/store-schema.md; figures: docs/metrics.md ("GPU (NVML)").
 */
#include "store_gpu.h"
#include "store_impl.h"
#include "util.h"

#include <stdio.h>

static const char *const GPU_SCHEMA =
    "CREATE TABLE IF NOT EXISTS gpu_usage("
    "  model_id INTEGER, run_id INTEGER, phase TEXT, device INTEGER, name TEXT,"
    "  mem_peak_bytes INTEGER, mem_total_bytes INTEGER, util_mean_pct REAL, power_mean_w REAL, energy_j REAL,"
    "  temp_max_c REAL, n_samples INTEGER, span_s REAL, created_at TEXT, energy_source TEXT,"
    "  PRIMARY KEY(model_id, run_id, phase, device));";

static const char *const PHASE_NAMES[GPU_N_PHASES] = {"load", "run"};

int store_gpu_ensure(vlm_store *s) {
    if (store_exec(s, "creating table gpu_usage", GPU_SCHEMA) != VLM_OK) return VLM_ERR_IO;
    store_q q; /* a table made before energy_source was added */
    if (store_q_prepare(s, &q, "reading the columns of table gpu_usage",
                        "SELECT 1 FROM pragma_table_info('gpu_usage') WHERE name='energy_source'") != VLM_OK)
        return VLM_ERR_IO;
    bool found = store_q_row(&q);
    if (store_q_end(&q, VLM_OK) != VLM_OK) return VLM_ERR_IO;
    return found ? VLM_OK
                 : store_exec(s, "adding column energy_source", "ALTER TABLE gpu_usage ADD COLUMN energy_source TEXT");
}

/* The stored name of an energy source. */
static const char *source_name(enum gpu_energy_source e) {
    return e == GPU_ENERGY_COUNTER ? "counter" : e == GPU_ENERGY_POWER ? "power" : "mixed";
}

/* A REAL that is NULL when unknown. */
static void bind_opt(store_q *q, int i, bool has, double v) {
    if (has) store_bind_double(q, i, v);
    else store_bind_text(q, i, NULL);
}


static int put_row(vlm_store *s, int64_t run_id, int64_t model_id, int phase, int device, const char *name,
                   const struct gpu_figures *f) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table gpu_usage",
                        "INSERT OR REPLACE INTO gpu_usage(model_id, run_id, phase, device, name, mem_peak_bytes,"
                        " mem_total_bytes, util_mean_pct, power_mean_w, energy_j, temp_max_c, n_samples, span_s,"
                        " energy_source, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                        " ?14, strftime('%Y-%m-%dT%H:%M:%fZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_int(&q, 2, run_id);
    store_bind_text(&q, 3, PHASE_NAMES[phase]);
    store_bind_int(&q, 4, device);
    store_bind_text(&q, 5, name);
    store_bind_int(&q, 6, (int64_t)f->mem_peak_bytes);
    store_bind_int(&q, 7, (int64_t)f->mem_total_bytes);
    bind_opt(&q, 8, f->has_util, f->util_mean_pct);
    bind_opt(&q, 9, f->has_power, f->power_mean_w);
    bind_opt(&q, 10, f->has_energy, f->energy_j);
    bind_opt(&q, 11, f->has_temp, f->temp_max_c);
    store_bind_int(&q, 12, f->n_samples);
    store_bind_double(&q, 13, f->span_s);
    store_bind_text(&q, 14, f->has_energy ? source_name(f->energy_source) : NULL);
    return store_q_write(&q);
}

/* The rows of one phase: each kept device with a reading (under NVML's
 * index), then the total over them when there are several. */
static int put_phase(vlm_store *s, int64_t run_id, int64_t model_id, int phase, const struct gpu_result *res,
                     const bool *keep) {
    const struct gpu_acc *a = &res->phase[phase];
    struct gpu_figures f;
    for (int i = 0; i < a->n_dev; i++)
        if (keep[i] && gpu_acc_device(a, i, &f) &&
            put_row(s, run_id, model_id, phase, res->index[i], res->names[i], &f) != VLM_OK)
            return VLM_ERR_IO;
    int n_read = 0;
    if (!gpu_acc_total(a, keep, &f, &n_read) || n_read < 2) return VLM_OK;
    char total_name[32];
    snprintf(total_name, sizeof total_name, "%d devices", n_read);
    return put_row(s, run_id, model_id, phase, -1, total_name, &f);
}

int store_gpu_end(vlm_store *s, gpu_sampler *g, int64_t run_id, int64_t model_id, const char *bus_ids) {
    if (!g) return VLM_OK;
    struct gpu_result *res = xmalloc(sizeof *res);
    gpu_sampler_stop(g, res);
    bool keep[NVML_MAX_DEVICES];
    gpu_keep_devices(res, bus_ids, keep);
    int rc = VLM_OK;
    if (s && (store_gpu_ensure(s) != VLM_OK || store_begin(s) != VLM_OK)) rc = VLM_ERR_IO;
    for (int p = 0; s && rc == VLM_OK && p < GPU_N_PHASES; p++) rc = put_phase(s, run_id, model_id, p, res, keep);
    if (s && rc == VLM_OK) rc = store_commit(s);
    else if (s && rc != VLM_OK) store_rollback(s);
    gpu_result_free(res);
    free(res);
    return rc;
}

int store_report_gpu(vlm_store *s, int (*cb)(const struct store_gpu_row *r, void *user), void *user) {
    if (store_gpu_ensure(s) != VLM_OK) return VLM_ERR_IO;
    store_q q;
    if (store_q_prepare(s, &q, "reading table gpu_usage",
                        "SELECT m.name, g.run_id, g.phase, g.device, g.name, g.mem_peak_bytes, g.mem_total_bytes,"
                        " g.util_mean_pct, g.power_mean_w, g.energy_j, g.temp_max_c, g.n_samples, g.span_s,"
                        " (SELECT count(*) FROM answers a WHERE a.model_id=g.model_id AND a.run_id=g.run_id),"
                        " (SELECT coalesce(sum(a.n_output_tokens), 0) FROM answers a"
                        "   WHERE a.model_id=g.model_id AND a.run_id=g.run_id), g.energy_source"
                        " FROM gpu_usage g JOIN models m ON m.id=g.model_id"
                        /* runs in the order they started (a merged store's run ids follow the merge) */
                        " ORDER BY m.name, (SELECT started_at FROM runs WHERE id=g.run_id), g.run_id, g.device < 0,"
                        " g.device, g.phase='run'") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_gpu_row r = {
            .model = store_col_text(&q, 0),
            .run_id = store_col_int(&q, 1),
            .phase = store_col_text(&q, 2),
            .device = (int)store_col_int(&q, 3),
            .name = store_col_text(&q, 4),
            .f = {.mem_peak_bytes = (uint64_t)store_col_int(&q, 5),
                  .mem_total_bytes = (uint64_t)store_col_int(&q, 6),
                  .has_util = !store_col_null(&q, 7),
                  .has_power = !store_col_null(&q, 8),
                  .has_energy = !store_col_null(&q, 9),
                  .has_temp = !store_col_null(&q, 10),
                  .util_mean_pct = store_col_double(&q, 7),
                  .power_mean_w = store_col_double(&q, 8),
                  .energy_j = store_col_double(&q, 9),
                  .temp_max_c = store_col_double(&q, 10),
                  .n_samples = (int)store_col_int(&q, 11),
                  .span_s = store_col_double(&q, 12)},
            .n_requests = store_col_int(&q, 13),
            .n_output_tokens = store_col_int(&q, 14),
            .energy_source = store_col_text(&q, 15),
        };
        if (r.model && r.phase) rc = cb(&r, user);
    }
    return store_q_end(&q, rc);
}
