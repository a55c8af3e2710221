/*
 * scrape.c - a server's Prometheus /metrics page: the text exposition format
 * parsed line by line (comments, HELP and TYPE lines, labels with quoted and
 * escaped values, NaN and +/-Inf, optional timestamps; a bad line is skipped
 * and counted, never a crash), the series vlmeter reads picked by their
 * llama-server and vLLM names, and a thread that reads the page once a second
 * over libcurl while a run or a bench level lasts (docs/metrics.md, "Server
 * metrics").
 */
#include "scrape.h"
#include "remote_req.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ parsing */

static bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

static const char *skip_blanks(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    return p;
}

/* A metric or label name at p (labels may not hold ':' but a lax reading
 * costs nothing); its end, or NULL when there is none. */
static const char *read_name(const char *p, const char *end) {
    if (p >= end || !name_start(*p)) return NULL;
    while (p < end && name_char(*p)) p++;
    return p;
}

/* A float as the format writes it: decimal, NaN, +Inf, -Inf. */
static bool read_value(const char *p, const char *end, double *v, const char **after) {
    char buf[64];
    const char *q = p;
    while (q < end && *q != ' ' && *q != '\t') q++;
    size_t n = (size_t)(q - p);
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *stop = NULL;
    errno = 0;
    double x = strtod(buf, &stop);
    if (stop == buf || *stop != '\0') return false;
    *v = x;
    *after = q;
    return true;
}

/* The labels "{k="v",...}" at p, unescaped into out as "k=v,k=v"; the end
 * after '}', or NULL with why set. */
static const char *read_labels(const char *p, const char *end, char *out, size_t out_len, const char **why) {
    size_t o = 0;
    p++; /* '{' */
    for (;;) {
        p = skip_blanks(p, end);
        if (p < end && *p == '}') break;
        const char *ne = read_name(p, end);
        if (!ne) return *why = "bad label name", NULL;
        for (const char *k = p; k < ne && o + 1 < out_len; k++) out[o++] = *k;
        p = skip_blanks(ne, end);
        if (p >= end || *p != '=') return *why = "label without '='", NULL;
        p = skip_blanks(p + 1, end);
        if (p >= end || *p != '"') return *why = "label value not quoted", NULL;
        if (o + 1 < out_len) out[o++] = '=';
        for (p++;; p++) {
            if (p >= end) return *why = "unterminated label value", NULL;
            char c = *p;
            if (c == '"') break;
            if (c == '\\') {
                if (++p >= end) return *why = "unterminated label value", NULL;
                c = *p == 'n' ? '\n' : *p;
                if (*p != 'n' && *p != '\\' && *p != '"') return *why = "bad escape in label value", NULL;
            }
            if (o + 1 < out_len) out[o++] = c;
        }
        p = skip_blanks(p + 1, end);
        if (p < end && *p == ',') {
            if (o + 1 < out_len) out[o++] = ',';
            p++;
            continue;
        }
        if (p < end && *p == '}') break;
        return *why = "expected ',' or '}' after a label", NULL;
    }
    if (o > 0 && out[o - 1] == ',') o--; /* a trailing comma is allowed */
    out[o] = '\0';
    return p + 1;
}

/* "# HELP name text", "# TYPE name type" or any other comment: true when fine. */
static bool comment_ok(const char *p, const char *end, const char **why) {
    p = skip_blanks(p + 1, end);
    bool help = end - p >= 4 && memcmp(p, "HELP", 4) == 0, type = end - p >= 4 && memcmp(p, "TYPE", 4) == 0;
    if (!help && !type) return true; /* a plain comment */
    p = skip_blanks(p + 4, end);
    const char *ne = read_name(p, end);
    if (!ne) return *why = help ? "HELP without a metric name" : "TYPE without a metric name", false;
    if (help) return true;
    p = skip_blanks(ne, end);
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped", NULL};
    const char *te = p;
    while (te < end && *te != ' ' && *te != '\t') te++;
    for (const char *const *t = types; *t; t++)
        if ((size_t)(te - p) == strlen(*t) && memcmp(p, *t, (size_t)(te - p)) == 0) return true;
    return *why = "unknown TYPE", false;
}

static void add_series(struct scrape_page *pg, const char *name, size_t name_len, const char *labels, double v) {
    util_grow((void **)&pg->s, &pg->cap, pg->n + 1, sizeof *pg->s);
    struct scrape_series *s = &pg->s[pg->n++];
    s->name = xmalloc(name_len + 1);
    memcpy(s->name, name, name_len);
    s->name[name_len] = '\0';
    s->labels = xstrdup(labels);
    s->value = v;
}

/* One sample line; false with why set when it is not one. */
static bool sample_line(struct scrape_page *pg, const char *p, const char *end, const char **why) {
    const char *ne = read_name(p, end);
    if (!ne) return *why = "not a metric name", false;
    char labels[1024] = "";
    const char *q = ne;
    if (q < end && *q == '{' && !(q = read_labels(q, end, labels, sizeof labels, why))) return false;
    const char *vp = skip_blanks(q, end);
    if (vp == q && q < end) return *why = "no blank before the value", false;
    double v;
    const char *after;
    if (!read_value(vp, end, &v, &after)) return *why = "bad or missing value", false;
    after = skip_blanks(after, end);
    if (after < end) { /* a timestamp: an integer of milliseconds */
        const char *t = after + (*after == '-');
        if (t >= end) return *why = "bad timestamp", false;
        while (t < end && *t >= '0' && *t <= '9') t++;
        if (skip_blanks(t, end) != end || t == after + (*after == '-'))
            return *why = "bad timestamp or text after the value", false;
    }
    add_series(pg, p, (size_t)(ne - p), labels, v);
    return true;
}

void scrape_parse(const char *text, size_t len, struct scrape_page *pg) {
    const char *p = text, *end = text + len;
    for (int line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        const char *ls = skip_blanks(p, le), *lend = le;
        if (lend > ls && lend[-1] == '\r') lend--;
        const char *why = NULL;
        bool ok = ls == lend || (*ls == '#' ? comment_ok(ls, lend, &why) : sample_line(pg, ls, lend, &why));
        if (!ok) {
            if (pg->n_bad++ == 0) snprintf(pg->first_bad, sizeof pg->first_bad, "line %d: %s", line, why);
        }
        p = eol ? eol + 1 : end;
    }
}

void scrape_page_free(struct scrape_page *pg) {
    for (int i = 0; i < pg->n; i++) {
        free(pg->s[i].name);
        free(pg->s[i].labels);
    }
    free(pg->s);
    memset(pg, 0, sizeof *pg);
}

/* ------------------------------------------------------------ the series read */

/* Names per key, first found wins: vLLM V1, vLLM V0, llama-server (docs/metrics.md). */
static const char *const KEY_NAMES[SCRAPE_N_KEYS][5] = {
    [SCRAPE_KV_USAGE] = {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "llamacpp:kv_cache_usage_ratio"},
    [SCRAPE_RUNNING] = {"vllm:num_requests_running", "llamacpp:requests_processing"},
    [SCRAPE_WAITING] = {"vllm:num_requests_waiting", "llamacpp:requests_deferred"},
    [SCRAPE_PREFIX_HITS] = {"vllm:prefix_cache_hits_total", "vllm:prefix_cache_hits",
                            "vllm:gpu_prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits"},
    [SCRAPE_PREFIX_QUERIES] = {"vllm:prefix_cache_queries_total", "vllm:prefix_cache_queries",
                               "vllm:gpu_prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries"},
    [SCRAPE_PROMPT_TOKENS] = {"vllm:prompt_tokens_total", "llamacpp:prompt_tokens_total"},
    [SCRAPE_GEN_TOKENS] = {"vllm:generation_tokens_total", "llamacpp:tokens_predicted_total"},
};

/* The series named `name`: summed (or averaged), NAN when none. */
static double series_value(const struct scrape_page *pg, const char *name, bool average) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < pg->n; i++)
        if (strcmp(pg->s[i].name, name) == 0) sum += pg->s[i].value, n++;
    return n == 0 ? NAN : average ? sum / n : sum;
}

bool scrape_read(const struct scrape_page *pg, struct scrape_reading *r) {
    bool any = false;
    for (int k = 0; k < SCRAPE_N_KEYS; k++) {
        r->v[k] = NAN;
        for (int j = 0; j < 5 && KEY_NAMES[k][j] && isnan(r->v[k]); j++)
            r->v[k] = series_value(pg, KEY_NAMES[k][j], k == SCRAPE_KV_USAGE);
        any |= !isnan(r->v[k]);
    }
    return any;
}

/* ------------------------------------------------------------ figures */

static void put(struct scrape_figure *out, int *n, const char *name, const char *stat, double v) {
    if (isfinite(v) && *n < SCRAPE_MAX_FIGURES) out[(*n)++] = (struct scrape_figure){name, stat, v};
}

/* Mean and max of a gauge over the readings that have it. */
static void gauge(const struct scrape_reading *r, int n, int key, const char *name, struct scrape_figure *out,
                  int *n_out) {
    double sum = 0, max = -INFINITY;
    int k = 0;
    for (int i = 0; i < n; i++) {
        double v = r[i].v[key];
        if (!isfinite(v)) continue;
        sum += v;
        if (v > max) max = v;
        k++;
    }
    if (k == 0) return;
    put(out, n_out, name, "mean", sum / k);
    put(out, n_out, name, "max", max);
}

/* Last minus first reading of a counter; NAN with fewer than two or a reset. */
static double counter_delta(const struct scrape_reading *r, int n, int key) {
    int first = -1, last = -1;
    for (int i = 0; i < n; i++) {
        if (!isfinite(r[i].v[key])) continue;
        if (first < 0) first = i;
        last = i;
    }
    if (first < 0 || last == first) return NAN;
    double d = r[last].v[key] - r[first].v[key];
    return d >= 0 ? d : NAN;
}

int scrape_figures(const struct scrape_reading *r, int n, struct scrape_figure out[SCRAPE_MAX_FIGURES]) {
    int k = 0;
    put(out, &k, "samples", "count", n);
    gauge(r, n, SCRAPE_KV_USAGE, "kv_cache_usage", out, &k);
    gauge(r, n, SCRAPE_RUNNING, "requests_running", out, &k);
    gauge(r, n, SCRAPE_WAITING, "requests_waiting", out, &k);
    double hits = counter_delta(r, n, SCRAPE_PREFIX_HITS), queries = counter_delta(r, n, SCRAPE_PREFIX_QUERIES);
    if (queries > 0) put(out, &k, "prefix_cache_hit_rate", "ratio", hits / queries);
    put(out, &k, "prompt_tokens", "delta", counter_delta(r, n, SCRAPE_PROMPT_TOKENS));
    put(out, &k, "generation_tokens", "delta", counter_delta(r, n, SCRAPE_GEN_TOKENS));
    return k;
}

/* ------------------------------------------------------------ the sampler */

bool scrape_default_url(const char *base, char *out, size_t n) {
    const char *s = base ? strstr(base, "://") : NULL;
    if (!s || (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)) return false;
    const char *path = strchr(s + 3, '/');
    size_t host_len = path ? (size_t)(path - base) : strlen(base);
    return (size_t)snprintf(out, n, "%.*s/metrics", (int)host_len, base) < n;
}

#define PAGE_MAX (8u << 20) /* a page larger than this is cut (and then likely malformed) */

struct scrape {
    char *url;
    bool given;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, dead; /* dead: the page is not there; no more tries */
    struct scrape_reading *r;
    int n, cap;
    char msg[512];
    bool warning;
    bool malformed_said, empty_said;
};

struct body {
    char *p;
    size_t n;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
    struct body *b = user;
    size_t n = size * nmemb;
    if (b->n + n > PAGE_MAX) return 0;
    b->p = xrealloc(b->p, b->n + n + 1);
    memcpy(b->p + b->n, data, n);
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

static void say_once(scrape *sc, bool warning, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say_once(scrape *sc, bool warning, const char *fmt, ...) {
    if (sc->msg[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc->msg, sizeof sc->msg, fmt, ap);
    va_end(ap);
    sc->warning = warning;
}

/* Read the page once; a reading is added when it holds any known series. */
static void take_sample(scrape *sc) {
    CURL *c = curl_easy_init();
    if (!c) return;
    struct body b = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, sc->url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || status != 200) {
        char why[160];
        if (rc != CURLE_OK) snprintf(why, sizeof why, "%s", curl_easy_strerror(rc));
        else snprintf(why, sizeof why, "HTTP %ld", status);
        if (sc->n == 0) { /* never there: one message, no more tries */
            sc->dead = true;
            if (sc->given) say_once(sc, true, "server metrics: cannot read %s: %s", sc->url, why);
            else say_once(sc, false, "server metrics: no page at %s (%s); give metrics=URL to read one", sc->url, why);
        } else {
            say_once(sc, true, "server metrics: %s failed once (%s); figures from the other readings", sc->url, why);
        }
        free(b.p);
        return;
    }
    struct scrape_page pg;
    memset(&pg, 0, sizeof pg);
    scrape_parse(b.p ? b.p : "", b.n, &pg);
    free(b.p);
    struct scrape_reading r;
    bool any = scrape_read(&pg, &r);
    if (pg.n_bad > 0 && !sc->malformed_said) {
        sc->malformed_said = true;
        say_once(sc, true, "server metrics: %s is malformed: %s (%d bad line%s skipped)", sc->url, pg.first_bad,
                 pg.n_bad, pg.n_bad == 1 ? "" : "s");
    } else if (!any && !sc->empty_said) {
        sc->empty_said = true;
        say_once(sc, false, "server metrics: %s has none of the series vlmeter reads (docs/metrics.md)", sc->url);
    }
    scrape_page_free(&pg);
    if (!any) return;
    util_grow((void **)&sc->r, &sc->cap, sc->n + 1, sizeof *sc->r);
    sc->r[sc->n++] = r;
}

/* Wait a second or until told to stop; true when told to stop. */
static bool wait_tick(scrape *sc) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += 1;
    pthread_mutex_lock(&sc->mu);
    while (!sc->stop && pthread_cond_timedwait(&sc->cv, &sc->mu, &t) != ETIMEDOUT) {}
    bool stop = sc->stop;
    pthread_mutex_unlock(&sc->mu);
    return stop;
}

static void *sampler(void *arg) {
    scrape *sc = arg;
    take_sample(sc);
    while (!wait_tick(sc))
        if (!sc->dead) take_sample(sc);
    if (!sc->dead) take_sample(sc); /* the state at the end */
    return NULL;
}

scrape *scrape_start(const char *url, bool given) {
    if (!url) return NULL;
    req_curl_global();
    scrape *sc = xcalloc(1, sizeof *sc);
    sc->url = xstrdup(url);
    sc->given = given;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sc->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&sc->mu, NULL);
    if (pthread_create(&sc->thread, NULL, sampler, sc) != 0) {
        pthread_cond_destroy(&sc->cv);
        pthread_mutex_destroy(&sc->mu);
        free(sc->url);
        free(sc);
        return NULL;
    }
    return sc;
}

void scrape_stop(scrape *sc, struct scrape_figure out[SCRAPE_MAX_FIGURES], int *n_out, char *msg, size_t msg_len,
                 bool *warning) {
    *n_out = 0;
    if (msg_len) msg[0] = '\0';
    *warning = false;
    if (!sc) return;
    pthread_mutex_lock(&sc->mu);
    sc->stop = true;
    pthread_cond_signal(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
    pthread_join(sc->thread, NULL);
    if (sc->n > 0) *n_out = scrape_figures(sc->r, sc->n, out);
    snprintf(msg, msg_len, "%s", sc->msg);
    *warning = sc->warning;
    pthread_cond_destroy(&sc->cv);
    pthread_mutex_destroy(&sc->mu);
    free(sc->r);
    free(sc->url);
    free(sc);
}
