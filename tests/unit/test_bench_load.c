/*
 * test_bench_load.c - the load profiles' arithmetic (bench_load.c,
 * bench_acc.c) on hand-worked inputs: Poisson gaps pass a Kolmogorov-Smirnov
 * test against the exponential law at the asked rate, constant gaps are equal,
 * the achieved rate, the --slo parser, whether a level meets its objectives,
 * the bisection's probes against a fake server with a known knee, and the
 * accuracy of a level against the one-at-a-time level.
 */
#include "testutil.h"

#include <math.h>

#include "bench_load.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* KS distance of the sorted sample x[0..n) from the exponential CDF at
 * `rate` per second (x in ms): F(x) = 1 - exp(-rate x / 1000). */
static double ks_exponential(double *x, int n, double rate) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0;
    for (int i = 0; i < n; i++) {
        double f = 1 - exp(-rate * x[i] / 1000);
        d = fmax(d, fmax((i + 1.0) / n - f, f - (double)i / n));
    }
    return d;
}

static void test_poisson_gaps(void **state) {
    (void)state;
    enum { N = 2000 };
    static double g[N];
    uint64_t rng = 7;
    double sum = 0;
    for (int i = 0; i < N; i++) sum += g[i] = bench_gap_ms(VLM_ARRIVAL_POISSON, 50, &rng);
    /* mean gap 1000/50 = 20 ms; its standard error is 20/sqrt(2000) = 0.447 ms:
     * within 3.4 standard errors */
    assert_true(fabs(sum / N - 20) < 1.5);
    /* KS critical value at alpha 0.01: 1.628/sqrt(2000) = 0.0364 */
    double d = ks_exponential(g, N, 50);
    assert_true(d < 0.0364);
    /* the same gaps read at the wrong rate (25/s: gaps twice too long) fail it */
    assert_true(ks_exponential(g, N, 25) > 0.2);
    /* another seed passes too; equal seeds give the same schedule */
    uint64_t a = 99;
    for (int i = 0; i < N; i++) g[i] = bench_gap_ms(VLM_ARRIVAL_POISSON, 50, &a);
    assert_true(ks_exponential(g, N, 50) < 0.0364);
    uint64_t c = 5, e = 5;
    for (int i = 0; i < 10; i++)
        assert_true(bench_gap_ms(VLM_ARRIVAL_POISSON, 3, &c) == bench_gap_ms(VLM_ARRIVAL_POISSON, 3, &e));
}

static void test_constant_gaps(void **state) {
    (void)state;
    uint64_t rng = 1;
    /* 1000 / 8 = 125 ms each, and the generator is not touched */
    for (int i = 0; i < 5; i++) assert_true(bench_gap_ms(VLM_ARRIVAL_CONSTANT, 8, &rng) == 125.0);
    assert_true(rng == 1);
}

static void test_achieved_rate(void **state) {
    (void)state;
    /* 11 starts over 2 s: 10 gaps / 2 s = 5 per second */
    assert_true(fabs(bench_achieved_rate(11, 1000, 3000) - 5) < 1e-12);
    assert_true(bench_achieved_rate(1, 1000, 3000) == 0);
    assert_true(bench_achieved_rate(5, 1000, 1000) == 0);
}

static void test_slo_parse(void **state) {
    (void)state;
    struct vlm_bench_params p = vlm_bench_default_params();
    char err[256];
    assert_true(vlm_slo_parse("ttft_p95=500,tpot_p50=40.5,e2e_p99=2000,itl_p90=30", &p, err, sizeof err));
    assert_int_equal(p.n_slos, 4);
    assert_string_equal(p.slos[0].metric, "ttft");
    assert_int_equal(p.slos[0].pct, 95);
    assert_true(p.slos[0].max_ms == 500);
    assert_string_equal(p.slos[1].metric, "tpot");
    assert_int_equal(p.slos[1].pct, 50);
    assert_true(p.slos[1].max_ms == 40.5);
    assert_string_equal(p.slos[2].metric, "e2e");
    assert_int_equal(p.slos[2].pct, 99);
    assert_string_equal(p.slos[3].metric, "itl");
    assert_int_equal(p.slos[3].pct, 90);
    static const char *const bad[] = {"ttft_p97=5", "latency_p95=5", "ttft_p95=", "ttft_p95=-1",
                                      "ttft95=5",   "ttft_p95=5ms",  "e2e_p99",   ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        assert_false(vlm_slo_parse(bad[i], &p, err, sizeof err));
        assert_true(err[0] != 0);
    }
    vlm_slo_parse("ttft_p97=5", &p, err, sizeof err);
    assert_non_null(strstr(err, "'ttft_p97=5'"));
}

static void test_slo_met(void **state) {
    (void)state;
    struct vlm_bench_params p = vlm_bench_default_params();
    char err[256];
    assert_true(vlm_slo_parse("ttft_p95=100,e2e_p99=1000", &p, err, sizeof err));
    struct vlm_bench_level l;
    memset(&l, 0, sizeof l);
    l.n_ok = 10;
    l.ttft_ms = (struct vlm_pcts){50, 90, 100, 400}; /* p95 exactly at its bound: met */
    l.e2e_ms = (struct vlm_pcts){200, 500, 800, 999};
    assert_true(bench_slo_met(&p, &l));
    l.e2e_ms.p99 = 1000.5; /* over the e2e bound */
    assert_false(bench_slo_met(&p, &l));
    l.e2e_ms.p99 = 900;
    l.ttft_ms.p95 = 101; /* over the ttft bound */
    assert_false(bench_slo_met(&p, &l));
    l.ttft_ms.p95 = 99;
    assert_true(bench_slo_met(&p, &l));
    l.n_errors = 1; /* a level with a failed request does not meet them */
    assert_false(bench_slo_met(&p, &l));
}

/* A server meeting the SLOs up to `knee`: the probes a search makes, as a
 * string, and the capacity it finds. */
static struct vlm_bench_capacity search(double lo, double hi, double step, bool integer, double knee, char *probes,
                                        size_t cap) {
    struct bench_search s;
    bench_search_init(&s, lo, hi, step, integer);
    double v;
    probes[0] = 0;
    while (bench_search_next(&s, &v)) {
        snprintf(probes + strlen(probes), cap - strlen(probes), "%s%g", probes[0] ? " " : "", v);
        struct vlm_bench_level l;
        memset(&l, 0, sizeof l);
        l.req_per_s = v * 10;
        l.e2e_ms.p95 = v <= knee ? 20 : 400;
        bench_search_result(&s, v <= knee, &l);
    }
    return s.cap;
}

static void test_bisection(void **state) {
    (void)state;
    char probes[256];
    /* concurrency 1..16, knee 4, step 1: 1 ok, 16 no, (1+16)/2=8 no, (1+8)/2=4 ok,
     * (4+8)/2=6 no, (4+6)/2=5 no; 5-4 = 1 <= step */
    struct vlm_bench_capacity c = search(1, 16, 1, true, 4, probes, sizeof probes);
    assert_string_equal(probes, "1 16 8 4 6 5");
    assert_true(c.searched && !c.by_rate);
    assert_true(c.capacity == 4 && c.knee_above == 5 && c.n_probes == 6);
    assert_true(c.req_per_s == 40 && c.e2e_p95_ms == 20);
    /* step 2 stops one probe earlier, the knee within one step: 4 ok, 6 no */
    c = search(1, 16, 2, true, 4, probes, sizeof probes);
    assert_string_equal(probes, "1 16 8 4 6");
    assert_true(c.capacity == 4 && c.knee_above == 6);
    /* rates 2..10, knee 7.3, step 1: 2 ok, 10 no, 6 ok, 8 no (8-6 = 2 > 1), 7 ok;
     * 8-7 = 1 <= step: stop */
    c = search(2, 10, 1, false, 7.3, probes, sizeof probes);
    assert_string_equal(probes, "2 10 6 8 7");
    assert_true(c.by_rate && c.capacity == 7 && c.knee_above == 8);
    /* step 0.25: on to 7.5 no (7.5-7 = 0.5 > 0.25), 7.25 ok; 7.5-7.25 = 0.25: stop */
    c = search(2, 10, 0.25, false, 7.3, probes, sizeof probes);
    assert_string_equal(probes, "2 10 6 8 7 7.5 7.25");
    assert_true(c.capacity == 7.25 && c.knee_above == 7.5);
    assert_true(c.knee_above - c.capacity <= 1 && 7.3 - c.capacity <= 1);
    /* the whole range passes: capacity at its top, no knee */
    c = search(1, 8, 1, true, 100, probes, sizeof probes);
    assert_string_equal(probes, "1 8");
    assert_true(c.capacity == 8 && c.knee_above == 0);
    /* nothing passes: no capacity, the knee at the bottom */
    c = search(2, 8, 1, true, 1, probes, sizeof probes);
    assert_string_equal(probes, "2");
    assert_true(c.capacity == 0 && c.knee_above == 2);
}

static void test_accuracy(void **state) {
    (void)state;
    struct vlm_bench_level ref, l;
    memset(&ref, 0, sizeof ref);
    memset(&l, 0, sizeof l);
    ref.case_correct = "11111111-1";
    ref.n_scored = 9;
    ref.n_correct = 9;
    l.case_correct = "000000001-"; /* pairs: the first 8 (9th unasked at ref, 10th here) */
    l.n_scored = 10;
    l.n_correct = 1;
    struct vlm_bench_acc a;
    vlm_bench_accuracy(&ref, &l, &a);
    /* b = 8 (right at ref only), c = 0: exact McNemar p = 2 * C(8,0) / 2^8 = 0.0078125 */
    assert_int_equal(a.n_pairs, 8);
    assert_int_equal(a.b, 8);
    assert_int_equal(a.c, 0);
    assert_true(fabs(a.p_value - 0.0078125) < 1e-12);
    assert_true(a.dropped);
    assert_true(fabs(a.acc - 0.1) < 1e-12);
    double lo, hi;
    vlm_wilson95(1, 10, &lo, &hi);
    assert_true(a.lo == lo && a.hi == hi);
    /* 2 lost, 1 gained: p = 2 * (C(3,0) + C(3,1)) / 8 = 1, no drop */
    l.case_correct = "0011111101";
    ref.case_correct = "1111111100";
    vlm_bench_accuracy(&ref, &l, &a);
    assert_int_equal(a.b, 2);
    assert_int_equal(a.c, 1);
    assert_true(a.p_value == 1 && !a.dropped);
    /* better under load is not a drop, however significant */
    ref.case_correct = "00000000";
    l.case_correct = "11111111";
    vlm_bench_accuracy(&ref, &l, &a);
    assert_true(a.p_value < 0.05 && !a.dropped);
    /* no reference level: the interval only */
    vlm_bench_accuracy(NULL, &l, &a);
    assert_true(a.n_pairs == 0 && a.p_value == 1 && !a.dropped);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poisson_gaps), cmocka_unit_test(test_constant_gaps), cmocka_unit_test(test_achieved_rate),
        cmocka_unit_test(test_slo_parse),    cmocka_unit_test(test_slo_met),       cmocka_unit_test(test_bisection),
        cmocka_unit_test(test_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
