/* Output files are written to a temporary name in the destination folder and
 * renamed over the final name only when complete, so a failure never leaves a
 * half-written or clobbered result. */
#ifndef FAU_OUTPUT_ATOMIC_FILE_H
#define FAU_OUTPUT_ATOMIC_FILE_H

#include <stdio.h>

#include "core/error.h"
#include "core/models_path.h"

typedef struct fau_afile {
    FILE *fp;
    char final_path[FAU_PATH_MAX];
    char tmp_path[FAU_PATH_MAX];
} fau_afile;

/* Creates "<dir>/.<name>.tmp-XXXXXX" next to final_path, opened for writing. */
int fau_afile_open(fau_afile *f, const char *final_path, fau_error *e);
/* Flushes, closes and renames onto final_path. On failure the temporary file is
 * removed and the final path is untouched. */
int fau_afile_commit(fau_afile *f, fau_error *e);
/* Closes and removes the temporary file (no-op if not open). */
void fau_afile_abort(fau_afile *f);

#endif
