/*
 * kl.h - how far one model's next-token distribution is from a reference's
 * (docs/metrics.md, "Quantization"). The reference's distribution is kept as
 * its K most likely tokens plus one bucket for all the others, so a suite's
 * worth of positions fits in the store; the KL divergence is computed over
 * those K + 1 outcomes. Merging outcomes never raises a KL divergence, so the
 * figure is a lower bound of the full-vocabulary one, equal to it when the
 * bucket holds no probability. Pure arithmetic: nothing here calls llama.cpp.
 */
#ifndef VLM_KL_H
#define VLM_KL_H

#include <stdint.h>

#define VLM_KL_TOP_K 64 /* reference tokens kept per position (vlmeter run) */

/* A reference distribution: the top k token ids, their log-probabilities
 * (natural log, descending), and the probability left to all other tokens. */
struct vlm_topk {
    int k;
    int32_t *ids;
    float *logp;
    double rest;
};

/* Fill t (t->k entries, arrays owned by the caller) from raw logits over n_vocab
 * tokens: log-softmax, then the k largest. k is cut to n_vocab. */
void kl_topk_from_logits(const float *logits, int n_vocab, struct vlm_topk *t);

/* t->rest from t->logp: the probability the top k leave to all other tokens. */
void kl_topk_rest(struct vlm_topk *t);

/* KL(reference || model) in nats over the reference's top-k tokens and the
 * bucket of all others, the model given by raw logits over n_vocab tokens. */
double kl_topk(const struct vlm_topk *ref, const float *logits, int n_vocab);

#endif
