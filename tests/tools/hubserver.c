/*
 * hubserver.c - a tiny loopback stand-in for the Hugging Face hub, for the
 * tests of "hf:" models (docs/hub.md). It serves the three endpoints vlmeter's
 * client (and llama.cpp's -hf) uses, from a folder ROOT/OWNER/REPO/FILE:
 *
 *   GET /api/models/OWNER/REPO/refs              {"branches":[{"name":"main","targetCommit":C}]}
 *   GET /api/models/OWNER/REPO/tree/C?recursive=true
 *                                                [{"type":"file","path":P,"oid":..,"size":N,
 *                                                  "lfs":{"oid":SHA256,"size":N}}...]
 *   GET|HEAD /OWNER/REPO/resolve/C/PATH          the file; "Range: bytes=N-" gets 206
 *
 * C is a fixed 40-digit commit (main also works). Each file's sha256 is read
 * from ROOT/OWNER/REPO/.sha256 (sha256sum's output, written by the test), so
 * the server trusts no code under test. Fault switches:
 *   --drop PATH:N    the first GET of PATH sends N bytes of it, then closes
 *   --bad-sha PATH   PATH is published with a wrong sha256 (first digit changed)
 *
 *   hubserver ROOT LIFETIME_S PORT_FILE [--drop PATH:N] [--bad-sha PATH]
 *
 * It listens on a free 127.0.0.1 port, writes the port to PORT_FILE, logs one
 * line per request on stderr ("GET /path range=bytes=N- auth=1": range=- when
 * none; auth=1 when a bearer token came, never the token itself)
 * and exits after LIFETIME_S. One connection at a time, Connection: close.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loopback.h"

#define COMMIT "c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff"

static const char *root;
static const char *drop_path, *bad_sha_path;
static long drop_after;
static int dropped;

/* Write all of buf; false when the client went away. */
static void reply(int fd, int status, const char *reason, const char *type, const char *body) {
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     reason, type, strlen(body));
    if (loopback_send_all(fd, head, (size_t)n)) loopback_send_all(fd, body, strlen(body));
}

static void not_found(int fd, const char *what) {
    char body[600];
    snprintf(body, sizeof body, "{\"error\":\"%.500s not found\"}", what);
    reply(fd, 404, "Not Found", "application/json", body);
}

/* The published sha256 of repo/name from repo/.sha256 (64 hex + NUL into out). */
static int file_sha(const char *repo, const char *name, char out[65]) {
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/%s/.sha256", root, repo);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *file = line + 64;
        while (*file == ' ' || *file == '*') file++;
        const char *slash = strrchr(file, '/');
        if (strlen(line) > 66 && strcmp(slash ? slash + 1 : file, name) == 0) {
            memcpy(out, line, 64);
            out[64] = '\0';
            found = 1;
        }
    }
    fclose(f);
    if (found && bad_sha_path && strcmp(bad_sha_path, name) == 0) out[0] = out[0] == '0' ? '1' : '0';
    return found;
}

/* A growable string for JSON answers. */
struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void tree(int fd, const char *repo) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", root, repo);
    DIR *d = opendir(dir);
    if (!d) {
        not_found(fd, repo);
        return;
    }
    struct buf b = {NULL, 0, 0};
    put(&b, "[");
    int first = 1;
    for (struct dirent *e; (e = readdir(d));) {
        char path[8192], sha[65], item[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !file_sha(repo, e->d_name, sha))
            continue;
        snprintf(item, sizeof item,
                 "%s{\"type\":\"file\",\"oid\":\"%.40s\",\"size\":%lld,\"path\":\"%s\","
                 "\"lfs\":{\"oid\":\"%s\",\"size\":%lld,\"pointerSize\":134}}",
                 first ? "" : ",", sha, (long long)st.st_size, e->d_name, sha, (long long)st.st_size);
        put(&b, item);
        first = 0;
    }
    closedir(d);
    put(&b, "]");
    reply(fd, 200, "OK", "application/json", b.p);
    free(b.p);
}

/* The file, whole or from a range start; the --drop fault cuts it once. */
static void serve_file(int fd, const char *repo, const char *name, long start, int head_only) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s/%s", root, repo, name);
    FILE *f = strchr(name, '/') ? NULL : fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        if (f) fclose(f);
        not_found(fd, name);
        return;
    }
    long size = (long)st.st_size;
    if (start >= size && start > 0) {
        fclose(f);
        reply(fd, 416, "Range Not Satisfiable", "text/plain", "");
        return;
    }
    char head[512];
    int n;
    if (start > 0)
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 206 Partial Content\r\nContent-Length: %ld\r\nContent-Range: bytes %ld-%ld/%ld\r\n"
                     "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                     size - start, start, size - 1, size);
    else
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Length: %ld\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                     size);
    if (!loopback_send_all(fd, head, (size_t)n) || head_only) {
        fclose(f);
        return;
    }
    long limit = size - start;
    if (!head_only && drop_path && !dropped && strcmp(drop_path, name) == 0) {
        dropped = 1;
        if (drop_after < limit) limit = drop_after;
        fprintf(stderr, "drop %s after %ld bytes\n", name, limit);
    }
    fseek(f, start, SEEK_SET);
    char chunk[65536];
    while (limit > 0) {
        size_t want = limit < (long)sizeof chunk ? (size_t)limit : sizeof chunk;
        size_t got = fread(chunk, 1, want, f);
        if (got == 0 || !loopback_send_all(fd, chunk, got)) break;
        limit -= (long)got;
    }
    fclose(f);
}

/* Route one request: its method, target and range start (0: none). */
static void handle(int fd, const char *method, char *target, long start) {
    int head_only = strcmp(method, "HEAD") == 0;
    if (!head_only && strcmp(method, "GET") != 0) {
        reply(fd, 405, "Method Not Allowed", "text/plain", "");
        return;
    }
    char *q = strchr(target, '?');
    if (q) *q = '\0';
    char owner[256], repo[256], rest[4096], name[4096];
    if (sscanf(target, "/api/models/%255[^/]/%255[^/]/%4095s", owner, repo, rest) == 3) {
        char id[600];
        snprintf(id, sizeof id, "%s/%s", owner, repo);
        if (strcmp(rest, "refs") == 0) {
            char body[256], dir[4096];
            struct stat st;
            snprintf(dir, sizeof dir, "%s/%s", root, id);
            if (stat(dir, &st) != 0) {
                not_found(fd, id);
                return;
            }
            snprintf(body, sizeof body,
                     "{\"branches\":[{\"name\":\"main\",\"ref\":\"refs/heads/main\",\"targetCommit\":\"%s\"}],"
                     "\"tags\":[],\"converts\":[]}",
                     COMMIT);
            reply(fd, 200, "OK", "application/json", body);
            return;
        }
        if (strcmp(rest, "tree/" COMMIT) == 0 || strcmp(rest, "tree/main") == 0) tree(fd, id);
        else not_found(fd, target);
        return;
    }
    char rev[64];
    if (sscanf(target, "/%255[^/]/%255[^/]/resolve/%63[^/]/%4095s", owner, repo, rev, name) == 4 &&
        (strcmp(rev, COMMIT) == 0 || strcmp(rev, "main") == 0)) {
        char id[600];
        snprintf(id, sizeof id, "%s/%s", owner, repo);
        serve_file(fd, id, name, start, head_only);
        return;
    }
    not_found(fd, target);
}

/* Read one request's head and answer it. */
static void serve(int fd) {
    char method[16], target[1024], *body = NULL;
    char *req = loopback_read_request(fd, &body, method, target);
    if (!req) return;
    long start = 0;
    char range[64] = "-";
    int auth = 0;
    for (char *line = strstr(req, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Range:", 6) == 0) {
            sscanf(line + 8, " %63[^\r]", range);
            if (sscanf(range, "bytes=%ld-", &start) != 1) start = 0;
        }
        if (strncasecmp(line + 2, "Authorization: Bearer ", 22) == 0) auth = 1;
    }
    fprintf(stderr, "%s %s range=%s auth=%d\n", method, target, range, auth);
    handle(fd, method, target, start);
    free(req);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: hubserver ROOT LIFETIME_S PORT_FILE [--drop PATH:N] [--bad-sha PATH]\n");
        return 2;
    }
    root = argv[1];
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--drop") == 0) {
            char *colon = strrchr(argv[i + 1], ':');
            if (!colon) return 2;
            *colon = '\0';
            drop_path = argv[i + 1];
            drop_after = atol(colon + 1);
        } else if (strcmp(argv[i], "--bad-sha") == 0) {
            bad_sha_path = argv[i + 1];
        } else {
            fprintf(stderr, "hubserver: unknown switch %s\n", argv[i]);
            return 2;
        }
    }
    return loopback_serve("hubserver", argv[3], (unsigned)atoi(argv[2]), serve);
}
