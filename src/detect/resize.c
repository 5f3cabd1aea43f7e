#include "detect/resize.h"

#include <math.h>
#include <string.h>

size_t fau_resize_scratch_floats(int w, int dw)
{
    /* source row (w*3), two horizontally resized rows (2*dw*3), x offsets
     * (dw, stored as int in float-sized slots) and 2*dw coefficients; each
     * part rounded up to 16 floats to keep 64-byte alignment. */
    size_t a = ((size_t)w * 3 + 15) & ~(size_t)15;
    size_t b = ((size_t)dw * 3 + 15) & ~(size_t)15;
    size_t c = ((size_t)dw + 15) & ~(size_t)15;
    size_t d = ((size_t)dw * 2 + 15) & ~(size_t)15;
    return a + 2 * b + c + d;
}

/* Row v of the window as floats, zero outside the image. */
static void fetch_row(const fau_resize_src *s, int v, float *row)
{
    const int iy = s->oy + v;
    if (iy < 0 || iy >= s->img_h) {
        memset(row, 0, (size_t)s->w * 3 * sizeof(float));
        return;
    }
    const uint8_t *p = s->bgr + (size_t)iy * s->stride;
    int u0 = s->ox < 0 ? -s->ox : 0;
    int u1 = s->img_w - s->ox < s->w ? s->img_w - s->ox : s->w;
    if (u1 < u0)
        u1 = u0;
    if (u0 > s->w)
        u0 = u1 = s->w;
    for (int u = 0; u < u0 * 3; u++)
        row[u] = 0.0f;
    for (int u = u0 * 3; u < u1 * 3; u++)
        row[u] = (float)p[(size_t)s->ox * 3 + u];
    for (int u = u1 * 3; u < s->w * 3; u++)
        row[u] = 0.0f;
}

/* HResizeLinear<float, float, float, 1, ...>: D = S[sx]*a0 + S[sx+1]*a1,
 * and D = S[sx] for destination pixels mapped at or past the last source
 * column (xmax in OpenCV). */
static void hresize(const float *row, int sw, const int *xofs, const float *alpha, int dw,
                    float *out)
{
    for (int dx = 0; dx < dw; dx++) {
        const int sx = xofs[dx];
        const float *p = row + (size_t)sx * 3;
        float *o = out + (size_t)dx * 3;
        if (sx + 1 >= sw) {
            o[0] = p[0];
            o[1] = p[1];
            o[2] = p[2];
        } else {
            const float a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
            o[0] = p[0] * a0 + p[3] * a1;
            o[1] = p[1] * a0 + p[4] * a1;
            o[2] = p[2] * a0 + p[5] * a1;
        }
    }
}

static void resize_area2(const fau_resize_src *s, int dw, int dh, float *dst, float *scratch)
{
    const size_t rw = ((size_t)s->w * 3 + 15) & ~(size_t)15;
    float *r0 = scratch, *r1 = scratch + rw;
    for (int dy = 0; dy < dh; dy++) {
        fetch_row(s, 2 * dy, r0);
        fetch_row(s, 2 * dy + 1, r1);
        float *o = dst + (size_t)dy * dw * 3;
        for (int dx = 0; dx < dw; dx++)
            for (int c = 0; c < 3; c++) {
                const size_t i = (size_t)dx * 6 + c;
                /* resizeAreaFast_: sum of the 2x2 block in ofs order
                 * (top-left, top-right, bottom-left, bottom-right), * 0.25f */
                float sum = r0[i] + r0[i + 3] + r1[i] + r1[i + 3];
                o[(size_t)dx * 3 + c] = sum * 0.25f;
            }
    }
}

void fau_resize_bgr(const fau_resize_src *s, int dw, int dh, float *dst, float *scratch)
{
    const double inv_x = (double)dw / s->w, inv_y = (double)dh / s->h;
    const double scale_x = 1. / inv_x, scale_y = 1. / inv_y;
    /* cv::resize: equal sizes copy; INTER_LINEAR with an exact factor 2
     * both ways becomes INTER_AREA (is_area_fast && iscale == 2). */
    const int isx = (int)lrint(scale_x), isy = (int)lrint(scale_y);
    if (fabs(scale_x - isx) < 2.220446049250313e-16 && fabs(scale_y - isy) < 2.220446049250313e-16 &&
        isx == 2 && isy == 2 && 2 * s->w >= 0 && s->w >= 2 * dw && s->h >= 2 * dh) {
        resize_area2(s, dw, dh, dst, scratch);
        return;
    }
    const size_t rw = ((size_t)s->w * 3 + 15) & ~(size_t)15;
    const size_t hw = ((size_t)dw * 3 + 15) & ~(size_t)15;
    const size_t xw = ((size_t)dw + 15) & ~(size_t)15;
    float *row = scratch;
    float *h0 = row + rw, *h1 = h0 + hw;
    int *xofs = (int *)(h1 + hw);
    float *alpha = (float *)(h1 + hw + xw);

    for (int dx = 0; dx < dw; dx++) {
        float fx = (float)((dx + 0.5) * scale_x - 0.5);
        int sx = (int)floorf(fx);
        fx -= (float)sx;
        if (sx < 0)
            fx = 0, sx = 0;
        if (sx >= s->w - 1)
            fx = 0, sx = s->w - 1;
        xofs[dx] = sx;
        alpha[2 * dx] = 1.f - fx;
        alpha[2 * dx + 1] = fx;
    }
    int row0 = -1, row1 = -1; /* source rows held in h0, h1 */
    for (int dy = 0; dy < dh; dy++) {
        float fy = (float)((dy + 0.5) * scale_y - 0.5);
        int sy = (int)floorf(fy);
        fy -= (float)sy;
        const float b0 = 1.f - fy, b1 = fy;
        int y0 = sy < 0 ? 0 : sy >= s->h ? s->h - 1 : sy;
        int y1 = sy + 1 < 0 ? 0 : sy + 1 >= s->h ? s->h - 1 : sy + 1;
        if (row0 != y0) {
            if (row1 == y0) {
                float *t = h0;
                h0 = h1;
                h1 = t;
                row0 = y0;
                row1 = -1;
            } else {
                fetch_row(s, y0, row);
                hresize(row, s->w, xofs, alpha, dw, h0);
                row0 = y0;
            }
        }
        if (row1 != y1) {
            if (y1 == row0) {
                memcpy(h1, h0, (size_t)dw * 3 * sizeof(float));
            } else {
                fetch_row(s, y1, row);
                hresize(row, s->w, xofs, alpha, dw, h1);
            }
            row1 = y1;
        }
        float *o = dst + (size_t)dy * dw * 3;
        for (int i = 0; i < dw * 3; i++)
            o[i] = h0[i] * b0 + h1[i] * b1;
    }
}
