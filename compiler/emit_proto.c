/* emit_proto.c - the .proto twin of a .job file (proto3), for other languages and protoc. */
#include "ctypes.h"

#include <stdio.h>
#include <string.h>

static const char *const jobc_proto_types[] = {
    [IDL_PRIM_BOOL] = "bool",     [IDL_PRIM_I32] = "int32",   [IDL_PRIM_I64] = "int64",
    [IDL_PRIM_U32] = "uint32",    [IDL_PRIM_U64] = "uint64",  [IDL_PRIM_F32] = "float",
    [IDL_PRIM_F64] = "double",    [IDL_PRIM_STRING] = "string", [IDL_PRIM_BYTES] = "bytes"};

/* reserved 2, 5 to 7; reserved "old"; (protobuf keeps numbers and names apart) */
static void jobc_proto_reserved(idl_reserved *const *rs, size_t nr, jobc_buf *out)
{
    for (int names = 0; names < 2; names++) {
        jobc_buf items = {0};
        for (size_t i = 0; i < nr; i++) {
            const idl_reserved *r = rs[i];
            if ((r->name != NULL) != names) continue;
            if (items.len) jobc_buf_puts(&items, ", ");
            if (r->name) jobc_buf_printf(&items, "\"%s\"", r->name);
            else if (r->lo == r->hi) jobc_buf_printf(&items, "%llu", (unsigned long long)r->lo);
            else jobc_buf_printf(&items, "%llu to %llu", (unsigned long long)r->lo, (unsigned long long)r->hi);
        }
        if (items.len) {
            jobc_tmpl(out, jobc_template("reserved.proto"), (const char *const[]){"items", items.data, NULL});
        }
        jobc_buf_free(&items);
    }
}

static void jobc_proto_message(const char *package, const char *name, const char *doc,
                               idl_field **fs, size_t n, idl_reserved *const *rs, size_t nr,
                               jobc_buf *out)
{
    jobc_buf fields = {0};
    jobc_buf_puts(&fields, "");
    for (size_t i = 0; i < n; i++) {
        const idl_type *t = fs[i]->type->elem ? fs[i]->type->elem : fs[i]->type;
        char tag[16];
        snprintf(tag, sizeof tag, "%u", fs[i]->tag);
        const char *type = t->msg ? t->msg->name : t->enm ? t->enm->name : jobc_proto_types[t->prim];
        const char *pkg = t->msg ? t->msg->package : t->enm ? t->enm->package : NULL;
        char qualified[2 * JOBC_NAME_MAX];
        if (pkg && (!package || strcmp(pkg, package) != 0)) { /* a type of an imported package */
            snprintf(qualified, sizeof qualified, "%s.%s", pkg, type);
            type = qualified;
        }
        jobc_tmpl(&fields, jobc_template("field.proto"),
                  (const char *const[]){"label", fs[i]->type->elem ? "repeated "
                                                 : fs[i]->type->optional ? "optional " : "",
                                        "type", type, "name", fs[i]->name, "tag", tag, NULL});
    }
    jobc_proto_reserved(rs, nr, &fields);
    jobc_buf d = {0};
    jobc_doc(&d, doc, true);
    jobc_tmpl(out, jobc_template("message.proto"),
              (const char *const[]){"doc", d.data, "name", name, "fields", fields.data, NULL});
    jobc_buf_free(&d);
    jobc_buf_free(&fields);
}

static void jobc_proto_enum(const idl_enum *e, jobc_buf *out)
{
    jobc_buf values = {0}, doc = {0};
    jobc_buf_puts(&values, "");
    char num[24];
    for (size_t i = 0; i < e->nvalues; i++) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)e->values[i]->num);
        jobc_tmpl(&values, jobc_template("enum_value.proto"),
                  (const char *const[]){"value", e->values[i]->name, "num", num, NULL});
    }
    jobc_doc(&doc, e->doc, true);
    jobc_tmpl(out, jobc_template("enum.proto"),
              (const char *const[]){"doc", doc.data, "name", e->name, "values", values.data, NULL});
    jobc_buf_free(&values);
    jobc_buf_free(&doc);
}

void jobc_emit_proto(const jobc_model *m, const char *base, jobc_buf *out)
{
    jobc_buf msgs = {0}, package = {0};
    jobc_buf_puts(&msgs, "");
    jobc_buf_puts(&package, "");
    if (m->package) jobc_buf_printf(&package, "package %s;\n", m->package);
    for (size_t i = 0; i < m->file->ndecls; i++) {
        const idl_decl *d = m->file->decls[i];
        if (d->kind == IDL_DECL_MESSAGE) {
            jobc_proto_message(m->package, d->name, d->message->doc, d->message->fields, d->message->nfields,
                               d->message->reserved, d->message->nreserved, &msgs);
        } else if (d->kind == IDL_DECL_ENUM) {
            jobc_proto_enum(d->enm, &msgs);
        }
    }
    for (size_t i = 0; i < m->njobs; i++) {
        const idl_job *j = m->jobs[i];
        char name[512];
        snprintf(name, sizeof name, "%s_args", j->name);
        jobc_proto_message(m->package, name, j->doc, j->params, j->nparams, j->reserved, j->nreserved, &msgs);
        idl_field value = {.name = JOBC_RESULT_FIELD, .type = j->result, .tag = 1};
        idl_field *vp = &value;
        snprintf(name, sizeof name, "%s_result", j->name);
        jobc_proto_message(m->package, name, NULL, j->result ? &vp : NULL, j->result ? 1 : 0, NULL, 0, &msgs);
    }
    if (msgs.len) msgs.data[--msgs.len] = '\0'; /* no blank line at the end */
    char source[512];
    snprintf(source, sizeof source, "%s.job", base);
    jobc_buf imports = {0};
    jobc_emit_imports(m, "import.proto", &imports);
    jobc_tmpl(out, jobc_template("file.proto"),
              (const char *const[]){"version", JOBC_VERSION, "source", source, "package",
                                    package.data, "imports", imports.data, "messages", msgs.data,
                                    NULL});
    jobc_buf_free(&imports);
    jobc_buf_free(&msgs);
    jobc_buf_free(&package);
}
