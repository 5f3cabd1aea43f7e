#include "core/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fau_version(void)
{
#define FAU_STR2(x) #x
#define FAU_STR(x) FAU_STR2(x)
    return FAU_STR(FAU_VERSION_MAJOR) "." FAU_STR(FAU_VERSION_MINOR) "." FAU_STR(FAU_VERSION_PATCH);
}

void fau_options_default(fau_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->landmark_model = "model/main_clnf_general.txt";
    o->au_model = "AU_predictors/main_dynamic_svms.txt";
    o->load_landmarks = 1;
    o->load_aus = 1;
}

int fau_create(fau_ctx **out, const fau_options *opts, char *err_buf, size_t err_len)
{
    fau_error err = {0};
    if (err_buf && err_len)
        err_buf[0] = '\0';
    if (!out) {
        fau_error_set(&err, FAU_EINVAL, "invalid argument: ctx == NULL");
        goto fail;
    }
    *out = NULL;
    fau_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fau_error_set(&err, FAU_ENOMEM, "out of memory creating the context");
        goto fail;
    }
    fau_options_default(&c->opts);
    if (opts) {
        /* Copy only the fields the caller's struct has: older callers stay valid. */
        size_t n = opts->struct_size < sizeof c->opts ? opts->struct_size : sizeof c->opts;
        if (n < sizeof(size_t)) {
            free(c);
            fau_error_set(&err, FAU_EINVAL, "invalid argument: options.struct_size not set");
            goto fail;
        }
        memcpy(&c->opts, opts, n);
        c->opts.struct_size = sizeof c->opts;
    }
    if (fau_models_locate(&c->models, c->opts.models_dir, &err) != FAU_OK)
        goto fail_ctx;
    if (c->opts.load_landmarks &&
        (fau_landmark_models_load(&c->landmarks, &c->models, c->opts.landmark_model, &err) ||
         fau_mtcnn_load(&c->detector, &c->models, "model/mtcnn_detector/MTCNN_detector.txt", &err)))
        goto fail_ctx;
    if (c->opts.load_aus) {
        /* FaceLandmarkImg always uses the static models; -au_static makes
         * videos use them too (FaceAnalyserParameters). */
        static const char static_rel[] = "AU_predictors/main_static_svms.txt";
        const char *video_rel = c->opts.au_static ? static_rel : c->opts.au_model;
        if (fau_au_models_load(&c->au_video, &c->models, video_rel, &err))
            goto fail_ctx;
        if (!strcmp(video_rel, static_rel))
            c->au_image = c->au_video;
        else if (fau_au_models_load(&c->au_image, &c->models, static_rel, &err))
            goto fail_ctx;
    }
    *out = c;
    return FAU_OK;
fail_ctx:
    fau_destroy(&c);
fail:
    if (err_buf && err_len)
        snprintf(err_buf, err_len, "%s", err.msg);
    return err.code;
}

void fau_destroy(fau_ctx **ctx)
{
    if (!ctx || !*ctx)
        return;
    fau_landmark_models_free(&(*ctx)->landmarks);
    fau_mtcnn_free(&(*ctx)->detector);
    if ((*ctx)->au_image != (*ctx)->au_video)
        fau_au_models_free(&(*ctx)->au_image);
    fau_au_models_free(&(*ctx)->au_video);
    free(*ctx);
    *ctx = NULL;
}

const char *fau_last_error(const fau_ctx *ctx)
{
    return ctx ? ctx->err.msg : "";
}

const char *fau_models_dir(const fau_ctx *ctx)
{
    return ctx ? ctx->models.dir : "";
}
