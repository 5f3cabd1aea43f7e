/* Media input front end: picks a reader for a path (directory -> image
 * sequence, image signature -> still image, YUV4MPEG2 -> y4m, anything else
 * -> FFmpeg), and holds the helpers every reader shares (frame-buffer reuse,
 * BGR->gray as OpenCV does it, rotation). */
#include "io/media_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

struct fau_media {
    fau_media_info info;
    fau_media_reader reader;
    char *path;
    int64_t frames_read;
    int failed; /* a reader error is sticky: later calls repeat it */
    int failed_code;
};

/* ---------------------------------------------------------------- frames */

int fau_frame_reserve(fau_frame *f, int width, int height, fau_error *e, const char *path)
{
    if (width <= 0 || height <= 0)
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": image size %dx%d is not positive", path,
                             width, height);
    size_t bgr_row, gray_row, bgr_size, gray_size;
    if (fau_mul_size((size_t)width, 3, &bgr_row) ||
        fau_add_size(bgr_row, FAU_ALIGN - 1, &bgr_row) ||
        fau_add_size((size_t)width, FAU_ALIGN - 1, &gray_row))
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": frame width %d overflows", path, width);
    bgr_row &= ~(size_t)(FAU_ALIGN - 1);
    gray_row &= ~(size_t)(FAU_ALIGN - 1);
    if (fau_mul_size(bgr_row, (size_t)height, &bgr_size) ||
        fau_mul_size(gray_row, (size_t)height, &gray_size))
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": frame size %dx%d overflows", path, width,
                             height);
    if (f->bgr_cap < bgr_size || !f->bgr) {
        uint8_t *p = fau_aligned_alloc(bgr_size);
        if (!p)
            return fau_error_set(e, FAU_ENOMEM, "\"%s\": cannot allocate a %dx%d BGR frame",
                                 path, width, height);
        fau_aligned_free(f->bgr);
        f->bgr = p;
        f->bgr_cap = bgr_size;
    }
    if (f->gray_cap < gray_size || !f->gray) {
        uint8_t *p = fau_aligned_alloc(gray_size);
        if (!p)
            return fau_error_set(e, FAU_ENOMEM, "\"%s\": cannot allocate a %dx%d gray frame",
                                 path, width, height);
        fau_aligned_free(f->gray);
        f->gray = p;
        f->gray_cap = gray_size;
    }
    f->width = width;
    f->height = height;
    f->bgr_stride = bgr_row;
    f->gray_stride = gray_row;
    return FAU_OK;
}

void fau_frame_free(fau_frame *f)
{
    if (!f)
        return;
    fau_aligned_free(f->bgr);
    fau_aligned_free(f->gray);
    memset(f, 0, sizeof *f);
}

/* cv::cvtColor(COLOR_BGR2GRAY), 8-bit: OpenCV 4.6's RGB2Gray<uchar>
 * (imgproc/src/color_rgb.simd.hpp) uses the 15-bit coefficients BY15 3735,
 * GY15 19235, RY15 9798 (not the 14-bit yuv_shift ones) and adds 2^14
 * before the shift; its SIMD paths are bit-exact with that formula.
 * Checked against python3-opencv 4.6 on every frame of the shared media. */
void fau_frame_bgr_to_gray(fau_frame *f)
{
    enum { B2Y = 3735, G2Y = 19235, R2Y = 9798, SHIFT = 15 };
    for (int y = 0; y < f->height; y++) {
        const uint8_t *s = f->bgr + (size_t)y * f->bgr_stride;
        uint8_t *d = f->gray + (size_t)y * f->gray_stride;
        for (int x = 0; x < f->width; x++, s += 3)
            d[x] = (uint8_t)((s[0] * B2Y + s[1] * G2Y + s[2] * R2Y + (1 << (SHIFT - 1))) >> SHIFT);
    }
}

void fau_bgr_rotate(const uint8_t *src, size_t src_stride, int w, int h, int degrees,
                    uint8_t *dst, size_t dst_stride)
{
    /* cv::rotate: 90 clockwise = transpose + flip around y; the output is
     * h wide and w tall for 90/270. */
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * src_stride;
        for (int x = 0; x < w; x++, s += 3) {
            int dx, dy;
            if (degrees == 90) {
                dx = h - 1 - y;
                dy = x;
            } else if (degrees == 180) {
                dx = w - 1 - x;
                dy = h - 1 - y;
            } else { /* 270 */
                dx = y;
                dy = w - 1 - x;
            }
            uint8_t *d = dst + (size_t)dy * dst_stride + (size_t)dx * 3;
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
    }
}

int fau_check_image_size(const char *path, long long width, long long height, fau_error *e)
{
    if (width <= 0 || height <= 0)
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": invalid image size %lldx%lld (zero or negative)",
                             path, width, height);
    if (width > FAU_MAX_IMAGE_SIDE || height > FAU_MAX_IMAGE_SIDE ||
        (unsigned long long)width * (unsigned long long)height > FAU_MAX_IMAGE_PIXELS)
        return fau_error_set(e, FAU_ENOMEM,
                             "\"%s\": image size %lldx%lld exceeds the limit (%d pixels a side, "
                             "%u pixels in all); refused before decoding",
                             path, width, height, FAU_MAX_IMAGE_SIDE, FAU_MAX_IMAGE_PIXELS);
    if (width < FAU_MIN_IMAGE_SIDE || height < FAU_MIN_IMAGE_SIDE)
        return fau_error_set(e, FAU_EFORMAT,
                             "\"%s\": image size %lldx%lld is too small to hold a face (minimum "
                             "%d pixels a side)",
                             path, width, height, FAU_MIN_IMAGE_SIDE);
    return FAU_OK;
}

/* ----------------------------------------------------------------- files */

int fau_read_whole_file(const char *path, uint8_t **data, size_t *len, fau_error *e)
{
    *data = NULL;
    *len = 0;
    int rc = FAU_OK;
    uint8_t *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fau_error_set(e, errno == ENOENT ? FAU_ENOTFOUND : FAU_EIO,
                             "\"%s\": cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = fau_error_set(e, FAU_EIO, "\"%s\": cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": is a directory, not an image file", path);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fau_error_set(e, FAU_EIO, "\"%s\": not a regular file", path);
        goto done;
    }
    if (st.st_size == 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": empty file (0 bytes)", path);
        goto done;
    }
    if ((unsigned long long)st.st_size > FAU_MEDIA_MAX_FILE_BYTES) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": file of %lld bytes is larger than the %zu-byte limit",
                           path, (long long)st.st_size, FAU_MEDIA_MAX_FILE_BYTES);
        goto done;
    }
    size_t size = (size_t)st.st_size;
    buf = malloc(size);
    if (!buf) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": cannot allocate %zu bytes", path, size);
        goto done;
    }
    size_t got = 0;
    while (got < size) { /* bounded: each pass reads at least one byte or stops */
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = fau_error_set(e, FAU_EIO, "\"%s\": read failed after %zu of %zu bytes", path, got,
                               size);
            goto done;
        }
        got += (size_t)n;
    }
    *data = buf;
    *len = size;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return rc;
}

fau_image_type fau_image_sniff(const uint8_t *d, size_t n)
{
    /* The signatures OpenCV's decoders test in their checkSignature(). */
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return FAU_IMAGE_JPEG;
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return FAU_IMAGE_PNG;
    if (n >= 2 && d[0] == 'B' && d[1] == 'M')
        return FAU_IMAGE_BMP;
    return FAU_IMAGE_UNKNOWN;
}

static const char *ext_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot ? dot : "";
}

static int ext_is(const char *ext, const char *want)
{
    return strcasecmp(ext, want) == 0;
}

int fau_image_load(const char *path, fau_frame *f, fau_error *e)
{
    FAU_CHECK_ARG(e, path != NULL);
    FAU_CHECK_ARG(e, f != NULL);
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = fau_read_whole_file(path, &data, &len, e);
    if (rc < 0)
        return rc;
    switch (fau_image_sniff(data, len)) {
    case FAU_IMAGE_JPEG: rc = fau_image_decode_jpeg(path, data, len, f, e); break;
    case FAU_IMAGE_PNG: rc = fau_image_decode_png(path, data, len, f, e); break;
    case FAU_IMAGE_BMP: rc = fau_image_decode_bmp(path, data, len, f, e); break;
    default: {
        const char *ext = ext_of(path);
        if (ext_is(ext, ".png"))
            rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": not a PNG file (bad PNG signature)", path);
        else if (ext_is(ext, ".jpg") || ext_is(ext, ".jpeg"))
            rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": not a JPEG file (no SOI marker)", path);
        else if (ext_is(ext, ".bmp"))
            rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": not a BMP file (no BM signature)", path);
        else
            rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": not a JPEG, PNG or BMP image", path);
        break;
    }
    }
    free(data);
    if (rc < 0)
        return rc;
    fau_frame_bgr_to_gray(f);
    f->index = 0;
    f->timestamp = 0.0;
    return FAU_OK;
}

/* ---------------------------------------------------- single-image reader */

typedef struct image_state {
    char *path;
    fau_frame img;
    int done;
} image_state;

static int image_next(void *st, fau_frame *f, fau_error *e)
{
    image_state *s = st;
    if (s->done)
        return 0;
    int rc = fau_frame_reserve(f, s->img.width, s->img.height, e, s->path);
    if (rc < 0)
        return rc;
    for (int y = 0; y < f->height; y++) {
        memcpy(f->bgr + (size_t)y * f->bgr_stride, s->img.bgr + (size_t)y * s->img.bgr_stride,
               (size_t)f->width * 3);
        memcpy(f->gray + (size_t)y * f->gray_stride, s->img.gray + (size_t)y * s->img.gray_stride,
               (size_t)f->width);
    }
    s->done = 1;
    return 1;
}

static const char *image_current_path(const void *st)
{
    return ((const image_state *)st)->path;
}

static void image_close(void *st)
{
    image_state *s = st;
    if (!s)
        return;
    fau_frame_free(&s->img);
    free(s->path);
    free(s);
}

static int image_open(fau_media_reader *r, fau_media_info *info, const char *path, fau_error *e)
{
    image_state *s = calloc(1, sizeof *s);
    if (!s)
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
    int rc = FAU_OK;
    s->path = strdup(path);
    if (!s->path) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto fail;
    }
    rc = fau_image_load(path, &s->img, e);
    if (rc < 0)
        goto fail;
    info->kind = FAU_MEDIA_IMAGE;
    info->width = s->img.width;
    info->height = s->img.height;
    info->fps = 0;
    info->frame_count = 1;
    r->state = s;
    r->next = image_next;
    r->current_path = image_current_path;
    r->close = image_close;
    return FAU_OK;
fail:
    image_close(s);
    return rc;
}

/* ------------------------------------------------------------- front end */

int fau_media_open(fau_media **out, const char *path, const fau_media_open_opts *opts,
                   fau_error *e)
{
    FAU_CHECK_ARG(e, out != NULL);
    *out = NULL;
    FAU_CHECK_ARG(e, path != NULL);
    static const fau_media_open_opts defaults = {0, 0};
    if (!opts)
        opts = &defaults;

    int rc = FAU_OK;
    fau_media *m = calloc(1, sizeof *m);
    if (!m)
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
    m->path = strdup(path);
    if (!m->path) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto fail;
    }

    struct stat st;
    if (stat(path, &st) != 0) {
        rc = fau_error_set(e, errno == ENOENT ? FAU_ENOTFOUND : FAU_EIO, "\"%s\": cannot open: %s",
                           path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        /* A directory is an image sequence (OpenFace -fdir), whatever its
         * name says. */
        rc = fau_sequence_open(&m->reader, &m->info, path, e);
        goto opened;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fau_error_set(e, FAU_EIO, "\"%s\": not a regular file or directory", path);
        goto fail;
    }
    if (st.st_size == 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": empty file (0 bytes)", path);
        goto fail;
    }

    uint8_t head[16];
    size_t nhead = 0;
    {
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            rc = fau_error_set(e, FAU_EIO, "\"%s\": cannot open: %s", path, strerror(errno));
            goto fail;
        }
        nhead = fread(head, 1, sizeof head, fp);
        fclose(fp);
    }
    const char *ext = ext_of(path);
    if (fau_image_sniff(head, nhead) != FAU_IMAGE_UNKNOWN || ext_is(ext, ".jpg") ||
        ext_is(ext, ".jpeg") || ext_is(ext, ".png") || ext_is(ext, ".bmp")) {
        rc = image_open(&m->reader, &m->info, path, e);
        static const char *const names[] = {"unknown", "jpeg", "png", "bmp"};
        snprintf(m->info.codec, sizeof m->info.codec, "%s", names[fau_image_sniff(head, nhead)]);
        goto opened;
    }
    if ((nhead >= 9 && memcmp(head, "YUV4MPEG2", 9) == 0) || ext_is(ext, ".y4m")) {
        rc = fau_y4m_open(&m->reader, &m->info, path, e);
        goto opened;
    }
#ifdef FAU_HAVE_FFMPEG
    rc = fau_video_ffmpeg_open(&m->reader, &m->info, path, opts, e);
#else
    (void)opts;
    rc = fau_error_set(e, FAU_EUNSUPPORTED,
                       "\"%s\": this faceau build has no FFmpeg, so it cannot read video files "
                       "(only JPEG/PNG/BMP images, image directories and .y4m)",
                       path);
#endif
opened:
    if (rc < 0)
        goto fail;
    *out = m;
    return FAU_OK;
fail:
    fau_media_close(&m);
    return rc;
}

const fau_media_info *fau_media_get_info(const fau_media *m)
{
    return m ? &m->info : NULL;
}

int fau_media_next(fau_media *m, fau_frame *f, fau_error *e)
{
    FAU_CHECK_ARG(e, m != NULL);
    FAU_CHECK_ARG(e, f != NULL);
    if (m->failed)
        return fau_error_set(e, m->failed_code, "\"%s\": reading stopped after an earlier error",
                             m->path);
    if (m->frames_read >= FAU_MEDIA_MAX_FRAMES)
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": more than %d frames; refusing to read on",
                             m->path, FAU_MEDIA_MAX_FRAMES);
    int rc = m->reader.next(m->reader.state, f, e);
    if (rc < 0) {
        m->failed = 1;
        m->failed_code = rc;
        return rc;
    }
    if (rc == 0)
        return 0;
    f->index = m->frames_read;
    /* SequenceCapture::CaptureThread: timestamp_curr = frame_num_int * (1.0 / fps)
     * for video (in that order of operations); 0 for image sequences. */
    f->timestamp = m->info.kind == FAU_MEDIA_VIDEO ? (double)m->frames_read * (1.0 / m->info.fps)
                                                   : 0.0;
    m->frames_read++;
    return 1;
}

const char *fau_media_current_path(const fau_media *m)
{
    if (!m)
        return NULL;
    if (m->reader.current_path && m->reader.state)
        return m->reader.current_path(m->reader.state);
    return m->path;
}

void fau_media_close(fau_media **pm)
{
    if (!pm || !*pm)
        return;
    fau_media *m = *pm;
    if (m->reader.close)
        m->reader.close(m->reader.state);
    free(m->path);
    free(m);
    *pm = NULL;
}
