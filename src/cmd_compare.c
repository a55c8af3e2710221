/*
 * cmd_compare.c - `vlmeter compare BASE NEW [--db FILE] [--new-db FILE]
 * [--max-drop PTS] [--max-slower PCT] [--alpha A] [--no-adjust] [--format text|md|json]`:
 * the regression gate for CI (docs/compare.md). Exit 0 when NEW holds, 1 when
 * it regressed, 2 on a usage or IO error.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_NEW_DB = 2000, OPT_MAX_DROP, OPT_MAX_SLOWER, OPT_ALPHA, OPT_NO_ADJUST };

#define COMPARE_USAGE                                                                                   \
    "usage: vlmeter compare BASE NEW [--db FILE] [--new-db FILE] [--max-drop PTS] [--max-slower PCT]\n" \
    "                       [--alpha A] [--no-adjust] [--format text|md|json]\n"

/* A number option's value into *v (read as a double, so 0.05 stays 0.05);
 * false with a message when it is not a finite number. */
static bool number_opt(const char *name, const char *arg, double *v) {
    char *end;
    errno = 0;
    double x = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(x)) {
        fprintf(stderr, "vlmeter: --%s takes a number (got '%s')\n%s", name, arg, COMPARE_USAGE);
        return false;
    }
    *v = x;
    return true;
}

static const struct option COMPARE_OPTIONS[] = {
    {"db", required_argument, 0, OPT_DB},
    {"new-db", required_argument, 0, OPT_NEW_DB},
    {"max-drop", required_argument, 0, OPT_MAX_DROP},
    {"max-slower", required_argument, 0, OPT_MAX_SLOWER},
    {"alpha", required_argument, 0, OPT_ALPHA},
    {"no-adjust", no_argument, 0, OPT_NO_ADJUST},
    {"format", required_argument, 0, OPT_FORMAT},
    {0, 0, 0, 0},
};

const struct cli_command CLI_COMPARE = {
    "compare",
    "the regression gate: NEW against BASE",
    COMPARE_USAGE
    "The regression gate: NEW against BASE on the cases both scored (docs/compare.md).\n"
    "Exit 1 when a category (or overall) drops significantly (McNemar p, Holm-adjusted\n"
    "over the rows, < A) by more than PTS points, or NEW's e2e p95 exceeds BASE's by\n"
    "more than PCT percent; 0 when not; 2 on an error.\n"
    "\n"
    "options:\n"
    "      --db FILE           the store (default vlmeter.db)\n"
    "      --new-db FILE       NEW's answers from this store\n"
    "      --max-drop PTS      the accuracy points a significant drop may lose (default 0)\n"
    "      --max-slower PCT    also fail when NEW's e2e p95 exceeds BASE's by more (default: not checked)\n"
    "      --alpha A           the significance level (default 0.05)\n"
    "      --no-adjust         no Holm adjustment: each row's p against A\n"
    "  -f, --format F          text (default), md or json\n",
    COMPARE_OPTIONS,
    "f:",
};

/* Options into p; false (with a message) on a bad one. */
static bool parse_options(int argc, char **argv, struct vlm_compare_params *p) {
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_COMPARE.shortopts, CLI_COMPARE.opts, NULL)) != -1) {
        if (opt == OPT_DB) p->db_path = optarg;
        else if (opt == OPT_NEW_DB) p->new_db_path = optarg;
        else if (opt == OPT_MAX_DROP) {
            if (!number_opt("max-drop", optarg, &p->max_drop_points)) return false;
        } else if (opt == OPT_MAX_SLOWER) {
            if (!number_opt("max-slower", optarg, &p->max_slower_pct)) return false;
            if (p->max_slower_pct < 0) {
                fprintf(stderr, "vlmeter: --max-slower takes a percentage of 0 or more\n");
                return false;
            }
        } else if (opt == OPT_ALPHA) {
            if (!number_opt("alpha", optarg, &p->alpha)) return false;
        } else if (opt == OPT_NO_ADJUST) {
            p->no_adjust = true;
        } else if (opt == OPT_FORMAT || opt == 'f') {
            if (strcmp(optarg, "text") == 0 || strcmp(optarg, "table") == 0) p->format = VLM_REPORT_TABLE;
            else if (strcmp(optarg, "md") == 0) p->format = VLM_REPORT_MD;
            else if (strcmp(optarg, "json") == 0) p->format = VLM_REPORT_JSON;
            else {
                fprintf(stderr, "vlmeter: --format text|md|json (got '%s')\n", optarg);
                return false;
            }
        } else {
            fputs(COMPARE_USAGE, stderr);
            return false;
        }
    }
    return true;
}

int cmd_compare(int argc, char **argv) {
    struct vlm_compare_params p = vlm_compare_default_params();
    if (!parse_options(argc, argv, &p)) return 2;
    if (argc - optind != 2) {
        fprintf(stderr, "vlmeter: compare takes two model names, BASE and NEW\n%s", COMPARE_USAGE);
        return 2;
    }
    bool regressed = false;
    char err[2048] = "";
    int rc = vlm_compare(argv[optind], argv[optind + 1], &p, stdout, &regressed, err, sizeof err);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return 2;
    }
    return regressed ? 1 : 0;
}
