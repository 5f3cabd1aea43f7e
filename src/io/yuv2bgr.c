/* YUV -> packed BGR, bit-exact with what libswscale 6.7 (FFmpeg 5.1) on
 * x86-64 produces for OpenCV's sws_scale(..., AV_PIX_FMT_BGR24,
 * SWS_BICUBIC) at unchanged size, so that a .y4m copy of a clip read
 * without FFmpeg gives the frames the FFmpeg path (and OpenCV) gives.
 *
 * swscale's fixed-point YUV->RGB on x86 (yuv2rgb.c / yuv_2_rgb.asm for
 * unscaled 4:2:0 with an even number of rows) works on 16-bit lanes:
 *   y' = pmulhw((Y << 3) - y_offset, y_coeff)     (signed: Y < 16 gives a
 *                                                  negative y', no clamp)
 *   u' = (U << 3) - 1024,  v' = (V << 3) - 1024
 *   B = sat8(y' + pmulhw(u', ub)), R = sat8(y' + pmulhw(v', vr)),
 *   G = sat8(y' + (pmulhw(u', ug) + pmulhw(v', vg)))
 * with pmulhw(a, b) = (a * b) >> 16 (floor) and the coefficients of
 * ff_yuv2rgb_c_init_tables for the default BT.601 matrix
 * (ff_yuv2rgb_coeffs[SWS_CS_DEFAULT] = {104597, 132201, 25675, 53279}),
 * contrast and saturation 1<<16, brightness 0. 4:2:0 chroma is nearest
 * (no interpolation): pixel (x, y) uses chroma (x >> 1, y >> 1).
 * 4:2:0 with an odd number of rows leaves that unscaled path in swscale
 * (vertical bicubic chroma); we keep the nearest-chroma formula there, so
 * such files are not bit-exact with FFmpeg. 4:4:4: see below.
 * Gray (y4m "mono", AV_PIX_FMT_GRAY8) goes through swscale's palette path
 * with r = g = b = Y, i.e. plain replication. */
#include "io/media_internal.h"

typedef struct coeffs {
    int y_off, y_mul, vr, ub, ug, vg;
} coeffs;

/* roundToInt16 of swscale's yuv2rgb.c: (x + 2^15) >> 16, clipped. */
static int round_to_int16(int64_t f)
{
    int64_t r = f + (1 << 15);
    r = r >= 0 ? r >> 16 : -((-r + 65535) >> 16); /* floor division */
    if (r < -0x8000)
        r = -0x8000;
    if (r > 0x7FFF)
        r = 0x7FFF;
    return (int)r;
}

static coeffs make_coeffs(int full_range)
{
    /* ff_yuv2rgb_c_init_tables with inv_table = BT.601. */
    int64_t crv = 104597, cbu = 132201, cgu = -25675, cgv = -53279;
    int64_t cy = 1 << 16, oy = 0;
    if (!full_range) {
        cy = (cy * 255) / 219;
        oy = 16 << 16;
    } else {
        crv = (crv * 224) / 255;
        cbu = (cbu * 224) / 255;
        cgu = (cgu * 224) / 255;
        cgv = (cgv * 224) / 255;
    }
    /* contrast = saturation = 1 << 16: (x * c) >> 16 and (x * c * s) >> 32
     * leave the values unchanged. */
    coeffs c;
    c.y_mul = round_to_int16(cy * (1 << 13));
    c.vr = round_to_int16(crv * (1 << 13));
    c.ub = round_to_int16(cbu * (1 << 13));
    c.vg = round_to_int16(cgv * (1 << 13));
    c.ug = round_to_int16(cgu * (1 << 13));
    c.y_off = round_to_int16(oy * (1 << 3));
    return c;
}

static inline int mulhw(int a, int b)
{
    int p = a * b;
    return p >= 0 ? p >> 16 : -((-p + 65535) >> 16);
}

static inline int sat16(int v)
{
    return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

/* av_clip_uintp2(v, 30) >> 22 of yuv2rgb_write_full. */
static inline uint8_t clip30(int64_t v)
{
    if (v < 0)
        v = 0;
    if (v > (1 << 30) - 1)
        v = (1 << 30) - 1;
    return (uint8_t)(v >> 22);
}

static inline uint8_t sat8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void fau_yuv_to_bgr(fau_yuv_layout layout, int full_range, const uint8_t *y, size_t ys,
                    const uint8_t *u, size_t us, const uint8_t *v, size_t vs, int w, int h,
                    uint8_t *bgr, size_t bgr_stride)
{
    if (layout == FAU_YUV_MONO) {
        for (int r = 0; r < h; r++) {
            const uint8_t *py = y + (size_t)r * ys;
            uint8_t *d = bgr + (size_t)r * bgr_stride;
            for (int x = 0; x < w; x++, d += 3)
                d[0] = d[1] = d[2] = py[x];
        }
        return;
    }
    const coeffs c = make_coeffs(full_range);
    if (layout == FAU_YUV444) {
        /* Non-subsampled chroma makes swscale force SWS_FULL_CHR_H_INT, so
         * 4:4:4 goes through the scaler (identity filters: 15-bit samples
         * Y << 7) and yuv2rgb_full_1_c / yuv2rgb_write_full (no x86 SIMD
         * in 5.1): Y9 = (Y << 9) - (y_offset << 6), chroma (C - 128) << 9,
         * sums with 2^21 added, clipped to 30 bits, >> 22. */
        const int y_off9 = c.y_off << 6;
        for (int r = 0; r < h; r++) {
            const uint8_t *py = y + (size_t)r * ys, *pu = u + (size_t)r * us;
            const uint8_t *pv = v + (size_t)r * vs;
            uint8_t *d = bgr + (size_t)r * bgr_stride;
            for (int x = 0; x < w; x++, d += 3) {
                int64_t yy = (int64_t)((py[x] << 9) - y_off9) * c.y_mul + (1 << 21);
                int64_t uu = (int64_t)(pu[x] - 128) << 9, vv = (int64_t)(pv[x] - 128) << 9;
                int64_t R = yy + vv * c.vr, G = yy + vv * c.vg + uu * c.ug, B = yy + uu * c.ub;
                d[0] = clip30(B);
                d[1] = clip30(G);
                d[2] = clip30(R);
            }
        }
        return;
    }
    for (int r = 0; r < h; r++) {
        const uint8_t *py = y + (size_t)r * ys;
        const uint8_t *pu = u + (size_t)(r >> 1) * us;
        const uint8_t *pv = v + (size_t)(r >> 1) * vs;
        uint8_t *d = bgr + (size_t)r * bgr_stride;
        for (int x = 0; x < w; x++, d += 3) {
            int cx = x >> 1;
            int uu = (pu[cx] << 3) - 1024, vv = (pv[cx] << 3) - 1024;
            int yy = (py[x] << 3) - c.y_off;
            int yp = mulhw(yy, c.y_mul);
            int gb = sat16(mulhw(uu, c.ug) + mulhw(vv, c.vg));
            d[0] = sat8(sat16(yp + mulhw(uu, c.ub)));
            d[1] = sat8(sat16(yp + gb));
            d[2] = sat8(sat16(yp + mulhw(vv, c.vr)));
        }
    }
}
