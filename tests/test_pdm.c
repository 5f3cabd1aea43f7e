/* PDM loader against the model text. */
#include "testlib.h"

#include <math.h>
#include <string.h>

#include "landmarks/pdm.h"

static void test_pdm_68(void **state)
{
    fau_error e = {0};
    fau_pdm *p = NULL;
    assert_int_equal(fau_pdm_load(&p, fau_test_models("model/pdms/In-the-wild_aligned_PDM_68.txt"), &e),
                     FAU_OK);
    assert_int_equal(p->n_points, 68);
    assert_int_equal(p->n_modes, 34);
    /* First and second values of the mean shape as written in the file. */
    assert_true(p->mean_shape[0] == (float)-73.393523);
    assert_true(p->mean_shape[1] == (float)-72.775014);
    fau_pdm_free(&p);
    assert_null(p);
}

static void test_pdm_missing(void **state)
{
    fau_error e = {0};
    fau_pdm *p = NULL;
    assert_int_equal(fau_pdm_load(&p, "/nonexistent/pdm.txt", &e), FAU_ENOTFOUND);
    assert_null(p);
    assert_non_null(strstr(e.msg, "/nonexistent/pdm.txt"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdm_68),
        cmocka_unit_test(test_pdm_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
