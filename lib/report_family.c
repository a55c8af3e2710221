/*
 * report_family.c - the report's "families" (docs/report-schema.md): for each
 * quantization family, every member beside its reference: file size, memory,
 * speed, accuracy overall and per category, the accuracy change against the
 * reference on the turns both answered (with its interval), the share of
 * identical answers, and the KL divergence of its next-token distributions
 * from the reference's (docs/metrics.md, "Quantization").
 */
#include "jpath.h"
#include "report.h"
#include "store.h"
#include "util.h"

#include <string.h>

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

/* Accuracy change against the reference on the scored turns both have. */
static json_t *vs_reference(vlm_store *s, int64_t ref, int64_t id) {
    struct store_vs_ref v;
    if (store_report_vs_reference(s, ref, id, &v) != VLM_OK) return NULL;
    if (v.n <= 0) return json_null();
    double lo, hi;
    vlm_paired_diff95(v.ref_only, v.member_only, v.n, &lo, &hi);
    return json_pack("{s:i, s:f, s:f, s:f, s:f, s:f}", "n", v.n, "reference_accuracy", v.ref_credit / v.n, "accuracy",
                     v.credit / v.n, "diff", (v.credit - v.ref_credit) / v.n, "ci_low", lo, "ci_high", hi);
}

/* Share of turns both answered where the texts are identical. */
static json_t *agreement(vlm_store *s, int64_t ref, int64_t id) {
    struct store_agreement g;
    if (store_report_agreement(s, ref, id, &g) != VLM_OK) return NULL;
    if (g.n <= 0) return json_null();
    return json_pack("{s:i, s:i, s:f}", "n", g.n, "identical", (int)g.identical, "share", g.identical / g.n);
}

/* Mean KL divergence per position and the share of positions with the same top token. */
static json_t *kl_summary(vlm_store *s, int64_t ref, int64_t id) {
    struct store_kl_totals k;
    if (store_report_kl(s, ref, id, &k) != VLM_OK) return NULL;
    if (!(k.n_pos > 0)) return json_null();
    return json_pack("{s:i, s:i, s:f, s:f, s:f}", "n_prompts", k.n_prompts, "n_positions", (int)k.n_pos, "mean",
                     k.kl_sum / k.n_pos, "max", k.kl_max, "top1_same", k.top1_same / k.n_pos);
}

/* Accuracy of `name` per category, from the report's quality rows. */
static json_t *by_category(const json_t *quality, const char *name) {
    json_t *a = json_array();
    size_t i;
    const json_t *q;
    json_array_foreach(quality, i, q) {
        const char *m = json_string_value(json_object_get(q, "model"));
        if (!m || strcmp(m, name) != 0) continue;
        json_array_append_new(a, json_pack("{s:O, s:O, s:O}", "category", json_object_get(q, "category"), "n",
                                           json_object_get(q, "n"), "accuracy", json_object_get(q, "accuracy")));
    }
    return a;
}

/* Set o[key] = v; false (nothing set) when v is NULL: the store failed. */
static bool put(json_t *o, const char *key, json_t *v) { return v && json_object_set_new(o, key, v) == 0; }

/* The families array being built from the report document `rep`. */
struct families_out {
    vlm_store *s;
    const json_t *rep;
    json_t *families, *fam; /* fam: the family of the latest member */
};

static int member(const struct store_family_member *fm, void *user) {
    struct families_out *out = user;
    const char *name = fm->name;
    if (!out->fam || strcmp(json_string_value(json_object_get(out->fam, "name")), fm->family) != 0) {
        out->fam = json_pack("{s:s, s:o}", "name", fm->family, "members", json_array());
        json_array_append_new(out->families, out->fam);
    }
    const json_t *m = model_named(json_object_get(out->rep, "models"), name);
    const json_t *speed = json_object_get(m, "speed");
    json_t *o = json_pack("{s:s, s:s, s:b}", "model", name, "variant", fm->variant ? fm->variant : "", "reference",
                          fm->is_ref);
    json_array_append_new(json_object_get(out->fam, "members"), o);
    double model_bytes, mmproj_bytes = 0;
    bool sized = jpath_num(m, "model_bytes", &model_bytes);
    jpath_num(m, "mmproj_bytes", &mmproj_bytes);
    json_object_set_new(o, "file_bytes", sized ? json_real(model_bytes + mmproj_bytes) : json_null());
    json_object_set_new(o, "rss_peak_bytes", copy_or_null(json_object_get(m, "rss_peak_bytes")));
    json_object_set_new(o, "gpu_mem_bytes", copy_or_null(json_object_get(m, "gpu_mem_bytes")));
    json_object_set_new(o, "decode_tps", copy_or_null(json_object_get(json_object_get(speed, "decode_tps"), "mean")));
    json_object_set_new(o, "e2e_ms_p50", copy_or_null(json_object_get(json_object_get(speed, "e2e_ms"), "p50")));
    json_object_set_new(o, "quality", copy_or_null(json_object_get(m, "quality")));
    json_object_set_new(o, "by_category", by_category(json_object_get(out->rep, "quality"), name));
    bool ok = put(o, "vs_reference", vs_reference(out->s, fm->ref_id, fm->id)) &&
              put(o, "agreement", agreement(out->s, fm->ref_id, fm->id)) &&
              put(o, "kl", kl_summary(out->s, fm->ref_id, fm->id));
    return ok ? VLM_OK : VLM_ERR_IO;
}

/* Members by family, the reference first, then by file size, largest first. */
json_t *report_families(vlm_store *s, const json_t *rep) {
    struct families_out out = {s, rep, json_array(), NULL};
    if (store_report_family_members(s, member, &out) == VLM_OK) return out.families;
    json_decref(out.families);
    return NULL;
}
