/*
 * engine_sched.c - the local engine's answering half: cases answered on the
 * sequences ("slots") of one llama.cpp context, n_parallel at a time.
 *
 * A case is one conversation held by one slot. Each turn: decode the turn's
 * images, format the new user message with the chat template (only the text
 * the conversation does not hold yet, as llama.cpp's llama-mtmd-cli does),
 * tokenize text and images with mtmd, then prefill. With reuse on, a first
 * turn starts from the longest prefix any slot holds in its KV cache (the
 * cells are shared, not recomputed), and an image this model encoded before
 * comes from the embedding cache. What comes before the turn's last image is
 * evaluated at once; the text after it (the question, on a shared image) waits
 * for the step loop.
 *
 * Each step is one llama_decode: the next token of every generating slot, then
 * the waiting prompt text of the slots still prefilling, so the questions on
 * one image are prefilled together, and a case that starts while others
 * generate is prefilled in chunks of at most prefill_chunk tokens mixed into
 * their steps (chunked prefill), keeping those steps short. After the step
 * every generating slot, and every slot whose prompt is complete, samples its
 * next token, until each answer ends (end of generation, max_tokens, full
 * context). A slot that frees takes the next case at once, so the batch stays
 * full while cases remain. With prefill_chunk 0 each prompt is evaluated
 * whole, alone, as soon as its slot takes the turn.
 *
 * With n_parallel 1 and reuse off, every turn is computed exactly as
 * llama-mtmd-cli computes it, so a greedy answer is token for token that
 * tool's. Sharing and batching change only how floating-point sums are
 * grouped, which can flip a near-tie (tests/e2e/test_reuse.sh).
 */
#include "backend.h"
#include "engine_sched.h"
#include "kvseq.h"
#include "prompt_dials.h"
#include "stop.h"
#include "util.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtmd-helper.h"

/* The chat so far: messages whose strings we own. */
struct chat {
    struct chat_msg *msgs;
    int n, cap;
};

/* One turn's answer as it is generated. */
struct answer {
    char *text;
    size_t len, cap;
    int *tokens, *offsets; /* token ids; byte offset of each token's text */
    float *gaps;           /* top-1 minus top-2 logit before each token */
    double *itl;           /* ms between consecutive tokens */
    int n, cap_tok;
};

/* The images of the turn in progress: the content id of each, the tokens it
 * became and the projector ms it took (turn_images_spread shares the figures
 * of copies of one picture equally). */
struct turn_images {
    int n;
    char (*id)[40];
    int *tokens;
    double *encode_ms;
};

struct slot {
    int seq;           /* the llama.cpp sequence id */
    const vlm_case *c; /* the case being answered; NULL: the slot is free */
    int tag, turn, next_image;
    bool decoding;   /* generating: tok goes into the next step */
    bool prefilling; /* the prompt's tail (pend) goes into the next steps */
    bool carry;      /* the last turn's last token is not in the KV cache yet */
    llama_token tok;
    int row;                      /* tok's row in the step batch, or the tail's last row there */
    llama_token *pend;            /* the tail: the turn's prompt text after its last image */
    int n_pend, i_pend, cap_pend; /* its length, tokens evaluated, capacity */
    int pf_rows;                  /* tail tokens in the step being run */
    struct chat chat;
    llama_token eog;              /* the end-of-generation token that ended the last turn, or -1 */
    struct llama_sampler *budget; /* the reasoning budget in smpl (borrowed), or NULL */
    char *prompt_text;            /* the turn's rendered text (chat template applied) */
    llama_pos n_past;
    struct vlm_kv_seq kv; /* what the sequence's KV cells hold */
    struct llama_sampler *smpl;
    /* the turn in progress */
    struct vlm_turn_timings t;
    struct turn_images img;
    struct answer out;
    double t0, t_first, t_last;
    int64_t steps, step_seqs; /* decode steps of this turn, and sequences in them */
};

/* ------------------------------------------------------------ chat */

static void chat_push(struct chat *c, const char *role, const char *content) {
    util_grow((void **)&c->msgs, &c->cap, c->n + 1, sizeof *c->msgs);
    c->msgs[c->n].role = role;
    c->msgs[c->n].content = xstrdup(content);
    c->n++;
}

static void chat_clear(struct chat *c) {
    for (int i = 0; i < c->n; i++) free((char *)c->msgs[i].content);
    c->n = 0;
}

/* A case's first turn with a system prompt (the setting `system`): the system
 * message joins the chat first, and the text is the whole conversation as
 * llama-server renders [system, user]: the system message alone, then what the
 * user message adds after it. common_chat_format_single starts that second
 * part with an extra "\n" when the first ends with one (llama-mtmd-cli's
 * between-turns newline); it is dropped, so the two parts join to the
 * template's rendering of both messages at once. Caller frees. */
static char *format_with_system(local_engine *e, struct slot *s, const struct chat_msg *user, char *err,
                                size_t err_len) {
    struct chat_msg sys = {"system", e->p.system_prompt};
    char *head = chat_format_delta(e->chat, NULL, 0, &sys, false, err, err_len);
    if (!head) return NULL;
    chat_push(&s->chat, "system", e->p.system_prompt);
    char *tail = chat_format_delta(e->chat, s->chat.msgs, s->chat.n, user, true, err, err_len);
    char *all = NULL;
    if (tail) {
        size_t n = strlen(head);
        bool extra_nl = n > 0 && head[n - 1] == '\n' && tail[0] == '\n';
        all = xasprintf("%s%s", head, tail + (extra_nl ? 1 : 0));
    }
    free(head);
    free(tail);
    return all;
}

/* Add the user message and return only the text the conversation does not hold
 * yet, as llama-mtmd-cli formats it (common_chat_format_single); with a system
 * prompt, a first turn begins with it (format_with_system). Caller frees. */
static char *format_new_user_message(local_engine *e, struct slot *s, const char *content, char *err, size_t err_len) {
    struct chat_msg m = {"user", content};
    bool with_system = s->chat.n == 0 && e->p.system_prompt && e->p.system_prompt[0];
    char *delta = with_system ? format_with_system(e, s, &m, err, err_len)
                              : chat_format_delta(e->chat, s->chat.msgs, s->chat.n, &m, true, err, err_len);
    chat_push(&s->chat, "user", content);
    return delta;
}

/* The answer joins the chat as llama-mtmd-cli keeps it: the generated text with
 * the end-of-generation token that closed it. */
static void remember_answer(local_engine *e, struct slot *s) {
    char *text = xstrdup(s->out.text);
    if (s->eog >= 0) {
        char piece[256];
        int n = llama_token_to_piece(e->vocab, s->eog, piece, sizeof piece - 1, 0, true);
        if (n > 0) {
            piece[n] = 0;
            char *t = xasprintf("%s%s", text, piece);
            free(text);
            text = t;
        }
    }
    chat_push(&s->chat, "assistant", text);
    free(text);
}

/* ------------------------------------------------------------ answers */

static void answer_reset(struct answer *a) {
    a->len = 0;
    a->n = 0;
    util_buf_append(&a->text, &a->len, &a->cap, "", 0);
}

static void answer_push(struct answer *a, llama_token tok, float gap, double since_last_ms) {
    util_grow((void **)&a->tokens, &a->cap_tok, a->n + 1, sizeof *a->tokens);
    a->gaps = xrealloc(a->gaps, (size_t)a->cap_tok * sizeof *a->gaps);
    a->offsets = xrealloc(a->offsets, (size_t)a->cap_tok * sizeof *a->offsets);
    a->itl = xrealloc(a->itl, (size_t)a->cap_tok * sizeof *a->itl);
    a->offsets[a->n] = (int)a->len;
    a->tokens[a->n] = tok;
    a->gaps[a->n] = gap;
    if (a->n > 0) a->itl[a->n - 1] = since_last_ms;
    a->n++;
}

static void answer_free(struct answer *a) {
    free(a->text);
    free(a->tokens);
    free(a->offsets);
    free(a->gaps);
    free(a->itl);
}

/* ------------------------------------------------------------ the turn's images */

/* Start the turn's image figures from its bitmaps' content ids. */
static void turn_images_begin(struct turn_images *ti, mtmd_bitmap *const *bm, int n) {
    free(ti->id);
    free(ti->tokens);
    free(ti->encode_ms);
    ti->n = n;
    ti->id = xcalloc((size_t)n + 1, sizeof *ti->id);
    ti->tokens = xcalloc((size_t)n + 1, sizeof *ti->tokens);
    ti->encode_ms = xcalloc((size_t)n + 1, sizeof *ti->encode_ms);
    for (int i = 0; i < n; i++) snprintf(ti->id[i], sizeof ti->id[i], "%s", bm[i] ? mtmd_bitmap_get_id(bm[i]) : "");
}

/* The first of the turn's images whose content is the chunk's, or -1. */
static int turn_image_of(const struct turn_images *ti, const mtmd_input_chunk *ch) {
    const char *id = mtmd_input_chunk_get_id(ch);
    for (int i = 0; id && i < ti->n; i++)
        if (strcmp(ti->id[i], id) == 0) return i;
    return -1;
}

/* Copies of one picture in a turn are indistinguishable to mtmd (one content
 * id): their summed figures, held by the first copy, are shared equally. */
static void turn_images_spread(struct turn_images *ti) {
    for (int i = 0; i < ti->n; i++) {
        int copies = 0, first = -1;
        for (int j = 0; j < ti->n; j++) {
            if (strcmp(ti->id[j], ti->id[i]) != 0) continue;
            copies++;
            if (first < 0) first = j;
        }
        if (first != i || copies < 2) continue;
        int tokens = ti->tokens[i] / copies;
        double ms = ti->encode_ms[i] / copies;
        for (int j = i; j < ti->n; j++)
            if (strcmp(ti->id[j], ti->id[i]) == 0) {
                ti->tokens[j] = tokens;
                ti->encode_ms[j] = ms;
            }
    }
}

static void turn_images_free(struct turn_images *ti) {
    free(ti->id);
    free(ti->tokens);
    free(ti->encode_ms);
    memset(ti, 0, sizeof *ti);
}

/* ------------------------------------------------------------ slots */

/* The slot's sampler chain; a reasoning budget (when given) comes first, so
 * that the end tag it forces wins whatever samples after it. */
static struct llama_sampler *make_sampler(const struct vlm_sampling *s, int n_vocab, struct llama_sampler *budget) {
    struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    struct llama_sampler *chain = llama_sampler_chain_init(cp);
    if (budget) llama_sampler_chain_add(chain, budget);
    if (s->repeat_penalty != 1.0f)
        llama_sampler_chain_add(chain,
                                llama_sampler_init_penalties(n_vocab, s->repeat_last_n, s->repeat_penalty, 0.0f, 0.0f));
    if (s->temp <= 0.0f) {
        llama_sampler_chain_add(chain, llama_sampler_init_greedy());
        return chain;
    }
    if (s->top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(s->top_k));
    if (s->top_p < 1.0f) llama_sampler_chain_add(chain, llama_sampler_init_top_p(s->top_p, 1));
    if (s->min_p > 0.0f) llama_sampler_chain_add(chain, llama_sampler_init_min_p(s->min_p, 1));
    llama_sampler_chain_add(chain, llama_sampler_init_temp(s->temp));
    llama_sampler_chain_add(chain, llama_sampler_init_dist(s->seed));
    return chain;
}

void sched_init(local_engine *e) {
    int n_vocab = llama_vocab_n_tokens(e->vocab);
    e->slots = xcalloc((size_t)e->n_seq, sizeof *e->slots);
    for (int i = 0; i < e->n_seq; i++) {
        struct slot *s = &e->slots[i];
        s->seq = i;
        s->eog = -1;
        s->budget = e->reasoning_budget >= 0 ? chat_budget_sampler(e->chat, e->model, e->reasoning_budget) : NULL;
        s->smpl = make_sampler(&e->p.sampling, n_vocab, s->budget);
    }
    e->step = llama_batch_init(e->n_seq + e->p.n_batch, 0, 1); /* tokens, then tails */
    e->text = llama_batch_init(e->p.n_batch, 0, 1);
    if (e->p.reuse && e->p.image_cache_mib > 0) e->embd = embd_cache_new((size_t)e->p.image_cache_mib << 20);
}

void sched_free(local_engine *e) {
    if (!e->slots) return;
    for (int i = 0; i < e->n_seq; i++) {
        struct slot *s = &e->slots[i];
        chat_clear(&s->chat);
        free(s->chat.msgs);
        free(s->prompt_text);
        kvseq_free(&s->kv);
        answer_free(&s->out);
        turn_images_free(&s->img);
        llama_sampler_free(s->smpl);
        free(s->pend);
    }
    free(e->slots);
    e->slots = NULL;
    llama_batch_free(e->step);
    llama_batch_free(e->text);
    embd_cache_free(e->embd);
}

/* Forget the slot's conversation (its KV cells stay, for a later prefix). */
static void begin_case(struct slot *s, const vlm_case *c, int tag) {
    s->c = c;
    s->tag = tag;
    s->turn = 0;
    s->next_image = 0;
    s->decoding = s->prefilling = s->carry = false;
    s->eog = -1;
    chat_clear(&s->chat);
    llama_sampler_reset(s->smpl);
}

/* Drop what the slot's sequence holds. */
static void forget_kv(local_engine *e, struct slot *s) {
    llama_memory_seq_rm(llama_get_memory(e->lctx), s->seq, -1, -1);
    kvseq_clear(&s->kv);
    s->n_past = 0;
}

void sched_retune(local_engine *e, const struct vlm_engine_params *p) {
    e->p.sampling = p->sampling;
    e->p.system_prompt = p->system_prompt;
    e->p.prompt_suffix = p->prompt_suffix;
    e->p.prefill_chunk = p->prefill_chunk;
    int n_vocab = llama_vocab_n_tokens(e->vocab);
    for (int i = 0; i < e->n_seq; i++) {
        struct slot *s = &e->slots[i];
        forget_kv(e, s);
        llama_sampler_free(s->smpl); /* the chain frees the budget sampler in it */
        s->budget = e->reasoning_budget >= 0 ? chat_budget_sampler(e->chat, e->model, e->reasoning_budget) : NULL;
        s->smpl = make_sampler(&e->p.sampling, n_vocab, s->budget);
    }
    if (e->embd) {
        embd_cache_free(e->embd);
        e->embd = embd_cache_new((size_t)e->p.image_cache_mib << 20);
    }
    memset(&e->stats, 0, sizeof e->stats);
    e->stats.n_parallel = e->n_seq;
}

/* ------------------------------------------------------------ a turn's prompt */

/* Which images a turn shows, in prompt order, and its text with mtmd markers in
 * their places (eng_turn_parts). */
struct turn_plan {
    char *text;
    int n_images;
    int *images; /* indices into the case's images */
};

static void plan_turn(const vlm_case *c, int turn, int *next_image, struct turn_plan *tp) {
    struct vlm_turn_part *parts = NULL;
    int n = eng_turn_parts(c, turn, next_image, &parts);
    const char *marker = mtmd_default_marker();
    size_t cap = strlen(c->turns[turn]) + (size_t)n * strlen(marker) + 1;
    tp->text = xcalloc(cap, 1);
    tp->images = xcalloc((size_t)n + 1, sizeof *tp->images);
    tp->n_images = 0;
    for (int i = 0; i < n; i++) {
        if (parts[i].text) {
            strncat(tp->text, parts[i].text, parts[i].len);
            continue;
        }
        strcat(tp->text, marker);
        if (parts[i].image >= 0) tp->images[tp->n_images++] = parts[i].image;
    }
    free(parts);
}

/* Decode the turn's images into mtmd bitmaps named by their content hash, which
 * mtmd hands on as the image chunk's id. */
static int load_bitmaps(const vlm_case *c, const struct turn_plan *tp, mtmd_bitmap **bm, char *err, size_t err_len) {
    for (int i = 0; i < tp->n_images; i++) {
        vlm_image img;
        if (vlm_image_load(c->images[tp->images[i]], &img, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
        bm[i] = mtmd_bitmap_init(img.width, img.height, img.rgb);
        char id[40];
        snprintf(id, sizeof id, "%016llx%016llx", (unsigned long long)img.hash[0], (unsigned long long)img.hash[1]);
        mtmd_bitmap_set_id(bm[i], id);
        vlm_image_free(&img);
    }
    return VLM_OK;
}

/* The content hash an image chunk carries as its id (load_bitmaps), mixed with
 * the chunk's ordinal among the earlier chunks of the same image: models that
 * cut an image into tiles (idefics3, lfm2, ...) give every tile's chunk the
 * image's id, and each tile must have a key of its own in the embedding cache
 * and the KV records. */
static void chunk_hash(const mtmd_input_chunk *ch, int ordinal, uint64_t hash[2]) {
    const char *id = mtmd_input_chunk_get_id(ch);
    char half[17] = "";
    hash[0] = hash[1] = 0;
    if (!id || strlen(id) != 32) return;
    memcpy(half, id, 16);
    hash[0] = strtoull(half, NULL, 16);
    hash[1] = strtoull(id + 16, NULL, 16) + (uint64_t)ordinal * 0x9E3779B97F4A7C15ull;
}

/* A tokenized prompt as KV items, and the first item of each chunk. A
 * text-only model (no projector) has no mtmd chunks: its prompt is one text
 * chunk of `text` tokens. */
struct prompt {
    mtmd_input_chunks *chunks; /* NULL: text-only, see text */
    llama_token *text;
    int n_text;
    size_t n_chunks;
    struct vlm_kv_seq items;
    int *first;
    uint64_t (*hash)[2]; /* per image chunk: its key (chunk_hash) */
    int *ordinal;        /* per image chunk: earlier chunks of the same image */
    int n_image_tokens;
};

/* Chunk i's text tokens (*n of them), or NULL when it is an image chunk. */
static const llama_token *prompt_chunk_text(const struct prompt *pr, size_t i, size_t *n) {
    if (!pr->chunks) {
        *n = (size_t)pr->n_text;
        return pr->text;
    }
    const mtmd_input_chunk *ch = mtmd_input_chunks_get(pr->chunks, i);
    *n = 0;
    if (mtmd_input_chunk_get_type(ch) != MTMD_INPUT_CHUNK_TYPE_TEXT) return NULL;
    return mtmd_input_chunk_get_tokens_text(ch, n);
}

static void prompt_index(struct prompt *pr) {
    pr->n_chunks = pr->chunks ? mtmd_input_chunks_size(pr->chunks) : 1;
    pr->first = xcalloc(pr->n_chunks + 1, sizeof *pr->first);
    pr->hash = xcalloc(pr->n_chunks + 1, sizeof *pr->hash);
    pr->ordinal = xcalloc(pr->n_chunks + 1, sizeof *pr->ordinal);
    for (size_t i = 0; i < pr->n_chunks; i++) {
        pr->first[i] = pr->items.n;
        size_t n = 0;
        const llama_token *tok = prompt_chunk_text(pr, i, &n);
        if (tok) {
            kvseq_push_tokens(&pr->items, tok, (int)n);
        } else {
            const mtmd_input_chunk *ch = mtmd_input_chunks_get(pr->chunks, i);
            int ordinal = 0; /* earlier chunks of the same image */
            const char *id = mtmd_input_chunk_get_id(ch);
            for (size_t j = 0; id && j < i; j++) {
                const mtmd_input_chunk *cj = mtmd_input_chunks_get(pr->chunks, j);
                const char *idj = mtmd_input_chunk_get_type(cj) == MTMD_INPUT_CHUNK_TYPE_TEXT
                                      ? NULL
                                      : mtmd_input_chunk_get_id(cj);
                ordinal += idj && strcmp(idj, id) == 0;
            }
            pr->ordinal[i] = ordinal;
            chunk_hash(ch, ordinal, pr->hash[i]);
            kvseq_push_image(&pr->items, pr->hash[i], mtmd_input_chunk_get_n_pos(ch));
            pr->n_image_tokens += (int)mtmd_input_chunk_get_n_tokens(ch);
        }
    }
    pr->first[pr->n_chunks] = pr->items.n;
}

static void prompt_free(struct prompt *pr) {
    if (pr->chunks) mtmd_input_chunks_free(pr->chunks);
    free(pr->text);
    kvseq_free(&pr->items);
    free(pr->first);
    free(pr->hash);
    free(pr->ordinal);
}

/* ------------------------------------------------------------ prefill */

/* Start slot s's sequence from the longest prefix of `want` that some slot's
 * sequence holds, never all of it (the last prompt token must be evaluated for
 * its logits). Returns the number of items kept. */
static int attach_prefix(local_engine *e, struct slot *s, const struct vlm_kv_seq *want, bool share) {
    llama_memory_t mem = llama_get_memory(e->lctx);
    struct slot *src = s;
    int keep = 0;
    if (e->reuse_kv && share) {
        keep = kvseq_common_prefix(&s->kv, want);
        for (int i = 0; i < e->n_seq; i++) {
            int k = kvseq_common_prefix(&e->slots[i].kv, want);
            if (k > keep) {
                keep = k;
                src = &e->slots[i];
            }
        }
        if (keep > want->n - 1) keep = want->n > 0 ? want->n - 1 : 0;
    }
    llama_pos pos = kvseq_pos_at(want, keep);
    if (src == s && keep > 0 && llama_memory_seq_rm(mem, s->seq, pos, -1)) {
        kvseq_truncate(&s->kv, keep);
    } else if (src != s && keep > 0) {
        forget_kv(e, s);
        llama_memory_seq_cp(mem, src->seq, s->seq, 0, pos);
        kvseq_copy_prefix(&s->kv, &src->kv, keep);
    } else {
        forget_kv(e, s);
        keep = 0;
    }
    s->n_past = s->kv.n_pos;
    return keep;
}

/* Add one llama_decode call's figures to the engine's: n_dec generated
 * tokens and n_pf prompt text tokens, in ms. A call holding no text (an image's
 * embeddings) is prefill time. */
static void count_step(local_engine *e, int n_dec, int n_pf, double ms) {
    if (n_dec > 0) {
        e->stats.decode_steps++;
        e->stats.decode_tokens += n_dec;
    }
    if (n_pf > 0) {
        e->stats.prefill_steps++;
        e->stats.prefill_step_tokens += n_pf;
    }
    if (n_dec > 0 && n_pf > 0) {
        e->stats.mixed_steps++;
        e->stats.mixed_ms += ms;
    } else if (n_dec > 0) {
        e->stats.decode_ms += ms;
    } else {
        e->stats.prefill_ms += ms;
    }
}

/* Fill e->text with the next tokens of tok[*i..n), at most max of them, at s's
 * next positions; logits on every row when `all`. Advances *i. */
static void fill_text_batch(local_engine *e, struct slot *s, const llama_token *tok, int n, int *i, int max, bool all) {
    struct llama_batch *b = &e->text;
    b->n_tokens = 0;
    for (; *i < n && b->n_tokens < max; (*i)++) {
        int j = b->n_tokens++;
        b->token[j] = tok[*i];
        b->pos[j] = s->n_past + j;
        b->n_seq_id[j] = 1;
        b->seq_id[j][0] = s->seq;
        b->logits[j] = all;
    }
}

/* llama_decode text tokens into s's sequence, n_batch at a time, as
 * mtmd_helper_eval_chunk_single does; logits for the last one when asked. */
static int eval_text(local_engine *e, struct slot *s, const llama_token *tok, int n, bool logits_last) {
    struct llama_batch *b = &e->text;
    for (int i = 0; i < n;) {
        fill_text_batch(e, s, tok, n, &i, e->p.n_batch, false);
        if (logits_last && i == n) b->logits[b->n_tokens - 1] = 1;
        double t0 = util_now_ms();
        int rc = llama_decode(e->lctx, *b);
        count_step(e, 0, b->n_tokens, util_now_ms() - t0);
        if (rc != 0) return VLM_ERR_MODEL;
        kvseq_push_tokens(&s->kv, b->token, b->n_tokens);
        s->n_past += b->n_tokens;
    }
    return VLM_OK;
}

/* Encode an image chunk, or take its embedding from the cache; then
 * llama_decode the embedding into s's sequence. An image's first chunk
 * (`first_tile`) counts it as encoded or cached: the figures count images,
 * whatever number of tiles a model cuts them into. */
static int eval_image(local_engine *e, struct slot *s, const mtmd_input_chunk *ch, const uint64_t hash[2],
                      bool first_tile) {
    size_t n_floats = mtmd_input_chunk_get_n_tokens(ch) * (size_t)llama_model_n_embd_inp(e->model);
    const float *embd = e->embd ? embd_cache_get(e->embd, hash, n_floats) : NULL;
    double t0 = util_now_ms();
    if (embd) {
        s->t.n_images_cached += first_tile;
        e->stats.images_cached += first_tile;
    } else {
        if (mtmd_encode_chunk(e->mctx, ch) != 0) return VLM_ERR_MODEL;
        embd = mtmd_get_output_embd(e->mctx);
        e->stats.images_encoded += first_tile;
        if (e->embd) embd_cache_put(e->embd, hash, embd, n_floats);
        double t1 = util_now_ms();
        s->t.image_encode_ms += t1 - t0;
        e->stats.encode_ms += t1 - t0;
        int k = turn_image_of(&s->img, ch);
        if (k >= 0) s->img.encode_ms[k] += t1 - t0;
        t0 = t1;
    }
    llama_pos new_past = s->n_past;
    int rc = mtmd_helper_decode_image_chunk(e->mctx, e->lctx, ch, (float *)embd, s->n_past, s->seq, e->p.n_batch,
                                            &new_past, NULL, NULL);
    double ms = util_now_ms() - t0;
    s->t.prefill_ms += ms;
    count_step(e, 0, 0, ms);
    if (rc != 0) return VLM_ERR_MODEL;
    kvseq_push_image(&s->kv, hash, new_past - s->n_past);
    s->n_past = new_past;
    return VLM_OK;
}

/* Keep tok[0..n) as s's tail, for the step loop to prefill. */
static void defer_tail(struct slot *s, const llama_token *tok, int n) {
    util_grow((void **)&s->pend, &s->cap_pend, n + 1, sizeof *s->pend);
    memcpy(s->pend, tok, (size_t)n * sizeof *tok);
    s->n_pend = n;
    s->i_pend = 0;
    s->prefilling = n > 0;
}

/* Evaluate the prompt from item `keep` on: the rest of a partly held text
 * chunk, then every later chunk. With `defer`, a last chunk of text is not
 * evaluated but kept as s's tail (defer_tail). */
static int eval_prompt(local_engine *e, struct slot *s, const struct prompt *pr, int keep, bool defer, char *err,
                       size_t err_len) {
    for (size_t i = 0; i < pr->n_chunks; i++) {
        if (pr->first[i + 1] <= keep) continue;
        int rc;
        size_t n = 0;
        const llama_token *tok = prompt_chunk_text(pr, i, &n);
        if (tok) {
            int skip = keep > pr->first[i] ? keep - pr->first[i] : 0;
            if (defer && i == pr->n_chunks - 1) {
                defer_tail(s, tok + skip, (int)n - skip);
                return VLM_OK;
            }
            double t0 = util_now_ms();
            rc = eval_text(e, s, tok + skip, (int)n - skip, i == pr->n_chunks - 1);
            s->t.prefill_ms += util_now_ms() - t0;
        } else {
            rc = eval_image(e, s, mtmd_input_chunks_get(pr->chunks, i), pr->hash[i], pr->ordinal[i] == 0);
        }
        if (rc != VLM_OK) {
            const char *why = backend_last_error();
            util_errf(err, err_len, "prefill failed on chunk %zu: %s", i, why[0] ? why : "llama_decode error");
            return VLM_ERR_MODEL;
        }
    }
    return VLM_OK;
}

/* Tokens of the prompt's first `keep` items (images count their tokens). */
static int cached_tokens(const struct prompt *pr, int keep) {
    int n = 0;
    for (size_t i = 0; i < pr->n_chunks && pr->first[i] < keep; i++) {
        int in_chunk = pr->first[i + 1] - pr->first[i], held = keep - pr->first[i];
        if (held >= in_chunk && pr->chunks)
            n += (int)mtmd_input_chunk_get_n_tokens(mtmd_input_chunks_get(pr->chunks, i));
        else if (held >= in_chunk) n += in_chunk; /* text-only: one token per item */
        else n += held;                           /* part of a text chunk: one token per item */
    }
    return n;
}

/* Put the last turn's final token into the KV cache, alone, as llama-mtmd-cli
 * does right after sampling it. */
static int flush_carry(local_engine *e, struct slot *s) {
    if (!s->carry) return VLM_OK;
    s->carry = false;
    double t0 = util_now_ms();
    int rc = eval_text(e, s, &s->tok, 1, false);
    s->t.prefill_ms += util_now_ms() - t0;
    return rc;
}

/* Tokenize a turn's text (with its images) into pr: through mtmd, or, for a
 * text-only model, llama_tokenize into one text chunk. 0 on success; else 1
 * (markers and images differ), 2 (image preprocessing failed) or 3 (images
 * given to a model without a projector). */
static int tokenize_prompt(local_engine *e, struct prompt *pr, const char *text, bool add_special, mtmd_bitmap **bm,
                           int n_images) {
    if (e->mctx) {
        pr->chunks = mtmd_input_chunks_init();
        mtmd_input_text in = {text, strlen(text), add_special, true};
        return mtmd_tokenize(e->mctx, pr->chunks, &in, (const mtmd_bitmap **)bm, (size_t)n_images);
    }
    if (n_images > 0) return 3;
    int len = (int)strlen(text);
    int n = -llama_tokenize(e->vocab, text, len, NULL, 0, add_special, true); /* the count needed */
    pr->text = xcalloc((size_t)(n > 0 ? n : 0) + 1, sizeof *pr->text);
    pr->n_text = n > 0 ? llama_tokenize(e->vocab, text, len, pr->text, n, add_special, true) : 0;
    return pr->n_text < 0 ? 4 : 0;
}

/* Tokenize turn s->turn and prefill it, a first turn from a shared prefix when
 * `share`. On success the logits of its last token are the context's last, or,
 * with `defer`, the text after its last image is s's tail (s->prefilling) for
 * the step loop. */
static int prefill_turn(local_engine *e, struct slot *s, bool share, bool defer, char *err, size_t err_len) {
    const vlm_case *c = s->c;
    struct turn_plan tp;
    plan_turn(c, s->turn, &s->next_image, &tp);
    char *with_suffix = dials_user_text(&e->p, tp.text); /* the setting prompt_suffix */
    free(tp.text);
    tp.text = with_suffix;
    mtmd_bitmap **bm = xcalloc((size_t)tp.n_images + 1, sizeof *bm);
    struct prompt pr;
    memset(&pr, 0, sizeof pr);
    char *text = NULL;
    int rc = load_bitmaps(c, &tp, bm, err, err_len);
    s->t.image_decode_ms = util_now_ms() - s->t0;
    turn_images_begin(&s->img, bm, rc == VLM_OK ? tp.n_images : 0);
    if (rc == VLM_OK && !(text = format_new_user_message(e, s, tp.text, err, err_len))) rc = VLM_ERR_INPUT;
    if (rc == VLM_OK) {
        double t1 = util_now_ms();
        int tr = tokenize_prompt(e, &pr, text, s->turn == 0, bm, tp.n_images);
        double preprocess_ms = tp.n_images ? util_now_ms() - t1 : 0;
        s->t.image_encode_ms += preprocess_ms;
        e->stats.encode_ms += preprocess_ms;
        if (tr != 0) {
            util_errf(err, err_len, "cannot tokenize turn %d (%s)", s->turn,
                      tr == 1   ? "image markers do not match images"
                      : tr == 3 ? "no vision: the model has no projector (mmproj)"
                      : tr == 4 ? "the text does not tokenize"
                                : "image preprocessing failed");
            rc = VLM_ERR_INPUT;
        }
    }
    llama_pos base = s->turn == 0 ? 0 : s->n_past + (s->carry ? 1 : 0);
    if (rc == VLM_OK) {
        prompt_index(&pr);
        for (size_t i = 0; pr.chunks && i < pr.n_chunks; i++) {
            const mtmd_input_chunk *ch = mtmd_input_chunks_get(pr.chunks, i);
            int k = mtmd_input_chunk_get_type(ch) == MTMD_INPUT_CHUNK_TYPE_TEXT ? -1 : turn_image_of(&s->img, ch);
            if (k >= 0) s->img.tokens[k] += (int)mtmd_input_chunk_get_n_tokens(ch);
        }
        s->t.n_prompt_tokens = pr.chunks ? (int)mtmd_helper_get_n_tokens(pr.chunks) : pr.n_text;
        s->t.n_image_tokens = pr.n_image_tokens;
        llama_pos n_pos = pr.chunks ? mtmd_helper_get_n_pos(pr.chunks) : pr.n_text;
        if (base + n_pos + 1 > e->p.n_ctx) {
            util_errf(err, err_len,
                      "prompt too long: turn %d needs %d positions after %d already used, "
                      "the context holds %d (raise --ctx)",
                      s->turn, (int)n_pos, (int)base, e->p.n_ctx);
            rc = VLM_ERR_INPUT;
        }
    }
    if (rc == VLM_OK) {
        int keep = 0;
        if (s->turn == 0) keep = attach_prefix(e, s, &pr.items, share);
        else if (flush_carry(e, s) != VLM_OK) rc = VLM_ERR_MODEL;
        s->t.n_cached_tokens = cached_tokens(&pr, keep);
        e->stats.prompt_tokens += s->t.n_prompt_tokens;
        e->stats.prompt_tokens_cached += s->t.n_cached_tokens;
        if (rc == VLM_OK) rc = eval_prompt(e, s, &pr, keep, defer, err, err_len);
        else util_errf(err, err_len, "decode failed before turn %d", s->turn);
    }
    for (int i = 0; i < tp.n_images; i++)
        if (bm[i]) mtmd_bitmap_free(bm[i]);
    free(bm);
    free(s->prompt_text);
    s->prompt_text = text;
    prompt_free(&pr);
    free(tp.text);
    free(tp.images);
    return rc;
}

/* ------------------------------------------------------------ generation */

/* Top-1 minus top-2 logit of output row `row` (-1: the last). */
static float top2_gap(local_engine *e, int row) {
    const float *logits = llama_get_logits_ith(e->lctx, row);
    int n = llama_vocab_n_tokens(e->vocab);
    float a = -FLT_MAX, b = -FLT_MAX;
    for (int i = 0; i < n; i++) {
        if (logits[i] > a) {
            b = a;
            a = logits[i];
        } else if (logits[i] > b) b = logits[i];
    }
    return a - b;
}

/* Sample s's next token from output row `row`; false when the turn's answer
 * is complete (end of generation, max_tokens, full context). */
static bool take_token(local_engine *e, struct slot *s, int row) {
    float gap = e->p.record_logit_gaps ? top2_gap(e, row) : 0.0f;
    llama_token tok = llama_sampler_sample(s->smpl, e->lctx, row);
    double now = util_now_ms();
    if (s->t_first == 0) {
        s->t_first = now;
        s->t.ttft_ms = now - s->t0;
    }
    s->t.decode_ms = now - s->t_first;
    if (llama_vocab_is_eog(e->vocab, tok)) {
        s->eog = tok;
        return false;
    }
    answer_push(&s->out, tok, gap, now - s->t_last);
    s->t_last = now;
    char piece[256];
    int n = llama_token_to_piece(e->vocab, tok, piece, sizeof piece, 0, true);
    if (n > 0) util_buf_append(&s->out.text, &s->out.len, &s->out.cap, piece, (size_t)n);
    s->tok = tok;
    if (s->n_past >= e->p.n_ctx) return false; /* context full: the answer stops here */
    if (s->out.n >= e->p.sampling.max_tokens) {
        s->carry = s->turn + 1 < s->c->n_turns; /* the next turn needs it in the KV cache */
        return false;
    }
    return true;
}

/* Split the answer at its reasoning block (engine.c's eng_split_reasoning,
 * with the template's tags): r's answer, reasoning, and the block's token
 * count and time. */
static void split_reasoning(local_engine *e, struct slot *s, struct vlm_turn_result *r, char **reasoning) {
    const struct chat_tmpl_info *ti = chat_tmpl_get_info(e->chat);
    struct vlm_reasoning_split sp;
    r->reasoning_state = eng_split_reasoning(s->out.text, ti->think_start, ti->think_end, ti->think_opened, &sp);
    r->output = s->out.text + sp.content_start;
    *reasoning = NULL;
    if (r->reasoning_state == VLM_REASONING_NONE) return;
    *reasoning = xasprintf("%.*s", (int)(sp.reasoning_end - sp.reasoning_start), s->out.text + sp.reasoning_start);
    r->reasoning = *reasoning;
    int k = 0; /* tokens that start before the answer */
    while (k < s->out.n && (size_t)s->out.offsets[k] < sp.content_start) k++;
    if (r->reasoning_state == VLM_REASONING_UNCLOSED) k = s->out.n;
    r->t.n_reasoning_tokens = k;
    /* itl[i] is the gap from token i to token i + 1: first token to token k (the
     * answer's first), or to the last token when there is no answer */
    int upto = k < s->out.n ? k : s->out.n - 1;
    for (int i = 0; i < upto; i++) r->t.reasoning_ms += s->out.itl[i];
}

/* Hand the turn's answer (or error) on; end the case after its last turn or
 * an error. False when the caller wants everything stopped. */
static bool finish_turn(local_engine *e, struct slot *s, const struct vlm_sched_io *io, int rc, const char *err) {
    s->decoding = s->prefilling = false;
    if (stop_requested()) return false; /* never report a cut-off answer */
    struct vlm_turn_result r;
    memset(&r, 0, sizeof r);
    s->t.e2e_ms = util_now_ms() - s->t0;
    s->t.n_output_tokens = s->out.n;
    s->t.decode_tps = s->t.decode_ms > 0 && s->out.n > 1 ? (s->out.n - 1) * 1000.0 / s->t.decode_ms : 0;
    s->t.decode_batch_mean = s->steps ? (double)s->step_seqs / (double)s->steps : 0;
    r.turn = s->turn;
    r.t = s->t;
    r.output = "";
    r.text = rc == VLM_OK ? s->out.text : "";
    r.prompt_text = s->prompt_text;
    char *reasoning = NULL;
    if (rc == VLM_OK) split_reasoning(e, s, &r, &reasoning);
    r.error = rc == VLM_OK ? NULL : err;
    r.n_gaps = rc == VLM_OK && e->p.record_logit_gaps ? s->out.n : 0;
    r.logit_gaps = s->out.gaps;
    r.tokens = s->out.tokens;
    r.token_offsets = s->out.offsets;
    r.n_itl = rc == VLM_OK && s->out.n > 1 ? s->out.n - 1 : 0;
    r.itl_ms = s->out.itl;
    turn_images_spread(&s->img);
    r.n_images = rc == VLM_OK ? s->img.n : 0;
    r.image_tokens = s->img.tokens;
    r.image_encode_ms = s->img.encode_ms;
    if (rc == VLM_OK) remember_answer(e, s);
    else forget_kv(e, s); /* a half-done prefill: the cells do not match s->kv */
    bool go_on = io->on_turn(io->user, s->tag, &r, rc);
    free(reasoning);
    if (rc != VLM_OK || ++s->turn >= s->c->n_turns) s->c = NULL;
    return go_on;
}

/* Begin turn s->turn: prefill it (up to its tail, with prefill_chunk > 0) and
 * sample its first token when the prompt is complete. The turn may end here (an
 * error, or an answer of at most one token). */
static bool start_turn(local_engine *e, struct slot *s, const struct vlm_sched_io *io) {
    memset(&s->t, 0, sizeof s->t);
    answer_reset(&s->out);
    s->t0 = util_now_ms();
    s->t_first = s->t_last = 0;
    s->steps = s->step_seqs = 0;
    s->eog = -1;
    free(s->prompt_text);
    s->prompt_text = NULL;
    if (s->budget) chat_budget_restart(e->chat, e->model, s->budget); /* each turn has its own budget */
    char err[1024] = "";
    int rc = prefill_turn(e, s, true, e->p.prefill_chunk > 0, err, sizeof err);
    if (rc == VLM_OK && s->prefilling) return true; /* the steps complete the prompt */
    if (rc == VLM_OK && take_token(e, s, -1)) {
        s->decoding = true;
        return true;
    }
    return finish_turn(e, s, io, rc, err);
}

/* Put s's next token into the step batch b, with logits. */
static void add_token(struct llama_batch *b, struct slot *s) {
    int j = s->row = b->n_tokens++;
    b->token[j] = s->tok;
    b->pos[j] = s->n_past;
    b->n_seq_id[j] = 1;
    b->seq_id[j][0] = s->seq;
    b->logits[j] = 1;
}

/* Put at most max of s's waiting tail tokens into b, logits on the tail's last
 * one. Returns how many (s->pf_rows). */
static int add_tail(struct llama_batch *b, struct slot *s, int max) {
    int n = s->n_pend - s->i_pend < max ? s->n_pend - s->i_pend : max;
    for (int k = 0; k < n; k++) {
        int j = b->n_tokens++;
        b->token[j] = s->pend[s->i_pend + k];
        b->pos[j] = s->n_past + k;
        b->n_seq_id[j] = 1;
        b->seq_id[j][0] = s->seq;
        b->logits[j] = s->i_pend + k == s->n_pend - 1;
    }
    if (n > 0) s->row = b->n_tokens - 1;
    s->pf_rows = n;
    return n;
}

/* After a step that held s's tail tokens (ms long): they are in the KV cache;
 * a complete prompt samples its first token. False when everything must stop. */
static bool tail_evaluated(local_engine *e, struct slot *s, const struct vlm_sched_io *io, bool failed, double ms) {
    int n = s->pf_rows;
    s->pf_rows = 0;
    s->t.prefill_ms += ms; /* the step's time: this prompt was being prefilled */
    if (failed) {
        char err[256];
        snprintf(err, sizeof err, "prefill failed at token %d of the turn's last %d prompt tokens", s->i_pend,
                 s->n_pend);
        return finish_turn(e, s, io, VLM_ERR_MODEL, err);
    }
    kvseq_push_tokens(&s->kv, s->pend + s->i_pend, n);
    s->n_past += n;
    s->i_pend += n;
    if (s->i_pend < s->n_pend) return true;
    s->prefilling = false;
    if (take_token(e, s, s->row)) {
        s->decoding = true;
        return true;
    }
    return finish_turn(e, s, io, VLM_OK, NULL);
}

/* After a step that held s's next token: it is in the KV cache; sample the
 * next one. False when everything must stop. */
static bool token_evaluated(local_engine *e, struct slot *s, const struct vlm_sched_io *io, bool failed, int n_dec) {
    if (failed) {
        char err[256];
        snprintf(err, sizeof err, "decode failed after %d output tokens", s->out.n);
        return finish_turn(e, s, io, VLM_ERR_MODEL, err);
    }
    kvseq_push_tokens(&s->kv, &s->tok, 1);
    s->n_past++;
    s->steps++;
    s->step_seqs += n_dec;
    return take_token(e, s, s->row) || finish_turn(e, s, io, VLM_OK, NULL);
}

/* One llama_decode: every generating slot's next token, then the waiting
 * tails of the prefilling slots (in slot order) up to the step's prompt
 * budget: prefill_chunk tokens while some slot generates (so its step stays
 * short), n_batch when none does (a prompt prefilled as if alone), never more
 * than the context's n_batch in all. Then each slot in the step goes on. */
static int step(local_engine *e, const struct vlm_sched_io *io) {
    struct llama_batch *b = &e->step;
    b->n_tokens = 0;
    int n_dec = 0, n_pf = 0;
    for (int i = 0; i < e->n_seq; i++) {
        struct slot *s = &e->slots[i];
        s->pf_rows = 0;
        if (s->decoding) {
            add_token(b, s);
            n_dec++;
        }
    }
    int budget = e->p.n_batch - n_dec;
    if (n_dec > 0 && e->p.prefill_chunk < budget) budget = e->p.prefill_chunk;
    for (int i = 0; i < e->n_seq && budget > n_pf; i++)
        if (e->slots[i].prefilling) n_pf += add_tail(b, &e->slots[i], budget - n_pf);
    if (b->n_tokens == 0) return VLM_OK;
    double t0 = util_now_ms();
    bool failed = llama_decode(e->lctx, *b) != 0;
    double ms = util_now_ms() - t0;
    count_step(e, n_dec, n_pf, ms);
    for (int i = 0; i < e->n_seq; i++) {
        struct slot *s = &e->slots[i];
        bool go_on = true;
        if (s->pf_rows > 0) go_on = tail_evaluated(e, s, io, failed, ms);
        else if (s->decoding) go_on = token_evaluated(e, s, io, failed, n_dec);
        if (!go_on) return VLM_ERR_STOPPED;
    }
    return failed ? VLM_ERR_MODEL : VLM_OK;
}

/* Give slot s work: the next turn of its case, else the next case, until it
 * is decoding or nothing is left. False when everything must stop. */
static bool fill_slot(local_engine *e, struct slot *s, const struct vlm_sched_io *io, bool *more) {
    while (!s->decoding && !s->prefilling) {
        if (!s->c) {
            int tag = 0;
            const vlm_case *c = *more ? io->next(io->user, &tag) : NULL;
            if (!c) {
                *more = false;
                return true;
            }
            begin_case(s, c, tag);
        }
        if (stop_requested() || !start_turn(e, s, io)) return false;
    }
    return true;
}

int sched_run(local_engine *e, const struct vlm_sched_io *io) {
    bool more = true;
    int rc = VLM_OK;
    while (rc == VLM_OK) {
        for (int i = 0; i < e->n_seq && rc == VLM_OK; i++)
            if (!fill_slot(e, &e->slots[i], io, &more)) rc = VLM_ERR_STOPPED;
        bool busy = false;
        for (int i = 0; i < e->n_seq; i++) busy |= e->slots[i].decoding || e->slots[i].prefilling;
        if (rc != VLM_OK || !busy) break;
        if (stop_requested()) rc = VLM_ERR_STOPPED;
        else if (step(e, io) == VLM_ERR_STOPPED) rc = VLM_ERR_STOPPED;
    }
    /* Cases still in flight are abandoned (stop): their slots keep what the KV
     * cache holds, which s->kv describes. */
    for (int i = 0; i < e->n_seq; i++) {
        e->slots[i].c = NULL;
        e->slots[i].decoding = e->slots[i].prefilling = false;
        e->slots[i].carry = false;
    }
    return stop_requested() ? VLM_ERR_STOPPED : rc;
}

/* ------------------------------------------------------------ teacher forcing */

int sched_score(local_engine *e, const vlm_case *c, const int32_t *tokens, int n, vlm_logits_cb cb, void *user,
                char *err, size_t err_len) {
    struct slot *s = &e->slots[0];
    int n_vocab = llama_vocab_n_tokens(e->vocab);
    begin_case(s, c, 0);
    memset(&s->t, 0, sizeof s->t);
    s->t0 = util_now_ms();
    int rc = prefill_turn(e, s, false, false, err, err_len);
    if (rc == VLM_OK && s->n_past + n > e->p.n_ctx) {
        util_errf(err, err_len, "prompt and answer need %d positions, the context holds %d", (int)s->n_past + n,
                  e->p.n_ctx);
        rc = VLM_ERR_INPUT;
    }
    if (rc == VLM_OK && n > 0) cb(0, llama_get_logits_ith(e->lctx, -1), n_vocab, user);
    /* Answer tokens 0..n-2, every one with logits (so 32 at a time: each row is
     * n_vocab floats); row j predicts token first + j + 1. */
    struct llama_batch *b = &e->text;
    const int per_call = e->p.n_batch < 32 ? e->p.n_batch : 32;
    for (int i = 0; rc == VLM_OK && i < n - 1;) {
        int first = i;
        fill_text_batch(e, s, tokens, n - 1, &i, per_call, true);
        if (llama_decode(e->lctx, *b) != 0) {
            util_errf(err, err_len, "decode of the forced answer failed at token %d", first);
            rc = VLM_ERR_MODEL;
            break;
        }
        kvseq_push_tokens(&s->kv, b->token, b->n_tokens);
        s->n_past += b->n_tokens;
        for (int j = 0; j < b->n_tokens; j++) cb(first + j + 1, llama_get_logits_ith(e->lctx, j), n_vocab, user);
    }
    if (rc != VLM_OK) forget_kv(e, s);
    s->c = NULL;
    return rc;
}
