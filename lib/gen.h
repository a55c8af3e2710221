/*
 * gen.h - text-to-image: `generate` cases (suite_gen.c), the images endpoint
 * client (imagegen.c), the generation pass of a run (run_gen.c) and the judge's
 * scores of the generated pictures (grade_gen.c). docs/suite-format.md
 * ("Generate cases"), docs/remote.md ("Images endpoint"), docs/scoring.md
 * ("Generated images"). Not part of the public API.
 */
#ifndef VLM_GEN_H
#define VLM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <limits.h>

#include "arena.h"
#include "vlmeter.h"

#define GEN_KIND "generate"

/* Whether c is a generate case. */
bool gen_is_generate(const vlm_case *c);

/* Read a case's `kind` and, for a generate case, its `questions` into c (strings
 * in arena). Returns 0, or -1 with `why` (the field and what is wrong). Call
 * after the other fields are read: a generate case may not have images or
 * expected answers. */
int suite_gen_fields(json_t *obj, vlm_case *c, vlm_arena *arena, char *why, size_t why_len);

/* The scorer a question is read with: its own `scorer`, else "choice" when it
 * has choices, "yesno" when its answer is yes or no, else "contains". */
const char *gen_question_scorer(json_t *q);

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

/* The generation pass of one model in a run (run_gen.c, drive layer): every
 * generate case of `cases` not yet stored is drawn (imagegen_draw) or, when
 * the model has no images endpoint, stored `na` ("cannot generate images");
 * images go under `<db>.images/`. Messages go to say(line, user); *n_stored
 * counts the cases stored now (drawn, failed or na). Returns the number of
 * cases stored as errors, or VLM_ERR_IO / VLM_ERR_STOPPED. */
int run_gen_model(vlm_store *s, const char *db_path, int64_t model_id, int64_t run_id, const struct vlm_model_spec *m,
                  const vlm_case *const *cases, int n_cases, bool retry_errors,
                  void (*say)(const char *line, void *user), void *user, int *n_stored);

#endif
