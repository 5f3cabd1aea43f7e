#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

static int vset(fau_error *e, int code, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

int fau_error_set(fau_error *e, int code, const char *fmt, ...)
{
    if (!e || e->code != 0)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

int fau_error_reset(fau_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void fau_error_clear(fau_error *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
    }
}

const char *fau_strerror(int status)
{
    switch (status) {
    case FAU_OK: return "success";
    case FAU_EINVAL: return "invalid argument";
    case FAU_ENOMEM: return "out of memory or size limit exceeded";
    case FAU_EIO: return "input/output error";
    case FAU_EFORMAT: return "malformed file";
    case FAU_EUNSUPPORTED: return "unsupported";
    case FAU_EBACKEND: return "compute backend failure";
    case FAU_ENOTFOUND: return "not found";
    case FAU_EDECODE: return "decoding failed";
    default: return "unknown error";
    }
}
