/* checkasm-style kernel test: every entry of the kernel table at every SIMD
 * level this CPU has, against the C reference, in guard-padded buffers;
 * results must be bit-identical (integer work, and float / double work
 * whose reference order every variant keeps). Then the whole AU stage at
 * the scalar level and at the best level must give identical outputs.
 * FAU_KERNEL_BENCH=N times each entry N times per level (prints ns/call). */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "align/fhog.h"
#include "au/au.h"
#include "core/mem.h"
#include "kernels/kernels.h"

#define GUARD 64
#define GUARD_BYTE 0xA5

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static double rndf(double lo, double hi) { return lo + (hi - lo) * (rnd() / 4294967296.0); }

static int bench_reps(void)
{
    const char *s = getenv("FAU_KERNEL_BENCH");
    return s ? atoi(s) : 0;
}
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* Buffer of n bytes with GUARD guard bytes either side; returns the inside. */
static uint8_t *guarded(size_t n)
{
    uint8_t *b = fau_aligned_alloc(n + 2 * GUARD);
    assert_non_null(b);
    memset(b, GUARD_BYTE, n + 2 * GUARD);
    return b + GUARD;
}
static void check_guards(const uint8_t *p, size_t n)
{
    for (int i = 0; i < GUARD; i++) {
        assert_int_equal(p[-1 - i], GUARD_BYTE);
        assert_int_equal(p[n + (size_t)i], GUARD_BYTE);
    }
}
static void free_guarded(uint8_t *p) { fau_aligned_free(p - GUARD); }

static const fau_simd_level levels[] = {FAU_SIMD_SSE41, FAU_SIMD_AVX2, FAU_SIMD_AVX512,
                                        FAU_SIMD_NEON};

/* ---------------------------------------------------------------- */

static void test_matvec(void **state)
{
    (void)state;
    fau_kernels ref;
    fau_kernels_init(&ref, FAU_SIMD_SCALAR);
    const size_t lds[] = {4, 8, 36, 12}, ns[] = {1, 7, 4702, 33};
    for (int t = 0; t < 4; t++) {
        const size_t ld = lds[t], n = ns[t];
        double *W = fau_aligned_alloc(sizeof(double) * ld * n), *x = fau_aligned_alloc(sizeof(double) * n);
        for (size_t i = 0; i < ld * n; i++)
            W[i] = rndf(-1, 1) * (rnd() % 8 == 0 ? 1e-6 : 1);
        for (size_t i = 0; i < n; i++)
            x[i] = rnd() % 5 == 0 ? 0.0 : rndf(-60, 60);
        uint8_t *y0 = guarded(ld * sizeof(double)), *y1 = guarded(ld * sizeof(double));
        ref.linear.matvec_f64(W, ld, n, x, (double *)(void *)y0);
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            if (!fau_cpu_supports(levels[l]))
                continue;
            fau_kernels k;
            fau_kernels_init(&k, levels[l]);
            memset(y1, 0x5a, ld * sizeof(double));
            k.linear.matvec_f64(W, ld, n, x, (double *)(void *)y1);
            assert_memory_equal(y0, y1, ld * sizeof(double));
            check_guards(y1, ld * sizeof(double));
            int reps = bench_reps();
            if (reps && n == 4702) {
                double t0 = now_ns();
                for (int r = 0; r < reps; r++)
                    k.linear.matvec_f64(W, ld, n, x, (double *)(void *)y1);
                double t1 = now_ns();
                for (int r = 0; r < reps; r++)
                    ref.linear.matvec_f64(W, ld, n, x, (double *)(void *)y1);
                printf("matvec_f64 %zux%zu: c %.0f ns, %s %.0f ns\n", n, ld,
                       (now_ns() - t1) / reps, fau_simd_name(levels[l]), (t1 - t0) / reps);
            }
        }
        free_guarded(y0);
        free_guarded(y1);
        fau_aligned_free(W);
        fau_aligned_free(x);
    }
}

/* ---------------------------------------------------------------- */

static void test_warp_row(void **state)
{
    (void)state;
    fau_kernels ref;
    fau_kernels_init(&ref, FAU_SIMD_SCALAR);
    const int sw = 61, sh = 47;
    const size_t sstride = sw * 3 + 5;
    uint8_t *src = guarded(sstride * sh);
    for (size_t i = 0; i < sstride * sh; i++)
        src[i] = (uint8_t)rnd();
    enum { N = 203 };
    int32_t ad[N], bd[N];
    uint8_t *o0 = guarded(N * 3), *o1 = guarded(N * 3);
    for (int trial = 0; trial < 400; trial++) {
        /* rows of an affine map (AB_BITS = 10 units), from fully inside to
         * crossing every border; every 8th trial snaps to whole pixels to hit
         * the (0, 0) weight entry */
        const double scale = rndf(0.05, 0.8), ang = rndf(-3.2, 3.2);
        const double dx = scale * cos(ang) * 1024, dy = scale * sin(ang) * 1024;
        const int inside = trial % 2;
        const double cx = inside ? rndf(20, 40) : rndf(-10, sw + 10);
        const double cy = inside ? rndf(15, 30) : rndf(-10, sh + 10);
        const int n = inside ? 1 + (int)(rnd() % 40) : 1 + (int)(rnd() % N);
        for (int x = 0; x < n; x++) {
            ad[x] = (int32_t)lrint(dx * x);
            bd[x] = (int32_t)lrint(dy * x);
            if (trial % 8 == 0)
                ad[x] &= ~1023, bd[x] &= ~1023;
        }
        int X0 = (int)lrint(cx * 1024) + 16, Y0 = (int)lrint(cy * 1024) + 16;
        if (trial % 8 == 0)
            X0 &= ~1023, Y0 &= ~1023;
        ref.image.warp_row_c3(src, sw, sh, sstride, ad, bd, X0, Y0, o0, n);
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            if (!fau_cpu_supports(levels[l]))
                continue;
            fau_kernels k;
            fau_kernels_init(&k, levels[l]);
            memset(o1, 0x33, N * 3);
            k.image.warp_row_c3(src, sw, sh, sstride, ad, bd, X0, Y0, o1, n);
            assert_memory_equal(o0, o1, (size_t)n * 3);
            check_guards(o1, N * 3);
            for (int i = n * 3; i < N * 3; i++)
                assert_int_equal(o1[i], 0x33);
        }
    }
    check_guards(src, sstride * sh);
    free_guarded(src);
    free_guarded(o0);
    free_guarded(o1);
}

/* ---------------------------------------------------------------- */

static void test_mask_tri(void **state)
{
    (void)state;
    fau_kernels ref;
    fau_kernels_init(&ref, FAU_SIMD_SCALAR);
    const int w = 77, h = 53;
    uint8_t *m0 = guarded((size_t)w * h), *m1 = guarded((size_t)w * h);
    for (int trial = 0; trial < 300; trial++) {
        float vx[3], vy[3];
        for (int q = 0; q < 3; q++) {
            vx[q] = (float)rndf(-5, w + 5);
            vy[q] = (float)rndf(-5, h + 5);
            if (trial % 5 == 0) /* on the pixel grid: points on the edges */
                vx[q] = floorf(vx[q]), vy[q] = floorf(vy[q]);
        }
        /* as align.c derives the arguments */
        static const int ref_i[3] = {0, 1, 2}, e0[3] = {1, 0, 0}, e1[3] = {2, 2, 1};
        float px[3], py[3], dqx[3], dqy[3], yref[3];
        for (int q = 0; q < 3; q++) {
            px[q] = vx[e0[q]];
            py[q] = vy[e0[q]];
            dqx[q] = vx[e1[q]] - px[q];
            dqy[q] = vy[e1[q]] - py[q];
            yref[q] = dqx[q] * (vy[ref_i[q]] - py[q]) - (vx[ref_i[q]] - px[q]) * dqy[q];
        }
        int x0 = (int)(rnd() % (unsigned)w), x1 = x0 + (int)(rnd() % (unsigned)(w - x0));
        int y0 = (int)(rnd() % (unsigned)h), y1 = y0 + (int)(rnd() % (unsigned)(h - y0));
        for (int i = 0; i < w * h; i++)
            m0[i] = (uint8_t)(rnd() % 7 == 0);
        memcpy(m1, m0, (size_t)w * h);
        ref.image.mask_tri(m0, w, x0, x1, y0, y1, px, py, dqx, dqy, yref);
        uint8_t *init = malloc((size_t)w * h);
        memcpy(init, m1, (size_t)w * h);
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            if (!fau_cpu_supports(levels[l]))
                continue;
            fau_kernels k;
            fau_kernels_init(&k, levels[l]);
            memcpy(m1, init, (size_t)w * h);
            k.image.mask_tri(m1, w, x0, x1, y0, y1, px, py, dqx, dqy, yref);
            assert_memory_equal(m0, m1, (size_t)w * h);
            check_guards(m1, (size_t)w * h);
        }
        free(init);
    }
    free_guarded(m0);
    free_guarded(m1);
}

/* ---------------------------------------------------------------- */

static void fhog_case(const fau_kernels *ref, int w, int h, int cn, int quant)
{
    const size_t stride = (size_t)w * cn + 3;
    uint8_t *img = guarded(stride * h);
    for (size_t i = 0; i < stride * h; i++)
        img[i] = quant ? (uint8_t)((rnd() % 3) * 100) : (uint8_t)rnd();
    int rows, cols;
    fau_fhog_dims(w, h, 8, &rows, &cols);
    const size_t nout = (size_t)rows * cols * 31 * sizeof(float);
    const size_t nws = fau_fhog_workspace(w, h, 8);
    uint8_t *o0 = guarded(nout), *o1 = guarded(nout), *ws = guarded(nws);
    assert_int_equal(fau_fhog_compute(ref, img, w, h, stride, cn, 8, (float *)(void *)o0, ws), 0);
    check_guards(ws, nws);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        if (!fau_cpu_supports(levels[l]))
            continue;
        fau_kernels k;
        fau_kernels_init(&k, levels[l]);
        memset(o1, 0, nout);
        memset(ws, 0x77, nws);
        assert_int_equal(fau_fhog_compute(&k, img, w, h, stride, cn, 8, (float *)(void *)o1, ws), 0);
        assert_memory_equal(o0, o1, nout);
        check_guards(o1, nout);
        check_guards(ws, nws);
        int reps = bench_reps();
        if (reps && w == 112 && cn == 3 && !quant) {
            double t0 = now_ns();
            for (int r = 0; r < reps; r++)
                fau_fhog_compute(&k, img, w, h, stride, cn, 8, (float *)(void *)o1, ws);
            double t1 = now_ns();
            for (int r = 0; r < reps; r++)
                fau_fhog_compute(ref, img, w, h, stride, cn, 8, (float *)(void *)o1, ws);
            printf("fhog 112x112: c %.0f ns, %s %.0f ns\n", (now_ns() - t1) / reps,
                   fau_simd_name(levels[l]), (t1 - t0) / reps);
        }
    }
    check_guards(img, stride * h);
    free_guarded(img);
    free_guarded(o0);
    free_guarded(o1);
    free_guarded(ws);
}

static void test_fhog(void **state)
{
    (void)state;
    fau_kernels ref;
    fau_kernels_init(&ref, FAU_SIMD_SCALAR);
    fhog_case(&ref, 112, 112, 3, 0);
    fhog_case(&ref, 112, 112, 3, 1); /* equal channel magnitudes: dlib's tie rules */
    fhog_case(&ref, 97, 61, 3, 0);   /* scalar tail columns */
    fhog_case(&ref, 112, 112, 1, 0);
    fhog_case(&ref, 45, 80, 1, 1);
}

/* ---------------------------------------------------------------- */

/* The AU stage end to end: scalar table vs the best table on synthetic
 * frames (textured image, the PDM mean face placed in it). */
static void test_au_stage_scalar_vs_best(void **state)
{
    (void)state;
    fau_error e = {0};
    fau_model_paths mp;
    assert_int_equal(fau_models_locate(&mp, fau_test_models_dir(), &e), 0);
    fau_au_models *m = NULL;
    assert_int_equal(fau_au_models_load(&m, &mp, "AU_predictors/main_dynamic_svms.txt", &e), 0);
    const int W = 320, H = 240, NF = 9;
    uint8_t *img = malloc((size_t)W * H * 3);
    fau_au_analyser *a[2] = {NULL, NULL};
    const char *lv[2] = {"scalar", fau_simd_name(fau_cpu_best_simd())};
    for (int i = 0; i < 2; i++) {
        fau_au_opts o;
        fau_au_opts_default(&o);
        o.simd = lv[i];
        assert_int_equal(fau_au_analyser_create(&a[i], m, &o, &e), 0);
    }
    for (int f = 0; f < NF; f++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W * 3; x++)
                img[(size_t)y * W * 3 + x] =
                    (uint8_t)(128 + 60 * sin(0.07 * x + 0.11 * y + f) + (rnd() % 40));
        float lm[136];
        const double s = 1.6 + 0.1 * f, tx = 160 + 7 * f - (f == 5 ? 140 : 0), ty = 120 + 3 * f;
        for (int p = 0; p < 68; p++) {
            lm[p] = (float)(m->pdm->mean_shape[p] * s + tx);
            lm[68 + p] = (float)(m->pdm->mean_shape[68 + p] * s + ty);
        }
        fau_au_frame_result r[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(fau_au_add_frame(a[i], img, W, H, (size_t)W * 3, lm, f != 3, f / 30.0,
                                              &r[i], &e), 0);
        assert_memory_equal(r[0].reg, r[1].reg, sizeof r[0].reg);
        assert_memory_equal(r[0].cls, r[1].cls, sizeof r[0].cls);
        assert_memory_equal(r[0].hog, r[1].hog, FAU_AU_HOG_DIM * sizeof(float));
        assert_memory_equal(r[0].aligned, r[1].aligned, (size_t)r[0].aligned_size * r[0].aligned_stride);
    }
    fau_au_video_result v[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(fau_au_finish(a[i], &v[i], &e), 0);
    assert_memory_equal(v[0].reg, v[1].reg, sizeof(double) * NF * (size_t)v[0].n_reg);
    assert_memory_equal(v[0].cls, v[1].cls, sizeof(double) * NF * (size_t)v[0].n_class);
    for (int i = 0; i < 2; i++)
        fau_au_analyser_destroy(&a[i]);
    /* an unknown level is refused */
    fau_au_opts o;
    fau_au_opts_default(&o);
    o.simd = "sse9";
    assert_int_equal(fau_au_analyser_create(&a[0], m, &o, &e), FAU_EINVAL);
    assert_null(a[0]);
    free(img);
    fau_au_models_free(&m);
}

static void test_levels(void **state)
{
    (void)state;
    fau_kernels k;
    assert_int_equal(fau_kernels_select(&k, "scalar"), 0);
    assert_int_equal(k.level, FAU_SIMD_SCALAR);
    assert_int_equal(fau_kernels_select(&k, "bogus"), -1);
    assert_int_equal(k.level, FAU_SIMD_SCALAR);
    fau_kernels_init(&k, FAU_SIMD_AVX512);
    assert_true(fau_cpu_supports(k.level));
    assert_true(k.level <= fau_cpu_best_simd() || fau_cpu_best_simd() == FAU_SIMD_NEON);
}

int main(void)
{
    char cpu[128];
    fau_cpu_model_name(cpu, sizeof cpu);
    printf("CPU %s, best SIMD level %s\n", cpu, fau_simd_name(fau_cpu_best_simd()));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_matvec),
        cmocka_unit_test(test_warp_row),
        cmocka_unit_test(test_mask_tri),
        cmocka_unit_test(test_fhog),
        cmocka_unit_test(test_au_stage_scalar_vs_best),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
