/*
 * probe_pictures.c - drawing a case's pictures until their check passes and
 * saving them as the case's images (DIR/images/, as PNG). Used by the generators
 * (probe_objects.c, probe_text.c, probe_dialog.c, probe_ground.c); built on
 * probe_render.c (drawing) and probe.c (the case helpers). Declared in probe.h.
 */
#include "probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------ saving */

/* Write the canvas as image i of the case, for language `lang` (PL_N: both), as
 * DIR/images/{base}{suffix}.png. */
static int save_image(struct probe_ctx *x, struct probe_case *pc, int i, int lang, probe_canvas *c,
                      const char *suffix) {
    char *rel = xasprintf("images/%s%s.png", x->base, suffix ? suffix : "");
    char *path = util_path_join(x->dir, rel);
    int rc = probe_canvas_png(c, path, x->err, sizeof x->err);
    free(path);
    if (rc != 0) {
        free(rel);
        return -1;
    }
    x->n_images++;
    if (lang == PL_N) {
        pc->images[PL_EN][i] = rel;
        pc->images[PL_ZH][i] = rel; /* shared: freed once */
    } else {
        pc->images[lang][i] = rel;
    }
    if (i + 1 > pc->n_images) pc->n_images = i + 1;
    return 0;
}

/* ------------------------------------------------------------ drawing with checks */

int probe_draw_checked(struct probe_ctx *x, probe_rng *rng, const struct probe_picture_ops *ops, void *spec,
                       probe_canvas **out) {
    char why[256] = "no layout found";
    for (int attempt = 0; attempt < PROBE_MAX_ATTEMPTS; attempt++) {
        if (attempt > 0) x->n_retries++;
        if (!ops->layout(rng, spec)) continue;
        int n = ops->draw(spec, out);
        vlm_image ims[PROBE_MAX_IMAGES];
        for (int i = 0; i < n; i++) probe_canvas_rgb(out[i], &ims[i]);
        bool ok = ops->check(ims, n, spec, why, sizeof why);
        for (int i = 0; i < n; i++) vlm_image_free(&ims[i]);
        if (ok) return n;
        for (int i = 0; i < n; i++) probe_canvas_free(out[i]);
    }
    return probe_fail(x, "%s: no drawing held its answer in %d layouts: %s", x->base, PROBE_MAX_ATTEMPTS, why);
}

int probe_save_pictures(struct probe_ctx *x, struct probe_case *pc, probe_canvas **pics, int n, int lang) {
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char suffix[16] = "";
        if (n > 1) snprintf(suffix, sizeof suffix, "-%d", i + 1);
        if (lang != PL_N)
            snprintf(suffix + strlen(suffix), sizeof suffix - strlen(suffix), "-%s", lang == PL_EN ? "en" : "zh");
        if (rc == 0) rc = save_image(x, pc, i, lang, pics[i], suffix);
        probe_canvas_free(pics[i]);
    }
    return rc;
}

int probe_make_pictures(struct probe_ctx *x, probe_rng *rng, struct probe_case *pc, const struct probe_picture_ops *ops,
                        void *spec) {
    probe_canvas *pics[PROBE_MAX_IMAGES];
    int n = probe_draw_checked(x, rng, ops, spec, pics);
    return n < 0 ? -1 : probe_save_pictures(x, pc, pics, n, PL_N);
}
