/*
 * report_text.c - the text renderings of the report document: an aligned table
 * for terminals, Markdown, and CSV. Each section is built once as a grid of
 * cells and printed as text or Markdown, so the two never disagree.
 */
#include "report.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ grids */

struct grid {
    int nr, nc, cap;
    char **cells; /* nr * nc, row-major, owned */
};

static struct grid *grid_new(int nc) {
    struct grid *g = vlm_xcalloc(1, sizeof *g);
    g->nc = nc;
    return g;
}

static void grid_free(struct grid *g) {
    for (int i = 0; i < g->nr * g->nc; i++) free(g->cells[i]);
    free(g->cells);
    free(g);
}

/* Append a row; cells as printf-formatted strings are set with grid_set. */
static int grid_row(struct grid *g) {
    vlm_grow((void **)&g->cells, &g->cap, (g->nr + 1) * g->nc, sizeof *g->cells);
    for (int c = 0; c < g->nc; c++) g->cells[g->nr * g->nc + c] = vlm_xstrdup("");
    return g->nr++;
}

static void grid_set(struct grid *g, int r, int c, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void grid_set(struct grid *g, int r, int c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    free(g->cells[r * g->nc + c]);
    g->cells[r * g->nc + c] = s ? s : vlm_xstrdup("");
}

static const char *cell(const struct grid *g, int r, int c) { return g->cells[r * g->nc + c]; }

/* Display width of UTF-8 text: code points, CJK counted double. */
static int text_width(const char *s) {
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80) continue;
        w += *p >= 0xE3 && *p <= 0xED ? 2 : 1; /* U+3000..U+DFFF: CJK, wide */
    }
    return w;
}

static void grid_print_text(const struct grid *g, FILE *out) {
    int *w = vlm_xcalloc((size_t)g->nc, sizeof *w);
    for (int r = 0; r < g->nr; r++)
        for (int c = 0; c < g->nc; c++)
            if (text_width(cell(g, r, c)) > w[c]) w[c] = text_width(cell(g, r, c));
    for (int r = 0; r < g->nr; r++) {
        for (int c = 0; c < g->nc; c++) {
            const char *s = cell(g, r, c);
            int pad = w[c] - text_width(s);
            bool left = c == 0;
            fprintf(out, "%s%*s%s%*s", c ? "  " : "", left ? 0 : pad, "", s, left ? pad : 0, "");
        }
        fputc('\n', out);
        if (r == 0) {
            for (int c = 0; c < g->nc; c++) {
                fprintf(out, "%s", c ? "  " : "");
                for (int k = 0; k < w[c]; k++) fputc('-', out);
            }
            fputc('\n', out);
        }
    }
    free(w);
}

/* Markdown cell: no line breaks, pipes escaped, HTML special characters as
 * entities (Markdown renderers pass raw HTML through). */
static void md_cell(FILE *out, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '|': fputs("\\|", out); break;
        case '\n': case '\r': fputc(' ', out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '`': fputs("\\`", out); break;
        default: fputc(*s, out);
        }
    }
}

static void grid_print_md(const struct grid *g, FILE *out) {
    for (int r = 0; r < g->nr; r++) {
        fputc('|', out);
        for (int c = 0; c < g->nc; c++) {
            fputc(' ', out);
            md_cell(out, cell(g, r, c));
            fputs(" |", out);
        }
        fputc('\n', out);
        if (r == 0) {
            fputc('|', out);
            for (int c = 0; c < g->nc; c++) fputs(c ? " ---: |" : " --- |", out);
            fputc('\n', out);
        }
    }
}

/* ------------------------------------------------------------ values */

static double num(const json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int numi(const json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : json_is_real(v) ? (int)json_real_value(v) : 0;
}

static const char *str(const json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* "67% (35–88) n=9", or "–" without data. */
static void set_accuracy_cell(struct grid *g, int r, int c, const json_t *q) {
    if (!q || isnan(num(q, "accuracy"))) { grid_set(g, r, c, "–"); return; }
    grid_set(g, r, c, "%.0f%% (%.0f–%.0f) n=%d", 100 * num(q, "accuracy"), 100 * num(q, "ci_low"),
             100 * num(q, "ci_high"), numi(q, "n"));
}

static void set_num(struct grid *g, int r, int c, double v, const char *fmt) {
    if (isnan(v)) grid_set(g, r, c, "–");
    else grid_set(g, r, c, fmt, v);
}

static const json_t *find_quality(const json_t *rep, const char *model, const char *cat) {
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(rep, "quality"), i, q)
        if (!strcmp(str(q, "model"), model) && !strcmp(str(q, "category"), cat)) return q;
    return NULL;
}

/* ------------------------------------------------------------ sections */

static struct grid *quality_grid(const json_t *rep) {
    json_t *models = json_object_get(rep, "models"), *m, *cat;
    struct grid *g = grid_new(1 + (int)json_array_size(models));
    int r = grid_row(g);
    size_t i, k;
    grid_set(g, r, 0, "category");
    json_array_foreach(models, i, m) grid_set(g, r, 1 + (int)i, "%s", str(m, "name"));
    json_array_foreach(json_object_get(rep, "categories"), k, cat) {
        const char *c = json_string_value(cat);
        bool any = false;
        json_array_foreach(models, i, m) any |= find_quality(rep, str(m, "name"), c) != NULL;
        if (!any) continue;
        r = grid_row(g);
        grid_set(g, r, 0, "%s", c[0] ? c : "(none)");
        json_array_foreach(models, i, m) set_accuracy_cell(g, r, 1 + (int)i, find_quality(rep, str(m, "name"), c));
    }
    r = grid_row(g);
    grid_set(g, r, 0, "all");
    json_array_foreach(models, i, m) set_accuracy_cell(g, r, 1 + (int)i, json_object_get(m, "quality"));
    return g;
}

static double dist(const json_t *m, const char *metric, const char *stat) {
    json_t *d = json_object_get(json_object_get(m, "speed"), metric);
    return json_is_object(d) ? num(d, stat) : NAN;
}

static struct grid *speed_grid(const json_t *rep) {
    static const char *head[] = {"model", "load_ms", "ttft_ms p50", "e2e_ms p50", "e2e_ms p90", "e2e_ms p99",
                                 "decode tok/s", "image_encode_ms", "prefill_ms", "rss MiB", "gpu MiB",
                                 "files MiB", "errors", "batch", "kv reused", "reasoning tok", "reasoning time"};
    struct grid *g = grid_new(17);
    int r = grid_row(g);
    for (int c = 0; c < 17; c++) grid_set(g, r, c, "%s", head[c]);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(rep, "models"), i, m) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(m, "name"));
        set_num(g, r, 1, num(m, "load_ms"), "%.0f");
        set_num(g, r, 2, dist(m, "ttft_ms", "p50"), "%.1f");
        set_num(g, r, 3, dist(m, "e2e_ms", "p50"), "%.1f");
        set_num(g, r, 4, dist(m, "e2e_ms", "p90"), "%.1f");
        set_num(g, r, 5, dist(m, "e2e_ms", "p99"), "%.1f");
        set_num(g, r, 6, dist(m, "decode_tps", "mean"), "%.1f");
        set_num(g, r, 7, dist(m, "image_encode_ms", "mean"), "%.1f");
        set_num(g, r, 8, dist(m, "prefill_ms", "mean"), "%.1f");
        set_num(g, r, 9, num(m, "rss_peak_bytes") / 1048576.0, "%.0f");
        set_num(g, r, 10, num(m, "gpu_mem_bytes") / 1048576.0, "%.0f");
        set_num(g, r, 11, (num(m, "model_bytes") + num(m, "mmproj_bytes")) / 1048576.0, "%.1f");
        grid_set(g, r, 12, "%d/%d", numi(m, "n_errors"), numi(m, "n_cases"));
        const json_t *reuse = json_object_get(m, "reuse");
        set_num(g, r, 13, num(reuse, "decode_batch_mean"), "%.2f");
        set_num(g, r, 14, num(reuse, "prompt_cached_share") * 100, "%.0f%%");
        const json_t *think = json_object_get(m, "reasoning");
        set_num(g, r, 15, num(think, "reasoning_tokens_mean"), "%.1f");
        set_num(g, r, 16, num(think, "decode_time_share") * 100, "%.0f%%");
    }
    return g;
}

static double pct(const json_t *level, const char *metric, const char *q) {
    return num(json_object_get(level, metric), q);
}

/* Load-test levels (`vlmeter bench`): one row per model x level. */
static struct grid *bench_grid(const json_t *rep) {
    static const char *head[] = {"model", "conc", "rate", "reqs", "err %", "req/s", "out tok/s",
                                 "goodput/s", "ttft p50", "ttft p99", "tpot p50", "tpot p99",
                                 "itl p99", "e2e p50", "e2e p99"};
    struct grid *g = grid_new(15);
    int r = grid_row(g);
    for (int c = 0; c < 15; c++) grid_set(g, r, c, "%s", head[c]);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(rep, "bench"), i, l) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(l, "model"));
        grid_set(g, r, 1, "%d", numi(l, "concurrency"));
        if (num(l, "rate") > 0) set_num(g, r, 2, num(l, "rate"), "%.1f");
        else grid_set(g, r, 2, "max");
        grid_set(g, r, 3, "%d", numi(l, "n_requests"));
        set_num(g, r, 4, num(l, "error_rate") * 100, "%.1f");
        set_num(g, r, 5, num(l, "req_per_s"), "%.2f");
        set_num(g, r, 6, num(l, "output_tps"), "%.1f");
        set_num(g, r, 7, num(l, "goodput_rps"), "%.2f");
        set_num(g, r, 8, pct(l, "ttft_ms", "p50"), "%.1f");
        set_num(g, r, 9, pct(l, "ttft_ms", "p99"), "%.1f");
        set_num(g, r, 10, pct(l, "tpot_ms", "p50"), "%.1f");
        set_num(g, r, 11, pct(l, "tpot_ms", "p99"), "%.1f");
        set_num(g, r, 12, pct(l, "itl_ms", "p99"), "%.1f");
        set_num(g, r, 13, pct(l, "e2e_ms", "p50"), "%.1f");
        set_num(g, r, 14, pct(l, "e2e_ms", "p99"), "%.1f");
    }
    return g;
}

static struct grid *pairs_grid(const json_t *rep) {
    struct grid *g = grid_new(6);
    int r = grid_row(g);
    const char *head[] = {"model a", "model b", "shared", "only a right", "only b right", "McNemar p"};
    for (int c = 0; c < 6; c++) grid_set(g, r, c, "%s", head[c]);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rep, "pairs"), i, p) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(p, "a"));
        grid_set(g, r, 1, "%s", str(p, "b"));
        grid_set(g, r, 2, "%d", numi(p, "n_shared"));
        grid_set(g, r, 3, "%d", numi(p, "a_only"));
        grid_set(g, r, 4, "%d", numi(p, "b_only"));
        grid_set(g, r, 5, "%.3g%s", num(p, "p_value"), num(p, "p_value") < 0.05 ? " (differs)" : "");
    }
    return g;
}

static struct grid *yesno_grid(const json_t *rep) {
    struct grid *g = grid_new(8);
    int r = grid_row(g);
    const char *head[] = {"model", "category", "n", "accuracy", "precision", "recall", "F1", "yes-ratio"};
    for (int c = 0; c < 8; c++) grid_set(g, r, c, "%s", head[c]);
    size_t i;
    json_t *y;
    json_array_foreach(json_object_get(rep, "yesno"), i, y) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(y, "model"));
        grid_set(g, r, 1, "%s", str(y, "category"));
        grid_set(g, r, 2, "%d", numi(y, "n"));
        const char *keys[] = {"accuracy", "precision", "recall", "f1", "yes_ratio"};
        for (int k = 0; k < 5; k++) set_num(g, r, 3 + k, num(y, keys[k]), "%.3f");
    }
    return g;
}

static struct grid *captions_grid(const json_t *rep) {
    struct grid *g = grid_new(5);
    int r = grid_row(g);
    const char *head[] = {"model", "category", "n", "BLEU-4", "CIDEr-D"};
    for (int c = 0; c < 5; c++) grid_set(g, r, c, "%s", head[c]);
    size_t i;
    json_t *y;
    json_array_foreach(json_object_get(rep, "captions"), i, y) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(y, "model"));
        grid_set(g, r, 1, "%s", str(y, "category"));
        grid_set(g, r, 2, "%d", numi(y, "n"));
        set_num(g, r, 3, num(y, "bleu4"), "%.3f");
        set_num(g, r, 4, num(y, "cider_d"), "%.3f");
    }
    return g;
}

static struct grid *by_turn_grid(const json_t *rep) {
    struct grid *g = grid_new(3);
    int r = grid_row(g);
    grid_set(g, r, 0, "model");
    grid_set(g, r, 1, "turn");
    grid_set(g, r, 2, "accuracy (95%% CI)");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(rep, "by_turn"), i, t) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(t, "model"));
        grid_set(g, r, 1, "%d", numi(t, "turn") + 1);
        set_accuracy_cell(g, r, 2, t);
    }
    return g;
}

/* One row per stored turn; answers cut to `width` characters (0: whole). */
static struct grid *cases_grid(const json_t *rep, int width, int max_rows) {
    json_t *models = json_object_get(rep, "models"), *m, *row;
    struct grid *g = grid_new(4 + (int)json_array_size(models));
    int r = grid_row(g);
    size_t i, k;
    grid_set(g, r, 0, "case");
    grid_set(g, r, 1, "category");
    grid_set(g, r, 2, "prompt");
    grid_set(g, r, 3, "expected");
    json_array_foreach(models, i, m) grid_set(g, r, 4 + (int)i, "%s", str(m, "name"));
    json_array_foreach(json_object_get(rep, "cases"), k, row) {
        if (max_rows && (int)k >= max_rows) break;
        r = grid_row(g);
        grid_set(g, r, 0, "%s/%s#%d", str(row, "suite"), str(row, "case"), numi(row, "turn") + 1);
        grid_set(g, r, 1, "%s", str(row, "category"));
        grid_set(g, r, 2, "%.*s", width ? width : 100000, str(row, "prompt"));
        char *exp = json_dumps(json_object_get(row, "expected"), JSON_ENCODE_ANY | JSON_COMPACT);
        grid_set(g, r, 3, "%s", exp ? exp : "–");
        free(exp);
        json_array_foreach(models, i, m) {
            json_t *a = json_object_get(json_object_get(row, "answers"), str(m, "name"));
            json_t *correct = json_object_get(a, "correct");
            const char *mark = json_is_true(correct) ? "✓ " : json_is_false(correct) ? "✗ " : "";
            if (!a) grid_set(g, r, 4 + (int)i, "–");
            else if (json_is_string(json_object_get(a, "error")))
                grid_set(g, r, 4 + (int)i, "%sERROR: %.*s", mark, width ? width : 100000, str(a, "error"));
            else grid_set(g, r, 4 + (int)i, "%s%.*s", mark, width ? width : 100000, str(a, "output"));
        }
    }
    /* one line per cell in text tables */
    for (int c = 0; c < g->nr * g->nc; c++)
        for (char *p = g->cells[c]; *p; p++) if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    return g;
}

/* Cost per model (docs/cost.md): throughput, memory and where it fits. */
static struct grid *cost_grid(const json_t *rep) {
    struct grid *g = grid_new(8);
    static const char *head[] = {"model", "throughput from", "s/request", "req/GPU-hour", "memory GiB",
                                 "fits on", "quantize to fit", "per 1k req (first GPU)"};
    grid_row(g);
    for (int c = 0; c < 8; c++) grid_set(g, 0, c, "%s", head[c]);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(rep, "cost"), i, m) {
        int r = grid_row(g);
        const json_t *fits = json_object_get(m, "fits_on"), *q = json_object_get(m, "quantization_to_fit");
        const json_t *g0 = json_array_get(json_object_get(m, "gpus"), 0);
        grid_set(g, r, 0, "%s", str(m, "model"));
        grid_set(g, r, 1, "%s (x%d)", str(m, "throughput_source"), numi(m, "concurrency"));
        set_num(g, r, 2, num(m, "busy_s_per_request"), "%.3f");
        set_num(g, r, 3, num(m, "req_per_gpu_hour"), "%.0f");
        grid_set(g, r, 4, "%.2f (%s)", num(m, "need_bytes") / 1073741824.0, str(m, "memory_source"));
        grid_set(g, r, 5, "%s", json_array_size(fits) ? json_string_value(json_array_get(fits, 0)) : "none");
        grid_set(g, r, 6, "%s", json_is_object(q) ? str(q, "quant") : "–");
        if (g0) grid_set(g, r, 7, "%.4f %s (%s, %s)", num(g0, "per_1k_requests"), str(g0, "currency"),
                         str(g0, "gpu"), str(g0, "as_of"));
        else grid_set(g, r, 7, "–");
    }
    return g;
}

/* Every model x GPU (or API) option with its monthly cost and verdict. */
static struct grid *options_grid(const json_t *rep) {
    struct grid *g = grid_new(6);
    static const char *head[] = {"model", "on", "plan", "monthly", "always-on instances", "verdict"};
    grid_row(g);
    for (int c = 0; c < 6; c++) grid_set(g, 0, c, "%s", head[c]);
    const json_t *rec = json_object_get(rep, "recommendation"), *ch = json_object_get(rec, "chosen"), *o;
    size_t i;
    json_array_foreach(json_object_get(rec, "options"), i, o) {
        int r = grid_row(g);
        bool chosen = ch && !strcmp(str(ch, "model"), str(o, "model")) && !strcmp(str(ch, "where"), str(o, "where"));
        grid_set(g, r, 0, "%s", str(o, "model"));
        grid_set(g, r, 1, "%s", str(o, "where"));
        grid_set(g, r, 2, "%s", str(o, "plan"));
        grid_set(g, r, 3, "%.2f %s", num(o, "monthly"), str(o, "currency"));
        grid_set(g, r, 4, "%d", numi(o, "instances"));
        grid_set(g, r, 5, "%s", chosen ? "CHOSEN" : json_is_true(json_object_get(o, "ok")) ? "ok" : str(o, "why"));
    }
    return g;
}

/* ------------------------------------------------------------ renderers */

typedef void (*grid_printer)(const struct grid *g, FILE *out);

/* ------------------------------------------------------------ quantization families */

/* One row per member: size, memory, speed, accuracy, change, agreement, KL. */
static struct grid *family_grid(const json_t *fam) {
    static const char *head[] = {"variant", "files MiB", "rss MiB", "decode tok/s", "e2e_ms p50", "accuracy",
                                 "95% CI", "vs reference", "95% CI", "identical answers", "mean KL",
                                 "max KL", "same top token"};
    struct grid *g = grid_new(13);
    int r = grid_row(g);
    for (int c = 0; c < 13; c++) grid_set(g, r, c, "%s", head[c]);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(fam, "members"), i, m) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s%s", str(m, "variant"), json_is_true(json_object_get(m, "reference")) ? " (ref)" : "");
        set_num(g, r, 1, num(m, "file_bytes") / 1048576.0, "%.1f");
        set_num(g, r, 2, num(m, "rss_peak_bytes") / 1048576.0, "%.0f");
        set_num(g, r, 3, num(m, "decode_tps"), "%.1f");
        set_num(g, r, 4, num(m, "e2e_ms_p50"), "%.1f");
        const json_t *q = json_object_get(m, "quality"), *vs = json_object_get(m, "vs_reference"),
                     *ag = json_object_get(m, "agreement"), *kl = json_object_get(m, "kl");
        set_num(g, r, 5, num(q, "accuracy"), "%.3f");
        if (isnan(num(q, "ci_low"))) grid_set(g, r, 6, "–");
        else grid_set(g, r, 6, "%.3f-%.3f", num(q, "ci_low"), num(q, "ci_high"));
        set_num(g, r, 7, num(vs, "diff") * 100, "%+.1f pt");
        if (isnan(num(vs, "ci_low"))) grid_set(g, r, 8, "–");
        else grid_set(g, r, 8, "%+.1f..%+.1f", 100 * num(vs, "ci_low"), 100 * num(vs, "ci_high"));
        if (json_is_object(ag)) grid_set(g, r, 9, "%d/%d", numi(ag, "identical"), numi(ag, "n"));
        else grid_set(g, r, 9, "–");
        set_num(g, r, 10, num(kl, "mean"), "%.4f");
        set_num(g, r, 11, num(kl, "max"), "%.3f");
        set_num(g, r, 12, num(kl, "top1_same") * 100, "%.1f%%");
    }
    return g;
}

/* Accuracy per category, one row per member. */
static struct grid *family_category_grid(const json_t *rep, const json_t *fam) {
    const json_t *cats = json_object_get(rep, "categories");
    int nc = (int)json_array_size(cats) + 1;
    struct grid *g = grid_new(nc);
    int r = grid_row(g);
    grid_set(g, r, 0, "variant");
    for (int c = 1; c < nc; c++) {
        const char *name = json_string_value(json_array_get(cats, (size_t)c - 1));
        grid_set(g, r, c, "%s", name && name[0] ? name : "(none)");
    }
    size_t i, j;
    json_t *m, *row;
    json_array_foreach(json_object_get(fam, "members"), i, m) {
        r = grid_row(g);
        grid_set(g, r, 0, "%s", str(m, "variant"));
        for (int c = 1; c < nc; c++) grid_set(g, r, c, "–");
        json_array_foreach(json_object_get(m, "by_category"), j, row) {
            const char *cat = str(row, "category");
            for (int c = 1; c < nc; c++) {
                const char *name = json_string_value(json_array_get(cats, (size_t)c - 1));
                if (name && strcmp(name, cat) == 0) set_num(g, r, c, num(row, "accuracy"), "%.3f");
            }
        }
    }
    return g;
}

static void section(FILE *out, bool md, const char *title, struct grid *g, grid_printer print);

static void family_sections(const json_t *rep, FILE *out, bool md, grid_printer print) {
    size_t i;
    json_t *fam;
    json_array_foreach(json_object_get(rep, "families"), i, fam) {
        char title[512];
        snprintf(title, sizeof title, "Quantization family %s (vs reference: accuracy change on shared turns; "
                 "KL: nats per answer token; docs/metrics.md)", str(fam, "name"));
        section(out, md, title, family_grid(fam), print);
        snprintf(title, sizeof title, "Quantization family %s: accuracy by category", str(fam, "name"));
        section(out, md, title, family_category_grid(rep, fam), print);
    }
}

static void section(FILE *out, bool md, const char *title, struct grid *g, grid_printer print) {
    if (g->nr > 1) {
        fprintf(out, md ? "\n## %s\n\n" : "\n%s\n\n", title);
        print(g, out);
    }
    grid_free(g);
}

static void write_sections(const json_t *rep, FILE *out, bool md) {
    grid_printer print = md ? grid_print_md : grid_print_text;
    size_t i;
    json_t *run;
    fprintf(out, md ? "# vlmeter report\n\n" : "vlmeter report\n");
    fprintf(out, "%sgenerated %s from %s\n", md ? "" : "", str(rep, "generated_at"), str(rep, "db"));
    json_array_foreach(json_object_get(rep, "runs"), i, run)
        fprintf(out, "%srun %d: %s, %s, %d cores, %.0f GiB RAM, llama.cpp %s\n", md ? "- " : "  ",
                numi(run, "id"), str(run, "started_at"), str(run, "host_cpu"), numi(run, "host_cores"),
                num(run, "host_ram_bytes") / 1073741824.0, str(run, "llama_version"));
    section(out, md, "Quality: accuracy by category (95% Wilson interval)", quality_grid(rep), print);
    section(out, md, "Paired comparison (exact McNemar on shared turns)", pairs_grid(rep), print);
    section(out, md, "Yes/no questions", yesno_grid(rep), print);
    section(out, md, "Captions", captions_grid(rep), print);
    section(out, md, "Accuracy by turn (multi-turn cases)", by_turn_grid(rep), print);
    section(out, md, "Speed and memory (batch: sequences per decode step; kv reused: prompt tokens "
            "found in the KV cache; docs/metrics.md)", speed_grid(rep), print);
    family_sections(rep, out, md, print);
    section(out, md, "Load test (vlmeter bench; times in ms)", bench_grid(rep), print);
    section(out, md, "Cost per model (docs/cost.md)", cost_grid(rep), print);
    const json_t *rec = json_object_get(rep, "recommendation");
    if (json_is_object(rec)) {
        const json_t *rq = json_object_get(rec, "requirements");
        fprintf(out, md ? "\n## Recommendation\n\n" : "\nRecommendation\n\n");
        fprintf(out, "%s\n(at %.0f requests/day, peak factor %g, memory headroom %.0f%%; "
                "prices are the catalog's: check their source and date)\n", str(rec, "reasons"),
                num(rq, "requests_per_day"), num(rq, "peak_factor"), 100 * num(rq, "headroom"));
        const json_t *fc;
        json_array_foreach(json_object_get(rec, "families"), i, fc)
            fprintf(out, "%s%s\n", md ? "- " : "  ", str(fc, "reasons"));
        section(out, md, "Options (model x GPU or API)", options_grid(rep), print);
    }
    int n_cases = (int)json_array_size(json_object_get(rep, "cases"));
    int max_rows = md ? 0 : 20;
    section(out, md, "Answers side by side", cases_grid(rep, md ? 0 : 40, max_rows), print);
    if (max_rows && n_cases > max_rows)
        fprintf(out, "... %d more turns: --format md or html shows them all\n", n_cases - max_rows);
}

int vlm_report_write_table(const json_t *r, FILE *out) {
    write_sections(r, out, false);
    return ferror(out) ? VLM_ERR_IO : VLM_OK;
}

int vlm_report_write_md(const json_t *r, FILE *out) {
    write_sections(r, out, true);
    return ferror(out) ? VLM_ERR_IO : VLM_OK;
}

/* ------------------------------------------------------------ csv */

static void csv_field(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_num(FILE *out, double v) {
    if (isnan(v)) fputs(",", out);
    else fprintf(out, ",%.6g", v);
}

/* One row per model x category (quality), then one "(all)" row per model that
 * also carries the model's speed and memory figures. */
int vlm_report_write_csv(const json_t *rep, FILE *out) {
    fputs("model,category,n,accuracy,ci_low,ci_high,n_unparsed,n_errors,load_ms,ttft_ms_p50,"
          "e2e_ms_p50,e2e_ms_p90,e2e_ms_p99,decode_tps_mean,rss_peak_bytes,gpu_mem_bytes\n", out);
    size_t i;
    json_t *q, *m;
    json_array_foreach(json_object_get(rep, "quality"), i, q) {
        csv_field(out, str(q, "model"));
        fputc(',', out);
        csv_field(out, str(q, "category"));
        const char *keys[] = {"n", "accuracy", "ci_low", "ci_high", "n_unparsed", "n_errors"};
        for (int k = 0; k < 6; k++) csv_num(out, num(q, keys[k]));
        fputs(",,,,,,,\n", out);
    }
    json_array_foreach(json_object_get(rep, "models"), i, m) {
        json_t *mq = json_object_get(m, "quality");
        csv_field(out, str(m, "name"));
        fputs(",\"(all)\"", out);
        const char *keys[] = {"n", "accuracy", "ci_low", "ci_high", "n_unparsed"};
        for (int k = 0; k < 5; k++) csv_num(out, num(mq, keys[k]));
        csv_num(out, num(m, "n_errors"));
        csv_num(out, num(m, "load_ms"));
        csv_num(out, dist(m, "ttft_ms", "p50"));
        csv_num(out, dist(m, "e2e_ms", "p50"));
        csv_num(out, dist(m, "e2e_ms", "p90"));
        csv_num(out, dist(m, "e2e_ms", "p99"));
        csv_num(out, dist(m, "decode_tps", "mean"));
        csv_num(out, num(m, "rss_peak_bytes"));
        csv_num(out, num(m, "gpu_mem_bytes"));
        fputc('\n', out);
    }
    return ferror(out) ? VLM_ERR_IO : VLM_OK;
}
