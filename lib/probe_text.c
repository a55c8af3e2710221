/*
 * probe_text.c - the probe categories whose pictures carry text (docs/probe.md):
 * ocr (words, numbers, Chinese characters; small, turned, faint at higher
 * levels), charts (bars and lines), tables and documents (drawn in the
 * question's language). Checks read the pictures back: every glyph exists,
 * text stays inside the picture and its cells, bars and dots show their values.
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BG PROBE_WHITE

/* ------------------------------------------------------------ text: words */

static const char *const words_en[] = {
    "apple",  "river",  "garden",   "window", "planet", "bridge", "candle", "forest", "pencil", "rocket", "silver",
    "tiger",  "violin", "winter",   "yellow", "anchor", "basket", "castle", "dragon", "engine", "flower", "guitar",
    "hammer", "island", "jacket",   "kitten", "lemon",  "market", "needle", "orange", "pepper", "quartz", "rabbit",
    "saddle", "tomato", "umbrella", "valley", "walnut", "zipper", "butter", "camera", "doctor", "finger", "ginger",
    "harbor", "magnet", "nickel",   "oyster", "parrot", "ribbon", "summer", "turtle", "velvet", "wizard",
};
static const char *const words_zh2[] = {
    "天气", "学校", "苹果", "电脑", "朋友", "火车", "医生", "音乐", "老师", "城市", "河流",
    "森林", "手机", "咖啡", "面包", "月亮", "星期", "书包", "窗户", "花园", "钢笔", "足球",
};
static const char *const words_zh3[] = {
    "图书馆", "电视机", "自行车", "博物馆", "动物园", "火车站", "洗衣机", "巧克力",
    "冰淇淋", "计算机", "运动员", "科学家", "太阳能", "向日葵", "长颈鹿", "救护车",
};
static const char *const words_zh4[] = {
    "春暖花开", "五颜六色", "山清水秀", "鸟语花香", "自由自在", "风和日丽", "百花齐放",
    "四面八方", "欢天喜地", "画龙点睛", "一帆风顺", "心想事成", "万紫千红", "井井有条",
};

#define PICK(rng, list) ((list)[probe_rng_int((rng), 0, (int)(sizeof(list) / sizeof((list)[0])) - 1)])

/* ------------------------------------------------------------ ocr */

enum { OCR_WORD, OCR_NUMBER, OCR_CHINESE, OCR_N };

struct ocr_spec {
    char text[64];
    int w, h;
    double px, max_angle; /* size; the text is turned by up to max_angle degrees */
    double angle, x, y;
    uint32_t fg, bg;
    int unknown; /* characters no font could draw (set by drawing) */
};

// clang-format off
static const struct { int w, h; double px, max_angle; uint32_t fg, bg; } ocr_levels[3] = {
    { 384, 160, 44, 0, 0x000000, 0xFFFFFF },
    { 448, 224, 26, 6, 0x333333, 0xF2F2F2 },
    { 512, 320, 15, 25, 0x8C8C8C, 0xD2D2D2 },
};
// clang-format on

static void ocr_text(probe_rng *rng, int kind, int lvl, char *out, size_t len) {
    if (kind == OCR_WORD && lvl == 0) snprintf(out, len, "%s", PICK(rng, words_en));
    else if (kind == OCR_WORD) snprintf(out, len, "%s %s", PICK(rng, words_en), PICK(rng, words_en));
    else if (kind == OCR_CHINESE)
        snprintf(out, len, "%s",
                 lvl == 0   ? PICK(rng, words_zh2)
                 : lvl == 1 ? PICK(rng, words_zh3)
                            : PICK(rng, words_zh4));
    else {
        int digits = lvl == 0   ? probe_rng_int(rng, 3, 4)
                     : lvl == 1 ? probe_rng_int(rng, 5, 6)
                                : probe_rng_int(rng, 6, 8);
        size_t i = 0;
        out[i++] = (char)('1' + probe_rng_int(rng, 0, 8));
        while ((int)i < digits && i + 1 < len) out[i++] = (char)('0' + probe_rng_int(rng, 0, 9));
        out[i] = 0;
    }
}

static bool ocr_layout(probe_rng *rng, void *spec) {
    struct ocr_spec *o = spec;
    o->angle = o->max_angle > 0 ? probe_rng_real(rng, -o->max_angle, o->max_angle) : 0;
    o->x = o->w / 2.0 + probe_rng_real(rng, -0.2, 0.2) * o->w;
    o->y = o->h / 2.0 + probe_rng_real(rng, -0.2, 0.2) * o->h;
    return true;
}

static int ocr_draw(void *spec, probe_canvas **out) {
    struct ocr_spec *o = spec;
    out[0] = probe_canvas_new(o->w, o->h, o->bg);
    o->unknown = probe_draw_text(out[0], o->text, o->x, o->y, o->px, o->fg, o->angle, 0, 0, NULL, NULL);
    return 1;
}

/* Every character drawn, and all of the text inside the picture. */
static bool ocr_check(const vlm_image *ims, int n, const void *spec, char *why, size_t len) {
    const struct ocr_spec *o = spec;
    int x0, y0, x1, y1;
    if (o->unknown > 0) {
        snprintf(why, len, "%d characters of '%s' have no glyph in the fonts", o->unknown, o->text);
        return false;
    }
    if (!probe_ink_box(&ims[0], o->bg, 24, &x0, &y0, &x1, &y1)) {
        snprintf(why, len, "no text visible");
        return false;
    }
    if (x0 < 3 || y0 < 3 || x1 > o->w - 4 || y1 > o->h - 4) {
        snprintf(why, len, "the text touches the edge of the picture");
        return false;
    }
    return true;
}

static const struct probe_picture_ops ocr_ops = {ocr_layout, ocr_draw, ocr_check};

int probe_gen_ocr(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    int lvl = probe_level(x), kind = x->k % OCR_N;
    struct ocr_spec o = {.w = ocr_levels[lvl].w,
                         .h = ocr_levels[lvl].h,
                         .px = ocr_levels[lvl].px,
                         .max_angle = ocr_levels[lvl].max_angle,
                         .fg = ocr_levels[lvl].fg,
                         .bg = ocr_levels[lvl].bg};
    ocr_text(rng, kind, lvl, o.text, sizeof o.text);
    if (probe_make_pictures(x, rng, pc, &ocr_ops, &o) != 0) return -1;
    if (kind == OCR_NUMBER)
        probe_set_turn(pc, 0, xstrdup("What number is written in this image? Answer with the number only."),
                       xstrdup("图中写的是什么数字？请只回答数字。"));
    else
        probe_set_turn(pc, 0, xstrdup("What text is written in this image? Answer with the text only."),
                       xstrdup("图中写的是什么文字？请只回答文字内容。"));
    probe_set_expected(pc, 0, json_string(o.text), NULL);
    pc->scorer = "contains";
    return 0;
}

/* ------------------------------------------------------------ charts */

enum { CH_LARGEST, CH_VALUE, CH_DIFFERENCE, CH_N };

#define CHART_BAR      0x1E46D2u
#define CHART_LINE     0x1E46D2u
#define CHART_DOT      0xDC1E1Eu
#define CHART_GRID     0xDDDDDDu
#define CHART_INK      0x000000u
#define CHART_MIN_AREA 15 /* a bar or a dot has more pixels than this */

struct chart_spec {
    bool line;         /* a line chart over years, else bars */
    bool value_labels; /* each bar's value written above it */
    int n, grid, tick; /* bars; grid line and labelled tick steps */
    int values[8];
    char labels[8][16];
    int w, h;
    double left, top, plot_w, plot_h;
    int unknown;
};

static const char *const bar_names[] = {"Alpha", "Beta", "Gamma", "Delta", "Kappa", "Sigma", "Omega", "Theta"};

static double chart_y(const struct chart_spec *c, double v) { return c->top + c->plot_h * (1 - v / 100.0); }
static double chart_x(const struct chart_spec *c, int i) { return c->left + c->plot_w * (i + 0.5) / c->n; }

static bool chart_layout(probe_rng *rng, void *spec) {
    struct chart_spec *c = spec;
    c->left = 56;
    c->top = 24;
    c->plot_h = 250;
    c->plot_w = c->w - c->left - 24;
    c->h = (int)(c->top + c->plot_h + 48);
    return true;
}

static void draw_axes(probe_canvas *cv, struct chart_spec *c) {
    for (int v = 0; v <= 100; v += c->grid) {
        double y = floor(chart_y(c, v)) + 0.5;
        probe_draw_line(cv, c->left, y, c->left + c->plot_w, y, 1, CHART_GRID);
    }
    for (int v = 0; v <= 100; v += c->tick) {
        char t[16];
        snprintf(t, sizeof t, "%d", v);
        c->unknown += probe_draw_text(cv, t, c->left - 8, chart_y(c, v), 13, CHART_INK, 0, 1, 0, NULL, NULL);
    }
    double base = floor(chart_y(c, 0)) + 0.5;
    probe_draw_line(cv, c->left, c->top - 6, c->left, base, 1.5, CHART_INK);
    probe_draw_line(cv, c->left, base, c->left + c->plot_w, base, 1.5, CHART_INK);
    for (int i = 0; i < c->n; i++)
        c->unknown += probe_draw_text(cv, c->labels[i], chart_x(c, i), base + 8, 14, CHART_INK, 0, 0, -1, NULL, NULL);
}

static void draw_bars(probe_canvas *cv, struct chart_spec *c) {
    double slot = c->plot_w / c->n, bw = floor(slot * 0.55);
    for (int i = 0; i < c->n; i++) {
        double x = floor(chart_x(c, i) - bw / 2), top = chart_y(c, c->values[i]);
        probe_draw_rect(cv, x, top, bw, floor(chart_y(c, 0)) - top, CHART_BAR);
        if (!c->value_labels) continue;
        char t[16];
        snprintf(t, sizeof t, "%d", c->values[i]);
        c->unknown += probe_draw_text(cv, t, chart_x(c, i), top - 4, 14, CHART_INK, 0, 0, 1, NULL, NULL);
    }
}

static void draw_line(probe_canvas *cv, const struct chart_spec *c) {
    for (int i = 0; i + 1 < c->n; i++)
        probe_draw_line(cv, chart_x(c, i), chart_y(c, c->values[i]), chart_x(c, i + 1), chart_y(c, c->values[i + 1]),
                        2.5, CHART_LINE);
    for (int i = 0; i < c->n; i++)
        probe_draw_shape(cv, PS_CIRCLE, chart_x(c, i), chart_y(c, c->values[i]), 6, 0, CHART_DOT, 0);
}

static int chart_draw(void *spec, probe_canvas **out) {
    struct chart_spec *c = spec;
    c->unknown = 0;
    out[0] = probe_canvas_new(c->w, c->h, BG);
    draw_axes(out[0], c);
    if (c->line) draw_line(out[0], c);
    else draw_bars(out[0], c);
    return 1;
}

static int by_x(const void *a, const void *b) {
    double d = ((const struct probe_blob *)a)->cx - ((const struct probe_blob *)b)->cx;
    return (d > 0) - (d < 0);
}

/* Read each bar's height, or each dot's height, back as a value. */
static bool chart_check(const vlm_image *ims, int n, const void *spec, char *why, size_t len) {
    const struct chart_spec *c = spec;
    static const uint32_t bars[] = {CHART_BAR, CHART_GRID, CHART_INK};
    static const uint32_t dots[] = {CHART_DOT, CHART_LINE, CHART_GRID, CHART_INK};
    struct probe_blob b[8];
    int got = c->line ? probe_blobs(&ims[0], BG, dots, 4, 0, CHART_MIN_AREA, b, 8)
                      : probe_blobs(&ims[0], BG, bars, 3, 0, CHART_MIN_AREA, b, 8);
    if (c->unknown > 0 || got != c->n) {
        snprintf(why, len, "%d %s in the picture, %d drawn", got, c->line ? "dots" : "bars", c->n);
        return false;
    }
    qsort(b, (size_t)got, sizeof b[0], by_x);
    for (int i = 0; i < got; i++) {
        double top = c->line ? b[i].cy : b[i].y0, bottom = chart_y(c, 0);
        double read = c->line ? (bottom - top) * 100.0 / c->plot_h : (b[i].y1 + 1 - top) * 100.0 / c->plot_h;
        if (fabs(read - c->values[i]) > 1.0) {
            snprintf(why, len, "%s reads as %.1f, not %d", c->labels[i], read, c->values[i]);
            return false;
        }
    }
    return true;
}

static const struct probe_picture_ops chart_ops = {chart_layout, chart_draw, chart_check};

static void chart_values(probe_rng *rng, struct chart_spec *c, int step, int max) {
    int pool[20], n_pool = 0;
    for (int v = step; v <= max; v += step) pool[n_pool++] = v;
    probe_rng_pick(rng, n_pool, c->n, c->values);
    for (int i = 0; i < c->n; i++) c->values[i] = pool[c->values[i]];
}

static void chart_questions(struct probe_case *pc, probe_rng *rng, const struct chart_spec *c, int kind) {
    int hi = 0;
    for (int i = 1; i < c->n; i++)
        if (c->values[i] > c->values[hi]) hi = i;
    if (kind == CH_LARGEST) {
        probe_set_turn(
            pc, 0,
            xstrdup(c->line ? "Which year has the largest value in this chart? Answer with the year."
                            : "Which bar has the largest value in this chart? Answer with its label."),
            xstrdup(c->line ? "图表中哪一年的数值最大？请回答年份。" : "图表中哪个柱子的数值最大？请回答它的标签。"));
        probe_set_expected(pc, 0, json_string(c->labels[hi]), NULL);
        pc->scorer = "contains";
        return;
    }
    int a = probe_rng_int(rng, 0, c->n - 1), b = (a + 1 + probe_rng_int(rng, 0, c->n - 2)) % c->n;
    if (c->values[a] < c->values[b]) {
        int t = a;
        a = b;
        b = t;
    }
    const char *yr = c->line ? "年" : "";
    if (kind == CH_VALUE) {
        probe_set_turn(pc, 0,
                       xasprintf("What is the value %s %s in this chart? %s", c->line ? "in" : "of", c->labels[a],
                                 PROBE_ANSWER_NUMBER_EN),
                       xasprintf("图表中%s%s的数值是多少？%s", c->labels[a], yr, PROBE_ANSWER_NUMBER_ZH));
        probe_set_expected(pc, 0, probe_exact_number(c->values[a]), NULL);
    } else {
        probe_set_turn(
            pc, 0,
            xasprintf("In this chart, how much larger is the value %s %s than %s %s? %s", c->line ? "in" : "of",
                      c->labels[a], c->line ? "in" : "that of", c->labels[b], PROBE_ANSWER_NUMBER_EN),
            xasprintf("图表中%s%s的数值比%s%s大多少？%s", c->labels[a], yr, c->labels[b], yr, PROBE_ANSWER_NUMBER_ZH));
        probe_set_expected(pc, 0, probe_exact_number(c->values[a] - c->values[b]), NULL);
    }
    pc->scorer = "number";
}

int probe_gen_charts(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct {
        int n_min, n_max, step, grid, tick, w;
        bool labels;
    } L[3] = {{3, 4, 10, 10, 10, 400, true}, {4, 6, 10, 10, 10, 480, false}, {5, 8, 5, 10, 20, 560, false}};
    int lvl = probe_level(x), kind = x->k % CH_N;
    struct chart_spec c = {.line = lvl == 2 && (x->k / CH_N) % 2 == 0,
                           .value_labels = L[lvl].labels,
                           .grid = L[lvl].grid,
                           .tick = L[lvl].tick,
                           .w = L[lvl].w};
    c.n = probe_rng_int(rng, L[lvl].n_min, L[lvl].n_max);
    chart_values(rng, &c, L[lvl].step, 95);
    if (c.line) {
        int year = probe_rng_int(rng, 2010, 2016);
        for (int i = 0; i < c.n; i++) snprintf(c.labels[i], sizeof c.labels[i], "%d", year + i);
    } else {
        int names[8];
        probe_rng_pick(rng, 8, c.n, names);
        for (int i = 0; i < c.n; i++) snprintf(c.labels[i], sizeof c.labels[i], "%s", bar_names[names[i]]);
    }
    if (probe_make_pictures(x, rng, pc, &chart_ops, &c) != 0) return -1;
    chart_questions(pc, rng, &c, kind);
    return 0;
}

/* ------------------------------------------------------------ tables, documents */

struct text_pair {
    const char *en, *zh;
};

static const struct text_pair table_items[] = {
    {"Apples", "苹果"}, {"Bread", "面包"}, {"Coffee", "咖啡"}, {"Eggs", "鸡蛋"},   {"Milk", "牛奶"},
    {"Rice", "大米"},   {"Sugar", "白糖"}, {"Tea", "茶叶"},    {"Butter", "黄油"}, {"Cheese", "奶酪"},
};
static const struct text_pair table_columns[] = {
    {"Price", "价格"},
    {"Stock", "库存"},
    {"Sold", "销量"},
};

#define TABLE_MAX_ROWS 7
#define TABLE_MAX_COLS 3

struct table_spec {
    int lang;      /* PL_EN or PL_ZH */
    bool document; /* an invoice, not a table */
    int rows, cols;
    int items[TABLE_MAX_ROWS], values[TABLE_MAX_ROWS][TABLE_MAX_COLS];
    int invoice, total, customer; /* document fields */
    double px;
    int w, h;
    double col_x[TABLE_MAX_COLS + 2], row_y[TABLE_MAX_ROWS + 2];
    int unknown;
};

static const struct text_pair customers[] = {
    {"Anna Smith", "张伟"}, {"Omar Haddad", "王芳"}, {"Lena Berg", "李娜"},
    {"Tom Weber", "刘洋"},  {"Maria Costa", "陈静"}, {"Ivan Petrov", "杨帆"},
};

static const char *pair(const struct text_pair *p, int lang) { return lang == PL_ZH ? p->zh : p->en; }

/* The cell's text: row 0 is the header, column 0 the item names. */
static void cell_text(const struct table_spec *t, int r, int c, char *out, size_t len) {
    if (r == 0)
        snprintf(out, len, "%s", c == 0 ? (t->lang == PL_ZH ? "商品" : "Item") : pair(&table_columns[c - 1], t->lang));
    else if (c == 0) snprintf(out, len, "%s", pair(&table_items[t->items[r - 1]], t->lang));
    else snprintf(out, len, "%d", t->values[r - 1][c - 1]);
}

/* Column and row lines from the widest text of each column. */
static void grid_layout(probe_canvas *m, struct table_spec *t) {
    double x = 20, pad = t->px * 0.8, row_h = floor(t->px * 2);
    t->col_x[0] = x + 0.5;
    for (int c = 0; c <= t->cols; c++) {
        double widest = 0;
        for (int r = 0; r <= t->rows; r++) {
            char s[64];
            double w;
            cell_text(t, r, c, s, sizeof s);
            probe_text_size(m, s, t->px, &w, NULL);
            if (w > widest) widest = w;
        }
        x += ceil(widest + 2 * pad);
        t->col_x[c + 1] = x + 0.5;
    }
    for (int r = 0; r <= t->rows + 1; r++) t->row_y[r] = 20 + r * row_h + 0.5;
    t->w = (int)x + 20;
    t->h = (int)t->row_y[t->rows + 1] + 20;
}

#define DOC_LINES 5

static void document_lines(const struct table_spec *t, char lines[DOC_LINES][96]);

/* The lines' sizes: the title 1.4 times the text, lines 2.2 text heights apart. */
static double doc_px(const struct table_spec *t, int line) { return line == 0 ? t->px * 1.4 : t->px; }

static void document_layout(probe_canvas *m, struct table_spec *t) {
    char lines[DOC_LINES][96];
    document_lines(t, lines);
    double widest = 0;
    for (int i = 0; i < DOC_LINES; i++) {
        double w;
        probe_text_size(m, lines[i], doc_px(t, i), &w, NULL);
        if (w > widest) widest = w;
    }
    t->w = (int)ceil(widest) + 48;
    t->h = (int)ceil(48 + DOC_LINES * t->px * 2.2);
}

static bool table_layout(probe_rng *rng, void *spec) {
    struct table_spec *t = spec;
    probe_canvas *m = probe_canvas_new(8, 8, BG);
    if (t->document) document_layout(m, t);
    else grid_layout(m, t);
    probe_canvas_free(m);
    return true;
}

static void draw_table(probe_canvas *cv, struct table_spec *t) {
    for (int c = 0; c <= t->cols + 1; c++)
        probe_draw_line(cv, t->col_x[c], t->row_y[0], t->col_x[c], t->row_y[t->rows + 1], 1, CHART_INK);
    for (int r = 0; r <= t->rows + 1; r++)
        probe_draw_line(cv, t->col_x[0], t->row_y[r], t->col_x[t->cols + 1], t->row_y[r], 1, CHART_INK);
    for (int r = 0; r <= t->rows; r++)
        for (int c = 0; c <= t->cols; c++) {
            char s[64];
            cell_text(t, r, c, s, sizeof s);
            double cx = (t->col_x[c] + t->col_x[c + 1]) / 2, cy = (t->row_y[r] + t->row_y[r + 1]) / 2;
            t->unknown += probe_draw_text(cv, s, cx, cy, t->px, CHART_INK, 0, 0, 0, NULL, NULL);
        }
}

static void document_lines(const struct table_spec *t, char lines[DOC_LINES][96]) {
    bool zh = t->lang == PL_ZH;
    snprintf(lines[0], 96, "%s", zh ? "发票" : "INVOICE");
    snprintf(lines[1], 96, zh ? "发票号码：%d" : "Invoice No.: %d", t->invoice);
    snprintf(lines[2], 96, zh ? "日期：2023年%d月%d日" : "Date: 2023-%02d-%02d", 1 + t->invoice % 12,
             1 + t->invoice % 28);
    snprintf(lines[3], 96, zh ? "客户：%s" : "Customer: %s", pair(&customers[t->customer], t->lang));
    snprintf(lines[4], 96, zh ? "合计：%d 元" : "Total: %d EUR", t->total);
}

static void draw_document(probe_canvas *cv, struct table_spec *t) {
    char lines[DOC_LINES][96];
    document_lines(t, lines);
    for (int i = 0; i < DOC_LINES; i++)
        t->unknown += probe_draw_text(cv, lines[i], 24, 24 + i * t->px * 2.2, doc_px(t, i), CHART_INK, 0, -1, -1, NULL,
                                      NULL);
}

static int table_draw(void *spec, probe_canvas **out) {
    struct table_spec *t = spec;
    t->unknown = 0;
    out[0] = probe_canvas_new(t->w, t->h, BG);
    if (t->document) draw_document(out[0], t);
    else draw_table(out[0], t);
    return 1;
}

/* Every character has a glyph; text stays off the picture's edges and, in a
 * table, off its cell's borders (a band inside each cell is blank) and no cell is empty. */
static bool table_check(const vlm_image *ims, int n, const void *spec, char *why, size_t len) {
    const struct table_spec *t = spec;
    int x0, y0, x1, y1;
    if (t->unknown > 0) return snprintf(why, len, "characters without a glyph"), false;
    if (!probe_ink_box(&ims[0], BG, 40, &x0, &y0, &x1, &y1) || x0 < 4 || y0 < 4 || x1 > t->w - 5 || y1 > t->h - 5)
        return snprintf(why, len, "text off the picture"), false;
    for (int r = 0; r <= t->rows && !t->document; r++)
        for (int c = 0; c <= t->cols; c++) {
            int cx0 = (int)t->col_x[c] + 2, cx1 = (int)t->col_x[c + 1] - 2;
            int cy0 = (int)t->row_y[r] + 2, cy1 = (int)t->row_y[r + 1] - 2;
            long inner = probe_count_ink(&ims[0], BG, 40, cx0 + 2, cy0 + 2, cx1 - 2, cy1 - 2);
            long all = probe_count_ink(&ims[0], BG, 40, cx0, cy0, cx1, cy1);
            if (inner == 0 || all != inner)
                return snprintf(why, len, "cell (%d,%d) is empty or its text touches the border", r, c), false;
        }
    return true;
}

static const struct probe_picture_ops table_ops = {table_layout, table_draw, table_check};

static void table_question(struct probe_case *pc, probe_rng *rng, const struct table_spec *t) {
    int r = probe_rng_int(rng, 0, t->rows - 1), c = probe_rng_int(rng, 0, t->cols - 1);
    const struct text_pair *item = &table_items[t->items[r]], *col = &table_columns[c];
    probe_set_turn(pc, 0,
                   xasprintf("In the table, what number is in the %s column of the %s row? %s", col->en, item->en,
                             PROBE_ANSWER_NUMBER_EN),
                   xasprintf("表格中%s的%s是多少？%s", item->zh, col->zh, PROBE_ANSWER_NUMBER_ZH));
    probe_set_expected(pc, 0, probe_exact_number(t->values[r][c]), NULL);
    pc->scorer = "number";
}

static void document_question(struct probe_case *pc, int which, const struct table_spec *t) {
    if (which == 0) {
        probe_set_turn(pc, 0, xasprintf("What is the invoice number in this document? %s", PROBE_ANSWER_NUMBER_EN),
                       xasprintf("这张单据的发票号码是多少？%s", PROBE_ANSWER_NUMBER_ZH));
        probe_set_expected(pc, 0, probe_exact_number(t->invoice), NULL);
        pc->scorer = "number";
    } else if (which == 1) {
        probe_set_turn(pc, 0, xasprintf("What is the total amount in this document? %s", PROBE_ANSWER_NUMBER_EN),
                       xasprintf("这张单据的合计金额是多少？%s", PROBE_ANSWER_NUMBER_ZH));
        probe_set_expected(pc, 0, probe_exact_number(t->total), NULL);
        pc->scorer = "number";
    } else {
        probe_set_turn(pc, 0, xstrdup("Who is the customer in this document? Answer with the name only."),
                       xstrdup("这张单据的客户是谁？请只回答名字。"));
        probe_set_expected(pc, 0, json_string(customers[t->customer].en), json_string(customers[t->customer].zh));
        pc->scorer = "contains";
    }
}

int probe_gen_tables(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc) {
    static const struct {
        int rows, cols;
        double px;
    } L[3] = {{3, 1, 22}, {5, 2, 18}, {7, 3, 13}};
    int lvl = probe_level(x);
    struct table_spec t = {
        .document = lvl > 0 && x->k % 2 == 1, .rows = L[lvl].rows, .cols = L[lvl].cols, .px = L[lvl].px};
    probe_rng_pick(rng, (int)(sizeof table_items / sizeof table_items[0]), t.rows, t.items);
    for (int r = 0; r < t.rows; r++)
        for (int c = 0; c < t.cols; c++) t.values[r][c] = probe_rng_int(rng, c == 0 ? 2 : 0, c == 0 ? 99 : 500);
    t.invoice = probe_rng_int(rng, 10000, 99999);
    t.total = probe_rng_int(rng, 20, 9999);
    t.customer = probe_rng_int(rng, 0, (int)(sizeof customers / sizeof customers[0]) - 1);
    if (t.document) document_question(pc, (x->k / 2) % 3, &t);
    else table_question(pc, rng, &t);
    for (int l = 0; l < PL_N; l++) { /* the words in the picture are in the question's language */
        if (!x->want[l]) continue;
        probe_canvas *pics[1];
        t.lang = l;
        int n = probe_draw_checked(x, rng, &table_ops, &t, pics);
        if (n < 0 || probe_save_pictures(x, pc, pics, n, l) != 0) return -1;
    }
    return 0;
}
