/*
 * check.c - semantic checks over a parsed .job file: the driver that runs the
 * stages (check.h) in order, and the helpers they share.
 */
#include "check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; idl_prim prim; } jobc_prims[] = {
    {"bool", IDL_PRIM_BOOL}, {"i32", IDL_PRIM_I32}, {"i64", IDL_PRIM_I64},
    {"u32", IDL_PRIM_U32}, {"u64", IDL_PRIM_U64}, {"f32", IDL_PRIM_F32},
    {"f64", IDL_PRIM_F64}, {"string", IDL_PRIM_STRING}, {"bytes", IDL_PRIM_BYTES}};
_Static_assert(sizeof jobc_prims / sizeof jobc_prims[0] == JOBC_NPRIMS, "JOBC_NPRIMS");

const char *jobc_prim_name(size_t i)
{
    return jobc_prims[i].name;
}

size_t jobc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

/* The closest candidate within a small distance, or NULL. */
const char *jobc_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = strlen(word) / 3 + 1;
    if (best_d > 3) best_d = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = jobc_edit_distance(word, cands[i]);
        if (d <= best_d && (!best || d < best_d)) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

idl_prim jobc_prim_of(const char *name)
{
    for (size_t k = 0; k < JOBC_NPRIMS; k++) {
        if (strcmp(name, jobc_prims[k].name) == 0) return jobc_prims[k].prim;
    }
    return IDL_PRIM_NONE;
}

/* --- driver ----------------------------------------------------------------------- */

int jobc_check(const idl_file *f, const idl_sink *sink, jobc_model *m)
{
    return jobc_check_strict(f, sink, m, false);
}

void jobc_note_at(jobc_checker *c, const idl_decl *d, idl_loc loc, const char *fmt, ...)
{
    const idl_sink *sink = c->sink;
    for (size_t i = 0; d && d->file != c->file && i < c->m->nimports; i++) {
        if (c->m->imports[i].model->file == d->file) sink = c->m->imports[i].sink;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    idl_report(sink, IDL_NOTE, loc, "%s", msg);
}

const char *jobc_own(jobc_checker *c, char *s)
{
    if (!s) abort();
    c->owned = realloc(c->owned, (c->nowned + 1) * sizeof *c->owned);
    if (!c->owned) abort();
    c->owned[c->nowned++] = s;
    return s;
}

int jobc_check_strict(const idl_file *f, const idl_sink *sink, jobc_model *m, bool strict)
{
    return jobc_check_imports(f, sink, m, strict, NULL, 0);
}

int jobc_check_imports(const idl_file *f, const idl_sink *sink, jobc_model *m, bool strict,
                       const jobc_import *imports, size_t nimports)
{
    memset(m, 0, sizeof *m);
    m->file = f;
    m->msgs = calloc(f->ndecls + 1, sizeof *m->msgs);
    m->jobs = calloc(f->ndecls + 1, sizeof *m->jobs);
    m->opts = calloc(f->ndecls + 1, sizeof *m->opts);
    m->enums = calloc(f->ndecls + 1, sizeof *m->enums);
    if (!m->msgs || !m->jobs || !m->opts || !m->enums) abort();
    m->imports = imports;
    m->nimports = nimports;
    jobc_checker c = {.file = f, .sink = sink, .m = m, .strict = strict};
    jobc_gen_read(&m->gen);

    jobc_check_package(&c);
    jobc_check_decl_names(&c);
    jobc_check_imported_names(&c);
    jobc_check_package_scope(&c);
    bool declared = false; /* an enum, message or job came before */
    for (size_t i = 0; i < f->ndecls; i++) {
        idl_decl *d = f->decls[i];
        if (d->kind == IDL_DECL_IMPORT && declared) {
            JOBC_ERROR(&c, d->loc, "imports come before any enum, message or job");
        }
        declared = declared || (d->kind != IDL_DECL_IMPORT && d->kind != IDL_DECL_PACKAGE);
        if (d->kind == IDL_DECL_MESSAGE) {
            jobc_check_fields(&c, "field", d->name, d->loc, d->message->fields, d->message->nfields);
            jobc_check_numbers(&c, "field", d->name, d->message->fields, d->message->nfields,
                               d->message->reserved, d->message->nreserved);
            for (size_t k = 0; k < d->message->nfields; k++) {
                jobc_resolve_type(&c, d->message->fields[k]->type);
            }
        } else if (d->kind == IDL_DECL_JOB) {
            idl_job *j = d->job;
            jobc_check_fields(&c, "parameter", d->name, d->loc, j->params, j->nparams);
            jobc_check_numbers(&c, "parameter", d->name, j->params, j->nparams, j->reserved,
                               j->nreserved);
            for (size_t k = 0; k < j->nparams; k++) {
                jobc_resolve_type(&c, j->params[k]->type);
            }
            if (j->result) {
                jobc_resolve_type(&c, j->result);
                if (j->result->optional) {
                    JOBC_ERROR(&c, j->result->loc, "a result cannot be optional; return a message "
                               "with an optional field");
                }
            }
            jobc_check_options(&c, j, &m->opts[m->njobs]);
            m->jobs[m->njobs++] = j;
        } else if (d->kind == IDL_DECL_ENUM) {
            jobc_check_enum(&c, d->enm);
            m->enums[m->nenums++] = d->enm;
        }
    }
    jobc_check_generated_names(&c);
    jobc_order_messages(&c);
    jobc_measure_messages(&c);
    jobc_names_free(&c.decls);
    jobc_names_free(&c.enum_values);
    for (size_t i = 0; i < c.nowned; i++) free(c.owned[i]);
    free(c.owned);
    return c.errors;
}

void jobc_model_free(jobc_model *m)
{
    jobc_names_free(&m->cdecls);
    jobc_gen_free(&m->gen);
    free(m->cnames);
    free(m->msgs);
    free(m->jobs);
    free(m->opts);
    free(m->enums);
    memset(m, 0, sizeof *m);
}
