/* FHOG kernels: dlib's extract_fhog_features as OpenFace runs it (gradient,
 * orientation binning, bilinear cell histogram, block normalisation); see
 * align/fhog.h for the contract and kernels/fhog_tmpl.h for the body. */
#ifndef FAU_KERNELS_FHOG_H
#define FAU_KERNELS_FHOG_H

#include <stddef.h>
#include <stdint.h>

/* Same arguments and result as fau_fhog_compute (align/fhog.h). */
typedef int (*fau_k_fhog_fn)(const uint8_t *img, int w, int h, size_t stride, int cn, int cell,
                             float *out, void *workspace);

typedef struct fau_fhog_kernels {
    fau_k_fhog_fn compute;
} fau_fhog_kernels;

int fau_k_fhog_c(const uint8_t *img, int w, int h, size_t stride, int cn, int cell, float *out,
                 void *workspace);
void fau_fhog_init_x86(fau_fhog_kernels *k, int level);

#endif
