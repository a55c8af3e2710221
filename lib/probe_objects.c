/*
 * probe_objects.c - the probe categories whose pictures are coloured shapes
 * (docs/probe.md): colors, shapes, counting, spatial, multi_image, multi_turn,
 * hallucination. Each generator picks its answer first, then lays out objects
 * without letting them touch; every picture is read back (probe_check.c) and
 * must show, per colour, as many regions as objects, of the right shapes and
 * colours, plus what the category asks about (a relation, the odd picture, the
 * largest object).
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BG        PROBE_WHITE
#define MAX_OBJ   32
#define GAP       8   /* pixels kept free between objects */
#define MIN_BLOB  30  /* smaller regions of a colour are edge noise */
#define OUTLINE_W 6.0 /* stroke of an outlined container */

static const char *const ANSWER_WORD_EN = "Answer with one word.";
static const char *const ANSWER_WORD_ZH = "请用一个词回答。";

/* ------------------------------------------------------------ scenes of objects */

struct obj {
    enum probe_shape shape;
    int colour; /* enum probe_colour_id */
    double cx, cy, r, angle;
    bool outline; /* drawn as an outline (a container), not filled */
};

struct scene {
    int w, h, n;
    struct obj o[MAX_OBJ];
};

/* What a category draws: up to four scenes, how their objects are placed, and
 * a check of its own on top of the one every scene gets. */
struct scenes {
    int n;
    struct scene sc[PROBE_MAX_IMAGES];
    double rmin, rmax; /* object radii */
    bool turn;         /* objects at random angles */
    int rel, a, b;     /* spatial: the relation, subject and reference objects */
    int odd;           /* multi_image: the picture that differs */
    bool reshape;      /* multi_image: it differs in a shape, not a colour */
    bool (*extra)(const vlm_image *ims, const struct scenes *s, char *why, size_t len);
};

static void add_obj(struct scene *sc, enum probe_shape shape, int colour) {
    sc->o[sc->n++] = (struct obj){.shape = shape, .colour = colour};
}

static bool spot_free(const struct scene *sc, int upto, double cx, double cy, double r) {
    for (int j = 0; j < upto; j++) {
        double dx = cx - sc->o[j].cx, dy = cy - sc->o[j].cy, need = r + sc->o[j].r + GAP;
        if (dx * dx + dy * dy < need * need) return false;
    }
    return true;
}

/* A free random spot for object i (radius set), inside the picture. */
static bool place_one(probe_rng *rng, struct scene *sc, int i) {
    struct obj *o = &sc->o[i];
    for (int tries = 0; tries < 400; tries++) {
        o->cx = probe_rng_real(rng, o->r + 4, sc->w - o->r - 4);
        o->cy = probe_rng_real(rng, o->r + 4, sc->h - o->r - 4);
        if (spot_free(sc, i, o->cx, o->cy, o->r)) return true;
    }
    return false;
}

/* Radii, angles and places for objects from..n-1. */
static bool scatter(probe_rng *rng, struct scene *sc, int from, double rmin, double rmax, bool turn) {
    for (int i = from; i < sc->n; i++) {
        struct obj *o = &sc->o[i];
        o->r = probe_rng_real(rng, rmin, rmax);
        o->angle = turn && o->shape != PS_CIRCLE ? probe_rng_real(rng, 0, 360) : 0;
        if (!place_one(rng, sc, i)) return false;
    }
    return true;
}

static probe_canvas *draw_scene(const struct scene *sc) {
    probe_canvas *c = probe_canvas_new(sc->w, sc->h, BG);
    for (int i = 0; i < sc->n; i++) {
        const struct obj *o = &sc->o[i];
        probe_draw_shape(c, o->shape, o->cx, o->cy, o->r, o->angle, probe_colours[o->colour].rgb,
                         o->outline ? OUTLINE_W : 0);
    }
    return c;
}

/* A picture read back: each pixel's class among the scene's colours. */
struct reading {
    int ids[PC_N]; /* the scene's colours, in order of first use */
    uint32_t rgb[PC_N];
    int n, w, h;
    unsigned char *classes; /* probe_classify */
};

static void read_picture(const vlm_image *im, const struct scene *sc, struct reading *r) {
    r->n = 0;
    for (int i = 0; i < sc->n; i++) {
        bool seen = false;
        for (int k = 0; k < r->n; k++) seen |= r->ids[k] == sc->o[i].colour;
        if (seen) continue;
        r->ids[r->n] = sc->o[i].colour;
        r->rgb[r->n++] = probe_colours[sc->o[i].colour].rgb;
    }
    r->w = (int)im->width;
    r->h = (int)im->height;
    r->classes = probe_classify(im, BG, r->rgb, r->n);
}

/* The regions of one of the scene's colours. */
static int colour_blobs(const struct reading *r, int colour, struct probe_blob *out, int max_out) {
    for (int k = 0; k < r->n; k++)
        if (r->ids[k] == colour) return probe_regions(r->classes, r->w, r->h, k, MIN_BLOB, out, max_out);
    return 0;
}

/* The regions of one colour are as many as its objects and read as their shapes. */
static bool check_colour_regions(const struct reading *r, const struct scene *sc, int colour, char *why, size_t len) {
    int want[PS_N] = {0}, n_want = 0;
    bool outlined = false;
    for (int i = 0; i < sc->n; i++) {
        if (sc->o[i].colour != colour) continue;
        want[sc->o[i].shape]++;
        n_want++;
        outlined |= sc->o[i].outline;
    }
    struct probe_blob blobs[MAX_OBJ];
    int got = colour_blobs(r, colour, blobs, MAX_OBJ);
    if (got != n_want) {
        snprintf(why, len, "%d %s regions in the picture, %d objects drawn", got, probe_colours[colour].en, n_want);
        return false;
    }
    for (int i = 0; i < got && !outlined; i++) {
        enum probe_shape s = probe_blob_shape(&blobs[i]);
        if (--want[s] < 0) {
            snprintf(why, len, "a %s region at (%.0f,%.0f) reads as a %s, which was not drawn",
                     probe_colours[colour].en, blobs[i].cx, blobs[i].cy, probe_shape_names[s].en);
            return false;
        }
    }
    return true;
}

/* The colour in the middle of each filled object reads as its colour's name. */
static bool check_object_colours(const vlm_image *im, const struct scene *sc, char *why, size_t len) {
    for (int i = 0; i < sc->n; i++) {
        const struct obj *o = &sc->o[i];
        if (o->outline) continue;
        int half = (int)(o->r * 0.2), x = (int)lround(o->cx), y = (int)lround(o->cy);
        int got = probe_nearest_colour(probe_mean_rgb(im, x - half, y - half, x + half, y + half), NULL, 0);
        if (got != o->colour) {
            snprintf(why, len, "the %s %s reads as %s", probe_colours[o->colour].en, probe_shape_names[o->shape].en,
                     probe_colours[got].en);
            return false;
        }
    }
    return true;
}

/* Every picture: per colour, as many regions as objects, of the right shapes,
 * and the right colour inside each. */
static bool check_scene(const vlm_image *im, const struct scene *sc, char *why, size_t len) {
    struct reading r;
    read_picture(im, sc, &r);
    bool ok = true;
    for (int k = 0; k < r.n && ok; k++) ok = check_colour_regions(&r, sc, r.ids[k], why, len);
    free(r.classes);
    return ok && check_object_colours(im, sc, why, len);
}

/* The regions of each object: of its colour, the one nearest to where it was
 * drawn. False when an object has none. */
static bool object_blobs(const vlm_image *im, const struct scene *sc, struct probe_blob *out) {
    struct reading r;
    read_picture(im, sc, &r);
    bool ok = true;
    for (int i = 0; i < sc->n; i++) {
        struct probe_blob blobs[MAX_OBJ];
        int n = colour_blobs(&r, sc->o[i].colour, blobs, MAX_OBJ);
        double best = 1e18;
        ok = ok && n > 0;
        for (int k = 0; k < n && k < MAX_OBJ; k++) {
            double dx = blobs[k].cx - sc->o[i].cx, dy = blobs[k].cy - sc->o[i].cy;
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                out[i] = blobs[k];
            }
        }
    }
    free(r.classes);
    return ok;
}

/* ------------------------------------------------------------ pictures of scenes */

static bool scenes_layout(probe_rng *rng, void *spec) {
    struct scenes *s = spec;
    for (int i = 0; i < s->n; i++)
        if (!scatter(rng, &s->sc[i], 0, s->rmin, s->rmax, s->turn)) return false;
    return true;
}

static int scenes_draw(void *spec, probe_canvas **out) {
    struct scenes *s = spec;
    for (int i = 0; i < s->n; i++) out[i] = draw_scene(&s->sc[i]);
    return s->n;
}

static bool scenes_check(const vlm_image *ims, int n, const void *spec, char *why, size_t len) {
    const struct scenes *s = spec;
    for (int i = 0; i < n; i++)
        if (!check_scene(&ims[i], &s->sc[i], why, len)) return false;
    return !s->extra || s->extra(ims, s, why, len);
}

static const struct probe_picture_ops scene_ops = {scenes_layout, scenes_draw, scenes_check};

/* ------------------------------------------------------------ choosing things */

/* Colours with one-word names that do not hide inside others in Chinese answers. */
static const int open_colours[] = {PC_RED, PC_GREEN, PC_BLUE, PC_YELLOW, PC_BLACK};
static const char *const open_colour_zh[][3] = {
    [PC_RED] = {"红色", "红", NULL},    [PC_GREEN] = {"绿色", "绿", NULL}, [PC_BLUE] = {"蓝色", "蓝", NULL},
    [PC_YELLOW] = {"黄色", "黄", NULL}, [PC_BLACK] = {"黑色", "黑", NULL},
};

/* n distinct colours (from `from`, or the whole palette when NULL), never black
 * with gray: gray is black blended with white, which the checks cannot tell apart. */
static void pick_colours(probe_rng *rng, int n, int *out, const int *from, int n_from) {
    int all[PC_N], m = from ? n_from : PC_N;
    for (int i = 0; i < m; i++) all[i] = from ? from[i] : i;
    probe_rng_shuffle(rng, all, m);
    bool black = false, gray = false;
    for (int i = 0, k = 0; k < n && i < m; i++) {
        if ((all[i] == PC_BLACK && gray) || (all[i] == PC_GRAY && black)) continue;
        black |= all[i] == PC_BLACK;
        gray |= all[i] == PC_GRAY;
        out[k++] = all[i];
    }
}

/* n distinct shapes among the first `among` kinds. */
static void pick_shapes(probe_rng *rng, int n, int among, int *out) { probe_rng_pick(rng, among, n, out); }

static char *obj_name_en(const struct obj *o) {
    return xasprintf("%s %s", probe_colours[o->colour].en, probe_shape_names[o->shape].en);
}

static char *obj_name_zh(const struct obj *o) {
    return xasprintf("%s的%s", probe_colours[o->colour].zh, probe_shape_names[o->shape].zh);
}

/* Options for a choice: `right` plus distinct others from `pool`, shuffled;
 * returns where `right` ended up. `first` are preferred distractors. */
static int make_options(probe_rng *rng, int right, const int *first, int n_first, const int *pool, int n_pool,
                        int n_opts, int *opts) {
    int n = 0;
    opts[n++] = right;
    for (int pass = 0; pass < 2 && n < n_opts; pass++) {
        const int *src = pass == 0 ? first : pool;
        int m = pass == 0 ? n_first : n_pool;
        int order[PC_N + PS_N + 8];
        for (int i = 0; i < m; i++) order[i] = src[i];
        if (pass == 1) probe_rng_shuffle(rng, order, m);
        for (int i = 0; i < m && n < n_opts; i++) {
            bool dup = false;
            for (int k = 0; k < n; k++) dup |= opts[k] == order[i];
            if (!dup) opts[n++] = order[i];
        }
    }
    probe_rng_shuffle(rng, opts, n);
    for (int i = 0; i < n; i++)
        if (opts[i] == right) return i;
    return 0;
}

static void colour_choice_turn(struct probe_case *pc, int t, const char *q_en, const char *q_zh, const int *opts, int n,
                               int answer) {
    const char *en[PROBE_MAX_CHOICES], *zh[PROBE_MAX_CHOICES];
    for (int i = 0; i < n; i++) {
        en[i] = probe_colours[opts[i]].en;
        zh[i] = probe_colours[opts[i]].zh;
    }
    probe_set_choice_turn(pc, t, q_en, q_zh, en, zh, n, answer);
}

static void shape_choice_turn(struct probe_case *pc, int t, const char *q_en, const char *q_zh, const int *opts, int n,
                              int answer) {
    const char *en[PROBE_MAX_CHOICES], *zh[PROBE_MAX_CHOICES];
    for (int i = 0; i < n; i++) {
        en[i] = probe_shape_names[opts[i]].en;
        zh[i] = probe_shape_names[opts[i]].zh;
    }
    probe_set_choice_turn(pc, t, q_en, q_zh, en, zh, n, answer);
}

/* The accepted answers naming a shape / an open-answer colour. */
static void expect_shape(struct probe_case *pc, int t, enum probe_shape s) {
    probe_set_expected(pc, t, probe_answers(probe_shape_names[s].accept_en),
                       probe_answers(probe_shape_names[s].accept_zh));
}

static void expect_open_colour(struct probe_case *pc, int t, int colour) {
    const char *en[] = {probe_colours[colour].en, NULL};
    probe_set_expected(pc, t, probe_answers(en), probe_answers(open_colour_zh[colour]));
}

/* ------------------------------------------------------------ colors */

/* Colours a model may mix up with each one: the distractors of level 3. */
static const int confusable[PC_N][2] = {
    [PC_RED] = {PC_ORANGE, PC_PINK},     [PC_GREEN] = {PC_BLUE, PC_YELLOW}, [PC_BLUE] = {PC_PURPLE, PC_GREEN},
    [PC_YELLOW] = {PC_ORANGE, PC_GREEN}, [PC_ORANGE] = {PC_RED, PC_YELLOW}, [PC_PURPLE] = {PC_BLUE, PC_PINK},
    [PC_PINK] = {PC_PURPLE, PC_RED},     [PC_BROWN] = {PC_ORANGE, PC_RED},  [PC_BLACK] = {PC_GRAY, PC_BROWN},
    [PC_GRAY] = {PC_BLACK, PC_BROWN},
};

struct level_objects {
    int size, n_obj;
    double rmin, rmax;
    bool turn;
};

int probe_gen_colors(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct level_objects L[3] = {{256, 1, 70, 90, false}, {384, 3, 34, 50, false}, {384, 5, 16, 26, true}};
    const struct level_objects *l = &L[probe_level(x)];
    int kinds[PS_N], colours[PC_N];
    pick_shapes(rng, l->n_obj, l->n_obj == 1 ? 2 : PS_N, kinds);
    pick_colours(rng, l->n_obj, colours, NULL, 0);
    struct scenes s = {.n = 1, .rmin = l->rmin, .rmax = l->rmax, .turn = l->turn};
    s.sc[0].w = s.sc[0].h = l->size;
    for (int i = 0; i < l->n_obj; i++) add_obj(&s.sc[0], (enum probe_shape)kinds[i], colours[i]);
    const struct obj *target = &s.sc[0].o[0];

    int first[PC_N], n_first = 0, all[PC_N], opts[4];
    if (probe_level(x) == 2)
        for (int i = 0; i < 2; i++) first[n_first++] = confusable[target->colour][i];
    for (int i = 1; i < l->n_obj; i++) first[n_first++] = colours[i];
    for (int i = 0; i < PC_N; i++) all[i] = i;
    int answer = make_options(rng, target->colour, first, n_first, all, PC_N, 4, opts);
    if (probe_make_pictures(x, rng, pc, &scene_ops, &s) != 0) return -1;

    char *q_en, *q_zh;
    if (l->n_obj == 1) {
        q_en = xstrdup("What colour is the shape in this image?");
        q_zh = xstrdup("图中的形状是什么颜色？");
    } else {
        q_en = xasprintf("What colour is the %s in this image?", probe_shape_names[target->shape].en);
        q_zh = xasprintf("图中的%s是什么颜色？", probe_shape_names[target->shape].zh);
    }
    colour_choice_turn(pc, 0, q_en, q_zh, opts, 4, answer);
    free(q_en);
    free(q_zh);
    pc->scorer = "choice";
    return 0;
}

/* ------------------------------------------------------------ shapes */

int probe_gen_shapes(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct level_objects L[3] = {{256, 1, 60, 90, false}, {384, 3, 34, 50, false}, {384, 5, 18, 28, true}};
    const struct level_objects *l = &L[probe_level(x)];
    int kinds[PS_N], colours[PC_N];
    pick_shapes(rng, l->n_obj, l->n_obj == 1 ? 3 : PS_N, kinds);
    pick_colours(rng, l->n_obj, colours, NULL, 0);
    struct scenes s = {.n = 1, .rmin = l->rmin, .rmax = l->rmax, .turn = l->turn};
    s.sc[0].w = s.sc[0].h = l->size;
    for (int i = 0; i < l->n_obj; i++) add_obj(&s.sc[0], (enum probe_shape)kinds[i], colours[i]);
    if (probe_make_pictures(x, rng, pc, &scene_ops, &s) != 0) return -1;

    const struct obj *target = &s.sc[0].o[0];
    if (l->n_obj == 1)
        probe_set_turn(pc, 0, xasprintf("What shape is shown in this image? %s", ANSWER_WORD_EN),
                       xasprintf("图中是什么形状？%s", ANSWER_WORD_ZH));
    else
        probe_set_turn(pc, 0,
                       xasprintf("What shape is the %s object in this image? %s", probe_colours[target->colour].en,
                                 ANSWER_WORD_EN),
                       xasprintf("图中%s的物体是什么形状？%s", probe_colours[target->colour].zh, ANSWER_WORD_ZH));
    expect_shape(pc, 0, target->shape);
    pc->scorer = "contains";
    return 0;
}

/* ------------------------------------------------------------ counting */

struct level_count {
    int size, max;
    double rmin, rmax;
    int distract_min, distract_max;
    int kinds;
};

static const struct level_count count_levels[3] = {
    {320, 5, 22, 30, 0, 0, 2}, {384, 10, 14, 20, 0, 4, 3}, {448, 20, 11, 15, 2, 6, 3}};

#define COUNT_COLOURS 3 /* the target's colour and two for distractors */

/* A scene of n targets (shape s, colour cols[0]) and distractors: the same shape
 * in cols[1..2], and at level 3 also the target's colour in other shapes. */
static void counting_scene(probe_rng *rng, struct scene *sc, const struct level_count *l, int lvl, int n,
                           enum probe_shape s, const int *cols) {
    for (int i = 0; i < n; i++) add_obj(sc, s, cols[0]);
    int n_distract = probe_rng_int(rng, l->distract_min, l->distract_max);
    for (int i = 0; i < n_distract; i++) {
        if (lvl == 2 && i % 2 == 1) {
            int other = (s + 1 + probe_rng_int(rng, 0, l->kinds - 2)) % l->kinds;
            add_obj(sc, (enum probe_shape)other, cols[0]);
        } else {
            add_obj(sc, s, cols[1 + probe_rng_int(rng, 0, COUNT_COLOURS - 2)]);
        }
    }
}

static void count_question(struct probe_case *pc, int t, const struct obj *o) {
    probe_set_turn(pc, t,
                   xasprintf("How many %s %s are in this image? %s", probe_colours[o->colour].en,
                             probe_shape_names[o->shape].en_plural, PROBE_ANSWER_NUMBER_EN),
                   xasprintf("图中有几个%s的%s？%s", probe_colours[o->colour].zh, probe_shape_names[o->shape].zh,
                             PROBE_ANSWER_NUMBER_ZH));
}

int probe_gen_counting(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    const struct level_count *l = &count_levels[probe_level(x)];
    int n = probe_rng_int(rng, 1, l->max), cols[COUNT_COLOURS];
    enum probe_shape s = (enum probe_shape)probe_rng_int(rng, 0, l->kinds - 1);
    pick_colours(rng, COUNT_COLOURS, cols, NULL, 0);
    struct scenes sp = {.n = 1, .rmin = l->rmin, .rmax = l->rmax};
    sp.sc[0].w = sp.sc[0].h = l->size;
    counting_scene(rng, &sp.sc[0], l, probe_level(x), n, s, cols);
    if (probe_make_pictures(x, rng, pc, &scene_ops, &sp) != 0) return -1;
    count_question(pc, 0, &sp.sc[0].o[0]);
    probe_set_expected(pc, 0, probe_exact_number(n), NULL);
    pc->scorer = "number";
    return 0;
}

/* ------------------------------------------------------------ spatial */

enum { REL_LEFT, REL_RIGHT, REL_ABOVE, REL_BELOW, REL_INSIDE, REL_NEAREST, REL_N };

/* Subject a stands in relation rel (left .. below) to reference b, one axis
 * clearly dominating the other. */
static bool direction_holds(int rel, double ax, double ay, double bx, double by, double dominance) {
    double dx = ax - bx, dy = ay - by;
    switch (rel) {
    case REL_LEFT: return -dx > dominance * fabs(dy);
    case REL_RIGHT: return dx > dominance * fabs(dy);
    case REL_ABOVE: return -dy > dominance * fabs(dx);
    case REL_BELOW: return dy > dominance * fabs(dx);
    default: return false;
    }
}

static bool layout_direction(probe_rng *rng, struct scenes *s) {
    struct scene *sc = &s->sc[0];
    for (int tries = 0; tries < 200; tries++) {
        if (!scatter(rng, sc, 0, s->rmin, s->rmax, false)) continue;
        const struct obj *a = &sc->o[s->a], *b = &sc->o[s->b];
        if (direction_holds(s->rel, a->cx, a->cy, b->cx, b->cy, 2.5)) return true;
    }
    return false;
}

/* Object 0 an outline container in the middle, object 1 inside it, the rest outside. */
static bool layout_inside(probe_rng *rng, struct scenes *s) {
    struct scene *sc = &s->sc[0];
    struct obj *box = &sc->o[0], *in = &sc->o[1];
    box->r = sc->w * 0.28;
    box->cx = probe_rng_real(rng, box->r + 8, sc->w - box->r - 8);
    box->cy = probe_rng_real(rng, box->r + 8, sc->h - box->r - 8);
    double room = (box->shape == PS_SQUARE ? box->r / sqrt(2) : box->r) - OUTLINE_W;
    in->r = room * 0.45;
    double off = room - in->r - GAP;
    in->cx = box->cx + probe_rng_real(rng, -off, off) * 0.7;
    in->cy = box->cy + probe_rng_real(rng, -off, off) * 0.7;
    for (int i = 2; i < sc->n; i++) {
        sc->o[i].r = in->r;
        if (!place_one(rng, sc, i)) return false;
    }
    return true;
}

/* Object a is clearly nearer to b than any other object is. */
static bool nearest_is(const double *cx, const double *cy, int n, int a, int b, double margin) {
    double d_ab = hypot(cx[a] - cx[b], cy[a] - cy[b]);
    for (int i = 0; i < n; i++)
        if (i != a && i != b && hypot(cx[i] - cx[b], cy[i] - cy[b]) < d_ab * margin) return false;
    return true;
}

static bool layout_nearest(probe_rng *rng, struct scenes *s) {
    struct scene *sc = &s->sc[0];
    double cx[MAX_OBJ], cy[MAX_OBJ];
    for (int tries = 0; tries < 200; tries++) {
        if (!scatter(rng, sc, 0, s->rmin, s->rmax, false)) continue;
        for (int i = 0; i < sc->n; i++) {
            cx[i] = sc->o[i].cx;
            cy[i] = sc->o[i].cy;
        }
        if (nearest_is(cx, cy, sc->n, s->a, s->b, 1.4)) return true;
    }
    return false;
}

static bool spatial_layout(probe_rng *rng, void *spec) {
    struct scenes *s = spec;
    if (s->rel == REL_INSIDE) return layout_inside(rng, s);
    if (s->rel == REL_NEAREST) return layout_nearest(rng, s);
    return layout_direction(rng, s);
}

/* Region a lies within ring b's hole / wholly outside ring b. */
static bool within_ring(const struct probe_blob *a, const struct probe_blob *b) {
    return hypot(a->cx - b->cx, a->cy - b->cy) + a->rmax < b->rmax - OUTLINE_W;
}

static bool outside_ring(const struct probe_blob *a, const struct probe_blob *b) {
    return hypot(a->cx - b->cx, a->cy - b->cy) - a->rmax > b->rmax + 1;
}

/* The relation read from the regions' places in the picture. */
static bool spatial_extra(const vlm_image *ims, const struct scenes *s, char *why, size_t len) {
    const struct scene *sc = &s->sc[0];
    struct probe_blob blob[MAX_OBJ] = {{0}};
    if (!object_blobs(&ims[0], sc, blob)) return snprintf(why, len, "an object is missing"), false;
    bool ok;
    if (s->rel == REL_INSIDE) {
        ok = within_ring(&blob[1], &blob[0]);
        for (int i = 2; i < sc->n; i++) ok = ok && outside_ring(&blob[i], &blob[0]);
    } else if (s->rel == REL_NEAREST) {
        double cx[MAX_OBJ], cy[MAX_OBJ];
        for (int i = 0; i < sc->n; i++) {
            cx[i] = blob[i].cx;
            cy[i] = blob[i].cy;
        }
        ok = nearest_is(cx, cy, sc->n, s->a, s->b, 1.25);
    } else {
        ok = direction_holds(s->rel, blob[s->a].cx, blob[s->a].cy, blob[s->b].cx, blob[s->b].cy, 2.0);
    }
    if (!ok) snprintf(why, len, "the relation does not show in the picture");
    return ok;
}

static const struct probe_picture_ops spatial_ops = {spatial_layout, scenes_draw, scenes_check};

static void direction_question(struct probe_case *pc, probe_rng *rng, const struct scenes *s) {
    static const char *const en[4] = {"left", "right", "above", "below"};
    static const char *const zh[4] = {"左边", "右边", "上方", "下方"};
    int dirs[4] = {0, 1, 2, 3}, answer = 0;
    probe_rng_shuffle(rng, dirs, 4);
    const char *oen[4], *ozh[4];
    for (int i = 0; i < 4; i++) {
        oen[i] = en[dirs[i]];
        ozh[i] = zh[dirs[i]];
        if (dirs[i] == s->rel) answer = i;
    }
    char *a_en = obj_name_en(&s->sc[0].o[s->a]), *b_en = obj_name_en(&s->sc[0].o[s->b]);
    char *a_zh = obj_name_zh(&s->sc[0].o[s->a]), *b_zh = obj_name_zh(&s->sc[0].o[s->b]);
    char *q_en = xasprintf("Where is the %s relative to the %s?", a_en, b_en);
    char *q_zh = xasprintf("%s在%s的什么方位？", a_zh, b_zh);
    probe_set_choice_turn(pc, 0, q_en, q_zh, oen, ozh, 4, answer);
    free(a_en);
    free(b_en);
    free(a_zh);
    free(b_zh);
    free(q_en);
    free(q_zh);
}

static void inside_question(struct probe_case *pc, probe_rng *rng, const struct scenes *s) {
    const struct scene *sc = &s->sc[0];
    int first[MAX_OBJ], n_first = 0, all[PS_N], opts[4];
    for (int i = 2; i < sc->n; i++) first[n_first++] = sc->o[i].shape;
    for (int i = 0; i < PS_N; i++) all[i] = i;
    int answer = make_options(rng, sc->o[1].shape, first, n_first, all, PS_N, 4, opts);
    const struct obj *box = &sc->o[0];
    char *q_en = xasprintf("Which shape is inside the large %s %s outline?", probe_colours[box->colour].en,
                           probe_shape_names[box->shape].en);
    char *q_zh = xasprintf("%s大%s框里面是什么形状？", probe_colours[box->colour].zh, probe_shape_names[box->shape].zh);
    shape_choice_turn(pc, 0, q_en, q_zh, opts, 4, answer);
    free(q_en);
    free(q_zh);
}

static void nearest_question(struct probe_case *pc, probe_rng *rng, const struct scenes *s) {
    const struct scene *sc = &s->sc[0];
    int idx[MAX_OBJ], n = 0, answer = 0;
    for (int i = 0; i < sc->n; i++)
        if (i != s->b) idx[n++] = i;
    probe_rng_shuffle(rng, idx, n);
    char *en[PROBE_MAX_CHOICES], *zh[PROBE_MAX_CHOICES];
    for (int i = 0; i < n; i++) {
        en[i] = obj_name_en(&sc->o[idx[i]]);
        zh[i] = obj_name_zh(&sc->o[idx[i]]);
        if (idx[i] == s->a) answer = i;
    }
    char *b_en = obj_name_en(&sc->o[s->b]), *b_zh = obj_name_zh(&sc->o[s->b]);
    char *q_en = xasprintf("Which object is nearest to the %s?", b_en);
    char *q_zh = xasprintf("哪个物体离%s最近？", b_zh);
    probe_set_choice_turn(pc, 0, q_en, q_zh, (const char *const *)en, (const char *const *)zh, n, answer);
    for (int i = 0; i < n; i++) {
        free(en[i]);
        free(zh[i]);
    }
    free(b_en);
    free(b_zh);
    free(q_en);
    free(q_zh);
}

int probe_gen_spatial(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct {
        int size, extra;
        double rmin, rmax;
    } L[3] = {{320, 0, 30, 40}, {384, 1, 22, 30}, {448, 2, 14, 20}};
    int lvl = probe_level(x);
    struct scenes s = {.n = 1, .rmin = L[lvl].rmin, .rmax = L[lvl].rmax, .extra = spatial_extra};
    s.rel = x->k % REL_N;
    s.sc[0].w = s.sc[0].h = L[lvl].size;
    int n = s.rel == REL_NEAREST ? 4 + L[lvl].extra : s.rel == REL_INSIDE ? 3 + L[lvl].extra : 2 + L[lvl].extra;
    int kinds[PS_N], colours[PC_N];
    pick_shapes(rng, n < PS_N ? n : PS_N, PS_N, kinds);
    pick_colours(rng, n, colours, NULL, 0);
    if (s.rel == REL_INSIDE) kinds[0] = probe_rng_int(rng, 0, 1) ? PS_SQUARE : PS_CIRCLE;
    for (int i = 0; i < n; i++) {
        enum probe_shape shape = (enum probe_shape)kinds[i % PS_N];
        if (s.rel == REL_INSIDE && i > 0 && shape == (enum probe_shape)kinds[0])
            shape = (enum probe_shape)(PS_TRIANGLE + i % 3);
        add_obj(&s.sc[0], shape, colours[i]);
    }
    s.sc[0].o[0].outline = s.rel == REL_INSIDE;
    s.a = s.rel == REL_INSIDE ? 1 : 0;
    s.b = s.rel == REL_INSIDE ? 0 : 1;
    if (probe_make_pictures(x, rng, pc, &spatial_ops, &s) != 0) return -1;
    if (s.rel == REL_INSIDE) inside_question(pc, rng, &s);
    else if (s.rel == REL_NEAREST) nearest_question(pc, rng, &s);
    else direction_question(pc, rng, &s);
    pc->scorer = "choice";
    return 0;
}

/* ------------------------------------------------------------ multi_image */

enum { MI_DIFFER, MI_TOTAL, MI_N };

/* The pictures other than s->odd are the same, and s->odd differs visibly. */
static bool differ_extra(const vlm_image *ims, const struct scenes *s, char *why, size_t len) {
    int base = s->odd == 0 ? 1 : 0;
    for (int i = 0; i < s->n; i++) {
        long d = probe_diff_pixels(&ims[i], &ims[base]);
        if (i == s->odd ? d < 60 : d != 0) {
            snprintf(why, len, "picture %d differs from picture %d in %ld pixels", i + 1, base + 1, d);
            return false;
        }
    }
    return true;
}

/* Scatter the first scene, copy it to the others, then change picture `odd`:
 * level 1 and 2 recolour an object, level 3 changes an object's shape. */
static bool differ_layout(probe_rng *rng, void *spec) {
    struct scenes *s = spec;
    if (!scatter(rng, &s->sc[0], 0, s->rmin, s->rmax, false)) return false;
    for (int i = 1; i < s->n; i++) s->sc[i] = s->sc[0];
    struct obj *o = &s->sc[s->odd].o[probe_rng_int(rng, 0, s->sc[0].n - 1)];
    if (s->reshape) {
        o->shape = (enum probe_shape)((o->shape + 1 + probe_rng_int(rng, 0, PS_N - 2)) % PS_N);
        return true;
    }
    int used[PC_N] = {0}, free_colours[PC_N], n_free = 0;
    for (int i = 0; i < s->sc[0].n; i++) used[s->sc[0].o[i].colour] = 1;
    for (int c = 0; c < PC_N; c++)
        if (!used[c] && c != PC_GRAY && c != PC_BLACK) free_colours[n_free++] = c;
    o->colour = free_colours[probe_rng_int(rng, 0, n_free - 1)];
    return true;
}

static const struct probe_picture_ops differ_ops = {differ_layout, scenes_draw, scenes_check};

/* "Image 1: <image>\nImage 2: <image>\n..." then the question. */
static void image_list_turn(struct probe_case *pc, int n, const char *q_en, const char *q_zh) {
    char en[512] = "", zh[512] = "";
    for (int i = 0; i < n; i++) {
        snprintf(en + strlen(en), sizeof en - strlen(en), "Image %d: <image>\n", i + 1);
        snprintf(zh + strlen(zh), sizeof zh - strlen(zh), "图%d：<image>\n", i + 1);
    }
    probe_set_turn(pc, 0, xasprintf("%s%s", en, q_en), xasprintf("%s%s", zh, q_zh));
}

static int multi_differ(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct {
        int n_img, size, n_obj;
        double rmin, rmax;
    } L[3] = {{3, 192, 1, 50, 70}, {3, 224, 3, 22, 30}, {4, 256, 5, 14, 20}};
    int lvl = probe_level(x);
    struct scenes s = {.n = L[lvl].n_img,
                       .rmin = L[lvl].rmin,
                       .rmax = L[lvl].rmax,
                       .turn = lvl == 2,
                       .reshape = lvl == 2,
                       .extra = differ_extra};
    s.odd = probe_rng_int(rng, 0, s.n - 1);
    int kinds[PS_N], colours[PC_N];
    pick_shapes(rng, L[lvl].n_obj, PS_N, kinds);
    pick_colours(rng, L[lvl].n_obj, colours, NULL, 0);
    s.sc[0].w = s.sc[0].h = L[lvl].size;
    for (int i = 0; i < L[lvl].n_obj; i++) add_obj(&s.sc[0], (enum probe_shape)kinds[i], colours[i]);
    if (probe_make_pictures(x, rng, pc, &differ_ops, &s) != 0) return -1;
    image_list_turn(pc, s.n,
                    "One of these images is different from the others. Which one? Answer with the image number.",
                    "这些图片中有一张与其他的不同。是哪一张？请只回答图片的编号。");
    probe_set_expected(pc, 0, probe_exact_number(s.odd + 1), NULL);
    pc->scorer = "number";
    return 0;
}

static int multi_total(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct { int n_img, size, max; } L[3] = {{2, 224, 3}, {3, 256, 4}, {3, 288, 6}};
    int lvl = probe_level(x), cols[COUNT_COLOURS], total = 0;
    const struct level_count *lc = &count_levels[lvl];
    enum probe_shape shape = (enum probe_shape)probe_rng_int(rng, 0, lc->kinds - 1);
    pick_colours(rng, COUNT_COLOURS, cols, NULL, 0);
    int c = cols[0];
    struct scenes s = {.n = L[lvl].n_img, .rmin = lc->rmin, .rmax = lc->rmax};
    for (int i = 0; i < s.n; i++) {
        int n = probe_rng_int(rng, 1, L[lvl].max);
        total += n;
        s.sc[i].w = s.sc[i].h = L[lvl].size;
        struct level_count fewer = *lc;
        fewer.distract_max = lc->distract_max / 2;
        fewer.distract_min = lc->distract_min / 2;
        counting_scene(rng, &s.sc[i], &fewer, lvl, n, shape, cols);
    }
    if (probe_make_pictures(x, rng, pc, &scene_ops, &s) != 0) return -1;
    char *q_en = xasprintf("How many %s %s are there in all of these images together? %s", probe_colours[c].en,
                           probe_shape_names[shape].en_plural, PROBE_ANSWER_NUMBER_EN);
    char *q_zh = xasprintf("这些图片中一共有几个%s的%s？%s", probe_colours[c].zh, probe_shape_names[shape].zh,
                           PROBE_ANSWER_NUMBER_ZH);
    image_list_turn(pc, s.n, q_en, q_zh);
    free(q_en);
    free(q_zh);
    probe_set_expected(pc, 0, probe_exact_number(total), NULL);
    pc->scorer = "number";
    return 0;
}

int probe_gen_multi_image(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    return x->k % MI_N == MI_DIFFER ? multi_differ(x, rng, pc) : multi_total(x, rng, pc);
}

/* ------------------------------------------------------------ multi_turn */

/* Object 0 is clearly the largest region in the picture (1.5 times the area of any other). */
static bool largest_extra(const vlm_image *ims, const struct scenes *s, char *why, size_t len) {
    const struct scene *sc = &s->sc[0];
    struct probe_blob blob[MAX_OBJ] = {{0}};
    bool found = object_blobs(&ims[0], sc, blob);
    for (int i = 1; i < sc->n; i++) {
        if (!found || blob[i].area * 3 > blob[0].area * 2) {
            snprintf(why, len, "the largest object is not clearly the largest");
            return false;
        }
    }
    return true;
}

/* Scatter with object 0 two and a half times the size of the others. */
static bool largest_layout(probe_rng *rng, void *spec) {
    struct scenes *s = spec;
    struct scene *sc = &s->sc[0];
    sc->o[0].r = s->rmax * 2.5;
    sc->o[0].angle = 0;
    if (!place_one(rng, sc, 0)) return false;
    return scatter(rng, sc, 1, s->rmin, s->rmax, s->turn);
}

static const struct probe_picture_ops largest_ops = {largest_layout, scenes_draw, scenes_check};

static int turns_shape_colour(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct level_objects L[3] = {{256, 1, 60, 80, false}, {384, 3, 24, 30, false}, {384, 5, 16, 22, true}};
    const struct level_objects *l = &L[probe_level(x)];
    int kinds[PS_N], colours[PC_N], n_open = (int)(sizeof open_colours / sizeof open_colours[0]);
    pick_shapes(rng, l->n_obj, l->n_obj == 1 ? 3 : PS_N, kinds);
    pick_colours(rng, l->n_obj, colours, open_colours, n_open);
    struct scenes s = {.n = 1, .rmin = l->rmin, .rmax = l->rmax, .turn = l->turn, .extra = largest_extra};
    s.sc[0].w = s.sc[0].h = l->size;
    for (int i = 0; i < l->n_obj; i++) add_obj(&s.sc[0], (enum probe_shape)kinds[i], colours[i]);
    if (l->n_obj == 1) s.extra = NULL;
    if (probe_make_pictures(x, rng, pc, l->n_obj == 1 ? &scene_ops : &largest_ops, &s) != 0) return -1;
    const struct obj *o = &s.sc[0].o[0];
    if (l->n_obj == 1)
        probe_set_turn(pc, 0, xasprintf("What shape is shown in this image? %s", ANSWER_WORD_EN),
                       xasprintf("图中是什么形状？%s", ANSWER_WORD_ZH));
    else
        probe_set_turn(pc, 0, xasprintf("What shape is the largest object in this image? %s", ANSWER_WORD_EN),
                       xasprintf("图中最大的物体是什么形状？%s", ANSWER_WORD_ZH));
    probe_set_turn(pc, 1, xasprintf("What colour is that shape? %s", ANSWER_WORD_EN),
                   xasprintf("那个形状是什么颜色？%s", ANSWER_WORD_ZH));
    expect_shape(pc, 0, o->shape);
    expect_open_colour(pc, 1, o->colour);
    pc->scorer = "contains";
    return 0;
}

static int turns_count(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const int max[3] = {6, 9, 12};
    int lvl = probe_level(x), cols[COUNT_COLOURS];
    const struct level_count *l = &count_levels[lvl];
    int n = probe_rng_int(rng, 3, max[lvl]);
    enum probe_shape s = (enum probe_shape)probe_rng_int(rng, 0, l->kinds - 1);
    pick_colours(rng, COUNT_COLOURS, cols, NULL, 0);
    struct scenes sp = {.n = 1, .rmin = l->rmin, .rmax = l->rmax};
    sp.sc[0].w = sp.sc[0].h = l->size;
    counting_scene(rng, &sp.sc[0], l, lvl, n, s, cols);
    if (probe_make_pictures(x, rng, pc, &scene_ops, &sp) != 0) return -1;
    count_question(pc, 0, &sp.sc[0].o[0]);
    probe_set_expected(pc, 0, probe_exact_number(n), NULL);
    probe_set_turn(pc, 1,
                   xasprintf("If two of them were taken away, how many would be left? %s", PROBE_ANSWER_NUMBER_EN),
                   xasprintf("如果拿走其中两个，还剩几个？%s", PROBE_ANSWER_NUMBER_ZH));
    probe_set_expected(pc, 1, probe_exact_number(n - 2), NULL);
    if (lvl == 2) {
        probe_set_turn(
            pc, 2, xasprintf("And if five more were then added, how many would there be? %s", PROBE_ANSWER_NUMBER_EN),
            xasprintf("如果再加上五个，一共有几个？%s", PROBE_ANSWER_NUMBER_ZH));
        probe_set_expected(pc, 2, probe_exact_number(n + 3), NULL);
    }
    pc->scorer = "number";
    return 0;
}

int probe_gen_multi_turn(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    return x->k % 2 == 0 ? turns_shape_colour(x, rng, pc) : turns_count(x, rng, pc);
}

/* ------------------------------------------------------------ hallucination */

static bool scene_has(const struct scene *sc, int colour, int shape) {
    for (int i = 0; i < sc->n; i++)
        if ((colour < 0 || sc->o[i].colour == colour) && (shape < 0 || (int)sc->o[i].shape == shape)) return true;
    return false;
}

/* An absent (colour, shape): level 1 neither is in the picture; level 2 one of
 * them is; level 3 both are, on different objects (when the picture allows). */
static void absent_object(probe_rng *rng, const struct scene *sc, int lvl, int *colour, int *shape) {
    for (int want = lvl; want >= 0; want--)
        for (int tries = 0; tries < 200; tries++) {
            int c = probe_rng_int(rng, 0, PC_N - 1), s = probe_rng_int(rng, 0, PS_N - 1);
            if (scene_has(sc, c, s)) continue;
            if ((c == PC_GRAY && scene_has(sc, PC_BLACK, -1)) || (c == PC_BLACK && scene_has(sc, PC_GRAY, -1)))
                continue;
            int shared = scene_has(sc, c, -1) + scene_has(sc, -1, s);
            if (shared == want || (want == 1 && shared >= 1)) {
                *colour = c;
                *shape = s;
                return;
            }
        }
    *colour = PC_PURPLE; /* not reached: some pair is always absent */
    *shape = PS_STAR;
}

int probe_gen_hallucination(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct level_objects L[3] = {{320, 2, 40, 55, false}, {384, 4, 24, 34, false}, {384, 6, 14, 22, true}};
    int lvl = probe_level(x);
    const struct level_objects *l = &L[lvl];
    bool present = x->k % 2 == 0;
    int kinds[PS_N], colours[PC_N], n_kinds = lvl == 2 ? 3 : l->n_obj, n_colours = lvl == 2 ? 3 : l->n_obj;
    pick_shapes(rng, n_kinds, PS_N, kinds);
    pick_colours(rng, n_colours, colours, NULL, 0);
    struct scenes s = {.n = 1, .rmin = l->rmin, .rmax = l->rmax, .turn = l->turn};
    s.sc[0].w = s.sc[0].h = l->size;
    for (int i = 0; i < l->n_obj; i++) { /* level 3: 3 colours x 3 shapes, 6 of the 9 pairs */
        int c = colours[i % n_colours], k = kinds[(i + i / n_colours) % n_kinds];
        add_obj(&s.sc[0], (enum probe_shape)k, c);
    }
    int colour, shape;
    if (present) {
        const struct obj *o = &s.sc[0].o[probe_rng_int(rng, 0, l->n_obj - 1)];
        colour = o->colour;
        shape = (int)o->shape;
    } else {
        absent_object(rng, &s.sc[0], lvl, &colour, &shape);
    }
    if (probe_make_pictures(x, rng, pc, &scene_ops, &s) != 0) return -1;
    probe_set_turn(pc, 0,
                   xasprintf("Is there a %s %s in this image? Answer yes or no.", probe_colours[colour].en,
                             probe_shape_names[shape].en),
                   xasprintf("图中有%s的%s吗？请回答是或否。", probe_colours[colour].zh, probe_shape_names[shape].zh));
    probe_set_expected(pc, 0, json_string(present ? "yes" : "no"), NULL);
    pc->scorer = "yesno";
    return 0;
}
