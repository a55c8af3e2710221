/*
 * faultproxy.c - a small HTTP/1.1 proxy on loopback for the remote engine's
 * tests: it forwards each POST to a backend (or answers it itself with a fixed
 * chat-completion stream) and injects the faults of a per-request schedule.
 *
 *   faultproxy BACKEND_PORT SCHEDULE LIFETIME_S [PORT_FILE]
 *
 * BACKEND_PORT 0 answers every "ok" request itself (a trivial, keep-alive
 * endpoint: bench/client_throughput.sh), with "Hello world", or with the SSE
 * bodies of the files listed in $FAULTPROXY_SSE (colon-separated; request k
 * gets file k modulo their count). SCHEDULE is a comma list applied to
 * requests in arrival order; requests past its end are "ok":
 *   ok         forward (or answer) normally
 *   500        HTTP 500 with a short JSON error
 *   429        HTTP 429 with "Retry-After: 1"
 *   429date    HTTP 429 with Retry-After as an HTTP-date 2 s ahead
 *   reset      forward, then reset the connection (RST) after part of the stream
 *   stall      forward part of the stream, then send nothing more
 *   malformed  HTTP 200 with an SSE stream whose data line is not JSON
 *   noimage    a request with image content (an "image_url" part) gets HTTP 400
 *              with llama-server's answer when started without --mmproj; any
 *              other request is forwarded (a text-only model's server)
 * A request whose body asks "max_tokens":1 (the remote engine's text-only twin
 * of an image request, counting the images' tokens: docs/remote.md, "Image
 * tokens") is forwarded (or answered with the fixed stream) outside the
 * schedule: it takes no slot of it nor of $FAULTPROXY_SSE, and is logged as
 * "faultproxy: twin: ok".
 * Anything but a POST (vlmeter's reads of a /metrics page) gets a 404 and takes
 * no place in the schedule.
 * The proxy listens on a free 127.0.0.1 port, writes it to PORT_FILE (or
 * stdout), logs one line per request on stderr and exits after LIFETIME_S.
 * poll()-based, single-threaded; loopback only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN    1024
#define REQ_MAX     (64 << 20)
#define RESET_AFTER 400 /* response bytes relayed before a reset */
#define STALL_AFTER 400 /* response bytes relayed before a stall */

enum action { A_OK, A_500, A_429, A_429_DATE, A_RESET, A_STALL, A_MALFORMED, A_NOIMAGE };
static const char *const ACTION_NAMES[] = {"ok", "500", "429", "429date", "reset", "stall", "malformed", "noimage"};

/* What llama-server (tools/server/server-common.cpp) answers a request with
 * image content when it was started without --mmproj. */
static const char NO_IMAGE_BODY[] =
    "{\"error\":{\"code\":400,\"message\":\"image input is not supported - hint: if this is unexpected, you may "
    "need to provide the mmproj\",\"type\":\"invalid_request_error\"}}";

/* Whether the first n bytes of p hold `needle`. */
static int holds(const char *p, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0) return 1;
    return 0;
}

struct conn {
    int fd, backend; /* backend: -1 when not forwarding */
    char *req;       /* the request being read */
    size_t len, cap;
    enum action act;
    size_t relayed; /* response bytes sent to the client */
    int stalled;
};

static struct conn conns[MAX_CONN];
static int n_conns;
static int backend_port;
static enum action *schedule;
static int n_schedule, n_requests;

static const char SSE_OK[] =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n"
    "data: [DONE]\n\n";
static char **sse_files; /* $FAULTPROXY_SSE bodies */
static int n_sse_files, n_answered;

static void load_sse_files(void) {
    const char *list = getenv("FAULTPROXY_SSE");
    if (!list || !list[0]) return;
    char *copy = strdup(list), *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        FILE *f = fopen(p, "rb");
        if (!f) {
            fprintf(stderr, "faultproxy: cannot open %s\n", p);
            exit(2);
        }
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        sse_files = realloc(sse_files, (size_t)(n_sse_files + 1) * sizeof *sse_files);
        sse_files[n_sse_files++] = strdup(buf);
    }
    free(copy);
}

static const char SSE_BAD[] = "data: {\"choices\": [{\"delta\": {\"content\": \"Hel\n\ndata: [DONE]\n\n";

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_schedule(const char *s) {
    char *copy = strdup(s), *save = NULL;
    schedule = calloc(strlen(s) + 1, sizeof *schedule);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int a = -1;
        for (int i = 0; i < (int)(sizeof ACTION_NAMES / sizeof *ACTION_NAMES); i++)
            if (strcmp(t, ACTION_NAMES[i]) == 0) a = i;
        if (a < 0) {
            fprintf(stderr, "faultproxy: unknown action '%s'\n", t);
            exit(2);
        }
        schedule[n_schedule++] = (enum action)a;
    }
    free(copy);
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void close_conn(int i, int reset) {
    struct conn *c = &conns[i];
    if (reset) {
        struct linger l = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(c->fd);
    if (c->backend >= 0) close(c->backend);
    free(c->req);
    conns[i] = conns[--n_conns];
}

/* Length of a complete request at the start of c->req, or 0 while incomplete. */
static size_t request_length(const struct conn *c) {
    char *end = memmem(c->req, c->len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->req) + 4, body = 0;
    for (char *p = c->req; p < end; p = memchr(p, '\n', (size_t)(end - p)) + 1) {
        if (strncasecmp(p, "Content-Length:", 15) == 0) body = strtoul(p + 15, NULL, 10);
        if (!memchr(p, '\n', (size_t)(end - p))) break;
    }
    return c->len >= head + body ? head + body : 0;
}

static int reply(struct conn *c, const char *status, const char *extra, const char *type, const char *body, int keep) {
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n\r\n",
                     status, extra, type, strlen(body), keep ? "keep-alive" : "close");
    return write_all(c->fd, head, (size_t)n) || write_all(c->fd, body, strlen(body)) ? -1 : 0;
}

/* Open the backend and send it the request with "Connection: close" added. */
static int forward(struct conn *c, size_t n) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)backend_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char *eol = memchr(c->req, '\n', n);
    size_t first = eol ? (size_t)(eol - c->req) + 1 : 0;
    static const char cc[] = "Connection: close\r\n";
    if (write_all(fd, c->req, first) || write_all(fd, cc, sizeof cc - 1) || write_all(fd, c->req + first, n - first)) {
        close(fd);
        return -1;
    }
    c->backend = fd;
    c->relayed = 0;
    return 0;
}

/* A complete request arrived on connection i: act on it. Returns -1 to close. */
static int handle_request(int i, size_t n) {
    struct conn *c = &conns[i];
    if (n < 5 || memcmp(c->req, "POST ", 5) != 0) { /* a GET (a /metrics page): outside the schedule */
        fprintf(stderr, "faultproxy: not a POST: 404\n");
        reply(c, "404 Not Found", "", "text/plain", "not found\n", 0);
        return -1;
    }
    if (holds(c->req, n, "\"max_tokens\":1,")) {
        fprintf(stderr, "faultproxy: twin: ok\n");
        c->act = A_OK;
        if (backend_port != 0) return forward(c, n);
        int rc = reply(c, "200 OK", "", "text/event-stream", SSE_OK, 1);
        memmove(c->req, c->req + n, c->len - n);
        c->len -= n;
        return rc;
    }
    int k = n_requests++;
    c->act = k < n_schedule ? schedule[k] : A_OK;
    int has_image = holds(c->req, n, "\"image_url\"");
    fprintf(stderr, "faultproxy: request %d: %s%s\n", k, ACTION_NAMES[c->act],
            c->act != A_NOIMAGE ? ""
            : has_image         ? " refused (image content)"
                                : " forwarded (text only)");
    int rc = 0;
    switch (c->act) {
    case A_500:
        rc = reply(c, "500 Internal Server Error", "", "application/json",
                   "{\"error\":{\"message\":\"injected fault\"}}", 0);
        return -1;
    case A_429:
        rc = reply(c, "429 Too Many Requests", "Retry-After: 1\r\n", "application/json",
                   "{\"error\":{\"message\":\"slow down\"}}", 0);
        return -1;
    case A_429_DATE: {
        char hdr[96];
        time_t when = time(NULL) + 2;
        strftime(hdr, sizeof hdr, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", gmtime(&when));
        rc = reply(c, "429 Too Many Requests", hdr, "application/json", "{\"error\":{\"message\":\"later\"}}", 0);
        return -1;
    }
    case A_MALFORMED: reply(c, "200 OK", "", "text/event-stream", SSE_BAD, 0); return -1;
    case A_NOIMAGE:
        if (!has_image) break;
        reply(c, "400 Bad Request", "", "application/json", NO_IMAGE_BODY, 0);
        return -1;
    default: break;
    }
    if (backend_port == 0) {
        const char *body = n_sse_files ? sse_files[n_answered++ % n_sse_files] : SSE_OK;
        rc = reply(c, "200 OK", "", "text/event-stream", body, 1);
        memmove(c->req, c->req + n, c->len - n);
        c->len -= n;
        return rc;
    }
    (void)rc;
    return forward(c, n);
}

static int on_client(int i) {
    struct conn *c = &conns[i];
    if (c->len + 65536 > c->cap) {
        c->cap = (c->len + 65536) * 2;
        c->req = realloc(c->req, c->cap);
    }
    ssize_t r = recv(c->fd, c->req + c->len, c->cap - c->len, 0);
    if (r <= 0) return -1;
    if (c->backend >= 0) return 0; /* pipelined bytes while forwarding: keep */
    c->len += (size_t)r;
    if (c->len > REQ_MAX) return -1;
    size_t n;
    while (c->backend < 0 && (n = request_length(c)) > 0)
        if (handle_request(i, n) != 0) return -1;
    return 0;
}

/* Relay backend bytes to the client, applying reset/stall. -1 to close (-2: RST). */
static int on_backend(int i) {
    struct conn *c = &conns[i];
    char buf[65536];
    ssize_t r = recv(c->backend, buf, sizeof buf, 0);
    if (r <= 0) return -1;
    size_t n = (size_t)r;
    size_t limit = c->act == A_RESET ? RESET_AFTER : c->act == A_STALL ? STALL_AFTER : (size_t)-1;
    if (c->relayed + n > limit) n = limit - c->relayed;
    if (n && write_all(c->fd, buf, n)) return -1;
    c->relayed += n;
    if (c->relayed < limit) return 0;
    if (c->act == A_RESET) return -2;
    c->stalled = 1; /* stall: stop reading the backend, keep the client waiting */
    return 0;
}

static int listen_loopback(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 512) || getsockname(fd, (struct sockaddr *)&a, &len)) {
        perror("faultproxy: listen");
        exit(2);
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void accept_one(int lfd) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) return;
    if (n_conns >= MAX_CONN) {
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns[n_conns++] = (struct conn){.fd = fd, .backend = -1};
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: faultproxy BACKEND_PORT SCHEDULE LIFETIME_S [PORT_FILE]\n");
        return 2;
    }
    backend_port = atoi(argv[1]);
    parse_schedule(argv[2]);
    load_sse_files();
    double deadline = now_s() + atof(argv[3]);
    signal(SIGPIPE, SIG_IGN);
    int port, lfd = listen_loopback(&port);
    FILE *pf = argc > 4 ? fopen(argv[4], "w") : stdout;
    fprintf(pf, "%d\n", port);
    if (pf != stdout) fclose(pf);
    else fflush(stdout);

    static struct pollfd pfd[2 * MAX_CONN + 1];
    static int owner[2 * MAX_CONN + 1], is_backend[2 * MAX_CONN + 1];
    while (now_s() < deadline) {
        int n = 0;
        pfd[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < n_conns; i++) {
            owner[n] = i;
            is_backend[n] = 0;
            pfd[n++] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
            if (conns[i].backend >= 0 && !conns[i].stalled) {
                owner[n] = i;
                is_backend[n] = 1;
                pfd[n++] = (struct pollfd){.fd = conns[i].backend, .events = POLLIN};
            }
        }
        if (poll(pfd, (nfds_t)n, 200) <= 0) continue;
        if (pfd[0].revents & POLLIN) accept_one(lfd);
        /* from the end, so closing (which moves the last connection) is safe */
        for (int k = n - 1; k >= 1; k--) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int i = owner[k];
            if (i >= n_conns || (is_backend[k] ? conns[i].backend : conns[i].fd) != pfd[k].fd) continue;
            int rc = is_backend[k] ? on_backend(i) : on_client(i);
            if (rc < 0) close_conn(i, rc == -2);
        }
    }
    return 0;
}
