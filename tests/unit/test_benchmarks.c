/*
 * test_benchmarks.c - the 13 VLMEvalKit datasets issue 20 names, from TSV to
 * verdict: each forged file (the dataset's column layout) is imported, its
 * suite loaded, and a chosen reply to every case scored with the case's own
 * scorer, expected answer and choices. Both readings are asserted:
 *   - the reference verdict is what VLMEvalKit's exact-matching code gives the
 *     same reply (can_infer, MMMU_preproc, YOrN_Extraction, OCRBench's rule,
 *     process_line's vqa_score and relaxed_accuracy), obtained by running those
 *     functions at commit e8e78f05 on each (reply, answer, choices) below;
 *   - vlmeter's verdict is worked out by hand from docs/scoring.md.
 * The replies are chosen where the two readings part (and where they agree),
 * so a case scored with the wrong scorer, the wrong choices or the wrong
 * expected answer fails here even when both scorers are right on their own.
 */
#include "testutil.h"

#include <math.h>

/* A 2x2 PNG. */
#define IMG "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4IScHRAwQCgAfJgQRoo8irwAAAABJRU5ErkJggg=="

struct dataset {
    const char *name; /* the file is NAME.tsv */
    const char *tsv;
};

static const struct dataset DATASETS[] = {
    {"MMBench_DEV_EN",
     "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\tl2-category\timage\n"
     "0\tWhich colour is the sky?\tLook up.\tred\tblue\tgreen\tblack\tB\tcolor\tcoarse_perception\t" IMG "\n"
     "1000000\tWhich colour is the sky?\tLook up.\tred\tgreen\tblue\tblack\tC\tcolor\tcoarse_perception\t0\n"},
    {"MMBench_DEV_CN", "index\tquestion\thint\tA\tB\tanswer\tcategory\timage\n"
                       "7\t天空是什么颜色？\t\t红\t蓝\tB\tcolor\t" IMG "\n"},
    {"MMStar", "index\tquestion\tA\tB\tC\tD\tanswer\tcategory\tl2-category\timage\n"
               "1\tWhat animal?\tcat\tdog\tbird\tfish\tA\tcoarse perception\timage scene\t" IMG "\n"},
    {"SEEDBench_IMG", "index\tquestion\tA\tB\tC\tD\tanswer\tcategory\timage\n"
                      "2\tWhat animal?\tcat\tdog\tbird\tfish\tB\tInstance Identity\t" IMG "\n"},
    {"AI2D_TEST", "index\tquestion\tA\tB\tC\tanswer\tcategory\timage\n"
                  "3\tWhich animal eats grass?\tcat\tdog\tfish\tA\tfoodChainsWebs\t" IMG "\n"},
    {"RealWorldQA", "index\tquestion\tA\tB\tC\tanswer\timage\n"
                    "4\tWhich way does the road turn?\tleft\tright\tstraight\tB\t" IMG "\n"},
    {"MMMU_DEV_VAL", "index\tquestion\tA\tB\tC\tanswer\timage\tsplit\n"
                     "validation_1\tHow many sides has <image 1>?\t\t\t\t5\t" IMG "\tvalidation\n"
                     "validation_2\tWhat is 2.5 rounded up?\t\t\t\t5\t" IMG "\tvalidation\n"
                     "validation_3\tWhich is it? <image 1>\tx\ty\tz\tB\t" IMG "\tvalidation\n"},
    {"MME", "index\timage\tquestion\tanswer\tcategory\timage_path\n"
            "0\t" IMG "\tIs there a car? Please answer yes or no.\tYes\tcolor\t1.jpg\n"
            "1\t0\tIs the car blue? Please answer yes or no.\tNo\tcolor\t1.jpg\n"},
    {"POPE", "index\timage\tquestion\tanswer\tcategory\n"
             "0\t" IMG "\tIs there a dog in the image?\tYes\tpopular,random\n"
             "1\t0\tIs there a cat in the image?\tNo\tadversarial\n"},
    {"HallusionBench", "index\timage\tquestion\tanswer\tcategory\tl2-category\n"
                       "VD_chart_0_0_0\t" IMG "\tIs the bar red?\tYes\tVD\tchart\n"},
    {"OCRBench", "index\timage\tquestion\tanswer\tcategory\n"
                 "0\t" IMG "\tWhat is written?\t['hello']\tRegular Text Recognition\n"
                 "1\t0\tWrite the formula.\t['x ^ 2']\tHandwritten Mathematical Expression Recognition\n"
                 "2\t0\tWrite the formula.\t['x^2']\tHandwritten Mathematical Expression Recognition\n"},
    {"TextVQA_VAL",
     "index\timage\tquestion\tanswer\n"
     "0\t" IMG
     "\tWhat is shown?\t['dogs', 'dogs', \"dog's\", \"dog's\", \"dog's\", 'puppies', 'dogs', 'dog', \"dog's\", \"dog's\"]\n"
     "1\t0\tHow many?\t['2', '2', '2', 'two', '2', '2', '2', '2', '2', '2']\n"},
    {"ChartQA_TEST", "index\timage\tquestion\tanswer\n"
                     "0\t" IMG "\tWhat share voted?\t45%\n"
                     "1\t0\tWhat is the lowest value?\t0\n"
                     "2\t0\tWhat is the total?\t100\n"},
};

/* One case: its reply, vlmeter's verdict and the reference's. */
struct verdict {
    const char *dataset, *id, *reply;
    bool own, ref;
    double ref_score; /* < 0: 1 or 0 as ref */
};

static const struct verdict VERDICTS[] = {
    /* can_infer: a letter in the last four words, or "answer is" + a letter. */
    {"MMBench_DEV_EN", "0", "The answer is B.", true, true, -1},
    /* vlmeter reads the leading "C"; can_infer finds no letter in the last 4 words. */
    {"MMBench_DEV_EN", "1000000", "C is correct because it is the colour of the sky", true, false, -1},
    /* VLMEvalKit keeps the full-width colon, so "答案：B" is one word. */
    {"MMBench_DEV_CN", "7", "答案：B", true, false, -1},
    {"MMStar", "1", "(A) cat", true, true, -1},
    {"SEEDBench_IMG", "2", "B", true, true, -1},
    /* "answer is" + the first letter of "cat" reads C; vlmeter reads option text cat = A. */
    {"AI2D_TEST", "3", "The answer is cat", true, false, -1},
    /* a lower-case letter alone is no option for can_infer */
    {"RealWorldQA", "4", "b", true, false, -1},
    /* MMMU open questions: the answer as a substring (VLMEvalKit), as whole words (vlmeter) */
    {"MMMU_DEV_VAL", "validation_1", "15", false, true, -1},
    {"MMMU_DEV_VAL", "validation_2", "It is 5.5", false, true, -1},
    {"MMMU_DEV_VAL", "validation_3", "The answer is B", true, true, -1},
    /* YOrN_Extraction needs the bare word */
    {"MME", "0", "**Yes**", true, false, -1},
    {"MME", "1", "No, the car is red.", true, true, -1},
    {"POPE", "0", "Yes.", true, true, -1},
    {"POPE", "1", "yes", false, false, -1},
    {"HallusionBench", "VD_chart_0_0_0", "Yes:", true, false, -1},
    /* OCRBench: a case-insensitive substring; HME100k keeps case and drops spaces */
    {"OCRBench", "0", "Othello", false, true, -1},
    {"OCRBench", "1", "$x^2$", true, true, -1},
    {"OCRBench", "2", "X^2", true, false, -1},
    /* TextVQA: 3 of 10 annotators say "dogs": leave-one-out average 0.9 */
    {"TextVQA_VAL", "0", "dogs", true, true, 0.9},
    {"TextVQA_VAL", "1", "Two.", true, true, 1.0},
    /* ChartQA: "45%" is no number to float(), "0" falls back to text */
    {"ChartQA_TEST", "0", "45", true, false, -1},
    {"ChartQA_TEST", "1", "0.0", true, false, -1},
    {"ChartQA_TEST", "2", "1.04e2", true, true, -1},
};
#define N_VERDICTS (int)(sizeof VERDICTS / sizeof VERDICTS[0])

static const struct verdict *verdict_of(const char *dataset, const char *id) {
    for (int i = 0; i < N_VERDICTS; i++)
        if (strcmp(VERDICTS[i].dataset, dataset) == 0 && strcmp(VERDICTS[i].id, id) == 0) return &VERDICTS[i];
    return NULL;
}

/* Import one dataset's file and score every case; returns the cases scored. */
static int score_dataset(const char *dir, const struct dataset *d) {
    char tsv[512], out[512], suite_path[600], err[1024] = "";
    snprintf(tsv, sizeof tsv, "%s/%s.tsv", dir, d->name);
    snprintf(out, sizeof out, "%s/out", dir);
    FILE *f = fopen(tsv, "w");
    assert_non_null(f);
    fputs(d->tsv, f);
    fclose(f);
    struct vlm_import_params p = vlm_import_default_params();
    struct vlm_import_summary sum;
    int rc = vlm_import_vlmevalkit(tsv, out, &p, &sum, err, sizeof err);
    if (rc != VLM_OK) fail_msg("%s: import: %s", d->name, err);
    assert_string_equal(sum.dataset, d->name);
    snprintf(suite_path, sizeof suite_path, "%s/%s.jsonl", out, d->name);
    vlm_suite *s = vlm_suite_load(suite_path, vlm_suite_default_params(), err, sizeof err);
    assert_non_null(s);
    int n = vlm_suite_n_cases(s);
    for (int i = 0; i < n; i++) {
        const vlm_case *c = vlm_suite_case(s, i);
        assert_null(c->error);
        const struct verdict *v = verdict_of(d->name, c->id);
        if (!v) fail_msg("%s: no reply for case %s", d->name, c->id);
        struct vlm_score sc;
        if (vlm_score_text(c->scorer, v->reply, c->expected[0], c->choices, c->n_choices, &sc, err, sizeof err))
            fail_msg("%s/%s: %s", d->name, c->id, err);
        if (sc.correct != v->own || !sc.has_ref || sc.ref_correct != v->ref)
            fail_msg("%s/%s (scorer %s): reply '%s': vlmeter %d (want %d), VLMEvalKit %d (want %d; %s)", d->name, c->id,
                     c->scorer, v->reply, sc.correct, v->own, sc.ref_correct, v->ref, sc.ref_detail);
        double want_score = v->ref_score >= 0 ? v->ref_score : v->ref;
        assert_true(fabs(sc.ref_score - want_score) < 1e-9);
    }
    vlm_suite_free(s);
    return n;
}

static void test_every_dataset(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    int n = 0;
    for (size_t i = 0; i < sizeof DATASETS / sizeof DATASETS[0]; i++) n += score_dataset(dir, &DATASETS[i]);
    assert_int_equal(n, N_VERDICTS); /* every row imported, every verdict checked */
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_dataset)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
