/* SHA-256 against the FIPS 180-2 examples and fau_models_verify against the
 * real models folder and a doctored small copy. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/models_manifest.h"
#include "core/sha256.h"

static void hex_of(const void *data, size_t len, char hex[65])
{
    unsigned char d[32];
    fau_sha256_buf(data, len, d);
    fau_sha256_hex(d, hex);
}

/* FIPS 180-2, appendix B (SHA-256 examples), plus the empty message. */
static void test_sha256_vectors(void **state)
{
    char hex[65];
    hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m2, strlen(m2), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    hex_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* one million 'a', fed in uneven pieces to exercise the buffering */
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    fau_sha256 s;
    fau_sha256_init(&s);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        fau_sha256_update(&s, a + done, n);
        done += n;
        step = step * 7 % 1013 + 1;
    }
    unsigned char d[32];
    fau_sha256_final(&s, d);
    fau_sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    hex_of(a, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    /* lengths around the 55/56/64-byte padding boundaries agree between
     * one-shot and byte-by-byte hashing */
    unsigned char msg[130];
    for (int i = 0; i < 130; i++)
        msg[i] = (unsigned char)(i * 31 + 7);
    for (size_t len = 50; len < 130; len++) {
        char one[65];
        hex_of(msg, len, one);
        fau_sha256_init(&s);
        for (size_t i = 0; i < len; i++)
            fau_sha256_update(&s, msg + i, 1);
        fau_sha256_final(&s, d);
        fau_sha256_hex(d, hex);
        assert_string_equal(one, hex);
    }
}

static const char *manifest_path(void)
{
    static char p[4096];
    const char *src = getenv("FAU_SOURCE_DIR");
    snprintf(p, sizeof p, "%s/data/models.sha256", src ? src : ".");
    return p;
}

typedef struct {
    int n, ok;
    int status[16];
    char path[16][256];
    int total;
} collect;

static int on_file(void *user, const fau_model_file_report *r)
{
    collect *c = user;
    if (r->status == FAU_MODEL_FILE_OK) {
        c->ok++;
        assert_string_equal(r->expected_sha256, r->actual_sha256);
        assert_true(r->expected_size == r->actual_size);
    }
    if (c->n < 16) {
        c->status[c->n] = r->status;
        snprintf(c->path[c->n], sizeof c->path[0], "%s", r->rel_path);
    }
    assert_int_equal(r->index, c->n);
    c->n++;
    c->total = r->total;
    return 0;
}

/* Counts manifest entries and checks that it covers every model file. */
static void test_verify_real(void **state)
{
    collect c = {0};
    fau_error e = {0};
    int rc = fau_models_verify(fau_test_models_dir(), manifest_path(), on_file, &c, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, FAU_OK);
    assert_int_equal(c.ok, c.n);
    assert_int_equal(c.total, c.n);
    /* the manifest lists the landmark and AU models the pipeline loads */
    char *txt = fau_test_read_file(manifest_path(), NULL);
    assert_non_null(txt);
    assert_non_null(strstr(txt, "  model/main_clnf_general.txt\n"));
    assert_non_null(strstr(txt, "  model/patch_experts/ccnf_patches_0.25_general.txt\n"));
    assert_non_null(strstr(txt, "  model/mtcnn_detector/ONet.dat\n"));
    assert_non_null(strstr(txt, "  AU_predictors/main_static_svms.txt\n"));
    int lines = 0;
    for (char *s = txt; *s; s++)
        if (*s == '\n' && s[1] && s[1] != '#')
            lines++;
    assert_int_equal(lines, c.n); /* header lines are comments */
    free(txt);
}

/* Manifest line for rel from the repository manifest. */
static void manifest_line(const char *rel, char *out, size_t len)
{
    char *txt = fau_test_read_file(manifest_path(), NULL);
    assert_non_null(txt);
    char key[512];
    snprintf(key, sizeof key, "  %s\n", rel);
    char *hit = strstr(txt, key);
    assert_non_null(hit);
    char *start = hit;
    while (start > txt && start[-1] != '\n')
        start--;
    size_t n = (size_t)(hit - start) + strlen(key);
    assert_true(n < len);
    memcpy(out, start, n);
    out[n] = '\0';
    free(txt);
}

static void copy_file(const char *rel, const char *dir, size_t keep, long flip_at)
{
    size_t len;
    char *buf = fau_test_read_file(fau_test_models(rel), &len);
    assert_non_null(buf);
    if (keep < len)
        len = keep;
    if (flip_at >= 0)
        buf[flip_at] ^= 1;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    assert_int_equal(system(cmd), 0);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    free(buf);
}

static void test_verify_damaged(void **state)
{
    const char *dir = fau_test_tmpdir();
    assert_non_null(dir);
    char d[4096];
    snprintf(d, sizeof d, "%s", dir);
    const char *files[] = {"model/haarAlign.txt", "model/tris_68.txt",
                           "model/model_eye/main_clnf_synth_left.txt",
                           "AU_predictors/AU_all_best.txt"};
    char man[8192] = "# test manifest\n\n", line[1024];
    for (int i = 0; i < 4; i++) {
        manifest_line(files[i], line, sizeof line);
        strcat(man, line);
    }
    copy_file(files[0], d, (size_t)-1, -1);  /* intact */
    copy_file(files[1], d, 500, -1);         /* truncated */
    /* files[2] missing */
    copy_file(files[3], d, (size_t)-1, 10);  /* same size, one bit flipped */
    char mpath[8192];
    snprintf(mpath, sizeof mpath, "%s/test.sha256", d);
    FILE *f = fopen(mpath, "w");
    assert_non_null(f);
    fputs(man, f);
    fclose(f);

    collect c = {0};
    fau_error e = {0};
    assert_int_equal(fau_models_verify(d, mpath, on_file, &c, &e), FAU_EFORMAT);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.status[0], FAU_MODEL_FILE_OK);
    assert_int_equal(c.status[1], FAU_MODEL_FILE_SIZE_MISMATCH);
    assert_int_equal(c.status[2], FAU_MODEL_FILE_MISSING);
    assert_int_equal(c.status[3], FAU_MODEL_FILE_CHECKSUM_MISMATCH);
    for (int i = 0; i < 4; i++)
        assert_string_equal(c.path[i], files[i]);
    assert_non_null(strstr(e.msg, "3 of 4"));
    assert_non_null(strstr(e.msg, "1 missing"));

    /* only a missing file: FAU_ENOTFOUND */
    copy_file(files[1], d, (size_t)-1, -1);
    copy_file(files[3], d, (size_t)-1, -1);
    memset(&c, 0, sizeof c);
    fau_error_clear(&e);
    assert_int_equal(fau_models_verify(d, mpath, on_file, &c, &e), FAU_ENOTFOUND);
    assert_int_equal(c.ok, 3);
    assert_string_equal(fau_model_file_status_str(c.status[2]), "missing");

    /* malformed manifest line: FAU_EFORMAT naming the manifest and line */
    f = fopen(mpath, "a");
    assert_non_null(f);
    fputs("nothex  12  model/x.txt\n", f);
    fclose(f);
    fau_error_clear(&e);
    assert_int_equal(fau_models_verify(d, mpath, NULL, NULL, &e), FAU_EFORMAT);
    assert_non_null(strstr(e.msg, "test.sha256"));
    assert_non_null(strstr(e.msg, "line 7"));

    /* missing manifest / folder */
    fau_error_clear(&e);
    assert_int_equal(fau_models_verify(d, "/nonexistent/models.sha256", NULL, NULL, &e),
                     FAU_ENOTFOUND);
    fau_error_clear(&e);
    assert_int_equal(fau_models_verify("/nonexistent/models", mpath, NULL, NULL, &e),
                     FAU_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_verify_real),
        cmocka_unit_test(test_verify_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
