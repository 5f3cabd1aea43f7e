#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { ARG_NONE, ARG_STR, ARG_INT, ARG_DOUBLE } arg_kind;

typedef struct opt_def {
    const char *openface; /* "-2Dfp" (NULL if none) */
    const char *gnu;      /* "--landmarks-2d" (NULL if none) */
    arg_kind kind;
    int id;
} opt_def;

enum {
    O_F, O_FDIR, O_OUT_DIR, O_OF, O_2D, O_3D, O_PDM, O_POSE, O_AUS, O_GAZE, O_HOG, O_SIM,
    O_TRACKED, O_SIMSIZE, O_SIMSCALE, O_NOMASK, O_AU_STATIC, O_NOBAD, O_MLOC, O_MODELS, O_FX,
    O_FY, O_CX, O_CY, O_Q, O_VERBOSE, O_THREADS, O_LMK_FROM, O_PRECISION, O_ALLOW_DEC, O_HELP,
    O_VERSION, O_GRAY, O_TIMINGS, O_IGNORED_ARG, O_IGNORED
};

static const opt_def opts[] = {
    {"-f", "--file", ARG_STR, O_F},
    {"-fdir", "--fdir", ARG_STR, O_FDIR},
    {"-out_dir", "--out-dir", ARG_STR, O_OUT_DIR},
    {"-of", "--output-name", ARG_STR, O_OF},
    {"-2Dfp", "--landmarks-2d", ARG_NONE, O_2D},
    {"-3Dfp", "--landmarks-3d", ARG_NONE, O_3D},
    {"-pdmparams", "--pdm-params", ARG_NONE, O_PDM},
    {"-pose", "--pose", ARG_NONE, O_POSE},
    {"-aus", "--aus", ARG_NONE, O_AUS},
    {"-gaze", "--gaze", ARG_NONE, O_GAZE},
    {"-hogalign", "--hog", ARG_NONE, O_HOG},
    {"-simalign", "--aligned", ARG_NONE, O_SIM},
    {"-tracked", "--tracked", ARG_NONE, O_TRACKED},
    {"-simsize", "--sim-size", ARG_INT, O_SIMSIZE},
    {"-simscale", "--sim-scale", ARG_DOUBLE, O_SIMSCALE},
    {"-nomask", "--no-mask", ARG_NONE, O_NOMASK},
    {"-g", "--aligned-gray", ARG_NONE, O_GRAY},
    {"-au_static", "--au-static", ARG_NONE, O_AU_STATIC},
    {"-nobadaligned", "--no-bad-aligned", ARG_NONE, O_NOBAD},
    {"-mloc", "--landmark-model", ARG_STR, O_MLOC},
    {NULL, "--models", ARG_STR, O_MODELS},
    {"-fx", "--fx", ARG_DOUBLE, O_FX},
    {"-fy", "--fy", ARG_DOUBLE, O_FY},
    {"-cx", "--cx", ARG_DOUBLE, O_CX},
    {"-cy", "--cy", ARG_DOUBLE, O_CY},
    {"-q", "--quiet", ARG_NONE, O_Q},
    {"-verbose", "--verbose", ARG_NONE, O_VERBOSE},
    {NULL, "--threads", ARG_INT, O_THREADS},
    {NULL, "--landmarks-from", ARG_STR, O_LMK_FROM},
    {NULL, "--precision", ARG_STR, O_PRECISION},
    {NULL, "--allow-decode-errors", ARG_NONE, O_ALLOW_DEC},
    {NULL, "--timings", ARG_NONE, O_TIMINGS},
    {"-h", "--help", ARG_NONE, O_HELP},
    {NULL, "--version", ARG_NONE, O_VERSION},
    /* OpenFace display/format flags that do not change the CSV. */
    {"-format_aligned", NULL, ARG_STR, O_IGNORED_ARG},
    {"-format_vis_image", NULL, ARG_STR, O_IGNORED_ARG},
    {"-vis-track", NULL, ARG_NONE, O_IGNORED},
    {"-vis-hog", NULL, ARG_NONE, O_IGNORED},
    {"-vis-align", NULL, ARG_NONE, O_IGNORED},
    {"-vis-aus", NULL, ARG_NONE, O_IGNORED},
};

static const opt_def *find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        const char *n[2] = {opts[i].openface, opts[i].gnu};
        for (int k = 0; k < 2; k++)
            if (n[k] && strlen(n[k]) == len && !strncmp(n[k], name, len))
                return &opts[i];
    }
    return NULL;
}

static int parse_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long l = strtol(s, &end, 10);
    if (!*s || *end || errno || l < -1000000000L || l > 1000000000L)
        return -1;
    *v = (int)l;
    return 0;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || errno || d != d)
        return -1;
    *v = d;
    return 0;
}

int fau_cli_parse(fau_cli_args *a, int argc, char **argv, int first, char *err, unsigned err_len)
{
    memset(a, 0, sizeof *a);
    a->sim_size = 112;
    a->sim_scale = 0.7;
    a->fx = a->fy = a->cx = a->cy = -1;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = !strncmp(arg, "--", 2) ? strchr(arg, '=') : NULL;
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const opt_def *o = arg[0] == '-' ? find(arg, name_len) : NULL;
        if (!o) {
            snprintf(err, err_len, "unknown option '%s' (see faceau --help)", arg);
            return -1;
        }
        const char *val = NULL;
        if (o->kind != ARG_NONE) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                snprintf(err, err_len, "option '%s' needs a value", arg);
                return -1;
            }
        } else if (eq) {
            snprintf(err, err_len, "option '%.*s' takes no value", (int)name_len, arg);
            return -1;
        }
        int iv = 0;
        double dv = 0;
        if (o->kind == ARG_INT && parse_int(val, &iv)) {
            snprintf(err, err_len, "option '%.*s' needs an integer, got '%s'", (int)name_len, arg,
                     val);
            return -1;
        }
        if (o->kind == ARG_DOUBLE && parse_double(val, &dv)) {
            snprintf(err, err_len, "option '%.*s' needs a number, got '%s'", (int)name_len, arg, val);
            return -1;
        }
        switch (o->id) {
        case O_F:
        case O_FDIR: {
            int *n = o->id == O_F ? &a->n_files : &a->n_fdirs;
            const char **list = o->id == O_F ? a->files : a->fdirs;
            if (*n >= FAU_CLI_MAX_INPUTS) {
                snprintf(err, err_len, "too many inputs (at most %d)", FAU_CLI_MAX_INPUTS);
                return -1;
            }
            list[(*n)++] = val;
            break;
        }
        case O_OUT_DIR: a->out_dir = val; break;
        case O_OF: a->of = val; break;
        case O_2D: a->lmk2d = a->output_set = 1; break;
        case O_3D: a->lmk3d = a->output_set = 1; break;
        case O_PDM: a->pdm = a->output_set = 1; break;
        case O_POSE: a->pose = a->output_set = 1; break;
        case O_AUS: a->aus = a->output_set = 1; break;
        case O_GAZE: a->gaze = a->output_set = 1; break;
        case O_HOG: a->hog = a->output_set = 1; break;
        case O_SIM: a->simalign = a->output_set = 1; break;
        case O_TRACKED: a->tracked = a->output_set = 1; break;
        case O_SIMSIZE:
            if (iv < 16 || iv > 1024) {
                snprintf(err, err_len, "-simsize must be between 16 and 1024, got %d", iv);
                return -1;
            }
            a->sim_size = iv;
            break;
        case O_SIMSCALE:
            if (!(dv > 0 && dv <= 10)) {
                snprintf(err, err_len, "-simscale must be in (0, 10], got %s", val);
                return -1;
            }
            a->sim_scale = dv;
            a->sim_scale_set = 1;
            break;
        case O_NOMASK: a->nomask = 1; break;
        case O_GRAY: a->aligned_gray = 1; break;
        case O_AU_STATIC: a->au_static = 1; break;
        case O_NOBAD: a->nobadaligned = 1; break;
        case O_MLOC: a->mloc = val; break;
        case O_MODELS: a->models_dir = val; break;
        case O_FX: a->fx = dv; break;
        case O_FY: a->fy = dv; break;
        case O_CX: a->cx = dv; break;
        case O_CY: a->cy = dv; break;
        case O_Q: a->quiet = 1; break;
        case O_VERBOSE: a->verbose = 1; break;
        case O_TIMINGS: a->timings = 1; break;
        case O_THREADS:
            if (iv < 0 || iv > 1024) {
                snprintf(err, err_len, "--threads must be between 0 and 1024, got %d", iv);
                return -1;
            }
            a->threads = iv;
            break;
        case O_LMK_FROM: a->landmarks_from = val; break;
        case O_PRECISION:
            if (!strcmp(val, "full"))
                a->full_precision = 1;
            else if (!strcmp(val, "openface"))
                a->full_precision = 0;
            else {
                snprintf(err, err_len, "--precision must be 'openface' or 'full', got '%s'", val);
                return -1;
            }
            break;
        case O_ALLOW_DEC: a->allow_decode_errors = 1; break;
        case O_HELP: a->help = 1; break;
        case O_VERSION: a->version = 1; break;
        default: break;
        }
    }
    return 0;
}

void fau_cli_apply_output_defaults(fau_cli_args *a)
{
    /* FaceAnalyserParameters: -simsize alone scales the face with the size. */
    if (!a->sim_scale_set)
        a->sim_scale = a->sim_size * (0.7 / 112.0);
    if (a->output_set)
        return;
    a->lmk2d = a->lmk3d = a->pdm = a->pose = a->aus = a->gaze = a->hog = a->simalign = 1;
    a->tracked = 1;
}
