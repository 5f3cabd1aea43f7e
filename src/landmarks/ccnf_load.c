/* Patch_experts::Read_CCNF_patch_experts, CCNF_patch_expert::Read and
 * CCNF_neuron::Read: the binary ccnf_patches_*.txt layout is
 *   f64 patch scaling, i32 views,
 *   views x ReadMatBin centre (3 doubles, degrees),
 *   views x ReadMatBin visibility (points x 1 int32),
 *   i32 window count, per window: i32 size, i32 component count, matrices,
 *   views x points experts: i32 5, i32 width, i32 height, i32 neurons
 *     (0: one more i32 and nothing else), neurons x (i32 2, i32 type,
 *     f64 norm_weights, f64 bias, f64 alpha, ReadMatBin weights),
 *     f64 betas (as many as the first window has components), f64 confidence.
 * OpenFace trusts every count; here each one is range-checked first. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "landmarks/ccnf.h"
#include "landmarks/lm_load_util.h"

static int read_finite(fau_reader *r, double *v, const char *what, fau_error *e)
{
    size_t at = r->pos;
    int rc = fau_reader_bin_f64(r, v, e);
    if (rc)
        return rc;
    if (!isfinite(*v))
        return fau_lm_bad_bin(r, at, e, "%s is not a finite number", what);
    return FAU_OK;
}

static int nomem(const fau_reader *r, fau_error *e)
{
    return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
}

static int read_windows(fau_reader *r, fau_ccnf_patches *p, fau_lm_arena *a, fau_error *e)
{
    int rc = fau_lm_bin_count(r, 0, FAU_CCNF_MAX_WINDOWS, "number of window sizes",
                              &p->n_windows, e);
    if (rc)
        return rc;
    p->windows = fau_lm_arena_array(a, (size_t)p->n_windows, sizeof *p->windows);
    if (!p->windows)
        return nomem(r, e);
    for (int w = 0; w < p->n_windows; w++) {
        fau_ccnf_window *win = &p->windows[w];
        if ((rc = fau_lm_bin_count(r, 1, FAU_CCNF_MAX_WINDOW, "window size", &win->window_size,
                                   e)) ||
            (rc = fau_lm_bin_count(r, 0, FAU_CCNF_MAX_SIGMA_COMPONENTS,
                                   "number of sigma components", &win->n_components, e)))
            return rc;
        int dim = win->window_size * win->window_size;
        size_t per = (size_t)dim * (size_t)dim;
        if ((rc = fau_lm_need_bytes(r, (size_t)win->n_components, 12 + 4 * per,
                                    "sigma components", e)))
            return rc;
        win->components = fau_lm_arena_array(a, per * (size_t)win->n_components, sizeof(float));
        if (!win->components)
            return nomem(r, e);
        for (int s = 0; s < win->n_components; s++) {
            fau_matd m;
            /* Read into cv::Mat_<float>, so only float32 data is meaningful. */
            if ((rc = fau_lm_bin_mat(r, &m, dim, dim, FAU_CV_32F, "sigma component", e)))
                return rc;
            fau_lm_to_float(win->components + per * (size_t)s, &m);
            fau_matd_free(&m);
        }
    }
    return FAU_OK;
}

static int read_neuron(fau_reader *r, fau_ccnf_neuron *n, int width, int height, fau_lm_arena *a,
                       fau_error *e)
{
    size_t at = r->pos;
    int32_t read_type;
    int rc = fau_reader_bin_i32(r, &read_type, e);
    if (rc)
        return rc;
    if (read_type != 2)
        return fau_lm_bad_bin(r, at, e, "neuron record tag is %d, expected 2", (int)read_type);
    at = r->pos;
    int32_t type;
    if ((rc = fau_reader_bin_i32(r, &type, e)))
        return rc;
    /* CCNF_neuron::Response aborts on anything but 0 (intensity) and 3 (depth). */
    if (type != 0 && type != 3)
        return fau_lm_bad_bin(r, at, e, "unsupported neuron type %d", (int)type);
    n->neuron_type = type;
    if ((rc = read_finite(r, &n->norm_weights, "neuron norm_weights", e)) ||
        (rc = read_finite(r, &n->bias, "neuron bias", e)) ||
        (rc = read_finite(r, &n->alpha, "neuron alpha", e)))
        return rc;
    fau_matd m;
    if ((rc = fau_lm_bin_mat(r, &m, height, width, FAU_CV_32F, "neuron weights", e)))
        return rc;
    n->rows = height;
    n->cols = width;
    n->weights = fau_lm_arena_array(a, (size_t)width * (size_t)height, sizeof(float));
    if (!n->weights) {
        fau_matd_free(&m);
        return nomem(r, e);
    }
    fau_lm_to_float(n->weights, &m);
    fau_matd_free(&m);
    return FAU_OK;
}

/* CCNF_patch_expert::Read's weight_matrix: per neuron the weights transposed
 * and flattened (column-major), times norm_weights, with the bias in front.
 * OpenCV evaluates Mat_<float> * double through convertTo, which scales in
 * float: dst = src * (float)alpha + (float)0. */
static void build_weight_matrix(fau_ccnf_expert *x)
{
    int h = x->height, w = x->width;
    for (int i = 0; i < x->n_neurons; i++) {
        const fau_ccnf_neuron *n = &x->neurons[i];
        float *row = x->weight_matrix + (size_t)i * (size_t)x->wm_cols;
        float scale = (float)n->norm_weights;
        row[0] = (float)n->bias;
        for (int c = 0; c < w; c++)
            for (int rr = 0; rr < h; rr++)
                row[1 + c * h + rr] = n->weights[rr * w + c] * scale + 0.0f;
    }
}

static int read_expert(fau_reader *r, fau_ccnf_expert *x, int n_betas, fau_lm_arena *a,
                       fau_error *e)
{
    size_t at = r->pos;
    int32_t read_type;
    int rc = fau_reader_bin_i32(r, &read_type, e);
    if (rc)
        return rc;
    if (read_type != 5)
        return fau_lm_bad_bin(r, at, e, "patch expert record tag is %d, expected 5",
                              (int)read_type);
    if ((rc = fau_lm_bin_count(r, 1, FAU_CCNF_MAX_SUPPORT, "patch expert width", &x->width, e)) ||
        (rc = fau_lm_bin_count(r, 1, FAU_CCNF_MAX_SUPPORT, "patch expert height", &x->height,
                               e)) ||
        (rc = fau_lm_bin_count(r, 0, FAU_CCNF_MAX_NEURONS, "number of neurons", &x->n_neurons,
                               e)))
        return rc;
    x->wm_cols = 1 + x->width * x->height;
    if (x->n_neurons == 0) {
        /* Invisible landmark: the writer put one more int and nothing else. */
        int32_t pad;
        return fau_reader_bin_i32(r, &pad, e);
    }
    /* tag, type, 3 doubles, matrix header, width*height floats */
    if ((rc = fau_lm_need_bytes(r, (size_t)x->n_neurons,
                                40 + 4 * (size_t)x->width * (size_t)x->height, "neurons", e)))
        return rc;
    x->neurons = fau_lm_arena_array(a, (size_t)x->n_neurons, sizeof *x->neurons);
    x->weight_matrix =
        fau_lm_arena_array(a, (size_t)x->n_neurons * (size_t)x->wm_cols, sizeof(float));
    if (!x->neurons || !x->weight_matrix)
        return nomem(r, e);
    for (int i = 0; i < x->n_neurons; i++)
        if ((rc = read_neuron(r, &x->neurons[i], x->width, x->height, a, e)))
            return rc;
    build_weight_matrix(x);
    x->n_betas = n_betas;
    x->betas = fau_lm_arena_array(a, (size_t)n_betas, sizeof(double));
    if (!x->betas)
        return nomem(r, e);
    for (int b = 0; b < n_betas; b++)
        if ((rc = read_finite(r, &x->betas[b], "beta", e)))
            return rc;
    return read_finite(r, &x->patch_confidence, "patch confidence", e);
}

static int read_patches(fau_reader *r, fau_ccnf_patches *p, fau_lm_arena *a, fau_error *e)
{
    int rc;
    if ((rc = read_finite(r, &p->patch_scaling, "patch scaling", e)))
        return rc;
    if (!(p->patch_scaling > 0))
        return fau_lm_bad_bin(r, 0, e, "patch scaling %g is not positive", p->patch_scaling);
    if ((rc = fau_lm_bin_count(r, 1, FAU_CCNF_MAX_VIEWS, "number of views", &p->n_views, e)))
        return rc;
    p->centers = fau_lm_arena_array(a, (size_t)p->n_views, sizeof *p->centers);
    if (!p->centers)
        return nomem(r, e);
    for (int v = 0; v < p->n_views; v++) {
        fau_matd m;
        size_t at = r->pos;
        if ((rc = fau_lm_bin_mat(r, &m, -1, -1, FAU_CV_64F, "view centre", e)))
            return rc;
        if (m.rows * m.cols != 3) {
            fau_matd_free(&m);
            return fau_lm_bad_bin(r, at, e, "view centre has %d values, expected 3",
                                  m.rows * m.cols);
        }
        /* centers[i] * M_PI / 180.0 on a cv::Vec3d: OpenCV divides by
         * multiplying with 1./180. */
        for (int k = 0; k < 3; k++)
            p->centers[v][k] = (m.data[k] * M_PI) * (1. / 180.0);
        fau_matd_free(&m);
    }
    for (int v = 0; v < p->n_views; v++) {
        fau_matd m;
        size_t at = r->pos;
        if ((rc = fau_lm_bin_mat(r, &m, v == 0 ? -1 : p->n_points, 1, FAU_CV_32S, "visibility",
                                 e)))
            return rc;
        if (v == 0) {
            if (m.rows < 1 || m.rows > FAU_CCNF_MAX_POINTS) {
                fau_matd_free(&m);
                return fau_lm_bad_bin(r, at, e, "visibility has %d landmarks, expected 1..%d",
                                      m.rows, FAU_CCNF_MAX_POINTS);
            }
            p->n_points = m.rows;
            p->visibility =
                fau_lm_arena_array(a, (size_t)p->n_views * (size_t)p->n_points, sizeof(int32_t));
            if (!p->visibility) {
                fau_matd_free(&m);
                return nomem(r, e);
            }
        }
        for (int i = 0; i < p->n_points; i++)
            p->visibility[(size_t)v * (size_t)p->n_points + (size_t)i] = (int32_t)m.data[i];
        fau_matd_free(&m);
    }
    if ((rc = read_windows(r, p, a, e)))
        return rc;
    /* CCNF_patch_expert::Read reads as many betas as the first window has
     * sigma components (none when there are no windows). */
    int n_betas = p->n_windows > 0 ? p->windows[0].n_components : 0;
    size_t n_exp = (size_t)p->n_views * (size_t)p->n_points;
    if ((rc = fau_lm_need_bytes(r, n_exp, 20, "patch experts", e)))
        return rc;
    p->experts = fau_lm_arena_array(a, n_exp, sizeof *p->experts);
    if (!p->experts)
        return nomem(r, e);
    for (size_t i = 0; i < n_exp; i++)
        if ((rc = read_expert(r, &p->experts[i], n_betas, a, e)))
            return rc;
    if (r->pos != r->len)
        return fau_lm_bad_bin(r, r->pos, e,
                              "%zu unexpected bytes after the last patch expert (wrong counts?)",
                              r->len - r->pos);
    return FAU_OK;
}

int fau_ccnf_patches_load(fau_ccnf_patches *out, fau_lm_arena *a, const char *path,
                          fau_error *e)
{
    memset(out, 0, sizeof *out);
    fau_reader r;
    int rc = fau_reader_open(&r, path, e);
    if (rc)
        return rc;
    rc = read_patches(&r, out, a, e);
    fau_reader_close(&r);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}
