/* CCNF_patch_expert::ResponseOpenBlas bit for bit, given Sigma: OpenFace
 * computes neuron_resp_full with sgemm_("N", "N", P, neurons, 1 + w*h, 1,
 * normalized_input (= im2col^T), P, weight_matrix, 1 + w*h, 0, out, P) and
 * the final response with sgemm_("N", "N", 1, P, P, 1, resp_vec, 1, Sigma,
 * P, 0, out, 1). This test spells those calls out with the reference order
 * (fau_sgemm_openblas, checked against OpenBLAS 0.3.21) around
 * fau_ccnf_im2col_norm and the sigmoid sum, and requires every bit of
 * fau_ccnf_response to match, on the real general and eye patch experts,
 * windows 11, 9, 7 (and 5 for the eyes), on every code path the CPU has. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "detect/sgemm_openblas.h"
#include "landmarks/ccnf.h"
#include "landmarks/ccnf_response.h"

static unsigned rng = 4242;
static float next_pixel(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 24); /* 0..255 like a grey image */
}

/* ResponseOpenBlas written out with the reference sgemm. */
static void reference(const fau_ccnf_expert *x, const float *sigma, const float *area, int aw,
                      int ws, float *out)
{
    const int P = ws * ws, cols = x->wm_cols, nn = x->n_neurons;
    float *im = malloc((size_t)P * cols * sizeof(float)), *ni = malloc((size_t)P * cols * sizeof(float));
    float *full = malloc((size_t)P * nn * sizeof(float));
    float *resp = calloc((size_t)P, sizeof(float)), *vec = malloc((size_t)P * sizeof(float));
    assert_true(im && ni && full && resp && vec);
    fau_ccnf_im2col_norm(area, (size_t)aw, ws + x->height - 1, aw, x->width, x->height, im);
    for (int t = 0; t < P; t++) /* normalized_input = im2col_prealloc.t() */
        for (int k = 0; k < cols; k++)
            ni[(size_t)k * P + t] = im[(size_t)t * cols + k];
    fau_sgemm_openblas(P, nn, cols, 1.0f, ni, P, x->weight_matrix, cols, 0.0f, full, P);
    for (int n = 0; n < nn; n++)
        if (x->neurons[n].alpha > 1e-4)
            for (int t = 0; t < P; t++)
                resp[t] = (float)(resp[t] + (2.0 * x->neurons[n].alpha) /
                                                (1.0 + exp(-(double)full[(size_t)n * P + t])));
    for (int r = 0; r < ws; r++) /* response.t(), reshaped to a column */
        for (int c = 0; c < ws; c++)
            vec[r * ws + c] = resp[c * ws + r];
    float *srow = malloc((size_t)P * P * sizeof(float)); /* Sigma row-major, as OpenCV's */
    assert_non_null(srow);
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            srow[i * P + j] = sigma[j * P + i];
    fau_sgemm_openblas(1, P, P, 1.0f, vec, 1, srow, P, 0.0f, out, 1);
    free(srow);
    float mn = out[0];
    for (int t = 1; t < P; t++)
        mn = out[t] < mn ? out[t] : mn;
    if (mn < 0)
        for (int t = 0; t < P; t++)
            out[t] = out[t] - mn;
    free(im);
    free(ni);
    free(full);
    free(resp);
    free(vec);
}

static int n_checked;

static void check_expert(const fau_ccnf_expert *x, const fau_ccnf_window *win, int ws, int flat)
{
    const int P = ws * ws, ah = ws + x->height - 1, aw = ws + x->width - 1;
    float *area = malloc((size_t)ah * aw * sizeof(float));
    float *sig = fau_aligned_alloc((size_t)P * P * sizeof(float));
    double *dscr = malloc(fau_ccnf_sigma_scratch(ws) * sizeof(double));
    float *scr = fau_aligned_alloc(fau_ccnf_response_scratch(x, ws) * sizeof(float));
    float *want = malloc((size_t)P * sizeof(float)), *got = malloc((size_t)P * sizeof(float));
    assert_true(area && sig && dscr && scr && want && got);
    for (int i = 0; i < ah * aw; i++)
        area[i] = flat ? 77.0f : next_pixel();
    assert_int_equal(fau_ccnf_sigma(x, win, ws, sig, dscr), FAU_OK);
    reference(x, sig, area, aw, ws, want);
    const int paths = fau_ccnf_fma_allowed() ? 2 : 1;
    for (int f = 0; f < paths; f++) {
        memset(got, 0xff, (size_t)P * sizeof(float));
        fau_ccnf_response_fma(x, sig, area, (size_t)aw, ws, scr, got, f);
        if (memcmp(got, want, (size_t)P * sizeof(float)))
            fail_msg("response differs (ws %d, %d neurons, fma %d)", ws, x->n_neurons, f);
    }
    fau_ccnf_response(x, sig, area, (size_t)aw, ws, scr, got);
    assert_memory_equal(got, want, (size_t)P * sizeof(float));
    n_checked++;
    free(area);
    fau_aligned_free(sig);
    free(dscr);
    fau_aligned_free(scr);
    free(want);
    free(got);
}

static void test_response_exact(void **state)
{
    (void)state;
    fau_lm_arena arena = {0};
    fau_ccnf_patches s025, s05, eye;
    fau_error e = {0};
    assert_int_equal(fau_ccnf_patches_load(&s025, &arena,
                                           fau_test_models("model/patch_experts/ccnf_patches_0.25_general.txt"), &e),
                     FAU_OK);
    assert_int_equal(fau_ccnf_patches_load(&s05, &arena,
                                           fau_test_models("model/patch_experts/ccnf_patches_0.5_general.txt"), &e),
                     FAU_OK);
    assert_int_equal(
        fau_ccnf_patches_load(&eye, &arena,
                              fau_test_models("model/model_eye/patch_experts/ccnf_patches_1.00_synth_lid_.txt"), &e),
        FAU_OK);
    const int wss[] = {11, 9, 7};
    const int pts[] = {0, 8, 17, 30, 36, 48, 62};
    for (int w = 0; w < 3; w++) {
        /* OpenFace keeps the last patch file's sigma components */
        const fau_ccnf_window *win = fau_ccnf_sigma_window(&s05, wss[w]);
        assert_non_null(win);
        for (int k = 0; k < 7; k++) {
            const fau_ccnf_patches *p = k % 2 ? &s05 : &s025;
            const fau_ccnf_expert *x = fau_ccnf_expert_at(p, 0, pts[k]);
            if (x->n_neurons == 0)
                continue;
            check_expert(x, win, wss[w], 0);
            if (k == 0)
                check_expert(x, win, wss[w], 1); /* flat patch: norm 0 */
        }
        const fau_ccnf_expert *side = fau_ccnf_expert_at(&s05, s05.n_views - 1, 30);
        if (side->n_neurons)
            check_expert(side, win, wss[w], 0);
    }
    for (int k = 0; k < eye.n_points; k += 9) {
        const fau_ccnf_expert *x = fau_ccnf_expert_at(&eye, 0, k);
        if (x->n_neurons)
            check_expert(x, fau_ccnf_sigma_window(&eye, 5), 5, 0);
    }
    assert_true(n_checked >= 20);
    print_message("%d responses bit-identical to the reference sgemm order (fma path %s)\n", n_checked,
                  fau_ccnf_fma_allowed() ? "checked" : "not available");
    fau_lm_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
