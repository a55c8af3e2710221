/*
 * fuzz_pylit.c - libFuzzer harness for the readers of the VLMEvalKit importer's
 * cell texts: the Python list literals of lib/import_pylit.c (pylit_list,
 * answers and options such as "['A', 'B']") and the boxes of
 * lib/import_ground.c (import_ground_boxes, import_ground_vlmk_box). Each list
 * item read must be a NUL-terminated string; pylit_float_repr of a number read
 * from the input must read back as the same number.
 */
#include "fuzz_util.h"

#include <math.h>

#include <jansson.h>

#include "import_impl.h"

/* pylit_float_repr(v) parsed back with strtod gives v again (Python's repr round-trips). */
static void check_float_repr(const char *text) {
    char *end;
    double v = strtod(text, &end);
    if (end == text || isnan(v)) return;
    char *repr = pylit_float_repr(v);
    if (strtod(repr, NULL) != v) abort();
    free(repr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_strndup(data, size);
    (void)pylit_looks_like_list(text);
    char **items = NULL;
    int n = 0;
    if (pylit_list(text, &items, &n) == 0) {
        size_t total = 0;
        for (int i = 0; i < n; i++) total += strlen(items[i]);
        fuzz_sink = total;
        pylit_free(items, n);
    }
    check_float_repr(text);
    /* room for two boxes only, so that the limit is reached by short inputs (the seed has three) */
    double boxes[2][4], box[4];
    int n_boxes = 0;
    if (import_ground_boxes(text, boxes, 2, &n_boxes) == 0 && (n_boxes < 1 || n_boxes > 2)) abort();
    (void)import_ground_vlmk_box(text, 640, 480, box);
    free(text);
    return 0;
}
