/* The .hog and BMP writers (output/hog.h, output/bmp.h) byte for byte
 * against OpenFace's files: the golden values re-written must give the
 * golden bytes. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "output/bmp.h"
#include "output/hog.h"

static void test_hog_roundtrip(void **state)
{
    size_t len = 0;
    char *ref = fau_test_read_file(fau_test_shared("golden/full/video01/video01.hog"), &len);
    assert_non_null(ref);
    const size_t fsz = 16 + 4 * 4464;
    const int nf = 20;
    assert_true(len >= fsz * nf);
    char path[1024];
    snprintf(path, sizeof path, "%s/out.hog", fau_test_tmpdir());
    fau_error e = {0};
    fau_hog_writer *w = NULL;
    assert_int_equal(fau_hog_writer_open(&w, path, &e), 0);
    for (int f = 0; f < nf; f++) {
        float good;
        int32_t hdr[3];
        memcpy(hdr, ref + f * fsz, 12);
        memcpy(&good, ref + f * fsz + 12, 4);
        float *vals = malloc(4 * 4464);
        memcpy(vals, ref + f * fsz + 16, 4 * 4464);
        assert_int_equal(fau_hog_writer_write(w, vals, hdr[1], hdr[0], hdr[2], good > 0, &e), 0);
        free(vals);
    }
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0); /* not visible before close */
    assert_int_equal(fau_hog_writer_close(&w, &e), 0);
    assert_null(w);
    size_t ol = 0;
    char *out = fau_test_read_file(path, &ol);
    assert_int_equal(ol, fsz * nf);
    assert_memory_equal(out, ref, fsz * nf);
    free(out);
    free(ref);

    /* abort leaves nothing behind */
    snprintf(path, sizeof path, "%s/aborted.hog", fau_test_tmpdir());
    assert_int_equal(fau_hog_writer_open(&w, path, &e), 0);
    fau_hog_writer_abort(&w);
    assert_int_not_equal(stat(path, &st), 0);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(stat(tmp, &st), 0);
    /* unwritable place */
    assert_int_equal(fau_hog_writer_open(&w, "/nonexistent/dir/x.hog", &e), FAU_EIO);
    assert_non_null(strstr(e.msg, "/nonexistent/dir/x.hog"));
}

static void test_bmp_roundtrip(void **state)
{
    const char *frames[] = {"golden/full/video01/video01_aligned/frame_det_00_000001.bmp",
                            "golden/full/gaze_eyes_vp9/gaze_eyes_vp9_aligned/frame_det_00_000078.bmp"};
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        char *ref = fau_test_read_file(fau_test_shared(frames[i]), &len);
        assert_non_null(ref);
        assert_int_equal(len, fau_bmp_size(112, 112, 3));
        uint8_t *img = malloc(112 * 336);
        for (int y = 0; y < 112; y++)
            memcpy(img + y * 336, ref + 54 + (111 - y) * 336, 336);
        char path[1024];
        snprintf(path, sizeof path, "%s/f%d.bmp", fau_test_tmpdir(), i);
        fau_error e = {0};
        assert_int_equal(fau_bmp_write(path, img, 112, 112, 336, 3, &e), 0);
        size_t ol = 0;
        char *out = fau_test_read_file(path, &ol);
        assert_int_equal(ol, len);
        assert_memory_equal(out, ref, len);
        free(out);
        free(img);
        free(ref);
    }
}

static void test_bmp_gray_and_padding(void **state)
{
    /* 8-bit: 1078-byte header with a grey palette; odd widths pad rows to 4 */
    uint8_t img[5 * 3];
    for (int i = 0; i < 15; i++)
        img[i] = (uint8_t)(i * 10);
    assert_int_equal(fau_bmp_size(5, 3, 1), 1078 + 8 * 3);
    uint8_t *buf = malloc(fau_bmp_size(5, 3, 1));
    fau_bmp_encode(img, 5, 3, 5, 1, buf);
    assert_int_equal(buf[10] | buf[11] << 8, 1078);
    assert_int_equal(buf[28], 8);
    for (int i = 0; i < 256; i++) {
        assert_int_equal(buf[54 + 4 * i], i);
        assert_int_equal(buf[54 + 4 * i + 2], i);
        assert_int_equal(buf[54 + 4 * i + 3], 0);
    }
    /* bottom-up: first stored row is the last image row */
    assert_int_equal(buf[1078], img[10]);
    assert_int_equal(buf[1078 + 5], 0);
    assert_int_equal(buf[1078 + 8], img[5]);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hog_roundtrip),
        cmocka_unit_test(test_bmp_roundtrip),
        cmocka_unit_test(test_bmp_gray_and_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
