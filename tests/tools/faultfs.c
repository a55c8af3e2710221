/*
 * faultfs.c - an LD_PRELOAD shim that makes a store's disk fail on cue, for
 * the store's fault tests (tests/e2e/test_store_faults.sh; docs/store-schema.md,
 * "Disk faults"). It wraps libc's write, pwrite, pwrite64, writev, fsync and
 * fdatasync (Debian's libsqlite3 calls write, pwrite64 and fdatasync:
 * `nm -D libsqlite3.so.0`) and counts the calls on files whose path starts with
 * FAULTFS_PATH: the store, its -wal and its -journal (its -shm, a shared
 * memory index, is left alone). Environment:
 *
 *   FAULTFS_PATH=PREFIX      the files counted (nothing is counted without it)
 *   FAULTFS_OP=write|fsync   the calls that fail (default write: the four writes)
 *   FAULTFS_ERRNO=ENOSPC|EIO the error they fail with (default ENOSPC)
 *   FAULTFS_AFTER=N          the first N counted calls of that kind succeed,
 *                            every later one fails (the disk stays full);
 *                            unset or negative: none fails
 *   FAULTFS_COUNT=FILE       at exit, write "writes W\nsyncs S\nfailed F\n":
 *                            the counted writes and syncs, and how many failed
 *
 * The first failure is said once on stderr ("faultfs: failing write #N of
 * PATH with ENOSPC"). Counters are atomics: vlmeter writes from several threads.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long n_writes, n_syncs, n_failed;
static atomic_int said;

/* The settings, read once from the environment. */
static const char *prefix;
static int fail_syncs;  /* FAULTFS_OP=fsync */
static int fail_errno;  /* ENOSPC or EIO */
static long fail_after; /* -1: never */
static const char *count_file;

__attribute__((constructor)) static void faultfs_init(void) {
    prefix = getenv("FAULTFS_PATH");
    if (prefix && !*prefix) prefix = NULL;
    const char *op = getenv("FAULTFS_OP"), *err = getenv("FAULTFS_ERRNO"), *after = getenv("FAULTFS_AFTER");
    fail_syncs = op && strcmp(op, "fsync") == 0;
    fail_errno = err && strcmp(err, "EIO") == 0 ? EIO : ENOSPC;
    fail_after = after && *after ? strtol(after, NULL, 10) : -1;
    count_file = getenv("FAULTFS_COUNT");
}

/* FAULTFS_COUNT: the counts, written at exit. */
__attribute__((destructor)) static void faultfs_fini(void) {
    if (!count_file) return;
    FILE *f = fopen(count_file, "w");
    if (!f) return;
    fprintf(f, "writes %ld\nsyncs %ld\nfailed %ld\n", atomic_load(&n_writes), atomic_load(&n_syncs),
            atomic_load(&n_failed));
    fclose(f);
}

/* Whether fd is one of the store's files (not its -shm); *path gets its name. */
static int counted(int fd, char *path, size_t len) {
    if (!prefix || fd < 0) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, len - 1);
    if (n <= 0) return 0;
    path[n] = '\0';
    size_t plen = strlen(prefix);
    if (strncmp(path, prefix, plen) != 0) return 0;
    return !((size_t)n >= 4 && strcmp(path + n - 4, "-shm") == 0);
}

/* Count a call of one kind on fd; true when it must fail (errno is then set). */
static int must_fail(int fd, int is_sync) {
    char path[4096];
    if (!counted(fd, path, sizeof path)) return 0;
    long n = atomic_fetch_add(is_sync ? &n_syncs : &n_writes, 1);
    if (fail_after < 0 || is_sync != fail_syncs || n < fail_after) return 0;
    atomic_fetch_add(&n_failed, 1);
    if (atomic_exchange(&said, 1) == 0)
        fprintf(stderr, "faultfs: failing %s #%ld of %s with %s\n", is_sync ? "sync" : "write", n + 1, path,
                fail_errno == EIO ? "EIO" : "ENOSPC");
    errno = fail_errno;
    return 1;
}

/* libc's own function `name`, found once. */
static void *real(const char *name, void *_Atomic *slot) {
    void *f = atomic_load(slot);
    if (!f) {
        f = dlsym(RTLD_NEXT, name);
        atomic_store(slot, f);
    }
    return f;
}

ssize_t write(int fd, const void *buf, size_t n) {
    static void *_Atomic fn;
    if (must_fail(fd, 0)) return -1;
    return ((ssize_t(*)(int, const void *, size_t))real("write", &fn))(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    static void *_Atomic fn;
    if (must_fail(fd, 0)) return -1;
    return ((ssize_t(*)(int, const void *, size_t, off_t))real("pwrite", &fn))(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
    static void *_Atomic fn;
    if (must_fail(fd, 0)) return -1;
    return ((ssize_t(*)(int, const void *, size_t, off64_t))real("pwrite64", &fn))(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
    static void *_Atomic fn;
    if (must_fail(fd, 0)) return -1;
    return ((ssize_t(*)(int, const struct iovec *, int))real("writev", &fn))(fd, iov, n);
}

int fsync(int fd) {
    static void *_Atomic fn;
    if (must_fail(fd, 1)) return -1;
    return ((int (*)(int))real("fsync", &fn))(fd);
}

int fdatasync(int fd) {
    static void *_Atomic fn;
    if (must_fail(fd, 1)) return -1;
    return ((int (*)(int))real("fdatasync", &fn))(fd);
}
