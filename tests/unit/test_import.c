/*
 * test_import.c - the importers (lib/import.c). A VLMEvalKit TSV made here (base64
 * PNGs, an image given as another row's index, a list of images, options A-D, a
 * hint, quoted fields) imports with VLMEvalKit's prompt text, each image written
 * once; malformed rows (bad base64, no question, an unknown index, a wrong answer
 * letter) are reported as FILE:LINE and the other rows still import; Y/N and VQA
 * files get their scorers; a folder of images with a CSV or JSONL of questions.
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <stb/stb_image_write.h>

/* ------------------------------------------------------------ helpers */

struct fixture {
    char *dir;
    char *out;           /* dir/out */
    char messages[8192]; /* on_message lines, each ending in \n */
    char err[1024];
    struct vlm_import_summary sum;
    vlm_suite *suite;
};

static void collect(const char *line, void *user) {
    struct fixture *f = user;
    strncat(f->messages, line, sizeof f->messages - strlen(f->messages) - 2);
    strcat(f->messages, "\n");
}

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    f->out = malloc(strlen(f->dir) + 8);
    sprintf(f->out, "%s/out", f->dir);
    *state = f;
    return f->dir ? 0 : -1;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    vlm_suite_free(f->suite);
    free(f->out);
    test_rmdir(f->dir);
    free(f);
    return 0;
}

static struct vlm_import_params params(struct fixture *f) {
    struct vlm_import_params p = vlm_import_default_params();
    p.on_message = collect;
    p.user = f;
    return p;
}

/* A w x h PNG of one colour, as bytes (caller frees). */
static unsigned char *png_bytes(const char *dir, int w, int h, uint32_t rgb, size_t *n) {
    unsigned char *px = malloc((size_t)w * h * 3);
    for (int i = 0; i < w * h; i++) {
        px[3 * i] = (unsigned char)(rgb >> 16);
        px[3 * i + 1] = (unsigned char)(rgb >> 8);
        px[3 * i + 2] = (unsigned char)rgb;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/tmp.png", dir);
    assert_true(stbi_write_png(path, w, h, 3, px, w * 3) != 0);
    free(px);
    FILE *fp = fopen(path, "rb");
    unsigned char *data = malloc(1 << 20);
    *n = fread(data, 1, 1 << 20, fp);
    fclose(fp);
    remove(path);
    return data;
}

static char *b64(const unsigned char *p, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = 0;
    return s;
}

static char *png_b64(const char *dir, uint32_t rgb) {
    size_t n;
    unsigned char *data = png_bytes(dir, 8, 6, rgb, &n);
    char *s = b64(data, n);
    free(data);
    return s;
}

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static const vlm_case *find_case(const vlm_suite *s, const char *id) {
    for (int i = 0; i < vlm_suite_n_cases(s); i++)
        if (strcmp(vlm_suite_case(s, i)->id, id) == 0) return vlm_suite_case(s, i);
    fail_msg("no case '%s'", id);
    return NULL;
}

static void load_output(struct fixture *f) {
    f->suite = vlm_suite_load(f->sum.suite, vlm_suite_default_params(), f->err, sizeof f->err);
    assert_non_null(f->suite);
    for (int i = 0; i < vlm_suite_n_cases(f->suite); i++)
        if (vlm_suite_case(f->suite, i)->error) fail_msg("%s", vlm_suite_case(f->suite, i)->error);
}

/* ------------------------------------------------------------ VLMEvalKit */

static char *mcq_tsv(struct fixture *f) {
    char *red = png_b64(f->dir, 0xE02020), *blue = png_b64(f->dir, 0x2040E0);
    char *text = malloc(strlen(red) * 4 + strlen(blue) * 2 + 4096);
    sprintf(text,
            "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\tl2-category\timage\tsplit\n" /* line 1 */
            "1\tWhat colour is it?\tLook closely.\tred\tgreen\tblue\tyellow\tA\tcolor\tperception\t%s\tdev\n"
            "2\tIs the picture dark?\t\tyes\tno\t\t\tB\tlight\tperception\t1\tdev\n" /* image of row 1 */
            "3\tWhich came first?\tNone\tthe red one\tthe blue one\t\t\tA\torder\treasoning\t['%s', \"%s\"]\tdev\n"
            "4\tBad image\t\tx\ty\t\t\tA\tc\tl\t%s\tdev\n"                       /* line 5: bad base64 */
            "5\t\t\tx\ty\t\t\tA\tc\tl\t%s\tdev\n"                                /* line 6: no question */
            "6\tWhere is it?\t\tx\ty\t\t\tB\tc\tl\t99\tdev\n"                    /* line 7: unknown index */
            "7\tWhich?\t\tx\ty\tz\t\tE\tc\tl\t%s\tdev\n"                         /* line 8: answer E */
            "8\t\"Two\tlines:\n\"\"quoted\"\"\"\t\tp\tq\t\t\tA\tc\tl\t%s\tdev\n" /* lines 9-10 */
            "9\tAfter the quote\t\tp\tq\t\t\tB\tc\tl\t1\tdev\n"                  /* line 11 */
            "10\tGap\t\tp\t\tq\t\tA\tc\tl\t1\tdev\n",                            /* line 12: C without B */
            red, red, blue,
            "!!!!"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD"
            "QUJD",
            red, red, red);
    free(red);
    free(blue);
    return text;
}

static void test_vlmevalkit_mcq(void **state) {
    struct fixture *f = *state;
    char *text = mcq_tsv(f);
    char *tsv = test_write_file(f->dir, "MMBench_TINY.tsv", text);
    free(text);
    struct vlm_import_params p = params(f);
    assert_int_equal(vlm_import_vlmevalkit(tsv, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_string_equal(f->sum.type, "mcq");
    assert_int_equal(f->sum.n_ok, 5);
    assert_int_equal(f->sum.n_bad, 5);
    assert_int_equal(f->sum.n_images, 2); /* red and blue, each once */
    char want[4096];
    snprintf(want, sizeof want,
             "%s:5: 'image': invalid base64 at character 1\n"
             "%s:6: missing 'question'\n"
             "%s:7: 'image' refers to row index '99', which is not in the file\n"
             "%s:8: answer 'E' is not the letter of one of the 3 options\n"
             "%s:12: option C is given but option B is missing\n",
             tsv, tsv, tsv, tsv, tsv);
    assert_string_equal(f->messages, want);
    char images[600];
    snprintf(images, sizeof images, "%s/images", f->out);
    assert_int_equal(count_files(images), 2);
    assert_non_null(strstr(f->sum.suite, "/out/MMBench_TINY.jsonl"));

    load_output(f);
    assert_int_equal(vlm_suite_n_cases(f->suite), 5);
    const vlm_case *c1 = find_case(f->suite, "1");
    assert_string_equal(c1->turns[0],
                        "Hint: Look closely.\nQuestion: What colour is it?\nOptions:\nA. red\nB. green\n"
                        "C. blue\nD. yellow\nPlease select the correct answer from the options above. \n");
    assert_string_equal(c1->scorer, "choice");
    assert_string_equal(c1->category, "color");
    assert_string_equal(c1->expected[0], "\"A\"");
    assert_int_equal(c1->n_choices, 4);
    assert_string_equal(c1->choices[3], "yellow");
    assert_int_equal(c1->n_images, 1);
    const vlm_case *c2 = find_case(f->suite, "2");
    assert_string_equal(c2->turns[0], "Question: Is the picture dark?\nOptions:\nA. yes\nB. no\n"
                                      "Please select the correct answer from the options above. \n");
    assert_string_equal(c2->images[0], c1->images[0]); /* the index reference */
    const vlm_case *c3 = find_case(f->suite, "3");
    assert_int_equal(c3->n_images, 2);
    assert_string_equal(c3->images[0], c1->images[0]);
    assert_string_not_equal(c3->images[1], c1->images[0]);
    assert_null(strstr(c3->turns[0], "Hint")); /* "None" is pandas' NaN */
    const vlm_case *c8 = find_case(f->suite, "8");
    assert_non_null(strstr(c8->turns[0], "Question: Two\tlines:\n\"quoted\"\nOptions:"));
    const vlm_case *c9 = find_case(f->suite, "9");
    assert_string_equal(c9->expected[0], "\"B\"");
    free(tsv);
}

static void test_vlmevalkit_yes_no_and_vqa(void **state) {
    struct fixture *f = *state;
    char *img = png_b64(f->dir, 0x20A040);
    char *text = malloc(strlen(img) + 1024);
    sprintf(text,
            "index\timage\tquestion\tanswer\tcategory\n"
            "1\t%s\tIs there a dog? Please answer yes or no.\tYes\texistence\n"
            "2\t1\tIs there a cat? Please answer yes or no.\tNo\texistence\n",
            img);
    char *tsv = test_write_file(f->dir, "MME_small.tsv", text);
    struct vlm_import_params p = params(f);
    assert_int_equal(vlm_import_vlmevalkit(tsv, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_string_equal(f->sum.type, "yorn");
    load_output(f);
    const vlm_case *c = find_case(f->suite, "2");
    assert_string_equal(c->scorer, "yesno");
    assert_string_equal(c->turns[0], "Is there a cat? Please answer yes or no.");
    assert_string_equal(c->expected[0], "\"No\"");
    vlm_suite_free(f->suite);
    f->suite = NULL;
    free(tsv);

    sprintf(text,
            "index\timage\tquestion\tanswer\n"
            "7\t%s\tWhat animal is this?\t['cat', \"kitten\", 'cat']\n"
            "8\t7\tWhat is written?\tSTOP\n",
            img);
    tsv = test_write_file(f->dir, "DocVQA_VAL.tsv", text);
    assert_int_equal(vlm_import_vlmevalkit(tsv, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_string_equal(f->sum.type, "vqa");
    load_output(f);
    c = find_case(f->suite, "7");
    assert_string_equal(c->scorer, "anls"); /* DocVQA is scored by ANLS */
    assert_string_equal(c->turns[0], "What animal is this?\nAnswer the question using a single word or phrase.");
    assert_string_equal(c->expected[0], "[\"cat\",\"kitten\",\"cat\"]");
    assert_string_equal(find_case(f->suite, "8")->expected[0], "\"STOP\"");
    assert_int_equal(f->sum.n_images, 1);
    free(tsv);
    free(text);
    free(img);
}

static void test_vlmevalkit_file_errors(void **state) {
    struct fixture *f = *state;
    struct vlm_import_params p = params(f);
    char *tsv = test_write_file(f->dir, "x.tsv", "index\tprompt\tanswer\n1\thello\tA\n");
    assert_int_equal(vlm_import_vlmevalkit(tsv, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "x.tsv:1: not a VLMEvalKit TSV: no 'question' column"));
    free(tsv);
    tsv = test_write_file(f->dir, "y.tsv", "index\tquestion\timage\n1\t\"open quote\tx\n");
    assert_int_equal(vlm_import_vlmevalkit(tsv, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "y.tsv:2: a quoted field is not closed"));
    free(tsv);
    assert_int_equal(vlm_import_vlmevalkit("/nonexistent/z.tsv", f->out, &p, &f->sum, f->err, sizeof f->err),
                     VLM_ERR_IO);
    assert_non_null(strstr(f->err, "cannot open '/nonexistent/z.tsv'"));
    p.type = "essay";
    assert_int_equal(vlm_import_vlmevalkit("any.tsv", f->out, &p, &f->sum, f->err, sizeof f->err), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "unknown VLMEvalKit type 'essay'"));
}

/* ------------------------------------------------------------ a folder */

static void write_png(const char *dir, const char *name, uint32_t rgb) {
    size_t n;
    unsigned char *data = png_bytes(dir, 5, 5, rgb, &n);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    fwrite(data, 1, n, fp);
    fclose(fp);
    free(data);
}

static char *make_folder(struct fixture *f) {
    char *folder = malloc(strlen(f->dir) + 16);
    sprintf(folder, "%s/mine", f->dir);
    mkdir(folder, 0755);
    write_png(folder, "a.png", 0xFF0000);
    write_png(folder, "b.png", 0x0000FF);
    write_png(folder, "copy-of-a.png", 0xFF0000);
    free(test_write_file(folder, "notes.txt", "not an image"));
    free(test_write_file(f->dir, "outside.png", "x"));
    return folder;
}

static void test_folder_csv(void **state) {
    struct fixture *f = *state;
    char *folder = make_folder(f);
    free(test_write_file(folder, "questions.csv",
                         "image,question,answer,category,choices,id\n"             /* line 1 */
                         "a.png,What colour is it?,red,colors,,\n"                 /* 2: contains */
                         "a.png|b.png,\"How many images, in all?\",2,counting,,\n" /* 3: number */
                         "copy-of-a.png,Is it red?,yes,colors,,q-red\n"            /* 4: yesno */
                         "b.png,Which colour?,B,colors,red|blue|green,\n"          /* 5: choice */
                         "missing.png,Where?,here,x,,\n"                           /* 6: not found */
                         "../outside.png,Out?,no,x,,\n"                            /* 7: leaves */
                         "notes.txt,Text?,no,x,,\n"                                /* 8: not an image */
                         "a.png,,red,x,,\n"));                                     /* 9: no question */
    struct vlm_import_params p = params(f);
    assert_int_equal(vlm_import_folder(folder, NULL, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_int_equal(f->sum.n_ok, 4);
    assert_int_equal(f->sum.n_bad, 4);
    assert_int_equal(f->sum.n_images, 2); /* copy-of-a.png is a.png's bytes: stored once */
    assert_non_null(strstr(f->messages, "questions.csv:6: image 'missing.png' not found"));
    assert_non_null(strstr(f->messages, "questions.csv:7: image '../outside.png' leaves the folder"));
    assert_non_null(strstr(f->messages, "questions.csv:8: image 'notes.txt' is not a JPEG, PNG, WebP or BMP image"));
    assert_non_null(strstr(f->messages, "questions.csv:9: missing 'question'"));
    assert_non_null(strstr(f->sum.suite, "/out/mine.jsonl"));
    load_output(f);
    const vlm_case *c = find_case(f->suite, "line-2");
    assert_string_equal(c->scorer, "contains");
    assert_string_equal(c->expected[0], "\"red\"");
    c = find_case(f->suite, "line-3");
    assert_string_equal(c->turns[0], "How many images, in all?");
    assert_int_equal(c->n_images, 2);
    assert_string_equal(c->scorer, "number");
    c = find_case(f->suite, "q-red");
    assert_string_equal(c->scorer, "yesno");
    assert_string_equal(c->images[0], find_case(f->suite, "line-2")->images[0]);
    c = find_case(f->suite, "line-5");
    assert_string_equal(c->scorer, "choice");
    assert_int_equal(c->n_choices, 3);
    assert_string_equal(c->turns[0], "Question: Which colour?\nOptions:\nA. red\nB. blue\nC. green\n"
                                     "Please select the correct answer from the options above. \n");
    free(folder);
}

static void test_folder_jsonl(void **state) {
    struct fixture *f = *state;
    char *folder = make_folder(f);
    char *q = test_write_file(
        folder, "set.jsonl",
        "{\"id\":\"one\",\"image\":\"a.png\",\"question\":\"Colour?\",\"answer\":[\"red\",\"crimson\"],\"scorer\":\"contains\"}\n"
        "# a comment\n"
        "{\"id\":\"two\",\"images\":[\"a.png\",\"b.png\"],\"prompt\":\"First: <image> second: <image> same?\",\"answer\":false}\n"
        "{\"id\":\"three\",\"image\":\"a.png\",\"question\":\"Colour?\"\n"
        "{\"id\":\"one\",\"image\":\"b.png\",\"question\":\"Again?\"}\n"
        "{\"id\":\"five\",\"image\":7,\"question\":\"Typed?\"}\n");
    struct vlm_import_params p = params(f);
    p.name = "custom";
    assert_int_equal(vlm_import_folder(folder, q, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_int_equal(f->sum.n_ok, 2);
    assert_int_equal(f->sum.n_bad, 3);
    assert_non_null(strstr(f->messages, "set.jsonl:4: invalid JSON"));
    assert_non_null(strstr(f->messages, "set.jsonl:5: duplicate id 'one' (first at line 1)"));
    assert_non_null(strstr(f->messages, "set.jsonl:6: 'image' must be a string"));
    assert_non_null(strstr(f->sum.suite, "/out/custom.jsonl"));
    load_output(f);
    const vlm_case *c = find_case(f->suite, "one");
    assert_string_equal(c->expected[0], "[\"red\",\"crimson\"]");
    c = find_case(f->suite, "two");
    assert_string_equal(c->scorer, "yesno");
    assert_int_equal(c->n_images, 2);
    free(q);
    free(folder);
}

static void test_folder_without_questions(void **state) {
    struct fixture *f = *state;
    char *folder = make_folder(f);
    struct vlm_import_params p = params(f);
    assert_int_equal(vlm_import_folder(folder, NULL, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "no questions.csv or questions.jsonl"));
    free(test_write_file(folder, "questions.csv", "image,answer\na.png,x\n"));
    assert_int_equal(vlm_import_folder(folder, NULL, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "questions.csv:1: the header has no 'question' column"));
    free(folder);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vlmevalkit_mcq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlmevalkit_yes_no_and_vqa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlmevalkit_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_without_questions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
