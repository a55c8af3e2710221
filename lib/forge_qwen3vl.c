/*
 * forge_qwen3vl.c - the forged Qwen3-VL layout: a ViT with a 2x2 merger and
 * deepstack (clip.projector_type = qwen3vl_merger) and the qwen3vl LM with
 * M-RoPE (docs/forge.md).
 */
#include "forge_impl.h"

static void write_qwen3vl_lm(struct forge_out *o, const struct arch_size *s) {
    forge_lm_keys(o, "qwen3vl", &s->lm);
    gguf_set_arr_data(o->gguf, "qwen3vl.rope.dimension_sections", GGUF_TYPE_INT32, s->lm.rope_sections, 4);
    forge_set_u32(o, "qwen3vl", "n_deepstack_layers", (uint32_t)s->vit.n_deepstack);
    forge_lm_tensors(o, &s->lm, FORGE_QK_NORM);
}

/* Qwen3-VL ViT: two temporal patch kernels, learned positions (interpolated),
 * fused QKV, M-RoPE; a 2x2 patch merger MLP (mm.0, mm.2) after v.post_ln, and
 * one deepstack merger per listed layer, whose outputs go to the LM's first
 * layers. The projector's output is LM width x (1 + deepstack count). */
void forge_qwen3vl_proj(struct forge_out *o, const struct arch_size *s) {
    static const float half[3] = {0.5f, 0.5f, 0.5f};
    const struct vit_cfg *v = &s->vit;
    const int side = v->image_size / v->patch;
    const int merged = 4 * v->n_embd; /* 2x2 patches side by side */
    forge_clip_keys(o, "qwen3vl_merger", s, half, half, 1e-6f, true);
    gguf_set_val_u32(o->gguf, "clip.vision.spatial_merge_size", 2);
    bool is_ds[64] = {false}; /* the table's towers have at most 64 layers */
    for (int j = 0; j < v->n_deepstack; j++) is_ds[v->deepstack[j]] = true;
    gguf_set_arr_data(o->gguf, "clip.vision.is_deepstack_layers", GGUF_TYPE_BOOL, is_ds, (size_t)v->n_layer);

    forge_patch_conv(o, v, 0.7071f, "v.patch_embd.weight");
    forge_patch_conv(o, v, 0.7071f, "v.patch_embd.weight.1");
    forge_bias(o, v->n_embd, "v.patch_embd.bias");
    forge_add_tensor(o, GGML_TYPE_F32, (int64_t[4]){v->n_embd, side * side, 0, 0}, FILL_RANDOM, 0.5f, 0.0f,
                     "v.position_embd.weight");
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
const char forge_qwen3vl_template[] =
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

// clang-format off
#define QWEN3VL_SIZES { \
        /* tiny; the LM needs more layers than deepstack inputs: llama.cpp adds \
         * them to the first layers' outputs, before the last one picks rows */ \
        { .lm  = { .n_embd = 64, .n_layer = 3, .n_ff = 256, .n_head = 2, .n_head_kv = 1, \
                   .head_dim = 32, .n_ctx = 4096, .rope_base = 5000000.0f, .rms_eps = 1e-6f, \
                   .rope_sections = { 6, 5, 5, 0 }, .vocab = "ggml-vocab-gpt-2.gguf" }, \
          .vit = { .image_size = 256, .patch = 16, .n_embd = 64, .n_ff = 256, \
                   .n_layer = 3, .n_head = 2, .n_deepstack = 2, .deepstack = { 0, 1 } } }, \
        /* small: Qwen2.5-0.5B-shaped qwen3vl LM with the Qwen2 vocab, Qwen3-VL-2B's tower */ \
        { .lm  = { .n_embd = 896, .n_layer = 24, .n_ff = 4864, .n_head = 14, .n_head_kv = 2, \
                   .head_dim = 64, .n_ctx = 32768, .rope_base = 5000000.0f, .rms_eps = 1e-6f, \
                   .rope_sections = { 12, 10, 10, 0 }, .vocab = "ggml-vocab-qwen2.gguf" }, \
          .vit = { .image_size = 768, .patch = 16, .n_embd = 1024, .n_ff = 4096, \
                   .n_layer = 24, .n_head = 16, .n_deepstack = 3, .deepstack = { 5, 11, 17 } } }, \
}
// clang-format on

/* The chat template of Qwen3-VL's "Thinking" models, written from the
 * chat_template published with Qwen/Qwen3-VL-8B-Thinking (docs/forge.md):
 * ChatML whose generation prompt opens the reasoning block ("<think>\n"), and
 * whose past assistant turns keep only the answer after "</think>" (the last
 * turns after the latest user query keep their reasoning). Tools are left out.
 * Typed image parts render as Qwen's vision tokens; string contents (what
 * llama.cpp hands a template, media markers inline) render as they are. */
static const char QWEN3VL_THINKING_TEMPLATE[] =
    "{%- macro render_content(content) %}"
    "{%- if content is string %}{{- content }}"
    "{%- else %}{%- for item in content %}"
    "{%- if item.type == 'image' or 'image' in item %}{{- '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{%- elif 'text' in item %}{{- item.text }}{%- endif %}"
    "{%- endfor %}{%- endif %}"
    "{%- endmacro %}"
    "{%- if messages[0].role == 'system' %}"
    "{{- '<|im_start|>system\\n' + render_content(messages[0].content) + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- set ns = namespace(last_query_index=messages|length - 1) %}"
    "{%- for message in messages[::-1] %}"
    "{%- if message.role == 'user' and ns.last_query_index == messages|length - 1 %}"
    "{%- set ns.last_query_index = (messages|length - 1) - loop.index0 %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- for message in messages %}"
    "{%- set content = render_content(message.content) %}"
    "{%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}"
    "{%- set reasoning_content = '' %}"
    "{%- if message.reasoning_content is string %}{%- set reasoning_content = message.reasoning_content %}"
    "{%- elif '</think>' in content %}"
    "{%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}"
    "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}"
    "{%- endif %}"
    "{%- if loop.index0 > ns.last_query_index %}"
    "{{- '<|im_start|>assistant\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}"
    "{%- else %}{{- '<|im_start|>assistant\\n' + content }}{%- endif %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}";

const struct forge_arch forge_arch_qwen3vl = {
    .name = "qwen3vl",
    .desc = "Qwen3-VL: ViT with 2x2 merger and deepstack (qwen3vl_merger) + qwen3vl LM with M-RoPE",
    .lm_arch = "qwen3vl",
    .size = QWEN3VL_SIZES,
    .write_lm = write_qwen3vl_lm,
    .write_proj = forge_qwen3vl_proj,
    .template_text = forge_qwen3vl_template,
};

const struct forge_arch forge_arch_qwen3vl_thinking = {
    .name = "qwen3vl-thinking",
    .desc = "Qwen3-VL Thinking: the qwen3vl layout with the Thinking chat template (opens <think>)",
    .lm_arch = "qwen3vl",
    .size = QWEN3VL_SIZES,
    .write_lm = write_qwen3vl_lm,
    .write_proj = forge_qwen3vl_proj,
    .template_text = QWEN3VL_THINKING_TEMPLATE,
};
