/*
 * remote.h - helpers of the remote engine (engine_remote.c) that the load test
 * (bench.c) shares: the request body, image data URLs, backoff and a seeded
 * PRNG. Not part of the public API.
 */
#ifndef VLM_REMOTE_H
#define VLM_REMOTE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "vlmeter.h"

/* The API key of a remote model from the environment (NULL without key_env);
 * VLM_ERR_INPUT with a message when model_id is missing or the variable unset. */
int remote_key(const struct vlm_remote_params *rp, const char **key, char *err, size_t err_len);

/* The JSON body of a streaming chat completion for `messages`; caller frees. */
char *remote_chat_body(const struct vlm_engine_params *p, json_t *messages);

/* The user message of a case's turn: text and image parts in prompt order
 * (docs/remote.md), each image resized as p's max_pixels/max_side say
 * (remote_dials.h); NULL with a message when an image cannot be read. */
json_t *remote_user_message(const struct vlm_engine_params *p, const vlm_case *c, int turn, int *next_image, char *err,
                            size_t err_len);

/* "data:image/...;base64,..." of an image file (type from its magic bytes);
 * NULL with a message when unreadable or not an image. Caller frees. */
char *remote_image_data_url(const char *path, char *err, size_t err_len);

/* Wait before retry `attempt` (0-based): Retry-After when the server gave one
 * (retry_after_s >= 0; at most 60 s), else 0.5 s * 2^attempt (at most 32 s)
 * with jitter x0.5..x1.5. */
double remote_backoff_ms(int attempt, double retry_after_s, uint64_t *rng);

/* Sleep, waking early when a stop was requested. */
void remote_sleep_ms(double ms);

/* Whether a failed request's HTTP status and body say the model takes no
 * images (remote_vision.c): 400 or 422 with one of a few known messages
 * (llama-server, vLLM, OpenAI, DeepSeek). Returns the phrase matched, or NULL
 * when the failure is anything else (it stays an error). */
const char *remote_refuses_images(long status, const char *body);

/* splitmix64 */
uint64_t remote_rng_next(uint64_t *state);
double remote_rng_unit(uint64_t *state); /* uniform in [0, 1) */

#endif
