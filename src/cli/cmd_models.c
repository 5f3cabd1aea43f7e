/* `faceau models check`: every model file against the sizes and SHA-256 sums
 * kept in the repository (data/models.sha256, installed as
 * share/faceau/models.sha256). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/models_manifest.h"
#include "core/models_path.h"

#ifndef FAU_MANIFEST_INSTALLED
#define FAU_MANIFEST_INSTALLED ""
#endif
#ifndef FAU_MANIFEST_SOURCE
#define FAU_MANIFEST_SOURCE ""
#endif

/* Installed next to the binary, else at the install prefix, else the source tree. */
static const char *find_manifest(char *buf, size_t len)
{
    char exe[FAU_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, len, "%s/../share/faceau/models.sha256", exe);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    if (access(FAU_MANIFEST_INSTALLED, R_OK) == 0)
        return FAU_MANIFEST_INSTALLED;
    return FAU_MANIFEST_SOURCE;
}

static int report(void *user, const fau_model_file_report *r)
{
    int *quiet = user;
    if (r->status != FAU_MODEL_FILE_OK || !*quiet)
        printf("%-16s %s\n", fau_model_file_status_str(r->status), r->rel_path);
    return 0;
}

int fau_cmd_models(int argc, char **argv)
{
    const char *dir = NULL;
    int quiet = 0;
    if (argc < 1 || strcmp(argv[0], "check") != 0)
        goto usage;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--models") && i + 1 < argc)
            dir = argv[++i];
        else if (!strncmp(argv[i], "--models=", 9))
            dir = argv[i] + 9;
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            quiet = 1;
        else
            goto usage;
    }
    fau_model_paths p;
    fau_error e = {0};
    if (fau_models_locate(&p, dir, &e) != FAU_OK) {
        fau_cli_error("%s", e.msg);
        return FAU_EXIT_MODELS;
    }
    char buf[FAU_PATH_MAX + 64];
    const char *manifest = find_manifest(buf, sizeof buf);
    int rc = fau_models_verify(p.dir, manifest, report, &quiet, &e);
    if (rc != FAU_OK) {
        fau_cli_error("%s", e.msg);
        return FAU_EXIT_MODELS;
    }
    printf("all model files in %s match %s\n", p.dir, manifest);
    return FAU_EXIT_OK;
usage:
    fau_cli_error("usage: faceau models check [--models DIR] [-q]");
    return FAU_EXIT_USAGE;
}
