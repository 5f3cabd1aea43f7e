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
    /* Load-time copies for the exact fast CalcShape3D (pdm_ops.h): the
     * components mode-major, princ_comp_t[j * ld_t + r] = princ_comp[r][j]
     * (ld_t = 3*n_points rounded up to 16 floats), and whether the AVX2+FMA
     * code may run (fau_sgemm_fma_allowed at load; both paths give the same
     * bits). A PDM built by hand may leave princ_comp_t NULL: CalcShape3D
     * then takes the plain reference order. */
    float *princ_comp_t;
    size_t ld_t;
    int use_fma;
} fau_pdm;

/* PDM::Read. On failure *out is NULL and e names the file and line. */
int fau_pdm_load(fau_pdm **out, const char *path, fau_error *e);
void fau_pdm_free(fau_pdm **pdm);

#endif
