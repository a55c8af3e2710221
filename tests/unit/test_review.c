/*
 * test_review.c - the statistics of human review (stats.c, stats.h): Cohen's
 * kappa, the Bradley-Terry fit by Hunter's MM algorithm and its seeded
 * bootstrap, against values worked out by hand below.
 */
#include "testutil.h"

#include "stats.h"

#include <math.h>

static void test_kappa(void **state) {
    (void)state;
    double k = -9;
    /* yy 6, yn 2, ny 1, nn 1 (n 10): po = 7/10 = 0.7; first rater yes 8/10,
     * second yes 7/10; pe = 0.8 x 0.7 + 0.2 x 0.3 = 0.56 + 0.06 = 0.62;
     * kappa = (0.7 - 0.62) / (1 - 0.62) = 0.08 / 0.38 = 0.2105263. */
    assert_true(stats_kappa(6, 2, 1, 1, &k));
    assert_true(fabs(k - 0.08 / 0.38) < 1e-12);
    /* yy 3, nn 2: po = 1, pe = 0.6^2 + 0.4^2 = 0.52, kappa = 0.48/0.48 = 1. */
    assert_true(stats_kappa(3, 0, 0, 2, &k) && fabs(k - 1) < 1e-12);
    /* yy 0, yn 3, ny 2, nn 0: po = 0; yes 3/5 and 2/5: pe = 0.6 x 0.4 + 0.4 x 0.6 = 0.48;
     * kappa = -0.48 / 0.52 = -0.9230769. */
    assert_true(stats_kappa(0, 3, 2, 0, &k) && fabs(k + 0.48 / 0.52) < 1e-12);
    /* Both raters said yes to everything: pe = 1, kappa undefined; none: undefined. */
    k = -9;
    assert_false(stats_kappa(5, 0, 0, 0, &k));
    assert_false(stats_kappa(0, 0, 0, 4, &k));
    assert_false(stats_kappa(0, 0, 0, 0, &k));
    assert_true(k == -9);
}

/* Strengths 4 : 2 : 1 and the votes they predict exactly: 3 votes 0-1 (0 wins
 * 3 x 4/6 = 2), 5 votes 0-2 (0 wins 5 x 4/5 = 4), 3 votes 1-2 (1 wins
 * 3 x 2/3 = 2). The likelihood equations W_i = sum_j n_ij p_i / (p_i + p_j)
 * hold: 0: 2 + 4 = 6; 1: 3 x 2/6 + 2 = 3; 2: 5 x 1/5 + 3 x 1/3 = 2. Geometric
 * mean of 4, 2, 1 is 2: the fit is 2, 1, 0.5. Some votes name the winner as b. */
static const struct stats_vote THREE[] = {
    {0, 1, 1}, {1, 0, 0}, {1, 0, 1},                       /* 0-1: 0 wins twice, 1 once */
    {0, 2, 1}, {0, 2, 1}, {2, 0, 0}, {0, 2, 1}, {0, 2, 0}, /* 0-2: 0 wins 4, 2 wins 1 */
    {1, 2, 1}, {2, 1, 0}, {1, 2, 0},                       /* 1-2: 1 wins 2, 2 wins 1 */
};

static void test_bt_fit(void **state) {
    (void)state;
    double p[3];
    assert_true(stats_bt_fit(3, THREE, 11, p));
    assert_true(fabs(p[0] - 2) < 1e-6 && fabs(p[1] - 1) < 1e-6 && fabs(p[2] - 0.5) < 1e-6);
    /* the likelihood equations, as a check of the fixed point itself */
    double w[3] = {6, 3, 2}, n[3][3] = {{0, 3, 5}, {3, 0, 3}, {5, 3, 0}};
    for (int i = 0; i < 3; i++) {
        double e = 0;
        for (int j = 0; j < 3; j++)
            if (j != i) e += n[i][j] * p[i] / (p[i] + p[j]);
        assert_true(fabs(e - w[i]) < 1e-6);
    }
    /* A tie is half a win to each: A wins 1, ties 1 -> W = 1.5 : 0.5 of 2
     * votes; 2 p_A / (p_A + p_B) = 1.5 -> p_A = 3 p_B; geometric mean 1:
     * p_A = sqrt(3), p_B = 1/sqrt(3). */
    const struct stats_vote tie[] = {{0, 1, 1}, {1, 0, 0.5}};
    assert_true(stats_bt_fit(2, tie, 2, p));
    assert_true(fabs(p[0] - sqrt(3)) < 1e-6 && fabs(p[1] - 1 / sqrt(3)) < 1e-6);
}

static void test_bt_not_finite(void **state) {
    (void)state;
    double p[3] = {-1, -1, -1};
    const struct stats_vote only_a[] = {{0, 1, 1}, {1, 0, 0}}; /* 1 never won: p_1 -> 0 */
    assert_false(stats_bt_fit(2, only_a, 2, p));
    /* 0 and 1 beat each other, 2 only lost */
    const struct stats_vote lost[] = {{0, 1, 1}, {0, 1, 0}, {2, 0, 0}, {1, 2, 1}};
    assert_false(stats_bt_fit(3, lost, 4, p));
    /* model 2 has no votes */
    const struct stats_vote two[] = {{0, 1, 1}, {0, 1, 0}};
    assert_false(stats_bt_fit(3, two, 2, p));
    assert_true(p[0] == -1 && p[1] == -1 && p[2] == -1);
}

/* splitmix64 from state 0: its published first outputs. */
static void test_splitmix(void **state) {
    (void)state;
    uint64_t st = 0;
    assert_true(stats_splitmix64(&st) == 0xe220a8397b1dcdafu);
    assert_true(stats_splitmix64(&st) == 0x6e789e6aa1b965f4u);
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Two models, 10 votes: A wins the first 7, B the last 3. In a resample with
 * x wins of A the fit is p_A = sqrt(x / (10 - x)) (p_A / (p_A + p_B) = x / 10,
 * p_A p_B = 1); x = 0 or 10 has no finite fit and is left out. The bounds are
 * the nearest-rank 2.5% and 97.5% of the kept fits, replayed here from the
 * same splitmix64 stream (index = draw mod 10; index < 7 is a win of A). */
static void test_bt_bootstrap(void **state) {
    (void)state;
    struct stats_vote v[10];
    for (int t = 0; t < 10; t++) v[t] = (struct stats_vote){0, 1, t < 7 ? 1 : 0};
    enum { R = 200 };
    double lo[2], hi[2], fa[R], fb[R];
    int kept = stats_bt_bootstrap(2, v, 10, R, 42, lo, hi);
    uint64_t st = 42;
    int k = 0;
    for (int r = 0; r < R; r++) {
        int x = 0;
        for (int t = 0; t < 10; t++) x += stats_splitmix64(&st) % 10 < 7;
        if (x > 0 && x < 10) {
            fa[k] = sqrt((double)x / (10 - x));
            fb[k] = 1 / fa[k];
            k++;
        }
    }
    assert_int_equal(kept, k);
    assert_true(k > R / 2);
    qsort(fa, (size_t)k, sizeof fa[0], cmp);
    qsort(fb, (size_t)k, sizeof fb[0], cmp);
    int r_lo = (int)ceil(0.025 * k - 1e-9) - 1, r_hi = (int)ceil(0.975 * k - 1e-9) - 1; /* nearest rank */
    assert_true(fabs(lo[0] - fa[r_lo]) < 1e-6 && fabs(hi[0] - fa[r_hi]) < 1e-6);
    assert_true(fabs(lo[1] - fb[r_lo]) < 1e-6 && fabs(hi[1] - fb[r_hi]) < 1e-6); /* p_B = 1 / p_A */
    /* the fit on all votes, sqrt(7/3) = 1.5275, lies inside */
    assert_true(lo[0] < sqrt(7.0 / 3) && sqrt(7.0 / 3) < hi[0]);
    /* Only ties: every resample fits 1, 1. */
    for (int t = 0; t < 10; t++) v[t].a_score = 0.5;
    assert_int_equal(stats_bt_bootstrap(2, v, 10, 50, 7, lo, hi), 50);
    assert_true(fabs(lo[0] - 1) < 1e-9 && fabs(hi[0] - 1) < 1e-9 && fabs(hi[1] - 1) < 1e-9);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kappa),    cmocka_unit_test(test_bt_fit),       cmocka_unit_test(test_bt_not_finite),
        cmocka_unit_test(test_splitmix), cmocka_unit_test(test_bt_bootstrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
