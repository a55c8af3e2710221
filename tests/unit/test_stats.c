/*
 * test_stats.c - Wilson intervals, exact McNemar and percentiles against values
 * worked out by hand (or from their closed forms).
 */
#include "testutil.h"

#include <math.h>

static void test_wilson(void **state) {
    (void)state;
    double lo, hi;
    /* 8 of 10: p=.8, z=1.96: centre=(.8+.19208)/1.38415=.71674, half=.19890/... */
    vlm_wilson95(8, 10, &lo, &hi);
    assert_true(fabs(lo - 0.4902) < 1e-3);
    assert_true(fabs(hi - 0.9433) < 1e-3);
    vlm_wilson95(0, 10, &lo, &hi); /* all wrong: lower bound 0, upper z²/(n+z²) */
    assert_true(lo == 0);
    assert_true(fabs(hi - 3.8415 / 13.8415) < 1e-3);
    vlm_wilson95(10, 10, &lo, &hi);
    assert_true(hi == 1 && fabs(lo - 10.0 / 13.8415) < 1e-3);
    vlm_wilson95(0, 0, &lo, &hi); /* no data: the whole range */
    assert_true(lo == 0 && hi == 1);
    /* A soft credit sum (docs/report-schema.md): 2.25 of 5, p = .45, z² = 3.84146:
     * centre = (.45 + .384146) / 1.768292 = .471724, half = 1.959964 x
     * sqrt(.0495 + .0384146) / 1.768292 = .328643 -> .143081 .. .800367. */
    vlm_wilson95(2.25, 5, &lo, &hi);
    assert_true(fabs(lo - 0.143081) < 1e-5);
    assert_true(fabs(hi - 0.800367) < 1e-5);
}

/* Holm (1979) by hand: p = {0.01, 0.04, 0.03, 0.005}; sorted 0.005, 0.01,
 * 0.03, 0.04 get 4 x 0.005 = 0.02, 3 x 0.01 = 0.03, 2 x 0.03 = 0.06 and
 * max(0.06, 1 x 0.04) = 0.06 (never below the one before). */
static void test_holm(void **state) {
    (void)state;
    double p[4] = {0.01, 0.04, 0.03, 0.005}, adj[4];
    vlm_holm_adjust(p, 4, adj);
    assert_true(fabs(adj[0] - 0.03) < 1e-12);
    assert_true(fabs(adj[1] - 0.06) < 1e-12);
    assert_true(fabs(adj[2] - 0.06) < 1e-12);
    assert_true(fabs(adj[3] - 0.02) < 1e-12);
    double q[2] = {0.6, 0.9};
    vlm_holm_adjust(q, 2, q); /* in place; 2 x 0.6 capped at 1 */
    assert_true(q[0] == 1.0 && q[1] == 1.0);
    double one = 0.2;
    vlm_holm_adjust(&one, 1, &one); /* a family of one: unchanged */
    assert_true(one == 0.2);
    vlm_holm_adjust(NULL, 0, NULL);
}

static void test_mcnemar(void **state) {
    (void)state;
    assert_true(vlm_mcnemar_exact(0, 0) == 1.0);
    /* b=0, c=5: p = 2 * (1/32) = 0.0625 */
    assert_true(fabs(vlm_mcnemar_exact(0, 5) - 0.0625) < 1e-12);
    /* b=1, c=9: p = 2 * (1 + 10) / 1024 = 0.021484375 */
    assert_true(fabs(vlm_mcnemar_exact(1, 9) - 0.021484375) < 1e-12);
    assert_true(fabs(vlm_mcnemar_exact(9, 1) - 0.021484375) < 1e-12); /* symmetric */
    assert_true(vlm_mcnemar_exact(5, 5) == 1.0);                      /* capped at 1 */
    /* b=2, c=5: p = 2 * (1 + 7 + 21) / 128 = 0.453125 */
    assert_true(fabs(vlm_mcnemar_exact(2, 5) - 0.453125) < 1e-12);
    /* large n stays finite: b=400, c=600 is far from chance */
    double p = vlm_mcnemar_exact(400, 600);
    assert_true(p > 0 && p < 1e-9);
}

static void test_paired_diff(void **state) {
    (void)state;
    double lo, hi;
    /* b=1, c=9, n=50: centre 8/52 = .153846; sd = sqrt(11 - 64/52)/52 = .0601073;
     * half = 1.959964 * .0601073 = .117808 */
    vlm_paired_diff95(1, 9, 50, &lo, &hi);
    assert_true(fabs(lo - 0.036038) < 1e-5);
    assert_true(fabs(hi - 0.271654) < 1e-5);
    /* Perfect agreement on 10 items still leaves doubt: sd = 1/12, half = .163330. */
    vlm_paired_diff95(0, 0, 10, &lo, &hi);
    assert_true(fabs(lo + 0.163330) < 1e-5 && fabs(hi - 0.163330) < 1e-5);
    /* Swapping the models mirrors the interval. */
    double lo2, hi2;
    vlm_paired_diff95(1, 9, 50, &lo, &hi);
    vlm_paired_diff95(9, 1, 50, &lo2, &hi2);
    assert_true(fabs(lo2 + hi) < 1e-12 && fabs(hi2 + lo) < 1e-12);
    /* Clamped to [-1, 1]; no data: the whole range. */
    vlm_paired_diff95(0, 3, 3, &lo, &hi);
    assert_true(hi == 1 && lo > 0);
    vlm_paired_diff95(0, 0, 0, &lo, &hi);
    assert_true(lo == -1 && hi == 1);
}

static void test_percentile(void **state) {
    (void)state;
    double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_true(vlm_percentile(v, 10, 0.5) == 5); /* rank ceil(5) */
    assert_true(vlm_percentile(v, 10, 0.9) == 9);
    assert_true(vlm_percentile(v, 10, 0.91) == 10);
    assert_true(vlm_percentile(v, 10, 0.0) == 1);
    assert_true(vlm_percentile(v, 1, 0.99) == 1);
    assert_true(vlm_percentile(v, 0, 0.5) == 0);
    /* q x n lands a hair off a whole number in floating point (0.07 x 100 =
     * 7.000000000000001, 0.29 x 100 = 28.999999999999996): the rank is still 7
     * and 29, the nearest rank of the exact product. */
    double w[100];
    for (int i = 0; i < 100; i++) w[i] = i + 1;
    assert_true(vlm_percentile(w, 100, 0.07) == 7);
    assert_true(vlm_percentile(w, 100, 0.29) == 29);
    assert_true(vlm_percentile(w, 100, 0.95) == 95);
    assert_true(vlm_percentile(w, 100, 0.951) == 96); /* 95.1 -> rank 96 */
    assert_true(vlm_percentile(w, 20, 0.95) == 19);   /* p95 of 20: the 19th, not the largest */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson),      cmocka_unit_test(test_mcnemar),    cmocka_unit_test(test_holm),
        cmocka_unit_test(test_paired_diff), cmocka_unit_test(test_percentile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
