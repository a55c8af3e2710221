/*
 * report_text.c - the text renderings of the report document: an aligned table
 * for terminals, Markdown, and CSV. They print the grids that rt_walk()
 * (report_table.c) builds from the one description of each table, so the three
 * show the same cells as the HTML report.
 */
#include "report.h"
#include "report_table.h"

#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "util.h"

#define CUT_CHARS 40 /* RT_CUT tables in the terminal: characters per cell ... */
#define CUT_ROWS  20 /* ... and rows shown */

/* ------------------------------------------------------------ terminal table */

/* Display width of UTF-8 text: code points, CJK counted double. */
static int text_width(const char *s) {
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80) continue;
        w += *p >= 0xE3 && *p <= 0xED ? 2 : 1; /* U+3000..U+DFFF: CJK, wide */
    }
    return w;
}

/* A cell as one terminal line: line breaks and tabs as spaces, at most `max`
 * code points (0: all), a cut one ending in "…". Owned by the caller. */
static char *one_line(const char *s, int max) {
    char *t = xmalloc(strlen(s) + 4), *o = t;
    int n = 0;
    for (const char *p = s; *p; p++) {
        if ((*p & 0xC0) != 0x80 && max && n++ == max) {
            o = stpcpy(o, "\xE2\x80\xA6");
            break;
        }
        *o++ = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
    }
    *o = 0;
    return t;
}

static void print_text(const struct rt_section *s, FILE *out) {
    const struct rt_grid *g = &s->grid;
    bool cut = s->t->flags & RT_CUT;
    int nr = cut && g->nr > CUT_ROWS + 1 ? CUT_ROWS + 1 : g->nr;
    char **cells = xcalloc((size_t)(nr * g->nc), sizeof *cells);
    int *w = xcalloc((size_t)g->nc, sizeof *w);
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < g->nc; c++) {
            char *t = cells[r * g->nc + c] = one_line(rt_at(g, r, c)->text, cut ? CUT_CHARS : 0);
            if (text_width(t) > w[c]) w[c] = text_width(t);
        }
    for (int r = 0; r < nr; r++) {
        for (int c = 0; c < g->nc; c++) {
            const char *t = cells[r * g->nc + c];
            int pad = w[c] - text_width(t);
            bool left = !rt_at(g, r || g->nr == 1 ? r : 1, c)->num, last = c == g->nc - 1;
            fprintf(out, "%s%*s%s%*s", c ? "  " : "", left ? 0 : pad, "", t, left && !last ? pad : 0, "");
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
    if (nr < g->nr) fprintf(out, "... %d more rows: --format md, csv or html shows them all\n", g->nr - nr);
    for (int i = 0; i < nr * g->nc; i++) free(cells[i]);
    free(cells);
    free(w);
}

/* ------------------------------------------------------------ markdown */

/* Markdown cell: no line breaks, pipes escaped, HTML special characters as
 * entities (Markdown renderers pass raw HTML through). */
static void md_cell(FILE *out, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '|': fputs("\\|", out); break;
        case '\n':
        case '\r': fputc(' ', out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '`': fputs("\\`", out); break;
        default: fputc(*s, out);
        }
    }
}

static void print_md(const struct rt_section *s, FILE *out) {
    const struct rt_grid *g = &s->grid;
    for (int r = 0; r < g->nr; r++) {
        fputc('|', out);
        for (int c = 0; c < g->nc; c++) {
            fputc(' ', out);
            md_cell(out, rt_at(g, r, c)->text);
            fputs(" |", out);
        }
        fputc('\n', out);
        if (r == 0) {
            fputc('|', out);
            for (int c = 0; c < g->nc; c++) fputs(rt_at(g, g->nr > 1 ? 1 : 0, c)->num ? " ---: |" : " --- |", out);
            fputc('\n', out);
        }
    }
}

/* ------------------------------------------------------------ sections */

struct text_out {
    FILE *out;
    bool md;
};

/* Title, note, prose, grid: "## Title" and "- line" in Markdown. */
static void text_section(const struct rt_section *s, void *user) {
    const struct text_out *o = user;
    FILE *out = o->out;
    if (o->md) {
        fputs("\n## ", out);
        md_cell(out, s->title);
        fputs("\n\n", out);
    } else {
        fprintf(out, "\n%s\n", s->title);
    }
    if (s->note) {
        if (o->md) md_cell(out, s->note);
        else fputs(s->note, out);
        fputc('\n', out);
    }
    for (int i = 0; i < s->n_lines; i++) {
        fputs(o->md ? "- " : "  ", out);
        if (o->md) md_cell(out, s->lines[i]);
        else fputs(s->lines[i], out);
        fputc('\n', out);
    }
    if (s->grid.nr > 1) {
        fputc('\n', out);
        if (o->md) print_md(s, out);
        else print_text(s, out);
    }
}

int report_write_sections(const json_t *doc, const struct rt_table *tables, int n, FILE *out, bool md) {
    struct text_out o = {out, md};
    rt_walk_tables(doc, tables, n, 0, text_section, &o);
    return ferror(out) ? VLM_ERR_IO : VLM_OK;
}

void report_md_text(FILE *out, const char *s, bool md) {
    if (md) md_cell(out, s);
    else fputs(s, out);
}

static int write_text(const json_t *r, FILE *out, bool md) {
    struct text_out o = {out, md};
    const char *when = jpath_str(r, "generated_at"), *db = jpath_str(r, "db");
    fprintf(out, md ? "# vlmeter report\n\n" : "vlmeter report\n");
    fprintf(out, "generated %s from %s\n", when ? when : RT_DASH, db ? db : RT_DASH);
    rt_walk(r, 0, text_section, &o);
    return ferror(out) ? VLM_ERR_IO : VLM_OK;
}

int report_write_table(const json_t *r, FILE *out) { return write_text(r, out, false); }

int report_write_md(const json_t *r, FILE *out) { return write_text(r, out, true); }

/* ------------------------------------------------------------ csv */

static void csv_field(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Every line starts with the table's id; a table's first line is its header.
 * A cell holding one number from the document is that number unquoted, at
 * full precision in the header's unit (12.34, not "12.3"); other cells are
 * the text the other formats show, quoted. */
static void csv_section(const struct rt_section *s, void *out) {
    const struct rt_grid *g = &s->grid;
    for (int r = 0; r < g->nr; r++) {
        csv_field(out, s->id);
        for (int c = 0; c < g->nc; c++) {
            const struct rt_cell *cell = rt_at(g, r, c);
            fputc(',', out);
            if (cell->has_raw) fprintf(out, "%.15g", cell->raw);
            else csv_field(out, cell->text);
        }
        fputc('\n', out);
    }
}

int report_write_csv(const json_t *r, FILE *out) {
    rt_walk(r, 0, csv_section, out);
    return ferror(out) ? VLM_ERR_IO : VLM_OK;
}
