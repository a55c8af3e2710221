/*
 * imageserver.c - a tiny loopback stand-in for an OpenAI-compatible images
 * endpoint (stable-diffusion.cpp's server, LocalAI, hosted APIs), for the tests
 * of `generate` cases (docs/remote.md, "Images endpoint"). It answers
 *
 *   POST /v1/images/generations  {"prompt": P, ...}
 *        -> {"created":0,"data":[{"b64_json": BASE64 of a file of DIR}]}
 *
 * with the files of DIR (sorted by name) taken in turn: the Nth request that
 * gets an image gets file N mod count. Fault switches, matched against the
 * prompt's text:
 *   --error TEXT     a prompt holding TEXT gets HTTP 400 {"error":{"message":"no picture for this prompt"}}
 *   --garbage TEXT   a prompt holding TEXT gets 200 with b64_json of bytes that are no image
 *   --data-url TEXT  a prompt holding TEXT gets its image as data[0].url, a data: URL
 *   --key KEY        a request without the header "Authorization: Bearer KEY" gets HTTP 401
 *
 *   imageserver DIR LIFETIME_S PORT_FILE [switches]
 *
 * It listens on a free 127.0.0.1 port, writes the port to PORT_FILE, logs one
 * line per request on stderr ("POST /v1/images/generations file=NAME" or
 * "... error", "... garbage") and exits after LIFETIME_S. One connection at a
 * time, Connection: close.
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
#include <unistd.h>

#include "loopback.h"

#define MAX_FILES 64

static char *files[MAX_FILES];
static int n_files, served;
static const char *dir, *error_text, *garbage_text, *data_url_text, *key;

static void reply(int fd, int status, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status,
                     status == 200   ? "OK"
                     : status == 400 ? "Bad Request"
                                     : "Not Found",
                     strlen(body));
    if (loopback_send_all(fd, head, (size_t)n)) loopback_send_all(fd, body, strlen(body));
}

/* Standard base64 of n bytes (caller frees). */
static char *b64(const unsigned char *p, size_t n) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(n / 3 * 4 + 8), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        *o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* The whole file DIR/name (caller frees), *n its size; NULL when unreadable. */
static unsigned char *slurp(const char *name, size_t *n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(len > 0 ? (size_t)len : 1);
    *n = fread(p, 1, (size_t)(len > 0 ? len : 0), f);
    fclose(f);
    return p;
}

/* Answer {"data":[{"b64_json": ...}]} (or "url": "data:image/png;base64,..."). */
static void send_image(int fd, const unsigned char *bytes, size_t n, int as_data_url) {
    char *enc = b64(bytes, n);
    size_t len = strlen(enc) + 128;
    char *body = malloc(len);
    if (as_data_url) snprintf(body, len, "{\"created\":0,\"data\":[{\"url\":\"data:image/png;base64,%s\"}]}", enc);
    else snprintf(body, len, "{\"created\":0,\"data\":[{\"b64_json\":\"%s\"}]}", enc);
    reply(fd, 200, body);
    free(body);
    free(enc);
}

static void handle(int fd, const char *method, const char *target, const char *body) {
    if (strcmp(method, "POST") != 0 || strcmp(target, "/v1/images/generations") != 0) {
        fprintf(stderr, "%s %s not-found\n", method, target);
        reply(fd, 404, "{\"error\":{\"message\":\"not found\"}}");
        return;
    }
    const char *prompt = strstr(body, "\"prompt\"");
    if (!prompt) prompt = "";
    if (error_text && strstr(prompt, error_text)) {
        fprintf(stderr, "POST %s error\n", target);
        reply(fd, 400, "{\"error\":{\"message\":\"no picture for this prompt\"}}");
    } else if (garbage_text && strstr(prompt, garbage_text)) {
        fprintf(stderr, "POST %s garbage\n", target);
        send_image(fd, (const unsigned char *)"this is not a picture", 21, 0);
    } else {
        const char *name = files[served++ % n_files];
        size_t n = 0;
        unsigned char *bytes = slurp(name, &n);
        fprintf(stderr, "POST %s file=%s\n", target, name);
        if (bytes) send_image(fd, bytes, n, data_url_text && strstr(prompt, data_url_text));
        else reply(fd, 404, "{\"error\":{\"message\":\"file unreadable\"}}");
        free(bytes);
    }
}

/* Whether the request's head (up to its body) holds "Authorization: Bearer KEY". */
static int authorized(const char *req, const char *body) {
    char want[512];
    snprintf(want, sizeof want, "\nAuthorization: Bearer %s\r\n", key);
    for (const char *p = req; *p && (!body || p < body); p++)
        if (strncasecmp(p, want, strlen(want)) == 0) return 1;
    return 0;
}

/* Read one request (head and Content-Length body) and answer it. */
static void serve(int fd) {
    char method[16], target[1024], *body = NULL;
    char *req = loopback_read_request(fd, &body, method, target);
    if (!req) return;
    if (key && !authorized(req, body)) {
        fprintf(stderr, "%s %s unauthorized\n", method, target);
        reply(fd, 401, "{\"error\":{\"message\":\"invalid api key\"}}");
    } else handle(fd, method, target, body);
    free(req);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: imageserver DIR LIFETIME_S PORT_FILE [--error TEXT] [--garbage TEXT] [--data-url TEXT] "
                        "[--key KEY]\n");
        return 2;
    }
    dir = argv[1];
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--error") == 0) error_text = argv[i + 1];
        else if (strcmp(argv[i], "--garbage") == 0) garbage_text = argv[i + 1];
        else if (strcmp(argv[i], "--data-url") == 0) data_url_text = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0) key = argv[i + 1];
        else {
            fprintf(stderr, "imageserver: unknown switch %s\n", argv[i]);
            return 2;
        }
    }
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) && n_files < MAX_FILES;)
        if (e->d_name[0] != '.') files[n_files++] = strdup(e->d_name);
    if (d) closedir(d);
    if (n_files == 0) {
        fprintf(stderr, "imageserver: no files in %s\n", dir);
        return 2;
    }
    qsort(files, (size_t)n_files, sizeof *files, by_name);
    return loopback_serve("imageserver", argv[3], (unsigned)atoi(argv[2]), serve);
}
