/* OpenFace 2.2 CSV output (Utilities::RecorderCSV and the AU rewrite of
 * FaceAnalyser::PostprocessOutputFile), byte for byte: column names and
 * order, fixed-point precision per column, ", " separators, and the extra
 * space the post-processing pass leaves in front of every non-AU value. */
#ifndef FAU_OUTPUT_CSV_H
#define FAU_OUTPUT_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/result.h"

#define FAU_AU_NAME_MAX 16

typedef struct fau_csv_layout {
    int sequence;        /* 1: FeatureExtraction (frame, face_id, timestamp, ...); 0: FaceLandmarkImg */
    int gaze, pose, lmk2d, lmk3d, pdm, aus;
    int full_precision;  /* 9 digits everywhere OpenFace prints 1-6 (the hp goldens) */
    int n_landmarks;     /* 68 */
    int n_eye_landmarks; /* 56 */
    int n_modes;         /* PDM non-rigid modes */
    int n_au_r, n_au_c;
    char au_r_names[FAU_MAX_AUS][FAU_AU_NAME_MAX]; /* "AU01", ...; sorted by fau_csv_layout_sort_aus */
    char au_c_names[FAU_MAX_AUS][FAU_AU_NAME_MAX];
} fau_csv_layout;

/* Sorts the AU names as RecorderCSV does (std::sort of std::string). */
void fau_csv_layout_sort_aus(fau_csv_layout *l);

int fau_csv_write_header(FILE *fp, const fau_csv_layout *l);
/* One row as RecorderCSV::WriteLine writes it. r->au_r / au_c are in the
 * layout's (sorted) order. */
int fau_csv_write_row(FILE *fp, const fau_csv_layout *l, const fau_face_result *r);

/* FaceAnalyser::PostprocessOutputFile: copies `in` (a CSV written by the
 * functions above) to `out`, replacing the AU columns of data row i with
 * au_r[i * n_au_r ..] and au_c[i * n_au_c ..] (2 decimals, or 9 at full
 * precision) and re-spacing the other columns the way OpenFace does. */
int fau_csv_rewrite_aus(FILE *in, FILE *out, const fau_csv_layout *l, const double *au_r,
                        const double *au_c, size_t n_rows, const char *path, fau_error *e);

#endif
