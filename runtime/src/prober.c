/*
 * prober.c - the prober of a node in use, on the caller's node (see node.c):
 * for each request of its caller, probe the node once and answer, or pass a
 * cancel on to a supervisor there. It is the one process per node that may
 * block forever on a dead node; the caller kills it when the node is lost.
 */
#include "host.h"
#include "internal.h"
#include "remote.h"

#define LUC_NO_SUCH_PID UINT64_MAX

/* Probe to a pid that does not exist: a live node answers "no such process"
   at once, even while it is busy (e.g. compiling the module for a spawn). */
static luc_kind luc_probe_node(uint64_t node)
{
    if (luc_msg_begin(LUC_PROBE_TAG, LUC_K_PROBE, 0, 0) != LUCIDITY_OK)
        return LUC_K_LOST;
    uint32_t r = lh_dist_send(node, LUC_NO_SUCH_PID);
    return r == 0 || r == LH_DSEND_NO_PROCESS ? LUC_K_BEAT : LUC_K_LOST;
}

static void luc_pass_cancel(uint64_t node)
{
    uint64_t sup;
    int64_t call_tag;
    if (luc_msg_take(&sup, sizeof sup) != LUCIDITY_OK ||
        luc_msg_take(&call_tag, sizeof call_tag) != LUCIDITY_OK ||
        luc_msg_begin(call_tag, LUC_K_CANCEL, 0, 0) != LUCIDITY_OK)
        return;
    (void)lh_dist_send(node, sup); /* gone already: nothing to cancel */
}

LUC_EXPORT(LUC_PROBER_ENTRY)
void lucidity__node_prober(uint64_t node, uint64_t caller, int64_t tag)
{
    luc_exit_silence();
    /* Linked to the caller with the default die-with-link: no timeout needed. */
    while (lh_receive(&tag, 1, LUCIDITY_NONE) == LH_RECV_DATA) {
        luc_kind kind;
        int32_t status;
        if (luc_msg_head(&kind, &status) != LUCIDITY_OK)
            continue;
        if (kind == LUC_K_CANCEL) {
            luc_pass_cancel(node);
            continue;
        }
        if (luc_tell(caller, tag, luc_probe_node(node), 0) != LUCIDITY_OK)
            return;
    }
}
