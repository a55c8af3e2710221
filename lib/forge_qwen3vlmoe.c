/* forge_qwen3vlmoe.c - placeholder: being written. */
#include "forge_impl.h"

static void write_nothing(struct forge_out *o, const struct arch_size *s) {
    (void)o;
    (void)s;
}

const struct forge_arch forge_arch_qwen3vlmoe = {
    .name = "qwen3vlmoe",
    .desc = "(being written)",
    .lm_arch = "qwen3vlmoe",
    .write_lm = write_nothing,
    .write_proj = write_nothing,
};
