/*
 * confseq.h - anytime-valid confidence sequences (confseq.c) for the mean of
 * a finite population of N values in [0,1] drawn one by one in a uniformly
 * random order without replacement: the hedged betting capital process with
 * the without-replacement centring (Waudby-Smith & Ramdas, NeurIPS 2020 and
 * JRSS-B 2024; docs/metrics.md, "Deciding early"). The bounds may be looked
 * at after every draw and a decision taken at any of them: the chance that
 * the sequence ever excludes the population mean is at most alpha. Stats
 * layer: uses util only. Not public.
 */
#ifndef VLM_CONFSEQ_H
#define VLM_CONFSEQ_H

typedef struct confseq confseq;

/* A confidence sequence at level 1 - alpha for the mean of a population of
 * n_pop values, nothing drawn yet. NULL when n_pop < 1 or alpha is not in
 * (0,1). Free with confseq_free. */
confseq *confseq_new(int n_pop, double alpha);

/* Free a confidence sequence (NULL is fine). */
void confseq_free(confseq *cs);

/* The next drawn value, clamped to [0,1] (NaN counts as 0). Every candidate
 * mean still in the sequence bets once on it. Returns the number of values
 * drawn so far, or -1 (nothing changed) once all n_pop are in. */
int confseq_add(confseq *cs, double x);

/* How many values have been added. */
int confseq_n(const confseq *cs);

/* The running mean of the values added; NAN before the first. */
double confseq_mean(const confseq *cs);

/* The current confidence set for the population mean as an interval
 * [*lo, *hi]: outer bounds (never narrower than the exact sequence) at most
 * one grid step (1/1000) wider on each side, intersected with what the draws
 * alone pin down ([S/N, (S + N - t)/N] after t draws summing to S). [0,1]
 * before the first draw; exactly the population mean once all N are in. */
void confseq_bounds(const confseq *cs, double *lo, double *hi);

/* The verdict on "population mean >= threshold": +1 settled yes (every mean
 * left in the sequence is >= threshold), -1 settled no (every mean left is <
 * threshold), 0 still open. Once all N values are in, +1 or -1 by the exact
 * mean. */
int confseq_verdict(const confseq *cs, double threshold);

/* The two capitals K+ and K- of the candidate mean m, which must be a grid
 * point (k/1000), for tests and diagnostics: 0 with *k_plus, *k_minus set
 * while m is still in the sequence; -1 when m is off the grid or was already
 * rejected (its capitals are no longer tracked). */
int confseq_capital(const confseq *cs, double m, double *k_plus, double *k_minus);

/* The confidence interval of sum_c weight[c] * mean_c over n categories drawn
 * stratified (each category its own random order), from the categories'
 * sequences cs[0..n-1]: [sum w_c lo_c, sum w_c hi_c] (weights >= 0, e.g. each
 * category's share of the cases). By the union bound the result holds at
 * level 1 - alpha when each category's sequence was made at alpha / n: all n
 * cover their means at once except with probability <= n * alpha / n. */
void confseq_combine(const confseq *const *cs, const double *weight, int n, double *lo, double *hi);

#endif
