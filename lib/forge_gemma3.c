/*
 * forge_gemma3.c - the forged Gemma 3 layout: the gemma3 LM (embedding scaled
 * by sqrt(width), pre- and post-norms around attention and FFN, per-head Q/K
 * norms, GELU-tanh gated FFN, sliding-window layers with two RoPE bases) and
 * Gemma 3's projector (clip.projector_type = gemma3): a SigLIP tower whose
 * patches are average-pooled 4x4, RMS-normed (mm.soft_emb_norm) and projected
 * (mm.input_projection) into the LM (docs/forge.md).
 */
#include "forge_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Gemma 3's chat template (google/gemma-3-4b-it, tokenizer_config.json
 * "chat_template"; the same in every Gemma 3 instruction-tuned model): a
 * system message is folded into the first user turn, "assistant" is called
 * "model", images are <start_of_image>. */
static const char GEMMA3_TEMPLATE[] =
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    "    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    "        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n"
    "                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n"
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\\n'}}\n"
    "{%- endif -%}\n";

/* Gemma 4's vocabulary (llama.cpp's ggml-vocab-gemma-4.gguf) is Gemma 3's
 * 262,144-token SentencePiece vocabulary with some control tokens renamed.
 * These get Gemma 3's names back, at Gemma 3's ids, so the chat template's
 * turn markers and mtmd's image markers are single control tokens and
 * <end_of_turn> ends generation, as with a real Gemma 3 file. An entry is
 * renamed only when the vocab holds the expected Gemma 4 name there. */
// clang-format off
static const struct { int id; const char *gemma4, *gemma3; } RENAMED[] = {
    { 105, "<|turn>", "<start_of_turn>" },
    { 106, "<turn|>", "<end_of_turn>" },
    { 255999, "<|image>", "<start_of_image>" },
    { 256000, "<|audio>", "<end_of_image>" },
};
// clang-format on

static void restore_gemma3_tokens(struct forge_out *o) {
    const int64_t kid = gguf_find_key(o->gguf, "tokenizer.ggml.tokens");
    if (kid < 0) return;
    const size_t n = gguf_get_arr_n(o->gguf, kid);
    int ids[sizeof RENAMED / sizeof RENAMED[0]];
    const char *names[sizeof RENAMED / sizeof RENAMED[0]];
    int k = 0;
    for (size_t r = 0; r < sizeof RENAMED / sizeof RENAMED[0]; r++)
        if ((size_t)RENAMED[r].id < n &&
            strcmp(gguf_get_arr_str(o->gguf, kid, (size_t)RENAMED[r].id), RENAMED[r].gemma4) == 0) {
            ids[k] = RENAMED[r].id;
            names[k++] = RENAMED[r].gemma3;
        }
    forge_vocab_rename(o, ids, names, k);
}

static void write_gemma3_lm(struct forge_out *o, const struct arch_size *s) {
    const struct lm_cfg *c = &s->lm;
    const int q = c->n_head * c->head_dim, kv = c->n_head_kv * c->head_dim;
    /* Post-norms set the scale of what each block adds to the residual stream,
     * so they carry the residual gain (the other files put it on attn_output /
     * ffn_down, which the post-norms would undo). */
    const float post_gain = forge_residual_gain(c->n_layer);
    restore_gemma3_tokens(o);

    forge_lm_keys(o, "gemma3", c);
    forge_set_u32(o, "gemma3", "attention.sliding_window", (uint32_t)c->swa);
    forge_set_f32(o, "gemma3", "rope.freq_base_swa", 10000.0f); /* local layers; global: rope_base */

    /* The graph multiplies token embeddings by sqrt(width); Gemma's are stored
     * small, so that text enters the stack at unit scale like the image rows. */
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){c->n_embd, o->n_vocab, 0, 0}, FILL_RANDOM,
                     1.0f / sqrtf((float)c->n_embd), 0.0f, "token_embd.weight");
    for (int i = 0; i < c->n_layer; i++) {
        forge_ones(o, c->n_embd, "blk.%d.attn_norm.weight", i);
        forge_matrix(o, c->n_embd, q, 1.0f, "blk.%d.attn_q.weight", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_k.weight", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_v.weight", i);
        forge_ones(o, c->head_dim, "blk.%d.attn_q_norm.weight", i);
        forge_ones(o, c->head_dim, "blk.%d.attn_k_norm.weight", i);
        forge_matrix(o, q, c->n_embd, 1.0f, "blk.%d.attn_output.weight", i);
        forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){c->n_embd, 0, 0, 0}, FILL_CONST, 0.0f, post_gain,
                         "blk.%d.post_attention_norm.weight", i);
        forge_ones(o, c->n_embd, "blk.%d.ffn_norm.weight", i);
        forge_matrix(o, c->n_embd, c->n_ff, 1.0f, "blk.%d.ffn_gate.weight", i);
        forge_matrix(o, c->n_embd, c->n_ff, 1.0f, "blk.%d.ffn_up.weight", i);
        forge_matrix(o, c->n_ff, c->n_embd, 1.0f, "blk.%d.ffn_down.weight", i);
        forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){c->n_embd, 0, 0, 0}, FILL_CONST, 0.0f, post_gain,
                         "blk.%d.post_ffw_norm.weight", i);
    }
    /* Real Gemma 3 ties the lm_head to token_embd; a separate output.weight
     * carries forge's favoured-word layout (forge.c). */
    forge_lm_head(o, c);
}

/* SigLIP (Gemma 3's tower): patch conv, learned positions, pre-norm blocks
 * with separate Q/K/V, GELU-tanh, post-LayerNorm; then llama.cpp pools the
 * patch grid 4x4 (clip.vision.projector.scale_factor, default 4), applies
 * mm.soft_emb_norm (RMS) and mm.input_projection [LM width, tower width]. */
static void write_gemma3_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = {0.5f, 0.5f, 0.5f};
    const struct vit_cfg *v = &s->vit;
    forge_clip_keys(o, "gemma3", s, half, half, 1e-6f, true);

    forge_siglip_tower(o, v);

    forge_ones(o, v->n_embd, "mm.soft_emb_norm.weight");
    /* stored [LM width, tower width] and transposed by the graph: fan-in is the tower width */
    forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){s->lm.n_embd, v->n_embd, 0, 0}, FILL_RANDOM,
                     1.0f / sqrtf((float)v->n_embd), 0.0f, "mm.input_projection.weight");
}

// clang-format off
const struct forge_arch forge_arch_gemma3 = {
    .name = "gemma3",
    .desc = "Gemma 3: SigLIP + 4x4 avg-pool projector (gemma3) + gemma3 LM with sliding window, Gemma vocab",
    .lm_arch = "gemma3",
    .size = {
        /* tiny: 6 layers so that llama.cpp's pattern (every 6th layer global,
         * the others sliding-window) has one of each; width 32 keeps the
         * 262k-token embedding and lm_head at 16.8 MB each */
        { .lm  = { .n_embd = 32, .n_layer = 6, .n_ff = 128, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 8192, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .swa = 512, .vocab = "ggml-vocab-gemma-4.gguf" },
          .vit = { .image_size = 224, .patch = 14, .n_embd = 64, .n_ff = 256,
                   .n_layer = 2, .n_head = 2 } },
        /* small: Gemma 3 1B's LM (the smallest Gemma 3 with a 262k vocab and
         * GQA 4/1, head 256) and Gemma 3's real SigLIP tower (896 px, 256 tokens) */
        { .lm  = { .n_embd = 1152, .n_layer = 26, .n_ff = 6912, .n_head = 4, .n_head_kv = 1,
                   .head_dim = 256, .n_ctx = 32768, .rope_base = 1000000.0f, .rms_eps = 1e-6f,
                   .swa = 512, .vocab = "ggml-vocab-gemma-4.gguf" },
          .vit = { .image_size = 896, .patch = 14, .n_embd = 1152, .n_ff = 4304,
                   .n_layer = 27, .n_head = 16 } },
    },
    .write_lm = write_gemma3_lm,
    .write_proj = write_gemma3_proj,
    .template_text = GEMMA3_TEMPLATE,
};
// clang-format on
