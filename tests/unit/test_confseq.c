/*
 * test_confseq.c - the without-replacement betting confidence sequence
 * (lib/confseq.c) against capitals, stopping points and bounds worked out by
 * hand from the formulas of docs/metrics.md, "Deciding early".
 */
#include "testutil.h"

#include "confseq.h"

#include <math.h>

/* log(2/alpha) at alpha = 0.05: ln 40 = 3.6888795. */
#define LN40 3.688879454113936

static void test_new_rejects_bad_arguments(void **state) {
    (void)state;
    assert_null(confseq_new(0, 0.05));
    assert_null(confseq_new(-3, 0.05));
    assert_null(confseq_new(10, 0));
    assert_null(confseq_new(10, 1));
    assert_null(confseq_new(10, -0.1));
    assert_null(confseq_new(10, NAN));
    confseq *cs = confseq_new(1, 0.05);
    assert_non_null(cs);
    double lo, hi;
    confseq_bounds(cs, &lo, &hi); /* nothing drawn: everything possible */
    assert_true(lo == 0 && hi == 1);
    assert_int_equal(confseq_n(cs), 0);
    assert_true(isnan(confseq_mean(cs)));
    assert_int_equal(confseq_verdict(cs, 0.5), 0);
    confseq_free(cs);
    confseq_free(NULL);
}

/* N = 10, alpha = 0.05, first draw X_1 = 1. The plug-in bet of draw 1 uses
 * the prior variance 1/4: l_1 = sqrt(2 ln 40 / (0.25 * 1 * ln 2)) =
 * sqrt(7.3777589 / 0.1732868) = sqrt(42.575424) = 6.5249846.
 *   m = 0.5:  mu_1 = 0.5, l+ = min(6.525, 0.5/0.5) = 1, K+ = 1 + 1 * 0.5 = 1.5;
 *             l- = min(6.525, 0.5/0.5) = 1, K- = 1 - 1 * 0.5 = 0.5.
 *   m = 0.05: mu_1 = 0.05, l+ = min(6.525, 0.5/0.05 = 10) = 6.5249846 (the
 *             plug-in itself), K+ = 1 + 6.5249846 * 0.95 = 7.1987354.
 *   m = 0.1:  mu_1 = 0.1, l+ = min(6.525, 5) = 5, K+ = 1 + 5 * 0.9 = 5.5.
 * Second draw X_2 = 0.5. muhat_1 = (0.5 + 1) / 2 = 0.75, so the variance is
 * s2_1 = (0.25 + 0.25^2) / 2 = 0.15625 and l_2 = sqrt(7.3777589 / (0.15625 *
 * 2 * ln 3)) = sqrt(7.3777589 / 0.3433163) = sqrt(21.489684) = 4.6356965.
 *   m = 0.5:  mu_2 = (5 - 1) / 9 = 4/9, l+ = min(4.636, 0.5 / (4/9) = 1.125),
 *             factor 1 + 1.125 * (0.5 - 4/9) = 1.0625, K+ = 1.59375;
 *             l- = min(4.636, 0.5 / (5/9) = 0.9), factor 1 - 0.9 / 18 = 0.95, K- = 0.475.
 *   m = 0.1:  mu_2 = (1 - 1) / 9 = 0, l+ = l_2 (no cap at mu = 0),
 *             factor 1 + 4.6356965 * 0.5 = 3.3178482, K+ = 5.5 * 3.3178482 = 18.248165.
 * Third draw X_3 = 0: for m = 0.1 mu_3 = (1 - 1.5) / 8 < 0, so the draws
 * already make 0.1 impossible: rejected, its capital no longer tracked. */
static void test_capital_by_hand(void **state) {
    (void)state;
    confseq *cs = confseq_new(10, 0.05);
    double kp, km;
    assert_int_equal(confseq_capital(cs, 0.5, &kp, &km), 0);
    assert_true(kp == 1 && km == 1); /* nothing bet yet */
    assert_int_equal(confseq_add(cs, 1.0), 1);
    assert_int_equal(confseq_capital(cs, 0.5, &kp, &km), 0);
    assert_true(fabs(kp - 1.5) < 1e-12 && fabs(km - 0.5) < 1e-12);
    assert_int_equal(confseq_capital(cs, 0.05, &kp, &km), 0);
    assert_true(fabs(kp - (1 + 0.95 * sqrt(2 * LN40 / (0.25 * log(2))))) < 1e-12);
    assert_true(fabs(kp - 7.1987354) < 1e-6);
    assert_int_equal(confseq_capital(cs, 0.1, &kp, &km), 0);
    assert_true(fabs(kp - 5.5) < 1e-12);

    assert_int_equal(confseq_add(cs, 0.5), 2);
    assert_int_equal(confseq_capital(cs, 0.5, &kp, &km), 0);
    assert_true(fabs(kp - 1.59375) < 1e-12 && fabs(km - 0.475) < 1e-12);
    assert_int_equal(confseq_capital(cs, 0.1, &kp, &km), 0);
    assert_true(fabs(kp - 18.248165) < 1e-5);

    assert_int_equal(confseq_add(cs, 0.0), 3);
    assert_int_equal(confseq_capital(cs, 0.1, &kp, &km), -1); /* impossible now */
    assert_int_equal(confseq_capital(cs, 0.5, &kp, &km), 0);
    /* Off the grid or outside [0,1]: not a tracked candidate. */
    assert_int_equal(confseq_capital(cs, 0.5005, &kp, &km), -1);
    assert_int_equal(confseq_capital(cs, 1.5, &kp, &km), -1);
    confseq_free(cs);
}

/* N = 20, every answer right, threshold 0.5, alpha = 0.05: "yes" is settled
 * when m = 0.5 is rejected from below, K+(0.5) >= 2/alpha = 40 (every smaller
 * m then has a larger K+). With S_{i-1} = i - 1, mu_i(0.5) = (11 - i) / (21 - i)
 * and the cap 0.5 / mu_i binds (l_i is 6.52 at i = 1 and still 3.06 at i = 7,
 * against 0.5 / mu_7 = 1.75), so each factor is 1 + 0.5 (1 - mu_i) / mu_i =
 * (16 - i) / (11 - i): K+_k = (15 * 14 * ... * (16 - k)) / (10 * 9 * ... * (11 - k)).
 *   k = 6: 3603600 / 151200 = 23.83 < 40    k = 7: 23.83 * 9 / 4 = 53.63 >= 40
 * so the verdict is open after 6 draws and settled yes after 7 (the draws
 * alone would only give 7/20 = 0.35 as lower bound). By symmetry all wrong
 * settles "no" after 7: K-(0.5) has the same factors. */
static void test_all_right_settles_after_seven(void **state) {
    (void)state;
    confseq *yes = confseq_new(20, 0.05), *no = confseq_new(20, 0.05);
    for (int k = 1; k <= 6; k++) {
        confseq_add(yes, 1.0);
        confseq_add(no, 0.0);
    }
    double kp, km;
    assert_int_equal(confseq_capital(yes, 0.5, &kp, &km), 0);
    assert_true(fabs(kp - 3603600.0 / 151200.0) < 1e-9);
    assert_int_equal(confseq_verdict(yes, 0.5), 0);
    assert_int_equal(confseq_verdict(no, 0.5), 0);
    confseq_add(yes, 1.0);
    confseq_add(no, 0.0);
    assert_int_equal(confseq_verdict(yes, 0.5), 1);
    assert_int_equal(confseq_verdict(no, 0.5), -1);
    assert_int_equal(confseq_capital(yes, 0.5, &kp, &km), -1); /* rejected */
    double lo, hi;
    confseq_bounds(yes, &lo, &hi); /* outer: 0.5 itself is out, so lo >= 0.5 */
    assert_true(lo >= 0.5 && hi == 1);
    assert_true(lo < 0.8); /* and not absurdly tight: 20 values, 7 seen */
    confseq_free(yes);
    confseq_free(no);
}

/* N = 4, three draws of 1: whatever the last value, the mean is in
 * [3/4, 4/4]. The bets cannot do better yet (K+(0.75) = 1.1667 * 1.25 * 1.5 =
 * 2.19 < 40), so the bounds are exactly the drawn ones; 3/4 itself is
 * possible (the last value 0), so "mean >= 0.75" is settled and 0.76 open.
 * Three draws of 0: [0, 1/4], 0.25 possible, so "mean >= 0.25" stays open
 * while "mean >= 0.2501" is settled no. */
static void test_drawn_bounds(void **state) {
    (void)state;
    confseq *ones = confseq_new(4, 0.05), *zeros = confseq_new(4, 0.05);
    for (int k = 0; k < 3; k++) {
        confseq_add(ones, 1.0);
        confseq_add(zeros, 0.0);
    }
    double lo, hi;
    confseq_bounds(ones, &lo, &hi);
    assert_true(lo == 0.75 && hi == 1.0);
    assert_int_equal(confseq_verdict(ones, 0.75), 1);
    assert_int_equal(confseq_verdict(ones, 0.76), 0);
    confseq_bounds(zeros, &lo, &hi);
    assert_true(lo == 0.0 && hi == 0.25);
    assert_int_equal(confseq_verdict(zeros, 0.25), 0);
    assert_int_equal(confseq_verdict(zeros, 0.2501), -1);
    confseq_free(ones);
    confseq_free(zeros);
}

/* Once all N are in, the bounds are the population mean itself:
 * (1 + 0 + 0.5 + 1) / 4 = 0.625; a fifth value is refused. */
static void test_full_population_pins_mean(void **state) {
    (void)state;
    confseq *cs = confseq_new(4, 0.05);
    const double v[4] = {1, 0, 0.5, 1};
    for (int i = 0; i < 4; i++) assert_int_equal(confseq_add(cs, v[i]), i + 1);
    assert_int_equal(confseq_add(cs, 1.0), -1);
    assert_int_equal(confseq_n(cs), 4);
    double lo, hi;
    confseq_bounds(cs, &lo, &hi);
    assert_true(lo == 0.625 && hi == 0.625);
    assert_true(confseq_mean(cs) == 0.625);
    assert_int_equal(confseq_verdict(cs, 0.625), 1);
    assert_int_equal(confseq_verdict(cs, 0.6251), -1);
    confseq_free(cs);
}

/* Values outside [0,1] count as the nearest end (NaN as 0): 1.7, -0.3, NaN
 * is the stream 1, 0, 0, with the same mean, capitals and bounds. */
static void test_clamps_values(void **state) {
    (void)state;
    confseq *a = confseq_new(10, 0.1), *b = confseq_new(10, 0.1);
    confseq_add(a, 1.7);
    assert_true(confseq_mean(a) == 1.0);
    confseq_add(a, -0.3);
    assert_true(confseq_mean(a) == 0.5);
    confseq_add(a, NAN);
    assert_true(fabs(confseq_mean(a) - 1.0 / 3) < 1e-15);
    confseq_add(b, 1);
    confseq_add(b, 0);
    confseq_add(b, 0);
    double ka, kma, kb, kmb, la, ha, lb, hb;
    assert_int_equal(confseq_capital(a, 0.4, &ka, &kma), 0);
    assert_int_equal(confseq_capital(b, 0.4, &kb, &kmb), 0);
    assert_true(ka == kb && kma == kmb);
    confseq_bounds(a, &la, &ha);
    confseq_bounds(b, &lb, &hb);
    assert_true(la == lb && ha == hb);
    confseq_free(a);
    confseq_free(b);
}

/* Stratified: category A (4 cases, all in: 1 1 0 0, mean 0.5) and B (2 cases,
 * all in: 1 1, mean 1) weighted by their shares 4/6 and 2/6 give exactly
 * 2/6 + 2/6 = 2/3. A with a fresh C ([0,1]) at 1/2 each: [0.25, 0.75]. */
static void test_combine(void **state) {
    (void)state;
    confseq *a = confseq_new(4, 0.025), *b = confseq_new(2, 0.025), *c = confseq_new(3, 0.025);
    const double va[4] = {1, 1, 0, 0};
    for (int i = 0; i < 4; i++) confseq_add(a, va[i]);
    confseq_add(b, 1);
    confseq_add(b, 1);
    const confseq *ab[2] = {a, b}, *ac[2] = {a, c};
    const double w_ab[2] = {4.0 / 6, 2.0 / 6}, w_half[2] = {0.5, 0.5};
    double lo, hi;
    confseq_combine(ab, w_ab, 2, &lo, &hi);
    assert_true(fabs(lo - 2.0 / 3) < 1e-12 && fabs(hi - 2.0 / 3) < 1e-12);
    confseq_combine(ac, w_half, 2, &lo, &hi);
    assert_true(fabs(lo - 0.25) < 1e-12 && fabs(hi - 0.75) < 1e-12);
    confseq_combine(NULL, NULL, 0, &lo, &hi); /* no categories: the empty sum */
    assert_true(lo == 0 && hi == 0);
    confseq_free(a);
    confseq_free(b);
    confseq_free(c);
}

/* The lower bound, when a rejected grid point gives it, is an open end: the
 * means left are all above it, so "mean >= lo" is settled yes, while a
 * threshold half a grid step above it is still open (means between lo and the
 * next grid point may be left). All right, N = 1000: the draws' own bound t/N
 * stays far below the grid's. */
static void test_rejected_lower_bound_is_an_open_end(void **state) {
    (void)state;
    confseq *cs = confseq_new(1000, 0.05);
    int seen = 0;
    for (int t = 1; t <= 40; t++) {
        confseq_add(cs, 1.0);
        double lo, hi;
        confseq_bounds(cs, &lo, &hi);
        if (lo <= t / 1000.0 + 1e-12) continue; /* the draws' bound, a closed end */
        seen++;
        assert_int_equal(confseq_verdict(cs, lo), 1);
        assert_int_equal(confseq_verdict(cs, lo + 0.0005), 0);
    }
    assert_true(seen > 0);
    confseq_free(cs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_arguments),
        cmocka_unit_test(test_capital_by_hand),
        cmocka_unit_test(test_all_right_settles_after_seven),
        cmocka_unit_test(test_drawn_bounds),
        cmocka_unit_test(test_full_population_pins_mean),
        cmocka_unit_test(test_clamps_values),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_rejected_lower_bound_is_an_open_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
