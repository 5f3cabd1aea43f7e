#include "detect/sgemm_openblas.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

/* One output over steps k0 .. k1-1: a single fused chain, or two chains
 * alternating over each group of 8 steps (rest into the first). */
static inline __attribute__((always_inline)) float chain(const float *a, int lda, const float *b,
                                                         int k0, int k1, int two)
{
    const int K = k1 - k0, T = two ? K - K % 8 : 0;
    float e0 = 0.0f, e1 = 0.0f;
    for (int k = 0; k < K; k++) {
        const float x = a[(size_t)(k0 + k) * lda], y = b[k0 + k];
        if (k < T && (k & 1))
            e1 = fmaf(x, y, e1);
        else
            e0 = fmaf(x, y, e0);
    }
    return two ? e1 + e0 : e0;
}

/* Accumulation mode (1 or 2 chains) of row i, column j of a kernel call of
 * m x n (CNAME in sgemm_kernel_8x4_haswell_2.c). */
static int call_mode(int m, int n, int i, int j)
{
    const int n12 = n / 12 * 12;
    if (j < n12) {
        if (m < 16)
            return 1; /* COMPUTE_SIMPLE(8/4/2/1, 12) */
        const int right = j % 12 >= 6, pn = i / 8;
        /* COMPUTE_n12 zig-zag: H = panel 0 left (2 chains); right on
         * panel pairs (q, q+1), left on (q+1, q+2) (1 chain), ending with
         * T: one panel with 2 chains on the side not yet done; rows after
         * it are m4/m2/m1 tiles (1 chain). */
        if (!right && pn == 0)
            return 2;
        int r = m, q = 0;
        for (;;) {
            r -= 8;
            if (r < 16)
                return (!right && pn == q + 1) ? 2 : 1;
            r -= 8;
            if (r < 16)
                return (right && pn == q + 2) ? 2 : 1;
            q += 2;
        }
    }
    /* the rest: blocks of 8 (1 chain), 4 (2 chains in 8-row panels), 2, 1 */
    int rest = n - n12, jr = j - n12;
    while (rest > 7) {
        if (jr < 8)
            return 1;
        jr -= 8;
        rest -= 8;
    }
    if (rest > 3 && jr < 4)
        return i < m / 8 * 8 ? 2 : 1;
    return 1;
}

static void kernel_call(int m, int n, int k0, int k1, float alpha, const float *A, int lda,
                        const float *B, int ldb, float *C, int ldc)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            const float acc =
                chain(A + i, lda, B + (size_t)j * ldb, k0, k1, call_mode(m, n, i, j) == 2);
            float *c = C + (size_t)j * ldc + i;
            *c = fmaf(acc, alpha, *c);
        }
}

void fau_sgemm_openblas(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                        int ldb, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (beta != 1.0f)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < M; i++) {
                float *c = C + (size_t)j * ldc + i;
                *c = beta == 0.0f ? 0.0f : *c * beta;
            }
    if (K <= 0 || alpha == 0.0f)
        return;
    for (int js = 0; js < N; js += GEMM_R) {
        const int min_j = N - js < GEMM_R ? N - js : GEMM_R;
        for (int ls = 0, min_l; ls < K; ls += min_l) {
            min_l = next_block(K - ls, GEMM_Q);
            int min_i = next_block(M, GEMM_P);
            for (int jjs = js, min_jj; jjs < js + min_j; jjs += min_jj) {
                min_jj = min_j + js - jjs;
                if (min_jj >= 12)
                    min_jj = 12;
                else if (min_jj > 4)
                    min_jj = 4;
                kernel_call(min_i, min_jj, ls, ls + min_l, alpha, A, lda, B + (size_t)jjs * ldb, ldb,
                            C + (size_t)jjs * ldc, ldc);
            }
            for (int is = min_i; is < M; is += min_i) {
                min_i = next_block(M - is, GEMM_P);
                kernel_call(min_i, min_j, ls, ls + min_l, alpha, A + is, lda, B + (size_t)js * ldb, ldb,
                            C + (size_t)js * ldc + is, ldc);
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* Fast versions: same chains, more of them at a time                  */
/* ------------------------------------------------------------------ */

int fau_sgemm_fma_allowed(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    const char *cap = getenv("FACEAU_SIMD");
    if (cap && (!strcmp(cap, "scalar") || !strcmp(cap, "sse41")))
        return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
#else
    return 0;
#endif
}

static void scale_c(int M, int N, float beta, float *C, int ldc)
{
    if (beta == 1.0f)
        return;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++) {
            float *c = C + (size_t)j * ldc + i;
            *c = beta == 0.0f ? 0.0f : *c * beta;
        }
}

/* M == 1: every output is one chain per K chunk (the 12/4-column calls of
 * a one-row block all take COMPUTE_SIMPLE tiles), C = fma(acc, alpha, C). */
static void m1_chunk_c(int N, int k0, int k1, float alpha, const float *a, const float *bt,
                       size_t ldbt, float *c)
{
    for (int j = 0; j < N; j++) {
        float e = 0.0f;
        for (int k = k0; k < k1; k++)
            e = fmaf(a[k], bt[(size_t)k * ldbt + j], e);
        c[j] = fmaf(e, alpha, c[j]);
    }
}

/* The panel of 8 rows starting at A (column-major, lda) times nc columns of
 * B, steps k0..k1-1, in the given mode; C (column-major) gets
 * fma(acc, alpha, C). Plain fmaf. */
static void panel_c(const float *A, int lda, const float *B, int ldb, float *C, int ldc, int rows,
                    int nc, int k0, int k1, float alpha, int mode)
{
    for (int c = 0; c < nc; c++)
        for (int l = 0; l < rows; l++) {
            const float acc = chain(A + l, lda, B + (size_t)c * ldb, k0, k1, mode == 2);
            float *o = C + (size_t)c * ldc + l;
            *o = fmaf(acc, alpha, *o);
        }
}

#if defined(__x86_64__) && defined(__GNUC__)
typedef float v8f __attribute__((vector_size(32)));

/* The vector forms: x + y * z is contracted into one fused multiply-add
 * (O3 and fp-contract=fast for these functions only, so that any build
 * contracts it), i.e. exactly the fmaf of the C versions; test_sgemm_fast
 * checks the bits. */
/* NV vectors of 8 columns from column j: one chain per lane over the
 * chunk; the last vector stores only `last` lanes (its other lanes read
 * bt's row padding and are dropped). */
#define M1_V(NV)                                                                               \
    do {                                                                                       \
        v8f e[NV];                                                                             \
        for (int q = 0; q < NV; q++)                                                           \
            e[q] = (v8f){0, 0, 0, 0, 0, 0, 0, 0};                                              \
        const float *b = bt + (size_t)k0 * ldbt + j;                                           \
        for (int k = k0; k < k1; k++, b += ldbt) {                                             \
            const float x = a[k];                                                              \
            for (int q = 0; q < NV; q++) {                                                     \
                v8f y;                                                                         \
                memcpy(&y, b + 8 * q, sizeof y);                                               \
                e[q] = e[q] + y * x;                                                           \
            }                                                                                  \
        }                                                                                      \
        for (int q = 0; q < NV; q++) {                                                         \
            float *o = c + j + 8 * q;                                                          \
            if (q == NV - 1 && last < 8) {                                                     \
                for (int l = 0; l < last; l++)                                                 \
                    o[l] = fmaf(e[q][l], alpha, o[l]);                                         \
                continue;                                                                      \
            }                                                                                  \
            v8f ov;                                                                            \
            memcpy(&ov, o, sizeof ov);                                                         \
            ov = ov + e[q] * alpha;                                                            \
            memcpy(o, &ov, sizeof ov);                                                         \
        }                                                                                      \
    } while (0)

/* The vector forms: x + y * z is contracted into one fused multiply-add
 * (O3 and fp-contract=fast for these functions only, so that any build
 * contracts it), i.e. exactly the fmaf of the C versions; test_sgemm_fast
 * checks the bits. Up to 8 vectors (64 columns) at a time, the groups
 * balanced so that none is left with a lone latency-bound chain. */
__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=fast"))) static void
m1_chunk_fma(int N, int k0, int k1, float alpha, const float *a, const float *bt, size_t ldbt,
             float *c)
{
    /* a partial last vector when bt's rows are long enough to load it */
    const int nfull = N / 8, rest = N % 8;
    const int nv = rest && (size_t)nfull * 8 + 8 <= ldbt ? nfull + 1 : nfull;
    int j = 0;
    for (int done = 0; done < nv;) {
        const int groups = (nv - done + 7) / 8, g = (nv - done + groups - 1) / groups;
        const int last = done + g == nv && nv > nfull ? rest : 8;
        switch (g) {
        case 8:
            M1_V(8);
            break;
        case 7:
            M1_V(7);
            break;
        case 6:
            M1_V(6);
            break;
        case 5:
            M1_V(5);
            break;
        case 4:
            M1_V(4);
            break;
        case 3:
            M1_V(3);
            break;
        case 2:
            M1_V(2);
            break;
        default:
            M1_V(1);
            break;
        }
        done += g;
        j += 8 * g;
    }
    /* remaining columns (at most 7): their chains side by side */
    if (j < N) {
        float e[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        const int r = N - j;
        for (int k = k0; k < k1; k++) {
            const float *b = bt + (size_t)k * ldbt + j;
            for (int l = 0; l < r; l++)
                e[l] = fmaf(a[k], b[l], e[l]);
        }
        for (int l = 0; l < r; l++)
            c[j + l] = fmaf(e[l], alpha, c[j + l]);
    }
}

/* panel_c with fmaf compiled to the FMA instruction (rows past the last
 * full panel) */
__attribute__((target("avx2,fma"))) static void panel_c_fma(const float *A, int lda, const float *B,
                                                            int ldb, float *C, int ldc, int rows,
                                                            int nc, int k0, int k1, float alpha,
                                                            int mode)
{
    for (int c = 0; c < nc; c++)
        for (int l = 0; l < rows; l++) {
            const float acc = chain(A + l, lda, B + (size_t)c * ldb, k0, k1, mode == 2);
            float *o = C + (size_t)c * ldc + l;
            *o = fmaf(acc, alpha, *o);
        }
}

/* NP panels of 8 rows (consecutive) times NC columns, all in mode MODE;
 * only the first `rows` rows are stored (a partial last panel: its other
 * lanes read A's padding and are dropped). */
#define PANEL_V(NP, NC, MODE)                                                                  \
    do {                                                                                       \
        v8f e0[NP][NC], e1[NP][NC];                                                            \
        for (int p = 0; p < NP; p++)                                                           \
            for (int c = 0; c < NC; c++)                                                       \
                e0[p][c] = e1[p][c] = (v8f){0, 0, 0, 0, 0, 0, 0, 0};                           \
        const int K = k1 - k0, T = MODE == 2 ? K - K % 8 : 0;                                  \
        const float *a = A + (size_t)k0 * lda;                                                 \
        const float *b = B + k0;                                                               \
        int k = 0;                                                                             \
        for (; k + 1 < T; k += 2) {                                                            \
            v8f x0[NP], x1[NP];                                                                \
            for (int p = 0; p < NP; p++) {                                                     \
                memcpy(&x0[p], a + (size_t)k * lda + 8 * p, sizeof x0[p]);                     \
                memcpy(&x1[p], a + (size_t)(k + 1) * lda + 8 * p, sizeof x1[p]);               \
            }                                                                                  \
            for (int c = 0; c < NC; c++) {                                                     \
                const float y0 = b[(size_t)c * ldb + k], y1 = b[(size_t)c * ldb + k + 1];      \
                for (int p = 0; p < NP; p++) {                                                 \
                    e0[p][c] = e0[p][c] + x0[p] * y0;                                          \
                    e1[p][c] = e1[p][c] + x1[p] * y1;                                          \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
        for (; k < K; k++) {                                                                   \
            v8f x0[NP];                                                                        \
            for (int p = 0; p < NP; p++)                                                       \
                memcpy(&x0[p], a + (size_t)k * lda + 8 * p, sizeof x0[p]);                     \
            for (int c = 0; c < NC; c++) {                                                     \
                const float y0 = b[(size_t)c * ldb + k];                                       \
                for (int p = 0; p < NP; p++)                                                   \
                    e0[p][c] = e0[p][c] + x0[p] * y0;                                          \
            }                                                                                  \
        }                                                                                      \
        for (int p = 0; p < NP; p++)                                                           \
            for (int c = 0; c < NC; c++) {                                                     \
                const v8f r = MODE == 2 ? e1[p][c] + e0[p][c] : e0[p][c];                      \
                float *o = C + (size_t)c * ldc + 8 * p;                                        \
                if (rows < 8) {                                                                \
                    for (int l = 0; l < rows; l++)                                             \
                        o[l] = fmaf(r[l], alpha, o[l]);                                        \
                    continue;                                                                  \
                }                                                                              \
                v8f ov;                                                                        \
                memcpy(&ov, o, sizeof ov);                                                     \
                ov = ov + r * alpha;                                                           \
                memcpy(o, &ov, sizeof ov);                                                     \
            }                                                                                  \
    } while (0)

__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=fast"))) static void
panels_fma(const float *A, int lda, const float *B, int ldb, float *C, int ldc, int np, int nc,
           int rows, int k0, int k1, float alpha, int mode)
{
    /* np 2 only in mode 1 (8 accumulators either way) */
    if (mode == 2) {
        switch (nc) {
        case 4:
            PANEL_V(1, 4, 2);
            break;
        case 3:
            PANEL_V(1, 3, 2);
            break;
        case 2:
            PANEL_V(1, 2, 2);
            break;
        default:
            PANEL_V(1, 1, 2);
            break;
        }
    } else if (np == 2) {
        switch (nc) {
        case 4:
            PANEL_V(2, 4, 1);
            break;
        case 3:
            PANEL_V(2, 3, 1);
            break;
        case 2:
            PANEL_V(2, 2, 1);
            break;
        default:
            PANEL_V(2, 1, 1);
            break;
        }
    } else {
        switch (nc) {
        case 4:
            PANEL_V(1, 4, 1);
            break;
        case 3:
            PANEL_V(1, 3, 1);
            break;
        case 2:
            PANEL_V(1, 2, 1);
            break;
        default:
            PANEL_V(1, 1, 1);
            break;
        }
    }
}
#endif

void fau_sgemm_openblas_m1(int N, int K, float alpha, const float *a, const float *bt, size_t ldbt,
                           float beta, float *c, int use_fma)
{
    if (N <= 0)
        return;
    scale_c(1, N, beta, c, 1);
    if (K <= 0 || alpha == 0.0f)
        return;
    for (int ls = 0, min_l; ls < K; ls += min_l) {
        min_l = next_block(K - ls, GEMM_Q);
#if defined(__x86_64__) && defined(__GNUC__)
        if (use_fma) {
            m1_chunk_fma(N, ls, ls + min_l, alpha, a, bt, ldbt, c);
            continue;
        }
#else
        (void)use_fma;
#endif
        m1_chunk_c(N, ls, ls + min_l, alpha, a, bt, ldbt, c);
    }
}

/* One kernel call on the vector path. Modes are uniform over each 8-row
 * panel (call_mode depends on the row only through i / 8, or through
 * i < m / 8 * 8, which holds for all rows of a full panel and none of the
 * rows after), so panels go whole: two at a time where both are
 * single-chain, columns in groups of up to 4 with equal modes. The rows
 * after the last full panel go as one partial panel when A's storage
 * holds 8 rows there (avail: rows of A's columns from this call's first
 * row, lda minus the row offset), else one by one. */
static void kernel_call_fast(int m, int n, int k0, int k1, float alpha, const float *A, int lda,
                             int avail, const float *B, int ldb, float *C, int ldc, int use_fma)
{
    const int full = m / 8 * 8, tail = m - full;
#if defined(__x86_64__) && defined(__GNUC__)
    if (use_fma) {
        const int lim = tail > 0 && full + 8 <= avail ? full + 8 : full;
        for (int i0 = 0; i0 < lim;) {
            const int rows = i0 < full ? 8 : tail;
            const int two = rows == 8 && i0 + 16 <= full;
            int ma = call_mode(m, n, i0, 0), mb = two ? call_mode(m, n, i0 + 8, 0) : 0;
            for (int j = 0; j < n;) {
                int nc = 1, na = 0, nb = 0;
                while (j + nc < n) {
                    na = call_mode(m, n, i0, j + nc);
                    nb = two ? call_mode(m, n, i0 + 8, j + nc) : 0;
                    if (nc == 4 || na != ma || nb != mb)
                        break;
                    nc++;
                }
                const float *Bp = B + (size_t)j * ldb;
                float *Cp = C + (size_t)j * ldc + i0;
                if (two && ma == 1 && mb == 1) {
                    panels_fma(A + i0, lda, Bp, ldb, Cp, ldc, 2, nc, 8, k0, k1, alpha, 1);
                } else {
                    panels_fma(A + i0, lda, Bp, ldb, Cp, ldc, 1, nc, rows, k0, k1, alpha, ma);
                    if (two)
                        panels_fma(A + i0 + 8, lda, Bp, ldb, Cp + 8, ldc, 1, nc, 8, k0, k1, alpha,
                                   mb);
                }
                j += nc;
                ma = na;
                mb = nb;
            }
            i0 += two ? 16 : 8;
        }
        if (lim > full)
            return;
        for (int i = full; i < m; i++)
            for (int j = 0; j < n; j++)
                panel_c_fma(A + i, lda, B + (size_t)j * ldb, ldb, C + (size_t)j * ldc + i, ldc, 1,
                            1, k0, k1, alpha, call_mode(m, n, i, j));
        return;
    }
#else
    (void)use_fma;
    (void)full;
    (void)tail;
    (void)avail;
#endif
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
            panel_c(A + i, lda, B + (size_t)j * ldb, ldb, C + (size_t)j * ldc + i, ldc, 1, 1, k0, k1,
                    alpha, call_mode(m, n, i, j));
}

void fau_sgemm_openblas_fast(int M, int N, int K, float alpha, const float *A, int lda,
                             const float *B, int ldb, float beta, float *C, int ldc, int use_fma)
{
    if (M <= 0 || N <= 0)
        return;
    scale_c(M, N, beta, C, ldc);
    if (K <= 0 || alpha == 0.0f)
        return;
    /* the blocking of fau_sgemm_openblas */
    for (int js = 0; js < N; js += GEMM_R) {
        const int min_j = N - js < GEMM_R ? N - js : GEMM_R;
        for (int ls = 0, min_l; ls < K; ls += min_l) {
            min_l = next_block(K - ls, GEMM_Q);
            int min_i = next_block(M, GEMM_P);
            for (int jjs = js, min_jj; jjs < js + min_j; jjs += min_jj) {
                min_jj = min_j + js - jjs;
                if (min_jj >= 12)
                    min_jj = 12;
                else if (min_jj > 4)
                    min_jj = 4;
                kernel_call_fast(min_i, min_jj, ls, ls + min_l, alpha, A, lda, lda,
                                 B + (size_t)jjs * ldb, ldb, C + (size_t)jjs * ldc, ldc, use_fma);
            }
            for (int is = min_i; is < M; is += min_i) {
                min_i = next_block(M - is, GEMM_P);
                kernel_call_fast(min_i, min_j, ls, ls + min_l, alpha, A + is, lda, lda - is,
                                 B + (size_t)js * ldb, ldb, C + (size_t)js * ldc + is, ldc, use_fma);
            }
        }
    }
}
