/*
 * embd_cache.h - image embeddings kept by the content hash of the image file,
 * so one model encodes each distinct image once (engine_sched.c). Least
 * recently used entries leave first when the byte budget is reached. Pure
 * bookkeeping: nothing here calls llama.cpp.
 */
#ifndef VLM_EMBD_CACHE_H
#define VLM_EMBD_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct vlm_embd_cache vlm_embd_cache;

struct embd_cache_stats {
    int64_t hits, misses, evictions;
    size_t bytes; /* held now */
    int n;        /* entries held now */
};

/* A cache holding at most max_bytes of embeddings. */
vlm_embd_cache *embd_cache_new(size_t max_bytes);

/* The embedding stored for hash, n_floats long, or NULL (a miss). A hit makes
 * the entry the most recently used. The pointer is valid until the next put. */
const float *embd_cache_get(vlm_embd_cache *c, const uint64_t hash[2], size_t n_floats);

/* Store a copy of embd under hash, evicting least recently used entries to stay
 * within the budget. An embedding larger than the whole budget is not kept. */
void embd_cache_put(vlm_embd_cache *c, const uint64_t hash[2], const float *embd, size_t n_floats);

struct embd_cache_stats embd_cache_stats(const vlm_embd_cache *c);

void embd_cache_free(vlm_embd_cache *c);

#endif
