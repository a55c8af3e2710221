/*
 * report_html.c - the HTML report: one self-contained file (inline CSS, inline
 * SVG charts, no script, nothing fetched) rendered from the report document of
 * docs/report-schema.md. It owns:
 *   - esc(): the one HTML escape that every string from the document goes
 *     through, in text, attributes and SVG alike;
 *   - the page: head, header with its navigation, one <section> per table
 *     that rt_walk() (report_table.c) describes and builds, in the same order
 *     and with the same cells as the text formats;
 *   - what only HTML has: the quality, latency and Pareto charts (SVG) after
 *     their tables, and the answer gallery in place of the answers table;
 *   - image thumbnails: decoded with vlm_image_load, shrunk to fit 96x96, PNG,
 *     base64 data: URIs, cached per path for the report.
 * It never fails on the document's content; only a write error returns VLM_ERR_IO.
 */
#include "report.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

#include "jpath.h"
#include "report_table.h"
#include "util.h"

#define THUMB_SIDE 96
#define CASES_OPEN 500 /* case rows shown unfolded up to this many */
#define MAX_POINTS 300 /* dots per model in the latency chart */

static const char *const PALETTE[] = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac",
};
#define N_PALETTE ((int)(sizeof PALETTE / sizeof PALETTE[0]))

/* ------------------------------------------------------------ escaping */

/* The one escape of this file: util_html_escape (util.c), cut at max_chars. */
static void esc_n(FILE *out, const char *s, size_t max_chars) { util_html_escape(out, s, max_chars); }

static void esc(FILE *out, const char *s) { esc_n(out, s, SIZE_MAX); }

/* ------------------------------------------------------------ document */

static const char *or_empty(const char *s) { return s ? s : ""; }
static const char *or_dash(const char *s) { return s ? s : RT_DASH; }

/* ------------------------------------------------------------ context */

struct thumb {
    char *path;
    char *uri; /* data:image/png;base64,...; NULL: could not be read */
    int w, h;
};

struct ctx {
    const json_t *r;
    const json_t *models; /* array */
    int n_models;
    const char **names; /* model names, in document order */
    const json_t *cats; /* array of strings */
    int n_cats;
    const json_t **qcell; /* [model * n_cats + cat]: the quality entry */
    struct thumb *thumbs; /* open-addressed by path */
    int thumb_cap, n_thumbs;
};

static int model_index(const struct ctx *c, const char *name) {
    for (int i = 0; name && i < c->n_models; i++)
        if (strcmp(c->names[i], name) == 0) return i;
    return -1;
}

static int cat_index(const struct ctx *c, const char *cat) {
    for (int i = 0; cat && i < c->n_cats; i++)
        if (strcmp(or_empty(json_string_value(json_array_get(c->cats, (size_t)i))), cat) == 0) return i;
    return -1;
}

static const char *cat_label(const char *cat) { return !cat ? RT_DASH : cat[0] ? cat : "(none)"; }

static const char *colour(int model) { return PALETTE[model % N_PALETTE]; }

static void ctx_init(struct ctx *c, const json_t *r) {
    memset(c, 0, sizeof *c);
    c->r = r;
    c->models = json_is_array(jpath_get(r, "models")) ? jpath_get(r, "models") : NULL;
    c->n_models = c->models ? (int)json_array_size(c->models) : 0;
    c->names = xcalloc((size_t)c->n_models, sizeof *c->names);
    for (int i = 0; i < c->n_models; i++)
        c->names[i] = or_dash(jpath_str(json_array_get(c->models, (size_t)i), "name"));
    c->cats = json_is_array(jpath_get(r, "categories")) ? jpath_get(r, "categories") : NULL;
    c->n_cats = c->cats ? (int)json_array_size(c->cats) : 0;
    c->qcell = xcalloc((size_t)c->n_models * (size_t)c->n_cats, sizeof *c->qcell);
    size_t i;
    const json_t *q;
    json_array_foreach(jpath_get(r, "quality"), i, q) {
        int m = model_index(c, jpath_str(q, "model")), k = cat_index(c, jpath_str(q, "category"));
        if (m >= 0 && k >= 0) c->qcell[m * c->n_cats + k] = q;
    }
}

static void ctx_free(struct ctx *c) {
    for (int i = 0; i < c->thumb_cap; i++) {
        free(c->thumbs[i].path);
        free(c->thumbs[i].uri);
    }
    free(c->thumbs);
    free(c->qcell);
    free(c->names);
}

/* ------------------------------------------------------------ thumbnails */

struct buf {
    unsigned char *p;
    size_t n, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void png_sink(void *user, void *data, int n) { buf_add(user, data, (size_t)n); }

static char *base64_uri(const unsigned char *p, size_t n) { return util_data_uri("image/png", p, n); }

/* Decode, shrink to fit THUMB_SIDE, PNG, base64. NULL when unreadable. */
static char *make_thumb(const char *path, int *w, int *h) {
    vlm_image img = {0};
    char err[256];
    if (vlm_image_load(path, &img, err, sizeof err) != VLM_OK) return NULL;
    double s = fmin(1.0, (double)THUMB_SIDE / (img.width > img.height ? img.width : img.height));
    *w = (int)fmax(1, lround(img.width * s));
    *h = (int)fmax(1, lround(img.height * s));
    unsigned char *px = xmalloc((size_t)*w * (size_t)*h * 3);
    char *uri = NULL;
    struct buf png = {0};
    if (stbir_resize_uint8(img.rgb, (int)img.width, (int)img.height, 0, px, *w, *h, 0, 3) &&
        stbi_write_png_to_func(png_sink, &png, *w, *h, 3, px, *w * 3) && png.n)
        uri = base64_uri(png.p, png.n);
    free(png.p);
    free(px);
    vlm_image_free(&img);
    return uri;
}

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

/* The cached thumbnail of `path`, made on first use. */
static const struct thumb *thumb_get(struct ctx *c, const char *path) {
    if (2 * (c->n_thumbs + 1) > c->thumb_cap) { /* rehash into twice the room */
        struct thumb *old = c->thumbs;
        int old_cap = c->thumb_cap;
        c->thumb_cap = old_cap ? old_cap * 2 : 64;
        c->thumbs = xcalloc((size_t)c->thumb_cap, sizeof *c->thumbs);
        for (int i = 0; i < old_cap; i++) {
            if (!old[i].path) continue;
            size_t j = hash_str(old[i].path) % (size_t)c->thumb_cap;
            while (c->thumbs[j].path) j = (j + 1) % (size_t)c->thumb_cap;
            c->thumbs[j] = old[i];
        }
        free(old);
    }
    size_t j = hash_str(path) % (size_t)c->thumb_cap;
    while (c->thumbs[j].path && strcmp(c->thumbs[j].path, path) != 0) j = (j + 1) % (size_t)c->thumb_cap;
    struct thumb *t = &c->thumbs[j];
    if (!t->path) {
        t->path = xstrdup(path);
        t->uri = make_thumb(path, &t->w, &t->h);
        c->n_thumbs++;
    }
    return t;
}

static void put_thumb(FILE *out, struct ctx *c, const char *path) {
    const struct thumb *t = thumb_get(c, path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!t->uri) {
        fputs("<span class=miss title=\"", out);
        esc(out, path);
        fputs("\">image missing</span>", out);
        return;
    }
    fprintf(out, "<img class=th width=%d height=%d src=\"%s\" alt=\"", t->w, t->h, t->uri);
    esc(out, base);
    fputs("\" title=\"", out);
    esc(out, path);
    fputs("\">", out);
}

/* ------------------------------------------------------------ page */

static const char CSS[] =
    ":root{color-scheme:light;--fg:#1f2328;--mut:#59636e;--line:#d8dee4;--bg2:#f6f8fa;"
    "--ok:#e7f5ea;--bad:#fcebea;--err:#b42318}"
    "*{box-sizing:border-box}"
    "body{margin:0 auto;max-width:1280px;padding:28px 32px 80px;color:var(--fg);background:#fff;"
    "font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',sans-serif}"
    "h1{font-size:28px;margin:0 0 2px;letter-spacing:-.01em}"
    "h2{font-size:19px;margin:40px 0 8px;padding-bottom:5px;border-bottom:1px solid var(--line)}"
    "p.note,.meta{color:var(--mut);margin:4px 0 10px}"
    "nav{margin:14px 0 0;padding:8px 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}"
    "nav a{margin-right:18px;color:#0b5cad;text-decoration:none}nav a:hover{text-decoration:underline}"
    ".wrap{overflow-x:auto}"
    "table{border-collapse:collapse;margin:6px 0 4px;font-variant-numeric:tabular-nums}"
    "th,td{border:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}"
    "thead th{background:var(--bg2);font-weight:600;white-space:nowrap}"
    "tbody th{font-weight:500;background:#fbfcfd;white-space:nowrap}"
    ".r{text-align:right}"
    "tr.all th,tr.all td{border-top:2px solid #aab4be}"
    "td.best{background:var(--ok)}.star{color:#2e7d32}"
    "small{color:var(--mut)}"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}"
    ".sig{font-weight:600;color:#8a4b00}"
    ".err{color:var(--err)}"
    "svg.chart{display:block;max-width:100%;height:auto;margin:10px 0 4px;"
    "font-family:inherit}svg.chart text{font-size:12px;fill:#1f2328}"
    "svg.chart .ax{stroke:#c9d1d9}svg.chart .eb{stroke:#1f2328;stroke-width:1.2;fill:none}"
    "svg.chart .mut{fill:#59636e}i.mut{color:var(--mut)}"
    "details>summary{cursor:pointer;font-weight:600;margin:6px 0}"
    ".filters{margin:6px 0;color:var(--mut)}.filters label{margin-right:18px}"
    "#cases td{max-width:340px;white-space:pre-wrap;overflow-wrap:anywhere}"
    "#cases td small{display:block}#cases td:first-child{min-width:12em}"
    "#cases td:nth-child(2){min-width:14em}#cases td:nth-child(n+5){min-width:12em}"
    "#cases td.y{background:var(--ok)}#cases td.n{background:var(--bad)}"
    "#cases thead th{position:sticky;top:0;z-index:1}"
    "#cases td.im{white-space:nowrap}.nw{white-space:nowrap}"
    "img.th{display:inline-block;margin:0 4px 4px 0;border:1px solid var(--line);"
    "image-rendering:auto;vertical-align:top}"
    ".miss{display:inline-block;width:64px;height:48px;margin:0 4px 4px 0;padding:6px;"
    "background:#e5e7eb;color:#6b7280;font-size:11px;line-height:1.2;text-align:center;"
    "vertical-align:top;white-space:normal}"
    "body:has(#f-d:checked) #cases tbody tr:not(.d){display:none}"
    "body:has(#f-w:checked) #cases tbody tr:not(.w){display:none}";

static void write_head(FILE *out) {
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
            "<title>vlmeter report</title>\n<style>%s</style>\n</head>\n<body>\n",
            CSS);
}

/* An id or anchor: letters, digits, '-', '_', '.' and ':' as they are, anything
 * else as '-', so it needs no quotes. */
static void html_id(FILE *out, const char *id) {
    for (const char *p = id; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                  strchr("-_.:", *p);
        fputc(ok ? *p : '-', out);
    }
}

static void nav_link(const struct rt_section *s, void *out) {
    fputs("<a href=\"#", out);
    html_id(out, s->id);
    fputs("\">", out);
    esc(out, s->title);
    fputs("</a>", out);
}

static void write_header(FILE *out, const struct ctx *c) {
    fputs("<header>\n<h1>vlmeter report</h1>\n<p class=meta>generated ", out);
    esc(out, or_dash(jpath_str(c->r, "generated_at")));
    fputs(" &middot; store <code>", out);
    esc(out, or_dash(jpath_str(c->r, "db")));
    size_t n_turns = json_array_size(jpath_get(c->r, "cases"));
    fprintf(out, "</code> &middot; %d model%s, %d categor%s, %zu turn%s</p>\n<nav>", c->n_models,
            c->n_models == 1 ? "" : "s", c->n_cats, c->n_cats == 1 ? "y" : "ies", n_turns, n_turns == 1 ? "" : "s");
    rt_walk(c->r, RT_HTML_OWN, nav_link, out);
    fputs("</nav>\n</header>\n", out);
}

/* Model names as header cells, each with its chart colour. */
static void model_headers(FILE *out, const struct ctx *c) {
    for (int m = 0; m < c->n_models; m++) {
        fprintf(out, "<th><span class=sw style=\"background:%s\"></span>", colour(m));
        esc(out, c->names[m]);
        fputs("</th>", out);
    }
}

/* ------------------------------------------------------------ quality */

static bool accuracy_of(const json_t *q, double *a) { return jpath_num(q, "accuracy", a); }

/* The quality entries of row `k` (k == n_cats: the models' overall quality). */
static void row_cells(const struct ctx *c, int k, const json_t **cells) {
    for (int m = 0; m < c->n_models; m++)
        cells[m] = k < c->n_cats ? c->qcell[m * c->n_cats + k]
                                 : jpath_get(json_array_get(c->models, (size_t)m), "quality");
}

static const char *row_label(const struct ctx *c, int k) {
    return k < c->n_cats ? cat_label(json_string_value(json_array_get(c->cats, (size_t)k))) : "all";
}

/* ------------------------------------------------------------ charts */

#define CH_W        900.0
#define CH_LABEL    190.0 /* label column */
#define CH_RIGHT    70.0  /* room right of the plot */
#define LABEL_CHARS 20    /* longer row labels are cut (full text in the tables) */

struct legend {
    double x[64], y[64];
    double height;
    int n;
};

/* Place the models' legend entries in rows across the chart's width. */
static void legend_layout(const struct ctx *c, struct legend *lg) {
    double x = CH_LABEL, y = 16;
    lg->n = c->n_models < 64 ? c->n_models : 64;
    for (int m = 0; m < lg->n; m++) {
        size_t chars = strlen(c->names[m]) < 28 ? strlen(c->names[m]) : 28;
        double w = 30 + 7.0 * (double)chars;
        if (x + w > CH_W && x > CH_LABEL) {
            x = CH_LABEL;
            y += 20;
        }
        lg->x[m] = x;
        lg->y[m] = y;
        x += w;
    }
    lg->height = y + 16;
}

static void legend_write(FILE *out, const struct ctx *c, const struct legend *lg) {
    for (int m = 0; m < lg->n; m++) {
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">",
                lg->x[m], lg->y[m] - 10, colour(m), lg->x[m] + 17, lg->y[m]);
        esc_n(out, c->names[m], 28);
        fputs("</text>\n", out);
    }
}

static void svg_open(FILE *out, double h, const char *title) {
    fprintf(out,
            "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\"><title>%s</title>\n",
            CH_W, h, CH_W, h, title);
}

/* A horizontal axis: values lo..hi onto x0..x0+w, linear (ticks every `step`)
 * or logarithmic (ticks at 1, 2, 5 times powers of ten). */
struct scale {
    bool log;
    double lo, hi, step, x0, w;
};

static double sx(const struct scale *s, double v) {
    if (!s->log) return s->x0 + s->w * (v - s->lo) / (s->hi - s->lo);
    return s->x0 + s->w * log10(fmax(v, s->lo) / s->lo) / log10(s->hi / s->lo);
}

static void tick(FILE *out, const struct scale *s, double v, double y0, double y1, const char *unit) {
    double x = sx(s, v);
    fprintf(out,
            "<line class=ax x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=mut>%g%s</text>\n",
            x, x, y0, y1, x, y1 + 15, v, unit);
}

/* Grid lines from y0 to y1, tick labels and the axis label below. */
static void axis_x(FILE *out, const struct scale *s, double y0, double y1, const char *unit, const char *label) {
    if (s->log)
        for (double d = pow(10, floor(log10(s->lo))); d <= s->hi * 1.001; d *= 10)
            for (int k = 1; k <= 5; k += k == 1 ? 1 : 3) /* 1, 2, 5 */
                if (d * k >= s->lo * 0.999 && d * k <= s->hi * 1.001) tick(out, s, d * k, y0, y1, unit);
    if (!s->log)
        for (double v = s->lo; v <= s->hi + s->step / 2; v += s->step) tick(out, s, v, y0, y1, unit);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=mut>%s</text>\n", s->x0 + s->w / 2, y1 + 32,
            label);
}

/* One model's accuracy bar with its interval, at row top y. */
static void quality_bar(FILE *out, const struct ctx *c, int m, const json_t *q, const char *row, double y, double bar_h,
                        double x0, double w) {
    double a, lo, hi, n = 0, na = 0;
    if (!accuracy_of(q, &a)) { /* no bar: nothing scored, or every case not applicable (no vision) */
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=mut>%s</text>\n", x0 + 4, y + bar_h - 3,
                jpath_num(q, "n_na", &na) && na > 0 ? "n/a " RT_NA_WHY : RT_DASH);
        return;
    }
    jpath_num(q, "n", &n);
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", x0, y,
            fmax(0, w * a), bar_h, colour(m));
    esc(out, c->names[m]);
    fputs(" \xC2\xB7 ", out);
    esc(out, row);
    fprintf(out, ": %.0f%%", a * 100);
    double right = a;
    if (jpath_num(q, "ci_low", &lo) && jpath_num(q, "ci_high", &hi)) {
        fprintf(out, " (%.0f" RT_DASH "%.0f)", lo * 100, hi * 100);
        double xl = x0 + w * lo, xh = x0 + w * hi, ym = y + bar_h / 2;
        fprintf(out,
                ", n=%.0f</title></rect>\n<path class=eb d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1f"
                "M%.1f %.1fV%.1f\"/>",
                n, xl, ym, xh, xl, y + 2, y + bar_h - 2, xh, y + 2, y + bar_h - 2);
        right = fmax(a, hi);
    } else fprintf(out, ", n=%.0f</title></rect>\n", n);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">%.0f%%</text>\n", x0 + w * right + 5, y + bar_h - 3, a * 100);
}

/* Grouped horizontal bars: rows are categories (then "all"), one bar per model. */
static void write_quality_chart(FILE *out, const struct ctx *c) {
    if (!c->n_models) return;
    struct legend lg;
    legend_layout(c, &lg);
    double bar_h = 14, gap = 3, group_gap = 16;
    double group_h = c->n_models * bar_h + (c->n_models - 1) * gap;
    double top = lg.height + 8, x0 = CH_LABEL, w = CH_W - CH_LABEL - CH_RIGHT;
    double bottom = top + (c->n_cats + 1) * (group_h + group_gap);
    svg_open(out, bottom + 40, "Accuracy by category, with 95% intervals");
    legend_write(out, c, &lg);
    struct scale pct = {false, 0, 100, 20, x0, w};
    axis_x(out, &pct, top - 4, bottom, "%", "accuracy (bars: 95% interval)");
    const json_t **cells = xcalloc((size_t)c->n_models, sizeof *cells);
    for (int k = 0; k <= c->n_cats; k++) {
        double y = top + k * (group_h + group_gap);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"%s>", x0 - 10, y + group_h / 2 + 4,
                k == c->n_cats ? " font-weight=\"600\"" : "");
        esc_n(out, row_label(c, k), LABEL_CHARS);
        fputs("</text>\n", out);
        row_cells(c, k, cells);
        for (int m = 0; m < c->n_models; m++)
            quality_bar(out, c, m, cells[m], row_label(c, k), y + m * (bar_h + gap), bar_h, x0, w);
    }
    free(cells);
    fputs("</svg>\n", out);
}

static void write_latency_chart(FILE *out, const struct ctx *c);

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[n]. */
static double rank_pct(const double *v, int n, double q) {
    int k = (int)ceil(q * n) - 1;
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* A model's e2e_ms_values, finite ones only, sorted; *n their count. */
static double *latency_values(const json_t *model, int *n) {
    const json_t *a = jpath_get(model, "e2e_ms_values");
    double *v = xcalloc(json_array_size(a) + 1, sizeof *v);
    size_t i;
    const json_t *x;
    *n = 0;
    json_array_foreach(a, i, x) if (json_is_number(x) && isfinite(json_number_value(x)))
        v[(*n)++] = json_number_value(x);
    qsort(v, (size_t)*n, sizeof *v, cmp_double);
    return v;
}

/* Linear from 0 with round steps, or logarithmic by whole decades when the
 * values span more than LOG_SPAN (a long tail would squash the boxes). */
#define LOG_SPAN 30.0

/* The nearest of 1, 2, 5 times a power of ten above (up) or below v > 0. */
static double round125(double v, bool up) {
    double d = pow(10, floor(log10(v))), r = up ? 10 * d : d;
    for (int k = 1; k <= 5; k += k == 1 ? 1 : 3) {
        if (up && d * k >= v) return d * k;
        if (!up && d * k <= v) r = d * k;
    }
    return r;
}
static struct scale latency_scale(double min_pos, double max, double x0, double w) {
    if (max > 0 && min_pos > 0 && max / min_pos > LOG_SPAN)
        return (struct scale){true, round125(min_pos, false), round125(max, true), 0, x0, w};
    if (max <= 0) max = 1;
    double raw = max / 6, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = mag * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10);
    return (struct scale){false, 0, step * ceil(max / step), step, x0, w};
}

/* One model's box plot (quartiles, median, min-max whiskers) and sampled dots. */
static void latency_row(FILE *out, const struct ctx *c, int m, const double *v, int n, double y, double h,
                        const struct scale *s) {
    double ym = y + h / 2, x0 = s->x0;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x0 - 10, ym + 4);
    esc_n(out, c->names[m], LABEL_CHARS);
    fputs("</text>\n", out);
    if (!n) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=mut>no timed turns</text>\n", x0 + 4, ym + 4);
        return;
    }
#define X(val) sx(s, (val))
    double q1 = rank_pct(v, n, .25), med = rank_pct(v, n, .5), q3 = rank_pct(v, n, .75);
    fprintf(out, "<g><title>");
    esc(out, c->names[m]);
    fprintf(out,
            ": n=%d, min %.1f, p25 %.1f, p50 %.1f, p75 %.1f, max %.1f ms</title>\n"
            "<path class=eb d=\"M%.1f %.1fH%.1fM%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\"/>\n"
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
            "fill-opacity=\"0.25\" stroke=\"%s\"/>\n",
            n, v[0], q1, med, q3, v[n - 1], X(v[0]), ym, X(q1), X(q3), ym, X(v[n - 1]), X(v[0]), ym - 6, ym + 6,
            X(v[n - 1]), ym - 6, ym + 6, X(q1), y + 3, fmax(1, X(q3) - X(q1)), h - 6, colour(m), colour(m));
    int shown = n < MAX_POINTS ? n : MAX_POINTS;
    for (int i = 0; i < shown; i++) {
        double val = v[shown == n ? i : (int)((double)i * (n - 1) / (shown - 1))];
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.5\"/>", X(val),
                ym - 8 + (double)(i * 7919 % 17), colour(m));
    }
    fprintf(out,
            "\n<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#1f2328\" "
            "stroke-width=\"2.5\"/></g>\n<text x=\"%.1f\" y=\"%.1f\" class=mut>p50 %.*f</text>\n",
            X(med), X(med), y + 3, y + h - 3, x0 + s->w + 8, ym + 4, med < 100 ? 1 : 0, med);
#undef X
}

static void write_latency_chart(FILE *out, const struct ctx *c) {
    if (!c->n_models) return;
    double **vals = xcalloc((size_t)c->n_models, sizeof *vals), max = 0, min_pos = INFINITY;
    int *ns = xcalloc((size_t)c->n_models, sizeof *ns);
    for (int m = 0; m < c->n_models; m++) {
        vals[m] = latency_values(json_array_get(c->models, (size_t)m), &ns[m]);
        for (int i = 0; i < ns[m]; i++)
            if (vals[m][i] > 0) {
                min_pos = fmin(min_pos, vals[m][i]);
                break;
            }
        if (ns[m]) max = fmax(max, vals[m][ns[m] - 1]);
    }
    double row_h = 34, top = 14, bottom = top + c->n_models * row_h;
    struct scale s = latency_scale(min_pos, max, CH_LABEL, CH_W - CH_LABEL - CH_RIGHT - 10);
    fputs("<p class=note>End-to-end latency per turn: box from p25 to p75, thick line at the "
          "median, whiskers from min to max, dots for turns (at most 300 per model, evenly "
          "by rank).</p>\n",
          out);
    svg_open(out, bottom + 42, "End-to-end latency per turn (ms), by model");
    axis_x(out, &s, top - 6, bottom, "",
           s.log ? "end-to-end latency per turn (ms, log scale)" : "end-to-end latency per turn (ms)");
    for (int m = 0; m < c->n_models; m++) {
        latency_row(out, c, m, vals[m], ns[m], top + m * row_h, row_h, &s);
        free(vals[m]);
    }
    fputs("</svg>\n", out);
    free(vals);
    free(ns);
}

/* ------------------------------------------------------------ cases */

/* 1: right, 0: wrong (or failed), -1: not scored or no answer. */
static int verdict(const json_t *a) {
    if (!a) return -1;
    if (jpath_str(a, "error")) return 0;
    const json_t *ok = jpath_get(a, "correct");
    return json_is_boolean(ok) ? json_is_true(ok) : -1;
}

static void answer_cell(FILE *out, const json_t *a) {
    if (!json_is_object(a)) {
        fputs("<td>" RT_DASH "</td>", out);
        return;
    }
    int v = verdict(a);
    fputs(v == 1 ? "<td class=y>" : v == 0 ? "<td class=n>" : "<td>", out);
    const char *error = jpath_str(a, "error");
    if (error) {
        fputs("<span class=err>error: ", out);
        esc(out, error);
        fputs("</span>", out);
    } else if (jpath_str(a, "output") && !jpath_str(a, "output")[0]) {
        fputs("<i class=mut>(empty)</i>", out);
    } else esc(out, jpath_str(a, "output"));
    /* "✓ 1 · picked B · 12 ms": the parts that exist, dot-separated */
    fputs(v == 1 ? "<small>\xE2\x9C\x93" : v == 0 ? "<small>\xE2\x9C\x97" : "<small>", out);
    const char *sep = v >= 0 ? " " : "";
    double d;
    if (jpath_num(a, "score", &d)) {
        fprintf(out, "%s%.3g", sep, d);
        sep = " \xC2\xB7 ";
    }
    bool detail = jpath_str(a, "detail") && jpath_str(a, "detail")[0];
    if (!detail && json_is_true(jpath_get(a, "unparsed"))) {
        fprintf(out, "%sunparsed", sep);
        sep = " \xC2\xB7 ";
    }
    if (detail) {
        fputs(sep, out);
        esc(out, jpath_str(a, "detail"));
        sep = " \xC2\xB7 ";
    }
    /* the reference reading, when it judges the answer otherwise */
    const json_t *ref = jpath_get(a, "reference");
    if (json_is_object(ref) && v >= 0 && json_is_true(jpath_get(ref, "correct")) != (v == 1)) {
        fprintf(out, "%sVLMEvalKit %s ", sep,
                json_is_true(jpath_get(ref, "correct")) ? "\xE2\x9C\x93" : "\xE2\x9C\x97");
        esc(out, jpath_str(ref, "detail"));
        sep = " \xC2\xB7 ";
    }
    if (jpath_num(a, "e2e_ms", &d)) fprintf(out, "%s%.0f ms", sep, d);
    fputs("</small></td>", out);
}

/* One turn: case, category, prompt and expected as the answers table's row r
 * has them, the images, then each model's answer with its verdict. */
static void case_row(FILE *out, struct ctx *c, const json_t *k, const struct rt_grid *g, int r) {
    const json_t *answers = jpath_get(k, "answers"); /* keyed by model name (dots allowed: no jpath) */
    int right = 0, wrong = 0;
    for (int m = 0; m < c->n_models; m++) {
        int v = verdict(json_object_get(answers, c->names[m]));
        right += v == 1;
        wrong += v == 0;
    }
    /* classes for the filters: w = some model wrong, d = models disagree */
    fputs(!wrong ? "<tr><td>" : right ? "<tr class=\"w d\"><td>" : "<tr class=w><td>", out);
    esc(out, rt_at(g, r, 0)->text);
    fputs("<small>", out);
    esc(out, rt_at(g, r, 1)->text);
    fputs("</small></td><td>", out);
    esc(out, rt_at(g, r, 2)->text);
    fputs("</td><td>", out);
    esc(out, rt_at(g, r, 3)->text);
    fputs("</td><td class=im>", out);
    size_t i;
    const json_t *img;
    double turn = 0;
    if (jpath_num(k, "turn", &turn) && turn == 0)
        json_array_foreach(jpath_get(k, "images"), i, img) if (json_is_string(img))
            put_thumb(out, c, json_string_value(img));
    fputs("</td>", out);
    for (int m = 0; m < c->n_models; m++) answer_cell(out, json_object_get(answers, c->names[m]));
    fputs("</tr>\n", out);
}

/* The answer gallery: the answers table of the description, with thumbnails,
 * verdict colours and filters. */
static void write_cases(FILE *out, struct ctx *c, const struct rt_section *s) {
    const json_t *cases = jpath_get(c->r, "cases");
    size_t n = (size_t)s->grid.nr - 1, i;
    fputs("<section id=", out);
    html_id(out, s->id);
    fputs(">\n<h2>", out);
    esc(out, s->title);
    fprintf(out,
            "</h2>\n<details%s>"
            "<summary>%zu turn%s, each model's answer side by side</summary>\n"
            "<div class=filters><label><input type=checkbox id=f-w> only turns some model "
            "got wrong</label><label><input type=checkbox id=f-d> only turns where models "
            "disagree</label></div>\n<div class=wrap><table id=cases><thead><tr><th>case</th>"
            "<th>prompt</th><th>expected</th><th>images</th>",
            n <= CASES_OPEN ? " open" : "", n, n == 1 ? "" : "s");
    model_headers(out, c);
    fputs("</tr></thead><tbody>\n", out);
    const json_t *k;
    json_array_foreach(cases, i, k) case_row(out, c, k, &s->grid, 1 + (int)i);
    fputs("</tbody></table></div>\n</details>\n</section>\n", out);
}

/* ------------------------------------------------------------ cost, recommendation */

/* Pareto chart: overall accuracy (y) against the model's cheapest monthly cost
 * (x, logarithmic); points on the front are filled, the others hollow. */
static void write_pareto_chart(FILE *out, const json_t *pts) {
    size_t n = json_array_size(pts), i;
    if (n == 0) return;
    double lo = INFINITY, hi = 0, v;
    const json_t *p;
    json_array_foreach(pts, i, p) if (jpath_num(p, "monthly", &v) && v > 0) {
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    if (!(hi > 0)) return;
    lo = pow(10, floor(log10(lo))), hi = pow(10, ceil(log10(hi * 1.0001)));
    double top = 20, h = 260, x0 = CH_LABEL, w = CH_W - CH_LABEL - CH_RIGHT;
    svg_open(out, top + h + 50, "Accuracy against monthly cost (Pareto front filled)");
    struct scale sc = {true, lo, hi, 0, x0, w};
    const char *cur = jpath_str(json_array_get(pts, 0), "currency");
    char label[96];
    snprintf(label, sizeof label, "monthly cost, %s (log scale)", cur ? cur : "");
    axis_x(out, &sc, top, top + h, "", label);
    for (int k = 0; k <= 4; k++)
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=mut>%d%%</text>\n", x0 - 8,
                top + h - h * k / 4.0 + 4, 25 * k);
    json_array_foreach(pts, i, p) {
        double a = 0, m = 0;
        jpath_num(p, "accuracy", &a);
        jpath_num(p, "monthly", &m);
        bool front = json_is_true(jpath_get(p, "on_front"));
        double x = sx(&sc, m), y = top + h - h * a;
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\" stroke=\"%s\" stroke-width=\"2\"><title>", x,
                y, front ? colour((int)i) : "none", colour((int)i));
        esc(out, or_empty(jpath_str(p, "model")));
        fputs(" on ", out);
        esc(out, or_empty(jpath_str(p, "where")));
        fprintf(out, ": %.0f%%, %.2f ", a * 100, m);
        esc(out, or_empty(jpath_str(p, "currency")));
        fputs("/month</title></circle>\n", out);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 9, y + 4);
        esc_n(out, or_empty(jpath_str(p, "model")), LABEL_CHARS);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
}


/* ------------------------------------------------------------ tables */

/* A grid of report_table.c as an HTML table: column 0 as row headers, numbers
 * right-aligned, model headers with their chart colour, the best of a row and
 * significant verdicts set apart. */
static void write_grid(FILE *out, const struct rt_section *s) {
    const struct rt_grid *g = &s->grid;
    fputs("<div class=wrap><table id=", out);
    html_id(out, s->id);
    fputs("-table><thead><tr>", out);
    for (int c = 0; c < g->nc; c++) {
        const struct rt_cell *h = rt_at(g, 0, c);
        fputs(c && rt_at(g, 1, c)->num ? "<th class=r>" : "<th>", out);
        if (h->model >= 0) fprintf(out, "<span class=sw style=\"background:%s\"></span>", colour(h->model));
        esc(out, h->text);
        fputs("</th>", out);
    }
    fputs("</tr></thead><tbody>\n", out);
    for (int r = 1; r < g->nr; r++) {
        fputs(rt_at(g, r, 0)->mark == RT_TOTAL ? "<tr class=all><th>" : "<tr><th>", out);
        esc(out, rt_at(g, r, 0)->text);
        fputs("</th>", out);
        for (int c = 1; c < g->nc; c++) {
            const struct rt_cell *x = rt_at(g, r, c);
            fputs(x->mark == RT_BEST  ? "<td class=\"r best\">"
                  : x->mark == RT_SIG ? "<td class=sig>"
                  : x->num            ? "<td class=r>"
                                      : "<td>",
                  out);
            esc(out, x->text);
            if (x->mark == RT_BEST) fputs(" <span class=star title=\"best in this row\">\xE2\x98\x85</span>", out);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

struct page {
    FILE *out;
    struct ctx *c;
};

/* One section: title, note, prose, table, and the chart that goes with it. */
static void html_section(const struct rt_section *s, void *user) {
    struct page *p = user;
    FILE *out = p->out;
    if (s->t->flags & RT_HTML_OWN) {
        write_cases(out, p->c, s);
        return;
    }
    fputs("<section id=", out);
    html_id(out, s->id);
    fputs(">\n<h2>", out);
    esc(out, s->title);
    fputs("</h2>\n", out);
    if (s->note) {
        fputs("<p class=note>", out);
        esc(out, s->note);
        fputs("</p>\n", out);
    }
    for (int i = 0; i < s->n_lines; i++) {
        fputs(i ? "<p>" : "<p><strong>", out);
        esc(out, s->lines[i]);
        fputs(i ? "</p>\n" : "</strong></p>\n", out);
    }
    if (s->grid.nr > 1) write_grid(out, s);
    if (!strcmp(s->t->id, "quality")) write_quality_chart(out, p->c);
    if (!strcmp(s->t->id, "context")) report_turns_chart(out, p->c->r, colour);
    if (!strcmp(s->t->id, "speed")) write_latency_chart(out, p->c);
    if (!strcmp(s->t->id, "dials")) report_dials_chart(out, p->c->r, s->id);
    if (!strcmp(s->t->id, "recommendation")) write_pareto_chart(out, jpath_get(p->c->r, "recommendation.pareto"));
    fputs("</section>\n", out);
}

/* ------------------------------------------------------------ entry */

int report_write_html(const json_t *r, FILE *out) {
    struct ctx c;
    ctx_init(&c, r);
    write_head(out);
    write_header(out, &c);
    struct page p = {out, &c};
    rt_walk(r, 0, html_section, &p);
    fputs("<footer><p class=note>Written by vlmeter " VLM_VERSION ". Definitions: "
          "docs/metrics.md, docs/scoring.md, docs/cost.md, docs/report-schema.md.</p></footer>\n"
          "</body>\n</html>\n",
          out);
    ctx_free(&c);
    return fflush(out) == 0 && !ferror(out) ? VLM_OK : VLM_ERR_IO;
}
