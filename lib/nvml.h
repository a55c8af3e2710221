/*
 * nvml.h - NVIDIA's management library (NVML), opened with dlopen at run
 * time (nvml.c): never a build or link need. The library is $VLMETER_NVML_LIB
 * when set (the tests' fake, tests/tools/fakenvml.c), else libnvidia-ml.so.1.
 * Only the few readings the GPU sampler needs (gpu_sample.c), and the PCI bus
 * ids that tell which GPUs a model's layers are on. Not public.
 */
#ifndef VLM_NVML_H
#define VLM_NVML_H

#include <stdbool.h>
#include <stddef.h>

#define NVML_MAX_DEVICES 16

typedef struct nvml nvml;

/* One reading of one device. Memory is always there; each other field only
 * when its has_ flag is set (a board or a MIG slice may not report it). */
struct nvml_reading {
    unsigned long long mem_used, mem_total; /* bytes */
    bool has_util, has_power, has_temp, has_energy;
    unsigned util_pct;            /* GPU busy, percent of the last sample period */
    double power_w;               /* board power draw, watts */
    unsigned temp_c;              /* GPU core temperature, Celsius */
    unsigned long long energy_mj; /* energy counter (Volta+), millijoules since the driver loaded */
};

/* A PCI address, compared as numbers. */
struct nvml_pci {
    unsigned domain, bus, device;
};

/* Open and initialize NVML; NULL with why (one line, e.g. "cannot open
 * libnvidia-ml.so.1: ...") when the library is missing, lacks a function,
 * fails to start or sees no device. */
nvml *nvml_open(char *why, size_t why_len);

/* Shut NVML down and close the library (NULL: nothing). */
void nvml_close(nvml *n);

/* Devices seen at open whose handle NVML gave (1..NVML_MAX_DEVICES). */
int nvml_n_devices(const nvml *n);

/* Device i's name ("" when NVML would not say). */
const char *nvml_name(const nvml *n, int i);

/* Device i's index in NVML's numbering (as nvidia-smi shows it; differs from
 * i when an earlier device's handle failed). */
int nvml_index(const nvml *n, int i);

/* Device i's PCI address; false when NVML cannot say (no
 * nvmlDeviceGetPciInfo_v3, or it failed). */
bool nvml_pci(const nvml *n, int i, struct nvml_pci *out);

/* Read device i now; false (out untouched) when its memory cannot be read
 * (the other fields are optional: their has_ flags say). */
bool nvml_read(const nvml *n, int i, struct nvml_reading *out);

/* Parse a PCI bus id "DOMAIN:BUS:DEVICE.FUNCTION" in hex, any case and any
 * domain width ("0000:c1:00.0", "00000000:C1:00.0"); false when malformed. */
bool nvml_parse_bus_id(const char *s, struct nvml_pci *out);

/* Whether p is one of the comma-separated bus ids of list (malformed ones
 * never match). */
bool nvml_bus_id_in(const char *list, const struct nvml_pci *p);

#endif
