/*
 * fuzz_suite.c - libFuzzer harness for the suite JSONL parser (lib/suite.c):
 * the input is a whole suite file, parsed in memory through suite_load_text as
 * vlm_suite_load parses a file; every case it yields is read back field by field.
 */
#include "fuzz_util.h"

#include "suite.h"

/* Touch every string of case c, so a dangling or unterminated one shows under ASan. */
static size_t read_case(const vlm_case *c) {
    size_t n = strlen(c->id) + strlen(c->suite) + strlen(c->category) + strlen(c->scorer) + strlen(c->where);
    if (c->error) return n + strlen(c->error);
    for (int i = 0; i < c->n_turns; i++) n += strlen(c->turns[i]) + (c->expected[i] ? strlen(c->expected[i]) : 0);
    for (int i = 0; i < c->n_images; i++) n += strlen(c->images[i]);
    for (int i = 0; i < c->n_choices; i++) n += strlen(c->choices[i]);
    if (c->categories) n += strlen(c->categories);
    if (c->groups) n += strlen(c->groups);
    if (c->kind) n += strlen(c->kind);
    if (c->questions) n += strlen(c->questions);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    vlm_suite *s = suite_load_text("/nonexistent/fuzz/suite.jsonl", (const char *)data, size,
                                   vlm_suite_default_params(), err, sizeof err);
    if (!s) return 0;
    size_t total = 0;
    for (int i = 0; i < vlm_suite_n_cases(s); i++) total += read_case(vlm_suite_case(s, i));
    fuzz_sink = total;
    vlm_suite_free(s);
    return 0;
}
