/*
 * stats.c - the statistics reports rest on: Wilson score intervals, the exact
 * McNemar test for paired outcomes, the adjusted Wald interval of a paired
 * difference, and nearest-rank percentiles.
 */
#include "util.h"
#include "vlmeter.h"

#include <math.h>
#include <stdlib.h>

void vlm_wilson95(double k, int n, double *lo, double *hi) {
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    const double z = 1.959963984540054; /* two-sided 95% normal quantile */
    double p = k / n, z2 = z * z;
    double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    double half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / (1.0 + z2 / n);
    /* At k = 0 and k = n the bounds are exactly 0 and 1; rounding must not move them. */
    *lo = k <= 0 || centre - half < 0 ? 0 : centre - half;
    *hi = k >= n || centre + half > 1 ? 1 : centre + half;
}

/* log C(n, k) through lgamma, exact enough for p-values at any n here. */
static double log_choose(int n, int k) { return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0); }

double vlm_mcnemar_exact(int b, int c) {
    int n = b + c;
    if (n == 0) return 1.0;
    int k_max = b < c ? b : c;
    double tail = 0;
    for (int k = 0; k <= k_max; k++) tail += exp(log_choose(n, k) - n * log(2.0));
    double p = 2.0 * tail;
    return p > 1.0 ? 1.0 : p;
}

/* Holm, S. (1979), "A simple sequentially rejective multiple test
 * procedure", Scandinavian Journal of Statistics 6:65-70. With the p-values
 * sorted ascending, p_(k) (k = 0..n-1) is adjusted to
 * max over j <= k of min(1, (n - j) x p_(j)). */
void vlm_holm_adjust(const double *p, int n, double *adj) {
    int *order = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    double *out = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *out);
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++) /* insertion sort by p: families are small */
        for (int j = i; j > 0 && p[order[j]] < p[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    double running = 0;
    for (int k = 0; k < n; k++) {
        double v = (n - k) * p[order[k]];
        if (v > 1) v = 1;
        if (v > running) running = v;
        out[order[k]] = running;
    }
    for (int i = 0; i < n; i++) adj[i] = out[i];
    free(order);
    free(out);
}

/* Agresti & Min (2005), "Simple improved confidence intervals for comparing
 * matched proportions", Statistics in Medicine 24:729-740: the Wald interval
 * after adding 0.5 to each cell of the paired 2x2 table ("Wald+2"). */
void vlm_paired_diff95(double b, double c, double n, double *lo, double *hi) {
    const double z = 1.959963984540054;
    if (n <= 0) {
        *lo = -1;
        *hi = 1;
        return;
    }
    double centre = (c - b) / (n + 2);
    double var = (b + c + 1) - (c - b) * (c - b) / (n + 2);
    double half = z * sqrt(var > 0 ? var : 0) / (n + 2);
    *lo = centre - half < -1 ? -1 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

double vlm_percentile(const double *sorted, int n, double q) {
    if (n <= 0) return 0;
    int rank = (int)ceil(q * n - 1e-9);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}
