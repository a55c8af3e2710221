/*
 * import_vlmevalkit.c - VLMEvalKit TSV files as suites (docs/import.md). Owns
 * the datasets vlmeter knows (told by the file's name or --dataset) and, per
 * row, what VLMEvalKit does with it: rows without an image dropped; cells read
 * as pandas reads them (missing-value markers, numeric columns); an image cell
 * naming another row resolved; the prompt built as the dataset's build_prompt
 * builds it, with images placed as it places them (MMMU: at the <image N>
 * markers); the scorer the dataset's metric needs; the expected answer; and
 * the benchmark groups the report's aggregates need (MMBench circular, MME per
 * image, HallusionBench per figure and question, POPE's several categories).
 */
#include "import_impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

#define VLMK_REF_MAX  64           /* an image cell this short names another row's index */
#define VLMK_BIG_FILE (1ull << 30) /* VLMEvalKit re-encodes the images of bigger files */
#define VLMK_HME      "Handwritten Mathematical Expression Recognition"
#define VLMK_VQA_TAIL "\nAnswer the question using a single word or phrase."

/* ------------------------------------------------------------ datasets */

/* How VLMEvalKit builds a dataset's prompt: ImageMCQDataset (hint, question,
 * options, instruction), ImageYORNDataset (the question), ImageVQADataset (the
 * question and a one-line instruction) or the question alone (OCRBench); or
 * RefCOCODataset (the question alone, a box as the answer: import_ground.c). */
enum vlmk_kind { VLMK_MCQ, VLMK_YORN, VLMK_VQA, VLMK_QUESTION, VLMK_GROUND };

/* The benchmark groups a dataset's aggregate needs. */
enum vlmk_groups { VLMK_NO_GROUPS, VLMK_CIRCULAR, VLMK_MME, VLMK_HALLUSION };

/* What VLMEvalKit does with one dataset. */
struct vlmk_dataset {
    const char *name; /* NULL: a file of no known dataset */
    enum vlmk_kind kind;
    const char *scorer; /* MCQ: for rows with options */
    enum vlmk_groups groups;
    bool mmmu;           /* images at <image N> markers; rows without options are open questions */
    bool multi_category; /* a category "a,b" counts under a and b (POPE) */
};

static const struct vlmk_dataset DATASETS[] = {
    {"MMBench_DEV_EN", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_DEV_CN", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_DEV_EN_V11", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_DEV_CN_V11", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_TEST_EN", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_TEST_CN", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_TEST_EN_V11", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMBench_TEST_CN_V11", VLMK_MCQ, "choice", VLMK_CIRCULAR, false, false},
    {"MMStar", VLMK_MCQ, "choice", VLMK_NO_GROUPS, false, false},
    {"SEEDBench_IMG", VLMK_MCQ, "choice", VLMK_NO_GROUPS, false, false},
    {"AI2D_TEST", VLMK_MCQ, "choice", VLMK_NO_GROUPS, false, false},
    {"RealWorldQA", VLMK_MCQ, "choice", VLMK_NO_GROUPS, false, false},
    {"MMMU_DEV_VAL", VLMK_MCQ, "choice", VLMK_NO_GROUPS, true, false},
    {"MMMU_TEST", VLMK_MCQ, "choice", VLMK_NO_GROUPS, true, false},
    {"MME", VLMK_YORN, "yesno", VLMK_MME, false, false},
    {"HallusionBench", VLMK_YORN, "yesno", VLMK_HALLUSION, false, false},
    {"POPE", VLMK_YORN, "yesno", VLMK_NO_GROUPS, false, true},
    {"OCRBench", VLMK_QUESTION, "substring", VLMK_NO_GROUPS, false, false},
    {"TextVQA_VAL", VLMK_VQA, "vqa", VLMK_NO_GROUPS, false, false},
    {"ChartQA_TEST", VLMK_VQA, "relaxed", VLMK_NO_GROUPS, false, false},
    {"DocVQA_VAL", VLMK_VQA, "anls", VLMK_NO_GROUPS, false, false},
    {"DocVQA_TEST", VLMK_VQA, "anls", VLMK_NO_GROUPS, false, false},
    {"InfoVQA_VAL", VLMK_VQA, "anls", VLMK_NO_GROUPS, false, false},
    {"InfoVQA_TEST", VLMK_VQA, "anls", VLMK_NO_GROUPS, false, false},
    {"RefCOCO", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCO_val", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCO_testA", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCO_testB", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCO+_val", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCO+_testA", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCO+_testB", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCOg_val", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
    {"RefCOCOg_test", VLMK_GROUND, "iou", VLMK_NO_GROUPS, false, false},
};
#define N_DATASETS (int)(sizeof DATASETS / sizeof DATASETS[0])

/* The dataset of that name, in any case; NULL when unknown. */
static const struct vlmk_dataset *find_dataset(const char *name) {
    for (int i = 0; i < N_DATASETS; i++)
        if (strcasecmp(DATASETS[i].name, name) == 0) return &DATASETS[i];
    return NULL;
}

static const char *kind_name(enum vlmk_kind k) {
    if (k == VLMK_GROUND) return "ground";
    return k == VLMK_MCQ ? "mcq" : k == VLMK_YORN ? "yorn" : "vqa"; /* OCRBench is a VQA set in VLMEvalKit */
}

/* ------------------------------------------------------------ cells */

/* Column positions of a VLMEvalKit TSV (-1: absent). */
struct columns {
    int index, image, image_path, question, hint, answer, category, l2, split, option[26];
    int width, height, bbox[4]; /* RefCOCO: the image size, bbox_x1, bbox_y1, bbox_x2, bbox_y2 */
};

/* RefCOCO's columns into c. */
static void find_ground_columns(const struct import_record *h, struct columns *c) {
    static const char *const names[] = {"width", "height", "bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2"};
    int *slot[] = {&c->width, &c->height, &c->bbox[0], &c->bbox[1], &c->bbox[2], &c->bbox[3]};
    for (int i = 0; i < h->n; i++)
        for (int k = 0; k < 6; k++)
            if (strcmp(h->field[i], names[k]) == 0) *slot[k] = i;
}

static void find_columns(const struct import_record *h, struct columns *c) {
    memset(c, -1, sizeof *c);
    static const char *const names[] = {"index",  "image",    "image_path",  "question", "hint",
                                        "answer", "category", "l2-category", "split"};
    int *slot[] = {&c->index,  &c->image,    &c->image_path, &c->question, &c->hint,
                   &c->answer, &c->category, &c->l2,         &c->split};
    for (int i = 0; i < h->n; i++) {
        const char *name = h->field[i];
        for (int k = 0; k < 9; k++)
            if (strcmp(name, names[k]) == 0) *slot[k] = i;
        if (strcmp(name, "l2_category") == 0) c->l2 = i;
        if (name[0] >= 'A' && name[0] <= 'Z' && name[1] == 0) c->option[name[0] - 'A'] = i;
    }
    find_ground_columns(h, c);
}

/* A cell's text, or NULL when the column is absent or the cell is NaN. */
static char *cell_dup(const struct import_record *r, int col) {
    if (col < 0 || col >= r->n || util_pandas_na(r->field[col]) /* absent to VLMEvalKit */) return NULL;
    return xstrdup(r->field[col]);
}

/* Length in code points (Python's len of the decoded text). */
static size_t utf8_length(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ------------------------------------------------------------ rows */

/* One row, kept until every row is read: an image cell may name a later row,
 * and pandas types a column by all of its cells. */
struct vlmk_row {
    int line;
    bool dropped;   /* no image: VLMEvalKit drops the row */
    bool bad;       /* reported and skipped */
    bool images_ok; /* images holds the row's images (its own, or those of the row it names) */
    char *index, *question, *hint, *answer, *category, *l2, *split, *image_path;
    char *ref;                      /* the image cell names this row index */
    char *width, *height, *bbox[4]; /* RefCOCO */
    char *options[26];
    int n_images;
    char **images; /* stored paths */
};

static void row_free(struct vlmk_row *r) {
    char *texts[] = {r->index, r->question, r->hint, r->answer, r->category, r->l2, r->split, r->image_path, r->ref};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) free(texts[i]);
    for (int i = 0; i < 26; i++) free(r->options[i]);
    free(r->width);
    free(r->height);
    for (int i = 0; i < 4; i++) free(r->bbox[i]);
    for (int i = 0; i < r->n_images; i++) free(r->images[i]);
    free(r->images);
}

static void add_image(struct vlmk_row *row, char *path) {
    row->images = xrealloc(row->images, (size_t)(row->n_images + 1) * sizeof *row->images);
    row->images[row->n_images++] = path;
}

/* The row's own images: base64, or a Python list of base64 strings (toliststr). */
static int read_own_images(struct importer *im, struct vlmk_row *row, const char *image) {
    char *path;
    if (!pylit_looks_like_list(image)) {
        if (import_store_b64(im, image, "'image'", &path) != 0) return -1;
        add_image(row, path);
        row->images_ok = true;
        return 0;
    }
    char **items;
    int n;
    if (pylit_list(image, &items, &n) != 0)
        return import_fail(im, "'image' looks like a list but is not a Python list of strings");
    int rc = n == 0 ? import_fail(im, "'image' is an empty list") : 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char what[32];
        snprintf(what, sizeof what, "'image' item %d", i + 1);
        rc = import_store_b64(im, items[i], what, &path);
        if (rc == 0) add_image(row, path);
    }
    pylit_free(items, n);
    row->images_ok = rc == 0;
    return rc;
}

/* Read one record as a row. Returns -1 (with im->why) for a bad row. */
static int read_row(struct importer *im, const struct import_record *r, const struct columns *c, struct vlmk_row *row) {
    row->line = r->line;
    int bad = import_record_bad_utf8(r);
    row->index = bad < 0 ? cell_dup(r, c->index) : NULL;
    if (!row->index) row->index = xasprintf("line-%d", r->line);
    if (bad >= 0) return import_fail(im, "field %d is not UTF-8 text", bad + 1);
    row->question = cell_dup(r, c->question);
    row->hint = cell_dup(r, c->hint);
    row->answer = cell_dup(r, c->answer);
    row->category = cell_dup(r, c->category);
    row->l2 = cell_dup(r, c->l2);
    row->split = cell_dup(r, c->split);
    row->image_path = cell_dup(r, c->image_path);
    for (int k = 0; k < 26; k++) row->options[k] = cell_dup(r, c->option[k]);
    row->width = cell_dup(r, c->width);
    row->height = cell_dup(r, c->height);
    for (int k = 0; k < 4; k++) row->bbox[k] = cell_dup(r, c->bbox[k]);
    char *image = cell_dup(r, c->image);
    if (!image) {
        row->dropped = true;
        return 0;
    }
    int rc = 0;
    if (utf8_length(image) <= VLMK_REF_MAX) row->ref = image; /* another row's index: resolved later */
    else rc = read_own_images(im, row, image);
    if (row->ref != image) free(image);
    if (rc == 0) rc = import_claim_id(im, row->index, r->line);
    return rc;
}

/* Read every row; bad ones are marked and reported, rows without an image counted. */
static int read_rows(struct importer *im, struct import_dsv *d, const struct columns *c, struct vlmk_row **rows_out,
                     int *n_out, char *err, size_t err_len) {
    struct import_record r = {0};
    struct vlmk_row *rows = NULL;
    int n = 0, cap = 0, got;
    while ((got = import_dsv_next(d, &r)) > 0) {
        util_grow((void **)&rows, &cap, n + 1, sizeof *rows);
        struct vlmk_row *row = &rows[n++];
        memset(row, 0, sizeof *row);
        if (read_row(im, &r, c, row) != 0) {
            row->bad = true;
            import_skip_row(im, r.line);
        } else if (row->dropped) {
            im->n_dropped++;
            import_note(im, r.line, "no image: dropped, as VLMEvalKit drops rows without one");
        }
    }
    import_record_free(&r);
    *rows_out = rows;
    *n_out = n;
    if (got < 0) {
        util_errf(err, err_len, "%s:%d: a quoted field is not closed before the end of the file", im->input, r.line);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* An image cell naming another row gets that row's images, as VLMEvalKit's
 * ImageBaseDataset does: one step, to a row with images of its own or to a row
 * above whose reference was already resolved. */
static int resolve_ref(struct importer *im, struct vlmk_row *rows, json_t *by_index, struct vlmk_row *row) {
    if (row->images_ok) return 0;
    json_t *at = json_object_get(by_index, row->ref);
    if (!at) return import_fail(im, "'image' refers to row index '%s', which is not in the file", row->ref);
    const struct vlmk_row *src = &rows[json_integer_value(at)];
    if (src->dropped)
        return import_fail(im, "'image' refers to row index '%s' (line %d), which has no image", row->ref, src->line);
    if (!src->images_ok && !src->ref)
        return import_fail(im, "'image' refers to row index '%s' (line %d), whose image could not be read", row->ref,
                           src->line);
    if (!src->images_ok) /* a reference itself, not followed yet: VLMEvalKit takes one step */
        return import_fail(im, "'image' refers to row index '%s' (line %d), which has no image of its own", row->ref,
                           src->line);
    for (int i = 0; i < src->n_images; i++) add_image(row, xstrdup(src->images[i]));
    row->images_ok = true;
    return 0;
}

/* ------------------------------------------------------------ pandas column types */

static bool digits_at(const char **p) {
    const char *s = *p;
    while (isdigit((unsigned char)**p)) (*p)++;
    return *p > s;
}

/* What pandas' C parser makes of a cell: 0 text, 1 an integer, 2 a decimal
 * number, 3 a boolean (True, TRUE, true, False, FALSE, false). */
static int cell_kind(const char *s) {
    static const char *const bools[] = {"True", "TRUE", "true", "False", "FALSE", "false"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, bools[i]) == 0) return 3;
    const char *p = s + (*s == '+' || *s == '-');
    bool int_part = digits_at(&p), frac = false;
    if (*p == '.') {
        p++;
        frac = true;
        if (!digits_at(&p) && !int_part) return 0;
    } else if (!int_part) {
        return 0;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        p += *p == '+' || *p == '-';
        if (!digits_at(&p)) return 0;
        frac = true;
    }
    if (*p) return 0;
    if (frac) return 2;
    errno = 0;
    strtoll(s, NULL, 10);
    return errno == ERANGE ? 0 : 1; /* past int64: left as text here */
}

/* str() of a cell of a column pandas typed as int64 (1), float64 (2) or bool (3). */
static char *typed_text(const char *s, int type) {
    if (type == 3) return xstrdup(s[0] == 'T' || s[0] == 't' ? "True" : "False");
    if (type == 1) return xasprintf("%lld", strtoll(s, NULL, 10));
    return pylit_float_repr(strtod(s, NULL));
}

/* Rewrite one column's cells (the field at `offset` in each row) as VLMEvalKit
 * prints them after pandas typed the column: all integers and no NaN -> int64
 * ("007" is 7); integers and decimals, or integers with a NaN -> float64 ("3" is
 * 3.0, "1.50" is 1.5); all booleans and no NaN -> bool. Other columns are text. */
static void type_column(struct vlmk_row *rows, int n, size_t offset) {
    bool any = false, na = false, text = false, decimal = false, boolean = false, number = false;
    for (int i = 0; i < n; i++) {
        const char *s = *(char **)((char *)&rows[i] + offset);
        if (!s) {
            na = true;
            continue;
        }
        int k = cell_kind(s);
        any = true;
        text |= k == 0;
        number |= k == 1 || k == 2;
        decimal |= k == 2;
        boolean |= k == 3;
    }
    int type = !any || text || (boolean && (number || na)) ? 0 : boolean ? 3 : decimal || na ? 2 : 1;
    if (type == 0) return;
    for (int i = 0; i < n; i++) {
        char **s = (char **)((char *)&rows[i] + offset);
        if (!*s) continue;
        char *t = typed_text(*s, type);
        free(*s);
        *s = t;
    }
}

/* The columns whose text reaches the prompt, typed as pandas types them. */
static void type_columns(struct vlmk_row *rows, int n) {
    type_column(rows, n, offsetof(struct vlmk_row, question));
    type_column(rows, n, offsetof(struct vlmk_row, hint));
    for (int k = 0; k < 26; k++) type_column(rows, n, offsetof(struct vlmk_row, options) + (size_t)k * sizeof(char *));
}

/* ------------------------------------------------------------ prompts and answers */

/* Options A.. as present; they must run from A without a gap (vlmeter's choices
 * are positional). */
static int row_options(struct importer *im, const struct vlmk_row *row, const char **opts, int *n) {
    *n = 0;
    for (int k = 0; k < 26; k++) {
        if (!row->options[k]) continue;
        if (k != *n) return import_fail(im, "option %c is given but option %c is missing", 'A' + k, 'A' + *n);
        opts[(*n)++] = row->options[k];
    }
    return 0;
}

/* The accepted answers of a cell that may be a Python list ("['cat', 'kitten']",
 * TextVQA's annotators): an array of their str(), else the text itself (as an
 * array of one when `array`). */
static json_t *answer_list(const char *answer, bool array) {
    char **items = NULL;
    int n = 0;
    if (!pylit_looks_like_list(answer) || pylit_list(answer, &items, &n) != 0 || n == 0) {
        pylit_free(items, n);
        return array ? json_pack("[s]", answer) : json_string(answer);
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(items[i]));
    pylit_free(items, n);
    return a;
}

/* The prompt text (images still to place), expected answer, choices and
 * scorer of a multiple-choice row. */
static int mcq_body(struct importer *im, const struct vlmk_dataset *ds, const struct vlmk_row *row, json_t *o,
                    char **text) {
    const char *opts[26];
    int n;
    if (row_options(im, row, opts, &n) != 0) return -1;
    const char *a = row->answer;
    if (n > 0 && a && (strlen(a) != 1 || a[0] < 'A' || a[0] >= 'A' + n))
        return import_fail(im, "answer '%s' is not the letter of one of the %d options", a, n);
    *text = import_mcq_prompt(row->hint, row->question ? row->question : "nan", opts, n); /* str(NaN) */
    if (n > 0) {
        json_t *choices = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(choices, json_string(opts[i]));
        json_object_set_new(o, "choices", choices);
    }
    if (a) json_object_set_new(o, "answer", json_string(a));
    /* MMMU's open questions: VLMEvalKit scores them as options "the answer" and "Other Answers". */
    json_object_set_new(o, "scorer", json_string(n > 0 ? ds->scorer : ds->mmmu ? "open" : "exact"));
    return 0;
}

/* A RefCOCO cell as a number (pandas' to_numeric): false when it is not one. */
static bool ground_cell(const char *s, double *v) {
    char *end;
    if (!s) return false;
    *v = strtod(s, &end);
    return end != s && !*end && isfinite(*v);
}

/* A RefCOCO row's expected answer, as RefCOCODataset finds its ground truth:
 * bbox_x1..bbox_y2 in pixels when all four are numbers, else the answer read
 * by import_ground_vlmk_box; the size from width and height, else from the
 * image itself (docs/import.md). */
static int ground_answer(struct importer *im, const struct vlmk_row *row, json_t **answer) {
    double w, h, b[4];
    bool cols = true;
    *answer = NULL;
    for (int k = 0; k < 4; k++) cols = cols && ground_cell(row->bbox[k], &b[k]);
    if (!cols && !row->answer) return 0; /* no ground truth: not scored */
    if (!ground_cell(row->width, &w) || !ground_cell(row->height, &h) || w <= 0 || h <= 0) {
        if (row->n_images < 1 || import_image_size(im, row->images[0], &w, &h) != 0) return -1;
    }
    if (!cols && import_ground_vlmk_box(row->answer, w, h, b) != 0)
        return import_fail(im, "answer '%.60s' holds no box [x1, y1, x2, y2]", row->answer);
    if (!(b[0] < b[2] && b[1] < b[3]))
        return import_fail(im, "the box [%g, %g, %g, %g] is empty", b[0], b[1], b[2], b[3]);
    *answer = import_ground_answer((const double(*)[4])b, 1, w, h);
    return 0;
}

/* The prompt text, expected answer and scorer of a row of any other kind. */
static int question_body(struct importer *im, const struct vlmk_dataset *ds, const struct vlmk_row *row, json_t *o,
                         char **text) {
    if (!row->question) return import_fail(im, "missing 'question'");
    const char *a = row->answer;
    json_t *answer = NULL;
    if (ds->kind == VLMK_GROUND) { /* RefCOCODataset: ImageBaseDataset's prompt, the question alone */
        *text = xstrdup(row->question);
        if (ground_answer(im, row, &answer) != 0) return -1;
    } else if (ds->kind == VLMK_YORN) {
        if (a && !import_is_yes_no(a)) return import_fail(im, "answer '%s' is not Yes or No", a);
        *text = xstrdup(row->question);
        if (a) answer = json_string(a);
    } else if (ds->kind == VLMK_VQA) {
        *text = xasprintf("%s" VLMK_VQA_TAIL, row->question);
        if (a) answer = answer_list(a, false);
    } else { /* OCRBench: the question alone; the answer a list, case kept for formulas */
        *text = xstrdup(row->question);
        if (a) answer = answer_list(a, true);
        bool math = row->category && strcmp(row->category, VLMK_HME) == 0;
        if (answer && math && !im->p->scorer) answer = json_pack("{s:o,s:b}", "answers", answer, "math", 1);
    }
    if (answer) json_object_set_new(o, "answer", answer);
    json_object_set_new(o, "scorer", json_string(ds->scorer));
    return 0;
}

/* ------------------------------------------------------------ images in the prompt */

/* MMMU (MMMUDataset.split_MMMU): the text is cut at each "<image " and the piece
 * after it must start with a digit N and '>'; image N (1-based; 0 the last) goes
 * there. vlmeter writes "<image>" for it and lists the images in that order, so
 * a repeated marker repeats its image and an image no marker names is left out. */
static int place_mmmu(struct importer *im, const struct vlmk_row *row, const char *text, char **prompt,
                      json_t *images) {
    const char *m = strstr(text, "<image ");
    if (!m) return 1; /* no marker: the images go first */
    size_t len = 0, cap = 0;
    char *out = NULL;
    util_buf_append(&out, &len, &cap, text, (size_t)(m - text));
    while (m) {
        const char *piece = m + 7;
        if (!isdigit((unsigned char)piece[0]) || piece[1] != '>') {
            free(out);
            return import_fail(im, "'<image %.2s' is not an image marker '<image N>' with N a digit", piece);
        }
        int k = piece[0] == '0' ? row->n_images - 1 : piece[0] - '1';
        if (k >= row->n_images) {
            free(out);
            return import_fail(im, "'<image %c>' but the row has %d images", piece[0], row->n_images);
        }
        json_array_append_new(images, json_string(row->images[k]));
        m = strstr(piece + 2, "<image ");
        util_buf_append(&out, &len, &cap, "<image>", 7);
        util_buf_append(&out, &len, &cap, piece + 2, m ? (size_t)(m - piece - 2) : strlen(piece + 2));
    }
    *prompt = out;
    return 0;
}

/* The prompt and its images: all images first (vlmeter puts images no marker
 * takes before the text), or MMMU's placement. */
static int place_images(struct importer *im, const struct vlmk_dataset *ds, const struct vlmk_row *row,
                        const char *text, json_t *o) {
    if (strstr(text, "<image>"))
        return import_fail(im, "the prompt holds the text '<image>', which vlmeter would read as an image marker");
    json_t *images = json_array();
    char *prompt = NULL;
    int rc = ds->mmmu ? place_mmmu(im, row, text, &prompt, images) : 1;
    if (rc == 1) {
        for (int i = 0; i < row->n_images; i++) json_array_append_new(images, json_string(row->images[i]));
        prompt = xstrdup(text);
        rc = 0;
    }
    json_object_set_new(o, "images", images);
    if (rc == 0) json_object_set_new(o, "prompt", json_string(prompt));
    free(prompt);
    return rc;
}

/* ------------------------------------------------------------ categories and groups */

/* The case's category: POPE's "a,b" is the array ["a","b"] (split on ',' as
 * POPE_rating splits it, spaces kept). */
static json_t *category_value(const struct vlmk_dataset *ds, const char *category) {
    if (!category) return json_string("");
    if (!ds->multi_category || !strchr(category, ',')) return json_string(category);
    json_t *a = json_array();
    for (const char *p = category;; p++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, n));
        if (!comma) break;
        p = comma;
    }
    return a;
}

/* MMBench's circular group: the index modulo 1000000 (the rotated copies of a
 * question are index + k * 1000000). */
static json_t *circular_group(struct importer *im, const struct vlmk_row *row) {
    char *end;
    errno = 0;
    long long v = strtoll(row->index, &end, 10);
    if (errno || *end || end == row->index || isspace((unsigned char)row->index[0])) {
        import_note(im, row->line, "index '%s' is not a whole number: imported without its circular group", row->index);
        return NULL;
    }
    char key[32];
    snprintf(key, sizeof key, "%lld", (v % 1000000 + 1000000) % 1000000);
    return json_pack("{s:s}", "circular", key);
}

/* MME's image group: "category/image_path" (acc+ needs both questions of an image). */
static json_t *mme_group(struct importer *im, const struct vlmk_row *row) {
    if (!row->image_path) {
        import_note(im, row->line, "no 'image_path': imported without its image group (MME's acc+)");
        return NULL;
    }
    char **items = NULL;
    int n = 0;
    const char *path = row->image_path; /* toliststr: a list of one is that one */
    if (pylit_looks_like_list(path) && pylit_list(path, &items, &n) == 0 && n == 1) path = items[0];
    char *key = xasprintf("%s/%s", row->category ? row->category : "nan", path);
    pylit_free(items, n);
    json_t *g = json_pack("{s:s}", "image", key);
    free(key);
    return g;
}

/* HallusionBench's figure and question groups, from fields 3, 4 and 5 of the
 * index split on '_' (Hallusion_rating): "l2_set_figure", "l2_set_question". */
static json_t *hallusion_group(struct importer *im, const struct vlmk_row *row) {
    const char *f[6];
    size_t len[6];
    int n = 0;
    for (const char *p = row->index; n < 6; n++) {
        const char *us = strchr(p, '_');
        f[n] = p;
        len[n] = us ? (size_t)(us - p) : strlen(p);
        if (!us) {
            n++;
            break;
        }
        p = us + 1;
    }
    if (n < 6) {
        import_note(im, row->line,
                    "index '%s' has fewer than 6 '_'-separated fields: imported without its figure and question "
                    "groups",
                    row->index);
        return NULL;
    }
    const char *l2 = row->l2 ? row->l2 : "nan";
    char *fig = xasprintf("%s_%.*s_%.*s", l2, (int)len[3], f[3], (int)len[4], f[4]);
    char *q = xasprintf("%s_%.*s_%.*s", l2, (int)len[3], f[3], (int)len[5], f[5]);
    json_t *g = json_pack("{s:s,s:s}", "figure", fig, "question", q);
    free(fig);
    free(q);
    return g;
}

static json_t *row_groups(struct importer *im, const struct vlmk_dataset *ds, const struct vlmk_row *row) {
    if (ds->groups == VLMK_CIRCULAR) return circular_group(im, row);
    if (ds->groups == VLMK_MME) return mme_group(im, row);
    if (ds->groups == VLMK_HALLUSION) return hallusion_group(im, row);
    return NULL;
}

/* ------------------------------------------------------------ cases */

/* Write one row as a case. Returns 0, -1 for a bad row (im->why), -2 when the
 * suite cannot be written. */
static int write_row(struct importer *im, const struct vlmk_dataset *ds, const struct vlmk_row *row) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(row->index));
    json_object_set_new(o, "category", category_value(ds, row->category));
    if (row->l2) json_object_set_new(o, "l2_category", json_string(row->l2));
    if (row->split) json_object_set_new(o, "split", json_string(row->split));
    char *text = NULL;
    int rc = ds->kind == VLMK_MCQ ? mcq_body(im, ds, row, o, &text) : question_body(im, ds, row, o, &text);
    if (rc == 0) rc = place_images(im, ds, row, text, o);
    if (rc == 0 && im->p->scorer) json_object_set_new(o, "scorer", json_string(im->p->scorer));
    json_t *groups = rc == 0 ? row_groups(im, ds, row) : NULL;
    if (groups) json_object_set_new(o, "groups", groups);
    json_object_set_new(o, "source", json_string("vlmevalkit"));
    if (rc == 0) rc = import_write_case(im, o);
    json_decref(o);
    free(text);
    return rc;
}

static int write_rows(struct importer *im, const struct vlmk_dataset *ds, struct vlmk_row *rows, int n, char *err,
                      size_t err_len) {
    json_t *by_index = json_object(); /* the first row of each index */
    for (int i = 0; i < n; i++)
        if (!json_object_get(by_index, rows[i].index)) json_object_set_new(by_index, rows[i].index, json_integer(i));
    int rc = VLM_OK;
    for (int i = 0; i < n && rc == VLM_OK; i++) {
        if (rows[i].bad || rows[i].dropped) continue;
        int r = resolve_ref(im, rows, by_index, &rows[i]);
        if (r == 0) r = write_row(im, ds, &rows[i]);
        if (r == -1) {
            rows[i].bad = true;
            import_skip_row(im, rows[i].line);
        }
        if (r == -2) {
            util_errf(err, err_len, "cannot write the suite: %s", strerror(errno));
            rc = VLM_ERR_IO;
        }
    }
    json_decref(by_index);
    return rc;
}

/* ------------------------------------------------------------ the file */

static bool contains_nocase(const char *s, const char *needle) {
    for (; *s; s++)
        if (strncasecmp(s, needle, strlen(needle)) == 0) return true;
    return false;
}

/* A file of no known dataset: mcq when the header has columns A and B; else
 * yorn when every answer is Yes or No; else vqa (docs/import.md). */
static enum vlmk_kind detect_kind(const struct columns *c, const struct vlmk_row *rows, int n) {
    if (c->option[0] >= 0 && c->option[1] >= 0) return VLMK_MCQ;
    if (c->bbox[0] >= 0 && c->bbox[1] >= 0 && c->bbox[2] >= 0 && c->bbox[3] >= 0) return VLMK_GROUND;
    int yes_no = 0, other = 0;
    for (int i = 0; i < n; i++) {
        if (rows[i].bad || rows[i].dropped || !rows[i].answer) continue;
        if (import_is_yes_no(rows[i].answer)) yes_no++;
        else other++;
    }
    return yes_no > 0 && other == 0 ? VLMK_YORN : VLMK_VQA;
}

/* The treatment of a file of no known dataset, by kind. */
static struct vlmk_dataset generic_dataset(enum vlmk_kind kind, const char *path) {
    struct vlmk_dataset g = {.kind = kind};
    bool anls = contains_nocase(path, "docvqa") || contains_nocase(path, "infovqa"); /* scored by ANLS */
    g.scorer = kind == VLMK_MCQ      ? "choice"
               : kind == VLMK_YORN   ? "yesno"
               : kind == VLMK_GROUND ? "iou"
               : anls                ? "anls"
                                     : "vqa";
    return g;
}

static int kind_of(const char *type, enum vlmk_kind *kind) {
    if (strcmp(type, "mcq") == 0) *kind = VLMK_MCQ;
    else if (strcmp(type, "yorn") == 0) *kind = VLMK_YORN;
    else if (strcmp(type, "vqa") == 0) *kind = VLMK_VQA;
    else if (strcmp(type, "ground") == 0) *kind = VLMK_GROUND;
    else return -1;
    return 0;
}

/* Check --dataset and --type; *ds gets the named dataset (NULL: none named). */
static int check_params(const struct vlm_import_params *p, const struct vlmk_dataset **ds, char *err, size_t err_len) {
    enum vlmk_kind kind;
    *ds = NULL;
    if (p->type && kind_of(p->type, &kind) != 0) {
        util_errf(err, err_len, "unknown VLMEvalKit type '%s' (mcq, yorn, vqa or ground)", p->type);
        return VLM_ERR_INPUT;
    }
    if (p->type && p->dataset) {
        util_errf(err, err_len, "give a dataset or a type, not both (a dataset sets its own type)");
        return VLM_ERR_INPUT;
    }
    if (p->dataset && !(*ds = find_dataset(p->dataset))) {
        char known[1024] = "";
        for (int i = 0; i < N_DATASETS; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", DATASETS[i].name);
        util_errf(err, err_len, "unknown VLMEvalKit dataset '%s' (known: %s)", p->dataset, known);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* Open the TSV and read its header. */
static int open_tsv(const char *path, struct import_dsv *d, struct columns *cols, char *err, size_t err_len) {
    d->f = fopen(path, "rb");
    if (!d->f) {
        util_errf(err, err_len, "cannot open '%s': %s", path, strerror(errno));
        return VLM_ERR_IO;
    }
    struct import_record header = {0};
    int rc = import_dsv_next(d, &header) > 0 ? VLM_OK : VLM_ERR_INPUT;
    if (rc != VLM_OK) util_errf(err, err_len, "%s: empty file, no header row", path);
    find_columns(&header, cols);
    import_record_free(&header);
    if (rc == VLM_OK && (cols->question < 0 || cols->image < 0)) {
        util_errf(err, err_len, "%s:1: not a VLMEvalKit TSV: no '%s' column", path,
                  cols->question < 0 ? "question" : "image");
        rc = VLM_ERR_INPUT;
    }
    return rc;
}

/* File-level notes: a big file VLMEvalKit re-encodes, a column a dataset's
 * groups need (MME without 'image_path': no groups). */
static void file_notes(struct importer *im, struct vlmk_dataset *ds, const struct columns *c) {
    struct stat st;
    if (stat(im->input, &st) == 0 && (unsigned long long)st.st_size > VLMK_BIG_FILE)
        import_note(im, 0,
                    "over 1 GiB: VLMEvalKit re-encodes the images of such a file as JPEG (quality 75) before "
                    "asking; vlmeter keeps the original images");
    if (ds->groups == VLMK_HALLUSION && c->l2 < 0)
        import_note(im, 0, "no 'l2-category' column: the figure and question groups read 'nan' for it");
    if (ds->groups == VLMK_MME && c->image_path < 0) {
        import_note(im, 0, "no 'image_path' column: cases get no image group (MME's acc+ needs it)");
        ds->groups = VLMK_NO_GROUPS;
    }
}

int vlm_import_vlmevalkit(const char *tsv_path, const char *outdir, const struct vlm_import_params *p,
                          struct vlm_import_summary *sum, char *err, size_t err_len) {
    struct vlm_import_params defaults = vlm_import_default_params();
    struct vlm_import_summary local;
    if (!p) p = &defaults;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    const struct vlmk_dataset *named;
    int rc = check_params(p, &named, err, err_len);
    if (rc != VLM_OK) return rc;
    struct import_dsv d = {0};
    d.sep = '\t';
    struct columns cols;
    rc = open_tsv(tsv_path, &d, &cols, err, err_len);
    if (rc != VLM_OK) {
        if (d.f) fclose(d.f);
        free(d.buf);
        return rc;
    }
    char *name = p->name ? xstrdup(p->name) : import_stem(tsv_path), *tmp = NULL, *file_stem = import_stem(tsv_path);
    if (!named && !p->type) named = find_dataset(file_stem);
    struct importer im = {.p = p, .input = tsv_path};
    struct vlmk_row *rows = NULL;
    int n = 0;
    rc = import_open_output(&im, outdir, name, sum, &tmp, err, err_len);
    if (rc == VLM_OK) rc = read_rows(&im, &d, &cols, &rows, &n, err, err_len);
    enum vlmk_kind kind = VLMK_VQA;
    if (p->type) kind_of(p->type, &kind);
    else if (!named) kind = detect_kind(&cols, rows, n);
    struct vlmk_dataset ds = named ? *named : generic_dataset(kind, file_stem);
    snprintf(sum->type, sizeof sum->type, "%s", kind_name(ds.kind));
    snprintf(sum->dataset, sizeof sum->dataset, "%s", ds.name ? ds.name : "");
    if (rc == VLM_OK) {
        file_notes(&im, &ds, &cols);
        type_columns(rows, n);
        rc = write_rows(&im, &ds, rows, n, err, err_len);
    }
    if (im.out || tmp) rc = import_close_output(&im, rc, tmp, sum, err, err_len);
    else free(im.images_dir);
    for (int i = 0; i < n; i++) row_free(&rows[i]);
    free(rows);
    free(name);
    free(file_stem);
    free(d.buf);
    fclose(d.f);
    return rc;
}
