#include "output/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fau_afile_open(fau_afile *f, const char *final_path, fau_error *e)
{
    memset(f, 0, sizeof *f);
    int n = snprintf(f->final_path, sizeof f->final_path, "%s", final_path);
    if (n < 0 || (size_t)n >= sizeof f->final_path)
        return fau_error_set(e, FAU_EINVAL, "output path too long: %s", final_path);
    const char *slash = strrchr(final_path, '/');
    int dir_len = slash ? (int)(slash - final_path + 1) : 0;
    n = snprintf(f->tmp_path, sizeof f->tmp_path, "%.*s.%s.tmp-XXXXXX", dir_len, final_path,
                 slash ? slash + 1 : final_path);
    if (n < 0 || (size_t)n >= sizeof f->tmp_path)
        return fau_error_set(e, FAU_EINVAL, "output path too long: %s", final_path);
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        f->tmp_path[0] = '\0';
        return fau_error_set(e, FAU_EIO, "cannot create output file %s: %s", final_path,
                             strerror(errno));
    }
    /* mkstemp creates 0600; results are ordinary files. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int err = errno;
        close(fd);
        unlink(f->tmp_path);
        f->tmp_path[0] = '\0';
        return fau_error_set(e, FAU_EIO, "cannot create output file %s: %s", final_path,
                             strerror(err));
    }
    return FAU_OK;
}

int fau_afile_commit(fau_afile *f, fau_error *e)
{
    if (!f->fp)
        return fau_error_set(e, FAU_EINVAL, "output file %s is not open", f->final_path);
    int bad = ferror(f->fp);
    bad |= fflush(f->fp) != 0;
    int err = errno;
    bad |= fclose(f->fp) != 0;
    f->fp = NULL;
    if (bad) {
        unlink(f->tmp_path);
        return fau_error_set(e, FAU_EIO, "writing %s failed: %s", f->final_path, strerror(err));
    }
    if (rename(f->tmp_path, f->final_path) != 0) {
        err = errno;
        unlink(f->tmp_path);
        return fau_error_set(e, FAU_EIO, "cannot rename output onto %s: %s", f->final_path,
                             strerror(err));
    }
    f->tmp_path[0] = '\0';
    return FAU_OK;
}

void fau_afile_abort(fau_afile *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
    }
    if (f->tmp_path[0]) {
        unlink(f->tmp_path);
        f->tmp_path[0] = '\0';
    }
}
