/*
 * helper.c - the helper H of a remote call, on the caller's node (see
 * remote.c). It makes the distributed calls that may block forever on a dead
 * node, so that the caller never does: the caller kills it instead.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

/* Probes S with a message S reads (its watchdog): 0 while S exists. */
static uint32_t luc_probe(uint64_t node, uint64_t sup)
{
    if (luc_msg_begin(LUC_PROBE_TAG, LUC_K_PROBE, 0, 0) != LUCIDITY_OK)
        return LH_DSEND_NO_NODE;
    return lh_dist_send(node, sup);
}

/* What the helper tells its caller; if even that fails, its death (a trap)
   reaches the caller through their link instead. */
static void luc_helper_tell(uint64_t caller, int64_t tag, luc_kind kind, int32_t status)
{
    if (luc_tell(caller, tag, kind, status) != LUCIDITY_OK)
        abort();
}

LUC_EXPORT(LUC_HELPER_ENTRY)
void lucidity__remote_helper(uint64_t node, uint64_t caller, int64_t tag, uint64_t liveness_ms)
{
    luc_setup s;
    char entry[LUC_MAX_ENTRY];
    luc_exit_silence();
    /* Linked to the caller with lunatic's default die-with-link: if the caller
       dies, so do we, so waiting without a timeout is safe. */
    int64_t setup_tag;
    uint8_t *setup = NULL;
    size_t setup_len = 0;
    if (lh_receive(&tag, 1, LUCIDITY_NONE) != LH_RECV_DATA || luc_setup_read(&s, entry) ||
        luc_msg_save(&setup_tag, &setup, &setup_len) != LUCIDITY_OK) {
        luc_helper_tell(caller, tag, LUC_K_REPLY, LUCIDITY_EDECODE);
        return;
    }
    /* S only runs runtime code: the job's limits are applied to W by S. */
    int64_t cfg = luc_config(s.memory, LUCIDITY_NONE);
    uint8_t params[4 * LH_PARAM_SIZE];
    lh_param_i64(params, lh_node_id());
    lh_param_i64(params + LH_PARAM_SIZE, caller);
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    lh_param_i64(params + 3 * LH_PARAM_SIZE, liveness_ms);
    uint64_t sup = 0;
    uint32_t r = lh_dist_spawn(node, cfg, lh_module_id(), LUC_SERVE_ENTRY,
                               (uint32_t)strlen(LUC_SERVE_ENTRY), params, sizeof params, &sup);
    if (cfg >= 0)
        lh_drop_config((uint64_t)cfg);
    if (r != 0) {
        free(setup);
        lh_error_drop(sup);
        if (r == LH_DSPAWN_MODULE_NOT_FOUND)
            luc_helper_tell(caller, tag, LUC_K_REPLY, LUCIDITY_ESPAWN);
        else
            luc_helper_tell(caller, tag, LUC_K_LOST, 0);
        return;
    }
    /* Forward the setup we received, arguments included, as a message built
       here and now from our copy. */
    r = luc_msg_rebuild(setup_tag, setup, setup_len) == LUCIDITY_OK ? lh_dist_send(node, sup)
                                                                   : LH_DSEND_NO_NODE;
    free(setup);
    if (r != 0) {
        luc_helper_tell(caller, tag, LUC_K_LOST, 0);
        return;
    }
    if (luc_msg_begin(tag, LUC_K_SPAWNED, 0, sizeof sup) != LUCIDITY_OK ||
        luc_msg_append(&sup, sizeof sup) != LUCIDITY_OK || luc_send(caller) != LUCIDITY_OK)
        abort(); /* cannot tell the caller: our death (a trap) does */
    for (;;) {
        lh_sleep_ms(liveness_ms);
        r = luc_probe(node, sup);
        if (r != 0) {
            luc_helper_tell(caller, tag, r == LH_DSEND_NO_PROCESS ? LUC_K_GONE : LUC_K_LOST, 0);
            return;
        }
    }
}
