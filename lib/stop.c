/*
 * stop.c - the process-wide "stop now" flag (stop.h).
 */
#include "stop.h"

#include <signal.h>

static volatile sig_atomic_t g_stop = 0;

void stop_request(void) { g_stop = 1; }

void stop_clear(void) { g_stop = 0; }

bool stop_requested(void) { return g_stop != 0; }
