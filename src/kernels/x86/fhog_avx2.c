/* FHOG kernel for avx2: the fhog_tmpl.h body compiled for target("avx2"),
 * vectorised by the compiler with the same IEEE operations as the C
 * reference (bit-identical; tests/test_kernels.c). */
#if defined(__x86_64__) || defined(__i386__)
#include "kernels/x86/fhog_grad_avx2.h"
#include "kernels/fhog_tmpl.h"

__attribute__((target("avx2"))) int fau_k_fhog_avx2(const uint8_t *img, int w, int h,
                                                  size_t stride, int cn, int cell, float *out,
                                                  void *workspace);

__attribute__((target("avx2"))) int fau_k_fhog_avx2(const uint8_t *img, int w, int h,
                                                  size_t stride, int cn, int cell, float *out,
                                                  void *workspace)
{
    return fhog_compute_body(img, w, h, stride, cn, cell, out, workspace);
}
#endif
