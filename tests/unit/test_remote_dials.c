/*
 * test_remote_dials.c - a remote model's image dials (lib/remote_dials.c): the
 * size an image is sent at under max_pixels / max_side (worked by hand, edge
 * cases included), the resized image's bytes, a JPEG with an EXIF orientation
 * sent upright, processor= checked and put into the body, and the text-only
 * twin of a conversation.
 */
#include "testutil.h"
#include "test_jpeg.h"

#include <jansson.h>
#include <stdio.h>

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

/* A 32x16 JPEG of four quadrants (red top left, green top right, blue bottom
 * left, white bottom right), with an EXIF APP1 whose IFD0
 * holds Orientation = `orientation` (little-endian TIFF); 0: no EXIF. */
static char *write_exif_jpeg(const char *dir, const char *name, unsigned orientation) {
    static const unsigned char quad[4][3] = {{220, 30, 30}, {30, 180, 60}, {40, 60, 220}, {240, 240, 240}};
    unsigned char px[32 * 16 * 3];
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 32; x++) memcpy(px + (y * 32 + x) * 3, quad[(y >= 8) * 2 + (x >= 16)], 3);
    /* "Exif\0\0", "II", 42, IFD0 at 8: 1 entry, Orientation (0x0112) SHORT 1 value, next IFD 0 */
    unsigned char exif[6 + 8 + 2 + 12 + 4] = {'E', 'x',  'i',  'f', 0,
                                              0,   'I',  'I',  42,  0,
                                              8,   0,    0,    0,   1,
                                              0,   0x12, 0x01, 3,   0,
                                              1,   0,    0,    0,   (unsigned char)orientation};
    char *path = xasprintf("%s/%s", dir, name);
    struct jpeg_spec spec = {32, 16, 3, JCS_RGB, false, orientation ? exif : NULL, sizeof exif};
    write_jpeg(path, &spec, px);
    return path;
}

/* The pixels of the PNG in a data URL (decoded with stb_image), RGB. */
static unsigned char *url_pixels(const char *url, int *w, int *h) {
    assert_int_equal(strncmp(url, "data:image/png;base64,", 22), 0);
    char why[128];
    size_t n = 0;
    unsigned char *bytes = util_b64_decode(url + 22, &n, why, sizeof why);
    assert_non_null(bytes);
    int c;
    unsigned char *px = stbi_load_from_memory(bytes, (int)n, w, h, &c, 3);
    assert_non_null(px);
    free(bytes);
    return px;
}

static void near(const unsigned char *px, int w, int x, int y, int r, int g, int b) {
    const unsigned char *p = px + ((size_t)y * w + x) * 3;
    if (abs(p[0] - r) > 16 || abs(p[1] - g) > 16 || abs(p[2] - b) > 16)
        fail_msg("pixel %d,%d: %d %d %d, want %d %d %d", x, y, p[0], p[1], p[2], r, g, b);
}

/* EXIF orientation 6 (turn 90 degrees clockwise): a server may ignore EXIF, so
 * the picture is sent upright as PNG, 16x32, blue top left, red top right,
 * white bottom left, green bottom right; with max_side 16 it is 8x16, the same
 * way up. Orientation 1 or no EXIF: the JPEG's own bytes. */
static void test_jpeg_sent_upright(void **state) {
    (void)state;
    char *dir = test_tmpdir(), err[512] = "";
    char *turned = write_exif_jpeg(dir, "turned.jpg", 6);
    struct vlm_remote_params rp = {0};
    for (int pass = 0; pass < 2; pass++) {
        rp.max_side = pass ? 16 : 0;
        char *url = dials_image_url(&rp, turned, err, sizeof err);
        if (!url) fail_msg("%s", err);
        int w = 0, h = 0, s = pass ? 1 : 2; /* inset from the edges, scaled */
        unsigned char *px = url_pixels(url, &w, &h);
        assert_int_equal(w, pass ? 8 : 16);
        assert_int_equal(h, pass ? 16 : 32);
        near(px, w, s, s, 40, 60, 220);
        near(px, w, w - 1 - s, s, 220, 30, 30);
        near(px, w, s, h - 1 - s, 240, 240, 240);
        near(px, w, w - 1 - s, h - 1 - s, 30, 180, 60);
        free(px);
        free(url);
    }
    rp.max_side = 0;
    for (unsigned o = 0; o <= 1; o++) {
        char *plain = write_exif_jpeg(dir, "plain.jpg", o);
        char *url = dials_image_url(&rp, plain, err, sizeof err);
        assert_non_null(url);
        assert_int_equal(strncmp(url, "data:image/jpeg;base64,", 23), 0);
        free(url);
        free(plain);
    }
    free(turned);
    test_rmdir(dir);
}

/* GIF is not decoded: a 100x50 one (its header's logical screen) within
 * max_side 200 is sent as it is; over max_side 50 it cannot be resized. */
static void test_gif_by_header(void **state) {
    (void)state;
    char *dir = test_tmpdir(), err[512] = "";
    static const unsigned char gif[13] = {'G', 'I', 'F', '8', '9', 'a', 100, 0, 50, 0, 0, 0, 0};
    char *path = xasprintf("%s/a.gif", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(gif, 1, sizeof gif, fp), sizeof gif);
    fclose(fp);
    struct vlm_remote_params rp = {.max_side = 200};
    char *url = dials_image_url(&rp, path, err, sizeof err);
    assert_non_null(url);
    assert_int_equal(strncmp(url, "data:image/gif;base64,", 22), 0);
    free(url);
    rp.max_side = 50;
    assert_null(dials_image_url(&rp, path, err, sizeof err));
    if (!strstr(err, "cannot be decoded to resize it") || !strstr(err, path)) fail_msg("%s", err);
    free(path);
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
        cmocka_unit_test(test_fit_pixels),    cmocka_unit_test(test_fit_side),
        cmocka_unit_test(test_fit_both),      cmocka_unit_test(test_fit_edges),
        cmocka_unit_test(test_image_url),     cmocka_unit_test(test_processor),
        cmocka_unit_test(test_text_twin),     cmocka_unit_test(test_jpeg_sent_upright),
        cmocka_unit_test(test_gif_by_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
