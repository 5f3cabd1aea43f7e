/* DetectionValidator::Read (validator type 3, CNN) and PAW::Read. Layout:
 *   i32 validator type, i32 views, views x ReadMatBin orientation (3 doubles, deg),
 *   per view: ReadMatBin mean image, ReadMatBin std image (1 x pixels),
 *     i32 depth, depth x (i32 layer type, then for conv: i32 in maps,
 *     i32 kernels, kernels x f32 bias, in x kernels ReadMatBin kernel;
 *     for fully connected: ReadMatBin bias, ReadMatBin weights; others: nothing),
 *     PAW: i32 pixels, f64 min_x, f64 min_y, destination landmarks,
 *     triangulation, triangle_id, pixel mask, alpha, beta (all ReadMatBin).
 * OpenFace trusts every count; here each one is range-checked and the layer
 * shapes are chained through the network so that a bad file cannot lead to
 * out-of-bounds access when the validator runs. */
#include <math.h>
#include <string.h>

#include "landmarks/lm_load_util.h"
#include "landmarks/validator.h"

static int nomem(const fau_reader *r, fau_error *e)
{
    return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
}

static float *floats_of(fau_lm_arena *a, const fau_matd *m)
{
    float *f = fau_lm_arena_array(a, (size_t)m->rows * (size_t)m->cols, sizeof(float));
    if (f)
        fau_lm_to_float(f, m);
    return f;
}

static int32_t *ints_of(fau_lm_arena *a, const fau_matd *m)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    int32_t *v = fau_lm_arena_array(a, n, sizeof(int32_t));
    if (v)
        for (size_t i = 0; i < n; i++)
            v[i] = (int32_t)m->data[i];
    return v;
}

static int read_conv(fau_reader *r, fau_cnn_layer *L, fau_lm_arena *a, fau_error *e)
{
    int rc;
    if ((rc = fau_lm_bin_count(r, 1, FAU_VALIDATOR_MAX_MAPS, "conv input maps", &L->n_in, e)) ||
        (rc = fau_lm_bin_count(r, 1, FAU_VALIDATOR_MAX_MAPS, "conv kernels", &L->n_kernels, e)))
        return rc;
    if ((rc = fau_lm_need_bytes(r, (size_t)L->n_in * (size_t)L->n_kernels, 16, "conv kernels",
                                e)))
        return rc;
    L->biases = fau_lm_arena_array(a, (size_t)L->n_kernels, sizeof(float));
    if (!L->biases)
        return nomem(r, e);
    for (int k = 0; k < L->n_kernels; k++) {
        size_t at = r->pos;
        if ((rc = fau_reader_bin_f32(r, &L->biases[k], e)))
            return rc;
        if (!isfinite(L->biases[k]))
            return fau_lm_bad_bin(r, at, e, "conv bias is not a finite number");
    }
    size_t n_kern = (size_t)L->n_in * (size_t)L->n_kernels;
    for (size_t i = 0; i < n_kern; i++) {
        fau_matd m;
        size_t at = r->pos;
        /* Read into cv::Mat_<float>: only float32 data is meaningful, and the
         * weight matrix assumes every kernel has the first one's size. */
        if ((rc = fau_lm_bin_mat(r, &m, i ? L->kh : -1, i ? L->kw : -1, FAU_CV_32F, "conv kernel",
                                 e)))
            return rc;
        if (i == 0) {
            if (m.rows < 1 || m.cols < 1 || m.rows > FAU_VALIDATOR_MAX_KERNEL ||
                m.cols > FAU_VALIDATOR_MAX_KERNEL) {
                fau_matd_free(&m);
                return fau_lm_bad_bin(r, at, e, "conv kernel size %d x %d out of range", m.rows,
                                      m.cols);
            }
            L->kh = m.rows;
            L->kw = m.cols;
            if ((rc = fau_lm_need_bytes(r, n_kern - 1, 12 + 4 * (size_t)(L->kh * L->kw),
                                        "conv kernels", e))) {
                fau_matd_free(&m);
                return rc;
            }
            L->kernels = fau_lm_arena_array(a, n_kern * (size_t)(L->kh * L->kw), sizeof(float));
            if (!L->kernels) {
                fau_matd_free(&m);
                return nomem(r, e);
            }
        }
        fau_lm_to_float(L->kernels + i * (size_t)(L->kh * L->kw), &m);
        fau_matd_free(&m);
    }
    /* The im2col weight matrix of DetectionValidator::Read. */
    int ksz = L->kh * L->kw;
    L->cw_rows = L->n_in * ksz + 1;
    L->conv_weights =
        fau_lm_arena_array(a, (size_t)L->cw_rows * (size_t)L->n_kernels, sizeof(float));
    if (!L->conv_weights)
        return nomem(r, e);
    for (int in = 0; in < L->n_in; in++)
        for (int k = 0; k < L->n_kernels; k++) {
            const float *kern = L->kernels + ((size_t)in * (size_t)L->n_kernels + (size_t)k) *
                                                 (size_t)ksz;
            for (int c = 0; c < L->kw; c++)
                for (int rr = 0; rr < L->kh; rr++)
                    L->conv_weights[(size_t)(in * ksz + c * L->kh + rr) * (size_t)L->n_kernels +
                                    (size_t)k] = kern[rr * L->kw + c];
        }
    for (int k = 0; k < L->n_kernels; k++)
        L->conv_weights[(size_t)(L->cw_rows - 1) * (size_t)L->n_kernels + (size_t)k] =
            L->biases[k];
    return FAU_OK;
}

static int read_fc(fau_reader *r, fau_cnn_layer *L, fau_lm_arena *a, fau_error *e)
{
    fau_matd b, w;
    size_t at = r->pos;
    int rc = fau_lm_bin_mat(r, &b, -1, 1, FAU_CV_32F, "fully connected bias", e);
    if (rc)
        return rc;
    if ((rc = fau_lm_bin_mat(r, &w, -1, b.rows, FAU_CV_32F, "fully connected weights", e))) {
        fau_matd_free(&b);
        return rc;
    }
    if (b.rows < 1 || w.rows < 1) {
        rc = fau_lm_bad_bin(r, at, e, "empty fully connected layer");
        goto done;
    }
    L->fc_in = w.rows;
    L->fc_out = w.cols;
    L->fc_bias = floats_of(a, &b);
    L->fc_weights = floats_of(a, &w);
    if (!L->fc_bias || !L->fc_weights)
        rc = nomem(r, e);
done:
    fau_matd_free(&b);
    fau_matd_free(&w);
    return rc;
}

static int read_paw(fau_reader *r, fau_paw *p, fau_lm_arena *a, fau_error *e)
{
    int rc;
    double mx, my;
    fau_matd m = {0};
    if ((rc = fau_lm_bin_count(r, 1, FAU_VALIDATOR_MAX_SIDE * FAU_VALIDATOR_MAX_SIDE,
                               "PAW pixel count", &p->n_pixels, e)) ||
        (rc = fau_reader_bin_f64(r, &mx, e)) || (rc = fau_reader_bin_f64(r, &my, e)))
        return rc;
    if (!isfinite(mx) || !isfinite(my))
        return fau_lm_bad_bin(r, r->pos - 16, e, "PAW origin is not finite");
    p->min_x = (float)mx;
    p->min_y = (float)my;

    size_t at = r->pos;
    if ((rc = fau_lm_bin_mat(r, &m, -1, 1, -1, "PAW destination landmarks", e)))
        return rc;
    if (m.rows < 2 || m.rows % 2) {
        rc = fau_lm_bad_bin(r, at, e, "PAW destination landmarks: %d values, expected 2 per point",
                            m.rows);
        goto done;
    }
    p->n_landmarks = m.rows / 2;
    if (!(p->dst_landmarks = floats_of(a, &m)))
        goto oom;
    fau_matd_free(&m);

    at = r->pos;
    if ((rc = fau_lm_bin_mat(r, &m, -1, 3, FAU_CV_32S, "PAW triangulation", e)))
        return rc;
    p->n_triangles = m.rows;
    for (int i = 0; i < m.rows * 3; i++)
        if (m.data[i] < 0 || m.data[i] >= p->n_landmarks) {
            rc = fau_lm_bad_bin(r, at, e, "PAW triangulation refers to landmark %g of %d",
                                m.data[i], p->n_landmarks);
            goto done;
        }
    if (!(p->triangulation = ints_of(a, &m)))
        goto oom;
    fau_matd_free(&m);

    at = r->pos;
    if ((rc = fau_lm_bin_mat(r, &m, -1, -1, FAU_CV_32S, "PAW triangle ids", e)))
        return rc;
    if (m.rows < 1 || m.cols < 1 || m.rows > FAU_VALIDATOR_MAX_SIDE ||
        m.cols > FAU_VALIDATOR_MAX_SIDE) {
        rc = fau_lm_bad_bin(r, at, e, "PAW size %d x %d out of range", m.rows, m.cols);
        goto done;
    }
    p->rows = m.rows;
    p->cols = m.cols;
    for (int i = 0; i < m.rows * m.cols; i++)
        if (m.data[i] < -1 || m.data[i] >= p->n_triangles) {
            rc = fau_lm_bad_bin(r, at, e, "PAW triangle id %g out of range", m.data[i]);
            goto done;
        }
    if (!(p->triangle_id = ints_of(a, &m)))
        goto oom;
    fau_matd_free(&m);

    at = r->pos;
    if ((rc = fau_lm_bin_mat(r, &m, p->rows, p->cols, -1, "PAW pixel mask", e)))
        return rc;
    p->pixel_mask = fau_lm_arena_alloc(a, (size_t)p->rows * (size_t)p->cols);
    if (!p->pixel_mask)
        goto oom;
    int inside = 0;
    for (int i = 0; i < p->rows * p->cols; i++) {
        /* convertTo(CV_8U): round to nearest even, saturate to 0..255. */
        double v = nearbyint(m.data[i]);
        p->pixel_mask[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        inside += p->pixel_mask[i] != 0;
    }
    /* NormaliseWarpedToVector writes one value per mask pixel into a vector
     * of n_pixels: a mismatch would overrun it. */
    if (inside != p->n_pixels) {
        rc = fau_lm_bad_bin(r, at, e, "PAW mask has %d pixels, header says %d", inside,
                            p->n_pixels);
        goto done;
    }
    fau_matd_free(&m);

    if ((rc = fau_lm_bin_mat(r, &m, p->n_triangles, 3, -1, "PAW alpha", e)))
        return rc;
    if (!(p->alpha = floats_of(a, &m)))
        goto oom;
    fau_matd_free(&m);
    if ((rc = fau_lm_bin_mat(r, &m, p->n_triangles, 3, -1, "PAW beta", e)))
        return rc;
    if (!(p->beta = floats_of(a, &m)))
        goto oom;
    goto done;
oom:
    rc = nomem(r, e);
done:
    fau_matd_free(&m);
    return rc;
}

/* Chains map shapes through the layers as CheckCNN runs them. */
static int check_shapes(fau_reader *r, fau_validator_view *v, int view, fau_error *e)
{
    int maps = 1, rows = v->paw.rows, cols = v->paw.cols;
    for (int l = 0; l < v->n_layers; l++) {
        fau_cnn_layer *L = &v->layers[l];
        switch (L->type) {
        case FAU_CNN_CONV:
            if (L->n_in != maps || L->kh > rows || L->kw > cols)
                return fau_lm_bad_bin(r, r->pos, e,
                                      "view %d layer %d: %d x %d x %d input does not fit a conv "
                                      "layer of %d maps with %d x %d kernels",
                                      view, l, maps, rows, cols, L->n_in, L->kh, L->kw);
            maps = L->n_kernels;
            rows = rows - L->kh + 1;
            cols = cols - L->kw + 1;
            break;
        case FAU_CNN_MAXPOOL:
            /* max_pooling(2, 2, 2, 2): round((n - 2) / 2) + 1 outputs. */
            rows = (int)roundf((float)(rows - 2) / 2.0f) + 1;
            cols = (int)roundf((float)(cols - 2) / 2.0f) + 1;
            if (rows < 1 || cols < 1)
                return fau_lm_bad_bin(r, r->pos, e, "view %d layer %d: pooling an empty map",
                                      view, l);
            break;
        case FAU_CNN_FC:
            if (maps > 1 && maps * rows * cols == L->fc_in && maps != L->fc_in) {
                /* fully_connected flattens all maps into one column. */
                maps = 1;
                rows = L->fc_out;
                cols = 1;
            } else if (maps == 1 && rows == L->fc_in && cols == 1) {
                /* one map: weights.t() * map + bias, transposed to a row. */
                rows = 1;
                cols = L->fc_out;
            } else {
                return fau_lm_bad_bin(r, r->pos, e,
                                      "view %d layer %d: %d x %d x %d input does not fit a fully "
                                      "connected layer with %d inputs",
                                      view, l, maps, rows, cols, L->fc_in);
            }
            break;
        default:
            break;
        }
        L->out_maps = maps;
        L->out_rows = rows;
        L->out_cols = cols;
    }
    v->n_bins = cols;
    return FAU_OK;
}

static int read_view(fau_reader *r, fau_validator_view *v, int view, fau_lm_arena *a,
                     fau_error *e)
{
    fau_matd mean = {0}, sd = {0};
    size_t at = r->pos;
    int rc;
    if ((rc = fau_lm_bin_mat(r, &mean, 1, -1, -1, "validator mean image", e)) ||
        (rc = fau_lm_bin_mat(r, &sd, 1, mean.cols, -1, "validator standard deviations", e)))
        goto done;
    v->n_pixels = mean.cols;
    v->mean_image = floats_of(a, &mean);
    v->std_image = floats_of(a, &sd);
    if (!v->mean_image || !v->std_image) {
        rc = nomem(r, e);
        goto done;
    }
    if ((rc = fau_lm_bin_count(r, 1, FAU_VALIDATOR_MAX_LAYERS, "network depth", &v->n_layers, e)))
        goto done;
    if ((rc = fau_lm_need_bytes(r, (size_t)v->n_layers, 4, "layers", e)))
        goto done;
    v->layers = fau_lm_arena_array(a, (size_t)v->n_layers, sizeof *v->layers);
    if (!v->layers) {
        rc = nomem(r, e);
        goto done;
    }
    for (int l = 0; l < v->n_layers && !rc; l++) {
        fau_cnn_layer *L = &v->layers[l];
        if ((rc = fau_lm_bin_count(r, 0, 4, "layer type", &L->type, e)))
            break;
        if (L->type == FAU_CNN_CONV)
            rc = read_conv(r, L, a, e);
        else if (L->type == FAU_CNN_FC)
            rc = read_fc(r, L, a, e);
    }
    if (rc || (rc = read_paw(r, &v->paw, a, e)))
        goto done;
    if (v->paw.n_pixels != v->n_pixels) {
        rc = fau_lm_bad_bin(r, at, e, "view %d: mean image has %d pixels, PAW mask has %d", view,
                            v->n_pixels, v->paw.n_pixels);
        goto done;
    }
    rc = check_shapes(r, v, view, e);
done:
    fau_matd_free(&mean);
    fau_matd_free(&sd);
    return rc;
}

static int read_validator(fau_reader *r, fau_validator *out, fau_lm_arena *a, fau_error *e)
{
    int rc;
    size_t at = r->pos;
    int32_t type;
    if ((rc = fau_reader_bin_i32(r, &type, e)))
        return rc;
    if (type != 3)
        return fau_error_set(e, FAU_EUNSUPPORTED,
                             "%s: validator type %d: only the CNN validator (type 3) of OpenFace "
                             "2.x is supported (byte %zu)",
                             r->path, (int)type, at);
    out->type = type;
    if ((rc = fau_lm_bin_count(r, 1, FAU_VALIDATOR_MAX_VIEWS, "number of views", &out->n_views,
                               e)))
        return rc;
    if ((rc = fau_lm_need_bytes(r, (size_t)out->n_views, 12 + 24, "views", e)))
        return rc;
    out->views = fau_lm_arena_array(a, (size_t)out->n_views, sizeof *out->views);
    if (!out->views)
        return nomem(r, e);
    for (int i = 0; i < out->n_views; i++) {
        fau_matd m;
        at = r->pos;
        /* Read into cv::Mat_<double> and accessed with at<double>. */
        if ((rc = fau_lm_bin_mat(r, &m, -1, -1, FAU_CV_64F, "view orientation", e)))
            return rc;
        if (m.rows * m.cols != 3) {
            fau_matd_free(&m);
            return fau_lm_bad_bin(r, at, e, "view orientation has %d values, expected 3",
                                  m.rows * m.cols);
        }
        for (int k = 0; k < 3; k++)
            out->views[i].orientation[k] = (m.data[k] * M_PI) * (1. / 180.0);
        fau_matd_free(&m);
    }
    for (int i = 0; i < out->n_views; i++)
        if ((rc = read_view(r, &out->views[i], i, a, e)))
            return rc;
    if (r->pos != r->len)
        return fau_lm_bad_bin(r, r->pos, e,
                              "%zu unexpected bytes after the last view (wrong counts?)",
                              r->len - r->pos);
    return FAU_OK;
}

int fau_validator_load(fau_validator *out, fau_lm_arena *a, const char *path, fau_error *e)
{
    memset(out, 0, sizeof *out);
    fau_reader r;
    int rc = fau_reader_open(&r, path, e);
    if (rc)
        return rc;
    rc = read_validator(&r, out, a, e);
    fau_reader_close(&r);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}
