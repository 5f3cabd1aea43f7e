/* PDM shape math (landmarks/pdm_ops.h) against OpenFace's own numbers:
 * FaceAnalyser refits its PDM to the tracked landmarks with PDM::CalcParams
 * on every frame and the stage dump holds the resulting local parameters
 * (geom_204..237) and princ_comp * local (geom_0..203). */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "landmarks/pdm_ops.h"
#include "pose/rotation.h"
#include "test_au_csv.h"

static void test_rotations(void **state)
{
    const float eu[3] = {0.1f, -0.3f, 0.25f};
    float R[9], back[9], e2[3], aa[3];
    fau_euler_to_rotation(eu, R);
    /* orthonormal */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float d = R[i * 3] * R[j * 3] + R[i * 3 + 1] * R[j * 3 + 1] + R[i * 3 + 2] * R[j * 3 + 2];
            assert_true(fabsf(d - (i == j)) < 1e-6f);
        }
    fau_rotation_to_euler(R, e2);
    for (int i = 0; i < 3; i++)
        assert_true(fabsf(e2[i] - eu[i]) < 1e-6f);
    fau_rot_to_axis_angle(R, aa);
    const double aad[3] = {aa[0], aa[1], aa[2]};
    double backd[9];
    fau_rodrigues(aad, backd, NULL);
    for (int i = 0; i < 9; i++)
        back[i] = (float)backd[i];
    for (int i = 0; i < 9; i++)
        assert_true(fabsf(back[i] - R[i]) < 1e-6f);
    /* Orthonormalise of I + small skew is a rotation close to it. */
    float S[9] = {1, -0.01f, 0.02f, 0.01f, 1, -0.03f, -0.02f, 0.03f, 1};
    fau_orthonormalise(S);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float d = S[i * 3] * S[j * 3] + S[i * 3 + 1] * S[j * 3 + 1] + S[i * 3 + 2] * S[j * 3 + 2];
            assert_true(fabsf(d - (i == j)) < 1e-6f);
        }
}

static void test_shape_identity(void **state)
{
    fau_error e = {0};
    fau_pdm *p = NULL;
    assert_int_equal(fau_pdm_load(&p, fau_test_models("AU_predictors/In-the-wild_aligned_PDM_68.txt"), &e), 0);
    float local[34] = {0}, g[6] = {1, 0, 0, 0, 0, 0}, s2[136], s3[204];
    fau_pdm_shape2d(p, local, g, s2, s3);
    for (int i = 0; i < 68; i++) {
        assert_true(s2[i] == p->mean_shape[i]);
        assert_true(s2[68 + i] == p->mean_shape[68 + i]);
    }
    /* CalcParams on an exact model instance recovers its parameters. */
    float gt[6] = {2.5f, 0.1f, -0.2f, 0.05f, 300.0f, 200.0f};
    float lt[34] = {0};
    lt[0] = 5.0f;
    lt[3] = -3.0f;
    fau_pdm_shape2d(p, lt, gt, s2, s3);
    void *ws = fau_aligned_alloc(fau_pdm_calc_params_workspace(p));
    float go[6], lo[34];
    int it = fau_pdm_calc_params(p, s2, NULL, go, lo, ws);
    assert_true(it > 0);
    fau_pdm_shape2d(p, lo, go, s3 /* reuse: 136 <= 204 */, s3 + 136 - 136 + 0);
    fau_aligned_free(ws);
    for (int i = 0; i < 6; i++)
        assert_true(fabsf(go[i] - gt[i]) < 2e-2f * (i >= 4 ? 100 : 1));
    fau_pdm_free(&p);
}

static void test_calc_params_golden(void **state)
{
    fau_error e = {0};
    fau_pdm *p = NULL;
    assert_int_equal(fau_pdm_load(&p, fau_test_models("AU_predictors/In-the-wild_aligned_PDM_68.txt"), &e), 0);
    const char *clips[] = {"video01", "gaze_eyes_vp9"};
    void *ws = fau_aligned_alloc(fau_pdm_calc_params_workspace(p));
    for (int c = 0; c < 2; c++) {
        char path[512];
        au_csv lm, ft;
        snprintf(path, sizeof path, "golden/hp/%s.csv", clips[c]);
        assert_int_equal(au_csv_read(&lm, fau_test_shared(path)), 0);
        snprintf(path, sizeof path, "golden/stages/%s/au_features.csv", clips[c]);
        assert_int_equal(au_csv_read(&ft, fau_test_shared(path)), 0);
        assert_int_equal(lm.nrows, ft.nrows);
        int g0 = au_csv_col(&ft, "geom_0");
        double worst_local = 0, worst_geom = 0;
        for (int r = 0; r < lm.nrows; r++) {
            float l[136], g[6], loc[34];
            au_csv_landmarks(&lm, r, l);
            fau_pdm_calc_params(p, l, NULL, g, loc, ws);
            for (int j = 0; j < 34; j++) {
                double d = fabs(loc[j] - au_csv_at(&ft, r, g0 + 204 + j));
                if (d > worst_local)
                    worst_local = d;
            }
            for (int i = 0; i < 204; i++) {
                double s = 0;
                for (int j = 0; j < 34; j++)
                    s += (double)p->princ_comp[i * 34 + j] * loc[j];
                double d = fabs(s - au_csv_at(&ft, r, g0 + i));
                if (d > worst_geom)
                    worst_geom = d;
            }
        }
        printf("# %s: CalcParams local params max |diff| %.3g, geometry %.3g\n", clips[c],
               worst_local, worst_geom);
        /* The local parameters range over about +-30; OpenBLAS's float
         * kernels (sgemm with FMA) cannot be reproduced bit for bit. */
        assert_true(worst_local < 1e-3);
        assert_true(worst_geom < 1e-3);
        au_csv_free(&lm);
        au_csv_free(&ft);
    }
    fau_aligned_free(ws);
    fau_pdm_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotations),
        cmocka_unit_test(test_shape_identity),
        cmocka_unit_test(test_calc_params_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
