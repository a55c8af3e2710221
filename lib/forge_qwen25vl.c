/*
 * forge_qwen25vl.c - the forged Qwen2.5-VL layout: a ViT with window attention,
 * RMS norms, a SwiGLU FFN and a 2x2 patch merger (clip.projector_type =
 * qwen2.5vl_merger) and the qwen2vl LM with M-RoPE (docs/forge.md).
 */
#include "forge_impl.h"

/* Qwen2.5-VL's LM is Qwen2.5 with M-RoPE: Q/K/V biases, no Q/K norms. */
static void write_qwen25vl_lm(struct forge_out *o, const struct arch_size *s) {
    forge_lm_keys(o, "qwen2vl", &s->lm);
    gguf_set_arr_data(o->gguf, "qwen2vl.rope.dimension_sections", GGUF_TYPE_INT32, s->lm.rope_sections, 4);
    forge_lm_tensors(o, &s->lm, FORGE_QKV_BIAS);
}

/* The architecture's own setting: every n_wa_pattern-th vision layer attends to
 * the whole image, the others within 112-pixel windows (llama.cpp's default
 * window, Qwen2.5-VL's window_size). */
struct qwen25vl_extra {
    int n_wa_pattern;
};

/* Qwen2.5-VL ViT: two temporal patch kernels without bias, no learned
 * positions (2-D M-RoPE), RMS norms without bias, separate Q/K/V with biases,
 * SwiGLU FFN with biases; window attention except in every n_wa_pattern-th
 * layer; after v.post_ln (the merger's RMS norm) each 2x2 block of patches is
 * merged by an MLP (mm.0, GELU, mm.2) into one LM token. */
static void write_qwen25vl_proj(struct forge_out *o, const struct arch_size *s) {
    static const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    static const float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    const struct vit_cfg *v = &s->vit;
    const struct qwen25vl_extra *x = s->extra;
    const int n = v->n_embd, merged = 4 * v->n_embd; /* 2x2 patches side by side */
    const float out_gain = forge_residual_gain(v->n_layer);
    forge_clip_keys(o, "qwen2.5vl_merger", s, mean, std, 1e-6f, false);
    gguf_set_val_bool(o->gguf, "clip.use_silu", true);
    gguf_set_val_u32(o->gguf, "clip.vision.spatial_merge_size", 2);
    gguf_set_val_u32(o->gguf, "clip.vision.n_wa_pattern", (uint32_t)x->n_wa_pattern);

    forge_patch_conv(o, v, 0.7071f, "v.patch_embd.weight");
    forge_patch_conv(o, v, 0.7071f, "v.patch_embd.weight.1");
    for (int i = 0; i < v->n_layer; i++) {
        forge_ones(o, n, "v.blk.%d.ln1.weight", i);
        static const char *qkv[] = {"q", "k", "v"};
        for (int j = 0; j < 3; j++) {
            forge_matrix(o, n, n, 1.0f, "v.blk.%d.attn_%s.weight", i, qkv[j]);
            forge_bias(o, n, "v.blk.%d.attn_%s.bias", i, qkv[j]);
        }
        forge_matrix(o, n, n, out_gain, "v.blk.%d.attn_out.weight", i);
        forge_bias(o, n, "v.blk.%d.attn_out.bias", i);
        forge_ones(o, n, "v.blk.%d.ln2.weight", i);
        forge_matrix(o, n, v->n_ff, 1.0f, "v.blk.%d.ffn_gate.weight", i);
        forge_bias(o, v->n_ff, "v.blk.%d.ffn_gate.bias", i);
        forge_matrix(o, n, v->n_ff, 1.0f, "v.blk.%d.ffn_up.weight", i);
        forge_bias(o, v->n_ff, "v.blk.%d.ffn_up.bias", i);
        forge_matrix(o, v->n_ff, n, out_gain, "v.blk.%d.ffn_down.weight", i);
        forge_bias(o, n, "v.blk.%d.ffn_down.bias", i);
    }
    forge_ones(o, n, "v.post_ln.weight");

    forge_matrix(o, merged, merged, 1.0f, "mm.0.weight");
    forge_bias(o, merged, "mm.0.bias");
    forge_matrix(o, merged, s->lm.n_embd, 1.0f, "mm.2.weight");
    forge_bias(o, s->lm.n_embd, "mm.2.bias");
}

/* Qwen2.5-VL's chat template as published with its models (chat_template.json /
 * tokenizer_config.json of Qwen/Qwen2.5-VL-*-Instruct): ChatML, the default
 * system prompt "You are a helpful assistant.", vision tokens for image parts. */
static const char QWEN25VL_TEMPLATE[] =
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

static const struct qwen25vl_extra TINY_EXTRA = {.n_wa_pattern = 2};
/* Qwen2.5-VL: fullatt_block_indexes 7, 15, 23, 31 */
static const struct qwen25vl_extra SMALL_EXTRA = {.n_wa_pattern = 8};

// clang-format off
const struct forge_arch forge_arch_qwen25vl = {
    .name = "qwen25vl",
    .desc = "Qwen2.5-VL: window-attention ViT with 2x2 merger (qwen2.5vl_merger) + qwen2vl LM with M-RoPE",
    .lm_arch = "qwen2vl",
    .size = {
        /* tiny: layer 0 of the tower attends within windows, layer 1 to the whole image */
        { .lm  = { .n_embd = 64, .n_layer = 3, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .rope_sections = { 4, 6, 6, 0 }, .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 560, .patch = 14, .n_embd = 64, .n_ff = 160,
                   .n_layer = 2, .n_head = 2 },
          .extra = &TINY_EXTRA },
        /* small: Qwen2.5-0.5B-shaped qwen2vl LM with the Qwen2 vocab, Qwen2.5-VL-3B's tower */
        { .lm  = { .n_embd = 896, .n_layer = 24, .n_ff = 4864, .n_head = 14, .n_head_kv = 2,
                   .head_dim = 64, .n_ctx = 32768, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .rope_sections = { 8, 12, 12, 0 }, .vocab = "ggml-vocab-qwen2.gguf" },
          .vit = { .image_size = 560, .patch = 14, .n_embd = 1280, .n_ff = 3420,
                   .n_layer = 32, .n_head = 16 },
          .extra = &SMALL_EXTRA },
    },
    .write_lm = write_qwen25vl_lm,
    .write_proj = write_qwen25vl_proj,
    .template_text = QWEN25VL_TEMPLATE,
};
// clang-format on
