/* Running the CNN landmark validator (DetectionValidator::Check, CheckCNN,
 * NormaliseWarpedToVector, GetViewId, PAW::Warp / CalcCoeff / WarpRegion and
 * cv::remap INTER_LINEAR as OpenCV 4.6 does it for float images).
 *
 * Exactness: every step gives OpenFace's float bits. The warp (PAW
 * coefficients, map, OpenCV's 1/32-pixel bilinear remap) and the
 * normalisation are reproduced operation by operation; the convolutions
 * are the sgemm_ call of convolution_direct_blas with OpenBLAS 0.3.21's
 * summation order (kernels/sgemm_small.h, vectorised, AVX2+FMA when the
 * CPU has it and $FACEAU_SIMD allows, else fmaf: identical bits); the
 * fully connected layers are cv::gemm's (double sums under 100 outputs,
 * OpenBLAS's chunked float chains from 100). (The sigmoid layer type, which
 * no shipped validator uses, takes expf where OpenFace takes cv::exp.)
 * tests/test_validator_golden.c
 * checks the certainty against OpenFace's dumped detection_certainty.
 *
 * Speed: no allocation (the caller's scratch), ~0.5 ms per call with AVX2
 * (bench/bench_validator.c). Thread-safe on separate scratch buffers. */
#ifndef FAU_LANDMARKS_VALIDATOR_CHECK_H
#define FAU_LANDMARKS_VALIDATOR_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "landmarks/validator.h"

/* GetViewId: nearest orientation (Euclidean, radians), first on ties. */
int fau_validator_view_id(const fau_validator *v, const double orientation[3]);

/* Floats of scratch fau_validator_check needs (any view). */
size_t fau_validator_scratch_floats(const fau_validator *v);

/* DetectionValidator::Check: confidence in [0, 1] (0.5 * (1 - dec)) that
 * landmarks (2n floats, x.. then y.., image pixels) fit the face in the
 * 8-bit grey image; 0 when the landmark box is degenerate. The view comes
 * from orientation (pitch, yaw, roll in radians). warped_out, if not NULL,
 * receives the warped face (paw.rows x paw.cols floats) for tests. */
float fau_validator_check(const fau_validator *v, const double orientation[3],
                          const uint8_t *image, int width, int height, size_t stride,
                          const float *landmarks, float *scratch, float *warped_out);

/* CheckCNN alone: normalises a warped face of view `view` (paw.rows x
 * paw.cols floats, as fau_validator_check's warped_out gives it) and runs
 * the view's network; writes the last layer's outputs (views[view].n_bins
 * floats) to out and returns the bin OpenFace picks (the first maximum).
 * scratch as for fau_validator_check (its first 3 * paw.rows * paw.cols
 * floats are not used). For tests and diagnostics. */
int fau_validator_cnn(const fau_validator *v, int view, const float *warped, float *scratch,
                      float *out);

#endif
