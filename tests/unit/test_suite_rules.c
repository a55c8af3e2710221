/*
 * test_suite_rules.c - two suite rules of docs/suite-format.md at their edge:
 * an image must stay inside the suite's folder, and a sibling folder whose name
 * merely starts with the suite folder's name is outside it; `expected` has
 * exactly one entry per turn, so one too many is refused like one too few.
 */
#include "testutil.h"

#include <sys/stat.h>

/* The error of case `id` ("" when the case is fine). */
static const char *case_error(const vlm_suite *s, const char *id) {
    for (int i = 0; i < vlm_suite_n_cases(s); i++)
        if (strcmp(vlm_suite_case(s, i)->id, id) == 0) {
            const char *e = vlm_suite_case(s, i)->error;
            return e ? e : "";
        }
    fail_msg("no case %s", id);
    return NULL;
}

static void test_sibling_folder_is_outside(void **state) {
    (void)state;
    char *dir = test_tmpdir(), path[512], err[512];
    assert_non_null(dir);
    snprintf(path, sizeof path, "%s/suite", dir ? dir : "");
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/suite-other", dir ? dir : "");
    assert_int_equal(mkdir(path, 0755), 0);
    free(test_write_file(dir, "suite/in.png", "x"));
    free(test_write_file(dir, "suite-other/out.png", "x"));
    char *jsonl = test_write_file(
        dir, "suite/s.jsonl",
        "{\"id\":\"in\",\"image\":\"in.png\",\"prompt\":\"<image> a?\"}\n"
        "{\"id\":\"sibling\",\"image\":\"../suite-other/out.png\",\"prompt\":\"<image> b?\"}\n"
        "{\"id\":\"back\",\"image\":\"../suite/in.png\",\"prompt\":\"<image> c?\"}\n");
    vlm_suite *s = vlm_suite_load(jsonl, vlm_suite_default_params(), err, sizeof err);
    assert_non_null(s);
    assert_string_equal(case_error(s, "in"), "");
    assert_string_equal(case_error(s, "back"), ""); /* out and back in: inside */
    assert_non_null(strstr(case_error(s, "sibling"), "image '../suite-other/out.png' leaves the suite folder"));
    vlm_suite_free(s);
    free(jsonl);
    test_rmdir(dir);
}

static void test_expected_one_per_turn(void **state) {
    (void)state;
    char *dir = test_tmpdir(), err[512];
    char *jsonl = test_write_file(dir, "s.jsonl",
                                  "{\"id\":\"ok\",\"turns\":[\"a\",\"b\"],\"expected\":[\"x\",null]}\n"
                                  "{\"id\":\"long\",\"turns\":[\"a\",\"b\"],\"expected\":[\"x\",\"y\",\"z\"]}\n"
                                  "{\"id\":\"short\",\"turns\":[\"a\",\"b\"],\"expected\":[\"x\"]}\n");
    vlm_suite *s = vlm_suite_load(jsonl, vlm_suite_default_params(), err, sizeof err);
    assert_non_null(s);
    assert_string_equal(case_error(s, "ok"), "");
    assert_non_null(strstr(case_error(s, "long"), "'expected' must be an array with one entry per turn (2 turns)"));
    assert_non_null(strstr(case_error(s, "short"), "'expected' must be an array with one entry per turn (2 turns)"));
    vlm_suite_free(s);
    free(jsonl);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sibling_folder_is_outside),
        cmocka_unit_test(test_expected_one_per_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
