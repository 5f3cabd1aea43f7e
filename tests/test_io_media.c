/* Media input against the shared media: every clip and image of
 * media/MANIFEST.tsv opens with the listed size, fps and frame count; video
 * timestamps equal the timestamp column of the golden CSVs; and the decoded
 * BGR and gray frames are byte-identical with OpenCV 4.6 (MD5s in
 * tests/data/opencv_frame_md5.tsv, made by tools/opencv_frame_md5.py with
 * Debian's python3-opencv, the OpenCV build of the goldens).
 * Without FFmpeg the videos must be refused with FAU_EUNSUPPORTED. */
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/media.h"

#ifdef FAU_HAVE_FFMPEG
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#endif

/* ------------------------------------------------------------------ MD5 */
/* RFC 1321, written out here so the test does not depend on FFmpeg. */
typedef struct md5_ctx {
    uint32_t s[4];
    uint64_t n;
    uint8_t buf[64];
} md5_ctx;

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const uint8_t md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(uint32_t s[4], const uint8_t *p)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) & 15;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) & 15;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) & 15;
        }
        uint32_t t = d;
        d = c;
        c = b;
        uint32_t x = a + f + md5_k[i] + m[g];
        b = b + (x << md5_r[i] | x >> (32 - md5_r[i]));
        a = t;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
}

static void md5_init(md5_ctx *c)
{
    c->s[0] = 0x67452301;
    c->s[1] = 0xefcdab89;
    c->s[2] = 0x98badcfe;
    c->s[3] = 0x10325476;
    c->n = 0;
}

static void md5_update(md5_ctx *c, const uint8_t *p, size_t len)
{
    size_t have = (size_t)(c->n & 63);
    c->n += len;
    if (have) {
        size_t take = 64 - have < len ? 64 - have : len;
        memcpy(c->buf + have, p, take);
        p += take;
        len -= take;
        if (have + take < 64)
            return;
        md5_block(c->s, c->buf);
    }
    for (; len >= 64; p += 64, len -= 64)
        md5_block(c->s, p);
    memcpy(c->buf, p, len);
}

static void md5_hex(md5_ctx *c, char out[33])
{
    uint64_t bits = c->n * 8;
    uint8_t pad = 0x80, zero = 0, lenb[8];
    md5_update(c, &pad, 1);
    while ((c->n & 63) != 56)
        md5_update(c, &zero, 1);
    for (int i = 0; i < 8; i++)
        lenb[i] = (uint8_t)(bits >> (8 * i));
    md5_update(c, lenb, 8);
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", (c->s[i / 4] >> (8 * (i % 4))) & 0xff);
}

static void frame_md5(const fau_frame *f, char bgr[33], char gray[33])
{
    md5_ctx c;
    md5_init(&c);
    for (int y = 0; y < f->height; y++)
        md5_update(&c, f->bgr + (size_t)y * f->bgr_stride, (size_t)f->width * 3);
    md5_hex(&c, bgr);
    md5_init(&c);
    for (int y = 0; y < f->height; y++)
        md5_update(&c, f->gray + (size_t)y * f->gray_stride, (size_t)f->width);
    md5_hex(&c, gray);
}

/* ------------------------------------------------------------ test data */

typedef struct ref_md5 {
    char file[128];
    long frame;
    int w, h;
    char bgr[33], gray[33];
} ref_md5;

static ref_md5 *refs;
static size_t nrefs;

static int have_ffmpeg(void)
{
    const char *v = getenv("FAU_HAVE_FFMPEG");
    return v ? atoi(v) != 0 : fau_media_have_ffmpeg();
}

static void load_refs(void)
{
    char path[4096];
    const char *src = getenv("FAU_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/data/opencv_frame_md5.tsv", src ? src : ".");
    char *text = fau_test_read_file(path, NULL);
    assert_non_null(text);
    size_t cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
            continue;
        if (nrefs == cap) {
            cap = cap ? cap * 2 : 128;
            refs = realloc(refs, cap * sizeof *refs);
            assert_non_null(refs);
        }
        ref_md5 *r = &refs[nrefs];
        assert_int_equal(sscanf(line, "%127[^\t]\t%ld\t%d\t%d\t%32s\t%32s", r->file, &r->frame,
                                &r->w, &r->h, r->bgr, r->gray),
                         6);
        nrefs++;
    }
    free(text);
    assert_true(nrefs > 20);
}

static const ref_md5 *find_ref(const char *file, long frame)
{
    for (size_t i = 0; i < nrefs; i++)
        if (refs[i].frame == frame && strcmp(refs[i].file, file) == 0)
            return &refs[i];
    return NULL;
}

/* Timestamp column of the golden CSV of a clip (3 decimals, as printed). */
static char **golden_timestamps(const char *clip, size_t *n)
{
    char rel[512];
    snprintf(rel, sizeof rel, "golden/%s", clip);
    char *dot = strrchr(rel, '.');
    assert_non_null(dot);
    strcpy(dot, ".csv");
    char *text = fau_test_read_file(fau_test_shared(rel), NULL);
    assert_non_null(text);
    char **out = NULL;
    size_t cnt = 0, cap = 0;
    char *save = NULL;
    int col = -1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fs = NULL;
        int i = 0;
        char *val = NULL;
        for (char *tok = strtok_r(line, ",", &fs); tok; tok = strtok_r(NULL, ",", &fs), i++) {
            while (*tok == ' ')
                tok++;
            if (col < 0 && strcmp(tok, "timestamp") == 0) {
                col = i;
                break;
            }
            if (i == col) {
                val = tok;
                break;
            }
        }
        if (!val)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 512;
            out = realloc(out, cap * sizeof *out);
            assert_non_null(out);
        }
        out[cnt++] = strdup(val);
    }
    assert_true(col >= 0);
    free(text);
    *n = cnt;
    return out;
}

typedef struct manifest_row {
    char file[256];
    int w, h;
    double fps; /* 0 for images */
    long frames; /* -1 for images */
} manifest_row;

static manifest_row *read_manifest(size_t *n)
{
    char *text = fau_test_read_file(fau_test_shared("media/MANIFEST.tsv"), NULL);
    assert_non_null(text);
    manifest_row *rows = NULL;
    size_t cnt = 0, cap = 0;
    char *save = NULL;
    int first = 1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (first) { /* header */
            first = 0;
            continue;
        }
        char *fields[9] = {0};
        int nf = 0;
        char *p = line;
        while (nf < 9) {
            fields[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (nf < 7)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 32;
            rows = realloc(rows, cap * sizeof *rows);
            assert_non_null(rows);
        }
        manifest_row *r = &rows[cnt];
        snprintf(r->file, sizeof r->file, "%s", fields[0]);
        /* "480x360", with ASCII x or U+00D7 */
        assert_int_equal(sscanf(fields[4], "%d", &r->w), 1);
        const char *q = fields[4];
        while (*q >= '0' && *q <= '9')
            q++;
        while (*q && (*q < '0' || *q > '9'))
            q++;
        assert_int_equal(sscanf(q, "%d", &r->h), 1);
        r->fps = strcmp(fields[5], "-") == 0 ? 0.0 : atof(fields[5]);
        r->frames = strcmp(fields[6], "-") == 0 ? -1 : atol(fields[6]);
        cnt++;
    }
    free(text);
    *n = cnt;
    return rows;
}

/* ----------------------------------------------------------------- tests */

static void check_video(const manifest_row *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", fau_test_shared("media"));
    strncat(path, "/", sizeof path - strlen(path) - 1);
    strncat(path, r->file, sizeof path - strlen(path) - 1);
    fau_media *m = NULL;
    fau_error e = {0};
    if (!have_ffmpeg()) {
        assert_int_equal(fau_media_open(&m, path, NULL, &e), FAU_EUNSUPPORTED);
        assert_null(m);
        assert_non_null(strstr(e.msg, path));
        assert_non_null(strstr(e.msg, "FFmpeg"));
        return;
    }
    fau_media_open_opts o = {0, 0};
    int rc = fau_media_open(&m, path, &o, &e);
    if (rc != 0)
        print_error("%s: %s\n", r->file, e.msg);
    assert_int_equal(rc, 0);
    const fau_media_info *in = fau_media_get_info(m);
    assert_int_equal(in->kind, FAU_MEDIA_VIDEO);
    assert_int_equal(in->width, r->w);
    assert_int_equal(in->height, r->h);
    /* MANIFEST rounds fps to 3 decimals (23.976, 26.398). */
    assert_true(fabs(in->fps - r->fps) < 5e-4);

    size_t nts = 0;
    char **ts = golden_timestamps(r->file, &nts);
    assert_int_equal((long)nts, r->frames);

    fau_frame f = {0};
    long n = 0, checked = 0;
    while ((rc = fau_media_next(m, &f, &e)) == 1) {
        assert_int_equal(f.width, r->w);
        assert_int_equal(f.height, r->h);
        assert_int_equal(f.index, n);
        assert_true(n < (long)nts);
        char buf[64];
        snprintf(buf, sizeof buf, "%.3f", f.timestamp);
        if (strcmp(buf, ts[n]) != 0)
            fail_msg("%s frame %ld: timestamp %s, golden %s", r->file, n, buf, ts[n]);
        const ref_md5 *ref = find_ref(r->file, n);
        if (ref) {
            char b[33], g[33];
            frame_md5(&f, b, g);
            if (strcmp(b, ref->bgr) != 0 || strcmp(g, ref->gray) != 0)
                fail_msg("%s frame %ld: BGR/gray MD5 %s/%s differ from OpenCV's %s/%s", r->file, n,
                         b, g, ref->bgr, ref->gray);
            checked++;
        }
        n++;
    }
    if (rc < 0)
        print_error("%s: %s\n", r->file, e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(n, r->frames);
    assert_true(checked >= 3);
    for (size_t i = 0; i < nts; i++)
        free(ts[i]);
    free(ts);
    fau_frame_free(&f);
    fau_media_close(&m);
    assert_null(m);
}

static void check_image(const manifest_row *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fau_test_shared("media"), r->file);
    fau_frame f = {0};
    fau_error e = {0};
    assert_int_equal(fau_image_load(path, &f, &e), 0);
    assert_int_equal(f.width, r->w);
    assert_int_equal(f.height, r->h);
    const ref_md5 *ref = find_ref(r->file, 0);
    assert_non_null(ref);
    char b[33], g[33];
    frame_md5(&f, b, g);
    if (strcmp(b, ref->bgr) != 0 || strcmp(g, ref->gray) != 0)
        fail_msg("%s: BGR/gray MD5 %s/%s differ from OpenCV imread's %s/%s", r->file, b, g,
                 ref->bgr, ref->gray);

    /* The same file through fau_media_open: one frame, timestamp 0. */
    fau_media *m = NULL;
    assert_int_equal(fau_media_open(&m, path, NULL, &e), 0);
    const fau_media_info *in = fau_media_get_info(m);
    assert_int_equal(in->kind, FAU_MEDIA_IMAGE);
    assert_int_equal(in->width, r->w);
    assert_int_equal(in->height, r->h);
    fau_frame f2 = {0};
    assert_int_equal(fau_media_next(m, &f2, &e), 1);
    assert_true(f2.timestamp == 0.0);
    assert_string_equal(fau_media_current_path(m), path);
    frame_md5(&f2, b, g);
    assert_string_equal(b, ref->bgr);
    assert_int_equal(fau_media_next(m, &f2, &e), 0);
    fau_media_close(&m);
    fau_frame_free(&f2);
    fau_frame_free(&f);
}

static void test_manifest_videos(void **state)
{
    size_t n = 0;
    manifest_row *rows = read_manifest(&n);
    int videos = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].frames < 0)
            continue;
        check_video(&rows[i]);
        videos++;
    }
    assert_true(videos >= 8);
    free(rows);
}

static void test_manifest_images(void **state)
{
    size_t n = 0;
    manifest_row *rows = read_manifest(&n);
    int images = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].frames >= 0)
            continue;
        check_image(&rows[i]);
        images++;
    }
    assert_true(images >= 10);
    free(rows);
}

/* Frames after the first reuse the buffers: same pointers, same capacity. */
static void test_buffer_reuse(void **state)
{
    if (!have_ffmpeg())
        skip();
    fau_media *m = NULL;
    fau_error e = {0};
    assert_int_equal(fau_media_open(&m, fau_test_shared("media/video01.mp4"), NULL, &e), 0);
    fau_frame f = {0};
    assert_int_equal(fau_media_next(m, &f, &e), 1);
    uint8_t *b = f.bgr, *g = f.gray;
    size_t bc = f.bgr_cap, gc = f.gray_cap;
    assert_true(((uintptr_t)b & 63) == 0 && (f.bgr_stride & 63) == 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(fau_media_next(m, &f, &e), 1);
        assert_ptr_equal(f.bgr, b);
        assert_ptr_equal(f.gray, g);
        assert_int_equal(f.bgr_cap, bc);
        assert_int_equal(f.gray_cap, gc);
    }
    fau_frame_free(&f);
    fau_media_close(&m);
}

#ifdef FAU_HAVE_FFMPEG
/* Copies the first packets of video01.mp4 (stream copy) into an MP4 whose
 * video stream carries a display matrix with av_display_rotation_get() ==
 * degrees: what `ffmpeg -c copy -metadata:s:v rotate=degrees` writes. */
static void remux_rotated(const char *out, int degrees, int npackets)
{
    AVFormatContext *in = NULL, *oc = NULL;
    assert_int_equal(avformat_open_input(&in, fau_test_shared("media/video01.mp4"), NULL, NULL), 0);
    assert_true(avformat_find_stream_info(in, NULL) >= 0);
    int vi = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    assert_true(vi >= 0);
    assert_true(avformat_alloc_output_context2(&oc, NULL, "mp4", out) >= 0);
    AVStream *os = avformat_new_stream(oc, NULL);
    assert_non_null(os);
    assert_true(avcodec_parameters_copy(os->codecpar, in->streams[vi]->codecpar) >= 0);
    os->codecpar->codec_tag = 0;
    os->time_base = in->streams[vi]->time_base;
    uint8_t *sd = av_stream_new_side_data(os, AV_PKT_DATA_DISPLAYMATRIX, sizeof(int32_t) * 9);
    assert_non_null(sd);
    av_display_rotation_set((int32_t *)sd, -degrees); /* set() is clockwise, get() not */
    assert_true(avio_open(&oc->pb, out, AVIO_FLAG_WRITE) >= 0);
    assert_true(avformat_write_header(oc, NULL) >= 0);
    AVPacket *pkt = av_packet_alloc();
    int n = 0;
    while (n < npackets && av_read_frame(in, pkt) >= 0) {
        if (pkt->stream_index == vi) {
            av_packet_rescale_ts(pkt, in->streams[vi]->time_base, os->time_base);
            pkt->stream_index = 0;
            pkt->pos = -1;
            assert_true(av_interleaved_write_frame(oc, pkt) >= 0);
            n++;
        }
        av_packet_unref(pkt);
    }
    assert_true(av_write_trailer(oc) >= 0);
    av_packet_free(&pkt);
    avio_closep(&oc->pb);
    avformat_free_context(oc);
    avformat_close_input(&in);
}
#endif

/* Display-matrix rotation is applied as OpenCV 4.6 applies it (angle =
 * cvRound(av_display_rotation_get), frame turned that many degrees
 * clockwise); frames equal OpenCV's MD5s for ffmpeg-tagged copies. */
static void test_rotation(void **state)
{
#ifdef FAU_HAVE_FFMPEG
    const char *dir = fau_test_tmpdir();
    static const int angles[] = {90, 180, 270};
    for (int a = 0; a < 3; a++) {
        char path[4096], key[64];
        snprintf(path, sizeof path, "%s/rot%d.mp4", dir, angles[a]);
        snprintf(key, sizeof key, "video01.mp4@rotate=%d", angles[a]);
        remux_rotated(path, angles[a], 30);
        fau_media *m = NULL;
        fau_error e = {0};
        assert_int_equal(fau_media_open(&m, path, NULL, &e), 0);
        const fau_media_info *in = fau_media_get_info(m);
        assert_int_equal(in->rotation, angles[a]);
        fau_frame f = {0};
        for (long k = 0; k < 3; k++) {
            assert_int_equal(fau_media_next(m, &f, &e), 1);
            const ref_md5 *ref = find_ref(key, k);
            assert_non_null(ref);
            assert_int_equal(f.width, ref->w);
            assert_int_equal(f.height, ref->h);
            assert_int_equal(in->width, ref->w);
            char b[33], g[33];
            frame_md5(&f, b, g);
            if (strcmp(b, ref->bgr) != 0 || strcmp(g, ref->gray) != 0)
                fail_msg("%s frame %ld differs from OpenCV", key, k);
        }
        fau_frame_free(&f);
        fau_media_close(&m);
    }
#else
    skip();
#endif
}

int main(void)
{
    fau_media_quiet_backend_logs();
    load_refs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_images),
        cmocka_unit_test(test_manifest_videos),
        cmocka_unit_test(test_buffer_reuse),
        cmocka_unit_test(test_rotation),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(refs);
    return rc;
}
