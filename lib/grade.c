/*
 * grade.c - scores what a store holds: applies each turn's scorer (score.c) to
 * its stored answer and writes the `scores` table, with no model run except a
 * judge. Re-reads suites for fixed references, groups caption turns for CIDEr-D,
 * and asks a judge model for `judge` turns, keeping its verdicts for reuse.
 */
#include "internal.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct vlm_score_params vlm_score_default_params(void) {
    struct vlm_score_params p;
    memset(&p, 0, sizeof p);
    p.suite = vlm_suite_default_params();
    return p;
}

/* One stored turn to score. Strings point into the statement's current row. */
struct item {
    int64_t model_id;
    const char *suite, *case_id, *prompt, *expected, *output, *error, *scorer, *choices;
    int turn;
    bool reasoning_unclosed; /* the answer is a reasoning block that never closed */
};

struct grader {
    const struct vlm_score_params *p;
    struct vlm_score_summary *sum;
    sqlite3 *db;
    sqlite3_stmt *put, *judge_get, *judge_put;
    vlm_engine *judge;      /* loaded on the first verdict not stored */
    bool judge_failed;
    bool judging;           /* first pass: only ask the judge (verdicts commit at once) */
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

static int put_score(struct grader *g, const struct item *it, const char *scorer,
                     const struct vlm_score *sc) {
    sqlite3_stmt *st = g->put;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, it->model_id);
    sqlite3_bind_text(st, 2, it->suite, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, it->case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, it->turn);
    sqlite3_bind_text(st, 5, scorer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 6, sc->score);
    sqlite3_bind_int(st, 7, sc->correct);
    sqlite3_bind_int(st, 8, sc->unparsed);
    sqlite3_bind_text(st, 9, sc->detail, -1, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_DONE ? VLM_OK : VLM_ERR_IO;
}

/* The expected answer as plain text: a string, strings joined by " / ", or JSON. */
static char *expected_text(const char *expected_json) {
    json_t *j = json_loads(expected_json, JSON_DECODE_ANY, NULL);
    char *out = NULL;
    if (json_is_string(j)) {
        out = vlm_xstrdup(json_string_value(j));
    } else if (json_is_array(j)) {
        size_t i, n = 1;
        json_t *v;
        json_array_foreach(j, i, v) n += (json_is_string(v) ? strlen(json_string_value(v)) : 32) + 3;
        out = vlm_xcalloc(n, 1);
        json_array_foreach(j, i, v) {
            if (i) strcat(out, " / ");
            if (json_is_string(v)) strcat(out, json_string_value(v));
        }
    } else {
        out = json_dumps(j, JSON_ENCODE_ANY);
    }
    json_decref(j);
    return out ? out : vlm_xstrdup(expected_json);
}

int vlm_caption_refs(const char *expected_json, char ***refs) {
    json_t *j = json_loads(expected_json, JSON_DECODE_ANY, NULL);
    int n = 0;
    *refs = vlm_xcalloc(json_is_array(j) ? json_array_size(j) + 1 : 2, sizeof **refs);
    if (json_is_string(j)) (*refs)[n++] = vlm_xstrdup(json_string_value(j));
    size_t i;
    json_t *v;
    if (json_is_array(j))
        json_array_foreach(j, i, v) if (json_is_string(v)) (*refs)[n++] = vlm_xstrdup(json_string_value(v));
    json_decref(j);
    return n;
}

static char **choices_list(const char *choices_json, int *n) {
    *n = 0;
    if (!choices_json) return NULL;
    json_t *j = json_loads(choices_json, 0, NULL);
    if (!json_is_array(j)) { json_decref(j); return NULL; }
    char **out = vlm_xcalloc(json_array_size(j) + 1, sizeof *out);
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) out[(*n)++] = vlm_xstrdup(json_is_string(v) ? json_string_value(v) : "");
    json_decref(j);
    return out;
}

static void free_strings(char **v, int n) {
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ------------------------------------------------------------ judge */

static const char *RUBRIC =
    "You are grading an answer to a question about one or more images. You cannot see "
    "the images: judge only whether the candidate answer means the same as the reference "
    "answer. Minor wording, casing and formatting differences do not matter.\n"
    "Question: %s\n"
    "Reference answer: %s\n"
    "Candidate answer: %s\n"
    "Is the candidate answer correct? Reply with one word: CORRECT or INCORRECT.";

struct verdict_out { char *text; };

static bool keep_verdict(const struct vlm_turn_result *r, void *user) {
    struct verdict_out *v = user;
    v->text = vlm_xstrdup(r->error ? "" : r->output);
    return true;
}

/* 1 correct, 0 incorrect, -1 the judge's reply says neither. */
static int parse_verdict(const char *reply) {
    char *up = vlm_xstrdup(reply);
    for (char *c = up; *c; c++) if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    int v = strstr(up, "INCORRECT") ? 0 : strstr(up, "CORRECT") ? 1 : -1;
    free(up);
    return v;
}

/* A stored verdict, or a new one from the judge model (stored at once). */
static int judge_verdict(struct grader *g, const struct item *it, const char *exp_text, char **raw) {
    const char *name = g->p->judge->name;
    sqlite3_stmt *st = g->judge_get;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, it->prompt ? it->prompt : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, it->expected, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, it->output, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (g->judging) g->sum->n_judge_reused++;
        *raw = vlm_xstrdup((const char *)sqlite3_column_text(st, 1));
        return sqlite3_column_int(st, 0);
    }
    if (!g->judging) { *raw = vlm_xstrdup(""); return -2; }
    if (!g->judge && !g->judge_failed) {
        char err[1024];
        g->judge = vlm_engine_init(g->p->judge->engine, err, sizeof err);
        if (!g->judge) { g->judge_failed = true; say(g, "judge %s: %s", name, err); }
    }
    if (!g->judge) return -2;
    char *prompt = vlm_xasprintf(RUBRIC, it->prompt ? it->prompt : "", exp_text, it->output);
    const char *turns[1] = {prompt};
    vlm_case c = {.suite = "judge", .id = "judge", .category = "", .scorer = "", .where = "judge",
                  .n_turns = 1, .turns = turns};
    struct verdict_out v = {NULL};
    vlm_engine_answer(g->judge, &c, keep_verdict, &v);
    free(prompt);
    *raw = v.text ? v.text : vlm_xstrdup("");
    int verdict = parse_verdict(*raw);
    g->sum->n_judged++;
    st = g->judge_put;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, it->prompt ? it->prompt : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, it->expected, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, it->output, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, verdict);
    sqlite3_bind_text(st, 6, *raw, -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    return verdict;
}

static int score_by_judge(struct grader *g, const struct item *it, struct vlm_score *sc) {
    memset(sc, 0, sizeof *sc);
    if (!g->p->judge) {
        snprintf(sc->detail, sizeof sc->detail, "no judge model given (--judge)");
        sc->unparsed = true;
        return VLM_OK;
    }
    char *exp_text = expected_text(it->expected), *raw = NULL;
    int v = judge_verdict(g, it, exp_text, &raw);
    free(exp_text);
    sc->correct = v == 1;
    sc->score = v == 1 ? 1.0 : 0.0;
    sc->unparsed = v < 0;
    snprintf(sc->detail, sizeof sc->detail, "judge %.30s: %.100s", g->p->judge->name,
             v == -2 ? "unavailable" : raw);
    free(raw);
    return VLM_OK;
}

/* ------------------------------------------------------------ captions */

static void caption_push(struct grader *g, const struct item *it) {
    if (!g->captions) g->captions = vlm_caption_set_new();
    char **refs;
    int n = vlm_caption_refs(it->expected, &refs);
    vlm_caption_set_add(g->captions, it->output, (const char *const *)refs, n);
    free_strings(refs, n);
    vlm_grow((void **)&g->cap_items, &g->cap_cap, g->n_cap + 1, sizeof *g->cap_items);
    struct item *k = &g->cap_items[g->n_cap++];
    *k = *it;
    k->suite = vlm_xstrdup(it->suite);
    k->case_id = vlm_xstrdup(it->case_id);
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

static int score_item(struct grader *g, const struct item *it) {
    const char *scorer = g->p->scorer ? g->p->scorer : it->scorer && it->scorer[0] ? it->scorer : "exact";
    struct vlm_score sc;
    memset(&sc, 0, sizeof sc);
    if (g->judging) {
        if (strcmp(scorer, "judge") == 0 && it->expected && it->output && !it->error && !it->reasoning_unclosed)
            score_by_judge(g, it, &sc);
        return VLM_OK;
    }
    if (!it->expected) { g->sum->n_unscored++; return VLM_OK; }
    g->sum->n_scored++;
    if (it->error || !it->output) {
        g->sum->n_failed++;
        snprintf(sc.detail, sizeof sc.detail, "failed: %.140s", it->error ? it->error : "no output");
        return put_score(g, it, scorer, &sc);
    }
    if (it->reasoning_unclosed) { /* no answer after the reasoning: unparsed, never scored */
        sc.unparsed = true;
        snprintf(sc.detail, sizeof sc.detail, "unparsed: the reasoning block never closed");
        return put_score(g, it, scorer, &sc);
    }
    if (strcmp(scorer, "cider") == 0) { caption_push(g, it); return VLM_OK; }
    if (strcmp(scorer, "judge") == 0) {
        score_by_judge(g, it, &sc);
        return put_score(g, it, scorer, &sc);
    }
    int n_choices;
    char **choices = choices_list(it->choices, &n_choices);
    char err[512];
    if (vlm_score_text(scorer, it->output, it->expected, (const char *const *)choices, n_choices, &sc,
                       err, sizeof err) != VLM_OK) {
        say(g, "case %s/%s turn %d: %s", it->suite, it->case_id, it->turn, err);
        memset(&sc, 0, sizeof sc);
        snprintf(sc.detail, sizeof sc.detail, "not scored: %.140s", err);
        sc.unparsed = true;
    }
    free_strings(choices, n_choices);
    return put_score(g, it, scorer, &sc);
}

static int score_all(struct grader *g) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(g->db,
            "SELECT a.model_id, a.suite, a.case_id, a.turn, a.prompt, a.expected, a.output, a.error,"
            " c.scorer, c.choices, a.reasoning_state = 'unclosed' FROM answers a LEFT JOIN cases c"
            " ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
            " ORDER BY a.model_id, a.suite, a.case_id, a.turn", -1, &st, NULL) != SQLITE_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    int64_t group_model = -1;
    char *group_suite = NULL;
    while (rc == VLM_OK && sqlite3_step(st) == SQLITE_ROW) {
        struct item it = {
            .model_id = sqlite3_column_int64(st, 0),
            .suite = (const char *)sqlite3_column_text(st, 1),
            .case_id = (const char *)sqlite3_column_text(st, 2),
            .turn = sqlite3_column_int(st, 3),
            .prompt = (const char *)sqlite3_column_text(st, 4),
            .expected = (const char *)sqlite3_column_text(st, 5),
            .output = (const char *)sqlite3_column_text(st, 6),
            .error = (const char *)sqlite3_column_text(st, 7),
            .scorer = (const char *)sqlite3_column_text(st, 8),
            .choices = (const char *)sqlite3_column_text(st, 9),
            .reasoning_unclosed = sqlite3_column_int(st, 10) == 1,
        };
        if (!g->judging && (it.model_id != group_model || !group_suite || strcmp(group_suite, it.suite) != 0)) {
            rc = caption_flush(g);
            group_model = it.model_id;
            free(group_suite);
            group_suite = vlm_xstrdup(it.suite);
        }
        if (rc == VLM_OK) rc = score_item(g, &it);
    }
    if (rc == VLM_OK && !g->judging) rc = caption_flush(g);
    free(group_suite);
    sqlite3_finalize(st);
    return rc;
}

/* ------------------------------------------------------------ fixed references */

static int update_refs_from(struct grader *g, const vlm_suite *s) {
    sqlite3_stmt *uc, *ua;
    sqlite3_prepare_v2(g->db, "UPDATE cases SET category=?1, scorer=?2, choices=?3 WHERE suite=?4 AND case_id=?5",
                       -1, &uc, NULL);
    sqlite3_prepare_v2(g->db, "UPDATE answers SET expected=?1 WHERE suite=?2 AND case_id=?3 AND turn=?4"
                       " AND expected IS NOT ?1", -1, &ua, NULL);
    for (int i = 0; i < vlm_suite_n_cases(s); i++) {
        const vlm_case *c = vlm_suite_case(s, i);
        if (c->error) continue;
        char *choices = c->n_choices ? vlm_json_strings(c->choices, c->n_choices) : NULL;
        sqlite3_reset(uc);
        sqlite3_bind_text(uc, 1, c->category, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(uc, 2, c->scorer, -1, SQLITE_TRANSIENT);
        if (choices) sqlite3_bind_text(uc, 3, choices, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(uc, 3);
        sqlite3_bind_text(uc, 4, c->suite, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(uc, 5, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_step(uc);
        free(choices);
        for (int t = 0; t < c->n_turns; t++) {
            sqlite3_reset(ua);
            if (c->expected && c->expected[t]) sqlite3_bind_text(ua, 1, c->expected[t], -1, SQLITE_TRANSIENT);
            else sqlite3_bind_null(ua, 1);
            sqlite3_bind_text(ua, 2, c->suite, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ua, 3, c->id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(ua, 4, t);
            sqlite3_step(ua);
            g->sum->n_refs_updated += sqlite3_changes(g->db);
        }
    }
    sqlite3_finalize(uc);
    sqlite3_finalize(ua);
    return VLM_OK;
}

static void update_refs(struct grader *g) {
    for (int i = 0; i < g->p->n_suites; i++) {
        char err[1024];
        vlm_suite *s = vlm_suite_load(g->p->suites[i], g->p->suite, err, sizeof err);
        if (!s) { say(g, "error: %s", err); continue; }
        update_refs_from(g, s);
        vlm_suite_free(s);
    }
}

/* ------------------------------------------------------------ entry */

int vlm_score_store(const char *db_path, const struct vlm_score_params *p,
                    struct vlm_score_summary *sum, char *err, size_t err_len) {
    memset(sum, 0, sizeof *sum);
    vlm_store *store = vlm_store_open(db_path, err, err_len);
    if (!store) return VLM_ERR_IO;
    struct grader g = {.p = p, .sum = sum, .db = vlm_store_db(store)};
    if (p->n_suites) {
        sqlite3_exec(g.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        update_refs(&g);
        sqlite3_exec(g.db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_prepare_v2(g.db, "INSERT INTO scores VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", -1, &g.put, NULL);
    sqlite3_prepare_v2(g.db, "SELECT verdict, raw FROM judgments WHERE judge=?1 AND prompt=?2"
                       " AND expected=?3 AND output=?4", -1, &g.judge_get, NULL);
    sqlite3_prepare_v2(g.db, "INSERT OR REPLACE INTO judgments VALUES(?1,?2,?3,?4,?5,?6)", -1,
                       &g.judge_put, NULL);
    /* Pass 1 asks the judge, each verdict committed at once (a crash keeps them);
     * pass 2 rewrites all scores in one transaction. */
    g.judging = true;
    int rc = p->judge ? score_all(&g) : VLM_OK;
    g.judging = false;
    sqlite3_exec(g.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_exec(g.db, "DELETE FROM scores", NULL, NULL, NULL);
    if (rc == VLM_OK) rc = score_all(&g);
    if (rc == VLM_OK && sqlite3_exec(g.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = VLM_ERR_IO;
    if (rc != VLM_OK) {
        vlm_errf(err, err_len, "scoring failed: %s", sqlite3_errmsg(g.db));
        sqlite3_exec(g.db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(g.put);
    sqlite3_finalize(g.judge_get);
    sqlite3_finalize(g.judge_put);
    free(g.cap_items);
    vlm_engine_free(g.judge);
    vlm_store_close(store);
    return rc;
}
