/*
 * stats.c - the statistics reports rest on: Wilson score intervals, the exact
 * McNemar test for paired outcomes, the adjusted Wald interval of a paired
 * difference, nearest-rank percentiles; and for human review (stats.h)
 * Cohen's kappa, the Bradley-Terry fit and its bootstrap.
 */
#include "stats.h"
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

/* ------------------------------------------------------------ human review */

bool stats_kappa(int yy, int yn, int ny, int nn, double *kappa) {
    double n = (double)yy + yn + ny + nn;
    if (n <= 0) return false;
    double po = (yy + nn) / n;
    double a_yes = (yy + yn) / n, b_yes = (yy + ny) / n;
    double pe = a_yes * b_yes + (1 - a_yes) * (1 - b_yes);
    if (pe >= 1) return false;
    *kappa = (po - pe) / (1 - pe);
    return true;
}

uint64_t stats_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Whether every model reaches every other along "i won or tied against j"
 * (beat[i * k + j]): the condition for a finite Bradley-Terry fit. */
static bool bt_connected(int k, bool *beat) {
    for (int m = 0; m < k; m++) /* Warshall's transitive closure */
        for (int i = 0; i < k; i++)
            if (beat[i * k + m])
                for (int j = 0; j < k; j++)
                    if (beat[m * k + j]) beat[i * k + j] = true;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            if (i != j && !beat[i * k + j]) return false;
    return true;
}

bool stats_bt_fit(int k, const struct stats_vote *v, int n, double *p) {
    if (k < 2) return false;
    double *w = xcalloc((size_t)k, sizeof *w), *nij = xcalloc((size_t)k * k, sizeof *nij);
    double *q = xmalloc((size_t)k * sizeof *q);
    bool *beat = xcalloc((size_t)k * k, sizeof *beat);
    for (int t = 0; t < n; t++) {
        int a = v[t].a, b = v[t].b;
        w[a] += v[t].a_score;
        w[b] += 1 - v[t].a_score;
        nij[a * k + b] += 1;
        nij[b * k + a] += 1;
        if (v[t].a_score > 0) beat[a * k + b] = true;
        if (v[t].a_score < 1) beat[b * k + a] = true;
    }
    bool ok = bt_connected(k, beat);
    for (int i = 0; i < k; i++) q[i] = 1;
    for (int it = 0; ok && it < 100000; it++) {
        double change = 0, log_sum = 0;
        for (int i = 0; i < k; i++) { /* Hunter's MM step, each model in turn */
            double d = 0;
            for (int j = 0; j < k; j++)
                if (j != i && nij[i * k + j] > 0) d += nij[i * k + j] / (q[i] + q[j]);
            double next = w[i] / d;
            change = fmax(change, fabs(log(next / q[i])));
            q[i] = next;
        }
        for (int i = 0; i < k; i++) log_sum += log(q[i]);
        for (int i = 0; i < k; i++) q[i] /= exp(log_sum / k); /* geometric mean 1 */
        if (change < 1e-13) break;
    }
    if (ok)
        for (int i = 0; i < k; i++) p[i] = q[i];
    free(w);
    free(nij);
    free(q);
    free(beat);
    return ok;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int stats_bt_bootstrap(int k, const struct stats_vote *v, int n, int resamples, uint64_t seed, double *lo, double *hi) {
    if (k < 2 || n <= 0 || resamples <= 0) return 0;
    struct stats_vote *draw = xmalloc((size_t)n * sizeof *draw);
    double *fits = xmalloc((size_t)k * resamples * sizeof *fits), *p = xmalloc((size_t)k * sizeof *p);
    uint64_t state = seed;
    int kept = 0;
    for (int r = 0; r < resamples; r++) {
        for (int t = 0; t < n; t++) draw[t] = v[stats_splitmix64(&state) % (uint64_t)n];
        if (!stats_bt_fit(k, draw, n, p)) continue;
        for (int i = 0; i < k; i++) fits[(size_t)i * resamples + kept] = p[i];
        kept++;
    }
    for (int i = 0; kept > 0 && i < k; i++) {
        double *f = fits + (size_t)i * resamples;
        qsort(f, (size_t)kept, sizeof *f, cmp_dbl);
        lo[i] = vlm_percentile(f, kept, 0.025);
        hi[i] = vlm_percentile(f, kept, 0.975);
    }
    free(draw);
    free(fits);
    free(p);
    return kept;
}
