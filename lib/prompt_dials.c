/*
 * prompt_dials.c - the settings `system` and `prompt_suffix` applied to the
 * messages of a turn (prompt_dials.h).
 */
#include "prompt_dials.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool has_suffix(const struct vlm_engine_params *p) { return p->prompt_suffix && p->prompt_suffix[0]; }

char *dials_user_text(const struct vlm_engine_params *p, const char *text) {
    return has_suffix(p) ? xasprintf("%s %s", text, p->prompt_suffix) : xstrdup(text);
}

void dials_remote_user(const struct vlm_engine_params *p, json_t *msg) {
    if (!has_suffix(p)) return;
    json_t *content = json_object_get(msg, "content");
    size_t n = json_array_size(content);
    json_t *last = n ? json_array_get(content, n - 1) : NULL;
    const char *type = json_string_value(json_object_get(last, "type"));
    if (type && strcmp(type, "text") == 0) {
        char *text = dials_user_text(p, json_string_value(json_object_get(last, "text")));
        json_object_set_new(last, "text", json_string(text));
        free(text);
        return;
    }
    char *text = xasprintf(" %s", p->prompt_suffix);
    json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", text));
    free(text);
}

json_t *dials_remote_system(const struct vlm_engine_params *p) {
    if (!p->system_prompt || !p->system_prompt[0]) return NULL;
    return json_pack("{s:s, s:s}", "role", "system", "content", p->system_prompt);
}
