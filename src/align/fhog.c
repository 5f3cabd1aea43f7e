/* FHOG: port of dlib 19.24 impl_fhog::impl_extract_fhog_features (cell
 * size > 1) as compiled into OpenFace (-msse3 without SSSE3 or AVX: simd8f
 * is two SSE registers, sum() takes dlib's SSE2 branch). See fhog.h. */
#include <math.h>
#include <string.h>

#include "align/fhog.h"

/* dlib's directions, float from the double literals. */
static const float dir_x[9] = {1.0000f, 0.9397f, 0.7660f, 0.500f, 0.1736f,
                               -0.1736f, -0.5000f, -0.7660f, -0.9397f};
static const float dir_y[9] = {0.0000f, 0.3420f, 0.6428f, 0.8660f, 0.9848f,
                               0.9848f, 0.8660f, 0.6428f, 0.3420f};

static void cells(int w, int h, int cell, int *cnr, int *cnc)
{
    *cnr = (int)((float)h / (float)cell + 0.5);
    *cnc = (int)((float)w / (float)cell + 0.5);
}

void fau_fhog_dims(int w, int h, int cell, int *rows, int *cols)
{
    int cnr, cnc;
    cells(w, h, cell, &cnr, &cnc);
    *rows = cnr - 2 > 0 ? cnr - 2 : 0;
    *cols = cnc - 2 > 0 ? cnc - 2 : 0;
    if (*rows == 0 || *cols == 0)
        *rows = *cols = 0;
}

size_t fau_fhog_workspace(int w, int h, int cell)
{
    int cnr, cnc;
    cells(w, h, cell, &cnr, &cnc);
    if (cnr < 0 || cnc < 0)
        return 0;
    /* histogram, norms, then 8 per-column rows of scratch */
    return ((size_t)(cnr + 2) * (size_t)(cnc + 2) * 18 + (size_t)cnr * (size_t)cnc +
            8 * (size_t)(w > 0 ? w : 0)) * sizeof(float);
}

/* Gradient at (r, c). simd selects dlib's 8-wide loop semantics for colour
 * images: ties between channel magnitudes go to the later of red, green,
 * blue; the scalar loop keeps the earlier. dlib's bgr_pixel: byte 0 blue,
 * 1 green, 2 red. */
static inline void gradient(const uint8_t *img, size_t stride, int cn, int r, int c, int simd,
                            int *gx, int *gy, int *len)
{
    const uint8_t *row = img + (size_t)r * stride, *up = row - stride, *dn = row + stride;
    if (cn == 1) {
        int x = row[c + 1] - row[c - 1], y = dn[c] - up[c];
        *gx = x, *gy = y, *len = x * x + y * y;
        return;
    }
    int rx = row[(c + 1) * cn + 2] - row[(c - 1) * cn + 2], ry = dn[c * cn + 2] - up[c * cn + 2];
    int gx_ = row[(c + 1) * cn + 1] - row[(c - 1) * cn + 1], gy_ = dn[c * cn + 1] - up[c * cn + 1];
    int bx = row[(c + 1) * cn] - row[(c - 1) * cn], by = dn[c * cn] - up[c * cn];
    int rl = rx * rx + ry * ry, gl = gx_ * gx_ + gy_ * gy_, bl = bx * bx + by * by;
    int x, y, l;
    if (simd) {
        if (rl > gl)
            x = rx, y = ry, l = rl;
        else
            x = gx_, y = gy_, l = gl;
        if (!(l > bl))
            x = bx, y = by, l = bl;
    } else {
        x = rx, y = ry, l = rl;
        if (gl > l)
            x = gx_, y = gy_, l = gl;
        if (bl > l)
            x = bx, y = by, l = bl;
    }
    *gx = x, *gy = y, *len = l;
}

static inline float sum4(const float v[4])
{
    /* dlib sum(simd4f), SSE2 branch: dlib enables its SSE3 branch only for
     * __SSSE3__, which OpenFace's -msse3 does not define. */
    return (v[0] + v[2]) + (v[1] + v[3]);
}

int fau_fhog_compute(const uint8_t *img, int w, int h, size_t stride, int cn, int cell,
                     float *out, void *workspace)
{
    int cnr, cnc;
    cells(w, h, cell, &cnr, &cnc);
    if (cnr <= 0 || cnc <= 0)
        return -1;
    const int hog_nr = cnr - 2 > 0 ? cnr - 2 : 0, hog_nc = cnc - 2 > 0 ? cnc - 2 : 0;
    if (hog_nr == 0 || hog_nc == 0)
        return -1;
    const int hst = cnc + 2; /* hist row length in cells */
    float *hist = workspace;
    float *norm = hist + (size_t)(cnr + 2) * hst * 18;
    memset(hist, 0, (size_t)(cnr + 2) * hst * 18 * sizeof(float));
    memset(norm, 0, (size_t)cnr * cnc * sizeof(float));
#define HIST(r, c, o) hist[((size_t)(r) * hst + (c)) * 18 + (o)]

    const int visible_nr = (cnr * cell < h ? cnr * cell : h) - 1;
    const int visible_nc = (cnc * cell < w ? cnc * cell : w) - 1;
    /* dlib's simd8f loop covers blocks x0 = 1, 9, 17, ... with
     * x0 < visible_nc - 7; its scalar loop takes the rest. */
    int simd_end = 1;
    while (simd_end < visible_nc - 7)
        simd_end += 8;
    if (simd_end > visible_nc)
        simd_end = visible_nc;

    /* Per-row scratch and per-column interpolation tables. */
    float *gxr = norm + (size_t)cnr * cnc, *gyr = gxr + w, *vr = gyr + w, *bd = vr + w;
    float *tvx0 = bd + w, *tvx1 = tvx0 + w;
    int32_t *bo = (int32_t *)(tvx1 + w), *tix = bo + w;
    for (int x = 1; x < visible_nc; x++) {
        if (x < simd_end) {
            /* simd8f: xp = (x + 0.5f) / cell + 0.5f, truncated (cvttps) */
            float xp = ((float)x + 0.5f) / (float)cell + 0.5f;
            int ixp = (int)xp;
            tix[x] = ixp;
            tvx0[x] = xp - (float)ixp;
            tvx1[x] = 1.0f - tvx0[x];
        } else {
            const float xp = (float)(((double)x + 0.5) / (double)cell - 0.5);
            const int ixp = (int)floorf(xp);
            tix[x] = ixp + 1;
            tvx0[x] = xp - (float)ixp;
            tvx1[x] = (float)(1.0 - tvx0[x]);
        }
    }

    for (int y = 1; y < visible_nr; y++) {
        const float yp = (float)(((double)(float)y + 0.5) / (double)(float)cell - 0.5);
        const int iyp = (int)floorf(yp);
        const float vy0 = yp - (float)iyp;
        const float vy1 = (float)(1.0 - vy0);
        if (cn == 3) {
            /* colour gradients, branch-free: dlib's simd8f choice (ties to the
             * later of red, green, blue) before simd_end, its scalar choice
             * (ties to the earlier) after */
            const uint8_t *row = img + (size_t)y * stride, *up = row - stride, *dn = row + stride;
            for (int x = 1; x < visible_nc; x++) {
                const int c = 3 * x;
                const int bxg = row[c + 3] - row[c - 3], byg = dn[c] - up[c];
                const int gxg = row[c + 4] - row[c - 2], gyg = dn[c + 1] - up[c + 1];
                const int rxg = row[c + 5] - row[c - 1], ryg = dn[c + 2] - up[c + 2];
                const int rl = rxg * rxg + ryg * ryg, gl = gxg * gxg + gyg * gyg;
                const int bl = bxg * bxg + byg * byg;
                int gx, gy, l;
                if (x < simd_end) {
                    const int c1 = rl > gl;
                    gx = c1 ? rxg : gxg;
                    gy = c1 ? ryg : gyg;
                    l = c1 ? rl : gl;
                    const int c2 = l > bl;
                    gx = c2 ? gx : bxg;
                    gy = c2 ? gy : byg;
                    l = c2 ? l : bl;
                } else {
                    gx = rxg, gy = ryg, l = rl;
                    if (gl > l)
                        gx = gxg, gy = gyg, l = gl;
                    if (bl > l)
                        gx = bxg, gy = byg, l = bl;
                }
                gxr[x] = (float)gx;
                gyr[x] = (float)gy;
                vr[x] = sqrtf((float)l);
                bd[x] = 0;
                bo[x] = 0;
            }
        } else {
            for (int x = 1; x < visible_nc; x++) {
                int gx, gy, len;
                gradient(img, stride, cn, y, x, x < simd_end, &gx, &gy, &len);
                gxr[x] = (float)gx;
                gyr[x] = (float)gy;
                vr[x] = sqrtf((float)len);
                bd[x] = 0;
                bo[x] = 0;
            }
        }
        /* Orientation bins (best_orientation, vectorised across the row):
         * the signed bin o+9 wins only when strictly larger. */
        for (int o = 0; o < 9; o++) {
            const float dxo = dir_x[o], dyo = dir_y[o];
            float *restrict bdr = bd;
            int32_t *restrict bor = bo;
            const float *restrict gxx = gxr, *restrict gyy = gyr;
            for (int x = 1; x < visible_nc; x++) {
                const float d = dxo * gxx[x] + dyo * gyy[x], nd = -d, b = bdr[x];
                const int32_t ob = bor[x];
                const int32_t c1 = d > b;
                const int32_t c2 = (nd > b) & (c1 ^ 1);
                const float b1 = c1 ? d : b;
                const int32_t o1 = c1 ? o : ob;
                bdr[x] = c2 ? nd : b1;
                bor[x] = c2 ? o + 9 : o1;
            }
        }
        float *h1 = &HIST(iyp + 1, 0, 0), *h2 = &HIST(iyp + 2, 0, 0);
        for (int x = 1; x < simd_end; x++) {
            /* dlib's simd8f lanes: vy * (vx * v) */
            const int o = bo[x], c = tix[x];
            const float v = vr[x], vx1 = tvx1[x] * v, vx0 = tvx0[x] * v;
            h1[c * 18 + o] += vy1 * vx1;
            h2[c * 18 + o] += vy0 * vx1;
            h1[(c + 1) * 18 + o] += vy1 * vx0;
            h2[(c + 1) * 18 + o] += vy0 * vx0;
        }
        for (int x = simd_end; x < visible_nc; x++) {
            /* dlib's scalar tail: (vy * vx) * v */
            const int o = bo[x], c = tix[x];
            const float v = vr[x], vx1 = tvx1[x], vx0 = tvx0[x];
            h1[c * 18 + o] += vy1 * vx1 * v;
            h2[c * 18 + o] += vy0 * vx1 * v;
            h1[(c + 1) * 18 + o] += vy1 * vx0 * v;
            h2[(c + 1) * 18 + o] += vy0 * vx0 * v;
        }
    }

    for (int r = 0; r < cnr; r++)
        for (int c = 0; c < cnc; c++) {
            float acc = 0;
            for (int o = 0; o < 9; o++) {
                float s = HIST(r + 1, c + 1, o) + HIST(r + 1, c + 1, o + 9);
                acc += s * s;
            }
            norm[(size_t)r * cnc + c] = acc;
        }
#define NORM(r, c) norm[(size_t)(r) * cnc + (c)]

    const float eps = 0.0001f;
    for (int y = 0; y < hog_nr; y++) {
        for (int x = 0; x < hog_nc; x++) {
            const float z1[4] = {NORM(y + 1, x + 1), NORM(y, x + 1), NORM(y + 1, x), NORM(y, x)};
            const float z2[4] = {NORM(y + 1, x + 2), NORM(y, x + 2), NORM(y + 1, x + 1), NORM(y, x + 1)};
            const float z3[4] = {NORM(y + 2, x + 1), NORM(y + 1, x + 1), NORM(y + 2, x), NORM(y + 1, x)};
            const float z4[4] = {NORM(y + 2, x + 2), NORM(y + 1, x + 2), NORM(y + 2, x + 1), NORM(y + 1, x + 1)};
            float nn[4], n[4], t[4] = {0, 0, 0, 0};
            for (int l = 0; l < 4; l++) {
                nn[l] = 0.2f * sqrtf(z1[l] + z2[l] + z3[l] + z4[l] + eps);
                n[l] = 0.1f / nn[l];
            }
            float *dst = out + ((size_t)y * hog_nc + x) * FAU_FHOG_CHANNELS;
            const float *hc = &HIST(y + 2, x + 2, 0);
            for (int o = 0; o < 18; o += 3) {
                float h0[4], h1[4], h2[4];
                for (int l = 0; l < 4; l++) {
                    h0[l] = (hc[o] < nn[l] ? hc[o] : nn[l]) * n[l];
                    h1[l] = (hc[o + 1] < nn[l] ? hc[o + 1] : nn[l]) * n[l];
                    h2[l] = (hc[o + 2] < nn[l] ? hc[o + 2] : nn[l]) * n[l];
                }
                dst[o] = sum4(h0);
                dst[o + 1] = sum4(h1);
                dst[o + 2] = sum4(h2);
                for (int l = 0; l < 4; l++)
                    t[l] += h0[l] + h1[l] + h2[l];
            }
            for (int l = 0; l < 4; l++)
                t[l] *= (float)(2 * 0.2357);
            for (int o = 0; o < 9; o++) {
                float s = hc[o] + hc[o + 9];
                float hh[4];
                for (int l = 0; l < 4; l++)
                    hh[l] = (s < nn[l] ? s : nn[l]) * n[l];
                dst[18 + o] = sum4(hh);
            }
            dst[27] = t[0];
            dst[28] = t[1];
            dst[29] = t[2];
            dst[30] = t[3];
        }
    }
#undef HIST
#undef NORM
    return 0;
}
