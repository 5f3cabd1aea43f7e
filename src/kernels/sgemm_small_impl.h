/* Internals shared by the sgemm_small variants (see sgemm_small.h): the
 * level-3 driver and the accumulation mode of each tile of a kernel call,
 * as fau_sgemm_openblas (detect/sgemm_openblas.h) describes them. */
#ifndef FAU_KERNELS_SGEMM_SMALL_IMPL_H
#define FAU_KERNELS_SGEMM_SMALL_IMPL_H

/* One call of OpenBLAS's sgemm kernel: rows 0..m-1 of A, columns 0..n-1 of
 * B and C, K steps k0..k1-1; C = fma(acc, alpha, C) for every output. */
typedef void (*fau_sgemm_call_fn)(int m, int n, int k0, int k1, float alpha, const float *A,
                                  int lda, const float *B, int ldb, float *C, int ldc);

/* sgemm_ with OpenBLAS's blocking (beta, K chunks, row blocks, column
 * calls), each kernel call done by `call`. */
void fau_sgemm_small_drive(fau_sgemm_call_fn call, int M, int N, int K, float alpha,
                           const float *A, int lda, const float *B, int ldb, float beta, float *C,
                           int ldc);

/* The row-major variant (fau_sgemm_small_rows): rows r0.. (nr <= 8) of
 * A, columns 0..n-1 of B (k-major, B(k, j) = B[k*ldb + j]) and C
 * (row-major), K steps k0..k1-1, every output with the same accumulation
 * mode; C = fma(acc, alpha, C). */
typedef void (*fau_sgemm_run_fn)(int nr, int n, int k0, int k1, int mode, float alpha,
                                 const float *A, int lda, const float *B, int ldb, float *C,
                                 int ldc);

/* sgemm_ with OpenBLAS's blocking for the row-major variant: the outputs
 * of each row panel are grouped into runs of consecutive columns that
 * share an accumulation mode, each run done by `run`. */
void fau_sgemm_small_rows_drive(fau_sgemm_run_fn run, int M, int N, int K, float alpha,
                                const float *A, int lda, const float *B, int ldb, float beta,
                                float *C, int ldc);

/* A kernel call never has more than GEMM_P = 320 rows: 40 panels of 8. */
#define FAU_SGEMM_MAX_PANELS 40

/* Column segments of a kernel call of n columns: up to 6 columns that
 * share, per 8-row panel, one accumulation mode. */
enum { FAU_SGEMM_SEG_LEFT, FAU_SGEMM_SEG_RIGHT, FAU_SGEMM_SEG_FOUR, FAU_SGEMM_SEG_ONE };

/* Modes (1: one fused chain, 2: two chains alternating over each group of
 * 8 steps) of the panels of an m-row call in the kernel's 12-column blocks
 * (left and right 6 columns) and its 4-column block; the 8-column block
 * and the last 2 and 1 columns always use one chain. */
static inline void fau_sgemm_modes(int m, unsigned char *left, unsigned char *right,
                                   unsigned char *four)
{
    const int np = (m + 7) / 8;
    for (int i = 0; i < np; i++) {
        left[i] = right[i] = 1;
        four[i] = (i + 1) * 8 <= m ? 2 : 1; /* full 8-row panels of the 8x4 tile */
    }
    if (m >= 16) {
        /* COMPUTE_n12 of sgemm_kernel_8x4_haswell_2.c: panel 0 left with
         * two chains, then right on panel pairs (q, q+1) and left on
         * (q+1, q+2) with one, ending with one panel with two chains on
         * the side not yet done. */
        left[0] = 2;
        int r = m, q = 0;
        for (;;) {
            r -= 8;
            if (r < 16) {
                left[q + 1] = 2;
                break;
            }
            r -= 8;
            if (r < 16) {
                right[q + 2] = 2;
                break;
            }
            q += 2;
        }
    }
}

/* Next segment at column j of an n-column call: its width and kind. */
static inline int fau_sgemm_segment(int n, int j, int *kind)
{
    const int n12 = n / 12 * 12;
    if (j < n12) {
        *kind = j % 12 < 6 ? FAU_SGEMM_SEG_LEFT : FAU_SGEMM_SEG_RIGHT;
        return 6;
    }
    int rest = n - n12, jr = j - n12;
    if (rest >= 8) {
        if (jr < 8) {
            *kind = FAU_SGEMM_SEG_ONE; /* the 8-column block */
            return 4;
        }
        jr -= 8;
        rest -= 8;
    }
    if (rest >= 4 && jr < 4) {
        *kind = FAU_SGEMM_SEG_FOUR;
        return 4;
    }
    *kind = FAU_SGEMM_SEG_ONE;
    return n - j;
}

#endif
