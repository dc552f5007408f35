/*
 * compat.c - `jobc compat OLD.job NEW.job`: the wire-breaking changes between two
 * versions of a .job file, reported as errors at NEW with a note at OLD, and the
 * compatible but risky ones as warnings. The rules follow buf's WIRE category
 * (field numbers are the contract; names only matter to JSON and generated code):
 *   error    a field or parameter renumbered, or removed without `reserved`; a type
 *            change the wire does not carry (f32<->f64, scalar<->message,
 *            singular<->array, a message for one that differs on the wire); an
 *            integer narrowed or its signedness changed (values change meaning); an
 *            enum value given another number; a job removed or renamed; a job's
 *            result type changed incompatibly; the package changed.
 *   warning  a field renamed; an integer widened; bool<->integer or enum<->integer;
 *            optional added or dropped; a message or enum value removed.
 *   fine     string<->bytes (one wire type), a field added, a number reserved.
 */
#include "ctypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jobc_compat_ctx {
    const jobc_model *old, *new;
    const idl_sink *old_sink, *new_sink;
    int errors;
} jobc_compat_ctx;

typedef enum { JOBC_SAME, JOBC_RISKY, JOBC_BREAKS } jobc_verdict;

static const idl_loc jobc_file_start = {1, 1, 1, 1};

static const idl_decl *jobc_find_decl(const jobc_model *m, idl_decl_kind kind, const char *name)
{
    for (size_t i = 0; i < m->file->ndecls; i++) {
        const idl_decl *d = m->file->decls[i];
        if (d->kind == kind && strcmp(d->name, name) == 0) return d;
    }
    return NULL;
}

static const char *jobc_type_text(const idl_type *t, char *buf, size_t cap)
{
    const idl_type *e = t->elem ? t->elem : t;
    snprintf(buf, cap, "%s%s%s%s", t->optional ? "optional " : "", t->elem ? "[" : "",
             e->name ? e->name : "?", t->elem ? "]" : "");
    return buf;
}

/* Integers and bool share the varint encoding; what a value means may still change. */
static int jobc_int_rank(idl_prim p, bool *is_signed)
{
    *is_signed = p == IDL_PRIM_I32 || p == IDL_PRIM_I64;
    switch (p) {
    case IDL_PRIM_BOOL: return 1;
    case IDL_PRIM_I32: case IDL_PRIM_U32: return 32;
    case IDL_PRIM_I64: case IDL_PRIM_U64: return 64;
    default: return 0;
    }
}

static jobc_verdict jobc_compare_types(const idl_type *a, const idl_type *b, char *why, size_t cap,
                                       int depth);

/* Whether messages a and b read each other's bytes field for field. */
static jobc_verdict jobc_compare_messages(const idl_message *a, const idl_message *b, char *why,
                                          size_t cap, int depth)
{
    if (a == b || depth > JOBC_DEPTH_MAX) return JOBC_SAME;
    jobc_verdict worst = JOBC_SAME;
    for (size_t i = 0; i < a->nfields; i++) {
        const idl_field *fa = a->fields[i], *fb = NULL;
        for (size_t k = 0; k < b->nfields && !fb; k++) {
            if (b->fields[k]->tag == fa->tag) fb = b->fields[k];
        }
        if (!fb) continue; /* an unknown field to the reader: skipped */
        jobc_verdict v = jobc_compare_types(fa->type, fb->type, why, cap, depth + 1);
        if (v > worst) worst = v;
    }
    return worst;
}

/* How a value written as type a reads as type b; why says what changes. */
static jobc_verdict jobc_compare_types(const idl_type *a, const idl_type *b, char *why, size_t cap,
                                       int depth)
{
    char ta[160], tb[160];
    jobc_type_text(a, ta, sizeof ta);
    jobc_type_text(b, tb, sizeof tb);
    if (!a->elem != !b->elem) {
        snprintf(why, cap, "%s became %s: a single value and an array differ on the wire", ta, tb);
        return JOBC_BREAKS;
    }
    jobc_verdict opt = JOBC_SAME;
    if (a->optional != b->optional) {
        snprintf(why, cap, "%s became %s: the wire agrees, presence does not (a zero %s)", ta, tb,
                 b->optional ? "now reads as present" : "sent as present now reads as absent");
        opt = JOBC_RISKY;
    }
    const idl_type *x = a->elem ? a->elem : a, *y = b->elem ? b->elem : b;
    if (x->msg || y->msg) {
        if (!x->msg || !y->msg) {
            snprintf(why, cap, "%s became %s: a message and a scalar differ on the wire", ta, tb);
            return JOBC_BREAKS;
        }
        if (strcmp(x->msg->name, y->msg->name) == 0) return opt; /* compared as messages */
        char inner[256] = "";
        jobc_verdict v = jobc_compare_messages(x->msg, y->msg, inner, sizeof inner, depth);
        snprintf(why, cap, v == JOBC_BREAKS ? "message %s became %s, which differs on the wire (%s)"
                                            : "message %s became %s (the same fields on the wire)",
                 x->msg->name, y->msg->name, inner);
        return v == JOBC_BREAKS ? v : JOBC_RISKY;
    }
    if (x->enm || y->enm) {
        if (x->enm && y->enm) {
            if (strcmp(x->enm->name, y->enm->name) == 0) return opt;
            snprintf(why, cap, "enum %s became %s: the numbers stay, their names change",
                     x->enm->name, y->enm->name);
            return JOBC_RISKY;
        }
        const idl_type *s = x->enm ? y : x;
        bool sg;
        if (jobc_int_rank(s->prim, &sg) >= 32) {
            snprintf(why, cap, "%s became %s: an enum and an integer share the encoding; the "
                     "numbers lose or gain their names", ta, tb);
            return JOBC_RISKY;
        }
        snprintf(why, cap, "%s became %s: an enum and a %s differ on the wire", ta, tb, s->name);
        return JOBC_BREAKS;
    }
    if (x->prim == y->prim) return opt;
    if ((x->prim == IDL_PRIM_STRING && y->prim == IDL_PRIM_BYTES) ||
        (x->prim == IDL_PRIM_BYTES && y->prim == IDL_PRIM_STRING)) {
        return opt; /* one wire type */
    }
    bool sx, sy;
    int rx = jobc_int_rank(x->prim, &sx), ry = jobc_int_rank(y->prim, &sy);
    if (rx && ry) {
        if (rx == 1 || ry == 1) {
            snprintf(why, cap, "%s became %s: bool and integers share the encoding, but values "
                     "other than 0 and 1 change meaning", ta, tb);
            return JOBC_RISKY;
        }
        if (sx != sy) {
            snprintf(why, cap, "%s became %s: the encoding agrees, but negative values read as "
                     "large positive ones (or the reverse)", ta, tb);
            return JOBC_BREAKS;
        }
        if (ry < rx) {
            snprintf(why, cap, "%s became %s: values beyond the narrower type are truncated", ta, tb);
            return JOBC_BREAKS;
        }
        snprintf(why, cap, "%s widened to %s: old readers truncate the new, larger values", ta, tb);
        return JOBC_RISKY;
    }
    snprintf(why, cap, "%s became %s: they differ on the wire", ta, tb);
    return JOBC_BREAKS;
}

static void jobc_compat_report(jobc_compat_ctx *x, jobc_verdict v, idl_loc at, idl_loc was,
                               const char *fmt, const char *what, const char *detail)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, what, detail);
    if (v == JOBC_BREAKS) x->errors++;
    idl_report(x->new_sink, v == JOBC_BREAKS ? IDL_ERROR : IDL_WARNING, at, "%s", msg);
    idl_report(x->old_sink, IDL_NOTE, was, "the old version has it here");
}

static bool jobc_is_reserved(idl_reserved *const *rs, size_t nr, const idl_field *f)
{
    for (size_t i = 0; i < nr; i++) {
        if (rs[i]->name ? strcmp(rs[i]->name, f->name) == 0 : f->tag >= rs[i]->lo && f->tag <= rs[i]->hi) {
            return true;
        }
    }
    return false;
}

/* Fields (or parameters) of one message (or job) in both versions, by number. */
static void jobc_compat_fields(jobc_compat_ctx *x, const char *what, const char *owner,
                               idl_loc owner_loc, idl_field *const *ofs, size_t on,
                               idl_field *const *nfs, size_t nn, idl_reserved *const *rs, size_t nr)
{
    char label[200], why[512];
    for (size_t i = 0; i < on; i++) {
        const idl_field *o = ofs[i], *n = NULL, *same_name = NULL;
        for (size_t k = 0; k < nn; k++) {
            if (nfs[k]->tag == o->tag) n = nfs[k];
            if (strcmp(nfs[k]->name, o->name) == 0) same_name = nfs[k];
        }
        snprintf(label, sizeof label, "%s '%s' of '%s'", what, o->name, owner);
        if (same_name && same_name->tag != o->tag) {
            snprintf(why, sizeof why, "number %u became %u", o->tag, same_name->tag);
            jobc_compat_report(x, JOBC_BREAKS, same_name->numbered ? same_name->num_loc : same_name->loc,
                               o->loc, "%s was renumbered (%s): old and new builds read it as "
                               "another field", label, why);
            continue;
        }
        if (!n) {
            if (jobc_is_reserved(rs, nr, o)) continue;
            snprintf(why, sizeof why, "%u", o->tag);
            jobc_compat_report(x, JOBC_BREAKS, owner_loc, o->loc, "%s was removed without "
                               "`reserved %s;`: a later field may reuse its number", label, why);
            continue;
        }
        if (strcmp(n->name, o->name) != 0) {
            snprintf(why, sizeof why, "'%s' is now '%s'", o->name, n->name);
            jobc_compat_report(x, JOBC_RISKY, n->loc, o->loc, "%s was renamed (%s): the wire "
                               "agrees, JSON and generated code do not", label, why);
        }
        jobc_verdict v = jobc_compare_types(o->type, n->type, why, sizeof why, 0);
        if (v != JOBC_SAME) {
            jobc_compat_report(x, v, n->type->loc, o->type->loc, "the type of %s changed: %s",
                               label, why);
        }
    }
}

int jobc_compat(const jobc_model *old, const idl_sink *old_sink, const jobc_model *new,
                const idl_sink *new_sink)
{
    jobc_compat_ctx x = {old, new, old_sink, new_sink, 0};
    char why[512];
    const char *op = old->package ? old->package : "", *np = new->package ? new->package : "";
    if (strcmp(op, np) != 0) {
        const idl_decl *nd = jobc_find_decl(new, IDL_DECL_PACKAGE, np);
        const idl_decl *od = jobc_find_decl(old, IDL_DECL_PACKAGE, op);
        snprintf(why, sizeof why, "'%s' is now '%s'", op, np);
        jobc_compat_report(&x, JOBC_BREAKS, nd ? nd->loc : jobc_file_start,
                           od ? od->loc : jobc_file_start,
                           "the %s changed (%s): every job and message has a new name", "package", why);
    }
    for (size_t i = 0; i < old->file->ndecls; i++) {
        const idl_decl *od = old->file->decls[i];
        if (od->kind == IDL_DECL_PACKAGE) continue;
        const idl_decl *nd = jobc_find_decl(new, od->kind, od->name);
        if (od->kind == IDL_DECL_JOB) {
            if (!nd) {
                jobc_compat_report(&x, JOBC_BREAKS, jobc_file_start, od->loc, "%s '%s' was removed or "
                                   "renamed: callers built from the old file cannot reach it",
                                   "job", od->name);
                continue;
            }
            const idl_job *oj = od->job, *nj = nd->job;
            if (!oj->result != !nj->result) {
                jobc_compat_report(&x, JOBC_BREAKS, nd->loc, od->loc, "job '%s': its result was %s",
                                   od->name, oj->result ? "removed" : "added");
            } else if (oj->result) {
                jobc_verdict v = jobc_compare_types(oj->result, nj->result, why, sizeof why, 0);
                if (v != JOBC_SAME) {
                    char label[160];
                    snprintf(label, sizeof label, "job '%s'", od->name);
                    jobc_compat_report(&x, v, nj->result->loc, oj->result->loc,
                                       "the result type of %s changed: %s", label, why);
                }
            }
            jobc_compat_fields(&x, "parameter", od->name, nd->loc, oj->params, oj->nparams,
                               nj->params, nj->nparams, nj->reserved, nj->nreserved);
        } else if (od->kind == IDL_DECL_MESSAGE) {
            if (!nd) {
                jobc_compat_report(&x, JOBC_RISKY, jobc_file_start, od->loc, "%s '%s' was removed: "
                                   "code generated from the old .proto loses the type", "message",
                                   od->name);
                continue;
            }
            jobc_compat_fields(&x, "field", od->name, nd->loc, od->message->fields,
                               od->message->nfields, nd->message->fields, nd->message->nfields,
                               nd->message->reserved, nd->message->nreserved);
        } else if (od->kind == IDL_DECL_ENUM && nd) {
            for (size_t k = 0; k < od->enm->nvalues; k++) {
                const idl_enum_value *ov = od->enm->values[k], *by_name = NULL, *by_num = NULL;
                for (size_t j = 0; j < nd->enm->nvalues; j++) {
                    const idl_enum_value *nv = nd->enm->values[j];
                    if (strcmp(nv->name, ov->name) == 0) by_name = nv;
                    if (nv->num == ov->num) by_num = nv;
                }
                char label[160];
                snprintf(label, sizeof label, "value '%s' of enum '%s'", ov->name, od->name);
                if (by_name && by_name->num != ov->num) {
                    snprintf(why, sizeof why, "%llu became %llu", (unsigned long long)ov->num,
                             (unsigned long long)by_name->num);
                    jobc_compat_report(&x, JOBC_BREAKS, by_name->loc, ov->loc,
                                       "%s was renumbered (%s)", label, why);
                } else if (!by_num) {
                    jobc_compat_report(&x, JOBC_RISKY, nd->loc, ov->loc, "%s was removed: old "
                                       "peers may still send its number (%s)", label,
                                       "new builds keep it as a number without a name");
                } else if (strcmp(by_num->name, ov->name) != 0) {
                    snprintf(why, sizeof why, "now '%s'", by_num->name);
                    jobc_compat_report(&x, JOBC_RISKY, by_num->loc, ov->loc, "%s was renamed (%s)",
                                       label, why);
                }
            }
        }
    }
    return x.errors;
}
