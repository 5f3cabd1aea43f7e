/* CCNF patch experts (LandmarkDetector::CCNF_patch_expert, CCNF_neuron and
 * the CCNF half of Patch_experts): one fau_ccnf_patches per
 * ccnf_patches_<scale>_*.txt file, i.e. per scale of the fitting.
 *
 * Values are stored as OpenFace holds them after its own conversions:
 * doubles stay double where OpenFace keeps double (alpha, bias, norm_weights,
 * betas, confidence, view centres), float32 matrices stay float32, and the
 * per-expert weight_matrix is built with the same float arithmetic as
 * CCNF_patch_expert::Read so that it is bit-identical. */
#ifndef FAU_LANDMARKS_CCNF_H
#define FAU_LANDMARKS_CCNF_H

#include <stdint.h>

#include "core/error.h"
#include "landmarks/lm_arena.h"

/* Caps on counts read from patch files: far above OpenFace's models
 * (7 views, 68 landmarks, 7 neurons, 11x11 support, windows up to 15). */
#define FAU_CCNF_MAX_VIEWS 64
#define FAU_CCNF_MAX_POINTS 1024
#define FAU_CCNF_MAX_NEURONS 256
#define FAU_CCNF_MAX_SUPPORT 64
#define FAU_CCNF_MAX_WINDOWS 32
#define FAU_CCNF_MAX_WINDOW 64
#define FAU_CCNF_MAX_SIGMA_COMPONENTS 64

/* CCNF_neuron. */
typedef struct fau_ccnf_neuron {
    int neuron_type;     /* 0: raw intensities (the only type OpenFace's intensity experts use) */
    double norm_weights; /* scale applied to the correlation before the sigmoid */
    double bias;
    double alpha;        /* weight of the neuron in the response; skipped when <= 1e-4 */
    int rows, cols;      /* = expert height, width */
    float *weights;      /* rows x cols row-major, as read */
} fau_ccnf_neuron;

/* CCNF_patch_expert for one landmark in one view. */
typedef struct fau_ccnf_expert {
    int width, height;   /* support region (11 x 11) */
    int n_neurons;       /* 0 when the landmark is invisible in this view */
    fau_ccnf_neuron *neurons;
    /* OpenFace's weight_matrix: n_neurons rows x (1 + width*height) cols,
     * row-major. Column 0 is (float)bias; column 1 + c*height + r holds
     * weights(r, c) * (float)norm_weights in float arithmetic, i.e. the
     * weights in column-major order to match im2colContrastNormBias. */
    float *weight_matrix;
    int wm_cols;         /* 1 + width*height */
    int n_betas;         /* = number of sigma components of the file's first window */
    double *betas;
    double patch_confidence;
} fau_ccnf_expert;

/* The sigma components stored for one response window size. */
typedef struct fau_ccnf_window {
    int window_size;     /* response side; components are (ws*ws) x (ws*ws) */
    int n_components;
    float *components;   /* n_components matrices of (ws*ws)^2 floats, row-major, back to back */
} fau_ccnf_window;

/* One patch expert file (one scale). */
typedef struct fau_ccnf_patches {
    double patch_scaling;  /* the scale of the reference shape (0.25, 0.35, 0.5, 1.0, 1.5) */
    int n_views, n_points;
    double (*centers)[3];  /* per view: pitch, yaw, roll in radians, (deg * M_PI) / 180.0 as OpenFace */
    int32_t *visibility;   /* n_views x n_points, non-zero when the landmark has an expert */
    int n_windows;
    fau_ccnf_window *windows;
    fau_ccnf_expert *experts; /* n_views x n_points, view-major */
} fau_ccnf_patches;

static inline const fau_ccnf_expert *fau_ccnf_expert_at(const fau_ccnf_patches *p, int view,
                                                        int point)
{
    return &p->experts[(size_t)view * (size_t)p->n_points + (size_t)point];
}

/* Patch_experts::Read_CCNF_patch_experts: reads path into *out, storage from a.
 * FAU_EFORMAT naming the file and byte offset on any malformed content. */
int fau_ccnf_patches_load(fau_ccnf_patches *out, fau_lm_arena *a, const char *path,
                          fau_error *e);

#endif
