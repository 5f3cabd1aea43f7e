/* Image directory as a frame sequence (OpenFace -fdir), as
 * Utilities::SequenceCapture::OpenImageSequence builds it: every entry of
 * the directory whose extension (boost::filesystem::path::extension, case
 * sensitive) is .jpg, .jpeg, .png or .bmp, ordered by std::sort on the
 * boost paths. For entries of one directory that is plain byte-wise order
 * of the file names (strcmp), not a "natural" numeric sort: frame10.png
 * comes before frame2.png, exactly as OpenFace processes them. Each frame
 * is read like cv::imread(IMREAD_COLOR); timestamps are 0. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "io/media_internal.h"

/* Upper bound on directory entries scanned, so a huge or looping directory
 * cannot hang or exhaust memory. */
#define FAU_SEQ_MAX_ENTRIES 10000000

typedef struct seq_state {
    char **files; /* full paths, sorted */
    size_t n, cap, next;
    const char *current;
} seq_state;

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* boost::filesystem (v3) extension(): from the last '.' of the file name,
 * empty for "." and "..". */
static int is_image_name(const char *name)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    return strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0 || strcmp(dot, ".png") == 0 ||
           strcmp(dot, ".bmp") == 0;
}

static void seq_close(void *st)
{
    seq_state *s = st;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->files[i]);
    free(s->files);
    free(s);
}

static int seq_next(void *st, fau_frame *f, fau_error *e)
{
    seq_state *s = st;
    if (s->next >= s->n)
        return 0;
    s->current = s->files[s->next++];
    int rc = fau_image_load(s->current, f, e);
    return rc < 0 ? rc : 1;
}

static const char *seq_current_path(const void *st)
{
    const seq_state *s = st;
    return s->current ? s->current : (s->n ? s->files[0] : "");
}

int fau_sequence_open(fau_media_reader *r, fau_media_info *info, const char *dir, fau_error *e)
{
    int rc = FAU_OK;
    fau_frame first = {0};
    seq_state *s = calloc(1, sizeof *s);
    if (!s)
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", dir);
    DIR *dp = opendir(dir);
    if (!dp) {
        rc = fau_error_set(e, FAU_EIO, "\"%s\": cannot read directory", dir);
        goto fail;
    }
    size_t dlen = strlen(dir);
    int need_slash = dlen == 0 || dir[dlen - 1] != '/';
    struct dirent *de;
    size_t scanned = 0;
    while ((de = readdir(dp)) != NULL) {
        if (++scanned > FAU_SEQ_MAX_ENTRIES) {
            rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": more than %d directory entries", dir,
                               FAU_SEQ_MAX_ENTRIES);
            goto fail;
        }
        if (!is_image_name(de->d_name))
            continue;
        if (s->n == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 64;
            char **nf = realloc(s->files, nc * sizeof *nf);
            if (!nf) {
                rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", dir);
                goto fail;
            }
            s->files = nf;
            s->cap = nc;
        }
        size_t nlen = strlen(de->d_name);
        char *p = malloc(dlen + 1 + nlen + 1);
        if (!p) {
            rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", dir);
            goto fail;
        }
        memcpy(p, dir, dlen);
        size_t o = dlen;
        if (need_slash)
            p[o++] = '/';
        memcpy(p + o, de->d_name, nlen + 1);
        s->files[s->n++] = p;
    }
    closedir(dp);
    dp = NULL;
    if (s->n == 0) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "\"%s\": directory holds no images (.jpg, .jpeg, .png or .bmp)", dir);
        goto fail;
    }
    qsort(s->files, s->n, sizeof *s->files, cmp_path);

    /* OpenImageSequence reads the first image for the frame size. */
    rc = fau_image_load(s->files[0], &first, e);
    if (rc < 0)
        goto fail;
    info->kind = FAU_MEDIA_SEQUENCE;
    info->width = first.width;
    info->height = first.height;
    info->fps = 0;
    info->frame_count = (int64_t)s->n;
    info->rotation = 0;
    strcpy(info->codec, "images");
    fau_frame_free(&first);
    r->state = s;
    r->next = seq_next;
    r->current_path = seq_current_path;
    r->close = seq_close;
    return FAU_OK;
fail:
    if (dp)
        closedir(dp);
    fau_frame_free(&first);
    seq_close(s);
    return rc;
}
