/*
 * jpath.c - dotted-path reads of JSON values (jpath.h).
 */
#include "jpath.h"

#include <math.h>
#include <string.h>

const json_t *jpath_get(const json_t *o, const char *path) {
    while (o && path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (!json_is_object(o)) return NULL;
        o = json_object_getn(o, path, len);
        path = dot ? dot + 1 : NULL;
    }
    return o;
}

bool jpath_num(const json_t *o, const char *path, double *v) {
    const json_t *x = jpath_get(o, path);
    if (!json_is_number(x) || !isfinite(json_number_value(x))) return false;
    *v = json_number_value(x);
    return true;
}

const char *jpath_str(const json_t *o, const char *path) {
    const json_t *x = jpath_get(o, path);
    return json_is_string(x) ? json_string_value(x) : NULL;
}

char *jpath_keys_text(const json_t *o, const char *const *keys, int n, bool keep) {
    json_t *t = keep ? json_object() : json_deep_copy(o);
    if (!t) t = json_object(); /* o not an object */
    for (int k = 0; k < n; k++) {
        json_t *v = json_object_get(o, keys[k]);
        if (!keep) json_object_del(t, keys[k]);
        else if (v) json_object_set(t, keys[k], v);
    }
    char *s = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(t);
    return s;
}
