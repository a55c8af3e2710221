/*
 * report_tables.c - the report's tables, each described once (report_table.h):
 * runs, quality, pairs, yes/no, captions, grounding, by turn, speed and memory,
 * quantization families, load test, cost, recommendation, answers. Every
 * format (table, md, csv, html) shows these and only these; the HTML adds its
 * charts and answer gallery (report_html.c). Paths follow docs/report-schema.md.
 * rt_walk() walks them; the walk itself, the cells and the formatter are in
 * report_table.c, below these descriptions.
 */
#include "report_table.h"

#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "report.h"
#include "util.h"

/* ------------------------------------------------------------ composite cells */

/* "67% (35–88) n=9, 1 unparsed, 2 errors": the parts that are there. */
static void cell_accuracy(struct rt_cell *c, const json_t *q, const struct rt_col *col, const struct rt_ctx *cx) {
    double a, lo, hi, n, unp, errs, na = 0;
    char s[200];
    int k;
    jpath_num(q, "n_na", &na); /* image cases of a model without vision (report_na.c) */
    if (!jpath_num(q, "accuracy", &a)) {
        if (na > 0) rt_cell_set(c, "n/a " RT_NA_WHY);
        else rt_cell_set(c, RT_DASH);
        return;
    }
    k = snprintf(s, sizeof s, "%.0f%%", 100 * a);
    if (jpath_num(q, "ci_low", &lo) && jpath_num(q, "ci_high", &hi))
        k += snprintf(s + k, sizeof s - (size_t)k, " (%.0f" RT_DASH "%.0f)", 100 * lo, 100 * hi);
    if (jpath_num(q, "n", &n)) k += snprintf(s + k, sizeof s - (size_t)k, " n=%.0f", n);
    if (jpath_num(q, "n_unparsed", &unp) && unp > 0) k += snprintf(s + k, sizeof s - (size_t)k, ", %.0f unparsed", unp);
    if (jpath_num(q, "n_errors", &errs) && errs > 0)
        k += snprintf(s + k, sizeof s - (size_t)k, ", %.0f error%s", errs, errs == 1 ? "" : "s");
    if (na > 0) snprintf(s + k, sizeof s - (size_t)k, ", %.0f n/a " RT_NA_WHY, na);
    rt_cell_set(c, "%s", s);
}

/* "lo–hi" of the object at col->path, each in col->fmt. */
static void cell_range(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    const json_t *o = jpath_get(row, col->path);
    double lo, hi;
    char a[64], b[64];
    if (!jpath_num(o, "ci_low", &lo) || !jpath_num(o, "ci_high", &hi)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    rt_format(a, sizeof a, col->fmt, true, lo);
    rt_format(b, sizeof b, col->fmt, true, hi);
    rt_cell_set(c, "%s" RT_DASH "%s", a, b);
}

/* "A/B" of two counts: identical/n under col->path, or n_errors/n_cases. */
static void cell_count_of(struct rt_cell *c, const json_t *row, const char *part, const char *whole) {
    double a, b;
    c->num = true;
    if (!jpath_num(row, part, &a) || !jpath_num(row, whole, &b)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    rt_cell_set(c, "%.0f/%.0f", a, b);
}

static void cell_agreement(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    cell_count_of(c, row, "agreement.identical", "agreement.n");
}

/* Why cases are not applicable: "n/a — no vision". */
static void cell_na_why(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    const char *why = jpath_str(row, "reason");
    rt_cell_set(c, "n/a \xE2\x80\x94 %s", why ? why : "no vision");
}

static void cell_errors(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    cell_count_of(c, row, "n_errors", "n_cases");
}

static void cell_variant(struct rt_cell *c, const json_t *m, const struct rt_col *col, const struct rt_ctx *cx) {
    const char *v = jpath_str(m, "variant");
    rt_cell_set(c, "%s%s", v ? v : RT_DASH, json_is_true(jpath_get(m, "reference")) ? " (reference)" : "");
}

/* An aggregate's value at col->path: a share in percent with one decimal, or
 * points (MME) with one decimal, by the row's unit. */
static void cell_aggregate(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    const char *unit = jpath_str(row, "unit");
    rt_cell_value(c, row, col->path, unit && strcmp(unit, "points") == 0 ? RT_FIX1 : RT_PCT1);
}

/* A category, or "all" for null (every category). */
static void cell_all_category(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    const char *cat = jpath_str(row, "category");
    if (cat) rt_cell_value(c, row, "category", RT_CATEGORY);
    else rt_cell_set(c, "all");
}

static void cell_verdict_pair(struct rt_cell *c, const json_t *p, const struct rt_col *col, const struct rt_ctx *cx) {
    double pv;
    if (!jpath_num(p, "p_value", &pv)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    rt_cell_set(c, "%s", pv < 0.05 ? "differs at 5%" : "no significant difference");
    c->mark = pv < 0.05 ? RT_SIG : RT_PLAIN;
}

/* The first GPU the model fits on; "none" when it fits on none. */
static void cell_fits(struct rt_cell *c, const json_t *m, const struct rt_col *col, const struct rt_ctx *cx) {
    const json_t *fits = jpath_get(m, "fits_on");
    const char *first = json_string_value(json_array_get(fits, 0));
    rt_cell_set(c, "%s", first ? first : json_is_array(fits) ? "none" : RT_DASH);
}

/* Cost per 1,000 requests on the first GPU of the catalog, with its source. */
static void cell_per_1k(struct rt_cell *c, const json_t *m, const struct rt_col *col, const struct rt_ctx *cx) {
    const json_t *g = json_array_get(jpath_get(m, "gpus"), 0);
    double v;
    char num[64];
    c->num = true;
    if (!jpath_num(g, "per_1k_requests", &v)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    rt_format(num, sizeof num, RT_FIX4, true, v);
    const char *cur = jpath_str(g, "currency"), *gpu = jpath_str(g, "gpu"), *as_of = jpath_str(g, "as_of");
    rt_cell_set(c, "%s %s (%s, %s)", num, cur ? cur : "", gpu ? gpu : RT_DASH, as_of ? as_of : RT_DASH);
}

static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

static void cell_verdict_option(struct rt_cell *c, const json_t *o, const struct rt_col *col, const struct rt_ctx *cx) {
    const json_t *ch = jpath_get(cx->doc, "recommendation.chosen");
    const char *why = jpath_str(o, "why");
    if (same(jpath_str(ch, "model"), jpath_str(o, "model")) && same(jpath_str(ch, "where"), jpath_str(o, "where")))
        rt_cell_set(c, "CHOSEN");
    else rt_cell_set(c, "%s", json_is_true(jpath_get(o, "ok")) ? "ok" : why ? why : RT_DASH);
}

/* "suite/case#turn", the turn counted from 1. */
static void cell_case(struct rt_cell *c, const json_t *k, const struct rt_col *col, const struct rt_ctx *cx) {
    double turn = 0;
    bool have = jpath_num(k, "turn", &turn);
    const char *suite = jpath_str(k, "suite"), *id = jpath_str(k, "case");
    rt_cell_set(c, "%s/%s#%.0f", suite ? suite : RT_DASH, id ? id : RT_DASH, have ? turn + 1 : 0);
}

/* Strings as they are, other JSON as compact text, none as a dash. */
static void cell_expected(struct rt_cell *c, const json_t *k, const struct rt_col *col, const struct rt_ctx *cx) {
    const json_t *e = jpath_get(k, "expected");
    if (!e || json_is_null(e)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    if (json_is_string(e)) {
        rt_cell_set(c, "%s", json_string_value(e));
        return;
    }
    char *s = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
    rt_cell_set(c, "%s", s ? s : RT_DASH);
    free(s);
}

/* One model's answer to a turn: "✓ text", "✗ ERROR: message", or a dash. */
static void cell_answer(struct rt_cell *c, const json_t *k, const struct rt_col *col, const struct rt_ctx *cx) {
    /* a model name may hold dots: a key, not a jpath path */
    const json_t *a = cx->model ? json_object_get(jpath_get(k, "answers"), cx->model) : NULL;
    if (!json_is_object(a)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    const json_t *ok = jpath_get(a, "correct");
    const char *mark = json_is_true(ok) ? "\xE2\x9C\x93 " : json_is_false(ok) ? "\xE2\x9C\x97 " : "";
    const char *err = jpath_str(a, "error"), *out = jpath_str(a, "output");
    if (err) rt_cell_set(c, "%sERROR: %s", mark, err);
    else rt_cell_set(c, "%s%s", mark, out ? out : "");
}

/* ------------------------------------------------------------ prose */

/* The recommendation's reasons, its requirements and each family's reasons. */
static char **recommendation_lines(const json_t *doc, int *n) {
    const json_t *rec = jpath_get(doc, "recommendation"), *fc;
    *n = 0;
    if (!json_is_object(rec)) return NULL;
    char **lines = xcalloc(2 + json_array_size(jpath_get(rec, "families")), sizeof *lines);
    const char *reasons = jpath_str(rec, "reasons");
    if (reasons) lines[(*n)++] = xstrdup(reasons);
    char a[64], b[64], c[64];
    rt_format_at(a, sizeof a, rec, "requirements.requests_per_day", RT_INT);
    rt_format_at(b, sizeof b, rec, "requirements.peak_factor", RT_FIX2);
    rt_format_at(c, sizeof c, rec, "requirements.headroom", RT_PCT);
    lines[(*n)++] = xasprintf("At %s requests/day, peak factor %s, memory headroom %s; prices are the "
                              "catalog's: check their source and date.",
                              a, b, c);
    size_t i;
    json_array_foreach(jpath_get(rec, "families"), i, fc) if (jpath_str(fc, "reasons"))
        lines[(*n)++] = xstrdup(jpath_str(fc, "reasons"));
    return lines;
}

/* ------------------------------------------------------------ human review */

/* Under the quality table: how many human verdicts the figures use. */
static char **quality_lines(const json_t *doc, int *n) {
    double v = 0, c = 0;
    *n = 0;
    if (!jpath_num(doc, "review.n_verdicts", &v) || v <= 0) return NULL;
    jpath_num(doc, "review.n_changed", &c);
    char **lines = xcalloc(1, sizeof *lines);
    lines[(*n)++] = xasprintf("%d human verdict%s, %d changed the scorer's verdict: every quality figure uses the "
                              "human verdict where an answer has one (docs/scoring.md, Human review).",
                              (int)v, v == 1 ? "" : "s", (int)c);
    return lines;
}

/* A review row's model; null is the total over every model: "all". */
static void cell_review_model(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    const char *m = jpath_str(row, "model");
    rt_cell_set(c, "%s", m ? m : "all");
    if (!m) c->mark = RT_TOTAL;
}

/* Why the Bradley-Terry ranking has no strengths, when it has none. */
static char **ranking_lines(const json_t *doc, int *n) {
    *n = 0;
    const json_t *r = jpath_get(doc, "preferences.ranking");
    if (!json_is_object(r)) return NULL;
    char **lines = xcalloc(1, sizeof *lines);
    double kept = 0, all = 0;
    if (json_is_false(jpath_get(r, "fitted")))
        lines[(*n)++] = xstrdup("No finite fit: some model never won or never lost against the others (counting "
                                "ties), or has no votes; more votes are needed (docs/scoring.md, Bradley-Terry).");
    else if (jpath_num(r, "resamples_kept", &kept) && jpath_num(r, "resamples", &all) && kept < all) {
        char buf[320];
        snprintf(buf, sizeof buf,
                 "%.0f of %.0f bootstrap resamples had a finite fit (in the others some model never won or never "
                 "lost)%s.",
                 kept, all,
                 json_is_null(json_object_get(json_array_get(jpath_get(r, "models"), 0), "ci_low"))
                     ? ": too few votes for an interval"
                     : "; the intervals are over those");
        lines[(*n)++] = xstrdup(buf);
    }
    if (*n == 0) {
        free(lines);
        return NULL;
    }
    return lines;
}

/* ------------------------------------------------------------ the tables */

/* A column: header, path under the row, format; CELL: with a cell function. */
/* The descriptions keep related columns on one line: not reflowed. */
// clang-format off
#define COL(h, p, f) {.head = h, .path = p, .fmt = f}
#define CELL(h, p, f, fn) {.head = h, .path = p, .fmt = f, .cell = fn}
#define COLS(a) .cols = a, .n_cols = (int)(sizeof a / sizeof a[0])

/* One line per group of related columns. */
static const struct rt_col RUNS[] = {
    COL("run", "id", RT_INT), COL("started", "started_at", RT_TEXT), COL("ended", "ended_at", RT_TEXT),
    COL("host CPU", "host_cpu", RT_TEXT), COL("cores", "host_cores", RT_INT),
    COL("RAM (GiB)", "host_ram_bytes", RT_GIB),
    COL("OS", "host_os", RT_TEXT), COL("llama.cpp", "llama_version", RT_TEXT),
    COL("vlmeter", "vlmeter_version", RT_TEXT),
};

static const struct rt_pivot QUALITY = {
    .cols = "models", .col_name = "name", .entries = "quality", .entry_col = "model",
    .row_key = "category", .row_fmt = RT_CATEGORY, .row_order = "categories", .total = "quality",
    .cell = CELL(NULL, "accuracy", RT_PCT, cell_accuracy),
};

/* The reference reading's accuracy (docs/scoring.md), shaped as quality's. */
static const struct rt_pivot QUALITY_REFERENCE = {
    .cols = "models", .col_name = "name", .entries = "quality_reference", .entry_col = "model",
    .row_key = "category", .row_fmt = RT_CATEGORY, .row_order = "categories", .total = "quality.reference",
    .cell = CELL(NULL, "accuracy", RT_PCT, cell_accuracy),
};

/* Cases not applicable to a model: image cases of a model without vision. */
static const struct rt_col NOT_APPLICABLE[] = {
    COL("model", "model", RT_TEXT), COL("category", "category", RT_CATEGORY),
    COL("cases", "n_cases", RT_INT), CELL("why", NULL, RT_TEXT, cell_na_why),
};

static const struct rt_col PAIRS[] = {
    COL("model A", "a", RT_TEXT), COL("model B", "b", RT_TEXT), COL("shared turns", "n_shared", RT_INT),
    COL("A right, B wrong", "a_only", RT_INT), COL("B right, A wrong", "b_only", RT_INT),
    COL("McNemar p", "p_value", RT_P), CELL("verdict", NULL, RT_TEXT, cell_verdict_pair),
};

static const struct rt_col AGGREGATES[] = {
    COL("model", "model", RT_TEXT), COL("suite", "suite", RT_TEXT),
    CELL("category", NULL, RT_TEXT, cell_all_category), COL("metric", "metric", RT_TEXT),
    COL("groups", "n_groups", RT_INT), CELL("vlmeter", "value", RT_FIX1, cell_aggregate),
    CELL("VLMEvalKit", "reference", RT_FIX1, cell_aggregate),
};

static const struct rt_col YESNO[] = {
    COL("model", "model", RT_TEXT), CELL("category", NULL, RT_TEXT, cell_all_category), COL("n", "n", RT_INT),
    COL("accuracy", "accuracy", RT_FIX3), COL("precision", "precision", RT_FIX3), COL("recall", "recall", RT_FIX3),
    COL("F1", "f1", RT_FIX3), COL("yes-ratio", "yes_ratio", RT_FIX3), COL("unparsed", "n_unparsed", RT_INT),
    COL("VLMEvalKit accuracy", "reference.accuracy", RT_FIX3), COL("VLMEvalKit F1", "reference.f1", RT_FIX3),
    COL("VLMEvalKit unknown", "reference.n_unparsed", RT_INT),
};

static const struct rt_col CAPTIONS[] = {
    COL("model", "model", RT_TEXT), COL("category", "category", RT_CATEGORY), COL("n", "n", RT_INT),
    COL("BLEU-4", "bleu4", RT_FIX3), COL("CIDEr-D", "cider_d", RT_FIX3),
};

static const struct rt_col GROUNDING[] = {
    COL("model", "model", RT_TEXT), COL("category", "category", RT_CATEGORY),
    CELL("accuracy@IoU", NULL, RT_PCT, cell_accuracy), COL("mean IoU", "mean_iou", RT_FIX3),
    COL("read as pixels", "read_as.pixels", RT_INT), COL("0-1000 grid", "read_as.grid1000", RT_INT),
    COL("0-1", "read_as.unit", RT_INT),
};

static const struct rt_col GENERATION[] = {
    COL("model", "model", RT_TEXT), COL("generate cases", "n_cases", RT_INT), COL("images", "n_images", RT_INT),
    COL("errors", "n_errors", RT_INT), COL("status", "status", RT_TEXT), COL("judged", "n_scored", RT_INT),
    COL("TIFA", "tifa", RT_FIX3), COL("VQAScore", "vqascore", RT_FIX3), COL("latency p50 ms", "latency_ms_p50", RT_MS),
    COL("latency mean ms", "latency_ms_mean", RT_MS), COL("USD/image", "cost_usd_per_image", RT_FIX4),
};

static const struct rt_pivot BY_TURN = {
    .cols = "models", .col_name = "name", .entries = "by_turn", .entry_col = "model",
    .row_key = "turn", .row_fmt = RT_TURN,
    .cell = CELL(NULL, "accuracy", RT_PCT, cell_accuracy),
};

/* "7 (not lost)" when no turn fell below turn 1, else the turn context is kept through. */
static void cell_keeps(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    double k;
    c->num = true;
    if (!jpath_num(row, "keeps_through", &k)) rt_cell_set(c, RT_DASH);
    else if (jpath_num(row, "lost_at", &(double){0})) rt_cell_set(c, "%.0f", k);
    else rt_cell_set(c, "%.0f (not lost)", k);
}

static const struct rt_col CONTEXT[] = {
    COL("model", "model", RT_TEXT), CELL("category", NULL, RT_TEXT, cell_all_category),
    COL("turns", "last_turn", RT_INT), COL("turn 1 lower bound", "turn1_ci_low", RT_PCT),
    CELL("keeps context through turn", NULL, RT_INT, cell_keeps), COL("first turn below", "lost_at", RT_INT),
    COL("its upper bound", "lost_ci_high", RT_PCT),
};

/* Down the page, one column per model (column 0 names the model). */
static const struct rt_col SPEED[] = {
    COL("model", "name", RT_TEXT),
    COL("architecture", "arch", RT_TEXT), COL("backend", "backend", RT_TEXT),
    COL("chat template", "chat_template", RT_TEXT), COL("parameters", "n_params", RT_PARAMS),
    COL("model file (MiB)", "model_bytes", RT_MIB), COL("projector file (MiB)", "mmproj_bytes", RT_MIB),
    COL("threads", "n_threads", RT_INT), COL("GPU layers (-1 = all)", "n_gpu_layers", RT_INT),
    COL("load (ms)", "load_ms", RT_MS), COL("turns timed", "speed.n_turns", RT_INT),
    COL("TTFT p50 (ms)", "speed.ttft_ms.p50", RT_MS), COL("TTFT p90 (ms)", "speed.ttft_ms.p90", RT_MS),
    COL("end-to-end p50 (ms)", "speed.e2e_ms.p50", RT_MS), COL("end-to-end p90 (ms)", "speed.e2e_ms.p90", RT_MS),
    COL("end-to-end p99 (ms)", "speed.e2e_ms.p99", RT_MS),
    COL("decode mean (tok/s)", "speed.decode_tps.mean", RT_TPS),
    COL("image encode mean (ms)", "speed.image_encode_ms.mean", RT_MS),
    COL("prefill mean (ms)", "speed.prefill_ms.mean", RT_MS),
    COL("peak RSS (MiB)", "rss_peak_bytes", RT_MIB), COL("GPU memory (MiB)", "gpu_mem_bytes", RT_MIB),
    COL("sequences decoded together", "reuse.n_parallel", RT_INT),
    COL("mean decode batch", "reuse.decode_batch_mean", RT_FIX2),
    COL("images encoded", "reuse.images_encoded", RT_INT), COL("images from the cache", "reuse.images_cached", RT_INT),
    COL("prompt tokens from the KV cache", "reuse.prompt_cached_share", RT_PCT),
    COL("turns with reasoning", "reasoning.n_turns", RT_INT),
    COL("reasoning never closed", "reasoning.n_unclosed", RT_INT),
    COL("reasoning tokens mean", "reasoning.reasoning_tokens_mean", RT_FIX2),
    COL("reasoning share of decode time", "reasoning.decode_time_share", RT_PCT),
    CELL("errors / cases", NULL, RT_INT, cell_errors),
};

static const struct rt_col FAMILY[] = {
    CELL("variant", NULL, RT_TEXT, cell_variant),
    COL("files (MiB)", "file_bytes", RT_MIB), COL("peak RSS (MiB)", "rss_peak_bytes", RT_MIB),
    COL("decode (tok/s)", "decode_tps", RT_TPS), COL("e2e p50 (ms)", "e2e_ms_p50", RT_MS),
    COL("accuracy", "quality.accuracy", RT_FIX3), CELL("95% CI", "quality", RT_FIX3, cell_range),
    COL("vs reference (pt)", "vs_reference.diff", RT_PTS), CELL("95% CI (pt)", "vs_reference", RT_PTS, cell_range),
    CELL("identical answers", NULL, RT_INT, cell_agreement),
    COL("mean KL", "kl.mean", RT_FIX4), COL("max KL", "kl.max", RT_FIX3),
    COL("same top token", "kl.top1_same", RT_PCT1),
};

static const struct rt_pivot FAMILY_CATEGORIES = {
    .cols = "members", .col_name = "variant", .col_entries = "by_category",
    .row_key = "category", .row_fmt = RT_CATEGORY, .row_order = "categories", .total = "quality",
    .cell = COL(NULL, "accuracy", RT_FIX3),
};

static const struct rt_col BENCH[] = {
    COL("model", "model", RT_TEXT), COL("concurrency", "concurrency", RT_INT), COL("rate (req/s)", "rate", RT_RATE),
    COL("requests", "n_requests", RT_INT), COL("errors", "error_rate", RT_PCT1),
    COL("req/s", "req_per_s", RT_FIX2), COL("output tok/s", "output_tps", RT_TPS),
    COL("goodput (req/s)", "goodput_rps", RT_FIX2),
    COL("TTFT p50", "ttft_ms.p50", RT_MS), COL("TTFT p99", "ttft_ms.p99", RT_MS),
    COL("TPOT p50", "tpot_ms.p50", RT_MS), COL("TPOT p99", "tpot_ms.p99", RT_MS),
    COL("ITL p50", "itl_ms.p50", RT_MS), COL("ITL p99", "itl_ms.p99", RT_MS),
    COL("e2e p50", "e2e_ms.p50", RT_MS), COL("e2e p99", "e2e_ms.p99", RT_MS),
    COL("profile", "profile", RT_TEXT), COL("achieved (req/s)", "achieved_rate", RT_FIX2),
    COL("accuracy", "accuracy.accuracy", RT_PCT1), COL("p vs one at a time", "accuracy.p_value", RT_P),
    COL("accuracy flag", "accuracy.flag", RT_TEXT),
};

static const struct rt_col BENCH_CAPACITY[] = { /* report_bench.c */
    COL("model", "model", RT_TEXT), COL("search by", "by", RT_TEXT), COL("capacity", "capacity", RT_FIX2),
    COL("knee above", "knee_above", RT_FIX2), COL("step", "step", RT_FIX2), COL("objectives", "slos", RT_TEXT),
    COL("req/s at capacity", "req_per_s", RT_FIX2), COL("e2e p95 at capacity", "e2e_ms.p95", RT_MS),
    COL("probes", "n_probes", RT_INT),
};

static const struct rt_col GPU_USAGE[] = { /* report_gpu.c */
    COL("model", "model", RT_TEXT), COL("run", "run_id", RT_INT), COL("device", "device", RT_TEXT),
    COL("name", "name", RT_TEXT), COL("load peak MiB", "load.mem_peak_bytes", RT_MIB),
    COL("run peak MiB", "run.mem_peak_bytes", RT_MIB), COL("memory MiB", "run.mem_total_bytes", RT_MIB),
    COL("util mean %", "run.util_mean_pct", RT_FIX1), COL("power mean W", "run.power_mean_w", RT_FIX1),
    COL("energy J", "run.energy_j", RT_FIX1), COL("J/request", "energy_per_request_j", RT_FIX2),
    COL("J/1k output tokens", "energy_per_1k_output_tokens_j", RT_FIX1), COL("temp max C", "run.temp_max_c", RT_INT),
    COL("samples", "run.n_samples", RT_INT),
};

static const struct rt_col ELECTRICITY[] = { /* report_gpu.c */
    COL("model", "model", RT_TEXT), COL("GPU (owned)", "gpu", RT_TEXT), COL("per kWh", "kwh_price", RT_FIX4),
    COL("currency", "currency", RT_TEXT), COL("J/request", "energy_per_request_j", RT_FIX2),
    COL("electricity per 1k requests", "per_1k_requests", RT_FIX4), COL("electricity monthly", "monthly", RT_FIX2),
};

static const struct rt_col SERVER_METRICS[] = { /* report_metrics.c */
    COL("model", "model", RT_TEXT), COL("scope", "scope", RT_TEXT), COL("samples", "samples.count", RT_INT),
    COL("KV cache mean", "kv_cache_usage.mean", RT_PCT1), COL("KV cache max", "kv_cache_usage.max", RT_PCT1),
    COL("running mean", "requests_running.mean", RT_FIX1), COL("running max", "requests_running.max", RT_FIX1),
    COL("waiting mean", "requests_waiting.mean", RT_FIX1), COL("waiting max", "requests_waiting.max", RT_FIX1),
    COL("prefix-cache hits", "prefix_cache_hit_rate.ratio", RT_PCT1),
    COL("prompt tokens", "prompt_tokens.delta", RT_INT), COL("generated tokens", "generation_tokens.delta", RT_INT),
};

static const struct rt_col COST[] = {
    COL("model", "model", RT_TEXT),
    COL("throughput from", "throughput_source", RT_TEXT), COL("concurrency", "concurrency", RT_INT),
    COL("s/request", "busy_s_per_request", RT_FIX3), COL("req/GPU-hour", "req_per_gpu_hour", RT_INT),
    COL("memory (GiB)", "need_bytes", RT_GIB), COL("memory from", "memory_source", RT_TEXT),
    CELL("fits on", NULL, RT_TEXT, cell_fits), COL("quantize to fit", "quantization_to_fit.quant", RT_TEXT),
    CELL("per 1k requests (first GPU)", NULL, RT_FIX4, cell_per_1k),
};

/* The dials of one group (report_dials.c): per category, the budgets ascending. */
static const struct rt_col DIALS[] = {
    COL("model", "model", RT_TEXT), COL("budget", "budget_label", RT_TEXT), COL("prompt", "prompt", RT_TEXT),
    CELL("category", NULL, RT_TEXT, report_dials_cell_category), CELL("accuracy", "accuracy", RT_PCT, cell_accuracy),
    CELL("image tokens/image", NULL, RT_FIX1, report_dials_cell_tokens),
    COL("encode ms/image", "encode_ms_per_image", RT_MS), COL("TTFT p50 (ms)", "ttft_ms_p50", RT_MS),
    CELL("cost per 1k requests", NULL, RT_FIX4, report_dials_cell_cost),
    COL("vs largest (pt)", "vs_largest.diff", RT_PTS), COL("McNemar p", "vs_largest.p_value", RT_P),
    COL("budget verdict", "verdict", RT_TEXT),
};

static const struct rt_col DIAL_PROMPTS[] = {
    COL("model", "model", RT_TEXT), COL("prompt", "prompt", RT_TEXT), COL("plain prompt", "plain", RT_TEXT),
    COL("budget", "budget_label", RT_TEXT), CELL("category", NULL, RT_TEXT, report_dials_cell_category),
    COL("shared turns", "n_shared", RT_INT), COL("diff (pt)", "diff", RT_PTS),
    COL("variant right, plain wrong", "variant_only", RT_INT), COL("plain right, variant wrong", "plain_only", RT_INT),
    COL("McNemar p", "p_value", RT_P),
};

/* The seeds of each sampling setting of one group (report_sampling.c): per category, the settings. */
static const struct rt_col SAMPLING[] = {
    COL("setting", "setting", RT_TEXT), CELL("category", NULL, RT_TEXT, report_dials_cell_category),
    COL("seeds", "n_seeds", RT_INT), CELL("accuracy per seed", NULL, RT_TEXT, report_sampling_cell_seeds),
    COL("mean", "mean", RT_PCT1), COL("sd", "sd", RT_PCT1), COL("min", "min", RT_PCT1), COL("max", "max", RT_PCT1),
    COL("vs greedy (pt)", "vs_greedy", RT_PTS),
};

static const struct rt_col OPTIONS[] = {
    COL("model", "model", RT_TEXT), COL("on", "where", RT_TEXT), COL("plan", "plan", RT_TEXT),
    COL("monthly", "monthly", RT_FIX2), COL("currency", "currency", RT_TEXT),
    COL("always-on", "always_on_monthly", RT_FIX2), COL("busy-second", "busy_monthly", RT_FIX2),
    COL("API", "api_monthly", RT_FIX2), COL("instances", "instances", RT_INT),
    CELL("verdict", NULL, RT_TEXT, cell_verdict_option),
};

static const struct rt_col CASES[] = {
    CELL("case", NULL, RT_TEXT, cell_case), COL("category", "category", RT_CATEGORY),
    COL("prompt", "prompt", RT_TEXT), CELL("expected", NULL, RT_TEXT, cell_expected),
    {.fmt = RT_TEXT, .cell = cell_answer, .flags = RT_PER_MODEL}, /* one column per model */
};

/* A decided model's cost saved: "1.23 USD (L4)"; a dash when not priced. */
static void cell_decide_cost(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    double v;
    if (!jpath_num(row, "cost_saved", &v)) {
        rt_cell_set(c, RT_DASH);
        return;
    }
    const char *cur = jpath_str(row, "cost_currency"), *where = jpath_str(row, "cost_where");
    rt_cell_set(c, "%.2f%s%s%s%s", v, cur ? " " : "", cur ? cur : "", where ? " on " : "", where ? where : "");
}

static const struct rt_col DECIDE_MODELS[] = {
    COL("model", "model", RT_TEXT), COL("state", "state", RT_TEXT), COL("cases used", "n_used", RT_INT),
    COL("answered", "n_stored", RT_INT), COL("of", "n_cases", RT_INT), COL("saved", "share_saved", RT_PCT),
    COL("GPU s saved", "gpu_s_saved", RT_FIX1), CELL("cost saved", NULL, RT_TEXT, cell_decide_cost),
    COL("alpha", "alpha", RT_FIX2), COL("seed", "seed", RT_INT),
};

static const struct rt_col DECIDE_VERDICTS[] = {
    COL("model", "model", RT_TEXT), COL("requirement", "requirement", RT_CATEGORY),
    COL("min accuracy", "threshold", RT_PCT1), COL("verdict", "verdict", RT_TEXT),
    CELL("confidence sequence", NULL, RT_PCT1, cell_range),
};

static const struct rt_col REVIEW[] = {
    CELL("model", NULL, RT_TEXT, cell_review_model), COL("human verdicts", "n_verdicts", RT_INT),
    COL("changed the scorer's verdict", "n_changed", RT_INT),
    COL("on caption answers", "n_caption", RT_INT), COL("not scored", "n_unscored", RT_INT),
};

static const struct rt_col AGREEMENT[] = {
    COL("scorer", "scorer", RT_TEXT), COL("answers", "n", RT_INT), COL("agreements", "agreements", RT_INT),
    COL("agreement", "agreement", RT_PCT1), COL("Cohen's kappa", "kappa", RT_FIX3),
    COL("scorer: right", "n_scorer_right", RT_INT), COL("human: right", "n_human_right", RT_INT),
};

static const struct rt_col PREFERENCES[] = {
    COL("model A", "a", RT_TEXT), COL("model B", "b", RT_TEXT), COL("votes", "n", RT_INT),
    COL("A wins", "wins_a", RT_INT), COL("B wins", "wins_b", RT_INT), COL("ties", "ties", RT_INT),
    COL("A's win rate", "win_rate_a", RT_PCT1), CELL("95% CI", NULL, RT_PCT1, cell_range),
};

static const struct rt_col RANKING[] = {
    COL("model", "model", RT_TEXT), COL("strength", "strength", RT_FIX3),
    CELL("95% CI", NULL, RT_FIX3, cell_range), COL("votes", "n_votes", RT_INT),
};

const struct rt_table RT_TABLES[] = {
    {.id = "runs", .title = "Runs", .note = "Every run stored, oldest first.",
     .shape = RT_LIST, .rows = "runs", COLS(RUNS)},
    {.id = "quality", .title = "Quality",
     .note = "Accuracy per category with its 95% Wilson interval and the number of scored turns; "
             "failed turns count as wrong (docs/scoring.md).",
     .shape = RT_PIVOT, .pivot = &QUALITY, .corner = "category", .flags = RT_BEST | RT_MODEL_COLS,
     .lines = quality_lines},
    {.id = "quality-reference", .title = "Quality, VLMEvalKit-compatible reading",
     .note = "The same turns read by VLMEvalKit's own matching rules (docs/scoring.md, Reference readings); "
             "shown for categories whose scorers all have such a reading.",
     .shape = RT_PIVOT, .pivot = &QUALITY_REFERENCE, .corner = "category", .flags = RT_BEST | RT_MODEL_COLS},
    {.id = "review", .title = "Human verdicts",
     .note = "Answers a reviewer judged (vlmeter serve): the quality figures use the human verdict (right: score "
             "0.5 or more) instead of the scorer's; changed: the two disagree (no scorer row or an unparsed reply "
             "counts as wrong). Verdicts on caption answers (bleu, cider) and on answers not scored yet are in no "
             "accuracy figure (docs/scoring.md, Human review).",
     .shape = RT_LIST, .rows = "review.by_model", COLS(REVIEW)},
    {.id = "review-agreement", .title = "Agreement of each scorer with the human verdicts",
     .note = "Answers with both the scorer's verdict and a human verdict: the share where both say right or both "
             "say wrong, and Cohen's kappa (agreement beyond chance; a dash when undefined), docs/scoring.md.",
     .shape = RT_LIST, .rows = "review.scorers", COLS(AGREEMENT)},
    {.id = "preferences", .title = "Blind preferences",
     .note = "Votes between two models' answers shown side by side without names: A's win rate counts a tie "
             "as half a win, with its 95% Wilson interval (docs/scoring.md, Preferences).",
     .shape = RT_LIST, .rows = "preferences.pairs", COLS(PREFERENCES)},
    {.id = "preference-ranking", .title = "Bradley-Terry ranking",
     .note = "Three models or more: Bradley-Terry strengths fitted to every vote (a tie half a win to each), "
             "geometric mean 1, so A beats B with probability A / (A + B); 95% intervals from 1000 bootstrap "
             "resamples of the votes (docs/scoring.md, Bradley-Terry).",
     .shape = RT_LIST, .rows = "preferences.ranking.models", COLS(RANKING), .lines = ranking_lines},
    {.id = "not-applicable", .title = "Not applicable",
     .note = "Image cases of models without vision (no projector, vision=false, or a server that refused "
             "image content): not sent, not scored, and in no accuracy figure (docs/report-schema.md).",
     .shape = RT_LIST, .rows = "not_applicable", COLS(NOT_APPLICABLE)},
    {.id = "decide", .title = "Decided early",
     .note = "Models run with --decide: cases were drawn in a seeded stratified order and the model stopped once "
             "every min_accuracy verdict was settled, or one failed (state passed / failed; open: it ran out of "
             "cases). Used: cases the verdicts took in; answered: cases stored; saved: the suite's cases it did "
             "not answer, at the cost section's busy seconds and cheapest price per request (docs/metrics.md, "
             "Deciding early).",
     .shape = RT_LIST, .rows = "decide.models", COLS(DECIDE_MODELS)},
    {.id = "decide-verdicts", .title = "Verdicts of --decide",
     .note = "Each min_accuracy requirement of a decided model: met or not met once its anytime-valid confidence "
             "sequence for the full suite's accuracy lies wholly above or below the threshold, each wrong with "
             "probability at most alpha; open otherwise.",
     .shape = RT_LIST, .rows = "decide.verdicts", COLS(DECIDE_VERDICTS)},
    {.id = "pairs", .title = "Paired comparison",
     .note = "Turns both models scored; exact two-sided McNemar test on right/wrong.",
     .shape = RT_LIST, .rows = "pairs", COLS(PAIRS)},
    {.id = "aggregates", .title = "Benchmark aggregates",
     .note = "The benchmarks' own figures over groups of questions: MMBench's circular accuracy, MME's "
             "acc+ and score, HallusionBench's figure and question accuracy (docs/report-schema.md); "
             "by vlmeter's reading and by VLMEvalKit's.",
     .shape = RT_LIST, .rows = "aggregates", COLS(AGGREGATES)},
    {.id = "yesno", .title = "Yes/no questions",
     .note = "Precision, recall and F1 with yes as the positive answer; a reply read as neither counts as "
             "no (as POPE's own script). The all row counts a question in two categories twice, as "
             "VLMEvalKit's POPE Overall does.", .shape = RT_LIST, .rows = "yesno", COLS(YESNO)},
    {.id = "captions", .title = "Captions", .note = "Corpus BLEU-4 (0-1) and mean CIDEr-D (0-10).",
     .shape = RT_LIST, .rows = "captions", COLS(CAPTIONS)},
    {.id = "grounding", .title = "Grounding (bounding boxes)",
     .note = "Turns scored iou: the share whose every box matched at the case's IoU threshold (0.5 unless "
             "the case says), with its 95% Wilson interval; the mean IoU; how many replies were read in "
             "each box convention (docs/scoring.md, iou).",
     .shape = RT_LIST, .rows = "grounding", COLS(GROUNDING)},
    {.id = "generation", .title = "Image generation",
     .note = "Generate cases: images made through each model's images endpoint, scored by the judge: TIFA "
             "(share of the case's questions answered right about the picture) and VQAScore (the judge's "
             "P(yes) that the picture shows the prompt; local judges only), docs/scoring.md.",
     .shape = RT_LIST, .rows = "generation", COLS(GENERATION)},
    {.id = "by-turn", .title = "Accuracy by turn", .note = "Multi-turn cases only; turns counted from 1.",
     .shape = RT_PIVOT, .pivot = &BY_TURN, .corner = "turn", .flags = RT_BEST | RT_MODEL_COLS},
    {.id = "context", .title = "Context kept over turns",
     .note = "Per model (all: every multi-turn case, as the table above) and per category: the first turn after "
             "turn 1 whose accuracy's 95% upper bound falls below turn 1's lower bound; context is kept through "
             "the turn before it (docs/metrics.md).",
     .shape = RT_LIST, .rows = "context_kept", COLS(CONTEXT)},
    {.id = "speed", .title = "Speed and memory",
     .note = "Latest load of each model; timings over turns without error; batch and KV cache reuse "
             "as in docs/metrics.md.",
     .shape = RT_TRANSPOSED, .rows = "models", COLS(SPEED), .corner = "metric", .flags = RT_MODEL_COLS},
    {.id = "family", .title = "Quantization family %s", .each = "families",
     .note = "Each variant beside its reference: accuracy change on the turns both answered (points, "
             "95% adjusted-Wald interval), identical answers, and the KL divergence of next-token "
             "distributions along the reference's answers (nats per token) with the share of "
             "positions whose top token is the reference's (docs/metrics.md, Quantization).",
     .shape = RT_LIST, .rows = "members", COLS(FAMILY)},
    {.id = "family-categories", .title = "Quantization family %s: accuracy by category", .each = "families",
     .shape = RT_PIVOT, .pivot = &FAMILY_CATEGORIES, .corner = "category"},
    {.id = "bench", .title = "Load test",
     .note = "vlmeter bench: per concurrency level, throughput, goodput under the SLOs and latency "
             "percentiles in ms (docs/metrics.md).",
     .shape = RT_LIST, .rows = "bench", COLS(BENCH)},
    {.id = "bench-capacity", .title = "Capacity (SLO search)",
     .note = "vlmeter bench --slo: the highest concurrency or rate at which every objective held, found by "
             "bisection down to the step; the knee is the lowest value that failed (docs/metrics.md, SLO search). "
             "The cost section's requests per GPU-hour use it when present.",
     .shape = RT_LIST, .rows = "bench_capacity", COLS(BENCH_CAPACITY)},
    {.id = "server-metrics", .title = "Server metrics",
     .note = "The server's own /metrics page, read once a second while a run or a bench level talked to it: "
             "KV-cache usage, requests running and waiting (mean and max), prefix-cache hit rate and the "
             "server's token counters over the span (docs/metrics.md, Server metrics). A dash: not on the page.",
     .shape = RT_LIST, .rows = "server_metrics", COLS(SERVER_METRICS)},
    {.id = "gpu", .title = "GPU (NVML)",
     .note = "The GPUs a local model's layers are on, read through NVML every --gpu-sample-ms while it loaded "
             "(load) and answered (run; the figures below without a phase are the run's): peak memory used, mean "
             "utilization and power, energy (NVML's counter, else power integrated), per request and per 1k "
             "output tokens of the turns the model answered in that run; total: those devices together; a "
             "figure NVML did not give is blank (docs/metrics.md, GPU).",
     .shape = RT_LIST, .rows = "gpu", COLS(GPU_USAGE)},
    {.id = "cost", .title = "Cost per model",
     .note = "Formulas: docs/cost.md. Prices come from the catalog with their currency, source and "
             "date; the shipped ones are examples: check your provider. Speed is as measured here.",
     .shape = RT_LIST, .rows = "cost", COLS(COST)},
    {.id = "electricity", .title = "Electricity (owned GPUs)",
     .note = "The measured GPU energy per request (all devices of the model's latest sampled run) priced at each "
             "owned catalog GPU's kwh_price: per 1k requests, and per month at the requirements' requests per day "
             "(docs/cost.md, Electricity). Rented GPUs' hourly prices already include it.",
     .shape = RT_LIST, .rows = "electricity", COLS(ELECTRICITY)},
    {.id = "dials", .title = "Dials of %s: image budget and prompt", .each = "dials",
     .note = "Models whose settings differ only in image_min_tokens, image_max_tokens, max_pixels, max_side, "
             "system or prompt_suffix: accuracy (95% Wilson interval), image tokens and encode ms per image, "
             "TTFT p50 and cost per 1k requests (on the all row) against the budget (native: unset), and each "
             "budget against the largest on the turns both scored (docs/metrics.md, Dials).",
     .shape = RT_LIST, .rows = "rows", COLS(DIALS), .lines = report_dials_lines},
    {.id = "dial-prompts", .title = "Prompt variants of %s", .each = "dials",
     .note = "Each prompt variant against the plain prompt at the same budget on the turns both scored: "
             "difference in points and the exact two-sided McNemar test on the discordant turns.",
     .shape = RT_LIST, .rows = "prompt_variants", COLS(DIAL_PROMPTS)},
    {.id = "sampling", .title = "Sampling settings of %s: seeds and spread", .each = "sampling",
     .note = "Models whose settings differ only in temp, top_p, top_k, min_p, repeat_penalty or seed: per "
             "setting (equal but for the seed) and category, each seed's accuracy, their mean, sample standard "
             "deviation (n - 1), min and max, and the difference of means against the greedy setting (temp 0) "
             "(docs/metrics.md, Sampling settings and seeds).",
     .shape = RT_LIST, .rows = "rows", COLS(SAMPLING), .lines = report_sampling_lines},
    {.id = "recommendation", .title = "Recommendation",
     .note = "The cheapest option that meets every requirement, then every model x GPU (or API) option "
             "with its monthly cost and verdict (docs/cost.md).",
     .shape = RT_LIST, .rows = "recommendation.options", COLS(OPTIONS), .lines = recommendation_lines},
    {.id = "answers", .title = "Answers side by side", .shape = RT_LIST, .rows = "cases", COLS(CASES),
     .flags = RT_CUT | RT_HTML_OWN},
};
// clang-format on

const int RT_N_TABLES = (int)(sizeof RT_TABLES / sizeof RT_TABLES[0]);

/* ------------------------------------------------------------ the walk over them */

void rt_walk(const json_t *doc, unsigned skip, rt_section_fn *fn, void *user) {
    rt_walk_tables(doc, RT_TABLES, RT_N_TABLES, skip, fn, user);
}
