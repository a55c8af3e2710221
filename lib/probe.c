/*
 * probe.c - the base of the probe suite generator (docs/probe.md): the seeded
 * random numbers, the palette and shape names, and the helpers generators
 * build cases with. Every other probe file sits above it: probe_render.c
 * (drawing), probe_check.c (checks), probe_pictures.c (drawing until a check
 * passes), the generators (probe_objects.c: pictures of shapes; probe_text.c:
 * text, charts, tables; probe_dialog.c: conversations; probe_ground.c:
 * bounding boxes) and probe_write.c (parameters, categories, vlm_probe_write).
 */
#include "probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------ random numbers */

uint64_t probe_mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t probe_rng_next(probe_rng *r) {
    uint64_t x = probe_mix64(r->s);
    r->s += 0x9E3779B97F4A7C15ull;
    return x;
}

int probe_rng_int(probe_rng *r, int lo, int hi) {
    if (hi <= lo) return lo;
    return lo + (int)(probe_rng_next(r) % (uint64_t)(hi - lo + 1));
}

double probe_rng_real(probe_rng *r, double lo, double hi) {
    return lo + (hi - lo) * (double)(probe_rng_next(r) >> 11) * 0x1.0p-53;
}

void probe_rng_shuffle(probe_rng *r, int *v, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = probe_rng_int(r, 0, i);
        int t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

void probe_rng_pick(probe_rng *r, int n, int k, int *out) {
    int *all = xmalloc((size_t)n * sizeof *all);
    for (int i = 0; i < n; i++) all[i] = i;
    probe_rng_shuffle(r, all, n);
    memcpy(out, all, (size_t)(k < n ? k : n) * sizeof *out);
    free(all);
}

/* ------------------------------------------------------------ palette, shapes */

// clang-format off
const struct probe_colour probe_colours[PC_N] = {
    [PC_RED]    = { "red",    "红色", 0xDC1E1E },
    [PC_GREEN]  = { "green",  "绿色", 0x1E9632 },
    [PC_BLUE]   = { "blue",   "蓝色", 0x1E46D2 },
    [PC_YELLOW] = { "yellow", "黄色", 0xF5CD14 },
    [PC_ORANGE] = { "orange", "橙色", 0xF57D0F },
    [PC_PURPLE] = { "purple", "紫色", 0x7D32AF },
    [PC_PINK]   = { "pink",   "粉色", 0xF578B9 },
    [PC_BROWN]  = { "brown",  "棕色", 0x7D4B1E },
    [PC_BLACK]  = { "black",  "黑色", 0x141414 },
    [PC_GRAY]   = { "gray",   "灰色", 0x808080 },
};
// clang-format on

// clang-format off
const struct probe_shape_name probe_shape_names[PS_N] = {
    [PS_CIRCLE]   = { "circle", "circles", "圆形",
                      { "circle", "disc", "disk", NULL }, { "圆", NULL } },
    [PS_SQUARE]   = { "square", "squares", "正方形", /* not 方形: 长方形 is a rectangle */
                      { "square", NULL }, { "正方形", "方块", NULL } },
    [PS_TRIANGLE] = { "triangle", "triangles", "三角形",
                      { "triangle", NULL }, { "三角", NULL } },
    [PS_STAR]     = { "star", "stars", "五角星",
                      { "star", "pentagram", NULL }, { "星", NULL } },
    [PS_PENTAGON] = { "pentagon", "pentagons", "五边形",
                      { "pentagon", NULL }, { "五边形", NULL } },
};
// clang-format on

/* ------------------------------------------------------------ case helpers */

int probe_fail(struct probe_ctx *x, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
    return -1;
}

void probe_set_turn(struct probe_case *pc, int t, char *en, char *zh) {
    pc->turns[PL_EN][t] = en;
    pc->turns[PL_ZH][t] = zh;
    if (t + 1 > pc->n_turns) pc->n_turns = t + 1;
}

void probe_set_expected(struct probe_case *pc, int t, json_t *en, json_t *zh) {
    pc->expected[PL_EN][t] = en;
    pc->expected[PL_ZH][t] = zh ? zh : json_incref(en);
}

/* "question\nA. x\nB. y\n...instruction" in one language. */
static char *choice_prompt(const char *question, const char *const *opts, int n, const char *instruction) {
    size_t len = strlen(question) + strlen(instruction) + 2;
    for (int i = 0; i < n; i++) len += strlen(opts[i]) + 5;
    char *s = xmalloc(len), *o = s;
    o += sprintf(o, "%s\n", question);
    for (int i = 0; i < n; i++) o += sprintf(o, "%c. %s\n", 'A' + i, opts[i]);
    strcpy(o, instruction);
    return s;
}

void probe_set_choice_turn(struct probe_case *pc, int t, const char *q_en, const char *q_zh, const char *const *opt_en,
                           const char *const *opt_zh, int n_opts, int answer) {
    probe_set_turn(pc, t, choice_prompt(q_en, opt_en, n_opts, "Answer with the letter of the correct option."),
                   choice_prompt(q_zh, opt_zh, n_opts, "请只回答正确选项的字母。"));
    for (int i = 0; i < n_opts; i++) {
        pc->choices[PL_EN][i] = xstrdup(opt_en[i]);
        pc->choices[PL_ZH][i] = xstrdup(opt_zh[i]);
    }
    pc->n_choices = n_opts;
    char letter[2] = {(char)('A' + answer), 0};
    probe_set_expected(pc, t, json_string(letter), NULL);
}

json_t *probe_exact_number(long n) { return json_pack("{s:I,s:i}", "value", (json_int_t)n, "tolerance", 0); }

json_t *probe_answers(const char *const *accept) {
    json_t *a = json_array();
    for (int i = 0; accept[i]; i++) json_array_append_new(a, json_string(accept[i]));
    return a;
}
