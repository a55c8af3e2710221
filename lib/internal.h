/*
 * internal.h - declarations shared between library modules but not public.
 */
#ifndef VLM_INTERNAL_H
#define VLM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* Fill the stored figures of a model into a run summary: cases stored as errors,
 * mean TTFT and decode rate, end-to-end p50/p90 over all its stored turns, and
 * load time and peak RSS of its latest load (store.c). */
struct vlm_run_model_summary;
typedef struct vlm_store vlm_store;
void vlm_store_model_stats(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms);

/* The settings of a model that change its answers, as canonical JSON (the
 * `models.settings` column; run.c). Caller frees. */
struct vlm_engine_params;
char *vlm_model_settings_json(const struct vlm_engine_params *e);

/* Store one level of a load test (table bench_levels; store.c). */
struct vlm_bench_level;
struct vlm_bench_params;
int vlm_store_put_bench_level(vlm_store *s, int64_t model_id, int64_t run_id,
                              const struct vlm_bench_params *p, const struct vlm_bench_level *l);

/* The KL pass of one member of a quantization family (family.c): compare
 * its next-token distributions along its reference's first-turn answers with
 * the reference's (a reference first keeps its own). Returns the cases
 * compared now, or VLM_ERR_IO; a case that fails is reported through
 * on_message and skipped. _todo: how many cases the pass would compare. */
struct vlm_model_spec;
typedef struct vlm_engine vlm_engine;
typedef struct vlm_case vlm_case;
int vlm_family_kl(vlm_store *s, vlm_engine *e, int64_t model_id, const struct vlm_model_spec *m,
                  const vlm_case *const *cases, int n, void (*on_message)(const char *line, void *user),
                  void *user);
int vlm_family_kl_todo(vlm_store *s, int64_t model_id, const struct vlm_model_spec *m,
                       const vlm_case *const *cases, int n);

/* The store's SQLite handle, for modules that read or write tables of their own
 * (grade.c: scores, judgments; report.c reads everything). Schema:
 * docs/store-schema.md. */
typedef struct sqlite3 sqlite3;
sqlite3 *vlm_store_db(vlm_store *s);

/* Strings as compact JSON array text, as the store keeps a case's images and
 * choices (store.c); caller frees. */
char *vlm_json_strings(const char *const *items, int n);

/* The references of a caption turn's expected answer (JSON text: a string or an
 * array of strings; other values are skipped) into *refs; returns their count.
 * Caller frees each string and the array (grade.c; the report uses it too, so
 * scores and corpus figures see the same references). */
int vlm_caption_refs(const char *expected_json, char ***refs);

#endif
