/* cv::solvePnP(useExtrinsicGuess = true, SOLVEPNP_ITERATIVE) of OpenCV 4.6.0
 * without lens distortion, as OpenFace's LandmarkDetector::GetPose calls it.
 * Sources reproduced: calib3d/src/calibration.cpp (cvFindExtrinsicCameraParams2,
 * cvProjectPoints2Internal, cvRodrigues2), calib3d/src/compat_ptsetreg.cpp
 * (CvLevMarq::update / step), core/src/lapack.cpp (cv::solve with DECOMP_SVD:
 * JacobiSVDImpl_ + SVBkSbImpl_), core/src/matmul (mulTransposed), norm.cpp
 * (normL2Sqr). Summation orders follow those sources; see mac_fma below for
 * the sum OpenCV hands to BLAS. With the guess given, the point normalisation
 * (cvUndistortPoints) OpenCV performs is unused, so it is left out.
 * Checked: the refined double parameters equal cv2.solvePnP's (Debian
 * python3-opencv 4.6.0) bit for bit on the 78 frames of gaze_eyes_vp9, and
 * the float pose equals every pose of the OpenFace goldens. */
#include "pose/pnp.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/jacobi_svd.h"
#include "pose/rotation.h"

/* J^T err: cv::gemm with 2n >= 100 rows goes to the LAPACK HAL, i.e.
 * cblas_dgemm of OpenBLAS 0.3.21 (the reference build's BLAS), whose x86-64
 * kernels accumulate each output along k with fused multiply-adds. J^T J
 * (cv::mulTransposed -> MulTransposedR) is a plain sequential sum. Both were
 * checked bit for bit against Debian's OpenCV 4.6.0 + OpenBLAS 0.3.21 on an
 * AVX-512 machine (cv2.mulTransposed, cv2.gemm). With fewer than 50 points
 * OpenCV would use its own gemm (four partial sums) instead; GetPose always
 * has 68. FAU_PNP_FMA=0 makes J^T err a plain sum too, for experiments. */
#ifndef FAU_PNP_FMA
#define FAU_PNP_FMA 1
#endif

static inline double mac_fma(double a, double b, double s)
{
#if FAU_PNP_FMA
    return fma(a, b, s);
#else
    return s + a * b;
#endif
}

/* cvProjectPoints2Internal with k = 0 and no tilt: with every distortion
 * coefficient zero, OpenCV's distortion terms add only (signed) zeros, so the
 * pinhole expressions below give the same values. J is 2n x 6 row-major (rows
 * x0, y0, x1, ...; columns dr0..dr2, dt0..dt2), may be NULL. */
static void project(const double *obj, int n, const double param[6], double fx, double fy,
                    double cx, double cy, double *m, double *J)
{
    double R[9], dRdr[27];
    const double *t = param + 3;

    fau_rodrigues(param, R, dRdr);

    for (int i = 0; i < n; i++) {
        const double X = obj[3 * i], Y = obj[3 * i + 1], Z = obj[3 * i + 2];
        double x = R[0] * X + R[1] * Y + R[2] * Z + t[0];
        double y = R[3] * X + R[4] * Y + R[5] * Z + t[1];
        double z = R[6] * X + R[7] * Y + R[8] * Z + t[2];

        z = z ? 1. / z : 1;
        x *= z;
        y *= z;

        m[2 * i] = x * fx + cx;
        m[2 * i + 1] = y * fy + cy;

        if (J) {
            double *jx = J + (size_t)12 * i, *jy = jx + 6;
            for (int j = 0; j < 3; j++) {
                const double dx0dr = X * dRdr[j * 9 + 0] + Y * dRdr[j * 9 + 1] + Z * dRdr[j * 9 + 2];
                const double dy0dr = X * dRdr[j * 9 + 3] + Y * dRdr[j * 9 + 4] + Z * dRdr[j * 9 + 5];
                const double dz0dr = X * dRdr[j * 9 + 6] + Y * dRdr[j * 9 + 7] + Z * dRdr[j * 9 + 8];
                const double dxdr = z * (dx0dr - x * dz0dr);
                const double dydr = z * (dy0dr - y * dz0dr);
                jx[j] = fx * dxdr;
                jy[j] = fy * dydr;
            }
            jx[3] = fx * z;
            jx[4] = 0;
            jx[5] = fx * (-x * z);
            jy[3] = 0;
            jy[4] = fy * z;
            jy[5] = fy * (-y * z);
        }
    }
}

/* normL2Sqr<double,double> (opencv2/core/base.hpp), unrolled by 4. */
static double norm_l2(const double *a, const double *b, int n)
{
    double s = 0;
    int i = 0;
    for (; i <= n - 4; i += 4) {
        const double v0 = b ? a[i] - b[i] : a[i];
        const double v1 = b ? a[i + 1] - b[i + 1] : a[i + 1];
        const double v2 = b ? a[i + 2] - b[i + 2] : a[i + 2];
        const double v3 = b ? a[i + 3] - b[i + 3] : a[i + 3];
        s += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
    }
    for (; i < n; i++) {
        const double v = b ? a[i] - b[i] : a[i];
        s += v * v;
    }
    return sqrt(s);
}

/* cv::solve(A, b, x, DECOMP_SVD) for a 6x6 system: JacobiSVDImpl_ on A^T
 * (one-sided Jacobi, rows of At rotated), then SVBkSbImpl_. */
static void solve6_svd(const double A[36], const double b[6], double x[6])
{
    enum { N = 6 };
    double At[N * N], Vt[N * N], W[N];
    fau_jacobi_svd_f64(A, N, W, At, Vt);

    /* SVBkSbImpl_, nb = 1, u and v transposed. */
    double threshold = 0;
    for (int i = 0; i < N; i++)
        x[i] = 0;
    for (int i = 0; i < N; i++)
        threshold += W[i];
    threshold *= DBL_EPSILON * 2;
    for (int i = 0; i < N; i++) {
        double wi = W[i];
        if (fabs(wi) <= threshold)
            continue;
        wi = 1 / wi;
        double s = 0;
        for (int j = 0; j < N; j++)
            s += At[i * N + j] * b[j];
        s *= wi;
        for (int j = 0; j < N; j++)
            x[j] = x[j] + s * Vt[i * N + j];
    }
}

/* CvLevMarq::step with every parameter free. */
static void lm_step(const double JtJ[36], const double JtErr[6], const double prev[6],
                    int lambda_lg10, double param[6])
{
    const double LOG10 = log(10.);
    const double lambda = exp(lambda_lg10 * LOG10);
    double A[36], d[6];

    memcpy(A, JtJ, sizeof(A));
    for (int i = 0; i < 6; i++)
        A[i * 7] *= 1. + lambda;
    solve6_svd(A, JtErr, d);
    for (int i = 0; i < 6; i++)
        param[i] = prev[i] - d[i];
}

int fau_pnp_refine(const double *obj, const double *img, int n, double fx, double fy, double cx,
                   double cy, double param[6])
{
    if (n < 4 || n > FAU_PNP_MAX_POINTS)
        return -1;

    const int nerr = 2 * n;
    const int max_iter = 20;
    const double epsilon = FLT_EPSILON;
    double J[2 * FAU_PNP_MAX_POINTS * 6], err[2 * FAU_PNP_MAX_POINTS];
    double JtJ[36], JtErr[6], prev[6];
    double err_norm, prev_err_norm = DBL_MAX;
    int lambda_lg10 = -3, iters = 0;

    /* CvLevMarq states STARTED -> CALC_J -> CHECK_ERR ... -> DONE, unrolled
     * into a loop: every pass begins in CALC_J with J and err at param. */
    project(obj, n, param, fx, fy, cx, cy, err, J);
    for (int i = 0; i < nerr; i++)
        err[i] -= img[i];

    for (;;) {
        /* CALC_J: normal equations, step from param. One pass over the rows
         * updates all 21 + 6 accumulators; each is still summed in row
         * order, so the values are those of the per-entry loops. */
        double acc[21] = { 0 }, acce[6] = { 0 };
        for (int k = 0; k < nerr; k++) {
            const double *jk = J + (size_t)k * 6;
            int a = 0;
            for (int i = 0; i < 6; i++)
                for (int j = i; j < 6; j++)
                    acc[a++] += jk[i] * jk[j];
            for (int i = 0; i < 6; i++)
                acce[i] = mac_fma(jk[i], err[k], acce[i]);
        }
        for (int i = 0, a = 0; i < 6; i++)
            for (int j = i; j < 6; j++, a++) {
                JtJ[i * 6 + j] = acc[a];
                JtJ[j * 6 + i] = acc[a];
            }
        memcpy(JtErr, acce, sizeof(JtErr));
        memcpy(prev, param, sizeof(prev));
        lm_step(JtJ, JtErr, prev, lambda_lg10, param);
        if (iters == 0)
            prev_err_norm = norm_l2(err, NULL, nerr);

        /* CHECK_ERR, raising lambda while the error grows. */
        for (;;) {
            project(obj, n, param, fx, fy, cx, cy, err, NULL);
            for (int i = 0; i < nerr; i++)
                err[i] -= img[i];
            err_norm = norm_l2(err, NULL, nerr);
            if (err_norm > prev_err_norm && ++lambda_lg10 <= 16) {
                lm_step(JtJ, JtErr, prev, lambda_lg10, param);
                continue;
            }
            break;
        }

        lambda_lg10 = lambda_lg10 - 1 > -16 ? lambda_lg10 - 1 : -16;
        const double rel = norm_l2(param, prev, 6) / (norm_l2(prev, NULL, 6) + DBL_EPSILON);
        if (++iters >= max_iter || rel < epsilon)
            break;

        prev_err_norm = err_norm;
        project(obj, n, param, fx, fy, cx, cy, err, J);
        for (int i = 0; i < nerr; i++)
            err[i] -= img[i];
    }
    return iters;
}
