/*
 * returner.c - the returner of a dispatcher, on the dispatcher's node (see
 * dispatcher.c): sends the replies its dispatcher passes it back to the
 * caller, batched: every reply that arrived while it waited for the previous
 * send's acknowledgement goes in the next message (a note to itself marks
 * the end of what its mailbox holds, as in courier.c). It is the process that
 * may block forever on the caller's node; the dispatcher kills it.
 */
#include <stdlib.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

LUC_EXPORT(LUC_RETURNER_ENTRY)
void lucidity__node_returner(uint64_t caller_node, uint64_t caller_pid, int64_t tag)
{
    luc_exit_silence();
    /* Linked to the dispatcher with the default die-with-link: waiting
       without a timeout is safe. */
    const uint8_t head[LUC_HEAD_SIZE] = {LUC_K_RESULTS};
    luc_bytes out = {0};
    if (!luc_bytes_put(&out, head, sizeof head))
        abort();
    size_t n = 0;
    bool marked = false;
    for (;;) {
        if (lh_receive(NULL, 0, LUCIDITY_NONE) != LH_RECV_DATA)
            continue;
        int64_t t = lh_get_tag();
        if (t == LUC_MARK_TAG) {
            marked = false;
        } else {
            uint64_t size = lh_data_size();
            luc_result_rec rec = {t, (uint32_t)size, 0};
            if (size > UINT32_MAX || !luc_bytes_put(&out, &rec, sizeof rec) ||
                !luc_bytes_take_msg(&out, 0))
                abort(); /* our death reaches the dispatcher, which ends the jobs */
            n++;
            if (out.len < LUC_BATCH_MAX) {
                if (!marked) {
                    luc_mark_self();
                    marked = true;
                }
                continue;
            }
        }
        if (!n)
            continue;
        lh_create_data((uint64_t)tag, out.len);
        /* A caller that is gone: the dispatcher hears no more from its courier. */
        if (lh_write_data(out.data, (uint32_t)out.len) == out.len)
            (void)lh_dist_send(caller_node, caller_pid);
        out.len = LUC_HEAD_SIZE;
        n = 0;
    }
}
