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
