/*
 * backend.c - llama.cpp's process-wide state, set up once: its backends, its
 * log (kept quiet unless asked, its last error line kept to explain a failed
 * load), and the version and system info a run records.
 */
#include "backend.h"
#include "vlmeter.h"

#include <stdio.h>
#include <string.h>

#include "llama.h"
#include "mtmd-helper.h"

static bool g_log_on = false;
static char g_last_error[512];

/* Keep llama.cpp's last error line (to explain a failed load); print the log only
 * when asked. */
static void log_cb(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level == GGML_LOG_LEVEL_ERROR) {
        snprintf(g_last_error, sizeof g_last_error, "%s", text);
        size_t n = strlen(g_last_error);
        while (n && (g_last_error[n - 1] == '\n' || g_last_error[n - 1] == ' ')) g_last_error[--n] = 0;
    }
    if (g_log_on) fputs(text, stderr);
}

const char *backend_last_error(void) { return g_last_error; }

void backend_clear_error(void) { g_last_error[0] = 0; }

void vlm_llama_log(bool on) {
    g_log_on = on;
    llama_log_set(log_cb, NULL);
    mtmd_helper_log_set(log_cb, NULL);
}

void backend_init(void) {
    static bool done = false;
    if (done) return;
    done = true;
    llama_log_set(log_cb, NULL);
    mtmd_helper_log_set(log_cb, NULL);
    llama_backend_init();
}

#ifndef VLM_LLAMA_BUILD
#define VLM_LLAMA_BUILD "unknown"
#endif

const char *vlm_llama_version(void) { return VLM_LLAMA_BUILD; }

const char *vlm_llama_system_info(void) {
    backend_init();
    return llama_print_system_info();
}
