/*
 * fuzz_sse.c - libFuzzer harness for the remote engine's SSE parser
 * (lib/remote_req.c, req_feed): the first byte sets the size of the pieces the
 * rest is fed in (1 to 64 bytes, as a network delivers a stream cut anywhere);
 * then the transfer is finished as a 200 answer, which parses a last line left
 * without its newline.
 */
#include "fuzz_util.h"

#include "remote_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t piece = (size_t)(data[0] % 64) + 1;
    struct vlm_req r;
    memset(&r, 0, sizeof r);
    req_reset(&r);
    r.status = 200;
    bool ok = true;
    for (size_t at = 1; at < size && ok; at += piece) {
        size_t n = size - at < piece ? size - at : piece;
        ok = req_feed(&r, (const char *)data + at, n);
    }
    char msg[512];
    req_finish(&r, CURLE_OK, msg, sizeof msg);
    if (r.out && strlen(r.out) > r.out_len) abort(); /* out_len counts what out holds */
    req_free(&r);
    return 0;
}
