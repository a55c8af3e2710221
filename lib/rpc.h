/*
 * rpc.h - llama.cpp's RPC backend for one local model spread over machines
 * (rpc.c): the `rpc=HOST:PORT[,HOST:PORT]` setting checked, each server asked
 * whether it answers, and the remote devices the model's layers go to
 * (docs/plan-format.md, "rpc").
 */
#ifndef VLM_RPC_H
#define VLM_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "ggml-backend.h"

/* Most RPC devices one model may use. */
#define RPC_MAX_DEVICES 16

/* Whether `servers` is a comma-separated list of HOST:PORT (port 1..65535);
 * false with `why` naming the bad entry. */
bool rpc_servers_ok(const char *servers, char *why, size_t why_len);

/* The devices of every server in `servers`, in order, into devs (a NULL after
 * the last, as llama_model_params.devices wants); each server is first reached
 * with a plain TCP connection (llama.cpp aborts the process on one it cannot
 * reach). VLM_OK, or an error naming the server. */
int rpc_devices(const char *servers, ggml_backend_dev_t devs[RPC_MAX_DEVICES + 1], char *err, size_t err_len);

#endif
