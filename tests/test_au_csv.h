/* Tiny CSV reader for the golden files (OpenFace CSVs use ", ", the stage
 * dumps ","): a header of column names and rows of doubles ("nan" allowed).
 * Header-only, static functions, for the AU / alignment / PDM tests. */
#ifndef FAU_TEST_AU_CSV_H
#define FAU_TEST_AU_CSV_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

typedef struct au_csv {
    int ncols, nrows;
    char **names;
    double *v; /* nrows * ncols */
} au_csv;

static inline void au_csv_free(au_csv *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->ncols; i++)
        free(c->names[i]);
    free(c->names);
    free(c->v);
    memset(c, 0, sizeof *c);
}

/* Returns 0 on success. */
static inline int au_csv_read(au_csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    size_t len = 0;
    char *text = fau_test_read_file(path, &len);
    if (!text)
        return -1;
    char *line = text, *nl = strchr(line, '\n');
    if (!nl) {
        free(text);
        return -1;
    }
    *nl = 0;
    /* header */
    int cap = 64;
    c->names = malloc(sizeof(char *) * cap);
    for (char *tok = line; tok;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = 0;
        while (*tok == ' ')
            tok++;
        size_t l = strlen(tok);
        while (l && (tok[l - 1] == '\r' || tok[l - 1] == ' '))
            tok[--l] = 0;
        if (c->ncols == cap) {
            cap *= 2;
            c->names = realloc(c->names, sizeof(char *) * cap);
        }
        c->names[c->ncols++] = strdup(tok);
        tok = comma ? comma + 1 : NULL;
    }
    /* rows */
    int rcap = 64;
    c->v = malloc(sizeof(double) * (size_t)rcap * c->ncols);
    char *p = nl + 1;
    while (*p) {
        if (*p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        if (c->nrows == rcap) {
            rcap *= 2;
            c->v = realloc(c->v, sizeof(double) * (size_t)rcap * c->ncols);
        }
        double *row = c->v + (size_t)c->nrows * c->ncols;
        for (int i = 0; i < c->ncols; i++) {
            char *end;
            row[i] = strtod(p, &end);
            p = end;
            while (*p == ',' || *p == ' ')
                p++;
        }
        while (*p && *p != '\n')
            p++;
        c->nrows++;
    }
    free(text);
    return 0;
}

static inline int au_csv_col(const au_csv *c, const char *name)
{
    for (int i = 0; i < c->ncols; i++)
        if (strcmp(c->names[i], name) == 0)
            return i;
    return -1;
}

static inline double au_csv_at(const au_csv *c, int row, int col)
{
    return c->v[(size_t)row * c->ncols + col];
}

/* 68 landmarks x_0..x_67, y_0..y_67 of a row, as float. */
static inline void au_csv_landmarks(const au_csv *c, int row, float *out)
{
    int x0 = au_csv_col(c, "x_0"), y0 = au_csv_col(c, "y_0");
    for (int i = 0; i < 68; i++) {
        out[i] = (float)au_csv_at(c, row, x0 + i);
        out[68 + i] = (float)au_csv_at(c, row, y0 + i);
    }
}

#endif
