/* forge_qwen25vl.c - placeholder: being written. */
#include "forge_impl.h"

static void write_nothing(struct forge_out *o, const struct arch_size *s) {
    (void)o;
    (void)s;
}

const struct forge_arch forge_arch_qwen25vl = {
    .name = "qwen25vl",
    .desc = "(being written)",
    .lm_arch = "qwen25vl",
    .write_lm = write_nothing,
    .write_proj = write_nothing,
};
