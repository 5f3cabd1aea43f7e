/* CLNF fitting stage by stage against OpenFace's own dumps
 * (golden/stages/<input>/clnf_scales.csv and clnf_part_<name>.csv): every
 * rigid and non-rigid NU-RLMS pass of every scale, the part models, the
 * hierarchical refit and the validator, traced from fau_tracker on the same
 * images and video frames, compared row by row in execution order. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/models_path.h"
#include "core/openblas_lapack.h"
#include "detect/mtcnn.h"
#include "io/media.h"
#include "landmarks/clnf_model.h"
#include "landmarks/tracker.h"

#define MAX_ROWS 4096

/* One dump file: per row frame, face, call, stage and the numbers after. */
typedef struct dump {
    int n;
    int frame[MAX_ROWS], face[MAX_ROWS];
    char call[MAX_ROWS][16], stage[MAX_ROWS][16];
    float *v[MAX_ROWS]; /* scale, window_size, view, lhood, certainty, success, x.., y.., p.., q.. */
    int nv[MAX_ROWS];
    char *txt;
    int next; /* cursor for the comparison */
} dump;

static void dump_load(dump *d, const char *input, const char *file)
{
    char rel[256];
    snprintf(rel, sizeof rel, "golden/stages/%s/%s", input, file);
    memset(d, 0, sizeof *d);
    d->txt = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(d->txt);
    char *save, *line = strtok_r(d->txt, "\n", &save);
    while ((line = strtok_r(NULL, "\n", &save)) && d->n < MAX_ROWS) {
        char *s2;
        int i = d->n;
        d->frame[i] = atoi(strtok_r(line, ",", &s2));
        d->face[i] = atoi(strtok_r(NULL, ",", &s2));
        snprintf(d->call[i], 16, "%s", strtok_r(NULL, ",", &s2));
        snprintf(d->stage[i], 16, "%s", strtok_r(NULL, ",", &s2));
        d->v[i] = calloc(512, sizeof(float));
        assert_non_null(d->v[i]);
        char *c;
        int k = 0;
        while ((c = strtok_r(NULL, ",\r", &s2)) && k < 512)
            d->v[i][k++] = (float)strtod(c, NULL);
        d->nv[i] = k;
        d->n++;
    }
}

static void dump_free(dump *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->v[i]);
    free(d->txt);
}

static const char *stage_name(fau_clnf_stage s)
{
    static const char *names[] = {"start", "rigid", "scale", "init", "hier", "final"};
    return names[s];
}

typedef struct cmp_stats {
    double max_lm[6];   /* by stage */
    double sum_lm[6];
    int count[6];
    int mismatched_order;
    int success_diff;
    double max_cert;
} cmp_stats;

typedef struct trace_ctx {
    const fau_landmark_models *m;
    dump *main;
    dump *parts[FAU_CLNF_MAX_PARTS];
    int frame, face;
    cmp_stats st;
    int verbose;
} trace_ctx;

/* The next row of this fit with the given stage (skipping the tracker-level
 * rows the fitter does not trace: best, restored). */
static int next_row(dump *d, int frame, int face, const char *stage)
{
    while (d->next < d->n) {
        int i = d->next++;
        if (d->frame[i] != frame || d->face[i] != face)
            continue;
        if (!strcmp(d->stage[i], "best") || !strcmp(d->stage[i], "restored"))
            continue;
        if (!strcmp(d->stage[i], stage))
            return i;
        return -1 - i;
    }
    return -1 - d->n;
}

static void on_trace(void *user, int part, fau_clnf_stage stage, int scale, int ws, int view,
                     const fau_clnf_state *s)
{
    trace_ctx *t = user;
    dump *d = part < 0 ? t->main : t->parts[part];
    const int n = part < 0 ? t->m->main.n_points : t->m->parts[part].model.n_points;
    int r = next_row(d, t->frame, t->face, stage_name(stage));
    if (r < 0) {
        if (t->st.mismatched_order++ < 5)
            fprintf(stderr, "frame %d face %d part %d: traced %s, dump has %s\n", t->frame, t->face,
                    part, stage_name(stage), -1 - r < d->n ? d->stage[-1 - r] : "(end)");
        return;
    }
    const float *v = d->v[r];
    double mx = 0;
    for (int k = 0; k < 2 * n; k++) {
        double dd = fabs((double)s->landmarks[k] - v[6 + k]);
        if (dd > mx)
            mx = dd;
    }
    if (stage == FAU_CLNF_FINAL && part < 0) {
        if ((int)v[5] != s->detection_success)
            t->st.success_diff++;
        double dc = fabs((double)s->detection_certainty - v[4]);
        if (dc > t->st.max_cert)
            t->st.max_cert = dc;
    }
    if (t->verbose && mx >= (getenv("FAU_TEST_THRESH") ? atof(getenv("FAU_TEST_THRESH")) : 1e-3))
        fprintf(stderr, "frame %d face %d part %d %s scale %d ws %d view %d(%g): max |d| %.6f\n",
                t->frame, t->face, part, stage_name(stage), scale, ws, view, v[2], mx);
    if (getenv("FAU_TEST_DETAIL") && mx > atof(getenv("FAU_TEST_DETAIL"))) {
        const int nm = part < 0 ? t->m->main.pdm->n_modes : t->m->parts[part].model.pdm->n_modes;
        fprintf(stderr, "   lm:");
        for (int k = 0; k < n; k++) {
            double dx = s->landmarks[k] - v[6 + k], dy = s->landmarks[k + n] - v[6 + n + k];
            if (fabs(dx) > 0.03 || fabs(dy) > 0.03)
                fprintf(stderr, " %d(%.3f,%.3f)", k, dx, dy);
        }
        fprintf(stderr, "\n   p:");
        for (int k = 0; k < 6; k++)
            fprintf(stderr, " %.6g/%.6g", s->global[k], v[6 + 2 * n + k]);
        fprintf(stderr, "\n   q:");
        for (int k = 0; k < nm; k++)
            fprintf(stderr, " %.4g/%.4g", s->local[k], v[6 + 2 * n + 6 + k]);
        fprintf(stderr, "\n");
    }
    t->st.count[stage]++;
    t->st.sum_lm[stage] += mx;
    if (mx > t->st.max_lm[stage])
        t->st.max_lm[stage] = mx;
}

static fau_landmark_models *g_lm;
static fau_mtcnn *g_det;

static int setup(void **state)
{
    fau_model_paths paths;
    fau_error e = {0};
    /* bit-exact fits need LAPACK's sposv from OpenBLAS (core/openblas_lapack.h) */
    if (!fau_openblas_available())
        fail_msg("libopenblas.so.0 (Debian package libopenblas0) with its Haswell core is needed");
    assert_int_equal(fau_models_locate(&paths, fau_test_models_dir(), &e), FAU_OK);
    assert_non_null(g_lm = fau_test_landmark_models());
    assert_int_equal(fau_mtcnn_load(&g_det, &paths, "model/mtcnn_detector/MTCNN_detector.txt", &e),
                     FAU_OK);
    return 0;
}

static int teardown(void **state)
{
    fau_landmark_models_free(&g_lm);
    fau_mtcnn_free(&g_det);
    return 0;
}

static void open_dumps(trace_ctx *t, const char *input)
{
    memset(t, 0, sizeof *t);
    t->m = g_lm;
    t->main = calloc(1, sizeof(dump));
    assert_non_null(t->main);
    dump_load(t->main, input, "clnf_scales.csv");
    for (int i = 0; i < g_lm->n_parts; i++) {
        char f[128];
        snprintf(f, sizeof f, "clnf_part_%s.csv", g_lm->parts[i].name);
        t->parts[i] = calloc(1, sizeof(dump));
        assert_non_null(t->parts[i]);
        dump_load(t->parts[i], input, f);
    }
    t->verbose = getenv("FAU_TEST_VERBOSE") != NULL;
}

static void close_dumps(trace_ctx *t)
{
    dump_free(t->main);
    free(t->main);
    for (int i = 0; i < g_lm->n_parts; i++) {
        dump_free(t->parts[i]);
        free(t->parts[i]);
    }
}

static void report(const char *input, const trace_ctx *t)
{
    printf("%s:", input);
    for (int s = 0; s < 6; s++)
        if (t->st.count[s])
            printf(" %s max %.2e mean %.2e (%d)", stage_name((fau_clnf_stage)s), t->st.max_lm[s],
                   t->st.sum_lm[s] / t->st.count[s], t->st.count[s]);
    printf("; order mismatches %d, success differences %d, max certainty diff %.3g\n",
           t->st.mismatched_order, t->st.success_diff, t->st.max_cert);
}

/* FaceLandmarkImg: every MTCNN face of the image, one frontal hypothesis. */
static void check_image(const char *name, double tol_final)
{
    trace_ctx t;
    open_dumps(&t, name);
    char rel[256];
    snprintf(rel, sizeof rel, "media/images/%s.jpg", name);
    fau_frame fr = {0};
    fau_error e = {0};
    assert_int_equal(fau_image_load(fau_test_shared(rel), &fr, &e), FAU_OK);
    fau_face_box boxes[64];
    int n = 0;
    assert_int_equal(fau_mtcnn_detect(g_det, fr.bgr, fr.width, fr.height, fr.bgr_stride, NULL,
                                      boxes, NULL, 64, &n, &e),
                     FAU_OK);
    fau_tracker *tr = NULL;
    assert_int_equal(fau_tracker_create(&tr, g_lm, g_det, &e), FAU_OK);
    fau_clnf_fitter_set_trace(fau_tracker_fitter(tr), on_trace, &t);
    for (int i = 0; i < n && i < 64; i++) {
        t.face = i;
        fau_clnf_fit fit;
        assert_int_equal(fau_tracker_image_face(tr, fr.gray, fr.gray_stride, fr.width, fr.height,
                                                &boxes[i], 0, &fit, &e),
                         FAU_OK);
    }
    report(name, &t);
    fau_tracker_destroy(&tr);
    fau_frame_free(&fr);
    assert_int_equal(t.st.mismatched_order, 0);
    assert_int_equal(t.st.success_diff, 0);
    assert_true(t.st.max_lm[FAU_CLNF_FINAL] <= tol_final);
    close_dumps(&t);
}

/* FeatureExtraction: the first max_frames frames of a clip. */
static void check_video(const char *name, const char *file, int max_frames, double tol_final)
{
    if (!fau_media_have_ffmpeg())
        skip();
    trace_ctx t;
    open_dumps(&t, name);
    char rel[256];
    snprintf(rel, sizeof rel, "media/%s", file);
    fau_media *m = NULL;
    fau_error e = {0};
    fau_media_open_opts mo = {0};
    assert_int_equal(fau_media_open(&m, fau_test_shared(rel), &mo, &e), FAU_OK);
    fau_tracker *tr = NULL;
    assert_int_equal(fau_tracker_create(&tr, g_lm, g_det, &e), FAU_OK);
    fau_clnf_fitter_set_trace(fau_tracker_fitter(tr), on_trace, &t);
    fau_frame fr = {0};
    int frames = 0;
    while (frames < max_frames && fau_media_next(m, &fr, &e) == 1) {
        t.frame = (int)fr.index + 1;
        fau_clnf_fit fit;
        assert_int_equal(fau_tracker_video_frame(tr, fr.bgr, fr.bgr_stride, fr.gray,
                                                 fr.gray_stride, fr.width, fr.height, &fit, &e),
                         FAU_OK);
        frames++;
    }
    report(name, &t);
    fau_tracker_destroy(&tr);
    fau_frame_free(&fr);
    fau_media_close(&m);
    assert_int_equal(t.st.mismatched_order, 0);
    assert_int_equal(t.st.success_diff, 0);
    assert_true(t.st.max_lm[FAU_CLNF_FINAL] <= tol_final);
    close_dumps(&t);
}

static void test_expr_surprise(void **state) { check_image("expr_surprise_f1", 0.0); }
static void test_turned_face(void **state) { check_image("turned_face_3q", 0.0); }
static void test_multi_face(void **state) { check_image("multi_face_5", 0.0); }
static void test_video01(void **state) { check_video("video01", "video01.mp4", 60, 0.0); }
static void test_gaze_eyes(void **state) { check_video("gaze_eyes_vp9", "gaze_eyes_vp9.webm", 78, 0.0); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_surprise), cmocka_unit_test(test_turned_face),
        cmocka_unit_test(test_multi_face),    cmocka_unit_test(test_video01),
        cmocka_unit_test(test_gaze_eyes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
