/* Image kernels for sse41: the mask body of image_tmpl.h compiled for
 * target("sse4.1") (compiler-vectorised, same IEEE operations as the C
 * reference: bit-identical, tests/test_kernels.c). */
#if defined(__x86_64__) || defined(__i386__)
#include "kernels/image_tmpl.h"

__attribute__((target("sse4.1"))) void fau_k_mask_tri_sse41(uint8_t *mask, int w, int x0, int x1,
                                                       int y0, int y1, const float px[3],
                                                       const float py[3], const float dqx[3],
                                                       const float dqy[3], const float yref[3]);

__attribute__((target("sse4.1"))) void fau_k_mask_tri_sse41(uint8_t *mask, int w, int x0, int x1,
                                                       int y0, int y1, const float px[3],
                                                       const float py[3], const float dqx[3],
                                                       const float dqy[3], const float yref[3])
{
    mask_tri_body(mask, w, x0, x1, y0, y1, px, py, dqx, dqy, yref);
}
#endif
