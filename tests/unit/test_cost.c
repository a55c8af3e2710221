/*
 * test_cost.c - the cost arithmetic of docs/cost.md on hand-worked examples:
 * requests per GPU-hour, monthly cost always-on / pay-per-busy-second / hosted
 * API, break-even volume, memory fit with headroom, the quantization that would
 * fit, the catalog CSV and requirements YAML, and the recommendation moving
 * when a threshold, a price or the volume moves.
 */
#include "testutil.h"

#include <math.h>

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))
#define GIB             1073741824.0

static void test_req_per_gpu_hour(void **state) {
    (void)state;
    /* 3600 s / 0.8 s = 4500; 3600 / 1.5 = 2400; 3600 / 3.2 = 1125 (one stream). */
    NEAR(vlm_cost_req_per_gpu_hour(0.8, 1), 4500, 1e-9);
    NEAR(vlm_cost_req_per_gpu_hour(1.5, 1), 2400, 1e-9);
    NEAR(vlm_cost_req_per_gpu_hour(3.2, 1), 1125, 1e-9);
    /* 4 requests served at once: 4 x 1125 = 4500. */
    NEAR(vlm_cost_req_per_gpu_hour(3.2, 4), 4500, 1e-9);
}

static void test_monthly(void **state) {
    (void)state;
    /* 1,000 requests/day on a GPU at 2.00/hour.
     * (a) always-on, peak factor 3: peak = 1000 x 3 / 86400 = 0.0347 req/s; one
     *     instance serves 1/0.8 = 1.25 req/s, so 1 instance: 1 x 2.00 x 730 = 1460.00.
     * (b) busy-second at 0.8 s: 1000 x 30.4167 d x 0.8 s x 2.00 / 3600 = 13.5185;
     *     at 1.5 s: 25.3472; at 3.2 s: 54.0741.
     * (c) API, 500 input + 100 output tokens at 0.15 / 0.60 per 1M:
     *     500 x 0.15e-6 + 100 x 0.60e-6 = 0.000075 + 0.00006 = 0.000135 per request;
     *     monthly 1000 x 30.4167 x 0.000135 = 4.10625. */
    assert_int_equal(vlm_cost_instances(1000, 3, 1 / 0.8), 1);
    NEAR(vlm_cost_always_on_monthly(1, 2.0), 1460.0, 1e-9);
    NEAR(vlm_cost_busy_monthly(1000, 0.8, 2.0), 13.518519, 1e-5);
    NEAR(vlm_cost_busy_monthly(1000, 1.5, 2.0), 25.347222, 1e-5);
    NEAR(vlm_cost_busy_monthly(1000, 3.2, 2.0), 54.074074, 1e-5);
    double per = vlm_cost_api_per_request(500, 100, 0.15, 0.60);
    NEAR(per, 0.000135, 1e-12);
    NEAR(vlm_cost_api_monthly(1000, per), 4.10625, 1e-6);
    /* 200,000 requests/day at 3.2 s, peak factor 3: peak 6.944 req/s, one
     * instance 0.3125 req/s -> ceil(22.22) = 23 instances: 23 x 2 x 730 = 33580. */
    assert_int_equal(vlm_cost_instances(200000, 3, 1 / 3.2), 23);
    NEAR(vlm_cost_always_on_monthly(23, 2.0), 33580.0, 1e-9);
    assert_int_equal(vlm_cost_instances(0, 3, 1), 0);
}

static void test_break_even(void **state) {
    (void)state;
    /* API at 0.000135/request against one always-on instance at 1460/month:
     * 1460 / (30.4167 x 0.000135) = 355,555.6 requests/day. */
    NEAR(vlm_cost_break_even_daily(1460, 0.000135), 355555.56, 0.01);
    /* and the API bill at that volume equals the fixed one */
    NEAR(vlm_cost_api_monthly(vlm_cost_break_even_daily(1460, 0.000135), 0.000135), 1460, 1e-6);
    assert_true(isinf(vlm_cost_break_even_daily(1460, 0)));
}

static void test_fit(void **state) {
    (void)state;
    bool est = false;
    /* measured 20 GiB: x 1.10 headroom = 22 GiB <= 24 fits; 22 GiB -> 24.2 does not */
    double need = vlm_fit_need_bytes(20 * GIB, 1, 1, 1, 0, &est);
    assert_false(est);
    assert_true(vlm_fit_ok(need, 0.10, 24));
    assert_false(vlm_fit_ok(22 * GIB, 0.10, 24));
    assert_true(vlm_fit_ok(22 * GIB, 0.0, 24));
    /* estimate: 7e9 params -> L = cbrt(7e9 / 196608) = 32.89, d = 4210.5,
     * KV/token = 2 x L x d x 2 = 553,946 B; x 4096 tokens = 2.269e9 B. */
    need = vlm_fit_need_bytes(0, 14e9, 0.6e9, 7e9, 4096, &est);
    assert_true(est);
    NEAR(need, 14e9 + 0.6e9 + 2.2690e9, 0.001e9);
}

static void test_quant(void **state) {
    (void)state;
    /* F16 7B: 14e9 bytes, 16 bits/weight; needs 30 GiB measured; largest GPU 24 GiB.
     * q8_0: 30 GiB - 14e9 + 14e9 x 8.5/16 = 32.212e9 - 6.5625e9 = 25.649e9 B
     *       (23.89 GiB) x 1.1 = 26.3 GiB > 24: no;
     * q4_k_m: 32.212e9 - 14e9 + 14e9 x 4.85/16 = 22.456e9 B (20.91 GiB) x 1.1 = 23.0: fits. */
    double need = 0;
    const char *q = vlm_fit_quant(30 * GIB, 14e9, 7e9, 0.10, 24, &need);
    assert_non_null(q);
    assert_string_equal(q, "q4_k_m");
    NEAR(need, 30 * GIB - 14e9 + 14e9 * 4.85 / 16, 1);
    /* with 40 GiB, q8_0 already fits */
    assert_string_equal(vlm_fit_quant(30 * GIB, 14e9, 7e9, 0.10, 28, NULL), "q8_0");
    /* already 4.5 bits/weight: nothing smaller on the list */
    assert_null(vlm_fit_quant(100 * GIB, 7e9 * 4.5 / 8, 7e9, 0.10, 24, NULL));
}

static void test_catalog(void **state) {
    (void)state;
    char *dir = test_tmpdir(), err[512];
    char *g = test_write_file(dir, "g.csv",
                              "# comment\nname,mem_gib,bw_gbs,hourly,monthly,currency,source,as_of\n"
                              "T4,16,320,0.5,,USD,test,2026-01-01\nL4,24,300,0.8,400,USD,test,2026-01-01\n");
    char *o = test_write_file(dir, "o.csv",
                              "name,mem_gib,bw_gbs,hourly,monthly,currency,source,as_of\n"
                              "L4,24,300,0.7,,EUR,mine,2026-02-01\n");
    char *a = test_write_file(dir, "a.csv", "model,in_per_1m,out_per_1m,currency,source,as_of\nm,0.1,0.4,USD,x,2026\n");
    char *bad = test_write_file(dir, "b.csv",
                                "name,mem_gib,bw_gbs,hourly,monthly,currency,source,as_of\n"
                                "X,lots,1,1,,USD,x,y\n");
    vlm_catalog *c = vlm_catalog_new();
    assert_int_equal(vlm_catalog_load_csv(c, g, err, sizeof err), VLM_OK);
    assert_int_equal(vlm_catalog_load_csv(c, o, err, sizeof err), VLM_OK); /* overrides L4 */
    assert_int_equal(vlm_catalog_load_csv(c, a, err, sizeof err), VLM_OK);
    assert_int_equal(vlm_catalog_n_gpus(c), 2);
    assert_string_equal(vlm_catalog_gpu(c, 1)->currency, "EUR");
    NEAR(vlm_catalog_gpu(c, 1)->hourly, 0.7, 1e-12);
    NEAR(vlm_catalog_api(c, "m")->out_per_1m, 0.4, 1e-12);
    assert_null(vlm_catalog_api(c, "other"));
    assert_int_equal(vlm_catalog_load_csv(c, bad, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "b.csv:2: bad or missing mem_gib"));
    /* the shipped catalog loads */
    vlm_catalog *shipped = vlm_catalog_new();
    assert_int_equal(vlm_catalog_load_default(shipped, NULL, err, sizeof err), VLM_OK);
    assert_true(vlm_catalog_n_gpus(shipped) >= 5);
    vlm_catalog_free(shipped);
    vlm_catalog_free(c);
    free(g);
    free(o);
    free(a);
    free(bad);
    test_rmdir(dir);
}

static void test_requirements_yaml(void **state) {
    (void)state;
    char *dir = test_tmpdir(), err[512], cat[4096];
    char *p = test_write_file(dir, "plan.yaml",
                              "suites: [x.jsonl]\ncatalog: mine.csv\nrequirements:\n"
                              "  min_accuracy: {colors: 0.8, all: 0.7}\n  max_p95_ms: 2000\n  max_memory_gib: 24\n"
                              "  max_monthly: 500\n  requests_per_day: 1000\n  currency: USD\n");
    char *bad = test_write_file(dir, "bad.yaml", "requirements:\n  max_p95: 2000\n");
    struct vlm_requirements r;
    assert_int_equal(vlm_requirements_load(p, &r, cat, sizeof cat, err, sizeof err), VLM_OK);
    assert_int_equal(r.n_acc, 2);
    assert_string_equal(r.acc_cat[0], "colors");
    NEAR(r.acc_min[1], 0.7, 1e-12);
    NEAR(r.max_p95_ms, 2000, 1e-9);
    NEAR(r.max_monthly, 500, 1e-9);
    NEAR(r.peak_factor, VLM_PEAK_FACTOR, 1e-9);
    assert_string_equal(r.currency, "USD");
    assert_non_null(strstr(cat, "/mine.csv"));
    assert_int_equal(vlm_requirements_load(bad, &r, NULL, 0, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "unknown key 'max_p95'"));
    free(p);
    free(bad);
    test_rmdir(dir);
}

/* Two GPUs and two models: "small" (accuracy 0.70, 8 GiB, 1.5 s) and "big"
 * (accuracy 0.85, 20 GiB, 3.2 s). */
static vlm_catalog *two_gpus(double small_price, double big_price) {
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g = {.name = "S16", .mem_gib = 16, .hourly = small_price, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g);
    struct vlm_gpu h = {.name = "B24", .mem_gib = 24, .hourly = big_price, .currency = "USD"};
    vlm_catalog_add_gpu(c, &h);
    return c;
}

static void two_models(struct vlm_candidate *m) {
    memset(m, 0, 2 * sizeof *m);
    m[0] = (struct vlm_candidate){.name = "small",
                                  .n_acc = 1,
                                  .acc_cat = {"all"},
                                  .acc = {0.70},
                                  .p95_ms = 1800,
                                  .need_bytes = 8 * GIB,
                                  .busy_s_per_req = 1.5,
                                  .inst_rps = 1 / 1.5};
    m[1] = (struct vlm_candidate){.name = "big",
                                  .n_acc = 1,
                                  .acc_cat = {"all"},
                                  .acc = {0.85},
                                  .p95_ms = 3500,
                                  .need_bytes = 20 * GIB,
                                  .busy_s_per_req = 3.2,
                                  .inst_rps = 1 / 3.2};
}

static const char *chosen(const struct vlm_candidate *m, const vlm_catalog *c, const struct vlm_requirements *r,
                          char *where) {
    static char name[128];
    struct vlm_recommendation rec;
    vlm_recommend(m, 2, c, r, &rec);
    snprintf(name, sizeof name, "%s", rec.chosen >= 0 ? rec.options[rec.chosen].model : "none");
    if (where) strcpy(where, rec.chosen >= 0 ? rec.options[rec.chosen].where : "");
    vlm_recommendation_free(&rec);
    return name;
}

static void test_recommend(void **state) {
    (void)state;
    struct vlm_candidate m[2];
    two_models(m);
    vlm_catalog *c = two_gpus(1.0, 2.0);
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    char where[64];
    /* busy-second, 1000/day: small on S16 = 1000 x 30.4167 x 1.5 x 1/3600 = 12.67;
     * big fits only B24: 1000 x 30.4167 x 3.2 x 2/3600 = 54.07. Cheapest: small. */
    assert_string_equal(chosen(m, c, &r, where), "small");
    assert_string_equal(where, "S16");

    /* (i) a threshold rises: overall accuracy >= 0.8 rejects small, big wins */
    r.n_acc = 1;
    strcpy(r.acc_cat[0], "all");
    r.acc_min[0] = 0.80;
    assert_string_equal(chosen(m, c, &r, where), "big");
    assert_string_equal(where, "B24");
    struct vlm_recommendation rec;
    vlm_recommend(m, 2, c, &r, &rec);
    assert_int_equal(rec.n, 4);      /* 2 models x 2 GPUs */
    assert_false(rec.options[0].ok); /* small on S16 */
    assert_string_equal(rec.options[0].why, "accuracy all 0.70 < 0.80 (-0.10)");
    assert_false(rec.options[2].ok); /* big on S16: memory */
    assert_non_null(strstr(rec.options[2].why, "needs 22.0 GiB with headroom, S16 has 16 GiB"));
    vlm_recommendation_free(&rec);
    /* and a latency limit then rejects big too: 3500 > 2000 (+75%) */
    r.max_p95_ms = 2000;
    assert_string_equal(chosen(m, c, &r, NULL), "none");
    vlm_recommend(m, 2, c, &r, &rec);
    assert_non_null(strstr(rec.options[3].why, "p95 3500 ms > 2000 ms (+75%)"));
    vlm_recommendation_free(&rec);
    vlm_requirements_default(&r);

    /* (ii) a price moves: S16 goes from 1.00 to 10.00/h. small then costs
     * 1000 x 30.4167 x 1.5 x 10/3600 = 126.74 on S16 but 25.35 on B24 at 2.00/h
     * (big on B24: 54.07), so the choice moves to small on B24. */
    vlm_catalog_free(c);
    c = two_gpus(10.0, 2.0);
    assert_string_equal(chosen(m, c, &r, where), "small");
    assert_string_equal(where, "B24");
    /* cap the budget at 20/month: nothing costs that little at 1000/day */
    r.max_monthly = 20;
    assert_string_equal(chosen(m, c, &r, NULL), "none");
    vlm_catalog_free(c);
}

/* (iii) the volume moves the chosen model. "big" is served only by a hosted API
 * at 500 in + 100 out tokens, 0.15 / 10 per 1M: 0.000075 + 0.001 = 0.001075 per
 * request. "small" runs on B24: on demand 10.00/h (busy-second 1.5 x 10/3600 =
 * 0.0041667 per request) or reserved 300/month per instance; one instance serves
 * 86400 / 1.5 / 3 = 19,200 requests/day at peak factor 3.
 *   1,000/day:  API 1000 x 30.4167 x 0.001075 = 32.70; small reserved 300,
 *               busy 126.74 -> big via API.
 *   15,000/day: API 490.47; small reserved 300 (1 instance), busy 1901 -> small.
 * Break-even: 300 / (30.4167 x 0.001075) = 9,174.9 requests/day. */
static void test_volume_moves_choice(void **state) {
    (void)state;
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g = {.name = "B24", .mem_gib = 24, .hourly = 10.0, .monthly = 300, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g);
    struct vlm_api_price a = {.model = "big", .in_per_1m = 0.15, .out_per_1m = 10, .currency = "USD"};
    vlm_catalog_add_api(c, &a);
    struct vlm_candidate m[2];
    two_models(m);
    m[1].remote = true;
    m[1].in_tokens = 500;
    m[1].out_tokens = 100;
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    char where[64];
    assert_string_equal(chosen(m, c, &r, where), "big");
    assert_string_equal(where, "api");
    r.requests_per_day = 15000;
    assert_string_equal(chosen(m, c, &r, where), "small");
    struct vlm_recommendation rec;
    vlm_recommend(m, 2, c, &r, &rec);
    assert_int_equal(rec.n, 2); /* small on B24, big via API: a remote model gets no GPU */
    assert_string_equal(rec.options[rec.chosen].plan, "reserved");
    NEAR(rec.options[rec.chosen].monthly, 300, 1e-9);
    NEAR(rec.options[1].api, 15000 * VLM_DAYS_PER_MONTH * 0.001075, 1e-6);
    vlm_recommendation_free(&rec);
    NEAR(vlm_cost_break_even_daily(300, 0.001075), 9174.90, 0.01);
    r.requests_per_day = 9100;
    assert_string_equal(chosen(m, c, &r, NULL), "big");
    r.requests_per_day = 9250;
    assert_string_equal(chosen(m, c, &r, NULL), "small");
    vlm_catalog_free(c);
}

/* The volume flips the plan on one GPU at 2.00/h with a reserved price of
 * 1000/month, 1.5 s/request, peak factor 1 (one instance: 57,600/day):
 * busy-second = daily x 30.4167 x 1.5 x 2/3600 = daily x 0.025347 reaches 1000
 * at 1000 / 0.025347 = 39,452.1/day. */
static void test_volume_flips_plan(void **state) {
    (void)state;
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g = {.name = "G", .mem_gib = 24, .hourly = 2.0, .monthly = 1000, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g);
    struct vlm_candidate m = {.name = "m", .need_bytes = GIB, .busy_s_per_req = 1.5, .inst_rps = 1 / 1.5};
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    r.peak_factor = 1;
    NEAR(vlm_cost_break_even_daily(1000, 2.0 * 1.5 / 3600), 39452.05, 0.01);
    struct vlm_recommendation rec;
    r.requests_per_day = 30000;
    vlm_recommend(&m, 1, c, &r, &rec);
    assert_string_equal(rec.options[0].plan, "busy-second");
    NEAR(rec.options[0].monthly, 30000 * 0.0253472222, 1e-3);
    vlm_recommendation_free(&rec);
    r.requests_per_day = 45000;
    vlm_recommend(&m, 1, c, &r, &rec);
    assert_string_equal(rec.options[0].plan, "reserved");
    assert_int_equal(rec.options[0].instances, 1);
    NEAR(rec.options[0].always_on, 1460, 1e-9);
    vlm_recommendation_free(&rec);
    vlm_catalog_free(c);
}

/* Several instances with a reserved price: each instance is reserved. One GPU at
 * 2.00/h, reserved 1000/month; 1.5 s/request (0.6667 req/s per instance),
 * peak factor 1, 100,000 requests/day: peak 1.1574 req/s -> N = ceil(1.7361) = 2.
 * always-on 2 x 2 x 730 = 2920; reserved 2 x 1000 = 2000; busy 100000 x 30.4167
 * x 1.5 x 2 / 3600 = 2534.72: reserved, 2000. */
static void test_reserved_several_instances(void **state) {
    (void)state;
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g = {.name = "G", .mem_gib = 24, .hourly = 2.0, .monthly = 1000, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g);
    struct vlm_candidate m = {.name = "m", .need_bytes = GIB, .busy_s_per_req = 1.5, .inst_rps = 1 / 1.5};
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    r.peak_factor = 1;
    r.requests_per_day = 100000;
    struct vlm_recommendation rec;
    vlm_recommend(&m, 1, c, &r, &rec);
    assert_int_equal(rec.options[0].instances, 2);
    NEAR(rec.options[0].always_on, 2920, 1e-9);
    NEAR(rec.options[0].reserved, 2000, 1e-9);
    NEAR(rec.options[0].busy, 100000 * VLM_DAYS_PER_MONTH * 1.5 * 2 / 3600, 1e-6);
    NEAR(rec.options[0].busy, 2534.722222, 1e-5);
    assert_string_equal(rec.options[0].plan, "reserved");
    NEAR(rec.options[0].monthly, 2000, 1e-9);
    vlm_recommendation_free(&rec);
    /* and a budget of 1999 now rejects it: 2000 > 1999 */
    r.max_monthly = 1999;
    vlm_recommend(&m, 1, c, &r, &rec);
    assert_int_equal(rec.chosen, -1);
    assert_non_null(strstr(rec.options[0].why, "monthly 2000.00 > 1999.00"));
    vlm_recommendation_free(&rec);
    vlm_catalog_free(c);
}

/* Each limit is "at most" / "at least": a figure equal to it passes. The values
 * are exact in binary: 16 GiB x (1 + 0.5) = 24 GiB exactly; accuracy 0.75;
 * p95 2000 ms; memory 24 GiB; monthly = busy 1000 x 30.4167 x 1.5 x 2/3600. */
static void test_limits_hold_at_equality(void **state) {
    (void)state;
    assert_true(vlm_fit_ok(16 * GIB, 0.5, 24));
    assert_false(vlm_fit_ok(16 * GIB + 1024, 0.5, 24));
    vlm_catalog *c = vlm_catalog_new();
    struct vlm_gpu g = {.name = "G", .mem_gib = 24, .hourly = 2.0, .currency = "USD"};
    vlm_catalog_add_gpu(c, &g);
    struct vlm_candidate m = {.name = "m",
                              .n_acc = 1,
                              .acc_cat = {"all"},
                              .acc = {0.75},
                              .p95_ms = 2000,
                              .need_bytes = 16 * GIB,
                              .busy_s_per_req = 1.5,
                              .inst_rps = 1 / 1.5};
    struct vlm_requirements r;
    vlm_requirements_default(&r);
    r.headroom = 0.5;
    r.n_acc = 1;
    strcpy(r.acc_cat[0], "all");
    r.acc_min[0] = 0.75;
    r.max_p95_ms = 2000;
    r.max_memory_gib = 24;
    struct vlm_recommendation rec;
    vlm_recommend(&m, 1, c, &r, &rec);
    r.max_monthly = rec.options[0].monthly; /* the option's own cost */
    vlm_recommendation_free(&rec);
    vlm_recommend(&m, 1, c, &r, &rec);
    assert_true(rec.options[0].fits);
    if (!rec.options[0].ok) fail_msg("rejected at equality: %s", rec.options[0].why);
    assert_int_equal(rec.chosen, 0);
    vlm_recommendation_free(&rec);
    /* a hair over each limit rejects it with that reason */
    m.acc[0] = 0.7499;
    m.p95_ms = 2001;
    r.max_memory_gib = 23.99;
    r.max_monthly *= 0.999;
    vlm_recommend(&m, 1, c, &r, &rec);
    assert_false(rec.options[0].ok);
    assert_non_null(strstr(rec.options[0].why, "accuracy all 0.75 < 0.75"));
    assert_non_null(strstr(rec.options[0].why, "p95 2001 ms > 2000 ms"));
    assert_non_null(strstr(rec.options[0].why, "needs 24.0 GiB > max 24.0 GiB"));
    assert_non_null(strstr(rec.options[0].why, "monthly "));
    vlm_recommendation_free(&rec);
    vlm_catalog_free(c);
}

/* A model already at 8.5 bits/weight is not offered q8_0 (no smaller): the next
 * one down, q4_k_m, when it fits. 7e9 weights in 7.4375e9 bytes (8.5 bpw), 20 GiB
 * measured, 16 GiB GPU: q4_k_m needs 20 GiB - 7.4375e9 + 7.4375e9 x 4.85/8.5 =
 * 18.2306e9 B (16.98 GiB) x 1.1 > 16: none; on 24 GiB q4_k_m fits (q8_0 is
 * never offered). */
static void test_quant_skips_the_same_size(void **state) {
    (void)state;
    double bytes = 7e9 * 8.5 / 8;
    assert_null(vlm_fit_quant(20 * GIB, bytes, 7e9, 0.10, 16, NULL));
    double need = 0;
    assert_string_equal(vlm_fit_quant(20 * GIB, bytes, 7e9, 0.10, 24, &need), "q4_k_m");
    NEAR(need, 20 * GIB - bytes + bytes * 4.85 / 8.5, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_per_gpu_hour),
        cmocka_unit_test(test_monthly),
        cmocka_unit_test(test_break_even),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_quant),
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_requirements_yaml),
        cmocka_unit_test(test_recommend),
        cmocka_unit_test(test_volume_moves_choice),
        cmocka_unit_test(test_volume_flips_plan),
        cmocka_unit_test(test_reserved_several_instances),
        cmocka_unit_test(test_limits_hold_at_equality),
        cmocka_unit_test(test_quant_skips_the_same_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
