/* C reference image kernels (bodies in image_tmpl.h). */
#include "kernels/image_tmpl.h"

void fau_k_warp_row_c3_c(const uint8_t *src, int sw, int sh, size_t sstride,
                         const int32_t *adelta, const int32_t *bdelta, int X0, int Y0,
                         uint8_t *out, int n)
{
    warp_row_c3_body(src, sw, sh, sstride, adelta, bdelta, X0, Y0, out, 0, n);
}

void fau_k_mask_tri_c(uint8_t *mask, int w, int x0, int x1, int y0, int y1, const float px[3],
                      const float py[3], const float dqx[3], const float dqy[3],
                      const float yref[3])
{
    mask_tri_body(mask, w, x0, x1, y0, y1, px, py, dqx, dqy, yref);
}
