/* The complete OpenFace 2.2 CLNF landmark model set as CLNF::Read loads it
 * from model/main_clnf_general.txt:
 *   - the main 68-point CLNF (Read_CLNF of clnf_general.txt): PDM,
 *     triangulations (tris_68.txt), CCNF patch experts at scales 0.25, 0.35, 0.5;
 *   - hierarchical part models (LandmarkDetector_part lines): inner face
 *     (51 points) and the two 28-point eye models, each a CLNF with its own
 *     PDM and patch experts, plus the main<->part landmark index mapping and
 *     the fitting parameters CLNF::Read sets for that part name;
 *   - the CNN detection validator (DetectionValidator line).
 * The FaceDetConversion line (haarAlign.txt) is ignored, as CLNF::Read in
 * OpenFace 2.2 ignores it (it only served the removed Haar/HOG detectors).
 *
 * Everything lives in one arena owned by fau_landmark_models (PDMs are
 * separate fau_pdm objects) and is immutable after loading, so one loaded
 * set can be shared by several contexts. */
#ifndef FAU_LANDMARKS_CLNF_MODEL_H
#define FAU_LANDMARKS_CLNF_MODEL_H

#include <stdint.h>

#include "core/error.h"
#include "core/models_path.h"
#include "landmarks/ccnf.h"
#include "landmarks/lm_arena.h"
#include "landmarks/pdm.h"
#include "landmarks/validator.h"

#define FAU_CLNF_MAX_SCALES 8
#define FAU_CLNF_MAX_PARTS 8
#define FAU_CLNF_MAX_TRI_VIEWS 64
#define FAU_CLNF_PART_MAX_WINDOWS 4

/* One triangulation (tris_68.txt holds one per view). */
typedef struct fau_triangulation {
    int n_triangles;
    int32_t *idx; /* n_triangles x 3 landmark indices */
} fau_triangulation;

/* One CLNF (LandmarkDetector::CLNF's PDM + Patch_experts). */
typedef struct fau_clnf_model {
    char rel_path[FAU_PATH_MAX]; /* the clnf_*.txt file, relative to the models dir */
    fau_pdm *pdm;
    int n_points;                /* = pdm->n_points = patches' landmark count */
    int n_tri_views;             /* 0 when the model names no Triangulations */
    fau_triangulation *tris;
    int n_scales;                /* CCNF patch files in file order (increasing scale) */
    fau_ccnf_patches scales[FAU_CLNF_MAX_SCALES];
    /* Patch_experts keeps only the sigma components of the LAST patch file
     * read (this->sigma_components is overwritten per file) and uses them
     * for every scale; this is that file's index (n_scales - 1). */
    int sigma_scale;
} fau_clnf_model;

/* A hierarchical part (CLNF::hierarchical_models/_mapping/_params). */
typedef struct fau_clnf_part {
    char name[64];               /* "inner", "left_eye_28", "right_eye_28" */
    fau_clnf_model model;
    int n_map;
    int32_t *map_main;           /* n_map landmark indices in the main model */
    int32_t *map_part;           /* the corresponding indices in the part */
    /* FaceModelParameters CLNF::Read sets for this part name (window sizes
     * for init and tracking are equal for every part). */
    int n_windows;
    int window_sizes[FAU_CLNF_PART_MAX_WINDOWS];
    float reg_factor, sigma, weight_factor;
} fau_clnf_part;

typedef struct fau_landmark_models {
    fau_clnf_model main;
    int n_parts;
    fau_clnf_part parts[FAU_CLNF_MAX_PARTS];
    int eye_model;               /* CLNF::eye_model: a *_eye_28 part is present */
    int has_validator;
    fau_validator validator;
    fau_lm_arena arena;
} fau_landmark_models;

/* CLNF::Read of paths->dir/main_rel (e.g. "model/main_clnf_general.txt").
 * Paths inside model files are relative to the file naming them. Missing
 * files: FAU_ENOTFOUND listing where models were searched; malformed files:
 * FAU_EFORMAT naming the file and line or byte. CE-CLM models
 * (main_ceclm_general.txt) need OpenFace's separately distributed CEN patch
 * files: FAU_ENOTFOUND naming the missing file when they are absent,
 * FAU_EUNSUPPORTED when present (CEN experts are not implemented). */
int fau_landmark_models_load(fau_landmark_models **out, const fau_model_paths *paths,
                             const char *main_rel, fau_error *e);
void fau_landmark_models_free(fau_landmark_models **m);

/* Part by name, NULL if absent. */
const fau_clnf_part *fau_landmark_models_part(const fau_landmark_models *m, const char *name);

#endif
