/*
 * test_self_hosted.c - a remote model priced by the GPU it runs on (gpu=,
 * gpus=; lib/cost.c, lib/report_cost.c, docs/cost.md "Self-hosted endpoints"),
 * against the shipped catalog (data/gpus.csv: A10G at 1.00 USD/h, no reserved
 * price), beside its API price row when it has one; a remote model with
 * neither is listed as unpriced with "no price"; an unknown GPU names the
 * catalog's GPUs.
 *
 * Models (all remote, accuracy 0.8):
 *   sh    gpu A10G; bench levels 2 req/s (p95 800 ms) and 4 req/s with 5% errors
 *         (passed over): capacity 2 req/s, so s = 0.5 s per request.
 *   sh2   gpu A10G, gpus 2; the same bench figures as sh, one level.
 *   api   an API price row (1.00 in, 2.00 out per 1M tokens); 1000 prompt and
 *         100 output tokens per request.
 *   bare  neither a GPU nor an API price.
 *   odd   gpu "Z99" (not in the catalog).
 * At 1000 requests/day, peak factor 3 (the defaults):
 *   sh on A10G: peak 1000 x 3 / 86400 = 0.0347 req/s: 1 instance;
 *     always-on 1 x 1.00 x 730 = 730; busy-second 1000 x (730 / 24) x 0.5 x 1.00
 *     / 3600 = 4.224537; the cheapest: busy-second. req/GPU-hour 2 x 3600 = 7200;
 *     per request 1.00 x 0.5 / 3600 = 1.388889e-4.
 *   sh2 on 2xA10G: hourly 2.00: always-on 1460, busy 8.449074.
 *   api: per request 1000 x 1.00 / 1e6 + 100 x 2.00 / 1e6 = 0.0012; monthly
 *     1000 x (730 / 24) x 0.0012 = 36.5.
 */
#include "testutil.h"

#include <jansson.h>
#include <math.h>

#include "report.h"

static const char *DOC =
    "{\"models\": ["
    " {\"name\": \"sh\", \"backend\": \"remote\", \"gpu\": \"A10G\", \"gpus\": 1, \"quality\": {\"accuracy\": 0.8},"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 700}, \"n_prompt_tokens\": {\"mean\": 1000},"
    "             \"n_output_tokens\": {\"mean\": 100}}},"
    " {\"name\": \"sh2\", \"backend\": \"remote\", \"gpu\": \"a10g\", \"gpus\": 2, \"quality\": {\"accuracy\": 0.8},"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 700}, \"n_prompt_tokens\": {\"mean\": 1000},"
    "             \"n_output_tokens\": {\"mean\": 100}}},"
    " {\"name\": \"api\", \"backend\": \"remote\", \"quality\": {\"accuracy\": 0.8},"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 700}, \"n_prompt_tokens\": {\"mean\": 1000},"
    "             \"n_output_tokens\": {\"mean\": 100}}},"
    " {\"name\": \"bare\", \"backend\": \"remote\", \"quality\": {\"accuracy\": 0.8},"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 700}}},"
    " {\"name\": \"odd\", \"backend\": \"remote\", \"gpu\": \"Z99\", \"quality\": {\"accuracy\": 0.8},"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 700}}}],"
    " \"bench\": ["
    "  {\"model\": \"sh\", \"concurrency\": 4, \"req_per_s\": 2.0, \"error_rate\": 0.0, \"e2e_ms\": {\"p95\": 800}},"
    "  {\"model\": \"sh\", \"concurrency\": 8, \"req_per_s\": 4.0, \"error_rate\": 0.05, \"e2e_ms\": {\"p95\": 900}},"
    "  {\"model\": \"sh2\", \"concurrency\": 4, \"req_per_s\": 2.0, \"error_rate\": 0.0, \"e2e_ms\": {\"p95\": 800}}],"
    " \"quality\": []}";

static json_t *priced(void) {
    json_error_t e;
    json_t *rep = json_loads(DOC, 0, &e);
    assert_non_null(rep);
    vlm_catalog *cat = vlm_catalog_new();
    char err[512];
    assert_int_equal(vlm_catalog_load_default(cat, NULL, err, sizeof err), VLM_OK);
    struct vlm_api_price a = {.model = "api", .in_per_1m = 1.0, .out_per_1m = 2.0, .currency = "USD"};
    vlm_catalog_add_api(cat, &a);
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    assert_int_equal(report_add_cost(rep, cat, &r), VLM_OK);
    vlm_catalog_free(cat);
    return rep;
}

/* The element of array a whose k1 is v1 (and k2 is v2, when k2 is given). */
static const json_t *find(const json_t *a, const char *k1, const char *v1, const char *k2, const char *v2) {
    size_t i;
    json_t *o;
    json_array_foreach(a, i, o) {
        const char *x = json_string_value(json_object_get(o, k1));
        const char *y = k2 ? json_string_value(json_object_get(o, k2)) : NULL;
        if (x && !strcmp(x, v1) && (!k2 || (y && !strcmp(y, v2)))) return o;
    }
    fail_msg("no %s=%s", k1, v1);
    return NULL;
}

static const json_t *option(const json_t *rep, const char *model, const char *where) {
    return find(json_object_get(json_object_get(rep, "recommendation"), "options"), "model", model, "where", where);
}

static void near(const json_t *o, const char *key, double want) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) fail_msg("%s is not a number", key);
    double got = json_number_value(v);
    if (fabs(got - want) > 1e-6 * fabs(want) + 1e-12) fail_msg("%s: got %.12g, want %.12g", key, got, want);
}

static const char *str(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static void test_priced_on_its_gpu(void **state) {
    (void)state;
    json_t *rep = priced();
    const json_t *o = option(rep, "sh", "A10G");
    near(o, "always_on_monthly", 730.0);
    near(o, "busy_monthly", 1000 * (730.0 / 24) * 0.5 * 1.00 / 3600);
    assert_true(json_is_null(json_object_get(o, "reserved_monthly"))); /* A10G has no reserved price */
    assert_string_equal(str(o, "plan"), "busy-second");
    near(o, "monthly", 4.224537037);
    assert_true(json_is_true(json_object_get(o, "ok"))); /* no memory check: it runs there */
    assert_int_equal(json_integer_value(json_object_get(o, "instances")), 1);
    /* only its own GPU: no option on another catalog GPU */
    size_t i, n_sh = 0;
    json_t *x;
    json_array_foreach(json_object_get(json_object_get(rep, "recommendation"), "options"), i, x)
        n_sh += !strcmp(str(x, "model"), "sh");
    assert_int_equal(n_sh, 1);

    /* the cost section: the capacity source and A10G's figures */
    const json_t *row = find(json_object_get(rep, "cost"), "model", "sh", NULL, NULL);
    assert_string_equal(str(row, "throughput_source"), "bench");
    near(row, "req_per_gpu_hour", 7200);
    const json_t *g = find(json_object_get(row, "gpus"), "gpu", "A10G", NULL, NULL);
    near(g, "per_request", 1.00 * 0.5 / 3600);
    near(g, "hourly", 1.00);
    assert_true(json_is_true(json_object_get(g, "fits")));
    assert_string_equal(str(json_object_get(row, "self_hosted"), "gpu"), "A10G");

    /* two GPUs: twice the hourly price, named 2xA10G (the name's case as the catalog's) */
    o = option(rep, "sh2", "2xA10G");
    near(o, "always_on_monthly", 1460.0);
    near(o, "busy_monthly", 1000 * (730.0 / 24) * 0.5 * 2.00 / 3600);
    json_decref(rep);
}

static void test_api_and_unpriced(void **state) {
    (void)state;
    json_t *rep = priced();
    const json_t *o = option(rep, "api", "api");
    near(o, "monthly", 36.5);
    /* neither gpu nor API price: listed, unpriced, saying how to price it */
    o = option(rep, "bare", "none");
    assert_string_equal(str(o, "plan"), "unpriced");
    assert_true(json_is_false(json_object_get(o, "ok")));
    assert_non_null(strstr(str(o, "why"), "no price: add gpu=\xE2\x80\xA6 or an API price row"));
    /* an unknown GPU names the catalog's */
    o = option(rep, "odd", "Z99");
    assert_string_equal(str(o, "plan"), "unpriced");
    assert_non_null(strstr(str(o, "why"), "unknown GPU 'Z99' (catalog: L4, A10G, L40S"));
    /* the choice is the cheapest priced option: sh on A10G, busy-second */
    const json_t *ch = json_object_get(json_object_get(rep, "recommendation"), "chosen");
    assert_string_equal(str(ch, "model"), "sh");
    assert_string_equal(str(ch, "where"), "A10G");
    json_decref(rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priced_on_its_gpu),
        cmocka_unit_test(test_api_and_unpriced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
