/*
 * report.h - the report's parts, private to the library: the JSON document that
 * every format is rendered from (docs/report-schema.md), and its renderers.
 * The header of the whole report layer, with no .c of its own: each part says
 * which file defines it (report_build.c builds the document from the sections).
 */
#ifndef VLM_REPORT_H
#define VLM_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "vlmeter.h"

/* Build the report document from a store (report_build.c). NULL with a message. */
json_t *report_build(vlm_store *s, const char *db_path, char *err, size_t err_len);

/* A model entry's single-stream e2e p95: the nearest-rank percentile
 * (vlm_percentile) of its "e2e_ms_values"; false when it has none. The cost
 * section and `vlmeter compare` both take p95 this way (report_cost.c). */
bool report_e2e_p95(const json_t *model, double *p95);

/* The "families" array of a document that has "models" and "quality"
 * (report_family.c); NULL when the store cannot be read (store_error). */
json_t *report_families(vlm_store *s, const json_t *rep);

/* The report's "grounding" (report_ground.c): per model x category of turns
 * scored `iou`, accuracy at the cases' IoU thresholds with its Wilson
 * interval, mean IoU, unparsed replies and the box conventions read; NULL when
 * the store failed. */
json_t *report_grounding(vlm_store *s);
/* The `generation` section: one row per model that met generate cases
 * (report_gen.c); NULL when the store cannot be read (store_error). */
json_t *report_gen_build(vlm_store *s);
/* Add cases not applicable to a model (no vision; report_na.c) to a document
 * that has "models" and "quality": "not_applicable", and "n_na" on models and
 * quality rows. VLM_OK or VLM_ERR_IO (store_error). */
int report_add_not_applicable(vlm_store *s, json_t *doc);

/* The "review" section (report_review.c, docs/report-schema.md): answers
 * with a human verdict, how many changed the scorer's verdict (per model and
 * in all), each scorer's agreement with the human verdicts and Cohen's kappa;
 * and the "preferences" section: blind votes as win rates per model pair with
 * Wilson intervals and, for three models or more, a Bradley-Terry ranking
 * with bootstrap intervals. NULL when the store cannot be read. */
json_t *report_review(vlm_store *s);
json_t *report_preferences(vlm_store *s);

/* Add "cost" and "recommendation" to a built document (report_cost.c). */
/* report_bench.c: give each level of the report's "bench" array its
 * "accuracy" (null when unscored): Wilson interval and McNemar test against
 * the one-at-a-time level of the same run. */
void report_bench_accuracy(json_t *bench);

/* The last SLO search of `model` that found a capacity (an entry of the
 * report's "bench_capacity"), or NULL. */
const json_t *report_bench_capacity_of(const json_t *rep, const char *model);

int report_add_cost(json_t *rep, const vlm_catalog *cat, const struct vlm_requirements *r);

/* The model's cost per 1k requests from a document's "cost" (report_cost.c):
 * its API price, else its cheapest fitting GPU, with where (*where: "api" or
 * the GPU) and the currency; false with *why when there is none. The dials and
 * the decide section price requests this way. */
bool report_cost_per_1k(const json_t *rep, const char *model, double *per_1k, const char **where, const char **cur,
                        const char **why);

/* Context kept over turns (report_turns.c, docs/metrics.md). One turn's
 * accuracy: its number counted from 1, scored turns and credit. */
struct report_turn_acc {
    int turn, n;
    double credit;
};

/* The figure: turn 1's Wilson lower bound, the last turn measured, the first
 * turn after turn 1 whose upper bound falls below that bound (0: none) and its
 * upper bound, and the turn context is kept through (lost_at - 1, or last_turn). */
struct report_context {
    double base_low, lost_high;
    int last_turn, lost_at, keeps_through;
};

/* The figure over turns t[0..n-1] in ascending order; false (out zeroed) when
 * t[0] is not turn 1 with scored turns, so there is no baseline. */
bool report_context_kept(const struct report_turn_acc *t, int n, struct report_context *out);

/* The "context_kept" array: one entry per model over the document's "by_turn"
 * rows (category null), then one per model x category from the store; NULL
 * when the store cannot be read. */
json_t *report_context_section(vlm_store *s, const json_t *by_turn);

/* The SVG chart of accuracy by turn with the turn each model loses context
 * marked; colour(i) is the colour of the document's models[i]. */
void report_turns_chart(FILE *out, const json_t *doc, const char *(*colour)(int model));

/* The "dials" section (report_dials.c, docs/metrics.md "Dials"): groups of
 * models whose settings differ only in the image budget and prompt dials,
 * with figures per member x category and the prompt variants' paired tests;
 * NULL when the store cannot be read. report_dials_finish adds each row's
 * cost per 1k requests (from the document's "cost") and each group's smallest
 * budget within r->max_accuracy_loss; report_dials_chart writes the HTML chart
 * of the group whose table has HTML id `id`. */
json_t *report_dials(vlm_store *s);
void report_dials_finish(json_t *rep, const struct vlm_requirements *r);
void report_dials_chart(FILE *out, const json_t *doc, const char *id);

/* The "decide" section (report_decide.c, docs/metrics.md "Deciding early"):
 * per model run with --decide its verdicts, the cases it used and saved; NULL
 * when the store cannot be read. report_decide_finish adds the GPU time and
 * cost saved, from the document's "cost". */
json_t *report_decide(vlm_store *s);
void report_decide_finish(json_t *rep);

/* Renderers (report_text.c, report_html.c). Return VLM_OK or VLM_ERR_IO. */
int report_write_table(const json_t *r, FILE *out);
int report_write_md(const json_t *r, FILE *out);

/* Text or Markdown (md) sections of n tables described as the report's are
 * (report_table.h) over doc: another document rendered the report's way. */
struct rt_table;
int report_write_sections(const json_t *doc, const struct rt_table *tables, int n, FILE *out, bool md);

/* s as one Markdown inline text (md: pipes escaped, HTML characters as
 * entities, no line breaks) or as it is. */
void report_md_text(FILE *out, const char *s, bool md);
int report_write_csv(const json_t *r, FILE *out);
int report_write_html(const json_t *r, FILE *out);

/* The "sampling" section (report_sampling.c, docs/metrics.md "Sampling settings
 * and seeds"): groups of models whose settings differ only in the sampling
 * keys; per setting (the members equal but for `seed`) and category, each
 * seed's accuracy, their mean, sample standard deviation, min and max, and the
 * difference of means against the group's greedy setting; NULL when the store
 * cannot be read. Its table's per-seed cell ("s42 58.0%, s43 66.0%") and its
 * lines (one per sampled setting, from the group's "lines"), as report_table.h
 * describes cells and prose. */
struct rt_cell;
struct rt_col;
struct rt_ctx;
json_t *report_sampling(vlm_store *s);
void report_sampling_cell_seeds(struct rt_cell *c, const json_t *row, const struct rt_col *col,
                                const struct rt_ctx *cx);
char **report_sampling_lines(const json_t *g, int *n);

#endif
