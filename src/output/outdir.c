#include "output/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/models_path.h"

void fau_outdir_remove(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *ent;
        char file[FAU_PATH_MAX + 256];
        while ((ent = readdir(d))) {
            if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
                continue;
            snprintf(file, sizeof file, "%s/%s", path, ent->d_name);
            unlink(file);
        }
        closedir(d);
    }
    rmdir(path);
}

int fau_outdir_commit(const char *tmp, const char *final_path, fau_error *e)
{
    struct stat st;
    char old[FAU_PATH_MAX + 32];
    old[0] = '\0';
    /* mkdtemp leaves 0700; results are ordinary folders. */
    mode_t um = umask(0);
    umask(um);
    chmod(tmp, 0777 & ~um);
    if (stat(final_path, &st) == 0) {
        snprintf(old, sizeof old, "%s.old-XXXXXX", final_path);
        if (!mkdtemp(old) || rmdir(old) != 0 || rename(final_path, old) != 0)
            return fau_error_set(e, FAU_EIO, "cannot replace %s: %s", final_path, strerror(errno));
    }
    if (rename(tmp, final_path) != 0) {
        int err = errno;
        if (old[0])
            rename(old, final_path);
        return fau_error_set(e, FAU_EIO, "cannot create %s: %s", final_path, strerror(err));
    }
    if (old[0])
        fau_outdir_remove(old);
    return FAU_OK;
}
