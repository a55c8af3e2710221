/*
 * store_claims.c - table claims: which vlmeter process is running which model
 * of the store now, so that two `vlmeter run` on one store never answer the
 * same model twice (docs/store-schema.md, "Claims"). A claim names its owner
 * by pid, the process's start time (/proc/PID/stat field 22: a reused pid has
 * another) and host; an owner that is gone leaves a stale claim, which the next
 * claimant takes over. WAL mode keeps every writer of a store on one host, so
 * a claim made on another host (a store copied here) is stale too.
 */
#include "store_impl.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int64_t store_process_start(long pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold spaces and ')', so count
     * fields from the last ')'; starttime is field 22, the 20th after it. */
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    for (int field = 2; field < 22 && p; field++) p = strchr(p + 1, ' ');
    long long start = -1;
    if (!p || sscanf(p + 1, "%lld", &start) != 1) return -1;
    return start;
}

/* This machine's host name ("" when it has none). */
static void this_host(char *out, size_t len) {
    if (gethostname(out, len) != 0) out[0] = '\0';
    out[len - 1] = '\0';
}

bool store_claim_owner_alive(long pid, int64_t pid_start, const char *host) {
    char here[256];
    this_host(here, sizeof here);
    if (host && strcmp(host, here) != 0) return false; /* a store copied from elsewhere */
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) return false;
    return store_process_start(pid) == pid_start; /* another start: the pid was reused */
}

/* The claim on model_id, if any, into *owner; *found says whether there is one. */
static int read_claim(vlm_store *s, int64_t model_id, struct store_claim *owner, bool *found) {
    store_q q;
    memset(owner, 0, sizeof *owner);
    *found = false;
    if (store_q_prepare(s, &q, "reading table claims",
                        "SELECT pid, pid_start, host, run_id, since FROM claims WHERE model_id=?1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    if (store_q_row(&q)) {
        *found = true;
        owner->pid = (long)store_col_int(&q, 0);
        owner->pid_start = store_col_int(&q, 1);
        snprintf(owner->host, sizeof owner->host, "%s", store_col_text(&q, 2) ? store_col_text(&q, 2) : "");
        owner->run_id = store_col_int(&q, 3);
        snprintf(owner->since, sizeof owner->since, "%s", store_col_text(&q, 4) ? store_col_text(&q, 4) : "");
    }
    return store_q_end(&q, VLM_OK);
}

/* Write this process's claim on model_id (replacing a stale one). */
static int write_claim(vlm_store *s, int64_t model_id, int64_t run_id) {
    char host[256];
    this_host(host, sizeof host);
    store_q q;
    if (store_q_prepare(s, &q, "writing table claims",
                        "INSERT OR REPLACE INTO claims(model_id, pid, pid_start, host, run_id, since)"
                        " VALUES(?1,?2,?3,?4,?5,strftime('%Y-%m-%dT%H:%M:%SZ','now'))") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_int(&q, 2, getpid());
    store_bind_int(&q, 3, store_process_start(getpid()));
    store_bind_text(&q, 4, host);
    store_bind_int(&q, 5, run_id);
    return store_q_write(&q);
}

/* Whether a claim read back is this very process's. */
static bool is_mine(const struct store_claim *c) {
    return c->pid == (long)getpid() && c->pid_start == store_process_start(getpid());
}

int store_claim_model(vlm_store *s, int64_t model_id, int64_t run_id, enum store_claim_result *result,
                      struct store_claim *owner) {
    *result = CLAIM_TAKEN;
    if (store_begin(s) != VLM_OK) return VLM_ERR_IO;
    bool found = false;
    int rc = read_claim(s, model_id, owner, &found);
    if (rc == VLM_OK && found && !is_mine(owner)) {
        if (store_claim_owner_alive(owner->pid, owner->pid_start, owner->host[0] ? owner->host : NULL))
            *result = CLAIM_BUSY;
        else *result = CLAIM_TAKEN_OVER;
    }
    if (rc == VLM_OK && *result != CLAIM_BUSY) rc = write_claim(s, model_id, run_id);
    if (rc == VLM_OK) rc = store_commit(s);
    if (rc != VLM_OK) store_rollback(s);
    return rc;
}

int store_claim_release(vlm_store *s, int64_t model_id) {
    store_q q;
    if (store_q_prepare(s, &q, "deleting from table claims",
                        "DELETE FROM claims WHERE (?1 < 0 OR model_id=?1) AND pid=?2 AND pid_start=?3") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    store_bind_int(&q, 2, getpid());
    store_bind_int(&q, 3, store_process_start(getpid()));
    return store_q_write(&q);
}
