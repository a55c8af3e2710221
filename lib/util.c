/*
 * util.c - error formatting, checked allocation, base64 data URIs, paths and
 * the clock.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void util_errf(char *err, size_t err_len, const char *fmt, ...) {
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

void util_say(void (*on_message)(const char *line, void *user), void *user, const char *fmt, ...) {
    if (!on_message) return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    on_message(line, user);
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return check(strdup(s ? s : "")); }

char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) check(NULL);
    return s;
}

char *util_data_uri(const char *mime, const unsigned char *p, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t head = strlen("data:;base64,") + strlen(mime);
    char *s = xmalloc(head + (n + 2) / 3 * 4 + 1);
    char *o = s + sprintf(s, "data:%s;base64,", mime);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = 0;
    return s;
}

void util_grow(void **arr, int *cap, int need, size_t size) {
    if (need <= *cap) return;
    int n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    *arr = xrealloc(*arr, (size_t)n * size);
    *cap = n;
}

void util_buf_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n) {
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap : 64;
        while (want < *len + n + 1) want *= 2;
        *buf = xrealloc(*buf, want);
        *cap = want;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = 0;
}

double util_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

uint64_t util_file_size(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

char *util_dirname(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *util_path_join(const char *dir, const char *rel) {
    if (rel[0] == '/' || !dir || !dir[0]) return xstrdup(rel);
    return xasprintf("%s/%s", dir, rel);
}

int util_mkdirs(const char *path) {
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* The code point at s (n > 0 bytes left); *len gets its length in bytes. A bad
 * lead or continuation byte, an overlong form, a surrogate or a value past
 * U+10FFFF decodes as U+FFFD and consumes one byte. */
uint32_t util_utf8_decode(const unsigned char *s, size_t n, int *len) {
    unsigned c = s[0];
    *len = 1;
    if (c < 0x80) return c;
    int k;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else return UTIL_UTF8_BAD;
    if ((size_t)k >= n) return UTIL_UTF8_BAD;
    for (int i = 1; i <= k; i++) {
        if ((s[i] & 0xC0) != 0x80) return UTIL_UTF8_BAD;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return UTIL_UTF8_BAD;
    *len = k + 1;
    return cp;
}

void util_utf8_trim_partial(char *s) {
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    if (i == 0) return;
    unsigned lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (need > n - (i - 1)) s[i - 1] = '\0';
}

bool util_pandas_na(const char *s) {
    static const char *const na[] = {"",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
                                     "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
                                     "NaN",  "None",   "n/a",      "nan",  "null"};
    for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
        if (strcmp(s, na[i]) == 0) return true;
    return false;
}

/* ------------------------------------------------------------ base64 */

static int util_b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

unsigned char *util_b64_decode(const char *s, size_t *out_len, char *why, size_t why_len) {
    size_t n = strlen(s), o = 0, pad = 0;
    unsigned char *out = xmalloc(n / 4 * 3 + 3);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        int v = c == '=' ? 0 : util_b64_value(c);
        if (v < 0 || (pad > 0 && c != '=')) {
            snprintf(why, why_len, "invalid base64 at character %zu", i + 1);
            free(out);
            return NULL;
        }
        if (c == '=' && ++pad > 2) break;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (pad > 2 || (bits >= 6 && pad == 0) || o < pad) {
        snprintf(why, why_len, "invalid base64: the data is cut short");
        free(out);
        return NULL;
    }
    *out_len = o - pad;
    return out;
}

const char *util_read_decimal(const char *p, bool exponent, double *v) {
    const char *s = p;
    if (*p == '-' || *p == '+') p++;
    const char *digits = p;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
        p++;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (p == digits) return NULL;
    if (exponent && (*p == 'e' || *p == 'E') &&
        ((p[1] >= '0' && p[1] <= '9') || ((p[1] == '-' || p[1] == '+') && p[2] >= '0' && p[2] <= '9'))) {
        p += 2;
        while (*p >= '0' && *p <= '9') p++;
    }
    char buf[64];
    size_t n = (size_t)(p - s) < sizeof buf - 1 ? (size_t)(p - s) : sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *v = strtod(buf, NULL);
    return p;
}

bool util_utf8_valid(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        int len = 1;
        uint32_t cp = util_utf8_decode((const unsigned char *)s + i, n - i, &len);
        if (cp == 0 || (cp == UTIL_UTF8_BAD && len == 1)) return false;
        i += (size_t)len;
    }
    return true;
}

void util_html_escape(FILE *out, const char *s, size_t max_chars) {
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    for (size_t n = 0; left; n++) {
        if (n == max_chars) {
            fputs("\xE2\x80\xA6", out);
            return;
        }
        int len;
        uint32_t cp = util_utf8_decode(p, left, &len);
        switch (cp) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\t':
        case '\n':
        case '\r': fputc((int)cp, out); break;
        case UTIL_UTF8_BAD: fputs("\xEF\xBF\xBD", out); break;
        default:
            if (cp < 0x20 || cp == 0x7F) fputs("\xEF\xBF\xBD", out);
            else fwrite(p, 1, (size_t)len, out);
        }
        p += len;
        left -= (size_t)len;
    }
}

void util_xml_escape(FILE *out, const char *s) {
    for (; s && *s; s++) {
        if (*s == '<') fputs("&lt;", out);
        else if (*s == '>') fputs("&gt;", out);
        else if (*s == '&') fputs("&amp;", out);
        else if (*s == '"') fputs("&quot;", out);
        else fputc(*s, out);
    }
}
