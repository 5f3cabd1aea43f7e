/* Where the OpenFace model files are found: --models DIR, else
 * $FACEAU_MODELS, else the installed share dir, else ../shared/openface-models
 * (the development layout). Missing models are the most common OpenFace
 * failure, so every error lists each place searched and how to get the files. */
#ifndef FAU_CORE_MODELS_PATH_H
#define FAU_CORE_MODELS_PATH_H

#include <stddef.h>

#include "core/error.h"

#define FAU_PATH_MAX 4096

typedef struct fau_model_paths {
    char dir[FAU_PATH_MAX];        /* the folder chosen, "" if none exists */
    char searched[FAU_PATH_MAX];   /* "A (why), B (why), ..." for messages */
} fau_model_paths;

/* Chooses the first existing candidate folder. Fails with FAU_ENOTFOUND
 * (message listing every candidate) when none exists. */
int fau_models_locate(fau_model_paths *p, const char *explicit_dir, fau_error *e);

/* Writes dir/rel to out after checking that it is a readable regular file;
 * otherwise FAU_ENOTFOUND with the searched list and how to obtain the files. */
int fau_models_file(const fau_model_paths *p, const char *rel, char *out, size_t out_len,
                    fau_error *e);

/* Text appended to every missing-model error. */
#define FAU_MODELS_HINT                                                                     \
    "get OpenFace 2.2.0's model/ and AU_predictors/ folders (lib/local/LandmarkDetector/model " \
    "and lib/local/FaceAnalyser/AU_predictors in the OpenFace repository) into one folder "   \
    "and pass it with --models DIR or FACEAU_MODELS=DIR"

#endif
