/*
 * store_metrics.c - the server-metrics tables: the figures a server's /metrics
 * page gave over a run or a bench level (scrape.c reads the page; this file
 * starts and stops it around the work and keeps what it found), and the GPU a
 * remote model is said to run on (gpu=, gpus=), which prices it as a
 * self-hosted model (docs/cost.md). Schema: docs/store-schema.md.
 */
#include "store_metrics.h"
#include "store_impl.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char *const METRICS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS server_metrics("
    "  run_id INTEGER, model_id INTEGER, level_id INTEGER, name TEXT, stat TEXT, value REAL, created_at TEXT);"
    "CREATE TABLE IF NOT EXISTS model_gpus(model_id INTEGER PRIMARY KEY, gpu TEXT NOT NULL, n_gpus INTEGER);";

int store_metrics_ensure(vlm_store *s) { return store_exec(s, "creating the server-metrics tables", METRICS_SCHEMA); }

int store_model_gpu(vlm_store *s, int64_t model_id, const struct vlm_remote_params *rp) {
    if (!s || rp->n_urls == 0) return VLM_OK;
    if (store_metrics_ensure(s) != VLM_OK) return VLM_ERR_IO;
    store_q q;
    if (store_q_prepare(s, &q, "writing table model_gpus",
                        rp->gpu ? "INSERT OR REPLACE INTO model_gpus(model_id, gpu, n_gpus) VALUES(?1, ?2, ?3)"
                                : "DELETE FROM model_gpus WHERE model_id=?1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    if (rp->gpu) {
        store_bind_text(&q, 2, rp->gpu);
        store_bind_int(&q, 3, rp->n_gpus > 0 ? rp->n_gpus : 1);
    }
    return store_q_write(&q);
}

scrape *store_metrics_start(const struct vlm_remote_params *rp) {
    char url[1024];
    if (rp->n_urls == 0) return NULL;
    if (rp->metrics_url) return scrape_start(rp->metrics_url, true);
    return scrape_default_url(rp->urls[0], url, sizeof url) ? scrape_start(url, false) : NULL;
}

static int put_figure(vlm_store *s, int64_t run_id, int64_t model_id, bool level, const struct scrape_figure *f) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table server_metrics",
                        "INSERT INTO server_metrics(run_id, model_id, level_id, name, stat, value, created_at)"
                        " VALUES(?1, ?2, CASE WHEN ?3 THEN (SELECT max(id) FROM bench_levels"
                        "   WHERE run_id=?1 AND model_id=?2) END, ?4, ?5, ?6,"
                        " strftime('%Y-%m-%dT%H:%M:%fZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, run_id);
    store_bind_int(&q, 2, model_id);
    store_bind_int(&q, 3, level);
    store_bind_text(&q, 4, f->name);
    store_bind_text(&q, 5, f->stat);
    store_bind_double(&q, 6, f->value);
    return store_q_write(&q);
}

int store_metrics_end(vlm_store *s, scrape *sm, int64_t run_id, int64_t model_id, bool level,
                      void (*on_message)(const char *line, void *user), void *user) {
    if (!sm) return VLM_OK;
    struct scrape_figure f[SCRAPE_MAX_FIGURES];
    int n = 0;
    char msg[512];
    bool warning = false;
    scrape_stop(sm, f, &n, msg, sizeof msg, &warning);
    if (msg[0]) util_say(on_message, user, "%s: %s", warning ? "warning" : "note", msg);
    if (!s || n == 0) return VLM_OK;
    if (store_metrics_ensure(s) != VLM_OK || store_begin(s) != VLM_OK) return VLM_ERR_IO;
    for (int i = 0; i < n; i++)
        if (put_figure(s, run_id, model_id, level, &f[i]) != VLM_OK) return store_rollback(s), VLM_ERR_IO;
    return store_commit(s);
}

int store_report_server_metrics(vlm_store *s, int (*cb)(const struct store_metric_row *r, void *user), void *user) {
    if (store_metrics_ensure(s) != VLM_OK) return VLM_ERR_IO;
    store_q q;
    if (store_q_prepare(s, &q, "reading table server_metrics",
                        "SELECT m.name, x.run_id, x.level_id, l.concurrency, l.rate, x.name, x.stat, x.value"
                        " FROM server_metrics x JOIN models m ON m.id=x.model_id"
                        " LEFT JOIN bench_levels l ON l.id=x.level_id"
                        " ORDER BY m.name, x.run_id, x.level_id IS NOT NULL, x.level_id, x.rowid") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_metric_row r = {
            .model = store_col_text(&q, 0),
            .run_id = store_col_int(&q, 1),
            .level_id = store_col_null(&q, 2) ? -1 : store_col_int(&q, 2),
            .concurrency = (int)store_col_int(&q, 3),
            .rate = store_col_double(&q, 4),
            .name = store_col_text(&q, 5),
            .stat = store_col_text(&q, 6),
            .value = store_col_double(&q, 7),
        };
        if (r.model && r.name && r.stat) rc = cb(&r, user);
    }
    return store_q_end(&q, rc);
}

int store_report_model_hosts(vlm_store *s,
                             int (*cb)(const char *model, bool remote, const char *gpu, int n_gpus, void *user),
                             void *user) {
    if (store_metrics_ensure(s) != VLM_OK) return VLM_ERR_IO;
    store_q q;
    if (store_q_prepare(s, &q, "reading tables models and model_gpus",
                        "SELECT m.name, json_valid(m.settings) AND json_extract(m.settings, '$.urls') IS NOT NULL,"
                        " g.gpu, g.n_gpus FROM models m LEFT JOIN model_gpus g ON g.model_id=m.id") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        const char *model = store_col_text(&q, 0);
        if (model) rc = cb(model, store_col_int(&q, 1) != 0, store_col_text(&q, 2), (int)store_col_int(&q, 3), user);
    }
    return store_q_end(&q, rc);
}
