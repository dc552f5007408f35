/*
 * serve.c - the job side of a call, run by every generated process entry:
 * receive the arguments, call the implementation, reply with status + result.
 */
#include <pb_decode.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "internal.h"

static void luc_reply(uint64_t caller_node, uint64_t caller_pid)
{
    if (caller_node == 0)
        lh_send(caller_pid);
    else
        lh_dist_send(caller_node, caller_pid);
}

void lucidity_serve(const lucidity_job *job, uint64_t caller_node, uint64_t caller_pid,
                    int64_t tag)
{
    luc_exit_silence();
    void *args = calloc(1, job->args_size ? job->args_size : 1);
    void *result = calloc(1, job->result_size ? job->result_size : 1);
    int rc = (args && result) ? LUCIDITY_OK : LUCIDITY_ENOMEM;
    /* The caller sends the arguments right after spawning us; if it dies
       first, our link to it ends this process, so waiting forever is safe. */
    if (rc == LUCIDITY_OK && lh_receive(&tag, 1, LUCIDITY_NONE) != LH_RECV_DATA)
        rc = LUCIDITY_EDECODE;
    if (rc == LUCIDITY_OK)
        rc = luc_msg_read_args(job->args_fields, args);
    if (rc == LUCIDITY_OK) {
        job->invoke(args, result);
        /* The job's output before its reply, so it reads in order. */
        fflush(stdout);
        fflush(stderr);
        if (luc_msg_write(tag, LUCIDITY_OK, job->result_fields, result) != LUCIDITY_OK)
            rc = LUCIDITY_EENCODE;
    }
    if (rc != LUCIDITY_OK)
        luc_msg_write(tag, rc, NULL, NULL);
    luc_reply(caller_node, caller_pid);
    if (args)
        pb_release(job->args_fields, args);
    if (result)
        pb_release(job->result_fields, result);
    free(args);
    free(result);
}

uint64_t lucidity_node_id(void)
{
    return lh_node_id();
}
