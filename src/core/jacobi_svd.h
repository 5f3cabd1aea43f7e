/* OpenCV 4.6's JacobiSVDImpl_<double> (core/src/lapack.cpp) for a square
 * n x n matrix, as cv::SVD::compute, cv::solve(DECOMP_SVD) and cv::Rodrigues
 * run it: one-sided Jacobi rotations of the rows of A^T (eps 10*DBL_EPSILON,
 * at most max(n, 30) sweeps, OpenCV's own hypot), singular values sorted in
 * decreasing order, left vectors normalised (a zero singular value leaves its
 * row at zero instead of OpenCV's random completion: callers never use it).
 * Bit-exact with OpenCV, which pose (solvePnP) and PDM (Rodrigues) need. */
#ifndef FAU_CORE_JACOBI_SVD_H
#define FAU_CORE_JACOBI_SVD_H

#define FAU_JACOBI_MAX_N 8

/* A: n x n row-major. Outputs: w (n), ut (n x n, rows = left singular
 * vectors, i.e. U^T), vt (n x n, rows = right singular vectors). */
void fau_jacobi_svd_f64(const double *A, int n, double *w, double *ut, double *vt);

#endif
