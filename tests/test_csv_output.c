/* The CSV writer reproduces OpenFace's files byte for byte: every full
 * precision golden (hp/) is read back, written again at OpenFace's precision
 * (and, for videos, passed through the AU post-processing rewrite) and must
 * equal the ordinary golden file exactly; written at full precision it must
 * equal the hp golden itself. This covers header names and order, number
 * formatting and the spacing the post-processing pass leaves. */
#include "testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/openface_csv.h"
#include "output/csv.h"

#define MAX_ROWS 4000

static void layout_from(fau_csv_layout *l, const fau_ofcsv_groups *g, int full)
{
    memset(l, 0, sizeof *l);
    l->sequence = g->sequence;
    l->gaze = g->gaze;
    l->pose = g->pose;
    l->lmk2d = g->lmk2d;
    l->lmk3d = g->lmk3d;
    l->pdm = g->pdm;
    l->aus = g->aus;
    l->full_precision = full;
    l->n_landmarks = FAU_N_LANDMARKS;
    l->n_eye_landmarks = FAU_N_EYE_LANDMARKS;
    l->n_modes = g->n_modes;
    l->n_au_r = g->n_au_r;
    l->n_au_c = g->n_au_c;
    memcpy(l->au_r_names, g->au_r_names, sizeof l->au_r_names);
    memcpy(l->au_c_names, g->au_c_names, sizeof l->au_c_names);
    /* Present them unsorted: the writer must sort as RecorderCSV does. */
    char tmp[FAU_AU_NAME_MAX];
    memcpy(tmp, l->au_r_names[0], sizeof tmp);
    memcpy(l->au_r_names[0], l->au_r_names[l->n_au_r - 1], sizeof tmp);
    memcpy(l->au_r_names[l->n_au_r - 1], tmp, sizeof tmp);
    fau_csv_layout_sort_aus(l);
}

/* Re-creates `expected` from the rows of the hp golden `hp_path`. */
static void rewrite_and_compare(const char *hp_path, const char *expected_path, int full)
{
    fau_error e = {0};
    fau_ofcsv *in = NULL;
    assert_int_equal(fau_ofcsv_open(&in, hp_path, &e), FAU_OK);
    fau_csv_layout l;
    layout_from(&l, fau_ofcsv_get_groups(in), full);
    assert_true(l.n_au_r == 17 && l.n_au_c == 18);

    fau_face_result *rows = calloc(MAX_ROWS, sizeof *rows);
    double *au_r = calloc(MAX_ROWS * FAU_MAX_AUS, sizeof(double));
    double *au_c = calloc(MAX_ROWS * FAU_MAX_AUS, sizeof(double));
    size_t n = 0;
    int rc;
    while ((rc = fau_ofcsv_next(in, &rows[n], &e)) == 1) {
        memcpy(au_r + n * (size_t)l.n_au_r, rows[n].au_r, sizeof(double) * (size_t)l.n_au_r);
        memcpy(au_c + n * (size_t)l.n_au_c, rows[n].au_c, sizeof(double) * (size_t)l.n_au_c);
        n++;
        assert_true(n < MAX_ROWS);
    }
    assert_int_equal(rc, 0);
    fau_ofcsv_close(&in);

    char *out_buf = NULL, *pre_buf = NULL;
    size_t out_len = 0, pre_len = 0;
    FILE *pre = open_memstream(&pre_buf, &pre_len);
    assert_int_equal(fau_csv_write_header(pre, &l), FAU_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fau_csv_write_row(pre, &l, &rows[i]), FAU_OK);
    fflush(pre);
    if (l.sequence) {
        /* Videos: FeatureExtraction rewrites the AU columns at the end. */
        FILE *src = fmemopen(pre_buf, pre_len, "r");
        FILE *out = open_memstream(&out_buf, &out_len);
        assert_int_equal(fau_csv_rewrite_aus(src, out, &l, au_r, au_c, n, hp_path, &e), FAU_OK);
        fclose(src);
        fclose(out);
    } else {
        fclose(pre);
        pre = NULL;
        out_buf = pre_buf;
        out_len = pre_len;
        pre_buf = NULL;
    }
    if (pre)
        fclose(pre);
    size_t exp_len = 0;
    char *exp = fau_test_read_file(expected_path, &exp_len);
    assert_non_null(exp);
    if (out_len != exp_len || memcmp(out_buf, exp, exp_len)) {
        size_t i = 0;
        while (i < out_len && i < exp_len && out_buf[i] == exp[i])
            i++;
        fprintf(stderr, "%s: first difference at byte %zu: ours '%.40s' golden '%.40s'\n",
                expected_path, i, out_buf + (i > 20 ? i - 20 : 0), exp + (i > 20 ? i - 20 : 0));
        fail();
    }
    free(exp);
    free(out_buf);
    free(pre_buf);
    free(rows);
    free(au_r);
    free(au_c);
}

static void check_dir(const char *rel, int *count)
{
    char hp_dir[4096];
    snprintf(hp_dir, sizeof hp_dir, "%s", fau_test_shared(rel[0] ? "golden/hp/images" : "golden/hp"));
    DIR *d = opendir(hp_dir);
    assert_non_null(d);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (len < 5 || strcmp(ent->d_name + len - 4, ".csv"))
            continue;
        char hp[4096], gold[4096], sub[1024];
        snprintf(hp, sizeof hp, "%s/%s", hp_dir, ent->d_name);
        snprintf(sub, sizeof sub, "golden/%s%s", rel, ent->d_name);
        snprintf(gold, sizeof gold, "%s", fau_test_shared(sub));
        rewrite_and_compare(hp, gold, 0); /* OpenFace precision == ordinary golden */
        rewrite_and_compare(hp, hp, 1);   /* full precision == hp golden */
        (*count)++;
    }
    closedir(d);
}

static void test_videos_byte_identical(void **state)
{
    int n = 0;
    check_dir("", &n);
    assert_true(n >= 8);
}

static void test_images_byte_identical(void **state)
{
    int n = 0;
    check_dir("images/", &n);
    assert_true(n >= 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_videos_byte_identical),
        cmocka_unit_test(test_images_byte_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
