/*
 * forge_minicpmv.c - the forged MiniCPM-V 2.6 layout: a SigLIP ViT, the
 * perceiver resampler (clip.projector_type = resampler, clip.minicpmv_version 3)
 * and a qwen2 LM, with llama.cpp's llava-uhd slicing (overview + grid of slices)
 * (docs/forge.md).
 */
#include "forge_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The resampler's settings beyond the shared shapes. */
struct minicpmv_extra {
    int query_num; /* resampler queries = LM tokens per overview or slice */
};

/* The special tokens MiniCPM-V 2.6's tokenizer declares on top of Qwen2's
 * vocabulary (its MiniCPMVTokenizerFast: image, ref, box, quad, slice, image_id
 * pairs), placed from id 151646 on. mtmd looks <image>, </image>, <slice> and
 * </slice> up by their text and fails on a vocabulary without them; the ids
 * themselves do not matter to llama.cpp. */
static const char *const MINICPMV_TOKENS[] = {
    "<image>", "</image>", "<ref>",   "</ref>",   "<box>",      "</box>",
    "<quad>",  "</quad>",  "<slice>", "</slice>", "<image_id>", "</image_id>",
};
#define MINICPMV_FIRST_TOKEN 151646
#define N_MINICPMV_TOKENS    ((int)(sizeof MINICPMV_TOKENS / sizeof MINICPMV_TOKENS[0]))

#define SIGLIP_POS_SIDE 70 /* SigLIP-400M's 980 px / 14: positions are bucketed into 70x70 */

/* Qwen2 blocks (RMS norms, attention with Q/K/V biases, SwiGLU FFN), with
 * the family's added tokens in the vocabulary (both sizes use the Qwen2 vocab:
 * gpt-2's has no free slots for them). */
static void write_minicpmv_lm(struct forge_out *o, const struct arch_size *s) {
    forge_vocab_fill_pad(o, MINICPMV_FIRST_TOKEN, MINICPMV_TOKENS, N_MINICPMV_TOKENS);
    forge_lm_keys(o, "qwen2", &s->lm);
    forge_lm_tensors(o, &s->lm, FORGE_QKV_BIAS);
}

/* SigLIP ViT on variable-size images (no class token; learned positions looked
 * up through 70x70 buckets; separate Q/K/V; GELU; v.post_ln), then the
 * resampler: query_num learned queries attend, in one layer with 128-wide
 * heads, to the kv-projected patches (keys get a 2-D sin/cos position that
 * llama.cpp computes; resampler.pos_embed_k is loaded but unused), followed by
 * ln_post and a square projection. Each overview or slice gives query_num
 * tokens. The resampler (and so the LM) width must be a multiple of 128. */
static void write_minicpmv_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = {0.5f, 0.5f, 0.5f};
    const struct vit_cfg *v = &s->vit;
    const struct minicpmv_extra *x = s->extra;
    const int e = s->lm.n_embd;
    const int n_pos = SIGLIP_POS_SIDE * SIGLIP_POS_SIDE;
    forge_clip_keys(o, "resampler", s, half, half, 1e-6f, true);
    gguf_set_val_i32(o->gguf, "clip.minicpmv_version", 3); /* MiniCPM-V 2.6 */
    gguf_set_val_u32(o->gguf, "clip.minicpmv_query_num", (uint32_t)x->query_num);

    forge_patch_conv(o, v, 1.0f, "v.patch_embd.weight");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, n_pos, 0, 0}, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
    for (int i = 0; i < v->n_layer; i++) forge_vit_block(o, v, i, false);
    forge_ones(o, v->n_embd, "v.post_ln.weight");
    forge_bias(o, v->n_embd, "v.post_ln.bias");

    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){e, x->query_num, 0, 0}, FILL_RANDOM, 1.0f, 0.0f, "resampler.query");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){e, n_pos, 0, 0}, FILL_RANDOM, 0.5f, 0.0f, "resampler.pos_embed_k");
    forge_matrix(o, v->n_embd, e, 1.0f, "resampler.kv.weight");
    static const char *const lns[] = {"q", "kv", "post"};
    for (int j = 0; j < 3; j++) {
        forge_ones(o, e, "resampler.ln_%s.weight", lns[j]);
        forge_bias(o, e, "resampler.ln_%s.bias", lns[j]);
    }
    static const char *const attn[] = {"q", "k", "v", "out"};
    for (int j = 0; j < 4; j++) {
        forge_matrix(o, e, e, 1.0f, "resampler.attn.%s.weight", attn[j]);
        forge_bias(o, e, "resampler.attn.%s.bias", attn[j]);
    }
    forge_matrix(o, e, e, 1.0f, "resampler.proj.weight");
}

/* MiniCPM-V 2.6's chat template (its tokenizer_config.json, Qwen2's ChatML
 * template with the default system prompt). */
static const char MINICPMV_TEMPLATE[] =
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

static const struct minicpmv_extra TINY_EXTRA = {.query_num = 16};
static const struct minicpmv_extra SMALL_EXTRA = {.query_num = 64};

// clang-format off
const struct forge_arch forge_arch_minicpmv = {
    .name = "minicpmv",
    .desc = "MiniCPM-V 2.6: SigLIP ViT + perceiver resampler (resampler, version 3) + qwen2 LM, sliced images",
    .lm_arch = "qwen2",
    .size = {
        /* tiny: 224 px slices, 16 queries; the LM is 128 wide, the resampler's minimum */
        { .lm  = { .n_embd = 128, .n_layer = 2, .n_ff = 512, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 64, .n_ctx = 4096, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .vocab = "ggml-vocab-qwen2.gguf" },
          .vit = { .image_size = 224, .patch = 14, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 },
          .extra = &TINY_EXTRA },
        /* small: Qwen2.5-0.5B-shaped LM (7 resampler heads of 128), MiniCPM-V 2.6's
         * SigLIP-400M tower (27 layers), 448 px slices, 64 queries */
        { .lm  = { .n_embd = 896, .n_layer = 24, .n_ff = 4864, .n_head = 14, .n_head_kv = 2,
                   .head_dim = 64, .n_ctx = 32768, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .vocab = "ggml-vocab-qwen2.gguf" },
          .vit = { .image_size = 448, .patch = 14, .n_embd = 1152, .n_ff = 4304,
                   .n_layer = 27, .n_head = 16 },
          .extra = &SMALL_EXTRA },
    },
    .write_lm = write_minicpmv_lm,
    .write_proj = write_minicpmv_proj,
    .template_text = MINICPMV_TEMPLATE,
};
// clang-format on
