/* emit_header.c - the C header of a .job file: structs, nanopb descriptors, job stubs. */
#include "ctypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One struct (message, <job>_args or <job>_result) with its descriptor. */
typedef struct jobc_struct {
    char T[JOBC_NAME_MAX];
    const char *comment;
    const char *doc;
    idl_field **fields;
    size_t nfields;
} jobc_struct;

static void jobc_emit_struct(const jobc_model *m, const jobc_struct *st, jobc_buf *typedefs,
                             jobc_buf *structs, jobc_buf *descs)
{
    jobc_tmpl(typedefs, jobc_template("typedef.h"), (const char *const[]){"T", st->T, NULL});

    jobc_buf members = {0}, fieldlist = {0}, msgtypes = {0};
    /* members in declaration order; the descriptor in field-number order, so nanopb
       encodes fields in the order protobuf does */
    idl_field **by_tag = jobc_fields_by_tag(st->fields, st->nfields);
    for (size_t i = 0; i < st->nfields; i++) {
        jobc_members(&members, m, st->fields[i]);
        if (i) jobc_buf_puts(&fieldlist, " \\\n");
        jobc_fieldlist_entry(&fieldlist, by_tag[i], (int)by_tag[i]->tag);
    }
    free(by_tag);
    for (size_t i = 0; i < st->nfields; i++) {
        const idl_field *f = st->fields[i];
        const idl_type *t = f->type->elem ? f->type->elem : f->type;
        if (t->msg) {
            char sub[JOBC_NAME_MAX];
            snprintf(sub, sizeof sub, "%s", t->msg->cname);
            jobc_tmpl(&msgtypes, jobc_template("msgtype.h"),
                      (const char *const[]){"T", st->T, "field", f->name, "sub", sub, NULL});
        }
    }
    if (st->nfields == 0) {
        jobc_buf_puts(&members, "    char dummy_field; /* nanopb: C has no empty structs */\n");
    }
    jobc_buf_puts(&fieldlist, "");
    jobc_buf_puts(&msgtypes, "");
    jobc_buf doc = {0};
    jobc_doc(&doc, st->doc, false);
    jobc_tmpl(structs, jobc_template("struct.h"),
              (const char *const[]){"doc", doc.data, "T", st->T, "comment", st->comment, "members",
                                    members.data, NULL});
    jobc_buf_free(&doc);
    jobc_tmpl(descs, jobc_template("descriptor.h"),
              (const char *const[]){"T", st->T, "fieldlist", fieldlist.data, "msgtypes",
                                    msgtypes.data, NULL});
    jobc_buf_free(&members);
    jobc_buf_free(&fieldlist);
    jobc_buf_free(&msgtypes);
}

static void jobc_emit_job_decls(const jobc_model *m, const idl_job *j, jobc_buf *out)
{
    jobc_sig s;
    jobc_sig_init(&s, m, j);
    char name[JOBC_NAME_MAX];
    snprintf(name, sizeof name, "%s%s%s", m->package ? m->package : "", m->package ? "." : "",
             j->name);
    jobc_buf inline_params = {0}, result_free = {0}, impl_params = {0};
    jobc_buf_puts(&inline_params, s.params.data);
    if (j->result) {
        if (j->nparams) jobc_buf_puts(&inline_params, ", ");
        jobc_buf_add(&inline_params, s.out_c, strlen(s.out_c) - 2);
    }
    if (!inline_params.len) jobc_buf_puts(&inline_params, "void");
    jobc_buf_puts(&impl_params, j->nparams ? s.params.data : "void");
    jobc_buf_puts(&result_free, "");
    jobc_buf doc = {0};
    jobc_doc(&doc, j->doc, false);
    if (j->result && j->result->elem) { /* the caller receives the whole result */
        jobc_tmpl(&result_free, jobc_template("result_free.h"),
                  (const char *const[]){"fn", s.fn, NULL});
    }
    jobc_tmpl(out, jobc_template("job.h"),
              (const char *const[]){"doc", doc.data, "name", name, "fn", s.fn, "impl_ret", s.impl_ret.data,
                                    "impl_params", impl_params.data, "result_free",
                                    result_free.data, "params_c", s.params_c.data, "out_c", s.out_c,
                                    "inline_params", inline_params.data, "args_c", s.args_c.data,
                                    "out_a", j->result ? JOBC_OUT_PARAM ", " : "", "out_p", s.out_p,
                                    "outs_p", s.outs_p, "outs_a", j->result ? ", " JOBC_OUTS_PARAM : "",
                                    NULL});
    jobc_buf_free(&doc);
    jobc_buf_free(&inline_params);
    jobc_buf_free(&result_free);
    jobc_buf_free(&impl_params);
    jobc_sig_free(&s);
}

/* typedef enum E { E_V = n, ... } E; */
static void jobc_emit_enum(const jobc_model *m, const idl_enum *e, jobc_buf *out)
{
    char E[JOBC_NAME_MAX], num[24];
    jobc_cname(m, e->name, E);
    jobc_buf values = {0}, doc = {0};
    jobc_buf_puts(&values, "");
    for (size_t i = 0; i < e->nvalues; i++) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)e->values[i]->num);
        jobc_tmpl(&values, jobc_template("enum_value.h"),
                  (const char *const[]){"E", E, "value", e->values[i]->name, "num", num, NULL});
    }
    jobc_doc(&doc, e->doc, false);
    jobc_tmpl(out, jobc_template("enum.h"),
              (const char *const[]){"doc", doc.data, "E", E, "values", values.data, NULL});
    jobc_buf_free(&values);
    jobc_buf_free(&doc);
}

/* One `tmpl` per file the model names in an import (not those reached only through
   another file): the header's #includes and the .proto's imports. */
void jobc_emit_imports(const jobc_model *m, const char *tmpl, jobc_buf *out)
{
    jobc_buf_puts(out, "");
    for (size_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].by) {
            jobc_tmpl(out, jobc_template(tmpl), (const char *const[]){"base", m->imports[i].base, NULL});
        }
    }
}

void jobc_emit_header(const jobc_model *m, const char *base, jobc_buf *out)
{
    jobc_buf typedefs = {0}, structs = {0}, descs = {0}, frees = {0}, jobs = {0};
    for (size_t i = 0; i < m->nenums; i++) jobc_emit_enum(m, m->enums[i], &typedefs);
    for (size_t i = 0; i < m->nmsgs; i++) {
        jobc_struct st = {.comment = "message", .doc = m->msgs[i]->doc, .fields = m->msgs[i]->fields,
                          .nfields = m->msgs[i]->nfields};
        jobc_cname(m, m->msgs[i]->name, st.T);
        jobc_emit_struct(m, &st, &typedefs, &structs, &descs);
        jobc_tmpl(&frees, jobc_template("free.h"), (const char *const[]){"T", st.T, NULL});
    }
    for (size_t i = 0; i < m->njobs; i++) {
        const idl_job *j = m->jobs[i];
        char fn[JOBC_NAME_MAX];
        jobc_cname(m, j->name, fn);
        jobc_struct args = {.comment = "arguments of one call (a nanopb message)",
                            .fields = j->params, .nfields = j->nparams};
        snprintf(args.T, sizeof args.T, "%s" JOBC_ARGS_SUFFIX, fn);
        jobc_emit_struct(m, &args, &typedefs, &structs, &descs);
        idl_field value = {.name = JOBC_RESULT_FIELD, .loc = j->loc, .type = j->result, .tag = 1};
        idl_field *vp = &value;
        jobc_struct result = {.comment = "result of one call (a nanopb message; field 'value')",
                              .fields = j->result ? &vp : NULL, .nfields = j->result ? 1 : 0};
        snprintf(result.T, sizeof result.T, "%s" JOBC_RESULT_SUFFIX, fn);
        jobc_emit_struct(m, &result, &typedefs, &structs, &descs);
        jobc_emit_job_decls(m, j, &jobs);
    }
    char guard[JOBC_NAME_MAX], source[JOBC_NAME_MAX];
    jobc_guard(base, guard);
    snprintf(source, sizeof source, "%s.job", base);
    jobc_buf_puts(&frees, m->nmsgs ? "\n" : "");
    jobc_buf_puts(&typedefs, "");
    jobc_buf_puts(&structs, "");
    jobc_buf_puts(&descs, "");
    jobc_buf_puts(&jobs, "");
    jobc_buf includes = {0};
    jobc_emit_imports(m, "include.h", &includes);
    jobc_tmpl(out, jobc_template("header.h"),
              (const char *const[]){"version", JOBC_VERSION, "source", source, "guard", guard,
                                    "includes", includes.data,
                                    "typedefs", typedefs.data, "structs", structs.data,
                                    "descriptors", descs.data, "frees", frees.data, "jobs",
                                    jobs.data, NULL});
    jobc_buf_free(&includes);
    jobc_buf_free(&typedefs);
    jobc_buf_free(&structs);
    jobc_buf_free(&descs);
    jobc_buf_free(&frees);
    jobc_buf_free(&jobs);
}
