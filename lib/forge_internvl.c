/* forge_internvl.c - placeholder: being written. */
#include "forge_impl.h"

static void write_nothing(struct forge_out *o, const struct arch_size *s) {
    (void)o;
    (void)s;
}

const struct forge_arch forge_arch_internvl = {
    .name = "internvl",
    .desc = "(being written)",
    .lm_arch = "internvl",
    .write_lm = write_nothing,
    .write_proj = write_nothing,
};
