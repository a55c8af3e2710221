/*
 * cmd_quant.c - `vlmeter quantize`: quantized variants of a model
 * (docs/quantize.md).
 *
 *   vlmeter quantize MODEL.gguf --types q8_0,q4_k_m,... OUTDIR [--mmproj MMPROJ.gguf] [--threads N]
 *   vlmeter quantize --list
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split "a,b,c" in place into at most max names; returns the count. */
static int split_types(char *list, const char **out, int max) {
    int n = 0;
    for (char *tok = strtok(list, ","); tok && n < max; tok = strtok(NULL, ","))
        if (tok[0]) out[n++] = tok;
    return n;
}

static const struct option QUANTIZE_OPTIONS[] = {
    {"types", required_argument, 0, 't'},
    {"mmproj", required_argument, 0, OPT_MMPROJ},
    {"threads", required_argument, 0, OPT_THREADS},
    {"list", no_argument, 0, OPT_LIST},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    {0, 0, 0, 0},
};

const struct cli_command CLI_QUANTIZE = {
    "quantize",
    "quantized variants of a model",
    "usage: vlmeter quantize MODEL.gguf --types q8_0,q4_k_m,... OUTDIR [--mmproj MMPROJ.gguf] [--threads N]\n"
    "       vlmeter quantize --list\n"
    "Write one quantized variant of the model per type into OUTDIR (docs/quantize.md).\n"
    "\n"
    "options:\n"
    "  -t, --types LIST        the types, comma-separated\n"
    "      --mmproj FILE       quantize this projector too\n"
    "      --threads N         CPU threads (default 0: all cores)\n"
    "      --list              the types\n"
    "  -q, --quiet             no messages\n"
    "  -v, --verbose           show llama.cpp's log\n",
    QUANTIZE_OPTIONS,
    "t:qv",
};

int cmd_quantize(int argc, char **argv) {
    struct vlm_quant_params qp = vlm_quant_default_params();
    qp.on_message = cli_print_message;
    char *types = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_QUANTIZE.shortopts, CLI_QUANTIZE.opts, NULL)) != -1) {
        if (opt == 't') types = optarg;
        else if (opt == OPT_MMPROJ) qp.mmproj = optarg;
        else if (opt == OPT_THREADS) {
            if (!cli_parse_int(optarg, &qp.n_threads) || qp.n_threads < 0) {
                fprintf(stderr, "vlmeter: --threads must be an integer >= 0\n");
                return 2;
            }
        } else if (opt == OPT_LIST) {
            for (int i = 0; i < vlm_quant_n_types(); i++) printf("%s\n", vlm_quant_type(i));
            return 0;
        } else if (opt == 'q') qp.on_message = NULL;
        else if (opt == 'v') vlm_llama_log(true);
        else return 2;
    }
    if (argc - optind != 2 || !types) {
        fprintf(stderr, "usage: vlmeter quantize MODEL.gguf --types q8_0,q4_k_m,... OUTDIR "
                        "[--mmproj MMPROJ.gguf] [--threads N]   (--list: the types)\n");
        return 2;
    }
    const char *names[64];
    int n = split_types(types, names, 64);
    if (n == 0) {
        fprintf(stderr, "vlmeter: --types names no type\n");
        return 2;
    }
    struct vlm_quant_summary sum;
    char err[1024];
    int rc = vlm_quantize(argv[optind], names, n, argv[optind + 1], &qp, &sum, err, sizeof err);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: quantize: %s\n", err);
        return rc == VLM_ERR_INPUT ? 2 : 1;
    }
    if (qp.on_message) printf("%d made, %d already there\n", sum.n_made, sum.n_skipped);
    return 0;
}
