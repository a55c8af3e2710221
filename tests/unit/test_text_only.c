/*
 * test_text_only.c - models without vision (docs/remote.md, "Text-only
 * models"): which server answers count as a refusal of image content (and that
 * a 400 for anything else stays an error), and that a case stored not
 * applicable (status 'na') is final: never run again, errors retried or not.
 */
#include "remote.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

/* The bodies real servers send when a text-only model gets image content. */
static void test_refusals_are_recognised(void **state) {
    /* llama-server started without --mmproj (tools/server/server-common.cpp) */
    assert_non_null(remote_refuses_images(
        400, "{\"error\":{\"code\":400,\"message\":\"image input is not supported - hint: if this is unexpected, you "
             "may need to provide the mmproj\",\"type\":\"invalid_request_error\"}}"));
    /* vLLM serving a text-only model */
    assert_non_null(remote_refuses_images(400, "{\"object\":\"error\",\"message\":\"facebook/opt-125m is not a "
                                               "multimodal model None\",\"type\":\"BadRequestError\",\"code\":400}"));
    /* OpenAI, a model without vision */
    assert_non_null(remote_refuses_images(
        400, "{\"error\":{\"message\":\"Invalid content type. image_url is only supported by certain models.\"}}"));
    /* DeepSeek's API: 422 from its JSON deserializer */
    assert_non_null(remote_refuses_images(
        422, "Failed to deserialize the JSON body into the target type: messages[0]: unknown variant `image_url`, "
             "expected `text` at line 1 column 120"));
    /* case does not matter */
    assert_non_null(remote_refuses_images(400, "IMAGE INPUT IS NOT SUPPORTED"));
}

/* Anything else stays an error: another 400, the phrase under another status. */
static void test_other_failures_stay_errors(void **state) {
    assert_null(remote_refuses_images(400, "{\"error\":{\"message\":\"the request exceeds the available context "
                                           "size, try increasing it\",\"type\":\"exceed_context_size_error\"}}"));
    assert_null(remote_refuses_images(400, "{\"error\":{\"message\":\"Failed to load image or audio file\"}}"));
    assert_null(remote_refuses_images(400, "{\"error\":{\"message\":\"image too large\"}}"));
    assert_null(remote_refuses_images(400, ""));
    assert_null(remote_refuses_images(400, NULL));
    /* the right words with a status that is not a refusal of the request */
    assert_null(remote_refuses_images(500, "image input is not supported"));
    assert_null(remote_refuses_images(404, "model is not a multimodal model"));
    assert_null(remote_refuses_images(200, "image input is not supported"));
}

/* Counts rows; each must be the n/a row of case c1 (export's view of it). */
static int count_row(const struct vlm_answer_row *row, void *user) {
    assert_string_equal(row->case_id, "c1");
    assert_true(row->not_applicable);
    assert_int_equal(row->turn, 0);
    assert_null(row->output);
    assert_string_equal(row->error, "no vision: refused");
    (*(int *)user)++;
    return 0;
}

/* A case stored `na` counts as done even when errors are to be run again, and
 * storing it drops the partial turns a refused later turn left behind. */
static void test_na_case_is_final(void **state) {
    char *dir = test_tmpdir();
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/s.db", dir);
    vlm_store *s = vlm_store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t model_id = 0;
    assert_int_equal(vlm_store_model(s, "m", "{}", &model_id, err, sizeof err), VLM_OK);
    const char *images[] = {"/x/a.png"};
    const char *turns[] = {"What is it?", "<image> And this?"};
    vlm_case c = {.suite = "s",
                  .id = "c1",
                  .category = "k",
                  .scorer = "",
                  .n_images = 1,
                  .images = images,
                  .n_turns = 2,
                  .turns = turns};
    struct vlm_turn_result r;
    memset(&r, 0, sizeof r);
    r.output = "a thing";
    assert_int_equal(vlm_store_put_turn(s, model_id, 1, &c, &r, false), VLM_OK); /* turn 0 answered */
    assert_false(vlm_store_case_done(s, model_id, "s", "c1", true));
    assert_int_equal(vlm_store_put_case_na(s, model_id, 1, &c, "no vision: refused"), VLM_OK);
    assert_true(vlm_store_case_done(s, model_id, "s", "c1", true));
    assert_true(vlm_store_case_done(s, model_id, "s", "c1", false)); /* --retry-errors leaves it alone */
    int n_answers = 0;
    assert_int_equal(vlm_store_each_answer(s, count_row, &n_answers), VLM_OK);
    assert_int_equal(n_answers, 1); /* turn 0's answer went with the partial case: only the n/a row */
    vlm_store_close(s);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_are_recognised),
        cmocka_unit_test(test_other_failures_stay_errors),
        cmocka_unit_test(test_na_case_is_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
