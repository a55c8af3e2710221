/*
 * hub.h - models by name from the Hugging Face hub: "hf:OWNER/REPO[:QUANT]"
 * resolved, downloaded (range resume, sha256 checked) and cached exactly where
 * and how llama.cpp's -hf does, so both tools share the files (docs/hub.md).
 */
#ifndef VLM_HUB_H
#define VLM_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_PREFIX "hf:"

/* Whether a model path is a hub reference ("hf:..."). */
bool hub_is_ref(const char *path);

/* Split "hf:OWNER/REPO[:QUANT]" into repo and tag (empty when none); false
 * with a reason in why when the repository name is not one the hub accepts
 * (llama.cpp's rules: one '/', [A-Za-z0-9_] with single '.', '-' between). */
bool hub_parse(const char *ref, char *repo, size_t repo_len, char *tag, size_t tag_len, char *why, size_t why_len);

/* The cache folder llama.cpp uses: $LLAMA_CACHE, $HF_HUB_CACHE,
 * $HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub,
 * ~/.cache/huggingface/hub. False when none can be told. */
bool hub_cache_dir(char *out, size_t out_len);

/* The hub's base URL with a final '/': $MODEL_ENDPOINT, $HF_ENDPOINT, or
 * https://huggingface.co/. */
void hub_endpoint(char *out, size_t out_len);

/* Of a repository's file paths, the model llama.cpp would load for `tag`
 * (empty: Q4_K_M, then Q8_0, then the first model GGUF); the first part of a
 * split model. -1 when none. */
int hub_pick_model(const char *const *paths, int n, const char *tag);

/* Of a repository's file paths, the projector (path holding "mmproj") that
 * llama.cpp pairs with `model`: in the model's folder or the nearest one above,
 * then the closest quantization bits. -1 when none. */
int hub_pick_mmproj(const char *const *paths, int n, const char *model);

/* The SHA-256 of a file as 64 lower-case hex digits (out: 65 bytes); false
 * when it cannot be read. */
bool hub_sha256_file(const char *path, char out[65]);

/* The SHA-256 of a buffer as 64 lower-case hex digits (out: 65 bytes). */
void hub_sha256_hex(const void *data, size_t len, char out[65]);

/* What hub_resolve found: malloc'd paths in the cache (mmproj NULL when not
 * asked for, or when the repository has none: a text-only model). */
struct hub_files {
    char *model;
    char *mmproj;
};

/* Resolve `ref` to local files: ask the hub for the repository's files (or,
 * when it cannot be reached, use what the cache holds), download what the
 * cache lacks with range resume, check each file's published sha256, and link
 * it into the cache as llama.cpp does. `want_mmproj` also fetches the
 * projector. Messages (what is downloaded, the hub being unreachable) go to
 * on_message; a progress bar goes to stderr when it is a terminal. VLM_OK, or
 * an error with a message naming the URL or file in err. */
int hub_resolve(const char *ref, bool want_mmproj, struct hub_files *out,
                void (*on_message)(const char *line, void *user), void *user, char *err, size_t err_len);

/* Free what hub_resolve returned. */
void hub_files_free(struct hub_files *f);

#endif
