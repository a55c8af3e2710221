/*
 * test_generate.c - text-to-image pieces that need no server: the images
 * endpoint's answers parsed (b64_json, data: URL, http URL, each kind of bad
 * answer), generate cases read from a suite with each mistake, the scorer and
 * judge prompt of each kind of question, and the images= / price_image= keys
 * of a model spec.
 */
#include "testutil.h"

#include "imagegen.h"
#include "suite_gen.h"
#include "grade_gen.h"

/* ------------------------------------------------------------ answers */

/* Parse body; returns the parser's status, fills bytes/n/url/why. */
static int parse(const char *body, unsigned char **bytes, size_t *n, char **url, char *why, size_t why_len) {
    return imagegen_parse_response(body, strlen(body), bytes, n, url, why, why_len);
}

static void test_b64_json(void **state) {
    unsigned char *b;
    size_t n;
    char *url, why[256];
    /* "aGVsbG8=" is base64 of the 5 bytes "hello" */
    assert_int_equal(parse("{\"created\":1,\"data\":[{\"b64_json\":\"aGVsbG8=\"}]}", &b, &n, &url, why, sizeof why), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "hello", 5);
    assert_null(url);
    assert_null(imagegen_sniff(b, n)); /* "hello" is no image format */
    free(b);
}

static void test_data_url(void **state) {
    unsigned char *b;
    size_t n;
    char *url, why[256];
    /* "iVBORw0KGgo=" is base64 of the PNG signature 89 50 4E 47 0D 0A 1A 0A */
    assert_int_equal(
        parse("{\"data\":[{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}]}", &b, &n, &url, why, sizeof why), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
    assert_string_equal(imagegen_sniff(b, n), "png");
    free(b);
    /* b64_json wins over url when both are there */
    assert_int_equal(
        parse("{\"data\":[{\"b64_json\":\"aGVsbG8=\",\"url\":\"http://x/y.png\"}]}", &b, &n, &url, why, sizeof why), 0);
    assert_int_equal(n, 5);
    assert_null(url);
    free(b);
}

static void test_http_url(void **state) {
    unsigned char *b;
    size_t n;
    char *url, why[256];
    assert_int_equal(parse("{\"data\":[{\"url\":\"https://cdn.example/img/1.png\"}]}", &b, &n, &url, why, sizeof why),
                     0);
    assert_null(b);
    assert_string_equal(url, "https://cdn.example/img/1.png");
    free(url);
}

static void test_bad_answers(void **state) {
    static const struct {
        const char *body, *why;
    } bad[] = {
        {"<html>Bad Gateway</html>", "not JSON"},
        {"{\"error\":{\"message\":\"quota exceeded\"}}", "quota exceeded"},
        {"{\"error\":\"model not loaded\"}", "model not loaded"},
        {"{\"data\":[]}", "no data[0]"},
        {"{\"data\":[{\"b64_json\":\"@@@@\"}]}", "b64_json: invalid base64"},
        {"{\"data\":[{\"url\":\"data:image/png,rawbytes\"}]}", "without base64"},
        {"{\"data\":[{\"url\":\"ftp://x/y.png\"}]}", "neither b64_json nor"},
        {"{\"data\":[{\"revised_prompt\":\"x\"}]}", "neither b64_json nor"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *b = (unsigned char *)"x";
        size_t n = 1;
        char *url = (char *)"x", why[256] = "";
        assert_int_equal(parse(bad[i].body, &b, &n, &url, why, sizeof why), -1);
        assert_null(b);
        assert_null(url);
        if (!strstr(why, bad[i].why)) fail_msg("answer %zu: '%s' does not say '%s'", i, why, bad[i].why);
    }
}

static void test_sniff(void **state) {
    assert_string_equal(imagegen_sniff((const unsigned char *)"\xFF\xD8\xFF\xE0", 4), "jpg");
    assert_string_equal(imagegen_sniff((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16), "webp");
    assert_null(imagegen_sniff((const unsigned char *)"\x89PNG\r\n\x1a", 7)); /* cut short */
    assert_null(imagegen_sniff((const unsigned char *)"GIF89a", 6));
}

/* ------------------------------------------------------------ suites */

static vlm_suite *load_lines(char *dir, const char *text) {
    char *p = test_write_file(dir, "gen.jsonl", text), err[512];
    vlm_suite *s = vlm_suite_load(p, vlm_suite_default_params(), err, sizeof err);
    free(p);
    return s;
}

static void test_generate_case(void **state) {
    char *dir = test_tmpdir();
    vlm_suite *s = load_lines(dir,
                              "{\"kind\":\"generate\",\"id\":\"cube\",\"category\":\"objects\","
                              "\"prompt\":\"a red cube on a blue table\",\"questions\":["
                              "{\"q\":\"Is there a cube?\",\"a\":\"yes\"},"
                              "{\"q\":\"What colour is the cube?\",\"a\":\"red\",\"choices\":[\"red\",\"green\"]}]}\n"
                              "{\"id\":\"plain\",\"prompt\":\"What is this?\",\"answer\":\"a cat\"}\n");
    assert_non_null(s);
    assert_int_equal(vlm_suite_n_cases(s), 2);
    const vlm_case *c = vlm_suite_case(s, 0);
    assert_null(c->error);
    assert_true(gen_is_generate(c));
    assert_string_equal(c->category, "objects");
    assert_int_equal(c->n_turns, 1);
    assert_string_equal(c->turns[0], "a red cube on a blue table");
    assert_int_equal(c->n_images, 0);
    /* compact, keys sorted */
    assert_string_equal(c->questions, "[{\"a\":\"yes\",\"q\":\"Is there a cube?\"},{\"a\":\"red\",\"choices\":"
                                      "[\"red\",\"green\"],\"q\":\"What colour is the cube?\"}]");
    const vlm_case *plain = vlm_suite_case(s, 1);
    assert_null(plain->error);
    assert_false(gen_is_generate(plain));
    assert_null(plain->questions);
    vlm_suite_free(s);
    test_rmdir(dir);
}

static void test_generate_mistakes(void **state) {
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"{\"kind\":\"draw\",\"id\":\"a\",\"prompt\":\"p\"}", "unknown kind 'draw' (known: generate)"},
        {"{\"kind\":1,\"id\":\"a\",\"prompt\":\"p\"}", "'kind' must be a string"},
        {"{\"id\":\"a\",\"prompt\":\"p\",\"questions\":[{\"q\":\"x\",\"a\":\"yes\"}]}", "'questions' is for kind"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\"}", "needs 'questions'"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\",\"questions\":[]}", "needs 'questions'"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\",\"questions\":[\"Is it red?\"]}",
         "questions[0] must be an object"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\",\"questions\":[{\"q\":\"x\",\"a\":\"yes\"},{\"q\":\"y\"}]}",
         "questions[1] has no expected answer"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\",\"questions\":[{\"q\":\"\",\"a\":\"yes\"}]}",
         "questions[0].q must be a non-empty string"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\",\"questions\":[{\"q\":\"x\",\"a\":\"r\",\"choices\":[\"r\"]}]}",
         "questions[0].choices must be an array of at least 2 strings"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"turns\":[\"p\",\"q\"],\"questions\":[{\"q\":\"x\",\"a\":\"yes\"}]}",
         "one 'prompt'"},
        {"{\"kind\":\"generate\",\"id\":\"a\",\"prompt\":\"p\",\"answer\":\"yes\",\"questions\":[{\"q\":\"x\",\"a\":\"yes\"}]}",
         "in 'questions', not 'answer'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *dir = test_tmpdir(), line[1024];
        snprintf(line, sizeof line, "%s\n", bad[i].line);
        vlm_suite *s = load_lines(dir, line);
        assert_non_null(s);
        const vlm_case *c = vlm_suite_case(s, 0);
        if (!c->error || !strstr(c->error, bad[i].why))
            fail_msg("line %zu: error '%s' does not say '%s'", i, c->error ? c->error : "(none)", bad[i].why);
        assert_non_null(strstr(c->error, "gen.jsonl:1")); /* names the file and line */
        vlm_suite_free(s);
        test_rmdir(dir);
    }
}

static void test_generate_with_image_refused(void **state) {
    char *dir = test_tmpdir();
    vlm_suite *s = load_lines(dir, "{\"kind\":\"generate\",\"id\":\"a\",\"image\":\"x.png\",\"prompt\":\"p\","
                                   "\"questions\":[{\"q\":\"x\",\"a\":\"yes\"}]}\n");
    assert_non_null(strstr(vlm_suite_case(s, 0)->error, "takes no images"));
    vlm_suite_free(s);
    test_rmdir(dir);
}

/* ------------------------------------------------------------ questions */

static void test_question_scorer_and_prompt(void **state) {
    json_t *yes = json_pack("{s:s, s:s}", "q", "Is there a cube?", "a", "Yes");
    json_t *choice = json_pack("{s:s, s:s, s:[s,s,s]}", "q", "What colour?", "a", "red", "choices", "red", "green",
                               "blue");
    json_t *open = json_pack("{s:s, s:s}", "q", "What shape?", "a", "cube");
    json_t *own = json_pack("{s:s, s:i, s:s}", "q", "How many?", "a", 2, "scorer", "number");
    assert_string_equal(gen_question_scorer(yes), "yesno");
    assert_string_equal(gen_question_scorer(choice), "choice");
    assert_string_equal(gen_question_scorer(open), "contains");
    assert_string_equal(gen_question_scorer(own), "number");
    char *p = grade_gen_question_prompt(yes);
    assert_string_equal(p, "Is there a cube?\nAnswer with yes or no.");
    free(p);
    p = grade_gen_question_prompt(choice);
    assert_string_equal(p, "What colour?\nOptions:\nA. red\nB. green\nC. blue\nAnswer with the option's letter.");
    free(p);
    p = grade_gen_question_prompt(open);
    assert_string_equal(p, "What shape?\nAnswer with a word or a short phrase.");
    free(p);
    json_decref(yes);
    json_decref(choice);
    json_decref(open);
    json_decref(own);
}

/* ------------------------------------------------------------ specs */

static void test_spec_images_key(void **state) {
    char err[512];
    vlm_plan *p = vlm_plan_new();
    assert_int_equal(vlm_plan_add_model_spec(p,
                                             "sd=http://127.0.0.1:9/v1,model=sd-turbo,images=http://127.0.0.1:9/v1,"
                                             "price_image=0.04",
                                             err, sizeof err),
                     VLM_OK);
    const struct vlm_model_spec *m = vlm_plan_model(p, 0);
    assert_string_equal(m->engine.images_url, "http://127.0.0.1:9/v1");
    assert_true(m->engine.price_image > 0.0399 && m->engine.price_image < 0.0401);
    assert_int_equal(vlm_plan_add_model_spec(p, "b=http://h/v1,model=x,images=ftp://h/v1", err, sizeof err),
                     VLM_ERR_INPUT);
    assert_non_null(strstr(err, "images 'ftp://h/v1' must start with http:// or https://"));
    assert_int_equal(
        vlm_plan_add_model_spec(p, "c=http://h/v1,model=x,images=http://a/v1,images=http://b/v1", err, sizeof err),
        VLM_ERR_INPUT);
    assert_non_null(strstr(err, "images given twice"));
    assert_int_equal(vlm_plan_add_model_spec(p, "d=http://h/v1,model=x,price_image=-1", err, sizeof err),
                     VLM_ERR_INPUT);
    assert_non_null(strstr(err, "price_image"));
    /* a model without images= has none */
    assert_int_equal(vlm_plan_add_model_spec(p, "e=http://h/v1,model=x", err, sizeof err), VLM_OK);
    assert_null(vlm_plan_model(p, 1)->engine.images_url);
    vlm_plan_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_json),
        cmocka_unit_test(test_data_url),
        cmocka_unit_test(test_http_url),
        cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_generate_case),
        cmocka_unit_test(test_generate_mistakes),
        cmocka_unit_test(test_generate_with_image_refused),
        cmocka_unit_test(test_question_scorer_and_prompt),
        cmocka_unit_test(test_spec_images_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
