/*
 * internal.h - module-private interfaces of the runtime (prefix luc_).
 *
 * Files and what each owns:
 *   status.c  status strings                 opts.c   option defaults and merging
 *   msg.c     nanopb streams over lunatic's per-process message buffer
 *   proc.c    configs, spawn, kill, tags     call.c   one call: start, wait, cancel
 *   fanout.c  N calls with a bounded window  serve.c  the job side of a call
 *   node.c    where a remote call runs   remote.c calls on other nodes
 *   exit.c    the app's exit status for `lucidity run`
 */
#ifndef LUCIDITY_INTERNAL_H
#define LUCIDITY_INTERNAL_H

#include <stdbool.h>
#include "lucidity.h"

/* Resolved built-in defaults (see lucidity.h). */
#define LUC_DEFAULT_MEMORY (100u * 1024u * 1024u)
#define LUC_DEFAULT_CONCURRENCY 64u
#define LUC_DEFAULT_LIVENESS_MS 100u

/* opts.c: job defaults <- call overrides <- built-in defaults; every field set. */
void luc_opts_resolve(lucidity_opts *out, const lucidity_job *job, const lucidity_opts *call);

/* Message kinds besides statuses, in the same 4-byte header (statuses are small). */
enum {
    LUC_K_SETUP = 0x10001, /* caller -> helper -> supervisor: limits + entry name */
    LUC_K_BEAT,            /* node prober -> caller: the node answered a probe */
    LUC_K_SPAWNED,         /* helper -> caller: + u64 supervisor pid */
    LUC_K_GONE,            /* helper -> caller: the supervisor ended without a reply */
    LUC_K_LOST,            /* helper -> caller: the node is unreachable */
    LUC_K_CANCEL,          /* caller -> helper -> supervisor: stop the job */
    LUC_K_PROBE,           /* caller -> node prober: probe the node once */
};
/* Tag of probe messages (never received by anyone). */
#define LUC_PROBE_TAG ((int64_t)1 << 47)

/* msg.c: a message starts with a 4-byte little-endian status or kind. */
void luc_msg_begin(int64_t tag, int32_t kind, size_t payload);
int luc_msg_write(int64_t tag, int32_t status, const pb_msgdesc_t *fields, const void *src);
int luc_msg_read_status(int32_t *status);
int luc_msg_read(const pb_msgdesc_t *fields, void *dst);
int luc_msg_read_args(const pb_msgdesc_t *fields, void *dst);

/* proc.c */
int64_t luc_new_tag(void);
uint64_t luc_now_ms(void);
int64_t luc_config(uint64_t memory, uint64_t fuel);
int luc_spawn(int64_t link, int64_t config, const char *entry, const uint64_t *params, int n,
              uint64_t *pid);
int luc_spawn_job(const char *entry, uint64_t memory, uint64_t fuel, int64_t tag, uint64_t *pid);
void luc_stop(uint64_t pid, int64_t tag);
void luc_drain(int64_t tag);

/* call.c: a call is driven by two events, a message under its tag and a wake-up
   at luc_call_wake_ms(); each returns the final status or LUCIDITY_PENDING. */
enum { LUC_IDLE = 0, LUC_RUNNING, LUC_DONE };
int luc_call_begin(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *resolved);
int luc_call_on_message(lucidity_handle *h, uint32_t received, void *out);
uint64_t luc_call_wake_ms(const lucidity_handle *h);
int luc_call_on_wake(lucidity_handle *h);
int luc_take_result(const lucidity_job *job, int32_t job_status, void *out);

/* remote.c: the caller's side of a call on another node */
int luc_remote_begin(lucidity_handle *h, const void *args);
int luc_remote_on_message(lucidity_handle *h, uint32_t received, void *out);
int luc_remote_lost(lucidity_handle *h);
void luc_remote_abandon(lucidity_handle *h);
void luc_remote_end(lucidity_handle *h);

/* exit.c: this process is not the app's main process: never report an exit. */
void luc_exit_silence(void);

/* node.c: where to run; LUCIDITY_OK and *node (0 = here), or ENONODE. */
int luc_pick_node(const lucidity_opts *o, lucidity_where where, uint64_t *node);
/* node.c: liveness of the nodes in use (see the comment at the top of node.c) */
void luc_node_lost(uint64_t node);
bool luc_node_is_lost(uint64_t node);
int64_t luc_node_tag(uint64_t node);
uint64_t luc_node_wake_ms(uint64_t node, uint64_t liveness_ms);
void luc_node_tick(uint64_t node, uint64_t liveness_ms);
bool luc_node_on_message(int64_t tag, uint32_t received);

#endif
