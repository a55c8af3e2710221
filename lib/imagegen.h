/*
 * imagegen.h - the images endpoint client (imagegen.c): draw a generate case's
 * picture through an OpenAI-compatible /images/generations endpoint and keep it
 * by content hash (docs/remote.md, "Images endpoint"). Not part of the public
 * API.
 */
#ifndef VLM_IMAGEGEN_H
#define VLM_IMAGEGEN_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "vlmeter.h"

/* An images endpoint's answer, parsed: the image bytes (caller frees) from
 * data[0].b64_json, or from data[0].url when that is a data: URL; or the
 * http(s) URL to fetch (*fetch_url, caller frees). Returns 0, or -1 with `why`. */
int imagegen_parse_response(const char *body, size_t len, unsigned char **bytes, size_t *n_bytes, char **fetch_url,
                            char *why, size_t why_len);

/* "png", "jpg", "webp", "bmp" by the bytes' signature; NULL: none of these. */
const char *imagegen_sniff(const unsigned char *b, size_t n);

/* One case's picture, drawn (imagegen_draw). */
struct imagegen_result {
    char path[PATH_MAX]; /* DIR/SHA256.EXT, "" on failure */
    char sha256[65];     /* of the image's bytes */
    int64_t bytes;       /* the image's size */
    double latency_ms;   /* request start to bytes in hand, retries and URL fetch included */
    char error[2048];    /* "" or "images URL, case ID (FILE:LINE): what went wrong" */
};

/* Draw case c through m's images endpoint (POST URL/images/generations), check
 * the bytes decode as an image and keep them as DIR/SHA256.EXT. Returns 0, or
 * -1 with out->error set. */
int imagegen_draw(const struct vlm_model_spec *m, const vlm_case *c, const char *dir, struct imagegen_result *out);

/* The absolute `<db_path>.images` folder into out, made when missing; -1 with why. */
int imagegen_dir(const char *db_path, char out[PATH_MAX], char *why, size_t why_len);

#endif
