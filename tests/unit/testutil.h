/*
 * testutil.h - what every unit test includes: cmocka, a scratch directory, and
 * reading and writing a test's files whole.
 */
#ifndef VLM_TESTUTIL_H
#define VLM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vlmeter.h"

/* A fresh temporary directory for one test; caller frees the string. */
static inline char *test_tmpdir(void) {
    char tmpl[] = "/tmp/vlmtest-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

/* Remove a test's temporary directory and everything in it, then free the name. */
static inline void test_rmdir(char *dir) {
    if (!dir || strncmp(dir, "/tmp/vlmtest-", 13) != 0) return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    free(dir);
}

/* Write `text` to `dir/name`; returns the full path (caller frees). */
static inline char *test_write_file(const char *dir, const char *name, const char *text) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* dir/name as a new string (caller frees). */
static inline char *test_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Write n bytes to path, failing the test when that cannot be done. */
static inline void test_write_bytes(const char *path, const void *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

/* The whole file (caller frees) and its length in *n; fails the test when it cannot be read. */
static inline unsigned char *test_read_bytes(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    rewind(fp);
    unsigned char *b = malloc(*n ? *n : 1);
    assert_int_equal(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

#endif
