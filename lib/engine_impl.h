/*
 * engine_impl.h - what the engine dispatcher (engine.c) and its backends
 * (engine_local.c: llama.cpp in process; engine_remote.c: an OpenAI-compatible
 * server over HTTP) share. Not part of the public API.
 */
#ifndef VLM_ENGINE_IMPL_H
#define VLM_ENGINE_IMPL_H

#include "vlmeter.h"

/* One backend: vlm_engine_init/answer/info/free forward to these. */
struct vlm_engine_ops {
    const char *name;
    void *(*init)(struct vlm_engine_params params, char *err, size_t err_len);
    int (*answer)(void *impl, const vlm_case *c, vlm_turn_cb cb, void *user);
    const struct vlm_model_info *(*info)(const void *impl);
    void (*free)(void *impl);
};

extern const struct vlm_engine_ops vlm_engine_local_ops;
extern const struct vlm_engine_ops vlm_engine_remote_ops;

/* One piece of a turn's prompt, in order: text, or an image place. */
struct vlm_turn_part {
    const char *text; /* NULL for an image place */
    size_t      len;
    int         image; /* image place: index into the case's images, -1 when the
                          turn has more "<image>" markers than the case has images */
};

/* Split turn `turn` of case `c` into parts. Each "<image>" takes the next image
 * (*next_image counts over the turns); images left over after all markers are
 * placed, in order, at the start of the first turn. Empty text pieces are left
 * out. Returns the number of parts; *parts is the caller's to free. */
int vlm_turn_parts(const vlm_case *c, int turn, int *next_image, struct vlm_turn_part **parts);

/* Fill tpot_ms, itl_ms_p50 and itl_ms_max of t from its own figures and the
 * gaps between output chunks (docs/metrics.md). */
void vlm_derive_timings(struct vlm_turn_timings *t, const double *itl_ms, int n_itl);

/* How vlm_local_parallel gets requests and hands back results: `next` gives
 * the next request's case (its first turn is asked; NULL: no more), `done`
 * takes a finished request's timings (error set when it failed). */
struct vlm_parallel_io {
    const vlm_case *(*next)(void *user);
    void (*done)(void *user, const struct vlm_turn_timings *t, const double *itl_ms, int n_itl,
                 const char *error);
    void *user;
};

/* Load the local model with a context of n_seq sequences (params.n_ctx tokens
 * each) and answer requests n_seq at a time: each new request is prefilled
 * alone into a free sequence, then every step decodes one batch holding the
 * next token of every active sequence (engine_local.c). */
int vlm_local_parallel(struct vlm_engine_params params, int n_seq, const struct vlm_parallel_io *io,
                       char *err, size_t err_len);

/* Sort ascending. */
void vlm_sort_doubles(double *v, int n);

#endif
