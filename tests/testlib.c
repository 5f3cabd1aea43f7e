#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char slots[8][4096];
static int next_slot;

static const char *join(const char *base, const char *rel)
{
    char *s = slots[next_slot++ & 7];
    snprintf(s, sizeof slots[0], "%s/%s", base, rel);
    return s;
}

const char *fau_test_shared(const char *rel)
{
    const char *d = getenv("FAU_SHARED_DIR");
    return join(d ? d : "../shared", rel);
}

const char *fau_test_models_dir(void)
{
    const char *d = getenv("FACEAU_MODELS");
    return d ? d : fau_test_shared("openface-models");
}

const char *fau_test_models(const char *rel)
{
    return join(fau_test_models_dir(), rel);
}

const char *fau_test_tmpdir(void)
{
    char *s = slots[next_slot++ & 7];
    const char *t = getenv("TMPDIR");
    snprintf(s, sizeof slots[0], "%s/faceau-test-XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(s))
        return NULL;
    return s;
}

char *fau_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    rewind(f);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}
