/* .hog writer: Utilities::RecorderHOG::Write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/models_path.h"
#include "output/hog.h"

struct fau_hog_writer {
    FILE *f;
    char path[FAU_PATH_MAX];
    char tmp[FAU_PATH_MAX + 8];
};

int fau_hog_writer_open(fau_hog_writer **pw, const char *path, fau_error *e)
{
    FAU_CHECK_ARG(e, pw != NULL && path != NULL);
    *pw = NULL;
    if (strlen(path) >= FAU_PATH_MAX)
        return fau_error_set(e, FAU_EINVAL, "output path too long: %s", path);
    fau_hog_writer *w = calloc(1, sizeof *w);
    if (!w)
        return fau_error_set(e, FAU_ENOMEM, "out of memory");
    snprintf(w->path, sizeof w->path, "%s", path);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
    w->f = fopen(w->tmp, "wb");
    if (!w->f) {
        free(w);
        return fau_error_set(e, FAU_EIO, "%s: cannot create the HOG file", path);
    }
    *pw = w;
    return FAU_OK;
}

int fau_hog_writer_write(fau_hog_writer *w, const float *hog, int rows, int cols, int channels,
                         int success, fau_error *e)
{
    FAU_CHECK_ARG(e, w != NULL && rows >= 0 && cols >= 0 && channels >= 0);
    FAU_CHECK_ARG(e, hog != NULL || (size_t)rows * cols * channels == 0);
    int32_t hdr[3] = {cols, rows, channels};
    float good = success ? 1.0f : -1.0f;
    size_t n = (size_t)rows * (size_t)cols * (size_t)channels;
    if (fwrite(hdr, 4, 3, w->f) != 3 || fwrite(&good, 4, 1, w->f) != 1 ||
        (n && fwrite(hog, 4, n, w->f) != n))
        return fau_error_set(e, FAU_EIO, "%s: write failed", w->path);
    return FAU_OK;
}

int fau_hog_writer_close(fau_hog_writer **pw, fau_error *e)
{
    if (!pw || !*pw)
        return FAU_OK;
    fau_hog_writer *w = *pw;
    int rc = FAU_OK;
    if (fclose(w->f) != 0)
        rc = fau_error_set(e, FAU_EIO, "%s: write failed", w->path);
    else if (rename(w->tmp, w->path) != 0)
        rc = fau_error_set(e, FAU_EIO, "%s: cannot rename from %s", w->path, w->tmp);
    if (rc)
        remove(w->tmp);
    free(w);
    *pw = NULL;
    return rc;
}

void fau_hog_writer_abort(fau_hog_writer **pw)
{
    if (!pw || !*pw)
        return;
    fclose((*pw)->f);
    remove((*pw)->tmp);
    free(*pw);
    *pw = NULL;
}
