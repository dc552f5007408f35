/*
 * remote.c - calls on another node.
 *
 * lunatic 0.13.2 has no links across nodes, and a distributed spawn or send
 * to a dead node blocks the calling process forever. So the caller never
 * makes a distributed call itself:
 *
 *   caller C --spawn, linked--> helper H (this node) --distributed spawn--> supervisor S (node N)
 *                                                       S --spawn, linked--> job W (node N)
 *
 * H spawns S, forwards the setup (limits, entry, arguments: one message, so
 * one acknowledged distributed send), then checks every
 * liveness interval that S still exists (GONE if it vanished without a
 * reply). S spawns the job W with the call's memory and fuel, forwards W's
 * reply to C verbatim, and reports W's death as ETRAP, so remote traps map
 * to the same statuses as local ones. C waits on its tag (the reply, H's
 * messages, H's death) and on its node's prober (node.c). When the node is
 * lost, C kills H (which may be stuck in a distributed call) and re-dispatches
 * or fails with ENODELOST.
 */
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

#ifdef __wasm__
#define LUC_EXPORT(name) __attribute__((export_name(name)))
#else
#define LUC_EXPORT(name)
#endif

#define LUC_HELPER_ENTRY "lucidity_remote_helper"
#define LUC_SERVE_ENTRY "lucidity_remote_serve"
#define LUC_MAX_ENTRY 256

/* The setup message: this struct, the entry name, then the encoded arguments. */
typedef struct luc_setup {
    uint64_t memory, fuel, liveness_ms;
    uint32_t entry_len, args_len;
} luc_setup;

/* ---- both sides ---------------------------------------------------------- */

static int32_t luc_kind(void)
{
    int32_t k = 0;
    return luc_msg_read_status(&k) == LUCIDITY_OK ? k : LUCIDITY_EDECODE;
}

static void luc_tell(uint64_t pid, int64_t tag, int32_t kind)
{
    luc_msg_begin(tag, kind, 0);
    lh_send(pid);
}

/* Reads a setup message (already received) up to the arguments; entry gets a
 * NUL-terminated name. */
static int luc_read_setup(luc_setup *s, char *entry)
{
    if (luc_kind() != LUC_K_SETUP || lh_read_data(s, sizeof *s) != sizeof *s ||
        s->entry_len >= LUC_MAX_ENTRY || lh_read_data(entry, s->entry_len) != s->entry_len)
        return LUCIDITY_EDECODE;
    entry[s->entry_len] = 0;
    return LUCIDITY_OK;
}

/* ---- supervisor S, on the remote node ---------------------------------- */

static void luc_serve_reply(uint64_t node, uint64_t pid, int64_t tag, int32_t status)
{
    luc_msg_begin(tag, status, 0);
    lh_dist_send(node, pid);
}

LUC_EXPORT(LUC_SERVE_ENTRY)
void lucidity__remote_serve(uint64_t caller_node, uint64_t caller_pid, int64_t tag)
{
    luc_setup s;
    char entry[LUC_MAX_ENTRY];
    luc_exit_silence();
    lh_die_when_link_dies(0); /* the job's death is a message for us to forward */
    if (lh_receive(&tag, 1, LUCIDITY_NONE) != LH_RECV_DATA || luc_read_setup(&s, entry)) {
        luc_serve_reply(caller_node, caller_pid, tag, LUCIDITY_EDECODE);
        return;
    }
    /* Take the arguments out before the buffer is reused for the job's message. */
    uint8_t *args = malloc(s.args_len ? s.args_len : 1);
    int rc = !args ? LUCIDITY_ENOMEM
           : lh_read_data(args, s.args_len) != s.args_len ? LUCIDITY_EDECODE : LUCIDITY_OK;
    uint64_t job = 0;
    if (rc == LUCIDITY_OK)
        rc = luc_spawn_job(entry, s.memory, s.fuel, tag, &job);
    if (rc == LUCIDITY_OK) {
        luc_msg_begin(tag, LUCIDITY_OK, s.args_len);
        lh_write_data(args, s.args_len);
        lh_send(job);
    }
    free(args);
    if (rc != LUCIDITY_OK) {
        luc_serve_reply(caller_node, caller_pid, tag, rc);
        return;
    }
    /* The job's reply, its death, or a cancel from the caller. */
    uint32_t r = lh_receive(&tag, 1, LUCIDITY_NONE);
    if (r == LH_RECV_LINK_DIED) {
        luc_serve_reply(caller_node, caller_pid, tag, LUCIDITY_ETRAP);
        return;
    }
    if (luc_kind() == LUC_K_CANCEL) {
        lh_unlink(job);
        lh_kill(job);
        return;
    }
    lh_seek_data(0); /* forward the reply as the job wrote it */
    lh_dist_send(caller_node, caller_pid);
}

/* ---- helper H, on the caller's node ------------------------------------- */

/* Probes S by sending it a message it never reads: 0 while S exists. */
static uint32_t luc_probe(uint64_t node, uint64_t pid)
{
    lh_create_data((uint64_t)LUC_PROBE_TAG, 0);
    return lh_dist_send(node, pid);
}

LUC_EXPORT(LUC_HELPER_ENTRY)
void lucidity__remote_helper(uint64_t node, uint64_t caller, int64_t tag, uint64_t liveness_ms)
{
    luc_setup s;
    char entry[LUC_MAX_ENTRY];
    luc_exit_silence();
    if (lh_receive(&tag, 1, LUCIDITY_NONE) != LH_RECV_DATA || luc_read_setup(&s, entry)) {
        luc_tell(caller, tag, LUCIDITY_EDECODE);
        return;
    }
    /* S only runs runtime code: the job's limits are applied to W by S. */
    int64_t cfg = luc_config(s.memory, LUCIDITY_NONE);
    uint8_t params[3 * LH_PARAM_SIZE];
    lh_param_i64(params, lh_node_id());
    lh_param_i64(params + LH_PARAM_SIZE, caller);
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    uint64_t sup = 0;
    /* The setup message is still in our buffer: spawning does not touch it. */
    uint32_t r = lh_dist_spawn(node, cfg, lh_module_id(), LUC_SERVE_ENTRY,
                               (uint32_t)strlen(LUC_SERVE_ENTRY), params, sizeof params, &sup);
    if (cfg >= 0)
        lh_drop_config((uint64_t)cfg);
    if (r != 0) {
        lh_error_drop(sup);
        luc_tell(caller, tag, r == LH_DSPAWN_MODULE_NOT_FOUND ? LUCIDITY_ESPAWN : LUC_K_LOST);
        return;
    }
    if (lh_dist_send(node, sup) != 0) { /* the setup, arguments included */
        luc_tell(caller, tag, LUC_K_LOST);
        return;
    }
    luc_msg_begin(tag, LUC_K_SPAWNED, sizeof sup);
    lh_write_data(&sup, sizeof sup);
    lh_send(caller);
    for (;;) {
        if (lh_receive(&tag, 1, liveness_ms) == LH_RECV_DATA) {
            lh_dist_send(node, sup); /* the caller's cancel, forwarded */
            return;
        }
        r = luc_probe(node, sup);
        if (r != 0) {
            luc_tell(caller, tag, r == LH_DSEND_NO_PROCESS ? LUC_K_GONE : LUC_K_LOST);
            return;
        }
    }
}

/* ---- the caller C ---------------------------------------------------------- */

static int luc_remote_dispatch(lucidity_handle *h)
{
    const uint64_t params[4] = {h->node, lh_process_id(), (uint64_t)h->tag, h->opts.liveness_ms};
    int rc = luc_spawn(h->tag, -1, LUC_HELPER_ENTRY, params, 4, &h->pid);
    if (rc != LUCIDITY_OK)
        return rc;
    luc_setup s = {h->opts.memory, h->opts.fuel, h->opts.liveness_ms,
                   (uint32_t)strlen(h->job->entry), (uint32_t)h->args_len};
    luc_msg_begin(h->tag, LUC_K_SETUP, sizeof s + s.entry_len + s.args_len);
    lh_write_data(&s, sizeof s);
    lh_write_data(h->job->entry, s.entry_len);
    lh_write_data(h->args_buf, s.args_len);
    lh_send(h->pid);
    h->remote_pid = 0;
    h->tries++;
    return LUCIDITY_OK;
}

int luc_remote_begin(lucidity_handle *h, const void *args)
{
    size_t size = 0;
    const pb_msgdesc_t *fields = h->job->args_fields;
    if (!pb_get_encoded_size(&size, fields, args))
        return LUCIDITY_EENCODE;
    h->args_buf = malloc(size ? size : 1);
    if (!h->args_buf)
        return LUCIDITY_ENOMEM;
    pb_ostream_t os = pb_ostream_from_buffer(h->args_buf, size);
    h->args_len = size;
    int rc = pb_encode(&os, fields, args) ? luc_remote_dispatch(h) : LUCIDITY_EENCODE;
    if (rc != LUCIDITY_OK)
        luc_remote_end(h);
    return rc;
}

/* The node stopped answering: never pick it again; re-dispatch if allowed. */
int luc_remote_lost(lucidity_handle *h)
{
    luc_node_lost(h->node);
    luc_stop(h->pid, h->tag);
    while (h->tries <= h->opts.retries) {
        lucidity_opts o = h->opts;
        o.remote_fallback = LUCIDITY_FALLBACK_ERROR; /* re-dispatch to another node only */
        if (luc_pick_node(&o, LUCIDITY_REMOTE, &h->node) != LUCIDITY_OK)
            break;
        if (luc_remote_dispatch(h) == LUCIDITY_OK)
            return LUCIDITY_PENDING;
    }
    return LUCIDITY_ENODELOST;
}

int luc_remote_on_message(lucidity_handle *h, uint32_t received, void *out)
{
    if (received != LH_RECV_DATA) /* H died: only a trap in a host call does that */
        return h->remote_pid ? luc_remote_lost(h) : LUCIDITY_ESPAWN;
    int32_t kind = luc_kind();
    switch (kind) {
    case LUC_K_SPAWNED:
        lh_read_data(&h->remote_pid, sizeof h->remote_pid);
        return LUCIDITY_PENDING;
    case LUC_K_GONE:
        return LUCIDITY_ETRAP;
    case LUC_K_LOST:
        return luc_remote_lost(h);
    default:
        return luc_take_result(h->job, kind, out);
    }
}

/* Timeout or cancel: ask S (through H) to kill the job, and stop listening. */
void luc_remote_abandon(lucidity_handle *h)
{
    luc_tell(h->pid, h->tag, LUC_K_CANCEL);
    lh_unlink(h->pid);
    h->pid = 0; /* H ends by itself once it has passed the cancel on */
    luc_drain(h->tag);
}

/* The call is over: stop H if it still runs and free the kept arguments. */
void luc_remote_end(lucidity_handle *h)
{
    if (h->pid && lh_exists(h->pid))
        luc_stop(h->pid, h->tag);
    free(h->args_buf);
    h->args_buf = NULL;
}
