/*
 * store_review.h - what people add to a store (store_review.c): human
 * verdicts on answers and blind pairwise preferences, as `vlmeter serve`
 * records them. A verdict never overwrites the scorer's row in `scores`: it
 * sits beside it in `verdicts`, and the latest verdict on an answer is the
 * one the report uses. docs/store-schema.md, docs/serve.md. Not public.
 */
#ifndef VLM_STORE_REVIEW_H
#define VLM_STORE_REVIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlmeter.h"

/* A person's verdict on one stored answer. */
struct store_verdict {
    const char *model; /* the model's name (models.name) */
    const char *suite; /* the answer's suite, case and turn, as in answers */
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

/* ------------------------------------------------------------ reading (the report) */

/* One answer's human verdict beside its scorer's reading. */
struct store_review_row {
    const char *model, *suite, *case_id;
    int turn;
    double human_score;  /* the human verdict's score (0..1) */
    const char *scorer;  /* scores.scorer; NULL when the answer has no scores row */
    bool scorer_correct; /* the scorer's `correct` (false when no row) */
    bool unparsed;       /* the scorer could not read the answer */
};

/* Visit every answer that has a human verdict (the view `human`, store.c),
 * by model, suite, case and turn. VLM_OK, VLM_ERR_IO or cb's first failure. */
int store_review_verdicts(vlm_store *s, int (*cb)(const struct store_review_row *r, void *user), void *user);

/* One blind vote: the two models' names as shown and "left", "right" or "tie". */
struct store_vote_row {
    const char *left, *right, *choice;
};

/* Visit every vote of table preferences in the order they were cast. */
int store_review_votes(vlm_store *s, int (*cb)(const struct store_vote_row *v, void *user), void *user);

/* The human verdict of one answer (the row of view `human`) as the JSON
 * object {verdict, score, comment, reviewer, created_at}, JSON null when it
 * has none; NULL when the store could not be read. `vlmeter export` writes it
 * beside each answer (docs/export-format.md). */
json_t *store_review_verdict_json(vlm_store *s, const char *model, const char *suite, const char *case_id, int turn);

#endif
