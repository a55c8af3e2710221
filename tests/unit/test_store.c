/*
 * test_store.c - the SQLite store: model settings guard, turn commits, the
 * finished-case rule that resume relies on, partial-case reset, export, runs
 * recorded with the versions given, the queries of the report, scoring, the
 * KL pass and history (lib/store.h), and failures: a table gone gives an error
 * naming it, never a crash or a half-written turn.
 */
#include "testutil.h"

#include "report.h"
#include "store.h"

#include <jansson.h>
#include <sqlite3.h>

static const char *TURNS[] = {"first <image>", "second"};
static const char *EXPECTED[] = {"\"red\"", NULL};
static vlm_case two_turn_case(void) {
    vlm_case c = {.suite = "s",
                  .id = "c1",
                  .category = "colors",
                  .scorer = "exact",
                  .where = "s.jsonl:1",
                  .n_turns = 2,
                  .turns = TURNS,
                  .expected = EXPECTED};
    return c;
}

static vlm_store *open_tmp(char **dir) {
    *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/t.db", *dir);
    char err[256];
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    return s;
}

/* A fresh store with one model "m" registered; *m gets its id. */
static vlm_store *open_with_model(char **dir, int64_t *m) {
    vlm_store *s = open_tmp(dir);
    char err[256];
    *m = 0;
    assert_int_equal(vlm_store_model(s, "m", "{}", m, err, sizeof err), VLM_OK);
    return s;
}

static void test_model_settings_guard(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t a = 0, b = 0;
    char err[512] = "";
    assert_int_equal(vlm_store_model(s, "m", "{\"ctx\":1}", &a, err, sizeof err), VLM_OK);
    assert_int_equal(vlm_store_model(s, "m", "{\"ctx\":1}", &b, err, sizeof err), VLM_OK);
    assert_true(a == b && a > 0);
    assert_int_equal(vlm_store_model(s, "m", "{\"ctx\":2}", &b, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "model 'm' is already stored with other settings"));
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_case_finished_only_after_last_turn(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    r.t.e2e_ms = 12.5;
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, false), VLM_OK);
    assert_false(vlm_store_case_done(s, m, "s", "c1", true)); /* one turn of two */
    r.turn = 1;
    r.output = "blue";
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
    assert_true(vlm_store_case_done(s, m, "s", "c1", true));
    assert_true(vlm_store_case_done(s, m, "s", "c1", false));
    assert_false(vlm_store_case_done(s, m, "s", "other", true));
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_error_case_and_retry_rule(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    assert_int_equal(vlm_store_put_case_error(s, m, 1, &c, "s.jsonl:1: missing image"), VLM_OK);
    assert_true(vlm_store_case_done(s, m, "s", "c1", true));   /* skipped on resume */
    assert_false(vlm_store_case_done(s, m, "s", "c1", false)); /* run again with --retry-errors */
    vlm_store_close(s);
    test_rmdir(dir);
}

static int count_rows(const struct vlm_answer_row *row, void *user) {
    (*(int *)user)++;
    return VLM_OK;
}

static void test_reset_forgets_partial_turns(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    vlm_store_put_turn(s, m, 1, &c, &r, false);
    int n = 0;
    vlm_store_each_answer(s, count_rows, &n);
    assert_int_equal(n, 1);
    assert_int_equal(vlm_store_case_reset(s, m, "s", "c1"), VLM_OK);
    n = 0;
    vlm_store_each_answer(s, count_rows, &n);
    assert_int_equal(n, 0);
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_export_jsonl(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    char err[256];
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "r\xc3\xa9\"d<script>"};
    r.t.ttft_ms = 3.5;
    r.t.n_output_tokens = 7;
    vlm_store_put_turn(s, m, 1, &c, &r, false);
    r.turn = 1;
    r.output = "";
    r.error = "turn 1: prompt too long";
    vlm_store_put_turn(s, m, 1, &c, &r, true);

    char path[512];
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_int_equal(vlm_store_export_jsonl(s, f, err, sizeof err), VLM_OK);
    fclose(f);
    f = fopen(path, "r");
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    json_t *o = json_loads(line, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "model")), "m");
    assert_string_equal(json_string_value(json_object_get(o, "case")), "c1");
    assert_string_equal(json_string_value(json_object_get(o, "category")), "colors");
    assert_string_equal(json_string_value(json_object_get(o, "output")), "r\xc3\xa9\"d<script>");
    assert_string_equal(json_string_value(json_object_get(o, "expected")), "red");
    assert_true(json_is_null(json_object_get(o, "error")));
    assert_true(json_real_value(json_object_get(o, "ttft_ms")) == 3.5);
    assert_int_equal(json_integer_value(json_object_get(o, "n_output_tokens")), 7);
    json_decref(o);
    assert_non_null(fgets(line, sizeof line, f));
    o = json_loads(line, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(o, "turn")), 1);
    assert_true(json_is_null(json_object_get(o, "output")));
    assert_string_equal(json_string_value(json_object_get(o, "error")), "turn 1: prompt too long");
    json_decref(o);
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_open_refuses_non_database(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *path = test_write_file(dir, "junk.db", "this is not a sqlite database, just text padding it out....");
    char err[512] = "";
    assert_null(vlm_store_open(path, err, sizeof err));
    assert_non_null(strstr(err, "junk.db"));
    free(path);
    test_rmdir(dir);
}

/* The store's file, for a second connection that looks behind its back. */
static char *db_path(const char *dir) {
    size_t n = strlen(dir) + 8;
    char *p = malloc(n);
    snprintf(p, n, "%s/t.db", dir);
    return p;
}

/* Run SQL on the store's file through a connection of its own. */
static void side_exec(const char *dir, const char *sql) {
    char *path = db_path(dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", sql, msg);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
    free(path);
}

/* The first column of the first row of a query on the store's file, as text ("NULL" for NULL). */
static char *side_text(const char *dir, const char *sql) {
    char *path = db_path(dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(st, 0);
    char *out = strdup(t ? t : "NULL");
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
    return out;
}

static void assert_side(const char *dir, const char *sql, const char *want) {
    char *got = side_text(dir, sql);
    assert_string_equal(got, want);
    free(got);
}

/* A case is finished per model AND suite: the same case id in another suite,
 * or for another model, is still to do. */
static void test_case_done_is_per_suite_and_model(void **state) {
    (void)state;
    char *dir;
    int64_t m, other;
    char err[256];
    vlm_store *s = open_with_model(&dir, &m);
    assert_int_equal(vlm_store_model(s, "other", "{}", &other, err, sizeof err), VLM_OK);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    vlm_store_put_turn(s, m, 1, &c, &r, false);
    r.turn = 1;
    vlm_store_put_turn(s, m, 1, &c, &r, true);
    assert_true(vlm_store_case_done(s, m, "s", "c1", false));
    assert_false(vlm_store_case_done(s, m, "t", "c1", true));     /* suite t has its own c1 */
    assert_false(vlm_store_case_done(s, other, "s", "c1", true)); /* so has every model */
    /* resetting c1 of suite t leaves suite s alone */
    vlm_case ct = c;
    ct.suite = "t";
    r.turn = 0;
    vlm_store_put_turn(s, m, 1, &ct, &r, false);
    assert_int_equal(vlm_store_case_reset(s, m, "t", "c1"), VLM_OK);
    assert_side(dir, "SELECT count(*) FROM answers WHERE suite='s'", "2");
    assert_side(dir, "SELECT count(*) FROM answers WHERE suite='t'", "0");
    assert_true(vlm_store_case_done(s, m, "s", "c1", false));
    vlm_store_close(s);
    test_rmdir(dir);
}

/* A turn that fails ends its case there: the case row (status error) is written
 * with the failed turn, though it is not the last one. */
static void test_failed_first_turn_ends_the_case(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .error = "image cannot be decoded"};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, false), VLM_OK);
    assert_true(vlm_store_case_done(s, m, "s", "c1", true));
    assert_false(vlm_store_case_done(s, m, "s", "c1", false));
    assert_side(dir, "SELECT status || ':' || error FROM cases", "error:image cannot be decoded");
    vlm_store_close(s);
    test_rmdir(dir);
}

/* Resume of an unfinished multi-turn case, step by step as run.c does it: run 1
 * stored turn 0 and stopped before turn 1 (no case row); run 2 finds the case
 * not finished, forgets its partial turns and answers both turns anew. */
static void test_resume_redoes_an_unfinished_case(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "stale"};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, false), VLM_OK);
    assert_side(dir, "SELECT count(*) FROM cases", "0");
    /* run 2 */
    assert_false(vlm_store_case_done(s, m, "s", "c1", true));
    assert_int_equal(vlm_store_case_reset(s, m, "s", "c1"), VLM_OK);
    assert_side(dir, "SELECT count(*) FROM answers", "0");
    r.output = "red";
    assert_int_equal(vlm_store_put_turn(s, m, 2, &c, &r, false), VLM_OK);
    r.turn = 1;
    r.output = "blue";
    assert_int_equal(vlm_store_put_turn(s, m, 2, &c, &r, true), VLM_OK);
    assert_side(dir,
                "SELECT group_concat(t, ' ') FROM (SELECT turn || '=' || output || '@' || run_id AS t"
                " FROM answers ORDER BY turn)",
                "0=red@2 1=blue@2");
    assert_side(dir, "SELECT status || '@' || run_id FROM cases", "done@2");
    assert_true(vlm_store_case_done(s, m, "s", "c1", false));
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_run_records_the_versions_given(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    struct vlm_host h = {.cpu = "cpu-x", .n_cores = 3, .ram_bytes = 1024, .os = "os-y"};
    int64_t run = vlm_store_begin_run(s, &h, "vlmeter run", "llama-build-7", NULL);
    assert_true(run > 0);
    assert_int_equal(vlm_store_end_run(s, run), VLM_OK);
    assert_side(dir, "SELECT llama_version FROM runs", "llama-build-7");
    assert_side(dir, "SELECT llama_system_info FROM runs", "NULL");
    assert_side(dir, "SELECT vlmeter_version FROM runs", VLM_VERSION);
    assert_side(dir, "SELECT host_cpu || ' ' || host_cores || ' ' || argv FROM runs", "cpu-x 3 vlmeter run");
    assert_side(dir, "SELECT ended_at IS NOT NULL FROM runs", "1");
    vlm_store_close(s);
    test_rmdir(dir);
}

static void put_score(vlm_store *s, int64_t m, const char *case_id, const char *scorer, double score, bool correct,
                      bool unparsed) {
    struct vlm_score sc = {.score = score, .correct = correct, .unparsed = unparsed};
    snprintf(sc.detail, sizeof sc.detail, "%s", scorer);
    assert_int_equal(store_grade_put_score(s, m, "s", case_id, 0, scorer, &sc), VLM_OK);
}

/* Credit is the score of anls/vqa, else correct as 0/1; caption scorers stay out. */
static void test_model_credit(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    put_score(s, 1, "a", "anls", 0.5, false, false);
    put_score(s, 1, "b", "vqa", 0.25, true, false);
    put_score(s, 1, "c", "exact", 1.0, true, false);
    put_score(s, 1, "d", "choice", 0.75, false, true);
    put_score(s, 1, "e", "bleu", 0.875, true, false);
    put_score(s, 1, "f", "cider", 2.0, true, true);
    put_score(s, 2, "a", "exact", 1.0, true, false); /* another model */
    struct store_credit c;
    assert_int_equal(store_report_model_credit(s, 1, &c), VLM_OK);
    assert_int_equal(c.n, 4);
    assert_true(c.credit == 0.5 + 0.25 + 1 + 0); /* 1.75 */
    assert_int_equal(c.n_unparsed, 1);
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_history_of_a_model(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    r.t.e2e_ms = 100;
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, false), VLM_OK);
    r.turn = 1;
    r.t.e2e_ms = 50;
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_OK);
    vlm_case c2 = two_turn_case();
    c2.id = "c2";
    assert_int_equal(vlm_store_put_case_error(s, m, 1, &c2, "broken"), VLM_OK); /* no answered turn */
    struct vlm_model_info info = {.load_ms = 10};
    assert_int_equal(vlm_store_model_load(s, m, 1, &info, NULL, 0), VLM_OK);
    info.load_ms = 20;
    assert_int_equal(vlm_store_model_load(s, m, 2, &info, NULL, 0), VLM_OK);

    struct store_history h;
    assert_int_equal(store_model_history(s, "m", &h), VLM_OK);
    assert_int_equal(h.n_cases, 1);
    assert_true(h.e2e_ms_total == 150);
    assert_true(h.load_ms == 20); /* the latest load */
    assert_int_equal(store_model_history(s, "other", &h), VLM_OK);
    assert_int_equal(h.n_cases, 0);
    int64_t id = 0;
    assert_int_equal(store_model_id(s, "m", &id), VLM_OK);
    assert_true(id == m);
    assert_int_equal(store_model_id(s, "other", &id), VLM_OK);
    assert_true(id == -1);
    vlm_store_close(s);
    test_rmdir(dir);
}

static int expected_of_turn0(const struct vlm_answer_row *row, void *user) {
    if (row->turn == 0) snprintf(user, 64, "%s", row->expected ? row->expected : "NULL");
    return VLM_OK;
}

/* A suite's fixed reference replaces the stored one for every model; only
 * answers whose expected answer changed are counted. */
static void test_grade_update_case(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t a = 0, b = 0;
    char err[256];
    vlm_store_model(s, "a", "{}", &a, err, sizeof err);
    vlm_store_model(s, "b", "{}", &b, err, sizeof err);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    assert_int_equal(vlm_store_put_turn(s, a, 1, &c, &r, false), VLM_OK);
    assert_int_equal(vlm_store_put_turn(s, b, 1, &c, &r, false), VLM_OK);
    static const char *FIXED[] = {"\"blue\"", NULL};
    static const char *CHOICES[] = {"blue", "red"};
    vlm_case fixed = c;
    fixed.expected = FIXED;
    fixed.scorer = "choice";
    fixed.choices = CHOICES;
    fixed.n_choices = 2;
    int n = 0;
    assert_int_equal(store_grade_update_case(s, &fixed, &n), VLM_OK);
    assert_int_equal(n, 2); /* turn 0 of a and of b; turn 1 has none and had none */
    assert_int_equal(store_grade_update_case(s, &fixed, &n), VLM_OK);
    assert_int_equal(n, 2); /* nothing changed the second time */
    char got[64] = "";
    assert_int_equal(vlm_store_each_answer(s, expected_of_turn0, got), VLM_OK);
    assert_string_equal(got, "\"blue\"");
    vlm_store_close(s);
    test_rmdir(dir);
}

static void test_judgments_kept(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    bool found = true;
    int verdict = 5;
    char *raw = NULL;
    assert_int_equal(store_judgment_get(s, "j", "q", "\"x\"", "x", &found, &verdict, &raw), VLM_OK);
    assert_false(found);
    assert_null(raw);
    assert_int_equal(store_judgment_put(s, "j", "q", "\"x\"", "x", 1, "CORRECT"), VLM_OK);
    assert_int_equal(store_judgment_get(s, "j", "q", "\"x\"", "x", &found, &verdict, &raw), VLM_OK);
    assert_true(found);
    assert_int_equal(verdict, 1);
    assert_string_equal(raw, "CORRECT");
    free(raw);
    raw = NULL;
    assert_int_equal(store_judgment_get(s, "other judge", "q", "\"x\"", "x", &found, &verdict, &raw), VLM_OK);
    assert_false(found);
    vlm_store_close(s);
    test_rmdir(dir);
}

/* The KL pass's view of a case: tokens of the reference's answer, its kept
 * distributions, and the member's comparison, each as it is written. */
static void test_kl_rows(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    int64_t ref = 0, q4 = 0;
    char err[256];
    vlm_store_model(s, "ref", "{}", &ref, err, sizeof err);
    vlm_store_model(s, "ref:q4", "{}", &q4, err, sizeof err);
    vlm_case c = two_turn_case();
    static const int TOK[3] = {7, -1, 70000};
    struct vlm_turn_result r = {.turn = 0, .output = "red", .tokens = TOK};
    r.t.n_output_tokens = 3;
    assert_int_equal(vlm_store_put_turn(s, ref, 1, &c, &r, false), VLM_OK);

    struct store_kl_state st;
    assert_int_equal(store_kl_state(s, q4, ref, "s", "c1", &st), VLM_OK);
    assert_true(st.ref_has_tokens && !st.ref_kept && !st.compared);
    int32_t *tok = NULL;
    int n = 0;
    assert_int_equal(store_answer_tokens(s, ref, "s", "c1", &tok, &n), VLM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(tok[0], 7);
    assert_int_equal(tok[1], -1);
    assert_int_equal(tok[2], 70000);
    free(tok);
    assert_int_equal(store_answer_tokens(s, q4, "s", "c1", &tok, &n), VLM_OK);
    assert_null(tok); /* q4 has no answer */
    assert_int_equal(n, 0);

    float dists[6] = {1, 2, 3, 4, 5, 6};
    int32_t ids[3] = {7, -1, 70000};
    assert_int_equal(store_kl_ref_put(s, ref, "s", "c1", 1, 3, ids, dists, sizeof dists), VLM_OK);
    bool found = false;
    struct store_kl_ref kept;
    assert_int_equal(store_kl_ref_get(s, ref, "s", "c1", &found, &kept), VLM_OK);
    assert_true(found);
    assert_int_equal(kept.top_k, 1);
    assert_int_equal(kept.n_pos, 3);
    assert_int_equal(kept.tokens_bytes, 12);
    assert_int_equal(kept.dists_bytes, 24);
    assert_memory_equal(kept.tokens, ids, 12);
    assert_memory_equal(kept.dists, dists, 24);
    free(kept.tokens);
    free(kept.dists);
    assert_int_equal(store_kl_ref_get(s, ref, "s", "other", &found, &kept), VLM_OK);
    assert_false(found);

    assert_int_equal(store_kl_put(s, q4, ref, "s", "c1", 3, 0.3, 0.2, 2), VLM_OK);
    assert_int_equal(store_kl_state(s, q4, ref, "s", "c1", &st), VLM_OK);
    assert_true(st.compared && st.ref_kept);
    assert_int_equal(store_kl_state(s, q4, q4, "s", "c1", &st), VLM_OK); /* another reference */
    assert_false(st.compared);
    struct store_kl_totals k;
    assert_int_equal(store_report_kl(s, ref, q4, &k), VLM_OK);
    assert_int_equal(k.n_prompts, 1);
    assert_true(k.n_pos == 3 && k.kl_sum == 0.3 && k.kl_max == 0.2 && k.top1_same == 2);
    vlm_store_close(s);
    test_rmdir(dir);
}

/* A table dropped behind the store's back: the query fails with VLM_ERR_IO
 * and a message naming the table, and the report says so instead of crashing. */
static void test_dropped_table_is_named(void **state) {
    (void)state;
    char *dir;
    vlm_store *s = open_tmp(&dir);
    put_score(s, 1, "a", "exact", 1.0, true, false);
    side_exec(dir, "DROP TABLE scores");
    struct store_credit c;
    assert_int_equal(store_report_model_credit(s, 1, &c), VLM_ERR_IO);
    assert_non_null(strstr(store_error(s), "reading table scores"));
    assert_non_null(strstr(store_error(s), "no such table"));
    struct vlm_score sc = {0};
    assert_int_equal(store_grade_put_score(s, 1, "s", "b", 0, "exact", &sc), VLM_ERR_IO);
    assert_non_null(strstr(store_error(s), "writing table scores"));

    char err[512] = "";
    json_t *rep = report_build(s, "t.db", err, sizeof err);
    assert_null(rep);
    assert_non_null(strstr(err, "reading 't.db'"));
    assert_non_null(strstr(err, "scores"));
    vlm_store_close(s);
    test_rmdir(dir);
}

/* The last turn and its case row are one transaction: when the case row
 * cannot be written, the turn is not kept either and the case stays unfinished. */
static void test_failed_case_row_leaves_no_half_turn(void **state) {
    (void)state;
    char *dir;
    int64_t m;
    vlm_store *s = open_with_model(&dir, &m);
    vlm_case c = two_turn_case();
    struct vlm_turn_result r = {.turn = 0, .output = "red"};
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, false), VLM_OK);
    side_exec(dir, "ALTER TABLE cases RENAME TO cases_gone");
    r.turn = 1;
    r.output = "blue";
    assert_int_equal(vlm_store_put_turn(s, m, 1, &c, &r, true), VLM_ERR_IO);
    assert_non_null(strstr(store_error(s), "table cases"));
    assert_side(dir, "SELECT count(*) FROM answers", "1"); /* turn 1 rolled back with the case row */
    assert_side(dir, "SELECT count(*) FROM cases_gone", "0");
    assert_false(vlm_store_case_done(s, m, "s", "c1", true));
    vlm_store_close(s);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_settings_guard),
        cmocka_unit_test(test_case_finished_only_after_last_turn),
        cmocka_unit_test(test_error_case_and_retry_rule),
        cmocka_unit_test(test_reset_forgets_partial_turns),
        cmocka_unit_test(test_export_jsonl),
        cmocka_unit_test(test_open_refuses_non_database),
        cmocka_unit_test(test_run_records_the_versions_given),
        cmocka_unit_test(test_model_credit),
        cmocka_unit_test(test_history_of_a_model),
        cmocka_unit_test(test_grade_update_case),
        cmocka_unit_test(test_judgments_kept),
        cmocka_unit_test(test_kl_rows),
        cmocka_unit_test(test_dropped_table_is_named),
        cmocka_unit_test(test_failed_case_row_leaves_no_half_turn),
        cmocka_unit_test(test_case_done_is_per_suite_and_model),
        cmocka_unit_test(test_failed_first_turn_ends_the_case),
        cmocka_unit_test(test_resume_redoes_an_unfinished_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
