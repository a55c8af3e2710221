/*
 * kl.c - top-k reference distributions and the KL divergence of a model's
 * next-token distribution from them (kl.h).
 */
#include "kl.h"
#include "util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* log(sum(exp(x))) over n logits, in double. */
static double log_sum_exp(const float *x, int n) {
    float max = -FLT_MAX;
    for (int i = 0; i < n; i++)
        if (x[i] > max) max = x[i];
    double sum = 0;
    for (int i = 0; i < n; i++) sum += exp((double)x[i] - max);
    return max + log(sum);
}

/* Keep ids[0..k) as the k largest logits seen, in descending order (insertion
 * into a short sorted list: k is small next to the vocabulary). */
static void insert_top(const float *logits, int32_t *ids, int *n, int k, int32_t id) {
    float v = logits[id];
    if (*n == k && v <= logits[ids[k - 1]]) return;
    int i = *n < k ? (*n)++ : k - 1;
    while (i > 0 && logits[ids[i - 1]] < v) {
        ids[i] = ids[i - 1];
        i--;
    }
    ids[i] = id;
}

void kl_topk_from_logits(const float *logits, int n_vocab, struct vlm_topk *t) {
    if (t->k > n_vocab) t->k = n_vocab;
    int n = 0;
    for (int32_t id = 0; id < n_vocab && t->k > 0; id++) insert_top(logits, t->ids, &n, t->k, id);
    double lse = log_sum_exp(logits, n_vocab);
    for (int i = 0; i < t->k; i++) t->logp[i] = (float)((double)logits[t->ids[i]] - lse);
    kl_topk_rest(t);
}

void kl_topk_rest(struct vlm_topk *t) {
    double mass = 0;
    for (int i = 0; i < t->k; i++) mass += exp((double)t->logp[i]);
    t->rest = mass < 1 ? 1 - mass : 0;
}

/* The model's log-probability of token id, rounded as the reference's are
 * stored, so the same logits give exactly the same numbers. */
static double model_logp(const float *logits, double lse, int32_t id) {
    return (double)(float)((double)logits[id] - lse);
}

double kl_topk(const struct vlm_topk *ref, const float *logits, int n_vocab) {
    double lse = log_sum_exp(logits, n_vocab), kl = 0, q_top = 0;
    for (int i = 0; i < ref->k; i++) {
        double logq = model_logp(logits, lse, ref->ids[i]), logp = ref->logp[i];
        q_top += exp(logq);
        kl += exp(logp) * (logp - logq);
    }
    double q_rest = q_top < 1 ? 1 - q_top : 0;
    if (ref->rest > 0) kl += ref->rest * (log(ref->rest) - log(q_rest > DBL_MIN ? q_rest : DBL_MIN));
    return kl > 0 ? kl : 0; /* rounding can leave -1e-17 where the two agree */
}
