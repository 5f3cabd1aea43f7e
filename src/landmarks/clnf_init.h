/* CLNF initialisation from a face box: PDM::CalcParams(params_global,
 * bounding_box, params_local, rotation) and the PDM::CalcShape2D /
 * Utilities::Euler2RotationMatrix it relies on, with OpenFace's float/double
 * mix reproduced so that the initial parameters and landmarks are
 * bit-identical (golden/stages/<x>/clnf_init.csv). */
#ifndef FAU_LANDMARKS_CLNF_INIT_H
#define FAU_LANDMARKS_CLNF_INIT_H

#include "landmarks/pdm.h"

/* Utilities::Euler2RotationMatrix (float, XYZ convention; sin/cos in double,
 * rounded to float), R row-major 3x3. */
void fau_clnf_euler_to_rotation(const float euler[3], float R[9]);

/* PDM::CalcShape3D: out (3*n: x.., y.., z..) = mean + princ_comp * params_local.
 * params_local may be NULL (all zero; the result is then the mean shape
 * exactly). OpenFace uses OpenBLAS sgemm here, whose summation order is not
 * reproduced: results for non-zero params_local may differ in the last bits. */
void fau_clnf_shape3d(const fau_pdm *pdm, const float *params_local, float *out);

/* PDM::CalcShape2D: out (2*n: x.., y..) in image pixels from global
 * parameters {scale, rx, ry, rz, tx, ty} and a 3D shape from fau_clnf_shape3d. */
void fau_clnf_shape2d(const fau_pdm *pdm, const float *shape3d, const float params_global[6],
                      float *out);

/* PDM::CalcParams from a bounding box {x, y, w, h} and a rotation
 * hypothesis; shape3d is fau_clnf_shape3d of the current params_local (the
 * mean shape at initialisation). Writes params_global. */
void fau_clnf_init_params(const fau_pdm *pdm, const float *shape3d, const float bbox[4],
                          const float rotation[3], float params_global[6]);

#endif
