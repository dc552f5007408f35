/* ctypes.h - how .job types map to C and nanopb (shared by the C emitters; module-private). */
#ifndef JOBC_CTYPES_H
#define JOBC_CTYPES_H

#include "jobc.h"

#define JOBC_NAME_MAX 256

/* A doc comment as C (a block comment) or proto (// lines); nothing when doc is NULL. */
void jobc_doc(jobc_buf *b, const char *doc, bool proto);
/* name with the package prefix ("geometry_" name), into out. */
void jobc_cname(const jobc_model *m, const char *name, char *out);
/* The type of a singular member of type t: "uint32_t", "char *", "geometry_Point". */
void jobc_member_ctype(const jobc_model *m, const idl_type *t, char *out);
/* "T name" with the usual spacing ("char *s", "uint32_t a"), appended to b. */
void jobc_declare(jobc_buf *b, const char *ctype, const char *prefix, const char *name);
/* Struct members of one field ("    uint32_t a;\n" or count + pointer for arrays). */
void jobc_members(jobc_buf *b, const jobc_model *m, const idl_field *f);
/* Parameter(s) of one field as the implementation and the callers see it. */
void jobc_params(jobc_buf *b, const jobc_model *m, const idl_field *f);
/* A malloc'd copy of fs sorted by field number (free it). */
idl_field **jobc_fields_by_tag(idl_field *const *fs, size_t n);
/* One nanopb FIELDLIST entry, in nanopb_generator's own layout. */
void jobc_fieldlist_entry(jobc_buf *b, const idl_field *f, int tag);
/* Whether an optional member of type t has nanopb's has_ flag (scalars, enums and
   messages; optional strings and bytes are absent as NULL). */
bool jobc_has_flag(const idl_type *t);
/* Whether a value of type t owns malloc'd memory (strings, bytes, arrays, inside messages). */
bool jobc_type_owns(const idl_type *t);
/* The C spelling of parameter f: its name, or NAME_arg__ when the name is also a C
   name the generated code uses at file scope (a message type, a stub, a library
   name), which the parameter would hide inside the stubs. */
void jobc_param_cname(const jobc_model *m, const idl_field *f, char *out);
/* Sizes and alignments of msg's C struct on both targets (its messages measured first). */
void jobc_layout_message(idl_message *msg);
/* nanopb descriptor width for a struct with these fields ("AUTO", "2", "4"), chosen by
   nanopb_generator's rule from the largest tag, offset and member size on either target. */
const char *jobc_descriptor_width(idl_field *const *fs, size_t n);
/* "abc.job" -> "ABC_JOB_H"-style guard from base. */
void jobc_guard(const char *base, char *out);

#endif

/* The pieces of one job's C signatures, shared by the header and source emitters. */
typedef struct jobc_sig {
    char fn[JOBC_NAME_MAX];       /* C name of the implementation: geometry_square */
    char out_type[JOBC_NAME_MAX]; /* caller's output type ("" when no result) */
    jobc_buf params;              /* "uint32_t a, uint32_t b" */
    jobc_buf params_c;            /* params followed by ", " (empty when none) */
    jobc_buf args_c;              /* "a, b, " */
    jobc_buf impl_ret;            /* "uint32_t", "void", "geometry_stats_result" */
    /* the output parameter, "" when the job has no result */
    char out_c[JOBC_NAME_MAX + 16];  /* "uint32_t *out__, " */
    char out_p[JOBC_NAME_MAX + 16];  /* ", uint32_t *out__" */
    char outs_p[JOBC_NAME_MAX + 16]; /* ", uint32_t *outs__" */
} jobc_sig;

void jobc_sig_init(jobc_sig *s, const jobc_model *m, const idl_job *j);
void jobc_sig_free(jobc_sig *s);
