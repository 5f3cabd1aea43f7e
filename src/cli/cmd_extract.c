/* The default command (FeatureExtraction) and `faceau image`
 * (FaceLandmarkImg): for each input, decode frames, get landmarks, run the
 * AU stage and write OpenFace's outputs.
 *
 * Landmarks come from --landmarks-from (an OpenFace CSV of the same input,
 * e.g. ../shared/golden/hp/<clip>.csv); the detection and CLNF stages are
 * connected here as they are completed. Without a landmark source the
 * command decodes every input and reports what it found. */
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
#include "pose/pose.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *kind_name(fau_media_kind k)
{
    return k == FAU_MEDIA_VIDEO ? "video" : k == FAU_MEDIA_SEQUENCE ? "image sequence" : "image";
}

/* Everything one input needs; freed by run_free whatever happened. */
typedef struct run {
    const fau_cli_args *a;
    fau_ctx *ctx;
    const char *path;
    int image_mode;          /* FaceLandmarkImg behaviour: faces per image, static AUs */
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
    int64_t frames;
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
    l->gaze = a->gaze;
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

/* One face: AUs, HOG, aligned face, CSV row. */
static int process_face(run *r, fau_face_result *res, int frame_no)
{
    const fau_frame *f = &r->frame;
    fau_au_frame_result au;
    int rc;
    if (r->image_mode)
        rc = fau_au_predict_static(r->au, f->bgr, f->width, f->height, f->bgr_stride, res->lmk2d,
                                   &au, &r->e);
    else
        rc = fau_au_add_frame(r->au, f->bgr, f->width, f->height, f->bgr_stride, res->lmk2d,
                              res->success, f->timestamp, &au, &r->e);
    if (rc)
        return rc;
    copy_aus(res, &au);
    if (r->hog &&
        (rc = fau_hog_writer_write(r->hog, au.hog, au.hog_rows, au.hog_cols, 31, res->success,
                                   &r->e)))
        return rc;
    if ((rc = write_aligned(r, &au, frame_no, res->face_id, res->success)))
        return rc;
    return fau_recorder_write(&r->rec, res, &r->e);
}

static int open_outputs(run *r)
{
    const fau_cli_args *a = r->a;
    fau_recorder_opts ro = {0};
    ro.input_path = r->path;
    ro.out_dir = a->out_dir;
    ro.out_name = a->of;
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

static int process_input(run *r)
{
    int rc;
    fau_media_open_opts mo = {.allow_decode_errors = r->a->allow_decode_errors,
                              .threads = r->a->threads};
    if ((rc = fau_media_open(&r->media, r->path, &mo, &r->e)))
        return rc;
    const fau_media_info *info = fau_media_get_info(r->media);
    r->image_mode = r->image_mode || info->kind == FAU_MEDIA_IMAGE;
    /* Intrinsics: -fx.. if given, else OpenFace's defaults from the frame size. */
    fau_pose_default_intrinsics(info->width, info->height, &r->fx, &r->fy, &r->cx, &r->cy);
    if (r->a->fx > 0)
        r->fx = (float)r->a->fx;
    if (r->a->fy > 0)
        r->fy = (float)r->a->fy;
    if (r->a->cx > 0)
        r->cx = (float)r->a->cx;
    if (r->a->cy > 0)
        r->cy = (float)r->a->cy;
    if ((rc = fau_ofcsv_open(&r->lmk, r->a->landmarks_from, &r->e)))
        return rc;
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
    if ((rc = open_outputs(r)))
        return rc;
    while ((rc = fau_media_next(r->media, &r->frame, &r->e)) == 1) {
        int frame_no = (int)r->frame.index + 1;
        fau_face_result res;
        int have;
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
            if ((rc = process_face(r, &res, frame_no)))
                return rc;
        } while (r->image_mode);
        r->frames++;
    }
    if (rc < 0)
        return rc;
    return commit_outputs(r);
}

/* Decodes one input from start to end and reports it (no landmark source). */
static int scan_input(const fau_cli_args *a, fau_ctx *ctx, const char *path)
{
    enum { MAX_FACES = 64 };
    fau_face_box boxes[MAX_FACES];
    float conf[MAX_FACES];
    int n_faces = -1;
    fau_error e = {0};
    fau_media *m = NULL;
    fau_frame f = {0};
    fau_media_open_opts mo = {.allow_decode_errors = a->allow_decode_errors, .threads = a->threads};
    double t0 = now_s();
    int rc = fau_media_open(&m, path, &mo, &e);
    if (rc != FAU_OK) {
        /* Whatever the status (a size cap is FAU_ENOMEM), the input is at fault. */
        fau_cli_error("%s", e.msg);
        return FAU_EXIT_INPUT;
    }
    const fau_media_info *info = fau_media_get_info(m);
    int64_t frames = 0;
    double first_ts = 0, last_ts = 0;
    while ((rc = fau_media_next(m, &f, &e)) == 1) {
        if (frames == 0) {
            first_ts = f.timestamp;
            /* Faces MTCNN finds in the first frame (OpenFace's detector). */
            fau_mtcnn_params mp;
            fau_mtcnn_params_default(&mp);
            if (ctx->detector &&
                fau_mtcnn_detect(ctx->detector, f.bgr, f.width, f.height, f.bgr_stride, &mp, boxes,
                                 conf, MAX_FACES, &n_faces, &e) != FAU_OK) {
                rc = e.code;
                break;
            }
        }
        last_ts = f.timestamp;
        frames++;
    }
    double dt = now_s() - t0;
    int code = FAU_EXIT_OK;
    if (rc < 0) {
        fau_cli_error("%s", e.msg);
        code = FAU_EXIT_INPUT;
    } else if (!a->quiet) {
        printf("%s: %s, %s, %dx%d", path, kind_name(info->kind), info->codec, info->width,
               info->height);
        if (info->kind == FAU_MEDIA_VIDEO)
            printf(", %.3f fps, rotation %d", info->fps, info->rotation);
        printf(": %lld frame(s) decoded, timestamps %.3f..%.3f s, %.1f frames/s\n",
               (long long)frames, first_ts, last_ts, dt > 0 ? (double)frames / dt : 0.0);
        for (int i = 0; i < n_faces; i++)
            printf("  face %d in the first frame: x %.1f y %.1f w %.1f h %.1f (MTCNN confidence %.3f)\n",
                   i, boxes[i].x, boxes[i].y, boxes[i].width, boxes[i].height, conf[i]);
        if (n_faces == 0)
            printf("  no face in the first frame\n");
    }
    fau_frame_free(&f);
    fau_media_close(&m);
    return code;
}

/* Exit code for a failure while processing one input. */
static int exit_for_run(const run *r, int rc)
{
    if (rc == FAU_EIO && r->rec_open)
        return FAU_EXIT_OUTPUT;
    if (rc == FAU_EINVAL || rc == FAU_EBACKEND || rc == FAU_ENOMEM)
        return r->media ? FAU_EXIT_FAILURE : FAU_EXIT_INPUT;
    return FAU_EXIT_INPUT;
}

static int run_one(const fau_cli_args *a, fau_ctx *ctx, const char *path, int images_mode)
{
    if (!a->landmarks_from)
        return scan_input(a, ctx, path);
    run r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.ctx = ctx;
    r.path = path;
    r.image_mode = images_mode;
    double t0 = now_s();
    int rc = process_input(&r);
    int code = FAU_EXIT_OK;
    if (rc) {
        fau_cli_error("%s", r.e.msg[0] ? r.e.msg : fau_strerror(rc));
        code = exit_for_run(&r, rc);
    } else if (!a->quiet) {
        double dt = now_s() - t0;
        printf("%s: %lld frame(s) in %.2f s (%.1f frames/s) -> %s/%s.csv\n", path,
               (long long)r.frames, dt, dt > 0 ? (double)r.frames / dt : 0.0, r.rec.dir,
               r.rec.name);
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
    fau_ctx *ctx = NULL;
    double t0 = now_s();
    int rc = fau_create(&ctx, &o, err, sizeof err);
    if (rc != FAU_OK) {
        fau_cli_error("%s", err);
        return FAU_EXIT_MODELS;
    }
    if (!a->quiet)
        printf("models: %s (loaded in %.0f ms)\n", fau_models_dir(ctx), 1000 * (now_s() - t0));
    int code = FAU_EXIT_OK;
    for (int i = 0; i < a->n_files && code == FAU_EXIT_OK; i++)
        code = run_one(a, ctx, a->files[i], images_mode);
    for (int i = 0; i < a->n_fdirs && code == FAU_EXIT_OK; i++)
        code = run_one(a, ctx, a->fdirs[i], images_mode);
    fau_destroy(&ctx);
    return code;
}
