/*
 * report_metrics.h - the report's "server_metrics" section and the GPU of
 * self-hosted remote models (report_metrics.c; docs/report-schema.md).
 */
#ifndef VLM_REPORT_METRICS_H
#define VLM_REPORT_METRICS_H

#include <jansson.h>

#include "vlmeter.h"

/* One row per model x run (and per bench level) whose server's /metrics page
 * was read: "model", "run_id", "concurrency" and "rate" (null for a run),
 * "scope" (a label), then one object per series holding its statistics, e.g.
 * "kv_cache_usage": {"mean": 0.5, "max": 0.75}, "prompt_tokens": {"delta": 60},
 * "samples": {"count": 2}; a series the page lacked is absent. NULL when the
 * store cannot be read (store_error). */
json_t *report_server_metrics(vlm_store *s);

/* Add "remote" (its settings name URLs: a bench-only model has no load to
 * tell) to every entry of the document's "models" array, and "gpu" and "gpus"
 * to those that run on a stated GPU (gpu=, gpus=). VLM_OK or VLM_ERR_IO
 * (store_error). */
int report_add_model_hosts(vlm_store *s, json_t *doc);

#endif
