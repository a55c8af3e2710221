/*
 * image.c - decoding image files to 8-bit pixels (image.h, and the public
 * vlm_image_load): JPEG through libjpeg-turbo, PNG through libpng, WebP
 * through libwebp, BMP through a small reader of its own. The format is told
 * by the file's magic bytes, never by its name. Every decoder reads the
 * image's size from its header and checks it (IMAGE_MAX_SIDE each way,
 * IMAGE_MAX_PIXELS in all, a decompression bomb refused by name) before any
 * pixel memory is allocated. A JPEG's EXIF orientation is applied, so callers
 * get the picture upright. vlm_image_load adds the XXH3-128 hash of the file's
 * bytes, by which the engine knows an image it has encoded before.
 */
#include "image.h"
#include "vlmeter.h"

#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/decode.h>
#include <xxhash.h>

#include "util.h"

#define MAX_FILE_BYTES  ((uint64_t)512 << 20) /* larger files are not read */
#define JPEG_MAX_SCANS  1000                  /* progressive scans; more is a CPU bomb */
#define JPEG_MAX_MEMORY (1024L << 20)         /* libjpeg's own working memory */
#define PNG_MAX_CHUNK   (8u << 20)            /* an ancillary chunk libpng will allocate */

enum image_format { FMT_UNKNOWN, FMT_PNG, FMT_JPEG, FMT_BMP, FMT_WEBP };

/* One decode: the input, what is asked, where the answer and a message go. */
struct job {
    const char *name;
    const unsigned char *data;
    size_t len;
    int want;         /* 3, 4, or 0: as the file has alpha */
    bool header_only; /* image_probe */
    struct image_px *out;
    unsigned char *buf; /* decoded pixels in progress; freed on failure */
    char *err;
    size_t err_len;
};

static const char *format_name(enum image_format f) {
    switch (f) {
    case FMT_PNG: return "PNG";
    case FMT_JPEG: return "JPEG";
    case FMT_BMP: return "BMP";
    case FMT_WEBP: return "WebP";
    default: return "unknown";
    }
}

bool image_is_jpeg(const unsigned char *b, size_t n) { return n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

static enum image_format sniff_format(const unsigned char *b, size_t n) {
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return FMT_PNG;
    if (image_is_jpeg(b, n)) return FMT_JPEG;
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return FMT_BMP;
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) return FMT_WEBP;
    return FMT_UNKNOWN;
}

/* ------------------------------------------------------------ messages and limits */

static int corrupt(const struct job *j, enum image_format f, const char *lib, const char *why) {
    util_errf(j->err, j->err_len, "'%s': corrupt or truncated %s (%s: %s)", j->name, format_name(f), lib,
              why && *why ? why : "unknown error");
    return VLM_ERR_INPUT;
}

static int unsupported(const struct job *j, const char *what) {
    util_errf(j->err, j->err_len, "'%s': %s is not supported", j->name, what);
    return VLM_ERR_INPUT;
}

/* "343.3 MiB" or "2.5 GiB". */
static void bytes_text(double bytes, char *buf, size_t n) {
    if (bytes >= 1024.0 * 1024 * 1024) snprintf(buf, n, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    else snprintf(buf, n, "%.1f MiB", bytes / (1024.0 * 1024));
}

/* The size a header claims, checked before anything is allocated for it: each
 * side at most IMAGE_MAX_SIDE, the whole at most IMAGE_MAX_PIXELS. */
static int check_size(const struct job *j, long long w, long long h) {
    if (w <= 0 || h <= 0) {
        util_errf(j->err, j->err_len, "'%s': image has no pixels (%lldx%lld)", j->name, w, h);
        return VLM_ERR_INPUT;
    }
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
        util_errf(j->err, j->err_len, "'%s': image is %lldx%lld; the limit is %dx%d", j->name, w, h, IMAGE_MAX_SIDE,
                  IMAGE_MAX_SIDE);
        return VLM_ERR_INPUT;
    }
    if (w * h > IMAGE_MAX_PIXELS) {
        char got[32], cap[32];
        bytes_text((double)w * (double)h * 3, got, sizeof got);
        bytes_text((double)IMAGE_MAX_PIXELS * 3, cap, sizeof cap);
        util_errf(j->err, j->err_len,
                  "'%s': refused as a decompression bomb: %lldx%lld would decode to %s of pixels; the limit is "
                  "%d megapixels (%s as RGB)",
                  j->name, w, h, got, IMAGE_MAX_PIXELS / 1000000, cap);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* The channels an image is decoded to: as asked, or 4 when it has alpha. */
static int out_channels(const struct job *j, bool has_alpha) { return j->want ? j->want : has_alpha ? 4 : 3; }

/* The header-only answer of image_probe. */
static int probed(struct job *j, int w, int h, bool has_alpha, int orientation) {
    j->out->width = w;
    j->out->height = h;
    j->out->channels = has_alpha ? 4 : 3;
    j->out->orientation = orientation;
    return VLM_OK;
}

/* ------------------------------------------------------------ orientation */

/* Where output pixel (x, y) of an image turned upright by EXIF orientation o
 * comes from in the stored w x h image (EXIF 2.3, tag 0x0112: 2 mirrors left
 * to right, 3 turns 180 degrees, 4 mirrors top to bottom, 5 transposes, 6
 * turns 90 degrees clockwise, 7 transverses, 8 turns 90 degrees
 * anticlockwise). */
static void oriented_source(int o, int w, int h, int x, int y, int *sx, int *sy) {
    switch (o) {
    case 2: *sx = w - 1 - x, *sy = y; break;
    case 3: *sx = w - 1 - x, *sy = h - 1 - y; break;
    case 4: *sx = x, *sy = h - 1 - y; break;
    case 5: *sx = y, *sy = x; break;
    case 6: *sx = y, *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y, *sy = h - 1 - x; break;
    case 8: *sx = w - 1 - y, *sy = x; break;
    default: *sx = x, *sy = y; break;
    }
}

/* The decoded w x h pixels in j->buf turned upright (orientation o) and handed
 * to j->out, which owns them from then on. */
static int deliver(struct job *j, int w, int h, int channels, int o) {
    unsigned char *px = j->buf;
    int ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;
    if (o >= 2 && o <= 8) {
        px = xmalloc((size_t)w * (size_t)h * (size_t)channels);
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                int sx, sy;
                oriented_source(o, w, h, x, y, &sx, &sy);
                memcpy(px + ((size_t)y * ow + x) * channels, j->buf + ((size_t)sy * w + sx) * channels,
                       (size_t)channels);
            }
        free(j->buf);
    }
    j->buf = NULL;
    j->out->width = ow;
    j->out->height = oh;
    j->out->channels = channels;
    j->out->orientation = o >= 1 && o <= 8 ? o : 1;
    j->out->px = px;
    return VLM_OK;
}

/* RGB pixels widened in place to RGBA, opaque. */
static unsigned char *rgb_to_rgba(unsigned char *rgb, size_t n_px) {
    unsigned char *px = xrealloc(rgb, n_px * 4);
    for (size_t i = n_px; i-- > 0;) {
        px[i * 4 + 3] = 255;
        memmove(px + i * 4, px + i * 3, 3);
    }
    return px;
}

/* ------------------------------------------------------------ JPEG: EXIF */

static unsigned tiff16(const unsigned char *p, bool le) { return le ? p[0] | p[1] << 8 : p[0] << 8 | p[1]; }
static uint32_t tiff32(const unsigned char *p, bool le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The Orientation (tag 0x0112, one SHORT) of IFD0 of the TIFF structure in
 * t[0..n) (TIFF 6.0: "II" little-endian or "MM" big-endian, 42, the IFD's
 * offset; the IFD: a count, then 12-byte entries tag/type/count/value). 1 when
 * absent, out of range, or any offset points outside t. */
static int tiff_orientation(const unsigned char *t, size_t n) {
    if (n < 8 || !((t[0] == 'I' && t[1] == 'I') || (t[0] == 'M' && t[1] == 'M'))) return 1;
    bool le = t[0] == 'I';
    if (tiff16(t + 2, le) != 42) return 1;
    uint64_t ifd = tiff32(t + 4, le);
    if (ifd + 2 > n) return 1;
    unsigned count = tiff16(t + ifd, le);
    for (unsigned i = 0; i < count; i++) {
        uint64_t e = ifd + 2 + (uint64_t)i * 12;
        if (e + 12 > n) return 1;
        if (tiff16(t + e, le) != 0x0112) continue;
        if (tiff16(t + e + 2, le) != 3 || tiff32(t + e + 4, le) < 1) return 1; /* not a SHORT */
        unsigned v = tiff16(t + e + 8, le);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

/* The orientation in a JPEG's first APP1 "Exif\0\0" segment; 1 without one. */
static int jpeg_orientation(j_decompress_ptr ci) {
    for (jpeg_saved_marker_ptr m = ci->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0)
            return tiff_orientation(m->data + 6, m->data_length - 6);
    return 1;
}

/* ------------------------------------------------------------ JPEG: pixels */

/* libjpeg's error manager, returning to jpeg_decode by longjmp with the message. */
struct jpeg_fail {
    struct jpeg_error_mgr mgr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail_exit(j_common_ptr c) {
    struct jpeg_fail *f = (struct jpeg_fail *)c->err;
    c->err->format_message(c, f->msg);
    longjmp(f->jump, 1);
}

/* Warnings pass, except data ending early: libjpeg would paint the rest of
 * the picture grey and carry on, and a cut file must be refused as one (a
 * scan's coded data ending at a marker, JWRN_HIT_MARKER; the file itself
 * ending, JWRN_JPEG_EOF). */
static void jpeg_warning(j_common_ptr c, int level) {
    if (level < 0 && (c->err->msg_code == JWRN_HIT_MARKER || c->err->msg_code == JWRN_JPEG_EOF)) jpeg_fail_exit(c);
}

/* The file with the closing EOI marker added when its last two bytes are not
 * one (malloc'ed), else NULL. A file cut just before its EOI (a few bytes
 * short) holds the whole picture, which stb and browsers show; with the
 * marker added it decodes as the whole file would, while a file cut inside
 * its coded data still runs into the marker early and is refused. */
static unsigned char *with_eoi(const unsigned char *data, size_t len) {
    if (len >= 2 && data[len - 2] == 0xFF && data[len - 1] == 0xD9) return NULL;
    unsigned char *b = xmalloc(len + 2);
    memcpy(b, data, len);
    b[len] = 0xFF;
    b[len + 1] = 0xD9;
    return b;
}

/* A progressive JPEG of thousands of tiny scans costs minutes: stop it. */
static void jpeg_scan_limit(j_common_ptr c) {
    if (!c->is_decompressor || ((j_decompress_ptr)c)->input_scan_number <= JPEG_MAX_SCANS) return;
    struct jpeg_fail *f = (struct jpeg_fail *)c->err;
    snprintf(f->msg, sizeof f->msg, "more than %d progressive scans", JPEG_MAX_SCANS);
    longjmp(f->jump, 1);
}

/* CMYK rows (c pixels of 4 bytes) to RGB in place. A JPEG with an Adobe
 * marker (Photoshop's, and libjpeg's own for CMYK) stores the inks inverted
 * (255 = no ink), so R = C' * K' / 255 with C', K' as stored; without one,
 * R = (255 - C) * (255 - K) / 255. Likewise G from M, B from Y. No colour
 * profile is applied. */
static void cmyk_to_rgb(unsigned char *px, size_t n_px, bool inverted) {
    for (size_t i = 0; i < n_px; i++) {
        const unsigned char *s = px + i * 4;
        unsigned k = inverted ? s[3] : 255u - s[3], rgb[3];
        for (int c = 0; c < 3; c++) rgb[c] = ((inverted ? s[c] : 255u - s[c]) * k + 127) / 255;
        for (int c = 0; c < 3; c++) px[i * 3 + c] = (unsigned char)rgb[c];
    }
}

/* Decode with a decompressor set up by jpeg_decode (its setjmp catches errors). */
static int jpeg_pixels(struct job *j, j_decompress_ptr ci, int orientation) {
    bool cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
    ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB; /* libjpeg turns grey and YCbCr to RGB itself */
    jpeg_start_decompress(ci);
    size_t row = (size_t)ci->output_width * (size_t)ci->output_components;
    j->buf = xmalloc(row * ci->output_height);
    while (ci->output_scanline < ci->output_height) {
        JSAMPROW r = j->buf + row * ci->output_scanline;
        jpeg_read_scanlines(ci, &r, 1);
    }
    size_t n_px = (size_t)ci->output_width * ci->output_height;
    if (cmyk) cmyk_to_rgb(j->buf, n_px, ci->saw_Adobe_marker);
    int channels = out_channels(j, false);
    if (channels == 4) j->buf = rgb_to_rgba(j->buf, n_px);
    return deliver(j, (int)ci->output_width, (int)ci->output_height, channels, orientation);
}

/* Decode `len` bytes at `data` (the file, or its copy with an EOI added). */
static int jpeg_decode_bytes(struct job *j, const unsigned char *data, size_t len) {
    struct jpeg_decompress_struct ci;
    struct jpeg_fail fail = {0};
    ci.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = jpeg_fail_exit;
    fail.mgr.emit_message = jpeg_warning;
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&ci);
        free(j->buf);
        j->buf = NULL;
        return corrupt(j, FMT_JPEG, "libjpeg", fail.msg);
    }
    jpeg_create_decompress(&ci);
    ci.mem->max_memory_to_use = JPEG_MAX_MEMORY;
    fail.progress.progress_monitor = jpeg_scan_limit;
    ci.progress = &fail.progress;
    jpeg_mem_src(&ci, data, (unsigned long)len);
    jpeg_save_markers(&ci, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&ci, TRUE);
    int o = jpeg_orientation(&ci), w = (int)ci.image_width, h = (int)ci.image_height;
    int rc = check_size(j, w, h);
    if (rc == VLM_OK && j->header_only) rc = probed(j, o >= 5 ? h : w, o >= 5 ? w : h, false, o);
    else if (rc == VLM_OK) rc = jpeg_pixels(j, &ci, o);
    jpeg_destroy_decompress(&ci);
    return rc;
}

static int jpeg_decode(struct job *j) {
    unsigned char *ended = j->header_only ? NULL : with_eoi(j->data, j->len);
    int rc = ended ? jpeg_decode_bytes(j, ended, j->len + 2) : jpeg_decode_bytes(j, j->data, j->len);
    free(ended);
    return rc;
}

/* ------------------------------------------------------------ PNG */

struct png_fail {
    jmp_buf jump;
    char msg[256];
};

/* The bytes libpng reads, from memory, and the row pointers into the pixels
 * (here, not in a local, so that they outlive a longjmp). */
struct png_source {
    const unsigned char *p;
    size_t n, at;
    png_bytep *rows;
};

static void png_fail_exit(png_structp png, png_const_charp msg) {
    struct png_fail *f = png_get_error_ptr(png);
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    longjmp(f->jump, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void png_read_memory(png_structp png, png_bytep out, size_t n) {
    struct png_source *s = png_get_io_ptr(png);
    if (n > s->n - s->at) png_error(png, "the file ends early");
    memcpy(out, s->p + s->at, n);
    s->at += n;
}

/* The transformations to 8-bit RGB or RGBA. 16-bit samples keep their high
 * byte (png_set_strip_16), as stb_image does: llama.cpp's own tools decode with
 * stb, so a model sees the same values from vlmeter as from them. Alpha is
 * dropped, not composited, for RGB, as stb does too. */
static void png_transforms(png_structp png, png_infop info, int channels) {
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    if (depth == 16) png_set_strip_16(png);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (channels == 4 && png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (channels == 3) png_set_strip_alpha(png);
    else png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* Decode with png/info set up by png_decode (its setjmp catches errors). */
static int png_pixels(struct job *j, png_structp png, png_infop info, int channels, png_bytep **rows) {
    png_transforms(png, info, channels);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    size_t row = (size_t)w * (size_t)channels;
    if (png_get_rowbytes(png, info) != row) png_error(png, "unexpected row size after transformation");
    j->buf = xmalloc(row * h);
    *rows = xmalloc(h * sizeof **rows);
    for (png_uint_32 y = 0; y < h; y++) (*rows)[y] = j->buf + row * y;
    png_read_image(png, *rows);
    return deliver(j, (int)w, (int)h, channels, 1);
}

static int png_decode(struct job *j) {
    struct png_fail fail = {0};
    struct png_source src = {j->data, j->len, 0, NULL};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail, png_fail_exit, png_quiet);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return corrupt(j, FMT_PNG, "libpng", "out of memory");
    }
    if (setjmp(fail.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(j->buf);
        j->buf = NULL;
        free(src.rows);
        return corrupt(j, FMT_PNG, "libpng", fail.msg);
    }
    png_set_chunk_malloc_max(png, PNG_MAX_CHUNK);
    png_set_read_fn(png, &src, png_read_memory);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    bool alpha = (png_get_color_type(png, info) & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    int rc = check_size(j, w, h);
    if (rc == VLM_OK && j->header_only) rc = probed(j, (int)w, (int)h, alpha, 1);
    else if (rc == VLM_OK) rc = png_pixels(j, png, info, out_channels(j, alpha), &src.rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(src.rows);
    return rc;
}

/* ------------------------------------------------------------ BMP */

/* What a BMP's headers say (Microsoft's BITMAPFILEHEADER, then a
 * BITMAPINFOHEADER of 40 bytes or a later one of 52, 56, 108 or 124 that
 * begins the same way). */
struct bmp {
    long long w, h;
    bool top_down;
    unsigned bpp;
    uint32_t mask[4];  /* R, G, B, A for 16 and 32 bits; A 0 when none */
    uint64_t pal_at;   /* palette: 4-byte B, G, R, 0 entries */
    uint32_t pal_n;    /* colours in it */
    uint64_t px_at;    /* first stored row */
    uint64_t stride;   /* bytes per row, padded to 4 */
    const char *unsup; /* set when the file is well formed but not read */
};

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The channel masks: from the header (52 bytes and more), after it (40 with
 * BI_BITFIELDS: 3 masks, 4 with BI_ALPHABITFIELDS), or BI_RGB's fixed ones.
 * The offset after them, NULL; or why not. */
static const char *bmp_masks(const unsigned char *d, size_t n, uint32_t hsz, uint32_t comp, struct bmp *b,
                             uint64_t *after) {
    *after = 14 + (uint64_t)hsz;
    if (comp == 0) {
        uint32_t m16[3] = {0x7C00, 0x03E0, 0x001F}, m32[3] = {0xFF0000, 0xFF00, 0xFF};
        memcpy(b->mask, b->bpp == 16 ? m16 : m32, sizeof m16);
        return NULL;
    }
    if (b->bpp != 16 && b->bpp != 32) return "BI_BITFIELDS needs 16 or 32 bits a pixel";
    int n_masks = comp == 6 ? 4 : 3;
    uint64_t at = 14 + 40;
    if (hsz == 40) *after += 4 * (uint64_t)n_masks;
    else if (hsz >= 56) n_masks = 4; /* the header holds the alpha mask */
    if (at + 4 * (uint64_t)n_masks > n) return "the file ends inside its colour masks";
    for (int i = 0; i < n_masks; i++) b->mask[i] = le32(d + at + 4 * i);
    return NULL;
}

/* Parse the headers: the size first (checked by the caller), then NULL when
 * every offset and row lies inside the file, else why not. */
static const char *bmp_parse(const unsigned char *d, size_t n, struct bmp *b) {
    memset(b, 0, sizeof *b);
    if (n < 14 + 40) return "the file ends inside its header";
    uint32_t hsz = le32(d + 14), comp = le32(d + 30), clr_used = le32(d + 46);
    if (hsz != 40 && hsz != 52 && hsz != 56 && hsz != 108 && hsz != 124) {
        b->unsup = "a BMP header other than BITMAPINFOHEADER (40 bytes) or a later one (52, 56, 108, 124)";
        return NULL;
    }
    if (14 + (uint64_t)hsz > n) return "the file ends inside its header";
    b->w = (int32_t)le32(d + 18);
    int64_t h = (int32_t)le32(d + 22);
    b->top_down = h < 0;
    b->h = h < 0 ? -h : h;
    b->bpp = d[28] | d[29] << 8;
    if (comp == 1 || comp == 2) b->unsup = "RLE-compressed BMP (BI_RLE8, BI_RLE4)";
    else if (comp != 0 && comp != 3 && comp != 6) b->unsup = "a BMP compressed other than BI_RGB or BI_BITFIELDS";
    else if (b->bpp != 1 && b->bpp != 4 && b->bpp != 8 && b->bpp != 16 && b->bpp != 24 && b->bpp != 32)
        b->unsup = "a BMP bit depth other than 1, 4, 8, 16, 24 or 32";
    if (b->unsup) return NULL;
    uint64_t after = 0;
    const char *why = bmp_masks(d, n, hsz, b->bpp <= 8 || b->bpp == 24 ? 0 : comp, b, &after);
    if (why) return why;
    if (b->bpp <= 8) {
        b->pal_at = after;
        b->pal_n = clr_used ? clr_used : 1u << b->bpp;
        if (b->pal_n > 1u << b->bpp) return "the palette has more colours than the bit depth can index";
        if (b->pal_at + 4 * (uint64_t)b->pal_n > n) return "the file ends inside its palette";
    }
    b->px_at = le32(d + 10);
    return NULL;
}

/* Every stored row inside the file (the size already checked: no overflow). */
static const char *bmp_rows_fit(size_t n, struct bmp *b) {
    uint64_t bits = (uint64_t)b->w * b->bpp;
    b->stride = (bits + 31) / 32 * 4;
    if (b->px_at + b->stride * (uint64_t)(b->h - 1) + (bits + 7) / 8 > n) return "the file ends inside its pixels";
    return NULL;
}

/* One channel of a masked pixel scaled to 0-255: (v & m) >> shift, times 255
 * over the mask's largest value, rounded. */
static unsigned char bmp_channel(uint32_t v, uint32_t m) {
    if (!m) return 0;
    int shift = __builtin_ctz(m);
    uint64_t top = m >> shift, x = (v & m) >> shift;
    return (unsigned char)((x * 255 + top / 2) / top);
}

/* Pixel x of a stored row as R, G, B, A. An index past the palette is black. */
static void bmp_pixel(const unsigned char *d, const struct bmp *b, const unsigned char *row, long long x,
                      unsigned char o[4]) {
    o[3] = 255;
    if (b->bpp <= 8) {
        uint64_t bit = (uint64_t)x * b->bpp;
        unsigned idx = (row[bit / 8] >> (8 - b->bpp - bit % 8)) & ((1u << b->bpp) - 1);
        const unsigned char *c = d + b->pal_at + 4 * (uint64_t)idx;
        bool in = idx < b->pal_n;
        o[0] = in ? c[2] : 0, o[1] = in ? c[1] : 0, o[2] = in ? c[0] : 0;
    } else if (b->bpp == 24) {
        o[0] = row[3 * x + 2], o[1] = row[3 * x + 1], o[2] = row[3 * x];
    } else {
        uint32_t v = b->bpp == 16 ? (uint32_t)(row[2 * x] | row[2 * x + 1] << 8) : le32(row + 4 * x);
        for (int c = 0; c < 3; c++) o[c] = bmp_channel(v, b->mask[c]);
        if (b->mask[3]) o[3] = bmp_channel(v, b->mask[3]);
    }
}

static int bmp_decode(struct job *j) {
    struct bmp b;
    const char *why = bmp_parse(j->data, j->len, &b);
    if (why) return corrupt(j, FMT_BMP, "BMP reader", why);
    if (b.unsup) return unsupported(j, b.unsup);
    int rc = check_size(j, b.w, b.h);
    if (rc != VLM_OK) return rc;
    if ((why = bmp_rows_fit(j->len, &b))) return corrupt(j, FMT_BMP, "BMP reader", why);
    bool alpha = b.mask[3] != 0;
    if (j->header_only) return probed(j, (int)b.w, (int)b.h, alpha, 1);
    int channels = out_channels(j, alpha);
    j->buf = xmalloc((size_t)b.w * (size_t)b.h * (size_t)channels);
    for (long long y = 0; y < b.h; y++) {
        const unsigned char *row = j->data + b.px_at + b.stride * (uint64_t)(b.top_down ? y : b.h - 1 - y);
        unsigned char *o = j->buf + (size_t)y * (size_t)b.w * channels;
        for (long long x = 0; x < b.w; x++, o += channels) {
            unsigned char px[4];
            bmp_pixel(j->data, &b, row, x, px);
            memcpy(o, px, (size_t)channels);
        }
    }
    return deliver(j, (int)b.w, (int)b.h, channels, 1);
}

/* ------------------------------------------------------------ WebP */

static const char *webp_status_text(VP8StatusCode s) {
    switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
    default: return "unknown error";
    }
}

static int webp_decode(struct job *j) {
    WebPBitstreamFeatures ft;
    VP8StatusCode st = WebPGetFeatures(j->data, j->len, &ft);
    if (st != VP8_STATUS_OK) return corrupt(j, FMT_WEBP, "libwebp", webp_status_text(st));
    if (ft.has_animation) return unsupported(j, "animated WebP");
    int rc = check_size(j, ft.width, ft.height);
    if (rc != VLM_OK) return rc;
    if (j->header_only) return probed(j, ft.width, ft.height, ft.has_alpha, 1);
    int channels = out_channels(j, ft.has_alpha);
    size_t stride = (size_t)ft.width * channels, size = stride * (size_t)ft.height;
    j->buf = xmalloc(size);
    bool ok = channels == 4 ? WebPDecodeRGBAInto(j->data, j->len, j->buf, size, (int)stride) != NULL
                            : WebPDecodeRGBInto(j->data, j->len, j->buf, size, (int)stride) != NULL;
    if (!ok) {
        free(j->buf);
        j->buf = NULL;
        return corrupt(j, FMT_WEBP, "libwebp", "decoding failed");
    }
    return deliver(j, ft.width, ft.height, channels, 1);
}

/* ------------------------------------------------------------ entry points */

static int run_job(struct job *j) {
    memset(j->out, 0, sizeof *j->out);
    switch (sniff_format(j->data, j->len)) {
    case FMT_PNG: return png_decode(j);
    case FMT_JPEG: return jpeg_decode(j);
    case FMT_BMP: return bmp_decode(j);
    case FMT_WEBP: return webp_decode(j);
    default: util_errf(j->err, j->err_len, "'%s' is not an image (unknown format)", j->name); return VLM_ERR_INPUT;
    }
}

int image_decode(const char *name, const unsigned char *data, size_t len, int channels, struct image_px *out, char *err,
                 size_t err_len) {
    struct job j = {name, data, len, channels == 3 || channels == 4 ? channels : 0, false, out, NULL, err, err_len};
    return run_job(&j);
}

int image_probe(const char *name, const unsigned char *data, size_t len, struct image_px *out, char *err,
                size_t err_len) {
    struct job j = {name, data, len, 0, true, out, NULL, err, err_len};
    return run_job(&j);
}

/* The whole file in memory; on failure a message naming it. */
static int read_file(const char *path, unsigned char **data, size_t *len, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR) util_errf(err, err_len, "missing image '%s'", path);
        else util_errf(err, err_len, "cannot open image '%s': %s", path, strerror(errno));
        return VLM_ERR_INPUT;
    }
    struct stat st;
    int rc = VLM_ERR_INPUT;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        util_errf(err, err_len, "'%s' is not an image (not a regular file)", path);
    else if (st.st_size == 0) util_errf(err, err_len, "'%s' is not an image (empty file)", path);
    else if ((uint64_t)st.st_size > MAX_FILE_BYTES)
        util_errf(err, err_len, "'%s' is too large to be an image (%llu bytes; the limit is %llu)", path,
                  (unsigned long long)st.st_size, (unsigned long long)MAX_FILE_BYTES);
    else {
        *len = (size_t)st.st_size;
        *data = xmalloc(*len);
        if (fread(*data, 1, *len, f) == *len) rc = VLM_OK;
        else {
            util_errf(err, err_len, "cannot read image '%s': %s", path,
                      ferror(f) ? strerror(errno) : "file shrank while reading");
            free(*data);
            *data = NULL;
        }
    }
    fclose(f);
    return rc;
}

int vlm_image_load(const char *path, vlm_image *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = read_file(path, &data, &len, err, err_len);
    if (rc != VLM_OK) return rc;
    struct image_px px;
    rc = image_decode(path, data, len, 3, &px, err, err_len);
    if (rc == VLM_OK) {
        XXH128_hash_t h = XXH3_128bits(data, len);
        out->width = (uint32_t)px.width;
        out->height = (uint32_t)px.height;
        out->rgb = px.px;
        out->hash[0] = h.high64;
        out->hash[1] = h.low64;
    }
    free(data);
    return rc;
}

void vlm_image_free(vlm_image *img) {
    if (!img) return;
    free(img->rgb);
    memset(img, 0, sizeof *img);
}
