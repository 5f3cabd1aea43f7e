/* AVX-512 matvec_f64 (see kernels/linear.h). Lanes run
 * across the models k, so each y[k] still adds x[i] * W[i][k] in increasing
 * i with separate multiply and add (no FMA is enabled in these targets and
 * the build is ISO C, -ffp-contract=off): bit-identical to the C
 * reference. Four feature rows per pass keep y in registers 4x less often. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/linear.h"

#define T_AVX512 __attribute__((target("avx512f")))

T_AVX512 void fau_k_matvec_f64_avx512(const double *W, size_t ld, size_t n, const double *x, double *y);

/* AVX-512: 8 models per zmm, the ld % 8 == 4 tail through a masked zmm. */
T_AVX512 void fau_k_matvec_f64_avx512(const double *W, size_t ld, size_t n, const double *x,
                                   double *y)
{
    for (size_t k = 0; k < ld; k += 4)
        _mm256_storeu_pd(y + k, _mm256_setzero_pd());
    const size_t full = ld & ~(size_t)7;
    const __mmask8 tail = (__mmask8)((1u << (ld - full)) - 1);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m512d x0 = _mm512_set1_pd(x[i]), x1 = _mm512_set1_pd(x[i + 1]);
        const __m512d x2 = _mm512_set1_pd(x[i + 2]), x3 = _mm512_set1_pd(x[i + 3]);
        const double *w = W + i * ld;
        for (size_t k = 0; k < full; k += 8) {
            __m512d a = _mm512_loadu_pd(y + k);
            a = _mm512_add_pd(a, _mm512_mul_pd(x0, _mm512_loadu_pd(w + k)));
            a = _mm512_add_pd(a, _mm512_mul_pd(x1, _mm512_loadu_pd(w + ld + k)));
            a = _mm512_add_pd(a, _mm512_mul_pd(x2, _mm512_loadu_pd(w + 2 * ld + k)));
            a = _mm512_add_pd(a, _mm512_mul_pd(x3, _mm512_loadu_pd(w + 3 * ld + k)));
            _mm512_storeu_pd(y + k, a);
        }
        if (tail) {
            __m512d a = _mm512_maskz_loadu_pd(tail, y + full);
            a = _mm512_add_pd(a, _mm512_mul_pd(x0, _mm512_maskz_loadu_pd(tail, w + full)));
            a = _mm512_add_pd(a, _mm512_mul_pd(x1, _mm512_maskz_loadu_pd(tail, w + ld + full)));
            a = _mm512_add_pd(a, _mm512_mul_pd(x2, _mm512_maskz_loadu_pd(tail, w + 2 * ld + full)));
            a = _mm512_add_pd(a, _mm512_mul_pd(x3, _mm512_maskz_loadu_pd(tail, w + 3 * ld + full)));
            _mm512_mask_storeu_pd(y + full, tail, a);
        }
    }
    for (; i < n; i++) {
        const __m256d x0 = _mm256_set1_pd(x[i]);
        const double *w = W + i * ld;
        for (size_t k = 0; k < ld; k += 4)
            _mm256_storeu_pd(y + k, _mm256_add_pd(_mm256_loadu_pd(y + k),
                                                  _mm256_mul_pd(x0, _mm256_loadu_pd(w + k))));
    }
}

#endif
