/*
 * store_gen.h - the store's text-to-image tables (store_gen.c): `generations`
 * (one generated image per model x generate case), `gen_verdicts` (the judge's
 * reply to each question about it) and `gen_scores` (TIFA and VQAScore per
 * image). docs/store-schema.md. Not part of the public API.
 */
#ifndef VLM_STORE_GEN_H
#define VLM_STORE_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "vlmeter.h"

/* Why a model without an images endpoint has no result on a generate case
 * (the `cases` row's error, status `na`). */
#define GEN_NA_REASON "cannot generate images"

/* Create the tables when missing. VLM_OK or VLM_ERR_IO. */
int store_gen_ensure(vlm_store *s);

/* One generation's outcome: image (path, NULL on failure) and its sha256. */
struct store_gen_row {
    const char *image, *sha256, *error;
    int64_t bytes;
    double latency_ms, cost_usd; /* cost_usd < 0: not priced */
};

/* Store case c's generation for model_id and its `cases` row (status `done`
 * with an image, `error` with one, or `na` with `na_reason` when the model
 * cannot generate: then row is NULL), in one transaction. */
int store_gen_put(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const struct store_gen_row *row,
                  const char *na_reason);

/* One stored image to score. Strings valid during the callback. */
struct store_gen_item {
    int64_t model_id;
    const char *model, *suite, *case_id, *prompt, *questions, *image, *sha256;
};

/* Visit every stored generation that has an image, by model, suite, case. */
int store_gen_each_image(vlm_store *s, int (*cb)(const struct store_gen_item *it, void *user), void *user);

/* The judge's stored reply to question q of an image (*found false: none);
 * *reply is the caller's to free. */
int store_gen_verdict_get(vlm_store *s, const struct store_gen_item *it, int q, const char *judge, bool *found,
                          char **reply);

/* Store the judge's reply to question q and how it was read. */
int store_gen_verdict_put(vlm_store *s, const struct store_gen_item *it, int q, const char *judge, const char *question,
                          const char *expected, const char *scorer, const char *reply, const struct vlm_score *sc);

/* Store an image's scores: tifa = n_correct / n_questions; vqascore < 0: none
 * (stored NULL). */
int store_gen_score_put(vlm_store *s, const struct store_gen_item *it, const char *judge, int n_questions,
                        int n_correct, double vqascore, const char *detail);

/* One model's generation figures for the report. */
struct store_gen_model {
    const char *model;
    int64_t model_id;
    int n_cases, n_images, n_errors, n_na, n_scored, n_vqa;
    double tifa_mean, vqascore_mean;            /* over scored images; vqascore_mean < 0: none */
    double latency_ms_mean, cost_usd_per_image; /* cost < 0: not priced */
    const double *latencies_ms;                 /* of the images made, ascending (for percentiles above the store) */
    int n_latencies;
    const char *na_reason, *first_error; /* NULL when none */
};

/* Visit each model that has generate cases stored, by name. */
int store_gen_models(vlm_store *s, int (*cb)(const struct store_gen_model *m, void *user), void *user);

#endif
