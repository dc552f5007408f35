/*
 * check.c - semantic checks over a parsed .job file: names (duplicates, C
 * keywords, collisions between generated C names), types (unknown, nested
 * arrays, recursive messages) and job options (names, units, ranges).
 */
#include "jobc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names are at most 64 characters (checked) plus the longest suffix. */
#define JOBC_GENNAME_MAX 160

typedef struct jobc_checker {
    const idl_file *file;
    const idl_sink *sink;
    jobc_model *m;
    int errors;
} jobc_checker;

#define JOBC_ERROR(c, loc, ...) ((c)->errors++, idl_report((c)->sink, IDL_ERROR, (loc), __VA_ARGS__))
#define JOBC_NOTE(c, loc, ...) idl_report((c)->sink, IDL_NOTE, (loc), __VA_ARGS__)

static const char *const jobc_c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof", "_Atomic",
    "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local", "bool", "true", "false", "NULL", NULL};

static const struct { const char *name; idl_prim prim; } jobc_prims[] = {
    {"bool", IDL_PRIM_BOOL}, {"i32", IDL_PRIM_I32}, {"i64", IDL_PRIM_I64},
    {"u32", IDL_PRIM_U32}, {"u64", IDL_PRIM_U64}, {"f32", IDL_PRIM_F32},
    {"f64", IDL_PRIM_F64}, {"string", IDL_PRIM_STRING}, {"bytes", IDL_PRIM_BYTES}};
#define JOBC_NPRIMS (sizeof jobc_prims / sizeof jobc_prims[0])

const char *const jobc_interval_names[JOBC_NINTERVALS] = {
    "init_retry_interval_ms", "sync_retry_interval_ms", "async_init_retry_interval_ms",
    "async_get_retry_interval_ms", "async_set_retry_interval_ms", "shutdown_retry_interval_ms"};

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
static const char *jobc_suggest(const char *word, const char *const *cands, size_t n)
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

/* --- names ------------------------------------------------------------------------ */

/* name -> not a C keyword, not reserved (leading '_' or "__"). */
static void jobc_check_ident(jobc_checker *c, const char *what, const char *name, idl_loc loc)
{
    if (strlen(name) > 64) {
        JOBC_ERROR(c, loc, "%s name '%.20s...' is longer than 64 characters", what, name);
        return;
    }
    for (size_t i = 0; jobc_c_keywords[i]; i++) {
        if (strcmp(name, jobc_c_keywords[i]) == 0) {
            JOBC_ERROR(c, loc, "%s name '%s' is a C keyword", what, name);
            return;
        }
    }
    if (name[0] == '_' || strstr(name, "__")) {
        JOBC_ERROR(c, loc, "%s name '%s' is reserved: names may not start with '_' or contain '__'",
                   what, name);
    }
}

static const char *jobc_decl_what(const idl_decl *d)
{
    return d->kind == IDL_DECL_MESSAGE ? "message" : d->kind == IDL_DECL_JOB ? "job" : "package";
}

/* package -> at most one, before any message or job. */
static void jobc_check_package(jobc_checker *c)
{
    const idl_decl *first = NULL;
    for (size_t i = 0; i < c->file->ndecls; i++) {
        const idl_decl *d = c->file->decls[i];
        if (d->kind != IDL_DECL_PACKAGE) continue;
        if (first) {
            JOBC_ERROR(c, d->loc, "more than one package declaration");
            JOBC_NOTE(c, first->loc, "first package declaration is here");
            continue;
        }
        first = d;
        if (i != 0) {
            JOBC_ERROR(c, d->loc, "the package declaration must come before any message or job");
        }
        jobc_check_ident(c, "package", d->name, d->loc);
        c->m->package = d->name;
    }
}

/* Top-level names: unique, not builtin type names, not C keywords. */
static void jobc_check_decl_names(jobc_checker *c)
{
    for (size_t i = 0; i < c->file->ndecls; i++) {
        const idl_decl *d = c->file->decls[i];
        if (d->kind == IDL_DECL_PACKAGE) continue;
        for (size_t k = 0; k < JOBC_NPRIMS; k++) {
            if (strcmp(d->name, jobc_prims[k].name) == 0) {
                JOBC_ERROR(c, d->loc, "%s name '%s' is a builtin type name", jobc_decl_what(d),
                           d->name);
            }
        }
        jobc_check_ident(c, jobc_decl_what(d), d->name, d->loc);
        for (size_t j = 0; j < i; j++) {
            const idl_decl *e = c->file->decls[j];
            if (e->kind != IDL_DECL_PACKAGE && strcmp(d->name, e->name) == 0) {
                JOBC_ERROR(c, d->loc, "redefinition of '%s'", d->name);
                JOBC_NOTE(c, e->loc, "'%s' was first defined here as a %s", e->name,
                          jobc_decl_what(e));
                break;
            }
        }
    }
}

/* Names the generated stubs use for their own parameters. */
static const char *const jobc_stub_params[] = {"out", "opts", "h", "ms", NULL};

/* Fields of one message or parameters of one job: unique member names. */
static void jobc_check_fields(jobc_checker *c, const char *what, idl_field **fs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        jobc_check_ident(c, what, fs[i]->name, fs[i]->loc);
        for (size_t k = 0; what[0] == 'p' && jobc_stub_params[k]; k++) {
            if (strcmp(fs[i]->name, jobc_stub_params[k]) == 0) {
                JOBC_ERROR(c, fs[i]->loc, "parameter name '%s' is used by the generated stubs "
                           "(out, opts, h, ms); choose another name", fs[i]->name);
            }
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(fs[i]->name, fs[j]->name) == 0) {
                JOBC_ERROR(c, fs[i]->loc, "duplicate %s '%s'", what, fs[i]->name);
                JOBC_NOTE(c, fs[j]->loc, "'%s' was first defined here", fs[j]->name);
                break;
            }
            /* an array member x also generates x_count */
            if (fs[j]->type->elem && strncmp(fs[i]->name, fs[j]->name, strlen(fs[j]->name)) == 0 &&
                strcmp(fs[i]->name + strlen(fs[j]->name), "_count") == 0) {
                JOBC_ERROR(c, fs[i]->loc, "%s '%s' collides with the generated count of array '%s'",
                           what, fs[i]->name, fs[j]->name);
                JOBC_NOTE(c, fs[j]->loc, "'%s' is declared here", fs[j]->name);
            }
        }
    }
}

/* The C names a declaration generates (without the package prefix), for collisions. */
static const char *const jobc_message_suffixes[] = {"", "_free", "_msg", "_fields", NULL};
static const char *const jobc_job_suffixes[] = {
    "", "_args", "_result", "_result_free", "_job", "_handle", "_local", "_local_with",
    "_remote", "_remote_with", "_local_async", "_local_async_with", "_remote_async",
    "_remote_async_with", "_try_get", "_await", "_await_timeout", "_cancel", "_local_fanout",
    "_local_fanout_with", "_remote_fanout", "_remote_fanout_with", NULL};

static const char *const *jobc_suffixes(const idl_decl *d)
{
    return d->kind == IDL_DECL_MESSAGE ? jobc_message_suffixes : jobc_job_suffixes;
}

/* One C name a declaration generates: decl index, suffix index, the name. */
typedef struct jobc_genname {
    size_t decl, suffix;
    char name[JOBC_GENNAME_MAX];
} jobc_genname;

static int jobc_genname_cmp(const void *x, const void *y)
{
    const jobc_genname *a = x, *b = y;
    int r = strcmp(a->name, b->name);
    if (r) return r;
    return a->decl < b->decl ? -1 : a->decl > b->decl;
}

/* A collision between declarations d (later) and e, at suffixes (sd, se). */
typedef struct jobc_clash {
    size_t d, e, sd, se;
    const char *name;
} jobc_clash;

/* Order of report: by later declaration, then earlier one, then suffixes in
   declaration order, so the first clash of a pair is the one reported. */
static int jobc_clash_cmp(const void *x, const void *y)
{
    const jobc_clash *a = x, *b = y;
    if (a->d != b->d) return a->d < b->d ? -1 : 1;
    if (a->e != b->e) return a->e < b->e ? -1 : 1;
    if (a->sd != b->sd) return a->sd < b->sd ? -1 : 1;
    return a->se < b->se ? -1 : a->se > b->se;
}

/* Names generated by different declarations must differ (job square vs message
   square_args). Every generated name is listed once and sorted, so equal names
   are neighbours: O(n log n) in the number of declarations, not O(n^2). */
static void jobc_check_generated_names(jobc_checker *c)
{
    const idl_file *f = c->file;
    size_t n = 0, cap = 0;
    jobc_genname *g = NULL;
    for (size_t i = 0; i < f->ndecls; i++) {
        if (f->decls[i]->kind == IDL_DECL_PACKAGE) continue;
        size_t k = 0;
        for (const char *const *s = jobc_suffixes(f->decls[i]); *s; s++, k++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                g = realloc(g, cap * sizeof *g);
                if (!g) abort();
            }
            g[n] = (jobc_genname){.decl = i, .suffix = k};
            snprintf(g[n].name, sizeof g[n].name, "%s%s", f->decls[i]->name, *s);
            n++;
        }
    }
    if (n) qsort(g, n, sizeof *g, jobc_genname_cmp);
    size_t nclash = 0, clash_cap = 0;
    jobc_clash *cl = NULL;
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && strcmp(g[hi].name, g[lo].name) == 0; hi++)
            ;
        for (size_t x = lo; x < hi; x++) {
            for (size_t y = lo; y < x; y++) {
                const idl_decl *d = f->decls[g[x].decl], *e = f->decls[g[y].decl];
                if (g[x].decl == g[y].decl || strcmp(d->name, e->name) == 0)
                    continue; /* same declaration, or a duplicate name (reported apart) */
                if (nclash == clash_cap) {
                    clash_cap = clash_cap ? 2 * clash_cap : 16;
                    cl = realloc(cl, clash_cap * sizeof *cl);
                    if (!cl) abort();
                }
                cl[nclash++] = (jobc_clash){g[x].decl, g[y].decl, g[x].suffix, g[y].suffix,
                                            g[x].name};
            }
        }
    }
    if (nclash) qsort(cl, nclash, sizeof *cl, jobc_clash_cmp);
    for (size_t i = 0; i < nclash; i++) {
        if (i > 0 && cl[i].d == cl[i - 1].d && cl[i].e == cl[i - 1].e)
            continue; /* one report per pair of declarations */
        const idl_decl *d = f->decls[cl[i].d], *e = f->decls[cl[i].e];
        JOBC_ERROR(c, d->loc, "%s '%s' generates the C name '%s', which %s '%s' also generates",
                   jobc_decl_what(d), d->name, cl[i].name, jobc_decl_what(e), e->name);
        JOBC_NOTE(c, e->loc, "%s '%s' is declared here", jobc_decl_what(e), e->name);
    }
    free(cl);
    free(g);
}

/* --- types ------------------------------------------------------------------------ */

static void jobc_resolve_type(jobc_checker *c, idl_type *t)
{
    if (t->elem) {
        if (t->elem->elem) {
            JOBC_ERROR(c, t->loc, "nested arrays are not supported; wrap the inner array in a message");
            return;
        }
        jobc_resolve_type(c, t->elem);
        return;
    }
    for (size_t k = 0; k < JOBC_NPRIMS; k++) {
        if (strcmp(t->name, jobc_prims[k].name) == 0) {
            t->prim = jobc_prims[k].prim;
            return;
        }
    }
    const char *cands[64 + JOBC_NPRIMS];
    size_t n = 0;
    for (size_t k = 0; k < JOBC_NPRIMS; k++) cands[n++] = jobc_prims[k].name;
    for (size_t i = 0; i < c->file->ndecls; i++) {
        idl_decl *d = c->file->decls[i];
        if (d->kind != IDL_DECL_MESSAGE) continue;
        if (strcmp(d->name, t->name) == 0) {
            t->msg = d->message;
            return;
        }
        if (n < sizeof cands / sizeof cands[0]) cands[n++] = d->name;
    }
    const char *s = jobc_suggest(t->name, cands, n);
    if (s) {
        JOBC_ERROR(c, t->loc, "unknown type '%s'; did you mean '%s'?", t->name, s);
    } else {
        JOBC_ERROR(c, t->loc, "unknown type '%s'", t->name);
    }
}

/* Depth-first over by-value message fields; appends messages in dependency order
   and reports each cycle once, at the field that closes it. */
typedef struct jobc_walk {
    const idl_message *msg[256];
    const idl_field *via[256];
    size_t depth;
} jobc_walk;

static void jobc_report_cycle(jobc_checker *c, jobc_walk *w, const idl_message *target,
                              const idl_field *closing)
{
    char path[1024] = "";
    size_t len = 0, start = 0;
    while (w->msg[start] != target) start++;
    for (size_t i = start; i < w->depth; i++) {
        len += (size_t)snprintf(path + len, sizeof path - len, "%s.%s -> ", w->msg[i]->name,
                                w->via[i]->name);
        if (len >= sizeof path) break;
    }
    if (len < sizeof path) snprintf(path + len, sizeof path - len, "%s", target->name);
    JOBC_ERROR(c, closing->type->loc,
               "message '%s' contains itself by value (%s); use an array to break the cycle",
               target->name, path);
}

static void jobc_visit_message(jobc_checker *c, jobc_walk *w, idl_message *msg)
{
    if (msg->visit == 2 || w->depth == 256) return;
    msg->visit = 1;
    w->msg[w->depth] = msg;
    for (size_t i = 0; i < msg->nfields; i++) {
        idl_type *t = msg->fields[i]->type;
        if (!t->msg) continue; /* arrays hold pointers: no cycle by value */
        w->via[w->depth] = msg->fields[i];
        w->depth++;
        if (t->msg->visit == 1) {
            jobc_report_cycle(c, w, t->msg, msg->fields[i]);
        } else {
            jobc_visit_message(c, w, t->msg);
        }
        w->depth--;
    }
    msg->visit = 2;
    c->m->msgs[c->m->nmsgs++] = msg;
}

static void jobc_check_recursion(jobc_checker *c)
{
    jobc_walk w;
    w.depth = 0;
    for (size_t i = 0; i < c->file->ndecls; i++) {
        idl_decl *d = c->file->decls[i];
        if (d->kind == IDL_DECL_MESSAGE) {
            jobc_visit_message(c, &w, d->message);
        }
    }
}

/* --- options ---------------------------------------------------------------------- */

typedef enum { JOBC_OPT_SIZE, JOBC_OPT_DURATION, JOBC_OPT_COUNT, JOBC_OPT_ENUM } jobc_opt_kind;

typedef struct jobc_option_spec {
    const char *name;
    jobc_opt_kind kind;
    uint64_t min, max;
    const char *values[3]; /* JOBC_OPT_ENUM: allowed identifiers (value = index + 1) */
} jobc_option_spec;

#define JOBC_U32_MAX 4294967295u
static const jobc_option_spec jobc_options[] = {
    {"memory", JOBC_OPT_SIZE, 65536, 4294967296ull, {0}},
    {"fuel", JOBC_OPT_COUNT, 0, UINT64_MAX - 1, {0}},
    {"fanout", JOBC_OPT_ENUM, 0, 0, {"roundrobin", "random", NULL}},
    {"timeout", JOBC_OPT_DURATION, 1, 30ull * 24 * 3600 * 1000, {0}}, /* up to 30 days */
    {"retries", JOBC_OPT_COUNT, 0, 1000, {0}},
    {"concurrency", JOBC_OPT_COUNT, 1, 1000000, {0}},
    {"remote_fallback", JOBC_OPT_ENUM, 0, 0, {"local", "error", NULL}},
    {"liveness", JOBC_OPT_DURATION, 1, 3600 * 1000, {0}}, /* up to an hour */
    {"init_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"sync_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"async_init_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"async_get_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"async_set_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
    {"shutdown_retry_interval_ms", JOBC_OPT_COUNT, 1, JOBC_U32_MAX, {0}},
};
#define JOBC_NOPTIONS (sizeof jobc_options / sizeof jobc_options[0])

static const struct { const char *unit; uint64_t scale; } jobc_size_units[] = {
    {"B", 1}, {"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", 1024 * 1024 * 1024}, {NULL, 0}};
static const struct { const char *unit; uint64_t scale; } jobc_time_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {NULL, 0}};

/* A number with its unit applied; 0 and a reported error when the unit is wrong. */
static int jobc_option_number(jobc_checker *c, const jobc_option_spec *spec, const idl_value *v,
                              uint64_t *out)
{
    if (v->ident) {
        JOBC_ERROR(c, v->loc, "option '%s' expects a number, not '%s'", spec->name, v->ident);
        return 0;
    }
    uint64_t scale = 1;
    if (spec->kind == JOBC_OPT_SIZE || spec->kind == JOBC_OPT_DURATION) {
        int found = 0;
        for (size_t i = 0; !found && (spec->kind == JOBC_OPT_SIZE ? jobc_size_units[i].unit
                                                                   : jobc_time_units[i].unit); i++) {
            const char *u = spec->kind == JOBC_OPT_SIZE ? jobc_size_units[i].unit : jobc_time_units[i].unit;
            if (strcmp(v->unit, u) == 0) {
                scale = spec->kind == JOBC_OPT_SIZE ? jobc_size_units[i].scale : jobc_time_units[i].scale;
                found = 1;
            }
        }
        if (!found && !(spec->kind == JOBC_OPT_SIZE && v->unit[0] == '\0')) {
            if (spec->kind == JOBC_OPT_SIZE) {
                JOBC_ERROR(c, v->loc, "option '%s' has unit '%s'; expected B, KiB, MiB or GiB",
                           spec->name, v->unit);
            } else if (v->unit[0] == '\0') {
                JOBC_ERROR(c, v->loc, "option '%s' needs a unit: ms, s or m", spec->name);
            } else {
                JOBC_ERROR(c, v->loc, "option '%s' has unit '%s'; expected ms, s or m", spec->name,
                           v->unit);
            }
            return 0;
        }
    } else if (v->unit[0] != '\0') {
        JOBC_ERROR(c, v->loc, "option '%s' takes a plain number, without unit '%s'", spec->name,
                   v->unit);
        return 0;
    }
    if (v->num > (UINT64_MAX - 1) / scale || v->num * scale < spec->min ||
        v->num * scale > spec->max) {
        JOBC_ERROR(c, v->loc, "option '%s' is out of range: %llu%s (allowed: %llu to %llu%s)",
                   spec->name, (unsigned long long)v->num, v->unit, (unsigned long long)spec->min,
                   (unsigned long long)spec->max,
                   spec->kind == JOBC_OPT_SIZE ? " bytes" : spec->kind == JOBC_OPT_DURATION ? " ms" : "");
        return 0;
    }
    *out = v->num * scale;
    return 1;
}

static int jobc_option_enum(jobc_checker *c, const jobc_option_spec *spec, const idl_value *v)
{
    if (v->ident) {
        for (int i = 0; spec->values[i]; i++) {
            if (strcmp(v->ident, spec->values[i]) == 0) return i + 1;
        }
        const char *s = jobc_suggest(v->ident, spec->values, 2);
        if (s) {
            JOBC_ERROR(c, v->loc, "unknown value '%s' for option '%s'; did you mean '%s'?", v->ident,
                       spec->name, s);
            return 0;
        }
    }
    JOBC_ERROR(c, v->loc, "option '%s' expects %s or %s", spec->name, spec->values[0],
               spec->values[1]);
    return 0;
}

static void jobc_apply_option(jobc_opts *o, size_t index, uint64_t n)
{
    switch (index) {
    case 0: o->memory = n; break;
    case 1: o->fuel = n ? n : JOBC_UNLIMITED; break;
    case 2: o->fanout = (int)n; break;
    case 3: o->timeout_ms = n; break;
    case 4: o->retries = (uint32_t)n; break;
    case 5: o->concurrency = (uint32_t)n; break;
    case 6: o->remote_fallback = (int)n; break;
    case 7: o->liveness_ms = n; break;
    default: o->intervals[index - 8] = n; break;
    }
}

/* options -> each known, set once, value of the right kind, unit and range. */
static void jobc_check_options(jobc_checker *c, const idl_job *job, jobc_opts *o)
{
    const char *names[JOBC_NOPTIONS];
    for (size_t k = 0; k < JOBC_NOPTIONS; k++) names[k] = jobc_options[k].name;
    for (size_t i = 0; i < job->noptions; i++) {
        const idl_option *opt = job->options[i];
        size_t k = 0;
        while (k < JOBC_NOPTIONS && strcmp(opt->name, jobc_options[k].name) != 0) k++;
        if (k == JOBC_NOPTIONS) {
            const char *s = jobc_suggest(opt->name, names, JOBC_NOPTIONS);
            if (s) {
                JOBC_ERROR(c, opt->loc, "unknown option '%s'; did you mean '%s'?", opt->name, s);
            } else {
                JOBC_ERROR(c, opt->loc, "unknown option '%s'", opt->name);
            }
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(job->options[j]->name, opt->name) == 0) {
                JOBC_ERROR(c, opt->loc, "option '%s' is set more than once", opt->name);
                JOBC_NOTE(c, job->options[j]->loc, "'%s' was first set here", opt->name);
                break;
            }
        }
        const jobc_option_spec *spec = &jobc_options[k];
        uint64_t n = 0;
        if (spec->kind == JOBC_OPT_ENUM) {
            n = (uint64_t)jobc_option_enum(c, spec, &opt->value);
            if (n == 0) continue;
        } else if (!jobc_option_number(c, spec, &opt->value, &n)) {
            continue;
        }
        jobc_apply_option(o, k, n);
    }
}

/* --- driver ----------------------------------------------------------------------- */

int jobc_check(const idl_file *f, const idl_sink *sink, jobc_model *m)
{
    memset(m, 0, sizeof *m);
    m->file = f;
    m->msgs = calloc(f->ndecls + 1, sizeof *m->msgs);
    m->jobs = calloc(f->ndecls + 1, sizeof *m->jobs);
    m->opts = calloc(f->ndecls + 1, sizeof *m->opts);
    jobc_checker c = {.file = f, .sink = sink, .m = m};

    jobc_check_package(&c);
    jobc_check_decl_names(&c);
    for (size_t i = 0; i < f->ndecls; i++) {
        idl_decl *d = f->decls[i];
        if (d->kind == IDL_DECL_MESSAGE) {
            jobc_check_fields(&c, "field", d->message->fields, d->message->nfields);
            for (size_t k = 0; k < d->message->nfields; k++) {
                jobc_resolve_type(&c, d->message->fields[k]->type);
            }
        } else if (d->kind == IDL_DECL_JOB) {
            idl_job *j = d->job;
            jobc_check_fields(&c, "parameter", j->params, j->nparams);
            for (size_t k = 0; k < j->nparams; k++) {
                jobc_resolve_type(&c, j->params[k]->type);
            }
            if (j->result) {
                jobc_resolve_type(&c, j->result);
            }
            jobc_check_options(&c, j, &m->opts[m->njobs]);
            m->jobs[m->njobs++] = j;
        }
    }
    jobc_check_generated_names(&c);
    jobc_check_recursion(&c);
    return c.errors;
}

void jobc_model_free(jobc_model *m)
{
    free(m->msgs);
    free(m->jobs);
    free(m->opts);
    memset(m, 0, sizeof *m);
}
