/*
 * shard.c - which shard of a run a case belongs to (`vlmeter run --shard I/N`,
 * docs/shards.md). The rule hashes the case alone (suite and case id), never
 * the model, the other cases or what the store holds: every model answers the
 * same cases inside a shard, and shards run on different machines at different
 * times agree.
 */
#include "util.h"
#include "vlmeter.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int vlm_shard_of(const char *suite, const char *case_id, int n) {
    if (n <= 1) return 0;
    size_t ls = strlen(suite ? suite : ""), lc = strlen(case_id ? case_id : "");
    char *key = xmalloc(ls + 1 + lc + 1);
    memcpy(key, suite ? suite : "", ls);
    key[ls] = '\0'; /* the separator: ("ab", "c") and ("a", "bc") are different cases */
    memcpy(key + ls + 1, case_id ? case_id : "", lc);
    XXH64_hash_t h = XXH64(key, ls + 1 + lc, 0);
    free(key);
    return (int)(h % (XXH64_hash_t)n);
}

bool vlm_case_in_shard(const char *suite, const char *case_id, int index, int count) {
    if (count <= 0) return true;
    return vlm_shard_of(suite, case_id, count) == index - 1;
}

/* A whole positive number from text[0..len); false when it is not one. */
static bool parse_count(const char *text, size_t len, int *out) {
    if (len == 0 || len > 9) return false;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') return false;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
}

int vlm_shard_parse(const char *text, int *index, int *count, char *err, size_t err_len) {
    const char *slash = text ? strchr(text, '/') : NULL;
    int i = 0, n = 0;
    if (!slash || !parse_count(text, (size_t)(slash - text), &i) || !parse_count(slash + 1, strlen(slash + 1), &n)) {
        util_errf(err, err_len, "--shard takes I/N, two whole numbers (e.g. 2/3), not '%s'", text ? text : "");
        return VLM_ERR_INPUT;
    }
    if (n < 1 || i < 1 || i > n) {
        util_errf(err, err_len, "--shard %s: the shard I must be 1 to N and N at least 1 (e.g. 1/3, 2/3, 3/3)", text);
        return VLM_ERR_INPUT;
    }
    *index = i;
    *count = n;
    return VLM_OK;
}
