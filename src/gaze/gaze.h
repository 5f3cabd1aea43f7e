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

#endif
