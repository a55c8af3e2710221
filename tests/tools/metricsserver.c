/*
 * metricsserver.c - a loopback stand-in for a model server with a Prometheus
 * page, for the server-metrics tests (docs/metrics.md, "Server metrics"). It
 * answers
 *
 *   GET  /metrics               -> the Nth request gets page file N (the last
 *                                  one from then on); a page named "-" is a 404
 *   POST /v1/chat/completions   -> a streamed answer "yes" (usage: 10 prompt
 *                                  tokens, 1 completion token), then [DONE]
 *
 *   metricsserver LIFETIME_S PORT_FILE PAGE_FILE...
 *
 * It listens on a free 127.0.0.1 port, writes the port to PORT_FILE, logs one
 * line per request on stderr ("GET /metrics page=FILE", "POST /v1/chat/completions")
 * and exits after LIFETIME_S. One connection at a time, Connection: close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "loopback.h"

static char **pages;
static int n_pages, n_served;

static void reply(int fd, int status, const char *type, const char *body, size_t n) {
    char head[256];
    int k = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     status == 200 ? "OK" : "Not Found", type, n);
    if (loopback_send_all(fd, head, (size_t)k)) loopback_send_all(fd, body, n);
}

/* The whole file (caller frees), *n its size; NULL when unreadable. */
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(len > 0 ? (size_t)len : 1);
    *n = fread(p, 1, (size_t)(len > 0 ? len : 0), f);
    fclose(f);
    return p;
}

static void metrics(int fd) {
    const char *page = pages[n_served < n_pages ? n_served : n_pages - 1];
    n_served++;
    fprintf(stderr, "GET /metrics page=%s\n", page);
    size_t n = 0;
    char *text = strcmp(page, "-") ? slurp(page, &n) : NULL;
    if (text) reply(fd, 200, "text/plain; version=0.0.4", text, n);
    else reply(fd, 404, "text/plain", "not found\n", 10);
    free(text);
}

static void chat(int fd) {
    static const char stream[] =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"yes\"},\"finish_reason\":null}]}"
        "\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1,\"total_tokens\":11}}\n\n"
        "data: [DONE]\n\n";
    fprintf(stderr, "POST /v1/chat/completions\n");
    reply(fd, 200, "text/event-stream", stream, sizeof stream - 1);
}

/* Read one request (head and Content-Length body) and answer it. */
static void serve(int fd) {
    char method[16], target[1024], *body = NULL;
    char *req = loopback_read_request(fd, &body, method, target);
    if (!req) return;
    if (strcmp(method, "GET") == 0 && strcmp(target, "/metrics") == 0) metrics(fd);
    else if (strcmp(method, "POST") == 0 && strcmp(target, "/v1/chat/completions") == 0) chat(fd);
    else {
        fprintf(stderr, "%s %s not-found\n", method, target);
        reply(fd, 404, "text/plain", "not found\n", 10);
    }
    free(req);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: metricsserver LIFETIME_S PORT_FILE PAGE_FILE...\n");
        return 2;
    }
    pages = argv + 3;
    n_pages = argc - 3;
    return loopback_serve("metricsserver", argv[2], (unsigned)atoi(argv[1]), serve);
}
