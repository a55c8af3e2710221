/*
 * grade_gen.c - scores of generated images by a judge model (docs/scoring.md,
 * "Generated images"): TIFA/DSG style, the judge answers each of the case's
 * questions about the picture and the score is the fraction read right by the
 * question's scorer (score.c); VQAScore style, the judge's probability of "Yes"
 * to "Does this picture show ...?" from its next-token logits (local judges
 * only). The judge's replies are kept per image (by sha256) and reused.
 */
#include "suite_gen.h"
#include "engine_impl.h"
#include "grade_gen.h"
#include "store_gen.h"
#include "store.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One generated image, copied out of the store's walk. */
struct gen_img {
    struct store_gen_item it; /* strings owned */
};

struct gen_grader {
    vlm_store *s;
    const struct vlm_model_spec *judge;
    vlm_engine **engine;
    bool *judge_failed;
    void (*say)(const char *line, void *user);
    void *user;
    int n_asked, n_reused;
    struct gen_img *imgs;
    int n, cap;
};

static int collect(const struct store_gen_item *it, void *user) {
    struct gen_grader *g = user;
    util_grow((void **)&g->imgs, &g->cap, g->n + 1, sizeof *g->imgs);
    struct store_gen_item *c = &g->imgs[g->n++].it;
    c->model_id = it->model_id;
    c->model = xstrdup(it->model);
    c->suite = xstrdup(it->suite);
    c->case_id = xstrdup(it->case_id);
    c->prompt = xstrdup(it->prompt ? it->prompt : "");
    c->questions = xstrdup(it->questions ? it->questions : "[]");
    c->image = xstrdup(it->image);
    c->sha256 = xstrdup(it->sha256 ? it->sha256 : "");
    return VLM_OK;
}

static void free_imgs(struct gen_grader *g) {
    for (int i = 0; i < g->n; i++) {
        struct store_gen_item *c = &g->imgs[i].it;
        free((char *)c->model);
        free((char *)c->suite);
        free((char *)c->case_id);
        free((char *)c->prompt);
        free((char *)c->questions);
        free((char *)c->image);
        free((char *)c->sha256);
    }
    free(g->imgs);
}

/* The judge engine, loaded on first need; NULL when it cannot be. */
static vlm_engine *judge_engine(struct gen_grader *g) {
    if (!*g->engine && !*g->judge_failed) {
        char err[1024];
        struct vlm_engine_params ep = g->judge->engine;
        ep.remote.no_token_twins = true; /* a judge's image tokens are reported nowhere: no extra requests */
        *g->engine = vlm_engine_init(ep, err, sizeof err);
        if (!*g->engine) {
            *g->judge_failed = true;
            util_say(g->say, g->user, "judge %s: %s", g->judge->name, err);
        }
    }
    return *g->engine;
}

char *grade_gen_question_prompt(json_t *q) {
    const char *text = json_string_value(json_object_get(q, "q")), *scorer = gen_question_scorer(q);
    json_t *choices = json_object_get(q, "choices");
    if (strcmp(scorer, "yesno") == 0) return xasprintf("%s\nAnswer with yes or no.", text);
    if (json_array_size(choices) == 0) return xasprintf("%s\nAnswer with a word or a short phrase.", text);
    char *out = xasprintf("%s\nOptions:", text);
    for (size_t i = 0; i < json_array_size(choices) && i < 26; i++) {
        char *next = xasprintf("%s\n%c. %s", out, (char)('A' + i), json_string_value(json_array_get(choices, i)));
        free(out);
        out = next;
    }
    char *next = xasprintf("%s\nAnswer with the option's letter.", out);
    free(out);
    return next;
}

struct reply_out {
    char *text, *error;
};

static bool keep_reply(const struct vlm_turn_result *r, void *user) {
    struct reply_out *o = user;
    if (r->error) o->error = xstrdup(r->error);
    else o->text = xstrdup(r->output);
    return true;
}

/* A one-turn case of one picture put to the judge (images[0], turns[0]). */
static vlm_case one_image_case(const char *suite, const char *id, const char *where, const char **images,
                               const char **turns) {
    return (vlm_case){.suite = suite,
                      .id = id,
                      .category = "",
                      .scorer = "",
                      .where = where,
                      .n_images = 1,
                      .images = images,
                      .n_turns = 1,
                      .turns = turns};
}

/* The judge's reply to `prompt` about the image (caller frees); NULL when no
 * judge can be had or the turn failed (an image gone from disk): said, and the
 * question stays unjudged rather than wrong. */
static char *ask(struct gen_grader *g, const struct store_gen_item *it, const char *prompt) {
    vlm_engine *e = judge_engine(g);
    if (!e) return NULL;
    const char *images[1] = {it->image}, *turns[1] = {prompt};
    vlm_case c = one_image_case(it->suite, it->case_id, "judge", images, turns);
    struct reply_out o = {NULL, NULL};
    vlm_engine_answer(e, &c, keep_reply, &o);
    g->n_asked++;
    if (o.error)
        util_say(g->say, g->user, "judge %s, case %s/%s (%s): %s", g->judge->name, it->suite, it->case_id, it->image,
                 o.error);
    free(o.error);
    return o.text;
}

/* Question qi of an image: its reply (stored or asked) read by its scorer and
 * stored. *correct 1/0; -1 when no judge could answer. */
static int grade_question(struct gen_grader *g, const struct store_gen_item *it, int qi, json_t *q, int *correct) {
    bool found = false;
    char *reply = NULL;
    *correct = -1;
    int rc = store_gen_verdict_get(g->s, it, qi, g->judge->name, &found, &reply);
    if (rc != VLM_OK) return rc;
    char *prompt = grade_gen_question_prompt(q);
    if (found) g->n_reused++;
    else reply = ask(g, it, prompt);
    if (!reply) {
        free(prompt);
        return VLM_OK;
    }
    const char *scorer = gen_question_scorer(q);
    json_t *choices = json_object_get(q, "choices");
    int n_choices = (int)json_array_size(choices);
    const char **opts = xcalloc((size_t)n_choices + 1, sizeof *opts);
    for (int i = 0; i < n_choices; i++) opts[i] = json_string_value(json_array_get(choices, (size_t)i));
    char *expected = json_dumps(json_object_get(q, "a"), JSON_ENCODE_ANY | JSON_COMPACT), err[512];
    struct vlm_score sc;
    memset(&sc, 0, sizeof sc);
    if (vlm_score_text(scorer, reply, expected, opts, n_choices, &sc, err, sizeof err) != VLM_OK) {
        util_say(g->say, g->user, "case %s/%s question %d: %s", it->suite, it->case_id, qi + 1, err);
        memset(&sc, 0, sizeof sc);
        sc.unparsed = true;
        snprintf(sc.detail, sizeof sc.detail, "not scored: %.140s", err);
    }
    *correct = sc.correct ? 1 : 0;
    rc = store_gen_verdict_put(g->s, it, qi, g->judge->name, prompt, expected, scorer, reply, &sc);
    free(expected);
    free(opts);
    free(prompt);
    free(reply);
    return rc;
}

/* TIFA (and VQAScore) of one image into gen_scores. */
static int grade_image(struct gen_grader *g, const struct store_gen_item *it) {
    json_t *qs = json_loads(it->questions, 0, NULL);
    int n = (int)json_array_size(qs), n_correct = 0, n_answered = 0, rc = VLM_OK;
    for (int i = 0; i < n && rc == VLM_OK; i++) {
        int correct;
        rc = grade_question(g, it, i, json_array_get(qs, (size_t)i), &correct);
        if (correct >= 0) n_answered++;
        if (correct == 1) n_correct++;
    }
    json_decref(qs);
    if (rc != VLM_OK || n_answered < n || n == 0) return rc; /* no judge: not scored */
    double vqa = -1;
    char detail[256];
    vlm_engine *e = judge_engine(g);
    if (e) vqa = grade_gen_vqascore(e, it->image, it->prompt, detail, sizeof detail);
    else snprintf(detail, sizeof detail, "VQAScore: the judge is not loaded");
    return store_gen_score_put(g->s, it, g->judge->name, n, n_correct, vqa, detail);
}

int grade_gen(vlm_store *s, const struct vlm_model_spec *judge, vlm_engine **engine, bool *judge_failed,
              void (*say)(const char *line, void *user), void *user, int *n_asked, int *n_reused) {
    struct gen_grader g = {
        .s = s, .judge = judge, .engine = engine, .judge_failed = judge_failed, .say = say, .user = user};
    int rc = store_gen_ensure(s);
    if (rc == VLM_OK) rc = store_gen_each_image(s, collect, &g);
    for (int i = 0; i < g.n && rc == VLM_OK; i++) rc = grade_image(&g, &g.imgs[i].it);
    free_imgs(&g);
    *n_asked += g.n_asked;
    *n_reused += g.n_reused;
    return rc;
}

/* ------------------------------------------------------------ VQAScore */

/* The answer spellings whose first-token probability counts (docs/scoring.md):
 * a spelling that is more than one token in the judge's vocabulary is left out,
 * and a token shared by several spellings counts once. */
static const char *const VQA_YES[] = {"Yes", "yes", " Yes", " yes", "YES", NULL};
static const char *const VQA_NO[] = {"No", "no", " No", " no", "NO", NULL};

struct vqa_set {
    int32_t ids[16];
    int n;
};

static void vqa_tokens(vlm_engine *e, const char *const *words, struct vqa_set *set) {
    set->n = 0;
    for (int i = 0; words[i]; i++) {
        int32_t tok[4];
        if (eng_tokenize(e, words[i], tok, 4) != 1) continue;
        bool seen = false;
        for (int k = 0; k < set->n; k++) seen = seen || set->ids[k] == tok[0];
        if (!seen && set->n < 16) set->ids[set->n++] = tok[0];
    }
}

struct vqa_probs {
    const struct vqa_set *yes, *no;
    double p_yes, p_no;
    bool got;
};

/* Softmax over the whole vocabulary, summed over the yes and the no tokens. */
static void vqa_take(int i, const float *logits, int n_vocab, void *user) {
    struct vqa_probs *v = user;
    if (i != 0) return;
    float max = logits[0];
    for (int k = 1; k < n_vocab; k++)
        if (logits[k] > max) max = logits[k];
    double z = 0;
    for (int k = 0; k < n_vocab; k++) z += exp((double)(logits[k] - max));
    for (int k = 0; k < v->yes->n; k++) v->p_yes += exp((double)(logits[v->yes->ids[k]] - max)) / z;
    for (int k = 0; k < v->no->n; k++) v->p_no += exp((double)(logits[v->no->ids[k]] - max)) / z;
    v->got = true;
}

double grade_gen_vqascore(vlm_engine *judge, const char *image, const char *prompt, char *detail, size_t detail_len) {
    struct vqa_set yes, no;
    vqa_tokens(judge, VQA_YES, &yes);
    vqa_tokens(judge, VQA_NO, &no);
    if (yes.n == 0 || no.n == 0) {
        snprintf(detail, detail_len, "VQAScore: none (%s)",
                 eng_tokenize(judge, "yes", NULL, 0) < 0 ? "a remote judge gives no logits"
                                                         : "no one-token yes or no in the judge's vocabulary");
        return -1;
    }
    char *question = xasprintf("Does this picture show \"%s\"? Please answer yes or no.", prompt);
    const char *images[1] = {image}, *turns[1] = {question};
    vlm_case c = one_image_case("vqascore", "vqascore", "vqascore", images, turns);
    struct vqa_probs v = {&yes, &no, 0, 0, false};
    char err[512];
    int rc = eng_score(judge, &c, &yes.ids[0], 1, vqa_take, &v, err, sizeof err);
    free(question);
    if (rc != VLM_OK || !v.got || v.p_yes + v.p_no <= 0) {
        snprintf(detail, detail_len, "VQAScore: none (%.200s)", rc != VLM_OK ? err : "no logits");
        return -1;
    }
    snprintf(detail, detail_len, "VQAScore: P(yes)=%.4g P(no)=%.4g over %d yes and %d no tokens", v.p_yes, v.p_no,
             yes.n, no.n);
    return v.p_yes / (v.p_yes + v.p_no);
}
