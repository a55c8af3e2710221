/*
 * test_report_dials.c - the report's dials section (lib/report_dials.c,
 * docs/metrics.md "Dials"): models grouped by settings that differ only in
 * the image budget and prompt dials, accuracy with its Wilson interval, image
 * tokens and encode ms per image, TTFT p50, the smallest budget within
 * max_accuracy_loss in the named categories, prompt variants by McNemar, the
 * "derived" label of remote counts, and the table in the text and Markdown
 * reports. Every figure is worked out by hand below.
 */
#include "testutil.h"

#include "report.h"
#include "store.h"

#include <jansson.h>
#include <math.h>

/* Local group "q" (same model file; budgets 64, 256 and unset = native, the
 * largest) with a prompt variant at the native budget; an unrelated model; a
 * remote group "r" of two max_pixels budgets whose counts are derived. */
#define BASE "\"model\":\"/m/q.gguf\",\"temp\":0"
static const struct member {
    const char *name, *settings;
    const char *ocr, *charts; /* right (1) or wrong (0) on cases o0..o9 and c0..c9 */
    int tok;                  /* image tokens of the single ocr image; charts images get tok*2/3 and tok/3 */
} M[] = {
    {"q", "{" BASE "}", "1111111100", "1111110000", 900},                                 /* 8/10, 6/10 */
    {"q@img256", "{" BASE ",\"image_max_tokens\":256}", "1111111100", "1111100000", 240}, /* 8/10, 5/10 */
    {"q@img64", "{" BASE ",\"image_max_tokens\":64}", "1111110000", "1111110000", 60},    /* 6/10, 6/10 */
    {"q+zh", "{" BASE ",\"prompt_suffix\":\"Answer in Chinese.\"}", "1111111100", "0111111111", 900},
    {"other", "{\"model\":\"/m/other.gguf\",\"temp\":0}", "1111111111", "1111111111", 300},
};
#define N_M (int)(sizeof M / sizeof M[0])

static void put(vlm_store *s, int64_t m, const char *suite, const char *id, const char *cat, bool right,
                const struct vlm_turn_timings *t, int n_images, const int *tok, const double *enc) {
    const char *turns[] = {"<image>What?"}, *expected[] = {"\"a\""}, *images[] = {"/i/a.png", "/i/b.png"};
    vlm_case c = {.suite = suite,
                  .id = id,
                  .category = cat,
                  .scorer = "exact",
                  .where = "x:1",
                  .n_images = n_images ? n_images : 1,
                  .images = images,
                  .n_turns = 1,
                  .turns = turns,
                  .expected = expected};
    struct vlm_turn_result r = {.turn = 0,
                                .output = right ? "a" : "b",
                                .t = *t,
                                .n_images = n_images,
                                .image_tokens = tok,
                                .image_encode_ms = enc};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
    struct vlm_score sc = {.score = right, .correct = right};
    assert_int_equal(store_grade_put_score(s, m, suite, id, 0, "exact", &sc), VLM_OK);
}

/* A two-turn case of remote model id m, one image per turn: each request
 * carries every image so far, so the derived counts are 480 (turn 0: one
 * image) and 960 (turn 1: both). Only the last turn counts, over both
 * images: 960 / 2 = 480 per image, as the one-turn case o0 has; counting
 * turn 0 over the case's two images would give (480 + 480) / 3 = 320 with o0. */
static void put_remote_two_turns(vlm_store *s, int64_t m) {
    const char *turns[] = {"<image>A?", "<image>B?"}, *expected[] = {"\"a\"", "\"a\""};
    const char *images[] = {"/i/a.png", "/i/b.png"};
    vlm_case c = {.suite = "s",
                  .id = "m0",
                  .category = "ocr",
                  .scorer = "exact",
                  .where = "x:2",
                  .n_images = 2,
                  .images = images,
                  .n_turns = 2,
                  .turns = turns,
                  .expected = expected};
    for (int turn = 0; turn < 2; turn++) {
        struct vlm_turn_result r = {.turn = turn, .output = "a"};
        r.t = (struct vlm_turn_timings){
            .ttft_ms = 50, .n_image_tokens = 480 * (turn + 1), .image_tokens_derived = true};
        assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, turn == 1), VLM_OK);
        struct vlm_score sc = {.score = 1, .correct = 1};
        assert_int_equal(store_grade_put_score(s, m, "s", "m0", turn, "exact", &sc), VLM_OK);
    }
}

/* The store: 20 cases per local model, 1 per remote one. Per local model:
 * ocr case i: one image of `tok` tokens encoded in 90 ms, TTFT 100 + 10 i;
 * charts case i: two images (tok*2/3 and tok/3, 100 ms for both), TTFT 200 + 10 i,
 * except charts case 0 whose two embeddings came from the cache (0 ms). */
static char *make_store(void) {
    char *dir = test_tmpdir(), path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    for (int k = 0; k < N_M; k++) {
        int64_t m = 0;
        assert_int_equal(vlm_store_model(s, M[k].name, M[k].settings, &m, err, sizeof err), VLM_OK);
        for (int i = 0; i < 10; i++) {
            char id[16];
            int one[] = {M[k].tok}, two[] = {M[k].tok * 2 / 3, M[k].tok / 3};
            double enc1[] = {90}, enc2[] = {50, 50}, cached[] = {0, 0};
            struct vlm_turn_timings t = {.ttft_ms = 100 + 10 * i, .n_image_tokens = M[k].tok, .image_encode_ms = 90};
            snprintf(id, sizeof id, "o%d", i);
            put(s, m, "s", id, "ocr", M[k].ocr[i] == '1', &t, 1, one, enc1);
            t = (struct vlm_turn_timings){.ttft_ms = 200 + 10 * i,
                                          .n_image_tokens = two[0] + two[1],
                                          .image_encode_ms = i ? 100 : 0,
                                          .n_images_cached = i ? 0 : 2};
            snprintf(id, sizeof id, "c%d", i);
            put(s, m, "s", id, "charts", M[k].charts[i] == '1', &t, 2, two, i ? enc2 : cached);
        }
    }
    /* remote: no per-image array; one image on turn 0 (the case's), tokens derived from usage */
    const char *remote[][2] = {{"r", "{\"urls\":[\"http://h/v1\"],\"model_id\":\"v\",\"temp\":0}"},
                               {"r@px", "{\"urls\":[\"http://h/v1\"],\"model_id\":\"v\",\"temp\":0,\"max_pixels\":"
                                        "100000}"}};
    for (int k = 0; k < 2; k++) {
        int64_t m = 0;
        assert_int_equal(vlm_store_model(s, remote[k][0], remote[k][1], &m, err, sizeof err), VLM_OK);
        struct vlm_turn_timings t = {.ttft_ms = 50, .n_image_tokens = k ? 120 : 480, .image_tokens_derived = true};
        put(s, m, "s", "o0", "ocr", true, &t, 0, NULL, NULL);
        if (k == 0) put_remote_two_turns(s, m); /* r */
    }
    vlm_store_close(s);
    return dir;
}

static json_t *build(const char *dir, const struct vlm_requirements *r) {
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    vlm_store_close(s);
    assert_non_null(rep);
    report_dials_finish(rep, r);
    return rep;
}

static const json_t *group(const json_t *rep, const char *name) {
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(rep, "dials"), i,
                       g) if (!strcmp(json_string_value(json_object_get(g, "name")), name)) return g;
    fail_msg("no dials group %s", name);
    return NULL;
}

static const json_t *row(const json_t *g, const char *model, const char *cat) {
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(g, "rows"), i, r) {
        const json_t *c = json_object_get(r, "category");
        if (strcmp(json_string_value(json_object_get(r, "model")), model)) continue;
        if ((!cat && json_is_null(c)) || (cat && json_is_string(c) && !strcmp(json_string_value(c), cat))) return r;
    }
    fail_msg("no row %s x %s", model, cat ? cat : "all");
    return NULL;
}

static double num(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) fail_msg("%s is not a number", key);
    return json_number_value(v);
}

static void requirements(struct vlm_requirements *r, double loss, const char *cat1, const char *cat2) {
    vlm_requirements_default(r);
    r->max_accuracy_loss = loss;
    if (cat1) snprintf(r->acc_cat[r->n_acc++], sizeof r->acc_cat[0], "%s", cat1);
    if (cat2) snprintf(r->acc_cat[r->n_acc++], sizeof r->acc_cat[0], "%s", cat2);
}

/* Groups: q (four members, "other" left out) and r; budgets ascending, native last. */
static void test_groups(void **state) {
    char *dir = make_store();
    struct vlm_requirements r;
    requirements(&r, 0.1, "ocr", "charts");
    json_t *rep = build(dir, &r);
    assert_int_equal(json_array_size(json_object_get(rep, "dials")), 2);
    const json_t *q = group(rep, "q");
    assert_string_equal(json_string_value(json_object_get(q, "reference")), "q");
    assert_string_equal(json_string_value(json_object_get(q, "budget_key")), "image_max_tokens");
    const json_t *mem = json_object_get(q, "members");
    assert_int_equal(json_array_size(mem), 4);
    const char *order[] = {"q@img64", "q@img256", "q", "q+zh"}; /* plain before the variant at native */
    for (int i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(mem, (size_t)i), "model")), order[i]);
    assert_true(json_is_false(json_object_get(json_array_get(mem, 3), "ladder")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(mem, 2), "budget_label")), "native");
    json_decref(rep);
    test_rmdir(dir);
}

/* Accuracy with its interval, tokens and encode ms per image, TTFT p50. */
static void test_figures(void **state) {
    char *dir = make_store();
    struct vlm_requirements r;
    requirements(&r, 0.1, "ocr", "charts");
    json_t *rep = build(dir, &r);
    const json_t *q = group(rep, "q");
    /* q x ocr: 8/10. Wilson 95%, z = 1.959964, z^2 = 3.841459:
     * centre = (0.8 + 3.841459/20) / (1 + 3.841459/10) = 0.992073 / 1.384146 = 0.716737
     * half = z sqrt(0.8*0.2/10 + 3.841459/400) / 1.384146 = 1.959964 * 0.160011 / 1.384146 = 0.226576
     * so 0.490161 .. 0.943313. */
    const json_t *o = row(q, "q", "ocr");
    assert_true(fabs(num(o, "accuracy") - 0.8) < 1e-9);
    assert_true(fabs(num(o, "ci_low") - 0.490161) < 1e-3);
    assert_true(fabs(num(o, "ci_high") - 0.943313) < 1e-3);
    /* ocr: 10 images of 900 tokens -> 900; charts: 10 turns of 600 + 300 over 20 images -> 450;
     * all: (9000 + 9000) / 30 = 600 (a mean of per-turn ratios would be (900 + 450) / 2 = 675). */
    assert_true(fabs(num(o, "image_tokens_per_image") - 900) < 1e-9);
    assert_true(fabs(num(row(q, "q", "charts"), "image_tokens_per_image") - 450) < 1e-9);
    const json_t *all = row(q, "q", NULL);
    assert_true(fabs(num(all, "image_tokens_per_image") - 600) < 1e-9);
    assert_true(json_is_false(json_object_get(all, "image_tokens_derived")));
    /* encode ms per encoded image: ocr 10 x 90 ms over 10 images = 90; charts case 0 came from the
     * cache (0 ms, 2 images not encoded): 9 x 100 ms over 18 images = 50; all: 1800 / 28 = 64.2857 */
    assert_true(fabs(num(o, "encode_ms_per_image") - 90) < 1e-9);
    assert_true(fabs(num(row(q, "q", "charts"), "encode_ms_per_image") - 50) < 1e-9);
    assert_true(fabs(num(all, "encode_ms_per_image") - 1800.0 / 28) < 1e-9);
    /* TTFT p50, nearest rank: ocr 100..190 (n 10, rank 5) -> 140; all 100..190 and 200..290
     * (n 20, rank 10) -> 190 (the mean would be 195) */
    assert_true(fabs(num(o, "ttft_ms_p50") - 140) < 1e-9);
    assert_true(fabs(num(all, "ttft_ms_p50") - 190) < 1e-9);
    /* q@img64 against q on ocr: q right and q@img64 wrong on o6, o7 (lost 2, gained 0), n 10:
     * diff -0.2; exact McNemar p = 2 * C(2,0) / 2^2 = 0.5 */
    const json_t *v = json_object_get(row(q, "q@img64", "ocr"), "vs_largest");
    assert_int_equal((int)num(v, "lost"), 2);
    assert_int_equal((int)num(v, "gained"), 0);
    assert_true(fabs(num(v, "diff") + 0.2) < 1e-9);
    assert_true(fabs(num(v, "p_value") - 0.5) < 1e-9);
    assert_true(json_is_null(json_object_get(row(q, "q", "ocr"), "vs_largest"))); /* the reference itself */
    /* not priced: no catalog in the document */
    assert_true(json_is_null(json_object_get(all, "cost_per_1k")));
    assert_non_null(strstr(json_string_value(json_object_get(all, "cost_note")), "not priced"));
    /* remote: derived counts, labelled; one image per turn from the case: 480 and 120 */
    const json_t *rg = group(rep, "r");
    assert_string_equal(json_string_value(json_object_get(rg, "budget_key")), "max_pixels");
    assert_true(json_is_true(json_object_get(row(rg, "r", NULL), "image_tokens_derived")));
    assert_true(fabs(num(row(rg, "r@px", NULL), "image_tokens_per_image") - 120) < 1e-9);
    assert_true(fabs(num(row(rg, "r", NULL), "image_tokens_per_image") - 480) < 1e-9);
    json_decref(rep);
    test_rmdir(dir);
}

/* The smallest budget: with max_accuracy_loss 0.1 on ocr and charts, q@img64 misses ocr
 * (0.6 < 0.8 - 0.1) and q@img256 holds both (ocr 0.8 = 0.8; charts 0.5 >= 0.6 - 0.1). */
static void test_smallest_middle(void **state) {
    char *dir = make_store();
    struct vlm_requirements r;
    requirements(&r, 0.1, "ocr", "charts");
    json_t *rep = build(dir, &r);
    const json_t *sb = json_object_get(group(rep, "q"), "smallest_budget");
    assert_string_equal(json_string_value(json_object_get(sb, "model")), "q@img256");
    assert_string_equal(json_string_value(json_object_get(sb, "categories_from")), "requirements");
    const json_t *l0 = json_array_get(json_object_get(sb, "ladder"), 0);
    assert_string_equal(json_string_value(json_object_get(l0, "model")), "q@img64");
    assert_true(json_is_false(json_object_get(l0, "holds")));
    const json_t *f = json_object_get(l0, "failing");
    assert_int_equal(json_array_size(f), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "category")), "ocr");
    /* saves, against q's all row: tokens (240 + 10*(160+80)) ... per image: ocr 240 x 10,
     * charts 160 + 80 per turn: (2400 + 2400) / 30 = 160; q: 600 -> 160 / 600 = 0.266667.
     * Encode ms and TTFT are the same hand-made figures in both: ratio 1. */
    const json_t *saves = json_object_get(sb, "saves");
    assert_true(fabs(num(saves, "image_tokens_per_image") - 160.0 / 600) < 1e-9);
    assert_true(fabs(num(saves, "ttft_ms_p50") - 1) < 1e-9);
    assert_true(json_is_null(json_object_get(saves, "cost_per_1k")));
    const char *line = json_string_value(json_object_get(sb, "line"));
    assert_non_null(strstr(line, "256 (q@img256)"));
    assert_non_null(strstr(line, "within 10.0 points"));
    const json_t *q = group(rep, "q");
    assert_string_equal(json_string_value(json_object_get(row(q, "q@img256", NULL), "verdict")),
                        "smallest within max_accuracy_loss");
    assert_string_equal(json_string_value(json_object_get(row(q, "q@img64", NULL), "verdict")), "misses: ocr");
    assert_string_equal(json_string_value(json_object_get(row(q, "q", NULL), "verdict")), "largest (reference)");
    /* q@img256's charts drop (lost c5, gained none: p = 1) is not significant */
    assert_int_equal(json_array_size(json_object_get(sb, "significant_drops")), 0);
    json_decref(rep);
    test_rmdir(dir);
}

/* None but the largest: with 0.05, q@img256's charts 0.5 < 0.6 - 0.05 and q@img64's ocr fail. Naming only
 * charts (0.05): q@img64 holds it (0.6 = 0.6) and is chosen though its ocr drops. Naming none: every
 * category and all are held, said so. */
static void test_smallest_none_and_named(void **state) {
    char *dir = make_store();
    struct vlm_requirements r;
    requirements(&r, 0.05, "ocr", "charts");
    json_t *rep = build(dir, &r);
    const json_t *sb = json_object_get(group(rep, "q"), "smallest_budget");
    assert_string_equal(json_string_value(json_object_get(sb, "model")), "q");
    assert_true(json_is_true(json_object_get(sb, "is_largest")));
    assert_non_null(strstr(json_string_value(json_object_get(sb, "line")), "none smaller"));
    json_decref(rep);

    requirements(&r, 0.05, "charts", NULL);
    rep = build(dir, &r);
    sb = json_object_get(group(rep, "q"), "smallest_budget");
    assert_string_equal(json_string_value(json_object_get(sb, "model")), "q@img64");
    json_decref(rep);

    requirements(&r, 0.1, NULL, NULL);
    rep = build(dir, &r);
    sb = json_object_get(group(rep, "q"), "smallest_budget");
    assert_string_equal(json_string_value(json_object_get(sb, "categories_from")), "every category");
    assert_int_equal(json_array_size(json_object_get(sb, "categories")), 3);          /* all, charts, ocr */
    assert_string_equal(json_string_value(json_object_get(sb, "model")), "q@img256"); /* all: 13/20 vs 14/20 */
    assert_non_null(strstr(json_string_value(json_object_get(sb, "line")), "as the requirements name none"));
    json_decref(rep);

    /* a category the reference has no scored turn in: no budget is named as holding it */
    requirements(&r, 0.1, "charts", "maps");
    rep = build(dir, &r);
    sb = json_object_get(group(rep, "q"), "smallest_budget");
    assert_true(json_is_null(json_object_get(sb, "model")));
    assert_int_equal(json_array_size(json_object_get(sb, "not_measured")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(sb, "not_measured"), 0)), "maps");
    assert_non_null(strstr(json_string_value(json_object_get(sb, "line")), "not measured"));
    json_decref(rep);
    test_rmdir(dir);
}

/* The prompt variant q+zh against q (plain, same native budget), on charts: variant right and plain wrong
 * on c6..c9 (4), plain right and variant wrong on c0 (1); n 10, diff (4 - 1) / 10 = 0.3;
 * exact McNemar p = 2 * (C(5,0) + C(5,1)) / 2^5 = 2 * 6 / 32 = 0.375. ocr: no discordant turn, p = 1. */
static void test_prompt_variant(void **state) {
    char *dir = make_store();
    struct vlm_requirements r;
    requirements(&r, 0.1, "ocr", "charts");
    json_t *rep = build(dir, &r);
    const json_t *pv = json_object_get(group(rep, "q"), "prompt_variants"), *e, *charts = NULL, *ocr = NULL;
    size_t i;
    json_array_foreach(pv, i, e) {
        const json_t *c = json_object_get(e, "category");
        assert_string_equal(json_string_value(json_object_get(e, "plain")), "q");
        if (json_is_string(c) && !strcmp(json_string_value(c), "charts")) charts = e;
        if (json_is_string(c) && !strcmp(json_string_value(c), "ocr")) ocr = e;
    }
    assert_non_null(charts);
    assert_int_equal((int)num(charts, "variant_only"), 4);
    assert_int_equal((int)num(charts, "plain_only"), 1);
    assert_true(fabs(num(charts, "diff") - 0.3) < 1e-9);
    assert_true(fabs(num(charts, "p_value") - 0.375) < 1e-9);
    assert_true(fabs(num(ocr, "p_value") - 1) < 1e-9);
    json_decref(rep);
    test_rmdir(dir);
}

/* The text and Markdown reports show the table, the line and the derived label. */
static void test_formats(void **state) {
    char *dir = make_store(), path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    for (int f = 0; f < 4; f++) {
        enum vlm_report_format fmt[] = {VLM_REPORT_TABLE, VLM_REPORT_MD, VLM_REPORT_CSV, VLM_REPORT_HTML};
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        assert_int_equal(vlm_report(path, fmt[f], out, err, sizeof err), VLM_OK);
        fclose(out);
        /* CSV has no titles nor prose: its section id, and the verdict column */
        assert_non_null(strstr(buf, f == 2 ? "\"dials-q\"" : "Dials of q"));
        assert_non_null(strstr(buf, "120.0 (derived)"));
        assert_non_null(strstr(buf, "native"));
        if (f == 3) assert_non_null(strstr(buf, "id=\"dials-q-chart\""));
        /* no requirements: every category, max_accuracy_loss unset: no loss allowed; all 13/20 vs 14/20
         * and 12/20 vs 14/20 miss, so the largest is needed */
        if (f != 2) assert_non_null(strstr(buf, "Smallest image_max_tokens within 0.0 points"));
        assert_non_null(strstr(buf, "largest, needed: no smaller budget holds"));
        assert_non_null(strstr(buf, "misses: all, ocr"));
        free(buf);
    }
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),          cmocka_unit_test(test_figures),
        cmocka_unit_test(test_smallest_middle), cmocka_unit_test(test_smallest_none_and_named),
        cmocka_unit_test(test_prompt_variant),  cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
