/*
 * forge_pixtral.c - the forged Mistral Small 3.1 / 3.2 layout (Mistral3): the
 * Pixtral ViT (2-D RoPE, RMS norms, gated SiLU FFN) with the Mistral3 2x2 patch
 * merger and [IMG_BREAK] rows (clip.projector_type = pixtral) and the llama LM
 * that published Mistral-Small-3.1/3.2 GGUFs declare (docs/forge.md).
 */
#include "forge_impl.h"

static void write_pixtral_lm(struct forge_out *o, const struct arch_size *s) {
    forge_lm_keys(o, "llama", &s->lm);
    forge_lm_tensors(o, &s->lm, 0);
}

/* Pixtral block: RMS norms (ln1, ln2: weights only), Q/K/V/O without biases,
 * SwiGLU FFN (ffn_gate, ffn_up, ffn_down) without biases. */
static void pixtral_block(struct forge_out *o, const struct vit_cfg *v, int i) {
    const int n = v->n_embd;
    const float out_gain = forge_residual_gain(v->n_layer);
    forge_ones(o, n, "v.blk.%d.ln1.weight", i);
    forge_matrix(o, n, n, 1.0f, "v.blk.%d.attn_q.weight", i);
    forge_matrix(o, n, n, 1.0f, "v.blk.%d.attn_k.weight", i);
    forge_matrix(o, n, n, 1.0f, "v.blk.%d.attn_v.weight", i);
    forge_matrix(o, n, n, out_gain, "v.blk.%d.attn_out.weight", i);
    forge_ones(o, n, "v.blk.%d.ln2.weight", i);
    forge_matrix(o, n, v->n_ff, 1.0f, "v.blk.%d.ffn_gate.weight", i);
    forge_matrix(o, n, v->n_ff, 1.0f, "v.blk.%d.ffn_up.weight", i);
    forge_matrix(o, v->n_ff, n, out_gain, "v.blk.%d.ffn_down.weight", i);
}

/* Pixtral ViT: patch convolution without bias, RMS pre-norm, blocks with 2-D
 * RoPE (no learned positions); then the Mistral3 merger: RMS norm
 * (mm.input_norm), each 2x2 block of patches unfolded and projected back to the
 * tower width (mm.patch_merger), and the two-layer GELU projector (mm.1, mm.2;
 * Mistral Small 3.1 has no projector biases). v.token_embd.img_break is the
 * LM's [IMG_BREAK] embedding, appended after each row of image tokens but the
 * last. Images keep their aspect ratio: 8 to 1024 tokens of 28x28 pixels. */
static void write_pixtral_proj(struct forge_out *o, const struct arch_size *s) {
    static const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    static const float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    const struct vit_cfg *v = &s->vit;
    const int merge = 2;
    forge_clip_keys(o, "pixtral", s, mean, std, 1e-5f, false);
    gguf_set_val_bool(o->gguf, "clip.use_silu", true);
    gguf_set_val_u32(o->gguf, "clip.vision.spatial_merge_size", merge);

    forge_patch_conv(o, v, 1.0f, "v.patch_embd.weight");
    forge_ones(o, v->n_embd, "v.pre_ln.weight");
    for (int i = 0; i < v->n_layer; i++) pixtral_block(o, v, i);

    forge_ones(o, v->n_embd, "mm.input_norm.weight");
    forge_matrix(o, merge * merge * v->n_embd, v->n_embd, 1.0f, "mm.patch_merger.weight");
    forge_matrix(o, v->n_embd, s->lm.n_embd, 1.0f, "mm.1.weight");
    forge_matrix(o, s->lm.n_embd, s->lm.n_embd, 1.0f, "mm.2.weight");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){s->lm.n_embd, 0, 0, 0}, FILL_RANDOM, 1.0f, 0.0f,
                     "v.token_embd.img_break");
}

// clang-format off
const struct forge_arch forge_arch_pixtral = {
    .name = "pixtral",
    .desc = "Mistral Small 3.1/3.2: Pixtral ViT with 2x2 patch merger and [IMG_BREAK] rows (pixtral) + llama LM",
    .lm_arch = "llama",
    .size = {
        /* tiny: ~15 MB, mostly the 50k-token embedding and lm_head */
        { .lm  = { .n_embd = 64, .n_layer = 2, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 1000000000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 1540, .patch = 14, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 } },
        /* small: Qwen2.5-0.5B-shaped LM with the llama-bpe vocab (128k tokens,
         * tiktoken-style like Mistral's 131k Tekken), Mistral Small 3.1's tower */
        { .lm  = { .n_embd = 896, .n_layer = 24, .n_ff = 4864, .n_head = 14, .n_head_kv = 2,
                   .head_dim = 64, .n_ctx = 131072, .rope_base = 1000000000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-llama-bpe.gguf" },
          .vit = { .image_size = 1540, .patch = 14, .n_embd = 1024, .n_ff = 4096,
                   .n_layer = 24, .n_head = 16 } },
    },
    .write_lm = write_pixtral_lm,
    .write_proj = write_pixtral_proj,
    .template_file = "templates/Mistral-Small-3.2-24B-Instruct-2506.jinja",
};
// clang-format on
