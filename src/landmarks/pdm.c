/* PDM shape math: ports of LandmarkDetector::PDM (PDM.cpp) and the rotation
 * helpers in Utilities/RotationHelpers.h. See pdm_ops.h for conventions. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/jacobi_svd.h"
#include "detect/sgemm_openblas.h"
#include "kernels/sgemm_small.h"
#include "landmarks/pdm_ops.h"
#include "pose/rotation.h"

/* ------------------------------------------------------------------ */
/* SVD and rotation helpers not in pose/rotation.h                    */
/* ------------------------------------------------------------------ */

void fau_svd_f32(const float *A, int m, int n, float *w_out, float *u, float *vt)
{
    /* JacobiSVDImpl_<float>(At, W, Vt, m, n, n1 = n, minval = FLT_MIN,
     * eps = 2 * FLT_EPSILON) as SVD::compute calls it (no full_uv). */
    float At[4][4], Vt[4][4];
    double W[4];
    const float eps = FLT_EPSILON * 2;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            At[i][k] = A[k * n + i];
    for (int i = 0; i < n; i++) {
        double sd = 0;
        for (int k = 0; k < m; k++) {
            float t = At[i][k];
            sd += (double)t * t;
        }
        W[i] = sd;
        for (int k = 0; k < n; k++)
            Vt[i][k] = 0;
        Vt[i][i] = 1;
    }
    int max_iter = m > 30 ? m : 30;
    for (int iter = 0; iter < max_iter; iter++) {
        int changed = 0;
        for (int i = 0; i < n - 1; i++)
            for (int j = i + 1; j < n; j++) {
                float *Ai = At[i], *Aj = At[j];
                double a = W[i], p = 0, b = W[j];
                for (int k = 0; k < m; k++)
                    p += (double)Ai[k] * Aj[k];
                if (fabs(p) <= eps * sqrt((double)a * b))
                    continue;
                p *= 2;
                double beta = a - b, gamma = hypot(p, beta);
                float c, s;
                if (beta < 0) {
                    double delta = (gamma - beta) * 0.5;
                    s = (float)sqrt(delta / gamma);
                    c = (float)(p / (gamma * s * 2));
                } else {
                    c = (float)sqrt((gamma + beta) / (gamma * 2));
                    s = (float)(p / (gamma * c * 2));
                }
                a = b = 0;
                for (int k = 0; k < m; k++) {
                    float t0 = c * Ai[k] + s * Aj[k];
                    float t1 = -s * Ai[k] + c * Aj[k];
                    Ai[k] = t0;
                    Aj[k] = t1;
                    a += (double)t0 * t0;
                    b += (double)t1 * t1;
                }
                W[i] = a;
                W[j] = b;
                changed = 1;
                float *Vi = Vt[i], *Vj = Vt[j];
                for (int k = 0; k < n; k++) {
                    float t0 = c * Vi[k] + s * Vj[k];
                    float t1 = -s * Vi[k] + c * Vj[k];
                    Vi[k] = t0;
                    Vj[k] = t1;
                }
            }
        if (!changed)
            break;
    }
    for (int i = 0; i < n; i++) {
        double sd = 0;
        for (int k = 0; k < m; k++) {
            float t = At[i][k];
            sd += (double)t * t;
        }
        W[i] = sqrt(sd);
    }
    for (int i = 0; i < n - 1; i++) {
        int j = i;
        for (int k = i + 1; k < n; k++)
            if (W[j] < W[k])
                j = k;
        if (i != j) {
            double tw = W[i];
            W[i] = W[j];
            W[j] = tw;
            for (int k = 0; k < m; k++) {
                float t = At[i][k];
                At[i][k] = At[j][k];
                At[j][k] = t;
            }
            for (int k = 0; k < n; k++) {
                float t = Vt[i][k];
                Vt[i][k] = Vt[j][k];
                Vt[j][k] = t;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        w_out[i] = (float)W[i];
        /* (zero singular values: OpenCV completes the basis with random
         * vectors; not needed for the rotations here) */
        float sc = (float)(W[i] > FLT_MIN ? 1 / W[i] : 0.);
        for (int k = 0; k < m; k++)
            At[i][k] *= sc;
    }
    for (int k = 0; k < m; k++)
        for (int i = 0; i < n; i++)
            u[k * n + i] = At[i][k];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++)
            vt[i * n + k] = Vt[i][k];
}

/* SVD::compute of a 3x3 double matrix; u and vt row-major. */
static void svd3_f64(const double *A, double *u, double *vt)
{
    double ut[9], w[3];
    fau_jacobi_svd_f64(A, 3, w, ut, vt);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 3; i++)
            u[k * 3 + i] = ut[i * 3 + k];
}

/* 3x3 float product as cv::gemm's small-matrix fast path computes it
 * (flags 0, inner size 3): float products and float sums. */
static void matmul3_f(const float *a, const float *b, float *c)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
}

static double det3_f(const float *m)
{
    /* cv::determinant for a 3x3 float Mat (double arithmetic) */
    return m[0] * ((double)m[4] * m[8] - (double)m[5] * m[7]) -
           m[1] * ((double)m[3] * m[8] - (double)m[5] * m[6]) +
           m[2] * ((double)m[3] * m[7] - (double)m[4] * m[6]);
}

void fau_orthonormalise(float R[9])
{
    /* PDM::Orthonormalise: cv::SVD (float), X = u * vt, W = diag(1, 1,
     * det(X)), R = u * W * vt. */
    float w[3], u[9], vt[9], X[9], uw[9];
    fau_svd_f32(R, 3, 3, w, u, vt);
    matmul3_f(u, vt, X);
    float d = (float)det3_f(X);
    float W[9] = {1, 0, 0, 0, 1, 0, 0, 0, d};
    matmul3_f(u, W, uw);
    matmul3_f(uw, vt, R);
}

void fau_rot_to_axis_angle(const float Rf[9], float aa[3])
{
    /* cv::Rodrigues (matrix -> vector), OpenCV 4.x: orthonormalise with SVD
     * in double, then the closed form. */
    double in[9], U[9], Vt[9], R[9];
    for (int k = 0; k < 9; k++)
        in[k] = Rf[k];
    svd3_f64(in, U, Vt);
    /* R = U * Vt (Matx33d product: sums from 0 in k order) */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double acc = 0;
            for (int q = 0; q < 3; q++)
                acc += U[i * 3 + q] * Vt[q * 3 + j];
            R[i * 3 + j] = acc;
        }
    double rx = R[7] - R[5], ry = R[2] - R[6], rz = R[3] - R[1];
    double s = sqrt((rx * rx + ry * ry + rz * rz) * 0.25);
    double c = (R[0] + R[4] + R[8] - 1) * 0.5;
    c = c > 1. ? 1. : c < -1. ? -1. : c;
    double theta = acos(c);
    if (s < 1e-5) {
        if (c > 0) {
            rx = ry = rz = 0;
        } else {
            double t = (R[0] + 1) * 0.5;
            rx = sqrt(t > 0 ? t : 0.);
            t = (R[4] + 1) * 0.5;
            ry = sqrt(t > 0 ? t : 0.) * (R[1] < 0 ? -1. : 1.);
            t = (R[8] + 1) * 0.5;
            rz = sqrt(t > 0 ? t : 0.) * (R[2] < 0 ? -1. : 1.);
            if (fabs(rx) < fabs(ry) && fabs(rx) < fabs(rz) && (R[5] > 0) != (ry * rz > 0))
                rz = -rz;
            theta /= sqrt(rx * rx + ry * ry + rz * rz);
            rx *= theta;
            ry *= theta;
            rz *= theta;
        }
    } else {
        double vth = 1 / (2 * s);
        vth *= theta;
        rx *= vth;
        ry *= vth;
        rz *= vth;
    }
    aa[0] = (float)rx;
    aa[1] = (float)ry;
    aa[2] = (float)rz;
}

/* ------------------------------------------------------------------ */
/* Shapes                                                             */
/* ------------------------------------------------------------------ */

void fau_pdm_shape3d(const fau_pdm *p, const float *local, float *out)
{
    /* PDM::CalcShape3D: out = mean_shape.clone(); sgemm_("N", "N", 1, 3n, m,
     * 1, local, 1, princ_comp, m, 1, out, 1), i.e. one fused chain per
     * output over the modes in order, then + mean. */
    const int rows = 3 * p->n_points, m = p->n_modes;
    memcpy(out, p->mean_shape, (size_t)rows * sizeof(float));
    if (p->princ_comp_t)
        fau_sgemm_openblas_m1(rows, m, 1.0f, local, p->princ_comp_t, p->ld_t, 1.0f, out, p->use_fma);
    else
        fau_sgemm_openblas(1, rows, m, 1.0f, local, 1, p->princ_comp, m, 1.0f, out, 1);
}

void fau_pdm_shape2d(const fau_pdm *p, const float *local, const float g[6], float *out,
                     float *s3)
{
    int n = p->n_points;
    float R[9];
    float e[3] = {g[1], g[2], g[3]};
    fau_euler_to_rotation(e, R);
    fau_pdm_shape3d(p, local, s3);
    float s = g[0], tx = g[4], ty = g[5];
    for (int i = 0; i < n; i++) {
        float X = s3[i], Y = s3[i + n], Z = s3[i + 2 * n];
        out[i] = s * (R[0] * X + R[1] * Y + R[2] * Z) + tx;
        out[i + n] = s * (R[3] * X + R[4] * Y + R[5] * Z) + ty;
    }
}

void fau_shape2d_bounds(const float *shape, int n, float *min_x, float *max_x, float *min_y,
                        float *max_y)
{
    /* LandmarkDetector::ExtractBoundingBox */
    float a = 0, b = 0, c = 0, d = 0;
    for (int i = 0; i < n; i++) {
        float v = shape[i];
        if (i == 0 || v < a)
            a = v;
        if (i == 0 || v > b)
            b = v;
    }
    for (int i = 0; i < n; i++) {
        float v = shape[i + n];
        if (i == 0 || v < c)
            c = v;
        if (i == 0 || v > d)
            d = v;
    }
    *min_x = a;
    *max_x = b;
    *min_y = c;
    *max_y = d;
}

void fau_pdm_bbox(const fau_pdm *p, const float g[6], const float *local, float box[4],
                  float *tmp)
{
    int n = p->n_points;
    float *s2 = tmp, *s3 = tmp + 2 * n;
    fau_pdm_shape2d(p, local, g, s2, s3);
    float mnx, mxx, mny, mxy;
    fau_shape2d_bounds(s2, n, &mnx, &mxx, &mny, &mxy);
    box[0] = mnx;
    box[1] = mny;
    box[2] = fabsf(mnx - mxx);
    box[3] = fabsf(mny - mxy);
}

void fau_pdm_params_from_bbox(const fau_pdm *p, const float box[4], const float *local,
                              const float rotation[3], float g[6], float *s3)
{
    /* PDM::CalcParams(out_params_global, bounding_box, params_local, rotation) */
    int n = p->n_points;
    fau_pdm_shape3d(p, local, s3);
    float R[9];
    fau_euler_to_rotation(rotation, R);
    /* rotated = R * reshaped (3 x n), OpenCV float gemm (m = 3 < 100:
     * OpenCV's own loop, double accumulation). */
    double min_x = 0, max_x = 0, min_y = 0, max_y = 0;
    for (int i = 0; i < n; i++) {
        double X = s3[i], Y = s3[i + n], Z = s3[i + 2 * n];
        float rx = (float)(R[0] * X + R[1] * Y + R[2] * Z);
        float ry = (float)(R[3] * X + R[4] * Y + R[5] * Z);
        if (i == 0 || rx < min_x)
            min_x = rx;
        if (i == 0 || rx > max_x)
            max_x = rx;
        if (i == 0 || ry < min_y)
            min_y = ry;
        if (i == 0 || ry > max_y)
            max_y = ry;
    }
    float width = (float)fabs(min_x - max_x);
    float height = (float)fabs(min_y - max_y);
    float scaling = ((box[2] / width) + (box[3] / height)) / 2.0f;
    float tx = box[0] + box[2] / 2;
    float ty = box[1] + box[3] / 2;
    tx = (float)(tx - scaling * (min_x + max_x) / 2.0f);
    ty = (float)(ty - scaling * (min_y + max_y) / 2.0f);
    g[0] = scaling;
    g[1] = rotation[0];
    g[2] = rotation[1];
    g[3] = rotation[2];
    g[4] = tx;
    g[5] = ty;
}

/* ------------------------------------------------------------------ */
/* Jacobians and parameter update                                     */
/* ------------------------------------------------------------------ */

/* Shared body of ComputeJacobian / ComputeRigidJacobian on a (possibly
 * subsampled) model: mean/pc with n points, m modes; cols = 6 or 6+m. */
/* Body of ComputeJacobian / ComputeRigidJacobian for a 3D shape s3 already
 * computed from the local parameters (n points, m modes of pc). */
static void jacobian_from_shape(const float *pc, int n, int m, int with_local, const float *s3,
                                const float g[6], float *J)
{
    int cols = with_local ? 6 + m : 6;
    float R[9];
    float e[3] = {g[1], g[2], g[3]};
    fau_euler_to_rotation(e, R);
    float s = g[0];
    float r11 = R[0], r12 = R[1], r13 = R[2], r21 = R[3], r22 = R[4], r23 = R[5];
    float *Jx = J, *Jy = J + (size_t)n * cols;
    const float *Vx = pc, *Vy = pc + (size_t)n * m, *Vz = pc + (size_t)2 * n * m;
    for (int i = 0; i < n; i++) {
        float X = s3[i], Y = s3[i + n], Z = s3[i + 2 * n];
        *Jx++ = (X * r11 + Y * r12 + Z * r13);
        *Jy++ = (X * r21 + Y * r22 + Z * r23);
        *Jx++ = (s * (Y * r13 - Z * r12));
        *Jy++ = (s * (Y * r23 - Z * r22));
        *Jx++ = (-s * (X * r13 - Z * r11));
        *Jy++ = (-s * (X * r23 - Z * r21));
        *Jx++ = (s * (X * r12 - Y * r11));
        *Jy++ = (s * (X * r22 - Y * r21));
        *Jx++ = 1.0f;
        *Jy++ = 0.0f;
        *Jx++ = 0.0f;
        *Jy++ = 1.0f;
        if (with_local) {
            for (int j = 0; j < m; j++, ++Vx, ++Vy, ++Vz) {
                *Jx++ = (s * (r11 * (*Vx) + r12 * (*Vy) + r13 * (*Vz)));
                *Jy++ = (s * (r21 * (*Vx) + r22 * (*Vy) + r23 * (*Vz)));
            }
        }
    }
}

void fau_pdm_jacobian(const fau_pdm *p, const float *local, const float g[6], float *J,
                      float *s3)
{
    fau_pdm_shape3d(p, local, s3);
    jacobian_from_shape(p->princ_comp, p->n_points, p->n_modes, 1, s3, g, J);
}

void fau_pdm_rigid_jacobian(const fau_pdm *p, const float *local, const float g[6], float *J,
                            float *s3)
{
    fau_pdm_shape3d(p, local, s3);
    jacobian_from_shape(p->princ_comp, p->n_points, p->n_modes, 0, s3, g, J);
}

void fau_pdm_update_params(const fau_pdm *p, const float *delta, int n_delta, float *local,
                           float g[6])
{
    /* PDM::UpdateModelParameters */
    g[0] += delta[0];
    g[4] += delta[4];
    g[5] += delta[5];
    float e[3] = {g[1], g[2], g[3]};
    float R1[9], R2[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    fau_euler_to_rotation(e, R1);
    R2[7] = delta[1];
    R2[5] = -delta[1];
    R2[2] = delta[2];
    R2[6] = -delta[2];
    R2[3] = delta[3];
    R2[1] = -delta[3];
    fau_orthonormalise(R2);
    /* cv::Matx33f product: float sums over k = 0..2 */
    float R3[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            R3[i * 3 + j] = R1[i * 3] * R2[j] + R1[i * 3 + 1] * R2[3 + j] + R1[i * 3 + 2] * R2[6 + j];
    float aa[3], eu[3];
    fau_rot_to_axis_angle(R3, aa);
    fau_axis_angle_to_euler(aa, eu);
    if (isnan(eu[0]) || isnan(eu[1]) || isnan(eu[2]))
        eu[0] = eu[1] = eu[2] = 0;
    g[1] = eu[0];
    g[2] = eu[1];
    g[3] = eu[2];
    if (n_delta > 6)
        for (int j = 0; j < p->n_modes; j++)
            local[j] = local[j] + delta[6 + j];
}

/* ------------------------------------------------------------------ */
/* CalcParams from landmarks                                          */
/* ------------------------------------------------------------------ */

#define WS_ALIGN(x) (((x) + 15) & ~(size_t)15) /* in floats: 64 bytes */

typedef struct ws_layout {
    size_t M, V, VT, lm, s3, s3j, s2, resid, J, JT, JtJ, Jte, reg, delta, tmp, total;
} ws_layout;

static ws_layout ws_plan(int n, int m)
{
    ws_layout w;
    size_t k = 6 + (size_t)m, off = 0;
    w.M = off, off += WS_ALIGN(3 * (size_t)n);
    w.V = off, off += WS_ALIGN(3 * (size_t)n * m);
    w.VT = off, off += WS_ALIGN(3 * (size_t)n * m);
    w.lm = off, off += WS_ALIGN(2 * (size_t)n);
    w.s3 = off, off += WS_ALIGN(3 * (size_t)n);
    w.s3j = off, off += WS_ALIGN(3 * (size_t)n);
    w.s2 = off, off += WS_ALIGN(2 * (size_t)n);
    w.resid = off, off += WS_ALIGN(2 * (size_t)n);
    w.J = off, off += WS_ALIGN(k * 2 * (size_t)n);
    w.JT = off, off += WS_ALIGN(k * (((size_t)2 * n + 7) & ~(size_t)7));
    w.JtJ = off, off += WS_ALIGN(k * k);
    w.Jte = off, off += WS_ALIGN(k);
    w.reg = off, off += WS_ALIGN(k);
    w.delta = off, off += WS_ALIGN(k);
    w.tmp = off, off += WS_ALIGN(5 * (size_t)n);
    w.total = off;
    return w;
}

size_t fau_pdm_calc_params_workspace(const fau_pdm *p)
{
    return ws_plan(p->n_points, p->n_modes).total * sizeof(float);
}

/* cv::norm(a - b) of float vectors: OpenCV accumulates squares in double. */
static float norm_diff(const float *a, const float *b, int len)
{
    double s = 0;
    for (int i = 0; i < len; i++) {
        float d = a[i] - b[i];
        s += (double)d * d;
    }
    return (float)sqrt(s);
}

/* shape_3D = M + V * loc_params as cv::gemm computes it (rows = 3n of the
 * subsampled model, VT: V mode-major, ld rows). OpenCV's LAPACK HAL hands
 * products with at least HAL_GEMM_SMALL_MATRIX_THRESH (100) result rows to
 * cblas_sgemm (row-major), which OpenBLAS turns into the same M = 1 sgemm
 * as CalcShape3D: one fused chain per row, then + M. Smaller ones stay in
 * OpenCV's gemm: double sums, d = (float)(sum + M). Checked against
 * OpenCV 4.6 linked to OpenBLAS 0.3.21 (Haswell kernel). */
static void shape3d_cv_gemm(const float *M, const float *VT, int rows, int m, const float *loc,
                            float *out, int use_fma)
{
    if (rows >= 100) {
        memcpy(out, M, (size_t)rows * sizeof(float));
        fau_sgemm_openblas_m1(rows, m, 1.0f, loc, VT, (size_t)rows, 1.0f, out, use_fma);
        return;
    }
    for (int r = 0; r < rows; r++) {
        double d = 0;
        for (int j = 0; j < m; j++)
            d += (double)VT[(size_t)j * rows + r] * loc[j];
        out[r] = (float)(d + M[r]);
    }
}

/* Weak-perspective projection as CalcParams writes it inline:
 * scaling * shape^T * R_2D^T (OpenCV float gemm, double accumulation, then
 * the scale), plus the translation in float. */
static void project_inline(const float *s3, int n, float scaling, const float R[9], float tx,
                           float ty, float *out)
{
    for (int i = 0; i < n; i++) {
        double X = s3[i], Y = s3[i + n], Z = s3[i + 2 * n];
        double sx = X * R[0] + Y * R[1] + Z * R[2];
        double sy = X * R[3] + Y * R[4] + Z * R[5];
        out[i] = (float)(sx * scaling) + tx;
        out[i + n] = (float)(sy * scaling) + ty;
    }
}

/* OpenCV's Cholesky solve (hal::Cholesky32f / CholImpl<float>): L keeps the
 * reciprocal of its diagonal, sums in double. A (k x k) is overwritten; b
 * becomes the solution. Returns 0 on success, -1 if not positive definite. */
void fau_cv_gemv(const float *A, int rows, int cols, size_t lda, const float *x, float *out)
{
    for (int c = 0; c < rows; c++) {
        const float *row = A + (size_t)c * lda;
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        int r = 0;
        for (; r <= cols - 4; r += 4) {
            q0 += (double)row[r] * x[r];
            q1 += (double)row[r + 1] * x[r + 1];
            q2 += (double)row[r + 2] * x[r + 2];
            q3 += (double)row[r + 3] * x[r + 3];
        }
        for (; r < cols; r++)
            q0 += (double)row[r] * x[r];
        out[c] = (float)(q0 + q1 + q2 + q3);
    }
}

int fau_cv_cholesky_solve(float *A, int k, float *b)
{
    for (int i = 0; i < k; i++) {
        float *Li = A + (size_t)i * k;
        int j = 0;
        /* Four of CholImpl's independent dot products at a time, each still
         * subtracting its terms in increasing q (same rounding); only the
         * terms that need this row's fresh values wait for them. */
        for (; j + 3 < i; j += 4) {
            const float *L0 = A + (size_t)j * k, *L1 = L0 + k, *L2 = L1 + k, *L3 = L2 + k;
            double s0 = Li[j], s1 = Li[j + 1], s2 = Li[j + 2], s3 = Li[j + 3];
            for (int q = 0; q < j; q++) {
                const float lq = Li[q];
                s0 -= lq * L0[q];
                s1 -= lq * L1[q];
                s2 -= lq * L2[q];
                s3 -= lq * L3[q];
            }
            Li[j] = (float)(s0 * L0[j]);
            s1 -= Li[j] * L1[j];
            s2 -= Li[j] * L2[j];
            s3 -= Li[j] * L3[j];
            Li[j + 1] = (float)(s1 * L1[j + 1]);
            s2 -= Li[j + 1] * L2[j + 1];
            s3 -= Li[j + 1] * L3[j + 1];
            Li[j + 2] = (float)(s2 * L2[j + 2]);
            s3 -= Li[j + 2] * L3[j + 2];
            Li[j + 3] = (float)(s3 * L3[j + 3]);
        }
        for (; j < i; j++) {
            double s = A[i * k + j];
            for (int q = 0; q < j; q++)
                s -= A[i * k + q] * A[j * k + q];
            A[i * k + j] = (float)(s * A[j * k + j]);
        }
        double s = A[i * k + i];
        for (int q = 0; q < j; q++) {
            double t = A[i * k + q];
            s -= t * t;
        }
        if (s < FLT_EPSILON)
            return -1;
        A[i * k + i] = (float)(1. / sqrt(s));
    }
    for (int i = 0; i < k; i++) {
        double s = b[i];
        for (int q = 0; q < i; q++)
            s -= A[i * k + q] * b[q];
        b[i] = (float)(s * A[i * k + i]);
    }
    for (int i = k - 1; i >= 0; i--) {
        double s = b[i];
        for (int q = k - 1; q > i; q--)
            s -= A[q * k + i] * b[q];
        b[i] = (float)(s * A[i * k + i]);
    }
    return 0;
}

int fau_pdm_calc_params(const fau_pdm *p, const float *landmarks, const float rotation[3],
                        float out_g[6], float *out_local, void *workspace)
{
    const int n_all = p->n_points, m = p->n_modes, k = 6 + m;
    ws_layout w = ws_plan(n_all, m);
    float *ws = workspace;
    float *M = ws + w.M, *V = ws + w.V, *VT = ws + w.VT, *lm = ws + w.lm, *s3 = ws + w.s3;
    float *s3j = ws + w.s3j, *J = ws + w.J;
    float *s2 = ws + w.s2;
    float *resid = ws + w.resid, *H = ws + w.JtJ, *Jte = ws + w.Jte;
    float *reg = ws + w.reg, *delta = ws + w.delta;

    /* Invisible landmarks (x == 0) are dropped from the model and the data. */
    int n = 0;
    for (int i = 0; i < n_all; i++)
        if (landmarks[i] != 0)
            n++;
    {
        int r = 0;
        for (int d = 0; d < 3; d++)
            for (int i = 0; i < n_all; i++) {
                if (landmarks[i] == 0)
                    continue;
                M[r] = p->mean_shape[d * n_all + i];
                memcpy(V + (size_t)r * m, p->princ_comp + (size_t)(d * n_all + i) * m,
                       (size_t)m * sizeof(float));
                r++;
            }
        int q = 0;
        for (int d = 0; d < 2; d++)
            for (int i = 0; i < n_all; i++)
                if (landmarks[i] != 0)
                    lm[q++] = landmarks[d * n_all + i];
    }

    for (int r = 0; r < 3 * n; r++)
        for (int j = 0; j < m; j++)
            VT[(size_t)j * 3 * n + r] = V[(size_t)r * m + j];

    float min_x, max_x, min_y, max_y;
    fau_shape2d_bounds(lm, n, &min_x, &max_x, &min_y, &max_y);
    float width = fabsf(min_x - max_x);
    float height = fabsf(min_y - max_y);

    /* CalcBoundingBox(model_bbox, (1,0,0,0,0,0), zeros) on the subsampled
     * model: R is the identity, so the box is that of the mean shape. */
    float mbx0, mbx1, mby0, mby1;
    fau_shape2d_bounds(M, n, &mbx0, &mbx1, &mby0, &mby1);
    float model_w = fabsf(mbx0 - mbx1), model_h = fabsf(mby0 - mby1);

    float scaling = ((width / model_w) + (height / model_h)) / 2.0f;
    float rot[3] = {0, 0, 0};
    if (rotation)
        memcpy(rot, rotation, sizeof rot);
    float R[9];
    fau_euler_to_rotation(rot, R);
    float tx = (min_x + max_x) / 2.0f, ty = (min_y + max_y) / 2.0f;
    float *loc = out_local;
    memset(loc, 0, (size_t)m * sizeof(float));
    float g[6] = {scaling, rot[0], rot[1], rot[2], tx, ty};

    /* shape_3D = M + V * loc_params (zeros) */
    shape3d_cv_gemm(M, VT, 3 * n, m, loc, s3, p->use_fma);
    for (int i = 0; i < n; i++) {
        float X = s3[i], Y = s3[i + n], Z = s3[i + 2 * n];
        s2[i] = scaling * (R[0] * X + R[1] * Y + R[2] * Z) + tx;
        s2[i + n] = scaling * (R[3] * X + R[4] * Y + R[5] * Z) + ty;
    }
    float curr_error = norm_diff(s2, lm, 2 * n);

    for (int j = 0; j < k; j++)
        reg[j] = j < 6 ? 0.0f : 1.0f / p->eigen_values[j - 6];

    int not_improved_in = 0, it;
    for (it = 0; it < 1000; ++it) {
        shape3d_cv_gemm(M, VT, 3 * n, m, loc, s3, p->use_fma);
        project_inline(s3, n, scaling, R, tx, ty, s2);
        for (int i = 0; i < 2 * n; i++)
            resid[i] = lm[i] - s2[i];

        /* ComputeJacobian(loc_params, glob_params) with W = I (J_w_t = J^T,
         * exactly: W * J through sgemm adds only zeros). Its shape is
         * CalcShape3D's (sgemm) on the subsampled model, which differs from
         * the cv::gemm shape above when that has fewer than 100 rows. */
        const int rows = 2 * n, rpad = (rows + 7) & ~7;
        float *JT = ws + w.JT;
        const float *sj = s3;
        if (3 * n < 100) {
            memcpy(s3j, M, (size_t)3 * n * sizeof(float));
            fau_sgemm_openblas_m1(3 * n, m, 1.0f, loc, VT, (size_t)3 * n, 1.0f, s3j, p->use_fma);
            sj = s3j;
        }
        jacobian_from_shape(V, n, m, 1, sj, g, J);
        for (int c = 0; c < k; c++)
            for (int r = 0; r < rows; r++)
                JT[(size_t)c * rpad + r] = J[(size_t)r * k + c];

        /* Hessian = regularisations.clone(), then sgemm_("N", "N", k, k, 2n,
         * 1, J, k, J_w_t, 2n, 1, Hessian, k): column-major C(i, j) =
         * sum_r J[r][i] * J[r][j] lands in Hessian row j, column i. */
        memset(H, 0, (size_t)k * k * sizeof(float));
        for (int j = 0; j < k; j++)
            H[(size_t)j * k + j] = reg[j];
        fau_sgemm_small_for(p->use_fma ? FAU_SIMD_AVX2 : FAU_SIMD_SCALAR)(k, k, rows, 1.0f, J, k, JT,
                                                                         rpad, 1.0f, H, k);
        /* J_w_t_m = J^T * resid: cv::gemm's matrix-vector path
         * (GEMMSingleMul, A * B^T with CV_ENABLE_UNROLLED): four double
         * partial sums by index mod 4, combined left to right. */
        {
            for (int c = 0; c < k; c++) {
                const float *col = JT + (size_t)c * rpad;
                double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
                int r = 0;
                for (; r <= rows - 4; r += 4) {
                    q0 += (double)col[r] * resid[r];
                    q1 += (double)col[r + 1] * resid[r + 1];
                    q2 += (double)col[r + 2] * resid[r + 2];
                    q3 += (double)col[r + 3] * resid[r + 3];
                }
                for (; r < rows; r++)
                    q0 += (double)col[r] * resid[r];
                Jte[c] = (float)(q0 + q1 + q2 + q3);
            }
        }
        /* J_w_t_m(6..) - reg * loc: one cv::gemm (alpha -1, beta 1), so a
         * single rounding of the double result */
        for (int j = 0; j < m; j++)
            Jte[6 + j] = (float)(-((double)reg[6 + j] * loc[j]) + (double)Jte[6 + j]);
        memcpy(delta, Jte, (size_t)k * sizeof(float));
        if (fau_cv_cholesky_solve(H, k, delta) != 0) /* cv::solve: dst = 0 on failure */
            memset(delta, 0, (size_t)k * sizeof(float));
        for (int j = 0; j < k; j++)
            delta[j] = (float)(0.75 * delta[j]);

        /* UpdateModelParameters on the subsampled model. */
        {
            fau_pdm sub = {.n_points = n, .n_modes = m, .mean_shape = M, .princ_comp = V,
                           .eigen_values = p->eigen_values};
            fau_pdm_update_params(&sub, delta, k, loc, g);
        }
        scaling = g[0];
        rot[0] = g[1];
        rot[1] = g[2];
        rot[2] = g[3];
        tx = g[4];
        ty = g[5];
        fau_euler_to_rotation(rot, R);
        /* OpenFace measures the error with the new pose but the 3D shape of
         * the previous local parameters. */
        project_inline(s3, n, scaling, R, tx, ty, s2);
        float error = norm_diff(s2, lm, 2 * n);
        if (0.999 * curr_error < error) {
            not_improved_in++;
            if (not_improved_in == 3) {
                it++;
                break;
            }
        }
        curr_error = error;
    }
    memcpy(out_g, g, sizeof g);
    return it;
}
