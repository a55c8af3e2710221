/*
 * chat_tmpl.h - a model's chat template, applied exactly as llama.cpp's own tools
 * apply it, and the reasoning ("thinking") block of an answer found the way
 * the template defines it. Not part of the public API.
 *
 * The work is done by llama.cpp's `common` library (common/chat.h and its
 * Jinja engine) through a small C++ shim (chat_tmpl.cpp): the prompt text is
 * byte for byte what llama-server and `llama-mtmd-cli --jinja` render for the
 * same model and messages. Only the split of an answer into reasoning and
 * content is vlmeter's (chat_split_reasoning), from the tags the template
 * declares.
 */
#ifndef VLM_CHAT_TMPL_H
#define VLM_CHAT_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct llama_model;

typedef struct chat_tmpl chat_tmpl;

/* One message: role "system", "user" or "assistant", and its text. */
struct chat_msg {
    const char *role;
    const char *content;
};

/* Whether to ask the template for a reasoning block (its enable_thinking). */
enum chat_think { CHAT_THINK_DEFAULT = -1, CHAT_THINK_OFF = 0, CHAT_THINK_ON = 1 };

/* What a template is and what it says about reasoning. */
struct chat_tmpl_info {
    bool jinja;             /* rendered by llama.cpp's Jinja engine (else a built-in) */
    char family[48];        /* "jinja/chatml" (the built-in family it renders like),
                                  "jinja/custom" (no built-in renders it), or "builtin/NAME" */
    char hash[17];          /* XXH64 of the template source, hex */
    bool supports_thinking; /* the template has a reasoning block */
    bool think_switch;      /* enable_thinking changes what it renders */
    bool think_opened;      /* its generation prompt opens the block (with the chosen setting) */
    char think_start[32];   /* tags; "<think>" / "</think>" when the template names none */
    char think_end[32];
};

/* The templates of `model`, or `override`: NULL or "" for the model's own
 * (tokenizer.chat_template, rendered with Jinja), a built-in llama.cpp name
 * ("chatml", "llama3", "gemma", ...; rendered as llama-mtmd-cli renders
 * --chat-template NAME without --jinja; "chatml" is llama.cpp's Jinja ChatML),
 * or Jinja source text. `think` is applied to every rendering. NULL with a
 * message in err when the model has no template or llama.cpp cannot parse it. */
chat_tmpl *chat_tmpl_init(const struct llama_model *model, const char *override, enum chat_think think, char *err,
                          size_t err_len);
void chat_tmpl_free(chat_tmpl *t);

const struct chat_tmpl_info *chat_tmpl_get_info(const chat_tmpl *t);

/* The text message `msg` adds after the `n_past` messages already held, with
 * the assistant's generation prompt when add_ass: llama.cpp's
 * common_chat_format_single, as llama-mtmd-cli calls it. Caller frees; NULL
 * (and err) when the template fails on these messages. */
char *chat_format_delta(const chat_tmpl *t, const struct chat_msg *past, int n_past, const struct chat_msg *msg,
                        bool add_ass, char *err, size_t err_len);

/* A reasoning budget sampler (llama.cpp's common_reasoning_budget_init) for
 * `vocab`: at most `budget` tokens inside the block, then the end tag is
 * forced. NULL when the template has no block. Chain it before the final
 * sampler; free it with the chain. Call chat_budget_restart before each answer. */
struct llama_sampler *chat_budget_sampler(const chat_tmpl *t, const struct llama_model *model, int budget);

/* Reset budget sampler s for a new answer; when the generation prompt opens
 * the reasoning block, s reads its start tag, so counting starts at once. */
void chat_budget_restart(const chat_tmpl *t, const struct llama_model *model, struct llama_sampler *s);

#ifdef __cplusplus
}
#endif
#endif
