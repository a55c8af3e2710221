/*
 * store.c - the SQLite store, vlmeter's single source of truth: runs (host,
 * llama.cpp build), models (name and settings), model loads (load time, sizes,
 * memory), and one row per model x case x turn with the answer and its timings.
 *
 * The store is in WAL mode and every turn is committed as soon as it exists, so a
 * crash or SIGKILL loses at most the turn in flight. A case counts as finished
 * only when its last turn is stored (the `cases` row is written in the same
 * transaction), so a resumed run redoes exactly the unfinished cases.
 * Schema: docs/store-schema.md.
 */
#include "internal.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION "1"

struct vlm_store {
    sqlite3 *db;
    sqlite3_stmt *put_turn, *put_case, *case_done;
};

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS runs("
    "  id INTEGER PRIMARY KEY, started_at TEXT, ended_at TEXT, argv TEXT,"
    "  host_cpu TEXT, host_cores INTEGER, host_ram_bytes INTEGER, host_os TEXT,"
    "  llama_version TEXT, llama_system_info TEXT, vlmeter_version TEXT);"
    "CREATE TABLE IF NOT EXISTS models("
    "  id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, settings TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS model_loads("
    "  model_id INTEGER, run_id INTEGER, load_ms REAL, model_bytes INTEGER,"
    "  mmproj_bytes INTEGER, n_params INTEGER, arch TEXT, chat_template TEXT, backend TEXT,"
    "  gpu_mem_bytes INTEGER, rss_peak_bytes INTEGER, n_threads INTEGER, n_gpu_layers INTEGER,"
    "  n_ctx INTEGER, n_batch INTEGER, PRIMARY KEY(model_id, run_id));"
    "CREATE TABLE IF NOT EXISTS cases("
    "  model_id INTEGER, suite TEXT, case_id TEXT, category TEXT, scorer TEXT,"
    "  images TEXT, choices TEXT,"
    "  status TEXT NOT NULL, error TEXT, run_id INTEGER, finished_at TEXT,"
    "  PRIMARY KEY(model_id, suite, case_id));"
    "CREATE TABLE IF NOT EXISTS answers("
    "  model_id INTEGER, suite TEXT, case_id TEXT, turn INTEGER, run_id INTEGER,"
    "  prompt TEXT, expected TEXT, output TEXT, error TEXT,"
    "  image_decode_ms REAL, image_encode_ms REAL, n_prompt_tokens INTEGER,"
    "  n_image_tokens INTEGER, prefill_ms REAL, ttft_ms REAL, n_output_tokens INTEGER,"
    "  decode_ms REAL, decode_tps REAL, e2e_ms REAL, created_at TEXT,"
    "  tpot_ms REAL, itl_ms_p50 REAL, itl_ms_max REAL, tokens_estimated INTEGER,"
    "  n_retries INTEGER,"
    "  PRIMARY KEY(model_id, suite, case_id, turn));"
    "CREATE TABLE IF NOT EXISTS scores("
    "  model_id INTEGER, suite TEXT, case_id TEXT, turn INTEGER, scorer TEXT,"
    "  score REAL, correct INTEGER, unparsed INTEGER, detail TEXT,"
    "  PRIMARY KEY(model_id, suite, case_id, turn));"
    "CREATE TABLE IF NOT EXISTS bench_levels("
    "  id INTEGER PRIMARY KEY, run_id INTEGER, model_id INTEGER, concurrency INTEGER,"
    "  rate REAL, slo_ttft_ms REAL, slo_tpot_ms REAL, n_requests INTEGER, n_ok INTEGER,"
    "  n_errors INTEGER, wall_s REAL, req_per_s REAL, output_tps REAL, goodput_rps REAL,"
    "  error_rate REAL, ttft_ms_p50 REAL, ttft_ms_p90 REAL, ttft_ms_p95 REAL, ttft_ms_p99 REAL,"
    "  tpot_ms_p50 REAL, tpot_ms_p90 REAL, tpot_ms_p95 REAL, tpot_ms_p99 REAL,"
    "  itl_ms_p50 REAL, itl_ms_p90 REAL, itl_ms_p95 REAL, itl_ms_p99 REAL,"
    "  e2e_ms_p50 REAL, e2e_ms_p90 REAL, e2e_ms_p95 REAL, e2e_ms_p99 REAL,"
    "  tokens_estimated INTEGER, first_error TEXT, created_at TEXT);"
    "CREATE TABLE IF NOT EXISTS kl_refs("
    "  model_id INTEGER, suite TEXT, case_id TEXT, top_k INTEGER, n_pos INTEGER, tokens BLOB, dists BLOB,"
    "  PRIMARY KEY(model_id, suite, case_id));"
    "CREATE TABLE IF NOT EXISTS kl("
    "  model_id INTEGER, ref_model_id INTEGER, suite TEXT, case_id TEXT, n_pos INTEGER, kl_sum REAL,"
    "  kl_max REAL, top1_same INTEGER, PRIMARY KEY(model_id, ref_model_id, suite, case_id));"
    "CREATE TABLE IF NOT EXISTS judgments("
    "  judge TEXT, prompt TEXT, expected TEXT, output TEXT, verdict INTEGER, raw TEXT,"
    "  PRIMARY KEY(judge, prompt, expected, output));";

static int exec(vlm_store *s, const char *sql) {
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? VLM_OK : VLM_ERR_IO;
}

static sqlite3_stmt *prepare(vlm_store *s, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    return st;
}

/* Run a one-off statement with text/integer parameters given as a format:
 * 't' = const char *, 'i' = int64_t, 'd' = double. Returns the sqlite code of the
 * first step (SQLITE_ROW, SQLITE_DONE or an error). */
static int run_once(vlm_store *s, const char *sql, const char *fmt, ...) {
    sqlite3_stmt *st = prepare(s, sql);
    if (!st) return SQLITE_ERROR;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't') sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        else if (fmt[i] == 'i') sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        else sqlite3_bind_double(st, i + 1, va_arg(ap, double));
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
}

/* Columns added after the first stores were written: a store made before them
 * gets them (NULL in old rows). */
static const char *const ADDED_COLUMNS[][3] = {
    {"answers", "tpot_ms", "REAL"}, {"answers", "itl_ms_p50", "REAL"}, {"answers", "itl_ms_max", "REAL"},
    {"answers", "tokens_estimated", "INTEGER"}, {"answers", "n_retries", "INTEGER"},
    {"answers", "n_cached_tokens", "INTEGER"}, {"answers", "n_images_cached", "INTEGER"},
    {"answers", "decode_batch_mean", "REAL"},
    {"model_loads", "n_parallel", "INTEGER"}, {"model_loads", "images_encoded", "INTEGER"},
    {"model_loads", "images_cached", "INTEGER"}, {"model_loads", "prompt_tokens", "INTEGER"},
    {"model_loads", "prompt_tokens_cached", "INTEGER"}, {"model_loads", "decode_steps", "INTEGER"},
    {"model_loads", "decode_tokens", "INTEGER"},
    {"models", "family", "TEXT"}, {"models", "variant", "TEXT"}, {"answers", "tokens", "BLOB"},
    {"answers", "reasoning", "TEXT"}, {"answers", "reasoning_state", "TEXT"},
    {"answers", "n_reasoning_tokens", "INTEGER"}, {"answers", "reasoning_ms", "REAL"},
    {"model_loads", "chat_template_hash", "TEXT"},
};

static bool has_column(vlm_store *s, const char *table, const char *column) {
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name=%Q", table, column);
    sqlite3_stmt *st = prepare(s, sql);
    sqlite3_free(sql);
    bool found = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static int add_missing_columns(vlm_store *s) {
    for (size_t i = 0; i < sizeof ADDED_COLUMNS / sizeof ADDED_COLUMNS[0]; i++) {
        const char *table = ADDED_COLUMNS[i][0], *name = ADDED_COLUMNS[i][1], *type = ADDED_COLUMNS[i][2];
        if (has_column(s, table, name)) continue;
        char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s %s", table, name, type);
        int rc = exec(s, sql);
        sqlite3_free(sql);
        if (rc != VLM_OK) return rc;
    }
    return VLM_OK;
}

vlm_store *vlm_store_open(const char *path, char *err, size_t err_len) {
    vlm_store *s = vlm_xcalloc(1, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        vlm_errf(err, err_len, "cannot open store '%s': %s", path, sqlite3_errmsg(s->db));
        vlm_store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") ||
        exec(s, SCHEMA) || add_missing_columns(s) ||
        exec(s, "INSERT OR IGNORE INTO meta VALUES('schema_version', '" SCHEMA_VERSION "');")) {
        vlm_errf(err, err_len, "'%s' is not a usable vlmeter store: %s", path, sqlite3_errmsg(s->db));
        vlm_store_close(s);
        return NULL;
    }
    s->put_turn = prepare(s,
        "INSERT OR REPLACE INTO answers(model_id, suite, case_id, turn, run_id, prompt, expected,"
        " output, error, image_decode_ms, image_encode_ms, n_prompt_tokens, n_image_tokens,"
        " prefill_ms, ttft_ms, n_output_tokens, decode_ms, decode_tps, e2e_ms, tpot_ms, itl_ms_p50,"
        " itl_ms_max, tokens_estimated, n_retries, n_cached_tokens, n_images_cached,"
        " decode_batch_mean, tokens, reasoning, reasoning_state, n_reasoning_tokens, reasoning_ms, created_at)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
        "?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    s->put_case = prepare(s,
        "INSERT OR REPLACE INTO cases VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
        "strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    s->case_done = prepare(s, "SELECT status FROM cases WHERE model_id=?1 AND suite=?2 AND case_id=?3");
    if (!s->put_turn || !s->put_case || !s->case_done) {
        vlm_errf(err, err_len, "store '%s': %s", path, sqlite3_errmsg(s->db));
        vlm_store_close(s);
        return NULL;
    }
    return s;
}

sqlite3 *vlm_store_db(vlm_store *s) { return s->db; }

void vlm_store_close(vlm_store *s) {
    if (!s) return;
    sqlite3_finalize(s->put_turn);
    sqlite3_finalize(s->put_case);
    sqlite3_finalize(s->case_done);
    sqlite3_close(s->db);
    free(s);
}

int64_t vlm_store_begin_run(vlm_store *s, const struct vlm_host *h, const char *argv_line) {
    int rc = run_once(s,
        "INSERT INTO runs(started_at, argv, host_cpu, host_cores, host_ram_bytes, host_os,"
        " llama_version, llama_system_info, vlmeter_version)"
        " VALUES(strftime('%Y-%m-%dT%H:%M:%fZ','now'),?1,?2,?3,?4,?5,?6,?7,?8)",
        "ttiitttt", argv_line ? argv_line : "", h->cpu, (int64_t)h->n_cores, (int64_t)h->ram_bytes,
        h->os, vlm_llama_version(), vlm_llama_system_info(), VLM_VERSION);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(s->db) : -1;
}

void vlm_store_end_run(vlm_store *s, int64_t run_id) {
    run_once(s, "UPDATE runs SET ended_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=?1", "i", run_id);
}

int vlm_store_model(vlm_store *s, const char *name, const char *settings_json,
                    int64_t *model_id, char *err, size_t err_len) {
    sqlite3_stmt *st = prepare(s, "SELECT id, settings FROM models WHERE name=?1");
    if (!st) return VLM_ERR_IO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = VLM_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *model_id = sqlite3_column_int64(st, 0);
        const char *old = (const char *)sqlite3_column_text(st, 1);
        if (strcmp(old, settings_json) != 0) {
            vlm_errf(err, err_len, "model '%s' is already stored with other settings (%s; now %s); "
                     "give it another name or use another --db", name, old, settings_json);
            rc = VLM_ERR_INPUT;
        }
    } else if (run_once(s, "INSERT INTO models(name, settings) VALUES(?1, ?2)", "tt", name,
                        settings_json) == SQLITE_DONE) {
        *model_id = sqlite3_last_insert_rowid(s->db);
    } else {
        vlm_errf(err, err_len, "cannot store model '%s': %s", name, sqlite3_errmsg(s->db));
        rc = VLM_ERR_IO;
    }
    sqlite3_finalize(st);
    return rc;
}

int vlm_store_model_family(vlm_store *s, int64_t model_id, const char *family, const char *variant) {
    int rc = run_once(s, "UPDATE models SET family=?2, variant=?3 WHERE id=?1", "itt", model_id,
                      family && family[0] ? family : NULL, variant && variant[0] ? variant : NULL);
    return rc == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
}

int vlm_store_model_load(vlm_store *s, int64_t model_id, int64_t run_id,
                         const struct vlm_model_info *info, const struct vlm_engine_stats *stats,
                         uint64_t rss_peak_bytes) {
    struct vlm_engine_stats none;
    memset(&none, 0, sizeof none);
    none.n_parallel = 1;
    const struct vlm_engine_stats *st = stats ? stats : &none;
    int rc = run_once(s, "INSERT OR REPLACE INTO model_loads(model_id, run_id, load_ms, model_bytes,"
                      " mmproj_bytes, n_params, arch, chat_template, backend, gpu_mem_bytes, rss_peak_bytes,"
                      " n_threads, n_gpu_layers, n_ctx, n_batch, n_parallel, images_encoded, images_cached,"
                      " prompt_tokens, prompt_tokens_cached, decode_steps, decode_tokens, chat_template_hash)"
                      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23)",
                      "iidiiitttiiiiiiiiiiiiit", model_id, run_id, info->load_ms,
                      (int64_t)info->model_bytes, (int64_t)info->mmproj_bytes, (int64_t)info->n_params,
                      info->arch, info->template_name, info->backend, (int64_t)info->gpu_mem_bytes,
                      (int64_t)rss_peak_bytes, (int64_t)info->n_threads, (int64_t)info->n_gpu_layers,
                      (int64_t)info->n_ctx, (int64_t)info->n_batch, (int64_t)st->n_parallel,
                      st->images_encoded, st->images_cached, st->prompt_tokens, st->prompt_tokens_cached,
                      st->decode_steps, st->decode_tokens, info->template_hash);
    return rc == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
}

bool vlm_store_case_done(vlm_store *s, int64_t model_id, const char *suite, const char *case_id,
                         bool errors_count_as_done) {
    sqlite3_reset(s->case_done);
    sqlite3_bind_int64(s->case_done, 1, model_id);
    sqlite3_bind_text(s->case_done, 2, suite, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->case_done, 3, case_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s->case_done) != SQLITE_ROW) return false;
    return errors_count_as_done || strcmp((const char *)sqlite3_column_text(s->case_done, 0), "done") == 0;
}

int vlm_store_case_reset(vlm_store *s, int64_t model_id, const char *suite, const char *case_id) {
    int a = run_once(s, "DELETE FROM answers WHERE model_id=?1 AND suite=?2 AND case_id=?3", "itt",
                     model_id, suite, case_id);
    int b = run_once(s, "DELETE FROM cases WHERE model_id=?1 AND suite=?2 AND case_id=?3", "itt",
                     model_id, suite, case_id);
    return a == SQLITE_DONE && b == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *text) {
    if (text) sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

/* The answers row of turn r (r->error: a failed turn, no output). */
static int step_turn(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                     const struct vlm_turn_result *r) {
    const int turn = r->turn;
    const char *output = r->error ? NULL : r->output, *error = r->error;
    const struct vlm_turn_timings *t = &r->t;
    const int *tokens = r->error ? NULL : r->tokens;
    sqlite3_stmt *st = s->put_turn;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, model_id);
    sqlite3_bind_text(st, 2, c->suite, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, turn);
    sqlite3_bind_int64(st, 5, run_id);
    bind_text_or_null(st, 6, turn < c->n_turns ? c->turns[turn] : NULL);
    bind_text_or_null(st, 7, turn < c->n_turns && c->expected ? c->expected[turn] : NULL);
    bind_text_or_null(st, 8, output);
    bind_text_or_null(st, 9, error);
    sqlite3_bind_double(st, 10, t->image_decode_ms);
    sqlite3_bind_double(st, 11, t->image_encode_ms);
    sqlite3_bind_int(st, 12, t->n_prompt_tokens);
    sqlite3_bind_int(st, 13, t->n_image_tokens);
    sqlite3_bind_double(st, 14, t->prefill_ms);
    sqlite3_bind_double(st, 15, t->ttft_ms);
    sqlite3_bind_int(st, 16, t->n_output_tokens);
    sqlite3_bind_double(st, 17, t->decode_ms);
    sqlite3_bind_double(st, 18, t->decode_tps);
    sqlite3_bind_double(st, 19, t->e2e_ms);
    sqlite3_bind_double(st, 20, t->tpot_ms);
    sqlite3_bind_double(st, 21, t->itl_ms_p50);
    sqlite3_bind_double(st, 22, t->itl_ms_max);
    sqlite3_bind_int(st, 23, t->tokens_estimated);
    sqlite3_bind_int(st, 24, t->n_retries);
    sqlite3_bind_int(st, 25, t->n_cached_tokens);
    sqlite3_bind_int(st, 26, t->n_images_cached);
    sqlite3_bind_double(st, 27, t->decode_batch_mean);
    if (tokens && t->n_output_tokens > 0) /* int32, host order: read back by family.c */
        sqlite3_bind_blob(st, 28, tokens, t->n_output_tokens * (int)sizeof *tokens, SQLITE_TRANSIENT);
    static const char *const STATES[] = {NULL, "closed", "unclosed"};
    bind_text_or_null(st, 29, output ? r->reasoning : NULL);
    bind_text_or_null(st, 30, output ? STATES[r->reasoning_state] : NULL);
    sqlite3_bind_int(st, 31, t->n_reasoning_tokens);
    sqlite3_bind_double(st, 32, t->reasoning_ms);
    return sqlite3_step(st) == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
}

char *vlm_json_strings(const char *const *items, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(items[i] ? items[i] : ""));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static int step_case(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                     const char *error) {
    sqlite3_stmt *st = s->put_case;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, model_id);
    sqlite3_bind_text(st, 2, c->suite, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->id, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 4, c->category);
    bind_text_or_null(st, 5, c->scorer);
    char *images = vlm_json_strings(c->images, c->n_images);
    char *choices = c->n_choices ? vlm_json_strings(c->choices, c->n_choices) : NULL;
    bind_text_or_null(st, 6, images);
    bind_text_or_null(st, 7, choices);
    sqlite3_bind_text(st, 8, error ? "error" : "done", -1, SQLITE_STATIC);
    bind_text_or_null(st, 9, error);
    sqlite3_bind_int64(st, 10, run_id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
    free(images);
    free(choices);
    return rc;
}

/* Store a turn and, when it ends the case, the case row: one transaction. */
static int put(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
               const struct vlm_turn_result *r, bool last) {
    if (exec(s, "BEGIN IMMEDIATE")) return VLM_ERR_IO;
    int rc = step_turn(s, model_id, run_id, c, r);
    if (rc == VLM_OK && (last || r->error)) rc = step_case(s, model_id, run_id, c, r->error);
    if (rc == VLM_OK) return exec(s, "COMMIT");
    exec(s, "ROLLBACK");
    return rc;
}

int vlm_store_put_turn(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                       const struct vlm_turn_result *r, bool last) {
    return put(s, model_id, run_id, c, r, last);
}

int vlm_store_put_case_error(vlm_store *s, int64_t model_id, int64_t run_id,
                             const vlm_case *c, const char *error) {
    struct vlm_turn_result r;
    memset(&r, 0, sizeof r);
    r.error = error;
    return put(s, model_id, run_id, c, &r, true);
}

/* ------------------------------------------------------------ reading */

static double col_d(sqlite3_stmt *st, int i) { return sqlite3_column_double(st, i); }
static const char *col_t(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

int vlm_store_each_answer(vlm_store *s, vlm_row_cb cb, void *user) {
    sqlite3_stmt *st = prepare(s,
        "SELECT m.name, a.suite, a.case_id, c.category, a.turn, a.output, a.error,"
        " a.image_decode_ms, a.image_encode_ms, a.n_prompt_tokens, a.n_image_tokens, a.prefill_ms,"
        " a.ttft_ms, a.n_output_tokens, a.decode_ms, a.decode_tps, a.e2e_ms, a.prompt, a.expected,"
        " a.tpot_ms, a.itl_ms_p50, a.itl_ms_max, a.tokens_estimated, a.n_retries,"
        " a.n_cached_tokens, a.n_images_cached, a.decode_batch_mean, a.reasoning, a.reasoning_state,"
        " a.n_reasoning_tokens, a.reasoning_ms"
        " FROM answers a JOIN models m ON m.id=a.model_id"
        " LEFT JOIN cases c ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
        " ORDER BY m.name, a.suite, a.case_id, a.turn");
    if (!st) return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && sqlite3_step(st) == SQLITE_ROW) {
        struct vlm_answer_row row = {
            .model = col_t(st, 0), .suite = col_t(st, 1), .case_id = col_t(st, 2),
            .category = col_t(st, 3), .turn = sqlite3_column_int(st, 4),
            .output = col_t(st, 5), .error = col_t(st, 6),
            .prompt = col_t(st, 17), .expected = col_t(st, 18),
        };
        row.t.image_decode_ms = col_d(st, 7);
        row.t.image_encode_ms = col_d(st, 8);
        row.t.n_prompt_tokens = sqlite3_column_int(st, 9);
        row.t.n_image_tokens = sqlite3_column_int(st, 10);
        row.t.prefill_ms = col_d(st, 11);
        row.t.ttft_ms = col_d(st, 12);
        row.t.n_output_tokens = sqlite3_column_int(st, 13);
        row.t.decode_ms = col_d(st, 14);
        row.t.decode_tps = col_d(st, 15);
        row.t.e2e_ms = col_d(st, 16);
        row.t.tpot_ms = col_d(st, 19);
        row.t.itl_ms_p50 = col_d(st, 20);
        row.t.itl_ms_max = col_d(st, 21);
        row.t.tokens_estimated = sqlite3_column_int(st, 22) != 0;
        row.t.n_retries = sqlite3_column_int(st, 23);
        row.t.n_cached_tokens = sqlite3_column_int(st, 24);
        row.t.n_images_cached = sqlite3_column_int(st, 25);
        row.t.decode_batch_mean = col_d(st, 26);
        row.reasoning = col_t(st, 27);
        row.reasoning_state = col_t(st, 28);
        row.t.n_reasoning_tokens = sqlite3_column_int(st, 29);
        row.t.reasoning_ms = col_d(st, 30);
        rc = cb(&row, user);
    }
    sqlite3_finalize(st);
    return rc;
}

static json_t *json_text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static int export_row(const struct vlm_answer_row *r, void *user) {
    FILE *out = user;
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(r->model));
    json_object_set_new(o, "suite", json_string(r->suite));
    json_object_set_new(o, "case", json_string(r->case_id));
    json_object_set_new(o, "category", json_text_or_null(r->category));
    json_object_set_new(o, "turn", json_integer(r->turn));
    json_object_set_new(o, "prompt", json_text_or_null(r->prompt));
    json_t *expected = r->expected ? json_loads(r->expected, JSON_DECODE_ANY, NULL) : NULL;
    json_object_set_new(o, "expected", expected ? expected : json_null());
    json_object_set_new(o, "output", json_text_or_null(r->output));
    json_object_set_new(o, "error", json_text_or_null(r->error));
    const struct vlm_turn_timings *t = &r->t;
    json_object_set_new(o, "image_decode_ms", json_real(t->image_decode_ms));
    json_object_set_new(o, "image_encode_ms", json_real(t->image_encode_ms));
    json_object_set_new(o, "n_prompt_tokens", json_integer(t->n_prompt_tokens));
    json_object_set_new(o, "n_image_tokens", json_integer(t->n_image_tokens));
    json_object_set_new(o, "prefill_ms", json_real(t->prefill_ms));
    json_object_set_new(o, "ttft_ms", json_real(t->ttft_ms));
    json_object_set_new(o, "n_output_tokens", json_integer(t->n_output_tokens));
    json_object_set_new(o, "decode_ms", json_real(t->decode_ms));
    json_object_set_new(o, "decode_tps", json_real(t->decode_tps));
    json_object_set_new(o, "e2e_ms", json_real(t->e2e_ms));
    json_object_set_new(o, "tpot_ms", json_real(t->tpot_ms));
    json_object_set_new(o, "itl_ms_p50", json_real(t->itl_ms_p50));
    json_object_set_new(o, "itl_ms_max", json_real(t->itl_ms_max));
    json_object_set_new(o, "tokens_estimated", json_boolean(t->tokens_estimated));
    json_object_set_new(o, "n_retries", json_integer(t->n_retries));
    json_object_set_new(o, "n_cached_tokens", json_integer(t->n_cached_tokens));
    json_object_set_new(o, "n_images_cached", json_integer(t->n_images_cached));
    json_object_set_new(o, "decode_batch_mean", json_real(t->decode_batch_mean));
    json_object_set_new(o, "reasoning", json_text_or_null(r->reasoning));
    json_object_set_new(o, "reasoning_state", json_text_or_null(r->reasoning_state));
    json_object_set_new(o, "n_reasoning_tokens", json_integer(t->n_reasoning_tokens));
    json_object_set_new(o, "reasoning_ms", json_real(t->reasoning_ms));
    int rc = json_dumpf(o, out, JSON_COMPACT | JSON_ENSURE_ASCII) == 0 && fputc('\n', out) != EOF
                 ? VLM_OK : VLM_ERR_IO;
    json_decref(o);
    return rc;
}

int vlm_store_export_jsonl(vlm_store *s, FILE *out, char *err, size_t err_len) {
    int rc = vlm_store_each_answer(s, export_row, out);
    if (rc != VLM_OK) vlm_errf(err, err_len, "export failed: %s", sqlite3_errmsg(s->db));
    return rc;
}

void vlm_store_model_stats(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms) {
    sqlite3_stmt *st = prepare(s, "SELECT count(*) FROM cases WHERE model_id=?1 AND status='error'");
    sqlite3_bind_int64(st, 1, model_id);
    if (sqlite3_step(st) == SQLITE_ROW) ms->n_errors = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);

    st = prepare(s, "SELECT load_ms, rss_peak_bytes FROM model_loads WHERE model_id=?1"
                    " ORDER BY run_id DESC LIMIT 1");
    sqlite3_bind_int64(st, 1, model_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (ms->load_ms == 0) ms->load_ms = sqlite3_column_double(st, 0);
        if (ms->rss_peak_bytes == 0) ms->rss_peak_bytes = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);

    st = prepare(s, "SELECT ttft_ms, decode_tps, e2e_ms, n_output_tokens FROM answers"
                    " WHERE model_id=?1 AND error IS NULL ORDER BY e2e_ms");
    sqlite3_bind_int64(st, 1, model_id);
    int n = 0, cap = 0, n_tps = 0;
    double *e2e = NULL, ttft = 0, tps = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        vlm_grow((void **)&e2e, &cap, n + 1, sizeof *e2e);
        ttft += sqlite3_column_double(st, 0);
        if (sqlite3_column_int(st, 3) > 1) { tps += sqlite3_column_double(st, 1); n_tps++; }
        e2e[n++] = sqlite3_column_double(st, 2);
    }
    sqlite3_finalize(st);
    ms->ttft_ms_mean = n ? ttft / n : 0;
    ms->decode_tps_mean = n_tps ? tps / n_tps : 0;
    ms->e2e_ms_p50 = vlm_percentile(e2e, n, 0.50);
    ms->e2e_ms_p90 = vlm_percentile(e2e, n, 0.90);
    free(e2e);
}

int vlm_store_put_bench_level(vlm_store *s, int64_t model_id, int64_t run_id,
                              const struct vlm_bench_params *p, const struct vlm_bench_level *l) {
    const struct vlm_pcts *q[4] = {&l->ttft_ms, &l->tpot_ms, &l->itl_ms, &l->e2e_ms};
    sqlite3_stmt *st = prepare(s,
        "INSERT INTO bench_levels(run_id, model_id, concurrency, rate, slo_ttft_ms, slo_tpot_ms,"
        " n_requests, n_ok, n_errors, wall_s, req_per_s, output_tps, goodput_rps, error_rate,"
        " ttft_ms_p50, ttft_ms_p90, ttft_ms_p95, ttft_ms_p99, tpot_ms_p50, tpot_ms_p90, tpot_ms_p95,"
        " tpot_ms_p99, itl_ms_p50, itl_ms_p90, itl_ms_p95, itl_ms_p99, e2e_ms_p50, e2e_ms_p90,"
        " e2e_ms_p95, e2e_ms_p99, tokens_estimated, first_error, created_at) VALUES(?1,?2,?3,?4,?5,"
        "?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,"
        "?29,?30,?31,?32,strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    if (!st) return VLM_ERR_IO;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, model_id);
    sqlite3_bind_int(st, 3, l->concurrency);
    sqlite3_bind_double(st, 4, l->rate);
    sqlite3_bind_double(st, 5, p->slo_ttft_ms);
    sqlite3_bind_double(st, 6, p->slo_tpot_ms);
    sqlite3_bind_int(st, 7, l->n_requests);
    sqlite3_bind_int(st, 8, l->n_ok);
    sqlite3_bind_int(st, 9, l->n_errors);
    sqlite3_bind_double(st, 10, l->wall_s);
    sqlite3_bind_double(st, 11, l->req_per_s);
    sqlite3_bind_double(st, 12, l->output_tps);
    sqlite3_bind_double(st, 13, l->goodput_rps);
    sqlite3_bind_double(st, 14, l->error_rate);
    for (int i = 0; i < 4; i++) {
        sqlite3_bind_double(st, 15 + 4 * i, q[i]->p50);
        sqlite3_bind_double(st, 16 + 4 * i, q[i]->p90);
        sqlite3_bind_double(st, 17 + 4 * i, q[i]->p95);
        sqlite3_bind_double(st, 18 + 4 * i, q[i]->p99);
    }
    sqlite3_bind_int(st, 31, l->tokens_estimated);
    bind_text_or_null(st, 32, l->first_error[0] ? l->first_error : NULL);
    int rc = sqlite3_step(st) == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
    sqlite3_finalize(st);
    return rc;
}
