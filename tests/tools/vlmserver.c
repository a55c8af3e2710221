/*
 * vlmserver.c - a tiny loopback stand-in for an OpenAI-compatible vision chat
 * server, for the tests of a remote model's image dials (docs/remote.md,
 * "Image size", "Processor options", "Image tokens"). It answers
 *
 *   POST /v1/chat/completions  {"messages": [...], "stream": true|false, ...}
 *
 * with the reply "ok" (streamed as Server-Sent Events when stream is true) and
 * scripted usage:
 *
 *   prompt_tokens = 10 + T + 100 * N
 *
 * where T is the bytes of text in all messages (text parts and string
 * contents) and N the image_url parts; completion_tokens = 1. So a request
 * and its text-only twin differ by exactly 100 per image.
 *
 * Each image part's data URL is base64-decoded, its bytes written to
 * DUMP_DIR/R-K.EXT (request R counted from 1, image K from 1 in the request,
 * EXT png, jpg or bin) and decoded with stb_image for its size. One line per
 * request goes to LOG_FILE:
 *
 *   request R model=ID stream=S max_tokens=M images=N sizes=WxH,WxH prompt_tokens=P kwargs=JSON
 *
 * (sizes "-" when N is 0; kwargs the body's mm_processor_kwargs, compact, or "-").
 *
 *   vlmserver LIFETIME_S PORT_FILE LOG_FILE DUMP_DIR [--no-usage]
 *   vlmserver --png W H FILE      write a W x H RGB test picture (a gradient) as PNG
 *
 * --no-usage: no usage is sent. It listens on a free 127.0.0.1 port, writes the
 * port to PORT_FILE and exits after LIFETIME_S. One connection at a time,
 * Connection: close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include "loopback.h"

static const char *log_path, *dump_dir;
static int no_usage, n_requests;

static void reply(int fd, int status, const char *type, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     status == 200 ? "OK" : "Not Found", type, strlen(body));
    if (loopback_send_all(fd, head, (size_t)n)) loopback_send_all(fd, body, strlen(body));
}

/* Standard base64 (no whitespace) to bytes (caller frees), *n their count. */
static unsigned char *unb64(const char *s, size_t *n) {
    size_t len = strlen(s);
    unsigned char *out = malloc(len / 4 * 3 + 3);
    unsigned v = 0;
    int bits = 0;
    *n = 0;
    for (const char *p = s; *p && *p != '='; p++) {
        const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *at = strchr(abc, *p);
        if (!at) continue;
        v = v << 6 | (unsigned)(at - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[(*n)++] = (unsigned char)(v >> bits & 0xFF);
        }
    }
    return out;
}

/* One image part's data URL: dump it, and append "WxH" (or "?x?") to sizes. */
static void take_image(const char *url, int k, char *sizes, size_t sizes_len) {
    const char *comma = url ? strchr(url, ',') : NULL;
    size_t n = 0;
    unsigned char *bytes = comma ? unb64(comma + 1, &n) : NULL;
    const char *ext = url && strstr(url, "image/png") ? "png" : url && strstr(url, "image/jpeg") ? "jpg" : "bin";
    char path[4096];
    snprintf(path, sizeof path, "%s/%d-%d.%s", dump_dir, n_requests, k, ext);
    FILE *f = fopen(path, "wb");
    if (f) {
        if (bytes) fwrite(bytes, 1, n, f);
        fclose(f);
    }
    int w = 0, h = 0, c = 0;
    unsigned char *px = bytes ? stbi_load_from_memory(bytes, (int)n, &w, &h, &c, 0) : NULL;
    size_t used = strlen(sizes);
    if (px) snprintf(sizes + used, sizes_len - used, "%s%dx%d", used ? "," : "", w, h);
    else snprintf(sizes + used, sizes_len - used, "%s?x?", used ? "," : "");
    stbi_image_free(px);
    free(bytes);
}

/* Count the text bytes and the image parts of all messages, dumping images. */
static void take_messages(json_t *messages, long *text, int *images, char *sizes, size_t sizes_len) {
    size_t i, k;
    json_t *m, *part;
    json_array_foreach(messages, i, m) {
        json_t *content = json_object_get(m, "content");
        if (json_is_string(content)) *text += (long)json_string_length(content);
        json_array_foreach(content, k, part) {
            const char *type = json_string_value(json_object_get(part, "type"));
            if (type && strcmp(type, "text") == 0) *text += (long)json_string_length(json_object_get(part, "text"));
            if (type && strcmp(type, "image_url") == 0) {
                ++*images;
                take_image(json_string_value(json_object_get(json_object_get(part, "image_url"), "url")), *images,
                           sizes, sizes_len);
            }
        }
    }
}

static void answer(int fd, int stream, int prompt_tokens) {
    char usage[128] = "";
    if (!no_usage)
        snprintf(usage, sizeof usage, ",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":1}", prompt_tokens);
    char body[1024];
    if (!stream) {
        snprintf(body, sizeof body,
                 "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                 "\"finish_reason\":\"stop\"}]%s}",
                 usage);
        reply(fd, 200, "application/json", body);
        return;
    }
    snprintf(body, sizeof body,
             "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}]}\n\n"
             "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
             "%s%s%s"
             "data: [DONE]\n\n",
             usage[0] ? "data: {\"choices\":[]" : "", usage, usage[0] ? "}\n\n" : "");
    reply(fd, 200, "text/event-stream", body);
}

static void handle(int fd, const char *method, const char *target, const char *body) {
    if (strcmp(method, "POST") != 0 || strcmp(target, "/v1/chat/completions") != 0) {
        reply(fd, 404, "application/json", "{\"error\":{\"message\":\"not found\"}}");
        return;
    }
    n_requests++;
    json_t *b = json_loads(body, 0, NULL);
    long text = 0;
    int images = 0;
    char sizes[2048] = "";
    take_messages(json_object_get(b, "messages"), &text, &images, sizes, sizeof sizes);
    int stream = json_is_true(json_object_get(b, "stream"));
    int prompt_tokens = 10 + (int)text + 100 * images;
    json_t *kw = json_object_get(b, "mm_processor_kwargs");
    char *kwargs = kw ? json_dumps(kw, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    FILE *log = fopen(log_path, "a");
    if (log) {
        const char *model = json_string_value(json_object_get(b, "model"));
        fprintf(log, "request %d model=%s stream=%d max_tokens=%lld images=%d sizes=%s prompt_tokens=%d kwargs=%s\n",
                n_requests, model ? model : "-", stream,
                (long long)json_integer_value(json_object_get(b, "max_tokens")), images, sizes[0] ? sizes : "-",
                prompt_tokens, kwargs ? kwargs : "-");
        fclose(log);
    }
    free(kwargs);
    json_decref(b);
    answer(fd, stream, prompt_tokens);
}

/* Read one request (head and Content-Length body) and answer it. */
static void serve(int fd) {
    char method[16], target[1024], *body = NULL;
    char *req = loopback_read_request(fd, &body, method, target);
    if (!req) return;
    handle(fd, method, target, body);
    free(req);
}

/* A W x H gradient with a few hard edges, as PNG. */
static int make_png(int w, int h, const char *path) {
    unsigned char *px = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            p[0] = (unsigned char)(x * 255 / (w > 1 ? w - 1 : 1));
            p[1] = (unsigned char)(y * 255 / (h > 1 ? h - 1 : 1));
            p[2] = (unsigned char)((x / 16 + y / 16) % 2 ? 200 : 30);
        }
    int ok = stbi_write_png(path, w, h, 3, px, w * 3);
    free(px);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--png") == 0) return make_png(atoi(argv[2]), atoi(argv[3]), argv[4]);
    if (argc < 5) {
        fprintf(stderr, "usage: vlmserver LIFETIME_S PORT_FILE LOG_FILE DUMP_DIR [--no-usage]\n"
                        "       vlmserver --png W H FILE\n");
        return 2;
    }
    log_path = argv[3];
    dump_dir = argv[4];
    no_usage = argc > 5 && strcmp(argv[5], "--no-usage") == 0;
    return loopback_serve("vlmserver", argv[2], (unsigned)atoi(argv[1]), serve);
}
