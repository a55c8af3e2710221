/*
 * cmd_probe.c - `vlmeter probe` (write the synthetic probe suite, docs/probe.md)
 * and `vlmeter import` (VLMEvalKit TSV files and folders of images as suites,
 * docs/import.md). Both only parse arguments and call libvlmeter.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Option ids of these commands, apart from the shared ones in cli.h. */
enum { P_N = 2000, P_SEED, P_LANG, P_LEVEL, P_NAME, P_CATEGORIES, P_TYPE, P_SCORER, P_QUESTIONS, P_DATASET };

#define PROBE_USAGE                                                                                     \
    "usage: vlmeter probe OUTDIR [--n N] [--seed S] [--lang en|zh|both] [--level 1..3] [--name NAME]\n" \
    "                     [--categories LIST] [-q]\n"
#define IMPORT_USAGE                                                                                                 \
    "usage: vlmeter import vlmevalkit FILE.tsv OUTDIR [--dataset NAME | --type mcq|yorn|vqa|ground] [--name NAME]\n" \
    "                                 [--scorer S] [-q]\n"                                                           \
    "       vlmeter import folder FOLDER OUTDIR [--questions FILE] [--name NAME] [--scorer S] [-q]\n"

static bool parse_seed(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || s[0] == '-') return false;
    *out = v;
    return true;
}

static bool parse_lang(const char *s, int *out) {
    if (strcmp(s, "en") == 0) *out = VLM_PROBE_EN;
    else if (strcmp(s, "zh") == 0) *out = VLM_PROBE_ZH;
    else if (strcmp(s, "both") == 0) *out = VLM_PROBE_BOTH;
    else return false;
    return true;
}

static const struct option PROBE_OPTIONS[] = {
    {"n", required_argument, 0, P_N},       {"seed", required_argument, 0, P_SEED},
    {"lang", required_argument, 0, P_LANG}, {"level", required_argument, 0, P_LEVEL},
    {"name", required_argument, 0, P_NAME}, {"categories", required_argument, 0, P_CATEGORIES},
    {"quiet", no_argument, 0, 'q'},         {0, 0, 0, 0},
};

const struct cli_command CLI_PROBE = {
    "probe",
    "write the synthetic probe suite",
    PROBE_USAGE "Write the synthetic probe suite: drawn pictures whose answers are known (docs/probe.md).\n"
                "\n"
                "options:\n"
                "      --n N               cases per category and language (default 20)\n"
                "      --seed S            the pictures' seed, any 64-bit unsigned number (default 1)\n"
                "      --lang L            en (default), zh, or both (each case once per language)\n"
                "      --level L           1 easy, 2 medium (default), 3 hard\n"
                "      --name NAME         the suite file is OUTDIR/NAME.jsonl (default probe)\n"
                "      --categories LIST   the categories to write, comma-separated (default all)\n"
                "  -q, --quiet             no summary\n",
    PROBE_OPTIONS,
    "q",
};

int cmd_probe(int argc, char **argv) {
    struct vlm_probe_params p = vlm_probe_default_params();
    bool quiet = false, ok = true;
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_PROBE.shortopts, CLI_PROBE.opts, NULL)) != -1) {
        if (opt == P_N) ok = cli_parse_int(optarg, &p.n_per_category) && p.n_per_category > 0;
        else if (opt == P_SEED) ok = parse_seed(optarg, &p.seed);
        else if (opt == P_LANG) ok = parse_lang(optarg, &p.lang);
        else if (opt == P_LEVEL) ok = cli_parse_int(optarg, &p.level) && p.level >= 1 && p.level <= 3;
        else if (opt == P_NAME) p.name = optarg;
        else if (opt == P_CATEGORIES) p.categories = optarg;
        else if (opt == 'q') quiet = true;
        else ok = false;
        if (!ok) {
            if (opt != '?') fprintf(stderr, "vlmeter: probe: bad value '%s'\n", optarg);
            fputs(PROBE_USAGE, stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fputs(PROBE_USAGE, stderr);
        return 2;
    }
    struct vlm_probe_summary sum;
    char err[1024];
    int rc = vlm_probe_write(&p, argv[optind], &sum, err, sizeof err);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: %s\n", err);
        return rc == VLM_ERR_INPUT ? 2 : 1;
    }
    if (!quiet)
        printf("%s/%s.jsonl: %d cases in %d categories, %d images (%d layouts redrawn after a failed check)\n",
               argv[optind], p.name, sum.n_cases, sum.n_categories, sum.n_images, sum.n_retries);
    return 0;
}

static void print_import(const struct vlm_import_summary *s) {
    printf("%s: %d cases, %d images", s->suite, s->n_ok, s->n_images);
    if (s->dataset[0]) printf(", dataset %s (%s)", s->dataset, s->type);
    else if (s->type[0]) printf(", type %s", s->type);
    if (s->n_dropped) printf("; %d rows dropped (no image)", s->n_dropped);
    if (s->n_bad) printf("; %d rows skipped", s->n_bad);
    printf("\n");
}

static const struct option IMPORT_OPTIONS[] = {
    {"type", required_argument, 0, P_TYPE},
    {"dataset", required_argument, 0, P_DATASET},
    {"name", required_argument, 0, P_NAME},
    {"scorer", required_argument, 0, P_SCORER},
    {"questions", required_argument, 0, P_QUESTIONS},
    {"quiet", no_argument, 0, 'q'},
    {0, 0, 0, 0},
};

const struct cli_command CLI_IMPORT = {
    "import",
    "other test data as a suite",
    IMPORT_USAGE "Other test data as a suite: a VLMEvalKit TSV file, or a folder of images with\n"
                 "questions (docs/import.md).\n"
                 "\n"
                 "options:\n"
                 "      --dataset NAME      vlmevalkit: read the file as this VLMEvalKit dataset, whatever its name\n"
                 "      --type T            vlmevalkit: mcq, yorn, vqa or ground, read by its columns\n"
                 "      --name NAME         the suite file is OUTDIR/NAME.jsonl (default: the input's name)\n"
                 "      --scorer S          this scorer for every case (docs/scoring.md)\n"
                 "      --questions FILE    folder: the questions (default questions.jsonl in the folder)\n"
                 "  -q, --quiet             no summary\n",
    IMPORT_OPTIONS,
    "q",
};

int cmd_import(int argc, char **argv) {
    struct vlm_import_params p = vlm_import_default_params();
    const char *questions = NULL;
    bool quiet = false;
    int opt;
    p.on_message = cli_print_message;
    while ((opt = getopt_long(argc, argv, CLI_IMPORT.shortopts, CLI_IMPORT.opts, NULL)) != -1) {
        if (opt == P_TYPE) p.type = optarg;
        else if (opt == P_DATASET) p.dataset = optarg;
        else if (opt == P_NAME) p.name = optarg;
        else if (opt == P_SCORER) p.scorer = optarg;
        else if (opt == P_QUESTIONS) questions = optarg;
        else if (opt == 'q') quiet = true;
        else {
            fputs(IMPORT_USAGE, stderr);
            return 2;
        }
    }
    const char *kind = optind < argc ? argv[optind] : "";
    bool tsv = strcmp(kind, "vlmevalkit") == 0, folder = strcmp(kind, "folder") == 0;
    if (argc - optind != 3 || !(tsv || folder) || (tsv && questions) || (folder && (p.type || p.dataset))) {
        fputs(IMPORT_USAGE, stderr);
        return 2;
    }
    struct vlm_import_summary sum;
    char err[1024];
    const char *in = argv[optind + 1], *out = argv[optind + 2];
    int rc = tsv ? vlm_import_vlmevalkit(in, out, &p, &sum, err, sizeof err)
                 : vlm_import_folder(in, questions, out, &p, &sum, err, sizeof err);
    if (rc != VLM_OK) { /* nothing usable (2) or nothing could be read or written (1) */
        fprintf(stderr, "vlmeter: import: %s\n", err);
        return rc == VLM_ERR_INPUT ? 2 : 1;
    }
    if (!quiet) print_import(&sum);
    return 0; /* some rows may have been skipped or dropped: each was reported */
}
