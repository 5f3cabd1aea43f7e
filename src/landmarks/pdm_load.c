#include <stdlib.h>

#include "core/mem.h"
#include "core/modelio.h"
#include "detect/sgemm_openblas.h"
#include "landmarks/pdm.h"

int fau_pdm_load(fau_pdm **out, const char *path, fau_error *e)
{
    *out = NULL;
    fau_reader r;
    fau_matd mean = {0}, comp = {0}, eig = {0};
    int rc = fau_reader_open(&r, path, e);
    if (rc)
        return rc;
    fau_pdm *p = calloc(1, sizeof *p);
    if (!p) {
        rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    fau_reader_skip_comments(&r);
    if ((rc = fau_reader_mat(&r, &mean, e)))
        goto done;
    fau_reader_skip_comments(&r);
    if ((rc = fau_reader_mat(&r, &comp, e)))
        goto done;
    fau_reader_skip_comments(&r);
    if ((rc = fau_reader_mat(&r, &eig, e)))
        goto done;
    if (mean.cols != 1 || mean.rows % 3 != 0 || mean.rows == 0 || comp.rows != mean.rows ||
        comp.cols < 1 || eig.rows * eig.cols != comp.cols) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "%s: inconsistent PDM sizes (mean %dx%d, components %dx%d, "
                           "eigenvalues %dx%d)",
                           path, mean.rows, mean.cols, comp.rows, comp.cols, eig.rows, eig.cols);
        goto done;
    }
    p->n_points = mean.rows / 3;
    p->n_modes = comp.cols;
    p->mean_shape = fau_matd_to_float(&mean);
    p->princ_comp = fau_matd_to_float(&comp);
    p->eigen_values = fau_matd_to_float(&eig);
    if (!p->mean_shape || !p->princ_comp || !p->eigen_values) {
        rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    {
        const size_t rows = (size_t)comp.rows, modes = (size_t)comp.cols;
        size_t nt;
        p->ld_t = (rows + 15) & ~(size_t)15;
        if (fau_mul_size(p->ld_t, modes, &nt) || fau_mul_size(nt, sizeof(float), &nt) ||
            !(p->princ_comp_t = fau_aligned_calloc(1, nt))) {
            rc = fau_error_set(e, FAU_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        for (size_t q = 0; q < rows; q++)
            for (size_t j = 0; j < modes; j++)
                p->princ_comp_t[j * p->ld_t + q] = p->princ_comp[q * modes + j];
        p->use_fma = fau_sgemm_fma_allowed();
    }
done:
    fau_matd_free(&mean);
    fau_matd_free(&comp);
    fau_matd_free(&eig);
    fau_reader_close(&r);
    if (rc)
        fau_pdm_free(&p);
    *out = p;
    return rc;
}

void fau_pdm_free(fau_pdm **pdm)
{
    if (!pdm || !*pdm)
        return;
    fau_aligned_free((*pdm)->mean_shape);
    fau_aligned_free((*pdm)->princ_comp);
    fau_aligned_free((*pdm)->eigen_values);
    fau_aligned_free((*pdm)->princ_comp_t);
    free(*pdm);
    *pdm = NULL;
}
