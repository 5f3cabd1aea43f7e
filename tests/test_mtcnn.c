/* MTCNN face detector against OpenFace 2.2's per-stage dumps
 * (golden/stages/<name>/mtcnn.csv): same candidates per stage in the same
 * order, boxes, scores and regressions within measured tolerances, the
 * final landmark-initialisation boxes, and DetectSingleFaceMTCNN's choice
 * for videos. Frames come through the io stage (fau_image_load,
 * fau_media_*), as in the real pipeline. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/models_path.h"
#include "detect/mtcnn.h"
#include "io/media.h"

/* Every stage is reproduced bit for bit: the convolutions emulate the
 * OpenBLAS sgemm summation order OpenFace's goldens were computed with,
 * the probabilities OpenCV's exp. The goldens print floats with %.9g, which
 * round-trips float32, so values are compared as float32 for equality. */
static const char *stage_names[] = {"pnet_scale", "pnet_nms", "rnet_in", "rnet_nms",
                                    "onet_in",    "onet",     "final"};

typedef struct row {
    int stage, pyr, cand;
    double scale;
    double v[9]; /* x y w h score reg*4 */
} row;

typedef struct rows {
    row *r;
    int n, cap;
} rows;

static void push(rows *rs, const row *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->r = realloc(rs->r, (size_t)rs->cap * sizeof *rs->r);
        assert_non_null(rs->r);
    }
    rs->r[rs->n++] = *r;
}

static void trace_cb(void *user, const fau_mtcnn_trace_row *t)
{
    row r;
    r.stage = (int)t->stage;
    r.pyr = t->pyr_idx;
    r.cand = t->cand;
    r.scale = t->pyr_scale;
    r.v[0] = t->box.x;
    r.v[1] = t->box.y;
    r.v[2] = t->box.width;
    r.v[3] = t->box.height;
    r.v[4] = t->score;
    for (int k = 0; k < 4; k++)
        r.v[5 + k] = t->reg[k];
    push(user, &r);
}

/* Golden rows of the first detector call; the `selected` row (videos) goes
 * to *sel (cand and box), cand -1 if absent. */
static void load_golden(const char *name, rows *g, row *sel)
{
    char rel[256];
    snprintf(rel, sizeof rel, "golden/stages/%s/mtcnn.csv", name);
    char *text = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(text);
    sel->cand = -1;
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save); /* header */
    assert_non_null(line);
    assert_non_null(strstr(line, "stage,pyr_idx,pyr_scale,cand,x,y,w,h,score"));
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[16];
        int nf = 0;
        char *s2 = NULL;
        for (char *tok = strtok_r(line, ",", &s2); tok && nf < 16; tok = strtok_r(NULL, ",", &s2))
            f[nf++] = tok;
        assert_int_equal(nf, 15);
        if (atoi(f[1]) != 1)
            continue; /* det_call: only the first detection */
        row r;
        r.stage = -1;
        for (int k = 0; k < 7; k++)
            if (!strcmp(f[2], stage_names[k]))
                r.stage = k;
        r.pyr = atoi(f[3]);
        r.scale = strtod(f[4], NULL);
        r.cand = atoi(f[5]);
        for (int k = 0; k < 9; k++)
            r.v[k] = strtod(f[6 + k], NULL);
        if (!strcmp(f[2], "selected")) {
            *sel = r;
            continue;
        }
        assert_true(r.stage >= 0);
        push(g, &r);
    }
    free(text);
}

typedef struct maxdiff {
    double box_int, box, score, reg;
} maxdiff;

static void compare(const char *name, const rows *g, const rows *o, maxdiff *md)
{
    /* Rows come in execution order in both; group by (stage, level). */
    int gi = 0, oi = 0;
    while (gi < g->n || oi < o->n) {
        assert_true(gi < g->n && oi < o->n);
        const row *a = &g->r[gi], *b = &o->r[oi];
        if (a->stage != b->stage || a->pyr != b->pyr)
            fail_msg("%s: stage %s/%d in golden, %s/%d here: candidate counts differ", name,
                     stage_names[a->stage], a->pyr, stage_names[b->stage], b->pyr);
        assert_int_equal(a->cand, b->cand);
        if (a->stage == 0)
            assert_true(fabs(a->scale - b->scale) <= 1e-6 * a->scale);
        const int integral = a->stage < 5;
        for (int k = 0; k < 9; k++) {
            if (k >= 5 && isnan(a->v[k])) {
                assert_true(isnan(b->v[k]));
                continue;
            }
            const double d = fabs(a->v[k] - b->v[k]);
            double *mx = k < 4 ? (integral ? &md->box_int : &md->box) : k == 4 ? &md->score : &md->reg;
            *mx = fmax(*mx, d);
            if ((float)a->v[k] != (float)b->v[k])
                fail_msg("%s: %s cand %d column %d golden %.9g ours %.9g", name,
                         stage_names[a->stage], a->cand, k, a->v[k], b->v[k]);
        }
        gi++;
        oi++;
    }
}

static fau_mtcnn *load_detector(void)
{
    fau_model_paths mp;
    fau_error e = {0};
    assert_int_equal(fau_models_locate(&mp, fau_test_models_dir(), &e), FAU_OK);
    fau_mtcnn *m = NULL;
    int rc = fau_mtcnn_load(&m, &mp, "model/mtcnn_detector/MTCNN_detector.txt", &e);
    if (rc)
        fail_msg("%s", e.msg);
    return m;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void run_case(const char *name, const fau_frame *f, int is_video)
{
    fau_mtcnn *m = load_detector();
    rows g = {0}, o = {0};
    row sel;
    memset(&sel, 0, sizeof sel);
    load_golden(name, &g, &sel);

    fau_mtcnn_params p;
    fau_mtcnn_params_default(&p);
    p.trace = trace_cb;
    p.trace_user = &o;
    fau_face_box boxes[32];
    float conf[32];
    int n = -1;
    fau_error e = {0};
    assert_int_equal(fau_mtcnn_detect(m, f->bgr, f->width, f->height, f->bgr_stride, &p, boxes, conf,
                                      32, &n, &e),
                     FAU_OK);
    maxdiff md = {0, 0, 0, 0};
    compare(name, &g, &o, &md);

    /* The returned boxes are the `final` rows, in order. */
    int n_final = 0;
    for (int i = 0; i < g.n; i++)
        if (g.r[i].stage == FAU_MTCNN_FINAL) {
            assert_true(n_final < n);
            assert_true(boxes[n_final].x == (float)g.r[i].v[0]);
            assert_true(boxes[n_final].y == (float)g.r[i].v[1]);
            assert_true(boxes[n_final].width == (float)g.r[i].v[2]);
            assert_true(boxes[n_final].height == (float)g.r[i].v[3]);
            assert_true(conf[n_final] == (float)g.r[i].v[4]);
            n_final++;
        }
    assert_int_equal(n, n_final);
    if (is_video) {
        assert_true(sel.cand >= 0);
        int k = fau_mtcnn_select(boxes, n, -1, -1);
        assert_int_equal(k, sel.cand);
        assert_true(boxes[k].x == (float)sel.v[0] && boxes[k].y == (float)sel.v[1]);
        assert_true(boxes[k].width == (float)sel.v[2] && boxes[k].height == (float)sel.v[3]);
    }

    /* A second call reuses the scratch and gives identical results. */
    fau_face_box boxes2[32];
    float conf2[32];
    int n2 = -1;
    p.trace = NULL;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    /* steady state: the second call on the same frame allocates nothing
     * (heap in use unchanged) */
    const size_t heap0 = mallinfo2().uordblks;
#endif
    double t0 = now_ms();
    assert_int_equal(fau_mtcnn_detect(m, f->bgr, f->width, f->height, f->bgr_stride, &p, boxes2, conf2,
                                      32, &n2, &e),
                     FAU_OK);
    double t1 = now_ms();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    assert_int_equal(mallinfo2().uordblks, heap0);
#endif
    assert_int_equal(n2, n);
    assert_memory_equal(boxes2, boxes, (size_t)n * sizeof *boxes);
    assert_memory_equal(conf2, conf, (size_t)n * sizeof *conf);

    printf("# %s %dx%d: %d faces, %d stage rows bit-exact (max |diff| integer boxes %.3g px, "
           "regressed boxes %.3g px, score %.3g, regression %.3g); detect %.1f ms\n",
           name, f->width, f->height, n, g.n, md.box_int, md.box, md.score, md.reg, t1 - t0);
    free(g.r);
    free(o.r);
    fau_mtcnn_free(&m);
    assert_null(m);
}

static void image_case(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "media/images/%s.jpg", name);
    fau_frame f;
    memset(&f, 0, sizeof f);
    fau_error e = {0};
    int rc = fau_image_load(fau_test_shared(rel), &f, &e);
    if (rc)
        fail_msg("%s", e.msg);
    run_case(name, &f, 0);
    fau_frame_free(&f);
}

static void video_case(const char *name, const char *file)
{
    const char *ff = getenv("FAU_HAVE_FFMPEG");
    if (ff && (!strcmp(ff, "0") || !strcmp(ff, "FALSE") || !strcmp(ff, "false"))) {
        skip(); /* reported as skipped: this build has no FFmpeg */
        return;
    }
    char rel[256];
    snprintf(rel, sizeof rel, "media/%s", file);
    fau_media *md = NULL;
    fau_error e = {0};
    int rc = fau_media_open(&md, fau_test_shared(rel), NULL, &e);
    if (rc)
        fail_msg("%s", e.msg);
    fau_frame f;
    memset(&f, 0, sizeof f);
    rc = fau_media_next(md, &f, &e);
    if (rc != 1)
        fail_msg("%s", e.msg);
    run_case(name, &f, 1);
    fau_frame_free(&f);
    fau_media_close(&md);
}

static void test_expr_surprise_f1(void **state)
{
    image_case("expr_surprise_f1");
}

static void test_multi_face_5(void **state)
{
    image_case("multi_face_5");
}

static void test_turned_face_3q(void **state)
{
    image_case("turned_face_3q");
}

static void test_video01_frame1(void **state)
{
    video_case("video01", "video01.mp4");
}

static void test_gaze_eyes_vp9_frame1(void **state)
{
    video_case("gaze_eyes_vp9", "gaze_eyes_vp9.webm");
}

/* DetectSingleFaceMTCNN: widest box, first on ties; with a preference
 * point, the nearest centre. */
static void test_select(void **state)
{
    fau_face_box b[3] = {{0, 0, 10, 10}, {100, 100, 30, 30}, {50, 50, 30, 20}};
    assert_int_equal(fau_mtcnn_select(b, 3, -1, -1), 1);
    assert_int_equal(fau_mtcnn_select(b, 3, 5, 5), 0);
    assert_int_equal(fau_mtcnn_select(b, 3, 66, 60), 2);
    assert_int_equal(fau_mtcnn_select(b, 0, -1, -1), -1);
}

/* Images too small for one pyramid level, blank images and bad arguments
 * return cleanly. */
static void test_edge_inputs(void **state)
{
    fau_mtcnn *m = load_detector();
    uint8_t *img = calloc(200 * 200 * 3, 1);
    assert_non_null(img);
    fau_face_box b[4];
    int n = -1;
    fau_error e = {0};
    assert_int_equal(fau_mtcnn_detect(m, img, 200, 200, 600, NULL, b, NULL, 4, &n, &e), FAU_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fau_mtcnn_detect(m, img, 40, 30, 600, NULL, b, NULL, 4, &n, &e), FAU_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fau_mtcnn_detect(m, img, 12, 12, 36, NULL, b, NULL, 4, &n, &e), FAU_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fau_mtcnn_detect(m, img, 0, 10, 600, NULL, b, NULL, 4, &n, &e), FAU_EINVAL);
    assert_int_equal(fau_mtcnn_detect(m, img, 100, 10, 20, NULL, b, NULL, 4, &n, &e), FAU_EINVAL);
    free(img);
    fau_mtcnn_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_edge_inputs),
        cmocka_unit_test(test_expr_surprise_f1),
        cmocka_unit_test(test_multi_face_5),
        cmocka_unit_test(test_turned_face_3q),
        cmocka_unit_test(test_video01_frame1),
        cmocka_unit_test(test_gaze_eyes_vp9_frame1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
