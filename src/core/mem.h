/* Allocation helpers: 64-byte aligned buffers for kernels and overflow-checked
 * size arithmetic for every size that comes from a file or header. */
#ifndef FAU_CORE_MEM_H
#define FAU_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

#define FAU_ALIGN 64

/* Largest image side accepted anywhere (pixels) and largest pixel count;
 * a decompression bomb is refused from its header before any allocation. */
#define FAU_MAX_IMAGE_SIDE 16384
#define FAU_MAX_IMAGE_PIXELS (8192u * 8192u)

void *fau_aligned_alloc(size_t size);
void *fau_aligned_calloc(size_t n, size_t size);
void fau_aligned_free(void *p);

/* Return 0 and store a*b (a+b) in *out, or -1 on overflow. */
static inline int fau_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

static inline int fau_add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return -1;
    *out = a + b;
    return 0;
}

#endif
