/*
 * fuzz_vlmevalkit.c - libFuzzer harness for the VLMEvalKit TSV importer
 * (lib/import_vlmevalkit.c over import.c's delimited reader): the first byte
 * picks the file's name, and with it the benchmark the rows are read as (MCQ,
 * yes/no, VQA, grounding, MMMU, or none: detected); the rest is the TSV, written
 * to a scratch folder and imported into another.
 */
#include "fuzz_util.h"

#include "vlmeter.h"

/* File names the importer recognises, one per kind of dataset, and a generic one. */
static const char *const TSV_NAMES[] = {"MMBench_DEV_EN.tsv", "MMStar.tsv",      "MMMU_DEV_VAL.tsv", "MME.tsv",
                                        "HallusionBench.tsv", "POPE.tsv",        "OCRBench.tsv",     "ChartQA_TEST.tsv",
                                        "DocVQA_VAL.tsv",     "RefCOCO_val.tsv", "my_set.tsv"};
#define N_TSV_NAMES (sizeof TSV_NAMES / sizeof TSV_NAMES[0])

/* Messages about skipped rows are expected; they go nowhere. */
static void quiet(const char *line, void *user) {
    (void)line;
    (void)user;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char tsv[512], out[512], err[1024];
    fuzz_write_file(TSV_NAMES[data[0] % N_TSV_NAMES], data + 1, size - 1, tsv, sizeof tsv);
    snprintf(out, sizeof out, "%s/out", fuzz_dir());
    struct vlm_import_params p = vlm_import_default_params();
    p.on_message = quiet;
    struct vlm_import_summary sum;
    (void)vlm_import_vlmevalkit(tsv, out, &p, &sum, err, sizeof err);
    fuzz_remove_tree(out);
    unlink(tsv);
    return 0;
}
