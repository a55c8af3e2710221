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
 *
 * This file: opening (schema and its later columns), runs, models, loads, the
 * turns and cases a run writes, export, and load-test levels. The queries of
 * other modules live beside it, one file per concern: store_report.c (the
 * report), store_grade.c (scoring), store_kl.c (the KL pass of a family),
 * store_history.c (what earlier runs took); store_stmt.c is the statement
 * wrapper they all use (store_impl.h), which checks every SQLite result.
 */
#include "store_impl.h"
#include "store_review.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION "1"

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
    "CREATE TABLE IF NOT EXISTS bench_capacity("
    "  id INTEGER PRIMARY KEY, run_id INTEGER, model_id INTEGER, by TEXT, capacity REAL, knee_above REAL,"
    "  step REAL, slos TEXT, req_per_s REAL, e2e_ms_p95 REAL, n_probes INTEGER, created_at TEXT);"
    "CREATE TABLE IF NOT EXISTS kl_refs("
    "  model_id INTEGER, suite TEXT, case_id TEXT, top_k INTEGER, n_pos INTEGER, tokens BLOB, dists BLOB,"
    "  PRIMARY KEY(model_id, suite, case_id));"
    "CREATE TABLE IF NOT EXISTS kl("
    "  model_id INTEGER, ref_model_id INTEGER, suite TEXT, case_id TEXT, n_pos INTEGER, kl_sum REAL,"
    "  kl_max REAL, top1_same INTEGER, PRIMARY KEY(model_id, ref_model_id, suite, case_id));"
    "CREATE TABLE IF NOT EXISTS judgments("
    "  judge TEXT, prompt TEXT, expected TEXT, output TEXT, verdict INTEGER, raw TEXT,"
    "  PRIMARY KEY(judge, prompt, expected, output));"
    /* Human review (store_review.c, `vlmeter serve`): every verdict and vote is
     * kept; the latest verdict on an answer is the one that counts. */
    "CREATE TABLE IF NOT EXISTS verdicts("
    "  id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL, suite TEXT NOT NULL, case_id TEXT NOT NULL,"
    "  turn INTEGER NOT NULL, verdict TEXT NOT NULL, score REAL NOT NULL, comment TEXT,"
    "  reviewer TEXT NOT NULL, created_at TEXT NOT NULL, answer_output TEXT);"
    "CREATE INDEX IF NOT EXISTS verdicts_answer ON verdicts(model_id, suite, case_id, turn);"
    /* `run --decide` (store_decide.c): the latest verdicts per model and requirement */
    "CREATE TABLE IF NOT EXISTS decisions("
    "  model_id INTEGER NOT NULL, run_id INTEGER, requirement TEXT NOT NULL, threshold REAL, verdict INTEGER,"
    "  ci_low REAL, ci_high REAL, n_used INTEGER, n_scored INTEGER, n_cases INTEGER, alpha REAL, seed INTEGER,"
    "  state TEXT, created_at TEXT, PRIMARY KEY(model_id, requirement));"
    "CREATE TABLE IF NOT EXISTS preferences("
    "  id INTEGER PRIMARY KEY, suite TEXT NOT NULL, case_id TEXT NOT NULL, turn INTEGER NOT NULL,"
    "  left_model_id INTEGER NOT NULL, right_model_id INTEGER NOT NULL, choice TEXT NOT NULL,"
    "  reviewer TEXT NOT NULL, created_at TEXT NOT NULL);"
    /* which vlmeter process is running which model now (store_claims.c); never merged */
    "CREATE TABLE IF NOT EXISTS claims("
    "  model_id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, pid_start INTEGER NOT NULL, host TEXT,"
    "  run_id INTEGER, since TEXT NOT NULL);";

/* The one reading of quality (docs/store-schema.md, "Views"). `human`: the
 * human verdict of each answer that has one, its latest verdicts row (by
 * created_at, then the highest id: a merged store's ids follow the merge)
 * among those given on the answer's present output (a verdict on an output
 * since replaced, by `run --retry-errors` or a merge, is stale). `graded`: every scores row with the human verdict put first: `credit`
 * and `correct` are the human verdict's (score; score >= 0.5) where the answer
 * has one, else the scorer's (the soft scorers' score, else `correct`);
 * scorer_correct and human_score keep both readings. Every query of a quality
 * figure reads `graded`, never `scores` itself. Temporary views of this
 * connection: the store file is not changed. */
static const char *const REVIEW_VIEWS =
    "CREATE TEMP VIEW IF NOT EXISTS human AS SELECT v.* FROM main.verdicts v JOIN main.answers a"
    " ON a.model_id=v.model_id AND a.suite=v.suite AND a.case_id=v.case_id AND a.turn=v.turn WHERE v.id ="
    " (SELECT w.id FROM main.verdicts w WHERE w.model_id=v.model_id AND w.suite=v.suite"
    " AND w.case_id=v.case_id AND w.turn=v.turn AND w.answer_output IS a.output"
    " ORDER BY w.created_at DESC, w.id DESC LIMIT 1);"
    "CREATE TEMP VIEW IF NOT EXISTS graded AS SELECT s.model_id, s.suite, s.case_id, s.turn, s.scorer, s.score,"
    " s.unparsed, s.detail, s.ref_score, s.ref_correct, s.ref_detail, s.correct AS scorer_correct,"
    " h.score AS human_score,"
    " CASE WHEN h.score IS NULL THEN s.correct ELSE h.score >= 0.5 END AS correct,"
    " CASE WHEN h.score IS NULL THEN (CASE WHEN s.scorer IN ('anls','vqa') THEN s.score ELSE s.correct END)"
    " ELSE h.score END AS credit"
    " FROM main.scores s LEFT JOIN human h ON h.model_id=s.model_id AND h.suite=s.suite AND h.case_id=s.case_id"
    " AND h.turn=s.turn;";

/* Columns added after the first stores were written: a store made before them
 * gets them (NULL in old rows). */
// clang-format off
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
    {"cases", "groups", "TEXT"}, {"cases", "categories", "TEXT"}, {"scores", "ref_score", "REAL"}, {"scores", "ref_correct", "INTEGER"},
    {"scores", "ref_detail", "TEXT"}, {"answers", "image_tokens_each", "TEXT"},
    {"answers", "image_encode_ms_each", "TEXT"}, {"answers", "image_tokens_derived", "INTEGER"},
    {"bench_levels", "profile", "TEXT"}, {"bench_levels", "phase", "TEXT"}, {"bench_levels", "repeat", "INTEGER"},
    {"bench_levels", "n_warmup", "INTEGER"}, {"bench_levels", "achieved_rate", "REAL"},
    {"bench_levels", "n_late", "INTEGER"}, {"bench_levels", "fell_behind", "INTEGER"},
    {"bench_levels", "slo_met", "INTEGER"}, {"bench_levels", "n_scored", "INTEGER"},
    {"bench_levels", "n_correct", "INTEGER"}, {"bench_levels", "n_length", "INTEGER"},
    {"bench_levels", "n_timeout", "INTEGER"}, {"bench_levels", "n_failed", "INTEGER"},
    {"bench_levels", "case_correct", "TEXT"},
    {"runs", "host", "TEXT"}, {"runs", "merged_from", "TEXT"}, /* provenance: docs/shards.md */
    {"model_loads", "prefill_steps", "INTEGER"}, {"model_loads", "prefill_step_tokens", "INTEGER"},
    {"model_loads", "mixed_steps", "INTEGER"}, {"model_loads", "encode_ms", "REAL"},
    {"model_loads", "prefill_ms", "REAL"}, {"model_loads", "decode_ms", "REAL"}, {"model_loads", "mixed_ms", "REAL"},
};
// clang-format on

/* Whether `table` has `column`: VLM_OK with *found, or VLM_ERR_IO. */
static int has_column(vlm_store *s, const char *table, const char *column, bool *found) {
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name=%Q", table, column);
    if (!sql) {
        util_errf(s->err, sizeof s->err, "reading the columns of table %s: out of memory", table);
        return VLM_ERR_IO;
    }
    store_q q;
    int rc = store_q_prepare(s, &q, "reading the columns of a table", sql);
    sqlite3_free(sql);
    if (rc != VLM_OK) return rc;
    *found = store_q_row(&q);
    return store_q_end(&q, VLM_OK);
}

static int add_missing_columns(vlm_store *s) {
    for (size_t i = 0; i < sizeof ADDED_COLUMNS / sizeof ADDED_COLUMNS[0]; i++) {
        const char *table = ADDED_COLUMNS[i][0], *name = ADDED_COLUMNS[i][1], *type = ADDED_COLUMNS[i][2];
        bool found = false;
        int rc = has_column(s, table, name, &found);
        if (rc != VLM_OK) return rc;
        if (found) continue;
        char *sql = xasprintf("ALTER TABLE %s ADD COLUMN %s %s", table, name, type);
        rc = store_exec(s, "adding a column added since the store was made", sql);
        free(sql);
        if (rc != VLM_OK) return rc;
    }
    return VLM_OK;
}

/* Statements run once per turn, kept prepared from the start. */
static const char *const PUT_TURN_SQL =
    "INSERT OR REPLACE INTO answers(model_id, suite, case_id, turn, run_id, prompt, expected,"
    " output, error, image_decode_ms, image_encode_ms, n_prompt_tokens, n_image_tokens,"
    " prefill_ms, ttft_ms, n_output_tokens, decode_ms, decode_tps, e2e_ms, tpot_ms, itl_ms_p50,"
    " itl_ms_max, tokens_estimated, n_retries, n_cached_tokens, n_images_cached,"
    " decode_batch_mean, tokens, reasoning, reasoning_state, n_reasoning_tokens, reasoning_ms, image_tokens_each,"
    " image_encode_ms_each, image_tokens_derived, created_at)"
    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
    "?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,strftime('%Y-%m-%dT%H:%M:%fZ','now'))";
static const char *const PUT_CASE_SQL =
    "INSERT OR REPLACE INTO cases(model_id, suite, case_id, category, scorer, images, choices, status, error,"
    " run_id, groups, categories, finished_at)"
    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,strftime('%Y-%m-%dT%H:%M:%fZ','now'))";
static const char *const CASE_DONE_SQL = "SELECT status FROM cases WHERE model_id=?1 AND suite=?2 AND case_id=?3";

/* Prepare a kept statement now, so that a store missing its tables fails at open. */
static int warm(vlm_store *s, const char *what, const char *sql) {
    store_q q;
    if (store_q_cached(s, &q, what, sql) != VLM_OK) return VLM_ERR_IO;
    return store_q_end(&q, VLM_OK);
}

vlm_store *vlm_store_open(const char *path, char *err, size_t err_len) {
    vlm_store *s = xcalloc(1, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        util_errf(err, err_len, "cannot open store '%s': %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        vlm_store_close(s);
        return NULL;
    }
    if (sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
        store_exec(s, "setting the journal mode",
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") ||
        store_exec(s, "creating the tables", SCHEMA) || add_missing_columns(s) ||
        store_exec(s, "creating the views human and graded", REVIEW_VIEWS) ||
        store_exec(s, "writing table meta",
                   "INSERT OR IGNORE INTO meta VALUES('schema_version', '" SCHEMA_VERSION "');")) {
        if (store_fault(s)) /* the disk failed, not the file's contents */
            util_errf(err, err_len, "cannot open store '%s': %s (%s); %s and run again", path, store_fault(s), s->err,
                      store_fault_advice(s));
        else
            util_errf(err, err_len, "'%s' is not a usable vlmeter store: %s", path,
                      s->err[0] ? s->err : sqlite3_errmsg(s->db));
        vlm_store_close(s);
        return NULL;
    }
    if (warm(s, "preparing to write table answers", PUT_TURN_SQL) ||
        warm(s, "preparing to write table cases", PUT_CASE_SQL) ||
        warm(s, "preparing to read table cases", CASE_DONE_SQL)) {
        util_errf(err, err_len, "store '%s': %s", path, s->err);
        vlm_store_close(s);
        return NULL;
    }
    return s;
}

void vlm_store_close(vlm_store *s) {
    if (!s) return;
    /* A kept statement is reset after each use: finalizing it reports nothing new. */
    for (int i = 0; i < s->n_cache; i++) (void)sqlite3_finalize(s->cache[i].st);
    free(s->cache);
    (void)sqlite3_close(s->db); /* every statement is finalized: it closes */
    free(s);
}

int64_t vlm_store_begin_run(vlm_store *s, const struct vlm_host *h, const char *argv_line, const char *llama_version,
                            const char *llama_system_info) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table runs",
                        "INSERT INTO runs(started_at, argv, host_cpu, host_cores, host_ram_bytes, host_os,"
                        " llama_version, llama_system_info, vlmeter_version, host)"
                        " VALUES(strftime('%Y-%m-%dT%H:%M:%fZ','now'),?1,?2,?3,?4,?5,?6,?7,?8,?9)") != VLM_OK)
        return -1;
    store_bind_text(&q, 1, argv_line ? argv_line : "");
    store_bind_text(&q, 2, h->cpu);
    store_bind_int(&q, 3, h->n_cores);
    store_bind_int(&q, 4, (int64_t)h->ram_bytes);
    store_bind_text(&q, 5, h->os);
    store_bind_text(&q, 6, llama_version);
    store_bind_text(&q, 7, llama_system_info);
    store_bind_text(&q, 8, VLM_VERSION);
    store_bind_text(&q, 9, h->name[0] ? h->name : NULL);
    return store_q_write(&q) == VLM_OK ? store_last_id(s) : -1;
}

int vlm_store_end_run(vlm_store *s, int64_t run_id) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table runs",
                        "UPDATE runs SET ended_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=?1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, run_id);
    return store_q_write(&q);
}

int store_checkpoint(vlm_store *s) {
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK) return VLM_OK;
    return store_fail(s, "checkpointing the write-ahead log");
}

int store_count_cases(vlm_store *s, int64_t *n) {
    store_q q;
    *n = 0;
    if (store_q_prepare(s, &q, "reading table cases", "SELECT count(*) FROM cases") != VLM_OK) return VLM_ERR_IO;
    if (store_q_row(&q)) *n = store_col_int(&q, 0);
    return store_q_end(&q, VLM_OK);
}

int store_model_id(vlm_store *s, const char *name, int64_t *id) {
    store_q q;
    *id = -1;
    if (store_q_prepare(s, &q, "reading table models", "SELECT id FROM models WHERE name=?1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, name);
    if (store_q_row(&q)) *id = store_col_int(&q, 0);
    return store_q_end(&q, VLM_OK);
}

/* Insert a model; VLM_OK with its new id, or VLM_ERR_IO. */
static int insert_model(vlm_store *s, const char *name, const char *settings_json, int64_t *model_id) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table models", "INSERT INTO models(name, settings) VALUES(?1, ?2)"))
        return VLM_ERR_IO;
    store_bind_text(&q, 1, name);
    store_bind_text(&q, 2, settings_json);
    int rc = store_q_write(&q);
    if (rc == VLM_OK) *model_id = store_last_id(s);
    return rc;
}

/* vlm_store_model; `again`: the second look, after another process stored the
 * same name between this one's look and its insert (two runs on one store). */
static int model_named(vlm_store *s, const char *name, const char *settings_json, int64_t *model_id, char *err,
                       size_t err_len, bool again) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table models", "SELECT id, settings FROM models WHERE name=?1") != VLM_OK) {
        util_errf(err, err_len, "cannot read model '%s': %s", name, s->err);
        return VLM_ERR_IO;
    }
    store_bind_text(&q, 1, name);
    int rc = VLM_OK;
    bool found = store_q_row(&q);
    if (found) {
        *model_id = store_col_int(&q, 0);
        const char *old = store_col_text(&q, 1);
        if (!old || strcmp(old, settings_json) != 0) {
            util_errf(err, err_len,
                      "model '%s' is already stored with other settings (%s; now %s); "
                      "give it another name or use another --db",
                      name, old ? old : "none", settings_json);
            rc = VLM_ERR_INPUT;
        }
    }
    if (store_q_end(&q, rc) == VLM_ERR_IO) {
        util_errf(err, err_len, "cannot read model '%s': %s", name, s->err);
        return VLM_ERR_IO;
    }
    if (found) return rc;
    if (insert_model(s, name, settings_json, model_id) != VLM_OK) {
        if (!again && (s->err_code & 0xff) == SQLITE_CONSTRAINT)
            return model_named(s, name, settings_json, model_id, err, err_len, true);
        util_errf(err, err_len, "cannot store model '%s': %s", name, s->err);
        return VLM_ERR_IO;
    }
    return VLM_OK;
}

int vlm_store_model(vlm_store *s, const char *name, const char *settings_json, int64_t *model_id, char *err,
                    size_t err_len) {
    return model_named(s, name, settings_json, model_id, err, err_len, false);
}

int vlm_store_model_family(vlm_store *s, int64_t model_id, const char *family, const char *variant) {
    store_q q;
    if (store_q_prepare(s, &q, "writing table models", "UPDATE models SET family=?2, variant=?3 WHERE id=?1"))
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, family && family[0] ? family : NULL);
    store_bind_text(&q, 3, variant && variant[0] ? variant : NULL);
    return store_q_write(&q);
}

int vlm_store_model_load(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_model_info *info,
                         const struct vlm_engine_stats *stats, uint64_t rss_peak_bytes) {
    struct vlm_engine_stats none;
    memset(&none, 0, sizeof none);
    none.n_parallel = 1;
    const struct vlm_engine_stats *st = stats ? stats : &none;
    store_q q;
    if (store_q_prepare(s, &q, "writing table model_loads",
                        "INSERT OR REPLACE INTO model_loads(model_id, run_id, load_ms, model_bytes,"
                        " mmproj_bytes, n_params, arch, chat_template, backend, gpu_mem_bytes, rss_peak_bytes,"
                        " n_threads, n_gpu_layers, n_ctx, n_batch, n_parallel, images_encoded, images_cached,"
                        " prompt_tokens, prompt_tokens_cached, decode_steps, decode_tokens, chat_template_hash,"
                        " prefill_steps, prefill_step_tokens, mixed_steps, encode_ms, prefill_ms, decode_ms, mixed_ms)"
                        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
                        " ?24,?25,?26,?27,?28,?29,?30)"))
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_int(&q, 2, run_id);
    store_bind_double(&q, 3, info->load_ms);
    store_bind_int(&q, 4, (int64_t)info->model_bytes);
    store_bind_int(&q, 5, (int64_t)info->mmproj_bytes);
    store_bind_int(&q, 6, (int64_t)info->n_params);
    store_bind_text(&q, 7, info->arch);
    store_bind_text(&q, 8, info->template_name);
    store_bind_text(&q, 9, info->backend);
    store_bind_int(&q, 10, (int64_t)info->gpu_mem_bytes);
    store_bind_int(&q, 11, (int64_t)rss_peak_bytes);
    store_bind_int(&q, 12, info->n_threads);
    store_bind_int(&q, 13, info->n_gpu_layers);
    store_bind_int(&q, 14, info->n_ctx);
    store_bind_int(&q, 15, info->n_batch);
    store_bind_int(&q, 16, st->n_parallel);
    store_bind_int(&q, 17, st->images_encoded);
    store_bind_int(&q, 18, st->images_cached);
    store_bind_int(&q, 19, st->prompt_tokens);
    store_bind_int(&q, 20, st->prompt_tokens_cached);
    store_bind_int(&q, 21, st->decode_steps);
    store_bind_int(&q, 22, st->decode_tokens);
    store_bind_text(&q, 23, info->template_hash);
    if (stats) { /* a remote model has no steps: NULL, not 0 */
        store_bind_int(&q, 24, st->prefill_steps);
        store_bind_int(&q, 25, st->prefill_step_tokens);
        store_bind_int(&q, 26, st->mixed_steps);
        store_bind_double(&q, 27, st->encode_ms);
        store_bind_double(&q, 28, st->prefill_ms);
        store_bind_double(&q, 29, st->decode_ms);
        store_bind_double(&q, 30, st->mixed_ms);
    }
    return store_q_write(&q);
}

bool vlm_store_case_done(vlm_store *s, int64_t model_id, const char *suite, const char *case_id,
                         bool errors_count_as_done) {
    store_q q;
    if (store_q_cached(s, &q, "reading table cases", CASE_DONE_SQL) != VLM_OK) return false;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    bool done = false;
    if (store_q_row(&q)) {
        const char *status = store_col_text(&q, 0);
        /* `na` (not applicable: no vision) is final, like `done` */
        done = errors_count_as_done || (status && (strcmp(status, "done") == 0 || strcmp(status, "na") == 0));
    }
    return store_q_end(&q, VLM_OK) == VLM_OK && done;
}

/* Delete the rows of one case from `table` (inside the caller's transaction). */
static int delete_case_rows(vlm_store *s, const char *what, const char *sql, int64_t model_id, const char *suite,
                            const char *case_id) {
    store_q q;
    if (store_q_prepare(s, &q, what, sql) != VLM_OK) return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, suite);
    store_bind_text(&q, 3, case_id);
    return store_q_write(&q);
}

int vlm_store_case_reset(vlm_store *s, int64_t model_id, const char *suite, const char *case_id) {
    if (store_begin(s) != VLM_OK) return VLM_ERR_IO;
    int rc = delete_case_rows(s, "deleting from table answers",
                              "DELETE FROM answers WHERE model_id=?1 AND suite=?2 AND case_id=?3", model_id, suite,
                              case_id);
    if (rc == VLM_OK)
        rc = delete_case_rows(s, "deleting from table cases",
                              "DELETE FROM cases WHERE model_id=?1 AND suite=?2 AND case_id=?3", model_id, suite,
                              case_id);
    if (rc == VLM_OK) rc = store_commit(s);
    if (rc != VLM_OK) store_rollback(s);
    return rc;
}

/* A turn's per-image figures as JSON arrays (NULL when it added no image):
 * the tokens each image became, and its projector ms to 0.01 ms. */
static void image_figures_json(const struct vlm_turn_result *r, char **tokens, char **ms) {
    *tokens = *ms = NULL;
    if (r->error || r->n_images <= 0 || !r->image_tokens || !r->image_encode_ms) return;
    json_t *a = json_array(), *b = json_array();
    for (int i = 0; i < r->n_images; i++) {
        json_array_append_new(a, json_integer(r->image_tokens[i]));
        json_array_append_new(b, json_real(round(r->image_encode_ms[i] * 100.0) / 100.0));
    }
    *tokens = json_dumps(a, JSON_COMPACT);
    *ms = json_dumps(b, JSON_COMPACT);
    json_decref(a);
    json_decref(b);
}

/* The answers row of turn r (r->error: a failed turn, no output). */
static int write_turn(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                      const struct vlm_turn_result *r) {
    const int turn = r->turn;
    const char *output = r->error ? NULL : r->output, *error = r->error;
    const struct vlm_turn_timings *t = &r->t;
    const int *tokens = r->error ? NULL : r->tokens;
    store_q q;
    if (store_q_cached(s, &q, "writing table answers", PUT_TURN_SQL) != VLM_OK) return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, c->suite);
    store_bind_text(&q, 3, c->id);
    store_bind_int(&q, 4, turn);
    store_bind_int(&q, 5, run_id);
    store_bind_text(&q, 6, turn < c->n_turns ? c->turns[turn] : NULL);
    store_bind_text(&q, 7, turn < c->n_turns && c->expected ? c->expected[turn] : NULL);
    store_bind_text(&q, 8, output);
    store_bind_text(&q, 9, error);
    store_bind_double(&q, 10, t->image_decode_ms);
    store_bind_double(&q, 11, t->image_encode_ms);
    store_bind_int(&q, 12, t->n_prompt_tokens);
    store_bind_int(&q, 13, t->n_image_tokens);
    store_bind_double(&q, 14, t->prefill_ms);
    store_bind_double(&q, 15, t->ttft_ms);
    store_bind_int(&q, 16, t->n_output_tokens);
    store_bind_double(&q, 17, t->decode_ms);
    store_bind_double(&q, 18, t->decode_tps);
    store_bind_double(&q, 19, t->e2e_ms);
    store_bind_double(&q, 20, t->tpot_ms);
    store_bind_double(&q, 21, t->itl_ms_p50);
    store_bind_double(&q, 22, t->itl_ms_max);
    store_bind_int(&q, 23, t->tokens_estimated);
    store_bind_int(&q, 24, t->n_retries);
    store_bind_int(&q, 25, t->n_cached_tokens);
    store_bind_int(&q, 26, t->n_images_cached);
    store_bind_double(&q, 27, t->decode_batch_mean);
    /* int32, host order: read back by the KL pass (store_answer_tokens) */
    store_bind_blob(&q, 28, tokens, tokens && t->n_output_tokens > 0 ? (size_t)t->n_output_tokens * sizeof *tokens : 0);
    static const char *const STATES[] = {NULL, "closed", "unclosed"};
    store_bind_text(&q, 29, output ? r->reasoning : NULL);
    store_bind_text(&q, 30, output ? STATES[r->reasoning_state] : NULL);
    store_bind_int(&q, 31, t->n_reasoning_tokens);
    store_bind_double(&q, 32, t->reasoning_ms);
    char *tokens_each = NULL, *ms_each = NULL;
    image_figures_json(r, &tokens_each, &ms_each);
    store_bind_text(&q, 33, tokens_each);
    store_bind_text(&q, 34, ms_each);
    store_bind_int(&q, 35, t->image_tokens_derived);
    int rc = store_q_write(&q);
    free(tokens_each);
    free(ms_each);
    return rc;
}

char *store_json_strings(const char *const *items, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(items[i] ? items[i] : ""));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* The cases row that marks c finished with `status` (done, error, na) and its error text. */
static int write_case_status(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const char *status,
                             const char *error) {
    store_q q;
    if (store_q_cached(s, &q, "writing table cases", PUT_CASE_SQL) != VLM_OK) return VLM_ERR_IO;
    char *images = store_json_strings(c->images, c->n_images);
    char *choices = c->n_choices ? store_json_strings(c->choices, c->n_choices) : NULL;
    store_bind_int(&q, 1, model_id);
    store_bind_text(&q, 2, c->suite);
    store_bind_text(&q, 3, c->id);
    store_bind_text(&q, 4, c->category);
    store_bind_text(&q, 5, c->scorer);
    store_bind_text(&q, 6, images);
    store_bind_text(&q, 7, choices);
    store_bind_text(&q, 8, status);
    store_bind_text(&q, 9, error);
    store_bind_int(&q, 10, run_id);
    store_bind_text(&q, 11, c->groups);
    store_bind_text(&q, 12, c->categories);
    int rc = store_q_write(&q);
    free(images);
    free(choices);
    return rc;
}

/* The cases row that marks c finished (error: stored as an error). */
static int write_case(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const char *error) {
    return write_case_status(s, model_id, run_id, c, error ? "error" : "done", error);
}

/* Store a turn and, when it ends the case, the case row: one transaction. */
static int put(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const struct vlm_turn_result *r,
               bool last) {
    if (store_begin(s) != VLM_OK) return VLM_ERR_IO;
    int rc = write_turn(s, model_id, run_id, c, r);
    if (rc == VLM_OK && (last || r->error)) rc = write_case(s, model_id, run_id, c, r->error);
    if (rc == VLM_OK) rc = store_commit(s);
    if (rc != VLM_OK) store_rollback(s);
    return rc;
}

int vlm_store_put_turn(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                       const struct vlm_turn_result *r, bool last) {
    return put(s, model_id, run_id, c, r, last);
}

int vlm_store_put_case_na(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const char *reason) {
    if (store_begin(s) != VLM_OK) return VLM_ERR_IO;
    int rc = delete_case_rows(s, "deleting from table answers",
                              "DELETE FROM answers WHERE model_id=?1 AND suite=?2 AND case_id=?3", model_id, c->suite,
                              c->id);
    if (rc == VLM_OK) rc = write_case_status(s, model_id, run_id, c, "na", reason ? reason : "no vision");
    if (rc == VLM_OK) rc = store_commit(s);
    if (rc != VLM_OK) store_rollback(s);
    return rc;
}

int vlm_store_put_case_error(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c, const char *error) {
    struct vlm_turn_result r;
    memset(&r, 0, sizeof r);
    r.error = error;
    return put(s, model_id, run_id, c, &r, true);
}

/* ------------------------------------------------------------ reading */

int vlm_store_each_answer(vlm_store *s, vlm_row_cb cb, void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table answers",
                        "SELECT m.name, a.suite, a.case_id, c.category, a.turn, a.output, a.error,"
                        " a.image_decode_ms, a.image_encode_ms, a.n_prompt_tokens, a.n_image_tokens, a.prefill_ms,"
                        " a.ttft_ms, a.n_output_tokens, a.decode_ms, a.decode_tps, a.e2e_ms, a.prompt, a.expected,"
                        " a.tpot_ms, a.itl_ms_p50, a.itl_ms_max, a.tokens_estimated, a.n_retries,"
                        " a.n_cached_tokens, a.n_images_cached, a.decode_batch_mean, a.reasoning, a.reasoning_state,"
                        " a.n_reasoning_tokens, a.reasoning_ms, 0, a.image_tokens_derived"
                        " FROM answers a JOIN models m ON m.id=a.model_id"
                        " LEFT JOIN cases c ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
                        /* a case not applicable (no vision) has no answers: one row of its own */
                        " UNION ALL SELECT m.name, c.suite, c.case_id, c.category, 0, NULL, c.error,"
                        " 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, 1, 0"
                        " FROM cases c JOIN models m ON m.id=c.model_id WHERE c.status='na'"
                        " ORDER BY 1, 2, 3, 5") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct vlm_answer_row row = {
            .model = store_col_text(&q, 0),
            .suite = store_col_text(&q, 1),
            .case_id = store_col_text(&q, 2),
            .category = store_col_text(&q, 3),
            .turn = (int)store_col_int(&q, 4),
            .output = store_col_text(&q, 5),
            .error = store_col_text(&q, 6),
            .prompt = store_col_text(&q, 17),
            .expected = store_col_text(&q, 18),
        };
        row.t.image_decode_ms = store_col_double(&q, 7);
        row.t.image_encode_ms = store_col_double(&q, 8);
        row.t.n_prompt_tokens = (int)store_col_int(&q, 9);
        row.t.n_image_tokens = (int)store_col_int(&q, 10);
        row.t.prefill_ms = store_col_double(&q, 11);
        row.t.ttft_ms = store_col_double(&q, 12);
        row.t.n_output_tokens = (int)store_col_int(&q, 13);
        row.t.decode_ms = store_col_double(&q, 14);
        row.t.decode_tps = store_col_double(&q, 15);
        row.t.e2e_ms = store_col_double(&q, 16);
        row.t.tpot_ms = store_col_double(&q, 19);
        row.t.itl_ms_p50 = store_col_double(&q, 20);
        row.t.itl_ms_max = store_col_double(&q, 21);
        row.t.tokens_estimated = store_col_int(&q, 22) != 0;
        row.t.n_retries = (int)store_col_int(&q, 23);
        row.t.n_cached_tokens = (int)store_col_int(&q, 24);
        row.t.n_images_cached = (int)store_col_int(&q, 25);
        row.t.decode_batch_mean = store_col_double(&q, 26);
        row.reasoning = store_col_text(&q, 27);
        row.reasoning_state = store_col_text(&q, 28);
        row.t.n_reasoning_tokens = (int)store_col_int(&q, 29);
        row.t.reasoning_ms = store_col_double(&q, 30);
        row.not_applicable = store_col_int(&q, 31) != 0;
        row.t.image_tokens_derived = store_col_int(&q, 32) != 0;
        rc = cb(&row, user);
    }
    return store_q_end(&q, rc);
}
static json_t *json_text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* Where export rows go, and the store their human verdicts come from. */
struct export_to {
    FILE *out;
    vlm_store *s;
};

static int export_row(const struct vlm_answer_row *r, void *user) {
    struct export_to *to = user;
    FILE *out = to->out;
    /* the answer's human verdict (store_review.c), null when none; a not-applicable row has no answer */
    json_t *human = r->not_applicable ? json_null()
                                      : store_review_verdict_json(to->s, r->model, r->suite, r->case_id, r->turn);
    if (!human) return VLM_ERR_IO;
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
    json_object_set_new(o, "image_tokens_derived", json_boolean(t->image_tokens_derived));
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
    json_object_set_new(o, "not_applicable", json_boolean(r->not_applicable));
    json_object_set_new(o, "human", human);
    int rc = json_dumpf(o, out, JSON_COMPACT | JSON_ENSURE_ASCII) == 0 && fputc('\n', out) != EOF ? VLM_OK : VLM_ERR_IO;
    json_decref(o);
    return rc;
}

int vlm_store_export_jsonl(vlm_store *s, FILE *out, char *err, size_t err_len) {
    s->err[0] = '\0';
    struct export_to to = {out, s};
    int rc = vlm_store_each_answer(s, export_row, &to);
    if (rc != VLM_OK) util_errf(err, err_len, "export failed: %s", s->err[0] ? s->err : "cannot write the output");
    return rc;
}

/* ------------------------------------------------------------ load tests */

int store_put_bench_level(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_bench_params *p,
                          const struct vlm_bench_level *l) {
    const struct vlm_pcts *pc[4] = {&l->ttft_ms, &l->tpot_ms, &l->itl_ms, &l->e2e_ms};
    store_q q;
    if (store_q_prepare(s, &q, "writing table bench_levels",
                        "INSERT INTO bench_levels(run_id, model_id, concurrency, rate, slo_ttft_ms, slo_tpot_ms,"
                        " n_requests, n_ok, n_errors, wall_s, req_per_s, output_tps, goodput_rps, error_rate,"
                        " ttft_ms_p50, ttft_ms_p90, ttft_ms_p95, ttft_ms_p99, tpot_ms_p50, tpot_ms_p90, tpot_ms_p95,"
                        " tpot_ms_p99, itl_ms_p50, itl_ms_p90, itl_ms_p95, itl_ms_p99, e2e_ms_p50, e2e_ms_p90,"
                        " e2e_ms_p95, e2e_ms_p99, tokens_estimated, first_error, profile, phase, repeat, n_warmup,"
                        " achieved_rate, n_late, fell_behind, slo_met, n_scored, n_correct, n_length, n_timeout,"
                        " n_failed, case_correct, created_at) VALUES(?1,?2,?3,?4,?5,"
                        "?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,"
                        "?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,?40,?41,?42,?43,?44,?45,?46,"
                        "strftime('%Y-%m-%dT%H:%M:%fZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, run_id);
    store_bind_int(&q, 2, model_id);
    store_bind_int(&q, 3, l->concurrency);
    store_bind_double(&q, 4, l->rate);
    store_bind_double(&q, 5, p->slo_ttft_ms);
    store_bind_double(&q, 6, p->slo_tpot_ms);
    store_bind_int(&q, 7, l->n_requests);
    store_bind_int(&q, 8, l->n_ok);
    store_bind_int(&q, 9, l->n_errors);
    store_bind_double(&q, 10, l->wall_s);
    store_bind_double(&q, 11, l->req_per_s);
    store_bind_double(&q, 12, l->output_tps);
    store_bind_double(&q, 13, l->goodput_rps);
    store_bind_double(&q, 14, l->error_rate);
    for (int i = 0; i < 4; i++) {
        store_bind_double(&q, 15 + 4 * i, pc[i]->p50);
        store_bind_double(&q, 16 + 4 * i, pc[i]->p90);
        store_bind_double(&q, 17 + 4 * i, pc[i]->p95);
        store_bind_double(&q, 18 + 4 * i, pc[i]->p99);
    }
    store_bind_int(&q, 31, l->tokens_estimated);
    store_bind_text(&q, 32, l->first_error[0] ? l->first_error : NULL);
    store_bind_text(&q, 33, l->profile[0] ? l->profile : NULL);
    store_bind_text(&q, 34, l->phase[0] ? l->phase : NULL);
    store_bind_int(&q, 35, l->repeat);
    store_bind_int(&q, 36, l->n_warmup);
    store_bind_double(&q, 37, l->achieved_rate);
    store_bind_int(&q, 38, l->n_late);
    store_bind_int(&q, 39, l->fell_behind);
    if (p->n_slos > 0) store_bind_int(&q, 40, l->slo_met);
    if (l->n_scored > 0) {
        store_bind_int(&q, 41, l->n_scored);
        store_bind_int(&q, 42, l->n_correct);
        store_bind_int(&q, 43, l->n_length);
        store_bind_int(&q, 44, l->n_timeout);
        store_bind_int(&q, 45, l->n_failed);
        store_bind_text(&q, 46, l->case_correct);
    }
    return store_q_write(&q);
}

int store_put_bench_capacity(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_bench_params *p,
                             const struct vlm_bench_capacity *c) {
    char slos[VLM_MAX_SLOS * 40] = "";
    for (int i = 0; i < p->n_slos; i++)
        snprintf(slos + strlen(slos), sizeof slos - strlen(slos), "%s%s_p%d=%g", i ? "," : "", p->slos[i].metric,
                 p->slos[i].pct, p->slos[i].max_ms);
    store_q q;
    if (store_q_prepare(s, &q, "writing table bench_capacity",
                        "INSERT INTO bench_capacity(run_id, model_id, by, capacity, knee_above, step, slos, req_per_s,"
                        " e2e_ms_p95, n_probes, created_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
                        "strftime('%Y-%m-%dT%H:%M:%fZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, run_id);
    store_bind_int(&q, 2, model_id);
    store_bind_text(&q, 3, c->by_rate ? "rate" : "concurrency");
    store_bind_double(&q, 4, c->capacity);
    if (c->knee_above > 0) store_bind_double(&q, 5, c->knee_above);
    store_bind_double(&q, 6, c->step);
    store_bind_text(&q, 7, slos);
    if (c->capacity > 0) {
        store_bind_double(&q, 8, c->req_per_s);
        store_bind_double(&q, 9, c->e2e_p95_ms);
    }
    store_bind_int(&q, 10, c->n_probes);
    return store_q_write(&q);
}
