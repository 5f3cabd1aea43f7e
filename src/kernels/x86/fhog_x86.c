/* Picks the x86 FHOG kernel for a level. */
#if defined(__x86_64__) || defined(__i386__)
#include "kernels/cpu.h"
#include "kernels/fhog.h"

int fau_k_fhog_sse41(const uint8_t *, int, int, size_t, int, int, float *, void *);
int fau_k_fhog_avx2(const uint8_t *, int, int, size_t, int, int, float *, void *);
int fau_k_fhog_avx512(const uint8_t *, int, int, size_t, int, int, float *, void *);

void fau_fhog_init_x86(fau_fhog_kernels *k, int level)
{
    if (level >= FAU_SIMD_SSE41)
        k->compute = fau_k_fhog_sse41;
    if (level >= FAU_SIMD_AVX2)
        k->compute = fau_k_fhog_avx2;
    if (level >= FAU_SIMD_AVX512)
        k->compute = fau_k_fhog_avx512;
}
#endif
