/* Command-line options: OpenFace FeatureExtraction / FaceLandmarkImg flags
 * (single dash, as OpenFace spells them) and GNU long options. */
#ifndef FAU_CLI_ARGS_H
#define FAU_CLI_ARGS_H

#define FAU_CLI_MAX_INPUTS 256

/* Exit codes, documented in --help and the README. */
enum {
    FAU_EXIT_OK = 0,
    FAU_EXIT_FAILURE = 1, /* processing failed (internal or backend error) */
    FAU_EXIT_USAGE = 2,   /* bad command line */
    FAU_EXIT_MODELS = 3,  /* model files missing or damaged */
    FAU_EXIT_INPUT = 4,   /* input missing, unreadable, corrupt or unsupported */
    FAU_EXIT_OUTPUT = 5   /* output could not be written */
};

typedef struct fau_cli_args {
    const char *files[FAU_CLI_MAX_INPUTS];
    int n_files;
    const char *fdirs[FAU_CLI_MAX_INPUTS];
    int n_fdirs;
    const char *out_dir;       /* -out_dir; OpenFace's default is "processed" */
    const char *of;            /* -of: output name (single input) */
    int lmk2d, lmk3d, pdm, pose, aus, gaze, hog, simalign, tracked;
    int output_set;            /* any output flag given; if not, OpenFace outputs everything */
    int sim_size;              /* -simsize, default 112 */
    double sim_scale;          /* -simscale; default 0.7, or simsize * 0.7 / 112 (OpenFace) */
    int sim_scale_set;
    int aligned_gray;          /* -g: aligned faces in grayscale */
    int nomask, au_static, nobadaligned;
    const char *mloc;          /* -mloc: landmark model, relative to the models dir or a path */
    const char *models_dir;    /* --models */
    double fx, fy, cx, cy;     /* -fx -fy -cx -cy; <= 0 when not given */
    int quiet, verbose;
    int timings;               /* --timings: ms/frame per stage per input */
    int threads;               /* --threads N; 0 = all cores */
    const char *landmarks_from; /* --landmarks-from CSV (AU stage from given landmarks) */
    int full_precision;        /* --precision full */
    int allow_decode_errors;   /* --allow-decode-errors */
    int help, version;
} fau_cli_args;

/* Parses argv[first..argc-1]. On a usage error writes a one-line message to
 * err and returns -1. Unknown OpenFace flags that do not change output
 * (visualisation, -verbose) are accepted and ignored. */
int fau_cli_parse(fau_cli_args *a, int argc, char **argv, int first, char *err, unsigned err_len);

/* Applies OpenFace's rule: no output flag at all means every output. */
void fau_cli_apply_output_defaults(fau_cli_args *a);

#endif
