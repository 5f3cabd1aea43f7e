/* The context: options, located models, per-stage model data and the last
 * error. Stage folders add their model pointers here as they are built. */
#ifndef FAU_CORE_CTX_H
#define FAU_CORE_CTX_H

#include "faceau.h"
#include "core/error.h"
#include "core/models_path.h"
#include "au/au.h"
#include "detect/mtcnn.h"
#include "landmarks/clnf_model.h"

struct fau_ctx {
    fau_options opts;
    fau_model_paths models;
    fau_error err;
    fau_landmark_models *landmarks; /* CLNF, parts and validator */
    fau_mtcnn *detector;            /* MTCNN face detector */
    fau_au_models *au_video;        /* AU models for videos (options.au_model) */
    fau_au_models *au_image;        /* static AU models for still images; may equal au_video */
};

#endif
