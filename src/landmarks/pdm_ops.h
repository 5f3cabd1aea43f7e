/* Shape math on the point distribution model (LandmarkDetector::PDM and the
 * rotation helpers of Utilities/RotationHelpers.h), shared by the CLNF fit,
 * head pose and the AU stage.
 *
 * Conventions (OpenFace's): a 3D shape is x0..xn-1, y0..yn-1, z0..zn-1; a
 * 2D shape is x0..xn-1, y0..yn-1; global parameters are
 * {scale, rot_x, rot_y, rot_z, tx, ty} (Euler angles in radians, XYZ order,
 * R = Rx * Ry * Rz); local parameters are the n_modes non-rigid weights.
 *
 * Arithmetic follows OpenFace: float where it uses float, double where OpenCV
 * accumulates in double. Matrix products that reach OpenBLAS's sgemm (the
 * sgemm_ calls of CalcShape3D and CalcParams' Hessian, and cv::gemm products
 * of 100+ rows, which OpenCV's LAPACK HAL hands to cblas_sgemm) follow Debian
 * 12 OpenBLAS 0.3.21's Haswell order (detect/sgemm_openblas.h), so
 * CalcShape3D, CalcShape2D and CalcParams give OpenFace's bits.
 *
 * All functions are pure and reentrant; none allocates except where noted. */
#ifndef FAU_LANDMARKS_PDM_OPS_H
#define FAU_LANDMARKS_PDM_OPS_H

#include <stddef.h>

#include "landmarks/pdm.h"

/* --- rotation helpers (Utilities::*), row-major 3x3 float matrices ---
 * Euler2RotationMatrix, RotationMatrix2Euler, Rodrigues (vector -> matrix)
 * and AxisAngle2Euler live in pose/rotation.h; these are the rest. */

/* cv::Rodrigues matrix -> axis-angle (orthonormalises R first, in double). */
void fau_rot_to_axis_angle(const float R[9], float aa[3]);
/* PDM::Orthonormalise: the closest rotation U*diag(1,1,det)*Vt (in place). */
void fau_orthonormalise(float R[9]);

/* cv::SVD::compute for a small float matrix (OpenCV 4.6 JacobiSVDImpl_<float>
 * with its double accumulations, one-sided Jacobi on the transposed
 * matrix): A is m x n row-major with m >= n, n <= 4; outputs w (n), u
 * (m x n, row-major) and vt (n x n). Reproduces OpenCV's float rounding so
 * that OpenFace's SVD-based rotations come out identical. */
void fau_svd_f32(const float *A, int m, int n, float *w, float *u, float *vt);

/* --- PDM shape functions --- */

/* CalcShape3D: out (3n) = mean + princ_comp * local, in OpenBLAS's order
 * (one fused chain per row over the modes, then + mean). */
void fau_pdm_shape3d(const fau_pdm *p, const float *local, float *out);
/* CalcShape2D: weak-perspective projection of the 3D shape. shape3d_tmp
 * (3n floats) is scratch; out has 2n floats. */
void fau_pdm_shape2d(const fau_pdm *p, const float *local, const float global[6], float *out,
                     float *shape3d_tmp);
/* ExtractBoundingBox over a 2D shape of n points. */
void fau_shape2d_bounds(const float *shape2d, int n, float *min_x, float *max_x, float *min_y,
                        float *max_y);
/* CalcBoundingBox: {x, y, width, height} of CalcShape2D(local, global).
 * shape_tmp: 5n floats of scratch. */
void fau_pdm_bbox(const fau_pdm *p, const float global[6], const float *local, float box[4],
                  float *shape_tmp);
/* CalcParams (bounding-box form): global parameters that put the shape
 * with the given local parameters and rotation into box {x, y, w, h}.
 * shape_tmp: 3n floats. */
void fau_pdm_params_from_bbox(const fau_pdm *p, const float box[4], const float *local,
                              const float rotation[3], float global[6], float *shape_tmp);

/* ComputeJacobian with identity weights: J is 2n x (6+m) row-major (x rows
 * first, then y rows). shape3d_tmp: 3n floats. */
void fau_pdm_jacobian(const fau_pdm *p, const float *local, const float global[6], float *J,
                      float *shape3d_tmp);
/* ComputeRigidJacobian with identity weights: J is 2n x 6. */
void fau_pdm_rigid_jacobian(const fau_pdm *p, const float *local, const float global[6],
                            float *J, float *shape3d_tmp);
/* UpdateModelParameters: adds delta (6 or 6+m values) to the parameters,
 * composing the rotation as OpenFace does. n_delta is 6 or 6+m. */
void fau_pdm_update_params(const fau_pdm *p, const float *delta, int n_delta, float *local,
                           float global[6]);

/* cv::solve(A, b, DECOMP_CHOLESKY) for k < 100 rows (OpenCV's own float
 * Cholesky, hal::Cholesky32f, sums in double): A (row-major, lower
 * triangle read) is overwritten, b becomes the solution. 0 on success, -1
 * when A is not positive definite (cv::solve then returns zeros). */
int fau_cv_cholesky_solve(float *A, int k, float *b);

/* cv::gemm's matrix-vector product for fewer than 100 rows
 * (GEMMSingleMul): out[r] = sum_c A[r][c] * x[c] as four double partial
 * sums by index mod 4, combined left to right, rounded once. A is
 * rows x cols row-major with row stride lda. */
void fau_cv_gemv(const float *A, int rows, int cols, size_t lda, const float *x, float *out);

/* Bytes of scratch fau_pdm_calc_params needs for this PDM (64-byte aligned
 * pointer expected). Allocate once, reuse for every call. */
size_t fau_pdm_calc_params_workspace(const fau_pdm *p);

/* CalcParams (landmark form): iterative rigid + non-rigid fit of the PDM to
 * 2D landmarks (x0..xn-1, y0..yn-1; a landmark whose x is exactly 0 counts
 * as invisible, as in OpenFace). rotation: initial Euler angles (NULL = 0).
 * Outputs global[6] and local[m]. Returns the number of iterations run;
 * -1 if the normal equations are not positive definite (OpenFace would then
 * leave the update undefined; we stop and keep the last parameters). */
int fau_pdm_calc_params(const fau_pdm *p, const float *landmarks, const float rotation[3],
                        float global[6], float *local, void *workspace);

#endif
