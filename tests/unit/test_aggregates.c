/*
 * test_aggregates.c - the report's benchmark figures (docs/report-schema.md):
 * the reference reading's accuracy beside vlmeter's, cases counted under each
 * of their categories, the aggregates over the cases' groups (MMBench circular
 * accuracy, MME acc+ and score with its perception and reasoning sums,
 * HallusionBench fAcc and qAcc) and the yes/no figures of both readings with
 * POPE's all-categories row. Verdicts are written straight into the scores
 * table, so these tests do not depend on any scorer; every expected figure is
 * worked out by hand below (the MME, POPE and HallusionBench examples are the
 * ones VLMEvalKit's MME_rating, POPE_rating and Hallusion_rating give 125,
 * F1 80 and 75/50/50 for, at commit e8e78f05).
 */
#include "testutil.h"

#include "report.h"
#include "store.h"

#include <jansson.h>
#include <math.h>

/* One single-turn case with its verdicts: vlmeter's (detail, correct) and the
 * reference's (ref_detail, ref_correct; has_ref false when ref_detail is NULL). */
struct row {
    const char *suite, *id, *category, *categories, *groups, *expected;
    const char *detail;
    bool correct;
    const char *ref_detail;
    bool ref_correct;
    const char *scorer;
};

static const struct row ROWS[] = {
    /* MMBench: circular groups 1 (cp), 2 (cp), 3 (lr). */
    {"mmb", "q1", "cp", NULL, "{\"circular\":\"1\"}", "\"A\"", "picked A", true, "picked A", true, "choice"},
    {"mmb", "q1b", "cp", NULL, "{\"circular\":\"1\"}", "\"B\"", "picked B", true, "picked B", true, "choice"},
    {"mmb", "q1c", "cp", NULL, "{\"circular\":\"1\"}", "\"C\"", "picked C", true, "unparsed", false, "choice"},
    {"mmb", "q2", "cp", NULL, "{\"circular\":\"2\"}", "\"A\"", "picked A", true, "picked A", true, "choice"},
    {"mmb", "q2b", "cp", NULL, "{\"circular\":\"2\"}", "\"B\"", "picked C", false, "picked B", true, "choice"},
    {"mmb", "q3", "lr", NULL, "{\"circular\":\"3\"}", "\"A\"", "unparsed", false, "picked A", true, "choice"},
    /* MME: color has images a (right, right) and b (right, wrong; the reference
     * reads b2 right); code_reasoning has image c (wrong, right). */
    {"mme", "a1", "color", NULL, "{\"image\":\"color/a.jpg\"}", "\"Yes\"", "yes", true, "yes", true, "yesno"},
    {"mme", "a2", "color", NULL, "{\"image\":\"color/a.jpg\"}", "\"No\"", "no", true, "no", true, "yesno"},
    {"mme", "b1", "color", NULL, "{\"image\":\"color/b.jpg\"}", "\"Yes\"", "yes", true, "yes", true, "yesno"},
    {"mme", "b2", "color", NULL, "{\"image\":\"color/b.jpg\"}", "\"No\"", "unparsed", false, "no", true, "yesno"},
    {"mme", "c1", "code_reasoning", NULL, "{\"image\":\"code_reasoning/c.png\"}", "\"Yes\"", "no", false, "no", false,
     "yesno"},
    {"mme", "c2", "code_reasoning", NULL, "{\"image\":\"code_reasoning/c.png\"}", "\"No\"", "no", true, "no", true,
     "yesno"},
    /* HallusionBench: no reference reading stored. */
    {"hb", "r1", "VD", NULL, "{\"figure\":\"chart_0_0\",\"question\":\"chart_0_0\"}", "\"Yes\"", "yes", true, NULL,
     false, "exact"},
    {"hb", "r2", "VD", NULL, "{\"figure\":\"chart_0_0\",\"question\":\"chart_0_1\"}", "\"Yes\"", "no", false, NULL,
     false, "exact"},
    {"hb", "r3", "VD", NULL, "{\"figure\":\"chart_0_1\",\"question\":\"chart_0_0\"}", "\"Yes\"", "yes", true, NULL,
     false, "exact"},
    {"hb", "r4", "VS", NULL, "{\"figure\":\"chart_0_1\",\"question\":\"chart_0_0\"}", "\"Yes\"", "yes", true, NULL,
     false, "exact"},
    /* POPE: p1 is in two categories; p2 reads "no" for vlmeter, "unknown" for
     * the reference; p3 answers no to a yes. */
    {"pope", "p1", "popular", "[\"popular\",\"random\"]", NULL, "\"Yes\"", "yes", true, "yes", true, "yesno"},
    {"pope", "p2", "random", NULL, NULL, "\"No\"", "no", true, "unknown", false, "yesno"},
    {"pope", "p3", "adversarial", NULL, NULL, "\"Yes\"", "no", false, "no", false, "yesno"},
};
#define N_ROWS (int)(sizeof ROWS / sizeof ROWS[0])

static json_t *report_of_rows(char **dir) {
    *dir = test_tmpdir();
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", *dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t m = 0;
    assert_int_equal(vlm_store_model(s, "m", "{}", &m, err, sizeof err), VLM_OK);
    for (int i = 0; i < N_ROWS; i++) {
        const struct row *w = &ROWS[i];
        const char *turns[] = {"q"}, *expected[] = {w->expected};
        vlm_case c = {.suite = w->suite,
                      .id = w->id,
                      .category = w->category,
                      .categories = w->categories,
                      .groups = w->groups,
                      .scorer = w->scorer,
                      .where = "x:1",
                      .n_turns = 1,
                      .turns = turns,
                      .expected = expected};
        struct vlm_turn_result r = {.turn = 0, .output = "reply"};
        assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
        struct vlm_score sc = {.correct = w->correct, .score = w->correct, .has_ref = w->ref_detail != NULL};
        snprintf(sc.detail, sizeof sc.detail, "%s", w->detail);
        if (sc.has_ref) {
            sc.ref_correct = w->ref_correct;
            sc.ref_score = w->ref_correct;
            snprintf(sc.ref_detail, sizeof sc.ref_detail, "%s", w->ref_detail);
        }
        assert_int_equal(store_grade_put_score(s, m, w->suite, w->id, 0, w->scorer, &sc), VLM_OK);
    }
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    assert_non_null(rep);
    vlm_store_close(s);
    return rep;
}

/* The element of array `name` whose fields match (category NULL: JSON null). */
static const json_t *find(const json_t *rep, const char *name, const char *suite, const char *category,
                          const char *metric) {
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(rep, name), i, e) {
        const json_t *cat = json_object_get(e, "category");
        if (suite && strcmp(json_string_value(json_object_get(e, "suite")), suite) != 0) continue;
        if (metric && strcmp(json_string_value(json_object_get(e, "metric")), metric) != 0) continue;
        if (category ? !json_is_string(cat) || strcmp(json_string_value(cat), category) != 0 : !json_is_null(cat))
            continue;
        return e;
    }
    fail_msg("no %s row for suite %s, category %s, metric %s", name, suite ? suite : "-", category ? category : "(all)",
             metric ? metric : "-");
    return NULL;
}

static double num(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* Circular accuracy: a group counts when all of its rotated copies are right. */
static void test_circular(void **state) {
    (void)state;
    char *dir;
    json_t *rep = report_of_rows(&dir);
    const char *metric = "circular accuracy";
    /* Groups 1 (all right), 2 (q2b wrong), 3 (wrong): 1/3. The reference:
     * 1 (q1c wrong), 2 (right), 3 (right): 2/3. */
    const json_t *all = find(rep, "aggregates", "mmb", NULL, metric);
    assert_int_equal(num(all, "n_groups"), 3);
    assert_near(num(all, "value"), 1.0 / 3);
    assert_near(num(all, "reference"), 2.0 / 3);
    const json_t *cp = find(rep, "aggregates", "mmb", "cp", metric);
    assert_int_equal(num(cp, "n_groups"), 2);
    assert_near(num(cp, "value"), 0.5);
    assert_near(num(cp, "reference"), 0.5);
    const json_t *lr = find(rep, "aggregates", "mmb", "lr", metric);
    assert_near(num(lr, "value"), 0);
    assert_near(num(lr, "reference"), 1);
    json_decref(rep);
    test_rmdir(dir);
}

/* MME: score = 100 (acc + acc+) per category; perception and reasoning sum
 * the scores of their categories. */
static void test_mme(void **state) {
    (void)state;
    char *dir;
    json_t *rep = report_of_rows(&dir);
    /* color: acc 3/4, acc+ 1/2 -> 125; the reference: all right -> 200. */
    const json_t *color = find(rep, "aggregates", "mme", "color", "MME score");
    assert_near(num(color, "value"), 125);
    assert_near(num(color, "reference"), 200);
    assert_near(num(find(rep, "aggregates", "mme", "color", "acc+ (every question of an image right)"), "value"), 0.5);
    /* code_reasoning: acc 1/2, acc+ 0 -> 50 in both readings. */
    const json_t *code = find(rep, "aggregates", "mme", "code_reasoning", "MME score");
    assert_near(num(code, "value"), 50);
    assert_near(num(code, "reference"), 50);
    const json_t *perc = find(rep, "aggregates", "mme", NULL, "MME perception (sum of categories)");
    assert_near(num(perc, "value"), 125);
    assert_near(num(perc, "reference"), 200);
    assert_int_equal(num(perc, "n_groups"), 1); /* one perception category present */
    const json_t *reas = find(rep, "aggregates", "mme", NULL, "MME reasoning (sum of categories)");
    assert_near(num(reas, "value"), 50);
    /* acc+ over every category: images a, b, c; right: a (vlmeter), a and b (reference). */
    const json_t *plus = find(rep, "aggregates", "mme", NULL, "acc+ (every question of an image right)");
    assert_near(num(plus, "value"), 1.0 / 3);
    assert_near(num(plus, "reference"), 2.0 / 3);
    json_decref(rep);
    test_rmdir(dir);
}

/* HallusionBench: fAcc and qAcc over the groups; no reference reading: null. */
static void test_hallusion(void **state) {
    (void)state;
    char *dir;
    json_t *rep = report_of_rows(&dir);
    /* figures chart_0_0 {r1, r2 wrong} and chart_0_1 {r3, r4}: 1/2; questions
     * chart_0_0 {r1, r3, r4} and chart_0_1 {r2 wrong}: 1/2. */
    const json_t *f = find(rep, "aggregates", "hb", NULL, "figure accuracy (fAcc)");
    assert_near(num(f, "value"), 0.5);
    assert_true(json_is_null(json_object_get(f, "reference")));
    assert_near(num(find(rep, "aggregates", "hb", NULL, "question accuracy (qAcc)"), "value"), 0.5);
    /* VD alone: figures {r1, r2} wrong, {r3} right: 1/2; VS: {r4}: 1. */
    assert_near(num(find(rep, "aggregates", "hb", "VD", "figure accuracy (fAcc)"), "value"), 0.5);
    assert_near(num(find(rep, "aggregates", "hb", "VS", "figure accuracy (fAcc)"), "value"), 1);
    json_decref(rep);
    test_rmdir(dir);
}

/* A case in two categories counts in each; the all row counts it twice. */
static void test_pope_yesno(void **state) {
    (void)state;
    char *dir;
    json_t *rep = report_of_rows(&dir);
    const json_t *random = find(rep, "yesno", NULL, "random", NULL);
    assert_int_equal(num(random, "n"), 2); /* p1 and p2 */
    assert_near(num(random, "accuracy"), 1);
    const json_t *ref = json_object_get(random, "reference");
    assert_near(num(ref, "accuracy"), 0.5); /* p2 read unknown: wrong */
    assert_near(num(ref, "f1"), 1);         /* tp 1, no false positive, no false negative */
    assert_int_equal(num(ref, "n_unparsed"), 1);
    const json_t *adv = find(rep, "yesno", NULL, "adversarial", NULL);
    assert_near(num(adv, "f1"), 0); /* no yes said: precision and recall 0 */
    /* The model's row over every category holds both yes/no suites: POPE's p1
     * twice (tp), p2 (tn), p3 (fn), and MME's a1 (tp), a2 (tn), b1 (tp), b2
     * (unparsed: a no that is no false positive), c1 (fn), c2 (tn). */
    const json_t *all = find(rep, "yesno", NULL, NULL, NULL);
    assert_int_equal(num(all, "n"), 10);
    /* vlmeter: tp = 2 (p1) + a1 + b1 = 4, fp 0, fn = p3 + c1 = 2. */
    assert_near(num(all, "precision"), 1);
    assert_near(num(all, "recall"), 4.0 / 6);
    assert_near(num(all, "f1"), 0.8);
    json_decref(rep);
    test_rmdir(dir);
}

/* The reference accuracy exists only where every turn has a reference reading. */
static void test_quality_reference(void **state) {
    (void)state;
    char *dir;
    json_t *rep = report_of_rows(&dir);
    const json_t *random = find(rep, "quality_reference", NULL, "random", NULL);
    assert_int_equal(num(random, "n"), 2);
    assert_near(num(random, "accuracy"), 0.5);
    const json_t *color = find(rep, "quality_reference", NULL, "color", NULL);
    assert_near(num(color, "accuracy"), 1);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(rep, "quality_reference"), i, e) {
        const char *cat = json_string_value(json_object_get(e, "category"));
        assert_true(strcmp(cat, "VD") != 0 && strcmp(cat, "VS") != 0); /* hb has no reference */
    }
    /* vlmeter's quality counts p1 under popular and random. */
    assert_int_equal(num(find(rep, "quality", NULL, "popular", NULL), "n"), 1);
    assert_int_equal(num(find(rep, "quality", NULL, "random", NULL), "n"), 2);
    /* The model has turns without a reference (hb): no overall reference figure. */
    const json_t *model = json_array_get(json_object_get(rep, "models"), 0);
    assert_true(json_is_null(json_object_get(json_object_get(model, "quality"), "reference")));
    /* A case's answer carries its reference reading. */
    json_array_foreach(json_object_get(rep, "cases"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "case")), "p2") != 0) continue;
        const json_t *r = json_object_get(json_object_get(json_object_get(e, "answers"), "m"), "reference");
        assert_string_equal(json_string_value(json_object_get(r, "detail")), "unknown");
        assert_true(json_is_false(json_object_get(r, "correct")));
    }
    json_decref(rep);
    test_rmdir(dir);
}

/* Credit: the score of the soft scorers (anls, vqa), else correct as 1 or 0;
 * `all` is not soft: 2 of 3 keywords found is credit 0 (docs/report-schema.md). */
static void test_credit_of_all_and_soft_scorers(void **state) {
    (void)state;
    char *dir = test_tmpdir(), path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t m = 0;
    assert_int_equal(vlm_store_model(s, "m", "{}", &m, err, sizeof err), VLM_OK);
    static const struct {
        const char *id, *scorer;
        double score;
        bool correct;
    } turns[] = {
        {"k", "all", 2.0 / 3, false}, {"d", "anls", 0.8, true}, {"v", "vqa", 0.3, false}, {"e", "exact", 1, true}};
    for (int i = 0; i < 4; i++) {
        const char *prompts[] = {"q"}, *expected[] = {"\"x\""};
        vlm_case c = {.suite = "s",
                      .id = turns[i].id,
                      .category = "c",
                      .scorer = turns[i].scorer,
                      .where = "x:1",
                      .n_turns = 1,
                      .turns = prompts,
                      .expected = expected};
        struct vlm_turn_result r = {.turn = 0, .output = "reply"};
        assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
        struct vlm_score sc = {.score = turns[i].score, .correct = turns[i].correct};
        assert_int_equal(store_grade_put_score(s, m, "s", turns[i].id, 0, turns[i].scorer, &sc), VLM_OK);
    }
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    assert_non_null(rep);
    /* 0 (all, 2 of 3) + 0.8 (anls) + 0.3 (vqa) + 1 (exact) = 2.1 over 4 */
    const json_t *q = find(rep, "quality", NULL, "c", NULL);
    assert_near(num(q, "credit"), 2.1);
    assert_near(num(q, "accuracy"), 2.1 / 4);
    json_decref(rep);
    vlm_store_close(s);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circular),          cmocka_unit_test(test_mme),
        cmocka_unit_test(test_hallusion),         cmocka_unit_test(test_pope_yesno),
        cmocka_unit_test(test_quality_reference), cmocka_unit_test(test_credit_of_all_and_soft_scorers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
