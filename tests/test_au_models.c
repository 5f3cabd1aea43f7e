/* AU model loading (au/au.h) against the model files themselves, and its
 * errors for missing and malformed files. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "au/au.h"

static fau_au_models *load(const char *dir, const char *main_rel, int expect, fau_error *e)
{
    fau_model_paths mp;
    memset(e, 0, sizeof *e);
    assert_int_equal(fau_models_locate(&mp, dir, e), 0);
    fau_au_models *m = NULL;
    assert_int_equal(fau_au_models_load(&m, &mp, main_rel, e), expect);
    if (expect)
        assert_null(m);
    return m;
}

/* Every line of the AU list names a model file; its type code, cutoff, bias
 * and weights must be where the loader put them. */
static void check_against_list(const fau_au_models *m, const char *list_rel)
{
    size_t len = 0;
    char *list = fau_test_read_file(fau_test_models(list_rel), &len);
    assert_non_null(list);
    int lines = 0;
    for (char *line = strtok(list, "\r\n"); line; line = strtok(NULL, "\r\n")) {
        char file[256], name[32];
        if (sscanf(line, "%255s %31s", file, name) != 2)
            continue;
        lines++;
        char rel[300];
        snprintf(rel, sizeof rel, "AU_predictors/%s", file);
        size_t dl = 0;
        char *dat = fau_test_read_file(fau_test_models(rel), &dl);
        assert_non_null(dat);
        int32_t type;
        memcpy(&type, dat, 4);
        int k = -1;
        for (int i = 0; i < m->n_reg + m->n_class; i++)
            if (strcmp(m->info[i].name, name) == 0 &&
                m->info[i].classifier == (type == FAU_AU_SVM_STATIC || type == FAU_AU_SVM_DYNAMIC))
                k = i;
        assert_true(k >= 0);
        assert_int_equal(m->info[k].type, type);
        size_t at = 4;
        if (type == FAU_AU_SVR_DYNAMIC) {
            double cut;
            memcpy(&cut, dat + at, 8);
            assert_true(m->info[k].cutoff == cut);
            at += 8;
        }
        int32_t rows, cols;
        memcpy(&cols, dat + at + 4, 4);
        at += 12 + (size_t)cols * 8;           /* means */
        memcpy(&rows, dat + at, 4);
        assert_int_equal(rows, m->n_feat);
        at += 12;
        for (int i = 0; i < m->n_feat; i += 997) { /* support vectors, sampled */
            double w;
            memcpy(&w, dat + at + (size_t)i * 8, 8);
            assert_true(m->W[(size_t)i * m->ld + k] == w);
        }
        free(dat);
    }
    assert_int_equal(lines, m->n_reg + m->n_class);
    free(list);
}

static void test_dynamic(void **state)
{
    fau_error e;
    fau_au_models *m = load(fau_test_models_dir(), "AU_predictors/main_dynamic_svms.txt", 0, &e);
    assert_int_equal(m->n_reg, 17);
    assert_int_equal(m->n_class, 18);
    assert_int_equal(m->n_feat, 4702);
    assert_int_equal(m->n_geom, 238);
    assert_int_equal(m->pdm->n_points, 68);
    assert_true(m->n_tris > 100);
    for (int k = 1; k < m->n_reg; k++)
        assert_true(strcmp(m->info[k - 1].name, m->info[k].name) < 0);
    for (int k = m->n_reg + 1; k < m->n_reg + m->n_class; k++)
        assert_true(strcmp(m->info[k - 1].name, m->info[k].name) < 0);
    assert_string_equal(m->info[0].name, "AU01");
    assert_string_equal(m->info[m->n_reg + m->n_class - 1].name, "AU45");
    assert_true(m->any_dynamic);
    check_against_list(m, "AU_predictors/AU_all_best.txt");
    fau_au_models_free(&m);
    assert_null(m);
    fau_au_models_free(&m); /* NULL-safe */
}

static void test_static(void **state)
{
    fau_error e;
    fau_au_models *m = load(fau_test_models_dir(), "AU_predictors/main_static_svms.txt", 0, &e);
    assert_int_equal(m->n_reg, 17);
    assert_int_equal(m->n_class, 18);
    assert_false(m->any_dynamic);
    check_against_list(m, "AU_predictors/AU_all_static.txt");
    fau_au_models_free(&m);
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

static void test_errors(void **state)
{
    fau_error e;
    /* missing main file */
    load(fau_test_models_dir(), "AU_predictors/no_such_main.txt", FAU_ENOTFOUND, &e);
    assert_non_null(strstr(e.msg, "no_such_main.txt"));

    /* a models folder with a broken AU list */
    const char *dir = fau_test_tmpdir();
    char p[1024], q[1024];
    snprintf(p, sizeof p, "%s/AU_predictors", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    const char *links[] = {"In-the-wild_aligned_PDM_68.txt", "tris_68_full.txt"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/AU_predictors/%s", dir, links[i]);
        snprintf(q, sizeof q, "AU_predictors/%s", links[i]);
        assert_int_equal(symlink(fau_test_models(q), p), 0);
    }
    const char *main_txt = "AUPredictor list.txt\nPDM In-the-wild_aligned_PDM_68.txt\n"
                           "Triangulation tris_68_full.txt\n";
    snprintf(p, sizeof p, "%s/AU_predictors/main.txt", dir);
    write_file(p, main_txt, strlen(main_txt));

    /* list naming a missing model file */
    snprintf(p, sizeof p, "%s/AU_predictors/list.txt", dir);
    write_file(p, "missing.dat AU01\n", 17);
    load(dir, "AU_predictors/main.txt", FAU_ENOTFOUND, &e);
    assert_non_null(strstr(e.msg, "missing.dat"));

    /* truncated model file: the header promises more bytes than there are */
    size_t dl = 0;
    char *dat = fau_test_read_file(fau_test_models("AU_predictors/svr_combined/AU_1_dynamic_intensity_comb.dat"), &dl);
    assert_non_null(dat);
    snprintf(p, sizeof p, "%s/AU_predictors/cut.dat", dir);
    write_file(p, dat, 1000);
    snprintf(p, sizeof p, "%s/AU_predictors/list.txt", dir);
    write_file(p, "cut.dat AU01\n", 13);
    load(dir, "AU_predictors/main.txt", FAU_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "cut.dat"));
    assert_non_null(strstr(e.msg, "byte"));

    /* unknown regressor type */
    int32_t bad = 7;
    memcpy(dat, &bad, 4);
    snprintf(p, sizeof p, "%s/AU_predictors/type.dat", dir);
    write_file(p, dat, dl);
    snprintf(p, sizeof p, "%s/AU_predictors/list.txt", dir);
    write_file(p, "type.dat AU01\n", 14);
    load(dir, "AU_predictors/main.txt", FAU_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "type.dat"));
    free(dat);

    /* list line without an AU name */
    snprintf(p, sizeof p, "%s/AU_predictors/list.txt", dir);
    write_file(p, "\nonlyafile.dat\n", 15);
    load(dir, "AU_predictors/main.txt", FAU_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "list.txt"));
    assert_non_null(strstr(e.msg, "line 2"));

    /* unknown module in the main file */
    snprintf(p, sizeof p, "%s/AU_predictors/main.txt", dir);
    write_file(p, "Bogus x.txt\n", 12);
    load(dir, "AU_predictors/main.txt", FAU_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "main.txt"));
    assert_non_null(strstr(e.msg, "line 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dynamic),
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
