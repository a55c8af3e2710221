/*
 * import.c - importers that turn other people's test data into suite v1
 * (docs/import.md): VLMEvalKit TSV files (base64 images, options A..Z, hint,
 * answer, category) with VLMEvalKit's own prompts, and a folder of images with
 * a CSV or JSONL file of questions. Owns the delimited-text reader, base64
 * decoding, and the image store that writes each image once under a 64-bit
 * FNV-1a hash of its bytes. A bad row is reported as "FILE:LINE: why" and
 * skipped; the other rows are imported.
 */
#include "vlmeter.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "util.h"

#define MAX_IMAGES_PER_ROW 64

/* ------------------------------------------------------------ delimited text */

/* One record of a TSV or CSV file, read the way pandas.read_csv reads it: a
 * field may be quoted with '"' (then it may hold separators and newlines, and
 * "" stands for one quote); blank lines are skipped. */
struct record {
    char **field;
    int n, cap;
    int line; /* the line the record starts on (1-based) */
};

struct dsv {
    FILE *f;
    char sep;
    int line;  /* lines read so far */
    char *buf; /* the field being read */
    size_t len, cap;
};

static void buf_put(struct dsv *d, char c) {
    if (d->len + 1 >= d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->buf = xrealloc(d->buf, d->cap);
    }
    d->buf[d->len++] = c;
}

static void record_clear(struct record *r) {
    for (int i = 0; i < r->n; i++) free(r->field[i]);
    r->n = 0;
}

static void record_free(struct record *r) {
    record_clear(r);
    free(r->field);
}

static void end_field(struct dsv *d, struct record *r) {
    while (d->len > 0 && d->buf[d->len - 1] == '\r') d->len--; /* CRLF files */
    buf_put(d, 0);
    util_grow((void **)&r->field, &r->cap, r->n + 1, sizeof *r->field);
    r->field[r->n++] = xstrdup(d->buf);
    d->len = 0;
}

/* The next record into r. Returns 1, 0 at the end of the file, or -1 when the
 * file ends inside a quoted field. */
static int dsv_next(struct dsv *d, struct record *r) {
    for (;;) {
        record_clear(r);
        r->line = d->line + 1;
        bool quoted = false, any = false;
        int c;
        d->len = 0;
        while ((c = getc_unlocked(d->f)) != EOF) {
            any = true;
            if (quoted) {
                if (c == '"') {
                    int next = getc_unlocked(d->f);
                    if (next == '"') buf_put(d, '"');
                    else {
                        quoted = false;
                        if (next != EOF) ungetc(next, d->f);
                    }
                } else {
                    if (c == '\n') d->line++;
                    buf_put(d, (char)c);
                }
            } else if (c == '"' && d->len == 0) {
                quoted = true;
            } else if (c == d->sep) {
                end_field(d, r);
            } else if (c == '\n') {
                d->line++;
                break;
            } else {
                buf_put(d, (char)c);
            }
        }
        if (quoted) return -1;
        if (!any) return 0;
        end_field(d, r);
        if (r->n == 1 && r->field[0][0] == 0) continue; /* a blank line */
        return 1;
    }
}

/* ------------------------------------------------------------ base64, hashing */

static int b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode standard base64 (whitespace ignored, '=' padding only at the end).
 * Returns the bytes (caller frees) or NULL with why saying where it went wrong. */
static unsigned char *b64_decode(const char *s, size_t *out_len, char *why, size_t why_len) {
    size_t n = strlen(s), o = 0, pad = 0;
    unsigned char *out = xmalloc(n / 4 * 3 + 3);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        int v = c == '=' ? 0 : b64_value(c);
        if (v < 0 || (pad > 0 && c != '=')) {
            snprintf(why, why_len, "invalid base64 at character %zu", i + 1);
            free(out);
            return NULL;
        }
        if (c == '=' && ++pad > 2) break;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (pad > 2 || (bits >= 6 && pad == 0) || o < pad) {
        snprintf(why, why_len, "invalid base64: the data is cut short");
        free(out);
        return NULL;
    }
    *out_len = o - pad;
    return out;
}

/* 64-bit FNV-1a. */
static uint64_t fnv1a64(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The file name extension of an image format, told by its first bytes. */
static const char *image_ext(const unsigned char *b, size_t n) {
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "jpg";
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) return "webp";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
    return NULL;
}

/* ------------------------------------------------------------ the import */

/* What an import run holds: where things go, what was written, messages. */
struct importer {
    const struct vlm_import_params *p;
    const char *input; /* the file rows come from, for messages */
    char *images_dir;  /* OUTDIR/images */
    json_t *stored;    /* image file name -> true */
    json_t *ids;       /* case id -> line of first use */
    FILE *out;         /* the suite being written */
    int n_ok, n_bad;
    char why[512]; /* why the current row is bad */
};

static int row_fail(struct importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int row_fail(struct importer *im, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->why, sizeof im->why, fmt, ap);
    va_end(ap);
    return -1;
}

/* Report the current row as skipped: "FILE:LINE: why". */
static void skip_row(struct importer *im, int line) {
    im->n_bad++;
    if (!im->p->on_message) return;
    char *msg = xasprintf("%s:%d: %s", im->input, line, im->why);
    im->p->on_message(msg, im->p->user);
    free(msg);
}

static int write_file(const char *path, const unsigned char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    bool ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Store image bytes once, as images/HASH.EXT; *rel receives that path (caller frees). */
static int store_image(struct importer *im, const unsigned char *data, size_t n, const char *what, char **rel) {
    const char *ext = image_ext(data, n);
    if (!ext) return row_fail(im, "%s is not a JPEG, PNG, WebP or BMP image", what);
    char name[64];
    snprintf(name, sizeof name, "%016llx.%s", (unsigned long long)fnv1a64(data, n), ext);
    if (!json_object_get(im->stored, name)) {
        char *path = util_path_join(im->images_dir, name);
        int rc = util_file_size(path) == n ? 0 : write_file(path, data, n);
        if (rc != 0) row_fail(im, "cannot write '%s': %s", path, strerror(errno));
        free(path);
        if (rc != 0) return -1;
        json_object_set_new(im->stored, name, json_true());
    }
    *rel = xasprintf("images/%s", name);
    return 0;
}

/* Append one case line to the suite. */
static int write_case(struct importer *im, json_t *obj) {
    char *line = json_dumps(obj, JSON_COMPACT);
    int ok = line && fprintf(im->out, "%s\n", line) >= 0;
    free(line);
    if (ok) im->n_ok++;
    return ok ? 0 : -1;
}

/* Claim a case id; a repeat is a row error. */
static int claim_id(struct importer *im, const char *id, int line) {
    json_t *first = json_object_get(im->ids, id);
    if (first) return row_fail(im, "duplicate id '%s' (first at line %d)", id, (int)json_integer_value(first));
    json_object_set_new(im->ids, id, json_integer(line));
    return 0;
}

/* VLMEvalKit's multiple-choice prompt (ImageMCQDataset.build_prompt):
 * "Hint: H\n" when there is a hint, "Question: Q\n", then "Options:\n",
 * "A. x\n" per option and "Please select the correct answer from the options above. \n". */
static char *mcq_prompt(const char *hint, const char *question, const char *const *opts, int n) {
    size_t len = strlen(question) + (hint ? strlen(hint) : 0) + 128;
    for (int i = 0; i < n; i++) len += strlen(opts[i]) + 8;
    char *s = xmalloc(len), *o = s;
    if (hint) o += sprintf(o, "Hint: %s\n", hint);
    o += sprintf(o, "Question: %s\n", question);
    if (n > 0) {
        o += sprintf(o, "Options:\n");
        for (int i = 0; i < n; i++) o += sprintf(o, "%c. %s\n", 'A' + i, opts[i]);
        sprintf(o, "Please select the correct answer from the options above. \n");
    }
    return s;
}

static bool is_yes_no(const char *s) { return s && (strcasecmp(s, "yes") == 0 || strcasecmp(s, "no") == 0); }

/* A whole number or decimal, optionally signed. */
static bool is_number(const char *s) {
    char *end;
    if (!s || !*s || isspace((unsigned char)*s)) return false;
    strtod(s, &end);
    return *end == 0;
}

static int open_output(struct importer *im, const char *outdir, const char *name, struct vlm_import_summary *sum,
                       char **tmp, char *err, size_t err_len) {
    im->images_dir = util_path_join(outdir, "images");
    if (util_mkdirs(im->images_dir) != 0) {
        util_errf(err, err_len, "cannot create '%s': %s", im->images_dir, strerror(errno));
        return VLM_ERR_IO;
    }
    char *file = xasprintf("%s.jsonl", name);
    char *path = util_path_join(outdir, file);
    free(file);
    snprintf(sum->suite, sizeof sum->suite, "%s", path);
    *tmp = xasprintf("%s.tmp", path);
    free(path);
    im->out = fopen(*tmp, "wb");
    if (!im->out) {
        util_errf(err, err_len, "cannot write '%s': %s", *tmp, strerror(errno));
        return VLM_ERR_IO;
    }
    im->stored = json_object();
    im->ids = json_object();
    return VLM_OK;
}

/* Close the suite (renamed into place when all went well) and fill the summary. */
static int close_output(struct importer *im, int rc, char *tmp, struct vlm_import_summary *sum, char *err,
                        size_t err_len) {
    if (im->out && fclose(im->out) != 0 && rc == VLM_OK) {
        util_errf(err, err_len, "cannot write '%s': %s", tmp, strerror(errno));
        rc = VLM_ERR_IO;
    }
    if (rc == VLM_OK && rename(tmp, sum->suite) != 0) {
        util_errf(err, err_len, "cannot write '%s': %s", sum->suite, strerror(errno));
        rc = VLM_ERR_IO;
    }
    if (tmp && rc != VLM_OK) remove(tmp);
    sum->n_ok = im->n_ok;
    sum->n_bad = im->n_bad;
    sum->n_images = (int)json_object_size(im->stored);
    free(tmp);
    free(im->images_dir);
    json_decref(im->stored);
    json_decref(im->ids);
    return rc;
}

/* The file name without its folder and extension: the default suite name. */
static char *stem(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    for (size_t i = n; i > 1; i--)
        if (base[i - 1] == '.') {
            n = i - 1;
            break;
        }
    return n ? xasprintf("%.*s", (int)n, base) : xstrdup("imported");
}

struct vlm_import_params vlm_import_default_params(void) {
    return (struct vlm_import_params){0};
}

/* ------------------------------------------------------------ VLMEvalKit */

/* pandas.read_csv's default missing-value markers: such a cell is NaN, which
 * VLMEvalKit treats as absent (an option, a hint, an answer). */
static bool is_na(const char *s) {
    static const char *const na[] = {
        "",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A",  "NA",       "NULL", "NaN",     "None",     "n/a",  "nan",  "null",
    };
    for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
        if (strcmp(s, na[i]) == 0) return true;
    return false;
}

/* Column positions of a VLMEvalKit TSV (-1: absent). */
struct columns {
    int index, image, question, hint, answer, category, l2, option[26];
};

static void find_columns(const struct record *h, struct columns *c) {
    memset(c, -1, sizeof *c);
    for (int i = 0; i < h->n; i++) {
        const char *name = h->field[i];
        if (strcmp(name, "index") == 0) c->index = i;
        else if (strcmp(name, "image") == 0) c->image = i;
        else if (strcmp(name, "question") == 0) c->question = i;
        else if (strcmp(name, "hint") == 0) c->hint = i;
        else if (strcmp(name, "answer") == 0) c->answer = i;
        else if (strcmp(name, "category") == 0) c->category = i;
        else if (strcmp(name, "l2-category") == 0 || strcmp(name, "l2_category") == 0) c->l2 = i;
        else if (name[0] >= 'A' && name[0] <= 'Z' && name[1] == 0) c->option[name[0] - 'A'] = i;
    }
}

/* A cell's text, or NULL when the column is absent or the cell is NaN. */
static const char *cell(const struct record *r, int col) {
    if (col < 0 || col >= r->n || is_na(r->field[col])) return NULL;
    return r->field[col];
}

/* One row kept until every row is read (an image may name a later row). */
struct tsv_row {
    int line;
    bool bad;
    char *index, *question, *hint, *answer, *category, *l2;
    char *options[26];
    int n_images;
    char *images[MAX_IMAGES_PER_ROW]; /* stored paths, or NULL where ref[i] names a row */
    char *ref[MAX_IMAGES_PER_ROW];    /* the index another row's image is taken from */
};

static void tsv_row_free(struct tsv_row *r) {
    free(r->index);
    free(r->question);
    free(r->hint);
    free(r->answer);
    free(r->category);
    free(r->l2);
    for (int i = 0; i < 26; i++) free(r->options[i]);
    for (int i = 0; i < r->n_images; i++) {
        free(r->images[i]);
        free(r->ref[i]);
    }
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* Python string literal contents (toliststr's eval of "['a', 'b']"): the text
 * between matching quotes with \\, \', \", \n, \t unescaped. */
static const char *py_string(const char *p, char **out) {
    char q = *p++;
    size_t cap = strlen(p) + 1, n = 0;
    char *s = xmalloc(cap);
    for (; *p && *p != q; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            s[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        } else {
            s[n++] = *p;
        }
    }
    s[n] = 0;
    if (*p != q) {
        free(s);
        return NULL;
    }
    *out = s;
    return p + 1;
}

/* Parse a Python list of strings or numbers, "['a', "b", 3]"; -1 if malformed. */
static int py_list(const char *s, char **items, int max, int *n) {
    const char *p = s + 1;
    *n = 0;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == ']' && *n == 0) return p[1] == 0 ? 0 : -1;
        if (*n == max) return -1;
        if (*p == '\'' || *p == '"') {
            p = py_string(p, &items[*n]);
            if (!p) return -1;
        } else {
            const char *end = p;
            while (*end && *end != ',' && *end != ']') end++;
            size_t len = (size_t)(end - p);
            while (len > 0 && isspace((unsigned char)p[len - 1])) len--;
            if (len == 0) return -1;
            items[*n] = xasprintf("%.*s", (int)len, p);
            p = end;
        }
        (*n)++;
        while (isspace((unsigned char)*p)) p++;
        if (*p == ']') return p[1] == 0 ? 0 : -1;
        if (*p++ != ',') return -1;
    }
}

static bool looks_like_list(const char *s) {
    size_t n = strlen(s);
    return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

/* One image value: base64 data (stored), or a short text naming another row. */
static int read_image_value(struct importer *im, struct tsv_row *row, const char *value, const char *what) {
    int i = row->n_images;
    if (strlen(value) <= 64) { /* VLMEvalKit: an image of 64 characters or fewer is another row's index */
        row->ref[i] = xstrdup(value);
        row->n_images++;
        return 0;
    }
    size_t n;
    char why[128];
    unsigned char *data = b64_decode(value, &n, why, sizeof why);
    if (!data) return row_fail(im, "%s: %s", what, why);
    int rc = store_image(im, data, n, what, &row->images[i]);
    free(data);
    if (rc == 0) row->n_images++;
    return rc;
}

static int read_images(struct importer *im, struct tsv_row *row, const char *field) {
    if (!field) return row_fail(im, "missing 'image'");
    if (!looks_like_list(field)) return read_image_value(im, row, field, "'image'");
    char *items[MAX_IMAGES_PER_ROW];
    int n = 0, rc = py_list(field, items, MAX_IMAGES_PER_ROW, &n);
    if (rc != 0) row_fail(im, "'image' looks like a list but is not a Python list of strings");
    else if (n == 0) rc = row_fail(im, "'image' is an empty list");
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "'image' item %d", i + 1);
        if (rc == 0) rc = read_image_value(im, row, items[i], what);
        free(items[i]);
    }
    return rc;
}

static int read_tsv_row(struct importer *im, const struct record *r, const struct columns *c, struct tsv_row *row) {
    row->line = r->line;
    const char *index = cell(r, c->index);
    row->index = index ? xstrdup(index) : xasprintf("line-%d", r->line);
    if (!cell(r, c->question)) return row_fail(im, "missing 'question'");
    row->question = xstrdup(cell(r, c->question));
    row->hint = dup_or_null(cell(r, c->hint));
    row->answer = dup_or_null(cell(r, c->answer));
    row->category = dup_or_null(cell(r, c->category));
    row->l2 = dup_or_null(cell(r, c->l2));
    for (int k = 0; k < 26; k++) row->options[k] = dup_or_null(cell(r, c->option[k]));
    if (claim_id(im, row->index, r->line) != 0) return -1;
    return read_images(im, row, cell(r, c->image));
}

/* Index references resolved to the stored images of the rows they name. */
static int resolve_refs(struct importer *im, const struct tsv_row *rows, json_t *by_index, struct tsv_row *row) {
    for (int i = 0; i < row->n_images; i++) {
        if (!row->ref[i]) continue;
        json_t *at = json_object_get(by_index, row->ref[i]);
        const struct tsv_row *src = at ? &rows[json_integer_value(at)] : NULL;
        if (!src) return row_fail(im, "'image' refers to row index '%s', which is not in the file", row->ref[i]);
        if (src->n_images != 1 || !src->images[0])
            return row_fail(im, "'image' refers to row index '%s' (line %d), which has no image of its own",
                            row->ref[i], src->line);
        row->images[i] = xstrdup(src->images[0]);
    }
    return 0;
}

/* mcq, yorn or vqa, from the columns and answers (docs/import.md). */
static const char *detect_type(const struct columns *c, const struct tsv_row *rows, int n) {
    if (c->option[0] >= 0 && c->option[1] >= 0) return "mcq";
    int yes_no = 0, other = 0;
    for (int i = 0; i < n; i++) {
        if (rows[i].bad || !rows[i].answer) continue;
        if (is_yes_no(rows[i].answer)) yes_no++;
        else other++;
    }
    return yes_no > 0 && other == 0 ? "yorn" : "vqa";
}

/* Options A.. as present; they must run from A without a gap. */
static int row_options(struct importer *im, const struct tsv_row *row, const char **opts, int *n) {
    *n = 0;
    for (int k = 0; k < 26; k++) {
        if (!row->options[k]) continue;
        if (k != *n) return row_fail(im, "option %c is given but option %c is missing", 'A' + k, 'A' + *n);
        opts[(*n)++] = row->options[k];
    }
    return 0;
}

/* The expected answer of a VQA row: a Python list of answers becomes an array. */
static json_t *vqa_answer(const char *answer) {
    char *items[MAX_IMAGES_PER_ROW];
    int n = 0;
    if (!looks_like_list(answer) || py_list(answer, items, MAX_IMAGES_PER_ROW, &n) != 0 || n == 0) {
        for (int i = 0; i < n; i++) free(items[i]);
        return json_string(answer);
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(a, json_string(items[i]));
        free(items[i]);
    }
    return a;
}

/* The prompt, expected answer, choices and scorer of a row by the file's type. */
static int tsv_case_body(struct importer *im, const struct tsv_row *row, const char *type, const char *vqa_scorer,
                         json_t *o) {
    const char *scorer;
    json_t *answer = NULL;
    char *prompt;
    if (strcmp(type, "mcq") == 0) {
        const char *opts[26];
        int n;
        if (row_options(im, row, opts, &n) != 0) return -1;
        const char *a = row->answer;
        if (a && (strlen(a) != 1 || a[0] < 'A' || a[0] >= 'A' + n))
            return row_fail(im, "answer '%s' is not the letter of one of the %d options", a, n);
        prompt = mcq_prompt(row->hint, row->question, opts, n);
        if (n > 0) {
            json_t *choices = json_array();
            for (int i = 0; i < n; i++) json_array_append_new(choices, json_string(opts[i]));
            json_object_set_new(o, "choices", choices);
        }
        scorer = n > 0 ? "choice" : "exact";
        if (a) answer = json_string(a);
    } else if (strcmp(type, "yorn") == 0) {
        if (row->answer && !is_yes_no(row->answer)) return row_fail(im, "answer '%s' is not Yes or No", row->answer);
        prompt = xstrdup(row->question);
        scorer = "yesno";
        if (row->answer) answer = json_string(row->answer);
    } else {
        prompt = xasprintf("%s\nAnswer the question using a single word or phrase.", row->question);
        scorer = vqa_scorer;
        if (row->answer) answer = vqa_answer(row->answer);
    }
    json_object_set_new(o, "prompt", json_string(prompt));
    free(prompt);
    if (answer) json_object_set_new(o, "answer", answer);
    json_object_set_new(o, "scorer", json_string(im->p->scorer ? im->p->scorer : scorer));
    return 0;
}

static int write_tsv_case(struct importer *im, const struct tsv_row *row, const char *type, const char *vqa_scorer) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(row->index));
    json_object_set_new(o, "category", json_string(row->category ? row->category : ""));
    if (row->l2) json_object_set_new(o, "l2_category", json_string(row->l2));
    json_t *images = json_array();
    for (int i = 0; i < row->n_images; i++) json_array_append_new(images, json_string(row->images[i]));
    json_object_set_new(o, "images", images);
    int rc = tsv_case_body(im, row, type, vqa_scorer, o);
    json_object_set_new(o, "source", json_string("vlmevalkit"));
    if (rc == 0 && write_case(im, o) != 0) rc = -2;
    json_decref(o);
    return rc;
}

static bool contains_nocase(const char *s, const char *needle) {
    for (; *s; s++)
        if (strncasecmp(s, needle, strlen(needle)) == 0) return true;
    return false;
}

/* Read every row; rows are kept, bad ones marked and reported. */
static int read_tsv_rows(struct importer *im, struct dsv *d, const struct columns *c, struct tsv_row **rows_out,
                         int *n_out, char *err, size_t err_len) {
    struct record r = {0};
    struct tsv_row *rows = NULL;
    int n = 0, cap = 0, got;
    while ((got = dsv_next(d, &r)) > 0) {
        util_grow((void **)&rows, &cap, n + 1, sizeof *rows);
        struct tsv_row *row = &rows[n++];
        memset(row, 0, sizeof *row);
        if (read_tsv_row(im, &r, c, row) != 0) {
            row->bad = true;
            skip_row(im, r.line);
        }
    }
    record_free(&r);
    *rows_out = rows;
    *n_out = n;
    if (got < 0) {
        util_errf(err, err_len, "%s:%d: a quoted field is not closed before the end of the file", im->input, r.line);
        return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

static int import_tsv_rows(struct importer *im, struct tsv_row *rows, int n, const char *type, char *err,
                           size_t err_len) {
    json_t *by_index = json_object(); /* the first row of each index */
    for (int i = 0; i < n; i++)
        if (rows[i].index && !json_object_get(by_index, rows[i].index))
            json_object_set_new(by_index, rows[i].index, json_integer(i));
    const char *vqa_scorer = contains_nocase(im->input, "docvqa") || contains_nocase(im->input, "infovqa") ? "anls"
                                                                                                           : "vqa";
    int rc = VLM_OK;
    for (int i = 0; i < n && rc == VLM_OK; i++) {
        if (rows[i].bad) continue;
        int r = resolve_refs(im, rows, by_index, &rows[i]);
        if (r == 0) r = write_tsv_case(im, &rows[i], type, vqa_scorer);
        if (r == -1) skip_row(im, rows[i].line);
        if (r == -2) {
            util_errf(err, err_len, "cannot write the suite: %s", strerror(errno));
            rc = VLM_ERR_IO;
        }
    }
    json_decref(by_index);
    return rc;
}

static bool known_type(const char *t) {
    return t && (strcmp(t, "mcq") == 0 || strcmp(t, "yorn") == 0 || strcmp(t, "vqa") == 0);
}

int vlm_import_vlmevalkit(const char *tsv_path, const char *outdir, const struct vlm_import_params *p,
                          struct vlm_import_summary *sum, char *err, size_t err_len) {
    struct vlm_import_params defaults = vlm_import_default_params();
    struct vlm_import_summary local;
    if (!p) p = &defaults;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    if (p->type && !known_type(p->type)) {
        util_errf(err, err_len, "unknown VLMEvalKit type '%s' (mcq, yorn or vqa)", p->type);
        return VLM_ERR_INPUT;
    }
    struct dsv d = {.f = fopen(tsv_path, "rb"), .sep = '\t'};
    if (!d.f) {
        util_errf(err, err_len, "cannot open '%s': %s", tsv_path, strerror(errno));
        return VLM_ERR_IO;
    }
    struct importer im = {.p = p, .input = tsv_path};
    struct record header = {0};
    struct columns cols;
    int rc = dsv_next(&d, &header) > 0 ? VLM_OK : VLM_ERR_INPUT;
    if (rc != VLM_OK) util_errf(err, err_len, "%s: empty file, no header row", tsv_path);
    find_columns(&header, &cols);
    record_free(&header);
    if (rc == VLM_OK && (cols.question < 0 || cols.image < 0)) {
        util_errf(err, err_len, "%s:1: not a VLMEvalKit TSV: no '%s' column", tsv_path,
                  cols.question < 0 ? "question" : "image");
        rc = VLM_ERR_INPUT;
    }
    char *name = p->name ? xstrdup(p->name) : stem(tsv_path), *tmp = NULL;
    struct tsv_row *rows = NULL;
    int n = 0;
    if (rc == VLM_OK) rc = open_output(&im, outdir, name, sum, &tmp, err, err_len);
    if (rc == VLM_OK) rc = read_tsv_rows(&im, &d, &cols, &rows, &n, err, err_len);
    const char *type = p->type ? p->type : detect_type(&cols, rows, n);
    snprintf(sum->type, sizeof sum->type, "%s", type);
    if (rc == VLM_OK) rc = import_tsv_rows(&im, rows, n, type, err, err_len);
    if (im.out || tmp) rc = close_output(&im, rc, tmp, sum, err, err_len);
    else free(im.images_dir);
    for (int i = 0; i < n; i++) tsv_row_free(&rows[i]);
    free(rows);
    free(name);
    free(d.buf);
    fclose(d.f);
    return rc;
}

/* ------------------------------------------------------------ a folder of images */

/* One question of a folder import, from a CSV row or a JSONL line. */
struct folder_row {
    const char *id, *question, *category, *scorer;
    json_t *answer; /* NULL: not scored */
    int n_images, n_choices;
    const char *images[MAX_IMAGES_PER_ROW];
    const char *choices[26];
};

/* The image file `rel` inside the folder, stored; refused when it leaves the folder. */
static int folder_image(struct importer *im, const char *folder_real, const char *folder, const char *rel,
                        char **stored) {
    char *joined = util_path_join(folder, rel);
    char *real = realpath(joined, NULL);
    free(joined);
    if (!real) return row_fail(im, "image '%s' not found in '%s'", rel, folder);
    size_t n = strlen(folder_real);
    bool inside = strncmp(real, folder_real, n) == 0 && real[n] == '/';
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = inside ? 0 : row_fail(im, "image '%s' leaves the folder '%s'", rel, folder);
    FILE *f = rc == 0 ? fopen(real, "rb") : NULL;
    if (rc == 0 && !f) rc = row_fail(im, "cannot open image '%s': %s", rel, strerror(errno));
    if (f) {
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) rc = row_fail(im, "image '%s' is not a file", rel);
        len = rc == 0 ? (size_t)st.st_size : 0;
        data = xmalloc(len ? len : 1);
        if (rc == 0 && fread(data, 1, len, f) != len) rc = row_fail(im, "cannot read image '%s'", rel);
        fclose(f);
    }
    char what[600];
    snprintf(what, sizeof what, "image '%s'", rel);
    if (rc == 0) rc = store_image(im, data, len, what, stored);
    free(data);
    free(real);
    return rc;
}

/* The scorer a folder row gets when it names none. */
static const char *default_scorer(const struct folder_row *r) {
    if (r->n_choices > 0) return "choice";
    const char *a = json_is_string(r->answer) ? json_string_value(r->answer) : NULL;
    if (json_is_number(r->answer) || (a && is_number(a))) return "number";
    if (json_is_boolean(r->answer) || is_yes_no(a)) return "yesno";
    return "contains";
}

static int write_folder_case(struct importer *im, const struct folder_row *r, int line, const char *folder_real,
                             const char *folder) {
    if (!r->question || !r->question[0]) return row_fail(im, "missing 'question'");
    char *id = r->id && r->id[0] ? xstrdup(r->id) : xasprintf("line-%d", line);
    int rc = claim_id(im, id, line);
    json_t *images = json_array();
    for (int i = 0; i < r->n_images && rc == 0; i++) {
        char *stored;
        rc = folder_image(im, folder_real, folder, r->images[i], &stored);
        if (rc == 0) {
            json_array_append_new(images, json_string(stored));
            free(stored);
        }
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "category", json_string(r->category ? r->category : ""));
    json_object_set_new(o, "images", images);
    char *prompt = r->n_choices ? mcq_prompt(NULL, r->question, r->choices, r->n_choices) : xstrdup(r->question);
    json_object_set_new(o, "prompt", json_string(prompt));
    free(prompt);
    if (r->n_choices) {
        json_t *choices = json_array();
        for (int i = 0; i < r->n_choices; i++) json_array_append_new(choices, json_string(r->choices[i]));
        json_object_set_new(o, "choices", choices);
    }
    if (r->answer) json_object_set(o, "answer", r->answer);
    const char *scorer = im->p->scorer ? im->p->scorer : r->scorer && r->scorer[0] ? r->scorer : default_scorer(r);
    json_object_set_new(o, "scorer", json_string(scorer));
    if (rc == 0 && write_case(im, o) != 0) rc = -2;
    json_decref(o);
    free(id);
    return rc;
}

/* Split "a|b|c" in place into at most max non-empty parts. */
static int split_bars(char *s, const char **parts, int max) {
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, "|", &save); tok && n < max; tok = strtok_r(NULL, "|", &save)) parts[n++] = tok;
    return n;
}

/* Columns of a questions CSV. */
struct csv_columns {
    int image, question, answer, category, scorer, choices, id;
};

static int csv_columns(const struct record *h, struct csv_columns *c, char *why, size_t len) {
    memset(c, -1, sizeof *c);
    static const char *const names[] = {"image", "question", "answer", "category", "scorer", "choices", "id"};
    int *slot[] = {&c->image, &c->question, &c->answer, &c->category, &c->scorer, &c->choices, &c->id};
    for (int i = 0; i < h->n; i++)
        for (int k = 0; k < 7; k++)
            if (strcmp(h->field[i], names[k]) == 0) *slot[k] = i;
    if (c->question < 0) {
        snprintf(why, len, "the header has no 'question' column (image,question,answer[,category,scorer,choices,id])");
        return -1;
    }
    return 0;
}

static const char *csv_cell(const struct record *r, int col) { return col >= 0 && col < r->n ? r->field[col] : NULL; }

static int folder_csv(struct importer *im, FILE *f, const char *folder_real, const char *folder, char *err,
                      size_t err_len) {
    struct dsv d = {.f = f, .sep = ','};
    struct record r = {0};
    struct csv_columns c;
    int rc = VLM_OK, got;
    if (dsv_next(&d, &r) <= 0 || csv_columns(&r, &c, im->why, sizeof im->why) != 0) {
        if (r.n == 0) snprintf(im->why, sizeof im->why, "empty file, no header row");
        util_errf(err, err_len, "%s:1: %s", im->input, im->why);
        rc = VLM_ERR_INPUT;
    }
    while (rc == VLM_OK && (got = dsv_next(&d, &r)) > 0) {
        struct folder_row row = {.id = csv_cell(&r, c.id),
                                 .question = csv_cell(&r, c.question),
                                 .category = csv_cell(&r, c.category),
                                 .scorer = csv_cell(&r, c.scorer)};
        const char *answer = csv_cell(&r, c.answer);
        row.answer = answer && answer[0] ? json_string(answer) : NULL;
        char *images = xstrdup(csv_cell(&r, c.image)), *choices = xstrdup(csv_cell(&r, c.choices));
        row.n_images = split_bars(images, row.images, MAX_IMAGES_PER_ROW);
        row.n_choices = split_bars(choices, row.choices, 26);
        int w = write_folder_case(im, &row, r.line, folder_real, folder);
        if (w == -1) skip_row(im, r.line);
        if (w == -2) rc = VLM_ERR_IO;
        json_decref(row.answer);
        free(images);
        free(choices);
    }
    if (rc == VLM_OK && got < 0) {
        util_errf(err, err_len, "%s:%d: a quoted field is not closed before the end of the file", im->input, r.line);
        rc = VLM_ERR_INPUT;
    }
    if (rc == VLM_ERR_IO) util_errf(err, err_len, "cannot write the suite: %s", strerror(errno));
    record_free(&r);
    free(d.buf);
    return rc;
}

/* A string field of a JSONL question, or NULL; a wrong type is a row error. */
static int json_text(struct importer *im, json_t *o, const char *key, const char **out) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_string(v)) return row_fail(im, "'%s' must be a string", key);
    *out = json_string_value(v);
    return 0;
}

static int json_texts(struct importer *im, json_t *o, const char *key, const char **out, int max, int *n) {
    json_t *v = json_object_get(o, key);
    *n = 0;
    if (!v) return 0;
    if (!json_is_array(v) || json_array_size(v) > (size_t)max)
        return row_fail(im, "'%s' must be an array of at most %d strings", key, max);
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (!json_is_string(json_array_get(v, i))) return row_fail(im, "'%s' must be an array of strings", key);
        out[(*n)++] = json_string_value(json_array_get(v, i));
    }
    return 0;
}

static int jsonl_row(struct importer *im, json_t *o, struct folder_row *row) {
    if (!json_is_object(o)) return row_fail(im, "a question must be a JSON object");
    const char *image = NULL, *prompt = NULL;
    if (json_text(im, o, "id", &row->id) || json_text(im, o, "question", &row->question) ||
        json_text(im, o, "prompt", &prompt) || json_text(im, o, "category", &row->category) ||
        json_text(im, o, "scorer", &row->scorer) || json_text(im, o, "image", &image) ||
        json_texts(im, o, "images", row->images, MAX_IMAGES_PER_ROW, &row->n_images) ||
        json_texts(im, o, "choices", row->choices, 26, &row->n_choices))
        return -1;
    if (!row->question) row->question = prompt;
    if (image && row->n_images) return row_fail(im, "give 'image' or 'images', not both");
    if (image) row->images[row->n_images++] = image;
    json_t *answer = json_object_get(o, "answer");
    row->answer = answer && !json_is_null(answer) ? answer : NULL;
    return 0;
}

static int folder_jsonl(struct importer *im, FILE *f, const char *folder_real, const char *folder, char *err,
                        size_t err_len) {
    char *line = NULL;
    size_t cap = 0;
    int rc = VLM_OK;
    for (int n = 1; rc == VLM_OK && getline(&line, &cap, f) >= 0; n++) {
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') continue;
        json_error_t jerr;
        json_t *o = json_loads(p, JSON_REJECT_DUPLICATES, &jerr);
        struct folder_row row = {0};
        int w = o ? jsonl_row(im, o, &row) : row_fail(im, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        if (w == 0) w = write_folder_case(im, &row, n, folder_real, folder);
        if (w == -1) skip_row(im, n);
        if (w == -2) {
            util_errf(err, err_len, "cannot write the suite: %s", strerror(errno));
            rc = VLM_ERR_IO;
        }
        json_decref(o);
    }
    free(line);
    return rc;
}

/* FOLDER/questions.csv or FOLDER/questions.jsonl, whichever exists. */
static char *find_questions(const char *folder, char *err, size_t err_len) {
    char *csv = util_path_join(folder, "questions.csv"), *jsonl = util_path_join(folder, "questions.jsonl");
    bool has_csv = access(csv, F_OK) == 0, has_jsonl = access(jsonl, F_OK) == 0;
    char *found = NULL;
    if (has_csv && has_jsonl)
        util_errf(err, err_len, "both questions.csv and questions.jsonl are in '%s'; name one", folder);
    else if (!has_csv && !has_jsonl) util_errf(err, err_len, "no questions.csv or questions.jsonl in '%s'", folder);
    else found = xstrdup(has_csv ? csv : jsonl);
    free(csv);
    free(jsonl);
    return found;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int vlm_import_folder(const char *folder, const char *questions, const char *outdir, const struct vlm_import_params *p,
                      struct vlm_import_summary *sum, char *err, size_t err_len) {
    struct vlm_import_params defaults = vlm_import_default_params();
    struct vlm_import_summary local;
    if (!p) p = &defaults;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    char *folder_real = realpath(folder, NULL);
    if (!folder_real) {
        util_errf(err, err_len, "cannot open folder '%s': %s", folder, strerror(errno));
        return VLM_ERR_IO;
    }
    char *qpath = questions ? xstrdup(questions) : find_questions(folder, err, err_len);
    FILE *f = qpath ? fopen(qpath, "rb") : NULL;
    int rc = f ? VLM_OK : VLM_ERR_INPUT;
    if (qpath && !f) util_errf(err, err_len, "cannot open '%s': %s", qpath, strerror(errno));
    struct importer im = {.p = p, .input = qpath};
    char *name = p->name ? xstrdup(p->name) : stem(folder_real), *tmp = NULL;
    if (rc == VLM_OK) rc = open_output(&im, outdir, name, sum, &tmp, err, err_len);
    if (rc == VLM_OK && ends_with(qpath, ".csv")) rc = folder_csv(&im, f, folder_real, folder, err, err_len);
    else if (rc == VLM_OK) rc = folder_jsonl(&im, f, folder_real, folder, err, err_len);
    if (im.out || tmp) rc = close_output(&im, rc, tmp, sum, err, err_len);
    else free(im.images_dir);
    if (f) fclose(f);
    free(name);
    free(qpath);
    free(folder_real);
    return rc;
}
