/*
 * nvml.c - NVML through dlopen (nvml.h). The types below are NVML's public
 * API as documented by NVIDIA, declared by hand so that building needs no
 * NVIDIA header: a return code is an int (0: success), a device an opaque
 * pointer, memory three unsigned long longs (total, free, used, in bytes),
 * utilization two unsigned ints (gpu, memory, percent), power unsigned
 * milliwatts, temperature sensor 0 the GPU core, the energy counter unsigned
 * long long millijoules, PCI info nvmlPciInfo_t (v3 layout below).
 * Optional functions (a missing one: that figure is unknown): the energy
 * counter and the PCI info.
 */
#include "nvml.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvml_return;
typedef void *nvml_device;
struct nvml_memory {
    unsigned long long total, free, used;
};
struct nvml_utilization {
    unsigned int gpu, memory;
};
struct nvml_pci_info { /* nvmlPciInfo_t */
    char bus_id_legacy[16];
    unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
    char bus_id[32];
};
#define NVML_TEMPERATURE_GPU 0

struct nvml {
    void *lib;
    nvml_return (*init)(void);
    nvml_return (*shutdown)(void);
    nvml_return (*count)(unsigned int *n);
    nvml_return (*handle)(unsigned int i, nvml_device *d);
    nvml_return (*name)(nvml_device d, char *name, unsigned int len);
    nvml_return (*memory)(nvml_device d, struct nvml_memory *m);
    nvml_return (*utilization)(nvml_device d, struct nvml_utilization *u);
    nvml_return (*power)(nvml_device d, unsigned int *mw);
    nvml_return (*temperature)(nvml_device d, int sensor, unsigned int *c);
    nvml_return (*energy)(nvml_device d, unsigned long long *mj);    /* optional */
    nvml_return (*pci_info)(nvml_device d, struct nvml_pci_info *p); /* optional */
    int n;
    nvml_device dev[NVML_MAX_DEVICES];
    int index[NVML_MAX_DEVICES]; /* NVML's index of each */
    char names[NVML_MAX_DEVICES][96];
    bool has_pci[NVML_MAX_DEVICES];
    struct nvml_pci pci[NVML_MAX_DEVICES];
};

/* Resolve every function; the name of the first missing one, or NULL. */
static const char *resolve(nvml *n) {
    static const struct {
        const char *sym;
        size_t off;
    } fns[] = {
        {"nvmlInit_v2", offsetof(nvml, init)},
        {"nvmlShutdown", offsetof(nvml, shutdown)},
        {"nvmlDeviceGetCount_v2", offsetof(nvml, count)},
        {"nvmlDeviceGetHandleByIndex_v2", offsetof(nvml, handle)},
        {"nvmlDeviceGetName", offsetof(nvml, name)},
        {"nvmlDeviceGetMemoryInfo", offsetof(nvml, memory)},
        {"nvmlDeviceGetUtilizationRates", offsetof(nvml, utilization)},
        {"nvmlDeviceGetPowerUsage", offsetof(nvml, power)},
        {"nvmlDeviceGetTemperature", offsetof(nvml, temperature)},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        void *f = dlsym(n->lib, fns[i].sym);
        if (!f) return fns[i].sym;
        memcpy((char *)n + fns[i].off, &f, sizeof f); /* a function pointer from dlsym (POSIX) */
    }
    void *f = dlsym(n->lib, "nvmlDeviceGetTotalEnergyConsumption");
    memcpy(&n->energy, &f, sizeof f);
    f = dlsym(n->lib, "nvmlDeviceGetPciInfo_v3");
    memcpy(&n->pci_info, &f, sizeof f);
    return NULL;
}

/* The devices' handles, NVML indexes, names and PCI addresses; false when
 * none. A device whose handle fails is left out (the others keep their
 * NVML index). */
static bool find_devices(nvml *n) {
    unsigned int count = 0;
    if (n->count(&count) != 0 || count == 0) return false;
    for (unsigned int i = 0; i < count && n->n < NVML_MAX_DEVICES; i++) {
        int k = n->n;
        if (n->handle(i, &n->dev[k]) != 0) continue;
        n->index[k] = (int)i;
        if (n->name(n->dev[k], n->names[k], sizeof n->names[k]) != 0) n->names[k][0] = '\0';
        n->names[k][sizeof n->names[k] - 1] = '\0';
        struct nvml_pci_info p;
        if (n->pci_info && n->pci_info(n->dev[k], &p) == 0) {
            n->has_pci[k] = true;
            n->pci[k] = (struct nvml_pci){p.domain, p.bus, p.device};
        }
        n->n++;
    }
    return n->n > 0;
}

nvml *nvml_open(char *why, size_t why_len) {
    const char *path = getenv("VLMETER_NVML_LIB");
    if (!path || !path[0]) path = "libnvidia-ml.so.1";
    nvml *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!n->lib) {
        const char *e = dlerror();
        snprintf(why, why_len, "cannot open %s%s%s", path, e ? ": " : "", e ? e : "");
        free(n);
        return NULL;
    }
    const char *missing = resolve(n);
    if (missing) snprintf(why, why_len, "%s has no %s", path, missing);
    else if (n->init() != 0) {
        snprintf(why, why_len, "%s did not start (nvmlInit_v2 failed)", path);
        missing = "init";
    } else if (!find_devices(n)) {
        snprintf(why, why_len, "%s sees no GPU", path);
        n->shutdown();
        missing = "devices";
    }
    if (missing) {
        dlclose(n->lib);
        free(n);
        return NULL;
    }
    return n;
}

void nvml_close(nvml *n) {
    if (!n) return;
    n->shutdown();
    dlclose(n->lib);
    free(n);
}

int nvml_n_devices(const nvml *n) { return n->n; }

const char *nvml_name(const nvml *n, int i) { return n->names[i]; }

int nvml_index(const nvml *n, int i) { return n->index[i]; }

bool nvml_pci(const nvml *n, int i, struct nvml_pci *out) {
    if (!n->has_pci[i]) return false;
    *out = n->pci[i];
    return true;
}

bool nvml_read(const nvml *n, int i, struct nvml_reading *out) {
    struct nvml_memory m;
    struct nvml_utilization u;
    unsigned int mw, c;
    unsigned long long mj;
    if (n->memory(n->dev[i], &m) != 0) return false;
    struct nvml_reading r = {.mem_used = m.used, .mem_total = m.total};
    if (n->utilization(n->dev[i], &u) == 0) r.has_util = true, r.util_pct = u.gpu;
    if (n->power(n->dev[i], &mw) == 0) r.has_power = true, r.power_w = mw / 1000.0;
    if (n->temperature(n->dev[i], NVML_TEMPERATURE_GPU, &c) == 0) r.has_temp = true, r.temp_c = c;
    if (n->energy && n->energy(n->dev[i], &mj) == 0) r.has_energy = true, r.energy_mj = mj;
    *out = r;
    return true;
}

/* One hex field of a bus id ending at stop (or at the end with stop 0);
 * false when empty or malformed. */
static bool hex_field(const char **s, char stop, unsigned *out) {
    const char *p = *s;
    unsigned long v = 0;
    int digits = 0;
    for (; isxdigit((unsigned char)*p); p++, digits++) {
        if (digits >= 8) return false;
        v = v * 16 + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
    }
    if (digits == 0 || *p != stop) return false;
    *out = (unsigned)v;
    *s = stop ? p + 1 : p;
    return true;
}

bool nvml_parse_bus_id(const char *s, struct nvml_pci *out) {
    struct nvml_pci p;
    unsigned function;
    if (!s || !hex_field(&s, ':', &p.domain) || !hex_field(&s, ':', &p.bus) || !hex_field(&s, '.', &p.device) ||
        !hex_field(&s, '\0', &function))
        return false;
    *out = p;
    return true;
}

bool nvml_bus_id_in(const char *list, const struct nvml_pci *p) {
    char id[64];
    for (const char *s = list; s && *s;) {
        size_t len = strcspn(s, ",");
        snprintf(id, sizeof id, "%.*s", (int)(len < sizeof id ? len : sizeof id - 1), s);
        struct nvml_pci q;
        if (nvml_parse_bus_id(id, &q) && q.domain == p->domain && q.bus == p->bus && q.device == p->device) return true;
        s += len + (s[len] == ',');
    }
    return false;
}
