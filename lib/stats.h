/*
 * stats.h - statistics of human review that the report reads (stats.c):
 * Cohen's kappa of two raters, the Bradley-Terry fit of pairwise votes by
 * Hunter's MM algorithm, its seeded bootstrap intervals and the small PRNG
 * that drives them (docs/scoring.md, "Human review"). Not public: the
 * library's other statistics are in vlmeter.h.
 */
#ifndef VLM_STATS_H
#define VLM_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* Cohen's kappa of two raters who each said yes or no on the same items:
 * yy both yes, yn first yes and second no, ny first no and second yes, nn
 * both no. kappa = (po - pe) / (1 - pe), po the share agreed, pe the
 * agreement expected from the two raters' marginals. false (kappa untouched)
 * when there are no items or pe = 1 (both raters said one thing throughout). */
bool stats_kappa(int yy, int yn, int ny, int nn, double *kappa);

/* One pairwise vote between models a and b (0-based indices): a_score is 1
 * when a won, 0 when b won, 0.5 for a tie. */
struct stats_vote {
    int a, b;
    double a_score;
};

/* Bradley-Terry strengths p[0..k-1] of k models from n votes, by Hunter's MM
 * iteration p_i <- W_i / sum_j n_ij / (p_i + p_j) (W_i: i's wins, a tie half a
 * win; n_ij: votes between i and j), normalised to geometric mean 1. false (p
 * untouched) when the maximum-likelihood fit is not finite: some model cannot
 * reach every other through "won or tied against" (Hunter 2004, Assumption
 * 1), e.g. a model that never won or never lost, or one without votes. */
bool stats_bt_fit(int k, const struct stats_vote *v, int n, double *p);

/* 95% percentile intervals lo[i]..hi[i] of the strengths by resampling the n
 * votes with replacement `resamples` times from a splitmix64 stream seeded
 * with `seed` (the same inputs give the same intervals). Resamples without a
 * finite fit are left out; returns how many were kept (0: lo and hi untouched). */
int stats_bt_bootstrap(int k, const struct stats_vote *v, int n, int resamples, uint64_t seed, double *lo, double *hi);

/* splitmix64 (Steele, Lea & Flood 2014): the next 64 random bits of *state. */
uint64_t stats_splitmix64(uint64_t *state);

#endif
