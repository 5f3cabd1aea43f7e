/* Shared helpers of the landmark model loaders (internal). */
#ifndef FAU_LANDMARKS_LM_LOAD_UTIL_H
#define FAU_LANDMARKS_LM_LOAD_UTIL_H

#include <stddef.h>

#include "core/error.h"
#include "core/modelio.h"

/* FAU_EFORMAT "<file>: byte <pos>: <message>" for binary files. */
int fau_lm_bad_bin(const fau_reader *r, size_t pos, fau_error *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* FAU_EFORMAT "<file>: line <n>: <message>" for text files. */
int fau_lm_bad_text(const fau_reader *r, int line, fau_error *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads a binary int32 that must lie in [lo, hi]; what names it in errors. */
int fau_lm_bin_count(fau_reader *r, int lo, int hi, const char *what, int *v, fau_error *e);

/* Fails with FAU_EFORMAT (truncated) unless at least count * each bytes
 * remain: checked before allocating for counts read from the file, so a
 * corrupt count cannot ask for gigabytes. */
int fau_lm_need_bytes(fau_reader *r, size_t count, size_t each, const char *what, fau_error *e);

/* ReadMatBin with a check that the matrix has rows x cols elements
 * (rows or cols < 0: any) and, when type >= 0, that exact OpenCV type. */
int fau_lm_bin_mat(fau_reader *r, fau_matd *m, int rows, int cols, int type, const char *what,
                   fau_error *e);

/* (float)d for each element into dst. */
void fau_lm_to_float(float *dst, const fau_matd *m);

#endif
