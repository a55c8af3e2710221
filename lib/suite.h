/*
 * suite.h - suite.c's internal entry points (not part of the public API):
 * parsing a suite held in memory, for the fuzz harness tests/fuzz/fuzz_suite.c.
 */
#ifndef VLM_SUITE_H
#define VLM_SUITE_H

#include <stddef.h>

#include "vlmeter.h"

/* Parse `len` bytes of suite JSONL text as vlm_suite_load parses the file at
 * `path` (which only names the suite and its folder; it is never opened): the
 * same cases, the same malformed-line messages. NULL with a message in err when
 * the text cannot be read. */
vlm_suite *suite_load_text(const char *path, const char *text, size_t len, struct vlm_suite_params params, char *err,
                           size_t err_len);

#endif
