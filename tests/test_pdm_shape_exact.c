/* PDM::CalcShape3D / CalcShape2D bit for bit: OpenFace computes the 3D
 * shape with sgemm_("N", "N", 1, 3n, m, 1, p_local, 1, princ_comp, m, 1,
 * out = mean_shape, 1); fau_pdm_shape3d must give exactly the bits of the
 * reference OpenBLAS order (fau_sgemm_openblas) and of testlib's
 * calc_shape3d, on the real PDMs of the landmark models (main 68 points,
 * inner face, both eyes) and the AU PDM, with random local parameters of
 * the models' own magnitudes (eigenvalues), on every code path the CPU has.
 * CalcShape2D's projection is plain float (no FMA) in OpenFace. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/models_path.h"
#include "detect/sgemm_openblas.h"
#include "landmarks/clnf_model.h"
#include "landmarks/pdm_ops.h"
#include "pose/rotation.h"

static unsigned rng = 777;
static float rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) / 16777216.0 * 2 - 1);
}

static int n_pdms;

static void check_pdm(const fau_pdm *pdm)
{
    const int n = pdm->n_points, m = pdm->n_modes, rows = 3 * n;
    assert_non_null(pdm->princ_comp_t);
    float *local = malloc((size_t)m * sizeof(float));
    float *want = malloc((size_t)rows * sizeof(float)), *want2 = malloc((size_t)rows * sizeof(float));
    float *got = malloc((size_t)rows * sizeof(float)), *s2 = malloc((size_t)2 * n * sizeof(float));
    float *tmp = malloc((size_t)rows * sizeof(float));
    assert_true(local && want && want2 && got && s2 && tmp);
    const int paths = fau_sgemm_fma_allowed() ? 2 : 1;
    for (int t = 0; t < 200; t++) {
        for (int j = 0; j < m; j++)
            local[j] = t == 0 ? 0.0f : 2.0f * rnd() * sqrtf(pdm->eigen_values[j]);
        memcpy(want, pdm->mean_shape, (size_t)rows * sizeof(float));
        fau_sgemm_openblas(1, rows, m, 1.0f, local, 1, pdm->princ_comp, m, 1.0f, want, 1);
        calc_shape3d(pdm, local, want2);
        assert_memory_equal(want, want2, (size_t)rows * sizeof(float));
        for (int f = 0; f < paths; f++) {
            fau_pdm q = *pdm;
            q.use_fma = f;
            memset(got, 0, (size_t)rows * sizeof(float));
            fau_pdm_shape3d(&q, local, got);
            if (memcmp(got, want, (size_t)rows * sizeof(float)))
                fail_msg("CalcShape3D differs (%d points, fma %d, trial %d)", n, f, t);
            /* the hand-built form (no transposed copy) takes the reference */
            q.princ_comp_t = NULL;
            fau_pdm_shape3d(&q, local, got);
            assert_memory_equal(got, want, (size_t)rows * sizeof(float));
        }
        const float g[6] = {1.0f + 0.5f * rnd(), 0.3f * rnd(), 0.5f * rnd(), 0.2f * rnd(),
                            300 * rnd(), 200 * rnd()};
        fau_pdm_shape2d(pdm, local, g, s2, tmp);
        float R[9];
        const float e[3] = {g[1], g[2], g[3]};
        fau_euler_to_rotation(e, R);
        for (int i = 0; i < n; i++) {
            const float X = want[i], Y = want[i + n], Z = want[i + 2 * n];
            const float x = g[0] * (R[0] * X + R[1] * Y + R[2] * Z) + g[4];
            const float y = g[0] * (R[3] * X + R[4] * Y + R[5] * Z) + g[5];
            assert_memory_equal(&s2[i], &x, sizeof x);
            assert_memory_equal(&s2[i + n], &y, sizeof y);
        }
    }
    n_pdms++;
    free(local);
    free(want);
    free(want2);
    free(got);
    free(s2);
    free(tmp);
}

static void test_shape3d_exact(void **state)
{
    (void)state;
    fau_landmark_models *lm = fau_test_landmark_models();
    assert_non_null(lm);
    assert_int_equal(lm->main.pdm->n_points, 68);
    check_pdm(lm->main.pdm);
    assert_true(lm->n_parts >= 3);
    for (int p = 0; p < lm->n_parts; p++)
        check_pdm(lm->parts[p].model.pdm);
    fau_landmark_models_free(&lm);
    fau_pdm *au = NULL;
    fau_error e = {0};
    assert_int_equal(fau_pdm_load(&au, fau_test_models("AU_predictors/In-the-wild_aligned_PDM_68.txt"), &e),
                     FAU_OK);
    check_pdm(au);
    fau_pdm_free(&au);
    print_message("%d PDMs: CalcShape3D/2D bit-identical (fma path %s)\n", n_pdms,
                  fau_sgemm_fma_allowed() ? "checked" : "not available");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape3d_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
