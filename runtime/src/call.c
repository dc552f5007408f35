/*
 * call.c - one call: start, wait without polling, time out, cancel.
 *
 * A call is a job process linked to the caller with link tag == reply tag.
 * Every wait is one blocking lunatic receive on that tag, whose timeout is
 * the time left before the call's deadline: the reply, the job's death
 * (LinkDied) and the deadline are the only three ways it returns.
 */
#include <pb_decode.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

int luc_call_begin(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *o)
{
    memset(h, 0, sizeof *h);
    h->job = job;
    h->opts = *o;
    h->status = LUCIDITY_ESTATE;
    if (!job || job->abi_version != LUCIDITY_ABI_VERSION || (!args && job->args_size))
        return h->status = LUCIDITY_EINVAL;
    int rc = luc_pick_node(o, where, &h->node);
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    h->tag = h->link_tag = luc_new_tag();
    /* Encode first: a bad argument fails the call before any process exists. */
    rc = luc_msg_write(h->tag, 0, job->args_fields, args);
    if (rc == LUCIDITY_OK)
        rc = luc_spawn_job(job, o, h->tag, &h->pid);
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    lh_send(h->pid); /* the arguments, still in our message buffer */
    if (o->timeout_ms != LUCIDITY_NONE)
        h->deadline_ms = luc_now_ms() + o->timeout_ms;
    h->state = LUC_RUNNING;
    return LUCIDITY_OK;
}

/* Decodes the reply in the message buffer and moves it into *out. */
static int luc_take_result(const lucidity_job *job, void *out)
{
    int32_t job_status;
    int rc = luc_msg_read_status(&job_status);
    if (rc != LUCIDITY_OK || job_status != LUCIDITY_OK)
        return rc != LUCIDITY_OK ? rc : job_status;
    void *result = calloc(1, job->result_size ? job->result_size : 1);
    if (!result)
        return LUCIDITY_ENOMEM;
    rc = luc_msg_read(job->result_fields, result);
    if (rc == LUCIDITY_OK && out && job->unpack)
        job->unpack(out, result); /* moves pointers: nothing left to release */
    else
        pb_release(job->result_fields, result);
    free(result);
    return rc;
}

int luc_call_finish(lucidity_handle *h, uint32_t received, void *out)
{
    int rc = received == LH_RECV_DATA ? luc_take_result(h->job, out) : LUCIDITY_ETRAP;
    /* A delivered result leaves nothing to take; a failure is reported again. */
    h->state = rc == LUCIDITY_OK ? LUC_IDLE : LUC_DONE;
    return h->status = rc;
}

int luc_call_expire(lucidity_handle *h)
{
    luc_stop(h->pid, h->tag);
    h->state = LUC_DONE;
    return h->status = LUCIDITY_ETIMEOUT;
}

/* Milliseconds to wait: the smaller of the caller's limit and the deadline. */
static uint64_t luc_wait_ms(const lucidity_handle *h, uint64_t limit)
{
    if (!h->deadline_ms)
        return limit;
    uint64_t now = luc_now_ms();
    uint64_t left = h->deadline_ms > now ? h->deadline_ms - now : 0;
    return left < limit ? left : limit;
}

/* One receive for h with at most `limit` ms; LUCIDITY_PENDING if it ran out first. */
static int luc_wait_once(lucidity_handle *h, uint64_t limit, void *out)
{
    if (h->state == LUC_DONE)
        return h->status;
    if (h->state != LUC_RUNNING)
        return LUCIDITY_ESTATE;
    uint32_t r = lh_receive(&h->tag, 1, luc_wait_ms(h, limit));
    if (r != LH_TIMEOUT)
        return luc_call_finish(h, r, out);
    if (h->deadline_ms && luc_now_ms() >= h->deadline_ms)
        return luc_call_expire(h);
    return LUCIDITY_PENDING;
}

/* Every wait of the public API goes through here: ownership rule 4. */
static int luc_wait(lucidity_handle *h, uint64_t limit, void *out)
{
    int rc = luc_wait_once(h, limit, out);
    if (rc != LUCIDITY_OK && rc != LUCIDITY_PENDING && out && h->job && h->job->out_size)
        memset(out, 0, h->job->out_size);
    return rc;
}

int lucidity_start(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *opts)
{
    if (!h)
        return LUCIDITY_EINVAL;
    lucidity_opts o;
    luc_opts_resolve(&o, job, opts);
    int rc = luc_call_begin(job, where, args, h, &o);
    if (rc != LUCIDITY_OK)
        h->state = LUC_DONE;
    return rc;
}

int lucidity_try_get(lucidity_handle *h, void *out)
{
    return h ? luc_wait(h, 0, out) : LUCIDITY_EINVAL;
}

int lucidity_await(lucidity_handle *h, void *out)
{
    if (!h)
        return LUCIDITY_EINVAL;
    int rc;
    while ((rc = luc_wait(h, LUCIDITY_NONE, out)) == LUCIDITY_PENDING)
        ; /* only when the host's receive returns early; each pass blocks */
    return rc;
}

int lucidity_await_timeout(lucidity_handle *h, uint64_t ms, void *out)
{
    if (!h)
        return LUCIDITY_EINVAL;
    int rc = luc_wait(h, ms, out);
    return rc == LUCIDITY_PENDING ? LUCIDITY_ETIMEOUT : rc;
}

int lucidity_cancel(lucidity_handle *h)
{
    if (!h || h->state != LUC_RUNNING)
        return LUCIDITY_ESTATE;
    luc_stop(h->pid, h->tag);
    h->state = LUC_DONE;
    h->status = LUCIDITY_ECANCELLED;
    return LUCIDITY_OK;
}

int lucidity_call(const lucidity_job *job, lucidity_where where, const void *args, void *out,
                  const lucidity_opts *opts)
{
    lucidity_handle h;
    int rc = lucidity_start(job, where, args, &h, opts);
    if (rc == LUCIDITY_OK)
        rc = lucidity_await(&h, out);
    else if (out && job && job->out_size)
        memset(out, 0, job->out_size);
    return rc;
}
