/* JPEG still images through libjpeg-turbo, reproducing OpenCV 4.6
 * cv::imread(path, IMREAD_COLOR) (imgcodecs/src/grfmt_jpeg.cpp,
 * JpegDecoder::readData, then loadsave.cpp ApplyExifOrientation):
 *  - libjpeg defaults otherwise: JDCT_ISLOW, fancy upsampling on;
 *  - out_color_space JCS_EXT_BGR for 1- and 3-component files (gray is
 *    replicated by libjpeg-turbo), JCS_CMYK + OpenCV's CMYK->BGR for 4;
 *  - the EXIF orientation tag (APP1) is applied, as imread does unless
 *    IMREAD_IGNORE_ORIENTATION is given.
 * Where we are stricter on purpose: a file that ends before its EOI marker
 * (libjpeg only warns "Premature end of JPEG file" and pads with gray) is
 * refused, and so is any size outside fau_check_image_size. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "core/mem.h"
#include "io/media_internal.h"

typedef struct jerr_ctx {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    int premature_eof;
    char msg[JMSG_LENGTH_MAX];
} jerr_ctx;

static void on_error_exit(j_common_ptr cinfo)
{
    jerr_ctx *j = (jerr_ctx *)cinfo->err;
    j->mgr.format_message(cinfo, j->msg);
    longjmp(j->jump, 1);
}

/* Replaces libjpeg's default, which prints warnings to stderr: the library
 * never prints. A premature EOF is remembered and turned into an error. */
static void on_emit_message(j_common_ptr cinfo, int level)
{
    jerr_ctx *j = (jerr_ctx *)cinfo->err;
    if (level < 0) {
        j->mgr.num_warnings++;
        if (j->mgr.msg_code == JWRN_JPEG_EOF)
            j->premature_eof = 1;
    }
}

static void on_output_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

static unsigned rd16(const uint8_t *p, int le)
{
    return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Orientation (1..8) from an APP1 "Exif" payload, 1 if absent or malformed
 * (OpenCV's ExifReader falls back to ORIENTATION_TL the same way). */
static int exif_orientation(const uint8_t *p, size_t n)
{
    if (n < 14 || memcmp(p, "Exif\0\0", 6) != 0)
        return 1;
    const uint8_t *t = p + 6;
    size_t tn = n - 6;
    int le;
    if (t[0] == 'I' && t[1] == 'I')
        le = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        le = 0;
    else
        return 1;
    uint32_t ifd = rd32(t + 4, le);
    if (ifd > tn || tn - ifd < 2)
        return 1;
    unsigned count = rd16(t + ifd, le);
    for (unsigned i = 0; i < count; i++) {
        size_t off = (size_t)ifd + 2 + (size_t)i * 12;
        if (off + 12 > tn)
            return 1;
        if (rd16(t + off, le) == 0x0112) {
            unsigned type = rd16(t + off + 2, le);
            unsigned v = type == 3 ? rd16(t + off + 8, le) : 1;
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
}

/* ApplyExifOrientation (loadsave.cpp): 2 flip x, 3 flip both, 4 flip y,
 * 5 transpose, 6 transpose+flip x (90 cw), 7 transpose+flip both,
 * 8 transpose+flip y (270 cw). Maps src (w x h) into f. */
static int apply_orientation(int o, const uint8_t *src, size_t sstride, int w, int h, fau_frame *f,
                             fau_error *e, const char *path)
{
    int transpose = o >= 5;
    int ow = transpose ? h : w, oh = transpose ? w : h;
    int rc = fau_frame_reserve(f, ow, oh, e, path);
    if (rc < 0)
        return rc;
    int flipx = (o == 2 || o == 3 || o == 6 || o == 7);
    int flipy = (o == 3 || o == 4 || o == 7 || o == 8);
    for (int y = 0; y < oh; y++) {
        uint8_t *d = f->bgr + (size_t)y * f->bgr_stride;
        for (int x = 0; x < ow; x++, d += 3) {
            int tx = flipx ? ow - 1 - x : x; /* position before the flip */
            int ty = flipy ? oh - 1 - y : y;
            int sx = transpose ? ty : tx, sy = transpose ? tx : ty;
            const uint8_t *s = src + (size_t)sy * sstride + (size_t)sx * 3;
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
    }
    return FAU_OK;
}

int fau_image_decode_jpeg(const char *path, const uint8_t *data, size_t len, fau_frame *f,
                          fau_error *e)
{
    struct jpeg_decompress_struct cinfo;
    jerr_ctx jerr;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&jerr, 0, sizeof jerr);
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile tmp = NULL;
    uint8_t *volatile row4 = NULL;
    volatile int rc = FAU_OK;
    volatile int created = 0;

    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = on_error_exit;
    jerr.mgr.emit_message = on_emit_message;
    jerr.mgr.output_message = on_output_message;
    if (setjmp(jerr.jump)) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": JPEG decoding failed: %s", path, jerr.msg);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    created = 1;
    if (len > (unsigned long)-1) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": JPEG file too large", path);
        goto done;
    }
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": JPEG has no image", path);
        goto done;
    }
    rc = fau_check_image_size(path, cinfo.image_width, cinfo.image_height, e);
    if (rc < 0)
        goto done;

    int orientation = 1;
    for (jpeg_saved_marker_ptr mk = cinfo.marker_list; mk; mk = mk->next) {
        if (mk->marker == JPEG_APP0 + 1 && mk->data_length >= 6 &&
            memcmp(mk->data, "Exif\0\0", 6) == 0) {
            orientation = exif_orientation(mk->data, mk->data_length);
            break;
        }
    }

    int cmyk = cinfo.num_components == 4;
    if (cmyk) {
        cinfo.out_color_space = JCS_CMYK;
        cinfo.out_color_components = 4;
    } else {
        cinfo.out_color_space = JCS_EXT_BGR;
        cinfo.out_color_components = 3;
    }
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height;

    uint8_t *dst;
    size_t dstride;
    if (orientation == 1) {
        rc = fau_frame_reserve(f, w, h, e, path);
        if (rc < 0)
            goto done;
        dst = f->bgr;
        dstride = f->bgr_stride;
    } else {
        size_t sz;
        dstride = (size_t)w * 3;
        if (fau_mul_size(dstride, (size_t)h, &sz)) {
            rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": image too large", path);
            goto done;
        }
        tmp = malloc(sz);
        if (!tmp) {
            rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
            goto done;
        }
        dst = tmp;
    }
    if (cmyk) {
        row4 = malloc((size_t)w * 4);
        if (!row4) {
            rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
            goto done;
        }
    }
    /* Bounded: each call returns at least one scanline or libjpeg stops at
     * (fake) EOI and pads; at most h iterations with progress. */
    for (int guard = 0; cinfo.output_scanline < cinfo.output_height && guard <= h; guard++) {
        uint8_t *rowp = dst + (size_t)cinfo.output_scanline * dstride;
        JSAMPROW jr = cmyk ? (JSAMPROW)row4 : (JSAMPROW)rowp;
        if (jpeg_read_scanlines(&cinfo, &jr, 1) != 1)
            break;
        if (cmyk) {
            /* icvCvt_CMYK2BGR_8u_C4C3R */
            for (int x = 0; x < w; x++) {
                int c = row4[4 * x], m = row4[4 * x + 1], yy = row4[4 * x + 2], k = row4[4 * x + 3];
                rowp[3 * x + 2] = (uint8_t)(k - ((255 - c) * k >> 8));
                rowp[3 * x + 1] = (uint8_t)(k - ((255 - m) * k >> 8));
                rowp[3 * x + 0] = (uint8_t)(k - ((255 - yy) * k >> 8));
            }
        }
    }
    if (cinfo.output_scanline < cinfo.output_height || jerr.premature_eof) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "\"%s\": truncated JPEG (premature end of data, no EOI marker)", path);
        goto done;
    }
    jpeg_finish_decompress(&cinfo);
    if (jerr.premature_eof) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "\"%s\": truncated JPEG (premature end of data, no EOI marker)", path);
        goto done;
    }
    if (orientation != 1)
        rc = apply_orientation(orientation, tmp, dstride, w, h, f, e, path);
done:
    if (created)
        jpeg_destroy_decompress(&cinfo);
    free(tmp);
    free(row4);
    return rc;
}
