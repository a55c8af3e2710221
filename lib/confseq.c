/*
 * confseq.c - anytime-valid confidence sequences for the mean of a finite
 * population sampled without replacement (confseq.h; docs/metrics.md,
 * "Deciding early"): the hedged capital process of Waudby-Smith & Ramdas
 * (JRSS-B 2024) with the without-replacement centring of Waudby-Smith &
 * Ramdas (NeurIPS 2020), run for every candidate mean k/1000 at once.
 *
 * For a candidate mean m and draws X_1..X_t (S_i their running sum):
 *   mu_i(m) = (N m - S_{i-1}) / (N - i + 1)  the mean of what is left if m is right
 *   K+_t(m) = prod_i (1 + l+_i (X_i - mu_i(m))), K-_t(m) = prod_i (1 - l-_i (X_i - mu_i(m)))
 * with l+_i = min(l_i, c / mu_i), l-_i = min(l_i, c / (1 - mu_i)), c = 1/2, and
 * the predictable plug-in l_i = sqrt(2 log(2/alpha) / (s2_{i-1} i log(1 + i))).
 * m is rejected once max(K+/2, K-/2) >= 1/alpha, or when mu_i(m) leaves
 * [0,1] (what was drawn makes m impossible); a rejected m stays rejected (the
 * running intersection). Every factor of K+ falls as m grows and every factor
 * of K- rises (docs/metrics.md), so the K+ rejections are a prefix of the grid,
 * the K- rejections a suffix, and the candidates left are the grid points
 * strictly between: only those are updated.
 */
#include "confseq.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

#define GRID_STEPS 1000 /* candidate means k / GRID_STEPS, k = 0..GRID_STEPS */
#define BET_CAP    0.5  /* c: a bet never risks more than half the capital */
#define TINY       1e-100
#define RESCALE    1e100
#define SLACK      1e-9 /* rounding room before a candidate counts as impossible */

struct confseq {
    int n_pop, t;
    double log_reject; /* log(2 / alpha): K+ or K- at or above rejects */
    double reject;     /* 2 / alpha */
    double sum;        /* S_t */
    double sq_dev;     /* sum_i (X_i - muhat_i)^2, the plug-in's variance numerator */
    int low_end;       /* largest grid index rejected from below (K+, or m too small); -1: none */
    int high_start;    /* smallest grid index rejected from above; GRID_STEPS + 1: none */
    double k_plus[GRID_STEPS + 1], k_minus[GRID_STEPS + 1];
    /* A capital below TINY is multiplied by RESCALE and its count lowered:
     * the true capital is k * RESCALE^scale (scale <= 0), never underflowing. */
    int scale_plus[GRID_STEPS + 1], scale_minus[GRID_STEPS + 1];
};

confseq *confseq_new(int n_pop, double alpha) {
    if (n_pop < 1 || !(alpha > 0 && alpha < 1)) return NULL;
    confseq *cs = xcalloc(1, sizeof *cs);
    cs->n_pop = n_pop;
    cs->reject = 2.0 / alpha;
    cs->log_reject = log(cs->reject);
    cs->low_end = -1;
    cs->high_start = GRID_STEPS + 1;
    for (int g = 0; g <= GRID_STEPS; g++) cs->k_plus[g] = cs->k_minus[g] = 1.0;
    return cs;
}

void confseq_free(confseq *cs) { free(cs); }

/* The predictable plug-in bet of draw i = t + 1 (JRSS-B 2024, the hedged
 * capital's predictable plug-in): the regularised variance of the draws before
 * it, s2 = (1/4 + sum (X_j - muhat_j)^2) / (t + 1), with muhat_j = (1/2 + S_j)
 * / (j + 1), into sqrt(2 log(2/alpha) / (s2 i log(1 + i))). */
static double plugin_bet(const confseq *cs) {
    int i = cs->t + 1;
    double s2 = (0.25 + cs->sq_dev) / (cs->t + 1);
    return sqrt(2.0 * cs->log_reject / (s2 * i * log(1.0 + i)));
}

/* The bet on "the next value is above mu" (K+) truncated at c / mu, and on
 * "below" (K-) truncated at c / (1 - mu): each factor stays >= 1 - c. */
static double bet_up(double lam, double mu) { return lam * mu > BET_CAP ? BET_CAP / mu : lam; }
static double bet_down(double lam, double mu) { return lam * (1.0 - mu) > BET_CAP ? BET_CAP / (1.0 - mu) : lam; }

/* Multiply a capital by a factor, rescaling it when it gets tiny; whether it
 * now reaches `reject` (only possible at scale 0). */
static int grow(double *k, int *scale, double factor, double reject) {
    *k *= factor;
    if (*k < TINY) {
        *k *= RESCALE;
        (*scale)--;
    }
    return *scale == 0 && *k >= reject;
}

/* One candidate mean (grid index g) bets on the drawn value x, mu its centring:
 * it may be rejected from below (K+) or above (K-). */
static void bet_one(confseq *cs, int g, double x, double mu, double lam) {
    double d = x - mu;
    if (grow(&cs->k_plus[g], &cs->scale_plus[g], 1.0 + bet_up(lam, mu) * d, cs->reject) && g > cs->low_end)
        cs->low_end = g;
    if (grow(&cs->k_minus[g], &cs->scale_minus[g], 1.0 - bet_down(lam, mu) * d, cs->reject) && g < cs->high_start)
        cs->high_start = g;
}

/* Fold the drawn value into the plug-in's running figures. */
static void update_moments(confseq *cs, double x) {
    cs->sum += x;
    cs->t++;
    double muhat = (0.5 + cs->sum) / (cs->t + 1);
    cs->sq_dev += (x - muhat) * (x - muhat);
}

int confseq_add(confseq *cs, double x) {
    if (!cs || cs->t >= cs->n_pop) return -1;
    if (!(x >= 0)) x = 0; /* also NaN */
    if (x > 1) x = 1;
    double lam = plugin_bet(cs), left = cs->n_pop - cs->t;
    int first = cs->low_end + 1, last = cs->high_start - 1;
    for (int g = first; g <= last; g++) {
        double mu = ((double)cs->n_pop * g / GRID_STEPS - cs->sum) / left;
        if (mu < -SLACK) {
            if (g > cs->low_end) cs->low_end = g; /* the draws already exceed N m */
            continue;
        }
        if (mu > 1 + SLACK) {
            if (g < cs->high_start) cs->high_start = g; /* what is left cannot reach N m */
            continue;
        }
        bet_one(cs, g, x, mu < 0 ? 0 : mu > 1 ? 1 : mu, lam);
    }
    update_moments(cs, x);
    return cs->t;
}

int confseq_n(const confseq *cs) { return cs ? cs->t : 0; }

double confseq_mean(const confseq *cs) { return cs && cs->t > 0 ? cs->sum / cs->t : NAN; }

/* The bounds from the grid alone: the largest point rejected from below and
 * the smallest rejected from above (both excluded from the sequence). */
static void grid_bounds(const confseq *cs, double *lo, double *hi) {
    *lo = cs->low_end >= 0 ? (double)cs->low_end / GRID_STEPS : 0.0;
    *hi = cs->high_start <= GRID_STEPS ? (double)cs->high_start / GRID_STEPS : 1.0;
}

/* What the draws pin down whatever the rest is: all zeros or all ones. */
static void drawn_bounds(const confseq *cs, double *lo, double *hi) {
    *lo = cs->sum / cs->n_pop;
    *hi = (cs->sum + (cs->n_pop - cs->t)) / cs->n_pop;
}

/* Whether the grid's rejections crossed: the sequence became empty (an
 * event of probability <= alpha). */
static int crossed(const confseq *cs) { return cs->low_end >= cs->high_start; }

void confseq_bounds(const confseq *cs, double *lo, double *hi) {
    if (!cs || cs->t == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double dlo, dhi, glo, ghi;
    drawn_bounds(cs, &dlo, &dhi);
    if (cs->t == cs->n_pop) {
        *lo = *hi = dlo; /* the exact mean */
        return;
    }
    grid_bounds(cs, &glo, &ghi);
    *lo = glo > dlo ? glo : dlo;
    *hi = ghi < dhi ? ghi : dhi;
    if (*lo > *hi) { /* empty: report the one point where the bounds met, kept possible */
        double mid = (*lo + *hi) / 2;
        *lo = *hi = mid < dlo ? dlo : mid > dhi ? dhi : mid;
    }
}

int confseq_verdict(const confseq *cs, double threshold) {
    if (!cs || cs->t == 0) return 0;
    double dlo, dhi, glo, ghi;
    drawn_bounds(cs, &dlo, &dhi);
    if (cs->t == cs->n_pop) return dlo >= threshold ? 1 : -1;
    if (crossed(cs)) {
        double lo, hi;
        confseq_bounds(cs, &lo, &hi);
        return lo >= threshold ? 1 : -1;
    }
    grid_bounds(cs, &glo, &ghi);
    /* A grid bound is itself rejected (open); a drawn bound is possible (closed). */
    if ((cs->low_end >= 0 && glo >= threshold) || dlo >= threshold) return 1;
    if ((cs->high_start <= GRID_STEPS && ghi <= threshold) || dhi < threshold) return -1;
    return 0;
}

int confseq_capital(const confseq *cs, double m, double *k_plus, double *k_minus) {
    if (!cs || !(m >= 0 && m <= 1)) return -1;
    long g = lround(m * GRID_STEPS);
    if (fabs(m * GRID_STEPS - g) > 1e-6 || g <= cs->low_end || g >= cs->high_start) return -1;
    *k_plus = cs->k_plus[g] * pow(RESCALE, cs->scale_plus[g]);
    *k_minus = cs->k_minus[g] * pow(RESCALE, cs->scale_minus[g]);
    return 0;
}

void confseq_combine(const confseq *const *cs, const double *weight, int n, double *lo, double *hi) {
    *lo = *hi = 0;
    for (int c = 0; c < n; c++) {
        double l, h;
        confseq_bounds(cs[c], &l, &h);
        *lo += weight[c] * l;
        *hi += weight[c] * h;
    }
}
