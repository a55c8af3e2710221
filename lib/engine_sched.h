/*
 * engine_sched.h - what the two halves of the local engine share:
 * engine_local.c loads the model, its projector and one llama.cpp context;
 * engine_sched.c answers cases on the context's sequences. Not public.
 */
#ifndef VLM_ENGINE_SCHED_H
#define VLM_ENGINE_SCHED_H

#include "chat_tmpl.h"
#include "embd_cache.h"
#include "engine_impl.h"
#include "vlmeter.h"

#include "llama.h"
#include "mtmd.h"

struct slot; /* one sequence of the context (engine_sched.c) */

typedef struct local_engine {
    struct vlm_engine_params p;
    char *model_path, *mmproj_path, *template_arg, *reasoning_arg;
    struct llama_model *model;
    struct llama_context *lctx;
    mtmd_context *mctx;
    const struct llama_vocab *vocab;
    chat_tmpl *chat;      /* the chat template, applied through llama.cpp's common library */
    int reasoning_budget; /* most reasoning tokens (budget=N), -1 when unlimited */
    int n_seq;            /* sequences the context holds: p.n_parallel */
    bool reuse_kv;        /* KV prefixes may be shared (not for SWA or recurrent models) */
    struct vlm_model_info info;
    struct vlm_engine_stats stats;

    /* engine_sched.c */
    struct slot *slots;      /* n_seq of them */
    struct llama_batch step; /* one token per sequence */
    struct llama_batch text; /* prompt text, n_batch tokens at most */
    vlm_embd_cache *embd;    /* NULL when p.reuse is off */
} local_engine;

/* Make e's sequences and buffers, once the context exists; free them. */
void sched_init(local_engine *e);
void sched_free(local_engine *e);

/* vlm_engine_retune's local half: take p's sampling, system and prompt_suffix,
 * rebuild each slot's sampler, and forget the KV prefixes, image embeddings and
 * reuse figures held, so the next cases are answered as after a fresh load. */
void sched_retune(local_engine *e, const struct vlm_engine_params *p);

/* Answer what io gives, n_seq cases at a time (engine_sched.c). */
int sched_run(local_engine *e, const struct vlm_sched_io *io);

/* eng_score on a free sequence (engine_sched.c). */
int sched_score(local_engine *e, const vlm_case *c, const int32_t *tokens, int n, vlm_logits_cb cb, void *user,
                char *err, size_t err_len);

#endif
