/* check_gen.c - the C names declarations generate: clashes and reserved names. */
#include "check.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The C names every declaration generates, read off the templates (names.h), must
   differ between declarations and stay clear of the headers' names. Two declarations
   d and e can only generate one name when the C name of one is a prefix of the other's
   generated name, so each generated name is checked against the declarations named
   by its prefixes that end before a '_': a few lookups per name, never all pairs. */

/* Whether struct T (fields fs, or the one result field) generates name. */
static bool jobc_struct_generates(const jobc_gen_table *g, const char *T, idl_field *const *fs, size_t n,
                                  const idl_type *result, const char *name)
{
    if (strncmp(name, T, strlen(T)) != 0) return false;
    if (jobc_gen_matches(g, (const char *const[]){"T", T, NULL}, name)) return true;
    for (size_t i = 0; i < n + (result != NULL); i++) {
        const idl_type *t = i < n ? fs[i]->type : result;
        const char *f = i < n ? fs[i]->name : JOBC_RESULT_FIELD;
        if ((t->elem ? t->elem : t)->msg &&
            jobc_gen_matches(g, (const char *const[]){"T", T, "field", f, NULL}, name)) {
            return true;
        }
    }
    return false;
}

/* Whether declaration e, of C name ce, generates name. */
static bool jobc_generates(const jobc_gen_table *g, const idl_decl *e, const char *ce,
                           const char *name)
{
    if (e->kind == IDL_DECL_ENUM) {
        if (jobc_gen_matches(g, (const char *const[]){"E", ce, NULL}, name)) return true;
        for (size_t i = 0; i < e->enm->nvalues; i++) {
            if (jobc_gen_matches(g, (const char *const[]){"E", ce, "value", e->enm->values[i]->name, NULL},
                                 name)) {
                return true;
            }
        }
        return false;
    }
    if (e->kind == IDL_DECL_MESSAGE) {
        return jobc_struct_generates(g, ce, e->message->fields, e->message->nfields, NULL, name);
    }
    if (jobc_gen_matches(g, (const char *const[]){"fn", ce, NULL}, name)) return true;
    char T[2 * JOBC_NAME_LEN_MAX + 16];
    snprintf(T, sizeof T, "%s" JOBC_ARGS_SUFFIX, ce);
    if (jobc_struct_generates(g, T, e->job->params, e->job->nparams, NULL, name)) return true;
    snprintf(T, sizeof T, "%s" JOBC_RESULT_SUFFIX, ce);
    return e->job->result && jobc_struct_generates(g, T, NULL, 0, e->job->result, name);
}

/* A declaration other than self that generates name, looked up by name's prefixes
   from `from` characters on; NULL when none. */
static const idl_decl *jobc_find_generator(const jobc_model *m, const char *name, size_t from,
                                           const idl_decl *self)
{
    char prefix[4 * JOBC_NAME_LEN_MAX + 64];
    size_t len = strlen(name);
    if (len >= sizeof prefix) return NULL;
    for (size_t k = from; k <= len; k++) {
        if (k == 0 || (k < len && name[k] != '_')) continue;
        memcpy(prefix, name, k);
        prefix[k] = '\0';
        const idl_decl *e = jobc_names_get(&m->cdecls, prefix);
        if (e && e != self && (!self || strcmp(e->name, self->name) != 0) &&
            jobc_generates(&m->gen, e, prefix, name)) {
            return e;
        }
    }
    return NULL;
}

const idl_decl *jobc_model_generator(const jobc_model *m, const char *name)
{
    return jobc_find_generator(m, name, 0, NULL);
}

/* A collision between a later and an earlier declaration; seq keeps discovery order.
   With imported set, the earlier one is that declaration of another file (reported
   when found). */
typedef struct jobc_clash {
    size_t later, earlier, seq;
    char *name;
    const idl_decl *imported;
} jobc_clash;

static int jobc_clash_cmp(const void *x, const void *y)
{
    const jobc_clash *a = x, *b = y;
    if (a->later != b->later) return a->later < b->later ? -1 : 1;
    if (!a->imported != !b->imported) return a->imported ? -1 : 1;
    if (a->imported != b->imported) return (uintptr_t)a->imported < (uintptr_t)b->imported ? -1 : 1;
    if (a->earlier != b->earlier) return a->earlier < b->earlier ? -1 : 1;
    size_t la = strlen(a->name), lb = strlen(b->name); /* the shortest name tells most */
    if (la != lb) return la < lb ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

typedef struct jobc_gen_ctx {
    jobc_checker *c;
    idl_decl *d;
    size_t index;
    const char *cname;
    bool extended; /* another declaration's C name starts with cname "_" */
    bool reported; /* one reserved-name error per declaration */
    jobc_clash *clashes;
    size_t nclashes, cap;
} jobc_gen_ctx;

static void jobc_gen_clash(jobc_gen_ctx *x, size_t later, size_t earlier, const idl_decl *imported,
                           const char *name)
{
    if (x->nclashes == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->clashes = realloc(x->clashes, x->cap * sizeof *x->clashes);
        if (!x->clashes) abort();
    }
    x->clashes[x->nclashes] = (jobc_clash){later, earlier, x->nclashes, strdup(name), imported};
    x->nclashes++;
}

static void jobc_gen_one(void *user, const char *name)
{
    jobc_gen_ctx *x = user;
    jobc_checker *c = x->c;
    const char *hint = c->m->package ? "choose another name"
                                     : "use a package (e.g. 'package app;') or another name";
    const jobc_reserved *r = x->reported ? NULL : jobc_reserved_lookup(name);
    if (r && !(r->kind == JOBC_RESERVED_PREFIX && c->package_reserved)) {
        x->reported = true;
        JOBC_ERROR(c, x->d->loc, "%s '%s' generates the C name '%s', which is %s; %s",
                   jobc_decl_what(x->d), x->d->name, name, jobc_reserved_what(r->kind), hint);
    } else if (!x->reported && jobc_gen_is_template_ident(&c->m->gen, name)) {
        x->reported = true;
        JOBC_ERROR(c, x->d->loc, "%s '%s' generates the C name '%s', which the generated stubs "
                   "use themselves; %s", jobc_decl_what(x->d), x->d->name, name, hint);
    }
    const idl_decl *e = x->extended ? jobc_find_generator(c->m, name, strlen(x->cname) + 1, x->d)
                                    : NULL;
    if (!e) return;
    if (e->file != c->file) { /* a declaration of an imported file */
        jobc_gen_clash(x, x->index, 0, e, name);
        return;
    }
    size_t ei = 0;
    while (c->file->decls[ei] != e) ei++;
    jobc_gen_clash(x, ei > x->index ? ei : x->index, ei > x->index ? x->index : ei, NULL, name);
}

/* The names of one struct (T) and of its message-typed fields. */
static void jobc_gen_struct(jobc_gen_ctx *x, const char *T, idl_field **fs, size_t n,
                            const idl_type *result)
{
    jobc_gen_names(&x->c->m->gen, (const char *const[]){"T", T, NULL}, jobc_gen_one, x);
    for (size_t i = 0; i < n + (result != NULL); i++) {
        const idl_type *t = i < n ? fs[i]->type : result;
        if ((t->elem ? t->elem : t)->msg) {
            const char *fname = i < n ? fs[i]->name : JOBC_RESULT_FIELD;
            jobc_gen_names(&x->c->m->gen, (const char *const[]){"T", T, "field", fname, NULL}, jobc_gen_one, x);
        }
    }
}

static int jobc_strptr_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Whether a name in sorted[0..n) starts with prefix and is longer. */
static bool jobc_has_extension(const char **sorted, size_t n, const char *prefix)
{
    size_t lo = 0, hi = n, len = strlen(prefix);
    while (lo < hi) { /* first name >= prefix */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sorted[mid], prefix) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && strncmp(sorted[lo], prefix, len) == 0;
}

/* cdecls: every declaration by its C name (package prefix included). */
static void jobc_index_cnames(jobc_checker *c)
{
    const idl_file *f = c->file;
    size_t plen = c->m->package ? strlen(c->m->package) + 1 : 0, total = 1;
    for (size_t i = 0; i < f->ndecls; i++) total += plen + strlen(f->decls[i]->name) + 1;
    char *p = c->m->cnames = malloc(total);
    if (!p) abort();
    for (size_t i = 0; i < f->ndecls; i++) {
        idl_decl *d = f->decls[i];
        if (d->kind == IDL_DECL_PACKAGE || d->kind == IDL_DECL_IMPORT) continue;
        int n = sprintf(p, "%s%s%s", plen ? c->m->package : "", plen ? "_" : "", d->name);
        jobc_names_put(&c->m->cdecls, p, d); /* a duplicate keeps the first */
        if (d->kind == IDL_DECL_MESSAGE) {
            d->message->cname = p;
            d->message->package = c->m->package;
        } else if (d->kind == IDL_DECL_ENUM) {
            d->enm->cname = p;
            d->enm->package = c->m->package;
        }
        p += n + 1;
    }
    /* the C names of every imported file share the program with this file's */
    for (size_t i = 0; i < c->m->nimports; i++) {
        const jobc_names *t = &c->m->imports[i].model->cdecls;
        for (size_t k = 0; k < t->cap; k++) {
            if (t->slots[k].key) jobc_names_put(&c->m->cdecls, t->slots[k].key, t->slots[k].value);
        }
    }
}

void jobc_check_generated_names(jobc_checker *c)
{
    const idl_file *f = c->file;
    jobc_index_cnames(c);
    /* Only a declaration whose C name another one extends (square / square_args) can
       share a generated name with it: sorted names tell which, in O(n log n). */
    /* this file's C names and every imported file's: more than f->ndecls */
    const char **sorted = malloc((c->m->cdecls.len + 1) * sizeof *sorted);
    if (!sorted) abort();
    size_t nsorted = 0;
    for (size_t i = 0; i < c->m->cdecls.cap; i++) {
        if (c->m->cdecls.slots[i].key) sorted[nsorted++] = c->m->cdecls.slots[i].key;
    }
    qsort(sorted, nsorted, sizeof *sorted, jobc_strptr_cmp);
    jobc_gen_ctx x = {.c = c};
    for (size_t i = 0; i < f->ndecls; i++) {
        idl_decl *d = f->decls[i];
        if (d->kind == IDL_DECL_PACKAGE || d->kind == IDL_DECL_IMPORT || jobc_ident_problem(d->name)) {
            continue; /* reported */
        }
        char cname[2 * JOBC_NAME_LEN_MAX + 16];
        snprintf(cname, sizeof cname, "%s%s%s", c->m->package ? c->m->package : "",
                 c->m->package ? "_" : "", d->name);
        x.d = d;
        x.index = i;
        x.cname = cname;
        x.reported = false;
        char ext[sizeof cname + 1];
        snprintf(ext, sizeof ext, "%s_", cname);
        x.extended = jobc_has_extension(sorted, nsorted, ext);
        if (!x.extended && !jobc_reserved_may_extend(cname) && !jobc_gen_literal_may_extend(&c->m->gen, cname)) {
            continue; /* none of its generated names can clash: no need to spell them */
        }
        if (d->kind == IDL_DECL_ENUM) {
            jobc_gen_names(&c->m->gen, (const char *const[]){"E", cname, NULL}, jobc_gen_one, &x);
            for (size_t k = 0; k < d->enm->nvalues; k++) {
                jobc_gen_names(&c->m->gen, (const char *const[]){"E", cname, "value", d->enm->values[k]->name, NULL},
                               jobc_gen_one, &x);
            }
        } else if (d->kind == IDL_DECL_MESSAGE) {
            jobc_gen_struct(&x, cname, d->message->fields, d->message->nfields, NULL);
        } else {
            char T[sizeof cname + 16];
            jobc_gen_names(&c->m->gen, (const char *const[]){"fn", cname, NULL}, jobc_gen_one, &x);
            snprintf(T, sizeof T, "%s" JOBC_ARGS_SUFFIX, cname);
            jobc_gen_struct(&x, T, d->job->params, d->job->nparams, NULL);
            snprintf(T, sizeof T, "%s" JOBC_RESULT_SUFFIX, cname);
            jobc_gen_struct(&x, T, NULL, 0, d->job->result);
        }
    }
    free(sorted);
    if (x.nclashes) qsort(x.clashes, x.nclashes, sizeof *x.clashes, jobc_clash_cmp);
    for (size_t i = 0; i < x.nclashes; i++) {
        const jobc_clash *k = &x.clashes[i];
        bool first = !(i > 0 && k->later == k[-1].later && k->earlier == k[-1].earlier &&
                       k->imported == k[-1].imported); /* one report per pair of declarations */
        if (first && k->imported) {
            const idl_decl *d = f->decls[k->later], *e = k->imported;
            JOBC_ERROR(c, d->loc, "%s '%s' generates the C name '%s', which %s '%s' of '%s' also "
                       "generates", jobc_decl_what(d), d->name, k->name, jobc_decl_what(e), e->name,
                       e->file->path);
            jobc_note_at(c, e, e->loc, "%s '%s' is declared here", jobc_decl_what(e), e->name);
        } else if (first) {
            const idl_decl *d = f->decls[k->later], *e = f->decls[k->earlier];
            JOBC_ERROR(c, d->loc, "%s '%s' generates the C name '%s', which %s '%s' also generates",
                       jobc_decl_what(d), d->name, k->name, jobc_decl_what(e), e->name);
            JOBC_NOTE(c, e->loc, "%s '%s' is declared here", jobc_decl_what(e), e->name);
        }
        free(k->name);
    }
    free(x.clashes);
}

