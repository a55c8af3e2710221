/*
 * remote_twin.h - a remote turn's image tokens derived from the server's usage
 * (docs/remote.md, "Image tokens"): the prompt tokens less those of the same
 * request without its images. Used by the remote engine. Not part of the
 * public API.
 */
#ifndef VLM_REMOTE_TWIN_H
#define VLM_REMOTE_TWIN_H

#include <jansson.h>
#include <stdbool.h>

#include "vlmeter.h"

/* The derivation of image tokens of one remote engine: a request handle of its
 * own and the cache of text-only prompt tokens by twin body. */
struct dials_tokens;

/* A new, empty one; dials_tokens_free releases it (NULL-safe). */
struct dials_tokens *dials_tokens_new(void);
void dials_tokens_free(struct dials_tokens *d);

/* After a turn's timed request of `messages` (the conversation sent, images
 * included) came back with usage prompt_tokens `prompt_tokens` (-1: no usage):
 * when the messages hold images, the prompt tokens of their text-only twin
 * (from the cache, or one extra request with max_tokens=1 to p's URLs; never
 * timed, never counted as a retry), and t->n_image_tokens = the difference with
 * t->image_tokens_derived set. Leaves t alone without images, without usage, or
 * when the twin request fails. Returns whether an extra request was sent. */
bool dials_image_tokens(struct dials_tokens *d, const struct vlm_engine_params *p, const char *key, json_t *messages,
                        int prompt_tokens, struct vlm_turn_timings *t);

/* Extra text-only requests sent so far, and answers taken from the cache. */
int dials_tokens_sent(const struct dials_tokens *d);
int dials_tokens_cached(const struct dials_tokens *d);

#endif
