/*
 * arena.h - a private bump allocator for data that lives exactly as long as its
 * owner (a suite's cases and strings, a plan's paths): many small allocations,
 * one free. Header-only; not part of the public API.
 */
#ifndef VLM_ARENA_H
#define VLM_ARENA_H

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define VLM_ARENA_BLOCK 16384

struct vlm_arena_block {
    struct vlm_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

typedef struct vlm_arena {
    struct vlm_arena_block *head; /* the block being filled; older ones follow */
} vlm_arena;

/* n zeroed bytes, aligned for any type, valid until arena_free. */
static inline void *arena_alloc(vlm_arena *a, size_t n) {
    const size_t align = alignof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0) n = align;
    struct vlm_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > VLM_ARENA_BLOCK / 4 ? n : VLM_ARENA_BLOCK;
        b = xmalloc(sizeof *b + size);
        b->used = 0;
        b->size = size;
        if (size == n && a->head) { /* a big one-off: keep filling the current block */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return memset(p, 0, n);
}

static inline char *arena_strndup(vlm_arena *a, const char *s, size_t n) {
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    return d;
}

static inline char *arena_strdup(vlm_arena *a, const char *s) {
    return arena_strndup(a, s ? s : "", strlen(s ? s : ""));
}

/* Move a malloc'ed string into the arena and free the original. */
static inline char *arena_take(vlm_arena *a, char *s) {
    char *d = arena_strdup(a, s);
    free(s);
    return d;
}

static inline void arena_free(vlm_arena *a) {
    for (struct vlm_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

#endif
