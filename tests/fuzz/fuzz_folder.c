/*
 * fuzz_folder.c - libFuzzer harness for the folder importer (lib/import.c,
 * vlm_import_folder): a scratch folder holding two small PNGs, a.png and
 * b.png, and a questions file the input becomes: CSV when the first byte is
 * even, JSONL when it is odd (docs/import.md). Rows name images, boxes,
 * choices and paths that may leave the folder; the importer must refuse or
 * skip them with a message, never crash.
 */
#include "fuzz_util.h"

#include "vlmeter.h"

#include <cairo.h>
#include <sys/stat.h>

/* Messages about skipped rows are expected; they go nowhere. */
static void quiet(const char *line, void *user) {
    (void)line;
    (void)user;
}

/* The folder with its two images, made once per process. */
static const char *image_folder(void) {
    static char dir[512];
    if (dir[0]) return dir;
    snprintf(dir, sizeof dir, "%s/images", fuzz_dir());
    mkdir(dir, 0700);
    const char *names[] = {"a.png", "b.png"};
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 8 + 8 * i, 8);
        cairo_surface_write_to_png(s, path);
        cairo_surface_destroy(s);
    }
    return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *folder = image_folder();
    char questions[640], out[512], err[1024];
    snprintf(questions, sizeof questions, "%s/questions.%s", folder, data[0] % 2 ? "jsonl" : "csv");
    FILE *f = fopen(questions, "wb");
    if (!f) return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    snprintf(out, sizeof out, "%s/out", fuzz_dir());
    struct vlm_import_params p = vlm_import_default_params();
    p.on_message = quiet;
    struct vlm_import_summary sum;
    (void)vlm_import_folder(folder, questions, out, &p, &sum, err, sizeof err);
    fuzz_remove_tree(out);
    unlink(questions);
    return 0;
}
