/*
 * forge_lfm2vl.c - the forged LFM2-VL layout: a SigLIP2 NaFlex ViT, pixel
 * unshuffle, LayerNorm and a two-layer GELU MLP (clip.projector_type = lfm2)
 * and the lfm2 LM, a hybrid of gated short-convolution blocks and GQA
 * attention blocks (docs/forge.md).
 */
#include "forge_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* What struct lm_cfg / vit_cfg do not say. */
struct lfm2vl_extra {
    int l_cache;          /* short-convolution window (conv_L_cache) */
    uint32_t attn_layers; /* bit i set: layer i is attention, else short convolution */
    int proj_hidden;      /* projector hidden width (projector_hidden_size) */
};

/* LFM2-VL's own chat template (tokenizer_config.json / chat_template.jinja of
 * LiquidAI/LFM2-VL-450M, -1.6B, -3B): ChatML-like, <|startoftext|> first,
 * images as <image> in list contents; string contents are copied verbatim. */
static const char LFM2VL_TEMPLATE[] =
    "{{bos_token}}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'}}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for content in message['content'] %}{% if content['type'] == 'image' %}{{ '<image>' }}"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{'<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{'<|im_start|>assistant\\n' }}{% endif %}";

/* Append `text` to the vocabulary as a control token; returns the new size.
 * llama.cpp's mtmd looks up <|img_thumbnail|> by text when LFM2 tiles an image
 * (from about 724x724 pixels up) and inserts an invalid token id when the
 * vocabulary lacks it, so llama_decode rejects the prompt; the shipped vocabs
 * lack it. Appending leaves every other token, and so the tokenization of all
 * other text, unchanged. */
static int append_control_token(struct forge_out *o, const char *text) {
    const int64_t kt = gguf_find_key(o->gguf, "tokenizer.ggml.tokens");
    const size_t n = gguf_get_arr_n(o->gguf, kt);
    /* copies first: setting a key frees its old values */
    char **tok = xmalloc((n + 1) * sizeof *tok);
    for (size_t i = 0; i < n; i++) tok[i] = xstrdup(gguf_get_arr_str(o->gguf, kt, i));
    tok[n] = xstrdup(text);
    gguf_set_arr_str(o->gguf, "tokenizer.ggml.tokens", (const char **)tok, n + 1);
    for (size_t i = 0; i <= n; i++) free(tok[i]);
    free(tok);
    const int64_t ky = gguf_find_key(o->gguf, "tokenizer.ggml.token_type"); /* ids moved */
    if (ky >= 0) {
        int32_t *type = xmalloc((n + 1) * sizeof *type);
        memcpy(type, gguf_get_arr_data(o->gguf, ky), n * sizeof *type);
        type[n] = 3; /* LLAMA_TOKEN_TYPE_CONTROL */
        gguf_set_arr_data(o->gguf, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, type, n + 1);
        free(type);
    }
    return (int)(n + 1);
}

/* lfm2 LM: every layer has an operator norm (attn_norm) and a SwiGLU FFN
 * (ffn_norm, ffn_gate/up/down); the operator is either GQA attention with
 * per-head Q/K RMS norms, or a short convolution: in_proj to 3 x width (B, C,
 * x), y = C * conv(B * x) over the last l_cache tokens, out_proj. Attention
 * layers have KV heads, convolution layers 0 (lfm2.attention.head_count_kv is
 * per layer). The output norm is named token_embd_norm, as in converted LFM2
 * GGUFs. Real LFM2 ties the lm_head to the embedding; forge writes output.weight
 * for its readable-word head. */
static void write_lfm2vl_lm(struct forge_out *o, const struct arch_size *s) {
    const struct lm_cfg *c = &s->lm;
    const struct lfm2vl_extra *x = s->extra;
    const int n = c->n_embd, kv = c->n_head_kv * c->head_dim;
    const float out_gain = forge_residual_gain(c->n_layer);
    int32_t n_head_kv[32];
    for (int i = 0; i < c->n_layer; i++) n_head_kv[i] = ((x->attn_layers >> i) & 1u) ? c->n_head_kv : 0;
    const int n_vocab = append_control_token(o, "<|img_thumbnail|>");
    forge_lm_keys(o, "lfm2", c);
    forge_set_u32(o, "lfm2", "vocab_size", (uint32_t)n_vocab);
    gguf_set_arr_data(o->gguf, "lfm2.attention.head_count_kv", GGUF_TYPE_INT32, n_head_kv, (size_t)c->n_layer);
    forge_set_u32(o, "lfm2", "shortconv.l_cache", (uint32_t)x->l_cache);

    /* the embedding and lm_head rows of the vocab file's tokens are what
     * forge_lm_embd / forge_lm_head write; the appended token's lm_head row
     * is an unfavoured one */
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){n, n_vocab, 0, 0}, FILL_RANDOM, 1.0f, 0.0f, "token_embd.weight");
    for (int i = 0; i < c->n_layer; i++) {
        forge_ones(o, n, "blk.%d.attn_norm.weight", i);
        if ((x->attn_layers >> i) & 1u) {
            forge_matrix(o, n, n, 1.0f, "blk.%d.attn_q.weight", i);
            forge_matrix(o, n, kv, 1.0f, "blk.%d.attn_k.weight", i);
            forge_matrix(o, n, kv, 1.0f, "blk.%d.attn_v.weight", i);
            forge_ones(o, c->head_dim, "blk.%d.attn_q_norm.weight", i);
            forge_ones(o, c->head_dim, "blk.%d.attn_k_norm.weight", i);
            forge_matrix(o, n, n, out_gain, "blk.%d.attn_output.weight", i);
        } else {
            /* depthwise kernel [l_cache, width], F32 like the converter writes it */
            forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){x->l_cache, n, 0, 0}, FILL_RANDOM,
                             1.0f / sqrtf((float)x->l_cache), 0.0f, "blk.%d.shortconv.conv.weight", i);
            forge_matrix(o, n, 3 * n, 1.0f, "blk.%d.shortconv.in_proj.weight", i);
            forge_matrix(o, n, n, out_gain, "blk.%d.shortconv.out_proj.weight", i);
        }
        forge_ones(o, n, "blk.%d.ffn_norm.weight", i);
        forge_matrix(o, n, c->n_ff, 1.0f, "blk.%d.ffn_gate.weight", i);
        forge_matrix(o, n, c->n_ff, 1.0f, "blk.%d.ffn_up.weight", i);
        forge_matrix(o, c->n_ff, n, out_gain, "blk.%d.ffn_down.weight", i);
    }
    forge_ones(o, n, "token_embd_norm.weight");
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){n, n_vocab, 0, 0}, FILL_LM_HEAD, 0.0f, 0.0f, "output.weight");
}

/* SigLIP2 NaFlex ViT (patch convolution with bias, 16x16 learned positions
 * resized to the image's grid, LayerNorm blocks with biases, GELU, post-LN);
 * then pixel unshuffle (each 2x2 block of patches side by side), LayerNorm
 * (mm.input_norm) and the GELU MLP mm.1, mm.2. Images keep their aspect ratio,
 * 64 to 256 tokens of 32x32 pixels; larger ones are cut into 512x512 tiles plus
 * a thumbnail. */
static void write_lfm2vl_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = {0.5f, 0.5f, 0.5f};
    const struct vit_cfg *v = &s->vit;
    const struct lfm2vl_extra *x = s->extra;
    const int side = v->image_size / v->patch;
    const int merged = 4 * v->n_embd; /* 2x2 patches side by side */
    forge_clip_keys(o, "lfm2", s, half, half, 1e-6f, true);
    gguf_set_val_u32(o->gguf, "clip.vision.projector.scale_factor", 2);

    forge_patch_conv(o, v, 1.0f, "v.patch_embd.weight");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, side * side, 0, 0}, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
    for (int i = 0; i < v->n_layer; i++) forge_vit_block(o, v, i, false);
    forge_ones(o, v->n_embd, "v.post_ln.weight");
    forge_bias(o, v->n_embd, "v.post_ln.bias");

    forge_ones(o, merged, "mm.input_norm.weight");
    forge_bias(o, merged, "mm.input_norm.bias");
    forge_matrix(o, merged, x->proj_hidden, 1.0f, "mm.1.weight");
    forge_bias(o, x->proj_hidden, "mm.1.bias");
    forge_matrix(o, x->proj_hidden, s->lm.n_embd, 1.0f, "mm.2.weight");
    forge_bias(o, s->lm.n_embd, "mm.2.bias");
}

/* tiny: conv, attention, conv */
static const struct lfm2vl_extra TINY = {.l_cache = 3, .attn_layers = 1u << 1, .proj_hidden = 256};
/* LFM2-350M: attention at layers 2, 5, 8, 10, 12, 14 of 16 */
static const struct lfm2vl_extra SMALL = {
    .l_cache = 3,
    .attn_layers = 1u << 2 | 1u << 5 | 1u << 8 | 1u << 10 | 1u << 12 | 1u << 14,
    .proj_hidden = 2560,
};

// clang-format off
const struct forge_arch forge_arch_lfm2vl = {
    .name = "lfm2vl",
    .desc = "LFM2-VL: SigLIP2 NaFlex ViT, pixel unshuffle + LayerNorm + MLP (lfm2) + lfm2 conv/attention hybrid LM",
    .lm_arch = "lfm2",
    .size = {
        /* tiny: ~15 MB, mostly the 50k-token embedding and lm_head */
        { .lm  = { .n_embd = 64, .n_layer = 3, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 1000000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 256, .patch = 16, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 },
          .extra = &TINY },
        /* small: LFM2-VL-450M: LFM2-350M LM, SigLIP2 NaFlex base/16 tower (86M) */
        { .lm  = { .n_embd = 1024, .n_layer = 16, .n_ff = 4608, .n_head = 16, .n_head_kv = 8,
                   .head_dim = 64, .n_ctx = 128000, .rope_base = 1000000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 256, .patch = 16, .n_embd = 768, .n_ff = 3072,
                   .n_layer = 12, .n_head = 12 },
          .extra = &SMALL },
    },
    .write_lm = write_lfm2vl_lm,
    .write_proj = write_lfm2vl_proj,
    .template_text = LFM2VL_TEMPLATE,
};
// clang-format on
