/*
 * store_impl.h - what the store's own files (store.c, store_*.c) share and no
 * other module sees: the store's struct around its SQLite connection, and a
 * small statement wrapper (store_q) that prepares, binds, steps and ends a
 * statement while keeping the first failure as a message naming the query and
 * quoting SQLite's own words (store_error() hands it out).
 *
 * Use:
 *     store_q q;
 *     if (store_q_prepare(s, &q, "reading table runs", "SELECT ...") != VLM_OK) return VLM_ERR_IO;
 *     store_bind_int(&q, 1, id);
 *     while (store_q_row(&q)) { ... store_col_text(&q, 0) ... }
 *     return store_q_end(&q, VLM_OK);
 */
#ifndef VLM_STORE_IMPL_H
#define VLM_STORE_IMPL_H

#include "store.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* A statement kept prepared for the store's lifetime, found by its SQL text. */
struct store_cached {
    const char *sql; /* a string literal: compared by content */
    sqlite3_stmt *st;
};

struct vlm_store {
    sqlite3 *db;
    char err[1024];             /* the latest failure (store_error) */
    int err_code;               /* its SQLite extended result code (store_fault); SQLITE_OK when none */
    struct store_cached *cache; /* statements run once per turn or per score */
    int n_cache, cap_cache;
};

/* One statement being bound, stepped and read. */
typedef struct {
    vlm_store *s;
    sqlite3_stmt *st;
    const char *what; /* names the query or table in messages: "writing table scores" */
    int rc;           /* SQLITE_OK until a bind or a step fails */
    bool cached;      /* kept by the store: reset at the end, not finalized */
} store_q;

/* Keep "<what>: <SQLite's message>" as the store's error; returns VLM_ERR_IO. */
int store_fail(vlm_store *s, const char *what);

/* Run SQL text without parameters (several statements allowed). VLM_OK or
 * VLM_ERR_IO with the message kept. */
int store_exec(vlm_store *s, const char *what, const char *sql);

/* Prepare `sql` into q (finalized by store_q_end). VLM_OK or VLM_ERR_IO. */
int store_q_prepare(vlm_store *s, store_q *q, const char *what, const char *sql);

/* The same for a statement the store keeps prepared (sql must be a string
 * literal or otherwise outlive the store); it comes with no bindings. Only for
 * statements that end before another use of the same SQL starts. */
int store_q_cached(vlm_store *s, store_q *q, const char *what, const char *sql);

/* Bind parameter i (1-based). A failure is kept in q and stops the step. */
void store_bind_int(store_q *q, int i, int64_t v);
void store_bind_double(store_q *q, int i, double v);
void store_bind_text(store_q *q, int i, const char *v);           /* NULL binds NULL */
void store_bind_blob(store_q *q, int i, const void *p, size_t n); /* NULL or 0 bytes bind NULL */

/* Step: true with a row to read; false when done or failed (then q->rc is
 * the SQLite error and the message is kept). Nothing is stepped after a failure. */
bool store_q_row(store_q *q);

/* Finalize (or reset, when cached) q. Returns rc when it is not VLM_OK (a
 * caller's own failure, e.g. its row callback's), else VLM_OK when every
 * bind and step went well, else VLM_ERR_IO. */
int store_q_end(store_q *q, int rc);

/* Step a statement that writes (no rows expected) and end it: VLM_OK or VLM_ERR_IO. */
int store_q_write(store_q *q);

/* Columns of the current row. Text is NULL for SQL NULL and valid until the next step. */
const char *store_col_text(store_q *q, int i);
double store_col_double(store_q *q, int i);
int64_t store_col_int(store_q *q, int i);
bool store_col_null(store_q *q, int i);
/* A blob column copied out (NULL when empty); *n gets its size in bytes. Caller frees. */
void *store_col_blob(store_q *q, int i, int *n);

/* The id SQLite gave the row the last INSERT made. */
int64_t store_last_id(vlm_store *s);

/* Rows the last write changed. */
int store_changes(vlm_store *s);

/* Strings as compact JSON array text, as the store keeps a case's images and
 * choices (store.c); caller frees. */
char *store_json_strings(const char *const *items, int n);

#endif
