/*
 * grade.c - scores what a store holds: applies each turn's scorer (score.c) to
 * its stored answer and writes the `scores` table, with no model run except a
 * judge. Re-reads suites for fixed references, groups caption turns for CIDEr-D,
 * and asks a judge model for `judge` turns, keeping its verdicts for reuse.
 */
#include "grade.h"
#include "grade_gen.h"
#include "store.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct vlm_score_params vlm_score_default_params(void) {
    struct vlm_score_params p;
    memset(&p, 0, sizeof p);
    p.suite = vlm_suite_default_params();
    return p;
}

/* One stored turn to score (store.h). Strings live while the store's walk is
 * on it; caption turns kept past it own copies of suite and case_id. */
struct item {
    int64_t model_id;
    const char *suite, *case_id, *prompt, *expected, *output, *error, *scorer, *choices;
    int turn;
    bool reasoning_unclosed; /* the answer is a reasoning block that never closed */
};

struct grader {
    const struct vlm_score_params *p;
    struct vlm_score_summary *sum;
    vlm_store *store;
    vlm_engine *judge; /* loaded on the first verdict not stored */
    bool judge_failed;
    bool judging;        /* first pass: only ask the judge (verdicts commit at once) */
    int64_t group_model; /* the model x suite of the caption turns gathered */
    char *group_suite;
    vlm_caption_set *captions; /* cider turns of the current model x suite */
    struct item *cap_items;    /* their keys (strings owned) */
    int n_cap, cap_cap;
};

static void say(struct grader *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct grader *g, const char *fmt, ...) {
    if (!g->p->on_message) return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    g->p->on_message(line, g->p->user);
}

static int put_score(struct grader *g, const struct item *it, const char *scorer, const struct vlm_score *sc) {
    return store_grade_put_score(g->store, it->model_id, it->suite, it->case_id, it->turn, scorer, sc);
}

/* The expected answer as plain text: a string, strings joined by " / ", or JSON. */
static char *expected_text(const char *expected_json) {
    json_t *j = json_loads(expected_json, JSON_DECODE_ANY, NULL);
    char *out = NULL;
    if (json_is_string(j)) {
        out = xstrdup(json_string_value(j));
    } else if (json_is_array(j)) {
        size_t i, n = 1;
        json_t *v;
        json_array_foreach(j, i, v) n += (json_is_string(v) ? strlen(json_string_value(v)) : 32) + 3;
        out = xcalloc(n, 1);
        json_array_foreach(j, i, v) {
            if (i) strcat(out, " / ");
            if (json_is_string(v)) strcat(out, json_string_value(v));
        }
    } else {
        out = json_dumps(j, JSON_ENCODE_ANY);
    }
    json_decref(j);
    return out ? out : xstrdup(expected_json);
}

int grade_caption_refs(const char *expected_json, char ***refs) {
    json_t *j = json_loads(expected_json, JSON_DECODE_ANY, NULL);
    int n = 0;
    *refs = xcalloc(json_is_array(j) ? json_array_size(j) + 1 : 2, sizeof **refs);
    if (json_is_string(j)) (*refs)[n++] = xstrdup(json_string_value(j));
    size_t i;
    json_t *v;
    if (json_is_array(j))
        json_array_foreach(j, i, v) if (json_is_string(v))(*refs)[n++] = xstrdup(json_string_value(v));
    json_decref(j);
    return n;
}

static char **choices_list(const char *choices_json, int *n) {
    *n = 0;
    if (!choices_json) return NULL;
    json_t *j = json_loads(choices_json, 0, NULL);
    if (!json_is_array(j)) {
        json_decref(j);
        return NULL;
    }
    char **out = xcalloc(json_array_size(j) + 1, sizeof *out);
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) out[(*n)++] = xstrdup(json_is_string(v) ? json_string_value(v) : "");
    json_decref(j);
    return out;
}

static void free_strings(char **v, int n) {
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ------------------------------------------------------------ judge */

static const char *RUBRIC = "You are grading an answer to a question about one or more images. You cannot see "
                            "the images: judge only whether the candidate answer means the same as the reference "
                            "answer. Minor wording, casing and formatting differences do not matter.\n"
                            "Question: %s\n"
                            "Reference answer: %s\n"
                            "Candidate answer: %s\n"
                            "Is the candidate answer correct? Reply with one word: CORRECT or INCORRECT.";

struct verdict_out {
    char *text;
};

static bool keep_verdict(const struct vlm_turn_result *r, void *user) {
    struct verdict_out *v = user;
    v->text = xstrdup(r->error ? "" : r->output);
    return true;
}

/* 1 correct, 0 incorrect, -1 the judge's reply says neither. */
static int parse_verdict(const char *reply) {
    char *up = xstrdup(reply);
    for (char *c = up; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    int v = strstr(up, "INCORRECT") ? 0 : strstr(up, "CORRECT") ? 1 : -1;
    free(up);
    return v;
}

/* A stored verdict, or a new one from the judge model (stored at once):
 * *verdict 1 correct, 0 incorrect, -1 unreadable, -2 no verdict to be had;
 * *raw the judge's reply (caller frees). VLM_OK, or VLM_ERR_IO from the store. */
static int judge_verdict(struct grader *g, const struct item *it, const char *exp_text, int *verdict, char **raw) {
    const char *name = g->p->judge->name, *prompt = it->prompt ? it->prompt : "";
    bool found = false;
    *raw = NULL;
    int rc = store_judgment_get(g->store, name, prompt, it->expected, it->output, &found, verdict, raw);
    if (rc != VLM_OK || found) {
        if (found && g->judging) g->sum->n_judge_reused++;
        if (!*raw) *raw = xstrdup("");
        return rc;
    }
    *verdict = -2;
    *raw = xstrdup("");
    if (!g->judging) return VLM_OK;
    if (!g->judge && !g->judge_failed) {
        char err[1024];
        struct vlm_engine_params ep = g->p->judge->engine;
        ep.on_message = g->p->on_message; /* an hf: judge's download news */
        ep.message_user = g->p->user;
        ep.remote.no_token_twins = true; /* a judge's image tokens are reported nowhere: no extra requests */
        g->judge = vlm_engine_init(ep, err, sizeof err);
        if (!g->judge) {
            g->judge_failed = true;
            say(g, "judge %s: %s", name, err);
        }
    }
    if (!g->judge) return VLM_OK;
    char *question = xasprintf(RUBRIC, prompt, exp_text, it->output);
    const char *turns[1] = {question};
    vlm_case c = {
        .suite = "judge", .id = "judge", .category = "", .scorer = "", .where = "judge", .n_turns = 1, .turns = turns};
    struct verdict_out v = {NULL};
    vlm_engine_answer(g->judge, &c, keep_verdict, &v);
    free(question);
    free(*raw);
    *raw = v.text ? v.text : xstrdup("");
    *verdict = parse_verdict(*raw);
    g->sum->n_judged++;
    return store_judgment_put(g->store, name, prompt, it->expected, it->output, *verdict, *raw);
}

static int score_by_judge(struct grader *g, const struct item *it, struct vlm_score *sc) {
    memset(sc, 0, sizeof *sc);
    if (!g->p->judge) {
        snprintf(sc->detail, sizeof sc->detail, "no judge model given (--judge)");
        sc->unparsed = true;
        return VLM_OK;
    }
    char *exp_text = expected_text(it->expected), *raw = NULL;
    int v = -2;
    int rc = judge_verdict(g, it, exp_text, &v, &raw);
    free(exp_text);
    sc->correct = v == 1;
    sc->score = v == 1 ? 1.0 : 0.0;
    sc->unparsed = v < 0;
    snprintf(sc->detail, sizeof sc->detail, "judge %.30s: %.100s", g->p->judge->name, v == -2 ? "unavailable" : raw);
    free(raw);
    return rc;
}

/* ------------------------------------------------------------ captions */

static void caption_push(struct grader *g, const struct item *it) {
    if (!g->captions) g->captions = vlm_caption_set_new();
    char **refs;
    int n = grade_caption_refs(it->expected, &refs);
    vlm_caption_set_add(g->captions, it->output, (const char *const *)refs, n);
    free_strings(refs, n);
    util_grow((void **)&g->cap_items, &g->cap_cap, g->n_cap + 1, sizeof *g->cap_items);
    struct item *k = &g->cap_items[g->n_cap++];
    *k = *it;
    k->suite = xstrdup(it->suite);
    k->case_id = xstrdup(it->case_id);
}

/* Score the gathered cider turns: document frequencies come from this
 * model x suite's references. */
static int caption_flush(struct grader *g) {
    int rc = VLM_OK;
    for (int i = 0; i < g->n_cap; i++) {
        struct vlm_score sc = {0};
        sc.score = vlm_caption_cider_d(g->captions, i);
        snprintf(sc.detail, sizeof sc.detail, "CIDEr-D over %d captions", g->n_cap);
        if (put_score(g, &g->cap_items[i], "cider", &sc) != VLM_OK) rc = VLM_ERR_IO;
        free((char *)g->cap_items[i].suite);
        free((char *)g->cap_items[i].case_id);
    }
    g->n_cap = 0;
    vlm_caption_set_free(g->captions);
    g->captions = NULL;
    return rc;
}

/* ------------------------------------------------------------ one turn */

/* A turn with no answer to read is wrong by the reference's rule too, when the
 * scorer has one for the turn (a failed turn counts against both columns; a
 * choice case without choices has no reference reading, as in score_ref.c). */
static struct vlm_score *wrong_in_both(struct vlm_score *sc, const struct item *it, const char *scorer,
                                       const char *why) {
    bool no_choices = !it->choices || strcmp(it->choices, "[]") == 0;
    if (vlm_scorer_has_ref(scorer) && !(strcmp(scorer, "choice") == 0 && no_choices)) {
        sc->has_ref = true;
        snprintf(sc->ref_detail, sizeof sc->ref_detail, "%s", why);
    }
    return sc;
}

static int score_item(struct grader *g, const struct item *it) {
    const char *scorer = g->p->only_scored_by          ? g->p->only_scored_by
                         : g->p->scorer                ? g->p->scorer
                         : it->scorer && it->scorer[0] ? it->scorer
                                                       : "exact";
    struct vlm_score sc;
    memset(&sc, 0, sizeof sc);
    if (g->judging) {
        if (strcmp(scorer, "judge") == 0 && it->expected && it->output && !it->error && !it->reasoning_unclosed)
            return score_by_judge(g, it, &sc);
        return VLM_OK;
    }
    if (!it->expected) {
        g->sum->n_unscored++;
        return VLM_OK;
    }
    g->sum->n_scored++;
    if (it->error || !it->output) {
        g->sum->n_failed++;
        snprintf(sc.detail, sizeof sc.detail, "failed: %.140s", it->error ? it->error : "no output");
        return put_score(g, it, scorer, wrong_in_both(&sc, it, scorer, "failed"));
    }
    if (it->reasoning_unclosed) { /* no answer after the reasoning: unparsed, never scored */
        sc.unparsed = true;
        snprintf(sc.detail, sizeof sc.detail, "unparsed: the reasoning block never closed");
        return put_score(g, it, scorer, wrong_in_both(&sc, it, scorer, "unparsed"));
    }
    if (strcmp(scorer, "cider") == 0) {
        caption_push(g, it);
        return VLM_OK;
    }
    if (strcmp(scorer, "judge") == 0) {
        int rc = score_by_judge(g, it, &sc);
        return rc == VLM_OK ? put_score(g, it, scorer, &sc) : rc;
    }
    int n_choices;
    char **choices = choices_list(it->choices, &n_choices);
    char err[512];
    if (vlm_score_text(scorer, it->output, it->expected, (const char *const *)choices, n_choices, &sc, err,
                       sizeof err) != VLM_OK) {
        say(g, "case %s/%s turn %d: %s", it->suite, it->case_id, it->turn, err);
        memset(&sc, 0, sizeof sc);
        snprintf(sc.detail, sizeof sc.detail, "not scored: %.140s", err);
        sc.unparsed = true;
        wrong_in_both(&sc, it, scorer, "not scored");
    }
    free_strings(choices, n_choices);
    return put_score(g, it, scorer, &sc);
}

/* One stored turn: a new model x suite first scores the caption turns gathered. */
static int score_turn(const struct store_grade_turn *t, void *user) {
    struct grader *g = user;
    struct item it = {
        .model_id = t->model_id,
        .suite = t->suite,
        .case_id = t->case_id,
        .turn = t->turn,
        .prompt = t->prompt,
        .expected = t->expected,
        .output = t->output,
        .error = t->error,
        .scorer = t->scorer,
        .choices = t->choices,
        .reasoning_unclosed = t->reasoning_unclosed,
    };
    if (g->p->only_scored_by && (!t->scored_by || strcmp(t->scored_by, g->p->only_scored_by) != 0))
        return VLM_OK; /* its stored score stays */
    int rc = VLM_OK;
    if (!g->judging && (it.model_id != g->group_model || !g->group_suite || strcmp(g->group_suite, it.suite) != 0)) {
        rc = caption_flush(g);
        g->group_model = it.model_id;
        free(g->group_suite);
        g->group_suite = xstrdup(it.suite);
    }
    return rc == VLM_OK ? score_item(g, &it) : rc;
}

static int score_all(struct grader *g) {
    g->group_model = -1;
    int rc = store_grade_each_turn(g->store, score_turn, g);
    if (rc == VLM_OK && !g->judging) rc = caption_flush(g);
    free(g->group_suite);
    g->group_suite = NULL;
    return rc;
}

/* ------------------------------------------------------------ fixed references */

/* The suites' categories, scorers, choices and expected answers over the
 * stored ones. A suite that cannot be read is reported and skipped. */
static int update_refs(struct grader *g) {
    int rc = VLM_OK;
    for (int i = 0; rc == VLM_OK && i < g->p->n_suites; i++) {
        char err[1024];
        vlm_suite *s = vlm_suite_load(g->p->suites[i], g->p->suite, err, sizeof err);
        if (!s) {
            say(g, "error: %s", err);
            continue;
        }
        for (int k = 0; rc == VLM_OK && k < vlm_suite_n_cases(s); k++) {
            const vlm_case *c = vlm_suite_case(s, k);
            if (!c->error) rc = store_grade_update_case(g->store, c, &g->sum->n_refs_updated);
        }
        vlm_suite_free(s);
    }
    return rc;
}

/* Update the references in one transaction. */
static int update_refs_all(struct grader *g) {
    int rc = store_begin(g->store);
    if (rc == VLM_OK) rc = update_refs(g);
    if (rc == VLM_OK) rc = store_commit(g->store);
    if (rc != VLM_OK) store_rollback(g->store);
    return rc;
}

/* Pass 1 asks the judge, each verdict committed at once (a crash keeps them);
 * pass 2 rewrites all scores in one transaction. */
static int grade(struct grader *g) {
    int rc = g->p->n_suites ? update_refs_all(g) : VLM_OK;
    g->judging = true;
    if (rc == VLM_OK && g->p->judge) rc = score_all(g);
    if (rc == VLM_OK && g->p->judge) /* generated images: TIFA and VQAScore (grade_gen.c) */
        rc = grade_gen(g->store, g->p->judge, &g->judge, &g->judge_failed, g->p->on_message, g->p->user,
                       &g->sum->n_judged, &g->sum->n_judge_reused);
    g->judging = false;
    if (rc != VLM_OK) return rc;
    rc = store_begin(g->store);
    if (rc == VLM_OK && !g->p->only_scored_by) rc = store_grade_clear_scores(g->store); /* else each is replaced */
    if (rc == VLM_OK) rc = score_all(g);
    if (rc == VLM_OK) rc = store_commit(g->store);
    if (rc != VLM_OK) store_rollback(g->store);
    return rc;
}

/* ------------------------------------------------------------ entry */

int vlm_score_store(const char *db_path, const struct vlm_score_params *p, struct vlm_score_summary *sum, char *err,
                    size_t err_len) {
    memset(sum, 0, sizeof *sum);
    vlm_store *store = vlm_store_open(db_path, err, err_len);
    if (!store) return VLM_ERR_IO;
    struct grader g = {.p = p, .sum = sum, .store = store};
    int rc = grade(&g);
    if (rc != VLM_OK) util_errf(err, err_len, "scoring failed: %s", store_error(store));
    /* the scores synced to the store file here, where a failed sync is seen
     * (SQLite's checkpoint at close drops it; docs/store-schema.md, "Disk faults") */
    else if (store_checkpoint(store) != VLM_OK) {
        rc = VLM_ERR_IO;
        util_errf(err, err_len,
                  "store '%s': %s while copying the scores from the write-ahead log into the store (a "
                  "checkpoint); they stay in the log, which the next command reads; %s and run the same command "
                  "again",
                  db_path, store_fault(store) ? store_fault(store) : store_error(store),
                  store_fault_advice(store) ? store_fault_advice(store) : "check the disk");
    }
    for (int i = 0; i < g.n_cap; i++) { /* gathered when a failure stopped the pass */
        free((char *)g.cap_items[i].suite);
        free((char *)g.cap_items[i].case_id);
    }
    vlm_caption_set_free(g.captions);
    free(g.cap_items);
    vlm_engine_free(g.judge);
    vlm_store_close(store);
    return rc;
}
