/*
 * supervisor.c - the supervisor S of a remote call, on the node that runs the
 * job (see remote.c): spawns the job W with the call's limits, forwards its
 * reply, reports its death, and kills it on a cancel or when the caller's
 * helper stops probing (the caller is gone: nothing may outlive it here).
 */
#include <stdlib.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

static void luc_sup_reply(uint64_t node, uint64_t pid, int64_t tag, int32_t status)
{
    if (luc_msg_begin(tag, LUC_K_REPLY, status, 0) == LUCIDITY_OK)
        (void)lh_dist_send(node, pid); /* nobody to tell if this fails */
}

/* Receives the setup and starts W; LUCIDITY_OK and *job, or why not. */
static int luc_sup_start(int64_t tag, uint64_t wait_ms, uint64_t *job)
{
    luc_setup s;
    char entry[LUC_MAX_ENTRY];
    uint32_t r = lh_receive(&tag, 1, wait_ms);
    if (r == LH_TIMEOUT)
        return LUCIDITY_ENODELOST; /* the helper never sent it: it was killed */
    if (r != LH_RECV_DATA || luc_setup_read(&s, entry) != LUCIDITY_OK)
        return LUCIDITY_EDECODE;
    /* Take the arguments out: our buffer is needed for W's message. */
    uint8_t *args = malloc(s.args_len ? s.args_len : 1);
    int rc = !args ? LUCIDITY_ENOMEM : luc_msg_take(args, s.args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_spawn_job(entry, s.memory, s.fuel, tag, job);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_begin(tag, LUC_K_ARGS, 0, s.args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_append(args, s.args_len);
    if (rc == LUCIDITY_OK)
        rc = luc_send(*job);
    free(args);
    return rc;
}

LUC_EXPORT(LUC_SERVE_ENTRY)
void lucidity__remote_serve(uint64_t caller_node, uint64_t caller_pid, int64_t tag,
                            uint64_t liveness_ms)
{
    luc_exit_silence();
    lh_die_when_link_dies(0); /* the job's death is a message for us to forward */
    uint64_t silent_ms = luc_lost_after(liveness_ms);
    uint64_t job = 0;
    int rc = luc_sup_start(tag, silent_ms, &job);
    if (rc != LUCIDITY_OK) {
        if (job)
            lh_kill(job);
        if (rc != LUCIDITY_ENODELOST)
            luc_sup_reply(caller_node, caller_pid, tag, rc);
        return;
    }
    /* The job's reply or death, a cancel, or the helper's probes. */
    const int64_t tags[2] = {tag, LUC_PROBE_TAG};
    for (;;) {
        uint32_t r = lh_receive(tags, 2, silent_ms);
        if (r == LH_TIMEOUT)
            break; /* no probe for the lost-after bound: the caller is gone */
        if (r != LH_RECV_DATA) {
            luc_sup_reply(caller_node, caller_pid, tag, LUCIDITY_ETRAP);
            return;
        }
        if (lh_get_tag() == LUC_PROBE_TAG)
            continue;
        luc_kind kind;
        int32_t status;
        if (luc_msg_head(&kind, &status) != LUCIDITY_OK)
            continue;
        if (kind == LUC_K_CANCEL)
            break;
        if (kind == LUC_K_REPLY) {
            lh_seek_data(0); /* forward the reply as the job wrote it */
            (void)lh_dist_send(caller_node, caller_pid);
            return;
        }
    }
    lh_unlink(job);
    lh_kill(job); /* its guard ends what it started */
}
