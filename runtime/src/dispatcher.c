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
 * of theirs may outlive them here. A job's guard ends what the job started.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

#define LUC_RETURNER_MEMORY (64u * 1024u * 1024u)

/* The jobs running for the caller: call tag -> pid. */
typedef struct luc_djobs {
    int64_t *tag;
    uint64_t *pid;
    size_t n, cap;
} luc_djobs;

static bool luc_djobs_add(luc_djobs *j, int64_t tag, uint64_t pid)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        int64_t *tags = realloc(j->tag, cap * sizeof *tags);
        if (tags)
            j->tag = tags;
        uint64_t *pids = realloc(j->pid, cap * sizeof *pids);
        if (pids)
            j->pid = pids;
        if (!tags || !pids)
            return false;
        j->cap = cap;
    }
    j->tag[j->n] = tag;
    j->pid[j->n++] = pid;
    return true;
}

/* Forgets the job of tag; its pid, or 0 when there is none (a late message). */
static uint64_t luc_djobs_take(luc_djobs *j, int64_t tag)
{
    for (size_t i = 0; i < j->n; i++) {
        if (j->tag[i] != tag)
            continue;
        uint64_t pid = j->pid[i];
        j->n--;
        j->tag[i] = j->tag[j->n];
        j->pid[i] = j->pid[j->n];
        return pid;
    }
    return 0;
}

static void luc_kill_linked(uint64_t pid)
{
    lh_unlink(pid); /* its death sends us nothing */
    lh_kill(pid);
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
    if (r->entry_len < LUC_MAX_ENTRY) {
        memcpy(name, entry, r->entry_len);
        name[r->entry_len] = 0;
        rc = luc_spawn_job(name, r->memory, r->fuel, r->tag, &pid);
    }
    if (rc == LUCIDITY_OK)
        rc = luc_msg_begin(r->tag, LUC_K_ARGS, 0, r->args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(args, r->args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_send(pid);
    if (rc == LUCIDITY_OK && !luc_djobs_add(jobs, r->tag, pid))
        rc = LUCIDITY_ENOMEM;
    if (rc == LUCIDITY_OK)
        return;
    if (pid)
        luc_kill_linked(pid);
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
            uint64_t pid = luc_djobs_take(jobs, r.tag);
            if (pid)
                luc_kill_linked(pid);
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
            if (luc_djobs_take(&jobs, t))
                luc_disp_fail(ret, t, LUCIDITY_ETRAP);
            continue;
        }
        if (t == LUC_BATCH_TAG) {
            luc_kind kind;
            int32_t status;
            heard = luc_now_ms(); /* not `now`: that was before the wait */
            if (luc_msg_head(&kind, &status) != LUCIDITY_OK)
                continue;
            if (kind == LUC_K_QUIT)
                break;
            if (kind == LUC_K_BATCH)
                luc_disp_batch(&jobs, ret, &in);
            continue;
        }
        /* A job's reply, under its call's tag: passed on as the job wrote it. */
        if (luc_djobs_take(&jobs, t)) {
            lh_seek_data(0);
            if (lh_send(ret) != 0)
                break;
        }
    }
    for (size_t i = 0; i < jobs.n; i++)
        luc_kill_linked(jobs.pid[i]);
    luc_kill_linked(ret);
    free(jobs.tag);
    free(jobs.pid);
    free(in.data);
}
