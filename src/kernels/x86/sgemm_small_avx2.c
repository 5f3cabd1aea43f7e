/* AVX2+FMA kernel call of sgemm_small (see kernels/sgemm_small.h): eight
 * rows of A per vector (masked loads and stores for the last, partial
 * panel), one or two accumulators per column, up to six columns per tile.
 * Each lane is exactly the chain of fmaf the portable variant computes:
 * _mm256_fmadd_ps rounds once like fmaf, the two-chain tiles pair the same
 * steps, and C = fma(acc, alpha, C) is one more fused operation. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stddef.h>

#include "kernels/sgemm_small.h"
#include "kernels/sgemm_small_impl.h"

#define T_AVX2 __attribute__((target("avx2,fma")))

void fau_sgemm_small_avx2(int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc);
void fau_sgemm_small_rows_avx2(int M, int N, int K, float alpha, const float *A, int lda,
                               const float *B, int ldb, float beta, float *C, int ldc);

/* nc columns; full: all 8 rows valid (plain loads), else `mask`. The
 * column count is a constant after inlining, so the accumulators stay in
 * registers. */
static inline __attribute__((always_inline)) T_AVX2 void
tile(const int nc, const int full, __m256i mask, int k0, int k1, int mode, float alpha,
     const float *A, int lda, const float *B, int ldb, float *C, int ldc)
{
    __m256 a0[6], a1[6];
    for (int c = 0; c < nc; c++)
        a0[c] = a1[c] = _mm256_setzero_ps();
    const int K = k1 - k0, T = mode == 2 ? K - K % 8 : 0;
    const float *a = A + (size_t)k0 * (size_t)lda;
    const float *b[6];
    for (int c = 0; c < nc; c++)
        b[c] = B + (size_t)c * (size_t)ldb + k0;
    int k = 0;
    for (; k + 1 < T; k += 2) {
        const __m256 x0 = full ? _mm256_loadu_ps(a + (size_t)k * (size_t)lda)
                               : _mm256_maskload_ps(a + (size_t)k * (size_t)lda, mask);
        const __m256 x1 = full ? _mm256_loadu_ps(a + (size_t)(k + 1) * (size_t)lda)
                               : _mm256_maskload_ps(a + (size_t)(k + 1) * (size_t)lda, mask);
        for (int c = 0; c < nc; c++) {
            a0[c] = _mm256_fmadd_ps(x0, _mm256_broadcast_ss(b[c] + k), a0[c]);
            a1[c] = _mm256_fmadd_ps(x1, _mm256_broadcast_ss(b[c] + k + 1), a1[c]);
        }
    }
    for (; k < K; k++) {
        const __m256 x0 = full ? _mm256_loadu_ps(a + (size_t)k * (size_t)lda)
                               : _mm256_maskload_ps(a + (size_t)k * (size_t)lda, mask);
        for (int c = 0; c < nc; c++)
            a0[c] = _mm256_fmadd_ps(x0, _mm256_broadcast_ss(b[c] + k), a0[c]);
    }
    const __m256 va = _mm256_set1_ps(alpha);
    for (int c = 0; c < nc; c++) {
        const __m256 acc = mode == 2 ? _mm256_add_ps(a1[c], a0[c]) : a0[c];
        float *o = C + (size_t)c * (size_t)ldc;
        if (full)
            _mm256_storeu_ps(o, _mm256_fmadd_ps(acc, va, _mm256_loadu_ps(o)));
        else
            _mm256_maskstore_ps(o, mask, _mm256_fmadd_ps(acc, va, _mm256_maskload_ps(o, mask)));
    }
}

#define TILE_NC(FULL)                                                                          \
    switch (nc) {                                                                              \
    case 6:                                                                                    \
        tile(6, FULL, mask, k0, k1, mode, alpha, A, lda, B, ldb, C, ldc);                      \
        break;                                                                                 \
    case 5:                                                                                    \
        tile(5, FULL, mask, k0, k1, mode, alpha, A, lda, B, ldb, C, ldc);                      \
        break;                                                                                 \
    case 4:                                                                                    \
        tile(4, FULL, mask, k0, k1, mode, alpha, A, lda, B, ldb, C, ldc);                      \
        break;                                                                                 \
    case 3:                                                                                    \
        tile(3, FULL, mask, k0, k1, mode, alpha, A, lda, B, ldb, C, ldc);                      \
        break;                                                                                 \
    case 2:                                                                                    \
        tile(2, FULL, mask, k0, k1, mode, alpha, A, lda, B, ldb, C, ldc);                      \
        break;                                                                                 \
    default:                                                                                   \
        tile(1, FULL, mask, k0, k1, mode, alpha, A, lda, B, ldb, C, ldc);                      \
        break;                                                                                 \
    }

static T_AVX2 void tile_full(int nc, int k0, int k1, int mode, float alpha, const float *A,
                             int lda, const float *B, int ldb, float *C, int ldc)
{
    const __m256i mask = _mm256_set1_epi32(-1);
    TILE_NC(1)
}

static T_AVX2 void tile_part(int nr, int nc, int k0, int k1, int mode, float alpha,
                             const float *A, int lda, const float *B, int ldb, float *C, int ldc)
{
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    TILE_NC(0)
}

static T_AVX2 void call_avx2(int m, int n, int k0, int k1, float alpha, const float *A, int lda,
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
        const float *Bj = B + (size_t)j * (size_t)ldb;
        float *Cj = C + (size_t)j * (size_t)ldc;
        for (int r0 = 0; r0 < m; r0 += 8) {
            const int mode = modes ? modes[r0 / 8] : 1;
            if (m - r0 >= 8)
                tile_full(nc, k0, k1, mode, alpha, A + r0, lda, Bj, ldb, Cj + r0, ldc);
            else
                tile_part(m - r0, nc, k0, k1, mode, alpha, A + r0, lda, Bj, ldb, Cj + r0, ldc);
        }
    }
}

void fau_sgemm_small_avx2(int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc)
{
    fau_sgemm_small_drive(call_avx2, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* ---- the row-major variant: eight columns per vector ---- */

static inline T_AVX2 __m256i lanes(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* R rows x V vectors of columns (nv valid columns from j), one chain
 * (TWO = 0) or two (TWO = 1, V = 1). */
static inline __attribute__((always_inline)) T_AVX2 void
rows_tile(const int R, const int V, const int TWO, int nv, int K, float alpha, const float *A,
          int lda, const float *B, int ldb, float *C, int ldc)
{
    __m256 a0[4][2], a1[4][2];
    __m256i mk[2];
    for (int v = 0; v < V; v++) {
        mk[v] = lanes(nv - 8 * v);
        for (int r = 0; r < R; r++)
            a0[r][v] = a1[r][v] = _mm256_setzero_ps();
    }
    const int full = nv >= 8 * V;
    const int T = TWO ? K - K % 8 : 0;
    int k = 0;
    if (TWO)
        for (; k + 1 < T; k += 2) {
            const float *b = B + (size_t)k * (size_t)ldb;
            const __m256 x0 = full ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, mk[0]);
            const __m256 x1 = full ? _mm256_loadu_ps(b + ldb) : _mm256_maskload_ps(b + ldb, mk[0]);
            const float *a = A + (size_t)k * (size_t)lda;
            for (int r = 0; r < R; r++) {
                a0[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r), x0, a0[r][0]);
                a1[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + lda + r), x1, a1[r][0]);
            }
        }
    for (; k < K; k++) {
        const float *b = B + (size_t)k * (size_t)ldb;
        __m256 x[2];
        for (int v = 0; v < V; v++)
            x[v] = full ? _mm256_loadu_ps(b + 8 * v) : _mm256_maskload_ps(b + 8 * v, mk[v]);
        const float *a = A + (size_t)k * (size_t)lda;
        for (int r = 0; r < R; r++) {
            const __m256 w = _mm256_broadcast_ss(a + r);
            for (int v = 0; v < V; v++)
                a0[r][v] = _mm256_fmadd_ps(w, x[v], a0[r][v]);
        }
    }
    const __m256 va = _mm256_set1_ps(alpha);
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) {
            const __m256 acc = TWO ? _mm256_add_ps(a1[r][v], a0[r][v]) : a0[r][v];
            float *o = C + (size_t)r * (size_t)ldc + 8 * v;
            if (full)
                _mm256_storeu_ps(o, _mm256_fmadd_ps(acc, va, _mm256_loadu_ps(o)));
            else
                _mm256_maskstore_ps(o, mk[v], _mm256_fmadd_ps(acc, va, _mm256_maskload_ps(o, mk[v])));
        }
}

#define ROWS_R(V, TWO)                                                                         \
    switch (R) {                                                                               \
    case 4:                                                                                    \
        rows_tile(4, V, TWO, nv, K, alpha, A, lda, B, ldb, C, ldc);                            \
        break;                                                                                 \
    case 3:                                                                                    \
        rows_tile(3, V, TWO, nv, K, alpha, A, lda, B, ldb, C, ldc);                            \
        break;                                                                                 \
    case 2:                                                                                    \
        rows_tile(2, V, TWO, nv, K, alpha, A, lda, B, ldb, C, ldc);                            \
        break;                                                                                 \
    default:                                                                                   \
        rows_tile(1, V, TWO, nv, K, alpha, A, lda, B, ldb, C, ldc);                            \
        break;                                                                                 \
    }

static T_AVX2 void rows_one(int R, int nv, int K, float alpha, const float *A, int lda,
                            const float *B, int ldb, float *C, int ldc)
{
    ROWS_R(2, 0)
}

static T_AVX2 void rows_two(int R, int nv, int K, float alpha, const float *A, int lda,
                            const float *B, int ldb, float *C, int ldc)
{
    ROWS_R(1, 1)
}

/* A run: rows in groups of 4; one chain: 16 columns per tile, two chains:
 * 8 (8 accumulators either way). */
static T_AVX2 void run_avx2(int nr, int n, int k0, int k1, int mode, float alpha, const float *A,
                            int lda, const float *B, int ldb, float *C, int ldc)
{
    const int K = k1 - k0, step = mode == 2 ? 8 : 16;
    const float *Ak = A + (size_t)k0 * (size_t)lda, *Bk = B + (size_t)k0 * (size_t)ldb;
    for (int r0 = 0; r0 < nr; r0 += 4) {
        const int R = nr - r0 < 4 ? nr - r0 : 4;
        for (int j = 0; j < n; j += step) {
            const int nv = n - j < step ? n - j : step;
            float *Cj = C + (size_t)r0 * (size_t)ldc + j;
            if (mode == 2)
                rows_two(R, nv, K, alpha, Ak + r0, lda, Bk + j, ldb, Cj, ldc);
            else
                rows_one(R, nv, K, alpha, Ak + r0, lda, Bk + j, ldb, Cj, ldc);
        }
    }
}

void fau_sgemm_small_rows_avx2(int M, int N, int K, float alpha, const float *A, int lda,
                               const float *B, int ldb, float beta, float *C, int ldc)
{
    fau_sgemm_small_rows_drive(run_avx2, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif
