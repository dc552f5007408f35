/* check_types.c - types: resolution, message order, nesting depth and C layout. */
#include "check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- types ------------------------------------------------------------------------ */

void jobc_resolve_type(jobc_checker *c, idl_type *t)
{
    if (t->elem) {
        if (t->elem->elem) {
            JOBC_ERROR(c, t->loc, "nested arrays are not supported; wrap the inner array in a message");
            return;
        }
        if (t->elem->optional) {
            JOBC_ERROR(c, t->elem->loc, "array elements cannot be optional; use a message with an "
                       "optional field as the element");
        }
        jobc_resolve_type(c, t->elem);
        return;
    }
    t->prim = jobc_prim_of(t->name);
    if (t->prim != IDL_PRIM_NONE) return;
    const idl_decl *d = jobc_names_get(&c->decls, t->name);
    if (d && d->kind == IDL_DECL_MESSAGE) {
        t->msg = d->message;
        return;
    }
    if (d && d->kind == IDL_DECL_ENUM) {
        t->enm = d->enm;
        return;
    }
    if (d) {
        JOBC_ERROR(c, t->loc, "'%s' is a job, not a type", t->name);
        return;
    }
    if (c->file->incomplete) return; /* its declaration may be what a syntax error lost */
    /* a suggestion among the builtin types and the first messages */
    const char *cands[64 + JOBC_NPRIMS];
    size_t n = 0;
    for (size_t k = 0; k < JOBC_NPRIMS; k++) cands[n++] = jobc_prim_name(k);
    for (size_t i = 0; i < c->file->ndecls && n < sizeof cands / sizeof cands[0]; i++) {
        idl_decl_kind k = c->file->decls[i]->kind;
        if (k == IDL_DECL_MESSAGE || k == IDL_DECL_ENUM) cands[n++] = c->file->decls[i]->name;
    }
    const char *s = jobc_suggest(t->name, cands, n);
    if (s) {
        JOBC_ERROR(c, t->loc, "unknown type '%s'; did you mean '%s'?", t->name, s);
    } else {
        JOBC_ERROR(c, t->loc, "unknown type '%s'", t->name);
    }
}

/* Messages in dependency order (a message after those it embeds by value), by an
   iterative depth-first walk: no nesting depth can overflow the checker's stack.
   A field back into the walk's own path closes a cycle: reported once, there. */
typedef struct jobc_frame {
    idl_message *msg;
    size_t next; /* next field to look at */
} jobc_frame;

/* Pushes msg on the walk's stack (growing it) and marks it as on the path. */
static jobc_frame *jobc_push_frame(jobc_frame *st, size_t *cap, size_t *depth, idl_message *msg)
{
    if (*depth == *cap) {
        *cap *= 2;
        st = realloc(st, *cap * sizeof *st);
        if (!st) abort();
    }
    msg->visit = 1;
    st[(*depth)++] = (jobc_frame){msg, 0};
    return st;
}

static void jobc_report_cycle(jobc_checker *c, const jobc_frame *path, size_t depth,
                              const idl_message *target, const idl_field *closing)
{
    jobc_buf b = {0};
    size_t start = 0;
    while (path[start].msg != target) start++;
    size_t shown = 0;
    for (size_t i = start; i < depth; i++, shown++) {
        if (shown == 8 && depth - start > 10) { /* a long cycle: its ends are enough */
            jobc_buf_printf(&b, "... (%zu more) -> ", depth - start - 10);
            i = depth - 2;
        }
        jobc_buf_printf(&b, "%s.%s -> ", path[i].msg->name, path[i].msg->fields[path[i].next - 1]->name);
    }
    jobc_buf_puts(&b, target->name);
    JOBC_ERROR(c, closing->type->loc,
               "message '%s' contains itself by value (%s); use an array to break the cycle",
               target->name, b.data);
    jobc_buf_free(&b);
}

void jobc_order_messages(jobc_checker *c)
{
    size_t cap = 16;
    jobc_frame *st = malloc(cap * sizeof *st);
    if (!st) abort();
    for (size_t i = 0; i < c->file->ndecls; i++) {
        idl_decl *d = c->file->decls[i];
        if (d->kind != IDL_DECL_MESSAGE || d->message->visit) continue;
        size_t depth = 0;
        st[depth++] = (jobc_frame){d->message, 0};
        d->message->visit = 1;
        while (depth) {
            jobc_frame *top = &st[depth - 1];
            idl_message *msg = top->msg;
            if (top->next < msg->nfields) {
                const idl_field *f = msg->fields[top->next++];
                idl_message *sub = f->type->msg; /* arrays hold pointers: no cycle by value */
                if (!sub || sub->visit == 2) continue;
                if (sub->visit == 1) {
                    jobc_report_cycle(c, st, depth, sub, f);
                    continue;
                }
                st = jobc_push_frame(st, &cap, &depth, sub);
                continue;
            }
            msg->visit = 2;
            c->m->msgs[c->m->nmsgs++] = msg;
            depth--;
        }
    }
    free(st);
}

/* The message a field holds, by value or as array elements, or NULL. */
static idl_message *jobc_field_msg(const idl_field *f)
{
    return (f->type->elem ? f->type->elem : f->type)->msg;
}

/* Nesting depth of every message: the longest chain of message fields (by value or
   array) below it, itself included; a chain that comes back through an array (a tree)
   is data, not schema, and ends there. Iterative, like jobc_order_messages. */
static void jobc_depths(jobc_checker *c)
{
    size_t cap = 16;
    jobc_frame *st = malloc(cap * sizeof *st);
    if (!st) abort();
    for (size_t i = 0; i < c->m->nmsgs; i++) c->m->msgs[i]->visit = 0;
    for (size_t i = 0; i < c->m->nmsgs; i++) {
        if (c->m->msgs[i]->visit) continue;
        size_t depth = 0;
        st[depth++] = (jobc_frame){c->m->msgs[i], 0};
        c->m->msgs[i]->visit = 1;
        while (depth) {
            jobc_frame *top = &st[depth - 1];
            idl_message *msg = top->msg;
            if (top->next < msg->nfields) {
                idl_message *sub = jobc_field_msg(msg->fields[top->next++]);
                if (!sub || sub->visit == 1) continue; /* scalar, or back through an array */
                if (sub->visit == 2) {
                    if (sub->depth + 1 > msg->depth) msg->depth = sub->depth + 1;
                    continue;
                }
                top->next--; /* come back to this field for its depth */
                st = jobc_push_frame(st, &cap, &depth, sub);
                continue;
            }
            if (msg->depth == 0) msg->depth = 1;
            msg->visit = 2;
            depth--;
        }
    }
    free(st);
}

/* Nesting depth and C layout of each message, in dependency order. */
void jobc_measure_messages(jobc_checker *c)
{
    jobc_depths(c);
    for (size_t i = 0; i < c->m->nmsgs; i++) {
        idl_message *msg = c->m->msgs[i];
        if (msg->depth > JOBC_DEPTH_MAX) {
            const idl_message *below = NULL;
            for (size_t k = 0; k < msg->nfields && !below; k++) {
                const idl_message *sub = jobc_field_msg(msg->fields[k]);
                if (sub && sub->depth + 1 == msg->depth) below = sub;
            }
            /* reported where the chain crosses the limit, not at every message above */
            if (below && below->depth == JOBC_DEPTH_MAX) {
                JOBC_ERROR(c, msg->loc, "message '%s' nests messages %zu deep (through '%s'); "
                           "the limit is %d, the nesting protobuf's parsers accept",
                           msg->name, msg->depth, below->name, JOBC_DEPTH_MAX);
            }
        }
        jobc_layout_message(msg);
        if (msg->csize[0] > JOBC_STRUCT_MAX) {
            JOBC_ERROR(c, msg->loc, "message '%s' takes %llu bytes as a C struct; the limit is %llu "
                       "(use arrays for large data)", msg->name, (unsigned long long)msg->csize[0],
                       JOBC_STRUCT_MAX);
            msg->csize[0] = msg->csize[1] = 1; /* keep later sums small: one report */
        }
    }
}

