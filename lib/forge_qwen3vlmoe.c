/*
 * forge_qwen3vlmoe.c - the forged Qwen3-VL-30B-A3B layout: the Qwen3-VL ViT
 * with its 2x2 merger and deepstack (clip.projector_type = qwen3vl_merger, as
 * in forge_qwen3vl.c) and the qwen3vlmoe LM: qwen3vl's attention (Q/K norms,
 * interleaved M-RoPE, deepstack inputs) with a mixture-of-experts FFN in every
 * layer (docs/forge.md).
 */
#include "forge_impl.h"

/* Every layer: Qwen3 attention, then a softmax router (ffn_gate_inp, F32 as
 * llama.cpp's converter keeps it) choosing expert_used_count of expert_count
 * SwiGLU experts stacked in 3-D tensors [in, out, expert]. The router's logits
 * have unit scale, so different tokens pick different experts; llama.cpp
 * renormalises the chosen experts' weights to sum to 1. */
static void write_qwen3vlmoe_lm(struct forge_out *o, const struct arch_size *s) {
    const struct lm_cfg *c = &s->lm;
    const int q = c->n_head * c->head_dim, kv = c->n_head_kv * c->head_dim;
    const float out_gain = forge_residual_gain(c->n_layer);
    forge_lm_keys(o, "qwen3vlmoe", c);
    gguf_set_arr_data(o->gguf, "qwen3vlmoe.rope.dimension_sections", GGUF_TYPE_INT32, c->rope_sections, 4);
    forge_set_u32(o, "qwen3vlmoe", "n_deepstack_layers", (uint32_t)s->vit.n_deepstack);
    forge_set_u32(o, "qwen3vlmoe", "expert_count", (uint32_t)c->n_expert);
    forge_set_u32(o, "qwen3vlmoe", "expert_used_count", (uint32_t)c->n_expert_used);
    forge_set_u32(o, "qwen3vlmoe", "expert_feed_forward_length", (uint32_t)c->n_ff_exp);

    forge_lm_embd(o, c);
    for (int i = 0; i < c->n_layer; i++) {
        forge_ones(o, c->n_embd, "blk.%d.attn_norm.weight", i);
        forge_matrix(o, c->n_embd, q, 1.0f, "blk.%d.attn_q.weight", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_k.weight", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_v.weight", i);
        forge_matrix(o, q, c->n_embd, out_gain, "blk.%d.attn_output.weight", i);
        forge_ones(o, c->head_dim, "blk.%d.attn_q_norm.weight", i);
        forge_ones(o, c->head_dim, "blk.%d.attn_k_norm.weight", i);
        forge_ones(o, c->n_embd, "blk.%d.ffn_norm.weight", i);
        forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){c->n_embd, c->n_expert, 0, 0}, FILL_RANDOM,
                         1.0f / sqrtf((float)c->n_embd), 0.0f, "blk.%d.ffn_gate_inp.weight", i);
        forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){c->n_embd, c->n_ff_exp, c->n_expert, 0}, FILL_RANDOM,
                         1.0f / sqrtf((float)c->n_embd), 0.0f, "blk.%d.ffn_gate_exps.weight", i);
        forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){c->n_embd, c->n_ff_exp, c->n_expert, 0}, FILL_RANDOM,
                         1.0f / sqrtf((float)c->n_embd), 0.0f, "blk.%d.ffn_up_exps.weight", i);
        forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){c->n_ff_exp, c->n_embd, c->n_expert, 0}, FILL_RANDOM,
                         out_gain / sqrtf((float)c->n_ff_exp), 0.0f, "blk.%d.ffn_down_exps.weight", i);
    }
    forge_lm_head(o, c);
}


// clang-format off
const struct forge_arch forge_arch_qwen3vlmoe = {
    .name = "qwen3vlmoe",
    .desc = "Qwen3-VL-30B-A3B: ViT with 2x2 merger and deepstack (qwen3vl_merger) + qwen3vlmoe MoE LM with M-RoPE",
    .lm_arch = "qwen3vlmoe",
    .size = {
        /* tiny: qwen3vl's tiny shapes with 8 experts of width 64, 2 per token;
         * 3 LM layers because the deepstack inputs go to the first 2 */
        { .lm  = { .n_embd = 64, .n_layer = 3, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 5000000.0f, .rms_eps = 1e-6f,
                   .rope_sections = { 6, 5, 5, 0 }, .n_expert = 8, .n_expert_used = 2,
                   .n_ff_exp = 64, .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 256, .patch = 16, .n_embd = 64, .n_ff = 256,
                   .n_layer = 3, .n_head = 2, .n_deepstack = 2, .deepstack = { 0, 1 } } },
        /* small: Qwen3-VL-30B-A3B's MoE layer (128 experts, 8 per token, head 128,
         * M-RoPE 24/20/20) at 3/8 of its width (768, experts 256 wide) and 6 of its
         * 48 layers, the Qwen2 vocab; Qwen3-VL-30B-A3B's own tower */
        { .lm  = { .n_embd = 768, .n_layer = 6, .n_ff = 2304, .n_head = 12, .n_head_kv = 2,
                   .head_dim = 128, .n_ctx = 32768, .rope_base = 5000000.0f, .rms_eps = 1e-6f,
                   .rope_sections = { 24, 20, 20, 0 }, .n_expert = 128, .n_expert_used = 8,
                   .n_ff_exp = 256, .vocab = "ggml-vocab-qwen2.gguf" },
          .vit = { .image_size = 768, .patch = 16, .n_embd = 1152, .n_ff = 4304,
                   .n_layer = 27, .n_head = 16, .n_deepstack = 3, .deepstack = { 8, 16, 24 } } },
    },
    .write_lm = write_qwen3vlmoe_lm,
    .write_proj = forge_qwen3vl_proj,
    .template_text = forge_qwen3vl_template,
};
// clang-format on
