/*
 * compare.c - `vlmeter compare BASE NEW`, the regression gate for CI
 * (docs/compare.md). It builds the comparison document: per category and
 * overall, on the scored turns both models have, each side's accuracy, the
 * paired difference NEW - BASE with its 95% interval (stats.c), the discordant
 * counts b and c and the exact McNemar p; then speed and memory ratios
 * NEW / BASE read from each store's report document (report_build.c), so that every
 * figure equals the report's; then the verdict. It renders the document as
 * text, Markdown (the verdict first, for a CI comment) or JSON.
 * Sits at the report level: it reads the store (lib/store.h) and the report.
 */
#include "jpath.h"
#include "report.h"
#include "report_table.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vlm_compare_params vlm_compare_default_params(void) {
    return (struct vlm_compare_params){
        .db_path = "vlmeter.db", .max_drop_points = 0, .max_slower_pct = -1, .alpha = 0.05, .format = VLM_REPORT_TABLE};
}

/* ------------------------------------------------------------ one side */

/* A model in its store: the store's report document and the model's entry. */
struct side {
    const char *model, *db;
    vlm_store *s;
    int64_t id;
    json_t *rep;     /* the store's report document (owned, or borrowed when shared) */
    const json_t *m; /* the model's entry in rep's "models" */
};

/* The entry of rep's "models" named `name`, or NULL. */
static const json_t *model_entry(const json_t *rep, const char *name) {
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(rep, "models"), i, m) {
        const char *n = jpath_str(m, "name");
        if (n && strcmp(n, name) == 0) return m;
    }
    return NULL;
}

/* "a, b, c" of the store's model names, or "none". Caller frees. */
static char *model_list(const json_t *rep) {
    char *buf = NULL;
    size_t len = 0, cap = 0;
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(rep, "models"), i, m) {
        if (i) util_buf_append(&buf, &len, &cap, ", ", 2);
        const char *n = jpath_str(m, "name");
        util_buf_append(&buf, &len, &cap, n ? n : "", n ? strlen(n) : 0);
    }
    return buf ? buf : xstrdup("none");
}

/* Open the store and find the model; `shared` is a side already opened on the
 * same store (its store and report are reused), or NULL. */
static int side_open(struct side *sd, const struct side *shared, char *err, size_t err_len) {
    if (shared) {
        sd->s = shared->s;
        sd->rep = shared->rep;
    } else {
        if (access(sd->db, F_OK) != 0) {
            util_errf(err, err_len, "no store at '%s'", sd->db);
            return VLM_ERR_IO;
        }
        sd->s = vlm_store_open(sd->db, err, err_len);
        if (!sd->s) return VLM_ERR_IO;
        sd->rep = report_build(sd->s, sd->db, err, err_len);
        if (!sd->rep) return VLM_ERR_IO;
    }
    sd->m = model_entry(sd->rep, sd->model);
    if (!sd->m || store_model_id(sd->s, sd->model, &sd->id) != VLM_OK || sd->id < 0) {
        char *names = model_list(sd->rep);
        util_errf(err, err_len, "no model '%s' in store '%s' (it has: %s)", sd->model, sd->db, names);
        free(names);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

static void side_close(struct side *sd, bool shared) {
    if (shared) return;
    json_decref(sd->rep);
    vlm_store_close(sd->s);
}

/* ------------------------------------------------------------ pairing */

/* A scored turn, keyed by category, suite, case and turn. */
struct turn {
    char *key, *category; /* category NULL: the overall row */
    bool correct;
    double credit;
};

struct turns {
    struct turn *v;
    int n, cap;
};

static int collect_turn(const struct store_compare_turn *t, void *user) {
    struct turns *ts = user;
    util_grow((void **)&ts->v, &ts->cap, ts->n + 1, sizeof *ts->v);
    struct turn *x = &ts->v[ts->n++];
    x->category = t->category ? xstrdup(t->category) : NULL;
    /* \x01 sorts the overall row first; \x1f separates the parts */
    x->key = xasprintf("%s\x1f%s\x1f%s\x1f%010d", t->category ? t->category : "\x01", t->suite, t->case_id, t->turn);
    x->correct = t->correct;
    x->credit = t->credit;
    return VLM_OK;
}

static int cmp_turn(const void *a, const void *b) {
    return strcmp(((const struct turn *)a)->key, ((const struct turn *)b)->key);
}

static void turns_free(struct turns *ts) {
    for (int i = 0; i < ts->n; i++) {
        free(ts->v[i].key);
        free(ts->v[i].category);
    }
    free(ts->v);
}

/* Every scored turn of a side, overall then per category, sorted by key. */
static int side_turns(const struct side *sd, struct turns *ts) {
    int rc = store_compare_turns(sd->s, sd->id, false, collect_turn, ts);
    if (rc == VLM_OK) rc = store_compare_turns(sd->s, sd->id, true, collect_turn, ts);
    if (ts->n > 0) qsort(ts->v, (size_t)ts->n, sizeof *ts->v, cmp_turn);
    return rc;
}

/* What one category (or the overall row) counts over both sides. */
struct tally {
    const char *category; /* NULL: overall */
    int n, base_only, new_only;
    double base_credit, new_credit;
    int b, c;                  /* turns where BASE's credit is higher than NEW's; the reverse
                                  (for right/wrong scorers: BASE right and NEW wrong; the reverse) */
    double b_credit, c_credit; /* credit-weighted discordance (equal to b, c for right/wrong scorers) */
};

/* The tally of t's category: the last one when it matches, else a new one
 * (turns come sorted by category). */
static struct tally *tally_of(struct tally **v, int *n, int *cap, const struct turn *t) {
    struct tally *last = *n ? &(*v)[*n - 1] : NULL;
    bool same = last && (last->category == NULL ? t->category == NULL
                                                : t->category && strcmp(last->category, t->category) == 0);
    if (same) return last;
    util_grow((void **)v, cap, *n + 1, sizeof **v);
    (*v)[*n] = (struct tally){.category = t->category};
    return &(*v)[(*n)++];
}

static void tally_pair(struct tally *t, const struct turn *base, const struct turn *nw) {
    t->n++;
    t->base_credit += base->credit;
    t->new_credit += nw->credit;
    t->b += base->credit > nw->credit; /* the sign test: McNemar's for 0/1 credit */
    t->c += nw->credit > base->credit;
    t->b_credit += base->credit * (1 - nw->credit);
    t->c_credit += (1 - base->credit) * nw->credit;
}

/* Merge the two sorted lists into tallies: shared turns paired, the others
 * counted as left out. The tallies point into the lists' category strings. */
static int pair_tallies(const struct turns *base, const struct turns *nw, struct tally **out) {
    int n = 0, cap = 0, i = 0, j = 0;
    *out = NULL;
    while (i < base->n || j < nw->n) {
        int d = i == base->n ? 1 : j == nw->n ? -1 : strcmp(base->v[i].key, nw->v[j].key);
        struct tally *t = tally_of(out, &n, &cap, d <= 0 ? &base->v[i] : &nw->v[j]);
        if (d == 0) tally_pair(t, &base->v[i++], &nw->v[j++]);
        else if (d < 0) t->base_only++, i++;
        else t->new_only++, j++;
    }
    return n;
}

/* ------------------------------------------------------------ the document */

/* The row of one tally; *regressed set when it fails the gate. Points are
 * 100 x shares; the difference is 100 * (credit NEW - credit BASE) / n,
 * computed in that order so a whole-number drop is exact. */
static json_t *quality_row(const struct tally *t, double p_value, double p_holm, const struct vlm_compare_params *p,
                           bool *regressed) {
    json_t *o = json_pack("{s:o, s:i, s:i, s:i, s:i, s:i}", "category",
                          t->category ? json_string(t->category) : json_null(), "n_shared", t->n, "n_base_only",
                          t->base_only, "n_new_only", t->new_only, "b", t->b, "c", t->c);
    json_object_set_new(o, "p_value", json_real(p_value));
    json_object_set_new(o, "p_holm", json_real(p_holm));
    *regressed = false;
    if (t->n == 0) {
        const char *nulls[] = {"base_accuracy", "new_accuracy", "diff_points", "ci_low_points", "ci_high_points"};
        for (int k = 0; k < 5; k++) json_object_set_new(o, nulls[k], json_null());
    } else {
        double lo, hi, diff = 100.0 * (t->new_credit - t->base_credit) / t->n;
        vlm_paired_diff95(t->b_credit, t->c_credit, t->n, &lo, &hi);
        json_object_set_new(o, "base_accuracy", json_real(t->base_credit / t->n));
        json_object_set_new(o, "new_accuracy", json_real(t->new_credit / t->n));
        json_object_set_new(o, "diff_points", json_real(diff));
        json_object_set_new(o, "ci_low_points", json_real(100 * lo));
        json_object_set_new(o, "ci_high_points", json_real(100 * hi));
        *regressed = (p->no_adjust ? p_value : p_holm) < p->alpha && -diff > p->max_drop_points;
    }
    json_object_set_new(o, "regressed", json_boolean(*regressed));
    return o;
}

/* The speed and memory figures compared, and where the report keeps them. */
static const struct figure {
    const char *name, *label, *path; /* path NULL: e2e p95, computed from "e2e_ms_values" */
} FIGURES[] = {
    {"ttft_ms_p50", "TTFT p50 (ms)", "speed.ttft_ms.p50"},
    {"e2e_ms_p50", "e2e p50 (ms)", "speed.e2e_ms.p50"},
    {"e2e_ms_p95", "e2e p95 (ms)", NULL},
    {"decode_tps_mean", "decode (tok/s)", "speed.decode_tps.mean"},
    {"load_ms", "load (ms)", "load_ms"},
    {"rss_peak_bytes", "peak RSS (MiB)", "rss_peak_bytes"},
    {"gpu_mem_bytes", "GPU memory (MiB)", "gpu_mem_bytes"},
};
#define N_FIGURES (int)(sizeof FIGURES / sizeof FIGURES[0])

static bool figure_value(const json_t *m, const struct figure *f, double *v) {
    return f->path ? jpath_num(m, f->path, v) : report_e2e_p95(m, v);
}

static json_t *num_or_null(bool has, double v) { return has ? json_real(v) : json_null(); }

/* The "speed" rows: each figure of both sides and the ratio NEW / BASE (null
 * when either is absent or BASE's is not above 0). */
static json_t *speed_rows(const json_t *base, const json_t *nw) {
    json_t *a = json_array();
    for (int k = 0; k < N_FIGURES; k++) {
        double b = 0, n = 0;
        bool hb = figure_value(base, &FIGURES[k], &b), hn = figure_value(nw, &FIGURES[k], &n);
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:o}", "figure", FIGURES[k].name, "label",
                                           FIGURES[k].label, "base", num_or_null(hb, b), "new", num_or_null(hn, n),
                                           "ratio", num_or_null(hb && hn && b > 0, n / b)));
    }
    return a;
}

/* The latency gate: {checked, base_ms, new_ms, rise_pct, regressed}. NEW fails
 * when 100 * (new - base) > max_slower_pct * base (exact at the threshold). */
static json_t *latency_gate(const json_t *base, const json_t *nw, const struct vlm_compare_params *p, bool *regressed) {
    double b = 0, n = 0;
    bool measured = report_e2e_p95(base, &b) && report_e2e_p95(nw, &n) && b > 0;
    bool checked = p->max_slower_pct >= 0 && measured;
    *regressed = checked && 100.0 * (n - b) > p->max_slower_pct * b;
    return json_pack("{s:o, s:b, s:o, s:o, s:o, s:b}", "max_slower_pct",
                     num_or_null(p->max_slower_pct >= 0, p->max_slower_pct), "checked", checked, "base_ms",
                     num_or_null(measured, b), "new_ms", num_or_null(measured, n), "rise_pct",
                     num_or_null(measured, 100.0 * (n - b) / b), "regressed", *regressed);
}

/* The name of a quality row's category for people: "overall", "(none)" or the name. */
static const char *row_name(const json_t *row) {
    const json_t *c = json_object_get(row, "category");
    if (json_is_null(c)) return "overall";
    const char *s = json_string_value(c);
    return s && s[0] ? s : "(none)";
}

/* Why the gate failed, one sentence per cause. */
static json_t *reasons(const json_t *quality, const json_t *lat, bool no_adjust) {
    json_t *a = json_array();
    size_t i;
    const json_t *r;
    json_array_foreach(quality, i, r) {
        if (!json_is_true(json_object_get(r, "regressed"))) continue;
        double d = 0, pv = 0, ba = 0, na = 0;
        jpath_num(r, "diff_points", &d);
        jpath_num(r, no_adjust ? "p_value" : "p_holm", &pv);
        jpath_num(r, "base_accuracy", &ba);
        jpath_num(r, "new_accuracy", &na);
        char *s = xasprintf(
            "%s%s%s dropped %.1f points (%.1f%% \xE2\x86\x92 %.1f%%, %sMcNemar p = %.4g, b = %d, c = %d)",
            json_is_null(json_object_get(r, "category")) ? "" : "category '", row_name(r),
            json_is_null(json_object_get(r, "category")) ? "" : "'", -d, 100 * ba, 100 * na,
            no_adjust ? "" : "Holm-adjusted ", pv, (int)json_integer_value(json_object_get(r, "b")),
            (int)json_integer_value(json_object_get(r, "c")));
        json_array_append_new(a, json_string(s));
        free(s);
    }
    if (json_is_true(json_object_get(lat, "regressed"))) {
        double b = 0, n = 0, rise = 0, max = 0;
        jpath_num(lat, "base_ms", &b);
        jpath_num(lat, "new_ms", &n);
        jpath_num(lat, "rise_pct", &rise);
        jpath_num(lat, "max_slower_pct", &max);
        char *s = xasprintf("e2e p95 rose %.1f%% (%.1f ms \xE2\x86\x92 %.1f ms), more than %g%%", rise, b, n, max);
        json_array_append_new(a, json_string(s));
        free(s);
    }
    return a;
}

/* The whole comparison document (docs/compare.md, "JSON"); NULL with err set. */
static json_t *compare_build(const struct side *base, const struct side *nw, const struct vlm_compare_params *p,
                             char *err, size_t err_len) {
    struct turns tb = {0}, tn = {0};
    const struct side *failed = side_turns(base, &tb) != VLM_OK ? base : side_turns(nw, &tn) != VLM_OK ? nw : NULL;
    json_t *doc = NULL;
    if (failed) {
        util_errf(err, err_len, "reading '%s': %s", failed->db, store_error(failed->s));
    } else {
        struct tally *t = NULL;
        int n = pair_tallies(&tb, &tn, &t);
        int n_shared = 0;
        for (int k = 0; k < n; k++) n_shared += t[k].n;
        if (n_shared == 0) { /* a gate with nothing to compare must not pass */
            util_errf(err, err_len,
                      "no turn was scored for both '%s' (%s) and '%s' (%s): nothing to compare (score both stores "
                      "first, on the same suites)",
                      base->model, base->db, nw->model, nw->db);
            free(t);
            turns_free(&tb);
            turns_free(&tn);
            return NULL;
        }
        json_t *quality = json_array();
        bool any = false;
        double *pv = xmalloc((size_t)n * sizeof *pv), *holm = xmalloc((size_t)n * sizeof *holm);
        int m = 0; /* the family: the rows with a shared turn (overall and each category) */
        for (int k = 0; k < n; k++)
            if (t[k].n > 0) pv[m++] = vlm_mcnemar_exact(t[k].b, t[k].c);
        vlm_holm_adjust(pv, m, holm);
        for (int k = 0, i = 0; k < n; k++) {
            bool reg;
            bool tested = t[k].n > 0;
            json_array_append_new(quality, quality_row(&t[k], tested ? pv[i] : 1, tested ? holm[i] : 1, p, &reg));
            i += tested;
            any |= reg;
        }
        free(pv);
        free(holm);
        free(t);
        bool slower;
        json_t *lat = latency_gate(base->m, nw->m, p, &slower);
        doc = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:f, s:f, s:o}}", "schema", "vlmeter-compare/1", "base",
                        "model", base->model, "db", base->db, "new", "model", nw->model, "db", nw->db, "rule", "alpha",
                        p->alpha, "max_drop_points", p->max_drop_points, "max_slower_pct",
                        num_or_null(p->max_slower_pct >= 0, p->max_slower_pct));
        json_object_set_new(json_object_get(doc, "rule"), "adjust", json_string(p->no_adjust ? "none" : "holm"));
        json_object_set_new(doc, "verdict", json_string(any || slower ? "fail" : "pass"));
        json_object_set_new(doc, "reasons", reasons(quality, lat, p->no_adjust));
        json_object_set_new(doc, "quality", quality);
        json_object_set_new(doc, "latency_gate", lat);
        json_object_set_new(doc, "speed", speed_rows(base->m, nw->m));
    }
    turns_free(&tb);
    turns_free(&tn);
    return doc;
}

/* ------------------------------------------------------------ rendering */

/* The tables are described the way the report's are (report_table.h) and
 * printed by the report's text and Markdown renderers: one number formatter,
 * one escaping. */

static void cell_category(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    rt_cell_set(c, "%s", row_name(row));
}

/* A difference in points, signed ("-36.7"), from a field already in points. */
static void cell_points(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    double v = 0;
    char buf[64];
    bool have = jpath_num(row, col->path, &v);
    rt_format(buf, sizeof buf, RT_PTS, have, v / 100);
    rt_cell_set(c, "%s", buf);
    c->num = true;
}

static void cell_interval(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    double lo, hi;
    char a[64], b[64];
    if (jpath_num(row, "ci_low_points", &lo) && jpath_num(row, "ci_high_points", &hi)) {
        rt_format(a, sizeof a, RT_PTS, true, lo / 100);
        rt_format(b, sizeof b, RT_PTS, true, hi / 100);
        rt_cell_set(c, "[%s, %s]", a, b);
    } else rt_cell_set(c, RT_DASH);
    c->num = true;
}

static void cell_regressed(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    rt_cell_set(c, "%s", json_is_true(json_object_get(row, "regressed")) ? "REGRESSED" : "");
}

/* A speed figure of one side (col->path: "base" or "new") in its unit. */
static void cell_figure(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    const char *name = jpath_str(row, "figure");
    enum rt_fmt f = strstr(name, "_bytes") ? RT_MIB : strstr(name, "tps") ? RT_TPS : RT_MS;
    rt_cell_value(c, row, col->path, f);
}

// clang-format off
static const struct rt_col QUALITY_COLS[] = {
    {"category", NULL, RT_TEXT, cell_category, 0},
    {"shared", "n_shared", RT_INT, NULL, 0},
    {"base only", "n_base_only", RT_INT, NULL, 0},
    {"new only", "n_new_only", RT_INT, NULL, 0},
    {"base acc", "base_accuracy", RT_PCT1, NULL, 0},
    {"new acc", "new_accuracy", RT_PCT1, NULL, 0},
    {"diff (pts)", "diff_points", RT_PTS, cell_points, 0},
    {"95% CI (pts)", NULL, RT_TEXT, cell_interval, 0},
    {"b", "b", RT_INT, NULL, 0},
    {"c", "c", RT_INT, NULL, 0},
    {"McNemar p", "p_value", RT_P, NULL, 0},
    {"Holm p", "p_holm", RT_P, NULL, 0},
    {"", NULL, RT_TEXT, cell_regressed, 0},
};
static const struct rt_col SPEED_COLS[] = {
    {"figure", "label", RT_TEXT, NULL, 0},
    {"base", "base", RT_MS, cell_figure, 0},
    {"new", "new", RT_MS, cell_figure, 0},
    {"new / base", "ratio", RT_FIX3, NULL, 0},
};
static const struct rt_table COMPARE_TABLES[] = {
    {"quality", "Quality (paired)", "Overall first, then each category; REGRESSED marks a failing row.", NULL,
     RT_LIST, "quality", QUALITY_COLS, sizeof QUALITY_COLS / sizeof QUALITY_COLS[0], NULL, NULL, NULL, 0},
    {"speed", "Speed and memory", "NEW / BASE; a figure missing on either side shows as a dash.", NULL,
     RT_LIST, "speed", SPEED_COLS, sizeof SPEED_COLS / sizeof SPEED_COLS[0], NULL, NULL, NULL, 0},
};
// clang-format on

/* The verdict line: PASS or FAIL, the two models, and why (or the rule held). */
static void write_verdict(FILE *out, const json_t *doc, bool md) {
    bool fail = strcmp(jpath_str(doc, "verdict"), "fail") == 0;
    fputs(md ? (fail ? "**FAIL**: " : "**PASS**: ") : (fail ? "FAIL: " : "PASS: "), out);
    report_md_text(out, jpath_str(doc, "new.model"), md);
    fputs(" vs ", out);
    report_md_text(out, jpath_str(doc, "base.model"), md);
    const json_t *why = json_object_get(doc, "reasons");
    double alpha = 0, drop = 0;
    jpath_num(doc, "rule.alpha", &alpha);
    jpath_num(doc, "rule.max_drop_points", &drop);
    bool holm = strcmp(jpath_str(doc, "rule.adjust"), "holm") == 0;
    if (!fail)
        fprintf(out, ": no significant drop (%sMcNemar p < %g) of more than %g points", holm ? "Holm-adjusted " : "",
                alpha, drop);
    size_t i;
    const json_t *r;
    json_array_foreach(why, i, r) {
        fputs(i ? "; " : ": ", out);
        report_md_text(out, json_string_value(r), md);
    }
    fputc('\n', out);
}

/* Text and Markdown: the verdict line, the stores, the quality and speed tables. */
static void write_human(FILE *out, const json_t *doc, bool md) {
    write_verdict(out, doc, md);
    const char *what[] = {"BASE ", "base.model", " in ", "base.db", ", NEW ", "new.model", " in ", "new.db"};
    fputc('\n', out);
    for (int k = 0; k < 8; k += 2) {
        fputs(what[k], out);
        if (md) fputc('`', out);
        report_md_text(out, jpath_str(doc, what[k + 1]), md);
        if (md) fputc('`', out);
    }
    fputs("; paired on the scored turns both have.\n", out);
    report_write_sections(doc, COMPARE_TABLES, 2, out, md);
    const json_t *lat = json_object_get(doc, "latency_gate");
    if (!json_is_null(json_object_get(lat, "max_slower_pct")) && !json_is_true(json_object_get(lat, "checked")))
        fputs("\nlatency gate not applied: e2e p95 is not measured on both sides\n", out);
}

static int write_doc(FILE *out, const json_t *doc, enum vlm_report_format format) {
    if (format == VLM_REPORT_JSON) {
        if (json_dumpf(doc, out, JSON_INDENT(1)) /* full precision: p stays exact */ != 0) return VLM_ERR_IO;
        fputc('\n', out);
    } else {
        write_human(out, doc, format == VLM_REPORT_MD);
    }
    return fflush(out) == 0 && !ferror(out) ? VLM_OK : VLM_ERR_IO;
}

/* ------------------------------------------------------------ public */

static int check_params(const struct vlm_compare_params *p, char *err, size_t err_len) {
    if (!(p->alpha > 0 && p->alpha <= 1)) {
        util_errf(err, err_len, "alpha must be above 0 and at most 1 (got %g)", p->alpha);
        return VLM_ERR_INPUT;
    }
    if (!(p->max_drop_points >= 0 && p->max_drop_points <= 100)) {
        util_errf(err, err_len, "max-drop must be 0 to 100 points (got %g)", p->max_drop_points);
        return VLM_ERR_INPUT;
    }
    if (p->format != VLM_REPORT_TABLE && p->format != VLM_REPORT_MD && p->format != VLM_REPORT_JSON) {
        util_errf(err, err_len, "compare writes text, Markdown or JSON only");
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

int vlm_compare(const char *base, const char *new_model, const struct vlm_compare_params *p, FILE *out, bool *regressed,
                char *err, size_t err_len) {
    *regressed = false;
    int rc = check_params(p, err, err_len);
    if (rc != VLM_OK) return rc;
    const char *new_db = p->new_db_path ? p->new_db_path : p->db_path;
    bool same_store = strcmp(new_db, p->db_path) == 0;
    struct side sb = {.model = base, .db = p->db_path}, sn = {.model = new_model, .db = new_db};
    rc = side_open(&sb, NULL, err, err_len);
    if (rc == VLM_OK) rc = side_open(&sn, same_store ? &sb : NULL, err, err_len);
    json_t *doc = rc == VLM_OK ? compare_build(&sb, &sn, p, err, err_len) : NULL;
    if (rc == VLM_OK && !doc) rc = strstr(err, "nothing to compare") ? VLM_ERR_INPUT : VLM_ERR_IO;
    if (doc) {
        *regressed = strcmp(jpath_str(doc, "verdict"), "fail") == 0;
        rc = write_doc(out, doc, p->format);
        if (rc != VLM_OK) util_errf(err, err_len, "could not write the comparison");
    }
    json_decref(doc);
    if (sn.s) side_close(&sn, same_store);
    side_close(&sb, false);
    return rc;
}
