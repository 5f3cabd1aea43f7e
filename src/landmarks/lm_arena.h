/* Bump allocator for the landmark model set. The CLNF models hold tens of
 * thousands of small matrices (one per neuron, patch expert, CNN kernel);
 * carving them from a few large 64-byte aligned blocks keeps each patch file's
 * data contiguous in load order (view by view, landmark by landmark, the order
 * the fitting loops walk them) and makes freeing the whole set one loop. */
#ifndef FAU_LANDMARKS_LM_ARENA_H
#define FAU_LANDMARKS_LM_ARENA_H

#include <stddef.h>

typedef struct fau_lm_block fau_lm_block;

typedef struct fau_lm_arena {
    fau_lm_block *head; /* newest block first */
    size_t total;       /* bytes handed out, for reports */
} fau_lm_arena;

/* Zeroed, 64-byte aligned storage for n bytes (n may be 0) valid until
 * fau_lm_arena_free; NULL on overflow or allocation failure. */
void *fau_lm_arena_alloc(fau_lm_arena *a, size_t n);
/* Overflow-checked count * size. */
void *fau_lm_arena_array(fau_lm_arena *a, size_t count, size_t size);
void fau_lm_arena_free(fau_lm_arena *a);

#endif
