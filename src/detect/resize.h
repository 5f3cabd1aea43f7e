/* cv::resize(src, dst, Size(dw, dh)) with the default INTER_LINEAR on a
 * CV_32FC3 image, reproduced for OpenCV 4.6.0 (imgproc/src/resize.cpp):
 * float coefficients from (d + 0.5) * (1 / (dsize/ssize)) - 0.5, a
 * horizontal pass then a vertical blend, each as two float products and a
 * float add (no FMA), the vertical blend always reading rows clamped into
 * the image; an exact 2x downscale switches to INTER_AREA's fast path (the
 * mean of 2x2 pixels), and an equal size is a copy.
 *
 * The source is a view of an 8-bit BGR image converted to float on the fly
 * (exact, as convertTo(CV_32FC3) is), optionally a window that extends past
 * the image where the pixels read as 0: the zero-padded crop
 * FaceDetectorMTCNN::DetectFaces builds before RNet and ONet. */
#ifndef FAU_DETECT_RESIZE_H
#define FAU_DETECT_RESIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct fau_resize_src {
    const uint8_t *bgr; /* image rows, stride bytes apart, 3 bytes a pixel */
    size_t stride;
    int img_w, img_h;
    int ox, oy; /* window origin in the image (may be negative) */
    int w, h;   /* window size = the size of the image cv::resize sees */
} fau_resize_src;

/* Scratch, in floats, that fau_resize_bgr needs for a window of width w
 * resized to width dw. */
size_t fau_resize_scratch_floats(int w, int dw);

/* Writes dw*dh*3 interleaved floats (BGR order kept) to dst. scratch holds
 * fau_resize_scratch_floats(src->w, dw) floats, 64-byte aligned. */
void fau_resize_bgr(const fau_resize_src *src, int dw, int dh, float *dst, float *scratch);

#endif
