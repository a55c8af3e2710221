/*
 * test_store_claims.c - table claims (store_claims.c): a free model is taken,
 * a live owner's claim is refused, a claim whose process is gone (dead pid,
 * reused pid: another start time, another host) is taken over, a release
 * drops only this process's claims; and a full disk (SQLITE_FULL, made with
 * PRAGMA max_page_count) named by store_fault with no half-written case.
 */
#include "testutil.h"

#include "store.h"
#include "store_impl.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
    char *dir;
    char path[512];
    vlm_store *s;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    char err[256];
    f->s = vlm_store_open(f->path, err, sizeof err);
    assert_non_null(f->s);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    vlm_store_close(f->s);
    test_rmdir(f->dir);
    free(f);
    return 0;
}

/* Write a claim row as another process would, through a connection of its own. */
static void put_claim(const char *path, long model_id, long pid, long long start, const char *host) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *sql = sqlite3_mprintf("INSERT OR REPLACE INTO claims(model_id, pid, pid_start, host, run_id, since)"
                                " VALUES(%ld, %ld, %lld, %Q, 7, '2026-01-02T03:04:05Z')",
                                model_id, pid, start, host);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
}

/* The pid holding the claim on model_id; 0 when none. */
static long claim_pid(vlm_store *s, long model_id) {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT pid FROM claims WHERE model_id=?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, model_id);
    long pid = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return pid;
}

static const char *host(void) {
    static char h[256];
    if (gethostname(h, sizeof h) != 0) h[0] = '\0';
    return h;
}

/* A pid that was a process a moment ago and is gone (reaped). */
static long dead_pid(void) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    assert_true(p > 0);
    assert_int_equal(waitpid(p, NULL, 0), p);
    return (long)p;
}

static void test_free_model_taken_and_released(void **state) {
    struct fixture *f = *state;
    enum store_claim_result got = CLAIM_BUSY;
    struct store_claim owner;
    assert_int_equal(store_claim_model(f->s, 1, 3, &got, &owner), VLM_OK);
    assert_int_equal(got, CLAIM_TAKEN);
    assert_int_equal(claim_pid(f->s, 1), (long)getpid());
    /* its own claim again: still taken, not refused */
    assert_int_equal(store_claim_model(f->s, 1, 3, &got, &owner), VLM_OK);
    assert_int_equal(got, CLAIM_TAKEN);
    assert_int_equal(store_claim_release(f->s, 1), VLM_OK);
    assert_int_equal(claim_pid(f->s, 1), 0);
}

static void test_live_claim_refused(void **state) {
    struct fixture *f = *state;
    long parent = (long)getppid(); /* alive for as long as this test runs */
    put_claim(f->path, 2, parent, (long long)store_process_start(parent), host());
    enum store_claim_result got = CLAIM_TAKEN;
    struct store_claim owner;
    assert_int_equal(store_claim_model(f->s, 2, 3, &got, &owner), VLM_OK);
    assert_int_equal(got, CLAIM_BUSY);
    assert_int_equal(owner.pid, parent);
    assert_string_equal(owner.since, "2026-01-02T03:04:05Z");
    assert_int_equal(claim_pid(f->s, 2), parent); /* left as it was */
    /* releasing every claim of this process leaves the other's */
    assert_int_equal(store_claim_release(f->s, -1), VLM_OK);
    assert_int_equal(claim_pid(f->s, 2), parent);
}

static void test_dead_owner_taken_over(void **state) {
    struct fixture *f = *state;
    long gone = dead_pid();
    put_claim(f->path, 3, gone, 12345, host());
    enum store_claim_result got = CLAIM_BUSY;
    struct store_claim owner;
    assert_int_equal(store_claim_model(f->s, 3, 4, &got, &owner), VLM_OK);
    assert_int_equal(got, CLAIM_TAKEN_OVER);
    assert_int_equal(owner.pid, gone);
    assert_int_equal(claim_pid(f->s, 3), (long)getpid());
}

static void test_reused_pid_taken_over(void **state) {
    struct fixture *f = *state;
    long parent = (long)getppid(); /* a live pid, but not the process that claimed: another start */
    put_claim(f->path, 4, parent, (long long)store_process_start(parent) + 1, host());
    enum store_claim_result got = CLAIM_BUSY;
    struct store_claim owner;
    assert_int_equal(store_claim_model(f->s, 4, 4, &got, &owner), VLM_OK);
    assert_int_equal(got, CLAIM_TAKEN_OVER);
    assert_int_equal(claim_pid(f->s, 4), (long)getpid());
}

static void test_other_host_taken_over(void **state) {
    struct fixture *f = *state;
    long parent = (long)getppid();
    put_claim(f->path, 5, parent, (long long)store_process_start(parent), "a-store-copied-from-elsewhere");
    enum store_claim_result got = CLAIM_BUSY;
    struct store_claim owner;
    assert_int_equal(store_claim_model(f->s, 5, 4, &got, &owner), VLM_OK);
    assert_int_equal(got, CLAIM_TAKEN_OVER);
}

static void test_process_start(void **state) {
    (void)state;
    /* started after its parent: a later (or equal, same tick) start time */
    int64_t me = store_process_start(getpid()), parent = store_process_start(getppid());
    assert_true(me > 0 && parent > 0 && me >= parent);
    assert_int_equal(store_process_start(dead_pid()), -1);
    assert_false(store_claim_owner_alive(dead_pid(), me, NULL));
    assert_true(store_claim_owner_alive(getpid(), me, NULL));
    assert_false(store_claim_owner_alive(getpid(), me + 1, NULL));
}

/* A full disk while a two-turn case is stored: its turn 1 fails with
 * SQLITE_FULL, named by store_fault, and the case is not half-written (turn 0
 * is stored, no cases row: the case is not finished); a finished case before
 * it is kept. */
static void test_full_disk_named_no_half_case(void **state) {
    struct fixture *f = *state;
    char err[256];
    int64_t m = 0;
    assert_int_equal(vlm_store_model(f->s, "m", "{}", &m, err, sizeof err), VLM_OK);
    static const char *turns[] = {"a", "b"};
    vlm_case done = {.suite = "s", .id = "done", .scorer = "exact", .where = "s:1", .n_turns = 1, .turns = turns};
    vlm_case two = {.suite = "s", .id = "two", .scorer = "exact", .where = "s:2", .n_turns = 2, .turns = turns};
    struct vlm_turn_result r;
    memset(&r, 0, sizeof r);
    r.output = "ok";
    assert_int_equal(vlm_store_put_turn(f->s, m, 1, &done, &r, true), VLM_OK);
    assert_int_equal(vlm_store_put_turn(f->s, m, 1, &two, &r, false), VLM_OK);
    assert_null(store_fault(f->s));
    /* no page more than the store has now: the next growth is a full disk */
    assert_int_equal(sqlite3_exec(f->s->db, "PRAGMA max_page_count = 1", NULL, NULL, NULL), SQLITE_OK);
    static char big[64 * 1024];
    memset(big, 'x', sizeof big - 1);
    r.turn = 1;
    r.output = big;
    assert_int_equal(vlm_store_put_turn(f->s, m, 1, &two, &r, true), VLM_ERR_IO);
    assert_string_equal(store_fault(f->s), "disk full (SQLITE_FULL)");
    assert_true(store_fault_is_full(f->s));
    assert_true(vlm_store_case_done(f->s, m, "s", "done", false));
    assert_false(vlm_store_case_done(f->s, m, "s", "two", true));
    int64_t n = 0;
    assert_int_equal(store_count_cases(f->s, &n), VLM_OK);
    assert_int_equal(n, 1);
    sqlite3_stmt *st = NULL; /* the failed turn rolled back: turn 0 alone is there */
    assert_int_equal(
        sqlite3_prepare_v2(f->s->db, "SELECT group_concat(turn) FROM answers WHERE case_id='two'", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "0");
    sqlite3_finalize(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_free_model_taken_and_released, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_claim_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_owner_taken_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_pid_taken_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_host_taken_over, setup, teardown),
        cmocka_unit_test(test_process_start),
        cmocka_unit_test_setup_teardown(test_full_disk_named_no_half_case, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
