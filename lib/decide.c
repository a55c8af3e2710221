/*
 * decide.c - deciding early (decide.h; docs/metrics.md "Deciding early"): the
 * stratified draw order, and per model the confidence sequences of accuracy
 * behind each min_accuracy verdict.
 *
 * A stratum is the set of cases sharing one category set (`categories`, else
 * `category`). Drawn in a random order, a stratum's scored cases are a sample
 * without replacement of its finite population, which is what a confidence
 * sequence of confseq.h covers. A requirement's category may span several
 * strata (a case counted under several categories); its accuracy is then the
 * strata's means weighted by their sizes, and its sequence combines one
 * sequence per stratum, each at alpha / (strata), by the union bound.
 */
#include "decide.h"
#include "confseq.h"
#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct stratum {
    char *key;    /* the category set, as JSON text */
    json_t *cats; /* its categories (an array of strings) */
    int n_cases;  /* cases of the run in it */
    int n_scored; /* those some turn of which is scored: the population */
    bool na;      /* a case of it was not applicable to the model */
};

struct requirement {
    char *cat; /* the min_accuracy key ("all": every category) */
    double threshold;
    int n_strata;
    int *strata;  /* indices into d->strata */
    confseq **cs; /* one per stratum, at alpha / n_strata */
};

struct decider {
    const vlm_case **order; /* the draw order */
    json_t *rank;           /* case name (case_name) -> its draw position */
    int *stratum_of;        /* per draw position */
    bool *scorable;         /* per draw position */
    int n;
    struct stratum *strata;
    int n_strata;
    struct requirement *req;
    int n_req;
    double alpha;
    uint64_t seed;
    /* the model being decided */
    double *value; /* per draw position; NAN until done */
    bool *done;
    bool *na;     /* per draw position: not applicable to this model (left out) */
    int used;     /* the done prefix taken in */
    int n_scored; /* scorable cases in the run */
};

/* ------------------------------------------------------------ credit */

static const char *scorer_of(const vlm_case *c) { return c->scorer && c->scorer[0] ? c->scorer : "exact"; }

/* Scorers whose scores are not accuracy credit at run time: the caption
 * metrics (kept apart from accuracy) and the judge (needs a judge model). */
static bool scorer_feeds_accuracy(const char *scorer) {
    return strcmp(scorer, "bleu") != 0 && strcmp(scorer, "cider") != 0 && strcmp(scorer, "judge") != 0;
}

bool decide_case_scorable(const vlm_case *c) {
    if (c->error || !scorer_feeds_accuracy(scorer_of(c)) || (c->kind && c->kind[0])) return false;
    for (int t = 0; t < c->n_turns; t++)
        if (c->expected && c->expected[t]) return true;
    return false;
}

bool decide_turn_credit(const vlm_case *c, int turn, const char *output, const char *error, bool unclosed,
                        double *credit) {
    const char *scorer = scorer_of(c);
    if (turn < 0 || turn >= c->n_turns || !c->expected || !c->expected[turn] || !scorer_feeds_accuracy(scorer))
        return false;
    *credit = 0;
    if (error || !output || unclosed) return true; /* failed or unparsed: wrong (grade.c) */
    struct vlm_score sc;
    char err[256];
    if (vlm_score_text(scorer, output, c->expected[turn], c->choices, c->n_choices, &sc, err, sizeof err) != VLM_OK)
        return true; /* not scored: wrong, as grade.c stores it */
    bool soft = strcmp(scorer, "anls") == 0 || strcmp(scorer, "vqa") == 0;
    *credit = soft ? sc.score : (sc.correct ? 1 : 0);
    return true;
}

/* ------------------------------------------------------------ the draw order */

/* The case's category set as JSON text (an array), e.g. ["colors"]. */
static char *category_key(const vlm_case *c) {
    json_t *cats = c->categories ? json_loads(c->categories, 0, NULL) : NULL;
    if (!json_is_array(cats)) {
        json_decref(cats);
        cats = json_pack("[s]", c->category ? c->category : "");
    }
    char *key = json_dumps(cats, JSON_COMPACT);
    json_decref(cats);
    return key;
}

static int stratum_find_or_add(decider *d, const vlm_case *c) {
    char *key = category_key(c);
    for (int i = 0; i < d->n_strata; i++)
        if (strcmp(d->strata[i].key, key) == 0) {
            free(key);
            return i;
        }
    struct stratum *s = &d->strata[d->n_strata];
    s->key = key;
    s->cats = json_loads(key, 0, NULL);
    return d->n_strata++;
}

/* A case's name: its suite, a zero byte and its id (*len bytes); caller frees. */
static char *case_name(const vlm_case *c, size_t *len) {
    size_t ls = strlen(c->suite ? c->suite : ""), li = strlen(c->id ? c->id : "");
    char *k = xmalloc(ls + li + 2);
    memcpy(k, c->suite ? c->suite : "", ls);
    k[ls] = '\0';
    memcpy(k + ls + 1, c->id ? c->id : "", li + 1);
    *len = ls + 1 + li;
    return k;
}

/* A case's place in its stratum: XXH64 of its name, seeded. */
static uint64_t draw_key(const vlm_case *c, uint64_t seed) {
    size_t len;
    char *k = case_name(c, &len);
    uint64_t h = XXH64(k, len, seed);
    free(k);
    return h;
}

struct keyed {
    const vlm_case *c;
    int stratum;
    uint64_t key;
    int index; /* in the run's order: ties */
};

static int by_stratum_key(const void *a, const void *b) {
    const struct keyed *x = a, *y = b;
    if (x->stratum != y->stratum) return x->stratum < y->stratum ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Interleave the strata (each sorted by key in k): the next case comes from
 * the stratum furthest behind its share, taken_s / n_s smallest (compared
 * exactly as taken_s * n_t < taken_t * n_s), the first stratum on a tie. */
static void interleave(decider *d, const struct keyed *k) {
    int *first = xcalloc((size_t)d->n_strata + 1, sizeof *first);
    int *taken = xcalloc((size_t)d->n_strata + 1, sizeof *taken);
    for (int i = d->n - 1; i >= 0; i--) first[k[i].stratum] = i;
    for (int pos = 0; pos < d->n; pos++) {
        int best = -1;
        for (int s = 0; s < d->n_strata; s++) {
            int ns = d->strata[s].n_cases;
            if (taken[s] >= ns) continue;
            if (best < 0 || (long long)taken[s] * d->strata[best].n_cases < (long long)taken[best] * ns) best = s;
        }
        const struct keyed *it = &k[first[best] + taken[best]++];
        d->order[pos] = it->c;
        d->stratum_of[pos] = best;
        d->scorable[pos] = decide_case_scorable(it->c);
    }
    free(first);
    free(taken);
}

static void build_order(decider *d, const vlm_case *const *cases, int n) {
    struct keyed *k = xcalloc((size_t)n + 1, sizeof *k);
    for (int i = 0; i < n; i++) {
        k[i] = (struct keyed){cases[i], stratum_find_or_add(d, cases[i]), draw_key(cases[i], d->seed), i};
        struct stratum *s = &d->strata[k[i].stratum];
        s->n_cases++;
        if (decide_case_scorable(cases[i])) {
            s->n_scored++;
            d->n_scored++;
        }
    }
    qsort(k, (size_t)n, sizeof *k, by_stratum_key);
    interleave(d, k);
    free(k);
}

/* ------------------------------------------------------------ requirements */

static bool stratum_has(const struct stratum *s, const char *cat) {
    if (strcmp(cat, "all") == 0) return true;
    size_t i;
    json_t *v;
    json_array_foreach(s->cats, i, v) if (json_is_string(v) && strcmp(json_string_value(v), cat) == 0) return true;
    return false;
}

/* Requirement (cat, threshold) over the strata holding scored cases of cat;
 * false when there is none. */
static bool add_requirement(decider *d, const char *cat, double threshold) {
    struct requirement *r = &d->req[d->n_req];
    r->strata = xcalloc((size_t)d->n_strata + 1, sizeof *r->strata);
    for (int s = 0; s < d->n_strata; s++)
        if (d->strata[s].n_scored > 0 && stratum_has(&d->strata[s], cat)) r->strata[r->n_strata++] = s;
    if (r->n_strata == 0) {
        free(r->strata);
        memset(r, 0, sizeof *r);
        return false;
    }
    r->cat = xstrdup(cat);
    r->threshold = threshold;
    r->cs = xcalloc((size_t)r->n_strata, sizeof *r->cs);
    d->n_req++;
    return true;
}

decider *decide_new(const vlm_case *const *cases, int n, const struct vlm_requirements *req, double alpha,
                    uint64_t seed, char *note, size_t note_len, char *err, size_t err_len) {
    if (note && note_len) note[0] = '\0';
    if (!(alpha > 0 && alpha < 1)) {
        util_errf(err, err_len, "--decide-alpha must be between 0 and 1 (exclusive), not %g", alpha);
        return NULL;
    }
    decider *d = xcalloc(1, sizeof *d);
    d->alpha = alpha;
    d->seed = seed;
    d->n = n;
    d->order = xcalloc((size_t)n + 1, sizeof *d->order);
    d->stratum_of = xcalloc((size_t)n + 1, sizeof *d->stratum_of);
    d->scorable = xcalloc((size_t)n + 1, sizeof *d->scorable);
    d->value = xcalloc((size_t)n + 1, sizeof *d->value);
    d->done = xcalloc((size_t)n + 1, sizeof *d->done);
    d->na = xcalloc((size_t)n + 1, sizeof *d->na);
    d->strata = xcalloc((size_t)n + 1, sizeof *d->strata);
    build_order(d, cases, n);
    d->rank = json_object();
    for (int k = 0; k < n; k++) {
        size_t len;
        char *name = case_name(d->order[k], &len);
        json_object_setn_new(d->rank, name, len, json_integer(k));
        free(name);
    }
    d->req = xcalloc((size_t)req->n_acc + 1, sizeof *d->req);
    for (int i = 0; i < req->n_acc; i++) {
        if (add_requirement(d, req->acc_cat[i], req->acc_min[i])) continue;
        if (note && note_len)
            util_errf(note + strlen(note), note_len - strlen(note),
                      "%smin_accuracy %s: no case of the suites in that category has an expected answer and an "
                      "automatic scorer, so --decide cannot settle it (left to the full report)",
                      note[0] ? "; " : "", req->acc_cat[i]);
    }
    if (d->n_req == 0) {
        util_errf(err, err_len,
                  "--decide needs a requirements.min_accuracy entry on a category whose cases have expected "
                  "answers and an automatic scorer (docs/plan-format.md)");
        decide_free(d);
        return NULL;
    }
    decide_begin_model(d);
    return d;
}

void decide_free(decider *d) {
    if (!d) return;
    for (int i = 0; i < d->n_req; i++) {
        for (int k = 0; k < d->req[i].n_strata; k++) confseq_free(d->req[i].cs[k]);
        free(d->req[i].cs);
        free(d->req[i].strata);
        free(d->req[i].cat);
    }
    for (int s = 0; s < d->n_strata; s++) {
        free(d->strata[s].key);
        json_decref(d->strata[s].cats);
    }
    json_decref(d->rank);
    free(d->req);
    free(d->strata);
    free(d->order);
    free(d->stratum_of);
    free(d->scorable);
    free(d->value);
    free(d->done);
    free(d->na);
    free(d);
}

/* ------------------------------------------------------------ one model */

void decide_begin_model(decider *d) {
    for (int i = 0; i < d->n_req; i++) {
        struct requirement *r = &d->req[i];
        for (int k = 0; k < r->n_strata; k++) {
            confseq_free(r->cs[k]);
            r->cs[k] = confseq_new(d->strata[r->strata[k]].n_scored, d->alpha / r->n_strata);
        }
    }
    for (int s = 0; s < d->n_strata; s++) d->strata[s].na = false;
    for (int k = 0; k < d->n; k++) {
        d->value[k] = NAN;
        d->done[k] = d->na[k] = false;
    }
    d->used = 0;
}

/* Feed the value of draw position k to every sequence of its stratum. */
static void take_in(decider *d, int k) {
    if (!d->scorable[k] || d->na[k]) return;
    double v = isnan(d->value[k]) ? 0 : d->value[k]; /* scorable but nothing stored: as grade.c, wrong */
    int s = d->stratum_of[k];
    for (int i = 0; i < d->n_req; i++)
        for (int j = 0; j < d->req[i].n_strata; j++)
            if (d->req[i].strata[j] == s) confseq_add(d->req[i].cs[j], v);
}

/* Take in the cases done since the last one taken, in draw order, up to
 * the first not done yet. */
static void advance(decider *d) {
    while (d->used < d->n && d->done[d->used]) take_in(d, d->used++);
}

void decide_done(decider *d, int k, double value) {
    if (k < 0 || k >= d->n || d->done[k]) return;
    d->done[k] = true;
    d->value[k] = value;
    advance(d);
}

void decide_not_applicable(decider *d, int k) {
    if (k < 0 || k >= d->n) return;
    d->strata[d->stratum_of[k]].na = true;
    d->done[k] = true; /* left out of accuracy (docs/metrics.md) */
    d->value[k] = NAN;
    d->na[k] = true;
    advance(d);
}

static bool requirement_na(const decider *d, const struct requirement *r) {
    for (int j = 0; j < r->n_strata; j++)
        if (d->strata[r->strata[j]].na) return true;
    /* a not-applicable case in a stratum of the category but with no scored case */
    for (int s = 0; s < d->n_strata; s++)
        if (d->strata[s].na && stratum_has(&d->strata[s], r->cat)) return true;
    return false;
}

void decide_verdict(const decider *d, int i, struct decide_verdict *out) {
    const struct requirement *r = &d->req[i];
    out->category = r->cat;
    out->threshold = r->threshold;
    out->n_strata = r->n_strata;
    if (r->n_strata == 1) {
        confseq_bounds(r->cs[0], &out->lo, &out->hi);
        out->verdict = confseq_verdict(r->cs[0], r->threshold);
    } else {
        double *w = xcalloc((size_t)r->n_strata, sizeof *w);
        double total = 0;
        for (int j = 0; j < r->n_strata; j++) total += d->strata[r->strata[j]].n_scored;
        for (int j = 0; j < r->n_strata; j++) w[j] = d->strata[r->strata[j]].n_scored / total;
        confseq_combine((const confseq *const *)r->cs, w, r->n_strata, &out->lo, &out->hi);
        free(w);
        out->verdict = out->lo >= r->threshold ? 1 : out->hi < r->threshold ? -1 : 0;
    }
    if (requirement_na(d, r)) out->verdict = -1; /* the deployment needs vision the model lacks */
}

enum decide_state decide_state(const decider *d) {
    bool open = false;
    for (int i = 0; i < d->n_req; i++) {
        struct decide_verdict v;
        decide_verdict(d, i, &v);
        if (v.verdict < 0) return DECIDE_FAILED;
        if (v.verdict == 0) open = true;
    }
    return open ? DECIDE_OPEN : DECIDE_PASSED;
}

int decide_n(const decider *d) { return d->n; }
const vlm_case *decide_case(const decider *d, int k) { return k >= 0 && k < d->n ? d->order[k] : NULL; }
int decide_n_used(const decider *d) { return d->used; }
int decide_n_scored(const decider *d) { return d->n_scored; }
double decide_alpha(const decider *d) { return d->alpha; }
uint64_t decide_seed(const decider *d) { return d->seed; }
int decide_n_verdicts(const decider *d) { return d->n_req; }

int decide_rank(const decider *d, const vlm_case *c) {
    size_t len;
    char *name = case_name(c, &len);
    json_t *k = json_object_getn(d->rank, name, len);
    free(name);
    return k ? (int)json_integer_value(k) : -1;
}
