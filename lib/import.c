/*
 * import.c - what the importers share, and the folder importer (docs/import.md):
 * the delimited-text reader (TSV and CSV as pandas reads them), base64
 * decoding, the image store that writes each image once under a 64-bit FNV-1a
 * hash of its bytes, the suite being written, and row messages "FILE:LINE:
 * why". A folder of images with a CSV or JSONL file of questions is imported
 * here; VLMEvalKit TSV files in import_vlmevalkit.c.
 */
#include "import_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAX_IMAGES_PER_ROW 64

/* ------------------------------------------------------------ delimited text */

static void buf_put(struct import_dsv *d, char c) {
    if (d->len + 1 >= d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->buf = xrealloc(d->buf, d->cap);
    }
    d->buf[d->len++] = c;
}

static void record_clear(struct import_record *r) {
    for (int i = 0; i < r->n; i++) free(r->field[i]);
    r->n = 0;
}

void import_record_free(struct import_record *r) {
    record_clear(r);
    free(r->field);
}

static void end_field(struct import_dsv *d, struct import_record *r) {
    buf_put(d, 0);
    util_grow((void **)&r->field, &r->cap, r->n + 1, sizeof *r->field);
    r->field[r->n++] = xstrdup(d->buf);
    d->len = 0;
}

/* Drop a UTF-8 byte-order mark at the start of the file. */
static void skip_bom(struct import_dsv *d) {
    unsigned char bom[3];
    d->started = true;
    if (fread(bom, 1, 3, d->f) == 3 && memcmp(bom, "\xEF\xBB\xBF", 3) == 0) return;
    rewind(d->f);
}

int import_dsv_next(struct import_dsv *d, struct import_record *r) {
    if (!d->started) skip_bom(d);
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
            } else if (c == '\n' || c == '\r') {
                if (c == '\r') {
                    int next = getc_unlocked(d->f);
                    if (next != '\n' && next != EOF) ungetc(next, d->f);
                }
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

int import_record_bad_utf8(const struct import_record *r) {
    for (int i = 0; i < r->n; i++) {
        const unsigned char *s = (const unsigned char *)r->field[i];
        size_t n = strlen(r->field[i]);
        for (size_t at = 0; at < n;) {
            int len;
            uint32_t cp = util_utf8_decode(s + at, n - at, &len);
            if (cp == UTIL_UTF8_BAD && len == 1) return i; /* a real U+FFFD takes 3 bytes */
            at += (size_t)len;
        }
    }
    return -1;
}

/* ------------------------------------------------------------ base64, hashing */


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

int import_fail(struct importer *im, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->why, sizeof im->why, fmt, ap);
    va_end(ap);
    return -1;
}

void import_skip_row(struct importer *im, int line) {
    im->n_bad++;
    import_note(im, line, "%s", im->why);
}

void import_note(struct importer *im, int line, const char *fmt, ...) {
    if (!im->p->on_message) return;
    va_list ap;
    va_start(ap, fmt);
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *msg = line > 0 ? xasprintf("%s:%d: %s", im->input, line, text) : xasprintf("%s: %s", im->input, text);
    im->p->on_message(msg, im->p->user);
    free(msg);
}

static int write_file(const char *path, const unsigned char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    bool ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The size of a stored image, for a box answer whose row gives none (import_ground.c). */
int import_image_size(struct importer *im, const char *rel, double *w, double *h) {
    const char *slash = strrchr(rel, '/');
    char *path = util_path_join(im->images_dir, slash ? slash + 1 : rel);
    vlm_image img;
    char err[256];
    int rc = vlm_image_load(path, &img, err, sizeof err);
    free(path);
    if (rc != VLM_OK) return import_fail(im, "cannot read the size of image '%s': %s", rel, err);
    *w = img.width;
    *h = img.height;
    vlm_image_free(&img);
    return 0;
}

int import_store_image(struct importer *im, const unsigned char *data, size_t n, const char *what, char **rel) {
    const char *ext = image_ext(data, n);
    if (!ext) return import_fail(im, "%s is not a JPEG, PNG, WebP or BMP image", what);
    char name[64];
    snprintf(name, sizeof name, "%016llx.%s", (unsigned long long)fnv1a64(data, n), ext);
    if (!json_object_get(im->stored, name)) {
        char *path = util_path_join(im->images_dir, name);
        int rc = util_file_size(path) == n ? 0 : write_file(path, data, n);
        if (rc != 0) import_fail(im, "cannot write '%s': %s", path, strerror(errno));
        free(path);
        if (rc != 0) return -1;
        json_object_set_new(im->stored, name, json_true());
    }
    *rel = xasprintf("images/%s", name);
    return 0;
}

int import_store_b64(struct importer *im, const char *b64, const char *what, char **rel) {
    size_t n;
    char why[128];
    unsigned char *data = util_b64_decode(b64, &n, why, sizeof why);
    if (!data) return import_fail(im, "%s: %s", what, why);
    int rc = import_store_image(im, data, n, what, rel);
    free(data);
    return rc;
}

int import_write_case(struct importer *im, json_t *obj) {
    char *line = json_dumps(obj, JSON_COMPACT);
    int ok = line && fprintf(im->out, "%s\n", line) >= 0;
    free(line);
    if (ok) im->n_ok++;
    return ok ? 0 : -2;
}

int import_claim_id(struct importer *im, const char *id, int line) {
    json_t *first = json_object_get(im->ids, id);
    if (first) return import_fail(im, "duplicate id '%s' (first at line %d)", id, (int)json_integer_value(first));
    json_object_set_new(im->ids, id, json_integer(line));
    return 0;
}

char *import_mcq_prompt(const char *hint, const char *question, const char *const *opts, int n) {
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

bool import_is_yes_no(const char *s) { return s && (strcasecmp(s, "yes") == 0 || strcasecmp(s, "no") == 0); }

/* A whole number or decimal, optionally signed. */
static bool is_number(const char *s) {
    char *end;
    if (!s || !*s || isspace((unsigned char)*s)) return false;
    strtod(s, &end);
    return *end == 0;
}

int import_open_output(struct importer *im, const char *outdir, const char *name, struct vlm_import_summary *sum,
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

int import_close_output(struct importer *im, int rc, char *tmp, struct vlm_import_summary *sum, char *err,
                        size_t err_len) {
    if (im->out && fclose(im->out) != 0 && rc == VLM_OK) {
        util_errf(err, err_len, "cannot write '%s': %s", tmp, strerror(errno));
        rc = VLM_ERR_IO;
    }
    if (rc == VLM_OK && im->n_ok == 0) {
        char dropped[64] = "";
        if (im->n_dropped) snprintf(dropped, sizeof dropped, ", %d dropped for having no image", im->n_dropped);
        util_errf(err, err_len, "%s: no case could be imported (%d rows skipped%s)", im->input, im->n_bad, dropped);
        rc = VLM_ERR_INPUT;
    }
    if (rc == VLM_OK && rename(tmp, sum->suite) != 0) {
        util_errf(err, err_len, "cannot write '%s': %s", sum->suite, strerror(errno));
        rc = VLM_ERR_IO;
    }
    if (tmp && rc != VLM_OK) remove(tmp);
    sum->n_ok = im->n_ok;
    sum->n_bad = im->n_bad;
    sum->n_dropped = im->n_dropped;
    sum->n_images = im->stored ? (int)json_object_size(im->stored) : 0;
    free(tmp);
    free(im->images_dir);
    json_decref(im->stored);
    json_decref(im->ids);
    return rc;
}

char *import_stem(const char *path) {
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

/* ------------------------------------------------------------ a folder of images */

/* One question of a folder import, from a CSV row or a JSONL line. */
struct folder_row {
    const char *id, *question, *category, *scorer;
    const char *box; /* CSV: boxes in pixels (import_ground.c); NULL or "": none */
    json_t *answer;  /* NULL: not scored */
    int n_images, n_choices;
    const char *images[MAX_IMAGES_PER_ROW];
    const char *choices[26];
};

/* Whether the resolved path `real` lies inside the resolved folder `folder_real`. */
static bool inside_folder(const char *real, const char *folder_real) {
    size_t n = strlen(folder_real);
    return strncmp(real, folder_real, n) == 0 && (real[n] == '/' || strcmp(folder_real, "/") == 0);
}

/* The image file `rel` inside the folder, stored; refused when it leaves the folder. */
static int folder_image(struct importer *im, const char *folder_real, const char *folder, const char *rel,
                        char **stored) {
    char *joined = util_path_join(folder, rel);
    char *real = realpath(joined, NULL);
    free(joined);
    if (!real) return import_fail(im, "image '%s' not found in '%s'", rel, folder);
    bool inside = inside_folder(real, folder_real);
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = inside ? 0 : import_fail(im, "image '%s' leaves the folder '%s'", rel, folder);
    FILE *f = rc == 0 ? fopen(real, "rb") : NULL;
    if (rc == 0 && !f) rc = import_fail(im, "cannot open image '%s': %s", rel, strerror(errno));
    if (f) {
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) rc = import_fail(im, "image '%s' is not a file", rel);
        len = rc == 0 ? (size_t)st.st_size : 0;
        data = xmalloc(len ? len : 1);
        if (rc == 0 && fread(data, 1, len, f) != len) rc = import_fail(im, "cannot read image '%s'", rel);
        fclose(f);
    }
    char what[600];
    snprintf(what, sizeof what, "image '%s'", rel);
    if (rc == 0) rc = import_store_image(im, data, len, what, stored);
    free(data);
    free(real);
    return rc;
}

/* The scorer a folder row gets when it names none. */
static const char *default_scorer(const struct folder_row *r) {
    if (r->box && r->box[0]) return "iou";
    if (r->n_choices > 0) return "choice";
    const char *a = json_is_string(r->answer) ? json_string_value(r->answer) : NULL;
    if (json_is_number(r->answer) || (a && is_number(a))) return "number";
    if (json_is_boolean(r->answer) || import_is_yes_no(a)) return "yesno";
    return "contains";
}

/* A `box` cell as the iou scorer's expected answer, in pixels of the row's
 * first image (stored as `image`), whose size it reads. */
static int folder_box_answer(struct importer *im, const struct folder_row *r, const char *image, json_t **answer) {
    double boxes[10][4], w, h;
    int n;
    if (r->answer) return import_fail(im, "give 'answer' or 'box', not both");
    if (!image) return import_fail(im, "'box' needs an image");
    if (import_ground_boxes(r->box, boxes, 10, &n) != 0)
        return import_fail(im, "'box' must be 1 to 10 boxes 'x1 y1 x2 y2' in pixels with x1 < x2 and y1 < y2, "
                               "separated by '|'");
    if (import_image_size(im, image, &w, &h) != 0) return -1;
    *answer = import_ground_answer((const double(*)[4])boxes, n, w, h);
    return 0;
}

static int write_folder_case(struct importer *im, const struct folder_row *r, int line, const char *folder_real,
                             const char *folder) {
    if (!r->question || !r->question[0]) return import_fail(im, "missing 'question'");
    char *id = r->id && r->id[0] ? xstrdup(r->id) : xasprintf("line-%d", line);
    int rc = import_claim_id(im, id, line);
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
    char *prompt = r->n_choices ? import_mcq_prompt(NULL, r->question, r->choices, r->n_choices) : xstrdup(r->question);
    json_object_set_new(o, "prompt", json_string(prompt));
    free(prompt);
    if (r->n_choices) {
        json_t *choices = json_array();
        for (int i = 0; i < r->n_choices; i++) json_array_append_new(choices, json_string(r->choices[i]));
        json_object_set_new(o, "choices", choices);
    }
    json_t *answer = r->answer ? json_incref(r->answer) : NULL;
    if (rc == 0 && r->box && r->box[0])
        rc = folder_box_answer(im, r, json_string_value(json_array_get(images, 0)), &answer);
    if (answer) json_object_set_new(o, "answer", answer);
    const char *scorer = im->p->scorer ? im->p->scorer : r->scorer && r->scorer[0] ? r->scorer : default_scorer(r);
    json_object_set_new(o, "scorer", json_string(scorer));
    if (rc == 0 && import_write_case(im, o) != 0) rc = -2;
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
    int image, question, answer, category, scorer, choices, id, box;
};

static int csv_columns(const struct import_record *h, struct csv_columns *c, char *why, size_t len) {
    memset(c, -1, sizeof *c);
    static const char *const names[] = {"image", "question", "answer", "category", "scorer", "choices", "id", "box"};
    int *slot[] = {&c->image, &c->question, &c->answer, &c->category, &c->scorer, &c->choices, &c->id, &c->box};
    for (int i = 0; i < h->n; i++)
        for (int k = 0; k < 8; k++)
            if (strcmp(h->field[i], names[k]) == 0) *slot[k] = i;
    if (c->question < 0) {
        snprintf(why, len, "the header has no 'question' column (image,question,answer[,category,scorer,choices,id])");
        return -1;
    }
    return 0;
}

static const char *csv_cell(const struct import_record *r, int col) {
    return col >= 0 && col < r->n ? r->field[col] : NULL;
}

static int folder_csv(struct importer *im, FILE *f, const char *folder_real, const char *folder, char *err,
                      size_t err_len) {
    struct import_dsv d = {.f = f, .sep = ','};
    struct import_record r = {0};
    struct csv_columns c;
    int rc = VLM_OK, got;
    if (import_dsv_next(&d, &r) <= 0 || csv_columns(&r, &c, im->why, sizeof im->why) != 0) {
        if (r.n == 0) snprintf(im->why, sizeof im->why, "empty file, no header row");
        util_errf(err, err_len, "%s:1: %s", im->input, im->why);
        rc = VLM_ERR_INPUT;
    }
    while (rc == VLM_OK && (got = import_dsv_next(&d, &r)) > 0) {
        int bad = import_record_bad_utf8(&r);
        if (bad >= 0) {
            import_fail(im, "field %d is not UTF-8 text", bad + 1);
            import_skip_row(im, r.line);
            continue;
        }
        struct folder_row row = {.id = csv_cell(&r, c.id),
                                 .question = csv_cell(&r, c.question),
                                 .category = csv_cell(&r, c.category),
                                 .scorer = csv_cell(&r, c.scorer),
                                 .box = csv_cell(&r, c.box)};
        const char *answer = csv_cell(&r, c.answer);
        row.answer = answer && answer[0] ? json_string(answer) : NULL;
        char *images = xstrdup(csv_cell(&r, c.image)), *choices = xstrdup(csv_cell(&r, c.choices));
        row.n_images = split_bars(images, row.images, MAX_IMAGES_PER_ROW);
        row.n_choices = split_bars(choices, row.choices, 26);
        int w = write_folder_case(im, &row, r.line, folder_real, folder);
        if (w == -1) import_skip_row(im, r.line);
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
    import_record_free(&r);
    free(d.buf);
    return rc;
}

/* A string field of a JSONL question, or NULL; a wrong type is a row error. */
static int json_text(struct importer *im, json_t *o, const char *key, const char **out) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_string(v)) return import_fail(im, "'%s' must be a string", key);
    *out = json_string_value(v);
    return 0;
}

static int json_texts(struct importer *im, json_t *o, const char *key, const char **out, int max, int *n) {
    json_t *v = json_object_get(o, key);
    *n = 0;
    if (!v) return 0;
    if (!json_is_array(v) || json_array_size(v) > (size_t)max)
        return import_fail(im, "'%s' must be an array of at most %d strings", key, max);
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (!json_is_string(json_array_get(v, i))) return import_fail(im, "'%s' must be an array of strings", key);
        out[(*n)++] = json_string_value(json_array_get(v, i));
    }
    return 0;
}

static int jsonl_row(struct importer *im, json_t *o, struct folder_row *row) {
    if (!json_is_object(o)) return import_fail(im, "a question must be a JSON object");
    const char *image = NULL, *prompt = NULL;
    if (json_text(im, o, "id", &row->id) || json_text(im, o, "question", &row->question) ||
        json_text(im, o, "prompt", &prompt) || json_text(im, o, "category", &row->category) ||
        json_text(im, o, "scorer", &row->scorer) || json_text(im, o, "image", &image) ||
        json_texts(im, o, "images", row->images, MAX_IMAGES_PER_ROW, &row->n_images) ||
        json_texts(im, o, "choices", row->choices, 26, &row->n_choices))
        return -1;
    if (!row->question) row->question = prompt;
    if (image && row->n_images) return import_fail(im, "give 'image' or 'images', not both");
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
        int w = o ? jsonl_row(im, o, &row) : import_fail(im, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        if (w == 0) w = write_folder_case(im, &row, n, folder_real, folder);
        if (w == -1) import_skip_row(im, n);
        if (w == -2) {
            util_errf(err, err_len, "cannot write the suite: %s", strerror(errno));
            rc = VLM_ERR_IO;
        }
        json_decref(o);
    }
    free(line);
    return rc;
}

/* FOLDER/questions.csv or FOLDER/questions.jsonl, whichever exists; refused
 * when it is a symlink leading out of the folder. */
static char *find_questions(const char *folder, const char *folder_real, char *err, size_t err_len) {
    char *csv = util_path_join(folder, "questions.csv"), *jsonl = util_path_join(folder, "questions.jsonl");
    bool has_csv = access(csv, F_OK) == 0, has_jsonl = access(jsonl, F_OK) == 0;
    char *found = NULL;
    if (has_csv && has_jsonl)
        util_errf(err, err_len, "both questions.csv and questions.jsonl are in '%s'; name one", folder);
    else if (!has_csv && !has_jsonl) util_errf(err, err_len, "no questions.csv or questions.jsonl in '%s'", folder);
    else found = xstrdup(has_csv ? csv : jsonl);
    char *real = found ? realpath(found, NULL) : NULL;
    if (found && (!real || !inside_folder(real, folder_real))) {
        util_errf(err, err_len, "'%s' leaves the folder '%s' (a symlink); name it with --questions to use it", found,
                  folder);
        free(found);
        found = NULL;
    }
    free(real);
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
    char *qpath = questions ? xstrdup(questions) : find_questions(folder, folder_real, err, err_len);
    FILE *f = qpath ? fopen(qpath, "rb") : NULL;
    int rc = f ? VLM_OK : VLM_ERR_INPUT;
    if (qpath && !f) util_errf(err, err_len, "cannot open '%s': %s", qpath, strerror(errno));
    struct importer im = {.p = p, .input = qpath};
    char *name = p->name ? xstrdup(p->name) : import_stem(folder_real), *tmp = NULL;
    if (rc == VLM_OK) rc = import_open_output(&im, outdir, name, sum, &tmp, err, err_len);
    if (rc == VLM_OK && ends_with(qpath, ".csv")) rc = folder_csv(&im, f, folder_real, folder, err, err_len);
    else if (rc == VLM_OK) rc = folder_jsonl(&im, f, folder_real, folder, err, err_len);
    if (im.out || tmp) rc = import_close_output(&im, rc, tmp, sum, err, err_len);
    else free(im.images_dir);
    if (f) fclose(f);
    free(name);
    free(qpath);
    free(folder_real);
    return rc;
}
