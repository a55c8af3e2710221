/*
 * family.h - the KL pass of a quantization family (family.c), driven by run.c.
 */
#ifndef VLM_FAMILY_H
#define VLM_FAMILY_H

#include <stdint.h>

#include "vlmeter.h"

/* The KL pass of one member of a quantization family (family.c): compare
 * its next-token distributions along its reference's first-turn answers with
 * the reference's (a reference first keeps its own). Returns the cases
 * compared now, or VLM_ERR_IO when the store fails (said through on_message
 * too); a case that fails otherwise is reported through on_message and
 * skipped. _todo: how many cases the pass would compare (a store that cannot
 * be read counts as work to do, so that the pass reports why). */
struct vlm_model_spec;
int family_kl(vlm_store *s, vlm_engine *e, int64_t model_id, const struct vlm_model_spec *m,
              const vlm_case *const *cases, int n, void (*on_message)(const char *line, void *user), void *user);
int family_kl_todo(vlm_store *s, int64_t model_id, const struct vlm_model_spec *m, const vlm_case *const *cases, int n);

#endif
