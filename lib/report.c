/*
 * report.c - builds the report document (docs/report-schema.md) from a store:
 * runs, models with speed and memory, quality per category with Wilson
 * intervals, yes/no and caption metrics, accuracy by turn, paired McNemar tests
 * and the side-by-side answers. Every output format renders this one document;
 * vlm_report() picks the renderer.
 */
#include "internal.h"
#include "report.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

static const char *col_text(sqlite3_stmt *st, int i) {
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : NULL;
}

static json_t *json_text(const char *s) { return s ? json_string(s) : json_null(); }

/* A column that holds JSON text, decoded (null when absent or invalid). */
static json_t *json_column(sqlite3_stmt *st, int i) {
    const char *t = col_text(st, i);
    json_t *j = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
    return j ? j : json_null();
}

static sqlite3_stmt *query(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    return st;
}

/* SQL expression for a turn's credit (see docs/report-schema.md): the score of
 * the soft scorers, else `correct` as 0/1. Caption scorers are kept apart. */
#define CREDIT_SQL "(CASE WHEN s.scorer IN ('anls','vqa') THEN s.score ELSE s.correct END)"
#define QUALITY_FILTER "s.scorer NOT IN ('bleu','cider')"

/* Scores with their model (m), case (c) and answer (a). */
#define SCORED_TURNS                                                                           \
    " FROM scores s JOIN models m ON m.id=s.model_id"                                          \
    " JOIN cases c ON c.model_id=s.model_id AND c.suite=s.suite AND c.case_id=s.case_id"       \
    " JOIN answers a ON a.model_id=s.model_id AND a.suite=s.suite AND a.case_id=s.case_id"     \
    " AND a.turn=s.turn"

static void set_accuracy(json_t *o, int n, double credit) {
    double lo, hi;
    vlm_wilson95(credit, n, &lo, &hi);
    json_object_set_new(o, "n", json_integer(n));
    json_object_set_new(o, "credit", json_real(credit));
    json_object_set_new(o, "accuracy", n ? json_real(credit / n) : json_null());
    json_object_set_new(o, "ci_low", n ? json_real(lo) : json_null());
    json_object_set_new(o, "ci_high", n ? json_real(hi) : json_null());
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* {mean, p50, p90, p99, min, max} of n values (sorted in place). */
static json_t *distribution(double *v, int n) {
    if (n == 0) return json_null();
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += v[i];
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "mean", sum / n, "p50", vlm_percentile(v, n, .5),
                     "p90", vlm_percentile(v, n, .9), "p99", vlm_percentile(v, n, .99), "min", v[0],
                     "max", v[n - 1]);
}

/* Values of one numeric answers column for a model's good turns. */
static double *column_values(sqlite3 *db, int64_t model_id, const char *column, const char *where, int *n) {
    char *sql = vlm_xasprintf("SELECT %s FROM answers WHERE model_id=?1 AND error IS NULL AND %s", column, where);
    sqlite3_stmt *st = query(db, sql);
    free(sql);
    int cap = 0;
    double *v = NULL;
    *n = 0;
    sqlite3_bind_int64(st, 1, model_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        vlm_grow((void **)&v, &cap, *n + 1, sizeof *v);
        v[(*n)++] = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

/* ------------------------------------------------------------ sections */

static json_t *build_runs(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db, "SELECT id, started_at, ended_at, host_cpu, host_cores, host_ram_bytes,"
                                 " host_os, llama_version, vlmeter_version FROM runs ORDER BY id");
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o}",
            "id", (json_int_t)sqlite3_column_int64(st, 0), "started_at", json_text(col_text(st, 1)),
            "ended_at", json_text(col_text(st, 2)), "host_cpu", json_text(col_text(st, 3)),
            "host_cores", (json_int_t)sqlite3_column_int64(st, 4),
            "host_ram_bytes", (json_int_t)sqlite3_column_int64(st, 5), "host_os", json_text(col_text(st, 6)),
            "llama_version", json_text(col_text(st, 7)), "vlmeter_version", json_text(col_text(st, 8))));
    }
    sqlite3_finalize(st);
    return a;
}

/* Reasoning of a model's answered turns (docs/metrics.md, "Reasoning"): how
 * many turns had a block, how many never closed it, its tokens and its share
 * of decode time. null when no turn had one. */
static json_t *build_reasoning(sqlite3 *db, int64_t model_id) {
    char *sql = sqlite3_mprintf(
        "SELECT count(*), total(reasoning_state='unclosed'), total(n_reasoning_tokens), total(n_output_tokens),"
        " total(reasoning_ms), total(decode_ms) FROM answers WHERE model_id=%lld AND error IS NULL"
        " AND reasoning_state IS NOT NULL", (long long)model_id);
    sqlite3_stmt *st = query(db, sql);
    sqlite3_free(sql);
    json_t *o = json_null();
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0) {
        int n = sqlite3_column_int(st, 0);
        double tok = sqlite3_column_double(st, 2), out = sqlite3_column_double(st, 3);
        double ms = sqlite3_column_double(st, 4), dec = sqlite3_column_double(st, 5);
        o = json_pack("{s:i, s:i, s:f}", "n_turns", n, "n_unclosed", (int)sqlite3_column_double(st, 1),
                      "reasoning_tokens_mean", tok / n);
        json_object_set_new(o, "token_share", out > 0 ? json_real(tok / out) : json_null());
        json_object_set_new(o, "decode_time_share", dec > 0 ? json_real(ms / dec) : json_null());
    }
    sqlite3_finalize(st);
    return o;
}

static json_t *build_speed(sqlite3 *db, int64_t model_id, json_t *model) {
    static const struct { const char *name, *where; } cols[] = {
        {"ttft_ms", "1"}, {"e2e_ms", "1"}, {"decode_tps", "n_output_tokens > 1"},
        {"prefill_ms", "1"}, {"image_encode_ms", "n_image_tokens > 0"},
        {"image_decode_ms", "n_image_tokens > 0"}, {"n_prompt_tokens", "1"}, {"n_output_tokens", "1"},
    };
    json_t *speed = json_object();
    int n_turns = 0;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        int n;
        double *v = column_values(db, model_id, cols[i].name, cols[i].where, &n);
        json_object_set_new(speed, cols[i].name, distribution(v, n));
        if (i == 1) {
            n_turns = n;
            json_t *values = json_array();
            for (int k = 0; k < n; k++) json_array_append_new(values, json_real(v[k]));
            json_object_set_new(model, "e2e_ms_values", values);
        }
        free(v);
    }
    json_object_set_new(speed, "n_turns", json_integer(n_turns));
    return speed;
}

static json_t *build_model_quality(sqlite3 *db, int64_t model_id) {
    sqlite3_stmt *st = query(db, "SELECT count(*), total(" CREDIT_SQL "), total(s.unparsed) FROM scores s"
                                 " WHERE s.model_id=?1 AND " QUALITY_FILTER);
    sqlite3_bind_int64(st, 1, model_id);
    json_t *q = json_object();
    if (sqlite3_step(st) == SQLITE_ROW) {
        set_accuracy(q, sqlite3_column_int(st, 0), sqlite3_column_double(st, 1));
        json_object_set_new(q, "n_unparsed", json_integer(sqlite3_column_int(st, 2)));
    }
    sqlite3_finalize(st);
    return q;
}

/* What reuse and batching did in the latest load (columns from `col` on:
 * n_parallel, images_encoded, images_cached, prompt_tokens,
 * prompt_tokens_cached, decode_steps, decode_tokens); null before they were
 * recorded. */
static json_t *build_reuse(sqlite3_stmt *st, int col) {
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return json_null();
    int64_t v[7];
    for (int i = 0; i < 7; i++) v[i] = sqlite3_column_int64(st, col + i);
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "n_parallel", (json_int_t)v[0],
                          "images_encoded", (json_int_t)v[1], "images_cached", (json_int_t)v[2],
                          "prompt_tokens", (json_int_t)v[3], "prompt_tokens_cached", (json_int_t)v[4]);
    json_object_set_new(o, "prompt_cached_share", v[3] > 0 ? json_real((double)v[4] / (double)v[3]) : json_null());
    json_object_set_new(o, "decode_batch_mean", v[5] > 0 ? json_real((double)v[6] / (double)v[5]) : json_null());
    return o;
}

static json_t *build_models(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT m.id, m.name, l.arch, l.n_params, l.chat_template, l.backend, l.model_bytes, l.mmproj_bytes,"
        " l.load_ms, l.rss_peak_bytes, l.gpu_mem_bytes, l.n_threads, l.n_gpu_layers,"
        " (SELECT count(*) FROM cases c WHERE c.model_id=m.id),"
        " (SELECT count(*) FROM cases c WHERE c.model_id=m.id AND c.status='error'),"
        " l.n_parallel, l.images_encoded, l.images_cached, l.prompt_tokens, l.prompt_tokens_cached,"
        " l.decode_steps, l.decode_tokens, l.chat_template_hash"
        " FROM models m LEFT JOIN model_loads l ON l.model_id=m.id AND l.run_id ="
        " (SELECT max(run_id) FROM model_loads WHERE model_id=m.id) ORDER BY m.name");
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        bool loaded = sqlite3_column_type(st, 2) != SQLITE_NULL;
        json_t *m = json_object();
        json_object_set_new(m, "name", json_string(col_text(st, 1)));
        json_object_set_new(m, "arch", json_text(col_text(st, 2)));
        json_object_set_new(m, "n_params", loaded ? json_integer(sqlite3_column_int64(st, 3)) : json_null());
        json_object_set_new(m, "chat_template", json_text(col_text(st, 4)));
        json_object_set_new(m, "chat_template_hash", json_text(col_text(st, 22)));
        json_object_set_new(m, "backend", json_text(col_text(st, 5)));
        static const char *nums[] = {"model_bytes", "mmproj_bytes", "load_ms", "rss_peak_bytes",
                                     "gpu_mem_bytes", "n_threads", "n_gpu_layers"};
        for (int k = 0; k < 7; k++) {
            json_t *v = !loaded ? json_null()
                        : k == 2 ? json_real(sqlite3_column_double(st, 6 + k))
                                 : json_integer(sqlite3_column_int64(st, 6 + k));
            json_object_set_new(m, nums[k], v);
        }
        json_object_set_new(m, "n_cases", json_integer(sqlite3_column_int(st, 13)));
        json_object_set_new(m, "n_errors", json_integer(sqlite3_column_int(st, 14)));
        json_object_set_new(m, "reuse", build_reuse(st, 15));
        json_object_set_new(m, "quality", build_model_quality(db, id));
        json_object_set_new(m, "speed", build_speed(db, id, m));
        json_object_set_new(m, "reasoning", build_reasoning(db, id));
        json_object_set_new(m, "id", json_integer(id)); /* removed before output */
        json_array_append_new(a, m);
    }
    sqlite3_finalize(st);
    return a;
}

static json_t *build_categories(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db, "SELECT DISTINCT coalesce(category,'') FROM cases ORDER BY 1");
    while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(a, json_string(col_text(st, 0)));
    sqlite3_finalize(st);
    return a;
}

static json_t *build_quality(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT m.name, coalesce(c.category,''), count(*), total(" CREDIT_SQL "), total(s.unparsed),"
        " total(a.error IS NOT NULL)"
        SCORED_TURNS
        " WHERE " QUALITY_FILTER " GROUP BY 1, 2 ORDER BY 2, 1");
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_pack("{s:s, s:s}", "model", col_text(st, 0), "category", col_text(st, 1));
        set_accuracy(o, sqlite3_column_int(st, 2), sqlite3_column_double(st, 3));
        json_object_set_new(o, "n_unparsed", json_integer(sqlite3_column_int(st, 4)));
        json_object_set_new(o, "n_errors", json_integer(sqlite3_column_int(st, 5)));
        json_array_append_new(a, o);
    }
    sqlite3_finalize(st);
    return a;
}

/* yes/no: expected "yes"/"no"/true/false; predicted is the scorer's detail. */
static json_t *build_yesno(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT m.name, coalesce(c.category,''), s.detail, a.expected, s.correct"
        SCORED_TURNS
        " WHERE s.scorer='yesno' ORDER BY 1, 2");
    char model[256] = "", cat[256] = "";
    int tp = 0, fp = 0, fn = 0, n = 0, right = 0, said_yes = 0, unparsed = 0;
    for (bool more = true; more;) {
        more = sqlite3_step(st) == SQLITE_ROW;
        if (n && (!more || strcmp(model, col_text(st, 0)) || strcmp(cat, col_text(st, 1)))) {
            double prec = tp + fp ? (double)tp / (tp + fp) : 0, rec = tp + fn ? (double)tp / (tp + fn) : 0;
            json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:i}", "model", model,
                "category", cat, "n", n, "accuracy", (double)right / n, "precision", prec, "recall", rec,
                "f1", prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0.0, "yes_ratio", (double)said_yes / n,
                "n_unparsed", unparsed));
            tp = fp = fn = n = right = said_yes = unparsed = 0;
        }
        if (!more) break;
        snprintf(model, sizeof model, "%s", col_text(st, 0));
        snprintf(cat, sizeof cat, "%s", col_text(st, 1));
        const char *pred = col_text(st, 2) ? col_text(st, 2) : "";
        const char *exp = col_text(st, 3) ? col_text(st, 3) : "";
        bool want_yes = strstr(exp, "yes") || strstr(exp, "Yes") || strstr(exp, "true");
        bool got_yes = strncmp(pred, "yes", 3) == 0, got_no = strncmp(pred, "no", 2) == 0;
        n++;
        right += sqlite3_column_int(st, 4);
        said_yes += got_yes;
        unparsed += !got_yes && !got_no;
        tp += got_yes && want_yes;
        fp += got_yes && !want_yes;
        fn += !got_yes && want_yes;
    }
    sqlite3_finalize(st);
    return a;
}

/* Corpus BLEU-4 and mean CIDEr-D per model x category, for caption turns. */
static json_t *build_captions(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT m.name, coalesce(c.category,''), s.scorer, s.score, a.output, a.expected"
        SCORED_TURNS
        " WHERE s.scorer IN ('bleu','cider') ORDER BY 1, 2");
    char model[256] = "", cat[256] = "";
    vlm_caption_set *set = NULL;
    double cider = 0;
    int n_cider = 0;
    for (bool more = true; more;) {
        more = sqlite3_step(st) == SQLITE_ROW;
        if (set && (!more || strcmp(model, col_text(st, 0)) || strcmp(cat, col_text(st, 1)))) {
            json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:f, s:o}", "model", model, "category", cat,
                "n", vlm_caption_set_size(set), "bleu4", vlm_caption_bleu4(set),
                "cider_d", n_cider ? json_real(cider / n_cider) : json_null()));
            vlm_caption_set_free(set);
            set = NULL;
            cider = n_cider = 0;
        }
        if (!more) break;
        snprintf(model, sizeof model, "%s", col_text(st, 0));
        snprintf(cat, sizeof cat, "%s", col_text(st, 1));
        if (!set) set = vlm_caption_set_new();
        if (!strcmp(col_text(st, 2), "cider")) { cider += sqlite3_column_double(st, 3); n_cider++; }
        char **refs = NULL;
        int n_refs = vlm_caption_refs(col_text(st, 5) ? col_text(st, 5) : "null", &refs);
        vlm_caption_set_add(set, col_text(st, 4) ? col_text(st, 4) : "", (const char *const *)refs, n_refs);
        for (int i = 0; i < n_refs; i++) free(refs[i]);
        free(refs);
    }
    sqlite3_finalize(st);
    return a;
}

static json_t *build_by_turn(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT m.name, s.turn, count(*), total(" CREDIT_SQL ") FROM scores s JOIN models m ON m.id=s.model_id"
        " WHERE " QUALITY_FILTER " AND EXISTS (SELECT 1 FROM answers x WHERE x.model_id=s.model_id"
        " AND x.suite=s.suite AND x.case_id=s.case_id AND x.turn=1) GROUP BY 1, 2 ORDER BY 1, 2");
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_pack("{s:s, s:i}", "model", col_text(st, 0), "turn", sqlite3_column_int(st, 1));
        set_accuracy(o, sqlite3_column_int(st, 2), sqlite3_column_double(st, 3));
        json_array_append_new(a, o);
    }
    sqlite3_finalize(st);
    return a;
}

static json_t *build_pairs(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT ma.name, mb.name, count(*), total(x.correct AND NOT y.correct), total(y.correct AND NOT x.correct)"
        " FROM scores x JOIN scores y ON x.suite=y.suite AND x.case_id=y.case_id AND x.turn=y.turn"
        " JOIN models ma ON ma.id=x.model_id JOIN models mb ON mb.id=y.model_id"
        " WHERE ma.name < mb.name AND x.scorer NOT IN ('bleu','cider') AND y.scorer NOT IN ('bleu','cider')"
        " GROUP BY 1, 2 ORDER BY 1, 2");
    while (sqlite3_step(st) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 3), c = sqlite3_column_int(st, 4);
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i, s:i, s:f}", "a", col_text(st, 0),
            "b", col_text(st, 1), "n_shared", sqlite3_column_int(st, 2), "a_only", b, "b_only", c,
            "p_value", vlm_mcnemar_exact(b, c)));
    }
    sqlite3_finalize(st);
    return a;
}

/* Every stored turn with every model's answer beside it. */
static json_t *build_cases(sqlite3 *db) {
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT a.suite, a.case_id, a.turn, c.category, a.prompt, a.expected, coalesce(s.scorer, c.scorer),"
        " c.images, m.name, a.output, a.error, s.score, s.correct, s.unparsed, s.detail, a.e2e_ms"
        " FROM answers a JOIN models m ON m.id=a.model_id"
        " LEFT JOIN cases c ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id"
        " LEFT JOIN scores s ON s.model_id=a.model_id AND s.suite=a.suite AND s.case_id=a.case_id AND s.turn=a.turn"
        " ORDER BY a.suite, a.case_id, a.turn, m.name");
    json_t *row = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *suite = col_text(st, 0), *id = col_text(st, 1);
        int turn = sqlite3_column_int(st, 2);
        if (!row || strcmp(json_string_value(json_object_get(row, "suite")), suite) ||
            strcmp(json_string_value(json_object_get(row, "case")), id) ||
            json_integer_value(json_object_get(row, "turn")) != turn) {
            row = json_pack("{s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o}", "suite", suite, "case", id,
                "category", json_text(col_text(st, 3)), "turn", turn, "prompt", json_text(col_text(st, 4)),
                "expected", json_column(st, 5), "scorer", json_text(col_text(st, 6)),
                "images", turn == 0 ? json_column(st, 7) : json_array(), "answers", json_object());
            json_array_append_new(a, row);
        }
        bool scored = sqlite3_column_type(st, 11) != SQLITE_NULL;
        json_object_set_new(json_object_get(row, "answers"), col_text(st, 8), json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:f}", "output", json_text(col_text(st, 9)),
            "error", json_text(col_text(st, 10)),
            "score", scored ? json_real(sqlite3_column_double(st, 11)) : json_null(),
            "correct", scored ? json_boolean(sqlite3_column_int(st, 12)) : json_null(),
            "unparsed", scored ? json_boolean(sqlite3_column_int(st, 13)) : json_null(),
            "detail", json_text(col_text(st, 14)), "e2e_ms", sqlite3_column_double(st, 15)));
    }
    sqlite3_finalize(st);
    return a;
}

/* ------------------------------------------------------------ document */

/* Load-test levels (table bench_levels), in the order they ran. */
static json_t *build_bench(sqlite3 *db) {
    static const char *const metrics[] = {"ttft_ms", "tpot_ms", "itl_ms", "e2e_ms"};
    json_t *a = json_array();
    sqlite3_stmt *st = query(db,
        "SELECT m.name, b.run_id, b.concurrency, b.rate, b.slo_ttft_ms, b.slo_tpot_ms, b.n_requests,"
        " b.n_ok, b.n_errors, b.wall_s, b.req_per_s, b.output_tps, b.goodput_rps, b.error_rate,"
        " b.tokens_estimated, b.first_error, b.ttft_ms_p50, b.ttft_ms_p90, b.ttft_ms_p95, b.ttft_ms_p99,"
        " b.tpot_ms_p50, b.tpot_ms_p90, b.tpot_ms_p95, b.tpot_ms_p99, b.itl_ms_p50, b.itl_ms_p90,"
        " b.itl_ms_p95, b.itl_ms_p99, b.e2e_ms_p50, b.e2e_ms_p90, b.e2e_ms_p95, b.e2e_ms_p99"
        " FROM bench_levels b JOIN models m ON m.id=b.model_id ORDER BY b.id");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_pack("{s:o, s:I, s:i, s:f, s:f, s:f, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:b, s:o}",
            "model", json_text(col_text(st, 0)), "run_id", (json_int_t)sqlite3_column_int64(st, 1),
            "concurrency", sqlite3_column_int(st, 2), "rate", sqlite3_column_double(st, 3),
            "slo_ttft_ms", sqlite3_column_double(st, 4), "slo_tpot_ms", sqlite3_column_double(st, 5),
            "n_requests", sqlite3_column_int(st, 6), "n_ok", sqlite3_column_int(st, 7),
            "n_errors", sqlite3_column_int(st, 8), "wall_s", sqlite3_column_double(st, 9),
            "req_per_s", sqlite3_column_double(st, 10), "output_tps", sqlite3_column_double(st, 11),
            "goodput_rps", sqlite3_column_double(st, 12), "error_rate", sqlite3_column_double(st, 13),
            "tokens_estimated", sqlite3_column_int(st, 14), "first_error", json_text(col_text(st, 15)));
        for (int k = 0; k < 4; k++)
            json_object_set_new(o, metrics[k], json_pack("{s:f, s:f, s:f, s:f}",
                "p50", sqlite3_column_double(st, 16 + 4 * k), "p90", sqlite3_column_double(st, 17 + 4 * k),
                "p95", sqlite3_column_double(st, 18 + 4 * k), "p99", sqlite3_column_double(st, 19 + 4 * k)));
        json_array_append_new(a, o);
    }
    sqlite3_finalize(st);
    return a;
}

json_t *vlm_report_build(vlm_store *s, const char *db_path, char *err, size_t err_len) {
    sqlite3 *db = vlm_store_db(s);
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *r = json_object();
    json_object_set_new(r, "schema", json_string("vlmeter-report/1"));
    json_object_set_new(r, "generated_at", json_string(when));
    json_object_set_new(r, "db", json_string(db_path));
    json_object_set_new(r, "runs", build_runs(db));
    json_t *models = build_models(db);
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m) json_object_del(m, "id");
    json_object_set_new(r, "models", models);
    json_object_set_new(r, "categories", build_categories(db));
    json_object_set_new(r, "quality", build_quality(db));
    json_object_set_new(r, "yesno", build_yesno(db));
    json_object_set_new(r, "captions", build_captions(db));
    json_object_set_new(r, "by_turn", build_by_turn(db));
    json_object_set_new(r, "pairs", build_pairs(db));
    json_object_set_new(r, "families", vlm_report_families(db, r));
    json_object_set_new(r, "cases", build_cases(db));
    json_object_set_new(r, "bench", build_bench(db));
    if (sqlite3_errcode(db) != SQLITE_OK && sqlite3_errcode(db) != SQLITE_DONE &&
        sqlite3_errcode(db) != SQLITE_ROW) {
        vlm_errf(err, err_len, "reading '%s': %s", db_path, sqlite3_errmsg(db));
        json_decref(r);
        return NULL;
    }
    return r;
}

/* The catalog (shipped, then the plan's `catalog:`, then catalog_csv) and the
 * requirements; VLM_OK, or the first error. */
static int load_pricing(vlm_catalog *cat, struct vlm_requirements *req, const char *plan_yaml,
                        const char *catalog_csv, char *err, size_t err_len) {
    char plan_catalog[4096] = "";
    vlm_requirements_default(req);
    int rc = vlm_catalog_load_default(cat, NULL, err, err_len);
    if (rc == VLM_OK && plan_yaml)
        rc = vlm_requirements_load(plan_yaml, req, plan_catalog, sizeof plan_catalog, err, err_len);
    if (rc == VLM_OK && plan_catalog[0]) rc = vlm_catalog_load_csv(cat, plan_catalog, err, err_len);
    if (rc == VLM_OK && catalog_csv) rc = vlm_catalog_load_csv(cat, catalog_csv, err, err_len);
    return rc;
}

int vlm_report(const char *db_path, enum vlm_report_format format, FILE *out, char *err, size_t err_len) {
    return vlm_report_cost(db_path, format, out, NULL, NULL, err, err_len);
}

int vlm_report_cost(const char *db_path, enum vlm_report_format format, FILE *out, const char *plan_yaml,
                    const char *catalog_csv, char *err, size_t err_len) {
    vlm_catalog *cat = vlm_catalog_new();
    struct vlm_requirements req;
    if (load_pricing(cat, &req, plan_yaml, catalog_csv, err, err_len) != VLM_OK) {
        vlm_catalog_free(cat);
        return VLM_ERR_INPUT;
    }
    vlm_store *s = vlm_store_open(db_path, err, err_len);
    json_t *r = s ? vlm_report_build(s, db_path, err, err_len) : NULL;
    vlm_store_close(s);
    if (r) vlm_report_add_cost(r, cat, &req);
    vlm_catalog_free(cat);
    if (!r) return VLM_ERR_IO;
    int rc;
    switch (format) {
    case VLM_REPORT_JSON:
        rc = json_dumpf(r, out, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) == 0 && fputc('\n', out) != EOF
                 ? VLM_OK : VLM_ERR_IO;
        break;
    case VLM_REPORT_MD: rc = vlm_report_write_md(r, out); break;
    case VLM_REPORT_CSV: rc = vlm_report_write_csv(r, out); break;
    case VLM_REPORT_HTML: rc = vlm_report_write_html(r, out); break;
    default: rc = vlm_report_write_table(r, out); break;
    }
    json_decref(r);
    if (rc != VLM_OK) vlm_errf(err, err_len, "could not write the report");
    return rc;
}
