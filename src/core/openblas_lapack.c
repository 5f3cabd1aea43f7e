#include "core/openblas_lapack.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sposv_fn)(const char *uplo, const int *n, const int *nrhs, float *a,
                         const int *lda, float *b, const int *ldb, int *info);
typedef char *(*corename_fn)(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sposv_fn sposv_ptr;

/* Sets name=value for the load, remembering the previous value. */
static char *push_env(const char *name, const char *value)
{
    const char *old = getenv(name);
    char *saved = old ? strdup(old) : NULL;
    setenv(name, value, 1);
    return saved;
}

static void pop_env(const char *name, char *saved)
{
    if (saved) {
        setenv(name, saved, 1);
        free(saved);
    } else {
        unsetenv(name);
    }
}

static void load(void)
{
    char *core = push_env("OPENBLAS_CORETYPE", "Haswell");
    char *threads = push_env("OPENBLAS_NUM_THREADS", "1");
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    pop_env("OPENBLAS_CORETYPE", core);
    pop_env("OPENBLAS_NUM_THREADS", threads);
    if (!h)
        return;
    corename_fn corename = (corename_fn)dlsym(h, "openblas_get_corename");
    sposv_fn f = (sposv_fn)dlsym(h, "sposv_");
    const char *name = corename ? corename() : NULL;
    if (!f || !name || strcmp(name, "Haswell") != 0) {
        dlclose(h);
        return;
    }
    sposv_ptr = f; /* the handle stays open for the life of the process */
}

int fau_openblas_available(void)
{
    pthread_once(&once, load);
    return sposv_ptr != NULL;
}

int fau_openblas_sposv(int n, int nrhs, float *a, int lda, float *b, int ldb, int *info)
{
    if (!fau_openblas_available())
        return 0;
    sposv_ptr("L", &n, &nrhs, a, &lda, b, &ldb, info);
    return 1;
}
