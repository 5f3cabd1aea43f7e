#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

void *fau_aligned_alloc(size_t size)
{
    size_t rounded;
    if (fau_add_size(size, FAU_ALIGN - 1, &rounded))
        return NULL;
    rounded &= ~(size_t)(FAU_ALIGN - 1);
    if (rounded == 0)
        rounded = FAU_ALIGN;
    return aligned_alloc(FAU_ALIGN, rounded);
}

void *fau_aligned_calloc(size_t n, size_t size)
{
    size_t total;
    if (fau_mul_size(n, size, &total))
        return NULL;
    void *p = fau_aligned_alloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

void fau_aligned_free(void *p)
{
    free(p);
}
