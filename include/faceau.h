/*
 * faceau: OpenFace 2.2 compatible facial behaviour analysis in C11.
 *
 * Ownership and threading: a fau_ctx owns every model and buffer it uses.
 * One ctx is used by one thread at a time; separate ctx objects may run
 * concurrently. The library keeps no global mutable state and never prints
 * or exits: details of a failure are available from fau_last_error().
 */
#ifndef FACEAU_H
#define FACEAU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FAU_BUILDING_LIBRARY) && defined(__GNUC__)
#define FAU_API __attribute__((visibility("default")))
#else
#define FAU_API
#endif

#define FAU_VERSION_MAJOR 0
#define FAU_VERSION_MINOR 1
#define FAU_VERSION_PATCH 0

/* Return codes: 0 is success, every error is negative. */
typedef enum fau_status {
    FAU_OK = 0,
    FAU_EINVAL = -1,        /* API misuse or invalid argument */
    FAU_ENOMEM = -2,        /* allocation failed or a size limit was exceeded */
    FAU_EIO = -3,           /* file could not be opened, read or written */
    FAU_EFORMAT = -4,       /* model or media file is malformed */
    FAU_EUNSUPPORTED = -5,  /* valid input that this build cannot handle */
    FAU_EBACKEND = -6,      /* compute backend failure */
    FAU_ENOTFOUND = -7,     /* a model file or input was not found */
    FAU_EDECODE = -8        /* media opened but a frame failed to decode */
} fau_status;

/* Static English text for a status code; never NULL. */
FAU_API const char *fau_strerror(int status);

/* "MAJOR.MINOR.PATCH" of the linked library. */
FAU_API const char *fau_version(void);

typedef void (*fau_log_fn)(void *user, int level, const char *message);

enum fau_log_level { FAU_LOG_ERROR = 0, FAU_LOG_WARN = 1, FAU_LOG_INFO = 2, FAU_LOG_DEBUG = 3 };

/* Options for fau_create. Call fau_options_default() first; struct_size lets
 * fields be appended in later versions without breaking old callers. */
typedef struct fau_options {
    size_t struct_size;          /* set to sizeof(fau_options) */
    const char *models_dir;      /* NULL: $FACEAU_MODELS, then the install share dir */
    const char *landmark_model;  /* relative to models_dir; default "model/main_clnf_general.txt" */
    const char *au_model;        /* relative to models_dir; default "AU_predictors/main_dynamic_svms.txt" */
    int load_landmarks;          /* load detector, CLNF and validator models (default 1) */
    int load_aus;                /* load the AU predictors (default 1) */
    int au_static;               /* use static AU models only (images, -au_static) */
    int threads;                 /* worker threads; 0 = all cores */
    const char *simd;            /* NULL: best the CPU has, or "scalar","sse41","avx2","avx512","neon" */
    fau_log_fn log;              /* optional log callback */
    void *log_user;
} fau_options;

FAU_API void fau_options_default(fau_options *opts);

typedef struct fau_ctx fau_ctx;

/* Creates a context and loads every model the options ask for.
 * On failure *ctx is NULL and, if err_buf is not NULL, a one-line
 * description (file and problem) is written to it. */
FAU_API int fau_create(fau_ctx **ctx, const fau_options *opts, char *err_buf, size_t err_len);

/* Frees the context and sets *ctx to NULL; accepts NULL and *ctx == NULL. */
FAU_API void fau_destroy(fau_ctx **ctx);

/* Detail of the last failure on ctx (file, model line, stage); "" if none.
 * Valid until the next call on ctx. */
FAU_API const char *fau_last_error(const fau_ctx *ctx);

/* Directory the models were loaded from. */
FAU_API const char *fau_models_dir(const fau_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* FACEAU_H */
