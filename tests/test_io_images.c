/* Still images, image directories and .y4m, on files the test writes
 * itself (libpng, libjpeg and by hand), so the expected pixels follow from
 * the source pixels and the imread(IMREAD_COLOR) rules: alpha dropped, 16
 * bits -> high byte, gray and palette expanded, EXIF orientation applied,
 * BMP rows bottom-up unless the height is negative. (Those rules were
 * checked against python3-opencv 4.6 on ffmpeg-made files of every layout.)
 * Image directories: OpenFace's plain byte-order sort and extension filter.
 * y4m: strict header, and with FFmpeg, byte-identical frames through our
 * reader and through FFmpeg, including a .y4m copy of a decoded clip. */
#include "testlib.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "io/media.h"
#include "io/media_internal.h"

#ifdef FAU_HAVE_FFMPEG
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#endif

static int have_ffmpeg(void)
{
    const char *v = getenv("FAU_HAVE_FFMPEG");
    return v ? atoi(v) != 0 : fau_media_have_ffmpeg();
}

static uint32_t rng = 12345;
static uint8_t rnd8(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (uint8_t)(rng >> 24);
}

static const char *tmp_path(const char *dir, const char *name)
{
    static char buf[8][4096];
    static int slot;
    char *p = buf[slot++ & 7];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static const uint8_t *px(const fau_frame *f, int x, int y)
{
    return f->bgr + (size_t)y * f->bgr_stride + (size_t)x * 3;
}

/* Checks f->gray against cvtColor(BGR2GRAY)'s 15-bit formula. */
static void check_gray(const fau_frame *f)
{
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++) {
            const uint8_t *p = px(f, x, y);
            int g = (p[0] * 3735 + p[1] * 19235 + p[2] * 9798 + (1 << 14)) >> 15;
            assert_int_equal(f->gray[(size_t)y * f->gray_stride + x], g);
        }
}

/* ------------------------------------------------------------------- PNG */

typedef struct png_case {
    const char *name;
    int color_type, bit_depth, interlace, trns;
} png_case;

/* Writes a w x h PNG from 16-bit-per-sample source values src (channels
 * per color type); returns the file path. */
static void write_png(const char *path, const png_case *c, int w, int h, const uint16_t *src,
                      int nch, const uint8_t pal[][3], int npal)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, c->bit_depth, c->color_type,
                 c->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (c->color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pc[256];
        for (int i = 0; i < npal; i++) {
            pc[i].red = pal[i][0];
            pc[i].green = pal[i][1];
            pc[i].blue = pal[i][2];
        }
        png_set_PLTE(png, info, pc, npal);
        if (c->trns) {
            png_byte alpha[4] = {0, 128, 255, 7};
            png_set_tRNS(png, info, alpha, 4, NULL);
        }
    }
    png_write_info(png, info);
    size_t rowbytes = ((size_t)w * nch * c->bit_depth + 7) / 8;
    png_bytep row = calloc(1, rowbytes);
    png_bytep *rows = malloc(sizeof(png_bytep) * h);
    uint8_t *all = calloc((size_t)h, rowbytes);
    for (int y = 0; y < h; y++) {
        rows[y] = all + (size_t)y * rowbytes;
        for (int x = 0; x < w; x++)
            for (int k = 0; k < nch; k++) {
                uint16_t v = src[((size_t)y * w + x) * nch + k];
                size_t i = (size_t)x * nch + k;
                if (c->bit_depth == 16) {
                    rows[y][2 * i] = (uint8_t)(v >> 8);
                    rows[y][2 * i + 1] = (uint8_t)v;
                } else if (c->bit_depth == 8) {
                    rows[y][i] = (uint8_t)v;
                } else { /* 1-bit gray */
                    if (v)
                        rows[y][i / 8] |= (uint8_t)(0x80 >> (i % 8));
                }
            }
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    free(all);
    free(rows);
    free(row);
}

static void test_png_layouts(void **state)
{
    const char *dir = fau_test_tmpdir();
    assert_non_null(dir);
    const png_case cases[] = {
        {"rgb8.png", PNG_COLOR_TYPE_RGB, 8, 0, 0},
        {"rgba8.png", PNG_COLOR_TYPE_RGBA, 8, 0, 0},
        {"gray8.png", PNG_COLOR_TYPE_GRAY, 8, 0, 0},
        {"graya8.png", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0},
        {"gray16.png", PNG_COLOR_TYPE_GRAY, 16, 0, 0},
        {"rgb16.png", PNG_COLOR_TYPE_RGB, 16, 0, 0},
        {"rgba16.png", PNG_COLOR_TYPE_RGBA, 16, 0, 0},
        {"gray1.png", PNG_COLOR_TYPE_GRAY, 1, 0, 0},
        {"pal.png", PNG_COLOR_TYPE_PALETTE, 8, 0, 1},
        {"rgb8_adam7.png", PNG_COLOR_TYPE_RGB, 8, 1, 0},
    };
    const int w = 37, h = 21;
    uint8_t pal[16][3];
    for (int i = 0; i < 16; i++)
        for (int k = 0; k < 3; k++)
            pal[i][k] = rnd8();
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const png_case *c = &cases[ci];
        int nch = c->color_type == PNG_COLOR_TYPE_RGB         ? 3
                  : c->color_type == PNG_COLOR_TYPE_RGBA      ? 4
                  : c->color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                               : 1;
        uint16_t *src = malloc(sizeof(uint16_t) * w * h * nch);
        for (int i = 0; i < w * h * nch; i++) {
            uint16_t v = (uint16_t)(rnd8() << 8 | rnd8());
            if (c->bit_depth == 8)
                v >>= 8;
            else if (c->bit_depth == 1)
                v &= 1;
            else if (c->color_type == PNG_COLOR_TYPE_PALETTE)
                v %= 16;
            if (c->color_type == PNG_COLOR_TYPE_PALETTE)
                v %= 16;
            src[i] = v;
        }
        const char *path = tmp_path(dir, c->name);
        write_png(path, c, w, h, src, nch, (const uint8_t(*)[3])pal, 16);
        fau_frame f = {0};
        fau_error e = {0};
        int rc = fau_image_load(path, &f, &e);
        if (rc)
            fail_msg("%s: %s", c->name, e.msg);
        assert_int_equal(f.width, w);
        assert_int_equal(f.height, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const uint16_t *s = src + ((size_t)y * w + x) * nch;
                uint8_t r, g, b;
                int shift = c->bit_depth == 16 ? 8 : 0; /* png_set_strip_16: high byte */
                if (c->color_type == PNG_COLOR_TYPE_PALETTE) {
                    r = pal[s[0]][0];
                    g = pal[s[0]][1];
                    b = pal[s[0]][2];
                } else if (nch >= 3) { /* alpha, if any, is dropped */
                    r = (uint8_t)(s[0] >> shift);
                    g = (uint8_t)(s[1] >> shift);
                    b = (uint8_t)(s[2] >> shift);
                } else {
                    uint8_t v = c->bit_depth == 1 ? (uint8_t)(s[0] ? 255 : 0) : (uint8_t)(s[0] >> shift);
                    r = g = b = v;
                }
                const uint8_t *p = px(&f, x, y);
                if (p[0] != b || p[1] != g || p[2] != r)
                    fail_msg("%s (%d,%d): got %d,%d,%d want %d,%d,%d", c->name, x, y, p[0], p[1],
                             p[2], b, g, r);
            }
        check_gray(&f);
        fau_frame_free(&f);
        free(src);
    }
}

/* ------------------------------------------------------------------- BMP */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* BMP of w x h from BGR source pixels (for bpp <= 8: palette indices in
 * idx), 40-byte header (+12 bytes of bit fields for compression 3). */
static size_t make_bmp(uint8_t *out, int w, int h, int bpp, int top_down, int compression,
                       const uint8_t *bgr, const uint8_t *idx, const uint8_t pal[][3], int npal,
                       const uint32_t masks[3])
{
    size_t row = ((size_t)w * bpp + 31) / 32 * 4;
    size_t hdr = 14 + 40 + (compression == 3 ? 12 : 0) + (bpp <= 8 ? (size_t)npal * 4 : 0);
    memset(out, 0, hdr + row * h);
    out[0] = 'B';
    out[1] = 'M';
    put32(out + 2, (uint32_t)(hdr + row * h));
    put32(out + 10, (uint32_t)hdr);
    put32(out + 14, 40);
    put32(out + 18, (uint32_t)w);
    put32(out + 22, (uint32_t)(top_down ? -h : h));
    put16(out + 26, 1);
    put16(out + 28, (unsigned)bpp);
    put32(out + 30, (uint32_t)compression);
    put32(out + 46, bpp <= 8 ? (uint32_t)npal : 0);
    size_t o = 54;
    if (compression == 3) {
        for (int i = 0; i < 3; i++)
            put32(out + 54 + 4 * i, masks[i]);
        o += 12;
    }
    if (bpp <= 8)
        for (int i = 0; i < npal; i++, o += 4) {
            out[o] = pal[i][0];
            out[o + 1] = pal[i][1];
            out[o + 2] = pal[i][2];
            out[o + 3] = 0;
        }
    for (int y = 0; y < h; y++) {
        uint8_t *r = out + hdr + row * (size_t)(top_down ? y : h - 1 - y);
        for (int x = 0; x < w; x++) {
            const uint8_t *p = bgr + ((size_t)y * w + x) * 3;
            switch (bpp) {
            case 32: r[4 * x] = p[0]; r[4 * x + 1] = p[1]; r[4 * x + 2] = p[2]; r[4 * x + 3] = 0x5a; break;
            case 24: memcpy(r + 3 * x, p, 3); break;
            case 16: {
                unsigned v = masks && masks[1] == 0x07E0
                                 ? (unsigned)(p[2] >> 3) << 11 | (unsigned)(p[1] >> 2) << 5 | p[0] >> 3
                                 : (unsigned)(p[2] >> 3) << 10 | (unsigned)(p[1] >> 3) << 5 | p[0] >> 3;
                put16(r + 2 * x, v);
                break;
            }
            case 8: r[x] = idx[(size_t)y * w + x]; break;
            case 4: r[x / 2] |= (uint8_t)(idx[(size_t)y * w + x] << (x & 1 ? 0 : 4)); break;
            case 1: r[x / 8] |= (uint8_t)(idx[(size_t)y * w + x] << (7 - (x & 7))); break;
            }
        }
    }
    return hdr + row * h;
}

static void test_bmp_layouts(void **state)
{
    const char *dir = fau_test_tmpdir();
    const int w = 23, h = 17;
    uint8_t *bgr = malloc((size_t)w * h * 3), *idx = malloc((size_t)w * h);
    uint8_t *file = malloc(14 + 52 + 1024 + (size_t)(w * 4 + 4) * h);
    uint8_t pal[256][3];
    for (int i = 0; i < 256; i++)
        for (int k = 0; k < 3; k++)
            pal[i][k] = rnd8();
    static const struct {
        int bpp, top_down, compression;
        uint32_t masks[3];
    } cases[] = {
        {24, 0, 0, {0}}, {24, 1, 0, {0}}, {32, 0, 0, {0}}, {32, 0, 3, {0xFF0000, 0xFF00, 0xFF}},
        {8, 0, 0, {0}},  {4, 0, 0, {0}},  {1, 1, 0, {0}},  {16, 0, 0, {0x7C00, 0x3E0, 0x1F}},
        {16, 0, 3, {0xF800, 0x7E0, 0x1F}},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        int bpp = cases[ci].bpp, npal = bpp <= 8 ? 1 << bpp : 0;
        for (int i = 0; i < w * h; i++) {
            idx[i] = npal ? (uint8_t)(rnd8() % npal) : 0;
            for (int k = 0; k < 3; k++)
                bgr[3 * i + k] = npal ? pal[idx[i]][k] : rnd8();
        }
        size_t n = make_bmp(file, w, h, bpp, cases[ci].top_down, cases[ci].compression, bgr, idx,
                            (const uint8_t(*)[3])pal, npal, cases[ci].masks);
        char name[64];
        snprintf(name, sizeof name, "case%zu.bmp", ci);
        const char *path = tmp_path(dir, name);
        write_file(path, file, n);
        fau_frame f = {0};
        fau_error e = {0};
        if (fau_image_load(path, &f, &e))
            fail_msg("%s (bpp %d): %s", name, bpp, e.msg);
        assert_int_equal(f.width, w);
        assert_int_equal(f.height, h);
        int is565 = cases[ci].masks[1] == 0x7E0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const uint8_t *s = bgr + ((size_t)y * w + x) * 3, *p = px(&f, x, y);
                uint8_t want[3] = {s[0], s[1], s[2]};
                if (bpp == 16) { /* 5/6-bit fields, low bits zero (OpenCV) */
                    want[0] &= 0xf8;
                    want[1] &= is565 ? 0xfc : 0xf8;
                    want[2] &= 0xf8;
                }
                if (memcmp(p, want, 3) != 0)
                    fail_msg("%s (bpp %d) pixel (%d,%d) differs", name, bpp, x, y);
            }
        check_gray(&f);
        fau_frame_free(&f);
    }
    free(bgr);
    free(idx);
    free(file);
}

/* ------------------------------------------------------------------ JPEG */

static unsigned char *encode_jpeg(int w, int h, int comps, const uint8_t *pix, unsigned long *n)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    *n = 0;
    jpeg_mem_dest(&c, &out, n);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = (JSAMPROW)(pix + (size_t)c.next_scanline * w * comps);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return out;
}

static void test_jpeg_gray_and_exif(void **state)
{
    const char *dir = fau_test_tmpdir();
    const int w = 40, h = 24;
    uint8_t *pix = malloc((size_t)w * h * 3);
    for (int i = 0; i < w * h * 3; i++)
        pix[i] = (uint8_t)((i * 7) ^ rnd8() >> 5);

    /* Grayscale JPEG: imread gives B = G = R. */
    unsigned long n = 0;
    unsigned char *jg = encode_jpeg(w, h, 1, pix, &n);
    const char *gpath = tmp_path(dir, "gray.jpg");
    write_file(gpath, jg, n);
    fau_frame f = {0};
    fau_error e = {0};
    assert_int_equal(fau_image_load(gpath, &f, &e), 0);
    assert_int_equal(f.width, w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = px(&f, x, y);
            assert_int_equal(p[0], p[1]);
            assert_int_equal(p[1], p[2]);
        }
    check_gray(&f);
    free(jg);

    /* Colour JPEG plus the same stream with an EXIF orientation tag. */
    unsigned char *jc = encode_jpeg(w, h, 3, pix, &n);
    const char *base = tmp_path(dir, "base.jpg");
    write_file(base, jc, n);
    fau_frame b = {0};
    assert_int_equal(fau_image_load(base, &b, &e), 0);
    for (int o = 1; o <= 8; o++) {
        /* APP1: "Exif\0\0" + little-endian TIFF with one IFD entry 0x0112. */
        uint8_t app1[2 + 2 + 6 + 8 + 2 + 12 + 4];
        size_t k = 0;
        app1[k++] = 0xFF;
        app1[k++] = 0xE1;
        put16(app1 + k, 0); /* length, big-endian, set below */
        k += 2;
        memcpy(app1 + k, "Exif\0\0II*\0\x08\0\0\0", 14);
        k += 14;
        put16(app1 + k, 1);
        k += 2;
        put16(app1 + k, 0x0112);
        put16(app1 + k + 2, 3);
        put32(app1 + k + 4, 1);
        put16(app1 + k + 8, (unsigned)o);
        put16(app1 + k + 10, 0);
        k += 12;
        put32(app1 + k, 0);
        k += 4;
        app1[2] = (uint8_t)((k - 2) >> 8);
        app1[3] = (uint8_t)(k - 2);
        uint8_t *withexif = malloc(n + k);
        memcpy(withexif, jc, 2);
        memcpy(withexif + 2, app1, k);
        memcpy(withexif + 2 + k, jc + 2, n - 2);
        char name[32];
        snprintf(name, sizeof name, "exif%d.jpg", o);
        const char *path = tmp_path(dir, name);
        write_file(path, withexif, n + k);
        free(withexif);
        assert_int_equal(fau_image_load(path, &f, &e), 0);
        int tr = o >= 5;
        assert_int_equal(f.width, tr ? h : w);
        assert_int_equal(f.height, tr ? w : h);
        int fx = o == 2 || o == 3 || o == 6 || o == 7, fy = o == 3 || o == 4 || o == 7 || o == 8;
        for (int y = 0; y < f.height; y++)
            for (int x = 0; x < f.width; x++) {
                int tx = fx ? f.width - 1 - x : x, ty = fy ? f.height - 1 - y : y;
                int sx = tr ? ty : tx, sy = tr ? tx : ty;
                assert_memory_equal(px(&f, x, y), px(&b, sx, sy), 3);
            }
        /* Quick geometric sanity on the common ones: 6 = 90 degrees
         * clockwise, so the top-left source pixel lands top-right. */
        if (o == 6)
            assert_memory_equal(px(&f, f.width - 1, 0), px(&b, 0, 0), 3);
        if (o == 8)
            assert_memory_equal(px(&f, 0, f.height - 1), px(&b, 0, 0), 3);
        check_gray(&f);
    }

    /* The same stream cut before its end: refused (no EOI). */
    const char *cut = tmp_path(dir, "cut.jpg");
    write_file(cut, jc, n * 3 / 4);
    fau_error_clear(&e);
    assert_true(fau_image_load(cut, &f, &e) < 0);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_non_null(strstr(e.msg, cut));
    /* EOI only missing: still refused. */
    write_file(cut, jc, n - 2);
    fau_error_clear(&e);
    assert_true(fau_image_load(cut, &f, &e) < 0);
    free(jc);
    fau_frame_free(&f);
    fau_frame_free(&b);
    free(pix);
}

static void test_min_size(void **state)
{
    const char *dir = fau_test_tmpdir();
    const png_case c = {"s.png", PNG_COLOR_TYPE_GRAY, 8, 0, 0};
    uint16_t src[FAU_MIN_IMAGE_SIDE * FAU_MIN_IMAGE_SIDE] = {0};
    fau_frame f = {0};
    fau_error e = {0};
    const char *ok = tmp_path(dir, "ok.png"), *small = tmp_path(dir, "small.png");
    write_png(ok, &c, FAU_MIN_IMAGE_SIDE, FAU_MIN_IMAGE_SIDE, src, 1, NULL, 0);
    write_png(small, &c, FAU_MIN_IMAGE_SIDE, FAU_MIN_IMAGE_SIDE - 1, src, 1, NULL, 0);
    assert_int_equal(fau_image_load(ok, &f, &e), 0);
    assert_int_equal(fau_image_load(small, &f, &e), FAU_EFORMAT);
    assert_non_null(strstr(e.msg, "too small"));
    fau_frame_free(&f);
}

/* ------------------------------------------------------- image sequences */

static void test_sequence_order(void **state)
{
    const char *dir = fau_test_tmpdir();
    /* Names and the width that identifies each file. Only lowercase
     * .jpg/.jpeg/.png/.bmp count (boost::filesystem::path::extension is
     * case sensitive), and the order is strcmp order of the paths, not a
     * natural sort: frame10 before frame2. */
    static const struct {
        const char *name;
        int w; /* 0: not an image of the sequence */
    } files[] = {
        {"frame10.png", 20}, {"frame2.png", 21}, {"frame1.png", 22}, {"Frame3.png", 23},
        {"img.JPG", 0},      {"notes.txt", 0},   {"b.jpeg", 24},     {".x.png", 25},
        {"c.bmp", 26},       {"d.png.bak", 0},   {"e.jpg", 27},
    };
    static const char *order[] = {".x.png",     "Frame3.png", "b.jpeg",     "c.bmp",
                                  "e.jpg",      "frame1.png", "frame10.png", "frame2.png"};
    const png_case c = {"", PNG_COLOR_TYPE_RGB, 8, 0, 0};
    uint16_t *src = calloc(40 * 20 * 3, sizeof *src);
    uint8_t *bmp = calloc(1, 4096);
    uint8_t rgb[40 * 20 * 3] = {0};
    int nimg = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = tmp_path(dir, files[i].name);
        const char *ext = strrchr(files[i].name, '.');
        if (files[i].w == 0 || !strcmp(ext, ".png")) {
            write_png(path, &c, files[i].w ? files[i].w : 30, 20, src, 3, NULL, 0);
        } else if (!strcmp(ext, ".bmp")) {
            size_t n = make_bmp(bmp, files[i].w, 20, 24, 0, 0, rgb, NULL, NULL, 0, NULL);
            write_file(path, bmp, n);
        } else {
            unsigned long n = 0;
            unsigned char *j = encode_jpeg(files[i].w, 20, 3, rgb, &n);
            write_file(path, j, n);
            free(j);
        }
        nimg += files[i].w != 0;
    }
    mkdir(tmp_path(dir, "subdir"), 0700);
    fau_media *m = NULL;
    fau_error e = {0};
    assert_int_equal(fau_media_open(&m, dir, NULL, &e), 0);
    const fau_media_info *in = fau_media_get_info(m);
    assert_int_equal(in->kind, FAU_MEDIA_SEQUENCE);
    assert_int_equal(in->frame_count, nimg);
    assert_int_equal(in->width, 25); /* size of the first image, .x.png */
    fau_frame f = {0};
    int k = 0, rc;
    while ((rc = fau_media_next(m, &f, &e)) == 1) {
        assert_true(k < nimg);
        const char *cur = fau_media_current_path(m);
        const char *slash = strrchr(cur, '/');
        assert_string_equal(slash + 1, order[k]);
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
            if (!strcmp(files[i].name, order[k]))
                assert_int_equal(f.width, files[i].w);
        assert_int_equal(f.index, k);
        assert_true(f.timestamp == 0.0);
        k++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(k, nimg);
    fau_media_close(&m);

    /* A directory without images is an error that names it. */
    const char *empty = fau_test_tmpdir();
    write_file(tmp_path(empty, "readme.txt"), "x", 1);
    fau_error_clear(&e);
    assert_true(fau_media_open(&m, empty, NULL, &e) < 0);
    assert_null(m);
    assert_non_null(strstr(e.msg, empty));
    assert_non_null(strstr(e.msg, "no images"));
    fau_frame_free(&f);
    free(src);
    free(bmp);
}

/* ------------------------------------------------------------------- y4m */

/* Writes a y4m with nframes of pseudo-random planes (plus rows of 0 and
 * 255, to reach the clamps). */
static void write_y4m(const char *path, int w, int h, const char *cs, int nframes)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fprintf(fp, "YUV4MPEG2 W%d H%d F30000:1001 Ip A1:1 C%s XCOLORRANGE=LIMITED\n", w, h, cs);
    size_t ys = (size_t)w * h, cs_n = !strcmp(cs, "mono")  ? 0
                                      : !strcmp(cs, "444") ? ys
                                                           : (size_t)((w + 1) / 2) * ((h + 1) / 2);
    uint8_t *buf = malloc(ys + 2 * cs_n);
    for (int i = 0; i < nframes; i++) {
        for (size_t j = 0; j < ys + 2 * cs_n; j++)
            buf[j] = rnd8();
        memset(buf, 0, (size_t)w);              /* black row */
        memset(buf + (size_t)w, 255, (size_t)w); /* white row */
        if (cs_n) {
            memset(buf + ys, 0, 4);
            memset(buf + ys + cs_n, 255, 4);
        }
        fprintf(fp, "FRAME\n");
        assert_int_equal(fwrite(buf, 1, ys + 2 * cs_n, fp), ys + 2 * cs_n);
    }
    free(buf);
    fclose(fp);
}

static void test_y4m_read(void **state)
{
    const char *dir = fau_test_tmpdir();
    static const char *spaces[] = {"420jpeg", "444", "mono"};
    for (int s = 0; s < 3; s++) {
        const char *path = tmp_path(dir, "a.y4m");
        write_y4m(path, 34, 20, spaces[s], 5);
        fau_media *m = NULL;
        fau_error e = {0};
        assert_int_equal(fau_media_open(&m, path, NULL, &e), 0);
        const fau_media_info *in = fau_media_get_info(m);
        assert_int_equal(in->width, 34);
        assert_int_equal(in->height, 20);
        assert_int_equal(in->frame_count, 5);
        assert_true(in->fps > 29.97 && in->fps < 29.971);
        fau_frame f = {0};
        int n = 0, rc;
        while ((rc = fau_media_next(m, &f, &e)) == 1) {
            check_gray(&f);
            assert_true(f.timestamp == (double)n * (1.0 / in->fps));
            n++;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(n, 5);
        fau_frame_free(&f);
        fau_media_close(&m);
    }
}

static void test_y4m_bad_headers(void **state)
{
    const char *dir = fau_test_tmpdir();
    static const struct {
        const char *text;
        int code;
        const char *needle;
    } cases[] = {
        {"YUV4MPEG2 W32 H32 F30:0 C420jpeg\n", FAU_EFORMAT, "frame rate"},
        {"YUV4MPEG2 W0 H32 F30:1\n", FAU_EFORMAT, "width"},
        {"YUV4MPEG2 W32 Habc F30:1\n", FAU_EFORMAT, "height"},
        {"YUV4MPEG2 W32 F30:1\n", FAU_EFORMAT, "height"},
        {"YUV4MPEG2 W32 H32 C999\n", FAU_EFORMAT, "colourspace"},
        {"YUV4MPEG2 W32 H32 C422\n", FAU_EUNSUPPORTED, "C422"},
        {"YUV4MPEG2 W32 H32 C420p10\n", FAU_EUNSUPPORTED, "420p10"},
        {"YUV4MPEG2 W32 H32 Q7\n", FAU_EFORMAT, "unknown field"},
        {"YUV4MPEG2 W8 H8\n", FAU_EFORMAT, "too small"},
        {"YUV4MPEG3 W32 H32\n", FAU_EFORMAT, "YUV4MPEG2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = tmp_path(dir, "bad.y4m");
        write_file(path, cases[i].text, strlen(cases[i].text));
        fau_media *m = NULL;
        fau_error e = {0};
        int rc = fau_media_open(&m, path, NULL, &e);
        if (rc != cases[i].code || !strstr(e.msg, cases[i].needle) || !strstr(e.msg, path))
            fail_msg("header %zu: rc %d, message: %s", i, rc, e.msg);
        assert_null(m);
    }
    /* A truncated last frame is an error, not a silent end. */
    const char *path = tmp_path(dir, "cut.y4m");
    write_y4m(path, 32, 32, "420jpeg", 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 10), 0);
    fau_media *m = NULL;
    fau_error e = {0};
    assert_int_equal(fau_media_open(&m, path, NULL, &e), 0);
    fau_frame f = {0};
    assert_int_equal(fau_media_next(m, &f, &e), 1);
    assert_int_equal(fau_media_next(m, &f, &e), FAU_EFORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    fau_media_close(&m);
    fau_frame_free(&f);
}

#ifdef FAU_HAVE_FFMPEG
/* Reads every frame of path through one reader into a list of frames. */
static int read_frames(fau_media_reader *r, fau_frame *frames, int max, fau_error *e)
{
    int n = 0, rc;
    while (n < max && (rc = r->next(r->state, &frames[n], e)) == 1)
        n++;
    return n;
}

/* Our y4m reader and FFmpeg's yuv4mpegpipe demuxer + swscale give the same
 * bytes (the path OpenCV takes for a .y4m). */
static void test_y4m_matches_ffmpeg(void **state)
{
    const char *dir = fau_test_tmpdir();
    static const char *spaces[] = {"420jpeg", "420mpeg2", "444", "mono"};
    static const int widths[] = {64, 35, 37, 33};
    for (int s = 0; s < 4; s++) {
        const char *path = tmp_path(dir, "m.y4m");
        write_y4m(path, widths[s], 24, spaces[s], 3);
        fau_media_info i1 = {0}, i2 = {0};
        fau_media_reader a = {0}, b = {0};
        fau_error e = {0};
        fau_media_open_opts o = {0, 1};
        assert_int_equal(fau_y4m_open(&a, &i1, path, &o, &e), 0);
        assert_int_equal(fau_video_ffmpeg_open(&b, &i2, path, &o, &e), 0);
        fau_video_ffmpeg_force_swscale(b.state); /* the reference: libswscale itself */
        fau_frame fa[3] = {{0}}, fb[3] = {{0}};
        assert_int_equal(read_frames(&a, fa, 3, &e), 3);
        assert_int_equal(read_frames(&b, fb, 3, &e), 3);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(fa[k].width, fb[k].width);
            for (int y = 0; y < fa[k].height; y++)
                if (memcmp(px(&fa[k], 0, y), px(&fb[k], 0, y), (size_t)fa[k].width * 3) != 0)
                    fail_msg("C%s width %d frame %d row %d differs from FFmpeg", spaces[s],
                             widths[s], k, y);
            fau_frame_free(&fa[k]);
            fau_frame_free(&fb[k]);
        }
        a.close(a.state);
        b.close(b.state);
    }
}

/* fau_yuv_to_bgr against sws_scale called as OpenCV calls it (same size,
 * BGR24, SWS_BICUBIC, output from av_frame_get_buffer(32)) on random planes
 * with black/white rows, for every layout and range the video path
 * converts itself. */
static void test_yuv_kernel_vs_swscale(void **state)
{
    static const struct {
        enum AVPixelFormat fmt;
        fau_yuv_layout layout;
        int full, cw_shift, ch_shift;
    } cases[] = {
        {AV_PIX_FMT_YUV420P, FAU_YUV420, 0, 1, 1},  {AV_PIX_FMT_YUVJ420P, FAU_YUV420, 1, 1, 1},
        {AV_PIX_FMT_YUV422P, FAU_YUV422, 0, 1, 0},  {AV_PIX_FMT_YUVJ422P, FAU_YUV422, 1, 1, 0},
        {AV_PIX_FMT_YUV444P, FAU_YUV444, 0, 0, 0},  {AV_PIX_FMT_YUVJ444P, FAU_YUV444, 1, 0, 0},
        {AV_PIX_FMT_GRAY8, FAU_YUV_MONO, 0, 0, 0},
    };
    static const int sizes[][2] = {{64, 32}, {37, 20}, {130, 18}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        for (size_t si = 0; si < 3; si++) {
            int w = sizes[si][0], h = sizes[si][1];
            AVFrame *in = av_frame_alloc(), *out = av_frame_alloc();
            in->format = cases[ci].fmt;
            in->width = w;
            in->height = h;
            assert_int_equal(av_frame_get_buffer(in, 32), 0);
            int np = cases[ci].layout == FAU_YUV_MONO ? 1 : 3;
            for (int p = 0; p < np; p++) {
                int pw = p ? (w + (1 << cases[ci].cw_shift) - 1) >> cases[ci].cw_shift : w;
                int ph = p ? (h + (1 << cases[ci].ch_shift) - 1) >> cases[ci].ch_shift : h;
                for (int y = 0; y < ph; y++)
                    for (int x = 0; x < pw; x++)
                        in->data[p][(size_t)y * in->linesize[p] + x] =
                            y == 0 ? 0 : y == 1 ? 255 : rnd8();
            }
            out->format = AV_PIX_FMT_BGR24;
            out->width = w;
            out->height = h;
            assert_int_equal(av_frame_get_buffer(out, 32), 0);
            struct SwsContext *sws = sws_getContext(w, h, cases[ci].fmt, w, h, AV_PIX_FMT_BGR24,
                                                    SWS_BICUBIC, NULL, NULL, NULL);
            assert_non_null(sws);
            sws_scale(sws, (const uint8_t *const *)in->data, in->linesize, 0, h, out->data,
                      out->linesize);
            uint8_t *mine = malloc((size_t)w * 3 * h);
            fau_yuv_to_bgr(cases[ci].layout, cases[ci].full, in->data[0], (size_t)in->linesize[0],
                           in->data[1], (size_t)in->linesize[1], in->data[2],
                           (size_t)in->linesize[2], w, h, mine, (size_t)w * 3);
            for (int y = 0; y < h; y++)
                if (memcmp(mine + (size_t)y * w * 3, out->data[0] + (size_t)y * out->linesize[0],
                           (size_t)w * 3) != 0)
                    fail_msg("%s %dx%d row %d differs from swscale",
                             av_get_pix_fmt_name(cases[ci].fmt), w, h, y);
            free(mine);
            sws_freeContext(sws);
            av_frame_free(&in);
            av_frame_free(&out);
        }
}

/* A .y4m copy of decoded video01.mp4 frames (what `ffmpeg -i clip.mp4
 * -pix_fmt yuv420p clip.y4m` holds) reads back as the same BGR frames. */
static void test_y4m_round_trip(void **state)
{
    enum { N = 12 };
    const char *dir = fau_test_tmpdir();
    const char *y4m = tmp_path(dir, "video01.y4m");
    fau_media_info info = {0};
    fau_media_reader r = {0};
    fau_error e = {0};
    fau_media_open_opts o = {0, 1};
    assert_int_equal(
        fau_video_ffmpeg_open(&r, &info, fau_test_shared("media/video01.mp4"), &o, &e), 0);
    FILE *fp = fopen(y4m, "wb");
    assert_non_null(fp);
    fau_frame ref[N] = {{0}};
    for (int k = 0; k < N; k++) {
        assert_int_equal(r.next(r.state, &ref[k], &e), 1);
        const uint8_t *pl[3];
        int st[3], w, h;
        assert_int_equal(fau_video_ffmpeg_last_yuv(r.state, pl, st, &w, &h), 0 /* yuv420p */);
        if (k == 0)
            fprintf(fp, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", w, h);
        fprintf(fp, "FRAME\n");
        for (int p = 0; p < 3; p++) {
            int pw = p ? (w + 1) / 2 : w, ph = p ? (h + 1) / 2 : h;
            for (int y = 0; y < ph; y++)
                assert_int_equal(fwrite(pl[p] + (size_t)y * st[p], 1, (size_t)pw, fp), (size_t)pw);
        }
    }
    fclose(fp);
    r.close(r.state);

    fau_media *m = NULL;
    assert_int_equal(fau_media_open(&m, y4m, NULL, &e), 0);
    assert_string_equal(fau_media_get_info(m)->codec, "y4m");
    fau_frame f = {0};
    for (int k = 0; k < N; k++) {
        assert_int_equal(fau_media_next(m, &f, &e), 1);
        for (int y = 0; y < f.height; y++) {
            assert_memory_equal(px(&f, 0, y), px(&ref[k], 0, y), (size_t)f.width * 3);
            assert_memory_equal(f.gray + (size_t)y * f.gray_stride,
                                ref[k].gray + (size_t)y * ref[k].gray_stride, (size_t)f.width);
        }
        fau_frame_free(&ref[k]);
    }
    assert_int_equal(fau_media_next(m, &f, &e), 0);
    fau_media_close(&m);
    fau_frame_free(&f);
}
#endif

/* Without FFmpeg, a video file is refused up front as unsupported. */
static void test_no_ffmpeg_video(void **state)
{
    if (have_ffmpeg())
        skip();
    fau_media *m = NULL;
    fau_error e = {0};
    const char *path = fau_test_shared("media/video01.mp4");
    assert_int_equal(fau_media_open(&m, path, NULL, &e), FAU_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "no FFmpeg"));
    assert_int_equal(fau_media_have_ffmpeg(), 0);
}

int main(void)
{
    fau_media_quiet_backend_logs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_layouts),
        cmocka_unit_test(test_bmp_layouts),
        cmocka_unit_test(test_jpeg_gray_and_exif),
        cmocka_unit_test(test_min_size),
        cmocka_unit_test(test_sequence_order),
        cmocka_unit_test(test_y4m_read),
        cmocka_unit_test(test_y4m_bad_headers),
#ifdef FAU_HAVE_FFMPEG
        cmocka_unit_test(test_y4m_matches_ffmpeg),
        cmocka_unit_test(test_yuv_kernel_vs_swscale),
        cmocka_unit_test(test_y4m_round_trip),
#endif
        cmocka_unit_test(test_no_ffmpeg_video),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
