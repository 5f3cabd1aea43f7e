/* Internal error reporting: a code plus a one-line message naming the file
 * and the problem. Every loader and decoder takes a fau_error * so the
 * message reaches the caller without global state. */
#ifndef FAU_CORE_ERROR_H
#define FAU_CORE_ERROR_H

#include "faceau.h"

#define FAU_ERROR_MSG_MAX 2048

typedef struct fau_error {
    int code;
    char msg[FAU_ERROR_MSG_MAX];
} fau_error;

/* Records code and a printf-style message in e (if not NULL); returns code so
 * callers can write `return fau_error_set(e, FAU_EIO, "...")`. The first
 * error wins: a later call does not overwrite a message already set, so the
 * innermost, most specific description survives. */
int fau_error_set(fau_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like fau_error_set but always overwrites. */
int fau_error_reset(fau_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void fau_error_clear(fau_error *e);

/* Checks a public argument; names the failed condition in the message. */
#define FAU_CHECK_ARG(e, cond)                                                   \
    do {                                                                         \
        if (!(cond))                                                             \
            return fau_error_set((e), FAU_EINVAL, "invalid argument: %s", #cond); \
    } while (0)

#endif
