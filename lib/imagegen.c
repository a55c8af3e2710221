/*
 * imagegen.c - text-to-image through an OpenAI-compatible images endpoint
 * (docs/remote.md, "Images endpoint"): the request (POST BASE/images/generations),
 * the answer's parsing (b64_json, or a data: or http(s) URL), the check that the
 * bytes are an image, the image's file under `<db>.images/` named by its
 * sha256. The engine side of text-to-image: it writes no store (the run's
 * generation pass, run_gen.c, does).
 */
#include "imagegen.h"
#include "hub.h"
#include "remote_req.h"
#include "stop.h"
#include "util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGEGEN_SIZE      "512x512"  /* the size asked for (docs/remote.md) */
#define IMAGEGEN_MAX_BYTES (64 << 20) /* an answer larger than this is refused */

/* ------------------------------------------------------------ parsing */

const char *imagegen_sniff(const unsigned char *b, size_t n) {
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "jpg";
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) return "webp";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
    return NULL;
}

/* The base64 payload of a data: URL ("data:image/png;base64,...") decoded. */
static int parse_data_url(const char *url, unsigned char **bytes, size_t *n, char *why, size_t why_len) {
    const char *comma = strchr(url, ',');
    if (!comma || !strstr(url, ";base64") || strstr(url, ";base64") > comma) {
        snprintf(why, why_len, "data[0].url is a data: URL without base64 data");
        return -1;
    }
    char inner[200];
    *bytes = util_b64_decode(comma + 1, n, inner, sizeof inner);
    if (!*bytes) snprintf(why, why_len, "data[0].url: %s", inner);
    return *bytes ? 0 : -1;
}

/* A JSON error answer's message ({"error": {"message": ...}} or {"error": "..."}). */
static const char *error_message(json_t *root) {
    json_t *e = json_object_get(root, "error");
    json_t *m = json_is_object(e) ? json_object_get(e, "message") : e;
    return json_is_string(m) ? json_string_value(m) : NULL;
}

int imagegen_parse_response(const char *body, size_t len, unsigned char **bytes, size_t *n_bytes, char **fetch_url,
                            char *why, size_t why_len) {
    *bytes = NULL;
    *n_bytes = 0;
    *fetch_url = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        snprintf(why, why_len, "the answer is not JSON (%s): %.80s", jerr.text, len ? body : "(empty)");
        return -1;
    }
    int rc = -1;
    json_t *item = json_array_get(json_object_get(root, "data"), 0);
    json_t *b64 = json_object_get(item, "b64_json"), *url = json_object_get(item, "url");
    const char *msg = error_message(root);
    char inner[200];
    if (msg) snprintf(why, why_len, "the server answered an error: %.300s", msg);
    else if (!item) snprintf(why, why_len, "the answer has no data[0] (expected {\"data\":[{\"b64_json\":...}]})");
    else if (json_is_string(b64) && json_string_length(b64) > 0) {
        *bytes = util_b64_decode(json_string_value(b64), n_bytes, inner, sizeof inner);
        if (*bytes) rc = 0;
        else snprintf(why, why_len, "data[0].b64_json: %s", inner);
    } else if (json_is_string(url) && strncmp(json_string_value(url), "data:", 5) == 0) {
        rc = parse_data_url(json_string_value(url), bytes, n_bytes, why, why_len);
    } else if (json_is_string(url) && (strncmp(json_string_value(url), "http://", 7) == 0 ||
                                       strncmp(json_string_value(url), "https://", 8) == 0)) {
        *fetch_url = xstrdup(json_string_value(url));
        rc = 0;
    } else {
        snprintf(why, why_len, "data[0] has neither b64_json nor a data: or http(s) url");
    }
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------ HTTP */

struct body_buf {
    char *p;
    size_t len, cap;
    bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
    struct body_buf *b = user;
    size_t n = size * nmemb;
    if (b->len + n > IMAGEGEN_MAX_BYTES) {
        b->too_big = true;
        return 0;
    }
    util_buf_append(&b->p, &b->len, &b->cap, data, n);
    return n;
}

/* One GET (post NULL) or POST of JSON `post` to url, retried on connection
 * errors, 429 and 5xx. Returns 0 with the 200 answer's body in b, or -1 with
 * `why` naming the URL and what went wrong. */
static int http_call(const char *url, const char *post, const char *key, const struct vlm_remote_params *rp,
                     struct body_buf *b, char *why, size_t why_len) {
    req_curl_global();
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(why, why_len, "images %s: libcurl cannot start a request", url);
        return -1;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[1200];
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h = curl_slist_append(h, auth);
    }
    int rc = -1;
    for (int attempt = 0; attempt <= rp->max_retries && rc != 0; attempt++) {
        free(b->p);
        memset(b, 0, sizeof *b);
        curl_easy_reset(curl);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(rp->timeout_s * 1000));
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
        if (post) {
            curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
        }
        CURLcode code = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        bool retry = false;
        if (b->too_big) snprintf(why, why_len, "%s: the answer is larger than %d MiB", url, IMAGEGEN_MAX_BYTES >> 20);
        else if (code != CURLE_OK) {
            snprintf(why, why_len, "%s: %s", url, curl_easy_strerror(code));
            retry = true;
        } else if (status != 200) {
            snprintf(why, why_len, "%s: HTTP %ld: %.200s", url, status, b->len ? b->p : "(no body)");
            retry = status == 429 || status >= 500;
        } else rc = 0;
        if (!retry || stop_requested()) break;
        if (attempt < rp->max_retries) usleep(200000u << (attempt < 4 ? attempt : 4));
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return rc;
}

/* ------------------------------------------------------------ one image */

/* The request body: {"model","prompt","n":1,"size","response_format":"b64_json"}. */
static char *request_json(const struct vlm_model_spec *m, const char *prompt) {
    const char *model = m->engine.remote.model_id ? m->engine.remote.model_id : m->name;
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "model", model, "prompt", prompt, "n", 1, "size", IMAGEGEN_SIZE,
                          "response_format", "b64_json");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* Ask the endpoint for case c's picture: its bytes (caller frees), or -1 with why. */
static int generate(const struct vlm_model_spec *m, const vlm_case *c, unsigned char **bytes, size_t *n, char *why,
                    size_t why_len) {
    const struct vlm_engine_params *e = &m->engine;
    const char *key = e->remote.key_env ? getenv(e->remote.key_env) : NULL;
    if (e->remote.key_env && !key) {
        snprintf(why, why_len, "environment variable %s (key_env) is not set", e->remote.key_env);
        return -1;
    }
    size_t base = strlen(e->images_url);
    while (base > 0 && e->images_url[base - 1] == '/') base--;
    char *url = xasprintf("%.*s/images/generations", (int)base, e->images_url);
    char *post = request_json(m, c->turns[0]), *fetch = NULL;
    struct body_buf b = {NULL, 0, 0, false};
    int rc = http_call(url, post, key, &e->remote, &b, why, why_len);
    char inner[600];
    if (rc == 0 && imagegen_parse_response(b.p ? b.p : "", b.len, bytes, n, &fetch, inner, sizeof inner) != 0) {
        snprintf(why, why_len, "%s: %s", url, inner);
        rc = -1;
    }
    if (rc == 0 && fetch) { /* the image is at a URL of its own */
        free(b.p);
        memset(&b, 0, sizeof b);
        rc = http_call(fetch, NULL, NULL, &e->remote, &b, why, why_len);
        if (rc == 0) {
            *bytes = (unsigned char *)b.p;
            *n = b.len;
            b.p = NULL;
        }
    }
    free(b.p);
    free(fetch);
    free(post);
    free(url);
    return rc;
}

/* Check that the bytes decode as an image (lib/image.c) and keep them as
 * DIR/SHA256.EXT; row gets path, hash and size. -1 with why when they are not
 * an image or cannot be written. */
static int keep_image(const char *dir, const unsigned char *bytes, size_t n, char path[PATH_MAX], char sha[65],
                      char *why, size_t why_len) {
    const char *ext = imagegen_sniff(bytes, n);
    if (!ext) {
        snprintf(why, why_len, "the answer's %zu bytes are not a PNG, JPEG, WebP or BMP image", n);
        return -1;
    }
    char tmp[PATH_MAX + 32];
    if (snprintf(tmp, sizeof tmp, "%.*s/.part-%ld", PATH_MAX - 1, dir, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(why, why_len, "the images folder's path is too long: %.300s", dir);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(bytes, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) {
        snprintf(why, why_len, "cannot write %.300s", tmp);
        unlink(tmp);
        return -1;
    }
    vlm_image img;
    char err[600];
    if (vlm_image_load(tmp, &img, err, sizeof err) != VLM_OK) {
        snprintf(why, why_len, "the answer's image does not decode: %s", err);
        unlink(tmp);
        return -1;
    }
    vlm_image_free(&img);
    hub_sha256_hex(bytes, n, sha);
    if (snprintf(path, PATH_MAX, "%.3900s/%s.%s", dir, sha, ext) >= PATH_MAX || rename(tmp, path) != 0) {
        snprintf(why, why_len, "cannot keep the image in %.300s", dir);
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ one case */

int imagegen_dir(const char *db_path, char out[PATH_MAX], char *why, size_t why_len) {
    char *dir = xasprintf("%s.images", db_path);
    int rc = util_mkdirs(dir);
    if (rc == 0 && !realpath(dir, out)) rc = -1;
    if (rc != 0) snprintf(why, why_len, "cannot make the images folder %s", dir);
    free(dir);
    return rc;
}

int imagegen_draw(const struct vlm_model_spec *m, const vlm_case *c, const char *dir, struct imagegen_result *out) {
    char why[1200] = "";
    unsigned char *bytes = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    double t0 = util_now_ms();
    int rc = generate(m, c, &bytes, &n, why, sizeof why);
    out->latency_ms = util_now_ms() - t0;
    if (rc == 0) rc = keep_image(dir, bytes, n, out->path, out->sha256, why, sizeof why);
    free(bytes);
    if (rc == 0) out->bytes = (int64_t)n;
    else
        snprintf(out->error, sizeof out->error, "images %.300s, case %.200s (%.300s): %s", m->engine.images_url, c->id,
                 c->where, why);
    return rc;
}
