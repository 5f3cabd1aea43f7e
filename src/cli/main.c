/* faceau command line: OpenFace FeatureExtraction / FaceLandmarkImg
 * compatible front end plus `info` and `models` sub-commands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "faceau.h"
#include "io/media.h"

static const char usage[] =
    "Usage: faceau [OPTIONS] -f VIDEO|IMAGE [-f ...] | -fdir DIR   (as OpenFace FeatureExtraction)\n"
    "       faceau image [OPTIONS] -f IMAGE [-f ...] | -fdir DIR     (as OpenFace FaceLandmarkImg)\n"
    "       faceau info                  CPU, SIMD levels, cores, GPUs, models folder\n"
    "       faceau models check          verify model files against the sizes and SHA-256 sums\n"
    "\n"
    "Input:\n"
    "  -f, --file PATH          video, image or .y4m file (repeatable)\n"
    "  -fdir, --fdir DIR        directory of images read as one sequence (natural order)\n"
    "Output (none given: all of them, as OpenFace):\n"
    "  -out_dir, --out-dir DIR  output folder (default: processed)\n"
    "  -of, --output-name NAME  output file name (single input)\n"
    "  -2Dfp -3Dfp -pdmparams -pose -aus -gaze   CSV column groups\n"
    "  -hogalign, --hog         write NAME.hog (FHOG of the aligned face)\n"
    "  -simalign, --aligned     write NAME_aligned/ (aligned face images)\n"
    "  -simsize N, -simscale F  aligned face size (112) and scale (0.7); -nomask: no face mask\n"
    "  -au_static               static AU models only (no person calibration)\n"
    "  --precision full         print every value with 9 digits (default: OpenFace's)\n"
    "Models and camera:\n"
    "  --models DIR             OpenFace model folder (else $FACEAU_MODELS, else the install dir)\n"
    "  -mloc FILE               landmark model (default model/main_clnf_general.txt)\n"
    "  -fx -fy -cx -cy          camera intrinsics (default from the image size, as OpenFace)\n"
    "Other:\n"
    "  --threads N              worker threads (default: all cores)\n"
    "  --allow-decode-errors    skip undecodable frames instead of failing\n"
    "  --timings                print ms/frame per stage (decode, detection, landmarks,\n"
    "                           validator, pose+gaze, AUs, output) for each input\n"
    "  -q, --quiet              no progress output\n"
    "  -h, --help, --version\n"
    "\n"
    "Exit codes: 0 ok, 1 processing failed, 2 usage error, 3 model files missing or damaged,\n"
    "            4 input missing, unreadable or unsupported, 5 output could not be written.\n";

void fau_cli_error(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the message holds. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "faceau: error: %s\n", msg);
}

int fau_cli_exit_for(int status, int is_model_error)
{
    if (status == FAU_OK)
        return FAU_EXIT_OK;
    if (is_model_error)
        return FAU_EXIT_MODELS;
    switch (status) {
    case FAU_EINVAL: return FAU_EXIT_USAGE;
    case FAU_EIO:
    case FAU_EFORMAT:
    case FAU_EUNSUPPORTED:
    case FAU_ENOTFOUND:
    case FAU_EDECODE: return FAU_EXIT_INPUT;
    default: return FAU_EXIT_FAILURE;
    }
}

int main(int argc, char **argv)
{
    int first = 1, images_mode = 0;
    /* FFmpeg's own log lines would break the one-line error rule. */
    fau_media_quiet_backend_logs();
    if (argc > 1) {
        if (!strcmp(argv[1], "info"))
            return fau_cmd_info(argc - 2, argv + 2);
        if (!strcmp(argv[1], "models"))
            return fau_cmd_models(argc - 2, argv + 2);
        if (!strcmp(argv[1], "image")) {
            images_mode = 1;
            first = 2;
        }
    }
    fau_cli_args a;
    char err[512];
    if (fau_cli_parse(&a, argc, argv, first, err, sizeof err)) {
        fau_cli_error("%s", err);
        return FAU_EXIT_USAGE;
    }
    if (a.help) {
        fputs(usage, stdout);
        return FAU_EXIT_OK;
    }
    if (a.version) {
        printf("faceau %s\n", fau_version());
        return FAU_EXIT_OK;
    }
    if (a.n_files == 0 && a.n_fdirs == 0) {
        fau_cli_error("no input given: use -f FILE or -fdir DIR (see faceau --help)");
        return FAU_EXIT_USAGE;
    }
    if (a.of && a.n_files + a.n_fdirs > 1) {
        fau_cli_error("-of names one output but %d inputs were given", a.n_files + a.n_fdirs);
        return FAU_EXIT_USAGE;
    }
    fau_cli_apply_output_defaults(&a);
    return fau_cmd_extract(&a, images_mode);
}
