/* What OpenFace 2.2's executables record for one fitted face, from the CLNF
 * state: FeatureExtraction.cpp (video: DetectLandmarksInVideo, then
 * GetPose, EstimateGaze only on success) and FaceLandmarkImg.cpp (images:
 * GetPose, EstimateGaze whenever an eye model exists), with the values they
 * hand to RecorderOpenFace::SetObservationLandmarks / SetObservationPose /
 * SetObservationGaze:
 *   - lmk2d, params_global, params_local: CLNF::detected_landmarks and
 *     parameters; confidence: CLNF::detection_certainty (the raw validator
 *     output, not remapped); success: video: the return of
 *     DetectLandmarksInVideo (fit->reported_success), images:
 *     CLNF::detection_success (the AU stage of videos takes
 *     fit->main.detection_success instead, as FaceAnalyser::AddNextFrame);
 *   - lmk3d: CLNF::GetShape(fx, fy, cx, cy);
 *   - pose: LandmarkDetector::GetPose;
 *   - eye_lmk2d / eye_lmk3d: CalculateAllEyeLandmarks and
 *     Calculate3DEyeLandmarks over the *_eye_28 part models;
 *   - gaze0/gaze1/gaze_angle: GazeAnalysis::EstimateGaze + GetGazeAngle.
 * AUs are not touched (the AU stage fills them). Pure: no allocation, no
 * state, thread-safe. */
#ifndef FAU_PIPELINE_FACE_OUTPUTS_H
#define FAU_PIPELINE_FACE_OUTPUTS_H

#include "core/result.h"
#include "landmarks/clnf_fit.h"
#include "landmarks/clnf_model.h"

/* Which executable's rules apply. */
typedef enum fau_face_outputs_mode {
    FAU_FACE_OUTPUTS_VIDEO = 0, /* FeatureExtraction: gaze 0,0,0 unless success */
    FAU_FACE_OUTPUTS_IMAGE = 1  /* FaceLandmarkImg: gaze always; (0,0,-1) without eye model */
} fau_face_outputs_mode;

/* Fills res (all but frame, face_id, timestamp and the AU columns, which
 * the caller owns) from fit, a result of fau_clnf_detect_landmarks or the
 * tracker on models. fx..cy: the camera intrinsics of the input.
 * Returns FAU_OK, or FAU_EINVAL when fit does not belong to models (point
 * or part counts differ). */
int fau_face_outputs(const fau_landmark_models *models, const fau_clnf_fit *fit, float fx,
                     float fy, float cx, float cy, fau_face_outputs_mode mode,
                     fau_face_result *res);

#endif
