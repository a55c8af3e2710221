/*
 * forge_quant.c - which type each tensor of a forged LM file gets at --type
 * q8_0 / q4_k_m: llama.cpp's llama-quantize recipe for those file types
 * (src/llama-quant.cpp, llama_tensor_get_type), written out for the tensors
 * forge writes, so a forged Q4_K_M file has the same mix of Q4_K, Q6_K and F32
 * tensors, and the same size, as one quantized from F16 by llama.cpp
 * (docs/forge.md, "Weight types").
 */
#include "forge_impl.h"

#include <stdio.h>
#include <string.h>

uint32_t forge_file_type(enum vlm_forge_type t) {
    switch (t) {
    case VLM_FORGE_Q8_0: return 7;    /* LLAMA_FTYPE_MOSTLY_Q8_0 */
    case VLM_FORGE_Q4_K_M: return 15; /* LLAMA_FTYPE_MOSTLY_Q4_K_M */
    default: return 1;                /* LLAMA_FTYPE_MOSTLY_F16 */
    }
}

static bool has(const char *name, const char *part) { return strstr(name, part) != NULL; }

static bool ends_with(const char *s, const char *tail) {
    const size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Tensors llama.cpp leaves in the type they have (of those forge writes). */
static bool quant_skips(const char *name) {
    return !ends_with(name, "weight") || has(name, "_norm.weight") || has(name, "ffn_gate_inp.weight") ||
           has(name, ".position_embd") || has(name, ".patch_embd") || has(name, "shortconv.conv.weight") ||
           strcmp(name, "position_embd.weight") == 0 || strcmp(name, "token_types.weight") == 0;
}

/* llama.cpp's use_more_bits: the first and last eighth of the layers and every
 * third one between them get more bits. */
static bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

/* A type whose blocks do not divide the row falls back as llama.cpp's
 * tensor_type_fallback does; F16 when even that does not fit. */
static enum ggml_type fallback(enum ggml_type t, int64_t ncols) {
    if (ncols % ggml_blck_size(t) == 0) return t;
    switch (t) {
    case GGML_TYPE_Q4_K: t = GGML_TYPE_Q5_0; break;
    case GGML_TYPE_Q5_K: t = GGML_TYPE_Q5_1; break;
    case GGML_TYPE_Q6_K: t = GGML_TYPE_Q8_0; break;
    default: break;
    }
    return ncols % ggml_blck_size(t) == 0 ? t : GGML_TYPE_F16;
}

/* Q4_K_M's changes to the default Q4_K for one block tensor. */
static enum ggml_type q4_k_m_block(const struct forge_out *o, const char *name, int layer) {
    const bool more = layer >= 0 && use_more_bits(layer, o->n_layer);
    if (has(name, "attn_v.weight")) {
        if (o->n_expert == 8) return GGML_TYPE_Q8_0;
        return more ? GGML_TYPE_Q6_K : GGML_TYPE_Q4_K;
    }
    if (has(name, "attn_k.weight") && o->n_expert == 8) return GGML_TYPE_Q8_0;
    if (has(name, "attn_qkv.weight")) return GGML_TYPE_Q5_K;
    if (has(name, "attn_output.weight") && o->n_expert == 8) return GGML_TYPE_Q5_K;
    if (has(name, "ffn_down") && more) return GGML_TYPE_Q6_K;
    return GGML_TYPE_Q4_K;
}

enum ggml_type forge_recipe_type(const struct forge_out *o, const char *name, const int64_t ne[4]) {
    if (o->ftype == VLM_FORGE_F16 || quant_skips(name)) return GGML_TYPE_F16;
    const enum ggml_type base = o->ftype == VLM_FORGE_Q8_0 ? GGML_TYPE_Q8_0 : GGML_TYPE_Q4_K;
    enum ggml_type t = base;
    const bool is_head = strcmp(name, "output.weight") == 0;
    const bool is_embd = strcmp(name, "token_embd.weight") == 0;
    if (is_head || (is_embd && o->tie_embd)) {
        /* the lm_head (or the embedding standing in for it): Q6_K unless Q8_0 */
        if (ne[0] % ggml_blck_size(base) != 0) t = GGML_TYPE_Q8_0;
        else if (base != GGML_TYPE_Q8_0) t = GGML_TYPE_Q6_K;
    } else if (o->n_expert == 8 && (has(name, "attn_v.weight") || has(name, "attn_k.weight"))) {
        t = GGML_TYPE_Q8_0; /* llama.cpp's rule for 8-expert models, at any type */
    } else if (o->ftype == VLM_FORGE_Q4_K_M && !is_embd) {
        int layer = -1;
        if (sscanf(name, "blk.%d.", &layer) != 1) layer = -1;
        t = q4_k_m_block(o, name, layer);
    }
    return fallback(t, ne[0]);
}
