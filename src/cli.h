/*
 * cli.h - what the command-line tool's files share: option ids, engine settings
 * given as options, and small helpers. The tool only parses arguments and calls
 * libvlmeter; commands live in src/vlmeter.c (and src/cmd_*.c).
 */
#ifndef VLM_CLI_H
#define VLM_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "vlmeter.h"

/* Settings given on the command line override the plan's, for every model. */
struct overrides {
    struct vlm_engine_params v;
    unsigned set; /* bit per field below */
};
enum {
    O_MAXTOK = 1,
    O_CTX = 2,
    O_BATCH = 4,
    O_THREADS = 8,
    O_NGL = 16,
    O_TEMP = 32,
    O_TOPP = 64,
    O_TOPK = 128,
    O_MINP = 256,
    O_REP = 512,
    O_SEED = 1024,
    O_TMPL = 2048,
    O_TIMEOUT = 4096,
    O_RETRIES = 8192,
    O_CONCURRENCY = 16384,
    O_PARALLEL = 32768,
    O_REUSE = 65536,
    O_IMAGE_CACHE = 131072,
    O_REASONING = 262144,
    O_PREFILL_CHUNK = 524288
};

/* Long-option ids (beyond single letters), one list for every command. */
enum {
    OPT_DB = 1000,
    OPT_TEMPLATE,
    OPT_MAXTOK,
    OPT_CTX,
    OPT_BATCH,
    OPT_THREADS,
    OPT_NGL,
    OPT_TEMP,
    OPT_TOPP,
    OPT_TOPK,
    OPT_MINP,
    OPT_REP,
    OPT_SEED,
    OPT_ALLOW,
    OPT_RETRY,
    OPT_MMPROJ,
    OPT_IMAGE,
    OPT_GAPS,
    OPT_SIZE,
    OPT_LIST,
    OPT_DIR,
    OPT_NORUN,
    OPT_SCORER,
    OPT_JUDGE,
    OPT_FORMAT,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_CONCURRENCY,
    OPT_PLAN,
    OPT_CATALOG,
    OPT_BUDGET,
    OPT_GPU,
    OPT_CALIBRATE,
    OPT_PARALLEL,
    OPT_NO_REUSE,
    OPT_IMAGE_CACHE,
    OPT_REASONING,
    OPT_PROMPT_OUT,
    OPT_RAW,
    OPT_SHARD,
    OPT_GPU_SAMPLE_MS,
    OPT_PREFILL_CHUNK,
    OPT_DECIDE,
    OPT_DECIDE_ALPHA,
    OPT_DECIDE_SEED,
    OPT_ESCALATE,
    OPT_SCREEN,
};

/* Add to a command's getopt_long table to accept the engine settings. */
// clang-format off
#define SETTING_OPTIONS                                                   \
    {"template", required_argument, 0, OPT_TEMPLATE},                    \
    {"max-tokens", required_argument, 0, OPT_MAXTOK},                    \
    {"ctx", required_argument, 0, OPT_CTX},                              \
    {"batch", required_argument, 0, OPT_BATCH},                          \
    {"threads", required_argument, 0, OPT_THREADS},                      \
    {"ngl", required_argument, 0, OPT_NGL},                              \
    {"temp", required_argument, 0, OPT_TEMP},                            \
    {"top-p", required_argument, 0, OPT_TOPP},                           \
    {"top-k", required_argument, 0, OPT_TOPK},                           \
    {"min-p", required_argument, 0, OPT_MINP},                           \
    {"repeat-penalty", required_argument, 0, OPT_REP},                   \
    {"seed", required_argument, 0, OPT_SEED},                            \
    {"timeout", required_argument, 0, OPT_TIMEOUT},                      \
    {"retries", required_argument, 0, OPT_RETRIES},                      \
    {"concurrency", required_argument, 0, OPT_CONCURRENCY},              \
    {"parallel", required_argument, 0, OPT_PARALLEL},                    \
    {"no-reuse", no_argument, 0, OPT_NO_REUSE},                          \
    {"image-cache-mib", required_argument, 0, OPT_IMAGE_CACHE},            \
    {"prefill-chunk", required_argument, 0, OPT_PREFILL_CHUNK},          \
    {"reasoning", required_argument, 0, OPT_REASONING}
// clang-format on

/* The usage lines of SETTING_OPTIONS, for the usage of a command that takes them
 * (SETTING_USAGE_BUT_CONCURRENCY: for `bench`, whose own --concurrency comes first). */
#define SETTING_USAGE \
    SETTING_USAGE_BUT_CONCURRENCY "      --concurrency N     remote models: cases answered at once (default 1)\n"
#define SETTING_USAGE_BUT_CONCURRENCY                                                                   \
    "\n"                                                                                                \
    "engine settings, for every model (they override the plan's):\n"                                    \
    "      --template T        chat template: a llama.cpp built-in name, or Jinja text\n"               \
    "                          (default: each model's own, rendered as llama-server does)\n"            \
    "      --reasoning R       reasoning models: auto, on, off, or budget=N tokens of reasoning\n"      \
    "      --max-tokens N      most tokens generated per turn (default 256)\n"                          \
    "      --ctx N             context size in tokens (default 4096)\n"                                 \
    "      --batch N           prefill batch in tokens (default 2048)\n"                                \
    "      --threads N         CPU threads (default 0: all cores)\n"                                    \
    "      --ngl N             layers offloaded to the GPU (default -1: all that fit; 0: CPU)\n"        \
    "      --temp X            sampling temperature (default 0: greedy)\n"                              \
    "      --top-p X           keep the likeliest tokens up to this total probability (1: off)\n"       \
    "      --top-k N           keep the N likeliest tokens (default 0: off)\n"                          \
    "      --min-p X           drop tokens under X times the likeliest one's probability (0: off)\n"    \
    "      --repeat-penalty X  penalty on repeated tokens (default 1: off)\n"                           \
    "      --seed N            sampling seed (default 42)\n"                                            \
    "      --timeout S         remote models: per-request timeout in s (default 120, docs/remote.md)\n" \
    "      --retries N         remote models: retries of a failed request (default 3)\n"                \
    "      --parallel N        local models: cases decoded together in one batch (default 1)\n"         \
    "      --no-reuse          local models: encode every image and prefill every prompt anew\n"        \
    "      --image-cache-mib N local models: image-embedding cache budget (default 1024)\n"             \
    "      --prefill-chunk N   local models: most prompt tokens per step while others generate\n"       \
    "                          (default 512; 0: each prompt prefilled alone, nothing batched with it)\n"

/* One command of the tool, in one place: what `vlmeter --help` lists, what
 * `vlmeter NAME --help` prints, and the very getopt table and short options the
 * command parses with, so the help check and the parser cannot disagree.
 * A new command NAME:
 *   1. in src/cmd_NAME.c, a file-scope `static const struct option
 *      NAME_OPTIONS[]` and `const struct cli_command CLI_NAME = {"NAME",
 *      summary, usage, NAME_OPTIONS, "shortopts"}`; its parser calls
 *      getopt_long(argc, argv, CLI_NAME.shortopts, CLI_NAME.opts, NULL);
 *   2. here, `int cmd_NAME(int argc, char **argv);` and
 *      `extern const struct cli_command CLI_NAME;`;
 *   3. in src/vlmeter.c, `&CLI_NAME,` in COMMANDS and the dispatch line.
 * The usage gives each option a line that starts with it ("  -x, --name ARG
 * what it does" or "      --name ARG  what it does"): tests/e2e/test_help.sh
 * checks every option of the table has one. -h is --help: no command may use it. */
struct cli_command {
    const char *name;
    const char *summary;       /* one line for `vlmeter --help` */
    const char *usage;         /* "usage: vlmeter NAME ...", then every option of opts */
    const struct option *opts; /* ends with a zero entry; --help and -h are added */
    const char *shortopts;     /* the command's getopt_long short options */
};

/* Check argv (argv[0] is the command's name) against c's options before the
 * command parses them: -h or --help anywhere prints c's usage on stdout and
 * gives 0; an unknown option, an ambiguous abbreviation, a missing value or a
 * value given to a flag prints one line naming it and c's known options (and a
 * close one, if any) on stderr and gives 2; otherwise -1: go on. argv is left
 * as it was and optind reset for the command's own getopt_long loop. */
int cli_check_options(const struct cli_command *c, int argc, char **argv);

/* The Levenshtein distance between a and b (insertions, deletions and
 * substitutions of one byte each). */
int cli_edit_distance(const char *a, const char *b);

/* Parse a whole int / float; false when the text is not one. */
bool cli_parse_int(const char *s, int *out);
bool cli_parse_float(const char *s, float *out);

/* Parse one engine-setting option (OPT_MAXTOK ... OPT_TEMPLATE) into o; false,
 * with a message, when the value is bad or opt is not a setting. */
bool cli_parse_setting(int opt, const char *arg, struct overrides *o);

/* Copy the settings given on the command line over e. */
void cli_apply_overrides(struct vlm_engine_params *e, const struct overrides *o);

/* Print a library message as "vlmeter: LINE" on stderr (an on_message hook). */
void cli_print_message(const char *line, void *user);

/* The arguments joined by spaces, for the record of a run; caller frees. */
char *cli_join_argv(int argc, char **argv);

/* The catalog GPU called `name` (shipped catalog, then `catalog` when given)
 * into *g; 0, or 2 with a message on stderr. */
int cli_find_gpu(const char *name, const char *catalog, struct vlm_gpu *g);

/* True when the path exists. */
bool cli_exists(const char *path);

/* `vlmeter bench` (src/cmd_bench.c). */
int cmd_bench(int argc, char **argv);
extern const struct cli_command CLI_BENCH;

/* `vlmeter quantize` (src/cmd_quant.c). */
int cmd_quantize(int argc, char **argv);
extern const struct cli_command CLI_QUANTIZE;

/* `vlmeter compare` (src/cmd_compare.c): exit 0 pass, 1 regressed, 2 error. */
int cmd_compare(int argc, char **argv);
extern const struct cli_command CLI_COMPARE;

/* `vlmeter plan` (src/cmd_plan.c). */
int cmd_plan(int argc, char **argv);
extern const struct cli_command CLI_PLAN;

/* `vlmeter merge` (src/cmd_merge.c). */
int cmd_merge(int argc, char **argv);
extern const struct cli_command CLI_MERGE;

/* `vlmeter serve` (src/cmd_serve.c). */
int cmd_serve(int argc, char **argv);
extern const struct cli_command CLI_SERVE;

/* `vlmeter probe` and `vlmeter import` (src/cmd_probe.c). */
int cmd_probe(int argc, char **argv);
int cmd_import(int argc, char **argv);
extern const struct cli_command CLI_PROBE, CLI_IMPORT;

#endif
