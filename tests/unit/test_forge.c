/*
 * test_forge.c - `forge --shape` and `--type`: the published Qwen3-VL shapes
 * (every dimension below is copied from the models' config.json on the
 * Hugging Face hub, docs/forge.md, not from forge's output), llama-quantize's
 * Q4_K_M / Q8_0 recipe (the layers that get Q6_K worked out by hand from
 * llama.cpp's use_more_bits rule), the predicted file sizes against the
 * published GGUF files, and a written quantized file read back.
 */
#include "testutil.h"

#include "forge_impl.h"

#include <math.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- helpers */

static struct vlm_forge_params shape_params(const char *arch, const char *shape, enum vlm_forge_type type) {
    struct vlm_forge_params p = vlm_forge_default_params();
    p.arch = arch;
    p.shape = shape;
    p.type = type;
    p.vocab_dir = VLM_VOCAB_DIR;
    return p;
}

static void describe(const struct vlm_forge_params *p, bool is_proj, struct forge_out *o) {
    char err[512] = "";
    int rc = forge_describe(p, is_proj, o, err, sizeof err);
    if (rc != VLM_OK) fprintf(stderr, "forge_describe: %s\n", err);
    assert_int_equal(rc, VLM_OK);
}

/* The declared tensor called `name`, or NULL. */
static const struct ggml_tensor *tensor(const struct forge_out *o, const char *name) {
    for (int i = 0; i < o->n_specs; i++)
        if (strcmp(ggml_get_name(o->specs[i].t), name) == 0) return o->specs[i].t;
    return NULL;
}

/* Tensor `name` exists with shape ne (0-terminated) and type `type`. */
static void expect_tensor(const struct forge_out *o, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                          enum ggml_type type) {
    const struct ggml_tensor *t = tensor(o, name);
    if (!t) fprintf(stderr, "missing tensor %s\n", name);
    assert_non_null(t);
    const int64_t want[3] = {ne0, ne1 ? ne1 : 1, ne2 ? ne2 : 1};
    for (int d = 0; d < 3; d++) {
        if (t->ne[d] != want[d])
            fprintf(stderr, "%s ne[%d] = %lld, want %lld\n", name, d, (long long)t->ne[d], (long long)want[d]);
        assert_int_equal(t->ne[d], want[d]);
    }
    if (t->type != type) fprintf(stderr, "%s: %s, want %s\n", name, ggml_type_name(t->type), ggml_type_name(type));
    assert_int_equal(t->type, type);
}

static uint32_t key_u32(const struct forge_out *o, const char *key) {
    const int64_t k = gguf_find_key(o->gguf, key);
    if (k < 0) fprintf(stderr, "missing key %s\n", key);
    assert_true(k >= 0);
    return gguf_get_val_u32(o->gguf, k);
}

static int count_prefix(const struct forge_out *o, const char *fmt, int max) {
    int n = 0;
    char name[96];
    for (int i = 0; i < max; i++) {
        snprintf(name, sizeof name, fmt, i);
        if (tensor(o, name)) n++;
    }
    return n;
}

/* ------------------------------------------------------- parameter counts */

/* The LM's parameters from config.json by hand: embedding (and a separate
 * lm_head unless tie_word_embeddings), per layer Q/K/V/O, Q/K norms of head_dim,
 * two RMS norms, and the FFN (dense SwiGLU, or router + experts), plus the
 * output norm. */
static uint64_t lm_params(uint64_t hidden, uint64_t layers, uint64_t heads, uint64_t kv, uint64_t head_dim,
                          uint64_t ffn, uint64_t experts, uint64_t ffn_exp, uint64_t vocab, bool tied) {
    const uint64_t attn = 2 * hidden * heads * head_dim + 2 * hidden * kv * head_dim + 2 * head_dim + 2 * hidden;
    const uint64_t mlp = experts ? hidden * experts + 3 * hidden * ffn_exp * experts : 3 * hidden * ffn;
    return vocab * hidden * (tied ? 1 : 2) + layers * (attn + mlp) + hidden;
}

static void test_shape_params(void **state) {
    (void)state;
    struct {
        const char *arch, *shape;
        uint64_t want;
    } cases[] = {
        /* Qwen3-VL-4B-Instruct: hidden_size 2560, 36 layers, 32 heads, 8 KV
         * heads, head_dim 128, intermediate_size 9728, tied: 4,022,468,096 */
        {"qwen3vl", "qwen3-vl-4b", lm_params(2560, 36, 32, 8, 128, 9728, 0, 0, 151936, true)},
        /* Qwen3-VL-8B-Instruct: 4096, 36, 32, 8, 128, 12288, untied */
        {"qwen3vl", "qwen3-vl-8b", lm_params(4096, 36, 32, 8, 128, 12288, 0, 0, 151936, false)},
        /* Qwen3-VL-30B-A3B-Instruct: 2048, 48 layers, 32 heads, 4 KV heads, 128
         * experts of moe_intermediate_size 768, untied */
        {"qwen3vlmoe", "qwen3-vl-30b-a3b", lm_params(2048, 48, 32, 4, 128, 0, 128, 768, 151936, false)},
    };
    assert_int_equal(cases[0].want, 4022468096ull); /* the formula itself, worked out on paper */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vlm_forge_params p = shape_params(cases[i].arch, cases[i].shape, VLM_FORGE_F16);
        struct vlm_forge_sizes sz;
        char err[512];
        assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_OK);
        assert_int_equal(sz.lm_params, cases[i].want);
        /* F16: two bytes a weight, plus the metadata (~6 MB, the vocabulary) and
         * two more bytes for F32 weights: norms, and the MoE router (48 x 2048 x
         * 128 x 2 = 25 MB) */
        assert_true(sz.model_bytes > 2 * cases[i].want && sz.model_bytes < 2 * cases[i].want + 40000000);
    }
}

/* ------------------------------------------------------------ the 8B LM */

/* llama.cpp's use_more_bits for 36 layers: i < 4, i >= 31, (i - 4) % 3 == 2. */
static const int MORE_BITS_36[] = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 31, 32, 33, 34, 35};
/* and for 48: i < 6, i >= 42, (i - 6) % 3 == 2 */
static const int MORE_BITS_48[] = {0,  1,  2,  3,  4,  5,  8,  11, 14, 17, 20, 23,
                                   26, 29, 32, 35, 38, 41, 42, 43, 44, 45, 46, 47};

static bool in(const int *set, size_t n, int v) {
    for (size_t i = 0; i < n; i++)
        if (set[i] == v) return true;
    return false;
}

static void test_shape_8b_lm_q4_k_m(void **state) {
    (void)state;
    struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-8b", VLM_FORGE_Q4_K_M);
    struct forge_out o;
    describe(&p, false, &o);
    assert_int_equal(key_u32(&o, "qwen3vl.block_count"), 36);
    assert_int_equal(key_u32(&o, "qwen3vl.embedding_length"), 4096);
    assert_int_equal(key_u32(&o, "qwen3vl.feed_forward_length"), 12288);
    assert_int_equal(key_u32(&o, "qwen3vl.attention.head_count"), 32);
    assert_int_equal(key_u32(&o, "qwen3vl.attention.head_count_kv"), 8);
    assert_int_equal(key_u32(&o, "qwen3vl.attention.key_length"), 128);
    assert_int_equal(key_u32(&o, "qwen3vl.context_length"), 262144);
    assert_int_equal(key_u32(&o, "qwen3vl.n_deepstack_layers"), 3);
    assert_int_equal(key_u32(&o, "qwen3vl.vocab_size"), 151936);
    assert_int_equal(key_u32(&o, "general.file_type"), 15); /* LLAMA_FTYPE_MOSTLY_Q4_K_M */
    const int64_t sk = gguf_find_key(o.gguf, "qwen3vl.rope.dimension_sections");
    assert_true(sk >= 0);
    const int32_t *sec = gguf_get_arr_data(o.gguf, sk);
    assert_int_equal(sec[0], 24);
    assert_int_equal(sec[1], 20);
    assert_int_equal(sec[2], 20);

    /* embedding at the file's base type, the lm_head Q6_K */
    expect_tensor(&o, "token_embd.weight", 4096, 151936, 0, GGML_TYPE_Q4_K);
    expect_tensor(&o, "output.weight", 4096, 151936, 0, GGML_TYPE_Q6_K);
    expect_tensor(&o, "output_norm.weight", 4096, 0, 0, GGML_TYPE_F32);
    assert_int_equal(count_prefix(&o, "blk.%d.attn_q.weight", 40), 36);
    char name[64];
    for (int i = 0; i < 36; i++) {
        const enum ggml_type more = in(MORE_BITS_36, 18, i) ? GGML_TYPE_Q6_K : GGML_TYPE_Q4_K;
        snprintf(name, sizeof name, "blk.%d.attn_q.weight", i);
        expect_tensor(&o, name, 4096, 32 * 128, 0, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.attn_k.weight", i);
        expect_tensor(&o, name, 4096, 8 * 128, 0, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.attn_v.weight", i);
        expect_tensor(&o, name, 4096, 8 * 128, 0, more);
        snprintf(name, sizeof name, "blk.%d.attn_output.weight", i);
        expect_tensor(&o, name, 32 * 128, 4096, 0, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.attn_q_norm.weight", i);
        expect_tensor(&o, name, 128, 0, 0, GGML_TYPE_F32);
        snprintf(name, sizeof name, "blk.%d.ffn_gate.weight", i);
        expect_tensor(&o, name, 4096, 12288, 0, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.ffn_up.weight", i);
        expect_tensor(&o, name, 4096, 12288, 0, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.ffn_down.weight", i);
        expect_tensor(&o, name, 12288, 4096, 0, more);
        snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", i);
        expect_tensor(&o, name, 4096, 0, 0, GGML_TYPE_F32);
    }
    forge_out_free(&o);
}

/* Q8_0: every matrix Q8_0, the lm_head too; F16: every matrix F16. */
static void test_shape_8b_lm_q8_0_and_f16(void **state) {
    (void)state;
    const enum vlm_forge_type types[2] = {VLM_FORGE_Q8_0, VLM_FORGE_F16};
    const enum ggml_type want[2] = {GGML_TYPE_Q8_0, GGML_TYPE_F16};
    for (int k = 0; k < 2; k++) {
        struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-8b", types[k]);
        struct forge_out o;
        describe(&p, false, &o);
        assert_int_equal(key_u32(&o, "general.file_type"), k == 0 ? 7 : 1);
        expect_tensor(&o, "token_embd.weight", 4096, 151936, 0, want[k]);
        expect_tensor(&o, "output.weight", 4096, 151936, 0, want[k]);
        expect_tensor(&o, "blk.0.attn_v.weight", 4096, 1024, 0, want[k]);
        expect_tensor(&o, "blk.35.ffn_down.weight", 12288, 4096, 0, want[k]);
        expect_tensor(&o, "blk.35.attn_norm.weight", 4096, 0, 0, GGML_TYPE_F32);
        forge_out_free(&o);
    }
}

/* ------------------------------------------------------------ the 4B LM */

/* tie_word_embeddings: no output.weight; llama-quantize then gives the
 * embedding the lm_head's type (Q6_K at Q4_K_M). */
static void test_shape_4b_tied(void **state) {
    (void)state;
    struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-4b", VLM_FORGE_Q4_K_M);
    struct forge_out o;
    describe(&p, false, &o);
    assert_null(tensor(&o, "output.weight"));
    expect_tensor(&o, "token_embd.weight", 2560, 151936, 0, GGML_TYPE_Q6_K);
    expect_tensor(&o, "blk.0.attn_q.weight", 2560, 4096, 0, GGML_TYPE_Q4_K);
    expect_tensor(&o, "blk.4.attn_v.weight", 2560, 1024, 0, GGML_TYPE_Q4_K);
    expect_tensor(&o, "blk.6.attn_v.weight", 2560, 1024, 0, GGML_TYPE_Q6_K);
    expect_tensor(&o, "blk.5.ffn_down.weight", 9728, 2560, 0, GGML_TYPE_Q4_K);
    expect_tensor(&o, "blk.35.ffn_down.weight", 9728, 2560, 0, GGML_TYPE_Q6_K);
    expect_tensor(&o, "blk.35.ffn_up.weight", 2560, 9728, 0, GGML_TYPE_Q4_K);
    assert_int_equal(count_prefix(&o, "blk.%d.attn_norm.weight", 40), 36);
    forge_out_free(&o);
}

/* ---------------------------------------------------------- the 30B-A3B LM */

static void test_shape_30b_moe(void **state) {
    (void)state;
    struct vlm_forge_params p = shape_params("qwen3vlmoe", "qwen3-vl-30b-a3b", VLM_FORGE_Q4_K_M);
    struct forge_out o;
    describe(&p, false, &o);
    assert_int_equal(key_u32(&o, "qwen3vlmoe.block_count"), 48);
    assert_int_equal(key_u32(&o, "qwen3vlmoe.embedding_length"), 2048);
    assert_int_equal(key_u32(&o, "qwen3vlmoe.attention.head_count_kv"), 4);
    assert_int_equal(key_u32(&o, "qwen3vlmoe.expert_count"), 128);
    assert_int_equal(key_u32(&o, "qwen3vlmoe.expert_used_count"), 8);
    assert_int_equal(key_u32(&o, "qwen3vlmoe.expert_feed_forward_length"), 768);
    expect_tensor(&o, "output.weight", 2048, 151936, 0, GGML_TYPE_Q6_K);
    char name[64];
    for (int i = 0; i < 48; i++) {
        const enum ggml_type more = in(MORE_BITS_48, 24, i) ? GGML_TYPE_Q6_K : GGML_TYPE_Q4_K;
        snprintf(name, sizeof name, "blk.%d.attn_k.weight", i);
        expect_tensor(&o, name, 2048, 4 * 128, 0, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.attn_v.weight", i);
        expect_tensor(&o, name, 2048, 4 * 128, 0, more);
        snprintf(name, sizeof name, "blk.%d.ffn_gate_inp.weight", i);
        expect_tensor(&o, name, 2048, 128, 0, GGML_TYPE_F32); /* the router stays F32 */
        snprintf(name, sizeof name, "blk.%d.ffn_gate_exps.weight", i);
        expect_tensor(&o, name, 2048, 768, 128, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.ffn_up_exps.weight", i);
        expect_tensor(&o, name, 2048, 768, 128, GGML_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.ffn_down_exps.weight", i);
        expect_tensor(&o, name, 768, 2048, 128, more);
    }
    forge_out_free(&o);
}

/* ------------------------------------------------------------ the towers */

/* Qwen3-VL-8B's vision_config: depth 27, hidden_size 1152, intermediate_size
 * 4304, num_heads 16, patch_size 16, num_position_embeddings 2304,
 * deepstack_visual_indexes [8, 16, 24], out_hidden_size 4096; the 2x2 merger
 * takes 4 x 1152 = 4608 values. The projector stays F16 at any --type. */
static void test_shape_8b_mmproj(void **state) {
    (void)state;
    struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-8b", VLM_FORGE_Q4_K_M);
    struct forge_out o;
    describe(&p, true, &o);
    assert_int_equal(key_u32(&o, "clip.vision.block_count"), 27);
    assert_int_equal(key_u32(&o, "clip.vision.embedding_length"), 1152);
    assert_int_equal(key_u32(&o, "clip.vision.feed_forward_length"), 4304);
    assert_int_equal(key_u32(&o, "clip.vision.attention.head_count"), 16);
    assert_int_equal(key_u32(&o, "clip.vision.patch_size"), 16);
    assert_int_equal(key_u32(&o, "clip.vision.projection_dim"), 4096);
    assert_int_equal(key_u32(&o, "general.file_type"), 1);
    const int64_t dk = gguf_find_key(o.gguf, "clip.vision.is_deepstack_layers");
    assert_true(dk >= 0);
    assert_int_equal(gguf_get_arr_n(o.gguf, dk), 27);
    const bool *ds = gguf_get_arr_data(o.gguf, dk);
    for (int i = 0; i < 27; i++) assert_int_equal(ds[i], i == 8 || i == 16 || i == 24);
    assert_int_equal(count_prefix(&o, "v.blk.%d.attn_qkv.weight", 40), 27);
    expect_tensor(&o, "v.blk.26.attn_qkv.weight", 1152, 3 * 1152, 0, GGML_TYPE_F16);
    expect_tensor(&o, "v.blk.0.ffn_up.weight", 1152, 4304, 0, GGML_TYPE_F16);
    expect_tensor(&o, "v.blk.0.ffn_down.weight", 4304, 1152, 0, GGML_TYPE_F16);
    expect_tensor(&o, "v.position_embd.weight", 1152, 2304, 0, GGML_TYPE_F32);
    expect_tensor(&o, "mm.0.weight", 4608, 4608, 0, GGML_TYPE_F16);
    expect_tensor(&o, "mm.2.weight", 4608, 4096, 0, GGML_TYPE_F16);
    expect_tensor(&o, "v.deepstack.16.fc2.weight", 4608, 4096, 0, GGML_TYPE_F16);
    assert_null(tensor(&o, "v.deepstack.5.fc2.weight"));
    const struct ggml_tensor *pe = tensor(&o, "v.patch_embd.weight");
    assert_non_null(pe);
    assert_int_equal(pe->ne[0], 16);
    assert_int_equal(pe->ne[2], 3);
    assert_int_equal(pe->ne[3], 1152);
    forge_out_free(&o);
}

/* Qwen3-VL-4B's tower: depth 24, width 1024, FFN 4096, deepstack 5, 11, 17,
 * out_hidden_size 2560. */
static void test_shape_4b_mmproj(void **state) {
    (void)state;
    struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-4b", VLM_FORGE_F16);
    struct forge_out o;
    describe(&p, true, &o);
    assert_int_equal(count_prefix(&o, "v.blk.%d.attn_qkv.weight", 40), 24);
    expect_tensor(&o, "v.blk.0.ffn_up.weight", 1024, 4096, 0, GGML_TYPE_F16);
    expect_tensor(&o, "mm.2.weight", 4096, 2560, 0, GGML_TYPE_F16);
    expect_tensor(&o, "v.deepstack.17.fc1.weight", 4096, 4096, 0, GGML_TYPE_F16);
    expect_tensor(&o, "v.deepstack.5.fc2.weight", 4096, 2560, 0, GGML_TYPE_F16);
    forge_out_free(&o);
}

/* --layers 2 keeps the first two blocks of each, at their full widths. */
static void test_layers_cut(void **state) {
    (void)state;
    struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-8b", VLM_FORGE_Q4_K_M);
    p.n_layers = 2;
    struct forge_out o;
    describe(&p, false, &o);
    assert_int_equal(key_u32(&o, "qwen3vl.block_count"), 2);
    assert_int_equal(count_prefix(&o, "blk.%d.attn_q.weight", 40), 2);
    /* the recipe counts the kept layers: for 2, 7 * 2 / 8 = 1, so layer 1 is the
     * "last eighth" and gets Q6_K, layer 0 none of the three rules */
    expect_tensor(&o, "blk.0.ffn_down.weight", 12288, 4096, 0, GGML_TYPE_Q4_K);
    expect_tensor(&o, "blk.1.ffn_down.weight", 12288, 4096, 0, GGML_TYPE_Q6_K);
    forge_out_free(&o);
    describe(&p, true, &o);
    assert_int_equal(count_prefix(&o, "v.blk.%d.attn_qkv.weight", 40), 2);
    expect_tensor(&o, "v.blk.1.ffn_up.weight", 1152, 4304, 0, GGML_TYPE_F16);
    assert_null(tensor(&o, "v.deepstack.8.fc1.weight")); /* beyond the kept layers */
    forge_out_free(&o);
}

/* --------------------------------------------------------- bad requests */

static void test_bad_requests(void **state) {
    (void)state;
    char err[512];
    struct vlm_forge_sizes sz;
    struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-9b", VLM_FORGE_F16);
    assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "unknown shape 'qwen3-vl-9b'"));
    p = shape_params("qwen3vl", "qwen3-vl-30b-a3b", VLM_FORGE_F16);
    assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "is a qwen3vlmoe model, not qwen3vl"));
    p = shape_params("qwen3vl", "qwen3-vl-8b", VLM_FORGE_F16);
    p.n_layers = 37;
    assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "has 1 to 36"));
    p = shape_params("qwen3vl", NULL, VLM_FORGE_F16);
    p.n_layers = 1;
    assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "needs a shape"));
    p = shape_params("qwen3vl", "qwen3-vl-8b", (enum vlm_forge_type)7);
    assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_ERR_INPUT);
    enum vlm_forge_type t = VLM_FORGE_F16;
    assert_true(vlm_forge_type_parse("q4_k_m", &t));
    assert_int_equal(t, VLM_FORGE_Q4_K_M);
    assert_false(vlm_forge_type_parse("Q4_K_M", &t));
    assert_false(vlm_forge_type_parse("q4_0", &t));
}

/* ------------------------------------------------------ published sizes */

/* Qwen/Qwen3-VL-8B-Instruct-GGUF publishes Qwen3VL-8B-Instruct-F16.gguf 16.4 GB,
 * -Q8_0.gguf 8.71 GB and -Q4_K_M.gguf 5.03 GB (the hub's decimal GB, three
 * digits): the forged files must be within 1% (the issue asks 3%). */
static void test_published_sizes_8b(void **state) {
    (void)state;
    const double published[3] = {16.4e9, 8.71e9, 5.03e9};
    for (int t = 0; t < 3; t++) {
        struct vlm_forge_params p = shape_params("qwen3vl", "qwen3-vl-8b", (enum vlm_forge_type)t);
        struct vlm_forge_sizes sz;
        char err[512];
        assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_OK);
        const double ratio = (double)sz.model_bytes / published[t];
        if (fabs(ratio - 1) > 0.01) fprintf(stderr, "type %d: %llu bytes\n", t, (unsigned long long)sz.model_bytes);
        assert_true(fabs(ratio - 1) <= 0.01);
    }
}

/* ------------------------------------------------------ a written file */

/* A whole-file read of path: the gguf context and its tensors with data. */
static struct gguf_context *read_gguf(const char *path, struct ggml_context **ctx) {
    struct gguf_init_params ip = {.no_alloc = false, .ctx = ctx};
    struct gguf_context *g = gguf_init_from_file(path, ip);
    assert_non_null(g);
    return g;
}

static void to_f32(const struct ggml_tensor *t, float *out, int64_t n) {
    if (t->type == GGML_TYPE_F32) memcpy(out, t->data, (size_t)n * sizeof *out);
    else ggml_get_type_traits(t->type)->to_float(t->data, out, n);
}

/* Relative RMS difference between tensor `name` of a (any type) and b (F16). */
static double rel_rms(struct ggml_context *a, struct ggml_context *b, const char *name) {
    const struct ggml_tensor *ta = ggml_get_tensor(a, name), *tb = ggml_get_tensor(b, name);
    assert_non_null(ta);
    assert_non_null(tb);
    const int64_t n = ggml_nelements(tb);
    assert_int_equal(ggml_nelements(ta), n);
    float *fa = malloc((size_t)n * sizeof *fa), *fb = malloc((size_t)n * sizeof *fb);
    to_f32(ta, fa, n);
    to_f32(tb, fb, n);
    double d = 0, s = 0;
    for (int64_t i = 0; i < n; i++) {
        d += (double)(fa[i] - fb[i]) * (fa[i] - fb[i]);
        s += (double)fb[i] * fb[i];
    }
    free(fa);
    free(fb);
    return sqrt(d / s);
}

/* tiny qwen3vl at Q4_K_M: rows of 64 are not whole Q4_K / Q6_K blocks (256),
 * so those tensors fall back to Q5_0 / Q8_0 as llama-quantize's do; the file
 * is exactly the predicted size, and its quantized values are the F16 file's
 * within quantization error (a wrong row or offset would be ~140% off). */
static void test_written_tiny_q4_k_m(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char qdir[512], fdir[512], path[600], err[512];
    snprintf(qdir, sizeof qdir, "%s/q", dir);
    snprintf(fdir, sizeof fdir, "%s/f", dir);
    struct vlm_forge_params p = shape_params("qwen3vl", NULL, VLM_FORGE_Q4_K_M);
    assert_int_equal(vlm_forge(&p, qdir, err, sizeof err), VLM_OK);
    struct vlm_forge_sizes sz;
    assert_int_equal(vlm_forge_predict(&p, &sz, err, sizeof err), VLM_OK);
    struct stat st;
    snprintf(path, sizeof path, "%s/model.gguf", qdir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, sz.model_bytes);
    snprintf(path, sizeof path, "%s/mmproj.gguf", qdir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, sz.mmproj_bytes);
    p.type = VLM_FORGE_F16;
    assert_int_equal(vlm_forge(&p, fdir, err, sizeof err), VLM_OK);

    struct ggml_context *qc = NULL, *fc = NULL;
    snprintf(path, sizeof path, "%s/model.gguf", qdir);
    struct gguf_context *qg = read_gguf(path, &qc);
    snprintf(path, sizeof path, "%s/model.gguf", fdir);
    struct gguf_context *fg = read_gguf(path, &fc);
    /* tiny: width 64, 3 layers, FFN 256; use_more_bits(i, 3) holds for i = 2 */
    assert_int_equal(ggml_get_tensor(qc, "blk.0.attn_q.weight")->type, GGML_TYPE_Q5_0);   /* Q4_K */
    assert_int_equal(ggml_get_tensor(qc, "blk.2.attn_v.weight")->type, GGML_TYPE_Q8_0);   /* Q6_K */
    assert_int_equal(ggml_get_tensor(qc, "blk.0.ffn_down.weight")->type, GGML_TYPE_Q4_K); /* 256 wide */
    assert_int_equal(ggml_get_tensor(qc, "blk.2.ffn_down.weight")->type, GGML_TYPE_Q6_K); /* more bits */
    assert_int_equal(ggml_get_tensor(qc, "output.weight")->type, GGML_TYPE_Q8_0);         /* 64 % 256 */
    assert_int_equal(ggml_get_tensor(qc, "blk.0.attn_norm.weight")->type, GGML_TYPE_F32);
    assert_true(rel_rms(qc, fc, "blk.0.ffn_down.weight") < 0.15); /* Q4_K */
    assert_true(rel_rms(qc, fc, "blk.2.ffn_down.weight") < 0.05); /* Q6_K */
    assert_true(rel_rms(qc, fc, "blk.1.ffn_up.weight") < 0.08);   /* Q5_0 */
    assert_true(rel_rms(qc, fc, "output.weight") < 0.03);         /* Q8_0 */
    assert_true(rel_rms(qc, fc, "blk.0.attn_norm.weight") == 0.0);
    gguf_free(qg);
    gguf_free(fg);
    ggml_free(qc);
    ggml_free(fc);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_params),
        cmocka_unit_test(test_shape_8b_lm_q4_k_m),
        cmocka_unit_test(test_shape_8b_lm_q8_0_and_f16),
        cmocka_unit_test(test_shape_4b_tied),
        cmocka_unit_test(test_shape_30b_moe),
        cmocka_unit_test(test_shape_8b_mmproj),
        cmocka_unit_test(test_shape_4b_mmproj),
        cmocka_unit_test(test_layers_cut),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_published_sizes_8b),
        cmocka_unit_test(test_written_tiny_q4_k_m),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
