/*
 * remote.c - the remote transport: the caller's side of a call on another node.
 *
 * lunatic 0.13.2 has no links across nodes, and a distributed spawn or send
 * to a dead node blocks the calling process forever. So the caller never
 * makes a distributed call itself, and per node in use three long-lived
 * processes carry all of this process's calls there:
 *
 *   caller C --local send--> courier K (this node, one per node; courier.c)
 *   K --distributed send, batched--> dispatcher D (node N; dispatcher.c)
 *   D --spawn, linked--> job W (node N), one per call
 *   D --local send--> returner R (node N; returner.c)
 *   R --distributed send, batched--> C (under the node's tag; node.c)
 *
 * C sends each call's item (tag, limits, entry, arguments) to K, which never
 * makes C wait; K sends what queued meanwhile as one batch. D spawns W with
 * the call's limits; W replies to D, which passes the reply on to R (or
 * reports W's death as ETRAP); R sends what queued as one batch back to C,
 * and C's node table sends each reply on to C itself under its call's tag.
 *
 * C waits on the dispatch's tag and on its node's liveness (node.c: K probes
 * the node when asked). Each dispatch has its own tag: when the node is lost,
 * C kills K (which may be stuck in a distributed call) and re-dispatches
 * under a new tag, so a late reply of the lost attempt can never be taken for
 * the new one (results from a lost node are dropped, and only tracked tags are
 * delivered), or fails with ENODELOST. A timeout or cancel reaches D through
 * K; D kills the job, and every job of C when K falls silent (C is gone) or C
 * says it is done.
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
    (const void *)lucidity__node_courier, (const void *)lucidity__node_dispatcher,
    (const void *)lucidity__node_returner};

/* A tag that may still receive something of this call: drained at its end. */
static void luc_remote_stale(lucidity_handle *h, int64_t tag)
{
    int64_t *grown = realloc(h->stale, (h->nstale + 1) * sizeof *grown);
    if (grown) {
        h->stale = grown;
        h->stale[h->nstale++] = tag;
    }
}

/* The previous dispatch's tag: never a result again, drained at the end. */
static void luc_remote_retire_tag(lucidity_handle *h)
{
    luc_node_untrack(h->node, h->tag);
    luc_remote_stale(h, h->tag);
    h->tag = h->link_tag = luc_new_tag();
}

static int luc_remote_dispatch(lucidity_handle *h)
{
    if (h->tries > 0)
        luc_remote_retire_tag(h);
    h->tries++; /* counted before the attempt: a failing spawn cannot loop */
    h->pid = 0;
    size_t entry_len = strlen(h->job->entry);
    if (entry_len >= LUC_MAX_ENTRY || h->args_len > UINT32_MAX)
        return LUCIDITY_EINVAL;
    uint64_t courier = 0;
    int rc = luc_node_courier(h->node, h->opts.liveness_ms, &courier);
    if (rc != LUCIDITY_OK)
        return rc;
    h->remote_pid = luc_node_dispatcher(h->node);
    luc_item_rec r = {LUC_K_ITEM, (uint32_t)entry_len, h->tag, h->opts.memory, h->opts.fuel,
                      (uint32_t)h->args_len, h->opts.pool};
    /* One write for the whole item when it fits a stack buffer (host calls
       cost more than the copy), else one per part. */
    const void *parts[3] = {&r, h->job->entry, h->args_buf};
    const size_t lens[3] = {sizeof r, entry_len, h->args_len};
    luc_msg_buf b;
    size_t total = sizeof r + entry_len + h->args_len;
    if (total <= LUC_MSG_STACK) {
        rc = luc_msg_encode(&b, LUC_K_ITEM, 0, NULL, NULL); /* the header alone */
        for (int i = 0; i < 3 && rc == LUCIDITY_OK; i++) {
            memcpy(b.data + b.len, parts[i], lens[i]);
            b.len += lens[i];
        }
        if (rc == LUCIDITY_OK)
            rc = luc_msg_put(&b, h->tag);
        luc_msg_buf_free(&b); /* on the stack: nothing to free, but the rule holds */
    } else {
        rc = luc_msg_begin(h->tag, LUC_K_ITEM, 0, total);
        for (int i = 0; i < 3 && rc == LUCIDITY_OK; i++)
            rc = luc_msg_append(parts[i], lens[i]);
    }
    if (rc == LUCIDITY_OK)
        rc = luc_send(courier);
    if (rc != LUCIDITY_OK)
        return rc;
    h->pid = courier; /* while set, a reply may still come under h->tag */
    luc_node_track(h->node, h->tag);
    return LUCIDITY_OK;
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
    luc_node_lost(h->node); /* stops its courier */
    /* Results of the lost node that arrive while this call lasts are dropped
       with it (nobody receives on a lost node's tag any more). */
    luc_remote_stale(h, luc_node_tag(h->node));
    h->pid = 0;
    while (h->tries <= h->opts.retries) {
        lucidity_opts o = h->opts;
        o.remote_fallback = LUCIDITY_FALLBACK_ERROR; /* re-dispatch to another node only */
        uint64_t node = 0;
        if (luc_pick_node(&o, LUCIDITY_REMOTE, NULL, &node) != LUCIDITY_OK)
            break; /* h->node stays the lost node: the call is still a remote one */
        luc_node_untrack(h->node, h->tag);
        h->node = node;
        if (luc_remote_dispatch(h) == LUCIDITY_OK)
            return LUCIDITY_PENDING;
    }
    return LUCIDITY_ENODELOST;
}

static int luc_remote_on_message(lucidity_handle *h, uint32_t received, int32_t *job_status)
{
    luc_kind kind;
    /* Only replies come under a dispatch's tag (nothing is linked under it). */
    if (received != LH_RECV_DATA || luc_msg_head(&kind, job_status) != LUCIDITY_OK ||
        kind != LUC_K_REPLY)
        return LUCIDITY_EDECODE;
    h->pid = 0; /* the one reply of this dispatch */
    return LUC_T_REPLY;
}

/* Timeout or cancel: the dispatcher kills the job when the cancel reaches it
   (on a dead node nothing runs any more; on a node cut off from us the
   dispatcher ends its jobs when our courier falls silent). */
static void luc_remote_abandon(lucidity_handle *h)
{
    luc_node_cancel(h->node, h->tag);
}

/* The call is over: its results are no longer delivered; drop what this and
   earlier dispatches may have left, and free the kept arguments. */
static void luc_remote_end(lucidity_handle *h, int rc)
{
    (void)rc;
    luc_node_untrack(h->node, h->tag);
    if (h->pid)
        luc_drain(h->tag);
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
    .place_next = luc_node_next_result,
    .place_defer = luc_node_defer_result,
};
