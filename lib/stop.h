/*
 * stop.h - the process-wide "stop now" flag (stop.c): set from a signal
 * handler by vlm_run_request_stop(), polled by the engines, the load tester and
 * the KL pass between tokens and requests, so Ctrl-C stops within one token.
 */
#ifndef VLM_STOP_H
#define VLM_STOP_H

#include <stdbool.h>

/* Ask every loop to stop; async-signal-safe. */
void stop_request(void);

/* Clear the flag before new work starts. */
void stop_clear(void);

/* True once stop_request() was called and not cleared since. */
bool stop_requested(void);

#endif
