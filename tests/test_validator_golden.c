/* The CNN landmark validator (fau_validator_check) against OpenFace's own
 * DetectionValidator::Check: for every `final` row of the stage dumps
 * golden/stages/<input>/clnf_scales.csv where the validator ran (scale
 * column 1), the row's landmarks (detected_landmarks), orientation
 * (p_rx, p_ry, p_rz) and the frame's grey image must give exactly the
 * dumped detection_certainty (same float bits) and success
 * (certainty > 0.725). Images: every face of the three dumped images;
 * videos (need FFmpeg): every final row of gaze_eyes_vp9 and of the first
 * frame of video01 (its 11 hypotheses), then every 5th frame of video01.
 * The images are also run with $FACEAU_SIMD=scalar (the fmaf sgemm), which
 * must give the same results. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/models_path.h"
#include "io/media.h"
#include "landmarks/clnf_model.h"
#include "landmarks/validator_check.h"

#define NPTS 68

typedef struct vrow {
    int frame, face;
    float certainty;
    int success;
    float lm[2 * NPTS];
    double orient[3];
} vrow;

typedef struct vrows {
    int n, cap;
    vrow *r;
} vrows;

static fau_landmark_models *models;
static float *scratch;

static int setup(void **state)
{
    fau_model_paths p;
    fau_error e = {0};
    if (fau_models_locate(&p, fau_test_models_dir(), &e) ||
        fau_landmark_models_load(&models, &p, "model/main_clnf_general.txt", &e))
        return -1;
    scratch = fau_aligned_alloc(fau_validator_scratch_floats(&models->validator) * sizeof(float));
    return scratch ? 0 : -1;
}

static int teardown(void **state)
{
    fau_aligned_free(scratch);
    fau_landmark_models_free(&models);
    return 0;
}

static int find_col(char **names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    fail_msg("column %s missing", name);
    return -1;
}

/* The final rows with the validator run, in file order. */
static void load_rows(const char *input, vrows *out)
{
    char rel[256];
    snprintf(rel, sizeof rel, "golden/stages/%s/clnf_scales.csv", input);
    char *txt = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(txt);
    char *save, *line = strtok_r(txt, "\n", &save);
    assert_non_null(line);
    char *names[512];
    int nn = 0;
    for (char *s2, *c = strtok_r(line, ",\r", &s2); c && nn < 512; c = strtok_r(NULL, ",\r", &s2))
        names[nn++] = c;
    const int c_stage = find_col(names, nn, "stage"), c_scale = find_col(names, nn, "scale");
    const int c_cert = find_col(names, nn, "detection_certainty");
    const int c_succ = find_col(names, nn, "success"), c_x = find_col(names, nn, "x_0");
    const int c_y = find_col(names, nn, "y_0"), c_rx = find_col(names, nn, "p_rx");
    const int c_frame = find_col(names, nn, "frame"), c_face = find_col(names, nn, "face");
    assert_int_equal(c_y, c_x + NPTS);
    memset(out, 0, sizeof *out);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *cells[512];
        int nc = 0;
        for (char *s2, *c = strtok_r(line, ",\r", &s2); c && nc < 512;
             c = strtok_r(NULL, ",\r", &s2))
            cells[nc++] = c;
        assert_int_equal(nc, nn);
        if (strcmp(cells[c_stage], "final") || atoi(cells[c_scale]) != 1)
            continue;
        if (out->n == out->cap) {
            out->cap = out->cap ? 2 * out->cap : 64;
            out->r = realloc(out->r, (size_t)out->cap * sizeof *out->r);
            assert_non_null(out->r);
        }
        vrow *r = &out->r[out->n++];
        r->frame = atoi(cells[c_frame]);
        r->face = atoi(cells[c_face]);
        r->certainty = strtof(cells[c_cert], NULL); /* %.9g: the float itself */
        r->success = atoi(cells[c_succ]);
        for (int i = 0; i < 2 * NPTS; i++)
            r->lm[i] = strtof(cells[c_x + i], NULL);
        for (int i = 0; i < 3; i++) /* cv::Vec3d of the float params_global */
            r->orient[i] = (double)strtof(cells[c_rx + i], NULL);
    }
    free(txt);
}

typedef struct tally {
    int checked, wrong;
} tally;

static void check_row(const vrow *r, const fau_frame *fr, const char *input, tally *t)
{
    float c = fau_validator_check(&models->validator, r->orient, fr->gray, fr->width, fr->height,
                                  fr->gray_stride, r->lm, scratch, NULL);
    t->checked++;
    if (memcmp(&c, &r->certainty, sizeof c) || (c > 0.725f) != r->success) {
        t->wrong++;
        fprintf(stderr, "%s frame %d face %d: certainty %.9g, OpenFace %.9g (success %d)\n", input,
                r->frame, r->face, c, r->certainty, r->success);
    }
}

static void check_image(const char *name, int expect_rows)
{
    vrows rows;
    load_rows(name, &rows);
    assert_int_equal(rows.n, expect_rows); /* one per MTCNN face of the dump */
    char rel[256];
    snprintf(rel, sizeof rel, "media/images/%s.jpg", name);
    fau_frame fr = {0};
    fau_error e = {0};
    assert_int_equal(fau_image_load(fau_test_shared(rel), &fr, &e), FAU_OK);
    tally t = {0};
    for (int i = 0; i < rows.n; i++)
        check_row(&rows.r[i], &fr, name, &t);
    /* the portable sgemm gives the same bits */
    setenv("FACEAU_SIMD", "scalar", 1);
    for (int i = 0; i < rows.n; i++)
        check_row(&rows.r[i], &fr, name, &t);
    unsetenv("FACEAU_SIMD");
    printf("%s: %d checks, %d differ from OpenFace\n", name, t.checked, t.wrong);
    fau_frame_free(&fr);
    free(rows.r);
    assert_int_equal(t.wrong, 0);
}

/* Rows of frames 1, and of every `every`-th frame. */
static void check_video(const char *name, const char *file, int every)
{
    if (!fau_media_have_ffmpeg())
        skip();
    vrows rows;
    load_rows(name, &rows);
    assert_true(rows.n > 0);
    char rel[256];
    snprintf(rel, sizeof rel, "media/%s", file);
    fau_media *m = NULL;
    fau_error e = {0};
    fau_media_open_opts mo = {0};
    assert_int_equal(fau_media_open(&m, fau_test_shared(rel), &mo, &e), FAU_OK);
    fau_frame fr = {0};
    tally t = {0};
    int at = 0, frames = 0;
    while (at < rows.n && fau_media_next(m, &fr, &e) == 1) {
        const int frame = (int)fr.index + 1;
        frames++;
        for (; at < rows.n && rows.r[at].frame <= frame; at++)
            if (rows.r[at].frame == frame && (frame == 1 || frame % every == 0))
                check_row(&rows.r[at], &fr, name, &t);
    }
    printf("%s: %d frames, %d checks, %d differ from OpenFace\n", name, frames, t.checked, t.wrong);
    assert_int_equal(at, rows.n); /* every dumped frame was decoded */
    fau_frame_free(&fr);
    fau_media_close(&m);
    free(rows.r);
    assert_int_equal(t.wrong, 0);
}

static void test_expr_surprise(void **state) { check_image("expr_surprise_f1", 1); }
static void test_turned_face(void **state) { check_image("turned_face_3q", 1); }
static void test_multi_face(void **state) { check_image("multi_face_5", 5); }
static void test_gaze_eyes(void **state) { check_video("gaze_eyes_vp9", "gaze_eyes_vp9.webm", 1); }
static void test_video01(void **state) { check_video("video01", "video01.mp4", 5); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_surprise), cmocka_unit_test(test_turned_face),
        cmocka_unit_test(test_multi_face),    cmocka_unit_test(test_gaze_eyes),
        cmocka_unit_test(test_video01),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
