/* AVX2 colour gradient prefix for fhog_tmpl.h (FHOG_GRAD_C3), shared by the
 * AVX2 and AVX-512 FHOG kernels: eight pixels per step, 32-bit gathers of
 * the B,G,R(+1) bytes at x-1, x+1 (this row) and x (rows above, below);
 * integer differences and squared lengths exactly as the C loop, dlib's
 * SIMD tie rule for lanes before simd_end and its scalar rule after,
 * sqrt of the float length (IEEE, so identical). Stops while pixel x + 8
 * still exists, so the 4-byte gathers stay inside the image. Returns the
 * first x left to the C loop. A call per row (not inlined: the template
 * body that calls it has no target attribute of its own). */
#ifndef FAU_KERNELS_X86_FHOG_GRAD_AVX2_H
#define FAU_KERNELS_X86_FHOG_GRAD_AVX2_H

#include <immintrin.h>
#include <stdint.h>

static __attribute__((target("avx2"), noinline)) int
fhog_grad_c3_avx2(const uint8_t *up, const uint8_t *row, const uint8_t *dn, int simd_end, int n,
                  float *gxr, float *gyr, float *vr)
{
    const __m256i idx3 = _mm256_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21);
    const __m256i ff = _mm256_set1_epi32(255), lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i vend = _mm256_set1_epi32(simd_end);
    int x = 1;
    for (; x + 8 < n; x += 8) {
        const int c = 3 * x;
        const __m256i L = _mm256_i32gather_epi32((const int *)(const void *)(row + c - 3), idx3, 1);
        const __m256i R = _mm256_i32gather_epi32((const int *)(const void *)(row + c + 3), idx3, 1);
        const __m256i U = _mm256_i32gather_epi32((const int *)(const void *)(up + c), idx3, 1);
        const __m256i D = _mm256_i32gather_epi32((const int *)(const void *)(dn + c), idx3, 1);
        __m256i dx[3], dy[3], l[3];
        for (int ch = 0; ch < 3; ch++) {
            dx[ch] = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(R, 8 * ch), ff),
                                      _mm256_and_si256(_mm256_srli_epi32(L, 8 * ch), ff));
            dy[ch] = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(D, 8 * ch), ff),
                                      _mm256_and_si256(_mm256_srli_epi32(U, 8 * ch), ff));
            l[ch] = _mm256_add_epi32(_mm256_mullo_epi32(dx[ch], dx[ch]),
                                     _mm256_mullo_epi32(dy[ch], dy[ch]));
        }
        /* channel 0 blue, 1 green, 2 red */
        /* dlib simd8f: c1 = red > green; c2 = chosen > blue */
        const __m256i c1 = _mm256_cmpgt_epi32(l[2], l[1]);
        __m256i sx = _mm256_blendv_epi8(dx[1], dx[2], c1), sy = _mm256_blendv_epi8(dy[1], dy[2], c1);
        __m256i sl = _mm256_blendv_epi8(l[1], l[2], c1);
        const __m256i c2 = _mm256_cmpgt_epi32(sl, l[0]);
        sx = _mm256_blendv_epi8(dx[0], sx, c2);
        sy = _mm256_blendv_epi8(dy[0], sy, c2);
        sl = _mm256_blendv_epi8(l[0], sl, c2);
        /* dlib scalar: red, then green if strictly larger, then blue */
        const __m256i d1 = _mm256_cmpgt_epi32(l[1], l[2]);
        __m256i tx = _mm256_blendv_epi8(dx[2], dx[1], d1), ty = _mm256_blendv_epi8(dy[2], dy[1], d1);
        __m256i tl = _mm256_blendv_epi8(l[2], l[1], d1);
        const __m256i d2 = _mm256_cmpgt_epi32(l[0], tl);
        tx = _mm256_blendv_epi8(tx, dx[0], d2);
        ty = _mm256_blendv_epi8(ty, dy[0], d2);
        tl = _mm256_blendv_epi8(tl, l[0], d2);
        const __m256i simd = _mm256_cmpgt_epi32(vend, _mm256_add_epi32(_mm256_set1_epi32(x), lane));
        const __m256i gx = _mm256_blendv_epi8(tx, sx, simd), gy = _mm256_blendv_epi8(ty, sy, simd);
        const __m256i gl = _mm256_blendv_epi8(tl, sl, simd);
        _mm256_storeu_ps(gxr + x, _mm256_cvtepi32_ps(gx));
        _mm256_storeu_ps(gyr + x, _mm256_cvtepi32_ps(gy));
        _mm256_storeu_ps(vr + x, _mm256_sqrt_ps(_mm256_cvtepi32_ps(gl)));
    }
    return x;
}

#define FHOG_GRAD_C3 fhog_grad_c3_avx2

#endif
