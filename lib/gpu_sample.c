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

/* One reading of one device at t_s. */
static void dev_add(struct gpu_acc_dev *d, double t_s, const struct nvml_reading *r) {
    if (d->n == 0) d->t0 = t_s;
    else d->energy_j += (d->p_last + r->power_w) / 2 * (t_s - d->t_last); /* trapezoid */
    d->t_last = t_s;
    d->p_last = r->power_w;
    d->util_sum += r->util_pct;
    if (d->n == 0 || r->temp_c > d->temp_max_c) d->temp_max_c = r->temp_c;
    d->mem_last = r->mem_used;
    if (r->mem_used > d->mem_peak) d->mem_peak = r->mem_used;
    d->mem_total = r->mem_total;
    d->n++;
}

void gpu_acc_tick(struct gpu_acc *a, double t_s, const struct nvml_reading *r, const bool *ok) {
    uint64_t sum = 0;
    bool any = false;
    for (int i = 0; i < a->n_dev; i++) {
        if (ok[i]) dev_add(&a->dev[i], t_s, &r[i]);
        if (a->dev[i].n > 0) any = true, sum += a->dev[i].mem_last;
    }
    if (!any) return;
    if (sum > a->sum_peak) a->sum_peak = sum;
    a->n_ticks++;
}

bool gpu_acc_device(const struct gpu_acc *a, int i, struct gpu_figures *f) {
    if (i < 0 || i >= a->n_dev || a->dev[i].n == 0) return false;
    const struct gpu_acc_dev *d = &a->dev[i];
    double span = d->t_last - d->t0;
    *f = (struct gpu_figures){
        .mem_peak_bytes = d->mem_peak,
        .mem_total_bytes = d->mem_total,
        .util_mean_pct = d->util_sum / d->n,
        .power_mean_w = span > 0 ? d->energy_j / span : d->p_last,
        .energy_j = d->energy_j,
        .temp_max_c = d->temp_max_c,
        .n_samples = d->n,
        .span_s = span,
    };
    return true;
}

bool gpu_acc_total(const struct gpu_acc *a, struct gpu_figures *t) {
    int n = 0;
    memset(t, 0, sizeof *t);
    for (int i = 0; i < a->n_dev; i++) {
        struct gpu_figures f;
        if (!gpu_acc_device(a, i, &f)) continue;
        t->mem_total_bytes += f.mem_total_bytes;
        t->util_mean_pct += f.util_mean_pct;
        t->power_mean_w += f.power_mean_w;
        t->energy_j += f.energy_j;
        if (n == 0 || f.temp_max_c > t->temp_max_c) t->temp_max_c = f.temp_max_c;
        if (f.span_s > t->span_s) t->span_s = f.span_s;
        n++;
    }
    if (n == 0) return false;
    t->util_mean_pct /= n;
    t->mem_peak_bytes = a->sum_peak;
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
    for (int i = 0; i < n; i++) snprintf(g->res.names[i], sizeof g->res.names[i], "%s", nvml_name(nv, i));
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    tick(g, false); /* the first reading, before the work starts */
    if (pthread_create(&g->thread, NULL, sample_loop, g) != 0) {
        snprintf(why, why_len, "cannot start the sampling thread");
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
