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
    return d->kind == IDL_DECL_MESSAGE ? "message" : d->kind == IDL_DECL_JOB ? "job" : "package";
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
        if (d->kind == IDL_DECL_PACKAGE) continue;
        if (jobc_prim_of(d->name) != IDL_PRIM_NONE) {
            JOBC_ERROR(c, d->loc, "%s name '%s' is a builtin type name", jobc_decl_what(d), d->name);
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
void jobc_check_fields(jobc_checker *c, const char *what, const char *owner,
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

