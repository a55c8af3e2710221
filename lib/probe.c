/*
 * probe.c - the probe suite writer (docs/probe.md): parameters, the seeded
 * random numbers, the palette and shape names, the helpers generators build
 * cases with, drawing pictures until their check passes, the list of
 * categories, and vlm_probe_write, which runs every category's generator in a
 * fixed order and writes the JSONL. The generators are in probe_objects.c
 * (pictures of shapes), probe_text.c (text, charts, tables) and
 * probe_ground.c (bounding boxes).
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

/* Write the canvas as image i of the case, for language `lang` (PL_N: both), as
 * DIR/images/{base}{suffix}.png. */
static int save_image(struct probe_ctx *x, struct probe_case *pc, int i, int lang, probe_canvas *c,
                      const char *suffix) {
    char *rel = xasprintf("images/%s%s.png", x->base, suffix ? suffix : "");
    char *path = util_path_join(x->dir, rel);
    int rc = probe_canvas_png(c, path, x->err, sizeof x->err);
    free(path);
    if (rc != 0) {
        free(rel);
        return -1;
    }
    x->n_images++;
    if (lang == PL_N) {
        pc->images[PL_EN][i] = rel;
        pc->images[PL_ZH][i] = rel; /* shared: freed once */
    } else {
        pc->images[lang][i] = rel;
    }
    if (i + 1 > pc->n_images) pc->n_images = i + 1;
    return 0;
}

static void case_free(struct probe_case *pc) {
    for (int i = 0; i < PROBE_MAX_IMAGES; i++) {
        if (pc->images[PL_ZH][i] != pc->images[PL_EN][i]) free(pc->images[PL_ZH][i]);
        free(pc->images[PL_EN][i]);
    }
    for (int l = 0; l < PL_N; l++) {
        for (int t = 0; t < PROBE_MAX_TURNS; t++) {
            free(pc->turns[l][t]);
            json_decref(pc->expected[l][t]);
        }
        for (int i = 0; i < PROBE_MAX_CHOICES; i++) free(pc->choices[l][i]);
    }
    memset(pc, 0, sizeof *pc);
}

/* ------------------------------------------------------------ drawing with checks */

int probe_draw_checked(struct probe_ctx *x, probe_rng *rng, const struct probe_picture_ops *ops, void *spec,
                       probe_canvas **out) {
    char why[256] = "no layout found";
    for (int attempt = 0; attempt < PROBE_MAX_ATTEMPTS; attempt++) {
        if (attempt > 0) x->n_retries++;
        if (!ops->layout(rng, spec)) continue;
        int n = ops->draw(spec, out);
        vlm_image ims[PROBE_MAX_IMAGES];
        for (int i = 0; i < n; i++) probe_canvas_rgb(out[i], &ims[i]);
        bool ok = ops->check(ims, n, spec, why, sizeof why);
        for (int i = 0; i < n; i++) vlm_image_free(&ims[i]);
        if (ok) return n;
        for (int i = 0; i < n; i++) probe_canvas_free(out[i]);
    }
    return probe_fail(x, "%s: no drawing held its answer in %d layouts: %s", x->base, PROBE_MAX_ATTEMPTS, why);
}

int probe_save_pictures(struct probe_ctx *x, struct probe_case *pc, probe_canvas **pics, int n, int lang) {
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char suffix[16] = "";
        if (n > 1) snprintf(suffix, sizeof suffix, "-%d", i + 1);
        if (lang != PL_N)
            snprintf(suffix + strlen(suffix), sizeof suffix - strlen(suffix), "-%s", lang == PL_EN ? "en" : "zh");
        if (rc == 0) rc = save_image(x, pc, i, lang, pics[i], suffix);
        probe_canvas_free(pics[i]);
    }
    return rc;
}

int probe_make_pictures(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc, const struct probe_picture_ops *ops,
                        void *spec) {
    probe_canvas *pics[PROBE_MAX_IMAGES];
    int n = probe_draw_checked(x, rng, ops, spec, pics);
    return n < 0 ? -1 : probe_save_pictures(x, pc, pics, n, PL_N);
}

/* ------------------------------------------------------------ the categories */

// clang-format off
const struct probe_category probe_categories[] = {
    { "colors", probe_gen_colors },           { "shapes", probe_gen_shapes },
    { "counting", probe_gen_counting },       { "spatial", probe_gen_spatial },
    { "ocr", probe_gen_ocr },                 { "charts", probe_gen_charts },
    { "tables", probe_gen_tables },           { "multi_image", probe_gen_multi_image },
    { "multi_turn", probe_gen_multi_turn },   { "hallucination", probe_gen_hallucination },
    { "conversation", probe_gen_conversation },
    { "grounding", probe_gen_grounding },
};
// clang-format on
const int probe_n_categories = (int)(sizeof probe_categories / sizeof probe_categories[0]);

/* ------------------------------------------------------------ parameters */

static const char *const lang_code[PL_N] = {"en", "zh"};

struct vlm_probe_params vlm_probe_default_params(void) {
    return (struct vlm_probe_params){
        .n_per_category = 20,
        .seed = 1,
        .lang = VLM_PROBE_EN,
        .level = 2,
        .name = "probe",
    };
}

int vlm_probe_n_categories(void) { return probe_n_categories; }

const char *vlm_probe_category(int i) { return i >= 0 && i < probe_n_categories ? probe_categories[i].name : NULL; }

static bool name_ok(const char *name) {
    if (!name || !name[0] || strlen(name) > 64) return false;
    for (const char *p = name; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p)) return false;
    return name[0] != '.';
}

/* Whether category `name` is in the comma-separated list (NULL or "": all). */
static bool category_wanted(const char *list, const char *name) {
    if (!list || !list[0]) return true;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0) return true;
        p += k + (p[k] == ',');
    }
    return false;
}

/* Every name of the list is a category; else a message naming the first unknown one. */
static bool categories_ok(const char *list, char *err, size_t err_len) {
    for (const char *p = list ? list : ""; *p;) {
        size_t k = strcspn(p, ",");
        bool known = false;
        for (int c = 0; c < probe_n_categories && !known; c++)
            known = strlen(probe_categories[c].name) == k && strncmp(p, probe_categories[c].name, k) == 0;
        if (!known) {
            char known_list[512] = "";
            for (int c = 0; c < probe_n_categories; c++)
                snprintf(known_list + strlen(known_list), sizeof known_list - strlen(known_list), "%s%s", c ? ", " : "",
                         probe_categories[c].name);
            util_errf(err, err_len, "probe: unknown category '%.*s' (known: %s)", (int)k, p, known_list);
            return false;
        }
        p += k + (p[k] == ',');
    }
    return true;
}

static int check_params(const struct vlm_probe_params *p, char *err, size_t err_len) {
    if (p->n_per_category < 1 || p->n_per_category > 10000)
        util_errf(err, err_len, "probe: cases per category must be 1..10000, not %d", p->n_per_category);
    else if (p->level < 1 || p->level > 3) util_errf(err, err_len, "probe: level must be 1, 2 or 3, not %d", p->level);
    else if (p->lang < VLM_PROBE_EN || p->lang > VLM_PROBE_BOTH)
        util_errf(err, err_len, "probe: language must be en, zh or both");
    else if (!name_ok(p->name))
        util_errf(err, err_len, "probe: suite name '%s' must be 1-64 letters, digits, '_', '-' or '.'",
                  p->name ? p->name : "");
    else if (categories_ok(p->categories, err, err_len)) return VLM_OK;
    return VLM_ERR_INPUT;
}

/* ------------------------------------------------------------ writing */

/* One case in one language as a JSON object, keys in a fixed order. */
static json_t *case_json(const struct probe_ctx *x, const struct probe_case *pc, int l) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_sprintf("%s-%s", x->base, lang_code[l]));
    json_object_set_new(o, "category", json_string(x->category));
    json_object_set_new(o, "lang", json_string(lang_code[l]));
    json_object_set_new(o, "level", json_integer(x->p->level));
    json_t *images = json_array();
    for (int i = 0; i < pc->n_images; i++) json_array_append_new(images, json_string(pc->images[l][i]));
    json_object_set_new(o, "images", images);
    json_t *turns = json_array(), *expected = json_array();
    for (int t = 0; t < pc->n_turns; t++) {
        json_array_append_new(turns, json_string(pc->turns[l][t]));
        json_array_append(expected, pc->expected[l][t] ? pc->expected[l][t] : json_null());
    }
    json_object_set_new(o, "turns", turns);
    json_object_set_new(o, "expected", expected);
    if (pc->n_choices > 0) {
        json_t *choices = json_array();
        for (int i = 0; i < pc->n_choices; i++) json_array_append_new(choices, json_string(pc->choices[l][i]));
        json_object_set_new(o, "choices", choices);
    }
    json_object_set_new(o, "scorer", json_string(pc->scorer));
    return o;
}

/* Every requested language of one case as lines of `out`. */
static int emit_case(struct probe_ctx *x, const struct probe_case *pc, FILE *out, int *n_cases) {
    for (int l = 0; l < PL_N; l++) {
        if (!x->want[l]) continue;
        for (int i = 0; i < pc->n_images; i++)
            if (!pc->images[l][i]) return probe_fail(x, "%s: image %d missing for %s", x->base, i, lang_code[l]);
        json_t *o = case_json(x, pc, l);
        char *line = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        int ok = line && fprintf(out, "%s\n", line) >= 0;
        free(line);
        if (!ok) return probe_fail(x, "cannot write the suite: %s", strerror(errno));
        (*n_cases)++;
    }
    return 0;
}

/* The generator's random numbers for case k of category c: one stream per case,
 * so a case does not change when n grows or another category changes. */
static probe_rng case_rng(const struct vlm_probe_params *p, int c, int k) {
    uint64_t s = probe_mix64(p->seed);
    s = probe_mix64(s ^ ((uint64_t)(c + 1) << 32));
    s = probe_mix64(s ^ (uint64_t)(unsigned)k);
    s = probe_mix64(s ^ (uint64_t)p->level);
    return (probe_rng){s};
}

static int write_category(struct probe_ctx *x, int c, FILE *out, int *n_cases) {
    x->category = probe_categories[c].name;
    for (int k = 0; k < x->p->n_per_category; k++) {
        x->k = k;
        snprintf(x->base, sizeof x->base, "%s-L%d-s%llu-%03d", x->category, x->p->level, (unsigned long long)x->p->seed,
                 k + 1);
        probe_rng rng = case_rng(x->p, c, k);
        struct probe_case pc = {0};
        int rc = probe_categories[c].gen(x, &rng, &pc);
        if (rc == 0) rc = emit_case(x, &pc, out, n_cases);
        case_free(&pc);
        if (rc != 0) return -1;
    }
    return 0;
}

static int write_all(struct probe_ctx *x, const char *path, int *n_cases) {
    FILE *out = fopen(path, "wb");
    if (!out) return probe_fail(x, "cannot write '%s': %s", path, strerror(errno));
    const struct vlm_probe_params *p = x->p;
    fprintf(out, "# vlmeter probe suite (docs/probe.md): seed %llu, level %d, %d per category, %s\n",
            (unsigned long long)p->seed, p->level, p->n_per_category,
            p->lang == VLM_PROBE_BOTH ? "en+zh" : lang_code[p->lang == VLM_PROBE_ZH]);
    int rc = 0;
    for (int c = 0; c < probe_n_categories && rc == 0; c++) {
        if (!category_wanted(p->categories, probe_categories[c].name)) continue;
        rc = write_category(x, c, out, n_cases);
        x->n_categories++;
    }
    if (fclose(out) != 0 && rc == 0) rc = probe_fail(x, "cannot write '%s': %s", path, strerror(errno));
    return rc;
}

int vlm_probe_write(const struct vlm_probe_params *p, const char *outdir, struct vlm_probe_summary *sum, char *err,
                    size_t err_len) {
    if (sum) memset(sum, 0, sizeof *sum);
    int rc = check_params(p, err, err_len);
    if (rc != VLM_OK) return rc;
    if (probe_fonts_check(err, err_len) != 0) return VLM_ERR_INPUT;
    char *images = util_path_join(outdir, "images");
    if (util_mkdirs(images) != 0) {
        util_errf(err, err_len, "cannot create '%s': %s", images, strerror(errno));
        free(images);
        return VLM_ERR_IO;
    }
    free(images);
    struct probe_ctx x = {.p = p, .dir = outdir};
    x.want[PL_EN] = (p->lang & VLM_PROBE_EN) != 0;
    x.want[PL_ZH] = (p->lang & VLM_PROBE_ZH) != 0;
    char *file = xasprintf("%s.jsonl", p->name);
    char *path = util_path_join(outdir, file);
    char *tmp = xasprintf("%s.tmp", path);
    int n_cases = 0;
    rc = write_all(&x, tmp, &n_cases);
    if (rc == 0 && rename(tmp, path) != 0) rc = probe_fail(&x, "cannot write '%s': %s", path, strerror(errno));
    if (rc != 0) {
        remove(tmp);
        util_errf(err, err_len, "%s", x.err);
    } else if (sum) {
        *sum = (struct vlm_probe_summary){n_cases, x.n_images, x.n_retries, x.n_categories};
    }
    free(tmp);
    free(path);
    free(file);
    return rc == 0 ? VLM_OK : VLM_ERR_IO;
}
