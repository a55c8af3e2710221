/*
 * run_gen.h - the generation pass of a run (run_gen.c), below run.c, which
 * calls it for the models that draw images. Not public.
 */
#ifndef VLM_RUN_GEN_H
#define VLM_RUN_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "vlmeter.h"

/* The generation pass of one model in a run (run_gen.c): every generate case
 * of `cases` not yet stored is drawn (imagegen_draw) or, when the model has no
 * images endpoint, stored `na` ("cannot generate images"); images go under
 * `<db>.images/`. Messages go to say(line, user); *n_stored counts the cases
 * stored now (drawn, failed or na). Returns the number of cases stored as
 * errors, or VLM_ERR_IO / VLM_ERR_STOPPED. */
int run_gen_model(vlm_store *s, const char *db_path, int64_t model_id, int64_t run_id, const struct vlm_model_spec *m,
                  const vlm_case *const *cases, int n_cases, bool retry_errors,
                  void (*say)(const char *line, void *user), void *user, int *n_stored);

#endif
