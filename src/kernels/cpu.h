/* CPU feature detection and the SIMD level the kernel tables are filled for.
 * Chosen once at context creation; FACEAU_SIMD (or options.simd) caps it so
 * tests and bug reports can force a level. */
#ifndef FAU_KERNELS_CPU_H
#define FAU_KERNELS_CPU_H

typedef enum fau_simd_level {
    FAU_SIMD_SCALAR = 0,
    FAU_SIMD_SSE41 = 1,
    FAU_SIMD_AVX2 = 2,   /* AVX2 + FMA */
    FAU_SIMD_AVX512 = 3, /* AVX-512 F/BW/DQ/VL */
    FAU_SIMD_NEON = 4
} fau_simd_level;

/* Best level this CPU supports. */
fau_simd_level fau_cpu_best_simd(void);

/* Whether the CPU supports the level (scalar always). */
int fau_cpu_supports(fau_simd_level level);

/* Parses "scalar", "sse41", "avx2", "avx512", "neon"; -1 if unknown. */
int fau_simd_parse(const char *name);
const char *fau_simd_name(fau_simd_level level);

/* Level to use: the best supported, capped by `request` (a name, or NULL to
 * read $FACEAU_SIMD). Returns -1 if the name is unknown or not supported. */
int fau_simd_select(const char *request);

/* CPU model name from /proc/cpuinfo (or "unknown"). */
void fau_cpu_model_name(char *out, unsigned len);

#endif
