/*
 * remote.h - what the remote engine (engine_remote.c) shares with the load test
 * (bench.c) and the image-token twins (remote_twin.c): the API key, the
 * request body and the user message of a turn (remote_body.c), and the refusal
 * of image content (remote_vision.c). Not part of the public API.
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

/* The JSON body of a streaming chat completion for `messages`, with p's
 * sampling and dials (remote_body.c); caller frees. */
char *remote_chat_body(const struct vlm_engine_params *p, json_t *messages);

/* The user message of a case's turn: text and image parts in prompt order
 * (docs/remote.md), each image resized as p's max_pixels/max_side say
 * (remote_dials.h); NULL with a message when an image cannot be read. */
json_t *remote_user_message(const struct vlm_engine_params *p, const vlm_case *c, int turn, int *next_image, char *err,
                            size_t err_len);

/* Whether a failed request's HTTP status and body say the model takes no
 * images (remote_vision.c): 400 or 422 with one of a few known messages
 * (llama-server, vLLM, OpenAI, DeepSeek). Returns the phrase matched, or NULL
 * when the failure is anything else (it stays an error). */
const char *remote_refuses_images(long status, const char *body);


#endif
