/*
 * local.c - the local transport: the job is a process on this node, linked to
 * the caller with link tag == reply tag, so one tagged receive yields either
 * the reply or the job's death.
 */
#include <pb_encode.h>

#include "host.h"
#include "internal.h"

static int luc_local_begin(lucidity_handle *h, const void *args)
{
    const lucidity_job *job = h->job;
    /* Encode first: a bad argument fails the call before any process exists. */
    size_t size = 0;
    if (!pb_get_encoded_size(&size, job->args_fields, args))
        return LUCIDITY_EENCODE;
    int rc = luc_spawn_job(job->entry, h->opts.memory, h->opts.fuel, h->tag, &h->pid);
    /* The message is built right before the send that takes it. */
    if (rc == LUCIDITY_OK)
        rc = luc_msg_write(h->tag, LUC_K_ARGS, 0, job->args_fields, args);
    if (rc == LUCIDITY_OK)
        rc = luc_send(h->pid);
    if (rc != LUCIDITY_OK && h->pid)
        luc_stop(h->pid, h->tag);
    return rc;
}

static int luc_local_on_message(lucidity_handle *h, uint32_t received, int32_t *job_status)
{
    (void)h;
    if (received != LH_RECV_DATA)
        return LUCIDITY_ETRAP; /* LinkDied: trap, abort, kill, out of fuel */
    luc_kind kind;
    int rc = luc_msg_head(&kind, job_status);
    if (rc == LUCIDITY_OK && kind != LUC_K_REPLY)
        rc = LUCIDITY_EDECODE;
    return rc == LUCIDITY_OK ? LUC_T_REPLY : rc;
}

static uint64_t luc_local_wake_ms(const lucidity_handle *h)
{
    (void)h;
    return 0;
}

static int64_t luc_local_watch_tag(const lucidity_handle *h)
{
    (void)h;
    return 0;
}

static int luc_local_on_wake(lucidity_handle *h)
{
    (void)h;
    return LUCIDITY_PENDING;
}

static void luc_local_abandon(lucidity_handle *h)
{
    luc_stop(h->pid, h->tag);
}

static void luc_local_end(lucidity_handle *h, int rc)
{
    /* exit(n) replied first and then fails as a link death: drop that too. */
    if (rc == LUCIDITY_EEXIT)
        luc_stop(h->pid, h->tag);
}

/* A local call has no place of its own to watch: its link reports its death. */
static uint64_t luc_local_place(const lucidity_handle *h)
{
    (void)h;
    return 0;
}

const luc_transport luc_local_transport = {
    .begin = luc_local_begin,
    .on_message = luc_local_on_message,
    .wake_ms = luc_local_wake_ms,
    .watch_tag = luc_local_watch_tag,
    .on_wake = luc_local_on_wake,
    .abandon = luc_local_abandon,
    .end = luc_local_end,
    .place = luc_local_place,
};
