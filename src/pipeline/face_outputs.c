/* The per-face outputs of FeatureExtraction / FaceLandmarkImg from a CLNF
 * fit (see face_outputs.h). */
#include "pipeline/face_outputs.h"

#include <string.h>

#include "gaze/gaze.h"
#include "landmarks/pdm_ops.h"
#include "pose/pose.h"

/* Part indices of left_eye_28 / right_eye_28 (-1 when absent). */
static void find_eyes(const fau_landmark_models *m, int eye[2])
{
    eye[0] = eye[1] = -1;
    for (int i = 0; i < m->n_parts; i++) {
        if (strcmp(m->parts[i].name, "left_eye_28") == 0)
            eye[0] = i;
        else if (strcmp(m->parts[i].name, "right_eye_28") == 0)
            eye[1] = i;
    }
}

int fau_face_outputs(const fau_landmark_models *models, const fau_clnf_fit *fit, float fx,
                     float fy, float cx, float cy, fau_face_outputs_mode mode,
                     fau_face_result *res)
{
    const fau_pdm *pdm = models->main.pdm;
    const int n = pdm->n_points, m = pdm->n_modes;
    if (n != FAU_N_LANDMARKS || m > FAU_MAX_MODES || m > FAU_CLNF_MAX_MODES ||
        fit->n_parts != models->n_parts)
        return FAU_EINVAL;
    const fau_clnf_state *s = &fit->main;

    /* SetObservationLandmarks(detected_landmarks, GetShape(..), params_global,
     * params_local, detection_certainty, success). The certainty is a float
     * in CLNF, widened to the recorder's double. */
    memcpy(res->lmk2d, s->landmarks, sizeof(float) * 2 * (size_t)n);
    memcpy(res->params_global, s->global, sizeof res->params_global);
    memcpy(res->params_local, s->local, sizeof(float) * (size_t)m);
    res->n_modes = m;
    res->confidence = (double)s->detection_certainty;
    /* FeatureExtraction records (and gates gaze on) what DetectLandmarksInVideo
     * returned; FaceLandmarkImg records CLNF::detection_success. */
    res->success = (mode == FAU_FACE_OUTPUTS_VIDEO ? fit->reported_success
                                                    : s->detection_success) != 0;

    float shape[3 * FAU_CLNF_MAX_POINTS];
    fau_pdm_shape3d(pdm, s->local, shape); /* PDM::CalcShape3D */
    fau_pose_shape_camera(s->landmarks, shape, n, s->global, fx, fy, cx, cy, res->lmk3d);
    int rc = fau_pose_estimate(s->landmarks, shape, n, s->global, fx, fy, cx, cy, res->pose);
    if (rc)
        return rc;

    /* CalculateAllEyeLandmarks / Calculate3DEyeLandmarks: the eye parts'
     * detected landmarks and GetShape, in part order (left_eye_28 first in
     * main_clnf_general.txt). Written whatever the success. */
    int eye[2];
    find_eyes(models, eye);
    const int have_eyes = eye[0] >= 0 && eye[1] >= 0;
    memset(res->eye_lmk2d, 0, sizeof res->eye_lmk2d);
    memset(res->eye_lmk3d, 0, sizeof res->eye_lmk3d);
    float swapped[3][FAU_N_EYE_LANDMARKS];
    const float *gaze_eyes = &res->eye_lmk3d[0][0];
    if (have_eyes) {
        const int first = eye[0] < eye[1] ? 0 : 1; /* part order */
        const int order[2] = {eye[first], eye[1 - first]};
        float eshape[2][3 * FAU_GAZE_EYE_POINTS];
        const float *l2[2], *s3[2], *pg[2];
        for (int k = 0; k < 2; k++) {
            const fau_clnf_part *part = &models->parts[order[k]];
            const fau_clnf_state *ps = &fit->parts[order[k]];
            if (part->model.pdm->n_points != FAU_GAZE_EYE_POINTS)
                return FAU_EINVAL;
            fau_pdm_shape3d(part->model.pdm, ps->local, eshape[k]);
            l2[k] = ps->landmarks;
            s3[k] = eshape[k];
            pg[k] = ps->global;
        }
        fau_gaze_eye_landmarks(l2, s3, pg, fx, fy, cx, cy, &res->eye_lmk2d[0][0],
                               &res->eye_lmk3d[0][0]);
        if (first == 1) {
            /* fau_gaze_estimate wants left_eye_28 as points 0..27 (EstimateGaze
             * looks the eye models up by name); the CSV keeps part order. */
            const int e = FAU_GAZE_EYE_POINTS;
            for (int c = 0; c < 3; c++) {
                memcpy(&swapped[c][0], &res->eye_lmk3d[c][e], sizeof(float) * (size_t)e);
                memcpy(&swapped[c][e], &res->eye_lmk3d[c][0], sizeof(float) * (size_t)e);
            }
            gaze_eyes = &swapped[0][0];
        }
    }

    /* FeatureExtraction: gaze (0,0,0), angle 0 unless detection_success and
     * an eye model; FaceLandmarkImg: (0,0,-1) defaults, estimated whenever
     * there is an eye model. */
    const float z = mode == FAU_FACE_OUTPUTS_IMAGE ? -1.0f : 0.0f;
    res->gaze0[0] = res->gaze0[1] = res->gaze1[0] = res->gaze1[1] = 0;
    res->gaze0[2] = res->gaze1[2] = z;
    res->gaze_angle[0] = res->gaze_angle[1] = 0;
    if (models->eye_model && have_eyes && (mode == FAU_FACE_OUTPUTS_IMAGE || res->success))
        fau_gaze_estimate(res->lmk3d, gaze_eyes, res->pose, res->gaze0, res->gaze1,
                          res->gaze_angle);
    return FAU_OK;
}
