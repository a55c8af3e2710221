/*
 * host.c - facts about the machine a run happens on (CPU, cores, RAM, OS, host
 * name) and this process's peak resident memory (resettable, so each model's
 * peak is its own).
 */
#include "vlmeter.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

static void read_cpu_model(char *out, size_t len) {
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *v = strchr(line, ':');
        if (!v) break;
        v++;
        while (*v == ' ' || *v == '\t') v++;
        snprintf(out, len, "%s", v);
        out[strcspn(out, "\n")] = 0;
        break;
    }
    fclose(f);
}

void vlm_host_read(struct vlm_host *h) {
    memset(h, 0, sizeof *h);
    read_cpu_model(h->cpu, sizeof h->cpu);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    h->n_cores = n > 0 ? (int)n : 1;
    struct sysinfo si;
    if (sysinfo(&si) == 0) h->ram_bytes = (uint64_t)si.totalram * si.mem_unit;
    struct utsname u;
    if (uname(&u) == 0) snprintf(h->os, sizeof h->os, "%.20s %.60s %.20s", u.sysname, u.release, u.machine);
    if (gethostname(h->name, sizeof h->name - 1) != 0) h->name[0] = '\0'; /* (truncated names are not ended) */
}

void vlm_rss_peak_reset(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

uint64_t vlm_rss_peak_bytes(void) {
    /* VmHWM honours vlm_rss_peak_reset; getrusage's maximum never goes down. */
    FILE *f = fopen("/proc/self/status", "r");
    uint64_t kib = 0;
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %lu kB", &kib) == 1) break;
        fclose(f);
    }
    struct rusage ru;
    if (!kib && getrusage(RUSAGE_SELF, &ru) == 0) kib = (uint64_t)ru.ru_maxrss; /* Linux: KiB */
    return kib * 1024;
}
