/*
 * testutil.h - what every unit test includes: cmocka and a scratch directory.
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

#endif
