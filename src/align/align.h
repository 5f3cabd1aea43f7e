/* Similarity alignment of the face (FaceAnalysis::AlignFace / AlignFaceMask
 * in Face_utils.cpp) and the OpenCV 4.6 warpAffine it relies on.
 *
 * The warp is bit-exact with cv::warpAffine(INTER_LINEAR, BORDER_CONSTANT 0)
 * on 8-bit images: OpenCV snaps source positions to 1/32 pixel
 * (INTER_BITS = 5) through 10-bit fixed-point row/column offsets and blends
 * with 15-bit integer weights (INTER_REMAP_COEF_BITS). */
#ifndef FAU_ALIGN_ALIGN_H
#define FAU_ALIGN_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

/* Utilities::AlignShapesWithScale: the 2x2 scaled rotation A (row-major,
 * float as OpenFace's cv::Matx22f) that best maps the n points src onto
 * dst (both n x 2 row-major x, y pairs). src_tmp, dst_tmp, sq_tmp: 2n
 * floats of scratch each. */
void fau_align_shapes_with_scale(const float *src, const float *dst, int n, float *src_tmp,
                                 float *dst_tmp, float *sq_tmp, float A[4]);

/* The 2x3 similarity (row-major, float as OpenFace's cv::Matx23f) that maps
 * the image to an out_w x out_h face at sim_scale: AlignShapesWithScale on
 * the 24 rigid points (extract_rigid_points) of landmarks (x0..x67,
 * y0..y67) against mean_shape * sim_scale (mean_shape: the PDM's 3D mean,
 * x then y then z, 68 points), then the translation from params_global
 * tx, ty. */
void fau_align_similarity(const float *landmarks, const float *mean_shape, float tx, float ty,
                          double sim_scale, int out_w, int out_h, float warp[6]);

/* cv::warpAffine(src, dst, warp, Size(dw, dh), INTER_LINEAR) for 8-bit
 * images with cn interleaved channels (1..4), constant border 0. cn = 3
 * rows run through k->image.warp_row_c3. */
void fau_warp_affine_u8(const fau_kernels *k, const uint8_t *src, int sw, int sh, size_t sstride, int cn,
                        const float warp[6], uint8_t *dst, int dw, int dh, size_t dstride);

/* Most triangles fau_face_mask handles (tris_68_full.txt has 111). */
#define FAU_FACE_MASK_MAX_TRIS 512

/* The face mask of AlignFaceMask: the landmarks mapped by warp, the brow
 * and jaw-corner points lifted by 30 px at scale 0.7 (scaled with
 * sim_scale), then PAW's pixel_mask over the triangulation (n_tris x 3
 * indices): mask[y*w + x] = 1 inside any triangle, else 0. Each
 * triangle's box runs through k->image.mask_tri. */
void fau_face_mask(const fau_kernels *k, const float *landmarks, const float warp[6], double sim_scale, const int *tris,
                   int n_tris, uint8_t *mask, int w, int h);

/* Zeroes the pixels of an interleaved 8-bit image where mask is 0
 * (cv::multiply by the 0/1 mask per channel). */
void fau_apply_mask_u8(uint8_t *img, int w, int h, size_t stride, int cn, const uint8_t *mask);

/* cv::cvtColor(BGR2GRAY) for 8-bit: fixed-point weights 4899, 9617, 1868
 * (R, G, B) with 14-bit rounding. */
void fau_bgr_to_gray_u8(const uint8_t *bgr, int w, int h, size_t sstride, uint8_t *gray,
                        size_t gstride);

#endif
