/* YUV4MPEG2 (.y4m) reader, usable without FFmpeg. The stream header is
 * parsed strictly (W and H positive decimal integers, F n:d with both
 * positive, a known C colourspace; anything else is refused with the
 * offending token named). 8-bit 4:2:0 (420, 420jpeg, 420mpeg2, 420paldv),
 * 4:4:4 and mono are read; frames are converted with fau_yuv_to_bgr, which
 * reproduces the swscale conversion that the FFmpeg path (and OpenCV) uses,
 * so the same YUV gives the same BGR through either path. A missing F
 * means 25 fps, as FFmpeg's yuv4mpegpipe demuxer assumes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "io/media_internal.h"

#define Y4M_MAX_HEADER 4096

typedef struct y4m_state {
    char *path;
    FILE *fp;
    int w, h;
    fau_yuv_layout layout;
    size_t ysize, csize, frame_bytes;
    uint8_t *buf; /* one frame of planes, reused */
    int64_t frames;
} y4m_state;

static void y4m_close(void *st)
{
    y4m_state *s = st;
    if (!s)
        return;
    if (s->fp)
        fclose(s->fp);
    fau_aligned_free(s->buf);
    free(s->path);
    free(s);
}

/* Reads one '\n'-terminated line of at most cap-1 bytes; returns its length
 * (without the newline), -1 at EOF before any byte, -2 if too long or EOF
 * in the middle. */
static long read_line(FILE *fp, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        int ch = fgetc(fp);
        if (ch == EOF)
            return n == 0 ? -1 : -2;
        if (ch == '\n')
            break;
        if (n + 1 >= cap)
            return -2;
        line[n++] = (char)ch;
    }
    line[n] = '\0';
    return (long)n;
}

static int parse_pos_int(const char *s, long long *out)
{
    if (!*s)
        return -1;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > 1000000000LL)
            return -1;
    }
    *out = v;
    return 0;
}

static int parse_ratio(const char *s, long long *n, long long *d)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return -1;
    char a[32];
    size_t la = (size_t)(colon - s);
    if (la == 0 || la >= sizeof a)
        return -1;
    memcpy(a, s, la);
    a[la] = '\0';
    if (parse_pos_int(a, n) || parse_pos_int(colon + 1, d))
        return -1;
    return 0;
}

static int y4m_next(void *st, fau_frame *f, fau_error *e)
{
    y4m_state *s = st;
    char line[Y4M_MAX_HEADER];
    long n = read_line(s->fp, line, sizeof line);
    if (n == -1)
        return 0;
    if (n < 5 || memcmp(line, "FRAME", 5) != 0 || (line[5] != '\0' && line[5] != ' '))
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": frame %lld has no valid FRAME header",
                             s->path, (long long)s->frames);
    if (fread(s->buf, 1, s->frame_bytes, s->fp) != s->frame_bytes)
        return fau_error_set(e, FAU_EFORMAT, "\"%s\": frame %lld is truncated (file ends early)",
                             s->path, (long long)s->frames);
    int rc = fau_frame_reserve(f, s->w, s->h, e, s->path);
    if (rc < 0)
        return rc;
    size_t cw = s->layout == FAU_YUV420 ? (size_t)(s->w + 1) / 2 : (size_t)s->w;
    const uint8_t *y = s->buf, *u = s->buf + s->ysize, *v = u + s->csize;
    fau_yuv_to_bgr(s->layout, 0, y, (size_t)s->w, u, cw, v, cw, s->w, s->h, f->bgr, f->bgr_stride);
    fau_frame_bgr_to_gray(f);
    s->frames++;
    return 1;
}

static const char *y4m_current_path(const void *st)
{
    return ((const y4m_state *)st)->path;
}

int fau_y4m_open(fau_media_reader *r, fau_media_info *info, const char *path, fau_error *e)
{
    int rc = FAU_OK;
    char line[Y4M_MAX_HEADER];
    y4m_state *s = calloc(1, sizeof *s);
    if (!s)
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
    s->path = strdup(path);
    if (!s->path) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto fail;
    }
    s->fp = fopen(path, "rb");
    if (!s->fp) {
        rc = fau_error_set(e, errno == ENOENT ? FAU_ENOTFOUND : FAU_EIO, "\"%s\": cannot open: %s",
                           path, strerror(errno));
        goto fail;
    }
    long n = read_line(s->fp, line, sizeof line);
    if (n < 9 || memcmp(line, "YUV4MPEG2", 9) != 0 || (line[9] != '\0' && line[9] != ' ')) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": not a YUV4MPEG2 file (bad stream header)",
                           path);
        goto fail;
    }
    long long w = -1, h = -1, fn = 25, fd = 1;
    const char *cs = "420jpeg";
    char csbuf[64];
    char *save = NULL;
    for (char *tok = strtok_r(line + 9, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        const char *val = tok + 1;
        switch (tok[0]) {
        case 'W':
            if (parse_pos_int(val, &w) || w <= 0) {
                rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": y4m header has an invalid width '%s'",
                                   path, tok);
                goto fail;
            }
            break;
        case 'H':
            if (parse_pos_int(val, &h) || h <= 0) {
                rc = fau_error_set(e, FAU_EFORMAT,
                                   "\"%s\": y4m header has an invalid height '%s'", path, tok);
                goto fail;
            }
            break;
        case 'F':
            if (parse_ratio(val, &fn, &fd) || fn <= 0 || fd <= 0) {
                rc = fau_error_set(e, FAU_EFORMAT,
                                   "\"%s\": y4m header has an invalid frame rate '%s'", path, tok);
                goto fail;
            }
            break;
        case 'C':
            snprintf(csbuf, sizeof csbuf, "%s", val);
            cs = csbuf;
            break;
        case 'I':
            if (strlen(val) != 1 || !strchr("ptbm?", val[0])) {
                rc = fau_error_set(e, FAU_EFORMAT,
                                   "\"%s\": y4m header has an invalid interlacing '%s'", path, tok);
                goto fail;
            }
            break;
        case 'A': {
            long long an, ad;
            if (parse_ratio(val, &an, &ad)) {
                rc = fau_error_set(e, FAU_EFORMAT,
                                   "\"%s\": y4m header has an invalid aspect ratio '%s'", path,
                                   tok);
                goto fail;
            }
            break;
        }
        case 'X':
            break; /* extensions (XYSCSS, XCOLORRANGE) do not change swscale's output */
        default:
            rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": y4m header has an unknown field '%s'", path,
                               tok);
            goto fail;
        }
    }
    if (w < 0 || h < 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": y4m header lacks %s", path,
                           w < 0 ? "a width (W)" : "a height (H)");
        goto fail;
    }
    if (!strcmp(cs, "420jpeg") || !strcmp(cs, "420mpeg2") || !strcmp(cs, "420paldv") ||
        !strcmp(cs, "420")) {
        s->layout = FAU_YUV420;
    } else if (!strcmp(cs, "444")) {
        s->layout = FAU_YUV444;
    } else if (!strcmp(cs, "mono")) {
        s->layout = FAU_YUV_MONO;
    } else if (!strcmp(cs, "422") || !strcmp(cs, "411") || !strcmp(cs, "444alpha") ||
               !strncmp(cs, "420p", 4) || !strncmp(cs, "422p", 4) || !strncmp(cs, "444p", 4) ||
               !strncmp(cs, "mono1", 5)) {
        rc = fau_error_set(e, FAU_EUNSUPPORTED,
                           "\"%s\": y4m colourspace C%s is not supported (8-bit 420, 444 and mono "
                           "only)",
                           path, cs);
        goto fail;
    } else {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": y4m header has an unknown colourspace 'C%s'",
                           path, cs);
        goto fail;
    }
    rc = fau_check_image_size(path, w, h, e);
    if (rc < 0)
        goto fail;
    s->w = (int)w;
    s->h = (int)h;
    s->ysize = (size_t)w * (size_t)h;
    s->csize = s->layout == FAU_YUV420   ? ((size_t)w + 1) / 2 * (((size_t)h + 1) / 2)
               : s->layout == FAU_YUV444 ? s->ysize
                                         : 0;
    if (fau_add_size(s->ysize, 2 * s->csize, &s->frame_bytes)) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": frame size overflows", path);
        goto fail;
    }
    s->buf = fau_aligned_alloc(s->frame_bytes);
    if (!s->buf) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto fail;
    }

    struct stat st;
    long header_end = ftell(s->fp);
    int64_t count = -1;
    if (fstat(fileno(s->fp), &st) == 0 && header_end > 0 && st.st_size >= header_end)
        count = (int64_t)((size_t)(st.st_size - header_end) / (s->frame_bytes + 6));

    info->kind = FAU_MEDIA_VIDEO;
    info->width = s->w;
    info->height = s->h;
    info->fps = (double)fn / (double)fd;
    info->frame_count = count;
    info->rotation = 0;
    strcpy(info->codec, "y4m");
    r->state = s;
    r->next = y4m_next;
    r->current_path = y4m_current_path;
    r->close = y4m_close;
    return FAU_OK;
fail:
    y4m_close(s);
    return rc;
}
