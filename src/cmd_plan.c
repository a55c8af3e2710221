/*
 * cmd_plan.c - `vlmeter plan PLAN.yaml [--db FILE] [--gpu NAME] [--catalog CSV]
 * [--calibrate N]`: before a run, how long each model will take on the cases not
 * stored yet (from earlier runs in the store, or from N calibration cases of each
 * model answered first and stored, so the run later skips them) and, with --gpu,
 * what that wall time costs at the GPU's catalog price.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_estimates(const struct vlm_estimate *e, int n, const struct vlm_gpu *g) {
    double total = 0;
    int missing = 0;
    printf("%-24s %7s %7s %12s %10s %12s\n", "model", "cases", "stored", "s/case", "load s", "wall");
    for (int i = 0; i < n; i++) {
        if (!e[i].history) {
            printf("%-24s %7d %7d  no history: plan again with --calibrate N\n", e[i].name, e[i].n_cases, e[i].n_done);
            missing++;
            continue;
        }
        printf("%-24s %7d %7d %12.3f %10.2f %10.1f s\n", e[i].name, e[i].n_cases, e[i].n_done, e[i].case_ms_mean / 1000,
               e[i].load_ms / 1000, e[i].wall_s);
        total += e[i].wall_s;
    }
    printf("estimated wall time: %.1f s (%.2f h)%s\n", total, total / 3600,
           missing ? ", models without history not counted" : "");
    if (g)
        printf("estimated cost on %s: %.4f %s (%.2f %s/hour; %s, %s)\n", g->name, total / 3600 * g->hourly, g->currency,
               g->hourly, g->currency, g->source, g->as_of);
}

/* Answer up to n pending cases of every model and store them (quietly). */
static int calibrate(vlm_plan *plan, const char *db, int n) {
    struct vlm_run_params rp = vlm_run_default_params();
    rp.db_path = db;
    rp.max_cases = n;
    rp.on_message = cli_print_message;
    struct vlm_run_summary sum;
    char err[1024] = "";
    int rc = vlm_run(plan, &rp, &sum, err, sizeof err);
    for (int i = 0; i < sum.n_models; i++)
        printf("calibration: %s answered %d case(s)\n", sum.models[i].name, sum.models[i].n_run);
    vlm_run_summary_free(&sum);
    if (rc == VLM_ERR_IO || rc == VLM_ERR_STOPPED) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 2;
    }
    return 0;
}

static const struct option PLAN_OPTIONS[] = {
    {"db", required_argument, 0, OPT_DB},
    {"gpu", required_argument, 0, OPT_GPU},
    {"catalog", required_argument, 0, OPT_CATALOG},
    {"calibrate", required_argument, 0, OPT_CALIBRATE},
    {0, 0, 0, 0},
};

const struct cli_command CLI_PLAN = {
    "plan",
    "estimate a run's time and cost",
    "usage: vlmeter plan PLAN.yaml [--db FILE] [--gpu NAME] [--catalog CSV] [--calibrate N]\n"
    "Before a run: how long each model will take on the cases not stored yet (from earlier\n"
    "runs in the store) and, with a GPU, what that wall time costs (docs/cost.md).\n"
    "\n"
    "options:\n"
    "      --db FILE           the store (default: the plan's db, else vlmeter.db)\n"
    "      --gpu NAME          price the wall time at this catalog GPU's hourly price\n"
    "                          (default: the plan's gpu:)\n"
    "      --catalog CSV       more GPUs and prices, beside data/gpus.csv\n"
    "      --calibrate N       first answer and store N cases of each model (a run skips them)\n",
    PLAN_OPTIONS,
    "",
};

int cmd_plan(int argc, char **argv) {
    const char *db = NULL, *gpu = NULL, *catalog = NULL;
    int opt, n_calibrate = 0;
    while ((opt = getopt_long(argc, argv, CLI_PLAN.shortopts, CLI_PLAN.opts, NULL)) != -1) {
        if (opt == OPT_DB) db = optarg;
        else if (opt == OPT_CALIBRATE) {
            if (!cli_parse_int(optarg, &n_calibrate) || n_calibrate < 1) {
                fprintf(stderr, "vlmeter: --calibrate takes a number of cases (1 or more)\n");
                return 2;
            }
        } else if (opt == OPT_GPU) gpu = optarg;
        else if (opt == OPT_CATALOG) catalog = optarg;
        else return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "vlmeter: usage: vlmeter plan PLAN.yaml [--db FILE] [--gpu NAME] [--calibrate N]\n");
        return 2;
    }
    char err[1024];
    struct vlm_gpu g;
    vlm_plan *plan = vlm_plan_load(argv[optind], err, sizeof err);
    if (!plan) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 2;
    }
    if (!gpu) gpu = vlm_plan_gpu(plan);
    if (gpu && cli_find_gpu(gpu, catalog, &g)) {
        vlm_plan_free(plan);
        return 2;
    }
    if (!db) db = vlm_plan_db(plan) ? vlm_plan_db(plan) : "vlmeter.db";
    if (n_calibrate && calibrate(plan, db, n_calibrate)) {
        vlm_plan_free(plan);
        return 2;
    }
    int n = vlm_plan_n_models(plan);
    struct vlm_estimate *e = calloc((size_t)n + 1, sizeof *e);
    int got = vlm_plan_estimate(plan, db, e, n, err, sizeof err);
    if (got < 0) fprintf(stderr, "vlmeter: %s\n", err);
    else print_estimates(e, got, gpu ? &g : NULL);
    free(e);
    vlm_plan_free(plan);
    return got < 0 ? 2 : 0;
}
