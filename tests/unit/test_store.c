/*
 * test_store.c - the SQLite store: model settings guard, turn commits, the
 * finished-case rule that resume relies on, partial-case reset, and export.
 */
#include "testutil.h"

#include <jansson.h>

static const char *TURNS[] = {"first <image>", "second"};
static const char *EXPECTED[] = {"\"red\"", NULL};
static vlm_case two_turn_case(void) {
    vlm_case c = {.suite = "s", .id = "c1", .category = "colors", .scorer = "exact",
                  .where = "s.jsonl:1", .n_turns = 2, .turns = TURNS, .expected = EXPECTED};
    return c;
}

static vlm_store *open_tmp(char **dir) {
    *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/t.db", *dir);
    char err[256];
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    return s;
}

static void test_model_settings_guard(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t a = 0, b = 0;
    char err[512] = "";
    assert_int_equal(vlm_store_model(s, "m", "{\"ctx\":1}", &a, err, sizeof err), VLM_OK);
    assert_int_equal(vlm_store_model(s, "m", "{\"ctx\":1}", &b, err, sizeof err), VLM_OK);
    assert_true(a == b && a > 0);
    assert_int_equal(vlm_store_model(s, "m", "{\"ctx\":2}", &b, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "model 'm' is already stored with other settings"));
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_case_finished_only_after_last_turn(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t m = 0;
    char err[256];
    assert_int_equal(vlm_store_model(s, "m", "{}", &m, err, sizeof err), VLM_OK);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    r.t.e2e_ms = 12.5;
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, false), VLM_OK);
    assert_false(vlm_store_case_done(s, m, "s", "c1", true)); /* one turn of two */
    r.turn = 1;
    r.output = "blue";
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
    assert_true(vlm_store_case_done(s, m, "s", "c1", true));
    assert_true(vlm_store_case_done(s, m, "s", "c1", false));
    assert_false(vlm_store_case_done(s, m, "s", "other", true));
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_error_case_and_retry_rule(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t m = 0;
    char err[256];
    vlm_store_model(s, "m", "{}", &m, err, sizeof err);
    vlm_case c = two_turn_case();
    assert_int_equal(vlm_store_put_case_error(s, m, 1, &c, "s.jsonl:1: missing image"), VLM_OK);
    assert_true(vlm_store_case_done(s, m, "s", "c1", true));   /* skipped on resume */
    assert_false(vlm_store_case_done(s, m, "s", "c1", false)); /* run again with --retry-errors */
    vlm_store_close(s);
    test_rmdir(dir);
}

static int count_rows(const struct vlm_answer_row *row, void *user) {
    (*(int *)user)++;
    return VLM_OK;
}

static void test_reset_forgets_partial_turns(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t m = 0;
    char err[256];
    vlm_store_model(s, "m", "{}", &m, err, sizeof err);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    vlm_store_put_turn(s, m, 1, &c, &r, false);
    int n = 0;
    vlm_store_each_answer(s, count_rows, &n);
    assert_int_equal(n, 1);
    assert_int_equal(vlm_store_case_reset(s, m, "s", "c1"), VLM_OK);
    n = 0;
    vlm_store_each_answer(s, count_rows, &n);
    assert_int_equal(n, 0);
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_export_jsonl(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t m = 0;
    char err[256];
    vlm_store_model(s, "m", "{}", &m, err, sizeof err);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "r\xc3\xa9\"d<script>"};
    r.t.ttft_ms = 3.5;
    r.t.n_output_tokens = 7;
    vlm_store_put_turn(s, m, 1, &c, &r, false);
    r.turn = 1;
    r.output = "";
    r.error = "turn 1: prompt too long";
    vlm_store_put_turn(s, m, 1, &c, &r, true);

    char path[512];
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_int_equal(vlm_store_export_jsonl(s, f, err, sizeof err), VLM_OK);
    fclose(f);
    f = fopen(path, "r");
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    json_t *o = json_loads(line, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "model")), "m");
    assert_string_equal(json_string_value(json_object_get(o, "case")), "c1");
    assert_string_equal(json_string_value(json_object_get(o, "category")), "colors");
    assert_string_equal(json_string_value(json_object_get(o, "output")), "r\xc3\xa9\"d<script>");
    assert_string_equal(json_string_value(json_object_get(o, "expected")), "red");
    assert_true(json_is_null(json_object_get(o, "error")));
    assert_true(json_real_value(json_object_get(o, "ttft_ms")) == 3.5);
    assert_int_equal(json_integer_value(json_object_get(o, "n_output_tokens")), 7);
    json_decref(o);
    assert_non_null(fgets(line, sizeof line, f));
    o = json_loads(line, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(o, "turn")), 1);
    assert_true(json_is_null(json_object_get(o, "output")));
    assert_string_equal(json_string_value(json_object_get(o, "error")), "turn 1: prompt too long");
    json_decref(o);
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_open_refuses_non_database(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *path = test_write_file(dir, "junk.db", "this is not a sqlite database, just text padding it out....");
    char err[512] = "";
    assert_null(vlm_store_open(path, err, sizeof err));
    assert_non_null(strstr(err, "junk.db"));
    free(path);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_settings_guard),
        cmocka_unit_test(test_case_finished_only_after_last_turn),
        cmocka_unit_test(test_error_case_and_retry_rule),
        cmocka_unit_test(test_reset_forgets_partial_turns),
        cmocka_unit_test(test_export_jsonl),
        cmocka_unit_test(test_open_refuses_non_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
