/*
 * report_dials.c - the report's "dials" section (docs/metrics.md "Dials",
 * docs/report-schema.md "dials"): models whose stored settings differ only in
 * the image budget (image_min_tokens, image_max_tokens, max_pixels, max_side)
 * and the prompt dials (system, prompt_suffix) form a group; per member and
 * category, accuracy with its Wilson interval, image tokens and encode ms per
 * image, TTFT p50 and cost per 1k requests against the budget; the smallest
 * budget whose accuracy stays within max_accuracy_loss of the largest in every
 * required category, with what it saves; and each prompt variant against the
 * plain prompt at the same budget (exact McNemar test). Also the HTML chart of
 * accuracy and image tokens against the budget.
 */
#include "jpath.h"
#include "report.h"
#include "report_table.h"
#include "store_dials.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The settings keys that are dials: members of a group differ only in these. */
static const char *const DIAL_KEYS[] = {"image_min_tokens", "image_max_tokens", "max_pixels",
                                        "max_side",         "system",           "prompt_suffix"};
#define N_DIAL_KEYS (int)(sizeof DIAL_KEYS / sizeof DIAL_KEYS[0])

/* The budget keys, in the order one is taken as a group's budget. */
static const char *const BUDGET_KEYS[] = {"image_max_tokens", "max_pixels", "max_side"};

/* A significance level for the paired tests' flags. */
#define DIALS_ALPHA 0.05

/* ------------------------------------------------------------ figures */

/* One member x category (cat NULL: every category, "all"). */
struct dial_fig {
    char *cat;
    int n;         /* scored turns */
    double credit; /* their credit */
    double tokens; /* image tokens of image turns */
    int images;    /* images of those turns */
    bool derived;  /* some turn's tokens came from a server's usage */
    double enc_ms; /* image_encode_ms of image turns */
    int encoded;   /* images encoded (not from the cache) */
    double *ttft;  /* answered turns */
    int n_ttft, cap_ttft;
    /* against the reference (vs_largest) or the plain prompt (vs_plain): shared turns */
    int shared, lost, gained;
};

struct dial_member {
    int64_t id;
    char *name;
    json_t *settings;
    double budget; /* INFINITY: unset, the projector's own ("native") */
    char *prompt;  /* "plain", or what the system / prompt_suffix settings are */
    bool plain;
    struct dial_fig *f; /* f[0]: all */
    int n_f, cap_f;
};

static struct dial_fig *fig_of(struct dial_member *m, const char *cat) {
    for (int i = 0; i < m->n_f; i++)
        if ((!cat && !m->f[i].cat) || (cat && m->f[i].cat && !strcmp(cat, m->f[i].cat))) return &m->f[i];
    util_grow((void **)&m->f, &m->cap_f, m->n_f + 1, sizeof *m->f);
    struct dial_fig *f = &m->f[m->n_f++];
    memset(f, 0, sizeof *f);
    f->cat = cat ? xstrdup(cat) : NULL;
    return f;
}

static void fig_add(struct dial_fig *f, const struct store_dials_turn *t) {
    if (t->scored) {
        f->n++;
        f->credit += t->credit;
    }
    if (!t->answered) return;
    util_grow((void **)&f->ttft, &f->cap_ttft, f->n_ttft + 1, sizeof *f->ttft);
    f->ttft[f->n_ttft++] = t->ttft_ms;
    if (t->n_image_tokens <= 0 || t->n_images <= 0) return;
    f->tokens += t->n_image_tokens;
    f->images += t->n_images;
    f->derived |= t->derived;
    int encoded = t->n_images - t->n_images_cached;
    if (encoded > 0 && t->image_encode_ms > 0) {
        f->enc_ms += t->image_encode_ms;
        f->encoded += encoded;
    }
}

/* Call fn(fig, user) for the "all" figure and each category of a turn. */
static void each_category(struct dial_member *m, const char *categories, void (*fn)(struct dial_fig *, const void *),
                          const void *arg) {
    fn(fig_of(m, NULL), arg);
    json_t *a = categories ? json_loads(categories, 0, NULL) : NULL;
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) if (json_is_string(c)) fn(fig_of(m, json_string_value(c)), arg);
    json_decref(a);
}

static void turn_into(struct dial_fig *f, const void *t) { fig_add(f, t); }

static int member_turn(const struct store_dials_turn *t, void *user) {
    each_category(user, t->categories, turn_into, t);
    return VLM_OK;
}

static void pair_into(struct dial_fig *f, const void *arg) {
    const struct store_dials_pair *p = arg; /* a: the member, b: the one it is compared with */
    f->shared++;
    f->lost += !p->a_correct && p->b_correct;
    f->gained += p->a_correct && !p->b_correct;
}

static int member_pair(const struct store_dials_pair *p, void *user) {
    each_category(user, p->categories, pair_into, p);
    return VLM_OK;
}

static void member_free(struct dial_member *m) {
    for (int i = 0; i < m->n_f; i++) {
        free(m->f[i].cat);
        free(m->f[i].ttft);
    }
    free(m->f);
    free(m->name);
    free(m->prompt);
    json_decref(m->settings);
}

/* ------------------------------------------------------------ groups */

/* The settings less the dial keys, as canonical text: members of one group share it. */
static char *group_key(const json_t *settings) { return jpath_keys_text(settings, DIAL_KEYS, N_DIAL_KEYS, false); }

/* The dial keys' values as canonical text: two members with the same are not two settings. */
static char *dials_key(const json_t *settings) { return jpath_keys_text(settings, DIAL_KEYS, N_DIAL_KEYS, true); }

/* Every model read from the store, and its group key. */
struct all_models {
    struct dial_member *m;
    char **key;
    int n, cap, cap_key;
};

static int model_row(const struct store_dials_model *r, void *user) {
    struct all_models *a = user;
    json_t *settings = r->settings ? json_loads(r->settings, 0, NULL) : NULL;
    if (!json_is_object(settings)) { /* not a settings object: in no group */
        json_decref(settings);
        return VLM_OK;
    }
    util_grow((void **)&a->m, &a->cap, a->n + 1, sizeof *a->m);
    util_grow((void **)&a->key, &a->cap_key, a->n + 1, sizeof *a->key);
    a->m[a->n] = (struct dial_member){.id = r->id, .name = xstrdup(r->name), .settings = settings};
    a->key[a->n++] = group_key(settings);
    return VLM_OK;
}

/* The group's budget key: the first of BUDGET_KEYS some member sets; NULL: none. */
static const char *budget_key_of(struct dial_member *const *m, int n) {
    for (size_t k = 0; k < sizeof BUDGET_KEYS / sizeof BUDGET_KEYS[0]; k++)
        for (int i = 0; i < n; i++)
            if (json_object_get(m[i]->settings, BUDGET_KEYS[k])) return BUDGET_KEYS[k];
    return NULL;
}

static void set_prompt(struct dial_member *m) {
    const char *sys = json_string_value(json_object_get(m->settings, "system"));
    const char *suf = json_string_value(json_object_get(m->settings, "prompt_suffix"));
    m->plain = !sys && !suf;
    if (m->plain) m->prompt = xstrdup("plain");
    else if (sys && suf) m->prompt = xasprintf("system \"%s\" + suffix \"%s\"", sys, suf);
    else if (sys) m->prompt = xasprintf("system \"%s\"", sys);
    else m->prompt = xasprintf("suffix \"%s\"", suf);
}

/* Budget ascending (native last), the plain prompt first, then by name. */
static int cmp_member(const void *pa, const void *pb) {
    const struct dial_member *a = *(struct dial_member *const *)pa, *b = *(struct dial_member *const *)pb;
    if (a->budget != b->budget) return a->budget < b->budget ? -1 : 1;
    if (a->plain != b->plain) return a->plain ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_fig(const void *pa, const void *pb) {
    const struct dial_fig *a = pa, *b = pb;
    if (!a->cat || !b->cat) return a->cat ? 1 : b->cat ? -1 : 0;
    return strcmp(a->cat, b->cat);
}

/* "512", or "native" for an unset budget. */
static json_t *budget_json(double b) { return isfinite(b) ? json_real(b) : json_null(); }
static char *budget_label(double b) { return isfinite(b) ? xasprintf("%.0f", b) : xstrdup("native"); }

static json_t *num_or_null(bool have, double v) { return have ? json_real(v) : json_null(); }

/* {n_shared, lost, gained, diff, p_value}, or null when nothing is shared. */
static json_t *paired_json(const struct dial_fig *f) {
    if (f->shared <= 0) return json_null();
    return json_pack("{s:i, s:i, s:i, s:f, s:f}", "n_shared", f->shared, "lost", f->lost, "gained", f->gained, "diff",
                     (double)(f->gained - f->lost) / f->shared, "p_value", vlm_mcnemar_exact(f->lost, f->gained));
}

/* One table row: member m x figure f. */
static json_t *row_json(const struct dial_member *m, struct dial_fig *f, const char *budget_key, bool compared) {
    double lo, hi;
    vlm_wilson95(f->credit, f->n, &lo, &hi);
    char *label = budget_label(m->budget);
    json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:o, s:i, s:f}", "model", m->name, "budget", budget_json(m->budget),
                          "budget_label", label, "prompt", m->prompt, "category",
                          f->cat ? json_string(f->cat) : json_null(), "n", f->n, "credit", f->credit);
    free(label);
    json_object_set_new(o, "budget_key", budget_key ? json_string(budget_key) : json_null());
    json_object_set_new(o, "accuracy", num_or_null(f->n > 0, f->n ? f->credit / f->n : 0));
    json_object_set_new(o, "ci_low", num_or_null(f->n > 0, lo));
    json_object_set_new(o, "ci_high", num_or_null(f->n > 0, hi));
    json_object_set_new(o, "image_tokens_per_image", num_or_null(f->images > 0, f->images ? f->tokens / f->images : 0));
    json_object_set_new(o, "image_tokens_derived", json_boolean(f->derived));
    json_object_set_new(o, "encode_ms_per_image", num_or_null(f->encoded > 0, f->encoded ? f->enc_ms / f->encoded : 0));
    double p50 = 0;
    if (f->n_ttft) {
        qsort(f->ttft, (size_t)f->n_ttft, sizeof *f->ttft, cmp_double);
        p50 = vlm_percentile(f->ttft, f->n_ttft, 0.5);
    }
    json_object_set_new(o, "ttft_ms_p50", num_or_null(f->n_ttft > 0, p50));
    json_object_set_new(o, "vs_largest", compared ? paired_json(f) : json_null());
    json_object_set_new(o, "cost_per_1k", json_null()); /* report_dials_finish */
    return o;
}

/* Clear every figure's paired counts. */
static void clear_pairs(struct dial_member *m) {
    for (int i = 0; i < m->n_f; i++) m->f[i].shared = m->f[i].lost = m->f[i].gained = 0;
}

/* The name a group goes by: its reference's, up to a sweep's '@'. */
static char *group_name(const char *ref) {
    const char *at = strchr(ref, '@');
    return at && at > ref ? xasprintf("%.*s", (int)(at - ref), ref) : xstrdup(ref);
}

/* Build one group's object from its members (sorted), reading their turns and pairs. */
static int group_json(vlm_store *s, struct dial_member **m, int n, json_t **out) {
    const char *bkey = budget_key_of(m, n);
    for (int i = 0; i < n; i++) {
        json_t *b = bkey ? json_object_get(m[i]->settings, bkey) : NULL;
        m[i]->budget = json_is_number(b) && json_number_value(b) > 0 ? json_number_value(b) : INFINITY;
        set_prompt(m[i]);
        if (store_dials_turns(s, m[i]->id, member_turn, m[i]) != VLM_OK) return VLM_ERR_IO;
        qsort(m[i]->f, (size_t)m[i]->n_f, sizeof *m[i]->f, cmp_fig);
    }
    qsort(m, (size_t)n, sizeof *m, cmp_member);
    /* the ladder: members with the reference's prompt (the plain one when any is plain) */
    bool any_plain = false;
    for (int i = 0; i < n; i++) any_plain |= m[i]->plain;
    const char *ref_prompt = any_plain ? "plain" : m[n - 1]->prompt;
    struct dial_member *ref = NULL;
    for (int i = 0; i < n; i++)
        if (!strcmp(m[i]->prompt, ref_prompt)) ref = m[i]; /* the last: the largest budget */
    json_t *g = json_object(), *members = json_array(), *rows = json_array(), *variants = json_array();
    char *name = group_name(ref->name);
    json_object_set_new(g, "name", json_string(name));
    free(name);
    json_object_set_new(g, "budget_key", bkey ? json_string(bkey) : json_null());
    json_object_set_new(g, "reference", json_string(ref->name));
    /* members, and each ladder member against the reference */
    for (int i = 0; i < n; i++) {
        bool ladder = !strcmp(m[i]->prompt, ref_prompt);
        char *label = budget_label(m[i]->budget);
        json_array_append_new(members, json_pack("{s:s, s:o, s:s, s:s, s:b}", "model", m[i]->name, "budget",
                                                 budget_json(m[i]->budget), "budget_label", label, "prompt",
                                                 m[i]->prompt, "ladder", ladder));
        free(label);
        clear_pairs(m[i]);
        if (ladder && m[i] != ref && store_dials_pairs(s, m[i]->id, ref->id, member_pair, m[i]) != VLM_OK)
            return json_decref(g), json_decref(members), json_decref(rows), json_decref(variants), VLM_ERR_IO;
    }
    /* rows: every category (all first), budgets ascending within it */
    for (int k = 0; k < ref->n_f; k++)
        for (int i = 0; i < n; i++) {
            bool ladder = !strcmp(m[i]->prompt, ref_prompt);
            json_array_append_new(rows, row_json(m[i], fig_of(m[i], ref->f[k].cat), bkey, ladder && m[i] != ref));
        }
    for (int i = 0; i < n; i++) /* categories the reference never met */
        for (int k = 0; k < m[i]->n_f; k++) {
            bool in_ref = false;
            for (int j = 0; j < ref->n_f && !in_ref; j++)
                in_ref = ref->f[j].cat && m[i]->f[k].cat && !strcmp(ref->f[j].cat, m[i]->f[k].cat);
            if (!in_ref && m[i]->f[k].cat)
                json_array_append_new(rows, row_json(m[i], &m[i]->f[k], bkey, !strcmp(m[i]->prompt, ref_prompt)));
        }
    /* prompt variants against the plain prompt at the same budget */
    for (int i = 0; i < n; i++) {
        if (m[i]->plain) continue;
        struct dial_member *plain = NULL;
        for (int j = 0; j < n && !plain; j++)
            if (m[j]->plain && m[j]->budget == m[i]->budget) plain = m[j];
        if (!plain) continue;
        clear_pairs(m[i]);
        if (store_dials_pairs(s, m[i]->id, plain->id, member_pair, m[i]) != VLM_OK)
            return json_decref(g), json_decref(members), json_decref(rows), json_decref(variants), VLM_ERR_IO;
        for (int k = 0; k < m[i]->n_f; k++) {
            const struct dial_fig *f = &m[i]->f[k];
            if (f->shared <= 0) continue;
            char *label = budget_label(m[i]->budget);
            json_array_append_new(
                variants, json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:f, s:f}", "model", m[i]->name, "plain",
                                    plain->name, "budget_label", label, "prompt", m[i]->prompt, "category",
                                    f->cat ? json_string(f->cat) : json_null(), "n_shared", f->shared, "variant_only",
                                    f->gained, "plain_only", f->lost, "diff", (double)(f->gained - f->lost) / f->shared,
                                    "p_value", vlm_mcnemar_exact(f->lost, f->gained)));
            free(label);
        }
    }
    json_object_set_new(g, "members", members);
    json_object_set_new(g, "rows", rows);
    json_object_set_new(g, "prompt_variants", variants);
    json_object_set_new(g, "smallest_budget", json_null()); /* report_dials_finish */
    *out = g;
    return VLM_OK;
}

json_t *report_dials(vlm_store *s) {
    struct all_models a = {0};
    json_t *out = json_array();
    int rc = store_dials_models(s, model_row, &a);
    bool *done = xcalloc((size_t)a.n + 1, sizeof *done);
    struct dial_member **grp = xcalloc((size_t)a.n + 1, sizeof *grp);
    for (int i = 0; rc == VLM_OK && i < a.n; i++) {
        if (done[i]) continue;
        int n = 0;
        char *first = dials_key(a.m[i].settings);
        bool differ = false;
        for (int j = i; j < a.n; j++) {
            if (done[j] || strcmp(a.key[i], a.key[j])) continue;
            done[j] = true;
            grp[n++] = &a.m[j];
            char *dk = dials_key(a.m[j].settings);
            differ |= strcmp(dk, first) != 0;
            free(dk);
        }
        free(first);
        json_t *g = NULL;
        if (n > 1 && differ) rc = group_json(s, grp, n, &g);
        if (g) json_array_append_new(out, g);
    }
    for (int i = 0; i < a.n; i++) {
        member_free(&a.m[i]);
        free(a.key[i]);
    }
    free(a.m);
    free(a.key);
    free(done);
    free(grp);
    if (rc == VLM_OK) return out;
    json_decref(out);
    return NULL;
}

/* ------------------------------------------------------------ cost and the smallest budget */


/* The group's row of `model` x category (NULL: all); NULL when none. */
static json_t *row_for(const json_t *g, const char *model, const char *cat) {
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(g, "rows"), i, r) {
        const char *m = jpath_str(r, "model"), *c = jpath_str(r, "category");
        if (m && !strcmp(m, model) && ((!cat && !c) || (cat && c && !strcmp(cat, c)))) return r;
    }
    return NULL;
}

/* The categories to hold: the requirements' (min_accuracy keys; "all" is the
 * overall row), else every category of the reference and all. */
static json_t *held_categories(const json_t *g, const struct vlm_requirements *r, bool *named) {
    json_t *cats = json_array();
    *named = r->n_acc > 0;
    for (int k = 0; k < r->n_acc; k++)
        json_array_append_new(cats, strcmp(r->acc_cat[k], "all") ? json_string(r->acc_cat[k]) : json_null());
    if (*named) return cats;
    size_t i;
    json_t *row;
    const char *ref = jpath_str(g, "reference");
    json_array_foreach(json_object_get(g, "rows"), i, row) if (!strcmp(jpath_str(row, "model"), ref))
        json_array_append(cats, json_object_get(row, "category"));
    return cats;
}

static const char *cat_name(const json_t *c) { return json_is_string(c) ? json_string_value(c) : "all"; }

/* Whether `model` holds every category within `loss` of the reference; the
 * categories that fail go into `failing`. Point estimates: accuracy >=
 * the reference's - loss. A category the member has no accuracy in fails. */
static bool holds(const json_t *g, const char *model, const json_t *cats, double loss, json_t *failing) {
    size_t i;
    const json_t *c;
    bool ok = true;
    const char *ref = jpath_str(g, "reference");
    json_array_foreach(cats, i, c) {
        double a, b;
        const char *cat = json_string_value(c);
        if (!jpath_num(row_for(g, ref, cat), "accuracy", &b)) continue; /* never: smallest_budget checks first */
        bool have = jpath_num(row_for(g, model, cat), "accuracy", &a);
        if (have && a >= b - loss - 1e-9) continue;
        ok = false;
        json_array_append_new(failing,
                              json_pack("{s:o, s:o, s:f, s:o}", "category", json_copy((json_t *)c), "accuracy",
                                        num_or_null(have, a), "reference", b, "diff", num_or_null(have, a - b)));
    }
    return ok;
}

/* The ratio member / reference of the "all" rows' figure at `key`; null when either is missing or 0. */
static json_t *ratio(const json_t *mine, const json_t *ref, const char *key) {
    double a, b;
    return jpath_num(mine, key, &a) && jpath_num(ref, key, &b) && b > 0 ? json_real(a / b) : json_null();
}

/* ", name ×0.25 (256 vs 1024)" for one saving, when both figures are there. */
static void say_saving(char *line, size_t n, const json_t *mine, const json_t *ref, const char *key, const char *what) {
    double a, b;
    if (!jpath_num(mine, key, &a) || !jpath_num(ref, key, &b) || b <= 0) return;
    size_t k = strlen(line);
    snprintf(line + k, n - k, "%s %s \xC3\x97%.2f (%.4g vs %.4g)", line[k - 1] == ':' ? "" : ",", what, a / b, a, b);
}

/* Each ladder member's "verdict" on its all row: the one chosen, the
 * reference, one that holds, or the categories it misses. */
static void set_verdicts(json_t *g, const json_t *ladder, const char *chosen, const char *ref) {
    size_t i, j;
    const json_t *step, *f;
    json_array_foreach(ladder, i, step) {
        const char *model = jpath_str(step, "model");
        json_t *row = row_for(g, model, NULL);
        char v[512];
        if (!row) continue;
        if (!strcmp(model, chosen))
            snprintf(v, sizeof v, "%s",
                     strcmp(model, ref) ? "smallest within max_accuracy_loss"
                                        : "largest, needed: no smaller budget holds");
        else if (!strcmp(model, ref)) snprintf(v, sizeof v, "largest (reference)");
        else if (json_is_true(json_object_get(step, "holds"))) snprintf(v, sizeof v, "holds");
        else {
            int k = snprintf(v, sizeof v, "misses:");
            json_array_foreach(json_object_get(step, "failing"), j, f) if (k < (int)sizeof v) k += snprintf(
                v + k, sizeof v - (size_t)k, "%s %s", j ? "," : "", cat_name(json_object_get(f, "category")));
        }
        json_object_set_new(row, "verdict", json_string(v));
    }
}

/* The categories of `cats` in which the reference has no accuracy (no scored
 * turn): nothing can be said to hold there. */
static json_t *not_measured(const json_t *g, const json_t *cats) {
    json_t *out = json_array();
    size_t i;
    const json_t *c;
    double b;
    json_array_foreach(cats, i, c) if (!jpath_num(row_for(g, jpath_str(g, "reference"), json_string_value(c)),
                                                  "accuracy", &b)) json_array_append(out, (json_t *)c);
    return out;
}

/* The smallest-budget object when the reference is not measured in every
 * category asked: no budget is named (never "the smallest holds" on nothing). */
static json_t *unmeasured_budget(const json_t *g, const char *bkey, json_t *cats, json_t *unmeasured, bool named) {
    char list[512] = "", line[1024];
    size_t i;
    const json_t *c;
    json_array_foreach(unmeasured, i, c) {
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", cat_name(c));
    }
    snprintf(line, sizeof line,
             "Smallest %s: not measured: the largest budget (%s) has no scored accuracy in %s (%s); run "
             "`vlmeter score`, or name measured categories in min_accuracy.",
             bkey, jpath_str(g, "reference"), list, named ? "named by the requirements" : "every category");
    return json_pack("{s:n, s:s, s:o, s:o, s:s, s:o, s:s}", "model", "reference", jpath_str(g, "reference"),
                     "categories", cats, "not_measured", unmeasured, "categories_from",
                     named ? "requirements" : "every category", "ladder", json_array(), "line", line);
}

/* The smallest-budget object of one group, and its line. */
static json_t *smallest_budget(json_t *g, const struct vlm_requirements *r) {
    const char *ref = jpath_str(g, "reference"), *bkey = jpath_str(g, "budget_key");
    int n_ladder = 0;
    size_t i;
    const json_t *mem;
    json_array_foreach(json_object_get(g, "members"), i, mem) n_ladder += json_is_true(json_object_get(mem, "ladder"));
    if (!bkey || n_ladder < 2) return json_null();
    bool named;
    json_t *cats = held_categories(g, r, &named), *ladder = json_array();
    double loss = r->max_accuracy_loss > 0 ? r->max_accuracy_loss : 0;
    json_t *unmeasured = not_measured(g, cats);
    if (json_array_size(unmeasured) > 0) {
        json_decref(ladder);
        return unmeasured_budget(g, bkey, cats, unmeasured, named);
    }
    json_decref(unmeasured);
    const json_t *chosen = NULL;
    json_array_foreach(json_object_get(g, "members"), i, mem) {
        if (!json_is_true(json_object_get(mem, "ladder"))) continue;
        const char *model = jpath_str(mem, "model");
        json_t *failing = json_array();
        bool ok = !strcmp(model, ref) || holds(g, model, cats, loss, failing);
        json_array_append_new(ladder, json_pack("{s:s, s:O, s:b, s:o}", "model", model, "budget_label",
                                                json_object_get(mem, "budget_label"), "holds", ok, "failing", failing));
        if (ok && !chosen) chosen = mem;
    }
    const char *model = jpath_str(chosen, "model");
    const json_t *mine = row_for(g, model, NULL), *refrow = row_for(g, ref, NULL);
    json_t *sig = json_array();
    const json_t *c;
    json_array_foreach(cats, i, c) { /* drops of the chosen budget significant by McNemar */
        double p, diff;
        const json_t *row = row_for(g, model, json_string_value(c));
        if (jpath_num(row, "vs_largest.p_value", &p) && jpath_num(row, "vs_largest.diff", &diff) && diff < 0 &&
            p < DIALS_ALPHA)
            json_array_append_new(sig, json_copy((json_t *)c));
    }
    json_t *o = json_pack("{s:s, s:O, s:s, s:f, s:O, s:s}", "model", model, "budget_label",
                          json_object_get(chosen, "budget_label"), "reference", ref, "max_accuracy_loss", loss,
                          "categories", cats, "categories_from", named ? "requirements" : "every category");
    json_object_set_new(o, "is_largest", json_boolean(!strcmp(model, ref)));
    json_object_set_new(o, "significant_drops", sig);
    json_object_set_new(
        o, "saves",
        json_pack("{s:o, s:o, s:o, s:o}", "image_tokens_per_image", ratio(mine, refrow, "image_tokens_per_image"),
                  "encode_ms_per_image", ratio(mine, refrow, "encode_ms_per_image"), "ttft_ms_p50",
                  ratio(mine, refrow, "ttft_ms_p50"), "cost_per_1k", ratio(mine, refrow, "cost_per_1k")));
    json_object_set_new(o, "ladder", ladder);
    set_verdicts(g, ladder, model, ref);
    /* the line */
    char list[512] = "", line[2048];
    json_array_foreach(cats, i, c) {
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", cat_name(c));
    }
    const char *ref_label = jpath_str(row_for(g, ref, NULL), "budget_label");
    int k = snprintf(line, sizeof line,
                     "Smallest %s within %.1f points of the largest (%s, %s) in %s (%s; point "
                     "estimates): ",
                     bkey, 100 * loss, ref_label ? ref_label : "?", ref,
                     named ? "every category the requirements name" : "every category, as the requirements name none",
                     list);
    if (!strcmp(model, ref)) {
        snprintf(line + k, sizeof line - (size_t)k, "none smaller; the largest budget is needed.");
    } else {
        snprintf(line + k, sizeof line - (size_t)k, "%s (%s); it saves:", jpath_str(chosen, "budget_label"), model);
        size_t before = strlen(line);
        say_saving(line, sizeof line, mine, refrow, "image_tokens_per_image", "image tokens per image");
        say_saving(line, sizeof line, mine, refrow, "encode_ms_per_image", "encode ms per image");
        say_saving(line, sizeof line, mine, refrow, "ttft_ms_p50", "TTFT p50");
        say_saving(line, sizeof line, mine, refrow, "cost_per_1k", "cost per 1k requests");
        size_t len = strlen(line);
        if (len == before) snprintf(line + len, sizeof line - len, " nothing measured");
        len = strlen(line);
        if (json_array_size(sig)) {
            snprintf(line + len, sizeof line - len, ". Its drop is significant (McNemar p<0.05) in:");
            json_array_foreach(sig, i, c) {
                len = strlen(line);
                snprintf(line + len, sizeof line - len, "%s %s", i ? "," : "", cat_name(c));
            }
            len = strlen(line);
            snprintf(line + len, sizeof line - len, ".");
        } else snprintf(line + len, sizeof line - len, ". No drop is significant (McNemar p<0.05).");
    }
    json_object_set_new(o, "line", json_string(line));
    json_decref(cats); /* o holds its own reference */
    return o;
}

void report_dials_finish(json_t *rep, const struct vlm_requirements *r) {
    size_t i, j;
    json_t *g, *row;
    json_array_foreach(json_object_get(rep, "dials"), i, g) {
        json_array_foreach(json_object_get(g, "rows"), j, row) {
            if (!json_is_null(json_object_get(row, "category"))) continue; /* the model's figure: on the all row */
            double v = 0;
            const char *where = NULL, *cur = NULL, *why = NULL, *model = jpath_str(row, "model");
            bool ok = model && report_cost_per_1k(rep, model, &v, &where, &cur, &why);
            json_object_set_new(row, "cost_per_1k", num_or_null(ok, v));
            json_object_set_new(row, "cost_where", ok && where ? json_string(where) : json_null());
            json_object_set_new(row, "cost_currency", ok && cur ? json_string(cur) : json_null());
            json_object_set_new(row, "cost_note", ok ? json_null() : json_string(why));
        }
        json_object_set_new(g, "smallest_budget", smallest_budget(g, r));
    }
}

/* ------------------------------------------------------------ table cells and prose */

void report_dials_cell_category(struct rt_cell *c, const json_t *row, const struct rt_col *col,
                                const struct rt_ctx *cx) {
    const char *cat = jpath_str(row, "category");
    if (cat) rt_cell_value(c, row, "category", RT_CATEGORY);
    else rt_cell_set(c, "all");
}

void report_dials_cell_tokens(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    double v;
    c->num = true;
    if (!jpath_num(row, "image_tokens_per_image", &v)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    bool derived = json_is_true(json_object_get(row, "image_tokens_derived"));
    c->has_raw = !derived; /* CSV prints a derived count as its text, so the label goes with it */
    c->raw = v;
    rt_cell_set(c, "%.1f%s", v, derived ? " (derived)" : "");
}

void report_dials_cell_cost(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    double v;
    char num[64];
    c->num = true;
    if (!jpath_num(row, "cost_per_1k", &v)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    c->has_raw = true;
    c->raw = v;
    rt_format(num, sizeof num, RT_FIX4, true, v);
    const char *cur = jpath_str(row, "cost_currency"), *where = jpath_str(row, "cost_where");
    rt_cell_set(c, "%s %s (%s)", num, cur ? cur : "", where ? where : RT_DASH);
}

char **report_dials_lines(const json_t *g, int *n) {
    const json_t *sb = jpath_get(g, "smallest_budget"), *step, *f, *row;
    size_t i, j;
    size_t cap = 3 + json_array_size(jpath_get(sb, "ladder"));
    char **lines = xcalloc(cap, sizeof *lines);
    *n = 0;
    if (jpath_str(sb, "line")) lines[(*n)++] = xstrdup(jpath_str(sb, "line"));
    json_array_foreach(jpath_get(sb, "ladder"), i, step) {
        if (json_is_true(json_object_get(step, "holds"))) break; /* the budgets below the one chosen */
        char buf[1024];
        int k = snprintf(buf, sizeof buf, "%s (%s) misses:", jpath_str(step, "budget_label"), jpath_str(step, "model"));
        json_array_foreach(json_object_get(step, "failing"), j, f) {
            double a, b;
            const char *cat = jpath_str(f, "category");
            jpath_num(f, "reference", &b);
            if (k < (int)sizeof buf && jpath_num(f, "accuracy", &a))
                k += snprintf(buf + k, sizeof buf - (size_t)k, "%s %s %.1f%% vs %.1f%% (%+.1f points)", j ? ";" : "",
                              cat ? cat : "all", 100 * a, 100 * b, 100 * (a - b));
            else if (k < (int)sizeof buf)
                k += snprintf(buf + k, sizeof buf - (size_t)k, "%s %s not measured", j ? ";" : "", cat ? cat : "all");
        }
        lines[(*n)++] = xstrdup(buf);
    }
    json_array_foreach(json_object_get(g, "rows"), i, row) {
        const char *note = jpath_str(row, "cost_note");
        if (!note) continue;
        lines[(*n)++] = xasprintf("Cost per 1k requests: %s (%s).", note, jpath_str(row, "model"));
        break; /* one says why */
    }
    return lines;
}

/* ------------------------------------------------------------ the chart */

#define DC_W     900.0
#define DC_LEFT  60.0
#define DC_RIGHT 70.0
#define DC_TOP   30.0
#define DC_H     200.0

/* The group whose table has this HTML id ("dials-NAME"). */
static const json_t *dc_group(const json_t *doc, const char *id) {
    size_t i;
    const json_t *g;
    json_array_foreach(jpath_get(doc, "dials"), i, g) {
        const char *name = jpath_str(g, "name");
        if (name && !strncmp(id, "dials-", 6) && !strcmp(id + 6, name)) return g;
    }
    return NULL;
}

void report_dials_chart(FILE *out, const json_t *doc, const char *id) {
    const json_t *g = dc_group(doc, id), *mem;
    if (!g) return;
    json_t *pts = json_array(); /* the ladder's all rows, budget ascending */
    size_t i;
    double max_tok = 0, v;
    json_array_foreach(json_object_get(g, "members"), i, mem) {
        if (!json_is_true(json_object_get(mem, "ladder"))) continue;
        json_t *row = row_for(g, jpath_str(mem, "model"), NULL);
        if (!row) continue;
        json_array_append(pts, row);
        if (jpath_num(row, "image_tokens_per_image", &v) && v > max_tok) max_tok = v;
    }
    size_t n = json_array_size(pts);
    if (n < 2) {
        json_decref(pts);
        return;
    }
    double pw = DC_W - DC_LEFT - DC_RIGHT, h = DC_TOP + DC_H + 60;
#define DX(k) (DC_LEFT + pw * (double)(k) / (double)(n - 1))
#define DY(a) (DC_TOP + DC_H * (1.0 - (a)))
    fprintf(out,
            "<svg class=\"chart\" id=\"%s-chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\"><title>Accuracy (solid, left axis) and image tokens per image (dashed, right axis) "
            "against the budget</title>\n",
            id, DC_W, h, DC_W, h);
    for (int p = 0; p <= 100; p += 25)
        fprintf(out,
                "<line class=ax x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=mut>%d%%</text>"
                "<text x=\"%.1f\" y=\"%.1f\" class=mut>%.0f</text>\n",
                DC_LEFT, DC_LEFT + pw, DY(p / 100.0), DY(p / 100.0), DC_LEFT - 6, DY(p / 100.0) + 4, p,
                DC_LEFT + pw + 6, DY(p / 100.0) + 4, max_tok * p / 100.0);
    const json_t *row;
    for (int series = 0; series < 2; series++) { /* 0: accuracy, 1: tokens */
        bool first = true;
        fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"", series ? "#d1242f" : "#0969da",
                series ? " stroke-dasharray=\"6 4\"" : "");
        json_array_foreach(pts, i, row) {
            double y;
            if (series ? !(jpath_num(row, "image_tokens_per_image", &v) && max_tok > 0)
                       : !jpath_num(row, "accuracy", &v))
                continue;
            y = series ? DY(v / max_tok) : DY(v);
            fprintf(out, "%s%.1f %.1f", first ? "M" : "L", DX(i), y);
            first = false;
        }
        fputs("\"/>\n", out);
    }
    json_array_foreach(pts, i, row) {
        double a, lo, hi;
        const char *label = jpath_str(row, "budget_label");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=mut>", DX(i), DC_TOP + DC_H + 16);
        util_xml_escape(out, label);
        fputs("</text>\n", out);
        if (jpath_num(row, "ci_low", &lo) && jpath_num(row, "ci_high", &hi))
            fprintf(out, "<path stroke=\"#0969da\" stroke-opacity=\"0.5\" d=\"M%.1f %.1fV%.1f\"/>\n", DX(i), DY(lo),
                    DY(hi));
        if (jpath_num(row, "accuracy", &a)) {
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#0969da\"><title>", DX(i), DY(a));
            util_xml_escape(out, jpath_str(row, "model"));
            fprintf(out, ": accuracy %.0f%%</title></circle>\n", 100 * a);
        }
        if (jpath_num(row, "image_tokens_per_image", &v) && max_tok > 0) {
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"#d1242f\"><title>", DX(i) - 3.5,
                    DY(v / max_tok) - 3.5);
            util_xml_escape(out, jpath_str(row, "model"));
            fprintf(out, ": %.0f image tokens per image%s</title></rect>\n", v,
                    json_is_true(json_object_get(row, "image_tokens_derived")) ? " (derived)" : "");
        }
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=mut>", DC_LEFT + pw / 2, DC_TOP + DC_H + 34);
    util_xml_escape(out, jpath_str(g, "budget_key"));
    fprintf(out,
            " (the reference's prompt; native: unset)</text>\n"
            "<text x=\"%.1f\" y=\"%.1f\" fill=\"#0969da\">\xE2\x97\x8F accuracy (95%% interval)</text>"
            "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d1242f\">\xE2\x96\xA0 image tokens per image (right axis)</text>\n",
            DC_LEFT, DC_TOP + DC_H + 52, DC_LEFT + 260, DC_TOP + DC_H + 52);
    fputs("</svg>\n", out);
#undef DX
#undef DY
    json_decref(pts);
}
