/* Action-unit stage: OpenFace 2.2's FaceAnalysis::FaceAnalyser.
 *
 * Models (FaceAnalyser::Read / ReadAU / ReadRegressor and the SVR_* / SVM_*
 * readers): a main file (AU_predictors/main_dynamic_svms.txt or
 * main_static_svms.txt) naming the AU list, the PDM and the triangulation.
 * All linear models (17 intensity SVRs + 18 presence SVMs with the default
 * files) are packed into ONE feature-major weight matrix so that a frame
 * costs a single matrix-vector product over its 4702 features
 * (4464 FHOG + 238 geometry).
 *
 * Per frame (FaceAnalyser::AddNextFrame): PDM::CalcParams on the landmarks,
 * masked similarity alignment (112x112, scale 0.7), FHOG, geometry
 * features, the person-specific running medians (histograms updated every
 * second frame), and the online predictions. At the end
 * (FaceAnalyser::PostprocessOutputFile): re-prediction of the first 3000
 * successful frames with the final medians, per-AU cutoff offsets,
 * clamping, 3-frame (intensity) / 7-frame (presence) smoothing.
 *
 * Thread-safety: models are read-only after loading and may be shared by
 * any number of analysers; an analyser is used by one thread at a time. */
#ifndef FAU_AU_AU_H
#define FAU_AU_AU_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/models_path.h"
#include "landmarks/pdm.h"

#define FAU_AU_HOG_DIM 4464   /* 12 x 12 cells x 31 */
#define FAU_AU_MAX_MODELS 64  /* intensities + presences */
#define FAU_AU_NAME_MAX 16

/* Regressor type codes (FaceAnalyser::RegressorType) that 2.2 reads. */
enum {
    FAU_AU_SVR_STATIC = 0,
    FAU_AU_SVR_DYNAMIC = 1,
    FAU_AU_SVM_STATIC = 4,
    FAU_AU_SVM_DYNAMIC = 5
};

typedef struct fau_au_model_info {
    char name[FAU_AU_NAME_MAX]; /* "AU01" ... as in the AU list file */
    int type;                   /* FAU_AU_SVR_* / FAU_AU_SVM_* */
    int dynamic;                /* subtracts the running median */
    int classifier;             /* SVM: output pos_class if score > 0 else neg_class */
    double cutoff;              /* dynamic SVR: offline offset percentile; -1 none */
    double pos_class, neg_class;
} fau_au_model_info;

typedef struct fau_au_models {
    fau_pdm *pdm;       /* FaceAnalyser's own PDM (In-the-wild_aligned_PDM_68) */
    int *tris;          /* n_tris x 3 vertex indices (tris_68_full.txt) */
    int n_tris;
    int n_feat;         /* features per frame: FAU_AU_HOG_DIM + geometry */
    int n_geom;         /* 3 * n_points + n_modes (238) */
    int n_reg, n_class; /* model k < n_reg: intensities, sorted by name; then presences, sorted */
    int ld;             /* leading dimension of W: n_reg + n_class rounded up to 4 */
    fau_au_model_info info[FAU_AU_MAX_MODELS];
    double *W;          /* n_feat x ld, W[i * ld + k] = weight of feature i in model k */
    double *bias;       /* ld: bias_k - means_k . w_k (the model's centring folded in) */
    int any_dynamic;
} fau_au_models;

/* Loads main_rel (relative to the models folder, e.g.
 * "AU_predictors/main_dynamic_svms.txt") and everything it names. Missing
 * files: FAU_ENOTFOUND; malformed files: FAU_EFORMAT naming the file and the
 * line or byte offset. On failure *out is NULL. */
int fau_au_models_load(fau_au_models **out, const fau_model_paths *paths, const char *main_rel,
                       fau_error *e);
void fau_au_models_free(fau_au_models **m);

/* y[k] = sum_i x[i] * W[i*ld + k] for all models (one pass over W). */
void fau_au_linear(const fau_au_models *m, const double *x, double *y);

/* ------------------------------------------------------------------ */
/* Analyser                                                           */
/* ------------------------------------------------------------------ */

typedef struct fau_au_opts {
    int dynamic;       /* 1 (FeatureExtraction default): running median + offline pass;
                          0 (-au_static): no offsets / re-prediction */
    int out_size;      /* -simsize (112) */
    double out_scale;  /* -simscale (0.7); OpenFace sets it to out_size * 0.7 / 112 when
                          -simsize is given without -simscale: the caller does that */
    int out_mask;      /* 1 unless -nomask */
    int out_grayscale; /* -g: aligned output face converted to gray */
    int want_aligned;  /* produce the output aligned face */
    int expected_frames; /* hint for preallocating the per-frame history (0 = grow) */
} fau_au_opts;

void fau_au_opts_default(fau_au_opts *o);

typedef struct fau_au_analyser fau_au_analyser;

typedef struct fau_au_frame_result {
    int n_reg, n_class;
    const fau_au_model_info *reg_info;   /* n_reg entries, sorted by name */
    const fau_au_model_info *class_info; /* n_class entries, sorted by name */
    double reg[FAU_AU_MAX_MODELS];   /* online intensities as FeatureExtraction writes them
                                        before post-processing (0 on failed frames) */
    double cls[FAU_AU_MAX_MODELS];   /* online presences 0/1 */
    const float *hog;                /* FAU_AU_HOG_DIM values (.hog layout) */
    int hog_rows, hog_cols;          /* 12, 12 */
    const double *geom;              /* n_geom geometry features */
    const uint8_t *aligned;          /* output aligned face, or NULL */
    int aligned_size, aligned_channels;
    size_t aligned_stride;
} fau_au_frame_result;

int fau_au_analyser_create(fau_au_analyser **a, const fau_au_models *m, const fau_au_opts *o,
                           fau_error *e);
void fau_au_analyser_destroy(fau_au_analyser **a);
/* FaceAnalyser::Reset: forget the video (medians, history). */
void fau_au_analyser_reset(fau_au_analyser *a);

/* FaceAnalyser::AddNextFrame for one video frame. bgr: 8-bit BGR image
 * (w x h, stride bytes per row); landmarks: 68 points x0..x67, y0..y67 as
 * OpenFace's detected_landmarks; success: the tracker's detection_success.
 * Pointers in out stay valid until the next call on a. */
int fau_au_add_frame(fau_au_analyser *a, const uint8_t *bgr, int w, int h, size_t stride,
                     const float *landmarks, int success, double timestamp,
                     fau_au_frame_result *out, fau_error *e);

/* FaceAnalyser::PredictStaticAUsAndComputeFeatures (images): no medians,
 * intensities clipped to [0, 5]. Does not touch the video state. */
int fau_au_predict_static(fau_au_analyser *a, const uint8_t *bgr, int w, int h, size_t stride,
                          const float *landmarks, fau_au_frame_result *out, fau_error *e);

typedef struct fau_au_video_result {
    int n_frames, n_reg, n_class;
    const fau_au_model_info *reg_info, *class_info;
    const double *reg;    /* n_frames x n_reg, final (post-processed) intensities */
    const double *cls;    /* n_frames x n_class, final presences */
    const double *reg_raw;   /* n_frames x n_reg: AU_predictions_reg_all_hist after
                                PostprocessPredictions (before offsets/smoothing) */
    const double *cls_raw;   /* n_frames x n_class, likewise */
    const double *offsets;   /* n_reg per-AU offsets subtracted */
    const double *hog_median;  /* FAU_AU_HOG_DIM final HOG median (clamped at 0) */
    const double *geom_median; /* n_geom final geometry median */
    int geom_hist_count, hog_hist_count;
} fau_au_video_result;

/* FaceAnalyser::PostprocessOutputFile's numbers (ExtractAllPredictionsOffline
 * Reg / Class) for every frame added since creation or reset. Arrays are
 * owned by a and valid until the next add_frame / reset / destroy. */
int fau_au_finish(fau_au_analyser *a, fau_au_video_result *out, fau_error *e);

/* Person-specific running median over per-dimension histograms
 * (FaceAnalyser::UpdateRunningMedian): HOG uses 1000 bins over
 * [-0.005, 1], geometry 10000 bins over [-60, 60]. */
typedef struct fau_au_median {
    int rows, bins;
    double min_val, length, alpha, beta;
    int32_t *h;   /* rows x bins counts */
    int32_t *pos; /* per row: the median bin (smallest j with cumsum(j) >= cutoff) */
    int32_t *cum; /* per row: cumsum up to and including pos */
    int count;    /* hist_count: descriptors added */
    int created;
} fau_au_median;

int fau_au_median_init(fau_au_median *mh, int rows, int bins, double min_val, double max_val);
void fau_au_median_free(fau_au_median *mh);
void fau_au_median_reset(fau_au_median *mh);
/* One UpdateRunningMedian call: adds desc when update is non-zero, then
 * writes the median (rows values) as OpenFace does, including its quirks:
 * the descriptor itself while one sample is in, and the first bin centre
 * while none is. */
void fau_au_median_update(fau_au_median *mh, const double *desc, int update, double *median);

/* ExtractAllPredictionsOfflineReg pieces for one AU over n frames (values
 * stride apart): the offset (value at index (int)(n_success * cutoff) of the
 * sorted successful predictions; tmp holds n doubles), and clamping to
 * [0, 5] (0 on failed frames) + 3-frame mean of frames 2..n-1. */
double fau_au_offset(const double *raw, size_t stride, const uint8_t *succ, size_t n,
                     double cutoff, double *tmp);
void fau_au_postprocess_reg(const double *raw, size_t stride, const uint8_t *succ, size_t n,
                            double offset, double *tmp, double *out, size_t out_stride);
/* ExtractAllPredictionsOfflineClass for one AU: 7-frame mean of frames
 * 4..n-3 thresholded at 0.5 (only when n > 3). */
void fau_au_postprocess_class(const double *raw, size_t stride, size_t n, double *out,
                              size_t out_stride);

/* Running-median peeks for tests: the current medians and counts. */
void fau_au_medians(const fau_au_analyser *a, const double **hog_median,
                    const double **geom_median, int *hog_count, int *geom_count);

#endif
