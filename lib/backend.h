/*
 * backend.h - llama.cpp's process-wide state (backend.c): initialised once,
 * its log and its last error line. The version strings are public
 * (vlm_llama_version, vlm_llama_system_info in include/vlmeter.h).
 */
#ifndef VLM_BACKEND_H
#define VLM_BACKEND_H

/* Initialise llama.cpp's backends once per process, its log routed through
 * vlmeter's (quiet unless vlm_llama_log(true)). Safe to call again. */
void backend_init(void);

/* llama.cpp's last error line, to explain a failure ("" when none yet). */
const char *backend_last_error(void);

/* Forget the last error line, before a step whose failure it should explain. */
void backend_clear_error(void);

#endif
