#include "core/models_manifest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/models_path.h"
#include "core/modelio.h"
#include "core/sha256.h"

const char *fau_model_file_status_str(fau_model_file_status s)
{
    switch (s) {
    case FAU_MODEL_FILE_OK: return "ok";
    case FAU_MODEL_FILE_MISSING: return "missing";
    case FAU_MODEL_FILE_SIZE_MISMATCH: return "size mismatch";
    case FAU_MODEL_FILE_CHECKSUM_MISMATCH: return "checksum mismatch";
    case FAU_MODEL_FILE_UNREADABLE: return "unreadable";
    }
    return "unknown";
}

typedef struct entry {
    char sha[65];
    uint64_t size;
    const char *path; /* into the manifest text */
    int line;
} entry;

/* Parses one non-comment line in place; 0 on success. */
static int parse_line(char *s, entry *en)
{
    for (int i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        en->sha[i] = (char)tolower((unsigned char)s[i]);
    }
    en->sha[64] = '\0';
    s += 64;
    if (*s != ' ' && *s != '\t')
        return -1;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || (*end != ' ' && *end != '\t'))
        return -1;
    en->size = v;
    s = end;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    /* Relative paths inside the folder only. */
    if (!n || s[0] == '/' || !strncmp(s, "../", 3) || strstr(s, "/../"))
        return -1;
    en->path = s;
    return 0;
}

/* Digest of the file at path; returns 0, or -1 on a read error. */
static int hash_file(const char *path, char hex[65], uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fau_sha256 s;
    fau_sha256_init(&s);
    unsigned char buf[1 << 14];
    size_t n;
    *bytes = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        fau_sha256_update(&s, buf, n);
        *bytes += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    unsigned char d[32];
    fau_sha256_final(&s, d);
    fau_sha256_hex(d, hex);
    return 0;
}

static int check_entry(const char *models_dir, const entry *en, fau_model_file_report *rep,
                       char actual[65])
{
    char path[FAU_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", models_dir, en->path);
    actual[0] = '\0';
    rep->rel_path = en->path;
    rep->expected_size = en->size;
    rep->expected_sha256 = en->sha;
    rep->actual_sha256 = actual;
    rep->actual_size = 0;
    struct stat st;
    if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return rep->status = FAU_MODEL_FILE_MISSING;
    rep->actual_size = (uint64_t)st.st_size;
    if (rep->actual_size != en->size)
        return rep->status = FAU_MODEL_FILE_SIZE_MISMATCH;
    uint64_t got;
    if (hash_file(path, actual, &got) != 0) {
        actual[0] = '\0';
        return rep->status = FAU_MODEL_FILE_UNREADABLE;
    }
    rep->actual_size = got;
    if (got != en->size)
        return rep->status = FAU_MODEL_FILE_SIZE_MISMATCH;
    return rep->status = strcmp(actual, en->sha) ? FAU_MODEL_FILE_CHECKSUM_MISMATCH
                                                 : FAU_MODEL_FILE_OK;
}

int fau_models_verify(const char *models_dir, const char *manifest_path, fau_models_verify_cb cb,
                      void *user, fau_error *e)
{
    FAU_CHECK_ARG(e, models_dir != NULL && manifest_path != NULL);
    struct stat st;
    if (stat(models_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fau_error_set(e, FAU_ENOTFOUND, "models folder %s not found; %s", models_dir,
                             FAU_MODELS_HINT);
    fau_reader r;
    int rc = fau_reader_open(&r, manifest_path, e);
    if (rc)
        return rc;
    entry *list = NULL;
    int total = 0, cap = 0;
    int counts[FAU_MODEL_FILE_UNREADABLE + 1] = {0};
    /* Parse the whole manifest first so that a malformed one checks nothing
     * and the callback knows the total. */
    for (char *s = r.data, *next; s < r.data + r.len; s = next) {
        char *nl = strchr(s, '\n');
        next = nl ? nl + 1 : r.data + r.len;
        if (nl)
            *nl = '\0';
        r.line++;
        int lineno = r.line - 1;
        const char *t = s;
        while (*t == ' ' || *t == '\t' || *t == '\r')
            t++;
        if (!*t || *t == '#')
            continue;
        if (total == cap) {
            int ncap = cap ? cap * 2 : 256;
            entry *nl2 = ncap < 1000000 ? realloc(list, (size_t)ncap * sizeof *list) : NULL;
            if (!nl2) {
                rc = fau_error_set(e, FAU_ENOMEM, "%s: too many entries", manifest_path);
                goto done;
            }
            list = nl2;
            cap = ncap;
        }
        entry *en = &list[total];
        if (parse_line(s, en)) {
            rc = fau_error_set(e, FAU_EFORMAT,
                               "%s: line %d: expected \"<sha256>  <size>  <relative path>\"",
                               manifest_path, lineno);
            goto done;
        }
        en->line = lineno;
        total++;
    }
    if (total == 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "%s: no entries", manifest_path);
        goto done;
    }
    for (int i = 0; i < total; i++) {
        fau_model_file_report rep = {0};
        char actual[65];
        rep.index = i;
        rep.total = total;
        counts[check_entry(models_dir, &list[i], &rep, actual)]++;
        if (cb && cb(user, &rep)) {
            rc = fau_error_set(e, FAU_EINVAL, "model check stopped by the caller");
            goto done;
        }
    }
    int bad = counts[FAU_MODEL_FILE_SIZE_MISMATCH] + counts[FAU_MODEL_FILE_CHECKSUM_MISMATCH] +
              counts[FAU_MODEL_FILE_UNREADABLE];
    if (bad || counts[FAU_MODEL_FILE_MISSING])
        rc = fau_error_set(e, bad ? FAU_EFORMAT : FAU_ENOTFOUND,
                           "%s: %d of %d model files failed the check (%d missing, %d size "
                           "mismatch, %d checksum mismatch, %d unreadable); %s",
                           models_dir, total - counts[FAU_MODEL_FILE_OK], total,
                           counts[FAU_MODEL_FILE_MISSING], counts[FAU_MODEL_FILE_SIZE_MISMATCH],
                           counts[FAU_MODEL_FILE_CHECKSUM_MISMATCH],
                           counts[FAU_MODEL_FILE_UNREADABLE], FAU_MODELS_HINT);
done:
    free(list);
    fau_reader_close(&r);
    return rc;
}
