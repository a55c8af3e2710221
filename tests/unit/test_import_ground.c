/*
 * test_import_ground.c - bounding boxes in imports (lib/import_ground.c,
 * docs/import.md): VLMEvalKit RefCOCO rows (the bbox_x1..bbox_y2 columns, or
 * the answer read as RefCOCODataset reads it: fractions, the 0-1000 grid or
 * pixels, clipped and put in order; the size from width/height or from the
 * image), and a folder CSV's `box` column. Each expected answer is worked out
 * by hand; the image is 400 x 300.
 */
#include "testutil.h"

#include <jansson.h>
#include <stb/stb_image_write.h>

struct fx {
    char *dir, msgs[4096], err[512];
    struct vlm_import_summary sum;
    json_t *cases; /* id -> case */
};

static void on_msg(const char *line, void *user) {
    struct fx *f = user;
    strncat(f->msgs, line, sizeof f->msgs - strlen(f->msgs) - 2);
    strcat(f->msgs, "\n");
}

/* A 400 x 300 white PNG at dir/img.png; returns its bytes' base64 (caller frees). */
static char *make_png(const char *dir) {
    unsigned char *px = malloc(400 * 300 * 3);
    memset(px, 255, 400 * 300 * 3);
    char path[512];
    snprintf(path, sizeof path, "%s/img.png", dir);
    assert_true(stbi_write_png(path, 400, 300, 3, px, 400 * 3) != 0);
    free(px);
    FILE *fp = fopen(path, "rb");
    unsigned char *data = malloc(1 << 20);
    size_t n = fread(data, 1, 1 << 20, fp);
    fclose(fp);
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0) |
                     (i + 2 < n ? data[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = 0;
    free(data);
    return s;
}

static void read_cases(struct fx *f) {
    json_decref(f->cases);
    f->cases = json_object();
    FILE *fp = fopen(f->sum.suite, "rb");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        json_object_set_new(f->cases, json_string_value(json_object_get(o, "id")), o);
    }
    free(line);
    fclose(fp);
}

/* Case id's answer is exactly `want` (compact JSON) and its scorer iou. */
static void check_answer(struct fx *f, const char *id, const char *want) {
    json_t *c = json_object_get(f->cases, id);
    if (!c) fail_msg("no case '%s'; messages:\n%s", id, f->msgs);
    char *got = json_dumps(json_object_get(c, "answer"), JSON_COMPACT);
    if (!got || strcmp(got, want) != 0) fail_msg("%s: answer %s, want %s", id, got ? got : "(none)", want);
    free(got);
    assert_string_equal(json_string_value(json_object_get(c, "scorer")), "iou");
}

static void test_refcoco(void **state) {
    (void)state;
    struct fx f = {.dir = test_tmpdir()};
    char *img = make_png(f.dir);
    char *tsv = malloc(strlen(img) * 9 + 4096), *o = tsv;
    o += sprintf(o, "index\timage\tquestion\tanswer\twidth\theight\tbbox_x1\tbbox_y1\tbbox_x2\tbbox_y2\n");
    /* r1: the bbox columns win over the answer. */
    o += sprintf(o, "1\t%s\tthe cat\t[0.1, 0.1, 0.2, 0.2]\t400\t300\t100\t50\t200\t150\n", img);
    /* r2: fractions (all <= 1.5): x * 400, y * 300 -> [100, 60, 200, 150]. */
    o += sprintf(o, "2\t%s\tthe dog\t[0.25, 0.2, 0.5, 0.5]\t400\t300\t\t\t\t\n", img);
    /* r3: the grid (max 500 <= 1000): x * 0.4, y * 0.3 -> [100, 60, 200, 150]. */
    o += sprintf(o, "3\t%s\tthe cow\t[250, 200, 500, 500]\t400\t300\t\t\t\t\n", img);
    /* r4: pixels (max 1200 > 1000), x2 clipped to the width: [100, 50, 400, 150]. */
    o += sprintf(o, "4\t%s\tthe pig\t[100, 50, 1200, 150]\t400\t300\t\t\t\t\n", img);
    /* r5: no bracket: the first four numbers 300 200 100 50, grid: [120, 60, 40,
     * 15], corners put in order: [40, 15, 120, 60]. */
    o += sprintf(o, "5\t%s\tthe hen\tthe box is 300 200 100 50\t400\t300\t\t\t\t\n", img);
    /* r6: no width/height: the image's own 400 x 300; [0.5, 0.5, 1, 1] -> [200, 150, 400, 300]. */
    o += sprintf(o, "6\t%s\tthe owl\t[0.5, 0.5, 1, 1]\t\t\t\t\t\t\n", img);
    /* r7: no box: a row error. */
    o += sprintf(o, "7\t%s\tthe fox\tno box here\t400\t300\t\t\t\t\n", img);
    /* r8: no answer and no bbox: imported unscored. */
    o += sprintf(o, "8\t%s\tthe bee\t\t400\t300\t\t\t\t\n", img);
    char *path = test_write_file(f.dir, "RefCOCO_val.tsv", tsv), out[512];
    snprintf(out, sizeof out, "%s/out", f.dir);
    struct vlm_import_params p = vlm_import_default_params();
    p.on_message = on_msg;
    p.user = &f;
    assert_int_equal(vlm_import_vlmevalkit(path, out, &p, &f.sum, f.err, sizeof f.err), VLM_OK);
    assert_string_equal(f.sum.dataset, "RefCOCO_val");
    assert_string_equal(f.sum.type, "ground");
    assert_int_equal(f.sum.n_ok, 7);
    assert_int_equal(f.sum.n_bad, 1);
    assert_non_null(strstr(f.msgs, "answer 'no box here' holds no box [x1, y1, x2, y2]"));
    read_cases(&f);
    check_answer(&f, "1", "{\"boxes\":[[100,50,200,150]],\"size\":[400,300]}");
    check_answer(&f, "2", "{\"boxes\":[[100,60,200,150]],\"size\":[400,300]}");
    check_answer(&f, "3", "{\"boxes\":[[100,60,200,150]],\"size\":[400,300]}");
    check_answer(&f, "4", "{\"boxes\":[[100,50,400,150]],\"size\":[400,300]}");
    check_answer(&f, "5", "{\"boxes\":[[40,15,120,60]],\"size\":[400,300]}");
    check_answer(&f, "6", "{\"boxes\":[[200,150,400,300]],\"size\":[400,300]}");
    json_t *c8 = json_object_get(f.cases, "8");
    assert_non_null(c8);
    assert_null(json_object_get(c8, "answer"));
    /* The prompt is the question alone (RefCOCODataset keeps ImageBaseDataset's prompt). */
    assert_string_equal(json_string_value(json_object_get(json_object_get(f.cases, "1"), "prompt")), "the cat");
    /* The suite loads, and the expected box given back scores IoU 1. */
    vlm_suite *s = vlm_suite_load(f.sum.suite, vlm_suite_default_params(), f.err, sizeof f.err);
    assert_non_null(s);
    struct vlm_score sc;
    for (int i = 0; i < vlm_suite_n_cases(s); i++) {
        const vlm_case *c = vlm_suite_case(s, i);
        assert_null(c->error);
        if (strcmp(c->id, "1") != 0) continue;
        assert_int_equal(
            vlm_score_text(c->scorer, "[100, 50, 200, 150]", c->expected[0], NULL, 0, &sc, f.err, sizeof f.err),
            VLM_OK);
        assert_true(sc.correct && sc.score == 1);
    }
    vlm_suite_free(s);
    json_decref(f.cases);
    free(path);
    free(tsv);
    free(img);
    test_rmdir(f.dir);
}

static void test_folder_box(void **state) {
    (void)state;
    struct fx f = {.dir = test_tmpdir()};
    free(make_png(f.dir));
    char *q = test_write_file(f.dir, "questions.csv",
                              "id,image,question,answer,box\n"
                              "one,img.png,Where is the cat?,,100 50 200 150\n"
                              "two,img.png,Where are both?,,\"[0, 0, 10, 10]|20,20,30,40\"\n"
                              "bad,img.png,Empty box?,,10 10 5 5\n"
                              "both,img.png,Both?,yes,1 2 3 4\n"
                              "noimg,,No image?,,1 2 3 4\n"
                              "plain,img.png,Any box?,cat,\n");
    char out[512];
    snprintf(out, sizeof out, "%s/out", f.dir);
    struct vlm_import_params p = vlm_import_default_params();
    p.on_message = on_msg;
    p.user = &f;
    assert_int_equal(vlm_import_folder(f.dir, NULL, out, &p, &f.sum, f.err, sizeof f.err), VLM_OK);
    assert_int_equal(f.sum.n_ok, 3);
    assert_int_equal(f.sum.n_bad, 3);
    assert_non_null(strstr(f.msgs, "'box' must be 1 to 10 boxes"));
    assert_non_null(strstr(f.msgs, "give 'answer' or 'box', not both"));
    assert_non_null(strstr(f.msgs, "'box' needs an image"));
    read_cases(&f);
    check_answer(&f, "one", "{\"boxes\":[[100,50,200,150]],\"size\":[400,300]}");
    check_answer(&f, "two", "{\"boxes\":[[0,0,10,10],[20,20,30,40]],\"size\":[400,300]}");
    /* A row without a box keeps its scorer. */
    assert_string_equal(json_string_value(json_object_get(json_object_get(f.cases, "plain"), "scorer")), "contains");
    json_decref(f.cases);
    free(q);
    test_rmdir(f.dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refcoco),
        cmocka_unit_test(test_folder_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
