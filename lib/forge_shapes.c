/*
 * forge_shapes.c - published models' exact layer shapes for `vlmeter forge
 * --shape NAME`: every number is a field of the model's config.json on the
 * Hugging Face hub (repository in `source`; docs/forge.md lists the fields and
 * how each was confirmed). The vocabulary is llama.cpp's Qwen2 vocab file, the
 * tokenizer Qwen3-VL uses, padded to config.json's vocab_size (151,936).
 */
#include "forge_impl.h"

/* What the three Qwen3-VL shapes share: 36 or 48 layers of 32 query heads of
 * 128, RoPE base 5e6 with interleaved M-RoPE sections 24/20/20, RMS eps 1e-6,
 * 262,144 positions; a ViT with patch 16 and 2304 learned positions (48x48,
 * hence image_size 768). */
#define QWEN3VL_LM(width, layers, ffn, kv)                                                                   \
    .n_embd = (width), .n_layer = (layers), .n_ff = (ffn), .n_head = 32, .n_head_kv = (kv), .head_dim = 128, \
    .n_ctx = 262144, .rope_base = 5000000.0f, .rms_eps = 1e-6f, .rope_sections = {24, 20, 20, 0},            \
    .vocab = "ggml-vocab-qwen2.gguf"

// clang-format off
const struct forge_shape forge_shapes[] = {
    { .name = "qwen3-vl-4b", .arch = "qwen3vl", .source = "Qwen/Qwen3-VL-4B-Instruct",
      .size = { .lm  = { QWEN3VL_LM(2560, 36, 9728, 8), .tie_embd = 1 },
                .vit = { .image_size = 768, .patch = 16, .n_embd = 1024, .n_ff = 4096, .n_layer = 24,
                         .n_head = 16, .n_deepstack = 3, .deepstack = { 5, 11, 17 } } } },
    { .name = "qwen3-vl-8b", .arch = "qwen3vl", .source = "Qwen/Qwen3-VL-8B-Instruct",
      .size = { .lm  = { QWEN3VL_LM(4096, 36, 12288, 8) },
                .vit = { .image_size = 768, .patch = 16, .n_embd = 1152, .n_ff = 4304, .n_layer = 27,
                         .n_head = 16, .n_deepstack = 3, .deepstack = { 8, 16, 24 } } } },
    { .name = "qwen3-vl-30b-a3b", .arch = "qwen3vlmoe", .source = "Qwen/Qwen3-VL-30B-A3B-Instruct",
      .size = { .lm  = { QWEN3VL_LM(2048, 48, 6144, 4), .n_expert = 128, .n_expert_used = 8, .n_ff_exp = 768 },
                .vit = { .image_size = 768, .patch = 16, .n_embd = 1152, .n_ff = 4304, .n_layer = 27,
                         .n_head = 16, .n_deepstack = 3, .deepstack = { 8, 16, 24 } } } },
};
// clang-format on

const int forge_n_shapes = (int)(sizeof forge_shapes / sizeof forge_shapes[0]);
