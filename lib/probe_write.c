/*
 * probe_write.c - vlm_probe_write, the top of the probe suite writer
 * (docs/probe.md): the parameters, the list of categories with their
 * generators (probe_objects.c, probe_text.c, probe_dialog.c, probe_ground.c),
 * and the writing of every category's cases, in a fixed order, as JSONL.
 * Nothing of the probe module calls it.
 */
#include "probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
