#include "landmarks/lm_arena.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Large enough that the 68-point model set (about 25 MB) needs a few dozen
 * blocks, small enough that the eye models do not waste much. */
#define BLOCK_BYTES (1u << 20)

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
        b->data = fau_aligned_calloc(1, size);
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
        fau_aligned_free(b->data);
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
