/* BMP writer reproducing OpenCV 4.6 BmpEncoder::write byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/models_path.h"
#include "output/bmp.h"

static size_t file_step(int w, int channels)
{
    return ((size_t)w * channels + 3) & ~(size_t)3;
}

size_t fau_bmp_size(int w, int h, int channels)
{
    size_t header = 14 + 40 + (channels > 1 ? 0 : 1024);
    return file_step(w, channels) * (size_t)h + header;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void fau_bmp_encode(const uint8_t *img, int w, int h, size_t stride, int channels, uint8_t *buf)
{
    const size_t step = file_step(w, channels);
    const uint32_t header = 14 + 40 + (channels > 1 ? 0 : 1024);
    uint8_t *p = buf;
    p[0] = 'B';
    p[1] = 'M';
    put32(p + 2, (uint32_t)(step * (size_t)h + header));
    put32(p + 6, 0);
    put32(p + 10, header);
    put32(p + 14, 40);
    put32(p + 18, (uint32_t)w);
    put32(p + 22, (uint32_t)h);
    p[26] = 1, p[27] = 0;                          /* planes */
    p[28] = (uint8_t)(channels << 3), p[29] = 0;  /* bits per pixel */
    for (int i = 30; i < 54; i += 4)
        put32(p + i, 0); /* BI_RGB, image size, resolutions, colours */
    p += 54;
    if (channels == 1) {
        for (int i = 0; i < 256; i++) {
            p[4 * i] = p[4 * i + 1] = p[4 * i + 2] = (uint8_t)i;
            p[4 * i + 3] = 0;
        }
        p += 1024;
    }
    const size_t row = (size_t)w * channels;
    for (int y = h - 1; y >= 0; y--) {
        memcpy(p, img + (size_t)y * stride, row);
        memset(p + row, 0, step - row);
        p += step;
    }
}

int fau_bmp_write(const char *path, const uint8_t *img, int w, int h, size_t stride,
                  int channels, fau_error *e)
{
    FAU_CHECK_ARG(e, path != NULL && img != NULL && w > 0 && h > 0);
    FAU_CHECK_ARG(e, channels == 1 || channels == 3);
    char tmp[FAU_PATH_MAX + 8];
    if (strlen(path) >= FAU_PATH_MAX)
        return fau_error_set(e, FAU_EINVAL, "output path too long: %s", path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    size_t n = fau_bmp_size(w, h, channels);
    uint8_t *buf = malloc(n);
    if (!buf)
        return fau_error_set(e, FAU_ENOMEM, "out of memory");
    fau_bmp_encode(img, w, h, stride, channels, buf);
    int rc = FAU_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        rc = fau_error_set(e, FAU_EIO, "%s: cannot create", path);
    else {
        size_t wr = fwrite(buf, 1, n, f);
        if (fclose(f) != 0 || wr != n)
            rc = fau_error_set(e, FAU_EIO, "%s: write failed", path);
        else if (rename(tmp, path) != 0)
            rc = fau_error_set(e, FAU_EIO, "%s: cannot rename from %s", path, tmp);
        if (rc)
            remove(tmp);
    }
    free(buf);
    return rc;
}
