/* The default command (FeatureExtraction) and `faceau image`
 * (FaceLandmarkImg). Until the landmark and AU stages are connected this
 * loads the models, decodes every input and reports what it found. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "core/error.h"
#include "faceau.h"
#include "io/media.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *kind_name(fau_media_kind k)
{
    return k == FAU_MEDIA_VIDEO ? "video" : k == FAU_MEDIA_SEQUENCE ? "image sequence" : "image";
}

/* Decodes one input from start to end; returns an exit code. */
static int scan_input(const fau_cli_args *a, const char *path)
{
    fau_error e = {0};
    fau_media *m = NULL;
    fau_frame f = {0};
    fau_media_open_opts mo = {.allow_decode_errors = a->allow_decode_errors, .threads = a->threads};
    double t0 = now_s();
    int rc = fau_media_open(&m, path, &mo, &e);
    if (rc != FAU_OK) {
        /* Whatever the status (a size cap is FAU_ENOMEM), the input is at fault. */
        fau_cli_error("%s", e.msg);
        return FAU_EXIT_INPUT;
    }
    const fau_media_info *info = fau_media_get_info(m);
    int64_t frames = 0;
    double first_ts = 0, last_ts = 0;
    while ((rc = fau_media_next(m, &f, &e)) == 1) {
        if (frames == 0)
            first_ts = f.timestamp;
        last_ts = f.timestamp;
        frames++;
    }
    double dt = now_s() - t0;
    int code = FAU_EXIT_OK;
    if (rc < 0) {
        fau_cli_error("%s", e.msg);
        code = FAU_EXIT_INPUT;
    } else if (!a->quiet) {
        printf("%s: %s, %s, %dx%d", path, kind_name(info->kind), info->codec, info->width,
               info->height);
        if (info->kind == FAU_MEDIA_VIDEO)
            printf(", %.3f fps, rotation %d", info->fps, info->rotation);
        printf(": %lld frame(s) decoded, timestamps %.3f..%.3f s, %.1f frames/s\n",
               (long long)frames, first_ts, last_ts, dt > 0 ? (double)frames / dt : 0.0);
    }
    fau_frame_free(&f);
    fau_media_close(&m);
    return code;
}

int fau_cmd_extract(fau_cli_args *a, int images_mode)
{
    fau_options o;
    fau_options_default(&o);
    o.models_dir = a->models_dir;
    if (a->mloc)
        o.landmark_model = a->mloc;
    o.au_static = a->au_static || images_mode;
    if (images_mode)
        o.au_model = "AU_predictors/main_static_svms.txt";
    o.threads = a->threads;
    char err[4096];
    fau_ctx *ctx = NULL;
    double t0 = now_s();
    int rc = fau_create(&ctx, &o, err, sizeof err);
    if (rc != FAU_OK) {
        fau_cli_error("%s", err);
        return FAU_EXIT_MODELS;
    }
    if (!a->quiet)
        printf("models: %s (loaded in %.0f ms)\n", fau_models_dir(ctx), 1000 * (now_s() - t0));
    int code = FAU_EXIT_OK;
    for (int i = 0; i < a->n_files && code == FAU_EXIT_OK; i++)
        code = scan_input(a, a->files[i]);
    for (int i = 0; i < a->n_fdirs && code == FAU_EXIT_OK; i++)
        code = scan_input(a, a->fdirs[i]);
    fau_destroy(&ctx);
    return code;
}
