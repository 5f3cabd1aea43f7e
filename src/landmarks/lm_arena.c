#include "landmarks/lm_arena.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/mem.h"

/* One transparent huge page: the model set (about 18 MB) then needs ~10
 * blocks. Loading is dominated by first-touch page faults (measured: a
 * 4 KB page fault per 4 KB of model data costs more than parsing it), so
 * blocks are 2 MB aligned and advised as huge pages where the kernel
 * supports it. */
#define BLOCK_BYTES ((size_t)2 << 20)

static unsigned char *block_alloc(size_t size)
{
    void *p = NULL;
    if (size % BLOCK_BYTES == 0) {
        if (posix_memalign(&p, BLOCK_BYTES, size) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, size, MADV_HUGEPAGE); /* advisory: failure is harmless */
#endif
        return p;
    }
    if (posix_memalign(&p, FAU_ALIGN, size) != 0)
        return NULL;
    return p;
}

struct fau_lm_block {
    fau_lm_block *next;
    unsigned char *data; /* FAU_ALIGN aligned */
    size_t size, used;
};

void *fau_lm_arena_alloc(fau_lm_arena *a, size_t n)
{
    size_t need;
    if (fau_add_size(n, FAU_ALIGN - 1, &need))
        return NULL;
    need &= ~(size_t)(FAU_ALIGN - 1);
    if (need == 0)
        need = FAU_ALIGN;
    fau_lm_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > BLOCK_BYTES ? need : BLOCK_BYTES;
        b = malloc(sizeof *b);
        if (!b)
            return NULL;
        /* not zeroed here: only the bytes handed out are cleared, so the
         * unused tail of a block is never touched (page faults dominate the
         * load time) */
        b->data = block_alloc(size);
        if (!b->data) {
            free(b);
            return NULL;
        }
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    memset(p, 0, need);
    b->used += need;
    a->total += need;
    return p;
}

void *fau_lm_arena_array(fau_lm_arena *a, size_t count, size_t size)
{
    size_t n;
    if (fau_mul_size(count, size, &n))
        return NULL;
    return fau_lm_arena_alloc(a, n);
}

void fau_lm_arena_free(fau_lm_arena *a)
{
    fau_lm_block *b = a->head;
    while (b) {
        fau_lm_block *next = b->next;
        free(b->data);
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
