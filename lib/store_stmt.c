/*
 * store_stmt.c - the statement wrapper every store file uses (store_impl.h):
 * prepare (fresh or kept by the store), bind, step, read and end a statement,
 * checking every SQLite result and keeping the first failure as the store's
 * error message, "<query or table>: <SQLite's message>". Also the store's
 * transactions, which roll back on any failure so nothing half-written stays.
 */
#include "store_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int store_fail(vlm_store *s, const char *what) {
    s->err_code = sqlite3_extended_errcode(s->db);
    util_errf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
    return VLM_ERR_IO;
}

const char *store_error(const vlm_store *s) { return s->err; }

const char *store_fault(const vlm_store *s) {
    switch (s->err_code) {
    case SQLITE_FULL: return "disk full (SQLITE_FULL)";
    case SQLITE_IOERR_WRITE: return "write error (SQLITE_IOERR_WRITE)";
    case SQLITE_IOERR_FSYNC: return "fsync error (SQLITE_IOERR_FSYNC)";
    case SQLITE_IOERR_DIR_FSYNC: return "fsync error on the folder (SQLITE_IOERR_DIR_FSYNC)";
    case SQLITE_IOERR_TRUNCATE: return "truncate error (SQLITE_IOERR_TRUNCATE)";
    case SQLITE_IOERR_SHORT_READ:
    case SQLITE_IOERR_READ: return "read error (SQLITE_IOERR_READ)";
    case SQLITE_BUSY:
    case SQLITE_BUSY_SNAPSHOT: return "busy: another process holds the write lock (SQLITE_BUSY)";
    case SQLITE_READONLY: return "read-only (SQLITE_READONLY)";
    case SQLITE_CORRUPT: return "damaged file (SQLITE_CORRUPT)";
    default: break;
    }
    if ((s->err_code & 0xff) == SQLITE_IOERR) return "I/O error (SQLITE_IOERR)";
    if ((s->err_code & 0xff) == SQLITE_FULL) return "disk full (SQLITE_FULL)";
    return NULL;
}

bool store_fault_is_full(const vlm_store *s) { return (s->err_code & 0xff) == SQLITE_FULL; }

const char *store_fault_advice(const vlm_store *s) {
    if (store_fault_is_full(s)) return "free space";
    return store_fault(s) ? "check the disk" : NULL;
}

int store_exec(vlm_store *s, const char *what, const char *sql) {
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? VLM_OK : store_fail(s, what);
}

int store_begin(vlm_store *s) { return store_exec(s, "starting a transaction", "BEGIN IMMEDIATE"); }

int store_commit(vlm_store *s) { return store_exec(s, "committing a transaction", "COMMIT"); }

int store_rollback(vlm_store *s) {
    if (sqlite3_get_autocommit(s->db)) return VLM_OK; /* SQLite already rolled it back */
    if (sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK) return VLM_OK;
    size_t len = strlen(s->err);
    util_errf(s->err + len, sizeof s->err - len, "%srolling back: %s", len ? "; then " : "", sqlite3_errmsg(s->db));
    return VLM_ERR_IO;
}

static void q_init(store_q *q, vlm_store *s, const char *what, sqlite3_stmt *st, bool cached) {
    q->s = s;
    q->st = st;
    q->what = what;
    q->rc = SQLITE_OK;
    q->cached = cached;
}

int store_q_prepare(vlm_store *s, store_q *q, const char *what, const char *sql) {
    sqlite3_stmt *st = NULL;
    q_init(q, s, what, NULL, false);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) { /* st stays NULL */
        q->rc = SQLITE_ERROR;
        return store_fail(s, what);
    }
    q->st = st;
    return VLM_OK;
}

int store_q_cached(vlm_store *s, store_q *q, const char *what, const char *sql) {
    q_init(q, s, what, NULL, true);
    for (int i = 0; i < s->n_cache; i++) {
        if (strcmp(s->cache[i].sql, sql) != 0) continue;
        q->st = s->cache[i].st;
        /* Ended statements are reset already; clearing the bindings cannot fail. */
        if (sqlite3_clear_bindings(q->st) != SQLITE_OK) {
            q->rc = SQLITE_ERROR;
            return store_fail(s, what);
        }
        return VLM_OK;
    }
    store_q fresh;
    if (store_q_prepare(s, &fresh, what, sql) != VLM_OK) {
        q->rc = SQLITE_ERROR;
        return VLM_ERR_IO;
    }
    util_grow((void **)&s->cache, &s->cap_cache, s->n_cache + 1, sizeof *s->cache);
    s->cache[s->n_cache].sql = sql;
    s->cache[s->n_cache++].st = fresh.st;
    q->st = fresh.st;
    return VLM_OK;
}

/* Keep the result of a bind; the first failure names the parameter. */
static void bound(store_q *q, int i, int rc) {
    if (rc == SQLITE_OK || q->rc != SQLITE_OK) return;
    q->rc = rc;
    q->s->err_code = rc;
    util_errf(q->s->err, sizeof q->s->err, "%s: binding parameter %d: %s", q->what, i, sqlite3_errstr(rc));
}

void store_bind_int(store_q *q, int i, int64_t v) {
    if (q->rc == SQLITE_OK) bound(q, i, sqlite3_bind_int64(q->st, i, v));
}

void store_bind_double(store_q *q, int i, double v) {
    if (q->rc == SQLITE_OK) bound(q, i, sqlite3_bind_double(q->st, i, v));
}

void store_bind_text(store_q *q, int i, const char *v) {
    if (q->rc != SQLITE_OK) return;
    bound(q, i, v ? sqlite3_bind_text(q->st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(q->st, i));
}

void store_bind_blob(store_q *q, int i, const void *p, size_t n) {
    if (q->rc != SQLITE_OK) return;
    bound(q, i,
          p && n ? sqlite3_bind_blob64(q->st, i, p, (sqlite3_uint64)n, SQLITE_TRANSIENT) : sqlite3_bind_null(q->st, i));
}

bool store_q_row(store_q *q) {
    if (q->rc != SQLITE_OK) return false;
    int rc = sqlite3_step(q->st);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) {
        q->rc = rc;
        store_fail(q->s, q->what);
    }
    return false;
}

int store_q_end(store_q *q, int rc) {
    if (!q->st) return rc != VLM_OK ? rc : VLM_ERR_IO;
    /* reset and finalize repeat the last step's error, already kept; a new
     * one (none is expected) is kept too. */
    int end = q->cached ? sqlite3_reset(q->st) : sqlite3_finalize(q->st);
    if (end != SQLITE_OK && q->rc == SQLITE_OK) {
        q->rc = end;
        q->s->err_code = end;
        util_errf(q->s->err, sizeof q->s->err, "%s: %s", q->what, sqlite3_errstr(end));
    }
    q->st = NULL;
    if (rc != VLM_OK) return rc;
    return q->rc == SQLITE_OK ? VLM_OK : VLM_ERR_IO;
}

int store_q_write(store_q *q) {
    while (store_q_row(q)) {} /* a write gives no rows; a RETURNING one is read to its end */
    return store_q_end(q, VLM_OK);
}

const char *store_col_text(store_q *q, int i) { return (const char *)sqlite3_column_text(q->st, i); }
double store_col_double(store_q *q, int i) { return sqlite3_column_double(q->st, i); }
int64_t store_col_int(store_q *q, int i) { return sqlite3_column_int64(q->st, i); }
bool store_col_null(store_q *q, int i) { return sqlite3_column_type(q->st, i) == SQLITE_NULL; }

void *store_col_blob(store_q *q, int i, int *n) {
    const void *p = sqlite3_column_blob(q->st, i);
    *n = sqlite3_column_bytes(q->st, i);
    if (!p || *n <= 0) {
        *n = 0;
        return NULL;
    }
    void *copy = xmalloc((size_t)*n);
    memcpy(copy, p, (size_t)*n);
    return copy;
}

int64_t store_last_id(vlm_store *s) { return sqlite3_last_insert_rowid(s->db); }

int store_changes(vlm_store *s) { return sqlite3_changes(s->db); }
