/*
 * test_remote_dials.c - a remote model's image dials (lib/remote_dials.c): the
 * size an image is sent at under max_pixels / max_side (worked by hand, edge
 * cases included), the resized image's bytes, processor= checked and put into
 * the body, and the text-only twin of a conversation.
 */
#include "testutil.h"

#include <jansson.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include "remote.h"
#include "remote_dials.h"
#include "util.h"

/* dials_fit(w, h, max_pixels, max_side) must give want_w x want_h and say
 * whether that is a change. */
static void fit_is(int w, int h, int max_pixels, int max_side, int want_w, int want_h) {
    int ow = -1, oh = -1;
    bool changed = dials_fit(w, h, max_pixels, max_side, &ow, &oh);
    if (ow != want_w || oh != want_h)
        fail_msg("%dx%d px<=%d side<=%d: got %dx%d, want %dx%d", w, h, max_pixels, max_side, ow, oh, want_w, want_h);
    assert_int_equal(changed, want_w != w || want_h != h);
}

static void test_fit_pixels(void **state) {
    (void)state;
    /* 640x480 = 307200 px; 76800 / 307200 = 1/4, sqrt = 1/2: 320x240 */
    fit_is(640, 480, 76800, 0, 320, 240);
    /* exactly at the limit, or under it: unchanged */
    fit_is(640, 480, 307200, 0, 640, 480);
    fit_is(640, 480, 1000000, 0, 640, 480);
    /* 333x250 = 83250 px, max 10000: scale = sqrt(10000/83250) = 0.346584;
     * 333 * 0.346584 = 115.41 -> 115, 250 * 0.346584 = 86.65 -> 86 (rounded
     * down: 115x87 = 10005 would pass the limit); 115*86 = 9890 */
    fit_is(333, 250, 10000, 0, 115, 86);
    /* 1001x1001, max 250000: scale = 500/1001 exactly in reals: 500x500, not
     * 499 from a floating-point hair */
    fit_is(1001, 1001, 250000, 0, 500, 500);
}

static void test_fit_side(void **state) {
    (void)state;
    /* 640x480, longer side at most 320: scale 320/640 = 0.5: 320x240 */
    fit_is(640, 480, 0, 320, 320, 240);
    /* portrait: 480x640 the same way round */
    fit_is(480, 640, 0, 320, 240, 320);
    /* 1000x333, side 300: scale 0.3: 300 x 99.9 -> 99 */
    fit_is(1000, 333, 0, 300, 300, 99);
    fit_is(640, 480, 0, 640, 640, 480); /* at the limit: unchanged */
}

static void test_fit_both(void **state) {
    (void)state;
    /* 1000x500 = 500000 px. max_pixels 200000: sqrt(0.4) = 0.632; max_side 400:
     * 0.4, the smaller, wins: 400x200 */
    fit_is(1000, 500, 200000, 400, 400, 200);
    /* max_pixels 20000: sqrt(0.04) = 0.2 beats 0.4: 200x100 */
    fit_is(1000, 500, 20000, 400, 200, 100);
    /* only the side over: 1000x500 has 500000 <= 600000 px, side 500: 500x250 */
    fit_is(1000, 500, 600000, 500, 500, 250);
}

static void test_fit_edges(void **state) {
    (void)state;
    fit_is(640, 480, 0, 0, 640, 480); /* no limit */
    fit_is(1, 1, 1, 1, 1, 1);         /* the smallest image under the smallest limits */
    fit_is(2, 2, 1, 0, 1, 1);         /* 4 px to 1: scale 0.5 */
    fit_is(3, 1, 0, 1, 1, 1);         /* side 1: 1 x 0.33 -> held at 1 */
    /* 10000x10, side 100: scale 0.01: 100 x 0.1 -> never 0: 100x1 */
    fit_is(10000, 10, 0, 100, 100, 1);
    /* 10000x10 = 100000 px, max 500: scale sqrt(0.005) = 0.0707: 707 x 0.7;
     * the short side held at 1 makes 707 px > 500, so the long side is cut to
     * 500: 500x1. The same standing up. */
    fit_is(10000, 10, 500, 0, 500, 1);
    fit_is(10, 10000, 500, 0, 1, 500);
    /* both limits on a thin one: side 300 (0.03) beats pixels (0.0707): 300 x 0.3 -> 1 */
    fit_is(10000, 10, 500, 300, 300, 1);
}

/* A w x h RGB gradient written as PNG to dir/name; returns the path. */
static char *write_png(const char *dir, const char *name, int w, int h) {
    char *path = xasprintf("%s/%s", dir, name);
    unsigned char *px = malloc((size_t)w * h * 3);
    for (int i = 0; i < w * h * 3; i++) px[i] = (unsigned char)(i * 7);
    assert_true(stbi_write_png(path, w, h, 3, px, w * 3));
    free(px);
    return path;
}

/* Width and height of the image in a data URL (decoded with stb_image). */
static void url_size(const char *url, int *w, int *h) {
    const char *comma = strchr(url, ',');
    assert_non_null(comma);
    char why[128];
    size_t n = 0;
    unsigned char *bytes = util_b64_decode(comma + 1, &n, why, sizeof why);
    assert_non_null(bytes);
    int c;
    assert_true(stbi_info_from_memory(bytes, (int)n, w, h, &c));
    free(bytes);
}

static void test_image_url(void **state) {
    (void)state;
    char *dir = test_tmpdir(), err[512] = "";
    char *png = write_png(dir, "a.png", 64, 48);
    /* 64x48 = 3072 px, max 768: scale 1/2: 32x24, sent as PNG */
    struct vlm_remote_params rp = {.max_pixels = 768};
    char *url = dials_image_url(&rp, png, err, sizeof err);
    assert_non_null(url);
    assert_int_equal(strncmp(url, "data:image/png;base64,", 22), 0);
    int w = 0, h = 0;
    url_size(url, &w, &h);
    assert_int_equal(w, 32);
    assert_int_equal(h, 24);
    free(url);
    /* within the limits (or none set): the file's own bytes, as before */
    FILE *f = fopen(png, "rb");
    assert_non_null(f);
    unsigned char bytes[1 << 16];
    size_t n_bytes = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    char *plain = util_data_uri("image/png", bytes, n_bytes); /* the file as it is */
    rp.max_pixels = 3072;
    rp.max_side = 64;
    url = dials_image_url(&rp, png, err, sizeof err);
    assert_string_equal(url, plain);
    free(url);
    rp = (struct vlm_remote_params){0};
    url = dials_image_url(&rp, png, err, sizeof err);
    assert_string_equal(url, plain);
    free(url);
    free(plain);
    /* not an image: a message naming the file */
    char *junk = test_write_file(dir, "junk.png", "no picture here");
    rp.max_side = 10;
    assert_null(dials_image_url(&rp, junk, err, sizeof err));
    assert_non_null(strstr(err, junk));
    free(junk);
    free(png);
    test_rmdir(dir);
}

static void test_processor(void **state) {
    (void)state;
    char err[512] = "";
    struct vlm_remote_params rp = {.urls = {"http://h:1/v1"}, .n_urls = 1, .model_id = "qwen"};
    assert_int_equal(dials_check(&rp, err, sizeof err), VLM_OK); /* unset */
    rp.processor_json = "{\"max_pixels\": 50176, \"do_resize\": true}";
    assert_int_equal(dials_check(&rp, err, sizeof err), VLM_OK);
    json_t *body = json_object();
    dials_body(&rp, body);
    json_t *kw = json_object_get(body, "mm_processor_kwargs");
    assert_true(json_is_object(kw));
    assert_int_equal(json_integer_value(json_object_get(kw, "max_pixels")), 50176);
    assert_true(json_is_true(json_object_get(kw, "do_resize")));
    json_decref(body);
    const char *bad[] = {"[1, 2]", "{\"a\": ", "7", "\"text\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rp.processor_json = bad[i];
        err[0] = 0;
        assert_int_equal(dials_check(&rp, err, sizeof err), VLM_ERR_INPUT);
        assert_non_null(strstr(err, "processor"));
        assert_non_null(strstr(err, "qwen"));
        body = json_object();
        dials_body(&rp, body);
        assert_int_equal(json_object_size(body), 0);
        json_decref(body);
    }
}

static void test_text_twin(void **state) {
    (void)state;
    json_t *msgs = json_loads(
        "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"d1\"}},"
        "{\"type\":\"text\",\"text\":\"What is it?\"}]},"
        "{\"role\":\"assistant\",\"content\":\"A cat.\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And \"},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"d2\"}},"
        "{\"type\":\"text\",\"text\":\" this?\"}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"d3\"}}]}]",
        0, NULL);
    assert_non_null(msgs);
    int n = -1;
    json_t *twin = dials_text_twin(msgs, &n);
    assert_int_equal(n, 3);
    char *got = json_dumps(twin, JSON_COMPACT);
    assert_string_equal(got, "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is it?\"}]},"
                             "{\"role\":\"assistant\",\"content\":\"A cat.\"},"
                             "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And \"},"
                             "{\"type\":\"text\",\"text\":\" this?\"}]},"
                             "{\"role\":\"user\",\"content\":\"\"}]");
    free(got);
    json_decref(twin);
    /* the conversation itself keeps its images */
    assert_int_equal(json_array_size(json_object_get(json_array_get(msgs, 0), "content")), 2);
    json_decref(msgs);
    /* no images: nothing removed */
    msgs = json_loads("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]", 0, NULL);
    twin = dials_text_twin(msgs, &n);
    assert_int_equal(n, 0);
    assert_true(json_equal(twin, msgs));
    json_decref(twin);
    json_decref(msgs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_pixels), cmocka_unit_test(test_fit_side),  cmocka_unit_test(test_fit_both),
        cmocka_unit_test(test_fit_edges),  cmocka_unit_test(test_image_url), cmocka_unit_test(test_processor),
        cmocka_unit_test(test_text_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
