/*
 * remote_vision.c - whether a server's failed answer means "this model takes
 * no images" (docs/remote.md, "Text-only models"). A text-only model behind an
 * OpenAI-compatible server refuses a request with image content with HTTP 400
 * (422 from some hosted APIs) and a message; only a small set of known
 * messages counts, so that a 400 for any other reason stays an error.
 */
#include "remote.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* What known servers answer a request with image content when the model has no
 * vision, as lower-case phrases found anywhere in the body. */
static const char *const REFUSALS[] = {
    "image input is not supported",                  /* llama-server without --mmproj */
    "is not a multimodal model",                     /* vLLM, a text-only model */
    "image_url is only supported by certain models", /* OpenAI, a model without vision */
    "unknown variant `image_url`",                   /* DeepSeek's API (and other serde-based ones) */
    NULL,
};

/* Case-insensitive strstr. */
static bool contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return true;
    return false;
}

const char *remote_refuses_images(long status, const char *body) {
    if ((status != 400 && status != 422) || !body) return NULL;
    for (int i = 0; REFUSALS[i]; i++)
        if (contains_nocase(body, REFUSALS[i])) return REFUSALS[i];
    return NULL;
}
