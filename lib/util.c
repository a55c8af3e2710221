/*
 * util.c - error formatting, checked allocation, paths and the clock.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void vlm_errf(char *err, size_t err_len, const char *fmt, ...) {
    if (!err || err_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static void *check(void *p) {
    if (!p) {
        fputs("vlmeter: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *vlm_xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *vlm_xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *vlm_xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *vlm_xstrdup(const char *s) { return check(strdup(s ? s : "")); }

char *vlm_xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) check(NULL);
    return s;
}

void vlm_grow(void **arr, int *cap, int need, size_t size) {
    if (need <= *cap) return;
    int n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    *arr = vlm_xrealloc(*arr, (size_t)n * size);
    *cap = n;
}

double vlm_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

uint64_t vlm_file_size(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

char *vlm_dirname(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return vlm_xstrdup(".");
    if (slash == path) return vlm_xstrdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *vlm_path_join(const char *dir, const char *rel) {
    if (rel[0] == '/' || !dir || !dir[0]) return vlm_xstrdup(rel);
    return vlm_xasprintf("%s/%s", dir, rel);
}

int vlm_mkdirs(const char *path) {
    char *p = vlm_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) { free(p); return -1; }
        *s = '/';
    }
    int rc = mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}
