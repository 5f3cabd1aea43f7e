/* PNG still images through libpng, reproducing OpenCV 4.6
 * cv::imread(path, IMREAD_COLOR) (imgcodecs/src/grfmt_png.cpp,
 * PngDecoder::readData with a CV_8UC3 destination) by making the same
 * libpng transform calls in the same order: png_set_strip_16 (16-bit keeps
 * the high byte), png_set_strip_alpha (RGBA and tRNS are dropped, no
 * compositing), png_set_palette_to_rgb, png_set_expand_gray_1_2_4_to_8,
 * png_set_bgr for colour or png_set_gray_to_rgb for gray, interlace
 * handling. No gamma or colour-profile correction, as in OpenCV.
 * The IHDR is checked by hand first, so a decompression bomb is refused
 * before libpng reads past it or anything is allocated for pixels. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "core/mem.h"
#include "io/media_internal.h"

typedef struct png_src {
    const uint8_t *data;
    size_t len, pos;
    char msg[256];
} png_src;

static void on_read(png_structp png, png_bytep out, png_size_t n)
{
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->pos) {
        strcpy(s->msg, "file ends in the middle of a chunk (truncated)");
        png_longjmp(png, 1);
    }
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

static void on_error(png_structp png, png_const_charp msg)
{
    png_src *s = png_get_error_ptr(png);
    if (s && s->msg[0] == '\0') {
        strncpy(s->msg, msg ? msg : "libpng error", sizeof s->msg - 1);
        s->msg[sizeof s->msg - 1] = '\0';
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* the library never prints */
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int fau_image_decode_png(const char *path, const uint8_t *data, size_t len, fau_frame *f,
                         fau_error *e)
{
    /* Signature (8) + IHDR length (4) + "IHDR" (4) + width, height (8). */
    if (len < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0)
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": not a PNG file (bad PNG signature)", path);
    if (len < 33 || be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0)
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": PNG has no valid IHDR chunk", path);
    uint32_t iw = be32(data + 16), ih = be32(data + 20);
    int rc = fau_check_image_size(path, (long long)iw, (long long)ih, e);
    if (rc < 0)
        return rc;

    png_src src = {data, len, 0, {0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
    if (!png)
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": cannot create a PNG reader", path);
    png_infop info = png_create_info_struct(png);
    png_infop end_info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!info || !end_info) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": cannot create a PNG reader", path);
        goto done;
    }
    if (setjmp(png_jmpbuf(png))) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": PNG decoding failed: %s", path,
                           src.msg[0] ? src.msg : "libpng error");
        goto done;
    }
    png_set_read_fn(png, &src, on_read);
    png_set_user_limits(png, FAU_MAX_IMAGE_SIDE, FAU_MAX_IMAGE_SIDE);
    png_read_info(png, info);
    png_uint_32 w, h;
    int bit_depth, color_type;
    png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, NULL, NULL, NULL);
    if (bit_depth > 8 && bit_depth != 16) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": unsupported PNG bit depth %d", path, bit_depth);
        goto done;
    }
    rc = fau_frame_reserve(f, (int)w, (int)h, e, path);
    if (rc < 0)
        goto done;

    /* PngDecoder::readData, in OpenCV's order. */
    if (bit_depth == 16)
        png_set_strip_16(png);
    png_set_strip_alpha(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && bit_depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (color_type & PNG_COLOR_MASK_COLOR)
        png_set_bgr(png);
    else
        png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) > (size_t)w * 3) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": unexpected PNG row layout", path);
        goto done;
    }
    rows = malloc(sizeof(png_bytep) * h);
    if (!rows) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto done;
    }
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = f->bgr + (size_t)y * f->bgr_stride;
    png_read_image(png, rows);
    png_read_end(png, end_info);
done:
    png_destroy_read_struct(&png, info ? &info : NULL, end_info ? &end_info : NULL);
    free(rows);
    return rc;
}
