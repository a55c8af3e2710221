/*
 * report_build.c - builds the report document (docs/report-schema.md) from a store:
 * runs, models with speed and memory, quality per category with Wilson
 * intervals, yes/no and caption metrics, accuracy by turn, paired McNemar tests
 * and the side-by-side answers. Every output format renders this one document;
 * vlm_report() picks the renderer. The rows come from the store's report
 * queries (lib/store.h, store_report.c); this file only computes and shapes.
 * It sits on top of the report's sections (report_*.c), which it calls; none
 * calls it (report.h, their shared header, has no .c of its own).
 */
#include "grade.h"
#include "jpath.h"
#include "report.h"
#include "report_gpu.h"
#include "report_metrics.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

static json_t *json_text(const char *s) { return s ? json_string(s) : json_null(); }

/* JSON text (a column that holds JSON), decoded; null when absent or invalid. */
static json_t *json_decoded(const char *t) {
    json_t *j = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
    return j ? j : json_null();
}

/* a, or NULL (a released) when the store failed. */
static json_t *collect(json_t *a, int rc) {
    if (rc == VLM_OK) return a;
    json_decref(a);
    return NULL;
}

static void set_accuracy(json_t *o, int n, double credit) {
    double lo, hi;
    vlm_wilson95(credit, n, &lo, &hi);
    json_object_set_new(o, "n", json_integer(n));
    json_object_set_new(o, "credit", json_real(credit));
    json_object_set_new(o, "accuracy", n ? json_real(credit / n) : json_null());
    json_object_set_new(o, "ci_low", n ? json_real(lo) : json_null());
    json_object_set_new(o, "ci_high", n ? json_real(hi) : json_null());
}

/* The reference reading's accuracy (docs/scoring.md, "Reference readings") as
 * an object shaped like set_accuracy's, or NULL when some scored turn of the
 * group has no reference reading (its scorer has none). */
static json_t *reference_accuracy(const struct store_credit *c) {
    if (c->n == 0 || c->ref_n != c->n) return NULL;
    json_t *o = json_object();
    set_accuracy(o, c->ref_n, c->ref_credit);
    return o;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* {mean, p50, p90, p99, min, max} of n values (sorted in place). */
static json_t *distribution(double *v, int n) {
    if (n == 0) return json_null();
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += v[i];
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "mean", sum / n, "p50", vlm_percentile(v, n, .5), "p90",
                     vlm_percentile(v, n, .9), "p99", vlm_percentile(v, n, .99), "min", v[0], "max", v[n - 1]);
}

/* ------------------------------------------------------------ models */

/* The speed figures, in the document's order; which turns count for each. */
enum { TTFT, E2E, DECODE_TPS, PREFILL, IMAGE_ENCODE, IMAGE_DECODE, PROMPT_TOKENS, OUTPUT_TOKENS, N_SPEED };
static const char *const SPEED_NAMES[N_SPEED] = {"ttft_ms",         "e2e_ms",          "decode_tps",
                                                 "prefill_ms",      "image_encode_ms", "image_decode_ms",
                                                 "n_prompt_tokens", "n_output_tokens"};

/* Values of each speed figure over a model's answered turns. */
struct speed_values {
    double *v[N_SPEED];
    int n[N_SPEED], cap[N_SPEED];
};

static void speed_push(struct speed_values *sv, int k, double x) {
    util_grow((void **)&sv->v[k], &sv->cap[k], sv->n[k] + 1, sizeof *sv->v[k]);
    sv->v[k][sv->n[k]++] = x;
}

static int speed_turn(const struct vlm_turn_timings *t, void *user) {
    struct speed_values *sv = user;
    speed_push(sv, TTFT, t->ttft_ms);
    speed_push(sv, E2E, t->e2e_ms);
    if (t->n_output_tokens > 1) speed_push(sv, DECODE_TPS, t->decode_tps); /* one token has no rate */
    speed_push(sv, PREFILL, t->prefill_ms);
    /* images encoded here (local); a remote model's derived count encodes nothing we see */
    bool encoded = t->n_image_tokens > 0 && !t->image_tokens_derived;
    if (encoded) speed_push(sv, IMAGE_ENCODE, t->image_encode_ms);
    if (encoded) speed_push(sv, IMAGE_DECODE, t->image_decode_ms);
    speed_push(sv, PROMPT_TOKENS, t->n_prompt_tokens);
    speed_push(sv, OUTPUT_TOKENS, t->n_output_tokens);
    return VLM_OK;
}

/* The model's "speed" object; its sorted e2e times go into model's "e2e_ms_values". */
static json_t *build_speed(vlm_store *s, int64_t model_id, json_t *model) {
    struct speed_values sv = {{NULL}, {0}, {0}};
    int rc = store_report_model_turns(s, model_id, speed_turn, &sv);
    json_t *speed = json_object();
    for (int k = 0; rc == VLM_OK && k < N_SPEED; k++) {
        json_object_set_new(speed, SPEED_NAMES[k], distribution(sv.v[k], sv.n[k]));
        if (k == E2E) {
            json_t *values = json_array();
            for (int i = 0; i < sv.n[k]; i++) json_array_append_new(values, json_real(sv.v[k][i]));
            json_object_set_new(model, "e2e_ms_values", values);
        }
    }
    json_object_set_new(speed, "n_turns", json_integer(sv.n[E2E]));
    for (int k = 0; k < N_SPEED; k++) free(sv.v[k]);
    return collect(speed, rc);
}

/* Reasoning of a model's answered turns (docs/metrics.md, "Reasoning"): how
 * many turns had a block, how many never closed it, its tokens and its share
 * of decode time. null when no turn had one. */
static json_t *build_reasoning(vlm_store *s, int64_t model_id) {
    struct store_reasoning r;
    if (store_report_model_reasoning(s, model_id, &r) != VLM_OK) return NULL;
    if (r.n_turns <= 0) return json_null();
    json_t *o = json_pack("{s:i, s:i, s:f}", "n_turns", r.n_turns, "n_unclosed", (int)r.n_unclosed,
                          "reasoning_tokens_mean", r.reasoning_tokens / r.n_turns);
    json_object_set_new(o, "token_share",
                        r.output_tokens > 0 ? json_real(r.reasoning_tokens / r.output_tokens) : json_null());
    json_object_set_new(o, "decode_time_share",
                        r.decode_ms > 0 ? json_real(r.reasoning_ms / r.decode_ms) : json_null());
    return o;
}

static json_t *build_model_quality(vlm_store *s, int64_t model_id) {
    struct store_credit c;
    if (store_report_model_credit(s, model_id, &c) != VLM_OK) return NULL;
    json_t *q = json_object();
    set_accuracy(q, c.n, c.credit);
    json_object_set_new(q, "n_unparsed", json_integer(c.n_unparsed));
    json_t *ref = reference_accuracy(&c);
    json_object_set_new(q, "reference", ref ? ref : json_null());
    return q;
}

/* What reuse and batching did in the latest load; null before it was recorded. */
static json_t *build_reuse(const struct store_model_row *m) {
    if (!m->has_reuse) return json_null();
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "n_parallel", (json_int_t)m->n_parallel, "images_encoded",
                          (json_int_t)m->images_encoded, "images_cached", (json_int_t)m->images_cached, "prompt_tokens",
                          (json_int_t)m->prompt_tokens, "prompt_tokens_cached", (json_int_t)m->prompt_tokens_cached);
    json_object_set_new(o, "prompt_cached_share",
                        m->prompt_tokens > 0 ? json_real((double)m->prompt_tokens_cached / (double)m->prompt_tokens)
                                             : json_null());
    json_object_set_new(o, "decode_batch_mean",
                        m->decode_steps > 0 ? json_real((double)m->decode_tokens / (double)m->decode_steps)
                                            : json_null());
    return o;
}

/* Set o[key] = v; false (nothing set) when v is NULL: the store failed. */
static bool put(json_t *o, const char *key, json_t *v) { return v && json_object_set_new(o, key, v) == 0; }

/* The "models" array being built, and the store its figures come from. */
struct models_out {
    vlm_store *s;
    json_t *a;
};

static int model_row(const struct store_model_row *r, void *user) {
    struct models_out *out = user;
    vlm_store *s = out->s;
    json_t *m = json_object();
    json_array_append_new(out->a, m);
    json_object_set_new(m, "name", json_string(r->name));
    json_object_set_new(m, "arch", json_text(r->arch));
    json_object_set_new(m, "n_params", r->loaded ? json_integer(r->n_params) : json_null());
    json_object_set_new(m, "chat_template", json_text(r->chat_template));
    json_object_set_new(m, "chat_template_hash", json_text(r->chat_template_hash));
    json_object_set_new(m, "backend", json_text(r->backend));
    const struct {
        const char *name;
        int64_t v;
    } nums[] = {{"model_bytes", r->model_bytes},       {"mmproj_bytes", r->mmproj_bytes},   {"load_ms", 0},
                {"rss_peak_bytes", r->rss_peak_bytes}, {"gpu_mem_bytes", r->gpu_mem_bytes}, {"n_threads", r->n_threads},
                {"n_gpu_layers", r->n_gpu_layers}};
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        json_t *v = !r->loaded ? json_null() : k == 2 ? json_real(r->load_ms) : json_integer(nums[k].v);
        json_object_set_new(m, nums[k].name, v);
    }
    json_object_set_new(m, "n_cases", json_integer(r->n_cases));
    json_object_set_new(m, "n_errors", json_integer(r->n_errors));
    json_object_set_new(m, "reuse", build_reuse(r));
    if (!put(m, "quality", build_model_quality(s, r->id)) || !put(m, "speed", build_speed(s, r->id, m)) ||
        !put(m, "reasoning", build_reasoning(s, r->id)))
        return VLM_ERR_IO;
    json_object_set_new(m, "id", json_integer(r->id)); /* removed before output */
    return VLM_OK;
}

static json_t *build_models(vlm_store *s) {
    struct models_out out = {s, json_array()};
    return collect(out.a, store_report_models(s, model_row, &out));
}

/* ------------------------------------------------------------ accuracy */

/* The quality rows and, for the groups that have one, the reference reading's. */
struct quality_out {
    json_t *quality, *reference;
};

static int quality_row(const struct store_quality_row *q, void *user) {
    struct quality_out *out = user;
    json_t *o = json_pack("{s:s, s:s}", "model", q->model, "category", q->category);
    set_accuracy(o, q->c.n, q->c.credit);
    json_object_set_new(o, "n_unparsed", json_integer(q->c.n_unparsed));
    json_object_set_new(o, "n_errors", json_integer(q->n_errors));
    json_array_append_new(out->quality, o);
    json_t *ref = reference_accuracy(&q->c);
    if (ref) {
        json_object_set_new(ref, "model", json_string(q->model));
        json_object_set_new(ref, "category", json_string(q->category));
        json_array_append_new(out->reference, ref);
    }
    return VLM_OK;
}

/* `quality` and `quality_reference` of the document; false when the store failed. */
static bool build_quality(vlm_store *s, json_t *doc) {
    struct quality_out out = {json_array(), json_array()};
    int rc = store_report_quality(s, quality_row, &out);
    json_object_set_new(doc, "quality", out.quality);
    json_object_set_new(doc, "quality_reference", out.reference);
    return rc == VLM_OK;
}

/* Counts of yes/no turns under one reading (vlmeter's or the reference's). */
struct yesno_counts {
    int tp, fp, fn, n, right, said_yes, unparsed;
};

/* The yes/no turns of one model x category (or every category of the model),
 * gathered turn by turn. */
struct yesno_group {
    json_t *out;
    char model[256], cat[256];
    bool all; /* the row of every category (a turn in two counts twice) */
    bool ref_everywhere;
    struct yesno_counts own, ref;
};

static void yesno_count(struct yesno_counts *c, bool want_yes, bool got_yes, bool got_no, bool right) {
    c->n++;
    c->right += right;
    c->said_yes += got_yes;
    c->unparsed += !got_yes && !got_no;
    c->tp += got_yes && want_yes;
    c->fp += got_yes && !want_yes;
    c->fn += !got_yes && want_yes;
}

/* {n, accuracy, precision, recall, f1, yes_ratio, n_unparsed} of c; precision
 * and recall are 0 when their denominators are (as VLMEvalKit's POPE_rating). */
static json_t *yesno_figures(const struct yesno_counts *c) {
    double prec = c->tp + c->fp ? (double)c->tp / (c->tp + c->fp) : 0;
    double rec = c->tp + c->fn ? (double)c->tp / (c->tp + c->fn) : 0;
    return json_pack("{s:i, s:f, s:f, s:f, s:f, s:f, s:i}", "n", c->n, "accuracy", (double)c->right / c->n, "precision",
                     prec, "recall", rec, "f1", prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0.0, "yes_ratio",
                     (double)c->said_yes / c->n, "n_unparsed", c->unparsed);
}

static void yesno_flush(struct yesno_group *g) {
    if (!g->own.n) return;
    json_t *o = yesno_figures(&g->own);
    json_object_set_new(o, "model", json_string(g->model));
    json_object_set_new(o, "category", g->all ? json_null() : json_string(g->cat));
    json_object_set_new(o, "reference", g->ref_everywhere ? yesno_figures(&g->ref) : json_null());
    json_array_append_new(g->out, o);
    g->own = g->ref = (struct yesno_counts){0};
    g->ref_everywhere = true;
}

/* One turn into g: expected "yes"/"no"/true/false; vlmeter's reading is the
 * scorer's detail, the reference's its ref_detail (unknown counts as no). */
static void yesno_add(struct yesno_group *g, const struct store_scored_turn *t) {
    const char *pred = t->detail ? t->detail : "";
    const char *exp = t->expected ? t->expected : "";
    bool want_yes = strstr(exp, "yes") || strstr(exp, "Yes") || strstr(exp, "true");
    yesno_count(&g->own, want_yes, strncmp(pred, "yes", 3) == 0, strncmp(pred, "no", 2) == 0, t->correct);
    const char *rp = t->ref_detail ? t->ref_detail : "";
    g->ref_everywhere &= t->has_ref;
    yesno_count(&g->ref, want_yes, strcmp(rp, "yes") == 0, strcmp(rp, "no") == 0, t->has_ref && t->ref_correct);
}

/* The rows of one model x category, and of the model over every category. */
struct yesno_state {
    struct yesno_group cat, all;
    int n_categories; /* categories of the current model flushed so far */
};

/* The model's row over every category, when it had two or more. */
static void yesno_all_flush(struct yesno_state *st) {
    if (st->n_categories > 1) yesno_flush(&st->all);
    st->all.own = st->all.ref = (struct yesno_counts){0};
    st->all.ref_everywhere = true;
    st->n_categories = 0;
}

static int yesno_turn(const struct store_scored_turn *t, void *user) {
    struct yesno_state *st = user;
    bool new_model = st->cat.own.n && strcmp(st->cat.model, t->model) != 0;
    if (new_model || (st->cat.own.n && strcmp(st->cat.cat, t->category) != 0)) {
        yesno_flush(&st->cat);
        st->n_categories++;
    }
    if (new_model) yesno_all_flush(st);
    snprintf(st->cat.model, sizeof st->cat.model, "%s", t->model);
    snprintf(st->cat.cat, sizeof st->cat.cat, "%s", t->category);
    snprintf(st->all.model, sizeof st->all.model, "%s", t->model);
    yesno_add(&st->cat, t);
    yesno_add(&st->all, t);
    return VLM_OK;
}

/* Yes/no figures per model x category, then per model over every category. */
static json_t *build_yesno(vlm_store *s) {
    json_t *out = json_array();
    struct yesno_state st = {.cat = {.out = out, .ref_everywhere = true},
                             .all = {.out = out, .all = true, .ref_everywhere = true}};
    int rc = store_report_yesno(s, yesno_turn, &st);
    if (rc == VLM_OK && st.cat.own.n) {
        yesno_flush(&st.cat);
        st.n_categories++;
        yesno_all_flush(&st);
    }
    return collect(out, rc);
}

/* Caption turns of one model x category, gathered turn by turn. */
struct caption_group {
    json_t *out;
    char model[256], cat[256];
    vlm_caption_set *set;
    double cider;
    int n_cider;
};

static void caption_flush(struct caption_group *g) {
    if (!g->set) return;
    json_array_append_new(g->out, json_pack("{s:s, s:s, s:i, s:f, s:o}", "model", g->model, "category", g->cat, "n",
                                            vlm_caption_set_size(g->set), "bleu4", vlm_caption_bleu4(g->set), "cider_d",
                                            g->n_cider ? json_real(g->cider / g->n_cider) : json_null()));
    vlm_caption_set_free(g->set);
    g->set = NULL;
    g->cider = g->n_cider = 0;
}

static int caption_turn(const struct store_scored_turn *t, void *user) {
    struct caption_group *g = user;
    if (g->set && (strcmp(g->model, t->model) || strcmp(g->cat, t->category))) caption_flush(g);
    snprintf(g->model, sizeof g->model, "%s", t->model);
    snprintf(g->cat, sizeof g->cat, "%s", t->category);
    if (!g->set) g->set = vlm_caption_set_new();
    if (!strcmp(t->scorer, "cider")) {
        g->cider += t->score;
        g->n_cider++;
    }
    char **refs = NULL;
    int n_refs = grade_caption_refs(t->expected ? t->expected : "null", &refs);
    vlm_caption_set_add(g->set, t->output ? t->output : "", (const char *const *)refs, n_refs);
    for (int i = 0; i < n_refs; i++) free(refs[i]);
    free(refs);
    return VLM_OK;
}

/* Corpus BLEU-4 and mean CIDEr-D per model x category, for caption turns. */
static json_t *build_captions(vlm_store *s) {
    struct caption_group g = {.out = json_array()};
    int rc = store_report_captions(s, caption_turn, &g);
    if (rc == VLM_OK) caption_flush(&g);
    vlm_caption_set_free(g.set);
    return collect(g.out, rc);
}

static int by_turn_row(const struct store_turn_credit *t, void *user) {
    json_t *o = json_pack("{s:s, s:i}", "model", t->model, "turn", t->turn);
    set_accuracy(o, t->c.n, t->c.credit);
    json_array_append_new(user, o);
    return VLM_OK;
}

static json_t *build_by_turn(vlm_store *s) {
    json_t *a = json_array();
    return collect(a, store_report_by_turn(s, by_turn_row, a));
}

static int pair_row(const struct store_pair_row *p, void *user) {
    json_array_append_new(user, json_pack("{s:s, s:s, s:i, s:i, s:i, s:f}", "a", p->a, "b", p->b, "n_shared",
                                          p->n_shared, "a_only", p->a_only, "b_only", p->b_only, "p_value",
                                          vlm_mcnemar_exact(p->a_only, p->b_only)));
    return VLM_OK;
}

static json_t *build_pairs(vlm_store *s) {
    json_t *a = json_array();
    return collect(a, store_report_pairs(s, pair_row, a));
}

/* ------------------------------------------------------------ benchmark aggregates */

/* MME's two totals: the sum of the scores of these categories (as VLMEvalKit's
 * MME_rating names them). */
static const char *const MME_PERCEPTION[] = {"OCR",      "artwork",  "celebrity", "color", "count", "existence",
                                             "landmark", "position", "posters",   "scene", NULL};
static const char *const MME_REASONING[] = {"code_reasoning", "commonsense_reasoning", "numerical_calculation",
                                            "text_translation", NULL};

#define METRIC_ACC_PLUS "acc+ (every question of an image right)"
#define METRIC_MME      "MME score"

/* The groups of one model x suite x category x kind, counted. */
struct agg {
    json_t *out;
    char key[1100]; /* model, suite, category and kind of the groups counted */
    char model[256], suite[256], category[256], kind[256];
    bool all; /* the category is every category */
    int n_groups, n_right, n_ref_right, n_turns;
    double credit, ref_credit;
    bool ref_everywhere; /* every turn has a reference reading */
};

static void agg_row(struct agg *g, const char *metric, const char *unit, double value, bool has_ref, double ref) {
    json_array_append_new(g->out, json_pack("{s:s, s:s, s:o, s:s, s:i, s:f, s:s, s:o}", "model", g->model, "suite",
                                            g->suite, "category", g->all ? json_null() : json_string(g->category),
                                            "metric", metric, "n_groups", g->n_groups, "value", value, "unit", unit,
                                            "reference", has_ref ? json_real(ref) : json_null()));
}

/* The rows of the groups counted so far (docs/report-schema.md, "aggregates"). */
static void agg_flush(struct agg *g) {
    if (g->n_groups == 0) return;
    double share = (double)g->n_right / g->n_groups, ref_share = (double)g->n_ref_right / g->n_groups;
    bool r = g->ref_everywhere;
    if (strcmp(g->kind, "circular") == 0) {
        agg_row(g, "circular accuracy", "share", share, r, ref_share);
    } else if (strcmp(g->kind, "figure") == 0) {
        agg_row(g, "figure accuracy (fAcc)", "share", share, r, ref_share);
    } else if (strcmp(g->kind, "question") == 0) {
        agg_row(g, "question accuracy (qAcc)", "share", share, r, ref_share);
    } else if (strcmp(g->kind, "image") == 0) {
        agg_row(g, METRIC_ACC_PLUS, "share", share, r, ref_share);
        if (!g->all)
            agg_row(g, METRIC_MME, "points", 100 * (g->credit / g->n_turns + share), r,
                    100 * (g->ref_credit / g->n_turns + ref_share));
    } else {
        char metric[300];
        snprintf(metric, sizeof metric, "all right per %s", g->kind);
        agg_row(g, metric, "share", share, r, ref_share);
    }
    g->n_groups = g->n_right = g->n_ref_right = g->n_turns = 0;
    g->credit = g->ref_credit = 0;
}

static int agg_group(const struct store_group_row *row, void *user) {
    struct agg *g = user;
    char key[1100];
    snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%s\x1f%d", row->model, row->suite, row->category ? row->category : "",
             row->kind, row->category != NULL);
    if (strcmp(key, g->key) != 0) {
        agg_flush(g);
        snprintf(g->key, sizeof g->key, "%s", key);
        snprintf(g->model, sizeof g->model, "%s", row->model);
        snprintf(g->suite, sizeof g->suite, "%s", row->suite);
        snprintf(g->category, sizeof g->category, "%s", row->category ? row->category : "");
        snprintf(g->kind, sizeof g->kind, "%s", row->kind);
        g->all = row->category == NULL;
        g->ref_everywhere = true;
    }
    g->n_groups++;
    g->n_right += row->right;
    g->n_ref_right += row->has_ref && row->ref_right;
    g->n_turns += row->n_turns;
    g->credit += row->credit;
    g->ref_credit += row->ref_credit;
    g->ref_everywhere &= row->has_ref;
    return VLM_OK;
}

/* Whether row r is the MME score of category `names[k]` for model x suite of `of`. */
static bool mme_score_of(const json_t *r, const json_t *of, const char *const *names) {
    const char *cat = jpath_str(r, "category");
    if (!cat || strcmp(jpath_str(r, "metric"), METRIC_MME) != 0 ||
        strcmp(jpath_str(r, "model"), jpath_str(of, "model")) != 0 ||
        strcmp(jpath_str(r, "suite"), jpath_str(of, "suite")) != 0)
        return false;
    for (int k = 0; names[k]; k++)
        if (strcmp(names[k], cat) == 0) return true;
    return false;
}

/* MME's perception and reasoning totals of each model x suite with MME scores
 * by category: the sum over the categories present, after its all-categories
 * acc+ row. */
static void mme_totals(json_t *rows) {
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        if (strcmp(jpath_str(r, "metric"), METRIC_ACC_PLUS) != 0 || !json_is_null(json_object_get(r, "category")))
            continue;
        for (int t = 0; t < 2; t++) {
            const char *const *names = t ? MME_REASONING : MME_PERCEPTION;
            double sum = 0, ref_sum = 0, v;
            int found = 0;
            bool ref_ok = true;
            size_t j;
            json_t *c;
            json_array_foreach(rows, j, c) {
                if (!mme_score_of(c, r, names) || !jpath_num(c, "value", &v)) continue;
                sum += v;
                found++;
                ref_ok = ref_ok && jpath_num(c, "reference", &v);
                if (ref_ok) ref_sum += v;
            }
            if (!found) continue;
            json_array_insert_new(
                rows, ++i,
                json_pack("{s:O, s:O, s:n, s:s, s:i, s:f, s:s, s:o}", "model", json_object_get(r, "model"), "suite",
                          json_object_get(r, "suite"), "category", "metric",
                          t ? "MME reasoning (sum of categories)" : "MME perception (sum of categories)", "n_groups",
                          found, "value", sum, "unit", "points", "reference",
                          ref_ok ? json_real(ref_sum) : json_null()));
        }
    }
}

/* The benchmarks' own aggregates over the cases' groups: every category, then
 * each category. */
static json_t *build_aggregates(vlm_store *s) {
    struct agg g = {.out = json_array()};
    int rc = store_report_groups(s, false, agg_group, &g);
    if (rc == VLM_OK) rc = store_report_groups(s, true, agg_group, &g);
    agg_flush(&g);
    if (rc == VLM_OK) mme_totals(g.out);
    return collect(g.out, rc);
}

/* ------------------------------------------------------------ answers */

/* The "cases" array being built: the row of the current suite x case x turn. */
struct cases_out {
    json_t *a, *row;
};

static int answer_row(const struct store_answer_row *r, void *user) {
    struct cases_out *c = user;
    json_t *row = c->row;
    if (!row || strcmp(json_string_value(json_object_get(row, "suite")), r->suite) ||
        strcmp(json_string_value(json_object_get(row, "case")), r->case_id) ||
        json_integer_value(json_object_get(row, "turn")) != r->turn) {
        row = json_pack("{s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o}", "suite", r->suite, "case", r->case_id,
                        "category", json_text(r->category), "turn", r->turn, "prompt", json_text(r->prompt), "expected",
                        json_decoded(r->expected), "scorer", json_text(r->scorer), "images",
                        r->turn == 0 ? json_decoded(r->images) : json_array(), "answers", json_object());
        json_array_append_new(c->a, row);
        c->row = row;
    }
    json_object_set_new(json_object_get(row, "answers"), r->model,
                        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:f}", "output", json_text(r->output), "error",
                                  json_text(r->error), "score", r->scored ? json_real(r->score) : json_null(),
                                  "correct", r->scored ? json_boolean(r->correct) : json_null(), "unparsed",
                                  r->scored ? json_boolean(r->unparsed) : json_null(), "detail", json_text(r->detail),
                                  "e2e_ms", r->e2e_ms));
    if (r->has_ref)
        json_object_set_new(json_object_get(json_object_get(row, "answers"), r->model), "reference",
                            json_pack("{s:f, s:b, s:o}", "score", r->ref_score, "correct", r->ref_correct, "detail",
                                      json_text(r->ref_detail)));
    return VLM_OK;
}

/* Every stored turn with every model's answer beside it. */
static json_t *build_cases(vlm_store *s) {
    struct cases_out c = {json_array(), NULL};
    return collect(c.a, store_report_answers(s, answer_row, &c));
}

/* ------------------------------------------------------------ document */

/* A section dumped by the store as it is. */
static json_t *dump(vlm_store *s, int (*section)(vlm_store *s, json_t **out)) {
    json_t *a = NULL;
    return section(s, &a) == VLM_OK ? a : NULL;
}

json_t *report_build(vlm_store *s, const char *db_path, char *err, size_t err_len) {
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *r = json_object();
    json_object_set_new(r, "schema", json_string("vlmeter-report/1"));
    json_object_set_new(r, "generated_at", json_string(when));
    json_object_set_new(r, "db", json_string(db_path));
    bool ok = put(r, "runs", dump(s, store_report_runs));
    json_t *models = ok ? build_models(s) : NULL;
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m) json_object_del(m, "id");
    ok = ok && put(r, "models", models) && put(r, "categories", dump(s, store_report_categories)) &&
         build_quality(s, r) && report_add_not_applicable(s, r) == VLM_OK && put(r, "yesno", build_yesno(s)) &&
         put(r, "captions", build_captions(s)) && put(r, "by_turn", build_by_turn(s)) &&
         put(r, "pairs", build_pairs(s)) && put(r, "aggregates", build_aggregates(s)) &&
         put(r, "families", report_families(s, r)) && put(r, "cases", build_cases(s)) &&
         put(r, "bench", dump(s, store_report_bench));
    ok = ok && put(r, "bench_capacity", dump(s, store_report_bench_capacity)); /* report_bench.c: */
    if (ok) report_bench_accuracy(json_object_get(r, "bench"));                /* accuracy under load */
    ok = ok && put(r, "context_kept", report_context_section(s, json_object_get(r, "by_turn")));
    ok = ok && put(r, "grounding", report_grounding(s));  /* report_ground.c */
    ok = ok && put(r, "generation", report_gen_build(s)); /* generate cases (report_gen.c) */
    ok = ok && put(r, "server_metrics", report_server_metrics(s)) && report_add_model_hosts(s, r) == VLM_OK;
    ok = ok && put(r, "dials", report_dials(s));   /* budgets and prompt variants (report_dials.c) */
    ok = ok && report_add_gpu(s, r) == VLM_OK;     /* GPU (NVML) figures when sampled (report_gpu.c) */
    ok = ok && put(r, "decide", report_decide(s)); /* run --decide's verdicts (report_decide.c) */
    ok = ok && put(r, "review", report_review(s)) && put(r, "preferences", report_preferences(s)); /* report_review.c */
    /* sampling settings: the spread of accuracy over seeds (report_sampling.c) */
    ok = ok && put(r, "sampling", report_sampling(s));
    if (!ok) {
        util_errf(err, err_len, "reading '%s': %s", db_path, store_error(s));
        json_decref(r);
        return NULL;
    }
    return r;
}

/* The catalog (shipped, then the plan's `catalog:`, then catalog_csv) and the
 * requirements; VLM_OK, or the first error. */
static int load_pricing(vlm_catalog *cat, struct vlm_requirements *req, const char *plan_yaml, const char *catalog_csv,
                        char *err, size_t err_len) {
    char plan_catalog[4096] = "";
    vlm_requirements_default(req);
    int rc = vlm_catalog_load_default(cat, NULL, err, err_len);
    if (rc == VLM_OK && plan_yaml)
        rc = vlm_requirements_load(plan_yaml, req, plan_catalog, sizeof plan_catalog, err, err_len);
    if (rc == VLM_OK && plan_catalog[0]) rc = vlm_catalog_load_csv(cat, plan_catalog, err, err_len);
    if (rc == VLM_OK && catalog_csv) rc = vlm_catalog_load_csv(cat, catalog_csv, err, err_len);
    return rc;
}

int vlm_report(const char *db_path, enum vlm_report_format format, FILE *out, char *err, size_t err_len) {
    return vlm_report_cost(db_path, format, out, NULL, NULL, err, err_len);
}

int vlm_report_cost(const char *db_path, enum vlm_report_format format, FILE *out, const char *plan_yaml,
                    const char *catalog_csv, char *err, size_t err_len) {
    vlm_catalog *cat = vlm_catalog_new();
    struct vlm_requirements req;
    if (load_pricing(cat, &req, plan_yaml, catalog_csv, err, err_len) != VLM_OK) {
        vlm_catalog_free(cat);
        return VLM_ERR_INPUT;
    }
    vlm_store *s = vlm_store_open(db_path, err, err_len);
    json_t *r = s ? report_build(s, db_path, err, err_len) : NULL;
    vlm_store_close(s);
    if (r) report_add_cost(r, cat, &req);
    if (r) report_add_electricity(r, cat, &req); /* owned GPUs' measured energy (report_gpu.c) */
    if (r) report_dials_finish(r, &req);         /* cost per 1k and the smallest budget (report_dials.c) */
    if (r) report_decide_finish(r);              /* GPU time and cost saved (report_decide.c) */
    vlm_catalog_free(cat);
    if (!r) return VLM_ERR_IO;
    int rc;
    switch (format) {
    case VLM_REPORT_JSON:
        rc = json_dumpf(r, out, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) == 0 && fputc('\n', out) != EOF ? VLM_OK
                                                                                                         : VLM_ERR_IO;
        break;
    case VLM_REPORT_MD: rc = report_write_md(r, out); break;
    case VLM_REPORT_CSV: rc = report_write_csv(r, out); break;
    case VLM_REPORT_HTML: rc = report_write_html(r, out); break;
    default: rc = report_write_table(r, out); break;
    }
    json_decref(r);
    if (rc != VLM_OK) util_errf(err, err_len, "could not write the report");
    return rc;
}
