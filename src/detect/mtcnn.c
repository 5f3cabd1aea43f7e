#include "detect/mtcnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/modelio.h"
#include "detect/cnn.h"
#include "detect/resize.h"

/* One candidate box through the stages: the box, its score and the
 * regression outputs (OpenFace's proposal_corrections, a Rect_<float>
 * holding dx, dy, dw, dh). */
typedef struct cand {
    fau_face_box box;
    float score;
    float reg[4];
} cand;

typedef struct fbuf {
    float *p;
    size_t cap; /* floats */
} fbuf;

typedef struct cbuf {
    cand *p;
    size_t n, cap;
} cbuf;

struct fau_mtcnn {
    fau_cnn pnet, rnet, onet;
    float exptab[64]; /* OpenCV's expTab_f */
    fbuf img;        /* resized image, interleaved */
    fbuf input;      /* planar normalised network input */
    fbuf act0, act1; /* activations */
    fbuf col;        /* im2col */
    fbuf rs;         /* resize scratch */
    cbuf scale, all, tmp;
    int *ord;        /* NMS scratch */
    unsigned char *alive;
    size_t ord_cap;
};

void fau_mtcnn_params_default(fau_mtcnn_params *p)
{
    memset(p, 0, sizeof *p);
    p->min_face = 60;
    p->t1 = 0.6f;
    p->t2 = 0.7f;
    p->t3 = 0.7f;
}

void fau_mtcnn_free(fau_mtcnn **pm)
{
    if (!pm || !*pm)
        return;
    fau_mtcnn *m = *pm;
    fau_cnn_free(&m->pnet);
    fau_cnn_free(&m->rnet);
    fau_cnn_free(&m->onet);
    fau_aligned_free(m->img.p);
    fau_aligned_free(m->input.p);
    fau_aligned_free(m->act0.p);
    fau_aligned_free(m->act1.p);
    fau_aligned_free(m->col.p);
    fau_aligned_free(m->rs.p);
    free(m->scale.p);
    free(m->all.p);
    free(m->tmp.p);
    free(m->ord);
    free(m->alive);
    free(m);
    *pm = NULL;
}

/* ------------------------------------------------------------- cv::exp */

/* cv::exp on a float Mat (hal::exp32f, OpenCV 4.6 mathfuncs_core): x is
 * clamped, scaled by 64/ln 2 and rounded to xi; 2^(xi/64) comes from a
 * 64-entry table times 2^(xi>>6), the rest from a degree-4 polynomial.
 * OpenCV runs the AVX2 code with FMA; the scalar tail it uses for arrays of
 * fewer than 16 values is compiled with FMA contraction and gives the same
 * bits (both checked against cv2.exp of OpenCV 4.6 on 130000 values). */
#define EXPPOLY_32F_A0 .9670371139572337719125840413672004409288e-2

static void cv_exp_init(float *tab)
{
    for (int j = 0; j < 64; j++)
        tab[j] = (float)(pow(2.0, j / 64.0) * EXPPOLY_32F_A0);
}

static float cv_expf(const float *tab, float x)
{
    const double prescale = 1.4426950408889634073599246810019 * 64, max_val = 3000. * 64;
    const float A4 = (float)(1.000000000000002438532970795181890933776 / EXPPOLY_32F_A0),
                A3 = (float)(.6931471805521448196800669615864773144641 / EXPPOLY_32F_A0),
                A2 = (float)(.2402265109513301490103372422686535526573 / EXPPOLY_32F_A0),
                A1 = (float)(.5550339366753125211915322047004666939128e-1 / EXPPOLY_32F_A0);
    const float minval = (float)(-max_val / prescale), maxval = (float)(max_val / prescale);
    float x0 = x < minval ? minval : x > maxval ? maxval : x;
    if (x0 != x0)
        return x0;
    x0 *= (float)prescale;
    const int xi = (int)lrintf(x0);
    x0 = (x0 - (float)xi) * (float)(1. / 64);
    int t = (xi >> 6) + 127;
    t = t < 0 ? 0 : t > 255 ? 255 : t;
    const uint32_t bits = (uint32_t)t << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    const float y = tab[xi & 63] * scale;
    float z = x0 + A1;
    z = fmaf(z, x0, A2);
    z = fmaf(z, x0, A3);
    z = fmaf(z, x0, A4);
    return z * y;
}

/* ---------------------------------------------------------------- loading */

/* The nets must run on their inputs: PNet on 12x12 gives >= 6 maps (2
 * scores, 4 regressions) of 1x1; RNet on 24x24 and ONet on 48x48 end in a
 * fully connected layer giving one vector of >= 6 values (2 scores, 4
 * regressions). */
static int check_net(const fau_cnn *net, const char *path, int side, fau_error *e)
{
    fau_cnn_shape in = {3, side, side}, out;
    fau_error sub = {0};
    if (fau_cnn_infer(net, in, &out, NULL, NULL, &sub))
        return fau_error_set(e, FAU_EFORMAT, "%s: cannot run on %dx%d input: %s", path, side, side,
                             sub.msg);
    const int ok = side == 12 ? out.c >= 6 && out.h == 1 && out.w == 1
                              : out.c == 1 && (size_t)out.h * out.w >= 6;
    if (!ok)
        return fau_error_set(e, FAU_EFORMAT,
                             "%s: output for a %dx%d input is %d maps of %dx%d, not the %s outputs "
                             "of %s",
                             path, side, side, out.c, out.h, out.w,
                             side == 12 ? "6 map" : "6-value vector", net->name);
    return FAU_OK;
}

int fau_mtcnn_load_file(fau_mtcnn **out, const char *path, fau_error *e)
{
    FAU_CHECK_ARG(e, out != NULL);
    FAU_CHECK_ARG(e, path != NULL);
    *out = NULL;
    fau_reader r;
    int rc = fau_reader_open(&r, path, e);
    if (rc)
        return rc;
    fau_mtcnn *m = calloc(1, sizeof *m);
    if (!m) {
        fau_reader_close(&r);
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
    }
    cv_exp_init(m->exptab);
    /* Module paths are relative to the folder of the detector file. */
    char dir[FAU_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';

    /* FaceDetectorMTCNN::Read: each line "<module> <file>"; unknown
     * modules are ignored; a trailing CR is dropped. */
    int have[3] = {0, 0, 0};
    char paths[3][2 * FAU_PATH_MAX + 2];
    while (r.pos < r.len) {
        char line[FAU_PATH_MAX], module[64], file[FAU_PATH_MAX];
        if ((rc = fau_reader_line(&r, line, sizeof line, e)))
            goto fail;
        module[0] = file[0] = '\0';
        if (sscanf(line, "%63s %4095s", module, file) < 1)
            continue;
        size_t fl = strlen(file);
        if (fl && file[fl - 1] == '\r')
            file[fl - 1] = '\0';
        int which = !strcmp(module, "PNet") ? 0 : !strcmp(module, "RNet") ? 1
                                              : !strcmp(module, "ONet") ? 2 : -1;
        if (which < 0)
            continue;
        char full[2 * FAU_PATH_MAX + 2];
        snprintf(full, sizeof full, "%s%s", dir, file);
        fau_cnn *net = which == 0 ? &m->pnet : which == 1 ? &m->rnet : &m->onet;
        if (have[which])
            fau_cnn_free(net);
        if ((rc = fau_cnn_load(net, full, module[0] == 'P' ? "PNet" : module[0] == 'R' ? "RNet" : "ONet",
                               e)))
            goto fail;
        have[which] = 1;
        snprintf(paths[which], sizeof paths[which], "%s", full);
    }
    if (!have[0] || !have[1] || !have[2]) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: missing %s module line", path,
                           !have[0] ? "PNet" : !have[1] ? "RNet" : "ONet");
        goto fail;
    }
    if ((rc = check_net(&m->pnet, paths[0], 12, e)) || (rc = check_net(&m->rnet, paths[1], 24, e)) ||
        (rc = check_net(&m->onet, paths[2], 48, e)))
        goto fail;
    fau_reader_close(&r);
    *out = m;
    return FAU_OK;
fail:
    fau_reader_close(&r);
    fau_mtcnn_free(&m);
    return rc;
}

int fau_mtcnn_load(fau_mtcnn **out, const fau_model_paths *paths, const char *rel, fau_error *e)
{
    FAU_CHECK_ARG(e, out != NULL);
    FAU_CHECK_ARG(e, paths != NULL);
    *out = NULL;
    char path[FAU_PATH_MAX];
    int rc = fau_models_file(paths, rel ? rel : "model/mtcnn_detector/MTCNN_detector.txt", path,
                             sizeof path, e);
    if (rc)
        return rc;
    return fau_mtcnn_load_file(out, path, e);
}

/* ------------------------------------------------------------ buffers */

static int fgrow(fbuf *b, size_t n)
{
    if (n <= b->cap)
        return 0;
    size_t bytes;
    if (fau_mul_size(n, sizeof(float), &bytes))
        return -1;
    float *p = fau_aligned_alloc(bytes);
    if (!p)
        return -1;
    fau_aligned_free(b->p);
    b->p = p;
    b->cap = n;
    return 0;
}

static int cpush(cbuf *b, const cand *c)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        cand *p = realloc(b->p, nc * sizeof *p);
        if (!p)
            return -1;
        b->p = p;
        b->cap = nc;
    }
    b->p[b->n++] = *c;
    return 0;
}

static int ord_grow(fau_mtcnn *m, size_t n)
{
    if (n <= m->ord_cap)
        return 0;
    size_t nc = n < 256 ? 256 : n * 2;
    int *o = realloc(m->ord, nc * sizeof *o);
    if (!o)
        return -1;
    m->ord = o;
    unsigned char *a = realloc(m->alive, nc);
    if (!a)
        return -1;
    m->alive = a;
    m->ord_cap = nc;
    return 0;
}

/* ------------------------------------------------------------ NMS */

typedef struct irect {
    int x, y, w, h;
} irect;

/* cv::Rect_<float> -> cv::Rect: saturate_cast<int> of each field, i.e.
 * round to nearest, ties to even. */
static int cvround(float v)
{
    if (!(v > -2147483520.0f))
        return v != v ? 0 : (-2147483647 - 1);
    if (v > 2147483520.0f)
        return 2147483647;
    return (int)lrintf(v);
}

static irect to_irect(const fau_face_box *b)
{
    irect r = {cvround(b->x), cvround(b->y), cvround(b->width), cvround(b->height)};
    return r;
}

static long long iarea(irect r)
{
    return (long long)r.w * r.h;
}

/* cv::Rect operator & then area(). */
static long long inter_area(irect a, irect b)
{
    if (a.w <= 0 || a.h <= 0 || b.w <= 0 || b.h <= 0)
        return 0;
    long long x1 = a.x > b.x ? a.x : b.x, y1 = a.y > b.y ? a.y : b.y;
    long long x2 = (long long)a.x + a.w < (long long)b.x + b.w ? (long long)a.x + a.w
                                                               : (long long)b.x + b.w;
    long long y2 = (long long)a.y + a.h < (long long)b.y + b.h ? (long long)a.y + a.h
                                                               : (long long)b.y + b.h;
    if (x2 - x1 <= 0 || y2 - y1 <= 0)
        return 0;
    return (x2 - x1) * (y2 - y1);
}

/* non_maximum_supression: boxes sit in a std::multimap keyed by score, so
 * equal scores keep insertion order and the last (best) is taken first;
 * the rest are scanned from the lowest score and dropped when
 * overlap > thresh. Overlaps use the boxes rounded to cv::Rect (integer)
 * and float division. Rewrites b to the kept candidates, best first. */
static int nms(fau_mtcnn *m, cbuf *b, float thresh, int minimum)
{
    const size_t n = b->n;
    if (n == 0)
        return 0;
    if (ord_grow(m, n))
        return -1;
    int *ord = m->ord;
    unsigned char *alive = m->alive;
    /* stable ascending sort by score: the multimap order */
    for (size_t i = 0; i < n; i++)
        ord[i] = (int)i;
    {
        for (size_t i = 1; i < n; i++) {
            int v = ord[i];
            float s = b->p[v].score;
            size_t j = i;
            while (j > 0 && b->p[ord[j - 1]].score > s) {
                ord[j] = ord[j - 1];
                j--;
            }
            ord[j] = v;
        }
    }
    memset(alive, 1, n);
    m->tmp.n = 0;
    size_t remaining = n;
    long long top = (long long)n - 1;
    while (remaining > 0) {
        while (top >= 0 && !alive[top])
            top--;
        const int cur = ord[top];
        alive[top] = 0;
        remaining--;
        irect r1 = to_irect(&b->p[cur].box);
        long long a1 = iarea(r1);
        for (long long k = 0; k < top; k++) {
            if (!alive[k])
                continue;
            irect r2 = to_irect(&b->p[ord[k]].box);
            float ia = (float)inter_area(r1, r2);
            float ua;
            if (minimum) {
                long long a2 = iarea(r2);
                ua = (float)(a1 < a2 ? a1 : a2);
            } else {
                ua = (float)(int)(a1 + iarea(r2)) - ia;
            }
            float overlap = ia / ua;
            if (overlap > thresh) {
                alive[k] = 0;
                remaining--;
            }
        }
        if (cpush(&m->tmp, &b->p[cur]))
            return -1;
    }
    memcpy(b->p, m->tmp.p, m->tmp.n * sizeof(cand));
    b->n = m->tmp.n;
    return 0;
}

/* ------------------------------------------------------------ box steps */

/* apply_correction: the box is first rounded to a cv::Rect (integers),
 * optionally grown by 1, then moved by the regression in float. */
static void apply_correction(cbuf *b, int add1)
{
    for (size_t i = 0; i < b->n; i++) {
        cand *c = &b->p[i];
        irect r = to_irect(&c->box);
        if (add1) {
            r.w++;
            r.h++;
        }
        float nx0 = (float)r.x + c->reg[0] * (float)r.w;
        float ny0 = (float)r.y + c->reg[1] * (float)r.h;
        float nx1 = (float)(r.x + r.w) + (float)r.w * c->reg[2];
        float ny1 = (float)(r.y + r.h) + (float)r.h * c->reg[3];
        c->box.x = nx0;
        c->box.y = ny0;
        c->box.width = nx1 - nx0;
        c->box.height = ny1 - ny0;
    }
}

/* rectify: square boxes, start and side truncated to integers. */
static void rectify(cbuf *b)
{
    for (size_t i = 0; i < b->n; i++) {
        fau_face_box *r = &b->p[i].box;
        float h = r->height, w = r->width;
        float side = w > h ? w : h;
        float nx = (float)(r->x + 0.5 * (w - side));
        float ny = (float)(r->y + 0.5 * (h - side));
        r->x = (float)(int)nx;
        r->y = (float)(int)ny;
        r->width = (float)(int)side;
        r->height = (float)(int)side;
    }
}

static void trace_all(const fau_mtcnn_params *p, fau_mtcnn_stage st, const cbuf *b, int pyr,
                      double scale, int with_reg)
{
    if (!p->trace)
        return;
    for (size_t i = 0; i < b->n; i++) {
        fau_mtcnn_trace_row row;
        row.stage = st;
        row.pyr_idx = pyr;
        row.pyr_scale = scale;
        row.cand = (int)i;
        row.box = b->p[i].box;
        row.score = b->p[i].score;
        for (int k = 0; k < 4; k++)
            row.reg[k] = with_reg ? b->p[i].reg[k] : NAN;
        p->trace(p->trace_user, &row);
    }
}

/* (v - 127.5) * 0.0078125 as one convertTo(alpha, beta) per pixel, and
 * the BGR -> RGB map order of CNN::Inference. */
static void normalise_split(const float *img, int w, int h, float *planar)
{
    const size_t plane = (size_t)w * h;
    for (size_t i = 0; i < plane; i++) {
        planar[i] = img[3 * i + 2] * 0.0078125f + -0.99609375f;
        planar[plane + i] = img[3 * i + 1] * 0.0078125f + -0.99609375f;
        planar[2 * plane + i] = img[3 * i] * 0.0078125f + -0.99609375f;
    }
}

/* Scratch for running net on a side x side (or w x h) input. */
static int ensure_net(fau_mtcnn *m, const fau_cnn *net, int w, int h, fau_cnn_shape *out,
                      fau_error *e)
{
    fau_cnn_shape in = {3, h, w};
    size_t mx, mc;
    int rc = fau_cnn_infer(net, in, out, &mx, &mc, e);
    if (rc)
        return rc;
    if (fgrow(&m->act0, mx) || fgrow(&m->act1, mx) || fgrow(&m->col, mc) ||
        fgrow(&m->input, (size_t)3 * w * h))
        return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
    return FAU_OK;
}

/* Crops box (x-1 .. x+w, y-1 .. y+h, zero outside the image), resizes it to
 * side x side and runs net: the RNet/ONet step of DetectFaces. Returns the
 * net output (>= 6 values). */
static const float *run_crop(fau_mtcnn *m, const fau_cnn *net, int side, const uint8_t *bgr, int W,
                             int H, size_t stride, const fau_face_box *b, fau_error *e, int *rc)
{
    fau_resize_src s;
    s.bgr = bgr;
    s.stride = stride;
    s.img_w = W;
    s.img_h = H;
    /* width_target = w + 1; the crop starts at (int)(x - 1). Boxes are
     * integers here (rectify). */
    /* Boxes come from network regressions; a box absurdly far or large
     * (OpenFace would fail in cv::Mat / copyTo) is not run: NULL with
     * FAU_OK makes the caller drop it. */
    const float lim = 4.0f * (float)FAU_MAX_IMAGE_SIDE;
    if (!(fabsf(b->x) < lim && fabsf(b->y) < lim && b->width >= 0.0f && b->width < lim &&
          b->height >= 0.0f && b->height < lim)) {
        *rc = FAU_OK;
        return NULL;
    }
    s.ox = (int)(b->x - 1);
    s.oy = (int)(b->y - 1);
    s.w = (int)(b->width + 1);
    s.h = (int)(b->height + 1);
    if (fgrow(&m->rs, fau_resize_scratch_floats(s.w, side)) || fgrow(&m->img, (size_t)side * side * 3)) {
        *rc = fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
        return NULL;
    }
    fau_resize_bgr(&s, side, side, m->img.p, m->rs.p);
    normalise_split(m->img.p, side, side, m->input.p);
    fau_cnn_shape in = {3, side, side}, os;
    *rc = FAU_OK;
    return fau_cnn_run(net, m->input.p, in, m->act0.p, m->act1.p, m->col.p, &os);
}

/* RNet / ONet over every candidate: score and regression from the net's
 * output (prob = 1 / (1 + exp(o0 - o1)), as OpenFace in double), keeping the
 * candidates at or above the threshold in order. */
static int score_candidates(fau_mtcnn *m, const fau_cnn *net, int side, const uint8_t *bgr, int W,
                            int H, size_t stride, float threshold, fau_error *e)
{
    fau_cnn_shape os;
    int rc = ensure_net(m, net, side, side, &os, e);
    if (rc)
        return rc;
    size_t kept = 0;
    for (size_t k = 0; k < m->all.n; k++) {
        cand *c = &m->all.p[k];
        const float *o = run_crop(m, net, side, bgr, W, H, stride, &c->box, e, &rc);
        if (rc)
            return rc;
        if (!o)
            continue;
        float prob = (float)(1.0 / (1.0 + (double)expf(o[0] - o[1])));
        c->score = prob;
        for (int j = 0; j < 4; j++)
            c->reg[j] = o[2 + j];
        if (prob >= threshold)
            m->all.p[kept++] = *c;
    }
    m->all.n = kept;
    return FAU_OK;
}

int fau_mtcnn_detect(fau_mtcnn *m, const uint8_t *bgr, int W, int H, size_t stride,
                     const fau_mtcnn_params *pp, fau_face_box *boxes, float *confidences,
                     int max_boxes, int *n_out, fau_error *e)
{
    FAU_CHECK_ARG(e, m != NULL);
    FAU_CHECK_ARG(e, bgr != NULL);
    FAU_CHECK_ARG(e, W > 0 && H > 0 && W <= FAU_MAX_IMAGE_SIDE && H <= FAU_MAX_IMAGE_SIDE);
    FAU_CHECK_ARG(e, stride >= (size_t)W * 3);
    FAU_CHECK_ARG(e, n_out != NULL);
    FAU_CHECK_ARG(e, max_boxes >= 0 && (max_boxes == 0 || boxes != NULL));
    fau_mtcnn_params defp;
    if (!pp) {
        fau_mtcnn_params_default(&defp);
        pp = &defp;
    }
    FAU_CHECK_ARG(e, pp->min_face > 0);
    *n_out = 0;
    int rc;

    const double pyramid_factor = 0.709;
    const int face_support = 12;
    const int min_dim = W < H ? W : H;
    const int num_scales =
        (int)floor(log((double)pp->min_face / (double)min_dim) / log(pyramid_factor)) + 1;

    m->all.n = 0;
    for (int i = 0; i < num_scales; i++) {
        const double scale = ((double)face_support / (double)pp->min_face) * pow(pyramid_factor, i);
        const int hp = (int)ceil(H * scale), wp = (int)ceil(W * scale);
        if (hp < face_support || wp < face_support)
            continue; /* PNet cannot run; OpenFace never gets here */
        fau_cnn_shape os;
        if ((rc = ensure_net(m, &m->pnet, wp, hp, &os, e)))
            return rc;
        if (fgrow(&m->img, (size_t)wp * hp * 3) || fgrow(&m->rs, fau_resize_scratch_floats(W, wp)))
            return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
        fau_resize_src s = {bgr, stride, W, H, 0, 0, W, H};
        fau_resize_bgr(&s, wp, hp, m->img.p, m->rs.p);
        normalise_split(m->img.p, wp, hp, m->input.p);
        fau_cnn_shape in = {3, hp, wp};
        const float *out = fau_cnn_run(&m->pnet, m->input.p, in, m->act0.p, m->act1.p, m->col.p, &os);
        const size_t plane = (size_t)os.h * os.w;
        /* generate_bounding_boxes: column-major scan of the heat map,
         * prob = 1 / (1 + cv::exp(out0 - out1)) in float. */
        m->scale.n = 0;
        for (int x = 0; x < os.w; x++) {
            for (int y = 0; y < os.h; y++) {
                const size_t at = (size_t)y * os.w + x;
                float ex = cv_expf(m->exptab, out[at] - out[plane + at]);
                float prob = 1.0f / (1.0f + ex);
                if (prob >= pp->t1) {
                    cand c;
                    float x0 = (float)(int)((2 * x + 1) / scale);
                    float x1 = (float)(int)((2 * x + face_support) / scale);
                    float y0 = (float)(int)((2 * y + 1) / scale);
                    float y1 = (float)(int)((2 * y + face_support) / scale);
                    c.box.x = x0;
                    c.box.y = y0;
                    c.box.width = x1 - x0;
                    c.box.height = y1 - y0;
                    c.score = prob;
                    for (int k = 0; k < 4; k++)
                        c.reg[k] = out[(size_t)(2 + k) * plane + at];
                    if (cpush(&m->scale, &c))
                        return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
                }
            }
        }
        if (nms(m, &m->scale, 0.5f, 0))
            return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
        trace_all(pp, FAU_MTCNN_PNET_SCALE, &m->scale, i, scale, 1);
        for (size_t k = 0; k < m->scale.n; k++)
            if (cpush(&m->all, &m->scale.p[k]))
                return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
    }

    if (nms(m, &m->all, 0.7f, 0))
        return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
    trace_all(pp, FAU_MTCNN_PNET_NMS, &m->all, -1, NAN, 1);
    apply_correction(&m->all, 0);
    rectify(&m->all);
    trace_all(pp, FAU_MTCNN_RNET_IN, &m->all, -1, NAN, 0);

    /* RNet */
    if ((rc = score_candidates(m, &m->rnet, 24, bgr, W, H, stride, pp->t2, e)))
        return rc;
    if (nms(m, &m->all, 0.7f, 0))
        return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
    trace_all(pp, FAU_MTCNN_RNET_NMS, &m->all, -1, NAN, 1);
    apply_correction(&m->all, 0);
    rectify(&m->all);
    trace_all(pp, FAU_MTCNN_ONET_IN, &m->all, -1, NAN, 0);

    /* ONet */
    if ((rc = score_candidates(m, &m->onet, 48, bgr, W, H, stride, pp->t3, e)))
        return rc;
    apply_correction(&m->all, 1);
    if (nms(m, &m->all, 0.7f, 1))
        return fau_error_set(e, FAU_ENOMEM, "MTCNN: out of memory");
    trace_all(pp, FAU_MTCNN_ONET, &m->all, -1, NAN, 1);

    /* Correction to a box tight around the landmarks (double arithmetic,
     * stored as float). */
    for (size_t k = 0; k < m->all.n; k++) {
        fau_face_box *b = &m->all.p[k].box;
        b->x = (float)(b->width * -0.0075 + b->x);
        b->y = (float)(b->height * 0.2459 + b->y);
        b->width = (float)(1.0323 * b->width);
        b->height = (float)(0.7751 * b->height);
    }
    trace_all(pp, FAU_MTCNN_FINAL, &m->all, -1, NAN, 0);
    for (size_t k = 0; k < m->all.n && (int)k < max_boxes; k++) {
        boxes[k] = m->all.p[k].box;
        if (confidences)
            confidences[k] = m->all.p[k].score;
    }
    *n_out = (int)m->all.n;
    return FAU_OK;
}

int fau_mtcnn_select(const fau_face_box *b, int n, int pref_x, int pref_y)
{
    if (n <= 0 || !b)
        return -1;
    const int use_pref = pref_x != -1 && pref_y != -1;
    /* float arithmetic as in DetectSingleFaceMTCNN (int point, float box) */
#define DIST(i)                                                                                   \
    sqrtf(((float)pref_x - (b[i].width / 2 + b[i].x)) * ((float)pref_x - (b[i].width / 2 + b[i].x)) + \
          ((float)pref_y - (b[i].height / 2 + b[i].y)) * ((float)pref_y - (b[i].height / 2 + b[i].y)))
    float best = use_pref ? DIST(0) : b[0].width;
    int best_i = 0;
    for (int i = 1; i < n; i++) {
        float d = use_pref ? DIST(i) : b[i].width;
        int better = use_pref ? d < best : d > best;
        if (better) {
            best = d;
            best_i = i;
        }
    }
#undef DIST
    return best_i;
}
