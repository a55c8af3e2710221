/*
 * remote_dials.c - the image dials of a remote model (remote_dials.h): the
 * client-side resize of images before upload (max_pixels, max_side; image.c
 * decodes, a JPEG turned upright by its EXIF orientation, stb_image_resize
 * resamples, stb_image_write re-encodes as PNG; a JPEG whose orientation is not
 * 1 is sent upright the same way), processor= sent as mm_processor_kwargs, and the
 * text-only twin of a request whose usage remote_twin.c reads. docs/remote.md
 * says what is sent; docs/metrics.md defines the derived count.
 */
#include "remote_dials.h"
#include "image.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

/* ------------------------------------------------------------ the size */

/* floor(x) for a product that should be an integer but may come out a hair
 * below it in floating point (320 * 0.1 / 0.1, say). */
static int side_floor(double x) { return (int)floor(x + 1e-9); }

bool dials_fit(int w, int h, int max_pixels, int max_side, int *out_w, int *out_h) {
    *out_w = w;
    *out_h = h;
    if (w <= 0 || h <= 0) return false;
    bool over_pixels = max_pixels > 0 && (long long)w * h > max_pixels;
    bool over_side = max_side > 0 && (w > h ? w : h) > max_side;
    if (!over_pixels && !over_side) return false;
    double scale = 1.0;
    if (over_pixels) scale = sqrt((double)max_pixels / ((double)w * h));
    if (over_side) {
        double s = (double)max_side / (w > h ? w : h);
        if (s < scale) scale = s;
    }
    int nw = side_floor(w * scale), nh = side_floor(h * scale);
    if (nw < 1) nw = 1;
    if (nh < 1) nh = 1;
    /* a side held at 1 pixel may push the count past max_pixels: cut the other */
    if (max_pixels > 0 && (long long)nw * nh > max_pixels) {
        if (nh == 1) nw = max_pixels;
        else nh = max_pixels; /* nw is the one held at 1 */
    }
    *out_w = nw;
    *out_h = nh;
    return nw != w || nh != h;
}

/* ------------------------------------------------------------ resizing */

/* MIME type of an image from its first bytes; NULL when not one we know. */
static const char *image_mime(const unsigned char *p, size_t n) {
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return "image/jpeg";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) return "image/webp";
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) return "image/gif";
    if (n >= 2 && p[0] == 'B' && p[1] == 'M') return "image/bmp";
    return NULL;
}

/* The whole file (caller frees), NULL with a message. */
static unsigned char *read_bytes(const char *path, size_t *n, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        util_errf(err, err_len, "image '%s' cannot be opened", path);
        return NULL;
    }
    size_t cap = 1 << 16;
    unsigned char *buf = xmalloc(cap);
    *n = 0;
    for (size_t got; (got = fread(buf + *n, 1, cap - *n, f)) > 0;) {
        *n += got;
        if (*n == cap) buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    return buf;
}

/* The file's own bytes as a data URL; NULL with a message when they are not
 * an image type a server takes. */
static char *bytes_url(const char *path, const unsigned char *p, size_t n, char *err, size_t err_len) {
    const char *mime = image_mime(p, n);
    if (!mime) util_errf(err, err_len, "image '%s' is not a PNG, JPEG, WebP, GIF or BMP file", path);
    return mime ? util_data_uri(mime, p, n) : NULL;
}

struct png_buf {
    unsigned char *p;
    size_t n, cap;
};

static void png_write(void *user, void *data, int size) {
    struct png_buf *b = user;
    if (b->n + (size_t)size > b->cap) {
        b->cap = (b->n + (size_t)size) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, (size_t)size);
    b->n += (size_t)size;
}

/* The image in p decoded upright (image.c: a JPEG's EXIF orientation applied,
 * alpha kept), resampled to ow x oh when that differs from its size, and
 * written as a PNG data URL; NULL with the reason in why. */
static char *upright_url(const char *path, const unsigned char *p, size_t n, int ow, int oh, char *why,
                         size_t why_len) {
    struct image_px img;
    if (image_decode(path, p, n, 0, &img, why, why_len) != VLM_OK) return NULL;
    int comp = img.channels;
    unsigned char *out = img.px;
    char *url = NULL;
    if (ow != img.width || oh != img.height) {
        out = xmalloc((size_t)ow * oh * comp);
        /* the 8-bit values as stored (no sRGB linearisation), Mitchell-Netravali
         * (B = C = 1/3), edges clamped */
        if (!stbir_resize_uint8_generic(img.px, img.width, img.height, 0, out, ow, oh, 0, comp,
                                        comp == 4 ? 3 : STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
                                        STBIR_FILTER_MITCHELL, STBIR_COLORSPACE_LINEAR, NULL)) {
            snprintf(why, why_len, "stb_image_resize failed");
            free(out);
            out = NULL;
        }
    }
    if (out) {
        struct png_buf b = {NULL, 0, 0};
        if (stbi_write_png_to_func(png_write, &b, ow, oh, comp, out, ow * comp))
            url = util_data_uri("image/png", b.p, b.n);
        else snprintf(why, why_len, "stb_image_write cannot write the PNG");
        free(b.p);
    }
    if (out != img.px) free(out);
    free(img.px);
    return url;
}

/* A GIF (not decoded here) whose logical screen, its header's little-endian
 * width and height at bytes 6-9, is within the limits: sent as it is. */
static bool gif_within(const unsigned char *p, size_t n, const struct vlm_remote_params *rp) {
    const char *mime = image_mime(p, n);
    if (n < 10 || !mime || strcmp(mime, "image/gif") != 0) return false;
    int w = p[6] | p[7] << 8, h = p[8] | p[9] << 8, ow, oh;
    return w > 0 && h > 0 && !dials_fit(w, h, rp->max_pixels, rp->max_side, &ow, &oh);
}

char *dials_image_url(const struct vlm_remote_params *rp, const char *path, char *err, size_t err_len) {
    bool limits = rp->max_pixels > 0 || rp->max_side > 0;
    size_t n = 0;
    unsigned char *bytes = read_bytes(path, &n, err, err_len);
    if (!bytes) return NULL;
    /* sizes from the header only; a JPEG's are upright already */
    struct image_px head;
    char why[512] = "";
    bool known = limits || image_is_jpeg(bytes, n);
    bool decodable = known && image_probe(path, bytes, n, &head, why, sizeof why) == VLM_OK;
    int ow = 0, oh = 0;
    bool resize = decodable && dials_fit(head.width, head.height, rp->max_pixels, rp->max_side, &ow, &oh);
    bool turn = decodable && head.orientation != 1;
    char *url = NULL;
    if ((!resize && !turn && (decodable || !limits)) || (!decodable && gif_within(bytes, n, rp))) {
        url = bytes_url(path, bytes, n, err, err_len); /* as it is: upright and within the limits */
    } else if (!decodable) {
        /* not an image we can decode: say what it is, or why it cannot be read */
        if (image_mime(bytes, n))
            util_errf(err, err_len, "image '%s' cannot be decoded to resize it (max_pixels/max_side): %s", path, why);
        else bytes_url(path, bytes, n, err, err_len);
    } else {
        if (!resize) ow = head.width, oh = head.height; /* turned upright only */
        url = upright_url(path, bytes, n, ow, oh, why, sizeof why);
        if (!url)
            util_errf(err, err_len, "image '%s' (%dx%d) cannot be sent at %dx%d: %s", path, head.width, head.height, ow,
                      oh, why);
    }
    free(bytes);
    return url;
}

/* ------------------------------------------------------------ processor= */

int dials_check(const struct vlm_remote_params *rp, char *err, size_t err_len) {
    if (!rp->processor_json) return VLM_OK;
    json_error_t je;
    json_t *kw = json_loads(rp->processor_json, JSON_DECODE_ANY, &je);
    bool ok = json_is_object(kw);
    if (!ok)
        util_errf(err, err_len,
                  "remote model %s at %s: processor must be a JSON object (sent as mm_processor_kwargs), "
                  "got '%.80s'%s%s",
                  rp->model_id ? rp->model_id : "?", rp->n_urls > 0 ? rp->urls[0] : "?", rp->processor_json,
                  kw ? "" : ": ", kw ? "" : je.text);
    json_decref(kw);
    return ok ? VLM_OK : VLM_ERR_INPUT;
}

void dials_body(const struct vlm_remote_params *rp, json_t *body) {
    if (!rp->processor_json) return;
    json_t *kw = json_loads(rp->processor_json, 0, NULL);
    if (json_is_object(kw)) json_object_set_new(body, "mm_processor_kwargs", kw);
    else json_decref(kw); /* refused at engine start (dials_check) */
}

/* ------------------------------------------------------------ image tokens */

json_t *dials_text_twin(json_t *messages, int *n_images) {
    json_t *twin = json_deep_copy(messages), *m;
    size_t i;
    *n_images = 0;
    json_array_foreach(twin, i, m) {
        json_t *content = json_object_get(m, "content");
        if (!json_is_array(content)) continue;
        for (size_t k = json_array_size(content); k-- > 0;) {
            const char *type = json_string_value(json_object_get(json_array_get(content, k), "type"));
            if (!type || strcmp(type, "image_url") != 0) continue;
            json_array_remove(content, k);
            (*n_images)++;
        }
        /* a message that was only images keeps an empty text */
        if (json_array_size(content) == 0) json_object_set_new(m, "content", json_string(""));
    }
    return twin;
}
