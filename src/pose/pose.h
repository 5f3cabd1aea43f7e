/* Head pose and camera-space landmarks as OpenFace 2.2 computes them
 * (LandmarkDetector::GetPose, CLNF::GetShape) and OpenFace's default camera
 * intrinsics. Pure functions of their inputs: no allocation, thread-safe. */
#ifndef FAU_POSE_POSE_H
#define FAU_POSE_POSE_H

/* Default intrinsics of SequenceCapture/ImageCapture::SetCameraIntrinsics
 * when -fx/-fy/-cx/-cy are not given (float arithmetic as OpenFace):
 * cx = w/2, cy = h/2, fx = fy = (500*(w/640) + 500*(h/480)) / 2, which is
 * 500*w/640 only for 4:3 frames. */
void fau_pose_default_intrinsics(int width, int height, float *fx, float *fy, float *cx, float *cy);

/* LandmarkDetector::GetPose: cv::solvePnP (iterative, from the guess derived
 * from params_global) of the PDM shape against the 2D landmarks, returned as
 * [Tx, Ty, Tz (mm), Rx, Ry, Rz (rad, OpenFace Euler)].
 * lmk2d: x0..x{n-1}, y0..y{n-1}; shape3d: the object-space PDM shape
 * (PDM::CalcShape3D(params_local)) X0.., Y0.., Z0..; params_global: scale,
 * rx, ry, rz, tx, ty. As OpenFace, a zero scale gives an all-zero pose.
 * Returns FAU_OK, or FAU_EINVAL for n outside [4, FAU_PNP_MAX_POINTS]. */
int fau_pose_estimate(const float *lmk2d, const float *shape3d, int n, const float params_global[6],
                      float fx, float fy, float cx, float cy, float pose_out[6]);

/* CLNF::GetShape: camera-space 3D landmarks (mm) from the 2D landmarks, the
 * object-space PDM shape (X.., Y.., Z..) and params_global, for any CLNF
 * model (face: the X_/Y_/Z_ CSV columns; eye part models: eye_lmk_X/Y/Z).
 * out: X0..X{n-1}, Y.., Z.. (3n floats). */
void fau_pose_shape_camera(const float *lmk2d, const float *shape3d, int n,
                           const float params_global[6], float fx, float fy, float cx, float cy,
                           float *out);

#endif
