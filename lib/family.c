/*
 * family.c - the KL pass of a quantization family (docs/metrics.md,
 * "Quantization"). For the first turn of every case its reference answered,
 * the reference's answer tokens and the top-k of each next-token distribution
 * along them are kept (table kl_refs); each member of the family, the
 * reference included, is then run along the same tokens (teacher forcing,
 * eng_score) and its distributions compared with the kept ones
 * (table kl); their rows are read and written through store_kl.c. No
 * labelled answer is needed. Cases already compared are skipped, so a resumed
 * run does only what is missing.
 */
#include "engine_impl.h"
#include "family.h"
#include "kl.h"
#include "stop.h"
#include "store.h"
#include "util.h"
#include "vlmeter.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the reference's distributions */

/* Per position: k token ids (int32), then k log-probabilities (float). */
struct ref_dists {
    int k, n_pos;
    unsigned char *data;
};

static size_t stride(int k) { return (size_t)k * (sizeof(int32_t) + sizeof(float)); }

/* Position pos of d seen as a vlm_topk (its arrays inside d->data). */
static struct vlm_topk topk_view(const struct ref_dists *d, int pos) {
    unsigned char *p = d->data + (size_t)pos * stride(d->k);
    struct vlm_topk t = {d->k, (int32_t *)(void *)p, (float *)(void *)(p + (size_t)d->k * sizeof(int32_t)), 0};
    return t;
}

static struct vlm_topk topk_at(const struct ref_dists *d, int pos) {
    struct vlm_topk t = topk_view(d, pos);
    kl_topk_rest(&t);
    return t;
}

static void keep_topk(int i, const float *logits, int n_vocab, void *user) {
    struct vlm_topk t = topk_view(user, i);
    kl_topk_from_logits(logits, n_vocab, &t);
}

/* The store's failure as the pass's error; VLM_ERR_IO. */
static int store_failed(vlm_store *s, char *err, size_t err_len) {
    util_errf(err, err_len, "the store: %s", store_error(s));
    return VLM_ERR_IO;
}

/* Run the reference along its own answer and keep the top-k at each step. */
static int keep_reference(vlm_store *s, vlm_engine *e, int64_t ref_id, const vlm_case *c, char *err, size_t err_len) {
    int n = 0;
    int32_t *tok = NULL;
    if (store_answer_tokens(s, ref_id, c->suite, c->id, &tok, &n) != VLM_OK) return store_failed(s, err, err_len);
    if (!tok) return VLM_OK; /* failed, or answered before tokens were kept */
    struct ref_dists d = {VLM_KL_TOP_K, n, xcalloc((size_t)n, stride(VLM_KL_TOP_K))};
    int rc = eng_score(e, c, tok, n, keep_topk, &d, err, err_len);
    if (rc == VLM_OK &&
        store_kl_ref_put(s, ref_id, c->suite, c->id, d.k, n, tok, d.data, stride(d.k) * (size_t)n) != VLM_OK)
        rc = store_failed(s, err, err_len);
    free(d.data);
    free(tok);
    return rc;
}

/* ------------------------------------------------------------ one member against it */

struct compare {
    const struct ref_dists *ref;
    double kl_sum, kl_max;
    int top1_same;
};

static void compare_at(int i, const float *logits, int n_vocab, void *user) {
    struct compare *cmp = user;
    struct vlm_topk t = topk_at(cmp->ref, i);
    double kl = kl_topk(&t, logits, n_vocab);
    cmp->kl_sum += kl;
    if (kl > cmp->kl_max) cmp->kl_max = kl;
    int best = 0;
    for (int v = 1; v < n_vocab; v++)
        if (logits[v] > logits[best]) best = v;
    cmp->top1_same += best == t.ids[0];
}

static int compare_member(vlm_store *s, vlm_engine *e, int64_t model_id, int64_t ref_id, const vlm_case *c, char *err,
                          size_t err_len) {
    bool found = false;
    struct store_kl_ref kept;
    if (store_kl_ref_get(s, ref_id, c->suite, c->id, &found, &kept) != VLM_OK) return store_failed(s, err, err_len);
    if (!found) return VLM_OK;
    struct ref_dists d = {kept.top_k, kept.n_pos, kept.dists};
    int32_t *tok = kept.tokens;
    int rc = VLM_OK;
    if (d.k <= 0 || kept.tokens_bytes != d.n_pos * (int)sizeof *tok ||
        (size_t)kept.dists_bytes != stride(d.k) * (size_t)d.n_pos) {
        util_errf(err, err_len, "kl_refs row of case %s is damaged; delete it to have it made again", c->id);
        rc = VLM_ERR_IO;
    }
    struct compare cmp = {&d, 0, 0, 0};
    if (rc == VLM_OK) rc = eng_score(e, c, tok, d.n_pos, compare_at, &cmp, err, err_len);
    if (rc == VLM_OK &&
        store_kl_put(s, model_id, ref_id, c->suite, c->id, d.n_pos, cmp.kl_sum, cmp.kl_max, cmp.top1_same) != VLM_OK)
        rc = store_failed(s, err, err_len);
    free(tok);
    free(d.data);
    return rc;
}

/* ------------------------------------------------------------ the pass */

/* The reference's id (model_id itself for the reference); -1 when it has not
 * been run. VLM_OK or VLM_ERR_IO. */
static int reference_id(vlm_store *s, int64_t model_id, const struct vlm_model_spec *m, int64_t *ref_id) {
    *ref_id = model_id;
    return strcmp(m->family, m->name) == 0 ? VLM_OK : store_model_id(s, m->family, ref_id);
}

int family_kl_todo(vlm_store *s, int64_t model_id, const struct vlm_model_spec *m, const vlm_case *const *cases,
                   int n) {
    bool reference = strcmp(m->family, m->name) == 0;
    int64_t ref_id;
    /* A store that cannot be read counts as work to do: the pass then reports why. */
    if (reference_id(s, model_id, m, &ref_id) != VLM_OK) return n > 0;
    if (ref_id < 0) return 0;
    int todo = 0;
    for (int i = 0; i < n; i++) {
        struct store_kl_state st;
        if (store_kl_state(s, model_id, ref_id, cases[i]->suite, cases[i]->id, &st) != VLM_OK) return todo + 1;
        if (st.compared) continue;
        todo += st.ref_kept || (reference && st.ref_has_tokens);
    }
    return todo;
}

int family_kl(vlm_store *s, vlm_engine *e, int64_t model_id, const struct vlm_model_spec *m,
              const vlm_case *const *cases, int n, void (*on_message)(const char *line, void *user), void *user) {
    bool reference = strcmp(m->family, m->name) == 0;
    int64_t ref_id;
    if (reference_id(s, model_id, m, &ref_id) != VLM_OK) {
        util_say(on_message, user, "model %s: KL divergence: the store: %s", m->name, store_error(s));
        return VLM_ERR_IO;
    }
    if (ref_id < 0) return 0; /* the reference has not been run */
    int done = 0;
    for (int i = 0; i < n && !stop_requested(); i++) {
        const vlm_case *c = cases[i];
        char err[1024] = "";
        struct store_kl_state st;
        int rc = store_kl_state(s, model_id, ref_id, c->suite, c->id, &st);
        if (rc != VLM_OK) rc = store_failed(s, err, sizeof err);
        if (rc == VLM_OK && reference && !st.ref_kept) rc = keep_reference(s, e, ref_id, c, err, sizeof err);
        if (rc == VLM_OK && !st.compared) {
            rc = compare_member(s, e, model_id, ref_id, c, err, sizeof err);
            done += rc == VLM_OK;
        }
        if (rc != VLM_OK)
            util_say(on_message, user, "model %s: KL divergence of case %s (%s): %s", m->name, c->id, c->where, err);
        if (rc == VLM_ERR_IO) return VLM_ERR_IO;
    }
    return done;
}
