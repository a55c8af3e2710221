/*
 * serve_pages.c - the HTML pages of `vlmeter serve` (serve_pages.h, docs/serve.md):
 * overview, case list with filters, one case with its answers and verdict
 * forms, the blind pair, and message pages; plus /app.js and /app.css. Pages
 * are whole documents rendered on the server and readable without script.
 * Every text that comes from the store goes through serve_esc() (element
 * content and attributes alike) or serve_url_esc() (in a URL). The overview's
 * matrix and runs are the report's own tables (report_build, rt_walk), so a
 * cell reads as it does in the HTML report. A blind pair's page never writes a
 * model's name.
 */
#include "serve_pages.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_table.h"
#include "util.h"

/* ------------------------------------------------------------ escaping */

void serve_esc(FILE *out, const char *s) { util_html_escape(out, s, SIZE_MAX); }

void serve_url_esc(FILE *out, const char *s, bool keep_slash) {
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        unsigned char ch = *p;
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                     ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/');
        if (plain) fputc(ch, out);
        else fprintf(out, "%%%02X", ch);
    }
}

void serve_answer_id(FILE *out, const char *model, int turn) {
    fputs("a-", out);
    for (const char *p = model; p && *p; p++) {
        char ch = *p;
        bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                    ch == '-';
        fputc(keep ? ch : '_', out);
    }
    fprintf(out, "-%d", turn);
}

/* ------------------------------------------------------------ page frame */

static void page_open(FILE *out, const char *title) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>vlmeter review: ",
          out);
    serve_esc(out, title);
    fputs("</title><link rel=\"stylesheet\" href=\"/app.css\"><script src=\"/app.js\" defer></script></head>\n"
          "<body><nav><a href=\"/\">Overview</a> <a href=\"/cases\">Cases</a> <a href=\"/pair\">Blind pairs</a> "
          "<a href=\"/report\">Report</a></nav>\n<main>\n<h1>",
          out);
    serve_esc(out, title);
    fputs("</h1>\n", out);
}

static void page_close(FILE *out) { fputs("</main></body></html>\n", out); }

void serve_page_message(FILE *out, const char *title, const char *message) {
    page_open(out, title);
    fputs("<p id=\"message\">", out);
    serve_esc(out, message);
    fputs("</p>\n", out);
    page_close(out);
}

/* ------------------------------------------------------------ overview */

/* A report grid as an HTML table with the given id. */
static void write_grid(FILE *out, const char *id, const struct rt_grid *g) {
    fprintf(out, "<table id=\"%s\">\n", id);
    for (int r = 0; r < g->nr; r++) {
        fputs("<tr>", out);
        for (int c = 0; c < g->nc; c++) {
            const struct rt_cell *cell = rt_at(g, r, c);
            const char *tag = r == 0 || c == 0 ? "th" : "td";
            fprintf(out, "<%s%s>", tag, cell->num && r > 0 ? " class=\"num\"" : "");
            serve_esc(out, cell->text);
            fprintf(out, "</%s>", tag);
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* The report's tables the overview shows, by the report's section id, and
 * the id each gets on the page. */
static const char *const HOME_TABLES[][2] = {
    {"runs", "runs"},
    {"quality", "matrix"},
    {"review", "review-table"},
    {"review-agreement", "review-agreement"},
    {"preferences", "preferences"},
    {"preference-ranking", "preference-ranking"},
};
#define N_HOME_TABLES (int)(sizeof HOME_TABLES / sizeof HOME_TABLES[0])

struct home_walk {
    char *html[N_HOME_TABLES]; /* HTML of each, or NULL when the report has no such table */
};

static char *grid_html(const char *id, const struct rt_grid *g) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    write_grid(f, id, g);
    fclose(f);
    return buf;
}

static void home_section(const struct rt_section *s, void *user) {
    struct home_walk *w = user;
    for (int i = 0; i < N_HOME_TABLES; i++)
        if (!strcmp(s->id, HOME_TABLES[i][0]) && !w->html[i]) w->html[i] = grid_html(HOME_TABLES[i][1], &s->grid);
}

static void model_row(const struct ss_model *m, void *user) {
    FILE *out = user;
    fputs("<tr><td>", out);
    serve_esc(out, m->name);
    fprintf(out,
            "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
            "<td class=\"num\">%d</td></tr>\n",
            m->n_cases, m->n_answers, m->n_errors, m->n_verdicts);
}

int serve_page_home(FILE *out, vlm_store *s, const char *db_path) {
    char err[1024];
    json_t *doc = report_build(s, db_path, err, sizeof err);
    if (!doc) return VLM_ERR_IO;
    struct ss_review rv;
    if (store_serve_review(s, &rv) != VLM_OK) {
        json_decref(doc);
        return VLM_ERR_IO;
    }
    page_open(out, "Overview");
    struct home_walk w = {{NULL}};
    rt_walk(doc, RT_HTML_OWN, home_section, &w);
    json_decref(doc);
    fputs("<h2>Runs</h2>\n", out);
    fputs(w.html[0] ? w.html[0] : "<table id=\"runs\"><tr><th>no run stored</th></tr></table>\n", out);
    fputs("<h2>Models</h2>\n<table id=\"models\">\n<tr><th>model</th><th>cases</th><th>answers</th><th>errors</th>"
          "<th>verdicts</th></tr>\n",
          out);
    int rc = store_serve_models(s, model_row, out);
    fputs("</table>\n<h2>Accuracy by category</h2>\n<p class=\"note\">Each cell: accuracy, its 95% Wilson interval "
          "and the scored turns, as in the report (a human verdict counts before the scorer's).</p>\n",
          out);
    fputs(w.html[1] ? w.html[1] : "<table id=\"matrix\"><tr><th>nothing scored</th></tr></table>\n", out);
    fprintf(out,
            "<h2>Human review</h2>\n<p id=\"review\">%d verdict%s on %d answer%s; %d blind vote%s; %d "
            "reviewer%s.</p>\n",
            rv.n_verdicts, rv.n_verdicts == 1 ? "" : "s", rv.n_reviewed, rv.n_reviewed == 1 ? "" : "s", rv.n_votes,
            rv.n_votes == 1 ? "" : "s", rv.n_reviewers, rv.n_reviewers == 1 ? "" : "s");
    for (int i = 2; i < N_HOME_TABLES; i++) { /* the report's review and preference tables, where it has them */
        if (w.html[i]) fputs(w.html[i], out);
    }
    for (int i = 0; i < N_HOME_TABLES; i++) free(w.html[i]);
    page_close(out);
    return rc;
}

/* ------------------------------------------------------------ case list */

struct cats {
    FILE *out;
    const char *chosen;
};

static void category_option(const char *cat, void *user) {
    struct cats *c = user;
    fputs("<option value=\"", c->out);
    serve_esc(c->out, cat[0] ? cat : SERVE_NO_CATEGORY); /* "" would mean any category */
    fprintf(c->out, "\"%s>", c->chosen && !strcmp(c->chosen, cat) ? " selected" : "");
    serve_esc(c->out, cat[0] ? cat : "(none)");
    fputs("</option>", c->out);
}

/* A <select name="category"> with every stored category, `chosen` selected
 * (NULL: any category; "": the cases without one). */
static int category_select(FILE *out, vlm_store *s, const char *chosen) {
    fputs("<select name=\"category\" id=\"category\"><option value=\"\">any category</option>", out);
    struct cats c = {out, chosen};
    int rc = store_serve_categories(s, category_option, &c);
    fputs("</select>", out);
    return rc;
}

static void checkbox(FILE *out, const char *name, bool on, const char *label) {
    fprintf(out, "<label><input type=\"checkbox\" name=\"%s\" id=\"f-%s\" value=\"1\"%s> %s</label>\n", name, name,
            on ? " checked" : "", label);
}

struct case_rows {
    FILE *out;
    int n;
};

static void case_row(const struct ss_case *c, void *user) {
    struct case_rows *r = user;
    FILE *out = r->out;
    fputs("<tr class=\"case\" data-suite=\"", out);
    serve_esc(out, c->suite);
    fputs("\" data-case=\"", out);
    serve_esc(out, c->case_id);
    fputs("\"><td>", out);
    serve_esc(out, c->suite);
    fputs("</td><td><a class=\"case-link\" href=\"/case?suite=", out);
    serve_url_esc(out, c->suite, false);
    fputs("&amp;id=", out);
    serve_url_esc(out, c->case_id, false);
    fputs("\">", out);
    serve_esc(out, c->case_id);
    fputs("</a></td><td>", out);
    serve_esc(out, c->category && c->category[0] ? c->category : "(none)");
    fprintf(out, "</td><td class=\"num\">%d</td></tr>\n", c->n_models);
    r->n++;
}

int serve_page_cases(FILE *out, vlm_store *s, const struct ss_filter *f) {
    page_open(out, "Cases");
    fputs("<form id=\"filters\" method=\"GET\" action=\"/cases\">\n", out);
    checkbox(out, "fail", f->fail, "failures (credit below 1 or an error)");
    checkbox(out, "disagree", f->disagree, "models disagree");
    checkbox(out, "errors", f->errors, "errors");
    checkbox(out, "unparsed", f->unparsed, "unparsed replies");
    int rc = category_select(out, s, f->category);
    fputs("\n<input type=\"text\" name=\"q\" id=\"q\" placeholder=\"search id, prompt, expected, answers\" value=\"",
          out);
    serve_esc(out, f->q);
    fputs("\"> <button id=\"apply\" type=\"submit\">Apply</button>\n</form>\n", out);
    fputs("<table id=\"cases\">\n<tr><th>suite</th><th>case</th><th>category</th><th>models</th></tr>\n", out);
    struct case_rows r = {out, 0};
    if (rc == VLM_OK) rc = store_serve_cases(s, f, case_row, &r);
    fprintf(out, "</table>\n<p id=\"count\">%d case%s</p>\n", r.n, r.n == 1 ? "" : "s");
    page_close(out);
    return rc;
}

/* ------------------------------------------------------------ one case */

/* An image link and thumbnail: /file/ABS with ABS the realpath without its
 * first '/'; a path that does not resolve is named, not linked. */
static void image_link(const char *path, void *user) {
    FILE *out = user;
    char *abs = realpath(path, NULL);
    if (!abs) {
        fputs("<span class=\"missing-image\">image not found: ", out);
        serve_esc(out, path);
        fputs("</span>\n", out);
        return;
    }
    fputs("<a class=\"image\" href=\"/file/", out);
    serve_url_esc(out, abs + 1, true);
    fputs("\"><img class=\"thumb\" alt=\"", out);
    serve_esc(out, path);
    fputs("\" src=\"/file/", out);
    serve_url_esc(out, abs + 1, true);
    fputs("\"></a>\n", out);
    free(abs);
}

static void fmt_num(FILE *out, double v, const char *fmt, const char *unit) {
    if (isnan(v)) fputs(RT_DASH, out);
    else {
        fprintf(out, fmt, v);
        fputs(unit, out);
    }
}

struct case_walk {
    FILE *out;
    const char *suite, *id, *reviewer;
    int turn; /* the turn whose block is open; -1: none */
};

/* The expected answer as stored (JSON): a string as text, an array of
 * strings (any of them) joined by " | ", anything else as its JSON. */
static void expected_text(FILE *out, const char *json) {
    json_t *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
    if (!v) serve_esc(out, json ? json : RT_DASH);
    else if (json_is_string(v)) serve_esc(out, json_string_value(v));
    else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (i) fputs(" | ", out);
            if (json_is_string(e)) serve_esc(out, json_string_value(e));
            else {
                char *t = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
                serve_esc(out, t);
                free(t);
            }
        }
    } else serve_esc(out, json);
    json_decref(v);
}

static void turn_open(struct case_walk *w, const struct ss_answer *a) {
    FILE *out = w->out;
    if (w->turn >= 0) fputs("</div></section>\n", out);
    w->turn = a->turn;
    fprintf(out, "<section class=\"turn\" data-turn=\"%d\"><h2>Turn %d</h2>\n<p class=\"prompt\">Prompt: ", a->turn,
            a->turn + 1);
    serve_esc(out, a->prompt);
    fputs("</p>\n<p class=\"expected\">Expected: ", out);
    expected_text(out, a->expected);
    fputs("</p>\n<div class=\"answers\">\n", out);
}

static void scorer_verdict(FILE *out, const struct ss_answer *a) {
    fputs("<p class=\"scorer-verdict\">Scorer: ", out);
    if (!a->scorer) fputs("not scored", out);
    else {
        serve_esc(out, a->scorer);
        fputs(a->unparsed ? ", unparsed" : a->correct ? ", correct" : ", wrong", out);
        if (!isnan(a->score)) fprintf(out, " (%.2f)", a->score);
        if (a->detail && a->detail[0]) {
            fputs(": ", out);
            serve_esc(out, a->detail);
        }
    }
    fputs("</p>\n", out);
}

static void human_verdict(FILE *out, const struct ss_answer *a) {
    fputs("<p class=\"human-verdict\">Human: ", out);
    if (!a->h_verdict) fputs("none", out);
    else {
        serve_esc(out, a->h_verdict);
        fprintf(out, " (%.2f) by ", a->h_score);
        serve_esc(out, a->h_reviewer);
        fputs(" at ", out);
        serve_esc(out, a->h_at);
        if (a->h_comment) {
            fputs(": ", out);
            serve_esc(out, a->h_comment);
        }
    }
    fputs("</p>\n", out);
}

static void hidden(FILE *out, const char *name, const char *value) {
    fprintf(out, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    serve_esc(out, value);
    fputs("\">", out);
}

static void verdict_form(FILE *out, const struct case_walk *w, const struct ss_answer *a) {
    fputs("<form class=\"verdict\" method=\"POST\" action=\"/verdict\">", out);
    hidden(out, "model", a->model);
    hidden(out, "suite", w->suite);
    hidden(out, "case", w->id);
    fprintf(out, "<input type=\"hidden\" name=\"turn\" value=\"%d\">\n", a->turn);
    const char *cur = a->h_verdict ? a->h_verdict : "";
    static const char *const KINDS[] = {"right", "wrong", "score"};
    for (int i = 0; i < 3; i++)
        fprintf(out, "<label><input type=\"radio\" name=\"verdict\" value=\"%s\"%s> %s</label> ", KINDS[i],
                !strcmp(cur, KINDS[i]) ? " checked" : "", KINDS[i]);
    fputs("<input type=\"number\" name=\"score\" min=\"0\" max=\"1\" step=\"0.01\" value=\"", out);
    if (a->h_verdict) fprintf(out, "%.2f", a->h_score);
    fputs("\" aria-label=\"score from 0 to 1\">\n<textarea name=\"comment\" rows=\"2\" placeholder=\"comment\">"
          "</textarea>\n<input type=\"text\" name=\"reviewer\" placeholder=\"reviewer\" value=\"",
          out);
    serve_esc(out, w->reviewer);
    fputs("\"> <button class=\"save\" type=\"submit\">Save</button></form>\n", out);
}

static void answer_block(const struct ss_answer *a, void *user) {
    struct case_walk *w = user;
    FILE *out = w->out;
    if (a->turn != w->turn) turn_open(w, a);
    fputs("<div class=\"answer\" data-model=\"", out);
    serve_esc(out, a->model);
    fprintf(out, "\" data-turn=\"%d\" id=\"", a->turn);
    serve_answer_id(out, a->model, a->turn);
    fputs("\"><h3>", out);
    serve_esc(out, a->model);
    fputs("</h3>\n<pre class=\"output\">", out);
    serve_esc(out, a->output);
    fputs("</pre>\n", out);
    if (a->error) {
        fputs("<p class=\"error\">Error: ", out);
        serve_esc(out, a->error);
        fputs("</p>\n", out);
    }
    fputs("<p class=\"timings\">ttft ", out);
    fmt_num(out, a->ttft_ms, "%.1f", " ms");
    fputs(" \xC2\xB7 e2e ", out);
    fmt_num(out, a->e2e_ms, "%.1f", " ms");
    fputs(" \xC2\xB7 ", out);
    fmt_num(out, a->n_output_tokens, "%.0f", " tokens");
    fputs("</p>\n", out);
    scorer_verdict(out, a);
    human_verdict(out, a);
    verdict_form(out, w, a);
    fputs("</div>\n", out);
}

/* A model whose case is stored with an error (or another status than done,
 * e.g. na), with that error: a case that failed before its first turn has no
 * answer to show it. */
static void case_status(const struct ss_case_row *r, void *user) {
    FILE *out = user;
    if (r->status && !strcmp(r->status, "done") && !r->error) return;
    fputs("<p class=\"case-status\" data-model=\"", out);
    serve_esc(out, r->model);
    fputs("\">", out);
    serve_esc(out, r->model);
    fputs(": ", out);
    serve_esc(out, r->status ? r->status : "no status");
    if (r->error) {
        fputs(": ", out);
        serve_esc(out, r->error);
    }
    fputs("</p>\n", out);
}

int serve_page_case(FILE *out, vlm_store *s, const char *suite, const char *id, const char *reviewer, bool *found) {
    /* Rendered into a buffer first: a case neither in `cases` nor in
     * `answers` writes nothing. */
    char *buf = NULL;
    size_t len = 0;
    FILE *body = open_memstream(&buf, &len);
    if (!body) return VLM_ERR_IO;
    struct case_walk w = {body, suite, id, reviewer, -1};
    fputs("<div class=\"images\">\n", body);
    int n = 0, n_rows = 0, rc = store_serve_case_images(s, suite, id, image_link, body);
    fputs("</div>\n<div class=\"case-errors\">\n", body);
    if (rc == VLM_OK) rc = store_serve_case_rows(s, suite, id, case_status, body, &n_rows);
    fputs("</div>\n", body);
    if (rc == VLM_OK) rc = store_serve_answers(s, suite, id, answer_block, &w, &n);
    if (w.turn >= 0) fputs("</div></section>\n", body);
    fclose(body);
    *found = rc == VLM_OK && (n > 0 || n_rows > 0);
    if (*found) {
        char *title = xasprintf("%s / %s", suite, id);
        page_open(out, title);
        free(title);
        fwrite(buf, 1, len, out);
        page_close(out);
    }
    free(buf);
    return rc;
}

/* ------------------------------------------------------------ blind pair */

struct side {
    const char *model;
    int turn;
    char *output; /* the answer found (copied) */
    char *prompt;
    bool found;
};

static void side_answer(const struct ss_answer *a, void *user) {
    struct side *sd = user;
    if (sd->found || a->turn != sd->turn || strcmp(a->model, sd->model) != 0) return;
    sd->output = xstrdup(a->output ? a->output : "");
    sd->prompt = xstrdup(a->prompt ? a->prompt : "");
    sd->found = true;
}

static void write_side(FILE *out, const char *which, const char *label, const struct side *sd, vlm_store *s,
                       const struct serve_pair_view *v) {
    fprintf(out, "<div class=\"side\" id=\"side-%s\"><h2>%s</h2>\n<pre class=\"output\">", which, label);
    serve_esc(out, sd->output);
    fputs("</pre>\n<div class=\"images\">\n", out);
    (void)store_serve_case_images(s, v->suite, v->case_id, image_link, out);
    fputs("</div></div>\n", out);
}

int serve_page_pair(FILE *out, vlm_store *s, const struct serve_pair_view *v) {
    page_open(out, "Blind pair");
    fputs("<form id=\"pair-category\" method=\"GET\" action=\"/pair\">", out);
    int rc = category_select(out, s, v->category);
    fputs(" <button id=\"pair-apply\" type=\"submit\">Another pair</button></form>\n", out);
    if (rc != VLM_OK || !v->token) {
        fputs("<p id=\"no-pair\">No pair to show: no two models answered a case without an exact truth"
              " (or of the chosen category).</p>\n",
              out);
        page_close(out);
        return rc;
    }
    struct side a = {v->left, v->turn, NULL, NULL, false}, b = {v->right, v->turn, NULL, NULL, false};
    int n;
    rc = store_serve_answers(s, v->suite, v->case_id, side_answer, &a, &n);
    if (rc == VLM_OK) rc = store_serve_answers(s, v->suite, v->case_id, side_answer, &b, &n);
    fputs("<p class=\"prompt\">Prompt: ", out);
    serve_esc(out, a.prompt);
    fputs("</p>\n<div class=\"pair\">\n", out);
    write_side(out, "a", "A", &a, s, v);
    write_side(out, "b", "B", &b, s, v);
    fputs("</div>\n<form class=\"prefer\" method=\"POST\" action=\"/prefer\">", out);
    hidden(out, "pair", v->token);
    hidden(out, "category", !v->category ? "" : v->category[0] ? v->category : SERVE_NO_CATEGORY);
    fputs("<input type=\"text\" name=\"reviewer\" placeholder=\"reviewer\" value=\"", out);
    serve_esc(out, v->reviewer);
    fputs("\"> <button id=\"prefer-a\" type=\"submit\" name=\"choice\" value=\"a\">A is better</button>"
          " <button id=\"prefer-tie\" type=\"submit\" name=\"choice\" value=\"tie\">Tie</button>"
          " <button id=\"prefer-b\" type=\"submit\" name=\"choice\" value=\"b\">B is better</button></form>\n",
          out);
    free(a.output);
    free(a.prompt);
    free(b.output);
    free(b.prompt);
    page_close(out);
    return rc;
}

/* ------------------------------------------------------------ script and style */

const char SERVE_APP_JS[] =
    "// vlmeter serve: the buttons' helpers. The pages work without this script.\n"
    "'use strict';\n"
    "document.addEventListener('DOMContentLoaded', function () {\n"
    "  // A verdict form: picking right or wrong fills the score; typing a score picks 'score'.\n"
    "  document.querySelectorAll('form.verdict').forEach(function (f) {\n"
    "    var score = f.querySelector('input[name=score]');\n"
    "    f.querySelectorAll('input[name=verdict]').forEach(function (r) {\n"
    "      r.addEventListener('change', function () {\n"
    "        if (r.value === 'right') score.value = '1';\n"
    "        if (r.value === 'wrong') score.value = '0';\n"
    "      });\n"
    "    });\n"
    "    score.addEventListener('input', function () {\n"
    "      var r = f.querySelector('input[name=verdict][value=score]');\n"
    "      if (r) r.checked = true;\n"
    "    });\n"
    "  });\n"
    "  // The blind pair: keys a, b and t vote (not while typing a name).\n"
    "  document.addEventListener('keydown', function (e) {\n"
    "    if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA')) return;\n"
    "    var ids = {a: 'prefer-a', b: 'prefer-b', t: 'prefer-tie'};\n"
    "    var b = ids[e.key] && document.getElementById(ids[e.key]);\n"
    "    if (b) b.click();\n"
    "  });\n"
    "});\n";

const char SERVE_APP_CSS[] =
    "body{font-family:system-ui,sans-serif;margin:0;color:#222}\n"
    "nav{background:#2d3e50;padding:.5em 1em}nav a{color:#fff;margin-right:1em;text-decoration:none}\n"
    "main{padding:0 1em 2em}\n"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}\n"
    "td.num{text-align:right}\n"
    ".answers,.pair{display:flex;flex-wrap:wrap;gap:1em}\n"
    ".answer,.side{border:1px solid #bbb;border-radius:4px;padding:.5em;flex:1 1 22em;min-width:18em}\n"
    "pre.output{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.5em}\n"
    "img.thumb{max-width:160px;max-height:160px;border:1px solid #ccc;margin:.2em}\n"
    ".timings,.scorer-verdict,.human-verdict{font-size:.9em;margin:.2em 0}\n"
    ".error{color:#a00}form.verdict textarea{width:100%;box-sizing:border-box}\n"
    "form#filters label{margin-right:1em}\n";
