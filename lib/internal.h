/*
 * internal.h - declarations shared between library modules but not public.
 * The store's own interface for other modules is lib/store.h.
 */
#ifndef VLM_INTERNAL_H
#define VLM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* The settings of a model that change its answers, as canonical JSON (the
 * `models.settings` column; run.c). Caller frees. */
struct vlm_engine_params;
char *vlm_model_settings_json(const struct vlm_engine_params *e);

/* The KL pass of one member of a quantization family (family.c): compare
 * its next-token distributions along its reference's first-turn answers with
 * the reference's (a reference first keeps its own). Returns the cases
 * compared now, or VLM_ERR_IO when the store fails (said through on_message
 * too); a case that fails otherwise is reported through on_message and
 * skipped. _todo: how many cases the pass would compare (a store that cannot
 * be read counts as work to do, so that the pass reports why). */
struct vlm_model_spec;
typedef struct vlm_store vlm_store;
typedef struct vlm_engine vlm_engine;
typedef struct vlm_case vlm_case;
int vlm_family_kl(vlm_store *s, vlm_engine *e, int64_t model_id, const struct vlm_model_spec *m,
                  const vlm_case *const *cases, int n, void (*on_message)(const char *line, void *user),
                  void *user);
int vlm_family_kl_todo(vlm_store *s, int64_t model_id, const struct vlm_model_spec *m,
                       const vlm_case *const *cases, int n);

/* The references of a caption turn's expected answer (JSON text: a string or an
 * array of strings; other values are skipped) into *refs; returns their count.
 * Caller frees each string and the array (grade.c; the report uses it too, so
 * scores and corpus figures see the same references). */
int vlm_caption_refs(const char *expected_json, char ***refs);

#endif
