/*
 * report_gpu.h - the report's "gpu" section (report_gpu.c): what NVML saw on
 * each GPU while each model loaded and answered (store_gpu.h), with energy
 * per request and per 1k output tokens. docs/report-schema.md, docs/metrics.md
 * ("GPU (NVML)").
 */
#ifndef VLM_REPORT_GPU_H
#define VLM_REPORT_GPU_H

#include <jansson.h>

#include "vlmeter.h"

/* Add the "gpu" array to doc: one row per model x run x device ("device":
 * "0", "1", ..., or "total" over several devices) holding "model", "run_id",
 * "device", "name", "load" and "run" (each the phase's figures: mem_peak_bytes,
 * mem_total_bytes, util_mean_pct, power_mean_w, energy_j, energy_source,
 * temp_max_c, n_samples, span_s; a figure NVML never gave is absent; the
 * phase is absent when it was not sampled), and with the run
 * phase "requests", "output_tokens", "energy_per_request_j" (requests > 0)
 * and "energy_per_1k_output_tokens_j" (tokens > 0). Also puts, on each entry
 * of doc's "models" array, "gpu_energy_per_request_j": the latest run's over
 * all its devices. Nothing sampled: no "gpu" key and no model key (absent,
 * never zero). VLM_OK or VLM_ERR_IO (store_error). */
int report_add_gpu(vlm_store *s, json_t *doc);

/* Add the "electricity" array to doc: per model with a measured
 * "gpu_energy_per_request_j" x catalog GPU you own (a row with kwh_price):
 * "model", "gpu", "kwh_price", "currency", "energy_per_request_j",
 * "per_request" (energy in kWh x kwh_price), "per_1k_requests" and
 * "monthly" (per_request x requests_per_day x days per month). No such pair:
 * no key (docs/cost.md, "Electricity"). */
void report_add_electricity(json_t *doc, const vlm_catalog *cat, const struct vlm_requirements *r);

#endif
