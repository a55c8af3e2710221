/*
 * plan.c - evaluation plans: which models (name, GGUF pair or remote endpoint,
 * settings) run on which suites, read from a YAML file (docs/plan-format.md) or
 * built from command-line "-m NAME=MODEL.gguf,mmproj=..." and
 * "-m NAME=https://host/v1,model=ID" specs. A plan owns every string its specs and
 * suite list point to (one arena).
 */
#include "vlmeter.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "arena.h"
#include "hub.h"
#include "util.h"

struct vlm_plan {
    struct vlm_engine_params defaults;
    struct vlm_model_spec *models;
    int n_models, cap_models;
    const char **suites;
    int n_suites, cap_suites;
    const char *db;
    const char *gpu; /* the catalog GPU that prices a run (--budget) */
    struct vlm_decide_params decide;
    struct vlm_requirements req;
    bool has_req;
    vlm_arena arena;
};

/* ------------------------------------------------------------ settings */

/* SET_NOT_BOOL: a bool stored negated (`vision: false` sets text_only). */
enum setting_type { SET_INT, SET_UINT32, SET_FLOAT, SET_DOUBLE, SET_STRING, SET_BOOL, SET_NOT_BOOL };

/* One key of a `settings` mapping (and of a -m spec) and the field it sets. */
struct setting {
    const char *key;
    enum setting_type type;
    size_t offset; /* in struct vlm_engine_params */
    double min, max;
};

#define FIELD(f) offsetof(struct vlm_engine_params, f)
// clang-format off
static const struct setting settings_table[] = {
    { "max_tokens",     SET_INT,    FIELD(sampling.max_tokens),     1,  INT_MAX },
    { "ctx",            SET_INT,    FIELD(n_ctx),                   16, INT_MAX },
    { "batch",          SET_INT,    FIELD(n_batch),                 1,  INT_MAX },
    { "threads",        SET_INT,    FIELD(n_threads),               0,  4096 },
    { "ngl",            SET_INT,    FIELD(n_gpu_layers),            -1, INT_MAX },
    { "rpc",            SET_STRING, FIELD(rpc_servers),             0,  0 },
    { "temp",           SET_FLOAT,  FIELD(sampling.temp),           0,  100 },
    { "top_p",          SET_FLOAT,  FIELD(sampling.top_p),          0,  1 },
    { "top_k",          SET_INT,    FIELD(sampling.top_k),          0,  INT_MAX },
    { "min_p",          SET_FLOAT,  FIELD(sampling.min_p),          0,  1 },
    { "repeat_penalty", SET_FLOAT,  FIELD(sampling.repeat_penalty), 0,  100 },
    { "repeat_last_n",  SET_INT,    FIELD(sampling.repeat_last_n),  0,  INT_MAX },
    { "seed",           SET_UINT32, FIELD(sampling.seed),           0,  UINT32_MAX },
    { "template",       SET_STRING, FIELD(chat_template),           0,  0 },
    { "reasoning",      SET_STRING, FIELD(reasoning),               0,  0 },
    { "timeout",        SET_DOUBLE, FIELD(remote.timeout_s),        0.001, 86400 },
    { "retries",        SET_INT,    FIELD(remote.max_retries),      0,  100 },
    { "concurrency",    SET_INT,    FIELD(remote.concurrency),      1,  1024 },
    { "parallel",       SET_INT,    FIELD(n_parallel),              1,  VLM_MAX_PARALLEL },
    { "reuse",          SET_BOOL,   FIELD(reuse),                   0,  1 },
    { "image_cache_mib", SET_INT,   FIELD(image_cache_mib),         0,  INT_MAX },
    { "prefill_chunk",  SET_INT,    FIELD(prefill_chunk),           0,  INT_MAX },
    { "image_min_tokens", SET_INT,  FIELD(image_min_tokens),        1,  1000000 },
    { "image_max_tokens", SET_INT,  FIELD(image_max_tokens),        1,  1000000 },
    { "price_image",    SET_DOUBLE, FIELD(price_image),             0,  1e6 },
    { "vision",         SET_NOT_BOOL, FIELD(text_only),             0,  1 },
    { "system",         SET_STRING, FIELD(system_prompt),           0,  0 },
    { "prompt_suffix",  SET_STRING, FIELD(prompt_suffix),           0,  0 },
    { "max_pixels",     SET_INT,    FIELD(remote.max_pixels),       1,  INT_MAX },
    { "max_side",       SET_INT,    FIELD(remote.max_side),         1,  INT_MAX },
    { "processor",      SET_STRING, FIELD(remote.processor_json),   0,  0 },
    { "derive_image_tokens", SET_NOT_BOOL, FIELD(remote.no_token_twins), 0, 1 },
};
// clang-format on
#undef FIELD
#define N_SETTINGS (sizeof settings_table / sizeof settings_table[0])

static const struct setting *find_setting(const char *key) {
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings_table[i].key, key) == 0) return &settings_table[i];
    return NULL;
}

/* "an integer >= 1", "a number from 0 to 1", ... */
static void describe_setting(const struct setting *s, char *out, size_t n) {
    if (s->type == SET_STRING) snprintf(out, n, "a non-empty string");
    else if (s->type == SET_BOOL || s->type == SET_NOT_BOOL) snprintf(out, n, "true or false");
    else if (s->type == SET_FLOAT || s->type == SET_DOUBLE) snprintf(out, n, "a number from %g to %g", s->min, s->max);
    else if (s->type == SET_INT && s->max >= INT_MAX) snprintf(out, n, "an integer >= %.0f", s->min);
    else snprintf(out, n, "an integer from %.0f to %.0f", s->min, s->max);
}

static bool parse_number(const struct setting *s, const char *text, double *out) {
    if (!text[0]) return false;
    if (s->type == SET_BOOL || s->type == SET_NOT_BOOL) {
        bool yes = !strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on") || !strcmp(text, "1");
        bool no = !strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off") || !strcmp(text, "0");
        *out = yes ? 1 : 0;
        return yes || no;
    }
    char *end = NULL;
    errno = 0;
    double v;
    if (s->type == SET_FLOAT || s->type == SET_DOUBLE) v = strtod(text, &end);
    else v = (double)strtoll(text, &end, 10);
    if (errno || *end || !isfinite(v)) return false;
    *out = v;
    return v >= s->min && v <= s->max;
}

/* Set one setting from its text; false with `why` ("must be ..., not 'x'"). */
static bool apply_setting(vlm_plan *p, struct vlm_engine_params *e, const struct setting *s, const char *text,
                          char *why, size_t why_len) {
    char *field = (char *)e + s->offset;
    double v = 0;
    bool ok = s->type == SET_STRING ? text[0] != '\0' : parse_number(s, text, &v);
    if (!ok) {
        char want[64];
        describe_setting(s, want, sizeof want);
        snprintf(why, why_len, "must be %s, not '%s'", want, text);
        return false;
    }
    switch (s->type) {
    case SET_INT: *(int *)field = (int)v; break;
    case SET_UINT32: *(uint32_t *)field = (uint32_t)v; break;
    case SET_FLOAT: *(float *)field = (float)v; break;
    case SET_DOUBLE: *(double *)field = v; break;
    case SET_BOOL: *(bool *)field = v != 0; break;
    case SET_NOT_BOOL: *(bool *)field = v == 0; break;
    case SET_STRING: *(const char **)field = arena_strdup(&p->arena, text); break;
    }
    return true;
}

/* Fill `keys` with the setting names and a closing NULL. */
static void setting_keys(const char *keys[N_SETTINGS + 1]) {
    for (size_t i = 0; i < N_SETTINGS; i++) keys[i] = settings_table[i].key;
    keys[N_SETTINGS] = NULL;
}

/* Append NULL-terminated `names` to `out`, ", "-separated. */
static void join_names(char *out, size_t n, const char *const *names) {
    for (; *names; names++) {
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%s%s", used ? ", " : "", *names);
    }
}

/* ------------------------------------------------------------ models */

#define MODEL_NAME_MAX (sizeof((struct vlm_model_spec){0}).name - 1)

static bool model_name_ok(const char *name, char *why, size_t why_len) {
    size_t n = strlen(name);
    if (n == 0) {
        snprintf(why, why_len, "missing model name");
        return false;
    }
    if (n > MODEL_NAME_MAX) {
        snprintf(why, why_len, "model name '%s' is longer than %zu characters", name, MODEL_NAME_MAX);
        return false;
    }
    for (const char *c = name; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                  strchr("._-:@+", *c);
        if (!ok) {
            snprintf(why, why_len, "model name '%s' may hold only letters, digits and . _ - : @ +", name);
            return false;
        }
    }
    return true;
}

static int find_model(const vlm_plan *p, const char *name) {
    for (int i = 0; i < p->n_models; i++)
        if (strcmp(p->models[i].name, name) == 0) return i;
    return -1;
}

/* Add a checked model; the strings in `e` must already belong to the plan. */
static void append_model(vlm_plan *p, const char *name, const struct vlm_engine_params *e) {
    util_grow((void **)&p->models, &p->cap_models, p->n_models + 1, sizeof *p->models);
    struct vlm_model_spec *m = &p->models[p->n_models++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->engine = *e;
}

/* ------------------------------------------------------------ plan */

vlm_plan *vlm_plan_new(void) {
    vlm_plan *p = xcalloc(1, sizeof *p);
    p->defaults = vlm_engine_default_params();
    p->decide = vlm_decide_default_params();
    return p;
}

struct vlm_decide_params vlm_decide_default_params(void) {
    return (struct vlm_decide_params){.on = false, .alpha = 0.05, .seed = 42, .escalate = false, .screen = 0};
}

struct vlm_decide_params *vlm_plan_decide(vlm_plan *p) {
    return &p->decide;
}
const struct vlm_requirements *vlm_plan_requirements(const vlm_plan *p) { return p && p->has_req ? &p->req : NULL; }

/* Add a suite path that already belongs to the plan. */
static void append_suite(vlm_plan *p, const char *path) {
    util_grow((void **)&p->suites, &p->cap_suites, p->n_suites + 1, sizeof *p->suites);
    p->suites[p->n_suites++] = path;
}

int vlm_plan_add_suite(vlm_plan *p, const char *path) {
    if (!p || !path || !path[0]) return VLM_ERR_INPUT;
    append_suite(p, arena_strdup(&p->arena, path));
    return VLM_OK;
}

struct vlm_engine_params *vlm_plan_defaults(vlm_plan *p) {
    return &p->defaults;
}
int vlm_plan_n_models(const vlm_plan *p) { return p ? p->n_models : 0; }
int vlm_plan_n_suites(const vlm_plan *p) { return p ? p->n_suites : 0; }
const char *vlm_plan_db(const vlm_plan *p) { return p ? p->db : NULL; }
const char *vlm_plan_gpu(const vlm_plan *p) { return p ? p->gpu : NULL; }

struct vlm_model_spec *vlm_plan_model(vlm_plan *p, int i) {
    return p && i >= 0 && i < p->n_models ? &p->models[i] : NULL;
}

const char *vlm_plan_suite(const vlm_plan *p, int i) { return p && i >= 0 && i < p->n_suites ? p->suites[i] : NULL; }

void vlm_plan_free(vlm_plan *p) {
    if (!p) return;
    free(p->models);
    free(p->suites);
    arena_free(&p->arena);
    free(p);
}

/* ------------------------------------------------------------ -m specs */

static bool is_url(const char *s) { return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0; }

/* Whether a query parameter of this name (len bytes) carries a secret:
 * key, api_key, apikey, api-key, token, access_token, password, secret, sig, ... */
static bool secret_param(const char *name, size_t len) {
    static const char *const secret[] = {"key",          "apikey",    "api_key",  "api-key", "token",
                                         "access_token", "auth",      "password", "pass",    "secret",
                                         "sig",          "signature", "code",     NULL};
    for (int i = 0; secret[i]; i++)
        if (strlen(secret[i]) == len && strncasecmp(name, secret[i], len) == 0) return true;
    return false;
}

/* The URL with its credentials hidden: "user:pw@" becomes "***@" and the value
 * of each secret query parameter "***", for a message that must not show them.
 * Returns whether anything was hidden. */
static bool redact_url(const char *url, char *out, size_t len) {
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t auth_len = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth_len);
    bool hidden = false;
    size_t o = 0;
#define PUT(p, n) (o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%.*s", (int)(n), (p)))
    if (at) {
        PUT(url, host - url);
        PUT("***", 3);
        url = at;
        hidden = true;
    }
    const char *q = strchr(url, '?');
    if (!q) {
        PUT(url, strlen(url));
        return hidden;
    }
    PUT(url, q + 1 - url);
    for (const char *p = q + 1; *p;) {
        size_t n = strcspn(p, "&#"), name = strcspn(p, "=&#");
        if (name < n && secret_param(p, name)) {
            PUT(p, name + 1);
            PUT("***", 3);
            hidden = true;
        } else PUT(p, n);
        p += n;
        if (*p == '#') {
            PUT(p, strlen(p));
            break;
        }
        if (*p) PUT(p++, 1);
    }
#undef PUT
    return hidden;
}

/* A base URL the plan may keep: http(s), and no credentials in it, since URLs
 * are stored with the model's settings and shown in messages and reports
 * (docs/remote.md, "The API key"). False with `why` naming `what`. */
static bool url_ok(const char *what, const char *url, char *why, size_t why_len) {
    char shown[1024];
    if (!is_url(url)) {
        snprintf(why, why_len, "%s '%s' must start with http:// or https://", what, url);
        return false;
    }
    if (redact_url(url, shown, sizeof shown)) {
        snprintf(why, why_len,
                 "%s '%s' carries a password or key; URLs are stored and shown, so put the key in an "
                 "environment variable and name it with key_env=VAR (sent as Authorization: Bearer)",
                 what, shown);
        return false;
    }
    return true;
}

/* A model from the hub, "hf:OWNER/REPO[:QUANT]" (docs/hub.md): fetched when the
 * run loads it; false with `why` when the name is not one the hub accepts. */
static bool hub_ref_ok(const char *ref, char *why, size_t why_len) {
    char repo[300], tag[64];
    return hub_parse(ref, repo, sizeof repo, tag, sizeof tag, why, why_len);
}

/* Add a base URL to a remote model; false with `why` when it is not one. */
static bool add_url(vlm_plan *p, struct vlm_engine_params *e, const char *url, char *why, size_t why_len) {
    if (!url_ok("url", url, why, why_len)) return false;
    if (e->remote.n_urls >= VLM_MAX_URLS) {
        snprintf(why, why_len, "more than %d URLs", VLM_MAX_URLS);
        return false;
    }
    e->remote.urls[e->remote.n_urls++] = arena_strdup(&p->arena, url);
    return true;
}

/* The keys of a remote model's server, not settings (docs/remote.md): metrics=URL
 * (its Prometheus page), gpu=NAME and gpus=N (the catalog GPU it runs on, for
 * pricing; the name is checked against the catalog by the cost report). True when
 * `key` is one of them (handled, or failed with `why` set). */
static bool host_key(vlm_plan *p, struct vlm_remote_params *rp, const char *key, const char *value, bool *ok, char *why,
                     size_t why_len) {
    const char **field = strcmp(key, "metrics") == 0 ? &rp->metrics_url : strcmp(key, "gpu") == 0 ? &rp->gpu : NULL;
    if (!field && strcmp(key, "gpus") != 0) return false;
    why[0] = '\0';
    char *end = NULL;
    long n = field ? 0 : strtol(value, &end, 10);
    if ((field && *field) || (!field && rp->n_gpus)) snprintf(why, why_len, "%s given twice", key);
    else if (field && !value[0]) snprintf(why, why_len, "%s= needs a value", key);
    else if (!field && (end == value || *end || n < 1 || n > 1024))
        snprintf(why, why_len, "gpus '%s' must be a whole number 1..1024", value);
    *ok = !why[0] && (field != &rp->metrics_url || url_ok("metrics", value, why, why_len));
    if (*ok && field) *field = arena_strdup(&p->arena, value);
    else if (*ok) rp->n_gpus = (int)n;
    return true;
}

/* The spec keys that are not settings: model=, key_env=, url= (remote) and
 * mmproj= (local). Returns true when `key` is one of them (handled, or failed
 * with `why` set). */
static bool apply_model_key(vlm_plan *p, struct vlm_engine_params *e, const char *key, const char *value, bool *ok,
                            char *why, size_t why_len) {
    bool remote = e->remote.n_urls > 0;
    const char **field = NULL;
    if (strcmp(key, "images") == 0) { /* an images endpoint: the model draws generate cases */
        *ok = url_ok("images", value, why, why_len);
        if (*ok) e->images_url = arena_strdup(&p->arena, value);
        return true;
    }
    if (strcmp(key, "url") == 0 && remote) {
        *ok = add_url(p, e, value, why, why_len);
        return true;
    }
    if (remote && host_key(p, &e->remote, key, value, ok, why, why_len)) return true;
    if (strcmp(key, "mmproj") == 0 && !remote) field = &e->mmproj_path;
    else if (strcmp(key, "model") == 0 && remote) field = &e->remote.model_id;
    else if (strcmp(key, "key_env") == 0 && remote) field = &e->remote.key_env;
    if (!field) return false;
    *ok = value[0] != '\0';
    if (!*ok) snprintf(why, why_len, "%s= needs a %s", key, field == &e->mmproj_path ? "file path" : "value");
    else *field = arena_strdup(&p->arena, value);
    return true;
}

/* ------------------------------------------------------------ variants */

/* Add variant `type` of the model at index ref: model NAME:TYPE with the
 * reference's settings, its files given, or made beside the reference's model
 * by vlm_quantize when the run starts (model NULL). */
static bool add_variant(vlm_plan *p, int ref, const char *given, const char *model, const char *mmproj, char *why,
                        size_t why_len) {
    const char *type = vlm_quant_type_named(given);
    if (!type) {
        char list[512] = "";
        for (int i = 0; i < vlm_quant_n_types(); i++) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", vlm_quant_type(i));
        }
        snprintf(why, why_len, "unknown variant type '%s' (known: %s)", given, list);
        return false;
    }
    struct vlm_model_spec r = p->models[ref];
    if (r.engine.remote.n_urls > 0) {
        snprintf(why, why_len, "a remote model has no variants");
        return false;
    }
    char name[256];
    snprintf(name, sizeof name, "%s:%s", r.name, type);
    if (!model_name_ok(name, why, why_len)) return false;
    if (find_model(p, name) >= 0) {
        snprintf(why, why_len, "variant %s given twice", type);
        return false;
    }
    struct vlm_engine_params e = r.engine;
    const char *from = NULL;
    if (!model && hub_is_ref(r.engine.model_path)) {
        snprintf(why, why_len,
                 "variant %s: a model from the hub (hf:) has no local file to quantize; give the "
                 "variant's own file",
                 type);
        return false;
    }
    if (model) e.model_path = arena_strdup(&p->arena, model);
    else {
        e.model_path = arena_take(&p->arena, vlm_quant_path(r.engine.model_path, type, NULL));
        from = r.engine.model_path;
    }
    if (mmproj) e.mmproj_path = arena_strdup(&p->arena, mmproj);
    append_model(p, name, &e);
    struct vlm_model_spec *v = &p->models[p->n_models - 1];
    snprintf(v->family, sizeof v->family, "%s", r.name);
    snprintf(v->variant, sizeof v->variant, "%s", type);
    v->quantize_from = from;
    struct vlm_model_spec *reference = &p->models[ref];
    if (!reference->family[0]) {
        snprintf(reference->family, sizeof reference->family, "%s", reference->name);
        if (!vlm_quant_file_type(reference->engine.model_path, reference->variant, sizeof reference->variant))
            snprintf(reference->variant, sizeof reference->variant, "reference");
    }
    return true;
}

/* "TYPE[:MODEL.gguf[:MMPROJ.gguf]]" of a -m spec's variant= key (edited in place). */
static bool add_variant_spec(vlm_plan *p, int ref, char *text, char *why, size_t why_len) {
    char *model = strchr(text, ':'), *mmproj = NULL;
    if (model) {
        *model++ = '\0';
        if ((mmproj = strchr(model, ':'))) *mmproj++ = '\0';
        if (!model[0] || (mmproj && !mmproj[0])) {
            snprintf(why, why_len, "variant=%s: expected TYPE[:MODEL.gguf[:MMPROJ.gguf]]", text);
            return false;
        }
    }
    return add_variant(p, ref, text, model, mmproj, why, why_len);
}

/* A bit per key of a spec, to refuse a key given twice (url= may repeat):
 * the settings' bits first, then those of the model keys. */
static const char *const MODEL_KEYS[] = {"mmproj", "model", "key_env", "images"};
_Static_assert(N_SETTINGS + sizeof MODEL_KEYS / sizeof MODEL_KEYS[0] <= 64, "one bit per spec key");
static uint64_t key_bit(const char *key, const struct setting *s) {
    if (s) return UINT64_C(1) << (s - settings_table);
    for (size_t i = 0; i < sizeof MODEL_KEYS / sizeof MODEL_KEYS[0]; i++)
        if (strcmp(key, MODEL_KEYS[i]) == 0) return UINT64_C(1) << (N_SETTINGS + i);
    return 0;
}

/* The variant= values of a spec, added once the reference model is. */
struct spec_variants {
    char *v[64];
    int n;
};

/* One "KEY=VALUE" option of a -m spec. */
static bool apply_spec_option(vlm_plan *p, struct vlm_engine_params *e, char *opt, uint64_t *seen,
                              struct spec_variants *sv, char *why, size_t why_len) {
    char *eq = strchr(opt, '=');
    if (!eq) {
        snprintf(why, why_len, "option '%s' needs a value (KEY=VALUE)", opt);
        return false;
    }
    *eq = '\0';
    const char *key = opt, *value = eq + 1;
    if (strcmp(key, "variant") == 0) { /* may repeat */
        if (sv->n >= 64 || !value[0]) {
            snprintf(why, why_len, sv->n >= 64 ? "more than 64 variants" : "variant= needs a type");
            return false;
        }
        sv->v[sv->n++] = eq + 1;
        return true;
    }
    const struct setting *s = find_setting(key);
    uint64_t bit = key_bit(key, s);
    if (*seen & bit) {
        snprintf(why, why_len, "%s given twice", key);
        return false;
    }
    *seen |= bit;
    bool ok = true;
    if (apply_model_key(p, e, key, value, &ok, why, why_len)) return ok;
    if (!s) {
        const char *keys[N_SETTINGS + 1];
        char known[400];
        snprintf(known, sizeof known, "%s",
                 e->remote.n_urls ? "model, key_env, url, images, metrics, gpu, gpus" : "mmproj, variant, images");
        setting_keys(keys);
        join_names(known, sizeof known, keys);
        snprintf(why, why_len, "unknown option '%s' (known: %s)", key, known);
        return false;
    }
    char because[160];
    if (apply_setting(p, e, s, value, because, sizeof because)) return true;
    snprintf(why, why_len, "%s %s", key, because);
    return false;
}

/* A parsed spec is complete: a remote model has its model id. (A local model
 * without mmproj= is text-only: docs/plan-format.md.) */
static bool spec_complete(const struct vlm_engine_params *e, char *why, size_t why_len) {
    if (e->remote.n_urls > 0 && !e->remote.model_id) {
        snprintf(why, why_len, "missing model=ID (the model name the server knows)");
        return false;
    }
    return true;
}

/* Parse "NAME=MODEL,mmproj=...,KEY=VALUE..." or "NAME=URL,model=ID,..." (edited
 * in place) into name and e. */
static bool parse_spec(vlm_plan *p, char *spec, const char **name, struct vlm_engine_params *e,
                       struct spec_variants *sv, char *why, size_t why_len) {
    char *eq = strchr(spec, '=');
    if (!eq) {
        snprintf(why, why_len, "expected NAME=MODEL.gguf,mmproj=MMPROJ.gguf");
        return false;
    }
    *eq = '\0';
    *name = spec;
    if (!model_name_ok(spec, why, why_len)) return false;
    char *rest = eq + 1, *save = NULL;
    char *model = strtok_r(rest, ",", &save);
    if (!model || rest[0] == ',' || strchr(model, '=')) {
        snprintf(why, why_len, "missing model path after '%s='", spec);
        return false;
    }
    e->model_path = NULL;
    e->mmproj_path = NULL;
    if (is_url(model)) {
        if (!add_url(p, e, model, why, why_len)) return false;
    } else if (hub_is_ref(model) && !hub_ref_ok(model, why, why_len)) return false;
    else e->model_path = arena_strdup(&p->arena, model);
    uint64_t seen = 0;
    for (char *opt = strtok_r(NULL, ",", &save); opt;) {
        char *next = strtok_r(NULL, ",", &save);
        /* rpc=HOST:PORT,HOST:PORT: the servers after the first are the options without '=' */
        while (next && !strncmp(opt, "rpc=", 4) && !strchr(next, '=') && next == opt + strlen(opt) + 1) {
            next[-1] = ',';
            next = strtok_r(NULL, ",", &save);
        }
        if (!apply_spec_option(p, e, opt, &seen, sv, why, why_len)) return false;
        opt = next;
    }
    if (!spec_complete(e, why, why_len)) return false;
    if (find_model(p, spec) >= 0) {
        snprintf(why, why_len, "a model named '%s' is already in the plan", spec);
        return false;
    }
    return true;
}

/* The spec as a message may show it: each comma-separated part holding a URL
 * with its credentials hidden (redact_url). */
static void redact_spec(const char *spec, char *out, size_t len) {
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = spec; *p && o + 1 < len;) {
        size_t n = strcspn(p, ",");
        char part[1024], shown[1024];
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        if (!strstr(part, "://") || !redact_url(part, shown, sizeof shown)) snprintf(shown, sizeof shown, "%s", part);
        o += (size_t)snprintf(out + o, len - o, "%s%s", shown, p[n] ? "," : "");
        p += n + (p[n] ? 1 : 0);
    }
}

int vlm_plan_add_model_spec(vlm_plan *p, const char *spec, char *err, size_t err_len) {
    char *copy = xstrdup(spec);
    struct vlm_engine_params e = p->defaults;
    const char *name = NULL;
    char why[512];
    struct spec_variants sv = {{0}, 0};
    int before = p->n_models;
    bool ok = parse_spec(p, copy, &name, &e, &sv, why, sizeof why);
    if (ok) append_model(p, name, &e);
    for (int i = 0, ref = p->n_models - 1; ok && i < sv.n; i++) ok = add_variant_spec(p, ref, sv.v[i], why, sizeof why);
    if (!ok) {
        p->n_models = before; /* a spec is added whole or not at all */
        char shown[2048];
        redact_spec(spec, shown, sizeof shown);
        util_errf(err, err_len, "-m '%s': %s", shown, why);
    }
    free(copy);
    return ok ? VLM_OK : VLM_ERR_INPUT;
}

/* ------------------------------------------------------------ YAML */

/* What walking one plan document needs. */
struct yaml_ctx {
    vlm_plan *p;
    yaml_document_t *doc;
    const char *file; /* the plan file, as given */
    const char *dir;  /* its folder: relative paths resolve against it */
    char *err;
    size_t err_len;
};

static int yaml_fail(struct yaml_ctx *y, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int yaml_fail(struct yaml_ctx *y, const yaml_node_t *at, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    util_errf(y->err, y->err_len, "%s:%zu: %s", y->file, at->start_mark.line + 1, msg);
    return VLM_ERR_INPUT;
}

static yaml_node_t *yaml_node(struct yaml_ctx *y, int index) { return yaml_document_get_node(y->doc, index); }

static const char *scalar_text(const yaml_node_t *n) {
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* An empty plain value (`key:`, `~`, `null`): treated as "nothing here". */
static bool is_null(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
    const char *t = scalar_text(n);
    return !t[0] || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

static const char *kind_name(const yaml_node_t *n) {
    if (n->type == YAML_SEQUENCE_NODE) return "a list";
    if (n->type == YAML_MAPPING_NODE) return "a mapping";
    return is_null(n) ? "empty" : "a single value";
}

#define EACH_PAIR(n, pair) \
    for (yaml_node_pair_t *pair = (n)->data.mapping.pairs.start; pair < (n)->data.mapping.pairs.top; pair++)
#define EACH_ITEM(n, item) \
    for (yaml_node_item_t *item = (n)->data.sequence.items.start; item < (n)->data.sequence.items.top; item++)

/* Every key of mapping `n` is a known one, given once; `where` names `n`. */
static int check_keys(struct yaml_ctx *y, yaml_node_t *n, const char *const *known, const char *where) {
    EACH_PAIR(n, pair) {
        yaml_node_t *k = yaml_node(y, pair->key);
        const char *key = scalar_text(k);
        if (!key) return yaml_fail(y, k, "a key in %s is not a plain name", where);
        bool ok = false;
        for (const char *const *kn = known; *kn && !ok; kn++) ok = strcmp(*kn, key) == 0;
        if (!ok) {
            char list[256] = "";
            join_names(list, sizeof list, known);
            return yaml_fail(y, k, "unknown key '%s' in %s (known: %s)", key, where, list);
        }
        for (yaml_node_pair_t *prev = n->data.mapping.pairs.start; prev < pair; prev++)
            if (strcmp(scalar_text(yaml_node(y, prev->key)), key) == 0)
                return yaml_fail(y, k, "key '%s' given twice in %s", key, where);
    }
    return VLM_OK;
}

static yaml_node_t *mapping_value(struct yaml_ctx *y, yaml_node_t *n, const char *key) {
    EACH_PAIR(n, pair) {
        const char *k = scalar_text(yaml_node(y, pair->key));
        if (k && strcmp(k, key) == 0) return yaml_node(y, pair->value);
    }
    return NULL;
}

/* A non-empty string value; `what` names it in the message. */
static int yaml_string(struct yaml_ctx *y, yaml_node_t *n, const char *what, const char **out) {
    const char *t = scalar_text(n);
    if (!t || is_null(n)) return yaml_fail(y, n, "%s must be a string, not %s", what, kind_name(n));
    if (!t[0]) return yaml_fail(y, n, "%s must not be empty", what);
    *out = t;
    return VLM_OK;
}

/* `rel` resolved against the plan's folder, owned by the plan. */
static const char *plan_path(struct yaml_ctx *y, const char *rel) {
    if (rel[0] == '/' || strcmp(y->dir, ".") == 0) return arena_strdup(&y->p->arena, rel);
    return arena_take(&y->p->arena, util_path_join(y->dir, rel));
}

static int yaml_path(struct yaml_ctx *y, yaml_node_t *n, const char *what, const char **out) {
    const char *t = NULL;
    if (yaml_string(y, n, what, &t) != VLM_OK) return VLM_ERR_INPUT;
    *out = plan_path(y, t);
    return VLM_OK;
}

/* Apply a `settings` mapping to `e`; `where` is its name ("settings", ...). */
static int yaml_settings(struct yaml_ctx *y, yaml_node_t *n, struct vlm_engine_params *e, const char *where) {
    if (is_null(n)) return VLM_OK;
    if (n->type != YAML_MAPPING_NODE)
        return yaml_fail(y, n, "%s must be a mapping (key: value), not %s", where, kind_name(n));
    const char *known[N_SETTINGS + 1];
    setting_keys(known);
    if (check_keys(y, n, known, where) != VLM_OK) return VLM_ERR_INPUT;
    EACH_PAIR(n, pair) {
        const char *key = scalar_text(yaml_node(y, pair->key));
        yaml_node_t *v = yaml_node(y, pair->value);
        const struct setting *s = find_setting(key);
        char why[256];
        if (v->type != YAML_SCALAR_NODE || is_null(v)) {
            char want[64];
            describe_setting(s, want, sizeof want);
            return yaml_fail(y, v, "%s.%s must be %s, not %s", where, key, want, kind_name(v));
        }
        if (!apply_setting(y->p, e, s, scalar_text(v), why, sizeof why))
            return yaml_fail(y, v, "%s.%s %s", where, key, why);
    }
    return VLM_OK;
}

static int yaml_suite(struct yaml_ctx *y, yaml_node_t *n, const char *what) {
    const char *path = NULL;
    if (yaml_path(y, n, what, &path) != VLM_OK) return VLM_ERR_INPUT;
    append_suite(y->p, path);
    return VLM_OK;
}

/* `suites`: a list of files, or one file. */
static int yaml_suites(struct yaml_ctx *y, yaml_node_t *n) {
    if (is_null(n)) return VLM_OK;
    if (n->type == YAML_SCALAR_NODE) return yaml_suite(y, n, "suites");
    if (n->type != YAML_SEQUENCE_NODE) return yaml_fail(y, n, "suites must be a list of files, not %s", kind_name(n));
    int i = 0;
    EACH_ITEM(n, item) {
        char what[32];
        snprintf(what, sizeof what, "suites[%d]", i++);
        if (yaml_suite(y, yaml_node(y, *item), what) != VLM_OK) return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* A required key of models[i]: its value node, or an error at the mapping. */
static yaml_node_t *required(struct yaml_ctx *y, yaml_node_t *m, const char *key, const char *where) {
    yaml_node_t *v = mapping_value(y, m, key);
    if (!v) yaml_fail(y, m, "missing '%s' in %s", key, where);
    return v;
}

/* `url: U` or `urls: [U, ...]` of a remote model. */
static int yaml_urls(struct yaml_ctx *y, yaml_node_t *m, const char *where, struct vlm_engine_params *e) {
    yaml_node_t *one = mapping_value(y, m, "url"), *list = mapping_value(y, m, "urls");
    char what[64], why[256];
    if (one && list) return yaml_fail(y, one, "%s: give url or urls, not both", where);
    if (one) {
        const char *u = NULL;
        snprintf(what, sizeof what, "%s.url", where);
        if (yaml_string(y, one, what, &u) != VLM_OK) return VLM_ERR_INPUT;
        return add_url(y->p, e, u, why, sizeof why) ? VLM_OK : yaml_fail(y, one, "%s: %s", what, why);
    }
    if (list->type != YAML_SEQUENCE_NODE)
        return yaml_fail(y, list, "%s.urls must be a list of URLs, not %s", where, kind_name(list));
    int i = 0;
    EACH_ITEM(list, item) {
        yaml_node_t *n = yaml_node(y, *item);
        const char *u = NULL;
        snprintf(what, sizeof what, "%s.urls[%d]", where, i++);
        if (yaml_string(y, n, what, &u) != VLM_OK) return VLM_ERR_INPUT;
        if (!add_url(y->p, e, u, why, sizeof why)) return yaml_fail(y, n, "%s: %s", what, why);
    }
    if (e->remote.n_urls == 0) return yaml_fail(y, list, "%s.urls is empty", where);
    return VLM_OK;
}

/* The remote part of a model: urls, model_id (required), key_env. */
static int yaml_remote(struct yaml_ctx *y, yaml_node_t *m, const char *where, struct vlm_engine_params *e) {
    if (mapping_value(y, m, "model") || mapping_value(y, m, "mmproj"))
        return yaml_fail(y, m, "%s: a remote model (url) takes model_id, not model/mmproj", where);
    if (yaml_urls(y, m, where, e) != VLM_OK) return VLM_ERR_INPUT;
    yaml_node_t *id = required(y, m, "model_id", where), *key = mapping_value(y, m, "key_env");
    char what[64];
    snprintf(what, sizeof what, "%s.model_id", where);
    const char *text = NULL;
    if (!id || yaml_string(y, id, what, &text) != VLM_OK) return VLM_ERR_INPUT;
    e->remote.model_id = arena_strdup(&y->p->arena, text);
    snprintf(what, sizeof what, "%s.key_env", where);
    if (key && yaml_string(y, key, what, &text) != VLM_OK) return VLM_ERR_INPUT;
    if (key) e->remote.key_env = arena_strdup(&y->p->arena, text);
    static const char *const host_keys[] = {"metrics", "gpu", "gpus", NULL}; /* host_key() */
    for (const char *const *k = host_keys; *k; k++) {
        yaml_node_t *n = mapping_value(y, m, *k);
        char why[256];
        bool ok = true;
        snprintf(what, sizeof what, "%s.%s", where, *k);
        if (n && yaml_string(y, n, what, &text) != VLM_OK) return VLM_ERR_INPUT;
        if (n && host_key(y->p, &e->remote, *k, text, &ok, why, sizeof why) && !ok)
            return yaml_fail(y, n, "%s: %s", what, why);
    }
    return VLM_OK;
}

/* The local part of a model: the model file and its mmproj (none: a text-only
 * model), or a model from the hub, model: hf:OWNER/REPO[:QUANT], whose mmproj
 * comes with it unless given (none in the repository: text-only). */
static int yaml_local(struct yaml_ctx *y, yaml_node_t *m, const char *where, struct vlm_engine_params *e) {
    if (mapping_value(y, m, "model_id") || mapping_value(y, m, "key_env") || mapping_value(y, m, "metrics") ||
        mapping_value(y, m, "gpu") || mapping_value(y, m, "gpus"))
        return yaml_fail(y, m, "%s: model_id, key_env, metrics, gpu and gpus are for remote models (url)", where);
    yaml_node_t *model_n = required(y, m, "model", where), *mmproj_n;
    char what[64], why[512];
    const char *text = NULL;
    snprintf(what, sizeof what, "%s.model", where);
    if (!model_n || yaml_string(y, model_n, what, &text) != VLM_OK) return VLM_ERR_INPUT;
    bool hub = hub_is_ref(text);
    if (hub && !hub_ref_ok(text, why, sizeof why)) return yaml_fail(y, model_n, "%s: %s", what, why);
    e->model_path = hub ? arena_strdup(&y->p->arena, text) : plan_path(y, text);
    mmproj_n = mapping_value(y, m, "mmproj");
    snprintf(what, sizeof what, "%s.mmproj", where);
    return mmproj_n ? yaml_path(y, mmproj_n, what, &e->mmproj_path) : VLM_OK;
}

/* One entry of `variants`: TYPE (made on demand), or TYPE: MODEL, or
 * TYPE: {model: MODEL, mmproj: MMPROJ}. */
static int yaml_variant(struct yaml_ctx *y, int ref, yaml_node_t *type_n, yaml_node_t *files, const char *where) {
    const char *type = NULL, *model = NULL, *mmproj = NULL;
    char what[96], why[512];
    if (yaml_string(y, type_n, where, &type) != VLM_OK) return VLM_ERR_INPUT;
    snprintf(what, sizeof what, "%s.%s", where, type);
    if (files && files->type == YAML_MAPPING_NODE) {
        static const char *const known[] = {"model", "mmproj", NULL};
        if (check_keys(y, files, known, what) != VLM_OK) return VLM_ERR_INPUT;
        yaml_node_t *mn = mapping_value(y, files, "model"), *pn = mapping_value(y, files, "mmproj");
        if (mn && yaml_path(y, mn, what, &model) != VLM_OK) return VLM_ERR_INPUT;
        if (pn && yaml_path(y, pn, what, &mmproj) != VLM_OK) return VLM_ERR_INPUT;
    } else if (files && !is_null(files) && yaml_path(y, files, what, &model) != VLM_OK) {
        return VLM_ERR_INPUT;
    }
    if (!add_variant(y->p, ref, type, model, mmproj, why, sizeof why))
        return yaml_fail(y, type_n, "%s: %s", where, why);
    return VLM_OK;
}

/* `variants`: a list of types, or a mapping of type to files. */
static int yaml_variants(struct yaml_ctx *y, int ref, yaml_node_t *n, const char *where) {
    char what[64];
    snprintf(what, sizeof what, "%s.variants", where);
    if (is_null(n)) return VLM_OK;
    if (n->type == YAML_SEQUENCE_NODE) {
        EACH_ITEM(n, item) if (yaml_variant(y, ref, yaml_node(y, *item), NULL, what) != VLM_OK) return VLM_ERR_INPUT;
        return VLM_OK;
    }
    if (n->type != YAML_MAPPING_NODE)
        return yaml_fail(y, n, "%s must be a list of types or a mapping of type to files, not %s", what, kind_name(n));
    EACH_PAIR(n, pair)
    if (yaml_variant(y, ref, yaml_node(y, pair->key), yaml_node(y, pair->value), what) != VLM_OK) return VLM_ERR_INPUT;
    return VLM_OK;
}

/* `images: URL` of a model: its images endpoint (docs/remote.md). */
static int yaml_images(struct yaml_ctx *y, yaml_node_t *m, const char *where, struct vlm_engine_params *e) {
    yaml_node_t *n = mapping_value(y, m, "images");
    if (!n) return VLM_OK;
    char what[64];
    const char *text = NULL;
    snprintf(what, sizeof what, "%s.images", where);
    if (yaml_string(y, n, what, &text) != VLM_OK) return VLM_ERR_INPUT;
    char why[1400];
    if (!url_ok(what, text, why, sizeof why)) return yaml_fail(y, n, "%s", why);
    e->images_url = arena_strdup(&y->p->arena, text);
    return VLM_OK;
}

/* ------------------------------------------------------------ sweeps */

/* The keys a model's `sweep:` takes (docs/plan-format.md, "Sweeps") and the tag
 * a value gets in a row's name: a number key's tag is prefix + the value as
 * written (img512, t0.7); a text key (system, prompt_suffix) takes a mapping
 * label -> text and its tag is the label. */
struct sweep_key {
    const char *key, *prefix; /* prefix NULL: a text key */
};
static const struct sweep_key sweep_keys[] = {
    {"image_max_tokens", "img"},
    {"image_min_tokens", "imgmin"},
    {"max_pixels", "px"},
    {"max_side", "side"},
    {"system", NULL},
    {"prompt_suffix", NULL},
    {"temp", "t"},
    {"top_p", "p"},
    {"top_k", "k"},
    {"min_p", "minp"},
    {"repeat_penalty", "rp"},
    {"seed", "s"},
    {"max_tokens", "max"},
};
#define N_SWEEP_KEYS   (sizeof sweep_keys / sizeof sweep_keys[0])
#define SWEEP_MAX_ROWS 64

/* One value of a swept key: the setting's text (NULL: a text key's empty
 * text, the setting left unset) and its tag in the row's name. */
struct sweep_value {
    const char *text, *tag;
};
struct sweep_dim {
    const struct sweep_key *k;
    const struct setting *s;
    struct sweep_value v[SWEEP_MAX_ROWS];
    int n;
};

/* A label of a text key's value: a name part, so letters, digits, . _ - only. */
static bool sweep_label_ok(const char *t) {
    if (!t || !t[0]) return false;
    for (const char *c = t; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("._-", *c)))
            return false;
    return true;
}

/* A number key's list: each value is checked as the setting checks it. */
static int sweep_numbers(struct yaml_ctx *y, yaml_node_t *n, struct sweep_dim *d, const char *what) {
    if (n->type != YAML_SEQUENCE_NODE)
        return yaml_fail(y, n, "%s must be a list of values, not %s", what, kind_name(n));
    EACH_ITEM(n, item) {
        yaml_node_t *v = yaml_node(y, *item);
        struct vlm_engine_params scratch = y->p->defaults;
        char why[256];
        if (v->type != YAML_SCALAR_NODE || is_null(v))
            return yaml_fail(y, v, "%s: each value must be a single value, not %s", what, kind_name(v));
        if (!apply_setting(y->p, &scratch, d->s, scalar_text(v), why, sizeof why))
            return yaml_fail(y, v, "%s %s", what, why);
        if (d->n >= SWEEP_MAX_ROWS) return yaml_fail(y, v, "%s has more than %d values", what, SWEEP_MAX_ROWS);
        d->v[d->n].text = arena_strdup(&y->p->arena, scalar_text(v));
        d->v[d->n++].tag = arena_take(&y->p->arena, xasprintf("%s%s", d->k->prefix, scalar_text(v)));
    }
    return VLM_OK;
}

/* A text key's mapping label -> text; an empty text leaves the setting unset. */
static int sweep_texts(struct yaml_ctx *y, yaml_node_t *n, struct sweep_dim *d, const char *what) {
    if (n->type != YAML_MAPPING_NODE)
        return yaml_fail(y, n, "%s must be a mapping of label to text (plain: \"\", zh: \"...\"), not %s", what,
                         kind_name(n));
    EACH_PAIR(n, pair) {
        yaml_node_t *k = yaml_node(y, pair->key), *v = yaml_node(y, pair->value);
        const char *label = scalar_text(k), *text = scalar_text(v);
        if (!sweep_label_ok(label))
            return yaml_fail(y, k, "%s: label '%s' may hold only letters, digits and . _ -", what, label ? label : "");
        if (!text) return yaml_fail(y, v, "%s.%s must be a text, not %s", what, label, kind_name(v));
        if (d->n >= SWEEP_MAX_ROWS) return yaml_fail(y, v, "%s has more than %d values", what, SWEEP_MAX_ROWS);
        d->v[d->n].text = text[0] && !is_null(v) ? arena_strdup(&y->p->arena, text) : NULL;
        d->v[d->n++].tag = arena_strdup(&y->p->arena, label);
    }
    return VLM_OK;
}

/* The `seeds` key of a sweep: how many seeds each combination whose temp is
 * above 0 is run with (docs/plan-format.md, "Sweeps"). */
#define SWEEP_SEEDS_MIN 2
#define SWEEP_SEEDS_MAX 16

/* Read `seeds: N`, an integer from SWEEP_SEEDS_MIN to SWEEP_SEEDS_MAX. */
static int sweep_seeds(struct yaml_ctx *y, yaml_node_t *n, int *n_seeds, const char *what) {
    const char *t = n->type == YAML_SCALAR_NODE && !is_null(n) ? scalar_text(n) : NULL;
    char *end = NULL;
    errno = 0;
    long v = t ? strtol(t, &end, 10) : 0;
    if (!t)
        return yaml_fail(y, n, "%s must be an integer from %d to %d, not %s", what, SWEEP_SEEDS_MIN, SWEEP_SEEDS_MAX,
                         kind_name(n));
    if (errno || end == t || *end || v < SWEEP_SEEDS_MIN || v > SWEEP_SEEDS_MAX)
        return yaml_fail(y, n, "%s must be an integer from %d to %d, not '%s'", what, SWEEP_SEEDS_MIN, SWEEP_SEEDS_MAX,
                         t);
    *n_seeds = (int)v;
    return VLM_OK;
}

/* Read the `sweep` mapping into dims, in the order its keys are written, and
 * its `seeds` (0 when not given) into *n_seeds. */
static int sweep_dims(struct yaml_ctx *y, yaml_node_t *n, struct sweep_dim *dims, int *n_dims, int *n_seeds,
                      const char *where) {
    if (n->type != YAML_MAPPING_NODE)
        return yaml_fail(y, n, "%s must be a mapping of setting to values, not %s", where, kind_name(n));
    const char *known[N_SWEEP_KEYS + 2];
    for (size_t i = 0; i < N_SWEEP_KEYS; i++) known[i] = sweep_keys[i].key;
    known[N_SWEEP_KEYS] = "seeds";
    known[N_SWEEP_KEYS + 1] = NULL;
    if (check_keys(y, n, known, where) != VLM_OK) return VLM_ERR_INPUT;
    *n_dims = *n_seeds = 0;
    yaml_node_t *seeds_at = NULL;
    bool seed_swept = false;
    EACH_PAIR(n, pair) {
        const char *key = scalar_text(yaml_node(y, pair->key));
        yaml_node_t *v = yaml_node(y, pair->value);
        bool seeds = strcmp(key, "seeds") == 0; /* check_keys: a plain key */
        char what[96];
        snprintf(what, sizeof what, "%s.%s", where, key);
        if (seeds) {
            if (sweep_seeds(y, v, n_seeds, what) != VLM_OK) return VLM_ERR_INPUT;
            seeds_at = yaml_node(y, pair->key);
            continue;
        }
        struct sweep_dim *d = &dims[(*n_dims)++];
        memset(d, 0, sizeof *d);
        for (size_t i = 0; i < N_SWEEP_KEYS; i++)
            if (strcmp(sweep_keys[i].key, key) == 0) d->k = &sweep_keys[i];
        d->s = find_setting(key);
        seed_swept |= strcmp(key, "seed") == 0;
        if ((d->k->prefix ? sweep_numbers(y, v, d, what) : sweep_texts(y, v, d, what)) != VLM_OK) return VLM_ERR_INPUT;
        if (d->n == 0) return yaml_fail(y, v, "%s is empty: give at least one value", what);
    }
    if (seeds_at && seed_swept)
        return yaml_fail(y, seeds_at, "%s: give seeds (how many) or a seed list, not both", where);
    if (*n_dims == 0 && !seeds_at) return yaml_fail(y, n, "%s is empty: give at least one setting to sweep", where);
    return VLM_OK;
}

/* The settings and name of the combination whose value indexes are `at`:
 * NAME@TAG1+TAG2... in the sweep's key order (no tag with no dims). */
static void sweep_combination(vlm_plan *p, const char *name, const struct vlm_engine_params *e,
                              const struct sweep_dim *dims, int n_dims, const int *at, struct vlm_engine_params *r,
                              char *row_name, size_t len) {
    char why[256];
    *r = *e;
    snprintf(row_name, len, "%s", name);
    for (int i = 0; i < n_dims; i++) {
        const struct sweep_value *v = &dims[i].v[at[i]];
        size_t used = strlen(row_name);
        snprintf(row_name + used, len - used, "%c%s", i == 0 ? '@' : '+', v->tag);
        if (!dims[i].k->prefix) *(const char **)((char *)r + dims[i].s->offset) = v->text;
        else apply_setting(p, r, dims[i].s, v->text, why, sizeof why); /* checked when read */
    }
}

/* Step the value indexes to the next combination, the last key fastest (an
 * odometer); false after the last one. */
static bool sweep_next(int *at, const struct sweep_dim *dims, int n_dims) {
    for (int i = n_dims - 1; i >= 0; i--) {
        if (++at[i] < dims[i].n) return true;
        at[i] = 0;
    }
    return false;
}

/* The rows one combination gives: n_seeds when seeds are asked for and it
 * samples (temp > 0), else one (greedy decoding does not depend on the seed). */
static int seed_rows(const struct vlm_engine_params *r, int n_seeds) {
    return n_seeds > 0 && r->sampling.temp > 0 ? n_seeds : 1;
}

/* Add one row of the sweep; refused when its name is bad or already taken. */
static int sweep_add(struct yaml_ctx *y, yaml_node_t *n, const char *row_name, const struct vlm_engine_params *r,
                     const char *where) {
    char why[256];
    if (!model_name_ok(row_name, why, sizeof why)) return yaml_fail(y, n, "%s: %s", where, why);
    if (find_model(y->p, row_name) >= 0)
        return yaml_fail(y, n, "%s: row '%s' is already a model of the plan (a value given twice?)", where, row_name);
    append_model(y->p, row_name, r);
    return VLM_OK;
}

/* Add the rows of one combination: itself, or with seeds one row per seed
 * seed0, seed0 + 1, ... (seed0: its `seed` setting), tagged sK after its tags
 * (`tagged`: the name has tags already, so sK follows a '+', else the '@'). */
static int sweep_add_seeds(struct yaml_ctx *y, yaml_node_t *n, const char *row_name, bool tagged,
                           struct vlm_engine_params *r, int n_seeds, const char *where) {
    int k = seed_rows(r, n_seeds);
    if (k == 1) return sweep_add(y, n, row_name, r, where);
    uint32_t seed0 = r->sampling.seed;
    if (seed0 > UINT32_MAX - (uint32_t)(k - 1))
        return yaml_fail(y, n, "%s: seeds from seed %u pass %u; set a smaller seed", where, seed0, UINT32_MAX);
    for (int i = 0; i < k; i++) {
        char seeded[540]; /* the row's name, "+s" and the seed */
        r->sampling.seed = seed0 + (uint32_t)i;
        snprintf(seeded, sizeof seeded, "%s%cs%u", row_name, tagged ? '+' : '@', r->sampling.seed);
        if (sweep_add(y, n, seeded, r, where) != VLM_OK) return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* Expand model `name` (settings e) into one model per combination of the
 * sweep's values: the first key changes slowest, the last fastest, values in
 * the order written; with `seeds`, a sampling combination gives a row per seed.
 * Row name: NAME@TAG1+TAG2...[+sK] in the sweep's key order. */
static int yaml_sweep(struct yaml_ctx *y, yaml_node_t *n, const char *name, const struct vlm_engine_params *e,
                      const char *where) {
    struct sweep_dim *dims = xcalloc(N_SWEEP_KEYS, sizeof *dims);
    int n_dims = 0, n_seeds = 0, rc = sweep_dims(y, n, dims, &n_dims, &n_seeds, where);
    long rows = 1;
    for (int i = 0; i < n_dims && rc == VLM_OK; i++) /* capped: 13 keys of 64 values would overflow */
        rows = rows * dims[i].n > 1000000 ? 1000000 : rows * dims[i].n;
    int at[N_SWEEP_KEYS] = {0}; /* the value index of each key in the current row */
    struct vlm_engine_params r;
    char row_name[512];
    bool more = rc == VLM_OK && rows <= SWEEP_MAX_ROWS && n_seeds > 0; /* count the seed rows too */
    if (more) rows = 0;
    while (more) {
        sweep_combination(y->p, name, e, dims, n_dims, at, &r, row_name, sizeof row_name);
        rows += seed_rows(&r, n_seeds);
        more = sweep_next(at, dims, n_dims); /* false: back at the first combination */
    }
    if (rc == VLM_OK && rows > SWEEP_MAX_ROWS)
        rc = yaml_fail(y, n, "%s gives %s%ld rows; at most %d (fewer values or seeds, or split the model)", where,
                       rows == 1000000 ? "over " : "", rows, SWEEP_MAX_ROWS);
    more = rc == VLM_OK;
    while (more) {
        sweep_combination(y->p, name, e, dims, n_dims, at, &r, row_name, sizeof row_name);
        rc = sweep_add_seeds(y, n, row_name, n_dims > 0, &r, n_seeds, where);
        more = rc == VLM_OK && sweep_next(at, dims, n_dims);
    }
    free(dims);
    return rc;
}

static int yaml_model(struct yaml_ctx *y, yaml_node_t *m, const char *where) {
    static const char *const known[] = {"name",  "model",    "mmproj",  "settings", "url",
                                        "urls",  "model_id", "key_env", "variants", "images",
                                        "sweep", "metrics",  "gpu",     "gpus",     NULL};
    if (m->type != YAML_MAPPING_NODE)
        return yaml_fail(y, m, "%s must be a mapping (name, model, mmproj), not %s", where, kind_name(m));
    if (check_keys(y, m, known, where) != VLM_OK) return VLM_ERR_INPUT;
    yaml_node_t *name_n = required(y, m, "name", where);
    if (!name_n) return VLM_ERR_INPUT;
    const char *name = NULL;
    char what[64], why[256];
    snprintf(what, sizeof what, "%s.name", where);
    if (yaml_string(y, name_n, what, &name) != VLM_OK) return VLM_ERR_INPUT;
    if (!model_name_ok(name, why, sizeof why)) return yaml_fail(y, name_n, "%s: %s", where, why);
    int other = find_model(y->p, name);
    if (other >= 0) return yaml_fail(y, name_n, "duplicate model name '%s' (models[%d] has it too)", name, other);
    struct vlm_engine_params e = y->p->defaults;
    bool remote = mapping_value(y, m, "url") || mapping_value(y, m, "urls");
    int rc = remote ? yaml_remote(y, m, where, &e) : yaml_local(y, m, where, &e);
    if (rc != VLM_OK) return rc;
    if (yaml_images(y, m, where, &e) != VLM_OK) return VLM_ERR_INPUT;
    yaml_node_t *settings = mapping_value(y, m, "settings");
    snprintf(what, sizeof what, "%s.settings", where);
    if (settings && yaml_settings(y, settings, &e, what) != VLM_OK) return VLM_ERR_INPUT;
    yaml_node_t *variants = mapping_value(y, m, "variants"), *sweep = mapping_value(y, m, "sweep");
    if (sweep && variants) return yaml_fail(y, sweep, "%s: give sweep or variants, not both", where);
    snprintf(what, sizeof what, "%s.sweep", where);
    if (sweep) return yaml_sweep(y, sweep, name, &e, what);
    append_model(y->p, name, &e);
    return variants ? yaml_variants(y, y->p->n_models - 1, variants, where) : VLM_OK;
}

static int yaml_models(struct yaml_ctx *y, yaml_node_t *n) {
    if (is_null(n)) return VLM_OK;
    if (n->type != YAML_SEQUENCE_NODE) return yaml_fail(y, n, "models must be a list, not %s", kind_name(n));
    int i = 0;
    EACH_ITEM(n, item) {
        char where[32];
        snprintf(where, sizeof where, "models[%d]", i++);
        if (yaml_model(y, yaml_node(y, *item), where) != VLM_OK) return VLM_ERR_INPUT;
    }
    return VLM_OK;
}

/* A number scalar into *out; a failure names `what`. */
static int yaml_double(struct yaml_ctx *y, yaml_node_t *n, const char *what, double *out) {
    const char *t = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
    char *end = NULL;
    errno = 0;
    double v = strtod(t, &end);
    if (!t[0] || errno || *end || !isfinite(v)) return yaml_fail(y, n, "%s must be a number, not '%s'", what, t);
    *out = v;
    return VLM_OK;
}

/* `decide:` (docs/plan-format.md, "Deciding early"): `true`, or a mapping of
 * alpha, seed, escalate and screen; either turns deciding on. */
static int yaml_decide(struct yaml_ctx *y, yaml_node_t *n) {
    struct vlm_decide_params *d = &y->p->decide;
    d->on = true;
    if (n->type == YAML_SCALAR_NODE && strcmp((const char *)n->data.scalar.value, "true") == 0) return VLM_OK;
    if (n->type != YAML_MAPPING_NODE)
        return yaml_fail(y, n, "decide must be true or a mapping of alpha, seed, escalate, screen; this is %s",
                         kind_name(n));
    static const char *const known[] = {"alpha", "seed", "escalate", "screen", NULL};
    if (check_keys(y, n, known, "decide") != VLM_OK) return VLM_ERR_INPUT;
    yaml_node_t *v;
    double x;
    if ((v = mapping_value(y, n, "alpha"))) {
        if (yaml_double(y, v, "decide.alpha", &x) != VLM_OK) return VLM_ERR_INPUT;
        if (!(x > 0 && x < 1)) return yaml_fail(y, v, "decide.alpha must be between 0 and 1 (exclusive)");
        d->alpha = x;
    }
    if ((v = mapping_value(y, n, "seed"))) {
        if (yaml_double(y, v, "decide.seed", &x) != VLM_OK) return VLM_ERR_INPUT;
        if (!(x >= 0 && x <= 4294967295.0) || x != floor(x))
            return yaml_fail(y, v, "decide.seed must be a whole number from 0 to 4294967295");
        d->seed = (uint64_t)x;
    }
    if ((v = mapping_value(y, n, "screen"))) {
        if (yaml_double(y, v, "decide.screen", &x) != VLM_OK) return VLM_ERR_INPUT;
        if (!(x > 0 && x < 1))
            return yaml_fail(y, v,
                             "decide.screen is the share of cases every model answers first: "
                             "between 0 and 1 (exclusive)");
        d->screen = x;
    }
    if ((v = mapping_value(y, n, "escalate"))) {
        const char *t = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
        if (strcmp(t, "true") && strcmp(t, "false")) return yaml_fail(y, v, "decide.escalate must be true or false");
        d->escalate = strcmp(t, "true") == 0;
    }
    return VLM_OK;
}

/* The top-level mapping; settings first, since models start from them. */
static int yaml_plan(struct yaml_ctx *y, yaml_node_t *root) {
    static const char *const known[] = {"db",      "suites", "settings", "models", "requirements",
                                        "catalog", "gpu",    "decide",   NULL};
    if (root->type != YAML_MAPPING_NODE)
        return yaml_fail(y, root,
                         "a plan must be a mapping with keys db, suites, settings, "
                         "models; this is %s",
                         kind_name(root));
    if (check_keys(y, root, known, "the plan") != VLM_OK) return VLM_ERR_INPUT;
    yaml_node_t *n;
    if ((n = mapping_value(y, root, "settings")) && yaml_settings(y, n, &y->p->defaults, "settings") != VLM_OK)
        return VLM_ERR_INPUT;
    if ((n = mapping_value(y, root, "db")) && !is_null(n) && yaml_path(y, n, "db", &y->p->db) != VLM_OK)
        return VLM_ERR_INPUT;
    const char *gpu = NULL;
    if ((n = mapping_value(y, root, "gpu")) && !is_null(n)) {
        if (yaml_string(y, n, "gpu", &gpu) != VLM_OK) return VLM_ERR_INPUT;
        y->p->gpu = arena_strdup(&y->p->arena, gpu);
    }
    if ((n = mapping_value(y, root, "suites")) && yaml_suites(y, n) != VLM_OK) return VLM_ERR_INPUT;
    if ((n = mapping_value(y, root, "models")) && yaml_models(y, n) != VLM_OK) return VLM_ERR_INPUT;
    /* requirements and catalog are read by the report (vlm_requirements_load);
     * checked here too, so a bad one is found before a long run. */
    if (mapping_value(y, root, "requirements")) {
        if (vlm_requirements_load(y->file, &y->p->req, NULL, 0, y->err, y->err_len) != VLM_OK) return VLM_ERR_INPUT;
        y->p->has_req = true;
    }
    if ((n = mapping_value(y, root, "decide")) && !is_null(n) && yaml_decide(y, n) != VLM_OK) return VLM_ERR_INPUT;
    return VLM_OK;
}

static void syntax_error(const yaml_parser_t *parser, const char *file, char *err, size_t err_len) {
    const char *problem = parser->problem ? parser->problem : "unknown problem";
    if (parser->error == YAML_MEMORY_ERROR) util_errf(err, err_len, "%s: out of memory while reading YAML", file);
    else if (parser->error == YAML_READER_ERROR)
        util_errf(err, err_len, "%s: cannot read YAML: %s (at byte %zu)", file, problem, parser->problem_offset);
    else if (parser->context)
        util_errf(err, err_len, "%s:%zu:%zu: YAML syntax error: %s (%s at line %zu)", file,
                  parser->problem_mark.line + 1, parser->problem_mark.column + 1, problem, parser->context,
                  parser->context_mark.line + 1);
    else
        util_errf(err, err_len, "%s:%zu:%zu: YAML syntax error: %s", file, parser->problem_mark.line + 1,
                  parser->problem_mark.column + 1, problem);
}

/* Parse the file into `doc`; false with a message on a read or syntax error. */
static bool load_document(const char *path, yaml_document_t *doc, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        f = NULL;
        errno = EISDIR;
    }
    if (!f) {
        util_errf(err, err_len, "cannot open plan '%s': %s", path, strerror(errno));
        return false;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    bool ok = yaml_parser_load(&parser, doc) != 0;
    if (!ok) syntax_error(&parser, path, err, err_len);
    yaml_parser_delete(&parser);
    fclose(f);
    return ok;
}

vlm_plan *vlm_plan_load(const char *path, char *err, size_t err_len) {
    yaml_document_t doc;
    if (!load_document(path, &doc, err, err_len)) return NULL;
    vlm_plan *p = vlm_plan_new();
    char *dir = util_dirname(path);
    struct yaml_ctx y = {.p = p, .doc = &doc, .file = path, .dir = dir, .err = err, .err_len = err_len};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int rc = VLM_OK;
    if (!root) {
        util_errf(err, err_len, "%s: the plan is empty", path);
        rc = VLM_ERR_INPUT;
    } else {
        rc = yaml_plan(&y, root);
    }
    free(dir);
    yaml_document_delete(&doc);
    if (rc == VLM_OK) return p;
    vlm_plan_free(p);
    return NULL;
}
