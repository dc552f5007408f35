/* ast.c - arena, growable arrays and diagnostics plumbing for the syntax tree. */
#include "ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One malloc'd block per allocation, chained; freed together. */
typedef struct idl_chunk {
    struct idl_chunk *next;
    max_align_t data[];
} idl_chunk;

struct idl_arena {
    idl_chunk *chunks;
};

void *idl_alloc(idl_file *f, size_t size)
{
    idl_chunk *c = calloc(1, sizeof(idl_chunk) + size);
    if (!c) {
        abort(); /* out of memory in a compiler: nothing sensible to recover */
    }
    c->next = f->arena->chunks;
    f->arena->chunks = c;
    return c->data;
}

char *idl_strdup(idl_file *f, const char *s, size_t len)
{
    char *p = idl_alloc(f, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void idl_push(idl_file *f, void ***items, size_t *n, void *item)
{
    /* Capacity doubles at powers of two; the old array stays in the arena. */
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 4;
        void **grown = idl_alloc(f, cap * sizeof(void *));
        if (*n) {
            memcpy(grown, *items, *n * sizeof(void *));
        }
        *items = grown;
    }
    (*items)[(*n)++] = item;
}

idl_file *idl_file_new(const char *path)
{
    idl_file *f = calloc(1, sizeof *f);
    if (!f || !(f->arena = calloc(1, sizeof *f->arena))) {
        abort();
    }
    f->path = idl_strdup(f, path, strlen(path));
    return f;
}

void idl_file_free(idl_file *f)
{
    if (!f) {
        return;
    }
    idl_chunk *c = f->arena->chunks;
    while (c) {
        idl_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(f->arena);
    free(f);
}

void idl_report(const idl_sink *sink, idl_severity sev, idl_loc loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sink && sink->report) {
        sink->report(sink->user, sev, loc, msg);
    }
}
