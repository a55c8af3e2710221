/*
 * report_sampling.c - the report's "sampling" section (docs/metrics.md
 * "Sampling settings and seeds", docs/report-schema.md "sampling"): models
 * whose stored settings are equal once the sampling keys (temp, top_p, top_k,
 * min_p, repeat_penalty, seed) are left out form a group; within it a setting
 * is the members equal once `seed` is left out. Per setting and category: each
 * seed's accuracy, their mean, sample standard deviation, min and max, and the
 * difference of means against the group's greedy setting (temp 0). Also the
 * table's per-seed cell and the one line per sampled setting. The turns are
 * read through store_dials.h (the graded view, as every quality figure).
 */
#include "jpath.h"
#include "report.h"
#include "report_table.h"
#include "store_dials.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The settings keys that are sampling: members of a group differ only in these. */
static const char *const SAMPLING_KEYS[] = {"temp", "top_p", "top_k", "min_p", "repeat_penalty", "seed"};
#define N_SAMPLING_KEYS (int)(sizeof SAMPLING_KEYS / sizeof SAMPLING_KEYS[0])
/* The keys that make a setting: the sampling keys less `seed` (the last). */
#define N_SETTING_KEYS  (N_SAMPLING_KEYS - 1)

/* ------------------------------------------------------------ members and their figures */

/* One member x category (cat NULL: every category, "all", each turn once). */
struct samp_fig {
    char *cat;
    int n;         /* scored turns */
    double credit; /* their credit */
};

struct samp_member {
    int64_t id;
    char *name;
    json_t *settings;
    char *group_key, *setting_key; /* settings less the sampling keys; the setting keys alone */
    struct samp_fig *f;
    int n_f, cap_f;
};

/* The member's figure of category cat (NULL: all), made when missing. */
static struct samp_fig *fig_of(struct samp_member *m, const char *cat) {
    for (int i = 0; i < m->n_f; i++)
        if ((!cat && !m->f[i].cat) || (cat && m->f[i].cat && !strcmp(cat, m->f[i].cat))) return &m->f[i];
    util_grow((void **)&m->f, &m->cap_f, m->n_f + 1, sizeof *m->f);
    struct samp_fig *f = &m->f[m->n_f++];
    *f = (struct samp_fig){.cat = cat ? xstrdup(cat) : NULL};
    return f;
}

/* The figure of category cat when the member has one, else NULL. */
static const struct samp_fig *fig_find(const struct samp_member *m, const char *cat) {
    for (int i = 0; i < m->n_f; i++)
        if ((!cat && !m->f[i].cat) || (cat && m->f[i].cat && !strcmp(cat, m->f[i].cat))) return &m->f[i];
    return NULL;
}

static void fig_add(struct samp_fig *f, const struct store_dials_turn *t) {
    if (!t->scored) return;
    f->n++;
    f->credit += t->credit;
}

/* A stored turn into "all" and each of its case's categories. */
static int member_turn(const struct store_dials_turn *t, void *user) {
    struct samp_member *m = user;
    fig_add(fig_of(m, NULL), t);
    json_t *a = t->categories ? json_loads(t->categories, 0, NULL) : NULL;
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) if (json_is_string(c)) fig_add(fig_of(m, json_string_value(c)), t);
    json_decref(a);
    return VLM_OK;
}

static void member_free(struct samp_member *m) {
    for (int i = 0; i < m->n_f; i++) free(m->f[i].cat);
    free(m->f);
    free(m->name);
    free(m->group_key);
    free(m->setting_key);
    json_decref(m->settings);
}

/* A number of the member's settings (0 when absent: never for stored ones). */
static double setting_num(const struct samp_member *m, const char *key) {
    json_t *v = json_object_get(m->settings, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* ------------------------------------------------------------ keys */

/* The settings less the first n_keys sampling keys, as canonical text. */
static char *settings_less(const json_t *settings, int n_keys) {
    return jpath_keys_text(settings, SAMPLING_KEYS, n_keys, false);
}

/* The first n_keys sampling keys' values alone, as canonical text. */
static char *settings_only(const json_t *settings, int n_keys) {
    return jpath_keys_text(settings, SAMPLING_KEYS, n_keys, true);
}

/* Every model read from the store. */
struct all_models {
    struct samp_member *m;
    int n, cap;
};

static int model_row(const struct store_dials_model *r, void *user) {
    struct all_models *a = user;
    json_t *settings = r->settings ? json_loads(r->settings, 0, NULL) : NULL;
    if (!json_is_object(settings)) { /* not a settings object: in no group */
        json_decref(settings);
        return VLM_OK;
    }
    util_grow((void **)&a->m, &a->cap, a->n + 1, sizeof *a->m);
    a->m[a->n++] = (struct samp_member){.id = r->id,
                                        .name = xstrdup(r->name),
                                        .settings = settings,
                                        .group_key = settings_less(settings, N_SAMPLING_KEYS),
                                        .setting_key = settings_only(settings, N_SETTING_KEYS)};
    return VLM_OK;
}

/* ------------------------------------------------------------ settings of a group */

/* One setting: its members (seed ascending). */
struct samp_setting {
    struct samp_member **m;
    int n;
    bool greedy; /* temp 0 */
};

/* Setting keys ascending in SAMPLING_KEYS order (temp first), then by name. */
static int cmp_member(const void *pa, const void *pb) {
    const struct samp_member *a = *(struct samp_member *const *)pa, *b = *(struct samp_member *const *)pb;
    for (int k = 0; k < N_SAMPLING_KEYS; k++) {
        double x = setting_num(a, SAMPLING_KEYS[k]), y = setting_num(b, SAMPLING_KEYS[k]);
        if (x != y) return x < y ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

/* Split the group's sorted members into settings (neighbours with one setting key). */
static struct samp_setting *split_settings(struct samp_member **m, int n, int *n_set) {
    struct samp_setting *s = xcalloc((size_t)n, sizeof *s);
    *n_set = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(m[i]->setting_key, m[i - 1]->setting_key))
            s[(*n_set)++] = (struct samp_setting){.m = &m[i], .greedy = setting_num(m[i], "temp") == 0};
        s[*n_set - 1].n++;
    }
    return s;
}

/* A setting value as written in a plan: floats were stored from a float, so
 * 0.7 reads back as 0.699999988 and is shown through float again. */
static void value_text(char *buf, size_t n, double v) { snprintf(buf, n, "%g", (double)(float)v); }

/* "temp 0.7", then each other setting key whose value differs between the group's settings. */
static char *setting_label(const struct samp_setting *s, const struct samp_setting *all, int n_set) {
    char label[256], v[32];
    value_text(v, sizeof v, setting_num(s->m[0], "temp"));
    int k = snprintf(label, sizeof label, "temp %s", v);
    for (int key = 1; key < N_SETTING_KEYS; key++) {
        bool varies = false;
        for (int j = 0; j < n_set; j++)
            varies |= setting_num(all[j].m[0], SAMPLING_KEYS[key]) != setting_num(all[0].m[0], SAMPLING_KEYS[key]);
        if (!varies || k >= (int)sizeof label) continue;
        value_text(v, sizeof v, setting_num(s->m[0], SAMPLING_KEYS[key]));
        k += snprintf(label + k, sizeof label - (size_t)k, " %s %s", SAMPLING_KEYS[key], v);
    }
    return xstrdup(label);
}

/* ------------------------------------------------------------ the spread */

/* Mean, sample standard deviation (n - 1; NAN for one value), min and max of x[0..n-1]; n > 0. */
struct spread {
    double mean, sd, min, max;
};

static struct spread spread_of(const double *x, int n) {
    struct spread s = {0, NAN, x[0], x[0]};
    for (int i = 0; i < n; i++) {
        s.mean += x[i] / n;
        s.min = fmin(s.min, x[i]);
        s.max = fmax(s.max, x[i]);
    }
    if (n < 2) return s;
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (x[i] - s.mean) * (x[i] - s.mean);
    s.sd = sqrt(ss / (n - 1));
    return s;
}

static json_t *num_or_null(bool have, double v) { return have ? json_real(v) : json_null(); }

/* The setting's accuracies in category cat (NULL: all): one per member with
 * scored turns there, into x; the seeds array into *seeds. Returns how many. */
static int seed_accuracies(const struct samp_setting *s, const char *cat, double *x, json_t **seeds) {
    int k = 0;
    *seeds = json_array();
    for (int i = 0; i < s->n; i++) {
        const struct samp_fig *f = fig_find(s->m[i], cat);
        int n = f ? f->n : 0;
        double credit = f ? f->credit : 0;
        if (n > 0) x[k++] = credit / n;
        json_array_append_new(*seeds, json_pack("{s:s, s:I, s:i, s:f, s:o}", "model", s->m[i]->name, "seed",
                                                (json_int_t)setting_num(s->m[i], "seed"), "n", n, "credit", credit,
                                                "accuracy", num_or_null(n > 0, n ? credit / n : 0)));
    }
    return k;
}

/* One row: setting s x category cat; NULL when no seed has a scored turn there.
 * greedy: the group's greedy setting (NULL: none), compared by the difference of means. */
static json_t *row_json(const struct samp_setting *s, const char *label, const char *cat,
                        const struct samp_setting *greedy) {
    double *x = xcalloc((size_t)s->n, sizeof *x);
    json_t *seeds;
    int k = seed_accuracies(s, cat, x, &seeds);
    if (k == 0) {
        free(x);
        json_decref(seeds);
        return NULL;
    }
    struct spread sp = spread_of(x, k);
    json_t *o = json_pack("{s:s, s:o, s:b, s:i, s:o, s:f, s:o, s:f, s:f}", "setting", label, "category",
                          cat ? json_string(cat) : json_null(), "greedy", s->greedy, "n_seeds", k, "seeds", seeds,
                          "mean", sp.mean, "sd", num_or_null(k > 1, sp.sd), "min", sp.min, "max", sp.max);
    double *g = greedy && greedy != s ? xcalloc((size_t)greedy->n, sizeof *g) : NULL;
    json_t *gseeds = NULL;
    int gk = g ? seed_accuracies(greedy, cat, g, &gseeds) : 0;
    struct spread gsp = gk ? spread_of(g, gk) : (struct spread){0};
    json_object_set_new(o, "greedy_mean", num_or_null(gk > 0, gsp.mean));
    json_object_set_new(o, "vs_greedy", num_or_null(gk > 0, sp.mean - gsp.mean));
    json_decref(gseeds);
    free(g);
    free(x);
    return o;
}

/* "qwen temp 0.7 top_p 0.9: accuracy 0.62 ± 0.04 over 3 seeds (0.58..0.66); greedy 0.66" from an all row. */
static char *setting_line(const char *group, const json_t *row) {
    double mean = 0, sd, lo = 0, hi = 0, greedy, n = 0;
    char line[1024]; /* a name (127) and a label (255) leave room for the figures */
    jpath_num(row, "mean", &mean);
    jpath_num(row, "min", &lo);
    jpath_num(row, "max", &hi);
    jpath_num(row, "n_seeds", &n);
    int k = snprintf(line, sizeof line, "%s %s: accuracy %.2f", group, jpath_str(row, "setting"), mean);
    if (jpath_num(row, "sd", &sd))
        k += snprintf(line + k, sizeof line - (size_t)k, " \xC2\xB1 %.2f over %.0f seeds (%.2f..%.2f)", sd, n, lo, hi);
    else k += snprintf(line + k, sizeof line - (size_t)k, " over 1 seed");
    if (jpath_num(row, "greedy_mean", &greedy)) snprintf(line + k, sizeof line - (size_t)k, "; greedy %.2f", greedy);
    return xstrdup(line);
}

static int cmp_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The categories the group's members met, by name (all left out); *n_cats of them. */
static char **group_categories(struct samp_member **m, int n, int *n_cats) {
    int cap = 0;
    char **cats = NULL;
    *n_cats = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m[i]->n_f; k++) {
            const char *c = m[i]->f[k].cat;
            bool seen = !c;
            for (int j = 0; j < *n_cats && !seen; j++) seen = !strcmp(cats[j], c);
            if (seen) continue;
            util_grow((void **)&cats, &cap, *n_cats + 1, sizeof *cats);
            cats[(*n_cats)++] = xstrdup(c);
        }
    if (*n_cats) qsort(cats, (size_t)*n_cats, sizeof *cats, cmp_text);
    return cats;
}

/* The name a group goes by: its first member's, up to a sweep's '@'. */
static char *group_name(const char *first) {
    const char *at = strchr(first, '@');
    return at && at > first ? xasprintf("%.*s", (int)(at - first), first) : xstrdup(first);
}

/* A setting's entry of the group's "settings": its values and members. */
static json_t *setting_json(const struct samp_setting *s, const char *label) {
    json_t *members = json_array();
    for (int i = 0; i < s->n; i++)
        json_array_append_new(
            members, json_pack("{s:s, s:I}", "model", s->m[i]->name, "seed", (json_int_t)setting_num(s->m[i], "seed")));
    json_t *o = json_pack("{s:s, s:b}", "label", label, "greedy", s->greedy);
    for (int k = 0; k < N_SETTING_KEYS; k++)
        json_object_set_new(o, SAMPLING_KEYS[k], json_real((double)(float)setting_num(s->m[0], SAMPLING_KEYS[k])));
    json_object_set_new(o, "members", members);
    return o;
}

/* Build one group's object from its members, reading their turns. `name`: the group's name. */
static int group_json(vlm_store *s, struct samp_member **m, int n, const char *name, json_t **out) {
    for (int i = 0; i < n; i++)
        if (store_dials_turns(s, m[i]->id, member_turn, m[i]) != VLM_OK) return VLM_ERR_IO;
    qsort(m, (size_t)n, sizeof *m, cmp_member);
    int n_set = 0, n_cats = 0;
    struct samp_setting *set = split_settings(m, n, &n_set), *greedy = NULL;
    for (int i = 0; i < n_set && !greedy; i++)
        if (set[i].greedy) greedy = &set[i]; /* the first temp-0 setting */
    char **labels = xcalloc((size_t)n_set, sizeof *labels), **cats = group_categories(m, n, &n_cats);
    json_t *settings = json_array(), *rows = json_array(), *lines = json_array();
    for (int i = 0; i < n_set; i++) {
        labels[i] = setting_label(&set[i], set, n_set);
        json_array_append_new(settings, setting_json(&set[i], labels[i]));
    }
    for (int c = -1; c < n_cats; c++) /* all first, then the categories by name */
        for (int i = 0; i < n_set; i++) {
            json_t *row = row_json(&set[i], labels[i], c < 0 ? NULL : cats[c], greedy);
            if (!row) continue;
            if (c < 0 && !set[i].greedy) { /* the line of a sampled setting, from its all row */
                char *line = setting_line(name, row);
                json_array_append_new(lines, json_string(line));
                free(line);
            }
            json_array_append_new(rows, row);
        }
    *out = json_pack("{s:s, s:o, s:o, s:o, s:o}", "name", name, "greedy",
                     greedy ? json_string(labels[greedy - set]) : json_null(), "settings", settings, "rows", rows,
                     "lines", lines);
    for (int i = 0; i < n_set; i++) free(labels[i]);
    for (int c = 0; c < n_cats; c++) free(cats[c]);
    free(labels);
    free(cats);
    free(set);
    return VLM_OK;
}

/* A name no group before has: the base name, else base-2, base-3, ... */
static char *unique_name(const json_t *groups, const char *base) {
    char *name = xstrdup(base);
    for (int k = 2;; k++) {
        bool taken = false;
        size_t i;
        const json_t *g;
        json_array_foreach(groups, i, g) taken |= !strcmp(jpath_str(g, "name"), name);
        if (!taken) return name;
        free(name);
        name = xasprintf("%s-%d", base, k);
    }
}

/* Gather the members of a's group starting at i (not done yet) into grp;
 * true when two of them differ in a sampling setting. */
static bool gather(struct all_models *a, int i, bool *done, struct samp_member **grp, int *n) {
    char *first = settings_only(a->m[i].settings, N_SAMPLING_KEYS);
    bool differ = false;
    *n = 0;
    for (int j = i; j < a->n; j++) {
        if (done[j] || strcmp(a->m[i].group_key, a->m[j].group_key)) continue;
        done[j] = true;
        grp[(*n)++] = &a->m[j];
        char *sk = settings_only(a->m[j].settings, N_SAMPLING_KEYS);
        differ |= strcmp(sk, first) != 0;
        free(sk);
    }
    free(first);
    return differ;
}

json_t *report_sampling(vlm_store *s) {
    struct all_models a = {0};
    json_t *out = json_array();
    int rc = store_dials_models(s, model_row, &a);
    bool *done = xcalloc((size_t)a.n + 1, sizeof *done);
    struct samp_member **grp = xcalloc((size_t)a.n + 1, sizeof *grp);
    for (int i = 0; rc == VLM_OK && i < a.n; i++) {
        int n = 0;
        if (done[i] || !gather(&a, i, done, grp, &n) || n < 2) continue;
        char *base = group_name(grp[0]->name), *name = unique_name(out, base);
        json_t *g = NULL;
        rc = group_json(s, grp, n, name, &g);
        if (g) json_array_append_new(out, g);
        free(base);
        free(name);
    }
    for (int i = 0; i < a.n; i++) member_free(&a.m[i]);
    free(a.m);
    free(done);
    free(grp);
    if (rc == VLM_OK) return out;
    json_decref(out);
    return NULL;
}

/* ------------------------------------------------------------ table cell and prose */

void report_sampling_cell_seeds(struct rt_cell *c, const json_t *row, const struct rt_col *col,
                                const struct rt_ctx *cx) {
    char text[1024] = "", acc[32];
    size_t i, k = 0;
    const json_t *seed;
    json_array_foreach(json_object_get(row, "seeds"), i, seed) {
        double v = 0, number = 0;
        jpath_num(seed, "seed", &number);
        bool have = jpath_num(seed, "accuracy", &v); /* read before v is passed on */
        rt_format(acc, sizeof acc, RT_PCT1, have, v);
        if (k < sizeof text) k += (size_t)snprintf(text + k, sizeof text - k, "%ss%.0f %s", i ? ", " : "", number, acc);
    }
    rt_cell_set(c, "%s", text[0] ? text : RT_DASH);
}

char **report_sampling_lines(const json_t *g, int *n) {
    const json_t *lines = json_object_get(g, "lines"), *l;
    char **out = xcalloc(json_array_size(lines) + 1, sizeof *out);
    size_t i;
    *n = 0;
    json_array_foreach(lines, i, l) if (json_is_string(l)) out[(*n)++] = xstrdup(json_string_value(l));
    return out;
}
