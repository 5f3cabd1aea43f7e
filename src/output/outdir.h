/* Output folders (NAME_aligned/) are filled under a temporary name and
 * renamed into place when the run completes, like single files. */
#ifndef FAU_OUTPUT_OUTDIR_H
#define FAU_OUTPUT_OUTDIR_H

#include "core/error.h"

/* Removes a folder of plain files (one level, as the aligned-face folders). */
void fau_outdir_remove(const char *path);
/* Puts tmp in place of final; an existing final folder is replaced. */
int fau_outdir_commit(const char *tmp, const char *final_path, fau_error *e);

#endif
