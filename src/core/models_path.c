#include "core/models_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FAU_DATADIR
#define FAU_DATADIR "/usr/local/share/faceau/models"
#endif

static int is_dir(const char *path)
{
    struct stat st;
    return path && path[0] && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void note(fau_model_paths *p, const char *what, const char *path, const char *why)
{
    size_t n = strlen(p->searched);
    int has_path = path && path[0];
    snprintf(p->searched + n, sizeof p->searched - n, "%s%s%s%s (%s)", n ? ", " : "", what,
             has_path ? " " : "", has_path ? path : "", why);
}

/* Installed layout: <prefix>/bin/faceau next to <prefix>/share/faceau/models. */
static void exe_relative(char *out, size_t len)
{
    char exe[FAU_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(out, len, "%s/../share/faceau/models", exe);
}

static int try_dir(fau_model_paths *p, const char *what, const char *path)
{
    if (!path || !path[0]) {
        note(p, what, "", "not set");
        return 0;
    }
    if (!is_dir(path)) {
        note(p, what, path, "no such folder");
        return 0;
    }
    snprintf(p->dir, sizeof p->dir, "%s", path);
    note(p, what, path, "used");
    return 1;
}

int fau_models_locate(fau_model_paths *p, const char *explicit_dir, fau_error *e)
{
    memset(p, 0, sizeof *p);
    if (explicit_dir) {
        if (try_dir(p, "--models", explicit_dir))
            return FAU_OK;
        return fau_error_set(e, FAU_ENOTFOUND, "models folder not found: searched %s; %s",
                             p->searched, FAU_MODELS_HINT);
    }
    /* A set $FACEAU_MODELS is the user's choice: no silent fallback past it. */
    const char *env = getenv("FACEAU_MODELS");
    if (env && env[0]) {
        if (try_dir(p, "$FACEAU_MODELS", env))
            return FAU_OK;
        return fau_error_set(e, FAU_ENOTFOUND, "models folder not found: searched %s; %s",
                             p->searched, FAU_MODELS_HINT);
    }
    note(p, "$FACEAU_MODELS", "", "not set");
    char exe_dir[FAU_PATH_MAX];
    exe_relative(exe_dir, sizeof exe_dir);
    if (try_dir(p, "next to the executable", exe_dir) ||
        try_dir(p, "install dir", FAU_DATADIR) ||
        try_dir(p, "development dir", "../shared/openface-models"))
        return FAU_OK;
    return fau_error_set(e, FAU_ENOTFOUND, "models folder not found: searched %s; %s",
                         p->searched, FAU_MODELS_HINT);
}

int fau_models_file(const fau_model_paths *p, const char *rel, char *out, size_t out_len,
                    fau_error *e)
{
    int n = snprintf(out, out_len, "%s/%s", p->dir, rel);
    if (n < 0 || (size_t)n >= out_len)
        return fau_error_set(e, FAU_EINVAL, "model path too long: %s/%s", p->dir, rel);
    struct stat st;
    if (stat(out, &st) != 0 || !S_ISREG(st.st_mode) || access(out, R_OK) != 0)
        return fau_error_set(e, FAU_ENOTFOUND,
                             "model file %s: missing or unreadable (searched %s); %s", out,
                             p->searched, FAU_MODELS_HINT);
    return FAU_OK;
}
