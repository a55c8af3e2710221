/*
 * cli.c - helpers the command-line tool's files share (src/cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool cli_parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < -2147483647L || v > 2147483647L) return false;
    *out = (int)v;
    return true;
}

bool cli_parse_float(const char *s, float *out) {
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || *end || end == s) return false;
    *out = v;
    return true;
}

bool cli_parse_setting(int opt, const char *arg, struct overrides *o) {
    bool ok = true;
    struct vlm_sampling *s = &o->v.sampling;
    int seed = 0;
    float f = 0;
    switch (opt) {
    case OPT_MAXTOK:
        ok = cli_parse_int(arg, &s->max_tokens) && s->max_tokens > 0;
        o->set |= O_MAXTOK;
        break;
    case OPT_CTX:
        ok = cli_parse_int(arg, &o->v.n_ctx) && o->v.n_ctx > 0;
        o->set |= O_CTX;
        break;
    case OPT_BATCH:
        ok = cli_parse_int(arg, &o->v.n_batch) && o->v.n_batch > 0;
        o->set |= O_BATCH;
        break;
    case OPT_THREADS:
        ok = cli_parse_int(arg, &o->v.n_threads) && o->v.n_threads >= 0;
        o->set |= O_THREADS;
        break;
    case OPT_NGL:
        ok = cli_parse_int(arg, &o->v.n_gpu_layers);
        o->set |= O_NGL;
        break;
    case OPT_TEMP:
        ok = cli_parse_float(arg, &s->temp) && s->temp >= 0;
        o->set |= O_TEMP;
        break;
    case OPT_TOPP:
        ok = cli_parse_float(arg, &s->top_p) && s->top_p > 0 && s->top_p <= 1;
        o->set |= O_TOPP;
        break;
    case OPT_TOPK:
        ok = cli_parse_int(arg, &s->top_k) && s->top_k >= 0;
        o->set |= O_TOPK;
        break;
    case OPT_MINP:
        ok = cli_parse_float(arg, &s->min_p) && s->min_p >= 0 && s->min_p < 1;
        o->set |= O_MINP;
        break;
    case OPT_REP:
        ok = cli_parse_float(arg, &s->repeat_penalty) && s->repeat_penalty > 0;
        o->set |= O_REP;
        break;
    case OPT_SEED:
        ok = cli_parse_int(arg, &seed) && seed >= 0;
        s->seed = (uint32_t)seed;
        o->set |= O_SEED;
        break;
    case OPT_TEMPLATE:
        o->v.chat_template = arg;
        o->set |= O_TMPL;
        break;
    case OPT_TIMEOUT:
        ok = cli_parse_float(arg, &f) && f > 0;
        o->v.remote.timeout_s = f;
        o->set |= O_TIMEOUT;
        break;
    case OPT_RETRIES:
        ok = cli_parse_int(arg, &o->v.remote.max_retries) && o->v.remote.max_retries >= 0;
        o->set |= O_RETRIES;
        break;
    case OPT_CONCURRENCY:
        ok = cli_parse_int(arg, &o->v.remote.concurrency) && o->v.remote.concurrency >= 1;
        o->set |= O_CONCURRENCY;
        break;
    case OPT_PARALLEL:
        ok = cli_parse_int(arg, &o->v.n_parallel) && o->v.n_parallel >= 1 && o->v.n_parallel <= VLM_MAX_PARALLEL;
        o->set |= O_PARALLEL;
        break;
    case OPT_NO_REUSE:
        o->v.reuse = false;
        o->set |= O_REUSE;
        break;
    case OPT_REASONING:
        ok = strcmp(arg, "auto") == 0 || strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0 ||
             (strncmp(arg, "budget=", 7) == 0 && cli_parse_int(arg + 7, &seed) && seed >= 0);
        o->v.reasoning = arg;
        o->set |= O_REASONING;
        break;
    case OPT_PREFILL_CHUNK:
        ok = cli_parse_int(arg, &o->v.prefill_chunk) && o->v.prefill_chunk >= 0;
        o->set |= O_PREFILL_CHUNK;
        break;
    case OPT_IMAGE_CACHE:
        ok = cli_parse_int(arg, &o->v.image_cache_mib) && o->v.image_cache_mib >= 0;
        o->set |= O_IMAGE_CACHE;
        break;
    default: return false;
    }
    if (!ok) fprintf(stderr, "vlmeter: bad value '%s' for an option\n", arg);
    return ok;
}

void cli_apply_overrides(struct vlm_engine_params *e, const struct overrides *o) {
    if (o->set & O_MAXTOK) e->sampling.max_tokens = o->v.sampling.max_tokens;
    if (o->set & O_CTX) e->n_ctx = o->v.n_ctx;
    if (o->set & O_BATCH) e->n_batch = o->v.n_batch;
    if (o->set & O_THREADS) e->n_threads = o->v.n_threads;
    if (o->set & O_NGL) e->n_gpu_layers = o->v.n_gpu_layers;
    if (o->set & O_TEMP) e->sampling.temp = o->v.sampling.temp;
    if (o->set & O_TOPP) e->sampling.top_p = o->v.sampling.top_p;
    if (o->set & O_TOPK) e->sampling.top_k = o->v.sampling.top_k;
    if (o->set & O_MINP) e->sampling.min_p = o->v.sampling.min_p;
    if (o->set & O_REP) e->sampling.repeat_penalty = o->v.sampling.repeat_penalty;
    if (o->set & O_SEED) e->sampling.seed = o->v.sampling.seed;
    if (o->set & O_TMPL) e->chat_template = o->v.chat_template;
    if (o->set & O_TIMEOUT) e->remote.timeout_s = o->v.remote.timeout_s;
    if (o->set & O_RETRIES) e->remote.max_retries = o->v.remote.max_retries;
    if (o->set & O_CONCURRENCY) e->remote.concurrency = o->v.remote.concurrency;
    if (o->set & O_PARALLEL) e->n_parallel = o->v.n_parallel;
    if (o->set & O_REUSE) e->reuse = o->v.reuse;
    if (o->set & O_IMAGE_CACHE) e->image_cache_mib = o->v.image_cache_mib;
    if (o->set & O_PREFILL_CHUNK) e->prefill_chunk = o->v.prefill_chunk;
    if (o->set & O_REASONING) e->reasoning = o->v.reasoning;
}

void cli_print_message(const char *line, void *user) {
    (void)user;
    fprintf(stderr, "vlmeter: %s\n", line);
}

bool cli_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

char *cli_join_argv(int argc, char **argv) {
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *s = calloc(n, 1);
    for (int i = 0; s && i < argc; i++) {
        strcat(s, argv[i]);
        if (i + 1 < argc) strcat(s, " ");
    }
    return s;
}

int cli_find_gpu(const char *name, const char *catalog, struct vlm_gpu *g) {
    char err[1024];
    vlm_catalog *cat = vlm_catalog_new();
    int rc = vlm_catalog_load_default(cat, NULL, err, sizeof err), found = 0;
    if (rc == VLM_OK && catalog) rc = vlm_catalog_load_csv(cat, catalog, err, sizeof err);
    for (int i = 0; rc == VLM_OK && !found && i < vlm_catalog_n_gpus(cat); i++)
        if (strcmp(vlm_catalog_gpu(cat, i)->name, name) == 0) {
            *g = *vlm_catalog_gpu(cat, i);
            found = 1;
        }
    vlm_catalog_free(cat);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 2;
    }
    if (!found) {
        fprintf(stderr, "vlmeter: --gpu %s is not in the catalog (data/gpus.csv, --catalog)\n", name);
        return 2;
    }
    return 0;
}

/* ------------------------------------------------------------ --help and option checks */

int cli_edit_distance(const char *a, const char *b) {
    size_t nb = strlen(b);
    int *row = malloc((nb + 1) * sizeof *row);
    if (!row) return 1 << 20;
    for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
    for (size_t i = 1; a[i - 1]; i++) {
        int diag = row[0]; /* row[i-1][j-1] */
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    int d = row[nb];
    free(row);
    return d;
}

/* True when the long option o has a one-letter form in c's short options. */
static bool has_short(const struct cli_command *c, const struct option *o) {
    return o->val > ' ' && o->val < 127 && o->val != ':' && strchr(c->shortopts, o->val);
}

/* True when an entry before o in c's table has o's name (bench's --concurrency
 * comes before the engine setting's, and getopt_long takes the first). */
static bool named_before(const struct cli_command *c, const struct option *o) {
    for (const struct option *p = c->opts; p < o; p++)
        if (strcmp(p->name, o->name) == 0) return true;
    return false;
}

/* c's options as "-m/--model, --db, ..., -f, -h/--help": the long ones in table
 * order (with their letter), then letters without a long form. */
static void print_known(const struct cli_command *c, FILE *f) {
    fputs("known: ", f);
    for (const struct option *o = c->opts; o->name; o++) {
        if (named_before(c, o)) continue;
        if (has_short(c, o)) fprintf(f, "-%c/", o->val);
        fprintf(f, "--%s, ", o->name);
    }
    for (const char *s = c->shortopts; *s; s++) {
        bool paired = *s == ':';
        for (const struct option *o = c->opts; o->name && !paired; o++) paired = o->val == *s;
        if (!paired) fprintf(f, "-%c, ", *s);
    }
    fputs("-h/--help", f);
}

/* The long option of c nearest to `name` (help included), when it is at most
 * two edits away and not all of it is rewritten; NULL when none is. */
static const char *nearest_option(const struct cli_command *c, const char *name) {
    const char *best = NULL;
    int best_d = 3;
    for (const struct option *o = c->opts;; o++) {
        const char *cand = o->name ? o->name : "help";
        int d = cli_edit_distance(name, cand);
        if (d < best_d && d < (int)strlen(cand)) {
            best = cand;
            best_d = d;
        }
        if (!o->name) break;
    }
    return best;
}

/* The option part of the element arg ("--name" of "--name=VALUE") into buf. */
static void long_name(const char *arg, char *buf, size_t n) {
    size_t len = strcspn(arg, "=");
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), arg);
}

/* The long options of c that start with `prefix` (no dashes), for an ambiguous one. */
static void print_matches(const struct cli_command *c, const char *prefix, FILE *f) {
    const char *sep = "";
    for (const struct option *o = c->opts; o->name; o++)
        if (strncmp(o->name, prefix, strlen(prefix)) == 0 && !named_before(c, o)) {
            fprintf(f, "%s--%s", sep, o->name);
            sep = ", ";
        }
}

/* Say what is wrong with the option getopt_long just refused (`got` is '?' or
 * ':', av the array it scanned) on stderr. */
static void report_bad_option(const struct cli_command *c, int got, char **av) {
    const char *elem = optind > 0 ? av[optind - 1] : "";
    bool is_long = strncmp(elem, "--", 2) == 0;
    char name[256];
    if (got == ':') { /* a value missing: the option was the last element */
        if (is_long) long_name(elem, name, sizeof name);
        else snprintf(name, sizeof name, "-%c", optopt);
        fprintf(stderr, "vlmeter %s: option '%s' needs a value (vlmeter %s --help)\n", c->name, name, c->name);
        return;
    }
    /* a letter no option has (its own value, or a long one's, is one the table knows) */
    bool unknown_letter = optopt > 0 && optopt < 256 && optopt != 'h' &&
                          (optopt == ':' || !strchr(c->shortopts, optopt));
    if (optopt != 0 && !unknown_letter && is_long) { /* --flag=VALUE */
        long_name(elem, name, sizeof name);
        fprintf(stderr, "vlmeter %s: option '%s' takes no value (vlmeter %s --help)\n", c->name, name, c->name);
        return;
    }
    if (optopt != 0) snprintf(name, sizeof name, "-%c", optopt);
    else long_name(elem, name, sizeof name);
    const char *bare = optopt == 0 && is_long ? name + 2 : NULL; /* a long option's name */
    int n_prefix = 0;
    for (const struct option *o = c->opts; o->name && bare; o++) n_prefix += strncmp(o->name, bare, strlen(bare)) == 0;
    if (n_prefix > 0) { /* getopt_long refuses an abbreviation of several entries */
        fprintf(stderr, "vlmeter %s: option '%s' is ambiguous (", c->name, name);
        print_matches(c, bare, stderr);
        fputs("): write it in full\n", stderr);
        return;
    }
    fprintf(stderr, "vlmeter %s: unknown option '%s' (", c->name, name);
    print_known(c, stderr);
    fputs(")", stderr);
    const char *near = bare ? nearest_option(c, bare) : NULL;
    if (near) fprintf(stderr, "; did you mean --%s?", near);
    fputs("\n", stderr);
}

/* One getopt_long pass over a copy of argv with c's options and -h/--help:
 * 0 when help was asked for; with `report`, 2 after a message at the first bad
 * option; -1 otherwise. */
static int scan_options(const struct cli_command *c, int argc, char **argv, bool report) {
    int n = 0;
    while (c->opts[n].name) n++;
    struct option *all = calloc((size_t)n + 2, sizeof *all);
    char **av = calloc((size_t)argc + 1, sizeof *av);
    size_t ns = strlen(c->shortopts) + 3;
    char *shorts = malloc(ns);
    if (!all || !av || !shorts) {
        free(all);
        free(av);
        free(shorts);
        return -1; /* the command's own parse still runs */
    }
    memcpy(all, c->opts, (size_t)n * sizeof *all);
    all[n] = (struct option){"help", no_argument, 0, 'h'};
    memcpy(av, argv, (size_t)argc * sizeof *av);
    snprintf(shorts, ns, ":%sh", c->shortopts); /* ':' first: a missing value returns ':' */
    int opt, rc = -1, saved_opterr = opterr;
    opterr = 0;
    optind = 0; /* glibc: start afresh */
    while (rc < 0 && (opt = getopt_long(argc, av, shorts, all, NULL)) != -1) {
        if (opt == 'h' && !report) rc = 0;
        else if ((opt == '?' || opt == ':') && report) {
            report_bad_option(c, opt, av);
            rc = 2;
        }
    }
    opterr = saved_opterr;
    optind = 0;
    free(all);
    free(av);
    free(shorts);
    return rc;
}

int cli_check_options(const struct cli_command *c, int argc, char **argv) {
    if (scan_options(c, argc, argv, false) == 0) {
        fputs(c->usage, stdout);
        fputs("  -h, --help              this help\n", stdout);
        return 0;
    }
    return scan_options(c, argc, argv, true);
}
