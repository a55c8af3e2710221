/*
 * cost.c - the hardware and price catalog (CSV), memory fit, the cost formulas
 * and the recommendation (docs/cost.md). Pure arithmetic on numbers the caller
 * measured; nothing here reads the store.
 */
#include "vlmeter.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "util.h"

#ifndef VLM_DATA_DIR
#define VLM_DATA_DIR "data"
#endif

struct vlm_catalog {
    struct vlm_gpu *gpus;
    int n_gpus, cap_gpus;
    struct vlm_api_price *apis;
    int n_apis, cap_apis;
};

/* ------------------------------------------------------------ catalog */

vlm_catalog *vlm_catalog_new(void) { return xcalloc(1, sizeof(vlm_catalog)); }

void vlm_catalog_free(vlm_catalog *c) {
    if (!c) return;
    free(c->gpus);
    free(c->apis);
    free(c);
}

void vlm_catalog_add_gpu(vlm_catalog *c, const struct vlm_gpu *g) {
    for (int i = 0; i < c->n_gpus; i++)
        if (strcmp(c->gpus[i].name, g->name) == 0) {
            c->gpus[i] = *g;
            return;
        }
    util_grow((void **)&c->gpus, &c->cap_gpus, c->n_gpus + 1, sizeof *g);
    c->gpus[c->n_gpus++] = *g;
}

void vlm_catalog_add_api(vlm_catalog *c, const struct vlm_api_price *a) {
    for (int i = 0; i < c->n_apis; i++)
        if (strcmp(c->apis[i].model, a->model) == 0) {
            c->apis[i] = *a;
            return;
        }
    util_grow((void **)&c->apis, &c->cap_apis, c->n_apis + 1, sizeof *a);
    c->apis[c->n_apis++] = *a;
}

int vlm_catalog_n_gpus(const vlm_catalog *c) { return c ? c->n_gpus : 0; }
const struct vlm_gpu *vlm_catalog_gpu(const vlm_catalog *c, int i) { return &c->gpus[i]; }

const struct vlm_api_price *vlm_catalog_api(const vlm_catalog *c, const char *model) {
    for (int i = 0; c && i < c->n_apis; i++)
        if (strcmp(c->apis[i].model, model) == 0) return &c->apis[i];
    return NULL;
}

/* Split a CSV line in place on commas (no quoting: fields hold no commas). */
static int split_csv(char *line, char **f, int max) {
    int n = 0;
    line[strcspn(line, "\r\n")] = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = 0;
        p = comma + 1;
    }
    return n;
}

static bool parse_price(const char *s, double *out) {
    char *end;
    if (!*s) {
        *out = 0;
        return true;
    }
    *out = strtod(s, &end);
    return *end == 0 && isfinite(*out) && *out >= 0;
}

#define COPY(dst, src) snprintf(dst, sizeof dst, "%s", src)

/* gpus: name,mem_gib,bw_gbs,hourly,monthly,currency,source,as_of[,kwh_price] */
static bool gpu_row(char **f, int n, struct vlm_gpu *g, const char **bad) {
    memset(g, 0, sizeof *g);
    if (n != 8 && n != 9) {
        *bad = "8 or 9 fields";
        return false;
    }
    if (n == 9 && !parse_price(f[8], &g->kwh_price)) {
        *bad = "kwh_price";
        return false;
    }
    COPY(g->name, f[0]);
    COPY(g->currency, f[5]);
    COPY(g->source, f[6]);
    COPY(g->as_of, f[7]);
    if (!f[0][0]) {
        *bad = "name";
        return false;
    }
    if (!parse_price(f[1], &g->mem_gib) || g->mem_gib <= 0) {
        *bad = "mem_gib";
        return false;
    }
    if (!parse_price(f[2], &g->bw_gbs)) {
        *bad = "bw_gbs";
        return false;
    }
    if (!parse_price(f[3], &g->hourly) || g->hourly <= 0) {
        *bad = "hourly";
        return false;
    }
    if (!parse_price(f[4], &g->monthly)) {
        *bad = "monthly";
        return false;
    }
    if (!f[5][0]) {
        *bad = "currency";
        return false;
    }
    return true;
}

/* api prices: model,in_per_1m,out_per_1m,currency,source,as_of */
static bool api_row(char **f, int n, struct vlm_api_price *a, const char **bad) {
    memset(a, 0, sizeof *a);
    if (n != 6) {
        *bad = "6 fields";
        return false;
    }
    COPY(a->model, f[0]);
    COPY(a->currency, f[3]);
    COPY(a->source, f[4]);
    COPY(a->as_of, f[5]);
    if (!f[0][0]) {
        *bad = "model";
        return false;
    }
    if (!parse_price(f[1], &a->in_per_1m)) {
        *bad = "in_per_1m";
        return false;
    }
    if (!parse_price(f[2], &a->out_per_1m)) {
        *bad = "out_per_1m";
        return false;
    }
    if (!f[3][0]) {
        *bad = "currency";
        return false;
    }
    return true;
}

int vlm_catalog_load_csv(vlm_catalog *c, const char *path, char *err, size_t err_len) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        util_errf(err, err_len, "cannot open catalog '%s'", path);
        return VLM_ERR_IO;
    }
    char line[2048];
    int kind = 0, lineno = 0, rc = VLM_OK;
    while (rc == VLM_OK && fgets(line, sizeof line, fp)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r') continue;
        if (!kind) {
            kind = strncmp(line, "name,mem_gib", 12) == 0 ? 1 : strncmp(line, "model,in_per_1m", 15) == 0 ? 2 : -1;
            if (kind < 0) {
                util_errf(err, err_len, "%s:%d: header must start 'name,mem_gib' or 'model,in_per_1m'", path, lineno);
                rc = VLM_ERR_INPUT;
            }
            continue;
        }
        char *f[10];
        int n = split_csv(line, f, 10);
        const char *bad = NULL;
        struct vlm_gpu g;
        struct vlm_api_price a;
        if (kind == 1 ? gpu_row(f, n, &g, &bad) : api_row(f, n, &a, &bad)) {
            if (kind == 1) vlm_catalog_add_gpu(c, &g);
            else vlm_catalog_add_api(c, &a);
        } else {
            util_errf(err, err_len, "%s:%d: bad or missing %s", path, lineno, bad);
            rc = VLM_ERR_INPUT;
        }
    }
    fclose(fp);
    if (rc == VLM_OK && !kind) {
        util_errf(err, err_len, "%s: empty catalog", path);
        rc = VLM_ERR_INPUT;
    }
    return rc;
}

int vlm_catalog_load_default(vlm_catalog *c, const char *dir, char *err, size_t err_len) {
    if (!dir) dir = getenv("VLMETER_DATA");
    if (!dir || !*dir) dir = VLM_DATA_DIR;
    static const char *const files[] = {"gpus.csv", "api_prices.csv"};
    for (int i = 0; i < 2; i++) {
        char *p = util_path_join(dir, files[i]);
        int rc = vlm_catalog_load_csv(c, p, err, err_len);
        free(p);
        if (rc != VLM_OK) return rc;
    }
    return VLM_OK;
}

/* ------------------------------------------------------------ formulas */

double vlm_cost_req_per_gpu_hour(double s_per_req, double concurrency) {
    return s_per_req > 0 ? 3600.0 / s_per_req * (concurrency > 0 ? concurrency : 1) : 0;
}

int vlm_cost_instances(double daily, double peak_factor, double inst_rps) {
    if (daily <= 0) return 0;
    if (inst_rps <= 0) return -1;
    double peak_rps = daily * peak_factor / 86400.0;
    int n = (int)ceil(peak_rps / inst_rps - 1e-9);
    return n < 1 ? 1 : n;
}

double vlm_cost_always_on_monthly(int instances, double hourly) { return instances * hourly * VLM_HOURS_PER_MONTH; }

double vlm_cost_busy_monthly(double daily, double busy_s_per_req, double hourly) {
    return daily * VLM_DAYS_PER_MONTH * busy_s_per_req * hourly / 3600.0;
}

double vlm_cost_api_per_request(double in_tokens, double out_tokens, double in_per_1m, double out_per_1m) {
    return in_tokens * in_per_1m / 1e6 + out_tokens * out_per_1m / 1e6;
}

double vlm_cost_api_monthly(double daily, double per_request) { return daily * VLM_DAYS_PER_MONTH * per_request; }

double vlm_cost_break_even_daily(double fixed_monthly, double per_request) {
    return per_request > 0 ? fixed_monthly / (VLM_DAYS_PER_MONTH * per_request) : INFINITY;
}

/* ------------------------------------------------------------ memory fit */

/* Upper-bound KV cache bytes per token of context for a dense transformer of
 * n_params weights with d_model = 128 x n_layers and no grouped-query attention:
 * n_params = 12 L d^2 gives L; K and V in f16 take 2 x L x d x 2 bytes. */
static double kv_bytes_per_token(double n_params) {
    if (n_params <= 0) return 0;
    double layers = cbrt(n_params / (12.0 * 128 * 128));
    return 2.0 * layers * (128 * layers) * 2.0;
}

double vlm_fit_need_bytes(double measured, double model_bytes, double mmproj_bytes, double n_params, int n_ctx,
                          bool *estimated) {
    if (estimated) *estimated = measured <= 0;
    if (measured > 0) return measured;
    return model_bytes + mmproj_bytes + (n_ctx > 0 ? n_ctx : 4096) * kv_bytes_per_token(n_params);
}

bool vlm_fit_ok(double need_bytes, double headroom, double mem_gib) {
    return need_bytes * (1 + headroom) <= mem_gib * 1073741824.0;
}

const char *vlm_fit_quant(double need_bytes, double model_bytes, double n_params, double headroom, double mem_gib,
                          double *need_out) {
    static const struct {
        const char *name;
        double bpw;
    } quants[] = {{"q8_0", 8.5}, {"q4_k_m", 4.85}};
    if (n_params <= 0 || model_bytes <= 0) return NULL;
    double bpw = model_bytes * 8 / n_params;
    for (size_t i = 0; i < sizeof quants / sizeof quants[0]; i++) {
        if (quants[i].bpw >= bpw) continue;
        double need = need_bytes - model_bytes + model_bytes * quants[i].bpw / bpw;
        if (vlm_fit_ok(need, headroom, mem_gib)) {
            if (need_out) *need_out = need;
            return quants[i].name;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ requirements */

void vlm_requirements_default(struct vlm_requirements *r) {
    memset(r, 0, sizeof *r);
    r->requests_per_day = 1000;
    r->peak_factor = VLM_PEAK_FACTOR;
    r->headroom = VLM_HEADROOM;
}

static const char *yscalar(yaml_document_t *d, int i) {
    yaml_node_t *n = yaml_document_get_node(d, i);
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int ynumber(yaml_document_t *d, int i, const char *path, const char *key, double *out, char *err,
                   size_t err_len) {
    const char *t = yscalar(d, i);
    char *end = NULL;
    double v = t ? strtod(t, &end) : NAN;
    if (!t || !*t || *end || !isfinite(v) || v < 0) {
        yaml_node_t *n = yaml_document_get_node(d, i);
        util_errf(err, err_len, "%s:%zu: requirements.%s must be a number >= 0", path, n ? n->start_mark.line + 1 : 0,
                  key);
        return VLM_ERR_INPUT;
    }
    *out = v;
    return VLM_OK;
}

static int load_min_accuracy(yaml_document_t *d, yaml_node_t *m, const char *path, struct vlm_requirements *r,
                             char *err, size_t err_len) {
    if (m->type != YAML_MAPPING_NODE) {
        util_errf(err, err_len, "%s:%zu: requirements.min_accuracy must map categories to numbers", path,
                  m->start_mark.line + 1);
        return VLM_ERR_INPUT;
    }
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *cat = yscalar(d, p->key);
        if (!cat || r->n_acc >= VLM_MAX_REQ_CATS) {
            util_errf(err, err_len, "%s: requirements.min_accuracy: bad key or more than %d", path, VLM_MAX_REQ_CATS);
            return VLM_ERR_INPUT;
        }
        if (ynumber(d, p->value, path, "min_accuracy", &r->acc_min[r->n_acc], err, err_len)) return VLM_ERR_INPUT;
        COPY(r->acc_cat[r->n_acc], cat);
        r->n_acc++;
    }
    return VLM_OK;
}

static int load_req_map(yaml_document_t *d, yaml_node_t *m, const char *path, struct vlm_requirements *r, char *err,
                        size_t err_len) {
    static const struct {
        const char *key;
        size_t off;
    } nums[] = {
        {"max_p95_ms", offsetof(struct vlm_requirements, max_p95_ms)},
        {"max_accuracy_loss", offsetof(struct vlm_requirements, max_accuracy_loss)},
        {"max_memory_gib", offsetof(struct vlm_requirements, max_memory_gib)},
        {"max_monthly", offsetof(struct vlm_requirements, max_monthly)},
        {"requests_per_day", offsetof(struct vlm_requirements, requests_per_day)},
        {"peak_factor", offsetof(struct vlm_requirements, peak_factor)},
        {"headroom", offsetof(struct vlm_requirements, headroom)},
    };
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *key = yscalar(d, p->key);
        bool known = false;
        for (size_t i = 0; key && i < sizeof nums / sizeof nums[0]; i++)
            if (strcmp(key, nums[i].key) == 0) {
                known = true;
                if (ynumber(d, p->value, path, key, (double *)((char *)r + nums[i].off), err, err_len))
                    return VLM_ERR_INPUT;
            }
        if (key && strcmp(key, "min_accuracy") == 0) {
            known = true;
            if (load_min_accuracy(d, yaml_document_get_node(d, p->value), path, r, err, err_len)) return VLM_ERR_INPUT;
        } else if (key && strcmp(key, "currency") == 0 && yscalar(d, p->value)) {
            known = true;
            COPY(r->currency, yscalar(d, p->value));
        }
        if (!known) {
            util_errf(
                err, err_len,
                "%s:%zu: unknown key '%s' in requirements (known: min_accuracy, max_p95_ms, "
                "max_accuracy_loss, max_memory_gib, max_monthly, requests_per_day, peak_factor, headroom, currency)",
                path, yaml_document_get_node(d, p->key)->start_mark.line + 1, key ? key : "?");
            return VLM_ERR_INPUT;
        }
    }
    if (r->peak_factor < 1) r->peak_factor = 1;
    return VLM_OK;
}

int vlm_requirements_load(const char *path, struct vlm_requirements *r, char *catalog, size_t catalog_len, char *err,
                          size_t err_len) {
    vlm_requirements_default(r);
    if (catalog && catalog_len) catalog[0] = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        util_errf(err, err_len, "cannot open '%s'", path);
        return VLM_ERR_IO;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    int rc = VLM_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        util_errf(err, err_len, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                  parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        fclose(fp);
        return VLM_ERR_INPUT;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
        yaml_node_t *req = NULL;
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
            const char *key = yscalar(&doc, p->key);
            if (key && strcmp(key, "requirements") == 0) req = yaml_document_get_node(&doc, p->value);
            if (key && strcmp(key, "catalog") == 0 && catalog && yscalar(&doc, p->value)) {
                const char *v = yscalar(&doc, p->value);
                char *dir = util_dirname(path);
                char *full = v[0] == '/' ? xstrdup(v) : util_path_join(dir, v);
                snprintf(catalog, catalog_len, "%s", full);
                free(full);
                free(dir);
            }
        }
        if (req && req->type == YAML_MAPPING_NODE) rc = load_req_map(&doc, req, path, r, err, err_len);
        else if (req) {
            util_errf(err, err_len, "%s: requirements must be a mapping", path);
            rc = VLM_ERR_INPUT;
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}

/* ------------------------------------------------------------ recommendation */

static void add_why(struct vlm_option *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_why(struct vlm_option *o, const char *fmt, ...) {
    size_t len = strlen(o->why);
    char one[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    snprintf(o->why + len, sizeof o->why - len, "%s%s", len ? "; " : "", one);
    o->ok = false;
}

/* Accuracy and latency requirements: the same for every place a model runs. */
static void check_quality(const struct vlm_candidate *c, const struct vlm_requirements *r, struct vlm_option *o) {
    for (int k = 0; k < r->n_acc; k++) {
        int j = 0, na = 0;
        for (int i = 0; i < c->n_na; i++)
            if (strcmp(c->na_cat[i], r->acc_cat[k]) == 0) na = c->na[i];
        while (j < c->n_acc && strcmp(c->acc_cat[j], r->acc_cat[k]) != 0) j++;
        if (na > 0) /* the category needs vision the model lacks */
            add_why(o, "accuracy %s: no vision: %d image case%s not applicable", r->acc_cat[k], na, na == 1 ? "" : "s");
        else if (j == c->n_acc) add_why(o, "accuracy %s not measured", r->acc_cat[k]);
        else if (c->acc[j] < r->acc_min[k])
            add_why(o, "accuracy %s %.2f < %.2f (-%.2f)", r->acc_cat[k], c->acc[j], r->acc_min[k],
                    r->acc_min[k] - c->acc[j]);
    }
    if (r->max_p95_ms > 0 && !isfinite(c->p95_ms)) add_why(o, "p95 not measured");
    else if (r->max_p95_ms > 0 && c->p95_ms > r->max_p95_ms)
        add_why(o, "p95 %.0f ms > %.0f ms (+%.0f%%)", c->p95_ms, r->max_p95_ms, 100 * (c->p95_ms / r->max_p95_ms - 1));
    if (r->max_accuracy_loss > 0 && c->variant && !isfinite(c->acc_loss))
        add_why(o, "accuracy loss against its reference %s not measured", c->family ? c->family : "?");
    else if (r->max_accuracy_loss > 0 && c->variant && c->acc_loss > r->max_accuracy_loss)
        add_why(o, "accuracy %.1f points below its reference %s (at most %.1f allowed)", 100 * c->acc_loss,
                c->family ? c->family : "?", 100 * r->max_accuracy_loss);
}

/* A cost that could not be worked out (NAN) has already failed the option
 * where it failed (throughput or token counts not measured). */
static void check_budget(const struct vlm_requirements *r, struct vlm_option *o) {
    if (r->max_monthly > 0 && o->monthly > r->max_monthly)
        add_why(o, "monthly %.2f > %.2f (+%.0f%%)", o->monthly, r->max_monthly,
                100 * (o->monthly / r->max_monthly - 1));
    if (r->currency[0] && strcmp(r->currency, o->currency) != 0)
        add_why(o, "price in %s, not %s", o->currency, r->currency);
}

static struct vlm_option *new_option(struct vlm_recommendation *out, int *cap, const char *model, const char *where) {
    util_grow((void **)&out->options, cap, out->n + 1, sizeof *out->options);
    struct vlm_option *o = &out->options[out->n++];
    memset(o, 0, sizeof *o);
    COPY(o->model, model);
    COPY(o->where, where);
    o->ok = o->fits = true;
    o->always_on = o->reserved = o->busy = o->api = NAN;
    return o;
}

/* The quality checks and the three GPU plans of candidate c on g, the
 * cheapest as o->monthly (unpriced without a measured throughput). */
static void gpu_price(const struct vlm_candidate *c, const struct vlm_gpu *g, const struct vlm_requirements *r,
                      struct vlm_option *o) {
    COPY(o->currency, g->currency);
    check_quality(c, r, o);
    if (isfinite(c->inst_rps) && c->inst_rps > 0 && isfinite(c->busy_s_per_req)) {
        o->instances = vlm_cost_instances(r->requests_per_day, r->peak_factor, c->inst_rps);
        o->always_on = vlm_cost_always_on_monthly(o->instances, g->hourly);
        if (g->monthly > 0) o->reserved = o->instances * g->monthly;
        o->busy = vlm_cost_busy_monthly(r->requests_per_day, c->busy_s_per_req, g->hourly);
        o->monthly = o->always_on;
        COPY(o->plan, "always-on");
        if (g->monthly > 0 && o->reserved < o->monthly) {
            o->monthly = o->reserved;
            COPY(o->plan, "reserved");
        }
        if (o->busy < o->monthly) {
            o->monthly = o->busy;
            COPY(o->plan, "busy-second");
        }
    } else {
        o->monthly = NAN;
        COPY(o->plan, "unpriced");
        add_why(o, "throughput not measured");
    }
}

static void gpu_option(const struct vlm_candidate *c, const struct vlm_gpu *g, const struct vlm_requirements *r,
                       struct vlm_option *o) {
    gpu_price(c, g, r, o);
    double gib = c->need_bytes * (1 + r->headroom) / 1073741824.0;
    o->fits = isfinite(c->need_bytes) && vlm_fit_ok(c->need_bytes, r->headroom, g->mem_gib);
    if (!isfinite(c->need_bytes)) add_why(o, "memory not measured (no peak memory and no file size)");
    else if (!o->fits) add_why(o, "needs %.1f GiB with headroom, %s has %.0f GiB", gib, g->name, g->mem_gib);
    if (r->max_memory_gib > 0 && isfinite(gib) && gib > r->max_memory_gib)
        add_why(o, "needs %.1f GiB > max %.1f GiB", gib, r->max_memory_gib);
    check_budget(r, o);
}

const struct vlm_gpu *vlm_catalog_gpu_named(const vlm_catalog *c, const char *name) {
    for (int g = 0; c && name && g < c->n_gpus; g++)
        if (strcasecmp(c->gpus[g].name, name) == 0) return &c->gpus[g];
    return NULL;
}

struct vlm_gpu vlm_gpu_times(const struct vlm_gpu *g, int n) {
    struct vlm_gpu x = *g;
    if (n < 1) n = 1;
    x.hourly *= n;
    x.monthly *= n;
    x.mem_gib *= n;
    if (n > 1) snprintf(x.name, sizeof x.name, "%dx%.50s", n, g->name);
    return x;
}

/* A remote model on N of a catalog GPU (gpu=, gpus=): priced as a local model
 * on that GPU, N times its prices, from its measured throughput. No memory
 * check: the server already runs there. An unknown GPU is an unpriced option
 * naming the catalog's GPUs. */
static void self_hosted_option(const struct vlm_candidate *c, const vlm_catalog *cat, const struct vlm_requirements *r,
                               struct vlm_recommendation *out, int *cap) {
    const struct vlm_gpu *g = vlm_catalog_gpu_named(cat, c->gpu);
    if (g) {
        struct vlm_gpu x = vlm_gpu_times(g, c->n_gpus);
        struct vlm_option *o = new_option(out, cap, c->name, x.name);
        gpu_price(c, &x, r, o);
        check_budget(r, o);
        return;
    }
    struct vlm_option *o = new_option(out, cap, c->name, c->gpu);
    char names[400] = "";
    for (int k = 0; k < cat->n_gpus; k++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "", cat->gpus[k].name);
    }
    o->monthly = NAN;
    COPY(o->plan, "unpriced");
    size_t len = strlen(o->why);
    snprintf(o->why + len, sizeof o->why - len, "%sunknown GPU '%.60s' (catalog: %s)", len ? "; " : "", c->gpu, names);
    o->ok = false;
}

/* A remote model with neither a GPU nor an API price: listed, unpriced. */
static void no_price_option(const struct vlm_candidate *c, struct vlm_recommendation *out, int *cap) {
    struct vlm_option *o = new_option(out, cap, c->name, "none");
    o->monthly = NAN;
    COPY(o->plan, "unpriced");
    add_why(o, "no price: add gpu=\xE2\x80\xA6 or an API price row");
}

void vlm_recommend(const struct vlm_candidate *c, int n, const vlm_catalog *cat, const struct vlm_requirements *r,
                   struct vlm_recommendation *out) {
    memset(out, 0, sizeof *out);
    out->chosen = -1;
    int cap = 0;
    for (int i = 0; i < n; i++) {
        for (int g = 0; !c[i].remote && g < vlm_catalog_n_gpus(cat); g++)
            gpu_option(&c[i], vlm_catalog_gpu(cat, g), r, new_option(out, &cap, c[i].name, cat->gpus[g].name));
        if (c[i].remote && c[i].gpu) self_hosted_option(&c[i], cat, r, out, &cap);
        const struct vlm_api_price *a = vlm_catalog_api(cat, c[i].name);
        if (!a && c[i].remote && !c[i].gpu) no_price_option(&c[i], out, &cap);
        if (a) {
            struct vlm_option *o = new_option(out, &cap, c[i].name, "api");
            COPY(o->currency, a->currency);
            COPY(o->plan, "api");
            o->api = o->monthly = vlm_cost_api_monthly(
                r->requests_per_day,
                vlm_cost_api_per_request(c[i].in_tokens, c[i].out_tokens, a->in_per_1m, a->out_per_1m));
            check_quality(&c[i], r, o);
            if (!isfinite(c[i].in_tokens) || !isfinite(c[i].out_tokens)) add_why(o, "token counts not measured");
            check_budget(r, o);
        }
    }
    for (int i = 0; i < out->n; i++)
        if (out->options[i].ok && (out->chosen < 0 || out->options[i].monthly < out->options[out->chosen].monthly))
            out->chosen = i;
}

void vlm_recommendation_free(struct vlm_recommendation *rec) {
    if (!rec) return;
    free(rec->options);
    memset(rec, 0, sizeof *rec);
    rec->chosen = -1;
}
