/*
 * fuzz_plan.c - libFuzzer harness for the plan YAML reader (lib/plan.c,
 * vlm_plan_load): the input is written to a plan file in a scratch folder and
 * loaded from there.
 */
#include "fuzz_util.h"

#include "vlmeter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[512], err[1024];
    fuzz_write_file("plan.yaml", data, size, path, sizeof path);
    vlm_plan *p = vlm_plan_load(path, err, sizeof err);
    vlm_plan_free(p);
    return 0;
}
