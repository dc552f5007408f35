/* check_options.c - job options: names, kinds, units and ranges. */
#include "check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const jobc_interval_names[JOBC_NINTERVALS] = {
    "init_retry_interval_ms", "sync_retry_interval_ms", "async_init_retry_interval_ms",
    "async_get_retry_interval_ms", "async_set_retry_interval_ms", "shutdown_retry_interval_ms"};

/* --- options ---------------------------------------------------------------------- */

typedef enum { JOBC_OPT_SIZE, JOBC_OPT_DURATION, JOBC_OPT_COUNT, JOBC_OPT_ENUM } jobc_opt_kind;

typedef struct jobc_option_spec {
    const char *name;
    jobc_opt_kind kind;
    uint64_t min, max;
    const char *values[4]; /* JOBC_OPT_ENUM: allowed identifiers (value = index + 1) */
} jobc_option_spec;

#define JOBC_U32_MAX 4294967295u
static const jobc_option_spec jobc_options[] = {
    {"memory", JOBC_OPT_SIZE, JOBC_MEMORY_MIN, 4294967296ull, {0}},
    {"fuel", JOBC_OPT_COUNT, 0, UINT64_MAX - 1, {0}},
    {"fanout", JOBC_OPT_ENUM, 0, 0, {"roundrobin", "random", "balanced", NULL}},
    {"timeout", JOBC_OPT_DURATION, 1, 30ull * 24 * 3600 * 1000, {0}}, /* up to 30 days */
    {"retries", JOBC_OPT_COUNT, 0, 1000, {0}},
    {"concurrency", JOBC_OPT_COUNT, 1, 1000000, {0}},
    {"remote_fallback", JOBC_OPT_ENUM, 0, 0, {"local", "error", NULL}},
    {"liveness", JOBC_OPT_DURATION, 1, 3600 * 1000, {0}}, /* up to an hour */
    {"pool", JOBC_OPT_COUNT, 1, JOBC_POOL_MAX, {0}},
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
    case 8: o->pool = (uint32_t)n; break;
    default: o->intervals[index - 9] = n; break;
    }
}

/* options -> each known, set once, value of the right kind, unit and range. */
void jobc_check_options(jobc_checker *c, const idl_job *job, jobc_opts *o)
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
    /* A pool worker serves many calls, while lunatic's fuel is a budget of the
       whole process: a per-call fuel cannot be kept (the runtime says EINVAL). */
    if (o->pool && o->fuel && o->fuel != JOBC_UNLIMITED) {
        const idl_option *pool = NULL, *fuel = NULL;
        for (size_t i = 0; i < job->noptions; i++) {
            if (strcmp(job->options[i]->name, "pool") == 0) pool = job->options[i];
            if (strcmp(job->options[i]->name, "fuel") == 0) fuel = job->options[i];
        }
        JOBC_ERROR(c, pool->loc, "option 'pool' cannot be combined with a fuel limit: a worker "
                   "serves many calls, and fuel is per process");
        JOBC_NOTE(c, fuel->loc, "'fuel' is set here");
    }
}

