/*
 * test_quant_gguf.c - the GGUF reads of `vlmeter quantize` (lib/quant.c) on
 * projectors that llama.cpp's gguf reader accepts but that would abort or
 * crash the process later (issue 17: found by tests/fuzz/fuzz_gguf.c):
 *   - a metadata key or tensor name holding a NUL byte, which gguf's setters see
 *     cut short: empty (an assertion aborts) or equal to another (a duplicate
 *     tensor aborts);
 *   - a tensor whose header claims more bytes than the file holds, which the
 *     tensor load would allocate (terabytes: the allocation aborts);
 *   - a projector with general.alignment = 1, whose variant claimed that
 *     alignment but was laid out with gguf's default (32): unreadable;
 *   - an empty tensor (a side of 0): a matrix with no columns divided by zero
 *     in its row count; one with no rows was written to the variant with a
 *     shape no reader accepts.
 * Each is refused with a message naming the file. A good projector is quantized as docs/quantize.md says:
 * its 32-column matrix to Q8_0 (blocks of 32), its position embedding kept F32.
 * The language model beside it is a metadata-only GGUF whose Q8_0 variant is
 * there already, so vlm_quantize keeps it and reads only the projector.
 */
#include "testutil.h"

#include <ggml.h>
#include <gguf.h>
#include <llama.h>
#include <sys/stat.h>

struct fixture {
    char *dir, *model, *outdir, *projector;
    char err[1024];
};

/* A GGUF at path: general.file_type = ftype, one key per `keys` entry (the
 * string "x"; the u32 1 for a name starting "general.alignmen"), and F32 2-D tensors names[i] of ne[i]. */
static void write_gguf(const char *path, uint32_t ftype, const char *const *keys, int n_keys, const char *const *names,
                       const int64_t (*ne)[2], int n_tensors) {
    struct ggml_init_params ip = {.mem_size = 1 << 20, .mem_buffer = NULL, .no_alloc = false};
    struct ggml_context *data = ggml_init(ip);
    struct gguf_context *g = gguf_init_empty();
    gguf_set_val_str(g, "general.architecture", "clip");
    gguf_set_val_u32(g, "general.file_type", ftype);
    for (int i = 0; i < n_keys; i++) {
        if (strncmp(keys[i], "general.alignmen", 16) == 0) gguf_set_val_u32(g, keys[i], 1);
        else gguf_set_val_str(g, keys[i], "x");
    }
    for (int i = 0; i < n_tensors; i++) {
        struct ggml_tensor *t = ggml_new_tensor_2d(data, GGML_TYPE_F32, ne[i][0], ne[i][1]);
        ggml_set_name(t, names[i]);
        for (int64_t k = 0; k < ggml_nelements(t); k++) ((float *)t->data)[k] = (float)k / 8.0f;
        gguf_add_tensor(g, t);
    }
    assert_true(gguf_write_to_file(g, path, false));
    gguf_free(g);
    ggml_free(data);
}

/* Offset of the `nth` (0-based) occurrence of text in b; fails the test if none. */
static size_t find(const unsigned char *b, size_t n, const char *text, int nth) {
    size_t len = strlen(text);
    for (size_t i = 0; i + len <= n; i++)
        if (memcmp(b + i, text, len) == 0 && nth-- == 0) return i;
    fail_msg("'%s' not in the file", text);
    return 0;
}

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    if (!f->dir) return -1;
    f->model = test_path(f->dir, "m.gguf");
    f->outdir = test_path(f->dir, "out");
    f->projector = test_path(f->dir, "p.gguf");
    write_gguf(f->model, LLAMA_FTYPE_MOSTLY_Q8_0, NULL, 0, NULL, NULL, 0);
    mkdir(f->outdir, 0700);
    char *variant = vlm_quant_path(f->model, "q8_0", f->outdir);
    write_gguf(variant, LLAMA_FTYPE_MOSTLY_Q8_0, NULL, 0, NULL, NULL, 0);
    free(variant);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    test_rmdir(f->dir);
    free(f->model);
    free(f->outdir);
    free(f->projector);
    free(f);
    return 0;
}

/* vlm_quantize(model, q8_0, projector); the variant's path in *made (caller frees). */
static int quantize(struct fixture *f, char **made) {
    struct vlm_quant_params qp = vlm_quant_default_params();
    qp.mmproj = f->projector;
    const char *types[] = {"q8_0"};
    struct vlm_quant_summary sum;
    f->err[0] = '\0';
    int rc = vlm_quantize(f->model, types, 1, f->outdir, &qp, &sum, f->err, sizeof f->err);
    if (rc == VLM_OK) assert_int_equal(sum.n_skipped, 1); /* the model's variant, made before */
    *made = vlm_quant_path(f->projector, "q8_0", f->outdir);
    return rc;
}

static const char *const NAMES[] = {"mm.0.weight", "mm.1.weight", "v.position_embd.weight"};
static const int64_t SHAPES[][2] = {{32, 2}, {64, 3}, {4, 2}};

/* The type of tensor `name` in the GGUF at path. */
static enum ggml_type tensor_type(const char *path, const char *name) {
    struct gguf_init_params ip = {.no_alloc = true, .ctx = NULL};
    struct gguf_context *g = gguf_init_from_file(path, ip);
    assert_non_null(g);
    int64_t i = gguf_find_tensor(g, name);
    assert_true(i >= 0);
    enum ggml_type t = gguf_get_tensor_type(g, i);
    gguf_free(g);
    return t;
}

static void test_good_projector_quantized(void **state) {
    struct fixture *f = *state;
    write_gguf(f->projector, 0, NULL, 0, NAMES, SHAPES, 3);
    char *made = NULL;
    assert_int_equal(quantize(f, &made), VLM_OK);
    char type[16];
    assert_true(vlm_quant_file_type(made, type, sizeof type));
    assert_string_equal(type, "q8_0");
    assert_int_equal(tensor_type(made, "mm.0.weight"), GGML_TYPE_Q8_0);
    assert_int_equal(tensor_type(made, "mm.1.weight"), GGML_TYPE_Q8_0);
    assert_int_equal(tensor_type(made, "v.position_embd.weight"), GGML_TYPE_F32); /* added, never multiplied */
    free(made);
}

static void assert_refused(struct fixture *f, const char *why) {
    char *made = NULL;
    assert_int_equal(quantize(f, &made), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, f->projector));
    if (!strstr(f->err, why)) fail_msg("'%s' not in: %s", why, f->err);
    struct stat st;
    assert_int_not_equal(stat(made, &st), 0); /* nothing written */
    free(made);
}

static void test_key_with_nul_refused(void **state) {
    struct fixture *f = *state;
    const char *keys[] = {"zz.note"};
    write_gguf(f->projector, 0, keys, 1, NAMES, SHAPES, 3);
    size_t n;
    unsigned char *b = test_read_bytes(f->projector, &n);
    b[find(b, n, "zz.note", 0)] = '\0'; /* the key "\0z.note": "" to a C string */
    test_write_bytes(f->projector, b, n);
    free(b);
    assert_refused(f, "metadata key 2 is empty, holds a NUL byte"); /* after architecture, file_type */
}

static void test_tensor_name_with_nul_refused(void **state) {
    struct fixture *f = *state;
    write_gguf(f->projector, 0, NULL, 0, NAMES, SHAPES, 3);
    size_t n;
    unsigned char *b = test_read_bytes(f->projector, &n);
    b[find(b, n, "mm.1.weight", 0)] = '\0'; /* "" to a C string */
    test_write_bytes(f->projector, b, n);
    free(b);
    assert_refused(f, "tensor 1's name is empty, holds a NUL byte or repeats another");
}

static void test_tensor_past_the_end_refused(void **state) {
    struct fixture *f = *state;
    write_gguf(f->projector, 0, NULL, 0, NAMES, SHAPES, 3);
    size_t n;
    unsigned char *b = test_read_bytes(f->projector, &n);
    /* tensor info: name, n_dims (u32), ne[0], ne[1] (i64 each). The last
     * tensor (no later offset moves) grows to 4 x 2^36 rows of F32, 4 x 2^36 x 4 = 2^40 bytes, in a
     * file of a few hundred bytes */
    size_t at = find(b, n, "v.position_embd.weight", 0) + strlen("v.position_embd.weight") + 4 + 8;
    int64_t rows = (int64_t)1 << 36;
    memcpy(b + at, &rows, sizeof rows);
    test_write_bytes(f->projector, b, n);
    free(b);
    assert_refused(f, "tensor 'v.position_embd.weight' claims 1099511627776 bytes");
}

/* general.alignment = 1 (a u32 key "general.alignmenX" written, then renamed
 * in the file: the header keeps its length). mm.0.weight becomes 2 rows x 34
 * bytes of Q8_0 = 68 bytes; the next tensor must then be where the variant's
 * own alignment puts it, so that the variant reads back. */
static void test_alignment_key_not_copied(void **state) {
    struct fixture *f = *state;
    const char *keys[] = {"general.alignmenX"};
    write_gguf(f->projector, 0, keys, 1, NAMES, SHAPES, 3);
    size_t n;
    unsigned char *b = test_read_bytes(f->projector, &n);
    b[find(b, n, "general.alignmenX", 0) + strlen("general.alignmen")] = 't';
    test_write_bytes(f->projector, b, n);
    free(b);
    char *made = NULL;
    assert_int_equal(quantize(f, &made), VLM_OK);
    assert_int_equal(tensor_type(made, "mm.0.weight"), GGML_TYPE_Q8_0); /* (tensor_type reads it back) */
    assert_int_equal(tensor_type(made, "v.position_embd.weight"), GGML_TYPE_F32);
    free(made);
}

/* Shape (32, 0), and (0, 2): gguf reads both (no bytes). The first was
 * written to the variant as (32) and the second divided by zero in the row
 * count; both are refused. */
static void test_empty_tensors_refused(void **state) {
    struct fixture *f = *state;
    /* gguf cannot write an empty tensor: in the file, a side of the last
     * tensor becomes 0 (the last, so that no later tensor's offset moves) */
    const char *names[] = {"mm.1.weight", "v.position_embd.weight", "mm.0.weight"};
    const int64_t shapes[][2] = {{64, 3}, {4, 2}, {32, 2}};
    for (int side = 0; side < 2; side++) {
        write_gguf(f->projector, 0, NULL, 0, names, shapes, 3);
        size_t n;
        unsigned char *b = test_read_bytes(f->projector, &n);
        int64_t zero = 0;
        memcpy(b + find(b, n, "mm.0.weight", 0) + strlen("mm.0.weight") + 4 + 8 * side, &zero, sizeof zero);
        test_write_bytes(f->projector, b, n);
        free(b);
        assert_refused(f, "tensor 'mm.0.weight' is empty (a side of 0");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_projector_quantized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_with_nul_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tensor_name_with_nul_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tensor_past_the_end_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_tensors_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alignment_key_not_copied, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
