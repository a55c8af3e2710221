/*
 * engine_impl.h - what the engine dispatcher (engine.c) and its backends
 * (engine_local.c: llama.cpp in process; engine_remote.c: an OpenAI-compatible
 * server over HTTP) share. Not part of the public API.
 */
#ifndef VLM_ENGINE_IMPL_H
#define VLM_ENGINE_IMPL_H

#include "vlmeter.h"

/* Where a backend gets cases and hands back answers: `next` gives the next
 * case to answer and the caller's tag for it (NULL: no more), `on_turn` takes
 * each turn's answer as soon as it exists (status: VLM_OK, or why the turn
 * failed); returning false stops everything. A case's turns come in order;
 * several cases may be in flight at once. */
struct vlm_sched_io {
    const vlm_case *(*next)(void *user, int *tag);
    bool (*on_turn)(void *user, int tag, const struct vlm_turn_result *r, int status);
    void *user;
};

/* Takes the logits that predict token i of a forced answer (eng_score). */
typedef void (*vlm_logits_cb)(int i, const float *logits, int n_vocab, void *user);

/* One backend: vlm_engine_init/schedule/info/stats/free forward to these.
 * `schedule` returns VLM_OK, or VLM_ERR_STOPPED when stopped (Ctrl-C, or
 * on_turn returned false), or VLM_ERR_MODEL when the model itself broke. */
struct vlm_engine_ops {
    const char *name;
    void *(*init)(struct vlm_engine_params params, char *err, size_t err_len);
    int (*schedule)(void *impl, const struct vlm_sched_io *io);
    const struct vlm_model_info *(*info)(const void *impl);
    const struct vlm_engine_stats *(*stats)(const void *impl);
    int (*score)(void *impl, const vlm_case *c, const int32_t *tokens, int n, vlm_logits_cb cb, void *user, char *err,
                 size_t err_len); /* NULL: not supported */
    void (*free)(void *impl);
    /* Tokens of `text` (no special tokens added) into out (at most max); returns
     * their count (may exceed max), or -1. NULL: not supported (remote). */
    int (*tokenize)(void *impl, const char *text, int32_t *out, int max);
    /* Take new per-request settings (vlm_engine_retune has checked that the
     * load settings are the same); VLM_OK. NULL: not supported. */
    int (*retune)(void *impl, const struct vlm_engine_params *p);
};

/* Answer what io gives through engine e (the dispatcher: engine.c). */
int eng_schedule(vlm_engine *e, const struct vlm_sched_io *io);

/* Teacher forcing, local engines only: the first turn of c prompted as
 * vlm_engine_answer prompts it, followed by the n answer tokens given; the
 * logits that predict tokens[i] go to cb (i = 0: those after the prompt's last
 * token). Always computed in a fresh sequence, without shared prefixes, so the
 * same model, case and tokens give the same logits bit for bit. Returns VLM_OK,
 * VLM_ERR_INPUT (remote engine, unreadable image, too long) or VLM_ERR_MODEL. */
int eng_score(vlm_engine *e, const vlm_case *c, const int32_t *tokens, int n, vlm_logits_cb cb, void *user, char *err,
              size_t err_len);

/* Tokens of `text` in a local engine's vocabulary (no special tokens) into out
 * (at most max); returns their count, or -1 (a remote engine has no vocabulary). */
int eng_tokenize(vlm_engine *e, const char *text, int32_t *out, int max);

extern const struct vlm_engine_ops vlm_engine_local_ops;
extern const struct vlm_engine_ops vlm_engine_remote_ops;

/* One piece of a turn's prompt, in order: text, or an image place. */
struct vlm_turn_part {
    const char *text; /* NULL for an image place */
    size_t len;
    int image; /* image place: index into the case's images, -1 when the
                          turn has more "<image>" markers than the case has images */
};

/* (engine_turn.c) Split turn `turn` of case `c` into parts. Each "<image>" takes the next image
 * (*next_image counts over the turns); images left over after all markers are
 * placed, in order, at the start of the first turn. Empty text pieces are left
 * out. Returns the number of parts; *parts is the caller's to free. */
int eng_turn_parts(const vlm_case *c, int turn, int *next_image, struct vlm_turn_part **parts);

/* Fill tpot_ms, itl_ms_p50 and itl_ms_max of t from its own figures and the
 * gaps between output chunks (docs/metrics.md). */
void eng_derive_timings(struct vlm_turn_timings *t, const double *itl_ms, int n_itl);

/* Where an answer's reasoning block lies in the generated text: reasoning is
 * [reasoning_start, reasoning_end), the answer starts at content_start. */
struct vlm_reasoning_split {
    size_t reasoning_start, reasoning_end, content_start;
};

/* (engine_turn.c) Find the reasoning block of `text` by its tags: it starts at the text's start
 * (after white space) with `start`, or is already open when the generation
 * prompt opened it (`opened`), and ends at the first `end`; white space after
 * the end tag is not part of the answer. Without a block the answer is all of
 * the text; a block never closed leaves no answer (content_start = length). */
enum vlm_reasoning_state eng_split_reasoning(const char *text, const char *start, const char *end, bool opened,
                                             struct vlm_reasoning_split *sp);

/* Sort ascending. */
void eng_sort_doubles(double *v, int n);

/* When ep->model_path is a hub reference ("hf:..."), fetch its files into the
 * cache and point ep's paths at them (kept alive by *files, which the caller
 * frees with hub_files_free); else nothing. VLM_OK, or an error in err. */
struct hub_files;
int eng_fetch_hub(struct vlm_engine_params *ep, struct hub_files *files, char *err, size_t err_len);

#endif
