/*
 * test_gpu_sample.c - the GPU accumulator (lib/gpu_sample.c, docs/metrics.md
 * "GPU (NVML)") on hand-worked readings: peak memory, mean utilization,
 * energy by the trapezoid rule, mean power, highest temperature, a failed
 * reading that keeps what the device had, the total over devices (peak of the
 * sum, not sum of the peaks); and the sampler off without NVML.
 */
#include "testutil.h"

#include <math.h>

#include "gpu_sample.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9)

static struct nvml_reading rd(unsigned long long used, unsigned long long total, unsigned util, double w,
                              unsigned temp) {
    return (struct nvml_reading){used, total, util, w, temp};
}

/* Two devices over three ticks, t = 0, 0.5, 1.5 s:
 *   device 0: mem 1000, 3000, 2000 of 8000; util 10, 30, 50; power 100, 200, 100 W; temp 50, 70, 60
 *   device 1: mem 500, (reading failed), 4000 of 4000; util 0, -, 100; power 50, -, 70 W; temp 40, -, 45 */
static void feed(struct gpu_acc *a) {
    gpu_acc_init(a, 2);
    struct nvml_reading r[2] = {rd(1000, 8000, 10, 100, 50), rd(500, 4000, 0, 50, 40)};
    bool ok[2] = {true, true};
    gpu_acc_tick(a, 10.0, r, ok);
    r[0] = rd(3000, 8000, 30, 200, 70);
    r[1] = rd(999999, 4000, 99, 999, 99); /* not read: must not count */
    ok[1] = false;
    gpu_acc_tick(a, 10.5, r, ok);
    r[0] = rd(2000, 8000, 50, 100, 60);
    r[1] = rd(4000, 4000, 100, 70, 45);
    ok[1] = true;
    gpu_acc_tick(a, 11.5, r, ok);
}

static void test_device_figures(void **state) {
    (void)state;
    struct gpu_acc a;
    struct gpu_figures f;
    feed(&a);
    assert_true(gpu_acc_device(&a, 0, &f));
    assert_int_equal(f.mem_peak_bytes, 3000);
    assert_int_equal(f.mem_total_bytes, 8000);
    NEAR(f.util_mean_pct, 30); /* (10 + 30 + 50) / 3 */
    NEAR(f.energy_j, 225);     /* (100 + 200) / 2 * 0.5 + (200 + 100) / 2 * 1.0 = 75 + 150 */
    NEAR(f.span_s, 1.5);       /* 11.5 - 10.0 */
    NEAR(f.power_mean_w, 150); /* 225 J / 1.5 s */
    NEAR(f.temp_max_c, 70);
    assert_int_equal(f.n_samples, 3);

    assert_true(gpu_acc_device(&a, 1, &f)); /* the failed reading is skipped */
    assert_int_equal(f.mem_peak_bytes, 4000);
    NEAR(f.util_mean_pct, 50); /* (0 + 100) / 2 */
    NEAR(f.energy_j, 90);      /* (50 + 70) / 2 * 1.5 */
    NEAR(f.power_mean_w, 60);  /* 90 / 1.5 */
    NEAR(f.temp_max_c, 45);
    assert_int_equal(f.n_samples, 2);
    assert_false(gpu_acc_device(&a, 2, &f)); /* no such device */
    assert_false(gpu_acc_device(&a, -1, &f));
}

static void test_total(void **state) {
    (void)state;
    struct gpu_acc a;
    struct gpu_figures t;
    feed(&a);
    assert_true(gpu_acc_total(&a, &t));
    /* sums per tick: 1000 + 500, 3000 + 500 (device 1 keeps its last), 2000 + 4000 = 6000;
     * the peaks' sum (3000 + 4000 = 7000) is never held at once */
    assert_int_equal(t.mem_peak_bytes, 6000);
    assert_int_equal(t.mem_total_bytes, 12000); /* 8000 + 4000 */
    NEAR(t.util_mean_pct, 40);                  /* (30 + 50) / 2 */
    NEAR(t.energy_j, 315);                      /* 225 + 90 */
    NEAR(t.power_mean_w, 210);                  /* 150 + 60 */
    NEAR(t.temp_max_c, 70);
    NEAR(t.span_s, 1.5);
    assert_int_equal(t.n_samples, 3); /* ticks */
}

static void test_one_reading_and_none(void **state) {
    (void)state;
    struct gpu_acc a;
    struct gpu_figures f;
    gpu_acc_init(&a, 2);
    assert_false(gpu_acc_device(&a, 0, &f));
    assert_false(gpu_acc_total(&a, &f)); /* nothing read: no figures, not zeros */
    struct nvml_reading r[2] = {rd(700, 900, 20, 80, 33), rd(0, 0, 0, 0, 0)};
    bool ok[2] = {true, false};
    gpu_acc_tick(&a, 3.0, r, ok);
    assert_true(gpu_acc_device(&a, 0, &f));
    NEAR(f.energy_j, 0); /* one reading spans no time */
    NEAR(f.span_s, 0);
    NEAR(f.power_mean_w, 80); /* the one reading */
    assert_false(gpu_acc_device(&a, 1, &f));
    assert_true(gpu_acc_total(&a, &f)); /* over the device that was read */
    assert_int_equal(f.mem_peak_bytes, 700);
    NEAR(f.util_mean_pct, 20);
}

static void test_sampler_off(void **state) {
    (void)state;
    char why[256] = "x";
    assert_null(gpu_sampler_start(0, why, sizeof why));
    assert_string_equal(why, ""); /* off by setting: nothing to say */
    setenv("VLMETER_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    assert_null(gpu_sampler_start(100, why, sizeof why));
    assert_string_equal(why, "cannot open /nonexistent/libnvidia-ml.so.1");
    gpu_sampler_next_phase(NULL); /* NULL: nothing */
    gpu_sampler_stop(NULL, NULL);
    unsetenv("VLMETER_NVML_LIB");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_figures),
        cmocka_unit_test(test_total),
        cmocka_unit_test(test_one_reading_and_none),
        cmocka_unit_test(test_sampler_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
