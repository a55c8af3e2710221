/*
 * test_path_escapes.c - no reader of paths relative to a suite or import folder
 * lets a path leave it (issue 17, deliverable 4): the suite loader (lib/suite.c,
 * `images`), the folder importer (lib/import.c, CSV and JSONL questions, and the
 * questions file it finds itself) and the VLMEvalKit importer
 * (lib/import_vlmevalkit.c, whose `image` and `image_path` cells are never
 * opened as files). For each: a `..` path and a symlink pointing out are
 * refused with a message naming the file and line, next to a path inside that
 * is accepted (so a reader refusing everything fails too). The file outside is
 * always a readable PNG, so a missing check would import it.
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stb/stb_image_write.h>

/* ------------------------------------------------------------ helpers */

struct fixture {
    char *dir;           /* the scratch folder: dir/outside holds the files no path may reach */
    char messages[8192]; /* the importers' on_message lines, each ending in \n */
    char err[1024];
    vlm_suite *suite;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    char *real = test_tmpdir();
    f->dir = real;
    *state = f;
    return real ? 0 : -1;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    vlm_suite_free(f->suite);
    test_rmdir(f->dir);
    free(f);
    return 0;
}

/* dir/rel as a new string. */
static char *at(const struct fixture *f, const char *rel) {
    size_t n = strlen(f->dir) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", f->dir, rel);
    return p;
}

static void make_dir(const struct fixture *f, const char *rel) {
    char *p = at(f, rel);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
}

/* A 4x4 PNG of one grey level at dir/rel. */
static void write_png(const struct fixture *f, const char *rel, unsigned char grey) {
    unsigned char px[4 * 4 * 3];
    memset(px, grey, sizeof px);
    char *p = at(f, rel);
    assert_true(stbi_write_png(p, 4, 4, 3, px, 4 * 3) != 0);
    free(p);
}

/* dir/link -> target (target as written: relative to the link's folder, or absolute). */
static void make_link(const struct fixture *f, const char *target, const char *link) {
    char *p = at(f, link);
    assert_int_equal(symlink(target, p), 0);
    free(p);
}

static void write_text(const struct fixture *f, const char *rel, const char *text) {
    char *p = at(f, rel);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    free(p);
}

/* The folder every test starts from: dir/outside/secret.png, a real image. */
static void make_outside(struct fixture *f) {
    make_dir(f, "outside");
    write_png(f, "outside/secret.png", 0x11);
}

static void collect(const char *line, void *user) {
    struct fixture *f = user;
    strncat(f->messages, line, sizeof f->messages - strlen(f->messages) - 2);
    strcat(f->messages, "\n");
}

static struct vlm_import_params import_params(struct fixture *f) {
    struct vlm_import_params p = vlm_import_default_params();
    p.on_message = collect;
    p.user = f;
    return p;
}

static void assert_has(const char *text, const char *want) {
    if (!text || !strstr(text, want)) fail_msg("expected '%s' in: %s", want, text ? text : "(null)");
}

/* Load dir/suite/s.jsonl (with `allow_outside`) into f->suite. */
static const vlm_suite *load_suite(struct fixture *f, const char *text, bool allow_outside) {
    write_text(f, "suite/s.jsonl", text);
    char *p = at(f, "suite/s.jsonl");
    struct vlm_suite_params sp = vlm_suite_default_params();
    sp.allow_outside = allow_outside;
    vlm_suite_free(f->suite);
    f->suite = vlm_suite_load(p, sp, f->err, sizeof f->err);
    free(p);
    assert_non_null(f->suite);
    return f->suite;
}

/* dir (resolved) + "/" + rel. */
static char *real_at(const struct fixture *f, const char *rel) {
    char *real = realpath(f->dir, NULL);
    size_t n = strlen(real) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", real, rel);
    free(real);
    return p;
}

/* ------------------------------------------------------------ suites */

/* `..` and a symlink leading out are refused, each naming the suite file and line. */
static void test_suite_dotdot_and_symlink(void **state) {
    struct fixture *f = *state;
    make_outside(f);
    make_dir(f, "suite");
    write_png(f, "suite/in.png", 0x22);
    make_link(f, "../outside/secret.png", "suite/link.png");
    const vlm_suite *s = load_suite(f,
                                    "{\"id\":\"up\",\"image\":\"../outside/secret.png\",\"prompt\":\"p\"}\n"
                                    "{\"id\":\"link\",\"image\":\"link.png\",\"prompt\":\"p\"}\n"
                                    "{\"id\":\"in\",\"image\":\"in.png\",\"prompt\":\"p\"}\n",
                                    false);
    assert_has(vlm_suite_case(s, 0)->error,
               "s.jsonl:1: image '../outside/secret.png' leaves the suite folder; pass --allow-outside to allow");
    assert_has(vlm_suite_case(s, 1)->error, "s.jsonl:2: image 'link.png' leaves the suite folder");
    assert_null(vlm_suite_case(s, 2)->error);
    char *want = real_at(f, "suite/in.png");
    assert_string_equal(vlm_suite_case(s, 2)->images[0], want);
    free(want);
}

/* A symlink whose target is missing is judged by its target, like one whose
 * target exists: pointing out it is refused, pointing in it is kept (the image
 * is then missing when the case runs); --allow-outside takes the one pointing
 * out, resolved to its target. A loop of links ends. */
static void test_suite_dangling_symlink(void **state) {
    struct fixture *f = *state;
    make_outside(f);
    make_dir(f, "suite");
    make_link(f, "../outside/not-yet.png", "suite/later.png");
    make_link(f, "not-here.png", "suite/gone.png");
    make_link(f, "loop-b.png", "suite/loop-a.png");
    make_link(f, "loop-a.png", "suite/loop-b.png");
    const char *text = "{\"id\":\"later\",\"image\":\"later.png\",\"prompt\":\"p\"}\n"
                       "{\"id\":\"gone\",\"image\":\"gone.png\",\"prompt\":\"p\"}\n"
                       "{\"id\":\"loop\",\"image\":\"loop-a.png\",\"prompt\":\"p\"}\n";
    const vlm_suite *s = load_suite(f, text, false);
    assert_has(vlm_suite_case(s, 0)->error, "s.jsonl:1: image 'later.png' leaves the suite folder");
    assert_null(vlm_suite_case(s, 1)->error);
    char *want = real_at(f, "suite/not-here.png");
    assert_string_equal(vlm_suite_case(s, 1)->images[0], want);
    free(want);
    assert_null(vlm_suite_case(s, 2)->error);
    s = load_suite(f, text, true);
    assert_null(vlm_suite_case(s, 0)->error);
    want = real_at(f, "outside/not-yet.png");
    assert_string_equal(vlm_suite_case(s, 0)->images[0], want);
    free(want);
}

/* ------------------------------------------------------------ folder importer */

/* dir/folder with in.png inside and link.png -> ../outside/secret.png. */
static void make_folder(struct fixture *f) {
    make_outside(f);
    make_dir(f, "folder");
    write_png(f, "folder/in.png", 0x33);
    make_link(f, "../outside/secret.png", "folder/link.png");
}

/* Import dir/folder (questions: NULL, or that file) into dir/out. */
static int import_folder(struct fixture *f, const char *questions, struct vlm_import_summary *sum) {
    char *folder = at(f, "folder"), *out = at(f, "out"), *q = questions ? at(f, questions) : NULL;
    struct vlm_import_params p = import_params(f);
    int rc = vlm_import_folder(folder, q, out, &p, sum, f->err, sizeof f->err);
    free(folder);
    free(out);
    free(q);
    return rc;
}

/* The only image the import stored is in.png's: one file in dir/out/images. */
static void assert_only_inside_image_stored(struct fixture *f, const struct vlm_import_summary *sum) {
    assert_int_equal(sum->n_images, 1);
    char *images = at(f, "out/images");
    DIR *d = opendir(images);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
    free(images);
    assert_int_equal(n, 1);
}

static void test_folder_csv_dotdot_and_symlink(void **state) {
    struct fixture *f = *state;
    make_folder(f);
    write_text(f, "folder/questions.csv",
               "image,question,answer\n"                 /* line 1 */
               "../outside/secret.png,Grey?,yes\n"       /* 2: .. */
               "link.png,Grey?,yes\n"                    /* 3: symlink out */
               "in.png,Grey?,yes\n"                      /* 4: inside */
               "in.png|../outside/secret.png,Two?,2\n"); /* 5: one of two leaves */
    struct vlm_import_summary sum;
    assert_int_equal(import_folder(f, NULL, &sum), VLM_OK);
    assert_int_equal(sum.n_ok, 1);
    assert_int_equal(sum.n_bad, 3);
    assert_has(f->messages, "questions.csv:2: image '../outside/secret.png' leaves the folder");
    assert_has(f->messages, "questions.csv:3: image 'link.png' leaves the folder");
    assert_has(f->messages, "questions.csv:5: image '../outside/secret.png' leaves the folder");
    assert_only_inside_image_stored(f, &sum);
}

static void test_folder_jsonl_dotdot_and_symlink(void **state) {
    struct fixture *f = *state;
    make_folder(f);
    make_dir(f, "folder/sub");
    write_text(f, "folder/questions.jsonl",
               "{\"image\":\"../outside/secret.png\",\"question\":\"Grey?\"}\n"
               "{\"images\":[\"in.png\",\"link.png\"],\"question\":\"Grey?\"}\n"
               "{\"image\":\"in.png\",\"question\":\"Grey?\"}\n"
               "{\"image\":\"sub/../../outside/secret.png\",\"question\":\"Grey?\"}\n");
    struct vlm_import_summary sum;
    assert_int_equal(import_folder(f, NULL, &sum), VLM_OK);
    assert_int_equal(sum.n_ok, 1);
    assert_int_equal(sum.n_bad, 3);
    assert_has(f->messages, "questions.jsonl:1: image '../outside/secret.png' leaves the folder");
    assert_has(f->messages, "questions.jsonl:2: image 'link.png' leaves the folder");
    assert_has(f->messages, "questions.jsonl:4: image 'sub/../../outside/secret.png' leaves the folder");
    assert_only_inside_image_stored(f, &sum);
}

/* The questions file found in the folder may not be a symlink leading out of it;
 * named with --questions, a file anywhere is read (the user chose it). */
static void test_folder_questions_symlink(void **state) {
    struct fixture *f = *state;
    make_folder(f);
    write_text(f, "outside/questions.csv", "image,question,answer\nin.png,Grey?,yes\n");
    make_link(f, "../outside/questions.csv", "folder/questions.csv");
    struct vlm_import_summary sum;
    assert_int_equal(import_folder(f, NULL, &sum), VLM_ERR_INPUT);
    assert_has(f->err, "/folder/questions.csv' leaves the folder '");
    assert_has(f->err, "name it with --questions to use it");
    char *out = at(f, "out/folder.jsonl");
    assert_int_equal(access(out, F_OK), -1);
    free(out);
    assert_int_equal(import_folder(f, "outside/questions.csv", &sum), VLM_OK);
    assert_int_equal(sum.n_ok, 1);
}

/* ------------------------------------------------------------ VLMEvalKit importer */

/* The TSV's images are base64 cells; a path in `image` is never opened (a short
 * one names another row's index, a long one is not base64) and `image_path` is
 * only a label: no byte of the file outside is read, whatever the cells say. */
static void test_vlmevalkit_opens_no_path(void **state) {
    struct fixture *f = *state;
    make_outside(f);
    make_dir(f, "tsv");
    make_link(f, "../outside/secret.png", "tsv/link.png");
    /* a 1x1 PNG, base64 */
    const char *png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC";
    char long_path[256] = "";
    for (int i = 0; i < 30; i++) strcat(long_path, "../");
    strcat(long_path, "outside/secret.png");
    char tsv[2048];
    snprintf(tsv, sizeof tsv,
             "index\timage\tquestion\tanswer\tcategory\timage_path\n"
             "1\t%s\tIs it grey?\tYes\tcolor\t../../outside/secret.png\n" /* 2: a label only */
             "2\t../outside/secret.png\tIs it grey?\tYes\tcolor\tx.png\n" /* 3: a row index */
             "3\tlink.png\tIs it grey?\tYes\tcolor\tx.png\n"              /* 4: a row index */
             "4\t%s\tIs it grey?\tYes\tcolor\tx.png\n",                   /* 5: not base64 */
             png, long_path);
    write_text(f, "tsv/MME.tsv", tsv);
    char *path = at(f, "tsv/MME.tsv"), *out = at(f, "out");
    struct vlm_import_params p = import_params(f);
    struct vlm_import_summary sum;
    assert_int_equal(vlm_import_vlmevalkit(path, out, &p, &sum, f->err, sizeof f->err), VLM_OK);
    free(path);
    free(out);
    assert_int_equal(sum.n_ok, 1);
    assert_int_equal(sum.n_bad, 3);
    assert_has(f->messages, "MME.tsv:3: 'image' refers to row index '../outside/secret.png', which is not in the file");
    assert_has(f->messages, "MME.tsv:4: 'image' refers to row index 'link.png', which is not in the file");
    assert_has(f->messages, "MME.tsv:5: 'image'");
    /* the one image stored is the 1x1 PNG of the cell (69 bytes), not the 4x4 file outside */
    assert_int_equal(sum.n_images, 1);
    char *images = at(f, "out/images");
    DIR *d = opendir(images);
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        char file[1024];
        snprintf(file, sizeof file, "%s/%s", images, e->d_name);
        struct stat st;
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_size, 69);
    }
    closedir(d);
    free(images);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_suite_dotdot_and_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suite_dangling_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_csv_dotdot_and_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_jsonl_dotdot_and_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_questions_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlmevalkit_opens_no_path, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
