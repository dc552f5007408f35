/* emit_source.c - the C source of a .job file: descriptors, _free functions, job stubs. */
#include "ctypes.h"

#include <stdio.h>
#include <string.h>

/* invoke -> unpack the argument struct into the implementation's parameters. */
static void jobc_invoke_body(const jobc_model *m, const idl_job *j, const jobc_sig *s, jobc_buf *b)
{
    if (j->nparams) {
        jobc_buf_printf(b, "    const %s_args *in__ = args__;\n", s->fn);
    } else {
        jobc_buf_puts(b, "    (void)args__;\n");
    }
    if (j->result) {
        jobc_buf_printf(b, "    %s_result *out__ = result__;\n", s->fn);
        jobc_buf_puts(b, j->result->elem ? "    *out__ = " : "    out__->value = ");
    } else {
        jobc_buf_puts(b, "    (void)result__;\n    ");
    }
    jobc_buf_printf(b, "%s(", s->fn);
    for (size_t i = 0; i < j->nparams; i++) {
        const idl_field *f = j->params[i];
        if (jobc_has_flag(f->type)) { /* absent: NULL */
            jobc_buf_printf(b, "%sin__->has_%s ? &in__->%s : NULL", i ? ", " : "", f->name, f->name);
            continue;
        }
        jobc_buf_printf(b, "%s%s", i ? ", " : "", f->type->msg ? "&" : "");
        jobc_buf_printf(b, f->type->elem ? "in__->%s, in__->%s_count" : "in__->%s", f->name, f->name);
    }
    jobc_buf_puts(b, ");\n");
    (void)m;
}

/* pack -> the caller's parameters as a designated initializer of <job>_args. */
static void jobc_pack(const jobc_model *m, const idl_job *j, jobc_buf *b)
{
    char ctype[JOBC_NAME_MAX + 2], v[JOBC_NAME_MAX];
    for (size_t i = 0; i < j->nparams; i++) {
        const idl_field *f = j->params[i];
        const idl_type *t = f->type->elem ? f->type->elem : f->type;
        jobc_param_cname(m, f, v);
        jobc_buf_puts(b, i ? ", " : "");
        jobc_member_ctype(m, t, ctype);
        if (f->type->elem) {
            /* arguments are only read (lucidity.h rule 1): dropping const is safe */
            jobc_buf_printf(b, ".%s_count = %s_count, .%s = (%s%s*)%s", f->name, v, f->name,
                            ctype, strchr(ctype, '*') ? "" : " ", v);
        } else if (jobc_has_flag(t)) { /* NULL: absent */
            if (t->msg) { /* a static zero of the type: a compound literal {0} can warn */
                jobc_buf_printf(b, ".has_%s = %s != NULL, .%s = %s ? *%s : %s__zero", f->name, v,
                                f->name, v, v, ctype);
            } else {
                jobc_buf_printf(b, ".has_%s = %s != NULL, .%s = %s ? *%s : 0", f->name, v, f->name,
                                v, v);
            }
        } else if (t->msg) {
            jobc_buf_printf(b, ".%s = *%s", f->name, v);
        } else if (t->prim == IDL_PRIM_STRING || t->prim == IDL_PRIM_BYTES) {
            jobc_buf_printf(b, ".%s = (%s)%s", f->name, ctype, v);
        } else {
            jobc_buf_printf(b, ".%s = %s", f->name, v);
        }
    }
    if (!j->nparams) jobc_buf_puts(b, "0");
}

static void jobc_defaults(const jobc_opts *o, jobc_buf *b)
{
    static const char *const fanout[] = {"", "LUCIDITY_FANOUT_ROUNDROBIN", "LUCIDITY_FANOUT_RANDOM",
                                         "LUCIDITY_FANOUT_BALANCED"};
    static const char *const fallback[] = {"", "LUCIDITY_FALLBACK_LOCAL", "LUCIDITY_FALLBACK_ERROR"};
    jobc_buf f = {0};
#define JOBC_NUM(field)                                                                           \
    if (o->field) {                                                                               \
        if (o->field == JOBC_UNLIMITED) jobc_buf_puts(&f, "        ." #field " = LUCIDITY_NONE,\n"); \
        else jobc_buf_printf(&f, "        ." #field " = %lluu,\n", (unsigned long long)o->field); \
    }
#define JOBC_COUNT(field)                                                                         \
    if (o->field) jobc_buf_printf(&f, "        ." #field " = %lluu,\n", (unsigned long long)o->field);
    JOBC_NUM(memory)
    JOBC_NUM(fuel)
    JOBC_NUM(timeout_ms)
    JOBC_COUNT(retries)
    JOBC_COUNT(concurrency)
    JOBC_COUNT(pool)
    JOBC_NUM(liveness_ms)
#undef JOBC_NUM
#undef JOBC_COUNT
    if (o->fanout) jobc_buf_printf(&f, "        .fanout = %s,\n", fanout[o->fanout]);
    if (o->remote_fallback) {
        jobc_buf_printf(&f, "        .remote_fallback = %s,\n", fallback[o->remote_fallback]);
    }
    for (int i = 0; i < JOBC_NINTERVALS; i++) {
        if (o->intervals[i]) {
            jobc_buf_printf(&f, "        .%s = %lluu,\n", jobc_interval_names[i],
                            (unsigned long long)o->intervals[i]);
        }
    }
    if (f.len) {
        jobc_buf_printf(b, "{\n%s    }", f.data);
    } else {
        jobc_buf_puts(b, "{0} /* no options: the runtime's defaults */");
    }
    jobc_buf_free(&f);
}

static void jobc_emit_job_defs(const jobc_model *m, const idl_job *j, const jobc_opts *o,
                               jobc_buf *out)
{
    jobc_sig s;
    jobc_sig_init(&s, m, j);
    char name[JOBC_NAME_MAX], export_name[JOBC_NAME_MAX + 16], out_size[JOBC_NAME_MAX + 16],
        unpack[JOBC_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s%s%s", m->package ? m->package : "", m->package ? "." : "",
             j->name);
    snprintf(export_name, sizeof export_name, "lucidity_job_%s", s.fn);
    jobc_buf invoke = {0}, unpack_fn = {0}, pack = {0}, defaults = {0};
    jobc_invoke_body(m, j, &s, &invoke);
    jobc_pack(m, j, &pack);
    jobc_defaults(o, &defaults);
    snprintf(out_size, sizeof out_size, "0");
    snprintf(unpack, sizeof unpack, "NULL");
    jobc_buf_puts(&unpack_fn, "");
    if (j->result) {
        snprintf(out_size, sizeof out_size, "sizeof(%s)", s.out_type);
        snprintf(unpack, sizeof unpack, "%s__unpack", s.fn);
        char value[JOBC_NAME_MAX * 2];
        snprintf(value, sizeof value, j->result->elem ? "*(%s_result *)result__"
                                                      : "((%s_result *)result__)->value", s.fn);
        jobc_tmpl(&unpack_fn, jobc_template("unpack.c"),
                  (const char *const[]){"fn", s.fn, "out_type", s.out_type, "value", value, NULL});
    }
    jobc_tmpl(out, jobc_template("job.c"),
              (const char *const[]){"name", name, "fn", s.fn, "export", export_name,
                                    "invoke_body", invoke.data, "unpack_fn", unpack_fn.data,
                                    "out_size", out_size, "unpack", unpack, "defaults",
                                    defaults.data, "params_c", s.params_c.data, "out_c", s.out_c,
                                    "pack", pack.data, "out_or_null", j->result ? JOBC_OUT_PARAM : "NULL",
                                    "out_p", s.out_p, "outs_p", s.outs_p, "outs_or_null",
                                    j->result ? JOBC_OUTS_PARAM : "NULL", NULL});
    jobc_buf_free(&invoke);
    jobc_buf_free(&unpack_fn);
    jobc_buf_free(&pack);
    jobc_buf_free(&defaults);
    jobc_sig_free(&s);
}

/* PB_BIND of struct T, with the descriptor width its fields need. */
static void jobc_bind(jobc_buf *b, const char *T, idl_field *const *fs, size_t n)
{
    jobc_tmpl(b, jobc_template("bind.c"),
              (const char *const[]){"T", T, "width", jobc_descriptor_width(fs, n), NULL});
}

void jobc_emit_source(const jobc_model *m, const char *base, jobc_buf *out)
{
    jobc_buf binds = {0}, frees = {0}, jobs = {0}, zeros = {0};
    jobc_names zeroed = {0}; /* message types that already have a __zero */
    jobc_buf_puts(&zeros, "");
    char T[JOBC_NAME_MAX + 16], header[JOBC_NAME_MAX], source[JOBC_NAME_MAX];
    bool release = m->nmsgs > 0;
    for (size_t i = 0; i < m->nmsgs; i++) {
        jobc_cname(m, m->msgs[i]->name, T);
        jobc_bind(&binds, T, m->msgs[i]->fields, m->msgs[i]->nfields);
        jobc_tmpl(&frees, jobc_template("free.c"), (const char *const[]){"T", T, NULL});
    }
    for (size_t i = 0; i < m->njobs; i++) {
        const idl_job *j = m->jobs[i];
        char fn[JOBC_NAME_MAX];
        jobc_cname(m, j->name, fn);
        snprintf(T, sizeof T, "%s" JOBC_ARGS_SUFFIX, fn);
        jobc_bind(&binds, T, j->params, j->nparams);
        idl_field value = {.name = JOBC_RESULT_FIELD, .type = j->result, .tag = 1};
        idl_field *vp = &value;
        snprintf(T, sizeof T, "%s" JOBC_RESULT_SUFFIX, fn);
        jobc_bind(&binds, T, j->result ? &vp : NULL, j->result ? 1 : 0);
        if (j->result && j->result->elem) { /* the caller receives the whole result */
            release = true;
            jobc_tmpl(&frees, jobc_template("result_free.c"), (const char *const[]){"fn", fn, NULL});
        }
        jobc_emit_job_defs(m, j, &m->opts[i], &jobs);
        for (size_t k = 0; k < j->nparams; k++) {
            const idl_type *t = j->params[k]->type;
            if (jobc_has_flag(t) && t->msg && !jobc_names_put(&zeroed, t->msg->cname, (void *)t)) {
                jobc_tmpl(&zeros, jobc_template("zero.c"), (const char *const[]){"T", t->msg->cname, NULL});
            }
        }
    }
    snprintf(header, sizeof header, "%s.job.h", base);
    snprintf(source, sizeof source, "%s.job", base);
    jobc_buf_puts(&binds, "");
    jobc_buf_puts(&frees, "");
    jobc_buf_puts(&jobs, "");
    jobc_tmpl(out, jobc_template("source.c"),
              (const char *const[]){"version", JOBC_VERSION, "source", source, "header", header,
                                    "decode_include", release ? "\n#include <pb_decode.h>\n" : "",
                                    "binds", binds.data, "frees", frees.data, "zeros", zeros.data,
                                    "jobs", jobs.data, NULL});
    jobc_buf_free(&zeros);
    jobc_names_free(&zeroed);
    jobc_buf_free(&binds);
    jobc_buf_free(&frees);
    jobc_buf_free(&jobs);
}
