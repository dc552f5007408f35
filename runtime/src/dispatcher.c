/*
 * dispatcher.c - the dispatcher of one calling process on one node (see
 * remote.c): spawned there by the caller's courier on first use, it runs the
 * caller's jobs on this node. For each item of a batch it spawns the job with
 * the call's memory and fuel, linked to itself under the call's tag, and
 * hands it the arguments; the job replies to the dispatcher, which passes the
 * reply to its returner (returner.c, the one process here that may block on
 * the caller's node) and reports a job's death as ETRAP and a failed spawn
 * as ESPAWN, so remote failures map to the same statuses as local ones.
 *
 * It kills a job on a cancel, and every job when the caller is done (QUIT)
 * or gone: its courier sends at least once per liveness interval, so silence
 * for the lost-after bound means the caller or its node is gone, and nothing
 * of theirs may outlive them here. It is also each job's guard (guard.c): a
 * job hands it every process it spawns and says when it ends (END), and the
 * dispatcher kills what the job left running when the job ends, dies or is
 * killed - one spawn less per job that calls jobs than a guard process.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

#define LUC_RETURNER_MEMORY (64u * 1024u * 1024u)

/* A job running for the caller, and what it spawned (we are its guard). */
typedef struct luc_djob {
    int64_t tag;  /* its call's tag */
    int64_t wtag; /* the tag its messages come under: tag, or its pool worker's */
    uint64_t pid;
    bool replied; /* its reply was passed on: its death is no longer news */
    uint32_t pool_id, worker_id; /* served by a pool worker (pool.c; 0: own process) */
    uint64_t *kids;
    size_t nkids, kids_cap;
} luc_djob;

typedef struct luc_djobs {
    luc_djob *v;
    size_t n, cap;
} luc_djobs;

static luc_djob *luc_djobs_add(luc_djobs *j, int64_t tag, uint64_t pid)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        luc_djob *grown = realloc(j->v, cap * sizeof *grown);
        if (!grown)
            return NULL;
        j->v = grown;
        j->cap = cap;
    }
    j->v[j->n] = (luc_djob){.tag = tag, .wtag = tag, .pid = pid};
    return &j->v[j->n++];
}

/* By call tag (a cancel) or by the tag its messages come under. */
static luc_djob *luc_djobs_find(luc_djobs *j, int64_t tag, bool by_wtag)
{
    for (size_t i = 0; i < j->n; i++)
        if ((by_wtag ? j->v[i].wtag : j->v[i].tag) == tag)
            return &j->v[i];
    return NULL;
}

/* A pooled item's worker goes back to its pool (keep) or is stopped. */
static void luc_djob_release(luc_djob *d, bool keep)
{
    lucidity_handle h = {.pid = d->pid, .tag = d->wtag, .pool_id = d->pool_id,
                         .worker_id = d->worker_id};
    luc_pool_release(&h, keep);
    d->pool_id = 0;
}

/* Pools are per job; here a job is known by its entry name: one descriptor per
   name (pool.c needs only the entry), kept for the dispatcher's life. */
static const lucidity_job *luc_disp_job(const char *entry)
{
    static struct {
        lucidity_job *v;
        size_t n;
    } known;
    for (size_t i = 0; i < known.n; i++)
        if (strcmp(known.v[i].entry, entry) == 0)
            return &known.v[i];
    lucidity_job *grown = realloc(known.v, (known.n + 1) * sizeof *grown);
    char *name = malloc(strlen(entry) + 1);
    if (grown)
        known.v = grown;
    if (!grown || !name) {
        free(name);
        return NULL;
    }
    strcpy(name, entry);
    known.v[known.n] = (lucidity_job){.abi_version = LUCIDITY_ABI_VERSION, .entry = name};
    return &known.v[known.n++];
}

static void luc_kill_linked(uint64_t pid)
{
    lh_unlink(pid); /* its death sends us nothing */
    lh_kill(pid);
}

/* The job is over (or killed): end what it left running, forget it. */
static void luc_djobs_drop(luc_djobs *j, luc_djob *d)
{
    if (d->pool_id)
        luc_djob_release(d, false); /* busy with this item: it ends */
    for (size_t i = 0; i < d->nkids; i++)
        lh_kill(d->kids[i]); /* a child with a guard of its own takes its subtree along */
    free(d->kids);
    *d = j->v[--j->n];
}

/* A process the job spawned (ADOPT): kept to be killed when the job ends. */
static void luc_djob_adopt(luc_djob *d, uint64_t pid)
{
    if (d->nkids == d->kids_cap) {
        size_t m = 0; /* dead ones are dropped before the list grows */
        for (size_t i = 0; i < d->nkids; i++)
            if (lh_exists(d->kids[i]))
                d->kids[m++] = d->kids[i];
        d->nkids = m;
        if (d->nkids * 2 > d->kids_cap || !d->kids_cap) {
            size_t cap = d->kids_cap ? 2 * d->kids_cap : 8;
            uint64_t *grown = realloc(d->kids, cap * sizeof *grown);
            if (grown) {
                d->kids = grown;
                d->kids_cap = cap;
            }
        }
    }
    if (d->nkids == d->kids_cap) {
        lh_kill(pid); /* cannot be guarded: may not run */
        return;
    }
    d->kids[d->nkids++] = pid;
}

/* A status-only reply for the caller, through the returner. */
static void luc_disp_fail(uint64_t ret, int64_t tag, int status)
{
    if (luc_tell(ret, tag, LUC_K_REPLY, status) != LUCIDITY_OK)
        abort(); /* cannot reach our own returner: our death ends the jobs */
}

/* Starts the item of record r (entry and arguments follow it). */
static void luc_disp_item(luc_djobs *jobs, uint64_t ret, const luc_item_rec *r,
                          const uint8_t *entry, const uint8_t *args)
{
    char name[LUC_MAX_ENTRY];
    uint64_t pid = 0;
    int rc = LUCIDITY_EDECODE;
    /* A pooled job's item goes to an idle worker of this node's pool (as a
       local pooled call does: one more than the pool runs in a fresh process). */
    lucidity_handle w = {.opts = {.memory = r->memory, .pool = r->pool}};
    if (r->entry_len < LUC_MAX_ENTRY) {
        memcpy(name, entry, r->entry_len);
        name[r->entry_len] = 0;
        rc = LUCIDITY_PENDING;
        if (r->pool && r->fuel == LUCIDITY_NONE && (w.job = luc_disp_job(name)) != NULL)
            rc = luc_pool_acquire(&w);
        if (rc == LUCIDITY_PENDING) {
            w.pool_id = 0;
            w.tag = r->tag;
            rc = luc_spawn_job_as(name, r->memory, r->fuel, r->tag, LUC_DISPATCH_NODE, &w.pid);
        }
        pid = w.pid;
    }
    if (rc == LUCIDITY_OK)
        rc = luc_msg_begin(w.tag, LUC_K_ARGS, 0, r->args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(args, r->args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_send(pid);
    luc_djob *d = rc == LUCIDITY_OK ? luc_djobs_add(jobs, r->tag, pid) : NULL;
    if (d) {
        d->wtag = w.tag;
        d->pool_id = w.pool_id;
        d->worker_id = w.worker_id;
        return;
    }
    if (rc == LUCIDITY_OK)
        rc = LUCIDITY_ENOMEM;
    if (w.pool_id) {
        luc_pool_release(&w, false);
    } else if (pid) {
        luc_kill_linked(pid);
    }
    luc_disp_fail(ret, r->tag, rc);
}

/* Runs the records of a received batch (read into in, after the header). */
static void luc_disp_batch(luc_djobs *jobs, uint64_t ret, luc_bytes *in)
{
    in->len = 0;
    if (!luc_bytes_take_msg(in, LUC_HEAD_SIZE))
        abort(); /* out of memory: our death ends the jobs; the courier sees us gone */
    size_t at = 0;
    while (at + sizeof(luc_item_rec) <= in->len) {
        luc_item_rec r;
        memcpy(&r, in->data + at, sizeof r);
        at += sizeof r;
        if (r.entry_len > in->len - at || r.args_len > in->len - at - r.entry_len)
            return; /* malformed: nothing after it can be trusted */
        const uint8_t *entry = in->data + at, *args = entry + r.entry_len;
        at += (size_t)r.entry_len + r.args_len;
        if (r.kind == LUC_K_ITEM) {
            luc_disp_item(jobs, ret, &r, entry, args);
        } else if (r.kind == LUC_K_CANCEL) {
            luc_djob *d = luc_djobs_find(jobs, r.tag, false);
            if (d && !d->pool_id)
                luc_kill_linked(d->pid);
            if (d)
                luc_djobs_drop(jobs, d); /* a worker busy with it is stopped there */
        }
    }
}

LUC_EXPORT(LUC_DISPATCHER_ENTRY)
void lucidity__node_dispatcher(uint64_t caller_node, uint64_t caller_pid, int64_t tag,
                               uint64_t liveness_ms)
{
    luc_exit_silence();
    lh_die_when_link_dies(0); /* a job's death is a message for us to report */
    const uint64_t params[3] = {caller_node, caller_pid, (uint64_t)tag};
    uint64_t ret = 0;
    int64_t cfg = luc_config(LUC_RETURNER_MEMORY, LUCIDITY_NONE);
    int rc = luc_spawn_unguarded(LUC_RETURNER_TAG, cfg, LUC_RETURNER_ENTRY, params, 3, &ret);
    if (cfg >= 0)
        lh_drop_config((uint64_t)cfg);
    if (rc != LUCIDITY_OK)
        return; /* the courier's next send finds no process: the node is lost to it */
    luc_djobs jobs = {0};
    luc_bytes in = {0};
    uint64_t silent_ms = luc_lost_after(liveness_ms), heard = luc_now_ms();
    for (;;) {
        uint64_t due = luc_add_sat(heard, silent_ms), now = luc_now_ms();
        if (now >= due)
            break; /* the courier fell silent: the caller is gone */
        uint32_t r = lh_receive(NULL, 0, due - now);
        if (r == LH_TIMEOUT)
            break;
        int64_t t = lh_get_tag();
        if (r != LH_RECV_DATA) {
            if (t == LUC_RETURNER_TAG)
                break; /* results can no longer be returned */
            luc_djob *d = luc_djobs_find(&jobs, t, true);
            if (d && !d->replied)
                luc_disp_fail(ret, d->tag, LUCIDITY_ETRAP);
            if (d)
                luc_djobs_drop(&jobs, d);
            continue;
        }
        luc_kind kind;
        int32_t status;
        if (luc_msg_head(&kind, &status) != LUCIDITY_OK)
            continue;
        if (t == LUC_BATCH_TAG) {
            heard = luc_now_ms(); /* not `now`: that was before the wait */
            if (kind == LUC_K_QUIT)
                break;
            if (kind == LUC_K_BATCH)
                luc_disp_batch(&jobs, ret, &in);
            continue;
        }
        /* A job's message, under its call's tag: its reply (passed on as the
           job wrote it), a process it spawned, or its end. */
        luc_djob *d = luc_djobs_find(&jobs, t, true);
        if (!d)
            continue; /* cancelled meanwhile */
        uint64_t pid;
        if (kind == LUC_K_REPLY && d->pool_id) {
            /* A worker replies under its own tag: passed on under the call's. */
            int64_t wt;
            uint8_t *data = NULL;
            size_t len = 0;
            if (luc_msg_save(&wt, &data, &len) != LUCIDITY_OK ||
                luc_msg_rebuild(d->tag, data, len) != LUCIDITY_OK)
                abort(); /* out of memory: our death ends the jobs */
            free(data);
            if (lh_send(ret) != 0)
                break;
            /* exit(n) in a worker replies, then ends it: it is not kept */
            luc_djob_release(d, status != LUCIDITY_EEXIT);
            luc_djobs_drop(&jobs, d);
        } else if (kind == LUC_K_REPLY && !d->replied) {
            d->replied = true;
            lh_seek_data(0);
            if (lh_send(ret) != 0)
                break;
            /* A job that handed us nothing sends no END (guard.c): done now.
               Its ADOPTs came before its reply (one sender: in order). */
            if (!d->nkids)
                luc_djobs_drop(&jobs, d);
        } else if (kind == LUC_K_ADOPT && luc_msg_take(&pid, sizeof pid) == LUCIDITY_OK) {
            luc_djob_adopt(d, pid);
        } else if (kind == LUC_K_END) {
            luc_djobs_drop(&jobs, d);
        }
    }
    while (jobs.n) {
        if (!jobs.v[0].pool_id)
            luc_kill_linked(jobs.v[0].pid);
        luc_djobs_drop(&jobs, &jobs.v[0]);
    }
    lucidity_pool_close(NULL); /* our pools' workers end with us */
    luc_kill_linked(ret);
    free(jobs.v);
    free(in.data);
}
