/* Gaze (GazeAnalysis::EstimateGaze / GetGazeAngle) against OpenFace 2.2's
 * full-precision goldens. Inputs per successful row: the golden camera-space
 * face landmarks X_/Y_/Z_ (CLNF::GetShape), the eye landmarks
 * eye_lmk_X/Y/Z_0..55 (eye 0 = left_eye_28 = points 0..27) and the head pose.
 * The pose is recomputed with fau_pose_estimate from the row's landmarks and
 * PDM parameters (bit-exact, see test_pose.c), because the golden's 9
 * decimals drop bits of small rotation angles; the object-space PDM shape is
 * computed by a local helper (mean + princ_comp * params_local). */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gaze/gaze.h"
#include "landmarks/pdm.h"
#include "pose/pose.h"


/* hp goldens print 9 decimals: a float reproduced bit for bit differs from
 * the printed value by at most half a unit of the 9th decimal. */
static int same_printed(float ours, double golden)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "%.9f", (double)ours);
    snprintf(b, sizeof b, "%.9f", golden);
    return strcmp(a, b) == 0;
}

/* stage: NULL, or a clnf_scales.csv stage dump whose last row per frame/face
 * holds the same landmarks and parameters printed with %.9g (exact floats;
 * the hp CSV's 9 decimals drop bits of small parameters). */

typedef struct gstats {
    int rows, exact;
    double vec_deg;  /* max angle between our and the golden gaze vectors */
    double ang;      /* max |d gaze_angle| (rad) */
} gstats;

static double angle_deg(const float a[3], const double b[3])
{
    const double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    const double cx = a[1] * b[2] - a[2] * b[1], cy = a[2] * b[0] - a[0] * b[2],
                 cz = a[0] * b[1] - a[1] * b[0];
    return atan2(sqrt(cx * cx + cy * cy + cz * cz), dot) * 180.0 / M_PI;
}

static gstats check_gaze(const char *csv, const char *media, const fau_pdm *pdm)
{
    table t;
    gstats st = { 0 };
    assert_int_equal(table_load(&t, fau_test_shared(csv)), 0);
    int w, h;
    manifest_size(media, &w, &h);
    float fx, fy, cx, cy;
    fau_pose_default_intrinsics(w, h, &fx, &fy, &cx, &cy);

    const int c_success = table_col(&t, "success"), c_g = table_col(&t, "gaze_0_x");
    const int c_x = table_coln(&t, "x_", 0), c_y = table_coln(&t, "y_", 0), c_X = table_coln(&t, "X_", 0);
    const int c_E = table_coln(&t, "eye_lmk_X_", 0), c_scale = table_col(&t, "p_scale"), c_p0 = table_coln(&t, "p_", 0);
    assert_true(c_g >= 0 && c_x >= 0 && c_y >= 0 && c_X >= 0 && c_E >= 0 && c_scale >= 0 && c_p0 >= 0);
    assert_int_equal(table_col(&t, "gaze_angle_x"), c_g + 6);

    float face[3 * 68], eyes[3 * 56], lmk[2 * 68], shape[3 * 68], pg[6], pl[64], pose[6];
    float g0[3], g1[3], ang[2];
    for (int r = 0; r < t.nrows; r++) {
        if (c_success >= 0 && table_cell(&t, r, c_success) != 1)
            continue;
        for (int i = 0; i < 3 * 68; i++)
            face[i] = (float)table_cell(&t, r, c_X + i);
        for (int i = 0; i < 3 * 56; i++)
            eyes[i] = (float)table_cell(&t, r, c_E + i);
        for (int i = 0; i < 68; i++) {
            lmk[i] = (float)table_cell(&t, r, c_x + i);
            lmk[68 + i] = (float)table_cell(&t, r, c_y + i);
        }
        for (int i = 0; i < 6; i++)
            pg[i] = (float)table_cell(&t, r, c_scale + i);
        for (int i = 0; i < pdm->n_modes; i++)
            pl[i] = (float)table_cell(&t, r, c_p0 + i);
        calc_shape3d(pdm, pl, shape);
        assert_int_equal(fau_pose_estimate(lmk, shape, 68, pg, fx, fy, cx, cy, pose), 0);

        fau_gaze_estimate(face, eyes, pose, g0, g1, ang);

        const double gold0[3] = { table_cell(&t, r, c_g), table_cell(&t, r, c_g + 1), table_cell(&t, r, c_g + 2) };
        const double gold1[3] = { table_cell(&t, r, c_g + 3), table_cell(&t, r, c_g + 4), table_cell(&t, r, c_g + 5) };
        st.vec_deg = fmax(st.vec_deg, fmax(angle_deg(g0, gold0), angle_deg(g1, gold1)));
        int exact = 1;
        for (int k = 0; k < 3; k++)
            exact &= same_printed(g0[k], gold0[k]) & same_printed(g1[k], gold1[k]);
        for (int k = 0; k < 2; k++) {
            const double gd = table_cell(&t, r, c_g + 6 + k);
            st.ang = fmax(st.ang, fabs(ang[k] - gd));
            exact &= same_printed(ang[k], gd);
        }
        st.exact += exact;
        st.rows++;
    }
    print_message("%-44s rows %4d  gaze exact %4d  max vector angle %.3g deg  max|d gaze_angle| %.3g rad\n",
                  csv, st.rows, st.exact, st.vec_deg, st.ang);
    table_free(&t);
    return st;
}

/* Tolerances of the brief; on x86-64 (the reference platform) every gaze
 * value must also equal the golden's float (printed with 9 decimals). */
static void run(const char *csv, const char *media)
{
    fau_error e = { 0 };
    fau_pdm *pdm = NULL;
    assert_int_equal(fau_pdm_load(&pdm, fau_test_models("model/pdms/In-the-wild_aligned_PDM_68.txt"), &e), 0);
    gstats st = check_gaze(csv, media, pdm);
    fau_pdm_free(&pdm);
    assert_true(st.rows > 0);
    assert_true(st.vec_deg <= 1e-3);
    assert_true(st.ang <= 1e-5);
#if defined(__x86_64__)
    assert_int_equal(st.exact, st.rows);
#endif
}

static void test_gaze_eyes_clip(void **state)
{
    run("golden/hp/gaze_eyes_vp9.csv", "gaze_eyes_vp9.webm");
}

static void test_gaze_video01(void **state)
{
    run("golden/hp/video01.csv", "video01.mp4");
}

static void test_gaze_openface_demo(void **state)
{
    run("golden/hp/openface_2015-10-15-15-14_10s.csv", "openface_2015-10-15-15-14_10s.avi");
}

static void test_gaze_images(void **state)
{
    run("golden/hp/images/turned_face_3q.csv", "images/turned_face_3q.jpg");
    run("golden/hp/images/multi_face_5.csv", "images/multi_face_5.jpg");
}

/* Every full-precision golden (clips and images). */
static void test_gaze_all_goldens(void **state)
{
    const char *const (*clips)[2] = fau_test_goldens;
    for (size_t i = 0; i < (size_t)fau_test_n_goldens; i++) {
        char path[256];
        snprintf(path, sizeof path, "golden/hp/%s.csv", clips[i][0]);
        run(path, clips[i][1]);
    }
}

static void test_gaze_no_intersection(void **state)
{
    /* A pupil ray that misses the eyeball sphere: OpenFace's
     * RaySphereIntersect returns (0, 0, -1), so the gaze is the unit vector
     * from the eyeball centre to (0, 0, -1). */
    float face[3 * 68] = { 0 }, eyes[3 * 56] = { 0 }, pose[6] = { 0 };
    float g0[3], g1[3], ang[2];
    for (int i = 0; i < 68; i++)
        face[2 * 68 + i] = 500; /* face 500 mm in front of the camera */
    for (int i = 0; i < 56; i++) {
        eyes[i] = 200;           /* pupils far off to the side */
        eyes[2 * 56 + i] = 500;
    }
    fau_gaze_estimate(face, eyes, pose, g0, g1, ang);
    /* eyeball centre (0, -3.5, 507): direction to (0,0,-1) is (0, 3.5, -508) */
    const double n = sqrt(3.5 * 3.5 + 508.0 * 508.0);
    assert_true(fabs(g0[0]) < 1e-7 && fabs(g0[1] - 3.5 / n) < 1e-6 && fabs(g0[2] + 508 / n) < 1e-6);
    assert_true(fabs(g1[1] - g0[1]) < 1e-7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaze_no_intersection),
        cmocka_unit_test(test_gaze_eyes_clip),
        cmocka_unit_test(test_gaze_video01),
        cmocka_unit_test(test_gaze_openface_demo),
        cmocka_unit_test(test_gaze_images),
        cmocka_unit_test(test_gaze_all_goldens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
