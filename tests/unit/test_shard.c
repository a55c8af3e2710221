/*
 * test_shard.c - the shard rule (lib/shard.c) and the merge of stores
 * (lib/store_merge.c): the N shares partition the cases by a documented hash,
 * --shard text is parsed strictly, and a merge remaps run, model and
 * bench-level ids, keeps provenance, refuses other settings by name without
 * writing, and refuses a missing store or a table it cannot copy.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <unistd.h>
#include <jansson.h>
#include <xxhash.h>

/* ------------------------------------------------------------ the shard rule */

/* Every case is in exactly one of shards 1..N, and it is the shard the rule
 * names: XXH64 of "suite\0id" modulo N, plus one. */
static void test_shards_partition_the_cases(void **state) {
    (void)state;
    const char *suites[] = {"s", "other"};
    for (int n = 1; n <= 6; n++)
        for (int si = 0; si < 2; si++)
            for (int k = 0; k < 150; k++) {
                char id[32], key[64];
                snprintf(id, sizeof id, "case-%d", k);
                int len = snprintf(key, sizeof key, "%s%c%s", suites[si], 0, id);
                int want = (int)(XXH64(key, (size_t)len, 0) % (XXH64_hash_t)n); /* the rule, worked out here */
                assert_int_equal(vlm_shard_of(suites[si], id, n), want);
                int in = 0;
                for (int i = 1; i <= n; i++) {
                    bool taken = vlm_case_in_shard(suites[si], id, i, n);
                    in += taken;
                    if (taken) assert_int_equal(i, want + 1); /* shard I takes the cases of value I-1 */
                }
                assert_int_equal(in, 1);
            }
    assert_true(vlm_case_in_shard("s", "x", 0, 0)); /* no sharding: every case */
}

/* The hash spreads cases evenly enough: 300 cases in 3 shards, 100 expected
 * each, binomial sd sqrt(300 * 1/3 * 2/3) = 8.2; 70..130 is over 3.6 sd. The
 * split of one suite's cases does not change when another suite joins. */
/* Known answers worked out outside vlmeter: the XXH64 (seed 0) of each key by
 * the xxhsum tool of Debian's xxhash package 0.8.1, e.g.
 *   printf 's\0case-0' | xxhsum -H64   ->  bc9b18d0814814d3
 * and the remainders by python3: int('bc9b18d0814814d3', 16) % 3 == 2.
 * The shard is the remainder plus one (docs/shards.md has the first example). */
static void test_shard_known_answers(void **state) {
    (void)state;
    static const struct {
        const char *suite, *id;
        unsigned long long hash;
        int mod2, mod3, mod5, mod6;
    } KNOWN[] = {
        {"demo", "case-7", 0xaa64219931607d4eULL, 0, 0, 4, 0},  {"s", "case-0", 0xbc9b18d0814814d3ULL, 1, 2, 2, 5},
        {"s", "case-1", 0x9ec5071db1616b74ULL, 0, 0, 3, 0},     {"s", "case-2", 0x0e1921d4f775ade1ULL, 1, 2, 1, 5},
        {"other", "case-0", 0xa2186fa3022db462ULL, 0, 2, 0, 2},
    };
    for (size_t k = 0; k < sizeof KNOWN / sizeof KNOWN[0]; k++) {
        assert_int_equal(vlm_shard_of(KNOWN[k].suite, KNOWN[k].id, 2), KNOWN[k].mod2);
        assert_int_equal(vlm_shard_of(KNOWN[k].suite, KNOWN[k].id, 3), KNOWN[k].mod3);
        assert_int_equal(vlm_shard_of(KNOWN[k].suite, KNOWN[k].id, 5), KNOWN[k].mod5);
        assert_int_equal(vlm_shard_of(KNOWN[k].suite, KNOWN[k].id, 6), KNOWN[k].mod6);
        assert_true(vlm_case_in_shard(KNOWN[k].suite, KNOWN[k].id, KNOWN[k].mod3 + 1, 3));
    }
}

static void test_shards_are_even_and_independent(void **state) {
    (void)state;
    int count[3] = {0};
    for (int k = 0; k < 300; k++) {
        char id[32];
        snprintf(id, sizeof id, "q%03d", k);
        count[vlm_shard_of("bench", id, 3)]++;
    }
    for (int i = 0; i < 3; i++) assert_in_range(count[i], 70, 130);
    /* the suite name is part of the key: the same ids in two suites split differently */
    int same = 0;
    for (int k = 0; k < 300; k++) {
        char id[32];
        snprintf(id, sizeof id, "q%03d", k);
        same += vlm_shard_of("bench", id, 3) == vlm_shard_of("bench2", id, 3);
    }
    assert_true(same < 300);
}

static void test_shard_text(void **state) {
    (void)state;
    int i = 0, n = 0;
    char err[256];
    assert_int_equal(vlm_shard_parse("2/3", &i, &n, err, sizeof err), VLM_OK);
    assert_int_equal(i, 2);
    assert_int_equal(n, 3);
    assert_int_equal(vlm_shard_parse("1/1", &i, &n, err, sizeof err), VLM_OK);
    const char *bad[] = {"0/3", "4/3", "3", "a/3", "1/0", "-1/3", "2/3x", "", "/3", "2/", "1/ 3"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = 0;
        assert_int_equal(vlm_shard_parse(bad[k], &i, &n, err, sizeof err), VLM_ERR_INPUT);
        assert_non_null(strstr(err, "--shard"));
    }
}

/* ------------------------------------------------------------ merge */

static char *path_in(const char *dir, const char *name) {
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Answer case `case_id` turn 0 for model `model` with the text "<model>-<case>". */
static void answer(vlm_store *s, int64_t model_id, const char *model, int64_t run, const char *case_id) {
    const char *turns[] = {"q"};
    vlm_case c = {.suite = "s", .id = case_id, .category = "cat", .scorer = "exact", .n_turns = 1, .turns = turns};
    char out[64];
    snprintf(out, sizeof out, "%s-%s", model, case_id);
    struct vlm_turn_result r = {.turn = 0, .output = out};
    assert_int_equal(vlm_store_put_turn(s, model_id, run, &c, &r, true), VLM_OK);
}

static int64_t begin_run(vlm_store *s, const char *host, const char *argv_line) {
    struct vlm_host h = {.cpu = "cpu", .n_cores = 1, .os = "os"};
    snprintf(h.name, sizeof h.name, "%s", host);
    int64_t run = vlm_store_begin_run(s, &h, argv_line, "llama", NULL);
    assert_true(run > 0);
    return run;
}

static int64_t model(vlm_store *s, const char *name, const char *settings) {
    int64_t id = 0;
    char err[256];
    assert_int_equal(vlm_store_model(s, name, settings, &id, err, sizeof err), VLM_OK);
    return id;
}

/* The first column of the first row of sql on the file, as text ("NULL", or "" when no row). */
static char *query(const char *path, const char *sql) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    char *out = strdup("");
    if (sqlite3_step(st) == SQLITE_ROW) {
        free(out);
        const char *t = (const char *)sqlite3_column_text(st, 0);
        out = strdup(t ? t : "NULL");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void assert_query(const char *path, const char *sql, const char *want) {
    char *got = query(path, sql);
    if (strcmp(got, want) != 0) fprintf(stderr, "%s\n  got '%s', want '%s'\n", sql, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void exec(const char *path, const char *sql) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Store one: host h1, one run, models x then y, case c1.
 * Store two: host h2, two runs ("empty" then "second"), models y then x (so
 * each has the other's id), case c2 in the second run, and a bench level of
 * id 5 (not the id OUT gives it) with a server metric pointing at it. */
static void make_stores(const char *one, const char *two) {
    char err[256];
    vlm_store *s = vlm_store_open(one, err, sizeof err);
    assert_non_null(s);
    int64_t run = begin_run(s, "h1", "first");
    int64_t x = model(s, "x", "{\"t\":0}"), y = model(s, "y", "{}");
    answer(s, x, "x", run, "c1");
    answer(s, y, "y", run, "c1");
    vlm_store_close(s);

    s = vlm_store_open(two, err, sizeof err);
    assert_non_null(s);
    begin_run(s, "h2", "empty");
    run = begin_run(s, "h2", "second");
    y = model(s, "y", "{}");
    x = model(s, "x", "{\"t\":0}");
    answer(s, x, "x", run, "c2");
    answer(s, y, "y", run, "c2");
    vlm_store_close(s);
    exec(two, "INSERT INTO bench_levels(id, run_id, model_id, concurrency) VALUES(5, 2, 1, 4);"
              "CREATE TABLE IF NOT EXISTS server_metrics(run_id INTEGER, model_id INTEGER, level_id INTEGER,"
              " name TEXT, stat TEXT, value REAL, created_at TEXT);"
              "INSERT INTO server_metrics VALUES(2, 1, 5, 'kv', 'max', 0.5, 't');");
}

/* Ids are remapped: every answer keeps its model (the text says whose it is)
 * and its run (host, argv, the store it came from); the level id of a metric
 * follows its bench level. */
static void test_merge_remaps_ids_and_keeps_provenance(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *one = path_in(dir, "one.db"), *two = path_in(dir, "two.db"), *out = path_in(dir, "out.db");
    make_stores(one, two);
    char err[1024] = "";
    vlm_store_close(vlm_store_open(out, err, sizeof err));
    exec(out, "INSERT INTO bench_levels(id, concurrency) VALUES(1, 99)"); /* OUT's own level 1 */
    const char *in[] = {one, two};
    struct vlm_merge_summary sum;
    assert_int_equal(vlm_store_merge(out, in, 2, &sum, err, sizeof err), VLM_OK);
    /* each answer under the model whose text it is */
    assert_query(out,
                 "SELECT count(*) FROM answers a JOIN models m ON m.id = a.model_id"
                 " WHERE a.output = m.name || '-' || a.case_id",
                 "4");
    /* and under the run that made it: host, argv, store */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT group_concat(x, ' ') FROM (SELECT m.name || ':' || a.case_id || ':' || r.host || ':' || r.argv"
             " || ':' || (r.merged_from = '%s') || (r.merged_from = '%s') AS x FROM answers a"
             " JOIN models m ON m.id = a.model_id JOIN runs r ON r.id = a.run_id ORDER BY x)",
             one, two);
    assert_query(out, sql, "x:c1:h1:first:10 x:c2:h2:second:01 y:c1:h1:first:10 y:c2:h2:second:01");
    assert_query(out, "SELECT count(*) FROM runs", "3"); /* the empty run comes too */
    /* the metric's level is two's level, copied as a new row (not OUT's level 1 of
     * concurrency 99), and its model is two's model 1: y */
    assert_query(out,
                 "SELECT l.concurrency || ' ' || m.name FROM server_metrics s JOIN bench_levels l ON l.id = s.level_id"
                 " JOIN models m ON m.id = s.model_id",
                 "4 y");
    /* counts: 3 runs, 2 models copied and 2 found by name, 4 answers */
    for (int i = 0; i < sum.n_tables; i++) {
        if (strcmp(sum.tables[i].table, "models") == 0) {
            assert_int_equal(sum.tables[i].n_copied, 2);
            assert_int_equal(sum.tables[i].n_duplicates, 2);
        }
        if (strcmp(sum.tables[i].table, "answers") == 0) assert_int_equal(sum.tables[i].n_copied, 4);
    }
    /* the same again: every answer a duplicate, no run added, no answer changed */
    assert_int_equal(vlm_store_merge(out, in, 2, &sum, err, sizeof err), VLM_OK);
    for (int i = 0; i < sum.n_tables; i++)
        if (strcmp(sum.tables[i].table, "answers") == 0) {
            assert_int_equal(sum.tables[i].n_copied, 0);
            assert_int_equal(sum.tables[i].n_duplicates, 4);
        }
    assert_query(out, "SELECT count(*) FROM runs", "3");
    assert_query(out, "SELECT count(*) FROM server_metrics", "1");
    free(one);
    free(two);
    free(out);
    test_rmdir(dir);
}

/* A model with other settings is refused, naming both stores, the model and
 * the first case and turn both answered; nothing is written, and a store the
 * merge would have created is not left behind. */
static void test_merge_refuses_other_settings(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *one = path_in(dir, "one.db"), *two = path_in(dir, "two.db"), *other = path_in(dir, "other.db"),
         *out = path_in(dir, "out.db");
    make_stores(one, two);
    char err[1024] = "";
    vlm_store *s = vlm_store_open(other, err, sizeof err);
    int64_t run = begin_run(s, "h3", "other");
    answer(s, model(s, "x", "{\"t\":1}"), "x", run, "c2");
    vlm_store_close(s);
    const char *in[] = {one, two, other};
    struct vlm_merge_summary sum;
    assert_int_equal(vlm_store_merge(out, in, 3, &sum, err, sizeof err), VLM_ERR_INPUT);
    char want[1024];
    snprintf(want, sizeof want, "model 'x' has other settings in '%s' ({\"t\":1}) than in '%s' ({\"t\":0})", other,
             one);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "both answered suite 's' case 'c2' turn 0"));
    assert_int_equal(access(out, F_OK), -1); /* not left behind */
    /* into an existing store: nothing written */
    const char *first[] = {one};
    assert_int_equal(vlm_store_merge(out, first, 1, &sum, err, sizeof err), VLM_OK);
    const char *rest[] = {two, other};
    assert_int_equal(vlm_store_merge(out, rest, 2, &sum, err, sizeof err), VLM_ERR_INPUT);
    assert_query(out, "SELECT count(*) FROM answers", "2");
    assert_query(out, "SELECT count(*) FROM runs", "1");
    free(one);
    free(two);
    free(other);
    free(out);
    test_rmdir(dir);
}

/* A missing store and one with a table merge cannot copy are refused by name. */
static void test_merge_refuses_missing_and_unknown(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *one = path_in(dir, "one.db"), *two = path_in(dir, "two.db"), *out = path_in(dir, "out.db"),
         *none = path_in(dir, "none.db");
    make_stores(one, two);
    exec(two, "CREATE TABLE mystery(model_id INTEGER)");
    char err[1024] = "";
    struct vlm_merge_summary sum;
    const char *in[] = {one, none};
    assert_int_equal(vlm_store_merge(out, in, 2, &sum, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, none));
    assert_int_equal(access(none, F_OK), -1); /* not created */
    assert_int_equal(access(out, F_OK), -1);
    const char *in2[] = {one, two};
    assert_int_equal(vlm_store_merge(out, in2, 2, &sum, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "'mystery'"));
    assert_non_null(strstr(err, two));
    free(one);
    free(two);
    free(out);
    free(none);
    test_rmdir(dir);
}

/* A crafted store cannot run SQL in OUT: a column whose name holds a quote and
 * "; DROP TABLE answers; --" is copied as a column of that name; a table whose
 * stored CREATE text has a second statement is created from its columns, the
 * text never run; a column type that is not a SQLite type name is refused by
 * name. OUT keeps its answers throughout. */
static void test_merge_crafted_store(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *one = path_in(dir, "one.db"), *two = path_in(dir, "two.db"), *out = path_in(dir, "out.db"),
         *bad = path_in(dir, "bad.db");
    make_stores(one, two);
    char err[1024] = "";
    struct vlm_merge_summary sum;
    const char *first[] = {two};
    assert_int_equal(vlm_store_merge(out, first, 1, &sum, err, sizeof err), VLM_OK);
    assert_query(out, "SELECT count(*) FROM answers", "2");
    exec(one, "ALTER TABLE runs ADD COLUMN \"q\"\"; DROP TABLE answers; --\" TEXT;"
              "UPDATE runs SET \"q\"\"; DROP TABLE answers; --\" = 'kept';"
              "CREATE TABLE model_gpus(model_id INTEGER PRIMARY KEY, gpu TEXT NOT NULL, n_gpus INTEGER);"
              "INSERT INTO model_gpus VALUES(1, 'L4', 2);");
    exec(one, "PRAGMA writable_schema=ON;"
              "UPDATE sqlite_master SET sql = sql || '; DROP TABLE answers; --' WHERE name = 'model_gpus';");
    const char *in[] = {one};
    assert_int_equal(vlm_store_merge(out, in, 1, &sum, err, sizeof err), VLM_OK);
    assert_query(out, "SELECT count(*) FROM answers", "4");
    assert_query(out, "SELECT \"q\"\"; DROP TABLE answers; --\" FROM runs WHERE host = 'h1'", "kept");
    /* model 1 of one is x; its key is OUT's primary key still (a second copy is refused by it) */
    assert_query(
        out, "SELECT m.name || ' ' || g.gpu || ' ' || g.n_gpus FROM model_gpus g JOIN models m ON m.id = g.model_id",
        "x L4 2");
    assert_query(out, "SELECT pk FROM pragma_table_info('model_gpus') WHERE name = 'model_id'", "1");
    /* a type that is no SQLite type name */
    vlm_store_close(vlm_store_open(bad, err, sizeof err));
    exec(bad, "ALTER TABLE answers ADD COLUMN z 'TEXT; DROP TABLE answers; --'");
    const char *in2[] = {bad};
    assert_int_equal(vlm_store_merge(out, in2, 1, &sum, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "column 'z' has the type 'TEXT; DROP TABLE answers; --'"));
    assert_non_null(strstr(err, bad));
    assert_query(out, "SELECT count(*) FROM answers", "4");
    free(one);
    free(two);
    free(out);
    free(bad);
    test_rmdir(dir);
}

/* One store with model x loaded in a run started at `started` (load_ms and backend to tell it). */
static void store_with_load(const char *path, const char *host, const char *started, double load_ms,
                            const char *backend) {
    char err[256];
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t run = begin_run(s, host, host);
    int64_t x = model(s, "x", "{}");
    struct vlm_model_info info = {.load_ms = load_ms, .gpu_mem_bytes = (uint64_t)load_ms * 1000};
    snprintf(info.backend, sizeof info.backend, "%s", backend);
    assert_int_equal(vlm_store_model_load(s, x, run, &info, NULL, 0), VLM_OK);
    answer(s, x, "x", run, host);
    vlm_store_close(s);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE runs SET started_at = '%s'", started);
    exec(path, sql);
}

/* The model's latest load is the run that started last, not the highest run id
 * (which after a merge is the order the stores were merged in): the newer store
 * merged first, the older after it, and the report's load figures are the
 * newer run's. */
static void test_merge_latest_load_by_time(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *newer = path_in(dir, "newer.db"), *older = path_in(dir, "older.db"), *out = path_in(dir, "out.db"),
         *rep = path_in(dir, "report.json");
    store_with_load(newer, "hn", "2025-06-02T10:00:00.000Z", 200, "CUDA0");
    store_with_load(older, "ho", "2025-06-01T10:00:00.000Z", 100, "CPU");
    char err[1024] = "";
    struct vlm_merge_summary sum;
    const char *in[] = {newer, older};
    assert_int_equal(vlm_store_merge(out, in, 2, &sum, err, sizeof err), VLM_OK);
    assert_query(out, "SELECT group_concat(host, ' ') FROM (SELECT host FROM runs ORDER BY id)", "hn ho");
    FILE *f = fopen(rep, "w");
    assert_non_null(f);
    assert_int_equal(vlm_report(out, VLM_REPORT_JSON, f, err, sizeof err), VLM_OK);
    fclose(f);
    json_error_t je;
    json_t *doc = json_load_file(rep, 0, &je);
    assert_non_null(doc);
    json_t *m = json_array_get(json_object_get(doc, "models"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "name")), "x");
    assert_true(json_number_value(json_object_get(m, "load_ms")) == 200.0);
    assert_string_equal(json_string_value(json_object_get(m, "backend")), "CUDA0");
    assert_true(json_number_value(json_object_get(m, "gpu_mem_bytes")) == 200000.0);
    json_decref(doc);
    free(newer);
    free(older);
    free(out);
    free(rep);
    test_rmdir(dir);
}

/* A store with model x at `path` (its settings' model file), its load having
 * measured `bytes` for it (0: never loaded). */
static void store_with_file(const char *store, const char *path, uint64_t bytes) {
    char err[256], settings[256];
    vlm_store *s = vlm_store_open(store, err, sizeof err);
    assert_non_null(s);
    int64_t run = begin_run(s, store, store);
    snprintf(settings, sizeof settings, "{\"model\":\"%s\",\"mmproj\":\"/m/p.gguf\",\"max_tokens\":4}", path);
    int64_t x = model(s, "x", settings);
    struct vlm_model_info info = {.model_bytes = bytes, .mmproj_bytes = 7};
    if (bytes) assert_int_equal(vlm_store_model_load(s, x, run, &info, NULL, 0), VLM_OK);
    answer(s, x, "x", run, store);
    vlm_store_close(s);
}

/* The same model files at other paths on another machine merge: settings are
 * compared with the paths cut to file names, and the sizes both stores
 * measured must agree. Another file name, or another size, is refused. */
static void test_merge_model_files_by_name_and_size(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *a = path_in(dir, "a.db"), *b = path_in(dir, "b.db"), *c = path_in(dir, "c.db"), *d = path_in(dir, "d.db"),
         *e = path_in(dir, "e.db"), *out = path_in(dir, "out.db");
    store_with_file(a, "/home/u/models/m.gguf", 1000);
    store_with_file(b, "/data/m.gguf", 1000); /* same name and size elsewhere */
    store_with_file(c, "/data/m.gguf", 0);    /* never loaded: no size to compare */
    store_with_file(d, "/data/m.gguf", 999);  /* same name, other size */
    store_with_file(e, "/data/other.gguf", 1000);
    char err[1024] = "";
    struct vlm_merge_summary sum;
    const char *ok[] = {a, b, c};
    assert_int_equal(vlm_store_merge(out, ok, 3, &sum, err, sizeof err), VLM_OK);
    assert_query(out, "SELECT count(*) FROM answers", "3");
    assert_query(out, "SELECT json_extract(settings, '$.model') FROM models", "/home/u/models/m.gguf"); /* OUT's own */
    const char *size[] = {d};
    assert_int_equal(vlm_store_merge(out, size, 1, &sum, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "model 'x' has other settings"));
    assert_non_null(strstr(err, "are 999/7 in the first, 1000/7 in the second"));
    const char *name[] = {e};
    assert_int_equal(vlm_store_merge(out, name, 1, &sum, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "other.gguf"));
    assert_query(out, "SELECT count(*) FROM answers", "3");
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(out);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shards_partition_the_cases),
        cmocka_unit_test(test_shard_known_answers),
        cmocka_unit_test(test_shards_are_even_and_independent),
        cmocka_unit_test(test_merge_crafted_store),
        cmocka_unit_test(test_merge_latest_load_by_time),
        cmocka_unit_test(test_merge_model_files_by_name_and_size),
        cmocka_unit_test(test_shard_text),
        cmocka_unit_test(test_merge_remaps_ids_and_keeps_provenance),
        cmocka_unit_test(test_merge_refuses_other_settings),
        cmocka_unit_test(test_merge_refuses_missing_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
