/* CLNF fitting: Patch_experts::Response, CLNF::NU_RLMS, CLNF::Fit and
 * CLNF::DetectLandmarks of OpenFace 2.2 (see clnf_fit.h).
 *
 * Arithmetic follows OpenFace's types: float where it keeps cv::Mat_<float>,
 * double where OpenCV's small cv::gemm products accumulate in double, and
 * OpenBLAS's summation order (fau_sgemm_openblas) for the Hessian, which
 * OpenFace hands to sgemm_. */
#include "landmarks/clnf_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "align/align.h"
#include "core/mem.h"
#include "detect/sgemm_openblas.h"
#include "kernels/sgemm_small.h"
#include "landmarks/ccnf_response.h"
#include "landmarks/pdm_ops.h"
#include "landmarks/validator_check.h"

#define KDE_STEP 0.1f

/* A Sigma matrix of one expert for one window size (computed on first use,
 * as CCNF_patch_expert::ComputeSigmas caches it). */
typedef struct sigma_slot {
    int window_size; /* 0: not computed */
    float *sigma;
} sigma_slot;

/* NonVectorisedMeanShift_precalc_kde's table for one window size: the
 * Gaussian KDE weights of every response cell for every 0.1-pixel offset. */
typedef struct kde_table {
    int window_size;
    float a; /* -0.5 / sigma^2 it was made with */
    int steps; /* offsets per axis: window_size / 0.1 */
    float *tab; /* steps^2 rows x window_size^2 */
} kde_table;

#define KDE_MAX 8

/* What one CLNF (main or part) keeps between fits. */
typedef struct model_cache {
    const fau_clnf_model *m;
    int max_views;
    sigma_slot *sigmas; /* n_scales x max_views x n_points */
    kde_table kde[KDE_MAX];
    int n_kde;
} model_cache;

struct fau_clnf_fitter {
    const fau_landmark_models *models;
    model_cache main;
    model_cache parts[FAU_CLNF_MAX_PARTS];
    fau_clnf_trace_fn trace;
    void *trace_user;
    /* scratch, grown on demand and reused */
    float *resp;        /* n_points x ws^2 responses */
    size_t resp_cap;
    float *area;        /* one area of interest */
    size_t area_cap;
    float *ccnf_scratch;
    size_t ccnf_cap;
    double *sigma_scratch;
    size_t sigma_scratch_cap;
    float *J, *JWt, *H;  /* 2n x k, k x 2n, k x k */
    float *validator_scratch;
    void *calc_ws;       /* PDM::CalcParams workspace for the largest PDM */
    double validator_s;  /* time spent in the validator, for benchmarks */
    int use_fma;         /* OpenBLAS's fused order through FMA instructions */
    fau_sgemm_fn sgemm;  /* the Hessian's product, OpenBLAS's order */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double fau_clnf_fitter_validator_seconds(const fau_clnf_fitter *f)
{
    return f->validator_s;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                         */
/* ------------------------------------------------------------------ */

void fau_clnf_params_main(fau_clnf_params *p, int small)
{
    /* FaceModelParameters::init (LandmarkDetectorParameters.cpp) */
    memset(p, 0, sizeof *p);
    static const int init_ws[4] = {11, 9, 7, 5}, small_ws[4] = {0, 9, 7, 0};
    p->n_windows = 4;
    for (int i = 0; i < 4; i++)
        p->window_sizes[i] = small ? small_ws[i] : init_ws[i];
    p->reg_factor = 25.0f;
    p->sigma = 1.5f;
    p->weight_factor = 0.0f;
    p->num_iterations = 5;
    p->refine_parameters = 1;
    p->refine_hierarchical = 1;
    p->validate = 1;
    p->validation_boundary = 0.725f;
}

/* The FaceModelParameters CLNF::Read gives a part model. */
static void part_params(const fau_clnf_part *part, fau_clnf_params *p)
{
    memset(p, 0, sizeof *p);
    p->n_windows = part->n_windows;
    for (int i = 0; i < part->n_windows; i++)
        p->window_sizes[i] = part->window_sizes[i];
    p->reg_factor = part->reg_factor;
    p->sigma = part->sigma;
    p->weight_factor = part->weight_factor;
    p->num_iterations = 5;
}

/* ------------------------------------------------------------------ */
/* Fitter                                                             */
/* ------------------------------------------------------------------ */

static int cache_init(model_cache *c, const fau_clnf_model *m)
{
    c->m = m;
    c->max_views = 0;
    for (int s = 0; s < m->n_scales; s++)
        if (m->scales[s].n_views > c->max_views)
            c->max_views = m->scales[s].n_views;
    size_t n = (size_t)m->n_scales * (size_t)c->max_views * (size_t)m->n_points;
    c->sigmas = n ? calloc(n, sizeof *c->sigmas) : NULL;
    return n && !c->sigmas ? FAU_ENOMEM : FAU_OK;
}

static void cache_free(model_cache *c)
{
    if (c->sigmas) {
        size_t n = (size_t)c->m->n_scales * (size_t)c->max_views * (size_t)c->m->n_points;
        for (size_t i = 0; i < n; i++)
            fau_aligned_free(c->sigmas[i].sigma);
        free(c->sigmas);
    }
    for (int i = 0; i < c->n_kde; i++)
        fau_aligned_free(c->kde[i].tab);
    memset(c, 0, sizeof *c);
}

int fau_clnf_fitter_create(fau_clnf_fitter **out, const fau_landmark_models *models, fau_error *e)
{
    *out = NULL;
    fau_clnf_fitter *f = calloc(1, sizeof *f);
    if (!f)
        return fau_error_set(e, FAU_ENOMEM, "out of memory creating the landmark fitter");
    f->models = models;
    f->use_fma = fau_sgemm_fma_allowed();
    f->sgemm = fau_sgemm_small_for(f->use_fma ? FAU_SIMD_AVX2 : FAU_SIMD_SCALAR);
    int rc = cache_init(&f->main, &models->main);
    for (int i = 0; !rc && i < models->n_parts; i++)
        rc = cache_init(&f->parts[i], &models->parts[i].model);
    /* the largest model sets the Jacobian and Hessian sizes */
    int max_n = models->main.n_points, max_k = 6 + models->main.pdm->n_modes;
    for (int i = 0; i < models->n_parts; i++) {
        const fau_pdm *p = models->parts[i].model.pdm;
        if (p->n_points > max_n)
            max_n = p->n_points;
        if (6 + p->n_modes > max_k)
            max_k = 6 + p->n_modes;
    }
    if (max_n > FAU_CLNF_MAX_POINTS || max_k - 6 > FAU_CLNF_MAX_MODES)
        rc = FAU_EUNSUPPORTED;
    size_t calc = fau_pdm_calc_params_workspace(models->main.pdm);
    for (int i = 0; i < models->n_parts; i++) {
        size_t c = fau_pdm_calc_params_workspace(models->parts[i].model.pdm);
        if (c > calc)
            calc = c;
    }
    if (!rc) {
        f->calc_ws = fau_aligned_alloc(calc);
        f->J = fau_aligned_alloc((size_t)2 * max_n * max_k * sizeof(float));
        f->JWt = fau_aligned_alloc((size_t)2 * max_n * max_k * sizeof(float));
        f->H = fau_aligned_alloc((size_t)max_k * max_k * sizeof(float));
        if (models->has_validator)
            f->validator_scratch =
                fau_aligned_alloc(fau_validator_scratch_floats(&models->validator) * sizeof(float));
        if (!f->calc_ws || !f->J || !f->JWt || !f->H || (models->has_validator && !f->validator_scratch))
            rc = FAU_ENOMEM;
    }
    if (rc) {
        fau_clnf_fitter_destroy(&f);
        if (rc == FAU_EUNSUPPORTED)
            return fau_error_set(e, rc, "landmark model too large (%d points, %d modes)", max_n,
                                 max_k - 6);
        return fau_error_set(e, FAU_ENOMEM, "out of memory creating the landmark fitter");
    }
    *out = f;
    return FAU_OK;
}

void fau_clnf_fitter_destroy(fau_clnf_fitter **pf)
{
    fau_clnf_fitter *f = *pf;
    if (!f)
        return;
    cache_free(&f->main);
    for (int i = 0; i < FAU_CLNF_MAX_PARTS; i++)
        if (f->parts[i].m)
            cache_free(&f->parts[i]);
    fau_aligned_free(f->resp);
    fau_aligned_free(f->area);
    fau_aligned_free(f->ccnf_scratch);
    fau_aligned_free(f->sigma_scratch);
    fau_aligned_free(f->J);
    fau_aligned_free(f->JWt);
    fau_aligned_free(f->H);
    fau_aligned_free(f->validator_scratch);
    fau_aligned_free(f->calc_ws);
    free(f);
    *pf = NULL;
}

void fau_clnf_fitter_set_trace(fau_clnf_fitter *f, fau_clnf_trace_fn fn, void *user)
{
    f->trace = fn;
    f->trace_user = user;
}

/* Grows a scratch buffer to at least n elements of size sz (kept for reuse). */
static int grow(void **buf, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return FAU_OK;
    void *p = fau_aligned_alloc(n * sz);
    if (!p)
        return FAU_ENOMEM;
    fau_aligned_free(*buf);
    *buf = p;
    *cap = n;
    return FAU_OK;
}

/* ------------------------------------------------------------------ */
/* Patch responses                                                    */
/* ------------------------------------------------------------------ */

/* cv::warpAffine(float image, area, sim, size, WARP_INVERSE_MAP |
 * INTER_LINEAR), constant border 0, sampling the 8-bit grey image (its
 * float conversion is exact). Source positions are snapped to 1/32 pixel
 * through warpAffine's 10-bit fixed-point offsets; remapBilinear blends
 * with float weights (1-fy)(1-fx), (1-fy)fx, fy(1-fx), fy fx, summed in
 * that order. */
/* Widest area of interest: the largest window plus the largest support. */
#define AREA_MAX (FAU_CCNF_MAX_WINDOW + FAU_CCNF_MAX_SUPPORT)

static void warp_area(const uint8_t *img, int w, int h, size_t stride, const float sim[6],
                      float *out, int ow, int oh)
{
    enum { AB_BITS = 10, AB_SCALE = 1 << AB_BITS, INTER_BITS = 5, TAB = 1 << INTER_BITS };
    const double M0 = sim[0], M1 = sim[1], M2 = sim[2], M3 = sim[3], M4 = sim[4], M5 = sim[5];
    const int round_delta = AB_SCALE / TAB / 2;
    /* warpAffine's per-column offsets, computed once per area */
    int adelta[AREA_MAX], bdelta[AREA_MAX];
    for (int x = 0; x < ow; x++) {
        adelta[x] = (int)lrint(M0 * x * AB_SCALE);
        bdelta[x] = (int)lrint(M3 * x * AB_SCALE);
    }
    for (int y = 0; y < oh; y++) {
        const int X0 = (int)lrint((M1 * y + M2) * AB_SCALE) + round_delta;
        const int Y0 = (int)lrint((M4 * y + M5) * AB_SCALE) + round_delta;
        float *o = out + (size_t)y * ow;
        for (int x = 0; x < ow; x++) {
            const int X = (X0 + adelta[x]) >> (AB_BITS - INTER_BITS);
            const int Y = (Y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
            const int sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
            const float fx = (float)(X & (TAB - 1)) * (1.0f / TAB);
            const float fy = (float)(Y & (TAB - 1)) * (1.0f / TAB);
            const float w0 = (1.f - fy) * (1.f - fx), w1 = (1.f - fy) * fx, w2 = fy * (1.f - fx),
                        w3 = fy * fx;
            float v0, v1, v2, v3;
            if ((unsigned)sx < (unsigned)(w - 1) && (unsigned)sy < (unsigned)(h - 1)) {
                const uint8_t *p = img + (size_t)sy * stride + sx;
                v0 = p[0], v1 = p[1], v2 = p[stride], v3 = p[stride + 1];
            } else if (sx >= w || sx + 1 < 0 || sy >= h || sy + 1 < 0) {
                o[x] = 0.0f;
                continue;
            } else {
                const int x0 = sx >= 0 && sx < w, x1 = sx + 1 >= 0 && sx + 1 < w;
                const int y0 = sy >= 0 && sy < h, y1 = sy + 1 >= 0 && sy + 1 < h;
                const uint8_t *r0 = img + (size_t)(y0 ? sy : 0) * stride;
                const uint8_t *r1 = img + (size_t)(y1 ? sy + 1 : 0) * stride;
                v0 = x0 && y0 ? r0[sx] : 0.0f;
                v1 = x1 && y0 ? r0[sx + 1] : 0.0f;
                v2 = x0 && y1 ? r1[sx] : 0.0f;
                v3 = x1 && y1 ? r1[sx + 1] : 0.0f;
            }
            o[x] = v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3;
        }
    }
}

/* tmp: 15n floats. The similarity between the image and the reference shape (the PDM at
 * patch_scaling, no rotation): AlignShapesWithScale(image, reference) and
 * its inverse (cv::Matx22f::inv, the closed 2x2 form in float). */
static void reference_similarity(const fau_pdm *pdm, const float *lm, const float *local,
                                 double patch_scaling, float img_to_ref[4], float ref_to_img[4],
                                 float *tmp)
{
    const int n = pdm->n_points;
    float *ref = tmp, *s3 = ref + 2 * n, *a = s3 + 3 * n, *b = a + 2 * n, *t0 = b + 2 * n,
          *t1 = t0 + 2 * n, *t2 = t1 + 2 * n;
    const float g_ref[6] = {(float)patch_scaling, 0, 0, 0, 0, 0};
    fau_pdm_shape2d(pdm, local, g_ref, ref, s3);
    for (int i = 0; i < n; i++) {
        a[2 * i] = lm[i], a[2 * i + 1] = lm[i + n];
        b[2 * i] = ref[i], b[2 * i + 1] = ref[i + n];
    }
    fau_align_shapes_with_scale(a, b, n, t0, t1, t2, img_to_ref);
    const float *A = img_to_ref;
    float d = A[0] * A[3] - A[1] * A[2];
    if (d == 0) {
        /* OpenCV leaves the matrix unset (zeros) when it is singular */
        memset(ref_to_img, 0, 4 * sizeof(float));
        return;
    }
    d = 1 / d;
    ref_to_img[3] = A[0] * d;
    ref_to_img[0] = A[3] * d;
    ref_to_img[1] = -A[1] * d;
    ref_to_img[2] = -A[2] * d;
}

static int sigma_for(fau_clnf_fitter *f, model_cache *c, int scale, int view, int point, int ws,
                     const float **out, fau_error *e)
{
    const fau_clnf_model *m = c->m;
    sigma_slot *slot =
        &c->sigmas[((size_t)scale * c->max_views + view) * (size_t)m->n_points + point];
    if (slot->window_size == ws) {
        *out = slot->sigma;
        return FAU_OK;
    }
    const size_t d = (size_t)ws * ws;
    if (!slot->sigma || slot->window_size < ws) {
        fau_aligned_free(slot->sigma);
        slot->sigma = fau_aligned_alloc(d * d * sizeof(float));
        if (!slot->sigma) {
            slot->window_size = 0;
            return fau_error_set(e, FAU_ENOMEM, "out of memory for patch expert Sigma");
        }
    }
    if (grow((void **)&f->sigma_scratch, &f->sigma_scratch_cap, fau_ccnf_sigma_scratch(ws),
             sizeof(double)))
        return fau_error_set(e, FAU_ENOMEM, "out of memory for patch expert Sigma");
    const fau_ccnf_window *win = fau_ccnf_sigma_window(&m->scales[m->sigma_scale], ws);
    const fau_ccnf_expert *x = fau_ccnf_expert_at(&m->scales[scale], view, point);
    int rc = fau_ccnf_sigma(x, win, ws, slot->sigma, f->sigma_scratch);
    if (rc) {
        slot->window_size = 0;
        return fau_error_set(e, rc, "%s: patch expert %d (scale %d, view %d) has no valid Sigma",
                             m->rel_path, point, scale, view);
    }
    slot->window_size = ws;
    *out = slot->sigma;
    return FAU_OK;
}

/* Patch_experts::Response: the responses of every visible landmark's
 * expert (f->resp, ws^2 each) around the current shape lm. */
static int patch_responses(fau_clnf_fitter *f, model_cache *c, const uint8_t *img, int w, int h,
                           size_t stride, const float *lm, const float *local, int scale,
                           int view, int ws, const float ref_to_img[4], fau_error *e)
{
    const fau_clnf_model *m = c->m;
    const fau_ccnf_patches *P = &m->scales[scale];
    const int n = m->n_points;
    const size_t cells = (size_t)ws * ws;
    if (grow((void **)&f->resp, &f->resp_cap, cells * n, sizeof(float)))
        return fau_error_set(e, FAU_ENOMEM, "out of memory for patch responses");
    const float a1 = ref_to_img[0], b1 = -ref_to_img[1];
    for (int i = 0; i < n; i++) {
        float *resp = f->resp + cells * i;
        if (!P->visibility[(size_t)view * n + i]) {
            memset(resp, 0, cells * sizeof(float));
            continue;
        }
        const fau_ccnf_expert *x = fau_ccnf_expert_at(P, view, i);
        const int aw = ws + x->width - 1, ah = ws + x->height - 1;
        if (aw > AREA_MAX)
            return fau_error_set(e, FAU_EUNSUPPORTED, "%s: search area %d px too wide",
                                 m->rel_path, aw);
        if (grow((void **)&f->area, &f->area_cap, (size_t)aw * ah, sizeof(float)) ||
            grow((void **)&f->ccnf_scratch, &f->ccnf_cap, fau_ccnf_response_scratch(x, ws),
                 sizeof(float)))
            return fau_error_set(e, FAU_ENOMEM, "out of memory for patch responses");
        /* the area is centred on the landmark (OpenFace uses the width for
         * both offsets) */
        const float half = (aw - 1.0f) / 2.0f;
        const float sim[6] = {a1, -b1, lm[i] - a1 * half + b1 * half,
                              b1, a1,  lm[i + n] - a1 * half - b1 * half};
        warp_area(img, w, h, stride, sim, f->area, aw, ah);
        const float *sigma = NULL;
        int rc = sigma_for(f, c, scale, view, i, ws, &sigma, e);
        if (rc)
            return rc;
        fau_ccnf_response_fma(x, sigma, f->area, (size_t)aw, ws, f->ccnf_scratch, resp, f->use_fma);
    }
    return FAU_OK;
}

/* ------------------------------------------------------------------ */
/* NU-RLMS                                                            */
/* ------------------------------------------------------------------ */

static const kde_table *kde_for(model_cache *c, int ws, float a, fau_error *e)
{
    /* OpenFace keys the table by window size only and keeps the first one
     * made; sigma is fixed per window size for a model, so a is too. */
    for (int i = 0; i < c->n_kde; i++)
        if (c->kde[i].window_size == ws && c->kde[i].a == a)
            return &c->kde[i];
    if (c->n_kde == KDE_MAX) {
        fau_error_set(e, FAU_EUNSUPPORTED, "too many window sizes");
        return NULL;
    }
    kde_table *k = &c->kde[c->n_kde];
    const int steps = (int)((float)ws / KDE_STEP);
    const size_t cells = (size_t)ws * ws;
    k->tab = fau_aligned_alloc((size_t)steps * steps * cells * sizeof(float));
    if (!k->tab) {
        fau_error_set(e, FAU_ENOMEM, "out of memory for the KDE table");
        return NULL;
    }
    float *t = k->tab;
    for (int x = 0; x < steps; x++) {
        const float dx = x * KDE_STEP;
        for (int y = 0; y < steps; y++) {
            const float dy = y * KDE_STEP;
            for (int ii = 0; ii < ws; ii++) {
                const float vx = (dy - ii) * (dy - ii);
                for (int jj = 0; jj < ws; jj++) {
                    const float vy = (dx - jj) * (dx - jj);
                    *t++ = (float)exp((double)(a * (vx + vy)));
                }
            }
        }
    }
    k->window_size = ws;
    k->a = a;
    k->steps = steps;
    c->n_kde++;
    return k;
}

/* NonVectorisedMeanShift_precalc_kde for one landmark. */
static void mean_shift(const kde_table *k, const float *resp, int ws, float dx, float dy,
                       float *msx, float *msy)
{
    if (dx < 0)
        dx = 0;
    if (dy < 0)
        dy = 0;
    if (dx > ws - KDE_STEP)
        dx = ws - KDE_STEP;
    if (dy > ws - KDE_STEP)
        dy = ws - KDE_STEP;
    const int col = (int)(dy / KDE_STEP + 0.5), row = (int)(dx / KDE_STEP + 0.5);
    const int steps = (int)((float)ws / KDE_STEP + 0.5);
    const float *kde = k->tab + ((size_t)row * steps + col) * (size_t)ws * ws;
    float mx = 0, my = 0, sum = 0;
    for (int ii = 0; ii < ws; ii++)
        for (int jj = 0; jj < ws; jj++) {
            const float v = *resp++ * *kde++;
            sum += v;
            mx += v * jj;
            my += v * ii;
        }
    *msx = mx / sum - dx;
    *msy = my / sum - dy;
}

/* cv::norm(a, b): L2 of the float differences, squares summed in double. */
static float shape_dist(const float *a, const float *b, int len)
{
    double s = 0;
    for (int i = 0; i < len; i++) {
        const double d = (double)(a[i] - b[i]);
        s += d * d;
    }
    return (float)sqrt(s);
}

/* PDM::Clamp: local parameters within 3 standard deviations. */
static void clamp_local(const fau_pdm *pdm, float *local)
{
    for (int j = 0; j < pdm->n_modes; j++) {
        /* float n_sigmas * sqrt(float): the unqualified sqrt is the C double
         * one with OpenFace's includes, so the product is a double */
        const float v = (float)(3.0f * sqrt((double)pdm->eigen_values[j]));
        if (fabsf(local[j]) > v)
            local[j] = local[j] > 0.0f ? v : -v;
    }
}

typedef struct rlms_in {
    const float *base_shape;   /* landmarks the responses are centred on */
    float img_to_ref[4], ref_to_img[4];
    int ws, view, scale;
    float reg_factor, sigma, weight_factor;
    int iterations;
} rlms_in;

/* CLNF::NU_RLMS: one rigid or non-rigid optimisation from (global,
 * local), updated in place. Returns the log-likelihood when compute_lhood. */
static int nu_rlms(fau_clnf_fitter *f, model_cache *c, const rlms_in *in, int rigid,
                   int compute_lhood, float *global, float *local, float *lhood_out, fau_error *e)
{
    const fau_clnf_model *m = c->m;
    const fau_pdm *pdm = m->pdm;
    const fau_ccnf_patches *P = &m->scales[in->scale];
    const int n = pdm->n_points, nm = pdm->n_modes, k = rigid ? 6 : 6 + nm, ws = in->ws;
    const int32_t *vis = P->visibility + (size_t)in->view * n;
    const size_t cells = (size_t)ws * ws;

    /* GetWeightMatrix: diagonal, weight_factor * patch confidence, or I */
    float wdiag[FAU_CLNF_MAX_POINTS];
    for (int i = 0; i < n; i++) {
        if (in->weight_factor > 0) {
            const float conf = (float)(0.0f + fau_ccnf_expert_at(P, in->view, i)->patch_confidence);
            wdiag[i] = in->weight_factor * conf;
        } else {
            wdiag[i] = 1.0f;
        }
    }
    float reg[6 + FAU_CLNF_MAX_MODES] = {0};
    if (!rigid)
        for (int j = 0; j < nm; j++)
            reg[6 + j] = in->reg_factor / pdm->eigen_values[j];

    const float a = (float)(-0.5 / (double)(in->sigma * in->sigma));
    const kde_table *kde = kde_for(c, ws, a, e);
    if (!kde)
        return e->code;

    float cur[2 * FAU_CLNF_MAX_POINTS], prev[2 * FAU_CLNF_MAX_POINTS];
    float s3[3 * FAU_CLNF_MAX_POINTS], ms[2 * FAU_CLNF_MAX_POINTS];
    float dxs[FAU_CLNF_MAX_POINTS], dys[FAU_CLNF_MAX_POINTS];
    float Jm[6 + FAU_CLNF_MAX_MODES], delta[6 + FAU_CLNF_MAX_MODES];
    float *J = f->J, *JWt = f->JWt, *H = f->H;
    const float *A = in->img_to_ref, *B = in->ref_to_img;
    const int half = (ws - 1) / 2;
    int have_dx = 0;

    for (int iter = 0; iter < in->iterations; iter++) {
        fau_pdm_shape2d(pdm, local, global, cur, s3);
        if (iter > 0 && shape_dist(cur, prev, 2 * n) < 0.01f)
            break;
        memcpy(prev, cur, 2 * n * sizeof(float));

        if (rigid)
            fau_pdm_rigid_jacobian(pdm, local, global, J, s3);
        else
            fau_pdm_jacobian(pdm, local, global, J, s3);
        /* J_w_t = (W J)^T; for W = I ComputeJacobian transposes J itself
         * (the same values) */
        for (int r = 0; r < 2 * n; r++) {
            const float wv = wdiag[r % n];
            for (int j = 0; j < k; j++)
                JWt[(size_t)j * 2 * n + r] = J[(size_t)r * k + j] * wv;
        }

        /* offsets of the current shape from the response centres, in the
         * reference frame: (cur - base) * img_to_ref^T (double sums) */
        for (int i = 0; i < n; i++) {
            const float ox = cur[i] - in->base_shape[i], oy = cur[i + n] - in->base_shape[i + n];
            const float offx = (float)((double)ox * A[0] + (double)oy * A[1]);
            const float offy = (float)((double)ox * A[2] + (double)oy * A[3]);
            dxs[i] = offx + half;
            dys[i] = offy + half;
        }
        have_dx = 1;
        for (int i = 0; i < n; i++) {
            if (!vis[i]) {
                ms[i] = ms[i + n] = 0;
                continue;
            }
            mean_shift(kde, f->resp + cells * i, ws, dxs[i], dys[i], &ms[i], &ms[i + n]);
        }
        /* back to the image frame: ms * ref_to_img^T */
        for (int i = 0; i < n; i++) {
            const float mx = ms[i], my = ms[i + n];
            ms[i] = (float)((double)mx * B[0] + (double)my * B[1]);
            ms[i + n] = (float)((double)mx * B[2] + (double)my * B[3]);
        }
        /* invisible landmarks do not take part */
        for (int i = 0; i < n; i++) {
            if (vis[i])
                continue;
            memset(J + (size_t)i * k, 0, k * sizeof(float));
            memset(J + (size_t)(i + n) * k, 0, k * sizeof(float));
            for (int j = 0; j < k; j++)
                JWt[(size_t)j * 2 * n + i] = JWt[(size_t)j * 2 * n + i + n] = 0;
            ms[i] = ms[i + n] = 0;
        }
        /* J_w_t * mean_shifts (cv::gemm), minus the regularisation of the
         * non-rigid parameters (one gemm with alpha -1, beta 1: one rounding) */
        fau_cv_gemv(JWt, k, 2 * n, (size_t)2 * n, ms, Jm);
        if (!rigid)
            for (int j = 0; j < nm; j++)
                Jm[6 + j] = (float)((double)Jm[6 + j] - (double)reg[6 + j] * local[j]);
        /* Hessian = regTerm + J_w_t * J, through sgemm_ as OpenFace */
        memset(H, 0, (size_t)k * k * sizeof(float));
        for (int j = 0; j < k; j++)
            H[j * k + j] = reg[j];
        f->sgemm(k, k, 2 * n, 1.0f, J, k, JWt, 2 * n, 1.0f, H, k);
        /* cv::solve(DECOMP_CHOLESKY); a failed solve leaves a zero update */
        memcpy(delta, Jm, (size_t)k * sizeof(float));
        if (fau_cv_cholesky_solve(H, k, delta) != 0)
            memset(delta, 0, (size_t)k * sizeof(float));
        fau_pdm_update_params(pdm, delta, k, local, global);
        clamp_local(pdm, local);
    }

    if (compute_lhood && have_dx) {
        /* the likelihood of the responses under the KDE at the last offsets */
        float lhood = 0;
        int n_vis = 0;
        const double s2 = (double)(in->sigma * in->sigma);
        for (int i = 0; i < n; i++) {
            if (!vis[i])
                continue;
            n_vis++;
            const float dx = dxs[i], dy = dys[i];
            const float *p = f->resp + cells * i;
            float sum = 0;
            for (int ii = 0; ii < ws; ii++) {
                const float vx = (dy - ii) * (dy - ii);
                for (int jj = 0; jj < ws; jj++) {
                    const float vy = (dx - jj) * (dx - jj);
                    float v = *p++;
                    v = (float)(v * exp(-0.5 * (double)(vx + vy) / s2));
                    sum += v;
                }
            }
            lhood += (float)log(sum + 1e-8);
        }
        *lhood_out = n_vis ? (float)(lhood / (double)n_vis) : lhood;
    } else if (compute_lhood) {
        *lhood_out = 0;
    }
    return FAU_OK;
}

/* ------------------------------------------------------------------ */
/* Fit and DetectLandmarks                                            */
/* ------------------------------------------------------------------ */

static void trace(fau_clnf_fitter *f, int part, fau_clnf_stage st, int scale, int ws, int view,
                  const fau_clnf_state *s)
{
    if (f->trace)
        f->trace(f->trace_user, part, st, scale, ws, view, s);
}

static void state_shape(const fau_pdm *pdm, fau_clnf_state *s)
{
    float s3[3 * FAU_CLNF_MAX_POINTS];
    fau_pdm_shape2d(pdm, s->local, s->global, s->landmarks, s3);
}

/* CLNF::Fit. Returns 1 on success, 0 when the face is too small. */
static int clnf_fit(fau_clnf_fitter *f, model_cache *c, int part, const uint8_t *img, int w,
                    int h, size_t stride, const fau_clnf_params *prm, fau_clnf_state *s,
                    fau_error *e, int *rc_out)
{
    const fau_clnf_model *m = c->m;
    const fau_pdm *pdm = m->pdm;
    const int n_scales = m->n_scales;
    float base[2 * FAU_CLNF_MAX_POINTS], tmp[15 * FAU_CLNF_MAX_POINTS];
    *rc_out = FAU_OK;
    if (f->trace) {
        state_shape(pdm, s);
        trace(f, part, FAU_CLNF_START, -1, -1, -1, s);
    }
    for (int scale = 0; scale < n_scales; scale++) {
        const int ws = scale < prm->n_windows ? prm->window_sizes[scale] : 0;
        if (ws == 0)
            continue;
        const fau_ccnf_patches *P = &m->scales[scale];
        const int view = fau_ccnf_view_index(P, s->global);
        rlms_in in;
        memset(&in, 0, sizeof in);
        fau_pdm_shape2d(pdm, s->local, s->global, base, tmp);
        reference_similarity(pdm, base, s->local, P->patch_scaling, in.img_to_ref, in.ref_to_img,
                             tmp);
        int rc = patch_responses(f, c, img, w, h, stride, base, s->local, scale, view, ws,
                                 in.ref_to_img, e);
        if (rc) {
            *rc_out = rc;
            return 0;
        }
        in.base_shape = base;
        in.ws = ws;
        in.view = view;
        in.scale = scale;
        in.iterations = prm->num_iterations;
        in.reg_factor = prm->reg_factor;
        in.sigma = prm->sigma;
        in.weight_factor = prm->weight_factor;
        if (prm->refine_parameters) {
            /* less regularisation, wider KDE at finer scales */
            const int smax = scale >= 2 ? 2 : scale;
            const double l2 = log(m->scales[smax].patch_scaling / 0.25) / log(2);
            in.reg_factor = (float)(prm->reg_factor - 15 * l2);
            if (in.reg_factor <= 0)
                in.reg_factor = 0.001f;
            in.sigma = (float)(prm->sigma + 0.25 * l2);
            in.weight_factor = (float)(prm->weight_factor + 2 * prm->weight_factor * l2);
        }
        s->view_used = view;
        float lh = 0;
        if ((rc = nu_rlms(f, c, &in, 1, 0, s->global, s->local, &lh, e))) {
            *rc_out = rc;
            return 0;
        }
        if (f->trace) {
            state_shape(pdm, s);
            trace(f, part, FAU_CLNF_RIGID, scale, ws, view, s);
        }
        const int last = scale == n_scales - 1 ||
                         (scale + 1 < prm->n_windows ? prm->window_sizes[scale + 1] : 0) == 0 ||
                         s->global[0] < 0.30f;
        if ((rc = nu_rlms(f, c, &in, 0, last, s->global, s->local, &lh, e))) {
            *rc_out = rc;
            return 0;
        }
        if (last)
            s->model_likelihood = lh;
        if (f->trace) {
            state_shape(pdm, s);
            trace(f, part, FAU_CLNF_SCALE, scale, ws, view, s);
        }
        /* faces under ~30 px cannot be tracked reliably */
        if (s->global[0] < 0.25f)
            return 0;
    }
    return 1;
}

/* DetectLandmarks of a model without parts or validator (a part model). */
static int detect_part(fau_clnf_fitter *f, int pi, const uint8_t *img, int w, int h,
                       size_t stride, fau_clnf_state *s, fau_error *e)
{
    fau_clnf_params prm;
    part_params(&f->models->parts[pi], &prm);
    int rc;
    s->fit_success = clnf_fit(f, &f->parts[pi], pi, img, w, h, stride, &prm, s, e, &rc);
    if (rc)
        return rc;
    state_shape(f->models->parts[pi].model.pdm, s);
    s->detection_success = s->fit_success;
    s->detection_certainty = s->fit_success ? 1.0f : 0.0f;
    trace(f, pi, FAU_CLNF_FINAL, 0, s->fit_success, s->view_used, s);
    return FAU_OK;
}

int fau_clnf_detect_landmarks(fau_clnf_fitter *f, const uint8_t *gray, int width, int height,
                              size_t stride, const fau_clnf_params *params, fau_clnf_fit *fit,
                              fau_error *e)
{
    const fau_landmark_models *M = f->models;
    const fau_pdm *pdm = M->main.pdm;
    const int n = pdm->n_points;
    fau_clnf_state *s = &fit->main;
    int rc;
    s->fit_success = clnf_fit(f, &f->main, -1, gray, width, height, stride, params, s, e, &rc);
    if (rc)
        return rc;
    state_shape(pdm, s);
    fit->n_parts = M->n_parts;

    if (params->refine_hierarchical && M->n_parts > 0) {
        int parts_used = 0;
        for (int pi = 0; pi < M->n_parts; pi++) {
            const fau_clnf_part *part = &M->parts[pi];
            const fau_pdm *ppdm = part->model.pdm;
            fau_clnf_state *ps = &fit->parts[pi];
            const int pn = ppdm->n_points;
            float locs[2 * FAU_CLNF_MAX_POINTS] = {0};
            for (int k = 0; k < part->n_map; k++) {
                locs[part->map_part[k]] = s->landmarks[part->map_main[k]];
                locs[part->map_part[k] + pn] = s->landmarks[part->map_main[k] + n];
            }
            memset(ps->local, 0, sizeof ps->local);
            fau_pdm_calc_params(ppdm, locs, NULL, ps->global, ps->local, f->calc_ws);
            state_shape(ppdm, ps);
            trace(f, pi, FAU_CLNF_PART_INIT, -1, -1, -1, ps);
            if (s->global[0] > 0.9 * part->model.scales[0].patch_scaling) {
                parts_used = 1;
                if ((rc = detect_part(f, pi, gray, width, height, stride, ps, e)))
                    return rc;
            }
        }
        if (parts_used) {
            for (int pi = 0; pi < M->n_parts; pi++) {
                const fau_clnf_part *part = &M->parts[pi];
                const int pn = part->model.pdm->n_points;
                for (int k = 0; k < part->n_map; k++) {
                    s->landmarks[part->map_main[k]] = fit->parts[pi].landmarks[part->map_part[k]];
                    s->landmarks[part->map_main[k] + n] =
                        fit->parts[pi].landmarks[part->map_part[k] + pn];
                }
            }
            fau_pdm_calc_params(pdm, s->landmarks, NULL, s->global, s->local, f->calc_ws);
            state_shape(pdm, s);
        }
        trace(f, -1, FAU_CLNF_HIER, parts_used, -1, -1, s);
    }

    int validated = 0;
    if (params->validate && s->fit_success && M->has_validator) {
        const double orient[3] = {s->global[1], s->global[2], s->global[3]};
        const double t0 = now_s();
        s->detection_certainty = fau_validator_check(&M->validator, orient, gray, width, height,
                                                     stride, s->landmarks, f->validator_scratch,
                                                     NULL);
        s->detection_success = s->detection_certainty > params->validation_boundary;
        f->validator_s += now_s() - t0;
        validated = 1;
    } else {
        s->detection_success = s->fit_success;
        s->detection_certainty = s->fit_success ? 1.0f : 0.0f;
    }
    trace(f, -1, FAU_CLNF_FINAL, validated, s->fit_success, s->view_used, s);
    return FAU_OK;
}
