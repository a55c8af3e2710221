/*
 * probe_dialog.c - the probe category `conversation` (docs/probe.md): one
 * picture of distinct coloured shapes and a conversation of 10 (level 1), 11
 * (level 2) or 12 (level 3) turns about it (level 3: a second picture in a later
 * turn). The first turns give facts (a name
 * for a shape, a number to remember) and ask about the picture; the later turns
 * mix, in random order, questions that need those facts or earlier answers
 * (recall) with questions only the picture answers (image), so a model that
 * loses the conversation's context fails the recall turns of later positions.
 * Every turn has one exact answer, read by the `contains` scorer.
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DLG_BG       PROBE_WHITE
#define DLG_GAP      10 /* pixels kept free between objects */
#define DLG_MIN_BLOB 30 /* smaller regions of a colour are edge noise */
#define DLG_MAX_OBJ  5
#define DLG_MAX_Q    16 /* candidate questions of one kind */

/* Colours whose names do not hide inside one another, in either language. */
static const int dlg_colours[] = {PC_RED, PC_GREEN, PC_BLUE, PC_YELLOW, PC_BLACK};
#define DLG_N_COLOURS ((int)(sizeof dlg_colours / sizeof dlg_colours[0]))
static const char *const dlg_colour_zh[][3] = {
    [PC_RED] = {"红色", "红", NULL},    [PC_GREEN] = {"绿色", "绿", NULL}, [PC_BLUE] = {"蓝色", "蓝", NULL},
    [PC_YELLOW] = {"黄色", "黄", NULL}, [PC_BLACK] = {"黑色", "黑", NULL},
};

/* Names given to shapes: Latin letters in both languages, none a common word. */
static const char *const dlg_names[] = {"Apollo", "Bruno", "Cleo", "Dora", "Elio", "Faye", "Gustav", "Hera"};
#define DLG_N_NAMES ((int)(sizeof dlg_names / sizeof dlg_names[0]))

/* Per level: turns, objects (each its own colour and shape), named objects,
 * objects of a second picture shown in a later turn (0: none), picture. */
struct dlg_level {
    int n_turns, n_obj, n_names, n_second, size;
    double rmin, rmax;
    bool turn;
};
static const struct dlg_level dlg_levels[3] = {
    {10, 3, 2, 0, 320, 38, 50, false},
    {11, 4, 2, 0, 384, 28, 38, false},
    {12, 5, 3, 3, 384, 22, 30, true},
};

/* ------------------------------------------------------------ the picture */

struct dlg_obj {
    enum probe_shape shape;
    int colour;
    double cx, cy, r, angle;
};

struct dlg_scene {
    const struct dlg_level *l;
    int n;
    struct dlg_obj o[DLG_MAX_OBJ];
};

/* The case's pictures: the first, and at level 3 a second one. */
struct dlg_pictures {
    int n;
    struct dlg_scene sc[2];
};

/* Random radii, angles and places for a scene's objects, none touching another. */
static bool dlg_layout_scene(probe_rng *rng, struct dlg_scene *s) {
    for (int i = 0; i < s->n; i++) {
        struct dlg_obj *o = &s->o[i];
        o->r = probe_rng_real(rng, s->l->rmin, s->l->rmax);
        o->angle = s->l->turn && o->shape != PS_CIRCLE ? probe_rng_real(rng, 0, 360) : 0;
        bool placed = false;
        for (int tries = 0; tries < 400 && !placed; tries++) {
            o->cx = probe_rng_real(rng, o->r + 4, s->l->size - o->r - 4);
            o->cy = probe_rng_real(rng, o->r + 4, s->l->size - o->r - 4);
            placed = true;
            for (int j = 0; j < i; j++) {
                double dx = o->cx - s->o[j].cx, dy = o->cy - s->o[j].cy, need = o->r + s->o[j].r + DLG_GAP;
                placed &= dx * dx + dy * dy >= need * need;
            }
        }
        if (!placed) return false;
    }
    return true;
}

static bool dlg_layout(probe_rng *rng, void *spec) {
    struct dlg_pictures *p = spec;
    for (int i = 0; i < p->n; i++)
        if (!dlg_layout_scene(rng, &p->sc[i])) return false;
    return true;
}

static int dlg_draw(void *spec, probe_canvas **out) {
    const struct dlg_pictures *p = spec;
    for (int k = 0; k < p->n; k++) {
        const struct dlg_scene *s = &p->sc[k];
        probe_canvas *c = probe_canvas_new(s->l->size, s->l->size, DLG_BG);
        for (int i = 0; i < s->n; i++)
            probe_draw_shape(c, s->o[i].shape, s->o[i].cx, s->o[i].cy, s->o[i].r, s->o[i].angle,
                             probe_colours[s->o[i].colour].rgb, 0);
        out[k] = c;
    }
    return p->n;
}

/* Each object's colour makes exactly one region, of the object's shape, whose
 * middle reads as the colour's name: so every answer holds in the pixels. */
static bool dlg_check_scene(const vlm_image *im, const struct dlg_scene *s, char *why, size_t len) {
    uint32_t rgb[DLG_MAX_OBJ];
    for (int i = 0; i < s->n; i++) rgb[i] = probe_colours[s->o[i].colour].rgb;
    unsigned char *classes = probe_classify(im, DLG_BG, rgb, s->n);
    bool ok = true;
    for (int i = 0; i < s->n && ok; i++) {
        const struct dlg_obj *o = &s->o[i];
        struct probe_blob b;
        int got = probe_regions(classes, (int)im->width, (int)im->height, i, DLG_MIN_BLOB, &b, 1);
        int half = (int)(o->r * 0.2), x = (int)lround(o->cx), y = (int)lround(o->cy);
        if (got != 1) {
            snprintf(why, len, "%d %s regions, one object drawn", got, probe_colours[o->colour].en);
            ok = false;
        } else if (probe_blob_shape(&b) != o->shape) {
            snprintf(why, len, "the %s %s reads as a %s", probe_colours[o->colour].en, probe_shape_names[o->shape].en,
                     probe_shape_names[probe_blob_shape(&b)].en);
            ok = false;
        } else if (probe_nearest_colour(probe_mean_rgb(im, x - half, y - half, x + half, y + half), NULL, 0) !=
                   o->colour) {
            snprintf(why, len, "the middle of the %s %s reads as another colour", probe_colours[o->colour].en,
                     probe_shape_names[o->shape].en);
            ok = false;
        }
    }
    free(classes);
    return ok;
}

static bool dlg_check(const vlm_image *ims, int n, const void *spec, char *why, size_t len) {
    const struct dlg_pictures *p = spec;
    for (int k = 0; k < n; k++)
        if (n != p->n || !dlg_check_scene(&ims[k], &p->sc[k], why, len)) return false;
    return true;
}

static const struct probe_picture_ops dlg_ops = {dlg_layout, dlg_draw, dlg_check};

/* ------------------------------------------------------------ questions */

/* One question: both prompts and the accepted answers (owned until set on a turn). */
struct dlg_q {
    char *en, *zh;
    json_t *want_en, *want_zh; /* want_zh NULL: as want_en */
};

/* What the conversation is about: its pictures and the facts it gives. */
struct dlg_facts {
    const struct dlg_scene *sc;  /* the first picture */
    const struct dlg_scene *sc2; /* the second, NULL when there is none */
    const char *pic_en, *pic_zh; /* "the picture", or "the first picture" when there are two */
    int secret;                  /* the number the model is told to remember */
    int named[3];                /* objects given names, in order */
    const char *name[3];
};

/* The accepted answers: a number as digits, one word, a shape's or a colour's names. */
static json_t *dlg_number(long v) {
    char s[32];
    snprintf(s, sizeof s, "%ld", v);
    const char *a[] = {s, NULL};
    return probe_answers(a);
}

static json_t *dlg_word(const char *w) {
    const char *a[] = {w, NULL};
    return probe_answers(a);
}

static struct dlg_q q_shape(const struct dlg_obj *o, char *en, char *zh) {
    return (struct dlg_q){en, zh, probe_answers(probe_shape_names[o->shape].accept_en),
                          probe_answers(probe_shape_names[o->shape].accept_zh)};
}

static struct dlg_q q_colour(const struct dlg_obj *o, char *en, char *zh) {
    return (struct dlg_q){en, zh, dlg_word(probe_colours[o->colour].en), probe_answers(dlg_colour_zh[o->colour])};
}

#define WORD_EN   "Answer with one word."
#define WORD_ZH   "请用一个词回答。"
#define NAME_EN   "Answer with the name only."
#define NAME_ZH   "请只回答名字。"
#define NUMBER_EN PROBE_ANSWER_NUMBER_EN
#define NUMBER_ZH PROBE_ANSWER_NUMBER_ZH

/* A setup turn: name object `o` and ask its shape (the picture answers it). */
static struct dlg_q setup_name(const struct dlg_facts *f, int k, bool first) {
    const struct dlg_obj *o = &f->sc->o[f->named[k]];
    const char *nm = f->name[k];
    return q_shape(o,
                   xasprintf("%s call the %s shape \"%s\". What shape is %s? " WORD_EN,
                             first ? "In this picture, let's" : "Now let's", probe_colours[o->colour].en, nm, nm),
                   xasprintf("%s把%s的形状叫作“%s”。%s是什么形状？" WORD_ZH, first ? "在这张图中，我们" : "现在我们",
                             probe_colours[o->colour].zh, nm, nm));
}

/* The setup turn that gives the number to remember and asks for a count. */
static struct dlg_q setup_secret(const struct dlg_facts *f) {
    return (struct dlg_q){
        xasprintf("Remember this number for later: %d. How many shapes are in %s? " NUMBER_EN, f->secret, f->pic_en),
        xasprintf("请记住这个数字，后面会用到：%d。%s一共有几个形状？" NUMBER_ZH, f->secret, f->pic_zh),
        dlg_number(f->sc->n), NULL};
}

/* Questions that need the conversation: the facts given or an earlier answer. */
static int recall_questions(probe_rng *rng, const struct dlg_facts *f, int n_names, struct dlg_q *out) {
    int n = 0;
    for (int k = 0; k < n_names; k++) {
        const struct dlg_obj *o = &f->sc->o[f->named[k]];
        out[n++] = q_colour(o, xasprintf("What colour is %s? " WORD_EN, f->name[k]),
                            xasprintf("%s是什么颜色？" WORD_ZH, f->name[k]));
        out[n++] = (struct dlg_q){
            xasprintf("What name did I give the %s shape in %s? " NAME_EN, probe_colours[o->colour].en, f->pic_en),
            xasprintf("我给%s%s的形状起了什么名字？" NAME_ZH, f->pic_zh, probe_colours[o->colour].zh),
            dlg_word(f->name[k]), NULL};
    }
    int add = probe_rng_int(rng, 2, 6);
    out[n++] = (struct dlg_q){
        xasprintf("Take the number of shapes you counted earlier in %s and add %d. What do you get? " NUMBER_EN,
                  f->pic_en, add),
        xasprintf("把你之前在%s数出的形状个数加上%d，结果是多少？" NUMBER_ZH, f->pic_zh, add),
        dlg_number(f->sc->n + add), NULL};
    add = probe_rng_int(rng, 1, 9);
    out[n++] = (struct dlg_q){xasprintf("What is the number I asked you to remember plus %d? " NUMBER_EN, add),
                              xasprintf("我让你记住的数字加上%d是多少？" NUMBER_ZH, add), dlg_number(f->secret + add),
                              NULL};
    return n;
}

/* The plain recall of the number given in turn 2 (always asked). */
static struct dlg_q recall_secret(const struct dlg_facts *f) {
    return (struct dlg_q){xasprintf("What number did I ask you to remember? " NUMBER_EN),
                          xasprintf("我让你记住的数字是多少？" NUMBER_ZH), dlg_number(f->secret), NULL};
}

/* Questions the picture alone answers. */
static int image_questions(const struct dlg_facts *f, int n_names, struct dlg_q *out) {
    int n = 0;
    for (int i = 0; i < f->sc->n; i++) {
        const struct dlg_obj *o = &f->sc->o[i];
        out[n++] = q_colour(
            o, xasprintf("What colour is the %s in %s? " WORD_EN, probe_shape_names[o->shape].en, f->pic_en),
            xasprintf("%s的%s是什么颜色？" WORD_ZH, f->pic_zh, probe_shape_names[o->shape].zh));
        bool named = false;
        for (int k = 0; k < n_names; k++) named |= f->named[k] == i;
        if (!named)
            out[n++] = q_shape(
                o, xasprintf("What shape is the %s one in %s? " WORD_EN, probe_colours[o->colour].en, f->pic_en),
                xasprintf("%s%s的是什么形状？" WORD_ZH, f->pic_zh, probe_colours[o->colour].zh));
    }
    return n;
}

static void dlg_q_free(struct dlg_q *q) {
    free(q->en);
    free(q->zh);
    json_decref(q->want_en);
    json_decref(q->want_zh);
}

/* Turn t of the case asks q (q's strings and answers are taken). */
static void dlg_set(struct probe_case *pc, int t, struct dlg_q *q) {
    probe_set_turn(pc, t, q->en, q->zh);
    probe_set_expected(pc, t, q->want_en, q->want_zh);
    *q = (struct dlg_q){0};
}

/* Shuffle a[0..n-1]. */
static void dlg_shuffle(probe_rng *rng, struct dlg_q *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = probe_rng_int(rng, 0, i);
        struct dlg_q t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* The second picture's turn (level 3) and the later question that adds both counts. */
static struct dlg_q second_picture(const struct dlg_facts *f) {
    return (struct dlg_q){
        xasprintf("Here is a second picture: <image>\nHow many shapes are in the second picture? " NUMBER_EN),
        xasprintf("这是第二张图：<image>\n第二张图中一共有几个形状？" NUMBER_ZH), dlg_number(f->sc2->n), NULL};
}

static struct dlg_q both_pictures(const struct dlg_facts *f) {
    return (struct dlg_q){xasprintf("How many shapes are there in the two pictures together? " NUMBER_EN),
                          xasprintf("两张图中一共有几个形状？" NUMBER_ZH), dlg_number(f->sc->n + f->sc2->n), NULL};
}

/* A random slot of later[from..to] still empty (en NULL); -1 when none. */
static int free_slot(probe_rng *rng, const struct dlg_q *later, int from, int to) {
    int cand[PROBE_MAX_TURNS], n = 0;
    for (int i = from; i <= to; i++)
        if (!later[i].en) cand[n++] = i;
    return n ? cand[probe_rng_int(rng, 0, n - 1)] : -1;
}

/* The later turns: half recall, half image, in random order. The remembered
 * number is always asked, late, and the later the higher the level (level 1
 * anywhere, 2 in the second half of the later turns, 3 in the last three), so
 * the fact must survive more turns. At level 3 the second picture comes in one
 * of the first three later turns (an image turn) and, two or more turns after
 * it, a question adds both pictures' counts (a recall turn). */
static void later_turns(probe_rng *rng, const struct dlg_facts *f, const struct dlg_level *l, int lvl,
                        struct dlg_q *later, int n_later) {
    int fixed_extra = f->sc2 ? 1 : 0; /* one recall and one image question placed by hand */
    int want_rec = (n_later + 1) / 2 - 1 - fixed_extra, want_img = n_later / 2 - fixed_extra;
    memset(later, 0, (size_t)n_later * sizeof *later);
    int at = probe_rng_int(rng, lvl == 0 ? 0 : lvl == 1 ? n_later / 2 : n_later - 3, n_later - 1);
    later[at] = recall_secret(f);
    if (f->sc2) {
        int pic = free_slot(rng, later, 0, 2);
        later[pic] = second_picture(f);
        later[free_slot(rng, later, pic + 2, n_later - 1)] = both_pictures(f);
    }
    struct dlg_q rec[DLG_MAX_Q], img[DLG_MAX_Q], mix[2 * DLG_MAX_Q];
    int n_rec = recall_questions(rng, f, l->n_names, rec), n_img = image_questions(f, l->n_names, img), n = 0;
    dlg_shuffle(rng, rec, n_rec);
    dlg_shuffle(rng, img, n_img);
    for (int i = 0; i < n_rec; i++) {
        if (i < want_rec) mix[n++] = rec[i];
        else dlg_q_free(&rec[i]);
    }
    for (int i = 0; i < n_img; i++) {
        if (i < want_img) mix[n++] = img[i];
        else dlg_q_free(&img[i]);
    }
    dlg_shuffle(rng, mix, n);
    for (int i = 0, k = 0; i < n_later && k < n; i++)
        if (!later[i].en) later[i] = mix[k++];
}

int probe_gen_conversation(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    int lvl = probe_level(x);
    const struct dlg_level *l = &dlg_levels[lvl];
    struct dlg_pictures pics = {.n = l->n_second ? 2 : 1};
    struct dlg_scene *sc = &pics.sc[0], *sc2 = &pics.sc[1];
    int colours[DLG_N_COLOURS], shapes[PS_N], names[DLG_N_NAMES];
    for (int i = 0; i < DLG_N_COLOURS; i++) colours[i] = dlg_colours[i];
    probe_rng_shuffle(rng, colours, DLG_N_COLOURS);
    probe_rng_pick(rng, lvl == 0 ? 3 : PS_N, l->n_obj, shapes);
    probe_rng_pick(rng, DLG_N_NAMES, l->n_names, names);
    *sc = (struct dlg_scene){.l = l, .n = l->n_obj};
    for (int i = 0; i < l->n_obj; i++)
        sc->o[i] = (struct dlg_obj){.shape = (enum probe_shape)shapes[i], .colour = colours[i]};
    if (l->n_second) {
        probe_rng_shuffle(rng, colours, DLG_N_COLOURS);
        probe_rng_pick(rng, PS_N, l->n_second, shapes);
        *sc2 = (struct dlg_scene){.l = l, .n = l->n_second};
        for (int i = 0; i < l->n_second; i++)
            sc2->o[i] = (struct dlg_obj){.shape = (enum probe_shape)shapes[i], .colour = colours[i]};
    }
    struct dlg_facts f = {.sc = sc, .sc2 = l->n_second ? sc2 : NULL};
    f.pic_en = f.sc2 ? "the first picture" : "the picture";
    f.pic_zh = f.sc2 ? "第一张图中" : "图中";
    for (int k = 0; k < l->n_names; k++) {
        f.named[k] = k; /* objects are in random order already */
        f.name[k] = dlg_names[names[k]];
    }
    f.secret = probe_rng_int(rng, 11, 98);
    if (probe_make_pictures(x, rng, pc, &dlg_ops, &pics) != 0) return -1;

    /* Setup: name A; the number to remember and a count; name B (and C). */
    int t = 0;
    struct dlg_q q = setup_name(&f, 0, true);
    if (f.sc2) { /* two pictures: the first is placed by its marker in turn 1 */
        char *en = xasprintf("<image>\n%s", q.en), *zh = xasprintf("<image>\n%s", q.zh);
        free(q.en);
        free(q.zh);
        q.en = en;
        q.zh = zh;
    }
    dlg_set(pc, t++, &q);
    q = setup_secret(&f);
    dlg_set(pc, t++, &q);
    for (int k = 1; k < l->n_names; k++) {
        q = setup_name(&f, k, false);
        dlg_set(pc, t++, &q);
    }
    struct dlg_q later[PROBE_MAX_TURNS];
    int n_later = l->n_turns - t;
    later_turns(rng, &f, l, lvl, later, n_later);
    for (int i = 0; i < n_later; i++) dlg_set(pc, t++, &later[i]);
    pc->scorer = "contains";
    return 0;
}
