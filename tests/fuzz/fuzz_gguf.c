/*
 * fuzz_gguf.c - libFuzzer harness for the GGUF reads vlmeter does itself
 * (lib/quant.c): vlm_quant_file_type (a file's general.file_type, which
 * `vlmeter quantize` reads to skip a variant made before) and the projector
 * half of vlm_quantize, which walks a projector's tensors (names, shapes, types)
 * and converts its matrices. The input is the projector file; the language model
 * beside it is a metadata-only GGUF whose Q8_0 variant exists already, so only
 * the projector is read and quantized. The GGUF parser itself is llama.cpp's
 * (ggml/src/gguf.cpp, not instrumented here); what is fuzzed is vlmeter's use
 * of what it returns.
 *
 * FUZZ_GGUF_SEEDS=DIR fuzz_gguf writes the seed corpus (small projectors and a
 * metadata-only model) into DIR and exits: tests/fuzz/seed.sh runs it.
 */
#include "fuzz_util.h"

#include "vlmeter.h"

#include <ggml.h>
#include <gguf.h>
#include <llama.h>
#include <sys/stat.h>

/* LLAMA_FTYPE_MOSTLY_Q8_0, the type the harness quantizes to. */
#define HARNESS_FTYPE LLAMA_FTYPE_MOSTLY_Q8_0

static char model_path[512], outdir[512];

/* Write a GGUF with general.file_type = ftype and, when n_tensors > 0, that many
 * F32 or F16 tensors named names[i] of shape ne[i] (2-D), filled with a ramp. */
static void write_gguf(const char *path, uint32_t ftype, int n_tensors, const char *const *names,
                       const int64_t (*ne)[2], const enum ggml_type *types) {
    struct ggml_init_params ip = {.mem_size = 1 << 20, .mem_buffer = NULL, .no_alloc = false};
    struct ggml_context *data = ggml_init(ip);
    struct gguf_context *g = gguf_init_empty();
    gguf_set_val_str(g, "general.architecture", "clip");
    gguf_set_val_u32(g, "general.file_type", ftype);
    gguf_set_val_str(g, "clip.projector_type", "mlp");
    for (int i = 0; i < n_tensors; i++) {
        struct ggml_tensor *t = ggml_new_tensor_2d(data, types[i], ne[i][0], ne[i][1]);
        ggml_set_name(t, names[i]);
        for (int64_t k = 0; k < ggml_nelements(t); k++) {
            if (types[i] == GGML_TYPE_F32) ((float *)t->data)[k] = (float)k / 7.0f - 1.0f;
            else ((ggml_fp16_t *)t->data)[k] = ggml_fp32_to_fp16((float)k / 7.0f - 1.0f);
        }
        gguf_add_tensor(g, t);
    }
    if (!gguf_write_to_file(g, path, false)) {
        fprintf(stderr, "fuzz_gguf: cannot write %s\n", path);
        abort();
    }
    gguf_free(g);
    ggml_free(data);
}

/* A copy of the file `from` as `to` with `n` bytes at the first occurrence of
 * `text` plus `skip` replaced by `with`. */
static void write_patched(const char *from, const char *to, const char *text, size_t skip, const void *with, size_t n) {
    FILE *f = fopen(from, "rb");
    unsigned char b[4096];
    size_t len = f ? fread(b, 1, sizeof b, f) : 0;
    if (f) fclose(f);
    size_t tl = strlen(text), at = 0;
    while (at + tl <= len && memcmp(b + at, text, tl) != 0) at++;
    if (at + tl > len || at + skip + n > len) abort();
    memcpy(b + at + skip, with, n);
    f = fopen(to, "wb");
    if (!f || fwrite(b, 1, len, f) != len || fclose(f) != 0) abort();
}

/* The seed corpus: a projector of two matrices (one quantized, one kept: a
 * position embedding), one with an F16 matrix, a metadata-only model, and the
 * inputs of the crashes this harness found, as tests/unit/test_quant_gguf.c
 * makes them (docs/fuzzing.md). */
static void write_seeds(const char *dir) {
    char p[600], q[600];
    const char *names[] = {"mm.0.weight", "v.position_embd.weight"};
    const int64_t ne[][2] = {{32, 2}, {4, 2}};
    const enum ggml_type f32[] = {GGML_TYPE_F32, GGML_TYPE_F32}, f16[] = {GGML_TYPE_F16, GGML_TYPE_F32};
    snprintf(p, sizeof p, "%s/projector-f16.gguf", dir);
    write_gguf(p, 1, 2, names, ne, f16);
    snprintf(p, sizeof p, "%s/metadata-only.gguf", dir);
    write_gguf(p, LLAMA_FTYPE_MOSTLY_Q4_K_M, 0, NULL, NULL, NULL);
    snprintf(p, sizeof p, "%s/projector-f32.gguf", dir);
    write_gguf(p, 0, 2, names, ne, f32);
    const int64_t huge = (int64_t)1 << 36, zero = 0;
    snprintf(q, sizeof q, "%s/crash-key-nul.gguf", dir); /* "\0lip.projector_type" */
    write_patched(p, q, "clip.projector_type", 0, "", 1);
    snprintf(q, sizeof q, "%s/crash-tensor-past-end.gguf", dir); /* the last tensor: 4 x 2^36 F32 */
    write_patched(p, q, "v.position_embd.weight", strlen("v.position_embd.weight") + 4 + 8, &huge, sizeof huge);
    const char *matrix_last[] = {"v.position_embd.weight", "mm.0.weight"};
    const int64_t ne_last[][2] = {{4, 2}, {32, 2}};
    snprintf(p, sizeof p, "%s/matrix-last.gguf", dir);
    write_gguf(p, 0, 2, matrix_last, ne_last, f32);
    snprintf(q, sizeof q, "%s/crash-no-columns.gguf", dir); /* the last tensor, a matrix: ne[0] = 0 */
    write_patched(p, q, "mm.0.weight", strlen("mm.0.weight") + 4, &zero, sizeof zero);
    char f16_path[600];
    snprintf(f16_path, sizeof f16_path, "%s/projector-f16.gguf",
             dir); /* its general.file_type (1) renamed general.alignment */
    snprintf(q, sizeof q, "%s/crash-alignment-1.gguf", dir);
    write_patched(f16_path, q, "general.file_type", 0, "general.alignment", strlen("general.alignment"));
    snprintf(q, sizeof q, "%s/crash-no-rows.gguf", dir); /* ... its ne[1] = 0: the variant was unreadable */
    write_patched(p, q, "mm.0.weight", strlen("mm.0.weight") + 4 + 8, &zero, sizeof zero);
    remove(p);
}

/* llama.cpp's log lines (a refused file is logged) would flood the output. */
static void quiet_log(enum ggml_log_level level, const char *text, void *user) {
    (void)level;
    (void)text;
    (void)user;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *seeds = getenv("FUZZ_GGUF_SEEDS");
    if (seeds) {
        write_seeds(seeds);
        exit(0);
    }
    ggml_log_set(quiet_log, NULL);
    llama_log_set(quiet_log, NULL);
    /* The model and its Q8_0 variant, made once: vlm_quantize keeps that variant. */
    snprintf(model_path, sizeof model_path, "%s/m.gguf", fuzz_dir());
    snprintf(outdir, sizeof outdir, "%s/out", fuzz_dir());
    write_gguf(model_path, HARNESS_FTYPE, 0, NULL, NULL, NULL);
    char *variant = vlm_quant_path(model_path, "q8_0", outdir);
    if (!variant || mkdir(outdir, 0700) != 0) abort();
    write_gguf(variant, HARNESS_FTYPE, 0, NULL, NULL, NULL);
    free(variant);
    return 0;
}

static void no_message(const char *line, void *user) {
    (void)line;
    (void)user;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[512], type[16], err[1024];
    fuzz_write_file("p.gguf", data, size, path, sizeof path);
    if (vlm_quant_file_type(path, type, sizeof type)) {
        fuzz_sink = strlen(type);
        struct vlm_quant_params qp = vlm_quant_default_params();
        qp.mmproj = path;
        qp.on_message = no_message;
        const char *types[] = {"q8_0"};
        struct vlm_quant_summary sum;
        if (vlm_quantize(model_path, types, 1, outdir, &qp, &sum, err, sizeof err) == VLM_OK) {
            /* the model's variant was kept, the projector's made, and readable */
            if (sum.n_skipped != 1 || sum.n_made != 1) abort();
            char *made = vlm_quant_path(path, "q8_0", outdir);
            if (!vlm_quant_file_type(made, type, sizeof type) || strcmp(type, "q8_0") != 0) abort();
            remove(made);
            free(made);
        }
    }
    return 0;
}
