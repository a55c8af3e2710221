/*
 * cmd_plan.c - `vlmeter plan PLAN.yaml [--db FILE] [--gpu NAME] [--catalog CSV]`:
 * before a run, how long each model will take (from earlier runs in the store)
 * and, with --gpu, what that wall time costs at the GPU's catalog price.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The catalog GPU called `name` into *g; 0, or 2 with a message. */
static int find_gpu(const char *name, const char *catalog, struct vlm_gpu *g) {
    char err[1024];
    vlm_catalog *cat = vlm_catalog_new();
    int rc = vlm_catalog_load_default(cat, NULL, err, sizeof err), found = 0;
    if (rc == VLM_OK && catalog) rc = vlm_catalog_load_csv(cat, catalog, err, sizeof err);
    for (int i = 0; rc == VLM_OK && i < vlm_catalog_n_gpus(cat); i++)
        if (strcmp(vlm_catalog_gpu(cat, i)->name, name) == 0) { *g = *vlm_catalog_gpu(cat, i); found = 1; }
    vlm_catalog_free(cat);
    if (rc != VLM_OK) { fprintf(stderr, "vlmeter: %s\n", err); return 2; }
    if (!found) { fprintf(stderr, "vlmeter: --gpu %s is not in the catalog (data/gpus.csv, --catalog)\n", name); return 2; }
    return 0;
}

static void print_estimates(const struct vlm_estimate *e, int n, const struct vlm_gpu *g) {
    double total = 0;
    int missing = 0;
    printf("%-24s %7s %12s %10s %12s\n", "model", "cases", "s/case", "load s", "wall");
    for (int i = 0; i < n; i++) {
        if (!e[i].history) {
            printf("%-24s %7d  no history: run a few cases of it first, then plan again\n", e[i].name, e[i].n_cases);
            missing++;
            continue;
        }
        printf("%-24s %7d %12.3f %10.2f %10.1f s\n", e[i].name, e[i].n_cases, e[i].case_ms_mean / 1000,
               e[i].load_ms / 1000, e[i].wall_s);
        total += e[i].wall_s;
    }
    printf("estimated wall time: %.1f s (%.2f h)%s\n", total, total / 3600,
           missing ? ", models without history not counted" : "");
    if (g)
        printf("estimated cost on %s: %.4f %s (%.2f %s/hour; %s, %s)\n", g->name, total / 3600 * g->hourly,
               g->currency, g->hourly, g->currency, g->source, g->as_of);
}

int cmd_plan(int argc, char **argv) {
    static const struct option opts[] = {
        {"db", required_argument, 0, OPT_DB}, {"gpu", required_argument, 0, OPT_GPU},
        {"catalog", required_argument, 0, OPT_CATALOG}, {0, 0, 0, 0},
    };
    const char *db = NULL, *gpu = NULL, *catalog = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == OPT_DB) db = optarg;
        else if (opt == OPT_GPU) gpu = optarg;
        else if (opt == OPT_CATALOG) catalog = optarg;
        else return 2;
    }
    if (optind >= argc) { fprintf(stderr, "vlmeter: usage: vlmeter plan PLAN.yaml [--db FILE] [--gpu NAME]\n"); return 2; }
    char err[1024];
    struct vlm_gpu g;
    if (gpu && find_gpu(gpu, catalog, &g)) return 2;
    vlm_plan *plan = vlm_plan_load(argv[optind], err, sizeof err);
    if (!plan) { fprintf(stderr, "vlmeter: %s\n", err); return 2; }
    if (!db) db = vlm_plan_db(plan) ? vlm_plan_db(plan) : "vlmeter.db";
    int n = vlm_plan_n_models(plan);
    struct vlm_estimate *e = calloc((size_t)n + 1, sizeof *e);
    int got = vlm_plan_estimate(plan, db, e, n, err, sizeof err);
    if (got < 0) fprintf(stderr, "vlmeter: %s\n", err);
    else print_estimates(e, got, gpu ? &g : NULL);
    free(e);
    vlm_plan_free(plan);
    return got < 0 ? 2 : 0;
}
