/* CCNF patch expert response and Sigma against an independent double
 * precision computation written from the CCNF model definition (OpenFace
 * computes the neuron and Sigma products with OpenBLAS, whose summation
 * order depends on the CPU, so the comparison has a float-rounding
 * tolerance). */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "landmarks/ccnf.h"
#include "landmarks/ccnf_response.h"

typedef struct {
    fau_lm_arena arena;
    fau_ccnf_patches s025, s05, eye;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    fau_error e = {0};
    if (fau_ccnf_patches_load(&f->s025, &f->arena,
                              fau_test_models("model/patch_experts/ccnf_patches_0.25_general.txt"), &e) ||
        fau_ccnf_patches_load(&f->s05, &f->arena,
                              fau_test_models("model/patch_experts/ccnf_patches_0.5_general.txt"), &e) ||
        fau_ccnf_patches_load(&f->eye, &f->arena,
                              fau_test_models("model/model_eye/patch_experts/ccnf_patches_1.00_synth_lid_.txt"), &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fau_lm_arena_free(&f->arena);
    free(f);
    return 0;
}

/* Gauss-Jordan inverse with partial pivoting, double. */
static void gj_inverse(double *a, double *inv, int n)
{
    for (int i = 0; i < n * n; i++)
        inv[i] = (i / n == i % n);
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[p * n + c]))
                p = r;
        for (int k = 0; k < n; k++) {
            double t = a[c * n + k];
            a[c * n + k] = a[p * n + k];
            a[p * n + k] = t;
            t = inv[c * n + k];
            inv[c * n + k] = inv[p * n + k];
            inv[p * n + k] = t;
        }
        double d = a[c * n + c];
        assert_true(fabs(d) > 1e-12);
        for (int k = 0; k < n; k++) {
            a[c * n + k] /= d;
            inv[c * n + k] /= d;
        }
        for (int r = 0; r < n; r++)
            if (r != c) {
                double m = a[r * n + c];
                for (int k = 0; k < n; k++) {
                    a[r * n + k] -= m * a[c * n + k];
                    inv[r * n + k] -= m * inv[c * n + k];
                }
            }
    }
}

/* Sigma in double from the model definition. */
static double *ref_sigma(const fau_ccnf_expert *x, const fau_ccnf_window *win, int ws)
{
    int d = ws * ws;
    double *a = calloc((size_t)d * d, sizeof *a), *inv = calloc((size_t)d * d, sizeof *inv);
    double sa = 0;
    for (int i = 0; i < x->n_neurons; i++)
        sa += x->neurons[i].alpha;
    for (int i = 0; i < d; i++)
        a[i * d + i] = sa;
    for (int b = 0; win && b < win->n_components; b++)
        for (int i = 0; i < d * d; i++)
            a[i] += x->betas[b] * win->components[(size_t)b * d * d + i];
    for (int i = 0; i < d * d; i++)
        a[i] *= 2;
    gj_inverse(a, inv, d);
    free(a);
    return inv;
}

/* The response by definition: at each window position (y, x) the patch is
 * made zero-mean and unit-norm, each neuron gives 2 alpha sigmoid(bias +
 * norm_weights * <w, patch>), the sum over neurons is multiplied by Sigma
 * and shifted to be non-negative. */
static void ref_response(const fau_ccnf_expert *x, const double *sigma, const float *area,
                         int stride, int ws, double *out)
{
    int h = x->height, w = x->width, d = ws * ws;
    double *r = calloc((size_t)d, sizeof *r);
    for (int y = 0; y < ws; y++)
        for (int xo = 0; xo < ws; xo++) {
            double mean = 0, norm = 0;
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    mean += area[(y + i) * stride + xo + j];
            mean /= w * h;
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    double v = area[(y + i) * stride + xo + j] - mean;
                    norm += v * v;
                }
            norm = norm > 0 ? sqrt(norm) : 1;
            for (int n = 0; n < x->n_neurons; n++) {
                const fau_ccnf_neuron *ne = &x->neurons[n];
                if (ne->alpha <= 1e-4)
                    continue;
                double dot = 0;
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        dot += ne->weights[i * w + j] * (area[(y + i) * stride + xo + j] - mean) / norm;
                r[y * ws + xo] += 2 * ne->alpha / (1 + exp(-(ne->bias + ne->norm_weights * dot)));
            }
        }
    double mn = INFINITY;
    for (int i = 0; i < d; i++) {
        double s = 0;
        for (int k = 0; k < d; k++)
            s += sigma[i * d + k] * r[k];
        out[i] = s;
        if (s < mn)
            mn = s;
    }
    if (mn < 0)
        for (int i = 0; i < d; i++)
            out[i] -= mn;
    free(r);
}

static uint32_t rng = 1;
static double worst_sigma, worst_response; /* relative errors, reported */
static float next_pixel(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 24); /* 0..255 like a grey image */
}

static void test_sigma_window_choice(void **state)
{
    fixture *f = *state;
    for (int w = 0; w < f->s05.n_windows; w++) {
        int ws = f->s05.windows[w].window_size;
        const fau_ccnf_window *win = fau_ccnf_sigma_window(&f->s05, ws);
        assert_non_null(win);
        assert_int_equal(win->window_size, ws);
        assert_true(win->n_components > 0);
    }
    assert_null(fau_ccnf_sigma_window(&f->s05, 5));
    assert_null(fau_ccnf_sigma_window(&f->eye, 3)); /* eye files have no components */
}

static void check_sigma(const fau_ccnf_expert *x, const fau_ccnf_window *win, int ws)
{
    int d = ws * ws;
    float *sig = fau_aligned_alloc((size_t)d * d * sizeof(float));
    double *scratch = malloc(fau_ccnf_sigma_scratch(ws) * sizeof(double));
    assert_int_equal(fau_ccnf_sigma(x, win, ws, sig, scratch), FAU_OK);
    double *ref = ref_sigma(x, win, ws);
    double maxref = 0, maxerr = 0, maxasym = 0;
    for (int i = 0; i < d * d; i++) {
        maxref = fmax(maxref, fabs(ref[i]));
        maxerr = fmax(maxerr, fabs(ref[i] - sig[i]));
        /* symmetric to float rounding: OpenCV's float Cholesky inverse (used
         * below 100 rows) is not symmetric bit for bit */
        maxasym = fmax(maxasym, fabs(sig[i] - sig[(i % d) * d + i / d]));
    }
    assert_true(maxerr <= 1e-6 * maxref);
    assert_true(maxasym <= 1e-6 * maxref);
    worst_sigma = fmax(worst_sigma, maxerr / maxref);
    free(ref);
    free(scratch);
    fau_aligned_free(sig);
}

static void test_sigma(void **state)
{
    fixture *f = *state;
    int wss[] = {7, 9, 11};
    for (int k = 0; k < 3; k++) {
        const fau_ccnf_window *win = fau_ccnf_sigma_window(&f->s05, wss[k]);
        check_sigma(fau_ccnf_expert_at(&f->s025, 0, 30), win, wss[k]);
        check_sigma(fau_ccnf_expert_at(&f->s05, 3, 8), win, wss[k]);
    }
    /* no components: Sigma = I / (2 sum alpha) */
    const fau_ccnf_expert *x = fau_ccnf_expert_at(&f->eye, 0, 5);
    check_sigma(x, NULL, 5);
    float sig[25 * 25];
    double scratch[2 * 25 * 25];
    assert_int_equal(fau_ccnf_sigma(x, NULL, 5, sig, scratch), FAU_OK);
    double sa = 0;
    for (int i = 0; i < x->n_neurons; i++)
        sa += x->neurons[i].alpha;
    assert_true(fabs(sig[0] - 1 / (2 * sa)) < 1e-6 / sa);
    assert_true(sig[1] == 0);
    /* invisible landmark: no neurons, no Sigma */
    const fau_ccnf_patches *p = &f->s025;
    int inv = -1;
    for (int i = 0; i < p->n_points && inv < 0; i++)
        if (!p->visibility[3 * p->n_points + i])
            inv = i;
    assert_true(inv >= 0);
    assert_int_equal(fau_ccnf_sigma(fau_ccnf_expert_at(p, 3, inv), NULL, 5, sig, scratch), FAU_EINVAL);
}

static void check_response(const fau_ccnf_expert *x, const fau_ccnf_window *win, int ws)
{
    int d = ws * ws, ah = ws + x->height - 1, aw = ws + x->width - 1;
    float *area = malloc((size_t)ah * aw * sizeof(float));
    for (int i = 0; i < ah * aw; i++)
        area[i] = next_pixel();
    float *sig = fau_aligned_alloc((size_t)d * d * sizeof(float));
    double *dscr = malloc(fau_ccnf_sigma_scratch(ws) * sizeof(double));
    float *scr = fau_aligned_alloc(fau_ccnf_response_scratch(x, ws) * sizeof(float));
    float *resp = malloc((size_t)d * sizeof(float));
    double *ref = malloc((size_t)d * sizeof(double));
    assert_int_equal(fau_ccnf_sigma(x, win, ws, sig, dscr), FAU_OK);
    fau_ccnf_response(x, sig, area, (size_t)aw, ws, scr, resp);
    double *rs = ref_sigma(x, win, ws);
    ref_response(x, rs, area, aw, ws, ref);
    double maxref = 0, maxerr = 0, minv = INFINITY;
    for (int i = 0; i < d; i++) {
        maxref = fmax(maxref, fabs(ref[i]));
        maxerr = fmax(maxerr, fabs(ref[i] - resp[i]));
        minv = fmin(minv, resp[i]);
    }
    assert_true(minv >= 0);
    assert_true(maxref > 0);
    worst_response = fmax(worst_response, maxerr / maxref);
    if (maxerr > 2e-5 * maxref)
        fail_msg("response differs from the definition by %g (max %g)", maxerr, maxref);
    free(rs);
    free(area);
    fau_aligned_free(sig);
    free(dscr);
    fau_aligned_free(scr);
    free(resp);
    free(ref);
}

static void test_response(void **state)
{
    fixture *f = *state;
    int wss[] = {11, 9, 7};
    int pts[] = {0, 17, 30, 36, 48, 67};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 6; j++) {
            const fau_ccnf_expert *x = fau_ccnf_expert_at(&f->s025, 0, pts[j]);
            check_response(x, fau_ccnf_sigma_window(&f->s05, wss[k]), wss[k]);
        }
    check_response(fau_ccnf_expert_at(&f->eye, 0, 10), NULL, 3);
    check_response(fau_ccnf_expert_at(&f->eye, 0, 10), NULL, 9);
    print_message("worst relative difference to the double definition: Sigma %.3g, response %.3g\n",
                  worst_sigma, worst_response);
}

static void test_im2col(void **state)
{
    /* A flat area gives zero patches (the zero-norm guard), the bias column
     * is 1, and a ramp gives unit-norm zero-mean columns. */
    float area[5 * 6];
    float out[(4 * 4) * (1 + 2 * 3)];
    for (int i = 0; i < 30; i++)
        area[i] = 7;
    fau_ccnf_im2col_norm(area, 6, 5, 6, 3, 2, out);
    for (int r = 0; r < 16; r++) {
        assert_true(out[r * 7] == 1.0f);
        for (int k = 1; k < 7; k++)
            assert_true(out[r * 7 + k] == 0.0f);
    }
    for (int i = 0; i < 30; i++)
        area[i] = (float)(i * i % 17);
    fau_ccnf_im2col_norm(area, 6, 5, 6, 3, 2, out);
    /* row j*yB + i = x offset j, y offset i; column 1 + xx*height + yy */
    int yB = 4;
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < yB; i++) {
            const float *row = out + (j * yB + i) * 7;
            double mean = 0, n2 = 0, s = 0, s2 = 0;
            for (int yy = 0; yy < 2; yy++)
                for (int xx = 0; xx < 3; xx++)
                    mean += area[(i + yy) * 6 + j + xx] / 6.0;
            for (int yy = 0; yy < 2; yy++)
                for (int xx = 0; xx < 3; xx++) {
                    double v = area[(i + yy) * 6 + j + xx] - mean;
                    n2 += v * v;
                }
            for (int yy = 0; yy < 2; yy++)
                for (int xx = 0; xx < 3; xx++) {
                    double want = (area[(i + yy) * 6 + j + xx] - mean) / sqrt(n2);
                    assert_true(fabs(row[1 + xx * 2 + yy] - want) < 1e-6);
                    s += row[1 + xx * 2 + yy];
                    s2 += row[1 + xx * 2 + yy] * row[1 + xx * 2 + yy];
                }
            assert_true(fabs(s) < 1e-6 && fabs(s2 - 1) < 1e-6);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_im2col),
        cmocka_unit_test(test_sigma_window_choice),
        cmocka_unit_test(test_sigma),
        cmocka_unit_test(test_response),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
