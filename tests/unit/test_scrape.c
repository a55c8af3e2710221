/*
 * test_scrape.c - the Prometheus /metrics page reader (lib/scrape.c,
 * docs/metrics.md "Server metrics") on hand-written pages: comments, HELP and
 * TYPE lines, labels with escapes, NaN and +Inf, timestamps, bad lines counted
 * and named; the series picked from llama-server's and vLLM's names (several
 * label sets summed, KV usage averaged); the figures over readings worked by
 * hand; the default page URL of an endpoint.
 */
#include "testutil.h"

#include <math.h>

#include "scrape.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static void parse(const char *text, struct scrape_page *pg) {
    memset(pg, 0, sizeof *pg);
    scrape_parse(text, strlen(text), pg);
}

static void test_parse_lines(void **state) {
    (void)state;
    struct scrape_page pg;
    parse("# HELP a_total Things done, with \\\\ and \\n escapes\n"
          "# TYPE a_total counter\n"
          "# a plain comment, ignored\n"
          "\n"
          "a_total 12\n"
          "b{x=\"1\",y=\"q\\\"uote\\\\back\\nline\"} 3.5 1712345678000\n"
          "c{} NaN\n"
          "d{le=\"+Inf\",} +Inf\r\n"
          "  e:f -2.5e3  \n"
          "g -Inf",
          &pg);
    assert_int_equal(pg.n_bad, 0);
    assert_string_equal(pg.first_bad, "");
    assert_int_equal(pg.n, 6);
    assert_string_equal(pg.s[0].name, "a_total");
    NEAR(pg.s[0].value, 12, 0);
    assert_string_equal(pg.s[1].name, "b");
    assert_string_equal(pg.s[1].labels, "x=1,y=q\"uote\\back\nline"); /* escapes undone */
    NEAR(pg.s[1].value, 3.5, 0);
    assert_true(isnan(pg.s[2].value));
    assert_string_equal(pg.s[3].labels, "le=+Inf"); /* trailing comma allowed */
    assert_true(isinf(pg.s[3].value) && pg.s[3].value > 0);
    assert_string_equal(pg.s[4].name, "e:f");
    NEAR(pg.s[4].value, -2500, 0);
    assert_true(isinf(pg.s[5].value) && pg.s[5].value < 0); /* last line without a newline */
    scrape_page_free(&pg);
}

static void test_parse_bad_lines(void **state) {
    (void)state;
    struct scrape_page pg;
    /* lines 2, 3, 5, 6, 7, 8, 9 are bad; 1 and 4 are good */
    parse("ok 1\n"
          "noval\n"
          "x{a=\"unterminated} 1\n"
          "ok2{a=\"v\"} 2\n"
          "# TYPE ok2 sideways\n"
          "y{a=unquoted} 1\n"
          "9starts_with_digit 1\n"
          "z 1 notatimestamp\n"
          "w{a=\"\\q\"} 1\n",
          &pg);
    assert_int_equal(pg.n, 2);
    assert_int_equal(pg.n_bad, 7);
    assert_string_equal(pg.first_bad, "line 2: bad or missing value");
    scrape_page_free(&pg);
    /* garbage (an HTML page, binary bytes): never a crash, nothing read */
    const char junk[] = "<html><body>404 \x01\xff\x00 not here</body></html>";
    memset(&pg, 0, sizeof pg);
    scrape_parse(junk, sizeof junk - 1, &pg);
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.n_bad, 1);
    struct scrape_reading r;
    assert_false(scrape_read(&pg, &r));
    assert_true(isnan(r.v[SCRAPE_KV_USAGE]));
    scrape_page_free(&pg);
}

static void test_read_llamacpp(void **state) {
    (void)state;
    struct scrape_page pg;
    /* as llama-server writes it (tools/server/server-task.cpp, to_metrics) */
    parse("# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.\n"
          "# TYPE llamacpp:prompt_tokens_total counter\n"
          "llamacpp:prompt_tokens_total 100\n"
          "llamacpp:tokens_predicted_total 40\n"
          "llamacpp:requests_processing 2\n"
          "llamacpp:requests_deferred 1\n",
          &pg);
    struct scrape_reading r;
    assert_true(scrape_read(&pg, &r));
    NEAR(r.v[SCRAPE_PROMPT_TOKENS], 100, 0);
    NEAR(r.v[SCRAPE_GEN_TOKENS], 40, 0);
    NEAR(r.v[SCRAPE_RUNNING], 2, 0);
    NEAR(r.v[SCRAPE_WAITING], 1, 0);
    assert_true(isnan(r.v[SCRAPE_KV_USAGE]));    /* this llama-server has no KV usage */
    assert_true(isnan(r.v[SCRAPE_PREFIX_HITS])); /* nor a prefix cache counter */
    scrape_page_free(&pg);
}

static void test_read_vllm_labels(void **state) {
    (void)state;
    struct scrape_page pg;
    /* two engines of one server: requests and counters summed, KV usage averaged
     * ((0.2 + 0.6) / 2 = 0.4); running 3 + 4 = 7; V1 names win over V0 ones */
    parse("vllm:num_requests_running{model_name=\"m\",engine=\"0\"} 3\n"
          "vllm:num_requests_running{model_name=\"m\",engine=\"1\"} 4\n"
          "vllm:num_requests_waiting{model_name=\"m\"} 0\n"
          "vllm:kv_cache_usage_perc{engine=\"0\"} 0.2\n"
          "vllm:kv_cache_usage_perc{engine=\"1\"} 0.6\n"
          "vllm:gpu_cache_usage_perc 0.99\n"
          "vllm:prefix_cache_hits_total{engine=\"0\"} 30\n"
          "vllm:prefix_cache_queries_total{engine=\"0\"} 50\n"
          "vllm:prompt_tokens_total{model_name=\"m\"} 1000\n"
          "vllm:generation_tokens_total{model_name=\"m\"} 200\n",
          &pg);
    struct scrape_reading r;
    assert_true(scrape_read(&pg, &r));
    NEAR(r.v[SCRAPE_RUNNING], 7, 0);
    NEAR(r.v[SCRAPE_WAITING], 0, 0); /* a zero that is there stays a zero */
    NEAR(r.v[SCRAPE_KV_USAGE], 0.4, 1e-12);
    NEAR(r.v[SCRAPE_PREFIX_HITS], 30, 0);
    NEAR(r.v[SCRAPE_PREFIX_QUERIES], 50, 0);
    NEAR(r.v[SCRAPE_PROMPT_TOKENS], 1000, 0);
    NEAR(r.v[SCRAPE_GEN_TOKENS], 200, 0);
    scrape_page_free(&pg);
}

/* The figure named name/stat, NAN when absent. */
static double figure(const struct scrape_figure *f, int n, const char *name, const char *stat) {
    for (int i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0 && strcmp(f[i].stat, stat) == 0) return f[i].value;
    return NAN;
}

static struct scrape_reading reading(void) {
    struct scrape_reading r;
    for (int k = 0; k < SCRAPE_N_KEYS; k++) r.v[k] = NAN;
    return r;
}

static void test_figures(void **state) {
    (void)state;
    struct scrape_reading r[3] = {reading(), reading(), reading()};
    /* KV usage 0.25, (missing), 0.75: mean (0.25 + 0.75) / 2 = 0.5, max 0.75.
     * prompt tokens 100 -> 130 -> 160: delta 60. generation 10 -> 10 -> 25: 15.
     * running 1, 3, 2: mean 2, max 3. prefix hits 10 -> 40 of queries 20 -> 80:
     * (40 - 10) / (80 - 20) = 0.5. waiting: never there, so absent. */
    r[0].v[SCRAPE_KV_USAGE] = 0.25, r[2].v[SCRAPE_KV_USAGE] = 0.75;
    r[0].v[SCRAPE_PROMPT_TOKENS] = 100, r[1].v[SCRAPE_PROMPT_TOKENS] = 130, r[2].v[SCRAPE_PROMPT_TOKENS] = 160;
    r[0].v[SCRAPE_GEN_TOKENS] = 10, r[1].v[SCRAPE_GEN_TOKENS] = 10, r[2].v[SCRAPE_GEN_TOKENS] = 25;
    r[0].v[SCRAPE_RUNNING] = 1, r[1].v[SCRAPE_RUNNING] = 3, r[2].v[SCRAPE_RUNNING] = 2;
    r[0].v[SCRAPE_PREFIX_HITS] = 10, r[2].v[SCRAPE_PREFIX_HITS] = 40;
    r[0].v[SCRAPE_PREFIX_QUERIES] = 20, r[2].v[SCRAPE_PREFIX_QUERIES] = 80;
    struct scrape_figure f[SCRAPE_MAX_FIGURES];
    int n = scrape_figures(r, 3, f);
    NEAR(figure(f, n, "samples", "count"), 3, 0);
    NEAR(figure(f, n, "kv_cache_usage", "mean"), 0.5, 1e-12);
    NEAR(figure(f, n, "kv_cache_usage", "max"), 0.75, 0);
    NEAR(figure(f, n, "prompt_tokens", "delta"), 60, 0);
    NEAR(figure(f, n, "generation_tokens", "delta"), 15, 0);
    NEAR(figure(f, n, "requests_running", "mean"), 2, 1e-12);
    NEAR(figure(f, n, "requests_running", "max"), 3, 0);
    NEAR(figure(f, n, "prefix_cache_hit_rate", "ratio"), 0.5, 1e-12);
    assert_true(isnan(figure(f, n, "requests_waiting", "mean")));
    assert_true(isnan(figure(f, n, "requests_waiting", "max")));
    assert_int_equal(n, 1 + 2 + 2 + 1 + 2); /* samples, kv x2, running x2, prefix, two deltas */

    /* one reading: gauges yes, no delta; a counter that went down (a restart): no delta */
    n = scrape_figures(r, 1, f);
    NEAR(figure(f, n, "kv_cache_usage", "max"), 0.25, 0);
    assert_true(isnan(figure(f, n, "prompt_tokens", "delta")));
    r[2].v[SCRAPE_PROMPT_TOKENS] = 5;
    n = scrape_figures(r, 3, f);
    assert_true(isnan(figure(f, n, "prompt_tokens", "delta")));
    /* queries that did not move: no hit rate (not 0) */
    r[2].v[SCRAPE_PREFIX_QUERIES] = 20;
    n = scrape_figures(r, 3, f);
    assert_true(isnan(figure(f, n, "prefix_cache_hit_rate", "ratio")));
}

static void test_default_url(void **state) {
    (void)state;
    char u[256];
    assert_true(scrape_default_url("http://127.0.0.1:8080/v1", u, sizeof u));
    assert_string_equal(u, "http://127.0.0.1:8080/metrics");
    assert_true(scrape_default_url("https://gpu.example:9000/api/v1/", u, sizeof u));
    assert_string_equal(u, "https://gpu.example:9000/metrics");
    assert_true(scrape_default_url("http://h:1", u, sizeof u));
    assert_string_equal(u, "http://h:1/metrics");
    assert_false(scrape_default_url("ftp://h/v1", u, sizeof u));
    assert_false(scrape_default_url(NULL, u, sizeof u));
}

/* A page nobody serves: the sampler gives up quietly on a default URL (a note),
 * warns on a given one, and stores nothing. */
static void test_sampler_no_page(void **state) {
    (void)state;
    struct scrape_figure f[SCRAPE_MAX_FIGURES];
    int n = -1;
    char msg[512];
    bool warning = true;
    /* port 1 on loopback: connection refused */
    scrape_stop(scrape_start("http://127.0.0.1:1/metrics", false), f, &n, msg, sizeof msg, &warning);
    assert_int_equal(n, 0);
    assert_false(warning);
    assert_non_null(strstr(msg, "no page at http://127.0.0.1:1/metrics"));
    scrape_stop(scrape_start("http://127.0.0.1:1/metrics", true), f, &n, msg, sizeof msg, &warning);
    assert_int_equal(n, 0);
    assert_true(warning);
    assert_non_null(strstr(msg, "cannot read http://127.0.0.1:1/metrics"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lines),     cmocka_unit_test(test_parse_bad_lines),
        cmocka_unit_test(test_read_llamacpp),   cmocka_unit_test(test_read_vllm_labels),
        cmocka_unit_test(test_figures),         cmocka_unit_test(test_default_url),
        cmocka_unit_test(test_sampler_no_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
