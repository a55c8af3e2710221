/*
 * report_metrics.c - the report's "server_metrics" section: the figures of
 * each server's /metrics page over a run or a bench level (stored by
 * store_metrics.c), one row per model x run or level; and whether a model is
 * remote and the GPU it runs on (gpu=, gpus=), put on its "models" entry for
 * the cost report.
 * docs/report-schema.md, docs/metrics.md ("Server metrics").
 */
#include "report_metrics.h"
#include "store_metrics.h"

#include <stdio.h>
#include <string.h>

/* The rows being built: the current one is the last of the array. */
struct metrics_rows {
    json_t *rows;
    json_t *row;
    const char *model; /* of the current row (owned by it) */
    int64_t run_id, level_id;
};

static json_t *new_row(const struct store_metric_row *r) {
    char scope[96];
    if (r->level_id < 0) snprintf(scope, sizeof scope, "run %lld", (long long)r->run_id);
    else if (r->rate > 0)
        snprintf(scope, sizeof scope, "bench %lld, concurrency %d, rate %g/s", (long long)r->run_id, r->concurrency,
                 r->rate);
    else snprintf(scope, sizeof scope, "bench %lld, concurrency %d", (long long)r->run_id, r->concurrency);
    bool level = r->level_id >= 0;
    return json_pack("{s:s, s:I, s:o, s:o, s:s}", "model", r->model, "run_id", (json_int_t)r->run_id, "concurrency",
                     level ? json_integer(r->concurrency) : json_null(), "rate",
                     level ? json_real(r->rate) : json_null(), "scope", scope);
}

static int metric_row(const struct store_metric_row *r, void *user) {
    struct metrics_rows *m = user;
    if (!m->row || strcmp(m->model, r->model) || m->run_id != r->run_id || m->level_id != r->level_id) {
        m->row = new_row(r);
        json_array_append_new(m->rows, m->row);
        m->model = json_string_value(json_object_get(m->row, "model"));
        m->run_id = r->run_id;
        m->level_id = r->level_id;
    }
    json_t *series = json_object_get(m->row, r->name);
    if (!series) {
        series = json_object();
        json_object_set_new(m->row, r->name, series);
    }
    json_object_set_new(series, r->stat, json_real(r->value));
    return 0;
}

json_t *report_server_metrics(vlm_store *s) {
    struct metrics_rows m = {json_array(), NULL, NULL, 0, 0};
    if (store_report_server_metrics(s, metric_row, &m) != VLM_OK) {
        json_decref(m.rows);
        return NULL;
    }
    return m.rows;
}

static int host_row(const char *model, bool remote, const char *gpu, int n_gpus, void *user) {
    size_t i;
    json_t *m;
    json_array_foreach((json_t *)user, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        if (!name || strcmp(name, model) != 0) continue;
        json_object_set_new(m, "remote", json_boolean(remote));
        if (!gpu) continue;
        json_object_set_new(m, "gpu", json_string(gpu));
        json_object_set_new(m, "gpus", json_integer(n_gpus > 0 ? n_gpus : 1));
    }
    return 0;
}

int report_add_model_hosts(vlm_store *s, json_t *doc) {
    return store_report_model_hosts(s, host_row, json_object_get(doc, "models"));
}
