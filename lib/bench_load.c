/*
 * bench_load.c - the load profiles' arithmetic (docs/metrics.md, "Load
 * profiles", "SLO search"): arrival gaps, the achieved rate, the SLO
 * objectives of a level (and their parser), and the bisection that finds the
 * highest rate or concurrency meeting them. Pure functions of their inputs.
 */
#include "bench_load.h"
#include "remote_req.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double bench_gap_ms(enum vlm_arrival arrival, double rate, uint64_t *rng) {
    if (arrival == VLM_ARRIVAL_CONSTANT) return 1000.0 / rate;
    return -log(1.0 - remote_rng_unit(rng)) / rate * 1000.0;
}

double bench_achieved_rate(int n, double first_ms, double last_ms) {
    if (n < 2 || last_ms <= first_ms) return 0;
    return (n - 1) / ((last_ms - first_ms) / 1000.0);
}

/* ------------------------------------------------------------ objectives */

static const struct vlm_pcts *metric_pcts(const struct vlm_bench_level *l, const char *metric) {
    if (strcmp(metric, "ttft") == 0) return &l->ttft_ms;
    if (strcmp(metric, "tpot") == 0) return &l->tpot_ms;
    if (strcmp(metric, "itl") == 0) return &l->itl_ms;
    if (strcmp(metric, "e2e") == 0) return &l->e2e_ms;
    return NULL;
}

static double pct_of(const struct vlm_pcts *q, int pct) {
    return pct == 50 ? q->p50 : pct == 90 ? q->p90 : pct == 95 ? q->p95 : q->p99;
}

bool bench_slo_met(const struct vlm_bench_params *p, const struct vlm_bench_level *l) {
    if (l->n_errors > 0 || l->n_ok == 0) return false;
    for (int i = 0; i < p->n_slos; i++) {
        const struct vlm_pcts *q = metric_pcts(l, p->slos[i].metric);
        if (!q || pct_of(q, p->slos[i].pct) > p->slos[i].max_ms) return false;
    }
    return true;
}

/* One "metric_pNN=MS" item into o; false when it is not one. */
static bool parse_item(const char *t, struct vlm_slo *o) {
    const char *us = strchr(t, '_'), *eq = strchr(t, '=');
    if (!us || !eq || us > eq || (size_t)(us - t) >= sizeof o->metric) return false;
    memset(o, 0, sizeof *o);
    memcpy(o->metric, t, (size_t)(us - t));
    struct vlm_bench_level probe;
    memset(&probe, 0, sizeof probe);
    if (!metric_pcts(&probe, o->metric)) return false;
    char *end;
    if (us[1] != 'p') return false;
    long pct = strtol(us + 2, &end, 10);
    if (end != eq || (pct != 50 && pct != 90 && pct != 95 && pct != 99)) return false;
    o->pct = (int)pct;
    o->max_ms = strtod(eq + 1, &end);
    return end != eq + 1 && *end == '\0' && isfinite(o->max_ms) && o->max_ms > 0;
}

bool vlm_slo_parse(const char *text, struct vlm_bench_params *p, char *err, size_t err_len) {
    char *copy = xstrdup(text), *save = NULL;
    bool ok = true;
    p->n_slos = 0;
    for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
        if (p->n_slos >= VLM_MAX_SLOS) {
            util_errf(err, err_len, "--slo: more than %d objectives", VLM_MAX_SLOS);
            ok = false;
        } else if (!parse_item(t, &p->slos[p->n_slos])) {
            util_errf(err, err_len,
                      "--slo: '%s' is not METRIC_pNN=MS (METRIC ttft, tpot, itl or e2e; NN 50, 90, 95 or 99; MS > 0)",
                      t);
            ok = false;
        } else p->n_slos++;
    }
    if (ok && p->n_slos == 0) {
        util_errf(err, err_len, "--slo: no objective given");
        ok = false;
    }
    free(copy);
    return ok;
}

/* ------------------------------------------------------------ bisection */

void bench_search_init(struct bench_search *s, double lo, double hi, double step, bool integer) {
    memset(s, 0, sizeof *s);
    s->lo = lo;
    s->hi = hi;
    s->step = step;
    s->integer = integer;
    s->cap.searched = true;
    s->cap.by_rate = !integer;
    s->cap.step = step;
}

bool bench_search_next(struct bench_search *s, double *value) {
    if (s->phase == 0) s->probe = s->lo;
    else if (s->phase == 1) s->probe = s->hi;
    else if (s->phase == 2 && s->hi - s->lo > s->step) {
        double mid = (s->lo + s->hi) / 2;
        s->probe = s->integer ? floor(mid) : mid;
        if (s->probe <= s->lo) s->phase = 3; /* integers next to each other */
    } else s->phase = 3;
    if (s->phase == 3) return false;
    *value = s->probe;
    return true;
}

/* The capacity is now lo (met); keep its figures. */
static void keep(struct bench_search *s, const struct vlm_bench_level *l) {
    s->cap.capacity = s->probe;
    s->cap.req_per_s = l->req_per_s;
    s->cap.e2e_p95_ms = l->e2e_ms.p95;
}

void bench_search_result(struct bench_search *s, bool met, const struct vlm_bench_level *l) {
    s->cap.n_probes++;
    if (s->phase == 0) {
        if (met) keep(s, l), s->phase = s->hi > s->lo ? 1 : 3;
        else s->cap.knee_above = s->lo, s->phase = 3; /* nothing in the range meets them */
    } else if (s->phase == 1) {
        if (met) keep(s, l), s->phase = 3; /* the whole range meets them: no knee in it */
        else s->cap.knee_above = s->hi, s->phase = 2;
    } else {
        if (met) keep(s, l), s->lo = s->probe;
        else s->hi = s->probe, s->cap.knee_above = s->probe;
    }
}
