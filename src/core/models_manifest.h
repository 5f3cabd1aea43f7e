/* `faceau models check`: verifies a models folder against the manifest kept
 * in the repository (data/models.sha256, installed next to the binary).
 * Manifest lines: "<sha256 hex>  <size in bytes>  <path relative to the
 * models folder>"; '#' lines and blank lines are ignored. */
#ifndef FAU_CORE_MODELS_MANIFEST_H
#define FAU_CORE_MODELS_MANIFEST_H

#include <stdint.h>

#include "core/error.h"

typedef enum fau_model_file_status {
    FAU_MODEL_FILE_OK = 0,
    FAU_MODEL_FILE_MISSING,           /* absent or not a regular file */
    FAU_MODEL_FILE_SIZE_MISMATCH,     /* checksum not computed */
    FAU_MODEL_FILE_CHECKSUM_MISMATCH, /* right size, different content */
    FAU_MODEL_FILE_UNREADABLE         /* exists but could not be read */
} fau_model_file_status;

typedef struct fau_model_file_report {
    int index, total;          /* 0-based position in the manifest, number of entries */
    const char *rel_path;      /* as in the manifest */
    fau_model_file_status status;
    uint64_t expected_size;
    uint64_t actual_size;      /* 0 when missing */
    const char *expected_sha256; /* 64 hex characters */
    const char *actual_sha256;   /* computed digest, "" when not computed */
} fau_model_file_report;

/* Called once per manifest entry, in manifest order. Return 0 to go on,
 * non-zero to stop the check (fau_models_verify then returns FAU_EINVAL). */
typedef int (*fau_models_verify_cb)(void *user, const fau_model_file_report *report);

/* Short name of a status ("ok", "missing", "size mismatch", ...). */
const char *fau_model_file_status_str(fau_model_file_status s);

/* Checks every manifest entry under models_dir, calling cb (may be NULL) for
 * each. Returns FAU_OK when every file matches; FAU_EFORMAT when any file has
 * a wrong size or checksum (or is unreadable), else FAU_ENOTFOUND when files
 * are missing, with e summarising the counts; FAU_EFORMAT naming the line
 * for a malformed manifest; FAU_ENOTFOUND/FAU_EIO when the manifest or the
 * folder cannot be opened. */
int fau_models_verify(const char *models_dir, const char *manifest_path, fau_models_verify_cb cb,
                      void *user, fau_error *e);

#endif
