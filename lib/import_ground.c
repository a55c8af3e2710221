/*
 * import_ground.c - bounding boxes in imported rows (docs/import.md): the
 * expected answer of the `iou` scorer ({"boxes": [...], "size": [w, h]},
 * docs/scoring.md) from VLMEvalKit's RefCOCO columns or answer text, read the
 * way its RefCOCODataset reads a ground truth, and from a folder CSV's `box`
 * column. Pure text and number work: the importer's files are import.c's.
 */
#include "import_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A number as VLMEvalKit's pattern reads it ([-+]? digits, optional fraction,
 * optional exponent) at p; returns past it, or NULL. */
static const char *ground_number(const char *p, double *v) { return util_read_decimal(p, true, v); }

static const char *ground_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* "[a, b, c, d]" (commas and/or spaces between) at p; returns past it, or NULL. */
static const char *ground_bracket(const char *p, double *b) {
    if (*p != '[') return NULL;
    p = ground_space(p + 1);
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            const char *q = ground_space(p);
            if (*q == ',') q = ground_space(q + 1);
            else if (q == p) return NULL;
            p = q;
        }
        if (!(p = ground_number(p, &b[i]))) return NULL;
    }
    p = ground_space(p);
    return *p == ']' ? p + 1 : NULL;
}

/* The four numbers of a box text as VLMEvalKit's _parse_prediction finds them:
 * the first bracketed box, else the first four numbers. */
static bool ground_four(const char *text, double *b) {
    for (const char *p = strchr(text, '['); p; p = strchr(p + 1, '['))
        if (ground_bracket(p, b)) return true;
    int n = 0;
    for (const char *p = text; *p && n < 4;) {
        const char *e = (*p == '-' || *p == '+' || *p == '.' || (*p >= '0' && *p <= '9')) ? ground_number(p, &b[n])
                                                                                          : NULL;
        if (e) {
            n++;
            p = e;
        } else {
            p++;
        }
    }
    return n == 4;
}

int import_ground_vlmk_box(const char *text, double w, double h, double *b) {
    if (!text || !ground_four(text, b) || !(w > 0) || !(h > 0)) return -1;
    double m = 0;
    for (int i = 0; i < 4; i++) {
        if (!isfinite(b[i])) return -1;
        m = fmax(m, fabs(b[i]));
    }
    double sx = m <= 1.5 ? w : m <= 1000 ? w / 1000 : 1, sy = m <= 1.5 ? h : m <= 1000 ? h / 1000 : 1;
    b[0] = fmin(fmax(b[0] * sx, 0), w);
    b[2] = fmin(fmax(b[2] * sx, 0), w);
    b[1] = fmin(fmax(b[1] * sy, 0), h);
    b[3] = fmin(fmax(b[3] * sy, 0), h);
    if (b[2] < b[0]) {
        double t = b[0];
        b[0] = b[2];
        b[2] = t;
    }
    if (b[3] < b[1]) {
        double t = b[1];
        b[1] = b[3];
        b[3] = t;
    }
    return 0;
}

int import_ground_boxes(const char *text, double (*boxes)[4], int max, int *n) {
    *n = 0;
    const char *p = text;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        char *part = xmalloc(len + 1);
        memcpy(part, p, len);
        part[len] = '\0';
        const char *q = ground_space(part);
        double *b = boxes[*n < max ? *n : max - 1];
        const char *e = *q == '[' ? ground_bracket(q, b) : NULL;
        if (!e && *q != '[') { /* "x1 y1 x2 y2" or "x1,y1,x2,y2" */
            char *wrapped = xasprintf("[%s]", q);
            e = ground_bracket(wrapped, b) ? q + strlen(q) : NULL;
            free(wrapped);
        }
        bool ok = e && !*ground_space(e) && *n < max;
        for (int i = 0; ok && i < 4; i++) ok = isfinite(b[i]);
        ok = ok && b[0] < b[2] && b[1] < b[3];
        free(part);
        if (!ok) return -1;
        (*n)++;
        if (!bar) break;
        p = bar + 1;
    }
    return *n > 0 ? 0 : -1;
}

/* A whole number as a JSON integer (100, not 100.0), else a real. */
static json_t *ground_json_number(double v) {
    return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

json_t *import_ground_answer(const double (*boxes)[4], int n, double w, double h) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *b = json_array();
        for (int k = 0; k < 4; k++) json_array_append_new(b, ground_json_number(boxes[i][k]));
        json_array_append_new(a, b);
    }
    json_t *size = json_array();
    json_array_append_new(size, ground_json_number(w));
    json_array_append_new(size, ground_json_number(h));
    return json_pack("{s:o,s:o}", "boxes", a, "size", size);
}
