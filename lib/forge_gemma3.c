/* forge_gemma3.c - placeholder: being written. */
#include "forge_impl.h"

static void write_nothing(struct forge_out *o, const struct arch_size *s) {
    (void)o;
    (void)s;
}

const struct forge_arch forge_arch_gemma3 = {
    .name = "gemma3",
    .desc = "(being written)",
    .lm_arch = "gemma3",
    .write_lm = write_nothing,
    .write_proj = write_nothing,
};
