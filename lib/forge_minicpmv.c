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
    "<image>", "</image>", "<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>",
    "<slice>", "</slice>", "<image_id>", "</image_id>",
};
#define MINICPMV_FIRST_TOKEN 151646
#define N_MINICPMV_TOKENS ((int)(sizeof MINICPMV_TOKENS / sizeof MINICPMV_TOKENS[0]))

#define TOKEN_TYPE_CONTROL 3 /* llama.cpp's LLAMA_TOKEN_TYPE_CONTROL */
#define SIGLIP_POS_SIDE 70   /* SigLIP-400M's 980 px / 14: positions are bucketed into 70x70 */

/*
 * Writes the added tokens over the vocab file's padding slots ("[PAD151646]" ...
 * in llama.cpp's Qwen2 vocab) at their real ids, as control tokens, and makes
 * <|im_end|> the end-of-sequence token, as in the real GGUF. Both sizes use that
 * vocab: there are no free slots in gpt-2's.
 */
static void add_special_tokens(struct forge_out *o, int first, const char *const *toks, int n) {
    const int64_t kid = gguf_find_key(o->gguf, "tokenizer.ggml.tokens");
    const int64_t tid = gguf_find_key(o->gguf, "tokenizer.ggml.token_type");
    if (kid < 0 || tid < 0 || first + n > o->n_vocab) return;
    for (int i = 0; i < n; i++)
        if (strncmp(gguf_get_arr_str(o->gguf, kid, (size_t)(first + i)), "[PAD", 4) != 0) return;

    /* gguf_set_arr_str drops the old array before copying the new one: copy the
     * strings out first, into one buffer */
    const size_t nv = (size_t)o->n_vocab;
    size_t total = 0;
    for (size_t i = 0; i < nv; i++) total += strlen(gguf_get_arr_str(o->gguf, kid, i)) + 1;
    for (int i = 0; i < n; i++) total += strlen(toks[i]) + 1;
    char *buf = vlm_xmalloc(total);
    const char **strs = vlm_xmalloc(nv * sizeof *strs);
    int32_t *types = vlm_xmalloc(nv * sizeof *types);
    memcpy(types, gguf_get_arr_data(o->gguf, tid), nv * sizeof *types);
    char *p = buf;
    int32_t im_end = -1;
    for (size_t i = 0; i < nv; i++) {
        const int k = (int)i - first;
        const char *s = k >= 0 && k < n ? toks[k] : gguf_get_arr_str(o->gguf, kid, i);
        if (k >= 0 && k < n) types[i] = TOKEN_TYPE_CONTROL;
        if (strcmp(s, "<|im_end|>") == 0) im_end = (int32_t)i;
        const size_t len = strlen(s) + 1;
        memcpy(p, s, len);
        strs[i] = p;
        p += len;
    }
    gguf_set_arr_str(o->gguf, "tokenizer.ggml.tokens", strs, nv);
    gguf_set_arr_data(o->gguf, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, nv);
    if (im_end >= 0) gguf_set_val_u32(o->gguf, "tokenizer.ggml.eos_token_id", (uint32_t)im_end);
    free(buf);
    free(strs);
    free(types);
}

/* Qwen2 blocks: RMS norms, attention with Q/K/V biases, SwiGLU FFN. */
static void write_minicpmv_lm(struct forge_out *o, const struct arch_size *s) {
    const struct lm_cfg *c = &s->lm;
    const int q = c->n_head * c->head_dim, kv = c->n_head_kv * c->head_dim;
    const float out_gain = forge_residual_gain(c->n_layer);
    add_special_tokens(o, MINICPMV_FIRST_TOKEN, MINICPMV_TOKENS, N_MINICPMV_TOKENS);
    forge_lm_keys(o, "qwen2", c);
    forge_lm_embd(o, c);
    for (int i = 0; i < c->n_layer; i++) {
        forge_ones(o, c->n_embd, "blk.%d.attn_norm.weight", i);
        forge_matrix(o, c->n_embd, q, 1.0f, "blk.%d.attn_q.weight", i);
        forge_bias(o, q, "blk.%d.attn_q.bias", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_k.weight", i);
        forge_bias(o, kv, "blk.%d.attn_k.bias", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_v.weight", i);
        forge_bias(o, kv, "blk.%d.attn_v.bias", i);
        forge_matrix(o, q, c->n_embd, out_gain, "blk.%d.attn_output.weight", i);
        forge_ones(o, c->n_embd, "blk.%d.ffn_norm.weight", i);
        forge_matrix(o, c->n_embd, c->n_ff, 1.0f, "blk.%d.ffn_gate.weight", i);
        forge_matrix(o, c->n_embd, c->n_ff, 1.0f, "blk.%d.ffn_up.weight", i);
        forge_matrix(o, c->n_ff, c->n_embd, out_gain, "blk.%d.ffn_down.weight", i);
    }
    forge_lm_head(o, c);
}

/* SigLIP ViT on variable-size images (no class token; learned positions looked
 * up through 70x70 buckets; separate Q/K/V; GELU; v.post_ln), then the
 * resampler: query_num learned queries attend, in one layer with 128-wide
 * heads, to the kv-projected patches (keys get a 2-D sin/cos position that
 * llama.cpp computes; resampler.pos_embed_k is loaded but unused), followed by
 * ln_post and a square projection. Each overview or slice gives query_num
 * tokens. The resampler (and so the LM) width must be a multiple of 128. */
static void write_minicpmv_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = { 0.5f, 0.5f, 0.5f };
    const struct vit_cfg *v = &s->vit;
    const struct minicpmv_extra *x = s->extra;
    const int e = s->lm.n_embd;
    const int n_pos = SIGLIP_POS_SIDE * SIGLIP_POS_SIDE;
    forge_clip_keys(o, "resampler", s, half, half, 1e-6f, true);
    gguf_set_val_i32(o->gguf, "clip.minicpmv_version", 3); /* MiniCPM-V 2.6 */
    gguf_set_val_u32(o->gguf, "clip.minicpmv_query_num", (uint32_t)x->query_num);

    forge_patch_conv(o, v, 1.0f, "v.patch_embd.weight");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){ v->n_embd, n_pos, 0, 0 }, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
    for (int i = 0; i < v->n_layer; i++) forge_vit_block(o, v, i, false);
    forge_ones(o, v->n_embd, "v.post_ln.weight");
    forge_bias(o, v->n_embd, "v.post_ln.bias");

    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){ e, x->query_num, 0, 0 }, FILL_RANDOM, 1.0f, 0.0f,
                     "resampler.query");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){ e, n_pos, 0, 0 }, FILL_RANDOM, 0.5f, 0.0f,
                     "resampler.pos_embed_k");
    forge_matrix(o, v->n_embd, e, 1.0f, "resampler.kv.weight");
    static const char *const lns[] = { "q", "kv", "post" };
    for (int j = 0; j < 3; j++) {
        forge_ones(o, e, "resampler.ln_%s.weight", lns[j]);
        forge_bias(o, e, "resampler.ln_%s.bias", lns[j]);
    }
    static const char *const attn[] = { "q", "k", "v", "out" };
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

static const struct minicpmv_extra TINY_EXTRA = { .query_num = 16 };
static const struct minicpmv_extra SMALL_EXTRA = { .query_num = 64 };

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
