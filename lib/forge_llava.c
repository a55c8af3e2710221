/*
 * forge_llava.c - the forged LLaVA-1.5 layout: a CLIP ViT, the two-layer MLP
 * projector (clip.projector_type = mlp) and a llama LM (docs/forge.md).
 */
#include "forge_impl.h"

static void write_llava_lm(struct forge_out *o, const struct arch_size *s) {
    forge_lm_keys(o, "llama", &s->lm);
    forge_lm_tensors(o, &s->lm, 0);
}

/* CLIP ViT (class token, learned positions, pre-LN) + LLaVA's 2-layer MLP. */
static void write_llava_proj(struct forge_out *o, const struct arch_size *s) {
    static const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    static const float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    const struct vit_cfg *v = &s->vit;
    const int n_patches = (v->image_size / v->patch) * (v->image_size / v->patch);
    forge_clip_keys(o, "mlp", s, mean, std, 1e-5f, false); /* CLIP uses quick-GELU */

    forge_patch_conv(o, v, 1.0f, "v.patch_embd.weight");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, 0, 0, 0}, FILL_RANDOM, 1.0f, 0.0f, "v.class_embd");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, n_patches + 1, 0, 0}, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
    forge_ones(o, v->n_embd, "v.pre_ln.weight");
    forge_bias(o, v->n_embd, "v.pre_ln.bias");
    for (int i = 0; i < v->n_layer; i++) forge_vit_block(o, v, i, false);

    forge_matrix(o, v->n_embd, s->lm.n_embd, 1.0f, "mm.0.weight");
    forge_bias(o, s->lm.n_embd, "mm.0.bias");
    forge_matrix(o, s->lm.n_embd, s->lm.n_embd, 1.0f, "mm.2.weight");
    forge_bias(o, s->lm.n_embd, "mm.2.bias");
}

// clang-format off
const struct forge_arch forge_arch_llava = {
    .name = "llava",
    .desc = "LLaVA-1.5 style: CLIP ViT + 2-layer MLP projector (mlp) + llama LM, gpt-2 vocab",
    .lm_arch = "llama",
    .size = {
        /* tiny: ~15 MB, mostly the 50k-token embedding and lm_head; ms per answer */
        { .lm  = { .n_embd = 64, .n_layer = 2, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 10000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 224, .patch = 14, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 } },
        /* small: Qwen2.5-0.5B-shaped LM, CLIP ViT-L/14-336 tower (LLaVA-1.5's) */
        { .lm  = { .n_embd = 896, .n_layer = 24, .n_ff = 4864, .n_head = 14, .n_head_kv = 2,
                   .head_dim = 64, .n_ctx = 4096, .rope_base = 10000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 336, .patch = 14, .n_embd = 1024, .n_ff = 4096,
                   .n_layer = 24, .n_head = 16 } },
    },
    .write_lm = write_llava_lm,
    .write_proj = write_llava_proj,
};
// clang-format on
