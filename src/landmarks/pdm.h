/* Point distribution model (LandmarkDetector::PDM): 3D mean shape, principal
 * components and eigenvalues, stored as OpenFace stores them after loading
 * (float32; mean x0..xn-1, y0..yn-1, z0..zn-1). */
#ifndef FAU_LANDMARKS_PDM_H
#define FAU_LANDMARKS_PDM_H

#include "core/error.h"

typedef struct fau_pdm {
    int n_points;        /* landmarks (68 for the face) */
    int n_modes;         /* non-rigid modes (34 for In-the-wild_aligned_PDM_68) */
    float *mean_shape;   /* 3*n_points */
    float *princ_comp;   /* 3*n_points rows x n_modes cols, row-major */
    float *eigen_values; /* n_modes */
} fau_pdm;

/* PDM::Read. On failure *out is NULL and e names the file and line. */
int fau_pdm_load(fau_pdm **out, const char *path, fau_error *e);
void fau_pdm_free(fau_pdm **pdm);

#endif
