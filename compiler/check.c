/*
 * check.c - semantic checks over a parsed .job file: names (duplicates, C
 * keywords, collisions between generated C names), types (unknown, nested
 * arrays, recursive messages) and job options (names, units, ranges).
 */
#include "ctypes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jobc_checker {
    const idl_file *file;
    const idl_sink *sink;
    jobc_model *m;
    int errors;
    jobc_names decls;      /* top-level name -> its first idl_decl */
    bool package_reserved; /* the package was reported for a library's namespace */
} jobc_checker;

#define JOBC_ERROR(c, loc, ...) ((c)->errors++, idl_report((c)->sink, IDL_ERROR, (loc), __VA_ARGS__))
#define JOBC_NOTE(c, loc, ...) idl_report((c)->sink, IDL_NOTE, (loc), __VA_ARGS__)

static const char *const jobc_c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof", "_Atomic",
    "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local", "bool", "true", "false", "NULL", NULL};

static const struct { const char *name; idl_prim prim; } jobc_prims[] = {
    {"bool", IDL_PRIM_BOOL}, {"i32", IDL_PRIM_I32}, {"i64", IDL_PRIM_I64},
    {"u32", IDL_PRIM_U32}, {"u64", IDL_PRIM_U64}, {"f32", IDL_PRIM_F32},
    {"f64", IDL_PRIM_F64}, {"string", IDL_PRIM_STRING}, {"bytes", IDL_PRIM_BYTES}};
#define JOBC_NPRIMS (sizeof jobc_prims / sizeof jobc_prims[0])

const char *const jobc_interval_names[JOBC_NINTERVALS] = {
    "init_retry_interval_ms", "sync_retry_interval_ms", "async_init_retry_interval_ms",
    "async_get_retry_interval_ms", "async_set_retry_interval_ms", "shutdown_retry_interval_ms"};

size_t jobc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

/* The closest candidate within a small distance, or NULL. */
static const char *jobc_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = strlen(word) / 3 + 1;
    if (best_d > 3) best_d = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = jobc_edit_distance(word, cands[i]);
        if (d <= best_d && (!best || d < best_d)) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

static idl_prim jobc_prim_of(const char *name)
{
    for (size_t k = 0; k < JOBC_NPRIMS; k++) {
        if (strcmp(name, jobc_prims[k].name) == 0) return jobc_prims[k].prim;
    }
    return IDL_PRIM_NONE;
}

/* --- names ------------------------------------------------------------------------ */

/* Keywords of the .proto language that protoc cannot read as a message type name
   (`option x = 1;` starts an option) and its scalar types, which protoc would read as
   the scalar while nanopb encodes a message: both would change the wire. */
static const char *const jobc_proto_type_words[] = {
    "option", "optional", "required", "repeated", "oneof", "reserved", "enum", "message",
    "extend", "extensions", "group", "map", "syntax", "import", "package", "service",
    "rpc", "stream", "returns", "weak", "public",
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes", NULL};

static bool jobc_in_list(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(name, list[i]) == 0) return true;
    }
    return false;
}

/* What is wrong with a name as a C identifier (too long, a C keyword, reserved by the
   C standard: a leading '_' or "__" anywhere), or NULL. */
static const char *jobc_ident_problem(const char *name)
{
    if (strlen(name) > JOBC_NAME_LEN_MAX) return "is longer than 64 characters";
    if (jobc_in_list(name, jobc_c_keywords)) return "is a C keyword";
    if (name[0] == '_' || strstr(name, "__")) {
        return "is reserved: names may not start with '_' or contain '__'";
    }
    return NULL;
}

static bool jobc_check_ident(jobc_checker *c, const char *what, const char *name, idl_loc loc)
{
    const char *problem = jobc_ident_problem(name);
    if (!problem) return true;
    if (strlen(name) > JOBC_NAME_LEN_MAX) {
        JOBC_ERROR(c, loc, "%s name '%.20s...' %s", what, name, problem);
    } else {
        JOBC_ERROR(c, loc, "%s name '%s' %s", what, name, problem);
    }
    return false;
}

static const char *jobc_decl_what(const idl_decl *d)
{
    return d->kind == IDL_DECL_MESSAGE ? "message" : d->kind == IDL_DECL_JOB ? "job" : "package";
}

/* package -> at most one, before any message or job, not in a library's namespace. */
static void jobc_check_package(jobc_checker *c)
{
    const idl_decl *first = NULL;
    for (size_t i = 0; i < c->file->ndecls; i++) {
        const idl_decl *d = c->file->decls[i];
        if (d->kind != IDL_DECL_PACKAGE) continue;
        if (first) {
            JOBC_ERROR(c, d->loc, "more than one package declaration");
            JOBC_NOTE(c, first->loc, "first package declaration is here");
            continue;
        }
        first = d;
        if (i != 0) {
            JOBC_ERROR(c, d->loc, "the package declaration must come before any message or job");
        }
        c->m->package = d->name;
        if (!jobc_check_ident(c, "package", d->name, d->loc)) continue;
        char prefix[JOBC_NAME_LEN_MAX + 2];
        snprintf(prefix, sizeof prefix, "%s_", d->name);
        const jobc_reserved *r = jobc_reserved_lookup(prefix);
        if (r && r->kind == JOBC_RESERVED_PREFIX) {
            JOBC_ERROR(c, d->loc, "package '%s' puts the generated C names (%s...) %s; choose "
                       "another package name", d->name, prefix, jobc_reserved_what(r->kind));
            c->package_reserved = true;
        }
    }
}

/* Top-level names: unique, not builtin type names, not C keywords, readable by protoc. */
static void jobc_check_decl_names(jobc_checker *c)
{
    for (size_t i = 0; i < c->file->ndecls; i++) {
        idl_decl *d = c->file->decls[i];
        if (d->kind == IDL_DECL_PACKAGE) continue;
        for (size_t k = 0; k < JOBC_NPRIMS; k++) {
            if (strcmp(d->name, jobc_prims[k].name) == 0) {
                JOBC_ERROR(c, d->loc, "%s name '%s' is a builtin type name", jobc_decl_what(d),
                           d->name);
            }
        }
        if (!jobc_check_ident(c, jobc_decl_what(d), d->name, d->loc)) continue;
        if (d->kind == IDL_DECL_MESSAGE && jobc_in_list(d->name, jobc_proto_type_words)) {
            JOBC_ERROR(c, d->loc, "message name '%s' is a type name or keyword of the .proto "
                       "language, where it would not name this message; choose another name",
                       d->name);
        }
        const idl_decl *e = jobc_names_put(&c->decls, d->name, d);
        if (e) {
            JOBC_ERROR(c, d->loc, "redefinition of '%s'", d->name);
            JOBC_NOTE(c, e->loc, "'%s' was first defined here as a %s", e->name, jobc_decl_what(e));
        }
    }
}

/* protobuf's JSON name check (proto3): lower case without underscores, so foo_bar,
   fooBar and foobar are one name to protoc. */
static void jobc_json_key(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (; *name && n + 1 < cap; name++) {
        if (*name != '_') out[n++] = (char)tolower((unsigned char)*name);
    }
    out[n] = '\0';
}

/* Fields of one message or parameters of one job: unique C members, unique proto JSON
   names, no macro names, no clash with the counts arrays generate. */
static void jobc_check_fields(jobc_checker *c, const char *what, const char *owner,
                              idl_loc owner_loc, idl_field **fs, size_t n)
{
    if (n > JOBC_FIELDS_MAX) {
        JOBC_ERROR(c, owner_loc, "'%s' has %zu %ss; the limit is %d (protobuf reserves the "
                   "field numbers 19000 to 19999)", owner, n, what, JOBC_FIELDS_MAX);
    }
    jobc_names members = {0}, json = {0};
    char (*keys)[JOBC_NAME_LEN_MAX + 1] = calloc(n ? n : 1, sizeof *keys);
    if (!keys) abort();
    for (size_t i = 0; i < n; i++) {
        idl_field *f = fs[i];
        if (!jobc_check_ident(c, what, f->name, f->loc)) continue;
        const jobc_reserved *r = jobc_reserved_lookup(f->name);
        if (r && r->kind == JOBC_RESERVED_MACRO) {
            JOBC_ERROR(c, f->loc, "%s name '%s' is %s, which would replace it in the generated C; "
                       "choose another name", what, f->name, jobc_reserved_what(r->kind));
            continue;
        }
        const idl_field *g = jobc_names_put(&members, f->name, f);
        if (g) {
            JOBC_ERROR(c, f->loc, "duplicate %s '%s'", what, f->name);
            JOBC_NOTE(c, g->loc, "'%s' was first defined here", g->name);
            continue;
        }
        jobc_json_key(f->name, keys[i], sizeof keys[i]);
        g = jobc_names_put(&json, keys[i], f);
        if (g) {
            JOBC_ERROR(c, f->loc, "%s '%s' and '%s' have the same JSON name in protobuf (proto3 "
                       "compares names without case and underscores); rename one", what, f->name,
                       g->name);
            JOBC_NOTE(c, g->loc, "'%s' is declared here", g->name);
        }
    }
    /* an array member x also generates x_count, whichever comes first */
    for (size_t i = 0; i < n; i++) {
        if (!fs[i]->type->elem) continue;
        char count[JOBC_NAME_LEN_MAX + 8];
        snprintf(count, sizeof count, "%s_count", fs[i]->name);
        const idl_field *g = jobc_names_get(&members, count);
        if (g) {
            JOBC_ERROR(c, g->loc, "%s '%s' collides with the generated count of array '%s'", what,
                       g->name, fs[i]->name);
            JOBC_NOTE(c, fs[i]->loc, "'%s' is declared here", fs[i]->name);
        }
    }
    free(keys);
    jobc_names_free(&members);
    jobc_names_free(&json);
}

/* The C names every declaration generates, read off the templates (names.h), must
   differ between declarations and stay clear of the headers' names. Two declarations
   d and e can only generate one name when the C name of one is a prefix of the other's
   generated name, so each generated name is checked against the declarations named
   by its prefixes that end before a '_': a few lookups per name, never all pairs. */

/* Whether struct T (fields fs, or the one result field) generates name. */
static bool jobc_struct_generates(const char *T, idl_field *const *fs, size_t n,
                                  const idl_type *result, const char *name)
{
    if (strncmp(name, T, strlen(T)) != 0) return false;
    if (jobc_gen_matches((const char *const[]){"T", T, NULL}, name)) return true;
    for (size_t i = 0; i < n + (result != NULL); i++) {
        const idl_type *t = i < n ? fs[i]->type : result;
        const char *f = i < n ? fs[i]->name : JOBC_RESULT_FIELD;
        if ((t->elem ? t->elem : t)->msg &&
            jobc_gen_matches((const char *const[]){"T", T, "field", f, NULL}, name)) {
            return true;
        }
    }
    return false;
}

/* Whether declaration e, of C name ce, generates name. */
static bool jobc_generates(const idl_decl *e, const char *ce, const char *name)
{
    if (e->kind == IDL_DECL_MESSAGE) {
        return jobc_struct_generates(ce, e->message->fields, e->message->nfields, NULL, name);
    }
    if (jobc_gen_matches((const char *const[]){"fn", ce, NULL}, name)) return true;
    char T[2 * JOBC_NAME_LEN_MAX + 16];
    snprintf(T, sizeof T, "%s" JOBC_ARGS_SUFFIX, ce);
    if (jobc_struct_generates(T, e->job->params, e->job->nparams, NULL, name)) return true;
    snprintf(T, sizeof T, "%s" JOBC_RESULT_SUFFIX, ce);
    return e->job->result && jobc_struct_generates(T, NULL, 0, e->job->result, name);
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
            jobc_generates(e, prefix, name)) {
            return e;
        }
    }
    return NULL;
}

const idl_decl *jobc_model_generator(const jobc_model *m, const char *name)
{
    return jobc_find_generator(m, name, 0, NULL);
}

/* A collision between a later and an earlier declaration; seq keeps discovery order. */
typedef struct jobc_clash {
    size_t later, earlier, seq;
    char *name;
} jobc_clash;

static int jobc_clash_cmp(const void *x, const void *y)
{
    const jobc_clash *a = x, *b = y;
    if (a->later != b->later) return a->later < b->later ? -1 : 1;
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
    } else if (!x->reported && jobc_gen_is_template_ident(name)) {
        x->reported = true;
        JOBC_ERROR(c, x->d->loc, "%s '%s' generates the C name '%s', which the generated stubs "
                   "use themselves; %s", jobc_decl_what(x->d), x->d->name, name, hint);
    }
    const idl_decl *e = x->extended ? jobc_find_generator(c->m, name, strlen(x->cname) + 1, x->d)
                                    : NULL;
    if (!e) return;
    size_t ei = 0;
    while (c->file->decls[ei] != e) ei++;
    if (x->nclashes == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->clashes = realloc(x->clashes, x->cap * sizeof *x->clashes);
        if (!x->clashes) abort();
    }
    x->clashes[x->nclashes] = (jobc_clash){ei > x->index ? ei : x->index,
                                           ei > x->index ? x->index : ei, x->nclashes, strdup(name)};
    x->nclashes++;
}

/* The names of one struct (T) and of its message-typed fields. */
static void jobc_gen_struct(jobc_gen_ctx *x, const char *T, idl_field **fs, size_t n,
                            const idl_type *result)
{
    jobc_gen_names((const char *const[]){"T", T, NULL}, jobc_gen_one, x);
    for (size_t i = 0; i < n + (result != NULL); i++) {
        const idl_type *t = i < n ? fs[i]->type : result;
        if ((t->elem ? t->elem : t)->msg) {
            const char *fname = i < n ? fs[i]->name : JOBC_RESULT_FIELD;
            jobc_gen_names((const char *const[]){"T", T, "field", fname, NULL}, jobc_gen_one, x);
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
        if (d->kind == IDL_DECL_PACKAGE) continue;
        int n = sprintf(p, "%s%s%s", plen ? c->m->package : "", plen ? "_" : "", d->name);
        jobc_names_put(&c->m->cdecls, p, d); /* a duplicate keeps the first */
        p += n + 1;
    }
}

static void jobc_check_generated_names(jobc_checker *c)
{
    const idl_file *f = c->file;
    jobc_index_cnames(c);
    /* Only a declaration whose C name another one extends (square / square_args) can
       share a generated name with it: sorted names tell which, in O(n log n). */
    const char **sorted = malloc((f->ndecls + 1) * sizeof *sorted);
    if (!sorted) abort();
    size_t nsorted = 0;
    for (size_t i = 0; i < c->m->cdecls.cap; i++) {
        if (c->m->cdecls.slots[i].key) sorted[nsorted++] = c->m->cdecls.slots[i].key;
    }
    qsort(sorted, nsorted, sizeof *sorted, jobc_strptr_cmp);
    jobc_gen_ctx x = {.c = c};
    for (size_t i = 0; i < f->ndecls; i++) {
        idl_decl *d = f->decls[i];
        if (d->kind == IDL_DECL_PACKAGE || jobc_ident_problem(d->name)) continue; /* reported */
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
        if (!x.extended && !jobc_reserved_may_extend(cname) && !jobc_gen_literal_may_extend(cname)) {
            continue; /* none of its generated names can clash: no need to spell them */
        }
        if (d->kind == IDL_DECL_MESSAGE) {
            jobc_gen_struct(&x, cname, d->message->fields, d->message->nfields, NULL);
        } else {
            char T[sizeof cname + 16];
            jobc_gen_names((const char *const[]){"fn", cname, NULL}, jobc_gen_one, &x);
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
        if (!(i > 0 && k->later == k[-1].later && k->earlier == k[-1].earlier)) {
            const idl_decl *d = f->decls[k->later], *e = f->decls[k->earlier];
            JOBC_ERROR(c, d->loc, "%s '%s' generates the C name '%s', which %s '%s' also generates",
                       jobc_decl_what(d), d->name, k->name, jobc_decl_what(e), e->name);
            JOBC_NOTE(c, e->loc, "%s '%s' is declared here", jobc_decl_what(e), e->name);
        }
        free(k->name);
    }
    free(x.clashes);
}

/* --- types ------------------------------------------------------------------------ */

static void jobc_resolve_type(jobc_checker *c, idl_type *t)
{
    if (t->elem) {
        if (t->elem->elem) {
            JOBC_ERROR(c, t->loc, "nested arrays are not supported; wrap the inner array in a message");
            return;
        }
        jobc_resolve_type(c, t->elem);
        return;
    }
    t->prim = jobc_prim_of(t->name);
    if (t->prim != IDL_PRIM_NONE) return;
    const idl_decl *d = jobc_names_get(&c->decls, t->name);
    if (d && d->kind == IDL_DECL_MESSAGE) {
        t->msg = d->message;
        return;
    }
    if (d) {
        JOBC_ERROR(c, t->loc, "'%s' is a job, not a type", t->name);
        return;
    }
    /* a suggestion among the builtin types and the first messages */
    const char *cands[64 + JOBC_NPRIMS];
    size_t n = 0;
    for (size_t k = 0; k < JOBC_NPRIMS; k++) cands[n++] = jobc_prims[k].name;
    for (size_t i = 0; i < c->file->ndecls && n < sizeof cands / sizeof cands[0]; i++) {
        if (c->file->decls[i]->kind == IDL_DECL_MESSAGE) cands[n++] = c->file->decls[i]->name;
    }
    const char *s = jobc_suggest(t->name, cands, n);
    if (s) {
        JOBC_ERROR(c, t->loc, "unknown type '%s'; did you mean '%s'?", t->name, s);
    } else {
        JOBC_ERROR(c, t->loc, "unknown type '%s'", t->name);
    }
}

/* Messages in dependency order (a message after those it embeds by value), by an
   iterative depth-first walk: no nesting depth can overflow the checker's stack.
   A field back into the walk's own path closes a cycle: reported once, there. */
typedef struct jobc_frame {
    idl_message *msg;
    size_t next; /* next field to look at */
} jobc_frame;

static void jobc_report_cycle(jobc_checker *c, const jobc_frame *path, size_t depth,
                              const idl_message *target, const idl_field *closing)
{
    jobc_buf b = {0};
    size_t start = 0;
    while (path[start].msg != target) start++;
    size_t shown = 0;
    for (size_t i = start; i < depth; i++, shown++) {
        if (shown == 8 && depth - start > 10) { /* a long cycle: its ends are enough */
            jobc_buf_printf(&b, "... (%zu more) -> ", depth - start - 10);
            i = depth - 2;
        }
        jobc_buf_printf(&b, "%s.%s -> ", path[i].msg->name, path[i].msg->fields[path[i].next - 1]->name);
    }
    jobc_buf_puts(&b, target->name);
    JOBC_ERROR(c, closing->type->loc,
               "message '%s' contains itself by value (%s); use an array to break the cycle",
               target->name, b.data);
    jobc_buf_free(&b);
}

static void jobc_order_messages(jobc_checker *c)
{
    size_t cap = 16;
    jobc_frame *st = malloc(cap * sizeof *st);
    if (!st) abort();
    for (size_t i = 0; i < c->file->ndecls; i++) {
        idl_decl *d = c->file->decls[i];
        if (d->kind != IDL_DECL_MESSAGE || d->message->visit) continue;
        size_t depth = 0;
        st[depth++] = (jobc_frame){d->message, 0};
        d->message->visit = 1;
        while (depth) {
            jobc_frame *top = &st[depth - 1];
            idl_message *msg = top->msg;
            if (top->next < msg->nfields) {
                const idl_field *f = msg->fields[top->next++];
                idl_message *sub = f->type->msg; /* arrays hold pointers: no cycle by value */
                if (!sub || sub->visit == 2) continue;
                if (sub->visit == 1) {
                    jobc_report_cycle(c, st, depth, sub, f);
                    continue;
                }
                if (depth == cap) {
                    cap *= 2;
                    st = realloc(st, cap * sizeof *st);
                    if (!st) abort();
                }
                sub->visit = 1;
                st[depth++] = (jobc_frame){sub, 0};
                continue;
            }
            msg->visit = 2;
            c->m->msgs[c->m->nmsgs++] = msg;
            depth--;
        }
    }
    free(st);
}

/* The message a field holds, by value or as array elements, or NULL. */
static idl_message *jobc_field_msg(const idl_field *f)
{
    return (f->type->elem ? f->type->elem : f->type)->msg;
}

/* Nesting depth of every message: the longest chain of message fields (by value or
   array) below it, itself included; a chain that comes back through an array (a tree)
   is data, not schema, and ends there. Iterative, like jobc_order_messages. */
static void jobc_depths(jobc_checker *c)
{
    size_t cap = 16;
    jobc_frame *st = malloc(cap * sizeof *st);
    if (!st) abort();
    for (size_t i = 0; i < c->m->nmsgs; i++) c->m->msgs[i]->visit = 0;
    for (size_t i = 0; i < c->m->nmsgs; i++) {
        if (c->m->msgs[i]->visit) continue;
        size_t depth = 0;
        st[depth++] = (jobc_frame){c->m->msgs[i], 0};
        c->m->msgs[i]->visit = 1;
        while (depth) {
            jobc_frame *top = &st[depth - 1];
            idl_message *msg = top->msg;
            if (top->next < msg->nfields) {
                idl_message *sub = jobc_field_msg(msg->fields[top->next++]);
                if (!sub || sub->visit == 1) continue; /* scalar, or back through an array */
                if (sub->visit == 2) {
                    if (sub->depth + 1 > msg->depth) msg->depth = sub->depth + 1;
                    continue;
                }
                top->next--; /* come back to this field for its depth */
                if (depth == cap) {
                    cap *= 2;
                    st = realloc(st, cap * sizeof *st);
                    if (!st) abort();
                }
                sub->visit = 1;
                st[depth++] = (jobc_frame){sub, 0};
                continue;
            }
            if (msg->depth == 0) msg->depth = 1;
            msg->visit = 2;
            depth--;
        }
    }
    free(st);
}

/* Nesting depth and C layout of each message, in dependency order. */
static void jobc_measure_messages(jobc_checker *c)
{
    jobc_depths(c);
    for (size_t i = 0; i < c->m->nmsgs; i++) {
        idl_message *msg = c->m->msgs[i];
        if (msg->depth > JOBC_DEPTH_MAX) {
            const idl_message *below = NULL;
            for (size_t k = 0; k < msg->nfields && !below; k++) {
                const idl_message *sub = jobc_field_msg(msg->fields[k]);
                if (sub && sub->depth + 1 == msg->depth) below = sub;
            }
            /* reported where the chain crosses the limit, not at every message above */
            if (below && below->depth == JOBC_DEPTH_MAX) {
                JOBC_ERROR(c, msg->loc, "message '%s' nests messages %zu deep (through '%s'); "
                           "the limit is %d, the nesting protobuf's parsers accept",
                           msg->name, msg->depth, below->name, JOBC_DEPTH_MAX);
            }
        }
        jobc_layout_message(msg);
        if (msg->csize[0] > JOBC_STRUCT_MAX) {
            JOBC_ERROR(c, msg->loc, "message '%s' takes %llu bytes as a C struct; the limit is %llu "
                       "(use arrays for large data)", msg->name, (unsigned long long)msg->csize[0],
                       JOBC_STRUCT_MAX);
            msg->csize[0] = msg->csize[1] = 1; /* keep later sums small: one report */
        }
    }
}

/* --- options ---------------------------------------------------------------------- */

typedef enum { JOBC_OPT_SIZE, JOBC_OPT_DURATION, JOBC_OPT_COUNT, JOBC_OPT_ENUM } jobc_opt_kind;

typedef struct jobc_option_spec {
    const char *name;
    jobc_opt_kind kind;
    uint64_t min, max;
    const char *values[3]; /* JOBC_OPT_ENUM: allowed identifiers (value = index + 1) */
} jobc_option_spec;

#define JOBC_U32_MAX 4294967295u
static const jobc_option_spec jobc_options[] = {
    {"memory", JOBC_OPT_SIZE, JOBC_MEMORY_MIN, 4294967296ull, {0}},
    {"fuel", JOBC_OPT_COUNT, 0, UINT64_MAX - 1, {0}},
    {"fanout", JOBC_OPT_ENUM, 0, 0, {"roundrobin", "random", NULL}},
    {"timeout", JOBC_OPT_DURATION, 1, 30ull * 24 * 3600 * 1000, {0}}, /* up to 30 days */
    {"retries", JOBC_OPT_COUNT, 0, 1000, {0}},
    {"concurrency", JOBC_OPT_COUNT, 1, 1000000, {0}},
    {"remote_fallback", JOBC_OPT_ENUM, 0, 0, {"local", "error", NULL}},
    {"liveness", JOBC_OPT_DURATION, 1, 3600 * 1000, {0}}, /* up to an hour */
    {"init_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"sync_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"async_init_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"async_get_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"async_set_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"shutdown_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
};
#define JOBC_NOPTIONS (sizeof jobc_options / sizeof jobc_options[0])

static const struct { const char *unit; uint64_t scale; } jobc_size_units[] = {
    {"B", 1}, {"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", 1024 * 1024 * 1024}, {NULL, 0}};
static const struct { const char *unit; uint64_t scale; } jobc_time_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {NULL, 0}};

/* A number with its unit applied; 0 and a reported error when the unit is wrong. */
static int jobc_option_number(jobc_checker *c, const jobc_option_spec *spec, const idl_value *v,
                              uint64_t *out)
{
    if (v->ident) {
        JOBC_ERROR(c, v->loc, "option '%s' expects a number, not '%s'", spec->name, v->ident);
        return 0;
    }
    uint64_t scale = 1;
    if (spec->kind == JOBC_OPT_SIZE || spec->kind == JOBC_OPT_DURATION) {
        int found = 0;
        for (size_t i = 0; !found && (spec->kind == JOBC_OPT_SIZE ? jobc_size_units[i].unit
                                                                   : jobc_time_units[i].unit); i++) {
            const char *u = spec->kind == JOBC_OPT_SIZE ? jobc_size_units[i].unit : jobc_time_units[i].unit;
            if (strcmp(v->unit, u) == 0) {
                scale = spec->kind == JOBC_OPT_SIZE ? jobc_size_units[i].scale : jobc_time_units[i].scale;
                found = 1;
            }
        }
        if (!found && !(spec->kind == JOBC_OPT_SIZE && v->unit[0] == '\0')) {
            if (spec->kind == JOBC_OPT_SIZE) {
                JOBC_ERROR(c, v->loc, "option '%s' has unit '%s'; expected B, KiB, MiB or GiB",
                           spec->name, v->unit);
            } else if (v->unit[0] == '\0') {
                JOBC_ERROR(c, v->loc, "option '%s' needs a unit: ms, s or m", spec->name);
            } else {
                JOBC_ERROR(c, v->loc, "option '%s' has unit '%s'; expected ms, s or m", spec->name,
                           v->unit);
            }
            return 0;
        }
    } else if (v->unit[0] != '\0') {
        JOBC_ERROR(c, v->loc, "option '%s' takes a plain number, without unit '%s'", spec->name,
                   v->unit);
        return 0;
    }
    if (v->num > (UINT64_MAX - 1) / scale || v->num * scale < spec->min ||
        v->num * scale > spec->max) {
        JOBC_ERROR(c, v->loc, "option '%s' is out of range: %llu%s (allowed: %llu to %llu%s)",
                   spec->name, (unsigned long long)v->num, v->unit, (unsigned long long)spec->min,
                   (unsigned long long)spec->max,
                   spec->kind == JOBC_OPT_SIZE ? " bytes" : spec->kind == JOBC_OPT_DURATION ? " ms" : "");
        return 0;
    }
    *out = v->num * scale;
    return 1;
}

static int jobc_option_enum(jobc_checker *c, const jobc_option_spec *spec, const idl_value *v)
{
    if (v->ident) {
        for (int i = 0; spec->values[i]; i++) {
            if (strcmp(v->ident, spec->values[i]) == 0) return i + 1;
        }
        const char *s = jobc_suggest(v->ident, spec->values, 2);
        if (s) {
            JOBC_ERROR(c, v->loc, "unknown value '%s' for option '%s'; did you mean '%s'?", v->ident,
                       spec->name, s);
            return 0;
        }
    }
    JOBC_ERROR(c, v->loc, "option '%s' expects %s or %s", spec->name, spec->values[0],
               spec->values[1]);
    return 0;
}

static void jobc_apply_option(jobc_opts *o, size_t index, uint64_t n)
{
    switch (index) {
    case 0: o->memory = n; break;
    case 1: o->fuel = n ? n : JOBC_UNLIMITED; break;
    case 2: o->fanout = (int)n; break;
    case 3: o->timeout_ms = n; break;
    case 4: o->retries = (uint32_t)n; break;
    case 5: o->concurrency = (uint32_t)n; break;
    case 6: o->remote_fallback = (int)n; break;
    case 7: o->liveness_ms = n; break;
    default: o->intervals[index - 8] = n; break;
    }
}

/* options -> each known, set once, value of the right kind, unit and range. */
static void jobc_check_options(jobc_checker *c, const idl_job *job, jobc_opts *o)
{
    const char *names[JOBC_NOPTIONS];
    for (size_t k = 0; k < JOBC_NOPTIONS; k++) names[k] = jobc_options[k].name;
    for (size_t i = 0; i < job->noptions; i++) {
        const idl_option *opt = job->options[i];
        size_t k = 0;
        while (k < JOBC_NOPTIONS && strcmp(opt->name, jobc_options[k].name) != 0) k++;
        if (k == JOBC_NOPTIONS) {
            const char *s = jobc_suggest(opt->name, names, JOBC_NOPTIONS);
            if (s) {
                JOBC_ERROR(c, opt->loc, "unknown option '%s'; did you mean '%s'?", opt->name, s);
            } else {
                JOBC_ERROR(c, opt->loc, "unknown option '%s'", opt->name);
            }
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(job->options[j]->name, opt->name) == 0) {
                JOBC_ERROR(c, opt->loc, "option '%s' is set more than once", opt->name);
                JOBC_NOTE(c, job->options[j]->loc, "'%s' was first set here", opt->name);
                break;
            }
        }
        const jobc_option_spec *spec = &jobc_options[k];
        uint64_t n = 0;
        if (spec->kind == JOBC_OPT_ENUM) {
            n = (uint64_t)jobc_option_enum(c, spec, &opt->value);
            if (n == 0) continue;
        } else if (!jobc_option_number(c, spec, &opt->value, &n)) {
            continue;
        }
        jobc_apply_option(o, k, n);
    }
}

/* --- driver ----------------------------------------------------------------------- */

int jobc_check(const idl_file *f, const idl_sink *sink, jobc_model *m)
{
    memset(m, 0, sizeof *m);
    m->file = f;
    m->msgs = calloc(f->ndecls + 1, sizeof *m->msgs);
    m->jobs = calloc(f->ndecls + 1, sizeof *m->jobs);
    m->opts = calloc(f->ndecls + 1, sizeof *m->opts);
    if (!m->msgs || !m->jobs || !m->opts) abort();
    jobc_checker c = {.file = f, .sink = sink, .m = m};

    jobc_check_package(&c);
    jobc_check_decl_names(&c);
    for (size_t i = 0; i < f->ndecls; i++) {
        idl_decl *d = f->decls[i];
        if (d->kind == IDL_DECL_MESSAGE) {
            jobc_check_fields(&c, "field", d->name, d->loc, d->message->fields, d->message->nfields);
            for (size_t k = 0; k < d->message->nfields; k++) {
                jobc_resolve_type(&c, d->message->fields[k]->type);
            }
        } else if (d->kind == IDL_DECL_JOB) {
            idl_job *j = d->job;
            jobc_check_fields(&c, "parameter", d->name, d->loc, j->params, j->nparams);
            for (size_t k = 0; k < j->nparams; k++) {
                jobc_resolve_type(&c, j->params[k]->type);
            }
            if (j->result) {
                jobc_resolve_type(&c, j->result);
            }
            jobc_check_options(&c, j, &m->opts[m->njobs]);
            m->jobs[m->njobs++] = j;
        }
    }
    jobc_check_generated_names(&c);
    jobc_order_messages(&c);
    jobc_measure_messages(&c);
    jobc_names_free(&c.decls);
    return c.errors;
}

void jobc_model_free(jobc_model *m)
{
    jobc_names_free(&m->cdecls);
    free(m->cnames);
    free(m->msgs);
    free(m->jobs);
    free(m->opts);
    memset(m, 0, sizeof *m);
}
