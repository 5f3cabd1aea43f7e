/* CLNF landmark model set loader (fau_landmark_models_load) against the model
 * files: counts and values are re-read here by a small independent walker of
 * the file layouts and compared bit for bit. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/models_path.h"
#include "landmarks/clnf_model.h"

/* ---- independent readers -------------------------------------------------- */

typedef struct {
    const unsigned char *d;
    size_t n, p;
} walk;

static int32_t w_i32(walk *w)
{
    int32_t v;
    assert_true(w->p + 4 <= w->n);
    memcpy(&v, w->d + w->p, 4);
    w->p += 4;
    return v;
}

static double w_f64(walk *w)
{
    double v;
    assert_true(w->p + 8 <= w->n);
    memcpy(&v, w->d + w->p, 8);
    w->p += 8;
    return v;
}

/* Skips a ReadMatBin matrix; returns the offset of its data. */
static size_t w_mat(walk *w, int *rows, int *cols, int *type)
{
    int r = w_i32(w), c = w_i32(w), t = w_i32(w);
    size_t es = t == 6 ? 8 : t == 0 ? 1 : 4;
    size_t at = w->p;
    w->p += (size_t)r * (size_t)c * es;
    assert_true(w->p <= w->n);
    if (rows)
        *rows = r;
    if (cols)
        *cols = c;
    if (type)
        *type = t;
    return at;
}

static float f32_at(const walk *w, size_t at)
{
    float f;
    memcpy(&f, w->d + at, 4);
    return f;
}

static double f64_at(const walk *w, size_t at)
{
    double f;
    memcpy(&f, w->d + at, 8);
    return f;
}

static int same_float(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static fau_model_paths real_paths(void)
{
    fau_model_paths p;
    fau_error e = {0};
    assert_int_equal(fau_models_locate(&p, fau_test_models_dir(), &e), FAU_OK);
    return p;
}

static fau_landmark_models *load_general(void)
{
    fau_model_paths p = real_paths();
    fau_error e = {0};
    fau_landmark_models *m = NULL;
    int rc = fau_landmark_models_load(&m, &p, "model/main_clnf_general.txt", &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, FAU_OK);
    assert_non_null(m);
    return m;
}

/* Compares a loaded patch file with the file, walking every expert. */
static void check_patches(const fau_ccnf_patches *q, const char *rel)
{
    size_t len;
    unsigned char *buf = (unsigned char *)fau_test_read_file(fau_test_models(rel), &len);
    assert_non_null(buf);
    walk w = {buf, len, 0};
    double scale = w_f64(&w);
    assert_true(q->patch_scaling == scale);
    int views = w_i32(&w);
    assert_int_equal(q->n_views, views);
    for (int v = 0; v < views; v++) {
        int r, c, t;
        size_t at = w_mat(&w, &r, &c, &t);
        assert_int_equal(r * c, 3);
        for (int k = 0; k < 3; k++)
            assert_true(q->centers[v][k] == f64_at(&w, at + 8 * (size_t)k) * M_PI * (1.0 / 180.0));
    }
    int visible = 0;
    for (int v = 0; v < views; v++) {
        int r, c;
        size_t at = w_mat(&w, &r, &c, NULL);
        assert_int_equal(q->n_points, r);
        for (int i = 0; i < r; i++) {
            int32_t vis;
            memcpy(&vis, buf + at + 4 * (size_t)i, 4);
            assert_int_equal(q->visibility[v * r + i], vis);
            visible += vis != 0;
        }
    }
    int nwin = w_i32(&w);
    assert_int_equal(q->n_windows, nwin);
    int first_comp = -1;
    for (int k = 0; k < nwin; k++) {
        int ws = w_i32(&w), nc = w_i32(&w);
        if (k == 0)
            first_comp = nc;
        assert_int_equal(q->windows[k].window_size, ws);
        assert_int_equal(q->windows[k].n_components, nc);
        for (int s = 0; s < nc; s++) {
            int r, c;
            size_t at = w_mat(&w, &r, &c, NULL);
            assert_int_equal(r, ws * ws);
            size_t last = (size_t)r * (size_t)c - 1;
            size_t base = (size_t)s * (size_t)r * (size_t)c;
            assert_true(same_float(q->windows[k].components[base], f32_at(&w, at)));
            assert_true(same_float(q->windows[k].components[base + last], f32_at(&w, at + 4 * last)));
        }
    }
    int with_neurons = 0;
    for (int v = 0; v < views; v++)
        for (int j = 0; j < q->n_points; j++) {
            const fau_ccnf_expert *x = fau_ccnf_expert_at(q, v, j);
            assert_int_equal(w_i32(&w), 5);
            int wd = w_i32(&w), ht = w_i32(&w), nn = w_i32(&w);
            assert_int_equal(x->width, wd);
            assert_int_equal(x->height, ht);
            assert_int_equal(x->n_neurons, nn);
            if (nn == 0) {
                w_i32(&w);
                continue;
            }
            with_neurons++;
            for (int i = 0; i < nn; i++) {
                const fau_ccnf_neuron *n = &x->neurons[i];
                assert_int_equal(w_i32(&w), 2);
                assert_int_equal(n->neuron_type, w_i32(&w));
                double nw = w_f64(&w), bias = w_f64(&w), alpha = w_f64(&w);
                assert_true(n->norm_weights == nw && n->bias == bias && n->alpha == alpha);
                int r, c, t;
                size_t at = w_mat(&w, &r, &c, &t);
                assert_int_equal(t, 5);
                assert_int_equal(r, ht);
                assert_int_equal(c, wd);
                const float *row = x->weight_matrix + (size_t)i * (size_t)(1 + wd * ht);
                assert_true(same_float(row[0], (float)bias));
                /* weight_matrix(i, 1 + c*h + r) = w(r, c) * (float)norm_weights */
                for (int rr = 0; rr < r; rr++)
                    for (int cc = 0; cc < c; cc++) {
                        float wv = f32_at(&w, at + 4 * (size_t)(rr * c + cc));
                        assert_true(same_float(n->weights[rr * c + cc], wv));
                        volatile float prod = wv * (float)nw;
                        assert_true(row[1 + cc * ht + rr] == prod);
                    }
            }
            int nb = first_comp < 0 ? 0 : first_comp;
            assert_int_equal(x->n_betas, nb);
            for (int b = 0; b < nb; b++)
                assert_true(x->betas[b] == w_f64(&w));
            assert_true(x->patch_confidence == w_f64(&w));
        }
    assert_int_equal(w.p, len); /* the whole file was accounted for */
    assert_int_equal(with_neurons, visible);
    free(buf);
}

/* Module lines of a text model file: counts lines starting with word. */
static int count_lines(const char *rel, const char *word, char lines[][512], int max)
{
    char *txt = fau_test_read_file(fau_test_models(rel), NULL);
    assert_non_null(txt);
    int n = 0;
    size_t wl = strlen(word);
    for (char *s = strtok(txt, "\r\n"); s; s = strtok(NULL, "\r\n"))
        if (!strncmp(s, word, wl) && s[wl] == ' ') {
            if (n < max)
                snprintf(lines[n], 512, "%s", s + wl + 1);
            n++;
        }
    free(txt);
    return n;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_main_model(void **state)
{
    fau_landmark_models *m = load_general();
    char lines[8][512];
    /* Scales: one per PatchesCCNF line of clnf_general.txt, in order. */
    int n = count_lines("model/clnf_general.txt", "PatchesCCNF", lines, 8);
    assert_int_equal(m->main.n_scales, n);
    assert_int_equal(n, 3);
    for (int s = 0; s < n; s++) {
        char rel[600];
        snprintf(rel, sizeof rel, "model/%s", lines[s]);
        check_patches(&m->main.scales[s], rel);
    }
    assert_true(m->main.scales[0].patch_scaling == 0.25);
    assert_true(m->main.scales[1].patch_scaling == 0.35);
    assert_true(m->main.scales[2].patch_scaling == 0.5);
    assert_int_equal(m->main.sigma_scale, 2);
    assert_int_equal(m->main.n_points, 68);
    assert_int_equal(m->main.pdm->n_points, 68);
    assert_string_equal(m->main.rel_path, "model/clnf_general.txt");

    /* Triangulations: the first number of tris_68.txt is the view count,
     * each view "rows 3 4" then rows*3 indices. */
    char *txt = fau_test_read_file(fau_test_models("model/tris_68.txt"), NULL);
    assert_non_null(txt);
    char *s = txt;
    int nums[4], got = 0;
    long views = -1;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        if (views < 0) {
            views = strtol(line, NULL, 10);
            assert_int_equal(m->main.n_tri_views, views);
            continue;
        }
        if (got < 4)
            nums[got++] = (int)strtol(line, NULL, 10);
        if (got == 4)
            break;
    }
    /* First view: rows, cols, type, then the first triangle's first vertex. */
    assert_int_equal(m->main.tris[0].n_triangles, nums[0]);
    assert_int_equal(nums[1], 3);
    assert_int_equal(m->main.tris[0].idx[0], nums[3]);
    free(txt);
    fau_landmark_models_free(&m);
    assert_null(m);
}

static void test_parts(void **state)
{
    fau_landmark_models *m = load_general();
    char lines[8][512];
    int n = count_lines("model/main_clnf_general.txt", "LandmarkDetector_part", lines, 8);
    assert_int_equal(m->n_parts, n);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++) {
        const fau_clnf_part *p = &m->parts[i];
        char *save, *tok = strtok_r(lines[i], " ", &save);
        char rel[600];
        snprintf(rel, sizeof rel, "model/%s", tok);
        tok = strtok_r(NULL, " ", &save);
        assert_string_equal(p->name, tok);
        int k = 0;
        while ((tok = strtok_r(NULL, " ", &save))) {
            int main_i = atoi(tok);
            tok = strtok_r(NULL, " ", &save);
            assert_non_null(tok);
            assert_true(k < p->n_map);
            assert_int_equal(p->map_main[k], main_i);
            assert_int_equal(p->map_part[k], atoi(tok));
            k++;
        }
        assert_int_equal(k, p->n_map);
        /* The part's PDM size: first number after the comment is 3 * points. */
        assert_int_equal(p->model.n_points, p->model.pdm->n_points);
        assert_true(p->model.n_scales >= 1);
        for (int s = 0; s < p->model.n_scales; s++)
            assert_int_equal(p->model.scales[s].n_points, p->model.n_points);
    }
    const fau_clnf_part *inner = fau_landmark_models_part(m, "inner");
    assert_non_null(inner);
    assert_int_equal(inner->model.n_points, 51);
    assert_int_equal(inner->n_map, 51);
    check_patches(&inner->model.scales[0], "model/model_inner/patch_experts/ccnf_patches_1.00_inner.txt");
    assert_int_equal(inner->n_windows, 1);
    assert_int_equal(inner->window_sizes[0], 9);
    assert_true(inner->sigma == 1.75f && inner->reg_factor == 2.5f && inner->weight_factor == 2.5f);
    const fau_clnf_part *le = fau_landmark_models_part(m, "left_eye_28");
    assert_non_null(le);
    assert_int_equal(le->model.n_points, 28);
    assert_int_equal(le->model.n_scales, 2);
    check_patches(&le->model.scales[0], "model/model_eye/patch_experts/left_ccnf_patches_1.00_synth_lid_.txt");
    check_patches(&le->model.scales[1], "model/model_eye/patch_experts/left_ccnf_patches_1.50_synth_lid_.txt");
    assert_int_equal(le->n_windows, 3);
    assert_true(le->sigma == 1.0f && le->reg_factor == 0.5f);
    const fau_clnf_part *re = fau_landmark_models_part(m, "right_eye_28");
    assert_non_null(re);
    check_patches(&re->model.scales[1], "model/model_eye/patch_experts/ccnf_patches_1.50_synth_lid_.txt");
    assert_true(m->eye_model);
    assert_null(fau_landmark_models_part(m, "mouth"));
    fau_landmark_models_free(&m);
}

static void test_validator(void **state)
{
    fau_landmark_models *m = load_general();
    assert_true(m->has_validator);
    const fau_validator *val = &m->validator;
    size_t len;
    unsigned char *buf =
        (unsigned char *)fau_test_read_file(fau_test_models("model/detection_validation/validator_cnn.txt"), &len);
    assert_non_null(buf);
    walk w = {buf, len, 0};
    assert_int_equal(w_i32(&w), 3);
    int views = w_i32(&w);
    assert_int_equal(val->n_views, views);
    for (int v = 0; v < views; v++) {
        size_t at = w_mat(&w, NULL, NULL, NULL);
        for (int k = 0; k < 3; k++)
            assert_true(val->views[v].orientation[k] == f64_at(&w, at + 8 * (size_t)k) * M_PI * (1.0 / 180.0));
    }
    for (int v = 0; v < views; v++) {
        const fau_validator_view *vv = &val->views[v];
        int r, c;
        size_t at = w_mat(&w, &r, &c, NULL);
        assert_int_equal(vv->n_pixels, r * c);
        assert_true(same_float(vv->mean_image[c - 1], (float)f64_at(&w, at + 8 * (size_t)(c - 1))));
        at = w_mat(&w, &r, &c, NULL);
        assert_true(same_float(vv->std_image[0], (float)f64_at(&w, at)));
        int depth = w_i32(&w);
        assert_int_equal(vv->n_layers, depth);
        for (int l = 0; l < depth; l++) {
            const fau_cnn_layer *L = &vv->layers[l];
            int type = w_i32(&w);
            assert_int_equal(L->type, type);
            if (type == 0) {
                int nin = w_i32(&w), nk = w_i32(&w);
                assert_int_equal(L->n_in, nin);
                assert_int_equal(L->n_kernels, nk);
                for (int k = 0; k < nk; k++) {
                    float b = f32_at(&w, w.p);
                    w.p += 4;
                    assert_true(same_float(L->biases[k], b));
                    assert_true(same_float(L->conv_weights[(size_t)(L->cw_rows - 1) * nk + k], b));
                }
                for (int in = 0; in < nin; in++)
                    for (int k = 0; k < nk; k++) {
                        size_t kat = w_mat(&w, &r, &c, NULL);
                        assert_int_equal(L->kh, r);
                        assert_int_equal(L->kw, c);
                        /* element (r=1, c=0) sits at row in*kh*kw + 0*kh + 1 */
                        float k10 = f32_at(&w, kat + 4 * (size_t)c);
                        assert_true(same_float(L->conv_weights[(size_t)(in * r * c + 1) * nk + k], k10));
                        assert_true(same_float(L->kernels[((size_t)in * nk + k) * r * c + c], k10));
                    }
            } else if (type == 2) {
                size_t bat = w_mat(&w, &r, &c, NULL);
                assert_int_equal(L->fc_out, r);
                assert_true(same_float(L->fc_bias[r - 1], f32_at(&w, bat + 4 * (size_t)(r - 1))));
                size_t wat = w_mat(&w, &r, &c, NULL);
                assert_int_equal(L->fc_in, r);
                assert_true(same_float(L->fc_weights[(size_t)r * c - 1], f32_at(&w, wat + 4 * ((size_t)r * c - 1))));
            }
        }
        assert_int_equal(vv->n_bins, 30);
        int npix = w_i32(&w);
        assert_int_equal(vv->paw.n_pixels, npix);
        assert_true(same_float(vv->paw.min_x, (float)w_f64(&w)));
        assert_true(same_float(vv->paw.min_y, (float)w_f64(&w)));
        at = w_mat(&w, &r, &c, NULL);
        assert_int_equal(vv->paw.n_landmarks * 2, r);
        assert_true(same_float(vv->paw.dst_landmarks[r - 1], (float)f64_at(&w, at + 8 * (size_t)(r - 1))));
        at = w_mat(&w, &r, &c, NULL);
        assert_int_equal(vv->paw.n_triangles, r);
        int32_t iv;
        memcpy(&iv, buf + at, 4);
        assert_int_equal(vv->paw.triangulation[0], iv);
        at = w_mat(&w, &r, &c, NULL);
        assert_int_equal(vv->paw.rows, r);
        assert_int_equal(vv->paw.cols, c);
        memcpy(&iv, buf + at + 4 * (size_t)(r * c / 2 + c / 2), 4);
        assert_int_equal(vv->paw.triangle_id[r * c / 2 + c / 2], iv);
        at = w_mat(&w, &r, &c, NULL);
        int inside = 0;
        for (int i = 0; i < r * c; i++) {
            memcpy(&iv, buf + at + 4 * (size_t)i, 4);
            assert_int_equal(vv->paw.pixel_mask[i], iv ? 1 : 0);
            inside += iv != 0;
        }
        assert_int_equal(inside, npix);
        at = w_mat(&w, &r, &c, NULL);
        assert_true(same_float(vv->paw.alpha[1], (float)f64_at(&w, at + 8)));
        at = w_mat(&w, &r, &c, NULL);
        assert_true(same_float(vv->paw.beta[2], (float)f64_at(&w, at + 16)));
    }
    assert_int_equal(w.p, len);
    free(buf);
    fau_landmark_models_free(&m);
}

static void test_load_time(void **state)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    fau_landmark_models *m = load_general();
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    print_message("landmark model set loaded in %.1f ms (%.1f MB of model data)\n", ms,
                  (double)m->arena.total / 1e6);
    fau_landmark_models_free(&m);
}

/* ---- error paths -------------------------------------------------------------- */

/* A models folder whose model/ is a tree of symlinks to the real files, so a
 * test can replace one file without copying 40 MB. */
static const char *link_tree(void)
{
    const char *dir = fau_test_tmpdir();
    assert_non_null(dir);
    static char out[4096];
    snprintf(out, sizeof out, "%s", dir);
    char cmd[9000];
    char real[4096];
    assert_non_null(realpath(fau_test_models_dir(), real));
    snprintf(cmd, sizeof cmd, "cp -rs '%s/model' '%s/model'", real, out);
    assert_int_equal(system(cmd), 0);
    return out;
}

/* Replaces dir/rel by the first keep bytes of the real file, then applies
 * an optional patch of n bytes at offset at. */
static void write_variant(const char *dir, const char *rel, size_t keep, size_t at,
                          const void *patch, size_t n)
{
    size_t len;
    char *buf = fau_test_read_file(fau_test_models(rel), &len);
    assert_non_null(buf);
    if (keep > len)
        keep = len;
    if (patch) {
        assert_true(at + n <= keep);
        memcpy(buf + at, patch, n);
    }
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    unlink(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, keep, f), keep);
    fclose(f);
    free(buf);
}

static int load_from(const char *dir, const char *main_rel, fau_error *e)
{
    fau_model_paths p;
    assert_int_equal(fau_models_locate(&p, dir, e), FAU_OK);
    fau_landmark_models *m = NULL;
    int rc = fau_landmark_models_load(&m, &p, main_rel, e);
    if (rc)
        assert_null(m);
    fau_landmark_models_free(&m);
    return rc;
}

static void expect(const char *dir, int code, const char *a, const char *b)
{
    fau_error e = {0};
    int rc = load_from(dir, "model/main_clnf_general.txt", &e);
    if (rc != code || (a && !strstr(e.msg, a)) || (b && !strstr(e.msg, b)))
        fprintf(stderr, "got %d: %s\n", rc, e.msg);
    assert_int_equal(rc, code);
    if (a)
        assert_non_null(strstr(e.msg, a));
    if (b)
        assert_non_null(strstr(e.msg, b));
}

static void test_missing_files(void **state)
{
    const char *dir = link_tree();
    char path[8192];
    /* Main file missing: the message lists where models were searched. */
    fau_error e = {0};
    assert_int_equal(load_from(dir, "model/no_such_main.txt", &e), FAU_ENOTFOUND);
    assert_non_null(strstr(e.msg, "no_such_main.txt"));
    assert_non_null(strstr(e.msg, "searched"));
    assert_non_null(strstr(e.msg, dir));
    /* A file named two levels down (the inner PDM). */
    snprintf(path, sizeof path, "%s/model/model_inner/pdms/pdm_51_inner.txt", dir);
    assert_int_equal(unlink(path), 0);
    expect(dir, FAU_ENOTFOUND, "model/model_inner/pdms/pdm_51_inner.txt", "searched");
    /* The validator. */
    write_variant(dir, "model/model_inner/pdms/pdm_51_inner.txt", (size_t)-1, 0, NULL, 0);
    snprintf(path, sizeof path, "%s/model/detection_validation/validator_cnn.txt", dir);
    assert_int_equal(unlink(path), 0);
    expect(dir, FAU_ENOTFOUND, "validator_cnn.txt", "searched");
}

static void test_ceclm_without_cen(void **state)
{
    fau_model_paths p = real_paths();
    fau_error e = {0};
    fau_landmark_models *m = NULL;
    assert_int_equal(fau_landmark_models_load(&m, &p, "model/main_ceclm_general.txt", &e),
                     FAU_ENOTFOUND);
    assert_null(m);
    assert_non_null(strstr(e.msg, "cen_patches_0.25_of.dat"));
    assert_non_null(strstr(e.msg, "CE-CLM"));
    assert_non_null(strstr(e.msg, "separately"));
    assert_non_null(strstr(e.msg, "main_clnf_general.txt"));
}

static void test_corrupt_text(void **state)
{
    const char *dir = link_tree();
    /* tris_68.txt cut in the middle of the first triangulation. */
    write_variant(dir, "model/tris_68.txt", 200, 0, NULL, 0);
    expect(dir, FAU_EFORMAT, "tris_68.txt", "line");
    /* a non-number among the indices */
    write_variant(dir, "model/tris_68.txt", (size_t)-1, 100, "x", 1);
    expect(dir, FAU_EFORMAT, "tris_68.txt", "line");
    write_variant(dir, "model/tris_68.txt", (size_t)-1, 0, NULL, 0);
    /* a PDM cut short */
    write_variant(dir, "model/pdms/In-the-wild_aligned_PDM_68.txt", 3000, 0, NULL, 0);
    expect(dir, FAU_EFORMAT, "In-the-wild_aligned_PDM_68.txt", "line");
    write_variant(dir, "model/pdms/In-the-wild_aligned_PDM_68.txt", (size_t)-1, 0, NULL, 0);
    /* a part line with a broken mapping */
    char path[8192];
    snprintf(path, sizeof path, "%s/model/main_clnf_general.txt", dir);
    unlink(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("LandmarkDetector clnf_general.txt\n"
          "LandmarkDetector_part model_eye/main_clnf_synth_left.txt left_eye_28 36 8 37\n",
          f);
    fclose(f);
    expect(dir, FAU_EFORMAT, "main_clnf_general.txt", "line 2");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("LandmarkDetector clnf_general.txt\n"
          "LandmarkDetector_part model_eye/main_clnf_synth_left.txt left_eye_28 36 8 37 99\n",
          f);
    fclose(f);
    expect(dir, FAU_EFORMAT, "left_eye_28", "99");
}

static void test_corrupt_binary(void **state)
{
    const char *dir = link_tree();
    const char *ccnf = "model/patch_experts/ccnf_patches_0.35_general.txt";
    /* truncated at several depths: header, centres, windows, experts, last byte */
    size_t cuts[] = {5, 10, 60, 1000, 300000, 2000000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_variant(dir, ccnf, cuts[i], 0, NULL, 0);
        expect(dir, FAU_EFORMAT, "ccnf_patches_0.35_general.txt", "byte");
    }
    size_t len;
    char *buf = fau_test_read_file(fau_test_models(ccnf), &len);
    free(buf);
    write_variant(dir, ccnf, len - 1, 0, NULL, 0);
    expect(dir, FAU_EFORMAT, "ccnf_patches_0.35_general.txt", "byte");
    /* absurd view count */
    int32_t big = 1 << 30;
    write_variant(dir, ccnf, (size_t)-1, 8, &big, 4);
    expect(dir, FAU_EFORMAT, "ccnf_patches_0.35_general.txt", "number of views");
    /* fewer views than stored: the rest is reported as unexpected data */
    int32_t six = 6;
    write_variant(dir, ccnf, (size_t)-1, 8, &six, 4);
    expect(dir, FAU_EFORMAT, "ccnf_patches_0.35_general.txt", "byte");
    write_variant(dir, ccnf, (size_t)-1, 0, NULL, 0);

    const char *val = "model/detection_validation/validator_cnn.txt";
    write_variant(dir, val, 100000, 0, NULL, 0);
    expect(dir, FAU_EFORMAT, "validator_cnn.txt", "byte");
    int32_t huge_views = 100000;
    write_variant(dir, val, (size_t)-1, 4, &huge_views, 4);
    expect(dir, FAU_EFORMAT, "validator_cnn.txt", "number of views");
    int32_t old_type = 2;
    write_variant(dir, val, (size_t)-1, 0, &old_type, 4);
    expect(dir, FAU_EUNSUPPORTED, "validator_cnn.txt", "type 2");
}

/* Cuts and byte flips all through a model file: every variant either loads
 * or fails cleanly with FAU_EFORMAT (the sanitizer build checks for bad
 * accesses). kind 0: CCNF patch file, 1: validator. */
static void fuzz_file(const char *rel, int kind, int iterations, size_t flip_span)
{
    size_t len;
    unsigned char *orig = (unsigned char *)fau_test_read_file(fau_test_models(rel), &len);
    assert_non_null(orig);
    const char *dir = fau_test_tmpdir();
    char path[8192];
    snprintf(path, sizeof path, "%s/p.txt", dir);
    unsigned char *buf = malloc(len);
    assert_non_null(buf);
    uint32_t seed = 12345;
    int failures = 0, half = iterations / 2;
    for (int it = 0; it < iterations; it++) {
        memcpy(buf, orig, len);
        seed = seed * 1664525u + 1013904223u;
        size_t keep = it < half ? (size_t)(seed % len) : len;
        if (it >= half) {
            /* flip a bit where the counts and headers are */
            size_t at = (seed >> 8) % (flip_span < len ? flip_span : len);
            buf[at] ^= (unsigned char)(1u << (seed % 8));
        }
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, keep, f), keep);
        fclose(f);
        fau_lm_arena a = {0};
        fau_error e = {0};
        int rc;
        if (kind == 0) {
            fau_ccnf_patches p;
            rc = fau_ccnf_patches_load(&p, &a, path, &e);
        } else {
            fau_validator v;
            rc = fau_validator_load(&v, &a, path, &e);
        }
        if (rc) {
            failures++;
            if (rc != FAU_EFORMAT && rc != FAU_EUNSUPPORTED)
                fail_msg("iteration %d: %d %s", it, rc, e.msg);
            assert_non_null(strstr(e.msg, "p.txt"));
        }
        fau_lm_arena_free(&a);
    }
    assert_true(failures >= half); /* every cut file fails */
    free(buf);
    free(orig);
}

static void test_fuzz_patch_file(void **state)
{
    fuzz_file("model/model_eye/patch_experts/ccnf_patches_1.50_synth_lid_.txt", 0, 200, 2048);
}

static void test_fuzz_validator(void **state)
{
    /* the first view's header, layers and PAW lie in the first ~300 KB */
    fuzz_file("model/detection_validation/validator_cnn.txt", 1, 60, 300000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_model),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_validator),
        cmocka_unit_test(test_load_time),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_ceclm_without_cen),
        cmocka_unit_test(test_corrupt_text),
        cmocka_unit_test(test_corrupt_binary),
        cmocka_unit_test(test_fuzz_patch_file),
        cmocka_unit_test(test_fuzz_validator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
