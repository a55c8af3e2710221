/*
 * import_pylit.c - the Python literals VLMEvalKit's TSV cells hold: a list of
 * images or of accepted answers written as "['a', 'b']", read the way Python's
 * eval() reads it and turned into text the way str() turns each element into
 * text (strings as they are, 12 as "12", 1.50 as "1.5", True as "True").
 * Only lists of strings, numbers, True, False and None are read; anything else
 * is refused, and the caller takes the cell as plain text.
 */
#include "import_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

bool pylit_looks_like_list(const char *s) {
    size_t n = strlen(s);
    return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

void pylit_free(char **items, int n) {
    for (int i = 0; i < n; i++) free(items[i]);
    free(items);
}

/* A growable string. */
struct pylit_buf {
    char *s;
    size_t len, cap;
};

static void buf_add(struct pylit_buf *b, const char *s, size_t n) { util_buf_append(&b->s, &b->len, &b->cap, s, n); }

/* Append code point cp as UTF-8; false for one a C string cannot hold (NUL, a
 * surrogate, past U+10FFFF). */
static bool buf_add_cp(struct pylit_buf *b, unsigned long cp) {
    char u[4];
    int n;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    if (cp < 0x80) u[0] = (char)cp, n = 1;
    else if (cp < 0x800) u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)),
        n = 3;
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3F)), u[2] = (char)(0x80 | (cp >> 6 & 0x3F)),
        u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    buf_add(b, u, (size_t)n);
    return true;
}

/* The value of `len` hex digits at p, or -1. */
static long hex_digits(const char *p, int len) {
    long v = 0;
    for (int i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)p[i])) return -1;
        v = v * 16 + (isdigit((unsigned char)p[i]) ? p[i] - '0' : tolower((unsigned char)p[i]) - 'a' + 10);
    }
    return v;
}

/* One backslash escape of a non-raw string at p (just after the backslash),
 * appended to b. Returns the text after it, or NULL for one Python refuses or
 * a C string cannot hold (\x00, \N{...}). */
static const char *string_escape(const char *p, struct pylit_buf *b) {
    static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
    const char *hit = *p ? strchr(from, *p) : NULL;
    if (hit) {
        buf_add(b, &to[hit - from], 1);
        return p + 1;
    }
    if (*p == '\n') return p + 1; /* a backslash before a newline joins the lines */
    if (*p >= '0' && *p <= '7') {
        unsigned long v = 0;
        int n = 0;
        while (n < 3 && p[n] >= '0' && p[n] <= '7') v = v * 8 + (unsigned long)(p[n++] - '0');
        return buf_add_cp(b, v) ? p + n : NULL;
    }
    int width = *p == 'x' ? 2 : *p == 'u' ? 4 : *p == 'U' ? 8 : 0;
    if (width) {
        long v = hex_digits(p + 1, width);
        return v >= 0 && buf_add_cp(b, (unsigned long)v) ? p + 1 + width : NULL;
    }
    if (*p == 'N' || *p == 0) return NULL;
    buf_add(b, "\\", 1); /* an unknown escape keeps its backslash */
    return p;
}

/* One string literal at p (r/u prefixes; no triple quotes, no byte strings),
 * appended to b. Returns the text after it, or NULL. */
static const char *string_literal(const char *p, struct pylit_buf *b) {
    bool raw = false;
    if (*p == 'r' || *p == 'R') raw = true, p++;
    else if (*p == 'u' || *p == 'U') p++;
    char q = *p++;
    if ((q != '\'' && q != '"') || (p[0] == q && p[1] == q)) return NULL;
    while (*p != q) {
        if (*p == 0 || *p == '\n') return NULL;
        if (*p == '\\' && raw) {
            if (p[1] == 0) return NULL;
            buf_add(b, p, 2); /* a raw string keeps the backslash and what follows */
            p += 2;
        } else if (*p == '\\') {
            p = string_escape(p + 1, b);
            if (!p) return NULL;
        } else {
            buf_add(b, p++, 1);
        }
    }
    return p + 1;
}

static bool starts_string(const char *p) {
    if (*p == 'r' || *p == 'R' || *p == 'u' || *p == 'U') p++;
    return *p == '\'' || *p == '"';
}

/* Digits with single underscores between them ("1_000"), copied to b without
 * the underscores. Returns the text after them (p itself when there are none). */
static const char *digit_run(const char *p, struct pylit_buf *b) {
    const char *start = p;
    while (isdigit((unsigned char)*p) || (*p == '_' && p > start && isdigit((unsigned char)p[1]))) {
        if (*p != '_') buf_add(b, p, 1);
        p++;
    }
    return p;
}

/* A number literal at p with its unary signs, as str() writes it, into b.
 * Returns the text after it, or NULL. */
static const char *number_literal(const char *p, struct pylit_buf *b) {
    bool neg = false;
    for (; *p == '-' || *p == '+' || *p == ' '; p++) neg ^= *p == '-';
    struct pylit_buf num = {0};
    const char *int_end = digit_run(p, &num);
    bool has_int = int_end > p, is_float = false;
    p = int_end;
    if (*p == '.') {
        is_float = true;
        buf_add(&num, ".", 1);
        const char *frac_end = digit_run(p + 1, &num);
        if (!has_int && frac_end == p + 1) p = NULL; /* a lone "." */
        else p = frac_end;
    } else if (!has_int) {
        p = NULL;
    }
    if (p && (*p == 'e' || *p == 'E')) {
        is_float = true;
        buf_add(&num, "e", 1);
        const char *q = p + 1;
        if (*q == '+' || *q == '-') buf_add(&num, q++, 1);
        const char *exp_end = digit_run(q, &num);
        p = exp_end > q ? exp_end : NULL;
    }
    if (p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.')) p = NULL; /* 0x1F, 1j, 1.2.3 */
    if (p && !is_float) {                                                      /* an int: "007" is a syntax error */
        const char *d = num.s;
        while (*d == '0' && d[1]) d++;
        if (d != num.s && *d != '0') p = NULL;
        else {
            bool zero = *d == '0';
            if (neg && !zero) buf_add(b, "-", 1);
            buf_add(b, d, strlen(d));
        }
    } else if (p) {
        double v = strtod(num.s, NULL);
        char *r = pylit_float_repr(neg ? -v : v);
        buf_add(b, r, strlen(r));
        free(r);
    }
    free(num.s);
    return p;
}

/* One element of a list at p: its str() into b. Returns the text after it, or NULL. */
static const char *element(const char *p, struct pylit_buf *b) {
    static const char *const names[] = {"True", "False", "None"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(p, names[i], n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_') {
            buf_add(b, names[i], n);
            return p + n;
        }
    }
    if (!starts_string(p)) return number_literal(p, b);
    while (p && starts_string(p)) { /* 'a' 'b' is one string, "ab" */
        p = string_literal(p, b);
        while (p && isspace((unsigned char)*p)) p++;
    }
    return p;
}

int pylit_list(const char *s, char ***items, int *n) {
    const char *p = s;
    int cap = 0;
    *items = NULL;
    *n = 0;
    while (isspace((unsigned char)*p)) p++;
    if (*p++ != '[') return -1;
    for (;;) {
        while (p && isspace((unsigned char)*p)) p++;
        if (p && *p == ']') break; /* the end, also after a trailing comma */
        struct pylit_buf b = {0};
        buf_add(&b, "", 0);
        p = p ? element(p, &b) : NULL;
        while (p && isspace((unsigned char)*p)) p++;
        if (!p || (*p != ',' && *p != ']')) {
            free(b.s);
            pylit_free(*items, *n);
            *items = NULL;
            *n = 0;
            return -1;
        }
        util_grow((void **)items, &cap, *n + 1, sizeof **items);
        (*items)[(*n)++] = b.s;
        if (*p == ',') p++;
    }
    for (p++; isspace((unsigned char)*p); p++) {}
    if (*p == 0) return 0;
    pylit_free(*items, *n);
    *items = NULL;
    *n = 0;
    return -1;
}

char *pylit_float_repr(double v) {
    if (isnan(v)) return xstrdup("nan");
    if (isinf(v)) return xstrdup(v < 0 ? "-inf" : "inf");
    /* The fewest significant digits that read back as v (Python's repr). */
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    bool neg = e[0] == '-';
    char digits[24];
    int nd = 0;
    const char *q = e + neg;
    for (; *q && *q != 'e'; q++)
        if (isdigit((unsigned char)*q)) digits[nd++] = *q;
    digits[nd] = 0;
    int exp = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = 0;
    char out[64], *o = out;
    if (neg) *o++ = '-';
    if (exp < -4 || exp >= 16) { /* 1.5e+16, 1e-05 */
        o += sprintf(o, "%c", digits[0]);
        if (nd > 1) o += sprintf(o, ".%s", digits + 1);
        sprintf(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) { /* 0.00015 */
        o += sprintf(o, "0.");
        for (int i = 1; i < -exp; i++) *o++ = '0';
        sprintf(o, "%s", digits);
    } else { /* 1500.0, 1.25 */
        for (int i = 0; i <= exp; i++) *o++ = i < nd ? digits[i] : '0';
        sprintf(o, ".%s", nd > exp + 1 ? digits + exp + 1 : "0");
    }
    return xstrdup(out);
}
