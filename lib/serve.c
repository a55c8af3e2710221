/*
 * serve.c - `vlmeter serve` (vlm_serve, docs/serve.md): a small web app over a
 * store, on libmicrohttpd in its external-polling mode, so every request is
 * handled on the caller's thread, one at a time, over one store connection.
 * It owns:
 *   - starting: the bind address (a non-loopback one needs a token), the port,
 *     the store opened once (WAL: each query reads what a concurrent run has
 *     committed; nothing is cached across requests);
 *   - every response's security headers, and the token (Bearer, cookie, or
 *     ?token= answered with a cookie and a redirect), compared in constant time;
 *     without a token, the Host allow-list (this port on a loopback name or the
 *     bind address: DNS rebinding);
 *   - routing: pages (serve_pages.c), /app.js, /app.css, /report (the report's
 *     own HTML), /file/PATH (images: no ".." segment, the real path that of
 *     an image of a stored case, a regular file);
 *   - POST forms, parsed by MHD's post processor: Origin and Sec-Fetch-Site
 *     checked, bodies over 64 KiB refused (413), fields that are not UTF-8
 *     refused (400), then store_verdict_put / store_preference_put;
 *   - the blind pairs' opaque tokens (the server alone knows which model is A).
 */
#include "serve_pages.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_review.h"
#include "util.h"

#define BODY_LIMIT  (64 * 1024)        /* a form body's most bytes */
#define DRAIN_LIMIT (16 * 1024 * 1024) /* the most bytes of a refused body read (then: closed) */
#define MAX_FIELDS  16
#define PAIR_SLOTS  256 /* blind pairs remembered (the oldest forgotten first) */
#define CSP_PAGES   "default-src 'self'"
/* The report is one self-contained file: its inline style and data: thumbnails. */
#define CSP_REPORT  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"

static volatile sig_atomic_t g_stop;

void vlm_serve_request_stop(void) { g_stop = 1; }

struct vlm_serve_params vlm_serve_default_params(void) {
    return (struct vlm_serve_params){.db_path = "vlmeter.db", .bind = "127.0.0.1", .port = 8077};
}

/* A pair shown on /pair, waiting for its vote. */
struct pair_slot {
    char token[33]; /* "" when free */
    char *suite, *case_id, *left, *right, *category;
    int turn;
};

struct server {
    const struct vlm_serve_params *p;
    vlm_store *s;
    struct pair_slot pairs[PAIR_SLOTS];
    int next_pair;
    /* Without a token, the Host headers accepted (host_allowed): this port on
     * 127.0.0.1, localhost, [::1] and the bind address; "" ends the list. */
    char hosts[4][INET6_ADDRSTRLEN + 16];
    unsigned port; /* the port listened on (--port 0: the one picked) */
};

/* One form field as the post processor delivers it. */
struct field {
    char key[32];
    char *val;
    size_t len, cap;
};

/* A request's state between MHD's calls. */
struct request {
    bool post;
    bool too_big;  /* over BODY_LIMIT: answered 413 at the body's end */
    bool bad_body; /* the post processor refused the body: not a well-formed form */
    size_t body;
    struct MHD_PostProcessor *pp;
    struct field fields[MAX_FIELDS];
    int n_fields;
};

/* ------------------------------------------------------------ responses */

static void security_headers(struct MHD_Response *r, const char *csp) {
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Queue a response with `body` (malloc'ed, taken over; NULL: empty). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype, char *body, size_t len,
                             const char *csp) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body ? body : (void *)"",
                                                             body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    security_headers(r, csp);
    if (ctype) MHD_add_response_header(r, "Content-Type", ctype);
    if (status == MHD_HTTP_UNAUTHORIZED) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* A page with one message, e.g. a refusal. */
static enum MHD_Result reply_message(struct MHD_Connection *c, unsigned status, const char *title, const char *msg) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    serve_page_message(f, title, msg);
    fclose(f);
    return reply(c, status, "text/html; charset=utf-8", buf, len, CSP_PAGES);
}

/* A 303 to `location`, with a cookie when set_cookie is not NULL. */
static enum MHD_Result redirect(struct MHD_Connection *c, const char *location, const char *set_cookie) {
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    security_headers(r, CSP_PAGES);
    MHD_add_response_header(r, "Location", location);
    if (set_cookie) MHD_add_response_header(r, "Set-Cookie", set_cookie);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
    MHD_destroy_response(r);
    return ok;
}

/* A rendered page: 200, or 500 naming the store's failure. */
static enum MHD_Result reply_page(struct MHD_Connection *c, struct server *sv, int rc, char *buf, size_t len) {
    if (rc != VLM_OK) {
        free(buf);
        return reply_message(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The store could not be read", store_error(sv->s));
    }
    return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", buf, len, CSP_PAGES);
}

/* ------------------------------------------------------------ token */

/* Equal strings, in a time that does not depend on where they differ. */
static bool same_secret(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = na != nb;
    for (size_t i = 0; i < na; i++) d |= (unsigned char)(a[i] ^ b[nb ? i % nb : 0]);
    return d == 0;
}

/* The request's token check: 0 let through, 1 refused, 2 a good ?token= (the
 * caller answers with the cookie and a redirect). */
static int check_token(struct server *sv, struct MHD_Connection *c) {
    const char *t = sv->p->token;
    if (!t || !t[0]) return 0;
    /* A good ?token= first: answered with a redirect even when the request
     * also has the cookie, so the token never stays in the address bar. */
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (q && same_secret(q, t)) return 2;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth && !strncmp(auth, "Bearer ", 7) && same_secret(auth + 7, t)) return 0;
    /* The cookie holds the token percent-encoded (token_cookie): decoded here,
     * so a token with '+', '/', '=', ';' or a space works as a cookie too. */
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "vlmeter_token");
    if (cookie) {
        char *plain = xstrdup(cookie);
        MHD_http_unescape(plain);
        bool ok = same_secret(plain, t);
        free(plain);
        if (ok) return 0;
    }
    return 1;
}

struct query_copy {
    FILE *out;
    bool first;
};

/* Copy a query argument other than token, percent-encoded. */
static enum MHD_Result copy_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    struct query_copy *q = cls;
    if (!strcmp(key, "token")) return MHD_YES;
    fputc(q->first ? '?' : '&', q->out);
    q->first = false;
    serve_url_esc(q->out, key, false);
    if (value) {
        fputc('=', q->out);
        serve_url_esc(q->out, value, false);
    }
    return MHD_YES;
}

/* ?token=T: set the cookie and send the browser to the URL without it. */
static enum MHD_Result token_cookie(struct server *sv, struct MHD_Connection *c, const char *url) {
    char *loc = NULL, *cookie;
    size_t n = 0;
    FILE *f = open_memstream(&loc, &n);
    if (!f) return MHD_NO;
    while (url[0] == '/' && url[1] == '/') url++; /* "//host/x" would send the browser to another site */
    serve_url_esc(f, url, true);
    struct query_copy q = {f, true};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, copy_arg, &q);
    fclose(f);
    char *enc = NULL;
    f = open_memstream(&enc, &n);
    if (!f) {
        free(loc);
        return MHD_NO;
    }
    serve_url_esc(f, sv->p->token, false);
    fclose(f);
    cookie = xasprintf("vlmeter_token=%s; Path=/; HttpOnly; SameSite=Strict", enc);
    enum MHD_Result ok = redirect(c, loc, cookie);
    free(enc);
    free(cookie);
    free(loc);
    return ok;
}

/* ------------------------------------------------------------ files */

struct allowed {
    char *real; /* the requested file's real path */
    bool ok;
};

/* Whether the file is this stored image (both real paths): only the images
 * the pages show are served, never a file beside them (the store, its -wal,
 * a suite's JSONL), whatever folder the image is in. */
static void image_allows(const char *image, void *user) {
    struct allowed *a = user;
    if (a->ok) return;
    char *img = realpath(image, NULL);
    if (img && !strcmp(img, a->real)) a->ok = true;
    free(img);
}

static const char *image_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    if (!strcasecmp(dot, ".png")) return "image/png";
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")) return "image/jpeg";
    if (!strcasecmp(dot, ".webp")) return "image/webp";
    if (!strcasecmp(dot, ".gif")) return "image/gif";
    if (!strcasecmp(dot, ".bmp")) return "image/bmp";
    return "application/octet-stream";
}

/* Whether a path (as MHD decoded it) has a ".." segment. */
static bool has_dotdot(const char *p) {
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') return true;
        if (!e) break;
        s = e + 1;
    }
    return false;
}

/* GET /file/PATH: the file, or 404 for anything not allowed. */
static enum MHD_Result serve_file(struct server *sv, struct MHD_Connection *c, const char *rel) {
    static const char *const NOPE = "No such file here (only the images of the stored cases).";
    if (has_dotdot(rel)) return reply_message(c, MHD_HTTP_NOT_FOUND, "Not found", NOPE);
    char *path = xasprintf("/%s", rel);
    struct allowed a = {realpath(path, NULL), false};
    /* The pages link each image by its stored path: that one is looked up as
     * written; another spelling of it (a symlink to it) is compared by real
     * path with every stored image. */
    int rc = a.real ? store_serve_has_image(sv->s, path, &a.ok) : VLM_OK;
    free(path);
    if (!a.real) return reply_message(c, MHD_HTTP_NOT_FOUND, "Not found", NOPE);
    if (rc == VLM_OK && !a.ok) rc = store_serve_all_images(sv->s, image_allows, &a);
    if (rc != VLM_OK) {
        free(a.real);
        return reply_message(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The store could not be read", store_error(sv->s));
    }
    int fd = a.ok ? open(a.real, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        free(a.real);
        return reply_message(c, MHD_HTTP_NOT_FOUND, "Not found", NOPE);
    }
    struct MHD_Response *r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd); /* closes fd */
    const char *type = image_type(a.real);
    free(a.real);
    if (!r) {
        close(fd); /* only a response made takes the descriptor over */
        return MHD_NO;
    }
    security_headers(r, CSP_PAGES);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

/* ------------------------------------------------------------ GET routes */

static const char *arg(struct MHD_Connection *c, const char *key) {
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

/* The category argument as a filter: NULL when absent or empty (any
 * category), "" for the cases without one (SERVE_NO_CATEGORY). */
static const char *category_arg(struct MHD_Connection *c) {
    const char *v = arg(c, "category");
    if (!v || !v[0]) return NULL;
    return strcmp(v, SERVE_NO_CATEGORY) == 0 ? "" : v;
}

static bool flag(struct MHD_Connection *c, const char *key) {
    const char *v = arg(c, key);
    return v && v[0] && strcmp(v, "0") != 0;
}

/* The reviewer to prefill: the last one this browser saved, else --reviewer. */
static const char *reviewer_of(struct server *sv, struct MHD_Connection *c, char *buf, size_t n) {
    const char *v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "vlmeter_reviewer");
    if (v && v[0] && strlen(v) < n) {
        snprintf(buf, n, "%s", v);
        MHD_http_unescape(buf);
        if (util_utf8_valid(buf, strlen(buf))) return buf;
    }
    return sv->p->reviewer ? sv->p->reviewer : "";
}

static void pair_slot_free(struct pair_slot *p) {
    free(p->suite);
    free(p->case_id);
    free(p->left);
    free(p->right);
    free(p->category);
    memset(p, 0, sizeof *p);
}

struct pair_pick {
    struct server *sv;
    struct pair_slot *slot;
};

/* Remember the pair chosen, in random order, under a new random token. */
static void pair_chosen(const struct ss_pair *p, void *user) {
    struct pair_pick *pk = user;
    unsigned char rnd[17];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) return;
    struct pair_slot *slot = &pk->sv->pairs[pk->sv->next_pair];
    pk->sv->next_pair = (pk->sv->next_pair + 1) % PAIR_SLOTS;
    pair_slot_free(slot);
    for (int i = 0; i < 16; i++) snprintf(slot->token + 2 * i, 3, "%02x", rnd[i]);
    bool swap = rnd[16] & 1;
    slot->suite = xstrdup(p->suite);
    slot->case_id = xstrdup(p->case_id);
    slot->turn = p->turn;
    slot->left = xstrdup(swap ? p->model_b : p->model_a);
    slot->right = xstrdup(swap ? p->model_a : p->model_b);
    pk->slot = slot;
}

static enum MHD_Result page_pair(struct server *sv, struct MHD_Connection *c) {
    char rbuf[256];
    const char *category = category_arg(c), *reviewer = reviewer_of(sv, c, rbuf, sizeof rbuf);
    struct pair_pick pk = {sv, NULL};
    bool found;
    char *buf = NULL;
    size_t len = 0;
    int rc = store_serve_pair(sv->s, category, reviewer, pair_chosen, &pk, &found);
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    struct serve_pair_view v = {.category = category, .reviewer = reviewer};
    if (rc == VLM_OK && pk.slot) {
        v.suite = pk.slot->suite;
        v.case_id = pk.slot->case_id;
        v.turn = pk.slot->turn;
        v.left = pk.slot->left;
        v.right = pk.slot->right;
        v.token = pk.slot->token;
        pk.slot->category = xstrdup(category ? category : "");
    }
    if (rc == VLM_OK) rc = serve_page_pair(f, sv->s, &v);
    fclose(f);
    return reply_page(c, sv, rc, buf, len);
}

static enum MHD_Result page_report(struct server *sv, struct MHD_Connection *c) {
    char *buf = NULL, err[1024];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    int rc = vlm_report(sv->p->db_path, VLM_REPORT_HTML, f, err, sizeof err);
    fclose(f);
    if (rc != VLM_OK) {
        free(buf);
        return reply_message(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The report could not be made", err);
    }
    return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", buf, len, CSP_REPORT);
}

static enum MHD_Result route_get(struct server *sv, struct MHD_Connection *c, const char *url) {
    if (!strncmp(url, "/file/", 6)) return serve_file(sv, c, url + 6);
    if (!strcmp(url, "/app.js"))
        return reply(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", xstrdup(SERVE_APP_JS), strlen(SERVE_APP_JS),
                     CSP_PAGES);
    if (!strcmp(url, "/app.css"))
        return reply(c, MHD_HTTP_OK, "text/css; charset=utf-8", xstrdup(SERVE_APP_CSS), strlen(SERVE_APP_CSS),
                     CSP_PAGES);
    if (!strcmp(url, "/favicon.ico")) return reply(c, MHD_HTTP_NO_CONTENT, NULL, NULL, 0, CSP_PAGES);
    if (!strcmp(url, "/report")) return page_report(sv, c);
    if (!strcmp(url, "/pair")) return page_pair(sv, c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    int rc = VLM_OK;
    bool found = true;
    if (!strcmp(url, "/")) rc = serve_page_home(f, sv->s, sv->p->db_path);
    else if (!strcmp(url, "/cases")) {
        struct ss_filter flt = {flag(c, "fail"),     flag(c, "disagree"), flag(c, "errors"),
                                flag(c, "unparsed"), category_arg(c),     arg(c, "q")};
        rc = serve_page_cases(f, sv->s, &flt);
    } else if (!strcmp(url, "/case")) {
        char rbuf[256];
        const char *suite = arg(c, "suite"), *id = arg(c, "id");
        found = suite && id;
        if (found) rc = serve_page_case(f, sv->s, suite, id, reviewer_of(sv, c, rbuf, sizeof rbuf), &found);
    } else found = false;
    fclose(f);
    if (rc == VLM_OK && !found) {
        free(buf);
        return reply_message(c, MHD_HTTP_NOT_FOUND, "Not found",
                             !strcmp(url, "/case") ? "No stored case by that suite and id (/case?suite=S&id=ID)."
                                                   : "No such page.");
    }
    return reply_page(c, sv, rc, buf, len);
}

/* ------------------------------------------------------------ POST routes */

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size) {
    struct request *r = cls;
    struct field *f = NULL;
    for (int i = 0; i < r->n_fields && !f; i++)
        if (!strcmp(r->fields[i].key, key)) f = &r->fields[i];
    if (!f) {
        if (r->n_fields == MAX_FIELDS || strlen(key) >= sizeof f->key) return MHD_YES; /* not one of ours */
        f = &r->fields[r->n_fields++];
        snprintf(f->key, sizeof f->key, "%s", key);
    }
    if (off == 0) f->len = 0; /* the field again: the last one counts */
    if (f->len + size + 1 > f->cap) {
        f->cap = f->len + size + 1;
        f->val = xrealloc(f->val, f->cap);
    }
    memcpy(f->val + f->len, data, size);
    f->len += size;
    f->val[f->len] = '\0';
    return MHD_YES;
}

static const struct field *field(const struct request *r, const char *key) {
    for (int i = 0; i < r->n_fields; i++)
        if (!strcmp(r->fields[i].key, key)) return &r->fields[i];
    return NULL;
}

/* A field's text ("" when absent). */
static const char *val(const struct request *r, const char *key) {
    const struct field *f = field(r, key);
    return f && f->val ? f->val : "";
}

/* NULL when every field is UTF-8 text without NUL; else a message (static). */
static const char *bad_field(const struct request *r, char *msg, size_t n) {
    for (int i = 0; i < r->n_fields; i++)
        if (!util_utf8_valid(r->fields[i].val ? r->fields[i].val : "", r->fields[i].len)) {
            snprintf(msg, n, "the field '%s' is not valid UTF-8 text; nothing was stored", r->fields[i].key);
            return msg;
        }
    return NULL;
}

/* The cookie that keeps the reviewer's name for the next forms. */
static char *reviewer_cookie(const char *name) {
    char *enc = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&enc, &n);
    if (!f) return NULL;
    serve_url_esc(f, name, false);
    fclose(f);
    char *cookie = xasprintf("vlmeter_reviewer=%s; Path=/; SameSite=Strict", enc);
    free(enc);
    return cookie;
}

static bool parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || errno || v < 0 || v > INT_MAX) return false;
    *out = (int)v;
    return true;
}

static enum MHD_Result post_verdict(struct server *sv, struct MHD_Connection *c, const struct request *r) {
    struct store_verdict v = {.model = val(r, "model"),
                              .suite = val(r, "suite"),
                              .case_id = val(r, "case"),
                              .verdict = val(r, "verdict"),
                              .comment = val(r, "comment"),
                              .reviewer = val(r, "reviewer")};
    if (!v.reviewer[0] && sv->p->reviewer) v.reviewer = sv->p->reviewer;
    char msg[1024];
    if (!parse_int(val(r, "turn"), &v.turn))
        return reply_message(c, MHD_HTTP_BAD_REQUEST, "Verdict refused", "the turn is not a whole number from 0");
    v.score = NAN;
    if (!strcmp(v.verdict, "score")) {
        char *end;
        const char *t = val(r, "score");
        v.score = strtod(t, &end);
        if (!t[0] || *end) v.score = NAN;
    }
    int rc = store_verdict_put(sv->s, &v, msg, sizeof msg);
    if (rc == VLM_ERR_INPUT) return reply_message(c, MHD_HTTP_BAD_REQUEST, "Verdict refused", msg);
    if (rc != VLM_OK) return reply_message(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The verdict was not stored", msg);
    char *loc = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&loc, &n);
    if (!f) return MHD_NO;
    fputs("/case?suite=", f);
    serve_url_esc(f, v.suite, false);
    fputs("&id=", f);
    serve_url_esc(f, v.case_id, false);
    fputc('#', f);
    serve_answer_id(f, v.model, v.turn);
    fclose(f);
    char *cookie = reviewer_cookie(v.reviewer);
    enum MHD_Result ok = redirect(c, loc, cookie);
    free(cookie);
    free(loc);
    return ok;
}

static enum MHD_Result post_prefer(struct server *sv, struct MHD_Connection *c, const struct request *r) {
    const char *token = val(r, "pair"), *choice = val(r, "choice"), *reviewer = val(r, "reviewer");
    if (!reviewer[0] && sv->p->reviewer) reviewer = sv->p->reviewer;
    struct pair_slot *slot = NULL;
    for (int i = 0; i < PAIR_SLOTS && !slot; i++)
        if (sv->pairs[i].token[0] && same_secret(sv->pairs[i].token, token)) slot = &sv->pairs[i];
    if (!slot)
        return reply_message(c, MHD_HTTP_BAD_REQUEST, "Vote refused",
                             "this pair is not known (already voted on, or the server restarted): open /pair again");
    const char *side = !strcmp(choice, "a")     ? "left"
                       : !strcmp(choice, "b")   ? "right"
                       : !strcmp(choice, "tie") ? "tie"
                                                : NULL;
    if (!side) return reply_message(c, MHD_HTTP_BAD_REQUEST, "Vote refused", "the choice must be a, b or tie");
    if (!reviewer[0])
        return reply_message(c, MHD_HTTP_BAD_REQUEST, "Vote refused", "a reviewer name is needed; nothing was stored");
    char msg[1024];
    int rc = store_preference_put(sv->s, slot->suite, slot->case_id, slot->turn, slot->left, slot->right, side,
                                  reviewer, msg, sizeof msg);
    /* The store's refusal names the models (an answer gone): not on a blind page. */
    if (rc == VLM_ERR_INPUT)
        return reply_message(c, MHD_HTTP_BAD_REQUEST, "Vote refused",
                             "this pair's answers are no longer in the store; nothing was stored: open /pair again");
    if (rc != VLM_OK) return reply_message(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The vote was not stored", msg);
    pair_slot_free(slot); /* one vote per pair shown */
    char *loc = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&loc, &n);
    if (!f) return MHD_NO;
    fputs("/pair?category=", f);
    serve_url_esc(f, val(r, "category"), false);
    fclose(f);
    char *cookie = reviewer_cookie(reviewer);
    enum MHD_Result ok = redirect(c, loc, cookie);
    free(cookie);
    free(loc);
    return ok;
}

/* A POST from another page than ours. A browser that sends Sec-Fetch-Site
 * says so itself: anything but same-origin (or none: typed by the user) is
 * refused, same-site too (another port of localhost is the same site).
 * Otherwise an Origin, when present, must name the Host header's host:port,
 * over http or https (behind a TLS proxy the page's origin is https). */
static bool cross_site(struct MHD_Connection *c) {
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site) return strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0;
    if (!origin) return false;
    const char *rest = !strncasecmp(origin, "http://", 7)    ? origin + 7
                       : !strncasecmp(origin, "https://", 8) ? origin + 8
                                                             : NULL;
    return !host || !rest || strcasecmp(rest, host) != 0;
}

/* Whether a Host header is `name` (case folded) with `port` (":port", or
 * none for port 80). */
static bool host_is(const char *host, const char *name, unsigned port) {
    size_t n = strlen(name);
    if (strncasecmp(host, name, n) != 0) return false;
    const char *p = host + n;
    if (!*p) return port == 80;
    if (*p != ':' || !p[1] || strspn(p + 1, "0123456789") != strlen(p + 1)) return false;
    return strtoul(p + 1, NULL, 10) == port;
}

/* Whether the Host header names this server. With a token any name will do
 * (the token is the defence); without one only this port on a loopback name
 * or the bind address, so a page of another site whose name a DNS rebinding
 * points at 127.0.0.1 gets nothing (its requests carry its own Host). */
static bool host_allowed(struct server *sv, struct MHD_Connection *c) {
    if (sv->p->token && sv->p->token[0]) return true;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host) return false;
    for (int i = 0; i < 4 && sv->hosts[i][0]; i++)
        if (host_is(host, sv->hosts[i], sv->port)) return true;
    return false;
}

/* The Host names of host_allowed, without their port. */
static void allowed_hosts(struct server *sv, const char *bind, bool v6) {
    static const char *const LOOPBACK[] = {"127.0.0.1", "localhost", "[::1]"};
    for (int i = 0; i < 3; i++) snprintf(sv->hosts[i], sizeof sv->hosts[i], "%s", LOOPBACK[i]);
    snprintf(sv->hosts[3], sizeof sv->hosts[3], v6 ? "[%s]" : "%s", bind);
}

/* ------------------------------------------------------------ the handler */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state) {
    struct server *sv = cls;
    struct request *r = *state;
    if (!r) { /* headers are in: decide what can be decided now */
        r = xcalloc(1, sizeof *r);
        *state = r;
        if (!host_allowed(sv, c))
            return reply_message(c, 421, "Misdirected request",
                                 "this server answers only to its own address (Host 127.0.0.1, localhost or [::1] "
                                 "with its port); give a token (--token or VLMETER_TOKEN) to serve under another name");
        int tk = check_token(sv, c);
        if (tk == 1)
            return reply_message(c, MHD_HTTP_UNAUTHORIZED, "Token needed",
                                 "this server needs its token: Authorization: Bearer T, the vlmeter_token cookie, "
                                 "or ?token=T once");
        if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
            return tk == 2 ? token_cookie(sv, c, url) : route_get(sv, c, url);
        if (strcmp(method, "POST") != 0)
            return reply_message(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed", "only GET and POST");
        if (cross_site(c))
            return reply_message(c, MHD_HTTP_FORBIDDEN, "Refused",
                                 "a form posted from another site; nothing was stored");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > BODY_LIMIT)
            return reply_message(c, MHD_HTTP_CONTENT_TOO_LARGE, "Too large",
                                 "a form body may hold at most 64 KiB; nothing was stored");
        r->post = true;
        r->pp = MHD_create_post_processor(c, 4096, on_field, r);
        if (!r->pp)
            return reply_message(c, MHD_HTTP_BAD_REQUEST, "Refused",
                                 "expected a form (application/x-www-form-urlencoded); nothing was stored");
        return MHD_YES;
    }
    if (*upload_size) { /* a piece of the body */
        r->body += *upload_size;
        size_t n = *upload_size;
        *upload_size = 0;
        /* Over the limit (a chunked body has no length to refuse it by up
         * front): the rest is read and dropped, so the client can read the
         * 413 (libmicrohttpd cannot answer before the body's end without
         * resetting the connection); past DRAIN_LIMIT the connection is
         * closed, no answer: an endless body ends there. */
        if (r->body > DRAIN_LIMIT) return MHD_NO;
        if (r->body > BODY_LIMIT) r->too_big = true;
        else if (!r->bad_body && MHD_post_process(r->pp, upload, n) != MHD_YES) r->bad_body = true;
        return MHD_YES;
    }
    if (r->too_big)
        return reply_message(c, MHD_HTTP_CONTENT_TOO_LARGE, "Too large",
                             "a form body may hold at most 64 KiB; nothing was stored");
    if (r->bad_body)
        return reply_message(c, MHD_HTTP_BAD_REQUEST, "Refused",
                             "the body could not be read as a form (application/x-www-form-urlencoded, field names "
                             "of at most a few KiB); nothing was stored");
    char msg[256];
    if (bad_field(r, msg, sizeof msg)) return reply_message(c, MHD_HTTP_BAD_REQUEST, "Refused", msg);
    if (!strcmp(url, "/verdict")) return post_verdict(sv, c, r);
    if (!strcmp(url, "/prefer")) return post_prefer(sv, c, r);
    return reply_message(c, MHD_HTTP_NOT_FOUND, "Not found", "POST goes to /verdict or /prefer");
}

static void on_done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why) {
    struct request *r = *state;
    if (!r) return;
    if (r->pp) MHD_destroy_post_processor(r->pp);
    for (int i = 0; i < r->n_fields; i++) free(r->fields[i].val);
    free(r);
    *state = NULL;
}

/* ------------------------------------------------------------ start and stop */

/* The address to bind, parsed; false with a message. */
static bool parse_bind(const struct vlm_serve_params *p, struct sockaddr_storage *sa, bool *v6, bool *loopback,
                       char *err, size_t err_len) {
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
    const char *b = p->bind && p->bind[0] ? p->bind : "127.0.0.1";
    if (p->port < 0 || p->port > 65535) {
        util_errf(err, err_len, "--port %d: a port is 0 (any free one) to 65535", p->port);
        return false;
    }
    if (inet_pton(AF_INET, b, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p->port);
        *v6 = false;
        *loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
        return true;
    }
    if (inet_pton(AF_INET6, b, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p->port);
        *v6 = true;
        *loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        return true;
    }
    util_errf(err, err_len, "--bind '%s': not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, ::1, 0.0.0.0)", b);
    return false;
}

int vlm_serve(const struct vlm_serve_params *p, char *err, size_t err_len) {
    struct sockaddr_storage sa;
    bool v6 = false, loopback = false;
    if (!parse_bind(p, &sa, &v6, &loopback, err, err_len)) return VLM_ERR_INPUT;
    if (!loopback && !(p->token && p->token[0])) {
        util_errf(err, err_len,
                  "--bind %s is not a loopback address: anyone who reaches it could read the store and write "
                  "verdicts; give a token (--token T or VLMETER_TOKEN) or bind 127.0.0.1",
                  p->bind);
        return VLM_ERR_INPUT;
    }
    if (store_serve_is_store(p->db_path, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
    struct server *sv = xcalloc(1, sizeof *sv);
    sv->p = p;
    sv->s = vlm_store_open(p->db_path, err, err_len);
    int rc = VLM_OK;
    struct MHD_Daemon *d = NULL;
    if (!sv->s) rc = VLM_ERR_IO;
    else {
        g_stop = 0;
        d = MHD_start_daemon(MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0), (uint16_t)p->port, NULL, NULL, on_request, sv,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_done, sv,
                             MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
        if (!d) {
            util_errf(err, err_len, "cannot listen on %s port %d: %s", p->bind, p->port,
                      errno ? strerror(errno) : "libmicrohttpd refused to start");
            rc = VLM_ERR_IO;
        }
    }
    if (d) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        const char *bind = p->bind && p->bind[0] ? p->bind : "127.0.0.1";
        sv->port = info ? (unsigned)info->port : (unsigned)p->port;
        allowed_hosts(sv, bind, v6);
        char *url = xasprintf(v6 ? "http://[%s]:%u/" : "http://%s:%u/", bind, sv->port);
        if (p->on_listening) p->on_listening(url, p->user);
        free(url);
        while (!g_stop) MHD_run_wait(d, 250);
        MHD_stop_daemon(d);
    }
    for (int i = 0; i < PAIR_SLOTS; i++) pair_slot_free(&sv->pairs[i]);
    vlm_store_close(sv->s);
    free(sv);
    return rc;
}
