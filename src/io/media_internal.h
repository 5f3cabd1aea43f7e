/* Internal plumbing shared by the media readers (not part of the public API):
 * the reader vtable behind fau_media, frame-buffer reuse, BGR->gray and
 * rotation helpers, and the still-image decoders. */
#ifndef FAU_IO_MEDIA_INTERNAL_H
#define FAU_IO_MEDIA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "io/media.h"

/* Hard cap on frames read from one input, so that no loop over a damaged
 * or endless stream can run forever (10 hours at 60 fps). */
#define FAU_MEDIA_MAX_FRAMES 2160000

/* A reader: next() fills f with the next frame (1), reports the end (0) or
 * an error (< 0, message names the file); close() frees the state. */
typedef struct fau_media_reader {
    void *state;
    int (*next)(void *state, fau_frame *f, fau_error *e);
    const char *(*current_path)(const void *state);
    void (*close)(void *state);
} fau_media_reader;

/* Grows f's buffers for a width x height frame (no allocation when they are
 * already large enough) and sets size and strides. Rows are 64-byte aligned. */
int fau_frame_reserve(fau_frame *f, int width, int height, fau_error *e, const char *path);

/* Fills f->gray from f->bgr as cv::cvtColor(COLOR_BGR2GRAY) does for 8-bit
 * data: fixed point with 15 fractional bits (B 3735, G 19235, R 9798) and
 * round-half-up. */
void fau_frame_bgr_to_gray(fau_frame *f);

/* Rotates a packed BGR image clockwise by 90, 180 or 270 degrees into dst
 * (cv::rotate); dst must not alias src. */
void fau_bgr_rotate(const uint8_t *src, size_t src_stride, int w, int h, int degrees,
                    uint8_t *dst, size_t dst_stride);

/* Checks decoded-image dimensions against FAU_MIN_IMAGE_SIDE,
 * FAU_MAX_IMAGE_SIDE and FAU_MAX_IMAGE_PIXELS before any pixel allocation. */
int fau_check_image_size(const char *path, long long width, long long height, fau_error *e);

/* Still images: decode a whole file held in memory into f (BGR + gray).
 * Each reproduces cv::imread(path, IMREAD_COLOR) of OpenCV 4.6. */
int fau_image_decode_jpeg(const char *path, const uint8_t *data, size_t len, fau_frame *f,
                          fau_error *e);
int fau_image_decode_png(const char *path, const uint8_t *data, size_t len, fau_frame *f,
                         fau_error *e);
int fau_image_decode_bmp(const char *path, const uint8_t *data, size_t len, fau_frame *f,
                         fau_error *e);

typedef enum fau_image_type {
    FAU_IMAGE_UNKNOWN = 0,
    FAU_IMAGE_JPEG,
    FAU_IMAGE_PNG,
    FAU_IMAGE_BMP
} fau_image_type;

/* Image type from the leading bytes (as imread picks its decoder by
 * signature, not by extension). */
fau_image_type fau_image_sniff(const uint8_t *data, size_t len);

/* Reads a whole regular file (bounded by FAU_MEDIA_MAX_FILE_BYTES). */
#define FAU_MEDIA_MAX_FILE_BYTES ((size_t)1 << 30)
int fau_read_whole_file(const char *path, uint8_t **data, size_t *len, fau_error *e);

/* Readers behind fau_media_open. Each validates its headers before
 * allocating pixel buffers and fills info. */
int fau_sequence_open(fau_media_reader *r, fau_media_info *info, const char *dir,
                      fau_error *e);
int fau_y4m_open(fau_media_reader *r, fau_media_info *info, const char *path, fau_error *e);
#ifdef FAU_HAVE_FFMPEG
int fau_video_ffmpeg_open(fau_media_reader *r, fau_media_info *info, const char *path,
                          const fau_media_open_opts *opts, fau_error *e);
/* Test hook: planes of the last decoded (unconverted) frame, for writing a
 * .y4m copy of a decoded clip. Returns the AVPixelFormat, or -1. */
int fau_video_ffmpeg_last_yuv(void *state, const uint8_t *planes[3], int strides[3], int *w,
                              int *h);
#endif

/* YUV -> BGR exactly as libswscale 6.7 (FFmpeg 5.1) converts for
 * OpenCV's sws_scale(..., AV_PIX_FMT_BGR24, SWS_BICUBIC) on the formats
 * a y4m file can hold; see yuv2bgr.c for which swscale path each follows. */
typedef enum fau_yuv_layout {
    FAU_YUV420 = 0,
    FAU_YUV444 = 1,
    FAU_YUV_MONO = 2
} fau_yuv_layout;

void fau_yuv_to_bgr(fau_yuv_layout layout, int full_range, const uint8_t *y, size_t ys,
                    const uint8_t *u, size_t us, const uint8_t *v, size_t vs, int w, int h,
                    uint8_t *bgr, size_t bgr_stride);

#endif
