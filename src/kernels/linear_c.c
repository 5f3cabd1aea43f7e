/* C reference of the linear-model kernels (see linear.h). */
#include "kernels/linear.h"

void fau_k_matvec_f64_c(const double *W, size_t ld, size_t n, const double *x, double *y)
{
    for (size_t k = 0; k < ld; k++)
        y[k] = 0;
    for (size_t i = 0; i < n; i++) {
        const double xi = x[i];
        const double *w = W + i * ld;
        for (size_t k = 0; k < ld; k++)
            y[k] += xi * w[k];
    }
}
