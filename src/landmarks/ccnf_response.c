#include "landmarks/ccnf_response.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/openblas_lapack.h"
#include "detect/sgemm_openblas.h"
#include "kernels/sgemm_small.h"

const fau_ccnf_window *fau_ccnf_sigma_window(const fau_ccnf_patches *sigma_file, int window_size)
{
    const fau_ccnf_window *found = NULL;
    for (int w = 0; w < sigma_file->n_windows; w++) {
        const fau_ccnf_window *win = &sigma_file->windows[w];
        /* "window_size*window_size == sigma_components[w][0].rows", last match wins */
        if (win->n_components > 0 && win->window_size == window_size)
            found = win;
    }
    return found;
}

size_t fau_ccnf_sigma_scratch(int window_size)
{
    size_t d = (size_t)window_size * (size_t)window_size;
    return 2 * d * d;
}

/* In-place inverse of the symmetric positive definite n x n matrix in a
 * (double) through its Cholesky factor; 0 on success. */
static int spd_inverse(double *a, double *inv, int n)
{
    /* a = L L^T, L stored in the lower triangle of a */
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            if (i == j) {
                if (!(s > 0))
                    return -1;
                a[i * n + i] = sqrt(s);
            } else {
                a[i * n + j] = s / a[j * n + j];
            }
        }
    }
    /* inv = L^-T L^-1, column by column of the identity */
    for (int c = 0; c < n; c++) {
        double *x = inv + (size_t)c * (size_t)n; /* column c, stored as a row */
        for (int i = 0; i < n; i++) {
            double s = i == c ? 1.0 : 0.0;
            for (int k = 0; k < i; k++)
                s -= a[i * n + k] * x[k];
            x[i] = s / a[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = x[i];
            for (int k = i + 1; k < n; k++)
                s -= a[k * n + i] * x[k];
            x[i] = s / a[i * n + i];
        }
    }
    return 0;
}

/* cv::invert(DECOMP_CHOLESKY) of a float matrix of fewer than 100 rows
 * (below HAL_CHOLESKY_SMALL_MATRIX_THRESH the LAPACK HAL declines and
 * OpenCV runs its own CholImpl<float> against the identity): products of two
 * floats rounded to float, sums in double, the diagonal of L kept as
 * 1/sqrt. A (n x n) is overwritten with L; b gets the inverse, row-major
 * (not symmetric bit for bit). acc: n doubles. The solves run j innermost,
 * each element still subtracting its terms in OpenCV's k order. Checked bit
 * for bit against OpenCV 4.6's cv::invert. */
static int chol_inverse_f32(float *A, int n, float *b, double *acc)
{
    for (int i = 0; i < n; i++) {
        float *Li = A + (size_t)i * n;
        int j = 0;
        for (; j < i; j++) {
            const float *Lj = A + (size_t)j * n;
            double s = Li[j];
            for (int k = 0; k < j; k++)
                s -= Li[k] * Lj[k];
            Li[j] = (float)(s * Lj[j]);
        }
        double s = Li[i];
        for (int k = 0; k < j; k++) {
            const double t = Li[k];
            s -= t * t;
        }
        if (!(s >= FLT_EPSILON))
            return -1;
        Li[i] = (float)(1. / sqrt(s));
    }
    /* L y = I */
    for (int i = 0; i < n; i++) {
        const float *Li = A + (size_t)i * n;
        for (int j = 0; j < n; j++)
            acc[j] = i == j ? 1.0 : 0.0;
        for (int k = 0; k < i; k++) {
            const float l = Li[k], *bk = b + (size_t)k * n;
            for (int j = 0; j < n; j++)
                acc[j] -= l * bk[j];
        }
        for (int j = 0; j < n; j++)
            b[(size_t)i * n + j] = (float)(acc[j] * Li[i]);
    }
    /* L^T x = y */
    for (int i = n - 1; i >= 0; i--) {
        float *bi = b + (size_t)i * n;
        for (int j = 0; j < n; j++)
            acc[j] = bi[j];
        for (int k = n - 1; k > i; k--) {
            const float l = A[(size_t)k * n + i], *bk = b + (size_t)k * n;
            for (int j = 0; j < n; j++)
                acc[j] -= l * bk[j];
        }
        const float d = A[(size_t)i * n + i];
        for (int j = 0; j < n; j++)
            bi[j] = (float)(acc[j] * d);
    }
    return 0;
}

int fau_ccnf_sigma(const fau_ccnf_expert *x, const fau_ccnf_window *win, int window_size,
                   float *sigma, double *scratch)
{
    if (x->n_neurons == 0 || window_size < 1)
        return FAU_EINVAL;
    int n_betas = win ? win->n_components : 0;
    if (n_betas > x->n_betas)
        return FAU_EINVAL;
    int d = window_size * window_size;
    size_t dd = (size_t)d * (size_t)d;
    /* sum_alphas is a float accumulating doubles: float = float + double */
    float sum_alphas = 0;
    for (int a = 0; a < x->n_neurons; a++)
        sum_alphas = (float)(sum_alphas + x->neurons[a].alpha);
    /* q2 = q2 + (float)beta * component: a MatExpr that OpenCV evaluates with
     * scaleAdd, whose AVX2 (and AVX-512) dispatch is a fused multiply-add
     * (checked against OpenCV 4.6 on such a CPU). */
    float *q2 = sigma; /* reuse the output as the float accumulator */
    memset(q2, 0, dd * sizeof(float));
    for (int b = 0; b < n_betas; b++) {
        float beta = (float)x->betas[b];
        const float *comp = win->components + (size_t)b * dd;
        for (size_t i = 0; i < dd; i++)
            q2[i] = fmaf(comp[i], beta, q2[i]);
    }
    /* SigmaInv = 2 * (q1 + q2), q1 = sum_alphas * I (float; the scaling by 2
     * is exact) */
    if (d < 100) {
        float *A = (float *)scratch, *inv = A + dd;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                float q = q2[(size_t)i * d + j];
                q = (i == j ? sum_alphas : 0.0f) + q;
                A[(size_t)i * d + j] = 2 * q;
            }
        if (chol_inverse_f32(A, d, inv, scratch + dd))
            return FAU_EFORMAT;
        /* stored transposed (see the header) */
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                sigma[(size_t)j * d + i] = inv[(size_t)i * d + j];
        return FAU_OK;
    }
    /* 100 rows or more: OpenCV hands the inversion to LAPACK: sposv('L')
     * on the row-major matrix read as column-major, with the identity as
     * right-hand side; the column-major solution read back row-major is
     * Sigma transposed, i.e. the stored layout. */
    {
        float *A = (float *)scratch, *B = sigma;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                float q = q2[(size_t)i * d + j];
                q = (i == j ? sum_alphas : 0.0f) + q;
                A[(size_t)i * d + j] = 2 * q;
            }
        if (fau_openblas_available()) {
            memset(B, 0, dd * sizeof(float));
            for (int i = 0; i < d; i++)
                B[(size_t)i * d + i] = 1.0f;
            int info = 0;
            fau_openblas_sposv(d, d, A, d, B, d, &info);
            return info == 0 ? FAU_OK : FAU_EFORMAT;
        }
    }
    /* Without OpenBLAS: a double Cholesky rounded once, within float
     * rounding of LAPACK's result. */
    double *a = scratch, *inv = scratch + dd;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            float q = q2[(size_t)i * d + j];
            if (i == j)
                q = sum_alphas + q;
            a[(size_t)i * d + j] = (double)(2 * q);
        }
    if (spd_inverse(a, inv, d))
        return FAU_EFORMAT;
    /* inv holds column c of the inverse in its row c, i.e. the inverse
     * transposed: the stored layout */
    for (size_t i = 0; i < dd; i++)
        sigma[i] = (float)inv[i];
    return FAU_OK;
}

/* Rows of the transposed im2col and of the neuron responses: the window
 * positions padded to 8 floats (32-byte aligned rows), and never a
 * multiple of 32: a 128-float stride maps the 122 rows written column by
 * column onto a few L1 sets (measured 2x slower at 11x11). */
static size_t pos_pad(int window_size)
{
    size_t ld = ((size_t)window_size * (size_t)window_size + 7) & ~(size_t)7;
    return ld % 32 ? ld : ld + 8;
}

size_t fau_ccnf_response_scratch(const fau_ccnf_expert *x, int window_size)
{
    size_t blocks = pos_pad(window_size);
    size_t cols = (size_t)(1 + x->width * x->height);
    size_t nn = (size_t)(x->n_neurons > 0 ? x->n_neurons : 0);
    size_t area = (size_t)(window_size + x->height - 1) * (size_t)(window_size + x->width - 1);
    /* im2col^T, neuron responses, response, its transpose, one im2col row,
     * the area transposed */
    return blocks * cols + nn * blocks + 2 * blocks + ((cols + 15) & ~(size_t)15) + area;
}

/* One row of im2colContrastNormBias: the patch at x offset j, y offset i. */
static inline void im2col_row(const float *area, size_t area_stride, int i, int j, int width,
                              int height, float *Mo)
{
    const int cols = width * height + 1;
    float sum = 0;
    Mo[0] = 1.0f;
    for (int yy = 0; yy < height; yy++) {
        const float *Mi = area + (size_t)(i + yy) * area_stride;
        for (int xx = 0; xx < width; xx++) {
            float in = Mi[j + xx];
            sum += in;
            Mo[1 + xx * height + yy] = in;
        }
    }
    float mean = sum / (float)(width * height);
    float sum_sq = 0;
    for (int k = 1; k < cols; k++) {
        float in = Mo[k] - mean;
        Mo[k] = in;
        sum_sq += in * in;
    }
    float norm = sqrtf(sum_sq); /* = (float)sqrt((double)x), correctly rounded */
    if (norm == 0)
        norm = 1;
    norm = (float)(1.0 / norm); /* double division, stored as float */
    for (int k = 1; k < cols; k++)
        Mo[k] *= norm;
}

void fau_ccnf_im2col_norm(const float *area, size_t area_stride, int area_rows, int area_cols,
                          int width, int height, float *out)
{
    int yB = area_rows - height + 1, xB = area_cols - width + 1;
    int cols = width * height + 1;
    size_t row = 0;
    for (int j = 0; j < xB; j++)
        for (int i = 0; i < yB; i++, row++)
            im2col_row(area, area_stride, i, j, width, height, out + row * (size_t)cols);
}

/* im2colContrastNormBias followed by .t() (normalized_input: row k, column
 * t = j*ws + i), for every position of a ws x ws window, scalar. */
static void im2col_t_c(const float *area, size_t area_stride, int ws, int width, int height,
                       float *At, size_t ld, float *row)
{
    const int cols = width * height + 1;
    size_t t = 0;
    for (int j = 0; j < ws; j++)
        for (int i = 0; i < ws; i++, t++) {
            im2col_row(area, area_stride, i, j, width, height, row);
            for (int k = 0; k < cols; k++)
                At[(size_t)k * ld + t] = row[k];
        }
}

#if defined(__x86_64__) && defined(__GNUC__)
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* The same with L consecutive y offsets (consecutive t) in vector lanes, on
 * the area transposed (aT[x * ah + y]) so that a lane's pixel loads are
 * contiguous. Every lane keeps OpenFace's per-patch operation order (sum in
 * row order, squares in column order, no fused multiply-add: target avx2
 * only, and contraction off); the last block of a column starts at ws - L,
 * recomputing a few positions with identical results. */
#define IM2COL_T_V(VT, L)                                                                      \
    do {                                                                                       \
        const float cnt = (float)(width * height);                                             \
        const int nb = (ws + L - 1) / L, ng = ws * nb;                                         \
        for (int g0 = 0; g0 < ng; g0 += 4) {                                                   \
            /* four (x offset, first y offset) blocks at a time, so that four   \
             * dependent sums run side by side; the last group repeats      \
             * its final block */                                                              \
            const float *base[4];                                                              \
            float *out[4];                                                                     \
            for (int q = 0; q < 4; q++) {                                                      \
                const int g = g0 + q < ng ? g0 + q : ng - 1;                                   \
                const int j = g / nb, ib = g % nb * L;                                         \
                const int i0 = ib + L <= ws ? ib : ws - L;                                     \
                base[q] = aT + (size_t)j * ah + i0;                                            \
                out[q] = At + (size_t)j * ws + i0;                                             \
            }                                                                                  \
            VT sum[4] = {{0}, {0}, {0}, {0}};                                                  \
            for (int yy = 0; yy < height; yy++)                                                \
                for (int xx = 0; xx < width; xx++)                                             \
                    for (int q = 0; q < 4; q++) {                                              \
                        VT v;                                                                  \
                        memcpy(&v, base[q] + (size_t)xx * ah + yy, sizeof v);                  \
                        sum[q] = sum[q] + v;                                                   \
                    }                                                                          \
            VT mean[4], ssq[4] = {{0}, {0}, {0}, {0}};                                         \
            for (int q = 0; q < 4; q++)                                                        \
                mean[q] = sum[q] / cnt;                                                        \
            for (int xx = 0; xx < width; xx++)                                                 \
                for (int yy = 0; yy < height; yy++)                                            \
                    for (int q = 0; q < 4; q++) {                                              \
                        VT v;                                                                  \
                        memcpy(&v, base[q] + (size_t)xx * ah + yy, sizeof v);                  \
                        v = v - mean[q];                                                       \
                        ssq[q] = ssq[q] + v * v;                                               \
                    }                                                                          \
            for (int q = 0; q < 4; q++) {                                                      \
                VT norm, one;                                                                  \
                for (int l = 0; l < L; l++) {                                                  \
                    float nl = sqrtf(ssq[q][l]);                                               \
                    if (nl == 0)                                                               \
                        nl = 1;                                                                \
                    norm[l] = (float)(1.0 / nl);                                               \
                    one[l] = 1.0f;                                                             \
                }                                                                              \
                memcpy(out[q], &one, sizeof one);                                              \
                for (int xx = 0; xx < width; xx++)                                             \
                    for (int yy = 0; yy < height; yy++) {                                      \
                        VT v;                                                                  \
                        memcpy(&v, base[q] + (size_t)xx * ah + yy, sizeof v);                  \
                        v = (v - mean[q]) * norm;                                              \
                        memcpy(out[q] + (size_t)(1 + xx * height + yy) * ld, &v, sizeof v);    \
                    }                                                                          \
            }                                                                                  \
        }                                                                                      \
    } while (0)

__attribute__((target("avx2"), optimize("O3", "fp-contract=off"))) static void
im2col_t_avx2(const float *area, size_t area_stride, int ws, int width, int height, float *At,
              size_t ld, float *aT)
{
    const int ah = ws + height - 1, aw = ws + width - 1;
    for (int y = 0; y < ah; y++)
        for (int xq = 0; xq < aw; xq++)
            aT[(size_t)xq * ah + y] = area[(size_t)y * area_stride + xq];
    if (ws >= 8)
        IM2COL_T_V(v8f, 8);
    else
        IM2COL_T_V(v4f, 4);
}
#endif

int fau_ccnf_fma_allowed(void)
{
    return fau_sgemm_fma_allowed();
}

void fau_ccnf_response(const fau_ccnf_expert *x, const float *sigma, const float *area,
                       size_t area_stride, int window_size, float *scratch, float *response)
{
#if defined(__x86_64__) && defined(__GNUC__)
    /* the CPU check only (cached by libgcc); fau_ccnf_response_fma lets the
     * caller apply $FACEAU_SIMD once instead */
    __builtin_cpu_init();
    const int use_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    const int use_fma = 0;
#endif
    fau_ccnf_response_fma(x, sigma, area, area_stride, window_size, scratch, response, use_fma);
}

void fau_ccnf_response_fma(const fau_ccnf_expert *x, const float *sigma, const float *area,
                           size_t area_stride, int window_size, float *scratch, float *response,
                           int use_fma)
{
    const int ws = window_size, P = ws * ws, nn = x->n_neurons;
    const size_t blocks = (size_t)P;
    if (nn == 0) {
        memset(response, 0, blocks * sizeof(float));
        return;
    }
    const int cols = x->wm_cols;
    const size_t ld = pos_pad(ws);
    float *At = scratch;                          /* cols x ld: normalized_input */
    float *full = At + (size_t)cols * ld;         /* nn x ld: neuron_resp_full */
    float *resp = full + (size_t)nn * ld;         /* block order (x-major) */
    float *vec = resp + ld;                       /* transposed: row = y */
    float *row = vec + ld;                        /* one im2col row */

    /* im2colContrastNormBias, then .t(): position t = j*ws + i goes to
     * column t of normalized_input (cols x P). The padding columns P..ld-1
     * are zeroed: the sgemm's last 8-row panel may read (not use) them. */
    float *aT = row + ((cols + 15) & ~15);
#if defined(__x86_64__) && defined(__GNUC__)
    if (use_fma && ws >= 4)
        im2col_t_avx2(area, area_stride, ws, x->width, x->height, At, ld, aT);
    else
#endif
        im2col_t_c(area, area_stride, ws, x->width, x->height, At, ld, row);
    (void)aT;
    for (int k = 0; k < cols; k++)
        memset(At + (size_t)k * ld + blocks, 0, (ld - blocks) * sizeof(float));
    /* sgemm_("N", "N", P, nn, cols, 1, normalized_input, P, weight_matrix,
     * cols, 0, neuron_resp_full, P): neuron n's response to position t in
     * row n, column t; OpenBLAS's order (8-row panels of positions with one
     * or two chains over the 122 steps). */
    fau_sgemm_small_for(use_fma ? FAU_SIMD_AVX2 : FAU_SIMD_SCALAR)(
        P, nn, cols, 1.0f, At, (int)ld, x->weight_matrix, cols, 0.0f, full, (int)ld);
    memset(resp, 0, blocks * sizeof(float));
    for (int n = 0; n < nn; n++) {
        double alpha = x->neurons[n].alpha;
        if (!(alpha > 1e-4))
            continue; /* too small to matter, skipped as in OpenFace */
        const float *q = full + (size_t)n * ld;
        for (size_t t = 0; t < blocks; t++)
            /* *p += (2.0 * alpha) / (1.0 + exp(-q)): double, stored to float. The
             * unqualified exp on a float resolves to the C double exp with
             * OpenFace's includes (checked against OpenCV 4.6/dlib headers). */
            resp[t] = (float)(resp[t] + (2.0 * alpha) / (1.0 + exp(-(double)q[t])));
    }
    /* response.t(): block t = j*ws + i (x = j, y = i) goes to row i, col j */
    for (int j = 0; j < ws; j++)
        for (int i = 0; i < ws; i++)
            vec[(size_t)i * ws + j] = resp[(size_t)j * ws + i];
    /* sgemm_("N", "N", 1, P, P, 1, resp_vec, 1, Sigma, P, 0, out, 1):
     * out[r] = sum_k Sigma[r][k] * vec[k], one chain per output. The M = 1
     * routine wants B(k, r) = Sigma[r][k] stored k-major: sigma's
     * transposed layout. */
    fau_sgemm_openblas_m1(P, P, 1.0f, vec, sigma, blocks, 0.0f, response, use_fma);
    float min = INFINITY;
    for (size_t r = 0; r < blocks; r++)
        if (response[r] < min)
            min = response[r];
    if (min < 0)
        for (size_t r = 0; r < blocks; r++)
            response[r] = response[r] - min;
}

int fau_ccnf_view_index(const fau_ccnf_patches *p, const float params_global[6])
{
    int idx = 0;
    float best = 0;
    for (int i = 0; i < p->n_views; i++) {
        /* float - double, stored to float */
        float v1 = (float)(params_global[1] - p->centers[i][0]);
        float v2 = (float)(params_global[2] - p->centers[i][1]);
        float v3 = (float)(params_global[3] - p->centers[i][2]);
        float d = v1 * v1 + v2 * v2 + v3 * v3;
        if (i == 0 || d < best) {
            best = d;
            idx = i;
        }
    }
    return idx;
}
