/*
 * test_remote_timings.c - the per-turn figures of docs/metrics.md worked out by
 * hand from given chunk times and counts: a remote stream without `usage`
 * (counts are chunks, tokens_estimated), decode_tps, TPOT and the inter-token
 * latency median and maximum (eng_derive_timings); how a finished request is
 * classified (req_finish) and how long a retry waits (remote_backoff_ms,
 * docs/remote.md).
 */
#include "testutil.h"

#include <math.h>

#include "engine_impl.h"
#include "remote.h"
#include "remote_req.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))

static const char NO_USAGE[] =
    "data: {\"choices\":[{\"delta\":{\"content\":\"one\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\" two\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\" three\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\" four\"},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

static void fresh(struct vlm_req *r) {
    memset(r, 0, sizeof *r);
    req_reset(r);
}

/* A server that sends no usage: 4 content chunks are the 4 output tokens,
 * flagged as estimated, and no prompt count. With the request sent at 1000 ms,
 * the first chunk at 1250, the last at 1550 and the end at 1600:
 * TTFT 250, decode 300, E2E 600, decode_tps (4 - 1) / 300 ms = 10/s. */
static void test_no_usage_counts_chunks(void **state) {
    (void)state;
    struct vlm_req r;
    fresh(&r);
    assert_true(req_feed(&r, NO_USAGE, strlen(NO_USAGE)));
    assert_int_equal(r.n_chunks, 4);
    assert_int_equal(r.n_itl, 3);
    r.t_sent_ms = 1000;
    r.t_first_ms = 1250;
    r.t_last_ms = 1550;
    r.t_end_ms = 1600;
    struct vlm_turn_timings t;
    memset(&t, 0, sizeof t);
    req_timings(&r, &t);
    assert_true(t.tokens_estimated);
    assert_int_equal(t.n_output_tokens, 4);
    assert_int_equal(t.n_prompt_tokens, 0);
    NEAR(t.ttft_ms, 250, 1e-9);
    NEAR(t.decode_ms, 300, 1e-9);
    NEAR(t.e2e_ms, 600, 1e-9);
    NEAR(t.decode_tps, 10, 1e-9);
    req_free(&r);

    /* With usage (12 prompt, 7 completion tokens), the counts are the server's:
     * decode_tps (7 - 1) / 300 ms = 20/s. */
    fresh(&r);
    const char *usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7}}\n\n";
    size_t before_done = strlen(NO_USAGE) - strlen("data: [DONE]\n\n");
    assert_true(req_feed(&r, NO_USAGE, before_done)); /* usage comes before [DONE] */
    assert_true(req_feed(&r, usage, strlen(usage)));
    assert_true(req_feed(&r, NO_USAGE + before_done, strlen(NO_USAGE) - before_done));
    r.t_sent_ms = 1000;
    r.t_first_ms = 1250;
    r.t_last_ms = 1550;
    r.t_end_ms = 1600;
    memset(&t, 0, sizeof t);
    req_timings(&r, &t);
    assert_false(t.tokens_estimated);
    assert_int_equal(t.n_output_tokens, 7);
    assert_int_equal(t.n_prompt_tokens, 12);
    NEAR(t.decode_tps, 20, 1e-9);
    req_free(&r);
}

/* TPOT = (E2E - TTFT) / (tokens - 1); the ITL median is the nearest-rank one
 * (rank ceil(n/2)), the maximum the largest gap. Gaps 40, 10, 30, 20, 90:
 * sorted 10 20 30 40 90, median rank 3 -> 30, max 90. Four gaps 5 1 7 3:
 * sorted 1 3 5 7, rank 2 -> 3. */
static void test_tpot_and_itl(void **state) {
    (void)state;
    struct vlm_turn_timings t = {.ttft_ms = 100, .e2e_ms = 290, .n_output_tokens = 6};
    double gaps[] = {40, 10, 30, 20, 90};
    eng_derive_timings(&t, gaps, 5);
    NEAR(t.tpot_ms, (290.0 - 100) / 5, 1e-9);
    NEAR(t.itl_ms_p50, 30, 1e-9);
    NEAR(t.itl_ms_max, 90, 1e-9);
    assert_true(gaps[0] == 40 && gaps[4] == 90); /* the caller's gaps are left in their order */
    struct vlm_turn_timings u = {.ttft_ms = 50, .e2e_ms = 66, .n_output_tokens = 5};
    double four[] = {5, 1, 7, 3};
    eng_derive_timings(&u, four, 4);
    NEAR(u.tpot_ms, 4, 1e-9);
    NEAR(u.itl_ms_p50, 3, 1e-9);
    NEAR(u.itl_ms_max, 7, 1e-9);
    /* One token: no TPOT, no gaps. */
    struct vlm_turn_timings one = {.ttft_ms = 50, .e2e_ms = 60, .n_output_tokens = 1};
    eng_derive_timings(&one, NULL, 0);
    assert_true(one.tpot_ms == 0 && one.itl_ms_p50 == 0 && one.itl_ms_max == 0);
}

/* How an attempt ends (docs/remote.md): a stream that ended with a
 * finish_reason but no [DONE] is complete; one with neither is retried; 429
 * and 5xx are retried, other statuses fail. */
static void test_finish_outcomes(void **state) {
    (void)state;
    char msg[512];
    struct vlm_req r;
    fresh(&r);
    const char *finish_only = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\n";
    assert_true(req_feed(&r, finish_only, strlen(finish_only)));
    r.status = 200;
    assert_int_equal(req_finish(&r, CURLE_OK, msg, sizeof msg), VLM_REQ_DONE);
    req_free(&r);
    fresh(&r);
    const char *cut = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";
    assert_true(req_feed(&r, cut, strlen(cut)));
    r.status = 200;
    assert_int_equal(req_finish(&r, CURLE_OK, msg, sizeof msg), VLM_REQ_RETRY);
    assert_non_null(strstr(msg, "the stream ended before [DONE] (1 chunks received)"));
    req_free(&r);
    static const struct {
        long status;
        enum vlm_req_outcome want;
    } by_status[] = {{429, VLM_REQ_RETRY}, {500, VLM_REQ_RETRY}, {503, VLM_REQ_RETRY},
                     {400, VLM_REQ_FAIL},  {404, VLM_REQ_FAIL},  {499, VLM_REQ_FAIL}};
    for (size_t i = 0; i < sizeof by_status / sizeof by_status[0]; i++) {
        fresh(&r);
        r.status = by_status[i].status;
        assert_int_equal(req_finish(&r, CURLE_OK, msg, sizeof msg), by_status[i].want);
        char want[32];
        snprintf(want, sizeof want, "HTTP %ld", by_status[i].status);
        assert_non_null(strstr(msg, want));
        req_free(&r);
    }
}

/* Retry-After is waited for as given (seconds to ms), at most 60 s; without
 * it, 0.5 s x 2^attempt with a jitter of x0.5 .. x1.5. */
static void test_backoff(void **state) {
    (void)state;
    uint64_t rng = 42;
    NEAR(remote_backoff_ms(0, 1, &rng), 1000, 1e-9);
    NEAR(remote_backoff_ms(3, 2.5, &rng), 2500, 1e-9);
    NEAR(remote_backoff_ms(0, 0, &rng), 0, 1e-9);
    NEAR(remote_backoff_ms(0, 3600, &rng), 60000, 1e-9);
    for (int i = 0; i < 200; i++) {
        double a0 = remote_backoff_ms(0, -1, &rng), a2 = remote_backoff_ms(2, -1, &rng);
        assert_true(a0 >= 250 && a0 < 750);
        assert_true(a2 >= 1000 && a2 < 3000);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_usage_counts_chunks),
        cmocka_unit_test(test_tpot_and_itl),
        cmocka_unit_test(test_finish_outcomes),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
