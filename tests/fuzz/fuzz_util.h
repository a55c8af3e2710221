/*
 * fuzz_util.h - what the libFuzzer harnesses of tests/fuzz/ share: a private
 * scratch folder per process, writing an input to a file there (for parsers that
 * only read files), NUL-terminated copies of an input or of its parts split at a
 * separator byte. Header-only: each harness is one file (docs/fuzzing.md).
 */
#ifndef VLM_FUZZ_UTIL_H
#define VLM_FUZZ_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where a harness stores what it read from a parser's result, so that the
 * reads are not optimized away (ASan checks only the reads that happen). */
volatile size_t fuzz_sink;

/* The folder a harness writes its files into: made once per process under
 * $TMPDIR (or /tmp) and removed at exit by fuzz_remove_tree. */
static char fuzz_dir_path[256];

/* nftw's visitor: removes one file or (emptied) folder. */
static inline int fuzz_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

/* Remove `path` and everything under it (a small tree of the harness's own
 * files), in process: a shell per input would cost more than the parser. */
static inline void fuzz_remove_tree(const char *path) {
    if (nftw(path, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        fprintf(stderr, "fuzz: could not remove %s\n", path);
}

static inline void fuzz_cleanup(void) {
    if (fuzz_dir_path[0]) fuzz_remove_tree(fuzz_dir_path);
}

/* The scratch folder (made on the first call); aborts when it cannot be made,
 * since no input could be tried. */
static inline const char *fuzz_dir(void) {
    if (fuzz_dir_path[0]) return fuzz_dir_path;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/vlmeter-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir_path)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fuzz_cleanup);
    return fuzz_dir_path;
}

/* Write the input to FUZZ_DIR/NAME (replacing it) and return that path in
 * `path`; aborts on a write error, which is the machine's fault, not the input's. */
static inline void fuzz_write_file(const char *name, const uint8_t *data, size_t size, char *path, size_t path_len) {
    snprintf(path, path_len, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input");
        abort();
    }
}

/* A NUL-terminated copy of the input (bytes after an embedded NUL are then
 * invisible to string parsers, as they would be in the program). Caller frees. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Split the input at each `sep` byte into at most `max` NUL-terminated parts
 * (the last part keeps any further separators). Returns the number of parts
 * (at least 1); parts[0]'s buffer holds them all: free(parts[0]) only. */
static inline int fuzz_split(const uint8_t *data, size_t size, char sep, char **parts, int max) {
    char *all = fuzz_strndup(data, size);
    int n = 1;
    parts[0] = all;
    for (size_t i = 0; i < size && n < max; i++) {
        if (all[i] != sep) continue;
        all[i] = '\0';
        parts[n++] = all + i + 1;
    }
    return n;
}

#endif
