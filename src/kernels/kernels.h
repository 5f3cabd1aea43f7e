/* The kernel table: every hot loop of the AU stage behind one function
 * pointer per entry, grouped by family (linear.h, image.h, fhog.h). A table
 * is filled once per analyser / context with the C references, then the
 * entries the selected SIMD level has are overwritten (dav1d's
 * *_dsp_init pattern). Stage code calls through the table and never
 * includes intrinsics.
 *
 * Determinism: every variant returns bit-identical results to the C
 * reference (tests/test_kernels.c checks each entry at each level the CPU
 * has); the summation order of the reference is part of the contract. */
#ifndef FAU_KERNELS_KERNELS_H
#define FAU_KERNELS_KERNELS_H

#include "kernels/cpu.h"
#include "kernels/fhog.h"
#include "kernels/image.h"
#include "kernels/linear.h"

typedef struct fau_kernels {
    fau_simd_level level; /* the level the table was filled for */
    fau_linear_kernels linear;
    fau_image_kernels image;
    fau_fhog_kernels fhog;
} fau_kernels;

/* Fills k for `level` (capped to what this build and CPU support: a level
 * the CPU lacks falls back to the best lower one, so a table never holds
 * code the CPU cannot run). */
void fau_kernels_init(fau_kernels *k, fau_simd_level level);

/* fau_simd_select(request) then fau_kernels_init. Returns 0, or -1 when the
 * request names an unknown or unsupported level (k gets the C table). */
int fau_kernels_select(fau_kernels *k, const char *request);

#endif
