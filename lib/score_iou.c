/*
 * score_iou.c - the `iou` scorer (docs/scoring.md, "iou"). This file owns:
 *   - reading the expected answer: boxes in pixels of the image as given, the
 *     image size, the threshold and an optional pinned convention;
 *   - finding the boxes in a reply: <box>...</box> / <|box_start|> tags,
 *     JSON "bbox_2d"/"bbox" keys, or plain [x1, y1, x2, y2] lists (also the
 *     pair form (x1,y1),(x2,y2));
 *   - deciding the convention they are written in (pixels, the 0-1000 grid,
 *     0-1 fractions) and converting them to pixels;
 *   - the one-to-one matching of read boxes to expected boxes.
 * Any bytes are a valid reply: a reply with no box is unparsed, never an error.
 */
#include "score_iou.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum iou_form { FORM_LIST, FORM_JSON, FORM_TAG };
enum iou_conv { CONV_AUTO, CONV_PIXELS, CONV_GRID1000, CONV_UNIT };

static const char *const CONV_NAMES[] = {"auto", "pixels", "grid1000", "unit"};

/* The expected answer, checked. */
struct iou_expected {
    double box[IOU_MAX_EXPECTED][4];
    int n;
    double w, h, threshold;
    enum iou_conv pinned;
};

/* The boxes of a reply, as written. */
struct iou_read {
    double box[IOU_MAX_READ][4];
    int n;
    enum iou_form form;
};

/* ------------------------------------------------------------ the expected answer */

static int iou_fail(char *err, size_t err_len, const char *what) {
    util_errf(err, err_len, "scorer 'iou': %s", what);
    return VLM_ERR_INPUT;
}

/* A JSON array of 4 numbers with x1 < x2 and y1 < y2 into b. */
static bool iou_json_box(const json_t *v, double *b) {
    if (!json_is_array(v) || json_array_size(v) != 4) return false;
    for (size_t i = 0; i < 4; i++) {
        const json_t *c = json_array_get(v, i);
        if (!json_is_number(c) || !isfinite(json_number_value(c))) return false;
        b[i] = json_number_value(c);
    }
    return b[0] < b[2] && b[1] < b[3];
}

static int iou_read_boxes(const json_t *exp, struct iou_expected *e, char *err, size_t err_len) {
    const json_t *boxes = json_object_get(exp, "boxes"), *one = json_object_get(exp, "box");
    if (boxes && one) return iou_fail(err, err_len, "give 'boxes' or 'box', not both");
    if (one) {
        e->n = 1;
        if (iou_json_box(one, e->box[0])) return VLM_OK;
        return iou_fail(err, err_len, "'box' must be [x1, y1, x2, y2] with x1 < x2 and y1 < y2");
    }
    if (!json_is_array(boxes) || json_array_size(boxes) < 1 || json_array_size(boxes) > IOU_MAX_EXPECTED)
        return iou_fail(err, err_len, "'boxes' must be an array of 1 to 10 boxes [x1, y1, x2, y2]");
    e->n = (int)json_array_size(boxes);
    for (int i = 0; i < e->n; i++) {
        if (iou_json_box(json_array_get(boxes, (size_t)i), e->box[i])) continue;
        char msg[128];
        snprintf(msg, sizeof msg, "expected box %d must be [x1, y1, x2, y2] with x1 < x2 and y1 < y2", i + 1);
        return iou_fail(err, err_len, msg);
    }
    return VLM_OK;
}

static int iou_read_expected(const json_t *exp, struct iou_expected *e, char *err, size_t err_len) {
    memset(e, 0, sizeof *e);
    if (!json_is_object(exp))
        return iou_fail(err, err_len,
                        "the expected answer must be {\"boxes\": [[x1, y1, x2, y2], ...], \"size\": [w, h]}");
    if (iou_read_boxes(exp, e, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
    const json_t *size = json_object_get(exp, "size");
    const json_t *w = json_array_get(size, 0), *h = json_array_get(size, 1);
    if (!json_is_array(size) || json_array_size(size) != 2 || !json_is_number(w) || !json_is_number(h) ||
        !(json_number_value(w) > 0) || !(json_number_value(h) > 0))
        return iou_fail(err, err_len, "'size' must be the image's [width, height] in pixels, both > 0");
    e->w = json_number_value(w);
    e->h = json_number_value(h);
    const json_t *t = json_object_get(exp, "threshold");
    e->threshold = 0.5;
    if (t && (!json_is_number(t) || !(json_number_value(t) > 0 && json_number_value(t) <= 1)))
        return iou_fail(err, err_len, "'threshold' must be a number in (0, 1]");
    if (t) e->threshold = json_number_value(t);
    const json_t *f = json_object_get(exp, "box_format");
    if (!f) return VLM_OK;
    for (int c = CONV_PIXELS; c <= CONV_UNIT; c++)
        if (json_is_string(f) && strcmp(json_string_value(f), CONV_NAMES[c]) == 0) e->pinned = (enum iou_conv)c;
    if (e->pinned == CONV_AUTO)
        return iou_fail(err, err_len, "'box_format' must be \"pixels\", \"grid1000\" or \"unit\"");
    return VLM_OK;
}

/* ------------------------------------------------------------ boxes in a reply */

static const char *iou_skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* A decimal number (optional sign, digits, optional fraction) at p, spaces
 * first; NULL when there is none. */
static const char *iou_number(const char *p, double *v) { return util_read_decimal(iou_skip_space(p), false, v); }

/* A separator between numbers: a comma and/or spacing; NULL when neither. */
static const char *iou_sep(const char *p) {
    const char *q = iou_skip_space(p);
    if (*q == ',') return iou_skip_space(q + 1);
    return q > p ? q : NULL;
}

static bool iou_opener(char c) { return c == '[' || c == '('; }
static bool iou_closer(char c) { return c == ']' || c == ')'; }

/* n numbers between an opener at p and a closer; returns past the closer. */
static const char *iou_tuple(const char *p, int n, double *v) {
    if (!iou_opener(*p)) return NULL;
    p++;
    for (int i = 0; i < n; i++) {
        if (i > 0 && !(p = iou_sep(p))) return NULL;
        if (!(p = iou_number(p, &v[i]))) return NULL;
    }
    p = iou_skip_space(p);
    return iou_closer(*p) ? p + 1 : NULL;
}

/* A box at p (an opener): [x1, y1, x2, y2] or (x1,y1),(x2,y2); returns past it. */
static const char *iou_box_at(const char *p, double *b) {
    const char *e = iou_tuple(p, 4, b);
    if (e) return e;
    if (!(e = iou_tuple(p, 2, b))) return NULL;
    const char *q = iou_skip_space(e);
    if (*q == ',') q = iou_skip_space(q + 1);
    return iou_tuple(q, 2, b + 2);
}

static void iou_add(struct iou_read *r, const double *b) {
    if (r->n < IOU_MAX_READ) memcpy(r->box[r->n++], b, 4 * sizeof *b);
}

/* Every box in [p, end). */
static void iou_scan(const char *p, const char *end, struct iou_read *r) {
    while (p < end && *p) {
        double b[4];
        const char *e = iou_opener(*p) ? iou_box_at(p, b) : NULL;
        if (e && e <= end) {
            iou_add(r, b);
            p = e;
        } else {
            p++;
        }
    }
}

/* The boxes inside <box>...</box> or <|box_start|>...<|box_end|> tags. */
static void iou_scan_tags(const char *s, struct iou_read *r) {
    static const char *const TAGS[][2] = {{"<box>", "</box>"}, {"<|box_start|>", "<|box_end|>"}};
    const char *p = s;
    for (;;) {
        const char *best = NULL;
        int which = 0;
        for (int t = 0; t < 2; t++) {
            const char *o = strstr(p, TAGS[t][0]);
            if (o && (!best || o < best)) best = o, which = t;
        }
        if (!best) return;
        const char *in = best + strlen(TAGS[which][0]), *close = strstr(in, TAGS[which][1]);
        const char *end = close ? close : in + strlen(in);
        iou_scan(in, end, r);
        p = close ? close + strlen(TAGS[which][1]) : end;
    }
}

/* The boxes right after a "bbox" key ("bbox_2d": [...], 'bbox': [...], bbox=(...)). */
static void iou_scan_keys(const char *s, struct iou_read *r) {
    for (const char *p = strstr(s, "bbox"); p; p = strstr(p, "bbox")) {
        p += 4;
        while (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) p++;
        const char *q = p;
        while (*q == '"' || *q == '\'' || *q == ':' || *q == '=' || *q == ' ' || *q == '\t' || *q == '\n') q++;
        double b[4];
        const char *e = iou_opener(*q) ? iou_box_at(q, b) : NULL;
        if (!e && *q == '[' && iou_opener(*iou_skip_space(q + 1))) { /* "bbox": [[x1, y1, x2, y2]] */
            e = iou_box_at(iou_skip_space(q + 1), b);
        }
        if (e) {
            iou_add(r, b);
            p = e;
        }
    }
}

/* The boxes of a reply, by the first form that applies (docs/scoring.md). */
static void iou_read_reply(const char *s, struct iou_read *r) {
    memset(r, 0, sizeof *r);
    if (strstr(s, "<box>") || strstr(s, "<|box_start|>")) {
        r->form = FORM_TAG;
        iou_scan_tags(s, r);
        return;
    }
    if (strstr(s, "bbox")) {
        r->form = FORM_JSON;
        iou_scan_keys(s, r);
        if (r->n > 0) return;
    }
    r->form = FORM_LIST;
    iou_scan(s, s + strlen(s), r);
}

/* ------------------------------------------------------------ the convention */

/* The convention of the boxes read (all of a reply's boxes share one): the
 * pinned one, else unit when every value is within 0..1, grid1000 for tags,
 * grid1000 when a value lies beyond the image but none beyond 1000, else pixels. */
static enum iou_conv iou_convention(const struct iou_read *r, const struct iou_expected *e) {
    if (e->pinned != CONV_AUTO) return e->pinned;
    bool unit = true, beyond = false, within1000 = true;
    for (int i = 0; i < r->n; i++)
        for (int k = 0; k < 4; k++) {
            double v = r->box[i][k];
            unit = unit && v >= 0 && v <= 1;
            beyond = beyond || v > (k % 2 == 0 ? e->w : e->h);
            within1000 = within1000 && v >= 0 && v <= 1000;
        }
    if (unit) return CONV_UNIT;
    if (r->form == FORM_TAG) return CONV_GRID1000;
    if (beyond && within1000) return CONV_GRID1000;
    return CONV_PIXELS;
}

/* Box b as written, in pixels of the image, corners in order. */
static void iou_to_pixels(const double *b, enum iou_conv c, double w, double h, double *out) {
    double sx = c == CONV_UNIT ? w : c == CONV_GRID1000 ? w / 1000 : 1;
    double sy = c == CONV_UNIT ? h : c == CONV_GRID1000 ? h / 1000 : 1;
    double x1 = b[0] * sx, y1 = b[1] * sy, x2 = b[2] * sx, y2 = b[3] * sy;
    out[0] = fmin(x1, x2);
    out[1] = fmin(y1, y2);
    out[2] = fmax(x1, x2);
    out[3] = fmax(y1, y2);
}

/* ------------------------------------------------------------ matching */

double score_iou_pair(const double *a, const double *b) {
    double iw = fmin(a[2], b[2]) - fmax(a[0], b[0]), ih = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    double inter = iw > 0 && ih > 0 ? iw * ih : 0;
    double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    return uni > 0 ? inter / uni : 0;
}

/* The largest sum of weights w[e * n_read + r] over one-to-one matchings of
 * n_exp expected boxes (n_exp <= IOU_MAX_EXPECTED) to n_read read boxes: a
 * dynamic programme over the read boxes and the set of expected boxes taken. */
static double iou_best_matching(const double *w, int n_exp, int n_read) {
    int full = 1 << n_exp;
    double *dp = xmalloc((size_t)full * sizeof *dp), *next = xmalloc((size_t)full * sizeof *next);
    for (int m = 0; m < full; m++) dp[m] = m == 0 ? 0 : -1;
    for (int r = 0; r < n_read; r++) {
        memcpy(next, dp, (size_t)full * sizeof *next); /* read box r left unmatched */
        for (int m = 0; m < full; m++) {
            if (dp[m] < 0) continue;
            for (int e = 0; e < n_exp; e++) {
                if (m & (1 << e)) continue;
                double v = dp[m] + w[e * n_read + r];
                if (v > next[m | (1 << e)]) next[m | (1 << e)] = v;
            }
        }
        double *t = dp;
        dp = next;
        next = t;
    }
    double best = 0;
    for (int m = 0; m < full; m++)
        if (dp[m] > best) best = dp[m];
    free(dp);
    free(next);
    return best;
}

/* ------------------------------------------------------------ scoring */

static void iou_detail(struct vlm_score *out, double score, enum iou_conv c, int n_read, int n_exp) {
    if (n_read == 1 && n_exp == 1) snprintf(out->detail, sizeof out->detail, "iou %.3f (%s)", score, CONV_NAMES[c]);
    else
        snprintf(out->detail, sizeof out->detail, "iou %.3f (%s; %d %s for %d expected)", score, CONV_NAMES[c], n_read,
                 n_read == 1 ? "box" : "boxes", n_exp);
}

int score_iou_reply(const char *reply, const json_t *exp, struct vlm_score *out, char *err, size_t err_len) {
    struct iou_expected e;
    if (iou_read_expected(exp, &e, err, err_len) != VLM_OK) return VLM_ERR_INPUT;
    struct iou_read *r = xmalloc(sizeof *r);
    iou_read_reply(reply ? reply : "", r);
    if (r->n == 0) {
        out->score = 0;
        out->correct = false;
        out->unparsed = true;
        snprintf(out->detail, sizeof out->detail, "unparsed: no box");
        free(r);
        return VLM_OK;
    }
    enum iou_conv c = iou_convention(r, &e);
    double *iou = xmalloc((size_t)(e.n * r->n) * sizeof *iou), *hit = xmalloc((size_t)(e.n * r->n) * sizeof *hit);
    for (int i = 0; i < e.n; i++)
        for (int k = 0; k < r->n; k++) {
            double px[4];
            iou_to_pixels(r->box[k], c, e.w, e.h, px);
            iou[i * r->n + k] = score_iou_pair(e.box[i], px);
            hit[i * r->n + k] = iou[i * r->n + k] >= e.threshold ? 1 : 0;
        }
    /* Mean IoU over max(expected, read): unmatched boxes on either side count 0. */
    out->score = iou_best_matching(iou, e.n, r->n) / (e.n > r->n ? e.n : r->n);
    out->correct = r->n == e.n && iou_best_matching(hit, e.n, r->n) >= e.n - 0.5;
    out->unparsed = false;
    iou_detail(out, out->score, c, r->n, e.n);
    free(iou);
    free(hit);
    free(r);
    return VLM_OK;
}
