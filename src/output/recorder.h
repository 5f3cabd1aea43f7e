/* Everything written for one input, as OpenFace's RecorderOpenFace names and
 * lays it out in the output folder: NAME.csv, NAME_of_details.txt,
 * NAME.hog and NAME_aligned/. Nothing appears under the final names until
 * fau_recorder_commit: a failed run leaves no output at all. */
#ifndef FAU_OUTPUT_RECORDER_H
#define FAU_OUTPUT_RECORDER_H

#include "core/error.h"
#include "core/models_path.h"
#include "core/result.h"
#include "output/atomic_file.h"
#include "output/csv.h"

typedef struct fau_recorder_opts {
    const char *input_path;   /* as given on the command line */
    const char *out_dir;      /* -out_dir ("processed" if NULL, as OpenFace) */
    const char *out_name;     /* -of, or NULL: derived from input_path */
    fau_csv_layout layout;    /* columns; layout.sequence: video (1) or image (0) */
    int hog, aligned;         /* -hogalign, -simalign */
    double fx, fy, cx, cy;    /* camera parameters for the details file */
} fau_recorder_opts;

typedef struct fau_recorder {
    fau_recorder_opts o;
    char name[FAU_PATH_MAX];       /* NAME */
    char dir[FAU_PATH_MAX];        /* output folder */
    fau_afile csv;
    fau_afile details;
    size_t rows;
    int csv_started;
} fau_recorder;

/* OpenFace's output name: the file name without its extension, or a
 * directory's own name. */
void fau_recorder_name_for(const char *input_path, char *out, size_t out_len);

/* Creates the output folder and temporary files. */
int fau_recorder_open(fau_recorder *r, const fau_recorder_opts *o, fau_error *e);
int fau_recorder_write(fau_recorder *r, const fau_face_result *res, fau_error *e);
/* Renames everything into place. If au_r/au_c are given (videos with AUs),
 * the AU columns are first rewritten as FaceAnalyser::PostprocessOutputFile
 * does. An image run with no face writes no CSV, as FaceLandmarkImg. */
int fau_recorder_commit(fau_recorder *r, const double *au_r, const double *au_c, fau_error *e);
/* Removes every temporary file; final names untouched. */
void fau_recorder_abort(fau_recorder *r);

#endif
