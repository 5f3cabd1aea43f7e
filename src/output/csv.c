#include "output/csv.h"

#include <stdlib.h>
#include <string.h>

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void fau_csv_layout_sort_aus(fau_csv_layout *l)
{
    qsort(l->au_r_names, (size_t)l->n_au_r, FAU_AU_NAME_MAX, cmp_name);
    qsort(l->au_c_names, (size_t)l->n_au_c, FAU_AU_NAME_MAX, cmp_name);
}

static void names(FILE *fp, const char *fmt, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(fp, fmt, i);
}

int fau_csv_write_header(FILE *fp, const fau_csv_layout *l)
{
    fputs(l->sequence ? "frame, face_id, timestamp, confidence, success" : "face, confidence", fp);
    if (l->gaze) {
        fputs(", gaze_0_x, gaze_0_y, gaze_0_z, gaze_1_x, gaze_1_y, gaze_1_z, gaze_angle_x, "
              "gaze_angle_y",
              fp);
        names(fp, ", eye_lmk_x_%d", l->n_eye_landmarks);
        names(fp, ", eye_lmk_y_%d", l->n_eye_landmarks);
        names(fp, ", eye_lmk_X_%d", l->n_eye_landmarks);
        names(fp, ", eye_lmk_Y_%d", l->n_eye_landmarks);
        names(fp, ", eye_lmk_Z_%d", l->n_eye_landmarks);
    }
    if (l->pose)
        fputs(", pose_Tx, pose_Ty, pose_Tz, pose_Rx, pose_Ry, pose_Rz", fp);
    if (l->lmk2d) {
        names(fp, ", x_%d", l->n_landmarks);
        names(fp, ", y_%d", l->n_landmarks);
    }
    if (l->lmk3d) {
        names(fp, ", X_%d", l->n_landmarks);
        names(fp, ", Y_%d", l->n_landmarks);
        names(fp, ", Z_%d", l->n_landmarks);
    }
    if (l->pdm) {
        fputs(", p_scale, p_rx, p_ry, p_rz, p_tx, p_ty", fp);
        names(fp, ", p_%d", l->n_modes);
    }
    if (l->aus) {
        for (int i = 0; i < l->n_au_r; i++)
            fprintf(fp, ", %s_r", l->au_r_names[i]);
        for (int i = 0; i < l->n_au_c; i++)
            fprintf(fp, ", %s_c", l->au_c_names[i]);
    }
    fputc('\n', fp);
    return ferror(fp) ? FAU_EIO : FAU_OK;
}

/* std::fixed with setprecision(p): the value (float promoted to double) in
 * %.pf, which is what libstdc++ does underneath. */
static void vals_f(FILE *fp, const float *v, int n, int prec)
{
    for (int i = 0; i < n; i++)
        fprintf(fp, ", %.*f", prec, (double)v[i]);
}

int fau_csv_write_row(FILE *fp, const fau_csv_layout *l, const fau_face_result *r)
{
    /* FULL_PRECISION builds print 9 digits everywhere except the leading
     * frame/face_id/timestamp group. */
    const int fp9 = l->full_precision;
#define P(n) (fp9 ? 9 : (n))
    if (l->sequence)
        fprintf(fp, "%d, %d, %.3f, %.*f, %d", r->frame, r->face_id, r->timestamp, P(2),
                r->confidence, r->success ? 1 : 0);
    else
        fprintf(fp, "%d, %.3f", r->face_id, r->confidence);
    if (l->gaze) {
        vals_f(fp, r->gaze0, 3, P(6));
        vals_f(fp, r->gaze1, 3, P(6));
        vals_f(fp, r->gaze_angle, 2, P(3));
        for (int d = 0; d < 2; d++)
            vals_f(fp, r->eye_lmk2d[d], l->n_eye_landmarks, P(1));
        for (int d = 0; d < 3; d++)
            vals_f(fp, r->eye_lmk3d[d], l->n_eye_landmarks, P(1));
    }
    if (l->pose) {
        vals_f(fp, r->pose, 3, P(1));
        vals_f(fp, r->pose + 3, 3, P(3));
    }
    if (l->lmk2d)
        vals_f(fp, r->lmk2d, 2 * l->n_landmarks, P(1));
    if (l->lmk3d)
        vals_f(fp, r->lmk3d, 3 * l->n_landmarks, P(1));
    if (l->pdm) {
        vals_f(fp, r->params_global, 6, P(3));
        vals_f(fp, r->params_local, l->n_modes, P(3));
    }
    if (l->aus) {
        for (int i = 0; i < l->n_au_r; i++)
            fprintf(fp, ", %.*f", P(2), r->au_r[i]);
        for (int i = 0; i < l->n_au_c; i++)
            fprintf(fp, ", %.*f", P(1), r->au_c[i]);
    }
#undef P
    fputc('\n', fp);
    return ferror(fp) ? FAU_EIO : FAU_OK;
}

/* Reads one line (without '\n') into a growing buffer; 0 at EOF. */
static int read_line(FILE *in, char **buf, size_t *cap)
{
    ssize_t n = getline(buf, cap, in);
    if (n <= 0)
        return 0;
    if ((*buf)[n - 1] == '\n')
        (*buf)[n - 1] = '\0';
    return 1;
}

static int contains_au(const char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (p[i] == 'A' && p[i + 1] == 'U')
            return 1;
    return 0;
}

static void rtrim(char *s, size_t *len)
{
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\r' ||
                    s[*len - 1] == '\n' || s[*len - 1] == '\f' || s[*len - 1] == '\v'))
        (*len)--;
}

int fau_csv_rewrite_aus(FILE *in, FILE *out, const fau_csv_layout *l, const double *au_r,
                        const double *au_c, size_t n_rows, const char *path, fau_error *e)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = FAU_OK;
    if (!read_line(in, &line, &cap)) {
        rc = fau_error_set(e, FAU_EIO, "%s: cannot re-read the CSV for AU post-processing", path);
        goto done;
    }
    /* The first header token containing "AU" starts the AU block. */
    int begin = -1, t = 0;
    for (char *p = line; p; p = strchr(p, ','), p = p ? p + 1 : NULL, t++) {
        char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (contains_au(p, len)) {
            begin = t;
            break;
        }
    }
    if (begin < 0) {
        rc = fau_error_set(e, FAU_EINVAL, "%s: no AU columns to post-process", path);
        goto done;
    }
    const int end_col = begin + l->n_au_r + l->n_au_c;
    const int prec = l->full_precision ? 9 : 2;
    fprintf(out, "%s\n", line);
    size_t row = 0;
    while (read_line(in, &line, &cap)) {
        if (row >= n_rows) {
            rc = fau_error_set(e, FAU_EINVAL, "%s: more rows than AU predictions", path);
            goto done;
        }
        char *p = line;
        for (t = 0; p; t++) {
            char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (t >= begin && t < end_col) {
                int k = t - begin;
                double v = k < l->n_au_r ? au_r[row * (size_t)l->n_au_r + (size_t)k]
                                         : au_c[row * (size_t)l->n_au_c + (size_t)(k - l->n_au_r)];
                fprintf(out, ", %.*f", prec, v);
            } else {
                rtrim(p, &len);
                fprintf(out, "%s%.*s", t ? ", " : "", (int)len, p);
            }
            p = comma ? comma + 1 : NULL;
        }
        fputc('\n', out);
        row++;
    }
    if (row != n_rows)
        rc = fau_error_set(e, FAU_EINVAL, "%s: %zu rows but %zu AU predictions", path, row, n_rows);
    else if (ferror(out) || ferror(in))
        rc = fau_error_set(e, FAU_EIO, "%s: write error during AU post-processing", path);
done:
    free(line);
    return rc;
}
