/*
 * test_kl.c - top-k reference distributions and the KL divergence against
 * them (kl.c), on distributions small enough to work out by hand.
 */
#include "testutil.h"

#include "kl.h"

#include <math.h>

/* Logits whose softmax is exactly p (log p; the shift does not matter). */
static void logits_of(const double *p, int n, float *out, float shift) {
    for (int i = 0; i < n; i++) out[i] = (float)log(p[i]) + shift;
}

static void test_topk(void **state) {
    (void)state;
    const double p[4] = {0.1, 0.4, 0.2, 0.3};
    float logits[4];
    logits_of(p, 4, logits, 7.0f);
    int32_t ids[8];
    float logp[8];
    struct vlm_topk t = {2, ids, logp, 0};
    kl_topk_from_logits(logits, 4, &t);
    assert_int_equal(t.k, 2);
    assert_int_equal(ids[0], 1); /* 0.4 */
    assert_int_equal(ids[1], 3); /* 0.3 */
    assert_true(fabs(exp(logp[0]) - 0.4) < 1e-6);
    assert_true(fabs(exp(logp[1]) - 0.3) < 1e-6);
    assert_true(fabs(t.rest - 0.3) < 1e-6);
    t.k = 8; /* more than the vocabulary: cut to it, nothing left over */
    kl_topk_from_logits(logits, 4, &t);
    assert_int_equal(t.k, 4);
    assert_int_equal(ids[3], 0);
    assert_true(t.rest < 1e-6);
}

static void test_kl_values(void **state) {
    (void)state;
    const double p[3] = {0.5, 0.3, 0.2}, q[3] = {0.25, 0.25, 0.5};
    float lp[3], lq[3];
    logits_of(p, 3, lp, 0);
    logits_of(q, 3, lq, -3.0f);
    int32_t ids[3];
    float logp[3];
    /* Full distribution: .5 ln 2 + .3 ln 1.2 + .2 ln .4 = .346574 + .054696 - .183258 */
    struct vlm_topk t = {3, ids, logp, 0};
    kl_topk_from_logits(lp, 3, &t);
    assert_true(fabs(kl_topk(&t, lq, 3) - 0.218012) < 1e-5);
    /* Top 1 and a bucket: .5 ln(.5/.25) + .5 ln(.5/.75) = .346574 - .202733, a lower bound. */
    t.k = 1;
    kl_topk_from_logits(lp, 3, &t);
    double kl1 = kl_topk(&t, lq, 3);
    assert_true(fabs(kl1 - 0.143841) < 1e-5);
    assert_true(kl1 <= 0.218012);
}

static void test_kl_self_is_zero(void **state) {
    (void)state;
    /* Any logits against themselves: exactly 0, whatever k. */
    enum { N = 1000 };
    float logits[N];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        logits[i] = (float)(x % 20000) / 1000.0f - 10.0f;
    }
    int32_t ids[64];
    float logp[64];
    for (int k = 1; k <= 64; k *= 4) {
        struct vlm_topk t = {k, ids, logp, 0};
        kl_topk_from_logits(logits, N, &t);
        assert_true(kl_topk(&t, logits, N) == 0.0);
    }
    /* A nudged logit makes it positive. */
    struct vlm_topk t = {16, ids, logp, 0};
    kl_topk_from_logits(logits, N, &t);
    logits[ids[0]] -= 0.5f;
    assert_true(kl_topk(&t, logits, N) > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topk),
        cmocka_unit_test(test_kl_values),
        cmocka_unit_test(test_kl_self_is_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
