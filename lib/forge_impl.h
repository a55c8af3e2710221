/*
 * forge_impl.h - what the forge core (forge.c: random streams, the GGUF writer,
 * the vocabulary, shared LM and ViT building blocks) and the architecture files
 * (forge_<arch>.c: shapes, GGUF keys, tensor names, chat template) share.
 * Not part of the public API.
 *
 * An architecture file defines one `const struct forge_arch forge_arch_<name>`
 * and is listed in forge.c's table. Its write_lm / write_proj declare tensors
 * with forge_add_tensor (or the forge_matrix / forge_ones / forge_bias macros)
 * and set keys with gguf_set_val_* on o->gguf; the core fills and writes them.
 */
#ifndef VLM_FORGE_IMPL_H
#define VLM_FORGE_IMPL_H

#include "vlmeter.h"

#include <ggml.h>
#include <gguf.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

/* A decoder LM's shapes. The MoE and sliding-window fields are 0 when unused. */
struct lm_cfg {
    int n_embd, n_layer, n_ff, n_head, n_head_kv, head_dim, n_ctx;
    float rope_base, rms_eps;
    int rope_sections[4];                  /* M-RoPE (qwen2vl, qwen3vl) */
    int n_expert, n_expert_used, n_ff_exp; /* mixture of experts */
    int swa;                               /* sliding-window size */
    int tie_embd;                          /* 1: no output.weight, the lm_head is token_embd */
    const char *vocab;                     /* vocab GGUF file in vocab_dir */
};

/* A vision tower's shapes. */
struct vit_cfg {
    int image_size, patch, n_embd, n_ff, n_layer, n_head;
    int n_deepstack; /* qwen3vl: vision layers feeding the LM's first layers */
    int deepstack[4];
};

struct arch_size {
    struct lm_cfg lm;
    struct vit_cfg vit;
    const void *extra; /* an architecture file's own settings, or NULL */
};

struct forge_out;

struct forge_arch {
    const char *name;
    const char *desc;
    const char *lm_arch;      /* general.architecture of model.gguf */
    struct arch_size size[2]; /* [VLM_FORGE_TINY], [VLM_FORGE_SMALL] */
    void (*write_lm)(struct forge_out *o, const struct arch_size *s);
    void (*write_proj)(struct forge_out *o, const struct arch_size *s);
    /* The chat template the LM file carries (tokenizer.chat_template): the text,
     * or when NULL the file template_file under vocab_dir (llama.cpp's models/,
     * whose templates/ folder holds templates published with real models). */
    const char *template_text;
    const char *template_file;
};

/* How a tensor's values are made. */
enum forge_fill { FILL_RANDOM, FILL_CONST, FILL_LM_HEAD };

struct forge_tspec {
    struct ggml_tensor *t; /* name, shape and type; no data */
    enum forge_fill fill;
    float std;  /* FILL_RANDOM: standard deviation (uniform distribution) */
    float mean; /* FILL_RANDOM: added; FILL_CONST: the value */
};

/* One file being forged. */
struct forge_out {
    struct gguf_context *gguf;
    struct ggml_context *meta;
    struct forge_tspec *specs;
    int n_specs, cap_specs;
    uint64_t seed;
    const uint8_t *favoured; /* per token: 1 = favoured by the lm_head (FILL_LM_HEAD) */
    int n_vocab;             /* the LM file's vocabulary size (0 for a projector) */
    /* The LM file's weight type and what its recipe looks at (forge_quant.c);
     * F16 for a projector, whose tensors keep the types they are declared with. */
    enum vlm_forge_type ftype;
    int n_layer, n_expert, tie_embd;
};

/* Declare a tensor of up to 4 dims (ne[] ends at the first 0). A matrix
 * declared F16 in a quantized LM file gets the type of forge_recipe_type. */
void forge_add_tensor(struct forge_out *o, enum ggml_type type, const int64_t ne[4], enum forge_fill fill, float std,
                      float mean, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Gain of matrices that write into a residual stream of n_layer blocks:
 * sqrt(2 / depth), at most 1 (forge.c says why). */
float forge_residual_gain(int n_layer);

/* A matrix y = W x with x of `in` and y of `out` values: F16, std 1/sqrt(in) * gain,
 * which keeps activations at unit scale through the layer. */
#define forge_matrix(o, in, out, gain, ...)                                            \
    forge_add_tensor((o), GGML_TYPE_F16, (int64_t[4]){(in), (out), 0, 0}, FILL_RANDOM, \
                     (float)(gain) / sqrtf((float)(in)), 0.0f, __VA_ARGS__)
/* A norm's weight: F32 ones. */
#define forge_ones(o, n, ...) \
    forge_add_tensor((o), GGML_TYPE_F32, (int64_t[4]){(n), 0, 0, 0}, FILL_CONST, 0.0f, 1.0f, __VA_ARGS__)
/* A bias (or norm bias): F32, small random. */
#define forge_bias(o, n, ...) \
    forge_add_tensor((o), GGML_TYPE_F32, (int64_t[4]){(n), 0, 0, 0}, FILL_RANDOM, 0.02f, 0.0f, __VA_ARGS__)

/* "<arch>.<key>" = v. */
void forge_set_u32(struct forge_out *o, const char *arch, const char *key, uint32_t v);
void forge_set_f32(struct forge_out *o, const char *arch, const char *key, float v);

/* Keys every decoder LM here has, under "<arch>.". */
void forge_lm_keys(struct forge_out *o, const char *arch, const struct lm_cfg *c);

/* What forge_lm_tensors adds to a plain llama block. */
enum {
    FORGE_QK_NORM = 1,  /* per-head RMS norms on Q and K (Qwen3) */
    FORGE_QKV_BIAS = 2, /* biases on Q, K and V (Qwen2) */
};

/* token_embd, the blocks (RMS norm, attention, SwiGLU FFN) with the FORGE_*
 * `extras`, output_norm and the lm_head. */
void forge_lm_tensors(struct forge_out *o, const struct lm_cfg *c, int extras);

/* Give tokens ids[0..n) the texts names[0..n) in the LM file's vocabulary (an
 * id past its end is skipped). */
void forge_vocab_rename(struct forge_out *o, const int *ids, const char *const *names, int n);

/* Write the n tokens `toks` over the vocabulary's padding slots from id
 * `first` on ("[PAD151646]" ... in llama.cpp's Qwen2 vocab), as control
 * tokens, and make <|im_end|> the end-of-sequence token, as a converted
 * Qwen2-based model has them. A vocabulary without such slots there is left
 * as it is. */
void forge_vocab_fill_pad(struct forge_out *o, int first, const char *const *toks, int n);

/* The std of token_embd.weight's random values (forge_lm_embd); the lm_head's
 * repeat penalty (forge.c) is scaled by it. */
#define TOKEN_EMBD_STD 1.0f

/* The token embedding, output_norm and the lm_head alone (for LMs whose blocks
 * an architecture file writes itself). */
void forge_lm_embd(struct forge_out *o, const struct lm_cfg *c);
void forge_lm_head(struct forge_out *o, const struct lm_cfg *c);

/* clip.* keys: projector type, tower shapes, normalisation, projection width. */
void forge_clip_keys(struct forge_out *o, const char *proj, const struct arch_size *s, const float mean[3],
                     const float std[3], float eps, bool gelu);

/* Pre-norm ViT block with LayerNorms; separate Q/K/V (CLIP) or fused QKV (Qwen). */
void forge_vit_block(struct forge_out *o, const struct vit_cfg *v, int i, bool fused_qkv);

/* A SigLIP tower (gemma3, idefics3): F32 patch embedding with bias and learned
 * positions for the (image_size / patch)^2 grid, pre-norm blocks with separate
 * Q/K/V, and v.post_ln. */
void forge_siglip_tower(struct forge_out *o, const struct vit_cfg *v);

/* A patch-embedding convolution kernel [patch, patch, 3, n_embd], F16. */
void forge_patch_conv(struct forge_out *o, const struct vit_cfg *v, float gain, const char *name);

/* Qwen3-VL's projector (qwen3vl_merger with deepstack) and its Instruct chat
 * template, shared by qwen3vl and qwen3vlmoe (forge_qwen3vl.c). */
void forge_qwen3vl_proj(struct forge_out *o, const struct arch_size *s);
extern const char forge_qwen3vl_template[];

/* The type llama.cpp's llama-quantize gives tensor `name` of shape ne (at
 * least 2 dims, declared F16) in a file of type o->ftype: its Q8_0 and Q4_K_M
 * recipes, with their fallbacks for rows that are not whole blocks
 * (forge_quant.c). F16 for tensors llama.cpp does not quantize. */
enum ggml_type forge_recipe_type(const struct forge_out *o, const char *name, const int64_t ne[4]);

/* The keys and tensors (names, shapes, types; no data) vlm_forge(p) would
 * write to model.gguf, or to mmproj.gguf when is_proj, into o; free o with
 * forge_out_free even on error. For tests. */
int forge_describe(const struct vlm_forge_params *p, bool is_proj, struct forge_out *o, char *err, size_t err_len);
void forge_out_free(struct forge_out *o);

/* llama.cpp's general.file_type for a forge type (1, 7, 15). */
uint32_t forge_file_type(enum vlm_forge_type t);

/* A published model's shapes (forge_shapes.c): forged with architecture
 * `arch`'s writers, sizes from `source`'s config.json (docs/forge.md). */
struct forge_shape {
    const char *name, *arch, *source;
    struct arch_size size;
};
extern const struct forge_shape forge_shapes[];
extern const int forge_n_shapes;

/* The architectures (one file each). */
extern const struct forge_arch forge_arch_llava;
extern const struct forge_arch forge_arch_qwen3vl;
extern const struct forge_arch forge_arch_qwen3vl_thinking;
extern const struct forge_arch forge_arch_qwen3vlmoe;
extern const struct forge_arch forge_arch_qwen25vl;
extern const struct forge_arch forge_arch_gemma3;
extern const struct forge_arch forge_arch_idefics3;
extern const struct forge_arch forge_arch_internvl;
extern const struct forge_arch forge_arch_minicpmv;
extern const struct forge_arch forge_arch_pixtral;
extern const struct forge_arch forge_arch_lfm2vl;

#endif
