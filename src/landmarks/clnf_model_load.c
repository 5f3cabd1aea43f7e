/* CLNF::Read (main file: LandmarkDetector, LandmarkDetector_part,
 * DetectionValidator lines) and CLNF::Read_CLNF (PDM, Triangulations,
 * PatchesIntensity/PatchesCCNF/PatchesCEN, EarlyTermination lines).
 *
 * All paths are kept relative to the models folder so that every missing
 * file goes through fau_models_file and its standard "searched ..." message.
 * OpenFace resolves a location against the folder of the file naming it
 * (boost root / location), which is what join_rel does. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "landmarks/clnf_model.h"
#include "landmarks/lm_load_util.h"

#define LINE_MAX_LEN 8192

/* rel_out = folder of base_rel + "/" + location (or location when absolute);
 * full_out = the readable file. */
static int resolve(const fau_model_paths *paths, const char *base_rel, const char *location,
                   char *rel_out, char *full_out, fau_error *e)
{
    int n;
    if (location[0] == '/') {
        n = snprintf(rel_out, FAU_PATH_MAX, "%s", location);
    } else {
        const char *slash = strrchr(base_rel, '/');
        int dir_len = slash ? (int)(slash - base_rel) : 0;
        n = slash ? snprintf(rel_out, FAU_PATH_MAX, "%.*s/%s", dir_len, base_rel, location)
                  : snprintf(rel_out, FAU_PATH_MAX, "%s", location);
    }
    if (n < 0 || n >= FAU_PATH_MAX)
        return fau_error_set(e, FAU_EINVAL, "model path too long: %s", location);
    if (rel_out[0] == '/') {
        struct stat st;
        snprintf(full_out, FAU_PATH_MAX, "%s", rel_out);
        if (stat(full_out, &st) != 0 || !S_ISREG(st.st_mode) || access(full_out, R_OK) != 0)
            return fau_error_set(e, FAU_ENOTFOUND, "model file %s (named in %s): missing or "
                                 "unreadable; %s", full_out, base_rel, FAU_MODELS_HINT);
        return FAU_OK;
    }
    return fau_models_file(paths, rel_out, full_out, FAU_PATH_MAX, e);
}

/* Splits the next whitespace token off *s; "" at the end. */
static const char *next_token(char **s)
{
    char *p = *s;
    while (*p && isspace((unsigned char)*p))
        p++;
    char *start = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (*p)
        *p++ = '\0';
    *s = p;
    return start;
}

/* ---- Triangulations ---------------------------------------------------- */

static int load_triangulations(fau_clnf_model *m, fau_lm_arena *a, const char *path, fau_error *e)
{
    fau_reader r;
    fau_matd t = {0};
    int rc = fau_reader_open(&r, path, e);
    if (rc)
        return rc;
    fau_reader_skip_comments(&r);
    int line = r.line;
    if ((rc = fau_reader_int(&r, &m->n_tri_views, e)))
        goto done;
    if (m->n_tri_views < 1 || m->n_tri_views > FAU_CLNF_MAX_TRI_VIEWS) {
        rc = fau_lm_bad_text(&r, line, e, "%d triangulations, expected 1..%d", m->n_tri_views,
                             FAU_CLNF_MAX_TRI_VIEWS);
        goto done;
    }
    m->tris = fau_lm_arena_array(a, (size_t)m->n_tri_views, sizeof *m->tris);
    if (!m->tris) {
        rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int v = 0; v < m->n_tri_views; v++) {
        fau_reader_skip_comments(&r);
        line = r.line;
        if ((rc = fau_reader_mat(&r, &t, e)))
            goto done;
        /* Read into cv::Mat_<int>: only int32 data is meaningful. */
        if (t.type != FAU_CV_32S || t.cols != 3 || t.rows < 1) {
            rc = fau_lm_bad_text(&r, line, e, "triangulation %d is %d x %d of type %d, expected "
                                 "N x 3 int32 (type 4)", v + 1, t.rows, t.cols, t.type);
            goto done;
        }
        fau_triangulation *tr = &m->tris[v];
        tr->n_triangles = t.rows;
        tr->idx = fau_lm_arena_array(a, (size_t)t.rows * 3, sizeof(int32_t));
        if (!tr->idx) {
            rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        for (int i = 0; i < t.rows * 3; i++) {
            if (t.data[i] < 0 || t.data[i] > FAU_CCNF_MAX_POINTS) {
                rc = fau_lm_bad_text(&r, line, e, "triangulation %d: vertex %g out of range",
                                     v + 1, t.data[i]);
                goto done;
            }
            tr->idx[i] = (int32_t)t.data[i];
        }
        fau_matd_free(&t);
    }
    if (!fau_reader_at_end(&r))
        rc = fau_lm_bad_text(&r, r.line, e, "unexpected data after %d triangulations",
                             m->n_tri_views);
done:
    fau_matd_free(&t);
    fau_reader_close(&r);
    return rc;
}

/* ---- Read_CLNF --------------------------------------------------------- */

#define MAX_LISTED 16

static int cen_missing(const fau_model_paths *paths, const char *clnf_rel, const char *location,
                       fau_error *e)
{
    char rel[FAU_PATH_MAX], full[FAU_PATH_MAX];
    fau_error local = {0};
    int rc = resolve(paths, clnf_rel, location, rel, full, &local);
    if (rc == FAU_ENOTFOUND)
        return fau_error_set(
            e, FAU_ENOTFOUND,
            "CE-CLM landmark model (%s, main_ceclm_general.txt) needs the CEN patch expert file "
            "%s/%s, which is missing (models searched: %s). OpenFace distributes its CEN patch "
            "experts (model/patch_experts/cen_patches_*.dat) separately from the repository (see "
            "its wiki page Model-download); use the CLNF landmark model "
            "model/main_clnf_general.txt instead",
            clnf_rel, paths->dir, rel, paths->searched);
    if (rc)
        return fau_error_set(e, rc, "%s", local.msg);
    return FAU_OK;
}

static int read_clnf(fau_clnf_model *m, fau_lm_arena *a, const fau_model_paths *paths,
                     const char *clnf_rel, fau_error *e)
{
    char file[FAU_PATH_MAX], full[FAU_PATH_MAX], rel[FAU_PATH_MAX], line[LINE_MAX_LEN];
    int n_ccnf = 0, n_cen = 0, n_svr = 0;
    fau_reader r;
    /* The listed files are read after the whole file, as Patch_experts::Read does. */
    char(*ccnf)[FAU_PATH_MAX] = malloc(2 * MAX_LISTED * sizeof *ccnf);
    if (!ccnf)
        return fau_error_set(e, FAU_ENOMEM, "out of memory reading %s", clnf_rel);
    char(*cen_loc)[FAU_PATH_MAX] = ccnf + MAX_LISTED;
    int rc = resolve(paths, "", clnf_rel, m->rel_path, file, e);
    if (rc || (rc = fau_reader_open(&r, file, e))) {
        free(ccnf);
        return rc;
    }
    while (!rc && r.pos < r.len) {
        int lineno = r.line;
        if ((rc = fau_reader_line(&r, line, sizeof line, e)))
            break;
        char *s = line;
        char module[64];
        const char *tok = next_token(&s);
        snprintf(module, sizeof module, "%s", tok);
        /* getline(lineStream, location) then erase the first character (the
         * separating space, which next_token already dropped): the location
         * is the rest of the line and may contain spaces. */
        const char *location = s;
        if (!module[0])
            continue;
        if (strcmp(module, "PDM") && strcmp(module, "Triangulations") &&
            strcmp(module, "PatchesIntensity") && strcmp(module, "PatchesCCNF") &&
            strcmp(module, "PatchesCEN") && strcmp(module, "EarlyTermination"))
            continue;
        if (!location[0]) {
            rc = fau_lm_bad_text(&r, lineno, e, "%s without a file name", module);
            break;
        }
        if (!strcmp(module, "PatchesCEN")) {
            if (n_cen == MAX_LISTED) {
                rc = fau_lm_bad_text(&r, lineno, e, "too many patch expert files");
                break;
            }
            snprintf(cen_loc[n_cen++], FAU_PATH_MAX, "%s", location);
            continue;
        }
        if (!strcmp(module, "EarlyTermination"))
            continue; /* only used with CEN experts */
        if (!strcmp(module, "PatchesIntensity")) {
            n_svr++;
            continue;
        }
        if ((rc = resolve(paths, m->rel_path, location, rel, full, e)))
            break;
        if (!strcmp(module, "PDM")) {
            fau_pdm_free(&m->pdm);
            rc = fau_pdm_load(&m->pdm, full, e);
        } else if (!strcmp(module, "Triangulations")) {
            if (m->tris) {
                rc = fau_lm_bad_text(&r, lineno, e, "more than one Triangulations line");
                break;
            }
            rc = load_triangulations(m, a, full, e);
        } else { /* PatchesCCNF */
            if (n_ccnf == FAU_CLNF_MAX_SCALES) {
                rc = fau_lm_bad_text(&r, lineno, e, "more than %d patch expert scales",
                                     FAU_CLNF_MAX_SCALES);
                break;
            }
            snprintf(ccnf[n_ccnf++], FAU_PATH_MAX, "%s", full);
        }
    }
    if (rc)
        goto done;
    if (!m->pdm) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: names no PDM", r.path);
        goto done;
    }
    m->n_points = m->pdm->n_points;
    /* Patch_experts::Read: CCNF overrides SVR, CEN overrides both; the
     * files are read in that order. */
    for (int i = 0; i < n_ccnf; i++) {
        fau_ccnf_patches *p = &m->scales[i];
        if ((rc = fau_ccnf_patches_load(p, a, ccnf[i], e)))
            goto done;
        if (p->n_points != m->n_points) {
            rc = fau_error_set(e, FAU_EFORMAT, "%s: %d landmarks, but the PDM of %s has %d",
                               ccnf[i], p->n_points, r.path, m->n_points);
            goto done;
        }
        m->n_scales = i + 1;
    }
    m->sigma_scale = m->n_scales - 1;
    if (n_cen > 0) {
        for (int i = 0; i < n_cen; i++)
            if ((rc = cen_missing(paths, m->rel_path, cen_loc[i], e)))
                goto done;
        rc = fau_error_set(e, FAU_EUNSUPPORTED,
                           "%s: CEN patch experts (CE-CLM) are not supported; use the CLNF model "
                           "model/main_clnf_general.txt",
                           r.path);
        goto done;
    }
    if (n_ccnf == 0) {
        rc = n_svr ? fau_error_set(e, FAU_EUNSUPPORTED,
                                   "%s: SVR patch experts (CLM) are not supported; use the CLNF "
                                   "model model/main_clnf_general.txt",
                                   r.path)
                   : fau_error_set(e, FAU_EFORMAT, "%s: names no patch experts", r.path);
        goto done;
    }
    for (int v = 0; v < m->n_tri_views; v++)
        for (int i = 0; i < m->tris[v].n_triangles * 3; i++)
            if (m->tris[v].idx[i] >= m->n_points) {
                rc = fau_error_set(e, FAU_EFORMAT,
                                   "triangulation %d of %s refers to landmark %d, the PDM has %d",
                                   v + 1, r.path, (int)m->tris[v].idx[i], m->n_points);
                goto done;
            }
done:
    fau_reader_close(&r);
    free(ccnf);
    return rc;
}

/* ---- CLNF::Read -------------------------------------------------------- */

/* The FaceModelParameters CLNF::Read gives a hierarchical part by name. A
 * part's parameters start from FaceModelParameters' defaults, whose default
 * model (main_ceclm_general) scales sigma by 1.5 and reg_factor by 0.9. */
static void part_params(fau_clnf_part *p)
{
    static const struct {
        const char *name;
        int n;
        int win[FAU_CLNF_PART_MAX_WINDOWS];
        float reg, sigma, weight;
    } table[] = {
        {"left_eye", 2, {5, 3}, 0.1f, 2.0f, 0.0f},
        {"right_eye", 2, {5, 3}, 0.1f, 2.0f, 0.0f},
        {"left_eye_28", 3, {3, 5, 9}, 0.5f, 1.0f, 0.0f},
        {"right_eye_28", 3, {3, 5, 9}, 0.5f, 1.0f, 0.0f},
        {"mouth", 2, {7, 7}, 1.0f, 2.0f, 0.0f},
        {"brow", 2, {11, 9}, 10.0f, 3.5f, 0.0f},
        {"inner", 1, {9}, 2.5f, 1.75f, 2.5f},
    };
    p->n_windows = 4;
    p->window_sizes[0] = 11;
    p->window_sizes[1] = 9;
    p->window_sizes[2] = 7;
    p->window_sizes[3] = 5;
    p->sigma = 1.5f * 1.5f;
    p->reg_factor = 0.9f * 25.0f;
    p->weight_factor = 0.0f;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(p->name, table[i].name)) {
            p->n_windows = table[i].n;
            memcpy(p->window_sizes, table[i].win, sizeof p->window_sizes);
            p->reg_factor = table[i].reg;
            p->sigma = table[i].sigma;
            p->weight_factor = table[i].weight;
        }
}

static int parse_mapping(fau_reader *r, int lineno, char *s, fau_clnf_part *p, fau_lm_arena *a,
                         fau_error *e)
{
    int32_t vals[2 * FAU_CCNF_MAX_POINTS];
    int n = 0;
    for (;;) {
        const char *tok = next_token(&s);
        if (!tok[0])
            break;
        char *end;
        long v = strtol(tok, &end, 10);
        if (*end || v < 0 || v >= FAU_CCNF_MAX_POINTS)
            return fau_lm_bad_text(r, lineno, e, "part %s: landmark index \"%s\" is not an "
                                   "integer in 0..%d", p->name, tok, FAU_CCNF_MAX_POINTS - 1);
        if (n == 2 * FAU_CCNF_MAX_POINTS)
            return fau_lm_bad_text(r, lineno, e, "part %s: too many landmark pairs", p->name);
        vals[n++] = (int32_t)v;
    }
    if (n % 2)
        return fau_lm_bad_text(r, lineno, e, "part %s: odd number of landmark indices (%d), "
                               "expected main/part pairs", p->name, n);
    p->n_map = n / 2;
    p->map_main = fau_lm_arena_array(a, (size_t)p->n_map, sizeof(int32_t));
    p->map_part = fau_lm_arena_array(a, (size_t)p->n_map, sizeof(int32_t));
    if (!p->map_main || !p->map_part)
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
    for (int i = 0; i < p->n_map; i++) {
        p->map_main[i] = vals[2 * i];
        p->map_part[i] = vals[2 * i + 1];
    }
    return FAU_OK;
}

/* CLNF::Read of one main file. Parts are CLNFs read the same way (depth 1);
 * their own parts or validators would be unused, so they are refused/skipped. */
static int read_main(fau_landmark_models *lm, fau_clnf_model *m, const fau_model_paths *paths,
                     const char *main_rel, int is_part, fau_error *e)
{
    char file[FAU_PATH_MAX], full[FAU_PATH_MAX], rel[FAU_PATH_MAX], line[LINE_MAX_LEN];
    char main_rel_copy[FAU_PATH_MAX];
    fau_reader r;
    int have_detector = 0;
    int rc = resolve(paths, "", main_rel, main_rel_copy, file, e);
    if (rc || (rc = fau_reader_open(&r, file, e)))
        return rc;
    while (!rc && r.pos < r.len) {
        int lineno = r.line;
        if ((rc = fau_reader_line(&r, line, sizeof line, e)))
            break;
        char *s = line;
        char module[64], location[FAU_PATH_MAX];
        snprintf(module, sizeof module, "%s", next_token(&s));
        /* lineStream >> location: one token. */
        snprintf(location, sizeof location, "%s", next_token(&s));
        int is_det = !strcmp(module, "LandmarkDetector");
        int is_part_line = !strcmp(module, "LandmarkDetector_part");
        int is_val = !strcmp(module, "DetectionValidator");
        if (!is_det && !is_part_line && !is_val)
            continue; /* FaceDetConversion and unknown lines: ignored by OpenFace 2.2 */
        if (!location[0]) {
            rc = fau_lm_bad_text(&r, lineno, e, "%s without a file name", module);
            break;
        }
        if (is_det) {
            if (have_detector) {
                rc = fau_lm_bad_text(&r, lineno, e, "more than one LandmarkDetector line");
                break;
            }
            have_detector = 1;
            if ((rc = resolve(paths, main_rel_copy, location, rel, full, e)))
                break;
            rc = read_clnf(m, &lm->arena, paths, rel, e);
        } else if (is_part_line) {
            if (is_part) {
                rc = fau_error_set(e, FAU_EUNSUPPORTED, "%s: line %d: nested part models are not "
                                   "supported", r.path, lineno);
                break;
            }
            if (lm->n_parts == FAU_CLNF_MAX_PARTS) {
                rc = fau_lm_bad_text(&r, lineno, e, "more than %d part models",
                                     FAU_CLNF_MAX_PARTS);
                break;
            }
            fau_clnf_part *p = &lm->parts[lm->n_parts++];
            const char *name = next_token(&s);
            if (!name[0] || strlen(name) >= sizeof p->name) {
                rc = fau_lm_bad_text(&r, lineno, e, "part model without a valid name");
                break;
            }
            snprintf(p->name, sizeof p->name, "%s", name);
            part_params(p);
            if (!strcmp(p->name, "left_eye_28") || !strcmp(p->name, "right_eye_28"))
                lm->eye_model = 1;
            if ((rc = parse_mapping(&r, lineno, s, p, &lm->arena, e)) ||
                (rc = resolve(paths, main_rel_copy, location, rel, full, e)))
                break;
            rc = read_main(lm, &p->model, paths, rel, 1, e);
        } else if (!is_part) { /* DetectionValidator */
            if (lm->has_validator) {
                rc = fau_lm_bad_text(&r, lineno, e, "more than one DetectionValidator line");
                break;
            }
            if ((rc = resolve(paths, main_rel_copy, location, rel, full, e)))
                break;
            rc = fau_validator_load(&lm->validator, &lm->arena, full, e);
            lm->has_validator = rc == FAU_OK;
        }
    }
    if (!rc && !have_detector)
        rc = fau_error_set(e, FAU_EFORMAT, "%s: names no LandmarkDetector", r.path);
    fau_reader_close(&r);
    return rc;
}

static int check_links(fau_landmark_models *lm, fau_error *e)
{
    int n = lm->main.n_points;
    for (int i = 0; i < lm->n_parts; i++) {
        const fau_clnf_part *p = &lm->parts[i];
        for (int k = 0; k < p->n_map; k++)
            if (p->map_main[k] >= n || p->map_part[k] >= p->model.n_points)
                return fau_error_set(e, FAU_EFORMAT,
                                     "part %s maps landmark %d to part landmark %d, but the "
                                     "models have %d and %d landmarks",
                                     p->name, (int)p->map_main[k], (int)p->map_part[k], n,
                                     p->model.n_points);
    }
    if (lm->has_validator)
        for (int v = 0; v < lm->validator.n_views; v++)
            if (lm->validator.views[v].paw.n_landmarks != n)
                return fau_error_set(e, FAU_EFORMAT,
                                     "the detection validator warps %d landmarks, the landmark "
                                     "model has %d",
                                     lm->validator.views[v].paw.n_landmarks, n);
    return FAU_OK;
}

int fau_landmark_models_load(fau_landmark_models **out, const fau_model_paths *paths,
                             const char *main_rel, fau_error *e)
{
    FAU_CHECK_ARG(e, out != NULL);
    *out = NULL;
    FAU_CHECK_ARG(e, paths != NULL && main_rel != NULL && main_rel[0]);
    fau_landmark_models *lm = calloc(1, sizeof *lm);
    if (!lm)
        return fau_error_set(e, FAU_ENOMEM, "out of memory loading %s", main_rel);
    int rc = read_main(lm, &lm->main, paths, main_rel, 0, e);
    if (!rc)
        rc = check_links(lm, e);
    if (rc)
        fau_landmark_models_free(&lm);
    *out = lm;
    return rc;
}

static void free_model(fau_clnf_model *m)
{
    fau_pdm_free(&m->pdm);
}

void fau_landmark_models_free(fau_landmark_models **m)
{
    if (!m || !*m)
        return;
    fau_landmark_models *lm = *m;
    free_model(&lm->main);
    for (int i = 0; i < lm->n_parts; i++)
        free_model(&lm->parts[i].model);
    fau_lm_arena_free(&lm->arena);
    free(lm);
    *m = NULL;
}

const fau_clnf_part *fau_landmark_models_part(const fau_landmark_models *m, const char *name)
{
    for (int i = 0; m && i < m->n_parts; i++)
        if (!strcmp(m->parts[i].name, name))
            return &m->parts[i];
    return NULL;
}
