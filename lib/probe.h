/*
 * probe.h - internals of the probe suite generator (docs/probe.md), shared by
 * probe.c (the seeded random numbers, the palette, the case helpers: the base),
 * probe_render.c (drawing with cairo and pango), probe_check.c (ground-truth
 * checks that read the rendered pixels back), probe_pictures.c (drawing until
 * a check passes, saving), the generators (probe_objects.c, probe_text.c,
 * probe_dialog.c, probe_ground.c: one per category) and probe_write.c (the
 * categories, the writer). Not part of the public API; the unit tests include
 * it to test the checks.
 */
#ifndef VLM_PROBE_H
#define VLM_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "vlmeter.h"

/* ------------------------------------------------------------ random numbers */

/* splitmix64: small, fast, and the same on every platform. */
typedef struct probe_rng {
    uint64_t s;
} probe_rng;

uint64_t probe_mix64(uint64_t x); /* one splitmix64 finaliser step */
uint64_t probe_rng_next(probe_rng *r);
int probe_rng_int(probe_rng *r, int lo, int hi); /* lo..hi inclusive */
double probe_rng_real(probe_rng *r, double lo, double hi);
void probe_rng_shuffle(probe_rng *r, int *v, int n);
/* k distinct values of 0..n-1 (k <= n), in random order. */
void probe_rng_pick(probe_rng *r, int n, int k, int *out);

/* ------------------------------------------------------------ palette, shapes */

/* Named colours, chosen far apart in RGB so every one has one obvious name. */
enum probe_colour_id {
    PC_RED,
    PC_GREEN,
    PC_BLUE,
    PC_YELLOW,
    PC_ORANGE,
    PC_PURPLE,
    PC_PINK,
    PC_BROWN,
    PC_BLACK,
    PC_GRAY,
    PC_N
};

struct probe_colour {
    const char *en, *zh; /* names as used in questions */
    uint32_t rgb;        /* 0xRRGGBB */
};
extern const struct probe_colour probe_colours[PC_N];

/* Shapes, all drawn inside a circle of radius r (their circumradius). */
enum probe_shape { PS_CIRCLE, PS_SQUARE, PS_TRIANGLE, PS_STAR, PS_PENTAGON, PS_N };

struct probe_shape_name {
    const char *en, *en_plural, *zh;
    const char *accept_en[4], *accept_zh[4]; /* answers counted right, NULL-terminated */
};
extern const struct probe_shape_name probe_shape_names[PS_N];

/* Two measures probe_blob_shape() tells shapes apart by, exact for the drawn
 * shapes: area / circumradius^2 ("fill"), and area^2 / (2 pi polar moment)
 * ("roundness": 1 for a disc, less for anything else). */
double probe_shape_fill(enum probe_shape s);
double probe_shape_roundness(enum probe_shape s);

/* How far a star's inner corners are from its centre, relative to its tips. */
#define PROBE_STAR_INNER 0.38

/* ------------------------------------------------------------ drawing */

typedef struct probe_canvas probe_canvas;

#define PROBE_WHITE 0xFFFFFFu

/* A w x h RGB canvas filled with `bg`. Fonts: DejaVu Sans, then Noto Sans CJK SC. */
probe_canvas *probe_canvas_new(int w, int h, uint32_t bg);
void probe_canvas_free(probe_canvas *c);

/* A filled shape (stroke = 0) or its outline `stroke` pixels wide, turned by
 * `angle` degrees about its centre. */
void probe_draw_shape(probe_canvas *c, enum probe_shape s, double cx, double cy, double r, double angle, uint32_t rgb,
                      double stroke);
void probe_draw_rect(probe_canvas *c, double x, double y, double w, double h, uint32_t rgb);
void probe_draw_line(probe_canvas *c, double x0, double y0, double x1, double y1, double width, uint32_t rgb);

/* Text at (x, y), `px` pixels high, anchored by align (-1 left, 0 centre, 1 right
 * of x) and valign (-1 top, 0 middle, 1 bottom at y), turned by `angle` degrees
 * about the anchor. Returns the number of characters no font could draw (0 when
 * every glyph exists). w, h (may be NULL) receive the unturned logical size. */
int probe_draw_text(probe_canvas *c, const char *utf8, double x, double y, double px, uint32_t rgb, double angle,
                    int align, int valign, double *w, double *h);

/* The size text would take, without drawing it. */
void probe_text_size(probe_canvas *c, const char *utf8, double px, double *w, double *h);

/* Write the canvas as an 8-bit RGB PNG. */
int probe_canvas_png(probe_canvas *c, const char *path, char *err, size_t err_len);

/* The canvas's pixels as an RGB image (owned by the caller: vlm_image_free). */
void probe_canvas_rgb(probe_canvas *c, vlm_image *out);

/* The fonts are there: the family each of `families` resolves to is itself. */
int probe_fonts_check(char *err, size_t err_len);

/* ------------------------------------------------------------ checks on pixels */

/* A connected region of pixels of one colour (8-connected). */
struct probe_blob {
    int area;           /* pixels */
    int x0, y0, x1, y1; /* bounding box, inclusive */
    double cx, cy;      /* centroid */
    double rmax;        /* farthest pixel centre from the centroid */
    double moment;      /* sum of squared distances from the centroid */
};

/* The regions of colour palette[which] on background bg. Each pixel is read as
 * a blend of the background with the one palette colour that explains it best
 * (anti-aliased edges are such blends; objects never touch), and belongs to
 * that colour when it is at least half of the blend; a pixel no blend explains
 * (a colour missing from the palette) belongs to none. Regions under min_area
 * pixels are ignored. Returns how many regions there are (even beyond max_out);
 * the first max_out go to `out` in scan order. */
int probe_blobs(const vlm_image *im, uint32_t bg, const uint32_t *palette, int n_palette, int which, int min_area,
                struct probe_blob *out, int max_out);

/* probe_blobs in two steps, to find the regions of several colours from one
 * reading of the pixels: each pixel's class (1 + palette index, or 0 for
 * background; caller frees), then the regions of one class. */
#define PROBE_MAX_PALETTE 16
unsigned char *probe_classify(const vlm_image *im, uint32_t bg, const uint32_t *palette, int n_palette);
int probe_regions(const unsigned char *classes, int w, int h, int which, int min_area, struct probe_blob *out,
                  int max_out);

/* The measures of probe_shape_fill() and probe_shape_roundness() read from a
 * blob, and the shape whose measures are nearest (rotation does not change them). */
double probe_blob_fill(const struct probe_blob *b);
double probe_blob_roundness(const struct probe_blob *b);
enum probe_shape probe_blob_shape(const struct probe_blob *b);

/* Mean colour of the pixels in the box x0..x1 x y0..y1 (inclusive, clipped). */
uint32_t probe_mean_rgb(const vlm_image *im, int x0, int y0, int x1, int y1);

/* The palette colour nearest to rgb, among `ids` (all colours when ids is NULL). */
int probe_nearest_colour(uint32_t rgb, const int *ids, int n_ids);

/* Pixels in the box (inclusive, clipped) farther than `tol` (per channel) from bg. */
long probe_count_ink(const vlm_image *im, uint32_t bg, int tol, int x0, int y0, int x1, int y1);

/* Bounding box of every pixel farther than `tol` from bg; false when there is none. */
bool probe_ink_box(const vlm_image *im, uint32_t bg, int tol, int *x0, int *y0, int *x1, int *y1);

/* Pixels that differ between two images of the same size (-1: sizes differ). */
long probe_diff_pixels(const vlm_image *a, const vlm_image *b);

/* ------------------------------------------------------------ cases */

#define PROBE_MAX_IMAGES  4
#define PROBE_MAX_TURNS   12 /* conversation: up to 12 */
#define PROBE_MAX_CHOICES 6

enum { PL_EN, PL_ZH, PL_N };

/* One generated case in both languages; the writer emits the languages asked for.
 * Strings are malloc'ed; an image path shared by both languages is one pointer. */
struct probe_case {
    const char *scorer;
    int n_images;
    char *images[PL_N][PROBE_MAX_IMAGES]; /* relative to the suite's folder */
    int n_turns;
    char *turns[PL_N][PROBE_MAX_TURNS];
    json_t *expected[PL_N][PROBE_MAX_TURNS]; /* owned references */
    int n_choices;
    char *choices[PL_N][PROBE_MAX_CHOICES];
};

/* What a generator needs: parameters, where images go, counters. */
struct probe_ctx {
    const struct vlm_probe_params *p;
    const char *dir;      /* the suite's folder */
    const char *category; /* the category being generated */
    int k;                /* the case's number within its category */
    char base[128];       /* "{category}-L{level}-s{seed}-{k}": ids and image names */
    bool want[PL_N];      /* languages asked for */
    int n_images, n_retries, n_categories;
    char err[1024];
};

/* A generator fills `pc` from `rng`; returns 0, or -1 with x->err set. It must
 * draw the same random numbers whatever languages are asked for. */
typedef int (*probe_gen_fn)(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);

struct probe_category {
    const char *name;
    probe_gen_fn gen;
};
extern const struct probe_category probe_categories[];
extern const int probe_n_categories;

/* Render attempts per case before the generator gives up (each a new layout). */
#define PROBE_MAX_ATTEMPTS 12

/* Case-building helpers (probe.c). Both strings are taken (freed later). */
void probe_set_turn(struct probe_case *pc, int t, char *en, char *zh);
/* Expected answer of turn t; zh NULL: the same as en. References are taken. */
void probe_set_expected(struct probe_case *pc, int t, json_t *en, json_t *zh);
/* A multiple-choice turn: the question, then the options lettered A, B, ... and
 * an instruction to answer with the letter; choices and the expected letter set. */
void probe_set_choice_turn(struct probe_case *pc, int t, const char *q_en, const char *q_zh, const char *const *opt_en,
                           const char *const *opt_zh, int n_opts, int answer);
/* {"value": n, "tolerance": 0}: an exact count for the number scorer. */
json_t *probe_exact_number(long n);
/* An array of the accepted answers (NULL-terminated list). */
json_t *probe_answers(const char *const *accept);
int probe_fail(struct probe_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define PROBE_ANSWER_NUMBER_EN "Answer with a number."
#define PROBE_ANSWER_NUMBER_ZH "请只回答一个数字。"

/* The level as 0 (easy) .. 2 (hard), for indexing a generator's level table. */
static inline int probe_level(const struct probe_ctx *x) { return x->p->level - 1; }

/* ------------------------------------------------------------ drawing until a check passes */

/* How a category makes its pictures: a new layout, the drawing, the check. */
struct probe_picture_ops {
    bool (*layout)(probe_rng *rng, void *spec);  /* false: no layout found this time */
    int (*draw)(void *spec, probe_canvas **out); /* the number of pictures */
    bool (*check)(const vlm_image *ims, int n, const void *spec, char *why, size_t len);
};

/* Lay out, draw and check until a drawing holds its answer; the pictures go to
 * `out`. Returns their number, or -1 (x->err set) after PROBE_MAX_ATTEMPTS failures. */
int probe_draw_checked(struct probe_ctx *x, probe_rng *rng, const struct probe_picture_ops *ops, void *spec,
                       probe_canvas **out);

/* Save pictures as the case's images, for one language (PL_EN, PL_ZH) or both
 * (PL_N), and free them: one picture is images/BASE.png, several BASE-1.png,
 * BASE-2.png, ...; a language's own pictures end in -en / -zh. */
int probe_save_pictures(struct probe_ctx *x, struct probe_case *pc, probe_canvas **pics, int n, int lang);

/* probe_draw_checked, then probe_save_pictures for both languages. */
int probe_make_pictures(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc, const struct probe_picture_ops *ops,
                        void *spec);

/* ------------------------------------------------------------ the generators */

int probe_gen_colors(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc); /* probe_objects.c */
int probe_gen_shapes(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_counting(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_spatial(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_multi_image(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_multi_turn(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_hallucination(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_ocr(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc); /* probe_text.c */
int probe_gen_charts(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_tables(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);
int probe_gen_conversation(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc); /* probe_dialog.c */
int probe_gen_grounding(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc);    /* probe_ground.c */

#endif
