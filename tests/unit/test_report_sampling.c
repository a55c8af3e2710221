/*
 * test_report_sampling.c - the report's sampling section (lib/report_sampling.c,
 * docs/metrics.md "Sampling settings and seeds"): models grouped by settings
 * that differ only in the sampling keys, a setting's seeds with their
 * accuracies, mean, sample standard deviation, min and max, the difference
 * against the greedy setting, the lines, and the table in every format. Every
 * figure is worked out by hand below.
 */
#include "testutil.h"

#include "report.h"
#include "store.h"

#include <jansson.h>
#include <math.h>

/* The sampling settings of a local model q (the same file) as run.c stores them. */
#define Q(temp, top_p, seed)                                                                                        \
    "{\"model\":\"/m/q.gguf\",\"max_tokens\":64,\"temp\":" temp ",\"top_p\":" top_p ",\"top_k\":40,\"min_p\":0.05," \
    "\"repeat_penalty\":1.0,\"seed\":" seed "}"
#define R(seed)                                                                                                 \
    "{\"urls\":[\"http://h/v1\"],\"model_id\":\"v\",\"max_tokens\":64,\"temp\":0.5,\"top_p\":1.0,\"top_k\":40," \
    "\"min_p\":0.05,\"repeat_penalty\":1.0,\"seed\":" seed "}"

/* Group q: greedy (temp 0), temp 0.7 with three seeds, temp 0.7 top_p 0.9 with one; group r (remote): two
 * seeds, no greedy setting; d and d@img64 differ in a dial only, dup1 and dup2 in nothing: no group. */
static const struct member {
    const char *name, *settings;
    const char *ocr, *charts; /* right (1) or wrong (0) on cases o0..o9 and c0..c9; "": none stored */
} M[] = {
    {"q@t0", Q("0.0", "1.0", "42"), "1111111110", "1111000000"},          /* 9/10, 4/10: all 13/20 = 0.65 */
    {"q@t0.7+s42", Q("0.7", "1.0", "42"), "1111110000", "1111000000"},    /* 6/10, 4/10: all 10/20 = 0.5 */
    {"q@t0.7+s43", Q("0.7", "1.0", "43"), "1111111100", "1111110000"},    /* 8/10, 6/10: all 14/20 = 0.7 */
    {"q@t0.7+s44", Q("0.7", "1.0", "44"), "1111111000", "1111100000"},    /* 7/10, 5/10: all 12/20 = 0.6 */
    {"q@t0.7+p0.9", Q("0.7", "0.9", "42"), "1111100000", "1111100000"},   /* 5/10, 5/10: all 10/20 = 0.5 */
    {"r@s1", R("1"), "1", ""},                                            /* o0 right: 1.0 */
    {"r@s2", R("2"), "0", ""},                                            /* o0 wrong: 0.0 */
    {"d", "{\"model\":\"/m/d.gguf\",\"temp\":0.0,\"seed\":42}", "1", ""}, /* d and d@img64: a dial */
    {"d@img64", "{\"model\":\"/m/d.gguf\",\"temp\":0.0,\"seed\":42,\"image_max_tokens\":64}", "0", ""},
    {"dup1", "{\"model\":\"/m/u.gguf\",\"temp\":0.7,\"seed\":42}", "1", ""}, /* same settings */
    {"dup2", "{\"model\":\"/m/u.gguf\",\"temp\":0.7,\"seed\":42}", "0", ""},
};
#define N_M (int)(sizeof M / sizeof M[0])

static void put(vlm_store *s, int64_t m, const char *id, const char *cat, bool right) {
    const char *turns[] = {"What?"}, *expected[] = {"\"a\""};
    vlm_case c = {.suite = "s",
                  .id = id,
                  .category = cat,
                  .scorer = "exact",
                  .where = "x:1",
                  .n_turns = 1,
                  .turns = turns,
                  .expected = expected};
    struct vlm_turn_result r = {.turn = 0, .output = right ? "a" : "b", .t = {.ttft_ms = 10}};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
    struct vlm_score sc = {.score = right, .correct = right};
    assert_int_equal(store_grade_put_score(s, m, "s", id, 0, "exact", &sc), VLM_OK);
}

static char *make_store(void) {
    char *dir = test_tmpdir(), path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    for (int k = 0; k < N_M; k++) {
        int64_t m = 0;
        assert_int_equal(vlm_store_model(s, M[k].name, M[k].settings, &m, err, sizeof err), VLM_OK);
        for (int i = 0; M[k].ocr[i]; i++) {
            char id[16];
            snprintf(id, sizeof id, "o%d", i);
            put(s, m, id, "ocr", M[k].ocr[i] == '1');
        }
        for (int i = 0; M[k].charts[i]; i++) {
            char id[16];
            snprintf(id, sizeof id, "c%d", i);
            put(s, m, id, "charts", M[k].charts[i] == '1');
        }
    }
    vlm_store_close(s);
    return dir;
}

static json_t *build(const char *dir) {
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    vlm_store_close(s);
    if (!rep) fail_msg("%s", err);
    return rep;
}

static const json_t *group(const json_t *rep, const char *name) {
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(rep, "sampling"), i, g) {
        if (!strcmp(json_string_value(json_object_get(g, "name")), name)) return g;
    }
    fail_msg("no sampling group %s", name);
    return NULL;
}

static const json_t *row(const json_t *g, const char *setting, const char *cat) {
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(g, "rows"), i, r) {
        const json_t *c = json_object_get(r, "category");
        if (strcmp(json_string_value(json_object_get(r, "setting")), setting)) continue;
        if ((!cat && json_is_null(c)) || (cat && json_is_string(c) && !strcmp(json_string_value(c), cat))) return r;
    }
    fail_msg("no row %s x %s", setting, cat ? cat : "all");
    return NULL;
}

static double num(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) fail_msg("%s is not a number", key);
    return json_number_value(v);
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* Groups: q and r only; q's settings by temp, then top_p, seeds ascending; labels name top_p as it varies. */
static void test_groups(void **state) {
    char *dir = make_store();
    json_t *rep = build(dir);
    assert_int_equal(json_array_size(json_object_get(rep, "sampling")), 2);
    const json_t *q = group(rep, "q"), *set = json_object_get(q, "settings");
    assert_int_equal(json_array_size(set), 3);
    const char *labels[] = {"temp 0 top_p 1", "temp 0.7 top_p 0.9", "temp 0.7 top_p 1"};
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(set, i), "label")), labels[i]);
    assert_string_equal(json_string_value(json_object_get(q, "greedy")), "temp 0 top_p 1");
    const json_t *mem = json_object_get(json_array_get(set, 2), "members");
    assert_int_equal(json_array_size(mem), 3);
    for (size_t i = 0; i < 3; i++) assert_int_equal((int)num(json_array_get(mem, i), "seed"), 42 + (int)i);
    const json_t *r = group(rep, "r");
    assert_true(json_is_null(json_object_get(r, "greedy")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "settings"), 0), "label")),
                        "temp 0.5"); /* one setting: temp alone */
    json_decref(rep);
    test_rmdir(dir);
}

/* The spread over seeds. temp 0.7 top_p 1, all: 0.5, 0.7, 0.6 -> mean 0.6, sample sd
 * sqrt((0.01 + 0.01 + 0) / 2) = 0.1 (the population sd would be 0.0816), min 0.5, max 0.7;
 * greedy all 0.65 -> vs greedy -0.05. ocr: 0.6, 0.8, 0.7 -> 0.7, sd 0.1; greedy 0.9 -> -0.2.
 * charts: 0.4, 0.6, 0.5 -> 0.5, sd 0.1; greedy 0.4 -> +0.1. */
static void test_spread(void **state) {
    char *dir = make_store();
    json_t *rep = build(dir);
    const json_t *q = group(rep, "q"), *all = row(q, "temp 0.7 top_p 1", NULL);
    assert_int_equal((int)num(all, "n_seeds"), 3);
    NEAR(num(all, "mean"), 0.6);
    NEAR(num(all, "sd"), 0.1);
    NEAR(num(all, "min"), 0.5);
    NEAR(num(all, "max"), 0.7);
    NEAR(num(all, "greedy_mean"), 0.65);
    NEAR(num(all, "vs_greedy"), -0.05);
    const json_t *seeds = json_object_get(all, "seeds");
    assert_int_equal(json_array_size(seeds), 3);
    NEAR(num(json_array_get(seeds, 1), "accuracy"), 0.7); /* s43: 14/20 */
    assert_int_equal((int)num(json_array_get(seeds, 1), "n"), 20);
    const json_t *ocr = row(q, "temp 0.7 top_p 1", "ocr"), *charts = row(q, "temp 0.7 top_p 1", "charts");
    NEAR(num(ocr, "mean"), 0.7);
    NEAR(num(ocr, "sd"), 0.1);
    NEAR(num(ocr, "vs_greedy"), -0.2);
    NEAR(num(charts, "mean"), 0.5);
    NEAR(num(charts, "sd"), 0.1);
    NEAR(num(charts, "vs_greedy"), 0.1);
    /* one seed: sd null, min = max = mean 0.5 */
    const json_t *one = row(q, "temp 0.7 top_p 0.9", NULL);
    assert_int_equal((int)num(one, "n_seeds"), 1);
    assert_true(json_is_null(json_object_get(one, "sd")));
    NEAR(num(one, "min"), 0.5);
    NEAR(num(one, "max"), 0.5);
    /* the greedy setting itself is not compared with itself */
    assert_true(json_is_null(json_object_get(row(q, "temp 0 top_p 1", NULL), "vs_greedy")));
    /* r: 1 and 0 -> mean 0.5, sd sqrt((0.25 + 0.25) / 1) = 0.707107; no greedy setting */
    const json_t *r = row(group(rep, "r"), "temp 0.5", NULL);
    NEAR(num(r, "mean"), 0.5);
    assert_true(fabs(num(r, "sd") - sqrt(0.5)) < 1e-9);
    assert_true(json_is_null(json_object_get(r, "vs_greedy")));
    json_decref(rep);
    test_rmdir(dir);
}

/* One line per sampled setting, from its all row. */
static void test_lines(void **state) {
    char *dir = make_store();
    json_t *rep = build(dir);
    const json_t *lines = json_object_get(group(rep, "q"), "lines");
    assert_int_equal(json_array_size(lines), 2); /* the greedy setting has none */
    assert_string_equal(json_string_value(json_array_get(lines, 0)),
                        "q temp 0.7 top_p 0.9: accuracy 0.50 over 1 seed; greedy 0.65");
    assert_string_equal(json_string_value(json_array_get(lines, 1)),
                        "q temp 0.7 top_p 1: accuracy 0.60 \xC2\xB1 0.10 over 3 seeds (0.50..0.70); greedy 0.65");
    assert_string_equal(json_string_value(json_array_get(json_object_get(group(rep, "r"), "lines"), 0)),
                        "r temp 0.5: accuracy 0.50 \xC2\xB1 0.71 over 2 seeds (0.00..1.00)");
    json_decref(rep);
    test_rmdir(dir);
}

/* Every format shows the table with the per-seed cell; all but CSV the line. */
static void test_formats(void **state) {
    char *dir = make_store(), path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    enum vlm_report_format fmt[] = {VLM_REPORT_TABLE, VLM_REPORT_MD, VLM_REPORT_CSV, VLM_REPORT_HTML};
    for (int f = 0; f < 4; f++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        assert_int_equal(vlm_report(path, fmt[f], out, err, sizeof err), VLM_OK);
        fclose(out);
        assert_non_null(strstr(buf, f == 2 ? "\"sampling-q\"" : "Sampling settings of q"));
        assert_non_null(strstr(buf, "s42 50.0%, s43 70.0%, s44 60.0%"));
        if (f != 2) assert_non_null(strstr(buf, "accuracy 0.60 \xC2\xB1 0.10 over 3 seeds"));
        free(buf);
    }
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_spread),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
