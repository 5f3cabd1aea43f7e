/* Face landmark detection and tracking as OpenFace 2.2's executables drive
 * it (LandmarkDetectorFunc.cpp): DetectLandmarksInVideo for FeatureExtraction
 * (track from the previous frame with the small search windows; on failure
 * re-detect with MTCNN every reinit_video_every frames and fit the 11
 * rotation hypotheses of DetectLandmarksInImage; restore the previous
 * estimate when a re-detection fails) and DetectLandmarksInImage for
 * FaceLandmarkImg (one fit per MTCNN box, a single frontal hypothesis).
 *
 * A fau_tracker holds the tracking state of one face in one video; reset it
 * between videos. Not thread-safe. */
#ifndef FAU_LANDMARKS_TRACKER_H
#define FAU_LANDMARKS_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "detect/mtcnn.h"
#include "landmarks/clnf_fit.h"

typedef struct fau_tracker fau_tracker;

/* Timings accumulated by the tracker (seconds), for benchmarks. */
typedef struct fau_tracker_times {
    double detect, landmarks, validator;
    int64_t detections;
} fau_tracker_times;

int fau_tracker_create(fau_tracker **out, const fau_landmark_models *models, fau_mtcnn *detector,
                       fau_error *e);
void fau_tracker_destroy(fau_tracker **t);
/* CLNF::Reset: forget the face (a new video). */
void fau_tracker_reset(fau_tracker *t);
fau_clnf_fitter *fau_tracker_fitter(fau_tracker *t);
const fau_tracker_times *fau_tracker_get_times(fau_tracker *t);

/* DetectLandmarksInVideo on the next frame (BGR for MTCNN, its grey
 * version for CLNF). *out receives the model state OpenFace records for
 * the frame (detected_landmarks, parameters, certainty, success and the
 * part models). Returns FAU_OK or a hard error (memory, broken model). */
int fau_tracker_video_frame(fau_tracker *t, const uint8_t *bgr, size_t bgr_stride,
                            const uint8_t *gray, size_t gray_stride, int width, int height,
                            fau_clnf_fit *out, fau_error *e);

/* DetectLandmarksInImage for one face box (as MTCNN returns it) with the
 * rotation hypotheses of multi_view (0: frontal only, FaceLandmarkImg's
 * CLNF default; 1: the 11 of re-detection). */
int fau_tracker_image_face(fau_tracker *t, const uint8_t *gray, size_t gray_stride, int width,
                           int height, const fau_face_box *box, int multi_view, fau_clnf_fit *out,
                           fau_error *e);

#endif
