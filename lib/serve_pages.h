/*
 * serve_pages.h - the pages of `vlmeter serve` (not public): serve_pages.c's
 * HTML from the store, every stored text escaped, that the daemon above it
 * (serve.c: sockets, token, security headers, routing, forms, files) writes
 * into its responses. docs/serve.md.
 */
#ifndef VLM_SERVE_PAGES_H
#define VLM_SERVE_PAGES_H

#include <stdbool.h>
#include <stdio.h>

#include "store_serve.h"
#include "vlmeter.h"

/* Write s (NULL: nothing) as HTML text, safe in element content and quoted
 * attributes: util_html_escape, uncut (the HTML report's escape too). The one
 * escape of the pages. */
void serve_esc(FILE *out, const char *s);

/* Write s percent-encoded for a URL: unreserved characters as they are,
 * '/' too when keep_slash, every other byte as %XX. */
void serve_url_esc(FILE *out, const char *s, bool keep_slash);

/* The id of answer (model, turn) on /case: "a-<model>-<turn>", the model's
 * characters other than [A-Za-z0-9_-] as '_'. */
void serve_answer_id(FILE *out, const char *model, int turn);

/* The category filter's value in a URL for the cases without a category
 * (the select's option "(none)"; an empty value means no filter). */
#define SERVE_NO_CATEGORY "(none)"

/* The pages. Each writes a whole HTML document to out and returns VLM_OK, or
 * VLM_ERR_IO when the store could not be read (store_error() says why; the
 * caller answers 500). */

/* `/`: runs, models, the model x category matrix (the report's own cells),
 * the human-review summary. */
int serve_page_home(FILE *out, vlm_store *s, const char *db_path);

/* `/cases`: the filter form (current values kept) and the matching cases. */
int serve_page_cases(FILE *out, vlm_store *s, const struct ss_filter *f);

/* `/case?suite=S&id=ID`: every answer side by side by turn, with its images,
 * timings, scorer and human verdicts and a verdict form. *found false (and
 * nothing written) when the case has neither an answer nor a `cases` row. */
int serve_page_case(FILE *out, vlm_store *s, const char *suite, const char *id, const char *reviewer, bool *found);

/* What `/pair` shows: a turn, its left (A) and right (B) model, never named in
 * the page, and the opaque token the vote form carries. */
struct serve_pair_view {
    const char *suite, *case_id;
    int turn;
    const char *left, *right;
    const char *token;    /* NULL: there is no pair (p#no-pair) */
    const char *category; /* the filter kept in the form; NULL: none; "": the cases without one */
    const char *reviewer;
};
int serve_page_pair(FILE *out, vlm_store *s, const struct serve_pair_view *v);

/* A page with a title and one message (errors, refusals). */
void serve_page_message(FILE *out, const char *title, const char *message);

/* /app.js (the buttons' small script) and /app.css. */
extern const char SERVE_APP_JS[];
extern const char SERVE_APP_CSS[];

#endif
