/*
 * report_table.c - the walk from table descriptions (report_tables.c) to grids
 * of cell texts (report_table.h), and the one number formatter. Three shapes:
 * a list (a row per array element), the same transposed (a column per
 * element) and a pivot (entries placed by row key and column). It knows no
 * table: report_tables.c (which describes them, and calls this file's cell
 * helpers) hands them in through rt_walk_tables.
 */
#include "report_table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "util.h"

/* ------------------------------------------------------------ formats */

void rt_format(char *buf, size_t n, enum rt_fmt f, bool have, double v) {
    if (!have || !isfinite(v)) {
        snprintf(buf, n, RT_DASH);
        return;
    }
    double a = fabs(v);
    switch (f) {
    case RT_TEXT:
    case RT_CATEGORY: snprintf(buf, n, "%g", v); break;
    case RT_INT: snprintf(buf, n, "%.0f", v); break;
    case RT_TURN: snprintf(buf, n, "%.0f", v + 1); break;
    case RT_MS:
    case RT_TPS: snprintf(buf, n, "%.1f", v); break;
    case RT_MIB: snprintf(buf, n, "%.1f", v / 1048576.0); break;
    case RT_GIB: snprintf(buf, n, "%.2f", v / 1073741824.0); break;
    case RT_PARAMS:
        if (a >= 1e9) snprintf(buf, n, "%.2f B", v / 1e9);
        else if (a >= 1e6) snprintf(buf, n, "%.2f M", v / 1e6);
        else if (a >= 1e3) snprintf(buf, n, "%.1f k", v / 1e3);
        else snprintf(buf, n, "%.0f", v);
        break;
    case RT_PCT: snprintf(buf, n, "%.0f%%", 100 * v); break;
    case RT_PCT1: snprintf(buf, n, "%.1f%%", 100 * v); break;
    case RT_PTS: snprintf(buf, n, "%+.1f", 100 * v); break;
    case RT_FIX1: snprintf(buf, n, "%.1f", v); break;
    case RT_FIX2: snprintf(buf, n, "%.2f", v); break;
    case RT_FIX3: snprintf(buf, n, "%.3f", v); break;
    case RT_FIX4: snprintf(buf, n, "%.4f", v); break;
    case RT_P:
        if (v < 0.001) snprintf(buf, n, "<0.001");
        else snprintf(buf, n, "%.3f", v);
        break;
    case RT_RATE:
        if (v <= 0) snprintf(buf, n, "max");
        else snprintf(buf, n, "%.1f", v);
        break;
    }
}

void rt_format_at(char *buf, size_t n, const json_t *o, const char *path, enum rt_fmt f) {
    double v = 0;
    bool have = jpath_num(o, path, &v);
    rt_format(buf, n, f, have, v);
}

static bool is_text(enum rt_fmt f) { return f == RT_TEXT || f == RT_CATEGORY; }

/* v in the unit format f shows it in (MiB, GiB, percent, points, turns from
 * 1), unrounded; false when f shows a word instead ("max" for rate 0). */
static bool rt_raw(enum rt_fmt f, double v, double *out) {
    switch (f) {
    case RT_MIB: *out = v / 1048576.0; return true;
    case RT_GIB: *out = v / 1073741824.0; return true;
    case RT_PCT:
    case RT_PCT1:
    case RT_PTS: *out = 100 * v; return true;
    case RT_TURN: *out = v + 1; return true;
    case RT_RATE: *out = v; return v > 0;
    default: *out = v; return true;
    }
}

/* ------------------------------------------------------------ cells */

struct rt_cell *rt_at(const struct rt_grid *g, int r, int c) {
    return &g->cells[r * g->nc + c];
}

void rt_cell_set(struct rt_cell *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    free(c->text);
    c->text = s ? s : xstrdup("");
}

void rt_cell_value(struct rt_cell *c, const json_t *o, const char *path, enum rt_fmt f) {
    c->num = !is_text(f);
    const char *s = jpath_str(o, path);
    if (s) {
        rt_cell_set(c, "%s", f == RT_CATEGORY && !s[0] ? "(none)" : s);
        return;
    }
    char buf[64];
    double v = 0;
    bool have = jpath_num(o, path, &v);
    rt_format(buf, sizeof buf, f, have, v);
    rt_cell_set(c, "%s", buf);
    c->has_raw = have && rt_raw(f, v, &c->raw);
}

/* A column's cell for one row. */
static void fill(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx) {
    if (col->cell) {
        c->num = !is_text(col->fmt);
        col->cell(c, row, col, cx);
    } else {
        rt_cell_value(c, row, col->path, col->fmt);
    }
}

/* ------------------------------------------------------------ grids */

static void grid_init(struct rt_grid *g, int nc) {
    memset(g, 0, sizeof *g);
    g->nc = nc;
}

/* Append a row of empty cells; its index. */
static int grid_row(struct rt_grid *g) {
    util_grow((void **)&g->cells, &g->cap, (g->nr + 1) * g->nc, sizeof *g->cells);
    for (int c = 0; c < g->nc; c++)
        g->cells[g->nr * g->nc + c] = (struct rt_cell){.text = xstrdup(""), .mark = RT_PLAIN, .model = -1};
    return g->nr++;
}

static void grid_free(struct rt_grid *g) {
    for (int i = 0; i < g->nr * g->nc; i++) free(g->cells[i].text);
    free(g->cells);
}

/* The columns of a list: per-model columns count once per model. */
static int list_width(const struct rt_table *t, const json_t *models) {
    int n = 0;
    for (int k = 0; k < t->n_cols; k++) n += t->cols[k].flags & RT_PER_MODEL ? (int)json_array_size(models) : 1;
    return n;
}

static void build_list(struct rt_grid *g, const struct rt_table *t, const json_t *scope, const json_t *doc) {
    const json_t *models = jpath_get(doc, "models"), *rows = jpath_get(scope, t->rows), *row, *m;
    grid_init(g, list_width(t, models));
    int r = grid_row(g), c = 0;
    size_t i, j;
    for (int k = 0; k < t->n_cols; k++) {
        if (!(t->cols[k].flags & RT_PER_MODEL)) {
            rt_cell_set(rt_at(g, r, c++), "%s", t->cols[k].head);
            continue;
        }
        json_array_foreach(models, j, m) {
            rt_cell_set(rt_at(g, r, c), "%s", jpath_str(m, "name") ? jpath_str(m, "name") : RT_DASH);
            rt_at(g, r, c++)->model = (int)j;
        }
    }
    json_array_foreach(rows, i, row) {
        r = grid_row(g), c = 0;
        for (int k = 0; k < t->n_cols; k++) {
            struct rt_ctx cx = {doc, NULL};
            if (!(t->cols[k].flags & RT_PER_MODEL)) {
                fill(rt_at(g, r, c++), row, &t->cols[k], &cx);
                continue;
            }
            json_array_foreach(models, j, m) {
                cx.model = jpath_str(m, "name");
                fill(rt_at(g, r, c++), row, &t->cols[k], &cx);
            }
        }
    }
}

/* Column 0 of the description heads the columns; the others are rows. */
static void build_transposed(struct rt_grid *g, const struct rt_table *t, const json_t *scope, const json_t *doc) {
    const json_t *objs = jpath_get(scope, t->rows), *o;
    struct rt_ctx cx = {doc, NULL};
    size_t i;
    grid_init(g, 1 + (int)json_array_size(objs));
    int r = grid_row(g);
    rt_cell_set(rt_at(g, r, 0), "%s", t->corner);
    json_array_foreach(objs, i, o) {
        fill(rt_at(g, r, 1 + (int)i), o, &t->cols[0], &cx);
        rt_at(g, r, 1 + (int)i)->num = false;
        rt_at(g, r, 1 + (int)i)->model = t->flags & RT_MODEL_COLS ? (int)i : -1;
    }
    for (int k = 1; k < t->n_cols; k++) {
        r = grid_row(g);
        rt_cell_set(rt_at(g, r, 0), "%s", t->cols[k].head);
        json_array_foreach(objs, i, o) fill(rt_at(g, r, 1 + (int)i), o, &t->cols[k], &cx);
    }
}

/* ------------------------------------------------------------ pivots */

static int cmp_key(const void *a, const void *b) {
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    if (json_is_number(x) && json_is_number(y))
        return (json_number_value(x) > json_number_value(y)) - (json_number_value(x) < json_number_value(y));
    return strcmp(json_is_string(x) ? json_string_value(x) : "", json_is_string(y) ? json_string_value(y) : "");
}

/* The entry of pivot column col (a column object) whose row key is `key`; NULL: none. */
static const json_t *col_entry(const struct rt_pivot *p, const json_t *doc, const json_t *col, const json_t *key) {
    const char *name = jpath_str(col, p->col_name);
    const json_t *entries = p->col_entries ? jpath_get(col, p->col_entries) : jpath_get(doc, p->entries), *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        if (!p->col_entries && (!name || !jpath_str(e, p->entry_col) || strcmp(jpath_str(e, p->entry_col), name)))
            continue;
        const json_t *k = jpath_get(e, p->row_key);
        if (k && json_equal(k, key)) return e;
    }
    return NULL;
}

/* The row keys: the document's order, or every key found, ascending; *n their count. */
static const json_t **pivot_keys(const struct rt_pivot *p, const json_t *doc, const json_t *cols, size_t *n) {
    size_t i, j, cap = 16;
    const json_t **keys = xcalloc(cap, sizeof *keys), *k, *col, *e;
    *n = 0;
    if (p->row_order) {
        json_array_foreach(jpath_get(doc, p->row_order), i, k) {
            if (*n == cap) keys = xrealloc(keys, (cap *= 2) * sizeof *keys);
            keys[(*n)++] = k;
        }
        return keys;
    }
    json_array_foreach(cols, j, col) {
        const json_t *entries = p->col_entries ? jpath_get(col, p->col_entries) : jpath_get(doc, p->entries);
        json_array_foreach(entries, i, e) {
            k = jpath_get(e, p->row_key);
            bool seen = !k;
            for (size_t s = 0; !seen && s < *n; s++) seen = json_equal(keys[s], k);
            if (seen) continue;
            if (*n == cap) keys = xrealloc(keys, (cap *= 2) * sizeof *keys);
            keys[(*n)++] = k;
        }
        if (!p->col_entries) break; /* one document array serves every column */
    }
    qsort(keys, *n, sizeof *keys, cmp_key);
    return keys;
}

/* Mark the highest value of row r when two or more are there and not all equal. */
static void mark_best(struct rt_grid *g, int r, const double *v, const bool *have) {
    double hi = -INFINITY, lo = INFINITY;
    int n = 0;
    for (int c = 1; c < g->nc; c++)
        if (have[c]) {
            n++;
            hi = fmax(hi, v[c]);
            lo = fmin(lo, v[c]);
        }
    if (n < 2 || !(hi > lo)) return;
    for (int c = 1; c < g->nc; c++)
        if (have[c] && v[c] >= hi - 1e-12) rt_at(g, r, c)->mark = RT_BEST;
}

/* One pivot row: cell per column from its entry (or the column's total). */
static void pivot_row(struct rt_grid *g, const struct rt_table *t, const json_t *doc, const json_t *cols,
                      const json_t *key) {
    const struct rt_pivot *p = t->pivot;
    struct rt_ctx cx = {doc, NULL};
    double *v = xcalloc((size_t)g->nc, sizeof *v);
    bool *have = xcalloc((size_t)g->nc, sizeof *have), any = false;
    int r = grid_row(g);
    size_t i;
    const json_t *col;
    json_array_foreach(cols, i, col) {
        const json_t *e = key ? col_entry(p, doc, col, key) : jpath_get(col, p->total);
        struct rt_cell *c = rt_at(g, r, 1 + (int)i);
        if (e) fill(c, e, &p->cell, &cx);
        else rt_cell_value(c, NULL, NULL, p->cell.fmt);
        c->num = true;
        have[1 + i] = jpath_num(e, p->cell.path, &v[1 + i]);
        any |= e != NULL;
    }
    if (!any && key) { /* no column has this row: leave it out */
        for (int c = 0; c < g->nc; c++) free(rt_at(g, r, c)->text);
        g->nr--;
    } else {
        if (key) rt_cell_value(rt_at(g, r, 0), key, NULL, p->row_fmt);
        else {
            rt_cell_set(rt_at(g, r, 0), "all");
            rt_at(g, r, 0)->mark = RT_TOTAL;
        }
        rt_at(g, r, 0)->num = false;
        if (t->flags & RT_BEST) mark_best(g, r, v, have);
    }
    free(v);
    free(have);
}

static void build_pivot(struct rt_grid *g, const struct rt_table *t, const json_t *scope, const json_t *doc) {
    const struct rt_pivot *p = t->pivot;
    const json_t *cols = jpath_get(scope, p->cols), *col;
    size_t i, n;
    grid_init(g, 1 + (int)json_array_size(cols));
    int r = grid_row(g);
    rt_cell_set(rt_at(g, r, 0), "%s", t->corner);
    json_array_foreach(cols, i, col) {
        rt_cell_value(rt_at(g, r, 1 + (int)i), col, p->col_name, RT_TEXT);
        rt_at(g, r, 1 + (int)i)->model = t->flags & RT_MODEL_COLS ? (int)i : -1;
    }
    const json_t **keys = pivot_keys(p, doc, cols, &n);
    for (size_t k = 0; k < n; k++) pivot_row(g, t, doc, cols, keys[k]);
    if (p->total && g->nr > 1) pivot_row(g, t, doc, cols, NULL);
    free(keys);
}

/* ------------------------------------------------------------ the walk */

static void emit(const struct rt_table *t, const json_t *scope, const json_t *doc, const char *name, unsigned skip,
                 rt_section_fn *fn, void *user) {
    struct rt_section s = {.t = t, .note = t->note};
    char *id = name ? xasprintf("%s-%s", t->id, name) : xstrdup(t->id);
    char *title = xasprintf(name ? t->title : "%s", name ? name : t->title);
    s.id = id;
    s.title = title;
    if (t->lines) s.lines = t->lines(scope, &s.n_lines);
    if (!(t->flags & skip)) {
        if (t->shape == RT_LIST) build_list(&s.grid, t, scope, doc);
        else if (t->shape == RT_TRANSPOSED) build_transposed(&s.grid, t, scope, doc);
        else build_pivot(&s.grid, t, scope, doc);
    }
    /* something to show: elements in the rows array (list, transposed) or rows of a pivot */
    bool rows = t->shape == RT_PIVOT ? s.grid.nr > 1 : json_array_size(jpath_get(scope, t->rows)) > 0;
    if (rows || s.n_lines) fn(&s, user);
    grid_free(&s.grid);
    for (int i = 0; i < s.n_lines; i++) free(s.lines[i]);
    free(s.lines);
    free(title);
    free(id);
}

void rt_walk_tables(const json_t *doc, const struct rt_table *tables, int n, unsigned skip, rt_section_fn *fn,
                    void *user) {
    for (int k = 0; k < n; k++) {
        const struct rt_table *t = &tables[k];
        if (!t->each) {
            emit(t, doc, doc, NULL, skip, fn, user);
            continue;
        }
        size_t i;
        const json_t *e;
        json_array_foreach(jpath_get(doc, t->each), i, e) {
            const char *name = jpath_str(e, "name");
            emit(t, e, doc, name ? name : RT_DASH, skip, fn, user);
        }
    }
}
