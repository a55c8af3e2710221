/*
 * nvml.h - NVIDIA's management library (NVML), opened with dlopen at run
 * time (nvml.c): never a build or link need. The library is $VLMETER_NVML_LIB
 * when set (the tests' fake, tests/tools/fakenvml.c), else libnvidia-ml.so.1.
 * Only the few readings the GPU sampler needs (gpu_sample.c). Not public.
 */
#ifndef VLM_NVML_H
#define VLM_NVML_H

#include <stdbool.h>
#include <stddef.h>

#define NVML_MAX_DEVICES 16

typedef struct nvml nvml;

/* One reading of one device. */
struct nvml_reading {
    unsigned long long mem_used, mem_total; /* bytes */
    unsigned util_pct;                      /* GPU busy, percent of the last sample period */
    double power_w;                         /* board power draw, watts */
    unsigned temp_c;                        /* GPU core temperature, Celsius */
};

/* Open and initialize NVML; NULL with why (one line, e.g. "cannot open
 * libnvidia-ml.so.1: ...") when the library is missing, lacks a function,
 * fails to start or sees no device. */
nvml *nvml_open(char *why, size_t why_len);

/* Shut NVML down and close the library (NULL: nothing). */
void nvml_close(nvml *n);

/* Devices seen at open (1..NVML_MAX_DEVICES). */
int nvml_n_devices(const nvml *n);

/* Device i's name ("" when NVML would not say). */
const char *nvml_name(const nvml *n, int i);

/* Read device i now; false (out untouched) when any query fails. */
bool nvml_read(const nvml *n, int i, struct nvml_reading *out);

#endif
