/*
 * load.c - a .job file and the files it imports: each read, parsed and checked
 * once, imported files before their importers, so an importer's checks see the
 * declarations (and C names) of everything it imports. An import path is looked
 * up beside the importing file, then in each -I directory, as protoc does.
 * Cycles and missing files are errors at the import, in the importer's own
 * diagnostics; every file reports to its own sink, so a note about a declaration
 * of another file shows that file's line.
 */
#include "jobc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads a whole regular file of at most JOBC_INPUT_MAX bytes; NULL with why it could not
   (a phrase to follow the file's name) in why[cap]. */
char *jobc_read_input(const char *path, size_t *len, char *why, size_t cap)
{
    const size_t max = JOBC_INPUT_MAX;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, cap, "cannot be read: %s", strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        if (S_ISREG(st.st_mode)) snprintf(why, cap, "is larger than %zu MiB, the limit for an input", max >> 20);
        else snprintf(why, cap, "is not a regular file");
        close(fd);
        return NULL;
    }
    char *data = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (data && got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!data || got != (size_t)st.st_size) {
        snprintf(why, cap, "cannot be read: %s", data ? "short read" : strerror(ENOMEM));
        free(data);
        return NULL;
    }
    data[got] = '\0';
    *len = got;
    return data;
}

struct jobc_unit {
    char *path, *real, *base;
    char *src;
    size_t len;
    jobc_diag diag;
    idl_sink sink;
    idl_file *file;
    jobc_model model;
    jobc_import *imports; /* direct ones (by set) and those they import */
    size_t nimports;
    jobc_names import_index; /* real path of an imported unit -> its index in imports, + 1 */
    bool loading, checked;
};

char *jobc_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    size_t len = strlen(b);
    if (len > 4 && strcmp(b + len - 4, ".job") == 0) len -= 4;
    return strndup(b, len);
}

/* The file an import names: beside the importer, then in each include directory. */
static char *jobc_load_resolve(const jobc_load_opts *o, const char *importer, const char *name)
{
    if (name[0] == '/') return access(name, R_OK) == 0 ? strdup(name) : NULL;
    const char *slash = strrchr(importer, '/');
    size_t dirlen = slash ? (size_t)(slash - importer) : 0;
    for (size_t i = 0; i <= o->ninclude; i++) {
        const char *dir = i == 0 ? importer : o->include_dirs[i - 1];
        size_t dl = i == 0 ? dirlen : strlen(dir);
        size_t n = dl + strlen(name) + 2;
        char *p = malloc(n);
        if (!p) abort();
        if (dl) snprintf(p, n, "%.*s/%s", (int)dl, dir, name);
        else snprintf(p, n, "%s", name);
        if (access(p, R_OK) == 0) return p;
        free(p);
    }
    return NULL;
}

/* The unit a model belongs to (every model of an import is a unit's). */
static const jobc_unit *jobc_unit_of(const jobc_model *m)
{
    return (const jobc_unit *)(const void *)((const char *)m - offsetof(jobc_unit, model));
}

static void jobc_load_add_import(jobc_unit *u, const jobc_unit *v, const idl_decl *by)
{
    size_t had = (size_t)(uintptr_t)jobc_names_put(&u->import_index, v->real,
                                                   (void *)(uintptr_t)(u->nimports + 1));
    if (had) {
        if (by && !u->imports[had - 1].by) u->imports[had - 1].by = by; /* now also direct */
        return;
    }
    u->imports = realloc(u->imports, (u->nimports + 1) * sizeof *u->imports);
    if (!u->imports) abort();
    u->imports[u->nimports++] = (jobc_import){&v->model, &v->sink, by, v->base};
}

static jobc_unit *jobc_load_unit(jobc_load *l, const jobc_load_opts *o, const char *path,
                                 jobc_unit *importer, const idl_decl *by, unsigned depth)
{
    if (depth > JOBC_IMPORT_DEPTH_MAX) {
        idl_report(&importer->sink, IDL_ERROR, by->loc, "imports nest more than %d files deep "
                   "(here '%s' imports '%s')", JOBC_IMPORT_DEPTH_MAX, importer->path, path);
        return NULL;
    }
    char real[PATH_MAX];
    if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
    for (size_t i = 0; i < l->nunits; i++) {
        jobc_unit *u = l->units[i];
        if (strcmp(u->real, real) != 0) continue;
        if (u->loading) {
            idl_report(&importer->sink, IDL_ERROR, by->loc, "import cycle: '%s' imports '%s', "
                       "which imports it back (directly or not)", importer->path, u->path);
            return NULL;
        }
        return u;
    }
    jobc_unit *u = calloc(1, sizeof *u);
    if (!u) abort();
    u->path = strdup(path);
    u->real = strdup(real);
    u->base = jobc_base_name(path);
    l->units = realloc(l->units, (l->nunits + 1) * sizeof *l->units);
    if (!l->units) abort();
    l->units[l->nunits++] = u;
    char why[160];
    u->src = jobc_read_input(path, &u->len, why, sizeof why);
    if (!u->src && by) { /* an imported file: said at the import, as any other error of it */
        idl_report(&importer->sink, IDL_ERROR, by->loc, "cannot import '%s': it %s", path, why);
        return NULL;
    }
    if (!u->src) {
        fprintf(stderr, "jobc: '%s' %s\n", path, why);
        l->io_error = true;
        return NULL;
    }
    jobc_diag_init(&u->diag, u->path, u->src, u->len, o->error_limit);
    u->diag.immediate = true; /* notes about other files' declarations interleave in order */
    u->sink = jobc_diag_sink(&u->diag);
    idl_parse(u->path, u->src, u->len, &u->sink, &u->file);
    u->loading = true;
    for (size_t i = 0; i < u->file->ndecls; i++) {
        const idl_decl *d = u->file->decls[i];
        if (d->kind != IDL_DECL_IMPORT) continue;
        char *found = jobc_load_resolve(o, u->path, d->name);
        if (!found) {
            idl_report(&u->sink, IDL_ERROR, d->loc, "cannot find '%s' (looked beside '%s'%s)",
                       d->name, u->path, o->ninclude ? " and in every -I directory" : "; add -I DIR");
            u->file->incomplete = true;
            continue;
        }
        jobc_unit *v = jobc_load_unit(l, o, found, u, d, depth + 1);
        free(found);
        if (!v || !v->checked || v->file->incomplete) u->file->incomplete = true;
        if (!v || !v->checked) continue;
        jobc_load_add_import(u, v, d);
    }
    /* what the direct imports import is reachable too (their C names share the program) */
    for (size_t i = 0, n = u->nimports; i < n; i++) {
        if (!u->imports[i].by) continue;
        const jobc_unit *v = jobc_unit_of(u->imports[i].model);
        for (size_t k = 0; k < v->nimports; k++) jobc_load_add_import(u, jobc_unit_of(v->imports[k].model), NULL);
    }
    jobc_check_imports(u->file, &u->sink, &u->model, o->strict, u->imports, u->nimports);
    u->loading = false;
    u->checked = true;
    l->errors += u->diag.errors;
    return u;
}

const jobc_model *jobc_load_file(jobc_load *l, const jobc_load_opts *o, const char *path)
{
    memset(l, 0, sizeof *l);
    jobc_unit *u = jobc_load_unit(l, o, path, NULL, NULL, 1);
    return u && u->checked ? &u->model : NULL;
}

const idl_sink *jobc_load_sink(const jobc_load *l)
{
    return l->nunits ? &l->units[0]->sink : NULL;
}

size_t jobc_load_deps(const jobc_load *l, const char **paths, size_t cap)
{
    size_t n = 0;
    for (size_t i = 1; i < l->nunits && n < cap; i++) paths[n++] = l->units[i]->path; /* [0]: the input */
    return n;
}

void jobc_load_free(jobc_load *l)
{
    for (size_t i = l->nunits; i-- > 0;) { /* importers first: they point into imported models */
        jobc_unit *u = l->units[i];
        if (u->file) {
            jobc_model_free(&u->model);
            idl_file_free(u->file);
            jobc_diag_free(&u->diag);
        }
        free(u->imports);
        jobc_names_free(&u->import_index);
        free(u->src);
        free(u->path);
        free(u->real);
        free(u->base);
        free(u);
    }
    free(l->units);
    memset(l, 0, sizeof *l);
}
