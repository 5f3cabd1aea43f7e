/* Fast sgemm_ with OpenBLAS's summation order, for the small products
 * OpenFace hands to sgemm_: the CLNF Hessian J_w_t * J (M = N = 6..40,
 * K = 2 x points = 56..136, NU_RLMS in LandmarkDetectorModel.cpp) and the
 * validator's convolutions (convolution_direct_blas in CNN_utils.cpp:
 * M = 10 kernels, N = pixels, K = im2col width).
 *
 * Every output is the exact float value fau_sgemm_openblas gives (Debian
 * 12's OpenBLAS 0.3.21 Haswell kernel: the same K chunks, row blocks,
 * kernel calls, tiles with one or two fused chains, C = fma(acc, alpha, C)
 * per chunk); only the way the work is laid out differs: rows in panels of
 * 8 (one vector), up to 6 columns per tile, no packing, no scratch. Any
 * shape works (M, N, K up to INT_MAX as sgemm_ takes them); the AVX2+FMA
 * variant and the portable fmaf variant give identical bits (fused
 * multiply-adds are exact either way), checked by tests/test_sgemm_small.c
 * against fau_sgemm_openblas at every level the CPU has.
 *
 * Thread-safe: no state; A and B are only read, C only written where the
 * product says. */
#ifndef FAU_KERNELS_SGEMM_SMALL_H
#define FAU_KERNELS_SGEMM_SMALL_H

#include "kernels/cpu.h"

/* sgemm_("N", "N", M, N, K, alpha, A, lda, B, ldb, beta, C, ldc), column
 * major: C(M x N) = alpha * A(M x K) * B(K x N) + beta * C, with
 * A(i, k) = A[i + k*lda], B(k, j) = B[k + j*ldb], C(i, j) = C[i + j*ldc].
 * Same contract and bits as fau_sgemm_openblas. */
typedef void (*fau_sgemm_fn)(int M, int N, int K, float alpha, const float *A, int lda,
                             const float *B, int ldb, float beta, float *C, int ldc);

/* The best variant this CPU runs, capped by $FACEAU_SIMD (read on every
 * call: hold fau_sgemm_small_for's pointer in hot loops instead). */
void fau_sgemm_small(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                     int ldb, float beta, float *C, int ldc);

/* The variant for a SIMD level (the best one at or below it that this build
 * and CPU run; the fmaf variant below AVX2 and on other architectures). */
fau_sgemm_fn fau_sgemm_small_for(fau_simd_level level);

/* The portable variant (fmaf). */
void fau_sgemm_small_c(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                       int ldb, float beta, float *C, int ldc);

/* The same product with the same bits, B stored by rows of K and C by
 * rows: B(k, j) = B[k*ldb + j], C(i, j) = C[i*ldc + j] (A as above).
 * Vectorised over columns: for few rows and many columns (the validator's
 * convolutions: kernels x pixels, with the im2col matrix one row per input
 * value, so that C holds the output maps). Same dispatch rules. */
void fau_sgemm_small_rows(int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc);
fau_sgemm_fn fau_sgemm_small_rows_for(fau_simd_level level);
void fau_sgemm_small_rows_c(int M, int N, int K, float alpha, const float *A, int lda,
                            const float *B, int ldb, float beta, float *C, int ldc);

#endif
