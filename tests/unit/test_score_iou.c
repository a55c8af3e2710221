/*
 * test_score_iou.c - the `iou` scorer (lib/score_iou.c, docs/scoring.md "iou")
 * on hand-worked replies: every box format models emit (Qwen2.5/3-VL bbox_2d
 * JSON, Qwen-VL and InternVL <box> tags, plain lists, the pair form), every
 * convention (pixels, the 0-1000 grid, 0-1 fractions) found automatically or
 * pinned by the case, several boxes matched one-to-one, the threshold, the
 * expected answer's errors, and garbage that must be unparsed, never a crash.
 * Every IoU below is worked out by hand in the comment beside it.
 */
#include "testutil.h"

#include <math.h>

/* The image is 400 x 300 pixels; the target box E = [100, 50, 200, 150] has
 * area 100 * 100 = 10000. */
#define SIZE       "\"size\": [400, 300]"
#define ONE        "{\"boxes\": [[100, 50, 200, 150]], " SIZE "}"
#define ONE_PIN(f) "{\"boxes\": [[100, 50, 200, 150]], " SIZE ", \"box_format\": \"" f "\"}"

static struct vlm_score run(const char *reply, const char *exp, int line) {
    struct vlm_score s;
    char err[256] = "";
    int rc = vlm_score_text("iou", reply, exp, NULL, 0, &s, err, sizeof err);
    if (rc != VLM_OK) fail_msg("line %d: iou('%s', %s) failed: %s", line, reply, exp, err);
    return s;
}

/* The reply scores `want` (to 1e-9), is right or wrong, and its detail says `detail`. */
static void check(const char *reply, const char *exp, double want, bool correct, const char *detail, int line) {
    struct vlm_score s = run(reply, exp, line);
    if (fabs(s.score - want) > 1e-9)
        fail_msg("line %d: iou('%s') = %.12g, want %.12g (%s)", line, reply, s.score, want, s.detail);
    if (s.correct != correct) fail_msg("line %d: iou('%s') correct=%d (%s)", line, reply, s.correct, s.detail);
    if (s.unparsed) fail_msg("line %d: iou('%s') unparsed", line, reply);
    if (detail && strcmp(s.detail, detail) != 0) fail_msg("line %d: detail '%s', want '%s'", line, s.detail, detail);
}
#define CHECK(reply, exp, want, correct, detail) check(reply, exp, want, correct, detail, __LINE__)

static void unparsed(const char *reply, const char *exp, int line) {
    struct vlm_score s = run(reply, exp, line);
    if (!s.unparsed || s.correct || s.score != 0 || strcmp(s.detail, "unparsed: no box") != 0)
        fail_msg("line %d: iou('%s') should be unparsed: score %g, detail '%s'", line, reply, s.score, s.detail);
}
#define UNPARSED(reply, exp) unparsed(reply, exp, __LINE__)

static void error(const char *exp, const char *needle, int line) {
    struct vlm_score s;
    char err[256] = "";
    int rc = vlm_score_text("iou", "[1, 2, 3, 4]", exp, NULL, 0, &s, err, sizeof err);
    if (rc != VLM_ERR_INPUT) fail_msg("line %d: %s accepted", line, exp ? exp : "NULL");
    if (!strstr(err, needle)) fail_msg("line %d: error '%s' lacks '%s'", line, err, needle);
    if (!strstr(err, "scorer 'iou'")) fail_msg("line %d: error '%s' does not name the scorer", line, err);
}
#define ERROR(exp, needle) error(exp, needle, __LINE__)

/* ------------------------------------------------------------------ pixels */

static void test_pixels(void **state) {
    (void)state;
    /* The box itself; 200 <= 400 and 150 <= 300 fit the image: pixels. */
    CHECK("[100, 50, 200, 150]", ONE, 1.0, true, "iou 1.000 (pixels)");
    /* Shifted right by 50: overlap x 150..200 = 50, y 100 -> 5000; union
     * 10000 + 10000 - 5000 = 15000; IoU 1/3 < 0.5. */
    CHECK("The box is [150, 50, 250, 150].", ONE, 1.0 / 3, false, "iou 0.333 (pixels)");
    /* The same with threshold 0.3: 1/3 >= 0.3 is right. */
    CHECK("[150, 50, 250, 150]", "{\"boxes\": [[100, 50, 200, 150]], " SIZE ", \"threshold\": 0.3}", 1.0 / 3, true,
          NULL);
    /* Qwen2.5-VL: bbox_2d in absolute pixels. */
    CHECK("```json\n[{\"bbox_2d\": [100, 50, 200, 150], \"label\": \"red circle\"}]\n```", ONE, 1.0, true,
          "iou 1.000 (pixels)");
    /* Corners given the other way round are put in order. */
    CHECK("[200, 150, 100, 50]", ONE, 1.0, true, NULL);
    /* The pair form outside tags, with decimals: [100.5, 50, 200, 150]:
     * overlap 99.5 * 100 = 9950 = the smaller box; union 10000; IoU 0.995. */
    CHECK("(100.5, 50), (200, 150)", ONE, 0.995, true, "iou 0.995 (pixels)");
    /* No overlap: 0. */
    CHECK("[250, 200, 300, 250]", ONE, 0.0, false, "iou 0.000 (pixels)");
    /* 'box' is the one-box shorthand of 'boxes'. */
    CHECK("[100, 50, 200, 150]", "{\"box\": [100, 50, 200, 150], " SIZE "}", 1.0, true, NULL);
    /* Reasoning is removed first: the box inside <think> is not read. */
    CHECK("<think>maybe [0, 0, 1, 1]</think>[100, 50, 200, 150]", ONE, 1.0, true, "iou 1.000 (pixels)");
}

/* ------------------------------------------------------------------ the 0-1000 grid */

static void test_grid1000(void **state) {
    (void)state;
    /* Qwen3-VL: bbox_2d on the 0-1000 grid. 500 > 400 (the width) does not fit
     * the image and all values are <= 1000: grid1000. In pixels x * 400/1000,
     * y * 300/1000: [100, 60, 200, 150], area 100 * 90 = 9000, inside E:
     * overlap 9000, union 10000, IoU 0.9. */
    const char *qwen3 = "```json\n[\n  {\"bbox_2d\": [250, 200, 500, 500], \"label\": \"the red circle\"}\n]\n```";
    CHECK(qwen3, ONE, 0.9, true, "iou 0.900 (grid1000)");
    /* The same reply with the case pinned to pixels: [250, 200, 500, 500] does
     * not meet E (x 250 > 200): 0. */
    CHECK(qwen3, ONE_PIN("pixels"), 0.0, false, "iou 0.000 (pixels)");
    /* Qwen-VL tags are on the grid even when the values would fit the image:
     * (200,200),(300,300) -> [80, 60, 120, 90], area 40 * 30 = 1200; overlap
     * x 100..120 = 20, y 60..90 = 30 -> 600; union 10000 + 1200 - 600 = 10600;
     * IoU 600 / 10600. */
    CHECK("<ref>the red circle</ref><box>(200,200),(300,300)</box>", ONE, 600.0 / 10600, false, "iou 0.057 (grid1000)");
    /* (250,167),(500,500) -> [100, 50.1, 200, 150]: overlap 100 * 99.9 = 9990,
     * union 10000, IoU 0.999. */
    CHECK("<|object_ref_start|>circle<|object_ref_end|><|box_start|>(250,167),(500,500)<|box_end|>", ONE, 0.999, true,
          "iou 0.999 (grid1000)");
    /* InternVL: <box>[[x1, y1, x2, y2]]</box> on the grid: as the Qwen3 reply, 0.9. */
    CHECK("<ref>red circle</ref><box>[[250, 200, 500, 500]]</box>", ONE, 0.9, true, "iou 0.900 (grid1000)");
    /* Pinned grid1000 on values that fit the image: [100, 50, 200, 150] on the
     * grid is [40, 15, 80, 45] in pixels, left of E (80 < 100): 0. */
    CHECK("[100, 50, 200, 150]", ONE_PIN("grid1000"), 0.0, false, "iou 0.000 (grid1000)");
    /* Values beyond 1000 are pixels even when beyond the image: [100, 50, 1200,
     * 150] in pixels overlaps E fully (10000) in an area of 1100 * 100 = 110000:
     * IoU 10000 / 110000. */
    CHECK("[100, 50, 1200, 150]", ONE, 10000.0 / 110000, false, "iou 0.091 (pixels)");
}

/* ------------------------------------------------------------------ 0-1 fractions */

static void test_unit(void **state) {
    (void)state;
    /* Every value within 0..1: fractions of the width and height. [0.25, 0.2,
     * 0.5, 0.5] -> [100, 60, 200, 150]: IoU 0.9 as above. */
    CHECK("[0.25, 0.2, 0.5, 0.5]", ONE, 0.9, true, "iou 0.900 (unit)");
    /* [0, 0, 1, 1] is the whole picture (400 * 300 = 120000), not a 1-pixel box:
     * IoU 10000 / 120000. */
    CHECK("[0, 0, 1, 1]", ONE, 10000.0 / 120000, false, "iou 0.083 (unit)");
    /* Pinned unit on a reply in pixels: [100, 50, 200, 150] * (400, 300) is far
     * outside the picture, beyond E: 0. */
    CHECK("[100, 50, 200, 150]", ONE_PIN("unit"), 0.0, false, "iou 0.000 (unit)");
    /* Pinned pixels on fractions: a box under 1 pixel at the corner, outside E: 0. */
    CHECK("[0.25, 0.2, 0.5, 0.5]", ONE_PIN("pixels"), 0.0, false, "iou 0.000 (pixels)");
}

/* ------------------------------------------------------------------ several boxes */

/* E1 = [100, 50, 200, 150] and E2 = [300, 200, 400, 300], 10000 each. */
#define TWO "{\"boxes\": [[100, 50, 200, 150], [300, 200, 400, 300]], " SIZE "}"

static void test_several(void **state) {
    (void)state;
    /* Both boxes, in the other order: matched one-to-one, 1 each; mean 1. */
    CHECK("```json\n[\n {\"bbox_2d\": [300, 200, 400, 300], \"label\": \"blue square\"},\n"
          " {\"bbox_2d\": [100, 50, 200, 150], \"label\": \"red circle\"}\n]\n```",
          TWO, 1.0, true, "iou 1.000 (pixels; 2 boxes for 2 expected)");
    /* Only E1: (1 + 0) / 2 = 0.5, and wrong: E2 has no box. */
    CHECK("[100, 50, 200, 150]", TWO, 0.5, false, "iou 0.500 (pixels; 1 box for 2 expected)");
    /* Both plus an extra box: (1 + 1 + 0) / 3, wrong: a box too many. */
    CHECK("[100, 50, 200, 150], [300, 200, 400, 300], [0, 0, 10, 10]", TWO, 2.0 / 3, false,
          "iou 0.667 (pixels; 3 boxes for 2 expected)");
    /* The same box twice for two objects: matched once; (1 + 0) / 2. */
    CHECK("[100, 50, 200, 150] [100, 50, 200, 150]", TWO, 0.5, false, NULL);
    /* InternVL's several boxes in one tag, on the grid: [250, 200, 500, 500] is
     * [100, 60, 200, 150] in pixels (IoU 0.9 with E1, above); [750, 700, 1000,
     * 1000] is [300, 210, 400, 300], area 100 * 90 = 9000 inside E2: IoU 0.9.
     * Mean (0.9 + 0.9) / 2 = 0.9. */
    CHECK("<ref>circle and square</ref><box>[[250, 200, 500, 500], [750, 700, 1000, 1000]]</box>", TWO, 0.9, true,
          "iou 0.900 (grid1000; 2 boxes for 2 expected)");
}

/* The matching maximises the summed IoU, not greedily. E1 = [0, 0, 100, 100],
 * E2 = [100, 0, 200, 100]. P = [20, 0, 120, 100]: with E1 overlap 80 * 100 =
 * 8000, union 12000, IoU 2/3; with E2 overlap 2000, union 18000, IoU 1/9.
 * Q = [0, 0, 60, 100]: with E1 6000 / 10000 = 0.6, with E2 0. Greedy (E1 takes
 * its best, P) gives (2/3 + 0) / 2; the best matching E1-Q, E2-P gives
 * (0.6 + 1/9) / 2 = 0.355..., more. */
static void test_matching(void **state) {
    (void)state;
    const char *exp = "{\"boxes\": [[0, 0, 100, 100], [100, 0, 200, 100]], " SIZE "}";
    CHECK("[20, 0, 120, 100] [0, 0, 60, 100]", exp, (0.6 + 1.0 / 9) / 2, false, NULL);
    /* At threshold 0.1 every pair of that matching passes (0.6, 0.111): right. */
    const char *low = "{\"boxes\": [[0, 0, 100, 100], [100, 0, 200, 100]], " SIZE ", \"threshold\": 0.1}";
    CHECK("[20, 0, 120, 100] [0, 0, 60, 100]", low, (0.6 + 1.0 / 9) / 2, true, NULL);
}

/* ------------------------------------------------------------------ garbage and errors */

static void test_unparsed(void **state) {
    (void)state;
    UNPARSED("I cannot see a red circle.", ONE);
    UNPARSED("", ONE);
    UNPARSED(NULL, ONE);
    UNPARSED("[1, 2, 3]", ONE);                /* three numbers */
    UNPARSED("[1, 2, 3, 4, 5]", ONE);          /* five */
    UNPARSED("<box></box> [1, 2, 3, 4]", ONE); /* tags with nothing inside: only tags are read */
    UNPARSED("<box>(1,2),(3", ONE);
    UNPARSED("{\"bbox_2d\": [1, 2, ", ONE);
    UNPARSED("[a, b, c, d] [1,,2,3,4] [-, 1, 2, 3]", ONE);
    /* A bbox key without a box falls back to the plain lists: [100, 50, 200, 150]. */
    CHECK("{\"bbox_2d\": null} or [100, 50, 200, 150]", ONE, 1.0, true, NULL);
    /* Raw bytes and unbalanced brackets never crash. */
    char junk[600];
    uint32_t seed = 7;
    for (int iter = 0; iter < 2000; iter++) {
        static const char *const pieces[] = {"[",     "]",      "(",       ")",   ",",
                                             " ",     "1",      "0.5",     "-",   "1000",
                                             "<box>", "</box>", "bbox_2d", "\":", "<|box_start|>",
                                             "{",     "}",      "\xff",    "."};
        size_t len = 0;
        int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            if (len + strlen(p) + 1 < sizeof junk) {
                memcpy(junk + len, p, strlen(p));
                len += strlen(p);
            }
        }
        junk[len] = '\0';
        struct vlm_score s;
        char err[256];
        assert_int_equal(vlm_score_text("iou", junk, TWO, NULL, 0, &s, err, sizeof err), VLM_OK);
        assert_true(s.score >= 0 && s.score <= 1);
        assert_true(strlen(s.detail) < sizeof s.detail);
        assert_false(s.has_ref);
    }
}

static void test_errors(void **state) {
    (void)state;
    ERROR(NULL, "no expected answer");
    ERROR("[100, 50, 200, 150]", "{\"boxes\"");
    ERROR("{\"boxes\": [[100, 50, 200, 150]]}", "'size'");
    ERROR("{\"boxes\": [[100, 50, 200, 150]], \"size\": [400]}", "'size'");
    ERROR("{\"boxes\": [[100, 50, 200, 150]], \"size\": [0, 300]}", "'size'");
    ERROR("{\"boxes\": [], " SIZE "}", "1 to 10 boxes");
    ERROR("{\"boxes\": [[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4],"
          "[1,2,3,4],[1,2,3,4]], " SIZE "}",
          "1 to 10 boxes");
    ERROR("{\"boxes\": [[1, 2, 3, 4], [200, 50, 100, 150]], " SIZE "}", "expected box 2 must be");
    ERROR("{\"boxes\": [[1, 2, 3]], " SIZE "}", "expected box 1 must be");
    ERROR("{\"box\": [1, 2, 3, 4], \"boxes\": [[1, 2, 3, 4]], " SIZE "}", "not both");
    ERROR("{\"box\": \"x\", " SIZE "}", "'box' must be");
    ERROR("{\"box\": [1, 2, 3, 4], " SIZE ", \"threshold\": 0}", "'threshold'");
    ERROR("{\"box\": [1, 2, 3, 4], " SIZE ", \"threshold\": 1.5}", "'threshold'");
    ERROR("{\"box\": [1, 2, 3, 4], " SIZE ", \"box_format\": \"percent\"}", "'box_format'");
    /* No reference reading for iou (VLMEvalKit's RefCOCO reading is not implemented). */
    assert_false(vlm_scorer_has_ref("iou"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixels),  cmocka_unit_test(test_grid1000), cmocka_unit_test(test_unit),
        cmocka_unit_test(test_several), cmocka_unit_test(test_matching), cmocka_unit_test(test_unparsed),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
