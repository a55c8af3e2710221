/*
 * cmd_merge.c - `vlmeter merge`: combine stores, e.g. the shards of a run made
 * on several machines (docs/shards.md), into one (vlm_store_merge).
 *
 *   vlmeter merge OUT.db IN.db... [-q]
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* What was copied, table by table (tables with nothing are left out), and the
 * answers OUT already held. */
static void print_summary(const struct vlm_merge_summary *sum, const char *out, int n_in) {
    int dup_answers = 0;
    printf("merged %d store%s into %s\n", n_in, n_in == 1 ? "" : "s", out);
    for (int i = 0; i < sum->n_tables; i++) {
        const struct vlm_merge_table_count *t = &sum->tables[i];
        if (strcmp(t->table, "answers") == 0) dup_answers = t->n_duplicates;
        if (t->n_copied || t->n_duplicates)
            printf("  %-16s %6d copied %6d already there\n", t->table, t->n_copied, t->n_duplicates);
    }
    printf("%d answer%s already in %s (same model, settings, case and turn): %s kept\n", dup_answers,
           dup_answers == 1 ? " was" : "s were", out, out);
}

/* CIDEr-D is corpus-level (its document frequencies come from every turn of a
 * model x suite): score the turns stored as `cider` again over the merged set.
 * Every other score stays as merged (judge verdicts, --scorer overrides). A
 * group no row was merged into is scored over the same turns: same figures. */
static int rescore_corpus(const char *out, bool quiet) {
    struct vlm_score_params p = vlm_score_default_params();
    p.only_scored_by = "cider";
    struct vlm_score_summary sum;
    char err[1024];
    if (vlm_score_store(out, &p, &sum, err, sizeof err) != VLM_OK) {
        fprintf(stderr,
                "vlmeter: merge: merged, but scoring the cider turns again failed: %s; run `vlmeter score "
                "--db %s`\n",
                err, out);
        return 1;
    }
    if (!quiet && sum.n_scored)
        printf("%d cider turn%s scored again over the merged store\n", sum.n_scored, sum.n_scored == 1 ? "" : "s");
    return 0;
}

static const struct option MERGE_OPTIONS[] = {
    {"quiet", no_argument, 0, 'q'},
    {0, 0, 0, 0},
};

const struct cli_command CLI_MERGE = {
    "merge",
    "combine stores (shards run on several machines)",
    "usage: vlmeter merge OUT.db IN.db... [-q]\n"
    "Combine stores (shards run on several machines) into OUT (created when missing), in\n"
    "one transaction; refused when a model's settings differ between stores (docs/shards.md).\n"
    "\n"
    "options:\n"
    "  -q, --quiet             no summary\n",
    MERGE_OPTIONS,
    "q",
};

int cmd_merge(int argc, char **argv) {
    bool quiet = false;
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_MERGE.shortopts, CLI_MERGE.opts, NULL)) != -1) {
        if (opt == 'q') quiet = true;
        else return 2;
    }
    if (argc - optind < 2) {
        fprintf(stderr, "usage: vlmeter merge OUT.db IN.db... [-q]   (OUT is created when missing)\n");
        return 2;
    }
    struct vlm_merge_summary sum;
    char err[2048];
    int rc = vlm_store_merge(argv[optind], (const char *const *)argv + optind + 1, argc - optind - 1, &sum, err,
                             sizeof err);
    if (rc != VLM_OK) {
        fprintf(stderr, "vlmeter: merge: %s\n", err);
        return rc == VLM_ERR_INPUT ? 2 : 1;
    }
    if (!quiet) print_summary(&sum, argv[optind], argc - optind - 1);
    return rescore_corpus(argv[optind], quiet);
}
