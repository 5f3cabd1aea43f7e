/* Context creation, options and model-folder errors. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "faceau.h"

static void test_create_destroy(void **state)
{
    fau_options o;
    fau_options_default(&o);
    o.models_dir = fau_test_models_dir();
    fau_ctx *ctx = NULL;
    char err[512];
    assert_int_equal(fau_create(&ctx, &o, err, sizeof err), FAU_OK);
    assert_non_null(ctx);
    assert_string_equal(fau_last_error(ctx), "");
    fau_destroy(&ctx);
    assert_null(ctx);
    fau_destroy(&ctx); /* NULL is accepted */
    fau_destroy(NULL);
}

static void test_missing_models_dir(void **state)
{
    fau_options o;
    fau_options_default(&o);
    o.models_dir = "/nonexistent/faceau-models";
    fau_ctx *ctx = (fau_ctx *)&o; /* must be reset to NULL on failure */
    char err[4096];
    assert_int_equal(fau_create(&ctx, &o, err, sizeof err), FAU_ENOTFOUND);
    assert_null(ctx);
    assert_non_null(strstr(err, "/nonexistent/faceau-models"));
    assert_non_null(strstr(err, "FACEAU_MODELS"));
}

static void test_strerror(void **state)
{
    assert_string_equal(fau_strerror(FAU_OK), "success");
    assert_non_null(fau_strerror(-1000));
    assert_non_null(fau_version());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_destroy),
        cmocka_unit_test(test_missing_models_dir),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
