/*
 * fuzz_score.c - libFuzzer harness for the scorers' answer parsers (lib/score.c,
 * lib/score_iou.c, lib/score_ref.c) through vlm_score_text. The first byte picks
 * the scorer (choice, number, yesno, iou and every other of vlm_scorer_names);
 * the rest is split at 0x1F bytes into the expected answer's JSON text (empty:
 * none), the reply, and up to eight choices.
 */
#include "fuzz_util.h"

#include "vlmeter.h"

#define FUZZ_SEP 0x1F

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *const *names = vlm_scorer_names();
    int n_names = 0;
    while (names[n_names]) n_names++;
    const char *scorer = names[data[0] % n_names];
    char *parts[10];
    int n = fuzz_split(data + 1, size - 1, FUZZ_SEP, parts, 10);
    const char *expected = parts[0][0] ? parts[0] : NULL;
    const char *reply = n > 1 ? parts[1] : "";
    const char *const *choices = n > 2 ? (const char *const *)&parts[2] : NULL;
    struct vlm_score sc;
    char err[256];
    if (vlm_score_text(scorer, reply, expected, choices, n > 2 ? n - 2 : 0, &sc, err, sizeof err) == VLM_OK) {
        /* the verdict's texts are NUL-terminated within their arrays */
        if (strnlen(sc.detail, sizeof sc.detail) == sizeof sc.detail) abort();
        if (strnlen(sc.ref_detail, sizeof sc.ref_detail) == sizeof sc.ref_detail) abort();
    }
    free(parts[0]);
    return 0;
}
