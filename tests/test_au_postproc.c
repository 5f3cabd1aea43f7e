/* The AU stage's arithmetic from OpenFace's own features, independent of
 * alignment: running medians from the golden HOG (.hog) and geometry
 * (au_features.csv), predictions of the packed linear models, the offline
 * offsets, clamping and smoothing. Compared with the stage dumps of
 * FaceAnalyser (running_median.csv, median_final.csv, au_online.csv,
 * au_offline_raw.csv, au_offsets.csv, au_final.csv). */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "au/au.h"
#include "core/mem.h"
#include "test_au_csv.h"

typedef struct golden_clip {
    au_csv ft, rm, mf, on, raw, offs, fin;
    float *hog; /* n x 4464 from the .hog file */
    uint8_t *succ;
    int n;
} golden_clip;

static void load_clip(golden_clip *g, const char *clip)
{
    char p[512];
#define RD(v, f)                                                                     \
    snprintf(p, sizeof p, "golden/stages/%s/%s", clip, f);                           \
    assert_int_equal(au_csv_read(&g->v, fau_test_shared(p)), 0);
    RD(ft, "au_features.csv")
    RD(rm, "running_median.csv")
    RD(mf, "median_final.csv")
    RD(on, "au_online.csv")
    RD(raw, "au_offline_raw.csv")
    RD(offs, "au_offsets.csv")
    RD(fin, "au_final.csv")
#undef RD
    g->n = g->ft.nrows;
    snprintf(p, sizeof p, "golden/full/%s/%s.hog", clip, clip);
    size_t len = 0;
    char *hb = fau_test_read_file(fau_test_shared(p), &len);
    assert_non_null(hb);
    assert_int_equal(len, (size_t)g->n * (16 + 4 * FAU_AU_HOG_DIM));
    g->hog = malloc(sizeof(float) * FAU_AU_HOG_DIM * (size_t)g->n);
    g->succ = malloc((size_t)g->n);
    int sc = au_csv_col(&g->ft, "success");
    for (int f = 0; f < g->n; f++) {
        const char *fr = hb + (size_t)f * (16 + 4 * FAU_AU_HOG_DIM);
        int32_t hdr[3];
        float good;
        memcpy(hdr, fr, 12);
        memcpy(&good, fr + 12, 4);
        assert_int_equal(hdr[0], 12);
        assert_int_equal(hdr[2], 31);
        memcpy(g->hog + (size_t)f * FAU_AU_HOG_DIM, fr + 16, 4 * FAU_AU_HOG_DIM);
        g->succ[f] = (uint8_t)au_csv_at(&g->ft, f, sc);
        assert_true((good > 0) == (g->succ[f] != 0));
    }
    free(hb);
}

static void free_clip(golden_clip *g)
{
    au_csv_free(&g->ft);
    au_csv_free(&g->rm);
    au_csv_free(&g->mf);
    au_csv_free(&g->on);
    au_csv_free(&g->raw);
    au_csv_free(&g->offs);
    au_csv_free(&g->fin);
    free(g->hog);
    free(g->succ);
}

static fau_au_models *load_models(void)
{
    fau_error e = {0};
    fau_model_paths mp;
    assert_int_equal(fau_models_locate(&mp, fau_test_models_dir(), &e), 0);
    fau_au_models *m = NULL;
    assert_int_equal(fau_au_models_load(&m, &mp, "AU_predictors/main_dynamic_svms.txt", &e), 0);
    return m;
}

static int col_of(const au_csv *c, const char *au, const char *suffix)
{
    char nm[32];
    snprintf(nm, sizeof nm, "%s%s", au, suffix);
    int k = au_csv_col(c, nm);
    assert_true(k >= 0);
    return k;
}

/* Replays FaceAnalyser::AddNextFrame's median updates and predictions on the
 * golden features. */
static void run_clip(const char *clip, const fau_au_models *m)
{
    golden_clip g;
    load_clip(&g, clip);
    const int nf = m->n_feat, nr = m->n_reg, nc = m->n_class;
    fau_au_median hh, gh;
    assert_int_equal(fau_au_median_init(&hh, FAU_AU_HOG_DIM, 1000, -0.005, 1), 0);
    assert_int_equal(fau_au_median_init(&gh, m->n_geom, 10000, -60, 60), 0);
    double *feat = fau_aligned_calloc((size_t)nf, sizeof(double));
    double *med = fau_aligned_calloc((size_t)nf, sizeof(double));
    double lin[FAU_AU_MAX_MODELS + 4], mlin[FAU_AU_MAX_MODELS + 4];
    double *on_reg = calloc((size_t)g.n * nr, sizeof(double));
    double *lin_hist = calloc((size_t)g.n * m->ld, sizeof(double));
    int g0 = au_csv_col(&g.ft, "geom_0");
    double worst_med = 0, worst_on = 0;
    int class_mismatch = 0, rm_row = 0;
    for (int f = 0; f < g.n; f++) {
        for (int i = 0; i < FAU_AU_HOG_DIM; i++)
            feat[i] = g.hog[(size_t)f * FAU_AU_HOG_DIM + i];
        for (int i = 0; i < m->n_geom; i++)
            feat[FAU_AU_HOG_DIM + i] = au_csv_at(&g.ft, f, g0 + i);
        if ((f + 1) % 2 == 1) {
            fau_au_median_update(&hh, feat, g.succ[f], med);
            for (int i = 0; i < FAU_AU_HOG_DIM; i++)
                if (med[i] < 0)
                    med[i] = 0;
            fau_au_median_update(&gh, feat + FAU_AU_HOG_DIM, g.succ[f], med + FAU_AU_HOG_DIM);
        }
        if ((f + 1) % 30 == 0) {
            int r = rm_row++;
            assert_int_equal(hh.count, (int)au_csv_at(&g.rm, r, au_csv_col(&g.rm, "hog_hist_count_view0")));
            assert_int_equal(gh.count, (int)au_csv_at(&g.rm, r, au_csv_col(&g.rm, "geom_hist_count")));
            int hc = au_csv_col(&g.rm, "hog_median_0"), gc = au_csv_col(&g.rm, "geom_median_0");
            for (int i = 0; i < 10; i++) {
                double d1 = fabs(med[i] - au_csv_at(&g.rm, r, hc + i));
                double d2 = fabs(med[FAU_AU_HOG_DIM + i] - au_csv_at(&g.rm, r, gc + i));
                worst_med = fmax(worst_med, fmax(d1, d2));
            }
        }
        fau_au_linear(m, feat, lin);
        fau_au_linear(m, med, mlin);
        for (int k = 0; k < nr + nc; k++) {
            lin[k] += m->bias[k];
            lin_hist[(size_t)f * m->ld + k] = lin[k];
            double v = lin[k] - (m->info[k].dynamic ? mlin[k] : 0);
            const char *name = m->info[k].name;
            if (m->info[k].classifier) {
                double c = g.succ[f] ? (v > 0 ? m->info[k].pos_class : m->info[k].neg_class) : 0;
                if (c != au_csv_at(&g.on, f, col_of(&g.on, name, "_c")))
                    class_mismatch++;
            } else {
                double r = g.succ[f] ? v : 0;
                on_reg[(size_t)f * nr + k] = r;
                worst_on = fmax(worst_on, fabs(r - au_csv_at(&g.on, f, col_of(&g.on, name, "_r"))));
            }
        }
    }
    /* Final medians (median_final.csv): complete vectors. */
    {
        int hc = au_csv_col(&g.mf, "hog_median_0"), gc = au_csv_col(&g.mf, "geom_median_0");
        assert_int_equal(hh.count, (int)au_csv_at(&g.mf, 0, au_csv_col(&g.mf, "hog_hist_count_view0")));
        assert_int_equal(gh.count, (int)au_csv_at(&g.mf, 0, au_csv_col(&g.mf, "geom_hist_count")));
        for (int i = 0; i < FAU_AU_HOG_DIM; i++)
            worst_med = fmax(worst_med, fabs(med[i] - au_csv_at(&g.mf, 0, hc + i)));
        for (int i = 0; i < m->n_geom; i++)
            worst_med = fmax(worst_med, fabs(med[FAU_AU_HOG_DIM + i] - au_csv_at(&g.mf, 0, gc + i)));
    }
    /* PostprocessPredictions: re-predict with the final medians. */
    fau_au_linear(m, med, mlin);
    double worst_raw = 0;
    int raw_class_mismatch = 0;
    for (int f = 0; f < g.n; f++)
        for (int k = 0; k < nr + nc; k++) {
            double v = lin_hist[(size_t)f * m->ld + k] - (m->info[k].dynamic ? mlin[k] : 0);
            const char *name = m->info[k].name;
            if (m->info[k].classifier) {
                double c = g.succ[f] ? (v > 0 ? m->info[k].pos_class : m->info[k].neg_class) : 0;
                if (c != au_csv_at(&g.raw, f, col_of(&g.raw, name, "_c")))
                    raw_class_mismatch++;
            } else {
                double r = g.succ[f] ? v : 0;
                worst_raw = fmax(worst_raw, fabs(r - au_csv_at(&g.raw, f, col_of(&g.raw, name, "_r"))));
            }
        }
    /* Offsets and post-processing from OpenFace's own raw predictions:
     * these must be exact. */
    double *rawv = malloc(sizeof(double) * g.n), *tmp = malloc(sizeof(double) * g.n);
    double *outv = malloc(sizeof(double) * g.n);
    double worst_off = 0, worst_fin = 0;
    for (int k = 0; k < nr + nc; k++) {
        const fau_au_model_info *inf = &m->info[k];
        if (!inf->classifier) {
            int cr = col_of(&g.raw, inf->name, "_r");
            for (int f = 0; f < g.n; f++)
                rawv[f] = au_csv_at(&g.raw, f, cr);
            double off = 0;
            if (inf->type == FAU_AU_SVR_DYNAMIC && inf->cutoff != -1)
                off = fau_au_offset(rawv, 1, g.succ, (size_t)g.n, inf->cutoff, tmp);
            worst_off = fmax(worst_off, fabs(off - au_csv_at(&g.offs, 0, col_of(&g.offs, inf->name, "_r"))));
            fau_au_postprocess_reg(rawv, 1, g.succ, (size_t)g.n, off, tmp, outv, 1);
            int cf = col_of(&g.fin, inf->name, "_r");
            for (int f = 0; f < g.n; f++)
                worst_fin = fmax(worst_fin, fabs(outv[f] - au_csv_at(&g.fin, f, cf)));
        } else {
            int cr = col_of(&g.raw, inf->name, "_c");
            for (int f = 0; f < g.n; f++)
                rawv[f] = au_csv_at(&g.raw, f, cr);
            fau_au_postprocess_class(rawv, 1, (size_t)g.n, outv, 1);
            int cf = col_of(&g.fin, inf->name, "_c");
            for (int f = 0; f < g.n; f++)
                worst_fin = fmax(worst_fin, fabs(outv[f] - au_csv_at(&g.fin, f, cf)));
        }
    }
    printf("# %s: medians max |diff| %.3g; online _r %.3g, _c mismatches %d; offline raw _r %.3g, "
           "_c mismatches %d; offsets %.3g; final (from golden raw) %.3g\n",
           clip, worst_med, worst_on, class_mismatch, worst_raw, raw_class_mismatch, worst_off,
           worst_fin);
    /* Medians are histogram bin centres (a wrong bin is off by >= 1e-3) and
     * the median files are printed with %.9g: same bins <=> diff < 1e-8.
     * Predictions: the geometry inputs come from au_features.csv (%.9g),
     * so they agree to ~1e-9, not to the last bit. */
    assert_true(worst_med < 1e-8);
    assert_true(worst_on < 1e-7);
    assert_int_equal(class_mismatch, 0);
    assert_true(worst_raw < 1e-7);
    assert_int_equal(raw_class_mismatch, 0);
    assert_true(worst_off == 0);
    assert_true(worst_fin == 0);
    free(rawv);
    free(tmp);
    free(outv);
    free(on_reg);
    free(lin_hist);
    fau_aligned_free(feat);
    fau_aligned_free(med);
    fau_au_median_free(&hh);
    fau_au_median_free(&gh);
    free_clip(&g);
}

static void test_video01(void **state)
{
    fau_au_models *m = load_models();
    run_clip("video01", m);
    fau_au_models_free(&m);
}

static void test_gaze_eyes(void **state)
{
    fau_au_models *m = load_models();
    run_clip("gaze_eyes_vp9", m);
    fau_au_models_free(&m);
}

/* UpdateRunningMedian's edge cases on a tiny histogram. */
static void test_median_quirks(void **state)
{
    fau_au_median mh;
    assert_int_equal(fau_au_median_init(&mh, 2, 10, 0, 10), 0);
    double med[2], d1[2] = {3.2, 7.9}, d2[2] = {5.5, 0.1}, d3[2] = {9.9, 4.4};
    /* first call without update: the median is the descriptor, then with no
     * sample the first bin centre */
    fau_au_median_update(&mh, d1, 0, med);
    assert_true(med[0] == 0.5 && med[1] == 0.5);
    fau_au_median_update(&mh, d2, 1, med); /* one sample: the descriptor itself */
    assert_true(med[0] == 5.5 && med[1] == 0.1);
    fau_au_median_update(&mh, d1, 0, med); /* still one sample: current descriptor */
    assert_true(med[0] == 3.2 && med[1] == 7.9);
    fau_au_median_update(&mh, d3, 1, med); /* two samples: lower one's bin (cutoff 1) */
    assert_true(med[0] == 5.5 && med[1] == 0.5);
    fau_au_median_update(&mh, d1, 1, med); /* three: the middle bin */
    assert_true(med[0] == 5.5 && med[1] == 4.5);
    fau_au_median_free(&mh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_quirks),
        cmocka_unit_test(test_video01),
        cmocka_unit_test(test_gaze_eyes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
