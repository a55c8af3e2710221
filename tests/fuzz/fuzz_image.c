/*
 * fuzz_image.c - libFuzzer harness for image decoding (lib/image.c,
 * vlm_image_load: JPEG, PNG and BMP through stb_image, WebP through libwebp):
 * the input is written to a file and decoded; a decoded image must have the
 * sides image.c allows and its every pixel readable.
 */
#include "fuzz_util.h"

#include "vlmeter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[512], err[1024];
    fuzz_write_file("image", data, size, path, sizeof path);
    vlm_image img;
    if (vlm_image_load(path, &img, err, sizeof err) == VLM_OK) {
        if (img.width == 0 || img.height == 0 || !img.rgb) abort();
        size_t n = (size_t)img.width * img.height * 3;
        fuzz_sink = img.rgb[0] + img.rgb[n - 1]; /* the buffer's both ends are there */
        vlm_image_free(&img);
    }
    return 0;
}
