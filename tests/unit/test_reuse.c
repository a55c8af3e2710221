/*
 * test_reuse.c - the bookkeeping behind reuse, without a model: KV-sequence
 * records and their longest common prefix (kvseq.c), and the image-embedding
 * cache's hits, misses, budget and least-recently-used eviction (embd_cache.c).
 */
#include "testutil.h"

#include "embd_cache.h"
#include "kvseq.h"

static const uint64_t IMG_A[2] = {0x1111, 0x2222}, IMG_B[2] = {0x1111, 0x3333};

/* tokens 1 2 3, image A (9 positions), tokens 4 5 */
static void fill(struct vlm_kv_seq *s, const uint64_t img[2], int32_t last) {
    const int32_t head[] = {1, 2, 3}, tail[] = {4, last};
    kvseq_push_tokens(s, head, 3);
    kvseq_push_image(s, img, 9);
    kvseq_push_tokens(s, tail, 2);
}

static void test_kv_positions(void **state) {
    (void)state;
    struct vlm_kv_seq s = {0};
    fill(&s, IMG_A, 5);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.n_pos, 3 + 9 + 2);
    assert_int_equal(kvseq_pos_at(&s, 3), 3);  /* up to the image */
    assert_int_equal(kvseq_pos_at(&s, 4), 12); /* the image counts its positions */
    assert_int_equal(kvseq_pos_at(&s, 99), 14);
    kvseq_truncate(&s, 4);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.n_pos, 12);
    kvseq_truncate(&s, 10); /* longer than held: no change */
    assert_int_equal(s.n, 4);
    kvseq_clear(&s);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_pos, 0);
    kvseq_free(&s);
}

static void test_kv_common_prefix(void **state) {
    (void)state;
    struct vlm_kv_seq a = {0}, b = {0}, c = {0}, d = {0}, e = {0};
    fill(&a, IMG_A, 5);
    fill(&b, IMG_A, 6); /* differs in the last token */
    fill(&c, IMG_B, 5); /* another image: the match stops before it */
    assert_int_equal(kvseq_common_prefix(&a, &a), 6);
    assert_int_equal(kvseq_common_prefix(&a, &b), 5);
    assert_int_equal(kvseq_common_prefix(&a, &c), 3);
    assert_int_equal(kvseq_common_prefix(&a, &d), 0); /* empty */
    /* The same image with other positions (another resize) is not the same. */
    const int32_t head[] = {1, 2, 3};
    kvseq_push_tokens(&e, head, 3);
    kvseq_push_image(&e, IMG_A, 8);
    assert_int_equal(kvseq_common_prefix(&a, &e), 3);
    /* A token equal to the image marker is still not an image. */
    kvseq_clear(&e);
    const int32_t fake[] = {1, 2, 3, VLM_KV_IMAGE};
    kvseq_push_tokens(&e, fake, 4);
    assert_int_equal(kvseq_common_prefix(&a, &e), 3);
    /* copy_prefix makes a sequence of the first n items of another. */
    kvseq_copy_prefix(&d, &b, 4);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.n_pos, 12);
    assert_int_equal(kvseq_common_prefix(&a, &d), 4);
    kvseq_copy_prefix(&d, &b, 50);
    assert_int_equal(d.n, 6);
    assert_int_equal(d.items[5].token, 6);
    kvseq_free(&a);
    kvseq_free(&b);
    kvseq_free(&c);
    kvseq_free(&d);
    kvseq_free(&e);
}

static void test_cache_hits_and_misses(void **state) {
    (void)state;
    vlm_embd_cache *c = embd_cache_new(1 << 20);
    float v[4] = {1, 2, 3, 4};
    assert_null(embd_cache_get(c, IMG_A, 4));
    embd_cache_put(c, IMG_A, v, 4);
    v[0] = 99; /* the cache keeps its own copy */
    const float *got = embd_cache_get(c, IMG_A, 4);
    assert_non_null(got);
    assert_true(got[0] == 1 && got[3] == 4);
    assert_null(embd_cache_get(c, IMG_B, 4)); /* other hash */
    assert_null(embd_cache_get(c, IMG_A, 5)); /* other size: not this embedding */
    struct embd_cache_stats st = embd_cache_stats(c);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 3);
    assert_int_equal(st.n, 1);
    assert_int_equal(st.bytes, 4 * sizeof(float));
    embd_cache_put(c, IMG_A, v, 4); /* replaced, not doubled */
    st = embd_cache_stats(c);
    assert_int_equal(st.n, 1);
    assert_int_equal(st.bytes, 4 * sizeof(float));
    assert_true(embd_cache_get(c, IMG_A, 4)[0] == 99);
    embd_cache_free(c);
}

static void test_cache_budget(void **state) {
    (void)state;
    /* Room for two 100-float embeddings. */
    vlm_embd_cache *c = embd_cache_new(200 * sizeof(float));
    float v[300] = {0};
    uint64_t k[4][2] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}};
    embd_cache_put(c, k[0], v, 100);
    embd_cache_put(c, k[1], v, 100);
    assert_non_null(embd_cache_get(c, k[0], 100)); /* k0 now more recent than k1 */
    embd_cache_put(c, k[2], v, 100);               /* evicts k1, the least recently used */
    assert_non_null(embd_cache_get(c, k[0], 100));
    assert_null(embd_cache_get(c, k[1], 100));
    assert_non_null(embd_cache_get(c, k[2], 100));
    struct embd_cache_stats st = embd_cache_stats(c);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(st.n, 2);
    assert_true(st.bytes <= 200 * sizeof(float));
    embd_cache_put(c, k[3], v, 300); /* larger than the whole budget: not kept */
    assert_null(embd_cache_get(c, k[3], 300));
    assert_int_equal(embd_cache_stats(c).n, 2);
    embd_cache_free(c);
    /* A budget of 0 keeps nothing. */
    c = embd_cache_new(0);
    embd_cache_put(c, k[0], v, 1);
    assert_null(embd_cache_get(c, k[0], 1));
    embd_cache_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_positions),
        cmocka_unit_test(test_kv_common_prefix),
        cmocka_unit_test(test_cache_hits_and_misses),
        cmocka_unit_test(test_cache_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
