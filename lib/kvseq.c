/*
 * kvseq.c - the item-by-item record of a sequence's KV cache and the longest
 * common prefix of two such records (kvseq.h).
 */
#include "kvseq.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static struct vlm_kv_item *push(struct vlm_kv_seq *s) {
    util_grow((void **)&s->items, &s->cap, s->n + 1, sizeof *s->items);
    return &s->items[s->n++];
}

void kvseq_push_tokens(struct vlm_kv_seq *s, const int32_t *tokens, int n) {
    for (int i = 0; i < n; i++) {
        struct vlm_kv_item *it = push(s);
        memset(it, 0, sizeof *it);
        it->token = tokens[i];
        it->n_pos = 1;
    }
    s->n_pos += n;
}

void kvseq_push_image(struct vlm_kv_seq *s, const uint64_t hash[2], int32_t n_pos) {
    struct vlm_kv_item *it = push(s);
    it->token = VLM_KV_IMAGE;
    it->n_pos = n_pos;
    it->hash[0] = hash[0];
    it->hash[1] = hash[1];
    s->n_pos += n_pos;
}

int32_t kvseq_pos_at(const struct vlm_kv_seq *s, int n) {
    int32_t pos = 0;
    for (int i = 0; i < n && i < s->n; i++) pos += s->items[i].n_pos;
    return pos;
}

void kvseq_truncate(struct vlm_kv_seq *s, int n) {
    if (n >= s->n) return;
    s->n_pos = kvseq_pos_at(s, n);
    s->n = n;
}

void kvseq_copy_prefix(struct vlm_kv_seq *dst, const struct vlm_kv_seq *src, int n) {
    if (n > src->n) n = src->n;
    util_grow((void **)&dst->items, &dst->cap, n, sizeof *dst->items);
    if (n > 0) memcpy(dst->items, src->items, (size_t)n * sizeof *dst->items);
    dst->n = n;
    dst->n_pos = kvseq_pos_at(dst, n);
}

static bool same_item(const struct vlm_kv_item *a, const struct vlm_kv_item *b) {
    return a->token == b->token && a->n_pos == b->n_pos && a->hash[0] == b->hash[0] && a->hash[1] == b->hash[1];
}

int kvseq_common_prefix(const struct vlm_kv_seq *a, const struct vlm_kv_seq *b) {
    int n = a->n < b->n ? a->n : b->n, i = 0;
    while (i < n && same_item(&a->items[i], &b->items[i])) i++;
    return i;
}

void kvseq_clear(struct vlm_kv_seq *s) {
    s->n = 0;
    s->n_pos = 0;
}

void kvseq_free(struct vlm_kv_seq *s) {
    free(s->items);
    memset(s, 0, sizeof *s);
}
