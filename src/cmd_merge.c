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

int cmd_merge(int argc, char **argv) {
    static const struct option opts[] = {
        {"quiet", no_argument, 0, 'q'},
        {0, 0, 0, 0},
    };
    bool quiet = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
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
    return 0;
}
