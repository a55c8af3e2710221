/*
 * score_ref.h - the reference readings of score_ref.c: the verdict the
 * benchmark's trusted code (VLMEvalKit) gives a reply, beside vlmeter's own
 * (docs/scoring.md, "Reference readings"), and the bits of Python's Unicode
 * text semantics score.c shares. Used by score.c only.
 */
#ifndef VLM_SCORE_REF_H
#define VLM_SCORE_REF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlmeter.h"

/* What a reference reading reads. */
struct score_ref_in {
    const char *scorer;
    const char *answer;         /* the reply with any reasoning removed */
    const json_t *exp;          /* the expected answer; vlmeter's scorer has accepted its shape */
    const char *const *choices; /* choice: the options A, B, ...; a NULL entry is no option */
    int n_choices;
    unsigned want_options; /* choice: the expected options as vlmeter read them, bit i = letter A + i */
    bool want_yes;         /* yesno: the expected answer as vlmeter read it */
};

/* Whether `scorer` has a reference reading. */
bool score_ref_exists(const char *scorer);

/* Fill out's has_ref, ref_score, ref_correct and ref_detail with the reference
 * reading of in->answer. Leaves them zero when the scorer has none, or when the
 * case gives the reference nothing to read (a choice case without choices). */
void score_ref_text(const struct score_ref_in *in, struct vlm_score *out);

/* The reference side of a reply that is all reasoning that never closed: wrong,
 * detail "unparsed" ("unknown" for yesno), where score_ref_text would read. */
void score_ref_unparsed(const struct score_ref_in *in, struct vlm_score *out);

/* The decimal value of c when it is a Unicode decimal digit (category Nd,
 * what Python's \d and float() read: 0-9, ٠-٩, ०-९, ０-９ ...), else -1. */
int score_ref_digit(uint32_t c);

/* Whether c is whitespace to Python's str.isspace() (and so to str.split()). */
bool score_ref_space(uint32_t c);

/* The VQA evaluation's contracted form of a lower-case word ("dont" ->
 * "don't", "whats" -> "what's"), NULL when it has none. */
const char *score_ref_contraction(const char *word);

#endif
