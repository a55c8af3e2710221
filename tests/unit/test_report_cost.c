/*
 * test_report_cost.c - the report's `cost` and `recommendation` sections
 * (lib/report_cost.c, docs/cost.md) on a report document whose figures are
 * chosen so that every expected value is worked out by hand below: single-stream
 * throughput from the mean e2e (not the median) and a nearest-rank p95, per
 * request / per 1k / per 1M output tokens, several instances with a reserved
 * price, capacity per day, break-even (null when peak_factor > 1), the GPUs a
 * model fits smallest first, the quantization that would fit, the memory
 * estimate, the fastest qualifying bench level, and the choice.
 *
 * Catalog, in this order: G24 (24 GiB, 2.00/h, reserved 1000/month), G8 (8 GiB,
 * 0.50/h), G16 (16 GiB, 1.00/h); all USD.
 * Models:
 *   m    accuracy 0.75; 20 e2e values, 19 x 500 ms and one 6500 ms: mean 800
 *        (so s = 0.8 s, r = 1.25 req/s), median 500, nearest-rank p95 = the 19th
 *        value = 500; 600 prompt and 50 output tokens; 12 GiB GPU memory
 *        measured (and 2 GiB peak RSS, which the GPU figure overrides).
 *   big  accuracy 0.5; 30 GiB GPU memory; a 7e9-parameter F16 file of 14e9 bytes.
 *   est  accuracy 0.5; nothing measured but its files: 2e9 + 0.5e9 bytes, 1e9
 *        parameters.
 *   b    accuracy 0.6; bench levels 3 req/s (p95 900 ms), 6 req/s (p95 1500 ms)
 *        and 9 req/s with 10% errors.
 */
#include "testutil.h"

#include <jansson.h>
#include <math.h>

#include "report.h"

#define GIB 1073741824.0

static const char *DOC =
    "{\"models\": ["
    " {\"name\": \"m\", \"backend\": \"local\", \"quality\": {\"accuracy\": 0.75, \"n\": 20},"
    "  \"model_bytes\": 4e9, \"n_params\": 4e9, \"gpu_mem_bytes\": 12884901888, \"rss_peak_bytes\": 2147483648,"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 800, \"p50\": 500}, \"n_prompt_tokens\": {\"mean\": 600},"
    "            \"n_output_tokens\": {\"mean\": 50}},"
    "  \"e2e_ms_values\": [500, 500, 500, 500, 500, 500, 500, 500, 500, 500,"
    "                     500, 500, 500, 500, 500, 500, 500, 500, 500, 6500]},"
    " {\"name\": \"big\", \"backend\": \"local\", \"quality\": {\"accuracy\": 0.5, \"n\": 20},"
    "  \"model_bytes\": 14e9, \"n_params\": 7e9, \"gpu_mem_bytes\": 32212254720,"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 1000, \"p50\": 1000}, \"n_prompt_tokens\": {\"mean\": 600},"
    "            \"n_output_tokens\": {\"mean\": 50}}, \"e2e_ms_values\": [1000]},"
    " {\"name\": \"est\", \"backend\": \"local\", \"quality\": {\"accuracy\": 0.5, \"n\": 20},"
    "  \"model_bytes\": 2e9, \"mmproj_bytes\": 5e8, \"n_params\": 1e9,"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 1000, \"p50\": 1000}, \"n_prompt_tokens\": {\"mean\": 600},"
    "            \"n_output_tokens\": {\"mean\": 50}}, \"e2e_ms_values\": [1000]},"
    " {\"name\": \"b\", \"backend\": \"local\", \"quality\": {\"accuracy\": 0.6, \"n\": 20},"
    "  \"model_bytes\": 1e9, \"n_params\": 1e9, \"rss_peak_bytes\": 1073741824,"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 2000, \"p50\": 2000}, \"n_prompt_tokens\": {\"mean\": 600},"
    "            \"n_output_tokens\": {\"mean\": 50}}, \"e2e_ms_values\": [2000]}],"
    " \"bench\": ["
    "  {\"model\": \"b\", \"concurrency\": 2, \"req_per_s\": 3.0, \"error_rate\": 0.0, \"e2e_ms\": {\"p95\": 900}},"
    "  {\"model\": \"b\", \"concurrency\": 8, \"req_per_s\": 6.0, \"error_rate\": 0.0, \"e2e_ms\": {\"p95\": 1500}},"
    "  {\"model\": \"b\", \"concurrency\": 16, \"req_per_s\": 9.0, \"error_rate\": 0.1, \"e2e_ms\": {\"p95\": 1000}}],"
    " \"quality\": []}";

static vlm_catalog *catalog(void) {
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g24 = {.name = "G24", .mem_gib = 24, .hourly = 2.0, .monthly = 1000, .currency = "USD"};
    struct vlm_gpu g8 = {.name = "G8", .mem_gib = 8, .hourly = 0.5, .currency = "USD"};
    struct vlm_gpu g16 = {.name = "G16", .mem_gib = 16, .hourly = 1.0, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g24);
    vlm_catalog_add_gpu(c, &g8);
    vlm_catalog_add_gpu(c, &g16);
    return c;
}

/* The report with cost and recommendation at `daily` requests/day, `peak`. */
static json_t *priced(double daily, double peak) {
    json_error_t e;
    json_t *rep = json_loads(DOC, 0, &e);
    assert_non_null(rep);
    vlm_catalog *cat = catalog();
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    r.requests_per_day = daily;
    r.peak_factor = peak;
    r.n_acc = 1;
    strcpy(r.acc_cat[0], "all");
    r.acc_min[0] = 0.75; /* m has exactly 0.75: equality passes */
    assert_int_equal(report_add_cost(rep, cat, &r), VLM_OK);
    vlm_catalog_free(cat);
    return rep;
}

static const json_t *cost_of(const json_t *rep, const char *model) {
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rep, "cost"), i, row) {
        if (strcmp(json_string_value(json_object_get(row, "model")), model) == 0) return row;
    }
    fail_msg("no cost row for %s", model);
    return NULL;
}

static const json_t *gpu_of(const json_t *row, const char *gpu) {
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(row, "gpus"), i, g) {
        if (strcmp(json_string_value(json_object_get(g, "gpu")), gpu) == 0) return g;
    }
    fail_msg("no figures on %s", gpu);
    return NULL;
}

static const json_t *option(const json_t *rep, const char *model, const char *where) {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(json_object_get(rep, "recommendation"), "options"), i, o) {
        if (!strcmp(json_string_value(json_object_get(o, "model")), model) &&
            !strcmp(json_string_value(json_object_get(o, "where")), where))
            return o;
    }
    fail_msg("no option %s on %s", model, where);
    return NULL;
}

static double num(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) fail_msg("%s is not a number", key);
    return json_number_value(v);
}

/* |got - want| within a relative 1e-9. */
static void near(const json_t *o, const char *key, double want) {
    double got = num(o, key);
    if (fabs(got - want) > 1e-9 * fabs(want) + 1e-12) fail_msg("%s: got %.12g, want %.12g", key, got, want);
}

static const char *str(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

/* 300,000 requests/day, peak factor 1: peak = 300000 / 86400 = 3.4722 req/s;
 * m serves 1.25 req/s per instance: N = ceil(2.7778) = 3.
 * On G24 (2.00/h): per request 2 x 0.8 / 3600 = 4.4444e-4; per 1k 0.44444;
 * per 1M output tokens 4.4444e-4 / 50 x 1e6 = 8.8889; always-on 3 x 2 x 730 =
 * 4380; reserved 3 x 1000 = 3000; busy 300000 x 730/24 x 0.8 x 2 / 3600 =
 * 4055.56; capacity of one instance 1.25 x 86400 / 1 = 108,000/day.
 * On G16 (1.00/h): always-on 2190, busy 2027.78. G8 is too small (12 GiB x 1.1
 * = 13.2 GiB). */
static void test_single_stream_figures(void **state) {
    (void)state;
    json_t *rep = priced(300000, 1);
    const json_t *m = cost_of(rep, "m");
    assert_string_equal(str(m, "throughput_source"), "single-stream");
    near(m, "busy_s_per_request", 0.8); /* the mean, not the median 0.5 */
    near(m, "req_per_gpu_hour", 4500);
    near(m, "p95_ms", 500); /* nearest rank: the 19th of 20, not the largest */
    near(m, "in_tokens", 600);
    near(m, "out_tokens", 50);
    assert_string_equal(str(m, "memory_source"), "gpu_mem_bytes");
    near(m, "need_bytes", 12 * GIB);
    const json_t *g = gpu_of(m, "G24");
    near(g, "per_request", 2 * 0.8 / 3600);
    near(g, "per_1k_requests", 1000 * 2 * 0.8 / 3600);
    near(g, "per_1m_output_tokens", 2 * 0.8 / 3600 / 50 * 1e6);
    assert_int_equal(json_integer_value(json_object_get(g, "instances")), 3);
    near(g, "always_on_monthly", 4380);
    near(g, "reserved_monthly", 3000);
    near(g, "busy_monthly", 300000 * 730.0 / 24 * 0.8 * 2 / 3600);
    near(g, "one_instance_daily_capacity", 108000);
    assert_true(json_is_true(json_object_get(g, "fits")));
    assert_true(json_is_false(json_object_get(gpu_of(m, "G8"), "fits")));
    assert_true(json_is_null(json_object_get(gpu_of(m, "G16"), "reserved_monthly")));
    near(gpu_of(m, "G16"), "busy_monthly", 300000 * 730.0 / 24 * 0.8 * 1 / 3600);
    json_decref(rep);
}

/* The options: m on G24 is cheapest reserved (3 x 1000 = 3000 < busy 4055.56 <
 * always-on 4380); m on G16 busy-second 2027.78 (< always-on 2190) and is
 * chosen; m on G8 does not fit; the others fail accuracy >= 0.75. */
static void test_reserved_instances_and_choice(void **state) {
    (void)state;
    json_t *rep = priced(300000, 1);
    const json_t *o = option(rep, "m", "G24");
    assert_string_equal(str(o, "plan"), "reserved");
    near(o, "monthly", 3000);
    near(o, "reserved_monthly", 3000);
    assert_int_equal(json_integer_value(json_object_get(o, "instances")), 3);
    o = option(rep, "m", "G16");
    assert_string_equal(str(o, "plan"), "busy-second");
    near(o, "monthly", 300000 * 730.0 / 24 * 0.8 / 3600);
    assert_true(json_is_true(json_object_get(o, "ok")));
    assert_false(json_is_true(json_object_get(option(rep, "m", "G8"), "ok")));
    assert_non_null(strstr(str(option(rep, "est", "G8"), "why"), "accuracy all 0.50 < 0.75 (-0.25)"));
    const json_t *ch = json_object_get(json_object_get(rep, "recommendation"), "chosen");
    assert_string_equal(str(ch, "model"), "m");
    assert_string_equal(str(ch, "where"), "G16");
    json_decref(rep);
}

/* At peak factor 3 one instance serves 1.25 x 86400 / 3 = 36,000/day, and
 * busy-second reaches one always-on instance (1460) only at 1460 / (30.4167 x
 * 4.4444e-4) = 108,000/day, beyond it: break-even is null. */
static void test_capacity_and_break_even(void **state) {
    (void)state;
    json_t *rep = priced(1000, 3);
    const json_t *g = gpu_of(cost_of(rep, "m"), "G24");
    near(g, "one_instance_daily_capacity", 36000);
    assert_true(json_is_null(json_object_get(g, "break_even_busy_vs_always_on_daily")));
    assert_int_equal(json_integer_value(json_object_get(g, "instances")), 1);
    near(g, "reserved_monthly", 1000);
    json_decref(rep);
}

/* fits_on lists the GPUs smallest first whatever the catalog order; "big"
 * (30 GiB x 1.1 = 33 GiB) fits none, and the largest GPU (G24) would take it
 * as q4_k_m: 16 bits/weight now; q8_0 needs 30 GiB - 14e9 + 14e9 x 8.5/16 =
 * 25.6498e9 B, x 1.1 = 26.3 GiB > 24; q4_k_m 30 GiB - 14e9 + 14e9 x 4.85/16 =
 * 22.4560e9 B, x 1.1 = 23.0 GiB: fits. */
static void test_fits_on_and_quantization(void **state) {
    (void)state;
    json_t *rep = priced(300000, 1);
    const json_t *fits = json_object_get(cost_of(rep, "m"), "fits_on");
    assert_int_equal(json_array_size(fits), 2);
    assert_string_equal(json_string_value(json_array_get(fits, 0)), "G16");
    assert_string_equal(json_string_value(json_array_get(fits, 1)), "G24");
    assert_true(json_is_null(json_object_get(cost_of(rep, "m"), "quantization_to_fit")));
    const json_t *big = cost_of(rep, "big");
    assert_int_equal(json_array_size(json_object_get(big, "fits_on")), 0);
    const json_t *q = json_object_get(big, "quantization_to_fit");
    assert_string_equal(str(q, "quant"), "q4_k_m");
    assert_string_equal(str(q, "gpu"), "G24");
    near(q, "need_bytes", 30 * GIB - 14e9 + 14e9 * 4.85 / 16);
    /* b's peak RSS of 1 GiB fits every GPU: G8, G16, G24 */
    const json_t *bf = json_object_get(cost_of(rep, "b"), "fits_on");
    assert_int_equal(json_array_size(bf), 3);
    assert_string_equal(json_string_value(json_array_get(bf, 0)), "G8");
    json_decref(rep);
}

/* Nothing measured: model + projector + 4096 tokens of KV cache. 1e9 parameters:
 * layers = cbrt(1e9 / 196608) = 17.1980, d = 128 x layers, KV/token = 2 x
 * layers x d x 2 = 512 x layers² = 151,427 B; x 4096 = 620.24e6 B; need =
 * 2e9 + 0.5e9 + 620.24e6 = 3.12024e9 B. */
static void test_memory_estimate(void **state) {
    (void)state;
    json_t *rep = priced(300000, 1);
    const json_t *est = cost_of(rep, "est");
    assert_string_equal(str(est, "memory_source"), "estimate");
    double layers = cbrt(1e9 / 196608.0);
    near(est, "need_bytes", 2e9 + 0.5e9 + 4096 * 512 * layers * layers);
    assert_true(fabs(num(est, "need_bytes") - 3.12024e9) < 0.00001e9);
    json_decref(rep);
}

/* Throughput from bench: the fastest level without errors (6 req/s at
 * concurrency 8, not 3 req/s, nor 9 req/s with errors): 21,600 req/GPU-hour,
 * busy 1/6 s, p95 1500 ms. */
static void test_fastest_clean_bench_level(void **state) {
    (void)state;
    json_t *rep = priced(300000, 1);
    const json_t *b = cost_of(rep, "b");
    assert_string_equal(str(b, "throughput_source"), "bench");
    assert_int_equal(json_integer_value(json_object_get(b, "concurrency")), 8);
    near(b, "req_per_gpu_hour", 21600);
    near(b, "busy_s_per_request", 1.0 / 6);
    near(b, "p95_ms", 1500);
    json_decref(rep);
}

/* An SLO search's capacity (bench_capacity) wins over b's bench levels: 4.5
 * req/s at capacity -> 4.5 * 3600 = 16200 requests per GPU-hour, 1/4.5 s busy
 * per request, the p95 at the capacity (1200 ms); concurrency 8's 6 req/s is
 * no longer used. A capacity of another model changes nothing for b. */
static void test_slo_capacity_first(void **state) {
    (void)state;
    json_error_t e;
    json_t *rep = json_loads(DOC, 0, &e);
    assert_non_null(rep);
    json_object_set_new(rep, "bench_capacity",
                        json_pack("[{s:s, s:s, s:f, s:f, s:{s:f}}, {s:s, s:s, s:f, s:f, s:{s:f}}]", "model", "m", "by",
                                  "rate", "capacity", 99.0, "req_per_s", 99.0, "e2e_ms", "p95", 10.0, "model", "b",
                                  "by", "concurrency", "capacity", 5.0, "req_per_s", 4.5, "e2e_ms", "p95", 1200.0));
    vlm_catalog *cat = catalog();
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    r.requests_per_day = 300000;
    r.peak_factor = 1;
    assert_int_equal(report_add_cost(rep, cat, &r), VLM_OK);
    vlm_catalog_free(cat);
    const json_t *b = cost_of(rep, "b");
    assert_string_equal(str(b, "throughput_source"), "slo-search");
    assert_int_equal(json_integer_value(json_object_get(b, "concurrency")), 5); /* searched by concurrency */
    near(b, "req_per_gpu_hour", 16200);
    near(b, "busy_s_per_request", 1.0 / 4.5);
    near(b, "p95_ms", 1200);
    json_decref(rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_stream_figures),   cmocka_unit_test(test_reserved_instances_and_choice),
        cmocka_unit_test(test_capacity_and_break_even), cmocka_unit_test(test_fits_on_and_quantization),
        cmocka_unit_test(test_memory_estimate),         cmocka_unit_test(test_fastest_clean_bench_level),
        cmocka_unit_test(test_slo_capacity_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
