/* CLNF initialisation (PDM::CalcParams from the face box + CalcShape2D)
 * against OpenFace's dumps in golden/stages/<input>/clnf_init.csv: every
 * row, all 11 rotation hypotheses of the videos, bit-exact. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landmarks/pdm_ops.h"
#include "landmarks/pdm.h"

#define MAX_COLS 256

static int check_input(const fau_pdm *pdm, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "golden/stages/%s/clnf_init.csv", name);
    char *txt = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(txt);
    char *save;
    char *line = strtok_r(txt, "\n", &save);
    char hdr_buf[8192];
    snprintf(hdr_buf, sizeof hdr_buf, "%s", line);
    char *hdr[MAX_COLS];
    int nh = fau_test_split_csv(hdr_buf, hdr, MAX_COLS);
    int c_rx = fau_test_csv_col(hdr, nh, "hyp_rx"), c_bx = fau_test_csv_col(hdr, nh, "bbox_x"), c_x0 = fau_test_csv_col(hdr, nh, "x_0"),
        c_y0 = fau_test_csv_col(hdr, nh, "y_0"), c_ps = fau_test_csv_col(hdr, nh, "p_scale"), c_q0 = fau_test_csv_col(hdr, nh, "q_0");
    int n = pdm->n_points, rows = 0, mismatches = 0;
    float shape3d[3 * 68], pts[2 * 68], local[34] = {0};
    assert_int_equal(n, 68);
    assert_true(pdm->n_modes <= 34);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *cols[MAX_COLS];
        int nc = fau_test_split_csv(line, cols, MAX_COLS);
        assert_int_equal(nc, nh);
        float rot[3], bbox[4], pg[6];
        for (int k = 0; k < 3; k++)
            rot[k] = (float)strtod(cols[c_rx + k], NULL);
        for (int k = 0; k < 4; k++)
            bbox[k] = (float)strtod(cols[c_bx + k], NULL);
        for (int k = 0; k < 34; k++)
            assert_true(strtod(cols[c_q0 + k], NULL) == 0.0);
        fau_pdm_params_from_bbox(pdm, bbox, local, rot, pg, shape3d);
        for (int k = 0; k < 6; k++) {
            float want = (float)strtod(cols[c_ps + k], NULL);
            if (pg[k] != want) {
                mismatches++;
                print_error("%s row %d p[%d]: %.9g, OpenFace %.9g\n", name, rows, k, pg[k],
                            want);
            }
        }
        fau_pdm_shape2d(pdm, local, pg, pts, shape3d);
        for (int i = 0; i < n; i++) {
            float wx = (float)strtod(cols[c_x0 + i], NULL), wy = (float)strtod(cols[c_y0 + i], NULL);
            if (pts[i] != wx || pts[i + n] != wy) {
                mismatches++;
                print_error("%s row %d point %d: %.9g,%.9g OpenFace %.9g,%.9g\n", name, rows, i,
                            pts[i], pts[i + n], wx, wy);
            }
        }
        rows++;
    }
    free(txt);
    assert_int_equal(mismatches, 0);
    return rows;
}

static void test_init_matches_openface(void **state)
{
    fau_pdm *pdm = NULL;
    fau_error e = {0};
    assert_int_equal(fau_pdm_load(&pdm, fau_test_models("model/pdms/In-the-wild_aligned_PDM_68.txt"), &e),
                     FAU_OK);
    /* The row counts of the stages README: 11 hypotheses for the videos,
     * one per face for the images. */
    assert_int_equal(check_input(pdm, "video01"), 11);
    assert_int_equal(check_input(pdm, "gaze_eyes_vp9"), 11);
    assert_int_equal(check_input(pdm, "multi_face_5"), 5);
    assert_int_equal(check_input(pdm, "expr_surprise_f1"), 1);
    assert_int_equal(check_input(pdm, "turned_face_3q"), 1);
    fau_pdm_free(&pdm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_matches_openface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
