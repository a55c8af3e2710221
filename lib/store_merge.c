/*
 * store_merge.c - `vlmeter merge OUT.db IN.db...` (vlm_store_merge in
 * vlmeter.h): copy every table of other stores into one, all in one
 * transaction, giving OUT's own ids to the runs, models and bench levels each
 * store numbered its own way. Models match by name and must have the same
 * settings in every store; a row OUT already holds under the same key stays as
 * OUT has it (a duplicate). Each copied run keeps the store it came from
 * (runs.merged_from) beside its host (runs.host), so every answer's run_id
 * still says where and when it was made. Which tables, their keys and their id
 * columns: the TABLES array, one line per table. docs/shards.md.
 */
#include "store_impl.h"
#include "util.h"
#include "vlmeter.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* One table to copy.
 *   key:      the columns that name a row, comma-separated; NULL: every column
 *             but the renumbered id (a row is known by all it holds)
 *   refs:     "column=table" pairs: columns holding an id of a renumbered table
 *             (replaced by OUT's id of the same row)
 *   renumber: the table's INTEGER PRIMARY KEY `id` is given anew in OUT
 *   source:   a column given the merged store's path when it is NULL
 * A table comes after the tables its refs name. A table a store has that is
 * not listed here stops the merge (its ids could not be remapped). */
struct merge_table {
    const char *name, *key, *refs;
    bool renumber;
    const char *source;
};
// clang-format off
static const struct merge_table TABLES[] = {
    {"runs",           "started_at,host,argv",                 NULL,                                     true,  "merged_from"},
    {"models",         "name",                                 NULL,                                     true,  NULL},
    {"model_loads",    "model_id,run_id",                      "model_id=models,run_id=runs",            false, NULL},
    {"cases",          "model_id,suite,case_id",               "model_id=models,run_id=runs",            false, NULL},
    {"answers",        "model_id,suite,case_id,turn",          "model_id=models,run_id=runs",            false, NULL},
    {"scores",         "model_id,suite,case_id,turn",          "model_id=models",                        false, NULL},
    {"bench_levels",   NULL,                                   "model_id=models,run_id=runs",            true,  NULL},
    {"bench_capacity", NULL,                                   "model_id=models,run_id=runs",            true,  NULL},
    {"kl_refs",        "model_id,suite,case_id",               "model_id=models",                        false, NULL},
    {"kl",             "model_id,ref_model_id,suite,case_id",  "model_id=models,ref_model_id=models",    false, NULL},
    {"judgments",      "judge,prompt,expected,output",         NULL,                                     false, NULL},
    {"generations",    "model_id,suite,case_id",               "model_id=models,run_id=runs",            false, NULL},
    {"gen_verdicts",   "model_id,suite,case_id,q,judge",       "model_id=models",                        false, NULL},
    {"gen_scores",     "model_id,suite,case_id",               "model_id=models",                        false, NULL},
    {"server_metrics", NULL,                                   "model_id=models,run_id=runs,level_id=bench_levels", false, NULL},
    {"model_gpus",     "model_id",                             "model_id=models",                        false, NULL},
    {"gpu_usage",      "model_id,run_id,phase,device",         "model_id=models,run_id=runs",            false, NULL},
    {"verdicts",       NULL,                                   "model_id=models",                        true,  NULL},
    {"preferences",    NULL,                                   "left_model_id=models,right_model_id=models", true, NULL},
    {"decisions",      "model_id,requirement",                 "model_id=models,run_id=runs",            false, NULL},
};
// clang-format on
enum { N_TABLES = sizeof TABLES / sizeof TABLES[0] };
_Static_assert(N_TABLES <=
                   sizeof((struct vlm_merge_summary *)0)->tables / sizeof((struct vlm_merge_summary *)0)->tables[0],
               "vlm_merge_summary holds every table");

/* Old id -> OUT's id, for one renumbered table and one store merged in. */
struct idmap {
    int64_t *old, *now;
    int n, cap;
};

/* A model this merge put into OUT, and the store it came from (for messages). */
struct origin {
    char *name, *path;
};

struct merge {
    vlm_store *out, *in;
    const char *out_path, *in_path;
    struct idmap maps[N_TABLES];
    struct origin *origins;
    int n_origins, cap_origins;
    struct vlm_merge_summary *sum;
    char *err;
    size_t err_len;
};

/* One table of the store merged in, as the copy sees it. */
struct copy {
    const struct merge_table *t;
    int n_cols;
    char **cols;    /* the store's columns of the table */
    int *ref;       /* per column: the TABLES index its ids belong to, or -1 */
    int id_col;     /* the renumbered id's column, or -1 */
    int source_col; /* the source column, or -1 */
    int *key;       /* the key's columns */
    int n_key;
    sqlite3_stmt *rd; /* in: every row */
    sqlite3_stmt *find, *put;
};

/* ------------------------------------------------------------ small helpers */

static int table_index(const char *name) {
    for (int i = 0; i < N_TABLES; i++)
        if (strcmp(TABLES[i].name, name) == 0) return i;
    return -1;
}

static void map_put(struct idmap *m, int64_t old, int64_t now) {
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->old = xrealloc(m->old, (size_t)m->cap * sizeof *m->old);
        m->now = xrealloc(m->now, (size_t)m->cap * sizeof *m->now);
    }
    m->old[m->n] = old;
    m->now[m->n++] = now;
}

static bool map_get(const struct idmap *m, int64_t old, int64_t *now) {
    for (int i = 0; i < m->n; i++)
        if (m->old[i] == old) {
            *now = m->now[i];
            return true;
        }
    return false;
}

static void maps_clear(struct merge *m) {
    for (int i = 0; i < N_TABLES; i++) {
        free(m->maps[i].old);
        free(m->maps[i].now);
        memset(&m->maps[i], 0, sizeof m->maps[i]);
    }
}

/* The message for a failed SQLite call on db; returns VLM_ERR_IO. */
static int sql_fail(struct merge *m, sqlite3 *db, const char *path, const char *what) {
    util_errf(m->err, m->err_len, "merging '%s' into '%s': %s in '%s': %s", m->in_path, m->out_path, what, path,
              sqlite3_errmsg(db));
    return VLM_ERR_IO;
}

static bool table_exists(sqlite3 *db, const char *name) {
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* ------------------------------------------------------------ the stores */

/* Check that `path` is an existing vlmeter store, without creating or changing it. */
static int check_in_file(const char *path, char *err, size_t err_len) {
    struct stat st;
    if (stat(path, &st) != 0) {
        util_errf(err, err_len, "cannot merge '%s': %s", path, strerror(errno));
        return VLM_ERR_INPUT;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q, NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW;
    if (!ok)
        util_errf(err, err_len, "cannot merge '%s': not a vlmeter store (%s)", path,
                  db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ok ? VLM_OK : VLM_ERR_INPUT;
}

/* Every table of the store merged in must be one TABLES knows. */
static int check_known_tables(struct merge *m) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(m->in->db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &st,
                           NULL) != SQLITE_OK)
        return sql_fail(m, m->in->db, m->in_path, "listing the tables");
    int rc = VLM_OK;
    while (rc == VLM_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        /* claims: which process runs which model of that store now, never copied (store_claims.c) */
        if (!name || strcmp(name, "meta") == 0 || strcmp(name, "claims") == 0 || strncmp(name, "sqlite_", 7) == 0 ||
            table_index(name) >= 0)
            continue;
        util_errf(m->err, m->err_len,
                  "cannot merge '%s': it has a table '%s' that merge does not know how to copy (lib/store_merge.c)",
                  m->in_path, name);
        rc = VLM_ERR_INPUT;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Run one statement of SQL built here on OUT; a tail is refused, so text read
 * from a store merged in can never add a statement. */
static int exec_one(struct merge *m, const char *sql, const char *what) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sql ? sqlite3_prepare_v2(m->out->db, sql, -1, &st, &tail) : SQLITE_NOMEM;
    bool one = rc == SQLITE_OK && st && tail && tail[strspn(tail, " \t\n;")] == '\0';
    if (one) rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (one && rc == SQLITE_DONE) return VLM_OK;
    if (!one && rc == SQLITE_OK)
        util_errf(m->err, m->err_len, "merging '%s' into '%s': %s: more than one statement", m->in_path, m->out_path,
                  what);
    else sql_fail(m, m->out->db, m->out_path, what);
    return VLM_ERR_IO;
}

/* A column type a store may declare: the five SQLite type names, or none.
 * Anything else (text of a crafted store) is refused, never put into SQL. */
static const char *known_type(const char *type) {
    static const char *const KNOWN[] = {"", "INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC"};
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (strcasecmp(type ? type : "", KNOWN[i]) == 0) return KNOWN[i];
    return NULL;
}

static int refuse_type(struct merge *m, const char *table, const char *column, const char *type) {
    util_errf(m->err, m->err_len,
              "cannot merge '%s': table %s column '%s' has the type '%s' (a store has INTEGER, REAL, TEXT, BLOB or "
              "NUMERIC columns)",
              m->in_path, table, column, type ? type : "");
    return VLM_ERR_INPUT;
}

/* Create `table` in OUT with the columns, types, NOT NULLs and primary key the
 * store merged in has, written here from pragma_table_info with every name
 * quoted (%w): the store's own CREATE text is never run. */
static int create_out_table(struct merge *m, const char *table) {
    char *q = sqlite3_mprintf("SELECT name, type, \"notnull\", pk FROM pragma_table_info(%Q) ORDER BY cid", table);
    sqlite3_stmt *st = NULL;
    int rc = q ? sqlite3_prepare_v2(m->in->db, q, -1, &st, NULL) : SQLITE_NOMEM;
    sqlite3_free(q);
    if (rc != SQLITE_OK) return sql_fail(m, m->in->db, m->in_path, "reading a table's columns");
    char *cols = sqlite3_mprintf(""), *pk[16] = {0};
    int n_pk = 0, out = VLM_OK;
    while (out == VLM_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0), *raw = (const char *)sqlite3_column_text(st, 1);
        const char *type = known_type(raw);
        int k = sqlite3_column_int(st, 3); /* 1.. for the primary key's columns, in its order */
        if (!type) out = refuse_type(m, table, name ? name : "", raw);
        if (k > 0 && k <= 16 && !pk[k - 1]) {
            pk[k - 1] = sqlite3_mprintf("\"%w\"", name ? name : "");
            if (k > n_pk) n_pk = k;
        }
        char *c = sqlite3_mprintf("%s%s\"%w\" %s%s", cols, cols[0] ? ", " : "", name ? name : "", type ? type : "",
                                  sqlite3_column_int(st, 2) ? " NOT NULL" : "");
        sqlite3_free(cols);
        cols = c;
    }
    sqlite3_finalize(st);
    char *keys = sqlite3_mprintf("");
    for (int i = 0; i < n_pk; i++) {
        char *k = sqlite3_mprintf("%s%s%s", keys, i ? "," : "", pk[i] ? pk[i] : "");
        sqlite3_free(keys);
        keys = k;
        sqlite3_free(pk[i]);
    }
    char *create = sqlite3_mprintf("CREATE TABLE \"%w\"(%s%s%s%s)", table, cols, n_pk ? ", PRIMARY KEY(" : "", keys,
                                   n_pk ? ")" : "");
    if (out == VLM_OK) out = exec_one(m, create, "creating a table");
    sqlite3_free(create);
    sqlite3_free(cols);
    sqlite3_free(keys);
    return out;
}

static bool out_has_column(struct merge *m, const char *table, const char *column) {
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name=%Q", table, column);
    sqlite3_stmt *st = NULL;
    bool has = sql && sqlite3_prepare_v2(m->out->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return has;
}

/* Give OUT the table (as the store merged in has it) and every column of it
 * OUT lacks (a store made by a newer vlmeter), names quoted, types known. */
static int ensure_out_table(struct merge *m, const char *table) {
    if (!table_exists(m->out->db, table)) {
        int rc = create_out_table(m, table);
        if (rc != VLM_OK) return rc;
    }
    char *q = sqlite3_mprintf("SELECT name, type FROM pragma_table_info(%Q)", table);
    sqlite3_stmt *cols = NULL;
    int rc = sqlite3_prepare_v2(m->in->db, q, -1, &cols, NULL);
    sqlite3_free(q);
    if (rc != SQLITE_OK) return sql_fail(m, m->in->db, m->in_path, "reading a table's columns");
    int out_rc = VLM_OK;
    while (out_rc == VLM_OK && sqlite3_step(cols) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(cols, 0),
                   *raw = (const char *)sqlite3_column_text(cols, 1), *type = known_type(raw);
        if (out_has_column(m, table, name)) continue;
        if (!type) {
            out_rc = refuse_type(m, table, name, raw);
            break;
        }
        char *add = sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\" %s", table, name, type);
        out_rc = exec_one(m, add, "adding a column");
        sqlite3_free(add);
    }
    sqlite3_finalize(cols);
    return out_rc;
}

/* ------------------------------------------------------------ settings */

/* The store OUT's model `name` came from: one merged in earlier by this merge,
 * else OUT itself. */
static const char *origin_of(const struct merge *m, const char *name) {
    for (int i = 0; i < m->n_origins; i++)
        if (strcmp(m->origins[i].name, name) == 0) return m->origins[i].path;
    return m->out_path;
}

static void note_origin(struct merge *m, const char *name) {
    util_grow((void **)&m->origins, &m->cap_origins, m->n_origins + 1, sizeof *m->origins);
    m->origins[m->n_origins++] = (struct origin){xstrdup(name), xstrdup(m->in_path)};
}

/* The first turn (by suite, case, turn) both stores answered for a model, as
 * "suite S case C turn T" in buf; false when they share none. */
static bool first_shared_answer(struct merge *m, int64_t in_id, int64_t out_id, char *buf, size_t len) {
    sqlite3_stmt *rd = NULL, *find = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(m->in->db,
                           "SELECT suite, case_id, turn FROM answers WHERE model_id=?1 ORDER BY suite, case_id, turn",
                           -1, &rd, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(m->out->db,
                           "SELECT 1 FROM answers WHERE model_id=?1 AND suite IS ?2 AND case_id IS ?3 AND turn IS ?4",
                           -1, &find, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(rd, 1, in_id);
        while (!found && sqlite3_step(rd) == SQLITE_ROW) {
            sqlite3_reset(find);
            sqlite3_bind_int64(find, 1, out_id);
            for (int i = 0; i < 3; i++) sqlite3_bind_value(find, i + 2, sqlite3_column_value(rd, i));
            if (sqlite3_step(find) != SQLITE_ROW) continue;
            found = true;
            snprintf(buf, len, "suite '%s' case '%s' turn %d", sqlite3_column_text(rd, 0), sqlite3_column_text(rd, 1),
                     sqlite3_column_int(rd, 2));
        }
    }
    sqlite3_finalize(rd);
    sqlite3_finalize(find);
    return found;
}

/* Refuse a model whose settings differ between the store merged in and OUT
 * (one name means one settings in a store). */
static void file_sizes(sqlite3 *db, int64_t model_id, char *buf, size_t len);

static int refuse_other_settings(struct merge *m, const char *name, int64_t in_id, const char *in_settings,
                                 int64_t out_id, const char *out_settings) {
    char shared[1024], in_sizes[64], out_sizes[64], sizes[256] = "";
    bool both = first_shared_answer(m, in_id, out_id, shared, sizeof shared);
    file_sizes(m->in->db, in_id, in_sizes, sizeof in_sizes);
    file_sizes(m->out->db, out_id, out_sizes, sizeof out_sizes);
    if (in_sizes[0] && out_sizes[0] && strcmp(in_sizes, out_sizes) != 0)
        snprintf(sizes, sizeof sizes, "; its files' sizes (model/mmproj bytes) are %s in the first, %s in the second",
                 in_sizes, out_sizes);
    util_errf(m->err, m->err_len,
              "cannot merge '%s' into '%s': model '%s' has other settings in '%s' (%s) than in '%s' (%s)%s%s%s; "
              "nothing was merged. Answers made with different settings must not mix: give the model "
              "another name in one of the runs",
              m->in_path, m->out_path, name, m->in_path, in_settings, origin_of(m, name), out_settings,
              both ? "; both answered " : "", both ? shared : "", sizes);
    return VLM_ERR_INPUT;
}

/* Settings with the "model" and "mmproj" paths cut to their file names,
 * compact with sorted keys; NULL when the text is not a JSON object. The same
 * files sit at other paths on other machines (run.c stores real paths). */
static char *settings_by_file_name(const char *settings) {
    json_t *o = json_loads(settings ? settings : "", 0, NULL);
    char *out = NULL;
    if (json_is_object(o)) {
        static const char *const PATHS[] = {"model", "mmproj"};
        for (int i = 0; i < 2; i++) {
            const char *path = json_string_value(json_object_get(o, PATHS[i]));
            const char *slash = path ? strrchr(path, '/') : NULL;
            if (slash) json_object_set_new(o, PATHS[i], json_string(slash + 1));
        }
        char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        out = text ? xstrdup(text) : NULL;
        free(text);
    }
    json_decref(o);
    return out;
}

/* The files' sizes a store measured for a model (its latest load that has
 * them): "model_bytes/mmproj_bytes", "" when never loaded. */
static void file_sizes(sqlite3 *db, int64_t model_id, char *buf, size_t len) {
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT coalesce(model_bytes, '') || '/' || coalesce(mmproj_bytes, '') FROM model_loads"
                           " WHERE model_id=?1 AND model_bytes IS NOT NULL ORDER BY run_id DESC LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, model_id);
        if (sqlite3_step(st) == SQLITE_ROW) snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
}

/* Whether two settings are the same model: equal text, or equal once the
 * model files are named by file name, with the same sizes where both stores
 * measured them. */
static bool same_settings(struct merge *m, const char *in_set, int64_t in_id, const char *out_set, int64_t out_id) {
    if (strcmp(in_set, out_set) == 0) return true;
    char *a = settings_by_file_name(in_set), *b = settings_by_file_name(out_set);
    bool same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    if (!same) return false;
    char in_sizes[64], out_sizes[64];
    file_sizes(m->in->db, in_id, in_sizes, sizeof in_sizes);
    file_sizes(m->out->db, out_id, out_sizes, sizeof out_sizes);
    return !in_sizes[0] || !out_sizes[0] || strcmp(in_sizes, out_sizes) == 0;
}

static int check_settings(struct merge *m) {
    sqlite3_stmt *rd = NULL, *find = NULL;
    int rc = VLM_OK;
    if (sqlite3_prepare_v2(m->in->db, "SELECT id, name, settings FROM models ORDER BY name", -1, &rd, NULL) !=
        SQLITE_OK)
        rc = sql_fail(m, m->in->db, m->in_path, "reading table models");
    else if (sqlite3_prepare_v2(m->out->db, "SELECT id, settings FROM models WHERE name=?1", -1, &find, NULL) !=
             SQLITE_OK)
        rc = sql_fail(m, m->out->db, m->out_path, "reading table models");
    while (rc == VLM_OK && sqlite3_step(rd) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(rd, 1), *set = (const char *)sqlite3_column_text(rd, 2);
        sqlite3_reset(find);
        sqlite3_bind_text(find, 1, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(find) != SQLITE_ROW) continue;
        const char *out_set = (const char *)sqlite3_column_text(find, 1);
        if (!same_settings(m, set ? set : "", sqlite3_column_int64(rd, 0), out_set ? out_set : "",
                           sqlite3_column_int64(find, 0)))
            rc = refuse_other_settings(m, name, sqlite3_column_int64(rd, 0), set ? set : "",
                                       sqlite3_column_int64(find, 0), out_set ? out_set : "");
    }
    sqlite3_finalize(rd);
    sqlite3_finalize(find);
    return rc;
}

/* ------------------------------------------------------------ one table */

static int column_index(const struct copy *c, const char *name, size_t len) {
    for (int i = 0; i < c->n_cols; i++)
        if (strlen(c->cols[i]) == len && strncmp(c->cols[i], name, len) == 0) return i;
    return -1;
}

/* Read the table's columns from the store merged in. */
static int read_columns(struct merge *m, struct copy *c) {
    char *q = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q) ORDER BY cid", c->t->name);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(m->in->db, q, -1, &st, NULL);
    sqlite3_free(q);
    if (rc != SQLITE_OK) return sql_fail(m, m->in->db, m->in_path, "reading a table's columns");
    while (sqlite3_step(st) == SQLITE_ROW) {
        c->cols = xrealloc(c->cols, (size_t)(c->n_cols + 1) * sizeof *c->cols);
        c->cols[c->n_cols++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return VLM_OK;
}

/* Which columns hold ids (refs), the own id, the source column and the key. */
static int read_roles(struct merge *m, struct copy *c) {
    c->ref = xmalloc((size_t)c->n_cols * sizeof *c->ref);
    c->key = xmalloc((size_t)c->n_cols * sizeof *c->key);
    for (int i = 0; i < c->n_cols; i++) c->ref[i] = -1;
    c->id_col = c->t->renumber ? column_index(c, "id", 2) : -1;
    c->source_col = c->t->source ? column_index(c, c->t->source, strlen(c->t->source)) : -1;
    for (const char *p = c->t->refs; p && *p;) { /* "column=table,column=table" */
        const char *eq = strchr(p, '='), *end = eq ? strchr(eq, ',') : NULL;
        if (!end) end = p + strlen(p);
        int col = eq ? column_index(c, p, (size_t)(eq - p)) : -1;
        char target[64];
        snprintf(target, sizeof target, "%.*s", eq ? (int)(end - eq - 1) : 0, eq ? eq + 1 : "");
        if (col >= 0) c->ref[col] = table_index(target);
        p = *end ? end + 1 : end;
    }
    for (const char *p = c->t->key; p && *p;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        int col = column_index(c, p, (size_t)(end - p));
        if (col < 0) {
            util_errf(m->err, m->err_len, "cannot merge '%s': table %s has no column '%.*s'", m->in_path, c->t->name,
                      (int)(end - p), p);
            return VLM_ERR_INPUT;
        }
        c->key[c->n_key++] = col;
        p = *end ? end + 1 : end;
    }
    if (!c->t->key)
        for (int i = 0; i < c->n_cols; i++)
            if (i != c->id_col) c->key[c->n_key++] = i;
    return VLM_OK;
}

/* The statements: read every row of the store merged in; find a row by its
 * key in OUT; insert one into OUT (without the renumbered id). */
static int prepare_statements(struct merge *m, struct copy *c) {
    char *rd = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid", c->t->name);
    char *find = sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE 1", c->id_col >= 0 ? "id" : "1", c->t->name);
    char *cols = sqlite3_mprintf(""), *vals = sqlite3_mprintf("");
    for (int k = 0; k < c->n_key; k++) {
        char *f = sqlite3_mprintf("%s AND \"%w\" IS ?%d", find, c->cols[c->key[k]], k + 1);
        sqlite3_free(find);
        find = f;
    }
    for (int i = 0, n = 0; i < c->n_cols; i++) {
        if (i == c->id_col) continue;
        char *a = sqlite3_mprintf("%s%s\"%w\"", cols, n ? "," : "", c->cols[i]);
        char *b = sqlite3_mprintf("%s%s?%d", vals, n ? "," : "", n + 1);
        sqlite3_free(cols);
        sqlite3_free(vals);
        cols = a;
        vals = b;
        n++;
    }
    char *put = sqlite3_mprintf("INSERT INTO \"%w\"(%s) VALUES(%s)", c->t->name, cols, vals);
    int rc = VLM_OK;
    if (!rd || !find || !put || sqlite3_prepare_v2(m->in->db, rd, -1, &c->rd, NULL) != SQLITE_OK)
        rc = sql_fail(m, m->in->db, m->in_path, "reading a table");
    else if (sqlite3_prepare_v2(m->out->db, find, -1, &c->find, NULL) != SQLITE_OK ||
             sqlite3_prepare_v2(m->out->db, put, -1, &c->put, NULL) != SQLITE_OK)
        rc = sql_fail(m, m->out->db, m->out_path, "preparing to write a table");
    sqlite3_free(rd);
    sqlite3_free(find);
    sqlite3_free(cols);
    sqlite3_free(vals);
    sqlite3_free(put);
    return rc;
}

static void copy_free(struct copy *c) {
    for (int i = 0; i < c->n_cols; i++) free(c->cols[i]);
    free(c->cols);
    free(c->ref);
    free(c->key);
    sqlite3_finalize(c->rd);
    sqlite3_finalize(c->find);
    sqlite3_finalize(c->put);
}

/* Bind column `col` of the current row to parameter `param` of st, with an id
 * of a renumbered table replaced by OUT's (NULL when it names no row) and the
 * source column filled in. */
static void bind_column(struct merge *m, struct copy *c, sqlite3_stmt *st, int param, int col) {
    sqlite3_value *v = sqlite3_column_value(c->rd, col);
    bool null = sqlite3_value_type(v) == SQLITE_NULL;
    int64_t now;
    if (col == c->source_col && null) sqlite3_bind_text(st, param, m->in_path, -1, SQLITE_TRANSIENT);
    else if (c->ref[col] < 0 || null) sqlite3_bind_value(st, param, v);
    else if (map_get(&m->maps[c->ref[col]], sqlite3_value_int64(v), &now)) sqlite3_bind_int64(st, param, now);
    else sqlite3_bind_null(st, param);
}

/* Copy the current row unless OUT holds its key; note its id in OUT. */
static int copy_row(struct merge *m, struct copy *c, int ti) {
    sqlite3_reset(c->find);
    for (int k = 0; k < c->n_key; k++) bind_column(m, c, c->find, k + 1, c->key[k]);
    int step = sqlite3_step(c->find);
    int64_t id = -1;
    if (step == SQLITE_ROW) {
        id = sqlite3_column_int64(c->find, 0);
        m->sum->tables[ti].n_duplicates++;
    } else if (step != SQLITE_DONE) {
        return sql_fail(m, m->out->db, m->out_path, "reading a table");
    } else {
        sqlite3_reset(c->put);
        for (int i = 0, n = 0; i < c->n_cols; i++)
            if (i != c->id_col) bind_column(m, c, c->put, ++n, i);
        if (sqlite3_step(c->put) != SQLITE_DONE) return sql_fail(m, m->out->db, m->out_path, "writing a table");
        id = sqlite3_last_insert_rowid(m->out->db);
        m->sum->tables[ti].n_copied++;
        int name = column_index(c, "name", 4);
        if (strcmp(c->t->name, "models") == 0 && name >= 0)
            note_origin(m, (const char *)sqlite3_column_text(c->rd, name));
    }
    if (c->id_col >= 0) map_put(&m->maps[ti], sqlite3_column_int64(c->rd, c->id_col), id);
    return VLM_OK;
}

static int copy_table(struct merge *m, int ti) {
    struct copy c = {.t = &TABLES[ti]};
    int rc = ensure_out_table(m, c.t->name);
    if (rc == VLM_OK) rc = read_columns(m, &c);
    if (rc == VLM_OK) rc = read_roles(m, &c);
    if (rc == VLM_OK) rc = prepare_statements(m, &c);
    while (rc == VLM_OK) {
        int step = sqlite3_step(c.rd);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) rc = sql_fail(m, m->in->db, m->in_path, "reading a table");
        else rc = copy_row(m, &c, ti);
    }
    copy_free(&c);
    return rc;
}

/* ------------------------------------------------------------ the merge */

/* Merge one store into OUT (inside the caller's transaction). */
static int merge_one(struct merge *m, const char *in_path) {
    m->in_path = in_path;
    int rc = check_in_file(in_path, m->err, m->err_len);
    if (rc != VLM_OK) return rc;
    char err[1024];
    m->in = vlm_store_open(in_path, err, sizeof err); /* brings it to the current schema */
    if (!m->in) {
        util_errf(m->err, m->err_len, "cannot merge: %s", err);
        return VLM_ERR_INPUT;
    }
    rc = check_known_tables(m);
    if (rc == VLM_OK) rc = check_settings(m);
    for (int i = 0; i < N_TABLES && rc == VLM_OK; i++)
        if (table_exists(m->in->db, TABLES[i].name)) rc = copy_table(m, i);
    maps_clear(m);
    vlm_store_close(m->in);
    m->in = NULL;
    return rc;
}

/* Whether two paths name the same existing file. */
static bool same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Remove a store this merge created (and its WAL files). */
static void remove_store(const char *path) {
    char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
    (void)unlink(path);
    (void)unlink(wal);
    (void)unlink(shm);
    free(wal);
    free(shm);
}

int vlm_store_merge(const char *out, const char *const *in, int n_in, struct vlm_merge_summary *sum, char *err,
                    size_t err_len) {
    memset(sum, 0, sizeof *sum);
    sum->n_tables = N_TABLES;
    for (int i = 0; i < N_TABLES; i++) sum->tables[i].table = TABLES[i].name;
    for (int i = 0; i < n_in; i++)
        if (same_file(out, in[i])) {
            util_errf(err, err_len, "cannot merge '%s' into itself ('%s')", in[i], out);
            return VLM_ERR_INPUT;
        }
    struct stat st;
    bool existed = stat(out, &st) == 0;
    struct merge m = {.out_path = out, .sum = sum, .err = err, .err_len = err_len};
    m.out = vlm_store_open(out, err, err_len);
    if (!m.out) return VLM_ERR_IO;
    int rc = store_begin(m.out) == VLM_OK ? VLM_OK : VLM_ERR_IO;
    if (rc != VLM_OK) util_errf(err, err_len, "store '%s': %s", out, store_error(m.out));
    for (int i = 0; i < n_in && rc == VLM_OK; i++) rc = merge_one(&m, in[i]);
    if (rc == VLM_OK && store_commit(m.out) != VLM_OK) {
        util_errf(err, err_len, "store '%s': %s", out, store_error(m.out));
        rc = VLM_ERR_IO;
    }
    if (rc != VLM_OK) store_rollback(m.out);
    vlm_store_close(m.out);
    if (rc != VLM_OK && !existed) remove_store(out);
    for (int i = 0; i < m.n_origins; i++) {
        free(m.origins[i].name);
        free(m.origins[i].path);
    }
    free(m.origins);
    if (rc != VLM_OK) memset(sum, 0, sizeof *sum); /* nothing was merged */
    return rc;
}
