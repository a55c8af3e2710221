/*
 * forge_internvl.c - the forged InternVL 3 layout: InternViT with layer scales,
 * a 2x2 pixel shuffle and the mlp1 projector (clip.projector_type = internvl),
 * and a qwen2 LM, as in InternVL3-1B (InternViT-300M + Qwen2.5-0.5B)
 * (docs/forge.md).
 */
#include "forge_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The tokens InternVL3 adds to the Qwen2 vocabulary, from id 151646 on: Qwen2.5's
 * own specials (151646-151664), then InternVL's (151665-151673). */
// clang-format off
static const char *const INTERNVL_TOKENS[] = {
    "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>",
    "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
    "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>",
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
    "<|file_sep|>",
    "<img>", "</img>", "<IMG_CONTEXT>", "<quad>", "</quad>", "<ref>", "</ref>", "<box>", "</box>",
};
// clang-format on
#define INTERNVL_FIRST_TOKEN 151646
#define N_INTERNVL_TOKENS    ((int)(sizeof INTERNVL_TOKENS / sizeof INTERNVL_TOKENS[0]))

/* Qwen2 blocks (RMS norms, attention with Q/K/V biases, SwiGLU FFN), with
 * the family's added tokens in the vocabulary. */
static void write_internvl_lm(struct forge_out *o, const struct arch_size *s) {
    forge_vocab_fill_pad(o, INTERNVL_FIRST_TOKEN, INTERNVL_TOKENS, N_INTERNVL_TOKENS);
    forge_lm_keys(o, "qwen2", &s->lm);
    forge_lm_tensors(o, &s->lm, FORGE_QKV_BIAS);
}

/* InternViT: class token, learned positions for one tile (no interpolation),
 * pre-LN blocks with separate Q/K/V (the converter splits InternViT's fused qkv)
 * and per-channel layer scales ls1/ls2 on both residual branches, GELU, no
 * post-LN. Then a 2x2 pixel shuffle (scale factor 2 = 1 / downsample_ratio 0.5)
 * and mlp1: LayerNorm(4 x width) -> Linear -> GELU -> Linear. Images are cut
 * into tiles of image_size (1 to 12 by llama.cpp's defaults) plus a thumbnail. */
static void write_internvl_proj(struct forge_out *o, const struct arch_size *s) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}; /* ImageNet */
    static const float std[3] = {0.229f, 0.224f, 0.225f};
    const struct vit_cfg *v = &s->vit;
    const int side = v->image_size / v->patch;
    const int shuffled = 4 * v->n_embd; /* 2x2 patches side by side */
    forge_clip_keys(o, "internvl", s, mean, std, 1e-6f, true);
    gguf_set_val_u32(o->gguf, "clip.vision.projector.scale_factor", 2);
    gguf_set_val_u32(o->gguf, "clip.vision.preproc_min_tiles", 1);
    gguf_set_val_u32(o->gguf, "clip.vision.preproc_max_tiles", 12);

    forge_patch_conv(o, v, 1.0f, "v.patch_embd.weight");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, 0, 0, 0}, FILL_RANDOM, 1.0f, 0.0f, "v.class_embd");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, side * side + 1, 0, 0}, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
    for (int i = 0; i < v->n_layer; i++) {
        forge_vit_block(o, v, i, false);
        /* layer scales near 1 (trained ones vary per channel) */
        forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, 0, 0, 0}, FILL_RANDOM, 0.1f, 1.0f,
                         "v.blk.%d.ls1.weight", i);
        forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, 0, 0, 0}, FILL_RANDOM, 0.1f, 1.0f,
                         "v.blk.%d.ls2.weight", i);
    }

    forge_ones(o, shuffled, "mm.model.mlp.0.weight");
    forge_bias(o, shuffled, "mm.model.mlp.0.bias");
    forge_matrix(o, shuffled, s->lm.n_embd, 1.0f, "mm.model.mlp.1.weight");
    forge_bias(o, s->lm.n_embd, "mm.model.mlp.1.bias");
    forge_matrix(o, s->lm.n_embd, s->lm.n_embd, 1.0f, "mm.model.mlp.3.weight");
    forge_bias(o, s->lm.n_embd, "mm.model.mlp.3.bias");
}

/* InternVL3's chat template: ChatML with InternVL's default system prompt (the
 * "internvl2_5" conversation template of InternVL3's conversation.py, which
 * model.chat() applies), in the form of Qwen2's tokenizer_config template. */
static const char INTERNVL_TEMPLATE[] =
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\n"
    "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。"
    "<|im_end|>\\n' }}"
    "{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// clang-format off
const struct forge_arch forge_arch_internvl = {
    .name = "internvl",
    .desc = "InternVL 3: InternViT with layer scales, pixel shuffle + mlp1 (internvl) + qwen2 LM",
    .lm_arch = "qwen2",
    .size = {
        /* tiny: 112 px tiles of 8x8 patches -> 16 tokens each */
        { .lm  = { .n_embd = 64, .n_layer = 2, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 112, .patch = 14, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 } },
        /* small: InternVL3-1B: Qwen2.5-0.5B LM, InternViT-300M-448px tower */
        { .lm  = { .n_embd = 896, .n_layer = 24, .n_ff = 4864, .n_head = 14, .n_head_kv = 2,
                   .head_dim = 64, .n_ctx = 32768, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .vocab = "ggml-vocab-qwen2.gguf" },
          .vit = { .image_size = 448, .patch = 14, .n_embd = 1024, .n_ff = 4096,
                   .n_layer = 24, .n_head = 16 } },
    },
    .write_lm = write_internvl_lm,
    .write_proj = write_internvl_proj,
    .template_text = INTERNVL_TEMPLATE,
};
// clang-format on
