/*
 * forge_parts.c - the pieces every forged architecture is built from
 * (forge_*.c): adding a tensor to the file being written, its GGUF keys, the
 * language model's keys and tensors, the vocabulary fixes, and the vision
 * towers' blocks. Below the architectures; forge.c (the table of architectures
 * and the writing of the files) sits above both. Declared in forge_impl.h.
 */
#include "forge_impl.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ tensors */

void forge_add_tensor(struct forge_out *o, enum ggml_type type, const int64_t ne[4], enum forge_fill fill, float std,
                      float mean, const char *fmt, ...) {
    int nd = 0;
    while (nd < 4 && ne[nd] > 0) nd++;
    va_list ap;
    va_start(ap, fmt);
    char name[GGML_MAX_NAME];
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (type == GGML_TYPE_F16 && nd >= 2) type = forge_recipe_type(o, name, ne);
    struct ggml_tensor *t = ggml_new_tensor(o->meta, type, nd, ne);
    ggml_set_name(t, name);
    gguf_add_tensor(o->gguf, t);
    util_grow((void **)&o->specs, &o->cap_specs, o->n_specs + 1, sizeof *o->specs);
    o->specs[o->n_specs++] = (struct forge_tspec){t, fill, std, mean};
}

/* Gain of the matrices that write into the residual stream (attention output,
 * FFN down): sqrt(2 / depth), at most 1, so that in a deep stack the input (the
 * token, the image) still shows in the last layer instead of being drowned by
 * the sum of random layer outputs, which makes every answer the same loop. */
float forge_residual_gain(int n_layer) { return n_layer > 2 ? sqrtf(2.0f / (float)n_layer) : 1.0f; }

/* ------------------------------------------------------------------ metadata */

void forge_set_u32(struct forge_out *o, const char *arch, const char *key, uint32_t v) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    gguf_set_val_u32(o->gguf, k, v);
}

void forge_set_f32(struct forge_out *o, const char *arch, const char *key, float v) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    gguf_set_val_f32(o->gguf, k, v);
}

/* ------------------------------------------------------------------ language models */

void forge_vocab_rename(struct forge_out *o, const int *ids, const char *const *names, int n) {
    const int64_t kid = gguf_find_key(o->gguf, "tokenizer.ggml.tokens");
    if (kid < 0) return;
    /* gguf_set_arr_str drops the old array before copying the new one: copy the
     * strings out first, into one buffer */
    const size_t nv = gguf_get_arr_n(o->gguf, kid);
    size_t total = 0;
    for (size_t i = 0; i < nv; i++) total += strlen(gguf_get_arr_str(o->gguf, kid, i)) + 1;
    char *buf = xmalloc(total);
    const char **strs = xmalloc(nv * sizeof *strs);
    char *p = buf;
    for (size_t i = 0; i < nv; i++) {
        const char *str = gguf_get_arr_str(o->gguf, kid, i);
        const size_t len = strlen(str) + 1;
        memcpy(p, str, len);
        strs[i] = p;
        p += len;
    }
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0 && (size_t)ids[i] < nv) strs[ids[i]] = names[i];
    gguf_set_arr_str(o->gguf, "tokenizer.ggml.tokens", strs, nv);
    free(buf);
    free(strs);
}

void forge_vocab_fill_pad(struct forge_out *o, int first, const char *const *toks, int n) {
    int64_t kid = gguf_find_key(o->gguf, "tokenizer.ggml.tokens");
    const int64_t tid = gguf_find_key(o->gguf, "tokenizer.ggml.token_type");
    if (kid < 0 || tid < 0 || first + n > o->n_vocab) return;
    for (int i = 0; i < n; i++)
        if (strncmp(gguf_get_arr_str(o->gguf, kid, (size_t)(first + i)), "[PAD", 4) != 0) return;
    const size_t nv = (size_t)o->n_vocab;
    int32_t *types = xmalloc(nv * sizeof *types);
    memcpy(types, gguf_get_arr_data(o->gguf, tid), nv * sizeof *types);
    int *ids = xmalloc((size_t)n * sizeof *ids);
    for (int i = 0; i < n; i++) {
        ids[i] = first + i;
        types[first + i] = 3; /* LLAMA_TOKEN_TYPE_CONTROL */
    }
    forge_vocab_rename(o, ids, toks, n);
    gguf_set_arr_data(o->gguf, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, nv);
    kid = gguf_find_key(o->gguf, "tokenizer.ggml.tokens"); /* setting a key moves it */
    for (size_t i = 0; i < nv; i++)
        if (strcmp(gguf_get_arr_str(o->gguf, kid, i), "<|im_end|>") == 0) {
            gguf_set_val_u32(o->gguf, "tokenizer.ggml.eos_token_id", (uint32_t)i);
            break;
        }
    free(ids);
    free(types);
}


void forge_lm_keys(struct forge_out *o, const char *arch, const struct lm_cfg *c) {
    forge_set_u32(o, arch, "context_length", (uint32_t)c->n_ctx);
    forge_set_u32(o, arch, "embedding_length", (uint32_t)c->n_embd);
    forge_set_u32(o, arch, "block_count", (uint32_t)c->n_layer);
    forge_set_u32(o, arch, "feed_forward_length", (uint32_t)c->n_ff);
    forge_set_u32(o, arch, "attention.head_count", (uint32_t)c->n_head);
    forge_set_u32(o, arch, "attention.head_count_kv", (uint32_t)c->n_head_kv);
    forge_set_u32(o, arch, "attention.key_length", (uint32_t)c->head_dim);
    forge_set_u32(o, arch, "attention.value_length", (uint32_t)c->head_dim);
    forge_set_u32(o, arch, "rope.dimension_count", (uint32_t)c->head_dim);
    forge_set_f32(o, arch, "rope.freq_base", c->rope_base);
    forge_set_f32(o, arch, "attention.layer_norm_rms_epsilon", c->rms_eps);
    forge_set_u32(o, arch, "vocab_size", (uint32_t)o->n_vocab);
}

void forge_lm_embd(struct forge_out *o, const struct lm_cfg *c) {
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){c->n_embd, o->n_vocab, 0, 0}, FILL_RANDOM, TOKEN_EMBD_STD, 0.0f,
                     "token_embd.weight");
}

void forge_lm_head(struct forge_out *o, const struct lm_cfg *c) {
    forge_ones(o, c->n_embd, "output_norm.weight");
    if (c->tie_embd) return; /* llama.cpp reads the lm_head from token_embd */
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){c->n_embd, o->n_vocab, 0, 0}, FILL_LM_HEAD, 0.0f, 0.0f,
                     "output.weight");
}

void forge_lm_tensors(struct forge_out *o, const struct lm_cfg *c, int extras) {
    const int q = c->n_head * c->head_dim, kv = c->n_head_kv * c->head_dim;
    const float out_gain = forge_residual_gain(c->n_layer);
    const bool bias = extras & FORGE_QKV_BIAS;
    forge_lm_embd(o, c);
    for (int i = 0; i < c->n_layer; i++) {
        forge_ones(o, c->n_embd, "blk.%d.attn_norm.weight", i);
        forge_matrix(o, c->n_embd, q, 1.0f, "blk.%d.attn_q.weight", i);
        if (bias) forge_bias(o, q, "blk.%d.attn_q.bias", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_k.weight", i);
        if (bias) forge_bias(o, kv, "blk.%d.attn_k.bias", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_v.weight", i);
        if (bias) forge_bias(o, kv, "blk.%d.attn_v.bias", i);
        forge_matrix(o, q, c->n_embd, out_gain, "blk.%d.attn_output.weight", i);
        if (extras & FORGE_QK_NORM) {
            forge_ones(o, c->head_dim, "blk.%d.attn_q_norm.weight", i);
            forge_ones(o, c->head_dim, "blk.%d.attn_k_norm.weight", i);
        }
        forge_ones(o, c->n_embd, "blk.%d.ffn_norm.weight", i);
        forge_matrix(o, c->n_embd, c->n_ff, 1.0f, "blk.%d.ffn_gate.weight", i);
        forge_matrix(o, c->n_embd, c->n_ff, 1.0f, "blk.%d.ffn_up.weight", i);
        forge_matrix(o, c->n_ff, c->n_embd, out_gain, "blk.%d.ffn_down.weight", i);
    }
    forge_lm_head(o, c);
}

/* ------------------------------------------------------------------ projectors */

void forge_clip_keys(struct forge_out *o, const char *proj, const struct arch_size *s, const float mean[3],
                     const float std[3], float eps, bool gelu) {
    const struct vit_cfg *v = &s->vit;
    gguf_set_val_str(o->gguf, "clip.projector_type", proj);
    gguf_set_val_bool(o->gguf, "clip.has_vision_encoder", true);
    gguf_set_val_bool(o->gguf, "clip.use_gelu", gelu);
    gguf_set_val_u32(o->gguf, "clip.vision.image_size", (uint32_t)v->image_size);
    gguf_set_val_u32(o->gguf, "clip.vision.patch_size", (uint32_t)v->patch);
    gguf_set_val_u32(o->gguf, "clip.vision.embedding_length", (uint32_t)v->n_embd);
    gguf_set_val_u32(o->gguf, "clip.vision.feed_forward_length", (uint32_t)v->n_ff);
    gguf_set_val_u32(o->gguf, "clip.vision.block_count", (uint32_t)v->n_layer);
    gguf_set_val_u32(o->gguf, "clip.vision.attention.head_count", (uint32_t)v->n_head);
    gguf_set_val_f32(o->gguf, "clip.vision.attention.layer_norm_epsilon", eps);
    gguf_set_val_u32(o->gguf, "clip.vision.projection_dim", (uint32_t)s->lm.n_embd);
    gguf_set_arr_data(o->gguf, "clip.vision.image_mean", GGUF_TYPE_FLOAT32, mean, 3);
    gguf_set_arr_data(o->gguf, "clip.vision.image_std", GGUF_TYPE_FLOAT32, std, 3);
}

/* Pre-norm ViT block with LayerNorms; separate Q/K/V (CLIP) or fused QKV (Qwen). */
void forge_vit_block(struct forge_out *o, const struct vit_cfg *v, int i, bool fused_qkv) {
    const int n = v->n_embd;
    const float out_gain = forge_residual_gain(v->n_layer);
    forge_ones(o, n, "v.blk.%d.ln1.weight", i);
    forge_bias(o, n, "v.blk.%d.ln1.bias", i);
    if (fused_qkv) {
        forge_matrix(o, n, 3 * n, 1.0f, "v.blk.%d.attn_qkv.weight", i);
        forge_bias(o, 3 * n, "v.blk.%d.attn_qkv.bias", i);
    } else {
        static const char *qkv[] = {"q", "k", "v"};
        for (int j = 0; j < 3; j++) {
            forge_matrix(o, n, n, 1.0f, "v.blk.%d.attn_%s.weight", i, qkv[j]);
            forge_bias(o, n, "v.blk.%d.attn_%s.bias", i, qkv[j]);
        }
    }
    forge_matrix(o, n, n, out_gain, "v.blk.%d.attn_out.weight", i);
    forge_bias(o, n, "v.blk.%d.attn_out.bias", i);
    forge_ones(o, n, "v.blk.%d.ln2.weight", i);
    forge_bias(o, n, "v.blk.%d.ln2.bias", i);
    forge_matrix(o, n, v->n_ff, 1.0f, "v.blk.%d.ffn_up.weight", i);
    forge_bias(o, v->n_ff, "v.blk.%d.ffn_up.bias", i);
    forge_matrix(o, v->n_ff, n, out_gain, "v.blk.%d.ffn_down.weight", i);
    forge_bias(o, n, "v.blk.%d.ffn_down.bias", i);
}

/* A patch-embedding convolution kernel [patch, patch, 3, n_embd], F16. */
void forge_patch_conv(struct forge_out *o, const struct vit_cfg *v, float gain, const char *name) {
    const int fan_in = 3 * v->patch * v->patch;
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){v->patch, v->patch, 3, v->n_embd}, FILL_RANDOM,
                     gain / sqrtf((float)fan_in), 0.0f, "%s", name);
}

void forge_siglip_tower(struct forge_out *o, const struct vit_cfg *v) {
    const int side = v->image_size / v->patch;
    /* patch and position embeddings are F32, as llama.cpp's converter writes them */
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->patch, v->patch, 3, v->n_embd}, FILL_RANDOM,
                     1.0f / sqrtf((float)(3 * v->patch * v->patch)), 0.0f, "v.patch_embd.weight");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, side * side, 0, 0}, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
    for (int i = 0; i < v->n_layer; i++) forge_vit_block(o, v, i, false);
    forge_ones(o, v->n_embd, "v.post_ln.weight");
    forge_bias(o, v->n_embd, "v.post_ln.bias");
}
