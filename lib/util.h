/*
 * util.h - small helpers shared by the library's modules: error messages,
 * owned strings, growable arrays, paths and the clock. Not part of the public API.
 */
#ifndef VLM_UTIL_H
#define VLM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Format a message into a caller's error buffer (NULL-safe). */
void util_errf(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Format a line and hand it to a caller's on_message hook (nothing when NULL). */
void util_say(void (*on_message)(const char *line, void *user), void *user, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* malloc/strdup that never return NULL: out of memory aborts (not user data). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of elements of `size` bytes) so it holds at least `need`. */
void util_grow(void **arr, int *cap, int need, size_t size);

/* "data:MIME;base64,..." of n bytes; caller frees. */
char *util_data_uri(const char *mime, const unsigned char *p, size_t n);

/* Append n bytes of s to the growable string *buf (length *len, capacity
 * *cap), keeping it NUL-terminated. */
void util_buf_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n);

/* Monotonic clock in milliseconds. */
double util_now_ms(void);

/* Size of a file in bytes, 0 when it cannot be stat'ed. */
uint64_t util_file_size(const char *path);

/* Directory part of a path ("." when none); caller frees. */
char *util_dirname(const char *path);

/* `rel` resolved against directory `dir` (kept when absolute); caller frees. */
char *util_path_join(const char *dir, const char *rel);

/* mkdir -p; returns 0 or -1 with errno. */
int util_mkdirs(const char *path);

/* The code point at s (n > 0 bytes left); *len gets its length in bytes. Invalid
 * UTF-8 (bad lead or continuation byte, overlong form, surrogate, past
 * U+10FFFF) decodes as UTIL_UTF8_BAD (U+FFFD) and consumes one byte. */
#define UTIL_UTF8_BAD 0xFFFDu
/* Write at most `max_chars` characters of `s` as HTML text, safe in element
 * content, in quoted attributes and in SVG: & < > " ' become references,
 * control characters (but tab, CR, LF) and invalid UTF-8 become U+FFFD. A cut
 * string ends in "…" (SIZE_MAX: never cut). NULL writes nothing. The HTML
 * report and the review pages of `vlmeter serve` escape with it. */
void util_html_escape(FILE *out, const char *s, size_t max_chars);

/* Write s (NULL: nothing) with < > & " as XML entities: text or an attribute
 * value of the HTML report's inline SVG charts. */
void util_xml_escape(FILE *out, const char *s);

uint32_t util_utf8_decode(const unsigned char *s, size_t n, int *len);

/* Whether the n bytes at s are valid UTF-8 text holding no NUL (what a store
 * keeps from a person: a verdict's comment, a reviewer's name, a form field). */
bool util_utf8_valid(const char *s, size_t n);

/* Cut a string that snprintf truncated inside a multi-byte UTF-8 sequence. */
void util_utf8_trim_partial(char *s);

/* Whether pandas.read_csv reads cell text s as a missing value (NaN): "", "NA",
 * "None", "null", ... (its default na_values). VLMEvalKit's TSVs and
 * prediction files are read that way. */
bool util_pandas_na(const char *s);

/* Decode standard base64 (whitespace ignored, '=' padding only at the end).
 * Returns the bytes (caller frees; *out_len of them) or NULL with why saying
 * where it went wrong. */
/* A decimal number at p: an optional sign, digits, an optional fraction ('.'
 * and digits) and, with `exponent`, an optional e[+-]digits; *v its value.
 * Returns the first character past it, or NULL when p holds no digits. */
const char *util_read_decimal(const char *p, bool exponent, double *v);

unsigned char *util_b64_decode(const char *s, size_t *out_len, char *why, size_t why_len);

#endif
