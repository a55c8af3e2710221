/*
 * loadserver.c - a loopback OpenAI-compatible chat endpoint whose speed and
 * answers depend on how many requests it holds at once, for the tests of
 * `vlmeter bench`'s SLO search and accuracy under load (docs/metrics.md). It
 * answers every POST .../chat/completions with an SSE stream of one content
 * chunk, a finish_reason and usage, after:
 *
 *   FAST_MS while at most KNEE requests were in flight at every moment of
 *   its first FAST_MS, else SLOW_MS in all.
 *
 * The answer is the word after "Reply with: " in the request (else "ok"); with
 * --truncate-above N, a request that saw more than N in flight gets only the
 * word's first two letters and finish_reason "length" (counted as above).
 *
 *   loadserver LIFETIME_S PORT_FILE [--knee K] [--fast-ms F] [--slow-ms S]
 *              [--truncate-above N]
 *
 * It listens on a free 127.0.0.1 port, writes the port to PORT_FILE, serves
 * each connection in a thread of its own (Connection: close), logs one line
 * per request on stderr ("chat in_flight=N slow=0|1 cut=0|1") and exits after
 * LIFETIME_S.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static atomic_int in_flight;
/* When the requests in flight last went above the knee, above the cut (ms). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double over_knee_ms = -1, over_cut_ms = -1;
static int knee = 1 << 30, fast_ms = 20, slow_ms = 400, truncate_above = 1 << 30;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* One more request in flight, from `t`; the count. The peak is always reached
 * here, so the times it went over the knee and the cut are noted here. */
static int arrive(double t) {
    pthread_mutex_lock(&lock);
    int n = atomic_fetch_add(&in_flight, 1) + 1;
    if (n > knee) over_knee_ms = t;
    if (n > truncate_above) over_cut_ms = t;
    pthread_mutex_unlock(&lock);
    return n;
}

/* Whether the count went over a bound since t (the request's arrival). */
static int over_since(const double *when, double t) {
    pthread_mutex_lock(&lock);
    int over = *when >= t;
    pthread_mutex_unlock(&lock);
    return over;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {}
}

/* The word after "Reply with: " (letters and digits), or "ok". */
static void answer_word(const char *req, char *out, size_t cap) {
    const char *p = strstr(req, "Reply with: ");
    size_t n = 0;
    if (p)
        for (p += 12;
             n + 1 < cap && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'));)
            out[n++] = *p++;
    if (n == 0) n = (size_t)snprintf(out, cap, "ok");
    out[n] = 0;
}

static void serve(int fd) {
    char method[16], target[1024], *req_body = NULL;
    char *buf = loopback_read_request(fd, &req_body, method, target);
    if (!buf || !strstr(target, "/chat/completions")) {
        const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        loopback_send_all(fd, nf, strlen(nf));
        free(buf);
        return;
    }
    double t = now_ms();
    int seen = arrive(t);
    sleep_ms(fast_ms);
    int slow = over_since(&over_knee_ms, t), cut = over_since(&over_cut_ms, t);
    if (slow && slow_ms > fast_ms) sleep_ms(slow_ms - fast_ms);
    char word[64], body[1024];
    answer_word(buf, word, sizeof word);
    if (cut && strlen(word) > 2) word[2] = 0;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    int n = snprintf(body, sizeof body,
                     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}\n\n"
                     "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"%s\"}],"
                     "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1}}\n\n"
                     "data: [DONE]\n\n",
                     word, cut ? "length" : "stop");
    loopback_send_all(fd, head, strlen(head));
    loopback_send_all(fd, body, (size_t)n);
    fprintf(stderr, "chat in_flight=%d slow=%d cut=%d\n", seen, slow, cut);
    atomic_fetch_sub(&in_flight, 1);
    free(buf);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: loadserver LIFETIME_S PORT_FILE [--knee K] [--fast-ms F] [--slow-ms S] "
                        "[--truncate-above N]\n");
        return 2;
    }
    for (int i = 3; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--knee") == 0) knee = v;
        else if (strcmp(argv[i], "--fast-ms") == 0) fast_ms = v;
        else if (strcmp(argv[i], "--slow-ms") == 0) slow_ms = v;
        else if (strcmp(argv[i], "--truncate-above") == 0) truncate_above = v;
        else {
            fprintf(stderr, "loadserver: unknown switch %s\n", argv[i]);
            return 2;
        }
    }
    return loopback_serve_threads("loadserver", argv[2], (unsigned)atoi(argv[1]), serve);
}
