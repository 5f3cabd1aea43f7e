/* The fast sgemm forms (kernels/sgemm_small.h, fau_sgemm_openblas_m1)
 * against the plain reference fau_sgemm_openblas (itself checked bit for bit
 * against Debian 12's OpenBLAS 0.3.21 Haswell kernel, see its header, and
 * through the MTCNN goldens in test_detect_sgemm): every bit equal, on both
 * the fmaf path and, where the CPU has it, the AVX2+FMA path. Shapes: the
 * ones OpenFace's landmark code uses (CalcShape3D 1 x 204 x 34, CCNF 81/121
 * x 7 x 122 and 1 x 121 x 121, CalcParams' Hessian 40 x 40 x 136), plus
 * random ones covering 12-column zig-zag tiles, column and row tails, K
 * chunks (K >= 640), second row blocks (M > 320), strides and alpha/beta. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sgemm_openblas.h"
#include "kernels/sgemm_small.h"

static unsigned rng = 12345;
static float rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) / 16777216.0 * 2 - 1);
}

static int n_checked;

static void check_one(int M, int N, int K, int lda, int ldb, int ldc, float alpha, float beta)
{
    const size_t na = (size_t)lda * K, nb = (size_t)ldb * N, nc = (size_t)ldc * N;
    float *A = malloc(na * sizeof(float)), *B = malloc(nb * sizeof(float));
    float *C0 = malloc(nc * sizeof(float)), *C1 = malloc(nc * sizeof(float));
    float *Ci = malloc(nc * sizeof(float));
    assert_true(A && B && C0 && C1 && Ci);
    for (size_t i = 0; i < na; i++)
        A[i] = rnd();
    for (size_t i = 0; i < nb; i++)
        B[i] = rnd() * (float)(1 << (i % 5));
    for (size_t i = 0; i < nc; i++)
        Ci[i] = C0[i] = rnd();
    fau_sgemm_openblas(M, N, K, alpha, A, lda, B, ldb, beta, C0, ldc);
    const int paths = fau_sgemm_fma_allowed() ? 2 : 1;
    for (int f = 0; f < paths; f++) {
        memcpy(C1, Ci, nc * sizeof(float));
        fau_sgemm_small_for(f ? FAU_SIMD_AVX2 : FAU_SIMD_SCALAR)(M, N, K, alpha, A, lda, B, ldb, beta, C1,
                                                              ldc);
        if (memcmp(C0, C1, nc * sizeof(float)))
            fail_msg("fast M=%d N=%d K=%d fma=%d differs", M, N, K, f);
        if (M == 1) {
            /* B transposed (K x N, padded stride), a contiguous */
            const size_t ldt = (size_t)N + 3;
            float *bt = malloc((size_t)K * ldt * sizeof(float)), *a = malloc((size_t)K * sizeof(float));
            float *c = malloc((size_t)N * sizeof(float));
            assert_true(bt && a && c);
            for (int k = 0; k < K; k++) {
                a[k] = A[(size_t)k * lda];
                for (int j = 0; j < N; j++)
                    bt[(size_t)k * ldt + j] = B[(size_t)j * ldb + k];
            }
            for (int j = 0; j < N; j++)
                c[j] = Ci[(size_t)j * ldc];
            fau_sgemm_openblas_m1(N, K, alpha, a, bt, ldt, beta, c, f);
            for (int j = 0; j < N; j++)
                if (memcmp(&c[j], &C0[(size_t)j * ldc], sizeof(float)))
                    fail_msg("m1 N=%d K=%d fma=%d differs at %d", N, K, f, j);
            free(bt);
            free(a);
            free(c);
        }
    }
    n_checked++;
    free(A);
    free(B);
    free(C0);
    free(C1);
    free(Ci);
}

static void test_openface_shapes(void **state)
{
    (void)state;
    check_one(1, 204, 34, 1, 34, 1, 1, 1);   /* CalcShape3D, 68 points */
    check_one(1, 153, 34, 1, 34, 1, 1, 1);   /* inner face, 51 points */
    check_one(1, 84, 10, 1, 10, 1, 1, 1);    /* eye, 28 points (mode count differs) */
    check_one(1, 121, 121, 1, 121, 1, 1, 0); /* CCNF Sigma x response, 11x11 */
    check_one(1, 81, 81, 1, 81, 1, 1, 0);
    check_one(121, 7, 122, 121, 122, 121, 1, 0); /* CCNF neurons x im2col */
    check_one(81, 7, 122, 81, 122, 81, 1, 0);
    check_one(49, 7, 122, 49, 122, 49, 1, 0);
    check_one(121, 7, 122, 128, 122, 128, 1, 0); /* padded strides */
    check_one(40, 40, 136, 40, 136, 40, 1, 1);    /* CalcParams Hessian */
    check_one(40, 40, 102, 40, 104, 40, 1, 1);    /* with invisible points */
    check_one(16, 16, 56, 16, 56, 16, 1, 1);      /* eye model Hessian */
}

static void test_random_shapes(void **state)
{
    (void)state;
    for (int t = 0; t < 160; t++) {
        int M = 1 + (int)((rnd() + 1) * (t % 4 == 0 ? 200 : 30));
        int N = 1 + (int)((rnd() + 1) * (t % 3 == 0 ? 20 : 8));
        int K = 1 + (int)((rnd() + 1) * (t % 9 == 0 ? 700 : 90));
        if (t % 5 == 0)
            M = 1;
        if (t % 17 == 0)
            M = 330 + t % 7; /* second row block */
        const int lda = M + t % 3, ldb = K + t % 2, ldc = M + t % 4;
        const float alpha = t % 6 == 0 ? -0.75f : 1.0f;
        const float beta = t % 3 == 0 ? 0.0f : t % 3 == 1 ? 1.0f : 0.5f;
        check_one(M, N, K, lda, ldb, ldc, alpha, beta);
    }
    print_message("%d shapes bit-identical (fma path %s)\n", n_checked,
                  fau_sgemm_fma_allowed() ? "checked" : "not available");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openface_shapes),
        cmocka_unit_test(test_random_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
