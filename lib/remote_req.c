/*
 * remote_req.c - one streaming chat-completion request (remote_req.h): curl
 * handle setup, the Server-Sent Events parser ("data: {json}" lines, "[DONE]"),
 * content-chunk timestamps, usage counts, and the classification of how the
 * attempt ended. docs/remote.md describes the outcomes.
 */
#include "remote_req.h"
#include "stop.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#define BODY_KEEP 600 /* bytes of a non-200 answer kept for the message */

static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void req_curl_global(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
}

/* ------------------------------------------------------------ SSE */

static void add_chunk(struct vlm_req *r, const char *text, size_t n) {
    double now = util_now_ms();
    if (r->n_chunks == 0) {
        r->t_first_ms = now;
    } else {
        util_grow((void **)&r->itl_ms, &r->cap_itl, r->n_itl + 1, sizeof *r->itl_ms);
        r->itl_ms[r->n_itl++] = now - r->t_last_ms;
    }
    r->t_last_ms = now;
    r->n_chunks++;
    util_buf_append(&r->out, &r->out_len, &r->out_cap, text, n);
}

static void take_usage(struct vlm_req *r, json_t *usage) {
    json_t *p = json_object_get(usage, "prompt_tokens"), *c = json_object_get(usage, "completion_tokens");
    if (json_is_integer(p)) r->prompt_tokens = (int)json_integer_value(p);
    if (json_is_integer(c)) r->completion_tokens = (int)json_integer_value(c);
}

/* One event's JSON: content delta, finish_reason, usage, or an error. False
 * (with r->error) when the stream must stop. */
static bool take_event(struct vlm_req *r, json_t *ev) {
    json_t *err = json_object_get(ev, "error");
    if (err) {
        json_t *m = json_is_object(err) ? json_object_get(err, "message") : err;
        snprintf(r->error, sizeof r->error, "the server sent an error in the stream: %.300s",
                 json_is_string(m) ? json_string_value(m) : "(no message)");
        return false;
    }
    json_t *usage = json_object_get(ev, "usage");
    if (json_is_object(usage)) take_usage(r, usage);
    json_t *choice = json_array_get(json_object_get(ev, "choices"), 0);
    if (!choice) return true;
    json_t *delta = json_object_get(choice, "delta");
    json_t *content = json_object_get(delta, "content"), *reasoning = json_object_get(delta, "reasoning_content");
    if (!reasoning) reasoning = json_object_get(delta, "reasoning");
    if (json_is_string(reasoning) && json_string_length(reasoning) > 0 && r->think != 2) {
        if (r->think == 0) util_buf_append(&r->out, &r->out_len, &r->out_cap, "<think>", 7);
        r->think = 1;
        r->n_reasoning_chunks++;
        add_chunk(r, json_string_value(reasoning), json_string_length(reasoning));
    }
    bool has_content = json_is_string(content) && json_string_length(content) > 0;
    json_t *finish = json_object_get(choice, "finish_reason");
    /* the reasoning ends where the content starts, or with the answer unless
     * max tokens cut it */
    if (r->think == 1 && (has_content || (json_is_string(finish) && strcmp(json_string_value(finish), "length")))) {
        util_buf_append(&r->out, &r->out_len, &r->out_cap, "</think>", 8);
        r->think = 2;
    }
    if (has_content && r->think == 2 && r->t_answer_ms == 0) r->t_answer_ms = util_now_ms();
    if (has_content) add_chunk(r, json_string_value(content), json_string_length(content));
    if (json_is_string(finish)) r->saw_finish = true;
    if (json_is_string(finish) && strcmp(json_string_value(finish), "length") == 0) r->finish_length = true;
    return true;
}

/* One complete line of the stream (without its newline). */
static bool take_line(struct vlm_req *r, char *line, size_t n) {
    if (n && line[n - 1] == '\r') line[--n] = 0;
    if (n == 0 || line[0] == ':') return true;       /* event end, comment */
    if (strncmp(line, "data:", 5) != 0) return true; /* event:, id:, retry: */
    const char *data = line + 5;
    if (*data == ' ') data++;
    if (strcmp(data, "[DONE]") == 0) {
        r->saw_done = true;
        return true;
    }
    if (r->saw_done) return true;
    json_error_t je;
    json_t *ev = json_loads(data, 0, &je);
    if (!json_is_object(ev)) {
        snprintf(r->error, sizeof r->error, "malformed SSE data (not a JSON object): '%.80s'", data);
        json_decref(ev);
        return false;
    }
    bool ok = take_event(r, ev);
    json_decref(ev);
    return ok;
}

static void keep_body(struct vlm_req *r, const char *p, size_t n) {
    if (r->body_len >= BODY_KEEP) return;
    if (n > BODY_KEEP - r->body_len) n = BODY_KEEP - r->body_len;
    r->body = xrealloc(r->body, r->body_len + n + 1);
    memcpy(r->body + r->body_len, p, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
}

bool req_feed(struct vlm_req *r, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (r->line_len + 2 > r->line_cap) {
            r->line_cap = r->line_cap ? r->line_cap * 2 : 4096;
            r->line = xrealloc(r->line, r->line_cap);
        }
        if (p[i] != '\n') {
            r->line[r->line_len++] = p[i];
            continue;
        }
        r->line[r->line_len] = 0;
        bool ok = take_line(r, r->line, r->line_len);
        r->line_len = 0;
        if (!ok) return false;
    }
    return true;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *user) {
    struct vlm_req *r = user;
    size_t n = size * nmemb;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->status != 200) {
        keep_body(r, p, n);
        return n;
    }
    return req_feed(r, p, n) ? n : 0; /* 0 aborts the transfer (CURLE_WRITE_ERROR) */
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *user) {
    struct vlm_req *r = user;
    size_t n = size * nmemb;
    if (n > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
        /* delay-seconds, or an HTTP-date (RFC 9110 10.2.3) */
        char *end = NULL;
        double v = strtod(p + 12, &end);
        if (end != p + 12 && v >= 0) {
            r->retry_after_s = v;
        } else {
            char *date = strndup(p + 12, n - 12);
            time_t when = curl_getdate(date, NULL);
            free(date);
            if (when != -1) r->retry_after_s = when > time(NULL) ? (double)(when - time(NULL)) : 0;
        }
    }
    return n;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    (void)user;
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    return stop_requested() ? 1 : 0;
}

/* ------------------------------------------------------------ a request */

void req_reset(struct vlm_req *r) {
    r->status = 0;
    r->retry_after_s = -1;
    r->t_sent_ms = r->t_first_ms = r->t_last_ms = r->t_end_ms = 0;
    r->out_len = 0;
    if (r->out) r->out[0] = 0;
    r->think = 0;
    r->n_reasoning_chunks = 0;
    r->t_answer_ms = 0;
    r->n_chunks = r->n_itl = 0;
    r->prompt_tokens = r->completion_tokens = -1;
    r->saw_done = r->saw_finish = r->finish_length = false;
    r->error[0] = 0;
    r->body_len = 0;
    r->line_len = 0;
}

void req_setup(struct vlm_req *r, const char *base_url, const char *key, const char *json_body, double timeout_s) {
    req_curl_global();
    if (!r->curl) r->curl = curl_easy_init();
    req_reset(r);
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/') n--;
    snprintf(r->url, sizeof r->url, "%.*s/chat/completions", (int)n, base_url);
    r->timeout_s = timeout_s;
    curl_slist_free_all(r->headers);
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    r->headers = curl_slist_append(r->headers, "Accept: text/event-stream");
    if (key) {
        char *auth = xasprintf("Authorization: Bearer %s", key);
        r->headers = curl_slist_append(r->headers, auth);
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    CURL *c = r->curl;
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_PRIVATE, r);
    r->t_sent_ms = util_now_ms();
}

static bool retryable_curl(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR: return true;
    default: return false;
    }
}

/* The start of a non-200 answer, one line, for a message. */
static void body_excerpt(const struct vlm_req *r, char *out, size_t n) {
    snprintf(out, n, "%.200s", r->body ? r->body : "");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

enum vlm_req_outcome req_finish(struct vlm_req *r, CURLcode code, char *msg, size_t msg_len) {
    r->t_end_ms = util_now_ms();
    if (r->line_len && code == CURLE_OK && r->status == 200 && !r->error[0]) {
        r->line[r->line_len] = 0; /* a last line without its newline */
        take_line(r, r->line, r->line_len);
        r->line_len = 0;
    }
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->error[0]) {
        util_errf(msg, msg_len, "POST %s: %s", r->url, r->error);
        return VLM_REQ_FAIL;
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        util_errf(msg, msg_len, "POST %s: stopped", r->url);
        return VLM_REQ_FAIL;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        util_errf(msg, msg_len, "POST %s: timed out after %g s (%d chunks received)", r->url, r->timeout_s,
                  r->n_chunks);
        return VLM_REQ_FAIL;
    }
    if (code != CURLE_OK) {
        util_errf(msg, msg_len, "POST %s: %s (curl error %d)", r->url, curl_easy_strerror(code), (int)code);
        return retryable_curl(code) ? VLM_REQ_RETRY : VLM_REQ_FAIL;
    }
    if (r->status != 200) {
        char body[256];
        body_excerpt(r, body, sizeof body);
        util_errf(msg, msg_len, "POST %s: HTTP %ld%s%s", r->url, r->status, body[0] ? ": " : "", body);
        return r->status == 429 || r->status >= 500 ? VLM_REQ_RETRY : VLM_REQ_FAIL;
    }
    if (!r->saw_done && !r->saw_finish) {
        util_errf(msg, msg_len, "POST %s: the stream ended before [DONE] (%d chunks received)", r->url, r->n_chunks);
        return VLM_REQ_RETRY;
    }
    return VLM_REQ_DONE;
}

void req_timings(const struct vlm_req *q, struct vlm_turn_timings *t) {
    t->ttft_ms = q->n_chunks ? q->t_first_ms - q->t_sent_ms : 0;
    t->e2e_ms = q->t_end_ms - q->t_sent_ms;
    t->decode_ms = q->n_chunks ? q->t_last_ms - q->t_first_ms : 0;
    t->tokens_estimated = q->completion_tokens < 0;
    t->n_output_tokens = q->completion_tokens >= 0 ? q->completion_tokens : q->n_chunks;
    t->n_prompt_tokens = q->prompt_tokens >= 0 ? q->prompt_tokens : 0;
    t->decode_tps = t->decode_ms > 0 && t->n_output_tokens > 1 ? (t->n_output_tokens - 1) * 1000.0 / t->decode_ms : 0;
    /* a server's reasoning_content: its chunks (tokens, as servers stream one
     * token a chunk), and the time from the first chunk to the answer's first */
    t->n_reasoning_tokens = q->n_reasoning_chunks;
    t->reasoning_ms = q->n_reasoning_chunks == 0 ? 0
                                                 : (q->t_answer_ms > 0 ? q->t_answer_ms : q->t_last_ms) - q->t_first_ms;
}

void req_free(struct vlm_req *r) {
    if (r->curl) curl_easy_cleanup(r->curl);
    curl_slist_free_all(r->headers);
    free(r->out);
    free(r->itl_ms);
    free(r->body);
    free(r->line);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ retries */

uint64_t remote_rng_next(uint64_t *state) {
    /* splitmix64: small, seedable, good enough for jitter and arrivals */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double remote_rng_unit(uint64_t *state) { return (double)(remote_rng_next(state) >> 11) / 9007199254740992.0; }

double remote_backoff_ms(int attempt, double retry_after_s, uint64_t *rng) {
    if (retry_after_s >= 0) return (retry_after_s < 60 ? retry_after_s : 60) * 1000.0;
    double base = 500.0 * (double)(1 << (attempt < 6 ? attempt : 6)); /* 0.5 s, 1 s, 2 s, ... */
    return base * (0.5 + remote_rng_unit(rng));                       /* jitter: x0.5 .. x1.5 */
}

void remote_sleep_ms(double ms) {
    while (ms > 0 && !stop_requested()) {
        double step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)(step * 1e6)};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}
