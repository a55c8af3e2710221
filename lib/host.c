/*
 * host.c - facts about the machine a run happens on (CPU, cores, RAM, OS) and
 * this process's peak resident memory.
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
}

uint64_t vlm_rss_peak_bytes(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}
