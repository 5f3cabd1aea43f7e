/* SSE4.1 matvec_f64 (see kernels/linear.h). Lanes run
 * across the models k, so each y[k] still adds x[i] * W[i][k] in increasing
 * i with separate multiply and add (no FMA is enabled in these targets and
 * the build is ISO C, -ffp-contract=off): bit-identical to the C
 * reference. Four feature rows per pass keep y in registers 4x less often. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/linear.h"

#define T_SSE41 __attribute__((target("sse4.1")))

T_SSE41 void fau_k_matvec_f64_sse41(const double *W, size_t ld, size_t n, const double *x, double *y);

T_SSE41 void fau_k_matvec_f64_sse41(const double *W, size_t ld, size_t n, const double *x, double *y)
{
    for (size_t k = 0; k < ld; k += 2)
        _mm_storeu_pd(y + k, _mm_setzero_pd());
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128d x0 = _mm_set1_pd(x[i]), x1 = _mm_set1_pd(x[i + 1]);
        const __m128d x2 = _mm_set1_pd(x[i + 2]), x3 = _mm_set1_pd(x[i + 3]);
        const double *w = W + i * ld;
        for (size_t k = 0; k < ld; k += 2) {
            __m128d a = _mm_loadu_pd(y + k);
            a = _mm_add_pd(a, _mm_mul_pd(x0, _mm_loadu_pd(w + k)));
            a = _mm_add_pd(a, _mm_mul_pd(x1, _mm_loadu_pd(w + ld + k)));
            a = _mm_add_pd(a, _mm_mul_pd(x2, _mm_loadu_pd(w + 2 * ld + k)));
            a = _mm_add_pd(a, _mm_mul_pd(x3, _mm_loadu_pd(w + 3 * ld + k)));
            _mm_storeu_pd(y + k, a);
        }
    }
    for (; i < n; i++) {
        const __m128d x0 = _mm_set1_pd(x[i]);
        const double *w = W + i * ld;
        for (size_t k = 0; k < ld; k += 2)
            _mm_storeu_pd(y + k, _mm_add_pd(_mm_loadu_pd(y + k), _mm_mul_pd(x0, _mm_loadu_pd(w + k))));
    }
}

#endif
