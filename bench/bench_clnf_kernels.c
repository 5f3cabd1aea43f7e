/* Landmark-fitting kernels: ns per PDM::CalcShape3D (fau_pdm_shape3d, main
 * 68-point PDM), us per CCNF_patch_expert::ResponseOpenBlas
 * (fau_ccnf_response, 11x11 experts of the 0.25 scale, windows 11 and 9),
 * us per landmark-form PDM::CalcParams; each on the fmaf path and, where
 * the CPU has it, the AVX2+FMA path (same bits). Single-threaded, best of 5.
 * Usage: bench_clnf_kernels [SECONDS_PER_ITEM]   (models from $FACEAU_MODELS
 * or ../shared/openface-models; build with -DBENCH_OLD_API against a tree
 * without fau_ccnf_response_fma to time an older version) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/models_path.h"
#include "landmarks/ccnf_response.h"
#include "landmarks/clnf_model.h"
#include "landmarks/pdm_ops.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static unsigned rng = 99;
static float rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) / 16777216.0 * 2 - 1);
}

static volatile float sink;

/* Best of 5 runs of `iters` calls, seconds per call. */
#define TIME_BEST(iters, body)                                                                 \
    ({                                                                                         \
        double best_ = 1e30;                                                                   \
        for (int rep_ = 0; rep_ < 5; rep_++) {                                                 \
            const double t0_ = now_s();                                                        \
            for (long it_ = 0; it_ < (iters); it_++) {                                         \
                body;                                                                          \
            }                                                                                  \
            const double dt_ = (now_s() - t0_) / (double)(iters);                              \
            best_ = dt_ < best_ ? dt_ : best_;                                                 \
        }                                                                                      \
        best_;                                                                                 \
    })

int main(int argc, char **argv)
{
    const double budget = argc > 1 ? atof(argv[1]) : 0.2;
    fau_model_paths paths;
    fau_error e = {0};
    fau_landmark_models *lm = NULL;
    if (fau_models_locate(&paths, NULL, &e) ||
        fau_landmark_models_load(&lm, &paths, "model/main_clnf_general.txt", &e)) {
        fprintf(stderr, "bench_clnf_kernels: %s\n", e.msg);
        return 1;
    }
    const fau_pdm *pdm = lm->main.pdm;
    const int n = pdm->n_points, m = pdm->n_modes;
    float local[64], s3[3 * 68 * 2], s2[2 * 68], g[6] = {1.2f, 0.1f, -0.2f, 0.05f, 320, 240};
    for (int j = 0; j < m; j++)
        local[j] = rnd() * sqrtf(pdm->eigen_values[j]);

#ifdef BENCH_OLD_API
    const int paths_n = 1;
#else
    const int paths_n = pdm->use_fma ? 2 : 1;
#endif
    for (int f = paths_n - 1; f >= 0; f--) {
        fau_pdm q = *pdm;
#ifndef BENCH_OLD_API
        q.use_fma = f;
#endif
        long it = 1000;
        double t = TIME_BEST(it, fau_pdm_shape3d(&q, local, s3); local[0] += s3[0] * 1e-30f);
        it = (long)(budget / 5 / t) + 1;
        t = TIME_BEST(it, fau_pdm_shape3d(&q, local, s3); local[0] += s3[0] * 1e-30f);
        printf("CalcShape3D (%d points, %d modes) %-9s %8.1f ns/call\n", n, m,
               f ? "avx2+fma" : "fmaf", t * 1e9);
    }

    /* CalcParams on a projected shape with noise */
    {
        fau_pdm_shape2d(pdm, local, g, s2, s3);
        for (int i = 0; i < 2 * n; i++)
            s2[i] += rnd();
        void *ws = fau_aligned_alloc(fau_pdm_calc_params_workspace(pdm));
        float go[6], lo[64];
        int iters = 0;
        long it = 20;
        double t = TIME_BEST(it, iters = fau_pdm_calc_params(pdm, s2, NULL, go, lo, ws));
        it = (long)(budget / 5 / t) + 1;
        t = TIME_BEST(it, iters = fau_pdm_calc_params(pdm, s2, NULL, go, lo, ws));
        printf("CalcParams (68 points, %d iterations)      %8.1f us/call\n", iters, t * 1e6);
        fau_aligned_free(ws);
    }

    const fau_ccnf_patches *p = &lm->main.scales[0];
    const fau_ccnf_patches *sigp = &lm->main.scales[lm->main.sigma_scale];
    const fau_ccnf_expert *x = fau_ccnf_expert_at(p, 0, 30);
    const int wss[2] = {11, 9};
    for (int w = 0; w < 2; w++) {
        const int win_size = wss[w], P = win_size * win_size;
        const int ah = win_size + x->height - 1, aw = win_size + x->width - 1;
        float *area = malloc((size_t)ah * aw * sizeof(float));
        float *sig = fau_aligned_alloc((size_t)P * P * sizeof(float));
        double *dscr = malloc(fau_ccnf_sigma_scratch(win_size) * sizeof(double));
        float *scr = fau_aligned_alloc(fau_ccnf_response_scratch(x, win_size) * sizeof(float));
        float *resp = malloc((size_t)P * sizeof(float));
        for (int i = 0; i < ah * aw; i++)
            area[i] = (float)(int)(128 + 127 * rnd());
        if (fau_ccnf_sigma(x, fau_ccnf_sigma_window(sigp, win_size), win_size, sig, dscr)) {
            fprintf(stderr, "bench_clnf_kernels: no sigma for window %d\n", win_size);
            return 1;
        }
        for (int f = paths_n - 1; f >= 0; f--) {
            long it = 50;
#ifdef BENCH_OLD_API
#define RESPONSE fau_ccnf_response(x, sig, area, (size_t)aw, win_size, scr, resp)
#else
#define RESPONSE fau_ccnf_response_fma(x, sig, area, (size_t)aw, win_size, scr, resp, f)
#endif
            double t = TIME_BEST(it, RESPONSE; sink = resp[0]);
            it = (long)(budget / 5 / t) + 1;
            t = TIME_BEST(it, RESPONSE; sink = resp[0]);
            printf("CCNF response %dx%d support, %d neurons, window %2d %-9s %8.2f us/call\n",
                   x->width, x->height, x->n_neurons, win_size, f ? "avx2+fma" : "fmaf", t * 1e6);
        }
        free(area);
        fau_aligned_free(sig);
        free(dscr);
        fau_aligned_free(scr);
        free(resp);
    }
    fau_landmark_models_free(&lm);
    return 0;
}
