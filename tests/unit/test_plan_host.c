/*
 * test_plan_host.c - the keys of a remote model's server (lib/plan.c host_key,
 * docs/plan-format.md, docs/remote.md): metrics=URL, gpu=NAME, gpus=N in -m
 * specs and plan entries; refused on local models, given twice, or malformed.
 */
#include "testutil.h"

static void spec_ok(const char *spec, const char *metrics, const char *gpu, int n_gpus) {
    vlm_plan *p = vlm_plan_new();
    char err[512] = "";
    assert_int_equal(vlm_plan_add_model_spec(p, spec, err, sizeof err), VLM_OK);
    const struct vlm_remote_params *rp = &vlm_plan_model(p, 0)->engine.remote;
    if (metrics) assert_string_equal(rp->metrics_url, metrics);
    else assert_null(rp->metrics_url);
    if (gpu) assert_string_equal(rp->gpu, gpu);
    else assert_null(rp->gpu);
    assert_int_equal(rp->n_gpus, n_gpus);
    vlm_plan_free(p);
}

static void spec_fails(const char *spec, const char *want) {
    vlm_plan *p = vlm_plan_new();
    char err[512] = "";
    assert_int_equal(vlm_plan_add_model_spec(p, spec, err, sizeof err), VLM_ERR_INPUT);
    if (!strstr(err, want)) fail_msg("message '%s' lacks '%s'", err, want);
    assert_int_equal(vlm_plan_n_models(p), 0);
    vlm_plan_free(p);
}

static void test_specs(void **state) {
    (void)state;
    spec_ok("x=http://h:1/v1,model=m", NULL, NULL, 0);
    spec_ok("x=http://h:1/v1,model=m,gpu=A10G,gpus=2,metrics=http://h:9/m", "http://h:9/m", "A10G", 2);
    spec_ok("x=http://h:1/v1,gpu=L4,model=m", NULL, "L4", 0);
    spec_fails("x=http://h:1/v1,model=m,gpus=0", "gpus '0' must be a whole number 1..1024");
    spec_fails("x=http://h:1/v1,model=m,gpus=2x", "gpus '2x' must be a whole number");
    spec_fails("x=http://h:1/v1,model=m,gpu=A10G,gpu=L4", "gpu given twice");
    spec_fails("x=http://h:1/v1,model=m,metrics=h:9/metrics", "metrics 'h:9/metrics' must start with http://");
    spec_fails("x=http://h:1/v1,model=m,gpu=", "gpu= needs a value");
    spec_fails("x=a.gguf,gpu=A10G", "unknown option 'gpu'"); /* a local model is priced on every GPU */
}

static void test_yaml(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *good = test_write_file(dir, "good.yaml",
                                 "models:\n"
                                 "  - name: x\n    url: http://h:1/v1\n    model_id: m\n"
                                 "    gpu: A10G\n    gpus: 4\n    metrics: http://h:1/metrics\n");
    char *bad = test_write_file(dir, "bad.yaml",
                                "models:\n  - name: x\n    url: http://h:1/v1\n    model_id: m\n"
                                "    gpus: many\n");
    char *local = test_write_file(dir, "local.yaml", "models:\n  - name: x\n    model: a.gguf\n    gpu: A10G\n");
    char err[512] = "";
    vlm_plan *p = vlm_plan_load(good, err, sizeof err);
    assert_non_null(p);
    const struct vlm_remote_params *rp = &vlm_plan_model(p, 0)->engine.remote;
    assert_string_equal(rp->gpu, "A10G");
    assert_int_equal(rp->n_gpus, 4);
    assert_string_equal(rp->metrics_url, "http://h:1/metrics");
    vlm_plan_free(p);
    assert_null(vlm_plan_load(bad, err, sizeof err));
    assert_non_null(strstr(err, "bad.yaml:5: models[0].gpus: gpus 'many' must be a whole number"));
    assert_null(vlm_plan_load(local, err, sizeof err));
    assert_non_null(strstr(err, "metrics, gpu and gpus are for remote models"));
    free(good);
    free(bad);
    free(local);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_specs), cmocka_unit_test(test_yaml)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
