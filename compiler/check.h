/*
 * check.h - the checks' shared state and stages (private to compiler/check*.c).
 * check.c drives the stages in order; each file owns one: names (check_names.c),
 * field numbers (check_numbers.c), generated C names (check_gen.c), types and
 * message order (check_types.c),
 * job options (check_options.c).
 */
#ifndef JOBC_CHECK_H
#define JOBC_CHECK_H

#include "ctypes.h"

typedef struct jobc_checker {
    const idl_file *file;
    const idl_sink *sink;
    jobc_model *m;
    int errors;
    jobc_names decls;      /* top-level name -> its first idl_decl */
    jobc_names enum_values; /* enum value name -> its idl_enum_value (proto scopes them file-wide) */
    bool package_reserved; /* the package was reported for a library's namespace */
    bool strict;           /* warn about fields numbered by position */
    char **owned;          /* strings made by the checks (qualified names), freed at the end */
    size_t nowned;
} jobc_checker;

#define JOBC_ERROR(c, loc, ...) ((c)->errors++, idl_report((c)->sink, IDL_ERROR, (loc), __VA_ARGS__))
#define JOBC_NOTE(c, loc, ...) idl_report((c)->sink, IDL_NOTE, (loc), __VA_ARGS__)
#define JOBC_WARNING(c, loc, ...) idl_report((c)->sink, IDL_WARNING, (loc), __VA_ARGS__)

/* A note at a declaration of this file or of an imported one (its file's sink). */
void jobc_note_at(jobc_checker *c, const idl_decl *d, idl_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A string owned by the checker (freed when the check ends). */
const char *jobc_own(jobc_checker *c, char *s);

/* shared helpers (check.c) */
const char *jobc_suggest(const char *word, const char *const *cands, size_t n);
idl_prim jobc_prim_of(const char *name);
bool jobc_in_list(const char *name, const char *const *list);
const char *jobc_decl_what(const idl_decl *d);
/* The builtin type names: jobc_prim_name(0 .. JOBC_NPRIMS - 1). */
#define JOBC_NPRIMS 9
const char *jobc_prim_name(size_t i);

/* check_names.c */
void jobc_check_imported_names(jobc_checker *c);
void jobc_check_package_scope(jobc_checker *c);
const char *jobc_ident_problem(const char *name);
bool jobc_check_ident(jobc_checker *c, const char *what, const char *name, idl_loc loc);
void jobc_check_package(jobc_checker *c);
void jobc_check_decl_names(jobc_checker *c);
void jobc_check_fields(jobc_checker *c, const char *what, const char *owner, idl_loc owner_loc,
                       idl_field **fs, size_t n);
void jobc_check_enum(jobc_checker *c, const idl_enum *e);

/* check_numbers.c: assigns each field its wire number (tag) */
void jobc_check_numbers(jobc_checker *c, const char *what, const char *owner, idl_field **fs,
                        size_t n, idl_reserved *const *rs, size_t nr);

/* check_gen.c */
void jobc_check_generated_names(jobc_checker *c);

/* check_types.c */
void jobc_resolve_type(jobc_checker *c, idl_type *t);
void jobc_order_messages(jobc_checker *c);
void jobc_measure_messages(jobc_checker *c);

/* check_options.c */
void jobc_check_options(jobc_checker *c, const idl_job *job, jobc_opts *o);

#endif
