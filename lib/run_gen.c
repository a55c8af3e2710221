/*
 * run_gen.c - the generation pass of a run (run_gen.h): each model's generate
 * cases drawn through its images endpoint (imagegen.c) and stored with their
 * latency and cost (store_gen.c), or stored `na` for a model that cannot draw.
 * docs/remote.md, "Images endpoint".
 */
#include "imagegen.h"
#include "run_gen.h"
#include "suite_gen.h"
#include "stop.h"
#include "store.h"
#include "store_gen.h"
#include "util.h"

#include <stdio.h>

/* Draw and store one case; 1 when it is stored as an error. */
static int draw_case(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_model_spec *m, const vlm_case *c,
                     const char *dir, void (*say)(const char *line, void *user), void *user) {
    struct imagegen_result res;
    int rc = imagegen_draw(m, c, dir, &res);
    struct store_gen_row row = {
        .image = rc == 0 ? res.path : NULL,
        .sha256 = rc == 0 ? res.sha256 : NULL,
        .error = rc == 0 ? NULL : res.error,
        .bytes = res.bytes,
        .latency_ms = res.latency_ms,
        .cost_usd = rc == 0 && m->engine.price_image > 0 ? m->engine.price_image : -1, /* failures: free */
    };
    if (rc != 0) util_say(say, user, "model %s: %s", m->name, res.error);
    if (store_gen_put(s, model_id, run_id, c, &row, NULL) != VLM_OK) return VLM_ERR_IO;
    return rc != 0;
}

int run_gen_model(vlm_store *s, const char *db_path, int64_t model_id, int64_t run_id, const struct vlm_model_spec *m,
                  const vlm_case *const *cases, int n_cases, bool retry_errors,
                  void (*say)(const char *line, void *user), void *user, int *n_stored) {
    if (store_gen_ensure(s) != VLM_OK) return VLM_ERR_IO;
    int n_errors = 0;
    char dir[PATH_MAX] = "";
    for (int i = 0; i < n_cases; i++) {
        const vlm_case *c = cases[i];
        if (c->error || !gen_is_generate(c)) continue;
        if (vlm_store_case_done(s, model_id, c->suite, c->id, !retry_errors)) continue;
        if (stop_requested()) return VLM_ERR_STOPPED;
        if (!m->engine.images_url) { /* not a failure: the model does not draw */
            if (store_gen_put(s, model_id, run_id, c, NULL, GEN_NA_REASON) != VLM_OK) return VLM_ERR_IO;
            (*n_stored)++;
            continue;
        }
        char why[600];
        if (!dir[0] && imagegen_dir(db_path, dir, why, sizeof why) != 0) {
            util_say(say, user, "model %s: %s", m->name, why);
            return VLM_ERR_IO;
        }
        int rc = draw_case(s, model_id, run_id, m, c, dir, say, user);
        if (rc < 0) return rc;
        (*n_stored)++;
        n_errors += rc;
    }
    return n_errors;
}
