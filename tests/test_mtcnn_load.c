/* Loading OpenFace's MTCNN model files (FaceDetectorMTCNN::Read,
 * CNN::Read): layer structure and values against the bytes of the .dat
 * files, and malformed, truncated or missing files rejected with
 * FAU_EFORMAT / FAU_ENOTFOUND naming the file and byte offset. The broken
 * copies are made at test time in a temporary folder. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "detect/cnn.h"
#include "detect/mtcnn.h"

#define DIR_REL "model/mtcnn_detector/"

static int32_t i32_at(const char *d, size_t off)
{
    int32_t v;
    memcpy(&v, d + off, 4);
    return v;
}

static float f32_at(const char *d, size_t off)
{
    float v;
    memcpy(&v, d + off, 4);
    return v;
}

/* Layer types and sizes as written in the files; first conv values checked
 * against the raw bytes (bias block, then kernel [in 0][k 0] as a 3x3
 * matrix stored row-major with a 12-byte header). */
static void test_structure(void **state)
{
    static const int types_p[] = {0, 3, 1, 0, 3, 0, 3, 2};
    static const int types_r[] = {0, 3, 1, 0, 3, 1, 0, 3, 2, 3, 2};
    static const int types_o[] = {0, 3, 1, 0, 3, 1, 0, 3, 1, 0, 3, 2, 3, 2};
    const struct {
        const char *file;
        const int *types;
        int n, conv1_out, fc_last_out;
    } nets[] = {{"PNet.dat", types_p, 8, 10, 6},
                {"RNet.dat", types_r, 11, 28, 6},
                {"ONet.dat", types_o, 14, 32, 16}};
    for (int i = 0; i < 3; i++) {
        const char *path = fau_test_models(DIR_REL "PNet.dat");
        char rel[128];
        snprintf(rel, sizeof rel, DIR_REL "%s", nets[i].file);
        path = fau_test_models(rel);
        size_t len;
        char *raw = fau_test_read_file(path, &len);
        assert_non_null(raw);
        fau_cnn net;
        fau_error e = {0};
        assert_int_equal(fau_cnn_load(&net, path, "net", &e), FAU_OK);
        assert_int_equal(net.n_layers, i32_at(raw, 0));
        assert_int_equal(net.n_layers, nets[i].n);
        for (int l = 0; l < net.n_layers; l++)
            assert_int_equal(net.layers[l].type, nets[i].types[l]);
        const fau_cnn_layer *c = &net.layers[0];
        assert_int_equal(c->in_maps, i32_at(raw, 8));
        assert_int_equal(c->in_maps, 3);
        assert_int_equal(c->out_maps, i32_at(raw, 12));
        assert_int_equal(c->out_maps, nets[i].conv1_out);
        assert_int_equal(c->kh, 3);
        assert_int_equal(c->kw, 3);
        for (int k = 0; k < c->out_maps; k++)
            assert_true(c->bias[k] == f32_at(raw, 16 + 4 * (size_t)k));
        size_t m0 = 16 + 4 * (size_t)c->out_maps; /* kernel [0][0] */
        assert_int_equal(i32_at(raw, m0), 3);
        assert_int_equal(i32_at(raw, m0 + 4), 3);
        assert_int_equal(i32_at(raw, m0 + 8), 5);
        /* weight index x*kh + y holds kernel(y, x) (transposed flatten) */
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                assert_true(c->weights[x * 3 + y] == f32_at(raw, m0 + 12 + 4 * (size_t)(y * 3 + x)));
        /* kernel [in 0][k 1] goes to output map 1 */
        size_t m1 = m0 + 12 + 36;
        assert_true(c->weights[c->k_len] == f32_at(raw, m1 + 12));
        /* kernel [in 1][k 0] goes to map 0, second block of 9 */
        size_t m10 = m0 + (size_t)c->out_maps * 48;
        assert_true(c->weights[9] == f32_at(raw, m10 + 12));
        const fau_cnn_layer *fc = &net.layers[net.n_layers - 1];
        assert_int_equal(fc->fc_out, nets[i].fc_last_out);
        fau_cnn_shape in = {3, 12 << i, 12 << i}, out;
        assert_int_equal(fau_cnn_infer(&net, in, &out, NULL, NULL, &e), FAU_OK);
        if (i == 0) {
            assert_int_equal(out.c, 6);
            assert_int_equal(out.h, 1);
            assert_int_equal(out.w, 1);
        } else {
            assert_int_equal(out.c * out.h * out.w, nets[i].fc_last_out);
        }
        fau_cnn_free(&net);
        free(raw);
    }
}

/* Writes a detector folder in tmp: MTCNN_detector.txt plus the three nets,
 * `file` replaced by len bytes of data, the others linked to the models. */
static const char *make_dir(const char *file, const char *data, size_t len)
{
    const char *dir = fau_test_tmpdir();
    assert_non_null(dir);
    static char path[4096];
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/MTCNN_detector.txt", dir);
    FILE *f = fopen(buf, "wb");
    assert_non_null(f);
    fputs("PNet PNet.dat\nRNet RNet.dat\r\nONet ONet.dat\n", f);
    fclose(f);
    const char *names[] = {"PNet.dat", "RNet.dat", "ONet.dat"};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "%s/%s", dir, names[i]);
        if (file && !strcmp(file, names[i])) {
            f = fopen(buf, "wb");
            assert_non_null(f);
            if (len)
                assert_int_equal(fwrite(data, 1, len, f), len);
            fclose(f);
        } else {
            char rel[128];
            snprintf(rel, sizeof rel, DIR_REL "%s", names[i]);
            assert_int_equal(symlink(fau_test_models(rel), buf), 0);
        }
    }
    snprintf(path, sizeof path, "%s/MTCNN_detector.txt", dir);
    return path;
}

static void expect_format_error_at(const char *file, const char *data, size_t len, const char *what,
                                   int need_byte)
{
    const char *path = make_dir(file, data, len);
    fau_mtcnn *m = (fau_mtcnn *)(uintptr_t)1;
    fau_error e = {0};
    int rc = fau_mtcnn_load_file(&m, path, &e);
    if (rc != FAU_EFORMAT)
        fail_msg("%s (%s, %zu bytes): got %d, message '%s'", what, file, len, rc, e.msg);
    assert_null(m);
    assert_non_null(strstr(e.msg, file));
    if (need_byte)
        assert_non_null(strstr(e.msg, "byte"));
}

static void expect_format_error(const char *file, const char *data, size_t len, const char *what)
{
    expect_format_error_at(file, data, len, what, 1);
}

static void test_truncated(void **state)
{
    const char *names[] = {"PNet.dat", "RNet.dat", "ONet.dat"};
    for (int i = 0; i < 3; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, DIR_REL "%s", names[i]);
        size_t len;
        char *raw = fau_test_read_file(fau_test_models(rel), &len);
        assert_non_null(raw);
        const size_t cuts[] = {0, 1, 4, 7, 8, 15, 16, 60, 100, len / 3, len / 2, len - 4, len - 1};
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++)
            expect_format_error(names[i], raw, cuts[c], "truncated");
        free(raw);
    }
}

static void test_corrupt(void **state)
{
    size_t len;
    char *raw = fau_test_read_file(fau_test_models(DIR_REL "PNet.dat"), &len);
    assert_non_null(raw);
    char *bad = malloc(len + 8);
    assert_non_null(bad);
    const struct {
        size_t off;
        int32_t val;
        const char *what;
    } edits[] = {
        {0, 0, "zero depth"},
        {0, 100000, "huge depth"},
        {0, -3, "negative depth"},
        {4, 9, "unknown layer type"},
        {8, 0, "zero input maps"},
        {8, 4, "4 input maps for a 3-channel image"},
        {12, -1, "negative kernel count"},
        {12, 1 << 30, "huge kernel count"},
        {56, 0, "zero kernel rows"},
        {56, 1 << 20, "huge kernel rows"},
        {60, 4, "kernel size differs"},
        {64, 6, "double kernel"},
        {64, 77, "unknown matrix type"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(bad, raw, len);
        memcpy(bad + edits[i].off, &edits[i].val, 4);
        expect_format_error("PNet.dat", bad, len, edits[i].what);
    }
    /* trailing bytes after the last layer */
    memcpy(bad, raw, len);
    memset(bad + len, 0, 8);
    expect_format_error("PNet.dat", bad, len + 8, "trailing bytes");
    /* a NaN bias */
    memcpy(bad, raw, len);
    const float nan_v = __builtin_nanf("");
    memcpy(bad + 16, &nan_v, 4);
    expect_format_error("PNet.dat", bad, len, "NaN bias");
    /* PNet's layers in RNet's place give 6 maps, not one vector: the file
     * parses but cannot be RNet (no byte offset to name) */
    expect_format_error_at("RNet.dat", raw, len, "PNet as RNet", 0);
    free(bad);
    free(raw);
}

static void test_missing(void **state)
{
    fau_mtcnn *m = NULL;
    fau_error e = {0};
    assert_int_equal(fau_mtcnn_load_file(&m, "/nonexistent/MTCNN_detector.txt", &e), FAU_ENOTFOUND);
    assert_null(m);
    assert_non_null(strstr(e.msg, "/nonexistent/MTCNN_detector.txt"));

    /* a module file missing */
    const char *path = make_dir(NULL, NULL, 0);
    char dat[4096];
    snprintf(dat, sizeof dat, "%s", path);
    strcpy(strrchr(dat, '/') + 1, "ONet.dat");
    assert_int_equal(unlink(dat), 0);
    memset(&e, 0, sizeof e);
    assert_int_equal(fau_mtcnn_load_file(&m, path, &e), FAU_ENOTFOUND);
    assert_non_null(strstr(e.msg, "ONet.dat"));
    assert_null(m);

    /* a module line missing */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("PNet PNet.dat\nRNet RNet.dat\n", f);
    fclose(f);
    memset(&e, 0, sizeof e);
    assert_int_equal(fau_mtcnn_load_file(&m, path, &e), FAU_EFORMAT);
    assert_non_null(strstr(e.msg, "ONet"));
    assert_null(m);
}

/* The AVX2+FMA and generic convolutions give bit-identical activations
 * (checked when this CPU has AVX2+FMA; both run the generic code otherwise). */
static void test_simd_identical(void **state)
{
    const char *names[] = {"PNet.dat", "RNet.dat", "ONet.dat"};
    const int sides[][2] = {{97, 61}, {24, 24}, {48, 48}};
    srand(7);
    for (int i = 0; i < 3; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, DIR_REL "%s", names[i]);
        fau_cnn net;
        fau_error e = {0};
        assert_int_equal(fau_cnn_load(&net, fau_test_models(rel), names[i], &e), FAU_OK);
        fau_cnn_shape in = {3, sides[i][1], sides[i][0]}, out;
        size_t mx, mc;
        assert_int_equal(fau_cnn_infer(&net, in, &out, &mx, &mc, &e), FAU_OK);
        size_t n_in = (size_t)3 * in.h * in.w;
        float *x = malloc(n_in * sizeof(float));
        float *b[2][3];
        for (int v = 0; v < 2; v++) {
            b[v][0] = fau_aligned_alloc(mx * sizeof(float));
            b[v][1] = fau_aligned_alloc(mx * sizeof(float));
            b[v][2] = fau_aligned_alloc(mc * sizeof(float));
        }
        for (size_t k = 0; k < n_in; k++)
            x[k] = (float)(rand() % 256) * 0.0078125f - 0.99609375f;
        const float *o[2];
        fau_cnn_shape os[2];
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < net.n_layers; l++)
                if (net.layers[l].type == FAU_CNN_CONV || net.layers[l].type == FAU_CNN_FC)
                    net.layers[l].fma = v == 0 ? 0 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
            o[v] = fau_cnn_run(&net, x, in, b[v][0], b[v][1], b[v][2], &os[v]);
        }
        assert_memory_equal(&os[0], &os[1], sizeof os[0]);
        assert_memory_equal(o[0], o[1], (size_t)os[0].c * os[0].h * os[0].w * sizeof(float));
        for (int v = 0; v < 2; v++)
            for (int k = 0; k < 3; k++)
                fau_aligned_free(b[v][k]);
        free(x);
        fau_cnn_free(&net);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_simd_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
