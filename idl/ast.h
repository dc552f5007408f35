/*
 * ast.h - the .job syntax tree, built by the parser (parser.y) and read by
 * jobc's checks and emitters. All nodes live in one arena owned by idl_file,
 * so error recovery in the grammar never leaks and freeing is one call.
 */
#ifndef IDL_AST_H
#define IDL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Same field names as bison's default YYLTYPE; columns are 1-based, last_column inclusive. */
typedef struct idl_loc {
    int first_line, first_column, last_line, last_column;
} idl_loc;

typedef enum idl_severity { IDL_ERROR, IDL_NOTE, IDL_WARNING } idl_severity;

/* Where the front end (and jobc's checks) send diagnostics. */
typedef struct idl_sink {
    void (*report)(void *user, idl_severity sev, idl_loc loc, const char *msg);
    void *user;
} idl_sink;

typedef enum idl_prim {
    IDL_PRIM_NONE = 0, /* a message name or an array */
    IDL_PRIM_BOOL, IDL_PRIM_I32, IDL_PRIM_I64, IDL_PRIM_U32, IDL_PRIM_U64,
    IDL_PRIM_F32, IDL_PRIM_F64, IDL_PRIM_STRING, IDL_PRIM_BYTES
} idl_prim;

struct idl_message;
struct idl_enum;

typedef struct idl_type {
    const char *name;        /* NULL for an array */
    struct idl_type *elem;   /* element type of `[T]` */
    idl_loc loc;
    int optional;            /* `optional T`: the value has presence */
    /* filled in by the checks: a builtin, a message or an enum */
    idl_prim prim;
    struct idl_message *msg;
    struct idl_enum *enm;
} idl_type;

/* A message field or a job parameter. */
typedef struct idl_field {
    const char *name;
    idl_loc loc;
    idl_type *type;
    int numbered;      /* a field number was written (`x: u32 = 3;`) */
    uint64_t num;
    idl_loc num_loc;
    /* filled in by the checks */
    uint32_t tag;      /* the field number on the wire: num, or its position (1..n) */
} idl_field;

/* `reserved 2, 5 to 7;` or `reserved "old";` in a message or a job's option block. */
typedef struct idl_reserved {
    idl_loc loc;
    uint64_t lo, hi;   /* a number range (lo == hi for one number), when name is NULL */
    const char *name;  /* a reserved field name */
} idl_reserved;

typedef struct idl_value {
    const char *ident; /* an identifier value, or NULL for a number */
    uint64_t num;
    const char *unit;  /* suffix of a number ("" when none) */
    idl_loc loc;
} idl_value;

typedef struct idl_option {
    const char *name;
    idl_loc loc;
    idl_value value;
} idl_option;

/* One value of an enum: NAME = number. */
typedef struct idl_enum_value {
    const char *name;
    idl_loc loc;
    uint64_t num;
} idl_enum_value;

typedef struct idl_enum {
    const char *name;
    idl_loc loc;
    const char *doc;   /* doc comment before it, or NULL */
    const char *cname; /* its C name (package prefix included), set by its file's checks */
    const char *package; /* its file's package, or NULL */
    idl_enum_value **values;
    size_t nvalues;
} idl_enum;

typedef struct idl_message {
    const char *name;
    idl_loc loc;
    const char *doc;   /* doc comment before it, or NULL */
    const char *cname; /* its C name (package prefix included), set by its file's checks */
    const char *package; /* its file's package, or NULL */
    idl_field **fields;
    size_t nfields;
    idl_reserved **reserved;
    size_t nreserved;
    /* filled in by the checks */
    int visit;          /* dependency walk state */
    uint64_t csize[2];  /* sizeof the C struct: [0] on LP64 hosts, [1] on wasm32 */
    uint64_t calign[2]; /* its alignment, same order */
    size_t depth;       /* longest chain of messages inside (by value or array), itself included */
} idl_message;

typedef struct idl_job {
    const char *name;
    idl_loc loc;
    const char *doc;   /* doc comment before it, or NULL */
    idl_field **params;
    size_t nparams;
    idl_type *result; /* NULL: no result */
    idl_option **options;
    size_t noptions;
    idl_reserved **reserved; /* of the parameters' field numbers and names */
    size_t nreserved;
} idl_job;

typedef enum idl_decl_kind {
    IDL_DECL_PACKAGE, IDL_DECL_MESSAGE, IDL_DECL_JOB, IDL_DECL_ENUM, IDL_DECL_IMPORT
} idl_decl_kind;

struct idl_file;

typedef struct idl_decl {
    idl_decl_kind kind;
    idl_loc loc;
    const char *name;    /* package name for IDL_DECL_PACKAGE, the path for IDL_DECL_IMPORT */
    const struct idl_file *file; /* the file that declares it */
    idl_message *message;
    idl_job *job;
    idl_enum *enm;
} idl_decl;

typedef struct idl_arena idl_arena;

typedef struct idl_file {
    const char *path;
    idl_decl **decls;
    size_t ndecls;
    idl_arena *arena;
    /* Declarations may be missing: the file had syntax errors (recovery skips
       what it cannot read), or, set by the loader, an import failed or is
       incomplete itself. Checks then do not report names as unknown: those
       errors would be echoes of the first. */
    bool incomplete;
} idl_file;

/* Arena and growable pointer arrays. */
void *idl_alloc(idl_file *f, size_t size);
char *idl_strdup(idl_file *f, const char *s, size_t len);
void idl_push(idl_file *f, void ***items, size_t *n, void *item);

/*
 * Parses `len` bytes of source; reports syntax errors to sink and returns
 * their count. *out is always a valid tree (possibly partial); free it with
 * idl_file_free.
 */
int idl_parse(const char *path, const char *src, size_t len, const idl_sink *sink,
              idl_file **out);
idl_file *idl_file_new(const char *path);
void idl_file_free(idl_file *f);

/* Formats a message and sends it to the sink. */
void idl_report(const idl_sink *sink, idl_severity sev, idl_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
