/*
 * names.h - name tables of the checks: a string hash map (jobc_names), the
 * names the C headers around generated code reserve (jobc_reserved, read off
 * the headers at build time by gen_reserved.py), and the names each
 * declaration generates, read off the templates (jobc_gen).
 */
#ifndef JOBC_NAMES_H
#define JOBC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* A map from strings (not copied: they must outlive the map) to pointers. */
typedef struct jobc_names {
    struct jobc_name_slot { const char *key; size_t hash; void *value; } *slots;
    size_t cap, len;
} jobc_names;

/* The value stored under key, or NULL. */
void *jobc_names_get(const jobc_names *t, const char *key);
/* Stores value under key unless key is there; returns the value already there or NULL. */
void *jobc_names_put(jobc_names *t, const char *key, void *value);
void jobc_names_free(jobc_names *t);

/* Who reserves a name. */
typedef enum jobc_reserved_kind {
    JOBC_RESERVED_LIBC,     /* declared by the C library or POSIX headers */
    JOBC_RESERVED_MACRO,    /* a macro of those headers or of the compiler */
    JOBC_RESERVED_NANOPB,   /* declared by nanopb's headers */
    JOBC_RESERVED_LUCIDITY, /* declared by lucidity.h */
    JOBC_RESERVED_PREFIX,   /* in a namespace of nanopb or lucidity (pb_, lucidity_, ...) */
    JOBC_RESERVED_PROGRAM   /* a name every C program has (main) */
} jobc_reserved_kind;

typedef struct jobc_reserved {
    const char *name;
    jobc_reserved_kind kind;
} jobc_reserved;

extern const jobc_reserved jobc_reserved_names[]; /* sorted by name */
extern const size_t jobc_nreserved;

/* How name is reserved, or NULL when it is free. */
const jobc_reserved *jobc_reserved_lookup(const char *name);
/* Whether some reserved name starts with prefix (or prefix is in a reserved namespace). */
bool jobc_reserved_may_extend(const char *prefix);
/* "a macro of the C headers", "a name of the C library", ... */
const char *jobc_reserved_what(jobc_reserved_kind kind);

/*
 * The identifiers the C templates generate, as patterns over placeholders:
 * "${T}_fields" is {"T", "_fields"}. Patterns are read once from the embedded
 * templates, so adding a name to a template adds it to the collision checks.
 */
typedef struct jobc_gen_table {
    char **patterns;      /* e.g. "${T}_${field}_MSGTYPE" */
    size_t npatterns;
    jobc_names literals;  /* every literal identifier */
    jobc_names beside;    /* those in functions that also take the user's parameters */
    const char **sorted;  /* the literal identifiers, sorted */
    size_t nsorted;
} jobc_gen_table;

/* Reads the embedded templates into g (once per check); jobc_gen_free releases it. */
void jobc_gen_read(jobc_gen_table *g);
void jobc_gen_free(jobc_gen_table *g);

/* The stubs' output parameters: the one name the emitters spell in C code rather than
   in a template (it is there only for jobs with a result). The template tables below
   count them as literal identifiers of the templates. */
#define JOBC_OUT_PARAM "out"
#define JOBC_OUTS_PARAM "outs"

/* Expands every pattern that uses only the placeholders in kv (key, value, ...,
   NULL) and at least one of them; calls fn for each resulting name. */
void jobc_gen_names(const jobc_gen_table *g, const char *const *kv,
                    void (*fn)(void *user, const char *name), void *user);
/* Whether a pattern that jobc_gen_names would expand with kv spells name. */
bool jobc_gen_matches(const jobc_gen_table *g, const char *const *kv, const char *name);
/* Whether ident is an identifier the C templates use literally (lucidity_call, args__, ...). */
bool jobc_gen_is_template_ident(const jobc_gen_table *g, const char *ident);
/* Whether some identifier the C templates use literally starts with prefix. */
bool jobc_gen_literal_may_extend(const jobc_gen_table *g, const char *prefix);
/* Whether ident is used literally in a function that also takes the user's parameters
   (out, opts, h, lucidity_call, ...), where a parameter of that name would hide it. */
bool jobc_gen_is_beside_params(const jobc_gen_table *g, const char *ident);

#endif
