/*
 * family.c - the KL pass of a quantization family (docs/metrics.md,
 * "Quantization"). For the first turn of every case its reference answered,
 * the reference's answer tokens and the top-k of each next-token distribution
 * along them are kept (table kl_refs); each member of the family, the
 * reference included, is then run along the same tokens (teacher forcing,
 * vlm_engine_score) and its distributions compared with the kept ones
 * (table kl). No labelled answer is needed. Cases already compared are
 * skipped, so a resumed run does only what is missing.
 */
#include "engine_impl.h"
#include "internal.h"
#include "kl.h"
#include "stop.h"
#include "util.h"
#include "vlmeter.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static int64_t model_id_of(sqlite3 *db, const char *name) {
    sqlite3_stmt *st = NULL;
    int64_t id = -1;
    if (sqlite3_prepare_v2(db, "SELECT id FROM models WHERE name=?1", -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

/* A blob column copied out (NULL when empty); *n gets its size in bytes. */
static void *blob_copy(sqlite3_stmt *st, int col, int *n) {
    *n = sqlite3_column_bytes(st, col);
    if (*n <= 0) return NULL;
    void *p = vlm_xmalloc((size_t)*n);
    memcpy(p, sqlite3_column_blob(st, col), (size_t)*n);
    return p;
}

/* `sql` prepared with ?1 = model id, ?2 = c's suite, ?3 = c's id; NULL on error. */
static sqlite3_stmt *prepare_case(sqlite3 *db, const char *sql, int64_t model_id, const vlm_case *c) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_int64(st, 1, model_id);
    sqlite3_bind_text(st, 2, c->suite, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->id, -1, SQLITE_TRANSIENT);
    return st;
}

/* The first answer row of (model, case) as tokens; NULL when there is none. */
static int32_t *answer_tokens(sqlite3 *db, int64_t model_id, const vlm_case *c, int *n) {
    int32_t *tok = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare_case(db, "SELECT tokens FROM answers WHERE model_id=?1 AND suite=?2 AND case_id=?3"
                                        " AND turn=0 AND output IS NOT NULL", model_id, c);
    if (!st) return NULL;
    int bytes = 0;
    if (sqlite3_step(st) == SQLITE_ROW) tok = blob_copy(st, 0, &bytes);
    sqlite3_finalize(st);
    *n = bytes / (int)sizeof *tok;
    return tok;
}

/* Whether `sql` finds a row, its :model, :ref, :suite and :case (those it
 * names) bound to model, ref and c. */
static bool row_exists(sqlite3 *db, const char *sql, int64_t model, int64_t ref, const vlm_case *c) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return false;
    int i;
    if ((i = sqlite3_bind_parameter_index(st, ":model"))) sqlite3_bind_int64(st, i, model);
    if ((i = sqlite3_bind_parameter_index(st, ":ref"))) sqlite3_bind_int64(st, i, ref);
    if ((i = sqlite3_bind_parameter_index(st, ":suite"))) sqlite3_bind_text(st, i, c->suite, -1, SQLITE_TRANSIENT);
    if ((i = sqlite3_bind_parameter_index(st, ":case"))) sqlite3_bind_text(st, i, c->id, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static const char *HAS_KL = "SELECT 1 FROM kl WHERE model_id=:model AND ref_model_id=:ref AND suite=:suite AND case_id=:case";
static const char *HAS_KL_REF = "SELECT 1 FROM kl_refs WHERE model_id=:ref AND suite=:suite AND case_id=:case";
static const char *HAS_TOKENS = "SELECT 1 FROM answers WHERE model_id=:ref AND suite=:suite AND case_id=:case"
                                " AND turn=0 AND output IS NOT NULL AND length(tokens) > 0";

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
    vlm_topk_rest(&t);
    return t;
}

static void keep_topk(int i, const float *logits, int n_vocab, void *user) {
    struct vlm_topk t = topk_view(user, i);
    vlm_topk_from_logits(logits, n_vocab, &t);
}

/* Run the reference along its own answer and keep the top-k at each step. */
static int keep_reference(sqlite3 *db, vlm_engine *e, int64_t ref_id, const vlm_case *c, char *err,
                          size_t err_len) {
    int n = 0;
    int32_t *tok = answer_tokens(db, ref_id, c, &n);
    if (!tok) return VLM_OK; /* failed, or answered before tokens were kept */
    struct ref_dists d = {VLM_KL_TOP_K, n, vlm_xcalloc((size_t)n, stride(VLM_KL_TOP_K))};
    int rc = vlm_engine_score(e, c, tok, n, keep_topk, &d, err, err_len);
    sqlite3_stmt *st = NULL;
    if (rc == VLM_OK &&
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kl_refs VALUES(?1,?2,?3,?4,?5,?6,?7)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ref_id);
        sqlite3_bind_text(st, 2, c->suite, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 4, d.k);
        sqlite3_bind_int(st, 5, n);
        sqlite3_bind_blob(st, 6, tok, n * (int)sizeof *tok, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 7, d.data, (int)(stride(d.k) * (size_t)n), SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) rc = VLM_ERR_IO;
    } else if (rc == VLM_OK) {
        rc = VLM_ERR_IO;
    }
    sqlite3_finalize(st);
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
    double kl = vlm_kl_topk(&t, logits, n_vocab);
    cmp->kl_sum += kl;
    if (kl > cmp->kl_max) cmp->kl_max = kl;
    int best = 0;
    for (int v = 1; v < n_vocab; v++) if (logits[v] > logits[best]) best = v;
    cmp->top1_same += best == t.ids[0];
}

static int compare_member(sqlite3 *db, vlm_engine *e, int64_t model_id, int64_t ref_id, const vlm_case *c,
                          char *err, size_t err_len) {
    sqlite3_stmt *st = prepare_case(db, "SELECT top_k, n_pos, tokens, dists FROM kl_refs WHERE model_id=?1"
                                        " AND suite=?2 AND case_id=?3", ref_id, c);
    if (!st) return VLM_ERR_IO;
    if (sqlite3_step(st) != SQLITE_ROW) { sqlite3_finalize(st); return VLM_OK; }
    struct ref_dists d = {sqlite3_column_int(st, 0), sqlite3_column_int(st, 1), NULL};
    int tok_bytes = 0, dist_bytes = 0;
    int32_t *tok = blob_copy(st, 2, &tok_bytes);
    d.data = blob_copy(st, 3, &dist_bytes);
    sqlite3_finalize(st);
    int rc = VLM_OK;
    if (d.k <= 0 || tok_bytes != d.n_pos * (int)sizeof *tok || (size_t)dist_bytes != stride(d.k) * (size_t)d.n_pos) {
        vlm_errf(err, err_len, "kl_refs row of case %s is damaged; delete it to have it made again", c->id);
        rc = VLM_ERR_IO;
    }
    struct compare cmp = {&d, 0, 0, 0};
    if (rc == VLM_OK) rc = vlm_engine_score(e, c, tok, d.n_pos, compare_at, &cmp, err, err_len);
    if (rc == VLM_OK &&
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kl VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, model_id);
        sqlite3_bind_int64(st, 2, ref_id);
        sqlite3_bind_text(st, 3, c->suite, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, d.n_pos);
        sqlite3_bind_double(st, 6, cmp.kl_sum);
        sqlite3_bind_double(st, 7, cmp.kl_max);
        sqlite3_bind_int(st, 8, cmp.top1_same);
        if (sqlite3_step(st) != SQLITE_DONE) rc = VLM_ERR_IO;
        sqlite3_finalize(st);
    }
    free(tok);
    free(d.data);
    return rc;
}

/* ------------------------------------------------------------ the pass */

int vlm_family_kl_todo(vlm_store *s, int64_t model_id, const struct vlm_model_spec *m,
                       const vlm_case *const *cases, int n) {
    sqlite3 *db = vlm_store_db(s);
    bool reference = strcmp(m->family, m->name) == 0;
    int64_t ref_id = reference ? model_id : model_id_of(db, m->family);
    if (ref_id < 0) return 0;
    int todo = 0;
    for (int i = 0; i < n; i++) {
        if (row_exists(db, HAS_KL, model_id, ref_id, cases[i])) continue;
        todo += row_exists(db, HAS_KL_REF, model_id, ref_id, cases[i]) ||
                (reference && row_exists(db, HAS_TOKENS, model_id, ref_id, cases[i]));
    }
    return todo;
}

int vlm_family_kl(vlm_store *s, vlm_engine *e, int64_t model_id, const struct vlm_model_spec *m,
                  const vlm_case *const *cases, int n, void (*on_message)(const char *line, void *user),
                  void *user) {
    sqlite3 *db = vlm_store_db(s);
    bool reference = strcmp(m->family, m->name) == 0;
    int64_t ref_id = reference ? model_id : model_id_of(db, m->family);
    if (ref_id < 0) return 0; /* the reference has not been run */
    int done = 0;
    for (int i = 0; i < n && !stop_requested(); i++) {
        const vlm_case *c = cases[i];
        char err[1024] = "";
        int rc = VLM_OK;
        if (reference && !row_exists(db, HAS_KL_REF, model_id, ref_id, c))
            rc = keep_reference(db, e, ref_id, c, err, sizeof err);
        if (rc == VLM_OK && !row_exists(db, HAS_KL, model_id, ref_id, c)) {
            rc = compare_member(db, e, model_id, ref_id, c, err, sizeof err);
            done += rc == VLM_OK;
        }
        if (rc == VLM_ERR_IO) return VLM_ERR_IO;
        if (rc != VLM_OK && on_message) {
            char line[1200];
            snprintf(line, sizeof line, "model %s: KL divergence of case %s (%s): %s", m->name, c->id, c->where, err);
            on_message(line, user);
        }
    }
    return done;
}
