/*
 * gpu_sample.h - GPU figures over a span of work (gpu_sample.c): a pure
 * accumulator of timed readings (gpu_acc, unit-tested on hand-worked
 * samples) and a background thread that feeds it from NVML (nvml.h) every
 * period, in two phases: a model's load, then its answers. The figures are
 * defined in docs/metrics.md ("GPU (NVML)"). Not public.
 */
#ifndef VLM_GPU_SAMPLE_H
#define VLM_GPU_SAMPLE_H

/* The sampling period when a run gives none (vlm_run_params.gpu_sample_ms -1). */
#define GPU_SAMPLE_MS_DEFAULT 100

#include <stdbool.h>
#include <stdint.h>

#include "nvml.h"

/* One device's figures over a span (or the total over devices). */
struct gpu_figures {
    uint64_t mem_peak_bytes;  /* highest memory used seen (total: highest sum over devices at one reading) */
    uint64_t mem_total_bytes; /* the device's memory (total: the sum) */
    double util_mean_pct;     /* mean of the readings (total: mean of the devices' means) */
    double power_mean_w;      /* energy / span, or the one reading (total: the sum) */
    double energy_j;          /* power integrated by the trapezoid rule (total: the sum) */
    double temp_max_c;        /* highest temperature (total: the highest of all) */
    int n_samples;            /* readings (total: ticks) */
    double span_s;            /* last reading's time - first's (total: the longest) */
};

/* The accumulator of one span: one reading per device per tick. */
struct gpu_acc_dev {
    int n;              /* readings so far */
    double t0, t_last;  /* first and last reading's time, seconds */
    double p_last;      /* last power, watts (the trapezoid's left side) */
    double util_sum;    /* sum of utilizations, percent */
    double energy_j;    /* so far */
    double temp_max_c;  /* so far */
    uint64_t mem_last;  /* last memory used (a failed reading keeps it) */
    uint64_t mem_peak;  /* so far */
    uint64_t mem_total; /* last total */
};
struct gpu_acc {
    int n_dev;
    struct gpu_acc_dev dev[NVML_MAX_DEVICES];
    int n_ticks;
    uint64_t sum_peak; /* highest sum of the devices' last memory used at a tick */
};

/* An empty accumulator for n_dev devices. */
void gpu_acc_init(struct gpu_acc *a, int n_dev);

/* One tick at time t_s (seconds, any origin, not decreasing): r[i] the
 * reading of device i, skipped where ok[i] is false (the device keeps what it
 * had; its memory still counts in the sum at its last value). */
void gpu_acc_tick(struct gpu_acc *a, double t_s, const struct nvml_reading *r, const bool *ok);

/* Device i's figures; false when it has no reading. */
bool gpu_acc_device(const struct gpu_acc *a, int i, struct gpu_figures *f);

/* The figures over every device (definitions above); false when no device
 * has a reading. */
bool gpu_acc_total(const struct gpu_acc *a, struct gpu_figures *f);

/* ------------------------------------------------------------ sampler */

/* The phases of one model's work. */
enum gpu_phase { GPU_LOAD, GPU_RUN, GPU_N_PHASES };

typedef struct gpu_sampler gpu_sampler;

/* Open NVML and start reading every period_ms into phase GPU_LOAD. NULL when
 * period_ms <= 0 (why "") or NVML is not there (why says so: sampling off). */
gpu_sampler *gpu_sampler_start(int period_ms, char *why, size_t why_len);

/* End the current phase and start the next: one reading closes the one and
 * opens the other. NULL: nothing. */
void gpu_sampler_next_phase(gpu_sampler *g);

/* What a sampler found: each phase's accumulator (a phase never entered has
 * no tick) and the devices' names. */
struct gpu_result {
    struct gpu_acc phase[GPU_N_PHASES];
    char names[NVML_MAX_DEVICES][96];
};

/* Take a last reading, stop the thread, close NVML and fill *out. NULL:
 * nothing (out untouched). */
void gpu_sampler_stop(gpu_sampler *g, struct gpu_result *out);

#endif
