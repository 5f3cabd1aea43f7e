/* Reader for OpenFace CSV files (FeatureExtraction or FaceLandmarkImg
 * layout), used by --landmarks-from to feed OpenFace's own landmarks and PDM
 * parameters into later stages. Columns are found by name, so any subset of
 * groups works; values are parsed with strtod and narrowed to the types
 * OpenFace holds them in. */
#ifndef FAU_IO_OPENFACE_CSV_H
#define FAU_IO_OPENFACE_CSV_H

#include <stdio.h>

#include "core/error.h"
#include "core/result.h"

typedef struct fau_ofcsv fau_ofcsv;

/* Which column groups the file has. */
typedef struct fau_ofcsv_groups {
    int sequence;  /* frame/face_id/timestamp/success columns */
    int gaze, pose, lmk2d, lmk3d, pdm, aus;
    int n_modes;
    int n_au_r, n_au_c;  /* AU columns in file order (OpenFace writes them sorted) */
    char au_r_names[FAU_MAX_AUS][16];
    char au_c_names[FAU_MAX_AUS][16];
} fau_ofcsv_groups;

int fau_ofcsv_open(fau_ofcsv **c, const char *path, fau_error *e);
const fau_ofcsv_groups *fau_ofcsv_get_groups(const fau_ofcsv *c);
/* Next row into r (groups the file lacks are left untouched). 1 = row,
 * 0 = end, < 0 = error naming the file and line. */
int fau_ofcsv_next(fau_ofcsv *c, fau_face_result *r, fau_error *e);
void fau_ofcsv_close(fau_ofcsv **c);

#endif
