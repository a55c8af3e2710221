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

/* Where a span's energy came from: NVML's energy counter (exact) or power
 * readings integrated by the trapezoid rule; a total over devices may mix. */
enum gpu_energy_source { GPU_ENERGY_COUNTER = 1, GPU_ENERGY_POWER = 2, GPU_ENERGY_MIXED = 3 };

/* One device's figures over a span (or the total over devices). A figure
 * whose has_ flag is false had no reading: it is unknown, never 0. */
struct gpu_figures {
    uint64_t mem_peak_bytes;  /* highest memory used seen (total: highest sum over devices at one reading) */
    uint64_t mem_total_bytes; /* the device's memory (total: the sum) */
    bool has_util, has_power, has_energy, has_temp;
    double util_mean_pct; /* mean over the readings that have it (total: mean of the devices' means) */
    double power_mean_w;  /* energy / its span, or the one power reading (total: the sum) */
    double energy_j;      /* counter's last - first, else power integrated (total: the sum) */
    enum gpu_energy_source energy_source;
    double temp_max_c; /* highest temperature (total: the highest of all) */
    int n_samples;     /* readings (total: ticks) */
    double span_s;     /* last reading's time - first's (total: the longest) */
};

/* The accumulator of one span: one reading per device per tick. */
struct gpu_acc_dev {
    int n;               /* readings so far */
    double t0, t_last;   /* first and last reading's time, seconds */
    int n_util, n_temp;  /* readings that had utilization, temperature */
    double util_sum;     /* sum of utilizations, percent */
    double temp_max_c;   /* so far */
    bool p_last_ok;      /* the last reading had power */
    double p_last;       /* its power, watts (the trapezoid's left side) */
    int n_power;         /* readings that had power */
    double energy_pw_j;  /* power integrated between consecutive readings that both have it */
    double power_span_s; /* the time those pairs cover */
    bool e_first_ok;     /* the first reading had the energy counter */
    bool e_last_ok;      /* the last one had it */
    unsigned long long e_first_mj, e_last_mj;
    uint64_t mem_last;  /* last memory used (a failed reading keeps it) */
    uint64_t mem_peak;  /* so far */
    uint64_t mem_total; /* last total */
};
struct gpu_acc {
    int n_dev;
    struct gpu_acc_dev dev[NVML_MAX_DEVICES];
    int n_ticks;
    uint64_t *tick_mem; /* per tick, each device's last memory used (0 before its first
                           reading): n_ticks x n_dev, for the peak of a sum over any devices */
    int tick_cap;       /* ticks tick_mem has room for */
};

/* An empty accumulator for n_dev devices. */
void gpu_acc_init(struct gpu_acc *a, int n_dev);

/* Free what the accumulator holds (it is empty after). */
void gpu_acc_free(struct gpu_acc *a);

/* One tick at time t_s (seconds, any origin, not decreasing): r[i] the
 * reading of device i, skipped where ok[i] is false (the device keeps what it
 * had; its memory still counts in the sum at its last value). */
void gpu_acc_tick(struct gpu_acc *a, double t_s, const struct nvml_reading *r, const bool *ok);

/* Device i's figures; false when it has no reading. */
bool gpu_acc_device(const struct gpu_acc *a, int i, struct gpu_figures *f);

/* The figures over the devices where keep[i] (keep NULL: every device);
 * false when none of them has a reading. Energy and power are there only
 * when every such device with a reading has them (a sum missing a device
 * would understate); utilization and temperature over those that have them.
 * *n_read (may be NULL): how many of the devices had a reading. */
bool gpu_acc_total(const struct gpu_acc *a, const bool *keep, struct gpu_figures *f, int *n_read);

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
    int index[NVML_MAX_DEVICES];    /* NVML's index of each device */
    bool has_pci[NVML_MAX_DEVICES]; /* its PCI address is known */
    struct nvml_pci pci[NVML_MAX_DEVICES];
};

/* Which devices of res hold a model whose GPUs have the comma-separated PCI
 * bus ids (ggml's, "0000:c1:00.0"): keep[i] for each of res's devices. bus_ids
 * NULL or "" (ggml named no GPU), or a device whose PCI address NVML cannot
 * say: every device (the machine's view). Pure. */
void gpu_keep_devices(const struct gpu_result *res, const char *bus_ids, bool keep[NVML_MAX_DEVICES]);

/* Free what a result's accumulators hold. */
void gpu_result_free(struct gpu_result *res);

/* Take a last reading, stop the thread, close NVML and fill *out. NULL:
 * nothing (out untouched). out is freed with gpu_result_free. */
void gpu_sampler_stop(gpu_sampler *g, struct gpu_result *out);

#endif
