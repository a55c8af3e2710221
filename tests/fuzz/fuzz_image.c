/*
 * fuzz_image.c - libFuzzer harness for image decoding (lib/image.c: JPEG
 * through libjpeg-turbo with its EXIF orientation, PNG through libpng, WebP
 * through libwebp, BMP through image.c's own reader). The input is written to a
 * file and decoded by vlm_image_load (RGB, as the local engine asks), then
 * decoded from memory as the remote resize does (image_decode, alpha kept) and
 * probed from its header (image_probe): a decoded image must have the sides
 * image.c allows and its every pixel readable, and the header's size must be
 * the decoded one.
 */
#include "fuzz_util.h"

#include "image.h"
#include "vlmeter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[512], err[1024];
    fuzz_write_file("image", data, size, path, sizeof path);
    vlm_image img;
    if (vlm_image_load(path, &img, err, sizeof err) == VLM_OK) {
        if (img.width == 0 || img.height == 0 || !img.rgb) abort();
        if (img.width > IMAGE_MAX_SIDE || img.height > IMAGE_MAX_SIDE) abort();
        size_t n = (size_t)img.width * img.height * 3;
        fuzz_sink = img.rgb[0] + img.rgb[n - 1]; /* the buffer's both ends are there */
        vlm_image_free(&img);
    }
    struct image_px px, head;
    if (image_decode("image", data, size, 0, &px, err, sizeof err) == VLM_OK) {
        size_t n = (size_t)px.width * px.height * px.channels;
        fuzz_sink = px.px[0] + px.px[n - 1];
        if (image_probe("image", data, size, &head, err, sizeof err) != VLM_OK) abort();
        if (head.width != px.width || head.height != px.height || head.channels != px.channels) abort();
        free(px.px);
    }
    return 0;
}
