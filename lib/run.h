/*
 * run.h - what run.c shares with the other drivers (bench.c): the settings of a
 * model that change its answers. The run itself is public (vlm_run in
 * vlmeter.h); its generation pass is run_gen.h's.
 */
#ifndef VLM_RUN_H
#define VLM_RUN_H

/* The settings of a model that change its answers, as canonical JSON (the
 * `models.settings` column; run.c). Caller frees. */
struct vlm_engine_params;
char *run_settings_json(const struct vlm_engine_params *e);

#endif
