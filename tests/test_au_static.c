/* Static AU prediction for still images (FaceLandmarkImg:
 * FaceAnalyser::PredictStaticAUsAndComputeFeatures with
 * AU_predictors/main_static_svms.txt) from OpenFace's own landmarks
 * (hp/images/<name>.csv), against stages/<name>/au_features.csv and
 * au_online.csv (final for images). */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "au/au.h"
#include "io/media.h"
#include "test_au_csv.h"

static void run_image(const char *name, const fau_au_models *m, fau_au_analyser *a)
{
    fau_error e = {0};
    char p[512];
    au_csv lm, ft, on;
    snprintf(p, sizeof p, "golden/hp/images/%s.csv", name);
    assert_int_equal(au_csv_read(&lm, fau_test_shared(p)), 0);
    snprintf(p, sizeof p, "golden/stages/%s/au_features.csv", name);
    assert_int_equal(au_csv_read(&ft, fau_test_shared(p)), 0);
    snprintf(p, sizeof p, "golden/stages/%s/au_online.csv", name);
    assert_int_equal(au_csv_read(&on, fau_test_shared(p)), 0);
    assert_int_equal(lm.nrows, ft.nrows);
    snprintf(p, sizeof p, "media/images/%s.jpg", name);
    fau_frame fr;
    memset(&fr, 0, sizeof fr);
    assert_int_equal(fau_image_load(fau_test_shared(p), &fr, &e), 0);
    const int g0 = au_csv_col(&ft, "geom_0"), h0 = au_csv_col(&ft, "hog_0");
    const int hl2 = au_csv_col(&ft, "hog_l2");
    double wg = 0, wh = 0, wr = 0;
    int wc = 0;
    for (int face = 0; face < lm.nrows; face++) {
        float l[136];
        au_csv_landmarks(&lm, face, l);
        fau_au_frame_result r;
        assert_int_equal(fau_au_predict_static(a, fr.bgr, fr.width, fr.height, fr.bgr_stride, l,
                                               &r, &e), 0);
        for (int i = 0; i < m->n_geom; i++)
            wg = fmax(wg, fabs(r.geom[i] - au_csv_at(&ft, face, g0 + i)));
        double l2 = 0;
        for (int i = 0; i < FAU_AU_HOG_DIM; i++)
            l2 += (double)r.hog[i] * r.hog[i];
        wh = fmax(wh, fabs(sqrt(l2) - au_csv_at(&ft, face, hl2)));
        for (int i = 0; i < 20; i++)
            wh = fmax(wh, fabs(r.hog[i] - au_csv_at(&ft, face, h0 + i)));
        for (int k = 0; k < r.n_reg; k++) {
            char nm[32];
            snprintf(nm, sizeof nm, "%s_r", r.reg_info[k].name);
            assert_true(r.reg[k] >= 0 && r.reg[k] <= 5);
            wr = fmax(wr, fabs(r.reg[k] - au_csv_at(&on, face, au_csv_col(&on, nm))));
        }
        for (int k = 0; k < r.n_class; k++) {
            char nm[32];
            snprintf(nm, sizeof nm, "%s_c", r.class_info[k].name);
            wc += r.cls[k] != au_csv_at(&on, face, au_csv_col(&on, nm));
        }
    }
    printf("# %s (%d faces): geometry %.3g, HOG (first 20 + L2) %.3g, AU _r %.3g, _c %d "
           "mismatches\n",
           name, lm.nrows, wg, wh, wr, wc);
    assert_true(wg < 1e-3);
    assert_true(wh < 1e-6); /* au_features prints %.9g */
    assert_true(wr < 1e-4);
    assert_int_equal(wc, 0);
    fau_frame_free(&fr);
    au_csv_free(&lm);
    au_csv_free(&ft);
    au_csv_free(&on);
}

static void test_images(void **state)
{
    fau_error e = {0};
    fau_model_paths mp;
    assert_int_equal(fau_models_locate(&mp, fau_test_models_dir(), &e), 0);
    fau_au_models *m = NULL;
    assert_int_equal(fau_au_models_load(&m, &mp, "AU_predictors/main_static_svms.txt", &e), 0);
    assert_int_equal(m->any_dynamic, 0);
    fau_au_opts o;
    fau_au_opts_default(&o);
    o.dynamic = 0;
    fau_au_analyser *a = NULL;
    assert_int_equal(fau_au_analyser_create(&a, m, &o, &e), 0);
    run_image("multi_face_5", m, a);
    run_image("expr_surprise_f1", m, a);
    run_image("turned_face_3q", m, a);
    fau_au_analyser_destroy(&a);
    fau_au_models_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
