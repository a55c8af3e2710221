/*
 * test_image.c - image decoding (lib/image.c): PNG, JPEG, BMP and WebP round
 * trips, format told by content, and refusals of broken or hostile files
 * (truncated, random bytes, empty, missing, oversized) with messages naming them.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <stb/stb_image_write.h>
#include <webp/encode.h>

#define W 37
#define H 21

struct fixture {
    char *dir;
    char err[1024];
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    *state = f;
    return f->dir ? 0 : -1;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    test_rmdir(f->dir);
    free(f);
    return 0;
}

static char *path_in(const struct fixture *f, const char *name) {
    char *p = malloc(strlen(f->dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", f->dir, name);
    return p;
}

/* Four flat colour blocks: survives lossy codecs with a small error. */
static unsigned char *pattern(int w, int h, int channels) {
    static const unsigned char colours[4][4] = {
        {220, 30, 30, 255}, {30, 180, 60, 128}, {40, 60, 220, 0}, {240, 240, 240, 255}};
    unsigned char *px = malloc((size_t)w * h * channels);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *c = colours[(y >= h / 2) * 2 + (x >= w / 2)];
            memcpy(px + ((size_t)y * w + x) * channels, c, (size_t)channels);
        }
    return px;
}

/* Every pixel of `img` within `tol` of the RGB pattern, away from block edges. */
static void assert_pattern(const vlm_image *img, int tol) {
    assert_int_equal(img->width, W);
    assert_int_equal(img->height, H);
    unsigned char *want = pattern(W, H, 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            bool edge = abs(x - W / 2) < 3 || abs(y - H / 2) < 3;
            if (tol && edge) continue;
            for (int k = 0; k < 3; k++) {
                int got = img->rgb[((size_t)y * W + x) * 3 + k], exp = want[((size_t)y * W + x) * 3 + k];
                if (abs(got - exp) > tol) fail_msg("pixel %d,%d[%d]: %d, want %d", x, y, k, got, exp);
            }
        }
    free(want);
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static unsigned char *read_bytes(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    rewind(fp);
    unsigned char *b = malloc(*n);
    assert_int_equal(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

static void load_ok(struct fixture *f, const char *path, vlm_image *img) {
    if (vlm_image_load(path, img, f->err, sizeof f->err) != VLM_OK) fail_msg("%s", f->err);
}

/* Loading `path` fails with a message holding `want` and the path. */
static void load_fails(struct fixture *f, const char *path, const char *want) {
    vlm_image img;
    assert_int_equal(vlm_image_load(path, &img, f->err, sizeof f->err), VLM_ERR_INPUT);
    assert_null(img.rgb);
    if (!strstr(f->err, want)) fail_msg("message '%s' lacks '%s'", f->err, want);
    if (!strstr(f->err, path)) fail_msg("message '%s' does not name '%s'", f->err, path);
}

/* A PNG of the pattern; its bytes for tampering. */
static char *write_png(struct fixture *f, const char *name, int channels) {
    char *p = path_in(f, name);
    unsigned char *px = pattern(W, H, channels);
    assert_true(stbi_write_png(p, W, H, channels, px, W * channels));
    free(px);
    return p;
}

/* ------------------------------------------------------------ round trips */

static void test_png_round_trip(void **state) {
    struct fixture *f = *state;
    for (int channels = 3; channels <= 4; channels++) {
        char *p = write_png(f, channels == 3 ? "rgb.png" : "rgba.png", channels);
        vlm_image img;
        load_ok(f, p, &img);
        assert_pattern(&img, 0);
        vlm_image_free(&img);
        assert_null(img.rgb);
        assert_int_equal(img.width, 0);
        free(p);
    }
}

static void test_grey_png_becomes_rgb(void **state) {
    struct fixture *f = *state;
    char *p = path_in(f, "grey.png");
    unsigned char px[4 * 2] = {0, 50, 100, 150, 200, 250, 255, 1};
    assert_true(stbi_write_png(p, 4, 2, 1, px, 4));
    vlm_image img;
    load_ok(f, p, &img);
    assert_int_equal(img.width, 4);
    assert_int_equal(img.height, 2);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 3; k++) assert_int_equal(img.rgb[i * 3 + k], px[i]);
    vlm_image_free(&img);
    free(p);
}

static void test_jpeg_round_trip(void **state) {
    struct fixture *f = *state;
    char *p = path_in(f, "a.jpg");
    unsigned char *px = pattern(W, H, 3);
    assert_true(stbi_write_jpg(p, W, H, 3, px, 95));
    free(px);
    vlm_image img;
    load_ok(f, p, &img);
    assert_pattern(&img, 24);
    vlm_image_free(&img);
    free(p);
}

static void test_bmp_round_trip(void **state) {
    struct fixture *f = *state;
    char *p = path_in(f, "a.bmp");
    unsigned char *px = pattern(W, H, 3);
    assert_true(stbi_write_bmp(p, W, H, 3, px));
    free(px);
    vlm_image img;
    load_ok(f, p, &img);
    assert_pattern(&img, 0);
    vlm_image_free(&img);
    free(p);
}

static void write_webp(struct fixture *f, const char *name, bool lossless, char **path) {
    unsigned char *px = pattern(W, H, 3), *out = NULL;
    size_t n = lossless ? WebPEncodeLosslessRGB(px, W, H, W * 3, &out) : WebPEncodeRGB(px, W, H, W * 3, 90, &out);
    assert_true(n > 0);
    *path = path_in(f, name);
    write_bytes(*path, out, n);
    WebPFree(out);
    free(px);
}

static void test_webp_round_trip(void **state) {
    struct fixture *f = *state;
    char *p;
    vlm_image img;
    write_webp(f, "lossless.webp", true, &p);
    load_ok(f, p, &img);
    assert_pattern(&img, 0);
    vlm_image_free(&img);
    free(p);
    write_webp(f, "lossy.webp", false, &p);
    load_ok(f, p, &img);
    assert_pattern(&img, 24);
    vlm_image_free(&img);
    free(p);
}

static void test_format_from_content_not_name(void **state) {
    struct fixture *f = *state;
    char *png = write_png(f, "really-a-png.jpg", 3), *webp;
    vlm_image img;
    load_ok(f, png, &img);
    assert_pattern(&img, 0);
    vlm_image_free(&img);
    write_webp(f, "noext", true, &webp);
    load_ok(f, webp, &img);
    assert_pattern(&img, 0);
    vlm_image_free(&img);
    free(png);
    free(webp);
}

/* ------------------------------------------------------------ refusals */

static void test_missing_file(void **state) {
    struct fixture *f = *state;
    char *p = path_in(f, "nope.png");
    load_fails(f, p, "missing image '");
    free(p);
    char *q = path_in(f, "nodir/nope.png");
    load_fails(f, q, "missing image '");
    free(q);
}

static void test_empty_file_and_directory(void **state) {
    struct fixture *f = *state;
    char *p = test_write_file(f->dir, "empty.png", "");
    load_fails(f, p, "is not an image (empty file)");
    free(p);
    load_fails(f, f->dir, "is not an image (not a regular file)");
}

static void test_unknown_format(void **state) {
    struct fixture *f = *state;
    char *p = test_write_file(f->dir, "text.png", "hello, I am text\n");
    load_fails(f, p, "is not an image (unknown format)");
    free(p);
    char *gif = test_write_file(f->dir, "a.gif", "GIF89a\x01\x00\x01\x00");
    load_fails(f, gif, "is not an image (unknown format)");
    free(gif);
}

static void test_truncated_png(void **state) {
    struct fixture *f = *state;
    char *p = write_png(f, "cut.png", 3);
    size_t n;
    unsigned char *b = read_bytes(p, &n);
    write_bytes(p, b, n / 2);
    load_fails(f, p, "': corrupt or truncated PNG (stb: ");
    write_bytes(p, b, 12); /* signature and part of IHDR */
    load_fails(f, p, "': corrupt or truncated PNG (stb: ");
    write_bytes(p, b, 8); /* signature only */
    load_fails(f, p, "corrupt or truncated PNG");
    free(b);
    free(p);
}

static void test_truncated_jpeg_bmp_webp(void **state) {
    struct fixture *f = *state;
    char *jpg = path_in(f, "cut.jpg"), *bmp = path_in(f, "cut.bmp"), *webp;
    unsigned char *px = pattern(W, H, 3);
    assert_true(stbi_write_jpg(jpg, W, H, 3, px, 90));
    assert_true(stbi_write_bmp(bmp, W, H, 3, px));
    free(px);
    write_webp(f, "cut.webp", false, &webp);
    const char *paths[3] = {jpg, bmp, webp}, *names[3] = {"JPEG", "BMP", "WebP"};
    for (int i = 0; i < 3; i++) {
        size_t n;
        unsigned char *b = read_bytes(paths[i], &n);
        write_bytes(paths[i], b, 20);
        char want[64];
        snprintf(want, sizeof want, "corrupt or truncated %s (", names[i]);
        load_fails(f, paths[i], want);
        free(b);
    }
    free(jpg);
    free(bmp);
    free(webp);
}

static void test_too_large_refused(void **state) {
    struct fixture *f = *state;
    char *p = path_in(f, "wide.png");
    unsigned char *px = calloc(16385, 3);
    assert_true(stbi_write_png(p, 16385, 1, 3, px, 16385 * 3));
    free(px);
    load_fails(f, p, "image is 16385x1; the limit is 16384x16384");
    free(p);
}

/* A PNG whose header claims a size: signature + IHDR (CRC unchecked by stb). */
static void test_zero_size_refused(void **state) {
    struct fixture *f = *state;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0,
                                        0,    0,   0,   0,   0,    0,    5,    8,    2, 0, 0, 0,  0,   0,   0,   0};
    char *p = path_in(f, "zero.png");
    write_bytes(p, png, sizeof png);
    load_fails(f, p, "zero.png");
    free(p);
}

/* ------------------------------------------------------------ hostile bytes */

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* Decode `n` bytes written to a file: either a clean image or a clean refusal. */
static void decode_survives(struct fixture *f, const char *p, const unsigned char *b, size_t n) {
    write_bytes(p, b, n);
    vlm_image img;
    int rc = vlm_image_load(p, &img, f->err, sizeof f->err);
    if (rc == VLM_OK) {
        assert_true(img.width > 0 && img.width <= 16384 && img.height > 0);
        vlm_image_free(&img);
    } else {
        assert_int_equal(rc, VLM_ERR_INPUT);
        assert_null(img.rgb);
        assert_non_null(strstr(f->err, p));
    }
}

static void test_random_bytes(void **state) {
    struct fixture *f = *state;
    char *p = path_in(f, "random.bin");
    static const struct {
        const char *bytes;
        size_t n;
    } magics[] = {{"", 0}, {"\x89PNG\r\n\x1a\n", 8}, {"\xFF\xD8\xFF", 3}, {"BM", 2}, {"RIFF\x40\0\0\0WEBPVP8 ", 16}};
    unsigned char buf[4096];
    for (int round = 0; round < 400; round++) {
        size_t n = 1 + rng() % sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)rng();
        size_t m = magics[round % 5].n;
        memcpy(buf, magics[round % 5].bytes, m < n ? m : n);
        decode_survives(f, p, buf, n);
    }
    free(p);
}

/* Valid files with a few bytes changed: the decoders go deep before failing. */
static void test_mutated_images(void **state) {
    struct fixture *f = *state;
    char *png = write_png(f, "m.png", 3), *webp, *jpg = path_in(f, "m.jpg"), *bmp = path_in(f, "m.bmp");
    unsigned char *px = pattern(W, H, 3);
    assert_true(stbi_write_jpg(jpg, W, H, 3, px, 90));
    assert_true(stbi_write_bmp(bmp, W, H, 3, px));
    free(px);
    write_webp(f, "m.webp", false, &webp);
    char *out = path_in(f, "mutant");
    const char *srcs[4] = {png, jpg, bmp, webp};
    for (int s = 0; s < 4; s++) {
        size_t n;
        unsigned char *orig = read_bytes(srcs[s], &n), *b = malloc(n);
        for (int round = 0; round < 150; round++) {
            memcpy(b, orig, n);
            for (int k = 0; k < 1 + round % 4; k++) b[rng() % n] = (unsigned char)rng();
            decode_survives(f, out, b, round % 3 == 0 ? 1 + rng() % n : n);
        }
        free(b);
        free(orig);
    }
    free(png);
    free(webp);
    free(jpg);
    free(bmp);
    free(out);
}

static void test_free_is_safe_twice(void **state) {
    vlm_image img = {0};
    vlm_image_free(&img);
    vlm_image_free(&img);
    vlm_image_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_png_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grey_png_becomes_rgb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jpeg_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webp_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_from_content_not_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_and_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_png, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_jpeg_bmp_webp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_size_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutated_images, setup, teardown),
        cmocka_unit_test(test_free_is_safe_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
