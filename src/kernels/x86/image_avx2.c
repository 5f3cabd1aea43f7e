/* AVX2 image kernel warp_row_c3: eight destination pixels per step; when
 * all eight sample fully inside the source (OpenCV's fast path) the 2x2 BGR
 * neighbourhoods come from four 32-bit gathers (bytes p0[0..3], p0[2..5]
 * and the same one row down: never past the last byte the scalar path
 * reads) and are blended in 32-bit integers with the same weights and
 * rounding; other groups, and the row tail, run the C body. Integer work:
 * bit-identical to the C reference. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels/image_tmpl.h"

#define T_AVX2 __attribute__((target("avx2")))

T_AVX2 void fau_k_warp_row_c3_avx2(const uint8_t *src, int sw, int sh, size_t sstride,
                                   const int32_t *adelta, const int32_t *bdelta, int X0, int Y0,
                                   uint8_t *out, int n);

T_AVX2 void fau_k_warp_row_c3_avx2(const uint8_t *src, int sw, int sh, size_t sstride,
                                   const int32_t *adelta, const int32_t *bdelta, int X0, int Y0,
                                   uint8_t *out, int n)
{
    int x = 0;
    /* gather offsets are int32: only when the whole image is addressable */
    if (sstride <= (size_t)INT32_MAX / (size_t)(sh > 0 ? sh : 1) && sw >= 2 && sh >= 2) {
        const __m256i vX0 = _mm256_set1_epi32(X0), vY0 = _mm256_set1_epi32(Y0);
        const __m256i m31 = _mm256_set1_epi32(31), c32 = _mm256_set1_epi32(32);
        const __m256i ff = _mm256_set1_epi32(255), rnd = _mm256_set1_epi32(1 << 14);
        const __m256i lim_x = _mm256_set1_epi32(sw - 1), lim_y = _mm256_set1_epi32(sh - 1);
        const __m256i neg1 = _mm256_set1_epi32(-1), zero = _mm256_setzero_si256();
        const __m256i stride = _mm256_set1_epi32((int)sstride), three = _mm256_set1_epi32(3);
        const __m256i fix0 = _mm256_set1_epi32(32767), fix3 = _mm256_set1_epi32(1);
        const __m128i pack = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
        const uint8_t *src1 = src + sstride;
        for (; x + 8 <= n; x += 8) {
            const __m256i X = _mm256_srai_epi32(
                _mm256_add_epi32(vX0, _mm256_loadu_si256((const __m256i *)(adelta + x))), 5);
            const __m256i Y = _mm256_srai_epi32(
                _mm256_add_epi32(vY0, _mm256_loadu_si256((const __m256i *)(bdelta + x))), 5);
            const __m256i sx = _mm256_srai_epi32(X, 5), sy = _mm256_srai_epi32(Y, 5);
            /* 0 <= sx < sw - 1 and 0 <= sy < sh - 1 in every lane */
            const __m256i in = _mm256_and_si256(
                _mm256_and_si256(_mm256_cmpgt_epi32(sx, neg1), _mm256_cmpgt_epi32(lim_x, sx)),
                _mm256_and_si256(_mm256_cmpgt_epi32(sy, neg1), _mm256_cmpgt_epi32(lim_y, sy)));
            if (_mm256_movemask_epi8(in) != -1) {
                warp_row_c3_body(src, sw, sh, sstride, adelta, bdelta, X0, Y0, out, x, x + 8);
                continue;
            }
            const __m256i ax = _mm256_and_si256(X, m31), ay = _mm256_and_si256(Y, m31);
            const __m256i iax = _mm256_sub_epi32(c32, ax), iay = _mm256_sub_epi32(c32, ay);
            __m256i w0 = _mm256_slli_epi32(_mm256_mullo_epi32(iay, iax), 5);
            const __m256i w1 = _mm256_slli_epi32(_mm256_mullo_epi32(iay, ax), 5);
            const __m256i w2 = _mm256_slli_epi32(_mm256_mullo_epi32(ay, iax), 5);
            __m256i w3 = _mm256_slli_epi32(_mm256_mullo_epi32(ay, ax), 5);
            const __m256i z = _mm256_cmpeq_epi32(_mm256_or_si256(ax, ay), zero);
            w0 = _mm256_blendv_epi8(w0, fix0, z);
            w3 = _mm256_blendv_epi8(w3, fix3, z);
            const __m256i off =
                _mm256_add_epi32(_mm256_mullo_epi32(sy, stride), _mm256_mullo_epi32(sx, three));
            const __m256i g0 = _mm256_i32gather_epi32((const int *)(const void *)src, off, 1);
            const __m256i g1 = _mm256_i32gather_epi32((const int *)(const void *)(src + 2), off, 1);
            const __m256i g2 = _mm256_i32gather_epi32((const int *)(const void *)src1, off, 1);
            const __m256i g3 = _mm256_i32gather_epi32((const int *)(const void *)(src1 + 2), off, 1);
            __m256i pix = zero;
            for (int c = 0; c < 3; c++) {
                /* p[c] is byte c of the first gather, p[c + 3] byte c + 1 of
                 * the second */
                const __m256i v0 = _mm256_and_si256(_mm256_srli_epi32(g0, 8 * c), ff);
                const __m256i v1 = _mm256_and_si256(_mm256_srli_epi32(g1, 8 * (c + 1)), ff);
                const __m256i v2 = _mm256_and_si256(_mm256_srli_epi32(g2, 8 * c), ff);
                const __m256i v3 = _mm256_and_si256(_mm256_srli_epi32(g3, 8 * (c + 1)), ff);
                __m256i s = _mm256_add_epi32(_mm256_mullo_epi32(v0, w0), _mm256_mullo_epi32(v1, w1));
                s = _mm256_add_epi32(s, _mm256_mullo_epi32(v2, w2));
                s = _mm256_add_epi32(s, _mm256_mullo_epi32(v3, w3));
                s = _mm256_srai_epi32(_mm256_add_epi32(s, rnd), 15);
                s = _mm256_min_epi32(s, ff);
                pix = _mm256_or_si256(pix, _mm256_slli_epi32(s, 8 * c));
            }
            const __m128i lo = _mm_shuffle_epi8(_mm256_castsi256_si128(pix), pack);
            const __m128i hi = _mm_shuffle_epi8(_mm256_extracti128_si256(pix, 1), pack);
            uint8_t tmp[32];
            _mm_storeu_si128((__m128i *)(void *)tmp, lo);
            _mm_storeu_si128((__m128i *)(void *)(tmp + 12), hi);
            memcpy(out + 3 * x, tmp, 24);
        }
    }
    warp_row_c3_body(src, sw, sh, sstride, adelta, bdelta, X0, Y0, out, x, n);
}

#endif
