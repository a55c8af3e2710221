/*
 * loopback.h - the listening loop the test servers share (hubserver.c,
 * imageserver.c, vlmserver.c, metricsserver.c one connection at a time; loadserver.c a thread per
 * connection): a free 127.0.0.1 port written to a file, each connection handed
 * to serve(), exit after a lifetime in seconds.
 */
#ifndef VLM_TESTS_LOOPBACK_H
#define VLM_TESTS_LOOPBACK_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Listen on a free loopback port and write it to port_file; the socket, or
 * -1 (with a message naming `name`). */
static inline int loopback_listen(const char *name, const char *port_file) {
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stderr, NULL, _IOLBF, 0);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 128) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &alen) != 0) {
        perror(name);
        return -1;
    }
    FILE *pf = fopen(port_file, "w");
    if (!pf) {
        perror(port_file);
        return -1;
    }
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    return s;
}

/* Write all n bytes of buf to fd; 0 when the peer went away. */
static inline int loopback_send_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

/* Read one HTTP request from fd: its head and the Content-Length body after
 * it. Returns the request (NUL-terminated; the caller frees it) with *body
 * pointing into it and method and target filled, or NULL when the peer closed
 * first or the request line does not parse. */
static inline char *loopback_read_request(int fd, char **body, char method[16], char target[1024]) {
    size_t cap = 1 << 16, len = 0, need = 0;
    char *req = malloc(cap), *b = NULL;
    for (;;) {
        if (len + 1 >= cap) {
            size_t off = b ? (size_t)(b - req) : 0;
            req = realloc(req, cap *= 2);
            if (b) b = req + off;
        }
        ssize_t r = read(fd, req + len, cap - 1 - len);
        if (r <= 0) {
            free(req);
            return NULL;
        }
        len += (size_t)r;
        req[len] = '\0';
        if (!b && (b = strstr(req, "\r\n\r\n"))) {
            b += 4;
            const char *cl = strcasestr(req, "Content-Length:");
            need = cl ? (size_t)atol(cl + 15) : 0;
        }
        if (b && len - (size_t)(b - req) >= need) break;
    }
    if (sscanf(req, "%15s %1023s", method, target) != 2) {
        free(req);
        return NULL;
    }
    *body = b;
    return req;
}

static void (*loopback_thread_serve)(int fd);

/* Serve connection c and close it. */
static inline void loopback_serve_one(int c, void (*serve)(int fd)) {
    serve(c);
    shutdown(c, SHUT_WR);
    close(c);
}

static inline void *loopback_thread(void *arg) {
    loopback_serve_one((int)(intptr_t)arg, loopback_thread_serve);
    return NULL;
}

/* Listen (loopback_listen) and serve each connection until lifetime_s has
 * passed (SIGALRM ends the process): in turn, or each on a thread of its own
 * when `threads` (so that requests overlap). Returns 1 when it cannot listen. */
static inline int loopback_accept_loop(const char *name, const char *port_file, unsigned lifetime_s,
                                       void (*serve)(int fd), int threads) {
    int s = loopback_listen(name, port_file);
    if (s < 0) return 1;
    loopback_thread_serve = serve;
    alarm(lifetime_s);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        pthread_t t;
        if (!threads) loopback_serve_one(c, serve);
        else if (pthread_create(&t, NULL, loopback_thread, (void *)(intptr_t)c) != 0) close(c);
        else pthread_detach(t);
    }
}

/* One connection at a time. */
static inline int loopback_serve(const char *name, const char *port_file, unsigned lifetime_s, void (*serve)(int fd)) {
    return loopback_accept_loop(name, port_file, lifetime_s, serve, 0);
}

/* A thread per connection. */
static inline int loopback_serve_threads(const char *name, const char *port_file, unsigned lifetime_s,
                                         void (*serve)(int fd)) {
    return loopback_accept_loop(name, port_file, lifetime_s, serve, 1);
}

#endif
