/*
 * remote_dials.h - the image dials of a remote model (docs/remote.md, "Image
 * size", "Processor options", "Image tokens"): resizing an image on the client
 * before upload (max_pixels, max_side), the request's mm_processor_kwargs
 * (processor=), and the text-only twin of a request (its image tokens are
 * derived by remote_twin.h). Used by the request bodies (remote_body.c), the
 * remote engine and the load test. Not part of the public API.
 */
#ifndef VLM_REMOTE_DIALS_H
#define VLM_REMOTE_DIALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "vlmeter.h"

/* The size an image of w x h is sent at under max_pixels and max_side (each 0:
 * no limit): scale = min(1, sqrt(max_pixels / (w*h)), max_side / max(w, h)),
 * each side w*scale and h*scale rounded down, at least 1; when a side held at 1
 * lets the pixel count pass max_pixels, the other side is cut to max_pixels.
 * Returns true when the size changes (the image must be resized). */
bool dials_fit(int w, int h, int max_pixels, int max_side, int *out_w, int *out_h);

/* The data URL an image file is sent as: its own bytes when within the limits
 * of rp (or none are set), else the image resized to dials_fit's size
 * (stb_image_resize, Mitchell filter) and re-encoded as PNG. A JPEG whose EXIF
 * orientation is not 1 is always sent decoded, turned upright and re-encoded
 * as PNG (a server may ignore EXIF). NULL with a message naming the file when
 * it cannot be read, decoded or resized. */
char *dials_image_url(const struct vlm_remote_params *rp, const char *path, char *err, size_t err_len);

/* Check a remote model's dials at engine start: processor= must be a JSON
 * object. VLM_ERR_INPUT with a message naming the model and the key otherwise. */
int dials_check(const struct vlm_remote_params *rp, char *err, size_t err_len);

/* Add the dials' fields to a request body: processor= as "mm_processor_kwargs". */
void dials_body(const struct vlm_remote_params *rp, json_t *body);

/* A copy of `messages` with every image part taken out of the user messages'
 * content (the request's text-only twin); *n_images gets the image parts
 * removed. Caller decrefs. */
json_t *dials_text_twin(json_t *messages, int *n_images);

#endif
