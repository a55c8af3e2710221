/*
 * remote_body.c - what a request to an OpenAI-compatible server says: the user
 * message of a case's turn (its text and image parts in prompt order, each
 * image as remote_dials.c sends it) and the JSON body of a streaming chat
 * completion (model, messages, sampling, and the dials' fields). Shared by the
 * remote engine, the load test and the image-token twins (remote.h).
 */
#include "engine_impl.h"
#include "remote.h"
#include "remote_dials.h"
#include "util.h"
#include "vlmeter.h"

#include <jansson.h>
#include <stdlib.h>

json_t *remote_user_message(const struct vlm_engine_params *p, const vlm_case *c, int turn, int *next_image, char *err,
                            size_t err_len) {
    struct vlm_turn_part *parts = NULL;
    int n = eng_turn_parts(c, turn, next_image, &parts);
    json_t *content = json_array();
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        if (parts[i].text) {
            json_array_append_new(content,
                                  json_pack("{s:s, s:s%}", "type", "text", "text", parts[i].text, parts[i].len));
            continue;
        }
        if (parts[i].image < 0) {
            util_errf(err, err_len, "turn %d has more <image> markers than the case has images", turn);
            ok = false;
            break;
        }
        char *url = dials_image_url(&p->remote, c->images[parts[i].image], err, err_len);
        if (!url) {
            ok = false;
            break;
        }
        json_array_append_new(content, json_pack("{s:s, s:{s:s}}", "type", "image_url", "image_url", "url", url));
        free(url);
    }
    free(parts);
    if (!ok) {
        json_decref(content);
        return NULL;
    }
    return json_pack("{s:s, s:o}", "role", "user", "content", content);
}

char *remote_chat_body(const struct vlm_engine_params *p, json_t *messages) {
    const struct vlm_sampling *s = &p->sampling;
    json_t *b = json_pack("{s:s, s:O, s:b, s:{s:b}, s:i, s:f, s:f, s:i}", "model", p->remote.model_id, "messages",
                          messages, "stream", 1, "stream_options", "include_usage", 1, "max_tokens", s->max_tokens,
                          "temperature", (double)s->temp, "top_p", (double)s->top_p, "seed", (int)s->seed);
    if (s->top_k > 0) json_object_set_new(b, "top_k", json_integer(s->top_k));
    if (s->min_p > 0) json_object_set_new(b, "min_p", json_real(s->min_p));
    if (s->repeat_penalty != 1.0f) {
        json_object_set_new(b, "repeat_penalty", json_real(s->repeat_penalty));
        json_object_set_new(b, "repeat_last_n", json_integer(s->repeat_last_n));
    }
    dials_body(&p->remote, b);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return text;
}
