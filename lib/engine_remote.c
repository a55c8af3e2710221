/*
 * engine_remote.c - the remote engine: a model behind an OpenAI-compatible
 * /chat/completions endpoint (vLLM, SGLang, llama-server, Ollama, hosted APIs),
 * reached through the vlm_engine dispatcher (engine.c).
 *
 * A case is one conversation: each turn sends the whole chat so far (user turns
 * with their images as base64 data: URLs, and the model's earlier replies) with
 * stream=true, and times the content chunks as they arrive (remote_req.c).
 * Connection errors, 429 and 5xx are retried with exponential backoff and
 * jitter, honouring Retry-After; other failures become the turn's error. The API
 * key is read from the environment at init and lives only in request headers.
 * docs/remote.md says what is sent and how each failure ends.
 */
#include "engine_impl.h"
#include "prompt_dials.h"
#include "remote.h"
#include "remote_dials.h"
#include "remote_req.h"
#include "remote_twin.h"
#include "stop.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct remote_engine {
    struct vlm_engine_params p;
    char *key; /* the API key's value, or NULL */
    struct vlm_model_info info;
    struct vlm_req req; /* one handle: connections are kept alive between turns */
    int next_url;       /* round-robin over p.remote.urls */
    uint64_t rng;       /* jitter of the backoff, seeded from the sampling seed */
    json_t *messages;   /* the conversation so far */
    /* image tokens derived from text-only twins of the requests (remote_dials.c) */
    struct dials_tokens *dials;
} remote_engine;

/* ------------------------------------------------------------ init */

int remote_key(const struct vlm_remote_params *rp, const char **key, char *err, size_t err_len) {
    *key = NULL;
    if (!rp->model_id || !rp->model_id[0]) {
        util_errf(err, err_len, "remote model at %s has no model=ID", rp->urls[0]);
        return VLM_ERR_INPUT;
    }
    if (!rp->key_env) return VLM_OK;
    *key = getenv(rp->key_env);
    if (*key && (*key)[0]) return VLM_OK;
    util_errf(err, err_len, "environment variable %s (key_env) is not set", rp->key_env);
    return VLM_ERR_INPUT;
}

static void *remote_init(struct vlm_engine_params params, char *err, size_t err_len) {
    const struct vlm_remote_params *rp = &params.remote;
    const char *key = NULL;
    if (remote_key(rp, &key, err, err_len) != VLM_OK) return NULL;
    if (dials_check(rp, err, err_len) != VLM_OK) return NULL;
    remote_engine *e = xcalloc(1, sizeof *e);
    e->p = params;
    e->key = key ? xstrdup(key) : NULL;
    e->rng = params.sampling.seed ^ 0x5DEECE66Dull;
    snprintf(e->info.arch, sizeof e->info.arch, "%.63s", rp->model_id);
    snprintf(e->info.template_name, sizeof e->info.template_name, "server");
    snprintf(e->info.backend, sizeof e->info.backend, "remote");
    e->info.has_vision = !params.text_only; /* until the server refuses image content */
    e->dials = dials_tokens_new();
    req_curl_global();
    return e;
}

static void remote_free(void *impl) {
    remote_engine *e = impl;
    if (!e) return;
    req_free(&e->req);
    json_decref(e->messages);
    dials_tokens_free(e->dials);
    if (e->key) memset(e->key, 0, strlen(e->key));
    free(e->key);
    free(e);
}

static const struct vlm_model_info *remote_info(const void *impl) { return &((const remote_engine *)impl)->info; }

/* ------------------------------------------------------------ one turn */

/* Send `body` until an attempt ends well, fails for good, or the retries run out. */
static int send_with_retries(remote_engine *e, const char *body, int *n_retries, char *err, size_t err_len) {
    const struct vlm_remote_params *rp = &e->p.remote;
    for (int attempt = 0;; attempt++) {
        const char *url = rp->urls[e->next_url++ % rp->n_urls];
        req_setup(&e->req, url, e->key, body, rp->timeout_s);
        CURLcode code = curl_easy_perform(e->req.curl);
        enum vlm_req_outcome o = req_finish(&e->req, code, err, err_len);
        *n_retries = attempt;
        if (stop_requested()) return VLM_ERR_STOPPED;
        if (o == VLM_REQ_DONE) return VLM_OK;
        if (o == VLM_REQ_FAIL || attempt >= rp->max_retries) {
            if (o == VLM_REQ_RETRY && attempt > 0) {
                size_t n = strlen(err);
                snprintf(err + n, err_len - n, " (after %d attempts)", attempt + 1);
            }
            return VLM_ERR_MODEL;
        }
        remote_sleep_ms(remote_backoff_ms(attempt, e->req.retry_after_s, &e->rng));
    }
}

/* After a failed turn whose request carried images: when the server's answer
 * says the model takes no images (remote_refuses_images), the model is
 * text-only from now on and the turn is marked no_vision (not applicable). */
static void note_refusal(remote_engine *e, struct vlm_turn_result *r, char *err, size_t err_len) {
    if (!remote_refuses_images(e->req.status, e->req.body)) return;
    e->info.has_vision = false;
    r->no_vision = true;
    char why[1024];
    snprintf(why, sizeof why, "no vision: the server refused image content (%.900s)", err);
    snprintf(err, err_len, "%s", why);
}

static int run_turn(remote_engine *e, const vlm_case *c, int turn, int *next_image, struct vlm_turn_result *r,
                    char *err, size_t err_len) {
    double t0 = util_now_ms();
    int images_before = *next_image;
    json_t *msg = remote_user_message(&e->p, c, turn, next_image, err, err_len);
    r->t.image_decode_ms = util_now_ms() - t0;
    if (!msg) return VLM_ERR_INPUT;
    dials_remote_user(&e->p, msg); /* the setting prompt_suffix */
    json_array_append_new(e->messages, msg);
    char *body = remote_chat_body(&e->p, e->messages);
    int rc = send_with_retries(e, body, &r->t.n_retries, err, err_len);
    free(body);
    if (rc == VLM_ERR_MODEL && (*next_image > images_before || turn == 0) && c->n_images > 0)
        note_refusal(e, r, err, err_len);
    if (rc != VLM_OK) return rc;
    req_timings(&e->req, &r->t);
    /* after the timed request, on a handle of its own: the timings above stay the turn's */
    if (!e->p.remote.no_token_twins)
        dials_image_tokens(e->dials, &e->p, e->key, e->messages, e->req.prompt_tokens, &r->t);
    json_array_append_new(e->messages,
                          json_pack("{s:s, s:s}", "role", "assistant", "content", e->req.out ? e->req.out : ""));
    return VLM_OK;
}

/* Answer one case, turn by turn, in one conversation. False when the caller
 * wants everything stopped. */
static bool answer_case(remote_engine *e, const vlm_case *c, int tag, const struct vlm_sched_io *io) {
    json_decref(e->messages);
    e->messages = json_array();
    json_t *system = dials_remote_system(&e->p); /* the setting system: first in every case */
    if (system) json_array_append_new(e->messages, system);
    int next_image = 0;
    for (int turn = 0; turn < c->n_turns; turn++) {
        struct vlm_turn_result r;
        memset(&r, 0, sizeof r);
        r.turn = turn;
        char err[1024] = "";
        int rc = run_turn(e, c, turn, &next_image, &r, err, sizeof err);
        if (stop_requested()) return false;
        const char *text = rc == VLM_OK && e->req.out ? e->req.out : "";
        struct vlm_reasoning_split sp;
        char *reasoning = NULL;
        r.text = text;
        r.reasoning_state = eng_split_reasoning(text, "<think>", "</think>", false, &sp);
        r.output = text + sp.content_start;
        if (r.reasoning_state != VLM_REASONING_NONE) {
            reasoning = xasprintf("%.*s", (int)(sp.reasoning_end - sp.reasoning_start), text + sp.reasoning_start);
            r.reasoning = reasoning;
        }
        r.error = rc == VLM_OK ? NULL : err;
        r.n_itl = rc == VLM_OK ? e->req.n_itl : 0;
        r.itl_ms = e->req.itl_ms;
        bool go_on = io->on_turn(io->user, tag, &r, rc);
        free(reasoning);
        if (!go_on) return false;
        if (rc != VLM_OK) return true;
    }
    return true;
}

/* One case at a time, in the order given (concurrency is the runner's:
 * one engine per connection). */
static int remote_schedule(void *impl, const struct vlm_sched_io *io) {
    int tag = 0;
    for (const vlm_case *c; (c = io->next(io->user, &tag));)
        if (!answer_case(impl, c, tag, io)) return VLM_ERR_STOPPED;
    return stop_requested() ? VLM_ERR_STOPPED : VLM_OK;
}

static const struct vlm_engine_stats *remote_stats(const void *impl) { return NULL; }

/* vlm_engine_retune: a remote model has no load; every setting the dispatcher
 * let through is per request, so the new ones replace the old. */
static int remote_retune(void *impl, const struct vlm_engine_params *p) {
    remote_engine *e = impl;
    /* processor= is checked as at init: refused here, the model loads alone and init names the key */
    if (dials_check(&p->remote, NULL, 0) != VLM_OK) return VLM_ERR_INPUT;
    e->p = *p;
    return VLM_OK;
}

const struct vlm_engine_ops vlm_engine_remote_ops = {
    "remote", remote_init, remote_schedule, remote_info, remote_stats, NULL, remote_free, NULL, remote_retune,
};
