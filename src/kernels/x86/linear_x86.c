/* Picks the x86 matvec_f64 for a level. */
#if defined(__x86_64__) || defined(__i386__)
#include "kernels/cpu.h"
#include "kernels/linear.h"

void fau_k_matvec_f64_sse41(const double *W, size_t ld, size_t n, const double *x, double *y);
void fau_k_matvec_f64_avx2(const double *W, size_t ld, size_t n, const double *x, double *y);
void fau_k_matvec_f64_avx512(const double *W, size_t ld, size_t n, const double *x, double *y);

void fau_linear_init_x86(fau_linear_kernels *k, int level)
{
    if (level >= FAU_SIMD_SSE41)
        k->matvec_f64 = fau_k_matvec_f64_sse41;
    if (level >= FAU_SIMD_AVX2)
        k->matvec_f64 = fau_k_matvec_f64_avx2;
    if (level >= FAU_SIMD_AVX512)
        k->matvec_f64 = fau_k_matvec_f64_avx512;
}
#endif
