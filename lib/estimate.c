/*
 * estimate.c - how long a plan will take, from what the store already holds:
 * for each model of the plan, the mean wall time of a case (the sum of its
 * turns' e2e times) and its latest load time, stored under the same model name
 * by earlier runs, applied to the cases not stored yet (docs/cost.md,
 * "Estimating a run").
 */
#include "store.h"
#include "util.h"
#include "vlmeter.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many of the suites' cases the store already holds as finished for `name`
 * (a run skips them) into *n. VLM_OK or VLM_ERR_IO. */
static int cases_done(vlm_store *store, const char *name, vlm_suite **suites, int n_suites, int *n) {
    int64_t id;
    *n = 0;
    if (store_model_id(store, name, &id) != VLM_OK) return VLM_ERR_IO;
    for (int i = 0; id >= 0 && i < n_suites; i++)
        for (int k = 0; k < vlm_suite_n_cases(suites[i]); k++) {
            const vlm_case *c = vlm_suite_case(suites[i], k);
            *n += vlm_store_case_done(store, id, c->suite, c->id, true);
        }
    return VLM_OK;
}

/* Fill e from the store: cases done, and the history of earlier runs. */
static int from_store(vlm_store *store, vlm_suite **suites, int n_suites, struct vlm_estimate *e) {
    struct store_history h;
    if (cases_done(store, e->name, suites, n_suites, &e->n_done) != VLM_OK ||
        store_model_history(store, e->name, &h) != VLM_OK)
        return VLM_ERR_IO;
    e->history = h.n_cases > 0; /* mean ms per finished case and the latest load time */
    if (e->history) {
        e->n_history = h.n_cases;
        e->case_ms_mean = h.e2e_ms_total / h.n_cases;
        e->load_ms = h.load_ms;
    }
    return VLM_OK;
}

int vlm_plan_estimate(vlm_plan *plan, const char *db_path, struct vlm_estimate *out, int max, char *err,
                      size_t err_len) {
    int n_cases = 0, n_suites = vlm_plan_n_suites(plan), rc = 0;
    vlm_suite **suites = xcalloc((size_t)n_suites + 1, sizeof *suites);
    for (int i = 0; i < n_suites && rc == 0; i++) {
        suites[i] = vlm_suite_load(vlm_plan_suite(plan, i), vlm_suite_default_params(), err, err_len);
        if (!suites[i]) rc = VLM_ERR_INPUT;
        else n_cases += vlm_suite_n_cases(suites[i]);
    }
    bool have_db = rc == 0 && db_path && access(db_path, F_OK) == 0;
    vlm_store *store = have_db ? vlm_store_open(db_path, err, err_len) : NULL;
    if (have_db && !store) rc = VLM_ERR_IO;
    int n = vlm_plan_n_models(plan) < max ? vlm_plan_n_models(plan) : max;
    for (int i = 0; rc == 0 && i < n; i++) {
        struct vlm_estimate *e = &out[i];
        memset(e, 0, sizeof *e);
        snprintf(e->name, sizeof e->name, "%s", vlm_plan_model(plan, i)->name);
        e->n_cases = n_cases;
        if (store && from_store(store, suites, n_suites, e) != VLM_OK) {
            util_errf(err, err_len, "reading '%s': %s", db_path, store_error(store));
            rc = VLM_ERR_IO;
            break;
        }
        int left = n_cases - e->n_done;
        e->wall_s = e->history && left > 0 ? (e->load_ms + left * e->case_ms_mean) / 1000.0 : 0;
    }
    vlm_store_close(store);
    for (int i = 0; i < n_suites; i++) vlm_suite_free(suites[i]);
    free(suites);
    return rc ? rc : n;
}
