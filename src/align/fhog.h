/* Felzenszwalb HOG as OpenFace computes it: dlib 19.24's
 * extract_fhog_features(cv_image<bgr_pixel>, array2d<matrix<float,31,1>>,
 * cell_size) compiled with OpenFace's -msse -msse2 -msse3 (dlib's SSE2 code paths,
 * no AVX), then FaceAnalysis::Extract_FHOG_descriptor's layout:
 * for each cell row y, cell column x, the 31 channels.
 *
 * dlib's 8-pixel SIMD loop and its scalar tail treat colour gradients with
 * equal magnitude differently (the SIMD one prefers the later of blue,
 * green, red in dlib's red/green/blue comparison order, the scalar one the
 * earlier) and multiply the bilinear weights in a different order; both
 * quirks are reproduced, so the output is bit-identical to OpenFace's. */
#ifndef FAU_ALIGN_FHOG_H
#define FAU_ALIGN_FHOG_H

#include <stddef.h>
#include <stdint.h>

#define FAU_FHOG_CHANNELS 31

/* Cells of a w x h image: rows = (int)(h / cell + 0.5) - 2, cols likewise
 * (0 when the image is too small). */
void fau_fhog_dims(int w, int h, int cell, int *rows, int *cols);

/* Bytes of scratch fau_fhog_compute needs for a w x h image. */
size_t fau_fhog_workspace(int w, int h, int cell);

/* FHOG of an 8-bit image with cn = 3 (BGR) or 1 (gray) channels. out gets
 * rows * cols * 31 floats (layout above). Returns 0, or -1 if the image is
 * too small (no output, as dlib returns an empty array). */
int fau_fhog_compute(const uint8_t *img, int w, int h, size_t stride, int cn, int cell,
                     float *out, void *workspace);

#endif
