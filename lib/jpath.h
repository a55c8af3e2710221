/*
 * jpath.h - reading values out of JSON documents (the report, settings) by a
 * dotted path such as "speed.e2e_ms.p95". The one reader of numbers: it says
 * whether the value is there, so a missing measurement never reads as 0.
 */
#ifndef VLM_JPATH_H
#define VLM_JPATH_H

#include <jansson.h>
#include <stdbool.h>

/* The value at `path` under o: keys separated by '.', each step an object
 * member. NULL when o is NULL, a step is missing or is not an object. */
const json_t *jpath_get(const json_t *o, const char *path);

/* The number at `path`: true with *v set when it is there and finite; false
 * (and *v untouched) when it is missing, null, not a number, NaN or infinite. */
bool jpath_num(const json_t *o, const char *path, double *v);

/* The string at `path`; NULL when missing or not a string. */
const char *jpath_str(const json_t *o, const char *path);

/* Object o as canonical JSON text (compact, keys sorted), keeping only the n
 * keys listed (`keep`) or everything but them (!keep). Settings that are equal
 * but for some keys give the same text; caller frees. */
char *jpath_keys_text(const json_t *o, const char *const *keys, int n, bool keep);

#endif
