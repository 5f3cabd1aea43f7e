/* BMP still images: a small reader for the uncompressed layouts
 * (1/4/8-bit palette, 24-bit BGR, 32-bit BGRX/BGRA with the alpha
 * dropped), matching what OpenCV 4.6 BmpDecoder gives imread(IMREAD_COLOR)
 * for them: palette entries copied as B,G,R; bottom-up unless the height is
 * negative; rows padded to 4 bytes. RLE and 16-bit files are refused as
 * unsupported rather than guessed at. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "io/media_internal.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)(p[0] | p[1] << 8);
}

int fau_image_decode_bmp(const char *path, const uint8_t *d, size_t len, fau_frame *f,
                         fau_error *e)
{
    if (len < 26 || d[0] != 'B' || d[1] != 'M')
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": not a BMP file (no BM signature)", path);
    uint32_t offset = le32(d + 10);
    uint32_t hsize = le32(d + 14);
    long long w, h;
    unsigned bpp, compression = 0;
    uint32_t clr_used = 0;
    int pal_entry = 4;
    if (hsize == 12) { /* OS/2 BITMAPCOREHEADER */
        w = le16(d + 18);
        h = (int16_t)le16(d + 20);
        bpp = le16(d + 24);
        pal_entry = 3;
    } else if (hsize >= 40 && hsize <= 256 && len >= 14 + (size_t)hsize) {
        w = (int32_t)le32(d + 18);
        h = (int32_t)le32(d + 22);
        bpp = le16(d + 28);
        compression = le32(d + 30);
        clr_used = le32(d + 46);
    } else {
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": unsupported BMP header size %u", path, hsize);
    }
    int bottom_up = h > 0;
    if (h < 0)
        h = -h;
    int rc = fau_check_image_size(path, w, h, e);
    if (rc < 0)
        return rc;
    if (!(bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24 || bpp == 32))
        return fau_error_set(e, FAU_EUNSUPPORTED, "\"%s\": unsupported BMP bit depth %u", path, bpp);
    if (!(compression == 0 || (compression == 3 && bpp == 32)))
        return fau_error_set(e, FAU_EUNSUPPORTED,
                             "\"%s\": compressed BMP (compression %u) is not supported", path,
                             compression);
    if (compression == 3 && len >= 66) {
        /* BI_BITFIELDS: only the standard BGRX masks are supported. */
        if (le32(d + 54) != 0x00FF0000u || le32(d + 58) != 0x0000FF00u ||
            le32(d + 62) != 0x000000FFu)
            return fau_error_set(e, FAU_EUNSUPPORTED,
                                 "\"%s\": 32-bit BMP with non-standard bit fields", path);
    }

    uint8_t pal[256][3];
    memset(pal, 0, sizeof pal);
    if (bpp <= 8) {
        uint32_t n = clr_used ? clr_used : 1u << bpp;
        if (n > 256)
            n = 256;
        size_t pal_off = 14 + (size_t)hsize;
        for (uint32_t i = 0; i < n; i++) {
            size_t o = pal_off + (size_t)i * (size_t)pal_entry;
            if (o + 3 > len)
                return fau_error_set(e, FAU_EFORMAT, "\"%s\": BMP palette is truncated", path);
            pal[i][0] = d[o];
            pal[i][1] = d[o + 1];
            pal[i][2] = d[o + 2];
        }
    }
    size_t bits = 0, row_bytes, need = 0;
    if (fau_mul_size((size_t)w, bpp, &bits) || fau_add_size(bits, 31, &bits))
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": BMP row size overflows", path);
    row_bytes = bits / 32 * 4;
    if (fau_mul_size(row_bytes, (size_t)h, &need) || fau_add_size(need, offset, &need) ||
        need > len)
        return fau_error_set(e, FAU_EFORMAT,
                             "\"%s\": BMP pixel data is truncated (%zu bytes, %zu needed)", path,
                             len, need);
    rc = fau_frame_reserve(f, (int)w, (int)h, e, path);
    if (rc < 0)
        return rc;
    for (long long y = 0; y < h; y++) {
        const uint8_t *s = d + offset + (size_t)(bottom_up ? h - 1 - y : y) * row_bytes;
        uint8_t *o = f->bgr + (size_t)y * f->bgr_stride;
        for (long long x = 0; x < w; x++, o += 3) {
            const uint8_t *c;
            switch (bpp) {
            case 24: c = s + 3 * x; break;
            case 32: c = s + 4 * x; break;
            case 8: c = pal[s[x]]; break;
            case 4: c = pal[(s[x >> 1] >> (x & 1 ? 0 : 4)) & 15]; break;
            default: c = pal[(s[x >> 3] >> (7 - (x & 7))) & 1]; break;
            }
            o[0] = c[0];
            o[1] = c[1];
            o[2] = c[2];
        }
    }
    return FAU_OK;
}
