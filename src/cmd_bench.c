/*
 * cmd_bench.c - `vlmeter bench`: load-test models at several levels
 * (vlm_bench: closed-loop concurrency, open-loop constant or Poisson rates, a
 * sweep, an SLO search) and print per level throughput, goodput, achieved
 * rate, error rate, latency percentiles and, with a suite, accuracy beside a
 * paired test against the one-at-a-time level; the levels are stored in the
 * store's bench_levels table, a search's capacity in bench_capacity.
 *
 *   vlmeter bench -m SPEC... (-s SUITE | --prompt TEXT) --concurrency 1,4,16
 *                 [--rate R] [--arrival constant|poisson] [--sweep N]
 *                 [--warmup N] [--repeats K] [--requests N | --duration S]
 *                 [--slo ttft=MS,tpot=MS,ttft_p95=MS,e2e_p99=MS,...]
 *                 [--slo-range LO:HI] [--slo-step S] [--db FILE] [settings]
 */
#include "cli.h"

#include <stddef.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_CONC = 1500,
    OPT_RATE,
    OPT_REQUESTS,
    OPT_DURATION,
    OPT_SLO,
    OPT_PROMPT,
    OPT_NODB,
    OPT_ARRIVAL,
    OPT_SWEEP,
    OPT_WARMUP,
    OPT_REPEATS,
    OPT_SLO_RANGE,
    OPT_SLO_STEP,
};

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

/* "ttft=MS,tpot=MS" set the goodput objectives; METRIC_pNN=MS items are the
 * SLO search's (vlm_slo_parse). */
static bool parse_slo(const char *s, struct vlm_bench_params *p) {
    char *copy = strdup(s), *save = NULL, *search = calloc(strlen(s) + 2, 1);
    bool ok = true;
    for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
        float v = 0;
        if (strncmp(t, "ttft=", 5) == 0) ok = cli_parse_float(t + 5, &v) && v > 0, p->slo_ttft_ms = v;
        else if (strncmp(t, "tpot=", 5) == 0) ok = cli_parse_float(t + 5, &v) && v > 0, p->slo_tpot_ms = v;
        else snprintf(search + strlen(search), strlen(s) + 2 - strlen(search), "%s%s", search[0] ? "," : "", t);
    }
    char err[256];
    if (ok && search[0] && !vlm_slo_parse(search, p, err, sizeof err)) {
        fprintf(stderr, "vlmeter: bench: %s\n", err);
        ok = false;
    }
    free(search);
    free(copy);
    return ok;
}

/* "LO:HI" with 0 <= LO <= HI, HI > 0. */
static bool parse_range(const char *s, struct vlm_bench_params *p) {
    float lo, hi;
    const char *colon = strchr(s, ':');
    if (!colon) return false;
    char *left = strndup(s, (size_t)(colon - s));
    bool ok = cli_parse_float(left, &lo) && cli_parse_float(colon + 1, &hi) && lo >= 0 && hi > 0 && lo <= hi;
    free(left);
    if (ok) p->search_lo = lo, p->search_hi = hi;
    return ok;
}

/* A suite case's answer, scored by its scorer: 1 right, 0 wrong, -1 when the
 * case has no expected answer or a scorer that needs more than one reply. */
static int score_answer(const vlm_case *c, const char *output, void *user) {
    (void)user;
    if (!c->expected || !c->expected[0] || !c->scorer || !c->scorer[0] || strcmp(c->scorer, "judge") == 0) return -1;
    struct vlm_score sc;
    char err[256];
    if (vlm_score_text(c->scorer, output, c->expected[0], c->choices, c->n_choices, &sc, err, sizeof err) != VLM_OK)
        return -1;
    return sc.correct ? 1 : 0;
}

static void print_header(void) {
    printf("%-20s %5s %8s %7s %7s %6s %9s %10s %9s | %-4s %8s %8s %8s %8s\n", "model", "conc", "rate", "reqs", "errors",
           "err%", "req/s", "out_tok/s", "goodput", "ms", "p50", "p90", "p95", "p99");
}

static void print_pcts(const char *lead, const char *name, const struct vlm_pcts *q) {
    printf("%s| %-4s %8.1f %8.1f %8.1f %8.1f\n", lead, name, q->p50, q->p90, q->p95, q->p99);
}

static void print_level(const char *model, const struct vlm_bench_level *l) {
    char lead[1024], blank[1024], rate[32];
    if (l->rate > 0) snprintf(rate, sizeof rate, "%.2f", l->rate);
    else snprintf(rate, sizeof rate, "closed");
    snprintf(lead, sizeof lead, "%-20s %5d %8s %7d %7d %6.2f %9.2f %10.1f %9.2f ", model, l->concurrency, rate,
             l->n_requests, l->n_errors, l->error_rate * 100, l->req_per_s, l->output_tps, l->goodput_rps);
    snprintf(blank, sizeof blank, "%*s", (int)strlen(lead), "");
    print_pcts(lead, "ttft", &l->ttft_ms);
    print_pcts(blank, "tpot", &l->tpot_ms);
    print_pcts(blank, "itl", &l->itl_ms);
    print_pcts(blank, "e2e", &l->e2e_ms);
    printf("%s  %s %s%s, repeat %d, warm-up %d; started %.2f req/s", blank, l->phase, l->profile,
           l->slo_met ? " (SLOs met)" : "", l->repeat + 1, l->n_warmup, l->achieved_rate);
    if (l->rate > 0)
        printf(" of %.2f asked (%+.1f%%), %d late%s", l->rate, (l->achieved_rate / l->rate - 1) * 100, l->n_late,
               l->fell_behind ? ": BEHIND SCHEDULE, the client could not keep up (every slot busy, or too slow)" : "");
    printf("\n");
    if (l->tokens_estimated) printf("%s  (token counts estimated: the server sent no usage)\n", blank);
    if (l->first_error[0]) printf("%s  first error: %s\n", blank, l->first_error);
}

/* Accuracy per level beside latency, tested against the first one-at-a-time
 * closed-loop level. */
static void print_accuracy(const struct vlm_bench_result *res) {
    const struct vlm_bench_level *ref = NULL;
    bool any = false;
    for (int i = 0; i < res->n_levels; i++) {
        const struct vlm_bench_level *l = &res->levels[i];
        any |= l->n_scored > 0;
        if (!ref && l->concurrency == 1 && l->rate <= 0 && l->n_scored > 0) ref = l;
    }
    if (!any) return;
    printf("accuracy under load (Wilson 95%%; exact McNemar against the one-at-a-time level%s):\n",
           ref ? "" : ": none ran, no paired test");
    printf("  %5s %8s %7s %8s %15s %6s %6s %7s %6s %8s %8s\n", "conc", "rate", "scored", "accuracy", "95% interval",
           "cut", "tmout", "failed", "pairs", "p", "e2e p95");
    for (int i = 0; i < res->n_levels; i++) {
        const struct vlm_bench_level *l = &res->levels[i];
        if (l->n_scored == 0) continue;
        struct vlm_bench_acc a;
        vlm_bench_accuracy(ref, l, &a);
        char rate[32];
        if (l->rate > 0) snprintf(rate, sizeof rate, "%.2f", l->rate);
        else snprintf(rate, sizeof rate, "closed");
        printf("  %5d %8s %7d %7.1f%% [%5.1f%%, %5.1f%%] %6d %6d %7d %6d %8.4f %8.1f%s\n", l->concurrency, rate,
               l->n_scored, a.acc * 100, a.lo * 100, a.hi * 100, l->n_length, l->n_timeout, l->n_failed, a.n_pairs,
               a.p_value, l->e2e_ms.p95, a.dropped ? "  ACCURACY DROPPED" : "");
    }
}

/* Mean and sample standard deviation of one figure over the repeats of a level. */
static void mean_sd(const struct vlm_bench_result *res, int first, int n, size_t off, double *mean, double *sd) {
    double sum = 0, sq = 0;
    for (int i = first; i < first + n; i++) sum += *(const double *)((const char *)&res->levels[i] + off);
    *mean = sum / n;
    for (int i = first; i < first + n; i++) {
        double d = *(const double *)((const char *)&res->levels[i] + off) - *mean;
        sq += d * d;
    }
    *sd = n > 1 ? sqrt(sq / (n - 1)) : 0;
}

/* With --repeats K: per level, each figure's mean ± sample sd over its K runs. */
static void print_repeats(const struct vlm_bench_result *res, int repeats) {
    if (repeats < 2) return;
    static const struct {
        const char *name;
        size_t off;
    } figs[] = {
        {"req/s", offsetof(struct vlm_bench_level, req_per_s)},
        {"started/s", offsetof(struct vlm_bench_level, achieved_rate)},
        {"out_tok/s", offsetof(struct vlm_bench_level, output_tps)},
        {"goodput", offsetof(struct vlm_bench_level, goodput_rps)},
        {"ttft p95", offsetof(struct vlm_bench_level, ttft_ms.p95)},
        {"tpot p95", offsetof(struct vlm_bench_level, tpot_ms.p95)},
        {"e2e p95", offsetof(struct vlm_bench_level, e2e_ms.p95)},
        {"e2e p99", offsetof(struct vlm_bench_level, e2e_ms.p99)},
    };
    printf("over %d repeats (mean ± sample sd):\n", repeats);
    for (int i = 0; i < res->n_levels;) {
        int n = 1;
        while (i + n < res->n_levels && res->levels[i + n].repeat > 0) n++;
        if (n > 1) {
            printf("  conc %d rate %.2f:", res->levels[i].concurrency, res->levels[i].rate);
            for (size_t k = 0; k < sizeof figs / sizeof figs[0]; k++) {
                double m, sd;
                mean_sd(res, i, n, figs[k].off, &m, &sd);
                printf(" %s %.2f ± %.2f%s", figs[k].name, m, sd, k + 1 < sizeof figs / sizeof figs[0] ? ";" : "");
            }
            printf("\n");
        }
        i += n;
    }
}

static void print_capacity(const char *model, const struct vlm_bench_capacity *c) {
    if (!c->searched) return;
    const char *what = c->by_rate ? "rate" : "concurrency";
    if (c->capacity <= 0)
        printf("%s: SLO search: no %s tried met the SLOs (the lowest, %g, failed)\n", model, what, c->knee_above);
    else if (c->knee_above <= 0)
        printf("%s: SLO search: capacity %s %g, the top of the range (no knee in it), %.2f req/s, e2e p95 %.1f ms, "
               "%d probes\n",
               model, what, c->capacity, c->req_per_s, c->e2e_p95_ms, c->n_probes);
    else
        printf("%s: SLO search: capacity %s %g (%.2f req/s, e2e p95 %.1f ms); knee between %g and %g "
               "(step %g), %d probes\n",
               model, what, c->capacity, c->req_per_s, c->e2e_p95_ms, c->capacity, c->knee_above, c->step, c->n_probes);
}

/* Run the bench on every model of the plan; the exit status. */
static int bench_models(vlm_plan *plan, const char *suite, const char *prompt, struct vlm_bench_params *bp,
                        bool quiet) {
    int status = 0;
    if (!quiet) print_header();
    for (int i = 0; i < vlm_plan_n_models(plan) && status != 2 && status != 130; i++) {
        struct vlm_model_spec *m = vlm_plan_model(plan, i);
        struct vlm_bench_result res;
        char err[1024] = "";
        int rc = vlm_bench(m, suite, prompt, bp, &res, err, sizeof err);
        for (int k = 0; k < res.n_levels && !quiet; k++) print_level(m->name, &res.levels[k]);
        if (!quiet) {
            print_repeats(&res, bp->repeats);
            print_accuracy(&res);
            print_capacity(m->name, &res.capacity);
        }
        for (int k = 0; k < res.n_levels; k++)
            if (res.levels[k].n_errors && bp->n_slos == 0) status = status ? status : 1;
        vlm_bench_result_free(&res);
        if (rc != VLM_OK) {
            fprintf(stderr, "vlmeter: bench %s: %s\n", m->name, err);
            status = rc == VLM_ERR_STOPPED ? 130 : rc == VLM_ERR_INPUT || rc == VLM_ERR_IO ? 2 : 1;
        }
    }
    return status;
}

static const struct option BENCH_OPTIONS[] = {
    {"model", required_argument, 0, 'm'},
    {"suite", required_argument, 0, 's'},
    {"prompt", required_argument, 0, OPT_PROMPT},
    {"concurrency", required_argument, 0, OPT_CONC},
    {"rate", required_argument, 0, OPT_RATE},
    {"requests", required_argument, 0, OPT_REQUESTS},
    {"duration", required_argument, 0, OPT_DURATION},
    {"slo", required_argument, 0, OPT_SLO},
    {"slo-range", required_argument, 0, OPT_SLO_RANGE},
    {"slo-step", required_argument, 0, OPT_SLO_STEP},
    {"arrival", required_argument, 0, OPT_ARRIVAL},
    {"sweep", required_argument, 0, OPT_SWEEP},
    {"warmup", required_argument, 0, OPT_WARMUP},
    {"repeats", required_argument, 0, OPT_REPEATS},
    {"db", required_argument, 0, OPT_DB},
    {"no-db", no_argument, 0, OPT_NODB},
    {"allow-outside", no_argument, 0, OPT_ALLOW},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    SETTING_OPTIONS,
    {0, 0, 0, 0},
};

const struct cli_command CLI_BENCH = {
    "bench",
    "load test: throughput, latency percentiles, SLO capacity",
    "usage: vlmeter bench -m SPEC... (-s SUITE | --prompt TEXT) [--concurrency 1,4,16] [options]\n"
    "Load test: levels of requests in flight (or open-loop rates) one after the other,\n"
    "with throughput, latency percentiles, goodput and the capacity under SLOs\n"
    "(docs/metrics.md, \"Load test\").\n"
    "\n"
    "options:\n"
    "  -m, --model SPEC        a model, as for `vlmeter run` (repeatable)\n"
    "  -s, --suite FILE        the requests are the first turns of its cases, in turn\n"
    "      --prompt TEXT       or every request is this one prompt\n"
    "      --concurrency LIST  requests in flight, one level each (e.g. 1,4,16; default 1, and 256 as\n"
    "                          the most in flight with --rate, --sweep or a rate search)\n"
    "      --rate R            open loop: R requests per second (remote models only)\n"
    "      --arrival A         open-loop gaps: poisson (default) or constant\n"
    "      --sweep N           one at a time, as many as allowed, then N rates between the two\n"
    "      --warmup N          the first N requests of each level are left out of the figures\n"
    "      --repeats K         run each level K times (mean and standard deviation)\n"
    "      --requests N        a level ends after N requests\n"
    "      --duration S        or when S seconds of sending are over (default 10)\n"
    "      --slo LIST          ttft=MS,tpot=MS (goodput) and objectives such as ttft_p95=MS,e2e_p99=MS\n"
    "                          (ttft, tpot, itl, e2e with p50, p90, p95, p99): search the highest\n"
    "                          level that meets them all\n"
    "      --slo-range LO:HI   the range of that search\n"
    "      --slo-step S        the search ends when its bounds are S apart or closer\n"
    "      --db FILE           the store (default vlmeter.db; table bench_levels)\n"
    "      --no-db             store nothing\n"
    "      --allow-outside     let the suite read images outside its folder\n"
    "  -q, --quiet             no messages, only the results\n"
    "  -v, --verbose           show llama.cpp's log\n" SETTING_USAGE_BUT_CONCURRENCY,
    BENCH_OPTIONS,
    "m:s:qv",
};

int cmd_bench(int argc, char **argv) {
    struct overrides o = {.v = vlm_engine_default_params()};
    struct vlm_bench_params bp = vlm_bench_default_params();
    const char *suite = NULL, *prompt = NULL, *db = "vlmeter.db";
    const char **specs = calloc((size_t)argc + 1, sizeof *specs);
    int *levels = NULL, n_specs = 0, opt, status = 0;
    bool quiet = false, have_duration = false, have_arrival = false;
    float f;
    while ((opt = getopt_long(argc, argv, CLI_BENCH.shortopts, CLI_BENCH.opts, NULL)) != -1 && status == 0) {
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
        } else if (opt == OPT_SLO_RANGE) {
            if (!parse_range(optarg, &bp)) status = 2;
        } else if (opt == OPT_SLO_STEP) {
            if (cli_parse_float(optarg, &f) && f > 0) bp.search_step = f;
            else status = 2;
        } else if (opt == OPT_ARRIVAL) {
            have_arrival = true;
            if (strcmp(optarg, "constant") == 0) bp.arrival = VLM_ARRIVAL_CONSTANT;
            else if (strcmp(optarg, "poisson") == 0) bp.arrival = VLM_ARRIVAL_POISSON;
            else status = 2;
        } else if (opt == OPT_SWEEP) {
            if (!cli_parse_int(optarg, &bp.sweep) || bp.sweep < 1) status = 2;
        } else if (opt == OPT_WARMUP) {
            if (!cli_parse_int(optarg, &bp.warmup) || bp.warmup < 0) status = 2;
        } else if (opt == OPT_REPEATS) {
            if (!cli_parse_int(optarg, &bp.repeats) || bp.repeats < 1) status = 2;
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
                        "       [--rate R] [--arrival constant|poisson] [--sweep N] [--warmup N] [--repeats K]\n"
                        "       [--requests N | --duration S] [--slo ttft=MS,tpot=MS,ttft_p95=MS,e2e_p99=MS,...]\n"
                        "       [--slo-range LO:HI] [--slo-step S] [--db FILE]\n");
        status = 2;
    }
    /* an open loop, a sweep or a rate search rely on a free rate: the most in flight
     * defaults to 256 there, to 1 in a closed loop */
    bp.search_by_rate = bp.n_slos > 0 && (bp.rate > 0 || have_arrival);
    static const int one[] = {1}, many[] = {256};
    if (!levels) {
        bp.levels = bp.rate > 0 || bp.sweep > 0 || bp.search_by_rate ? many : one;
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
    if (suite) bp.score = score_answer; /* accuracy under load */
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
