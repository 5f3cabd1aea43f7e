/* AVX2 matvec_f64 (see kernels/linear.h). Lanes run
 * across the models k, so each y[k] still adds x[i] * W[i][k] in increasing
 * i with separate multiply and add (no FMA is enabled in these targets and
 * the build is ISO C, -ffp-contract=off): bit-identical to the C
 * reference. Four feature rows per pass keep y in registers 4x less often. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/linear.h"

#define T_AVX2 __attribute__((target("avx2")))

T_AVX2 void fau_k_matvec_f64_avx2(const double *W, size_t ld, size_t n, const double *x, double *y);

T_AVX2 void fau_k_matvec_f64_avx2(const double *W, size_t ld, size_t n, const double *x, double *y)
{
    for (size_t k = 0; k < ld; k += 4)
        _mm256_storeu_pd(y + k, _mm256_setzero_pd());
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d x0 = _mm256_set1_pd(x[i]), x1 = _mm256_set1_pd(x[i + 1]);
        const __m256d x2 = _mm256_set1_pd(x[i + 2]), x3 = _mm256_set1_pd(x[i + 3]);
        const double *w = W + i * ld;
        for (size_t k = 0; k < ld; k += 4) {
            __m256d a = _mm256_loadu_pd(y + k);
            a = _mm256_add_pd(a, _mm256_mul_pd(x0, _mm256_loadu_pd(w + k)));
            a = _mm256_add_pd(a, _mm256_mul_pd(x1, _mm256_loadu_pd(w + ld + k)));
            a = _mm256_add_pd(a, _mm256_mul_pd(x2, _mm256_loadu_pd(w + 2 * ld + k)));
            a = _mm256_add_pd(a, _mm256_mul_pd(x3, _mm256_loadu_pd(w + 3 * ld + k)));
            _mm256_storeu_pd(y + k, a);
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
