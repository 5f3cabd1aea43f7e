#include "detect/cnn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/modelio.h"
#include "detect/sgemm_openblas.h"

void fau_cnn_free(fau_cnn *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->n_layers; i++) {
        fau_aligned_free(net->layers[i].weights);
        fau_aligned_free(net->layers[i].bias);
        fau_aligned_free(net->layers[i].wpack);
        free(net->layers[i].mode_l);
    }
    free(net->layers);
    net->layers = NULL;
    net->n_layers = 0;
}

/* ReadMatBin into floats; OpenFace reads every CNN matrix into a
 * cv::Mat_<float>, so only CV_32F matrices are meaningful. */
static int read_mat_f32(fau_reader *r, fau_matd *m, const char *what, fau_error *e)
{
    size_t at = r->pos;
    int rc = fau_reader_mat_bin(r, m, e);
    if (rc)
        return rc;
    if (m->type != FAU_CV_32F) {
        fau_matd_free(m);
        return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: %s matrix has type %d, expected 5 (CV_32F)",
                             r->path, at, what, m->type);
    }
    return FAU_OK;
}

static int read_i32_range(fau_reader *r, int *v, int lo, int hi, const char *what, fau_error *e)
{
    size_t at = r->pos;
    int32_t x;
    int rc = fau_reader_bin_i32(r, &x, e);
    if (rc)
        return rc;
    if (x < lo || x > hi)
        return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: %s %d out of range [%d, %d]", r->path, at,
                             what, (int)x, lo, hi);
    *v = (int)x;
    return FAU_OK;
}

static int load_conv(fau_reader *r, fau_cnn_layer *L, fau_error *e)
{
    int rc;
    if ((rc = read_i32_range(r, &L->in_maps, 1, FAU_CNN_MAX_MAPS, "number of input maps", e)) ||
        (rc = read_i32_range(r, &L->out_maps, 1, FAU_CNN_MAX_MAPS, "number of kernels", e)))
        return rc;
    L->bias = fau_aligned_alloc((size_t)L->out_maps * sizeof(float));
    if (!L->bias)
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
    for (int k = 0; k < L->out_maps; k++) {
        size_t at = r->pos;
        if ((rc = fau_reader_bin_f32(r, &L->bias[k], e)))
            return rc;
        if (!isfinite(L->bias[k]))
            return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: non-finite bias", r->path, at);
    }
    /* kernels[in][k], each a rows x cols matrix; all must share one size
     * (OpenFace takes the size of kernel [0][0] for the whole layer). */
    for (int in = 0; in < L->in_maps; in++) {
        for (int k = 0; k < L->out_maps; k++) {
            size_t at = r->pos;
            fau_matd m;
            if ((rc = read_mat_f32(r, &m, "convolution kernel", e)))
                return rc;
            if (in == 0 && k == 0) {
                if (m.rows < 1 || m.cols < 1 || m.rows > FAU_CNN_MAX_KERNEL ||
                    m.cols > FAU_CNN_MAX_KERNEL) {
                    fau_matd_free(&m);
                    return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: kernel size %d x %d out of range",
                                         r->path, at, m.rows, m.cols);
                }
                L->kh = m.rows;
                L->kw = m.cols;
                L->k_len = L->in_maps * L->kh * L->kw;
                size_t n;
                if (fau_mul_size((size_t)L->k_len, (size_t)L->out_maps, &n) ||
                    fau_mul_size(n, sizeof(float), &n) || n > ((size_t)FAU_MODEL_MAX_ELEMS * 4)) {
                    fau_matd_free(&m);
                    return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: convolution layer too large",
                                         r->path, at);
                }
                L->weights = fau_aligned_alloc(n);
                if (!L->weights) {
                    fau_matd_free(&m);
                    return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
                }
            } else if (m.rows != L->kh || m.cols != L->kw) {
                fau_matd_free(&m);
                return fau_error_set(e, FAU_EFORMAT,
                                     "%s: byte %zu: kernel size %d x %d differs from the layer's %d x %d",
                                     r->path, at, m.rows, m.cols, L->kh, L->kw);
            }
            /* weight_matrix column k, rows in*kh*kw + x*kh + y = kernel(y, x):
             * the transposed kernel flattened, as CNN::Read builds it. */
            float *w = L->weights + (size_t)k * L->k_len + (size_t)in * L->kh * L->kw;
            for (int x = 0; x < L->kw; x++)
                for (int y = 0; y < L->kh; y++)
                    w[x * L->kh + y] = (float)m.data[(size_t)y * L->kw + x];
            fau_matd_free(&m);
        }
    }
    return FAU_OK;
}

static int load_fc(fau_reader *r, fau_cnn_layer *L, fau_error *e)
{
    fau_matd b, w;
    int rc;
    size_t at_b = r->pos;
    if ((rc = read_mat_f32(r, &b, "fully connected bias", e)))
        return rc;
    size_t at_w = r->pos;
    if ((rc = read_mat_f32(r, &w, "fully connected weight", e))) {
        fau_matd_free(&b);
        return rc;
    }
    /* Stored as in x out and transposed on load; the bias is an out x 1
     * column. */
    if (b.cols != 1 || b.rows < 1 || w.rows < 1 || w.cols != b.rows) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "%s: byte %zu: fully connected bias %d x %d does not match weights %d x %d "
                           "at byte %zu",
                           r->path, at_b, b.rows, b.cols, w.rows, w.cols, at_w);
        goto done;
    }
    L->fc_in = w.rows;
    L->fc_out = w.cols;
    L->weights = fau_aligned_alloc((size_t)w.rows * (size_t)w.cols * sizeof(float));
    L->bias = fau_aligned_alloc((size_t)b.rows * sizeof(float));
    if (!L->weights || !L->bias) {
        rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
        goto done;
    }
    for (int o = 0; o < L->fc_out; o++) {
        L->bias[o] = (float)b.data[o];
        for (int i = 0; i < L->fc_in; i++)
            L->weights[(size_t)o * L->fc_in + i] = (float)w.data[(size_t)i * L->fc_out + o];
    }
    rc = FAU_OK;
done:
    fau_matd_free(&b);
    fau_matd_free(&w);
    return rc;
}

static int load_prelu(fau_reader *r, fau_cnn_layer *L, fau_error *e)
{
    fau_matd w;
    size_t at = r->pos;
    int rc = read_mat_f32(r, &w, "PReLU weight", e);
    if (rc)
        return rc;
    if (w.rows < 1 || w.cols < 1) {
        fau_matd_free(&w);
        return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: empty PReLU weights", r->path, at);
    }
    /* OpenFace indexes the slopes linearly (at<float>(k)) for maps and by
     * row for a single map; keep them in linear order, rows counted. */
    L->n_prelu = w.rows * w.cols;
    L->pool_ky = w.rows; /* rows, used for the single-map case */
    L->weights = fau_aligned_alloc((size_t)L->n_prelu * sizeof(float));
    if (!L->weights) {
        fau_matd_free(&w);
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
    }
    for (int i = 0; i < L->n_prelu; i++)
        L->weights[i] = (float)w.data[i];
    fau_matd_free(&w);
    return FAU_OK;
}

static void conv_modes(fau_cnn_layer *L);

/* Packs a convolution for the sgemm emulation: panels of 8 output maps,
 * each K+1 steps of 8 weights (the bias as the last step, maps past the
 * end zero), and the accumulation mode of every panel. */
static int pack_conv(fau_cnn_layer *L, const char *path, fau_error *e)
{
    const int np = (L->out_maps + 7) / 8, K1 = L->k_len + 1;
    size_t n;
    if (fau_mul_size((size_t)np * 8, (size_t)K1, &n) || fau_mul_size(n, sizeof(float), &n))
        return fau_error_set(e, FAU_EFORMAT, "%s: convolution layer too large", path);
    L->wpack = fau_aligned_calloc(1, n);
    L->mode_l = malloc((size_t)np * 3);
    if (!L->wpack || !L->mode_l)
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
    L->mode_r = L->mode_l + np;
    L->mode_4 = L->mode_l + 2 * np;
    for (int k = 0; k < L->out_maps; k++) {
        float *w = L->wpack + (size_t)(k / 8) * K1 * 8 + k % 8;
        for (int t = 0; t < L->k_len; t++)
            w[(size_t)t * 8] = L->weights[(size_t)k * L->k_len + t];
        w[(size_t)L->k_len * 8] = L->bias[k];
    }
    conv_modes(L);
    return FAU_OK;
}

int fau_cnn_load(fau_cnn *net, const char *path, const char *name, fau_error *e)
{
    memset(net, 0, sizeof *net);
    net->name = name;
    fau_reader r;
    int rc = fau_reader_open(&r, path, e);
    if (rc)
        return rc;
    int depth = 0;
    if ((rc = read_i32_range(&r, &depth, 1, FAU_CNN_MAX_LAYERS, "network depth", e)))
        goto fail;
    net->layers = calloc((size_t)depth, sizeof *net->layers);
    if (!net->layers) {
        rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    net->n_layers = depth;
    for (int l = 0; l < depth; l++) {
        fau_cnn_layer *L = &net->layers[l];
        if ((rc = read_i32_range(&r, &L->type, 0, 4, "layer type", e)))
            goto fail;
        switch (L->type) {
        case FAU_CNN_CONV:
            rc = load_conv(&r, L, e);
            break;
        case FAU_CNN_MAXPOOL:
            if ((rc = read_i32_range(&r, &L->pool_kx, 1, FAU_CNN_MAX_KERNEL, "pooling kernel x", e)) ||
                (rc = read_i32_range(&r, &L->pool_ky, 1, FAU_CNN_MAX_KERNEL, "pooling kernel y", e)) ||
                (rc = read_i32_range(&r, &L->pool_sx, 1, FAU_CNN_MAX_KERNEL, "pooling stride x", e)) ||
                (rc = read_i32_range(&r, &L->pool_sy, 1, FAU_CNN_MAX_KERNEL, "pooling stride y", e)))
                break;
            break;
        case FAU_CNN_FC:
            rc = load_fc(&r, L, e);
            break;
        case FAU_CNN_PRELU:
            rc = load_prelu(&r, L, e);
            break;
        default: /* sigmoid: no parameters */
            rc = FAU_OK;
            break;
        }
        if (rc)
            goto fail;
    }
    if (r.pos != r.len) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: %zu unexpected trailing bytes", path, r.pos,
                           r.len - r.pos);
        goto fail;
    }
    fau_reader_close(&r);
    const int fma = fau_sgemm_fma_allowed();
    for (int l = 0; l < net->n_layers; l++) {
        fau_cnn_layer *L = &net->layers[l];
        if (L->type == FAU_CNN_FC && L->fc_out >= 100) {
            /* transposed copy for the vectorised cblas emulation */
            L->fma = fma;
            L->wpack = fau_aligned_alloc((size_t)L->fc_in * L->fc_out * sizeof(float));
            if (!L->wpack) {
                rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
                goto fail;
            }
            for (int o = 0; o < L->fc_out; o++)
                for (int i = 0; i < L->fc_in; i++)
                    L->wpack[(size_t)i * L->fc_out + o] = L->weights[(size_t)o * L->fc_in + i];
            continue;
        }
        if (L->type != FAU_CNN_CONV)
            continue;
        L->fma = fma;
        if ((rc = pack_conv(L, path, e)))
            goto fail;
    }
    return FAU_OK;
fail:
    fau_reader_close(&r);
    fau_cnn_free(net);
    return rc;
}

/* Padded pixel count of a convolution output: the im2col rows are padded
 * to a multiple of 8 so conv_layer always works on whole vectors. */
static size_t conv_ppad(int oh, int ow)
{
    return ((size_t)oh * ow + 7) & ~(size_t)7;
}

/* max_pooling output size: round((in - k) / s) + 1 computed in float, as
 * OpenFace does to match Caffe's ceil-mode pooling. */
static int pool_out(int in, int k, int s)
{
    return (int)roundf((float)(in - k) / (float)s) + 1;
}

static int infer_layer(const fau_cnn *net, int l, fau_cnn_shape *s, fau_error *e)
{
    const fau_cnn_layer *L = &net->layers[l];
    switch (L->type) {
    case FAU_CNN_CONV:
        if (s->c != L->in_maps || s->h < L->kh || s->w < L->kw)
            return fau_error_set(e, FAU_EFORMAT,
                                 "%s: layer %d: convolution expects %d maps of at least %dx%d, gets %d of %dx%d",
                                 net->name, l, L->in_maps, L->kw, L->kh, s->c, s->w, s->h);
        s->c = L->out_maps;
        s->h = s->h - L->kh + 1;
        s->w = s->w - L->kw + 1;
        return FAU_OK;
    case FAU_CNN_MAXPOOL: {
        int oh = pool_out(s->h, L->pool_ky, L->pool_sy), ow = pool_out(s->w, L->pool_kx, L->pool_sx);
        if (oh < 1 || ow < 1)
            return fau_error_set(e, FAU_EFORMAT, "%s: layer %d: pooling input %dx%d too small",
                                 net->name, l, s->w, s->h);
        s->h = oh;
        s->w = ow;
        return FAU_OK;
    }
    case FAU_CNN_FC:
        if (s->c > 1 && s->c == L->fc_in) {
            s->c = L->fc_out; /* applied per pixel, a 1x1 convolution */
            return FAU_OK;
        }
        if (s->c > 1) {
            if ((size_t)s->c * (size_t)s->h * (size_t)s->w != (size_t)L->fc_in)
                return fau_error_set(e, FAU_EFORMAT,
                                     "%s: layer %d: fully connected layer expects %d inputs, gets %d maps of %dx%d",
                                     net->name, l, L->fc_in, s->c, s->w, s->h);
            s->c = 1;
            s->h = L->fc_out;
            s->w = 1;
            return FAU_OK;
        }
        if (s->w != 1 || s->h != L->fc_in)
            return fau_error_set(e, FAU_EFORMAT,
                                 "%s: layer %d: fully connected layer expects a %d x 1 vector, gets %d x %d",
                                 net->name, l, L->fc_in, s->h, s->w);
        s->h = 1;
        s->w = L->fc_out; /* OpenFace returns out.t(), a row */
        return FAU_OK;
    case FAU_CNN_PRELU:
        if ((s->c > 1 && L->n_prelu < s->c) || (s->c == 1 && L->pool_ky > s->h))
            return fau_error_set(e, FAU_EFORMAT, "%s: layer %d: %d PReLU slopes for %d maps of %dx%d",
                                 net->name, l, L->n_prelu, s->c, s->w, s->h);
        return FAU_OK;
    default:
        return FAU_OK;
    }
}

int fau_cnn_infer(const fau_cnn *net, fau_cnn_shape in, fau_cnn_shape *out, size_t *max_act,
                  size_t *max_col, fau_error *e)
{
    fau_cnn_shape s = in;
    size_t mx = (size_t)s.c * s.h * s.w, mc = 8;
    for (int l = 0; l < net->n_layers; l++) {
        if (net->layers[l].type == FAU_CNN_CONV && s.c == net->layers[l].in_maps &&
            s.h >= net->layers[l].kh && s.w >= net->layers[l].kw) {
            size_t c = (size_t)(net->layers[l].k_len + 1) *
                       conv_ppad(s.h - net->layers[l].kh + 1, s.w - net->layers[l].kw + 1);
            if (c > mc)
                mc = c;
        }
        int rc = infer_layer(net, l, &s, e);
        if (rc)
            return rc;
        size_t n = (size_t)s.c * s.h * s.w;
        if (net->layers[l].type == FAU_CNN_FC && s.c == 1 && s.w == 1)
            n += (size_t)net->layers[l].fc_in; /* flattening scratch after the output */
        if (n > mx)
            mx = n;
    }
    *out = s;
    if (max_act)
        *max_act = mx;
    if (max_col)
        *max_col = mc;
    return FAU_OK;
}

typedef double v2d __attribute__((vector_size(16)));

/* ------------------------------------------------------------------------
 * Convolution as OpenFace computes it: convolution_direct_blas builds the
 * im2col matrix (one row per output pixel: K = maps*kh*kw values then a 1
 * for the bias) and calls OpenBLAS sgemm_("N","N", out_maps, pixels, K+1,
 * 1, W, out_maps, im2col, K+1, 0, C, out_maps). The goldens come from
 * Debian 12's OpenBLAS 0.3.21 running its Haswell kernel
 * (kernel/x86_64/sgemm_kernel_8x4_haswell_2.c, also used on Zen), whose
 * summation order we reproduce exactly; it was checked bit for bit against
 * that library on random matrices of every shape used here:
 *
 * - the level-3 driver splits K into chunks (GEMM_Q = 320: a chunk of 320
 *   while 640 or more remain, else two halves rounded up to 8) and sums the
 *   chunks into C in order (C = acc + C, C starting at 0); it splits the
 *   pixels into blocks of GEMM_R = 104512 and each block into kernel calls
 *   of 12 columns while 12 remain, else 4 while more than 4 remain, else
 *   the rest;
 * - every product is a fused multiply-add into an accumulator; most tiles
 *   use one accumulator per output, summed in K order, but the kernel's
 *   8-row x 6-column tiles (the first 8 rows of the left half of each
 *   12-column block, and the last 8-row panel of the half the row zig-zag
 *   ends on) and its 8x4 tiles alternate two accumulators over each group
 *   of 8 K steps (even steps, odd steps; the K % 8 remaining steps go to
 *   the first) and add them at the end.
 *
 * Rows (output maps) come in panels of 8; the mode of each panel in each
 * kind of column block is fixed by the number of maps (mode_l, mode_r,
 * mode_4 below). */

#define CONV_Q 320
#define CONV_R 104512

static int next_chunk(int left)
{
    if (left >= 2 * CONV_Q)
        return CONV_Q;
    if (left > CONV_Q)
        return ((left / 2 + 7) / 8) * 8;
    return left;
}

/* Panel modes of the kernel's 12-column (left / right 6) and 4-column
 * calls for M rows: 2 = two accumulators, 1 = one. */
static void conv_modes(fau_cnn_layer *L)
{
    const int M = L->out_maps, np = (M + 7) / 8;
    for (int i = 0; i < np; i++)
        L->mode_l[i] = L->mode_r[i] = 1, L->mode_4[i] = (i + 1) * 8 <= M ? 2 : 1;
    if (M >= 16) {
        /* COMPUTE_n12: H (panel 0 left, two accumulators), then right
         * pairs and left pairs in a zig-zag (one accumulator), ending with
         * T, one panel with two accumulators on the side not yet done. */
        L->mode_l[0] = 2;
        int r = M, q = 0;
        for (;;) {
            r -= 8; /* right on panels q, q+1 */
            if (r < 16) {
                L->mode_l[q + 1] = 2;
                break;
            }
            r -= 8; /* left on panels q+1, q+2 */
            if (r < 16) {
                L->mode_r[q + 2] = 2;
                break;
            }
            q += 2;
        }
    }
}

/* One tile: panel pn (8 maps), columns c0 .. c0+nc-1 (nc <= 6), K steps
 * ls .. le-1, accumulation mode; adds into out (C = acc + C) and applies
 * the fused PReLU on the last chunk. Inlined into a generic and an
 * AVX2+FMA function: fmaf is exact either way, so both give the same
 * bits. */
static inline __attribute__((always_inline)) void tile_body(const fau_cnn_layer *L, const float *col,
                                                            size_t ppad, size_t P, float *out, int pn,
                                                            size_t c0, int nc, int ls, int le,
                                                            int mode, int first, const float *prelu)
{
    float a0[6][8], a1[6][8];
    for (int c = 0; c < 6; c++)
        for (int l = 0; l < 8; l++)
            a0[c][l] = a1[c][l] = 0.0f;
    const int K = le - ls, T = mode == 2 ? K - K % 8 : 0;
    const float *w = L->wpack + ((size_t)pn * (L->k_len + 1) + ls) * 8;
    const float *x = col + (size_t)ls * ppad + c0;
    int k = 0;
    for (; k + 1 < T; k += 2, w += 16, x += 2 * ppad) {
        for (int c = 0; c < nc; c++) {
            const float xv = x[c], xv1 = x[ppad + c];
            for (int l = 0; l < 8; l++) {
                a0[c][l] = fmaf(w[l], xv, a0[c][l]);
                a1[c][l] = fmaf(w[8 + l], xv1, a1[c][l]);
            }
        }
    }
    for (; k < K; k++, w += 8, x += ppad) {
        for (int c = 0; c < nc; c++) {
            const float xv = x[c];
            for (int l = 0; l < 8; l++)
                a0[c][l] = fmaf(w[l], xv, a0[c][l]);
        }
    }
    const int m0 = pn * 8, nm = L->out_maps - m0 < 8 ? L->out_maps - m0 : 8;
    for (int c = 0; c < nc; c++) {
        for (int l = 0; l < nm; l++) {
            float acc = mode == 2 ? a1[c][l] + a0[c][l] : a0[c][l];
            float *o = out + (size_t)(m0 + l) * P + c0 + c;
            float v = acc + (first ? 0.0f : *o);
            if (prelu && le == L->k_len + 1)
                v = v >= 0 ? v : v * prelu[m0 + l];
            *o = v;
        }
    }
}

typedef void (*tile_fn)(const fau_cnn_layer *L, const float *col, size_t ppad, size_t P, float *out,
                        int pn, size_t c0, int nc, int ls, int le, int mode, int first,
                        const float *prelu);

/* The column count as a constant lets the compiler keep the 8 lanes of
 * each accumulator in one vector register. */
#define TILE_DISPATCH                                                                          \
    switch (nc) {                                                                              \
    case 6:                                                                                    \
        tile_body(L, col, ppad, P, out, pn, c0, 6, ls, le, mode, first, prelu);                \
        break;                                                                                 \
    case 4:                                                                                    \
        tile_body(L, col, ppad, P, out, pn, c0, 4, ls, le, mode, first, prelu);                \
        break;                                                                                 \
    case 3:                                                                                    \
        tile_body(L, col, ppad, P, out, pn, c0, 3, ls, le, mode, first, prelu);                \
        break;                                                                                 \
    case 2:                                                                                    \
        tile_body(L, col, ppad, P, out, pn, c0, 2, ls, le, mode, first, prelu);                \
        break;                                                                                 \
    default:                                                                                   \
        tile_body(L, col, ppad, P, out, pn, c0, 1, ls, le, mode, first, prelu);                \
        break;                                                                                 \
    }

static void tile_generic(const fau_cnn_layer *L, const float *col, size_t ppad, size_t P, float *out,
                         int pn, size_t c0, int nc, int ls, int le, int mode, int first,
                         const float *prelu)
{
    TILE_DISPATCH
}

#if defined(__x86_64__) && defined(__GNUC__)
typedef float v8f __attribute__((vector_size(32)));

/* The same tile on 8-float vectors. acc + w * x is contracted into one
 * fused multiply-add (O3 and fp-contract=fast for this function only, so
 * that even -O0 builds contract it): exactly the
 * fmaf of tile_body, which test_mtcnn_load checks bit for bit. */
#define TILE_FMA_NC(NC)                                                                        \
    do {                                                                                       \
        v8f a0[NC], a1[NC];                                                                    \
        for (int c = 0; c < NC; c++)                                                           \
            a0[c] = a1[c] = (v8f){0, 0, 0, 0, 0, 0, 0, 0};                                     \
        int k = 0;                                                                             \
        for (; k + 1 < T; k += 2, w += 16, x += 2 * ppad) {                                    \
            v8f w0, w1;                                                                        \
            memcpy(&w0, w, sizeof w0);                                                         \
            memcpy(&w1, w + 8, sizeof w1);                                                     \
            _Pragma("GCC unroll 6") for (int c = 0; c < NC; c++) {                            \
                a0[c] = a0[c] + w0 * x[c];                                                     \
                a1[c] = a1[c] + w1 * x[ppad + c];                                              \
            }                                                                                  \
        }                                                                                      \
        for (; k < K; k++, w += 8, x += ppad) {                                                \
            v8f w0;                                                                            \
            memcpy(&w0, w, sizeof w0);                                                         \
            for (int c = 0; c < NC; c++)                                                       \
                a0[c] = a0[c] + w0 * x[c];                                                     \
        }                                                                                      \
        for (int c = 0; c < NC; c++) {                                                         \
            v8f r = mode == 2 ? a1[c] + a0[c] : a0[c];                                         \
            memcpy(acc[c], &r, sizeof r);                                                      \
        }                                                                                      \
    } while (0)

__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=fast"))) static void
tile_fma(const fau_cnn_layer *L, const float *col, size_t ppad, size_t P, float *out, int pn,
         size_t c0, int nc, int ls, int le, int mode, int first, const float *prelu)
{
    const int K = le - ls, T = mode == 2 ? K - K % 8 : 0;
    const float *w = L->wpack + ((size_t)pn * (L->k_len + 1) + ls) * 8;
    const float *x = col + (size_t)ls * ppad + c0;
    float acc[6][8];
    switch (nc) {
    case 6:
        TILE_FMA_NC(6);
        break;
    case 4:
        TILE_FMA_NC(4);
        break;
    case 3:
        TILE_FMA_NC(3);
        break;
    case 2:
        TILE_FMA_NC(2);
        break;
    default:
        TILE_FMA_NC(1);
        break;
    }
    const int m0 = pn * 8, nm = L->out_maps - m0 < 8 ? L->out_maps - m0 : 8;
    const int last = le == L->k_len + 1;
    for (int c = 0; c < nc; c++) {
        for (int l = 0; l < nm; l++) {
            float *o = out + (size_t)(m0 + l) * P + c0 + c;
            float v = acc[c][l] + (first ? 0.0f : *o);
            if (prelu && last)
                v = v >= 0 ? v : v * prelu[m0 + l];
            *o = v;
        }
    }
}
#else
#define tile_fma tile_generic
#endif

/* Columns c0 .. c0+n-1 of one kernel call, all panels. */
static void tile_cols(const fau_cnn_layer *L, tile_fn tile, const float *col, size_t ppad, size_t P,
                      float *out, size_t c0, int n, const unsigned char *modes, int ls, int le,
                      int first, const float *prelu)
{
    const int np = (L->out_maps + 7) / 8;
    for (int pn = 0; pn < np; pn++)
        tile(L, col, ppad, P, out, pn, c0, n, ls, le, modes ? modes[pn] : 1, first, prelu);
}

/* col: K+1 rows of ppad floats (row t = input value t of every output
 * pixel, the last row all ones for the bias). */
static void conv_gemm(const fau_cnn_layer *L, const float *col, size_t ppad, size_t P, float *out,
                      const float *prelu)
{
    const tile_fn tile = L->fma ? tile_fma : tile_generic;
    const int K1 = L->k_len + 1;
    for (int ls = 0, nl; ls < K1; ls += nl) {
        nl = next_chunk(K1 - ls);
        const int first = ls == 0;
        for (size_t js = 0; js < P; js += CONV_R) {
            const size_t je = P - js < CONV_R ? P : js + CONV_R;
            for (size_t j = js; j < je;) {
                const size_t left = je - j;
                if (left >= 12) {
                    tile_cols(L, tile, col, ppad, P, out, j, 6, L->mode_l, ls, ls + nl, first, prelu);
                    tile_cols(L, tile, col, ppad, P, out, j + 6, 6, L->mode_r, ls, ls + nl, first,
                              prelu);
                    j += 12;
                } else if (left >= 4) {
                    tile_cols(L, tile, col, ppad, P, out, j, 4, L->mode_4, ls, ls + nl, first, prelu);
                    j += 4;
                } else {
                    tile_cols(L, tile, col, ppad, P, out, j, (int)left, NULL, ls, ls + nl, first,
                              prelu);
                    j += left;
                }
            }
        }
    }
}

static void conv_layer(const fau_cnn_layer *L, const float *in, fau_cnn_shape s, float *out,
                       float *col, const float *prelu)
{
    const int oh = s.h - L->kh + 1, ow = s.w - L->kw + 1;
    const size_t in_plane = (size_t)s.h * s.w, P = (size_t)oh * ow, ppad = conv_ppad(oh, ow);
    float *row = col;
    for (int m = 0; m < L->in_maps; m++) {
        const float *im = in + (size_t)m * in_plane;
        for (int x = 0; x < L->kw; x++) {
            for (int y = 0; y < L->kh; y++) {
                float *r = row;
                for (int i = 0; i < oh; i++) {
                    memcpy(r, im + (size_t)(i + y) * s.w + x, (size_t)ow * sizeof(float));
                    r += ow;
                }
                for (size_t p = P; p < ppad; p++)
                    row[p] = 0.0f;
                row += ppad;
            }
        }
    }
    for (size_t p = 0; p < ppad; p++)
        row[p] = 1.0f;
    conv_gemm(L, col, ppad, P, out, prelu);
}

/* max_pooling: windows start every stride and may run past the edge (then
 * they are clipped); scan order x then y, strict '>' from -FLT_MAX. */
static void pool_layer(const fau_cnn_layer *L, const float *in, fau_cnn_shape s, float *out)
{
    const int oh = pool_out(s.h, L->pool_ky, L->pool_sy), ow = pool_out(s.w, L->pool_kx, L->pool_sx);
    for (int c = 0; c < s.c; c++) {
        const float *im = in + (size_t)c * s.h * s.w;
        float *om = out + (size_t)c * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            const int y0 = oy * L->pool_sy;
            const int y1 = y0 + L->pool_ky < s.h ? y0 + L->pool_ky : s.h;
            for (int ox = 0; ox < ow; ox++) {
                const int x0 = ox * L->pool_sx;
                const int x1 = x0 + L->pool_kx < s.w ? x0 + L->pool_kx : s.w;
                float mx = -FLT_MAX;
                for (int x = x0; x < x1; x++)
                    for (int y = y0; y < y1; y++) {
                        float v = im[(size_t)y * s.w + x];
                        if (v > mx)
                            mx = v;
                    }
                om[(size_t)oy * ow + ox] = mx;
            }
        }
    }
}

/* fully_connected. OpenFace multiplies with cv::Mat's operator*, i.e.
 * cv::gemm: for fewer than 100 output rows OpenCV's own GEMM accumulates
 * float products in double (GEMMSingleMul<float,double>) and rounds once;
 * the bias is added in float afterwards for the per-pixel case and inside
 * the same gemm (beta = 1) for the flattened case. */
#if defined(__x86_64__) && defined(__GNUC__)
/* The cblas_sgemm emulation of fc_layer, 8 outputs per vector from the
 * transposed weights (wpack, [in][out]); contracted to fused multiply-adds
 * as in tile_fma, so the bits equal the fmaf loop. */
__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=fast"))) static void
fc_blas_fma(const fau_cnn_layer *L, const float *v, float *out)
{
    for (int o = 0; o < L->fc_out; o += 8) {
        v8f c;
        memcpy(&c, L->bias + o, sizeof c);
        for (int ls = 0, nl; ls < L->fc_in; ls += nl) {
            nl = next_chunk(L->fc_in - ls);
            v8f acc = {0, 0, 0, 0, 0, 0, 0, 0};
            const float *w = L->wpack + (size_t)ls * L->fc_out + o;
            for (int i = ls; i < ls + nl; i++, w += L->fc_out) {
                v8f wv;
                memcpy(&wv, w, sizeof wv);
                acc = acc + wv * v[i];
            }
            c = acc + c;
        }
        memcpy(out + o, &c, sizeof c);
    }
}
#endif

static void fc_layer(const fau_cnn_layer *L, const float *in, fau_cnn_shape s, float *out)
{
    if (s.c > 1 && s.c == L->fc_in) {
        const size_t plane = (size_t)s.h * s.w;
        for (int o = 0; o < L->fc_out; o++) {
            const float *w = L->weights + (size_t)o * L->fc_in;
            float *op = out + (size_t)o * plane;
            size_t p = 0;
            for (; p + 4 <= plane; p += 4) {
                v2d acc0 = {0.0, 0.0}, acc1 = {0.0, 0.0};
                for (int i = 0; i < L->fc_in; i++) {
                    const float *ip = in + (size_t)i * plane + p;
                    const double wi = (double)w[i];
                    v2d x0 = {(double)ip[0], (double)ip[1]}, x1 = {(double)ip[2], (double)ip[3]};
                    acc0 += x0 * wi;
                    acc1 += x1 * wi;
                }
                op[p] = (float)acc0[0] + L->bias[o];
                op[p + 1] = (float)acc0[1] + L->bias[o];
                op[p + 2] = (float)acc1[0] + L->bias[o];
                op[p + 3] = (float)acc1[1] + L->bias[o];
            }
            for (; p + 2 <= plane; p += 2) {
                v2d acc = {0.0, 0.0};
                for (int i = 0; i < L->fc_in; i++) {
                    const float *ip = in + (size_t)i * plane + p;
                    v2d x = {(double)ip[0], (double)ip[1]};
                    acc += x * (double)w[i];
                }
                op[p] = (float)acc[0] + L->bias[o];
                op[p + 1] = (float)acc[1] + L->bias[o];
            }
            for (; p < plane; p++) {
                double acc = 0.0;
                for (int i = 0; i < L->fc_in; i++)
                    acc += (double)w[i] * (double)in[(size_t)i * plane + p];
                op[p] = (float)acc + L->bias[o];
            }
        }
        return;
    }
    /* Flatten: each map transposed (column-major) then concatenated. For a
     * single column the data is already in order. */
    const float *v = in;
    float *tmp = NULL;
    if (s.c > 1) {
        tmp = out + L->fc_out; /* room reserved by fau_cnn_infer */
        size_t n = 0;
        for (int c = 0; c < s.c; c++)
            for (int x = 0; x < s.w; x++)
                for (int y = 0; y < s.h; y++)
                    tmp[n++] = in[((size_t)c * s.h + y) * s.w + x];
        v = tmp;
    }
    if (L->fc_out >= 100) {
        /* cv::gemm hands matrices of 100 rows or more to cblas_sgemm
         * (OpenCV's HAL, lapack_gemm32f) with C = the bias and beta = 1:
         * OpenBLAS sums each output with one fused accumulator per K chunk
         * (the chunking of conv_gemm) and adds each chunk to C in order. */
#if defined(__x86_64__) && defined(__GNUC__)
        if (L->fma && L->wpack && L->fc_out % 8 == 0) {
            fc_blas_fma(L, v, out);
            return;
        }
#endif
        for (int o = 0; o < L->fc_out; o++) {
            const float *w = L->weights + (size_t)o * L->fc_in;
            float c = L->bias[o];
            for (int ls = 0, nl; ls < L->fc_in; ls += nl) {
                nl = next_chunk(L->fc_in - ls);
                float acc = 0.0f;
                for (int i = ls; i < ls + nl; i++)
                    acc = fmaf(v[i], w[i], acc);
                c = acc + c;
            }
            out[o] = c;
        }
        return;
    }
    /* OpenCV's own gemm: double sums. Two outputs per double vector, each
     * summed in input order. */
    int o = 0;
    for (; o + 2 <= L->fc_out; o += 2) {
        const float *w0 = L->weights + (size_t)o * L->fc_in, *w1 = w0 + L->fc_in;
        v2d acc = {0.0, 0.0};
        for (int i = 0; i < L->fc_in; i++) {
            v2d wv = {(double)w0[i], (double)w1[i]};
            acc += wv * (double)v[i];
        }
        out[o] = (float)(acc[0] + (double)L->bias[o]);
        out[o + 1] = (float)(acc[1] + (double)L->bias[o + 1]);
    }
    for (; o < L->fc_out; o++) {
        const float *w = L->weights + (size_t)o * L->fc_in;
        double acc = 0.0;
        for (int i = 0; i < L->fc_in; i++)
            acc += (double)w[i] * (double)v[i];
        out[o] = (float)(acc + (double)L->bias[o]);
    }
}

static void prelu_layer(const fau_cnn_layer *L, float *io, fau_cnn_shape s)
{
    if (s.c > 1) {
        const size_t plane = (size_t)s.h * s.w;
        for (int c = 0; c < s.c; c++) {
            const float a = L->weights[c];
            float *p = io + (size_t)c * plane;
            for (size_t i = 0; i < plane; i++) {
                const float v = p[i], n = v * a;
                p[i] = v >= 0 ? v : n;
            }
        }
    } else {
        for (int r = 0; r < L->pool_ky; r++) {
            const float a = L->weights[r];
            float *p = io + (size_t)r * s.w;
            for (int i = 0; i < s.w; i++)
                p[i] = p[i] >= 0 ? p[i] : p[i] * a;
        }
    }
}

const float *fau_cnn_run(const fau_cnn *net, const float *in, fau_cnn_shape s, float *buf0,
                         float *buf1, float *col, fau_cnn_shape *out_shape)
{
    const float *cur = in;
    float *bufs[2] = {buf0, buf1};
    int next = 0;
    for (int l = 0; l < net->n_layers; l++) {
        const fau_cnn_layer *L = &net->layers[l];
        fau_cnn_shape ns = s;
        fau_error dummy;
        (void)infer_layer(net, l, &ns, &dummy);
        float *dst = bufs[next];
        switch (L->type) {
        case FAU_CNN_CONV:
            if (l + 1 < net->n_layers && net->layers[l + 1].type == FAU_CNN_PRELU && ns.c > 1) {
                /* PReLU on maps: fuse it into the convolution's store */
                conv_layer(L, cur, s, dst, col, net->layers[l + 1].weights);
                l++;
            } else {
                conv_layer(L, cur, s, dst, col, NULL);
            }
            break;
        case FAU_CNN_MAXPOOL:
            pool_layer(L, cur, s, dst);
            break;
        case FAU_CNN_FC:
            fc_layer(L, cur, s, dst);
            break;
        case FAU_CNN_PRELU:
            if (cur == in) {
                memcpy(dst, cur, (size_t)s.c * s.h * s.w * sizeof(float));
            } else {
                dst = (float *)cur; /* in place, as OpenFace does */
                next ^= 1;
            }
            prelu_layer(L, dst, s);
            break;
        default: {
            size_t n = (size_t)s.c * s.h * s.w;
            for (size_t i = 0; i < n; i++)
                dst[i] = 1.0f / (1.0f + expf(-cur[i]));
            break;
        }
        }
        cur = dst;
        next ^= 1;
        s = ns;
    }
    *out_shape = s;
    return cur;
}
