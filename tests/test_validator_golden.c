/* The CNN landmark validator (fau_validator_check) against OpenFace's own
 * DetectionValidator::Check: for every `final` row of the stage dumps
 * golden/stages/<input>/clnf_scales.csv where the validator ran (scale
 * column 1), the row's landmarks (detected_landmarks), orientation
 * (p_rx, p_ry, p_rz) and the frame's grey image must give exactly the
 * dumped detection_certainty (same float bits) and success
 * (certainty > 0.725). Images: every face of the three dumped images;
 * videos (need FFmpeg): every final row of gaze_eyes_vp9 and of the first
 * frame of video01 (its 11 hypotheses) and of its other 299 frames.
 * The images are also run with $FACEAU_SIMD=scalar (the fmaf sgemm), which
 * must give the same results.
 *
 * The certainty is a bin of the network's output, so it only shows a wrong
 * summation order on near ties; the whole output vector is therefore also
 * compared, bit for bit, with a plain reference of CheckCNN written here
 * from OpenFace's code (im2col_multimap's layout, the sgemm_ call through
 * the OpenBLAS-order reference fau_sgemm_openblas, max_pooling, cv::gemm's
 * double sums for the fully connected layers) on the same warped faces:
 * every image face, every 4th frame of gaze_eyes_vp9, every 10th of
 * video01 (the reference is slow). */
#include "testlib.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "detect/sgemm_openblas.h"
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
    if (!(models = fau_test_landmark_models()))
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
    int checked, wrong, cnn_checked, cnn_wrong;
} tally;

/* ---- reference CheckCNN (NormaliseWarpedToVector and the layers) ---- */

static void ref_normalise(const fau_validator_view *vw, const float *warped, float *img)
{
    const fau_paw *p = &vw->paw;
    float *vec = malloc((size_t)vw->n_pixels * sizeof(float));
    assert_non_null(vec);
    int n = 0; /* mask pixels of warped.t(), i.e. column by column */
    for (int x = 0; x < p->cols; x++)
        for (int y = 0; y < p->rows; y++)
            if (p->pixel_mask[y * p->cols + x])
                vec[n++] = warped[y * p->cols + x];
    assert_int_equal(n, vw->n_pixels);
    double sum = 0, sq = 0; /* cv::meanStdDev: double sums */
    for (int i = 0; i < n; i++) {
        sum += vec[i];
        sq += (double)vec[i] * vec[i];
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    double sd = sqrt(var > 0 ? var : 0);
    if (sd == 0)
        sd = 1;
    const float fmean = (float)mean, inv = (float)(1.0 / sd);
    for (int i = 0; i < n; i++) {
        vec[i] = (vec[i] - fmean) * inv + 0.0f;
        vec[i] = (vec[i] - vw->mean_image[i]) / vw->std_image[i];
    }
    memset(img, 0, (size_t)p->rows * p->cols * sizeof(float));
    n = 0;
    for (int x = 0; x < p->cols; x++)
        for (int y = 0; y < p->rows; y++)
            if (p->pixel_mask[y * p->cols + x])
                img[y * p->cols + x] = vec[n++];
    free(vec);
}

/* The view's network on img (1 map); returns the malloc'd last output. */
static float *ref_cnn(const fau_validator_view *vw, const float *img, int *n_out)
{
    int maps = 1, rows = vw->paw.rows, cols = vw->paw.cols;
    float *cur = malloc((size_t)rows * cols * sizeof(float));
    assert_non_null(cur);
    memcpy(cur, img, (size_t)rows * cols * sizeof(float));
    for (int l = 0; l < vw->n_layers; l++) {
        const fau_cnn_layer *L = &vw->layers[l];
        float *next = NULL;
        if (L->type == FAU_CNN_CONV) {
            const int yB = rows - L->kh + 1, xB = cols - L->kw + 1, P = yB * xB, cw = L->cw_rows;
            float *col = malloc((size_t)P * cw * sizeof(float)), *C = malloc((size_t)P * L->n_kernels * sizeof(float));
            next = malloc((size_t)P * L->n_kernels * sizeof(float));
            assert_true(col && C && next);
            for (int i = 0; i < yB; i++) /* im2col_multimap */
                for (int j = 0; j < xB; j++) {
                    float *Mo = col + (size_t)(i * xB + j) * cw;
                    for (int yy = 0; yy < L->kh; yy++)
                        for (int m = 0; m < maps; m++)
                            for (int xx = 0; xx < L->kw; xx++)
                                Mo[xx * L->kh + yy + m * L->kh * L->kw] =
                                    cur[((size_t)m * rows + i + yy) * cols + j + xx];
                    Mo[cw - 1] = 1.0f;
                }
            fau_sgemm_openblas(L->n_kernels, P, cw, 1.0f, L->conv_weights, L->n_kernels, col, cw,
                               0.0f, C, L->n_kernels);
            for (int k = 0; k < L->n_kernels; k++) /* out.t(), row k = map k */
                for (int t = 0; t < P; t++)
                    next[(size_t)k * P + t] = C[(size_t)t * L->n_kernels + k];
            free(col);
            free(C);
        } else if (L->type == FAU_CNN_MAXPOOL) {
            const int ox = (int)round((float)(cols - 2) / 2.0f) + 1,
                      oy = (int)round((float)(rows - 2) / 2.0f) + 1;
            next = malloc((size_t)maps * ox * oy * sizeof(float));
            assert_non_null(next);
            for (int m = 0; m < maps; m++)
                for (int x = 0; x < cols; x += 2)
                    for (int y = 0; y < rows; y += 2) {
                        if (x / 2 >= ox || y / 2 >= oy)
                            continue;
                        float best = -FLT_MAX;
                        for (int xi = x; xi < x + 2 && xi < cols; xi++)
                            for (int yi = y; yi < y + 2 && yi < rows; yi++)
                                if (cur[((size_t)m * rows + yi) * cols + xi] > best)
                                    best = cur[((size_t)m * rows + yi) * cols + xi];
                        next[((size_t)m * oy + y / 2) * ox + x / 2] = best;
                    }
        } else if (L->type == FAU_CNN_FC) {
            /* flatten: each map transposed, then concatenated */
            float *x = malloc((size_t)L->fc_in * sizeof(float));
            next = malloc((size_t)L->fc_out * sizeof(float));
            assert_true(x && next);
            int n = 0;
            for (int m = 0; m < maps; m++)
                for (int c = 0; c < cols; c++)
                    for (int r = 0; r < rows; r++)
                        x[n++] = cur[((size_t)m * rows + r) * cols + c];
            assert_int_equal(n, L->fc_in);
            assert_true(L->fc_out < 100); /* OpenCV's own gemm, not cblas */
            for (int o = 0; o < L->fc_out; o++) {
                double acc = 0;
                for (int i = 0; i < L->fc_in; i++)
                    acc += (double)L->fc_weights[(size_t)i * L->fc_out + o] * (double)x[i];
                next[o] = (float)(acc + (double)L->fc_bias[o]);
            }
            free(x);
        } else if (L->type == FAU_CNN_RELU) {
            const size_t n = (size_t)maps * rows * cols;
            next = malloc(n * sizeof(float));
            assert_non_null(next);
            for (size_t i = 0; i < n; i++)
                next[i] = cur[i] > 0 ? cur[i] : 0.0f;
        } else {
            fail_msg("layer type %d not in the shipped validator", L->type);
        }
        free(cur);
        cur = next;
        maps = L->out_maps;
        rows = L->out_rows;
        cols = L->out_cols;
    }
    *n_out = maps * rows * cols;
    return cur;
}

/* fau_validator_cnn on the warped face of this row against ref_cnn. */
static void check_cnn(const vrow *r, const fau_frame *fr, const char *input, tally *t)
{
    const fau_validator *v = &models->validator;
    const int view = fau_validator_view_id(v, r->orient);
    const fau_validator_view *vw = &v->views[view];
    const size_t px = (size_t)vw->paw.rows * vw->paw.cols;
    float *warped = malloc(px * sizeof(float)), *img = malloc(px * sizeof(float));
    float *out = malloc((size_t)vw->n_bins * sizeof(float));
    assert_true(warped && img && out);
    fau_validator_check(v, r->orient, fr->gray, fr->width, fr->height, fr->gray_stride, r->lm,
                        scratch, warped);
    fau_validator_cnn(v, view, warped, scratch, out);
    ref_normalise(vw, warped, img);
    int n = 0;
    float *ref = ref_cnn(vw, img, &n);
    assert_int_equal(n, vw->n_bins);
    t->cnn_checked++;
    if (memcmp(out, ref, (size_t)n * sizeof(float))) {
        t->cnn_wrong++;
        for (int i = 0; i < n; i++)
            if (memcmp(&out[i], &ref[i], sizeof(float))) {
                fprintf(stderr, "%s frame %d face %d: CNN output %d = %.9g, reference %.9g\n",
                        input, r->frame, r->face, i, out[i], ref[i]);
                break;
            }
    }
    free(ref);
    free(out);
    free(img);
    free(warped);
}

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
    for (int i = 0; i < rows.n; i++) {
        check_row(&rows.r[i], &fr, name, &t);
        check_cnn(&rows.r[i], &fr, name, &t);
    }
    /* the portable sgemm gives the same bits */
    setenv("FACEAU_SIMD", "scalar", 1);
    for (int i = 0; i < rows.n; i++) {
        check_row(&rows.r[i], &fr, name, &t);
        check_cnn(&rows.r[i], &fr, name, &t);
    }
    unsetenv("FACEAU_SIMD");
    printf("%s: %d checks, %d differ from OpenFace; %d CNN outputs, %d differ from the reference\n",
           name, t.checked, t.wrong, t.cnn_checked, t.cnn_wrong);
    fau_frame_free(&fr);
    free(rows.r);
    assert_int_equal(t.wrong, 0);
    assert_int_equal(t.cnn_wrong, 0);
}

/* Rows of frame 1 and of every `every`-th frame; the CNN outputs of every
 * `cnn_every`-th frame. */
static void check_video(const char *name, const char *file, int every, int cnn_every)
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
            if (rows.r[at].frame == frame && (frame == 1 || frame % every == 0)) {
                check_row(&rows.r[at], &fr, name, &t);
                if (frame % cnn_every == 0)
                    check_cnn(&rows.r[at], &fr, name, &t);
            }
    }
    printf("%s: %d frames, %d checks, %d differ from OpenFace; %d CNN outputs, %d differ from the "
           "reference\n",
           name, frames, t.checked, t.wrong, t.cnn_checked, t.cnn_wrong);
    assert_int_equal(at, rows.n); /* every dumped frame was decoded */
    fau_frame_free(&fr);
    fau_media_close(&m);
    free(rows.r);
    assert_int_equal(t.wrong, 0);
    assert_int_equal(t.cnn_wrong, 0);
}

static void test_expr_surprise(void **state) { check_image("expr_surprise_f1", 1); }
static void test_turned_face(void **state) { check_image("turned_face_3q", 1); }
static void test_multi_face(void **state) { check_image("multi_face_5", 5); }
static void test_gaze_eyes(void **state) { check_video("gaze_eyes_vp9", "gaze_eyes_vp9.webm", 1, 4); }
static void test_video01(void **state) { check_video("video01", "video01.mp4", 1, 10); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_surprise), cmocka_unit_test(test_turned_face),
        cmocka_unit_test(test_multi_face),    cmocka_unit_test(test_gaze_eyes),
        cmocka_unit_test(test_video01),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
