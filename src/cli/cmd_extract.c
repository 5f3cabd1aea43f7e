/* The default command (FeatureExtraction) and `faceau image`
 * (FaceLandmarkImg): for each input, decode frames, find and fit the faces,
 * compute pose, gaze and AUs and write OpenFace's outputs.
 *
 * Videos and image sequences: LandmarkDetector::DetectLandmarksInVideo per
 * frame (fau_tracker_video_frame), one face. Images (`faceau image` or an
 * image input): FaceDetectorMTCNN::DetectFaces, then DetectLandmarksInImage
 * per box in the detector's order, as FaceLandmarkImg.
 *
 * --landmarks-from CSV replaces detection and fitting by an OpenFace CSV of
 * the same input (e.g. ../shared/golden/hp/<clip>.csv), to test the AU
 * stage on OpenFace's own landmarks.
 *
 * --timings prints ms/frame per stage for each input (decode, detection,
 * landmarks, validator, pose+gaze, AUs, output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "au/au.h"
#include "cli/cli.h"
#include "core/ctx.h"
#include "core/error.h"
#include "faceau.h"
#include "io/media.h"
#include "io/openface_csv.h"
#include "output/bmp.h"
#include "output/outdir.h"
#include "output/hog.h"
#include "output/recorder.h"
#include "detect/mtcnn.h"
#include "landmarks/tracker.h"
#include "pipeline/face_outputs.h"
#include "pose/pose.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds spent per stage (--timings). Detection, landmarks and validator
 * of videos come from the tracker's own clocks. */
typedef struct stage_times {
    double decode, detect, landmarks, validator, posegaze, aus, output;
} stage_times;

/* What lives as long as the command: context and tracker. */
typedef struct pipeline {
    fau_ctx *ctx;
    fau_tracker *tracker;    /* NULL with --landmarks-from */
    fau_face_box *boxes;     /* MTCNN output for images, grown as needed */
    int boxes_cap;
} pipeline;

/* Everything one input needs; freed by run_free whatever happened. */
typedef struct run {
    const fau_cli_args *a;
    fau_ctx *ctx;
    pipeline *pl;
    const char *path;
    int image_mode;          /* FaceLandmarkImg behaviour: faces per image, static AUs */
    int per_image;           /* FaceLandmarkImg -fdir: one set of outputs per image */
    const char *out_input;   /* the path outputs are named after */
    fau_media *media;
    fau_frame frame;
    fau_ofcsv *lmk;          /* --landmarks-from */
    int lmk_pending;         /* a row read ahead of its frame */
    fau_face_result pending;
    fau_au_analyser *au;
    const fau_au_models *au_models;
    fau_recorder rec;
    int rec_open;
    fau_hog_writer *hog;
    char aligned_dir[FAU_PATH_MAX + 32];
    char aligned_tmp[FAU_PATH_MAX + 64];
    float fx, fy, cx, cy;
    int64_t frames, faces;
    int stage_failed;        /* the error came from detection/fitting, not the input */
    stage_times t;
    fau_error e;
} run;

static void run_free(run *r, int failed)
{
    if (r->hog)
        fau_hog_writer_abort(&r->hog);
    if (r->rec_open && failed)
        fau_recorder_abort(&r->rec);
    if (r->aligned_tmp[0] && failed) {
        /* Remove the temporary aligned-face folder and what it holds. */
        char cmd_path[sizeof r->aligned_tmp + 32];
        snprintf(cmd_path, sizeof cmd_path, "%s", r->aligned_tmp);
        fau_outdir_remove(cmd_path);
    }
    fau_au_analyser_destroy(&r->au);
    fau_ofcsv_close(&r->lmk);
    fau_frame_free(&r->frame);
    fau_media_close(&r->media);
}

static void layout_for(run *r, fau_csv_layout *l)
{
    const fau_cli_args *a = r->a;
    memset(l, 0, sizeof *l);
    l->sequence = !r->image_mode;
    /* FeatureExtraction / FaceLandmarkImg: no gaze columns without an eye model. */
    l->gaze = a->gaze && (!r->ctx->landmarks || r->ctx->landmarks->eye_model);
    l->pose = a->pose;
    l->lmk2d = a->lmk2d;
    l->lmk3d = a->lmk3d;
    l->pdm = a->pdm;
    l->aus = a->aus;
    l->full_precision = a->full_precision;
    l->n_landmarks = FAU_N_LANDMARKS;
    l->n_eye_landmarks = FAU_N_EYE_LANDMARKS;
    l->n_modes = r->ctx->landmarks ? r->ctx->landmarks->main.pdm->n_modes : 34;
    const fau_au_models *m = r->au_models;
    for (int k = 0; m && k < m->n_reg && k < FAU_MAX_AUS; k++)
        snprintf(l->au_r_names[l->n_au_r++], FAU_AU_NAME_MAX, "%s", m->info[k].name);
    for (int k = 0; m && k < m->n_class && k < FAU_MAX_AUS; k++)
        snprintf(l->au_c_names[l->n_au_c++], FAU_AU_NAME_MAX, "%s", m->info[m->n_reg + k].name);
}

/* Next landmark row for this frame (video: the row with this frame number). */
static int next_landmarks(run *r, int frame_no, fau_face_result *res, int *have)
{
    *have = 0;
    if (!r->lmk_pending) {
        int rc = fau_ofcsv_next(r->lmk, &r->pending, &r->e);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return FAU_OK;
        r->lmk_pending = 1;
    }
    if (!r->image_mode && r->pending.frame != frame_no) {
        if (r->pending.frame < frame_no)
            return fau_error_set(&r->e, FAU_EFORMAT,
                                 "%s: frame %d appears out of order (expected frame %d)",
                                 r->a->landmarks_from, r->pending.frame, frame_no);
        return FAU_OK; /* no row for this frame */
    }
    *res = r->pending;
    r->lmk_pending = 0;
    *have = 1;
    return FAU_OK;
}

static void copy_aus(fau_face_result *res, const fau_au_frame_result *au)
{
    for (int k = 0; k < au->n_reg && k < FAU_MAX_AUS; k++)
        res->au_r[k] = au->reg[k];
    for (int k = 0; k < au->n_class && k < FAU_MAX_AUS; k++)
        res->au_c[k] = au->cls[k];
}

static int write_aligned(run *r, const fau_au_frame_result *au, int frame_no, int face_id,
                         int success)
{
    /* RecorderOpenFace: failed frames too, unless -nobadaligned. */
    if (!r->a->simalign || !au->aligned || (r->a->nobadaligned && !success))
        return FAU_OK;
    char path[sizeof r->aligned_tmp + 64];
    if (r->image_mode)
        snprintf(path, sizeof path, "%s/face_det_%06d.bmp", r->aligned_tmp, face_id);
    else
        snprintf(path, sizeof path, "%s/frame_det_%02d_%06d.bmp", r->aligned_tmp, face_id, frame_no);
    return fau_bmp_write(path, au->aligned, au->aligned_size, au->aligned_size, au->aligned_stride,
                         au->aligned_channels, &r->e);
}

/* One face: AUs, HOG, aligned face, CSV row. au_success: the success the
 * AU stage gets (FeatureExtraction passes CLNF::detection_success to
 * FaceAnalyser::AddNextFrame; the CSV, HOG and aligned faces get the
 * return of DetectLandmarksInVideo, res->success). */
static int process_face(run *r, fau_face_result *res, int au_success, int frame_no)
{
    const fau_frame *f = &r->frame;
    fau_au_frame_result au;
    int rc;
    double t0 = now_s();
    if (r->image_mode)
        rc = fau_au_predict_static(r->au, f->bgr, f->width, f->height, f->bgr_stride, res->lmk2d,
                                   &au, &r->e);
    else
        rc = fau_au_add_frame(r->au, f->bgr, f->width, f->height, f->bgr_stride, res->lmk2d,
                              au_success, f->timestamp, &au, &r->e);
    double t1 = now_s();
    r->t.aus += t1 - t0;
    if (rc)
        return rc;
    copy_aus(res, &au);
    if (r->hog &&
        (rc = fau_hog_writer_write(r->hog, au.hog, au.hog_rows, au.hog_cols, 31, res->success,
                                   &r->e)))
        return rc;
    if ((rc = write_aligned(r, &au, frame_no, res->face_id, res->success)))
        return rc;
    rc = fau_recorder_write(&r->rec, res, &r->e);
    r->t.output += now_s() - t1;
    r->faces++;
    return rc;
}

/* A detection or fitting failure: the models or memory, not the input. */
static int stage_error(run *r, int rc)
{
    r->stage_failed = 1;
    return rc;
}

/* Pose, 3D landmarks, eye landmarks and gaze of a fitted face. */
static int face_from_fit(run *r, const fau_clnf_fit *fit, fau_face_result *res)
{
    double t0 = now_s();
    int rc = fau_face_outputs(r->ctx->landmarks, fit, r->fx, r->fy, r->cx, r->cy,
                              r->image_mode ? FAU_FACE_OUTPUTS_IMAGE : FAU_FACE_OUTPUTS_VIDEO, res);
    r->t.posegaze += now_s() - t0;
    if (rc)
        return stage_error(r, fau_error_set(&r->e, rc, "%s: face outputs: %s", r->path,
                                            fau_strerror(rc)));
    return FAU_OK;
}

/* FeatureExtraction's loop body: DetectLandmarksInVideo on this frame. */
static int video_frame(run *r, int frame_no)
{
    const fau_frame *f = &r->frame;
    fau_clnf_fit fit;
    fau_face_result res;
    memset(&res, 0, sizeof res);
    int rc = fau_tracker_video_frame(r->pl->tracker, f->bgr, f->bgr_stride, f->gray,
                                     f->gray_stride, f->width, f->height, &fit, &r->e);
    if (rc)
        return stage_error(r, rc);
    if ((rc = face_from_fit(r, &fit, &res)))
        return rc;
    res.frame = frame_no;
    res.face_id = 0;
    res.timestamp = f->timestamp;
    return process_face(r, &res, fit.main.detection_success != 0, frame_no);
}

/* FaceLandmarkImg's loop body: every MTCNN face of the image, in the
 * detector's order, fitted from its box with the frontal hypothesis. */
static int image_faces(run *r, int frame_no)
{
    const fau_frame *f = &r->frame;
    pipeline *pl = r->pl;
    fau_mtcnn_params mp;
    fau_mtcnn_params_default(&mp);
    int n = 0, rc;
    double t0 = now_s();
    for (;;) {
        rc = fau_mtcnn_detect(r->ctx->detector, f->bgr, f->width, f->height, f->bgr_stride, &mp,
                              pl->boxes, NULL, pl->boxes_cap, &n, &r->e);
        if (rc || n <= pl->boxes_cap)
            break;
        /* More faces than room: grow and detect again (rare; no per-image
         * allocation in the common case). */
        fau_face_box *nb = realloc(pl->boxes, sizeof *nb * (size_t)n);
        if (!nb) {
            rc = fau_error_set(&r->e, FAU_ENOMEM, "out of memory for %d face boxes", n);
            break;
        }
        pl->boxes = nb;
        pl->boxes_cap = n;
    }
    r->t.detect += now_s() - t0;
    if (rc)
        return stage_error(r, rc);
    for (int i = 0; i < n; i++) {
        fau_clnf_fit fit;
        fau_face_result res;
        memset(&res, 0, sizeof res);
        if ((rc = fau_tracker_image_face(pl->tracker, f->gray, f->gray_stride, f->width,
                                         f->height, &pl->boxes[i], 0, &fit, &r->e)))
            return stage_error(r, rc);
        if ((rc = face_from_fit(r, &fit, &res)))
            return rc;
        res.face_id = i;
        if ((rc = process_face(r, &res, res.success, frame_no)))
            return rc;
    }
    return FAU_OK;
}

/* --landmarks-from: the faces of this frame from the CSV. */
static int csv_faces(run *r, int frame_no)
{
    fau_face_result res;
    int have, rc;
    /* Images: every row of the CSV is a face of this image. */
    do {
        memset(&res, 0, sizeof res);
        if ((rc = next_landmarks(r, frame_no, &res, &have)))
            return rc;
        if (!have) {
            if (!r->image_mode)
                return fau_error_set(&r->e, FAU_EFORMAT, "%s: no landmarks for frame %d",
                                     r->a->landmarks_from, frame_no);
            break;
        }
        if (!r->image_mode) {
            res.frame = frame_no;
            res.timestamp = r->frame.timestamp;
        }
        if ((rc = process_face(r, &res, res.success, frame_no)))
            return rc;
    } while (r->image_mode);
    return FAU_OK;
}

static int open_outputs(run *r)
{
    const fau_cli_args *a = r->a;
    fau_recorder_opts ro = {0};
    ro.input_path = r->out_input;
    ro.out_dir = a->out_dir;
    ro.out_name = r->per_image ? NULL : a->of;
    layout_for(r, &ro.layout);
    ro.hog = a->hog;
    ro.aligned = a->simalign;
    ro.fx = r->fx;
    ro.fy = r->fy;
    ro.cx = r->cx;
    ro.cy = r->cy;
    int rc = fau_recorder_open(&r->rec, &ro, &r->e);
    if (rc)
        return rc;
    r->rec_open = 1;
    if (a->hog) {
        char path[FAU_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/%s.hog", r->rec.dir, r->rec.name);
        if ((rc = fau_hog_writer_open(&r->hog, path, &r->e)))
            return rc;
    }
    if (a->simalign) {
        snprintf(r->aligned_dir, sizeof r->aligned_dir, "%s/%s_aligned", r->rec.dir, r->rec.name);
        snprintf(r->aligned_tmp, sizeof r->aligned_tmp, "%s/.%s_aligned.tmp-XXXXXX", r->rec.dir,
                 r->rec.name);
        if (!mkdtemp(r->aligned_tmp)) {
            r->aligned_tmp[0] = '\0';
            return fau_error_set(&r->e, FAU_EIO, "cannot create %s", r->aligned_dir);
        }
    }
    return FAU_OK;
}

static int commit_outputs(run *r)
{
    int rc = FAU_OK;
    const double *reg = NULL, *cls = NULL;
    fau_au_video_result vr;
    if (!r->image_mode && r->a->aus && r->rec.rows > 0) {
        if ((rc = fau_au_finish(r->au, &vr, &r->e)))
            return rc;
        if ((size_t)vr.n_frames != r->rec.rows)
            return fau_error_set(&r->e, FAU_EINVAL, "%s: %zu rows but %d AU frames", r->path,
                                 r->rec.rows, vr.n_frames);
        reg = vr.reg;
        cls = vr.cls;
    }
    if (r->hog && (rc = fau_hog_writer_close(&r->hog, &r->e)))
        return rc;
    if (r->aligned_tmp[0]) {
        if ((rc = fau_outdir_commit(r->aligned_tmp, r->aligned_dir, &r->e)))
            return rc;
        r->aligned_tmp[0] = '\0';
    }
    rc = fau_recorder_commit(&r->rec, reg, cls, &r->e);
    r->rec_open = 0;
    return rc;
}

/* Intrinsics: -fx.. if given, else OpenFace's defaults from the frame size. */
static void set_intrinsics(run *r, int width, int height)
{
    fau_pose_default_intrinsics(width, height, &r->fx, &r->fy, &r->cx, &r->cy);
    if (r->a->fx > 0)
        r->fx = (float)r->a->fx;
    if (r->a->fy > 0)
        r->fy = (float)r->a->fy;
    if (r->a->cx > 0)
        r->cx = (float)r->a->cx;
    if (r->a->cy > 0)
        r->cy = (float)r->a->cy;
}

/* One image of a FaceLandmarkImg folder run: its own outputs, committed
 * before the next image. */
static int image_of_folder(run *r, int frame_no)
{
    int rc;
    r->out_input = fau_media_current_path(r->media);
    set_intrinsics(r, r->frame.width, r->frame.height);
    double t0 = now_s();
    rc = open_outputs(r);
    r->t.output += now_s() - t0;
    if (rc || (rc = image_faces(r, frame_no)))
        return rc;
    t0 = now_s();
    rc = commit_outputs(r);
    r->t.output += now_s() - t0;
    return rc;
}

static int process_input(run *r)
{
    int rc;
    fau_media_open_opts mo = {.allow_decode_errors = r->a->allow_decode_errors,
                              .threads = r->a->threads};
    if ((rc = fau_media_open(&r->media, r->path, &mo, &r->e)))
        return rc;
    const fau_media_info *info = fau_media_get_info(r->media);
    r->image_mode = r->image_mode || info->kind == FAU_MEDIA_IMAGE;
    set_intrinsics(r, info->width, info->height);
    if (r->a->landmarks_from && (rc = fau_ofcsv_open(&r->lmk, r->a->landmarks_from, &r->e)))
        return rc;
    /* FaceLandmarkImg over a folder: every image is its own output set,
     * named after the image, with intrinsics from its own size. */
    r->per_image = r->image_mode && info->kind == FAU_MEDIA_SEQUENCE && !r->lmk;
    r->out_input = r->path;
    r->au_models = r->image_mode ? r->ctx->au_image : r->ctx->au_video;
    fau_au_opts ao;
    fau_au_opts_default(&ao);
    ao.dynamic = !r->image_mode && !r->a->au_static;
    ao.out_size = r->a->sim_size;
    ao.out_scale = r->a->sim_scale;
    ao.out_mask = !r->a->nomask;
    ao.out_grayscale = r->a->aligned_gray;
    ao.want_aligned = r->a->simalign;
    ao.expected_frames = info->frame_count > 0 ? (int)info->frame_count : 0;
    if ((rc = fau_au_analyser_create(&r->au, r->au_models, &ao, &r->e)))
        return rc;
    if (!r->per_image && (rc = open_outputs(r)))
        return rc;
    if (r->pl->tracker)
        fau_tracker_reset(r->pl->tracker); /* CLNF::Reset: a new video */
    for (;;) {
        double t0 = now_s();
        rc = fau_media_next(r->media, &r->frame, &r->e);
        r->t.decode += now_s() - t0;
        if (rc != 1)
            break;
        int frame_no = (int)r->frame.index + 1;
        if (r->lmk)
            rc = csv_faces(r, frame_no);
        else if (r->per_image)
            rc = image_of_folder(r, frame_no);
        else if (r->image_mode)
            rc = image_faces(r, frame_no);
        else
            rc = video_frame(r, frame_no);
        if (rc)
            return rc;
        r->frames++;
    }
    if (rc < 0 || r->per_image)
        return rc;
    double t0 = now_s();
    rc = commit_outputs(r);
    r->t.output += now_s() - t0;
    return rc;
}

/* Exit code for a failure while processing one input. */
static int exit_for_run(const run *r, int rc)
{
    if (rc == FAU_EIO && r->rec_open)
        return FAU_EXIT_OUTPUT;
    if (r->stage_failed)
        return FAU_EXIT_FAILURE;
    if (rc == FAU_EINVAL || rc == FAU_EBACKEND || rc == FAU_ENOMEM)
        return r->media ? FAU_EXIT_FAILURE : FAU_EXIT_INPUT;
    return FAU_EXIT_INPUT;
}

/* --timings: one line per input, ms per frame and stage (key=value, for
 * bench/bench.sh). */
static void print_timings(const run *r, const fau_tracker_times *t0, double wall)
{
    stage_times t = r->t;
    if (r->pl->tracker) {
        /* The tracker's clocks (videos: MTCNN runs inside it). */
        const fau_tracker_times *t1 = fau_tracker_get_times(r->pl->tracker);
        if (!r->image_mode)
            t.detect += t1->detect - t0->detect;
        t.landmarks += t1->landmarks - t0->landmarks;
        t.validator += t1->validator - t0->validator;
    }
    const double k = r->frames > 0 ? 1000.0 / (double)r->frames : 0.0;
    printf("faceau timings: %s: frames=%lld faces=%lld decode=%.3f detection=%.3f "
           "landmarks=%.3f validator=%.3f pose_gaze=%.3f aus=%.3f output=%.3f total=%.3f "
           "fps=%.2f (ms/frame)\n",
           r->path, (long long)r->frames, (long long)r->faces, k * t.decode, k * t.detect,
           k * t.landmarks, k * t.validator, k * t.posegaze, k * t.aus, k * t.output, k * wall,
           wall > 0 ? (double)r->frames / wall : 0.0);
}

static int run_one(const fau_cli_args *a, pipeline *pl, const char *path, int images_mode)
{
    run r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.ctx = pl->ctx;
    r.pl = pl;
    r.path = path;
    r.image_mode = images_mode;
    fau_tracker_times tt0 = {0};
    if (pl->tracker)
        tt0 = *fau_tracker_get_times(pl->tracker);
    double t0 = now_s();
    int rc = process_input(&r);
    double dt = now_s() - t0;
    int code = FAU_EXIT_OK;
    if (rc) {
        fau_cli_error("%s", r.e.msg[0] ? r.e.msg : fau_strerror(rc));
        code = exit_for_run(&r, rc);
    } else {
        if (!a->quiet && r.per_image)
            printf("%s: %lld image(s) in %.2f s -> %s/ (one CSV per image with faces)\n", path,
                   (long long)r.frames, dt, r.rec.dir);
        else if (!a->quiet)
            printf("%s: %lld frame(s) in %.2f s (%.1f frames/s) -> %s/%s.csv\n", path,
                   (long long)r.frames, dt, dt > 0 ? (double)r.frames / dt : 0.0, r.rec.dir,
                   r.rec.name);
        if (a->timings)
            print_timings(&r, &tt0, dt);
    }
    run_free(&r, rc != FAU_OK);
    return code;
}

int fau_cmd_extract(fau_cli_args *a, int images_mode)
{
    if (a->landmarks_from && a->n_files + a->n_fdirs != 1) {
        fau_cli_error("--landmarks-from needs exactly one input (-f or -fdir)");
        return FAU_EXIT_USAGE;
    }
    fau_options o;
    fau_options_default(&o);
    o.models_dir = a->models_dir;
    if (a->mloc)
        o.landmark_model = a->mloc;
    o.au_static = a->au_static;
    o.threads = a->threads;
    char err[4096];
    pipeline pl;
    memset(&pl, 0, sizeof pl);
    double t0 = now_s();
    int rc = fau_create(&pl.ctx, &o, err, sizeof err);
    if (rc != FAU_OK) {
        fau_cli_error("%s", err);
        return FAU_EXIT_MODELS;
    }
    int code = FAU_EXIT_OK;
    if (!a->landmarks_from) {
        /* One tracker per context, reset for every input. */
        fau_error e = {0};
        enum { BOXES0 = 32 };
        if (!pl.ctx->landmarks || !pl.ctx->detector) {
            fau_cli_error("landmark or face detector models not loaded");
            code = FAU_EXIT_MODELS;
        } else if ((rc = fau_tracker_create(&pl.tracker, pl.ctx->landmarks, pl.ctx->detector,
                                            &e)) != FAU_OK) {
            fau_cli_error("%s", e.msg[0] ? e.msg : fau_strerror(rc));
            code = rc == FAU_ENOMEM ? FAU_EXIT_FAILURE : FAU_EXIT_MODELS;
        } else if (!(pl.boxes = malloc(sizeof *pl.boxes * BOXES0))) {
            fau_cli_error("out of memory");
            code = FAU_EXIT_FAILURE;
        } else {
            pl.boxes_cap = BOXES0;
        }
    }
    if (code == FAU_EXIT_OK && !a->quiet)
        printf("models: %s (loaded in %.0f ms)\n", fau_models_dir(pl.ctx), 1000 * (now_s() - t0));
    for (int i = 0; i < a->n_files && code == FAU_EXIT_OK; i++)
        code = run_one(a, &pl, a->files[i], images_mode);
    for (int i = 0; i < a->n_fdirs && code == FAU_EXIT_OK; i++)
        code = run_one(a, &pl, a->fdirs[i], images_mode);
    free(pl.boxes);
    fau_tracker_destroy(&pl.tracker);
    fau_destroy(&pl.ctx);
    return code;
}
