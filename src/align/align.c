/* Similarity face alignment: ports of FaceAnalysis::AlignFaceMask
 * (Face_utils.cpp), Utilities::AlignShapesWithScale / AlignShapesKabsch2D
 * (RotationHelpers.h), LandmarkDetector::PAW's pixel mask (PAW.cpp) and
 * OpenCV 4.6's fixed-point warpAffine (imgwarp.cpp). */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "align/align.h"
#include "kernels/image.h"
#include "landmarks/pdm_ops.h"

/* extract_rigid_points: the 24 points that do not move with expression. */
static const int rigid_idx[24] = {1,  2,  3,  4,  12, 13, 14, 15, 27, 28, 29, 31,
                                  32, 33, 34, 35, 36, 39, 40, 41, 42, 45, 46, 47};

/* cv::sum of a continuous float matrix as OpenCV 4.6's AVX2 dispatch
 * computes it (Sum_SIMD<float, double>, checked against cv2.sumElems for
 * every length up to 300): 16 elements at a time into two double vectors
 * of four lanes, lane l of the first taking elements l and 8+l, of the
 * second 4+l and 12+l (each pair added in double first); the lanes' sums
 * are added in order; then the rest four at a time summed in float first
 * (CV_ENABLE_UNROLLED), then one by one. */
static double cv_sum_f32(const float *v, int len)
{
    double s0[4] = {0, 0, 0, 0}, s1[4] = {0, 0, 0, 0};
    int x = 0;
    for (; x <= len - 16; x += 16)
        for (int l = 0; l < 4; l++) {
            s0[l] += (double)v[x + l] + (double)v[x + 8 + l];
            s1[l] += (double)v[x + 4 + l] + (double)v[x + 12 + l];
        }
    double s = 0;
    for (int l = 0; l < 4; l++)
        s += s0[l] + s1[l];
    for (; x <= len - 4; x += 4)
        s += (double)(v[x] + v[x + 1] + v[x + 2] + v[x + 3]);
    for (; x < len; x++)
        s += (double)v[x];
    return s;
}

/* cv::mean of one column of an n x 2 float matrix: a non-continuous Mat,
 * summed one element per row in double, times 1/n. */
static float cv_mean_col(const float *col, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)col[2 * i];
    return (float)(s * (1. / n));
}

void fau_align_shapes_with_scale(const float *src_in, const float *dst_in, int n, float *src,
                                 float *dst, float *sq_tmp, float A[4])
{
    /* AlignShapesWithScale: means via cv::mean of each column, scales via
     * cv::sum of the squared n x 2 matrices (see cv_sum_f32). */
    float mean_src_x = cv_mean_col(src_in, n), mean_src_y = cv_mean_col(src_in + 1, n);
    float mean_dst_x = cv_mean_col(dst_in, n), mean_dst_y = cv_mean_col(dst_in + 1, n);
    float *sq = sq_tmp;
    for (int i = 0; i < n; i++) {
        src[2 * i] = src_in[2 * i] - mean_src_x;
        src[2 * i + 1] = src_in[2 * i + 1] - mean_src_y;
        dst[2 * i] = dst_in[2 * i] - mean_dst_x;
        dst[2 * i + 1] = dst_in[2 * i + 1] - mean_dst_y;
    }
    for (int i = 0; i < 2 * n; i++)
        sq[i] = src[i] * src[i];
    const double ss = cv_sum_f32(sq, 2 * n);
    for (int i = 0; i < 2 * n; i++)
        sq[i] = dst[i] * dst[i];
    const double sd = cv_sum_f32(sq, 2 * n);
    float s_src = (float)sqrt(ss / n);
    float s_dst = (float)sqrt(sd / n);
    float inv_src = (float)(1. / s_src), inv_dst = (float)(1. / s_dst);
    double m00 = 0, m01 = 0, m10 = 0, m11 = 0;
    for (int i = 0; i < n; i++) {
        float ax = src[2 * i] * inv_src, ay = src[2 * i + 1] * inv_src;
        float bx = dst[2 * i] * inv_dst, by = dst[2 * i + 1] * inv_dst;
        /* align_from.t() * align_to: OpenCV gemm, double sums */
        m00 += (double)ax * bx;
        m01 += (double)ax * by;
        m10 += (double)ay * bx;
        m11 += (double)ay * by;
    }
    float s = s_dst / s_src;
    /* AlignShapesKabsch2D: cv::SVD of M = from^T * to (float), then
     * R = vt^T * diag(1, sign det(vt^T u^T)) * u^T as float gemms. */
    float M[4] = {(float)m00, (float)m01, (float)m10, (float)m11};
    float w[2], u[4], vt[4];
    fau_svd_f32(M, 2, 2, w, u, vt);
    /* vt^T * u^T: P[i][j] = sum_k vt[k][i] * u[j][k] */
    float P[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            P[i * 2 + j] = (float)((double)vt[i] * u[j * 2] + (double)vt[2 + i] * u[j * 2 + 1]);
    double det = (double)P[0] * P[3] - (double)P[1] * P[2];
    float corr = det > 0 ? 1.0f : -1.0f;
    float V[4] = {vt[0], vt[2] * corr, vt[1], vt[3] * corr}; /* vt^T * corr */
    float R[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            R[i * 2 + j] = (float)((double)V[i * 2] * u[j * 2] + (double)V[i * 2 + 1] * u[j * 2 + 1]);
    for (int i = 0; i < 4; i++)
        A[i] = s * R[i];
}

void fau_align_similarity(const float *lm, const float *mean_shape, float tx, float ty,
                          double sim_scale, int out_w, int out_h, float warp[6])
{
    enum { N = 24, NPTS = 68 };
    float src[N][2], dst[N][2], t0[N][2], t1[N][2], t2[N][2];
    const float fs = (float)sim_scale;
    /* pdm.mean_shape * sim_scale: a float MatExpr scale (convertTo with a
     * float factor). */
    for (int i = 0; i < N; i++) {
        int k = rigid_idx[i];
        src[i][0] = lm[k];
        src[i][1] = lm[NPTS + k];
        dst[i][0] = mean_shape[k] * fs;
        dst[i][1] = mean_shape[NPTS + k] * fs;
    }
    float A[4];
    fau_align_shapes_with_scale(&src[0][0], &dst[0][0], N, &t0[0][0], &t1[0][0], &t2[0][0], A);
    float T0 = A[0] * tx + A[1] * ty;
    float T1 = A[2] * tx + A[3] * ty;
    warp[0] = A[0];
    warp[1] = A[1];
    warp[2] = -T0 + out_w / 2;
    warp[3] = A[2];
    warp[4] = A[3];
    warp[5] = -T1 + out_h / 2;
}

/* ------------------------------------------------------------------ */
/* warpAffine                                                         */
/* ------------------------------------------------------------------ */

enum { INTER_BITS = 5, INTER_TAB_SIZE = 1 << INTER_BITS, AB_BITS = 10, AB_SCALE = 1 << AB_BITS,
       COEF_BITS = 15, PREF_AHEAD = 3 };

static int sat_round(double v)
{
    /* saturate_cast<int>(double) = cvRound: round half to even */
    if (v >= 2147483647.0)
        return 2147483647;
    if (v <= -2147483648.0)
        return (-2147483647 - 1);
    return (int)lrint(v);
}

void fau_warp_affine_u8(const fau_kernels *kt, const uint8_t *src, int sw, int sh, size_t sstride, int cn,
                        const float warp[6], uint8_t *dst, int dw, int dh, size_t dstride)
{
    /* cv::warpAffine inverts the matrix (double) unless WARP_INVERSE_MAP. */
    double M[6];
    for (int i = 0; i < 6; i++)
        M[i] = warp[i];
    double D = M[0] * M[4] - M[1] * M[3];
    D = D != 0 ? 1. / D : 0;
    double A11 = M[4] * D, A22 = M[0] * D;
    M[0] = A11;
    M[1] *= -D;
    M[3] *= -D;
    M[4] = A22;
    double b1 = -M[0] * M[2] - M[1] * M[5];
    double b2 = -M[3] * M[2] - M[4] * M[5];
    M[2] = b1;
    M[5] = b2;

    const int round_delta = AB_SCALE / INTER_TAB_SIZE / 2;
    /* adelta / bdelta per column, as OpenCV precomputes them. */
    int32_t adelta_buf[1024], bdelta_buf[1024];
    const int ncache = dw < 1024 ? dw : 1024;
    for (int x = 0; x < ncache; x++) {
        adelta_buf[x] = sat_round(M[0] * x * AB_SCALE);
        bdelta_buf[x] = sat_round(M[3] * x * AB_SCALE);
    }
    if (cn == 3) {
        /* rows through the kernel, in chunks of the cached column deltas */
        for (int y = 0; y < dh; y++) {
            const int X0 = sat_round((M[1] * y + M[2]) * AB_SCALE) + round_delta;
            const int Y0 = sat_round((M[4] * y + M[5]) * AB_SCALE) + round_delta;
            uint8_t *out = dst + (size_t)y * dstride;
            /* The source frame is usually cold in cache and the rotated
             * sampling defeats the hardware prefetcher: fetch the lines the
             * row PREF_AHEAD rows on will read (every 16th pixel, both
             * source rows). bench_au warpAffine
             * at avx2: 0.095 -> 0.040 ms/frame. */
            if (y + PREF_AHEAD < dh) {
                const int yp = y + PREF_AHEAD;
                const int PX0 = sat_round((M[1] * yp + M[2]) * AB_SCALE) + round_delta;
                const int PY0 = sat_round((M[4] * yp + M[5]) * AB_SCALE) + round_delta;
                const int np = dw < ncache ? dw : ncache;
                for (int x = 0; x < np; x += 16) {
                    const int sx = (PX0 + adelta_buf[x]) >> AB_BITS, sy = (PY0 + bdelta_buf[x]) >> AB_BITS;
                    if ((unsigned)sx < (unsigned)sw && (unsigned)sy + 1 < (unsigned)sh) {
                        const uint8_t *p = src + (size_t)sy * sstride + (size_t)sx * 3;
                        __builtin_prefetch(p);
                        __builtin_prefetch(p + sstride);
                    }
                }
            }
            for (int c0 = 0; c0 < dw; c0 += ncache) {
                const int nc = dw - c0 < ncache ? dw - c0 : ncache;
                if (c0 > 0)
                    for (int x = 0; x < nc; x++) {
                        adelta_buf[x] = sat_round(M[0] * (c0 + x) * AB_SCALE);
                        bdelta_buf[x] = sat_round(M[3] * (c0 + x) * AB_SCALE);
                    }
                kt->image.warp_row_c3(src, sw, sh, sstride, adelta_buf, bdelta_buf, X0, Y0,
                                     out + (size_t)c0 * 3, nc);
            }
            if (dw > ncache)
                for (int x = 0; x < ncache; x++) {
                    adelta_buf[x] = sat_round(M[0] * x * AB_SCALE);
                    bdelta_buf[x] = sat_round(M[3] * x * AB_SCALE);
                }
        }
        return;
    }
    for (int y = 0; y < dh; y++) {
        int X0 = sat_round((M[1] * y + M[2]) * AB_SCALE) + round_delta;
        int Y0 = sat_round((M[4] * y + M[5]) * AB_SCALE) + round_delta;
        uint8_t *out = dst + (size_t)y * dstride;
        for (int x = 0; x < dw; x++) {
            int adelta = x < ncache ? adelta_buf[x] : sat_round(M[0] * x * AB_SCALE);
            int bdelta = x < ncache ? bdelta_buf[x] : sat_round(M[3] * x * AB_SCALE);
            int X = (X0 + adelta) >> (AB_BITS - INTER_BITS);
            int Y = (Y0 + bdelta) >> (AB_BITS - INTER_BITS);
            int sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
            int ax = X & (INTER_TAB_SIZE - 1), ay = Y & (INTER_TAB_SIZE - 1);
            int wt[4];
            fau_bilinear_tab_weights(ax, ay, wt);
            const int w0 = wt[0], w1 = wt[1], w2 = wt[2], w3 = wt[3];
            if ((unsigned)sx < (unsigned)(sw - 1) && (unsigned)sy < (unsigned)(sh - 1)) {
                /* all four neighbours inside (OpenCV's fast path; same sums) */
                const uint8_t *p0 = src + (size_t)sy * sstride + (size_t)sx * cn, *p1 = p0 + sstride;
                if (cn == 3) {
                    const int r = 1 << (COEF_BITS - 1);
                    int b = (p0[0] * w0 + p0[3] * w1 + p1[0] * w2 + p1[3] * w3 + r) >> COEF_BITS;
                    int g = (p0[1] * w0 + p0[4] * w1 + p1[1] * w2 + p1[4] * w3 + r) >> COEF_BITS;
                    int rr = (p0[2] * w0 + p0[5] * w1 + p1[2] * w2 + p1[5] * w3 + r) >> COEF_BITS;
                    out[x * 3] = (uint8_t)(b > 255 ? 255 : b);
                    out[x * 3 + 1] = (uint8_t)(g > 255 ? 255 : g);
                    out[x * 3 + 2] = (uint8_t)(rr > 255 ? 255 : rr);
                    continue;
                }
                for (int k = 0; k < cn; k++) {
                    int v = (p0[k] * w0 + p0[k + cn] * w1 + p1[k] * w2 + p1[k + cn] * w3 +
                             (1 << (COEF_BITS - 1))) >> COEF_BITS;
                    out[x * cn + k] = (uint8_t)(v > 255 ? 255 : v);
                }
                continue;
            }
            if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
                for (int k = 0; k < cn; k++)
                    out[x * cn + k] = 0;
                continue;
            }
            /* partly outside: missing neighbours read as the border value 0 */
            int in_x0 = sx >= 0 && sx < sw, in_x1 = sx + 1 >= 0 && sx + 1 < sw;
            int in_y0 = sy >= 0 && sy < sh, in_y1 = sy + 1 >= 0 && sy + 1 < sh;
            for (int k = 0; k < cn; k++) {
#define PIX(yy, xx) src[(size_t)(yy) * sstride + (size_t)(xx) * cn + k]
                int v0 = (in_x0 && in_y0) ? PIX(sy, sx) : 0;
                int v1 = (in_x1 && in_y0) ? PIX(sy, sx + 1) : 0;
                int v2 = (in_x0 && in_y1) ? PIX(sy + 1, sx) : 0;
                int v3 = (in_x1 && in_y1) ? PIX(sy + 1, sx + 1) : 0;
#undef PIX
                int v = (v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3 + (1 << (COEF_BITS - 1))) >> COEF_BITS;
                out[x * cn + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* Mask (PAW pixel_mask)                                              */
/* ------------------------------------------------------------------ */

void fau_face_mask(const fau_kernels *kt, const float *lm, const float warp[6], double sim_scale, const int *tris,
                   int n_tris, uint8_t *mask, int w, int h)
{
    enum { NPTS = 68 };
    float px[NPTS], py[NPTS];
    for (int i = 0; i < NPTS; i++) {
        /* landmarks * warp_2d^T (OpenCV gemm, double sums) + translation */
        double x = lm[i], y = lm[NPTS + i];
        px[i] = (float)(x * warp[0] + y * warp[1]) + warp[2];
        py[i] = (float)(x * warp[3] + y * warp[4]) + warp[5];
    }
    const double lift = (30 / 0.7) * sim_scale;
    py[0] = (float)(py[0] - lift);
    for (int i = 16; i <= 26; i++)
        py[i] = (float)(py[i] - lift);

    /* Triangle corners and their bounding boxes, as PAW keeps them. */
    float tri_pts[FAU_FACE_MASK_MAX_TRIS][10];
    assert(n_tris <= FAU_FACE_MASK_MAX_TRIS);
    if (n_tris > FAU_FACE_MASK_MAX_TRIS)
        n_tris = FAU_FACE_MASK_MAX_TRIS;
    for (int t = 0; t < n_tris; t++) {
        int j = tris[t * 3], k = tris[t * 3 + 1], l = tris[t * 3 + 2];
        float *p = tri_pts[t];
        p[0] = px[j], p[1] = py[j], p[2] = px[k], p[3] = py[k], p[4] = px[l], p[5] = py[l];
        float mxx = p[0], mnx = p[0], mxy = p[1], mny = p[1];
        for (int q = 1; q < 3; q++) {
            if (p[2 * q] > mxx)
                mxx = p[2 * q];
            if (p[2 * q] < mnx)
                mnx = p[2 * q];
            if (p[2 * q + 1] > mxy)
                mxy = p[2 * q + 1];
            if (p[2 * q + 1] < mny)
                mny = p[2 * q + 1];
        }
        p[6] = mxx, p[7] = mxy, p[8] = mnx, p[9] = mny;
    }
    /* PAW::findTriangle marks a pixel when some triangle whose bounding box
     * holds it passes pointInTriangle; that is a union over triangles, so
     * each triangle's box is scanned once instead of searching per pixel.
     * pointInTriangle's three sameSide tests are evaluated with the same
     * float operations, the row-constant ones hoisted, so the loop over x
     * vectorises and the result is unchanged. */
    memset(mask, 0, (size_t)w * h);
    for (int t = 0; t < n_tris; t++) {
        const float *p = tri_pts[t];
        int x0 = (int)ceilf(p[8]), x1 = (int)floorf(p[6]);
        int y0 = (int)ceilf(p[9]), y1 = (int)floorf(p[7]);
        if (x0 < 0)
            x0 = 0;
        if (y0 < 0)
            y0 = 0;
        if (x1 > w - 1)
            x1 = w - 1;
        if (y1 > h - 1)
            y1 = h - 1;
        /* sameSide(pt, ref, e0, e1) for (ref, e0, e1) = (v1, v2, v3),
         * (v2, v1, v3), (v3, v1, v2) as pointInTriangle calls it */
        const float vx[3] = {p[0], p[2], p[4]}, vy[3] = {p[1], p[3], p[5]};
        static const int ref[3] = {0, 1, 2}, e0[3] = {1, 0, 0}, e1[3] = {2, 2, 1};
        float dqx[3], px_[3], py_[3], dqy[3], yref[3];
        for (int q = 0; q < 3; q++) {
            const float rx = vx[ref[q]], ry = vy[ref[q]];
            px_[q] = vx[e0[q]];
            py_[q] = vy[e0[q]];
            dqx[q] = vx[e1[q]] - px_[q];
            dqy[q] = vy[e1[q]] - py_[q];
            yref[q] = dqx[q] * (ry - py_[q]) - (rx - px_[q]) * dqy[q];
        }
        if (x0 <= x1 && y0 <= y1)
            kt->image.mask_tri(mask, w, x0, x1, y0, y1, px_, py_, dqx, dqy, yref);
    }
}

void fau_apply_mask_u8(uint8_t *img, int w, int h, size_t stride, int cn, const uint8_t *mask)
{
    if (cn == 3) {
        /* branch-free AND with 0x00 / 0xff per pixel (was a memset call per
         * masked-out pixel) */
        for (int y = 0; y < h; y++) {
            uint8_t *restrict row = img + (size_t)y * stride;
            const uint8_t *restrict m = mask + (size_t)y * w;
            for (int x = 0; x < w; x++) {
                const uint8_t keep = (uint8_t)-(m[x] != 0);
                row[3 * x] &= keep;
                row[3 * x + 1] &= keep;
                row[3 * x + 2] &= keep;
            }
        }
        return;
    }
    for (int y = 0; y < h; y++) {
        uint8_t *row = img + (size_t)y * stride;
        const uint8_t *m = mask + (size_t)y * w;
        for (int x = 0; x < w; x++)
            if (!m[x])
                memset(row + (size_t)x * cn, 0, (size_t)cn);
    }
}

void fau_bgr_to_gray_u8(const uint8_t *bgr, int w, int h, size_t sstride, uint8_t *gray,
                        size_t gstride)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = bgr + (size_t)y * sstride;
        uint8_t *d = gray + (size_t)y * gstride;
        for (int x = 0; x < w; x++)
            d[x] = (uint8_t)((s[3 * x] * 1868 + s[3 * x + 1] * 9617 + s[3 * x + 2] * 4899 +
                              (1 << 13)) >> 14);
    }
}
