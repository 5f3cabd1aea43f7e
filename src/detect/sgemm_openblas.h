/* sgemm_ exactly as OpenFace's builds compute it: Debian 12's OpenBLAS
 * 0.3.21 with its Haswell kernel (kernel/x86_64/sgemm_kernel_8x4_haswell_2.c,
 * also selected on AMD Zen), which is what produced the golden outputs.
 * OpenFace calls sgemm_ in the MTCNN and validator CNNs
 * (convolution_direct_blas), PDM::CalcShape2D / PDM::ComputeHessian and the
 * CCNF / CEN patch experts; any of them reproduces OpenFace's float bits
 * only with OpenBLAS's summation order:
 *
 * - beta first (C = 0 for beta == 0, C *= beta unless beta == 1);
 * - K in chunks (GEMM_Q = 320: 320 while at least 640 remain, else half
 *   the rest rounded up to 8); M in blocks (GEMM_P = 320, same rule);
 *   N in blocks of GEMM_R = 104512; the first row block runs one kernel
 *   call per 12 columns while 12 remain, else 4 while more than 4 remain,
 *   else the rest; later row blocks run one call for the whole N block;
 * - in a call, columns go in blocks of 12, then 8, 4, 2, 1; rows in panels
 *   of 8, then 4, 2, 1; each output is one chain of fused multiply-adds
 *   over the chunk, except in the kernel's 8x6 tiles (12-column blocks
 *   with 16+ rows: panel 0 of the left six columns, and one end panel of
 *   the row zig-zag) and 8x4 tiles, which alternate two chains over each
 *   group of 8 steps (the K % 8 last steps go to the first) and add them;
 * - C = fma(acc, alpha, C) after each chunk.
 *
 * Checked bit for bit against that library (OPENBLAS_NUM_THREADS=1, Haswell
 * core) on random matrices with M up to 2000, N up to 200003, K up to
 * 2000. This is a plain C reference (fmaf, strided loads, no scratch);
 * detect/cnn.c has a packed, vectorised version of the same order for the
 * MTCNN convolutions. */
#ifndef FAU_DETECT_SGEMM_OPENBLAS_H
#define FAU_DETECT_SGEMM_OPENBLAS_H

#include <stddef.h>

/* sgemm_("N", "N", M, N, K, alpha, A, lda, B, ldb, beta, C, ldc), column
 * major: C(MxN) = alpha * A(MxK) * B(KxN) + beta * C. */
void fau_sgemm_openblas(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                        int ldb, float beta, float *C, int ldc);

/* The fast general form of this order is kernels/sgemm_small.h; here the
 * M == 1 form. use_fma selects AVX2+FMA code on 8-float vectors (only when
 * fau_sgemm_fma_allowed() said so), else fmaf loops (a libm call without
 * hardware FMA: slow but exact). Both give the same bits. */

/* Whether the AVX2+FMA code may run: the CPU has both and $FACEAU_SIMD does
 * not cap the level below avx2. Read once when a model is loaded and kept
 * with it (reads the environment; not for per-frame code). */
int fau_sgemm_fma_allowed(void);

/* M == 1: c (N) = alpha * a (K) * B (K x N) + beta * c, with B given
 * transposed, bt[k * ldbt + j] = B(k, j) (the layout of a row-major N x K
 * matrix handed to sgemm_ as B, stored K-major), so that the N independent
 * chains run across vector lanes. Used by PDM::CalcShape3D (1 x m times
 * the m x 3n components) and the CCNF Sigma product. */
void fau_sgemm_openblas_m1(int N, int K, float alpha, const float *a, const float *bt, size_t ldbt,
                           float beta, float *c, int use_fma);

#endif
