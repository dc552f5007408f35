/*
 * serve.c - the job side of a call, run by every generated process entry:
 * receive the arguments, call the implementation, reply with status + result.
 *
 * A job replies exactly once. The reply address is kept for the duration of
 * the call (per process: each lunatic process is its own instance) because
 * one more way out of the job bypasses this function: exit(). exit.c wraps
 * exit() and calls luc_serve_exit(), which replies LUCIDITY_EEXIT with the
 * code, since lunatic reports exit(0) as a normal finish (no link death: the
 * caller would wait forever) and exit(n) as an anonymous failure.
 */
#include <pb_decode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

/* Where this process's reply goes while it serves a call. */
static struct {
    bool active;
    uint64_t node, pid;
    int64_t tag;
} luc_serving;

static int luc_reply(void)
{
    luc_serving.active = false;
    /* The job's output before its reply, so it reads in order. */
    fflush(stdout);
    fflush(stderr);
    if (luc_serving.node == 0)
        return luc_send(luc_serving.pid);
    return lh_dist_send(luc_serving.node, luc_serving.pid) == 0 ? LUCIDITY_OK : LUCIDITY_ENODELOST;
}

void luc_serve_exit(int code)
{
    if (!luc_serving.active)
        return;
    uint32_t c = (uint32_t)code;
    uint8_t payload[4] = {(uint8_t)c, (uint8_t)(c >> 8), (uint8_t)(c >> 16), (uint8_t)(c >> 24)};
    /* Nothing is left to do if these fail: the process ends either way, and a
       non-zero code still reaches a local caller as a link death. */
    if (luc_msg_begin(luc_serving.tag, LUC_K_REPLY, LUCIDITY_EEXIT, sizeof payload) == LUCIDITY_OK &&
        luc_msg_append(payload, sizeof payload) == LUCIDITY_OK && luc_reply() != LUCIDITY_OK) {
        /* the caller is gone: nobody to tell */
    }
    luc_guard_end();
}

/* Serves the call whose ARGS message (under tag) was just received, into the
 * zeroed structs args and result: invoke, reply, end what the call left
 * running, release what nanopb allocated. false: no reply could be built. */
static bool luc_serve_call(const lucidity_job *job, int64_t tag, int rc, void *args, void *result)
{
    if (rc == LUCIDITY_OK)
        rc = luc_msg_read_args(job->args_fields, args);
    if (rc == LUCIDITY_OK) {
        job->invoke(args, result);
        if (luc_msg_write(tag, LUC_K_REPLY, LUCIDITY_OK, job->result_fields, result) !=
            LUCIDITY_OK)
            rc = LUCIDITY_EENCODE;
    }
    bool built = rc == LUCIDITY_OK || luc_msg_write(tag, LUC_K_REPLY, rc, NULL, NULL) == LUCIDITY_OK;
    if (built && luc_reply() != LUCIDITY_OK) {
        /* the caller is gone: nobody to answer */
    }
    luc_serving.active = false;
    /* Pools this call used end with it (before its guard kills their workers
       on its own, so none is taken for the next call of a pool worker), and so
       do jobs it started and never awaited. */
    lucidity_pool_close(NULL);
    luc_nodes_close(); /* our dispatchers end (QUIT) before the guard ends our couriers */
    luc_guard_end();
    if (args)
        pb_release(job->args_fields, args);
    if (result)
        pb_release(job->result_fields, result);
    return built;
}

static void luc_serve_begin(uint64_t caller_node, uint64_t caller_pid, int64_t tag)
{
    /* A local caller is the process that spawned us, linked: our parent. */
    luc_guard_set_parent(caller_node == 0 ? caller_pid : 0);
    luc_serving.node = caller_node;
    luc_serving.pid = caller_pid;
    luc_serving.tag = tag;
    luc_serving.active = true;
}

/* A pool worker (pool.c): serves its caller's calls, one at a time, each under
 * the worker's tag, with the structs allocated once. While idle it waits on
 * any tag: requests come under its tag; a stale message of a call of its own
 * is dropped; so is a link death, unless the caller is gone: then it ends.
 * (A child a call left running dies by its guard while still linked to us;
 * ending then would leave the caller's next request unanswered.)
 * Pools the job itself used end with each call: the next call starts from
 * none, never from workers its guard is about to kill. */
static void luc_serve_pool(const lucidity_job *job, uint64_t caller, int64_t tag)
{
    /* Requests come under a tag of the caller's counter; ours must never be it
       (a drain of a call of ours would take the next request). */
    luc_tag_reserve(tag);
    void *args = calloc(1, job->args_size ? job->args_size : 1);
    void *result = calloc(1, job->result_size ? job->result_size : 1);
    for (;;) {
        uint32_t r = lh_receive(NULL, 0, LUCIDITY_NONE);
        if (r != LH_RECV_DATA) {
            if (!lh_exists(caller))
                break;
            continue;
        }
        if (lh_get_tag() != tag)
            continue;
        luc_serve_begin(0, caller, tag);
        int rc = (args && result) ? LUCIDITY_OK : LUCIDITY_ENOMEM;
        if (args)
            memset(args, 0, job->args_size);
        if (result)
            memset(result, 0, job->result_size);
        if (!luc_serve_call(job, tag, rc, args, result))
            abort(); /* no reply could be built: a death the caller sees as ETRAP */
    }
    free(args);
    free(result);
}

void lucidity_serve(const lucidity_job *job, uint64_t caller_node, uint64_t caller_pid,
                    int64_t tag)
{
    luc_exit_silence();
    if (caller_node == LUC_POOL_NODE) {
        luc_serve_pool(job, caller_pid, tag);
        return;
    }
    bool dispatched = caller_node == LUC_DISPATCH_NODE;
    luc_serve_begin(dispatched ? 0 : caller_node, caller_pid, tag);
    if (dispatched)
        luc_guard_use(caller_pid, tag);
    void *args = calloc(1, job->args_size ? job->args_size : 1);
    void *result = calloc(1, job->result_size ? job->result_size : 1);
    int rc = (args && result) ? LUCIDITY_OK : LUCIDITY_ENOMEM;
    /* The caller sends the arguments right after spawning us; if it dies
       first, our link to it ends this process, so waiting forever is safe. */
    if (rc == LUCIDITY_OK && lh_receive(&tag, 1, LUCIDITY_NONE) != LH_RECV_DATA)
        rc = LUCIDITY_EDECODE;
    bool built = luc_serve_call(job, tag, rc, args, result);
    free(args);
    free(result);
    if (!built)
        abort(); /* no reply could be built: a death the caller sees as ETRAP */
}

uint64_t lucidity_node_id(void)
{
    return lh_node_id();
}
