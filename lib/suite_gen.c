/*
 * suite_gen.c - the fields of a `generate` case (docs/suite-format.md,
 * "Generate cases"): `kind`, and the `questions` the generated picture must
 * answer, each with its expected answer and the scorer that reads the judge's
 * reply.
 */
#include "suite_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool gen_is_generate(const vlm_case *c) { return c->kind && strcmp(c->kind, GEN_KIND) == 0; }

static int gen_fail(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int gen_fail(char *why, size_t why_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return -1;
}

const char *gen_question_scorer(json_t *q) {
    json_t *s = json_object_get(q, "scorer");
    if (json_is_string(s) && json_string_length(s) > 0) return json_string_value(s);
    if (json_array_size(json_object_get(q, "choices")) > 0) return "choice";
    const char *a = json_string_value(json_object_get(q, "a"));
    if (a && (strcasecmp(a, "yes") == 0 || strcasecmp(a, "no") == 0)) return "yesno";
    return "contains";
}

/* questions[i]: {"q": text, "a": answer, "choices"?: [text...], "scorer"?: name}. */
static int check_question(json_t *q, size_t i, char *why, size_t why_len) {
    if (!json_is_object(q)) return gen_fail(why, why_len, "questions[%zu] must be an object {\"q\", \"a\"}", i);
    json_t *text = json_object_get(q, "q"), *a = json_object_get(q, "a"), *ch = json_object_get(q, "choices");
    json_t *sc = json_object_get(q, "scorer");
    if (!json_is_string(text) || json_string_length(text) == 0)
        return gen_fail(why, why_len, "questions[%zu].q must be a non-empty string", i);
    if (!a || json_is_null(a)) return gen_fail(why, why_len, "questions[%zu] has no expected answer 'a'", i);
    if (sc && (!json_is_string(sc) || json_string_length(sc) == 0))
        return gen_fail(why, why_len, "questions[%zu].scorer must be a non-empty string", i);
    if (!ch) return 0;
    size_t n = json_is_array(ch) ? json_array_size(ch) : 0;
    bool ok = n >= 2;
    for (size_t k = 0; k < n; k++) ok = ok && json_is_string(json_array_get(ch, k));
    if (!ok) return gen_fail(why, why_len, "questions[%zu].choices must be an array of at least 2 strings", i);
    return 0;
}

/* A generate case: one prompt (the description to draw), no images, no
 * expected answers, and at least one question. */
static int read_generate(json_t *obj, vlm_case *c, vlm_arena *arena, char *why, size_t why_len) {
    if (c->n_images > 0) return gen_fail(why, why_len, "a generate case takes no images (it makes one)");
    if (c->n_turns != 1) return gen_fail(why, why_len, "a generate case has one 'prompt' (the description to draw)");
    if (json_object_get(obj, "expected") || json_object_get(obj, "answer"))
        return gen_fail(why, why_len, "a generate case gives its expected answers in 'questions', not 'answer'");
    json_t *qs = json_object_get(obj, "questions");
    if (!json_is_array(qs) || json_array_size(qs) == 0)
        return gen_fail(why, why_len, "a generate case needs 'questions': a non-empty array of {\"q\", \"a\"}");
    for (size_t i = 0; i < json_array_size(qs); i++)
        if (check_question(json_array_get(qs, i), i, why, why_len) != 0) return -1;
    c->questions = arena_take(arena, json_dumps(qs, JSON_COMPACT | JSON_SORT_KEYS));
    return 0;
}

int suite_gen_fields(json_t *obj, vlm_case *c, vlm_arena *arena, char *why, size_t why_len) {
    json_t *kind = json_object_get(obj, "kind");
    c->kind = "";
    if (!kind) {
        if (json_object_get(obj, "questions")) return gen_fail(why, why_len, "'questions' is for kind \"generate\"");
        return 0;
    }
    if (!json_is_string(kind)) return gen_fail(why, why_len, "'kind' must be a string");
    if (strcmp(json_string_value(kind), GEN_KIND) != 0)
        return gen_fail(why, why_len, "unknown kind '%.100s' (known: " GEN_KIND ")", json_string_value(kind));
    c->kind = GEN_KIND;
    return read_generate(obj, c, arena, why, why_len);
}
