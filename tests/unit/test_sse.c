/*
 * test_sse.c - the remote engine's SSE parser (lib/remote_req.c) on streams cut
 * at every possible byte: content chunks, usage, [DONE], comments and other
 * fields, CRLF lines, an error event, malformed data, data after [DONE].
 */
#include "testutil.h"

#include "remote_req.h"

static const char STREAM[] = ": keep-alive comment\r\n"
                             "event: message\r\n"
                             "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n"
                             "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                             "data:{\"choices\":[{\"delta\":{\"content\":\"lo \\u4f60\\u597d\"}}]}\n\n"
                             "id: 7\n"
                             "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                             "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}\n\n"
                             "data: [DONE]\n\n"
                             "data: {\"choices\":[{\"delta\":{\"content\":\"ignored after DONE\"}}]}\n\n";

static void fresh(struct vlm_req *r) {
    memset(r, 0, sizeof *r);
    req_reset(r);
}

/* The same stream, fed in two pieces cut at every byte, parses the same. */
static void test_stream_cut_anywhere(void **state) {
    (void)state;
    size_t n = strlen(STREAM);
    for (size_t cut = 0; cut <= n; cut++) {
        struct vlm_req r;
        fresh(&r);
        assert_true(req_feed(&r, STREAM, cut));
        assert_true(req_feed(&r, STREAM + cut, n - cut));
        assert_string_equal(r.out, "Hello \xe4\xbd\xa0\xe5\xa5\xbd");
        assert_int_equal(r.n_chunks, 2);
        assert_int_equal(r.n_itl, 1);
        assert_int_equal(r.prompt_tokens, 12);
        assert_int_equal(r.completion_tokens, 3);
        assert_true(r.saw_done && r.saw_finish);
        assert_string_equal(r.error, "");
        req_free(&r);
    }
}

static void test_no_usage_leaves_counts_unknown(void **state) {
    (void)state;
    struct vlm_req r;
    fresh(&r);
    const char *s = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n";
    assert_true(req_feed(&r, s, strlen(s)));
    assert_int_equal(r.prompt_tokens, -1);
    assert_int_equal(r.completion_tokens, -1);
    assert_true(r.saw_done);
    assert_false(r.saw_finish);
    req_free(&r);
}

static void test_malformed_data_stops(void **state) {
    (void)state;
    struct vlm_req r;
    fresh(&r);
    const char *s = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {not json\n\n";
    assert_false(req_feed(&r, s, strlen(s)));
    assert_string_equal(r.out, "a");
    assert_non_null(strstr(r.error, "malformed SSE data"));
    assert_non_null(strstr(r.error, "{not json"));
    req_free(&r);
    fresh(&r);
    const char *arr = "data: [1,2]\n";
    assert_false(req_feed(&r, arr, strlen(arr))); /* JSON, but not an object */
    req_free(&r);
}

static void test_error_event_stops(void **state) {
    (void)state;
    struct vlm_req r;
    fresh(&r);
    const char *s = "data: {\"error\":{\"message\":\"context length exceeded\"}}\n\n";
    assert_false(req_feed(&r, s, strlen(s)));
    assert_non_null(strstr(r.error, "context length exceeded"));
    req_free(&r);
}

static void test_incomplete_line_waits(void **state) {
    (void)state;
    struct vlm_req r;
    fresh(&r);
    const char *s = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}"; /* no newline yet */
    assert_true(req_feed(&r, s, strlen(s)));
    assert_int_equal(r.n_chunks, 0);
    assert_true(req_feed(&r, "\n", 1));
    assert_int_equal(r.n_chunks, 1);
    req_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_cut_anywhere),   cmocka_unit_test(test_no_usage_leaves_counts_unknown),
        cmocka_unit_test(test_malformed_data_stops),  cmocka_unit_test(test_error_event_stops),
        cmocka_unit_test(test_incomplete_line_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
