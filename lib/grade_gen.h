/*
 * grade_gen.h - the judge's scores of generated images (grade_gen.c): TIFA and
 * VQAScore per image (docs/scoring.md, "Generated images"). Called by the
 * grader (grade.c) when a judge is given. Not part of the public API.
 */
#ifndef VLM_GRADE_GEN_H
#define VLM_GRADE_GEN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "vlmeter.h"

/* Score every stored generated image with the judge (engine loaded into
 * *engine on first need, shared with the grader; *judge_failed once it cannot
 * load): each question asked (or its stored reply reused) and read by its
 * scorer, TIFA and VQAScore into gen_scores. Counts go to *n_asked, *n_reused.
 * Returns VLM_OK or VLM_ERR_IO. */
int grade_gen(vlm_store *s, const struct vlm_model_spec *judge, vlm_engine **engine, bool *judge_failed,
              void (*say)(const char *line, void *user), void *user, int *n_asked, int *n_reused);

/* What the judge is asked for question q: its text and how to answer (yes or
 * no; an option's letter, options listed; a short phrase). Caller frees. */
char *grade_gen_question_prompt(json_t *q);

/* VQAScore of an image for `prompt`: the judge's P(yes) over the yes/no tokens
 * after "Does this picture show "PROMPT"? Please answer yes or no." (0..1), or
 * -1 with `detail` saying why there is none (a remote judge gives no logits). */
double grade_gen_vqascore(vlm_engine *judge, const char *image, const char *prompt, char *detail, size_t detail_len);

#endif
