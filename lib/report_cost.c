/*
 * report_cost.c - the report's "cost" and "recommendation" sections
 * (docs/report-schema.md, docs/cost.md): turns each model's measured speed,
 * memory, tokens and accuracy into a vlm_candidate, prices it on every catalog
 * GPU (and hosted-API row), and asks vlm_recommend() for the cheapest option
 * meeting the requirements.
 */
#include "jpath.h"
#include "report.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The number at `path` under o, NAN when it was not measured. */
static double num_nan(const json_t *o, const char *path) {
    double v;
    return jpath_num(o, path, &v) ? v : NAN;
}

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static const char *str_or(const json_t *v) { return json_is_string(v) ? json_string_value(v) : "?"; }

/* The fastest bench level of `model` measured without errors whose e2e p95
 * meets the latency requirement (any level when none is set); NULL when there
 * is none. A level missing its error rate, throughput or (under a latency
 * requirement) its p95 cannot be shown to qualify and is passed over. */
static const json_t *best_bench_level(const json_t *rep, const char *model, double max_p95_ms) {
    const json_t *best = NULL, *lv;
    double best_rps = 0;
    size_t i;
    json_array_foreach(json_object_get(rep, "bench"), i, lv) {
        const char *name = jpath_str(lv, "model");
        double errors, rps, p95;
        if (!name || strcmp(name, model) || !jpath_num(lv, "error_rate", &errors) || errors > 0) continue;
        if (!jpath_num(lv, "req_per_s", &rps) || rps <= 0) continue;
        if (max_p95_ms > 0 && (!jpath_num(lv, "e2e_ms.p95", &p95) || p95 > max_p95_ms)) continue;
        if (!best || rps > best_rps) best = lv, best_rps = rps;
    }
    return best;
}

/* Overall ("all") and per-category accuracy of one model. */
static void candidate_accuracy(const json_t *rep, const json_t *m, struct vlm_candidate *c) {
    const json_t *row;
    double acc;
    if (jpath_num(m, "quality.accuracy", &acc)) {
        c->acc_cat[c->n_acc] = "all";
        c->acc[c->n_acc++] = acc;
    }
    size_t i;
    json_array_foreach(json_object_get(rep, "quality"), i, row) {
        const char *mn = jpath_str(row, "model"), *cat = jpath_str(row, "category");
        if (!mn || !cat || strcmp(mn, c->name) || c->n_acc >= 64 || !jpath_num(row, "accuracy", &acc)) continue;
        c->acc_cat[c->n_acc] = cat;
        c->acc[c->n_acc++] = acc;
    }
}

/* Image cases not applicable to the model (no vision), per category and "all":
 * a requirement on such a category fails, naming the reason (cost.c). */
static void candidate_na(const json_t *rep, const json_t *m, struct vlm_candidate *c) {
    double n;
    if (jpath_num(m, "n_na", &n) && n > 0) {
        c->na_cat[c->n_na] = "all";
        c->na[c->n_na++] = (int)n;
    }
    size_t i;
    const json_t *row;
    json_array_foreach(json_object_get(rep, "not_applicable"), i, row) {
        const char *mn = jpath_str(row, "model"), *cat = jpath_str(row, "category");
        if (!mn || !cat || strcmp(mn, c->name) || c->n_na >= 64 || !jpath_num(row, "n_cases", &n)) continue;
        c->na_cat[c->n_na] = cat;
        c->na[c->n_na++] = (int)n;
    }
}

/* The family c belongs to and, for a variant, its accuracy loss against the
 * reference on the turns both answered (report_family.c; NAN when unmeasured). */
static void candidate_family(const json_t *rep, struct vlm_candidate *c) {
    c->acc_loss = NAN;
    size_t i, j;
    const json_t *f, *m;
    json_array_foreach(json_object_get(rep, "families"), i, f) {
        json_array_foreach(json_object_get(f, "members"), j, m) {
            const char *name = jpath_str(m, "model");
            if (!name || strcmp(name, c->name) != 0) continue;
            c->family = jpath_str(f, "name");
            c->variant = !json_is_true(json_object_get(m, "reference"));
            double diff;
            if (c->variant && jpath_num(m, "vs_reference.diff", &diff)) c->acc_loss = -diff;
        }
    }
}

/* Where the memory figure comes from: measured GPU memory, else peak RSS,
 * else an estimate from the file sizes; "not measured" when none is known. */
static const char *memory_source(const json_t *m, double *measured) {
    double gpu = 0, rss = 0, bytes = 0;
    jpath_num(m, "gpu_mem_bytes", &gpu);
    jpath_num(m, "rss_peak_bytes", &rss);
    *measured = gpu > 0 ? gpu : rss > 0 ? rss : 0;
    if (gpu > 0) return "gpu_mem_bytes";
    if (rss > 0) return "rss_peak_bytes";
    return jpath_num(m, "model_bytes", &bytes) && bytes > 0 ? "estimate" : "not measured";
}

/* Memory the model needs (vlm_fit_need_bytes); NAN when not measured. */
static double candidate_memory(const json_t *m, const struct vlm_candidate *c) {
    double measured, mmproj = 0;
    if (strcmp(memory_source(m, &measured), "not measured") == 0) return NAN;
    jpath_num(m, "mmproj_bytes", &mmproj);
    return vlm_fit_need_bytes(measured, isfinite(c->model_bytes) ? c->model_bytes : 0, mmproj,
                              isfinite(c->n_params) ? c->n_params : 0, 0, NULL);
}

bool report_e2e_p95(const json_t *model, double *p95) {
    const json_t *vals = json_object_get(model, "e2e_ms_values");
    int n = 0;
    double *v = xcalloc(json_array_size(vals) + 1, sizeof *v);
    for (size_t k = 0; k < json_array_size(vals); k++)
        if (json_is_number(json_array_get(vals, k))) v[n++] = json_number_value(json_array_get(vals, k));
    if (n > 0) *p95 = vlm_percentile(v, n, 0.95);
    free(v);
    return n > 0;
}


/* Throughput and p95 from single-stream timings: one request at a time, so an
 * instance serves 1 / mean e2e; p95 over the stored e2e values (sorted). */
static void single_stream(const json_t *m, struct vlm_candidate *c) {
    double mean_ms;
    if (jpath_num(m, "speed.e2e_ms.mean", &mean_ms) && mean_ms > 0) {
        c->busy_s_per_req = mean_ms / 1000.0;
        c->inst_rps = 1.0 / c->busy_s_per_req;
    }
    double p95;
    if (report_e2e_p95(m, &p95)) c->p95_ms = p95;
}

/* One model as a candidate; *level: the bench level its throughput comes from
 * (NULL: single-stream timings). What was not measured stays NAN. */
static void make_candidate(const json_t *rep, const json_t *m, const struct vlm_requirements *r,
                           struct vlm_candidate *c, const json_t **level) {
    memset(c, 0, sizeof *c);
    c->name = jpath_str(m, "name");
    const char *backend = jpath_str(m, "backend");
    c->remote = (backend && strcmp(backend, "remote") == 0) || json_is_true(json_object_get(m, "remote"));
    c->gpu = c->remote ? jpath_str(m, "gpu") : NULL; /* self-hosted: gpu=, gpus= (report_metrics.c) */
    double n_gpus = 1;
    jpath_num(m, "gpus", &n_gpus);
    c->n_gpus = (int)n_gpus;
    candidate_accuracy(rep, m, c);
    candidate_na(rep, m, c);
    candidate_family(rep, c);
    c->in_tokens = num_nan(m, "speed.n_prompt_tokens.mean");
    c->out_tokens = num_nan(m, "speed.n_output_tokens.mean");
    c->model_bytes = num_nan(m, "model_bytes");
    c->n_params = num_nan(m, "n_params");
    c->need_bytes = candidate_memory(m, c);
    c->p95_ms = c->busy_s_per_req = c->inst_rps = NAN;
    *level = report_bench_capacity_of(rep, c->name); /* an SLO search's capacity first */
    if (!*level) *level = best_bench_level(rep, c->name, r->max_p95_ms);
    if (*level) {
        c->inst_rps = num_nan(*level, "req_per_s");
        c->busy_s_per_req = 1.0 / c->inst_rps;
        c->p95_ms = num_nan(*level, "e2e_ms.p95");
    } else {
        single_stream(m, c);
    }
}

static json_t *price_meta(const char *currency, const char *source, const char *as_of) {
    return json_pack("{s:s, s:s, s:s}", "currency", currency, "source", source, "as_of", as_of);
}

/* Cost figures of one candidate on one GPU. */
static json_t *gpu_figures(const struct vlm_candidate *c, const struct vlm_gpu *g, const struct vlm_requirements *r) {
    double per_req = g->hourly * c->busy_s_per_req / 3600.0;
    int inst = vlm_cost_instances(r->requests_per_day, r->peak_factor, c->inst_rps);
    double one = vlm_cost_always_on_monthly(1, g->hourly);
    double cap1 = c->inst_rps * 86400.0 / r->peak_factor; /* daily volume one instance serves at peak */
    json_t *o = price_meta(g->currency, g->source, g->as_of);
    json_object_set_new(o, "gpu", json_string(g->name));
    json_object_set_new(o, "mem_gib", num_or_null(g->mem_gib));
    json_object_set_new(o, "hourly", num_or_null(g->hourly));
    json_object_set_new(o, "fits", json_boolean(vlm_fit_ok(c->need_bytes, r->headroom, g->mem_gib)));
    json_object_set_new(o, "per_request", num_or_null(per_req));
    json_object_set_new(o, "per_1k_requests", num_or_null(per_req * 1000));
    json_object_set_new(o, "per_1m_output_tokens",
                        c->out_tokens > 0 ? num_or_null(per_req / c->out_tokens * 1e6) : json_null());
    json_object_set_new(o, "instances", json_integer(inst));
    json_object_set_new(o, "always_on_monthly", num_or_null(vlm_cost_always_on_monthly(inst, g->hourly)));
    json_object_set_new(o, "reserved_monthly", g->monthly > 0 ? num_or_null(inst * g->monthly) : json_null());
    json_object_set_new(o, "busy_monthly",
                        num_or_null(vlm_cost_busy_monthly(r->requests_per_day, c->busy_s_per_req, g->hourly)));
    double be = vlm_cost_break_even_daily(one, per_req);
    json_object_set_new(o, "break_even_busy_vs_always_on_daily", be <= cap1 ? num_or_null(be) : json_null());
    json_object_set_new(o, "one_instance_daily_capacity", num_or_null(cap1));
    return o;
}

static json_t *api_figures(const struct vlm_candidate *c, const struct vlm_api_price *a,
                           const struct vlm_requirements *r) {
    double per_req = vlm_cost_api_per_request(c->in_tokens, c->out_tokens, a->in_per_1m, a->out_per_1m);
    json_t *o = price_meta(a->currency, a->source, a->as_of);
    json_object_set_new(o, "in_per_1m", num_or_null(a->in_per_1m));
    json_object_set_new(o, "out_per_1m", num_or_null(a->out_per_1m));
    json_object_set_new(o, "per_request", num_or_null(per_req));
    json_object_set_new(o, "per_1k_requests", num_or_null(per_req * 1000));
    json_object_set_new(o, "per_1m_output_tokens",
                        c->out_tokens > 0 ? num_or_null(per_req / c->out_tokens * 1e6) : json_null());
    json_object_set_new(o, "monthly", num_or_null(vlm_cost_api_monthly(r->requests_per_day, per_req)));
    return o;
}

/* The GPUs a model fits, smallest memory first; when none, a quantization that
 * would fit the largest one. */
static void fit_summary(json_t *o, const struct vlm_candidate *c, const vlm_catalog *cat,
                        const struct vlm_requirements *r) {
    int n = vlm_catalog_n_gpus(cat);
    const struct vlm_gpu **by_mem = xcalloc((size_t)n + 1, sizeof *by_mem);
    for (int g = 0; g < n; g++) { /* insertion sort by memory, stable */
        const struct vlm_gpu *gpu = vlm_catalog_gpu(cat, g);
        int k = g;
        while (k > 0 && by_mem[k - 1]->mem_gib > gpu->mem_gib) {
            by_mem[k] = by_mem[k - 1];
            k--;
        }
        by_mem[k] = gpu;
    }
    json_t *fits = json_array();
    for (int g = 0; g < n; g++)
        if (vlm_fit_ok(c->need_bytes, r->headroom, by_mem[g]->mem_gib))
            json_array_append_new(fits, json_string(by_mem[g]->name));
    const struct vlm_gpu *largest = n ? by_mem[n - 1] : NULL;
    json_t *quant = json_null();
    double need = 0;
    const char *q = json_array_size(fits) || !largest ? NULL
                                                      : vlm_fit_quant(c->need_bytes, c->model_bytes, c->n_params,
                                                                      r->headroom, largest->mem_gib, &need);
    if (q) quant = json_pack("{s:s, s:f, s:s}", "quant", q, "need_bytes", need, "gpu", largest->name);
    json_object_set_new(o, "fits_on", fits);
    json_object_set_new(o, "quantization_to_fit", quant);
    free(by_mem);
}

static json_t *model_cost(const struct vlm_candidate *c, const json_t *level, const vlm_catalog *cat,
                          const struct vlm_requirements *r, const json_t *m) {
    json_t *o = json_object();
    double measured;
    json_object_set_new(o, "model", json_string(c->name));
    json_object_set_new(o, "throughput_source",
                        json_string(!level                               ? "single-stream"
                                    : json_object_get(level, "capacity") ? "slo-search"
                                                                         : "bench"));
    const char *by = level ? jpath_str(level, "by") : NULL; /* an SLO capacity: "concurrency" or "rate" */
    json_object_set_new(
        o, "concurrency",
        by ? (strcmp(by, "concurrency") == 0 ? json_integer((json_int_t)num_nan(level, "capacity")) : json_null())
           : json_integer(level ? json_integer_value(json_object_get(level, "concurrency")) : 1));
    json_object_set_new(o, "busy_s_per_request", num_or_null(c->busy_s_per_req));
    json_object_set_new(o, "req_per_gpu_hour", num_or_null(c->inst_rps * 3600));
    json_object_set_new(o, "p95_ms", num_or_null(c->p95_ms));
    json_object_set_new(o, "in_tokens", num_or_null(c->in_tokens));
    json_object_set_new(o, "out_tokens", num_or_null(c->out_tokens));
    json_object_set_new(o, "need_bytes", num_or_null(c->need_bytes));
    json_object_set_new(o, "memory_source", json_string(memory_source(m, &measured)));
    fit_summary(o, c, cat, r);
    json_t *gpus = json_array();
    for (int g = 0; !c->remote && g < vlm_catalog_n_gpus(cat); g++)
        json_array_append_new(gpus, gpu_figures(c, vlm_catalog_gpu(cat, g), r));
    const struct vlm_gpu *own = c->remote ? vlm_catalog_gpu_named(cat, c->gpu) : NULL;
    if (own) { /* a self-hosted server: its GPU x N, no fit check (it runs there; docs/cost.md) */
        struct vlm_gpu x = vlm_gpu_times(own, c->n_gpus);
        json_t *f = gpu_figures(c, &x, r);
        json_object_set_new(f, "fits", json_true());
        json_array_append_new(gpus, f);
    }
    json_object_set_new(o, "self_hosted",
                        c->gpu
                            ? json_pack("{s:s, s:i, s:b}", "gpu", c->gpu, "gpus", c->n_gpus, "in_catalog", own != NULL)
                            : json_null());
    json_object_set_new(o, "gpus", gpus);
    const struct vlm_api_price *a = vlm_catalog_api(cat, c->name);
    json_object_set_new(o, "api", a ? api_figures(c, a, r) : json_null());
    return o;
}

static json_t *requirements_json(const struct vlm_requirements *r) {
    json_t *acc = json_object();
    for (int k = 0; k < r->n_acc; k++) json_object_set_new(acc, r->acc_cat[k], json_real(r->acc_min[k]));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:f, s:f, s:f, s:o}", "min_accuracy", acc, "max_p95_ms",
                     r->max_p95_ms > 0 ? json_real(r->max_p95_ms) : json_null(), "max_accuracy_loss",
                     r->max_accuracy_loss > 0 ? json_real(r->max_accuracy_loss) : json_null(), "max_memory_gib",
                     r->max_memory_gib > 0 ? json_real(r->max_memory_gib) : json_null(), "max_monthly",
                     r->max_monthly > 0 ? json_real(r->max_monthly) : json_null(), "requests_per_day",
                     r->requests_per_day, "peak_factor", r->peak_factor, "headroom", r->headroom, "currency",
                     r->currency[0] ? json_string(r->currency) : json_null());
}

static json_t *option_json(const struct vlm_option *o) {
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:i, s:b, s:o}", "model", o->model, "where",
                     o->where, "plan", o->plan, "monthly", num_or_null(o->monthly), "currency", o->currency,
                     "always_on_monthly", num_or_null(o->always_on), "reserved_monthly", num_or_null(o->reserved),
                     "busy_monthly", num_or_null(o->busy), "api_monthly", num_or_null(o->api), "instances",
                     o->instances, "ok", o->ok, "why", o->ok ? json_null() : json_string(o->why));
}

/* Per model, its cheapest priced option that fits (whatever the
 * requirements), for the Pareto chart of overall accuracy against monthly
 * cost. A model without a measured overall accuracy or price has no point. */
static json_t *pareto(const struct vlm_candidate *c, int n, const struct vlm_recommendation *rec) {
    const struct vlm_option **best = xcalloc((size_t)n + 1, sizeof *best);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < rec->n; k++) {
            const struct vlm_option *o = &rec->options[k];
            if (strcmp(o->model, c[i].name) == 0 && o->fits && isfinite(o->monthly) &&
                (!best[i] || o->monthly < best[i]->monthly))
                best[i] = o;
        }
        if (c[i].n_acc == 0 || strcmp(c[i].acc_cat[0], "all")) best[i] = NULL;
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        if (!best[i]) continue;
        bool dominated = false; /* another point is cheaper-or-equal and at least as good, better in one */
        for (int j = 0; j < n; j++) {
            if (j == i || !best[j]) continue;
            double mi = best[i]->monthly, mj = best[j]->monthly, ai = c[i].acc[0], aj = c[j].acc[0];
            if (mj <= mi && aj >= ai && (mj < mi || aj > ai)) dominated = true;
        }
        json_array_append_new(a, json_pack("{s:s, s:s, s:f, s:s, s:f, s:b}", "model", c[i].name, "where",
                                           best[i]->where, "monthly", best[i]->monthly, "currency", best[i]->currency,
                                           "accuracy", c[i].acc[0], "on_front", !dominated));
    }
    free(best);
    return a;
}

/* ------------------------------------------------------------ families */

static const struct vlm_candidate *candidate_named(const struct vlm_candidate *c, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (name && strcmp(c[i].name, name) == 0) return &c[i];
    return NULL;
}

/* The GPU of the catalog with the lowest hourly price that holds c; NULL: none. */
static const struct vlm_gpu *cheapest_fit(const struct vlm_candidate *c, const vlm_catalog *cat,
                                          const struct vlm_requirements *r) {
    const struct vlm_gpu *best = NULL;
    for (int g = 0; c && g < vlm_catalog_n_gpus(cat); g++) {
        const struct vlm_gpu *x = vlm_catalog_gpu(cat, g);
        if (vlm_fit_ok(c->need_bytes, r->headroom, x->mem_gib) && (!best || x->hourly < best->hourly)) best = x;
    }
    return best;
}

/* Per family: the smallest member (by file size) whose accuracy loss against
 * the reference is within max_accuracy_loss (any loss when none is set), and
 * the cheapest GPU it fits beside the one the reference needs. */
static json_t *family_choices(const json_t *rep, const struct vlm_candidate *c, int n, const vlm_catalog *cat,
                              const struct vlm_requirements *r) {
    json_t *out = json_array();
    size_t i, j;
    const json_t *f, *m;
    json_array_foreach(json_object_get(rep, "families"), i, f) {
        const json_t *ref = NULL, *best = NULL;
        double best_bytes = 0, ref_bytes = 0, bytes, diff;
        json_array_foreach(json_object_get(f, "members"), j, m) {
            bool is_ref = json_is_true(json_object_get(m, "reference"));
            if (is_ref) ref = m;
            /* a variant whose loss or size was not measured cannot be shown within the limit or smaller */
            bool within = is_ref || (jpath_num(m, "vs_reference.diff", &diff) &&
                                     (r->max_accuracy_loss <= 0 || -diff <= r->max_accuracy_loss));
            if (!within || !jpath_num(m, "file_bytes", &bytes)) continue;
            if (!best || bytes < best_bytes) best = m, best_bytes = bytes;
        }
        if (!ref || !best || !jpath_num(ref, "file_bytes", &ref_bytes)) continue;
        const char *bn = jpath_str(best, "model"), *rn = jpath_str(ref, "model"), *fam = jpath_str(f, "name");
        if (!bn || !rn || !fam) continue;
        const struct vlm_gpu *bg = cheapest_fit(candidate_named(c, n, bn), cat, r);
        const struct vlm_gpu *rg = cheapest_fit(candidate_named(c, n, rn), cat, r);
        const json_t *vs = json_object_get(best, "vs_reference");
        char tol[64], gpus[256];
        if (r->max_accuracy_loss > 0) snprintf(tol, sizeof tol, "within %.1f points of", 100 * r->max_accuracy_loss);
        else snprintf(tol, sizeof tol, "(no max_accuracy_loss set) of");
        if (bg && rg && bg != rg)
            snprintf(gpus, sizeof gpus, "it fits %s (%.0f GiB, %.2f %s/h) where %s needs %s (%.0f GiB, %.2f %s/h)",
                     bg->name, bg->mem_gib, bg->hourly, bg->currency, str_or(json_object_get(ref, "variant")), rg->name,
                     rg->mem_gib, rg->hourly, rg->currency);
        else if (bg)
            snprintf(gpus, sizeof gpus, "it fits %s (%.0f GiB), as %s does", bg->name, bg->mem_gib,
                     str_or(json_object_get(ref, "variant")));
        else snprintf(gpus, sizeof gpus, "no catalog GPU holds it");
        char *why = best == ref
                        ? xasprintf("family %s: no variant is smaller %s %s; %s", fam, tol,
                                    str_or(json_object_get(ref, "variant")), gpus)
                        : xasprintf("family %s: %s is the smallest variant %s %s (%+.1f points, 95%% CI %+.1f..%+.1f; "
                                    "%.0f of %.0f MiB); %s",
                                    fam, str_or(json_object_get(best, "variant")), tol,
                                    str_or(json_object_get(ref, "variant")), 100 * num_nan(vs, "diff"),
                                    100 * num_nan(vs, "ci_low"), 100 * num_nan(vs, "ci_high"), best_bytes / 1048576.0,
                                    ref_bytes / 1048576.0, gpus);
        json_array_append_new(out, json_pack("{s:O, s:s, s:s, s:o, s:o, s:s}", "family", json_object_get(f, "name"),
                                             "smallest", bn, "reference", rn, "gpu",
                                             bg ? json_string(bg->name) : json_null(), "reference_gpu",
                                             rg ? json_string(rg->name) : json_null(), "reasons", why));
        free(why);
    }
    return out;
}

static json_t *recommendation_json(const struct vlm_recommendation *rec, const struct vlm_candidate *c, int n,
                                   const struct vlm_requirements *r, const json_t *rep, const vlm_catalog *cat) {
    json_t *o = json_object(), *rejected = json_array(), *opts = json_array();
    json_object_set_new(o, "requirements", requirements_json(r));
    for (int k = 0; k < rec->n; k++) {
        json_array_append_new(opts, option_json(&rec->options[k]));
        if (!rec->options[k].ok) json_array_append_new(rejected, option_json(&rec->options[k]));
    }
    const struct vlm_option *ch = rec->chosen >= 0 ? &rec->options[rec->chosen] : NULL;
    json_object_set_new(o, "chosen", ch ? option_json(ch) : json_null());
    char *why = ch ? xasprintf("%s on %s (%s) is the cheapest of %d options meeting every requirement: "
                               "%.2f %s/month at %.0f requests/day",
                               ch->model, ch->where, ch->plan, rec->n - (int)json_array_size(rejected), ch->monthly,
                               ch->currency, r->requests_per_day)
                   : xasprintf("no option meets every requirement (%d rejected)", (int)json_array_size(rejected));
    json_object_set_new(o, "reasons", json_string(why));
    free(why);
    json_object_set_new(o, "options", opts);
    json_object_set_new(o, "rejected", rejected);
    json_object_set_new(o, "pareto", pareto(c, n, rec));
    json_object_set_new(o, "families", family_choices(rep, c, n, cat, r));
    return o;
}

int report_add_cost(json_t *rep, const vlm_catalog *cat, const struct vlm_requirements *r) {
    const json_t *models = json_object_get(rep, "models"), *m;
    size_t n = json_array_size(models), i;
    struct vlm_candidate *c = xcalloc(n + 1, sizeof *c);
    json_t *cost = json_array();
    int nc = 0;
    json_array_foreach(models, i, m) {
        const json_t *level = NULL;
        if (!jpath_str(m, "name")) continue;
        make_candidate(rep, m, r, &c[nc], &level);
        /* without timings there is nothing to price; the recommendation still lists it as unmeasured */
        if (isfinite(c[nc].inst_rps)) json_array_append_new(cost, model_cost(&c[nc], level, cat, r, m));
        nc++;
    }
    struct vlm_recommendation rec;
    vlm_recommend(c, nc, cat, r, &rec);
    json_object_set_new(rep, "cost", cost);
    json_object_set_new(rep, "recommendation", recommendation_json(&rec, c, nc, r, rep, cat));
    vlm_recommendation_free(&rec);
    free(c);
    return VLM_OK;
}

/* ------------------------------------------------------------ for other sections */

/* The model's cost per 1k requests from the document's "cost": its API price,
 * else its cheapest fitting GPU; false with *why when there is none. */
bool report_cost_per_1k(const json_t *rep, const char *model, double *per_1k, const char **where, const char **cur,
                        const char **why) {
    size_t i, j;
    const json_t *c, *g;
    *why = "not priced: no cost figure for the model (no timings, or no catalog price; see Cost per model)";
    json_array_foreach(json_object_get(rep, "cost"), i, c) {
        const char *name = jpath_str(c, "model");
        if (!name || strcmp(name, model)) continue;
        if (jpath_num(c, "api.per_1k_requests", per_1k)) {
            *where = "api";
            *cur = jpath_str(c, "api.currency");
            return true;
        }
        bool found = false;
        double v;
        json_array_foreach(json_object_get(c, "gpus"), j, g) {
            if (!json_is_true(json_object_get(g, "fits")) || !jpath_num(g, "per_1k_requests", &v)) continue;
            if (!found || v < *per_1k) *per_1k = v, *where = jpath_str(g, "gpu"), *cur = jpath_str(g, "currency");
            found = true;
        }
        if (!found) *why = "not priced: the model fits no catalog GPU and has no API price";
        return found;
    }
    return false;
}
