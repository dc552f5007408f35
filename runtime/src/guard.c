/*
 * guard.c - a job's subtree ends with the job.
 *
 * lunatic ends a process when a linked process fails only while it has not
 * called die_when_link_dies(0). A job that calls jobs must call it (its
 * children's failures are statuses, not its death), so it would outlive its
 * own parent, and so would everything it started: killing one process (a
 * timeout, a cancel) would stop only that process.
 *
 * So a job process gets a guard at its first spawn: a process linked to the
 * job and to the job's parent, to which the job hands every process it
 * spawns (one local message each). The guard never runs user code and is
 * always waiting in receive, so it acts at once when
 *   - the job dies (trap, kill): it kills everything the job spawned;
 *   - the job's parent dies: it kills the job too;
 *   - the job ends (reply sent, or exit()): the job tells it (END), and it
 *     kills what the job left running.
 * A job on another node has its dispatcher as its guard (luc_guard_use): the
 * same messages, under the job's call tag.
 * Each killed child that has a guard of its own takes its subtree with it
 * the same way, so a kill anywhere ends the whole tree below it.
 * A child spawned before the job's first guard hand-off is still linked to
 * the job with lunatic's default die-with-link, or has a guard linked to the
 * job: there is no window in which a child can escape.
 */
#include <stdlib.h>

#include "host.h"
#include "internal.h"

#define LUC_GUARD_ENTRY "lucidity_guard"
#define LUC_GUARD_MEMORY (16u * 1024u * 1024u)

/* This process's guard state (per process: each process is its own instance). */
static struct {
    uint64_t parent; /* the job's parent on this node; 0: not a job process */
    uint64_t pid;    /* the guard (0: none yet) */
    int64_t tag;
    bool dispatcher; /* the guard is our dispatcher (luc_guard_use) */
    bool adopted;    /* it was handed a process */
} luc_guard;

void luc_guard_set_parent(uint64_t parent)
{
    luc_guard.parent = parent;
    luc_guard.pid = 0;
    luc_guard.dispatcher = luc_guard.adopted = false;
}

/* A job of a dispatcher: the dispatcher already is the process that outlives
   the job and kills what it leaves (dispatcher.c), so no guard is spawned (a
   spawn is most of what a small remote job costs). */
void luc_guard_use(uint64_t pid, int64_t tag)
{
    luc_guard.parent = pid;
    luc_guard.pid = pid;
    luc_guard.tag = tag;
    luc_guard.dispatcher = true;
    luc_guard.adopted = false;
}

int luc_guard_ready(void)
{
    if (!luc_guard.parent || luc_guard.pid)
        return LUCIDITY_OK;
    luc_guard.tag = luc_new_tag();
    const uint64_t params[3] = {lh_process_id(), luc_guard.parent, (uint64_t)luc_guard.tag};
    /* A small config of its own: inheriting ours would clone our WASI context. */
    int64_t cfg = luc_config(LUC_GUARD_MEMORY, LUCIDITY_NONE);
    int rc = luc_spawn_unguarded(luc_guard.tag, cfg, LUC_GUARD_ENTRY, params, 3, &luc_guard.pid);
    if (rc != LUCIDITY_OK) /* e.g. the module's memory is larger than the small config */
        rc = luc_spawn_unguarded(luc_guard.tag, -1, LUC_GUARD_ENTRY, params, 3, &luc_guard.pid);
    if (cfg >= 0)
        lh_drop_config((uint64_t)cfg);
    if (rc != LUCIDITY_OK)
        luc_guard.pid = 0;
    return rc;
}

int luc_guard_adopt(uint64_t pid)
{
    if (!luc_guard.pid)
        return LUCIDITY_OK;
    luc_guard.adopted = true;
    int rc = luc_msg_begin(luc_guard.tag, LUC_K_ADOPT, 0, sizeof pid);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(&pid, sizeof pid);
    return rc == LUCIDITY_OK ? luc_send(luc_guard.pid) : rc;
}

void luc_guard_end(void)
{
    /* A dispatcher forgets a job that handed it nothing at its reply. */
    bool tell = luc_guard.pid && (!luc_guard.dispatcher || luc_guard.adopted);
    if (tell && luc_tell(luc_guard.pid, luc_guard.tag, LUC_K_END, 0) != LUCIDITY_OK)
        abort(); /* the guard then sees our death and still ends our children */
    luc_guard.parent = 0;
    luc_guard.pid = 0;
    luc_guard.dispatcher = luc_guard.adopted = false;
}

/* ---- the guard process ---- */

typedef struct luc_pids {
    uint64_t *pid;
    size_t n, cap;
} luc_pids;

/* Keeps the list of live children: dead ones are dropped before it grows. */
static bool luc_pids_add(luc_pids *p, uint64_t pid)
{
    if (p->n == p->cap) {
        size_t m = 0;
        for (size_t i = 0; i < p->n; i++)
            if (lh_exists(p->pid[i]))
                p->pid[m++] = p->pid[i];
        p->n = m;
        if (p->n * 2 > p->cap || p->cap == 0) { /* mostly alive: grow (amortised O(1)) */
            size_t cap = p->cap ? 2 * p->cap : 16;
            uint64_t *grown = realloc(p->pid, cap * sizeof *grown);
            if (grown) {
                p->pid = grown;
                p->cap = cap;
            }
        }
    }
    if (p->n == p->cap)
        return false;
    p->pid[p->n++] = pid;
    return true;
}

LUC_EXPORT(LUC_GUARD_ENTRY)
void lucidity__guard(uint64_t job, uint64_t parent, int64_t tag)
{
    luc_exit_silence();
    lh_die_when_link_dies(0);
    lh_link((uint64_t)tag, parent); /* already gone: lunatic sends LinkDied at once */
    luc_pids kids = {0};
    bool job_ended = false;
    /* Any tag: lunatic gives the link a spawn made no tag on the child's side,
       so the job's death arrives untagged; nothing else writes to us. */
    while (lh_receive(NULL, 0, LUCIDITY_NONE) == LH_RECV_DATA) {
        luc_kind kind;
        int32_t status;
        uint64_t pid;
        if (luc_msg_head(&kind, &status) != LUCIDITY_OK)
            continue;
        if (kind == LUC_K_END) {
            job_ended = true;
            break;
        }
        if (kind == LUC_K_ADOPT && luc_msg_take(&pid, sizeof pid) == LUCIDITY_OK &&
            !luc_pids_add(&kids, pid))
            lh_kill(pid); /* cannot be guarded: may not run */
    }
    /* LinkDied: the job or its parent failed. Either way the job ends here. */
    if (!job_ended) {
        lh_unlink(job);
        lh_kill(job);
    }
    for (size_t i = 0; i < kids.n; i++)
        lh_kill(kids.pid[i]);
    free(kids.pid);
}
