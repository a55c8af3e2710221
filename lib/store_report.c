/*
 * store_report.c - the queries the report (report_build.c, report_family.c) is built
 * from (docs/report-schema.md): runs, models with their latest load, speed,
 * reasoning, accuracy per model, category, turn and pair, the yes/no and
 * caption turns, every answer side by side, load-test levels, and the
 * quantization families. Pure row dumps come back as JSON; rows the report
 * computes on come to a callback as plain C structs.
 */
#include "store_impl.h"
#include "util.h"

/* A turn's credit (see docs/report-schema.md) for the row of alias t of the
 * view `graded` (store.c): the human verdict's score where the answer has
 * one, else the soft scorers' score, else `correct` as 0/1. Every quality
 * query reads `graded`, never `scores`, so none can miss a human verdict.
 * Caption scorers are kept apart. */
#define CREDIT(t)      t ".credit"
#define QUALITY_FILTER "s.scorer NOT IN ('bleu','cider')"

/* Each category of case c as cat.value: a case in several categories
 * (cases.categories, a JSON array) is counted under each of them. */
#define CASE_CATEGORIES " JOIN json_each(coalesce(c.categories, json_array(coalesce(c.category,'')))) cat"

/* Scores with their model (m), case (c), answer (a) and each category (cat). */
#define SCORED_TURNS                                                                       \
    " FROM graded s JOIN models m ON m.id=s.model_id"                                      \
    " JOIN cases c ON c.model_id=s.model_id AND c.suite=s.suite AND c.case_id=s.case_id"   \
    " JOIN answers a ON a.model_id=s.model_id AND a.suite=s.suite AND a.case_id=s.case_id" \
    " AND a.turn=s.turn" CASE_CATEGORIES

static json_t *json_text(const char *s) { return s ? json_string(s) : json_null(); }

/* Prepare with ?1 and ?2 bound to two model ids. */
static int prepare_pair(vlm_store *s, store_q *q, const char *what, const char *sql, int64_t a, int64_t b) {
    if (store_q_prepare(s, q, what, sql) != VLM_OK) return VLM_ERR_IO;
    store_bind_int(q, 1, a);
    store_bind_int(q, 2, b);
    return VLM_OK;
}

/* *out = a, or NULL (a released) when rc is a failure. */
static int give(json_t *a, int rc, json_t **out) {
    if (rc != VLM_OK) {
        json_decref(a);
        a = NULL;
    }
    *out = a;
    return rc;
}

/* ------------------------------------------------------------ row dumps */

int store_report_runs(vlm_store *s, json_t **out) {
    json_t *a = json_array();
    store_q q;
    if (store_q_prepare(s, &q, "reading table runs",
                        "SELECT id, started_at, ended_at, host_cpu, host_cores, host_ram_bytes,"
                        " host_os, llama_version, vlmeter_version, host, merged_from FROM runs ORDER BY id") != VLM_OK)
        return give(a, VLM_ERR_IO, out);
    while (store_q_row(&q)) {
        json_t *run = json_pack(
            "{s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o}", "id", (json_int_t)store_col_int(&q, 0), "started_at",
            json_text(store_col_text(&q, 1)), "ended_at", json_text(store_col_text(&q, 2)), "host_cpu",
            json_text(store_col_text(&q, 3)), "host_cores", (json_int_t)store_col_int(&q, 4), "host_ram_bytes",
            (json_int_t)store_col_int(&q, 5), "host_os", json_text(store_col_text(&q, 6)), "llama_version",
            json_text(store_col_text(&q, 7)), "vlmeter_version", json_text(store_col_text(&q, 8)));
        json_object_set_new(run, "host", json_text(store_col_text(&q, 9)));         /* provenance: docs/shards.md */
        json_object_set_new(run, "merged_from", json_text(store_col_text(&q, 10))); /* null: run in this store */
        json_array_append_new(a, run);
    }
    return give(a, store_q_end(&q, VLM_OK), out);
}

int store_report_categories(vlm_store *s, json_t **out) {
    json_t *a = json_array();
    store_q q;
    if (store_q_prepare(s, &q, "reading table cases",
                        "SELECT DISTINCT cat.value FROM cases c" CASE_CATEGORIES " ORDER BY 1") != VLM_OK)
        return give(a, VLM_ERR_IO, out);
    while (store_q_row(&q)) json_array_append_new(a, json_string(store_col_text(&q, 0)));
    return give(a, store_q_end(&q, VLM_OK), out);
}

/* The load-profile columns of bench_levels (docs/store-schema.md), read after
 * the figures; NULL (a store written before them, a level not scored) stays null. */
#define BENCH_LOAD_COLS                                                                                           \
    " b.profile, b.phase, b.repeat, b.n_warmup, b.achieved_rate, b.n_late, b.fell_behind, b.slo_met, b.n_scored," \
    " b.n_correct, b.n_length, b.n_timeout, b.n_failed, b.case_correct"

static void bench_load_fields(store_q *q, int first, json_t *o) {
    static const char *const names[] = {"profile",  "phase",       "repeat",   "n_warmup",    "achieved_rate",
                                        "n_late",   "fell_behind", "slo_met",  "n_scored",    "n_correct",
                                        "n_length", "n_timeout",   "n_failed", "case_correct"};
    for (int k = 0; k < (int)(sizeof names / sizeof names[0]); k++) {
        int i = first + k;
        json_t *v = store_col_null(q, i) ? json_null()
                    : k <= 1 || k == 13  ? json_text(store_col_text(q, i))
                    : k == 4             ? json_real(store_col_double(q, i))
                    : k == 6 || k == 7   ? json_boolean(store_col_int(q, i))
                                         : json_integer(store_col_int(q, i));
        json_object_set_new(o, names[k], v);
    }
}

/* What SLO searches found (table bench_capacity), in the order they ran. */
int store_report_bench_capacity(vlm_store *s, json_t **out) {
    json_t *a = json_array();
    store_q q;
    if (store_q_prepare(s, &q, "reading table bench_capacity",
                        "SELECT m.name, c.run_id, c.by, c.capacity, c.knee_above, c.step, c.slos, c.req_per_s,"
                        " c.e2e_ms_p95, c.n_probes FROM bench_capacity c JOIN models m ON m.id=c.model_id"
                        " ORDER BY c.id") != VLM_OK)
        return give(a, VLM_ERR_IO, out);
    while (store_q_row(&q)) {
        json_t *o = json_pack(
            "{s:o, s:I, s:o, s:f, s:o, s:f, s:o, s:o, s:o, s:i}", "model", json_text(store_col_text(&q, 0)), "run_id",
            (json_int_t)store_col_int(&q, 1), "by", json_text(store_col_text(&q, 2)), "capacity",
            store_col_double(&q, 3), "knee_above",
            store_col_null(&q, 4) ? json_null() : json_real(store_col_double(&q, 4)), "step", store_col_double(&q, 5),
            "slos", json_text(store_col_text(&q, 6)), "req_per_s",
            store_col_null(&q, 7) ? json_null() : json_real(store_col_double(&q, 7)), "e2e_ms",
            json_pack("{s:o}", "p95", store_col_null(&q, 8) ? json_null() : json_real(store_col_double(&q, 8))),
            "n_probes", (int)store_col_int(&q, 9));
        json_array_append_new(a, o);
    }
    return give(a, store_q_end(&q, VLM_OK), out);
}

/* Load-test levels (table bench_levels), in the order they ran. */
int store_report_bench(vlm_store *s, json_t **out) {
    static const char *const metrics[] = {"ttft_ms", "tpot_ms", "itl_ms", "e2e_ms"};
    json_t *a = json_array();
    store_q q;
    if (store_q_prepare(
            s, &q, "reading table bench_levels",
            "SELECT m.name, b.run_id, b.concurrency, b.rate, b.slo_ttft_ms, b.slo_tpot_ms, b.n_requests,"
            " b.n_ok, b.n_errors, b.wall_s, b.req_per_s, b.output_tps, b.goodput_rps, b.error_rate,"
            " b.tokens_estimated, b.first_error, b.ttft_ms_p50, b.ttft_ms_p90, b.ttft_ms_p95, b.ttft_ms_p99,"
            " b.tpot_ms_p50, b.tpot_ms_p90, b.tpot_ms_p95, b.tpot_ms_p99, b.itl_ms_p50, b.itl_ms_p90,"
            " b.itl_ms_p95, b.itl_ms_p99, b.e2e_ms_p50, b.e2e_ms_p90, b.e2e_ms_p95, b.e2e_ms_p99," BENCH_LOAD_COLS
            " FROM bench_levels b JOIN models m ON m.id=b.model_id ORDER BY b.id") != VLM_OK)
        return give(a, VLM_ERR_IO, out);
    while (store_q_row(&q)) {
        json_t *o = json_pack("{s:o, s:I, s:i, s:f, s:f, s:f, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:b, s:o}",
                              "model", json_text(store_col_text(&q, 0)), "run_id", (json_int_t)store_col_int(&q, 1),
                              "concurrency", (int)store_col_int(&q, 2), "rate", store_col_double(&q, 3), "slo_ttft_ms",
                              store_col_double(&q, 4), "slo_tpot_ms", store_col_double(&q, 5), "n_requests",
                              (int)store_col_int(&q, 6), "n_ok", (int)store_col_int(&q, 7), "n_errors",
                              (int)store_col_int(&q, 8), "wall_s", store_col_double(&q, 9), "req_per_s",
                              store_col_double(&q, 10), "output_tps", store_col_double(&q, 11), "goodput_rps",
                              store_col_double(&q, 12), "error_rate", store_col_double(&q, 13), "tokens_estimated",
                              (int)store_col_int(&q, 14), "first_error", json_text(store_col_text(&q, 15)));
        for (int k = 0; k < 4; k++)
            json_object_set_new(o, metrics[k],
                                json_pack("{s:f, s:f, s:f, s:f}", "p50", store_col_double(&q, 16 + 4 * k), "p90",
                                          store_col_double(&q, 17 + 4 * k), "p95", store_col_double(&q, 18 + 4 * k),
                                          "p99", store_col_double(&q, 19 + 4 * k)));
        bench_load_fields(&q, 32, o);
        json_array_append_new(a, o);
    }
    return give(a, store_q_end(&q, VLM_OK), out);
}

/* ------------------------------------------------------------ models */

/* The run of model m's latest load: the run that started last (runs.started_at,
 * ISO 8601 text), then the highest id. Not the highest id alone: after a merge
 * ids follow the order the stores were merged in, not time (docs/shards.md). */
#define LATEST_LOAD_RUN                                                                                      \
    " (SELECT ll.run_id FROM model_loads ll LEFT JOIN runs lr ON lr.id = ll.run_id WHERE ll.model_id = m.id" \
    " ORDER BY lr.started_at DESC, ll.run_id DESC LIMIT 1)"

int store_report_models(vlm_store *s, int (*cb)(const struct store_model_row *m, void *user), void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables models and model_loads",
            "SELECT m.id, m.name, l.arch, l.n_params, l.chat_template, l.backend, l.model_bytes, l.mmproj_bytes,"
            " l.load_ms, l.rss_peak_bytes, l.gpu_mem_bytes, l.n_threads, l.n_gpu_layers,"
            " (SELECT count(*) FROM cases c WHERE c.model_id=m.id),"
            " (SELECT count(*) FROM cases c WHERE c.model_id=m.id AND c.status='error'),"
            " l.n_parallel, l.images_encoded, l.images_cached, l.prompt_tokens, l.prompt_tokens_cached,"
            " l.decode_steps, l.decode_tokens, l.chat_template_hash"
            " FROM models m LEFT JOIN model_loads l ON l.model_id=m.id AND l.run_id =" LATEST_LOAD_RUN
            " ORDER BY m.name") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_model_row m = {
            .id = store_col_int(&q, 0),
            .name = store_col_text(&q, 1),
            .arch = store_col_text(&q, 2),
            .chat_template = store_col_text(&q, 4),
            .chat_template_hash = store_col_text(&q, 22),
            .backend = store_col_text(&q, 5),
            .loaded = !store_col_null(&q, 2),
            .n_params = store_col_int(&q, 3),
            .model_bytes = store_col_int(&q, 6),
            .mmproj_bytes = store_col_int(&q, 7),
            .load_ms = store_col_double(&q, 8),
            .rss_peak_bytes = store_col_int(&q, 9),
            .gpu_mem_bytes = store_col_int(&q, 10),
            .n_threads = store_col_int(&q, 11),
            .n_gpu_layers = store_col_int(&q, 12),
            .n_cases = (int)store_col_int(&q, 13),
            .n_errors = (int)store_col_int(&q, 14),
            .has_reuse = !store_col_null(&q, 15),
            .n_parallel = store_col_int(&q, 15),
            .images_encoded = store_col_int(&q, 16),
            .images_cached = store_col_int(&q, 17),
            .prompt_tokens = store_col_int(&q, 18),
            .prompt_tokens_cached = store_col_int(&q, 19),
            .decode_steps = store_col_int(&q, 20),
            .decode_tokens = store_col_int(&q, 21),
        };
        rc = cb(&m, user);
    }
    return store_q_end(&q, rc);
}

int store_report_model_credit(vlm_store *s, int64_t model_id, struct store_credit *c) {
    store_q q;
    *c = (struct store_credit){0};
    if (store_q_prepare(s, &q, "reading table scores",
                        "SELECT count(*), total(" CREDIT(
                            "s") "), total(s.unparsed), count(s.ref_score),"
                                 " total(s.ref_score) FROM graded s WHERE s.model_id=?1 AND " QUALITY_FILTER) != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    if (store_q_row(&q)) {
        c->n = (int)store_col_int(&q, 0);
        c->credit = store_col_double(&q, 1);
        c->n_unparsed = (int)store_col_double(&q, 2);
        c->ref_n = (int)store_col_int(&q, 3);
        c->ref_credit = store_col_double(&q, 4);
    }
    return store_q_end(&q, VLM_OK);
}

int store_report_model_turns(vlm_store *s, int64_t model_id, int (*cb)(const struct vlm_turn_timings *t, void *user),
                             void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table answers",
                        "SELECT ttft_ms, e2e_ms, decode_tps, prefill_ms, image_encode_ms, image_decode_ms,"
                        " n_prompt_tokens, n_output_tokens, n_image_tokens, image_tokens_derived FROM answers"
                        " WHERE model_id=?1 AND error IS NULL") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct vlm_turn_timings t = {
            .ttft_ms = store_col_double(&q, 0),
            .e2e_ms = store_col_double(&q, 1),
            .decode_tps = store_col_double(&q, 2),
            .prefill_ms = store_col_double(&q, 3),
            .image_encode_ms = store_col_double(&q, 4),
            .image_decode_ms = store_col_double(&q, 5),
            .n_prompt_tokens = (int)store_col_int(&q, 6),
            .n_output_tokens = (int)store_col_int(&q, 7),
            .n_image_tokens = (int)store_col_int(&q, 8),
            .image_tokens_derived = store_col_int(&q, 9) != 0,
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

int store_report_model_reasoning(vlm_store *s, int64_t model_id, struct store_reasoning *r) {
    store_q q;
    *r = (struct store_reasoning){0};
    if (store_q_prepare(
            s, &q, "reading table answers",
            "SELECT count(*), total(reasoning_state='unclosed'), total(n_reasoning_tokens), total(n_output_tokens),"
            " total(reasoning_ms), total(decode_ms) FROM answers WHERE model_id=?1 AND error IS NULL"
            " AND reasoning_state IS NOT NULL") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    if (store_q_row(&q)) {
        r->n_turns = (int)store_col_int(&q, 0);
        r->n_unclosed = store_col_double(&q, 1);
        r->reasoning_tokens = store_col_double(&q, 2);
        r->output_tokens = store_col_double(&q, 3);
        r->reasoning_ms = store_col_double(&q, 4);
        r->decode_ms = store_col_double(&q, 5);
    }
    return store_q_end(&q, VLM_OK);
}

/* ------------------------------------------------------------ accuracy */

int store_report_quality(vlm_store *s, int (*cb)(const struct store_quality_row *q, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading tables scores, cases and answers",
                        "SELECT m.name, cat.value, count(*), total(" CREDIT(
                            "s") "), total(s.unparsed),"
                                 " total(a.error IS NOT NULL), count(s.ref_score), total(s.ref_score)" SCORED_TURNS
                                 " WHERE " QUALITY_FILTER " GROUP BY 1, 2 ORDER BY 2, 1") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_quality_row row = {
            .model = store_col_text(&q, 0),
            .category = store_col_text(&q, 1),
            .c = {(int)store_col_int(&q, 2), store_col_double(&q, 3), (int)store_col_double(&q, 4),
                  (int)store_col_int(&q, 6), store_col_double(&q, 7)},
            .n_errors = (int)store_col_double(&q, 5),
        };
        rc = cb(&row, user);
    }
    return store_q_end(&q, rc);
}

/* Visit scored turns whose scorer passes `where`, by model then category. */
static int scored_turns(vlm_store *s, const char *sql, int (*cb)(const struct store_scored_turn *t, void *user),
                        void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading tables scores, cases and answers", sql) != VLM_OK) return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_scored_turn t = {
            .model = store_col_text(&q, 0),
            .category = store_col_text(&q, 1),
            .scorer = store_col_text(&q, 2),
            .score = store_col_double(&q, 3),
            .correct = store_col_int(&q, 4) != 0,
            .detail = store_col_text(&q, 5),
            .output = store_col_text(&q, 6),
            .expected = store_col_text(&q, 7),
            .has_ref = !store_col_null(&q, 8),
            .ref_correct = store_col_int(&q, 8) != 0,
            .ref_detail = store_col_text(&q, 9),
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

#define SCORED_TURN_COLUMNS                                             \
    "SELECT m.name, cat.value, s.scorer, s.score, s.correct, s.detail," \
    " a.output, a.expected, s.ref_correct, s.ref_detail"

int store_report_yesno(vlm_store *s, int (*cb)(const struct store_scored_turn *t, void *user), void *user) {
    return scored_turns(s, SCORED_TURN_COLUMNS SCORED_TURNS " WHERE s.scorer='yesno' ORDER BY 1, 2", cb, user);
}

int store_report_captions(vlm_store *s, int (*cb)(const struct store_scored_turn *t, void *user), void *user) {
    return scored_turns(s, SCORED_TURN_COLUMNS SCORED_TURNS " WHERE s.scorer IN ('bleu','cider') ORDER BY 1, 2", cb,
                        user);
}

int store_report_iou(vlm_store *s, int (*cb)(const struct store_scored_turn *t, void *user), void *user) {
    return scored_turns(s, SCORED_TURN_COLUMNS SCORED_TURNS " WHERE s.scorer='iou' ORDER BY 1, 2", cb, user);
}

int store_report_by_turn(vlm_store *s, int (*cb)(const struct store_turn_credit *t, void *user), void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables scores and answers",
            "SELECT m.name, s.turn, count(*), total(" CREDIT(
                "s") ") FROM graded s JOIN models m ON m.id=s.model_id"
                     " WHERE " QUALITY_FILTER " AND EXISTS (SELECT 1 FROM answers x WHERE x.model_id=s.model_id"
                     " AND x.suite=s.suite AND x.case_id=s.case_id AND x.turn=1) GROUP BY 1, 2 ORDER BY 1, 2") !=
        VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_turn_credit t = {
            .model = store_col_text(&q, 0),
            .turn = (int)store_col_int(&q, 1),
            .c = {(int)store_col_int(&q, 2), store_col_double(&q, 3), 0},
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

int store_report_by_turn_category(vlm_store *s, int (*cb)(const struct store_turn_category_credit *t, void *user),
                                  void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables scores, cases and answers",
            "SELECT m.name, cat.value, s.turn, count(*), total(" CREDIT(
                "s") ")" SCORED_TURNS " WHERE " QUALITY_FILTER
                     " AND EXISTS (SELECT 1 FROM answers x WHERE x.model_id=s.model_id"
                     " AND x.suite=s.suite AND x.case_id=s.case_id AND x.turn=1) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3") !=
        VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_turn_category_credit t = {
            .model = store_col_text(&q, 0),
            .category = store_col_text(&q, 1),
            .turn = (int)store_col_int(&q, 2),
            .c = {(int)store_col_int(&q, 3), store_col_double(&q, 4), 0},
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}

int store_report_pairs(vlm_store *s, int (*cb)(const struct store_pair_row *p, void *user), void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading table scores",
            "SELECT ma.name, mb.name, count(*), total(x.correct AND NOT y.correct), total(y.correct AND NOT x.correct)"
            " FROM graded x JOIN graded y ON x.suite=y.suite AND x.case_id=y.case_id AND x.turn=y.turn"
            " JOIN models ma ON ma.id=x.model_id JOIN models mb ON mb.id=y.model_id"
            " WHERE ma.name < mb.name AND x.scorer NOT IN ('bleu','cider') AND y.scorer NOT IN ('bleu','cider')"
            " GROUP BY 1, 2 ORDER BY 1, 2") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_pair_row p = {
            .a = store_col_text(&q, 0),
            .b = store_col_text(&q, 1),
            .n_shared = (int)store_col_int(&q, 2),
            .a_only = (int)store_col_double(&q, 3),
            .b_only = (int)store_col_double(&q, 4),
        };
        rc = cb(&p, user);
    }
    return store_q_end(&q, rc);
}

/* ------------------------------------------------------------ benchmark groups */

int store_report_groups(vlm_store *s, bool by_category, int (*cb)(const struct store_group_row *g, void *user),
                        void *user) {
    /* One row per model x suite x (category) x group kind x group key. */
    static const char *const sql_fmt = "SELECT m.name, s.suite, %s, g.key, count(*), total(" CREDIT(
        "s") "), min(s.correct),"
             " count(s.ref_score), total(s.ref_score), min(coalesce(s.ref_correct, 0))"
             " FROM graded s JOIN models m ON m.id=s.model_id"
             " JOIN cases c ON c.model_id=s.model_id AND c.suite=s.suite AND c.case_id=s.case_id%s"
             " JOIN json_each(c.groups) g WHERE " QUALITY_FILTER " GROUP BY 1, 2, 3, 4, g.value ORDER BY 1, 2, 3, 4";
    char *sql = xasprintf(sql_fmt, by_category ? "cat.value" : "NULL", by_category ? CASE_CATEGORIES : "");
    store_q q;
    int rc = store_q_prepare(s, &q, "reading tables scores and cases", sql);
    free(sql);
    if (rc != VLM_OK) return VLM_ERR_IO;
    while (rc == VLM_OK && store_q_row(&q)) {
        int n = (int)store_col_int(&q, 4);
        struct store_group_row g = {
            .model = store_col_text(&q, 0),
            .suite = store_col_text(&q, 1),
            .category = store_col_text(&q, 2),
            .kind = store_col_text(&q, 3),
            .n_turns = n,
            .credit = store_col_double(&q, 5),
            .right = store_col_int(&q, 6) != 0,
            .has_ref = store_col_int(&q, 7) == n,
            .ref_credit = store_col_double(&q, 8),
            .ref_right = store_col_int(&q, 9) != 0,
        };
        rc = cb(&g, user);
    }
    return store_q_end(&q, rc);
}

/* ------------------------------------------------------------ answers */

int store_report_answers(vlm_store *s, int (*cb)(const struct store_answer_row *a, void *user), void *user) {
    store_q q;
    if (store_q_prepare(
            s, &q, "reading tables answers, cases and scores",
            "SELECT a.suite, a.case_id, a.turn, c.category, a.prompt, a.expected, coalesce(s.scorer, c.scorer),"
            " c.images, m.name, a.output, a.error, s.score, s.correct, s.unparsed, s.detail, a.e2e_ms,"
            " s.ref_score, s.ref_correct, s.ref_detail"
            " FROM answers a JOIN models m ON m.id=a.model_id"
            " LEFT JOIN cases c ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
            " LEFT JOIN graded s ON s.model_id=a.model_id AND s.suite=a.suite AND s.case_id=a.case_id"
            " AND s.turn=a.turn ORDER BY a.suite, a.case_id, a.turn, m.name") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_answer_row a = {
            .suite = store_col_text(&q, 0),
            .case_id = store_col_text(&q, 1),
            .turn = (int)store_col_int(&q, 2),
            .category = store_col_text(&q, 3),
            .prompt = store_col_text(&q, 4),
            .expected = store_col_text(&q, 5),
            .scorer = store_col_text(&q, 6),
            .images = store_col_text(&q, 7),
            .model = store_col_text(&q, 8),
            .output = store_col_text(&q, 9),
            .error = store_col_text(&q, 10),
            .scored = !store_col_null(&q, 11),
            .score = store_col_double(&q, 11),
            .correct = store_col_int(&q, 12) != 0,
            .unparsed = store_col_int(&q, 13) != 0,
            .detail = store_col_text(&q, 14),
            .e2e_ms = store_col_double(&q, 15),
            .has_ref = !store_col_null(&q, 16),
            .ref_score = store_col_double(&q, 16),
            .ref_correct = store_col_int(&q, 17) != 0,
            .ref_detail = store_col_text(&q, 18),
        };
        rc = cb(&a, user);
    }
    return store_q_end(&q, rc);
}

/* ------------------------------------------------------------ families */

int store_report_family_members(vlm_store *s, int (*cb)(const struct store_family_member *m, void *user), void *user) {
    store_q q;
    if (store_q_prepare(s, &q, "reading tables models and model_loads",
                        "SELECT r.id, m.id, m.name, m.variant, m.id = r.id, m.family"
                        " FROM models m JOIN models r ON r.name = m.family"
                        " LEFT JOIN model_loads l ON l.model_id=m.id"
                        " AND l.run_id=" LATEST_LOAD_RUN
                        " ORDER BY m.family, m.id != r.id, -coalesce(l.model_bytes, 0), m.name") != VLM_OK)
        return VLM_ERR_IO;
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_family_member m = {
            .ref_id = store_col_int(&q, 0),
            .id = store_col_int(&q, 1),
            .name = store_col_text(&q, 2),
            .variant = store_col_text(&q, 3),
            .is_ref = store_col_int(&q, 4) != 0,
            .family = store_col_text(&q, 5),
        };
        rc = cb(&m, user);
    }
    return store_q_end(&q, rc);
}

int store_report_vs_reference(vlm_store *s, int64_t ref_id, int64_t id, struct store_vs_ref *o) {
    store_q q;
    *o = (struct store_vs_ref){0};
    if (prepare_pair(
            s, &q, "reading table scores",
            "SELECT count(*), total(" CREDIT("x") " * (1 - " CREDIT("y") ")), total((1 - " CREDIT("x") ") * " CREDIT(
                "y") "), total(" CREDIT("x") "), total(" CREDIT("y") ")"
                                                                     " FROM graded x JOIN graded y ON y.suite=x.suite AND y.case_id=x.case_id AND y.turn=x.turn"
                                                                     " WHERE x.model_id=?1 AND y.model_id=?2 AND x.scorer NOT IN ('bleu','cider')"
                                                                     " AND y.scorer NOT IN ('bleu','cider')",
            ref_id, id) != VLM_OK)
        return VLM_ERR_IO;
    if (store_q_row(&q)) {
        o->n = (int)store_col_int(&q, 0);
        o->ref_only = store_col_double(&q, 1);
        o->member_only = store_col_double(&q, 2);
        o->ref_credit = store_col_double(&q, 3);
        o->credit = store_col_double(&q, 4);
    }
    return store_q_end(&q, VLM_OK);
}

int store_report_agreement(vlm_store *s, int64_t ref_id, int64_t id, struct store_agreement *o) {
    store_q q;
    *o = (struct store_agreement){0};
    if (prepare_pair(s, &q, "reading table answers",
                     "SELECT count(*), total(a.output = r.output) FROM answers a JOIN answers r ON r.suite=a.suite"
                     " AND r.case_id=a.case_id AND r.turn=a.turn WHERE r.model_id=?1 AND a.model_id=?2"
                     " AND a.output IS NOT NULL AND r.output IS NOT NULL",
                     ref_id, id) != VLM_OK)
        return VLM_ERR_IO;
    if (store_q_row(&q)) {
        o->n = (int)store_col_int(&q, 0);
        o->identical = store_col_double(&q, 1);
    }
    return store_q_end(&q, VLM_OK);
}

int store_report_kl(vlm_store *s, int64_t ref_id, int64_t id, struct store_kl_totals *o) {
    store_q q;
    *o = (struct store_kl_totals){0};
    if (prepare_pair(s, &q, "reading table kl",
                     "SELECT count(*), total(n_pos), total(kl_sum), max(kl_max), total(top1_same) FROM kl"
                     " WHERE ref_model_id=?1 AND model_id=?2",
                     ref_id, id) != VLM_OK)
        return VLM_ERR_IO;
    if (store_q_row(&q)) {
        o->n_prompts = (int)store_col_int(&q, 0);
        o->n_pos = store_col_double(&q, 1);
        o->kl_sum = store_col_double(&q, 2);
        o->kl_max = store_col_double(&q, 3);
        o->top1_same = store_col_double(&q, 4);
    }
    return store_q_end(&q, VLM_OK);
}

/* ------------------------------------------------------------ compare (lib/compare.c) */

int store_compare_turns(vlm_store *s, int64_t model_id, bool by_category,
                        int (*cb)(const struct store_compare_turn *t, void *user), void *user) {
    /* Overall: every scored turn once (the turns of store_report_model_credit);
     * by category: the turns of store_report_quality, a case under each category. */
    static const char *const overall = "SELECT s.suite, s.case_id, s.turn, NULL, s.correct, " CREDIT(
        "s") " FROM graded s WHERE s.model_id=?1 AND " QUALITY_FILTER;
    static const char *const per_category = "SELECT s.suite, s.case_id, s.turn, cat.value, s.correct, " CREDIT("s")
        SCORED_TURNS " WHERE s.model_id=?1 AND " QUALITY_FILTER;
    store_q q;
    if (store_q_prepare(s, &q, "reading tables scores, cases and answers", by_category ? per_category : overall) !=
        VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    int rc = VLM_OK;
    while (rc == VLM_OK && store_q_row(&q)) {
        struct store_compare_turn t = {
            .suite = store_col_text(&q, 0),
            .case_id = store_col_text(&q, 1),
            .turn = (int)store_col_int(&q, 2),
            .category = store_col_text(&q, 3),
            .correct = store_col_int(&q, 4) != 0,
            .credit = store_col_double(&q, 5),
        };
        rc = cb(&t, user);
    }
    return store_q_end(&q, rc);
}
