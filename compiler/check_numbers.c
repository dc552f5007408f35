/* check_numbers.c - field numbers: explicit (`x: u32 = 3;`) or by position, and `reserved`. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOBC_TAG_MAX 536870911u /* protobuf's largest field number */
#define JOBC_TAG_RESERVED_LO 19000u
#define JOBC_TAG_RESERVED_HI 19999u

static bool jobc_tag_ok(uint64_t n)
{
    return n >= 1 && n <= JOBC_TAG_MAX && !(n >= JOBC_TAG_RESERVED_LO && n <= JOBC_TAG_RESERVED_HI);
}

/* The reserved range holding n, or NULL. */
static const idl_reserved *jobc_reserved_number(idl_reserved *const *rs, size_t nr, uint64_t n)
{
    for (size_t i = 0; i < nr; i++) {
        if (!rs[i]->name && n >= rs[i]->lo && n <= rs[i]->hi) return rs[i];
    }
    return NULL;
}

void jobc_check_numbers(jobc_checker *c, const char *what, const char *owner, idl_field **fs,
                        size_t n, idl_reserved *const *rs, size_t nr)
{
    /* all or none: a message (or job) numbers every field or lets positions do it */
    const idl_field *numbered = NULL, *implicit = NULL;
    for (size_t i = 0; i < n; i++) {
        if (fs[i]->numbered && !numbered) numbered = fs[i];
        if (!fs[i]->numbered && !implicit) implicit = fs[i];
    }
    if (c->strict && !numbered && n) {
        JOBC_WARNING(c, fs[0]->loc, "the %ss of '%s' are numbered by position; inserting or "
                     "reordering one changes the wire format (number them: %s: ... = 1;)", what,
                     owner, fs[0]->name);
    }
    if (numbered && implicit) {
        JOBC_ERROR(c, implicit->loc, "%s '%s' has no field number, but '%s' has one; number every "
                   "%s of '%s' or none", what, implicit->name, numbered->name, what, owner);
        JOBC_NOTE(c, numbered->num_loc, "'%s' is numbered here", numbered->name);
    }
    for (size_t i = 0; i < nr; i++) {
        const idl_reserved *r = rs[i];
        if (r->name) {
            if (jobc_ident_problem(r->name) || !r->name[0]) {
                JOBC_ERROR(c, r->loc, "reserved name \"%s\" is not a valid %s name", r->name, what);
            }
        } else if (r->lo > r->hi || !jobc_tag_ok(r->lo) || !jobc_tag_ok(r->hi)) {
            JOBC_ERROR(c, r->loc, "reserved range %llu to %llu is not a range of field numbers "
                       "(1 to 536870911, without 19000 to 19999)",
                       (unsigned long long)r->lo, (unsigned long long)r->hi);
        }
    }
    jobc_names tags = {0};
    char (*keys)[24] = calloc(n ? n : 1, sizeof *keys);
    if (!keys) abort();
    for (size_t i = 0; i < n; i++) {
        idl_field *f = fs[i];
        uint64_t tag = f->numbered ? f->num : i + 1;
        idl_loc at = f->numbered ? f->num_loc : f->loc;
        if (f->numbered && !jobc_tag_ok(tag)) {
            JOBC_ERROR(c, at, "field number %llu of '%s' is out of range: 1 to 536870911, without "
                       "19000 to 19999 (reserved by protobuf)", (unsigned long long)tag, f->name);
            continue;
        }
        f->tag = (uint32_t)tag;
        const idl_reserved *r = jobc_reserved_number(rs, nr, tag);
        if (r) {
            JOBC_ERROR(c, at, "%s '%s' has field number %llu, which '%s' reserves%s", what, f->name,
                       (unsigned long long)tag, owner, f->numbered ? "" : " (numbered by position: "
                       "give the fields numbers)");
            JOBC_NOTE(c, r->loc, "reserved here");
        }
        for (size_t k = 0; k < nr; k++) {
            if (rs[k]->name && strcmp(rs[k]->name, f->name) == 0) {
                JOBC_ERROR(c, f->loc, "%s name '%s' is reserved in '%s'", what, f->name, owner);
                JOBC_NOTE(c, rs[k]->loc, "reserved here");
            }
        }
        snprintf(keys[i], sizeof keys[i], "%llu", (unsigned long long)tag);
        const idl_field *g = jobc_names_put(&tags, keys[i], f);
        if (g) {
            JOBC_ERROR(c, at, "%s '%s' has field number %llu, like '%s'", what, f->name,
                       (unsigned long long)tag, g->name);
            JOBC_NOTE(c, g->numbered ? g->num_loc : g->loc, "'%s' has it here", g->name);
        }
    }
    free(keys);
    jobc_names_free(&tags);
}
