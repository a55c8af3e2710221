/*
 * forge_idefics3.c - the forged Idefics3 / SmolVLM layout: a SigLIP tower, the
 * pixel-shuffle + linear connector (clip.projector_type = idefics3: each
 * scale x scale block of patches becomes one LM token through mm.model.fc) and
 * a llama LM. llama.cpp splits a large image into image_size tiles plus a
 * global view (docs/forge.md).
 */
#include "forge_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Idefics3's chat template (HuggingFaceM4/Idefics3-8B-Llama3,
 * tokenizer_config.json / processor "chat_template"). Message content is read
 * as typed parts; llama.cpp's built-in (non-Jinja) templates do not know it. */
static const char IDEFICS3_TEMPLATE[] =
    "<|begin_of_text|>{% for message in messages %}{{message['role'].capitalize()}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/* Idefics3 adds <fake_token_around_image>, <image> and <end_of_utterance> to
 * Llama 3's vocabulary, and llama.cpp's idefics3 path looks up
 * <fake_token_around_image> and <global-img> as single tokens (an image
 * fails to decode without them). The shipped Llama 3 vocab cannot grow here,
 * so four of its unused <|reserved_special_token_N|> control tokens (the last
 * four) take these names. */
static const char *const ADDED[] = {"<fake_token_around_image>", "<image>", "<end_of_utterance>", "<global-img>"};
#define N_ADDED ((int)(sizeof ADDED / sizeof ADDED[0]))

static void add_idefics3_tokens(struct forge_out *o) {
    static const char reserved[] = "<|reserved_special_token_";
    const int64_t kid = gguf_find_key(o->gguf, "tokenizer.ggml.tokens");
    if (kid < 0) return;
    const int n = (int)gguf_get_arr_n(o->gguf, kid);
    int ids[N_ADDED];
    for (int j = 0; j < N_ADDED; j++) {
        ids[j] = n - N_ADDED + j;
        if (ids[j] < 0 || strncmp(gguf_get_arr_str(o->gguf, kid, (size_t)ids[j]), reserved, sizeof reserved - 1) != 0)
            return; /* not Llama 3's layout: leave the vocab as it is */
    }
    forge_vocab_rename(o, ids, ADDED, N_ADDED);
}

static void write_idefics3_lm(struct forge_out *o, const struct arch_size *s) {
    add_idefics3_tokens(o);
    forge_lm_keys(o, "llama", &s->lm);
    forge_lm_tensors(o, &s->lm, 0);
}

/* How the forged tower is split and merged (clip.vision.* keys the idefics3
 * converter writes). */
struct idefics3_extra {
    int scale_factor; /* pixel shuffle: scale x scale patches -> one token */
    int longest_edge; /* images are first resized to this longest side, then tiled */
};

/* SigLIP: patch conv, learned positions, pre-norm blocks with separate Q/K/V,
 * GELU-tanh, post-LayerNorm; then pixel shuffle and mm.model.fc (no bias). */
static void write_idefics3_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = {0.5f, 0.5f, 0.5f};
    const struct vit_cfg *v = &s->vit;
    const struct idefics3_extra *x = s->extra;
    const int merged = x->scale_factor * x->scale_factor * v->n_embd;
    forge_clip_keys(o, "idefics3", s, half, half, 1e-6f, true);
    gguf_set_val_u32(o->gguf, "clip.vision.projector.scale_factor", (uint32_t)x->scale_factor);
    gguf_set_val_u32(o->gguf, "clip.vision.preproc_image_size", (uint32_t)x->longest_edge);

    forge_siglip_tower(o, v);

    forge_matrix(o, merged, s->lm.n_embd, 1.0f, "mm.model.fc.weight");
}

static const struct idefics3_extra TINY_EXTRA = {.scale_factor = 2, .longest_edge = 128};
static const struct idefics3_extra SMALL_EXTRA = {.scale_factor = 4, .longest_edge = 2048};

// clang-format off
const struct forge_arch forge_arch_idefics3 = {
    .name = "idefics3",
    .desc = "Idefics3 / SmolVLM: SigLIP + pixel-shuffle linear projector (idefics3), tiled images + llama LM",
    .lm_arch = "llama",
    .size = {
        /* tiny: 64 px tiles of 8x8 patches -> 16 tokens each; images are
         * resized to a longest side of 128, so at most 2x2 tiles + the global view */
        { .lm  = { .n_embd = 64, .n_layer = 2, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 500000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-llama-bpe.gguf" },
          .vit = { .image_size = 64, .patch = 8, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 },
          .extra = &TINY_EXTRA },
        /* small: SmolVLM-256M-Instruct (the smallest published idefics3 model):
         * SmolLM2-135M-shaped LM, SigLIP-B/16 at 512 px, scale 4 -> 64 tokens a
         * tile, longest side 2048 (up to 4x4 tiles + global view) */
        { .lm  = { .n_embd = 576, .n_layer = 30, .n_ff = 1536, .n_head = 9, .n_head_kv = 3,
                   .head_dim = 64, .n_ctx = 8192, .rope_base = 100000.0f, .rms_eps = 1e-5f,
                   .vocab = "ggml-vocab-llama-bpe.gguf" },
          .vit = { .image_size = 512, .patch = 16, .n_embd = 768, .n_ff = 3072,
                   .n_layer = 12, .n_head = 12 },
          .extra = &SMALL_EXTRA },
    },
    .write_lm = write_idefics3_lm,
    .write_proj = write_idefics3_proj,
    .template_text = IDEFICS3_TEMPLATE,
};
// clang-format on
