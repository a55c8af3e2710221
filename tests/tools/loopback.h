/*
 * loopback.h - the listening loop the single-threaded test servers share
 * (hubserver.c, imageserver.c, vlmserver.c): a free 127.0.0.1 port written to a file, one
 * connection at a time handed to serve(), exit after a lifetime in seconds.
 */
#ifndef VLM_TESTS_LOOPBACK_H
#define VLM_TESTS_LOOPBACK_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* Listen on a free loopback port, write it to port_file, and serve each
 * connection in turn until lifetime_s has passed (SIGALRM ends the process).
 * Returns 1 (with a message naming `name`) when it cannot listen. */
static int loopback_serve(const char *name, const char *port_file, unsigned lifetime_s, void (*serve)(int fd)) {
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stderr, NULL, _IOLBF, 0);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &alen) != 0) {
        perror(name);
        return 1;
    }
    FILE *pf = fopen(port_file, "w");
    if (!pf) {
        perror(port_file);
        return 1;
    }
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    alarm(lifetime_s);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        serve(c);
        shutdown(c, SHUT_WR);
        close(c);
    }
}

#endif
