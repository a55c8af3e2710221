/*
 * test_report_turns.c - the "keeps context through turn K" rule
 * (report_turns.c, docs/metrics.md): counts per turn in, the turn context is
 * lost at and kept through out. The Wilson bounds are worked out by hand below.
 *
 * Wilson 95%: z = 1.959964, z^2 = 3.841459. For n = 10: z^2/n = 0.3841459,
 * 1 + z^2/n = 1.3841459, z^2/(2n) = 0.1920729, z^2/(4n^2) = 0.0096036.
 *   centre = (p + z^2/2n) / (1 + z^2/n), half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
 *   10/10: lower = 1 / 1.3841459                                   = 0.72247
 *    9/10: centre 1.0920729/1.3841459 = 0.78899, half 1.96 sqrt(0.0186036)/1.38415 = 0.19314,
 *          upper 0.98213
 *    5/10: centre 0.5, half 1.96 sqrt(0.0346036)/1.38415 = 0.26341, upper 0.76341 (not below 0.72247)
 *    4/10: centre 0.5920729/1.3841459 = 0.42775, half 1.96 sqrt(0.0336036)/1.38415 = 0.25958,
 *          upper 0.68733 (below 0.72247)
 *    2/10: centre 0.3920729/1.3841459 = 0.28326, half 1.96 sqrt(0.0256036)/1.38415 = 0.22658,
 *          upper 0.50984
 *    0/10: lower 0 (exactly, at k = 0)
 */
#include "testutil.h"

#include <math.h>

#include "report.h"

#define TURNS(...) ((struct report_turn_acc[]){__VA_ARGS__})
#define N_OF(a)    ((int)(sizeof a / sizeof a[0]))

static struct report_context kept(const struct report_turn_acc *t, int n, bool *ok) {
    struct report_context c;
    *ok = report_context_kept(t, n, &c);
    return c;
}

/* 10/10, 5/10, 4/10: turn 2's upper bound 0.763 is above 0.722, turn 3's 0.687 below. */
static void test_lost_at_the_first_turn_below(void **state) {
    struct report_turn_acc t[] = {{1, 10, 10}, {2, 10, 5}, {3, 10, 4}, {4, 10, 9}};
    bool ok;
    struct report_context c = kept(t, N_OF(t), &ok);
    assert_true(ok);
    assert_true(fabs(c.base_low - 0.72247) < 1e-4);
    assert_int_equal(c.lost_at, 3);
    assert_int_equal(c.keeps_through, 2);
    assert_true(fabs(c.lost_high - 0.68733) < 1e-4);
    assert_int_equal(c.last_turn, 4);
}

/* 10/10 then 9/10 twice: no upper bound below 0.722, kept through the last turn. */
static void test_never_lost(void **state) {
    struct report_turn_acc t[] = {{1, 10, 10}, {2, 10, 9}, {3, 10, 9}};
    bool ok;
    struct report_context c = kept(t, N_OF(t), &ok);
    assert_true(ok);
    assert_int_equal(c.lost_at, 0);
    assert_int_equal(c.keeps_through, 3);
    assert_int_equal(c.last_turn, 3);
}

/* Turn 1 at 0%: its lower bound is 0, which no upper bound falls below. */
static void test_first_turn_zero(void **state) {
    struct report_turn_acc t[] = {{1, 10, 0}, {2, 10, 0}, {3, 10, 0}, {4, 10, 0}, {5, 10, 0}};
    bool ok;
    struct report_context c = kept(t, N_OF(t), &ok);
    assert_true(ok);
    assert_true(c.base_low == 0);
    assert_int_equal(c.lost_at, 0);
    assert_int_equal(c.keeps_through, 5);
}

/* A dip that recovers: 10/10, 2/10 (upper 0.510 < 0.722), 10/10, 2/10: the
 * first dip counts, the recovery does not undo it. */
static void test_dip_that_recovers(void **state) {
    struct report_turn_acc t[] = {{1, 10, 10}, {2, 10, 2}, {3, 10, 10}, {4, 10, 2}};
    bool ok;
    struct report_context c = kept(t, N_OF(t), &ok);
    assert_true(ok);
    assert_int_equal(c.lost_at, 2);
    assert_int_equal(c.keeps_through, 1);
    assert_true(fabs(c.lost_high - 0.50984) < 1e-4);
    assert_int_equal(c.last_turn, 4);
}

/* A turn with nothing scored is skipped; turns need not be consecutive: lost
 * at turn 5 means kept through turn 4. */
static void test_gaps_and_empty_turns(void **state) {
    struct report_turn_acc t[] = {{1, 10, 10}, {2, 0, 0}, {3, 10, 9}, {5, 10, 4}};
    bool ok;
    struct report_context c = kept(t, N_OF(t), &ok);
    assert_true(ok);
    assert_int_equal(c.lost_at, 5);
    assert_int_equal(c.keeps_through, 4);
}

/* Only turn 1 measured: kept through turn 1, not lost. */
static void test_one_turn(void **state) {
    struct report_turn_acc t[] = {{1, 10, 10}};
    bool ok;
    struct report_context c = kept(t, 1, &ok);
    assert_true(ok);
    assert_int_equal(c.lost_at, 0);
    assert_int_equal(c.keeps_through, 1);
}

/* No baseline: no turns, a first row that is not turn 1, or turn 1 with nothing scored. */
static void test_no_baseline(void **state) {
    bool ok;
    struct report_context c = kept(TURNS({1, 10, 10}), 0, &ok);
    assert_false(ok);
    assert_int_equal(c.keeps_through, 0);
    c = kept(TURNS({2, 10, 10}, {3, 10, 0}), 2, &ok);
    assert_false(ok);
    assert_int_equal(c.lost_at, 0);
    kept(TURNS({1, 0, 0}, {2, 10, 0}), 2, &ok);
    assert_false(ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_at_the_first_turn_below),
        cmocka_unit_test(test_never_lost),
        cmocka_unit_test(test_first_turn_zero),
        cmocka_unit_test(test_dip_that_recovers),
        cmocka_unit_test(test_gaps_and_empty_turns),
        cmocka_unit_test(test_one_turn),
        cmocka_unit_test(test_no_baseline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
