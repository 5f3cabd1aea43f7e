/* Shared helpers for the cmocka tests. */
#ifndef FAU_TESTLIB_H
#define FAU_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path under the shared folder (media, golden, bad, openface-models);
 * returns a static buffer rotated over 8 slots. */
const char *fau_test_shared(const char *rel);
/* Path under $FACEAU_MODELS. */
const char *fau_test_models(const char *rel);
/* Models folder ($FACEAU_MODELS). */
const char *fau_test_models_dir(void);
/* A fresh empty temporary directory (removed by the OS temp cleaner). */
const char *fau_test_tmpdir(void);
/* Reads a whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *fau_test_read_file(const char *path, size_t *len);

/* ---- golden CSV tables (header names, every cell as double) ---- */
struct fau_pdm;
typedef struct table {
    int ncols, nrows;
    char **names;
    double *v;        /* nrows x ncols */
    char (*call)[16]; /* text of the stage dumps' "call" column, per row */
} table;
int table_load(table *t, const char *path); /* 0 ok, -1 unreadable */
void table_free(table *t);
int table_col(const table *t, const char *name);  /* -1 if absent */
int table_coln(const table *t, const char *prefix, int i); /* column "<prefix><i>" */
double table_cell(const table *t, int r, int c);
/* Splits a CSV line in place into at most max fields (strtok: empty fields
 * are skipped); returns the count. */
int fau_test_split_csv(char *line, char **cols, int max);
/* Index of header field name among n; fails the test when absent. */
int fau_test_csv_col(char **hdr, int n, const char *name);

/* The CLNF general landmark models from $FACEAU_MODELS; NULL on failure. */
struct fau_landmark_models;
struct fau_landmark_models *fau_test_landmark_models(void);

/* WIDTHxHEIGHT of a media file from media/MANIFEST.tsv. */
void manifest_size(const char *file, int *w, int *h);
/* Reference PDM::CalcShape3D (float FMA chain over the modes, then mean + s),
 * the rounding OpenFace's product has. */
void calc_shape3d(const struct fau_pdm *pdm, const float *p, float *out);

/* Every full-precision golden: { "golden/hp/ relative name", "media/ relative file" }. */
extern const char *const fau_test_goldens[][2];
extern const int fau_test_n_goldens;

#endif
