/* AU stage benchmark (issue 5): ms/frame of FaceAnalyser's work —
 * CalcParams, alignment, FHOG, geometry, running medians, the 35 linear
 * models — single-threaded, on a clip with OpenFace's own landmarks, plus the
 * end-of-video post-processing and peak RSS.
 * Usage: bench_au CLIP LANDMARKS_CSV [REPEATS]   (FACEAU_MODELS must be set) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "au/au.h"
#include "core/models_path.h"
#include "io/media.h"
#include "io/openface_csv.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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
    printf("AU stage: %.3f ms/frame (best of %d), end-of-video post-processing %.2f ms, "
           "peak RSS %.1f MB (includes the decoded clip)\n",
           1000 * best_frame / n, repeats, 1000 * best_finish, ru.ru_maxrss / 1024.0);
    fau_au_analyser_destroy(&a);
    fau_au_models_free(&models);
    for (int i = 0; i < n; i++)
        fau_frame_free(&frames[i]);
    free(frames);
    free(rows);
    return 0;
}
