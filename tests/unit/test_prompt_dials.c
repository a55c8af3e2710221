/*
 * test_prompt_dials.c - what the settings system and prompt_suffix make of a
 * turn's messages (lib/prompt_dials.c): the user text with its suffix, the
 * remote user message's last text part (or a new one after a trailing image),
 * and the remote system message.
 */
#include "testutil.h"

#include <jansson.h>

#include "prompt_dials.h"

static char *dumps(json_t *j) { return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS); }

static void test_user_text(void **state) {
    struct vlm_engine_params p = vlm_engine_default_params();
    char *t = dials_user_text(&p, "<__media__> What is it?");
    assert_string_equal(t, "<__media__> What is it?"); /* no suffix: unchanged */
    free(t);
    p.prompt_suffix = "请用中文回答。";
    t = dials_user_text(&p, "<__media__> What is it?");
    assert_string_equal(t, "<__media__> What is it? 请用中文回答。"); /* after a space, the marker kept */
    free(t);
}

static void test_remote_user(void **state) {
    struct vlm_engine_params p = vlm_engine_default_params();
    p.prompt_suffix = "Be brief.";
    json_t *m = json_loads("{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},"
                           "{\"type\":\"text\",\"text\":\"What?\"}]}",
                           0, NULL);
    dials_remote_user(&p, m);
    char *s = dumps(m);
    assert_string_equal(s, "{\"content\":[{\"image_url\":{\"url\":\"x\"},\"type\":\"image_url\"},"
                           "{\"text\":\"What? Be brief.\",\"type\":\"text\"}],\"role\":\"user\"}");
    free(s);
    json_decref(m);
    /* the turn ends with an image: the suffix is a text part of its own after it */
    m = json_loads("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\"},"
                   "{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}",
                   0, NULL);
    dials_remote_user(&p, m);
    s = dumps(m);
    assert_string_equal(s, "{\"content\":[{\"text\":\"Look:\",\"type\":\"text\"},{\"image_url\":{\"url\":\"x\"},"
                           "\"type\":\"image_url\"},{\"text\":\" Be brief.\",\"type\":\"text\"}],\"role\":\"user\"}");
    free(s);
    json_decref(m);
}

static void test_remote_system(void **state) {
    struct vlm_engine_params p = vlm_engine_default_params();
    assert_null(dials_remote_system(&p));
    p.system_prompt = "You are terse.";
    json_t *m = dials_remote_system(&p);
    char *s = dumps(m);
    assert_string_equal(s, "{\"content\":\"You are terse.\",\"role\":\"system\"}");
    free(s);
    json_decref(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_text),
        cmocka_unit_test(test_remote_user),
        cmocka_unit_test(test_remote_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
