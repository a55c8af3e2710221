/*
 * score_ref.h - the reference readings of score_ref.c: the verdict the
 * benchmark's trusted code (VLMEvalKit) gives a reply, beside vlmeter's own
 * (docs/scoring.md, "Reference readings"). Used by score.c only.
 */
#ifndef VLM_SCORE_REF_H
#define VLM_SCORE_REF_H

#include <jansson.h>
#include <stdbool.h>

#include "vlmeter.h"

/* Whether `scorer` has a reference reading. */
bool score_ref_exists(const char *scorer);

/* Fill out's has_ref, ref_score, ref_correct and ref_detail with the reference
 * reading of `answer` (the reply with any reasoning removed) against the
 * expected answer `exp` (parsed JSON; the caller has checked its shape for the
 * scorer). Leaves them zero when `scorer` has no reference reading. */
void score_ref_text(const char *scorer, const char *answer, const json_t *exp, const char *const *choices,
                    int n_choices, struct vlm_score *out);

#endif
