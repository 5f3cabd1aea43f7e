/* OpenFace 2.2's MTCNN face detector (LandmarkDetector::FaceDetectorMTCNN,
 * FaceDetectorMTCNN.cpp) and the single-face choice of
 * LandmarkDetector::DetectSingleFaceMTCNN (LandmarkDetectorUtils.cpp).
 *
 * The boxes returned are OpenFace's o_regions: the ONet box already moved
 * and scaled to be tight around the 68 landmarks (x -= 0.0075 w,
 * y += 0.2459 h, w *= 1.0323, h *= 0.7751), i.e. the bounding box
 * DetectLandmarksInImage hands to PDM::CalcParams.
 *
 * A fau_mtcnn owns its models and its scratch buffers; scratch grows to the
 * largest image and box seen and is then reused, so repeated calls on
 * frames of one size make no allocation. Not thread-safe: one thread at a
 * time per object. */
#ifndef FAU_DETECT_MTCNN_H
#define FAU_DETECT_MTCNN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/models_path.h"

/* cv::Rect_<float>: top-left corner and size in image pixels. */
typedef struct fau_face_box {
    float x, y, width, height;
} fau_face_box;

/* Stages reported to the trace callback, in execution order; they match
 * the `stage` column of golden/stages/<name>/mtcnn.csv. */
typedef enum fau_mtcnn_stage {
    FAU_MTCNN_PNET_SCALE = 0, /* per pyramid level after its NMS (IoU 0.5) */
    FAU_MTCNN_PNET_NMS,       /* all levels after the cross-scale NMS (0.7) */
    FAU_MTCNN_RNET_IN,        /* after regression + rectify: RNet crops */
    FAU_MTCNN_RNET_NMS,       /* RNet prob >= t2, after NMS (0.7) */
    FAU_MTCNN_ONET_IN,        /* after regression + rectify: ONet crops */
    FAU_MTCNN_ONET,           /* ONet prob >= t3, regressed, NMS (0.7, min) */
    FAU_MTCNN_FINAL           /* landmark-tight boxes returned */
} fau_mtcnn_stage;

typedef struct fau_mtcnn_trace_row {
    fau_mtcnn_stage stage;
    int pyr_idx;      /* pyramid level for PNET_SCALE, else -1 */
    double pyr_scale; /* its scale, else NAN */
    int cand;         /* index within the stage */
    fau_face_box box;
    float score;
    float reg[4];     /* regression outputs (x, y, w, h), NAN when none */
} fau_mtcnn_trace_row;

typedef void (*fau_mtcnn_trace_fn)(void *user, const fau_mtcnn_trace_row *row);

typedef struct fau_mtcnn_params {
    int min_face;         /* smallest face in pixels (OpenFace: 60) */
    float t1, t2, t3;     /* PNet, RNet, ONet thresholds (0.6, 0.7, 0.7) */
    fau_mtcnn_trace_fn trace; /* optional: every candidate of every stage */
    void *trace_user;
} fau_mtcnn_params;

typedef struct fau_mtcnn fau_mtcnn;

/* OpenFace's DetectFaces defaults. */
void fau_mtcnn_params_default(fau_mtcnn_params *p);

/* FaceDetectorMTCNN::Read: reads `rel` (e.g.
 * "model/mtcnn_detector/MTCNN_detector.txt") under the models folder, whose
 * "PNet <file>", "RNet <file>", "ONet <file>" lines name the three .dat
 * files relative to it. FAU_ENOTFOUND if a file is missing, FAU_EFORMAT
 * (naming file and byte offset) if one is malformed or truncated, or if a
 * net cannot run on its input size (12x12, 24x24, 48x48). *out is NULL on
 * failure. */
int fau_mtcnn_load(fau_mtcnn **out, const fau_model_paths *paths, const char *rel, fau_error *e);

/* Same from the path of the detector text file. */
int fau_mtcnn_load_file(fau_mtcnn **out, const char *path, fau_error *e);

/* Frees and sets *m to NULL; accepts NULL. */
void fau_mtcnn_free(fau_mtcnn **m);

/* FaceDetectorMTCNN::DetectFaces on an 8-bit BGR image (stride bytes
 * between rows). Writes up to max_boxes boxes and confidences (ONet
 * probabilities; confidences may be NULL) in OpenFace's output order and
 * the total number found to *n (which may exceed max_boxes). p may be NULL
 * for the defaults. Returns FAU_OK, FAU_EINVAL, FAU_ENOMEM. */
int fau_mtcnn_detect(fau_mtcnn *m, const uint8_t *bgr, int width, int height, size_t stride,
                     const fau_mtcnn_params *p, fau_face_box *boxes, float *confidences,
                     int max_boxes, int *n, fau_error *e);

/* DetectSingleFaceMTCNN's choice among n > 0 detections: the widest box
 * (first on ties), or, when pref_x and pref_y are both not -1, the box
 * whose centre is nearest that point. Returns the index, -1 if n <= 0. */
int fau_mtcnn_select(const fau_face_box *boxes, int n, int pref_x, int pref_y);

#endif
