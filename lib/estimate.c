/*
 * estimate.c - how long a plan will take, from what the store already holds:
 * for each model of the plan, the mean wall time of a case (the sum of its
 * turns' e2e times) and its latest load time, stored under the same model name
 * by earlier runs, applied to the cases not stored yet (docs/cost.md,
 * "Estimating a run").
 */
#include "vlmeter.h"
#include "internal.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Mean ms per finished case and the latest load time of `name`; false: none. */
static bool model_history(sqlite3 *db, const char *name, struct vlm_estimate *e) {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db,
        "SELECT count(DISTINCT a.suite || char(1) || a.case_id), total(a.e2e_ms),"
        " (SELECT l.load_ms FROM model_loads l WHERE l.model_id=m.id ORDER BY l.run_id DESC LIMIT 1)"
        " FROM models m JOIN answers a ON a.model_id=m.id WHERE m.name=?1 AND a.error IS NULL", -1, &st, NULL);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool ok = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    if (ok) {
        e->n_history = sqlite3_column_int(st, 0);
        e->case_ms_mean = sqlite3_column_double(st, 1) / e->n_history;
        e->load_ms = sqlite3_column_double(st, 2);
    }
    sqlite3_finalize(st);
    return ok;
}

/* How many of the suites' cases the store already holds as finished for `name`
 * (a run skips them). */
static int cases_done(vlm_store *store, const char *name, vlm_suite **suites, int n_suites) {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(vlm_store_db(store), "SELECT id FROM models WHERE name=?1", -1, &st, NULL);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int64_t id = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    int n = 0;
    for (int i = 0; id >= 0 && i < n_suites; i++)
        for (int k = 0; k < vlm_suite_n_cases(suites[i]); k++) {
            const vlm_case *c = vlm_suite_case(suites[i], k);
            n += vlm_store_case_done(store, id, c->suite, c->id, true);
        }
    return n;
}

int vlm_plan_estimate(vlm_plan *plan, const char *db_path, struct vlm_estimate *out, int max,
                      char *err, size_t err_len) {
    int n_cases = 0, n_suites = vlm_plan_n_suites(plan), rc = 0;
    vlm_suite **suites = vlm_xcalloc((size_t)n_suites + 1, sizeof *suites);
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
        e->n_done = store ? cases_done(store, e->name, suites, n_suites) : 0;
        e->history = store && model_history(vlm_store_db(store), e->name, e);
        int left = n_cases - e->n_done;
        e->wall_s = e->history && left > 0 ? (e->load_ms + left * e->case_ms_mean) / 1000.0 : 0;
    }
    vlm_store_close(store);
    for (int i = 0; i < n_suites; i++) vlm_suite_free(suites[i]);
    free(suites);
    return rc ? rc : n;
}
