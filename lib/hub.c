/*
 * hub.c - models by name from the Hugging Face hub ("hf:OWNER/REPO[:QUANT]"):
 * the repository's files from the hub API, the model and projector llama.cpp's
 * -hf would pick, downloads with HTTP range resume and the published sha256
 * checked, and the cache layout llama.cpp uses (models--OWNER--REPO/refs,
 * blobs/OID, snapshots/COMMIT/PATH as a link to the blob), so vlmeter and
 * llama.cpp's tools share files. docs/hub.md cites the llama.cpp functions
 * each part follows.
 */
#include "hub.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "remote_req.h"
#include "util.h"
#include "vlmeter.h"

#define HUB_ATTEMPTS   3 /* tries per file, as llama.cpp (common_download_file_single_online) */
#define HUB_FIRST_WAIT 2 /* seconds before the second try, doubled after */

/* ------------------------------------------------------------ sha256 */

struct sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
};

static const uint32_t SHA_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t sha_rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha_init(struct sha256 *s) {
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, H0, sizeof H0);
    s->bytes = 0;
    s->fill = 0;
}

/* One 64-byte block into the state (FIPS 180-4, 6.2.2). */
static void sha_block(struct sha256 *s, const unsigned char *p) {
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = sha_rotr(w[i - 15], 7) ^ sha_rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = sha_rotr(w[i - 2], 17) ^ sha_rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, s->h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = sha_rotr(v[4], 6) ^ sha_rotr(v[4], 11) ^ sha_rotr(v[4], 25);
        uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + S1 + ch + SHA_K[i] + w[i];
        uint32_t S0 = sha_rotr(v[0], 2) ^ sha_rotr(v[0], 13) ^ sha_rotr(v[0], 22);
        uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        memmove(v + 1, v, 7 * sizeof *v);
        v[4] += t1;
        v[0] = t1 + S0 + maj;
    }
    for (int i = 0; i < 8; i++) s->h[i] += v[i];
}

static void sha_update(struct sha256 *s, const unsigned char *p, size_t n) {
    s->bytes += n;
    while (n > 0) {
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill == 64) {
            sha_block(s, s->block);
            s->fill = 0;
        }
    }
}

static void sha_final_hex(struct sha256 *s, char out[65]) {
    uint64_t bits = s->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t npad = (s->fill < 56 ? 56 : 120) - s->fill;
    for (int i = 0; i < 8; i++) pad[npad + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha_update(s, pad, npad + 8);
    for (int i = 0; i < 8; i++) snprintf(out + 8 * i, 9, "%08x", s->h[i]);
}

void hub_sha256_hex(const void *data, size_t len, char out[65]) {
    struct sha256 s;
    sha_init(&s);
    sha_update(&s, data, len);
    sha_final_hex(&s, out);
}

bool hub_sha256_file(const char *path, char out[65]) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    struct sha256 s;
    sha_init(&s);
    unsigned char *buf = xmalloc(1 << 20);
    size_t n;
    while ((n = fread(buf, 1, 1 << 20, f)) > 0) sha_update(&s, buf, n);
    bool ok = !ferror(f);
    fclose(f);
    free(buf);
    if (ok) sha_final_hex(&s, out);
    return ok;
}

/* ------------------------------------------------------------ names */

bool hub_is_ref(const char *path) { return path && strncmp(path, HUB_PREFIX, strlen(HUB_PREFIX)) == 0; }

/* llama.cpp's is_valid_repo_id (common/hf-cache.cpp). */
static bool hub_repo_ok(const char *r) {
    size_t n = strlen(r);
    if (n == 0 || n > 256) return false;
    int slashes = 0;
    bool special = true;
    for (const char *c = r; *c; c++) {
        if (isalnum((unsigned char)*c) || *c == '_') special = false;
        else if (*c == '/' || *c == '.' || *c == '-') {
            if (special) return false;
            slashes += *c == '/';
            special = true;
        } else return false;
    }
    return !special && slashes == 1;
}

bool hub_parse(const char *ref, char *repo, size_t repo_len, char *tag, size_t tag_len, char *why, size_t why_len) {
    if (!hub_is_ref(ref)) {
        util_errf(why, why_len, "'%s' is not hf:OWNER/REPO[:QUANT]", ref);
        return false;
    }
    const char *r = ref + strlen(HUB_PREFIX), *colon = strchr(r, ':');
    size_t n = colon ? (size_t)(colon - r) : strlen(r);
    if (n >= repo_len || (colon && strlen(colon + 1) >= tag_len)) {
        util_errf(why, why_len, "'%s' is too long", ref);
        return false;
    }
    memcpy(repo, r, n);
    repo[n] = '\0';
    snprintf(tag, tag_len, "%s", colon ? colon + 1 : "");
    if (!hub_repo_ok(repo)) {
        util_errf(why, why_len, "'%s': expected hf:OWNER/REPO[:QUANT] (letters, digits, '_', and single '.' or '-')",
                  ref);
        return false;
    }
    for (const char *c = tag; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') {
            util_errf(why, why_len, "'%s': the quantization after ':' may hold letters, digits, '_', '-', '.'", ref);
            return false;
        }
    if (colon && !tag[0]) {
        util_errf(why, why_len, "'%s': nothing after ':' (give a quantization such as Q4_K_M, or none)", ref);
        return false;
    }
    return true;
}

bool hub_cache_dir(char *out, size_t out_len) {
    static const struct {
        const char *var, *sub;
    } places[] = {
        {"LLAMA_CACHE", ""},
        {"HF_HUB_CACHE", ""},
        {"HUGGINGFACE_HUB_CACHE", ""},
        {"HF_HOME", "/hub"},
        {"XDG_CACHE_HOME", "/huggingface/hub"},
        {"HOME", "/.cache/huggingface/hub"},
    };
    for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
        const char *v = getenv(places[i].var);
        if (v && *v) return snprintf(out, out_len, "%s%s", v, places[i].sub) < (int)out_len;
    }
    const struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_dir && *pw->pw_dir)
        return snprintf(out, out_len, "%s/.cache/huggingface/hub", pw->pw_dir) < (int)out_len;
    return false;
}

void hub_endpoint(char *out, size_t out_len) {
    const char *e = getenv("MODEL_ENDPOINT");
    if (!e || !*e) e = getenv("HF_ENDPOINT");
    if (!e || !*e) e = "https://huggingface.co/";
    size_t n = strlen(e);
    snprintf(out, out_len, "%s%s", e, e[n - 1] == '/' ? "" : "/");
}

/* ------------------------------------------------------------ picking files */

/* llama.cpp's get_gguf_split_info: the name without ".gguf" and without a
 * "-0000i-of-0000n" split suffix (prefix), the quantization tag after its last
 * '-' or '.', upper-cased, and the split index and count (1 and 1 when not
 * split; 0 and 0 when not a .gguf). */
struct split_info {
    char prefix[1024], tag[64];
    int index, count;
};

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void split_info(const char *path, struct split_info *si) {
    memset(si, 0, sizeof *si);
    size_t n = strlen(path);
    if (!ends_with(path, ".gguf") || n - 5 >= sizeof si->prefix) return;
    memcpy(si->prefix, path, n - 5);
    si->prefix[n - 5] = '\0';
    si->index = si->count = 1;
    size_t p = n - 5;
    /* "-00001-of-00003": 15 characters, digits where llama.cpp's regex wants them */
    const char *s = si->prefix + p - 15;
    if (p > 15 && s[0] == '-' && strncasecmp(s + 6, "-of-", 4) == 0 && strspn(s + 1, "0123456789") >= 5 &&
        strspn(s + 10, "0123456789") == 5) {
        si->index = atoi(s + 1);
        si->count = atoi(s + 10);
        si->prefix[p - 15] = '\0';
    }
    const char *last = NULL;
    for (const char *c = si->prefix; *c; c++)
        if (*c == '-' || *c == '.') last = c;
    if (!last || !last[1]) return;
    for (const char *c = last + 1; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_') return;
    snprintf(si->tag, sizeof si->tag, "%s", last + 1);
    for (char *c = si->tag; *c; c++) *c = (char)toupper((unsigned char)*c);
}

/* llama.cpp's extract_quant_bits: the number in the tag (Q4_K_M 4, F16 16). */
static int quant_bits(const char *path) {
    struct split_info si;
    split_info(path, &si);
    const char *d = strpbrk(si.tag, "0123456789");
    return d ? atoi(d) : 0;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* llama.cpp's gguf_filename_is_model: a .gguf that is no projector, importance
 * matrix or draft head. */
static bool is_model_gguf(const char *path) {
    static const char *const not_model[] = {"mmproj", "imatrix", "mtp-", "eagle3-", "dflash-", "dspark-"};
    if (!ends_with(path, ".gguf")) return false;
    const char *name = base_name(path);
    for (size_t i = 0; i < sizeof not_model / sizeof *not_model; i++)
        if (strstr(name, not_model[i])) return false;
    return true;
}

/* The tag followed by '.' or '-' anywhere in the path, case-insensitively
 * (llama.cpp's regex TAG[.-]). */
static bool has_tag(const char *path, const char *tag) {
    size_t n = strlen(tag);
    for (const char *c = path; *c; c++)
        if (strncasecmp(c, tag, n) == 0 && (c[n] == '.' || c[n] == '-')) return true;
    return false;
}

/* A model GGUF that is not a later part of a split model. */
static bool is_first_model_part(const char *path) {
    struct split_info si;
    split_info(path, &si);
    return is_model_gguf(path) && !(si.count > 1 && si.index != 1);
}

int hub_pick_model(const char *const *paths, int n, const char *tag) {
    const char *defaults[] = {"Q4_K_M", "Q8_0"};
    const char *const *tags = tag && *tag ? &tag : defaults;
    int n_tags = tag && *tag ? 1 : 2;
    for (int t = 0; t < n_tags; t++)
        for (int i = 0; i < n; i++)
            if (is_first_model_part(paths[i]) && has_tag(paths[i], tags[t])) return i;
    if (tag && *tag) return -1;
    for (int i = 0; i < n; i++)
        if (is_first_model_part(paths[i])) return i;
    return -1;
}

/* How many leading folders of `sib` there are, when they all are leading
 * folders of `model` too; -1 when `sib` sits in a folder the model is not in
 * (llama.cpp's find_best_sibling). */
static int shared_depth(const char *model, const char *sib) {
    const char *model_end = strrchr(model, '/'), *sib_end = strrchr(sib, '/');
    size_t model_dir = model_end ? (size_t)(model_end - model) : 0, sib_dir = sib_end ? (size_t)(sib_end - sib) : 0;
    if (sib_dir == 0) return 0;
    if (sib_dir > model_dir || strncmp(model, sib, sib_dir) != 0 || (sib_dir < model_dir && model[sib_dir] != '/'))
        return -1;
    int depth = 1;
    for (size_t i = 0; i < sib_dir; i++) depth += sib[i] == '/';
    return depth;
}

int hub_pick_mmproj(const char *const *paths, int n, const char *model) {
    int best = -1, best_depth = 0, best_diff = 0, model_bits = quant_bits(model);
    for (int i = 0; i < n; i++) {
        if (!ends_with(paths[i], ".gguf") || !strstr(paths[i], "mmproj")) continue;
        int depth = shared_depth(model, paths[i]);
        if (depth < 0) continue;
        int diff = abs(quant_bits(paths[i]) - model_bits);
        if (best < 0 || depth > best_depth || (depth == best_depth && diff < best_diff)) {
            best = i;
            best_depth = depth;
            best_diff = diff;
        }
    }
    return best;
}

/* ------------------------------------------------------------ a repository's files */

struct hub_file {
    char *path;
    char oid[65]; /* sha256 (LFS) or git blob sha1; empty when the hub gave none */
    int64_t size; /* -1 when unknown */
};

struct repo {
    char id[300], tag[64];
    char dir[PATH_MAX]; /* CACHE/models--OWNER--REPO */
    char endpoint[1024];
    char commit[41];
    struct hub_file *files;
    int n_files, cap_files;
};

static void repo_add(struct repo *r, const char *path, const char *oid, int64_t size) {
    util_grow((void **)&r->files, &r->cap_files, r->n_files + 1, sizeof *r->files);
    struct hub_file *f = &r->files[r->n_files++];
    f->path = xstrdup(path);
    snprintf(f->oid, sizeof f->oid, "%s", oid ? oid : "");
    f->size = size;
}

static void repo_free(struct repo *r) {
    for (int i = 0; i < r->n_files; i++) free(r->files[i].path);
    free(r->files);
}

static bool is_hex(const char *s, size_t n) { return strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n; }

/* A relative path that stays inside its folder (llama.cpp's is_valid_subpath). */
static bool safe_subpath(const char *p) {
    if (!*p || p[0] == '/') return false;
    for (const char *c = p; c; c = strchr(c, '/')) {
        if (*c == '/') c++;
        if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0')) return false;
    }
    return true;
}

/* ------------------------------------------------------------ HTTP */

static size_t hub_collect(char *data, size_t size, size_t n, void *user) {
    struct {
        char *p;
        size_t len, cap;
    } *b = user;
    if (b->len + size * n > (64u << 20)) return 0; /* an API answer is small */
    util_buf_append(&b->p, &b->len, &b->cap, data, size * n);
    return size * n;
}

/* llama.cpp's is_valid_hf_token: the API calls send only a token of this form. */
static bool token_ok(const char *t) {
    size_t n = strlen(t);
    if (n < 37 || n > 256 || strncmp(t, "hf_", 3) != 0) return false;
    for (size_t i = 3; i < n; i++)
        if (!isalnum((unsigned char)t[i])) return false;
    return true;
}

/* The request headers: user agent, and $HF_TOKEN as a bearer token (api: only
 * when it has the hub's form). The token is never stored or printed. */
static struct curl_slist *hub_headers(bool api) {
    struct curl_slist *h = curl_slist_append(NULL, "User-Agent: vlmeter");
    if (api) h = curl_slist_append(h, "Accept: application/json");
    const char *token = getenv("HF_TOKEN");
    if (token && *token && (!api || token_ok(token))) {
        char *line = xasprintf("Authorization: Bearer %s", token);
        h = curl_slist_append(h, line);
        memset(line, 0, strlen(line));
        free(line);
    }
    return h;
}

/* GET an API URL into a parsed JSON value; NULL with err naming the URL. */
static json_t *api_get(const char *url, char *err, size_t err_len) {
    req_curl_global();
    CURL *c = curl_easy_init();
    struct {
        char *p;
        size_t len, cap;
    } body = {NULL, 0, 0};
    struct curl_slist *h = hub_headers(true);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hub_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (rc != CURLE_OK) {
        util_errf(err, err_len, "cannot reach the model hub: GET %s: %s", url, curl_easy_strerror(rc));
    } else if (status != 200) {
        json_t *e = body.p ? json_loads(body.p, 0, NULL) : NULL;
        const char *why = json_string_value(json_object_get(e, "error"));
        util_errf(err, err_len, "GET %s: HTTP %ld%s%.200s", url, status, why ? ": " : "", why ? why : "");
        json_decref(e);
    } else {
        json_error_t je;
        j = json_loads(body.p ? body.p : "", 0, &je);
        if (!j) util_errf(err, err_len, "GET %s: the answer is not JSON (%s)", url, je.text);
    }
    free(body.p);
    return j;
}

/* ------------------------------------------------------------ the cache */

/* Write `text` to path through path.tmp and a rename. */
static bool write_atomic(const char *path, const char *text) {
    char *dir = util_dirname(path), *tmp = xasprintf("%s.tmp", path);
    util_mkdirs(dir);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0) ok = false;
    if (ok) ok = rename(tmp, path) == 0;
    if (!ok) unlink(tmp);
    free(dir);
    free(tmp);
    return ok;
}

/* The commit of the repository's main branch (else its first branch), as
 * llama.cpp's get_repo_commit; recorded in refs/NAME. */
static bool repo_commit(struct repo *r, char *err, size_t err_len) {
    char *url = xasprintf("%sapi/models/%s/refs", r->endpoint, r->id);
    json_t *j = api_get(url, err, err_len);
    json_t *branches = json_object_get(j, "branches"), *b;
    size_t i;
    const char *name = NULL, *commit = NULL;
    json_array_foreach(branches, i, b) {
        const char *n = json_string_value(json_object_get(b, "name"));
        const char *c = json_string_value(json_object_get(b, "targetCommit"));
        if (!n || !c || !safe_subpath(n) || !is_hex(c, 40)) continue;
        if (strcmp(n, "main") == 0 || !name) {
            name = n;
            commit = c;
        }
        if (strcmp(n, "main") == 0) break;
    }
    bool ok = name != NULL;
    if (j && !ok) util_errf(err, err_len, "GET %s: no branch with a commit", url);
    if (ok) {
        snprintf(r->commit, sizeof r->commit, "%s", commit);
        char *ref = xasprintf("%s/refs/%s", r->dir, name);
        write_atomic(ref, commit);
        free(ref);
    }
    json_decref(j);
    free(url);
    return ok;
}

/* The repository's files at its commit (llama.cpp's get_repo_files). */
static bool repo_tree(struct repo *r, char *err, size_t err_len) {
    char *url = xasprintf("%sapi/models/%s/tree/%s?recursive=true", r->endpoint, r->id, r->commit);
    json_t *j = api_get(url, err, err_len), *item;
    size_t i;
    bool ok = j != NULL;
    if (j && !json_is_array(j)) {
        util_errf(err, err_len, "GET %s: the answer is not a list of files", url);
        ok = false;
    }
    json_array_foreach(j, i, item) {
        const char *type = json_string_value(json_object_get(item, "type"));
        const char *path = json_string_value(json_object_get(item, "path"));
        if (!type || strcmp(type, "file") != 0 || !path || !safe_subpath(path)) continue;
        json_t *lfs = json_object_get(item, "lfs");
        const char *oid = json_string_value(json_object_get(json_is_object(lfs) ? lfs : item, "oid"));
        if (oid && *oid && !is_hex(oid, 40) && !is_hex(oid, 64)) continue;
        json_t *size = json_object_get(json_is_object(lfs) ? lfs : item, "size");
        repo_add(r, path, oid, json_is_integer(size) ? json_integer_value(size) : -1);
    }
    json_decref(j);
    free(url);
    return ok;
}

/* A ref file's commit into r->commit; false when it holds none. */
static bool read_ref(struct repo *r, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[64] = "";
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!got || !is_hex(line, 40)) return false;
    memcpy(r->commit, line, 41); /* 40 hex digits and the NUL */
    return true;
}

/* The commit a cached repository points to: refs/main, else the first ref
 * that holds one (llama.cpp's get_cached_ref). */
static bool cached_commit(struct repo *r) {
    char *path = xasprintf("%s/refs/main", r->dir), *refs = xasprintf("%s/refs", r->dir);
    bool ok = read_ref(r, path);
    DIR *d = ok ? NULL : opendir(refs);
    for (struct dirent *e; d && !ok && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        free(path);
        path = xasprintf("%s/%s", refs, e->d_name);
        ok = read_ref(r, path);
    }
    if (d) closedir(d);
    free(path);
    free(refs);
    return ok;
}

static struct repo *walk_repo;
static size_t walk_root_len;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    if ((type == FTW_F || type == FTW_SL || type == FTW_SLN) && strlen(path) > walk_root_len)
        repo_add(walk_repo, path + walk_root_len + 1, NULL, -1);
    return 0;
}

/* The files the cache holds for the repository's recorded commit (llama.cpp's
 * get_cached_files): used when the hub cannot be reached. */
static bool repo_cached(struct repo *r) {
    if (!cached_commit(r)) return false;
    char *root = xasprintf("%s/snapshots/%s", r->dir, r->commit);
    walk_repo = r;
    walk_root_len = strlen(root);
    nftw(root, walk_one, 16, FTW_PHYS);
    free(root);
    return r->n_files > 0;
}

/* ------------------------------------------------------------ downloads */

struct download {
    FILE *f;
    curl_off_t have;  /* bytes in the partial file before this try */
    bool checked;     /* the answer's status was looked at */
    bool tty;         /* draw a progress bar on stderr */
    const char *name; /* the file's name for the bar */
    double last_draw;
    CURL *c;
};

static size_t dl_write(char *data, size_t size, size_t n, void *user) {
    struct download *d = user;
    if (!d->checked) {
        long status = 0;
        curl_easy_getinfo(d->c, CURLINFO_RESPONSE_CODE, &status);
        d->checked = true;
        if (d->have > 0 && status == 200) { /* the server sent the whole file: start over */
            if (fflush(d->f) != 0 || ftruncate(fileno(d->f), 0) != 0 || fseek(d->f, 0, SEEK_SET) != 0) return 0;
            d->have = 0;
        }
    }
    return fwrite(data, size, n, d->f) == n ? size * n : 0;
}

static int dl_progress(void *user, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un) {
    (void)ut;
    (void)un;
    struct download *d = user;
    double t = util_now_ms();
    if (!d->tty || total <= 0 || (t - d->last_draw < 100 && now < total)) return 0;
    d->last_draw = t;
    double all = (double)(d->have + total), got = (double)(d->have + now);
    int width = 30, fill = (int)(width * got / all);
    char bar[31];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r\033[Kdownloading %.40s [%s] %3.0f%% %.0f/%.0f MB", d->name, bar, 100 * got / all, got / 1e6,
            all / 1e6);
    return 0;
}

/* One try at url into tmp, resuming from what tmp already holds. CURLE_OK,
 * or the failure with *status the HTTP status. */
static CURLcode dl_try(const char *url, const char *tmp, const char *name, long *status, char *why, size_t why_len) {
    struct download d = {0};
    d.f = fopen(tmp, "ab");
    if (!d.f) {
        snprintf(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
        return CURLE_WRITE_ERROR;
    }
    d.have = (curl_off_t)util_file_size(tmp);
    d.tty = isatty(STDERR_FILENO);
    d.name = name;
    req_curl_global();
    d.c = curl_easy_init();
    struct curl_slist *h = hub_headers(false);
    curl_easy_setopt(d.c, CURLOPT_URL, url);
    curl_easy_setopt(d.c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(d.c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(d.c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(d.c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(d.c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled 60 s: give up this try */
    curl_easy_setopt(d.c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(d.c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(d.c, CURLOPT_RESUME_FROM_LARGE, d.have);
    curl_easy_setopt(d.c, CURLOPT_WRITEFUNCTION, dl_write);
    curl_easy_setopt(d.c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(d.c, CURLOPT_XFERINFOFUNCTION, dl_progress);
    curl_easy_setopt(d.c, CURLOPT_XFERINFODATA, &d);
    curl_easy_setopt(d.c, CURLOPT_NOPROGRESS, 0L);
    CURLcode rc = curl_easy_perform(d.c);
    *status = 0;
    curl_easy_getinfo(d.c, CURLINFO_RESPONSE_CODE, status);
    if (d.tty) fputs("\r\033[K", stderr);
    if (fclose(d.f) != 0 && rc == CURLE_OK) rc = CURLE_WRITE_ERROR;
    snprintf(why, why_len, "%s", curl_easy_strerror(rc));
    if (rc == CURLE_HTTP_RETURNED_ERROR) snprintf(why, why_len, "HTTP %ld", *status);
    curl_slist_free_all(h);
    curl_easy_cleanup(d.c);
    return rc;
}

/* Download url to `dest` through dest.downloadInProgress (llama.cpp's name
 * for a partial file, so either tool resumes the other's), with up to
 * HUB_ATTEMPTS tries each resuming where the last stopped; the file is renamed
 * into place only once its sha256 matches `oid` (a 64-digit LFS oid). */
static int download(const char *url, const char *dest, const char *oid, const char *name,
                    void (*on_message)(const char *, void *), void *user, char *err, size_t err_len) {
    char *tmp = xasprintf("%s.downloadInProgress", dest), *dir = util_dirname(dest);
    util_mkdirs(dir);
    free(dir);
    char why[256] = "";
    long status = 0;
    CURLcode rc = CURLE_OK;
    int wait = HUB_FIRST_WAIT;
    for (int attempt = 0; attempt < HUB_ATTEMPTS; attempt++) {
        if (attempt > 0) {
            util_say(on_message, user, "hub: %s: %s after %llu bytes; resuming in %d s", name, why,
                     (unsigned long long)util_file_size(tmp), wait);
            sleep((unsigned)wait);
            wait *= 2;
        }
        rc = dl_try(url, tmp, name, &status, why, sizeof why);
        if (rc == CURLE_OK) break;
        if (rc == CURLE_HTTP_RETURNED_ERROR && status == 416 && util_file_size(tmp) > 0) { /* already whole */
            rc = CURLE_OK;
            break;
        }
        if (rc == CURLE_WRITE_ERROR ||
            (rc == CURLE_HTTP_RETURNED_ERROR && status < 500 && status != 408 && status != 429))
            break;
    }
    if (rc != CURLE_OK) {
        util_errf(err, err_len, "download of %s failed: %s", url, why);
        free(tmp);
        return VLM_ERR_IO;
    }
    if (is_hex(oid, 64)) {
        char got[65];
        if (!hub_sha256_file(tmp, got)) {
            util_errf(err, err_len, "cannot read %s back: %s", tmp, strerror(errno));
            unlink(tmp);
            free(tmp);
            return VLM_ERR_IO;
        }
        if (strcasecmp(got, oid) != 0) {
            util_errf(err, err_len, "%s: sha256 %s, but the hub publishes %s: the file is refused and deleted", url,
                      got, oid);
            unlink(tmp);
            free(tmp);
            return VLM_ERR_INPUT;
        }
    }
    int ok = rename(tmp, dest);
    if (ok != 0) util_errf(err, err_len, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
    free(tmp);
    return ok == 0 ? VLM_OK : VLM_ERR_IO;
}

/* Link snapshots/COMMIT/PATH to the blob (relative, as llama.cpp's
 * finalize_file), or move the blob there when links cannot be made. */
static int finalize(const char *blob, const char *final, const char *path, const char *oid, char *err, size_t err_len) {
    char *dir = util_dirname(final);
    util_mkdirs(dir);
    free(dir);
    struct stat st;
    if (lstat(final, &st) == 0) unlink(final); /* a dangling link */
    size_t up = 2;
    for (const char *c = path; *c; c++) up += *c == '/';
    char target[PATH_MAX] = "";
    for (size_t i = 0; i < up; i++) strncat(target, "../", sizeof target - strlen(target) - 1);
    strncat(target, "blobs/", sizeof target - strlen(target) - 1);
    strncat(target, oid, sizeof target - strlen(target) - 1);
    if (symlink(target, final) == 0 || rename(blob, final) == 0) return VLM_OK;
    util_errf(err, err_len, "cannot put %s in place as %s: %s", blob, final, strerror(errno));
    return VLM_ERR_IO;
}

/* One file of the repository into the cache (llama.cpp: the hf task of
 * common_models_handler_apply): its snapshot path when there, else the blob
 * downloaded and linked. *out: the snapshot path (malloc'd). */
static int fetch_file(const struct repo *r, const struct hub_file *f, bool online,
                      void (*on_message)(const char *, void *), void *user, char **out, char *err, size_t err_len) {
    char *final = xasprintf("%s/snapshots/%s/%s", r->dir, r->commit, f->path);
    if (access(final, R_OK) == 0) {
        *out = final;
        return VLM_OK;
    }
    if (!online) {
        util_errf(err, err_len, "%s is not in the cache", final);
        free(final);
        return VLM_ERR_IO;
    }
    char *blob = f->oid[0] ? xasprintf("%s/blobs/%s", r->dir, f->oid) : xstrdup(final);
    int rc = VLM_OK;
    if (access(blob, R_OK) != 0) {
        char *url = xasprintf("%s%s/resolve/%s/%s", r->endpoint, r->id, r->commit, f->path);
        if (f->size >= 0)
            util_say(on_message, user, "hub: downloading %s (%.1f MB) from %s", f->path, (double)f->size / 1e6, url);
        else util_say(on_message, user, "hub: downloading %s from %s", f->path, url);
        rc = download(url, blob, f->oid, base_name(f->path), on_message, user, err, err_len);
        free(url);
    }
    if (rc == VLM_OK && strcmp(blob, final) != 0) rc = finalize(blob, final, f->path, f->oid, err, err_len);
    free(blob);
    if (rc == VLM_OK) *out = final;
    else free(final);
    return rc;
}

/* ------------------------------------------------------------ resolving */

/* The repository's files from the hub, or from the cache when the hub cannot
 * be reached (then *online is false). */
static int repo_files(struct repo *r, bool *online, void (*on_message)(const char *, void *), void *user, char *err,
                      size_t err_len) {
    char why[1024] = "";
    *online = repo_commit(r, why, sizeof why) && repo_tree(r, why, sizeof why);
    if (*online) return VLM_OK;
    for (int i = 0; i < r->n_files; i++) free(r->files[i].path);
    r->n_files = 0;
    if (repo_cached(r)) {
        util_say(on_message, user, "hub: %s; using the files cached in %s", why, r->dir);
        return VLM_OK;
    }
    util_errf(err, err_len, "%s (and %s holds no copy)", why, r->dir);
    return VLM_ERR_IO;
}

/* The GGUF files of the repository, for a message ("a.gguf, b.gguf"). */
static void list_ggufs(const struct repo *r, char *out, size_t out_len) {
    out[0] = '\0';
    for (int i = 0; i < r->n_files; i++)
        if (ends_with(r->files[i].path, ".gguf"))
            snprintf(out + strlen(out), out_len - strlen(out), "%s%s", out[0] ? ", " : "", r->files[i].path);
    if (!out[0]) snprintf(out, out_len, "none");
}

/* Fetch the model (every part of a split one) and, when asked, its projector. */
static int fetch_all(struct repo *r, bool online, bool want_mmproj, struct hub_files *out,
                     void (*on_message)(const char *, void *), void *user, char *err, size_t err_len) {
    const char **paths = xcalloc((size_t)r->n_files + 1, sizeof *paths);
    for (int i = 0; i < r->n_files; i++) paths[i] = r->files[i].path;
    int m = hub_pick_model(paths, r->n_files, r->tag), p = -1, rc = VLM_OK;
    char ggufs[1024];
    list_ggufs(r, ggufs, sizeof ggufs);
    if (m < 0) {
        util_errf(err, err_len, "hf:%s: no model GGUF%s%s in the repository (its GGUF files: %.700s)", r->id,
                  r->tag[0] ? " tagged " : "", r->tag, ggufs);
        rc = VLM_ERR_INPUT;
    } else if (want_mmproj && (p = hub_pick_mmproj(paths, r->n_files, paths[m])) < 0 && on_message) {
        /* no projector in the repository: a text-only model (out->mmproj stays NULL) */
        char line[600];
        snprintf(line, sizeof line, "hf:%s: no mmproj GGUF beside %s: the model is text-only (no vision)", r->id,
                 paths[m]);
        on_message(line, user);
    }
    struct split_info want, si;
    if (rc == VLM_OK) split_info(paths[m], &want);
    for (int i = 0; rc == VLM_OK && i < r->n_files; i++) {
        split_info(paths[i], &si);
        bool part = i == m || (want.count > 1 && si.count == want.count && strcmp(si.prefix, want.prefix) == 0);
        if (!part) continue;
        char *got = NULL;
        rc = fetch_file(r, &r->files[i], online, on_message, user, &got, err, err_len);
        if (i == m) out->model = got;
        else free(got);
    }
    if (rc == VLM_OK && p >= 0) rc = fetch_file(r, &r->files[p], online, on_message, user, &out->mmproj, err, err_len);
    free(paths);
    return rc;
}

int hub_resolve(const char *ref, bool want_mmproj, struct hub_files *out,
                void (*on_message)(const char *line, void *user), void *user, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    struct repo r;
    memset(&r, 0, sizeof r);
    char cache[PATH_MAX - 512]; /* room for models--OWNER--REPO */
    if (!hub_parse(ref, r.id, sizeof r.id, r.tag, sizeof r.tag, err, err_len)) return VLM_ERR_INPUT;
    if (!hub_cache_dir(cache, sizeof cache)) {
        util_errf(err, err_len, "no cache folder for hub models: set LLAMA_CACHE or HOME");
        return VLM_ERR_IO;
    }
    const char *slash = strchr(r.id, '/'); /* llama.cpp's repo_to_folder_name */
    snprintf(r.dir, sizeof r.dir, "%s/models--%.*s--%s", cache, (int)(slash - r.id), r.id, slash + 1);
    hub_endpoint(r.endpoint, sizeof r.endpoint);
    bool online = false;
    int rc = repo_files(&r, &online, on_message, user, err, err_len);
    for (int i = 0; rc == VLM_OK && i < r.n_files; i++)
        if (strcmp(r.files[i].path, "preset.ini") == 0) {
            util_errf(err, err_len, "hf:%s holds a llama.cpp preset (preset.ini), which vlmeter does not read", r.id);
            rc = VLM_ERR_INPUT;
        }
    if (rc == VLM_OK) rc = fetch_all(&r, online, want_mmproj, out, on_message, user, err, err_len);
    if (rc != VLM_OK) hub_files_free(out);
    repo_free(&r);
    return rc;
}

void hub_files_free(struct hub_files *f) {
    free(f->model);
    free(f->mmproj);
    f->model = f->mmproj = NULL;
}
