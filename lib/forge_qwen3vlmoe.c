/*
 * forge_qwen3vlmoe.c - the forged Qwen3-VL-30B-A3B layout: the Qwen3-VL ViT
 * with its 2x2 merger and deepstack (clip.projector_type = qwen3vl_merger, as
 * in forge_qwen3vl.c) and the qwen3vlmoe LM: qwen3vl's attention (Q/K norms,
 * interleaved M-RoPE, deepstack inputs) with a mixture-of-experts FFN in every
 * layer (docs/forge.md).
 */
#include "forge_impl.h"

/* Every layer: Qwen3 attention, then a softmax router (ffn_gate_inp, F32 as
 * llama.cpp's converter keeps it) choosing expert_used_count of expert_count
 * SwiGLU experts stacked in 3-D tensors [in, out, expert]. The router's logits
 * have unit scale, so different tokens pick different experts; llama.cpp
 * renormalises the chosen experts' weights to sum to 1. */
static void write_qwen3vlmoe_lm(struct forge_out *o, const struct arch_size *s) {
    const struct lm_cfg *c = &s->lm;
    const int q = c->n_head * c->head_dim, kv = c->n_head_kv * c->head_dim;
    const float out_gain = forge_residual_gain(c->n_layer);
    forge_lm_keys(o, "qwen3vlmoe", c);
    gguf_set_arr_data(o->gguf, "qwen3vlmoe.rope.dimension_sections", GGUF_TYPE_INT32, c->rope_sections, 4);
    forge_set_u32(o, "qwen3vlmoe", "n_deepstack_layers", (uint32_t)s->vit.n_deepstack);
    forge_set_u32(o, "qwen3vlmoe", "expert_count", (uint32_t)c->n_expert);
    forge_set_u32(o, "qwen3vlmoe", "expert_used_count", (uint32_t)c->n_expert_used);
    forge_set_u32(o, "qwen3vlmoe", "expert_feed_forward_length", (uint32_t)c->n_ff_exp);

    forge_lm_embd(o, c);
    for (int i = 0; i < c->n_layer; i++) {
        forge_ones(o, c->n_embd, "blk.%d.attn_norm.weight", i);
        forge_matrix(o, c->n_embd, q, 1.0f, "blk.%d.attn_q.weight", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_k.weight", i);
        forge_matrix(o, c->n_embd, kv, 1.0f, "blk.%d.attn_v.weight", i);
        forge_matrix(o, q, c->n_embd, out_gain, "blk.%d.attn_output.weight", i);
        forge_ones(o, c->head_dim, "blk.%d.attn_q_norm.weight", i);
        forge_ones(o, c->head_dim, "blk.%d.attn_k_norm.weight", i);
        forge_ones(o, c->n_embd, "blk.%d.ffn_norm.weight", i);
        forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){ c->n_embd, c->n_expert, 0, 0 }, FILL_RANDOM,
                         1.0f / sqrtf((float)c->n_embd), 0.0f, "blk.%d.ffn_gate_inp.weight", i);
        forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){ c->n_embd, c->n_ff_exp, c->n_expert, 0 }, FILL_RANDOM,
                         1.0f / sqrtf((float)c->n_embd), 0.0f, "blk.%d.ffn_gate_exps.weight", i);
        forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){ c->n_embd, c->n_ff_exp, c->n_expert, 0 }, FILL_RANDOM,
                         1.0f / sqrtf((float)c->n_embd), 0.0f, "blk.%d.ffn_up_exps.weight", i);
        forge_add_tensor(o, GGML_TYPE_F16, (int64_t[4]){ c->n_ff_exp, c->n_embd, c->n_expert, 0 }, FILL_RANDOM,
                         out_gain / sqrtf((float)c->n_ff_exp), 0.0f, "blk.%d.ffn_down_exps.weight", i);
    }
    forge_lm_head(o, c);
}

/* The Qwen3-VL projector, the same layout as forge_qwen3vl.c's (a copy: that
 * writer is static there). ViT: two temporal patch kernels, learned positions
 * (interpolated), fused QKV, M-RoPE; a 2x2 patch merger MLP (mm.0, mm.2) after
 * v.post_ln, and one deepstack merger per listed layer, whose outputs go to the
 * LM's first layers. The projector's output is LM width x (1 + deepstack count). */
static void write_qwen3vl_merger_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = { 0.5f, 0.5f, 0.5f };
    const struct vit_cfg *v = &s->vit;
    const int side = v->image_size / v->patch;
    const int merged = 4 * v->n_embd; /* 2x2 patches side by side */
    forge_clip_keys(o, "qwen3vl_merger", s, half, half, 1e-6f, true);
    gguf_set_val_u32(o->gguf, "clip.vision.spatial_merge_size", 2);
    bool is_ds[64] = { false }; /* the table's towers have at most 64 layers */
    for (int j = 0; j < v->n_deepstack; j++) is_ds[v->deepstack[j]] = true;
    gguf_set_arr_data(o->gguf, "clip.vision.is_deepstack_layers", GGUF_TYPE_BOOL, is_ds,
                      (size_t)v->n_layer);

    forge_patch_conv(o, v, 0.7071f, "v.patch_embd.weight");
    forge_patch_conv(o, v, 0.7071f, "v.patch_embd.weight.1");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){ v->n_embd, side * side, 0, 0 }, FILL_RANDOM,
                     0.5f, 0.0f, "v.position_embd.weight");
    for (int i = 0; i < v->n_layer; i++) forge_vit_block(o, v, i, true);
    forge_ones(o, v->n_embd, "v.post_ln.weight");
    forge_bias(o, v->n_embd, "v.post_ln.bias");

    forge_matrix(o, merged, merged, 1.0f, "mm.0.weight");
    forge_bias(o, merged, "mm.0.bias");
    forge_matrix(o, merged, s->lm.n_embd, 1.0f, "mm.2.weight");
    forge_bias(o, s->lm.n_embd, "mm.2.bias");
    for (int j = 0; j < v->n_deepstack; j++) {
        const int il = v->deepstack[j];
        forge_ones(o, merged, "v.deepstack.%d.norm.weight", il);
        forge_bias(o, merged, "v.deepstack.%d.norm.bias", il);
        forge_matrix(o, merged, merged, 1.0f, "v.deepstack.%d.fc1.weight", il);
        forge_bias(o, merged, "v.deepstack.%d.fc1.bias", il);
        forge_matrix(o, merged, s->lm.n_embd, 1.0f, "v.deepstack.%d.fc2.weight", il);
        forge_bias(o, s->lm.n_embd, "v.deepstack.%d.fc2.bias", il);
    }
}

/* Qwen3-VL's instruct chat template, verbatim (the tokenizer.chat_template of
 * Qwen's own Qwen3-VL-*-Instruct GGUFs, from the models' chat_template.json):
 * ChatML with tool calls, no default system prompt, vision tokens for image
 * and video parts; string contents pass through unchanged. */
static const char QWEN3VL_INSTRUCT_TEMPLATE[] =
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0].role == 'system' %}\n"
    "        {%- if messages[0].content is string %}\n"
    "            {{- messages[0].content }}\n"
    "        {%- else %}\n"
    "            {%- for content in messages[0].content %}\n"
    "                {%- if 'text' in content %}\n"
    "                    {{- content.text }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '\\n\\n' }}\n"
    "    {%- endif %}\n"
    "    {{- \"# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n"
    "        {{- \"\\n\" }}\n"
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n"
    "    {%- if messages[0].role == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' }}\n"
    "        {%- if messages[0].content is string %}\n"
    "            {{- messages[0].content }}\n"
    "        {%- else %}\n"
    "            {%- for content in messages[0].content %}\n"
    "                {%- if 'text' in content %}\n"
    "                    {{- content.text }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- set image_count = namespace(value=0) %}\n"
    "{%- set video_count = namespace(value=0) %}\n"
    "{%- for message in messages %}\n"
    "    {%- if message.role == \"user\" %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' }}\n"
    "        {%- if message.content is string %}\n"
    "            {{- message.content }}\n"
    "        {%- else %}\n"
    "            {%- for content in message.content %}\n"
    "                {%- if content.type == 'image' or 'image' in content or 'image_url' in content %}\n"
    "                    {%- set image_count.value = image_count.value + 1 %}\n"
    "                    {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}\n"
    "                    <|vision_start|><|image_pad|><|vision_end|>\n"
    "                {%- elif content.type == 'video' or 'video' in content %}\n"
    "                    {%- set video_count.value = video_count.value + 1 %}\n"
    "                    {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}\n"
    "                    <|vision_start|><|video_pad|><|vision_end|>\n"
    "                {%- elif 'text' in content %}\n"
    "                    {{- content.text }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' }}\n"
    "        {%- if message.content is string %}\n"
    "            {{- message.content }}\n"
    "        {%- else %}\n"
    "            {%- for content_item in message.content %}\n"
    "                {%- if 'text' in content_item %}\n"
    "                    {{- content_item.text }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {%- if message.tool_calls %}\n"
    "            {%- for tool_call in message.tool_calls %}\n"
    "                {%- if (loop.first and message.content) or (not loop.first) %}\n"
    "                    {{- '\\n' }}\n"
    "                {%- endif %}\n"
    "                {%- if tool_call.function %}\n"
    "                    {%- set tool_call = tool_call.function %}\n"
    "                {%- endif %}\n"
    "                {{- '<tool_call>\\n{\"name\": \"' }}\n"
    "                {{- tool_call.name }}\n"
    "                {{- '\", \"arguments\": ' }}\n"
    "                {%- if tool_call.arguments is string %}\n"
    "                    {{- tool_call.arguments }}\n"
    "                {%- else %}\n"
    "                    {{- tool_call.arguments | tojson }}\n"
    "                {%- endif %}\n"
    "                {{- '}\\n</tool_call>' }}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if loop.first or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {%- if message.content is string %}\n"
    "            {{- message.content }}\n"
    "        {%- else %}\n"
    "            {%- for content in message.content %}\n"
    "                {%- if content.type == 'image' or 'image' in content or 'image_url' in content %}\n"
    "                    {%- set image_count.value = image_count.value + 1 %}\n"
    "                    {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}\n"
    "                    <|vision_start|><|image_pad|><|vision_end|>\n"
    "                {%- elif content.type == 'video' or 'video' in content %}\n"
    "                    {%- set video_count.value = video_count.value + 1 %}\n"
    "                    {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}\n"
    "                    <|vision_start|><|video_pad|><|vision_end|>\n"
    "                {%- elif 'text' in content %}\n"
    "                    {{- content.text }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n";

const struct forge_arch forge_arch_qwen3vlmoe = {
    .name = "qwen3vlmoe",
    .desc = "Qwen3-VL-30B-A3B: ViT with 2x2 merger and deepstack (qwen3vl_merger) + qwen3vlmoe MoE LM with M-RoPE",
    .lm_arch = "qwen3vlmoe",
    .size = {
        /* tiny: qwen3vl's tiny shapes with 8 experts of width 64, 2 per token;
         * 3 LM layers because the deepstack inputs go to the first 2 */
        { .lm  = { .n_embd = 64, .n_layer = 3, .n_ff = 256, .n_head = 2, .n_head_kv = 1,
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 5000000.0f, .rms_eps = 1e-6f,
                   .rope_sections = { 6, 5, 5, 0 }, .n_expert = 8, .n_expert_used = 2,
                   .n_ff_exp = 64, .vocab = "ggml-vocab-gpt-2.gguf" },
          .vit = { .image_size = 256, .patch = 16, .n_embd = 64, .n_ff = 256,
                   .n_layer = 3, .n_head = 2, .n_deepstack = 2, .deepstack = { 0, 1 } } },
        /* small: Qwen3-VL-30B-A3B's MoE layer (128 experts, 8 per token, head 128,
         * M-RoPE 24/20/20) at 3/8 of its width (768, experts 256 wide) and 6 of its
         * 48 layers, the Qwen2 vocab; Qwen3-VL-30B-A3B's own tower */
        { .lm  = { .n_embd = 768, .n_layer = 6, .n_ff = 2304, .n_head = 12, .n_head_kv = 2,
                   .head_dim = 128, .n_ctx = 32768, .rope_base = 5000000.0f, .rms_eps = 1e-6f,
                   .rope_sections = { 24, 20, 20, 0 }, .n_expert = 128, .n_expert_used = 8,
                   .n_ff_exp = 256, .vocab = "ggml-vocab-qwen2.gguf" },
          .vit = { .image_size = 768, .patch = 16, .n_embd = 1152, .n_ff = 4304,
                   .n_layer = 27, .n_head = 16, .n_deepstack = 3, .deepstack = { 8, 16, 24 } } },
    },
    .write_lm = write_qwen3vlmoe_lm,
    .write_proj = write_qwen3vl_merger_proj,
    .template_text = QWEN3VL_INSTRUCT_TEMPLATE,
};
