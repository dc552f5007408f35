/* ctypes.c - the .job → C / nanopb type mapping (see LANGUAGE.md for the table). */
#include "ctypes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct { const char *ctype, *ltype; } jobc_prim_map[] = {
    [IDL_PRIM_NONE] = {"", "MESSAGE"},
    [IDL_PRIM_BOOL] = {"bool", "BOOL"},
    [IDL_PRIM_I32] = {"int32_t", "INT32"},
    [IDL_PRIM_I64] = {"int64_t", "INT64"},
    [IDL_PRIM_U32] = {"uint32_t", "UINT32"},
    [IDL_PRIM_U64] = {"uint64_t", "UINT64"},
    [IDL_PRIM_F32] = {"float", "FLOAT"},
    [IDL_PRIM_F64] = {"double", "DOUBLE"},
    [IDL_PRIM_STRING] = {"char *", "STRING"},
    [IDL_PRIM_BYTES] = {"pb_bytes_array_t *", "BYTES"},
};

void jobc_cname(const jobc_model *m, const char *name, char *out)
{
    snprintf(out, JOBC_NAME_MAX, "%s%s%s", m->package ? m->package : "", m->package ? "_" : "",
             name);
}

void jobc_member_ctype(const jobc_model *m, const idl_type *t, char *out)
{
    if (t->msg) {
        jobc_cname(m, t->msg->name, out);
    } else {
        snprintf(out, JOBC_NAME_MAX, "%s", jobc_prim_map[t->prim].ctype);
    }
}

void jobc_declare(jobc_buf *b, const char *ctype, const char *prefix, const char *name)
{
    size_t n = strlen(ctype);
    jobc_buf_printf(b, "%s%s%s%s", prefix, ctype, n && ctype[n - 1] == '*' ? "" : " ", name);
}

void jobc_members(jobc_buf *b, const jobc_model *m, const idl_field *f)
{
    char ctype[JOBC_NAME_MAX + 2];
    if (f->type->elem) {
        jobc_member_ctype(m, f->type->elem, ctype);
        jobc_buf_printf(b, "    pb_size_t %s_count;\n", f->name);
        strcat(ctype, strchr(ctype, '*') ? "*" : " *");
    } else {
        jobc_member_ctype(m, f->type, ctype);
    }
    jobc_declare(b, ctype, "    ", f->name);
    jobc_buf_puts(b, ";\n");
}

void jobc_params(jobc_buf *b, const jobc_model *m, const idl_field *f)
{
    char ctype[JOBC_NAME_MAX + 8];
    const idl_type *t = f->type->elem ? f->type->elem : f->type;
    jobc_member_ctype(m, t, ctype);
    if (f->type->elem) {
        /* const T *x, pb_size_t x_count (T = char *: char *const *x) */
        char elem[JOBC_NAME_MAX + 8];
        snprintf(elem, sizeof elem, "%s", ctype);
        snprintf(ctype, sizeof ctype, strchr(elem, '*') ? "%sconst *" : "const %s *", elem);
        jobc_declare(b, ctype, "", f->name);
        jobc_buf_printf(b, ", pb_size_t %s_count", f->name);
        return;
    }
    if (t->msg) {
        jobc_buf_printf(b, "const %s *%s", ctype, f->name);
    } else if (t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES) {
        jobc_buf_printf(b, "const %s%s", ctype, f->name);
    } else {
        jobc_declare(b, ctype, "", f->name);
    }
}

void jobc_fieldlist_entry(jobc_buf *b, const idl_field *f, int tag)
{
    const idl_type *t = f->type->elem ? f->type->elem : f->type;
    const char *atype = f->type->elem || t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES
                            ? "POINTER,"
                            : "STATIC,";
    const char *htype = f->type->elem ? "REPEATED," : "SINGULAR,";
    char ltype[32], name[JOBC_NAME_MAX + 2];
    snprintf(ltype, sizeof ltype, "%s,", jobc_prim_map[t->msg ? IDL_PRIM_NONE : t->prim].ltype);
    snprintf(name, sizeof name, "%s,", f->name);
    jobc_buf_printf(b, "X__(a__, %-9s %-9s %-9s %-16s %3d)", atype, htype, ltype, name, tag);
}

bool jobc_type_owns(const idl_type *t)
{
    if (t->elem || t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES) return true;
    if (!t->msg) return false;
    for (size_t i = 0; i < t->msg->nfields; i++) {
        if (jobc_type_owns(t->msg->fields[i]->type)) return true;
    }
    return false;
}

void jobc_guard(const char *base, char *out)
{
    size_t n = 0;
    for (const char *p = base; *p && n < JOBC_NAME_MAX - 8; p++) {
        out[n++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    }
    strcpy(out + n, "_JOB_H");
}

void jobc_sig_init(jobc_sig *s, const jobc_model *m, const idl_job *j)
{
    memset(s, 0, sizeof *s);
    jobc_cname(m, j->name, s->fn);
    for (size_t i = 0; i < j->nparams; i++) {
        const idl_field *f = j->params[i];
        if (i) jobc_buf_puts(&s->params, ", ");
        jobc_params(&s->params, m, f);
        jobc_buf_printf(&s->args_c, f->type->elem ? "%s, %s_count, " : "%s, ", f->name, f->name);
    }
    jobc_buf_puts(&s->args_c, "");
    jobc_buf_puts(&s->params_c, s->params.data ? s->params.data : "");
    if (j->nparams) jobc_buf_puts(&s->params_c, ", ");
    if (!j->result) {
        jobc_buf_puts(&s->impl_ret, "void");
    } else if (j->result->elem) {
        snprintf(s->out_type, sizeof s->out_type, "%s_result", s->fn);
        jobc_buf_puts(&s->impl_ret, s->out_type);
    } else {
        jobc_member_ctype(m, j->result, s->out_type);
        jobc_buf_puts(&s->impl_ret, s->out_type);
    }
    if (!s->params.data) jobc_buf_puts(&s->params, "");
}

void jobc_sig_free(jobc_sig *s)
{
    jobc_buf_free(&s->params);
    jobc_buf_free(&s->params_c);
    jobc_buf_free(&s->args_c);
    jobc_buf_free(&s->impl_ret);
}
