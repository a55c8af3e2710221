/*
 * report_family.c - the report's "families" (docs/report-schema.md): for each
 * quantization family, every member beside its reference: file size, memory,
 * speed, accuracy overall and per category, the accuracy change against the
 * reference on the turns both answered (with its interval), the share of
 * identical answers, and the KL divergence of its next-token distributions
 * from the reference's (docs/metrics.md, "Quantization").
 */
#include "internal.h"
#include "jpath.h"
#include "report.h"
#include "util.h"

#include <sqlite3.h>
#include <string.h>

/* A turn's credit as the report counts it (report.c's CREDIT_SQL) for score alias t. */
#define CREDIT(t) "(CASE WHEN " t ".scorer IN ('anls','vqa') THEN " t ".score ELSE " t ".correct END)"

static const json_t *model_named(const json_t *models, const char *name) {
    size_t i;
    const json_t *m;
    json_array_foreach(models, i, m) {
        const char *n = json_string_value(json_object_get(m, "name"));
        if (n && strcmp(n, name) == 0) return m;
    }
    return NULL;
}

static json_t *copy_or_null(const json_t *v) { return v ? json_deep_copy(v) : json_null(); }

static sqlite3_stmt *prepare2(sqlite3 *db, const char *sql, int64_t a, int64_t b) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    return st;
}

/* Accuracy change against the reference on the scored turns both have. */
static json_t *vs_reference(sqlite3 *db, int64_t ref, int64_t id) {
    sqlite3_stmt *st = prepare2(db,
        "SELECT count(*), total(" CREDIT("x") " * (1 - " CREDIT("y") ")), total((1 - " CREDIT("x") ") * " CREDIT("y") "),"
        " total(" CREDIT("x") "), total(" CREDIT("y") ")"
        " FROM scores x JOIN scores y ON y.suite=x.suite AND y.case_id=x.case_id AND y.turn=x.turn"
        " WHERE x.model_id=?1 AND y.model_id=?2 AND x.scorer NOT IN ('bleu','cider')"
        " AND y.scorer NOT IN ('bleu','cider')", ref, id);
    json_t *o = json_null();
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0) {
        int n = sqlite3_column_int(st, 0);
        double b = sqlite3_column_double(st, 1), c = sqlite3_column_double(st, 2), lo, hi;
        vlm_paired_diff95(b, c, n, &lo, &hi);
        o = json_pack("{s:i, s:f, s:f, s:f, s:f, s:f}", "n", n,
                      "reference_accuracy", sqlite3_column_double(st, 3) / n,
                      "accuracy", sqlite3_column_double(st, 4) / n,
                      "diff", (sqlite3_column_double(st, 4) - sqlite3_column_double(st, 3)) / n,
                      "ci_low", lo, "ci_high", hi);
    }
    sqlite3_finalize(st);
    return o;
}

/* Share of turns both answered where the texts are identical. */
static json_t *agreement(sqlite3 *db, int64_t ref, int64_t id) {
    sqlite3_stmt *st = prepare2(db,
        "SELECT count(*), total(a.output = r.output) FROM answers a JOIN answers r ON r.suite=a.suite"
        " AND r.case_id=a.case_id AND r.turn=a.turn WHERE r.model_id=?1 AND a.model_id=?2"
        " AND a.output IS NOT NULL AND r.output IS NOT NULL", ref, id);
    json_t *o = json_null();
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0) {
        int n = sqlite3_column_int(st, 0);
        double k = sqlite3_column_double(st, 1);
        o = json_pack("{s:i, s:i, s:f}", "n", n, "identical", (int)k, "share", k / n);
    }
    sqlite3_finalize(st);
    return o;
}

/* Mean KL divergence per position and the share of positions with the same top token. */
static json_t *kl_summary(sqlite3 *db, int64_t ref, int64_t id) {
    sqlite3_stmt *st = prepare2(db,
        "SELECT count(*), total(n_pos), total(kl_sum), max(kl_max), total(top1_same) FROM kl"
        " WHERE ref_model_id=?1 AND model_id=?2", ref, id);
    json_t *o = json_null();
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_double(st, 1) > 0) {
        double n_pos = sqlite3_column_double(st, 1);
        o = json_pack("{s:i, s:i, s:f, s:f, s:f}", "n_prompts", sqlite3_column_int(st, 0), "n_positions", (int)n_pos,
                      "mean", sqlite3_column_double(st, 2) / n_pos, "max", sqlite3_column_double(st, 3),
                      "top1_same", sqlite3_column_double(st, 4) / n_pos);
    }
    sqlite3_finalize(st);
    return o;
}

/* Accuracy of `name` per category, from the report's quality rows. */
static json_t *by_category(const json_t *quality, const char *name) {
    json_t *a = json_array();
    size_t i;
    const json_t *q;
    json_array_foreach(quality, i, q) {
        const char *m = json_string_value(json_object_get(q, "model"));
        if (!m || strcmp(m, name) != 0) continue;
        json_array_append_new(a, json_pack("{s:O, s:O, s:O}", "category", json_object_get(q, "category"),
                                           "n", json_object_get(q, "n"), "accuracy", json_object_get(q, "accuracy")));
    }
    return a;
}

static json_t *member(sqlite3 *db, const json_t *rep, int64_t ref, int64_t id, const char *name,
                      const char *variant, bool is_ref) {
    const json_t *m = model_named(json_object_get(rep, "models"), name);
    const json_t *speed = json_object_get(m, "speed");
    json_t *o = json_pack("{s:s, s:s, s:b}", "model", name, "variant", variant ? variant : "", "reference", is_ref);
    double model_bytes, mmproj_bytes = 0;
    bool sized = jpath_num(m, "model_bytes", &model_bytes);
    jpath_num(m, "mmproj_bytes", &mmproj_bytes);
    json_object_set_new(o, "file_bytes", sized ? json_real(model_bytes + mmproj_bytes) : json_null());
    json_object_set_new(o, "rss_peak_bytes", copy_or_null(json_object_get(m, "rss_peak_bytes")));
    json_object_set_new(o, "gpu_mem_bytes", copy_or_null(json_object_get(m, "gpu_mem_bytes")));
    json_object_set_new(o, "decode_tps", copy_or_null(json_object_get(json_object_get(speed, "decode_tps"), "mean")));
    json_object_set_new(o, "e2e_ms_p50", copy_or_null(json_object_get(json_object_get(speed, "e2e_ms"), "p50")));
    json_object_set_new(o, "quality", copy_or_null(json_object_get(m, "quality")));
    json_object_set_new(o, "by_category", by_category(json_object_get(rep, "quality"), name));
    json_object_set_new(o, "vs_reference", vs_reference(db, ref, id));
    json_object_set_new(o, "agreement", agreement(db, ref, id));
    json_object_set_new(o, "kl", kl_summary(db, ref, id));
    return o;
}

json_t *vlm_report_families(sqlite3 *db, const json_t *rep) {
    json_t *families = json_array();
    sqlite3_stmt *st = NULL;
    /* Members by family, the reference first, then by file size, largest first. */
    if (sqlite3_prepare_v2(db,
        "SELECT r.id, m.id, m.name, m.variant, m.id = r.id, m.family FROM models m JOIN models r ON r.name = m.family"
        " LEFT JOIN model_loads l ON l.model_id=m.id AND l.run_id=(SELECT max(run_id) FROM model_loads WHERE model_id=m.id)"
        " ORDER BY m.family, m.id != r.id, -coalesce(l.model_bytes, 0), m.name", -1, &st, NULL) != SQLITE_OK)
        return families;
    json_t *fam = NULL;
    const char *current = NULL;
    char last[128] = "";
    while (sqlite3_step(st) == SQLITE_ROW) {
        current = (const char *)sqlite3_column_text(st, 5);
        if (!fam || strcmp(last, current) != 0) {
            snprintf(last, sizeof last, "%s", current);
            fam = json_pack("{s:s, s:o}", "name", current, "members", json_array());
            json_array_append_new(families, fam);
        }
        json_array_append_new(json_object_get(fam, "members"),
            member(db, rep, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                   (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                   sqlite3_column_int(st, 4) != 0));
    }
    sqlite3_finalize(st);
    return families;
}
