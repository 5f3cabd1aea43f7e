/* Media input: videos (FFmpeg), image sequences (a directory, in OpenFace's
 * order: plain byte-wise sort of the file names, not a natural sort),
 * single images (JPEG/PNG/BMP via libjpeg-turbo/libpng/own BMP reader) and
 * .y4m (own reader, works without FFmpeg).
 * Frames come out as 8-bit BGR plus 8-bit gray in buffers owned by the
 * fau_frame and reused from frame to frame (no allocation once the size is
 * known). Timestamps follow OpenFace's SequenceCapture: frame index * (1 / fps)
 * (fps as OpenCV 4.6 reports CAP_PROP_FPS: the stream's average frame rate,
 * else 1 / time base; 30 if that is not positive) for video, 0 for image
 * sequences and images. Pixels are byte-identical with what OpenCV 4.6 gives
 * OpenFace (VideoCapture::read / imread(IMREAD_COLOR), cvtColor(BGR2GRAY)).
 *
 * Errors: every function returns a negative fau_status and sets e (if not
 * NULL) to one line naming the path (in double quotes, as given) and the
 * problem. A fau_media is used by one thread at a time; separate objects are
 * independent. */
#ifndef FAU_IO_MEDIA_H
#define FAU_IO_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Smallest image side accepted: anything smaller cannot hold a face and is
 * refused before detection. */
#define FAU_MIN_IMAGE_SIDE 16

typedef struct fau_frame {
    int width, height;
    uint8_t *bgr;          /* width*3 bytes per row, bgr_stride apart */
    size_t bgr_stride;
    uint8_t *gray;         /* width bytes per row, gray_stride apart */
    size_t gray_stride;
    int64_t index;         /* 0-based number of the frame among those returned */
    double timestamp;      /* seconds, as OpenFace writes it */
    size_t bgr_cap, gray_cap; /* allocated bytes, for reuse */
} fau_frame;

typedef enum fau_media_kind {
    FAU_MEDIA_VIDEO = 0,
    FAU_MEDIA_SEQUENCE = 1, /* directory of images, -fdir */
    FAU_MEDIA_IMAGE = 2     /* one still image */
} fau_media_kind;

typedef struct fau_media_info {
    fau_media_kind kind;
    int width, height;     /* of the first frame, after rotation */
    double fps;            /* frame rate OpenFace would use (30 if unknown; 0 for images
                              and image sequences) */
    int64_t frame_count;   /* from the container (OpenCV's CAP_PROP_FRAME_COUNT) or
                              directory; -1 if unknown */
    int rotation;          /* degrees clockwise applied from the display matrix, as
                              OpenCV 4.6 applies it: 0, 90, 180, 270 */
    char codec[32];        /* decoder name, "jpeg", "png", "y4m", ... */
} fau_media_info;

typedef struct fau_media fau_media;

typedef struct fau_media_open_opts {
    int allow_decode_errors; /* 0 (default): a frame that fails to decode is fatal;
                                1: such frames are skipped (not returned, not counted) */
    int threads;             /* decoder threads; 0 = FFmpeg's default (all cores, at
                                most 16); the output does not depend on it */
} fau_media_open_opts;

/* Opens a video file, an image file or a directory of images. Validates
 * headers (size caps, zero sizes, no video stream, ...) before allocating
 * pixel buffers. opts may be NULL. */
int fau_media_open(fau_media **m, const char *path, const fau_media_open_opts *opts,
                   fau_error *e);

const fau_media_info *fau_media_get_info(const fau_media *m);

/* Decodes the next frame into f (buffers reused: no allocation once f has
 * held a frame of that size; f must be zeroed before its first use and freed
 * with fau_frame_free). Returns 1 for a frame, 0 at the end, a negative
 * fau_status on error (message names the file). By default a frame that
 * fails to decode is an error (FAU_EDECODE), never silently skipped; after
 * an error every later call fails too. */
int fau_media_next(fau_media *m, fau_frame *f, fau_error *e);

/* Path of the image the last frame came from (sequences and images), or the
 * video path. Owned by m. */
const char *fau_media_current_path(const fau_media *m);

/* Closes m and sets *m to NULL; accepts NULL and *m == NULL. */
void fau_media_close(fau_media **m);

/* Loads one still image into f (BGR + gray), as cv::imread(IMREAD_COLOR)
 * followed by cvtColor(BGR2GRAY) would: the decoder is picked by the file's
 * signature (JPEG, PNG, BMP), EXIF orientation of JPEGs is applied. */
int fau_image_load(const char *path, fau_frame *f, fau_error *e);

/* Frees f's buffers and zeroes it; accepts NULL and a zeroed frame. */
void fau_frame_free(fau_frame *f);

/* 1 if this build reads video files through FFmpeg, 0 if not (then only
 * images, image directories and .y4m can be opened). */
int fau_media_have_ffmpeg(void);

/* Silences FFmpeg's own log output (av_log_set_level(AV_LOG_QUIET)). This
 * is a process-wide FFmpeg setting, so the library never calls it by
 * itself; the faceau command calls it once at start, since every problem is
 * reported through fau_error anyway. No-op without FFmpeg. */
void fau_media_quiet_backend_logs(void);

#endif
