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

#endif
