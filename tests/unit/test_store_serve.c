/*
 * test_store_serve.c - the review page's queries (lib/store_serve.c,
 * docs/serve.md "Filters"): each filter of /cases on a hand-made store whose
 * expected lists are worked out below, the human verdict counted before the
 * scorer's, the review summary, the blind pair's choice; and the pages'
 * escapes (lib/serve_pages.c).
 */
#include "testutil.h"

#include "serve_pages.h"
#include "store.h"
#include "store_review.h"
#include "store_impl.h"
#include "store_serve.h"
#include "util.h"

#include <math.h>
#include <sqlite3.h>

/* Two models, m1 and m2, answer these one-turn cases of suite "s". r: the
 * scorer's score (-1: no score row; 2: unparsed, score 0); err: an error. */
static const struct row {
    const char *id, *category, *categories, *scorer;
    const char *out1, *out2;
    double r1, r2;
    bool err2;
} ROWS[] = {
    // clang-format off
    /* {id, category, categories, scorer, m1 output, m2 output, r1, r2, m2 errs} */
    {"agree", "colors", NULL, "exact", "red", "red", 1, 1, false},       /* both right */
    {"split", "colors", NULL, "exact", "red", "blue", 1, 0, false},      /* fail, disagree */
    {"half", "ocr", NULL, "anls", "abc", "abd", 0.5, 0.5, false},        /* credit 0.5: fail; both correct */
    {"human", "ocr", NULL, "exact", "x", "y", 0, 1, false},              /* m1 wrong, then a verdict "right" */
    {"same", "caption", NULL, "judge", " The Cat", "the cat ", -1, -1, false}, /* unscored, same text */
    {"differ", "caption", NULL, "", "a cat", "a Zebra", -1, -1, false}, /* unscored, differ */
    {"broken", "charts", NULL, "exact", "1", NULL, 1, -1, true},        /* m2 failed */
    {"garbled", "charts", "[\"charts\",\"tables\"]", "choice", "?", "?", 2, 2, false}, /* unparsed, both */
    /* Caption scorers are no accuracy: their rows count as unscored. */
    {"bleu-cap", "caption", NULL, "bleu", "a red bus", "A red bus", 0.6, 0.2, false}, /* m2 below 0.5 */
    {"cider-cap", "caption", NULL, "cider", "two dogs", "two dogs", 0.9, 0.1, false}, /* + a verdict on m2 */
    // clang-format on
};
#define N_ROWS (int)(sizeof ROWS / sizeof ROWS[0])

static void put(vlm_store *s, int64_t m, const struct row *w, const char *out, double r, bool err) {
    const char *turns[] = {"Question?"}, *expected[] = {"\"red\""}, *images[] = {"/i/a.png"};
    vlm_case c = {.suite = "s",
                  .id = w->id,
                  .category = w->category,
                  .categories = w->categories,
                  .scorer = w->scorer,
                  .where = "x:1",
                  .n_images = 1,
                  .images = images,
                  .n_turns = 1,
                  .turns = turns,
                  .expected = expected};
    struct vlm_turn_result t = {.turn = 0, .output = err ? NULL : out, .error = err ? "decode failed" : NULL};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &t, true), VLM_OK);
    if (r < 0) return;
    struct vlm_score sc = {.score = r > 1 ? 0 : r, .correct = r >= 0.5 && r <= 1, .unparsed = r > 1};
    assert_int_equal(store_grade_put_score(s, m, "s", w->id, 0, w->scorer, &sc), VLM_OK);
}

static char *g_dir;

static vlm_store *make_store(void) {
    g_dir = test_tmpdir();
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/s.db", g_dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t m1, m2;
    assert_int_equal(vlm_store_model(s, "m1", "{}", &m1, err, sizeof err), VLM_OK);
    assert_int_equal(vlm_store_model(s, "m2", "{}", &m2, err, sizeof err), VLM_OK);
    for (int i = 0; i < N_ROWS; i++) {
        put(s, m1, &ROWS[i], ROWS[i].out1, ROWS[i].r1, false);
        put(s, m2, &ROWS[i], ROWS[i].out2, ROWS[i].r2, ROWS[i].err2);
    }
    /* On "human", m1's scorer said wrong; a reviewer said wrong, then right:
     * the latest (right, credit 1) counts, so both models are right there. */
    struct store_verdict v = {"m1", "s", "human", 0, "wrong", 0, NULL, "ann"};
    assert_int_equal(store_verdict_put(s, &v, err, sizeof err), VLM_OK);
    v.verdict = "right";
    assert_int_equal(store_verdict_put(s, &v, err, sizeof err), VLM_OK);
    /* On "cider-cap" a reviewer said m2 is wrong: a human credit of 0. */
    struct store_verdict w = {"m2", "s", "cider-cap", 0, "wrong", 0, NULL, "ann"};
    assert_int_equal(store_verdict_put(s, &w, err, sizeof err), VLM_OK);
    return s;
}

static void done(vlm_store *s) {
    vlm_store_close(s);
    test_rmdir(g_dir);
}

/* The listed case ids, joined by spaces, in the list's order (suite, id). */
struct ids {
    char text[512];
};
#define ALL_IDS "agree bleu-cap broken cider-cap differ garbled half human same split"
static void add_id(const struct ss_case *c, void *user) {
    struct ids *l = user;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s%s", n ? " " : "", c->case_id);
}
static const char *list(vlm_store *s, struct ss_filter f, struct ids *l) {
    l->text[0] = '\0';
    assert_int_equal(store_serve_cases(s, &f, add_id, l), VLM_OK);
    return l->text;
}

static void test_filters(void **state) {
    (void)state;
    vlm_store *s = make_store();
    struct ids l;
    /* No filter: every case, ordered by id. */
    assert_string_equal(list(s, (struct ss_filter){0}, &l), ALL_IDS);
    /* fail: credit < 1 somewhere or an error. agree (1,1) no; split (1,0) yes;
     * half (0.5) yes; human (verdict 1, 1) no, though m1's scorer said 0;
     * same/differ: no score, no credit, no; broken: m2's error, yes;
     * garbled: unparsed, score 0, yes; bleu-cap: bleu counts as unscored, so
     * m2's 0.2 is no failure, no; cider-cap: m2's human verdict (credit 0),
     * yes. */
    assert_string_equal(list(s, (struct ss_filter){.fail = true}, &l), "broken cider-cap garbled half split");
    /* disagree: split (right vs wrong) yes; half (both correct) no; human
     * (both right, the verdict first) no; same (" The Cat" vs "the cat "
     * equal once trimmed and lower-cased) no; differ ("a cat" vs "a zebra")
     * yes; broken: m1 scored 1, m2 has no score row: one value, no;
     * garbled: both not correct, no; bleu-cap: unscored (bleu), so the
     * outputs: "a red bus" and "A red bus" equal once lower-cased, no (by the
     * scores, 0.6 vs 0.2, they would differ); cider-cap: m1 unscored, m2
     * wrong by its verdict: one value, no. */
    assert_string_equal(list(s, (struct ss_filter){.disagree = true}, &l), "differ split");
    assert_string_equal(list(s, (struct ss_filter){.errors = true}, &l), "broken");
    assert_string_equal(list(s, (struct ss_filter){.unparsed = true}, &l), "garbled");
    /* category: the case's category or any of its categories. */
    assert_string_equal(list(s, (struct ss_filter){.category = "tables"}, &l), "garbled");
    assert_string_equal(list(s, (struct ss_filter){.category = "charts"}, &l), "broken garbled");
    assert_string_equal(list(s, (struct ss_filter){.category = "nope"}, &l), "");
    /* q: case-insensitive substring of the id, prompt, expected or an output. */
    assert_string_equal(list(s, (struct ss_filter){.q = "zEBRA"}, &l), "differ");
    assert_string_equal(list(s, (struct ss_filter){.q = "HUM"}, &l), "human");
    assert_string_equal(list(s, (struct ss_filter){.q = "question"}, &l), ALL_IDS);
    /* Filters AND together: failures that also disagree. */
    assert_string_equal(list(s, (struct ss_filter){.fail = true, .disagree = true}, &l), "split");
    assert_string_equal(list(s, (struct ss_filter){.fail = true, .category = "ocr"}, &l), "half");
    done(s);
}

/* One case's answers: the latest human verdict beside the scorer's row. */
struct seen {
    int n;
    char model[2][8];
    const char *h_verdict[2];
    double h_score[2];
    bool correct[2];
};
static void seen_answer(const struct ss_answer *a, void *user) {
    struct seen *z = user;
    if (z->n == 2) return;
    snprintf(z->model[z->n], sizeof z->model[0], "%s", a->model);
    z->h_verdict[z->n] = a->h_verdict ? (strcmp(a->h_verdict, "right") == 0 ? "right" : "other") : NULL;
    z->h_score[z->n] = a->h_score;
    z->correct[z->n] = a->correct;
    z->n++;
}

static void test_answers_and_review(void **state) {
    (void)state;
    vlm_store *s = make_store();
    struct seen z = {0};
    int n;
    assert_int_equal(store_serve_answers(s, "s", "human", seen_answer, &z, &n), VLM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(z.model[0], "m1");
    assert_false(z.correct[0]);                   /* the scorer's row is unchanged */
    assert_string_equal(z.h_verdict[0], "right"); /* the latest of wrong, right */
    assert_true(z.h_score[0] == 1);
    assert_null(z.h_verdict[1]);
    struct ss_review rv;
    assert_int_equal(store_serve_review(s, &rv), VLM_OK);
    /* 2 rows on human's m1 and 1 on cider-cap's m2: 3 rows on 2 answers; no
     * vote; one reviewer. */
    assert_int_equal(rv.n_verdicts, 3);
    assert_int_equal(rv.n_reviewed, 2);
    assert_int_equal(rv.n_votes, 0);
    assert_int_equal(rv.n_reviewers, 1);
    done(s);
}

struct pick {
    char id[16], a[8], b[8];
};
static void picked(const struct ss_pair *p, void *user) {
    struct pick *k = user;
    snprintf(k->id, sizeof k->id, "%s", p->case_id);
    snprintf(k->a, sizeof k->a, "%s", p->model_a);
    snprintf(k->b, sizeof k->b, "%s", p->model_b);
}

static void test_pair(void **state) {
    (void)state;
    vlm_store *s = make_store();
    char err[256];
    struct pick k;
    bool found;
    /* Without a category: cases without an exact truth (scorer judge, bleu
     * or cider) that both answered without an error: "same", "bleu-cap",
     * "cider-cap". Not "differ": an empty scorer is `exact`. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(store_serve_pair(s, NULL, "bob", picked, &k, &found), VLM_OK);
        assert_true(found);
        assert_true(!strcmp(k.id, "same") || !strcmp(k.id, "bleu-cap") || !strcmp(k.id, "cider-cap"));
        assert_string_equal(k.a, "m1");
        assert_string_equal(k.b, "m2");
    }
    /* bob voted on "same" and "bleu-cap": "cider-cap" comes first from now
     * on, every time. */
    assert_int_equal(store_preference_put(s, "s", "same", 0, "m2", "m1", "tie", "bob", err, sizeof err), VLM_OK);
    assert_int_equal(store_preference_put(s, "s", "bleu-cap", 0, "m1", "m2", "left", "bob", err, sizeof err), VLM_OK);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(store_serve_pair(s, NULL, "bob", picked, &k, &found), VLM_OK);
        assert_string_equal(k.id, "cider-cap");
    }
    /* Voted on all three: were any other case in the pool ("differ", say),
     * it would come first; none is, so a voted one comes again. */
    assert_int_equal(store_preference_put(s, "s", "cider-cap", 0, "m1", "m2", "tie", "bob", err, sizeof err), VLM_OK);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(store_serve_pair(s, NULL, "bob", picked, &k, &found), VLM_OK);
        assert_true(!strcmp(k.id, "same") || !strcmp(k.id, "bleu-cap") || !strcmp(k.id, "cider-cap"));
    }
    /* A category takes any case of it, but not one where a model failed:
     * charts holds "broken" (m2 errored) and "garbled". */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(store_serve_pair(s, "charts", NULL, picked, &k, &found), VLM_OK);
        assert_string_equal(k.id, "garbled");
    }
    assert_int_equal(store_serve_pair(s, "nope", NULL, picked, &k, &found), VLM_OK);
    assert_false(found);
    done(s);
}

/* A case stored without any answer (m2 has no vision: status na, its turns
 * deleted; vlm_store_put_case_na) is listed, and has its page naming the
 * model, the status and the reason. A case stored nowhere is not found. */
static void test_case_error_page(void **state) {
    (void)state;
    vlm_store *s = make_store();
    char err[256];
    int64_t m2;
    assert_int_equal(vlm_store_model(s, "m2", "{}", &m2, err, sizeof err), VLM_OK);
    const char *turns[] = {"Question?"}, *expected[] = {"\"red\""};
    vlm_case c = {.suite = "s",
                  .id = "blind",
                  .scorer = "exact",
                  .where = "x:9",
                  .n_turns = 1,
                  .turns = turns,
                  .expected = expected};
    assert_int_equal(vlm_store_put_case_na(s, m2, 1, &c, "no vision: <m2> has no mmproj"), VLM_OK);
    struct ids l;
    assert_string_equal(list(s, (struct ss_filter){.q = "blind"}, &l), "blind");
    /* It has no category: the filter "" (the option "(none)") finds it alone;
     * NULL is no filter. */
    assert_string_equal(list(s, (struct ss_filter){.category = ""}, &l), "blind");
    assert_string_equal(list(s, (struct ss_filter){.category = NULL, .q = "blind"}, &l), "blind");
    char *page = NULL;
    size_t np = 0;
    FILE *pf = open_memstream(&page, &np);
    assert_int_equal(serve_page_cases(pf, s, &(struct ss_filter){.category = ""}), VLM_OK);
    fclose(pf);
    /* The option of the cases without a category has a value of its own
     * (an empty value would read as "any category") and is kept selected. */
    assert_non_null(strstr(page, "<option value=\"(none)\" selected>(none)</option>"));
    assert_non_null(strstr(page, "<option value=\"\">any category</option>"));
    assert_non_null(strstr(page, "<p id=\"count\">1 case</p>"));
    free(page);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    bool found = false;
    assert_int_equal(serve_page_case(f, s, "s", "blind", "ann", &found), VLM_OK);
    fclose(f);
    assert_true(found);
    assert_non_null(
        strstr(buf, "<p class=\"case-status\" data-model=\"m2\">m2: na: no vision: &lt;m2&gt; has no mmproj</p>"));
    free(buf);
    /* A case with answers and all done rows shows no status line. */
    f = open_memstream(&buf, &n);
    assert_int_equal(serve_page_case(f, s, "s", "agree", "ann", &found), VLM_OK);
    fclose(f);
    assert_true(found);
    assert_null(strstr(buf, "case-status"));
    free(buf);
    f = open_memstream(&buf, &n);
    assert_int_equal(serve_page_case(f, s, "s", "nowhere", "ann", &found), VLM_OK);
    fclose(f);
    assert_false(found);
    free(buf);
    done(s);
}

/* The filters' cost grows with the store, not with its square: counted in
 * SQLite's virtual-machine steps (sqlite3_progress_handler, every 100 steps;
 * deterministic, no clock), for n and 4n cases of two one-turn answers each.
 * A linear query takes about 4 times the steps (4.0 here; a sort adds a log
 * factor: under 6); one that scans every answer per case takes n times more
 * per case (10.6 with the correlated EXISTS these filters once were). */
static int count_steps(void *user) {
    (*(long *)user)++;
    return 0;
}
static void nothing(const struct ss_case *c, void *user) { (void)c, (void)user; }

static long steps(int n_cases, struct ss_filter f) {
    char *dir = test_tmpdir(), path[512], err[512], id[16];
    snprintf(path, sizeof path, "%s/big.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t m1, m2;
    assert_int_equal(vlm_store_model(s, "m1", "{}", &m1, err, sizeof err), VLM_OK);
    assert_int_equal(vlm_store_model(s, "m2", "{}", &m2, err, sizeof err), VLM_OK);
    for (int i = 0; i < n_cases; i++) {
        snprintf(id, sizeof id, "c%04d", i);
        struct row w = {id, "x", NULL, "exact", "a", "b", 1, 0, false};
        put(s, m1, &w, w.out1, w.r1, false);
        put(s, m2, &w, w.out2, w.r2, false);
    }
    long n = 0;
    sqlite3_progress_handler(s->db, 100, count_steps, &n);
    assert_int_equal(store_serve_cases(s, &f, nothing, NULL), VLM_OK);
    sqlite3_progress_handler(s->db, 0, NULL, NULL);
    vlm_store_close(s);
    test_rmdir(dir);
    return n;
}

static void test_filters_scale(void **state) {
    (void)state;
    const struct ss_filter filters[] = {{.fail = true}, {.disagree = true}, {.errors = true}, {.unparsed = true}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        long small = steps(60, filters[i]), big = steps(240, filters[i]);
        print_message("filter %zu: %ld, %ld (x100 steps)\n", i, small, big);
        assert_true(small > 0);
        assert_true(big < 6 * small);
    }
}

/* The escapes every page relies on. */
static char *render(void (*fn)(FILE *, const char *), const char *s) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    fn(f, s);
    fclose(f);
    return buf;
}
static void esc_plain(FILE *f, const char *s) { serve_esc(f, s); }
static void url_path(FILE *f, const char *s) { serve_url_esc(f, s, true); }
static void url_arg(FILE *f, const char *s) { serve_url_esc(f, s, false); }
static void answer_id(FILE *f, const char *s) { serve_answer_id(f, s, 3); }

static void test_escapes(void **state) {
    (void)state;
    char *t = render(esc_plain, "<script>a&b</script>\"'\x01\xff ok\n");
    assert_string_equal(t, "&lt;script&gt;a&amp;b&lt;/script&gt;&quot;&#39;\xEF\xBF\xBD\xEF\xBF\xBD ok\n");
    free(t);
    t = render(url_path, "tmp/a b/c&d?.png");
    assert_string_equal(t, "tmp/a%20b/c%26d%3F.png");
    free(t);
    t = render(url_arg, "a/b=c");
    assert_string_equal(t, "a%2Fb%3Dc");
    free(t);
    t = render(answer_id, "qwen3-vl 8b/q4.k");
    assert_string_equal(t, "a-qwen3-vl_8b_q4_k-3");
    free(t);
    assert_true(util_utf8_valid("caf\xC3\xA9", 5));
    assert_false(util_utf8_valid("ok\xFF", 3));
    assert_false(util_utf8_valid("\xC3\x28", 2));
    assert_false(util_utf8_valid("a\0b", 3)); /* a NUL inside */
    assert_true(util_utf8_valid("", 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),       cmocka_unit_test(test_answers_and_review), cmocka_unit_test(test_pair),
        cmocka_unit_test(test_filters_scale), cmocka_unit_test(test_case_error_page),    cmocka_unit_test(test_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
