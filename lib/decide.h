/*
 * decide.h - deciding early (`vlmeter run --decide`, docs/metrics.md
 * "Deciding early"): the seeded, stratified order a run draws its cases in,
 * and for one model at a time the anytime-valid confidence sequences of its
 * accuracy under each `min_accuracy` requirement, fed case by case in that
 * order, until every verdict is settled or one has failed. The drive layer
 * (run.c) owns a decider; it reads scores (score) and confidence sequences
 * (stats, confseq.h), never the store.
 */
#ifndef VLM_DECIDE_H
#define VLM_DECIDE_H

#include "vlmeter.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct decider decider;

/* Where a model stands against the requirements. */
enum decide_state {
    DECIDE_OPEN,   /* some verdict is not settled yet */
    DECIDE_PASSED, /* every verdict is settled: each requirement is met */
    DECIDE_FAILED, /* some verdict is settled: its requirement is not met */
};

/* One requirement's verdict for the model being decided. */
struct decide_verdict {
    const char *category; /* the min_accuracy key ("all": every category) */
    double threshold;
    int verdict;   /* +1 met, -1 not met (both settled), 0 open */
    double lo, hi; /* the confidence sequence's bounds on the full suite's accuracy */
    int n_strata;  /* strata it combines (its level is alpha / n_strata each) */
};

/* The draw order of `cases` (pointers kept, not copied; the caller keeps them
 * alive) and a decider over the requirements' min_accuracy entries at error
 * rate alpha, drawing with `seed`. A case is in the stratum of its category
 * set; within one, cases go in the order of XXH64(suite, 0, id; seed); the
 * strata are interleaved so each is drawn in proportion to its size. Cases no
 * requirement can score (no expected answer, a caption or judge scorer) are
 * drawn too but feed no verdict. A requirement on a category no case can score
 * is left out with a line in *note (note may be NULL). NULL with err when
 * alpha is not in (0, 1) or no requirement is left. */
decider *decide_new(const vlm_case *const *cases, int n, const struct vlm_requirements *req, double alpha,
                    uint64_t seed, char *note, size_t note_len, char *err, size_t err_len);
void decide_free(decider *d);

/* Cases in draw order: how many, and the k-th. */
int decide_n(const decider *d);
const vlm_case *decide_case(const decider *d, int k);

/* The draw position of the case with c's suite and id (an index made once by
 * decide_new); -1 when it is not one of the decider's cases. */
int decide_rank(const decider *d, const vlm_case *c);

/* Start deciding a new model: every confidence sequence empty, no case done. */
void decide_begin_model(decider *d);

/* Case k (draw order) is finished for the model: `value` is the mean credit
 * of its scored turns (decide_case_value); NAN when none is scored. The
 * verdicts take in the cases done in draw order up to the first not done yet. */
void decide_done(decider *d, int k, double value);

/* The case is not applicable to the model (an image case of a model without
 * vision): a requirement on a category holding it fails (docs/cost.md). */
void decide_not_applicable(decider *d, int k);

enum decide_state decide_state(const decider *d);

/* Cases taken into the verdicts so far (the done prefix of the draw order),
 * and cases the verdicts draw from (those some requirement scores). */
int decide_n_used(const decider *d);
int decide_n_scored(const decider *d);
double decide_alpha(const decider *d);
uint64_t decide_seed(const decider *d);

/* The requirements decided, and verdict i. */
int decide_n_verdicts(const decider *d);
void decide_verdict(const decider *d, int i, struct decide_verdict *out);

/* The credit of one answered turn of c, as `vlmeter score` gives it
 * (grade.c): the case's scorer (else "exact"); a failed turn or a reasoning
 * block that never closed gets 0; the soft scorers (anls, vqa) their score,
 * the others 1 or 0. false when the turn feeds no accuracy: no expected
 * answer, or a caption (bleu, cider) or judge scorer. */
bool decide_turn_credit(const vlm_case *c, int turn, const char *output, const char *error, bool unclosed,
                        double *credit);

/* Whether some turn of c can be scored by decide_turn_credit's rules. */
bool decide_case_scorable(const vlm_case *c);

#endif
