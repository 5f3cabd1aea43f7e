/* LAPACK's sposv from the system OpenBLAS, loaded at run time with its
 * Haswell kernels: the library and core OpenFace 2.2's reference build ran
 * (Debian 12 OpenBLAS 0.3.21; the same kernels serve AMD Zen). OpenFace
 * hands cv::invert(DECOMP_CHOLESKY) of matrices with 100 rows or more to
 * it (the 121x121 CCNF Sigma of the 11x11 search window); its blocked
 * Cholesky order is not reproduced by hand, so the library does it.
 *
 * OpenBLAS reads its core type and thread count when it loads, so it is
 * opened with dlopen once, with OPENBLAS_CORETYPE=Haswell and
 * OPENBLAS_NUM_THREADS=1 set only for the load (the previous environment is
 * restored). When the library is missing, already loaded with another core,
 * or the CPU cannot run the Haswell kernels, the functions report it and
 * callers fall back to their own (not bit-exact) arithmetic. Thread-safe. */
#ifndef FAU_CORE_OPENBLAS_LAPACK_H
#define FAU_CORE_OPENBLAS_LAPACK_H

/* 1 when sposv runs on OpenBLAS's Haswell core (loads it on first call). */
int fau_openblas_available(void);

/* sposv_("L", n, nrhs, a, lda, b, ldb), column-major. Returns 1 when run
 * (*info receives LAPACK's info), 0 when OpenBLAS is not available. */
int fau_openblas_sposv(int n, int nrhs, float *a, int lda, float *b, int ldb, int *info);

#endif
