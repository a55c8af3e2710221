/*
 * store_serve.h - the read queries of `vlmeter serve` (store_serve.c): the
 * models, the review summary, the case list with the page's filters, one
 * case's answers with their timings, scores and latest human verdicts, the
 * images' paths, and a blind pair. Each call reads the store anew (nothing is
 * cached), so answers a concurrent `vlmeter run` commits show on the next
 * request. Rows handed to a callback are valid during the call only.
 * Every function returns VLM_OK or VLM_ERR_IO (store_error() says why).
 * docs/serve.md defines the filters. Not public.
 */
#ifndef VLM_STORE_SERVE_H
#define VLM_STORE_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "vlmeter.h"

/* VLM_OK when the file at path is a vlmeter store (an SQLite file with a
 * `meta` table holding schema_version), read without writing anything; else
 * VLM_ERR_INPUT with a message in err. `serve` checks it before opening the
 * store, since opening creates vlmeter's tables in any SQLite file. */
int store_serve_is_store(const char *path, char *err, size_t err_len);

/* One model as `/` lists it. */
struct ss_model {
    const char *name;
    int n_cases, n_answers, n_errors, n_verdicts;
};
int store_serve_models(vlm_store *s, void (*cb)(const struct ss_model *m, void *user), void *user);

/* Who reviewed how much: verdict rows, answers with a verdict, votes,
 * distinct reviewers. (What the verdicts changed is the report's `review`
 * section, shown beside it.) */
struct ss_review {
    int n_verdicts, n_reviewed, n_votes, n_reviewers;
};
int store_serve_review(vlm_store *s, struct ss_review *out);

/* The filters of `/cases`, ANDed; false / NULL: not applied. */
struct ss_filter {
    bool fail, disagree, errors, unparsed;
    const char *category; /* the case is in it (cases.category or cases.categories); "": it has none */
    const char *q;        /* substring (ASCII case folded) of id, prompt, expected or an output */
};

/* One case of the list: first category, models that have it. */
struct ss_case {
    const char *suite, *case_id, *category;
    int n_models;
};
int store_serve_cases(vlm_store *s, const struct ss_filter *f, void (*cb)(const struct ss_case *c, void *user),
                      void *user);

/* Every category of the stored cases, ascending. */
int store_serve_categories(vlm_store *s, void (*cb)(const char *category, void *user), void *user);

/* One answer of a case (NAN: a figure not stored; NULL: a text not stored). */
struct ss_answer {
    const char *model;
    int turn; /* 0-based */
    const char *prompt, *expected, *output, *error;
    double ttft_ms, e2e_ms, n_output_tokens;
    const char *scorer; /* NULL: no score row */
    double score;
    bool correct, unparsed;
    const char *detail;
    const char *h_verdict; /* the latest human verdict; NULL: none */
    double h_score;
    const char *h_comment, *h_reviewer, *h_at;
};
/* The answers of (suite, case_id), by turn then model name. *n gets how many. */
int store_serve_answers(vlm_store *s, const char *suite, const char *case_id,
                        void (*cb)(const struct ss_answer *a, void *user), void *user, int *n);

/* One model's row of a case in `cases`: its status (done, error, na, ...)
 * and error (NULL: none). A case that failed before any turn has such a row
 * and no answer. */
struct ss_case_row {
    const char *model, *status, *error;
};
/* The `cases` rows of (suite, case_id), by model name. *n gets how many. */
int store_serve_case_rows(vlm_store *s, const char *suite, const char *case_id,
                          void (*cb)(const struct ss_case_row *r, void *user), void *user, int *n);

/* The image paths of (suite, case_id), as stored. */
int store_serve_case_images(vlm_store *s, const char *suite, const char *case_id,
                            void (*cb)(const char *path, void *user), void *user);

/* Whether `path` is, as written, an image path of a stored case (*found).
 * The pages link the stored paths, so this answers their requests without
 * touching the file system. */
int store_serve_has_image(vlm_store *s, const char *path, bool *found);

/* Every image path of every stored case (duplicates possible). */
int store_serve_all_images(vlm_store *s, void (*cb)(const char *path, void *user), void *user);

/* A blind pair: one turn two models both answered without an error, of a
 * case without an exact truth (cases.scorer judge, bleu or cider: an empty
 * scorer is `exact`) or, when category is not NULL, of any case in that category
 * ("": of any case without a category). Turns
 * `reviewer` already voted on for that pair come last, the rest at random.
 * *found false when there is none. Names are model names. */
struct ss_pair {
    const char *suite, *case_id;
    int turn;
    const char *model_a, *model_b;
};
int store_serve_pair(vlm_store *s, const char *category, const char *reviewer,
                     void (*cb)(const struct ss_pair *p, void *user), void *user, bool *found);

#endif
