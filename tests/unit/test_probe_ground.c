/*
 * test_probe_ground.c - the probe category `grounding` (lib/probe_ground.c,
 * docs/probe.md): at every level and in both languages, each expected box is
 * recomputed here from the saved PNG, independently of lib/probe_check.c: the
 * pixels that are at least half the named colour (blended with white) must all
 * lie inside the box, and each of the box's four edge rows/columns must hold
 * one. The box's size field is the picture's size, the Chinese case asks for
 * the same boxes, and the `iou` scorer gives the box itself IoU 1.
 */
#include "testutil.h"

#include <jansson.h>
#include <math.h>

#include "probe.h"

/* Whether pixel (x, y) is at least half `rgb` in a blend with white, and
 * nothing else: the blend factor a of the pixel along white -> rgb is >= 0.5
 * and the pixel is within 16 (RGB distance) of that blend. Anti-aliased edges
 * are exact blends up to rounding; an edge of another colour is farther (a
 * half-green pixel is 62 away from the white-black line). */
static bool of_colour(const vlm_image *im, int x, int y, uint32_t rgb) {
    const unsigned char *p = im->rgb + ((size_t)y * im->width + (size_t)x) * 3;
    double d[3], c[3], dot = 0, len2 = 0, res = 0;
    for (int k = 0; k < 3; k++) {
        d[k] = 255.0 - p[k];
        c[k] = 255.0 - (double)((rgb >> (16 - 8 * k)) & 255);
        dot += d[k] * c[k];
        len2 += c[k] * c[k];
    }
    double a = dot / len2;
    for (int k = 0; k < 3; k++) res += (d[k] - a * c[k]) * (d[k] - a * c[k]);
    return a >= 0.5 && res <= 16.0 * 16.0;
}

/* Check one box against the pixels of colour rgb. */
static void check_box(const vlm_image *im, uint32_t rgb, const json_t *box, const char *id) {
    int b[4];
    for (int k = 0; k < 4; k++) b[k] = (int)json_integer_value(json_array_get(box, (size_t)k));
    if (!(b[0] >= 0 && b[1] >= 0 && b[2] <= (int)im->width && b[3] <= (int)im->height && b[2] - b[0] >= 20 &&
          b[3] - b[1] >= 20))
        fail_msg("%s: box [%d, %d, %d, %d] is not a drawn object's", id, b[0], b[1], b[2], b[3]);
    bool edge[4] = {false};
    for (int y = 0; y < (int)im->height; y++)
        for (int x = 0; x < (int)im->width; x++) {
            if (!of_colour(im, x, y, rgb)) continue;
            if (x < b[0] || x >= b[2] || y < b[1] || y >= b[3])
                fail_msg("%s: pixel (%d, %d) of #%06X lies outside [%d, %d, %d, %d]", id, x, y, rgb, b[0], b[1], b[2],
                         b[3]);
            edge[0] |= x == b[0];
            edge[1] |= y == b[1];
            edge[2] |= x == b[2] - 1;
            edge[3] |= y == b[3] - 1;
        }
    for (int k = 0; k < 4; k++)
        if (!edge[k])
            fail_msg("%s: edge %d of [%d, %d, %d, %d] holds no pixel of #%06X", id, k, b[0], b[1], b[2], b[3], rgb);
}

/* The colours named in an English grounding question, in the order named. */
static int colours_asked(const char *prompt, uint32_t *out) {
    const char *at[PC_N];
    int n = 0;
    for (int c = 0; c < PC_N; c++) {
        char key[32];
        snprintf(key, sizeof key, "the %s ", probe_colours[c].en);
        const char *p = strstr(prompt, key);
        if (!p) continue;
        int i = n++;
        while (i > 0 && at[i - 1] > p) { /* insertion by position */
            at[i] = at[i - 1];
            out[i] = out[i - 1];
            i--;
        }
        at[i] = p;
        out[i] = probe_colours[c].rgb;
    }
    return n;
}

/* The case's expected answer must score IoU 1 given back as the reply. */
static void check_round_trip(const json_t *exp, const char *expected) {
    char *reply = json_dumps(json_object_get(exp, "boxes"), JSON_COMPACT);
    struct vlm_score s;
    char err[256] = "";
    assert_int_equal(vlm_score_text("iou", reply, expected, NULL, 0, &s, err, sizeof err), VLM_OK);
    if (fabs(s.score - 1) > 1e-12 || !s.correct) fail_msg("reply %s scores %g (%s)", reply, s.score, s.detail);
    free(reply);
}

static void check_level(int level) {
    char *dir = test_tmpdir(), err[512];
    struct vlm_probe_params p = vlm_probe_default_params();
    p.n_per_category = 4;
    p.level = level;
    p.seed = 21;
    p.lang = VLM_PROBE_BOTH;
    if (vlm_probe_write(&p, dir, NULL, err, sizeof err) != VLM_OK) fail_msg("%s", err);
    char path[512];
    snprintf(path, sizeof path, "%s/probe.jsonl", dir);
    vlm_suite *s = vlm_suite_load(path, vlm_suite_default_params(), err, sizeof err);
    assert_non_null(s);
    int n_en = 0, n_zh = 0;
    const char *last_en_expected = NULL;
    for (int i = 0; i < vlm_suite_n_cases(s); i++) {
        const vlm_case *c = vlm_suite_case(s, i);
        if (strcmp(c->category, "grounding") != 0) continue;
        assert_string_equal(c->scorer, "iou");
        assert_int_equal(c->n_images, 1);
        assert_int_equal(c->n_turns, 1);
        if (strstr(c->id, "-zh")) { /* the same boxes as the English case just before */
            assert_non_null(last_en_expected);
            assert_string_equal(c->expected[0], last_en_expected);
            n_zh++;
            continue;
        }
        n_en++;
        last_en_expected = c->expected[0];
        json_t *exp = json_loads(c->expected[0], 0, NULL);
        assert_non_null(exp);
        vlm_image im;
        if (vlm_image_load(c->images[0], &im, err, sizeof err) != VLM_OK) fail_msg("%s", err);
        json_t *size = json_object_get(exp, "size"), *boxes = json_object_get(exp, "boxes");
        assert_int_equal(json_integer_value(json_array_get(size, 0)), im.width);
        assert_int_equal(json_integer_value(json_array_get(size, 1)), im.height);
        uint32_t rgb[PC_N];
        int n = colours_asked(c->turns[0], rgb);
        assert_int_equal(n, level == 3 ? 2 : 1); /* level 3 asks for two objects */
        assert_int_equal(json_array_size(boxes), n);
        for (int k = 0; k < n; k++) check_box(&im, rgb[k], json_array_get(boxes, (size_t)k), c->id);
        check_round_trip(exp, c->expected[0]);
        vlm_image_free(&im);
        json_decref(exp);
    }
    assert_int_equal(n_en, 4);
    assert_int_equal(n_zh, 4);
    vlm_suite_free(s);
    test_rmdir(dir);
}

static void test_level1(void **state) {
    (void)state;
    check_level(1);
}
static void test_level2(void **state) {
    (void)state;
    check_level(2);
}
static void test_level3(void **state) {
    (void)state;
    check_level(3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level1),
        cmocka_unit_test(test_level2),
        cmocka_unit_test(test_level3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
