#include "detect/sgemm_openblas.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "kernels/cpu.h"

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
    /* the AVX2 level is AVX2 + FMA; $FACEAU_SIMD may cap it (an unknown or
     * unsupported request selects nothing fast) */
    const int level = fau_simd_select(NULL);
    return (level == FAU_SIMD_AVX2 || level == FAU_SIMD_AVX512) && fau_cpu_supports(FAU_SIMD_AVX2);
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

