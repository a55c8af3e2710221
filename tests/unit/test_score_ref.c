/*
 * test_score_ref.c - the two readings of vlm_score_text side by side
 * (docs/scoring.md, "Reference readings"): for each scorer with a reference,
 * replies whose vlmeter verdict was worked out by hand from docs/scoring.md and
 * whose reference verdict is VLMEvalKit's, checked by running VLMEvalKit's own
 * matching functions (can_infer, YOrN_Extraction, process_line and
 * hit_calculate, OCRBench.evaluate's rule, MMMU_preproc) at commit e8e78f05,
 * with the prediction cell read as pandas reads it ("" becomes "nan"). Then
 * the removal of reasoning before either reading, and the cases where
 * lmms-eval (@75571cfe) and VLMEvalKit agree.
 */
#include "testutil.h"

#include <math.h>

/* ------------------------------------------------------------------ helpers */

static const char *const ANIMALS[] = {"cat", "dog", "bird", "fish"};

static struct vlm_score read_both(const char *scorer, const char *reply, const char *expected,
                                  const char *const *choices, int n, int line) {
    struct vlm_score s;
    char err[256] = "";
    if (vlm_score_text(scorer, reply, expected, choices, n, &s, err, sizeof err) != VLM_OK)
        fail_msg("line %d: %s('%s', %s) failed: %s", line, scorer, reply, expected, err);
    if (!s.has_ref) fail_msg("line %d: %s('%s', %s) has no reference reading", line, scorer, reply, expected);
    return s;
}

/* vlmeter's verdict is `vlm`, the reference's `ref` (and its detail, unless NULL). */
static void check_both(const char *scorer, const char *reply, const char *expected, const char *const *choices, int n,
                       bool vlm, bool ref, const char *ref_detail, int line) {
    struct vlm_score s = read_both(scorer, reply, expected, choices, n, line);
    if (s.correct != vlm || s.ref_correct != ref || s.ref_score != (ref ? 1.0 : 0.0))
        fail_msg("line %d: %s('%s', %s): vlmeter %d (%s), reference %d (%s, %g); want %d and %d", line, scorer, reply,
                 expected, s.correct, s.detail, s.ref_correct, s.ref_detail, s.ref_score, vlm, ref);
    if (ref_detail && strcmp(s.ref_detail, ref_detail) != 0)
        fail_msg("line %d: %s('%s', %s): reference detail '%s', want '%s'", line, scorer, reply, expected, s.ref_detail,
                 ref_detail);
}

#define BOTH(scorer, reply, exp, vlm, ref, detail) check_both(scorer, reply, exp, NULL, 0, vlm, ref, detail, __LINE__)
#define CHOICE(reply, exp, vlm, ref, detail)       check_both("choice", reply, exp, ANIMALS, 4, vlm, ref, detail, __LINE__)

/* The soft scorers: vlmeter's score `vlm`, the reference's `ref`. */
static void check_soft(const char *scorer, const char *reply, const char *expected, double vlm, double ref, int line) {
    struct vlm_score s = read_both(scorer, reply, expected, NULL, 0, line);
    if (fabs(s.score - vlm) > 1e-9 || fabs(s.ref_score - ref) > 1e-9)
        fail_msg("line %d: %s('%s', %s): vlmeter %.12g (%s), reference %.12g (%s); want %.12g and %.12g", line, scorer,
                 reply, expected, s.score, s.detail, s.ref_score, s.ref_detail, vlm, ref);
    if (s.ref_correct != (s.ref_score >= 0.5)) fail_msg("line %d: ref_correct %d", line, s.ref_correct);
}
#define SOFT(scorer, reply, exp, vlm, ref) check_soft(scorer, reply, exp, vlm, ref, __LINE__)

/* Ten annotators: `m` give `a`, the rest `b` (JSON text in buf). */
static const char *annotators(char *buf, size_t len, int m, const char *a, const char *b) {
    size_t k = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < 10; i++) k += (size_t)snprintf(buf + k, len - k, "%s\"%s\"", i ? "," : "", i < m ? a : b);
    snprintf(buf + k, len - k, "]");
    return buf;
}

/* ------------------------------------------------------------------ choice */

static void test_choice(void **state) {
    (void)state;
    CHOICE("A", "\"A\"", true, true, "picked A");
    CHOICE("(B) dog", "\"B\"", true, true, "picked B");
    CHOICE("a", "\"A\"", true, false, "unparsed"); /* a lower-case letter is no token match */
    CHOICE("**C**", "\"C\"", true, true, "picked C");
    /* The letter must first appear among the last four tokens. */
    CHOICE("C is correct because the image shows a bird", "\"C\"", true, false, "unparsed");
    CHOICE("The image shows a bird, so C", "\"C\"", true, true, "picked C");
    /* "answer is" + the first letter of any word, no word boundary. */
    CHOICE("The answer is a dog.", "\"B\"", true, false, "picked A");
    CHOICE("The answer is cat", "\"A\"", true, false, "picked C");
    CHOICE("the answer is also B given the picture shown here", "\"B\"", true, false, "picked A");
    CHOICE("The correct answer is **B**. Here's why: the animal barks.", "\"B\"", true, true, "picked B");
    CHOICE("Ｂ", "\"B\"", true, false, "unparsed");
    CHOICE("B\u3000", "\"B\"", true, true, "picked B"); /* U+3000 is Python whitespace */
    CHOICE("I think it is B, not A", "\"B\"", false, false, "unparsed");
    CHOICE("Cannot determine the answer", "\"A\"", false, false, "unparsed");
    CHOICE("dog", "\"B\"", true, true, "picked B");
    CHOICE("B is the best", "\"B\"", true, true, "picked B"); /* 4 tokens */
    CHOICE("B is the best one", "\"B\"", true, false, "unparsed");
    /* re.IGNORECASE also folds ſ to s and ı to i; \s is any Python whitespace. */
    CHOICE("The anſwer is B because it barks loudly", "\"B\"", true, true, "picked B");
    CHOICE("The answer ıs D since it swims in water", "\"D\"", true, true, "picked D");
    CHOICE("The ANSWER IS\u00a0**D** since it swims in water", "\"D\"", true, true, "picked D");
    CHOICE("The answer is E since nothing else fits here", "\"A\"", false, false, "unparsed");
    /* Option texts count while the reply is at most twice as long as all of them. */
    check_both("choice", "I see a dog.", "\"B\"", ANIMALS, 2, true, true, "picked B", __LINE__);
    check_both("choice", "I see a dog there", "\"B\"", ANIMALS, 2, true, false, "unparsed", __LINE__);
    static const char *const IX[] = {"i", "x"};
    check_both("choice", "İ", "\"A\"", IX, 2, false, true, "picked A", __LINE__); /* lower(İ) = i + U+0307 */
    static const char *const CN[] = {"猫", "狗"};
    check_both("choice", "答案：B", "\"B\"", CN, 2, true, false, "unparsed", __LINE__); /* '：' is not replaced */
    check_both("choice", "答案: B", "\"B\"", CN, 2, true, true, "picked B", __LINE__);
    static const char *const TENS[] = {"1", "10"};
    check_both("choice", "10", "\"B\"", TENS, 2, true, false, "unparsed", __LINE__); /* "1" is in "10" too */
    /* The API failure text skips to the option texts, and it is too long for them. */
    check_both("choice", "Failed to obtain answer via API. dog", "\"B\"", ANIMALS, 2, true, false, "unparsed",
               __LINE__);
    /* A missing option cell is no option: "B" is then no letter of the row. */
    static const char *const HOLE[] = {"cat", NULL, "bird"};
    check_both("choice", "B", "\"C\"", HOLE, 3, false, false, "unparsed", __LINE__);
    /* Without choices there is nothing to read the options against: no reference. */
    struct vlm_score s;
    assert_int_equal(vlm_score_text("choice", "B", "\"B\"", NULL, 0, &s, NULL, 0), VLM_OK);
    assert_true(s.correct);
    assert_false(s.has_ref);
}

/* ------------------------------------------------------------------ yesno */

static void test_yesno(void **state) {
    (void)state;
    BOTH("yesno", "Yes", "\"yes\"", true, true, "yes");
    BOTH("yesno", "yes.", "true", true, true, "yes");
    BOTH("yesno", "**Yes**", "\"yes\"", true, false, "unknown"); /* '*' is not punctuation there */
    BOTH("yesno", "No, there is no dog.", "\"no\"", true, true, "no");
    BOTH("yesno", "Yes:", "\"yes\"", true, false, "unknown");
    BOTH("yesno", "'Yes'", "\"yes\"", true, false, "unknown");
    BOTH("yesno", "Yes, no doubt.", "\"yes\"", true, false, "unknown");
    BOTH("yesno", "yes/no", "\"yes\"", true, false, "unknown");
    BOTH("yesno", "1,000 people? yes", "\"yes\"", true, true, "yes");
    BOTH("yesno", "Nope", "\"no\"", true, false, "unknown");
    BOTH("yesno", "是", "\"yes\"", true, false, "unknown");
    BOTH("yesno", "The answer is \"yes\"", "\"yes\"", true, true, "yes");
    BOTH("yesno", "No.\n\nYes", "\"no\"", true, false, "unknown");
    BOTH("yesno", "", "\"no\"", false, false, "unknown");
    BOTH("yesno", "There is no dog", "\"yes\"", false, false, "no");
    /* A digit, comma, digit anywhere: every punctuation mark is deleted, not spaced. */
    BOTH("yesno", "yes,1,2", "\"yes\"", true, false, "unknown");
    BOTH("yesno", "a,b yes", "\"yes\"", true, true, "yes");
    /* Only the first 32 dots touching no digit are removed: 31 dots and "yes."
     * lose all theirs; 40 leave "yes." a word of its own. */
    char dots[64];
    snprintf(dots, sizeof dots, "%.31s yes.", "........................................");
    BOTH("yesno", dots, "\"yes\"", true, true, "yes");
    snprintf(dots, sizeof dots, "%.32s yes.", "........................................");
    BOTH("yesno", dots, "\"yes\"", true, false, "unknown");
    snprintf(dots, sizeof dots, "%.40s yes.", "........................................");
    BOTH("yesno", dots, "\"yes\"", true, false, "unknown");
}

/* ------------------------------------------------------------------ vqa */

static void test_vqa(void **state) {
    (void)state;
    char b[512];
    SOFT("vqa", "Nokia", annotators(b, sizeof b, 10, "nokia", ""), 1.0, 1.0);
    SOFT("vqa", "nokia", annotators(b, sizeof b, 1, "nokia", "samsung"), 0.3, 0.3);
    SOFT("vqa", "nokia", annotators(b, sizeof b, 2, "nokia", "samsung"), 0.6, 0.6);
    SOFT("vqa", "nokia", annotators(b, sizeof b, 3, "nokia", "samsung"), 0.9, 0.9);
    SOFT("vqa", "5.", annotators(b, sizeof b, 10, "5", ""), 1.0, 0.0); /* a dot touching a digit stays */
    SOFT("vqa", "five", annotators(b, sizeof b, 10, "5", ""), 1.0, 1.0);
    SOFT("vqa", "1,000", annotators(b, sizeof b, 10, "1000", ""), 1.0, 1.0);
    SOFT("vqa", "coca - cola", annotators(b, sizeof b, 10, "cocacola", ""), 0.0, 0.0);
    SOFT("vqa", "coca-cola", annotators(b, sizeof b, 10, "coca cola", ""), 1.0, 1.0);
    SOFT("vqa", "dont", annotators(b, sizeof b, 10, "don't", ""), 1.0, 1.0);
    /* Annotators who disagree on an apostrophe stay apart: 3 of 10 match. */
    SOFT("vqa", "dog's", annotators(b, sizeof b, 3, "dog's", "dogs"), 0.9, 0.9);
    SOFT("vqa", "dogs", annotators(b, sizeof b, 3, "dog's", "dogs"), 1.0, 1.0);
    SOFT("vqa", "don’t", annotators(b, sizeof b, 10, "don't", ""), 1.0, 0.0); /* U+2019 */
    SOFT("vqa", "yes:", annotators(b, sizeof b, 10, "yes", ""), 1.0, 0.0);
    SOFT("vqa", "e.g.", annotators(b, sizeof b, 10, "eg", ""), 0.0, 1.0);
    SOFT("vqa", "none", annotators(b, sizeof b, 10, "0", ""), 1.0, 1.0);
    SOFT("vqa", "twenty", annotators(b, sizeof b, 10, "20", ""), 1.0, 0.0); /* only none..ten are mapped */
    SOFT("vqa", "(x)+y", annotators(b, sizeof b, 10, "x y", ""), 1.0, 1.0);
    SOFT("vqa", "a,b 1,2", annotators(b, sizeof b, 10, "ab 12", ""), 0.0, 1.0); /* 1,2: delete, don't space */
    SOFT("vqa", "", annotators(b, sizeof b, 10, "none", ""), 0.0, 0.0);
    /* Few references: the reference leaves one out even of one. */
    SOFT("vqa", "cat", "[\"cat\"]", 1.0, 0.0);
    SOFT("vqa", "yes", "[\"yes\", \"yes\"]", 1.0 / 3, 1.0 / 3);
    SOFT("vqa", "yes", "[\"yes\", \"no\"]", 1.0 / 6, 1.0 / 6);
    struct vlm_score s = read_both("vqa", "nokia", annotators(b, sizeof b, 2, "nokia", "samsung"), NULL, 0, __LINE__);
    assert_string_equal(s.ref_detail, "2 of 10 references match");
    assert_true(s.ref_correct);
    /* VLMEvalKit averages with np.mean: for 2 matches among the last two
     * annotators its pairwise sum gives 0.5999999999999999, exactly. */
    s = read_both("vqa", "nokia", annotators(b, sizeof b, 8, "samsung", "nokia"), NULL, 0, __LINE__);
    assert_true(s.ref_score == 0.5999999999999999);
}

/* ------------------------------------------------------------------ anls */

static void test_anls(void **state) {
    (void)state;
    SOFT("anls", "hello", "\"hello\"", 1.0, 1.0);
    SOFT("anls", "Hello ", "\"hello\"", 1.0, 1.0);
    SOFT("anls", "helo", "\"hello\"", 0.8, 0.8);
    SOFT("anls", "hel", "\"hello\"", 0.6, 0.6);
    SOFT("anls", "he", "\"hello\"", 0.0, 0.0);
    SOFT("anls", "ab", "[\"abcd\"]", 0.5, 0.5); /* exactly 0.5 is kept */
    SOFT("anls", "ab", "\"ac\"", 0.5, 0.5);
    SOFT("anls", "abc", "\"abcdef\"", 0.5, 0.5);
    SOFT("anls", "abc", "\"abcdefg\"", 0.0, 0.0);
    /* The reference divides by the raw lengths, outer spaces included. */
    SOFT("anls", "abcde ", "\"abxyz\"", 0.0, 0.5);
    SOFT("anls", "  abc ", "\"abd\"", 1 - 1.0 / 3, 1 - 1.0 / 6);
    /* ... and by the length of upper(): ß is SS. */
    SOFT("anls", "straße", "\"STRASSE\"", 1 - 2.0 / 7, 1 - 2.0 / 7);
    SOFT("anls", "ßa", "\"ßb\"", 0.5, 1 - 1.0 / 3);
    SOFT("anls", "İstanbul", "\"istanbul\"", 0.875, 0.875); /* lower(İ) is i + U+0307 */
    SOFT("anls", "ΟΔΟΣ", "\"οδος\"", 1.0, 1.0);             /* lower() ends a word's Σ as ς; vlmeter folds ς to σ */
    SOFT("anls", "", "\"\"", 1.0, 0.0);                     /* the empty cell reads "nan" */
    SOFT("anls", "abc", "[\"xyz\", \"abd\"]", 1 - 1.0 / 3, 1 - 1.0 / 3);
    SOFT("anls", "hello  world", "\"hello world\"", 1.0, 1.0);
    SOFT("anls", "HELLO", "\"hello\"", 1.0, 1.0);
    SOFT("anls", "ＨＥＬＬＯ", "\"hello\"", 1.0, 0.0); /* no width folding */
    struct vlm_score s = read_both("anls", "ab", "\"ac\"", NULL, 0, __LINE__);
    assert_true(s.correct);
    assert_true(s.ref_correct);
    assert_string_equal(s.ref_detail, "anls 0.500");
}

/* ------------------------------------------------------------------ relaxed */

static void test_relaxed(void **state) {
    (void)state;
    BOTH("relaxed", "100", "\"104\"", true, true, "matched \"104\"");
    BOTH("relaxed", "100", "\"106\"", false, false, "no match");
    BOTH("relaxed", "95", "\"100\"", true, true, NULL);
    BOTH("relaxed", "1.05", "\"1\"", true, false, NULL); /* 0.050000000000000044 > 0.05 */
    BOTH("relaxed", "0.0", "\"0\"", true, false, NULL);  /* a target of 0: text equality */
    BOTH("relaxed", "0", "\"0\"", true, true, NULL);
    BOTH("relaxed", "1e5", "\"100000\"", true, true, NULL);
    BOTH("relaxed", "5%", "\"0.05\"", true, true, NULL);
    BOTH("relaxed", "0.05", "\"5%\"", true, true, NULL);
    BOTH("relaxed", "5", "\"5%\"", true, false, NULL);
    BOTH("relaxed", "12%%", "\"0.12\"", true, true, NULL);
    BOTH("relaxed", "1,000", "\"1000\"", true, false, NULL);
    BOTH("relaxed", "1_000", "\"1000\"", false, true, NULL); /* float() reads 1_000 */
    BOTH("relaxed", "1__000", "\"1000\"", false, false, NULL);
    BOTH("relaxed", "_1000", "\"1000\"", true, false, NULL);
    BOTH("relaxed", "1e5", "\"1E+05\"", true, true, NULL);
    BOTH("relaxed", "infinity", "\"inf\"", false, false, NULL); /* inf - inf is NaN */
    BOTH("relaxed", "12 %", "\"0.12\"", true, true, NULL);
    BOTH("relaxed", "0.12", "\" 12%\"", true, true, NULL);   /* float(" 12") */
    BOTH("relaxed", "12", "\"12\u3000\"", true, true, NULL); /* float() skips any Python whitespace */
    BOTH("relaxed", "$12", "\"12\"", true, false, NULL);
    BOTH("relaxed", "The value is 12.", "12", true, false, NULL);
    BOTH("relaxed", " 12 ", "12", true, true, NULL);
    BOTH("relaxed", "Yes", "\"yes\"", true, true, NULL);
    BOTH("relaxed", "Yes.", "\"Yes\"", true, false, NULL);
    BOTH("relaxed", "１２", "\"12\"", true, true, NULL);
    BOTH("relaxed", "١٢", "\"12\"", true, true, NULL); /* Arabic-Indic digits */
    BOTH("relaxed", "13.5", "[\"12\", \"13\"]", true, true, "matched \"13\"");
    BOTH("relaxed", "12", "\"[12, 13]\"", false, true, "matched \"12\""); /* a cell holding a Python list */
    BOTH("relaxed", "nan", "\"nan\"", true, false, NULL);
    struct vlm_score s = read_both("relaxed", "about 1e5 units", "100000", NULL, 0, __LINE__);
    assert_string_equal(s.detail, "read 100000");
}

/* ------------------------------------------------------------------ substring */

static void test_substring(void **state) {
    (void)state;
    BOTH("substring", "The text is HELLO.", "[\"hello\"]", true, true, "found \"hello\"");
    BOTH("substring", "hel lo", "[\"hello\"]", false, false, "not found");
    BOTH("substring", "Othello", "[\"hello\"]", false, true, NULL); /* whole words against any substring */
    BOTH("substring", "The answer is 1234", "\"123\"", false, true, NULL);
    BOTH("substring", "line1\nline2", "[\"line1 line2\"]", true, true, NULL);
    BOTH("substring", "line1  line2", "[\"line1 line2\"]", true, false, NULL);
    BOTH("substring", "Total: 12.00", "[\"12.00\", \"12\"]", true, true, "found \"12.00\"");
    BOTH("substring", "12,00", "[\"12.00\"]", false, false, NULL);
    BOTH("substring", "", "[\"a\"]", false, true, NULL); /* the empty cell reads "nan" */
    BOTH("substring", "ＨＥＬＬＯ", "[\"hello\"]", true, false, NULL);
    BOTH("substring", "ΟΔΟΣ", "[\"οδος\"]", true, true, NULL);
    BOTH("substring", "ΟΔΟΣ", "[\"οδοσ\"]", true, false, NULL);
    /* Handwritten maths (HME100k): case kept, spaces and newlines removed. */
    const char *math = "{\"answers\": [\"x^{2}\"], \"math\": true}";
    BOTH("substring", "x ^ { 2 }", math, true, true, NULL);
    BOTH("substring", "$x^{2}$", math, true, true, NULL);
    BOTH("substring", "X^{2}", math, true, false, NULL);
    BOTH("substring", "x\t^{2}", math, true, false, NULL);
    BOTH("substring", "X^{2}", "{\"answers\": [\"x^{2}\"], \"math\": false}", true, true, NULL);
}

/* ------------------------------------------------------------------ open */

static void test_open(void **state) {
    (void)state;
    BOTH("open", "5", "\"5\"", true, true, "picked A");
    BOTH("open", "15", "\"5\"", false, true, "picked A"); /* the answer is in the reply's text */
    BOTH("open", "5.5", "\"5\"", false, true, NULL);
    BOTH("open", "The answer is 5", "\"5\"", true, true, NULL);
    BOTH("open", "The answer is 5 because the total of all the parts adds up to five units", "\"5\"", true, false,
         "unparsed"); /* too long for option texts "5" and "Other Answers" */
    BOTH("open", "Other answers", "\"5\"", false, false, "picked B");
    BOTH("open", "A", "\"5\"", false, true, "picked A"); /* a bare letter A */
    BOTH("open", "Paris", "\"paris\"", true, true, NULL);
    BOTH("open", "no idea", "\"5\"", false, false, NULL);
    BOTH("open", "1,000", "\"1000\"", true, false, NULL);
    BOTH("open", "The answer is a dog", "\"dog\"", true, true, NULL);
    /* A list answer is compared as its Python text, which no reply holds. */
    BOTH("open", "3.429", "[\"24/7\", \"3.429\"]", true, false, NULL);
    BOTH("open", "3.429", "\"['24/7', '3.429']\"", false, false, NULL);
    /* An answer that is a capital letter stays the right letter (here B). */
    BOTH("open", "B", "\"B\"", true, true, "picked B");
}

/* ------------------------------------------------------------------ lmms-eval */

/* Cases where lmms-eval's scorer (@75571cfe) gives the same verdict as
 * VLMEvalKit's: the reference equals both (checked with both projects' code). */
static void test_lmms_agree(void **state) {
    (void)state;
    SOFT("anls", "abcdef", "[\"abcxyz\"]", 0.5, 0.5);
    SOFT("anls", "abcdefg", "[\"abcxyzw\"]", 0.0, 0.0);
    SOFT("anls", "abc", "[\" abd  \"]", 1 - 1.0 / 3, 1 - 1.0 / 6);
    SOFT("anls", "abcd", "[\"wxyz\", \"abcf\"]", 0.75, 0.75);
    char b[512];
    SOFT("vqa", "Two", annotators(b, sizeof b, 10, "2", ""), 1.0, 1.0);
    SOFT("vqa", "the dog", annotators(b, sizeof b, 10, "dog", ""), 1.0, 1.0);
    SOFT("vqa", "3.5", annotators(b, sizeof b, 10, "3.5", ""), 1.0, 1.0);
    BOTH("relaxed", "1e2", "\"100\"", true, true, NULL);
    BOTH("relaxed", "-96", "\"-100\"", true, true, NULL);
    BOTH("relaxed", "100", "\"-100\"", false, false, NULL);
    BOTH("relaxed", "1e2%", "\"1\"", true, true, NULL);
    BOTH("relaxed", "١٠٠", "\"100\"", true, true, NULL);
    BOTH("relaxed", "1e5", "\"100000%\"", true, false, NULL); /* vlmeter: 100000% is also 100000 */
    BOTH("substring", "The text says HELLO world", "[\"hello\"]", true, true, NULL);
    BOTH("substring", "x = a + b", "{\"answers\": [\"x=a+b\"], \"math\": true}", true, true, NULL);
    BOTH("substring", "X=A+B", "{\"answers\": [\"x=a+b\"], \"math\": true}", true, false, NULL);
    BOTH("yesno", "  YES  ", "\"yes\"", true, true, "yes");
    BOTH("yesno", "No", "\"yes\"", false, false, "no");
}

/* ------------------------------------------------------------------ reasoning */

/* The reply reads as `want` in both columns (vlmeter's detail, the reference's). */
static void check_reads(const char *scorer, const char *reply, const char *expected, const char *const *choices, int n,
                        const char *detail, const char *ref_detail, int line) {
    struct vlm_score s;
    char err[256] = "";
    if (vlm_score_text(scorer, reply, expected, choices, n, &s, err, sizeof err) != VLM_OK)
        fail_msg("line %d: %s('%s') failed: %s", line, scorer, reply, err);
    if (strcmp(s.detail, detail) != 0 || strcmp(s.ref_detail, ref_detail) != 0)
        fail_msg("line %d: %s('%s') reads '%s' / '%s', want '%s' / '%s'", line, scorer, reply, s.detail, s.ref_detail,
                 detail, ref_detail);
}
#define READS(reply, detail, ref_detail) check_reads("choice", reply, "\"B\"", ANIMALS, 4, detail, ref_detail, __LINE__)

static void test_reasoning(void **state) {
    (void)state;
    /* An answer only inside the reasoning is never a hit. */
    CHOICE("<think>The answer is B.</think>A", "\"B\"", false, false, "picked A");
    CHOICE("<think>B</think>", "\"B\"", false, false, "unparsed");
    BOTH("yesno", "<think>yes, there is one</think>No", "\"yes\"", false, false, "no");
    BOTH("relaxed", "<think>12</think>13", "12", false, false, "no match");
    BOTH("substring", "<think>hello</think>bye", "[\"hello\"]", false, false, "not found");
    BOTH("open", "<think>5</think>six", "\"5\"", false, false, NULL);
    SOFT("vqa", "<think>nokia</think>samsung", "[\"nokia\",\"nokia\",\"nokia\",\"nokia\"]", 0.0, 0.0);
    SOFT("anls", "<think>hello</think>", "\"hello\"", 0.0, 0.0);
    struct vlm_score s;
    vlm_score_text("contains", "<think>The colour is red.</think>It is blue.", "\"red\"", NULL, 0, &s, NULL, 0);
    assert_false(s.correct);
    vlm_score_text("exact", "<think>\nred\n</think>\n\nred\n", "\"red\"", NULL, 0, &s, NULL, 0);
    assert_true(s.correct);
    /* Each family of tags, and spacing around the answer trimmed. */
    READS("<think>It is A.</think>\n\nB", "picked B", "picked B");
    READS("<thinking>It is A.</thinking> B", "picked B", "picked B");
    READS("[THINK]It is A.[/THINK]B", "picked B", "picked B");
    READS("◁think▷It is A.◁/think▷B", "picked B", "picked B");
    READS("<seed:think>It is A.</seed:think>B", "picked B", "picked B");
    READS("<think>A</think>B<think>A</think>", "picked B", "picked B");
    READS("<think>B</think>", "unparsed", "unparsed"); /* closed: an empty answer */
    READS("<|channel|>analysis<|message|>It is A.<|end|><|start|>assistant<|channel|>final<|message|>B<|return|>",
          "picked B", "picked B");
    READS("<|channel|>final<|message|>B", "picked B", "picked B");
    /* A closing tag alone: the template opened the block in the prompt. */
    READS("It is A, surely.</think>B", "picked B", "picked B");
    READS("B<think>but maybe A", "picked B", "picked B"); /* the answer came first */
    /* Never closed and nothing else: unparsed in both readings. */
    READS("<think>The answer is B", "unparsed: the reasoning block never closed", "unparsed");
    READS("  <think>B  ", "unparsed: the reasoning block never closed", "unparsed");
    vlm_score_text("choice", "<think>B", "\"B\"", ANIMALS, 4, &s, NULL, 0);
    assert_true(s.unparsed);
    assert_false(s.correct);
    assert_true(s.has_ref);
    assert_false(s.ref_correct);
    check_reads("yesno", "<think>yes", "\"yes\"", NULL, 0, "unparsed: the reasoning block never closed", "unknown",
                __LINE__);
    vlm_score_text("vqa", "[THINK]cat", "[\"cat\",\"cat\",\"cat\",\"cat\"]", NULL, 0, &s, NULL, 0);
    assert_true(s.score == 0.0 && s.ref_score == 0.0 && s.unparsed && s.has_ref);
    vlm_score_text("exact", "<think>red", "\"red\"", NULL, 0, &s, NULL, 0);
    assert_true(s.unparsed && !s.correct && !s.has_ref);
    /* The expected answer is still checked. */
    char err[256] = "";
    assert_int_equal(vlm_score_text("yesno", "<think>yes", "\"maybe\"", NULL, 0, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "must be \"yes\""));
    assert_false(s.has_ref);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void **state) {
    (void)state;
    const char *const *names = vlm_scorer_names();
    for (int i = 0; names[i]; i++) {
        bool want = strcmp(names[i], "choice") == 0 || strcmp(names[i], "vqa") == 0 || strcmp(names[i], "anls") == 0 ||
                    strcmp(names[i], "yesno") == 0 || strcmp(names[i], "relaxed") == 0 ||
                    strcmp(names[i], "substring") == 0 || strcmp(names[i], "open") == 0;
        if (vlm_scorer_has_ref(names[i]) != want) fail_msg("vlm_scorer_has_ref(%s) is %d", names[i], !want);
    }
    assert_false(vlm_scorer_has_ref(NULL));
    assert_false(vlm_scorer_has_ref("nope"));
    /* A scorer input error leaves no verdict in either reading. */
    struct vlm_score s;
    char err[256] = "";
    assert_int_equal(vlm_score_text("choice", "B", "\"E\"", ANIMALS, 4, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_false(s.has_ref);
    assert_string_equal(s.ref_detail, "");
    assert_int_equal(
        vlm_score_text("substring", "x", "{\"answers\": [\"x\"], \"math\": 1}", NULL, 0, &s, err, sizeof err),
        VLM_ERR_INPUT);
    assert_non_null(strstr(err, "'math' must be true or false"));
    assert_int_equal(vlm_score_text("substring", "x", "{\"math\": true}", NULL, 0, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "{\"answers\": [...]}"));
    assert_int_equal(vlm_score_text("relaxed", "x", "{}", NULL, 0, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_int_equal(vlm_score_text("open", "x", "null", NULL, 0, &s, err, sizeof err), VLM_ERR_INPUT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice), cmocka_unit_test(test_yesno),      cmocka_unit_test(test_vqa),
        cmocka_unit_test(test_anls),   cmocka_unit_test(test_relaxed),    cmocka_unit_test(test_substring),
        cmocka_unit_test(test_open),   cmocka_unit_test(test_lmms_agree), cmocka_unit_test(test_reasoning),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
