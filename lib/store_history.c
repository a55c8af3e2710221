/*
 * store_history.c - what the store holds about a model from earlier runs: the
 * figures a run summary shows once a model is done (errors, speed, load), and
 * what a plan's estimate is based on (the mean time of a case, the latest load).
 */
#include "store_impl.h"
#include "util.h"

#include <stdlib.h>

/* Cases of a model stored as errors, and as not applicable (no vision). */
static int count_errors(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table cases",
                        "SELECT total(status='error'), total(status='na') FROM cases WHERE model_id=?1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    if (store_q_row(&q)) {
        ms->n_errors = (int)store_col_double(&q, 0);
        ms->n_na = (int)store_col_double(&q, 1);
    }
    return store_q_end(&q, VLM_OK);
}

/* Load time and peak RSS of the latest load, where the summary has none. */
static int latest_load(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table model_loads",
                        "SELECT load_ms, rss_peak_bytes FROM model_loads WHERE model_id=?1"
                        " ORDER BY run_id DESC LIMIT 1") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    if (store_q_row(&q)) {
        if (ms->load_ms == 0) ms->load_ms = store_col_double(&q, 0);
        if (ms->rss_peak_bytes == 0) ms->rss_peak_bytes = (uint64_t)store_col_int(&q, 1);
    }
    return store_q_end(&q, VLM_OK);
}

/* Mean TTFT and decode rate, e2e p50/p90 over the answered turns. */
static int speed(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms, double **e2e_sorted, int *n_e2e) {
    store_q q;
    if (store_q_prepare(s, &q, "reading table answers",
                        "SELECT ttft_ms, decode_tps, e2e_ms, n_output_tokens FROM answers"
                        " WHERE model_id=?1 AND error IS NULL ORDER BY e2e_ms") != VLM_OK)
        return VLM_ERR_IO;
    store_bind_int(&q, 1, model_id);
    int n = 0, cap = 0, n_tps = 0;
    double *e2e = NULL, ttft = 0, tps = 0;
    while (store_q_row(&q)) {
        util_grow((void **)&e2e, &cap, n + 1, sizeof *e2e);
        ttft += store_col_double(&q, 0);
        if (store_col_int(&q, 3) > 1) {
            tps += store_col_double(&q, 1);
            n_tps++;
        }
        e2e[n++] = store_col_double(&q, 2);
    }
    int rc = store_q_end(&q, VLM_OK);
    ms->ttft_ms_mean = n ? ttft / n : 0;
    ms->decode_tps_mean = n_tps ? tps / n_tps : 0;
    if (rc == VLM_OK) {
        *e2e_sorted = e2e;
        *n_e2e = n;
    } else {
        free(e2e);
    }
    return rc;
}

int store_model_stats(vlm_store *s, int64_t model_id, struct vlm_run_model_summary *ms, double **e2e_sorted,
                      int *n_e2e) {
    *e2e_sorted = NULL;
    *n_e2e = 0;
    int rc = count_errors(s, model_id, ms);
    if (rc == VLM_OK) rc = latest_load(s, model_id, ms);
    if (rc == VLM_OK) rc = speed(s, model_id, ms, e2e_sorted, n_e2e);
    return rc;
}

int store_model_history(vlm_store *s, const char *name, struct store_history *h) {
    store_q q;
    h->n_cases = 0;
    h->e2e_ms_total = h->load_ms = 0;
    if (store_q_prepare(s, &q, "reading tables answers and model_loads",
                        "SELECT count(DISTINCT a.suite || char(1) || a.case_id), total(a.e2e_ms),"
                        " (SELECT l.load_ms FROM model_loads l WHERE l.model_id=m.id ORDER BY l.run_id DESC LIMIT 1)"
                        " FROM models m JOIN answers a ON a.model_id=m.id WHERE m.name=?1 AND a.error IS NULL") !=
        VLM_OK)
        return VLM_ERR_IO;
    store_bind_text(&q, 1, name);
    if (store_q_row(&q)) {
        h->n_cases = (int)store_col_int(&q, 0);
        h->e2e_ms_total = store_col_double(&q, 1);
        h->load_ms = store_col_double(&q, 2);
    }
    return store_q_end(&q, VLM_OK);
}
