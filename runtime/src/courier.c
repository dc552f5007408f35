/*
 * courier.c - the courier of a node in use, on the caller's node: one per
 * calling process and node (see remote.c). It makes every distributed call
 * to that node for its caller, who never blocks on a dead node: it spawns
 * the node's dispatcher, forwards the caller's items and cancels to it,
 * probes the node when the caller asks, and keeps the dispatcher hearing from
 * it (a heartbeat when it sent nothing for a liveness interval).
 *
 * Batching: lunatic acknowledges each distributed send, ~0.1 ms on loopback,
 * and a process waits for it. While the courier waits, the caller's next
 * items queue in its mailbox; the courier then takes all of them and sends
 * them as one message. It knows it has taken everything that was there by a
 * note to itself (LUC_K_MARK) sent after the first message of a batch: a
 * receive with timeout 0 would tell the same, at a much higher price.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

/* What the courier tells its caller; if even that fails, its death reaches
   the caller through their link instead (the node then counts as lost). */
static void luc_courier_tell(uint64_t caller, int64_t tag, luc_kind kind)
{
    if (luc_tell(caller, tag, kind, 0) != LUCIDITY_OK)
        abort();
}

static uint64_t luc_courier_spawn(uint64_t node, uint64_t caller, int64_t tag, uint64_t liveness_ms)
{
    /* The dispatcher runs only runtime code; each job gets its call's limits. */
    int64_t cfg = luc_config(LUC_DEFAULT_MEMORY, LUCIDITY_NONE);
    uint8_t params[4 * LH_PARAM_SIZE];
    lh_param_i64(params, lh_node_id());
    lh_param_i64(params + LH_PARAM_SIZE, caller);
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    lh_param_i64(params + 3 * LH_PARAM_SIZE, liveness_ms);
    uint64_t pid = 0;
    uint32_t r = lh_dist_spawn(node, cfg, lh_module_id(), LUC_DISPATCHER_ENTRY,
                               (uint32_t)strlen(LUC_DISPATCHER_ENTRY), params, sizeof params, &pid);
    if (cfg >= 0)
        lh_drop_config((uint64_t)cfg);
    if (r != 0) {
        lh_error_drop(pid);
        return 0;
    }
    return pid;
}

/* Sends the batch (no records: a heartbeat); false when the node or the
   dispatcher is gone. */
static bool luc_courier_flush(uint64_t node, uint64_t disp, luc_bytes *batch)
{
    lh_create_data((uint64_t)LUC_BATCH_TAG, batch->len);
    bool ok = lh_write_data(batch->data, (uint32_t)batch->len) == batch->len &&
              lh_dist_send(node, disp) == 0;
    batch->len = LUC_HEAD_SIZE;
    return ok;
}

LUC_EXPORT(LUC_COURIER_ENTRY)
void lucidity__node_courier(uint64_t node, uint64_t caller, int64_t tag, uint64_t liveness_ms)
{
    luc_exit_silence();
    /* Linked to the caller with lunatic's default die-with-link: if the caller
       dies, so do we. */
    uint64_t disp = luc_courier_spawn(node, caller, tag, liveness_ms);
    if (!disp) {
        luc_courier_tell(caller, tag, LUC_K_LOST);
        return;
    }
    if (luc_msg_begin(tag, LUC_K_SPAWNED, 0, sizeof disp) != LUCIDITY_OK ||
        luc_msg_append(&disp, sizeof disp) != LUCIDITY_OK || luc_send(caller) != LUCIDITY_OK)
        abort();
    const uint8_t head[LUC_HEAD_SIZE] = {LUC_K_BATCH};
    luc_bytes batch = {0};
    if (!luc_bytes_put(&batch, head, sizeof head))
        abort();
    size_t records = 0, probes = 0;
    bool marked = false;
    uint64_t sent_at = luc_now_ms();
    for (;;) {
        uint64_t due = luc_add_sat(sent_at, liveness_ms), now = luc_now_ms();
        bool flush = now >= due; /* a heartbeat is due */
        luc_kind kind = 0;
        if (!flush && lh_receive(NULL, 0, due - now) == LH_RECV_DATA) {
            int32_t status;
            if (luc_msg_head(&kind, &status) != LUCIDITY_OK)
                continue;
            if (kind == LUC_K_ITEM || kind == LUC_K_CANCEL) {
                if (!luc_bytes_take_msg(&batch, LUC_HEAD_SIZE))
                    abort(); /* out of memory: the caller sees our death */
                records++;
            } else if (kind == LUC_K_PROBE) {
                probes++;
            } else if (kind == LUC_K_MARK) {
                marked = false;
            } else if (kind != LUC_K_QUIT) {
                continue;
            }
            flush = kind == LUC_K_QUIT || batch.len >= LUC_BATCH_MAX ||
                    (kind == LUC_K_MARK && (records || probes));
            if (!flush && !marked && kind != LUC_K_MARK) {
                luc_mark_self();
                marked = true;
            }
        } else if (!flush) {
            continue; /* a timeout (the loop sends the heartbeat) or a stray link message */
        }
        if (!flush)
            continue;
        if (!luc_courier_flush(node, disp, &batch)) {
            luc_courier_tell(caller, tag, LUC_K_LOST);
            break;
        }
        sent_at = luc_now_ms();
        records = 0;
        if (probes)
            luc_courier_tell(caller, tag, LUC_K_BEAT);
        probes = 0;
        if (kind == LUC_K_QUIT) {
            if (luc_msg_begin(LUC_BATCH_TAG, LUC_K_QUIT, 0, 0) == LUCIDITY_OK)
                (void)lh_dist_send(node, disp); /* the dispatcher ends its jobs and exits */
            break;
        }
    }
    free(batch.data);
}
