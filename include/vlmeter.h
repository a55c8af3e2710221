/*
 * vlmeter.h - the public C API of libvlmeter.
 *
 * vlmeter puts the same vision-language test cases to several models and keeps
 * every answer with its timings in a SQLite store. The pieces, in the order data
 * flows through them:
 *
 *   vlm_suite   test cases parsed from JSONL files (docs/suite-format.md)
 *   vlm_plan    models, suites and settings from a YAML file (docs/plan-format.md)
 *   vlm_engine  one model that answers cases: local (llama.cpp + mtmd) or remote
 *               (an OpenAI-compatible server over HTTP, docs/remote.md)
 *   vlm_store   the SQLite store: runs, models, answers, timings
 *   vlm_runner  drives models x suites into the store, resumably
 *   vlm_forge   writes random-weight GGUF models of real architectures
 *   vlm_quantize quantized variants of a model, compared as a family (docs/quantize.md)
 *   vlm_catalog GPU and API prices; cost formulas, memory fit, the recommendation
 *               (docs/cost.md)
 *
 * Conventions: opaque handles; x_default_params() then x_init()/x_free(); errors
 * come back as a NULL handle or a negative status with a message in the caller's
 * buffer (`err`, `err_len`). The library never exits and never aborts on user data.
 */
#ifndef VLMETER_H
#define VLMETER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VLM_VERSION "0.1.0"

/* VLM_API marks each public function: libvlmeter.so is built with hidden
 * visibility and exports exactly these (`nm -D`). */
#if defined(__GNUC__)
#define VLM_API __attribute__((visibility("default")))
#else
#define VLM_API
#endif

/* Status codes returned by functions that return int. */
enum vlm_status {
    VLM_OK = 0,
    VLM_ERR_INPUT = -1,   /* bad user data: file, line or field named in err */
    VLM_ERR_IO = -2,      /* a file or the store could not be read or written */
    VLM_ERR_MODEL = -3,   /* a model failed to load or to run */
    VLM_ERR_STOPPED = -4, /* interrupted (SIGINT/SIGTERM) */
};

/* ------------------------------------------------------------------ suite */

/* One test case. All strings are owned by the suite that holds the case. */
typedef struct vlm_case {
    const char *suite;      /* suite name (file name without .jsonl) */
    const char *id;         /* unique within the suite */
    const char *category;   /* business category, "" when not given; the first of several */
    const char *categories; /* JSON array text when the case counts under several
                               categories (POPE's "adversarial,popular"), else NULL */
    const char *scorer;     /* scorer name, "" when not given */
    const char *where;      /* "FILE:LINE" the case came from */
    const char *error;      /* non-NULL: the case is malformed; why */
    int n_images;
    const char **images; /* absolute paths, in prompt order */
    int n_turns;
    const char **turns;    /* user prompt per turn; "<image>" marks image places */
    const char **expected; /* expected answer per turn as JSON text, or NULL */
    int n_choices;
    const char **choices;  /* options of a multiple-choice case */
    const char *groups;    /* JSON object of aggregate groups ({"circular": "12"}),
                             NULL when none (docs/suite-format.md) */
    const char *kind;      /* NULL or "" for a question case; "generate": the model draws
                              turns[0] (docs/suite-format.md, "Generate cases") */
    const char *questions; /* a generate case's questions about the picture, compact
                              JSON array of {"q","a","choices"?,"scorer"}; else NULL */
} vlm_case;

typedef struct vlm_suite vlm_suite;

struct vlm_suite_params {
    bool allow_outside; /* allow image paths that leave the suite's folder */
};

/* Defaults: images must stay inside the suite's folder. */
VLM_API struct vlm_suite_params vlm_suite_default_params(void);

/* Parse a JSONL suite file. Malformed lines do not fail the load: each becomes a
 * case whose `error` says FILE:LINE and what is wrong. Returns NULL (with err) only
 * when the file itself cannot be read. */
VLM_API vlm_suite *vlm_suite_load(const char *path, struct vlm_suite_params params, char *err, size_t err_len);

/* The built-in demo suite (a few generated images and questions) written into
 * `dir`, then loaded. Used by `make run` when no suite is given. */
VLM_API vlm_suite *vlm_suite_demo(const char *dir, char *err, size_t err_len);

VLM_API int vlm_suite_n_cases(const vlm_suite *suite);
VLM_API const vlm_case *vlm_suite_case(const vlm_suite *suite, int i);
VLM_API const char *vlm_suite_name(const vlm_suite *suite);
VLM_API const char *vlm_suite_path(const vlm_suite *suite); /* as given to vlm_suite_load */
VLM_API void vlm_suite_free(vlm_suite *suite);

/* ------------------------------------------------------------------ image */

/* A decoded image: 8-bit RGB, row-major, no padding, upright (a JPEG's EXIF
 * orientation applied). */
typedef struct vlm_image {
    uint32_t width, height;
    unsigned char *rgb; /* width*height*3 bytes, owned */
    uint64_t hash[2];   /* XXH3-128 of the file's bytes: equal files, equal hash */
} vlm_image;

/* Decode a JPEG (libjpeg-turbo), PNG (libpng), WebP (libwebp) or BMP file,
 * at most 16384 pixels a side and 100 megapixels in all, checked from its
 * header before decoding (docs/suite-format.md, "Images"). Returns VLM_OK, or
 * VLM_ERR_INPUT with a message naming the file when it is missing, truncated,
 * not an image, too large or a decompression bomb. */
VLM_API int vlm_image_load(const char *path, vlm_image *out, char *err, size_t err_len);
VLM_API void vlm_image_free(vlm_image *img);

/* ------------------------------------------------------------------ engine */

struct vlm_sampling {
    float temp;           /* 0 = greedy (default) */
    float top_p;          /* 1.0 = off */
    int top_k;            /* 0 = off */
    float min_p;          /* 0.0 = off */
    float repeat_penalty; /* 1.0 = off */
    int repeat_last_n;    /* tokens the penalty looks back over */
    uint32_t seed;
    int max_tokens; /* per turn */
};

/* Most sequences one local model decodes together (n_parallel). */
#define VLM_MAX_PARALLEL 256

/* Most base URLs one remote model may have (requests go round-robin over them). */
#define VLM_MAX_URLS 16

/* A remote model: an OpenAI-compatible /chat/completions endpoint (docs/remote.md).
 * The API key is read from the environment variable named key_env at request
 * time; its value is never stored, logged or reported. */
struct vlm_remote_params {
    int n_urls;                     /* 0: the model is local */
    const char *urls[VLM_MAX_URLS]; /* base URLs, "https://host/v1" */
    const char *model_id;           /* the "model" field sent */
    const char *key_env;            /* NULL: no Authorization header */
    double timeout_s;               /* per request attempt (default 120) */
    int max_retries;                /* on connection errors, 429 and 5xx (default 3) */
    int concurrency;                /* vlm_run: cases answered at once (default 1) */
    int max_pixels;                 /* resize each image before upload to at most this many pixels
                                       (aspect ratio kept; 0: sent as is; docs/remote.md) */
    int max_side;                   /* ... and at most this many pixels along its longer side (0: off) */
    bool no_token_twins;            /* do not send the text-only twin request that derives a turn's
                                       image tokens (`derive_image_tokens: false`; judges) */
    const char *processor_json;     /* NULL, or a JSON object sent as the request's
                                       mm_processor_kwargs (vLLM's per-request processor options) */
    const char *metrics_url;        /* the server's Prometheus page; NULL: http://HOST:PORT/metrics of
                                       urls[0] (docs/metrics.md, "Server metrics") */
    const char *gpu;                /* NULL, or the catalog GPU the endpoint runs on: priced as a
                                       self-hosted model (docs/cost.md); not a setting */
    int n_gpus;                     /* how many of them (gpus=N; 0: 1) */
};

struct vlm_engine_params {
    const char *model_path;    /* the LM GGUF, or "hf:OWNER/REPO[:QUANT]": fetched from the model
                                  hub into llama.cpp's cache when the engine starts (docs/hub.md) */
    const char *mmproj_path;   /* the vision projector GGUF (NULL with an hf: model: the repository's) */
    const char *chat_template; /* NULL: the GGUF's own (Jinja); else a llama.cpp built-in name,
                                  or Jinja text (docs/plan-format.md, "template") */
    const char *reasoning;     /* NULL or "auto": as the template does; "on", "off" (its
                                  enable_thinking), or "budget=N": at most N tokens of reasoning */
    int n_ctx;                 /* context tokens (default 4096) */
    int n_batch;               /* prefill batch (default 2048) */
    int n_threads;             /* 0 = all cores */
    int n_gpu_layers;          /* -1 = all that fit (default), 0 = CPU only */
    const char *rpc_servers;   /* local: NULL, or "HOST:PORT[,HOST:PORT]": llama.cpp rpc-servers whose
                                  devices take the offloaded layers (docs/plan-format.md, "rpc") */
    int n_parallel;            /* local: cases decoded together, one sequence each (default 1) */
    bool reuse;                /* local: encode each image once, start prompts from the longest
                                  KV prefix already held (default true; docs/metrics.md) */
    int image_cache_mib;       /* local, with reuse: budget of the image-embedding cache (default 1024) */
    int prefill_chunk;         /* local: most prompt tokens put into one llama_decode step while other
                                  sequences generate (default 512); 0: each turn's prompt is prefilled
                                  alone before anything else goes on (docs/metrics.md, "Scheduling") */
    int image_min_tokens;      /* local: tokens an image becomes at least / at most, as llama.cpp's
                                  --image-min-tokens / --image-max-tokens (0: the projector's own;
                                  refused when the projector's image size is fixed; docs/metrics.md) */
    int image_max_tokens;
    bool record_logit_gaps;    /* keep the top-2 logit gap of each output token */
    bool text_only;            /* the model has no vision (`vision=false`; a local model without
                                  mmproj_path is text-only anyway): image cases are not sent but
                                  answered "no vision" (vlm_turn_result.no_vision) */
    const char *system_prompt; /* NULL, or a system message put before every case's first turn */
    const char *prompt_suffix; /* NULL, or text appended to every user turn's text (after a space) */
    struct vlm_sampling sampling;
    struct vlm_remote_params remote;
    void (*on_message)(const char *line, void *user); /* news while starting (hub downloads); NULL: none */
    void *message_user;                               /* handed to on_message */
    const char *images_url;                           /* NULL, or an OpenAI-compatible images endpoint's base URL
                               (…/v1): the model draws `generate` cases (docs/remote.md) */
    double price_image;                               /* USD per generated image (0: not priced) */
};

/* What loading a model cost and what it is. */
struct vlm_model_info {
    double load_ms;         /* LM + projector load, wall clock */
    uint64_t model_bytes;   /* size of the LM file */
    uint64_t mmproj_bytes;  /* size of the projector file */
    uint64_t n_params;      /* LM parameters */
    char arch[64];          /* general.architecture of the LM */
    char template_name[64]; /* chat template applied: "jinja/<family>", "jinja/custom",
                                   "builtin/<name>", or "server" (remote) */
    char template_hash[17]; /* XXH64 of the template's source, hex ("" for remote) */
    char backend[64];       /* "CPU", "CUDA0", ... */
    uint64_t gpu_mem_bytes; /* device memory held after load, 0 on CPU */
    int n_threads;          /* CPU threads used */
    int n_gpu_layers;       /* layers asked to be offloaded (-1 = all) */
    int n_ctx, n_batch;
    char gpu_bus_ids[256]; /* PCI bus ids of the GPUs holding layers, comma-separated, lower-case
                              ("0000:c1:00.0,0000:c2:00.0"); "" on CPU, over RPC, remote, or
                              when ggml cannot say (GPU sampling then keeps every GPU) */
    bool has_vision;       /* false: a text-only model (no mmproj, vision=false, or a server that
                        refused image content); its image cases are answered no_vision */
};

/* Timings and counts of one turn. Times are wall clock, in milliseconds. */
struct vlm_turn_timings {
    double image_decode_ms; /* reading + decoding image files */
    double image_encode_ms; /* projector: preprocess + vision encoder */
    int n_prompt_tokens;    /* text + image tokens prefilled this turn */
    int n_image_tokens;
    double prefill_ms; /* llama_decode of the prompt (text and image embeddings) */
    double ttft_ms;    /* turn start to first output token */
    int n_output_tokens;
    double decode_ms;          /* first output token to last */
    double decode_tps;         /* (n_output_tokens - 1) / decode_ms * 1000 */
    double e2e_ms;             /* turn start to last output token */
    double tpot_ms;            /* (e2e_ms - ttft_ms) / (n_output_tokens - 1) */
    double itl_ms_p50;         /* median gap between output chunks (tokens) */
    double itl_ms_max;         /* longest such gap */
    bool tokens_estimated;     /* remote: the server sent no usage; counts are chunks */
    int n_retries;             /* remote: attempts repeated before this answer */
    int n_cached_tokens;       /* local: of n_prompt_tokens, those found in the KV cache (not prefilled) */
    int n_images_cached;       /* local: images whose embedding was reused (not encoded again) */
    double decode_batch_mean;  /* local: mean sequences per decode step while this turn decoded */
    int n_reasoning_tokens;    /* output tokens of the reasoning block, its tags included */
    double reasoning_ms;       /* first output token to the first answer token (to the last
                                   token when the block never closed) */
    bool image_tokens_derived; /* remote: n_image_tokens is the prompt tokens less those of the
                                  same request without its images (docs/metrics.md) */
};

/* How a turn's answer began (docs/metrics.md, "Reasoning"). */
enum vlm_reasoning_state {
    VLM_REASONING_NONE,     /* no reasoning block: the whole output is the answer */
    VLM_REASONING_CLOSED,   /* a block, closed; the answer is what follows it */
    VLM_REASONING_UNCLOSED, /* a block never closed (max tokens): no answer, scored unparsed */
};

/* One turn's answer. `output` and `error` are valid during the callback only. */
struct vlm_turn_result {
    int turn;           /* 0-based */
    const char *output; /* the answer ("" on error): the generated text less its
                                   reasoning block */
    const char *error;  /* NULL when the turn ran */
    bool no_vision;     /* with error: the turn carries images and the model has no vision
                           (text-only model, or the server refused image content); the
                           case is not applicable to it, not failed (docs/remote.md) */
    enum vlm_reasoning_state reasoning_state;
    const char *reasoning;   /* the reasoning block's text, tags left out (NULL when none) */
    const char *text;        /* the whole generated text, reasoning block included */
    const char *prompt_text; /* local: the text this turn added to the conversation, as the
                                   chat template rendered it (image markers in place); else NULL */
    struct vlm_turn_timings t;
    int n_gaps;               /* with record_logit_gaps: one per output token */
    const float *logit_gaps;  /* top-1 minus top-2 logit */
    const int *tokens;        /* the output token ids */
    const int *token_offsets; /* byte offset where each token's text starts, in the whole
                                   generated text: reasoning block first, then `output` */
    int n_itl;                /* gaps between output chunks, in order (ms) */
    const double *itl_ms;
    int n_images;                  /* local: the images this turn added, in order (0: none) */
    const int *image_tokens;       /* per image: the tokens it became, all its tiles together */
    const double *image_encode_ms; /* per image: projector ms (0 when its embedding was reused);
                                        copies of one picture in a turn share both equally */
};

/* Called once per turn, in order, as soon as the turn's answer exists.
 * Return false to stop the case. */
typedef bool (*vlm_turn_cb)(const struct vlm_turn_result *r, void *user);

/* Called once per turn by vlm_engine_answer_cases; `index` is the case's place
 * in the array given. Return false to stop every case. */
typedef bool (*vlm_cases_turn_cb)(int index, const struct vlm_turn_result *r, void *user);

/* What a local engine's reuse and batching did since it was loaded
 * (docs/metrics.md, "Reuse and batching"). */
struct vlm_engine_stats {
    int n_parallel;               /* sequences decoded together */
    int64_t images_encoded;       /* projector runs */
    int64_t images_cached;        /* images whose embedding came from the cache */
    int64_t prompt_tokens;        /* prompt tokens of every turn answered */
    int64_t prompt_tokens_cached; /* of those, found in the KV cache (not prefilled) */
    int64_t decode_steps;         /* llama_decode calls that generated tokens */
    int64_t decode_tokens;        /* generated tokens in those calls (/ decode_steps: mean batch) */
    int64_t prefill_steps;        /* scheduler steps (llama_decode calls) that held prompt text tokens */
    int64_t prefill_step_tokens;  /* prompt tokens in those steps (/ prefill_steps: mean per step) */
    int64_t mixed_steps;          /* steps that held prompt tokens and generated ones (chunked prefill) */
    double encode_ms;             /* image preprocessing and projector runs */
    double prefill_ms;            /* llama_decode calls holding prompt input only (text, image embeddings) */
    double decode_ms;             /* llama_decode calls holding generated tokens only */
    double mixed_ms;              /* llama_decode calls holding both */
};

typedef struct vlm_engine vlm_engine;

VLM_API struct vlm_engine_params vlm_engine_default_params(void);

/* Load a model and its projector (an "hf:" model fetched into the cache first,
 * its news to params.on_message). NULL with a message on a missing, truncated or
 * mismatched file, or a hub that cannot give the files. The engine keeps params
 * as given, to compare in vlm_engine_retune: their strings must outlive it. */
VLM_API vlm_engine *vlm_engine_init(struct vlm_engine_params params, char *err, size_t err_len);

/* Answer every turn of a case in one conversation, calling `cb` per turn. A turn
 * that fails (unreadable image, prompt longer than the context) is reported
 * through `cb` with `error` set, and the remaining turns are skipped.
 * Returns VLM_OK, or the status of the first failure. */
VLM_API int vlm_engine_answer(vlm_engine *e, const vlm_case *c, vlm_turn_cb cb, void *user);

/* Answer many cases, in an order of the engine's choosing: cases are grouped by
 * their first image (keeping suite order inside a group and between groups) so
 * that a shared prefix stays in the KV cache, and a local engine answers
 * n_parallel of them at once. Each case's turns arrive in order; different
 * cases interleave. A malformed case (`error` set) is reported as a failed
 * turn 0. Returns VLM_OK (some turns may have failed: see their `error`),
 * VLM_ERR_STOPPED when stopped (Ctrl-C or cb returned false) or
 * VLM_ERR_MODEL when the model itself broke. */
VLM_API int vlm_engine_answer_cases(vlm_engine *e, const vlm_case *const *cases, int n, vlm_cases_turn_cb cb,
                                    void *user);

VLM_API const struct vlm_model_info *vlm_engine_info(const vlm_engine *e);

/* Switch a loaded engine to the settings of another model that differs from
 * the one it was loaded for only in per-request settings (sampling, max_tokens,
 * system, prompt_suffix; remote: also max_pixels, max_side, processor, timeout,
 * retries), so that rows of a sweep share one load (docs/plan-format.md,
 * "Sweeps"). A local engine also forgets its KV prefixes, image-embedding cache
 * and reuse figures, so what follows is measured as after a fresh load. p's
 * strings must outlive e. VLM_ERR_INPUT, with the setting named in err and e
 * unchanged, when a load setting (model, mmproj, template, reasoning, ctx,
 * image_min_tokens, image_max_tokens, ...; remote: urls, model_id, key_env)
 * differs. */
VLM_API int vlm_engine_retune(vlm_engine *e, const struct vlm_engine_params *p, char *err, size_t err_len);

/* Reuse and batching figures of a local engine; NULL for a remote one. */
VLM_API const struct vlm_engine_stats *vlm_engine_stats(const vlm_engine *e);
VLM_API void vlm_engine_free(vlm_engine *e);

/* The llama.cpp build this library was compiled against: its commit and build
 * flags ("de3ff81 flavor=cpu node-llama-cpp=3.22.1 ..."). */
VLM_API const char *vlm_llama_version(void);

/* llama.cpp's description of the CPU features and backends in use. */
VLM_API const char *vlm_llama_system_info(void);

/* Silence (false) or restore (true) llama.cpp's log on stderr. */
VLM_API void vlm_llama_log(bool on);

/* ------------------------------------------------------------------ host */

struct vlm_host {
    char cpu[128];
    int n_cores;
    uint64_t ram_bytes;
    char os[128];
    char name[256]; /* the host name (gethostname; "" when unknown), stored as runs.host */
};

VLM_API void vlm_host_read(struct vlm_host *h);

/* Peak resident set size of this process since start or the last
 * vlm_rss_peak_reset(), in bytes (Linux VmHWM). */
VLM_API uint64_t vlm_rss_peak_bytes(void);

/* Start a new peak (Linux >= 4.0: /proc/self/clear_refs; elsewhere no effect). */
VLM_API void vlm_rss_peak_reset(void);

/* ------------------------------------------------------------------ store */

typedef struct vlm_store vlm_store;

/* A stored answer row, as `export` writes it. */
struct vlm_answer_row {
    const char *model, *suite, *case_id, *category;
    const char *prompt, *expected; /* the turn's prompt; expected answer as JSON text */
    const char *output, *error;    /* output is NULL when the turn failed */
    const char *reasoning;         /* the reasoning block, NULL when none */
    const char *reasoning_state;   /* "closed", "unclosed", or NULL when no block */
    int turn;
    struct vlm_turn_timings t;
    bool not_applicable; /* a case stored n/a (no vision): one row, turn 0, output NULL,
                            error the reason, timings 0 */
};

/* Open (creating if needed) a store in WAL mode. */
VLM_API vlm_store *vlm_store_open(const char *path, char *err, size_t err_len);
VLM_API void vlm_store_close(vlm_store *s);

/* Record a run: host, command line, the llama.cpp build and its system info
 * as the caller read them (vlm_llama_version(), vlm_llama_system_info(); NULL
 * stores NULL: the store never starts llama.cpp), and vlmeter's version.
 * Returns the run's id, or -1 when it cannot be written. */
VLM_API int64_t vlm_store_begin_run(vlm_store *s, const struct vlm_host *h, const char *argv_line,
                                    const char *llama_version, const char *llama_system_info);
/* Record the run's end time. VLM_OK or VLM_ERR_IO. */
VLM_API int vlm_store_end_run(vlm_store *s, int64_t run_id);

/* Register a model by name with its settings (JSON text). A name already stored
 * with other settings is refused with VLM_ERR_INPUT: results would mix. */
VLM_API int vlm_store_model(vlm_store *s, const char *name, const char *settings_json, int64_t *model_id, char *err,
                            size_t err_len);

/* Record that a model belongs to a family (the reference's name) with a
 * precision ("q4_k_m"); NULL or "" clears it. */
VLM_API int vlm_store_model_family(vlm_store *s, int64_t model_id, const char *family, const char *variant);

/* Store what loading the model measured and what its reuse and batching did
 * (stats NULL for a remote model); replaces an earlier load's row. */
VLM_API int vlm_store_model_load(vlm_store *s, int64_t model_id, int64_t run_id, const struct vlm_model_info *info,
                                 const struct vlm_engine_stats *stats, uint64_t rss_peak_bytes);

/* True when the case is finished for the model: every turn stored, or stored as
 * an error (unless errors_count_as_done is false, to run failed cases again). */
VLM_API bool vlm_store_case_done(vlm_store *s, int64_t model_id, const char *suite, const char *case_id,
                                 bool errors_count_as_done);

/* Forget partial turns of an unfinished case before it is run again. */
VLM_API int vlm_store_case_reset(vlm_store *s, int64_t model_id, const char *suite, const char *case_id);

/* Store one turn, committed at once. `last` marks the case finished. */
VLM_API int vlm_store_put_turn(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                               const struct vlm_turn_result *r, bool last);

/* Store a case as not applicable to the model (status `na`): it has images and the
 * model has no vision. `reason` ("no vision: ...") goes to cases.error; partial
 * turns of the case are deleted. Such a case counts as done, errors or not. */
VLM_API int vlm_store_put_case_na(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                                  const char *reason);

/* Store a case that could not run at all (malformed line, model failed to load). */
VLM_API int vlm_store_put_case_error(vlm_store *s, int64_t model_id, int64_t run_id, const vlm_case *c,
                                     const char *error);

typedef int (*vlm_row_cb)(const struct vlm_answer_row *row, void *user);

/* Visit every stored turn, ordered by model, suite, case, turn. */
VLM_API int vlm_store_each_answer(vlm_store *s, vlm_row_cb cb, void *user);

/* Write every stored turn as one JSON object per line (docs/export-format.md). */
VLM_API int vlm_store_export_jsonl(vlm_store *s, FILE *out, char *err, size_t err_len);

/* ------------------------------------------------------------------ plan */

/* A model to evaluate: a name for reports and how to load and drive it. A
 * model given with variants (docs/plan-format.md, "Variants") is the reference
 * of a family; each variant is a model of its own named NAME:TYPE. */
struct vlm_model_spec {
    char name[128];
    struct vlm_engine_params engine; /* paths point into the owning plan */
    char family[128];                /* the family's reference model name; "" when in none */
    char variant[32];                /* its precision in the family: "f16", "q4_k_m", ... */
    const char *quantize_from;       /* a variant made on demand: quantize this file (the
                                        reference's model) into engine.model_path when missing */
};

typedef struct vlm_plan vlm_plan;

/* An empty plan: default settings, no models, no suites. */
VLM_API vlm_plan *vlm_plan_new(void);

/* Read a YAML plan file (docs/plan-format.md); paths in it are relative to it. */
VLM_API vlm_plan *vlm_plan_load(const char *path, char *err, size_t err_len);

/* Add a model from a command-line spec "NAME=MODEL.gguf,mmproj=MMPROJ.gguf"
 * followed by any settings keys of docs/plan-format.md (",template=chatml,ctx=8192"),
 * starting from the plan's default settings. */
VLM_API int vlm_plan_add_model_spec(vlm_plan *p, const char *spec, char *err, size_t err_len);
VLM_API int vlm_plan_add_suite(vlm_plan *p, const char *path);

/* The settings new models start from; change them before adding models. String
 * pointers put here (chat_template) are copied as pointers: they must outlive
 * the plan. */
VLM_API struct vlm_engine_params *vlm_plan_defaults(vlm_plan *p);

VLM_API int vlm_plan_n_models(const vlm_plan *p);
VLM_API struct vlm_model_spec *vlm_plan_model(vlm_plan *p, int i); /* valid until the next add */
VLM_API int vlm_plan_n_suites(const vlm_plan *p);
VLM_API const char *vlm_plan_suite(const vlm_plan *p, int i);
VLM_API const char *vlm_plan_db(const vlm_plan *p);  /* NULL: not set */
VLM_API const char *vlm_plan_gpu(const vlm_plan *p); /* catalog GPU for --budget/plan; NULL */

struct vlm_requirements;

/* Deciding early (`run --decide`, plan key `decide:`; docs/plan-format.md,
 * docs/metrics.md "Deciding early"). */
struct vlm_decide_params {
    bool on;       /* draw cases in a seeded stratified order and stop each model once
                      every min_accuracy verdict is settled, or one has failed */
    double alpha;  /* the error rate of each verdict (default 0.05) */
    uint64_t seed; /* the draw order's seed (default 42) */
    bool escalate; /* models in plan order; stop at the first whose verdicts all pass */
    double screen; /* in (0, 1): every model answers this share of the draw order first;
                      only those not failed answer the rest; 0: no screening */
};
VLM_API struct vlm_decide_params vlm_decide_default_params(void);
/* The plan's `decide:` settings (defaults when it has none; the command line
 * changes them here). */
VLM_API struct vlm_decide_params *vlm_plan_decide(vlm_plan *p);
/* The plan's requirements (`requirements:`), or NULL when it has none. */
VLM_API const struct vlm_requirements *vlm_plan_requirements(const vlm_plan *p);
VLM_API void vlm_plan_free(vlm_plan *p);

/* ------------------------------------------------------------------ run */

struct vlm_run_params {
    const char *db_path; /* default "vlmeter.db" */
    struct vlm_suite_params suite;
    bool progress;         /* draw a progress line on stderr */
    bool retry_errors;     /* run cases stored as errors again */
    int max_cases;         /* > 0: answer at most this many pending cases per
                                        model (a calibration run); 0: all */
    const char *argv_line; /* stored with the run, for the record */
    /* Messages for the user (bad input, model failures), one line each. */
    void (*on_message)(const char *line, void *user);
    /* Called after each turn is stored (NULL: not called); with
     * record_logit_gaps set on a model, r carries its tokens' logit gaps. */
    void (*on_turn)(const char *model, const vlm_case *c, const struct vlm_turn_result *r, void *user);
    void *user;
    /* Shards (docs/shards.md): shard_count > 0 runs only the cases of shard
     * shard_index (1..shard_count), vlm_case_in_shard; 0: every case. */
    int shard_index, shard_count;
    int gpu_sample_ms; /* read each GPU through NVML this often while a local model loads and
                          answers (docs/metrics.md, GPU); 0: off; default -1: every 100 ms, and
                          a missing NVML is mentioned only when a model runs on a GPU backend
                          (a period given is always explained when it cannot be kept) */
};

/* What one model did in a run. */
struct vlm_run_model_summary {
    char name[128];
    int n_cases;   /* cases in the suites */
    int n_run;     /* cases answered in this run */
    int n_skipped; /* already stored by an earlier run */
    int n_errors;  /* cases stored as errors (this run or before) */
    int n_na;      /* image cases stored not applicable: the model has no vision */
    double load_ms;
    double ttft_ms_mean, decode_tps_mean, e2e_ms_p50, e2e_ms_p90;
    double e2e_ms_p95; /* nearest rank over the stored e2e times; NAN: none */
    uint64_t rss_peak_bytes;
    uint64_t gpu_mem_bytes;                       /* device memory the loaded model held; 0: none or not loaded */
    uint64_t model_bytes, mmproj_bytes, n_params; /* of the loaded files; 0: not loaded */
    struct vlm_engine_stats reuse;                /* local: what reuse and batching did in this run's load */
    char error[512];                              /* the model itself failed (load), "" otherwise */
};

struct vlm_run_summary {
    int n_models;
    struct vlm_run_model_summary *models;
    int n_bad_lines; /* malformed suite lines */
    bool stopped;    /* interrupted */
};

VLM_API struct vlm_run_params vlm_run_default_params(void);

/* Run every model of the plan on every suite case not yet stored, committing each
 * turn as it finishes. Returns VLM_OK when every case ran cleanly, VLM_ERR_INPUT
 * or VLM_ERR_MODEL when some case was stored as an error (the run still went on),
 * VLM_ERR_IO when the store could not be opened, VLM_ERR_STOPPED on SIGINT. */
VLM_API int vlm_run(vlm_plan *plan, const struct vlm_run_params *params, struct vlm_run_summary *summary, char *err,
                    size_t err_len);
VLM_API void vlm_run_summary_free(struct vlm_run_summary *s);

/* Ask a running vlm_run to stop after the current token (signal-safe). */
VLM_API void vlm_run_request_stop(void);

/* ------------------------------------------------------------------ shards and merge */

/* The shard (0 .. n-1) a case belongs to among n: XXH64 (seed 0) of the bytes
 * of `suite`, one zero byte and `case_id`, modulo n. It depends on nothing else
 * (not the models, the other cases, their order or what is stored), so shards
 * run on different machines at different times agree. n <= 0 gives 0. */
VLM_API int vlm_shard_of(const char *suite, const char *case_id, int n);

/* Whether a case is in shard `index` of `count` (1-based: vlm_shard_of ==
 * index - 1); count 0 means no sharding: every case is in. */
VLM_API bool vlm_case_in_shard(const char *suite, const char *case_id, int index, int count);

/* Parse "I/N" (1 <= I <= N, whole numbers) into *index and *count; VLM_OK, or
 * VLM_ERR_INPUT with a message naming the text. */
VLM_API int vlm_shard_parse(const char *text, int *index, int *count, char *err, size_t err_len);

/* What vlm_store_merge did with one store merged in, per table. */
struct vlm_merge_table_count {
    const char *table; /* static text */
    int n_copied;      /* rows copied into OUT */
    int n_duplicates;  /* rows OUT already held (kept as OUT had them) */
};
struct vlm_merge_summary {
    int n_tables;
    struct vlm_merge_table_count tables[32]; /* summed over every store merged in */
};

/* Merge the stores `in` into the store `out` (created when missing), in one
 * transaction (docs/shards.md): every table is copied with run and model ids
 * remapped; models match by name. A row OUT already holds under the same key
 * is kept as OUT has it and counted as a duplicate. Refused, with nothing
 * written (a store created for the merge is removed again), when a model's
 * settings differ between two stores (the message names both stores, the model
 * and, when both answered it, the first shared case and turn), or when a store
 * in is missing or not a vlmeter store. Each store in is first brought to the
 * current schema. VLM_OK, VLM_ERR_INPUT (refused) or VLM_ERR_IO. */
VLM_API int vlm_store_merge(const char *out, const char *const *in, int n_in, struct vlm_merge_summary *sum, char *err,
                            size_t err_len);

/* ------------------------------------------------------------------ score */

/* What a scorer made of one reply. */
struct vlm_score {
    double score;     /* 0..1 for most scorers; bleu/cider give their metric value */
    bool correct;     /* counts as right for accuracy (docs/scoring.md, per scorer) */
    bool unparsed;    /* choice/yesno/number: the reply named no single answer */
    char detail[160]; /* what was read from the reply: "picked B", "read 42", "yes" */
    /* The reference reading (docs/scoring.md, "Reference readings"): the verdict
     * VLMEvalKit's own matching code gives the same reply, shown beside vlmeter's.
     * has_ref is false for scorers with no reference (exact, contains, any, all,
     * number, bleu, cider, judge) and for a choice case without choices; then
     * the ref_ fields are zero. */
    bool has_ref;
    double ref_score;    /* 0..1: the soft value (anls, vqa), else 1 or 0 */
    bool ref_correct;    /* as `correct`, by the reference's rule */
    char ref_detail[96]; /* what the reference read: "picked B", "anls 0.500" */
};

/* Names of the scorers vlm_score_text knows, NULL-terminated. */
VLM_API const char *const *vlm_scorer_names(void);

/* Whether `scorer` has a reference reading (struct vlm_score's ref_ fields). */
VLM_API bool vlm_scorer_has_ref(const char *scorer);

/* Score one reply against the expected answer (JSON text as in a suite's
 * `expected`), for any scorer but the corpus-level ones' corpus figures and
 * `judge`. `choices` (may be NULL) are a choice case's options, in order A, B, ...
 * Returns VLM_OK, or VLM_ERR_INPUT with a message when the scorer is unknown or
 * the expected answer does not fit it. */
VLM_API int vlm_score_text(const char *scorer, const char *output, const char *expected_json,
                           const char *const *choices, int n_choices, struct vlm_score *out, char *err, size_t err_len);

/* Captioning metrics over a set of (candidate, references) pairs. CIDEr-D's
 * document frequencies come from the whole set's references. */
typedef struct vlm_caption_set vlm_caption_set;

VLM_API vlm_caption_set *vlm_caption_set_new(void);
VLM_API void vlm_caption_set_add(vlm_caption_set *set, const char *candidate, const char *const *refs, int n_refs);
VLM_API int vlm_caption_set_size(const vlm_caption_set *set);
VLM_API double vlm_caption_bleu4(const vlm_caption_set *set); /* corpus BLEU-4, 0..1 */
/* CIDEr-D of item i (0..10 scale, as in the coco-caption toolkit). */
VLM_API double vlm_caption_cider_d(const vlm_caption_set *set, int i);
VLM_API void vlm_caption_set_free(vlm_caption_set *set);

/* Scoring what a store holds, without running any model but a judge. */
struct vlm_score_params {
    const char *scorer;         /* non-NULL: score every turn with this scorer */
    const char *only_scored_by; /* non-NULL: score again only the turns whose stored score is by this
                                   scorer (with it), every other score kept as stored: "cider" after
                                   a merge, whose corpus-level scores need the merged set of turns */
    int n_suites;               /* suites to re-read expected answers, scorers */
    const char *const *suites;  /* and choices from (fixed references) */
    struct vlm_suite_params suite;
    const struct vlm_model_spec *judge; /* the model that grades `judge` turns */
    void (*on_message)(const char *line, void *user);
    void *user;
};

struct vlm_score_summary {
    int n_scored;       /* turns given a score */
    int n_unscored;     /* turns without an expected answer */
    int n_failed;       /* turns that had failed to run: scored wrong */
    int n_judged;       /* verdicts asked of the judge now */
    int n_judge_reused; /* verdicts found stored */
    int n_refs_updated; /* turns whose expected answer changed from re-read suites */
};

VLM_API struct vlm_score_params vlm_score_default_params(void);

/* (Re)score every stored turn into the store's `scores` table (docs/scoring.md). */
VLM_API int vlm_score_store(const char *db_path, const struct vlm_score_params *p, struct vlm_score_summary *sum,
                            char *err, size_t err_len);

/* ------------------------------------------------------------------ report */

enum vlm_report_format {
    VLM_REPORT_TABLE, /* plain text for a terminal */
    VLM_REPORT_MD,    /* Markdown */
    VLM_REPORT_CSV,   /* one row per model x category (docs/report-schema.md) */
    VLM_REPORT_JSON,  /* the report document, schema vlmeter-report/1 */
    VLM_REPORT_HTML,  /* one self-contained page: charts, thumbnails, answers */
};

/* Write a report of everything the store holds (scores as last computed by
 * vlm_score_store). Model text is escaped in every format that renders it. */
VLM_API int vlm_report(const char *db_path, enum vlm_report_format format, FILE *out, char *err, size_t err_len);

/* The same, with the cost section and the recommendation (docs/cost.md) priced
 * from the shipped catalog extended by `catalog_csv` (NULL: none) against the
 * `requirements:` of `plan_yaml` (NULL: defaults; its `catalog:` key, if any,
 * extends the catalog too). vlm_report() is this with both NULL. */
VLM_API int vlm_report_cost(const char *db_path, enum vlm_report_format format, FILE *out, const char *plan_yaml,
                            const char *catalog_csv, char *err, size_t err_len);

/* ------------------------------------------------------------------ compare */

/* The regression gate (docs/compare.md): model NEW against model BASE on the
 * scored turns both have, per category and overall (each side's accuracy, the
 * paired difference NEW - BASE with its 95% interval, the discordant counts
 * and the exact McNemar p), with speed and memory ratios NEW / BASE taken from
 * the same figures the report shows. */
struct vlm_compare_params {
    const char *db_path;     /* the store holding BASE (and NEW, unless new_db_path) */
    const char *new_db_path; /* the store holding NEW; NULL: db_path */
    double max_drop_points;  /* a significant drop fails only above this many points (default 0) */
    double max_slower_pct;   /* fail when NEW's e2e p95 exceeds BASE's by more (percent); < 0: not checked (default) */
    double alpha;            /* McNemar significance level, 0 < alpha <= 1 (default 0.05) */
    bool no_adjust;          /* test each row at alpha alone; default false: the rows (overall and
                                each category) are one family, Holm-adjusted (vlm_holm_adjust) */
    enum vlm_report_format format; /* VLM_REPORT_TABLE, VLM_REPORT_MD or VLM_REPORT_JSON (default TABLE) */
};

/* The defaults above. */
VLM_API struct vlm_compare_params vlm_compare_default_params(void);

/* Compare NEW with BASE (model names in their stores) and write the comparison
 * to out in p->format; *regressed is set true when the gate fails (the rule:
 * docs/compare.md). Returns VLM_OK; VLM_ERR_INPUT for bad parameters or a model
 * not in its store (err names the store and lists the models it has);
 * VLM_ERR_IO when a store is missing or cannot be read, or out cannot be written. */
VLM_API int vlm_compare(const char *base, const char *new_model, const struct vlm_compare_params *p, FILE *out,
                        bool *regressed, char *err, size_t err_len);

/* ------------------------------------------------------------------ bench */

/* A load test of one model (docs/metrics.md, "Load test"): at each concurrency
 * level, requests (the first turn of each suite case, in turn, or one prompt)
 * are kept in flight (closed loop), or sent open-loop at `rate` per second on
 * a schedule of constant or Poisson gaps; `sweep` and `slo` choose the levels
 * themselves (docs/metrics.md, "Load profiles", "SLO search"). */
enum vlm_arrival {
    VLM_ARRIVAL_POISSON = 0, /* exponential gaps (the default of an open loop) */
    VLM_ARRIVAL_CONSTANT,    /* equal gaps of 1/rate */
};

/* One latency objective of an SLO search: metric ("ttft", "tpot", "itl",
 * "e2e") at percentile pct (50, 90, 95, 99) at most max_ms. */
struct vlm_slo {
    char metric[8];
    int pct;
    double max_ms;
};

#define VLM_MAX_SLOS 16

struct vlm_bench_params {
    int n_levels;
    const int *levels; /* concurrency levels, e.g. {1, 4, 16}; open loop: the most in flight */
    double rate;       /* requests/s (open loop); 0: closed loop */
    enum vlm_arrival arrival;
    int n_requests;     /* per level; 0: run for duration_s */
    double duration_s;  /* per level when n_requests is 0 (default 10) */
    double slo_ttft_ms; /* 0: no TTFT objective (goodput) */
    double slo_tpot_ms; /* 0: no TPOT objective (goodput) */
    uint64_t seed;      /* arrivals and backoff jitter */
    int warmup;         /* requests per level sent first and left out of every figure */
    int repeats;        /* runs of each level (0 or 1: one) */
    int sweep;          /* > 0: one-at-a-time, saturation, then this many rates between */
    int n_slos;         /* > 0: search the highest rate (or concurrency) meeting all */
    struct vlm_slo slos[VLM_MAX_SLOS];
    bool search_by_rate;         /* search the open-loop rate, not the concurrency */
    double search_lo, search_hi; /* the range searched (0: from levels / a sweep's two ends) */
    double search_step;          /* stop when hi - lo <= step (0: 1 for concurrency, range/16 for rate) */
    /* Scores one answer of a suite case: 1 right, 0 wrong, -1 not scorable
     * (no expected answer). NULL: answers are not scored. */
    int (*score)(const vlm_case *c, const char *output, void *user);
    void *score_user;
    const char *db_path;   /* NULL: results are not stored */
    const char *argv_line; /* stored with the run */
    struct vlm_suite_params suite;
    void (*on_message)(const char *line, void *user);
    void *user;
};

/* Percentiles p50, p90, p95, p99. */
struct vlm_pcts {
    double p50, p90, p95, p99;
};

/* What one level measured (a row of table bench_levels). */
struct vlm_bench_level {
    int concurrency;  /* closed loop: requests in flight; open loop: the most allowed */
    double rate;      /* asked-for requests/s, 0 = closed loop */
    char profile[16]; /* "closed", "constant", "poisson"; a sweep's "sync", "max"; */
    char phase[16];   /* "levels", "sweep", "search" */
    int repeat;       /* 0, 1, ... of --repeats */
    int n_warmup;     /* requests sent first and left out */
    int n_requests, n_ok, n_errors;
    double wall_s;        /* first request sent to last one finished */
    double achieved_rate; /* requests started per second: (n - 1) / (last start - first start) */
    int n_late;           /* open loop: requests sent over 10 ms after their scheduled time */
    bool fell_behind;     /* the client could not keep the schedule (docs/metrics.md) */
    double req_per_s;     /* n_ok / wall_s */
    double output_tps;    /* output tokens of ok requests / wall_s */
    double goodput_rps;   /* ok requests meeting every SLO / wall_s */
    double error_rate;    /* n_errors / n_requests */
    struct vlm_pcts ttft_ms, tpot_ms, itl_ms, e2e_ms;
    bool tokens_estimated; /* some request's counts were not the server's */
    bool slo_met;          /* an SLO search: every objective held */
    /* Accuracy under load (a suite and p->score): answers scored, right; wrong
     * ones that were cut by the length limit, timed out, or failed otherwise. */
    int n_scored, n_correct, n_length, n_timeout, n_failed;
    char *case_correct;    /* per usable suite case, its first answer here: '1', '0', '-' unasked (malloc'd) */
    char first_error[512]; /* the first failed request's message, "" if none */
};

/* What an SLO search found (all zero when none was asked for). */
struct vlm_bench_capacity {
    bool searched;
    bool by_rate;      /* rate (open loop) or concurrency (closed loop) */
    double capacity;   /* the highest value that met every objective; 0: none did */
    double knee_above; /* the lowest value that failed (0: the range's top passed) */
    double step;       /* the bisection stopped when knee_above - capacity <= step */
    double req_per_s;  /* throughput at the capacity */
    double e2e_p95_ms; /* e2e p95 at the capacity */
    int n_probes;
};

/* All a bench measured: its levels in the order they ran, and the capacity. */
struct vlm_bench_result {
    struct vlm_bench_level *levels;
    int n_levels, cap_levels;
    struct vlm_bench_capacity capacity;
};

VLM_API struct vlm_bench_params vlm_bench_default_params(void);

/* Load-test `model` with the first turns of `suite`'s cases (or, when suite is
 * NULL, with `prompt`); res gets the levels run (free with
 * vlm_bench_result_free, also after an error). Remote models use libcurl's
 * multi interface; local models run closed-loop levels only.
 * Returns VLM_OK, VLM_ERR_INPUT for bad settings, VLM_ERR_MODEL when the model
 * cannot start, VLM_ERR_IO when the store cannot be written, VLM_ERR_STOPPED. */
VLM_API int vlm_bench(const struct vlm_model_spec *model, const char *suite, const char *prompt,
                      const struct vlm_bench_params *p, struct vlm_bench_result *res, char *err, size_t err_len);

VLM_API void vlm_bench_result_free(struct vlm_bench_result *res);

/* Parse "ttft_p95=500,e2e_p99=2000" into p->slos; false (with a message
 * naming the bad item) when an item is not METRIC_pNN=MS. */
VLM_API bool vlm_slo_parse(const char *text, struct vlm_bench_params *p, char *err, size_t err_len);

/* Accuracy of one level against a reference level (the one-at-a-time level):
 * Wilson 95% interval of n_correct / n_scored, and the exact McNemar p-value
 * over the cases answered at both; `dropped` when p < 0.05 and the level is
 * right less often. */
struct vlm_bench_acc {
    double acc, lo, hi;
    int n_pairs, b, c; /* cases answered at both; right at the reference only; here only */
    double p_value;
    bool dropped;
};
VLM_API void vlm_bench_accuracy(const struct vlm_bench_level *ref, const struct vlm_bench_level *l,
                                struct vlm_bench_acc *out);

/* ------------------------------------------------------------------ cost */

/* Hardware and price catalog, memory fit, cost figures and the recommendation
 * (docs/cost.md). Pure arithmetic: nothing here reads a store or a clock. */
#define VLM_HOURS_PER_MONTH 730.0          /* 8760 h / 12 */
#define VLM_DAYS_PER_MONTH  (730.0 / 24.0) /* 30.4167 d */
#define VLM_PEAK_FACTOR     3.0            /* default peak / mean load */
#define VLM_HEADROOM        0.10           /* default memory headroom */

struct vlm_gpu { /* one row of data/gpus.csv */
    char name[64];
    double mem_gib; /* GPU memory, GiB */
    double bw_gbs;  /* memory bandwidth, GB/s (0: unknown) */
    double hourly;  /* on-demand price per hour */
    double monthly; /* reserved price per month (0: none) */
    char currency[8], source[256], as_of[16];
    double kwh_price; /* optional 9th column: electricity per kWh of a GPU you own, in `currency`
                         (0: not owned or unknown); prices measured energy (docs/cost.md) */
};

struct vlm_api_price {            /* one row of data/api_prices.csv */
    char model[128];              /* the model name as the report shows it */
    double in_per_1m, out_per_1m; /* price per 1M input / output tokens */
    char currency[8], source[256], as_of[16];
};

typedef struct vlm_catalog vlm_catalog;
VLM_API vlm_catalog *vlm_catalog_new(void);
/* Read a GPU CSV (header starting "name,mem_gib") or an API price CSV (header
 * starting "model,in_per_1m"); a row whose name is already known replaces it,
 * others are added. VLM_ERR_INPUT names the file, line and field. */
VLM_API int vlm_catalog_load_csv(vlm_catalog *c, const char *path, char *err, size_t err_len);
/* The shipped catalog: DIR/gpus.csv and DIR/api_prices.csv; dir NULL: $VLMETER_DATA
 * or the data/ folder of the source tree. */
VLM_API int vlm_catalog_load_default(vlm_catalog *c, const char *dir, char *err, size_t err_len);
VLM_API void vlm_catalog_add_gpu(vlm_catalog *c, const struct vlm_gpu *g);
VLM_API void vlm_catalog_add_api(vlm_catalog *c, const struct vlm_api_price *a);
VLM_API int vlm_catalog_n_gpus(const vlm_catalog *c);
VLM_API const struct vlm_gpu *vlm_catalog_gpu(const vlm_catalog *c, int i);
VLM_API const struct vlm_api_price *vlm_catalog_api(const vlm_catalog *c, const char *model); /* NULL: none */
/* The GPU named `name` (case ignored); NULL: none. */
VLM_API const struct vlm_gpu *vlm_catalog_gpu_named(const vlm_catalog *c, const char *name);
/* n of GPU g as one (a self-hosted server on gpus=n): n times its prices and
 * memory, named "nxNAME" when n > 1. */
VLM_API struct vlm_gpu vlm_gpu_times(const struct vlm_gpu *g, int n);
VLM_API void vlm_catalog_free(vlm_catalog *c);

/* Requests one GPU serves per hour: 3600 / s_per_req x concurrency. */
VLM_API double vlm_cost_req_per_gpu_hour(double s_per_req, double concurrency);
/* (a) always-on: instances for the peak load, daily x peak_factor / 86400 req/s
 * against inst_rps per instance (at least 1 when daily > 0). */
VLM_API int vlm_cost_instances(double daily, double peak_factor, double inst_rps);
VLM_API double vlm_cost_always_on_monthly(int instances, double hourly);
/* (b) pay-per-busy-second: daily x days/month x busy seconds per request x hourly / 3600. */
VLM_API double vlm_cost_busy_monthly(double daily, double busy_s_per_req, double hourly);
/* (c) hosted API: per request, and per month at `daily` requests a day. */
VLM_API double vlm_cost_api_per_request(double in_tokens, double out_tokens, double in_per_1m, double out_per_1m);
VLM_API double vlm_cost_api_monthly(double daily, double per_request);
/* Daily volume at which a per-request price reaches a fixed monthly cost. */
VLM_API double vlm_cost_break_even_daily(double fixed_monthly, double per_request);

/* Memory a model needs: measured peak when > 0, else weights + projector + an
 * upper-bound KV estimate for n_ctx (docs/cost.md). *estimated tells which. */
VLM_API double vlm_fit_need_bytes(double measured, double model_bytes, double mmproj_bytes, double n_params, int n_ctx,
                                  bool *estimated);
/* Whether need x (1 + headroom) fits in mem_gib. */
VLM_API bool vlm_fit_ok(double need_bytes, double headroom, double mem_gib);
/* The first of q8_0, q4_k_m smaller than the model's bits per weight whose
 * estimated need fits `mem_gib`; NULL when none. *need_out: that need. */
VLM_API const char *vlm_fit_quant(double need_bytes, double model_bytes, double n_params, double headroom,
                                  double mem_gib, double *need_out);

/* How long a plan will take, per model, from earlier runs stored under the
 * same model name: wall_s = (latest load_ms + cases x mean ms per stored case)
 * / 1000. A model with no stored case has history = false and wall_s = 0. */
struct vlm_estimate {
    char name[128];
    int n_cases; /* cases in the plan's suites */
    int n_done;  /* of those, finished in the store already (skipped by a run) */
    bool history;
    int n_history; /* stored cases the mean comes from */
    double case_ms_mean, load_ms, wall_s;
};
/* Fills out[0 .. min(models, max)) and returns that count, or a negative status. */
VLM_API int vlm_plan_estimate(vlm_plan *plan, const char *db_path, struct vlm_estimate *out, int max, char *err,
                              size_t err_len);

#define VLM_MAX_REQ_CATS 16
struct vlm_requirements { /* 0 / empty: not required */
    int n_acc;
    char acc_cat[VLM_MAX_REQ_CATS][64]; /* a category, or "all" */
    double acc_min[VLM_MAX_REQ_CATS];
    double max_p95_ms, max_memory_gib, max_monthly;
    double max_accuracy_loss;     /* a family variant may be this much less accurate
                                           ("all") than its reference, as a fraction; 0: any */
    double requests_per_day;      /* default 1000 */
    double peak_factor, headroom; /* defaults VLM_PEAK_FACTOR, VLM_HEADROOM */
    char currency[8];             /* "" : any */
};
VLM_API void vlm_requirements_default(struct vlm_requirements *r);
/* The `requirements:` mapping of a YAML plan (or a file holding just that
 * mapping); `catalog:` in the same file is returned (owned by r) in *catalog. */
VLM_API int vlm_requirements_load(const char *path, struct vlm_requirements *r, char *catalog, size_t catalog_len,
                                  char *err, size_t err_len);

/* One model, as measured. A figure that was not measured is NAN (never 0): a
 * requirement on it is then "not measured" and the option fails, so a missing
 * reading can never pass a limit. A category absent from acc_cat is likewise
 * not measured. */
struct vlm_candidate {
    const char *name;
    bool remote; /* served over HTTP: priced from the API table, and on gpu (self-hosted) when set */
    int n_acc;
    const char *acc_cat[64];
    double acc[64];    /* accuracy per category; "all": overall */
    double p95_ms;     /* e2e p95 */
    double need_bytes; /* memory needed (vlm_fit_need_bytes) */
    double model_bytes, n_params;
    double busy_s_per_req;        /* GPU seconds per request (1 / req/s per instance) */
    double inst_rps;              /* requests/s one instance serves */
    double in_tokens, out_tokens; /* mean per request */
    const char *family;           /* the reference model of its family; NULL when in none */
    bool variant;                 /* a family member other than the reference */
    double acc_loss;              /* a variant's reference accuracy minus its own on shared turns */
    int n_na;                     /* categories with image cases not applicable (no vision) */
    const char *na_cat[64];       /* each such category, and "all" for the model's total */
    int na[64];                   /* how many cases of it were not applicable */
    const char *gpu;              /* remote: the catalog GPU it runs on (gpu=), NULL: none */
    int n_gpus;                   /* remote: how many of them (0: 1) */
};

struct vlm_option {                        /* one candidate x GPU (or x API) */
    char model[128], where[64];            /* where: a GPU name or "api" */
    char plan[16];                         /* "always-on", "reserved", "busy-second" or "api": the cheapest;
                            * "unpriced" when the throughput was not measured */
    double monthly;                        /* the cheapest plan's monthly cost (NAN: unpriced) */
    double always_on, reserved, busy, api; /* each plan's (NAN: does not apply) */
    int instances;
    char currency[8];
    bool fits; /* in the GPU's memory with headroom (always for "api") */
    bool ok;
    char why[512]; /* failed requirements, "; "-separated */
};
struct vlm_recommendation {
    int n;
    struct vlm_option *options; /* in candidate order, then catalog order */
    int chosen;                 /* index of the cheapest ok option, -1: none */
};
/* Every candidate x fitting GPU (and x API price) checked against r. */
VLM_API void vlm_recommend(const struct vlm_candidate *c, int n, const vlm_catalog *cat,
                           const struct vlm_requirements *r, struct vlm_recommendation *out);
VLM_API void vlm_recommendation_free(struct vlm_recommendation *rec);

/* ------------------------------------------------------------------ stats */

/* 95% Wilson score interval for k successes in n trials (k may be a soft count). */
VLM_API void vlm_wilson95(double k, int n, double *lo, double *hi);

/* Two-sided exact McNemar p-value from the discordant counts: b pairs where only
 * the first model was right, c where only the second was. 1 when b + c = 0. */
VLM_API double vlm_mcnemar_exact(int b, int c);

/* Holm's step-down adjustment of n p-values for testing them as one family
 * (Holm 1979): adj[i] is the smallest family-wise level at which test i is
 * rejected, so "adj[i] < alpha" keeps the chance of any false rejection below
 * alpha whatever the tests' dependence. adj may be p. */
VLM_API void vlm_holm_adjust(const double *p, int n, double *adj);

/* 95% interval of the difference of two accuracies measured on the same n
 * items (second minus first), from the discordant counts: b items only the
 * first got right, c only the second (counts may be soft). Agresti & Min's
 * adjusted Wald interval ("Wald+2"), clamped to [-1, 1]; docs/metrics.md. */
VLM_API void vlm_paired_diff95(double b, double c, double n, double *lo, double *hi);

/* Nearest-rank percentile (q in 0..1) of n ascending values; 0 when n = 0. */
VLM_API double vlm_percentile(const double *sorted, int n, double q);

/* ------------------------------------------------------------------ probe */

/* The probe suite (docs/probe.md): synthetic pictures with exact answers in ten
 * categories (colors, shapes, counting, spatial, ocr, charts, tables,
 * multi_image, multi_turn, hallucination), drawn with cairo and pango. Needs no
 * downloaded data; the same parameters give the same files, byte for byte. */
enum vlm_probe_lang { VLM_PROBE_EN = 1, VLM_PROBE_ZH = 2, VLM_PROBE_BOTH = 3 };

struct vlm_probe_params {
    int n_per_category;     /* cases per category and language (default 20) */
    uint64_t seed;          /* default 1 */
    int lang;               /* enum vlm_probe_lang (default VLM_PROBE_EN) */
    int level;              /* 1 easy, 2 (default), 3 hard: small, rotated, faint */
    const char *name;       /* the suite file OUTDIR/NAME.jsonl (default "probe") */
    const char *categories; /* comma-separated categories to write (NULL or "": every one) */
};

struct vlm_probe_summary {
    int n_cases;      /* lines written */
    int n_images;     /* image files written */
    int n_retries;    /* layouts a ground-truth check rejected, then drawn anew */
    int n_categories; /* categories written */
};

VLM_API struct vlm_probe_params vlm_probe_default_params(void);

VLM_API int vlm_probe_n_categories(void);
VLM_API const char *vlm_probe_category(int i); /* in the order cases are written */

/* Write OUTDIR/NAME.jsonl and the pictures in OUTDIR/images/. Each is read
 * back and checked against its answer (counts by connected components, colours
 * by pixel statistics, ...); a layout that fails is drawn anew, and a case that
 * keeps failing fails the call. Returns VLM_OK, VLM_ERR_INPUT (bad parameters,
 * missing fonts) or VLM_ERR_IO. `sum` may be NULL. */
VLM_API int vlm_probe_write(const struct vlm_probe_params *p, const char *outdir, struct vlm_probe_summary *sum,
                            char *err, size_t err_len);

/* ------------------------------------------------------------------ import */

/* Importers that turn other people's test data into suites (docs/import.md).
 * Images are written once each under OUTDIR/images/, named by a 64-bit FNV-1a
 * hash of their bytes; a row that cannot be used is reported through on_message
 * as "FILE:LINE: why" and skipped, and the other rows are imported. */
struct vlm_import_params {
    const char *name;    /* suite name, OUTDIR/NAME.jsonl; NULL: the input's file name */
    const char *dataset; /* vlmevalkit only: the benchmark ("MME", "MMMU_DEV_VAL", ...);
                            NULL: told by the file's name (docs/import.md) */
    const char *type;    /* vlmevalkit only: "mcq", "yorn" or "vqa" for a file of no known
                            benchmark; NULL: detect. Not with `dataset` */
    const char *scorer;  /* every case's scorer; NULL: chosen per dataset, file or row */
    void (*on_message)(const char *line, void *user);
    void *user;
};

struct vlm_import_summary {
    int n_ok;         /* cases written */
    int n_bad;        /* rows skipped, each reported through on_message */
    int n_dropped;    /* vlmevalkit: rows without an image, dropped as VLMEvalKit drops them */
    int n_images;     /* distinct image files */
    char type[8];     /* vlmevalkit: the kind of file, "mcq", "yorn", "vqa" or "ground" */
    char dataset[32]; /* vlmevalkit: the benchmark the file was read as, "" for none */
    char suite[4096]; /* the suite file written */
};

VLM_API struct vlm_import_params vlm_import_default_params(void);

/* A VLMEvalKit TSV (base64 images, options A..Z, hint, answer, category) as
 * suite v1 with the prompts, scorers and benchmark groups VLMEvalKit uses for
 * that dataset. Returns VLM_OK when the suite was written with at least one case
 * (some rows may have been skipped, sum->n_bad, or dropped, sum->n_dropped),
 * VLM_ERR_INPUT when the file is not a VLMEvalKit TSV or no row could be
 * imported (then nothing is written), VLM_ERR_IO when it cannot be read or the
 * output written. */
VLM_API int vlm_import_vlmevalkit(const char *tsv_path, const char *outdir, const struct vlm_import_params *p,
                                  struct vlm_import_summary *sum, char *err, size_t err_len);

/* A folder of images and a questions file, CSV (header image,question,answer
 * [,category,scorer,choices,id]) or JSONL; `questions` NULL: FOLDER/questions.csv
 * or FOLDER/questions.jsonl. Image paths are relative to the folder. Returns as
 * vlm_import_vlmevalkit. */
VLM_API int vlm_import_folder(const char *folder, const char *questions, const char *outdir,
                              const struct vlm_import_params *p, struct vlm_import_summary *sum, char *err,
                              size_t err_len);

/* ------------------------------------------------------------------ quantize */

/* Quantized variants of a model (docs/quantize.md): the language model through
 * llama.cpp's llama_model_quantize, a projector through ggml's quantizer (its
 * matrix weights; embeddings, norms and the patch convolution keep their type). */
struct vlm_quant_params {
    int n_threads;                                    /* 0: all cores */
    const char *mmproj;                               /* also make variants of this projector (NULL: none) */
    void (*on_message)(const char *line, void *user); /* "made FILE (...)", "kept FILE (...)" */
    void *user;
};

struct vlm_quant_summary {
    int n_made;    /* files written */
    int n_skipped; /* variants already there with the right file type */
};

VLM_API struct vlm_quant_params vlm_quant_default_params(void);

/* The types vlm_quantize makes ("f16", "q8_0", "q4_k_m", "q2_k", ...): llama.cpp's
 * file types that need no importance matrix. */
VLM_API int vlm_quant_n_types(void);
VLM_API const char *vlm_quant_type(int i);
/* The type spelled `name` in any case ("Q4_K_M"), as vlm_quant_type names it; NULL: none. */
VLM_API const char *vlm_quant_type_named(const char *name);

/* Where the variant `type` of GGUF file `path` goes: OUTDIR/STEM-TYPE.gguf, STEM
 * being the file name without ".gguf" and without a trailing -F16/-BF16/-F32
 * (outdir NULL: path's folder). NULL for an unknown type; caller frees. */
VLM_API char *vlm_quant_path(const char *path, const char *type, const char *outdir);

/* The type name of a GGUF file's general.file_type ("f16", "q4_k_m", "unknown")
 * into buf; false when the file cannot be read as GGUF. */
VLM_API bool vlm_quant_file_type(const char *path, char *buf, size_t len);

/* Write the variants of `model` (and of p->mmproj) for each type into outdir
 * (NULL: beside the model), keeping any already there with the right type.
 * VLM_ERR_INPUT for an unknown type or an unreadable model, VLM_ERR_MODEL when
 * llama.cpp refuses the file, VLM_ERR_IO when the output cannot be written. */
VLM_API int vlm_quantize(const char *model, const char *const *types, int n_types, const char *outdir,
                         const struct vlm_quant_params *p, struct vlm_quant_summary *sum, char *err, size_t err_len);

/* ------------------------------------------------------------------ forge */

enum vlm_forge_size { VLM_FORGE_TINY, VLM_FORGE_SMALL };

/* The weight type of the LM file. F16: matrices F16 (as llama.cpp's converter
 * writes them); Q8_0 and Q4_K_M: every tensor in the type llama.cpp's
 * llama-quantize would give it for that file type (docs/forge.md). The
 * projector file is F16 in every case. */
enum vlm_forge_type { VLM_FORGE_F16, VLM_FORGE_Q8_0, VLM_FORGE_Q4_K_M };

struct vlm_forge_params {
    const char *arch;         /* a name from vlm_forge_arch_name() */
    enum vlm_forge_size size; /* tiny: a few MB; small: ~0.5B layer shapes */
    uint64_t seed;
    const char *vocab_dir; /* llama.cpp's models/ (vocab GGUF files) */
    const char *shape;     /* NULL, or a name from vlm_forge_shape_name(): a published
                              model's exact layer shapes instead of `size` */
    enum vlm_forge_type type;
    int n_layers; /* with `shape`: > 0 keeps only the first n LM and vision blocks (tests) */
};

VLM_API struct vlm_forge_params vlm_forge_default_params(void);

/* Number of architectures forge can write, and their names and one-line blurbs. */
VLM_API int vlm_forge_n_archs(void);
VLM_API const char *vlm_forge_arch_name(int i);
VLM_API const char *vlm_forge_arch_desc(int i);

/* Write OUTDIR/model.gguf and OUTDIR/mmproj.gguf: random weights, real shapes. */
VLM_API int vlm_forge(const struct vlm_forge_params *p, const char *outdir, char *err, size_t err_len);

/* The published shapes forge knows (`--shape`): count, name ("qwen3-vl-8b"),
 * the architecture it is forged as, and the Hugging Face repository whose
 * config.json it copies. NULL past the end. */
VLM_API int vlm_forge_n_shapes(void);
VLM_API const char *vlm_forge_shape_name(int i);
VLM_API const char *vlm_forge_shape_arch(int i);
VLM_API const char *vlm_forge_shape_source(int i);

/* "f16", "q8_0", "q4_k_m" <-> enum vlm_forge_type. parse returns false for
 * any other name; type_name returns NULL for a bad value. */
VLM_API bool vlm_forge_type_parse(const char *name, enum vlm_forge_type *out);
VLM_API const char *vlm_forge_type_name(enum vlm_forge_type t);

/* What vlm_forge(p) would write, without writing it: the exact sizes in bytes
 * of model.gguf and mmproj.gguf and the LM's parameter count. */
struct vlm_forge_sizes {
    uint64_t model_bytes, mmproj_bytes;
    uint64_t lm_params; /* elements of the LM file's tensors */
};
VLM_API int vlm_forge_predict(const struct vlm_forge_params *p, struct vlm_forge_sizes *out, char *err, size_t err_len);

/* ------------------------------------------------------------------ serve */

/* `vlmeter serve` (lib/serve.c, docs/serve.md): a local web app over a store to
 * read answers side by side, set human verdicts and cast blind preferences. */
struct vlm_serve_params {
    const char *db_path;  /* the store (default "vlmeter.db") */
    const char *bind;     /* a numeric IPv4 or IPv6 address (default "127.0.0.1") */
    int port;             /* default 8077; 0: a free port */
    const char *token;    /* NULL or "": none; required when bind is not a loopback address */
    const char *reviewer; /* prefilled reviewer name on the forms (NULL: empty) */
    /* Called once the socket listens, with the URL ("http://ADDR:PORT/"). */
    void (*on_listening)(const char *url, void *user);
    void *user;
};

VLM_API struct vlm_serve_params vlm_serve_default_params(void);

/* Serve until vlm_serve_request_stop(). VLM_OK after a clean stop;
 * VLM_ERR_INPUT (nothing started) for a non-loopback bind without a token, a
 * bad address or port; VLM_ERR_IO when the store cannot be opened or the port
 * not bound. err says why. */
VLM_API int vlm_serve(const struct vlm_serve_params *p, char *err, size_t err_len);

/* Ask a running vlm_serve to return; async-signal-safe. */
VLM_API void vlm_serve_request_stop(void);

#ifdef __cplusplus
}
#endif
#endif
