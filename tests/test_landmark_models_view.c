/* Patch expert view selection (Patch_experts::GetViewIdx) against the view
 * OpenFace used on every scale of every fit in golden/stages: a `rigid` row
 * reports the view chosen from the parameters the scale started with, i.e.
 * those of the row before it (`start` or the previous scale's `scale`). */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/models_path.h"
#include "landmarks/ccnf_response.h"
#include "landmarks/clnf_model.h"

#define MAX_COLS 256

/* Returns the number of rigid rows checked. */
static int check_file(const fau_clnf_model *m, const char *input, const char *file)
{
    char rel[256];
    snprintf(rel, sizeof rel, "golden/stages/%s/%s", input, file);
    char *txt = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(txt);
    char *save, *line = strtok_r(txt, "\n", &save);
    char hdr_buf[16384];
    snprintf(hdr_buf, sizeof hdr_buf, "%s", line);
    char *hdr[MAX_COLS];
    int nh = fau_test_split_csv(hdr_buf, hdr, MAX_COLS);
    int c_stage = fau_test_csv_col(hdr, nh, "stage"), c_scale = fau_test_csv_col(hdr, nh, "scale"),
        c_view = fau_test_csv_col(hdr, nh, "view"), c_ps = fau_test_csv_col(hdr, nh, "p_scale");
    float prev[6] = {0};
    char prev_stage[32] = "";
    int checked = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *cols[MAX_COLS];
        assert_int_equal(fau_test_split_csv(line, cols, MAX_COLS), nh);
        const char *stage = cols[c_stage];
        if (!strcmp(stage, "rigid")) {
            assert_true(!strcmp(prev_stage, "start") || !strcmp(prev_stage, "scale"));
            int scale = atoi(cols[c_scale]);
            assert_true(scale >= 0 && scale < m->n_scales);
            int view = fau_ccnf_view_index(&m->scales[scale], prev);
            if (view != atoi(cols[c_view]))
                fail_msg("%s/%s row %d: view %d, OpenFace %s", input, file, checked, view,
                         cols[c_view]);
            checked++;
        }
        for (int k = 0; k < 6; k++)
            prev[k] = strtof(cols[c_ps + k], NULL);
        snprintf(prev_stage, sizeof prev_stage, "%s", stage);
    }
    free(txt);
    return checked;
}

static void test_views(void **state)
{
    fau_landmark_models *m = fau_test_landmark_models();
    assert_non_null(m);
    const char *inputs[] = {"video01", "gaze_eyes_vp9", "multi_face_5", "expr_surprise_f1",
                            "turned_face_3q"};
    int total = 0, parts = 0;
    for (int i = 0; i < 5; i++) {
        total += check_file(&m->main, inputs[i], "clnf_scales.csv");
        parts += check_file(&fau_landmark_models_part(m, "inner")->model, inputs[i],
                            "clnf_part_inner.csv");
        parts += check_file(&fau_landmark_models_part(m, "left_eye_28")->model, inputs[i],
                            "clnf_part_left_eye_28.csv");
    }
    print_message("views checked: %d main-model scales, %d part-model scales\n", total, parts);
    assert_true(total > 800);
    assert_true(parts > 200);
    fau_landmark_models_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
