/*
 * test_tsv_reading.c - how a VLMEvalKit TSV is read (docs/import.md), on the
 * cases the importer's own tests leave out: a quote inside an unquoted field is
 * an ordinary character (as pandas reads it), a quoted field keeps its tabs and
 * turns "" into ", and a file is yes/no only when every answer present is Yes
 * or No. Each image is a PNG signature and 52 zero bytes, in base64: the
 * importer tells the format by the signature, and a value this long (over 64
 * characters) is an image, not a reference to another row.
 */
#include "testutil.h"

#define PNG_B64  "iVBORw0KGgoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define VQA_TAIL "\nAnswer the question using a single word or phrase."

/* Import `tsv_text` (written as NAME.tsv) into a fresh folder; the suite loaded. */
static vlm_suite *import(const char *dir, const char *name, const char *tsv_text, struct vlm_import_summary *sum) {
    char file[64], out[512], err[512] = "";
    snprintf(file, sizeof file, "%s.tsv", name);
    char *tsv = test_write_file(dir, file, tsv_text);
    snprintf(out, sizeof out, "%s/out-%s", dir, name);
    struct vlm_import_params p = vlm_import_default_params();
    int rc = vlm_import_vlmevalkit(tsv, out, &p, sum, err, sizeof err);
    free(tsv);
    if (rc != VLM_OK) fail_msg("import %s: %s", name, err);
    vlm_suite *s = vlm_suite_load(sum->suite, vlm_suite_default_params(), err, sizeof err);
    if (!s) fail_msg("load %s: %s", sum->suite, err);
    return s;
}

static const vlm_case *case_of(const vlm_suite *s, const char *id) {
    for (int i = 0; i < vlm_suite_n_cases(s); i++)
        if (strcmp(vlm_suite_case(s, i)->id, id) == 0) return vlm_suite_case(s, i);
    fail_msg("no case %s", id);
    return NULL;
}

/* Answers yes, no and 3: not every answer is Yes or No, so the file is vqa and
 * the row answered 3 is kept. Question 1 has quotes inside an unquoted field;
 * question 2 is quoted, with a tab and a doubled quote inside. */
static void test_quotes_and_mixed_answers(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    struct vlm_import_summary sum;
    vlm_suite *s = import(dir, "mixed",
                          "index\tquestion\tanswer\timage\n"
                          "1\tThe \"big\" one, or not?\tyes\t" PNG_B64 "\n"
                          "2\t\"Tab\there, \"\"quoted\"\"\"\tno\t" PNG_B64 "\n"
                          "3\tHow many?\t3\t" PNG_B64 "\n",
                          &sum);
    assert_string_equal(sum.type, "vqa");
    assert_int_equal(sum.n_ok, 3);
    assert_int_equal(sum.n_bad, 0);
    assert_string_equal(case_of(s, "1")->turns[0], "The \"big\" one, or not?" VQA_TAIL);
    assert_string_equal(case_of(s, "2")->turns[0], "Tab\there, \"quoted\"" VQA_TAIL);
    assert_string_equal(case_of(s, "3")->expected[0], "\"3\"");
    assert_string_equal(case_of(s, "3")->scorer, "vqa");
    vlm_suite_free(s);

    /* Every answer Yes or No (either case): yorn, the question as it is. */
    s = import(dir, "yn",
               "index\tquestion\tanswer\timage\n"
               "1\tIs it red?\tYes\t" PNG_B64 "\n"
               "2\tIs it blue?\tno\t" PNG_B64 "\n",
               &sum);
    assert_string_equal(sum.type, "yorn");
    assert_int_equal(sum.n_ok, 2);
    assert_string_equal(case_of(s, "2")->turns[0], "Is it blue?");
    assert_string_equal(case_of(s, "2")->scorer, "yesno");
    vlm_suite_free(s);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quotes_and_mixed_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
