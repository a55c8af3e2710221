/*
 * image.h - the in-memory image decoder (image.c) shared by vlm_image_load and
 * the remote models' resize (remote_dials.c): file bytes to 8-bit pixels, the
 * format told by its magic bytes, sizes checked from the header before any
 * pixel memory is allocated, a JPEG's EXIF orientation applied. Not part of
 * the public API; docs/suite-format.md ("Images") says what is accepted.
 */
#ifndef VLM_IMAGE_H
#define VLM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_MAX_SIDE   16384     /* pixels, each way */
#define IMAGE_MAX_PIXELS 100000000 /* width x height: 100 megapixels */

/* Decoded pixels, row-major, no padding. */
struct image_px {
    int width, height; /* upright: after a JPEG's EXIF orientation */
    int channels;      /* 3: RGB; 4: RGBA */
    int orientation;   /* a JPEG's EXIF orientation, 1-8 (1 when none or another format) */
    unsigned char *px; /* width * height * channels bytes (malloc'ed), NULL from image_probe */
};

/* Decode the image file `name` (for messages) held in data/len to `channels`
 * 8-bit channels: 3 (RGB; alpha dropped, not composited), 4 (RGBA; opaque when
 * the file has no alpha), or 0 (4 when the file has alpha, else 3). VLM_OK, or
 * VLM_ERR_INPUT with a message naming the file and its format. */
int image_decode(const char *name, const unsigned char *data, size_t len, int channels, struct image_px *out, char *err,
                 size_t err_len);

/* The same checks and sizes as image_decode, from the header only: out->px
 * stays NULL, out->channels is 4 when the file has alpha, else 3. */
int image_probe(const char *name, const unsigned char *data, size_t len, struct image_px *out, char *err,
                size_t err_len);

/* True when data starts as a JPEG does. */
bool image_is_jpeg(const unsigned char *data, size_t len);

#endif
