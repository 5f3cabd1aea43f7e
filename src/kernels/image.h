/* Image kernels of the face alignment (align/align.c): OpenCV 4.6's
 * fixed-point bilinear warpAffine row for 3-channel 8-bit images, and PAW's
 * triangle pixel mask. */
#ifndef FAU_KERNELS_IMAGE_H
#define FAU_KERNELS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* One destination row of cv::warpAffine(INTER_LINEAR, BORDER_CONSTANT 0) on
 * a BGR image: pixel x samples the source at fixed-point
 * X = (X0 + adelta[x]) >> 5, Y = (Y0 + bdelta[x]) >> 5 (1/32 pixel units,
 * as remapBilinear gets them from warpAffine's 10-bit offsets), blending
 * with OpenCV's 15-bit BilinearTab_i weights. out gets n * 3 bytes. */
/* OpenCV's BilinearTab_i weights for sub-pixel offsets (ax, ay) in 1/32
 * pixel: products of 1/32 steps are exact multiples of 32; the (0,0) entry
 * saturates to 32767 and initInterTab2D's sum fix-up puts the missing 1 on
 * the (1,1) weight. */
static inline void fau_bilinear_tab_weights(int ax, int ay, int w[4])
{
    if (ax == 0 && ay == 0) {
        w[0] = 32767, w[1] = 0, w[2] = 0, w[3] = 1;
    } else {
        w[0] = (32 - ay) * (32 - ax) * 32;
        w[1] = (32 - ay) * ax * 32;
        w[2] = ay * (32 - ax) * 32;
        w[3] = ay * ax * 32;
    }
}

typedef void (*fau_k_warp_row_c3_fn)(const uint8_t *src, int sw, int sh, size_t sstride,
                                     const int32_t *adelta, const int32_t *bdelta, int X0, int Y0,
                                     uint8_t *out, int n);

/* PAW pixel_mask over one triangle's clipped bounding box
 * [x0, x1] x [y0, y1]: mask[y*w + x] |= pointInTriangle, with the three
 * sameSide tests in the form align.c derives (row-constant terms hoisted):
 * s_q = dqx[q] * (y - py[q]) - (x - px[q]) * dqy[q], inside when every
 * s_q * yref[q] >= 0. */
typedef void (*fau_k_mask_tri_fn)(uint8_t *mask, int w, int x0, int x1, int y0, int y1,
                                  const float px[3], const float py[3], const float dqx[3],
                                  const float dqy[3], const float yref[3]);

typedef struct fau_image_kernels {
    fau_k_warp_row_c3_fn warp_row_c3;
    fau_k_mask_tri_fn mask_tri;
} fau_image_kernels;

void fau_k_warp_row_c3_c(const uint8_t *src, int sw, int sh, size_t sstride,
                         const int32_t *adelta, const int32_t *bdelta, int X0, int Y0,
                         uint8_t *out, int n);
void fau_k_mask_tri_c(uint8_t *mask, int w, int x0, int x1, int y0, int y1, const float px[3],
                      const float py[3], const float dqx[3], const float dqy[3],
                      const float yref[3]);
void fau_image_init_x86(fau_image_kernels *k, int level);

#endif
