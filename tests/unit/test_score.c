/*
 * test_score.c - the scorers (lib/score.c, docs/scoring.md) on hand-worked
 * replies, English and Chinese: every scorer's positive and negative cases, the
 * choice parser's patterns and traps, number readings and tolerance edges,
 * ANLS/VQA/BLEU values worked out by hand, corpus BLEU-4 and CIDEr-D on tiny
 * sets, the errors, and malformed input that must never crash.
 */
#include "testutil.h"

#include <math.h>

/* ------------------------------------------------------------------ helpers */

/* Score and require VLM_OK. */
static struct vlm_score score_with(const char *scorer, const char *output, const char *expected,
                                   const char *const *choices, int n_choices, int line) {
    struct vlm_score s;
    char err[256] = "";
    int rc = vlm_score_text(scorer, output, expected, choices, n_choices, &s, err, sizeof err);
    if (rc != VLM_OK) fail_msg("line %d: %s('%s', %s) failed: %s", line, scorer, output, expected, err);
    return s;
}

static void check_verdict(const char *scorer, const char *output, const char *expected, const char *const *choices,
                          int n_choices, bool want, int line) {
    struct vlm_score s = score_with(scorer, output, expected, choices, n_choices, line);
    if (s.correct != want)
        fail_msg("line %d: %s('%s', %s) is %s (detail '%s'), want %s", line, scorer, output, expected,
                 s.correct ? "correct" : "wrong", s.detail, want ? "correct" : "wrong");
    if (s.score != (want ? 1.0 : 0.0) && strcmp(scorer, "all") != 0) fail_msg("line %d: score %g", line, s.score);
}

#define RIGHT(scorer, out, exp) check_verdict(scorer, out, exp, NULL, 0, true, __LINE__)
#define WRONG(scorer, out, exp) check_verdict(scorer, out, exp, NULL, 0, false, __LINE__)

static void check_score(const char *scorer, const char *output, const char *expected, double want, int line) {
    struct vlm_score s = score_with(scorer, output, expected, NULL, 0, line);
    if (fabs(s.score - want) > 1e-9)
        fail_msg("line %d: %s('%s', %s) = %.12g, want %.12g (%s)", line, scorer, output, expected, s.score, want,
                 s.detail);
}
#define SCORE(scorer, out, exp, want) check_score(scorer, out, exp, want, __LINE__)

static void check_detail(const char *scorer, const char *output, const char *expected, const char *const *choices,
                         int n_choices, const char *want, int line) {
    struct vlm_score s = score_with(scorer, output, expected, choices, n_choices, line);
    if (strcmp(s.detail, want) != 0)
        fail_msg("line %d: %s('%s', %s) detail '%s', want '%s'", line, scorer, output, expected, s.detail, want);
}
#define DETAIL(scorer, out, exp, want) check_detail(scorer, out, exp, NULL, 0, want, __LINE__)

/* The scorer refuses with a message holding `want`. */
static void check_error(const char *scorer, const char *output, const char *expected, const char *want, int line) {
    struct vlm_score s;
    char err[512] = "";
    int rc = vlm_score_text(scorer, output, expected, NULL, 0, &s, err, sizeof err);
    if (rc != VLM_ERR_INPUT) fail_msg("line %d: %s(%s) returned %d, want VLM_ERR_INPUT", line, scorer, expected, rc);
    if (!strstr(err, want)) fail_msg("line %d: message '%s' lacks '%s'", line, err, want);
}
#define ERROR(scorer, out, exp, want) check_error(scorer, out, exp, want, __LINE__)

/* ------------------------------------------------------------------ general */

static void test_names_and_errors(void **state) {
    (void)state;
    const char *const want[] = {"exact", "contains", "any",       "all",  "choice", "number", "anls",  "vqa",
                                "yesno", "relaxed",  "substring", "open", "bleu",   "cider",  "judge", "iou"};
    const char *const *names = vlm_scorer_names();
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) assert_string_equal(names[i], want[i]);
    assert_null(names[sizeof want / sizeof want[0]]);

    ERROR("fuzzy", "x", "\"x\"",
          "unknown scorer 'fuzzy' (known: exact, contains, any, all, choice, number, "
          "anls, vqa, yesno, relaxed, substring, open, bleu, cider, judge, iou)");
    ERROR("exact", "x", NULL, "no expected answer");
    ERROR("exact", "x", "null", "no expected answer");
    ERROR("contains", "x", "[", "not valid JSON");
    ERROR("exact", "x", "[]", "non-empty array");
    ERROR("exact", "x", "true", "must be a string, a number");
    ERROR("contains", "x", "{\"all\": [\"x\"]}", "{\"any\": [...]}");
    ERROR("any", "x", "[[]]", "keywords");
    ERROR("judge", "x", "\"x\"", "judge needs a judge model");
    ERROR("cider", "x", "\"x\"", "cider needs a caption set (vlm_caption_set)");

    /* "" and NULL mean exact; a NULL reply is ""; a NULL result is allowed. */
    RIGHT("", "Red.", "\"red\"");
    RIGHT(NULL, "Red.", "\"red\"");
    RIGHT("exact", NULL, "\"\"");
    WRONG("exact", NULL, "\"red\"");
    assert_int_equal(vlm_score_text("exact", "x", "\"x\"", NULL, 0, NULL, NULL, 0), VLM_OK);
    assert_int_equal(vlm_score_text("nope", "x", "\"x\"", NULL, 0, NULL, NULL, 0), VLM_ERR_INPUT);
}

/* ------------------------------------------------------------------ exact */

static void test_exact(void **state) {
    (void)state;
    RIGHT("exact", "Red.", "\"red\"");
    RIGHT("exact", "  The   CAT ", "\"cat\"");
    RIGHT("exact", "ＲＥＤ！", "\"red\""); /* full-width */
    RIGHT("exact", "four", "4");
    RIGHT("exact", "4", "\"Four\"");
    RIGHT("exact", "twenty-one", "21");
    RIGHT("exact", "twenty one", "\"21\"");
    RIGHT("exact", "two hundred and five", "205");
    RIGHT("exact", "a hundred", "100");
    RIGHT("exact", "1,234", "1234");
    RIGHT("exact", "3.5", "3.5");
    RIGHT("exact", "Don't!", "\"dont\"");
    RIGHT("exact", "no", "[\"yes\", \"no\"]");
    RIGHT("exact", "十二", "12");
    RIGHT("exact", "二十", "20");
    RIGHT("exact", "两", "2");
    RIGHT("exact", "一百零五", "105");
    RIGHT("exact", "٣", "3"); /* any script's digits */
    RIGHT("exact", "三千五百", "3500");
    RIGHT("exact", "两万", "20000");
    RIGHT("exact", "二零二四", "\"2024\"");
    RIGHT("exact", "nineteen hundred", "1900");
    RIGHT("exact", "one two", "\"1 2\"");
    RIGHT("exact", "一样", "\"一样\""); /* 一 inside a word is no number */
    WRONG("exact", "一样", "1");
    RIGHT("exact", "红色。", "\"红色\"");
    RIGHT("exact", "「红 色」", "\"红色\"");
    RIGHT("exact", "答案：十二", "\"答案 12\"");
    WRONG("exact", "red car", "\"red\"");
    WRONG("exact", "cats", "\"cat\"");
    WRONG("exact", "3.5", "35");
    WRONG("exact", "十三", "12");
    WRONG("exact", "The answer is 4.", "4");
    WRONG("exact", "", "\"red\"");
    RIGHT("exact", "A.", "\"a\""); /* articles stay when nothing else would */
    WRONG("exact", "The", "\"A\"");
    /* Invalid UTF-8 separates words like punctuation. */
    RIGHT("exact", "\xff red \xc3", "\"red\"");
    DETAIL("exact", "The  Red  Car!", "\"red\"", "read \"red car\"");
    DETAIL("exact", "我看到「十二」只猫。", "12", "read \"我看到12只猫\"");
}

/* ------------------------------------------------------------------ contains, any, all */

static void test_contains(void **state) {
    (void)state;
    RIGHT("contains", "The colour is red.", "\"red\"");
    RIGHT("contains", "I see twelve apples", "12");
    RIGHT("contains", "There are 4 stripes", "\"four\"");
    RIGHT("contains", "It is a circle.", "[\"disc\", \"circle\"]");
    RIGHT("contains", "It is a disc.", "{\"any\": [\"disc\", \"circle\"]}");
    RIGHT("contains", "It is a disc.", "[[\"disk\", \"disc\"], \"circle\"]");
    RIGHT("contains", "图中是一辆红色的汽车。", "\"红色\"");
    RIGHT("contains", "它有十二条腿", "12");
    RIGHT("contains", "Answer: 12", "\"12\"");
    RIGHT("contains", "The BIG red dog", "\"big red\"");
    WRONG("contains", "reddish", "\"red\"");
    WRONG("contains", "I see 123 apples", "12");
    WRONG("contains", "big dark red", "\"big red\"");
    WRONG("contains", "图中是一辆蓝色的汽车。", "\"红色\"");
    WRONG("contains", "the answer is here", "\"the\""); /* articles go from the reply */
    DETAIL("contains", "It is a disc.", "[\"circle\", \"disc\"]", "found \"disc\"");
    DETAIL("contains", "It is a square.", "[\"circle\", \"disc\"]", "not found");
    WRONG("contains", "It is 5.5 metres", "5"); /* a decimal is one word */
    WRONG("contains", "It is -2 degrees", "2");
    RIGHT("contains", "It is 5.", "5");
    RIGHT("contains", "It is 5.5 metres", "5.5");
}

static void test_any_all(void **state) {
    (void)state;
    RIGHT("any", "I see an automobile", "[[\"car\", \"automobile\"], \"truck\"]");
    RIGHT("any", "A truck.", "{\"keywords\": [[\"car\", \"automobile\"], \"truck\"]}");
    WRONG("any", "A bicycle.", "[[\"car\", \"automobile\"], \"truck\"]");
    RIGHT("all", "A red car on the road.", "[\"red\", [\"car\", \"auto\"], \"road\"]");
    RIGHT("all", "一辆红色的汽车停在路上", "[\"红色\", \"汽车\", [\"路\", \"街\"]]");
    struct vlm_score s = score_with("all", "A red car.", "[\"red\", [\"car\", \"auto\"], \"road\"]", NULL, 0, __LINE__);
    assert_false(s.correct);
    assert_true(fabs(s.score - 2.0 / 3.0) < 1e-12);
    assert_string_equal(s.detail, "found 2 of 3; missing: road");
    SCORE("all", "nothing here", "[\"red\", \"car\"]", 0.0);
    SCORE("any", "red", "\"red\"", 1.0);
}

/* ------------------------------------------------------------------ choice */

static const char *const ANIMALS[] = {"cat", "dog", "bird", "fish"};

static void check_pick(const char *output, const char *const *choices, int n, const char *want, int line) {
    check_detail("choice", output, "\"A\"", choices, n, want, line);
}
#define PICKS(out, want) check_pick(out, ANIMALS, 4, want, __LINE__)

static void test_choice_patterns(void **state) {
    (void)state;
    PICKS("B", "picked B");
    PICKS("b", "picked B");
    PICKS("B.", "picked B");
    PICKS("**B**", "picked B");
    PICKS("Ｂ", "picked B");
    PICKS("(B) dog", "picked B");
    PICKS("B) dog", "picked B");
    PICKS("B. The dog is sitting, not a cat as in A.", "picked B");
    PICKS("The answer is (B)", "picked B");
    PICKS("The answer is B because the animal barks.", "picked B");
    PICKS("The answer is B. A is wrong.", "picked B");
    PICKS("Answer: B", "picked B");
    PICKS("answer: c", "picked C");
    PICKS("The correct option is D.", "picked D");
    PICKS("I choose option C", "picked C");
    PICKS("option B", "picked B");
    PICKS("答案是B", "picked B");
    PICKS("答案：B", "picked B");
    PICKS("答案为（C）。", "picked C");
    PICKS("选 C", "picked C");
    PICKS("选择C", "picked C");
    PICKS("我认为应该选D，因为它会游泳。", "picked D");
    PICKS("C选项是正确的", "picked C");
    PICKS("I think it is a dog.", "picked B"); /* the option's text */
    PICKS("A.I. says B", "picked B");          /* abbreviations are no options */
    PICKS("The answer to this question is B", "picked B");
    PICKS("图中是一只dog", "picked B");
    PICKS("It must be D", "picked D");
}

static void test_choice_unparsed(void **state) {
    (void)state;
    static const char *const OTHERS[] = {"dog", "bird", "fish", "horse"};
    /* The article "A" is not option A. */
    check_pick("A cat sits on the mat.", OTHERS, 4, "unparsed", __LINE__);
    check_pick("The answer is a cat.", OTHERS, 4, "unparsed", __LINE__);
    PICKS("A or B", "unparsed");
    PICKS("A and B are both possible", "unparsed");
    PICKS("The answer is A or B.", "unparsed");
    PICKS("答案是A或B", "unparsed");
    PICKS("I am not sure.", "unparsed");
    PICKS("It is a dog or a fish.", "unparsed");
    PICKS("", "unparsed");
    PICKS("Z", "unparsed"); /* past the last option */
    PICKS("\xff\xfe", "unparsed");
    struct vlm_score s = score_with("choice", "A or B", "\"A\"", ANIMALS, 4, __LINE__);
    assert_true(s.unparsed);
    assert_false(s.correct);
    assert_true(s.score == 0.0);
}

static void test_choice_options(void **state) {
    (void)state;
    static const char *const REDS[] = {"red", "dark red", "blue"};
    check_pick("It is dark red.", REDS, 3, "picked B", __LINE__);
    check_pick("It is red.", REDS, 3, "picked A", __LINE__);
    check_pick("Red or blue", REDS, 3, "unparsed", __LINE__);
    check_verdict("choice", "B", "\"B\"", ANIMALS, 4, true, __LINE__);
    check_verdict("choice", "B", "\"(b)\"", ANIMALS, 4, true, __LINE__);
    check_verdict("choice", "B", "\"dog\"", ANIMALS, 4, true, __LINE__); /* expected as option text */
    check_verdict("choice", "The answer is C", "\"B\"", ANIMALS, 4, false, __LINE__);
    check_verdict("choice", "C", "[\"B\", \"C\"]", ANIMALS, 4, true, __LINE__);
    check_verdict("choice", "E.", "\"E\"", NULL, 0, true, __LINE__); /* no choices: letters A-Z */
    check_verdict("choice", "E.", "\"e\"", NULL, 0, true, __LINE__);
    char err[256];
    struct vlm_score s;
    assert_int_equal(vlm_score_text("choice", "B", "\"E\"", ANIMALS, 4, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "neither an option letter (A-D)"));
    assert_int_equal(vlm_score_text("choice", "B", "\"zebra\"", ANIMALS, 4, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_int_equal(vlm_score_text("choice", "B", "\"zebra\"", NULL, 0, &s, err, sizeof err), VLM_ERR_INPUT);
    assert_non_null(strstr(err, "the case has no choices"));
    static const char *const HOLES[] = {"cat", NULL, "bird"};
    check_pick("bird", HOLES, 3, "picked C", __LINE__);
}

/* ------------------------------------------------------------------ number */

static void test_number(void **state) {
    (void)state;
    RIGHT("number", "There are 12 apples.", "12");
    RIGHT("number", "twelve", "12");
    RIGHT("number", "I count twenty-one birds", "21");
    RIGHT("number", "two hundred and five", "205");
    RIGHT("number", "十二个", "12");
    RIGHT("number", "一共有一百零五人", "105");
    RIGHT("number", "About 1,234 people", "1234");
    RIGHT("number", "3.5 kg", "3.5");
    RIGHT("number", "It is -2 degrees", "-2");
    RIGHT("number", "−0.5", "-0.5"); /* U+2212 minus */
    RIGHT("number", "４２", "42");   /* full-width digits */
    RIGHT("number", "٤٢", "42");     /* Arabic-Indic digits */
    RIGHT("number", "४२ लोग", "42"); /* Devanagari */
    RIGHT("number", "1e5", "100000");
    RIGHT("number", "about 2.5E-3 m", "0.0025");
    RIGHT("number", "1e+2", "100");
    RIGHT("number", "3em", "3");  /* no exponent digits: no exponent */
    RIGHT("number", "0x10", "0"); /* never hexadecimal */
    RIGHT("number", "12", "\"12\"");
    RIGHT("number", "4", "[3, 4]");
    WRONG("number", "It is -2 degrees", "2");
    WRONG("number", "There are 12 apples and 4 pears.", "4"); /* the first number counts */
    /* Percentages: got and got/100 both compared. */
    RIGHT("number", "45%", "0.45");
    RIGHT("number", "45%", "45");
    RIGHT("number", "45 percent", "0.45");
    RIGHT("number", "forty-five per cent", "45");
    RIGHT("number", "百分之四十五", "0.45");
    RIGHT("number", "４５％", "0.45");
    WRONG("number", "45", "0.45");
    /* Tolerance: 5% by default, relative to the expected value. */
    RIGHT("number", "105", "100");
    RIGHT("number", "95", "100");
    WRONG("number", "105.01", "100");
    WRONG("number", "94.99", "100");
    RIGHT("number", "12.6", "12");
    WRONG("number", "12.61", "12");
    RIGHT("number", "13.2", "{\"value\": 12, \"tolerance\": 0.1}");
    WRONG("number", "13.3", "{\"value\": 12, \"tolerance\": 0.1}");
    RIGHT("number", "12", "{\"value\": \"12\", \"tolerance\": 0}");
    WRONG("number", "12.001", "{\"value\": 12, \"tolerance\": 0}");
    RIGHT("number", "0", "0");
    RIGHT("number", "zero", "0");
    WRONG("number", "0.001", "0");
    DETAIL("number", "About 1,234.5 people", "1234", "read 1234.5");
    DETAIL("number", "45%", "45", "read 45%");
    DETAIL("number", "no idea", "4", "unparsed");
    struct vlm_score s = score_with("number", "no idea", "4", NULL, 0, __LINE__);
    assert_true(s.unparsed);
    assert_false(s.correct);
    ERROR("number", "4", "\"abc\"", "expected answer 'abc' is not a number");
    ERROR("number", "4", "{\"value\": 4, \"tolerance\": -1}", "'tolerance' must be a number >= 0");
    ERROR("number", "4", "{\"tolerance\": 1}", "needs 'value'");
    ERROR("number", "4", "[]", "empty array");
}

/* ------------------------------------------------------------------ anls */

static void test_anls(void **state) {
    (void)state;
    SCORE("anls", "hallo", "\"hello\"", 1 - 1.0 / 5); /* one substitution of 5 */
    SCORE("anls", "  HELLO   World ", "\"hello world\"", 1.0);
    SCORE("anls", "hel", "\"hello\"", 1 - 2.0 / 5);          /* two deletions */
    SCORE("anls", "he", "\"hello\"", 0.0);                   /* NL 3/5 >= 0.5 */
    SCORE("anls", "ab", "\"ac\"", 0.5);                      /* NL exactly 0.5: kept */
    SCORE("anls", "abc", "\"abcdef\"", 0.5);                 /* lengths 3 and 6: still kept */
    SCORE("anls", "abc", "\"abcdefg\"", 0.0);                /* NL 4/7 */
    SCORE("anls", "abc", "[\"xyz\", \"abd\"]", 1 - 1.0 / 3); /* best answer counts */
    SCORE("anls", "你好吗", "\"你好\"", 1 - 1.0 / 3);        /* code points, not bytes */
    SCORE("anls", "", "\"\"", 1.0);
    SCORE("anls", "", "\"x\"", 0.0);
    struct vlm_score s = score_with("anls", "hallo", "\"hello\"", NULL, 0, __LINE__);
    assert_true(s.correct);
    assert_string_equal(s.detail, "anls 0.800 vs \"hello\"");
    s = score_with("anls", "he", "\"hello\"", NULL, 0, __LINE__);
    assert_false(s.correct);
}

/* ------------------------------------------------------------------ vqa */

static void test_vqa(void **state) {
    (void)state;
    /* 10 references, 2 match. Leaving out one of the 2: 1 match, min(1, 1/3);
     * leaving out one of the other 8: 2 matches, min(1, 2/3).
     * (2 * 1/3 + 8 * 2/3) / 10 = 18/30 = 0.6. */
    const char *two = "[\"2\",\"two\",\"3\",\"3\",\"3\",\"3\",\"4\",\"4\",\"5\",\"many\"]";
    SCORE("vqa", "Two.", two, 0.6);
    /* 3 match: (3 * 2/3 + 7 * 1) / 10 = 0.9. 4 match: 1.0. 1 match: 9/3/10 = 0.3. */
    SCORE("vqa", "3", "[\"3\",\"3\",\"three\",\"2\",\"2\",\"2\",\"2\",\"2\",\"2\",\"2\"]", 0.9);
    SCORE("vqa", "3", "[\"3\",\"3\",\"3\",\"3\",\"2\",\"2\",\"2\",\"2\",\"2\",\"2\"]", 1.0);
    SCORE("vqa", "the 5", "[\"5\",\"3\",\"3\",\"3\",\"2\",\"2\",\"2\",\"2\",\"2\",\"2\"]", 0.3);
    SCORE("vqa", "7", two, 0.0);
    /* Fewer references: one is the answer; two or more still need 3 to agree:
     * yes/no leaves out yes (0 matches) or no (1: 1/3), mean 1/6. */
    SCORE("vqa", "yes", "\"Yes\"", 1.0);
    SCORE("vqa", "yes", "[\"yes\", \"no\"]", 1.0 / 6);
    SCORE("vqa", "none", "[\"0\", \"zero\"]", 1.0 / 3);
    SCORE("vqa", "none", "[\"0\", \"zero\", \"0\", \"0\"]", 1.0);
    /* Apostrophes stay (dog's is not dogs); contractions are restored (dont is don't). */
    SCORE("vqa", "dog's", "[\"dogs\", \"dogs\", \"dogs\", \"dog’s\"]", 0.25); /* (3 * 1/3 + 0) / 4 */
    SCORE("vqa", "dont", "[\"don't\", \"don’t\", \"dont\", \"do not\"]", 0.75);
    struct vlm_score s = score_with("vqa", "Two.", two, NULL, 0, __LINE__);
    assert_true(s.correct);
    assert_string_equal(s.detail, "2 of 10 references match");
    s = score_with("vqa", "the 5", "[\"5\",\"3\",\"3\",\"3\",\"2\",\"2\",\"2\",\"2\",\"2\",\"2\"]", NULL, 0, __LINE__);
    assert_false(s.correct);
}

/* ------------------------------------------------------------------ yesno */

static void test_yesno(void **state) {
    (void)state;
    RIGHT("yesno", "Yes, there is a cat.", "\"yes\"");
    RIGHT("yesno", "yes", "true");
    RIGHT("yesno", "True.", "\"Yes\"");
    RIGHT("yesno", "Correct", "\"yes\"");
    RIGHT("yesno", "No.", "\"no\"");
    RIGHT("yesno", "No, it is blue.", "false");
    RIGHT("yesno", "There is no dog in the picture.", "\"no\"");
    RIGHT("yesno", "There aren't any dogs, there are no dogs.", "\"no\"");
    RIGHT("yesno", "I think the answer is yes.", "\"yes\"");
    RIGHT("yesno", "是的，图中有一只猫。", "\"yes\"");
    RIGHT("yesno", "是", "\"是\"");
    RIGHT("yesno", "对", "\"yes\"");
    RIGHT("yesno", "有。", "\"yes\"");
    RIGHT("yesno", "不是。", "\"no\"");
    RIGHT("yesno", "没有", "\"否\"");
    RIGHT("yesno", "否", "\"no\"");
    RIGHT("yesno", "图中没有狗。", "\"no\"");
    WRONG("yesno", "Yes.", "\"no\"");
    WRONG("yesno", "不是", "\"yes\"");
    DETAIL("yesno", "Yes!", "\"yes\"", "yes");
    DETAIL("yesno", "No", "\"yes\"", "no");
    DETAIL("yesno", "Maybe, it is hard to tell.", "\"yes\"", "unparsed");
    DETAIL("yesno", "对于这张图片，很难判断。", "\"yes\"", "unparsed");
    DETAIL("yesno", "", "\"yes\"", "unparsed");
    struct vlm_score s = score_with("yesno", "Maybe", "\"no\"", NULL, 0, __LINE__);
    assert_true(s.unparsed);
    assert_false(s.correct);
    ERROR("yesno", "yes", "\"maybe\"", "must be \"yes\", \"no\", true or false");
    ERROR("yesno", "yes", "1", "must be \"yes\"");
}

/* ------------------------------------------------------------------ bleu */

static void test_bleu(void **state) {
    (void)state;
    /* cand: the cat sat on the mat   ref: the cat is on the mat (6 tokens each)
     * 1-grams: the 2/2, cat, on, mat match, sat not        -> 5/6
     * 2-grams: the cat, on the, the mat of 5    -> (3+1)/(5+1) = 4/6
     * 3-grams: on the mat of 4                  -> (1+1)/(4+1) = 2/5
     * 4-grams: none of 3                        -> (0+1)/(3+1) = 1/4
     * BP = 1; BLEU = (5/6 * 4/6 * 2/5 * 1/4)^(1/4) = (1/18)^(1/4). */
    SCORE("bleu", "The cat sat on the mat.", "\"the cat is on the mat\"", pow(18, -0.25));
    SCORE("bleu", "the cat is on the mat", "[\"a dog\", \"the cat is on the mat\"]", 1.0);
    SCORE("bleu", "一只猫", "\"一只猫。\"", 1.0); /* each ideograph a token */
    SCORE("bleu", "dogs bark", "\"the cat is on the mat\"", 0.0);
    /* Shorter than the reference: p1 = 2/2, p2..p4 = 1 (smoothed), BP = e^(1 - 6/2). */
    SCORE("bleu", "the cat", "\"the cat sat on the mat\"", exp(-2.0));
    SCORE("bleu", "", "\"the cat\"", 0.0);
    struct vlm_score s = score_with("bleu", "the cat is on the mat", "\"the cat is on the mat\"", NULL, 0, __LINE__);
    assert_true(s.correct);
    assert_string_equal(s.detail, "bleu 1.0000");
    s = score_with("bleu", "The cat sat on the mat.", "\"the cat is on the mat\"", NULL, 0, __LINE__);
    assert_false(s.correct); /* 0.485 < 0.5 */
}

/* ------------------------------------------------------------------ caption sets */

static void add1(vlm_caption_set *set, const char *cand, const char *ref) {
    const char *refs[1] = {ref};
    vlm_caption_set_add(set, cand, refs, 1);
}

static void assert_near(double got, double want) {
    if (fabs(got - want) > 1e-9) fail_msg("%.12g != %.12g", got, want);
}

static void test_corpus_bleu(void **state) {
    (void)state;
    vlm_caption_set *set = vlm_caption_set_new();
    assert_int_equal(vlm_caption_set_size(set), 0);
    assert_near(vlm_caption_bleu4(set), 0.0);
    add1(set, "a man rides a horse", "A man rides a horse.");
    add1(set, "two dogs play in the snow", "two dogs play in the snow");
    assert_int_equal(vlm_caption_set_size(set), 2);
    assert_near(vlm_caption_bleu4(set), 1.0);
    vlm_caption_set_free(set);

    /* cand: the cat sat on the mat   ref: the cat sat on a mat
     *   matches 5/6, 3/5, 2/4, 1/3; lengths 6, 6
     * cand: a dog runs   ref: a dog runs fast
     *   matches 3/3, 2/2, 1/1, 0/0; lengths 3, 4
     * Sums: 8/9, 5/7, 3/5, 1/3; c = 9, r = 10:
     * BLEU-4 = e^(1 - 10/9) * (8/9 * 5/7 * 3/5 * 1/3)^(1/4) = e^(-1/9) * (8/63)^(1/4). */
    set = vlm_caption_set_new();
    add1(set, "the cat sat on the mat", "the cat sat on a mat");
    assert_near(vlm_caption_bleu4(set), pow(1.0 / 12, 0.25));
    add1(set, "a dog runs", "a dog runs fast");
    assert_near(vlm_caption_bleu4(set), exp(-1.0 / 9) * pow(8.0 / 63, 0.25));
    /* No 4-gram matches anywhere: 0 (no smoothing at corpus level). */
    vlm_caption_set_free(set);
    set = vlm_caption_set_new();
    add1(set, "a b c", "a b d");
    assert_near(vlm_caption_bleu4(set), 0.0);
    vlm_caption_set_free(set);
}

static void test_cider_d(void **state) {
    (void)state;
    /* Three items, every n-gram in one item's references only, so df = 1 and every
     * weight is tf * (log 3 - log 1) = log 3: the cosines reduce to set overlaps.
     * Identical 4-word caption: cosine 1 at every order -> 10 * mean(1,1,1,1) = 10.
     * "p q r x" vs "p q r s": 1-grams 3/(2*2) = 3/4, 2-grams 2/(sqrt3*sqrt3) = 2/3,
     *   3-grams 1/(sqrt2*sqrt2) = 1/2, 4-grams 0; same length (penalty 1):
     *   10 * (3/4 + 2/3 + 1/2 + 0) / 4 = 10 * 23/48.
     * "u v" vs "w z": nothing shared -> 0. */
    vlm_caption_set *set = vlm_caption_set_new();
    add1(set, "a b c d", "a b c d");
    add1(set, "p q r x", "p q r s");
    add1(set, "u v", "w z");
    double identical = vlm_caption_cider_d(set, 0), partial = vlm_caption_cider_d(set, 1);
    assert_near(identical, 10.0);
    assert_near(partial, 10.0 * 23 / 48);
    assert_near(vlm_caption_cider_d(set, 2), 0.0);
    assert_true(identical > partial);
    /* Out of range: 0. */
    assert_near(vlm_caption_cider_d(set, 3), 0.0);
    assert_near(vlm_caption_cider_d(set, -1), 0.0);
    assert_near(vlm_caption_cider_d(NULL, 0), 0.0);
    vlm_caption_set_free(set);

    /* Length penalty: "p q r s x y" (5 bigrams) vs "p q r s" (3 bigrams):
     * 1-grams 4/(sqrt6*2), 2-grams 3/(sqrt5*sqrt3), 3-grams 2/(2*sqrt2),
     * 4-grams 1/(sqrt3*1); all times e^(-(5-3)^2 / (2*6^2)). */
    set = vlm_caption_set_new();
    add1(set, "p q r s x y", "p q r s");
    add1(set, "k l", "m n");
    add1(set, "e f", "g h");
    double want = (4 / (sqrt(6) * 2) + 3 / (sqrt(5) * sqrt(3)) + 2 / (2 * sqrt(2)) + 1 / sqrt(3)) * exp(-4.0 / 72) / 4 *
                  10;
    assert_near(vlm_caption_cider_d(set, 0), want);
    vlm_caption_set_free(set);

    /* Two references: the mean of the two similarities. The shared n-grams have
     * df = 1 still (one item), so the identical reference gives 10 * 3/4 (no
     * 4-gram in a 3-word caption) and the other 0. */
    set = vlm_caption_set_new();
    const char *refs[] = {"cat on mat", "dog"};
    vlm_caption_set_add(set, "cat on mat", refs, 2);
    add1(set, "x y", "z w");
    assert_near(vlm_caption_cider_d(set, 0), (10.0 * 3 / 4 + 0) / 2);
    /* A single-item set has log(N) = 0: every weight is 0. */
    vlm_caption_set_free(set);
    set = vlm_caption_set_new();
    add1(set, "a b c d", "a b c d");
    assert_near(vlm_caption_cider_d(set, 0), 0.0);
    vlm_caption_set_free(set);
}

static void test_caption_robust(void **state) {
    (void)state;
    vlm_caption_set *set = vlm_caption_set_new();
    vlm_caption_set_add(set, NULL, NULL, 0);
    const char *refs[] = {NULL, "\xff\xfe", ""};
    vlm_caption_set_add(set, "\xc3", refs, 3);
    vlm_caption_set_add(set, "ok", refs, -5);
    assert_int_equal(vlm_caption_set_size(set), 3);
    assert_near(vlm_caption_bleu4(set), 0.0);
    for (int i = 0; i < 3; i++) assert_near(vlm_caption_cider_d(set, i), 0.0);
    vlm_caption_set_free(set);
    vlm_caption_set_free(NULL);
    vlm_caption_set_add(NULL, "x", NULL, 0);
    assert_int_equal(vlm_caption_set_size(NULL), 0);
    assert_near(vlm_caption_bleu4(NULL), 0.0);
}

/* ------------------------------------------------------------------ robustness */

/* Random replies (pieces of ASCII, CJK and broken sequences, or raw bytes)
 * through every scorer: nothing may crash, leak or read out of bounds. */
static void test_fuzz(void **state) {
    (void)state;
    static const char *const pieces[] = {
        "A",  "B",  " ",   ".",   "(",      ")",   "答案",    "是",  "十",  "二",   "百分之",   "%",
        "-",  "1",  ",",   "234", "twenty", "one", "hundred", "and", "the", "\xff", "\xe4\xb8", "\xf0\x9f\x98\x80",
        "：", "ｂ", "yes", "no",  "没有",   "'",   "option",  "or",  "\n",  "3.5",  "a",        "选",
    };
    static const char *const expected[] = {
        "\"B\"",
        "12",
        "\"yes\"",
        "[\"a\", [\"b\", \"c\"]]",
        "{\"value\": 3, \"tolerance\": 0.5}",
        "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\"]",
        "{\"any\": [\"x\"]}",
        "\"\"",
    };
    const char *const *names = vlm_scorer_names();
    uint32_t seed = 12345;
    char buf[512];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0;
        int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 24;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            char byte[2] = {(char)(1 + (seed >> 8) % 255), 0};
            if (iter % 2) p = byte; /* every other reply: raw bytes */
            if (len + strlen(p) + 1 < sizeof buf) {
                memcpy(buf + len, p, strlen(p));
                len += strlen(p);
            }
        }
        buf[len] = '\0';
        for (int s = 0; names[s]; s++) {
            struct vlm_score r;
            char err[256];
            const char *exp = expected[(size_t)(iter + s) % (sizeof expected / sizeof expected[0])];
            vlm_score_text(names[s], buf, exp, ANIMALS, 4, &r, err, sizeof err);
            assert_true(strlen(r.detail) < sizeof r.detail);
            assert_true(r.score >= 0 && r.score <= 1);
        }
    }
}

static void test_long_detail(void **state) {
    (void)state;
    char *reply = malloc(100 * 2 + 1);
    for (int i = 0; i < 100; i++) memcpy(reply + 2 * i, "é", 2);
    reply[200] = '\0';
    struct vlm_score s = score_with("exact", reply, "\"é\"", NULL, 0, __LINE__);
    assert_false(s.correct);
    /* "read \"" and 2-byte characters, cut at a character boundary. */
    size_t n = strlen(s.detail);
    assert_int_equal(n, sizeof s.detail - 2);
    assert_int_equal((n - strlen("read \"")) % 2, 0);
    free(reply);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_errors),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_any_all),
        cmocka_unit_test(test_choice_patterns),
        cmocka_unit_test(test_choice_unparsed),
        cmocka_unit_test(test_choice_options),
        cmocka_unit_test(test_number),
        cmocka_unit_test(test_anls),
        cmocka_unit_test(test_vqa),
        cmocka_unit_test(test_yesno),
        cmocka_unit_test(test_bleu),
        cmocka_unit_test(test_corpus_bleu),
        cmocka_unit_test(test_cider_d),
        cmocka_unit_test(test_caption_robust),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_long_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
