/*
 * suite_gen.h - `generate` cases (suite_gen.c): a prompt to draw and questions
 * about the picture (docs/suite-format.md, "Generate cases"). Not part of the
 * public API.
 */
#ifndef VLM_SUITE_GEN_H
#define VLM_SUITE_GEN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

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

#endif
