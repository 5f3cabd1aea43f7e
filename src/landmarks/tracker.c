/* DetectLandmarksInVideo / DetectLandmarksInImage of OpenFace 2.2
 * (LandmarkDetectorFunc.cpp) on top of the CLNF fitter. */
#include "landmarks/tracker.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "landmarks/pdm_ops.h"

/* FaceModelParameters::reinit_video_every */
#define REINIT_VIDEO_EVERY 2
#define MAX_DETECTIONS 64

/* The rotation hypotheses of DetectLandmarksInImage with multi_view
 * (pitch, yaw, roll in radians; Vec3d in OpenFace, cast to float by
 * PDM::CalcParams). */
static const double hypotheses[11][3] = {
    {0, 0, 0},       {0, -0.5236, 0}, {0, 0.5236, 0}, {0, -0.96, 0},
    {0, 0.96, 0},    {0, 0, 0.5236},  {0, 0, -0.5236}, {0, -1.57, 0},
    {0, 1.57, 0},    {0, -1.22, 0.698}, {0, 1.22, -0.698}};

struct fau_tracker {
    const fau_landmark_models *models;
    fau_mtcnn *detector;
    fau_clnf_fitter *fitter;
    /* CLNF's tracking state */
    fau_clnf_fit state;
    int tracking_initialised;
    int failures_in_a_row;
    fau_clnf_fit hyp; /* scratch for the hypotheses */
    fau_face_box boxes[MAX_DETECTIONS];
    float conf[MAX_DETECTIONS];
    fau_tracker_times times;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int fau_tracker_create(fau_tracker **out, const fau_landmark_models *models, fau_mtcnn *detector,
                       fau_error *e)
{
    *out = NULL;
    fau_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return fau_error_set(e, FAU_ENOMEM, "out of memory creating the face tracker");
    t->models = models;
    t->detector = detector;
    int rc = fau_clnf_fitter_create(&t->fitter, models, e);
    if (rc) {
        free(t);
        return rc;
    }
    fau_tracker_reset(t);
    *out = t;
    return FAU_OK;
}

void fau_tracker_destroy(fau_tracker **pt)
{
    fau_tracker *t = *pt;
    if (!t)
        return;
    fau_clnf_fitter_destroy(&t->fitter);
    free(t);
    *pt = NULL;
}

void fau_tracker_reset(fau_tracker *t)
{
    /* CLNF::Reset */
    fau_clnf_state *s = &t->state.main;
    memset(&t->state, 0, sizeof t->state);
    s->global[0] = 1;
    s->model_likelihood = -10;
    s->detection_certainty = 0;
    t->state.n_parts = t->models->n_parts;
    for (int i = 0; i < t->models->n_parts; i++)
        t->state.parts[i].global[0] = 1;
    t->tracking_initialised = 0;
    t->failures_in_a_row = -1;
}

fau_clnf_fitter *fau_tracker_fitter(fau_tracker *t)
{
    return t->fitter;
}

const fau_tracker_times *fau_tracker_get_times(fau_tracker *t)
{
    /* landmarks excludes the validator, which the fitter times itself */
    const double v = fau_clnf_fitter_validator_seconds(t->fitter);
    t->times.landmarks -= v - t->times.validator;
    t->times.validator = v;
    return &t->times;
}

static int detect_landmarks(fau_tracker *t, const uint8_t *gray, size_t stride, int w, int h,
                            int small, fau_clnf_fit *fit, fau_error *e)
{
    fau_clnf_params p;
    fau_clnf_params_main(&p, small);
    double t0 = now();
    int rc = fau_clnf_detect_landmarks(t->fitter, gray, w, h, stride, &p, fit, e);
    t->times.landmarks += now() - t0;
    return rc;
}

/* DetectLandmarksInImageMultiHypBasic: fit every hypothesis from the box,
 * keep the one with the highest model likelihood (the first on ties). */
static int multi_hypothesis(fau_tracker *t, const uint8_t *gray, size_t stride, int w, int h,
                            const fau_face_box *box, int n_hyp, fau_clnf_fit *out, fau_error *e)
{
    const fau_pdm *pdm = t->models->main.pdm;
    const float fbox[4] = {box->x, box->y, box->width, box->height};
    float tmp[3 * FAU_CLNF_MAX_POINTS];
    float best_lh = 0;
    for (int k = 0; k < n_hyp; k++) {
        fau_clnf_fit *f = &t->hyp;
        *f = *out; /* the part models keep their state between hypotheses */
        memset(f->main.local, 0, sizeof f->main.local);
        const float rot[3] = {(float)hypotheses[k][0], (float)hypotheses[k][1],
                              (float)hypotheses[k][2]};
        fau_pdm_params_from_bbox(pdm, fbox, f->main.local, rot, f->main.global, tmp);
        int rc = detect_landmarks(t, gray, stride, w, h, 0, f, e);
        if (rc)
            return rc;
        if (k == 0 || best_lh < f->main.model_likelihood) {
            best_lh = f->main.model_likelihood;
            *out = *f;
        }
    }
    out->reported_success = out->main.detection_success;
    return FAU_OK;
}

int fau_tracker_image_face(fau_tracker *t, const uint8_t *gray, size_t gray_stride, int width,
                           int height, const fau_face_box *box, int multi_view, fau_clnf_fit *out,
                           fau_error *e)
{
    int rc = multi_hypothesis(t, gray, gray_stride, width, height, box, multi_view ? 11 : 1,
                              &t->state, e);
    if (rc)
        return rc;
    *out = t->state;
    return FAU_OK;
}

int fau_tracker_video_frame(fau_tracker *t, const uint8_t *bgr, size_t bgr_stride,
                            const uint8_t *gray, size_t gray_stride, int width, int height,
                            fau_clnf_fit *out, fau_error *e)
{
    fau_clnf_fit *st = &t->state;
    const int initial_detection = !t->tracking_initialised;
    int rc;
    if (t->tracking_initialised) {
        /* track with the small windows after a success, else search wide */
        rc = detect_landmarks(t, gray, gray_stride, width, height, st->main.detection_success, st,
                              e);
        if (rc)
            return rc;
        if (!st->main.detection_success)
            t->failures_in_a_row++;
        else
            t->failures_in_a_row = -1;
    }
    /* Re-detect: first frames (every 12 until a face appears) and after a
     * tracking failure (every reinit_video_every failures). */
    const int redetect =
        (!t->tracking_initialised && (t->failures_in_a_row + 1) % (REINIT_VIDEO_EVERY * 6) == 0) ||
        (t->tracking_initialised && !st->main.detection_success &&
         t->failures_in_a_row % REINIT_VIDEO_EVERY == 0);
    if (redetect && t->detector) {
        fau_mtcnn_params mp;
        fau_mtcnn_params_default(&mp);
        int n = 0;
        double t0 = now();
        rc = fau_mtcnn_detect(t->detector, bgr, width, height, bgr_stride, &mp, t->boxes, t->conf,
                              MAX_DETECTIONS, &n, e);
        t->times.detect += now() - t0;
        t->times.detections++;
        if (rc)
            return rc;
        if (n > MAX_DETECTIONS)
            n = MAX_DETECTIONS;
        const int best = fau_mtcnn_select(t->boxes, n, -1, -1);
        if (best >= 0) {
            t->tracking_initialised = 1;
            const fau_clnf_fit saved = *st;
            rc = multi_hypothesis(t, gray, gray_stride, width, height, &t->boxes[best], 11, st, e);
            if (rc)
                return rc;
            if (!initial_detection && !st->main.detection_success) {
                /* keep tracking from the previous estimate; OpenFace
                 * restores the shape, not the success flags or parts */
                memcpy(st->main.global, saved.main.global, sizeof st->main.global);
                memcpy(st->main.local, saved.main.local, sizeof st->main.local);
                memcpy(st->main.landmarks, saved.main.landmarks, sizeof st->main.landmarks);
                st->main.model_likelihood = saved.main.model_likelihood;
                st->reported_success = 0;
            } else {
                t->failures_in_a_row = -1;
                st->reported_success = 1;
            }
            *out = *st;
            return FAU_OK;
        }
    }
    if (!t->tracking_initialised)
        t->failures_in_a_row++;
    if (t->failures_in_a_row > 100)
        t->tracking_initialised = 0;
    st->reported_success = st->main.detection_success;
    *out = *st;
    return FAU_OK;
}
