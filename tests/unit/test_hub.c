/*
 * test_hub.c - hf: names, the cache folder, sha256, and the files picked from
 * a repository. The expected picks follow llama.cpp's own rules, worked out by
 * hand from common/download.cpp (find_best_model, find_best_sibling) of the
 * pinned sources; the sha256 values are FIPS 180-2's test vectors.
 */
#include "testutil.h"

#include "hub.h"

static void test_parse(void **state) {
    (void)state;
    char repo[300], tag[64], why[256];
    assert_true(
        hub_parse("hf:ggml-org/Qwen3-VL-8B-Instruct-GGUF:Q8_0", repo, sizeof repo, tag, sizeof tag, why, sizeof why));
    assert_string_equal(repo, "ggml-org/Qwen3-VL-8B-Instruct-GGUF");
    assert_string_equal(tag, "Q8_0");
    assert_true(hub_parse("hf:a/b", repo, sizeof repo, tag, sizeof tag, why, sizeof why));
    assert_string_equal(tag, "");
    const char *bad[] = {"hf:a", "hf:a/b/c", "hf:a--b/c", "hf:-a/b", "hf:a/b.", "hf:a/b:", "hf:a b/c", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why[0] = '\0';
        assert_false(hub_parse(bad[i], repo, sizeof repo, tag, sizeof tag, why, sizeof why));
        assert_true(why[0] != '\0');
    }
}

static void test_cache_dir(void **state) {
    (void)state;
    const char *vars[] = {"LLAMA_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) unsetenv(vars[i]);
    char out[512];
    setenv("HOME", "/home/u", 1);
    assert_true(hub_cache_dir(out, sizeof out));
    assert_string_equal(out, "/home/u/.cache/huggingface/hub");
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    assert_true(hub_cache_dir(out, sizeof out));
    assert_string_equal(out, "/xdg/huggingface/hub");
    setenv("HF_HOME", "/hf", 1);
    assert_true(hub_cache_dir(out, sizeof out));
    assert_string_equal(out, "/hf/hub");
    setenv("LLAMA_CACHE", "/llama", 1);
    assert_true(hub_cache_dir(out, sizeof out));
    assert_string_equal(out, "/llama");
    setenv("HF_ENDPOINT", "http://127.0.0.1:9", 1);
    hub_endpoint(out, sizeof out);
    assert_string_equal(out, "http://127.0.0.1:9/");
}

static void test_sha256(void **state) {
    (void)state;
    char hex[65];
    hub_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hub_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: padding spills */
    hub_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *dir = test_tmpdir(), path[256];
    snprintf(path, sizeof path, "%s/a", dir);
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 1000000; i++) fputc('a', f);
    fclose(f);
    assert_true(hub_sha256_file(path, hex));
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    test_rmdir(dir);
}

static void test_pick_model(void **state) {
    (void)state;
    const char *files[] = {"README.md", "mmproj-m-F16.gguf", "m-Q8_0.gguf", "m-Q4_K_M.gguf", "m-F16.gguf"};
    assert_int_equal(hub_pick_model(files, 5, ""), 3);     /* Q4_K_M first, whatever the order */
    assert_int_equal(hub_pick_model(files, 5, "q8_0"), 2); /* a tag matches in any case */
    assert_int_equal(hub_pick_model(files, 5, "F16"), 4);  /* not the projector, though it says F16 */
    assert_int_equal(hub_pick_model(files, 5, "Q5_K_M"), -1);
    const char *no_default[] = {"imatrix.gguf", "m-BF16.gguf", "m-Q6_K.gguf"};
    assert_int_equal(hub_pick_model(no_default, 3, ""), 1); /* the first model GGUF */
    assert_int_equal(hub_pick_model(no_default, 1, ""), -1);
    const char *split[] = {"m-Q4_K_M-00002-of-00002.gguf", "m-Q4_K_M-00001-of-00002.gguf"};
    assert_int_equal(hub_pick_model(split, 2, ""), 1); /* the first part */
    const char *q4_0[] = {"m-Q4_0.gguf", "m-Q4_K_M.gguf"};
    assert_int_equal(hub_pick_model(q4_0, 2, "Q4"), -1); /* Q4 must be followed by '.' or '-' */
}

static void test_pick_mmproj(void **state) {
    (void)state;
    const char *flat[] = {"mmproj-F16.gguf", "mmproj-Q8_0.gguf", "mmproj-BF16.gguf"};
    assert_int_equal(hub_pick_mmproj(flat, 3, "m-Q4_K_M.gguf"), 1); /* |8-4| < |16-4| */
    assert_int_equal(hub_pick_mmproj(flat, 3, "m-F16.gguf"), 0);    /* ties keep the first */
    const char *tree[] = {"other/mmproj-Q4_K_M.gguf", "mmproj-Q4_K_M.gguf", "sub/mmproj-F16.gguf",
                          "sub/mmproj-Q8_0.gguf"};
    assert_int_equal(hub_pick_mmproj(tree, 4, "sub/m-Q4_K_M.gguf"), 3); /* deeper shared folder, then bits */
    assert_int_equal(hub_pick_mmproj(tree, 2, "sub/m-Q4_K_M.gguf"), 1); /* never another folder */
    assert_int_equal(hub_pick_mmproj(tree + 2, 2, "m-Q4_K_M.gguf"), -1);
    const char *none[] = {"m-Q4_K_M.gguf", "mmproj.txt"};
    assert_int_equal(hub_pick_mmproj(none, 2, "m-Q4_K_M.gguf"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),      cmocka_unit_test(test_cache_dir),   cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_pick_model), cmocka_unit_test(test_pick_mmproj),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
