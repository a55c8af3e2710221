/*
 * test_probe.c - the probe suite (lib/probe*.c): the same seed gives the same
 * files byte for byte, another seed other files; every category is there in
 * both languages with a category and a scorer; cases do not change when n
 * grows; bad parameters are refused; and the ground-truth checks (connected
 * components, shapes, colours, ink) on pictures made by hand.
 */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "probe.h"

/* ------------------------------------------------------------ helpers */

static char *path_in(const char *dir, const char *name) {
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)len + 1);
    *n = fread(data, 1, (size_t)len, f);
    data[*n] = 0;
    fclose(f);
    return data;
}

/* 0 when the two files hold the same bytes. */
static int file_cmp(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    unsigned char *da = slurp(a, &na), *db = slurp(b, &nb);
    int rc = !da || !db || na != nb || memcmp(da, db, na) != 0;
    free(da);
    free(db);
    return rc;
}

/* The sorted names of the files in dir/images, NULL-terminated. */
static char **image_names(const char *dir, int *n) {
    char *images = path_in(dir, "images");
    DIR *d = opendir(images);
    free(images);
    assert_non_null(d);
    char **names = calloc(4096, sizeof *names);
    *n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && *n < 4095) names[(*n)++] = strdup(e->d_name);
    closedir(d);
    for (int i = 0; i < *n; i++)
        for (int j = i + 1; j < *n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    return names;
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

static struct vlm_probe_params small_params(uint64_t seed) {
    struct vlm_probe_params p = vlm_probe_default_params();
    p.n_per_category = 2;
    p.seed = seed;
    p.lang = VLM_PROBE_BOTH;
    p.level = 3;
    return p;
}

static void write_probe(const struct vlm_probe_params *p, const char *dir, struct vlm_probe_summary *sum) {
    char err[1024];
    if (vlm_probe_write(p, dir, sum, err, sizeof err) != VLM_OK) fail_msg("%s", err);
}

/* Every file of a probe folder is in b with the same bytes, and b has no other. */
static void assert_same_folders(const char *a, const char *b) {
    char *ja = path_in(a, "probe.jsonl"), *jb = path_in(b, "probe.jsonl");
    assert_int_equal(file_cmp(ja, jb), 0);
    free(ja);
    free(jb);
    int na, nb;
    char **fa = image_names(a, &na), **fb = image_names(b, &nb);
    assert_int_equal(na, nb);
    assert_true(na > 0);
    for (int i = 0; i < na; i++) {
        assert_string_equal(fa[i], fb[i]);
        char *rel = path_in("images", fa[i]), *pa = path_in(a, rel), *pb = path_in(b, rel);
        if (file_cmp(pa, pb) != 0) fail_msg("%s differs", rel);
        free(rel);
        free(pa);
        free(pb);
    }
    free_names(fa, na);
    free_names(fb, nb);
}

/* ------------------------------------------------------------ the suite */

static void test_same_seed_same_bytes(void **state) {
    char *dir = test_tmpdir();
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    struct vlm_probe_params p = small_params(7);
    struct vlm_probe_summary sa, sb;
    write_probe(&p, a, &sa);
    write_probe(&p, b, &sb);
    assert_int_equal(sa.n_cases, 2 * 2 * vlm_probe_n_categories());
    assert_int_equal(sa.n_cases, sb.n_cases);
    assert_int_equal(sa.n_images, sb.n_images);
    assert_same_folders(a, b);
    free(a);
    free(b);
    test_rmdir(dir);
}

static void test_other_seed_other_files(void **state) {
    char *dir = test_tmpdir();
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    struct vlm_probe_params p7 = small_params(7), p8 = small_params(8);
    write_probe(&p7, a, NULL);
    write_probe(&p8, b, NULL);
    char *ja = path_in(a, "probe.jsonl"), *jb = path_in(b, "probe.jsonl");
    assert_int_not_equal(file_cmp(ja, jb), 0);
    /* the pictures differ too, not just their names */
    char *ia = path_in(a, "images/counting-L3-s7-001.png"), *ib = path_in(b, "images/counting-L3-s8-001.png");
    assert_int_not_equal(file_cmp(ia, ib), 0);
    free(ia);
    free(ib);
    free(ja);
    free(jb);
    free(a);
    free(b);
    test_rmdir(dir);
}

static int category_index(const char *name) {
    for (int i = 0; i < vlm_probe_n_categories(); i++)
        if (strcmp(vlm_probe_category(i), name) == 0) return i;
    return -1;
}

static void test_every_category_both_languages(void **state) {
    char *dir = test_tmpdir();
    struct vlm_probe_params p = small_params(3);
    p.n_per_category = 4;
    write_probe(&p, dir, NULL);
    char *path = path_in(dir, "probe.jsonl"), err[512];
    vlm_suite *s = vlm_suite_load(path, vlm_suite_default_params(), err, sizeof err);
    assert_non_null(s);
    int n_cat = vlm_probe_n_categories(), per[16][2] = {{0}}, yes[2] = {0}, no[2] = {0};
    assert_int_equal(vlm_suite_n_cases(s), n_cat * 4 * 2);
    for (int i = 0; i < vlm_suite_n_cases(s); i++) {
        const vlm_case *c = vlm_suite_case(s, i);
        if (c->error) fail_msg("%s", c->error);
        int k = category_index(c->category), zh = strstr(c->id, "-zh") != NULL;
        assert_true(k >= 0);
        per[k][zh]++;
        assert_true(c->scorer[0] != 0);
        assert_true(c->n_images >= 1);
        for (int t = 0; t < c->n_turns; t++) assert_non_null(c->expected[t]);
        if (strcmp(c->category, "multi_image") == 0) assert_true(c->n_images >= 2);
        if (strcmp(c->category, "multi_turn") == 0) assert_true(c->n_turns >= 2);
        if (strcmp(c->category, "conversation") == 0) assert_int_equal(c->n_turns, 12); /* level 3 */
        if (strcmp(c->scorer, "choice") == 0) assert_true(c->n_choices >= 2);
        if (strcmp(c->category, "hallucination") == 0) {
            yes[zh] += strcmp(c->expected[0], "\"yes\"") == 0;
            no[zh] += strcmp(c->expected[0], "\"no\"") == 0;
        }
        for (int m = 0; m < c->n_images; m++) {
            vlm_image img;
            if (vlm_image_load(c->images[m], &img, err, sizeof err) != VLM_OK) fail_msg("%s", err);
            vlm_image_free(&img);
        }
    }
    for (int k = 0; k < n_cat; k++) {
        assert_int_equal(per[k][0], 4);
        assert_int_equal(per[k][1], 4);
    }
    for (int l = 0; l < 2; l++) { /* hallucination questions are balanced */
        assert_int_equal(yes[l], 2);
        assert_int_equal(no[l], 2);
    }
    vlm_suite_free(s);
    free(path);
    test_rmdir(dir);
}

/* The line of the case with this id, from a probe.jsonl. */
static char *line_of(const char *jsonl, const char *id) {
    size_t n;
    char *text = (char *)slurp(jsonl, &n), *found = NULL;
    char key[128];
    snprintf(key, sizeof key, "{\"id\":\"%s\"", id);
    char *at = text ? strstr(text, key) : NULL;
    if (at) found = strndup(at, strcspn(at, "\n"));
    free(text);
    return found;
}

static void test_cases_stay_when_n_grows(void **state) {
    char *dir = test_tmpdir();
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    struct vlm_probe_params p = small_params(11);
    p.n_per_category = 1;
    p.lang = VLM_PROBE_EN;
    write_probe(&p, a, NULL);
    p.n_per_category = 3;
    p.lang = VLM_PROBE_BOTH;
    write_probe(&p, b, NULL);
    char *ja = path_in(a, "probe.jsonl"), *jb = path_in(b, "probe.jsonl");
    for (int k = 0; k < vlm_probe_n_categories(); k++) {
        char id[96];
        snprintf(id, sizeof id, "%s-L3-s11-001-en", vlm_probe_category(k));
        char *la = line_of(ja, id), *lb = line_of(jb, id);
        assert_non_null(la);
        assert_non_null(lb);
        assert_string_equal(la, lb);
        free(la);
        free(lb);
    }
    free(ja);
    free(jb);
    free(a);
    free(b);
    test_rmdir(dir);
}

/* --categories: only the named ones are written, in the table's order, and a
 * case is the same as in a full probe (its random stream is its category's). */
static void test_some_categories(void **state) {
    char *dir = test_tmpdir();
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    struct vlm_probe_params p = small_params(4);
    p.n_per_category = 1;
    p.lang = VLM_PROBE_EN;
    struct vlm_probe_summary sum;
    write_probe(&p, a, &sum);
    assert_int_equal(sum.n_categories, vlm_probe_n_categories());
    p.categories = "conversation,counting";
    write_probe(&p, b, &sum);
    assert_int_equal(sum.n_categories, 2);
    assert_int_equal(sum.n_cases, 2); /* 1 per category, English */
    char *ja = path_in(a, "probe.jsonl"), *jb = path_in(b, "probe.jsonl");
    const char *ids[] = {"counting-L3-s4-001-en", "conversation-L3-s4-001-en"};
    for (int i = 0; i < 2; i++) {
        char *la = line_of(ja, ids[i]), *lb = line_of(jb, ids[i]);
        assert_non_null(la);
        assert_non_null(lb);
        assert_string_equal(la, lb);
        free(la);
        free(lb);
    }
    char *colors = line_of(jb, "colors-L3-s4-001-en");
    assert_null(colors);
    free(ja);
    free(jb);
    free(a);
    free(b);
    test_rmdir(dir);
}

static void test_bad_parameters(void **state) {
    char *dir = test_tmpdir(), err[512];
    struct vlm_probe_params p = vlm_probe_default_params();
    p.level = 4;
    assert_int_equal(vlm_probe_write(&p, dir, NULL, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "level"));
    p = vlm_probe_default_params();
    p.n_per_category = 0;
    assert_int_equal(vlm_probe_write(&p, dir, NULL, err, sizeof err), VLM_ERR_INPUT);
    p = vlm_probe_default_params();
    p.name = "../escape";
    assert_int_equal(vlm_probe_write(&p, dir, NULL, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "suite name"));
    p = vlm_probe_default_params();
    p.lang = 0;
    assert_int_equal(vlm_probe_write(&p, dir, NULL, err, sizeof err), VLM_ERR_INPUT);
    p = vlm_probe_default_params();
    p.categories = "colors,colours";
    assert_int_equal(vlm_probe_write(&p, dir, NULL, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "unknown category 'colours'"));
    test_rmdir(dir);
}

static void test_rng_is_splitmix64(void **state) {
    probe_rng r = {0};
    assert_true(probe_rng_next(&r) == 0xe220a8397b1dcdafull); /* the published first value */
    assert_true(probe_rng_next(&r) == 0x6e789e6aa1b965f4ull);
    for (int i = 0; i < 1000; i++) {
        int v = probe_rng_int(&r, 3, 7);
        assert_true(v >= 3 && v <= 7);
    }
}

/* ------------------------------------------------------------ checks on hand-made pictures */

static vlm_image blank(int w, int h, uint32_t rgb) {
    vlm_image im = {.width = (uint32_t)w, .height = (uint32_t)h, .rgb = malloc((size_t)w * h * 3)};
    for (int i = 0; i < w * h; i++) {
        im.rgb[3 * i] = (unsigned char)(rgb >> 16);
        im.rgb[3 * i + 1] = (unsigned char)(rgb >> 8);
        im.rgb[3 * i + 2] = (unsigned char)rgb;
    }
    return im;
}

static void put(vlm_image *im, int x, int y, uint32_t rgb) {
    unsigned char *p = im->rgb + ((size_t)y * im->width + (size_t)x) * 3;
    p[0] = (unsigned char)(rgb >> 16);
    p[1] = (unsigned char)(rgb >> 8);
    p[2] = (unsigned char)rgb;
}

static void box(vlm_image *im, int x0, int y0, int x1, int y1, uint32_t rgb) {
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) put(im, x, y, rgb);
}

static void disc(vlm_image *im, double cx, double cy, double r, uint32_t rgb) {
    for (int y = 0; y < (int)im->height; y++)
        for (int x = 0; x < (int)im->width; x++)
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) put(im, x, y, rgb);
}

/* An upright equilateral triangle inside the circle (cx, cy, r). */
static void triangle(vlm_image *im, double cx, double cy, double r, uint32_t rgb) {
    double ax = cx, ay = cy - r, bx = cx - r * sqrt(3) / 2, by = cy + r / 2, qx = cx + r * sqrt(3) / 2, qy = by;
    for (int y = 0; y < (int)im->height; y++)
        for (int x = 0; x < (int)im->width; x++) {
            double d1 = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
            double d2 = (qx - bx) * (y - by) - (qy - by) * (x - bx);
            double d3 = (ax - qx) * (y - qy) - (ay - qy) * (x - qx);
            if ((d1 <= 0 && d2 <= 0 && d3 <= 0) || (d1 >= 0 && d2 >= 0 && d3 >= 0)) put(im, x, y, rgb);
        }
}

#define RED  0xDC1E1Eu
#define BLUE 0x1E46D2u
#define PINK 0xF578B9u

static void test_components_count_objects(void **state) {
    vlm_image im = blank(120, 80, PROBE_WHITE);
    box(&im, 5, 5, 20, 20, RED);
    box(&im, 30, 5, 45, 20, RED);
    box(&im, 60, 40, 75, 55, RED);
    box(&im, 90, 40, 105, 55, BLUE);
    box(&im, 100, 5, 101, 6, RED); /* a 4-pixel speck: edge noise, not an object */
    uint32_t pal[] = {RED, BLUE};
    struct probe_blob b[8];
    assert_int_equal(probe_blobs(&im, PROBE_WHITE, pal, 2, 0, 30, b, 8), 3);
    assert_int_equal(b[0].area, 256);
    assert_int_equal(b[0].x0, 5);
    assert_int_equal(b[0].y1, 20);
    assert_true(fabs(b[0].cx - 12.5) < 1e-9);
    assert_int_equal(probe_blobs(&im, PROBE_WHITE, pal, 2, 1, 30, b, 8), 1);
    /* two objects that touch are one region: a count check would catch it */
    box(&im, 21, 8, 29, 12, RED);
    assert_int_equal(probe_blobs(&im, PROBE_WHITE, pal, 2, 0, 30, b, 8), 2);
    vlm_image_free(&im);
}

static void test_blended_edges_stay_with_their_colour(void **state) {
    /* a red square ringed by half red, half white pixels, which lie nearer to
     * pink than to red: they must not make a pink region */
    vlm_image im = blank(100, 60, PROBE_WHITE);
    box(&im, 9, 9, 31, 31, 0xEE8E8Eu);
    box(&im, 10, 10, 30, 30, RED);
    box(&im, 60, 10, 80, 30, PINK);
    uint32_t pal[] = {RED, PINK};
    struct probe_blob b[4];
    assert_int_equal(probe_blobs(&im, PROBE_WHITE, pal, 2, 1, 30, b, 4), 1);
    assert_int_equal(b[0].x0, 60);
    assert_int_equal(probe_blobs(&im, PROBE_WHITE, pal, 2, 0, 30, b, 4), 1);
    assert_int_equal(b[0].area, 23 * 23); /* the ring is more than half red */
    vlm_image_free(&im);
}

static enum probe_shape shape_of(vlm_image *im, uint32_t rgb) {
    struct probe_blob b;
    assert_int_equal(probe_blobs(im, PROBE_WHITE, &rgb, 1, 0, 30, &b, 1), 1);
    return probe_blob_shape(&b);
}

static void test_shapes_from_pixels(void **state) {
    vlm_image im = blank(200, 100, PROBE_WHITE);
    disc(&im, 30, 50, 22, RED);
    box(&im, 80, 35, 110, 65, BLUE);
    triangle(&im, 160, 55, 30, PINK);
    assert_int_equal(shape_of(&im, RED), PS_CIRCLE);
    assert_int_equal(shape_of(&im, BLUE), PS_SQUARE);
    assert_int_equal(shape_of(&im, PINK), PS_TRIANGLE);
    vlm_image_free(&im);
    /* and on what the renderer draws, at every angle */
    for (int s = 0; s < PS_N; s++)
        for (int angle = 0; angle < 90; angle += 13) {
            probe_canvas *c = probe_canvas_new(80, 80, PROBE_WHITE);
            probe_draw_shape(c, (enum probe_shape)s, 40, 40, 16, angle, RED, 0);
            probe_canvas_rgb(c, &im);
            if (shape_of(&im, RED) != (enum probe_shape)s) fail_msg("shape %d at %d degrees", s, angle);
            vlm_image_free(&im);
            probe_canvas_free(c);
        }
}

static void test_colour_names_from_pixels(void **state) {
    vlm_image im = blank(40, 40, PROBE_WHITE);
    box(&im, 10, 10, 29, 29, 0xD0302A);                        /* a slightly off red */
    for (int i = 10; i < 30; i += 3) put(&im, i, i, 0xFFFFFF); /* some noise */
    uint32_t mean = probe_mean_rgb(&im, 12, 12, 27, 27);
    assert_int_equal(probe_nearest_colour(mean, NULL, 0), PC_RED);
    int only[] = {PC_ORANGE, PC_PINK};
    assert_int_equal(probe_nearest_colour(mean, only, 2), PC_ORANGE);
    vlm_image_free(&im);
}

static void test_palette_names_are_far_apart(void **state) {
    for (int a = 0; a < PC_N; a++)
        for (int b = a + 1; b < PC_N; b++) {
            uint32_t x = probe_colours[a].rgb, y = probe_colours[b].rgb;
            int dr = (int)(x >> 16) - (int)(y >> 16), dg = (int)((x >> 8) & 255) - (int)((y >> 8) & 255);
            int db = (int)(x & 255) - (int)(y & 255);
            if (dr * dr + dg * dg + db * db < 80 * 80)
                fail_msg("%s and %s are too close", probe_colours[a].en, probe_colours[b].en);
        }
}

static void test_ink_and_differences(void **state) {
    vlm_image a = blank(50, 30, 0xF0F0F0), b = blank(50, 30, 0xF0F0F0);
    int x0, y0, x1, y1;
    assert_false(probe_ink_box(&a, 0xF0F0F0, 24, &x0, &y0, &x1, &y1));
    box(&a, 10, 5, 20, 8, 0x303030);
    put(&a, 30, 20, 0xE0E0E0); /* within the tolerance: not ink */
    assert_true(probe_ink_box(&a, 0xF0F0F0, 24, &x0, &y0, &x1, &y1));
    assert_int_equal(x0, 10);
    assert_int_equal(y0, 5);
    assert_int_equal(x1, 20);
    assert_int_equal(y1, 8);
    assert_int_equal(probe_count_ink(&a, 0xF0F0F0, 24, 0, 0, 15, 29), 6 * 4);
    assert_int_equal(probe_diff_pixels(&a, &b), 11 * 4 + 1);
    vlm_image c = blank(10, 10, 0);
    assert_int_equal(probe_diff_pixels(&a, &c), -1);
    vlm_image_free(&a);
    vlm_image_free(&b);
    vlm_image_free(&c);
}

static void test_text_glyphs_and_fonts(void **state) {
    char err[256];
    assert_int_equal(probe_fonts_check(err, sizeof err), 0);
    probe_canvas *c = probe_canvas_new(300, 80, PROBE_WHITE);
    double w, h;
    assert_int_equal(probe_draw_text(c, "Hello 你好世界", 150, 40, 24, 0, 0, 0, 0, &w, &h), 0);
    assert_true(w > 100 && w < 280);
    assert_true(h > 20 && h < 60);
    vlm_image im;
    probe_canvas_rgb(c, &im);
    int x0, y0, x1, y1;
    assert_true(probe_ink_box(&im, PROBE_WHITE, 24, &x0, &y0, &x1, &y1));
    assert_true(x0 > 150 - w / 2 - 2 && x1 < 150 + w / 2 + 2);
    vlm_image_free(&im);
    /* a character no font has is counted */
    assert_true(probe_draw_text(c, "\xEE\x80\x80", 10, 10, 20, 0, 0, -1, -1, NULL, NULL) > 0); /* U+E000 */
    probe_canvas_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_other_seed_other_files),
        cmocka_unit_test(test_every_category_both_languages),
        cmocka_unit_test(test_cases_stay_when_n_grows),
        cmocka_unit_test(test_some_categories),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_rng_is_splitmix64),
        cmocka_unit_test(test_components_count_objects),
        cmocka_unit_test(test_blended_edges_stay_with_their_colour),
        cmocka_unit_test(test_shapes_from_pixels),
        cmocka_unit_test(test_colour_names_from_pixels),
        cmocka_unit_test(test_palette_names_are_far_apart),
        cmocka_unit_test(test_ink_and_differences),
        cmocka_unit_test(test_text_glyphs_and_fonts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
