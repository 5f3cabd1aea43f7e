/* FHOG: port of dlib 19.24 impl_fhog::impl_extract_fhog_features (cell
 * size > 1) as compiled into OpenFace. The per-pixel work lives in the
 * kernel table (kernels/fhog_tmpl.h); this file sizes it. See fhog.h. */
#include "align/fhog.h"

static void cells(int w, int h, int cell, int *cnr, int *cnc)
{
    *cnr = (int)((float)h / (float)cell + 0.5);
    *cnc = (int)((float)w / (float)cell + 0.5);
}

void fau_fhog_dims(int w, int h, int cell, int *rows, int *cols)
{
    int cnr, cnc;
    cells(w, h, cell, &cnr, &cnc);
    *rows = cnr - 2 > 0 ? cnr - 2 : 0;
    *cols = cnc - 2 > 0 ? cnc - 2 : 0;
    if (*rows == 0 || *cols == 0)
        *rows = *cols = 0;
}

size_t fau_fhog_workspace(int w, int h, int cell)
{
    int cnr, cnc;
    cells(w, h, cell, &cnr, &cnc);
    if (cnr < 0 || cnc < 0)
        return 0;
    /* histogram, norms, then 8 per-column rows of scratch */
    return ((size_t)(cnr + 2) * (size_t)(cnc + 2) * 18 + (size_t)cnr * (size_t)cnc +
            8 * (size_t)(w > 0 ? w : 0)) * sizeof(float);
}

int fau_fhog_compute(const fau_kernels *k, const uint8_t *img, int w, int h, size_t stride, int cn,
                     int cell, float *out, void *workspace)
{
    return k->fhog.compute(img, w, h, stride, cn, cell, out, workspace);
}
