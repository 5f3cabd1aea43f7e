/* C reference FHOG kernel (the body in fhog_tmpl.h at the baseline ISA). */
#include "kernels/fhog_tmpl.h"

int fau_k_fhog_c(const uint8_t *img, int w, int h, size_t stride, int cn, int cell, float *out,
                 void *workspace)
{
    return fhog_compute_body(img, w, h, stride, cn, cell, out, workspace);
}
