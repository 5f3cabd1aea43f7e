/* Picks the x86 image kernels for a level. */
#if defined(__x86_64__) || defined(__i386__)
#include "kernels/cpu.h"
#include "kernels/image.h"

void fau_k_mask_tri_sse41(uint8_t *, int, int, int, int, int, const float *, const float *,
                          const float *, const float *, const float *);
void fau_k_mask_tri_avx2(uint8_t *, int, int, int, int, int, const float *, const float *,
                         const float *, const float *, const float *);
void fau_k_mask_tri_avx512(uint8_t *, int, int, int, int, int, const float *, const float *,
                           const float *, const float *, const float *);
void fau_k_warp_row_c3_avx2(const uint8_t *, int, int, size_t, const int32_t *, const int32_t *,
                            int, int, uint8_t *, int);

void fau_image_init_x86(fau_image_kernels *k, int level)
{
    if (level >= FAU_SIMD_SSE41)
        k->mask_tri = fau_k_mask_tri_sse41;
    if (level >= FAU_SIMD_AVX2) {
        k->mask_tri = fau_k_mask_tri_avx2;
        k->warp_row_c3 = fau_k_warp_row_c3_avx2;
    }
    if (level >= FAU_SIMD_AVX512)
        k->mask_tri = fau_k_mask_tri_avx512;
}
#endif
