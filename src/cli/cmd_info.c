/* `faceau info`: what this machine offers and where the models are. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/models_path.h"
#include "faceau.h"
#include "kernels/cpu.h"

/* NVIDIA GPUs as the kernel driver lists them; the CUDA backend is not built
 * into this binary yet, so this only reports what is present. */
static int list_gpus(void)
{
    DIR *d = opendir("/proc/driver/nvidia/gpus");
    int n = 0;
    if (!d)
        return 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char path[512], line[256];
        snprintf(path, sizeof path, "/proc/driver/nvidia/gpus/%s/information", ent->d_name);
        FILE *f = fopen(path, "r");
        const char *model = "NVIDIA GPU";
        if (f) {
            while (fgets(line, sizeof line, f))
                if (!strncmp(line, "Model:", 6)) {
                    model = line + 6;
                    while (*model == ' ' || *model == '\t')
                        model++;
                    line[strcspn(line, "\n")] = '\0';
                    break;
                }
            fclose(f);
        }
        printf("gpu %d:        %s (%s)\n", n++, model, ent->d_name);
    }
    closedir(d);
    return n;
}

int fau_cmd_info(int argc, char **argv)
{
    if (argc > 0) {
        fau_cli_error("faceau info takes no arguments");
        return FAU_EXIT_USAGE;
    }
    char cpu[256];
    fau_cpu_model_name(cpu, sizeof cpu);
    printf("faceau:       %s\n", fau_version());
    printf("cpu:          %s\n", cpu);
    printf("cores:        %ld online\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("simd:        ");
    for (int l = FAU_SIMD_SCALAR; l <= FAU_SIMD_NEON; l++)
        if (fau_cpu_supports((fau_simd_level)l))
            printf(" %s", fau_simd_name((fau_simd_level)l));
    int sel = fau_simd_select(NULL);
    printf("\nsimd in use:  %s\n", sel >= 0 ? fau_simd_name((fau_simd_level)sel)
                                           : "invalid FACEAU_SIMD for this CPU");
#ifdef FAU_HAVE_FFMPEG
    printf("media:        FFmpeg, libjpeg-turbo, libpng, y4m\n");
#else
    printf("media:        libjpeg-turbo, libpng, y4m (built without FFmpeg: no video files)\n");
#endif
    if (list_gpus() == 0)
        printf("gpus:         none found\n");
    fau_model_paths p;
    fau_error e = {0};
    if (fau_models_locate(&p, NULL, &e) == FAU_OK)
        printf("models:       %s\n", p.dir);
    else
        printf("models:       not found (%s)\n", e.msg);
    printf("searched:     %s\n", p.searched);
    return FAU_EXIT_OK;
}
