/*
 * bench_acc.c - accuracy under load (docs/metrics.md, "Accuracy under load"):
 * a level's accuracy with its Wilson interval and the exact McNemar test
 * against the one-at-a-time level over the cases answered at both. Sits with
 * the statistics: bench.c only counts right and wrong answers.
 */
#include "vlmeter.h"

#include <string.h>

void vlm_bench_accuracy(const struct vlm_bench_level *ref, const struct vlm_bench_level *l, struct vlm_bench_acc *out) {
    memset(out, 0, sizeof *out);
    out->p_value = 1;
    out->acc = l->n_scored > 0 ? (double)l->n_correct / l->n_scored : 0;
    vlm_wilson95(l->n_correct, l->n_scored, &out->lo, &out->hi);
    if (!ref || !ref->case_correct || !l->case_correct) return;
    size_t n = strlen(ref->case_correct);
    if (strlen(l->case_correct) != n) return;
    for (size_t i = 0; i < n; i++) {
        char a = ref->case_correct[i], b = l->case_correct[i];
        if (a == '-' || b == '-') continue;
        out->n_pairs++;
        if (a == '1' && b == '0') out->b++;
        else if (a == '0' && b == '1') out->c++;
    }
    out->p_value = vlm_mcnemar_exact(out->b, out->c);
    out->dropped = out->p_value < 0.05 && out->b > out->c;
}
