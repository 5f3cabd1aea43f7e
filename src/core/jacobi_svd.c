#include "core/jacobi_svd.h"

#include <float.h>
#include <math.h>

/* The hypot template of core/src/lapack.cpp (not the C library's). */
static double cv_hypot(double a, double b)
{
    a = fabs(a);
    b = fabs(b);
    if (a > b) {
        b /= a;
        return a * sqrt(1 + b * b);
    }
    if (b > 0) {
        a /= b;
        return b * sqrt(1 + a * a);
    }
    return 0;
}

void fau_jacobi_svd_f64(const double *A, int n, double *W, double *At, double *Vt)
{
    const double eps = DBL_EPSILON * 10, minval = DBL_MIN;
    const int max_iter = n > 30 ? n : 30;

    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++)
            At[i * n + k] = A[k * n + i];
    for (int i = 0; i < n; i++) {
        double sd = 0;
        for (int k = 0; k < n; k++) {
            const double t = At[i * n + k];
            sd += t * t;
        }
        W[i] = sd;
        for (int k = 0; k < n; k++)
            Vt[i * n + k] = 0;
        Vt[i * n + i] = 1;
    }
    for (int iter = 0; iter < max_iter; iter++) {
        int changed = 0;
        for (int i = 0; i < n - 1; i++)
            for (int j = i + 1; j < n; j++) {
                double *Ai = At + i * n, *Aj = At + j * n;
                double a = W[i], p = 0, b = W[j];
                for (int k = 0; k < n; k++)
                    p += Ai[k] * Aj[k];
                if (fabs(p) <= eps * sqrt(a * b))
                    continue;
                p *= 2;
                const double beta = a - b, gamma = cv_hypot(p, beta);
                double c, s;
                if (beta < 0) {
                    const double delta = (gamma - beta) * 0.5;
                    s = sqrt(delta / gamma);
                    c = p / (gamma * s * 2);
                } else {
                    c = sqrt((gamma + beta) / (gamma * 2));
                    s = p / (gamma * c * 2);
                }
                a = b = 0;
                for (int k = 0; k < n; k++) {
                    const double t0 = c * Ai[k] + s * Aj[k];
                    const double t1 = -s * Ai[k] + c * Aj[k];
                    Ai[k] = t0;
                    Aj[k] = t1;
                    a += t0 * t0;
                    b += t1 * t1;
                }
                W[i] = a;
                W[j] = b;
                changed = 1;
                /* VBLAS<double>::givens pairs elements with SSE2: the same
                 * per-element operations as this loop. */
                double *Vi = Vt + i * n, *Vj = Vt + j * n;
                for (int k = 0; k < n; k++) {
                    const double t0 = c * Vi[k] + s * Vj[k];
                    const double t1 = -s * Vi[k] + c * Vj[k];
                    Vi[k] = t0;
                    Vj[k] = t1;
                }
            }
        if (!changed)
            break;
    }
    for (int i = 0; i < n; i++) {
        double sd = 0;
        for (int k = 0; k < n; k++) {
            const double t = At[i * n + k];
            sd += t * t;
        }
        W[i] = sqrt(sd);
    }
    for (int i = 0; i < n - 1; i++) {
        int j = i;
        for (int k = i + 1; k < n; k++)
            if (W[j] < W[k])
                j = k;
        if (i != j) {
            double t = W[i];
            W[i] = W[j];
            W[j] = t;
            for (int k = 0; k < n; k++) {
                t = At[i * n + k];
                At[i * n + k] = At[j * n + k];
                At[j * n + k] = t;
                t = Vt[i * n + k];
                Vt[i * n + k] = Vt[j * n + k];
                Vt[j * n + k] = t;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        const double s = W[i] > minval ? 1 / W[i] : 0.;
        for (int k = 0; k < n; k++)
            At[i * n + k] *= s;
    }
}
