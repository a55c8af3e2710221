/*
 * report_table.h - every table of the report described once, as data, and the
 * one walk that turns the descriptions into grids of cell texts.
 *
 * A description (struct rt_table, all of them in report_tables.c) says where a
 * table's rows come from in the report document (docs/report-schema.md) and,
 * per column, its header, the jpath path of its value relative to the row and
 * the value's format, or a small cell function for composite cells. rt_walk()
 * builds each table's grid once; the text, Markdown and CSV renderers
 * (report_text.c) and the HTML renderer (report_html.c) only print grids, so a
 * cell reads the same in every format. A missing value is always RT_DASH,
 * never 0.
 */
#ifndef VLM_REPORT_TABLE_H
#define VLM_REPORT_TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define RT_DASH   "\xE2\x80\x93"           /* en dash: a value that is not there */
#define RT_NA_WHY "\xE2\x80\x94 no vision" /* after "n/a": why a model's cases were not applicable */

/* ------------------------------------------------------------ formats */

enum rt_fmt {
    RT_TEXT,     /* a string as it is */
    RT_CATEGORY, /* a category: "" shows as "(none)" */
    RT_INT,      /* 12 */
    RT_TURN,     /* a 0-based turn shown 1-based: 0 -> "1" */
    RT_MS,       /* milliseconds, 12.3 */
    RT_TPS,      /* tokens per second, 12.3 */
    RT_MIB,      /* bytes shown in MiB, 12.3 */
    RT_GIB,      /* bytes shown in GiB, 1.23 */
    RT_PARAMS,   /* a count: 1.23 B, 4.56 M, 7.8 k */
    RT_PCT,      /* a share shown in percent: 0.667 -> "67%" */
    RT_PCT1,     /* likewise with one decimal: "66.7%" */
    RT_PTS,      /* a difference of shares in points, signed: -0.25 -> "-25.0" */
    RT_FIX1,     /* 0.1 */
    RT_FIX2,     /* 0.12 */
    RT_FIX3,     /* 0.123 */
    RT_FIX4,     /* 0.1234 */
    RT_P,        /* a p-value: 0.123, or "<0.001" */
    RT_RATE,     /* requests per second, 0 meaning unlimited: "max" */
};

/* Write v in format f into buf (n bytes); RT_DASH when !have. The one number
 * formatter of the report. */
void rt_format(char *buf, size_t n, enum rt_fmt f, bool have, double v);

/* Write the number at `path` under o in format f (RT_DASH when missing). */
void rt_format_at(char *buf, size_t n, const json_t *o, const char *path, enum rt_fmt f);

/* ------------------------------------------------------------ grids */

/* How HTML may set a cell apart (a class); the text formats ignore it. */
enum rt_mark { RT_PLAIN, RT_BEST, RT_SIG, RT_TOTAL };

struct rt_cell {
    char *text;        /* what every format shows; owned */
    enum rt_mark mark; /* RT_BEST: best of its row; RT_SIG: significant; RT_TOTAL: on a row label, a total row */
    int model;         /* a header naming the document's models[model] (HTML colour), else -1 */
    bool num;          /* a number: right-aligned */
    bool has_raw;      /* a single number from the document: raw holds it */
    double raw;        /* that number at full precision, in the unit the header names (CSV prints it) */
};

/* A table's cells, row 0 the header, column 0 the row labels or first field. */
struct rt_grid {
    int nr, nc, cap;
    struct rt_cell *cells; /* nr * nc, row-major */
};

/* The cell at row r, column c. */
struct rt_cell *rt_at(const struct rt_grid *g, int r, int c);

/* ------------------------------------------------------------ descriptions */

struct rt_col;

/* What a cell function may need besides its row. */
struct rt_ctx {
    const json_t *doc; /* the whole report document */
    const char *model; /* RT_PER_MODEL columns: this column's model name */
};

/* A composite cell: fill c (rt_cell_set) from row; col gives its path and format. */
typedef void rt_cell_fn(struct rt_cell *c, const json_t *row, const struct rt_col *col, const struct rt_ctx *cx);

/* Column flags. */
#define RT_PER_MODEL 1u /* repeated once per document model, headed by its name */

struct rt_col {
    const char *head; /* header (RT_PER_MODEL: none, the model's name) */
    const char *path; /* jpath of the value under the row; NULL: the row itself */
    enum rt_fmt fmt;
    rt_cell_fn *cell; /* NULL: the value at path in fmt */
    unsigned flags;
};

/* Models (or family members) as columns, the rows keyed by a field of entries
 * that each hold one cell: accuracy by category, by turn. */
struct rt_pivot {
    const char *cols;        /* array of column objects, under the table's scope */
    const char *col_name;    /* their header, under each column object */
    const char *entries;     /* document array of entries, matched to a column ... */
    const char *entry_col;   /* ... by this field equal to the column's name */
    const char *col_entries; /* or: the entries are this array under the column object */
    const char *row_key;     /* the entry field that names its row */
    enum rt_fmt row_fmt;     /* how that key is shown */
    const char *row_order;   /* document array giving the row order; NULL: keys as found, ascending */
    const char *total;       /* under each column object: the last row, "all"; NULL: none */
    struct rt_col cell;      /* one entry's cell */
};

enum rt_shape {
    RT_LIST,       /* one row per element of `rows`, the columns across */
    RT_TRANSPOSED, /* one column per element of `rows`, the fields down (column 0 heads the columns) */
    RT_PIVOT,      /* see struct rt_pivot */
};

/* Table flags. */
#define RT_BEST       1u /* pivot: mark the highest value of each row (two or more, not all equal) */
#define RT_MODEL_COLS 2u /* the columns are the document's models, in order */
#define RT_CUT        4u /* long: the terminal table cuts cells and rows (report_text.c) */
#define RT_HTML_OWN   8u /* HTML writes its own form of this section (the answer gallery) */

/* Prose shown with a table, before its grid: n lines, each owned by the caller. */
typedef char **rt_lines_fn(const json_t *scope, int *n);

struct rt_table {
    const char *id;    /* HTML anchor and CSV section name; "-NAME" added per `each` element */
    const char *title; /* with `each`: a format with one %s, the element's name */
    const char *note;  /* one sentence under the title, or NULL */
    const char *each;  /* document array: one table per element (scope = element); NULL: once */
    enum rt_shape shape;
    const char *rows; /* RT_LIST / RT_TRANSPOSED: the array of rows, under the scope */
    const struct rt_col *cols;
    int n_cols;
    const struct rt_pivot *pivot;
    const char *corner; /* RT_TRANSPOSED / RT_PIVOT: the header of the label column */
    rt_lines_fn *lines; /* prose before the grid, or NULL */
    unsigned flags;
};

/* The report's tables, in the order every format shows them (report_tables.c). */
extern const struct rt_table RT_TABLES[];
extern const int RT_N_TABLES;

/* Set a cell's text, printf-style. */
void rt_cell_set(struct rt_cell *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set a cell to the value at `path` under o in format f (RT_DASH when missing). */
void rt_cell_value(struct rt_cell *c, const json_t *o, const char *path, enum rt_fmt f);

/* The dials tables' cells and prose (report_dials.c): the category ("all"
 * for null), image tokens per image labelled "(derived)" when counted from a
 * server's usage, cost per 1k with where it is priced, and the smallest-budget
 * line with the budgets below it that miss. */
rt_cell_fn report_dials_cell_category, report_dials_cell_tokens, report_dials_cell_cost;
rt_lines_fn report_dials_lines;

/* ------------------------------------------------------------ the walk */

/* One table ready to print. */
struct rt_section {
    const struct rt_table *t;
    const char *id, *title, *note; /* id and title with an `each` element's name filled in */
    char **lines;                  /* prose before the grid */
    int n_lines;
    struct rt_grid grid; /* empty (nr 0) for tables flagged with the walk's `skip` */
};

/* Called once per table that has rows or prose. */
typedef void rt_section_fn(const struct rt_section *s, void *user);

/* Build every table of doc in order and hand each to fn (report_tables.c: the
 * walk over RT_TABLES). Tables whose flags
 * meet `skip` come with an empty grid (their renderer writes its own). */
void rt_walk(const json_t *doc, unsigned skip, rt_section_fn *fn, void *user);

/* The same over n tables of another document described the same way (the
 * comparison of `vlmeter compare`, compare.c). */
void rt_walk_tables(const json_t *doc, const struct rt_table *tables, int n, unsigned skip, rt_section_fn *fn,
                    void *user);

#endif
