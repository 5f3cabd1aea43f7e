/* sgemm_small: the OpenBLAS-order driver, the portable (fmaf) kernel call
 * and the dispatch (see sgemm_small.h). */
#include "kernels/sgemm_small.h"

#include <math.h>
#include <stddef.h>

#include "kernels/sgemm_small_impl.h"

#define GEMM_P 320
#define GEMM_Q 320
#define GEMM_R 104512

/* level3.c's blocking of K (GEMM_Q) and M (GEMM_P), unroll 8 */
static int next_block(int left, int q)
{
    if (left >= 2 * q)
        return q;
    if (left > q)
        return ((left / 2 + 7) / 8) * 8;
    return left;
}

/* sgemm's beta step before any product: C = 0 for beta == 0, C *= beta
 * unless beta == 1; C is `outer` runs of `inner` floats, ld apart. */
static void scale_c(float *C, int outer, int inner, int ld, float beta)
{
    if (beta == 1.0f)
        return;
    for (int o = 0; o < outer; o++) {
        float *c = C + (size_t)o * (size_t)ld;
        for (int k = 0; k < inner; k++)
            c[k] = beta == 0.0f ? 0.0f : c[k] * beta;
    }
}

void fau_sgemm_small_drive(fau_sgemm_call_fn call, int M, int N, int K, float alpha,
                           const float *A, int lda, const float *B, int ldb, float beta, float *C,
                           int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    scale_c(C, N, M, ldc, beta); /* column-major: N columns of M */
    if (K <= 0 || alpha == 0.0f)
        return;
    for (int js = 0; js < N; js += GEMM_R) {
        const int min_j = N - js < GEMM_R ? N - js : GEMM_R;
        for (int ls = 0, min_l; ls < K; ls += min_l) {
            min_l = next_block(K - ls, GEMM_Q);
            int min_i = next_block(M, GEMM_P);
            /* first row block: one call per 12 columns, then 4, then the rest */
            for (int jjs = js, min_jj; jjs < js + min_j; jjs += min_jj) {
                min_jj = min_j + js - jjs;
                if (min_jj >= 12)
                    min_jj = 12;
                else if (min_jj > 4)
                    min_jj = 4;
                call(min_i, min_jj, ls, ls + min_l, alpha, A, lda, B + (size_t)jjs * (size_t)ldb,
                     ldb, C + (size_t)jjs * (size_t)ldc, ldc);
            }
            /* later row blocks: one call for the whole column block */
            for (int is = min_i; is < M; is += min_i) {
                min_i = next_block(M - is, GEMM_P);
                call(min_i, min_j, ls, ls + min_l, alpha, A + is, lda,
                     B + (size_t)js * (size_t)ldb, ldb, C + (size_t)js * (size_t)ldc + is, ldc);
            }
        }
    }
}

/* Runs of one row panel (rows r0..r0+nr-1) over the kernel calls of one
 * row block and K chunk: calls start at columns c0 (first row block: one
 * per 12 columns, then 4, then the rest; later blocks: one call), every
 * call of m rows; consecutive segments with the same mode are merged. */
static void panel_runs(fau_sgemm_run_fn run, int first_block, int m, int r0, int nr, int js,
                       int min_j, int k0, int k1, float alpha, const float *A, int lda,
                       const float *B, int ldb, float *C, int ldc)
{
    unsigned char ml[FAU_SGEMM_MAX_PANELS], mr[FAU_SGEMM_MAX_PANELS], m4[FAU_SGEMM_MAX_PANELS];
    fau_sgemm_modes(m, ml, mr, m4);
    const int pn = r0 / 8;
    int run_j = js, run_mode = 0;
    for (int jjs = js, n; jjs < js + min_j; jjs += n) {
        n = min_j + js - jjs;
        if (first_block) {
            if (n >= 12)
                n = 12;
            else if (n > 4)
                n = 4;
        }
        for (int j = 0, nc, kind; j < n; j += nc) {
            nc = fau_sgemm_segment(n, j, &kind);
            const int mode = kind == FAU_SGEMM_SEG_LEFT    ? ml[pn]
                             : kind == FAU_SGEMM_SEG_RIGHT ? mr[pn]
                             : kind == FAU_SGEMM_SEG_FOUR  ? m4[pn]
                                                           : 1;
            if (mode != run_mode) {
                if (run_mode)
                    run(nr, jjs + j - run_j, k0, k1, run_mode, alpha, A + r0, lda, B + run_j, ldb,
                        C + (size_t)r0 * (size_t)ldc + run_j, ldc);
                run_j = jjs + j;
                run_mode = mode;
            }
        }
    }
    run(nr, js + min_j - run_j, k0, k1, run_mode, alpha, A + r0, lda, B + run_j, ldb,
        C + (size_t)r0 * (size_t)ldc + run_j, ldc);
}

void fau_sgemm_small_rows_drive(fau_sgemm_run_fn run, int M, int N, int K, float alpha,
                                const float *A, int lda, const float *B, int ldb, float beta,
                                float *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    scale_c(C, M, N, ldc, beta); /* by rows: M rows of N */
    if (K <= 0 || alpha == 0.0f)
        return;
    for (int js = 0; js < N; js += GEMM_R) {
        const int min_j = N - js < GEMM_R ? N - js : GEMM_R;
        for (int ls = 0, min_l; ls < K; ls += min_l) {
            min_l = next_block(K - ls, GEMM_Q);
            for (int is = 0, min_i; is < M; is += min_i) {
                min_i = next_block(M - is, GEMM_P);
                const float *Ab = A + is + (size_t)ls * (size_t)lda;
                const float *Bb = B + (size_t)ls * (size_t)ldb;
                float *Cb = C + (size_t)is * (size_t)ldc;
                for (int r0 = 0; r0 < min_i; r0 += 8)
                    panel_runs(run, is == 0, min_i, r0, min_i - r0 < 8 ? min_i - r0 : 8, js, min_j,
                               0, min_l, alpha, Ab, lda, Bb, ldb, Cb, ldc);
            }
        }
    }
}

/* One tile: rows r0..r0+nr-1 (nr <= 8), columns j0..j0+nc-1 (nc <= 6). */
static void tile_c(int nr, int nc, int k0, int k1, int mode, float alpha, const float *A, int lda,
                   const float *B, int ldb, float *C, int ldc)
{
    const int K = k1 - k0, T = mode == 2 ? K - K % 8 : 0;
    for (int c = 0; c < nc; c++) {
        const float *b = B + (size_t)c * (size_t)ldb + k0;
        for (int r = 0; r < nr; r++) {
            const float *a = A + r + (size_t)k0 * (size_t)lda;
            float e0 = 0.0f, e1 = 0.0f;
            int k = 0;
            for (; k + 1 < T; k += 2) {
                e0 = fmaf(a[(size_t)k * (size_t)lda], b[k], e0);
                e1 = fmaf(a[(size_t)(k + 1) * (size_t)lda], b[k + 1], e1);
            }
            for (; k < K; k++)
                e0 = fmaf(a[(size_t)k * (size_t)lda], b[k], e0);
            const float acc = mode == 2 ? e1 + e0 : e0;
            float *o = C + (size_t)c * (size_t)ldc + r;
            *o = fmaf(acc, alpha, *o);
        }
    }
}

static void call_c(int m, int n, int k0, int k1, float alpha, const float *A, int lda,
                   const float *B, int ldb, float *C, int ldc)
{
    unsigned char ml[FAU_SGEMM_MAX_PANELS], mr[FAU_SGEMM_MAX_PANELS], m4[FAU_SGEMM_MAX_PANELS];
    fau_sgemm_modes(m, ml, mr, m4);
    for (int j = 0, nc, kind; j < n; j += nc) {
        nc = fau_sgemm_segment(n, j, &kind);
        const unsigned char *modes = kind == FAU_SGEMM_SEG_LEFT    ? ml
                                     : kind == FAU_SGEMM_SEG_RIGHT ? mr
                                     : kind == FAU_SGEMM_SEG_FOUR  ? m4
                                                                   : NULL;
        for (int r0 = 0; r0 < m; r0 += 8)
            tile_c(m - r0 < 8 ? m - r0 : 8, nc, k0, k1, modes ? modes[r0 / 8] : 1, alpha, A + r0,
                   lda, B + (size_t)j * (size_t)ldb, ldb, C + (size_t)j * (size_t)ldc + r0, ldc);
    }
}

void fau_sgemm_small_c(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                       int ldb, float beta, float *C, int ldc)
{
    fau_sgemm_small_drive(call_c, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Run of the row-major variant: nr rows, n columns, one mode. */
static void run_c(int nr, int n, int k0, int k1, int mode, float alpha, const float *A, int lda,
                  const float *B, int ldb, float *C, int ldc)
{
    const int K = k1 - k0, T = mode == 2 ? K - K % 8 : 0;
    for (int r = 0; r < nr; r++) {
        const float *a = A + r + (size_t)k0 * (size_t)lda;
        for (int j = 0; j < n; j++) {
            const float *b = B + (size_t)k0 * (size_t)ldb + j;
            float e0 = 0.0f, e1 = 0.0f;
            int k = 0;
            for (; k + 1 < T; k += 2) {
                e0 = fmaf(a[(size_t)k * (size_t)lda], b[(size_t)k * (size_t)ldb], e0);
                e1 = fmaf(a[(size_t)(k + 1) * (size_t)lda], b[(size_t)(k + 1) * (size_t)ldb], e1);
            }
            for (; k < K; k++)
                e0 = fmaf(a[(size_t)k * (size_t)lda], b[(size_t)k * (size_t)ldb], e0);
            const float acc = mode == 2 ? e1 + e0 : e0;
            float *o = C + (size_t)r * (size_t)ldc + j;
            *o = fmaf(acc, alpha, *o);
        }
    }
}

void fau_sgemm_small_rows_c(int M, int N, int K, float alpha, const float *A, int lda,
                            const float *B, int ldb, float beta, float *C, int ldc)
{
    fau_sgemm_small_rows_drive(run_c, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#if defined(__x86_64__) || defined(__i386__)
void fau_sgemm_small_rows_avx2(int M, int N, int K, float alpha, const float *A, int lda,
                               const float *B, int ldb, float beta, float *C, int ldc);
void fau_sgemm_small_avx2(int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc);
#endif

fau_sgemm_fn fau_sgemm_small_for(fau_simd_level level)
{
#if defined(__x86_64__) || defined(__i386__)
    if (level >= FAU_SIMD_AVX2 && level != FAU_SIMD_NEON && fau_cpu_supports(FAU_SIMD_AVX2))
        return fau_sgemm_small_avx2;
#endif
    return fau_sgemm_small_c;
}

void fau_sgemm_small(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                     int ldb, float beta, float *C, int ldc)
{
    const int level = fau_simd_select(NULL);
    fau_sgemm_small_for(level < 0 ? FAU_SIMD_SCALAR : (fau_simd_level)level)(
        M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

fau_sgemm_fn fau_sgemm_small_rows_for(fau_simd_level level)
{
#if defined(__x86_64__) || defined(__i386__)
    if (level >= FAU_SIMD_AVX2 && level != FAU_SIMD_NEON && fau_cpu_supports(FAU_SIMD_AVX2))
        return fau_sgemm_small_rows_avx2;
#endif
    return fau_sgemm_small_rows_c;
}

void fau_sgemm_small_rows(int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc)
{
    const int level = fau_simd_select(NULL);
    fau_sgemm_small_rows_for(level < 0 ? FAU_SIMD_SCALAR : (fau_simd_level)level)(
        M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
