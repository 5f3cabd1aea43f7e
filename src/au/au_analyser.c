/* Port of FaceAnalysis::FaceAnalyser's per-frame and end-of-video work
 * (FaceAnalyser.cpp): AddNextFrame, UpdateRunningMedian, PredictCurrentAUs,
 * PredictCurrentAUsClass, PostprocessPredictions,
 * ExtractAllPredictionsOfflineReg / Class and
 * PredictStaticAUsAndComputeFeatures.
 *
 * Differences on purpose (same numbers, less work):
 * - Prediction is linear, so instead of keeping the 4702 features of the
 *   first 3000 successful frames for PostprocessPredictions we keep each
 *   frame's W^T f + bias and subtract W^T median at the end.
 * - The running medians are tracked incrementally per histogram row (the
 *   median bin moves by at most a few bins per update) instead of
 *   re-scanning 1000 / 10000 bins per row on every update; the result is the
 *   same bin OpenFace's cumulative scan finds.
 * - Webcam-mode CorrectOnlineAUs (online = true) is not reproduced:
 *   FeatureExtraction passes online = false for files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align/align.h"
#include "align/fhog.h"
#include "au/au.h"
#include "core/mem.h"
#include "landmarks/pdm_ops.h"

#define AU_SIZE 112          /* FaceAnalyserParameters::sim_size_au */
#define AU_SCALE 0.7         /* FaceAnalyserParameters::sim_scale_au */
#define MAX_INIT_FRAMES 3000 /* FaceAnalyser::max_init_frames */



struct fau_au_analyser {
    const fau_au_models *m;
    fau_au_opts o;
    int n_models;
    /* scratch */
    void *pdm_ws, *fhog_ws;
    uint8_t *face_au, *face_out, *face_gray, *mask_au, *mask_out;
    float *hog;
    double *feat;  /* n_feat: hog then geometry */
    double *lin;   /* ld: W^T f + bias */
    double *medlin; /* ld: W^T median */
    double *median; /* n_feat: hog median (clamped) then geometry median */
    int medlin_valid;
    fau_au_median hh, gh;
    int frames_tracking, frames_tracking_succ;
    /* history */
    size_t n_frames, cap;
    double *all_reg, *all_cls; /* cap x n_reg / n_class (AU_predictions_*_all_hist) */
    uint8_t *succ;
    double *init_lin;          /* MAX_INIT_FRAMES x ld */
    int n_init;
    /* finish outputs */
    double *out_reg, *out_cls, *raw_reg, *raw_cls, *sort_buf;
    size_t out_cap;
    double offsets[FAU_AU_MAX_MODELS];
};

void fau_au_opts_default(fau_au_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dynamic = 1;
    o->out_size = 112;
    o->out_scale = 0.7;
    o->out_mask = 1;
    o->want_aligned = 1;
}

/* ------------------------------------------------------------------ */
/* Running median (FaceAnalyser::UpdateRunningMedian)                 */
/* ------------------------------------------------------------------ */

int fau_au_median_init(fau_au_median *mh, int rows, int bins, double min_val, double max_val)
{
    memset(mh, 0, sizeof *mh);
    mh->rows = rows;
    mh->bins = bins;
    mh->min_val = min_val;
    double length = max_val - min_val;
    if (length < 0)
        length = -length;
    mh->length = length;
    /* (descriptor - min_val) * num_bins / length as OpenCV's MatExpr folds
     * it: one convertTo with alpha = nb * (1/len), beta = -min*nb * (1/len). */
    mh->alpha = (double)bins * (1. / length);
    mh->beta = (-min_val * (double)bins) * (1. / length);
    size_t n;
    if (fau_mul_size((size_t)rows, (size_t)bins, &n))
        return -1;
    mh->h = fau_aligned_calloc(n, sizeof(int32_t));
    mh->pos = fau_aligned_calloc((size_t)rows, sizeof(int32_t));
    mh->cum = fau_aligned_calloc((size_t)rows, sizeof(int32_t));
    return (mh->h && mh->pos && mh->cum) ? 0 : -1;
}

void fau_au_median_free(fau_au_median *mh)
{
    fau_aligned_free(mh->h);
    fau_aligned_free(mh->pos);
    fau_aligned_free(mh->cum);
    memset(mh, 0, sizeof *mh);
}

void fau_au_median_reset(fau_au_median *mh)
{
    memset(mh->h, 0, sizeof(int32_t) * (size_t)mh->rows * mh->bins);
    memset(mh->pos, 0, sizeof(int32_t) * (size_t)mh->rows);
    memset(mh->cum, 0, sizeof(int32_t) * (size_t)mh->rows);
    mh->count = 0;
    mh->created = 0;
}

void fau_au_median_update(fau_au_median *mh, const double *desc, int update, double *median)
{
    const int rows = mh->rows, bins = mh->bins;
    if (!mh->created) {
        mh->created = 1;
        memcpy(median, desc, sizeof(double) * (size_t)rows);
    }
    if (update) {
        for (int i = 0; i < rows; i++) {
            double c = desc[i] * mh->alpha + mh->beta;
            if (c > bins - 1)
                c = bins - 1;
            if (c < 0)
                c = 0;
            int idx = (int)c;
            mh->h[(size_t)i * bins + idx]++;
            if (idx <= mh->pos[i])
                mh->cum[i]++;
        }
        mh->count++;
    }
    if (mh->count == 1) {
        memcpy(median, desc, sizeof(double) * (size_t)rows);
        return;
    }
    const int cutoff = (mh->count + 1) / 2;
    const double step = mh->length / (double)bins, half = 0.5 * mh->length / (double)bins;
    for (int i = 0; i < rows; i++) {
        const int32_t *h = mh->h + (size_t)i * bins;
        int p = mh->pos[i], cum = mh->cum[i];
        while (p > 0 && cum - h[p] >= cutoff) {
            cum -= h[p];
            p--;
        }
        while (cum < cutoff && p < bins - 1) {
            p++;
            cum += h[p];
        }
        mh->pos[i] = p;
        mh->cum[i] = cum;
        median[i] = mh->min_val + ((double)p) * step + half;
    }
}

/* ------------------------------------------------------------------ */
/* Create / destroy                                                   */
/* ------------------------------------------------------------------ */

void fau_au_analyser_destroy(fau_au_analyser **pa)
{
    if (!pa || !*pa)
        return;
    fau_au_analyser *a = *pa;
    fau_aligned_free(a->pdm_ws);
    fau_aligned_free(a->fhog_ws);
    fau_aligned_free(a->face_au);
    fau_aligned_free(a->face_out);
    fau_aligned_free(a->face_gray);
    fau_aligned_free(a->mask_au);
    fau_aligned_free(a->mask_out);
    fau_aligned_free(a->hog);
    fau_aligned_free(a->feat);
    fau_aligned_free(a->lin);
    fau_aligned_free(a->medlin);
    fau_aligned_free(a->median);
    fau_au_median_free(&a->hh);
    fau_au_median_free(&a->gh);
    free(a->all_reg);
    free(a->all_cls);
    free(a->succ);
    fau_aligned_free(a->init_lin);
    free(a->out_reg);
    free(a->out_cls);
    free(a->raw_reg);
    free(a->raw_cls);
    free(a->sort_buf);
    free(a);
    *pa = NULL;
}

static int grow_history(fau_au_analyser *a, size_t need)
{
    if (need <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < need)
        cap *= 2;
    const fau_au_models *m = a->m;
    size_t nr = (size_t)(m->n_reg ? m->n_reg : 1), nc = (size_t)(m->n_class ? m->n_class : 1);
    double *r = realloc(a->all_reg, sizeof(double) * cap * nr);
    if (!r)
        return -1;
    a->all_reg = r;
    double *c = realloc(a->all_cls, sizeof(double) * cap * nc);
    if (!c)
        return -1;
    a->all_cls = c;
    uint8_t *s = realloc(a->succ, cap);
    if (!s)
        return -1;
    a->succ = s;
    a->cap = cap;
    return 0;
}

int fau_au_analyser_create(fau_au_analyser **pa, const fau_au_models *m, const fau_au_opts *o,
                           fau_error *e)
{
    FAU_CHECK_ARG(e, pa != NULL);
    *pa = NULL;
    FAU_CHECK_ARG(e, m != NULL);
    fau_au_opts def;
    fau_au_opts_default(&def);
    if (!o)
        o = &def;
    FAU_CHECK_ARG(e, o->out_size >= 16 && o->out_size <= 4096);
    FAU_CHECK_ARG(e, o->out_scale > 0);
    fau_au_analyser *a = calloc(1, sizeof *a);
    if (!a)
        return fau_error_set(e, FAU_ENOMEM, "out of memory creating the AU analyser");
    a->m = m;
    a->o = *o;
    a->n_models = m->n_reg + m->n_class;
    size_t osz = (size_t)o->out_size * o->out_size;
    a->pdm_ws = fau_aligned_alloc(fau_pdm_calc_params_workspace(m->pdm));
    a->fhog_ws = fau_aligned_alloc(fau_fhog_workspace(AU_SIZE, AU_SIZE, 8));
    a->face_au = fau_aligned_alloc(AU_SIZE * AU_SIZE * 3);
    a->mask_au = fau_aligned_alloc(AU_SIZE * AU_SIZE);
    a->face_out = fau_aligned_alloc(osz * 3);
    a->face_gray = fau_aligned_alloc(osz);
    a->mask_out = fau_aligned_alloc(osz);
    a->hog = fau_aligned_alloc(FAU_AU_HOG_DIM * sizeof(float));
    a->feat = fau_aligned_calloc((size_t)m->n_feat, sizeof(double));
    a->median = fau_aligned_calloc((size_t)m->n_feat, sizeof(double));
    a->lin = fau_aligned_calloc((size_t)m->ld, sizeof(double));
    a->medlin = fau_aligned_calloc((size_t)m->ld, sizeof(double));
    a->init_lin = fau_aligned_alloc(sizeof(double) * MAX_INIT_FRAMES * (size_t)m->ld);
    if (!a->pdm_ws || !a->fhog_ws || !a->face_au || !a->mask_au || !a->face_out ||
        !a->face_gray || !a->mask_out || !a->hog || !a->feat || !a->median || !a->lin ||
        !a->medlin || !a->init_lin || fau_au_median_init(&a->hh, FAU_AU_HOG_DIM, 1000, -0.005, 1) ||
        fau_au_median_init(&a->gh, m->n_geom, 10000, -60, 60) ||
        grow_history(a, o->expected_frames > 0 ? (size_t)o->expected_frames : 256)) {
        fau_au_analyser_destroy(&a);
        return fau_error_set(e, FAU_ENOMEM, "out of memory creating the AU analyser");
    }
    *pa = a;
    return FAU_OK;
}

void fau_au_analyser_reset(fau_au_analyser *a)
{
    if (!a)
        return;
    fau_au_median_reset(&a->hh);
    fau_au_median_reset(&a->gh);
    memset(a->median, 0, sizeof(double) * (size_t)a->m->n_feat);
    a->medlin_valid = 0;
    a->frames_tracking = a->frames_tracking_succ = 0;
    a->n_frames = 0;
    a->n_init = 0;
}

void fau_au_medians(const fau_au_analyser *a, const double **hog_median,
                    const double **geom_median, int *hog_count, int *geom_count)
{
    *hog_median = a->median;
    *geom_median = a->median + FAU_AU_HOG_DIM;
    *hog_count = a->hh.count;
    *geom_count = a->gh.count;
}

/* ------------------------------------------------------------------ */
/* Per-frame features                                                 */
/* ------------------------------------------------------------------ */

/* CalcParams + AlignFaceMask (+ output face) + FHOG + geometry for a
 * successful frame. */
static void frame_features(fau_au_analyser *a, const uint8_t *bgr, int w, int h, size_t stride,
                           const float *lm)
{
    const fau_au_models *m = a->m;
    const fau_pdm *pdm = m->pdm;
    float g[6], loc[64];
    fau_pdm_calc_params(pdm, lm, NULL, g, loc, a->pdm_ws);

    float warp[6];
    fau_align_similarity(lm, pdm->mean_shape, g[4], g[5], AU_SCALE, AU_SIZE, AU_SIZE, warp);
    fau_warp_affine_u8(bgr, w, h, stride, 3, warp, a->face_au, AU_SIZE, AU_SIZE, AU_SIZE * 3);
    fau_face_mask(lm, warp, AU_SCALE, m->tris, m->n_tris, a->mask_au, AU_SIZE, AU_SIZE);
    fau_apply_mask_u8(a->face_au, AU_SIZE, AU_SIZE, AU_SIZE * 3, 3, a->mask_au);

    if (a->o.want_aligned) {
        const int os = a->o.out_size;
        if (os == AU_SIZE && a->o.out_scale == AU_SCALE && a->o.out_mask) {
            memcpy(a->face_out, a->face_au, AU_SIZE * AU_SIZE * 3);
        } else {
            float w2[6];
            fau_align_similarity(lm, pdm->mean_shape, g[4], g[5], a->o.out_scale, os, os, w2);
            fau_warp_affine_u8(bgr, w, h, stride, 3, w2, a->face_out, os, os, (size_t)os * 3);
            if (a->o.out_mask) {
                fau_face_mask(lm, w2, a->o.out_scale, m->tris, m->n_tris, a->mask_out, os, os);
                fau_apply_mask_u8(a->face_out, os, os, (size_t)os * 3, 3, a->mask_out);
            }
        }
    }

    fau_fhog_compute(a->face_au, AU_SIZE, AU_SIZE, AU_SIZE * 3, 3, 8, a->hog, a->fhog_ws);
    for (int i = 0; i < FAU_AU_HOG_DIM; i++)
        a->feat[i] = a->hog[i];

    /* geom = [princ_comp * params_local, params_local] in double */
    const int n3 = 3 * pdm->n_points, nm = pdm->n_modes;
    double *geom = a->feat + FAU_AU_HOG_DIM;
    for (int r = 0; r < n3; r++) {
        const float *row = pdm->princ_comp + (size_t)r * nm;
        double s = 0;
        for (int j = 0; j < nm; j++)
            s += (double)row[j] * (double)loc[j];
        geom[r] = s;
    }
    for (int j = 0; j < nm; j++)
        geom[n3 + j] = loc[j];
}

/* Failed frame: black faces, HOG of a black image (all zero), zero geometry. */
static void frame_features_failed(fau_au_analyser *a)
{
    memset(a->face_au, 0, AU_SIZE * AU_SIZE * 3);
    memset(a->face_out, 0, (size_t)a->o.out_size * a->o.out_size * 3);
    fau_fhog_compute(a->face_au, AU_SIZE, AU_SIZE, AU_SIZE * 3, 3, 8, a->hog, a->fhog_ws);
    for (int i = 0; i < FAU_AU_HOG_DIM; i++)
        a->feat[i] = a->hog[i];
    memset(a->feat + FAU_AU_HOG_DIM, 0, sizeof(double) * (size_t)a->m->n_geom);
}

/* Model outputs for the current lin / medlin (PredictCurrentAUs +
 * PredictCurrentAUsClass). use_median = 0 for the static image path. */
static void predict(const fau_au_analyser *a, const double *lin, int use_median, double *reg,
                    double *cls)
{
    const fau_au_models *m = a->m;
    for (int k = 0; k < m->n_reg + m->n_class; k++) {
        const fau_au_model_info *inf = &m->info[k];
        double v = lin[k];
        if (inf->dynamic && use_median)
            v -= a->medlin[k];
        if (inf->classifier)
            cls[k - m->n_reg] = v > 0 ? inf->pos_class : inf->neg_class;
        else
            reg[k] = v;
    }
}

static void fill_result(fau_au_analyser *a, fau_au_frame_result *out)
{
    const fau_au_models *m = a->m;
    out->n_reg = m->n_reg;
    out->n_class = m->n_class;
    out->reg_info = m->info;
    out->class_info = m->info + m->n_reg;
    out->hog = a->hog;
    out->hog_rows = out->hog_cols = 12;
    out->geom = a->feat + FAU_AU_HOG_DIM;
    out->aligned = NULL;
    if (a->o.want_aligned) {
        const int os = a->o.out_size;
        if (a->o.out_grayscale) {
            fau_bgr_to_gray_u8(a->face_out, os, os, (size_t)os * 3, a->face_gray, (size_t)os);
            out->aligned = a->face_gray;
            out->aligned_channels = 1;
            out->aligned_stride = (size_t)os;
        } else {
            out->aligned = a->face_out;
            out->aligned_channels = 3;
            out->aligned_stride = (size_t)os * 3;
        }
        out->aligned_size = os;
    }
}

int fau_au_add_frame(fau_au_analyser *a, const uint8_t *bgr, int w, int h, size_t stride,
                     const float *landmarks, int success, double timestamp,
                     fau_au_frame_result *out, fau_error *e)
{
    FAU_CHECK_ARG(e, a != NULL && out != NULL);
    FAU_CHECK_ARG(e, !success || (bgr != NULL && landmarks != NULL && w > 0 && h > 0 &&
                                  stride >= (size_t)w * 3));
    (void)timestamp;
    const fau_au_models *m = a->m;
    if (grow_history(a, a->n_frames + 1))
        return fau_error_set(e, FAU_ENOMEM, "out of memory in the AU history");
    a->frames_tracking++;
    if (success)
        frame_features(a, bgr, w, h, stride, landmarks);
    else
        frame_features_failed(a);
    if (success)
        a->frames_tracking_succ++;

    /* Medians: odd frames only; a descriptor enters the histogram only on
     * success, but the median is recomputed either way. */
    if (a->frames_tracking % 2 == 1) {
        fau_au_median_update(&a->hh, a->feat, success, a->median);
        for (int i = 0; i < FAU_AU_HOG_DIM; i++)
            if (a->median[i] < 0)
                a->median[i] = 0;
        fau_au_median_update(&a->gh, a->feat + FAU_AU_HOG_DIM, success, a->median + FAU_AU_HOG_DIM);
        a->medlin_valid = 0;
    }
    if (m->any_dynamic && !a->medlin_valid) {
        fau_au_linear(m, a->median, a->medlin);
        a->medlin_valid = 1;
    }

    fau_au_linear(m, a->feat, a->lin);
    for (int k = 0; k < m->ld; k++)
        a->lin[k] += m->bias[k];
    predict(a, a->lin, 1, out->reg, out->cls);

    double *hr = a->all_reg + a->n_frames * (size_t)m->n_reg;
    double *hc = a->all_cls + a->n_frames * (size_t)m->n_class;
    for (int k = 0; k < m->n_reg; k++) {
        if (!success)
            out->reg[k] = 0;
        hr[k] = out->reg[k];
    }
    for (int k = 0; k < m->n_class; k++) {
        if (!success)
            out->cls[k] = 0;
        hc[k] = out->cls[k];
    }
    a->succ[a->n_frames] = (uint8_t)(success != 0);
    if (success && a->frames_tracking_succ - 1 < MAX_INIT_FRAMES) {
        memcpy(a->init_lin + (size_t)a->n_init * m->ld, a->lin, sizeof(double) * (size_t)m->ld);
        a->n_init++;
    }
    a->n_frames++;
    fill_result(a, out);
    return FAU_OK;
}

int fau_au_predict_static(fau_au_analyser *a, const uint8_t *bgr, int w, int h, size_t stride,
                          const float *landmarks, fau_au_frame_result *out, fau_error *e)
{
    FAU_CHECK_ARG(e, a != NULL && out != NULL && bgr != NULL && landmarks != NULL);
    FAU_CHECK_ARG(e, w > 0 && h > 0 && stride >= (size_t)w * 3);
    const fau_au_models *m = a->m;
    frame_features(a, bgr, w, h, stride, landmarks);
    double lin[FAU_AU_MAX_MODELS + 4];
    fau_au_linear(m, a->feat, lin);
    for (int k = 0; k < m->ld; k++)
        lin[k] += m->bias[k];
    predict(a, lin, 0, out->reg, out->cls);
    for (int k = 0; k < m->n_reg; k++) {
        if (out->reg[k] < 0)
            out->reg[k] = 0;
        if (out->reg[k] > 5)
            out->reg[k] = 5;
    }
    fill_result(a, out);
    return FAU_OK;
}

/* ------------------------------------------------------------------ */
/* End of video                                                       */
/* ------------------------------------------------------------------ */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double fau_au_offset(const double *raw, size_t stride, const uint8_t *succ, size_t n,
                     double cutoff, double *tmp)
{
    size_t ng = 0;
    for (size_t f = 0; f < n; f++)
        if (succ[f])
            tmp[ng++] = raw[f * stride];
    if (ng == 0)
        return 0;
    qsort(tmp, ng, sizeof(double), cmp_double);
    /* au_good.at((int)(size * cutoff)); a cutoff of 1 would throw in
     * OpenFace, here it takes the largest value. */
    size_t idx = (size_t)(int)((double)ng * cutoff);
    if (idx >= ng)
        idx = ng - 1;
    return tmp[idx];
}

void fau_au_postprocess_reg(const double *raw, size_t stride, const uint8_t *succ, size_t n,
                            double offset, double *tmp, double *out, size_t out_stride)
{
    for (size_t f = 0; f < n; f++) {
        double v = 0;
        if (succ[f]) {
            v = (raw[f * stride] - offset) * 1.0;
            if (v < 0.0)
                v = 0;
            if (v > 5)
                v = 5;
        }
        tmp[f] = v;
        out[f * out_stride] = v;
    }
    for (size_t f = 1; f + 1 < n; f++) {
        double s = 0;
        s += tmp[f - 1];
        s += tmp[f];
        s += tmp[f + 1];
        out[f * out_stride] = s / 3;
    }
}

void fau_au_postprocess_class(const double *raw, size_t stride, size_t n, double *out,
                              size_t out_stride)
{
    for (size_t f = 0; f < n; f++)
        out[f * out_stride] = raw[f * stride];
    if (n <= 3)
        return;
    for (size_t f = 3; f + 3 < n; f++) {
        double s = 0;
        int div = 0;
        for (int d = -3; d <= 3; d++) {
            s += raw[(f + d) * stride];
            div++;
        }
        s = s / div;
        out[f * out_stride] = s < 0.5 ? 0 : 1;
    }
}

int fau_au_finish(fau_au_analyser *a, fau_au_video_result *out, fau_error *e)
{
    FAU_CHECK_ARG(e, a != NULL && out != NULL);
    const fau_au_models *m = a->m;
    const size_t n = a->n_frames;
    const int nr = m->n_reg, nc = m->n_class;
    if (n > a->out_cap) {
        free(a->out_reg);
        free(a->out_cls);
        free(a->raw_reg);
        free(a->raw_cls);
        free(a->sort_buf);
        a->out_reg = malloc(sizeof(double) * n * (size_t)(nr ? nr : 1));
        a->raw_reg = malloc(sizeof(double) * n * (size_t)(nr ? nr : 1));
        a->out_cls = malloc(sizeof(double) * n * (size_t)(nc ? nc : 1));
        a->raw_cls = malloc(sizeof(double) * n * (size_t)(nc ? nc : 1));
        a->sort_buf = malloc(sizeof(double) * n);
        a->out_cap = n;
        if (!a->out_reg || !a->raw_reg || !a->out_cls || !a->raw_cls || !a->sort_buf) {
            a->out_cap = 0;
            return fau_error_set(e, FAU_ENOMEM, "out of memory in AU post-processing");
        }
    }
    memcpy(a->raw_reg, a->all_reg, sizeof(double) * n * (size_t)nr);
    memcpy(a->raw_cls, a->all_cls, sizeof(double) * n * (size_t)nc);

    /* PostprocessPredictions: re-predict the first max_init_frames
     * successful frames with the final medians. */
    if (a->o.dynamic) {
        if (m->any_dynamic && !a->medlin_valid) {
            fau_au_linear(m, a->median, a->medlin);
            a->medlin_valid = 1;
        }
        int si = 0;
        for (size_t f = 0; f < n && si < a->n_init; f++) {
            if (!a->succ[f])
                continue;
            predict(a, a->init_lin + (size_t)si * m->ld, 1, a->raw_reg + f * nr,
                    a->raw_cls + f * nc);
            si++;
        }
    }

    /* ExtractAllPredictionsOfflineReg: offsets, clamp, 3-frame mean. */
    for (int k = 0; k < nr; k++) {
        const fau_au_model_info *inf = &m->info[k];
        double off = 0;
        if (a->o.dynamic && inf->type == FAU_AU_SVR_DYNAMIC && inf->cutoff != -1)
            off = fau_au_offset(a->raw_reg + k, (size_t)nr, a->succ, n, inf->cutoff, a->sort_buf);
        a->offsets[k] = off;
        fau_au_postprocess_reg(a->raw_reg + k, (size_t)nr, a->succ, n, off, a->sort_buf,
                               a->out_reg + k, (size_t)nr);
    }
    /* ExtractAllPredictionsOfflineClass: 7-frame mean thresholded at 0.5. */
    for (int k = 0; k < nc; k++)
        fau_au_postprocess_class(a->raw_cls + k, (size_t)nc, n, a->out_cls + k, (size_t)nc);

    out->n_frames = (int)n;
    out->n_reg = nr;
    out->n_class = nc;
    out->reg_info = m->info;
    out->class_info = m->info + nr;
    out->reg = a->out_reg;
    out->cls = a->out_cls;
    out->reg_raw = a->raw_reg;
    out->cls_raw = a->raw_cls;
    out->offsets = a->offsets;
    out->hog_median = a->median;
    out->geom_median = a->median + FAU_AU_HOG_DIM;
    out->hog_hist_count = a->hh.count;
    out->geom_hist_count = a->gh.count;
    return FAU_OK;
}
