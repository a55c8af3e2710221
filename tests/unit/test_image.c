/*
 * test_image.c - image decoding (lib/image.c): PNG, JPEG, BMP and WebP round
 * trips, format told by content, and refusals of broken or hostile files
 * (truncated, random bytes, empty, missing, oversized) with messages naming them;
 * JPEG EXIF orientations, CMYK, greyscale and progressive JPEGs, 16-bit,
 * palette, interlaced and grey+alpha PNGs, the BMP variants, the side and pixel
 * limits (the decompression bomb). Images are made here with libjpeg, libpng or
 * by hand; expected pixels are worked out from the formats' specs.
 */
#include "testutil.h"
#include "test_jpeg.h"

#include <stdio.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>
#include <stb/stb_image_write.h>
#include <webp/encode.h>

#include "image.h"

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
    test_write_bytes(*path, out, n);
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
    unsigned char *b = test_read_bytes(p, &n);
    test_write_bytes(p, b, n / 2);
    load_fails(f, p, "': corrupt or truncated PNG (libpng: the file ends early)");
    test_write_bytes(p, b, 12); /* signature and part of IHDR */
    load_fails(f, p, "': corrupt or truncated PNG (libpng: ");
    test_write_bytes(p, b, 8); /* signature only */
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
        unsigned char *b = test_read_bytes(paths[i], &n);
        test_write_bytes(paths[i], b, 20);
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
    test_write_bytes(p, png, sizeof png);
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
    test_write_bytes(p, b, n);
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
        unsigned char *orig = test_read_bytes(srcs[s], &n), *b = malloc(n);
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

/* ------------------------------------------------------------ JPEG, by libjpeg */

/* Quadrants of the orientation pattern: red top left, green top right, blue
 * bottom left, white bottom right (pattern()'s colours), 16x16 each: whole
 * JPEG MCUs, so the colours come back within a few levels. */
#define QW 32
#define QH 16
static const unsigned char RED[3] = {220, 30, 30}, GREEN[3] = {30, 180, 60}, BLUE[3] = {40, 60, 220},
                           WHITE[3] = {240, 240, 240};

/* An APP1 "Exif\0\0" body: TIFF header in the byte order asked, IFD0 at
 * `ifd` holding `count` entries: ImageWidth (0x0100, a distraction), then
 * Orientation (0x0112, SHORT, 1 value). */
static size_t exif_body(unsigned char *b, bool little, uint32_t ifd, unsigned count, unsigned orientation) {
    memset(b, 0, 64);
    memcpy(b, "Exif\0\0", 6);
    unsigned char *t = b + 6;
#define PUT16(p, v) (little ? ((p)[0] = (v)&0xFF, (p)[1] = (v) >> 8) : ((p)[0] = (v) >> 8, (p)[1] = (v)&0xFF))
#define PUT32(p, v) \
    (little ? (PUT16(p, (v)&0xFFFF), PUT16((p) + 2, (v) >> 16)) : (PUT16(p, (v) >> 16), PUT16((p) + 2, (v)&0xFFFF)))
    memcpy(t, little ? "II" : "MM", 2);
    PUT16(t + 2, 42u);
    PUT32(t + 4, ifd);
    PUT16(t + 8, count);
    PUT16(t + 10, 0x0100u), PUT16(t + 12, 3u), PUT32(t + 14, 1u), PUT16(t + 18, (unsigned)QW);
    PUT16(t + 22, 0x0112u), PUT16(t + 24, 3u), PUT32(t + 26, 1u), PUT16(t + 30, orientation);
#undef PUT16
#undef PUT32
    return 6 + 8 + 2 + 2 * 12 + 4; /* next-IFD offset 0 */
}

/* A QW x QH JPEG of the quadrants with an EXIF body (or none: app1 NULL). */
static char *write_quadrants_jpeg(struct fixture *f, const char *name, const unsigned char *app1, size_t n) {
    char *p = path_in(f, name);
    unsigned char *px = pattern(QW, QH, 3);
    struct jpeg_spec s = {QW, QH, 3, JCS_RGB, false, app1, n};
    write_jpeg(p, &s, px);
    free(px);
    return p;
}

/* The pixel at (x, y) of img within tol of want. */
static void pixel_near(const vlm_image *img, int x, int y, const unsigned char want[3], int tol) {
    const unsigned char *got = img->rgb + ((size_t)y * img->width + x) * 3;
    for (int k = 0; k < 3; k++)
        if (abs(got[k] - want[k]) > tol)
            fail_msg("pixel %d,%d: %d %d %d, want %d %d %d", x, y, got[0], got[1], got[2], want[0], want[1], want[2]);
}

/* The corners of img (w x h) are tl, tr, bl, br, a few pixels in. */
static void corners_are(const vlm_image *img, int w, int h, const unsigned char *tl, const unsigned char *tr,
                        const unsigned char *bl, const unsigned char *br) {
    assert_int_equal(img->width, w);
    assert_int_equal(img->height, h);
    pixel_near(img, 2, 2, tl, 12);
    pixel_near(img, w - 3, 2, tr, 12);
    pixel_near(img, 2, h - 3, bl, 12);
    pixel_near(img, w - 3, h - 3, br, 12);
}

/* EXIF 2.3, tag 0x0112: 3 turns 180 degrees; 6: stored row 0 is the visual
 * right side, column 0 the top (turn 90 clockwise); 8: row 0 is the left side,
 * column 0 the bottom (turn 90 anticlockwise); 2 mirrors left to right. */
static void test_jpeg_exif_orientation(void **state) {
    struct fixture *f = *state;
    static const struct {
        unsigned o;
        int w, h;
        const unsigned char *tl, *tr, *bl, *br;
    } cases[] = {
        {1, QW, QH, RED, GREEN, BLUE, WHITE}, {3, QW, QH, WHITE, BLUE, GREEN, RED},
        {6, QH, QW, BLUE, RED, WHITE, GREEN}, {8, QH, QW, GREEN, WHITE, RED, BLUE},
        {2, QW, QH, GREEN, RED, WHITE, BLUE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int little = 0; little <= 1; little++) {
            unsigned char exif[64];
            size_t n = exif_body(exif, little, 8, 2, cases[i].o);
            char *p = write_quadrants_jpeg(f, "exif.jpg", exif, n);
            vlm_image img;
            load_ok(f, p, &img);
            corners_are(&img, cases[i].w, cases[i].h, cases[i].tl, cases[i].tr, cases[i].bl, cases[i].br);
            vlm_image_free(&img);
            free(p);
        }
}

/* Offsets pointing outside the segment, a wrong type or value: the EXIF is
 * ignored (stored orientation), never read out of bounds. */
static void test_jpeg_exif_out_of_range(void **state) {
    struct fixture *f = *state;
    static const struct {
        uint32_t ifd;
        unsigned count, orientation;
    } bad[] = {{0xFFFFFFF0u, 2, 6}, {40, 2, 6}, {8, 1000, 3}, {8, 2, 9}, {8, 2, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        unsigned char exif[64];
        size_t n = exif_body(exif, i % 2, bad[i].ifd, bad[i].count, bad[i].orientation);
        /* {8, 1000, 3}: the Orientation entry is read, so 1000 entries cut at the end */
        char *p = write_quadrants_jpeg(f, "badexif.jpg", exif, n);
        vlm_image img;
        load_ok(f, p, &img);
        if (bad[i].count == 1000) corners_are(&img, QW, QH, WHITE, BLUE, GREEN, RED);
        else corners_are(&img, QW, QH, RED, GREEN, BLUE, WHITE);
        vlm_image_free(&img);
        free(p);
    }
    /* an IFD whose entries run past the segment before reaching Orientation */
    unsigned char exif[64];
    size_t n = exif_body(exif, true, 8, 2, 6);
    char *p = write_quadrants_jpeg(f, "cutexif.jpg", exif, 6 + 8 + 2 + 12 + 6);
    vlm_image img;
    load_ok(f, p, &img);
    corners_are(&img, QW, QH, RED, GREEN, BLUE, WHITE);
    vlm_image_free(&img);
    free(p);
    (void)n;
}

/* CMYK with libjpeg's Adobe marker, inks stored inverted (Photoshop's way):
 * R = C' K' / 255. Left: no cyan, full magenta and yellow, no black (stored
 * 255, 0, 0, 255): red 255, 0, 0. Right: black ink 128 only (stored 255, 255,
 * 255, 127): 255 * 127 / 255 = 127 grey. */
static void test_jpeg_cmyk(void **state) {
    struct fixture *f = *state;
    unsigned char px[QW * QH * 4];
    for (int i = 0; i < QW * QH; i++) {
        bool left = i % QW < QW / 2;
        unsigned char red[4] = {255, 0, 0, 255}, grey[4] = {255, 255, 255, 127};
        memcpy(px + i * 4, left ? red : grey, 4);
    }
    char *p = path_in(f, "cmyk.jpg");
    struct jpeg_spec s = {QW, QH, 4, JCS_CMYK, false, NULL, 0};
    write_jpeg(p, &s, px);
    vlm_image img;
    load_ok(f, p, &img);
    static const unsigned char want_red[3] = {255, 0, 0}, want_grey[3] = {127, 127, 127};
    corners_are(&img, QW, QH, want_red, want_grey, want_red, want_grey);
    vlm_image_free(&img);
    free(p);
}

static void test_jpeg_grey_and_progressive(void **state) {
    struct fixture *f = *state;
    unsigned char grey[QW * QH];
    for (int i = 0; i < QW * QH; i++) grey[i] = i % QW < QW / 2 ? 50 : 200;
    char *p = path_in(f, "grey.jpg");
    struct jpeg_spec s = {QW, QH, 1, JCS_GRAYSCALE, false, NULL, 0};
    write_jpeg(p, &s, grey);
    vlm_image img;
    load_ok(f, p, &img);
    static const unsigned char g50[3] = {50, 50, 50}, g200[3] = {200, 200, 200};
    corners_are(&img, QW, QH, g50, g200, g50, g200);
    vlm_image_free(&img);
    unsigned char *px = pattern(W, H, 3);
    struct jpeg_spec prog = {W, H, 3, JCS_RGB, true, NULL, 0};
    write_jpeg(p, &prog, px);
    free(px);
    load_ok(f, p, &img);
    assert_pattern(&img, 24);
    vlm_image_free(&img);
    free(p);
}

/* ------------------------------------------------------------ PNG, by libpng */

struct png_spec {
    int w, h, depth, type, interlace;
    const png_color *palette;
    int n_palette;
    const png_byte *trans;
    int n_trans;
};

/* A PNG of raw rows (as PNG stores them: 16-bit samples big-endian). */
static void write_png_rows(const char *path, const struct png_spec *s, const unsigned char *data) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_false(setjmp(png_jmpbuf(png)));
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)s->w, (png_uint_32)s->h, s->depth, s->type, s->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->palette) png_set_PLTE(png, info, s->palette, s->n_palette);
    if (s->trans) png_set_tRNS(png, info, s->trans, s->n_trans, NULL);
    png_write_info(png, info);
    size_t row = png_get_rowbytes(png, info);
    png_bytep *rows = malloc((size_t)s->h * sizeof *rows);
    for (int y = 0; y < s->h; y++) rows[y] = (png_bytep)data + row * y;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    fclose(fp);
}

/* The pixels of `path` decoded by image_decode to `channels`. */
static void decode_file(struct fixture *f, const char *path, int channels, struct image_px *out) {
    size_t n;
    unsigned char *b = test_read_bytes(path, &n);
    if (image_decode(path, b, n, channels, out, f->err, sizeof f->err) != VLM_OK) fail_msg("%s", f->err);
    free(b);
}

static void bytes_are(const unsigned char *got, const unsigned char *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) fail_msg("byte %zu: %d, want %d", i, got[i], want[i]);
}

/* 16-bit samples keep their high byte: 0x01FF -> 1 (scaling would give 2),
 * 0xFFFF -> 255, 0x0000 -> 0, 0x7F80 -> 127, 0x8000 -> 128, 0x1234 -> 18. */
static void test_png_16_bit(void **state) {
    struct fixture *f = *state;
    static const unsigned char rows[12] = {0x01, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x7F, 0x80, 0x80, 0x00, 0x12, 0x34};
    static const unsigned char want[6] = {1, 255, 0, 127, 128, 18};
    char *p = path_in(f, "16.png");
    struct png_spec s = {2, 1, 16, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, NULL, 0, NULL, 0};
    write_png_rows(p, &s, rows);
    vlm_image img;
    load_ok(f, p, &img);
    assert_int_equal(img.width, 2);
    bytes_are(img.rgb, want, 6);
    vlm_image_free(&img);
    free(p);
}

/* A 2-bit palette of 4 colours, the first two partly transparent (tRNS):
 * RGB keeps the palette colours as they are (alpha dropped, not composited);
 * RGBA gets alpha 0, 128, 255, 255. */
static void test_png_palette_trns(void **state) {
    struct fixture *f = *state;
    static const png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
    static const png_byte trans[2] = {0, 128};
    static const unsigned char row[1] = {0x1B}; /* indices 0, 1, 2, 3 at 2 bits each */
    char *p = path_in(f, "pal.png");
    struct png_spec s = {4, 1, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, pal, 4, trans, 2};
    write_png_rows(p, &s, row);
    vlm_image img;
    load_ok(f, p, &img);
    static const unsigned char rgb[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    bytes_are(img.rgb, rgb, 12);
    vlm_image_free(&img);
    struct image_px px;
    decode_file(f, p, 4, &px);
    static const unsigned char rgba[16] = {255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 255};
    assert_int_equal(px.channels, 4);
    bytes_are(px.px, rgba, 16);
    free(px.px);
    decode_file(f, p, 0, &px); /* as stored: tRNS is alpha */
    assert_int_equal(px.channels, 4);
    free(px.px);
    free(p);
}

static void test_png_interlaced(void **state) {
    struct fixture *f = *state;
    unsigned char *px = pattern(W, H, 3);
    char *p = path_in(f, "adam7.png");
    struct png_spec s = {W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, NULL, 0, NULL, 0};
    write_png_rows(p, &s, px);
    free(px);
    vlm_image img;
    load_ok(f, p, &img);
    assert_pattern(&img, 0);
    vlm_image_free(&img);
    free(p);
}

/* Grey + alpha: grey to R = G = B; alpha dropped for RGB, kept for RGBA. */
static void test_png_grey_alpha(void **state) {
    struct fixture *f = *state;
    static const unsigned char row[6] = {0, 255, 100, 0, 255, 128};
    char *p = path_in(f, "ga.png");
    struct png_spec s = {3, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, NULL, 0, NULL, 0};
    write_png_rows(p, &s, row);
    vlm_image img;
    load_ok(f, p, &img);
    static const unsigned char rgb[9] = {0, 0, 0, 100, 100, 100, 255, 255, 255};
    bytes_are(img.rgb, rgb, 9);
    vlm_image_free(&img);
    struct image_px px;
    decode_file(f, p, 0, &px);
    static const unsigned char rgba[12] = {0, 0, 0, 255, 100, 100, 100, 0, 255, 255, 255, 128};
    assert_int_equal(px.channels, 4);
    bytes_are(px.px, rgba, 12);
    free(px.px);
    free(p);
}

/* ------------------------------------------------------------ BMP, by hand */

static void put16(unsigned char *p, unsigned v) { p[0] = v & 0xFF, p[1] = (v >> 8) & 0xFF; }
static void put32(unsigned char *p, uint32_t v) { put16(p, v & 0xFFFF), put16(p + 2, v >> 16); }

struct bmp_spec {
    int w, h; /* h < 0: top-down */
    int bpp;
    uint32_t comp, hsz;
    const uint32_t *masks; /* 3 or 4 (n_masks), or NULL */
    int n_masks;
    const unsigned char *palette; /* B, G, R, 0 entries */
    int n_palette;
};

/* A BMP's bytes: file header, info header (masks inside it from 52 bytes on,
 * after it for 40), palette, then zeroed rows; *px_at and *stride say where
 * the caller writes the stored rows. */
static unsigned char *bmp_bytes(const struct bmp_spec *s, size_t *n, size_t *px_at, size_t *stride) {
    size_t masks_after = s->hsz == 40 && s->masks ? 4 * (size_t)s->n_masks : 0;
    *stride = ((size_t)s->w * s->bpp + 31) / 32 * 4;
    *px_at = 14 + s->hsz + masks_after + 4 * (size_t)s->n_palette;
    *n = *px_at + *stride * (size_t)abs(s->h);
    unsigned char *b = calloc(1, *n);
    b[0] = 'B', b[1] = 'M';
    put32(b + 2, (uint32_t)*n);
    put32(b + 10, (uint32_t)*px_at);
    put32(b + 14, s->hsz);
    put32(b + 18, (uint32_t)s->w);
    put32(b + 22, (uint32_t)s->h);
    put16(b + 26, 1);
    put16(b + 28, (unsigned)s->bpp);
    put32(b + 30, s->comp);
    put32(b + 46, (uint32_t)s->n_palette);
    for (int i = 0; s->masks && i < s->n_masks; i++) put32(b + 54 + 4 * i, s->masks[i]);
    if (s->n_palette) memcpy(b + 14 + s->hsz + masks_after, s->palette, 4 * (size_t)s->n_palette);
    return b;
}

static char *write_bmp(struct fixture *f, const char *name, const unsigned char *b, size_t n) {
    char *p = path_in(f, name);
    test_write_bytes(p, b, n);
    return p;
}

/* The BMP b (n bytes, freed here) written as `name` loads as w x h RGB `want`. */
static void bmp_loads_as(struct fixture *f, const char *name, unsigned char *b, size_t n, int w, int h,
                         const unsigned char *want) {
    char *p = write_bmp(f, name, b, n);
    vlm_image img;
    load_ok(f, p, &img);
    assert_int_equal(img.width, w);
    assert_int_equal(img.height, h);
    bytes_are(img.rgb, want, (size_t)w * h * 3);
    vlm_image_free(&img);
    free(p);
    free(b);
}

/* 24-bit BI_RGB, bottom-up: the last stored row is the top one; B, G, R. */
static void test_bmp_24_bottom_up(void **state) {
    struct fixture *f = *state;
    struct bmp_spec s = {3, 2, 24, 0, 40, NULL, 0, NULL, 0};
    size_t n, at, stride;
    unsigned char *b = bmp_bytes(&s, &n, &at, &stride);
    assert_int_equal(stride, 12);
    static const unsigned char top[9] = {3, 2, 1, 6, 5, 4, 9, 8, 7}, bottom[9] = {30, 20, 10, 60, 50, 40, 90, 80, 70};
    memcpy(b + at, bottom, 9);
    memcpy(b + at + stride, top, 9);
    static const unsigned char want[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90};
    bmp_loads_as(f, "24.bmp", b, n, 3, 2, want);
}

/* 32-bit BI_RGB top-down (negative height): B, G, R, X; X is unused, so RGBA
 * is opaque. A v5 header (124 bytes) with BI_BITFIELDS and an alpha mask keeps
 * the alpha. */
static void test_bmp_32_top_down(void **state) {
    struct fixture *f = *state;
    struct bmp_spec s = {2, -2, 32, 0, 40, NULL, 0, NULL, 0};
    size_t n, at, stride;
    unsigned char *b = bmp_bytes(&s, &n, &at, &stride);
    static const unsigned char rows[16] = {3, 2, 1, 7, 6, 5, 4, 7, 9, 8, 7, 7, 12, 11, 10, 7};
    memcpy(b + at, rows, 16);
    char *p = write_bmp(f, "32.bmp", b, n);
    vlm_image img;
    load_ok(f, p, &img);
    static const unsigned char want[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    bytes_are(img.rgb, want, 12);
    vlm_image_free(&img);
    struct image_px px;
    decode_file(f, p, 0, &px);
    assert_int_equal(px.channels, 3);
    free(px.px);
    free(p);
    free(b);
    static const uint32_t masks[4] = {0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000};
    struct bmp_spec v5 = {2, -1, 32, 3, 124, masks, 4, NULL, 0};
    b = bmp_bytes(&v5, &n, &at, &stride);
    static const unsigned char row[8] = {3, 2, 1, 0, 6, 5, 4, 200};
    memcpy(b + at, row, 8);
    p = write_bmp(f, "v5.bmp", b, n);
    decode_file(f, p, 0, &px);
    static const unsigned char rgba[8] = {1, 2, 3, 0, 4, 5, 6, 200};
    assert_int_equal(px.channels, 4);
    bytes_are(px.px, rgba, 8);
    free(px.px);
    free(p);
    free(b);
}

/* 8-bit palette of 3 colours (biClrUsed 3); index 200 is past it: black. */
static void test_bmp_8_palette(void **state) {
    struct fixture *f = *state;
    static const unsigned char pal[12] = {30, 20, 10, 0, 60, 50, 40, 0, 90, 80, 70, 0};
    struct bmp_spec s = {4, 1, 8, 0, 40, NULL, 0, pal, 3};
    size_t n, at, stride;
    unsigned char *b = bmp_bytes(&s, &n, &at, &stride);
    static const unsigned char idx[4] = {2, 0, 200, 1};
    memcpy(b + at, idx, 4);
    static const unsigned char want[12] = {70, 80, 90, 10, 20, 30, 0, 0, 0, 40, 50, 60};
    bmp_loads_as(f, "8.bmp", b, n, 4, 1, want);
}

/* 1 bit a pixel, most significant bit first, 10 pixels over two bytes. */
static void test_bmp_1_bit(void **state) {
    struct fixture *f = *state;
    static const unsigned char pal[8] = {0, 0, 0, 0, 30, 200, 10, 0};
    struct bmp_spec s = {10, 1, 1, 0, 40, NULL, 0, pal, 2};
    size_t n, at, stride;
    unsigned char *b = bmp_bytes(&s, &n, &at, &stride);
    assert_int_equal(stride, 4);
    b[at] = 0xB3, b[at + 1] = 0x80; /* 1011 0011 10 */
    char *p = write_bmp(f, "1.bmp", b, n);
    vlm_image img;
    load_ok(f, p, &img);
    static const int bits[10] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 0};
    for (int x = 0; x < 10; x++) {
        static const unsigned char on[3] = {10, 200, 30}, off[3] = {0, 0, 0};
        pixel_near(&img, x, 0, bits[x] ? on : off, 0);
    }
    vlm_image_free(&img);
    free(p);
    free(b);
}

/* BI_BITFIELDS 5-6-5 (masks after a 40-byte header): a channel of v over its
 * mask's top t is v * 255 / t rounded: 0x8410 is R 16/31, G 32/63, B 16/31:
 * (16 * 255 + 15) / 31 = 132, (32 * 255 + 31) / 63 = 130. */
static void test_bmp_16_565(void **state) {
    struct fixture *f = *state;
    static const uint32_t masks[3] = {0xF800, 0x07E0, 0x001F};
    struct bmp_spec s = {4, 1, 16, 3, 40, masks, 3, NULL, 0};
    size_t n, at, stride;
    unsigned char *b = bmp_bytes(&s, &n, &at, &stride);
    static const unsigned px[4] = {0xF800, 0x07E0, 0x001F, 0x8410};
    for (int i = 0; i < 4; i++) put16(b + at + 2 * i, px[i]);
    static const unsigned char want[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 132, 130, 132};
    bmp_loads_as(f, "565.bmp", b, n, 4, 1, want);
}

static void test_bmp_refusals(void **state) {
    struct fixture *f = *state;
    struct bmp_spec rle = {4, 4, 8, 1, 40, NULL, 0, (const unsigned char[8]){0}, 2};
    size_t n, at, stride;
    unsigned char *b = bmp_bytes(&rle, &n, &at, &stride);
    char *p = write_bmp(f, "rle.bmp", b, n);
    load_fails(f, p, "': RLE-compressed BMP (BI_RLE8, BI_RLE4) is not supported");
    free(b);
    /* a 24-bit one cut in its pixels */
    struct bmp_spec s = {8, 8, 24, 0, 40, NULL, 0, NULL, 0};
    b = bmp_bytes(&s, &n, &at, &stride);
    test_write_bytes(p, b, n - 10);
    load_fails(f, p, "': corrupt or truncated BMP (BMP reader: the file ends inside its pixels)");
    test_write_bytes(p, b, 30);
    load_fails(f, p, "': corrupt or truncated BMP (BMP reader: the file ends inside its header)");
    free(b);
    free(p);
}

/* ------------------------------------------------------------ limits from headers */

/* A small file of each format whose header is made to claim w x h. */
static void claim_size(struct fixture *f, const char *name, int w, int h, const char *want) {
    char *p = path_in(f, name);
    if (strstr(name, ".png")) {
        FILE *fp = fopen(p, "wb");
        assert_non_null(fp);
        png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
        png_infop info = png_create_info_struct(png);
        assert_false(setjmp(png_jmpbuf(png)));
        png_init_io(png, fp);
        png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        static const png_byte idat_name[5] = "IDAT";
        png_write_chunk(png, idat_name, (png_const_bytep) "\x78\x9c", 2); /* a zlib header, no more */
        png_destroy_write_struct(&png, &info);
        fclose(fp);
    } else if (strstr(name, ".jpg")) {
        char *small = write_quadrants_jpeg(f, "small.jpg", NULL, 0);
        size_t n;
        unsigned char *b = test_read_bytes(small, &n);
        size_t i = 2;
        while (i + 9 < n && !(b[i] == 0xFF && b[i + 1] == 0xC0)) i++; /* SOF0 */
        assert_true(i + 9 < n);
        b[i + 5] = (unsigned char)(h >> 8), b[i + 6] = (unsigned char)h; /* length 2, precision 1, height, width */
        b[i + 7] = (unsigned char)(w >> 8), b[i + 8] = (unsigned char)w;
        test_write_bytes(p, b, n);
        free(b);
        free(small);
    } else {
        struct bmp_spec s = {1, 1, 24, 0, 40, NULL, 0, NULL, 0};
        size_t n, at, stride;
        unsigned char *b = bmp_bytes(&s, &n, &at, &stride);
        put32(b + 18, (uint32_t)w);
        put32(b + 22, (uint32_t)h);
        test_write_bytes(p, b, n);
        free(b);
    }
    load_fails(f, p, want);
    free(p);
}

/* 20000 a side is past 16384; 16000x16000 is within it but 256 million
 * pixels, past the 100 million cap: 16000 * 16000 * 3 bytes = 732.4 MiB,
 * the cap 100e6 * 3 bytes = 286.1 MiB. */
static void test_side_and_bomb_limits(void **state) {
    struct fixture *f = *state;
    static const char *names[3] = {"big.png", "big.jpg", "big.bmp"};
    for (int i = 0; i < 3; i++) {
        claim_size(f, names[i], 20000, 20000, "': image is 20000x20000; the limit is 16384x16384");
        claim_size(f, names[i], 16000, 16000,
                   "': refused as a decompression bomb: 16000x16000 would decode to 732.4 MiB of pixels; the "
                   "limit is 100 megapixels (286.1 MiB as RGB)");
    }
}

/* A JPEG cut inside its entropy-coded data: libjpeg would pad it with grey. */
static void test_truncated_jpeg_data(void **state) {
    struct fixture *f = *state;
    char *p = write_quadrants_jpeg(f, "half.jpg", NULL, 0);
    size_t n;
    unsigned char *b = test_read_bytes(p, &n);
    test_write_bytes(p, b, n - 40);
    load_fails(f, p, "': corrupt or truncated JPEG (libjpeg: Corrupt JPEG data: premature end of data segment)");
    free(b);
    free(p);
}

/* A JPEG whose closing EOI marker (its last 2 bytes) is missing decodes to
 * the same pixels as the whole file, sequential and progressive; one cut
 * inside its last scan (the last 40 bytes gone) is refused, both kinds. */
static void test_jpeg_without_eoi(void **state) {
    struct fixture *f = *state;
    unsigned char *px = pattern(W, H, 3);
    for (int progressive = 0; progressive < 2; progressive++) {
        char *p = path_in(f, "eoi.jpg");
        struct jpeg_spec s = {W, H, 3, JCS_RGB, progressive, NULL, 0};
        write_jpeg(p, &s, px);
        vlm_image whole, cut;
        load_ok(f, p, &whole);
        size_t n;
        unsigned char *b = test_read_bytes(p, &n);
        assert_true(b[n - 2] == 0xFF && b[n - 1] == 0xD9); /* EOI */
        test_write_bytes(p, b, n - 2);
        load_ok(f, p, &cut);
        assert_int_equal(cut.width, whole.width);
        assert_int_equal(cut.height, whole.height);
        assert_memory_equal(cut.rgb, whole.rgb, (size_t)whole.width * whole.height * 3);
        test_write_bytes(p, b, n - 40);
        load_fails(f, p, "': corrupt or truncated JPEG (libjpeg: "); /* (the message depends on the scan cut) */
        vlm_image_free(&whole);
        vlm_image_free(&cut);
        free(b);
        free(p);
    }
    free(px);
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
        cmocka_unit_test_setup_teardown(test_jpeg_exif_orientation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jpeg_exif_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jpeg_cmyk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jpeg_grey_and_progressive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_16_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_palette_trns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_interlaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_grey_alpha, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_24_bottom_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_32_top_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_8_palette, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_1_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_16_565, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_side_and_bomb_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_jpeg_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jpeg_without_eoi, setup, teardown),
        cmocka_unit_test(test_free_is_safe_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
