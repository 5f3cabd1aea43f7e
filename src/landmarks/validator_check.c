#include "landmarks/validator_check.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "kernels/sgemm_small.h"

int fau_validator_view_id(const fau_validator *v, const double orientation[3])
{
    int id = 0;
    double best = -1.0;
    for (int i = 0; i < v->n_views; i++) {
        const double *o = v->views[i].orientation;
        double d0 = orientation[0] - o[0], d1 = orientation[1] - o[1], d2 = orientation[2] - o[2];
        double d = sqrt(d0 * d0 + d1 * d1 + d2 * d2); /* cv::norm(a, b), NORM_L2 */
        if (i == 0 || d < best) {
            best = d;
            id = i;
        }
    }
    return id;
}

/* Sizes of the buffers one view needs: two map buffers, im2col, coeffs. */
static void view_sizes(const fau_validator_view *vw, size_t *maps, size_t *im2col)
{
    size_t m = (size_t)vw->paw.rows * (size_t)vw->paw.cols;
    size_t c = 0;
    for (int l = 0; l < vw->n_layers; l++) {
        const fau_cnn_layer *L = &vw->layers[l];
        size_t out = (size_t)L->out_maps * (size_t)L->out_rows * (size_t)L->out_cols;
        if (out > m)
            m = out;
        if (L->type == FAU_CNN_CONV) {
            size_t n = (size_t)L->out_rows * (size_t)L->out_cols * (size_t)L->cw_rows;
            if (n > c)
                c = n;
        }
        if (L->type == FAU_CNN_FC && (size_t)L->fc_in > c)
            c = (size_t)L->fc_in; /* the flattened input */
    }
    *maps = m;
    *im2col = c;
}

size_t fau_validator_scratch_floats(const fau_validator *v)
{
    size_t best = 0;
    for (int i = 0; i < v->n_views; i++) {
        const fau_validator_view *vw = &v->views[i];
        size_t maps, im2col;
        view_sizes(vw, &maps, &im2col);
        size_t px = (size_t)vw->paw.rows * (size_t)vw->paw.cols;
        /* map_x, map_y, warped, feature vector, 2 map buffers, im2col, coefficients */
        size_t need = 3 * px + (size_t)vw->n_pixels + 2 * maps + im2col +
                      6 * (size_t)vw->paw.n_triangles + 2 * (size_t)vw->paw.n_landmarks;
        if (need > best)
            best = need;
    }
    return best;
}

/* PAW::CalcCoeff for source landmarks src (2n). */
static void paw_coeff(const fau_paw *p, const float *src, float *coeff)
{
    int n = p->n_landmarks;
    for (int l = 0; l < p->n_triangles; l++) {
        int i = p->triangulation[3 * l], j = p->triangulation[3 * l + 1],
            k = p->triangulation[3 * l + 2];
        float c1 = src[i];
        float c2 = src[j] - c1;
        float c3 = src[k] - c1;
        float c4 = src[i + n];
        float c5 = src[j + n] - c4;
        float c6 = src[k + n] - c4;
        const float *a = p->alpha + 3 * l, *b = p->beta + 3 * l;
        float *c = coeff + 6 * l;
        c[0] = c1 + c2 * a[0] + c3 * b[0];
        c[1] = c2 * a[1] + c3 * b[1];
        c[2] = c2 * a[2] + c3 * b[2];
        c[3] = c4 + c5 * a[0] + c6 * b[0];
        c[4] = c5 * a[1] + c6 * b[1];
        c[5] = c5 * a[2] + c6 * b[2];
    }
}

/* PAW::WarpRegion: source coordinates of every destination pixel (-1 outside the mask). */
static void paw_map(const fau_paw *p, const float *coeff, float *mx, float *my)
{
    size_t i = 0;
    for (int y = 0; y < p->rows; y++) {
        float yi = (float)y + p->min_y;
        for (int x = 0; x < p->cols; x++, i++) {
            float xi = (float)x + p->min_x;
            if (!p->pixel_mask[i]) {
                mx[i] = -1;
                my[i] = -1;
                continue;
            }
            const float *a = coeff + 6 * p->triangle_id[i];
            float xo = a[0];
            xo += a[1] * xi;
            mx[i] = xo + a[2] * yi;
            float yo = a[3];
            yo += a[4] * xi;
            my[i] = yo + a[5] * yi;
        }
    }
}

/* cv::remap(src, dst, mapx, mapy, INTER_LINEAR, BORDER_CONSTANT 0) on a
 * float source that is the crop (cx, cy, cw, ch) of an 8-bit image: OpenCV
 * rounds each map coordinate to 1/32 pixel (cvRound(v * 32)), takes the
 * weights from its float table ((1 - fy)(1 - fx), (1 - fy) fx, fy (1 - fx),
 * fy fx, exact in float) and sums v0 w0 + v1 w1 + v2 w2 + v3 w3 in float;
 * pixels outside the source read as 0. */
static void remap_linear(const uint8_t *img, size_t stride, int cx, int cy, int cw, int ch,
                         const float *mx, const float *my, size_t n, float *dst)
{
    for (size_t i = 0; i < n; i++) {
        int X = (int)lrintf(mx[i] * 32.0f), Y = (int)lrintf(my[i] * 32.0f);
        int sx = X >> 5, sy = Y >> 5;
        float fx = (float)(X & 31) * (1.0f / 32), fy = (float)(Y & 31) * (1.0f / 32);
        float w0 = (1.f - fy) * (1.f - fx), w1 = (1.f - fy) * fx, w2 = fy * (1.f - fx),
              w3 = fy * fx;
        float v[4];
        for (int k = 0; k < 4; k++) {
            int xx = sx + (k & 1), yy = sy + (k >> 1);
            v[k] = (xx >= 0 && xx < cw && yy >= 0 && yy < ch)
                       ? (float)img[(size_t)(cy + yy) * stride + (size_t)(cx + xx)]
                       : 0.0f;
        }
        dst[i] = v[0] * w0 + v[1] * w1 + v[2] * w2 + v[3] * w3;
    }
}

/* NormaliseWarpedToVector: mask pixels in column-major order, local
 * normalisation (OpenCV meanStdDev in double, then float ops), then the
 * view's mean and standard deviation images. */
static void normalise(const fau_validator_view *vw, const float *warped, float *vec)
{
    const fau_paw *p = &vw->paw;
    int k = 0;
    for (int x = 0; x < p->cols; x++)
        for (int y = 0; y < p->rows; y++) {
            size_t i = (size_t)y * (size_t)p->cols + (size_t)x;
            if (p->pixel_mask[i])
                vec[k++] = warped[i];
        }
    double s = 0, sq = 0;
    for (int i = 0; i < k; i++) {
        s += vec[i];
        sq += (double)vec[i] * vec[i];
    }
    double scale = k ? 1. / k : 0.;
    double mean = s * scale;
    double sd = sqrt(fmax(sq * scale - mean * mean, 0.));
    float fmean = (float)mean; /* subtract(vec, Scalar(mean)): scalar cast to float */
    for (int i = 0; i < k; i++)
        vec[i] = vec[i] - fmean;
    if (sd == 0)
        sd = 1;
    float inv = (float)(1. / sd); /* vec /= sd -> convertTo(vec, -1, 1./sd) */
    for (int i = 0; i < k; i++)
        vec[i] = vec[i] * inv + 0.0f;
    for (int i = 0; i < k; i++)
        vec[i] = (vec[i] - vw->mean_image[i]) / vw->std_image[i];
}

/* convolution_direct_blas: im2col_multimap (one row per output pixel,
 * y-major; column m*kh*kw + xx*kh + yy holds map m at (i + yy, j + xx),
 * then a 1 for the bias), then sgemm_("N", "N", kernels, pixels, cw, 1,
 * weights, kernels, im2col, cw, 0, C, kernels) with OpenBLAS's summation
 * order, and out = C.t(). Here the im2col matrix is built transposed (one
 * row per input value, every output pixel in it: whole rows of the maps
 * copied) and fau_sgemm_small_rows, which takes B and C in that
 * orientation, writes C.t() = the output maps directly: same products,
 * same order, same bits. */
static void conv(const fau_cnn_layer *L, const float *in, int rows, int cols, float *col,
                 float *out)
{
    const int kh = L->kh, kw = L->kw, yB = rows - kh + 1, xB = cols - kw + 1;
    const size_t plane = (size_t)rows * (size_t)cols, P = (size_t)yB * (size_t)xB;
    float *row = col;
    for (int m = 0; m < L->n_in; m++)
        for (int xx = 0; xx < kw; xx++)
            for (int yy = 0; yy < kh; yy++, row += P)
                for (int i = 0; i < yB; i++) {
                    /* short rows (52, 20 floats): a loop beats memcpy calls */
                    const float *src =
                        in + (size_t)m * plane + (size_t)(i + yy) * (size_t)cols + (size_t)xx;
                    float *dst = row + (size_t)i * (size_t)xB;
                    for (int j = 0; j < xB; j++)
                        dst[j] = src[j];
                }
    for (size_t t = 0; t < P; t++)
        row[t] = 1.0f;
    fau_sgemm_small_rows(L->n_kernels, (int)P, L->cw_rows, 1.0f, L->conv_weights, L->n_kernels,
                         col, (int)P, 0.0f, out, (int)P);
}

static void maxpool(const float *in, int maps, int rows, int cols, int orows, int ocols,
                    float *out)
{
    for (int m = 0; m < maps; m++) {
        const float *src = in + (size_t)m * (size_t)rows * (size_t)cols;
        float *dst = out + (size_t)m * (size_t)orows * (size_t)ocols;
        for (int x = 0; x < cols; x += 2) {
            int xo = x / 2, max_x = cols < x + 2 ? cols : x + 2;
            if (xo >= ocols)
                continue;
            for (int y = 0; y < rows; y += 2) {
                int yo = y / 2, max_y = rows < y + 2 ? rows : y + 2;
                if (yo >= orows)
                    continue;
                float best = -FLT_MAX;
                for (int xi = x; xi < max_x; xi++)
                    for (int yi = y; yi < max_y; yi++)
                        if (src[(size_t)yi * (size_t)cols + (size_t)xi] > best)
                            best = src[(size_t)yi * (size_t)cols + (size_t)xi];
                dst[(size_t)yo * (size_t)ocols + (size_t)xo] = best;
            }
        }
    }
}

/* fully_connected: the input flattened map by map, each map column-major
 * (maps > 1), or the single column map as is; out = weights^T in + bias
 * through cv::gemm (weights * input + bias). For fewer than 100 outputs
 * OpenCV's own gemm sums the float products in double in input order and
 * rounds once after adding the bias (beta = 1); from 100 outputs it hands
 * the product to cblas_sgemm (C = bias): one fused float chain per K chunk
 * of OpenBLAS, each added to C in order (as detect/cnn.c's fc_layer). */
#define FC_MAX_DOUBLE 100
static void fc(const fau_cnn_layer *L, const float *in, int maps, int rows, int cols,
               float *flat, float *out)
{
    const float *x = in;
    if (maps > 1) {
        size_t k = 0;
        for (int m = 0; m < maps; m++)
            for (int c = 0; c < cols; c++)
                for (int r = 0; r < rows; r++)
                    flat[k++] = in[((size_t)m * (size_t)rows + (size_t)r) * (size_t)cols +
                                   (size_t)c];
        x = flat;
    }
    const int no = L->fc_out;
    if (no < FC_MAX_DOUBLE) {
        /* every output still sums in increasing input order; the products
         * of two floats are exact in double */
        double acc[FC_MAX_DOUBLE];
        for (int o = 0; o < no; o++)
            acc[o] = 0.0;
        for (int i = 0; i < L->fc_in; i++) {
            const float *w = L->fc_weights + (size_t)i * (size_t)no;
            const double xi = x[i];
            for (int o = 0; o < no; o++)
                acc[o] += (double)w[o] * xi;
        }
        for (int o = 0; o < no; o++)
            out[o] = (float)(acc[o] + (double)L->fc_bias[o]);
        return;
    }
    for (int o = 0; o < no; o++) {
        float c = L->fc_bias[o];
        for (int ls = 0, nl; ls < L->fc_in; ls += nl) {
            const int left = L->fc_in - ls;
            nl = left >= 640 ? 320 : left > 320 ? ((left / 2 + 7) / 8) * 8 : left;
            float acc = 0.0f;
            for (int i = ls; i < ls + nl; i++)
                acc = fmaf(x[i], L->fc_weights[(size_t)i * (size_t)no + (size_t)o], acc);
            c = acc + c;
        }
        out[o] = c;
    }
}

/* CheckCNN up to the last layer: the normalised mask pixels back into a
 * rows x cols image, then the layers. s: vector, two map buffers, im2col.
 * Returns the last layer's output (rows x cols). */
static const float *cnn_forward(const fau_validator_view *vw, const float *warped, float *s,
                                int *out_rows, int *out_cols)
{
    const fau_paw *p = &vw->paw;
    size_t px = (size_t)p->rows * (size_t)p->cols;
    size_t maps_sz, im2col_sz;
    view_sizes(vw, &maps_sz, &im2col_sz);
    float *vec = s, *buf0 = vec + vw->n_pixels, *buf1 = buf0 + maps_sz, *im2col = buf1 + maps_sz;
    normalise(vw, warped, vec);
    memset(buf0, 0, px * sizeof(float));
    int k = 0;
    for (int x = 0; x < p->cols; x++)
        for (int y = 0; y < p->rows; y++) {
            size_t i = (size_t)y * (size_t)p->cols + (size_t)x;
            if (p->pixel_mask[i])
                buf0[i] = vec[k++];
        }
    float *cur = buf0, *next = buf1;
    int maps = 1, rows = p->rows, cols = p->cols;
    for (int l = 0; l < vw->n_layers; l++) {
        const fau_cnn_layer *L = &vw->layers[l];
        size_t count = (size_t)maps * (size_t)rows * (size_t)cols;
        switch (L->type) {
        case FAU_CNN_CONV:
            conv(L, cur, rows, cols, im2col, next);
            break;
        case FAU_CNN_MAXPOOL:
            maxpool(cur, maps, rows, cols, L->out_rows, L->out_cols, next);
            break;
        case FAU_CNN_FC:
            fc(L, cur, maps, rows, cols, im2col, next);
            break;
        case FAU_CNN_RELU:
            for (size_t i = 0; i < count; i++)
                next[i] = cur[i] > 0 ? cur[i] : 0.0f;
            break;
        case FAU_CNN_SIGMOID:
            for (size_t i = 0; i < count; i++)
                next[i] = (float)(1.0 / (1.0 + (double)expf(-cur[i])));
            break;
        }
        float *t = cur;
        cur = next;
        next = t;
        maps = L->out_maps;
        rows = L->out_rows;
        cols = L->out_cols;
    }
    *out_rows = rows;
    *out_cols = cols;
    return cur;
}

/* minMaxLoc over outputs[0].t(): the first maximum in column-major order;
 * max_loc.y of the transposed output. */
static int argmax_bin(const float *cur, int rows, int cols)
{
    int best = 0;
    float best_v = 0;
    int first = 1;
    for (int c = 0; c < cols; c++)
        for (int r = 0; r < rows; r++) {
            float val = cur[(size_t)r * (size_t)cols + (size_t)c];
            if (first || val > best_v) {
                best_v = val;
                best = r * cols + c;
                first = 0;
            }
        }
    return rows == 1 ? best : best / cols;
}

int fau_validator_cnn(const fau_validator *v, int view, const float *warped, float *scratch,
                      float *out)
{
    const fau_validator_view *vw = &v->views[view];
    const size_t px = (size_t)vw->paw.rows * (size_t)vw->paw.cols;
    int rows, cols;
    const float *o = cnn_forward(vw, warped, scratch + 3 * px, &rows, &cols);
    memcpy(out, o, (size_t)rows * (size_t)cols * sizeof(float));
    return argmax_bin(o, rows, cols);
}

float fau_validator_check(const fau_validator *v, const double orientation[3],
                          const uint8_t *image, int width, int height, size_t stride,
                          const float *landmarks, float *scratch, float *warped_out)
{
    int id = fau_validator_view_id(v, orientation);
    const fau_validator_view *vw = &v->views[id];
    const fau_paw *p = &vw->paw;
    int n = p->n_landmarks;
    /* ExtractBoundingBox, then the ROI with 3 pixels to spare (truncated to int) */
    float min_xf = 0, max_xf = 0, min_yf = 0, max_yf = 0;
    for (int i = 0; i < n; i++) {
        float x = landmarks[i], y = landmarks[i + n];
        if (i == 0 || x < min_xf)
            min_xf = x;
        if (i == 0 || x > max_xf)
            max_xf = x;
        if (i == 0 || y < min_yf)
            min_yf = y;
        if (i == 0 || y > max_yf)
            max_yf = y;
    }
    int min_x = (int)(min_xf - 3.0f), max_x = (int)(max_xf + 3.0f);
    int min_y = (int)(min_yf - 3.0f), max_y = (int)(max_yf + 3.0f);
    if (min_x < 0)
        min_x = 0;
    if (min_y < 0)
        min_y = 0;
    if (max_x > width - 1)
        max_x = width - 1;
    if (max_y > height - 1)
        max_y = height - 1;
    if (max_x - min_x <= 1 || max_y - min_y <= 1)
        return 0.0f;

    /* scratch: map_x, map_y, warped, then cnn_forward's part, then the
     * PAW coefficients and the local landmarks */
    size_t px = (size_t)p->rows * (size_t)p->cols;
    size_t maps_sz, im2col_sz;
    view_sizes(vw, &maps_sz, &im2col_sz);
    float *mx = scratch, *my = mx + px, *warped = my + px;
    float *coeff = warped + px + (size_t)vw->n_pixels + 2 * maps_sz + im2col_sz;
    float *local = coeff + 6 * (size_t)p->n_triangles;

    /* landmarks relative to the ROI: x - min_x in float */
    for (int i = 0; i < n; i++) {
        local[i] = landmarks[i] + (float)(-min_x);
        local[i + n] = landmarks[i + n] + (float)(-min_y);
    }
    paw_coeff(p, local, coeff);
    paw_map(p, coeff, mx, my);
    remap_linear(image, stride, min_x, min_y, max_x - min_x, max_y - min_y, mx, my, px, warped);
    if (warped_out)
        memcpy(warped_out, warped, px * sizeof(float));

    int rows, cols;
    const float *o = cnn_forward(vw, warped, scratch + 3 * px, &rows, &cols);
    int max_idx = argmax_bin(o, rows, cols);
    double bins = (double)cols;
    double step = (1.0 - -1.0) / bins;
    double unquantized = -1.0 + step / 2.0 + max_idx * step;
    return (float)(0.5 * (1.0 - unquantized));
}
