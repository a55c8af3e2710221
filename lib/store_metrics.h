/*
 * store_metrics.h - the store's server-metrics tables (store_metrics.c):
 * `server_metrics` (figures of a server's /metrics page over a run or a bench
 * level: mean, max, delta per series) and `model_gpus` (the catalog GPU a
 * remote model runs on, gpu= and gpus=). docs/store-schema.md. Not public.
 */
#ifndef VLM_STORE_METRICS_H
#define VLM_STORE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "scrape.h"
#include "vlmeter.h"

/* Create the tables when missing. VLM_OK or VLM_ERR_IO. */
int store_metrics_ensure(vlm_store *s);

/* Keep the GPU a remote model runs on (rp->gpu, rp->n_gpus), or forget it
 * when rp->gpu is NULL: the latest run or bench of the model says. A local
 * model (no URL) writes nothing. VLM_OK or VLM_ERR_IO. */
int store_model_gpu(vlm_store *s, int64_t model_id, const struct vlm_remote_params *rp);

/* Start sampling the /metrics page of a remote model (metrics=, else its first
 * URL's host); NULL for a local model. */
scrape *store_metrics_start(const struct vlm_remote_params *rp);

/* Stop sm (NULL: nothing to do), say its note or warning through on_message,
 * and store its figures for run_id and model_id: against the latest bench
 * level of that run and model when `level`, else against the run. s NULL:
 * nothing is stored. VLM_OK or VLM_ERR_IO. */
int store_metrics_end(vlm_store *s, scrape *sm, int64_t run_id, int64_t model_id, bool level,
                      void (*on_message)(const char *line, void *user), void *user);

/* One stored figure, with the model's name and, for a bench level, its
 * concurrency and rate (level_id -1: the figure is a run's). */
struct store_metric_row {
    const char *model, *name, *stat;
    int64_t run_id, level_id;
    int concurrency;
    double rate, value;
};
/* Every stored figure, by model name, run, level (runs first), name, stat. */
int store_report_server_metrics(vlm_store *s, int (*cb)(const struct store_metric_row *r, void *user), void *user);

/* Every model: whether it is remote (its settings name URLs) and the GPU kept
 * for it (NULL and 0: none). */
int store_report_model_hosts(vlm_store *s,
                             int (*cb)(const char *model, bool remote, const char *gpu, int n_gpus, void *user),
                             void *user);

#endif
