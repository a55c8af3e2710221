/*
 * kvseq.h - what one llama.cpp sequence holds in its KV cache, item by item,
 * so that a new prompt can start from the longest prefix some sequence already
 * holds (engine_sched.c). Pure bookkeeping: nothing here calls llama.cpp.
 *
 * An item is one text token (one position) or one whole image (n_pos
 * positions: n_tokens for most models, max(rows, columns) for M-RoPE models).
 * Images are matched by the content hash of their file, never split.
 */
#ifndef VLM_KVSEQ_H
#define VLM_KVSEQ_H

#include <stdbool.h>
#include <stdint.h>

#define VLM_KV_IMAGE (-1) /* the token of an image item */

struct vlm_kv_item {
    int32_t token;    /* a text token id, or VLM_KV_IMAGE */
    int32_t n_pos;    /* positions the item takes: 1 for a token */
    uint64_t hash[2]; /* an image's content hash; 0 for a token */
};

struct vlm_kv_seq {
    struct vlm_kv_item *items;
    int n, cap;
    int32_t n_pos; /* positions held: the sum of the items' n_pos */
};

/* Append text tokens / one image. */
void kvseq_push_tokens(struct vlm_kv_seq *s, const int32_t *tokens, int n);
void kvseq_push_image(struct vlm_kv_seq *s, const uint64_t hash[2], int32_t n_pos);

/* Keep the first n items (n <= s->n). */
void kvseq_truncate(struct vlm_kv_seq *s, int n);

/* Make dst the first n items of src. */
void kvseq_copy_prefix(struct vlm_kv_seq *dst, const struct vlm_kv_seq *src, int n);

/* The number of leading items a and b share. */
int kvseq_common_prefix(const struct vlm_kv_seq *a, const struct vlm_kv_seq *b);

/* Positions taken by the first n items. */
int32_t kvseq_pos_at(const struct vlm_kv_seq *s, int n);

/* Forget everything (the memory stays for reuse). */
void kvseq_clear(struct vlm_kv_seq *s);
void kvseq_free(struct vlm_kv_seq *s);

#endif
