/* The bad-input corpus (shared/bad, see its README.md): every entry must be
 * refused by fau_media_open or fau_media_next with a negative status and a
 * one-line message that quotes the path intact (spaces, UTF-8) and says
 * what is wrong. Reading is bounded: a damaged file must end in an error,
 * never in a silent short read or an endless loop. */
#include "testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/media.h"

static int have_ffmpeg(void)
{
    const char *v = getenv("FAU_HAVE_FFMPEG");
    return v ? atoi(v) != 0 : fau_media_have_ffmpeg();
}

/* Opens and reads path to the end; returns the first negative status, or
 * the number of frames (>= 0) if nothing failed. */
static int read_all(const char *path, fau_error *e, long *frames)
{
    fau_media *m = NULL;
    *frames = 0;
    int rc = fau_media_open(&m, path, NULL, e);
    if (rc < 0) {
        assert_null(m);
        return rc;
    }
    fau_frame f = {0};
    while ((rc = fau_media_next(m, &f, e)) == 1) {
        (*frames)++;
        assert_true(*frames < 100000);
    }
    fau_frame_free(&f);
    fau_media_close(&m);
    return rc < 0 ? rc : 0;
}

typedef struct expect {
    const char *name;
    const char *needle;      /* a word the message must hold (FFmpeg build) */
    int code;                /* expected status, 0 = any negative */
} expect;

static const expect expected[] = {
    {"empty.mp4", "empty", FAU_EFORMAT},
    {"bomb_20000x20000.png", "20000x20000", FAU_ENOMEM},
    {"one_pixel.png", "too small", FAU_EFORMAT},
    {"zero_height.png", "64x0", FAU_EFORMAT},
    {"zero_height.jpg", "size", FAU_EFORMAT},
    {"truncated.jpg", "truncated", FAU_EFORMAT},
    {"truncated.png", "truncated", FAU_EFORMAT},
    {"random_bytes.jpg", "JPEG", FAU_EFORMAT},
    {"random_bytes.png", "PNG", FAU_EFORMAT},
    {"bad_signature.png", "signature", FAU_EFORMAT},
    {"bad_ihdr.png", "IHDR", FAU_EFORMAT},
    {"bad_header.y4m", "y4m header", FAU_EFORMAT},
    {"directory_named_like.mp4", "no images", FAU_EFORMAT},
    {"audio_only.m4a", "no video stream", 0},
    {"audio_only.wav", "no video stream", 0},
    {"corrupt_middle.mp4", "decod", FAU_EDECODE},
    {"bad_sample_table.mp4", "decoded", 0},
    {"truncated_first30k.mp4", "no moov box", FAU_EFORMAT},
    {"box_size_overflow.mp4", "no moov box", FAU_EFORMAT},
    {"clip with spaces \xc3\xbcn\xc3\xaf\x63\xc3\xb8\x64\xc3\xa9 \xe9\xa1\x94.mp4", "no moov box",
     FAU_EFORMAT},
    {"random_bytes.mp4", "not a readable video", FAU_EFORMAT},
    {"text_file.avi", "not a readable video", FAU_EFORMAT},
};

static const expect *find_expect(const char *name)
{
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (strcmp(expected[i].name, name) == 0)
            return &expected[i];
    return NULL;
}

static int is_video_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcmp(dot, ".mp4") || !strcmp(dot, ".m4a") || !strcmp(dot, ".wav") ||
                   !strcmp(dot, ".avi"));
}

static void test_bad_corpus(void **state)
{
    const char *dir = fau_test_shared("bad");
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", dir);
    DIR *d = opendir(dirbuf);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    size_t matched = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "README.md") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dirbuf, de->d_name);
        fau_error e = {0};
        long frames = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = read_all(path, &e, &frames);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        print_message("%-34s rc=%d frames=%ld %.3fs: %s\n", de->d_name, rc, frames, dt, e.msg);
        if (rc >= 0)
            fail_msg("%s was accepted (%ld frames)", de->d_name, frames);
        assert_int_equal(e.code, rc);
        /* One line, quoting the path exactly as given. */
        char quoted[4200];
        snprintf(quoted, sizeof quoted, "\"%s\"", path);
        if (!strstr(e.msg, quoted))
            fail_msg("%s: message does not quote the path: %s", de->d_name, e.msg);
        assert_null(strchr(e.msg, '\n'));
        assert_true(strlen(e.msg) > strlen(quoted) + 8);
        assert_true(dt < 10.0);
        const expect *x = find_expect(de->d_name);
        struct stat st;
        int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        if (!have_ffmpeg() && is_video_name(de->d_name) && !is_dir && st.st_size > 0) {
            /* No FFmpeg: refused as unsupported before any parsing. */
            assert_int_equal(rc, FAU_EUNSUPPORTED);
            assert_non_null(strstr(e.msg, "FFmpeg"));
        } else if (x) {
            matched++;
            if (x->code)
                assert_int_equal(rc, x->code);
            if (!strstr(e.msg, x->needle))
                fail_msg("%s: message lacks '%s': %s", de->d_name, x->needle, e.msg);
        }
        n++;
    }
    closedir(d);
    assert_true(n >= 20);
    /* Every named expectation met its file (the UTF-8 name included). */
    if (have_ffmpeg())
        assert_int_equal(matched, sizeof expected / sizeof expected[0]);
}

/* The damaged clip decodes 14 good frames first; by default the error is
 * fatal, with allow_decode_errors the undecodable frames are skipped. */
static void test_corrupt_middle_policy(void **state)
{
    if (!have_ffmpeg())
        skip();
    const char *path = fau_test_shared("bad/corrupt_middle.mp4");
    fau_error e = {0};
    fau_media *m = NULL;
    fau_media_open_opts o = {1, 1};
    assert_int_equal(fau_media_open(&m, path, &o, &e), 0);
    fau_frame f = {0};
    long n = 0;
    int rc;
    while ((rc = fau_media_next(m, &f, &e)) == 1)
        n++;
    assert_int_equal(rc, 0);
    /* Fewer frames than the container lists: some were undecodable. */
    assert_true(n > 14);
    assert_true(n < fau_media_get_info(m)->frame_count);
    fau_media_close(&m);
    /* An error is sticky. */
    o.allow_decode_errors = 0;
    assert_int_equal(fau_media_open(&m, path, &o, &e), 0);
    while ((rc = fau_media_next(m, &f, &e)) == 1)
        ;
    assert_int_equal(rc, FAU_EDECODE);
    fau_error e2 = {0};
    assert_int_equal(fau_media_next(m, &f, &e2), FAU_EDECODE);
    assert_non_null(strstr(e2.msg, "corrupt_middle.mp4"));
    fau_media_close(&m);
    fau_frame_free(&f);
}

static void test_missing_file(void **state)
{
    fau_error e = {0};
    fau_media *m = NULL;
    assert_int_equal(fau_media_open(&m, "/nonexistent/dir/clip.mp4", NULL, &e), FAU_ENOTFOUND);
    assert_non_null(strstr(e.msg, "\"/nonexistent/dir/clip.mp4\""));
    fau_frame f = {0};
    fau_error_clear(&e);
    assert_int_equal(fau_image_load("/nonexistent/x.png", &f, &e), FAU_ENOTFOUND);
    fau_media_close(&m); /* NULL is fine */
    fau_media_close(NULL);
    fau_frame_free(&f);
}

int main(void)
{
    fau_media_quiet_backend_logs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_corrupt_middle_policy),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
