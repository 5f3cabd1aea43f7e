/* Rotation conversions of OpenFace's Utilities/RotationHelpers.h and the
 * Rodrigues formula of OpenCV 4.6.0 (cvRodrigues2), with OpenFace's and
 * OpenCV's float/double conversions kept, so the results are the same bits.
 * Euler angles follow OpenFace: R = Rx * Ry * Rz, angles (pitch, yaw, roll).
 * All functions are pure: no state, safe from any thread. */
#ifndef FAU_POSE_ROTATION_H
#define FAU_POSE_ROTATION_H

/* Utilities::Euler2RotationMatrix: float in, float row-major 3x3 out. */
void fau_euler_to_rotation(const float euler[3], float r[9]);

/* Utilities::RotationMatrix2Euler (quaternion route, float arithmetic). */
void fau_rotation_to_euler(const float r[9], float euler[3]);

/* cvRodrigues2, rotation vector -> matrix, in double. jac (may be NULL)
 * receives OpenCV's 3x9 Jacobian dR/dr: jac[i*9 + k] = d R.val[k] / d r[i]. */
void fau_rodrigues(const double rvec[3], double r[9], double *jac);

/* Utilities::AxisAngle2Euler: cv::Rodrigues on a Vec3f (computed in double,
 * stored as float), then RotationMatrix2Euler. */
void fau_axis_angle_to_euler(const float axis_angle[3], float euler[3]);

#endif
