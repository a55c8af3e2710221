/*
 * bench_load.h - the arithmetic of the load profiles (bench_load.c): arrival
 * gaps of an open loop, the achieved rate, the SLO objectives of a level, and
 * the bisection of an SLO search. No clock, no network: bench.c drives them.
 */
#ifndef VLM_BENCH_LOAD_H
#define VLM_BENCH_LOAD_H

#include "vlmeter.h"

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds from one scheduled arrival to the next at `rate` per second:
 * 1000 / rate (constant) or -ln(1 - u) / rate * 1000 with u the next uniform
 * draw of rng (poisson). */
double bench_gap_ms(enum vlm_arrival arrival, double rate, uint64_t *rng);

/* Requests started per second: (n - 1) / (last - first) (times in ms); 0 when
 * n < 2 or the starts coincide. */
double bench_achieved_rate(int n, double first_ms, double last_ms);

/* Whether level l meets every objective of p->slos and had no error. */
bool bench_slo_met(const struct vlm_bench_params *p, const struct vlm_bench_level *l);

/* The state of a bisection between lo (expected to pass) and hi: probe lo,
 * then hi, then midpoints until hi - lo <= step. */
struct bench_search {
    double lo, hi, step;
    bool integer; /* concurrency: midpoints rounded down */
    int phase;    /* 0: lo untried, 1: hi untried, 2: bisecting, 3: done */
    double probe; /* the value being tried */
    struct vlm_bench_capacity cap;
};

/* Start a search of [lo, hi] (lo <= hi) with `step` > 0. */
void bench_search_init(struct bench_search *s, double lo, double hi, double step, bool integer);

/* The next value to try; false when the search is over (s->cap is the answer). */
bool bench_search_next(struct bench_search *s, double *value);

/* Report the probe's outcome: whether it met the SLOs, with its level. */
void bench_search_result(struct bench_search *s, bool met, const struct vlm_bench_level *l);

#endif
