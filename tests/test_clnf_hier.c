/* CLNF::DetectLandmarks' hierarchical step (LandmarkDetectorModel.cpp) from
 * OpenFace's own per-stage dumps (golden/stages/<x>/clnf_scales.csv and
 * clnf_part_<name>.csv): each part model's `init` parameters are
 * PDM::CalcParams of the main model's landmarks after its last scale, picked
 * through hierarchical_mapping; the `hier` row is the main PDM refitted
 * (CalcParams + CalcShape2D) to those landmarks with each part's final
 * points written back. Checks the mapping, the part/main PDMs and
 * fau_pdm_calc_params on CLNF data, bit for bit. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/models_path.h"
#include "landmarks/clnf_model.h"
#include "landmarks/pdm_ops.h"

#define MAX_ROWS 1024

typedef struct rows {
    int n;
    int frame[MAX_ROWS], face[MAX_ROWS];
    char call[MAX_ROWS][16], stage[MAX_ROWS][16];
    float *v[MAX_ROWS]; /* columns from scale on */
    char *txt;
} rows;

/* Reads up to max_frames frames of a stage CSV. */
static void load_rows(rows *r, const char *input, const char *file, int max_frame)
{
    char rel[256];
    snprintf(rel, sizeof rel, "golden/stages/%s/%s", input, file);
    r->txt = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(r->txt);
    r->n = 0;
    char *save, *line = strtok_r(r->txt, "\n", &save); /* header */
    while ((line = strtok_r(NULL, "\n", &save)) && r->n < MAX_ROWS) {
        char *s2, *c = strtok_r(line, ",", &s2);
        int fr = atoi(c);
        if (fr > max_frame)
            break;
        int i = r->n;
        r->frame[i] = fr;
        r->face[i] = atoi(strtok_r(NULL, ",", &s2));
        snprintf(r->call[i], 16, "%s", strtok_r(NULL, ",", &s2));
        snprintf(r->stage[i], 16, "%s", strtok_r(NULL, ",", &s2));
        r->v[i] = calloc(512, sizeof(float));
        assert_non_null(r->v[i]);
        int k = 0;
        while ((c = strtok_r(NULL, ",\r", &s2)) && k < 512)
            r->v[i][k++] = (float)strtod(c, NULL);
        r->n++;
    }
}

static void free_rows(rows *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->v[i]);
    free(r->txt);
}

static int same_fit(const rows *a, int i, const rows *b, int j)
{
    return a->frame[i] == b->frame[j] && a->face[i] == b->face[j] &&
           !strcmp(a->call[i], b->call[j]);
}

/* v[] layout: scale, window_size, view, lhood, certainty, success (6), then
 * x (n), y (n), p (6), q (m). */
#define XOFF 6

static double g_max_part, g_max_hier, g_max_hier_lm;
static int g_n_part, g_n_hier;

static void fit_and_compare(const fau_pdm *pdm, const float *lm, const float *want_p, double *maxd,
                            void *ws)
{
    int m = pdm->n_modes;
    float g[6], q[64];
    fau_pdm_calc_params(pdm, lm, NULL, g, q, ws);
    for (int k = 0; k < 6; k++)
        if (fabs(g[k] - want_p[k]) > *maxd)
            *maxd = fabs(g[k] - want_p[k]);
    for (int k = 0; k < m; k++)
        if (fabs(q[k] - want_p[6 + k]) > *maxd)
            *maxd = fabs(q[k] - want_p[6 + k]);
}

static void check_input(const fau_landmark_models *lm, const char *input, int max_frame)
{
    const fau_pdm *mp = lm->main.pdm;
    int n = mp->n_points;
    rows *mainr = calloc(1, sizeof *mainr), *partr = calloc(1, sizeof *partr);
    assert_non_null(mainr);
    assert_non_null(partr);
    load_rows(mainr, input, "clnf_scales.csv", max_frame);
    float *det = calloc((size_t)2 * n, sizeof(float));
    float *parts_final[8] = {0};
    int part_ran[8] = {0};
    for (int h = 0; h < mainr->n; h++) {
        if (strcmp(mainr->stage[h], "hier") || mainr->v[h][0] != 1.0f)
            continue;
        /* last `scale` row of this fit */
        int s = h - 1;
        while (s >= 0 && strcmp(mainr->stage[s], "scale"))
            s--;
        assert_true(s >= 0 && same_fit(mainr, s, mainr, h));
        memcpy(det, mainr->v[s] + XOFF, (size_t)2 * n * sizeof(float));
        for (int p = 0; p < lm->n_parts; p++) {
            const fau_clnf_part *part = &lm->parts[p];
            const fau_pdm *pp = part->model.pdm;
            int pn = pp->n_points;
            char file[96];
            snprintf(file, sizeof file, "clnf_part_%s.csv", part->name);
            load_rows(partr, input, file, mainr->frame[h]);
            int init = -1, last = -1;
            for (int i = 0; i < partr->n; i++)
                if (same_fit(partr, i, mainr, h)) {
                    if (!strcmp(partr->stage[i], "init"))
                        init = i;
                    last = i;
                }
            assert_true(init >= 0);
            float *locs = calloc((size_t)2 * pn, sizeof(float));
            for (int k = 0; k < part->n_map; k++) {
                locs[part->map_part[k]] = det[part->map_main[k]];
                locs[part->map_part[k] + pn] = det[part->map_main[k] + n];
            }
            void *ws = fau_aligned_alloc(fau_pdm_calc_params_workspace(pp));
            fit_and_compare(pp, locs, partr->v[init] + XOFF + 2 * pn, &g_max_part, ws);
            fau_aligned_free(ws);
            g_n_part++;
            part_ran[p] = last != init;
            free(parts_final[p]);
            parts_final[p] = calloc((size_t)2 * pn, sizeof(float));
            memcpy(parts_final[p], partr->v[last] + XOFF, (size_t)2 * pn * sizeof(float));
            free(locs);
            free_rows(partr);
        }
        /* write back every part's final points, refit the main PDM */
        for (int p = 0; p < lm->n_parts; p++) {
            const fau_clnf_part *part = &lm->parts[p];
            int pn = part->model.pdm->n_points;
            for (int k = 0; k < part->n_map; k++) {
                det[part->map_main[k]] = parts_final[p][part->map_part[k]];
                det[part->map_main[k] + n] = parts_final[p][part->map_part[k] + pn];
            }
        }
        (void)part_ran;
        void *ws = fau_aligned_alloc(fau_pdm_calc_params_workspace(mp));
        fit_and_compare(mp, det, mainr->v[h] + XOFF + 2 * n, &g_max_hier, ws);
        float g[6], q[64], shp[2 * 68], tmp[3 * 68];
        fau_pdm_calc_params(mp, det, NULL, g, q, ws);
        fau_pdm_shape2d(mp, q, g, shp, tmp);
        for (int k = 0; k < 2 * n; k++)
            if (fabs(shp[k] - mainr->v[h][XOFF + k]) > g_max_hier_lm)
                g_max_hier_lm = fabs(shp[k] - mainr->v[h][XOFF + k]);
        fau_aligned_free(ws);
        g_n_hier++;
    }
    for (int p = 0; p < 8; p++)
        free(parts_final[p]);
    free(det);
    free_rows(mainr);
    free(mainr);
    free(partr);
}

static void test_hier_matches_openface(void **state)
{
    (void)state;
    fau_landmark_models *lm = fau_test_landmark_models();
    assert_non_null(lm);
    assert_int_equal(lm->main.pdm->n_points, 68);
    check_input(lm, "expr_surprise_f1", 1 << 30);
    check_input(lm, "turned_face_3q", 1 << 30);
    check_input(lm, "gaze_eyes_vp9", 3);
    print_message("hier: %d part inits max |d| %.3g, %d main refits max |d| params %.3g landmarks %.3g\n",
                  g_n_part, g_max_part, g_n_hier, g_max_hier, g_max_hier_lm);
    assert_true(g_n_hier > 0);
    assert_int_equal(g_n_part, lm->n_parts * g_n_hier);
    /* Bit-exact: CalcParams' products follow OpenBLAS's order where
     * OpenFace's go through it (CalcShape3D, the Hessian, cv::gemm of 100+
     * rows), OpenCV's double sums elsewhere. Was 1.2e-3 / 7e-5 / 6e-5 with
     * a fixed float order. */
    assert_true(g_max_part == 0);
    assert_true(g_max_hier == 0);
    assert_true(g_max_hier_lm == 0);
    fau_landmark_models_free(&lm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hier_matches_openface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
