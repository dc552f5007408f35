/* opts.c - option resolution: a call's overrides, then the job's .job options,
 * then built-in defaults. 0 means "not set" at every level. */
#include <string.h>

#include "internal.h"

#define LUC_PICK(field, builtin)                                                       \
    out->field = (call && call->field) ? call->field                                   \
               : (job && job->defaults.field) ? job->defaults.field : (builtin)

void luc_opts_resolve(lucidity_opts *out, const lucidity_job *job, const lucidity_opts *call)
{
    /* Padding too (after `pool`): resolved options compare equal byte for byte. */
    memset(out, 0, sizeof *out);
    LUC_PICK(memory, LUC_DEFAULT_MEMORY);
    LUC_PICK(fuel, LUCIDITY_NONE);
    LUC_PICK(timeout_ms, LUCIDITY_NONE);
    LUC_PICK(retries, 0);
    LUC_PICK(concurrency, LUC_DEFAULT_CONCURRENCY);
    LUC_PICK(pool, 0);
    LUC_PICK(fanout, LUCIDITY_FANOUT_ROUNDROBIN);
    LUC_PICK(remote_fallback, LUCIDITY_FALLBACK_LOCAL);
    LUC_PICK(init_retry_interval_ms, 0);
    LUC_PICK(sync_retry_interval_ms, 0);
    LUC_PICK(async_init_retry_interval_ms, 0);
    LUC_PICK(async_get_retry_interval_ms, 0);
    LUC_PICK(async_set_retry_interval_ms, 0);
    LUC_PICK(shutdown_retry_interval_ms, 0);
    /* The seed's per-phase intervals all mean "how often to re-check liveness";
       the shortest one set wins, else the liveness option. */
    LUC_PICK(liveness_ms, LUC_DEFAULT_LIVENESS_MS);
    const uint64_t phases[] = {out->init_retry_interval_ms, out->sync_retry_interval_ms,
                               out->async_init_retry_interval_ms, out->async_get_retry_interval_ms,
                               out->async_set_retry_interval_ms, out->shutdown_retry_interval_ms};
    for (unsigned i = 0; i < sizeof phases / sizeof phases[0]; i++)
        if (phases[i] && phases[i] < out->liveness_ms)
            out->liveness_ms = phases[i];
}
