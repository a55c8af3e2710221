/*
 * report_review.c - the report's "review" and "preferences" sections
 * (docs/report-schema.md, docs/scoring.md "Human review"): how many answers
 * have a human verdict and how many of them changed the scorer's verdict (per
 * model and in all), each scorer's agreement with the human verdicts and
 * Cohen's kappa, and the blind pairwise votes as win rates with Wilson
 * intervals and, for three models or more, a Bradley-Terry ranking with
 * bootstrap intervals. The quality figures themselves read the human verdict
 * through the store's view `graded` (store.c); this file only counts.
 */
#include "report.h"
#include "stats.h"
#include "store_review.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ verdicts */

/* Caption scorers measure overlap with references, not right or wrong: a
 * verdict on such an answer neither changes nor is compared with them. */
static bool caption_scorer(const char *scorer) {
    return scorer && (strcmp(scorer, "bleu") == 0 || strcmp(scorer, "cider") == 0);
}

/* Verdict counts of one model (model NULL: all models). */
struct review_counts {
    char *model;
    int n_verdicts, n_changed, n_caption, n_unscored;
};

/* One scorer's 2x2 table against the human verdicts (yy: both say right). */
struct scorer_table {
    char *scorer;
    int yy, yn, ny, nn; /* first letter: the scorer, second: the human */
};

struct review_acc {
    struct review_counts *models, all;
    int n_models, cap_models;
    struct scorer_table *scorers;
    int n_scorers, cap_scorers;
};

static struct review_counts *model_counts(struct review_acc *a, const char *model) {
    if (!a->n_models || strcmp(a->models[a->n_models - 1].model, model) != 0) { /* rows come by model */
        util_grow((void **)&a->models, &a->cap_models, a->n_models + 1, sizeof *a->models);
        a->models[a->n_models++] = (struct review_counts){.model = xstrdup(model)};
    }
    return &a->models[a->n_models - 1];
}

static struct scorer_table *scorer_table(struct review_acc *a, const char *scorer) {
    for (int i = 0; i < a->n_scorers; i++)
        if (strcmp(a->scorers[i].scorer, scorer) == 0) return &a->scorers[i];
    util_grow((void **)&a->scorers, &a->cap_scorers, a->n_scorers + 1, sizeof *a->scorers);
    a->scorers[a->n_scorers] = (struct scorer_table){.scorer = xstrdup(scorer)};
    return &a->scorers[a->n_scorers++];
}

static void count(struct review_counts *c, bool caption, bool unscored, bool changed) {
    c->n_verdicts++;
    c->n_caption += caption;
    c->n_unscored += unscored;
    c->n_changed += changed;
}

/* One answer's human verdict: human correct = score >= 0.5; the scorer's
 * correct is false when it could not read the answer. An answer not scored
 * yet (no row) or a caption answer had no scorer verdict to change. */
static int review_row(const struct store_review_row *r, void *user) {
    struct review_acc *a = user;
    bool human = r->human_score >= 0.5, caption = caption_scorer(r->scorer), unscored = !r->scorer;
    bool machine = r->scorer && !r->unparsed && r->scorer_correct;
    bool changed = !caption && !unscored && human != machine;
    count(model_counts(a, r->model), caption, unscored, changed);
    count(&a->all, caption, unscored, changed);
    if (r->scorer && !caption) {
        struct scorer_table *t = scorer_table(a, r->scorer);
        if (machine && human) t->yy++;
        else if (machine) t->yn++;
        else if (human) t->ny++;
        else t->nn++;
    }
    return VLM_OK;
}

static json_t *counts_json(const struct review_counts *c) {
    return json_pack("{s:o, s:i, s:i, s:i, s:i}", "model", c->model ? json_string(c->model) : json_null(), "n_verdicts",
                     c->n_verdicts, "n_changed", c->n_changed, "n_caption", c->n_caption, "n_unscored", c->n_unscored);
}

static json_t *scorer_json(const struct scorer_table *t) {
    int n = t->yy + t->yn + t->ny + t->nn, agree = t->yy + t->nn;
    double kappa;
    bool has_kappa = stats_kappa(t->yy, t->yn, t->ny, t->nn, &kappa);
    return json_pack("{s:s, s:i, s:i, s:f, s:o, s:i, s:i}", "scorer", t->scorer, "n", n, "agreements", agree,
                     "agreement", (double)agree / n, "kappa", has_kappa ? json_real(kappa) : json_null(),
                     "n_scorer_right", t->yy + t->yn, "n_human_right", t->yy + t->ny);
}

static int cmp_scorer(const void *x, const void *y) {
    return strcmp(((const struct scorer_table *)x)->scorer, ((const struct scorer_table *)y)->scorer);
}

json_t *report_review(vlm_store *s) {
    struct review_acc a = {0};
    json_t *o = NULL;
    if (store_review_verdicts(s, review_row, &a) == VLM_OK) {
        json_t *by_model = json_array(), *scorers = json_array();
        for (int i = 0; i < a.n_models; i++) json_array_append_new(by_model, counts_json(&a.models[i]));
        if (a.n_models) json_array_append_new(by_model, counts_json(&a.all)); /* the total, model null */
        if (a.n_scorers) qsort(a.scorers, (size_t)a.n_scorers, sizeof *a.scorers, cmp_scorer);
        for (int i = 0; i < a.n_scorers; i++) json_array_append_new(scorers, scorer_json(&a.scorers[i]));
        o = json_pack("{s:i, s:i, s:i, s:i, s:o, s:o}", "n_verdicts", a.all.n_verdicts, "n_changed", a.all.n_changed,
                      "n_caption", a.all.n_caption, "n_unscored", a.all.n_unscored, "by_model", by_model, "scorers",
                      scorers);
    }
    for (int i = 0; i < a.n_models; i++) free(a.models[i].model);
    for (int i = 0; i < a.n_scorers; i++) free(a.scorers[i].scorer);
    free(a.models);
    free(a.scorers);
    return o;
}

/* ------------------------------------------------------------ preferences */

/* The votes as read, with the models named in them (index = position in names). */
struct votes {
    char **names;
    int n_names, cap_names;
    struct stats_vote *v;
    int n, cap;
};

static int model_index(struct votes *vs, const char *name) {
    for (int i = 0; i < vs->n_names; i++)
        if (strcmp(vs->names[i], name) == 0) return i;
    util_grow((void **)&vs->names, &vs->cap_names, vs->n_names + 1, sizeof *vs->names);
    vs->names[vs->n_names] = xstrdup(name);
    return vs->n_names++;
}

/* One vote: left as a, right as b; a_score 1 (left), 0 (right), 0.5 (tie). */
static int vote_row(const struct store_vote_row *r, void *user) {
    struct votes *vs = user;
    if (!r->left || !r->right || !r->choice) return VLM_OK;
    util_grow((void **)&vs->v, &vs->cap, vs->n + 1, sizeof *vs->v);
    double a_score = strcmp(r->choice, "left") == 0 ? 1 : strcmp(r->choice, "right") == 0 ? 0 : 0.5;
    vs->v[vs->n++] = (struct stats_vote){model_index(vs, r->left), model_index(vs, r->right), a_score};
    return VLM_OK;
}

/* The pair (i, j), i's name before j's: votes, wins of each, ties, i's win
 * rate (wins + ties / 2) / n and its 95% Wilson interval. */
static json_t *pair_json(const struct votes *vs, int i, int j) {
    int n = 0, wi = 0, wj = 0, ties = 0;
    for (int t = 0; t < vs->n; t++) {
        const struct stats_vote *v = &vs->v[t];
        bool ij = v->a == i && v->b == j, ji = v->a == j && v->b == i;
        if (!ij && !ji) continue;
        n++;
        double si = ij ? v->a_score : 1 - v->a_score; /* i's share of this vote */
        if (si == 0.5) ties++;
        else if (si == 1) wi++;
        else wj++;
    }
    if (!n) return NULL;
    double k = wi + ties / 2.0, lo, hi;
    vlm_wilson95(k, n, &lo, &hi);
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f}", "a", vs->names[i], "b", vs->names[j], "n", n,
                     "wins_a", wi, "wins_b", wj, "ties", ties, "win_rate_a", k / n, "ci_low", lo, "ci_high", hi);
}

/* Resamples and seed of the ranking's bootstrap (docs/scoring.md). */
enum { BT_RESAMPLES = 1000 };
/* Resamples that must have a finite fit for an interval: a resample left out
 * is one where some model never won or never lost, i.e. an extreme strength;
 * with more than 2.5% of them out, the 2.5th or 97.5th percentile would be
 * one of them, so no finite bound can be given. */
enum { BT_MIN_KEPT = 975 };
#define BT_SEED 20240307u

struct ranked {
    const char *name;
    double p, lo, hi;
    int n;
};

static int cmp_ranked(const void *x, const void *y) {
    const struct ranked *a = x, *b = y;
    return a->p < b->p ? 1 : a->p > b->p ? -1 : strcmp(a->name, b->name);
}

/* Bradley-Terry over every model with votes (three or more): strengths by
 * geometric mean 1, best first, with bootstrap intervals; "fitted" false with
 * the strengths null when no finite fit exists. */
static json_t *ranking_json(const struct votes *vs) {
    int k = vs->n_names;
    double *p = xcalloc((size_t)k, sizeof *p), *lo = xcalloc((size_t)k, sizeof *lo),
           *hi = xcalloc((size_t)k, sizeof *hi);
    bool fitted = stats_bt_fit(k, vs->v, vs->n, p);
    int kept = fitted ? stats_bt_bootstrap(k, vs->v, vs->n, BT_RESAMPLES, BT_SEED, lo, hi) : 0;
    bool bounded = kept >= BT_MIN_KEPT;
    struct ranked *r = xcalloc((size_t)k, sizeof *r);
    for (int i = 0; i < k; i++) {
        r[i] = (struct ranked){vs->names[i], p[i], lo[i], hi[i], 0};
        for (int t = 0; t < vs->n; t++) r[i].n += vs->v[t].a == i || vs->v[t].b == i;
    }
    if (fitted) qsort(r, (size_t)k, sizeof *r, cmp_ranked);
    json_t *models = json_array();
    for (int i = 0; i < k; i++)
        json_array_append_new(models, json_pack("{s:s, s:o, s:o, s:o, s:i}", "model", r[i].name, "strength",
                                                fitted ? json_real(r[i].p) : json_null(), "ci_low",
                                                bounded ? json_real(r[i].lo) : json_null(), "ci_high",
                                                bounded ? json_real(r[i].hi) : json_null(), "n_votes", r[i].n));
    json_t *o = json_pack("{s:b, s:i, s:i, s:i, s:o}", "fitted", fitted, "resamples", BT_RESAMPLES, "resamples_kept",
                          kept, "seed", (int)BT_SEED, "models", models);
    free(p);
    free(lo);
    free(hi);
    free(r);
    return o;
}

static int cmp_name(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

json_t *report_preferences(vlm_store *s) {
    struct votes vs = {0};
    json_t *o = NULL;
    if (store_review_votes(s, vote_row, &vs) == VLM_OK) {
        /* pairs in name order: sort the names, then renumber the votes */
        char **sorted = xcalloc((size_t)vs.n_names + 1, sizeof *sorted);
        for (int i = 0; i < vs.n_names; i++) sorted[i] = vs.names[i];
        qsort(sorted, (size_t)vs.n_names, sizeof *sorted, cmp_name);
        int *to = xcalloc((size_t)vs.n_names + 1, sizeof *to);
        for (int i = 0; i < vs.n_names; i++)
            for (int j = 0; j < vs.n_names; j++)
                if (vs.names[i] == sorted[j]) to[i] = j;
        for (int t = 0; t < vs.n; t++) vs.v[t] = (struct stats_vote){to[vs.v[t].a], to[vs.v[t].b], vs.v[t].a_score};
        for (int i = 0; i < vs.n_names; i++) vs.names[i] = sorted[i];
        free(sorted);
        free(to);
        json_t *pairs = json_array();
        for (int i = 0; i < vs.n_names; i++)
            for (int j = i + 1; j < vs.n_names; j++) {
                json_t *p = pair_json(&vs, i, j);
                if (p) json_array_append_new(pairs, p);
            }
        o = json_pack("{s:i, s:o, s:o}", "n_votes", vs.n, "pairs", pairs, "ranking",
                      vs.n_names > 2 ? ranking_json(&vs) : json_null());
    }
    for (int i = 0; i < vs.n_names; i++) free(vs.names[i]);
    free(vs.names);
    free(vs.v);
    return o;
}
