/*
 * scrape.h - a server's Prometheus /metrics page (scrape.c): the text
 * exposition format parsed, the series vlmeter reads picked out of it
 * (llama-server's and vLLM's names), and a sampler thread that reads the page
 * once a second while a run or a bench level talks to the server, reduced to
 * a few figures (docs/metrics.md, "Server metrics"). Not part of the public API.
 */
#ifndef VLM_SCRAPE_H
#define VLM_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------ the page */

/* One sample line: its name, its labels ("k=v,k=v", values unescaped, in page
 * order; "" for none) and its value (NaN and +/-Inf as written). */
struct scrape_series {
    char *name, *labels;
    double value;
};

/* A parsed page. Bad lines are skipped and counted; the first is described. */
struct scrape_page {
    struct scrape_series *s;
    int n, cap;
    int n_bad;
    char first_bad[256]; /* "line N: why" of the first bad line; "" when none */
};

/* Parse `len` bytes of text exposition format into page (which the caller
 * zeroes first and frees with scrape_page_free). Never fails: a line that is
 * not a comment, a HELP/TYPE line or a sample is counted in n_bad. */
void scrape_parse(const char *text, size_t len, struct scrape_page *page);
void scrape_page_free(struct scrape_page *page);

/* The series vlmeter reads (docs/metrics.md lists which server names each). */
enum scrape_key {
    SCRAPE_KV_USAGE,       /* KV-cache usage, 0..1 */
    SCRAPE_RUNNING,        /* requests being processed */
    SCRAPE_WAITING,        /* requests queued */
    SCRAPE_PREFIX_HITS,    /* prefix-cache hits (counter) */
    SCRAPE_PREFIX_QUERIES, /* prefix-cache queries (counter) */
    SCRAPE_PROMPT_TOKENS,  /* prompt tokens processed (counter) */
    SCRAPE_GEN_TOKENS,     /* tokens generated (counter) */
    SCRAPE_N_KEYS
};

/* One page reduced to those series: NAN where the page has none. Series of one
 * name with several label sets are summed (requests and counters across the
 * engines of one server), except KV-cache usage, a share, which is averaged. */
struct scrape_reading {
    double v[SCRAPE_N_KEYS];
};
/* True when the page had at least one of the series. */
bool scrape_read(const struct scrape_page *page, struct scrape_reading *r);

/* ------------------------------------------------------------ figures */

/* One stored figure: a series' statistic over a run or a bench level. */
struct scrape_figure {
    const char *name; /* "kv_cache_usage", "requests_running", "requests_waiting",
                         "prefix_cache_hit_rate", "prompt_tokens", "generation_tokens", "samples" */
    const char *stat; /* "mean", "max", "delta", "ratio", "count" */
    double value;
};
#define SCRAPE_MAX_FIGURES 12

/* The figures of n readings in time order: gauges' mean and max over the
 * readings that have them; counters' last minus first (absent with fewer than
 * two readings or when the counter went down: a restarted server); the
 * prefix-cache hit rate as hits delta / queries delta (absent when no query);
 * and the number of readings ("samples", "count"). Absent figures are left
 * out, never 0. Returns how many were written to out. */
int scrape_figures(const struct scrape_reading *r, int n, struct scrape_figure out[SCRAPE_MAX_FIGURES]);

/* ------------------------------------------------------------ the sampler */

/* The page a base URL's server has by default: "http://h:p/v1" ->
 * "http://h:p/metrics". False when base is not an http(s) URL. */
bool scrape_default_url(const char *base, char *out, size_t n);

typedef struct scrape scrape;

/* Start reading `url` now and then every second, in a thread. `given`: the
 * user named the URL (metrics=), so a missing page is a warning; otherwise a
 * note. NULL when url is NULL. */
scrape *scrape_start(const char *url, bool given);

/* Stop (one last reading is taken), write the figures into out (count in
 * *n_out) and, when something went wrong, a line into msg ("" when all went
 * well); *warning tells a warning from a note. Frees sc. */
void scrape_stop(scrape *sc, struct scrape_figure out[SCRAPE_MAX_FIGURES], int *n_out, char *msg, size_t msg_len,
                 bool *warning);

#endif
