/* Picks the x86 image kernels for a level. */
#if defined(__x86_64__) || defined(__i386__)
#include "kernels/cpu.h"
#include "kernels/image.h"

void fau_k_warp_row_c3_avx2(const uint8_t *, int, int, size_t, const int32_t *, const int32_t *,
                            int, int, uint8_t *, int);

/* mask_tri keeps the C reference at every level: its SSE2 build is
 * already vectorised, and the triangle boxes are 10-30 pixels wide, so
 * the SSE4.1 / AVX2 / AVX-512 builds of the same body measured slower
 * (bench_au face mask 0.051-0.054 vs 0.048 ms/frame). */
void fau_image_init_x86(fau_image_kernels *k, int level)
{
    if (level >= FAU_SIMD_AVX2)
        k->warp_row_c3 = fau_k_warp_row_c3_avx2;
}
#endif
