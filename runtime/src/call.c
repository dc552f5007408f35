/*
 * call.c - one call: start, wait without polling, time out, cancel.
 *
 * The call core: it decides, a transport (local.c, remote.c) carries. A call
 * is a small state machine (IDLE -> RUNNING -> IDLE with a result taken, or
 * DONE with a failure reported again) driven by two events, a message under
 * its tag and a wake-up (its deadline, or its transport's, e.g. when its node
 * would count as lost); each ends the call or leaves it pending. Waiting is
 * wait.c's loop over a wait set of this one call (fanout.c: of its window).
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
static int luc_check_args(const pb_msgdesc_t *fields, const void *args)
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

/* Which transport carries the call: the only place that tells local from remote. */
const luc_transport *luc_transport_of(const lucidity_handle *h)
{
    return h->transport;
}

const luc_transport *const luc_transports[] = {&luc_local_transport, &luc_remote_transport, NULL};

int luc_call_begin(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *o, const luc_load *load)
{
    memset(h, 0, sizeof *h);
    h->check = LUC_HANDLE_CHECK;
    h->job = job;
    h->opts = *o;
    h->status = LUCIDITY_ESTATE;
    if (!job || job->abi_version != LUCIDITY_ABI_VERSION || (!args && job->args_size) ||
        (where != LUCIDITY_LOCAL && where != LUCIDITY_REMOTE))
        return h->status = LUCIDITY_EINVAL;
    /* A worker lives across calls, while lunatic's fuel is a budget of the whole
       process: a per-call fuel limit cannot be kept with a pool. */
    if (o->pool && o->fuel != LUCIDITY_NONE)
        return h->status = LUCIDITY_EINVAL;
    int rc = luc_check_args(job->args_fields, args);
    if (rc == LUCIDITY_OK)
        rc = luc_pick_node(o, where, load, &h->node);
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    h->transport = h->node ? &luc_remote_transport : &luc_local_transport;
    h->tag = h->link_tag = luc_new_tag();
    rc = luc_transport_of(h)->begin(h, args);
    if (rc != LUCIDITY_OK)
        return h->status = rc;
    if (o->timeout_ms != LUCIDITY_NONE)
        h->deadline_ms = luc_add_sat(luc_now_ms(), o->timeout_ms);
    h->state = LUC_RUNNING;
    return LUCIDITY_OK;
}

/* Decodes the result after a reply's header and moves it into *out. */
static int luc_call_take_reply(lucidity_handle *h, int32_t job_status, void *out)
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
    luc_transport_of(h)->end(h, rc);
    /* A delivered result leaves nothing to take; a failure is reported again. */
    h->state = rc == LUCIDITY_OK ? LUC_IDLE : LUC_DONE;
    return h->status = rc;
}

int luc_call_on_message(lucidity_handle *h, uint32_t received, void *out)
{
    int32_t job_status = 0;
    int rc = luc_transport_of(h)->on_message(h, received, &job_status);
    if (rc == LUC_T_REPLY)
        rc = luc_call_take_reply(h, job_status, out);
    return rc == LUCIDITY_PENDING ? rc : luc_call_end(h, rc);
}

static uint64_t luc_call_wake_ms(const lucidity_handle *h)
{
    uint64_t wake = h->deadline_ms;
    uint64_t own = luc_transport_of(h)->wake_ms(h);
    return !wake || (own && own < wake) ? own : wake;
}

static int64_t luc_call_watch_tag(const lucidity_handle *h)
{
    return luc_transport_of(h)->watch_tag(h);
}

int luc_call_on_wake(lucidity_handle *h)
{
    if (h->deadline_ms && luc_now_ms() >= h->deadline_ms) {
        luc_transport_of(h)->abandon(h);
        return luc_call_end(h, LUCIDITY_ETIMEOUT);
    }
    int rc = luc_transport_of(h)->on_wake(h);
    return rc == LUCIDITY_PENDING ? rc : luc_call_end(h, rc);
}

/* ---- waiting for one call: a wait set of one ---- */

typedef struct luc_single {
    lucidity_handle *h;
    void *out;
    int rc;
    int64_t tags[2];
} luc_single;

static size_t luc_single_tags(void *ctx, const int64_t **tags)
{
    luc_single *w = ctx;
    w->tags[0] = w->h->tag;
    w->tags[1] = luc_call_watch_tag(w->h);
    *tags = w->tags;
    return w->tags[1] ? 2 : 1;
}

static uint64_t luc_single_wake_ms(void *ctx)
{
    return luc_call_wake_ms(((luc_single *)ctx)->h);
}

static void luc_single_on_message(void *ctx, uint32_t received, int64_t tag)
{
    luc_single *w = ctx;
    (void)tag; /* only our tag reaches us: place tags go to the transports */
    w->rc = luc_call_on_message(w->h, received, w->out);
}

static void luc_single_on_wake(void *ctx)
{
    luc_single *w = ctx;
    w->rc = luc_call_on_wake(w->h);
}

static bool luc_single_done(void *ctx)
{
    return ((luc_single *)ctx)->rc != LUCIDITY_PENDING;
}

/* Waits up to `limit` ms (LUCIDITY_NONE: no limit) for h to end. */
static int luc_wait_once(lucidity_handle *h, uint64_t limit, void *out)
{
    if (h->state == LUC_DONE)
        return h->status;
    if (h->state != LUC_RUNNING)
        return LUCIDITY_ESTATE;
    luc_single w = {.h = h, .out = out, .rc = LUCIDITY_PENDING};
    const luc_wait_set ws = {&w, luc_single_tags, luc_single_wake_ms, luc_single_on_message,
                             luc_single_on_wake, luc_single_done, NULL};
    /* give_up 0 means none; a try_get (limit 0) gives up at once, after one look */
    luc_wait(&ws, limit == LUCIDITY_NONE ? 0 : luc_add_sat(luc_now_ms(), limit));
    return w.rc;
}

/* The handle rule of lucidity.h: zeroed (ESTATE) or started; else EINVAL. */
static int luc_handle_check(const lucidity_handle *h)
{
    if (!h)
        return LUCIDITY_EINVAL;
    if (h->check == LUC_HANDLE_CHECK && h->state >= LUC_IDLE && h->state <= LUC_DONE)
        return LUCIDITY_OK;
    /* Fields, not bytes: `= {0}` need not clear padding. */
    bool zeroed = h->check == 0 && h->state == LUC_IDLE && !h->job && !h->transport;
    return zeroed ? LUCIDITY_ESTATE : LUCIDITY_EINVAL;
}

/* Every wait of the public API goes through here: ownership rule 4. */
static int luc_wait_call(lucidity_handle *h, uint64_t limit, void *out)
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
    int rc = luc_call_begin(job, where, args, h, &o, NULL);
    if (rc != LUCIDITY_OK)
        h->state = LUC_DONE;
    return rc;
}

int lucidity_try_get(lucidity_handle *h, void *out)
{
    return luc_wait_call(h, 0, out);
}

int lucidity_await(lucidity_handle *h, void *out)
{
    return luc_wait_call(h, LUCIDITY_NONE, out);
}

int lucidity_await_timeout(lucidity_handle *h, uint64_t ms, void *out)
{
    int rc = luc_wait_call(h, ms, out);
    return rc == LUCIDITY_PENDING ? LUCIDITY_ETIMEOUT : rc;
}

int lucidity_cancel(lucidity_handle *h)
{
    int rc = luc_handle_check(h);
    if (rc != LUCIDITY_OK)
        return rc;
    if (h->state != LUC_RUNNING)
        return LUCIDITY_ESTATE;
    luc_transport_of(h)->abandon(h);
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
