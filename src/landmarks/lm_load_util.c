#include "landmarks/lm_load_util.h"

#include <stdarg.h>
#include <stdio.h>

int fau_lm_bad_bin(const fau_reader *r, size_t pos, fau_error *e, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return fau_error_set(e, FAU_EFORMAT, "%s: byte %zu: %s", r->path, pos, buf);
}

int fau_lm_bad_text(const fau_reader *r, int line, fau_error *e, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return fau_error_set(e, FAU_EFORMAT, "%s: line %d: %s", r->path, line, buf);
}

int fau_lm_bin_count(fau_reader *r, int lo, int hi, const char *what, int *v, fau_error *e)
{
    size_t at = r->pos;
    int32_t x;
    int rc = fau_reader_bin_i32(r, &x, e);
    if (rc)
        return rc;
    if (x < lo || x > hi)
        return fau_lm_bad_bin(r, at, e, "%s is %d, expected %d..%d", what, (int)x, lo, hi);
    *v = (int)x;
    return FAU_OK;
}

int fau_lm_need_bytes(fau_reader *r, size_t count, size_t each, const char *what, fau_error *e)
{
    size_t left = r->len - r->pos;
    if (each && count > left / each)
        return fau_lm_bad_bin(r, r->pos, e, "truncated: %zu %s need at least %zu bytes each, "
                              "%zu bytes left", count, what, each, left);
    return FAU_OK;
}

static const char *type_name(int t)
{
    switch (t) {
    case FAU_CV_8U: return "uint8";
    case FAU_CV_32S: return "int32";
    case FAU_CV_32F: return "float32";
    case FAU_CV_64F: return "float64";
    default: return "unknown";
    }
}

int fau_lm_bin_mat(fau_reader *r, fau_matd *m, int rows, int cols, int type, const char *what,
                   fau_error *e)
{
    size_t at = r->pos;
    int rc = fau_reader_mat_bin(r, m, e);
    if (rc)
        return rc;
    if ((rows >= 0 && m->rows != rows) || (cols >= 0 && m->cols != cols)) {
        rc = fau_lm_bad_bin(r, at, e, "%s is %d x %d, expected %d x %d", what, m->rows, m->cols,
                            rows, cols);
        fau_matd_free(m);
        return rc;
    }
    if (type >= 0 && m->type != type) {
        rc = fau_lm_bad_bin(r, at, e, "%s has type %s, expected %s", what, type_name(m->type),
                            type_name(type));
        fau_matd_free(m);
        return rc;
    }
    return FAU_OK;
}

void fau_lm_to_float(float *dst, const fau_matd *m)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)m->data[i];
}
