/*
 * gpu_sample.c - the GPU accumulator and the sampling thread (gpu_sample.h).
 * The accumulator is pure arithmetic on timed readings; the thread only reads
 * NVML on a clock and feeds it, so the figures are tested without a clock.
 */
#include "gpu_sample.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ accumulator */

void gpu_acc_init(struct gpu_acc *a, int n_dev) {
    memset(a, 0, sizeof *a);
    a->n_dev = n_dev < 0 ? 0 : n_dev > NVML_MAX_DEVICES ? NVML_MAX_DEVICES : n_dev;
}

void gpu_acc_free(struct gpu_acc *a) {
    free(a->tick_mem);
    gpu_acc_init(a, 0);
}

/* One reading of one device at t_s: memory always, each other field when the
 * reading has it. */
static void dev_add(struct gpu_acc_dev *d, double t_s, const struct nvml_reading *r) {
    if (d->n == 0) {
        d->t0 = t_s;
        d->e_first_ok = r->has_energy;
        d->e_first_mj = r->energy_mj;
    }
    if (r->has_power && d->p_last_ok) { /* trapezoid between two readings with power */
        d->energy_pw_j += (d->p_last + r->power_w) / 2 * (t_s - d->t_last);
        d->power_span_s += t_s - d->t_last;
    }
    d->p_last_ok = r->has_power;
    if (r->has_power) d->p_last = r->power_w, d->n_power++;
    d->e_last_ok = r->has_energy;
    d->e_last_mj = r->energy_mj;
    d->t_last = t_s;
    if (r->has_util) d->util_sum += r->util_pct, d->n_util++;
    if (r->has_temp && (d->n_temp++ == 0 || r->temp_c > d->temp_max_c)) d->temp_max_c = r->temp_c;
    d->mem_last = r->mem_used;
    if (r->mem_used > d->mem_peak) d->mem_peak = r->mem_used;
    d->mem_total = r->mem_total;
    d->n++;
}

void gpu_acc_tick(struct gpu_acc *a, double t_s, const struct nvml_reading *r, const bool *ok) {
    bool any = false;
    for (int i = 0; i < a->n_dev; i++) {
        if (ok[i]) dev_add(&a->dev[i], t_s, &r[i]);
        if (a->dev[i].n > 0) any = true;
    }
    if (!any) return;
    if (a->n_ticks == a->tick_cap) {
        a->tick_cap = a->tick_cap ? 2 * a->tick_cap : 64;
        a->tick_mem = xrealloc(a->tick_mem, (size_t)a->tick_cap * (size_t)a->n_dev * sizeof *a->tick_mem);
    }
    for (int i = 0; i < a->n_dev; i++)
        a->tick_mem[(size_t)a->n_ticks * (size_t)a->n_dev + (size_t)i] = a->dev[i].mem_last;
    a->n_ticks++;
}

/* The device's energy: the counter's difference when its first and last
 * readings have it (and it did not go back), else the power integral when
 * two consecutive readings had power, else a lone power reading's 0 J over
 * no time; false when none of these. */
static bool dev_energy(const struct gpu_acc_dev *d, struct gpu_figures *f) {
    double span = d->t_last - d->t0;
    if (d->e_first_ok && d->e_last_ok && d->e_last_mj >= d->e_first_mj) {
        f->energy_j = (double)(d->e_last_mj - d->e_first_mj) / 1000;
        f->energy_source = GPU_ENERGY_COUNTER;
        f->has_power = span > 0 || d->n_power > 0;
        f->power_mean_w = span > 0 ? f->energy_j / span : d->p_last;
        return true;
    }
    if (d->n_power == 0) return false;
    f->energy_j = d->energy_pw_j;
    f->energy_source = GPU_ENERGY_POWER;
    f->has_power = true;
    f->power_mean_w = d->power_span_s > 0 ? d->energy_pw_j / d->power_span_s : d->p_last;
    return d->power_span_s > 0 || span == 0; /* lone readings with power between others: no energy */
}

bool gpu_acc_device(const struct gpu_acc *a, int i, struct gpu_figures *f) {
    if (i < 0 || i >= a->n_dev || a->dev[i].n == 0) return false;
    const struct gpu_acc_dev *d = &a->dev[i];
    *f = (struct gpu_figures){
        .mem_peak_bytes = d->mem_peak,
        .mem_total_bytes = d->mem_total,
        .has_util = d->n_util > 0,
        .util_mean_pct = d->n_util > 0 ? d->util_sum / d->n_util : 0,
        .has_temp = d->n_temp > 0,
        .temp_max_c = d->temp_max_c,
        .n_samples = d->n,
        .span_s = d->t_last - d->t0,
    };
    f->has_energy = dev_energy(d, f);
    return true;
}

bool gpu_acc_total(const struct gpu_acc *a, const bool *keep, struct gpu_figures *t, int *n_read) {
    int n = 0, n_util = 0, n_temp = 0;
    bool all_energy = true, all_power = true;
    memset(t, 0, sizeof *t);
    for (int i = 0; i < a->n_dev; i++) {
        struct gpu_figures f;
        if ((keep && !keep[i]) || !gpu_acc_device(a, i, &f)) continue;
        t->mem_total_bytes += f.mem_total_bytes;
        if (f.has_util) t->util_mean_pct += f.util_mean_pct, n_util++;
        all_power = all_power && f.has_power;
        if (f.has_power) t->power_mean_w += f.power_mean_w;
        all_energy = all_energy && f.has_energy;
        if (f.has_energy) t->energy_j += f.energy_j, t->energy_source |= f.energy_source;
        if (f.has_temp && (n_temp++ == 0 || f.temp_max_c > t->temp_max_c)) t->temp_max_c = f.temp_max_c;
        if (f.span_s > t->span_s) t->span_s = f.span_s;
        n++;
    }
    if (n_read) *n_read = n;
    if (n == 0) return false;
    t->has_util = n_util > 0;
    if (n_util > 0) t->util_mean_pct /= n_util;
    t->has_temp = n_temp > 0;
    t->has_power = all_power;
    t->has_energy = all_energy;
    for (int k = 0; k < a->n_ticks; k++) { /* the peak of the kept devices' sum at one tick */
        uint64_t sum = 0;
        for (int i = 0; i < a->n_dev; i++)
            if (!keep || keep[i]) sum += a->tick_mem[(size_t)k * (size_t)a->n_dev + (size_t)i];
        if (sum > t->mem_peak_bytes) t->mem_peak_bytes = sum;
    }
    t->n_samples = a->n_ticks;
    return true;
}

/* ------------------------------------------------------------ sampler */

struct gpu_sampler {
    nvml *nv;
    int period_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    bool stop;
    int phase;
    struct gpu_result res;
};

/* Read every device and feed the current phase (with `also`, the next one
 * too: the reading that closes a phase opens the next). */
static void tick(gpu_sampler *g, bool also_next) {
    struct nvml_reading r[NVML_MAX_DEVICES];
    bool ok[NVML_MAX_DEVICES];
    int n = nvml_n_devices(g->nv);
    for (int i = 0; i < n; i++) ok[i] = nvml_read(g->nv, i, &r[i]);
    double t = util_now_ms() / 1000;
    gpu_acc_tick(&g->res.phase[g->phase], t, r, ok);
    if (also_next && g->phase + 1 < GPU_N_PHASES) gpu_acc_tick(&g->res.phase[g->phase + 1], t, r, ok);
}

static void *sample_loop(void *arg) {
    gpu_sampler *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long ns = until.tv_nsec + (long)(g->period_ms % 1000) * 1000000L;
        until.tv_sec += g->period_ms / 1000 + ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        int rc = 0;
        while (!g->stop && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&g->wake, &g->mu, &until);
        if (!g->stop) tick(g, false);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

gpu_sampler *gpu_sampler_start(int period_ms, char *why, size_t why_len) {
    if (why_len) why[0] = '\0';
    if (period_ms <= 0) return NULL;
    nvml *nv = nvml_open(why, why_len);
    if (!nv) return NULL;
    gpu_sampler *g = xcalloc(1, sizeof *g);
    g->nv = nv;
    g->period_ms = period_ms;
    int n = nvml_n_devices(nv);
    for (int p = 0; p < GPU_N_PHASES; p++) gpu_acc_init(&g->res.phase[p], n);
    for (int i = 0; i < n; i++) {
        snprintf(g->res.names[i], sizeof g->res.names[i], "%s", nvml_name(nv, i));
        g->res.index[i] = nvml_index(nv, i);
        g->res.has_pci[i] = nvml_pci(nv, i, &g->res.pci[i]);
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    tick(g, false); /* the first reading, before the work starts */
    if (pthread_create(&g->thread, NULL, sample_loop, g) != 0) {
        snprintf(why, why_len, "cannot start the sampling thread");
        gpu_result_free(&g->res);
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->mu);
        nvml_close(nv);
        free(g);
        return NULL;
    }
    return g;
}

void gpu_sampler_next_phase(gpu_sampler *g) {
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    if (g->phase + 1 < GPU_N_PHASES) {
        tick(g, true);
        g->phase++;
    }
    pthread_mutex_unlock(&g->mu);
}

void gpu_keep_devices(const struct gpu_result *res, const char *bus_ids, bool keep[NVML_MAX_DEVICES]) {
    int n = res->phase[GPU_LOAD].n_dev;
    bool all = !bus_ids || !bus_ids[0];
    for (int i = 0; i < n; i++) all = all || !res->has_pci[i];
    for (int i = 0; i < NVML_MAX_DEVICES; i++) keep[i] = all || (i < n && nvml_bus_id_in(bus_ids, &res->pci[i]));
}

void gpu_result_free(struct gpu_result *res) {
    for (int p = 0; p < GPU_N_PHASES; p++) gpu_acc_free(&res->phase[p]);
}

void gpu_sampler_stop(gpu_sampler *g, struct gpu_result *out) {
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    tick(g, false); /* the last reading, as the work ends */
    *out = g->res;
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->mu);
    nvml_close(g->nv);
    free(g);
}
