/* CLNF landmark fitting as OpenFace 2.2 runs it (LandmarkDetectorModel.cpp,
 * Patch_experts.cpp): Patch_experts::Response (a similarity-normalised
 * area of interest around every landmark, warped with cv::warpAffine, and
 * the CCNF response on it), CLNF::NU_RLMS (regularised landmark mean shift
 * over the patch responses, rigid then non-rigid), CLNF::Fit (one pass per
 * scale of the patch experts, with the window size of that scale) and
 * CLNF::DetectLandmarks (the main fit, then the hierarchical part models
 * re-fitting the eyes and inner face, then the CNN validator).
 *
 * A fau_clnf_fitter owns everything that changes while fitting: scratch,
 * and the per-expert Sigma matrices and KDE tables OpenFace computes on
 * first use and keeps (they depend only on the model, the window size and
 * sigma, so they are computed lazily once and reused for every frame).
 * The landmark models themselves stay immutable and shareable. One fitter
 * serves one face at a time; it is not thread-safe. */
#ifndef FAU_LANDMARKS_CLNF_FIT_H
#define FAU_LANDMARKS_CLNF_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "landmarks/clnf_model.h"

#define FAU_CLNF_MAX_POINTS 68
#define FAU_CLNF_MAX_MODES 64

/* LandmarkDetector::FaceModelParameters, the fields the fit reads. */
typedef struct fau_clnf_params {
    int n_windows;                         /* entries of window_sizes (one per scale) */
    int window_sizes[FAU_CLNF_MAX_SCALES]; /* 0 skips that scale */
    float reg_factor, sigma, weight_factor;
    int num_iterations;                    /* NU-RLMS iterations per pass (5) */
    int refine_parameters;                 /* adapt reg/sigma/weight to the scale */
    int refine_hierarchical;               /* run the part models */
    int validate;                          /* run the CNN validator */
    float validation_boundary;             /* success = certainty > this (0.725) */
} fau_clnf_params;

/* The main model's parameters for video and images (FaceModelParameters::
 * init with the CLNF general model): windows {11, 9, 7} at initialisation
 * and {0, 9, 7} when tracking (small = 1), reg 25, sigma 1.5, weight 0,
 * 5 iterations, parameters refined per scale, parts and validator on. */
void fau_clnf_params_main(fau_clnf_params *p, int small);

/* The fitted state of one CLNF (main model or a part). */
typedef struct fau_clnf_state {
    float global[6];                          /* scale, rx, ry, rz, tx, ty */
    float local[FAU_CLNF_MAX_MODES];
    float landmarks[2 * FAU_CLNF_MAX_POINTS]; /* detected_landmarks: x.., y.. */
    float model_likelihood;
    float detection_certainty;                /* validator output (1 / 0 without it) */
    int detection_success;
    int fit_success;                          /* CLNF::Fit's return */
    int view_used;
} fau_clnf_state;

/* A main-model result with the part models it used (CLNF plus its
 * hierarchical_models; parts[i] belongs to models->parts[i]). */
typedef struct fau_clnf_fit {
    fau_clnf_state main;
    /* What DetectLandmarksInVideo returned for the frame, which
     * FeatureExtraction records as `success` (and uses for gaze): it can
     * differ from main.detection_success, which the AU stage gets (a first
     * detection the validator rejects is still reported as a success). For
     * images it equals main.detection_success. */
    int reported_success;
    int n_parts;
    fau_clnf_state parts[FAU_CLNF_MAX_PARTS];
} fau_clnf_fit;

/* Trace points, as the stage dumps name them (golden/stages/README.md). */
typedef enum fau_clnf_stage {
    FAU_CLNF_START = 0, /* entry of Fit */
    FAU_CLNF_RIGID,     /* after the rigid NU-RLMS pass of a scale */
    FAU_CLNF_SCALE,     /* after the non-rigid pass: end of a scale */
    FAU_CLNF_PART_INIT, /* a part's CalcParams from the main landmarks */
    FAU_CLNF_HIER,      /* main model after the parts (landmarks = detected) */
    FAU_CLNF_FINAL      /* end of DetectLandmarks (landmarks = detected) */
} fau_clnf_stage;

/* part: -1 for the main model, else the part index. For RIGID/SCALE,
 * scale, window_size and view are those of the pass; for HIER, scale is
 * parts_used; for FINAL, scale is 1 when the validator ran. */
typedef void (*fau_clnf_trace_fn)(void *user, int part, fau_clnf_stage stage, int scale,
                                  int window_size, int view, const fau_clnf_state *s);

typedef struct fau_clnf_fitter fau_clnf_fitter;

int fau_clnf_fitter_create(fau_clnf_fitter **out, const fau_landmark_models *models, fau_error *e);
void fau_clnf_fitter_destroy(fau_clnf_fitter **f);
/* Seconds spent in the CNN validator since creation (benchmarks). */
double fau_clnf_fitter_validator_seconds(const fau_clnf_fitter *f);
void fau_clnf_fitter_set_trace(fau_clnf_fitter *f, fau_clnf_trace_fn fn, void *user);

/* CLNF::DetectLandmarks: fits the main model to the 8-bit grey image from
 * fit->main.global / fit->main.local, then the parts (when
 * params->refine_hierarchical), then the validator. Fills fit->main
 * (landmarks, likelihood, certainty, success) and fit->parts.
 * Returns FAU_OK or FAU_ENOMEM / FAU_EFORMAT (a Sigma that cannot be
 * inverted: a broken model); the fit's own failure is in the state. */
int fau_clnf_detect_landmarks(fau_clnf_fitter *f, const uint8_t *gray, int width, int height,
                              size_t stride, const fau_clnf_params *params, fau_clnf_fit *fit,
                              fau_error *e);

#endif
