/*
 * jobc.h - the jobc compiler as a library: checks over the idl_ syntax tree,
 * diagnostics rendering, and the emitters (C header, C source, proto).
 * main.c is only the command line around it; tests call it in-process.
 */
#ifndef JOBC_H
#define JOBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "names.h"

#define JOBC_VERSION "0.1.0"

/* A growable text buffer; emitters append to it. */
typedef struct jobc_buf {
    char *data;
    size_t len, cap;
} jobc_buf;

void jobc_buf_add(jobc_buf *b, const char *s, size_t len);
void jobc_buf_puts(jobc_buf *b, const char *s);
void jobc_buf_printf(jobc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jobc_buf_free(jobc_buf *b);

/*
 * Fills a template: "${key}" is replaced by the value paired with key in
 * kv (NULL-terminated key, value, key, value, ...). Unknown keys abort: a
 * template and its emitter must agree.
 */
void jobc_tmpl(jobc_buf *out, const char *tmpl, const char *const *kv);
/* The value kv pairs with the klen-character key, or NULL. */
const char *jobc_tmpl_value(const char *const *kv, const char *key, size_t klen);
/* The embedded template called name (templates/<name>.tmpl). */
const char *jobc_template(const char *name);
/* The embedded templates, by index (for the checks that read them). */
size_t jobc_template_count(void);
const char *jobc_template_name(size_t i);

/* Diagnostics: rendered as `file:line:col: error: msg`, source line, caret line. */
typedef struct jobc_diag {
    const char *path;
    const char *src;
    size_t len;
    int errors;      /* all errors, shown or not */
    int warnings;
    int limit;       /* errors shown before "too many errors" (0: all) */
    bool immediate;  /* write each diagnostic to stderr at once (two files' diagnostics interleave) */
    bool muted;      /* past the limit: notes of hidden errors are hidden too */
    jobc_buf out;    /* rendered text (may hold any byte: write it with its length) */
} jobc_diag;

#define JOBC_ERROR_LIMIT 20        /* default --error-limit, as clang's -ferror-limit */
#define JOBC_ECHO_WIDTH 120        /* columns of a source line echoed under a diagnostic */

void jobc_diag_init(jobc_diag *d, const char *path, const char *src, size_t len, int limit);
/* The idl_sink that renders into d->out (and counts errors). */
idl_sink jobc_diag_sink(jobc_diag *d);
void jobc_diag_free(jobc_diag *d);

/* Options of one job, resolved from its .job options (0: not set). */
enum { JOBC_FANOUT_NONE, JOBC_FANOUT_ROUNDROBIN, JOBC_FANOUT_RANDOM, JOBC_FANOUT_BALANCED };
enum { JOBC_FALLBACK_NONE, JOBC_FALLBACK_LOCAL, JOBC_FALLBACK_ERROR };
#define JOBC_NINTERVALS 6
#define JOBC_UNLIMITED UINT64_MAX
#define JOBC_POOL_MAX 4096 /* workers per job per caller */

typedef struct jobc_opts {
    uint64_t memory, fuel, timeout_ms, liveness_ms;
    uint32_t retries, concurrency, pool;
    int fanout, remote_fallback;
    uint64_t intervals[JOBC_NINTERVALS]; /* in the order of jobc_interval_names */
} jobc_opts;

extern const char *const jobc_interval_names[JOBC_NINTERVALS];

struct jobc_import;

/* The checked model the emitters read. */
typedef struct jobc_model {
    const idl_file *file;
    const char *package;  /* NULL: none */
    idl_message **msgs;   /* dependency order: a message after those it embeds */
    size_t nmsgs;
    idl_job **jobs;
    size_t njobs;
    idl_enum **enums;     /* in declaration order */
    size_t nenums;
    jobc_opts *opts;      /* per job */
    jobc_names cdecls;    /* C name (package prefix included) -> its idl_decl */
    char *cnames;         /* the storage of cdecls' keys */
    jobc_gen_table gen;   /* the names the templates generate (names.h) */
    const struct jobc_import *imports; /* the files it imports, directly or not */
    size_t nimports;
} jobc_model;

/* Checks f, reporting to sink; returns the number of errors. m is filled either way. */
int jobc_check(const idl_file *f, const idl_sink *sink, jobc_model *m);
/* The same, and with strict set a warning for each message or job whose fields are
   numbered by position (jobc --strict). */
int jobc_check_strict(const idl_file *f, const idl_sink *sink, jobc_model *m, bool strict);

/* A checked file that another imports: its model (alive while the importer is checked
   and emitted), the sink its own diagnostics go to, and whether the importer names it
   in an import (visible) or only reaches it through another file (its C names still
   share the program). */
typedef struct jobc_import jobc_import;
struct jobc_import {
    const jobc_model *model;
    const idl_sink *sink;
    const idl_decl *by;   /* the importer's import declaration, NULL when indirect */
    const char *base;     /* its output base name ("common" for common.job) */
};

int jobc_check_imports(const idl_file *f, const idl_sink *sink, jobc_model *m, bool strict,
                       const jobc_import *imports, size_t nimports);
void jobc_model_free(jobc_model *m);
/* The declaration whose generated C names include name, or NULL (after jobc_check). */
const idl_decl *jobc_model_generator(const jobc_model *m, const char *name);

/* Emitters. base is the file name without ".job" (e.g. "square"). */
void jobc_emit_header(const jobc_model *m, const char *base, jobc_buf *out);
void jobc_emit_source(const jobc_model *m, const char *base, jobc_buf *out);
void jobc_emit_proto(const jobc_model *m, const char *base, jobc_buf *out);
void jobc_emit_imports(const jobc_model *m, const char *tmpl, jobc_buf *out);

/* Limits of the checks (README "Limits"). */
#define JOBC_NAME_LEN_MAX 64     /* characters in a name */
#define JOBC_FIELDS_MAX 18999    /* fields of a message, parameters of a job: protobuf reserves 19000-19999 */
#define JOBC_IMPORT_DEPTH_MAX 64 /* files importing files: the loader recurses once a file */
#define JOBC_DEPTH_MAX 100       /* messages nested in messages, itself included: protobuf's
                                    parsers refuse deeper messages (recursion limit 100) */
#define JOBC_STRUCT_MAX 0x7fffffffull /* bytes in a C struct: nanopb's widest descriptor */

#define JOBC_MEMORY_MIN (1024ull * 1024) /* bytes: the smallest `memory` a job process runs in */

/* How the emitters name a job's structs and its result member (also read by the checks). */
#define JOBC_ARGS_SUFFIX "_args"
#define JOBC_RESULT_SUFFIX "_result"
#define JOBC_RESULT_FIELD "value"

/* Compares two checked versions of a file (compat.c): wire-breaking changes are errors
   reported to new_sink (with a note to old_sink), risky ones warnings; returns the
   number of errors. */
int jobc_compat(const jobc_model *old, const idl_sink *old_sink, const jobc_model *new,
                const idl_sink *new_sink);

/* The largest input read (docs/language.md, "Limits"): a .job file is text written by people. */
#define JOBC_INPUT_MAX (64u * 1024 * 1024)

/* Reads a whole regular file of at most JOBC_INPUT_MAX bytes (NUL-terminated); NULL
   with why not in why[cap], a phrase that follows the file's name ("is not a regular
   file"). */
char *jobc_read_input(const char *path, size_t *len, char *why, size_t cap);

/* The base of a .job file's outputs: "dir/my.square.job" -> "my.square" (malloc'd). */
char *jobc_base_name(const char *path);

/* A .job file and what it imports, loaded and checked (load.c). */
typedef struct jobc_unit jobc_unit;
typedef struct jobc_load {
    jobc_unit **units; /* [0] the input, then each imported file once */
    size_t nunits;
    int errors;        /* in any of them */
    bool io_error;
} jobc_load;

typedef struct jobc_load_opts {
    const char *const *include_dirs; /* -I */
    size_t ninclude;
    int error_limit;
    bool strict;
} jobc_load_opts;

/* Loads and checks path and its imports; the input's model, or NULL when it could not
   be read. Diagnostics go to stderr as they are made. */
const jobc_model *jobc_load_file(jobc_load *l, const jobc_load_opts *o, const char *path);
/* The sink of the input's own diagnostics. */
const idl_sink *jobc_load_sink(const jobc_load *l);
/* The imported files' paths (for the depfile); returns how many. */
size_t jobc_load_deps(const jobc_load *l, const char **paths, size_t cap);
void jobc_load_free(jobc_load *l);

/* Edit distance, for "did you mean" suggestions. */
size_t jobc_edit_distance(const char *a, const char *b);

#endif
