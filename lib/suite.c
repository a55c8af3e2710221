/*
 * suite.c - test suites: parsing JSONL v1 files into cases (docs/suite-format.md),
 * checking image paths against the suite's folder, and the built-in demo suite
 * (a small probe suite, lib/probe.c).
 * A suite owns every string and array its cases point to (one arena).
 */
#include "vlmeter.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "arena.h"
#include "suite.h"
#include "suite_gen.h"
#include "util.h"

struct vlm_suite {
    const char *path; /* as given to vlm_suite_load */
    const char *name; /* file name without folder and .jsonl */
    const char *dir;  /* the suite's folder, absolute and symlink-free */
    vlm_case *cases;
    int n_cases, cap_cases;
    vlm_arena arena;
};

/* What parsing one line needs to know. */
struct line_ctx {
    vlm_suite *s;
    struct vlm_suite_params params;
    json_t *ids; /* id -> line number where it was first seen */
    int line;
    char why[1024];
};

#define IMAGE_MARKER "<image>"

struct vlm_suite_params vlm_suite_default_params(void) {
    return (struct vlm_suite_params){.allow_outside = false};
}

/* ------------------------------------------------------------ paths */

#define MAX_LINK_HOPS 40 /* as Linux's limit on symlinks followed in one lookup */

static char *resolve_path_hops(const char *path, int hops);

/* Where the symlink `link` (in the resolved folder `parent`) points, resolved in
 * turn; NULL when `link` is no symlink or too many links were followed. A link
 * whose target is missing is resolved here, so that it is judged by its target
 * too (realpath fails on it). Caller frees. */
static char *resolve_dangling_link(const char *link, const char *parent, int hops) {
    char target[PATH_MAX];
    ssize_t n = hops < MAX_LINK_HOPS ? readlink(link, target, sizeof target - 1) : -1;
    if (n < 0) return NULL;
    target[n] = '\0';
    char *joined = util_path_join(parent, target);
    char *resolved = resolve_path_hops(joined, hops + 1);
    free(joined);
    return resolved;
}

/* `path` (absolute) with ".", ".." and symlinks resolved as far as the file
 * system allows: the part that exists goes through realpath(3), a symlink to a
 * missing file by its target, the missing rest is normalized lexically. Caller
 * frees. */
static char *resolve_path_hops(const char *path, int hops) {
    char *real = realpath(path, NULL);
    if (real) return real;
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(path);
    char *parent_path = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
    char *parent = resolve_path_hops(parent_path, hops);
    free(parent_path);
    const char *base = slash + 1;
    if (strcmp(base, "") == 0 || strcmp(base, ".") == 0) return parent;
    if (strcmp(base, "..") == 0) {
        char *up = util_dirname(parent);
        free(parent);
        return up;
    }
    char *joined = xasprintf("%s%s%s", parent, strcmp(parent, "/") ? "/" : "", base);
    char *target = resolve_dangling_link(joined, parent, hops);
    free(parent);
    if (!target) return joined;
    free(joined);
    return target;
}

static char *resolve_path(const char *path) { return resolve_path_hops(path, 0); }

static bool path_is_inside(const char *path, const char *dir) {
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0) return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The suite's folder as an absolute, symlink-free path. Caller frees. */
static char *suite_folder(const char *suite_path) {
    char *dir = util_dirname(suite_path);
    if (dir[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        char *abs = util_path_join(cwd ? cwd : "/", dir);
        free(cwd);
        free(dir);
        dir = abs;
    }
    char *real = resolve_path(dir);
    free(dir);
    return real;
}

/* The name a suite goes by: its file name without folder and ".jsonl". */
static const char *suite_name(vlm_arena *a, const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    const char *ext = ".jsonl";
    size_t ext_n = strlen(ext);
    if (n > ext_n && strcmp(base + n - ext_n, ext) == 0) n -= ext_n;
    return arena_strndup(a, base, n);
}

/* ------------------------------------------------------------ cases */

static vlm_case *append_case(vlm_suite *s, int line) {
    util_grow((void **)&s->cases, &s->cap_cases, s->n_cases + 1, sizeof *s->cases);
    vlm_case *c = &s->cases[s->n_cases++];
    memset(c, 0, sizeof *c);
    c->suite = s->name;
    c->category = "";
    c->scorer = "";
    c->where = arena_take(&s->arena, xasprintf("%s:%d", s->path, line));
    return c;
}

static bool id_taken(struct line_ctx *x, const char *id) { return json_object_get(x->ids, id) != NULL; }

static void remember_id(struct line_ctx *x, const char *id) { json_object_set_new(x->ids, id, json_integer(x->line)); }

/* "line-N" (or "line-N-2", ... should a case already use that id). */
static const char *fallback_id(struct line_ctx *x) {
    char *id = xasprintf("line-%d", x->line);
    for (int k = 2; id_taken(x, id); k++) {
        free(id);
        id = xasprintf("line-%d-%d", x->line, k);
    }
    remember_id(x, id);
    return arena_take(&x->s->arena, id);
}

/* Turn `c` into a malformed case that says why; keeps no partial fields. */
static void mark_malformed(struct line_ctx *x, vlm_case *c, const char *id) {
    const char *where = c->where;
    memset(c, 0, sizeof *c);
    c->suite = x->s->name;
    c->category = "";
    c->scorer = "";
    c->where = where;
    c->id = id ? id : fallback_id(x);
    c->error = arena_take(&x->s->arena, xasprintf("%s: %s", where, x->why));
}

static int fail(struct line_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct line_ctx *x, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->why, sizeof x->why, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------------------ fields */

/* An optional string field; "" when absent. */
static int read_optional_string(struct line_ctx *x, json_t *obj, const char *key, const char **out) {
    json_t *v = json_object_get(obj, key);
    if (!v) return 0;
    if (!json_is_string(v)) return fail(x, "'%s' must be a string", key);
    *out = arena_strdup(&x->s->arena, json_string_value(v));
    return 0;
}

/* A list of strings given either as array `many` or as one string `one` (which
 * may be NULL when there is no single form). Absent: *n = 0. */
static int read_string_list(struct line_ctx *x, json_t *obj, const char *many, const char *one, const char ***out,
                            int *n) {
    json_t *arr = json_object_get(obj, many);
    json_t *single = one ? json_object_get(obj, one) : NULL;
    *n = 0;
    if (arr && single) return fail(x, "give '%s' or '%s', not both", many, one);
    if (single) {
        if (!json_is_string(single) || json_string_length(single) == 0)
            return fail(x, "'%s' must be a non-empty string", one);
        *out = arena_alloc(&x->s->arena, sizeof **out);
        (*out)[0] = arena_strdup(&x->s->arena, json_string_value(single));
        *n = 1;
        return 0;
    }
    if (!arr) return 0;
    if (!json_is_array(arr)) return fail(x, "'%s' must be an array of strings", many);
    size_t len = json_array_size(arr);
    if (len > INT_MAX / 2) return fail(x, "'%s' has too many entries", many);
    *out = arena_alloc(&x->s->arena, (len ? len : 1) * sizeof **out);
    for (size_t i = 0; i < len; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return fail(x, "%s[%zu] must be a non-empty string", many, i);
        (*out)[i] = arena_strdup(&x->s->arena, json_string_value(v));
    }
    *n = (int)len;
    return 0;
}

static int read_id(struct line_ctx *x, json_t *obj, const char **id) {
    json_t *v = json_object_get(obj, "id");
    if (!v) return fail(x, "missing 'id'");
    if (!json_is_string(v) || json_string_length(v) == 0) return fail(x, "'id' must be a non-empty string");
    const char *text = json_string_value(v);
    json_t *first = json_object_get(x->ids, text);
    if (first) return fail(x, "duplicate id '%s' (first at line %d)", text, (int)json_integer_value(first));
    remember_id(x, text);
    *id = arena_strdup(&x->s->arena, text);
    return 0;
}

/* images[i] as an absolute path, refused when it leaves the suite's folder. */
static int resolve_image(struct line_ctx *x, const char *label, const char *rel, const char **out) {
    char *joined = util_path_join(x->s->dir, rel);
    char *abs = resolve_path(joined);
    free(joined);
    if (!x->params.allow_outside && !path_is_inside(abs, x->s->dir)) {
        free(abs);
        return fail(x, "%s '%s' leaves the suite folder; pass --allow-outside to allow", label, rel);
    }
    *out = arena_take(&x->s->arena, abs);
    return 0;
}

static int read_images(struct line_ctx *x, json_t *obj, vlm_case *c) {
    if (read_string_list(x, obj, "images", "image", &c->images, &c->n_images) != 0) return -1;
    bool single = json_object_get(obj, "image") != NULL;
    for (int i = 0; i < c->n_images; i++) {
        char label[32];
        if (single) snprintf(label, sizeof label, "image");
        else snprintf(label, sizeof label, "images[%d]", i);
        if (resolve_image(x, label, c->images[i], &c->images[i]) != 0) return -1;
    }
    return 0;
}

static int read_turns(struct line_ctx *x, json_t *obj, vlm_case *c) {
    if (read_string_list(x, obj, "turns", "prompt", &c->turns, &c->n_turns) != 0) return -1;
    if (c->n_turns == 0) {
        if (json_object_get(obj, "turns")) return fail(x, "'turns' must hold at least one prompt");
        return fail(x, "missing 'turns' (or 'prompt' for a single turn)");
    }
    return 0;
}

/* One turn's expected answer as compact JSON text; NULL for JSON null. */
static const char *expected_text(struct line_ctx *x, json_t *v) {
    if (json_is_null(v)) return NULL;
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    return text ? arena_take(&x->s->arena, text) : NULL;
}

static int read_expected(struct line_ctx *x, json_t *obj, vlm_case *c) {
    json_t *per_turn = json_object_get(obj, "expected");
    json_t *answer = json_object_get(obj, "answer");
    c->expected = arena_alloc(&x->s->arena, (size_t)c->n_turns * sizeof *c->expected);
    if (per_turn && answer) return fail(x, "give 'expected' or 'answer', not both");
    if (answer) {
        if (c->n_turns != 1)
            return fail(x, "'answer' is for single-turn cases; give 'expected' with one "
                           "entry per turn");
        c->expected[0] = expected_text(x, answer);
        return 0;
    }
    if (!per_turn) return 0;
    if (!json_is_array(per_turn) || json_array_size(per_turn) != (size_t)c->n_turns)
        return fail(x, "'expected' must be an array with one entry per turn (%d %s)", c->n_turns,
                    c->n_turns == 1 ? "turn" : "turns");
    for (int i = 0; i < c->n_turns; i++) c->expected[i] = expected_text(x, json_array_get(per_turn, (size_t)i));
    return 0;
}

static int count_markers(const char *text) {
    int n = 0;
    for (const char *p = strstr(text, IMAGE_MARKER); p; p = strstr(p + 1, IMAGE_MARKER)) n++;
    return n;
}

/* Optional `category`: a string, or an array of strings for a case counted
 * under each of several categories (then `categories` keeps the array). */
static int read_category(struct line_ctx *x, json_t *obj, vlm_case *c) {
    json_t *v = json_object_get(obj, "category");
    if (!v || json_is_string(v)) return read_optional_string(x, obj, "category", &c->category);
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    bool strings = n > 0;
    for (size_t i = 0; i < n; i++) strings = strings && json_is_string(json_array_get(v, i));
    if (!strings) return fail(x, "'category' must be a string or a non-empty array of strings");
    c->category = arena_strdup(&x->s->arena, json_string_value(json_array_get(v, 0)));
    if (n > 1) c->categories = arena_take(&x->s->arena, json_dumps(v, JSON_COMPACT));
    return 0;
}

/* Optional `groups`: an object whose values are strings or integers (the keys
 * of the benchmark's aggregate groups), kept as compact JSON with sorted keys. */
static int read_groups(struct line_ctx *x, json_t *obj, vlm_case *c) {
    json_t *v = json_object_get(obj, "groups");
    if (!v) return 0;
    if (!json_is_object(v)) return fail(x, "'groups' must be an object of strings");
    const char *key;
    json_t *g;
    json_object_foreach(v, key, g) {
        if (!json_is_string(g) && !json_is_integer(g))
            return fail(x, "'groups': '%s' must be a string or an integer", key);
    }
    if (json_object_size(v) == 0) return 0;
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    c->groups = arena_take(&x->s->arena, text);
    return 0;
}

static int check_markers(struct line_ctx *x, const vlm_case *c) {
    int n = 0;
    for (int i = 0; i < c->n_turns; i++) n += count_markers(c->turns[i]);
    if (n > c->n_images)
        return fail(x, "%d " IMAGE_MARKER " %s but only %d %s", n, n == 1 ? "marker" : "markers", c->n_images,
                    c->n_images == 1 ? "image" : "images");
    return 0;
}

/* Fill `c` from one JSON object; on failure x->why says what is wrong. */
static int parse_fields(struct line_ctx *x, json_t *obj, vlm_case *c) {
    if (read_category(x, obj, c) != 0) return -1;
    if (read_optional_string(x, obj, "scorer", &c->scorer) != 0) return -1;
    if (read_images(x, obj, c) != 0) return -1;
    if (read_turns(x, obj, c) != 0) return -1;
    if (read_expected(x, obj, c) != 0) return -1;
    if (read_string_list(x, obj, "choices", NULL, &c->choices, &c->n_choices) != 0) return -1;
    if (read_groups(x, obj, c) != 0) return -1;
    if (suite_gen_fields(obj, c, &x->s->arena, x->why, sizeof x->why) != 0) return -1;
    return check_markers(x, c);
}

static void parse_line(struct line_ctx *x, const char *text, size_t len) {
    vlm_case *c = append_case(x->s, x->line);
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!obj) {
        if (jerr.column > 0) fail(x, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        else fail(x, "invalid JSON: %s", jerr.text);
        mark_malformed(x, c, NULL);
        return;
    }
    if (!json_is_object(obj)) {
        fail(x, "a case must be a JSON object, not %s", json_is_array(obj) ? "an array" : "a single value");
        mark_malformed(x, c, NULL);
    } else if (read_id(x, obj, &c->id) != 0) {
        mark_malformed(x, c, NULL);
    } else if (parse_fields(x, obj, c) != 0) {
        mark_malformed(x, c, c->id);
    }
    json_decref(obj);
}

/* ------------------------------------------------------------ load */

static bool is_blank_or_comment(const char *text, size_t len) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) i++;
    return i == len || text[i] == '#';
}

static void strip_line_end(char *text, size_t *len) {
    while (*len > 0 && (text[*len - 1] == '\n' || text[*len - 1] == '\r')) text[--*len] = '\0';
}

static void parse_stream(struct line_ctx *x, FILE *f) {
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&buf, &cap, f)) >= 0) {
        x->line++;
        char *text = buf;
        size_t len = (size_t)got;
        if (x->line == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3; /* a UTF-8 byte order mark */
            len -= 3;
        }
        strip_line_end(text, &len);
        if (!is_blank_or_comment(text, len)) parse_line(x, text, len);
    }
    free(buf);
}

static vlm_suite *suite_new(const char *path) {
    vlm_suite *s = xcalloc(1, sizeof *s);
    s->path = arena_strdup(&s->arena, path);
    s->name = suite_name(&s->arena, path);
    s->dir = arena_take(&s->arena, suite_folder(path));
    return s;
}

/* Parse the open stream `f` as the suite at `path`; closes f. NULL (with a
 * message) when reading failed. */
static vlm_suite *load_stream(const char *path, FILE *f, struct vlm_suite_params params, char *err, size_t err_len) {
    struct line_ctx x = {.s = suite_new(path), .params = params, .ids = json_object()};
    errno = 0;
    parse_stream(&x, f);
    int read_errno = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    json_decref(x.ids);
    if (read_errno) {
        util_errf(err, err_len, "cannot read suite '%s': %s", path, strerror(read_errno));
        vlm_suite_free(x.s);
        return NULL;
    }
    return x.s;
}

vlm_suite *vlm_suite_load(const char *path, struct vlm_suite_params params, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        util_errf(err, err_len, "cannot open suite '%s': %s", path, strerror(errno));
        return NULL;
    }
    return load_stream(path, f, params, err, err_len);
}

vlm_suite *suite_load_text(const char *path, const char *text, size_t len, struct vlm_suite_params params, char *err,
                           size_t err_len) {
    if (len == 0) return suite_new(path); /* fmemopen refuses an empty buffer */
    FILE *f = fmemopen((void *)text, len, "rb");
    if (!f) {
        util_errf(err, err_len, "cannot read suite '%s' from memory: %s", path, strerror(errno));
        return NULL;
    }
    return load_stream(path, f, params, err, err_len);
}

int vlm_suite_n_cases(const vlm_suite *s) { return s ? s->n_cases : 0; }

const vlm_case *vlm_suite_case(const vlm_suite *s, int i) {
    return s && i >= 0 && i < s->n_cases ? &s->cases[i] : NULL;
}

const char *vlm_suite_name(const vlm_suite *s) { return s ? s->name : NULL; }
const char *vlm_suite_path(const vlm_suite *s) { return s ? s->path : NULL; }

void vlm_suite_free(vlm_suite *s) {
    if (!s) return;
    free(s->cases);
    arena_free(&s->arena);
    free(s);
}

/* ------------------------------------------------------------ demo */

/* The demo suite is a small probe suite (docs/probe.md): one easy case per
 * category, in English, always the same files. */
vlm_suite *vlm_suite_demo(const char *dir, char *err, size_t err_len) {
    struct vlm_probe_params p = vlm_probe_default_params();
    p.n_per_category = 1;
    p.level = 1;
    p.lang = VLM_PROBE_EN;
    p.name = "demo";
    /* the ten categories it has always had: a new category does not change the demo */
    p.categories = "colors,shapes,counting,spatial,ocr,charts,tables,multi_image,multi_turn,hallucination";
    if (vlm_probe_write(&p, dir, NULL, err, err_len) != VLM_OK) return NULL;
    char *path = util_path_join(dir, "demo.jsonl");
    vlm_suite *s = vlm_suite_load(path, vlm_suite_default_params(), err, err_len);
    free(path);
    return s;
}
