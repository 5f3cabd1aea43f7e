/* fau_sgemm_small against the OpenBLAS-order reference fau_sgemm_openblas
 * (itself checked bit for bit against Debian 12's OpenBLAS 0.3.21): every
 * output identical (0 ulp) at every SIMD level this CPU has, on random data
 * for the shapes OpenFace sends to sgemm_ (CLNF Hessian of the main and
 * part models, validator convolutions) and on shapes that reach every
 * branch of OpenBLAS's blocking (K chunks, several row blocks, 12/8/4/2/1
 * column blocks, partial row panels); C's padding rows must stay as they
 * were. The row-major variant (fau_sgemm_small_rows) gets the same data
 * with B and C transposed in memory and must give the same bits.
 * FAU_KERNEL_BENCH=N prints microseconds per call. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "detect/sgemm_openblas.h"
#include "kernels/cpu.h"
#include "kernels/sgemm_small.h"

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Mixed magnitudes and signs so that different summation orders round
 * differently (a wrong order shows up as a bit difference). */
static float rndf(void)
{
    float v = (float)(rnd() / 4294967296.0 * 2.0 - 1.0);
    switch (rnd() % 8) {
    case 0:
        return v * 1e-4f;
    case 1:
        return v * 300.0f;
    case 2:
        return 0.0f;
    default:
        return v;
    }
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e6 * (double)ts.tv_sec + 1e-3 * (double)ts.tv_nsec;
}

typedef struct shape {
    int M, N, K, lda_pad, ldb_pad, ldc_pad;
    float alpha, beta;
    const char *what;
} shape;

static const shape shapes[] = {
    /* Hessian = regTerm + J_w_t * J: k x k, K = 2n, beta 1 */
    {6, 6, 136, 0, 0, 0, 1.0f, 1.0f, "main rigid"},
    {40, 40, 136, 0, 0, 0, 1.0f, 1.0f, "main non-rigid"},
    {6, 6, 102, 0, 0, 0, 1.0f, 1.0f, "inner rigid"},
    {38, 38, 102, 0, 0, 0, 1.0f, 1.0f, "inner non-rigid"},
    {6, 6, 56, 0, 0, 0, 1.0f, 1.0f, "eye rigid"},
    {16, 16, 56, 0, 0, 0, 1.0f, 1.0f, "eye non-rigid"},
    /* validator convolutions: kernels x pixels x im2col width, beta 0 */
    {10, 2704, 82, 0, 0, 0, 1.0f, 0.0f, "validator conv 1"},
    {10, 400, 491, 0, 0, 0, 1.0f, 0.0f, "validator conv 2"},
    /* blocking corners: K chunks (>= 640, 321..639), row blocks (> 320),
     * every column remainder, partial panels, strided operands */
    {17, 13, 700, 3, 5, 2, 1.0f, 1.0f, "chunks"},
    {24, 23, 333, 0, 1, 0, -0.75f, 0.5f, "half chunks"},
    {333, 21, 40, 7, 0, 3, 1.0f, 0.0f, "row blocks"},
    {1, 1, 1, 0, 0, 0, 1.0f, 1.0f, "1x1x1"},
    {9, 11, 8, 0, 0, 0, 2.0f, 1.0f, "11 columns"},
    {31, 19, 17, 0, 0, 0, 1.0f, 1.0f, "19 columns"},
    {48, 7, 64, 0, 0, 0, 1.0f, 1.0f, "7 columns"},
    {64, 30, 9, 0, 0, 0, 1.0f, 1.0f, "30 columns"},
    {15, 5, 3, 0, 0, 0, 1.0f, 1.0f, "5 columns"},
    {20, 40, 0, 0, 0, 0, 1.0f, 0.25f, "K = 0"},
    {20, 1001, 50, 1, 2, 3, 1.0f, 0.0f, "wide, zig-zag"},
    {40, 130, 20, 0, 0, 0, 1.0f, 1.0f, "wide, 40 rows"},
};

static void run_shape(const shape *s, fau_sgemm_fn fn, const char *level, int bench)
{
    const int lda = s->M + s->lda_pad, ldb = s->K + s->ldb_pad, ldc = s->M + s->ldc_pad;
    const size_t na = (size_t)lda * (size_t)(s->K > 0 ? s->K : 1), nb = (size_t)ldb * s->N,
                 nc = (size_t)ldc * s->N;
    float *A = fau_aligned_alloc(na * sizeof(float) + 64), *B = fau_aligned_alloc(nb * sizeof(float) + 64);
    float *C0 = fau_aligned_alloc(nc * sizeof(float)), *C1 = fau_aligned_alloc(nc * sizeof(float));
    float *Cin = fau_aligned_alloc(nc * sizeof(float));
    assert_true(A && B && C0 && C1 && Cin);
    for (size_t i = 0; i < na; i++)
        A[i] = rndf();
    for (size_t i = 0; i < nb; i++)
        B[i] = rndf();
    for (size_t i = 0; i < nc; i++)
        Cin[i] = rndf();
    memcpy(C0, Cin, nc * sizeof(float));
    memcpy(C1, Cin, nc * sizeof(float));
    fau_sgemm_openblas(s->M, s->N, s->K, s->alpha, A, lda, B, ldb, s->beta, C0, ldc);
    fn(s->M, s->N, s->K, s->alpha, A, lda, B, ldb, s->beta, C1, ldc);
    for (int j = 0; j < s->N; j++)
        for (int i = 0; i < ldc; i++) {
            const size_t at = (size_t)j * ldc + i;
            const float want = i < s->M ? C0[at] : Cin[at];
            if (memcmp(&C1[at], &want, sizeof(float)))
                fail_msg("%s %s (%dx%dx%d): C(%d,%d) = %.9g, reference %.9g", level, s->what,
                         s->M, s->N, s->K, i, j, C1[at], want);
        }
    const char *b = getenv("FAU_KERNEL_BENCH");
    if (bench && b && atoi(b) > 0) {
        const int reps = atoi(b);
        double t0 = now_us();
        for (int r = 0; r < reps; r++)
            fn(s->M, s->N, s->K, s->alpha, A, lda, B, ldb, 1.0f, C1, ldc);
        double t1 = now_us();
        for (int r = 0; r < reps; r++)
            fau_sgemm_openblas(s->M, s->N, s->K, s->alpha, A, lda, B, ldb, 1.0f, C0, ldc);
        double t2 = now_us();
        printf("%-8s %-18s %4dx%4dx%4d: %9.2f us/call (reference %9.2f)\n", level, s->what, s->M,
               s->N, s->K, (t1 - t0) / reps, (t2 - t1) / reps);
    }
    fau_aligned_free(A);
    fau_aligned_free(B);
    fau_aligned_free(C0);
    fau_aligned_free(C1);
    fau_aligned_free(Cin);
}

/* The row-major variant on the same data: B and C transposed in memory. */
static void run_shape_rows(const shape *s, fau_sgemm_fn fn, const char *level, int bench)
{
    const int lda = s->M + s->lda_pad, ldb = s->K + s->ldb_pad, ldc = s->M + s->ldc_pad;
    const int ldbt = s->N + s->ldb_pad, ldct = s->N + s->ldc_pad;
    const size_t na = (size_t)lda * (size_t)(s->K > 0 ? s->K : 1), nb = (size_t)ldb * s->N,
                 nc = (size_t)ldc * s->N, nbt = (size_t)ldbt * (size_t)(s->K > 0 ? s->K : 1),
                 nct = (size_t)ldct * s->M;
    float *A = fau_aligned_alloc(na * sizeof(float)), *B = fau_aligned_alloc(nb * sizeof(float));
    float *Bt = fau_aligned_alloc(nbt * sizeof(float)), *C0 = fau_aligned_alloc(nc * sizeof(float));
    float *Ct = fau_aligned_alloc(nct * sizeof(float)), *Cin = fau_aligned_alloc(nct * sizeof(float));
    assert_true(A && B && Bt && C0 && Ct && Cin);
    for (size_t i = 0; i < na; i++)
        A[i] = rndf();
    for (size_t i = 0; i < nb; i++)
        B[i] = rndf();
    for (size_t i = 0; i < nbt; i++)
        Bt[i] = rndf();
    for (int k = 0; k < s->K; k++)
        for (int j = 0; j < s->N; j++)
            Bt[(size_t)k * ldbt + j] = B[(size_t)j * ldb + k];
    for (size_t i = 0; i < nct; i++)
        Cin[i] = Ct[i] = rndf();
    for (int i = 0; i < s->M; i++)
        for (int j = 0; j < s->N; j++)
            C0[(size_t)j * ldc + i] = Cin[(size_t)i * ldct + j];
    fau_sgemm_openblas(s->M, s->N, s->K, s->alpha, A, lda, B, ldb, s->beta, C0, ldc);
    fn(s->M, s->N, s->K, s->alpha, A, lda, Bt, ldbt, s->beta, Ct, ldct);
    for (int i = 0; i < s->M; i++)
        for (int j = 0; j < ldct; j++) {
            const size_t at = (size_t)i * ldct + j;
            const float want = j < s->N ? C0[(size_t)j * ldc + i] : Cin[at];
            if (memcmp(&Ct[at], &want, sizeof(float)))
                fail_msg("rows %s %s (%dx%dx%d): C(%d,%d) = %.9g, reference %.9g", level, s->what,
                         s->M, s->N, s->K, i, j, Ct[at], want);
        }
    const char *b = getenv("FAU_KERNEL_BENCH");
    if (bench && b && atoi(b) > 0) {
        const int reps = atoi(b);
        double t0 = now_us();
        for (int r = 0; r < reps; r++)
            fn(s->M, s->N, s->K, s->alpha, A, lda, Bt, ldbt, 1.0f, Ct, ldct);
        printf("rows %-8s %-18s %4dx%4dx%4d: %9.2f us/call\n", level, s->what, s->M, s->N, s->K,
               (now_us() - t0) / reps);
    }
    fau_aligned_free(A);
    fau_aligned_free(B);
    fau_aligned_free(Bt);
    fau_aligned_free(C0);
    fau_aligned_free(Ct);
    fau_aligned_free(Cin);
}

static void test_levels(void **state)
{
    (void)state;
    static const fau_simd_level levels[] = {FAU_SIMD_SCALAR, FAU_SIMD_SSE41, FAU_SIMD_AVX2,
                                            FAU_SIMD_AVX512, FAU_SIMD_NEON};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        if (!fau_cpu_supports(levels[l]))
            continue;
        const fau_sgemm_fn fn = fau_sgemm_small_for(levels[l]);
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            run_shape(&shapes[i], fn, fau_simd_name(levels[l]), 1);
        const fau_sgemm_fn fr = fau_sgemm_small_rows_for(levels[l]);
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            run_shape_rows(&shapes[i], fr, fau_simd_name(levels[l]), 1);
    }
    /* the dispatching entry point (best level, or $FACEAU_SIMD's) */
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        run_shape(&shapes[i], fau_sgemm_small, "dispatch", 1);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        run_shape_rows(&shapes[i], fau_sgemm_small_rows, "dispatch", 1);
}

/* Many random small shapes, every variant against the reference. */
static void test_random_shapes(void **state)
{
    (void)state;
    for (int t = 0; t < 300; t++) {
        shape s = {1 + (int)(rnd() % 70), 1 + (int)(rnd() % 50), (int)(rnd() % 150),
                   (int)(rnd() % 3), (int)(rnd() % 3), (int)(rnd() % 3), 1.0f,
                   rnd() % 2 ? 1.0f : 0.0f, "random"};
        run_shape(&s, fau_sgemm_small_c, "scalar", 0);
        run_shape_rows(&s, fau_sgemm_small_rows_c, "scalar", 0);
        if (fau_cpu_supports(FAU_SIMD_AVX2)) {
            run_shape(&s, fau_sgemm_small_for(FAU_SIMD_AVX2), "avx2", 0);
            run_shape_rows(&s, fau_sgemm_small_rows_for(FAU_SIMD_AVX2), "avx2", 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_random_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
