/* Linear-model kernels (FaceAnalyser's SVR / SVM decision values). */
#ifndef FAU_KERNELS_LINEAR_H
#define FAU_KERNELS_LINEAR_H

#include <stddef.h>

/* y[k] = sum over i = 0..n-1, in increasing i, of x[i] * W[i*ld + k], for
 * k < ld, in double, each product rounded before the add (no FMA): the
 * order OpenCV's gemm gives OpenFace's (features x models) products.
 * ld is a multiple of 4, W and y 32-byte aligned. */
typedef void (*fau_k_matvec_f64_fn)(const double *W, size_t ld, size_t n, const double *x,
                                    double *y);

typedef struct fau_linear_kernels {
    fau_k_matvec_f64_fn matvec_f64;
} fau_linear_kernels;

void fau_k_matvec_f64_c(const double *W, size_t ld, size_t n, const double *x, double *y);
void fau_linear_init_x86(fau_linear_kernels *k, int level);

#endif
