/* AU model loading: FaceAnalyser::Read, ReadAU, ReadRegressor and the
 * Read methods of SVR_static_lin_regressors, SVR_dynamic_lin_regressors,
 * SVM_static_lin and SVM_dynamic_lin, packed into one weight matrix. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align/align.h"
#include "au/au.h"
#include "core/mem.h"
#include "core/modelio.h"

/* One model as read, before packing. */
typedef struct raw_model {
    fau_au_model_info info;
    double *sv;   /* n_feat support-vector weights */
    double bias;
} raw_model;

typedef struct loader {
    const fau_model_paths *paths;
    raw_model raw[FAU_AU_MAX_MODELS];
    int n_raw;
    int n_feat;
    /* OpenFace keeps one means vector per regressor class: the first file
     * of each class sets it and later files' means are only compared. */
    double *class_means[8];
} loader;

static void dirname_of(const char *rel, char *out, size_t len)
{
    const char *slash = strrchr(rel, '/');
    size_t n = slash ? (size_t)(slash - rel) : 0;
    if (n >= len)
        n = len - 1;
    memcpy(out, rel, n);
    out[n] = 0;
}

static void join(const char *dir, const char *name, char *out, size_t len)
{
    if (dir[0])
        snprintf(out, len, "%s/%s", dir, name);
    else
        snprintf(out, len, "%s", name);
}

/* ReadRegressor: int32 type, then the class-specific body. */
static int read_regressor(loader *L, const char *rel, const char *au_name, fau_error *e)
{
    char path[FAU_PATH_MAX];
    int rc = fau_models_file(L->paths, rel, path, sizeof path, e);
    if (rc)
        return rc;
    fau_reader r;
    if ((rc = fau_reader_open(&r, path, e)))
        return rc;
    fau_matd means = {0}, sv = {0};
    int32_t type;
    if ((rc = fau_reader_bin_i32(&r, &type, e)))
        goto done;
    if (type != FAU_AU_SVR_STATIC && type != FAU_AU_SVR_DYNAMIC && type != FAU_AU_SVM_STATIC &&
        type != FAU_AU_SVM_DYNAMIC) {
        /* OpenFace 2.2 silently ignores other regressor types; a model list
         * that names one is almost certainly a wrong file, so refuse it. */
        rc = fau_error_set(e, FAU_EFORMAT, "%s: byte 0: unsupported AU regressor type %d", path,
                           (int)type);
        goto done;
    }
    if (L->n_raw >= FAU_AU_MAX_MODELS) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: more than %d AU models", path, FAU_AU_MAX_MODELS);
        goto done;
    }
    raw_model *M = &L->raw[L->n_raw];
    memset(M, 0, sizeof *M);
    M->info.type = type;
    M->info.dynamic = type == FAU_AU_SVR_DYNAMIC || type == FAU_AU_SVM_DYNAMIC;
    M->info.classifier = type == FAU_AU_SVM_STATIC || type == FAU_AU_SVM_DYNAMIC;
    M->info.cutoff = -1;
    snprintf(M->info.name, sizeof M->info.name, "%s", au_name);
    if (type == FAU_AU_SVR_DYNAMIC && (rc = fau_reader_bin_f64(&r, &M->info.cutoff, e)))
        goto done;
    if ((rc = fau_reader_mat_bin(&r, &means, e)))
        goto done;
    size_t sv_at = r.pos;
    if ((rc = fau_reader_mat_bin(&r, &sv, e)))
        goto done;
    if ((rc = fau_reader_bin_f64(&r, &M->bias, e)))
        goto done;
    if (M->info.classifier && ((rc = fau_reader_bin_f64(&r, &M->info.pos_class, e)) ||
                               (rc = fau_reader_bin_f64(&r, &M->info.neg_class, e))))
        goto done;
    if (means.rows != 1 || means.cols <= FAU_AU_HOG_DIM || sv.cols != 1 || sv.rows != means.cols) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "%s: byte %zu: support vectors %d x %d do not match means 1 x %d "
                           "(expected 1 x (4464 + geometry))",
                           path, sv_at, sv.rows, sv.cols, means.cols);
        goto done;
    }
    if (L->n_feat == 0)
        L->n_feat = means.cols;
    if (means.cols != L->n_feat) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: %d features, other models have %d", path,
                           means.cols, L->n_feat);
        goto done;
    }
    if (!L->class_means[type]) {
        L->class_means[type] = means.data;
        means.data = NULL;
    }
    M->sv = sv.data;
    sv.data = NULL;
    L->n_raw++;
done:
    fau_matd_free(&means);
    fau_matd_free(&sv);
    fau_reader_close(&r);
    return rc;
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

/* ReadAU: lines "relative/path.dat AU_name". */
static int read_au_list(loader *L, const char *rel, fau_error *e)
{
    char path[FAU_PATH_MAX], dir[FAU_PATH_MAX], line[4096];
    int rc = fau_models_file(L->paths, rel, path, sizeof path, e);
    if (rc)
        return rc;
    dirname_of(rel, dir, sizeof dir);
    fau_reader r;
    if ((rc = fau_reader_open(&r, path, e)))
        return rc;
    while (r.pos < r.len) {
        int lineno = r.line;
        if ((rc = fau_reader_line(&r, line, sizeof line, e)))
            break;
        char *s = trim(line);
        if (!*s)
            continue;
        char *sp = s;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        if (!*sp) {
            rc = fau_error_set(e, FAU_EFORMAT, "%s: line %d: expected \"<file> <AU name>\"", path,
                               lineno);
            break;
        }
        *sp = 0;
        char *name = trim(sp + 1);
        if (strchr(name, ',') || strlen(name) >= FAU_AU_NAME_MAX) {
            rc = fau_error_set(e, FAU_EFORMAT, "%s: line %d: expected one AU name, got \"%s\"",
                               path, lineno, name);
            break;
        }
        char mrel[FAU_PATH_MAX * 2];
        join(dir, s, mrel, sizeof mrel);
        if ((rc = read_regressor(L, mrel, name, e)))
            break;
    }
    fau_reader_close(&r);
    return rc;
}

static int cmp_info(const void *a, const void *b)
{
    const raw_model *x = a, *y = b;
    if (x->info.classifier != y->info.classifier)
        return x->info.classifier - y->info.classifier;
    return strcmp(x->info.name, y->info.name);
}

void fau_au_models_free(fau_au_models **pm)
{
    if (!pm || !*pm)
        return;
    fau_au_models *m = *pm;
    fau_pdm_free(&m->pdm);
    free(m->tris);
    fau_aligned_free(m->W);
    fau_aligned_free(m->bias);
    free(m);
    *pm = NULL;
}

int fau_au_models_load(fau_au_models **out, const fau_model_paths *paths, const char *main_rel,
                       fau_error *e)
{
    *out = NULL;
    loader L;
    memset(&L, 0, sizeof L);
    L.paths = paths;
    fau_au_models *m = calloc(1, sizeof *m);
    char path[FAU_PATH_MAX], dir[FAU_PATH_MAX], line[4096];
    int rc, have_list = 0;
    fau_reader r = {0};
    if (!m)
        return fau_error_set(e, FAU_ENOMEM, "out of memory loading AU models");
    if ((rc = fau_models_file(paths, main_rel, path, sizeof path, e)))
        goto fail;
    dirname_of(main_rel, dir, sizeof dir);
    if ((rc = fau_reader_open(&r, path, e)))
        goto fail;
    /* FaceAnalyser::Read: "AUPredictor <list>", "PDM <file>",
     * "Triangulation <file>", paths relative to the main file. */
    while (r.pos < r.len) {
        int lineno = r.line;
        if ((rc = fau_reader_line(&r, line, sizeof line, e)))
            goto fail;
        char *s = trim(line);
        if (!*s)
            continue;
        char *sp = s;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        if (*sp)
            *sp++ = 0;
        char *loc = trim(sp);
        char rel[FAU_PATH_MAX * 2], full[FAU_PATH_MAX];
        join(dir, loc, rel, sizeof rel);
        if (strcmp(s, "AUPredictor") == 0) {
            if ((rc = read_au_list(&L, rel, e)))
                goto fail;
            have_list = 1;
        } else if (strcmp(s, "PDM") == 0) {
            fau_pdm_free(&m->pdm);
            if ((rc = fau_models_file(paths, rel, full, sizeof full, e)) ||
                (rc = fau_pdm_load(&m->pdm, full, e)))
                goto fail;
        } else if (strcmp(s, "Triangulation") == 0) {
            fau_reader tr;
            fau_matd tm = {0};
            if ((rc = fau_models_file(paths, rel, full, sizeof full, e)) ||
                (rc = fau_reader_open(&tr, full, e)))
                goto fail;
            rc = fau_reader_mat(&tr, &tm, e);
            if (!rc && (tm.cols != 3 || tm.rows < 1 || tm.rows > FAU_FACE_MASK_MAX_TRIS))
                rc = fau_error_set(e, FAU_EFORMAT, "%s: line 1: triangulation must be n x 3 (n <= 512), is %d x %d",
                                   full, tm.rows, tm.cols);
            if (!rc) {
                free(m->tris);
                m->tris = malloc(sizeof(int) * 3 * (size_t)tm.rows);
                if (!m->tris)
                    rc = fau_error_set(e, FAU_ENOMEM, "out of memory");
                else {
                    m->n_tris = tm.rows;
                    for (int i = 0; i < 3 * tm.rows; i++)
                        m->tris[i] = (int)tm.data[i];
                }
            }
            fau_matd_free(&tm);
            fau_reader_close(&tr);
            if (rc)
                goto fail;
        } else {
            rc = fau_error_set(e, FAU_EFORMAT,
                               "%s: line %d: unknown module \"%s\" (expected AUPredictor, PDM or "
                               "Triangulation)", path, lineno, s);
            goto fail;
        }
    }
    if (!have_list || !m->pdm || !m->tris || L.n_raw == 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: needs AUPredictor, PDM and Triangulation lines",
                           path);
        goto fail;
    }
    if (m->pdm->n_points != 68 || m->pdm->n_modes > 64) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: the AU PDM must have 68 points and at most 64 "
                           "modes", path);
        goto fail;
    }
    for (int t = 0; t < 3 * m->n_tris; t++)
        if (m->tris[t] < 0 || m->tris[t] >= 68) {
            rc = fau_error_set(e, FAU_EFORMAT, "%s: triangulation index %d out of range", path,
                               m->tris[t]);
            goto fail;
        }
    m->n_geom = 3 * m->pdm->n_points + m->pdm->n_modes;
    if (L.n_feat != FAU_AU_HOG_DIM + m->n_geom) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: AU models have %d features, expected %d (FHOG) + %d "
                           "(geometry of the PDM)", path, L.n_feat, FAU_AU_HOG_DIM, m->n_geom);
        goto fail;
    }
    m->n_feat = L.n_feat;

    /* Order: intensities by name, then presences by name (the order of
     * OpenFace's std::map outputs and CSV columns). */
    qsort(L.raw, (size_t)L.n_raw, sizeof L.raw[0], cmp_info);
    int nm = L.n_raw;
    m->ld = (nm + 3) & ~3;
    size_t wsz;
    if (fau_mul_size((size_t)m->n_feat * sizeof(double), (size_t)m->ld, &wsz)) {
        rc = fau_error_set(e, FAU_EFORMAT, "AU model too large");
        goto fail;
    }
    m->W = fau_aligned_calloc(1, wsz);
    m->bias = fau_aligned_calloc((size_t)m->ld, sizeof(double));
    if (!m->W || !m->bias) {
        rc = fau_error_set(e, FAU_ENOMEM, "out of memory loading AU models");
        goto fail;
    }
    for (int k = 0; k < nm; k++) {
        raw_model *M = &L.raw[k];
        m->info[k] = M->info;
        if (M->info.classifier)
            m->n_class++;
        else
            m->n_reg++;
        if (M->info.dynamic)
            m->any_dynamic = 1;
        const double *mu = L.class_means[M->info.type];
        double dot = 0;
        for (int i = 0; i < m->n_feat; i++) {
            m->W[(size_t)i * m->ld + k] = M->sv[i];
            dot += mu[i] * M->sv[i];
        }
        m->bias[k] = M->bias - dot;
    }
    rc = FAU_OK;
fail:
    fau_reader_close(&r);
    for (int k = 0; k < L.n_raw; k++)
        free(L.raw[k].sv);
    for (int t = 0; t < 8; t++)
        free(L.class_means[t]);
    if (rc)
        fau_au_models_free(&m);
    *out = m;
    return rc;
}

void fau_au_linear(const fau_au_models *m, const double *x, double *y)
{
    const int ld = m->ld;
    for (int k = 0; k < ld; k++)
        y[k] = 0;
    for (int i = 0; i < m->n_feat; i++) {
        const double xi = x[i];
        const double *w = m->W + (size_t)i * ld;
        for (int k = 0; k < ld; k++)
            y[k] += xi * w[k];
    }
}
