/*
 * call.c - one call: start, wait without polling, time out, cancel.
 *
 * A local call is a job process linked to the caller with link tag == reply
 * tag; a remote call is watched through a local helper under the same tag
 * (remote.c). Every wait is one blocking lunatic receive on that tag whose
 * timeout is the call's next wake-up: its deadline or, for remote calls, the
 * moment its node would count as lost. Messages and wake-ups are the only
 * events; each either ends the call or leaves it pending.
 */
#include <pb_common.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

/* nanopb encodes a repeated pointer field whose pointer is NULL as zero items
 * whatever its count says, and a static array whose count exceeds its size
 * fails with a text: both are the caller's mistake, so EINVAL before sending. */
int luc_check_args(const pb_msgdesc_t *fields, const void *args)
{
    pb_field_iter_t it;
    if (!fields || !args || !pb_field_iter_begin_const(&it, fields, args))
        return LUCIDITY_OK;
    do {
        pb_size_t count = 1;
        if (PB_HTYPE(it.type) == PB_HTYPE_REPEATED) {
            count = it.pSize ? *(const pb_size_t *)it.pSize : 0;
            if (PB_ATYPE(it.type) == PB_ATYPE_POINTER && count && !it.pData)
                return LUCIDITY_EINVAL;
            if (PB_ATYPE(it.type) == PB_ATYPE_STATIC && count > it.array_size)
                return LUCIDITY_EINVAL;
        }
        if (!PB_LTYPE_IS_SUBMSG(it.type) || !it.submsg_desc || !it.pData)
            continue;
        if (PB_HTYPE(it.type) == PB_HTYPE_OPTIONAL && it.pSize && !*(const bool *)it.pSize)
            continue;
        if (PB_HTYPE(it.type) != PB_HTYPE_REPEATED)
            count = 1;
        for (pb_size_t i = 0; i < count; i++) {
            int rc = luc_check_args(it.submsg_desc, (const char *)it.pData + i * it.data_size);
            if (rc != LUCIDITY_OK)
                return rc;
        }
    } while (pb_field_iter_next(&it));
    return LUCIDITY_OK;
}

int luc_call_begin(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *o)
{
    memset(h, 0, sizeof *h);
    h->check = LUC_HANDLE_CHECK;
    h->job = job;
    h->opts = *o;
    h->status = LUCIDITY_ESTATE;
    if (!job || job->abi_version != LUCIDITY_ABI_VERSION || (!args && job->args_size) ||
        (where != LUCIDITY_LOCAL && where != LUCIDITY_REMOTE))
        return h->status = LUCIDITY_EINVAL;
    int rc = luc_check_args(job->args_fields, args);
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    rc = luc_pick_node(o, where, &h->node);
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    h->tag = h->link_tag = luc_new_tag();
    if (h->node) {
        rc = luc_remote_begin(h, args);
    } else {
        /* Encode first: a bad argument fails the call before any process exists. */
        size_t size = 0;
        if (!pb_get_encoded_size(&size, job->args_fields, args))
            rc = LUCIDITY_EENCODE;
        if (rc == LUCIDITY_OK)
            rc = luc_spawn_job(job->entry, o->memory, o->fuel, h->tag, &h->pid);
        /* The message is built right before the send that takes it. */
        if (rc == LUCIDITY_OK)
            rc = luc_msg_write(h->tag, LUC_K_ARGS, 0, job->args_fields, args);
        if (rc == LUCIDITY_OK)
            rc = luc_send(h->pid);
        if (rc != LUCIDITY_OK && h->pid)
            luc_stop(h->pid, h->tag);
    }
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    if (o->timeout_ms != LUCIDITY_NONE)
        h->deadline_ms = luc_add_sat(luc_now_ms(), o->timeout_ms);
    h->state = LUC_RUNNING;
    return LUCIDITY_OK;
}

/* Decodes the result after a reply's header and moves it into *out. */
int luc_call_take_reply(lucidity_handle *h, int32_t job_status, void *out)
{
    const lucidity_job *job = h->job;
    if (job_status == LUCIDITY_EEXIT) {
        int32_t code = 0;
        if (luc_msg_take_i32(&code) == LUCIDITY_OK)
            h->exit_code = code;
        return LUCIDITY_EEXIT;
    }
    if (job_status != LUCIDITY_OK)
        return job_status < LUCIDITY_OK ? job_status : LUCIDITY_EDECODE;
    void *result = calloc(1, job->result_size ? job->result_size : 1);
    if (!result)
        return LUCIDITY_ENOMEM;
    int rc = luc_msg_read(job->result_fields, result);
    if (rc == LUCIDITY_OK && out && job->unpack)
        job->unpack(out, result); /* moves pointers: nothing left to release */
    else
        pb_release(job->result_fields, result);
    free(result);
    return rc;
}

/* The call is over with status rc (the job process is gone or being stopped). */
static int luc_call_end(lucidity_handle *h, int rc)
{
    if (h->node)
        luc_remote_end(h);
    /* A delivered result leaves nothing to take; a failure is reported again. */
    h->state = rc == LUCIDITY_OK ? LUC_IDLE : LUC_DONE;
    return h->status = rc;
}

/* Stops the job before it ended by itself (timeout, cancel). */
static void luc_call_abandon(lucidity_handle *h)
{
    if (h->node)
        luc_remote_abandon(h);
    else
        luc_stop(h->pid, h->tag);
}

static int luc_local_on_message(lucidity_handle *h, uint32_t received, void *out)
{
    if (received != LH_RECV_DATA)
        return LUCIDITY_ETRAP; /* LinkDied: trap, abort, kill, out of fuel */
    luc_kind kind;
    int32_t job_status;
    int rc = luc_msg_head(&kind, &job_status);
    if (rc == LUCIDITY_OK && kind != LUC_K_REPLY)
        rc = LUCIDITY_EDECODE;
    return rc == LUCIDITY_OK ? luc_call_take_reply(h, job_status, out) : rc;
}

int luc_call_on_message(lucidity_handle *h, uint32_t received, void *out)
{
    int rc = h->node ? luc_remote_on_message(h, received, out)
                     : luc_local_on_message(h, received, out);
    if (rc == LUCIDITY_PENDING)
        return rc;
    /* exit(n) replied first and then fails as a link death: drop that too. */
    if (rc == LUCIDITY_EEXIT && !h->node)
        luc_stop(h->pid, h->tag);
    return luc_call_end(h, rc);
}

uint64_t luc_call_wake_ms(const lucidity_handle *h)
{
    uint64_t wake = h->deadline_ms;
    if (h->node) {
        uint64_t check = luc_node_wake_ms(h->node, h->opts.liveness_ms);
        if (!wake || (check && check < wake))
            wake = check;
    }
    return wake;
}

int luc_call_on_wake(lucidity_handle *h)
{
    uint64_t now = luc_now_ms();
    if (h->deadline_ms && now >= h->deadline_ms) {
        luc_call_abandon(h);
        return luc_call_end(h, LUCIDITY_ETIMEOUT);
    }
    if (h->node) {
        luc_node_tick(h->node, h->opts.liveness_ms);
        if (luc_node_is_lost(h->node)) {
            int rc = luc_remote_lost(h);
            return rc == LUCIDITY_PENDING ? rc : luc_call_end(h, rc);
        }
    }
    return LUCIDITY_PENDING;
}

/* Waits up to `limit` ms (LUCIDITY_NONE: no limit) for h to end. */
static int luc_wait_once(lucidity_handle *h, uint64_t limit, void *out)
{
    if (h->state == LUC_DONE)
        return h->status;
    if (h->state != LUC_RUNNING)
        return LUCIDITY_ESTATE;
    uint64_t give_up = limit == LUCIDITY_NONE ? 0 : luc_add_sat(luc_now_ms(), limit);
    for (;;) {
        uint64_t now = luc_now_ms();
        uint64_t wake = luc_call_wake_ms(h);
        if (give_up && (!wake || give_up < wake))
            wake = give_up;
        uint64_t wait = !wake ? LUCIDITY_NONE : wake > now ? wake - now : 0;
        /* Remote calls also listen to their node's prober. */
        int64_t tags[2] = {h->tag, h->node ? luc_node_tag(h->node) : 0};
        uint32_t r = lh_receive(tags, h->node ? 2 : 1, wait);
        int rc;
        if (r == LH_TIMEOUT)
            rc = luc_call_on_wake(h);
        else if (h->node && luc_node_on_message(lh_get_tag(), r))
            rc = luc_call_on_wake(h);
        else
            rc = luc_call_on_message(h, r, out);
        if (rc != LUCIDITY_PENDING)
            return rc;
        if (give_up && luc_now_ms() >= give_up)
            return LUCIDITY_PENDING;
    }
}

/* The handle rule of lucidity.h: zeroed (ESTATE) or started; else EINVAL. */
static int luc_handle_check(const lucidity_handle *h)
{
    if (!h)
        return LUCIDITY_EINVAL;
    if (h->check == LUC_HANDLE_CHECK && h->state >= LUC_IDLE && h->state <= LUC_DONE)
        return LUCIDITY_OK;
    static const lucidity_handle zero;
    return memcmp(h, &zero, sizeof zero) == 0 ? LUCIDITY_ESTATE : LUCIDITY_EINVAL;
}

/* Every wait of the public API goes through here: ownership rule 4. */
static int luc_wait(lucidity_handle *h, uint64_t limit, void *out)
{
    int rc = luc_handle_check(h);
    if (rc == LUCIDITY_OK)
        rc = luc_wait_once(h, limit, out);
    if (rc != LUCIDITY_OK && rc != LUCIDITY_PENDING && rc != LUCIDITY_EINVAL && out &&
        h->job && h->job->out_size)
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
    return luc_wait(h, 0, out);
}

int lucidity_await(lucidity_handle *h, void *out)
{
    return luc_wait(h, LUCIDITY_NONE, out);
}

int lucidity_await_timeout(lucidity_handle *h, uint64_t ms, void *out)
{
    int rc = luc_wait(h, ms, out);
    return rc == LUCIDITY_PENDING ? LUCIDITY_ETIMEOUT : rc;
}

int lucidity_cancel(lucidity_handle *h)
{
    int rc = luc_handle_check(h);
    if (rc != LUCIDITY_OK)
        return rc;
    if (h->state != LUC_RUNNING)
        return LUCIDITY_ESTATE;
    luc_call_abandon(h);
    luc_call_end(h, LUCIDITY_ECANCELLED);
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
