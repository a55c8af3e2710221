/*
 * test_import.c - the importers (lib/import*.c). VLMEvalKit TSV files forged here,
 * one per dataset vlmeter knows by name (MMBench EN and CN V11, MMStar,
 * SEEDBench_IMG, AI2D_TEST, RealWorldQA, MMMU_DEV_VAL, MME, POPE, HallusionBench,
 * OCRBench, TextVQA_VAL, ChartQA_TEST), each with the dataset's column layout and
 * tiny base64 PNGs: every row VLMEvalKit keeps imports, with the prompt VLMEvalKit
 * builds byte for byte, the scorer the dataset's metric needs, the expected answer,
 * the images in VLMEvalKit's order (MMMU: at the <image N> markers, repeated and
 * unreferenced images included), the benchmark groups and categories. The
 * expected prompts are worked out by hand from VLMEvalKit's build_prompt
 * (ImageMCQDataset, ImageYORNDataset, ImageVQADataset, MMMUDataset.split_MMMU,
 * OCRBench: vlmeval/dataset/image_*.py at commit e8e78f05) and pandas.read_csv's
 * rules (missing-value markers, numeric columns), not from vlmeter's output.
 * Also: files of no known dataset, --dataset and --type, malformed rows reported
 * as FILE:LINE, the rule that an import fails only when no row is usable, the
 * Python literals of list cells, and a folder of images with a CSV or JSONL of
 * questions.
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <stb/stb_image_write.h>

#include "import_impl.h"

/* ------------------------------------------------------------ helpers */

struct fixture {
    char *dir;
    char *out;           /* dir/out */
    char *tsv;           /* the last file imported */
    char messages[8192]; /* on_message lines, each ending in \n */
    char err[1024];
    struct vlm_import_summary sum;
    vlm_suite *suite;
    json_t *cases; /* id -> the case object as written */
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
    json_decref(f->cases);
    free(f->tsv);
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

/* Four tiny images told apart by colour: their bytes and base64. */
enum { RED, GREEN, BLUE, YELLOW, N_IMG };
struct images {
    unsigned char *bytes[N_IMG];
    size_t n[N_IMG];
    char *b64[N_IMG];
};

static void images_make(struct fixture *f, struct images *im) {
    static const uint32_t rgb[N_IMG] = {0xE02020, 0x20C040, 0x2040E0, 0xE0E020};
    for (int i = 0; i < N_IMG; i++) {
        im->bytes[i] = png_bytes(f->dir, 8, 6, rgb[i], &im->n[i]);
        im->b64[i] = b64(im->bytes[i], im->n[i]);
    }
}

static void images_free(struct images *im) {
    for (int i = 0; i < N_IMG; i++) {
        free(im->bytes[i]);
        free(im->b64[i]);
    }
}

/* The TSV text with {R}, {G}, {B} and {Y} replaced by the images' base64 (caller frees). */
static char *fill(const char *tmpl, const struct images *im) {
    size_t cap = strlen(tmpl) + 1;
    for (const char *p = tmpl; *p; p++) cap += *p == '{' ? strlen(im->b64[0]) : 0;
    char *out = malloc(cap), *o = out;
    for (const char *p = tmpl; *p; p++) {
        const char *k = p[0] == '{' && p[1] && p[2] == '}' ? strchr("RGBY", p[1]) : NULL;
        if (k && p[1]) {
            o += sprintf(o, "%s", im->b64[k - "RGBY"]);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return out;
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

/* Load the suite written (no case may be malformed for the loader) and its lines as JSON. */
static void load_output(struct fixture *f) {
    vlm_suite_free(f->suite);
    f->suite = vlm_suite_load(f->sum.suite, vlm_suite_default_params(), f->err, sizeof f->err);
    assert_non_null(f->suite);
    for (int i = 0; i < vlm_suite_n_cases(f->suite); i++)
        if (vlm_suite_case(f->suite, i)->error) fail_msg("%s", vlm_suite_case(f->suite, i)->error);
    json_decref(f->cases);
    f->cases = json_object();
    FILE *fp = fopen(f->sum.suite, "rb");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        json_object_set_new(f->cases, json_string_value(json_object_get(o, "id")), o);
    }
    free(line);
    fclose(fp);
    assert_int_equal(json_object_size(f->cases), vlm_suite_n_cases(f->suite));
}

/* Write `tmpl` (images filled in) as dir/NAME and import it into dir/out. */
static int import_text(struct fixture *f, const char *name, const char *tmpl, const struct images *im,
                       struct vlm_import_params *p) {
    char *text = fill(tmpl, im);
    free(f->tsv);
    f->tsv = test_write_file(f->dir, name, text);
    free(text);
    f->messages[0] = 0;
    return vlm_import_vlmevalkit(f->tsv, f->out, p, &f->sum, f->err, sizeof f->err);
}

/* Import a file every row of which must import; then load it. */
static void import_all(struct fixture *f, const char *name, const char *tmpl, const struct images *im, int n_cases) {
    struct vlm_import_params p = params(f);
    assert_int_equal(import_text(f, name, tmpl, im, &p), VLM_OK);
    if (f->messages[0]) fail_msg("unexpected messages: %s", f->messages);
    assert_int_equal(f->sum.n_ok, n_cases);
    assert_int_equal(f->sum.n_bad, 0);
    assert_int_equal(f->sum.n_dropped, 0);
    load_output(f);
}

static json_t *get_case(struct fixture *f, const char *id) {
    json_t *c = json_object_get(f->cases, id);
    if (!c) fail_msg("no case '%s'", id);
    return c;
}

static const char *field(json_t *c, const char *key) {
    json_t *v = json_object_get(c, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A field as compact JSON text ("null" when absent), for exact comparison. */
static void assert_json(json_t *c, const char *key, const char *want) {
    json_t *v = json_object_get(c, key);
    char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
    if (strcmp(got, want) != 0) fail_msg("'%s': got %s, want %s", key, got, want);
    free(got);
}

/* The case's prompt, scorer and expected answer (as JSON). */
static void assert_case(struct fixture *f, const char *id, const char *prompt, const char *scorer, const char *answer) {
    json_t *c = get_case(f, id);
    assert_string_equal(field(c, "prompt"), prompt);
    assert_string_equal(field(c, "scorer"), scorer);
    assert_json(c, "answer", answer);
}

/* The case's images are these, in this order (compared by their bytes). */
static void assert_images(struct fixture *f, const char *id, const struct images *im, const int *want, int n) {
    json_t *list = json_object_get(get_case(f, id), "images");
    assert_int_equal(json_array_size(list), n);
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", f->out, json_string_value(json_array_get(list, (size_t)i)));
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        unsigned char buf[4096];
        size_t got = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        if (got != im->n[want[i]] || memcmp(buf, im->bytes[want[i]], got) != 0)
            fail_msg("case %s image %d is not image %d", id, i, want[i]);
    }
}

#define IMAGES(...) (const int[]){__VA_ARGS__}, (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* The MCQ instruction line, with VLMEvalKit's space before the newline. */
#define PICK     "Please select the correct answer from the options above. \n"
/* ImageVQADataset's suffix. */
#define VQA_TAIL "\nAnswer the question using a single word or phrase."

/* ------------------------------------------------------------ datasets: multiple choice */

static void test_mmbench_dev_en(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    /* Row 1000012 is a circular copy of 12 (rotated options, its image named by index). */
    import_all(f, "MMBench_DEV_EN.tsv",
               "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tcomment\tsplit\n"
               "12\tWhat colour is the square?\tThe square fills the picture.\tred\tgreen\tblue\tyellow\tA\tcolor\t{R}"
               "\tforged\tperception\tnan\tdev\n"
               "1000012\tWhat colour is the square?\tThe square fills the picture.\tyellow\tred\tgreen\tblue\tB\tcolor"
               "\t12\tforged\tperception\t\tdev\n"
               "13\tIs the square bright?\tN/A\tyes\tno\t\t\tA\tlight\t{G}\tforged\tperception\t\tdev\n",
               &im, 3);
    assert_string_equal(f->sum.dataset, "MMBench_DEV_EN");
    assert_string_equal(f->sum.type, "mcq");
    assert_case(
        f, "12",
        "Hint: The square fills the picture.\nQuestion: What colour is the square?\nOptions:\nA. red\nB. green\n"
        "C. blue\nD. yellow\n" PICK,
        "choice", "\"A\"");
    assert_case(f, "1000012",
                "Hint: The square fills the picture.\nQuestion: What colour is the square?\nOptions:\nA. yellow\n"
                "B. red\nC. green\nD. blue\n" PICK,
                "choice", "\"B\"");
    assert_case(f, "13", "Question: Is the square bright?\nOptions:\nA. yes\nB. no\n" PICK, "choice", "\"A\"");
    json_t *c = get_case(f, "1000012");
    assert_json(c, "groups", "{\"circular\":\"12\"}");
    assert_json(c, "choices", "[\"yellow\",\"red\",\"green\",\"blue\"]");
    assert_json(c, "category", "\"color\"");
    assert_json(c, "l2_category", "\"perception\"");
    assert_json(c, "split", "\"dev\"");
    assert_json(get_case(f, "12"), "groups", "{\"circular\":\"12\"}");
    assert_json(get_case(f, "13"), "groups", "{\"circular\":\"13\"}");
    assert_json(get_case(f, "13"), "choices", "[\"yes\",\"no\"]");
    assert_images(f, "12", &im, IMAGES(RED));
    assert_images(f, "1000012", &im, IMAGES(RED));
    assert_images(f, "13", &im, IMAGES(GREEN));
    assert_string_equal(find_case(f->suite, "1000012")->groups, "{\"circular\":\"12\"}");
    images_free(&im);
}

static void test_mmbench_dev_cn_v11(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    import_all(f, "MMBench_DEV_CN_V11.tsv",
               "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tsplit\n"
               "123456\t正方形是什么颜色？\t请看图。\t红色\t绿色\t\t\tA\tcolor\t{R}\tforged\tperception\tdev\n"
               "2123456\t正方形是什么颜色？\t请看图。\t绿色\t红色\t\t\tB\tcolor\t123456\tforged\tperception\tdev\n",
               &im, 2);
    assert_string_equal(f->sum.dataset, "MMBench_DEV_CN_V11");
    /* The English literals of build_prompt, also for the Chinese sets. */
    assert_case(f, "2123456", "Hint: 请看图。\nQuestion: 正方形是什么颜色？\nOptions:\nA. 绿色\nB. 红色\n" PICK,
                "choice", "\"B\"");
    assert_json(get_case(f, "2123456"), "groups", "{\"circular\":\"123456\"}");
    assert_json(get_case(f, "123456"), "groups", "{\"circular\":\"123456\"}");
    assert_images(f, "2123456", &im, IMAGES(RED));
    images_free(&im);
}

static void test_mmstar(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    /* A question holding its own options (kept as it is) in a quoted field over two lines. */
    import_all(f, "MMStar.tsv",
               "index\tquestion\tanswer\tcategory\tl2_category\tbench\tA\tB\tC\tD\timage\n"
               "1\t\"Which option describes the image?\nOptions: A: a red square, B: a blue circle\"\tA\tcoarse "
               "perception\timage scene and topic\tSEEDBench_IMG\ta red square\ta blue circle\t\t\t{R}\n"
               "2\tHow many squares are there?\tB\tfine-grained perception\tcounting\tMMBench\t0\t1\t2\t3\t{G}\n",
               &im, 2);
    assert_case(f, "1",
                "Question: Which option describes the image?\nOptions: A: a red square, B: a blue circle\nOptions:\n"
                "A. a red square\nB. a blue circle\n" PICK,
                "choice", "\"A\"");
    /* Columns C and D hold one number and a NaN each: pandas makes them float64
     * (2.0, 3.0); A and B also hold text, so 0 and 1 stay as written. */
    assert_case(f, "2", "Question: How many squares are there?\nOptions:\nA. 0\nB. 1\nC. 2.0\nD. 3.0\n" PICK, "choice",
                "\"B\"");
    assert_json(get_case(f, "2"), "l2_category", "\"counting\"");
    assert_json(get_case(f, "2"), "groups", "null");
    assert_images(f, "2", &im, IMAGES(GREEN));
    images_free(&im);
}

static void test_seedbench_img(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    /* An option cell reading None is pandas' NaN: no option D. */
    import_all(f, "SEEDBench_IMG.tsv",
               "index\tquestion\tA\tB\tC\tD\tanswer\tcategory\timage\n"
               "1\tHow many towels are in the image?\tOne\tTwo\tThree\tFour\tA\tInstances Counting\t{R}\n"
               "2\tWhat colour is the towel?\tred\tblue\tgreen\tNone\tC\tInstance Attributes\t{B}\n",
               &im, 2);
    assert_case(f, "1",
                "Question: How many towels are in the image?\nOptions:\nA. One\nB. Two\nC. Three\nD. Four\n" PICK,
                "choice", "\"A\"");
    assert_case(f, "2", "Question: What colour is the towel?\nOptions:\nA. red\nB. blue\nC. green\n" PICK, "choice",
                "\"C\"");
    assert_json(get_case(f, "2"), "choices", "[\"red\",\"blue\",\"green\"]");
    assert_json(get_case(f, "2"), "category", "\"Instance Attributes\"");
    assert_images(f, "2", &im, IMAGES(BLUE));
    images_free(&im);
}

static void test_ai2d_test(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    /* Column D holds a whole number and a NaN: pandas reads it as float64 and
     * VLMEvalKit prints 3.0 (column A is text, so 4 stays 4). */
    import_all(f, "AI2D_TEST.tsv",
               "index\tquestion\tA\tB\tC\tD\tanswer\tcategory\timage\n"
               "0\tHow many legs does the insect have?\t4\t6\t8\t3\tB\tlife cycles\t{Y}\n"
               "1\tWhich label shows the sun?\tsun\tmoon\tearth\t\tA\tastronomy\t{B}\n",
               &im, 2);
    assert_case(f, "0", "Question: How many legs does the insect have?\nOptions:\nA. 4\nB. 6\nC. 8\nD. 3.0\n" PICK,
                "choice", "\"B\"");
    assert_json(get_case(f, "0"), "choices", "[\"4\",\"6\",\"8\",\"3.0\"]");
    assert_case(f, "1", "Question: Which label shows the sun?\nOptions:\nA. sun\nB. moon\nC. earth\n" PICK, "choice",
                "\"A\"");
    assert_images(f, "0", &im, IMAGES(YELLOW));
    images_free(&im);
}

static void test_realworldqa(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    import_all(f, "RealWorldQA.tsv",
               "index\tquestion\tA\tB\tC\tanswer\timage\n"
               "0\tIn which direction is the front wheel of the car facing?\tLeft\tStraight\tRight\tB\t{R}\n"
               "1\tIs the traffic light green?\tYes\tNo\t\tA\t{G}\n",
               &im, 2);
    assert_string_equal(f->sum.dataset, "RealWorldQA");
    assert_case(f, "0",
                "Question: In which direction is the front wheel of the car facing?\nOptions:\nA. Left\nB. Straight\n"
                "C. Right\n" PICK,
                "choice", "\"B\"");
    assert_case(f, "1", "Question: Is the traffic light green?\nOptions:\nA. Yes\nB. No\n" PICK, "choice", "\"A\"");
    assert_images(f, "1", &im, IMAGES(GREEN));
    images_free(&im);
}

static void test_mmmu_dev_val(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    struct vlm_import_params p = params(f);
    /* Row 1: markers in the question and the options, image 2 named twice, image 3 never.
     * Row 2: an open question (no options), its answer free text.
     * Row 3: two images and no marker: images first.
     * Row 4: its image cell names row 1, which holds a list; <image 0> is the last image.
     * Row 5: a marker past the row's images (VLMEvalKit would fail on it): reported. */
    int rc = import_text(
        f, "MMMU_DEV_VAL.tsv",
        "index\tquestion\tA\tB\tC\tD\tanswer\tcategory\timage\timage_path\tsplit\n"
        "1\tCompare <image 2> with <image 1>. Which is brighter?\t<image 1>\t<image 2>\tThey are the "
        "same\t\tB\tArt\t['{R}', '{G}', '{B}']\t['1_1.png', '1_2.png', '1_3.png']\tvalidation\n"
        "2\tWhat is the value of x in <image 1>?\t\t\t\t\t15\tMath\t{Y}\t2_1.png\tdev\n"
        "3\tWhich image is warmer?\tthe first\tthe second\t\t\tA\tArt\t['{R}', \"{B}\"]\t['3_1.png', "
        "'3_2.png']\tvalidation\n"
        "4\tIs <image 3> the same colour as <image 0>?\tyes\tno\t\t\tA\tArt\t1\t['1_1.png', '1_2.png', "
        "'1_3.png']\tvalidation\n"
        "5\tSee <image 4>.\tx\ty\t\t\tA\tArt\t['{R}', '{G}']\t['5_1.png', '5_2.png']\tvalidation\n",
        &im, &p);
    assert_int_equal(rc, VLM_OK);
    assert_int_equal(f->sum.n_ok, 4);
    assert_int_equal(f->sum.n_bad, 1);
    char want[1024];
    snprintf(want, sizeof want, "%s:6: '<image 4>' but the row has 2 images\n", f->tsv);
    assert_string_equal(f->messages, want);
    load_output(f);
    assert_case(f, "1",
                "Question: Compare <image> with <image>. Which is brighter?\nOptions:\nA. <image>\nB. <image>\n"
                "C. They are the same\n" PICK,
                "choice", "\"B\"");
    assert_images(f, "1", &im, IMAGES(GREEN, RED, RED, GREEN));
    assert_json(get_case(f, "1"), "choices", "[\"<image 1>\",\"<image 2>\",\"They are the same\"]");
    assert_json(get_case(f, "1"), "split", "\"validation\"");
    assert_case(f, "2", "Question: What is the value of x in <image>?\n", "open", "\"15\"");
    assert_json(get_case(f, "2"), "choices", "null");
    assert_json(get_case(f, "2"), "split", "\"dev\"");
    assert_images(f, "2", &im, IMAGES(YELLOW));
    assert_case(f, "3", "Question: Which image is warmer?\nOptions:\nA. the first\nB. the second\n" PICK, "choice",
                "\"A\"");
    assert_images(f, "3", &im, IMAGES(RED, BLUE));
    assert_case(f, "4", "Question: Is <image> the same colour as <image>?\nOptions:\nA. yes\nB. no\n" PICK, "choice",
                "\"A\"");
    assert_images(f, "4", &im, IMAGES(BLUE, BLUE));
    /* The loader places image k at the k-th marker: the suite's own reading agrees. */
    const vlm_case *c = find_case(f->suite, "1");
    assert_int_equal(c->n_images, 4);
    assert_string_equal(c->images[1], c->images[2]);
    images_free(&im);
}

/* ------------------------------------------------------------ datasets: yes or no */

static void test_mme(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    import_all(f, "MME.tsv",
               "index\timage\tquestion\tanswer\tcategory\timage_path\n"
               "0\t{R}\tIs there a red square in the image? Please answer yes or no.\tYes\tcolor\t10002.jpg\n"
               "1\t0\tIs there a blue square in the image? Please answer yes or no.\tNo\tcolor\t10002.jpg\n"
               "2\t{G}\tIs the word \"OK\" shown in the image? Please answer yes or no.\tYes\tOCR\t0001.png\n",
               &im, 3);
    assert_string_equal(f->sum.dataset, "MME");
    assert_string_equal(f->sum.type, "yorn");
    assert_case(f, "1", "Is there a blue square in the image? Please answer yes or no.", "yesno", "\"No\"");
    assert_case(f, "2", "Is the word \"OK\" shown in the image? Please answer yes or no.", "yesno", "\"Yes\"");
    assert_json(get_case(f, "0"), "groups", "{\"image\":\"color/10002.jpg\"}");
    assert_json(get_case(f, "1"), "groups", "{\"image\":\"color/10002.jpg\"}");
    assert_json(get_case(f, "2"), "groups", "{\"image\":\"OCR/0001.png\"}");
    assert_json(get_case(f, "2"), "category", "\"OCR\"");
    assert_images(f, "1", &im, IMAGES(RED));
    assert_images(f, "2", &im, IMAGES(GREEN));
    assert_int_equal(f->sum.n_images, 2);
    images_free(&im);
}

static void test_pope(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    import_all(f, "POPE.tsv",
               "index\timage\tquestion\tanswer\tcategory\n"
               "1\t{B}\tIs there a dog in the image?\tno\tadversarial,popular\n"
               "2\t1\tIs there a square in the image?\tyes\trandom\n"
               "3\t1\tIs there a cat in the image?\tno\tpopular, random\n",
               &im, 3);
    assert_case(f, "1", "Is there a dog in the image?", "yesno", "\"no\"");
    assert_json(get_case(f, "1"), "category", "[\"adversarial\",\"popular\"]");
    assert_json(get_case(f, "2"), "category", "\"random\"");
    assert_json(get_case(f, "3"), "category", "[\"popular\",\" random\"]"); /* split on ',' only */
    assert_json(get_case(f, "1"), "groups", "null");
    assert_string_equal(find_case(f->suite, "1")->categories, "[\"adversarial\",\"popular\"]");
    assert_images(f, "3", &im, IMAGES(BLUE));
    images_free(&im);
}

static void test_hallusionbench(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    struct vlm_import_params p = params(f);
    /* Line 3 has no image (VLMEvalKit drops it); line 4's index has too few fields for groups. */
    int rc = import_text(
        f, "HallusionBench.tsv",
        "index\timage\tquestion\tanswer\tcategory\tl2-category\n"
        "VD_chart_chart_0_1_2\t{R}\tIs the bar for 2020 taller than the bar for 2019?\tYes\tVD\tchart\n"
        "VS_chart_chart_0_0_2\t\tAccording to the chart, was 2020 higher than 2019?\tNo\tVS\tchart\n"
        "VD_map_0_1\t{G}\tIs this a map?\tYes\tVD\tmap\n"
        "VD_map_map_3_0_7\tVD_chart_chart_0_1_2\tIs the map blue?\tNo\tVD\tmap\n",
        &im, &p);
    assert_int_equal(rc, VLM_OK);
    assert_int_equal(f->sum.n_ok, 3);
    assert_int_equal(f->sum.n_dropped, 1);
    assert_int_equal(f->sum.n_bad, 0);
    char want[1024];
    snprintf(want, sizeof want,
             "%s:3: no image: dropped, as VLMEvalKit drops rows without one\n"
             "%s:4: index 'VD_map_0_1' has fewer than 6 '_'-separated fields: imported without its figure and "
             "question groups\n",
             f->tsv, f->tsv);
    assert_string_equal(f->messages, want);
    load_output(f);
    assert_case(f, "VD_chart_chart_0_1_2", "Is the bar for 2020 taller than the bar for 2019?", "yesno", "\"Yes\"");
    assert_json(get_case(f, "VD_chart_chart_0_1_2"), "groups", "{\"figure\":\"chart_0_1\",\"question\":\"chart_0_2\"}");
    assert_json(get_case(f, "VD_map_map_3_0_7"), "groups", "{\"figure\":\"map_3_0\",\"question\":\"map_3_7\"}");
    assert_json(get_case(f, "VD_map_0_1"), "groups", "null");
    assert_json(get_case(f, "VD_map_map_3_0_7"), "l2_category", "\"map\"");
    assert_json(get_case(f, "VD_map_map_3_0_7"), "category", "\"VD\"");
    assert_images(f, "VD_map_map_3_0_7", &im, IMAGES(RED));
    assert_null(json_object_get(f->cases, "VS_chart_chart_0_0_2"));
    images_free(&im);
}

/* ------------------------------------------------------------ datasets: open answers */

static void test_ocrbench(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    /* The answers are Python lists; the formula's backslash is written \\ in the literal. */
    import_all(f, "OCRBench.tsv",
               "index\timage\tquestion\tanswer\tcategory\n"
               "0\t{R}\twhat is written in the image?\t['HELLO', 'Hello']\tRegular Text Recognition\n"
               "1\t{G}\tPlease write out the expression of the formula in the image using LaTeX format.\t"
               "['\\\\frac { 1 } { 2 }', 'x^{2}']\tHandwritten Mathematical Expression Recognition\n"
               "2\t0\tWhat is the total?\t['12.00', 12]\tKey Information Extraction\n",
               &im, 3);
    assert_string_equal(f->sum.dataset, "OCRBench");
    assert_case(f, "0", "what is written in the image?", "substring", "[\"HELLO\",\"Hello\"]");
    assert_case(f, "1", "Please write out the expression of the formula in the image using LaTeX format.", "substring",
                "{\"answers\":[\"\\\\frac { 1 } { 2 }\",\"x^{2}\"],\"math\":true}");
    assert_case(f, "2", "What is the total?", "substring", "[\"12.00\",\"12\"]");
    assert_images(f, "2", &im, IMAGES(RED));
    images_free(&im);
}

static void test_textvqa_val(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    import_all(f, "TextVQA_VAL.tsv",
               "index\timage\tquestion\tanswer\n"
               "34602\t{Y}\twhat brand is the phone?\t['nokia', 'nokia', 'nokia', 'nokia', 'toshiba', 'nokia', "
               "'nokia', 'nokia', 'nokia', 'nokia']\n"
               "34603\t34602\twho's the maker?\t[\"don't know\", 'dont know', 'unanswerable']\n",
               &im, 2);
    assert_case(f, "34602", "what brand is the phone?" VQA_TAIL, "vqa",
                "[\"nokia\",\"nokia\",\"nokia\",\"nokia\",\"toshiba\",\"nokia\",\"nokia\",\"nokia\",\"nokia\","
                "\"nokia\"]");
    assert_case(f, "34603", "who's the maker?" VQA_TAIL, "vqa", "[\"don't know\",\"dont know\",\"unanswerable\"]");
    assert_images(f, "34603", &im, IMAGES(YELLOW));
    images_free(&im);
}

static void test_chartqa_test(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    /* A list answer is each element's str(): 2020.0 stays 2020.0, 1.50 is 1.5. */
    import_all(f, "ChartQA_TEST.tsv",
               "index\timage\tquestion\tanswer\tsplit\n"
               "0\t{B}\tWhat is the value of the tallest bar?\t12.50\ttest_human\n"
               "1\t0\tWhich years are shown?\t[2019, 2020.0, 1.50]\ttest_augmented\n",
               &im, 2);
    assert_string_equal(f->sum.dataset, "ChartQA_TEST");
    assert_case(f, "0", "What is the value of the tallest bar?" VQA_TAIL, "relaxed", "\"12.50\"");
    assert_case(f, "1", "Which years are shown?" VQA_TAIL, "relaxed", "[\"2019\",\"2020.0\",\"1.5\"]");
    assert_json(get_case(f, "1"), "split", "\"test_augmented\"");
    assert_images(f, "1", &im, IMAGES(BLUE));
    images_free(&im);
}

/* ------------------------------------------------------------ files of no known dataset */

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
            "10\tGap\t\tp\t\tq\t\tA\tc\tl\t1\tdev\n"                             /* line 12: C without B */
            "11\tNo image\t\tp\tq\t\t\tA\tc\tl\tnan\tdev\n"                      /* line 13: dropped */
            "12\tTo a row without one\t\tp\tq\t\t\tA\tc\tl\t11\tdev\n",          /* line 14 */
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

static void test_unknown_mcq(void **state) {
    struct fixture *f = *state;
    char *text = mcq_tsv(f);
    f->tsv = test_write_file(f->dir, "MMBench_TINY.tsv", text);
    free(text);
    struct vlm_import_params p = params(f);
    assert_int_equal(vlm_import_vlmevalkit(f->tsv, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_string_equal(f->sum.type, "mcq");
    assert_string_equal(f->sum.dataset, ""); /* not a name vlmeter knows */
    assert_int_equal(f->sum.n_ok, 6);
    assert_int_equal(f->sum.n_bad, 5);
    assert_int_equal(f->sum.n_dropped, 1);
    assert_int_equal(f->sum.n_images, 2); /* red and blue, each once */
    char want[4096];
    const char *t = f->tsv;
    snprintf(want, sizeof want,
             "%s:5: 'image': invalid base64 at character 1\n"
             "%s:13: no image: dropped, as VLMEvalKit drops rows without one\n"
             "%s:7: 'image' refers to row index '99', which is not in the file\n"
             "%s:8: answer 'E' is not the letter of one of the 3 options\n"
             "%s:12: option C is given but option B is missing\n"
             "%s:14: 'image' refers to row index '11' (line 13), which has no image\n",
             t, t, t, t, t, t);
    assert_string_equal(f->messages, want);
    char images[600];
    snprintf(images, sizeof images, "%s/images", f->out);
    assert_int_equal(count_files(images), 2);
    assert_non_null(strstr(f->sum.suite, "/out/MMBench_TINY.jsonl"));

    load_output(f);
    assert_int_equal(vlm_suite_n_cases(f->suite), 6);
    const vlm_case *c1 = find_case(f->suite, "1");
    assert_string_equal(c1->turns[0], "Hint: Look closely.\nQuestion: What colour is it?\nOptions:\nA. red\nB. green\n"
                                      "C. blue\nD. yellow\n" PICK);
    assert_string_equal(c1->scorer, "choice");
    assert_string_equal(c1->category, "color");
    assert_string_equal(c1->expected[0], "\"A\"");
    assert_int_equal(c1->n_choices, 4);
    assert_string_equal(c1->choices[3], "yellow");
    assert_int_equal(c1->n_images, 1);
    assert_null(c1->groups); /* no dataset, no benchmark groups */
    const vlm_case *c2 = find_case(f->suite, "2");
    assert_string_equal(c2->turns[0], "Question: Is the picture dark?\nOptions:\nA. yes\nB. no\n" PICK);
    assert_string_equal(c2->images[0], c1->images[0]); /* the index reference */
    const vlm_case *c3 = find_case(f->suite, "3");
    assert_int_equal(c3->n_images, 2);
    assert_string_equal(c3->images[0], c1->images[0]);
    assert_string_not_equal(c3->images[1], c1->images[0]);
    assert_null(strstr(c3->turns[0], "Hint")); /* "None" is pandas' NaN */
    /* A missing question is NaN, which VLMEvalKit's f-string prints as nan. */
    assert_string_equal(find_case(f->suite, "5")->turns[0], "Question: nan\nOptions:\nA. x\nB. y\n" PICK);
    const vlm_case *c8 = find_case(f->suite, "8");
    assert_non_null(strstr(c8->turns[0], "Question: Two\tlines:\n\"quoted\"\nOptions:"));
    const vlm_case *c9 = find_case(f->suite, "9");
    assert_string_equal(c9->expected[0], "\"B\"");
}

static void test_unknown_yes_no_and_vqa(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    import_all(f, "MME_small.tsv",
               "index\timage\tquestion\tanswer\tcategory\timage_path\n"
               "1\t{G}\tIs there a dog? Please answer yes or no.\tYes\texistence\ta.jpg\n"
               "2\t1\tIs there a cat? Please answer yes or no.\tNo\texistence\ta.jpg\n",
               &im, 2);
    assert_string_equal(f->sum.type, "yorn");
    assert_string_equal(f->sum.dataset, "");
    assert_case(f, "2", "Is there a cat? Please answer yes or no.", "yesno", "\"No\"");
    assert_json(get_case(f, "2"), "groups", "null"); /* MME's groups only for MME */

    import_all(f, "DocVQA_subset.tsv",
               "index\timage\tquestion\tanswer\n"
               "7\t{G}\tWhat animal is this?\t['cat', \"kitten\", 'cat']\n"
               "8\t7\tWhat is written?\tSTOP\n",
               &im, 2);
    assert_string_equal(f->sum.type, "vqa");
    assert_case(f, "7", "What animal is this?" VQA_TAIL, "anls", "[\"cat\",\"kitten\",\"cat\"]"); /* DocVQA: ANLS */
    assert_case(f, "8", "What is written?" VQA_TAIL, "anls", "\"STOP\"");
    assert_int_equal(f->sum.n_images, 1);

    import_all(f, "signs.tsv",
               "index\timage\tquestion\tanswer\n"
               "1\t{G}\tWhat does the sign say?\t['stop', 'halt']\n",
               &im, 1);
    assert_case(f, "1", "What does the sign say?" VQA_TAIL, "vqa", "[\"stop\",\"halt\"]");
    images_free(&im);
}

static void test_dataset_and_type_options(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    const char *pope = "index\timage\tquestion\tanswer\tcategory\n"
                       "1\t{B}\tIs there a dog in the image?\tno\tadversarial,popular\n";
    struct vlm_import_params p = params(f);
    p.dataset = "pope"; /* any case */
    assert_int_equal(import_text(f, "my_subset.tsv", pope, &im, &p), VLM_OK);
    assert_string_equal(f->sum.dataset, "POPE");
    assert_non_null(strstr(f->sum.suite, "/out/my_subset.jsonl"));
    load_output(f);
    assert_json(get_case(f, "1"), "category", "[\"adversarial\",\"popular\"]");

    /* --type: a file of no known dataset, even when named like one. */
    p.dataset = NULL;
    p.type = "vqa";
    assert_int_equal(import_text(f, "POPE.tsv", pope, &im, &p), VLM_OK);
    assert_string_equal(f->sum.dataset, "");
    load_output(f);
    assert_case(f, "1", "Is there a dog in the image?" VQA_TAIL, "vqa", "\"no\"");
    assert_json(get_case(f, "1"), "category", "\"adversarial,popular\"");

    /* --scorer: every case's scorer; OCRBench's formula answer stays a plain list then. */
    p.type = NULL;
    p.scorer = "contains";
    assert_int_equal(import_text(f, "OCRBench.tsv",
                                 "index\timage\tquestion\tanswer\tcategory\n"
                                 "1\t{B}\tWrite the formula.\t['x^{2}']\tHandwritten Mathematical Expression "
                                 "Recognition\n",
                                 &im, &p),
                     VLM_OK);
    load_output(f);
    assert_case(f, "1", "Write the formula.", "contains", "[\"x^{2}\"]");

    p.scorer = NULL;
    p.dataset = "MME";
    p.type = "yorn";
    assert_int_equal(import_text(f, "x.tsv", pope, &im, &p), VLM_ERR_INPUT);
    assert_string_equal(f->err, "give a dataset or a type, not both (a dataset sets its own type)");
    p.type = NULL;
    p.dataset = "MMBench";
    assert_int_equal(import_text(f, "x.tsv", pope, &im, &p), VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "unknown VLMEvalKit dataset 'MMBench' (known: MMBench_DEV_EN, MMBench_DEV_CN,"));
    assert_non_null(strstr(f->err, "HallusionBench, POPE, OCRBench, TextVQA_VAL, ChartQA_TEST,"));
    images_free(&im);
}

/* ------------------------------------------------------------ when an import fails */

static void test_nothing_usable(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    struct vlm_import_params p = params(f);
    /* Every row dropped or skipped: the import fails and writes no suite. */
    int rc = import_text(f, "MME.tsv",
                         "index\timage\tquestion\tanswer\tcategory\timage_path\n"
                         "1\t\tIs it red?\tYes\tcolor\ta.jpg\n"
                         "2\t{R}\tIs it red?\tMaybe\tcolor\ta.jpg\n",
                         &im, &p);
    assert_int_equal(rc, VLM_ERR_INPUT);
    char want[1024];
    snprintf(want, sizeof want, "%s: no case could be imported (1 rows skipped, 1 dropped for having no image)",
             f->tsv);
    assert_string_equal(f->err, want);
    assert_int_equal(f->sum.n_ok, 0);
    assert_int_equal(f->sum.n_dropped, 1);
    assert_int_equal(f->sum.n_bad, 1);
    struct stat st;
    assert_int_not_equal(stat(f->sum.suite, &st), 0);

    /* A header and no rows. */
    rc = import_text(f, "empty.tsv", "index\timage\tquestion\tanswer\n", &im, &p);
    assert_int_equal(rc, VLM_ERR_INPUT);
    assert_non_null(strstr(f->err, "empty.tsv: no case could be imported (0 rows skipped)"));

    /* One usable row is enough. */
    rc = import_text(f, "MME.tsv",
                     "index\timage\tquestion\tanswer\tcategory\timage_path\n"
                     "1\t\tIs it red?\tYes\tcolor\ta.jpg\n"
                     "2\t{R}\tIs it red?\tYes\tcolor\ta.jpg\n",
                     &im, &p);
    assert_int_equal(rc, VLM_OK);
    assert_int_equal(f->sum.n_ok, 1);
    assert_int_equal(stat(f->sum.suite, &st), 0);
    images_free(&im);
}

static void test_file_errors(void **state) {
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

/* A byte-order mark, CRLF and CR line ends, and MMMU markers that are not markers. */
static void test_reading_details(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    struct vlm_import_params p = params(f);
    int rc = import_text(f, "MMMU_DEV_VAL.tsv",
                         "\xEF\xBB\xBFindex\tquestion\tA\tB\tanswer\timage\r\n"
                         "1\tWhat is <image1>?\tx\ty\tA\t{R}\r\n"
                         "2\tSee <image x>.\tx\ty\tA\t{R}\r"
                         "3\tSee <image>.\tx\ty\tA\t{R}\n",
                         &im, &p);
    assert_int_equal(rc, VLM_OK);
    assert_int_equal(f->sum.n_ok, 1);
    char want[1024];
    snprintf(want, sizeof want,
             "%s:3: '<image x>' is not an image marker '<image N>' with N a digit\n"
             "%s:4: the prompt holds the text '<image>', which vlmeter would read as an image marker\n",
             f->tsv, f->tsv);
    assert_string_equal(f->messages, want);
    load_output(f);
    /* "<image1>" is no marker for VLMEvalKit: the text stays, the image goes first. */
    assert_case(f, "1", "Question: What is <image1>?\nOptions:\nA. x\nB. y\n" PICK, "choice", "\"A\"");
    assert_images(f, "1", &im, IMAGES(RED));
    images_free(&im);
}

/* Image cells naming other rows, followed as VLMEvalKit follows them: one step,
 * to a row with its own images or to a row above already followed. */
static void test_image_references(void **state) {
    struct fixture *f = *state;
    struct images im;
    images_make(f, &im);
    struct vlm_import_params p = params(f);
    char bad[96];
    snprintf(bad, sizeof bad, "!!!!%070d", 0);
    char tmpl[1024];
    snprintf(tmpl, sizeof tmpl,
             "index\timage\tquestion\tanswer\n"
             "1\t{R}\tq1\tYes\n"              /* line 2 */
             "2\t1\tq2\tNo\n"                 /* 3: row 1's image */
             "3\t2\tq3\tYes\n"                /* 4: row 2, above, already followed */
             "4\t5\tq4\tYes\n"                /* 5: row 5, below, itself a reference */
             "5\t1\tq5\tNo\n"                 /* 6 */
             "6\t['{G}', '{B}']\tq6\tYes\n"   /* 7: two images */
             "7\t6\tq7\tNo\n"                 /* 8: the list of row 6 */
             "8\t%s\tq8\tYes\n"               /* 9: bad base64 */
             "9\t8\tq9\tNo\n"                 /* 10: names row 8 */
             "10\t{R}\tbad \xff byte\tYes\n", /* 11: not UTF-8 */
             bad);
    assert_int_equal(import_text(f, "refs.tsv", tmpl, &im, &p), VLM_OK);
    assert_int_equal(f->sum.n_ok, 6);
    assert_int_equal(f->sum.n_bad, 4);
    char want[2048];
    const char *t = f->tsv;
    snprintf(want, sizeof want,
             "%s:9: 'image': invalid base64 at character 1\n"
             "%s:11: field 3 is not UTF-8 text\n"
             "%s:5: 'image' refers to row index '5' (line 6), which has no image of its own\n"
             "%s:10: 'image' refers to row index '8' (line 9), whose image could not be read\n",
             t, t, t, t);
    assert_string_equal(f->messages, want);
    load_output(f);
    assert_images(f, "2", &im, IMAGES(RED));
    assert_images(f, "3", &im, IMAGES(RED));
    assert_images(f, "5", &im, IMAGES(RED));
    assert_images(f, "7", &im, IMAGES(GREEN, BLUE));
    images_free(&im);
}

/* ------------------------------------------------------------ Python literals */

static void assert_list(const char *literal, const char *const *want, int n) {
    char **items;
    int got;
    if (pylit_list(literal, &items, &got) != 0) fail_msg("not read: %s", literal);
    assert_int_equal(got, n);
    for (int i = 0; i < n; i++) assert_string_equal(items[i], want[i]);
    pylit_free(items, got);
}

static void test_python_literals(void **state) {
    (void)state;
    /* The str() of each element, as python3 prints [str(x) for x in eval(s)]. */
    static const char *const mixed[] = {"a",      "don't",     "12",       "1.5", "0",    "True", "None",
                                        "\\x",    "tab\there", "\xC3\xA9", "ab",  "1000", "0.5",  "5.0",
                                        "1000.0", "-2.5e-07",  "\\frac",   "AA",  "q's"};
    assert_list("['a', \"don't\", 12, 1.50, -0, True, None, r'\\x', 'tab\\there', u'\\u00e9', 'a' 'b', 1_000, .5, "
                "5., 1e3, -2.5e-7, '\\\\frac', '\\x41\\101', 'q\\'s',]",
                mixed, 19);
    assert_list("[]", NULL, 0);
    assert_list("[ 'x' ,\n 'y' ]", (const char *const[]){"x", "y"}, 2);
    static const char *const refused[] = {"['a', 007]", "[b'x']",  "[['a']]", "['a' 1]", "[1j]",
                                          "[0x1F]",     "['a',,]", "[f'x']",  "['a'",    "['a'] x"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char **items;
        int n;
        if (pylit_list(refused[i], &items, &n) == 0) fail_msg("read: %s", refused[i]);
    }
    /* Python's repr of floats. */
    static const struct {
        double v;
        const char *repr;
    } floats[] = {{1.5, "1.5"},
                  {3.0, "3.0"},
                  {1e-05, "1e-05"},
                  {1e16, "1e+16"},
                  {0.0001, "0.0001"},
                  {123456789.0, "123456789.0"},
                  {0.1 + 0.2, "0.30000000000000004"},
                  {-0.0, "-0.0"},
                  {1e22, "1e+22"},
                  {1.5e-7, "1.5e-07"},
                  {2.5e16, "2.5e+16"},
                  {1e15, "1000000000000000.0"},
                  {0.00015, "0.00015"},
                  {100.0, "100.0"}};
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        char *r = pylit_float_repr(floats[i].v);
        assert_string_equal(r, floats[i].repr);
        free(r);
    }
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
                         "a.png,,red,x,,\n"                                        /* 9: no question */
                         "a.png,Caf\xe9?,yes,x,,\n"));                             /* 10: Latin-1 */
    struct vlm_import_params p = params(f);
    assert_int_equal(vlm_import_folder(folder, NULL, f->out, &p, &f->sum, f->err, sizeof f->err), VLM_OK);
    assert_int_equal(f->sum.n_ok, 4);
    assert_int_equal(f->sum.n_bad, 5);
    assert_int_equal(f->sum.n_images, 2); /* copy-of-a.png is a.png's bytes: stored once */
    assert_non_null(strstr(f->messages, "questions.csv:6: image 'missing.png' not found"));
    assert_non_null(strstr(f->messages, "questions.csv:7: image '../outside.png' leaves the folder"));
    assert_non_null(strstr(f->messages, "questions.csv:8: image 'notes.txt' is not a JPEG, PNG, WebP or BMP image"));
    assert_non_null(strstr(f->messages, "questions.csv:9: missing 'question'"));
    assert_non_null(strstr(f->messages, "questions.csv:10: field 2 is not UTF-8 text"));
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
        cmocka_unit_test_setup_teardown(test_mmbench_dev_en, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmbench_dev_cn_v11, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmstar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seedbench_img, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ai2d_test, setup, teardown),
        cmocka_unit_test_setup_teardown(test_realworldqa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmmu_dev_val, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mme, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hallusionbench, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ocrbench, setup, teardown),
        cmocka_unit_test_setup_teardown(test_textvqa_val, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chartqa_test, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_mcq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_yes_no_and_vqa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_and_type_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_usable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reading_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_references, setup, teardown),
        cmocka_unit_test(test_python_literals),
        cmocka_unit_test_setup_teardown(test_folder_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_without_questions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
