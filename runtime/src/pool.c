/*
 * pool.c - worker pools: long-lived processes that serve a job's local calls
 * (the `pool` option), the caller's side.
 *
 * A pool belongs to the calling process (each lunatic process is its own
 * instance, so this table is per process): one per (job, memory limit), with
 * up to `pool` workers. A worker is the job's own entry spawned with caller
 * node LUC_POOL_NODE (serve.c then loops instead of serving once), linked to
 * us with its own tag W. Every call it serves uses W as its reply tag, so one
 * tagged receive yields the reply or the worker's death, exactly as for a
 * process per call (local.c); a worker serves one call at a time, so W is
 * unique among calls in flight.
 *
 * A worker whose call ended with a reply goes back to the idle stack. One
 * that trapped, exited, timed out or was cancelled is stopped (unlinked,
 * killed, its tag drained) and its place refilled by a new spawn on demand.
 * A call that finds no idle worker and the pool full runs in a fresh process
 * instead (fanouts size their window to the pool, so they never do).
 *
 * Workers end with the pools: lucidity_pool_close, this process's end (a
 * destructor: wasm-ld runs them when main or a process entry returns), or its
 * death (the link; a worker that survives links sees it while idle). In a job
 * process the workers are also handed to its guard like any child.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

typedef struct luc_worker {
    uint64_t pid; /* 0: an empty place */
    int64_t tag;
    bool busy;
} luc_worker;

typedef struct luc_pool {
    const lucidity_job *job;
    uint64_t memory;
    luc_worker *w;   /* `cap` places */
    size_t cap;
    size_t *idle, nidle; /* stack of idle workers' places */
    size_t used;         /* places with a worker */
} luc_pool;

static struct {
    luc_pool *p;
    size_t n;
} luc_pools;

static luc_pool *luc_pool_find(const lucidity_job *job, uint64_t memory, size_t *id)
{
    for (size_t i = 0; i < luc_pools.n; i++)
        if (luc_pools.p[i].job == job && luc_pools.p[i].memory == memory) {
            *id = i;
            return &luc_pools.p[i];
        }
    return NULL;
}

static luc_pool *luc_pool_get(const lucidity_job *job, uint64_t memory, uint32_t size, size_t *id)
{
    luc_pool *p = luc_pool_find(job, memory, id);
    if (!p) {
        luc_pool *grown = realloc(luc_pools.p, (luc_pools.n + 1) * sizeof *grown);
        if (!grown)
            return NULL;
        luc_pools.p = grown;
        p = &luc_pools.p[*id = luc_pools.n++];
        memset(p, 0, sizeof *p);
        p->job = job;
        p->memory = memory;
    }
    if (size > p->cap) { /* a call asked for a larger pool: it grows, never shrinks */
        luc_worker *w = realloc(p->w, size * sizeof *w);
        size_t *idle = w ? realloc(p->idle, size * sizeof *idle) : NULL;
        if (w)
            p->w = w;
        if (!w || !idle)
            return NULL;
        p->idle = idle;
        memset(p->w + p->cap, 0, (size - p->cap) * sizeof *w);
        p->cap = size;
    }
    return p;
}

/* Ends worker i: no message of it stays behind. */
static void luc_pool_drop(luc_pool *p, size_t i)
{
    luc_worker *w = &p->w[i];
    if (!w->pid)
        return;
    luc_stop(w->pid, w->tag);
    w->pid = 0;
    w->busy = false;
    p->used--;
}

static int luc_pool_spawn(luc_pool *p, size_t i)
{
    luc_worker *w = &p->w[i];
    int64_t cfg = luc_config(p->memory, LUCIDITY_NONE);
    if (cfg < 0)
        return LUCIDITY_ESPAWN;
    w->tag = luc_new_tag();
    const uint64_t params[3] = {LUC_POOL_NODE, lh_process_id(), (uint64_t)w->tag};
    int rc = luc_spawn(w->tag, cfg, p->job->entry, params, 3, &w->pid);
    lh_drop_config((uint64_t)cfg);
    if (rc != LUCIDITY_OK) {
        w->pid = 0;
        return rc;
    }
    p->used++;
    return LUCIDITY_OK;
}

int luc_pool_acquire(lucidity_handle *h)
{
    size_t id;
    luc_pool *p = luc_pool_get(h->job, h->opts.memory, h->opts.pool, &id);
    if (!p)
        return LUCIDITY_ENOMEM;
    size_t i = SIZE_MAX;
    while (i == SIZE_MAX && p->nidle) {
        size_t c = p->idle[--p->nidle];
        /* It may have died while idle (killed from outside): its death went
           under its tag, which we drain with it, not into the next call. */
        if (lh_exists(p->w[c].pid))
            i = c;
        else
            luc_pool_drop(p, c);
    }
    if (i == SIZE_MAX) {
        if (p->used == p->cap)
            return LUCIDITY_PENDING; /* full and all busy: the caller runs a fresh process */
        for (i = 0; p->w[i].pid; i++)
            ;
        int rc = luc_pool_spawn(p, i);
        if (rc != LUCIDITY_OK)
            return rc;
    }
    p->w[i].busy = true;
    h->pid = p->w[i].pid;
    h->tag = h->link_tag = p->w[i].tag;
    h->pool_id = (uint32_t)id + 1;
    h->worker_id = (uint32_t)i + 1;
    return LUCIDITY_OK;
}

static luc_worker *luc_pool_worker(const lucidity_handle *h, luc_pool **pool)
{
    if (!h->pool_id || h->pool_id > luc_pools.n)
        return NULL;
    luc_pool *p = &luc_pools.p[h->pool_id - 1];
    if (h->worker_id > p->cap || p->w[h->worker_id - 1].pid != h->pid)
        return NULL; /* closed meanwhile */
    *pool = p;
    return &p->w[h->worker_id - 1];
}

void luc_pool_release(lucidity_handle *h, bool keep)
{
    luc_pool *p;
    luc_worker *w = luc_pool_worker(h, &p);
    if (w && keep && w->busy) {
        w->busy = false;
        p->idle[p->nidle++] = h->worker_id - 1;
    } else if (w) {
        luc_pool_drop(p, h->worker_id - 1);
    } else {
        luc_drain(h->tag); /* a death of a worker that pool_close ended */
    }
    h->pool_id = h->worker_id = 0;
}

void lucidity_pool_close(const lucidity_job *job)
{
    for (size_t k = 0; k < luc_pools.n; k++) {
        luc_pool *p = &luc_pools.p[k];
        if (job && p->job != job)
            continue;
        for (size_t i = 0; i < p->cap; i++) {
            luc_worker *w = &p->w[i];
            if (w->pid && w->busy)
                lh_kill(w->pid); /* still linked: its call sees the death, ETRAP */
            else
                luc_pool_drop(p, i);
        }
        /* The place stays (handles name pools by index), empty. */
        free(p->w), free(p->idle);
        p->w = NULL, p->idle = NULL;
        p->cap = p->nidle = p->used = 0;
    }
}

/* This process is ending: its workers end with it. */
__attribute__((destructor)) static void luc_pool_close_all(void)
{
    lucidity_pool_close(NULL);
}
