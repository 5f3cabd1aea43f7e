/* Alignment pieces (align/align.h) on cases whose OpenCV 4.6 result follows
 * from its definition: INTER_LINEAR snaps source positions to 1/32 px and
 * blends with weights (32-a)(32-b)*32 in 15-bit fixed point, border 0.
 * (Real frames against OpenFace's aligned BMPs: test_au_video.) */
#include "testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align/align.h"
#include "landmarks/pdm.h"

static void fill(uint8_t *img, int w, int h)
{
    for (int i = 0; i < w * h * 3; i++)
        img[i] = (uint8_t)((i * 37 + (i / 7) * 11) & 255);
}

static void test_identity_and_shift(void **state)
{
    enum { W = 40, H = 30 };
    uint8_t src[W * H * 3], dst[W * H * 3];
    fill(src, W, H);
    const float id[6] = {1, 0, 0, 0, 1, 0};
    fau_warp_affine_u8(src, W, H, W * 3, 3, id, dst, W, H, W * 3);
    assert_memory_equal(src, dst, sizeof src);
    /* dst(x, y) = src(x - 3, y + 2); outside: 0 */
    const float sh[6] = {1, 0, 3, 0, 1, -2};
    fau_warp_affine_u8(src, W, H, W * 3, 3, sh, dst, W, H, W * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) {
                int sx = x - 3, sy = y + 2;
                int want = (sx >= 0 && sy < H) ? src[(sy * W + sx) * 3 + c] : 0;
                assert_int_equal(dst[(y * W + x) * 3 + c], want);
            }
}

static void test_half_pixel(void **state)
{
    enum { W = 16, H = 8 };
    uint8_t src[W * H], dst[W * H];
    for (int i = 0; i < W * H; i++)
        src[i] = (uint8_t)(i * 29 + 3);
    /* dst(x) = src(x + 0.5): weights 16384/16384, (a + b + 1) >> 1 */
    const float m[6] = {1, 0, -0.5f, 0, 1, 0};
    fau_warp_affine_u8(src, W, H, W, 1, m, dst, W, H, W);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int a = src[y * W + x], b = x + 1 < W ? src[y * W + x + 1] : 0;
            assert_int_equal(dst[y * W + x], (a * 16384 + b * 16384 + 16384) >> 15);
        }
}

static void test_gray(void **state)
{
    uint8_t bgr[4 * 3] = {255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255}, g[4];
    fau_bgr_to_gray_u8(bgr, 4, 1, 12, g, 4);
    assert_int_equal(g[0], 255);
    assert_int_equal(g[1], 0);
    assert_int_equal(g[2], (255 * 1868 + 8192) >> 14); /* blue */
    assert_int_equal(g[3], (255 * 4899 + 8192) >> 14); /* red */
}

static void test_similarity_and_mask(void **state)
{
    /* The model's own mean shape, scaled by 3 and moved: the similarity must
     * map it back to scale 0.7 around the centre, and the mask must cover the
     * face centre but not the corners. */
    fau_error e = {0};
    fau_pdm *p = NULL;
    assert_int_equal(fau_pdm_load(&p, fau_test_models("AU_predictors/In-the-wild_aligned_PDM_68.txt"), &e), 0);
    float lm[136];
    for (int i = 0; i < 68; i++) {
        lm[i] = p->mean_shape[i] * 3.0f + 200.0f;
        lm[68 + i] = p->mean_shape[68 + i] * 3.0f + 150.0f;
    }
    float w[6];
    fau_align_similarity(lm, p->mean_shape, 200.0f, 150.0f, 0.7, 112, 112, w);
    assert_true(fabsf(w[0] - 0.7f / 3.0f) < 1e-5f);
    assert_true(fabsf(w[1]) < 1e-5f && fabsf(w[3]) < 1e-5f);
    assert_true(fabsf(w[0] * 200.0f + w[2] - 56.0f) < 1e-3f);
    assert_true(fabsf(w[4] * 150.0f + w[5] - 56.0f) < 1e-3f);
    int tris[3 * 3] = {36, 45, 57, 36, 57, 48, 45, 54, 57};
    uint8_t mask[112 * 112];
    fau_face_mask(lm, w, 0.7, tris, 3, mask, 112, 112);
    assert_int_equal(mask[56 * 112 + 56], 1);
    assert_int_equal(mask[0], 0);
    assert_int_equal(mask[111 * 112 + 111], 0);
    fau_pdm_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_and_shift),
        cmocka_unit_test(test_half_pixel),
        cmocka_unit_test(test_gray),
        cmocka_unit_test(test_similarity_and_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
