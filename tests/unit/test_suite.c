/*
 * test_suite.c - JSONL suite loading (lib/suite.c): good cases, multi-turn and
 * multi-image cases, every kind of malformed line, the image path rule, and the
 * built-in demo suite.
 */
#include "testutil.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scratch folder holding one suite file; freed by fixture_free. */
struct fixture {
    char *dir;      /* as mkdtemp made it */
    char *real_dir; /* realpath of dir */
    char *path;     /* dir/NAME */
    vlm_suite *suite;
    char err[512];
};

static struct fixture *fixture_new(void) {
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    assert_non_null(f->dir);
    f->real_dir = realpath(f->dir, NULL);
    assert_non_null(f->real_dir);
    return f;
}

static void fixture_free(struct fixture *f) {
    vlm_suite_free(f->suite);
    free(f->path);
    free(f->real_dir);
    test_rmdir(f->dir);
    free(f);
}

/* Write `text` as f->dir/name and load it with `params`. */
static const vlm_suite *load_as(struct fixture *f, const char *name, const char *text, struct vlm_suite_params params) {
    free(f->path);
    f->path = test_write_file(f->dir, name, text);
    vlm_suite_free(f->suite);
    f->suite = vlm_suite_load(f->path, params, f->err, sizeof f->err);
    assert_non_null(f->suite);
    return f->suite;
}

static const vlm_suite *load(struct fixture *f, const char *text) {
    return load_as(f, "t.jsonl", text, vlm_suite_default_params());
}

/* f->real_dir + "/" + rel, for comparing resolved image paths. */
static char *in_dir(const struct fixture *f, const char *rel) {
    char *p = malloc(strlen(f->real_dir) + strlen(rel) + 2);
    sprintf(p, "%s/%s", f->real_dir, rel);
    return p;
}

static void assert_error_has(const vlm_case *c, const char *want) {
    assert_non_null(c->error);
    if (!strstr(c->error, want)) fail_msg("error '%s' lacks '%s'", c->error, want);
}

static void assert_path_in_dir(const struct fixture *f, const char *got, const char *rel) {
    char *want = in_dir(f, rel);
    assert_string_equal(got, want);
    free(want);
}

/* ------------------------------------------------------------ good cases */

static void test_single_turn_case(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load_as(f, "basic.jsonl",
                                 "{\"id\":\"a\",\"category\":\"colors\",\"image\":\"img/a.png\","
                                 "\"prompt\":\"<image>What colour?\",\"answer\":\"red\",\"scorer\":\"contains\","
                                 "\"extra\":{\"ignored\":true}}\n",
                                 vlm_suite_default_params());
    assert_string_equal(vlm_suite_name(s), "basic");
    assert_string_equal(vlm_suite_path(s), f->path);
    assert_int_equal(vlm_suite_n_cases(s), 1);
    const vlm_case *c = vlm_suite_case(s, 0);
    assert_null(c->error);
    assert_string_equal(c->suite, "basic");
    assert_string_equal(c->id, "a");
    assert_string_equal(c->category, "colors");
    assert_string_equal(c->scorer, "contains");
    assert_int_equal(c->n_images, 1);
    assert_path_in_dir(f, c->images[0], "img/a.png");
    assert_int_equal(c->n_turns, 1);
    assert_string_equal(c->turns[0], "<image>What colour?");
    assert_string_equal(c->expected[0], "\"red\"");
    assert_int_equal(c->n_choices, 0);
    char where[PATH_MAX + 16];
    snprintf(where, sizeof where, "%s:1", f->path);
    assert_string_equal(c->where, where);
    assert_null(vlm_suite_case(s, 1));
    assert_null(vlm_suite_case(s, -1));
    fixture_free(f);
}

/* Several categories keep the array (the first is `category`); groups are
 * kept as compact JSON with sorted keys; one category in an array is just it. */
static void test_categories_and_groups(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(f, "{\"id\":\"a\",\"prompt\":\"p\",\"category\":[\"popular\", \"random\"],"
                                 "\"groups\":{\"question\": \"q_1\", \"figure\": 7}}\n"
                                 "{\"id\":\"b\",\"prompt\":\"p\",\"category\":[\"one\"]}\n"
                                 "{\"id\":\"c\",\"prompt\":\"p\",\"category\":\"x\",\"groups\":{}}\n");
    const vlm_case *a = vlm_suite_case(s, 0), *b = vlm_suite_case(s, 1), *c = vlm_suite_case(s, 2);
    assert_null(a->error);
    assert_string_equal(a->category, "popular");
    assert_string_equal(a->categories, "[\"popular\",\"random\"]");
    assert_string_equal(a->groups, "{\"figure\":7,\"question\":\"q_1\"}");
    assert_string_equal(b->category, "one");
    assert_null(b->categories);
    assert_null(b->groups);
    assert_string_equal(c->category, "x");
    assert_null(c->categories);
    assert_null(c->groups); /* an empty object is no group */
    fixture_free(f);
}

static void test_optional_fields_default_empty(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(f, "{\"id\":\"bare\",\"prompt\":\"Say hi\"}\n");
    const vlm_case *c = vlm_suite_case(s, 0);
    assert_null(c->error);
    assert_string_equal(c->category, "");
    assert_string_equal(c->scorer, "");
    assert_int_equal(c->n_images, 0);
    assert_int_equal(c->n_turns, 1);
    assert_null(c->expected[0]);
    fixture_free(f);
}

static void test_comments_blank_lines_crlf_and_bom(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(f, "\xEF\xBB\xBF# a comment\r\n"
                                 "\r\n"
                                 "   \t\n"
                                 "  # indented comment\n"
                                 "{\"id\":\"x\",\"prompt\":\"p\",\"choices\":[\"A\",\"B\"],\"answer\":\"A\"}\r\n"
                                 "\n"
                                 "{\"id\":\"y\",\"prompt\":\"q\"}");
    assert_int_equal(vlm_suite_n_cases(s), 2);
    const vlm_case *x = vlm_suite_case(s, 0), *y = vlm_suite_case(s, 1);
    assert_null(x->error);
    assert_null(y->error);
    assert_string_equal(x->turns[0], "p");
    assert_int_equal(x->n_choices, 2);
    assert_string_equal(x->choices[1], "B");
    assert_non_null(strstr(x->where, ":5"));
    assert_non_null(strstr(y->where, ":7"));
    fixture_free(f);
}

static void test_multi_turn_expected_any_json(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(
        f, "{\"id\":\"mt\",\"image\":\"a.png\",\"turns\":[\"<image>Count.\",\"And now?\","
           "\"Which?\",\"Describe.\",\"Free.\"],"
           "\"expected\":[4,[\"a\",\"b\"],{\"any\":[1,2.5]},\"text\",null],\"scorer\":\"number\"}\n");
    const vlm_case *c = vlm_suite_case(s, 0);
    assert_null(c->error);
    assert_int_equal(c->n_turns, 5);
    assert_string_equal(c->turns[1], "And now?");
    assert_string_equal(c->expected[0], "4");
    assert_string_equal(c->expected[1], "[\"a\",\"b\"]");
    assert_string_equal(c->expected[2], "{\"any\":[1,2.5]}");
    assert_string_equal(c->expected[3], "\"text\"");
    assert_null(c->expected[4]);
    fixture_free(f);
}

static void test_multi_image_markers(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(
        f, "{\"id\":\"two\",\"images\":[\"a.png\",\"sub/b.png\"],"
           "\"prompt\":\"First <image> then <image>: same?\"}\n"
           "{\"id\":\"unplaced\",\"images\":[\"a.png\",\"b.png\"],\"prompt\":\"<image> and the rest\"}\n"
           "{\"id\":\"split\",\"images\":[\"a.png\",\"b.png\"],"
           "\"turns\":[\"<image>one\",\"<image>two\"]}\n"
           "{\"id\":\"toomany\",\"images\":[\"a.png\",\"b.png\"],"
           "\"turns\":[\"<image><image>\",\"<image>\"]}\n"
           "{\"id\":\"none\",\"prompt\":\"<image>?\"}\n");
    assert_int_equal(vlm_suite_n_cases(s), 5);
    const vlm_case *two = vlm_suite_case(s, 0);
    assert_null(two->error);
    assert_int_equal(two->n_images, 2);
    assert_path_in_dir(f, two->images[0], "a.png");
    assert_path_in_dir(f, two->images[1], "sub/b.png");
    assert_null(vlm_suite_case(s, 1)->error);
    assert_null(vlm_suite_case(s, 2)->error);
    const vlm_case *bad = vlm_suite_case(s, 3);
    assert_error_has(bad, ":4: 3 <image> markers but only 2 images");
    assert_string_equal(bad->id, "toomany");
    assert_error_has(vlm_suite_case(s, 4), ":5: 1 <image> marker but only 0 images");
    fixture_free(f);
}

/* ------------------------------------------------------------ malformed lines */

/* One malformed line after a good one: its case says FILE:2: why. */
static void check_bad_line(const char *line, const char *want_id, const char *want) {
    struct fixture *f = fixture_new();
    char *text = malloc(strlen(line) + 64);
    sprintf(text, "{\"id\":\"good\",\"prompt\":\"ok\"}\n%s\n", line);
    const vlm_suite *s = load(f, text);
    free(text);
    assert_int_equal(vlm_suite_n_cases(s), 2);
    assert_null(vlm_suite_case(s, 0)->error);
    const vlm_case *c = vlm_suite_case(s, 1);
    char prefix[PATH_MAX + 16];
    snprintf(prefix, sizeof prefix, "%s:2: ", f->path);
    assert_error_has(c, prefix);
    assert_error_has(c, want);
    assert_string_equal(c->id, want_id);
    assert_string_equal(c->where + strlen(c->where) - 2, ":2");
    assert_string_equal(c->suite, "t");
    assert_string_equal(c->category, "");
    assert_int_equal(c->n_turns, 0);
    assert_int_equal(c->n_images, 0);
    fixture_free(f);
}

static void test_invalid_json_names_column(void **state) {
    check_bad_line("{\"id\": \"x\", \"prompt\": }", "line-2", "invalid JSON at column 23: ");
    check_bad_line("{\"id\":\"x\",\"prompt\":\"p\"} trailing", "line-2", "invalid JSON at column");
    check_bad_line("{\"id\":\"x\",\"id\":\"y\",\"prompt\":\"p\"}", "line-2", "duplicate object key");
}

static void test_not_an_object(void **state) {
    check_bad_line("[1,2,3]", "line-2", "a case must be a JSON object, not an array");
    check_bad_line("42", "line-2", "a case must be a JSON object, not a single value");
}

static void test_bad_id(void **state) {
    check_bad_line("{\"prompt\":\"p\"}", "line-2", "missing 'id'");
    check_bad_line("{\"id\":7,\"prompt\":\"p\"}", "line-2", "'id' must be a non-empty string");
    check_bad_line("{\"id\":\"\",\"prompt\":\"p\"}", "line-2", "'id' must be a non-empty string");
    check_bad_line("{\"id\":\"good\",\"prompt\":\"p\"}", "line-2", "duplicate id 'good' (first at line 1)");
}

static void test_ill_typed_fields_keep_id(void **state) {
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"category\":3}", "c", "'category' must be a string");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"category\":[]}", "c",
                   "'category' must be a string or a non-empty array of strings");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"category\":[\"a\",1]}", "c",
                   "'category' must be a string or a non-empty array of strings");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"groups\":[\"a\"]}", "c", "'groups' must be an object of strings");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"groups\":{\"image\":1.5}}", "c",
                   "'groups': 'image' must be a string or an integer");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"scorer\":[]}", "c", "'scorer' must be a string");
    check_bad_line("{\"id\":\"c\"}", "c", "missing 'turns' (or 'prompt' for a single turn)");
    check_bad_line("{\"id\":\"c\",\"turns\":[]}", "c", "'turns' must hold at least one prompt");
    check_bad_line("{\"id\":\"c\",\"turns\":\"p\"}", "c", "'turns' must be an array of strings");
    check_bad_line("{\"id\":\"c\",\"turns\":[\"a\",5]}", "c", "turns[1] must be a non-empty string");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"\"}", "c", "'prompt' must be a non-empty string");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"turns\":[\"q\"]}", "c", "give 'turns' or 'prompt', not both");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"images\":\"a.png\"}", "c", "'images' must be an array of strings");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"images\":[\"a.png\",null]}", "c",
                   "images[1] must be a non-empty string");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"p\",\"image\":\"a\",\"images\":[\"b\"]}", "c",
                   "give 'images' or 'image', not both");
    check_bad_line("{\"id\":\"c\",\"turns\":[\"a\",\"b\"],\"expected\":[\"x\"]}", "c",
                   "'expected' must be an array with one entry per turn (2 turns)");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"a\",\"expected\":\"x\"}", "c",
                   "'expected' must be an array with one entry per turn (1 turn)");
    check_bad_line("{\"id\":\"c\",\"turns\":[\"a\",\"b\"],\"answer\":\"x\"}", "c",
                   "'answer' is for single-turn cases; give 'expected' with one entry per turn");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"a\",\"answer\":1,\"expected\":[1]}", "c",
                   "give 'expected' or 'answer', not both");
    check_bad_line("{\"id\":\"c\",\"prompt\":\"a\",\"choices\":[\"x\",1]}", "c",
                   "choices[1] must be a non-empty string");
}

static void test_malformed_lines_do_not_stop_the_load(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(f, "{\"id\":\"a\",\"prompt\":\"p\"}\n"
                                 "not json\n"
                                 "# comment\n"
                                 "{\"id\":\"a\",\"prompt\":\"again\"}\n"
                                 "{\"id\":\"b\",\"prompt\":\"p\"}\n");
    assert_int_equal(vlm_suite_n_cases(s), 4);
    assert_null(vlm_suite_case(s, 0)->error);
    assert_error_has(vlm_suite_case(s, 1), ":2: invalid JSON at column 3: invalid token near 'not'");
    assert_string_equal(vlm_suite_case(s, 1)->id, "line-2");
    assert_error_has(vlm_suite_case(s, 2), ":4: duplicate id 'a' (first at line 1)");
    assert_string_equal(vlm_suite_case(s, 2)->id, "line-4");
    assert_null(vlm_suite_case(s, 3)->error);
    assert_string_equal(vlm_suite_case(s, 3)->id, "b");
    fixture_free(f);
}

static void test_fallback_ids_stay_unique(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(f, "{\"id\":\"line-2\",\"prompt\":\"p\"}\n"
                                 "{oops\n"
                                 "{\"id\":\"bad-field\",\"prompt\":3}\n"
                                 "{\"id\":\"bad-field\",\"prompt\":\"p\"}\n");
    assert_int_equal(vlm_suite_n_cases(s), 4);
    assert_string_equal(vlm_suite_case(s, 1)->id, "line-2-2");
    assert_string_equal(vlm_suite_case(s, 2)->id, "bad-field");
    assert_error_has(vlm_suite_case(s, 2), "'prompt' must be a non-empty string");
    /* an id seen on a malformed line still counts */
    assert_error_has(vlm_suite_case(s, 3), ":4: duplicate id 'bad-field' (first at line 3)");
    fixture_free(f);
}

/* ------------------------------------------------------------ image paths */

static void test_path_leaving_folder_refused(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(f, "{\"id\":\"up\",\"images\":[\"a.png\",\"../outside.png\"],\"prompt\":\"p\"}\n"
                                 "{\"id\":\"abs\",\"image\":\"/etc/passwd\",\"prompt\":\"p\"}\n"
                                 "{\"id\":\"sneaky\",\"image\":\"sub/../../x.png\",\"prompt\":\"p\"}\n"
                                 "{\"id\":\"fine\",\"image\":\"sub/../in.png\",\"prompt\":\"p\"}\n");
    assert_error_has(vlm_suite_case(s, 0),
                     ":1: images[1] '../outside.png' leaves the suite folder; pass --allow-outside to allow");
    assert_string_equal(vlm_suite_case(s, 0)->id, "up");
    assert_error_has(vlm_suite_case(s, 1), ":2: image '/etc/passwd' leaves the suite folder");
    assert_error_has(vlm_suite_case(s, 2), ":3: image 'sub/../../x.png' leaves the suite folder");
    assert_null(vlm_suite_case(s, 3)->error);
    assert_path_in_dir(f, vlm_suite_case(s, 3)->images[0], "in.png");
    fixture_free(f);
}

static void test_path_leaving_folder_allowed(void **state) {
    struct fixture *f = fixture_new();
    struct vlm_suite_params p = vlm_suite_default_params();
    assert_false(p.allow_outside);
    p.allow_outside = true;
    const vlm_suite *s = load_as(
        f, "t.jsonl", "{\"id\":\"up\",\"images\":[\"../outside.png\",\"/etc/hostname\"],\"prompt\":\"p\"}\n", p);
    const vlm_case *c = vlm_suite_case(s, 0);
    assert_null(c->error);
    char *parent = strdup(f->real_dir);
    *strrchr(parent, '/') = '\0';
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/outside.png", parent);
    assert_string_equal(c->images[0], want);
    char *etc = realpath("/etc", NULL);
    snprintf(want, sizeof want, "%s/hostname", etc);
    free(etc);
    assert_string_equal(c->images[1], want);
    free(parent);
    fixture_free(f);
}

static void test_symlink_out_of_folder_refused(void **state) {
    struct fixture *f = fixture_new();
    char *suite_dir = in_dir(f, "suite"), *other = in_dir(f, "other");
    char *link = in_dir(f, "suite/link"), *inner_link = in_dir(f, "suite/alias");
    assert_int_equal(mkdir(suite_dir, 0755), 0);
    assert_int_equal(mkdir(other, 0755), 0);
    char *img = test_write_file(other, "x.png", "not really");
    assert_int_equal(symlink(other, link), 0);
    assert_int_equal(symlink(suite_dir, inner_link), 0);
    free(f->path);
    f->path = test_write_file(suite_dir, "s.jsonl",
                              "{\"id\":\"via-link\",\"image\":\"link/x.png\",\"prompt\":\"p\"}\n"
                              "{\"id\":\"via-link-missing\",\"image\":\"link/nope/../y.png\",\"prompt\":\"p\"}\n"
                              "{\"id\":\"inner\",\"image\":\"alias/z.png\",\"prompt\":\"p\"}\n");
    f->suite = vlm_suite_load(f->path, vlm_suite_default_params(), f->err, sizeof f->err);
    assert_non_null(f->suite);
    assert_error_has(vlm_suite_case(f->suite, 0), "image 'link/x.png' leaves the suite folder");
    assert_error_has(vlm_suite_case(f->suite, 1), "leaves the suite folder");
    const vlm_case *inner = vlm_suite_case(f->suite, 2);
    assert_null(inner->error);
    assert_path_in_dir(f, inner->images[0], "suite/z.png");
    free(img);
    free(suite_dir);
    free(other);
    free(link);
    free(inner_link);
    fixture_free(f);
}

static void test_missing_image_resolves_lexically(void **state) {
    struct fixture *f = fixture_new();
    const vlm_suite *s = load(
        f, "{\"id\":\"m\",\"images\":[\"img/./missing/../gone.png\",\"a//b/c.png\"],\"prompt\":\"p\"}\n");
    const vlm_case *c = vlm_suite_case(s, 0);
    assert_null(c->error);
    assert_path_in_dir(f, c->images[0], "img/gone.png");
    assert_path_in_dir(f, c->images[1], "a/b/c.png");
    fixture_free(f);
}

static void test_relative_suite_path(void **state) {
    struct fixture *f = fixture_new();
    free(test_write_file(f->dir, "rel.jsonl", "{\"id\":\"r\",\"image\":\"x.png\",\"prompt\":\"p\"}\n"));
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    f->suite = vlm_suite_load("rel.jsonl", vlm_suite_default_params(), f->err, sizeof f->err);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(f->suite);
    assert_string_equal(vlm_suite_path(f->suite), "rel.jsonl");
    assert_string_equal(vlm_suite_case(f->suite, 0)->where, "rel.jsonl:1");
    assert_path_in_dir(f, vlm_suite_case(f->suite, 0)->images[0], "x.png");
    fixture_free(f);
}

/* ------------------------------------------------------------ files */

static void test_unreadable_suite_fails(void **state) {
    char err[512] = "";
    assert_null(vlm_suite_load("/nonexistent/s.jsonl", vlm_suite_default_params(), err, sizeof err));
    assert_non_null(strstr(err, "cannot open suite '/nonexistent/s.jsonl': No such file"));
    struct fixture *f = fixture_new();
    assert_null(vlm_suite_load(f->dir, vlm_suite_default_params(), err, sizeof err));
    assert_non_null(strstr(err, "cannot read suite"));
    assert_non_null(strstr(err, f->dir));
    fixture_free(f);
}

static void test_suite_names(void **state) {
    struct fixture *f = fixture_new();
    assert_string_equal(vlm_suite_name(load_as(f, "my.suite.jsonl", "", vlm_suite_default_params())), "my.suite");
    assert_int_equal(vlm_suite_n_cases(f->suite), 0);
    assert_string_equal(vlm_suite_name(load_as(f, "cases.txt", "\n", vlm_suite_default_params())), "cases.txt");
    assert_string_equal(vlm_suite_name(load_as(f, ".jsonl", "", vlm_suite_default_params())), ".jsonl");
    fixture_free(f);
}

static void test_many_cases(void **state) {
    struct fixture *f = fixture_new();
    size_t cap = 5000 * 64;
    char *text = malloc(cap), *w = text;
    for (int i = 0; i < 5000; i++)
        w += sprintf(w, "{\"id\":\"c%d\",\"prompt\":\"question %d\",\"answer\":%d}\n", i, i, i);
    const vlm_suite *s = load(f, text);
    free(text);
    assert_int_equal(vlm_suite_n_cases(s), 5000);
    assert_string_equal(vlm_suite_case(s, 4999)->id, "c4999");
    assert_string_equal(vlm_suite_case(s, 4999)->expected[0], "4999");
    assert_string_equal(vlm_suite_case(s, 17)->turns[0], "question 17");
    fixture_free(f);
}

/* ------------------------------------------------------------ demo */

/* The demo is a small probe suite: one case of each of the ten first probe
 * categories (categories added later, such as conversation, are left out). */
static void check_demo(const vlm_suite *s) {
    assert_string_equal(vlm_suite_name(s), "demo");
    int n = vlm_suite_n_cases(s), multi_image = 0, multi_turn = 0;
    assert_int_equal(n, 10);
    assert_true(vlm_probe_n_categories() > 10);
    for (int i = 0; i < n; i++) {
        const vlm_case *c = vlm_suite_case(s, i);
        if (c->error) fail_msg("demo case %d: %s", i, c->error);
        assert_string_equal(c->category, vlm_probe_category(i));
        assert_true(c->n_images >= 1);
        assert_non_null(c->expected[0]);
        assert_true(c->scorer[0] != '\0');
        multi_image += c->n_images >= 2;
        multi_turn += c->n_turns >= 2;
        for (int k = 0; k < c->n_images; k++) {
            vlm_image img;
            char err[512];
            if (vlm_image_load(c->images[k], &img, err, sizeof err) != VLM_OK) fail_msg("%s", err);
            assert_true(img.width >= 64 && img.width <= 640);
            assert_true(img.height >= 64 && img.height <= 640);
            vlm_image_free(&img);
        }
    }
    assert_true(multi_image >= 1);
    assert_true(multi_turn >= 1);
}

static void test_demo_suite(void **state) {
    struct fixture *f = fixture_new();
    char *dir = in_dir(f, "demo/nested");
    f->suite = vlm_suite_demo(dir, f->err, sizeof f->err);
    if (!f->suite) fail_msg("%s", f->err);
    check_demo(f->suite);
    const vlm_case *c = vlm_suite_case(f->suite, 0);
    assert_string_equal(c->category, "colors");
    assert_string_equal(c->scorer, "choice");
    /* writing over an existing demo folder gives the same suite */
    vlm_suite *again = vlm_suite_demo(dir, f->err, sizeof f->err);
    assert_non_null(again);
    check_demo(again);
    assert_int_equal(vlm_suite_n_cases(again), vlm_suite_n_cases(f->suite));
    assert_string_equal(vlm_suite_case(again, 0)->id, c->id);
    vlm_suite_free(again);
    free(dir);
    fixture_free(f);
}

static void test_demo_unwritable_dir(void **state) {
    struct fixture *f = fixture_new();
    char *file = test_write_file(f->dir, "plain", "x");
    char *dir = in_dir(f, "plain/demo");
    assert_null(vlm_suite_demo(dir, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "cannot create"));
    assert_non_null(strstr(f->err, "plain/demo/images"));
    free(dir);
    free(file);
    fixture_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_turn_case),
        cmocka_unit_test(test_optional_fields_default_empty),
        cmocka_unit_test(test_categories_and_groups),
        cmocka_unit_test(test_comments_blank_lines_crlf_and_bom),
        cmocka_unit_test(test_multi_turn_expected_any_json),
        cmocka_unit_test(test_multi_image_markers),
        cmocka_unit_test(test_invalid_json_names_column),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_bad_id),
        cmocka_unit_test(test_ill_typed_fields_keep_id),
        cmocka_unit_test(test_malformed_lines_do_not_stop_the_load),
        cmocka_unit_test(test_fallback_ids_stay_unique),
        cmocka_unit_test(test_path_leaving_folder_refused),
        cmocka_unit_test(test_path_leaving_folder_allowed),
        cmocka_unit_test(test_symlink_out_of_folder_refused),
        cmocka_unit_test(test_missing_image_resolves_lexically),
        cmocka_unit_test(test_relative_suite_path),
        cmocka_unit_test(test_unreadable_suite_fails),
        cmocka_unit_test(test_suite_names),
        cmocka_unit_test(test_many_cases),
        cmocka_unit_test(test_demo_suite),
        cmocka_unit_test(test_demo_unwritable_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
