#include "output/recorder.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fau_recorder_name_for(const char *input_path, char *out, size_t out_len)
{
    char buf[FAU_PATH_MAX];
    struct stat st;
    snprintf(buf, sizeof buf, "%s", input_path);
    int is_dir = stat(input_path, &st) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) {
        /* fs::canonical(dir).filename() */
        char canon[PATH_MAX];
        if (realpath(input_path, canon))
            snprintf(buf, sizeof buf, "%s", canon);
        size_t n = strlen(buf);
        while (n > 1 && buf[n - 1] == '/')
            buf[--n] = '\0';
    }
    const char *base = strrchr(buf, '/');
    base = base ? base + 1 : buf;
    snprintf(out, out_len, "%s", base);
    if (!is_dir) {
        /* replace_extension(""): drop from the last '.', unless the name is
         * "." / ".." or starts with its only dot. */
        char *dot = strrchr(out, '.');
        if (dot && dot != out)
            *dot = '\0';
    }
}

static int make_dirs(const char *path, fau_error *e)
{
    char buf[FAU_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return fau_error_set(e, FAU_EIO, "cannot create output folder %s: %s", buf,
                                     strerror(errno));
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                return fau_error_set(e, FAU_EIO, "cannot create output folder %s: not a folder",
                                     buf);
            *p = c;
            if (!c)
                break;
        }
    }
    return FAU_OK;
}

int fau_recorder_open(fau_recorder *r, const fau_recorder_opts *o, fau_error *e)
{
    memset(r, 0, sizeof *r);
    r->o = *o;
    snprintf(r->dir, sizeof r->dir, "%s", o->out_dir && o->out_dir[0] ? o->out_dir : "processed");
    if (o->out_name) {
        /* -of: a name, possibly with a sub-path, relative to the output folder. */
        char tmp[FAU_PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s/%s", r->dir, o->out_name);
        char *slash = strrchr(tmp, '/');
        *slash = '\0';
        snprintf(r->dir, sizeof r->dir, "%s", tmp);
        fau_recorder_name_for(slash + 1, r->name, sizeof r->name);
    } else {
        fau_recorder_name_for(o->input_path, r->name, sizeof r->name);
    }
    fau_csv_layout_sort_aus(&r->o.layout);
    int rc = make_dirs(r->dir, e);
    if (rc)
        return rc;
    char path[FAU_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s_of_details.txt", r->dir, r->name);
    if ((rc = fau_afile_open(&r->details, path, e)))
        return rc;
    snprintf(path, sizeof path, "%s/%s.csv", r->dir, r->name);
    if ((rc = fau_afile_open(&r->csv, path, e))) {
        fau_recorder_abort(r);
        return rc;
    }
    /* RecorderOpenFace::PrepareRecording */
    char full[PATH_MAX];
    const char *in = o->input_path;
    FILE *d = r->details.fp;
    fprintf(d, "Input:%s\n", in);
    fprintf(d, "Input full path:%s\n", in[0] == '/' || !realpath(in, full) ? in : full);
    fprintf(d, "Camera parameters:%g,%g,%g,%g\n", (double)(float)o->fx, (double)(float)o->fy,
            (double)(float)o->cx, (double)(float)o->cy);
    if (o->hog)
        fprintf(d, "Output HOG:%s.hog\n", r->name);
    if (o->aligned)
        fprintf(d, "Output aligned directory:%s_aligned\n", r->name);
    return FAU_OK;
}

int fau_recorder_write(fau_recorder *r, const fau_face_result *res, fau_error *e)
{
    const fau_csv_layout *l = &r->o.layout;
    if (!r->csv_started) {
        /* RecorderOpenFace::WriteObservation, first row */
        FILE *d = r->details.fp;
        fprintf(d, "Output csv:%s.csv\n", r->name);
        fprintf(d, "Gaze: %d\nAUs: %d\nLandmarks 2D: %d\nLandmarks 3D: %d\nPose: %d\n"
                   "Shape parameters: %d\n",
                l->gaze, l->aus, l->lmk2d, l->lmk3d, l->pose, l->pdm);
        if (fau_csv_write_header(r->csv.fp, l))
            return fau_error_set(e, FAU_EIO, "writing %s failed", r->csv.final_path);
        r->csv_started = 1;
    }
    if (fau_csv_write_row(r->csv.fp, l, res))
        return fau_error_set(e, FAU_EIO, "writing %s failed", r->csv.final_path);
    r->rows++;
    return FAU_OK;
}

int fau_recorder_commit(fau_recorder *r, const double *au_r, const double *au_c, fau_error *e)
{
    int rc = FAU_OK;
    if (!r->csv_started) {
        /* FaceLandmarkImg with no face: details only, no CSV. */
        fau_afile_abort(&r->csv);
    } else if (au_r && au_c && r->o.layout.aus) {
        fau_afile post;
        if ((rc = fau_afile_open(&post, r->csv.final_path, e)))
            goto fail;
        if (fflush(r->csv.fp) != 0 || fseek(r->csv.fp, 0, SEEK_SET) != 0) {
            fau_afile_abort(&post);
            rc = fau_error_set(e, FAU_EIO, "re-reading %s failed", r->csv.final_path);
            goto fail;
        }
        FILE *src = fopen(r->csv.tmp_path, "rb");
        if (!src) {
            fau_afile_abort(&post);
            rc = fau_error_set(e, FAU_EIO, "re-reading %s failed: %s", r->csv.final_path,
                               strerror(errno));
            goto fail;
        }
        rc = fau_csv_rewrite_aus(src, post.fp, &r->o.layout, au_r, au_c, r->rows,
                                 r->csv.final_path, e);
        fclose(src);
        fau_afile_abort(&r->csv);
        r->csv = post;
        if (rc)
            goto fail;
        rc = fau_afile_commit(&r->csv, e);
    } else {
        rc = fau_afile_commit(&r->csv, e);
    }
    if (rc)
        goto fail;
    return fau_afile_commit(&r->details, e);
fail:
    fau_recorder_abort(r);
    return rc;
}

void fau_recorder_abort(fau_recorder *r)
{
    fau_afile_abort(&r->csv);
    fau_afile_abort(&r->details);
}
