/*
 * test_recommend_missing.c - a measurement that is missing from the report is
 * "not measured", never 0: with each one taken out of an otherwise complete
 * report, the model's options fail with that reason and it is not
 * recommended. The complete report (checked first) recommends it, so each
 * failure below is the missing figure's doing.
 *
 * The model "a": accuracy 0.9 overall, 0.8 on ocr; e2e mean 1000 ms, so one
 * instance serves 1 req/s; e2e values 900..1100, p95 1100 ms; 2 GB peak RSS
 * (under 3 GiB with the default headroom, on a 24 GiB GPU); 100 prompt and 20
 * output tokens. "r" is a hosted model priced 1 / 2 per 1M tokens. Requirements: accuracy >= 0.5 overall and on ocr, p95 <=
 * 5000 ms, memory <= 20 GiB, accuracy loss <= 5 points, monthly <= 1e6.
 */
#include "testutil.h"

#include <jansson.h>

#include "report.h"

static const char *COMPLETE =
    "{\"models\": [{\"name\": \"a\", \"backend\": \"local\", \"quality\": {\"accuracy\": 0.9, \"n\": 10},"
    "  \"model_bytes\": 1e9, \"n_params\": 1e9, \"rss_peak_bytes\": 2e9,"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 1000}, \"n_prompt_tokens\": {\"mean\": 100},"
    "            \"n_output_tokens\": {\"mean\": 20}},"
    "  \"e2e_ms_values\": [900, 1000, 1100]},"
    " {\"name\": \"r\", \"backend\": \"remote\", \"quality\": {\"accuracy\": 0.9, \"n\": 10},"
    "  \"speed\": {\"e2e_ms\": {\"mean\": 800}, \"n_prompt_tokens\": {\"mean\": 100},"
    "            \"n_output_tokens\": {\"mean\": 20}},"
    "  \"e2e_ms_values\": [700, 800, 900]}],"
    " \"quality\": [{\"model\": \"a\", \"category\": \"ocr\", \"accuracy\": 0.8, \"n\": 5},"
    "              {\"model\": \"r\", \"category\": \"ocr\", \"accuracy\": 0.8, \"n\": 5}],"
    " \"families\": [{\"name\": \"ref\", \"members\": ["
    "   {\"model\": \"ref\", \"reference\": true, \"file_bytes\": 2e9},"
    "   {\"model\": \"a\", \"reference\": false, \"file_bytes\": 1e9,"
    "    \"vs_reference\": {\"diff\": -0.01, \"ci_low\": -0.03, \"ci_high\": 0.01}}]}]}";

static vlm_catalog *catalog(void) {
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g = {.name = "G24", .mem_gib = 24, .hourly = 1.0, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g);
    struct vlm_api_price a = {.model = "r", .in_per_1m = 1, .out_per_1m = 2, .currency = "USD"};
    vlm_catalog_add_api(c, &a);
    return c;
}

static void requirements(struct vlm_requirements *r) {
    vlm_requirements_default(r);
    r->n_acc = 2;
    strcpy(r->acc_cat[0], "all");
    r->acc_min[0] = 0.5;
    strcpy(r->acc_cat[1], "ocr");
    r->acc_min[1] = 0.5;
    r->max_p95_ms = 5000;
    r->max_memory_gib = 20;
    r->max_accuracy_loss = 0.05;
    r->max_monthly = 1e6;
}

/* The report with `drop` applied (NULL: as it is), its cost and
 * recommendation added. */
static json_t *recommend(void (*drop)(json_t *rep)) {
    json_error_t e;
    json_t *rep = json_loads(COMPLETE, 0, &e);
    assert_non_null(rep);
    if (drop) drop(rep);
    vlm_catalog *cat = catalog();
    struct vlm_requirements r;
    requirements(&r);
    assert_int_equal(report_add_cost(rep, cat, &r), VLM_OK);
    vlm_catalog_free(cat);
    return rep;
}

static json_t *model(json_t *rep, size_t i) { return json_array_get(json_object_get(rep, "models"), i); }

/* The option of `model` at `where`; fails the test when there is none. */
static const json_t *option(const json_t *rep, const char *name, const char *where) {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(json_object_get(rep, "recommendation"), "options"), i,
                       o) if (!strcmp(json_string_value(json_object_get(o, "model")), name) &&
                              !strcmp(json_string_value(json_object_get(o, "where")), where)) return o;
    fail_msg("no option %s on %s", name, where);
    return NULL;
}

/* `name` on `where` fails with `reason` among its reasons, and is not chosen. */
static void assert_not_measured(void (*drop)(json_t *rep), const char *name, const char *where, const char *reason) {
    json_t *rep = recommend(drop);
    const json_t *o = option(rep, name, where);
    assert_false(json_is_true(json_object_get(o, "ok")));
    const char *why = json_string_value(json_object_get(o, "why"));
    assert_non_null(why);
    if (!strstr(why, reason)) fail_msg("why '%s' lacks '%s'", why, reason);
    const json_t *ch = json_object_get(json_object_get(rep, "recommendation"), "chosen");
    if (json_is_object(ch)) assert_string_not_equal(json_string_value(json_object_get(ch, "model")), name);
    json_decref(rep);
}

static void drop_p95(json_t *rep) { json_object_del(model(rep, 0), "e2e_ms_values"); }
static void drop_accuracy(json_t *rep) { json_object_del(json_object_get(model(rep, 0), "quality"), "accuracy"); }
static void drop_ocr(json_t *rep) { json_array_remove(json_object_get(rep, "quality"), 0); }
static void drop_throughput(json_t *rep) {
    json_object_del(json_object_get(json_object_get(model(rep, 0), "speed"), "e2e_ms"), "mean");
}
static void drop_memory(json_t *rep) {
    json_object_del(model(rep, 0), "rss_peak_bytes");
    json_object_del(model(rep, 0), "model_bytes");
}
static void drop_loss(json_t *rep) {
    json_t *fam = json_array_get(json_object_get(rep, "families"), 0);
    json_object_del(json_array_get(json_object_get(fam, "members"), 1), "vs_reference");
}
static void drop_tokens(json_t *rep) { json_object_del(json_object_get(model(rep, 1), "speed"), "n_output_tokens"); }
static void null_p95(json_t *rep) { /* present but null reads as missing too */
    json_t *v = json_array();
    json_array_append_new(v, json_null());
    json_object_set_new(model(rep, 0), "e2e_ms_values", v);
}

/* The complete report: every option meets every requirement. At 1000
 * requests/day "a" on G24 pay-per-second costs 1000 x 30.4167 x 1 s x 1.0/3600
 * = 8.45/month, "r" by API 1000 x 30.4167 x (100 x 1 + 20 x 2)/1e6 = 4.26:
 * "r" is chosen, "a" is ok. */
static void test_complete_report_passes(void **state) {
    (void)state;
    json_t *rep = recommend(NULL);
    assert_true(json_is_true(json_object_get(option(rep, "a", "G24"), "ok")));
    assert_true(json_is_true(json_object_get(option(rep, "r", "api"), "ok")));
    const json_t *ch = json_object_get(json_object_get(rep, "recommendation"), "chosen");
    assert_string_equal(json_string_value(json_object_get(ch, "model")), "r");
    json_decref(rep);
}

static void test_missing_p95(void **state) {
    (void)state;
    assert_not_measured(drop_p95, "a", "G24", "p95 not measured");
    assert_not_measured(null_p95, "a", "G24", "p95 not measured");
}

static void test_missing_accuracy(void **state) {
    (void)state;
    assert_not_measured(drop_accuracy, "a", "G24", "accuracy all not measured");
    assert_not_measured(drop_ocr, "a", "G24", "accuracy ocr not measured");
}

/* Without timings the model is not priced: no cost row, an "unpriced" option. */
static void test_missing_throughput(void **state) {
    (void)state;
    assert_not_measured(drop_throughput, "a", "G24", "throughput not measured");
    json_t *rep = recommend(drop_throughput);
    assert_true(json_is_null(json_object_get(option(rep, "a", "G24"), "monthly")));
    assert_string_equal(json_string_value(json_object_get(option(rep, "a", "G24"), "plan")), "unpriced");
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rep, "cost"), i, row)
        assert_string_not_equal(json_string_value(json_object_get(row, "model")), "a");
    json_decref(rep);
}

static void test_missing_memory(void **state) {
    (void)state;
    assert_not_measured(drop_memory, "a", "G24", "memory not measured");
}

static void test_missing_accuracy_loss(void **state) {
    (void)state;
    assert_not_measured(drop_loss, "a", "G24", "accuracy loss against its reference ref not measured");
}

static void test_missing_tokens(void **state) {
    (void)state;
    assert_not_measured(drop_tokens, "r", "api", "token counts not measured");
}

/* A bench level without its p95 cannot meet a latency limit: with the
 * single-stream values gone too, the p95 is not measured. */
static void test_bench_level_without_p95(void **state) {
    (void)state;
    json_error_t e;
    json_t *rep = json_loads(COMPLETE, 0, &e);
    json_object_del(model(rep, 0), "e2e_ms_values");
    json_object_set_new(rep, "bench",
                        json_pack("[{s:s, s:i, s:f, s:f, s:{}}]", "model", "a", "concurrency", 4, "req_per_s", 3.0,
                                  "error_rate", 0.0, "e2e_ms"));
    vlm_catalog *cat = catalog();
    struct vlm_requirements r;
    requirements(&r);
    assert_int_equal(report_add_cost(rep, cat, &r), VLM_OK);
    const json_t *o = option(rep, "a", "G24");
    assert_false(json_is_true(json_object_get(o, "ok")));
    assert_non_null(strstr(json_string_value(json_object_get(o, "why")), "p95 not measured"));
    vlm_catalog_free(cat);
    json_decref(rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_report_passes), cmocka_unit_test(test_missing_p95),
        cmocka_unit_test(test_missing_accuracy),       cmocka_unit_test(test_missing_throughput),
        cmocka_unit_test(test_missing_memory),         cmocka_unit_test(test_missing_accuracy_loss),
        cmocka_unit_test(test_missing_tokens),         cmocka_unit_test(test_bench_level_without_p95),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
