/*
 * test_plan.c - evaluation plans (lib/plan.c): YAML files with every key,
 * relative paths, per-model overrides, each kind of mistake with its line, and
 * command-line -m specs with each of their mistakes.
 */
#include "rpc.h"
#include "testutil.h"

#include <unistd.h>

struct fixture {
    char *dir;
    vlm_plan *plan;
    char err[1024];
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    *state = f;
    return f->dir ? 0 : -1;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    vlm_plan_free(f->plan);
    test_rmdir(f->dir);
    free(f);
    return 0;
}

/* f->dir + "/" + rel. */
static char *path_in(const struct fixture *f, const char *rel) {
    char *p = malloc(strlen(f->dir) + strlen(rel) + 2);
    sprintf(p, "%s/%s", f->dir, rel);
    return p;
}

static vlm_plan *load_yaml(struct fixture *f, const char *yaml) {
    char *p = test_write_file(f->dir, "plan.yaml", yaml);
    vlm_plan_free(f->plan);
    f->plan = vlm_plan_load(p, f->err, sizeof f->err);
    free(p);
    return f->plan;
}

/* The plan is refused with a message holding "plan.yaml:" + want. */
static void yaml_fails(struct fixture *f, const char *yaml, const char *want) {
    f->err[0] = '\0';
    assert_null(load_yaml(f, yaml));
    char full[256];
    snprintf(full, sizeof full, "plan.yaml:%s", want);
    if (!strstr(f->err, full)) fail_msg("message '%s' lacks '%s'", f->err, full);
    assert_non_null(strstr(f->err, f->dir));
}

static void assert_float_eq(float got, float want) {
    if (got != want) fail_msg("%g != %g", (double)got, (double)want);
}

/* ------------------------------------------------------------ YAML */

static const char full_plan[] =
    "# a complete plan\n"
    "db: results.db\n"
    "suites: [a.jsonl, sub/b.jsonl, /abs/c.jsonl]\n"
    "settings: {max_tokens: 64, ctx: 8192, batch: 512, threads: 3, ngl: 0, temp: 0.5,\n"
    "           top_p: 0.9, top_k: 40, min_p: 0.05, repeat_penalty: 1.1, repeat_last_n: 32,\n"
    "           seed: 4000000000, template: chatml}\n"
    "models:\n"
    "  - name: llava-tiny\n"
    "    model: forged/llava/model.gguf\n"
    "    mmproj: forged/llava/mmproj.gguf\n"
    "    settings: {max_tokens: 32, template: gemma}\n"
    "  - name: \"qwen:2b_Q4.k-m\"\n"
    "    model: /models/q.gguf\n"
    "    mmproj: ../up/mm.gguf\n";

static void test_full_plan(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, full_plan);
    if (!p) fail_msg("%s", f->err);
    char *want = path_in(f, "results.db");
    assert_string_equal(vlm_plan_db(p), want);
    free(want);
    assert_int_equal(vlm_plan_n_suites(p), 3);
    want = path_in(f, "a.jsonl");
    assert_string_equal(vlm_plan_suite(p, 0), want);
    free(want);
    want = path_in(f, "sub/b.jsonl");
    assert_string_equal(vlm_plan_suite(p, 1), want);
    free(want);
    assert_string_equal(vlm_plan_suite(p, 2), "/abs/c.jsonl");
    assert_null(vlm_plan_suite(p, 3));

    struct vlm_engine_params *d = vlm_plan_defaults(p);
    assert_int_equal(d->sampling.max_tokens, 64);
    assert_int_equal(d->n_ctx, 8192);
    assert_int_equal(d->n_batch, 512);
    assert_int_equal(d->n_threads, 3);
    assert_int_equal(d->n_gpu_layers, 0);
    assert_float_eq(d->sampling.temp, 0.5f);
    assert_float_eq(d->sampling.top_p, 0.9f);
    assert_int_equal(d->sampling.top_k, 40);
    assert_float_eq(d->sampling.min_p, 0.05f);
    assert_float_eq(d->sampling.repeat_penalty, 1.1f);
    assert_int_equal(d->sampling.repeat_last_n, 32);
    assert_int_equal(d->sampling.seed, 4000000000u);
    assert_string_equal(d->chat_template, "chatml");

    assert_int_equal(vlm_plan_n_models(p), 2);
    struct vlm_model_spec *m = vlm_plan_model(p, 0);
    assert_string_equal(m->name, "llava-tiny");
    want = path_in(f, "forged/llava/model.gguf");
    assert_string_equal(m->engine.model_path, want);
    free(want);
    want = path_in(f, "forged/llava/mmproj.gguf");
    assert_string_equal(m->engine.mmproj_path, want);
    free(want);
    assert_int_equal(m->engine.sampling.max_tokens, 32); /* overridden */
    assert_string_equal(m->engine.chat_template, "gemma");
    assert_int_equal(m->engine.n_ctx, 8192); /* from the plan's settings */
    assert_int_equal(m->engine.sampling.top_k, 40);

    m = vlm_plan_model(p, 1);
    assert_string_equal(m->name, "qwen:2b_Q4.k-m");
    assert_string_equal(m->engine.model_path, "/models/q.gguf");
    want = path_in(f, "../up/mm.gguf");
    assert_string_equal(m->engine.mmproj_path, want);
    free(want);
    assert_int_equal(m->engine.sampling.max_tokens, 64);
    assert_string_equal(m->engine.chat_template, "chatml");
    assert_null(vlm_plan_model(p, 2));
    assert_null(vlm_plan_model(p, -1));
}

static void test_settings_after_models_still_apply(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "models:\n"
                               "  - {name: m, model: m.gguf, mmproj: p.gguf}\n"
                               "settings:\n"
                               "  ctx: 2048\n");
    if (!p) fail_msg("%s", f->err);
    assert_int_equal(vlm_plan_model(p, 0)->engine.n_ctx, 2048);
}

/* A model without vision (docs/plan-format.md, "Text-only models"): a local
 * model without mmproj, or any model with vision: false, is text-only. */
static void test_text_only_models(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "models:\n"
                               "  - {name: t, model: t.gguf}\n"
                               "  - {name: r, url: http://h/v1, model_id: m, settings: {vision: false}}\n"
                               "  - {name: v, model: v.gguf, mmproj: p.gguf, settings: {vision: true}}\n");
    if (!p) fail_msg("%s", f->err);
    assert_null(vlm_plan_model(p, 0)->engine.mmproj_path); /* allowed now: text-only */
    assert_false(vlm_plan_model(p, 0)->engine.text_only);
    assert_true(vlm_plan_model(p, 1)->engine.text_only); /* vision: false */
    assert_false(vlm_plan_model(p, 2)->engine.text_only);
    char err[256];
    assert_int_equal(vlm_plan_add_model_spec(p, "s=a.gguf", err, sizeof err), VLM_OK);
    assert_null(vlm_plan_model(p, 3)->engine.mmproj_path);
    assert_int_equal(
        vlm_plan_add_model_spec(p, "d=https://api.example/v1,model=deepseek-chat,vision=false", err, sizeof err),
        VLM_OK);
    assert_true(vlm_plan_model(p, 4)->engine.text_only);
    assert_int_equal(vlm_plan_add_model_spec(p, "e=a.gguf,mmproj=b.gguf,vision=off", err, sizeof err), VLM_OK);
    assert_true(vlm_plan_model(p, 5)->engine.text_only);
    yaml_fails(f, "models:\n  - {name: a, model: a, settings: {vision: perhaps}}\n",
               "2: models[0].settings.vision must be true or false, not 'perhaps'");
}

static void test_defaults_without_settings(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "suites: one.jsonl\nsettings:\nmodels:\n");
    if (!p) fail_msg("%s", f->err);
    struct vlm_engine_params want = vlm_engine_default_params(), *got = vlm_plan_defaults(p);
    assert_int_equal(got->n_ctx, want.n_ctx);
    assert_int_equal(got->n_batch, want.n_batch);
    assert_int_equal(got->n_gpu_layers, want.n_gpu_layers);
    assert_int_equal(got->sampling.max_tokens, want.sampling.max_tokens);
    assert_int_equal(got->sampling.seed, want.sampling.seed);
    assert_null(got->chat_template);
    assert_null(vlm_plan_db(p));
    assert_int_equal(vlm_plan_n_models(p), 0);
    assert_int_equal(vlm_plan_n_suites(p), 1);
    char *want_suite = path_in(f, "one.jsonl");
    assert_string_equal(vlm_plan_suite(p, 0), want_suite);
    free(want_suite);
}

static void test_relative_plan_path(void **state) {
    struct fixture *f = *state;
    free(test_write_file(f->dir, "p.yaml", "db: r.db\nsuites: [s.jsonl]\n"));
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    f->plan = vlm_plan_load("p.yaml", f->err, sizeof f->err);
    assert_int_equal(chdir(cwd), 0);
    if (!f->plan) fail_msg("%s", f->err);
    assert_string_equal(vlm_plan_db(f->plan), "r.db");
    assert_string_equal(vlm_plan_suite(f->plan, 0), "s.jsonl");
}

static void test_unknown_keys_name_line(void **state) {
    struct fixture *f = *state;
    yaml_fails(
        f,
        "db: x.db\n"
        "models:\n"
        "  - name: a\n"
        "    model: a.gguf\n"
        "    mmproj: b.gguf\n"
        "  - name: b\n"
        "    modle: a.gguf\n",
        "7: unknown key 'modle' in models[1] (known: name, model, mmproj, settings, url, urls, model_id, key_env, variants, images, sweep, metrics, gpu, gpus)");
    yaml_fails(f, "db: x.db\nsuite: [a]\n", "2: unknown key 'suite' in the plan");
    yaml_fails(f, "settings:\n  ctx: 10\n  tmp: 1\n", "3: unknown key 'tmp' in settings (known: max_tokens");
    yaml_fails(f, "models:\n  - name: a\n    model: a\n    mmproj: b\n    settings: {ngl: 1, nlg: 2}\n",
               "5: unknown key 'nlg' in models[0].settings");
}

static void test_ill_typed_values_name_line(void **state) {
    struct fixture *f = *state;
    yaml_fails(f, "settings:\n  ctx: abc\n", "2: settings.ctx must be an integer >= 16, not 'abc'");
    yaml_fails(f, "settings:\n  ctx: 4096.5\n", "2: settings.ctx must be an integer >= 16");
    yaml_fails(f, "settings:\n  max_tokens: 0\n", "2: settings.max_tokens must be an integer >= 1, not '0'");
    yaml_fails(f, "settings:\n  ngl: -2\n", "2: settings.ngl must be an integer >= -1");
    yaml_fails(f, "settings:\n  top_p: 1.5\n", "2: settings.top_p must be a number from 0 to 1, not '1.5'");
    yaml_fails(f, "settings:\n  temp: .nan\n", "2: settings.temp must be a number from 0 to 100");
    yaml_fails(f, "settings:\n  seed: 4294967296\n", "2: settings.seed must be an integer from 0 to 4294967295");
    yaml_fails(f, "settings:\n  max_tokens: [1]\n", "2: settings.max_tokens must be an integer >= 1, not a list");
    yaml_fails(f, "settings:\n  template: ''\n", "2: settings.template must be a non-empty string");
    yaml_fails(f, "settings:\n  template: ~\n", "2: settings.template must be a non-empty string, not empty");
    yaml_fails(f, "settings:\n  ctx:\n", "2: settings.ctx must be an integer >= 16, not empty");
    yaml_fails(f, "settings: 5\n", "1: settings must be a mapping (key: value), not a single value");
    yaml_fails(f, "\n\nsuites: {a: b}\n", "3: suites must be a list of files, not a mapping");
    yaml_fails(f, "suites: [a.jsonl, [b]]\n", "1: suites[1] must be a string, not a list");
    yaml_fails(f, "db: [x]\n", "1: db must be a string, not a list");
    yaml_fails(f, "models: 3\n", "1: models must be a list, not a single value");
    yaml_fails(f, "models:\n  - just-a-name\n", "2: models[0] must be a mapping (name, model, mmproj)");
    yaml_fails(f, "- a\n- b\n", "1: a plan must be a mapping");
    yaml_fails(f, "models:\n  - {name: a, model: {x: 1}, mmproj: b}\n",
               "2: models[0].model must be a string, not a mapping");
}

static void test_model_mistakes(void **state) {
    struct fixture *f = *state;
    yaml_fails(f, "models:\n  - model: a.gguf\n    mmproj: b.gguf\n", "2: missing 'name' in models[0]");
    yaml_fails(f, "models:\n  - {name: a, mmproj: b}\n", "2: missing 'model' in models[0]");
    yaml_fails(f, "models:\n  - {name: 'a b', model: a, mmproj: b}\n",
               "2: models[0]: model name 'a b' may hold only letters, digits and . _ - :");
    yaml_fails(f,
               "models:\n"
               "  - {name: same, model: a, mmproj: b}\n"
               "  - {name: other, model: a, mmproj: b}\n"
               "  - {name: same, model: c, mmproj: d}\n",
               "4: duplicate model name 'same' (models[0] has it too)");
    yaml_fails(f, "db: a.db\nsuites: [x]\ndb: b.db\n", "3: key 'db' given twice in the plan");
}

static void test_syntax_error_has_line_and_column(void **state) {
    struct fixture *f = *state;
    yaml_fails(f, "db: a.db\nsuites: [a.jsonl\nmodels: []\n", "");
    assert_non_null(strstr(f->err, "YAML syntax error: "));
    assert_non_null(strstr(f->err, "plan.yaml:3:"));
    yaml_fails(f, "db: a\n  bad: indent: here\n", "2:");
    assert_non_null(strstr(f->err, "YAML syntax error: mapping values are not allowed"));
    yaml_fails(f, "settings:\n\t- tab\n", "2:1: YAML syntax error: ");
    yaml_fails(f, "db: \xff\xfe\n", "");
    assert_non_null(strstr(f->err, "cannot read YAML: invalid"));
}

static void test_empty_and_missing_files(void **state) {
    struct fixture *f = *state;
    yaml_fails(f, "", " the plan is empty");
    yaml_fails(f, "# only a comment\n", " the plan is empty");
    assert_null(vlm_plan_load("/nonexistent/plan.yaml", f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "cannot open plan '/nonexistent/plan.yaml': No such file"));
    assert_null(vlm_plan_load(f->dir, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "': Is a directory"));
}

/* ------------------------------------------------------------ -m specs */

static void test_model_spec(void **state) {
    vlm_plan *p = vlm_plan_new();
    char err[512] = "";
    vlm_plan_defaults(p)->sampling.max_tokens = 17;
    assert_int_equal(vlm_plan_add_model_spec(p, "tiny=f/model.gguf,mmproj=f/mmproj.gguf", err, sizeof err), VLM_OK);
    assert_int_equal(
        vlm_plan_add_model_spec(
            p, "big.Q4_K-M:v2=/m/big.gguf,mmproj=/m/mm.gguf,template=chatml,ngl=0,ctx=8192,temp=0.7", err, sizeof err),
        VLM_OK);
    assert_int_equal(vlm_plan_n_models(p), 2);
    struct vlm_model_spec *m = vlm_plan_model(p, 0);
    assert_string_equal(m->name, "tiny");
    assert_string_equal(m->engine.model_path, "f/model.gguf");
    assert_string_equal(m->engine.mmproj_path, "f/mmproj.gguf");
    assert_null(m->engine.chat_template);
    assert_int_equal(m->engine.sampling.max_tokens, 17);
    assert_int_equal(m->engine.n_gpu_layers, vlm_engine_default_params().n_gpu_layers);
    m = vlm_plan_model(p, 1);
    assert_string_equal(m->name, "big.Q4_K-M:v2");
    assert_string_equal(m->engine.model_path, "/m/big.gguf");
    assert_string_equal(m->engine.mmproj_path, "/m/mm.gguf");
    assert_string_equal(m->engine.chat_template, "chatml");
    assert_int_equal(m->engine.n_gpu_layers, 0);
    assert_int_equal(m->engine.n_ctx, 8192);
    assert_float_eq(m->engine.sampling.temp, 0.7f);
    assert_int_equal(vlm_plan_add_suite(p, "s.jsonl"), VLM_OK);
    assert_int_equal(vlm_plan_add_suite(p, ""), VLM_ERR_INPUT);
    assert_string_equal(vlm_plan_suite(p, 0), "s.jsonl");
    assert_null(vlm_plan_db(p));
    vlm_plan_free(p);
}

static void spec_fails(vlm_plan *p, const char *spec, const char *want);

/* A model with variants: NAME:TYPE models with the reference's settings, files
 * given or named beside the reference's model (made when the run starts). */
static void test_variants(void **state) {
    vlm_plan *p = vlm_plan_new();
    char err[512] = "";
    assert_int_equal(vlm_plan_add_model_spec(p,
                                             "q=/m/Qwen-F16.gguf,mmproj=/m/mm.gguf,ctx=2048,variant=q8_0,"
                                             "variant=q4_k_m:/o/q4.gguf,variant=q2_k:/o/q2.gguf:/o/mm-q8.gguf",
                                             err, sizeof err),
                     VLM_OK);
    assert_int_equal(vlm_plan_n_models(p), 4);
    struct vlm_model_spec *r = vlm_plan_model(p, 0), *v;
    assert_string_equal(r->family, "q");
    assert_string_equal(r->variant, "reference"); /* /m/Qwen-F16.gguf cannot be read here */
    v = vlm_plan_model(p, 1);
    assert_string_equal(v->name, "q:q8_0");
    assert_string_equal(v->family, "q");
    assert_string_equal(v->variant, "q8_0");
    assert_string_equal(v->engine.model_path, "/m/Qwen-Q8_0.gguf");
    assert_string_equal(v->quantize_from, "/m/Qwen-F16.gguf");
    assert_string_equal(v->engine.mmproj_path, "/m/mm.gguf");
    assert_int_equal(v->engine.n_ctx, 2048); /* the reference's settings */
    v = vlm_plan_model(p, 2);
    assert_string_equal(v->engine.model_path, "/o/q4.gguf");
    assert_null(v->quantize_from);
    v = vlm_plan_model(p, 3);
    assert_string_equal(v->name, "q:q2_k");
    assert_string_equal(v->engine.mmproj_path, "/o/mm-q8.gguf");
    spec_fails(p, "x=a.gguf,mmproj=b.gguf,variant=q9_9", "unknown variant type 'q9_9' (known: f32, f16,");
    spec_fails(p, "x=a.gguf,mmproj=b.gguf,variant=q8_0,variant=q8_0", "variant q8_0 given twice");
    spec_fails(p, "x=a.gguf,mmproj=b.gguf,variant=q8_0::", "expected TYPE[:MODEL.gguf[:MMPROJ.gguf]]");
    spec_fails(p, "x=http://h/v1,model=m,variant=q8_0", "a remote model has no variants");
    vlm_plan_free(p);

    char *dir = test_tmpdir();
    char *path = test_write_file(
        dir, "plan.yaml",
        "models:\n"
        "  - name: g\n    model: g.gguf\n    mmproj: mm.gguf\n    variants: [q8_0, q4_0]\n"
        "  - name: h\n    model: h.gguf\n    mmproj: mm.gguf\n"
        "    variants:\n      q4_k_m: h4.gguf\n      q2_k: {model: h2.gguf, mmproj: mm2.gguf}\n");
    p = vlm_plan_load(path, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(vlm_plan_n_models(p), 6);
    assert_string_equal(vlm_plan_model(p, 1)->name, "g:q8_0");
    assert_true(strstr(vlm_plan_model(p, 2)->engine.model_path, "/g-Q4_0.gguf") != NULL);
    assert_string_equal(vlm_plan_model(p, 4)->name, "h:q4_k_m");
    assert_true(strstr(vlm_plan_model(p, 4)->engine.model_path, "/h4.gguf") != NULL);
    assert_true(strstr(vlm_plan_model(p, 5)->engine.mmproj_path, "/mm2.gguf") != NULL);
    assert_string_equal(vlm_plan_model(p, 5)->family, "h");
    vlm_plan_free(p);
    free(path);
    path = test_write_file(dir, "bad.yaml",
                           "models:\n  - name: g\n    model: g.gguf\n    mmproj: m.gguf\n"
                           "    variants: [q8_0, q7]\n");
    assert_null(vlm_plan_load(path, err, sizeof err));
    assert_non_null(strstr(err, "bad.yaml:5: models[0].variants: unknown variant type 'q7'"));
    free(path);
    test_rmdir(dir);
}

static void spec_fails(vlm_plan *p, const char *spec, const char *want) {
    char err[512] = "";
    int before = vlm_plan_n_models(p);
    assert_int_equal(vlm_plan_add_model_spec(p, spec, err, sizeof err), VLM_ERR_INPUT);
    assert_int_equal(vlm_plan_n_models(p), before);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "-m '%s': ", spec);
    if (strncmp(err, prefix, strlen(prefix)) != 0) fail_msg("message '%s' lacks '%s'", err, prefix);
    if (!strstr(err, want)) fail_msg("message '%s' lacks '%s'", err, want);
}

static void test_model_spec_mistakes(void **state) {
    vlm_plan *p = vlm_plan_new();
    char err[256];
    assert_int_equal(vlm_plan_add_model_spec(p, "taken=a.gguf,mmproj=b.gguf", err, sizeof err), VLM_OK);
    spec_fails(p, "model.gguf", "expected NAME=MODEL.gguf,mmproj=MMPROJ.gguf");
    spec_fails(p, "=a.gguf,mmproj=b.gguf", "missing model name");
    spec_fails(p, "my model=a.gguf,mmproj=b.gguf", "model name 'my model' may hold only letters, digits and . _ - :");
    spec_fails(p, "n/a=a.gguf,mmproj=b.gguf", "model name 'n/a' may hold only");
    spec_fails(p, "x=", "missing model path after 'x='");
    spec_fails(p, "x=,mmproj=b.gguf", "missing model path after 'x='");
    spec_fails(p, "x=mmproj=b.gguf", "missing model path after 'x='");
    spec_fails(p, "x=a.gguf,vision=maybe", "vision must be true or false, not 'maybe'");
    spec_fails(p, "x=a.gguf,mmproj=", "mmproj= needs a file path");
    spec_fails(p, "x=a.gguf,mmproj=b,ngl=lots", "ngl must be an integer >= -1, not 'lots'");
    spec_fails(p, "x=a.gguf,mmproj=b,ctx=", "ctx must be an integer >= 16, not ''");
    spec_fails(p, "x=a.gguf,mmproj=b,gpu=1", "unknown option 'gpu' (known: mmproj, variant, images, max_tokens, ctx,");
    spec_fails(p, "x=a.gguf,mmproj=b,template", "option 'template' needs a value (KEY=VALUE)");
    spec_fails(p, "x=a.gguf,mmproj=b,mmproj=c", "mmproj given twice");
    spec_fails(p, "x=a.gguf,mmproj=b,ctx=100,ctx=200", "ctx given twice");
    { /* a bit per key: the settings late in the table and the model keys never share one (max_side and
       * images, processor and mmproj, derive_image_tokens and key_env once did) */
        vlm_plan *q = vlm_plan_new();
        char e2[256] = "";
        assert_int_equal(vlm_plan_add_model_spec(q,
                                                 "r=http://h/v1,model=m,max_side=512,images=http://i/v1,key_env=K,"
                                                 "derive_image_tokens=false,processor={}",
                                                 e2, sizeof e2),
                         VLM_OK);
        assert_true(vlm_plan_model(q, 0)->engine.remote.no_token_twins);
        assert_int_equal(vlm_plan_add_model_spec(q, "l=a.gguf,mmproj=b.gguf,prompt_suffix=x", e2, sizeof e2), VLM_OK);
        spec_fails(q, "s=http://h/v1,model=m,derive_image_tokens=0,derive_image_tokens=1",
                   "derive_image_tokens given twice");
        vlm_plan_free(q);
    }
    spec_fails(p, "taken=c.gguf,mmproj=d.gguf", "a model named 'taken' is already in the plan");
    char long_spec[300];
    memset(long_spec, 'n', 200);
    strcpy(long_spec + 200, "=a,mmproj=b");
    spec_fails(p, long_spec, "is longer than 127 characters");
    assert_int_equal(vlm_plan_n_models(p), 1);
    vlm_plan_free(p);
}

static void test_spec_and_yaml_models_share_names(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "models:\n  - {name: a, model: a.gguf, mmproj: b.gguf}\n");
    if (!p) fail_msg("%s", f->err);
    spec_fails(p, "a=x.gguf,mmproj=y.gguf", "a model named 'a' is already in the plan");
}

static void test_remote_spec(void **state) {
    vlm_plan *p = vlm_plan_new();
    char err[512] = "";
    assert_int_equal(vlm_plan_add_model_spec(p,
                                             "api=https://h1/v1,model=qwen-vl,key_env=MY_KEY,"
                                             "url=http://h2:8000/v1,timeout=30,retries=5,temp=0.5",
                                             err, sizeof err),
                     VLM_OK);
    const struct vlm_engine_params *e = &vlm_plan_model(p, 0)->engine;
    assert_int_equal(e->remote.n_urls, 2);
    assert_string_equal(e->remote.urls[0], "https://h1/v1");
    assert_string_equal(e->remote.urls[1], "http://h2:8000/v1");
    assert_string_equal(e->remote.model_id, "qwen-vl");
    assert_string_equal(e->remote.key_env, "MY_KEY");
    assert_true(e->remote.timeout_s == 30.0);
    assert_int_equal(e->remote.max_retries, 5);
    assert_null(e->mmproj_path);
    spec_fails(p, "x=http://h/v1", "missing model=ID");
    spec_fails(p, "x=http://h/v1,model=m,mmproj=b", "unknown option 'mmproj' (known: model, key_env, url,");
    spec_fails(p, "x=http://h/v1,model=m,url=ftp://h", "url 'ftp://h' must start with http:// or https://");
    spec_fails(p, "x=http://h/v1,model=m,model=n", "model given twice");
    spec_fails(p, "x=http://h/v1,model=m,timeout=0", "timeout must be a number from");
    spec_fails(p, "x=a.gguf,mmproj=b,key_env=K", "unknown option 'key_env'");
    vlm_plan_free(p);
}

static void test_remote_yaml(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "models:\n  - name: r\n    urls: [http://a/v1, http://b/v1]\n"
                               "    model_id: m\n    key_env: K\n    settings: {timeout: 5}\n");
    if (!p) fail_msg("%s", f->err);
    const struct vlm_engine_params *e = &vlm_plan_model(p, 0)->engine;
    assert_int_equal(e->remote.n_urls, 2);
    assert_string_equal(e->remote.urls[1], "http://b/v1");
    assert_string_equal(e->remote.model_id, "m");
    assert_string_equal(e->remote.key_env, "K");
    assert_true(e->remote.timeout_s == 5.0);
    yaml_fails(f, "models:\n  - {name: r, url: http://a/v1}\n", "2: missing 'model_id' in models[0]");
    yaml_fails(f, "models:\n  - {name: r, url: http://a/v1, model_id: m, mmproj: x}\n",
               "2: models[0]: a remote model (url) takes model_id, not model/mmproj");
}

/* Credentials in a URL are refused (they would be stored with the settings and
 * shown in messages): a user:password@ part, a secret query parameter (any case),
 * in every place a URL is given; the message hides them and names key_env.
 * A query without secrets (Azure's api-version) is kept. */
static void test_url_credentials_refused(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = vlm_plan_new();
    const char *specs[] = {"x=http://bob:PW1@h/v1,model=m", "x=http://h/v1,model=m,url=https://tok-PW1@h2/v1",
                           "x=http://h/v1,model=m,metrics=http://h:PW1@h/metrics",
                           "x=http://h/v1,model=m,images=http://u:PW1@h/v1"};
    for (int i = 0; i < 4; i++) {
        char err[1024] = "";
        assert_int_equal(vlm_plan_add_model_spec(p, specs[i], err, sizeof err), VLM_ERR_INPUT);
        if (strstr(err, "PW1") || !strstr(err, "***@h") || !strstr(err, "carries a password or key") ||
            !strstr(err, "key_env=VAR"))
            fail_msg("spec %d: %s", i, err);
    }
    assert_int_equal(vlm_plan_n_models(p), 0);
    vlm_plan_free(p);
    yaml_fails(f,
               "models:\n  - name: r\n    urls: [http://a/v1, \"http://b/v1?api-version=2&Api_Key=PW2&x=1\"]\n"
               "    model_id: m\n",
               "3: models[0].urls[1]: url 'http://b/v1?api-version=2&Api_Key=***&x=1' carries a password or key");
    yaml_fails(f, "models:\n  - {name: r, url: \"http://a/v1?token=PW2\", model_id: m}\n",
               "2: models[0].url: url 'http://a/v1?token=***' carries a password or key");
    yaml_fails(f, "models:\n  - {name: r, url: http://a/v1, model_id: m, images: \"https://x:PW2@i/v1\"}\n",
               "2: models[0].images 'https://***@i/v1' carries a password or key");
    assert_null(strstr(f->err, "PW2"));
    vlm_plan *ok = load_yaml(f, "models:\n  - {name: r, url: \"https://a.example/v1?api-version=2024-06-01\", "
                                "model_id: m, key_env: AZURE_KEY}\n");
    if (!ok) fail_msg("%s", f->err);
    assert_string_equal(vlm_plan_model(ok, 0)->engine.remote.urls[0], "https://a.example/v1?api-version=2024-06-01");
}

/* ------------------------------------------------------------ sweeps */

static const char sweep_plan[] = "settings: {max_tokens: 16, system: base sys}\n"
                                 "models:\n"
                                 "  - name: q\n"
                                 "    model: q.gguf\n"
                                 "    mmproj: mm.gguf\n"
                                 "    sweep:\n"
                                 "      image_max_tokens: [256, 1024]\n"
                                 "      prompt_suffix: {plain: \"\", zh: \"请用中文回答。\"}\n"
                                 "      temp: [0.5]\n"
                                 "  - name: after\n"
                                 "    model: a.gguf\n";

/* Row i of the sweep is named `name`, has budget `budget` and suffix `suffix`. */
static void assert_row(vlm_plan *p, int i, const char *name, int budget, const char *suffix) {
    struct vlm_model_spec *m = vlm_plan_model(p, i);
    assert_non_null(m);
    assert_string_equal(m->name, name);
    assert_int_equal(m->engine.image_max_tokens, budget);
    if (suffix) assert_string_equal(m->engine.prompt_suffix, suffix);
    else assert_null(m->engine.prompt_suffix);
    assert_float_eq(m->engine.sampling.temp, 0.5f);           /* a one-value key still applies */
    assert_int_equal(m->engine.sampling.max_tokens, 16);      /* the plan's settings stay */
    assert_string_equal(m->engine.system_prompt, "base sys"); /* an unswept text setting stays */
    assert_non_null(strstr(m->engine.model_path, "/q.gguf"));
}

static void test_sweep_rows(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, sweep_plan);
    if (!p) fail_msg("%s", f->err);
    /* 2 budgets x 2 suffixes x 1 temp = 4 rows, the first key slowest, then the plain model after */
    assert_int_equal(vlm_plan_n_models(p), 5);
    assert_row(p, 0, "q@img256+plain+t0.5", 256, NULL);
    assert_row(p, 1, "q@img256+zh+t0.5", 256, "请用中文回答。");
    assert_row(p, 2, "q@img1024+plain+t0.5", 1024, NULL);
    assert_row(p, 3, "q@img1024+zh+t0.5", 1024, "请用中文回答。");
    assert_string_equal(vlm_plan_model(p, 4)->name, "after");
    assert_int_equal(vlm_plan_model(p, 4)->engine.image_max_tokens, 0);
}

static void test_sweep_text_keys_and_tags(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "models:\n"
                               "  - name: r\n"
                               "    url: http://h/v1\n"
                               "    model_id: m\n"
                               "    settings: {prompt_suffix: kept}\n"
                               "    sweep:\n"
                               "      system: {none: \"\", brief: Be brief.}\n"
                               "      max_pixels: [200704]\n"
                               "      seed: [1, 2]\n");
    if (!p) fail_msg("%s", f->err);
    assert_int_equal(vlm_plan_n_models(p), 4);
    const char *want[] = {"r@none+px200704+s1", "r@none+px200704+s2", "r@brief+px200704+s1", "r@brief+px200704+s2"};
    for (int i = 0; i < 4; i++) {
        struct vlm_model_spec *m = vlm_plan_model(p, i);
        assert_string_equal(m->name, want[i]);
        assert_int_equal(m->engine.remote.max_pixels, 200704);
        assert_int_equal(m->engine.sampling.seed, (uint32_t)(i % 2 + 1));
        assert_string_equal(m->engine.prompt_suffix, "kept");
        if (i < 2) assert_null(m->engine.system_prompt); /* an empty text: unset */
        else assert_string_equal(m->engine.system_prompt, "Be brief.");
    }
}

static void test_sweep_mistakes(void **state) {
    struct fixture *f = *state;
    const char *head = "models:\n  - name: q\n    model: q.gguf\n    sweep:\n";
    char yaml[1024];
#define SWEEP_FAILS(body, want)                          \
    do {                                                 \
        snprintf(yaml, sizeof yaml, "%s%s", head, body); \
        yaml_fails(f, yaml, want);                       \
    } while (0)
    SWEEP_FAILS("      ctx: [1024, 2048]\n", "5: unknown key 'ctx' in models[0].sweep (known: image_max_tokens,");
    SWEEP_FAILS("      temp: []\n", "5: models[0].sweep.temp is empty: give at least one value");
    SWEEP_FAILS("      temp: 0.5\n", "5: models[0].sweep.temp must be a list of values, not a single value");
    SWEEP_FAILS("      temp: [0.5, 200]\n", "5: models[0].sweep.temp must be a number from 0 to 100, not '200'");
    SWEEP_FAILS("      system: [a, b]\n", "5: models[0].sweep.system must be a mapping of label to text");
    SWEEP_FAILS("      system: {\"a b\": x}\n", "5: models[0].sweep.system: label 'a b' may hold only");
    SWEEP_FAILS("      seed: [1, 1]\n", "5: models[0].sweep: row 'q@s1' is already a model of the plan");
    SWEEP_FAILS("      {}\n", "5: models[0].sweep is empty: give at least one setting to sweep");
    /* 5 x 5 x 3 = 75 rows > 64 */
    SWEEP_FAILS("      seed: [1, 2, 3, 4, 5]\n      top_k: [1, 2, 3, 4, 5]\n      temp: [0, 0.5, 1]\n",
                "5: models[0].sweep gives 75 rows; at most 64");
    SWEEP_FAILS("      seed: [1]\n    variants: [q8_0]\n", "5: models[0]: give sweep or variants, not both");
#undef SWEEP_FAILS
    /* a row's name clashes with a model given before */
    yaml_fails(f,
               "models:\n  - name: q@s1\n    model: a.gguf\n"
               "  - name: q\n    model: q.gguf\n    sweep: {seed: [1]}\n",
               "6: models[1].sweep: row 'q@s1' is already a model of the plan");
}

/* seeds: N rows per combination that samples (temp > 0), seeds seed0 .. seed0 + N - 1 from the
 * model's seed setting, tagged sK last; a greedy combination (temp 0) stays one row. */
static void test_sweep_seeds(void **state) {
    struct fixture *f = *state;
    vlm_plan *p = load_yaml(f, "settings: {seed: 7}\n"
                               "models:\n"
                               "  - name: q\n"
                               "    model: q.gguf\n"
                               "    sweep:\n"
                               "      temp: [0, 0.7]\n"
                               "      seeds: 3\n"
                               "      top_p: [0.9, 1.0]\n");
    if (!p) fail_msg("%s", f->err);
    /* 2 temps x 2 top_p = 4 combinations: the two at temp 0 one row each, the two at 0.7 three each */
    const char *want[] = {"q@t0+p0.9",      "q@t0+p1.0",      "q@t0.7+p0.9+s7", "q@t0.7+p0.9+s8",
                          "q@t0.7+p0.9+s9", "q@t0.7+p1.0+s7", "q@t0.7+p1.0+s8", "q@t0.7+p1.0+s9"};
    const uint32_t seed[] = {7, 7, 7, 8, 9, 7, 8, 9};
    const float temp[] = {0, 0, 0.7f, 0.7f, 0.7f, 0.7f, 0.7f, 0.7f}, top_p[] = {0.9f, 1, 0.9f, 0.9f, 0.9f, 1, 1, 1};
    assert_int_equal(vlm_plan_n_models(p), 8);
    for (int i = 0; i < 8; i++) {
        struct vlm_model_spec *m = vlm_plan_model(p, i);
        assert_string_equal(m->name, want[i]);
        assert_int_equal(m->engine.sampling.seed, seed[i]);
        assert_float_eq(m->engine.sampling.temp, temp[i]);
        assert_float_eq(m->engine.sampling.top_p, top_p[i]);
    }
    /* seeds alone: the settings' temp samples, so one row per seed from the default seed 42 */
    p = load_yaml(f, "models:\n  - name: q\n    model: q.gguf\n    settings: {temp: 0.5}\n    sweep: {seeds: 2}\n");
    if (!p) fail_msg("%s", f->err);
    assert_int_equal(vlm_plan_n_models(p), 2);
    assert_string_equal(vlm_plan_model(p, 0)->name, "q@s42");
    assert_string_equal(vlm_plan_model(p, 1)->name, "q@s43");
    assert_int_equal(vlm_plan_model(p, 1)->engine.sampling.seed, 43);
    /* seeds alone on a greedy model: the model itself, one row under its own name */
    p = load_yaml(f, "models:\n  - name: q\n    model: q.gguf\n    sweep: {seeds: 4}\n");
    if (!p) fail_msg("%s", f->err);
    assert_int_equal(vlm_plan_n_models(p), 1);
    assert_string_equal(vlm_plan_model(p, 0)->name, "q");
    assert_int_equal(vlm_plan_model(p, 0)->engine.sampling.seed, 42);
    /* the 64-row limit counts seed rows, a greedy combination once: 8 + 8 x 7 = 64 rows pass */
    p = load_yaml(f, "models:\n  - name: q\n    model: q.gguf\n    sweep:\n"
                     "      temp: [0, 0.5]\n      top_k: [1, 2, 3, 4, 5, 6, 7, 8]\n      seeds: 7\n");
    if (!p) fail_msg("%s", f->err);
    assert_int_equal(vlm_plan_n_models(p), 64);
    assert_string_equal(vlm_plan_model(p, 63)->name, "q@t0.5+k8+s48");
}

static void test_sweep_seeds_mistakes(void **state) {
    struct fixture *f = *state;
    const char *head = "models:\n  - name: q\n    model: q.gguf\n    settings: {temp: 0.5, seed: 4294967295}\n"
                       "    sweep:\n";
    char yaml[1024];
#define SEEDS_FAILS(body, want)                          \
    do {                                                 \
        snprintf(yaml, sizeof yaml, "%s%s", head, body); \
        yaml_fails(f, yaml, want);                       \
    } while (0)
    SEEDS_FAILS("      seeds: 1\n", "6: models[0].sweep.seeds must be an integer from 2 to 16, not '1'");
    SEEDS_FAILS("      seeds: 17\n", "6: models[0].sweep.seeds must be an integer from 2 to 16, not '17'");
    SEEDS_FAILS("      seeds: 2.5\n", "6: models[0].sweep.seeds must be an integer from 2 to 16, not '2.5'");
    SEEDS_FAILS("      seeds: [2]\n", "6: models[0].sweep.seeds must be an integer from 2 to 16, not a list");
    SEEDS_FAILS("      top_k: [1]\n      seeds: 2\n      seed: [1, 2]\n",
                "7: models[0].sweep: give seeds (how many) or a seed list, not both");
    /* 8 greedy rows + 8 x 8 seed rows = 72 > 64 */
    SEEDS_FAILS("      temp: [0, 0.5]\n      top_k: [1, 2, 3, 4, 5, 6, 7, 8]\n      seeds: 8\n",
                "6: models[0].sweep gives 72 rows; at most 64");
    /* seed 4294967295 + 1 does not fit a seed */
    SEEDS_FAILS("      seeds: 2\n", "6: models[0].sweep: seeds from seed 4294967295 pass 4294967295");
#undef SEEDS_FAILS
}

/* rpc= takes its servers comma-separated inside a -m spec: the entries without
 * '=' after it are its servers; the next KEY=VALUE ends the list. */
static void test_rpc_spec(void **state) {
    (void)state;
    vlm_plan *p = vlm_plan_new();
    char err[256] = "";
    assert_int_equal(vlm_plan_add_model_spec(p, "a=m.gguf,rpc=10.0.0.2:50052,h3:1,temp=0.5", err, sizeof err), VLM_OK);
    assert_string_equal(vlm_plan_model(p, 0)->engine.rpc_servers, "10.0.0.2:50052,h3:1");
    assert_float_equal(vlm_plan_model(p, 0)->engine.sampling.temp, 0.5, 1e-6);
    assert_int_equal(vlm_plan_add_model_spec(p, "b=m.gguf,rpc=h:7", err, sizeof err), VLM_OK);
    assert_string_equal(vlm_plan_model(p, 1)->engine.rpc_servers, "h:7");
    /* a second rpc= is a key given twice, not more servers */
    assert_int_equal(vlm_plan_add_model_spec(p, "c=m.gguf,rpc=h:1,rpc=h:2", err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "rpc given twice"));
    /* without rpc= before it, a bare entry is still an option without a value */
    assert_int_equal(vlm_plan_add_model_spec(p, "d=m.gguf,temp=0.5,h:1", err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "option 'h:1' needs a value"));
    vlm_plan_free(p);
    char why[200];
    assert_true(rpc_servers_ok("127.0.0.1:50052,host:65535,h:1", why, sizeof why));
    assert_false(rpc_servers_ok("::1:50052", why, sizeof why)); /* llama.cpp splits at the first ':' */
    assert_false(rpc_servers_ok("127.0.0.1:50052,nohost", why, sizeof why));
    assert_string_equal(why, "rpc server 'nohost' must be HOST:PORT (port 1..65535, no IPv6 address)");
    assert_false(rpc_servers_ok("h:0", why, sizeof why));
    assert_false(rpc_servers_ok("h:65536", why, sizeof why));
    assert_false(rpc_servers_ok(":80", why, sizeof why));
    assert_false(rpc_servers_ok("h:1,,h:2", why, sizeof why));
    assert_false(rpc_servers_ok("h:1,", why, sizeof why));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_spec),
        cmocka_unit_test(test_remote_spec),
        cmocka_unit_test_setup_teardown(test_remote_yaml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_credentials_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_after_models_still_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_without_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_only_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_plan_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys_name_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ill_typed_values_name_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_mistakes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error_has_line_and_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_missing_files, setup, teardown),
        cmocka_unit_test(test_model_spec),
        cmocka_unit_test(test_model_spec_mistakes),
        cmocka_unit_test(test_variants),
        cmocka_unit_test_setup_teardown(test_spec_and_yaml_models_share_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_text_keys_and_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_mistakes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_seeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_seeds_mistakes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
