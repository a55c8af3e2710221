/*
 * run_decide.h - the run's side of deciding early (run_decide.c): a decider
 * (decide.h) fed from the store on resume and from each answered turn, and
 * its verdicts written to table `decisions`. run.c calls it; it calls
 * nothing of run.c.
 */
#ifndef VLM_RUN_DECIDE_H
#define VLM_RUN_DECIDE_H

#include "decide.h"
#include "store.h"
#include "vlmeter.h"

/* The credit gathered over one case's turns as they are answered. */
struct case_credit {
    double sum;
    int n;   /* scored turns */
    bool na; /* not applicable to the model (no vision) */
};

/* Start deciding a model: its stored finished cases (an earlier run's, or the
 * screening pass's) are fed to d in draw order; with `retrying`, not those
 * stored as errors (run --retry-errors answers them again). VLM_OK or
 * VLM_ERR_IO. */
int run_decide_begin(vlm_store *s, decider *d, int64_t model_id, bool retrying);

/* One answered turn of case c (draw position `rank`) into cc; when the turn
 * ends the case (its last turn, or an error), the case is fed to d and true
 * is returned. */
bool run_decide_turn(decider *d, int rank, const vlm_case *c, const struct vlm_turn_result *tr, struct case_credit *cc);

/* Write d's verdicts for the model (table decisions, replacing earlier ones). */
int run_decide_record(vlm_store *s, const decider *d, int64_t model_id, int64_t run_id);

/* One line saying where the model stands: "decided after 40 of 200 cases:
 * colors >= 0.80 met (0.83..0.99), all >= 0.70 open (0.52..0.91)". */
void run_decide_describe(const decider *d, char *line, size_t len);

#endif
