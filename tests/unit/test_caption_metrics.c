/*
 * test_caption_metrics.c - BLEU's reference length on a tie and CIDEr-D's
 * document frequency, length penalty and clipping (docs/scoring.md, "bleu" and
 * "Caption sets"), on sets small enough to work out by hand: the expected
 * values below follow the formulas of docs/scoring.md step by step.
 */
#include "testutil.h"

#include <math.h>

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) < (tol))

/* A set of items, each a candidate and its references (NULL-terminated). */
static vlm_caption_set *set_of(int n, const char *const *cands, const char *const refs[][3]) {
    vlm_caption_set *set = vlm_caption_set_new();
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < 3 && refs[i][k]) k++;
        vlm_caption_set_add(set, cands[i], refs[i], k);
    }
    return set;
}

/* Candidate "a b c d e" (5 words) against references of 4 and 6 words: both
 * are 1 word away, and the shorter one (4) counts. Every n-gram of the
 * candidate is in the 6-word reference, so every precision is 1, and with
 * r = 4 <= c = 5, BP = 1: BLEU = 1. Taking the longer (6) would give
 * BP = exp(1 - 6/5) = 0.8187. Both orders of the references. */
static void test_bleu_length_tie_takes_the_shorter(void **state) {
    (void)state;
    const char *cands[] = {"a b c d e"};
    const char *const short_first[][3] = {{"a b c d", "a b c d e f", NULL}};
    const char *const long_first[][3] = {{"a b c d e f", "a b c d", NULL}};
    vlm_caption_set *s1 = set_of(1, cands, short_first), *s2 = set_of(1, cands, long_first);
    NEAR(vlm_caption_bleu4(s1), 1.0, 1e-12);
    NEAR(vlm_caption_bleu4(s2), 1.0, 1e-12);
    vlm_caption_set_free(s1);
    vlm_caption_set_free(s2);
    /* The sentence scorer takes the same reference length. */
    struct vlm_score sc;
    char err[256];
    assert_int_equal(
        vlm_score_text("bleu", "a b c d e", "[\"a b c d e f\", \"a b c d\"]", NULL, 0, &sc, err, sizeof err), VLM_OK);
    NEAR(sc.score, 1.0, 1e-12);
    assert_int_equal(
        vlm_score_text("bleu", "a b c d e", "[\"a b c d\", \"a b c d e f\"]", NULL, 0, &sc, err, sizeof err), VLM_OK);
    NEAR(sc.score, 1.0, 1e-12);
    /* Without the tie the closer reference counts: 6 words against 5 and 8 ->
     * r = 5 < c = 6, BP = 1; against 7 and 8 -> r = 7: BP = exp(1 - 7/6). */
    const char *c6[] = {"a b c d e f"};
    const char *const closer[][3] = {{"a b c d e f g h", "a b c d e f g", NULL}};
    vlm_caption_set *s3 = set_of(1, c6, closer);
    NEAR(vlm_caption_bleu4(s3), exp(1 - 7.0 / 6), 1e-12);
    vlm_caption_set_free(s3);
}

/* Document frequency counts items, not references. Two items (N = 2):
 * "cat" with the references "cat" and "cat", and "dog" with "dog". df(cat) = 1
 * (one item holds it, twice), so its weight is ln 2 - ln 1 = ln 2 > 0. One word:
 * only order 1 has vectors; cosine({cat: ln 2}, {cat: ln 2}) = 1; orders 2-4
 * have zero norms (0); lengths (bigrams) are equal: penalty 1. Per reference
 * (1 + 0 + 0 + 0) / 4, mean over the two references 1/4, x 10 = 2.5.
 * Counting df per reference would give df(cat) = 2 = N, weight 0, CIDEr-D 0. */
static void test_cider_document_frequency_per_item(void **state) {
    (void)state;
    const char *cands[] = {"cat", "dog"};
    const char *const refs[][3] = {{"cat", "cat", NULL}, {"dog", NULL, NULL}};
    vlm_caption_set *s = set_of(2, cands, refs);
    assert_int_equal(vlm_caption_set_size(s), 2);
    NEAR(vlm_caption_cider_d(s, 0), 2.5, 1e-12);
    NEAR(vlm_caption_cider_d(s, 1), 2.5, 1e-12);
    vlm_caption_set_free(s);
    /* A word in every item's references weighs 0: "cat" in both items. */
    const char *const both[][3] = {{"cat", NULL, NULL}, {"dog cat", NULL, NULL}};
    s = set_of(2, cands, both);
    NEAR(vlm_caption_cider_d(s, 0), 0.0, 1e-12);
    vlm_caption_set_free(s);
}

/* The length penalty. N = 2: "a b" with reference "a b c", and "x" with "y"
 * (no shared n-gram). Every n-gram of the first item's reference is in one item:
 * weight L = ln 2; the candidate's n-grams too (a, b, "a b").
 *   order 1: c = {a: L, b: L}, s = {a: L, b: L, c: L}: 2L² / (√2 L · √3 L) = 2/√6
 *   order 2: c = {a b: L}, s = {a b: L, b c: L}: L² / (L · √2 L) = 1/√2
 *   orders 3, 4: the candidate has none: 0
 *   lengths in bigrams 1 and 2: δ = -1, penalty exp(-1/72)
 * CIDEr-D = 10 · (2/√6 + 1/√2) · exp(-1/72) / 4 = 3.756471197. */
static void test_cider_length_penalty(void **state) {
    (void)state;
    const char *cands[] = {"a b", "x"};
    const char *const refs[][3] = {{"a b c", NULL, NULL}, {"y", NULL, NULL}};
    vlm_caption_set *s = set_of(2, cands, refs);
    double want = 10 * (2 / sqrt(6) + 1 / sqrt(2)) * exp(-1.0 / 72) / 4;
    NEAR(want, 3.756471197, 1e-9);
    NEAR(vlm_caption_cider_d(s, 0), want, 1e-9);
    NEAR(vlm_caption_cider_d(s, 1), 0.0, 1e-12);
    vlm_caption_set_free(s);
}

/* CIDEr-D clips the candidate's weight by the reference's. N = 2: "a a" with
 * reference "a", and "z" with "y". order 1: c = {a: 2L}, s = {a: L}:
 * min(2L, L) · L / (2L · L) = 1/2 (unclipped it would be 1); order 2: the
 * reference has no bigram: 0; δ = 1 - 0: penalty exp(-1/72).
 * CIDEr-D = 10 · (1/2) · exp(-1/72) / 4 = 1.232758896. */
static void test_cider_clips_repeated_words(void **state) {
    (void)state;
    const char *cands[] = {"a a", "z"};
    const char *const refs[][3] = {{"a", NULL, NULL}, {"y", NULL, NULL}};
    vlm_caption_set *s = set_of(2, cands, refs);
    NEAR(vlm_caption_cider_d(s, 0), 10 * 0.5 * exp(-1.0 / 72) / 4, 1e-9);
    NEAR(vlm_caption_cider_d(s, 0), 1.232758896, 1e-9);
    vlm_caption_set_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bleu_length_tie_takes_the_shorter),
        cmocka_unit_test(test_cider_document_frequency_per_item),
        cmocka_unit_test(test_cider_length_penalty),
        cmocka_unit_test(test_cider_clips_repeated_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
