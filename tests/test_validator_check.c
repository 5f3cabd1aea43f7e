/* CNN landmark validator run (fau_validator_check) on synthetic inputs:
 * view choice, the piecewise affine warp against the geometry it must
 * reproduce, and the output quantisation. (Its agreement with OpenFace's own
 * DetectionValidator was measured outside the suite: see the commit
 * message; images of the goldens need the media decoder.) */
#include "testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/models_path.h"
#include "landmarks/clnf_model.h"
#include "landmarks/validator_check.h"

static fau_landmark_models *models;

static int setup(void **state)
{
    if (!(models = fau_test_landmark_models()))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    fau_landmark_models_free(&models);
    return 0;
}

static void test_view_id(void **state)
{
    const fau_validator *v = &models->validator;
    for (int i = 0; i < v->n_views; i++) {
        assert_int_equal(fau_validator_view_id(v, v->views[i].orientation), i);
        double o[3];
        memcpy(o, v->views[i].orientation, sizeof o);
        o[0] += 0.01;
        o[2] -= 0.01;
        assert_int_equal(fau_validator_view_id(v, o), i);
    }
    double far_right[3] = {0, 3.0, 0};
    int best = 0;
    for (int i = 1; i < v->n_views; i++)
        if (v->views[i].orientation[1] > v->views[best].orientation[1])
            best = i;
    assert_int_equal(fau_validator_view_id(v, far_right), best);
}

/* Landmarks = the PAW's own reference shape moved by (dx, dy): the warp is a
 * translation, so the warped face must be the image sampled at
 * (x + min_x + dx, y + min_y + dy). The image is a horizontal ramp (value =
 * column), so the expected value is that x coordinate (bilinear
 * interpolation of a linear ramp is exact up to OpenCV's 1/32 pixel grid). */
static void test_warp_translation(void **state)
{
    const fau_validator *v = &models->validator;
    int W = 256, H = 240;
    uint8_t *img = malloc((size_t)W * H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y * W + x] = (uint8_t)x;
    float *scratch = malloc(fau_validator_scratch_floats(v) * sizeof(float));
    for (int view = 0; view < v->n_views; view++) {
        const fau_paw *p = &v->views[view].paw;
        int n = p->n_landmarks;
        float lm[2 * 68], dx = 120.25f, dy = 110.5f;
        assert_int_equal(n, 68);
        for (int i = 0; i < n; i++) {
            lm[i] = p->dst_landmarks[i] + dx;
            lm[i + n] = p->dst_landmarks[i + n] + dy;
        }
        float *warped = malloc((size_t)p->rows * p->cols * sizeof(float));
        float c = fau_validator_check(v, v->views[view].orientation, img, W, H, (size_t)W, lm,
                                      scratch, warped);
        assert_true(c >= 0.0f && c <= 1.0f);
        int inside = 0;
        for (int y = 0; y < p->rows; y++)
            for (int x = 0; x < p->cols; x++) {
                if (!p->pixel_mask[y * p->cols + x])
                    continue;
                double want = x + p->min_x + dx;
                if (fabs(warped[y * p->cols + x] - want) > 1.0 / 32 + 1e-3)
                    fail_msg("view %d pixel (%d,%d): %g, expected %g", view, x, y,
                             warped[y * p->cols + x], want);
                inside++;
            }
        assert_int_equal(inside, p->n_pixels);
        free(warped);
    }
    free(scratch);
    free(img);
}

static void test_outputs(void **state)
{
    const fau_validator *v = &models->validator;
    int W = 200, H = 200;
    uint8_t *img = malloc((size_t)W * H);
    uint32_t rng = 7;
    for (int i = 0; i < W * H; i++) {
        rng = rng * 1664525u + 1013904223u;
        img[i] = (uint8_t)(rng >> 24);
    }
    float *scratch = malloc(fau_validator_scratch_floats(v) * sizeof(float));
    const fau_paw *p = &v->views[0].paw;
    float lm[2 * 68];
    for (int i = 0; i < 68; i++) {
        lm[i] = p->dst_landmarks[i] * 1.3f + 100;
        lm[i + 68] = p->dst_landmarks[i + 68] * 1.3f + 100;
    }
    double front[3] = {0, 0, 0};
    float c = fau_validator_check(v, front, img, W, H, (size_t)W, lm, scratch, NULL);
    /* CheckCNN's unquantised value: -1 + step/2 + bin*step, step = 2/bins,
     * mapped to 0.5 * (1 - dec) */
    int bins = v->views[0].n_bins, found = 0;
    for (int b = 0; b < bins; b++) {
        double step = 2.0 / bins;
        if (c == (float)(0.5 * (1.0 - (-1.0 + step / 2.0 + b * step))))
            found = 1;
    }
    assert_true(found);
    /* same input, same answer (no hidden state) */
    assert_true(fau_validator_check(v, front, img, W, H, (size_t)W, lm, scratch, NULL) == c);
    /* landmarks right of the image: the clamped box is empty */
    for (int i = 0; i < 136; i++)
        lm[i] = (float)W + 10.0f + (float)(i % 7);
    assert_true(fau_validator_check(v, front, img, W, H, (size_t)W, lm, scratch, NULL) == 0.0f);
    /* landmarks far outside the image */
    for (int i = 0; i < 136; i++)
        lm[i] = -500.0f - (float)i;
    assert_true(fau_validator_check(v, front, img, W, H, (size_t)W, lm, scratch, NULL) == 0.0f);
    free(scratch);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_id),
        cmocka_unit_test(test_warp_translation),
        cmocka_unit_test(test_outputs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
