/*
 * remote_twin.c - the image tokens of a remote turn derived from the server's
 * usage (remote_dials.h, docs/remote.md "Image tokens"): the turn's prompt
 * tokens less those of its text-only twin, one request with max_tokens=1 per
 * distinct twin body, on a handle of its own, cached for the engine's life.
 */
#include "remote.h"
#include "remote_dials.h"
#include "remote_twin.h"
#include "remote_req.h"
#include "stop.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

struct twin_entry {
    uint64_t hash; /* XXH3 of the body, looked at first */
    char *body;
    int prompt_tokens;
};

struct dials_tokens {
    struct vlm_req req; /* its own handle: the turn's results stay in the engine's */
    struct twin_entry *cache;
    int n_cache, cap_cache;
    int next_url;
    uint64_t rng; /* backoff jitter */
    int n_sent, n_cached;
};

struct dials_tokens *dials_tokens_new(void) {
    struct dials_tokens *d = xcalloc(1, sizeof *d);
    d->rng = 0x7477696E5F726571ull;
    return d;
}

void dials_tokens_free(struct dials_tokens *d) {
    if (!d) return;
    req_free(&d->req);
    for (int i = 0; i < d->n_cache; i++) free(d->cache[i].body);
    free(d->cache);
    free(d);
}

int dials_tokens_sent(const struct dials_tokens *d) { return d ? d->n_sent : 0; }
int dials_tokens_cached(const struct dials_tokens *d) { return d ? d->n_cached : 0; }

static struct twin_entry *cache_find(struct dials_tokens *d, uint64_t hash, const char *body) {
    for (int i = 0; i < d->n_cache; i++)
        if (d->cache[i].hash == hash && strcmp(d->cache[i].body, body) == 0) return &d->cache[i];
    return NULL;
}

/* The usage prompt_tokens of one text-only request (retried as a turn's
 * request is); -1 when it fails or the server sends no usage. */
static int twin_request(struct dials_tokens *d, const struct vlm_remote_params *rp, const char *key, const char *body) {
    d->n_sent++;
    for (int attempt = 0;; attempt++) {
        char msg[512];
        req_setup(&d->req, rp->urls[d->next_url++ % rp->n_urls], key, body, rp->timeout_s);
        CURLcode code = curl_easy_perform(d->req.curl);
        enum vlm_req_outcome o = req_finish(&d->req, code, msg, sizeof msg);
        if (o == VLM_REQ_DONE) return d->req.prompt_tokens;
        if (o == VLM_REQ_FAIL || attempt >= rp->max_retries || stop_requested()) return -1;
        remote_sleep_ms(remote_backoff_ms(attempt, d->req.retry_after_s, &d->rng));
    }
}

bool dials_image_tokens(struct dials_tokens *d, const struct vlm_engine_params *p, const char *key, json_t *messages,
                        int prompt_tokens, struct vlm_turn_timings *t) {
    if (!d || prompt_tokens < 0 || p->remote.n_urls <= 0) return false;
    int n_images = 0;
    json_t *twin = dials_text_twin(messages, &n_images);
    if (n_images == 0) {
        json_decref(twin);
        return false;
    }
    struct vlm_engine_params one = *p;
    one.sampling.max_tokens = 1; /* only its usage is wanted */
    char *body = remote_chat_body(&one, twin);
    json_decref(twin);
    uint64_t hash = XXH3_64bits(body, strlen(body));
    struct twin_entry *hit = cache_find(d, hash, body);
    bool sent = false;
    int text_tokens;
    if (hit) {
        text_tokens = hit->prompt_tokens;
        d->n_cached++;
        free(body);
    } else {
        text_tokens = twin_request(d, &p->remote, key, body);
        sent = true;
        if (text_tokens >= 0) { /* a failure is asked again next time */
            util_grow((void **)&d->cache, &d->cap_cache, d->n_cache + 1, sizeof *d->cache);
            d->cache[d->n_cache++] = (struct twin_entry){hash, body, text_tokens};
        } else {
            free(body);
        }
    }
    if (text_tokens >= 0 && prompt_tokens >= text_tokens) {
        t->n_image_tokens = prompt_tokens - text_tokens;
        t->image_tokens_derived = true;
    }
    return sent;
}
