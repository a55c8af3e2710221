/*
 * import_impl.h - what the importers share (docs/import.md): the delimited-text
 * reader, the import run (messages, the image store, the suite being written)
 * of import.c, and the Python literals of import_pylit.c. The VLMEvalKit TSV
 * importer is import_vlmevalkit.c, the folder importer import.c. Internal.
 */
#ifndef VLM_IMPORT_IMPL_H
#define VLM_IMPORT_IMPL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "vlmeter.h"

/* ------------------------------------------------------------ delimited text */

/* One record of a TSV or CSV file. */
struct import_record {
    char **field;
    int n, cap;
    int line; /* the line the record starts on (1-based) */
};

/* A TSV or CSV file read the way pandas.read_csv reads it: a field may be quoted
 * with '"' (then it may hold separators and newlines, and "" stands for one
 * quote; text after the closing quote is kept); LF, CRLF or CR end a record;
 * blank lines are skipped; a UTF-8 byte-order mark at the start is dropped. */
struct import_dsv {
    FILE *f;
    char sep;
    int line;     /* lines read so far */
    bool started; /* the byte-order mark was looked for */
    char *buf;    /* the field being read */
    size_t len, cap;
};

/* The next record into r. Returns 1, 0 at the end of the file, or -1 when the
 * file ends inside a quoted field. */
int import_dsv_next(struct import_dsv *d, struct import_record *r);

/* The first field of r that is not valid UTF-8 (0-based), or -1. */
int import_record_bad_utf8(const struct import_record *r);

/* Free a record's fields and the array. */
void import_record_free(struct import_record *r);

/* ------------------------------------------------------------ an import run */

/* What an import run holds: where things go, what was written, messages. */
struct importer {
    const struct vlm_import_params *p;
    const char *input; /* the file rows come from, for messages */
    char *images_dir;  /* OUTDIR/images */
    json_t *stored;    /* image file name -> true */
    json_t *ids;       /* case id -> line of first use */
    FILE *out;         /* the suite being written */
    int n_ok, n_bad, n_dropped;
    char why[512]; /* why the current row is bad */
};

/* Set im->why; returns -1 (a row error). */
int import_fail(struct importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report the current row as skipped: "FILE:LINE: why" (counted in n_bad). */
void import_skip_row(struct importer *im, int line);

/* Report "FILE:LINE: message" without skipping the row (LINE 0: "FILE: message"). */
void import_note(struct importer *im, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Standard base64 (whitespace ignored) decoded and stored as an image; *rel
 * gets its path in the suite (caller frees). `what` names it in messages. */
int import_store_b64(struct importer *im, const char *b64, const char *what, char **rel);

/* Store image bytes once, as images/HASH.EXT; *rel gets that path (caller frees). */
int import_store_image(struct importer *im, const unsigned char *data, size_t n, const char *what, char **rel);

/* Claim a case id; a repeat is a row error naming the first line. */
int import_claim_id(struct importer *im, const char *id, int line);

/* Append one case line to the suite: 0, or -2 when it cannot be written. */
int import_write_case(struct importer *im, json_t *obj);

/* Open OUTDIR/images and OUTDIR/NAME.jsonl.tmp; the suite's path goes to sum->suite. */
int import_open_output(struct importer *im, const char *outdir, const char *name, struct vlm_import_summary *sum,
                       char **tmp, char *err, size_t err_len);

/* Close the suite, renamed into place when rc is VLM_OK and a case was written
 * (no case: VLM_ERR_INPUT, nothing written), fill the summary, free the run. */
int import_close_output(struct importer *im, int rc, char *tmp, struct vlm_import_summary *sum, char *err,
                        size_t err_len);

/* The file name without its folder and extension: the default suite name. */
char *import_stem(const char *path);

/* VLMEvalKit's multiple-choice prompt (ImageMCQDataset.build_prompt): "Hint:
 * H\n" when there is a hint, "Question: Q\n", then when there are options
 * "Options:\n", "A. x\n" per option and the instruction line. Caller frees. */
char *import_mcq_prompt(const char *hint, const char *question, const char *const *opts, int n);

/* Yes or no, in any case. */
bool import_is_yes_no(const char *s);

/* ------------------------------------------------------------ bounding boxes (import_ground.c) */

/* A ground-truth box from a text as VLMEvalKit's RefCOCODataset reads one: the
 * first "[a, b, c, d]", else the first four numbers; all within 1.5 (in
 * absolute value): fractions of w and h; else all within 1000: the 0-1000
 * grid; else pixels; clipped to the image, corners in order. Into b, in
 * pixels; 0, or -1 when there are no four numbers or the size is not > 0. */
int import_ground_vlmk_box(const char *text, double w, double h, double *b);

/* A folder CSV's `box` cell: boxes in pixels, "x1 y1 x2 y2", "x1,y1,x2,y2" or
 * "[x1, y1, x2, y2]", several separated by '|', each with x1 < x2, y1 < y2.
 * 0 with *n boxes (at most max), or -1. */
int import_ground_boxes(const char *text, double (*boxes)[4], int max, int *n);

/* The `iou` scorer's expected answer {"boxes": [...], "size": [w, h]}. */
json_t *import_ground_answer(const double (*boxes)[4], int n, double w, double h);

/* The width and height of a stored image (rel as import_store_image gave it);
 * 0, or -1 (a row error) when it cannot be decoded. */
int import_image_size(struct importer *im, const char *rel, double *w, double *h);

/* ------------------------------------------------------------ Python literals */

/* toliststr's test: a text of two or more characters from '[' to ']'. */
bool pylit_looks_like_list(const char *s);

/* Evaluate a Python list literal of strings, numbers, True, False and None
 * ("['a', \"b\\n\", 12, 1.50]") into the str() of each element ("a", "b\n",
 * "12", "1.5"). Returns 0 and *items (caller frees each and the array), or -1
 * when s is not such a literal (nested lists, byte strings, f-strings, ...). */
int pylit_list(const char *s, char ***items, int *n);

/* Free what pylit_list returned. */
void pylit_free(char **items, int n);

/* Python's repr() of a float: "1.5", "3.0", "1e-05", "1e+16", "inf". Caller frees. */
char *pylit_float_repr(double v);

#endif
