/*
 * test_decide.c - deciding early (lib/decide.c): the draw order is the
 * documented stratified interleave of cases ordered by seeded XXH64 within a
 * stratum; verdicts take in the done prefix of the draw only; a requirement
 * settles by the deterministic without-replacement bound at the latest; a case
 * not applicable fails its category; a turn's credit is the scorer's.
 */
#include "testutil.h"

#include "decide.h"

#include <math.h>
#include <xxhash.h>

/* n cases "sX<i>" of category cat (suite "s"); ids and prompts kept static. */
struct fixture {
    vlm_case c[64];
    char id[64][16];
    const char *turn[1];
    const char *expected[64][1];
    int n;
};

static void add_cases(struct fixture *f, const char *cat, const char *prefix, int n, const char *expected) {
    f->turn[0] = "What is it?";
    for (int i = 0; i < n; i++) {
        vlm_case *c = &f->c[f->n];
        snprintf(f->id[f->n], sizeof f->id[f->n], "%s%d", prefix, i + 1);
        f->expected[f->n][0] = expected;
        *c = (vlm_case){.suite = "s",
                        .id = f->id[f->n],
                        .category = cat,
                        .scorer = "",
                        .where = "t:1",
                        .n_turns = 1,
                        .turns = f->turn,
                        .expected = expected ? f->expected[f->n] : NULL};
        f->n++;
    }
}

static decider *make(struct fixture *f, const char *cat, double min, uint64_t seed) {
    const vlm_case *cases[64];
    for (int i = 0; i < f->n; i++) cases[i] = &f->c[i];
    struct vlm_requirements req;
    vlm_requirements_default(&req);
    if (cat) {
        snprintf(req.acc_cat[0], sizeof req.acc_cat[0], "%s", cat);
        req.acc_min[0] = min;
        req.n_acc = 1;
    }
    char err[512];
    return decide_new(cases, f->n, &req, 0.05, seed, NULL, 0, err, sizeof err);
}

/* Strata of 2 (A, first in the suite) and 4 (B): the next draw comes from the
 * stratum with the smallest taken/size, A on a tie: A B B A B B. */
static void test_strata_interleave_in_proportion(void **state) {
    (void)state;
    static struct fixture f;
    memset(&f, 0, sizeof f);
    add_cases(&f, "A", "a", 2, "\"x\"");
    add_cases(&f, "B", "b", 4, "\"x\"");
    decider *d = make(&f, "all", 0.5, 1);
    assert_non_null(d);
    assert_int_equal(decide_n(d), 6);
    char got[8] = "";
    for (int k = 0; k < 6; k++) got[k] = decide_case(d, k)->category[0];
    assert_string_equal(got, "ABBABB");
    decide_free(d);
}

static uint64_t key_of(const char *id, uint64_t seed) {
    char k[32];
    int n = snprintf(k, sizeof k, "s%c%s", 0, id);
    return XXH64(k, (size_t)n, seed);
}

/* Within a stratum the order is by XXH64("s\0id", seed), worked out here, and
 * does not depend on the suite's line order. */
static void test_order_within_a_stratum_is_the_seeded_hash(void **state) {
    (void)state;
    static struct fixture f, g;
    memset(&f, 0, sizeof f);
    add_cases(&f, "A", "a", 8, "\"x\"");
    memset(&g, 0, sizeof g); /* the same cases, lines reversed */
    for (int i = 7; i >= 0; i--) {
        char p[8];
        snprintf(p, sizeof p, "a%d", i + 1);
        add_cases(&g, "A", "z", 1, "\"x\"");
        snprintf(g.id[g.n - 1], sizeof g.id[g.n - 1], "%s", p);
    }
    for (uint64_t seed = 1; seed <= 3; seed++) {
        decider *d = make(&f, "A", 0.5, seed), *e = make(&g, "A", 0.5, seed);
        for (int k = 0; k < 8; k++) {
            assert_string_equal(decide_case(d, k)->id, decide_case(e, k)->id);
            if (k > 0) assert_true(key_of(decide_case(d, k - 1)->id, seed) < key_of(decide_case(d, k)->id, seed));
        }
        decide_free(d);
        decide_free(e);
    }
}

/* All right in a stratum of 10 against >= 0.5: after 5 draws the full 10's
 * accuracy is at least 5/10 whatever is left, so the verdict is met by then;
 * before any draw it is open. Draws count only as a prefix of the order. */
static void test_verdict_settles_by_the_deterministic_bound(void **state) {
    (void)state;
    static struct fixture f;
    memset(&f, 0, sizeof f);
    add_cases(&f, "A", "a", 10, "\"x\"");
    decider *d = make(&f, "A", 0.5, 9);
    assert_int_equal(decide_state(d), DECIDE_OPEN);
    decide_done(d, 1, 1.0); /* the second drawn case first: not taken in yet */
    assert_int_equal(decide_n_used(d), 0);
    decide_done(d, 0, 1.0);
    assert_int_equal(decide_n_used(d), 2);
    for (int k = 2; k < 5; k++) decide_done(d, k, 1.0);
    assert_int_equal(decide_n_used(d), 5);
    struct decide_verdict v;
    decide_verdict(d, 0, &v);
    assert_int_equal(v.verdict, 1);
    assert_true(v.lo >= 0.5 - 1e-9);
    assert_int_equal(decide_state(d), DECIDE_PASSED);
    /* all wrong against >= 0.5: at most (10 - t)/10, below 0.5 from t = 6 */
    decide_begin_model(d);
    for (int k = 0; k < 6; k++) decide_done(d, k, 0.0);
    decide_verdict(d, 0, &v);
    assert_int_equal(v.verdict, -1);
    assert_true(v.hi < 0.5);
    assert_int_equal(decide_state(d), DECIDE_FAILED);
    decide_free(d);
}

/* A case not applicable (no vision) fails the requirement on its category;
 * "all" over two strata combines two sequences. The next model starts
 * afresh: every case of it answered right settles "all >= 0.9" as met (with
 * all N in, each stratum's sequence is its exact mean, 1), which needs the
 * case the first model could not take to count again. */
static void test_not_applicable_fails_and_all_combines(void **state) {
    (void)state;
    static struct fixture f;
    memset(&f, 0, sizeof f);
    add_cases(&f, "A", "a", 3, "\"x\"");
    add_cases(&f, "B", "b", 3, "\"x\"");
    decider *d = make(&f, "all", 0.9, 2);
    struct decide_verdict v;
    decide_verdict(d, 0, &v);
    assert_int_equal(v.n_strata, 2);
    assert_int_equal(v.verdict, 0);
    decide_not_applicable(d, 0);
    decide_verdict(d, 0, &v);
    assert_int_equal(v.verdict, -1);
    assert_int_equal(decide_state(d), DECIDE_FAILED);
    decide_begin_model(d);
    for (int k = 0; k < 6; k++) decide_done(d, k, 1.0);
    assert_int_equal(decide_n_used(d), 6);
    assert_int_equal(decide_state(d), DECIDE_PASSED);
    decide_free(d);
}

/* A requirement no case can score is left out; with none left, refused. */
static void test_undecidable_requirements(void **state) {
    (void)state;
    static struct fixture f;
    memset(&f, 0, sizeof f);
    add_cases(&f, "A", "a", 3, NULL); /* no expected answers */
    add_cases(&f, "B", "b", 3, "\"x\"");
    const vlm_case *cases[6];
    for (int i = 0; i < 6; i++) cases[i] = &f.c[i];
    struct vlm_requirements req;
    vlm_requirements_default(&req);
    snprintf(req.acc_cat[0], sizeof req.acc_cat[0], "A");
    snprintf(req.acc_cat[1], sizeof req.acc_cat[1], "B");
    req.acc_min[0] = req.acc_min[1] = 0.5;
    req.n_acc = 2;
    char note[512], err[512];
    decider *d = decide_new(cases, 6, &req, 0.05, 1, note, sizeof note, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(decide_n_verdicts(d), 1);
    assert_non_null(strstr(note, "min_accuracy A"));
    assert_int_equal(decide_n_scored(d), 3);
    decide_free(d);
    req.n_acc = 1;
    assert_null(decide_new(cases, 6, &req, 0.05, 1, note, sizeof note, err, sizeof err));
    assert_non_null(strstr(err, "--decide needs"));
    assert_null(decide_new(cases, 6, &req, 1.5, 1, note, sizeof note, err, sizeof err));
}

/* A turn's credit as `vlmeter score` gives it. */
static void test_turn_credit(void **state) {
    (void)state;
    const char *turns[] = {"q"}, *exp_red[] = {"\"red\""}, *exp_none[] = {NULL}, *exp_anls[] = {"\"abcd\""};
    vlm_case c = {
        .suite = "s", .id = "c", .category = "", .scorer = "", .n_turns = 1, .turns = turns, .expected = exp_red};
    double cr = -1;
    assert_true(decide_turn_credit(&c, 0, "Red.", NULL, false, &cr)); /* exact, normalised */
    assert_true(cr == 1.0);
    assert_true(decide_turn_credit(&c, 0, "blue", NULL, false, &cr));
    assert_true(cr == 0.0);
    cr = -1;
    assert_true(decide_turn_credit(&c, 0, "red", "timeout", false, &cr)); /* failed: wrong */
    assert_true(cr == 0.0);
    cr = -1;
    assert_true(decide_turn_credit(&c, 0, "red", NULL, true, &cr)); /* reasoning never closed: wrong */
    assert_true(cr == 0.0);
    c.scorer = "judge";
    assert_false(decide_turn_credit(&c, 0, "red", NULL, false, &cr));
    assert_false(decide_case_scorable(&c));
    c.scorer = "";
    c.expected = exp_none;
    assert_false(decide_turn_credit(&c, 0, "red", NULL, false, &cr));
    /* anls: 1 - edit distance / longer length = 1 - 1/4 */
    c.scorer = "anls";
    c.expected = exp_anls;
    assert_true(decide_turn_credit(&c, 0, "abce", NULL, false, &cr));
    assert_true(fabs(cr - 0.75) < 1e-9);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strata_interleave_in_proportion),
        cmocka_unit_test(test_order_within_a_stratum_is_the_seeded_hash),
        cmocka_unit_test(test_verdict_settles_by_the_deterministic_bound),
        cmocka_unit_test(test_not_applicable_fails_and_all_combines),
        cmocka_unit_test(test_undecidable_requirements),
        cmocka_unit_test(test_turn_credit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
