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
 *   mem_mib=maps     memory used = the bytes of this process's mappings of
 *                    *.gguf files (/proc/self/maps): a model's weights as
 *                    llama.cpp maps them, there while the model is loaded
 *   total_mib=N      every device's memory (default 16384)
 *   util=N           GPU utilization, percent (default 0)
 *   power_w=P0,P1..  device i's constant power draw in watts (the last value
 *                    for the devices after it; default 100)
 *   temp=N           temperature, Celsius (default 50)
 *   init=fail        nvmlInit_v2 fails
 *   fail=F,G..       these readings fail on every device (NOT_SUPPORTED):
 *                    util, power, temp, mem
 *   handle_fail=I    device I's handle fails (NVML's other indexes stay)
 *   mem_fail_dev=I   device I's memory reading fails (it never has a reading)
 *   energy_step_mj=N nvmlDeviceGetTotalEnergyConsumption answers 1000000 +
 *                    k x N mJ at a device's k-th query (k from 0); without
 *                    it the counter is NOT_SUPPORTED (a pre-Volta board)
 *   bus_ids=A,B..    device i's PCI bus id for nvmlDeviceGetPciInfo_v3
 *                    (e.g. 00000000:C1:00.0); without it NOT_SUPPORTED
 *
 * e.g. FAKE_NVML="devices=2;name=Fake A10G;mem_mib=1000,3000,2000;util=40;power_w=150,50;temp=61"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEV       16
#define MAX_SEQ       64
#define EXPORT        __attribute__((visibility("default")))
#define NOT_SUPPORTED 3 /* NVML_ERROR_NOT_SUPPORTED */

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
    int mem_maps; /* mem_mib=maps */
    double total_mib;
    unsigned util;
    double power_w[MAX_DEV];
    unsigned temp;
    int init_fail;
    int fail_util, fail_power, fail_temp, fail_mem;
    int handle_fail;  /* -1: none */
    int mem_fail_dev; /* -1: none */
    double energy_step_mj;
    int energy_calls[MAX_DEV]; /* energy queries so far per device */
    char bus_ids[MAX_DEV][32];
    int n_bus_ids;
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

/* A comma-separated list of bus ids into F.bus_ids. */
static void read_bus_ids(const char *v) {
    while (*v && F.n_bus_ids < MAX_DEV) {
        size_t len = strcspn(v, ",");
        snprintf(F.bus_ids[F.n_bus_ids++], sizeof F.bus_ids[0], "%.*s", (int)len, v);
        v += len + (v[len] == ',');
    }
}

/* Bytes of this process's mappings of files named *.gguf. */
static unsigned long long gguf_mapped(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return 0;
    unsigned long long sum = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        unsigned long long lo, hi;
        line[strcspn(line, "\n")] = '\0';
        size_t len = strlen(line);
        if (len > 5 && !strcmp(line + len - 5, ".gguf") && sscanf(line, "%llx-%llx", &lo, &hi) == 2) sum += hi - lo;
    }
    fclose(f);
    return sum;
}

/* gguf_mapped() read once per sampling round, shared by its devices: a round
 * reads devices in increasing order, so a device not above the last one read
 * starts the next round. (Read per device, a mapping llama.cpp changes between
 * two devices' calls would give one round two different states.) */
static unsigned long long mapped_this_round(int device) {
    static int last_device = -1;
    static unsigned long long bytes;
    if (device <= last_device || last_device < 0) bytes = gguf_mapped();
    last_device = device;
    return bytes;
}

/* The script of $FAKE_NVML into F. */
static void read_script(void) {
    memset(&F, 0, sizeof F);
    F.devices = 1;
    snprintf(F.name, sizeof F.name, "Fake GPU");
    F.total_mib = 16384;
    F.temp = 50;
    F.handle_fail = -1;
    F.mem_fail_dev = -1;
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
        else if (!strcmp(kv, "mem_mib") && !strcmp(v, "maps")) F.mem_maps = 1;
        else if (!strcmp(kv, "mem_mib")) F.n_mem = read_list(v, F.mem_mib, MAX_SEQ);
        else if (!strcmp(kv, "total_mib")) F.total_mib = atof(v);
        else if (!strcmp(kv, "util")) F.util = (unsigned)atoi(v);
        else if (!strcmp(kv, "power_w")) n_power = read_list(v, power, MAX_DEV);
        else if (!strcmp(kv, "temp")) F.temp = (unsigned)atoi(v);
        else if (!strcmp(kv, "init")) F.init_fail = !strcmp(v, "fail");
        else if (!strcmp(kv, "fail")) {
            F.fail_util = strstr(v, "util") != NULL;
            F.fail_power = strstr(v, "power") != NULL;
            F.fail_temp = strstr(v, "temp") != NULL;
            F.fail_mem = strstr(v, "mem") != NULL;
        } else if (!strcmp(kv, "handle_fail")) F.handle_fail = atoi(v);
        else if (!strcmp(kv, "mem_fail_dev")) F.mem_fail_dev = atoi(v);
        else if (!strcmp(kv, "energy_step_mj")) F.energy_step_mj = atof(v);
        else if (!strcmp(kv, "bus_ids")) read_bus_ids(v);
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
    if ((int)i >= F.devices || (int)i == F.handle_fail) return 2;
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
    if (F.fail_mem || i == F.mem_fail_dev) return NOT_SUPPORTED;
    double used = F.n_mem ? F.mem_mib[F.calls[i]++ % F.n_mem] : 0;
    m->total = (unsigned long long)(F.total_mib * 1048576);
    m->used = F.mem_maps ? mapped_this_round(i) : (unsigned long long)(used * 1048576);
    m->free = m->total > m->used ? m->total - m->used : 0;
    return 0;
}

EXPORT int nvmlDeviceGetUtilizationRates(void *d, struct fake_utilization *u) {
    if (device_of(d) < 0) return 2;
    if (F.fail_util) return NOT_SUPPORTED;
    u->gpu = F.util;
    u->memory = F.util;
    return 0;
}

EXPORT int nvmlDeviceGetPowerUsage(void *d, unsigned int *mw) {
    int i = device_of(d);
    if (i < 0) return 2;
    if (F.fail_power) return NOT_SUPPORTED;
    *mw = (unsigned)(F.power_w[i] * 1000 + 0.5);
    return 0;
}

EXPORT int nvmlDeviceGetTemperature(void *d, int sensor, unsigned int *c) {
    if (device_of(d) < 0 || sensor != 0) return 2;
    if (F.fail_temp) return NOT_SUPPORTED;
    *c = F.temp;
    return 0;
}

EXPORT int nvmlDeviceGetTotalEnergyConsumption(void *d, unsigned long long *mj) {
    int i = device_of(d);
    if (i < 0) return 2;
    if (F.energy_step_mj <= 0) return NOT_SUPPORTED;
    *mj = 1000000ULL + (unsigned long long)(F.energy_calls[i]++ * F.energy_step_mj);
    return 0;
}

/* nvmlPciInfo_t, version 3 */
struct fake_pci_info {
    char bus_id_legacy[16];
    unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
    char bus_id[32];
};

EXPORT int nvmlDeviceGetPciInfo_v3(void *d, struct fake_pci_info *p) {
    int i = device_of(d);
    if (i < 0) return 2;
    if (i >= F.n_bus_ids) return NOT_SUPPORTED;
    memset(p, 0, sizeof *p);
    snprintf(p->bus_id, sizeof p->bus_id, "%s", F.bus_ids[i]);
    if (sscanf(F.bus_ids[i], "%x:%x:%x", &p->domain, &p->bus, &p->device) != 3) return NOT_SUPPORTED;
    return 0;
}
