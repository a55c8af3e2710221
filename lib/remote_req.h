/*
 * remote_req.h - one streaming chat-completion request to an OpenAI-compatible
 * server over a libcurl easy handle: the SSE parser, the timings of the content
 * chunks, and the verdict (done, retry, fail) with a message. The handle can be
 * driven by curl_easy_perform (engine_remote.c) or by a curl multi handle
 * (bench.c). Not part of the public API.
 */
#ifndef VLM_REMOTE_REQ_H
#define VLM_REMOTE_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

enum vlm_req_outcome {
    VLM_REQ_DONE,  /* the stream ended with [DONE] or a finish_reason */
    VLM_REQ_RETRY, /* connection error, 429 or 5xx: worth another attempt */
    VLM_REQ_FAIL,  /* anything else: another attempt would fail the same way */
};

struct vlm_req {
    CURL *curl;
    struct curl_slist *headers;
    char url[1024]; /* the full .../chat/completions URL */
    double timeout_s;
    /* results of the attempt */
    long status;          /* HTTP status, 0 before headers */
    double retry_after_s; /* Retry-After of a 429/503, -1 when absent */
    double t_sent_ms, t_first_ms, t_last_ms, t_end_ms;
    char *out;              /* content chunks, concatenated; reasoning chunks (a server's
                            reasoning_content) come first, between <think> and </think> */
    int think;              /* 0: no reasoning chunk yet, 1: in reasoning, 2: reasoning closed */
    int n_reasoning_chunks; /* reasoning_content chunks received */
    double t_answer_ms;     /* when the first content chunk after reasoning came (0: none) */
    size_t out_len, out_cap;
    int n_chunks;   /* content chunks received */
    double *itl_ms; /* gaps between consecutive content chunks */
    int n_itl, cap_itl;
    int prompt_tokens, completion_tokens; /* from `usage`; -1 when not sent */
    bool saw_done, saw_finish;
    bool finish_length; /* the finish_reason was "length": the answer was cut */
    char error[512];    /* set by the parser (malformed data, an error event) */
    char *body;         /* a non-200 answer's first bytes, for the message */
    size_t body_len;
    /* SSE line assembly */
    char *line;
    size_t line_len, line_cap;
};

/* Prepare r for one POST of `json_body` (not copied: keep it alive) to
 * BASE_URL/chat/completions, with "Authorization: Bearer KEY" when key is not
 * NULL. Reuses r->curl (and its connections) when set. */
void req_setup(struct vlm_req *r, const char *base_url, const char *key, const char *json_body, double timeout_s);

/* Feed n bytes of a 200 answer's event stream to the SSE parser (lines may be
 * split anywhere between calls). False when the stream is malformed or carries
 * an error event; r->error says which. */
bool req_feed(struct vlm_req *r, const char *bytes, size_t n);

/* Call when the transfer ended with `code`; says what to do, with a message in
 * msg (naming the URL and the HTTP status or curl error) unless DONE. */
enum vlm_req_outcome req_finish(struct vlm_req *r, CURLcode code, char *msg, size_t msg_len);

/* The turn timings and counts of a finished attempt (docs/metrics.md). */
struct vlm_turn_timings;
void req_timings(const struct vlm_req *r, struct vlm_turn_timings *t);

/* Forget an attempt's results but keep the handle for the next one. */
void req_reset(struct vlm_req *r);

/* Free everything, the curl handle included. */
void req_free(struct vlm_req *r);

/* curl_global_init once per process. */
void req_curl_global(void);

/* Retries and arrivals (remote_req.c): */

/* Wait before retry `attempt` (0-based): Retry-After when the server gave one
 * (retry_after_s >= 0; at most 60 s), else 0.5 s * 2^attempt (at most 32 s)
 * with jitter x0.5..x1.5. */
double remote_backoff_ms(int attempt, double retry_after_s, uint64_t *rng);

/* Sleep, waking early when a stop was requested. */
void remote_sleep_ms(double ms);

/* splitmix64 */
uint64_t remote_rng_next(uint64_t *state);
double remote_rng_unit(uint64_t *state); /* uniform in [0, 1) */

#endif
