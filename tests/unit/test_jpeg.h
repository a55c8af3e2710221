/*
 * test_jpeg.h - writing a JPEG with libjpeg for the tests that read one back
 * (test_image.c, test_remote_dials.c): its size, colour space, progressive or
 * not, and an APP1 segment (an EXIF block) or none. Include after testutil.h.
 */
#ifndef VLM_TEST_JPEG_H
#define VLM_TEST_JPEG_H

#include <stdbool.h>
#include <stdio.h>

#include <jpeglib.h>

struct jpeg_spec {
    int w, h, components;
    J_COLOR_SPACE space;
    bool progressive;
    const unsigned char *app1; /* an APP1 segment's body (EXIF), or NULL */
    size_t app1_len;
};

/* A JPEG of `px` (w x h x components) written by libjpeg at quality 95. */
static inline void write_jpeg(const char *path, const struct jpeg_spec *s, const unsigned char *px) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    jpeg_stdio_dest(&c, fp);
    c.image_width = (JDIMENSION)s->w;
    c.image_height = (JDIMENSION)s->h;
    c.input_components = s->components;
    c.in_color_space = s->space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    if (s->progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    if (s->app1) jpeg_write_marker(&c, JPEG_APP0 + 1, s->app1, (unsigned)s->app1_len);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)px + (size_t)c.next_scanline * s->w * s->components;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(fp);
}

#endif
