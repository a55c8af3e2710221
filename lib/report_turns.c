/*
 * report_turns.c - how long a model keeps the context of a conversation
 * (docs/metrics.md, "Context kept over turns"): the rule on accuracies by turn,
 * the report's "context_kept" section (per model over every multi-turn case, as
 * "by_turn", and per model x category) and the HTML chart of accuracy by turn
 * that marks the turn where context is lost.
 */
#include "report.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "store.h"

/* ------------------------------------------------------------ the rule */

bool report_context_kept(const struct report_turn_acc *t, int n, struct report_context *out) {
    memset(out, 0, sizeof *out);
    if (n <= 0 || t[0].turn != 1 || t[0].n <= 0) return false;
    double hi;
    vlm_wilson95(t[0].credit, t[0].n, &out->base_low, &hi);
    out->last_turn = t[n - 1].turn;
    out->keeps_through = out->last_turn;
    for (int i = 1; i < n; i++) {
        double lo, up;
        if (t[i].n <= 0) continue;
        vlm_wilson95(t[i].credit, t[i].n, &lo, &up);
        if (up < out->base_low) { /* the first turn that falls below; later recoveries do not count */
            out->lost_at = t[i].turn;
            out->lost_high = up;
            out->keeps_through = t[i].turn - 1;
            break;
        }
    }
    return true;
}

/* ------------------------------------------------------------ the section */

#define CTX_MAX_TURNS 256

/* The turns of one group (a model, or a model x category) being gathered. */
struct ctx_group {
    char *model, *category; /* category NULL: every multi-turn case */
    struct report_turn_acc t[CTX_MAX_TURNS];
    int n;
};

/* The figure of one group as an object of "context_kept"; NULL without turn 1. */
static json_t *ctx_group_json(const struct ctx_group *g) {
    struct report_context c;
    if (!report_context_kept(g->t, g->n, &c)) return NULL;
    json_t *o = json_pack("{s:s, s:o, s:i, s:f, s:i, s:b}", "model", g->model, "category",
                          g->category ? json_string(g->category) : json_null(), "last_turn", c.last_turn,
                          "turn1_ci_low", c.base_low, "keeps_through", c.keeps_through, "lost", c.lost_at > 0);
    json_object_set_new(o, "lost_at", c.lost_at ? json_integer(c.lost_at) : json_null());
    json_object_set_new(o, "lost_ci_high", c.lost_at ? json_real(c.lost_high) : json_null());
    return o;
}

/* Close the group being gathered (if any) into `out`, and start one for model/category. */
static void ctx_group_next(struct ctx_group *g, json_t *out, const char *model, const char *category) {
    if (g->model) {
        json_t *o = ctx_group_json(g);
        if (o) json_array_append_new(out, o);
    }
    free(g->model);
    free(g->category);
    g->model = model ? xstrdup(model) : NULL;
    g->category = category ? xstrdup(category) : NULL;
    g->n = 0;
}

static void ctx_group_add(struct ctx_group *g, int turn0, int n, double credit) {
    if (g->n < CTX_MAX_TURNS) g->t[g->n++] = (struct report_turn_acc){turn0 + 1, n, credit};
}

struct ctx_walk {
    struct ctx_group g;
    json_t *out;
};

static int ctx_category_row(const struct store_turn_category_credit *r, void *user) {
    struct ctx_walk *w = user;
    const char *cat = r->category ? r->category : "";
    if (!w->g.model || strcmp(w->g.model, r->model) || !w->g.category || strcmp(w->g.category, cat))
        ctx_group_next(&w->g, w->out, r->model, cat);
    ctx_group_add(&w->g, r->turn, r->c.n, r->c.credit);
    return VLM_OK;
}

json_t *report_context_section(vlm_store *s, const json_t *by_turn) {
    struct ctx_walk w = {{0}, json_array()};
    size_t i;
    const json_t *row;
    json_array_foreach(by_turn, i, row) { /* ordered by model, then turn */
        const char *model = jpath_str(row, "model");
        double turn, n, credit;
        if (!model || !jpath_num(row, "turn", &turn) || !jpath_num(row, "n", &n) || !jpath_num(row, "credit", &credit))
            continue;
        if (!w.g.model || strcmp(w.g.model, model)) ctx_group_next(&w.g, w.out, model, NULL);
        ctx_group_add(&w.g, (int)turn, (int)n, credit);
    }
    ctx_group_next(&w.g, w.out, NULL, NULL);
    int rc = store_report_by_turn_category(s, ctx_category_row, &w);
    ctx_group_next(&w.g, w.out, NULL, NULL);
    if (rc == VLM_OK) return w.out;
    json_decref(w.out);
    return NULL;
}

/* ------------------------------------------------------------ the chart */

#define TC_W     900.0
#define TC_LEFT  60.0
#define TC_RIGHT 30.0
#define TC_TOP   36.0
#define TC_H     220.0 /* plot height */

/* The pooled figure of `model` in "context_kept" (category null), or NULL. */
static const json_t *tc_figure(const json_t *doc, const char *model) {
    size_t i;
    const json_t *f;
    json_array_foreach(jpath_get(doc, "context_kept"), i, f) {
        if (!json_is_null(json_object_get(f, "category"))) continue;
        const char *m = jpath_str(f, "model");
        if (m && !strcmp(m, model)) return f;
    }
    return NULL;
}

/* One model's line: accuracy by turn with its intervals, and a ring and a
 * dashed line at the turn where context is lost. */
static void tc_model(FILE *out, const json_t *doc, const char *model, const char *colour, int max_turn, double y_pos) {
    double pw = TC_W - TC_LEFT - TC_RIGHT;
#define TX(turn) (TC_LEFT + pw * (max_turn > 1 ? ((turn)-1.0) / (max_turn - 1.0) : 0.5))
#define TY(a)    (TC_TOP + TC_H * (1.0 - (a)))
    size_t i;
    const json_t *r;
    bool first = true;
    fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", colour);
    json_array_foreach(jpath_get(doc, "by_turn"), i, r) {
        double turn, a;
        const char *m = jpath_str(r, "model");
        if (!m || strcmp(m, model) || !jpath_num(r, "turn", &turn) || !jpath_num(r, "accuracy", &a)) continue;
        fprintf(out, "%s%.1f %.1f", first ? "M" : "L", TX(turn + 1), TY(a));
        first = false;
    }
    fputs("\"/>\n", out);
    json_array_foreach(jpath_get(doc, "by_turn"), i, r) {
        double turn, a, lo, hi;
        const char *m = jpath_str(r, "model");
        if (!m || strcmp(m, model) || !jpath_num(r, "turn", &turn) || !jpath_num(r, "accuracy", &a)) continue;
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>", TX(turn + 1), TY(a), colour);
        util_xml_escape(out, model);
        fprintf(out, " \xC2\xB7 turn %.0f: %.0f%%", turn + 1, 100 * a);
        if (jpath_num(r, "ci_low", &lo) && jpath_num(r, "ci_high", &hi)) {
            fprintf(out, " (%.0f\xE2\x80\x93%.0f)</title></circle>\n", 100 * lo, 100 * hi);
            fprintf(out, "<path stroke=\"%s\" stroke-opacity=\"0.5\" d=\"M%.1f %.1fV%.1f\"/>\n", colour, TX(turn + 1),
                    TY(lo), TY(hi));
        } else fputs("</title></circle>\n", out);
    }
    const json_t *f = tc_figure(doc, model);
    double lost, keeps, base;
    if (!f || !jpath_num(f, "keeps_through", &keeps)) return;
    if (jpath_num(f, "turn1_ci_low", &base))
        fprintf(out, "<path stroke=\"%s\" stroke-dasharray=\"2 4\" d=\"M%.1f %.1fH%.1f\"/>\n", colour, TC_LEFT,
                TY(base), TC_LEFT + pw);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", TC_LEFT, y_pos, colour);
    util_xml_escape(out, model);
    if (jpath_num(f, "lost_at", &lost)) {
        fprintf(out, ": keeps context through turn %.0f, lost at turn %.0f</text>\n", keeps, lost);
        fprintf(out,
                "<g class=lost><path stroke=\"%s\" stroke-dasharray=\"5 3\" d=\"M%.1f %.1fV%.1f\"/>"
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>"
                "<title>context lost at turn %.0f</title></g>\n",
                colour, TX(lost), TY(1), TY(0), TX(lost), TY(0) - 8, colour, lost);
    } else fprintf(out, ": keeps context through turn %.0f (not lost)</text>\n", keeps);
#undef TX
#undef TY
}

void report_turns_chart(FILE *out, const json_t *doc, const char *(*colour)(int model)) {
    const json_t *models = jpath_get(doc, "models");
    size_t i;
    const json_t *r;
    double turn;
    int max_turn = 0;
    json_array_foreach(jpath_get(doc, "by_turn"), i, r) if (jpath_num(r, "turn", &turn) && turn + 1 > max_turn)
        max_turn = (int)turn + 1;
    if (max_turn < 1 || !json_array_size(models)) return;
    size_t n_models = json_array_size(models);
    double h = TC_TOP + TC_H + 40 + 18.0 * (double)n_models;
    fprintf(out,
            "<svg class=\"chart\" id=\"by-turn-chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\"><title>Accuracy by turn, by model; a ring marks the turn where context is lost</title>\n",
            TC_W, h, TC_W, h);
    double pw = TC_W - TC_LEFT - TC_RIGHT;
    for (int p = 0; p <= 100; p += 25)
        fprintf(out,
                "<line class=ax x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=mut>%d%%</text>\n",
                TC_LEFT, TC_LEFT + pw, TC_TOP + TC_H * (1 - p / 100.0), TC_TOP + TC_H * (1 - p / 100.0), TC_LEFT - 6,
                TC_TOP + TC_H * (1 - p / 100.0) + 4, p);
    for (int t = 1; t <= max_turn; t++)
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=mut>%d</text>\n",
                TC_LEFT + pw * (max_turn > 1 ? (t - 1.0) / (max_turn - 1.0) : 0.5), TC_TOP + TC_H + 16, t);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=mut>turn</text>\n", TC_LEFT + pw / 2,
            TC_TOP + TC_H + 32);
    json_array_foreach(models, i, r) {
        const char *name = jpath_str(r, "name");
        if (name) tc_model(out, doc, name, colour((int)i), max_turn, TC_TOP + TC_H + 52 + 18.0 * (double)i);
    }
    fputs("</svg>\n", out);
}
