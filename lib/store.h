/*
 * store.h - the store's interface for the library's other modules (not public):
 * every query they need, as named functions that hand back plain C data, so
 * that no module but the store's own files (store.c, store_*.c) sees SQLite.
 * The public part (open, runs, models, turns, export) is in vlmeter.h.
 *
 * Every function returns VLM_OK or VLM_ERR_IO (or a callback's own non-zero
 * result, which stops the walk); on VLM_ERR_IO, store_error() names the query
 * or table that failed with SQLite's message. Strings handed to a callback are
 * valid until it returns. Schema: docs/store-schema.md.
 */
#ifndef VLM_STORE_H
#define VLM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vlmeter.h"

/* ------------------------------------------------------------ store.c */

/* The store's latest failure: "<query or table>: <SQLite's message>"; "" when none. */
const char *store_error(const vlm_store *s);

/* The cause of the store's latest failure when the disk or the file gave it,
 * in words with SQLite's code: "disk full (SQLITE_FULL)", "write error
 * (SQLITE_IOERR_WRITE)", "fsync error (SQLITE_IOERR_FSYNC)", ...; NULL when
 * the failure was none of those (a missing table, a constraint). */
const char *store_fault(const vlm_store *s);
/* Whether that cause was a full disk (SQLITE_FULL). */
bool store_fault_is_full(const vlm_store *s);
/* What to do about that cause before running again, for a message: "free
 * space" (a full disk), "check the disk" (another fault of store_fault); NULL
 * when the failure was not the disk's. */
const char *store_fault_advice(const vlm_store *s);

/* Copy what the write-ahead log holds into the store file and sync both
 * (a passive checkpoint): a failed sync is reported here, where SQLite's own
 * automatic checkpoints after a commit drop it. VLM_OK or VLM_ERR_IO. */
int store_checkpoint(vlm_store *s);

/* How many cases rows the store holds (finished cases, every model). */
int store_count_cases(vlm_store *s, int64_t *n);

/* A transaction around several writes: begin, then commit, or roll back on a
 * failure so nothing half-written stays. Rolling back keeps the message of the
 * failure that caused it. */
int store_begin(vlm_store *s);
int store_commit(vlm_store *s);
int store_rollback(vlm_store *s);

/* The id of the model stored under `name`; -1 when there is none. */
int store_model_id(vlm_store *s, const char *name, int64_t *id);

/* Store one level of a load test (table bench_levels). */
struct vlm_bench_level;
struct vlm_bench_params;
struct vlm_bench_capacity;
int store_put_bench_level(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_bench_params *p,
                          const struct vlm_bench_level *l);

/* Store what an SLO search found (table bench_capacity) with its objectives. */
int store_put_bench_capacity(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_bench_params *p,
                             const struct vlm_bench_capacity *c);

/* ------------------------------------------------------------ store_claims.c */

/* A claim on a model: the vlmeter process running it now (table claims). */
struct store_claim {
    long pid;
    int64_t pid_start; /* the process's start time, /proc/PID/stat field 22 (clock ticks after boot) */
    char host[256];
    int64_t run_id;
    char since[32]; /* ISO 8601 UTC */
};
enum store_claim_result {
    CLAIM_TAKEN,      /* the model is this process's now (it was free, or already its own) */
    CLAIM_TAKEN_OVER, /* a stale claim (*owner: its gone process) was replaced by this process's */
    CLAIM_BUSY,       /* a live process (*owner) holds it: leave the model alone */
};
/* Claim model_id for this process inside one BEGIN IMMEDIATE transaction.
 * VLM_OK with *result (and *owner for TAKEN_OVER and BUSY), or VLM_ERR_IO. */
int store_claim_model(vlm_store *s, int64_t model_id, int64_t run_id, enum store_claim_result *result,
                      struct store_claim *owner);
/* Drop this process's claim on model_id, or every claim of this process when
 * model_id < 0; another process's claim is never touched. VLM_OK or VLM_ERR_IO. */
int store_claim_release(vlm_store *s, int64_t model_id);
/* Whether a claim's owner is still running: same host, the pid exists
 * (kill(pid, 0) does not fail with ESRCH) and started at pid_start. host NULL:
 * not compared. */
bool store_claim_owner_alive(long pid, int64_t pid_start, const char *host);
/* A process's start time, field 22 of /proc/PID/stat; -1 when it cannot be read. */
int64_t store_process_start(long pid);

/* ------------------------------------------------------------ store_history.c */

/* Fill the stored figures of a model into a run summary: cases stored as errors,
 * mean TTFT and decode rate, and load time and peak RSS of its latest load
 * (figures already set are kept); *e2e_sorted gets the end-to-end times of all
 * its answered turns, ascending (*n_e2e of them; caller frees), for the caller
 * to take percentiles of (statistics sit above the store). */
struct vlm_run_model_summary;
int store_model_stats(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms, double **e2e_sorted,
                      int *n_e2e);

/* What earlier runs of a model took, for estimating a plan (estimate.c). */
struct store_history {
    int n_cases;         /* distinct cases with an answered turn; 0: no history */
    double e2e_ms_total; /* the e2e time of all its answered turns */
    double load_ms;      /* its latest load (0 when none is stored) */
};
int store_model_history(vlm_store *s, const char *name, struct store_history *h);

/* ------------------------------------------------------------ store_report.c */

/* The report's pure row dumps, as JSON arrays (docs/report-schema.md):
 * "runs", "categories" (distinct case categories, "" for none) and "bench". */
int store_report_runs(vlm_store *s, json_t **out);
int store_report_categories(vlm_store *s, json_t **out);
int store_report_bench(vlm_store *s, json_t **out);

/* What SLO searches found (table bench_capacity), in the order they ran. */
int store_report_bench_capacity(vlm_store *s, json_t **out);

/* A model with its latest load (columns of models and model_loads). */
struct store_model_row {
    int64_t id;
    const char *name, *arch, *chat_template, *chat_template_hash, *backend;
    bool loaded; /* a load with an arch is stored; else the numbers below are 0 */
    int64_t n_params, model_bytes, mmproj_bytes, rss_peak_bytes, gpu_mem_bytes, n_threads, n_gpu_layers;
    double load_ms;
    int n_cases, n_errors; /* cases rows, and those stored as errors */
    bool has_reuse;        /* the load recorded reuse and batching (n_parallel not NULL) */
    int64_t n_parallel, images_encoded, images_cached, prompt_tokens, prompt_tokens_cached, decode_steps, decode_tokens;
};
/* Visit every model by name. */
int store_report_models(vlm_store *s, int (*cb)(const struct store_model_row *m, void *user), void *user);

/* Cases not applicable to a model (status 'na', no vision; store_na.c), as JSON
 * arrays: per model x category {model, category, n_cases} (a case in several
 * categories counts in each), and per model {model, n_cases}. */
int store_report_na(vlm_store *s, json_t **out);
int store_report_na_models(vlm_store *s, json_t **out);

/* Scored turns of the accuracy figures (caption scorers bleu/cider left out):
 * how many, their summed credit (the score of anls/vqa, else correct as 0/1;
 * docs/report-schema.md) and how many were unparsed. */
struct store_credit {
    int n;
    double credit;
    int n_unparsed;
    int ref_n;         /* turns with a reference reading (scores.ref_score not NULL) */
    double ref_credit; /* the sum of their reference scores */
};
int store_report_model_credit(vlm_store *s, int64_t model_id, struct store_credit *c);

/* Visit the timings of a model's answered turns (error NULL); only the columns
 * the speed figures use are filled. */
int store_report_model_turns(vlm_store *s, int64_t model_id, int (*cb)(const struct vlm_turn_timings *t, void *user),
                             void *user);

/* Totals over a model's answered turns that have a reasoning block. */
struct store_reasoning {
    int n_turns;
    double n_unclosed, reasoning_tokens, output_tokens, reasoning_ms, decode_ms;
};
int store_report_model_reasoning(vlm_store *s, int64_t model_id, struct store_reasoning *r);

/* Accuracy figures per model x category ("" for none), by category then model;
 * n_errors: of those turns, the ones that failed. */
struct store_quality_row {
    const char *model, *category;
    struct store_credit c;
    int n_errors;
};
int store_report_quality(vlm_store *s, int (*cb)(const struct store_quality_row *q, void *user), void *user);

/* Scored turns of one scorer family, by model then category. */
struct store_scored_turn {
    const char *model, *category, *scorer;
    const char *detail;   /* the scorer's detail (yesno: what was read) */
    const char *output;   /* the answer, NULL when it failed */
    const char *expected; /* JSON text */
    double score;
    bool correct;
    bool has_ref; /* a reference reading: ref_correct, ref_detail */
    bool ref_correct;
    const char *ref_detail; /* yesno: "yes", "no" or "unknown" */
};
/* Turns scored `yesno`. */
int store_report_yesno(vlm_store *s, int (*cb)(const struct store_scored_turn *t, void *user), void *user);
/* Turns scored `bleu` or `cider`. */
int store_report_captions(vlm_store *s, int (*cb)(const struct store_scored_turn *t, void *user), void *user);
/* Turns scored `iou` (bounding boxes), by model then category. */
int store_report_iou(vlm_store *s, int (*cb)(const struct store_scored_turn *t, void *user), void *user);

/* Accuracy figures per model x turn index, of cases that have a second turn. */
struct store_turn_credit {
    const char *model;
    int turn;
    struct store_credit c; /* n_unparsed not filled */
};
int store_report_by_turn(vlm_store *s, int (*cb)(const struct store_turn_credit *t, void *user), void *user);

/* The same per model x category x turn index (a case in two categories counts in both). */
struct store_turn_category_credit {
    const char *model, *category;
    int turn;
    struct store_credit c; /* n_unparsed not filled */
};
int store_report_by_turn_category(vlm_store *s, int (*cb)(const struct store_turn_category_credit *t, void *user),
                                  void *user);

/* Every pair of models (a < b by name) over the turns both had scored:
 * how many, and those only a, or only b, got correct. */
struct store_pair_row {
    const char *a, *b;
    int n_shared, a_only, b_only;
};
int store_report_pairs(vlm_store *s, int (*cb)(const struct store_pair_row *p, void *user), void *user);

/* One benchmark group (docs/suite-format.md, `groups`) of one model: its
 * turns, their credit, and whether every one of them is right, by vlmeter's
 * reading and by the reference's (when every turn has one). */
struct store_group_row {
    const char *model, *suite;
    const char *category; /* NULL: the rows of every category */
    const char *kind;     /* the group kind: "circular", "image", "figure", ... */
    int n_turns;
    double credit, ref_credit;
    bool right, has_ref, ref_right;
};
/* Visit every group, by model, suite, category (when by_category) and kind. */
int store_report_groups(vlm_store *s, bool by_category, int (*cb)(const struct store_group_row *g, void *user),
                        void *user);

/* Every stored turn with its case and score, by suite, case, turn, model. */
struct store_answer_row {
    const char *suite, *case_id, *category, *prompt, *model;
    const char *expected; /* JSON text */
    const char *scorer;   /* the score's scorer, else the case's */
    const char *images;   /* the case's image paths, JSON text */
    const char *output, *error, *detail;
    int turn;
    bool scored; /* a scores row exists: score, correct and unparsed are set */
    double score;
    bool correct, unparsed;
    double e2e_ms;
    bool has_ref; /* the score has a reference reading: ref_score, ref_correct, ref_detail */
    double ref_score;
    bool ref_correct;
    const char *ref_detail;
};
int store_report_answers(vlm_store *s, int (*cb)(const struct store_answer_row *a, void *user), void *user);

/* Members of every quantization family: by family, the reference first, then
 * by the file size of its latest load, largest first, then by name. */
struct store_family_member {
    const char *family, *name, *variant;
    int64_t ref_id, id;
    bool is_ref;
};
int store_report_family_members(vlm_store *s, int (*cb)(const struct store_family_member *m, void *user), void *user);

/* A member against its reference on the scored turns both have (caption
 * scorers left out): n, the summed credit of each, and the paired
 * differences (credit the reference had and the member not, and the reverse). */
struct store_vs_ref {
    int n;
    double ref_credit, credit, ref_only, member_only;
};
int store_report_vs_reference(vlm_store *s, int64_t ref_id, int64_t id, struct store_vs_ref *o);

/* Turns both answered, and how many of them have identical texts. */
struct store_agreement {
    int n;
    double identical;
};
int store_report_agreement(vlm_store *s, int64_t ref_id, int64_t id, struct store_agreement *o);

/* The member's kl rows against the reference, summed (kl_max: the largest). */
struct store_kl_totals {
    int n_prompts;
    double n_pos, kl_sum, kl_max, top1_same;
};
int store_report_kl(vlm_store *s, int64_t ref_id, int64_t id, struct store_kl_totals *o);

/* One scored turn of a model for `vlmeter compare` (lib/compare.c): the turns
 * the accuracy figures count (caption scorers left out), with `correct` and
 * the turn's credit. by_category false: each turn once, category NULL (the
 * turns of store_report_model_credit); true: a row per category of its case
 * (the turns of store_report_quality). */
struct store_compare_turn {
    const char *suite, *case_id, *category;
    int turn;
    bool correct;
    double credit;
};
int store_compare_turns(vlm_store *s, int64_t model_id, bool by_category,
                        int (*cb)(const struct store_compare_turn *t, void *user), void *user);

/* ------------------------------------------------------------ store_grade.c */

/* One stored turn to score, with its case's scorer and choices. */
struct store_grade_turn {
    int64_t model_id;
    const char *suite, *case_id, *prompt, *expected, *output, *error, *scorer, *choices;
    int turn;
    bool reasoning_unclosed; /* the answer is a reasoning block that never closed */
    const char *scored_by;   /* the scorer of the turn's stored score; NULL when none */
};
/* Visit every stored turn by model, suite, case, turn. */
int store_grade_each_turn(vlm_store *s, int (*cb)(const struct store_grade_turn *t, void *user), void *user);

/* Replace a case's category, scorer, choices and expected answers (for every
 * model that has it) with the suite's; *n_refs_updated grows by the answers
 * whose expected answer changed. */
int store_grade_update_case(vlm_store *s, const vlm_case *c, int *n_refs_updated);

/* Forget every score (before all are written again, inside a transaction). */
int store_grade_clear_scores(vlm_store *s);

/* Write the score of a turn, over the one stored for it. */
int store_grade_put_score(vlm_store *s, int64_t model_id, const char *suite, const char *case_id, int turn,
                          const char *scorer, const struct vlm_score *sc);

/* A judge's stored verdict on (prompt, expected, output): *found, *verdict
 * (1 correct, 0 incorrect, -1 neither) and *raw, its reply (caller frees). */
int store_judgment_get(vlm_store *s, const char *judge, const char *prompt, const char *expected, const char *output,
                       bool *found, int *verdict, char **raw);
/* Keep a judge's verdict (replacing one on the same inputs). */
int store_judgment_put(vlm_store *s, const char *judge, const char *prompt, const char *expected, const char *output,
                       int verdict, const char *raw);

/* ------------------------------------------------------------ store_kl.c */

/* What the KL pass already holds for a member x case. */
struct store_kl_state {
    bool compared;       /* a kl row of the member against the reference */
    bool ref_kept;       /* a kl_refs row of the reference */
    bool ref_has_tokens; /* the reference's first turn was answered with its tokens kept */
};
int store_kl_state(vlm_store *s, int64_t model_id, int64_t ref_id, const char *suite, const char *case_id,
                   struct store_kl_state *st);

/* The token ids of a model's answered first turn of a case: *tok NULL and *n 0
 * when there are none. Caller frees. */
int store_answer_tokens(vlm_store *s, int64_t model_id, const char *suite, const char *case_id, int32_t **tok, int *n);

/* A reference's kept distributions (table kl_refs); blobs copied, caller frees. */
struct store_kl_ref {
    int top_k, n_pos;
    void *tokens, *dists;
    int tokens_bytes, dists_bytes;
};
int store_kl_ref_get(vlm_store *s, int64_t ref_id, const char *suite, const char *case_id, bool *found,
                     struct store_kl_ref *r);
int store_kl_ref_put(vlm_store *s, int64_t ref_id, const char *suite, const char *case_id, int top_k, int n_pos,
                     const int32_t *tokens, const void *dists, size_t dists_bytes);

/* One member x case compared with its reference (table kl). */
int store_kl_put(vlm_store *s, int64_t model_id, int64_t ref_id, const char *suite, const char *case_id, int n_pos,
                 double kl_sum, double kl_max, int top1_same);

/* ------------------------------------------------------------ store_decide.c */

/* One requirement's verdict for a model under `run --decide` (table decisions). */
struct store_decision {
    const char *requirement; /* the min_accuracy key */
    double threshold;
    int verdict;                   /* +1 met, -1 not met, 0 open */
    double ci_low, ci_high;        /* the confidence sequence's bounds */
    int n_used, n_scored, n_cases; /* cases taken in, cases the verdicts draw from, cases of the run */
    double alpha;
    uint64_t seed;
    const char *state; /* "passed", "failed" (the model stopped), "open" */
};
/* Forget a model's decisions (before writing the latest). */
int store_decide_clear(vlm_store *s, int64_t model_id);
int store_decide_put(vlm_store *s, int64_t model_id, int64_t run_id, const struct store_decision *d);

/* A model's finished case (status done, error or na) and one stored turn of it
 * (turn -1: none, e.g. a case not applicable). */
struct store_decide_turn {
    const char *suite, *case_id, *status, *output, *error;
    int turn;
    bool unclosed; /* a reasoning block that never closed */
};
/* Visit a model's finished cases' turns, by suite, case and turn. */
int store_decide_each_turn(vlm_store *s, int64_t model_id, int (*cb)(const struct store_decide_turn *t, void *user),
                           void *user);
/* Every decisions row with its model's name and its stored case count
 * (n_stored), as a JSON array (report_decide.c). */
int store_report_decisions(vlm_store *s, json_t **out);

#endif
