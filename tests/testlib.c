#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "core/models_path.h"
#include "landmarks/clnf_model.h"
#include "landmarks/pdm.h"

static char slots[8][4096];
static int next_slot;

static const char *join(const char *base, const char *rel)
{
    char *s = slots[next_slot++ & 7];
    snprintf(s, sizeof slots[0], "%s/%s", base, rel);
    return s;
}

const char *fau_test_shared(const char *rel)
{
    const char *d = getenv("FAU_SHARED_DIR");
    return join(d ? d : "../shared", rel);
}

const char *fau_test_models_dir(void)
{
    const char *d = getenv("FACEAU_MODELS");
    return d ? d : fau_test_shared("openface-models");
}

const char *fau_test_models(const char *rel)
{
    return join(fau_test_models_dir(), rel);
}

const char *fau_test_tmpdir(void)
{
    char *s = slots[next_slot++ & 7];
    const char *t = getenv("TMPDIR");
    snprintf(s, sizeof slots[0], "%s/faceau-test-XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(s))
        return NULL;
    return s;
}

char *fau_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    rewind(f);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* ---- minimal CSV table (header names, all cells as double) ---- */
void table_free(table *t)
{
    for (int i = 0; i < t->ncols; i++)
        free(t->names[i]);
    free(t->names);
    free(t->v);
    free(t->call);
    memset(t, 0, sizeof(*t));
}

int table_load(table *t, const char *path)
{
    size_t len = 0;
    char *buf = fau_test_read_file(path, &len);
    memset(t, 0, sizeof(*t));
    if (!buf)
        return -1;
    char *save = NULL;
    char *line = strtok_r(buf, "\n", &save);
    if (!line) {
        free(buf);
        return -1;
    }
    int cap = 16;
    t->names = malloc(sizeof(char *) * (size_t)cap);
    for (char *p = line;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        while (*p == ' ')
            p++;
        size_t n = strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
            p[--n] = 0;
        if (t->ncols == cap) {
            cap *= 2;
            t->names = realloc(t->names, sizeof(char *) * (size_t)cap);
        }
        t->names[t->ncols++] = strdup(p);
        if (!comma)
            break;
        p = comma + 1;
    }
    int rcap = 64;
    t->v = malloc(sizeof(double) * (size_t)rcap * (size_t)t->ncols);
    t->call = calloc((size_t)rcap, sizeof(*t->call));
    int c_call = -1;
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], "call") == 0)
            c_call = i;
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (t->nrows == rcap) {
            rcap *= 2;
            t->v = realloc(t->v, sizeof(double) * (size_t)rcap * (size_t)t->ncols);
            t->call = realloc(t->call, sizeof(*t->call) * (size_t)rcap);
        }
        double *row = t->v + (size_t)t->nrows * (size_t)t->ncols;
        char *p = line;
        int c = 0;
        for (; c < t->ncols && *p; c++) {
            char *end;
            row[c] = strtod(p, &end);
            if (end == p) /* non-numeric cell (stage 'call' names) */
                row[c] = NAN;
            if (c == c_call) {
                size_t k = strcspn(p, ",");
                k = k < 15 ? k : 15;
                memcpy(t->call[t->nrows], p, k);
                t->call[t->nrows][k] = 0;
            }
            p = strchr(p, ',');
            if (!p)
                break;
            p++;
        }
        t->nrows++;
    }
    free(buf);
    return 0;
}

int table_col(const table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return -1;
}

int table_coln(const table *t, const char *prefix, int i)
{
    char name[64];
    snprintf(name, sizeof name, "%s%d", prefix, i);
    return table_col(t, name);
}

double table_cell(const table *t, int r, int c)
{
    return t->v[(size_t)r * (size_t)t->ncols + (size_t)c];
}

/* Frame size of a media file from the media MANIFEST (width x height). */
void manifest_size(const char *file, int *w, int *h)
{
    size_t len;
    char *buf = fau_test_read_file(fau_test_shared("media/MANIFEST.tsv"), &len);
    assert_non_null(buf);
    *w = *h = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        if (!tab || (size_t)(tab - line) != strlen(file) || strncmp(line, file, strlen(file)) != 0)
            continue;
        /* fifth column: WIDTHxHEIGHT */
        char *p = line;
        for (int k = 0; k < 4 && p; k++) {
            p = strchr(p, '\t');
            if (p)
                p++;
        }
        assert_non_null(p);
        *w = atoi(p);
        char *x = p;
        while (*x >= '0' && *x <= '9')
            x++;
        assert_true(*x == 'x');
        *h = atoi(x + 1);
    }
    free(buf);
    assert_true(*w > 0 && *h > 0);
}

/* PDM::CalcShape3D: mean + princ_comp * params_local (float; OpenFace's
 * cv::Mat_<float> product, here as a sequential float FMA chain). */
void calc_shape3d(const fau_pdm *pdm, const float *p, float *out)
{
    const int rows = 3 * pdm->n_points;
    for (int r = 0; r < rows; r++) {
        float s = 0;
        for (int m = 0; m < pdm->n_modes; m++)
            s = fmaf(pdm->princ_comp[(size_t)r * (size_t)pdm->n_modes + (size_t)m], p[m], s);
        out[r] = pdm->mean_shape[r] + s;
    }
}

const char *const fau_test_goldens[][2] = {
        { "expressions_woman_640x360", "expressions_woman_640x360.mp4" },
        { "face_then_noface_hevc", "face_then_noface_hevc.mov" },
        { "fullbody_small_face_720x1080", "fullbody_small_face_720x1080.mp4" },
        { "gaze_eyes_vp9", "gaze_eyes_vp9.webm" },
        { "multi_face_15s", "multi_face_15s.avi" },
        { "openface_2015-10-15-15-14_10s", "openface_2015-10-15-15-14_10s.avi" },
        { "talking_glasses_portrait_720x1280", "talking_glasses_portrait_720x1280.mp4" },
        { "video01", "video01.mp4" },
        { "images/child_tongue_out", "images/child_tongue_out.jpg" },
        { "images/expr_disgust_m7", "images/expr_disgust_m7.jpg" },
        { "images/expr_surprise_f1", "images/expr_surprise_f1.jpg" },
        { "images/glasses_grimace", "images/glasses_grimace.jpg" },
        { "images/multi_face_3_glasses", "images/multi_face_3_glasses.jpg" },
        { "images/multi_face_5", "images/multi_face_5.jpg" },
        { "images/multi_face_6_friends", "images/multi_face_6_friends.jpg" },
        { "images/single_face_rgba", "images/single_face_rgba.png" },
        { "images/single_woman_headphones_turned", "images/single_woman_headphones_turned.jpg" },
        { "images/small_face_1920x1080", "images/small_face_1920x1080.jpg" },
        { "images/turned_face_3q", "images/turned_face_3q.jpg" },
};
const int fau_test_n_goldens = (int)(sizeof fau_test_goldens / sizeof fau_test_goldens[0]);

int fau_test_split_csv(char *line, char **cols, int max)
{
    int n = 0;
    for (char *s = strtok(line, ",\r\n"); s && n < max; s = strtok(NULL, ",\r\n"))
        cols[n++] = s;
    return n;
}

int fau_test_csv_col(char **hdr, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(hdr[i], name))
            return i;
    fail_msg("column %s missing", name);
    return -1;
}

struct fau_landmark_models *fau_test_landmark_models(void)
{
    fau_model_paths p;
    fau_error e = {0};
    fau_landmark_models *m = NULL;
    if (fau_models_locate(&p, fau_test_models_dir(), &e) ||
        fau_landmark_models_load(&m, &p, "model/main_clnf_general.txt", &e)) {
        fprintf(stderr, "landmark models: %s\n", e.msg);
        return NULL;
    }
    return m;
}
