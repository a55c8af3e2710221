/*
 * test_compare.c - `vlmeter compare` (lib/compare.c, docs/compare.md) on stores
 * built here: the paired figures per category and overall (accuracy, the
 * difference with its interval, b, c, exact McNemar p), the cases left out,
 * the gate (a significant drop fails; noise passes; a drop within --max-drop
 * passes; e2e p95 against --max-slower), speed ratios equal to the report's,
 * absent figures null, and the errors. Every expected value is worked out by
 * hand in the comments.
 */
#include "testutil.h"

#include "jpath.h"
#include "report.h"
#include "store.h"

#include <jansson.h>
#include <math.h>
#include <unistd.h>

/* One scored one-turn case of model m: its score under `scorer`, its e2e time. */
static void put_scored(vlm_store *s, int64_t m, const char *id, const char *cat, const char *scorer,
                       struct vlm_score sc, double e2e_ms) {
    const char *turns[] = {"<image>What?"}, *expected[] = {"\"a\""}, *images[] = {"/i/a.png"};
    vlm_case c = {.suite = "s",
                  .id = id,
                  .category = cat,
                  .scorer = scorer,
                  .where = "x:1",
                  .n_images = 1,
                  .images = images,
                  .n_turns = 1,
                  .turns = turns,
                  .expected = expected};
    struct vlm_turn_result r = {.turn = 0, .output = sc.correct ? "a" : "b"};
    r.t = (struct vlm_turn_timings){.ttft_ms = e2e_ms / 2, .e2e_ms = e2e_ms};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
    assert_int_equal(store_grade_put_score(s, m, "s", id, 0, scorer, &sc), VLM_OK);
}

/* The same scored `exact`: right or wrong. */
static void put(vlm_store *s, int64_t m, const char *id, const char *cat, bool right, double e2e_ms) {
    put_scored(s, m, id, cat, "exact", (struct vlm_score){.score = right, .correct = right}, e2e_ms);
}

static int64_t model(vlm_store *s, const char *name) {
    char err[256];
    int64_t m = 0;
    assert_int_equal(vlm_store_model(s, name, "{\"temp\":0}", &m, err, sizeof err), VLM_OK);
    return m;
}

/* Store "one.db": models base, new and noisy.
 * ocr, o0..o29 (shared): base right on o0..o26 (27/30 = 90%, wrong o27..o29);
 *   new wrong on o0..o11 (b = 12), right on o12..o26 and on o27 (c = 1): 16/30;
 *   noisy as base. o30: base only (wrong), left out.
 * chart, c0..c9 (shared): base right on c0..c5 (6/10); new and noisy right on
 *   c2..c6 (5/10): wrong on c0, c1 (b = 2), right on c6 (c = 1). c10: new and
 *   noisy only (right), left out. */
static void make_one(const char *path) {
    char err[256];
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t base = model(s, "base"), nw = model(s, "new"), noisy = model(s, "noisy");
    char id[16];
    for (int i = 0; i <= 30; i++) {
        snprintf(id, sizeof id, "o%d", i);
        bool b = i <= 26;
        put(s, base, id, "ocr", b, 100);
        if (i == 30) continue;
        put(s, nw, id, "ocr", (i >= 12 && i <= 26) || i == 27, 100);
        put(s, noisy, id, "ocr", b, 100);
    }
    for (int i = 0; i <= 10; i++) {
        snprintf(id, sizeof id, "c%d", i);
        if (i < 10) put(s, base, id, "chart", i <= 5, 100);
        put(s, nw, id, "chart", i >= 2 && i <= 6, 100);
        put(s, noisy, id, "chart", i >= 2 && i <= 6, 100);
    }
    vlm_store_close(s);
}

/* Stores "a.db" and "b.db", each with one model "m" on 40 "count" cases.
 * a: right on all 40; b: wrong on k0..k9 (b = 10, c = 0): 100 * (30 - 40) / 40
 * = -25 points exactly. e2e times, sorted, of a: 36 x 500, 700, 1000, 3000,
 * 5000; of b: 36 x 500, 800, 1100, 6000, 9000. Nearest rank (docs/metrics.md):
 * p95 is value ceil(0.95 * 40) = 38: 1000 and 1100 (+10%); p50 is value 20:
 * 500 and 500; p99 (value 40) would be +80%, p90 (value 36) 0%.
 * a's model has a load (1234 ms, RSS 2 MiB); b's has none. */
static void make_pair(const char *a_path, const char *b_path) {
    static const double tail[2][4] = {{700, 1000, 3000, 5000}, {800, 1100, 6000, 9000}};
    char err[256], id[16];
    for (int k = 0; k < 2; k++) {
        vlm_store *s = vlm_store_open(k ? b_path : a_path, err, sizeof err);
        assert_non_null(s);
        int64_t m = model(s, "m");
        for (int i = 0; i < 40; i++) {
            snprintf(id, sizeof id, "k%02d", i);
            double e2e = i < 36 ? 500 : tail[k][i - 36];
            put(s, m, id, "count", k == 0 || i >= 10, e2e);
        }
        if (k == 0) {
            struct vlm_model_info info = {.load_ms = 1234, .arch = "llama", .backend = "CPU"};
            assert_int_equal(vlm_store_model_load(s, m, 1, &info, NULL, 2 * 1024 * 1024), VLM_OK);
        }
        vlm_store_close(s);
    }
}

/* Run vlm_compare into a string; *rc its result, *regressed its verdict. */
static char *run(const char *base, const char *nw, const struct vlm_compare_params *p, int *rc, bool *regressed,
                 char *err, size_t err_len) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *rc = vlm_compare(base, nw, p, out, regressed, err, err_len);
    fclose(out);
    return buf;
}

/* The comparison as JSON; asserts it succeeded with the verdict `want_fail`. */
static json_t *compare_json(const char *base, const char *nw, struct vlm_compare_params p, bool want_fail) {
    char err[1024] = "";
    int rc;
    bool regressed;
    p.format = VLM_REPORT_JSON;
    char *text = run(base, nw, &p, &rc, &regressed, err, sizeof err);
    if (rc != VLM_OK) fail_msg("compare failed: %s", err);
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(doc);
    assert_int_equal(regressed, want_fail);
    assert_string_equal(json_string_value(json_object_get(doc, "verdict")), want_fail ? "fail" : "pass");
    return doc;
}

/* The quality row of `category` (NULL: overall). */
static const json_t *row(const json_t *doc, const char *category) {
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(doc, "quality"), i, r) {
        const json_t *c = json_object_get(r, "category");
        if (category ? json_is_string(c) && strcmp(json_string_value(c), category) == 0 : json_is_null(c)) return r;
    }
    fail_msg("no quality row for %s", category ? category : "overall");
    return NULL;
}

static double num(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) fail_msg("%s is not a number", key);
    return json_number_value(v);
}

static int integer(const json_t *o, const char *key) { return (int)json_integer_value(json_object_get(o, key)); }

static void path_in(char *buf, size_t n, const char *dir, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

/* The significant drop: new against base. */
static void test_significant_drop(void **state) {
    (void)state;
    char *dir = test_tmpdir(), db[512];
    path_in(db, sizeof db, dir, "one.db");
    make_one(db);
    struct vlm_compare_params p = vlm_compare_default_params();
    p.db_path = db;
    json_t *doc = compare_json("base", "new", p, true);

    /* ocr: 30 shared, o30 left out (base only). b = 12, c = 1:
     * p = 2 * (C(13,0) + C(13,1)) / 2^13 = 2 * 14 / 8192 = 0.00341796875.
     * base 27/30 = 0.9, new 16/30; diff = 100 * (16 - 27) / 30 = -36.667.
     * Interval (Agresti-Min, stats.c): centre (1 - 12) / 32 = -0.34375;
     * var = (12 + 1 + 1) - 11^2 / 32 = 10.21875; half = 1.959964 * sqrt(10.21875)
     * / 32 = 0.195793; [-53.954, -14.796] points. */
    const json_t *ocr = row(doc, "ocr");
    assert_int_equal(integer(ocr, "n_shared"), 30);
    assert_int_equal(integer(ocr, "n_base_only"), 1);
    assert_int_equal(integer(ocr, "n_new_only"), 0);
    assert_int_equal(integer(ocr, "b"), 12);
    assert_int_equal(integer(ocr, "c"), 1);
    assert_true(fabs(num(ocr, "p_value") - 0.00341796875) < 1e-9);
    assert_true(fabs(num(ocr, "base_accuracy") - 0.9) < 1e-9);
    assert_true(fabs(num(ocr, "new_accuracy") - 16.0 / 30) < 1e-9);
    assert_true(fabs(num(ocr, "diff_points") - -36.6666667) < 1e-6);
    assert_true(fabs(num(ocr, "ci_low_points") - -53.954) < 1e-3);
    assert_true(fabs(num(ocr, "ci_high_points") - -14.796) < 1e-3);
    assert_true(json_is_true(json_object_get(ocr, "regressed")));

    /* chart: 10 shared, c10 new only; b = 2, c = 1: p = 2 * (1 + 3) / 8 = 1;
     * 6/10 against 5/10: -10 points, not significant. */
    const json_t *chart = row(doc, "chart");
    assert_int_equal(integer(chart, "n_shared"), 10);
    assert_int_equal(integer(chart, "n_base_only"), 0);
    assert_int_equal(integer(chart, "n_new_only"), 1);
    assert_int_equal(integer(chart, "b"), 2);
    assert_int_equal(integer(chart, "c"), 1);
    assert_true(fabs(num(chart, "p_value") - 1.0) < 1e-9);
    assert_true(fabs(num(chart, "diff_points") - -10.0) < 1e-9);
    assert_false(json_is_true(json_object_get(chart, "regressed")));

    /* overall: 40 shared, 1 + 1 left out; b = 14, c = 2: p = 2 * (C(16,0) +
     * C(16,1) + C(16,2)) / 2^16 = 2 * 137 / 65536 = 0.004180908; 33/40 against
     * 21/40: -30 points. */
    const json_t *all = row(doc, NULL);
    assert_int_equal(integer(all, "n_shared"), 40);
    assert_int_equal(integer(all, "n_base_only"), 1);
    assert_int_equal(integer(all, "n_new_only"), 1);
    assert_int_equal(integer(all, "b"), 14);
    assert_int_equal(integer(all, "c"), 2);
    assert_true(fabs(num(all, "p_value") - 0.004180908203125) < 1e-9);
    assert_true(fabs(num(all, "diff_points") - -30.0) < 1e-9);
    assert_true(json_is_true(json_object_get(all, "regressed")));
    assert_int_equal(json_array_size(json_object_get(doc, "reasons")), 2);

    /* Holm over the family of the three rows: p sorted 0.00341797 (ocr),
     * 0.00418091 (overall), 1 (chart); adjusted: 3 x 0.00341797 = 0.01025391;
     * max(0.01025391, 2 x 0.00418091 = 0.00836182) = 0.01025391; max(.., 1 x 1) = 1. */
    assert_true(fabs(num(ocr, "p_holm") - 3 * 0.00341796875) < 1e-9);
    assert_true(fabs(num(all, "p_holm") - 3 * 0.00341796875) < 1e-9);
    assert_true(fabs(num(chart, "p_holm") - 1.0) < 1e-9);
    json_decref(doc);

    /* At alpha 0.01 the adjusted p (0.01025) is not significant, the raw ones
     * (0.0034, 0.0042) are: the family passes, each row alone fails. */
    p.alpha = 0.01;
    json_decref(compare_json("base", "new", p, false));
    p.no_adjust = true;
    json_decref(compare_json("base", "new", p, true));
    p.alpha = 0.05;
    p.no_adjust = false;

    /* The Markdown's first line is the verdict, naming the category, the drop and p. */
    char err[512] = "";
    int rc;
    bool regressed;
    p.format = VLM_REPORT_MD;
    char *md = run("base", "new", &p, &rc, &regressed, err, sizeof err);
    assert_int_equal(rc, VLM_OK);
    assert_true(regressed);
    const char *first = "**FAIL**: new vs base: overall dropped 30.0 points (82.5% → 52.5%, Holm-adjusted McNemar "
                        "p = 0.01025";
    assert_true(strncmp(md, first, strlen(first)) == 0);
    md[strcspn(md, "\n")] = 0; /* the first line only */
    assert_non_null(strstr(md, "; category 'ocr' dropped 36.7 points (90.0% → 53.3%, Holm-adjusted McNemar p = "
                               "0.01025, b = 12, c = 1)"));
    free(md);
    test_rmdir(dir);
}

/* Noise passes: noisy against base differs only by chart's b = 2, c = 1. */
static void test_noise_passes(void **state) {
    (void)state;
    char *dir = test_tmpdir(), db[512];
    path_in(db, sizeof db, dir, "one.db");
    make_one(db);
    struct vlm_compare_params p = vlm_compare_default_params();
    p.db_path = db;
    json_t *doc = compare_json("base", "noisy", p, false);
    /* overall: b = 2, c = 1 as chart (ocr identical): p = 1; 33/40 against 32/40 */
    const json_t *all = row(doc, NULL);
    assert_int_equal(integer(all, "b"), 2);
    assert_int_equal(integer(all, "c"), 1);
    assert_true(fabs(num(all, "diff_points") - -2.5) < 1e-9);
    assert_int_equal(integer(row(doc, "ocr"), "b"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "reasons")), 0);
    json_decref(doc);
    /* the other way round, new against base gains: no drop, so it passes */
    doc = compare_json("new", "base", p, false);
    assert_true(fabs(num(row(doc, "ocr"), "diff_points") - 36.6666667) < 1e-6);
    assert_int_equal(integer(row(doc, "ocr"), "b"), 1);
    assert_int_equal(integer(row(doc, "ocr"), "c"), 12);
    json_decref(doc);
    test_rmdir(dir);
}

/* --max-drop and --max-slower on the two stores of make_pair (--new-db). */
static void test_max_drop_and_slower(void **state) {
    (void)state;
    char *dir = test_tmpdir(), a[512], b[512];
    path_in(a, sizeof a, dir, "a.db");
    path_in(b, sizeof b, dir, "b.db");
    make_pair(a, b);
    struct vlm_compare_params p = vlm_compare_default_params();
    p.db_path = a;
    p.new_db_path = b;

    /* count: b = 10, c = 0: p = 2 / 2^10 = 0.001953125; -25 points: fails at max-drop 0 */
    json_t *doc = compare_json("m", "m", p, true);
    const json_t *count = row(doc, "count");
    assert_int_equal(integer(count, "b"), 10);
    assert_int_equal(integer(count, "c"), 0);
    assert_true(fabs(num(count, "p_value") - 0.001953125) < 1e-9);
    assert_true(num(count, "diff_points") == -25.0);
    json_decref(doc);
    p.max_drop_points = 24.9;
    json_decref(compare_json("m", "m", p, true));
    p.max_drop_points = 25; /* a drop of exactly 25 is not more than 25 */
    json_decref(compare_json("m", "m", p, false));

    /* e2e p95 1000 -> 1100: +10%; 10% allowed passes (exactly at it), 9.99 fails */
    p.max_slower_pct = 10;
    doc = compare_json("m", "m", p, false);
    const json_t *lat = json_object_get(doc, "latency_gate");
    assert_true(num(lat, "base_ms") == 1000 && num(lat, "new_ms") == 1100);
    assert_true(json_is_true(json_object_get(lat, "checked")));
    json_decref(doc);
    p.max_slower_pct = 9.99;
    doc = compare_json("m", "m", p, true);
    const char *why = json_string_value(json_array_get(json_object_get(doc, "reasons"), 0));
    assert_non_null(why);
    assert_non_null(strstr(why, "e2e p95 rose 10.0% (1000.0 ms → 1100.0 ms)"));
    json_decref(doc);
    test_rmdir(dir);
}

/* The speed figure `name` of a comparison document. */
static const json_t *figure(const json_t *doc, const char *name) {
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(doc, "speed"), i, f) {
        if (strcmp(json_string_value(json_object_get(f, "figure")), name) == 0) return f;
    }
    fail_msg("no figure %s", name);
    return NULL;
}

/* Speed ratios equal the report's figures; absent ones are null, never 0. */
static void test_speed_figures(void **state) {
    (void)state;
    char *dir = test_tmpdir(), a[512], b[512], err[512] = "";
    path_in(a, sizeof a, dir, "a.db");
    path_in(b, sizeof b, dir, "b.db");
    make_pair(a, b);
    struct vlm_compare_params p = vlm_compare_default_params();
    p.db_path = a;
    p.new_db_path = b;
    json_t *doc = compare_json("m", "m", p, true);
    /* e2e p95: 1100 / 1000 = 1.1; p50 500 / 500; TTFT = e2e / 2: p50 250 / 250 */
    assert_true(fabs(num(figure(doc, "e2e_ms_p95"), "ratio") - 1.1) < 1e-9);
    assert_true(num(figure(doc, "e2e_ms_p50"), "base") == 500);
    assert_true(num(figure(doc, "ttft_ms_p50"), "new") == 250);
    /* a's load: 1234 ms, 2 MiB; b has no load: n/a, and no ratio */
    assert_true(num(figure(doc, "load_ms"), "base") == 1234);
    assert_true(json_is_null(json_object_get(figure(doc, "load_ms"), "new")));
    assert_true(json_is_null(json_object_get(figure(doc, "load_ms"), "ratio")));
    assert_true(json_is_null(json_object_get(figure(doc, "rss_peak_bytes"), "new")));
    /* no turn has more than one output token: no decode rate on either side */
    assert_true(json_is_null(json_object_get(figure(doc, "decode_tps_mean"), "base")));
    /* one truth: the report's own figures for the same model */
    vlm_store *s = vlm_store_open(a, err, sizeof err);
    json_t *rep = report_build(s, a, err, sizeof err);
    vlm_store_close(s);
    assert_non_null(rep);
    const json_t *m = json_array_get(json_object_get(rep, "models"), 0);
    double v;
    assert_true(jpath_num(m, "speed.e2e_ms.p50", &v) && v == num(figure(doc, "e2e_ms_p50"), "base"));
    assert_true(jpath_num(m, "speed.ttft_ms.p50", &v) && v == num(figure(doc, "ttft_ms_p50"), "base"));
    assert_true(jpath_num(m, "load_ms", &v) && v == num(figure(doc, "load_ms"), "base"));
    assert_true(jpath_num(m, "rss_peak_bytes", &v) && v == num(figure(doc, "rss_peak_bytes"), "base"));
    /* and the report's accuracy when every case is shared: 40/40 */
    assert_true(jpath_num(m, "quality.accuracy", &v) && v == num(row(doc, NULL), "base_accuracy"));
    json_decref(rep);
    json_decref(doc);
    test_rmdir(dir);
}

/* A soft scorer (anls): base scores 1, soft 0.5, both counted correct. The
 * difference follows credit: 100 * (2 - 4) / 4 = -50 points. b counts the
 * turns whose credit fell (the sign test): b = 4, c = 0, p = 2 x 1/16 =
 * 0.125 (McNemar on `correct` alone would see b = c = 0, p = 1). Interval on
 * credit-weighted discordance: b' = 4 x 1 x (1 - 0.5) = 2, c' = 0: centre
 * -2 / 6 = -0.33333, var = 3 - 4 / 6 = 2.33333, half = 1.959964 x 1.527525 / 6
 * = 0.498982: [-83.232, +16.565] points. Two rows (overall, docs), both
 * p = 0.125: Holm gives 2 x 0.125 = 0.25 to both. At alpha 0.05 that passes,
 * at alpha 0.25 too (p equal to alpha is not significant); at alpha 0.3 the
 * 50-point drop fails. */
static void test_soft_credit_and_alpha(void **state) {
    (void)state;
    char *dir = test_tmpdir(), db[512], err[256], id[16];
    path_in(db, sizeof db, dir, "soft.db");
    vlm_store *s = vlm_store_open(db, err, sizeof err);
    assert_non_null(s);
    int64_t m[2] = {model(s, "base"), model(s, "soft")};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 4; i++) {
            snprintf(id, sizeof id, "a%d", i);
            put_scored(s, m[k], id, "docs", "anls", (struct vlm_score){.score = k ? 0.5 : 1, .correct = true}, 100);
        }
    vlm_store_close(s);
    struct vlm_compare_params p = vlm_compare_default_params();
    p.db_path = db;
    json_decref(compare_json("base", "soft", p, false));
    p.alpha = 0.25;
    json_decref(compare_json("base", "soft", p, false));
    p.alpha = 0.3;
    json_t *doc = compare_json("base", "soft", p, true);
    const json_t *all = row(doc, NULL);
    assert_true(num(all, "diff_points") == -50);
    assert_true(num(all, "new_accuracy") == 0.5);
    assert_int_equal(integer(all, "b"), 4);
    assert_int_equal(integer(all, "c"), 0);
    assert_true(num(all, "p_value") == 0.125);
    assert_true(num(all, "p_holm") == 0.25);
    assert_true(fabs(num(all, "ci_low_points") - -83.232) < 1e-3);
    assert_true(fabs(num(all, "ci_high_points") - 16.565) < 1e-3);
    json_decref(doc);
    test_rmdir(dir);
}

/* Unknown models name the store and list its models; a missing store and bad
 * parameters are refused. */
static void test_errors(void **state) {
    (void)state;
    char *dir = test_tmpdir(), db[512], missing[512], err[1024] = "";
    path_in(db, sizeof db, dir, "one.db");
    path_in(missing, sizeof missing, dir, "none.db");
    make_one(db);
    struct vlm_compare_params p = vlm_compare_default_params();
    p.db_path = db;
    int rc;
    bool regressed;
    free(run("base", "nope", &p, &rc, &regressed, err, sizeof err));
    assert_int_equal(rc, VLM_ERR_INPUT);
    assert_non_null(strstr(err, "no model 'nope' in store '"));
    assert_non_null(strstr(err, "one.db' (it has: base, new, noisy)"));
    p.new_db_path = missing;
    free(run("base", "new", &p, &rc, &regressed, err, sizeof err));
    assert_int_equal(rc, VLM_ERR_IO);
    assert_non_null(strstr(err, "no store at '"));
    assert_false(access(missing, F_OK) == 0); /* not created */
    p.new_db_path = NULL;
    p.alpha = 0;
    free(run("base", "new", &p, &rc, &regressed, err, sizeof err));
    assert_int_equal(rc, VLM_ERR_INPUT);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_significant_drop),      cmocka_unit_test(test_noise_passes),
        cmocka_unit_test(test_max_drop_and_slower),   cmocka_unit_test(test_speed_figures),
        cmocka_unit_test(test_soft_credit_and_alpha), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
