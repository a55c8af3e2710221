/*
 * report_ground.c - the report's "grounding" rows (docs/report-schema.md,
 * docs/metrics.md "Grounding"): for the turns scored `iou`, per model x
 * category, accuracy at IoU (the share of turns whose every box was found at
 * the case's threshold) with its Wilson interval, the mean IoU, the replies
 * with no box, and how many replies were read in each box convention (from the
 * scorer's detail, docs/scoring.md "iou").
 */
#include "report.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

/* The iou turns of one model x category, gathered turn by turn. */
struct ground_group {
    json_t *out;
    char model[256], cat[256];
    int n, right, unparsed, pixels, grid1000, unit;
    double iou;
};

static void ground_flush(struct ground_group *g) {
    if (!g->n) return;
    double lo, hi;
    vlm_wilson95(g->right, g->n, &lo, &hi);
    json_t *o = json_pack("{s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:i}", "model", g->model, "category", g->cat, "n", g->n,
                          "accuracy", (double)g->right / g->n, "ci_low", lo, "ci_high", hi, "mean_iou", g->iou / g->n,
                          "n_unparsed", g->unparsed);
    json_object_set_new(o, "read_as",
                        json_pack("{s:i, s:i, s:i}", "pixels", g->pixels, "grid1000", g->grid1000, "unit", g->unit));
    json_array_append_new(g->out, o);
    json_t *out = g->out;
    memset(g, 0, sizeof *g);
    g->out = out;
}

/* One turn into g: a failed turn (scored 0, detail "failed: ...") counts as wrong with IoU 0, as in
 * the quality figures; the convention is the detail's "(NAME" part. */
static int ground_turn(const struct store_scored_turn *t, void *user) {
    struct ground_group *g = user;
    if (g->n && (strcmp(g->model, t->model) != 0 || strcmp(g->cat, t->category) != 0)) ground_flush(g);
    snprintf(g->model, sizeof g->model, "%s", t->model);
    snprintf(g->cat, sizeof g->cat, "%s", t->category);
    const char *d = t->detail ? t->detail : "";
    g->n++;
    g->right += t->correct;
    g->iou += t->score;
    g->unparsed += strncmp(d, "unparsed", 8) == 0;
    g->pixels += strstr(d, "(pixels") != NULL;
    g->grid1000 += strstr(d, "(grid1000") != NULL;
    g->unit += strstr(d, "(unit") != NULL;
    return VLM_OK;
}

json_t *report_grounding(vlm_store *s) {
    struct ground_group g = {.out = json_array()};
    if (store_report_iou(s, ground_turn, &g) != VLM_OK) {
        json_decref(g.out);
        return NULL;
    }
    ground_flush(&g);
    return g.out;
}
