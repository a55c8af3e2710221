/*
 * nvml.c - NVML through dlopen (nvml.h). The types below are NVML's public
 * API as documented by NVIDIA, declared by hand so that building needs no
 * NVIDIA header: a return code is an int (0: success), a device an opaque
 * pointer, memory three unsigned long longs (total, free, used, in bytes),
 * utilization two unsigned ints (gpu, memory, percent), power unsigned
 * milliwatts, temperature sensor 0 the GPU core.
 */
#include "nvml.h"

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
    int n;
    nvml_device dev[NVML_MAX_DEVICES];
    char names[NVML_MAX_DEVICES][96];
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
    return NULL;
}

/* The devices' handles and names; false when none. */
static bool find_devices(nvml *n) {
    unsigned int count = 0;
    if (n->count(&count) != 0 || count == 0) return false;
    for (unsigned int i = 0; i < count && n->n < NVML_MAX_DEVICES; i++) {
        if (n->handle(i, &n->dev[n->n]) != 0) continue;
        if (n->name(n->dev[n->n], n->names[n->n], sizeof n->names[n->n]) != 0) n->names[n->n][0] = '\0';
        n->names[n->n][sizeof n->names[n->n] - 1] = '\0';
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

bool nvml_read(const nvml *n, int i, struct nvml_reading *out) {
    struct nvml_memory m;
    struct nvml_utilization u;
    unsigned int mw, c;
    if (n->memory(n->dev[i], &m) != 0 || n->utilization(n->dev[i], &u) != 0 || n->power(n->dev[i], &mw) != 0 ||
        n->temperature(n->dev[i], NVML_TEMPERATURE_GPU, &c) != 0)
        return false;
    *out = (struct nvml_reading){m.used, m.total, u.gpu, mw / 1000.0, c};
    return true;
}
