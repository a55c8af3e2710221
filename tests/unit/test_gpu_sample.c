/*
 * test_gpu_sample.c - the GPU accumulator (lib/gpu_sample.c, docs/metrics.md
 * "GPU (NVML)") on hand-worked readings: peak memory, mean utilization,
 * energy by the trapezoid rule, mean power, highest temperature, a failed
 * reading that keeps what the device had, the total over devices (peak of the
 * sum, not sum of the peaks), over kept devices only; readings missing a
 * field (MIG: no utilization; boards without power); NVML's energy counter
 * and its fallback; the PCI bus ids that pick a model's GPUs; and the sampler
 * off without NVML.
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "gpu_sample.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9)

static struct nvml_reading rd(unsigned long long used, unsigned long long total, unsigned util, double w,
                              unsigned temp) {
    return (struct nvml_reading){.mem_used = used,
                                 .mem_total = total,
                                 .has_util = true,
                                 .has_power = true,
                                 .has_temp = true,
                                 .util_pct = util,
                                 .power_w = w,
                                 .temp_c = temp};
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
    gpu_acc_free(&a);
}

static void test_total(void **state) {
    (void)state;
    struct gpu_acc a;
    struct gpu_figures t;
    feed(&a);
    int n_read = 0;
    assert_true(gpu_acc_total(&a, NULL, &t, &n_read));
    assert_int_equal(n_read, 2);
    assert_true(t.has_energy && t.has_power && t.has_util && t.has_temp);
    assert_int_equal(t.energy_source, GPU_ENERGY_POWER);
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

    /* device 1 alone (the model's GPU): its memory at each tick 500, 500, 4000 */
    bool keep[2] = {false, true};
    assert_true(gpu_acc_total(&a, keep, &t, &n_read));
    assert_int_equal(n_read, 1);
    assert_int_equal(t.mem_peak_bytes, 4000);
    assert_int_equal(t.mem_total_bytes, 4000);
    NEAR(t.energy_j, 90);
    NEAR(t.util_mean_pct, 50);
    NEAR(t.temp_max_c, 45);
    keep[1] = false;
    assert_false(gpu_acc_total(&a, keep, &t, &n_read)); /* none kept */
    assert_int_equal(n_read, 0);
    gpu_acc_free(&a);
}

/* A device whose readings lack fields: t = 0, 1, 2, 3 s, memory 10, 20, 30, 40;
 * power 100, -, 200, 300 W; utilization 10, -, -, 50; temperature -, 70, -, -.
 * The figures count only the readings that have them. */
static void test_missing_fields(void **state) {
    (void)state;
    struct gpu_acc a;
    struct gpu_figures f;
    gpu_acc_init(&a, 1);
    bool ok[1] = {true};
    struct nvml_reading r = rd(10, 100, 10, 100, 99);
    r.has_temp = false;
    gpu_acc_tick(&a, 0, &r, ok);
    r = rd(20, 100, 99, 999, 70);
    r.has_util = r.has_power = false;
    gpu_acc_tick(&a, 1, &r, ok);
    r = rd(30, 100, 99, 200, 99);
    r.has_util = r.has_temp = false;
    gpu_acc_tick(&a, 2, &r, ok);
    r = rd(40, 100, 50, 300, 99);
    r.has_temp = false;
    gpu_acc_tick(&a, 3, &r, ok);
    assert_true(gpu_acc_device(&a, 0, &f));
    assert_int_equal(f.n_samples, 4);
    assert_int_equal(f.mem_peak_bytes, 40);
    assert_true(f.has_util);
    NEAR(f.util_mean_pct, 30); /* (10 + 50) / 2, not (10 + 0 + 0 + 50) / 4 */
    assert_true(f.has_temp);
    NEAR(f.temp_max_c, 70);
    assert_true(f.has_energy);
    assert_int_equal(f.energy_source, GPU_ENERGY_POWER);
    NEAR(f.energy_j, 250);     /* only t 2..3 has power at both ends: (200 + 300) / 2 * 1 */
    NEAR(f.power_mean_w, 250); /* 250 J over the 1 s those readings cover */
    gpu_acc_free(&a);

    /* a MIG slice: no utilization, no power, no temperature at all */
    gpu_acc_init(&a, 2);
    bool ok2[2] = {true, true};
    struct nvml_reading r2[2] = {{.mem_used = 5, .mem_total = 10}, rd(1, 10, 20, 40, 30)};
    gpu_acc_tick(&a, 0, r2, ok2);
    gpu_acc_tick(&a, 2, r2, ok2);
    assert_true(gpu_acc_device(&a, 0, &f));
    assert_false(f.has_util || f.has_power || f.has_energy || f.has_temp); /* unknown, not 0 */
    int n_read;
    assert_true(gpu_acc_total(&a, NULL, &f, &n_read));
    assert_int_equal(n_read, 2);
    assert_false(f.has_energy); /* one device's energy unknown: a sum would understate */
    assert_false(f.has_power);
    assert_true(f.has_util);
    NEAR(f.util_mean_pct, 20); /* over the device that has it */
    NEAR(f.temp_max_c, 30);
    gpu_acc_free(&a);
}

/* NVML's energy counter (mJ) at t = 10, 10.5, 11.5 s: 5000000, 5100000, 5400000,
 * with power 100, 200, 100 W (the trapezoid would say 225 J). */
static void test_energy_counter(void **state) {
    (void)state;
    static const unsigned long long mj[3] = {5000000, 5100000, 5400000};
    static const double t[3] = {10, 10.5, 11.5}, w[3] = {100, 200, 100};
    for (int variant = 0; variant < 3; variant++) {
        struct gpu_acc a;
        struct gpu_figures f;
        bool ok[1] = {true};
        gpu_acc_init(&a, 1);
        for (int k = 0; k < 3; k++) {
            struct nvml_reading r = rd(1, 2, 0, w[k], 40);
            r.has_energy = !(variant == 1 && k == 0);            /* 1: the first reading lacks the counter */
            r.energy_mj = variant == 2 && k == 2 ? 1000 : mj[k]; /* 2: it went back (driver reload) */
            gpu_acc_tick(&a, t[k], &r, ok);
        }
        assert_true(gpu_acc_device(&a, 0, &f));
        assert_true(f.has_energy);
        if (variant == 0) {
            assert_int_equal(f.energy_source, GPU_ENERGY_COUNTER);
            NEAR(f.energy_j, 400);           /* (5400000 - 5000000) mJ / 1000 */
            NEAR(f.power_mean_w, 400 / 1.5); /* over the 1.5 s span */
        } else {                             /* the trapezoid: (100 + 200) / 2 * 0.5 + (200 + 100) / 2 * 1 */
            assert_int_equal(f.energy_source, GPU_ENERGY_POWER);
            NEAR(f.energy_j, 225);
        }
        gpu_acc_free(&a);
    }
}

/* PCI bus ids: parsed as numbers, any domain width and case. */
static void test_bus_ids(void **state) {
    (void)state;
    struct nvml_pci p;
    assert_true(nvml_parse_bus_id("00000000:C1:00.0", &p)); /* NVML's form */
    assert_int_equal(p.domain, 0);
    assert_int_equal(p.bus, 0xc1);
    assert_int_equal(p.device, 0);
    assert_true(nvml_parse_bus_id("0001:0a:1f.3", &p));
    assert_int_equal(p.domain, 1);
    assert_int_equal(p.bus, 10);
    assert_int_equal(p.device, 31);
    assert_false(nvml_parse_bus_id("c1:00.0", &p)); /* no domain */
    assert_false(nvml_parse_bus_id("0000:zz:00.0", &p));
    assert_false(nvml_parse_bus_id("0000:c1:00", &p)); /* no function */
    assert_false(nvml_parse_bus_id("", &p));
    assert_false(nvml_parse_bus_id(NULL, &p));

    struct nvml_pci c1 = {0, 0xc1, 0};
    assert_true(nvml_bus_id_in("0000:c1:00.0", &c1));              /* ggml's form matches NVML's 00000000:C1:00.0 */
    assert_true(nvml_bus_id_in("0000:81:00.0,0000:c1:00.0", &c1)); /* the second of two */
    assert_false(nvml_bus_id_in("0000:c1:01.0", &c1));             /* another device */
    assert_false(nvml_bus_id_in("0001:c1:00.0", &c1));             /* another domain */
    assert_false(nvml_bus_id_in("0000:c2:00.0,bad", &c1));
    assert_false(nvml_bus_id_in("", &c1));
    assert_false(nvml_bus_id_in(NULL, &c1));
}

/* Which NVML devices hold a model: three GPUs at buses 0x81, 0xc1, 0x41. */
static void test_keep_devices(void **state) {
    (void)state;
    static struct gpu_result res;
    bool keep[NVML_MAX_DEVICES];
    for (int p = 0; p < GPU_N_PHASES; p++) gpu_acc_init(&res.phase[p], 3);
    res.pci[0] = (struct nvml_pci){0, 0x81, 0};
    res.pci[1] = (struct nvml_pci){0, 0xc1, 0};
    res.pci[2] = (struct nvml_pci){0, 0x41, 0};
    res.has_pci[0] = res.has_pci[1] = res.has_pci[2] = true;
    gpu_keep_devices(&res, "0000:c1:00.0", keep); /* CUDA_VISIBLE_DEVICES=1: one of three */
    assert_false(keep[0]);
    assert_true(keep[1]);
    assert_false(keep[2]);
    gpu_keep_devices(&res, "0000:41:00.0,0000:81:00.0", keep);
    assert_true(keep[0] && !keep[1] && keep[2]);
    gpu_keep_devices(&res, "", keep); /* ggml named no GPU (a CPU build): the machine's view */
    assert_true(keep[0] && keep[1] && keep[2]);
    gpu_keep_devices(&res, NULL, keep);
    assert_true(keep[0] && keep[1] && keep[2]);
    res.has_pci[2] = false; /* NVML cannot say where one is: every device */
    gpu_keep_devices(&res, "0000:c1:00.0", keep);
    assert_true(keep[0] && keep[1] && keep[2]);
}

static void test_one_reading_and_none(void **state) {
    (void)state;
    struct gpu_acc a;
    struct gpu_figures f;
    gpu_acc_init(&a, 2);
    assert_false(gpu_acc_device(&a, 0, &f));
    assert_false(gpu_acc_total(&a, NULL, &f, NULL)); /* nothing read: no figures, not zeros */
    struct nvml_reading r[2] = {rd(700, 900, 20, 80, 33), rd(0, 0, 0, 0, 0)};
    bool ok[2] = {true, false};
    gpu_acc_tick(&a, 3.0, r, ok);
    assert_true(gpu_acc_device(&a, 0, &f));
    NEAR(f.energy_j, 0); /* one reading spans no time */
    NEAR(f.span_s, 0);
    NEAR(f.power_mean_w, 80); /* the one reading */
    assert_false(gpu_acc_device(&a, 1, &f));
    int n_read = 0;
    assert_true(gpu_acc_total(&a, NULL, &f, &n_read)); /* over the device that was read */
    assert_int_equal(n_read, 1);
    assert_int_equal(f.mem_peak_bytes, 700);
    NEAR(f.util_mean_pct, 20);
    gpu_acc_free(&a);
}

static void test_sampler_off(void **state) {
    (void)state;
    char why[256] = "x";
    assert_null(gpu_sampler_start(0, why, sizeof why));
    assert_string_equal(why, ""); /* off by setting: nothing to say */
    setenv("VLMETER_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    assert_null(gpu_sampler_start(100, why, sizeof why));
    /* the path, then dlopen's own reason */
    assert_true(!strncmp(why, "cannot open /nonexistent/libnvidia-ml.so.1: ", 44));
    assert_non_null(strstr(why + 44, "No such file"));
    gpu_sampler_next_phase(NULL); /* NULL: nothing */
    gpu_sampler_stop(NULL, NULL);
    unsetenv("VLMETER_NVML_LIB");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_figures),       cmocka_unit_test(test_total),
        cmocka_unit_test(test_one_reading_and_none), cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_energy_counter),       cmocka_unit_test(test_bus_ids),
        cmocka_unit_test(test_keep_devices),         cmocka_unit_test(test_sampler_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
