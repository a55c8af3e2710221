/*
 * test_reasoning.c - where an answer's reasoning block lies (engine.c's
 * eng_split_reasoning), on texts whose offsets are counted by hand.
 */
#include "testutil.h"

#include "engine_impl.h"

/* Split `text`; check the state and the three offsets. */
static void check(const char *text, const char *start, const char *end, bool opened, enum vlm_reasoning_state want,
                  size_t rs, size_t re, size_t cs) {
    struct vlm_reasoning_split sp;
    assert_int_equal(eng_split_reasoning(text, start, end, opened, &sp), want);
    assert_int_equal(sp.reasoning_start, rs);
    assert_int_equal(sp.reasoning_end, re);
    assert_int_equal(sp.content_start, cs);
}

static void test_block_at_start(void **state) {
    (void)state;
    /* "<think>" is 7 bytes, "abc" 3, "</think>" 8, then "\n\n" before the answer */
    check("<think>abc</think>\n\nAnswer", "<think>", "</think>", false, VLM_REASONING_CLOSED, 7, 10, 20);
    /* white space before the block is skipped */
    check("  <think>x</think>y", "<think>", "</think>", false, VLM_REASONING_CLOSED, 9, 10, 18);
    /* the first end tag closes it; a later one is part of the answer */
    check("<think>a</think>b</think>c", "<think>", "</think>", false, VLM_REASONING_CLOSED, 7, 8, 16);
}

static void test_no_block(void **state) {
    (void)state;
    check("Answer only", "<think>", "</think>", false, VLM_REASONING_NONE, 0, 0, 0);
    /* a block that does not start the answer is the answer's text */
    check("B <think>x</think>", "<think>", "</think>", false, VLM_REASONING_NONE, 0, 0, 0);
    check("", "<think>", "</think>", false, VLM_REASONING_NONE, 0, 0, 0);
}

static void test_opened_by_prompt(void **state) {
    (void)state;
    /* the generation prompt opened the block: it starts at the text's start */
    check("abc</think> ans", "<think>", "</think>", true, VLM_REASONING_CLOSED, 0, 3, 12);
    check("\nabc</think>ans", "<think>", "</think>", true, VLM_REASONING_CLOSED, 1, 4, 12);
    /* opened and never closed: no answer at all */
    check("abc def", "<think>", "</think>", true, VLM_REASONING_UNCLOSED, 0, 7, 7);
    check("", "<think>", "</think>", true, VLM_REASONING_UNCLOSED, 0, 0, 0);
}

static void test_unclosed_and_other_tags(void **state) {
    (void)state;
    check("<think>abc", "<think>", "</think>", false, VLM_REASONING_UNCLOSED, 7, 10, 10);
    /* a template's own tags */
    check("[THINK]why[/THINK]A", "[THINK]", "[/THINK]", false, VLM_REASONING_CLOSED, 7, 10, 18);
    check("<think>why</think>A", "[THINK]", "[/THINK]", false, VLM_REASONING_NONE, 0, 0, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_at_start),
        cmocka_unit_test(test_no_block),
        cmocka_unit_test(test_opened_by_prompt),
        cmocka_unit_test(test_unclosed_and_other_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
