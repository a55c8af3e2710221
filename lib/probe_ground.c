/*
 * probe_ground.c - the probe category `grounding` (docs/probe.md): "give the
 * bounding box of the red circle" over a picture of coloured shapes, each in a
 * colour of its own, scored by `iou` (docs/scoring.md). The expected box is
 * read from the rendered pixels, not from the drawing's geometry: the bounding
 * box of every pixel that is at least half the target's colour (probe_classify),
 * after the check that each colour shows as exactly one region.
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define G_BG       PROBE_WHITE
#define G_MAX_OBJ  5
#define G_GAP      10 /* pixels kept free between objects' circumcircles */
#define G_MIN_BLOB 30

/* Colours far apart from each other and from white, none a blend of another
 * with white (so no anti-aliased edge of one reads as another). */
static const int G_COLOURS[G_MAX_OBJ] = {PC_RED, PC_GREEN, PC_BLUE, PC_YELLOW, PC_BLACK};

struct g_obj {
    enum probe_shape shape;
    int colour;
    double cx, cy, r, angle;
};

/* A picture, its targets, and the boxes read back from its pixels. */
struct g_scene {
    int w, h, n, n_targets;
    double rmin, rmax;
    bool turn;
    struct g_obj o[G_MAX_OBJ]; /* the targets first */
    int box[G_MAX_OBJ][4];     /* per object: x1, y1, x2, y2 in pixel edges (x2, y2 exclusive) */
};

/* Per level: picture size (multiples of 28, so Qwen2.5-VL's resizing keeps it),
 * objects, radii, turned, targets asked for. */
struct g_level {
    int w, h, n;
    double rmin, rmax;
    bool turn;
    int n_targets;
};
static const struct g_level G_LEVELS[3] = {
    {448, 336, 2, 40, 60, false, 1},
    {560, 420, 4, 24, 40, true, 1},
    {672, 504, 5, 14, 24, true, 2},
};

/* ------------------------------------------------------------ layout and drawing */

static bool g_place(probe_rng *rng, struct g_scene *s, int i) {
    struct g_obj *o = &s->o[i];
    for (int tries = 0; tries < 400; tries++) {
        o->cx = probe_rng_real(rng, o->r + 4, s->w - o->r - 4);
        o->cy = probe_rng_real(rng, o->r + 4, s->h - o->r - 4);
        bool free_spot = true;
        for (int j = 0; j < i && free_spot; j++) {
            double dx = o->cx - s->o[j].cx, dy = o->cy - s->o[j].cy, need = o->r + s->o[j].r + G_GAP;
            free_spot = dx * dx + dy * dy >= need * need;
        }
        if (free_spot) return true;
    }
    return false;
}

static bool g_layout(probe_rng *rng, void *spec) {
    struct g_scene *s = spec;
    for (int i = 0; i < s->n; i++) {
        struct g_obj *o = &s->o[i];
        o->r = probe_rng_real(rng, s->rmin, s->rmax);
        o->angle = s->turn && o->shape != PS_CIRCLE ? probe_rng_real(rng, 0, 360) : 0; /* levels 2-3 */
        if (!g_place(rng, s, i)) return false;
    }
    return true;
}

static int g_draw(void *spec, probe_canvas **out) {
    const struct g_scene *s = spec;
    probe_canvas *c = probe_canvas_new(s->w, s->h, G_BG);
    for (int i = 0; i < s->n; i++)
        probe_draw_shape(c, s->o[i].shape, s->o[i].cx, s->o[i].cy, s->o[i].r, s->o[i].angle,
                         probe_colours[s->o[i].colour].rgb, 0);
    out[0] = c;
    return 1;
}

/* ------------------------------------------------------------ reading the boxes back */

/* Each object's box from the pixels into boxes: the bounding box of every
 * pixel of its colour. False (why set) when a colour is not exactly one
 * region of G_MIN_BLOB pixels or more, or its box leaves the object's circle. */
static bool g_read_boxes(const vlm_image *im, const struct g_scene *s, int (*boxes)[4], char *why, size_t len) {
    uint32_t palette[G_MAX_OBJ];
    for (int i = 0; i < s->n; i++) palette[i] = probe_colours[s->o[i].colour].rgb;
    unsigned char *cls = probe_classify(im, G_BG, palette, s->n);
    int w = (int)im->width, h = (int)im->height;
    bool ok = true;
    for (int i = 0; i < s->n && ok; i++) {
        const struct g_obj *o = &s->o[i];
        struct probe_blob blob;
        int regions = probe_regions(cls, w, h, i, G_MIN_BLOB, &blob, 1);
        int *b = boxes[i];
        b[0] = w, b[1] = h, b[2] = -1, b[3] = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                if (cls[(size_t)y * (size_t)w + (size_t)x] != i + 1) continue;
                if (x < b[0]) b[0] = x;
                if (y < b[1]) b[1] = y;
                if (x + 1 > b[2]) b[2] = x + 1;
                if (y + 1 > b[3]) b[3] = y + 1;
            }
        if (regions != 1) {
            snprintf(why, len, "the %s %s shows as %d regions", probe_colours[o->colour].en,
                     probe_shape_names[o->shape].en, regions);
            ok = false;
        } else if (b[0] < floor(o->cx - o->r) - 1 || b[2] > ceil(o->cx + o->r) + 1 || b[1] < floor(o->cy - o->r) - 1 ||
                   b[3] > ceil(o->cy + o->r) + 1) {
            snprintf(why, len, "pixels of the %s %s lie outside its circle", probe_colours[o->colour].en,
                     probe_shape_names[o->shape].en);
            ok = false;
        }
    }
    free(cls);
    return ok;
}

static bool g_check(const vlm_image *ims, int n, const void *spec, char *why, size_t len) {
    int boxes[G_MAX_OBJ][4];
    return n == 1 && g_read_boxes(&ims[0], spec, boxes, why, len);
}

static const struct probe_picture_ops G_OPS = {g_layout, g_draw, g_check};

/* ------------------------------------------------------------ the case */

static char *g_name_en(const struct g_obj *o) {
    return xasprintf("the %s %s", probe_colours[o->colour].en, probe_shape_names[o->shape].en);
}

static char *g_name_zh(const struct g_obj *o) {
    return xasprintf("%s的%s", probe_colours[o->colour].zh, probe_shape_names[o->shape].zh);
}

static void g_question(struct probe_case *pc, const struct g_scene *s) {
    char *a_en = g_name_en(&s->o[0]), *a_zh = g_name_zh(&s->o[0]);
    if (s->n_targets == 1) {
        probe_set_turn(pc, 0,
                       xasprintf("Give the bounding box of %s in this image as [x1, y1, x2, y2]: the pixel "
                                 "coordinates of its top-left and bottom-right corners. The image is %d pixels wide "
                                 "and %d pixels high.",
                                 a_en, s->w, s->h),
                       xasprintf("请给出图中%s的边界框，格式为 [x1, y1, x2, y2]，即其左上角和右下角的像素坐标。"
                                 "图片宽%d像素、高%d像素。",
                                 a_zh, s->w, s->h));
    } else {
        char *b_en = g_name_en(&s->o[1]), *b_zh = g_name_zh(&s->o[1]);
        probe_set_turn(pc, 0,
                       xasprintf("Give the bounding boxes of %s and %s in this image, one [x1, y1, x2, y2] per "
                                 "object in that order: the pixel coordinates of the top-left and bottom-right "
                                 "corners. The image is %d pixels wide and %d pixels high.",
                                 a_en, b_en, s->w, s->h),
                       xasprintf("请给出图中%s和%s的边界框，按此顺序每个物体一个 [x1, y1, x2, y2]，即左上角和右下角的"
                                 "像素坐标。图片宽%d像素、高%d像素。",
                                 a_zh, b_zh, s->w, s->h));
        free(b_en);
        free(b_zh);
    }
    free(a_en);
    free(a_zh);
}

/* {"boxes": [[x1, y1, x2, y2], ...], "size": [w, h]}: the targets' boxes in the order asked. */
static json_t *g_expected(const struct g_scene *s) {
    json_t *boxes = json_array();
    for (int i = 0; i < s->n_targets; i++)
        json_array_append_new(boxes, json_pack("[i,i,i,i]", s->box[i][0], s->box[i][1], s->box[i][2], s->box[i][3]));
    return json_pack("{s:o,s:[i,i]}", "boxes", boxes, "size", s->w, s->h);
}

int probe_gen_grounding(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    const struct g_level *l = &G_LEVELS[probe_level(x)];
    struct g_scene s = {
        .w = l->w, .h = l->h, .n = l->n, .n_targets = l->n_targets, .rmin = l->rmin, .rmax = l->rmax, .turn = l->turn};
    int colours[G_MAX_OBJ] = {0, 1, 2, 3, 4};
    probe_rng_shuffle(rng, colours, G_MAX_OBJ);
    for (int i = 0; i < s.n; i++) {
        s.o[i].colour = G_COLOURS[colours[i]];
        s.o[i].shape = (enum probe_shape)probe_rng_int(rng, 0, PS_N - 1);
    }
    probe_canvas *pic[PROBE_MAX_IMAGES];
    if (probe_draw_checked(x, rng, &G_OPS, &s, pic) < 0) return -1;
    vlm_image im;
    char why[256] = "";
    probe_canvas_rgb(pic[0], &im);
    bool ok = g_read_boxes(&im, &s, s.box, why, sizeof why);
    vlm_image_free(&im);
    if (!ok) { /* the check just passed on the same pixels */
        probe_canvas_free(pic[0]);
        return probe_fail(x, "%s: %s", x->base, why);
    }
    if (probe_save_pictures(x, pc, pic, 1, PL_N) != 0) return -1;
    g_question(pc, &s);
    probe_set_expected(pc, 0, g_expected(&s), NULL);
    pc->scorer = "iou";
    return 0;
}
