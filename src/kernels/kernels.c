/* Kernel table set-up (see kernels.h). */
#include "kernels/kernels.h"

#include <string.h>

void fau_kernels_init(fau_kernels *k, fau_simd_level level)
{
    memset(k, 0, sizeof *k);
    /* never above what the CPU runs */
    while (level > FAU_SIMD_SCALAR && !fau_cpu_supports(level))
        level = level == FAU_SIMD_NEON ? FAU_SIMD_SCALAR : (fau_simd_level)(level - 1);
    k->level = level;
    k->linear.matvec_f64 = fau_k_matvec_f64_c;
    k->image.warp_row_c3 = fau_k_warp_row_c3_c;
    k->image.mask_tri = fau_k_mask_tri_c;
    k->fhog.compute = fau_k_fhog_c;
#if defined(__x86_64__) || defined(__i386__)
    if (level != FAU_SIMD_NEON) {
        fau_linear_init_x86(&k->linear, level);
        fau_image_init_x86(&k->image, level);
        fau_fhog_init_x86(&k->fhog, level);
    }
#endif
}

int fau_kernels_select(fau_kernels *k, const char *request)
{
    const int level = fau_simd_select(request);
    fau_kernels_init(k, level < 0 ? FAU_SIMD_SCALAR : (fau_simd_level)level);
    return level < 0 ? -1 : 0;
}
