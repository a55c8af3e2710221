/*
 * store_review.h - what people add to a store (store_review.c): human
 * verdicts on answers and blind pairwise preferences, as `vlmeter serve`
 * records them. A verdict never overwrites the scorer's row in `scores`: it
 * sits beside it in `verdicts`, and the latest verdict on an answer is the
 * one the report uses. docs/store-schema.md, docs/serve.md. Not public.
 */
#ifndef VLM_STORE_REVIEW_H
#define VLM_STORE_REVIEW_H

#include <stdint.h>

#include "vlmeter.h"

/* A person's verdict on one stored answer. */
struct store_verdict {
    const char *model;    /* the model's name (models.name) */
    const char *suite;    /* the answer's suite, case and turn, as in answers */
    const char *case_id;
    int turn;
    const char *verdict;  /* "right" (score 1), "wrong" (score 0) or "score" */
    double score;         /* 0..1; read only when verdict is "score" */
    const char *comment;  /* NULL or "": none */
    const char *reviewer; /* who; must not be empty */
};

/* Store v with the time now. Refused with VLM_ERR_INPUT and a message in
 * err (nothing stored): no such answer, an unknown verdict, a score outside
 * 0..1 or not a number, an empty reviewer, text that is not valid UTF-8.
 * VLM_ERR_IO: the store could not be written (err says why). */
int store_verdict_put(vlm_store *s, const struct store_verdict *v, char *err, size_t err_len);

/* Store one blind vote: on (suite, case_id, turn) the reviewer saw model
 * `left` on the left and `right` on the right (names) and chose "left",
 * "right" or "tie". Refused (VLM_ERR_INPUT, nothing stored) when either model
 * has no answer there, left equals right, the choice is unknown or the
 * reviewer is empty or not valid UTF-8. */
int store_preference_put(vlm_store *s, const char *suite, const char *case_id, int turn, const char *left,
                         const char *right, const char *choice, const char *reviewer, char *err, size_t err_len);

#endif
