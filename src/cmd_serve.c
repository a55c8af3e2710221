/*
 * cmd_serve.c - `vlmeter serve`: read the answers in a browser, set human
 * verdicts, cast blind votes (vlm_serve, docs/serve.md). Parses arguments only.
 *
 *   vlmeter serve [--db FILE] [--port N] [--bind ADDR] [--token T] [--reviewer NAME]
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_stop_signal(int sig) {
    (void)sig;
    vlm_serve_request_stop();
}

static void print_url(const char *url, void *user) {
    fprintf(stderr, "vlmeter: serving %s on %s\n", (const char *)user, url);
    fflush(stderr);
}

enum { OPT_PORT = 2000, OPT_BIND, OPT_TOKEN, OPT_REVIEWER };

static const struct option SERVE_OPTIONS[] = {
    {"db", required_argument, 0, OPT_DB},
    {"port", required_argument, 0, OPT_PORT},
    {"bind", required_argument, 0, OPT_BIND},
    {"token", required_argument, 0, OPT_TOKEN},
    {"reviewer", required_argument, 0, OPT_REVIEWER},
    {0, 0, 0, 0},
};

const struct cli_command CLI_SERVE = {
    "serve",
    "review answers in a browser: filters, human verdicts, blind votes",
    "usage: vlmeter serve [--db FILE] [--port N] [--bind ADDR] [--token T] [--reviewer NAME]\n"
    "\n"
    "A local web app over the store: runs, models, the model x category matrix, answers side\n"
    "by side with their images and timings, filters, human verdicts and blind pairwise votes\n"
    "(docs/serve.md). Stop it with Ctrl-C.\n"
    "\n"
    "options:\n"
    "      --db FILE           the store (default vlmeter.db)\n"
    "      --port N            the port (default 8077; 0: a free one, printed)\n"
    "      --bind ADDR         a numeric address (default 127.0.0.1); another than loopback\n"
    "                          needs a token\n"
    "      --token T           every request must carry T (Authorization: Bearer T, the\n"
    "                          vlmeter_token cookie, or ?token=T once); default $VLMETER_TOKEN,\n"
    "                          better than --token, which `ps` shows to every user\n"
    "      --reviewer NAME     the name the forms are prefilled with (default $USER)\n",
    SERVE_OPTIONS,
    "",
};

int cmd_serve(int argc, char **argv) {
    struct vlm_serve_params p = vlm_serve_default_params();
    p.token = getenv("VLMETER_TOKEN");
    p.reviewer = getenv("USER");
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_SERVE.shortopts, CLI_SERVE.opts, NULL)) != -1) {
        if (opt == OPT_DB) p.db_path = optarg;
        else if (opt == OPT_PORT) {
            if (!cli_parse_int(optarg, &p.port) || p.port < 0 || p.port > 65535) {
                fprintf(stderr, "vlmeter: serve: --port '%s': a whole number from 0 to 65535\n", optarg);
                return 2;
            }
        } else if (opt == OPT_BIND) p.bind = optarg;
        else if (opt == OPT_TOKEN) p.token = optarg;
        else if (opt == OPT_REVIEWER) p.reviewer = optarg;
        else return 2; /* cli_check_options has named it */
    }
    if (optind < argc) {
        fprintf(stderr, "vlmeter: serve: unexpected argument '%s'\n%s", argv[optind], CLI_SERVE.usage);
        return 2;
    }
    if (!cli_exists(p.db_path)) {
        fprintf(stderr, "vlmeter: serve: no store at '%s' (run `vlmeter run` first, or give --db)\n", p.db_path);
        return 2;
    }
    p.on_listening = print_url;
    p.user = (void *)p.db_path;
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
    signal(SIGPIPE, SIG_IGN);
    char err[1024];
    int rc = vlm_serve(&p, err, sizeof err);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: serve: %s\n", err);
        return rc == VLM_ERR_INPUT ? 2 : 1;
    }
    return 0;
}
