#include "kernels/cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fau_cpu_supports(fau_simd_level level)
{
    switch (level) {
    case FAU_SIMD_SCALAR:
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case FAU_SIMD_SSE41:
        return __builtin_cpu_supports("sse4.1");
    case FAU_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case FAU_SIMD_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
#if defined(__aarch64__)
    case FAU_SIMD_NEON:
        return 1; /* Advanced SIMD is mandatory on AArch64. */
#endif
    default:
        return 0;
    }
}

fau_simd_level fau_cpu_best_simd(void)
{
    static const fau_simd_level order[] = {FAU_SIMD_AVX512, FAU_SIMD_AVX2, FAU_SIMD_SSE41,
                                           FAU_SIMD_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (fau_cpu_supports(order[i]))
            return order[i];
    return FAU_SIMD_SCALAR;
}

static const char *const names[] = {"scalar", "sse41", "avx2", "avx512", "neon"};

int fau_simd_parse(const char *name)
{
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (name && !strcmp(name, names[i]))
            return i;
    return -1;
}

const char *fau_simd_name(fau_simd_level level)
{
    return (unsigned)level < sizeof names / sizeof names[0] ? names[level] : "unknown";
}

int fau_simd_select(const char *request)
{
    if (!request)
        request = getenv("FACEAU_SIMD");
    fau_simd_level best = fau_cpu_best_simd();
    if (!request || !request[0])
        return best;
    int want = fau_simd_parse(request);
    if (want < 0 || !fau_cpu_supports((fau_simd_level)want))
        return -1;
    return want;
}

void fau_cpu_model_name(char *out, unsigned len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        /* x86 says "model name", many ARM kernels only "CPU part"/"Hardware". */
        if (!strncmp(line, "model name", 10) || !strncmp(line, "Hardware", 8)) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                colon[strcspn(colon, "\n")] = '\0';
                snprintf(out, len, "%s", colon);
                break;
            }
        }
    }
    fclose(f);
}
