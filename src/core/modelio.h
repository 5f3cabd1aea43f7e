/* Readers for OpenFace's model file formats.
 *
 * Text models are whitespace-separated tokens with '#' comment lines
 * (LandmarkDetector::SkipComments) and matrices written as "rows cols type"
 * followed by rows*cols numbers (LandmarkDetector::ReadMat; type is an
 * OpenCV depth code: 4 = CV_32S, 5 = CV_32F, 6 = CV_64F). Binary models
 * (.dat) store matrices as int32 rows, cols, type then raw little-endian
 * data (ReadMatBin).
 *
 * Numbers are parsed as double with strtod, exactly what the C++ stream does,
 * and narrowed to float only where OpenFace converts to float, so the values
 * in memory are bit-identical to OpenFace's. Every failure names the file
 * and the line (text) or byte offset (binary). */
#ifndef FAU_CORE_MODELIO_H
#define FAU_CORE_MODELIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* OpenCV depth codes as they appear in OpenFace model files. */
enum { FAU_CV_8U = 0, FAU_CV_32S = 4, FAU_CV_32F = 5, FAU_CV_64F = 6 };

/* Caps on matrix sizes read from files: far above any OpenFace model and far
 * below what would exhaust memory. */
#define FAU_MODEL_MAX_DIM 1000000
#define FAU_MODEL_MAX_ELEMS (64u * 1024u * 1024u)

typedef struct fau_reader {
    const char *path;   /* for messages; not owned */
    char *data;         /* whole file, NUL-terminated */
    size_t len;
    size_t pos;
    int line;           /* 1-based line of pos (text) */
} fau_reader;

/* Reads the whole file. FAU_ENOTFOUND if absent, FAU_EIO if unreadable. */
int fau_reader_open(fau_reader *r, const char *path, fau_error *e);
void fau_reader_close(fau_reader *r);

/* --- text --- */
void fau_reader_skip_comments(fau_reader *r);
int fau_reader_int(fau_reader *r, int *v, fau_error *e);
int fau_reader_double(fau_reader *r, double *v, fau_error *e);
int fau_reader_float(fau_reader *r, float *v, fau_error *e); /* parsed as double, narrowed */
/* Next whitespace-delimited token; FAU_EFORMAT at end of file. */
int fau_reader_word(fau_reader *r, char *out, size_t out_len, fau_error *e);
/* Rest of the current line without the newline (may be empty). */
int fau_reader_line(fau_reader *r, char *out, size_t out_len, fau_error *e);
int fau_reader_at_end(fau_reader *r); /* only whitespace left */

/* A matrix as read: values widened to double, row-major. */
typedef struct fau_matd {
    int rows, cols, type;
    double *data; /* malloc'd, rows*cols */
} fau_matd;

/* ReadMat: "rows cols type" then the values. */
int fau_reader_mat(fau_reader *r, fau_matd *m, fau_error *e);
/* ReadMatBin: int32 rows, cols, type then raw data of that type. */
int fau_reader_mat_bin(fau_reader *r, fau_matd *m, fau_error *e);
/* Raw little-endian scalars for binary formats. */
int fau_reader_bin_i32(fau_reader *r, int32_t *v, fau_error *e);
int fau_reader_bin_f32(fau_reader *r, float *v, fau_error *e);
int fau_reader_bin_f64(fau_reader *r, double *v, fau_error *e);

void fau_matd_free(fau_matd *m);
/* New 64-byte aligned float copy of m (OpenFace's convertTo(CV_32F)). */
float *fau_matd_to_float(const fau_matd *m);

#endif
