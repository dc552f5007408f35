/*
 * remote.c - the remote transport: the caller's side of a call on another node.
 *
 * lunatic 0.13.2 has no links across nodes, and a distributed spawn or send
 * to a dead node blocks the calling process forever. So the caller never
 * makes a distributed call itself:
 *
 *   caller C --spawn, linked--> helper H (this node) --distributed spawn--> supervisor S (node N)
 *                                                       S --spawn, linked--> job W (node N)
 *
 * H (helper.c) spawns S, forwards the setup (limits, entry, arguments: one
 * message, so one acknowledged distributed send), then probes S every
 * liveness interval (GONE if S vanished without a reply). S (supervisor.c)
 * spawns W with the call's memory and fuel, forwards W's reply to C verbatim,
 * and reports W's death as ETRAP, so remote traps map to the same statuses as
 * local ones. S reads H's probes: when they stop (H killed, C's node gone) S
 * kills W, so nothing outlives its caller on N either.
 *
 * C waits on the dispatch's tag (the reply, H's messages, H's death) and on
 * its node's prober (node.c). Each dispatch has its own tag: when the node is
 * lost, C kills H (which may be stuck in a distributed call) and re-dispatches
 * under a new tag, so a late reply of the lost attempt can never be taken for
 * the new one (it is drained when the call ends), or fails with ENODELOST.
 * Timeout and cancel go to S through the node's prober (which may block on a
 * dead node instead of a per-call process), and C kills H at once.
 */
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

/* Each role's entry lives in its own file, which nothing else references:
   naming them here links them into every app that makes remote calls (a
   static library contributes only the objects that are referenced). */
__attribute__((used)) static const void *const luc_remote_entries[] = {
    (const void *)lucidity__remote_helper, (const void *)lucidity__remote_serve,
    (const void *)lucidity__node_prober};

int luc_setup_read(luc_setup *s, char *entry)
{
    luc_kind kind;
    int32_t status;
    if (luc_msg_head(&kind, &status) != LUCIDITY_OK || kind != LUC_K_SETUP ||
        luc_msg_take(s, sizeof *s) != LUCIDITY_OK || s->entry_len >= LUC_MAX_ENTRY ||
        luc_msg_take(entry, s->entry_len) != LUCIDITY_OK)
        return LUCIDITY_EDECODE;
    entry[s->entry_len] = 0;
    return LUCIDITY_OK;
}

/* The previous dispatch's tag: never a result again, drained at the end. */
static void luc_remote_retire_tag(lucidity_handle *h)
{
    int64_t *grown = realloc(h->stale, (h->nstale + 1) * sizeof *grown);
    if (grown) {
        h->stale = grown;
        h->stale[h->nstale++] = h->tag;
    }
    h->tag = h->link_tag = luc_new_tag();
}

static int luc_remote_dispatch(lucidity_handle *h)
{
    if (h->tries > 0)
        luc_remote_retire_tag(h);
    h->tries++; /* counted before the attempt: a failing spawn cannot loop */
    h->remote_pid = 0;
    const uint64_t params[4] = {h->node, lh_process_id(), (uint64_t)h->tag, h->opts.liveness_ms};
    int rc = luc_spawn(h->tag, -1, LUC_HELPER_ENTRY, params, 4, &h->pid);
    if (rc != LUCIDITY_OK) {
        h->pid = 0;
        return rc;
    }
    size_t entry_len = strlen(h->job->entry);
    if (entry_len >= LUC_MAX_ENTRY || h->args_len > UINT32_MAX)
        rc = LUCIDITY_EINVAL;
    luc_setup s = {h->opts.memory, h->opts.fuel, h->opts.liveness_ms, (uint32_t)entry_len,
                   (uint32_t)h->args_len};
    if (rc == LUCIDITY_OK)
        rc = luc_msg_begin(h->tag, LUC_K_SETUP, 0, sizeof s + s.entry_len + s.args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(&s, sizeof s);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(h->job->entry, s.entry_len);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(h->args_buf, s.args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_send(h->pid);
    if (rc != LUCIDITY_OK) {
        luc_stop(h->pid, h->tag);
        h->pid = 0;
    }
    return rc;
}

static void luc_remote_end(lucidity_handle *h, int rc);

static int luc_remote_begin(lucidity_handle *h, const void *args)
{
    size_t size = 0;
    const pb_msgdesc_t *fields = h->job->args_fields;
    if (!pb_get_encoded_size(&size, fields, args))
        return LUCIDITY_EENCODE;
    h->args_buf = malloc(size ? size : 1);
    if (!h->args_buf)
        return LUCIDITY_ENOMEM;
    pb_ostream_t os = pb_ostream_from_buffer(h->args_buf, size);
    h->args_len = size;
    int rc = pb_encode(&os, fields, args) ? luc_remote_dispatch(h) : LUCIDITY_EENCODE;
    if (rc != LUCIDITY_OK)
        luc_remote_end(h, rc);
    return rc;
}

/* The node stopped answering: never pick it again; re-dispatch if allowed. */
static int luc_remote_lost(lucidity_handle *h)
{
    luc_node_lost(h->node);
    luc_stop(h->pid, h->tag);
    h->pid = 0;
    while (h->tries <= h->opts.retries) {
        lucidity_opts o = h->opts;
        o.remote_fallback = LUCIDITY_FALLBACK_ERROR; /* re-dispatch to another node only */
        uint64_t node = 0;
        if (luc_pick_node(&o, LUCIDITY_REMOTE, NULL, &node) != LUCIDITY_OK)
            break; /* h->node stays the lost node: the call is still a remote one */
        h->node = node;
        if (luc_remote_dispatch(h) == LUCIDITY_OK)
            return LUCIDITY_PENDING;
    }
    return LUCIDITY_ENODELOST;
}

static int luc_remote_on_message(lucidity_handle *h, uint32_t received, int32_t *job_status)
{
    if (received != LH_RECV_DATA) { /* H died: only a trap in a host call does that */
        h->pid = 0;
        return h->remote_pid ? luc_remote_lost(h) : LUCIDITY_ESPAWN;
    }
    luc_kind kind;
    if (luc_msg_head(&kind, job_status) != LUCIDITY_OK)
        return LUCIDITY_EDECODE;
    switch (kind) {
    case LUC_K_SPAWNED:
        if (luc_msg_take(&h->remote_pid, sizeof h->remote_pid) != LUCIDITY_OK)
            h->remote_pid = 0;
        return LUCIDITY_PENDING;
    case LUC_K_GONE:
        return LUCIDITY_ETRAP;
    case LUC_K_LOST:
        return luc_remote_lost(h);
    case LUC_K_REPLY:
        return LUC_T_REPLY;
    default:
        return LUCIDITY_EDECODE;
    }
}

/* Takes H's messages that arrived (nothing else matters once we abandon):
   a SPAWNED among them names the supervisor to cancel. */
static void luc_remote_take_spawned(lucidity_handle *h)
{
    luc_kind kind;
    int32_t status;
    while (lh_receive(&h->tag, 1, 0) == LH_RECV_DATA)
        if (luc_msg_head(&kind, &status) == LUCIDITY_OK && kind == LUC_K_SPAWNED &&
            luc_msg_take(&h->remote_pid, sizeof h->remote_pid) != LUCIDITY_OK)
            h->remote_pid = 0;
}

/* Timeout or cancel: S kills the job when the prober's cancel reaches it, or
   when H's probes stop (H may be stuck in a distributed call: kill it now). */
static void luc_remote_abandon(lucidity_handle *h)
{
    if (!h->remote_pid)
        luc_remote_take_spawned(h);
    if (h->remote_pid)
        luc_node_cancel(h->node, h->remote_pid, h->tag);
    luc_stop(h->pid, h->tag);
    h->pid = 0;
}

/* The call is over: stop H if it still runs, drop what earlier dispatches may
   still send, and free the kept arguments. */
static void luc_remote_end(lucidity_handle *h, int rc)
{
    (void)rc;
    if (h->pid)
        luc_stop(h->pid, h->tag);
    h->pid = 0;
    for (uint32_t i = 0; i < h->nstale; i++)
        luc_drain(h->stale[i]);
    free(h->stale);
    h->stale = NULL;
    h->nstale = 0;
    free(h->args_buf);
    h->args_buf = NULL;
}

/* The node's liveness decides the call's wake-ups besides its deadline. */
static uint64_t luc_remote_wake_ms(const lucidity_handle *h)
{
    return luc_node_wake_ms(h->node, h->opts.liveness_ms);
}

static int64_t luc_remote_watch_tag(const lucidity_handle *h)
{
    return luc_node_tag(h->node);
}

static int luc_remote_on_wake(lucidity_handle *h)
{
    luc_node_tick(h->node, h->opts.liveness_ms);
    return luc_node_is_lost(h->node) ? luc_remote_lost(h) : LUCIDITY_PENDING;
}

/* A remote call's place is its node; node.c keeps each node's liveness. */
static uint64_t luc_remote_place(const lucidity_handle *h)
{
    return h->node;
}

const luc_transport luc_remote_transport = {
    .begin = luc_remote_begin,
    .on_message = luc_remote_on_message,
    .wake_ms = luc_remote_wake_ms,
    .watch_tag = luc_remote_watch_tag,
    .on_wake = luc_remote_on_wake,
    .abandon = luc_remote_abandon,
    .end = luc_remote_end,
    .place = luc_remote_place,
    .place_tag = luc_node_tag,
    .place_wake_ms = luc_node_wake_ms,
    .place_tick = luc_node_tick,
    .place_lost = luc_node_is_lost,
    .place_message = luc_node_on_message,
};
