/*
 * store_gpu.h - the store's `gpu_usage` table (store_gpu.c): what NVML saw on
 * each GPU while a model loaded and while it answered, per model x run x
 * device (and the total over devices when there are several). It starts and
 * stops the sampler (gpu_sample.h) around the work, as store_metrics.h does
 * for a server's /metrics page. docs/store-schema.md, docs/metrics.md. Not
 * public.
 */
#ifndef VLM_STORE_GPU_H
#define VLM_STORE_GPU_H

#include <stdbool.h>
#include <stdint.h>

#include "gpu_sample.h"
#include "vlmeter.h"

/* Create the table when missing. VLM_OK or VLM_ERR_IO. */
int store_gpu_ensure(vlm_store *s);

/* Stop g (NULL: nothing to do) and store what it saw for model_id in run_id
 * on the devices the model's layers are on (bus_ids: the model's GPUs' PCI
 * bus ids, comma-separated; NULL or "": every device, gpu_keep_devices):
 * one row per phase x device with a reading (device: NVML's index), and
 * device -1 ("N devices") when N > 1 of them have a reading. Unknown figures
 * are NULL. s NULL: nothing stored. VLM_OK or VLM_ERR_IO. */
int store_gpu_end(vlm_store *s, gpu_sampler *g, int64_t run_id, int64_t model_id, const char *bus_ids);

/* One stored row, with the model's name and what the model answered in that
 * run: its turns (errors included) and their output tokens. */
struct store_gpu_row {
    const char *model, *phase, *name;
    int64_t run_id;
    int device;           /* -1: the total over devices */
    struct gpu_figures f; /* its has_ flags: the column is not NULL */
    int64_t n_requests, n_output_tokens;
    const char *energy_source; /* "counter", "power", "mixed"; NULL without energy */
};
/* Every row, by model name, run, device (the total last), phase (load first). */
int store_report_gpu(vlm_store *s, int (*cb)(const struct store_gpu_row *r, void *user), void *user);

#endif
