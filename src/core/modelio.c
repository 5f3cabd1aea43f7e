#include "core/modelio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"

int fau_reader_open(fau_reader *r, const char *path, fau_error *e)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->line = 1;
    struct stat st;
    if (stat(path, &st) != 0)
        return fau_error_set(e, FAU_ENOTFOUND, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fau_error_set(e, FAU_EIO, "%s: not a regular file", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fau_error_set(e, FAU_EIO, "%s: %s", path, strerror(errno));
    size_t n = (size_t)st.st_size;
    r->data = malloc(n + 1);
    if (!r->data) {
        fclose(f);
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory reading %zu bytes", path, n);
    }
    size_t got = fread(r->data, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        fau_reader_close(r);
        return fau_error_set(e, FAU_EIO, "%s: read error", path);
    }
    r->data[n] = '\0';
    r->len = n;
    return FAU_OK;
}

void fau_reader_close(fau_reader *r)
{
    free(r->data);
    r->data = NULL;
    r->len = r->pos = 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_space(fau_reader *r)
{
    while (r->pos < r->len && is_space(r->data[r->pos])) {
        if (r->data[r->pos] == '\n')
            r->line++;
        r->pos++;
    }
}

/* SkipComments: drop whole lines while the next character is '#', newline,
 * space or CR. */
void fau_reader_skip_comments(fau_reader *r)
{
    while (r->pos < r->len) {
        char c = r->data[r->pos];
        if (c != '#' && c != '\n' && c != ' ' && c != '\r')
            break;
        while (r->pos < r->len && r->data[r->pos] != '\n')
            r->pos++;
        if (r->pos < r->len) {
            r->pos++;
            r->line++;
        }
    }
}

int fau_reader_at_end(fau_reader *r)
{
    skip_space(r);
    return r->pos >= r->len;
}

int fau_reader_word(fau_reader *r, char *out, size_t out_len, fau_error *e)
{
    skip_space(r);
    if (r->pos >= r->len)
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: unexpected end of file", r->path,
                             r->line);
    size_t start = r->pos;
    while (r->pos < r->len && !is_space(r->data[r->pos]))
        r->pos++;
    size_t n = r->pos - start;
    if (n + 1 > out_len)
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: token too long", r->path, r->line);
    memcpy(out, r->data + start, n);
    out[n] = '\0';
    return FAU_OK;
}

int fau_reader_line(fau_reader *r, char *out, size_t out_len, fau_error *e)
{
    size_t start = r->pos;
    while (r->pos < r->len && r->data[r->pos] != '\n')
        r->pos++;
    size_t n = r->pos - start;
    if (n && r->data[start + n - 1] == '\r')
        n--;
    if (r->pos < r->len) {
        r->pos++;
        r->line++;
    }
    if (n + 1 > out_len)
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: line too long", r->path, r->line - 1);
    memcpy(out, r->data + start, n);
    out[n] = '\0';
    return FAU_OK;
}

int fau_reader_double(fau_reader *r, double *v, fau_error *e)
{
    skip_space(r);
    if (r->pos >= r->len)
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: unexpected end of file, expected a number",
                             r->path, r->line);
    char *end;
    errno = 0;
    double d = strtod(r->data + r->pos, &end);
    if (end == r->data + r->pos || (end < r->data + r->len && !is_space(*end)))
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: expected a number", r->path, r->line);
    if (!isfinite(d))
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: number out of range", r->path, r->line);
    r->pos = (size_t)(end - r->data);
    *v = d;
    return FAU_OK;
}

int fau_reader_float(fau_reader *r, float *v, fau_error *e)
{
    double d;
    int rc = fau_reader_double(r, &d, e);
    if (rc == FAU_OK)
        *v = (float)d;
    return rc;
}

int fau_reader_int(fau_reader *r, int *v, fau_error *e)
{
    skip_space(r);
    if (r->pos >= r->len)
        return fau_error_set(e, FAU_EFORMAT,
                             "%s: line %d: unexpected end of file, expected an integer", r->path,
                             r->line);
    char *end;
    errno = 0;
    long l = strtol(r->data + r->pos, &end, 10);
    if (end == r->data + r->pos || (end < r->data + r->len && !is_space(*end)) || errno ||
        l < -2147483647L || l > 2147483647L)
        return fau_error_set(e, FAU_EFORMAT, "%s: line %d: expected an integer", r->path, r->line);
    r->pos = (size_t)(end - r->data);
    *v = (int)l;
    return FAU_OK;
}

static int check_dims(fau_reader *r, int rows, int cols, int type, const char *where, fau_error *e)
{
    if (rows < 0 || cols < 0 || rows > FAU_MODEL_MAX_DIM || cols > FAU_MODEL_MAX_DIM ||
        (size_t)rows * (size_t)cols > FAU_MODEL_MAX_ELEMS)
        return fau_error_set(e, FAU_EFORMAT, "%s: %s: implausible matrix size %d x %d", r->path,
                             where, rows, cols);
    if (type != FAU_CV_8U && type != FAU_CV_32S && type != FAU_CV_32F && type != FAU_CV_64F)
        return fau_error_set(e, FAU_EFORMAT, "%s: %s: unsupported matrix type %d", r->path, where,
                             type);
    return FAU_OK;
}

int fau_reader_mat(fau_reader *r, fau_matd *m, fau_error *e)
{
    memset(m, 0, sizeof *m);
    int rows, cols, type, rc;
    char where[32];
    if ((rc = fau_reader_int(r, &rows, e)) || (rc = fau_reader_int(r, &cols, e)) ||
        (rc = fau_reader_int(r, &type, e)))
        return rc;
    snprintf(where, sizeof where, "line %d", r->line);
    if ((rc = check_dims(r, rows, cols, type, where, e)))
        return rc;
    size_t n = (size_t)rows * (size_t)cols;
    m->data = malloc((n ? n : 1) * sizeof(double));
    if (!m->data)
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
    m->rows = rows;
    m->cols = cols;
    m->type = type;
    for (size_t i = 0; i < n; i++) {
        if ((rc = fau_reader_double(r, &m->data[i], e))) {
            fau_matd_free(m);
            return rc;
        }
        if (type == FAU_CV_32F)
            m->data[i] = (float)m->data[i];
    }
    return FAU_OK;
}

static int need(fau_reader *r, size_t n, fau_error *e)
{
    if (r->len - r->pos < n)
        return fau_error_set(e, FAU_EFORMAT, "%s: truncated at byte %zu (need %zu more bytes)",
                             r->path, r->pos, n);
    return FAU_OK;
}

/* Copies the next n raw (little-endian) bytes into v. */
static int read_raw(fau_reader *r, void *v, size_t n, fau_error *e)
{
    int rc = need(r, n, e);
    if (rc)
        return rc;
    memcpy(v, r->data + r->pos, n);
    r->pos += n;
    return FAU_OK;
}

int fau_reader_bin_i32(fau_reader *r, int32_t *v, fau_error *e)
{
    return read_raw(r, v, sizeof *v, e);
}

int fau_reader_bin_f32(fau_reader *r, float *v, fau_error *e)
{
    return read_raw(r, v, sizeof *v, e);
}

int fau_reader_bin_f64(fau_reader *r, double *v, fau_error *e)
{
    return read_raw(r, v, sizeof *v, e);
}

int fau_reader_mat_bin(fau_reader *r, fau_matd *m, fau_error *e)
{
    memset(m, 0, sizeof *m);
    int32_t rows, cols, type;
    int rc;
    size_t at = r->pos;
    if ((rc = fau_reader_bin_i32(r, &rows, e)) || (rc = fau_reader_bin_i32(r, &cols, e)) ||
        (rc = fau_reader_bin_i32(r, &type, e)))
        return rc;
    char where[40];
    snprintf(where, sizeof where, "matrix at byte %zu", at);
    if ((rc = check_dims(r, rows, cols, type, where, e)))
        return rc;
    size_t n = (size_t)rows * (size_t)cols;
    size_t esz = type == FAU_CV_64F ? 8 : type == FAU_CV_8U ? 1 : 4;
    if ((rc = need(r, n * esz, e)))
        return rc;
    m->data = malloc((n ? n : 1) * sizeof(double));
    if (!m->data)
        return fau_error_set(e, FAU_ENOMEM, "%s: out of memory", r->path);
    m->rows = rows;
    m->cols = cols;
    m->type = type;
    const unsigned char *p = (const unsigned char *)r->data + r->pos;
    for (size_t i = 0; i < n; i++) {
        if (type == FAU_CV_64F) {
            memcpy(&m->data[i], p + 8 * i, 8);
        } else if (type == FAU_CV_32F) {
            float f;
            memcpy(&f, p + 4 * i, 4);
            m->data[i] = f;
        } else if (type == FAU_CV_32S) {
            int32_t v;
            memcpy(&v, p + 4 * i, 4);
            m->data[i] = v;
        } else {
            m->data[i] = p[i];
        }
        if (!isfinite(m->data[i])) {
            fau_matd_free(m);
            return fau_error_set(e, FAU_EFORMAT, "%s: %s: non-finite value", r->path, where);
        }
    }
    r->pos += n * esz;
    return FAU_OK;
}

void fau_matd_free(fau_matd *m)
{
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}

float *fau_matd_to_float(const fau_matd *m)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    float *f = fau_aligned_alloc((n ? n : 1) * sizeof(float));
    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++)
        f[i] = (float)m->data[i];
    return f;
}
