#include "io/openface_csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 4096

/* Column indices of each value in a row; -1 where the file lacks it. */
typedef struct colmap {
    int frame, face, timestamp, confidence, success;
    int gaze0[3], gaze1[3], gaze_angle[2];
    int eye2d[2][FAU_N_EYE_LANDMARKS], eye3d[3][FAU_N_EYE_LANDMARKS];
    int pose[6];
    int lmk2d[2 * FAU_N_LANDMARKS], lmk3d[3 * FAU_N_LANDMARKS];
    int pglobal[6], plocal[FAU_MAX_MODES];
    int au_r[FAU_MAX_AUS], au_c[FAU_MAX_AUS];
} colmap;

struct fau_ofcsv {
    FILE *fp;
    char *path;
    char *line;
    size_t cap;
    int line_no;
    int n_cols;
    char **names;
    double *vals;
    colmap map;
    fau_ofcsv_groups groups;
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int col(const fau_ofcsv *c, const char *name)
{
    for (int i = 0; i < c->n_cols; i++)
        if (!strcmp(c->names[i], name))
            return i;
    return -1;
}

static int col_fmt(const fau_ofcsv *c, const char *fmt, int i)
{
    char name[64];
    snprintf(name, sizeof name, fmt, i);
    return col(c, name);
}

/* A group counts as present only when every one of its columns is. */
static int all_present(const int *idx, int n)
{
    for (int i = 0; i < n; i++)
        if (idx[i] < 0)
            return 0;
    return 1;
}

static void build_map(fau_ofcsv *c)
{
    colmap *m = &c->map;
    static const char *const gaze[] = {"gaze_0_x", "gaze_0_y", "gaze_0_z",
                                       "gaze_1_x", "gaze_1_y", "gaze_1_z"};
    static const char *const pose[] = {"pose_Tx", "pose_Ty", "pose_Tz",
                                       "pose_Rx", "pose_Ry", "pose_Rz"};
    static const char *const pg[] = {"p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"};
    static const char *const eye2d[] = {"eye_lmk_x_%d", "eye_lmk_y_%d"};
    static const char *const eye3d[] = {"eye_lmk_X_%d", "eye_lmk_Y_%d", "eye_lmk_Z_%d"};
    static const char *const l2[] = {"x_%d", "y_%d"};
    static const char *const l3[] = {"X_%d", "Y_%d", "Z_%d"};
    m->frame = col(c, "frame");
    m->face = col(c, "face_id") >= 0 ? col(c, "face_id") : col(c, "face");
    m->timestamp = col(c, "timestamp");
    m->confidence = col(c, "confidence");
    m->success = col(c, "success");
    for (int i = 0; i < 3; i++) {
        m->gaze0[i] = col(c, gaze[i]);
        m->gaze1[i] = col(c, gaze[3 + i]);
    }
    m->gaze_angle[0] = col(c, "gaze_angle_x");
    m->gaze_angle[1] = col(c, "gaze_angle_y");
    for (int i = 0; i < 6; i++) {
        m->pose[i] = col(c, pose[i]);
        m->pglobal[i] = col(c, pg[i]);
    }
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < FAU_N_EYE_LANDMARKS; i++)
            m->eye2d[d][i] = col_fmt(c, eye2d[d], i);
    for (int d = 0; d < 3; d++)
        for (int i = 0; i < FAU_N_EYE_LANDMARKS; i++)
            m->eye3d[d][i] = col_fmt(c, eye3d[d], i);
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < FAU_N_LANDMARKS; i++)
            m->lmk2d[d * FAU_N_LANDMARKS + i] = col_fmt(c, l2[d], i);
    for (int d = 0; d < 3; d++)
        for (int i = 0; i < FAU_N_LANDMARKS; i++)
            m->lmk3d[d * FAU_N_LANDMARKS + i] = col_fmt(c, l3[d], i);
    int modes = 0;
    while (modes < FAU_MAX_MODES && (m->plocal[modes] = col_fmt(c, "p_%d", modes)) >= 0)
        modes++;
    fau_ofcsv_groups *g = &c->groups;
    g->sequence = m->frame >= 0 && m->timestamp >= 0 && m->success >= 0;
    g->gaze = all_present(m->gaze0, 3) && all_present(m->gaze1, 3) &&
              all_present(m->gaze_angle, 2) && all_present(&m->eye2d[0][0], 2 * FAU_N_EYE_LANDMARKS) &&
              all_present(&m->eye3d[0][0], 3 * FAU_N_EYE_LANDMARKS);
    g->pose = all_present(m->pose, 6);
    g->lmk2d = all_present(m->lmk2d, 2 * FAU_N_LANDMARKS);
    g->lmk3d = all_present(m->lmk3d, 3 * FAU_N_LANDMARKS);
    g->pdm = all_present(m->pglobal, 6) && modes > 0;
    g->n_modes = modes;
    for (int i = 0; i < c->n_cols; i++) {
        const char *name = c->names[i];
        size_t len = strlen(name);
        if (strncmp(name, "AU", 2) || len < 3 || len >= sizeof g->au_r_names[0] + 2 ||
            name[len - 2] != '_' || (name[len - 1] != 'r' && name[len - 1] != 'c'))
            continue;
        int is_r = name[len - 1] == 'r';
        int *count = is_r ? &g->n_au_r : &g->n_au_c;
        if (*count >= FAU_MAX_AUS)
            continue;
        (is_r ? m->au_r : m->au_c)[*count] = i;
        snprintf(is_r ? g->au_r_names[*count] : g->au_c_names[*count], sizeof g->au_r_names[0],
                 "%.*s", (int)(len - 2), name);
        (*count)++;
    }
    g->aus = g->n_au_r + g->n_au_c > 0;
}

void fau_ofcsv_close(fau_ofcsv **pc)
{
    if (!pc || !*pc)
        return;
    fau_ofcsv *c = *pc;
    if (c->fp)
        fclose(c->fp);
    for (int i = 0; i < c->n_cols; i++)
        free(c->names[i]);
    free(c->names);
    free(c->vals);
    free(c->line);
    free(c->path);
    free(c);
    *pc = NULL;
}

int fau_ofcsv_open(fau_ofcsv **out, const char *path, fau_error *e)
{
    *out = NULL;
    fau_ofcsv *c = calloc(1, sizeof *c);
    int rc = FAU_OK;
    if (!c || !(c->path = strdup(path)) || !(c->names = calloc(MAX_COLS, sizeof *c->names)) ||
        !(c->vals = calloc(MAX_COLS, sizeof *c->vals))) {
        rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    c->fp = fopen(path, "rb");
    if (!c->fp) {
        rc = fau_error_set(e, errno == ENOENT ? FAU_ENOTFOUND : FAU_EIO, "%s: %s", path,
                           strerror(errno));
        goto fail;
    }
    if (getline(&c->line, &c->cap, c->fp) <= 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: empty file, expected an OpenFace CSV header", path);
        goto fail;
    }
    c->line_no = 1;
    char *save = NULL;
    for (char *tok = strtok_r(c->line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (c->n_cols >= MAX_COLS) {
            rc = fau_error_set(e, FAU_EFORMAT, "%s: more than %d columns", path, MAX_COLS);
            goto fail;
        }
        if (!(c->names[c->n_cols++] = strdup(trim(tok)))) {
            rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
            goto fail;
        }
    }
    build_map(c);
    if (!c->groups.lmk2d) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: not an OpenFace CSV with 2D landmarks (x_0..x_67, y_0..y_67)",
                           path);
        goto fail;
    }
    *out = c;
    return FAU_OK;
fail:
    fau_ofcsv_close(&c);
    return rc;
}

const fau_ofcsv_groups *fau_ofcsv_get_groups(const fau_ofcsv *c)
{
    return &c->groups;
}

static void fill_f(float *dst, const int *idx, int n, const double *v)
{
    for (int i = 0; i < n; i++)
        dst[i] = (float)v[idx[i]];
}

int fau_ofcsv_next(fau_ofcsv *c, fau_face_result *r, fau_error *e)
{
    ssize_t len;
    do {
        len = getline(&c->line, &c->cap, c->fp);
        if (len <= 0)
            return ferror(c->fp) ? fau_error_set(e, FAU_EIO, "%s: read error", c->path) : 0;
        c->line_no++;
    } while (strspn(c->line, " \t\r\n") == (size_t)len); /* skip blank lines */
    int n = 0;
    char *p = c->line;
    while (n < c->n_cols) {
        char *end;
        errno = 0;
        c->vals[n++] = strtod(p, &end);
        if (end == p || errno)
            return fau_error_set(e, FAU_EFORMAT, "%s: line %d: column %d is not a number", c->path,
                                 c->line_no, n);
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ',')
            p++;
        else if (n < c->n_cols)
            return fau_error_set(e, FAU_EFORMAT, "%s: line %d: %d columns, header has %d",
                                 c->path, c->line_no, n, c->n_cols);
    }
    const colmap *m = &c->map;
    const double *v = c->vals;
    if (m->frame >= 0)
        r->frame = (int)v[m->frame];
    if (m->face >= 0)
        r->face_id = (int)v[m->face];
    if (m->timestamp >= 0)
        r->timestamp = v[m->timestamp];
    if (m->confidence >= 0)
        r->confidence = v[m->confidence];
    r->success = m->success >= 0 ? v[m->success] != 0 : 1;
    const fau_ofcsv_groups *g = &c->groups;
    if (g->gaze) {
        fill_f(r->gaze0, m->gaze0, 3, v);
        fill_f(r->gaze1, m->gaze1, 3, v);
        fill_f(r->gaze_angle, m->gaze_angle, 2, v);
        for (int d = 0; d < 2; d++)
            fill_f(r->eye_lmk2d[d], m->eye2d[d], FAU_N_EYE_LANDMARKS, v);
        for (int d = 0; d < 3; d++)
            fill_f(r->eye_lmk3d[d], m->eye3d[d], FAU_N_EYE_LANDMARKS, v);
    }
    if (g->pose)
        fill_f(r->pose, m->pose, 6, v);
    fill_f(r->lmk2d, m->lmk2d, 2 * FAU_N_LANDMARKS, v);
    if (g->lmk3d)
        fill_f(r->lmk3d, m->lmk3d, 3 * FAU_N_LANDMARKS, v);
    if (g->pdm) {
        fill_f(r->params_global, m->pglobal, 6, v);
        fill_f(r->params_local, m->plocal, g->n_modes, v);
        r->n_modes = g->n_modes;
    }
    for (int i = 0; i < g->n_au_r; i++)
        r->au_r[i] = v[m->au_r[i]];
    for (int i = 0; i < g->n_au_c; i++)
        r->au_c[i] = v[m->au_c[i]];
    return 1;
}
