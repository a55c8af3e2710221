/*
 * engine_turn.c - what every engine does to a turn's text: the split of a turn
 * into text pieces and image places (the "<image>" markers), and the split of
 * a generated answer at its reasoning block. Below the backends
 * (engine_sched.c, engine_remote.c, remote_body.c) and the dispatcher
 * (engine.c), which all call it; declared in engine_impl.h.
 */
#include "engine_impl.h"
#include "util.h"
#include "vlmeter.h"

#include <string.h>

static int count_markers(const char *s) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, "<image>")); p += 7) n++;
    return n;
}

static void push_part(struct vlm_turn_part *parts, int *n, const char *text, size_t len, int image) {
    if (text && len == 0) return;
    parts[*n].text = text;
    parts[*n].len = len;
    parts[*n].image = image;
    (*n)++;
}

static size_t skip_space(const char *s, size_t i) {
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') i++;
    return i;
}

enum vlm_reasoning_state eng_split_reasoning(const char *text, const char *start, const char *end, bool opened,
                                             struct vlm_reasoning_split *sp) {
    size_t i = skip_space(text, 0);
    memset(sp, 0, sizeof *sp);
    if (!opened) {
        if (!start[0] || strncmp(text + i, start, strlen(start)) != 0) return VLM_REASONING_NONE;
        i += strlen(start);
    }
    sp->reasoning_start = i;
    const char *close = end[0] ? strstr(text + i, end) : NULL;
    if (!close) {
        sp->reasoning_end = sp->content_start = strlen(text);
        return VLM_REASONING_UNCLOSED;
    }
    sp->reasoning_end = (size_t)(close - text);
    sp->content_start = skip_space(text, sp->reasoning_end + strlen(end));
    return VLM_REASONING_CLOSED;
}

int eng_turn_parts(const vlm_case *c, int turn, int *next_image, struct vlm_turn_part **out) {
    int total_markers = 0;
    for (int t = 0; t < c->n_turns; t++) total_markers += count_markers(c->turns[t]);
    int leftover = c->n_images > total_markers ? c->n_images - total_markers : 0;
    int markers = count_markers(c->turns[turn]);
    int n_lead = turn == 0 ? leftover : 0;
    struct vlm_turn_part *parts = xcalloc((size_t)(n_lead + 2 * markers) + 2, sizeof *parts);
    int n = 0;
    for (int i = 0; i < n_lead; i++) push_part(parts, &n, NULL, 0, total_markers + i);
    const char *p = c->turns[turn];
    for (const char *m; (m = strstr(p, "<image>")); p = m + 7) {
        push_part(parts, &n, p, (size_t)(m - p), 0);
        push_part(parts, &n, NULL, 0, *next_image < c->n_images ? (*next_image)++ : -1);
    }
    push_part(parts, &n, p, strlen(p), 0);
    *out = parts;
    return n;
}
