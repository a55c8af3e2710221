/*
 * store_dials.h - the store's queries behind the report's dials table
 * (report_dials.c, docs/metrics.md "Dials"): every model with its stored
 * settings, each turn of a model with the figures the table needs, and the
 * right/wrong of two models on the turns both had scored. Private to the
 * library; conventions as store.h (VLM_OK or VLM_ERR_IO, store_error()).
 */
#ifndef VLM_STORE_DIALS_H
#define VLM_STORE_DIALS_H

#include <stdbool.h>
#include <stdint.h>

#include "vlmeter.h"

/* A model and its settings JSON (models.settings, run.c run_settings_json). */
struct store_dials_model {
    int64_t id;
    const char *name, *settings;
};
/* Visit every model by name. */
int store_dials_models(vlm_store *s, int (*cb)(const struct store_dials_model *m, void *user), void *user);

/* One stored turn of a model (answers, with its score when there is one). */
struct store_dials_turn {
    const char *categories; /* JSON array text: the case's categories ("" for none) */
    bool scored;            /* a score row outside the caption scorers: credit is set */
    double credit;          /* anls/vqa: the score, else correct as 0/1 */
    bool answered;          /* error NULL: the timings below are measured */
    double ttft_ms, image_encode_ms;
    int n_image_tokens;
    int n_images;        /* entries of image_tokens_each; without it, the case's images on turn 0 */
    int n_images_cached; /* of those, embeddings reused (not encoded) */
    bool derived;        /* image_tokens_derived: n_image_tokens from a server's usage */
};
/* Visit every stored turn of model_id, by suite, case, turn. */
int store_dials_turns(vlm_store *s, int64_t model_id, int (*cb)(const struct store_dials_turn *t, void *user),
                      void *user);

/* One turn two models both had scored (caption scorers left out). */
struct store_dials_pair {
    const char *categories; /* JSON array text, as above */
    bool a_correct, b_correct;
};
/* Visit the turns models a and b both had scored. */
int store_dials_pairs(vlm_store *s, int64_t a, int64_t b, int (*cb)(const struct store_dials_pair *p, void *user),
                      void *user);

#endif
