/*
 * image.c - decoding image files to 8-bit RGB: JPEG, PNG and BMP through
 * stb_image (libstb), WebP through libwebp. The format is told by the file's
 * magic bytes, never by its name; only these four decoders ever see the bytes.
 * Each decoded image carries the XXH3-128 hash of its file's bytes, by which
 * the engine knows an image it has encoded before.
 */
#include "vlmeter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb/stb_image.h>
#include <webp/decode.h>
#include <xxhash.h>

#include "util.h"

#define MAX_SIDE       16384                 /* pixels, each way */
#define MAX_FILE_BYTES ((uint64_t)512 << 20) /* larger files are not read */

enum image_format { FMT_UNKNOWN, FMT_PNG, FMT_JPEG, FMT_BMP, FMT_WEBP };

static const char *format_name(enum image_format f) {
    switch (f) {
    case FMT_PNG: return "PNG";
    case FMT_JPEG: return "JPEG";
    case FMT_BMP: return "BMP";
    case FMT_WEBP: return "WebP";
    default: return "unknown";
    }
}

static enum image_format sniff_format(const unsigned char *b, size_t n) {
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return FMT_PNG;
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return FMT_JPEG;
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return FMT_BMP;
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) return FMT_WEBP;
    return FMT_UNKNOWN;
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

static int corrupt(const char *path, enum image_format f, const char *lib, const char *why, char *err, size_t err_len) {
    util_errf(err, err_len, "'%s': corrupt or truncated %s (%s: %s)", path, format_name(f), lib,
              why ? why : "unknown error");
    return VLM_ERR_INPUT;
}

static int check_size(const char *path, long long w, long long h, char *err, size_t err_len) {
    if (w <= 0 || h <= 0) {
        util_errf(err, err_len, "'%s': image has no pixels (%lldx%lld)", path, w, h);
        return VLM_ERR_INPUT;
    }
    if (w > MAX_SIDE || h > MAX_SIDE) {
        util_errf(err, err_len, "'%s': image is %lldx%lld; the limit is %dx%d", path, w, h, MAX_SIDE, MAX_SIDE);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

static int decode_stb(const char *path, enum image_format f, const unsigned char *data, size_t len, vlm_image *out,
                      char *err, size_t err_len) {
    if (len > (size_t)INT32_MAX) return corrupt(path, f, "stb", "file too large", err, err_len);
    int w = 0, h = 0, comp = 0;
    if (!stbi_info_from_memory(data, (int)len, &w, &h, &comp))
        return corrupt(path, f, "stb", stbi_failure_reason(), err, err_len);
    if (check_size(path, w, h, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
    unsigned char *rgb = stbi_load_from_memory(data, (int)len, &w, &h, &comp, 3);
    if (!rgb) return corrupt(path, f, "stb", stbi_failure_reason(), err, err_len);
    /* stb allocates with malloc (its default STBI_MALLOC), so free() releases it. */
    out->width = (uint32_t)w;
    out->height = (uint32_t)h;
    out->rgb = rgb;
    return VLM_OK;
}

static int decode_webp(const char *path, const unsigned char *data, size_t len, vlm_image *out, char *err,
                       size_t err_len) {
    WebPBitstreamFeatures ft;
    VP8StatusCode st = WebPGetFeatures(data, len, &ft);
    if (st != VP8_STATUS_OK) return corrupt(path, FMT_WEBP, "libwebp", webp_status_text(st), err, err_len);
    if (ft.has_animation) {
        util_errf(err, err_len, "'%s': animated WebP is not supported", path);
        return VLM_ERR_INPUT;
    }
    if (check_size(path, ft.width, ft.height, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
    size_t stride = (size_t)ft.width * 3, size = stride * (size_t)ft.height;
    unsigned char *rgb = xmalloc(size);
    if (!WebPDecodeRGBInto(data, len, rgb, size, (int)stride)) {
        free(rgb);
        return corrupt(path, FMT_WEBP, "libwebp", "decoding failed", err, err_len);
    }
    out->width = (uint32_t)ft.width;
    out->height = (uint32_t)ft.height;
    out->rgb = rgb;
    return VLM_OK;
}

int vlm_image_load(const char *path, vlm_image *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = read_file(path, &data, &len, err, err_len);
    if (rc != VLM_OK) return rc;
    XXH128_hash_t h = XXH3_128bits(data, len);
    enum image_format f = sniff_format(data, len);
    if (f == FMT_UNKNOWN) {
        util_errf(err, err_len, "'%s' is not an image (unknown format)", path);
        rc = VLM_ERR_INPUT;
    } else if (f == FMT_WEBP) {
        rc = decode_webp(path, data, len, out, err, err_len);
    } else {
        rc = decode_stb(path, f, data, len, out, err, err_len);
    }
    if (rc == VLM_OK) {
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
