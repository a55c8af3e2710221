/*
 * vlmeter.c - the command-line tool. It parses arguments, calls libvlmeter and
 * prints; all the work is in the library (include/vlmeter.h).
 *
 *   vlmeter run [PLAN.yaml] [-m SPEC]... [-s SUITE]... [--db FILE] [options]
 *   vlmeter demo [--dir DIR]
 *   vlmeter score [--db FILE] [-s SUITE]... [--scorer NAME] [--judge SPEC]
 *   vlmeter report [--db FILE] [--format table|md|csv|json|html] [-o FILE] [--plan PLAN] [--catalog CSV]
 *   vlmeter export [--db FILE] [-o FILE]
 *   vlmeter forge ARCH OUTDIR [--size tiny|small | --shape NAME [--layers N]] [--type T] [--seed N]
 *   vlmeter forge --list | --shapes
 *   vlmeter ask -m MODEL --mmproj MMPROJ [--image IMG]... -p PROMPT [options]
 *   (bench, plan, probe, import, quantize and merge live in src/cmd_*.c)
 *
 * Each command is one struct cli_command (src/cli.h: name, one-line summary,
 * usage, and the getopt table its parser uses), listed in COMMANDS below:
 * main() answers `vlmeter CMD --help` and refuses unknown options from it
 * before the command runs (cli_check_options).
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef VLM_VOCAB_DIR
#define VLM_VOCAB_DIR ""
#endif

/* `vlmeter --help`: these lines around the list of COMMANDS (main, below). */
static const char *OVERVIEW_HEAD = "usage: vlmeter COMMAND [options]\n"
                                   "\n"
                                   "commands:\n";
static const char *OVERVIEW_TAIL = "\n"
                                   "vlmeter COMMAND --help (or vlmeter help COMMAND): the command's usage\n"
                                   "and every option it takes.\n"
                                   "Formats: docs/suite-format.md, docs/plan-format.md, docs/export-format.md,\n"
                                   "docs/report-schema.md; metrics: docs/metrics.md; scorers: docs/scoring.md.\n";

/* ------------------------------------------------------------ run */


static void on_signal(int sig) {
    (void)sig;
    vlm_run_request_stop();
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C kills at once */
}

static void print_summary(const struct vlm_run_summary *sum, const char *db) {
    printf("%-24s %6s %6s %6s %6s %9s %9s %9s %9s %9s %9s\n", "model", "cases", "run", "skip", "errors", "load_ms",
           "ttft_ms", "tok/s", "e2e_p50", "e2e_p90", "rss_MiB");
    for (int i = 0; i < sum->n_models; i++) {
        const struct vlm_run_model_summary *m = &sum->models[i];
        printf("%-24s %6d %6d %6d %6d %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", m->name, m->n_cases, m->n_run,
               m->n_skipped, m->n_errors, m->load_ms, m->ttft_ms_mean, m->decode_tps_mean, m->e2e_ms_p50, m->e2e_ms_p90,
               (double)m->rss_peak_bytes / (1024.0 * 1024.0));
        if (m->error[0]) printf("  %s: %s\n", m->name, m->error);
        if (m->n_na > 0) printf("  %s: %d image case(s) not applicable (n/a: no vision)\n", m->name, m->n_na);
        const struct vlm_engine_stats *st = &m->reuse;
        if (st->prompt_tokens > 0)
            printf("  %s: parallel %d, mean decode batch %.2f; %lld images encoded, %lld from the cache; "
                   "%.0f%% of prompt tokens found in the KV cache\n",
                   m->name, st->n_parallel,
                   st->decode_steps ? (double)st->decode_tokens / (double)st->decode_steps : 0.0,
                   (long long)st->images_encoded, (long long)st->images_cached,
                   100.0 * (double)st->prompt_tokens_cached / (double)st->prompt_tokens);
        if (st->prefill_steps > 0)
            printf("  %s: prompt text prefilled in %lld calls, mean %.1f tokens, %lld mixed into decode steps\n",
                   m->name, (long long)st->prefill_steps, (double)st->prefill_step_tokens / (double)st->prefill_steps,
                   (long long)st->mixed_steps);
    }
    if (sum->n_bad_lines) printf("%d malformed case(s) stored as errors\n", sum->n_bad_lines);
    printf("store: %s (vlmeter export --db %s)\n", db, db);
}

/* Score the store; print a line saying what was scored unless quiet. */
static int score_db(const char *db, const struct vlm_score_params *sp, bool quiet) {
    struct vlm_score_summary sum;
    char err[1024] = "";
    int rc = vlm_score_store(db, sp, &sum, err, sizeof err);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 2;
    }
    if (!quiet) {
        printf("scored %d turns (%d had failed, %d without expected answer)", sum.n_scored, sum.n_failed,
               sum.n_unscored);
        if (sp->judge) printf("; judge: %d asked, %d reused", sum.n_judged, sum.n_judge_reused);
        printf("\n");
    }
    if (!quiet && sp->n_suites) printf("%d expected answers updated from the suites\n", sum.n_refs_updated);
    return 0;
}

/* --budget AMOUNT --gpu NAME: the run stops as Ctrl-C does once its wall time
 * at the GPU's hourly catalog price reaches AMOUNT (docs/cost.md). */
struct budget {
    double amount;
    const char *gpu, *catalog;
    struct vlm_gpu g;
    double seconds; /* what the amount buys */
};
static volatile sig_atomic_t budget_spent;

static void on_budget(int sig) {
    (void)sig;
    budget_spent = 1;
    vlm_run_request_stop();
}

/* Find the GPU's price and set a timer; 0, or 2 with a message. */
static int budget_arm(struct budget *b) {
    if (b->amount <= 0) return 0;
    if (!b->gpu) {
        fprintf(stderr, "vlmeter: --budget needs --gpu NAME (or the plan's gpu:), a GPU of the catalog\n");
        return 2;
    }
    if (cli_find_gpu(b->gpu, b->catalog, &b->g)) return 2;
    b->seconds = b->amount / b->g.hourly * 3600;
    struct itimerval it = {{0, 0}, {(time_t)b->seconds, (suseconds_t)(fmod(b->seconds, 1) * 1e6)}};
    if (!it.it_value.tv_sec && !it.it_value.tv_usec) it.it_value.tv_usec = 1;
    struct sigaction sa = {.sa_handler = on_budget, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    return 0;
}

static void budget_done(const struct budget *b) {
    if (b->amount <= 0) return;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    if (budget_spent)
        fprintf(stderr,
                "vlmeter: budget of %g %s spent (%.3f s on %s at %.2f %s/hour; %s, %s); "
                "run the same command again to resume\n",
                b->amount, b->g.currency, b->seconds, b->g.name, b->g.hourly, b->g.currency, b->g.source, b->g.as_of);
}

/* --gaps FILE: every output token's top-2 logit gap, one TSV line each:
 * model, suite, case, turn, token index, token id, byte offset, gap. */
static void write_gaps(const char *model, const vlm_case *c, const struct vlm_turn_result *r, void *user) {
    FILE *f = user;
    for (int i = 0; i < r->n_gaps; i++)
        fprintf(f, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%.6f\n", model, c->suite, c->id, r->turn, i, r->tokens[i],
                r->token_offsets[i], r->logit_gaps[i]);
}

/* run's options that only set vlm_run_params: --shard I/N (count 0 when not
 * given) and --gpu-sample-ms. */
struct run_opts {
    int shard_index, shard_count;
    int gpu_sample_ms;
};

/* Run a plan and print what happened; the exit status says whether all went well. */
static int run_plan(vlm_plan *plan, const char *db, bool allow_outside, bool retry, bool quiet, const char *argv_line,
                    struct budget *budget, FILE *gaps, const struct run_opts *ro) {
    struct vlm_run_params rp = vlm_run_default_params();
    rp.shard_index = ro->shard_index;
    rp.shard_count = ro->shard_count;
    rp.gpu_sample_ms = ro->gpu_sample_ms;
    if (gaps) {
        rp.on_turn = write_gaps;
        rp.user = gaps;
    }
    rp.db_path = db;
    rp.suite.allow_outside = allow_outside;
    rp.retry_errors = retry;
    rp.progress = !quiet && isatty(STDOUT_FILENO);
    rp.argv_line = argv_line;
    rp.on_message = cli_print_message;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    struct vlm_run_summary sum;
    char err[1024] = "";
    int status = budget_arm(budget);
    if (status) return status;
    int rc = vlm_run(plan, &rp, &sum, err, sizeof err);
    budget_done(budget);
    if (!quiet && rc != VLM_ERR_IO) print_summary(&sum, db);
    if (rc != VLM_OK) fprintf(stderr, "vlmeter: %s\n", err);
    vlm_run_summary_free(&sum);
    if (rc != VLM_ERR_IO && rc != VLM_ERR_STOPPED) {
        struct vlm_score_params sp = vlm_score_default_params();
        sp.on_message = cli_print_message;
        if (score_db(db, &sp, quiet) != 0 && rc == VLM_OK) rc = VLM_ERR_IO;
    }
    return rc == VLM_OK ? 0 : rc == VLM_ERR_STOPPED ? 130 : rc == VLM_ERR_IO ? 2 : 1;
}


/* `run --decide` and its options, as given (-1: not given). */
struct decide_opts {
    bool on;
    double alpha;
    long long seed;
    bool escalate;
    double screen;
};

static bool parse_decide_opt(int opt, const char *arg, struct decide_opts *d) {
    char *end = NULL;
    if (opt == OPT_DECIDE) d->on = true;
    else if (opt == OPT_ESCALATE) d->escalate = d->on = true;
    else if (opt == OPT_DECIDE_ALPHA) {
        d->alpha = strtod(arg, &end);
        if (*end || !arg[0] || !(d->alpha > 0 && d->alpha < 1)) {
            fprintf(stderr, "vlmeter: --decide-alpha must be between 0 and 1 (exclusive), not '%s'\n", arg);
            return false;
        }
        d->on = true;
    } else if (opt == OPT_DECIDE_SEED) {
        d->seed = strtoll(arg, &end, 10);
        if (*end || !arg[0] || d->seed < 0 || d->seed > 4294967295LL) {
            fprintf(stderr, "vlmeter: --decide-seed must be a whole number from 0 to 4294967295, not '%s'\n", arg);
            return false;
        }
        d->on = true;
    } else if (opt == OPT_SCREEN) {
        d->screen = strtod(arg, &end);
        if (*end || !arg[0] || !(d->screen > 0 && d->screen < 1)) {
            fprintf(stderr, "vlmeter: --screen is the share every model answers first: between 0 and 1, not '%s'\n",
                    arg);
            return false;
        }
        d->on = true;
    }
    return true;
}

/* The command line's decide options over the plan's `decide:`. */
static void apply_decide_opts(struct vlm_decide_params *p, const struct decide_opts *d) {
    if (d->on) p->on = true;
    if (d->alpha > 0) p->alpha = d->alpha;
    if (d->seed >= 0) p->seed = (uint64_t)d->seed;
    if (d->escalate) p->escalate = true;
    if (d->screen > 0) p->screen = d->screen;
}

static const struct option RUN_OPTIONS[] = {
    {"gpu-sample-ms", required_argument, 0, OPT_GPU_SAMPLE_MS},
    {"model", required_argument, 0, 'm'},
    {"suite", required_argument, 0, 's'},
    {"db", required_argument, 0, OPT_DB},
    {"allow-outside", no_argument, 0, OPT_ALLOW},
    {"retry-errors", no_argument, 0, OPT_RETRY},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    {"budget", required_argument, 0, OPT_BUDGET},
    {"gpu", required_argument, 0, OPT_GPU},
    {"catalog", required_argument, 0, OPT_CATALOG},
    {"gaps", required_argument, 0, OPT_GAPS},
    {"shard", required_argument, 0, OPT_SHARD},
    {"decide", no_argument, 0, OPT_DECIDE},
    {"decide-alpha", required_argument, 0, OPT_DECIDE_ALPHA},
    {"decide-seed", required_argument, 0, OPT_DECIDE_SEED},
    {"escalate", no_argument, 0, OPT_ESCALATE},
    {"screen", required_argument, 0, OPT_SCREEN},
    SETTING_OPTIONS,
    {0, 0, 0, 0},
};

static const struct cli_command CLI_RUN = {
    "run",
    "evaluate models on suites, resumably",
    "usage: vlmeter run [PLAN.yaml] [-m SPEC]... [-s SUITE.jsonl]... [--db FILE] [options]\n"
    "Answer every case of the suites with every model and score the answers, resumably:\n"
    "a case stored already is not run again (docs/plan-format.md, docs/suite-format.md).\n"
    "Exit 0 when all went well, 1 when something failed, 2 on a usage or store error,\n"
    "130 when stopped (Ctrl-C, --budget): run the same command again to resume.\n"
    "\n"
    "options:\n"
    "  -m, --model NAME=MODEL.gguf,mmproj=MMPROJ.gguf[,template=T]   a model (repeatable)\n"
    "  -m, --model NAME=https://HOST/v1,model=ID[,key_env=VAR][,url=URL2]   a remote model\n"
    "  -m, --model NAME=MODEL.gguf,mmproj=M.gguf,variant=q8_0,variant=q4_k_m[:FILE.gguf]   a family\n"
    "                          of quantized variants, compared with NAME (docs/quantize.md)\n"
    "  -s, --suite FILE        a JSONL suite (repeatable)\n"
    "      --db FILE           the store (default: the plan's db, else vlmeter.db)\n"
    "      --allow-outside     let suites read images outside their folder\n"
    "      --retry-errors      run cases stored as errors again\n"
    "      --shard I/N         only the cases of shard I of N (1 <= I <= N), by a hash of suite and\n"
    "                          case id; run 1/N .. N/N anywhere, then `vlmeter merge` (docs/shards.md)\n"
    "      --decide            draw the cases in a seeded stratified order and stop each model once\n"
    "                          every requirements.min_accuracy verdict of the plan is settled, or one\n"
    "                          failed (anytime-valid confidence sequences; docs/metrics.md)\n"
    "      --decide-alpha A    each verdict's error rate (default 0.05)\n"
    "      --decide-seed S     the draw order's seed (default 42)\n"
    "      --escalate          models in plan order; stop at the first that meets every requirement\n"
    "      --screen F          every model answers the first share F (0..1) of the draw order, then\n"
    "                          only those not yet failed answer the rest\n"
    "      --gaps FILE         write each output token's top-2 logit gap (TSV) to FILE\n"
    "      --gpu-sample-ms N   read each GPU through NVML every N ms while local models load and\n"
    "                          answer (default 100; 0: off; docs/metrics.md, GPU)\n"
    "      --budget AMOUNT     stop (resumably, status 130) when the run's wall time at the --gpu's\n"
    "                          hourly catalog price reaches AMOUNT (docs/cost.md)\n"
    "      --gpu NAME          the catalog GPU --budget prices (default: the plan's gpu:)\n"
    "      --catalog CSV       more GPUs and prices, beside data/gpus.csv\n"
    "  -q, --quiet             no progress line, no summary\n"
    "  -v, --verbose           show llama.cpp's log\n" SETTING_USAGE,
    RUN_OPTIONS,
    "m:s:qv",
};

static int cmd_run(int argc, char **argv) {
    struct overrides o = {.v = vlm_engine_default_params()};
    struct budget budget = {0};
    struct run_opts ro = {0, 0, vlm_run_default_params().gpu_sample_ms};
    struct decide_opts dec = {false, -1, -1, false, -1};
    char *end = NULL;
    const char *db = NULL, *gaps_path = NULL;
    FILE *gaps = NULL;
    bool allow = false, retry = false, quiet = false;
    int n_specs = 0, n_suites = 0;
    const char **specs = calloc((size_t)argc + 1, sizeof *specs);
    const char **suites = calloc((size_t)argc + 1, sizeof *suites);
    int opt, status = 0;
    while ((opt = getopt_long(argc, argv, CLI_RUN.shortopts, CLI_RUN.opts, NULL)) != -1) {
        if (opt == 'm') specs[n_specs++] = optarg;
        else if (opt == 's') suites[n_suites++] = optarg;
        else if (opt == OPT_DB) db = optarg;
        else if (opt == OPT_ALLOW) allow = true;
        else if (opt == OPT_RETRY) retry = true;
        else if (opt == 'q') quiet = true;
        else if (opt == 'v') vlm_llama_log(true);
        else if (opt == OPT_GPU) budget.gpu = optarg;
        else if (opt == OPT_CATALOG) budget.catalog = optarg;
        else if (opt == OPT_GAPS) gaps_path = optarg;
        else if (opt >= OPT_DECIDE && opt <= OPT_SCREEN) {
            if (!parse_decide_opt(opt, optarg, &dec)) {
                status = 2;
                goto out;
            }
        } else if (opt == OPT_SHARD) {
            char serr[256];
            if (vlm_shard_parse(optarg, &ro.shard_index, &ro.shard_count, serr, sizeof serr) != VLM_OK) {
                fprintf(stderr, "vlmeter: %s\n", serr);
                status = 2;
                goto out;
            }
        } else if (opt == OPT_GPU_SAMPLE_MS) {
            long v = strtol(optarg, &end, 10);
            if (*end || !optarg[0] || v < 0 || v > 3600000) {
                fprintf(stderr,
                        "vlmeter: --gpu-sample-ms must be a whole number of ms from 0 (off) to 3600000, "
                        "not '%s'\n",
                        optarg);
                status = 2;
                goto out;
            }
            ro.gpu_sample_ms = (int)v;
        } else if (opt == OPT_BUDGET) {
            budget.amount = strtod(optarg, &end);
            if (*end || !(budget.amount > 0)) {
                fprintf(stderr, "vlmeter: --budget must be an amount > 0, not '%s'\n", optarg);
                status = 2;
                goto out;
            }
        } else if (!cli_parse_setting(opt, optarg, &o)) {
            status = 2;
            goto out;
        }
    }
    char err[1024] = "";
    vlm_plan *plan = NULL;
    if (optind < argc) {
        plan = vlm_plan_load(argv[optind], err, sizeof err);
        if (!plan) {
            fprintf(stderr, "vlmeter: %s\n", err);
            status = 2;
            goto out;
        }
    } else {
        plan = vlm_plan_new();
    }
    cli_apply_overrides(vlm_plan_defaults(plan), &o);
    apply_decide_opts(vlm_plan_decide(plan), &dec);
    if (!budget.gpu) budget.gpu = vlm_plan_gpu(plan);
    for (int i = 0; i < n_specs; i++) {
        if (vlm_plan_add_model_spec(plan, specs[i], err, sizeof err) != VLM_OK) {
            fprintf(stderr, "vlmeter: %s\n", err);
            status = 2;
        }
    }
    for (int i = 0; i < n_suites; i++) vlm_plan_add_suite(plan, suites[i]);
    for (int i = 0; i < vlm_plan_n_models(plan); i++) {
        cli_apply_overrides(&vlm_plan_model(plan, i)->engine, &o);
        vlm_plan_model(plan, i)->engine.record_logit_gaps = gaps_path != NULL;
    }
    if (status == 0 && gaps_path && !(gaps = fopen(gaps_path, "w"))) {
        fprintf(stderr, "vlmeter: cannot write '%s': %s\n", gaps_path, strerror(errno));
        status = 2;
    }
    if (status == 0 && (vlm_plan_n_models(plan) == 0 || vlm_plan_n_suites(plan) == 0)) {
        fprintf(stderr, "vlmeter: run needs at least one model (-m) and one suite (-s), or a plan file\n");
        status = 2;
    }
    if (status == 0) {
        char *line = cli_join_argv(argc, argv);
        if (!db) db = vlm_plan_db(plan) ? vlm_plan_db(plan) : "vlmeter.db";
        status = run_plan(plan, db, allow, retry, quiet, line, &budget, gaps, &ro);
        free(line);
    }
    if (gaps && fclose(gaps) != 0 && status == 0) status = 2;
    vlm_plan_free(plan);
out:
    free(specs);
    free(suites);
    return status;
}

/* ------------------------------------------------------------ demo */

static const char *vocab_dir(void) {
    const char *env = getenv("VLMETER_VOCAB_DIR");
    return env && env[0] ? env : VLM_VOCAB_DIR;
}


/* Forge `arch` (tiny) into dir unless it is there already. */
static int forge_if_missing(const char *arch, const char *dir) {
    char mmproj[4200];
    snprintf(mmproj, sizeof mmproj, "%s/mmproj.gguf", dir);
    if (cli_exists(mmproj)) return 0;
    struct vlm_forge_params fp = vlm_forge_default_params();
    fp.arch = arch;
    fp.vocab_dir = vocab_dir();
    char err[1024];
    printf("forging %s into %s\n", arch, dir);
    if (vlm_forge(&fp, dir, err, sizeof err) != VLM_OK) {
        fprintf(stderr, "vlmeter: forge %s: %s\n", arch, err);
        return 1;
    }
    return 0;
}

/* The Markdown and HTML reports of the demo, written beside its store. */
static int write_demo_reports(const char *dir, const char *db, bool quiet) {
    static const struct {
        const char *file;
        enum vlm_report_format f;
    } outs[] = {
        {"report.md", VLM_REPORT_MD},
        {"report.html", VLM_REPORT_HTML},
    };
    for (int i = 0; i < 2; i++) {
        char path[4200], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, outs[i].file);
        FILE *f = fopen(path, "w");
        int rc = f ? vlm_report(db, outs[i].f, f, err, sizeof err) : VLM_ERR_IO;
        if (f && fclose(f) != 0) rc = VLM_ERR_IO;
        if (rc != VLM_OK) {
            fprintf(stderr, "vlmeter: cannot write %s\n", path);
            return 1;
        }
        if (!quiet) printf("report: %s\n", path);
    }
    return 0;
}

static const struct option DEMO_OPTIONS[] = {
    {"dir", required_argument, 0, OPT_DIR},
    {"quiet", no_argument, 0, 'q'},
    {"no-run", no_argument, 0, OPT_NORUN},
    {0, 0, 0, 0},
};

static const struct cli_command CLI_DEMO = {
    "demo",
    "forge tiny models, write and run the demo suite",
    "usage: vlmeter demo [--dir DIR] [--no-run] [-q]\n"
    "Forge a tiny random-weight model of every architecture, write the demo suite, run\n"
    "it and write report.md and report.html, all under DIR. The models answer garbage:\n"
    "the demo shows the plumbing, not a model.\n"
    "\n"
    "options:\n"
    "      --dir DIR           where (default vlmeter-demo); models already forged there are kept\n"
    "      --no-run            forge the models and write the suite only\n"
    "  -q, --quiet             no progress line, no summary\n",
    DEMO_OPTIONS,
    "q",
};

static int cmd_demo(int argc, char **argv) {
    const char *dir = "vlmeter-demo";
    bool quiet = false, no_run = false;
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_DEMO.shortopts, CLI_DEMO.opts, NULL)) != -1) {
        if (opt == OPT_DIR) dir = optarg;
        else if (opt == 'q') quiet = true;
        else if (opt == OPT_NORUN) no_run = true;
        else return 2;
    }
    char path[4096], err[1024];
    vlm_plan *plan = vlm_plan_new();
    vlm_plan_defaults(plan)->sampling.max_tokens = 32;
    int status = 0;
    for (int i = 0; i < vlm_forge_n_archs() && status == 0; i++) {
        const char *arch = vlm_forge_arch_name(i);
        char spec[3 * 4096];
        snprintf(path, sizeof path, "%s/models/%s", dir, arch);
        status = forge_if_missing(arch, path);
        /* the reasoning model with a budget, so the demo shows its answers split
         * from its reasoning (forged weights never close the block themselves) */
        snprintf(spec, sizeof spec, "%s-tiny=%s/model.gguf,mmproj=%s/mmproj.gguf%s", arch, path, path,
                 strstr(arch, "thinking") ? ",reasoning=budget=8" : "");
        if (status == 0 && vlm_plan_add_model_spec(plan, spec, err, sizeof err) != VLM_OK) {
            fprintf(stderr, "vlmeter: %s\n", err);
            status = 1;
        }
    }
    snprintf(path, sizeof path, "%s/suite", dir);
    vlm_suite *suite = status == 0 ? vlm_suite_demo(path, err, sizeof err) : NULL;
    if (status == 0 && !suite) {
        fprintf(stderr, "vlmeter: demo suite: %s\n", err);
        status = 1;
    }
    if (status == 0 && !no_run) {
        vlm_plan_add_suite(plan, vlm_suite_path(suite));
        printf("suite: %s (%d cases)\n", vlm_suite_path(suite), vlm_suite_n_cases(suite));
        snprintf(path, sizeof path, "%s/vlmeter.db", dir);
        char *line = cli_join_argv(argc, argv);
        struct budget none = {0};
        struct run_opts ro = {0, 0, vlm_run_default_params().gpu_sample_ms};
        status = run_plan(plan, path, false, false, quiet, line, &none, NULL, &ro);
        free(line);
        if (status != 2 && status != 130) status |= write_demo_reports(dir, path, quiet);
        if (status == 0)
            printf(
                "note: the demo models have random weights, so accuracy near 0 or chance is expected; evaluate a "
                "real model by name (docs/hub.md): vlmeter run -s %s -m qwen3vl8b=hf:ggml-org/Qwen3-VL-8B-Instruct-GGUF\n",
                vlm_suite_path(suite));
    }
    vlm_suite_free(suite);
    vlm_plan_free(plan);
    return status;
}

/* ------------------------------------------------------------ score, report */

static const struct option SCORE_OPTIONS[] = {
    {"db", required_argument, 0, OPT_DB},
    {"suite", required_argument, 0, 's'},
    {"scorer", required_argument, 0, OPT_SCORER},
    {"judge", required_argument, 0, OPT_JUDGE},
    {"allow-outside", no_argument, 0, OPT_ALLOW},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    SETTING_OPTIONS,
    {0, 0, 0, 0},
};

static const struct cli_command CLI_SCORE = {
    "score",
    "score the stored answers again",
    "usage: vlmeter score [--db FILE] [-s SUITE]... [--scorer NAME] [--judge SPEC] [options]\n"
    "Score the stored answers again (docs/scoring.md).\n"
    "\n"
    "options:\n"
    "      --db FILE           the store (default vlmeter.db)\n"
    "  -s, --suite FILE        re-read expected answers, scorers and choices from it (repeatable)\n"
    "      --scorer NAME       score every turn with this scorer\n"
    "      --judge NAME=MODEL.gguf,mmproj=MMPROJ.gguf   the model that grades `judge` turns\n"
    "      --allow-outside     let suites read images outside their folder\n"
    "  -q, --quiet             print nothing when all went well\n"
    "  -v, --verbose           show llama.cpp's log\n" SETTING_USAGE,
    SCORE_OPTIONS,
    "s:qv",
};

static int cmd_score(int argc, char **argv) {
    struct overrides o = {.v = vlm_engine_default_params()};
    struct vlm_score_params sp = vlm_score_default_params();
    const char *db = "vlmeter.db", *judge = NULL;
    const char **suites = calloc((size_t)argc + 1, sizeof *suites);
    bool quiet = false;
    int opt, status = 0;
    while ((opt = getopt_long(argc, argv, CLI_SCORE.shortopts, CLI_SCORE.opts, NULL)) != -1) {
        if (opt == OPT_DB) db = optarg;
        else if (opt == 's') suites[sp.n_suites++] = optarg;
        else if (opt == OPT_SCORER) sp.scorer = optarg;
        else if (opt == OPT_JUDGE) judge = optarg;
        else if (opt == OPT_ALLOW) sp.suite.allow_outside = true;
        else if (opt == 'q') quiet = true;
        else if (opt == 'v') vlm_llama_log(true);
        else if (!cli_parse_setting(opt, optarg, &o)) status = 2;
    }
    sp.suites = suites;
    sp.on_message = cli_print_message;
    vlm_plan *plan = vlm_plan_new();
    char err[1024];
    if (!cli_exists(db)) {
        fprintf(stderr, "vlmeter: no store at '%s'\n", db);
        status = 2;
    }
    if (status == 0 && judge) {
        cli_apply_overrides(vlm_plan_defaults(plan), &o);
        if (vlm_plan_add_model_spec(plan, judge, err, sizeof err) != VLM_OK) {
            fprintf(stderr, "vlmeter: --judge: %s\n", err);
            status = 2;
        } else {
            sp.judge = vlm_plan_model(plan, 0);
        }
    }
    if (status == 0) status = score_db(db, &sp, quiet);
    vlm_plan_free(plan);
    free(suites);
    return status;
}

static const struct option REPORT_OPTIONS[] = {
    {"db", required_argument, 0, OPT_DB},           {"format", required_argument, 0, OPT_FORMAT},
    {"output", required_argument, 0, 'o'},          {"plan", required_argument, 0, OPT_PLAN},
    {"catalog", required_argument, 0, OPT_CATALOG}, {0, 0, 0, 0},
};

static const struct cli_command CLI_REPORT = {
    "report",
    "the comparison report, with costs and the recommendation",
    "usage: vlmeter report [--db FILE] [--format table|md|csv|json|html] [-o FILE] [--plan PLAN.yaml]\n"
    "                      [--catalog CSV]\n"
    "The comparison report: accuracy with intervals per model and category, speed, costs\n"
    "and the recommendation (docs/report-schema.md, docs/cost.md).\n"
    "\n"
    "options:\n"
    "      --db FILE           the store (default vlmeter.db)\n"
    "  -f, --format F          table (default), md, csv, json or html\n"
    "  -o, --output FILE       write the report there instead of stdout\n"
    "      --plan PLAN.yaml    the requirements and volume the costs and the recommendation use\n"
    "      --catalog CSV       more GPUs and prices, beside data/gpus.csv\n",
    REPORT_OPTIONS,
    "o:f:",
};

static int cmd_report(int argc, char **argv) {
    static const char *names[] = {"table", "md", "csv", "json", "html"};
    const char *db = "vlmeter.db", *out_path = NULL, *plan = NULL, *catalog = NULL;
    int format = VLM_REPORT_TABLE, opt;
    while ((opt = getopt_long(argc, argv, CLI_REPORT.shortopts, CLI_REPORT.opts, NULL)) != -1) {
        if (opt == OPT_DB) db = optarg;
        else if (opt == 'o') out_path = optarg;
        else if (opt == OPT_PLAN) plan = optarg;
        else if (opt == OPT_CATALOG) catalog = optarg;
        else if (opt == OPT_FORMAT || opt == 'f') {
            format = -1;
            for (int i = 0; i < 5; i++)
                if (strcmp(optarg, names[i]) == 0) format = i;
            if (format < 0) {
                fprintf(stderr, "vlmeter: --format table|md|csv|json|html\n");
                return 2;
            }
        } else return 2;
    }
    if (!cli_exists(db)) {
        fprintf(stderr, "vlmeter: no store at '%s'\n", db);
        return 2;
    }
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "vlmeter: cannot write '%s': %s\n", out_path, strerror(errno));
        return 2;
    }
    char err[1024];
    int rc = vlm_report_cost(db, (enum vlm_report_format)format, out, plan, catalog, err, sizeof err);
    if (out != stdout && fclose(out) != 0) rc = VLM_ERR_IO;
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ export */

static const struct option EXPORT_OPTIONS[] = {
    {"db", required_argument, 0, OPT_DB},
    {"output", required_argument, 0, 'o'},
    {0, 0, 0, 0},
};

static const struct cli_command CLI_EXPORT = {
    "export",
    "stored answers as JSONL",
    "usage: vlmeter export [--db FILE] [-o FILE]\n"
    "The stored answers as JSONL (docs/export-format.md).\n"
    "\n"
    "options:\n"
    "      --db FILE           the store (default vlmeter.db)\n"
    "  -o, --output FILE       write there instead of stdout\n",
    EXPORT_OPTIONS,
    "o:",
};

static int cmd_export(int argc, char **argv) {
    const char *db = "vlmeter.db", *out_path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_EXPORT.shortopts, CLI_EXPORT.opts, NULL)) != -1) {
        if (opt == OPT_DB) db = optarg;
        else if (opt == 'o') out_path = optarg;
        else return 2;
    }
    if (!cli_exists(db)) {
        fprintf(stderr, "vlmeter: no store at '%s'\n", db);
        return 2;
    }
    char err[1024];
    vlm_store *s = vlm_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 2;
    }
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    int rc = VLM_ERR_IO;
    if (!out) snprintf(err, sizeof err, "cannot write '%s': %s", out_path, strerror(errno));
    else rc = vlm_store_export_jsonl(s, out, err, sizeof err);
    if (out && out != stdout && fclose(out) != 0) rc = VLM_ERR_IO;
    vlm_store_close(s);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ forge */

/* Options of `forge` only (past the shared OPT_* values of cli.h). */
enum { OPT_FORGE_SHAPE = 1000, OPT_FORGE_SHAPES, OPT_FORGE_TYPE, OPT_FORGE_LAYERS };

/* `forge --shapes`: each published shape and the exact sizes of the files it
 * forges at each type, worked out without writing anything. */
static int forge_list_shapes(void) {
    printf("%-18s %-11s %-32s %-7s %16s %16s %14s\n", "shape", "arch", "source (config.json)", "type", "model.gguf",
           "mmproj.gguf", "LM params");
    for (int i = 0; i < vlm_forge_n_shapes(); i++) {
        for (int t = VLM_FORGE_F16; t <= VLM_FORGE_Q4_K_M; t++) {
            struct vlm_forge_params fp = vlm_forge_default_params();
            fp.arch = vlm_forge_shape_arch(i);
            fp.shape = vlm_forge_shape_name(i);
            fp.type = (enum vlm_forge_type)t;
            fp.vocab_dir = vocab_dir();
            struct vlm_forge_sizes sz;
            char err[1024];
            if (vlm_forge_predict(&fp, &sz, err, sizeof err) != VLM_OK) {
                fprintf(stderr, "vlmeter: forge: %s\n", err);
                return 1;
            }
            printf("%-18s %-11s %-32s %-7s %16llu %16llu %14llu   (%.2f GB + %.2f GB)\n", fp.shape, fp.arch,
                   vlm_forge_shape_source(i), vlm_forge_type_name(fp.type), (unsigned long long)sz.model_bytes,
                   (unsigned long long)sz.mmproj_bytes, (unsigned long long)sz.lm_params, sz.model_bytes / 1e9,
                   sz.mmproj_bytes / 1e9);
        }
    }
    return 0;
}

static const struct option FORGE_OPTIONS[] = {
    {"size", required_argument, 0, OPT_SIZE},
    {"seed", required_argument, 0, OPT_SEED},
    {"list", no_argument, 0, OPT_LIST},
    {"shape", required_argument, 0, OPT_FORGE_SHAPE},
    {"shapes", no_argument, 0, OPT_FORGE_SHAPES},
    {"type", required_argument, 0, OPT_FORGE_TYPE},
    {"layers", required_argument, 0, OPT_FORGE_LAYERS},
    {0, 0, 0, 0},
};

static const struct cli_command CLI_FORGE = {
    "forge",
    "write a random-weight model (tests, sizing)",
    "usage: vlmeter forge ARCH OUTDIR [--size tiny|small | --shape NAME [--layers N]] [--type T] [--seed N]\n"
    "       vlmeter forge --list | --shapes\n"
    "Write a model of architecture ARCH with random weights, OUTDIR/model.gguf and\n"
    "OUTDIR/mmproj.gguf, for tests and sizing; its answers are garbage.\n"
    "\n"
    "options:\n"
    "      --size tiny|small   how big (default tiny)\n"
    "      --shape NAME        a published model's exact tensor shapes instead (--shapes lists them)\n"
    "      --layers N          with --shape: only the first N blocks\n"
    "      --type T            f16 (default), q8_0 or q4_k_m tensors\n"
    "      --seed N            the weights' random seed (default 42)\n"
    "      --list              the architectures\n"
    "      --shapes            the shapes and their file sizes per type\n",
    FORGE_OPTIONS,
    "",
};

static int cmd_forge(int argc, char **argv) {
    struct vlm_forge_params fp = vlm_forge_default_params();
    int opt, seed;
    while ((opt = getopt_long(argc, argv, CLI_FORGE.shortopts, CLI_FORGE.opts, NULL)) != -1) {
        if (opt == OPT_LIST) {
            for (int i = 0; i < vlm_forge_n_archs(); i++)
                printf("%-17s %s\n", vlm_forge_arch_name(i), vlm_forge_arch_desc(i));
            return 0;
        } else if (opt == OPT_FORGE_SHAPES) return forge_list_shapes();
        else if (opt == OPT_SIZE && strcmp(optarg, "tiny") == 0) fp.size = VLM_FORGE_TINY;
        else if (opt == OPT_SIZE && strcmp(optarg, "small") == 0) fp.size = VLM_FORGE_SMALL;
        else if (opt == OPT_SEED && cli_parse_int(optarg, &seed) && seed >= 0) fp.seed = (uint64_t)seed;
        else if (opt == OPT_FORGE_SHAPE) fp.shape = optarg;
        else if (opt == OPT_FORGE_TYPE && vlm_forge_type_parse(optarg, &fp.type)) continue;
        else if (opt == OPT_FORGE_LAYERS && cli_parse_int(optarg, &fp.n_layers) && fp.n_layers > 0) continue;
        else {
            fprintf(stderr, "vlmeter: forge: bad option (--size tiny|small, --shape NAME, --layers N>0, "
                            "--type f16|q8_0|q4_k_m, --seed N, --list, --shapes)\n");
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: vlmeter forge ARCH OUTDIR [--size tiny|small | --shape NAME [--layers N]] "
                        "[--type f16|q8_0|q4_k_m] [--seed N]\n");
        return 2;
    }
    fp.arch = argv[optind];
    fp.vocab_dir = vocab_dir();
    char err[1024];
    if (vlm_forge(&fp, argv[optind + 1], err, sizeof err) != VLM_OK) {
        fprintf(stderr, "vlmeter: forge: %s\n", err);
        return 1;
    }
    printf("%s/model.gguf\n%s/mmproj.gguf\n", argv[optind + 1], argv[optind + 1]);
    return 0;
}

/* ------------------------------------------------------------ ask */

struct ask_out {
    FILE *gaps, *prompts;
    bool raw;
    int status;
};

/* One turn: the answer on stdout (the whole generated text with --raw), its
 * rendered prompt to --prompt-out, token gaps to --gaps, timings on stderr. */
static bool print_answer(const struct vlm_turn_result *r, void *user) {
    struct ask_out *a = user;
    if (r->error) {
        fprintf(stderr, "vlmeter: %s\n", r->error);
        a->status = 1;
        return false;
    }
    printf("%s\n", a->raw ? r->text : r->output);
    if (a->prompts && r->prompt_text) fprintf(a->prompts, "%s", r->prompt_text);
    for (int i = 0; a->gaps && i < r->n_gaps; i++)
        fprintf(a->gaps, "%d\t%d\t%d\t%.6f\t%d\n", i, r->tokens[i], r->token_offsets[i], r->logit_gaps[i], r->turn);
    if (r->reasoning_state != VLM_REASONING_NONE)
        fprintf(stderr, "reasoning=%s n_reasoning_tokens=%d reasoning_ms=%.1f\n",
                r->reasoning_state == VLM_REASONING_CLOSED ? "closed" : "unclosed", r->t.n_reasoning_tokens,
                r->t.reasoning_ms);
    fprintf(stderr,
            "ttft_ms=%.1f prefill_ms=%.1f image_encode_ms=%.1f n_output_tokens=%d decode_tps=%.1f e2e_ms=%.1f\n",
            r->t.ttft_ms, r->t.prefill_ms, r->t.image_encode_ms, r->t.n_output_tokens, r->t.decode_tps, r->t.e2e_ms);
    return true;
}

static const struct option ASK_OPTIONS[] = {
    {"model", required_argument, 0, 'm'},
    {"mmproj", required_argument, 0, OPT_MMPROJ},
    {"image", required_argument, 0, OPT_IMAGE},
    {"prompt", required_argument, 0, 'p'},
    {"gaps", required_argument, 0, OPT_GAPS},
    {"verbose", no_argument, 0, 'v'},
    {"prompt-out", required_argument, 0, OPT_PROMPT_OUT},
    {"raw", no_argument, 0, OPT_RAW},
    SETTING_OPTIONS,
    {0, 0, 0, 0},
};

static const struct cli_command CLI_ASK = {
    "ask",
    "answer one conversation",
    "usage: vlmeter ask -m MODEL --mmproj MMPROJ [--image IMG]... -p PROMPT [-p NEXT]... [options]\n"
    "Answer one conversation: each answer on stdout, its timings on stderr.\n"
    "\n"
    "options:\n"
    "  -m, --model MODEL.gguf  the model; hf:OWNER/REPO[:QUANT] without --mmproj: the model and its\n"
    "                          projector from the model hub (docs/hub.md)\n"
    "      --mmproj FILE       the model's vision projector\n"
    "      --image IMG         an image (repeatable)\n"
    "  -p, --prompt TEXT       a user turn (repeatable: the next turns)\n"
    "  -n N                    as --max-tokens N\n"
    "      --raw               print the whole generated text, reasoning too\n"
    "      --prompt-out FILE   write the text the chat template rendered to FILE\n"
    "      --gaps FILE         write each output token's top-2 logit gap (TSV) to FILE\n"
    "  -v, --verbose           show llama.cpp's log\n" SETTING_USAGE,
    ASK_OPTIONS,
    "m:p:n:v",
};

static int cmd_ask(int argc, char **argv) {
    struct overrides o = {.v = vlm_engine_default_params()};
    struct vlm_engine_params ep = vlm_engine_default_params();
    const char *gaps_path = NULL, *prompts_path = NULL;
    const char **images = calloc((size_t)argc + 1, sizeof *images);
    const char **prompts = calloc((size_t)argc + 1, sizeof *prompts);
    int n_images = 0, n_prompts = 0, opt, status = 0;
    bool raw = false;
    while ((opt = getopt_long(argc, argv, CLI_ASK.shortopts, CLI_ASK.opts, NULL)) != -1) {
        if (opt == 'm') ep.model_path = optarg;
        else if (opt == OPT_MMPROJ) ep.mmproj_path = optarg;
        else if (opt == OPT_IMAGE) images[n_images++] = optarg;
        else if (opt == 'p') prompts[n_prompts++] = optarg;
        else if (opt == 'n') {
            if (!cli_parse_setting(OPT_MAXTOK, optarg, &o)) status = 2;
        } else if (opt == OPT_GAPS) gaps_path = optarg;
        else if (opt == OPT_PROMPT_OUT) prompts_path = optarg;
        else if (opt == OPT_RAW) raw = true;
        else if (opt == 'v') vlm_llama_log(true);
        else if (!cli_parse_setting(opt, optarg, &o)) status = 2;
    }
    bool hub = ep.model_path && strncmp(ep.model_path, "hf:", 3) == 0; /* its mmproj comes from the repository */
    if (!n_prompts || !ep.model_path || (!ep.mmproj_path && !hub)) {
        fprintf(stderr, "usage: vlmeter ask -m MODEL --mmproj MMPROJ [--image IMG]... -p PROMPT [-p NEXT_TURN]... "
                        "[-n N] [--raw] [--prompt-out FILE] [--gaps FILE]\n"
                        "       (-m hf:OWNER/REPO[:QUANT]: the model and its mmproj from the hub, docs/hub.md)\n");
        status = 2;
    }
    cli_apply_overrides(&ep, &o);
    ep.on_message = cli_print_message;
    ep.record_logit_gaps = gaps_path != NULL;
    char err[1024];
    vlm_engine *e = status ? NULL : vlm_engine_init(ep, err, sizeof err);
    if (!status && !e) {
        fprintf(stderr, "vlmeter: %s\n", err);
        status = 1;
    }
    if (e) {
        fprintf(stderr, "chat template: %s (%s)\n", vlm_engine_info(e)->template_name,
                vlm_engine_info(e)->template_hash);
        vlm_case c = {.suite = "ask",
                      .id = "ask",
                      .category = "",
                      .scorer = "",
                      .where = "command line",
                      .n_images = n_images,
                      .images = images,
                      .n_turns = n_prompts,
                      .turns = prompts};
        struct ask_out a = {gaps_path ? fopen(gaps_path, "w") : NULL, prompts_path ? fopen(prompts_path, "w") : NULL,
                            raw, 0};
        vlm_engine_answer(e, &c, print_answer, &a);
        if (a.gaps) fclose(a.gaps);
        if (a.prompts) fclose(a.prompts);
        status = a.status;
        vlm_engine_free(e);
    }
    free(images);
    free(prompts);
    return status;
}

/* ------------------------------------------------------------ main */

static const struct option VERSION_OPTIONS[] = {{0, 0, 0, 0}};
static const struct cli_command CLI_VERSION = {
    "version",
    "versions of vlmeter and llama.cpp",
    "usage: vlmeter version\n"
    "The versions of vlmeter and llama.cpp (also: vlmeter --version).\n"
    "\n"
    "options:\n",
    VERSION_OPTIONS,
    "",
};

/* Every command, in the order `vlmeter --help` lists them; a command's
 * cli_command is its usage, its options and what --help and the check of
 * unknown options use (src/cli.h). */
static const struct cli_command *const COMMANDS[] = {
    &CLI_RUN,    &CLI_DEMO,  &CLI_SCORE, &CLI_REPORT,   &CLI_EXPORT,  &CLI_FORGE, &CLI_ASK,   &CLI_PROBE,
    &CLI_IMPORT, &CLI_BENCH, &CLI_PLAN,  &CLI_QUANTIZE, &CLI_COMPARE, &CLI_MERGE, &CLI_SERVE, &CLI_VERSION,
};
#define N_COMMANDS (int)(sizeof COMMANDS / sizeof COMMANDS[0])

/* `vlmeter --help`: one line per command. */
static void print_overview(FILE *f) {
    fputs(OVERVIEW_HEAD, f);
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", COMMANDS[i]->name, COMMANDS[i]->summary);
    fputs(OVERVIEW_TAIL, f);
}

int main(int argc, char **argv) {
    static char help[] = "--help";
    if (argc == 3 && strcmp(argv[1], "help") == 0) { /* `vlmeter help CMD`: as `vlmeter CMD --help` */
        argv[1] = argv[2];
        argv[2] = help;
    }
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        print_overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    argc--;
    argv++;
    /* --help, -h and unknown options, from the command's own getopt table */
    for (int i = 0; i < N_COMMANDS; i++) {
        int rc = strcmp(cmd, COMMANDS[i]->name) == 0 ? cli_check_options(COMMANDS[i], argc, argv) : -1;
        if (rc >= 0) return rc;
    }
    if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
    if (strcmp(cmd, "demo") == 0) return cmd_demo(argc, argv);
    if (strcmp(cmd, "export") == 0) return cmd_export(argc, argv);
    if (strcmp(cmd, "score") == 0) return cmd_score(argc, argv);
    if (strcmp(cmd, "report") == 0) return cmd_report(argc, argv);
    if (strcmp(cmd, "forge") == 0) return cmd_forge(argc, argv);
    if (strcmp(cmd, "ask") == 0) return cmd_ask(argc, argv);
    if (strcmp(cmd, "probe") == 0) return cmd_probe(argc, argv);
    if (strcmp(cmd, "import") == 0) return cmd_import(argc, argv);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc, argv);
    if (strcmp(cmd, "plan") == 0) return cmd_plan(argc, argv);
    if (strcmp(cmd, "merge") == 0) return cmd_merge(argc, argv);
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc, argv);
    if (strcmp(cmd, "quantize") == 0) return cmd_quantize(argc, argv);
    if (strcmp(cmd, "compare") == 0) return cmd_compare(argc, argv);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("vlmeter %s\nllama.cpp %s\n", VLM_VERSION, vlm_llama_version());
        return 0;
    }
    fprintf(stderr, "vlmeter: unknown command '%s'\n\n", cmd);
    print_overview(stderr);
    return 2;
}
