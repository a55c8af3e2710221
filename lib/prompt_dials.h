/*
 * prompt_dials.h - what the settings `system` and `prompt_suffix` do to the
 * messages a model is sent (docs/plan-format.md, "Prompt wording"): a system
 * message before each case's first turn, and " " + the suffix after the text
 * of every user turn. Shared by the local engine (engine_sched.c: rendered
 * through the chat template) and the remote one (engine_remote.c: JSON
 * messages). Not part of the public API.
 */
#ifndef VLM_PROMPT_DIALS_H
#define VLM_PROMPT_DIALS_H

#include <jansson.h>

#include "vlmeter.h"

/* A user turn's text with " " + p->prompt_suffix appended (image markers stay
 * where they are); a plain copy without a suffix. Caller frees. */
char *dials_user_text(const struct vlm_engine_params *p, const char *text);

/* The remote user message `msg` ({"role":"user","content":[parts]}) with the
 * suffix appended to its last part when that is text, else as a text part of
 * its own at the end; nothing without a suffix. */
void dials_remote_user(const struct vlm_engine_params *p, json_t *msg);

/* {"role":"system","content":TEXT} when p has a system prompt, else NULL. */
json_t *dials_remote_system(const struct vlm_engine_params *p);

#endif
