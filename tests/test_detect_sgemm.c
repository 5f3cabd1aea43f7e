/* fau_sgemm_openblas (plain C reference of OpenBLAS 0.3.21's Haswell sgemm
 * order) against the packed convolution of the MTCNN nets, whose output is
 * bit-exact against OpenFace's goldens (test_mtcnn): for convolutions of
 * the MTCNN shapes, OpenFace's sgemm formulation (weights M x (K+1), im2col
 * (K+1) x pixels with a row of ones for the bias) through the reference
 * must give the same bits. Covers the 1- and 2-chain tiles, column tails
 * and K chunking (K + 1 = 577). */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "detect/cnn.h"
#include "detect/sgemm_openblas.h"

static float rnd(void)
{
    return (float)(rand() / (double)RAND_MAX * 2 - 1);
}

/* One-layer CNN file: depth 1, conv, in, out, biases, kernels[in][out]. */
static const char *write_conv(const char *dir, int in, int out, int k, float *w, float *b)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/conv_%d_%d_%d.dat", dir, in, out, k);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    int32_t hdr[4] = {1, 0, in, out};
    fwrite(hdr, 4, 4, f);
    fwrite(b, 4, (size_t)out, f);
    for (int i = 0; i < in; i++)
        for (int o = 0; o < out; o++) {
            int32_t mh[3] = {k, k, 5};
            fwrite(mh, 4, 3, f);
            fwrite(w + ((size_t)i * out + o) * k * k, 4, (size_t)k * k, f);
        }
    fclose(f);
    return path;
}

static void check_shape(const char *dir, int in, int out, int k, int h, int wd)
{
    const size_t nw = (size_t)in * out * k * k;
    float *w = malloc(nw * sizeof(float)), *b = malloc((size_t)out * sizeof(float));
    for (size_t i = 0; i < nw; i++)
        w[i] = rnd();
    for (int o = 0; o < out; o++)
        b[o] = rnd();
    const char *path = write_conv(dir, in, out, k, w, b);
    fau_cnn net;
    fau_error e = {0};
    assert_int_equal(fau_cnn_load(&net, path, "conv", &e), FAU_OK);
    fau_cnn_shape s = {in, h, wd}, os;
    size_t mx, mc;
    assert_int_equal(fau_cnn_infer(&net, s, &os, &mx, &mc, &e), FAU_OK);
    const size_t nin = (size_t)in * h * wd;
    float *x = malloc(nin * sizeof(float));
    for (size_t i = 0; i < nin; i++)
        x[i] = rnd();
    float *b0 = fau_aligned_alloc(mx * sizeof(float)), *b1 = fau_aligned_alloc(mx * sizeof(float));
    float *col = fau_aligned_alloc(mc * sizeof(float));
    const float *y = fau_cnn_run(&net, x, s, b0, b1, col, &os);

    /* OpenFace: weight_matrix (K+1) x M row-major = A (M x (K+1)) column
     * major with lda = M; im2col P x (K+1) row-major = B ((K+1) x P)
     * column major with ldb = K + 1. Index t = map*k*k + x*k + y. */
    const int oh = h - k + 1, ow = wd - k + 1, P = oh * ow, K1 = in * k * k + 1;
    float *A = malloc((size_t)out * K1 * sizeof(float));
    float *B = malloc((size_t)K1 * P * sizeof(float));
    float *C = malloc((size_t)out * P * sizeof(float));
    for (int o = 0; o < out; o++) {
        for (int i = 0; i < in; i++)
            for (int kx = 0; kx < k; kx++)
                for (int ky = 0; ky < k; ky++)
                    A[(size_t)(i * k * k + kx * k + ky) * out + o] =
                        w[((size_t)i * out + o) * k * k + ky * k + kx];
        A[(size_t)(K1 - 1) * out + o] = b[o];
    }
    for (int p = 0; p < P; p++) {
        const int py = p / ow, px = p % ow;
        for (int i = 0; i < in; i++)
            for (int kx = 0; kx < k; kx++)
                for (int ky = 0; ky < k; ky++)
                    B[(size_t)p * K1 + i * k * k + kx * k + ky] =
                        x[((size_t)i * h + py + ky) * wd + px + kx];
        B[(size_t)p * K1 + K1 - 1] = 1.0f;
    }
    fau_sgemm_openblas(out, P, K1, 1.0f, A, out, B, K1, 0.0f, C, out);
    assert_int_equal(os.c, out);
    for (int o = 0; o < out; o++)
        for (int p = 0; p < P; p++)
            if (memcmp(&C[(size_t)p * out + o], &y[(size_t)o * P + p], sizeof(float)))
                fail_msg("in %d out %d k %d %dx%d: map %d pixel %d: sgemm %.9g conv %.9g", in, out, k,
                         wd, h, o, p, C[(size_t)p * out + o], y[(size_t)o * P + p]);
    free(A);
    free(B);
    free(C);
    free(x);
    free(w);
    free(b);
    fau_aligned_free(b0);
    fau_aligned_free(b1);
    fau_aligned_free(col);
    fau_cnn_free(&net);
}

static void test_conv_shapes(void **state)
{
    const char *dir = fau_test_tmpdir();
    assert_non_null(dir);
    srand(5);
    /* in, out, kernel, height, width: the layers of PNet, RNet and ONet
     * at various sizes (pixel counts with every tail of 12 and 4) */
    static const int shapes[][5] = {
        {3, 10, 3, 40, 29}, {10, 16, 3, 19, 14}, {16, 32, 3, 17, 12}, {3, 28, 3, 24, 24},
        {28, 48, 3, 11, 11}, {48, 64, 2, 4, 4},  {3, 32, 3, 48, 48},  {32, 64, 3, 23, 23},
        {64, 64, 3, 10, 10}, {64, 128, 2, 4, 4}, {3, 10, 3, 13, 15},  {10, 16, 3, 6, 7},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_shape(dir, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
