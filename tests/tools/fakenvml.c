/*
 * fakenvml.c - a stand-in for NVIDIA's libnvidia-ml.so.1, built as
 * libfakenvml.so and loaded by vlmeter through VLMETER_NVML_LIB (lib/nvml.c),
 * so the GPU figures are tested without a GPU. It exports the NVML functions
 * vlmeter resolves and answers them from a script in $FAKE_NVML, fields
 * separated by ';':
 *
 *   devices=N        how many GPUs (default 1; 0: none seen)
 *   name=TEXT        every device's name (default "Fake GPU")
 *   mem_mib=A,B,...  memory used in MiB, one value per memory query of a
 *                    device, cycled (each device keeps its own count)
 *   total_mib=N      every device's memory (default 16384)
 *   util=N           GPU utilization, percent (default 0)
 *   power_w=P0,P1..  device i's constant power draw in watts (the last value
 *                    for the devices after it; default 100)
 *   temp=N           temperature, Celsius (default 50)
 *   init=fail        nvmlInit_v2 fails
 *
 * e.g. FAKE_NVML="devices=2;name=Fake A10G;mem_mib=1000,3000,2000;util=40;power_w=150,50;temp=61"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEV 16
#define MAX_SEQ 64
#define EXPORT  __attribute__((visibility("default")))

struct fake_memory {
    unsigned long long total, free, used;
};
struct fake_utilization {
    unsigned int gpu, memory;
};

static struct {
    int devices;
    char name[96];
    double mem_mib[MAX_SEQ];
    int n_mem;
    double total_mib;
    unsigned util;
    double power_w[MAX_DEV];
    unsigned temp;
    int init_fail;
    int calls[MAX_DEV]; /* memory queries so far per device */
    int index[MAX_DEV]; /* the handles: pointers to these */
} F;

/* A comma-separated list of numbers into v (at most max); how many. */
static int read_list(const char *s, double *v, int max) {
    int n = 0;
    while (*s && n < max) {
        char *end;
        v[n++] = strtod(s, &end);
        if (*end != ',') break;
        s = end + 1;
    }
    return n;
}

/* The script of $FAKE_NVML into F. */
static void read_script(void) {
    memset(&F, 0, sizeof F);
    F.devices = 1;
    snprintf(F.name, sizeof F.name, "Fake GPU");
    F.total_mib = 16384;
    F.temp = 50;
    double power[MAX_DEV];
    int n_power = 0;
    const char *env = getenv("FAKE_NVML");
    char *script = strdup(env ? env : "");
    for (char *save = NULL, *kv = strtok_r(script, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(kv, "devices")) F.devices = atoi(v) > MAX_DEV ? MAX_DEV : atoi(v);
        else if (!strcmp(kv, "name")) snprintf(F.name, sizeof F.name, "%s", v);
        else if (!strcmp(kv, "mem_mib")) F.n_mem = read_list(v, F.mem_mib, MAX_SEQ);
        else if (!strcmp(kv, "total_mib")) F.total_mib = atof(v);
        else if (!strcmp(kv, "util")) F.util = (unsigned)atoi(v);
        else if (!strcmp(kv, "power_w")) n_power = read_list(v, power, MAX_DEV);
        else if (!strcmp(kv, "temp")) F.temp = (unsigned)atoi(v);
        else if (!strcmp(kv, "init")) F.init_fail = !strcmp(v, "fail");
    }
    free(script);
    for (int i = 0; i < MAX_DEV; i++) {
        F.power_w[i] = n_power == 0 ? 100 : power[i < n_power ? i : n_power - 1];
        F.index[i] = i;
    }
}

/* The device a handle points at, or -1. */
static int device_of(void *d) {
    int *p = d;
    return p >= F.index && p < F.index + F.devices ? *p : -1;
}

EXPORT int nvmlInit_v2(void) {
    read_script();
    return F.init_fail ? 999 : 0;
}

EXPORT int nvmlShutdown(void) { return 0; }

EXPORT int nvmlDeviceGetCount_v2(unsigned int *n) {
    *n = (unsigned)F.devices;
    return 0;
}

EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **d) {
    if ((int)i >= F.devices) return 2;
    *d = &F.index[i];
    return 0;
}

EXPORT int nvmlDeviceGetName(void *d, char *name, unsigned int len) {
    if (device_of(d) < 0) return 2;
    snprintf(name, len, "%s", F.name);
    return 0;
}

EXPORT int nvmlDeviceGetMemoryInfo(void *d, struct fake_memory *m) {
    int i = device_of(d);
    if (i < 0) return 2;
    double used = F.n_mem ? F.mem_mib[F.calls[i]++ % F.n_mem] : 0;
    m->total = (unsigned long long)(F.total_mib * 1048576);
    m->used = (unsigned long long)(used * 1048576);
    m->free = m->total > m->used ? m->total - m->used : 0;
    return 0;
}

EXPORT int nvmlDeviceGetUtilizationRates(void *d, struct fake_utilization *u) {
    if (device_of(d) < 0) return 2;
    u->gpu = F.util;
    u->memory = F.util;
    return 0;
}

EXPORT int nvmlDeviceGetPowerUsage(void *d, unsigned int *mw) {
    int i = device_of(d);
    if (i < 0) return 2;
    *mw = (unsigned)(F.power_w[i] * 1000 + 0.5);
    return 0;
}

EXPORT int nvmlDeviceGetTemperature(void *d, int sensor, unsigned int *c) {
    if (device_of(d) < 0 || sensor != 0) return 2;
    *c = F.temp;
    return 0;
}
