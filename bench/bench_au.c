/* AU stage benchmark (issue 5): ms/frame of FaceAnalyser's work —
 * CalcParams, alignment, FHOG, geometry, running medians, the 35 linear
 * models — single-threaded, on a clip with OpenFace's own landmarks, plus the
 * end-of-video post-processing and peak RSS.
 * Then, per kernel level (scalar and the best this CPU has), the ms/frame of
 * each part, timed in isolation over the clip's successful frames.
 * Usage: bench_au CLIP LANDMARKS_CSV [REPEATS]   (FACEAU_MODELS must be set;
 * FACEAU_SIMD caps the level of the whole-stage number) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "align/align.h"
#include "align/fhog.h"
#include "au/au.h"
#include "core/mem.h"
#include "kernels/kernels.h"
#include "landmarks/pdm_ops.h"
#include "core/models_path.h"
#include "io/media.h"
#include "io/openface_csv.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best-of-repeats ms/frame of each part of FaceAnalyser::AddNextFrame at
 * one kernel level (successful frames only; medians and linear models as
 * the analyser calls them: medians and W^T median on odd frames). */
static void bench_parts(const fau_au_models *m, fau_simd_level level, fau_frame *frames,
                        fau_face_result *rows, int n, int repeats)
{
    enum { S = 112, NP = 6 };
    static const char *const names[NP] = {"CalcParams", "warpAffine", "face mask", "FHOG",
                                          "running median", "linear models"};
    fau_kernels k;
    fau_kernels_init(&k, level);
    void *pws = fau_aligned_alloc(fau_pdm_calc_params_workspace(m->pdm));
    void *hws = fau_aligned_alloc(fau_fhog_workspace(S, S, 8));
    uint8_t *face = fau_aligned_alloc(S * S * 3), *mask = fau_aligned_alloc(S * S);
    float *hog = fau_aligned_alloc(FAU_AU_HOG_DIM * sizeof(float));
    double *feat = fau_aligned_calloc((size_t)m->n_feat, sizeof(double));
    double *med = fau_aligned_calloc((size_t)m->n_feat, sizeof(double));
    double *lin = fau_aligned_calloc((size_t)m->ld, sizeof(double));
    fau_au_median hh, gh;
    fau_au_median_init(&hh, FAU_AU_HOG_DIM, 1000, -0.005, 1);
    fau_au_median_init(&gh, m->n_geom, 10000, -60, 60);
    double best[NP];
    for (int p = 0; p < NP; p++)
        best[p] = 1e30;
    int ns = 0;
    for (int r = 0; r < repeats; r++) {
        double t[NP] = {0};
        fau_au_median_reset(&hh);
        fau_au_median_reset(&gh);
        ns = 0;
        for (int i = 0; i < n; i++) {
            if (!rows[i].success)
                continue;
            ns++;
            const float *lm = rows[i].lmk2d;
            float g[6], loc[64], warp[6];
            double a = now_s();
            fau_pdm_calc_params(m->pdm, lm, NULL, g, loc, pws);
            double b = now_s();
            fau_align_similarity(lm, m->pdm->mean_shape, g[4], g[5], 0.7, S, S, warp);
            fau_warp_affine_u8(&k, frames[i].bgr, frames[i].width, frames[i].height,
                               frames[i].bgr_stride, 3, warp, face, S, S, S * 3);
            double c = now_s();
            fau_face_mask(&k, lm, warp, 0.7, m->tris, m->n_tris, mask, S, S);
            fau_apply_mask_u8(face, S, S, S * 3, 3, mask);
            double d = now_s();
            fau_fhog_compute(&k, face, S, S, S * 3, 3, 8, hog, hws);
            double e = now_s();
            for (int j = 0; j < FAU_AU_HOG_DIM; j++)
                feat[j] = hog[j];
            const int n3 = 3 * m->pdm->n_points, nm = m->pdm->n_modes;
            for (int q = 0; q < n3; q++) {
                double s = 0;
                for (int j = 0; j < nm; j++)
                    s += (double)m->pdm->princ_comp[(size_t)q * nm + j] * (double)loc[j];
                feat[FAU_AU_HOG_DIM + q] = s;
            }
            for (int j = 0; j < nm; j++)
                feat[FAU_AU_HOG_DIM + n3 + j] = loc[j];
            double f = now_s(), h = f;
            if (ns % 2 == 1) {
                fau_au_median_update(&hh, feat, 1, med);
                fau_au_median_update(&gh, feat + FAU_AU_HOG_DIM, 1, med + FAU_AU_HOG_DIM);
                h = now_s();
                fau_au_linear(&k, m, med, lin);
            }
            fau_au_linear(&k, m, feat, lin);
            double z = now_s();
            t[0] += b - a, t[1] += c - b, t[2] += d - c, t[3] += e - d, t[4] += h - f;
            t[5] += z - h;
        }
        for (int p = 0; p < NP; p++)
            if (t[p] < best[p])
                best[p] = t[p];
    }
    printf("parts at %s (%d successful frames, best of %d):", fau_simd_name(k.level), ns, repeats);
    double sum = 0;
    for (int p = 0; p < NP; p++) {
        printf(" %s %.4f%s", names[p], 1000 * best[p] / (ns ? ns : 1), p + 1 < NP ? "," : "");
        sum += best[p];
    }
    printf("; sum %.4f ms/frame\n", 1000 * sum / (ns ? ns : 1));
    fau_au_median_free(&hh);
    fau_au_median_free(&gh);
    fau_aligned_free(pws);
    fau_aligned_free(hws);
    fau_aligned_free(face);
    fau_aligned_free(mask);
    fau_aligned_free(hog);
    fau_aligned_free(feat);
    fau_aligned_free(med);
    fau_aligned_free(lin);
}

static int die(const fau_error *e)
{
    fprintf(stderr, "bench_au: %s\n", e->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_au CLIP LANDMARKS_CSV [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 3 ? atoi(argv[3]) : 3;
    fau_error e = {0};
    fau_model_paths paths;
    fau_au_models *models = NULL;
    double t0 = now_s();
    if (fau_models_locate(&paths, NULL, &e) ||
        fau_au_models_load(&models, &paths, "AU_predictors/main_dynamic_svms.txt", &e))
        return die(&e);
    double load_ms = 1000 * (now_s() - t0);

    /* Decode every frame first so only the AU stage is timed. */
    fau_media *m = NULL;
    fau_ofcsv *csv = NULL;
    if (fau_media_open(&m, argv[1], NULL, &e) || fau_ofcsv_open(&csv, argv[2], &e))
        return die(&e);
    int cap = 4096, n = 0;
    fau_frame *frames = calloc((size_t)cap, sizeof *frames);
    fau_face_result *rows = calloc((size_t)cap, sizeof *rows);
    int rc;
    while (n < cap && (rc = fau_media_next(m, &frames[n], &e)) == 1) {
        if (fau_ofcsv_next(csv, &rows[n], &e) != 1)
            return die(&e);
        n++;
    }
    fau_media_close(&m);
    fau_ofcsv_close(&csv);

    fau_au_opts o;
    fau_au_opts_default(&o);
    o.want_aligned = 0;
    o.expected_frames = n;
    fau_au_analyser *a = NULL;
    if (fau_au_analyser_create(&a, models, &o, &e))
        return die(&e);
    double best_frame = 1e30, best_finish = 1e30;
    for (int r = 0; r < repeats; r++) {
        fau_au_analyser_reset(a);
        fau_au_frame_result res;
        fau_au_video_result vr;
        double t1 = now_s();
        for (int i = 0; i < n; i++)
            if (fau_au_add_frame(a, frames[i].bgr, frames[i].width, frames[i].height,
                                 frames[i].bgr_stride, rows[i].lmk2d, rows[i].success,
                                 frames[i].timestamp, &res, &e))
                return die(&e);
        double t2 = now_s();
        if (fau_au_finish(a, &vr, &e))
            return die(&e);
        double t3 = now_s();
        if (t2 - t1 < best_frame)
            best_frame = t2 - t1;
        if (t3 - t2 < best_finish)
            best_finish = t3 - t2;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("clip %s: %d frames, AU models loaded in %.1f ms\n", argv[1], n, load_ms);
    fau_kernels kt;
    fau_kernels_select(&kt, NULL);
    printf("AU stage at %s: %.3f ms/frame (best of %d), end-of-video post-processing %.2f ms, "
           "peak RSS %.1f MB (includes the decoded clip)\n",
           fau_simd_name(kt.level), 1000 * best_frame / n, repeats, 1000 * best_finish, ru.ru_maxrss / 1024.0);
    fau_au_analyser_destroy(&a);
    bench_parts(models, FAU_SIMD_SCALAR, frames, rows, n, repeats);
    bench_parts(models, fau_cpu_best_simd(), frames, rows, n, repeats);
    fau_au_models_free(&models);
    for (int i = 0; i < n; i++)
        fau_frame_free(&frames[i]);
    free(frames);
    free(rows);
    return 0;
}
