/* ctypes.c - the .job → C / nanopb type mapping (see LANGUAGE.md for the table). */
#include "ctypes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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

void jobc_doc(jobc_buf *b, const char *doc, bool proto)
{
    jobc_buf_puts(b, "");
    if (!doc) return;
    jobc_buf lines = {0};
    jobc_buf_puts(&lines, "");
    for (const char *p = doc; p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        jobc_buf line = {0};
        for (size_t i = 0; i < n; i++) { /* a C comment cannot hold its own end */
            jobc_buf_add(&line, p + i, 1);
            if (!proto && p[i] == '*' && i + 1 < n && p[i + 1] == '/') jobc_buf_puts(&line, "\\");
        }
        jobc_buf_puts(&line, "");
        jobc_tmpl(&lines, jobc_template(proto ? "doc_line.proto" : "doc_line.h"),
                  (const char *const[]){"line", line.data, NULL});
        jobc_buf_free(&line);
        p = nl ? nl + 1 : NULL;
    }
    if (proto) jobc_buf_puts(b, lines.data);
    else jobc_tmpl(b, jobc_template("doc.h"), (const char *const[]){"lines", lines.data, NULL});
    jobc_buf_free(&lines);
}

void jobc_cname(const jobc_model *m, const char *name, char *out)
{
    snprintf(out, JOBC_NAME_MAX, "%s%s%s", m->package ? m->package : "", m->package ? "_" : "",
             name);
}

void jobc_member_ctype(const jobc_model *m, const idl_type *t, char *out)
{
    (void)m; /* messages and enums carry their C names: their own file's package prefix */
    if (t->msg) {
        snprintf(out, JOBC_NAME_MAX, "%s", t->msg->cname); /* its own file's package prefix */
    } else if (t->enm) {
        snprintf(out, JOBC_NAME_MAX, "%s", t->enm->cname);
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
        if (jobc_has_flag(f->type)) jobc_buf_printf(b, "    bool has_%s;\n", f->name);
    }
    jobc_declare(b, ctype, "    ", f->name);
    jobc_buf_puts(b, ";\n");
}

void jobc_params(jobc_buf *b, const jobc_model *m, const idl_field *f)
{
    char ctype[JOBC_NAME_MAX + 8], name[JOBC_NAME_MAX];
    jobc_param_cname(m, f, name);
    const idl_type *t = f->type->elem ? f->type->elem : f->type;
    jobc_member_ctype(m, t, ctype);
    if (f->type->elem) {
        /* const T *x, pb_size_t x_count (T = char *: char *const *x) */
        char elem[JOBC_NAME_MAX + 8];
        snprintf(elem, sizeof elem, "%s", ctype);
        snprintf(ctype, sizeof ctype, strchr(elem, '*') ? "%sconst *" : "const %s *", elem);
        jobc_declare(b, ctype, "", name);
        jobc_buf_printf(b, ", pb_size_t %s_count", name);
        return;
    }
    if (t->msg || jobc_has_flag(t)) { /* by pointer; an optional one is NULL when absent */
        jobc_buf_printf(b, "const %s *%s", ctype, name);
    } else if (t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES) {
        jobc_buf_printf(b, "const %s%s", ctype, name);
    } else {
        jobc_declare(b, ctype, "", name);
    }
}

static int jobc_tag_cmp(const void *x, const void *y)
{
    const idl_field *a = *(idl_field *const *)x, *b = *(idl_field *const *)y;
    return a->tag < b->tag ? -1 : a->tag > b->tag;
}

idl_field **jobc_fields_by_tag(idl_field *const *fs, size_t n)
{
    idl_field **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) abort();
    if (n) memcpy(sorted, fs, n * sizeof *sorted);
    if (n) qsort(sorted, n, sizeof *sorted, jobc_tag_cmp);
    return sorted;
}

void jobc_fieldlist_entry(jobc_buf *b, const idl_field *f, int tag)
{
    const idl_type *t = f->type->elem ? f->type->elem : f->type;
    const char *atype = f->type->elem || t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES
                            ? "POINTER,"
                            : "STATIC,";
    const char *htype = f->type->elem ? "REPEATED," : f->type->optional ? "OPTIONAL," : "SINGULAR,";
    char ltype[32], name[JOBC_NAME_MAX + 2];
    snprintf(ltype, sizeof ltype, "%s,",
             t->enm ? "ENUM" : jobc_prim_map[t->msg ? IDL_PRIM_NONE : t->prim].ltype);
    snprintf(name, sizeof name, "%s,", f->name);
    jobc_buf_printf(b, "X__(a__, %-9s %-9s %-9s %-16s %3d)", atype, htype, ltype, name, tag);
}

bool jobc_has_flag(const idl_type *t)
{
    return t->optional && !t->elem && t->prim != IDL_PRIM_STRING && t->prim != IDL_PRIM_BYTES;
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

void jobc_param_cname(const jobc_model *m, const idl_field *f, char *out)
{
    char count[JOBC_NAME_MAX];
    snprintf(count, sizeof count, "%s_count", f->name);
    bool hides = false;
    for (int k = 0; k < (f->type->elem ? 2 : 1); k++) {
        const char *n = k ? count : f->name;
        hides = hides || jobc_reserved_lookup(n) || jobc_gen_is_beside_params(&m->gen, n) ||
                jobc_model_generator(m, n);
    }
    snprintf(out, JOBC_NAME_MAX, hides ? "%s_arg__" : "%s", f->name);
}

/* Size and alignment of one member of type t on target k (0: LP64, 1: wasm32). */
static void jobc_member_layout(const idl_type *t, int k, uint64_t *size, uint64_t *align)
{
    static const uint64_t prim_size[] = {
        [IDL_PRIM_BOOL] = 1, [IDL_PRIM_I32] = 4, [IDL_PRIM_I64] = 8, [IDL_PRIM_U32] = 4,
        [IDL_PRIM_U64] = 8,  [IDL_PRIM_F32] = 4, [IDL_PRIM_F64] = 8};
    uint64_t ptr = k == 0 ? 8 : 4;
    if (t->elem || t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES) {
        *size = *align = ptr;
    } else if (t->enm) {
        *size = *align = 4; /* an int-sized C enum on both targets */
    } else if (t->msg) {
        *size = t->msg->csize[k];
        *align = t->msg->calign[k];
    } else {
        *size = *align = prim_size[t->prim];
    }
}

static uint64_t jobc_align_up(uint64_t n, uint64_t a)
{
    return (n + a - 1) / a * a;
}

/* Lays out fs as C does on target k: the struct size, and the largest member offset
   and member size (what nanopb's descriptors must hold). */
static void jobc_struct_layout(idl_field *const *fs, size_t n, int k, uint64_t *size,
                               uint64_t *align, uint64_t *max_member)
{
    uint64_t off = 0, al = 1, big = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s, a;
        if (fs[i]->type->elem) { /* pb_size_t x_count (PB_FIELD_32BIT: 4 bytes), then T *x */
            off = jobc_align_up(off, 4) + 4;
            if (al < 4) al = 4;
        } else if (jobc_has_flag(fs[i]->type)) { /* bool has_x, then x */
            off += 1;
        }
        jobc_member_layout(fs[i]->type, k, &s, &a);
        if (a == 0) a = 1;
        off = jobc_align_up(off, a) + s;
        if (a > al) al = a;
        /* nanopb's data_size of a pointer field is its element's size (pb_membersize of
           m[0]): a whole message for an array of messages */
        uint64_t ds = s, ea;
        if (fs[i]->type->elem) jobc_member_layout(fs[i]->type->elem, k, &ds, &ea);
        if (ds > big) big = ds;
    }
    if (n == 0) off = 1; /* char dummy_field */
    *size = jobc_align_up(off, al);
    *align = al;
    *max_member = big;
}

void jobc_layout_message(idl_message *msg)
{
    for (int k = 0; k < 2; k++) {
        uint64_t big;
        jobc_struct_layout(msg->fields, msg->nfields, k, &msg->csize[k], &msg->calign[k], &big);
    }
}

const char *jobc_descriptor_width(idl_field *const *fs, size_t n)
{
    uint64_t max_offset = 0, max_data = 0;
    for (int k = 0; k < 2; k++) {
        uint64_t size, align, big;
        jobc_struct_layout(fs, n, k, &size, &align, &big);
        if (size > max_offset) max_offset = size;
        if (big > max_data) max_data = big;
    }
    /* nanopb_generator.py, Message.required_descriptor_width (0.4.7); arrays here are
       pointers, so no array size limit applies. Width 1 is pb.h's AUTO, which raises
       strings, messages and arrays to 2 by itself. */
    uint64_t max_tag = 0;
    for (size_t i = 0; i < n; i++) {
        if (fs[i]->tag > max_tag) max_tag = fs[i]->tag;
    }
    if (n == 0) return "AUTO";
    if (max_tag > 0x3FF || max_offset > 0xFFFF || max_data > 0x0FFF) return "4";
    if (max_tag > 0x3F || max_offset > 0xFF) return "2";
    return "AUTO";
}

void jobc_guard(const char *base, char *out)
{
    size_t n = 0;
    if (!isalpha((unsigned char)base[0])) { /* 1x.job: a macro name cannot start with a digit */
        strcpy(out, "JOB_");
        n = 4;
    }
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
        char name[JOBC_NAME_MAX];
        jobc_param_cname(m, f, name);
        jobc_buf_printf(&s->args_c, f->type->elem ? "%s, %s_count, " : "%s, ", name, name);
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
    if (j->result) {
        const char *sp = s->out_type[strlen(s->out_type) - 1] == '*' ? "" : " ";
        snprintf(s->out_c, sizeof s->out_c, "%s%s*" JOBC_OUT_PARAM ", ", s->out_type, sp);
        snprintf(s->out_p, sizeof s->out_p, ", %s%s*" JOBC_OUT_PARAM, s->out_type, sp);
        snprintf(s->outs_p, sizeof s->outs_p, ", %s%s*" JOBC_OUTS_PARAM, s->out_type, sp);
    }
}

void jobc_sig_free(jobc_sig *s)
{
    jobc_buf_free(&s->params);
    jobc_buf_free(&s->params_c);
    jobc_buf_free(&s->args_c);
    jobc_buf_free(&s->impl_ret);
}
