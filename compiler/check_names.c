/* check_names.c - names: the package, declarations, fields and parameters. */
#include "check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const jobc_c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof", "_Atomic",
    "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local", "bool", "true", "false", "NULL", NULL};

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

bool jobc_in_list(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(name, list[i]) == 0) return true;
    }
    return false;
}

/* What is wrong with a name as a C identifier (too long, a C keyword, reserved by the
   C standard: a leading '_' or "__" anywhere), or NULL. */
const char *jobc_ident_problem(const char *name)
{
    if (strlen(name) > JOBC_NAME_LEN_MAX) return "is longer than 64 characters";
    if (jobc_in_list(name, jobc_c_keywords)) return "is a C keyword";
    if (name[0] == '_' || strstr(name, "__")) {
        return "is reserved: names may not start with '_' or contain '__'";
    }
    if (strchr(name, '.')) return "is not a plain name ('.' only qualifies a type of an imported package)";
    return NULL;
}

bool jobc_check_ident(jobc_checker *c, const char *what, const char *name, idl_loc loc)
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

const char *jobc_decl_what(const idl_decl *d)
{
    switch (d->kind) {
    case IDL_DECL_MESSAGE: return "message";
    case IDL_DECL_JOB: return "job";
    case IDL_DECL_ENUM: return "enum";
    case IDL_DECL_IMPORT: return "import";
    default: return "package";
    }
}

/* package -> at most one, before any message or job, not in a library's namespace. */
void jobc_check_package(jobc_checker *c)
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
void jobc_check_decl_names(jobc_checker *c)
{
    for (size_t i = 0; i < c->file->ndecls; i++) {
        idl_decl *d = c->file->decls[i];
        if (d->kind == IDL_DECL_PACKAGE || d->kind == IDL_DECL_IMPORT) continue;
        if (jobc_prim_of(d->name) != IDL_PRIM_NONE) {
            JOBC_ERROR(c, d->loc, "%s name '%s' is a builtin type name", jobc_decl_what(d), d->name);
        }
        if (!jobc_check_ident(c, jobc_decl_what(d), d->name, d->loc)) continue;
        if (d->kind != IDL_DECL_JOB && jobc_in_list(d->name, jobc_proto_type_words)) {
            JOBC_ERROR(c, d->loc, "%s name '%s' is a type name or keyword of the .proto "
                       "language, where it would not name this %s; choose another name",
                       jobc_decl_what(d), d->name, jobc_decl_what(d));
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
void jobc_check_fields(jobc_checker *c, const char *what, const char *owner,
                              idl_loc owner_loc, idl_field **fs, size_t n)
{
    if (n > JOBC_FIELDS_MAX && !fs[0]->numbered) { /* numbered by position: 1..n */
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
    /* an array member x also generates x_count, an optional one has_x (nanopb's names),
       whichever comes first */
    for (size_t i = 0; i < n; i++) {
        const idl_type *t = fs[i]->type;
        idl_prim prim = t->name ? jobc_prim_of(t->name) : IDL_PRIM_NONE; /* not resolved yet */
        bool flag = t->optional && !t->elem && prim != IDL_PRIM_STRING && prim != IDL_PRIM_BYTES;
        if (!t->elem && !flag) continue;
        char extra[JOBC_NAME_LEN_MAX + 8];
        snprintf(extra, sizeof extra, t->elem ? "%s_count" : "has_%s", fs[i]->name);
        const idl_field *g = jobc_names_get(&members, extra);
        if (g) {
            JOBC_ERROR(c, g->loc, "%s '%s' collides with the generated %s of %s '%s'", what,
                       g->name, t->elem ? "count" : "presence flag", t->elem ? "array" : "optional",
                       fs[i]->name);
            JOBC_NOTE(c, fs[i]->loc, "'%s' is declared here", fs[i]->name);
        }
    }
    free(keys);
    jobc_names_free(&members);
    jobc_names_free(&json);
}


/* protoc's key for an enum value within its enum: without the enum's name as a prefix,
   case and underscores (RED, Red and COLOR_RED are one name in enum Color). */
static void jobc_enum_key(const char *enum_name, const char *value, char *out, size_t cap)
{
    char e[JOBC_NAME_LEN_MAX + 1], v[JOBC_NAME_LEN_MAX + 1];
    jobc_json_key(enum_name, e, sizeof e);
    jobc_json_key(value, v, sizeof v);
    size_t n = strlen(e);
    snprintf(out, cap, "%s", strncmp(v, e, n) == 0 && v[n] ? v + n : v);
}

/* An enum: proto3's rules (first value 0, no two values alike to protoc, each value
   name unique in the whole file, where protobuf scopes enum values) and int32 numbers. */
void jobc_check_enum(jobc_checker *c, const idl_enum *e)
{
    if (e->nvalues == 0) {
        JOBC_ERROR(c, e->loc, "enum '%s' has no values; proto3 needs one, numbered 0", e->name);
        return;
    }
    if (e->values[0]->num != 0) {
        JOBC_ERROR(c, e->values[0]->loc, "the first value of enum '%s' must be 0 (proto3: the "
                   "default of an enum field is its first value)", e->name);
    }
    jobc_names keys = {0};
    char (*k)[JOBC_NAME_LEN_MAX + 1] = calloc(e->nvalues, sizeof *k);
    if (!k) abort();
    for (size_t i = 0; i < e->nvalues; i++) {
        const idl_enum_value *v = e->values[i];
        if (!jobc_check_ident(c, "enum value", v->name, v->loc)) continue;
        if (v->num > 2147483647u) {
            JOBC_ERROR(c, v->loc, "enum value '%s' is out of range: %llu (allowed: 0 to 2147483647)",
                       v->name, (unsigned long long)v->num);
        }
        for (size_t j = 0; j < i; j++) {
            if (e->values[j]->num == v->num) {
                JOBC_ERROR(c, v->loc, "enum values '%s' and '%s' have the same number %llu",
                           e->values[j]->name, v->name, (unsigned long long)v->num);
                break;
            }
        }
        const idl_enum_value *other = jobc_names_put(&c->enum_values, v->name, (void *)v);
        const idl_decl *d = jobc_names_get(&c->decls, v->name);
        if (other || d) {
            JOBC_ERROR(c, v->loc, "enum value '%s' is already defined; protobuf scopes enum values "
                       "in the file, beside the enum, so each value name must be unique there",
                       v->name);
            JOBC_NOTE(c, other ? other->loc : d->loc, "'%s' is defined here", v->name);
            continue;
        }
        jobc_enum_key(e->name, v->name, k[i], sizeof k[i]);
        other = jobc_names_put(&keys, k[i], (void *)v);
        if (other) {
            JOBC_ERROR(c, v->loc, "enum values '%s' and '%s' are one name to protoc (it ignores "
                       "case, underscores and the enum's name as a prefix); rename one",
                       other->name, v->name);
        }
    }
    free(k);
    jobc_names_free(&keys);
}

/* The types of the files this one imports: under their own name when they share this
   file's package or have none, else as package.Name (protobuf's rule). A name two files
   would both give is an error at the later one, with a note at the other. */
void jobc_check_imported_names(jobc_checker *c)
{
    const char *own = c->m->package;
    for (size_t i = 0; i < c->m->nimports; i++) {
        const jobc_import *imp = &c->m->imports[i];
        if (!imp->by) continue; /* indirect: its types are not visible here */
        const idl_file *f = imp->model->file;
        const char *pkg = imp->model->package;
        for (size_t k = 0; k < f->ndecls; k++) {
            const idl_decl *d = f->decls[k];
            if (d->kind != IDL_DECL_MESSAGE && d->kind != IDL_DECL_ENUM) continue;
            const char *key = d->name;
            if (pkg && (!own || strcmp(pkg, own) != 0)) {
                size_t n = strlen(pkg) + strlen(d->name) + 2;
                char *q = malloc(n);
                if (q) snprintf(q, n, "%s.%s", pkg, d->name);
                key = jobc_own(c, q);
            }
            const idl_decl *e = jobc_names_put(&c->decls, key, (void *)d);
            if (e && e != d) {
                JOBC_ERROR(c, e->file == c->file ? e->loc : imp->by->loc,
                           "'%s' is declared both here%s and in '%s'", key,
                           e->file == c->file ? "" : " (by an import)", f->path);
                jobc_note_at(c, d, d->loc, "'%s' is declared here", d->name);
            }
        }
    }
}

/* The file's package declaration, or NULL. */
static const idl_decl *jobc_package_decl(const idl_file *f)
{
    for (size_t k = 0; k < f->ndecls; k++) {
        if (f->decls[k]->kind == IDL_DECL_PACKAGE) return f->decls[k];
    }
    return NULL;
}

/* Puts the names a file without a package gives protobuf's root scope: its enums, their
   values (siblings of the enum in proto3), its messages and each job's J_args/J_result. */
static void jobc_root_names(jobc_checker *c, const idl_file *f, jobc_names *root)
{
    for (size_t k = 0; k < f->ndecls; k++) {
        const idl_decl *d = f->decls[k];
        if (d->kind == IDL_DECL_MESSAGE || d->kind == IDL_DECL_ENUM) {
            jobc_names_put(root, d->name, (void *)d);
        }
        if (d->kind == IDL_DECL_ENUM) {
            for (size_t v = 0; v < d->enm->nvalues; v++) {
                jobc_names_put(root, d->enm->values[v]->name, (void *)d);
            }
        }
        if (d->kind == IDL_DECL_JOB) {
            for (int r = 0; r < 2; r++) {
                size_t n = strlen(d->name) + sizeof "_result";
                char *s = malloc(n);
                if (s) snprintf(s, n, "%s%s", d->name, r ? "_result" : "_args");
                jobc_names_put(root, jobc_own(c, s), (void *)d);
            }
        }
    }
}

/* protoc loads a file with everything it imports, directly or not, into one pool, where
   a package is a name too: package P of one file and a message, enum, enum value or job
   message P of a file without a package cannot both be (protoc: "already defined"). */
void jobc_check_package_scope(jobc_checker *c)
{
    const idl_file *files[1 + c->m->nimports];
    const char *pkgs[1 + c->m->nimports];
    size_t nfiles = 0;
    files[nfiles] = c->file, pkgs[nfiles++] = c->m->package;
    for (size_t i = 0; i < c->m->nimports; i++) {
        files[nfiles] = c->m->imports[i].model->file, pkgs[nfiles++] = c->m->imports[i].model->package;
    }
    jobc_names root = {0};
    for (size_t i = 0; i < nfiles; i++) {
        if (!pkgs[i]) jobc_root_names(c, files[i], &root);
    }
    const idl_decl *first_import = NULL;
    for (size_t i = 0; i < c->m->nimports && !first_import; i++) first_import = c->m->imports[i].by;
    for (size_t i = 0; i < nfiles && root.len; i++) {
        const idl_decl *d = pkgs[i] ? jobc_names_get(&root, pkgs[i]) : NULL;
        const idl_decl *p = pkgs[i] ? jobc_package_decl(files[i]) : NULL;
        if (!d || !p) continue;
        /* said where this file takes part, else at its first import */
        bool here = p->file == c->file || d->file == c->file;
        const idl_decl *at = here ? (p->file == c->file ? p : d) : first_import;
        const idl_decl *other = at == p ? d : p;
        if (!at) continue;
        JOBC_ERROR(c, at->loc, "package '%s' of '%s' is also a name of protobuf's root scope, "
                   "given by %s '%s' of '%s' (a file without a package); rename one", pkgs[i],
                   files[i]->path, jobc_decl_what(d), d->name, d->file->path);
        jobc_note_at(c, other, other->loc, "'%s' is declared here", pkgs[i]);
    }
    jobc_names_free(&root);
}

