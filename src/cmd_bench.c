/*
 * cmd_bench.c - `vlmeter bench`: load-test models at several concurrency
 * levels (vlm_bench) and print per level throughput, goodput, error rate and
 * latency percentiles; the levels are stored in the store's bench_levels table.
 *
 *   vlmeter bench -m SPEC... (-s SUITE | --prompt TEXT) --concurrency 1,4,16
 *                 [--rate R] [--requests N | --duration S] [--slo ttft=MS,tpot=MS]
 *                 [--db FILE] [settings]
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_CONC = 1500, OPT_RATE, OPT_REQUESTS, OPT_DURATION, OPT_SLO, OPT_PROMPT, OPT_NODB };

static void on_stop_signal(int sig) {
    (void)sig;
    vlm_run_request_stop();
    signal(SIGINT, SIG_DFL);
}

/* "1,4,16" into levels; false when not a list of integers >= 1. */
static bool parse_levels(const char *s, int **levels, int *n) {
    char *copy = strdup(s), *save = NULL;
    *levels = calloc(strlen(s) + 1, sizeof **levels);
    *n = 0;
    bool ok = true;
    for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save))
        ok = cli_parse_int(t, &(*levels)[(*n)++]) && (*levels)[*n - 1] >= 1;
    free(copy);
    return ok && *n > 0;
}

/* "ttft=MS,tpot=MS" (either or both). */
static bool parse_slo(const char *s, struct vlm_bench_params *p) {
    char *copy = strdup(s), *save = NULL;
    bool ok = true;
    for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
        float v = 0;
        if (strncmp(t, "ttft=", 5) == 0 && cli_parse_float(t + 5, &v) && v > 0) p->slo_ttft_ms = v;
        else if (strncmp(t, "tpot=", 5) == 0 && cli_parse_float(t + 5, &v) && v > 0) p->slo_tpot_ms = v;
        else ok = false;
    }
    free(copy);
    return ok;
}

static void print_header(void) {
    printf("%-20s %5s %7s %7s %6s %9s %10s %9s | %-4s %8s %8s %8s %8s\n", "model", "conc", "reqs", "errors", "err%",
           "req/s", "out_tok/s", "goodput", "ms", "p50", "p90", "p95", "p99");
}

static void print_pcts(const char *lead, const char *name, const struct vlm_pcts *q) {
    printf("%s| %-4s %8.1f %8.1f %8.1f %8.1f\n", lead, name, q->p50, q->p90, q->p95, q->p99);
}

static void print_level(const char *model, const struct vlm_bench_level *l) {
    char lead[1024], blank[1024];
    snprintf(lead, sizeof lead, "%-20s %5d %7d %7d %6.2f %9.2f %10.1f %9.2f ", model, l->concurrency, l->n_requests,
             l->n_errors, l->error_rate * 100, l->req_per_s, l->output_tps, l->goodput_rps);
    snprintf(blank, sizeof blank, "%*s", (int)strlen(lead), "");
    print_pcts(lead, "ttft", &l->ttft_ms);
    print_pcts(blank, "tpot", &l->tpot_ms);
    print_pcts(blank, "itl", &l->itl_ms);
    print_pcts(blank, "e2e", &l->e2e_ms);
    if (l->tokens_estimated) printf("%s  (token counts estimated: the server sent no usage)\n", blank);
    if (l->first_error[0]) printf("%s  first error: %s\n", blank, l->first_error);
}

/* Run the bench on every model of the plan; the exit status. */
static int bench_models(vlm_plan *plan, const char *suite, const char *prompt, struct vlm_bench_params *bp,
                        bool quiet) {
    int status = 0;
    if (!quiet) print_header();
    for (int i = 0; i < vlm_plan_n_models(plan) && status != 2 && status != 130; i++) {
        struct vlm_model_spec *m = vlm_plan_model(plan, i);
        struct vlm_bench_level *levels = NULL;
        char err[1024] = "";
        int rc = vlm_bench(m, suite, prompt, bp, &levels, err, sizeof err);
        for (int k = 0; levels && k < bp->n_levels && !quiet; k++) print_level(m->name, &levels[k]);
        for (int k = 0; levels && k < bp->n_levels; k++)
            if (levels[k].n_errors) status = status ? status : 1;
        free(levels);
        if (rc != VLM_OK) {
            fprintf(stderr, "vlmeter: bench %s: %s\n", m->name, err);
            status = rc == VLM_ERR_STOPPED ? 130 : rc == VLM_ERR_INPUT || rc == VLM_ERR_IO ? 2 : 1;
        }
    }
    return status;
}

int cmd_bench(int argc, char **argv) {
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},
        {"suite", required_argument, 0, 's'},
        {"prompt", required_argument, 0, OPT_PROMPT},
        {"concurrency", required_argument, 0, OPT_CONC},
        {"rate", required_argument, 0, OPT_RATE},
        {"requests", required_argument, 0, OPT_REQUESTS},
        {"duration", required_argument, 0, OPT_DURATION},
        {"slo", required_argument, 0, OPT_SLO},
        {"db", required_argument, 0, OPT_DB},
        {"no-db", no_argument, 0, OPT_NODB},
        {"allow-outside", no_argument, 0, OPT_ALLOW},
        {"quiet", no_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'v'},
        SETTING_OPTIONS,
        {0, 0, 0, 0},
    };
    struct overrides o = {.v = vlm_engine_default_params()};
    struct vlm_bench_params bp = vlm_bench_default_params();
    const char *suite = NULL, *prompt = NULL, *db = "vlmeter.db";
    const char **specs = calloc((size_t)argc + 1, sizeof *specs);
    int *levels = NULL, n_specs = 0, opt, status = 0;
    bool quiet = false, have_duration = false;
    float f;
    while ((opt = getopt_long(argc, argv, "m:s:qv", opts, NULL)) != -1 && status == 0) {
        if (opt == 'm') specs[n_specs++] = optarg;
        else if (opt == 's') suite = optarg;
        else if (opt == OPT_PROMPT) prompt = optarg;
        else if (opt == OPT_CONC) {
            free(levels);
            if (!parse_levels(optarg, &levels, &bp.n_levels)) status = 2;
        } else if (opt == OPT_RATE) {
            if (cli_parse_float(optarg, &f) && f > 0) bp.rate = f;
            else status = 2;
        } else if (opt == OPT_REQUESTS) {
            if (!cli_parse_int(optarg, &bp.n_requests) || bp.n_requests < 1) status = 2;
        } else if (opt == OPT_DURATION) {
            if (cli_parse_float(optarg, &f) && f > 0) {
                bp.duration_s = f;
                have_duration = true;
            } else status = 2;
        } else if (opt == OPT_SLO) {
            if (!parse_slo(optarg, &bp)) status = 2;
        } else if (opt == OPT_DB) db = optarg;
        else if (opt == OPT_NODB) db = NULL;
        else if (opt == OPT_ALLOW) bp.suite.allow_outside = true;
        else if (opt == 'q') quiet = true;
        else if (opt == 'v') vlm_llama_log(true);
        else if (!cli_parse_setting(opt, optarg, &o)) status = 2;
        if (status) fprintf(stderr, "vlmeter: bench: bad value '%s'\n", optarg ? optarg : "");
    }
    if (status == 0 && (n_specs == 0 || !suite == !prompt || (bp.n_requests > 0 && have_duration))) {
        fprintf(stderr, "usage: vlmeter bench -m SPEC... (-s SUITE | --prompt TEXT) [--concurrency 1,4,16]\n"
                        "       [--rate R] [--requests N | --duration S] [--slo ttft=MS,tpot=MS] [--db FILE]\n");
        status = 2;
    }
    static const int one[] = {1};
    if (!levels) {
        bp.levels = one;
        bp.n_levels = 1;
    } else bp.levels = levels;
    vlm_plan *plan = vlm_plan_new();
    cli_apply_overrides(vlm_plan_defaults(plan), &o);
    bp.seed = vlm_plan_defaults(plan)->sampling.seed;
    char err[1024];
    for (int i = 0; i < n_specs && status == 0; i++) {
        if (vlm_plan_add_model_spec(plan, specs[i], err, sizeof err) != VLM_OK) {
            fprintf(stderr, "vlmeter: %s\n", err);
            status = 2;
        }
    }
    for (int i = 0; i < vlm_plan_n_models(plan); i++) cli_apply_overrides(&vlm_plan_model(plan, i)->engine, &o);
    char *line = cli_join_argv(argc, argv);
    bp.db_path = db;
    bp.argv_line = line;
    bp.on_message = quiet ? NULL : cli_print_message;
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
    if (status == 0) status = bench_models(plan, suite, prompt, &bp, quiet);
    if (status == 0 && db && !quiet) printf("store: %s (table bench_levels)\n", db);
    free(line);
    vlm_plan_free(plan);
    free(levels);
    free(specs);
    return status;
}
