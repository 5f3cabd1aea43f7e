/* BMP files as OpenCV 4.6's imwrite writes them (BmpEncoder): 14-byte file
 * header, 40-byte BITMAPINFOHEADER with zero resolution and colour counts,
 * bottom-up rows padded to 4 bytes; 24-bit for 3-channel BGR images, 8-bit
 * with a 256-entry grey palette for 1-channel images. Used for OpenFace's
 * aligned faces (<name>_aligned/frame_det_00_NNNNNN.bmp). Written to a
 * temporary file and renamed on completion. */
#ifndef FAU_OUTPUT_BMP_H
#define FAU_OUTPUT_BMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Bytes of the encoded file. */
size_t fau_bmp_size(int w, int h, int channels);
/* Encodes into buf (fau_bmp_size bytes). channels: 1 or 3. */
void fau_bmp_encode(const uint8_t *img, int w, int h, size_t stride, int channels, uint8_t *buf);
/* Encodes and writes path (via path + ".tmp" and rename). */
int fau_bmp_write(const char *path, const uint8_t *img, int w, int h, size_t stride,
                  int channels, fau_error *e);

#endif
