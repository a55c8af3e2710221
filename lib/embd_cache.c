/*
 * embd_cache.c - image embeddings by content hash, least recently used out
 * first (embd_cache.h). Entries sit in a plain array searched linearly: a
 * suite has at most thousands of images, and one encode costs far more than
 * any search.
 */
#include "embd_cache.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t hash[2];
    float *embd;
    size_t n_floats;
    uint64_t last_used;
};

struct vlm_embd_cache {
    struct entry *e;
    int n, cap;
    size_t max_bytes;
    uint64_t clock;
    struct embd_cache_stats st;
};

vlm_embd_cache *embd_cache_new(size_t max_bytes) {
    vlm_embd_cache *c = xcalloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    return c;
}

static int find(const vlm_embd_cache *c, const uint64_t hash[2]) {
    for (int i = 0; i < c->n; i++)
        if (c->e[i].hash[0] == hash[0] && c->e[i].hash[1] == hash[1]) return i;
    return -1;
}

static void drop(vlm_embd_cache *c, int i) {
    c->st.bytes -= c->e[i].n_floats * sizeof(float);
    free(c->e[i].embd);
    c->e[i] = c->e[--c->n];
}

const float *embd_cache_get(vlm_embd_cache *c, const uint64_t hash[2], size_t n_floats) {
    int i = find(c, hash);
    if (i < 0 || c->e[i].n_floats != n_floats) {
        c->st.misses++;
        return NULL;
    }
    c->st.hits++;
    c->e[i].last_used = ++c->clock;
    return c->e[i].embd;
}

static void evict_one(vlm_embd_cache *c) {
    int oldest = 0;
    for (int i = 1; i < c->n; i++)
        if (c->e[i].last_used < c->e[oldest].last_used) oldest = i;
    drop(c, oldest);
    c->st.evictions++;
}

void embd_cache_put(vlm_embd_cache *c, const uint64_t hash[2], const float *embd, size_t n_floats) {
    size_t bytes = n_floats * sizeof(float);
    int old = find(c, hash);
    if (old >= 0) drop(c, old);
    if (bytes > c->max_bytes) return;
    while (c->n > 0 && c->st.bytes + bytes > c->max_bytes) evict_one(c);
    util_grow((void **)&c->e, &c->cap, c->n + 1, sizeof *c->e);
    struct entry *e = &c->e[c->n++];
    e->hash[0] = hash[0];
    e->hash[1] = hash[1];
    e->embd = xmalloc(bytes ? bytes : 1);
    if (bytes) memcpy(e->embd, embd, bytes);
    e->n_floats = n_floats;
    e->last_used = ++c->clock;
    c->st.bytes += bytes;
}

struct embd_cache_stats embd_cache_stats(const vlm_embd_cache *c) {
    struct embd_cache_stats s = c->st;
    s.n = c->n;
    return s;
}

void embd_cache_free(vlm_embd_cache *c) {
    if (!c) return;
    for (int i = 0; i < c->n; i++) free(c->e[i].embd);
    free(c->e);
    free(c);
}
