/* FHOG (align/fhog.h) on OpenFace's own aligned faces: the golden
 * <clip>_aligned/frame_det_00_NNNNNN.bmp are the masked 112x112 faces FaceAnalyser computed
 * its HOG from (default -simsize/-simscale/mask, so aligned_face_for_output
 * is a copy of aligned_face_for_au), and <clip>.hog holds that HOG. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align/fhog.h"
#include "core/mem.h"

/* 24-bit bottom-up BMP as OpenCV writes it -> top-down BGR rows. */
static int read_bmp24(const char *path, uint8_t *bgr, int w, int h)
{
    size_t len = 0;
    char *b = fau_test_read_file(path, &len);
    if (!b || len < 54)
        return -1;
    int32_t off, bw, bh;
    int16_t bpp;
    memcpy(&off, b + 10, 4);
    memcpy(&bw, b + 18, 4);
    memcpy(&bh, b + 22, 4);
    memcpy(&bpp, b + 28, 2);
    size_t step = ((size_t)w * 3 + 3) & ~(size_t)3;
    if (bw != w || bh != h || bpp != 24 || (size_t)off + step * h > len) {
        free(b);
        return -1;
    }
    for (int y = 0; y < h; y++)
        memcpy(bgr + (size_t)y * w * 3, b + off + (size_t)(h - 1 - y) * step, (size_t)w * 3);
    free(b);
    return 0;
}

static void test_dims(void **state)
{
    int r, c;
    fau_fhog_dims(112, 112, 8, &r, &c);
    assert_int_equal(r, 12);
    assert_int_equal(c, 12);
    fau_fhog_dims(20, 20, 8, &r, &c); /* 3 cells -> 1 */
    assert_int_equal(r, 1);
    fau_fhog_dims(12, 12, 8, &r, &c); /* (int)(1.5 + 0.5) = 2 cells -> none */
    assert_int_equal(r, 0);
    float out[31];
    uint8_t img[12 * 12 * 3] = {0};
    void *ws = malloc(fau_fhog_workspace(12, 12, 8) + 1);
    assert_int_equal(fau_fhog_compute(img, 12, 12, 36, 3, 8, out, ws), -1);
    free(ws);
}

static void test_black_image(void **state)
{
    /* OpenFace computes the HOG of a black face on failed frames: all zero. */
    uint8_t *img = calloc(112 * 112 * 3, 1);
    float *out = malloc(sizeof(float) * 4464);
    void *ws = fau_aligned_alloc(fau_fhog_workspace(112, 112, 8));
    assert_int_equal(fau_fhog_compute(img, 112, 112, 336, 3, 8, out, ws), 0);
    for (int i = 0; i < 4464; i++)
        assert_true(out[i] == 0.0f);
    fau_aligned_free(ws);
    free(out);
    free(img);
}

static void check_clip(const char *clip, int n_frames)
{
    char p[512];
    snprintf(p, sizeof p, "golden/full/%s/%s.hog", clip, clip);
    size_t len = 0;
    char *hog = fau_test_read_file(fau_test_shared(p), &len);
    assert_non_null(hog);
    const size_t fsz = 16 + 4 * 4464;
    assert_int_equal(len, fsz * n_frames);
    uint8_t *img = malloc(112 * 112 * 3);
    float *out = malloc(sizeof(float) * 4464);
    void *ws = fau_aligned_alloc(fau_fhog_workspace(112, 112, 8));
    double worst = 0;
    int checked = 0, exact_frames = 0;
    for (int f = 0; f < n_frames; f++) {
        float good;
        memcpy(&good, hog + f * fsz + 12, 4);
        if (good < 0)
            continue; /* OpenFace writes no aligned image for failed frames */
        snprintf(p, sizeof p, "golden/full/%s/%s_aligned/frame_det_00_%06d.bmp", clip, clip, f + 1);
        assert_int_equal(read_bmp24(fau_test_shared(p), img, 112, 112), 0);
        assert_int_equal(fau_fhog_compute(img, 112, 112, 336, 3, 8, out, ws), 0);
        const float *ref = (const float *)(hog + f * fsz + 16);
        double md = 0;
        for (int i = 0; i < 4464; i++) {
            float r;
            memcpy(&r, ref + i, 4);
            md = fmax(md, fabs((double)out[i] - r));
        }
        worst = fmax(worst, md);
        exact_frames += md == 0;
        checked++;
    }
    printf("# %s: FHOG of %d golden aligned faces, max |diff| %.3g, %d frames bit-exact\n", clip,
           checked, worst, exact_frames);
    assert_true(checked > 0);
    /* bit-exact: same float operations in the same order as dlib */
    assert_true(worst == 0);
    assert_int_equal(exact_frames, checked);
    fau_aligned_free(ws);
    free(out);
    free(img);
    free(hog);
}

static void test_golden_video01(void **state)
{
    check_clip("video01", 300);
}

static void test_golden_gaze(void **state)
{
    check_clip("gaze_eyes_vp9", 78);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dims),
        cmocka_unit_test(test_black_image),
        cmocka_unit_test(test_golden_video01),
        cmocka_unit_test(test_golden_gaze),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
