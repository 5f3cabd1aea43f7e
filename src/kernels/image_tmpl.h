/* Bodies shared by the C reference image kernels (image_c.c) and the x86
 * variants, which compile them under their own target attribute. */
#ifndef FAU_KERNELS_IMAGE_TMPL_H
#define FAU_KERNELS_IMAGE_TMPL_H

#include "kernels/image.h"

#define FAU_INLINE static inline __attribute__((always_inline))

/* One pixel of OpenCV's remapBilinear (8-bit, 3 channels, constant border
 * 0) at fixed-point source position (X, Y) in 1/32 pixel. */
FAU_INLINE void warp_px_c3(const uint8_t *src, int sw, int sh, size_t sstride, int X, int Y,
                           uint8_t *out)
{
    enum { TAB = 32, COEF_BITS = 15 };
    const int sx = X >> 5, sy = Y >> 5, ax = X & (TAB - 1), ay = Y & (TAB - 1);
    int wt[4];
    fau_bilinear_tab_weights(ax, ay, wt);
    const int w0 = wt[0], w1 = wt[1], w2 = wt[2], w3 = wt[3];
    const int r = 1 << (COEF_BITS - 1);
    if ((unsigned)sx < (unsigned)(sw - 1) && (unsigned)sy < (unsigned)(sh - 1)) {
        /* all four neighbours inside (OpenCV's fast path; same sums) */
        const uint8_t *p0 = src + (size_t)sy * sstride + (size_t)sx * 3, *p1 = p0 + sstride;
        for (int k = 0; k < 3; k++) {
            const int v = (p0[k] * w0 + p0[k + 3] * w1 + p1[k] * w2 + p1[k + 3] * w3 + r) >>
                          COEF_BITS;
            out[k] = (uint8_t)(v > 255 ? 255 : v);
        }
        return;
    }
    if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
        out[0] = out[1] = out[2] = 0;
        return;
    }
    /* partly outside: missing neighbours read as the border value 0 */
    const int in_x0 = sx >= 0 && sx < sw, in_x1 = sx + 1 >= 0 && sx + 1 < sw;
    const int in_y0 = sy >= 0 && sy < sh, in_y1 = sy + 1 >= 0 && sy + 1 < sh;
    for (int k = 0; k < 3; k++) {
#define PIX(yy, xx) src[(size_t)(yy) * sstride + (size_t)(xx) * 3 + k]
        const int v0 = (in_x0 && in_y0) ? PIX(sy, sx) : 0;
        const int v1 = (in_x1 && in_y0) ? PIX(sy, sx + 1) : 0;
        const int v2 = (in_x0 && in_y1) ? PIX(sy + 1, sx) : 0;
        const int v3 = (in_x1 && in_y1) ? PIX(sy + 1, sx + 1) : 0;
#undef PIX
        const int v = (v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3 + r) >> COEF_BITS;
        out[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

FAU_INLINE void warp_row_c3_body(const uint8_t *src, int sw, int sh, size_t sstride,
                                 const int32_t *adelta, const int32_t *bdelta, int X0, int Y0,
                                 uint8_t *out, int x, int n)
{
    for (; x < n; x++)
        warp_px_c3(src, sw, sh, sstride, (X0 + adelta[x]) >> 5, (Y0 + bdelta[x]) >> 5,
                   out + 3 * x);
}

/* PAW::findTriangle / pointInTriangle as a union over triangle boxes (see
 * align.c); written so the loop over x vectorises with the same float
 * operations. */
FAU_INLINE void mask_tri_body(uint8_t *mask, int w, int x0, int x1, int y0, int y1,
                              const float px[3], const float py[3], const float dqx[3],
                              const float dqy[3], const float yref[3])
{
    const float px0 = px[0], px1 = px[1], px2 = px[2];
    const float dy0 = dqy[0], dy1 = dqy[1], dy2 = dqy[2];
    const float r0 = yref[0], r1 = yref[1], r2 = yref[2];
    for (int y = y0; y <= y1; y++) {
        uint8_t *restrict mr = mask + (size_t)y * w;
        const float yf = (float)y;
        const float a0 = dqx[0] * (yf - py[0]), a1 = dqx[1] * (yf - py[1]),
                    a2 = dqx[2] * (yf - py[2]);
        for (int x = x0; x <= x1; x++) {
            const float xf = (float)x;
            const float s0 = a0 - (xf - px0) * dy0;
            const float s1 = a1 - (xf - px1) * dy1;
            const float s2 = a2 - (xf - px2) * dy2;
            const int in = (s0 * r0 >= 0) & (s1 * r1 >= 0) & (s2 * r2 >= 0);
            mr[x] = (uint8_t)(mr[x] | in);
        }
    }
}

#endif
