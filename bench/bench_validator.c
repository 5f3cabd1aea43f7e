/* CNN landmark validator benchmark: microseconds per fau_validator_check
 * call (DetectionValidator::Check, run once per frame by the tracker), on
 * an image with a face (the PAW's reference shape scaled and moved onto the
 * image, every view), single-threaded; then the CLNF Hessian product
 * J_w_t * J (sgemm 40 x 40 x 136, main model) through fau_sgemm_small and
 * the reference fau_sgemm_openblas.
 * Usage: bench_validator [IMAGE] [REPEATS]   (models from $FACEAU_MODELS or
 * ../shared/openface-models; the default image is
 * ../shared/media/images/expr_surprise_f1.jpg; FACEAU_SIMD caps the level) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/models_path.h"
#include "detect/sgemm_openblas.h"
#include "io/media.h"
#include "kernels/sgemm_small.h"
#include "landmarks/clnf_model.h"
#include "landmarks/validator_check.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e6 * (double)ts.tv_sec + 1e-3 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *img_path = argc > 1 ? argv[1] : "../shared/media/images/expr_surprise_f1.jpg";
    const int reps = argc > 2 ? atoi(argv[2]) : 500;
    const char *dir = getenv("FACEAU_MODELS");
    fau_model_paths paths;
    fau_error e = {0};
    fau_landmark_models *m = NULL;
    if (fau_models_locate(&paths, dir ? dir : "../shared/openface-models", &e) ||
        fau_landmark_models_load(&m, &paths, "model/main_clnf_general.txt", &e)) {
        fprintf(stderr, "bench_validator: %s\n", e.msg);
        return 1;
    }
    fau_frame fr = {0};
    if (fau_image_load(img_path, &fr, &e)) {
        fprintf(stderr, "bench_validator: %s\n", e.msg);
        fau_landmark_models_free(&m);
        return 1;
    }
    const fau_validator *v = &m->validator;
    float *scratch = fau_aligned_alloc(fau_validator_scratch_floats(v) * sizeof(float));
    double total = 0;
    float sink = 0;
    for (int view = 0; view < v->n_views; view++) {
        const fau_paw *p = &v->views[view].paw;
        const int n = p->n_landmarks;
        float *lm = malloc(2 * (size_t)n * sizeof(float));
        for (int i = 0; i < n; i++) {
            lm[i] = p->dst_landmarks[i] * 1.5f + (float)fr.width / 2;
            lm[i + n] = p->dst_landmarks[i + n] * 1.5f + (float)fr.height / 2;
        }
        for (int r = 0; r < 10; r++) /* warm-up */
            sink += fau_validator_check(v, v->views[view].orientation, fr.gray, fr.width, fr.height,
                                        fr.gray_stride, lm, scratch, NULL);
        double t0 = now_us();
        for (int r = 0; r < reps; r++)
            sink += fau_validator_check(v, v->views[view].orientation, fr.gray, fr.width, fr.height,
                                        fr.gray_stride, lm, scratch, NULL);
        double us = (now_us() - t0) / reps;
        total += us;
        printf("validator view %d: %8.1f us/call\n", view, us);
        free(lm);
    }
    printf("validator mean: %8.1f us/call (%d views x %d calls; checksum %g)\n",
           total / v->n_views, v->n_views, reps, (double)sink);

    /* CLNF Hessian: H(k x k) += J_w_t(k x 2n) * J(2n x k), k = 40, 2n = 136 */
    enum { K = 40, N2 = 136 };
    float *J = fau_aligned_alloc(sizeof(float) * K * N2), *JWt = fau_aligned_alloc(sizeof(float) * K * N2);
    float *H = fau_aligned_alloc(sizeof(float) * K * K);
    for (int i = 0; i < K * N2; i++) {
        J[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
        JWt[i] = (float)((i * 104729) % 1000) / 700.0f - 0.6f;
    }
    memset(H, 0, sizeof(float) * K * K);
    const fau_sgemm_fn fast = fau_sgemm_small_for(FAU_SIMD_AVX512);
    double t0 = now_us();
    for (int r = 0; r < 20 * reps; r++)
        fast(K, K, N2, 1.0f, J, K, JWt, N2, 1.0f, H, K);
    double t1 = now_us();
    for (int r = 0; r < reps; r++)
        fau_sgemm_openblas(K, K, N2, 1.0f, J, K, JWt, N2, 1.0f, H, K);
    double t2 = now_us();
    printf("hessian sgemm 40x40x136: fau_sgemm_small %.2f us/call, fau_sgemm_openblas %.2f "
           "us/call (checksum %g)\n",
           (t1 - t0) / (20 * reps), (t2 - t1) / reps, (double)H[0]);
    fau_aligned_free(J);
    fau_aligned_free(JWt);
    fau_aligned_free(H);
    fau_aligned_free(scratch);
    fau_frame_free(&fr);
    fau_landmark_models_free(&m);
    return 0;
}
