/*
 * test_report_ground.c - the report's grounding figures (lib/report_ground.c,
 * docs/report-schema.md "grounding"): replies scored by `iou` through
 * vlm_score_text, stored, then reported per model x category: accuracy at IoU
 * with its Wilson interval, mean IoU, unparsed replies, the conventions read,
 * a failed turn counted as wrong; and the Markdown report shows the table.
 * Every figure is worked out by hand below.
 */
#include "testutil.h"

#include "report.h"
#include "store.h"

#include <jansson.h>
#include <math.h>

/* The image is 400 x 300; the box is [100, 50, 200, 150] (docs/scoring.md, iou). */
#define ONE "{\"boxes\":[[100,50,200,150]],\"size\":[400,300]}"

struct row {
    const char *model, *id, *category, *reply, *error;
};

static const struct row ROWS[] = {
    {"m1", "g1", "grounding", "[100, 50, 200, 150]", NULL},                 /* pixels, IoU 1, right */
    {"m1", "g2", "grounding", "{\"bbox_2d\": [250, 200, 500, 500]}", NULL}, /* grid1000, IoU 0.9, right */
    {"m1", "g3", "grounding", "[150, 50, 250, 150]", NULL},                 /* pixels, IoU 1/3, wrong */
    {"m1", "g4", "grounding", "I do not know.", NULL},                      /* unparsed, 0 */
    {"m1", "o1", "other", "[0.25, 0.2, 0.5, 0.5]", NULL},                   /* unit, IoU 0.9, right */
    {"m2", "g1", "grounding", "[100, 50, 200, 150]", NULL},                 /* pixels, 1, right */
    {"m2", "g2", "grounding", NULL, "boom"},                                /* failed: wrong, 0 */
};
#define N_ROWS (int)(sizeof ROWS / sizeof ROWS[0])

static char *store_rows(void) {
    char *dir = test_tmpdir(), path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    for (int i = 0; i < N_ROWS; i++) {
        const struct row *w = &ROWS[i];
        int64_t m = 0;
        assert_int_equal(vlm_store_model(s, w->model, "{}", &m, err, sizeof err), VLM_OK);
        const char *turns[] = {"<image>Give the box."}, *expected[] = {ONE};
        vlm_case c = {.suite = "g",
                      .id = w->id,
                      .category = w->category,
                      .scorer = "iou",
                      .where = "x:1",
                      .n_turns = 1,
                      .turns = turns,
                      .expected = expected};
        struct vlm_turn_result r = {.turn = 0, .output = w->reply ? w->reply : "", .error = w->error};
        assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
        struct vlm_score sc = {0};
        if (w->error) snprintf(sc.detail, sizeof sc.detail, "failed: %s", w->error);
        else assert_int_equal(vlm_score_text("iou", w->reply, ONE, NULL, 0, &sc, err, sizeof err), VLM_OK);
        assert_int_equal(store_grade_put_score(s, m, "g", w->id, 0, "iou", &sc), VLM_OK);
    }
    vlm_store_close(s);
    return dir;
}

static const json_t *row_of(const json_t *rep, const char *model, const char *category) {
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(rep, "grounding"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "model")), model) == 0 &&
            strcmp(json_string_value(json_object_get(e, "category")), category) == 0)
            return e;
    }
    fail_msg("no grounding row for %s x %s", model, category);
    return NULL;
}

static double num(const json_t *o, const char *path) {
    const json_t *v = o;
    char key[64];
    snprintf(key, sizeof key, "%s", path);
    for (char *k = strtok(key, "."); k; k = strtok(NULL, ".")) v = json_object_get(v, k);
    if (!json_is_number(v)) fail_msg("%s is not a number", path);
    return json_number_value(v);
}

#define assert_near(a, b, tol) assert_true(fabs((a) - (b)) < (tol))

static void test_figures(void **state) {
    (void)state;
    char *dir = store_rows(), path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    assert_non_null(rep);
    vlm_store_close(s);
    assert_int_equal(json_array_size(json_object_get(rep, "grounding")), 3);

    /* m1 x grounding: 4 turns, 2 right (g1, g2): accuracy 0.5. Wilson 95% for
     * 2/4, z = 1.96: centre (0.5 + 1.96^2/8) / (1 + 1.96^2/4) = 0.5; half
     * width 1.96 * sqrt(0.25/4 + 1.96^2/64) / 1.9604 = 1.96 * 0.350036 / 1.9604
     * = 0.349967: 0.150033 .. 0.849967. Mean IoU (1 + 0.9 + 1/3 + 0) / 4 =
     * 0.5583333. One unparsed; read as pixels 2 (g1, g3), grid1000 1 (g2). */
    const json_t *g = row_of(rep, "m1", "grounding");
    assert_int_equal(num(g, "n"), 4);
    assert_near(num(g, "accuracy"), 0.5, 1e-12);
    assert_near(num(g, "ci_low"), 0.150033, 1e-5);
    assert_near(num(g, "ci_high"), 0.849967, 1e-5);
    assert_near(num(g, "mean_iou"), (1 + 0.9 + 1.0 / 3) / 4, 1e-12);
    assert_int_equal(num(g, "n_unparsed"), 1);
    assert_int_equal(num(g, "read_as.pixels"), 2);
    assert_int_equal(num(g, "read_as.grid1000"), 1);
    assert_int_equal(num(g, "read_as.unit"), 0);

    /* m1 x other: one unit reply, IoU 0.9, right. */
    const json_t *o = row_of(rep, "m1", "other");
    assert_int_equal(num(o, "n"), 1);
    assert_near(num(o, "accuracy"), 1, 1e-12);
    assert_near(num(o, "mean_iou"), 0.9, 1e-12);
    assert_int_equal(num(o, "read_as.unit"), 1);
    assert_int_equal(num(o, "read_as.pixels"), 0);

    /* m2 x grounding: g1 right (1), g2 failed (wrong, 0, not unparsed, no
     * convention): accuracy 1/2, mean IoU 0.5. */
    const json_t *f = row_of(rep, "m2", "grounding");
    assert_int_equal(num(f, "n"), 2);
    assert_near(num(f, "accuracy"), 0.5, 1e-12);
    assert_near(num(f, "mean_iou"), 0.5, 1e-12);
    assert_int_equal(num(f, "n_unparsed"), 0);
    assert_int_equal(num(f, "read_as.pixels"), 1);
    json_decref(rep);

    /* The Markdown report has the table, m1's row with "50%" and 0.558. */
    char *md = NULL;
    size_t md_len = 0;
    FILE *out = open_memstream(&md, &md_len);
    assert_int_equal(vlm_report(path, VLM_REPORT_MD, out, err, sizeof err), VLM_OK);
    fclose(out);
    const char *sec = strstr(md, "Grounding (bounding boxes)");
    assert_non_null(sec);
    assert_non_null(strstr(sec, "0.558"));
    assert_non_null(strstr(sec, "50%"));
    free(md);
    test_rmdir(dir);
}

/* A store without iou turns has an empty grounding array, and no table. */
static void test_none(void **state) {
    (void)state;
    char *dir = test_tmpdir(), path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    assert_non_null(rep);
    assert_true(json_is_array(json_object_get(rep, "grounding")));
    assert_int_equal(json_array_size(json_object_get(rep, "grounding")), 0);
    json_decref(rep);
    vlm_store_close(s);
    char *md = NULL;
    size_t md_len = 0;
    FILE *out = open_memstream(&md, &md_len);
    assert_int_equal(vlm_report(path, VLM_REPORT_MD, out, err, sizeof err), VLM_OK);
    fclose(out);
    assert_null(strstr(md, "Grounding"));
    free(md);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
