/* Eye gaze as OpenFace 2.2's GazeAnalysis::EstimateGaze / GetGazeAngle
 * compute it (GazeAnalyser/src/GazeEstimation.cpp). Pure, thread-safe. */
#ifndef FAU_GAZE_GAZE_H
#define FAU_GAZE_GAZE_H

#define FAU_GAZE_EYE_POINTS 28

/* face3d: camera-space face landmarks (CLNF::GetShape of the 68-point
 * model), X0..X67, Y0..Y67, Z0..Z67.
 * eye3d: camera-space eye landmarks of both eye models, in the order
 * LandmarkDetector::Calculate3DEyeLandmarks emits them: eye 0 = left_eye_28
 * (around face points 36-41, the leftmost eye in the image) points 0..27,
 * eye 1 = right_eye_28 points 28..55; laid out X0..X55, Y0..Y55, Z0..Z55
 * (the eye_lmk_X/Y/Z CSV columns).
 * pose: the head pose of fau_pose_estimate (its Euler angles are used).
 * gaze0/gaze1: unit gaze vectors of eye 0 and 1; angle: gaze_angle_x/_y. */
void fau_gaze_estimate(const float *face3d, const float *eye3d, const float pose[6], float gaze0[3],
                       float gaze1[3], float angle[2]);

/* LandmarkDetector::CalculateAllEyeLandmarks and Calculate3DEyeLandmarks:
 * the 56 eye-region landmarks written to the CSV (eye_lmk_x/y, eye_lmk_X/Y/Z)
 * from the two 28-point eye part models, index 0 = left_eye_28, 1 =
 * right_eye_28 (the order of main_clnf_general.txt, which OpenFace keeps).
 * Per model: lmk2d[e] its detected landmarks (x0..x27, y0..y27), shape3d[e]
 * its object-space PDM shape (PDM::CalcShape3D of its params_local, X.., Y..,
 * Z..), params_global[e] its global parameters. The 3D points are
 * CLNF::GetShape of each model (fau_pose_shape_camera).
 * eye2d: x0..x55, y0..y55; eye3d: X0..X55, Y0..Y55, Z0..Z55. */
void fau_gaze_eye_landmarks(const float *const lmk2d[2], const float *const shape3d[2],
                            const float *const params_global[2], float fx, float fy, float cx,
                            float cy, float *eye2d, float *eye3d);

#endif
