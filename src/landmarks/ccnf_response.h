/* CCNF patch expert response (CCNF_patch_expert::ResponseOpenBlas and
 * ComputeSigmas, OpenFace 2.2): for one landmark, the likelihood of the
 * landmark at each position of a window_size x window_size search window,
 * from an area of interest of (window_size + height - 1) x
 * (window_size + width - 1) pixels around it.
 *
 * Exactness: the float operations OpenFace does itself (im2col contrast
 * normalisation, the sigmoid sum, SigmaInv) are reproduced in the same order,
 * and the two products OpenFace hands to OpenBLAS sgemm (neurons x patches
 * and Sigma x response) follow Debian 12 OpenBLAS 0.3.21's Haswell order
 * (detect/sgemm_openblas.h): for a given Sigma the response has OpenFace's
 * bits. Sigma is exact for windows up to 9 (81 rows): OpenCV's
 * invert(DECOMP_CHOLESKY) runs its own float Cholesky below 100 rows
 * (HAL_CHOLESKY_SMALL_MATRIX_THRESH), reproduced here; for 11 (121 rows)
 * OpenCV calls LAPACK sposv, approximated by a double Cholesky rounded once
 * (float rounding away).  */
#ifndef FAU_LANDMARKS_CCNF_RESPONSE_H
#define FAU_LANDMARKS_CCNF_RESPONSE_H

#include <stddef.h>

#include "landmarks/ccnf.h"

/* Patch_experts::Response's choice of sigma components for a window size:
 * the last window of the file (OpenFace keeps only the last CCNF file's
 * components, see fau_clnf_model.sigma_scale) with at least one component
 * of (ws*ws) rows; NULL when none (the eye models have no components: Sigma
 * is then the inverse of 2 * sum(alpha) * I). */
const fau_ccnf_window *fau_ccnf_sigma_window(const fau_ccnf_patches *sigma_file, int window_size);

/* Doubles of scratch fau_ccnf_sigma needs. */
size_t fau_ccnf_sigma_scratch(int window_size);

/* CCNF_patch_expert::ComputeSigmas for one expert and window size: Sigma =
 * inverse(2 * (sum(alpha) * I + sum_b (float)beta_b * component_b)),
 * (ws*ws)^2 floats stored TRANSPOSED (sigma[j * d + i] = Sigma(i, j)), the
 * layout fau_ccnf_response's Sigma product reads; OpenCV's inverse is not
 * symmetric bit for bit. Returns FAU_OK, FAU_EINVAL when the expert has
 * no neurons or fewer betas than components, FAU_EFORMAT when SigmaInv is not
 * positive definite (OpenCV's invert would fail too). */
int fau_ccnf_sigma(const fau_ccnf_expert *x, const fau_ccnf_window *win, int window_size,
                   float *sigma, double *scratch);

/* Floats of scratch fau_ccnf_response needs (64-byte aligned pointer). */
size_t fau_ccnf_response_scratch(const fau_ccnf_expert *x, int window_size);

/* CCNF_patch_expert::ResponseOpenBlas. area: (window_size + x->height - 1)
 * rows x (window_size + x->width - 1) cols, row-major, stride area_stride
 * floats. sigma from fau_ccnf_sigma for this window size (transposed layout). response:
 * window_size x window_size, row-major (row = y). An expert without neurons
 * (invisible landmark) gives all zeros. */
void fau_ccnf_response(const fau_ccnf_expert *x, const float *sigma, const float *area,
                       size_t area_stride, int window_size, float *scratch, float *response);

/* The same with the code path chosen by the caller: use_fma non-zero only
 * if fau_ccnf_fma_allowed() (AVX2+FMA vectors), else fmaf loops; the bits
 * are identical. fau_ccnf_response picks the path from the CPU alone (no
 * $FACEAU_SIMD cap); callers that honour the cap read
 * fau_ccnf_fma_allowed() once at load and call this. */
void fau_ccnf_response_fma(const fau_ccnf_expert *x, const float *sigma, const float *area,
                           size_t area_stride, int window_size, float *scratch, float *response,
                           int use_fma);

/* Whether fau_ccnf_response_fma may take the AVX2+FMA path: the CPU has it
 * and $FACEAU_SIMD does not cap below avx2. Reads the environment: call
 * once, not per frame. */
int fau_ccnf_fma_allowed(void);

/* im2colContrastNormBias: one row per window position (x-major: row
 * j*yB + i for x offset j, y offset i), 1 + width*height columns: a 1 (the
 * bias input), then the patch in column-major order, zero-mean and unit
 * norm (an all-equal patch stays zero). Exposed for tests and kernels. */
void fau_ccnf_im2col_norm(const float *area, size_t area_stride, int area_rows, int area_cols,
                          int width, int height, float *out);

/* Patch_experts::GetViewIdx: the view whose centre (pitch, yaw, roll) is
 * nearest to the rotation in params_global {scale, rx, ry, rz, tx, ty}
 * (float arithmetic as OpenFace; the first of equals wins). */
int fau_ccnf_view_index(const fau_ccnf_patches *p, const float params_global[6]);

#endif
