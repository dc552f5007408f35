/*
 * internal.h - module-private interfaces of the runtime (prefix luc_).
 *
 * Files and what each owns:
 *   status.c  status strings                 opts.c   option defaults and merging
 *   msg.c     nanopb streams over lunatic's per-process message buffer
 *   proc.c    configs, spawn, kill, tags     call.c   one call: start, wait, cancel
 *   fanout.c  N calls with a bounded window  serve.c  the job side of a call
 *   node.c    where a remote call runs
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

/* msg.c: the reply starts with a 4-byte little-endian status, then the result. */
int luc_msg_write(int64_t tag, int32_t status, const pb_msgdesc_t *fields, const void *src);
int luc_msg_read_status(int32_t *status);
int luc_msg_read(const pb_msgdesc_t *fields, void *dst);
int luc_msg_read_args(const pb_msgdesc_t *fields, void *dst);

/* proc.c */
int64_t luc_new_tag(void);
uint64_t luc_now_ms(void);
int luc_spawn_job(const lucidity_job *job, const lucidity_opts *o, int64_t tag, uint64_t *pid);
void luc_stop(uint64_t pid, int64_t tag);

/* call.c: handle states */
enum { LUC_IDLE = 0, LUC_RUNNING, LUC_DONE };
int luc_call_begin(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *resolved);
/* Takes the message in the scratch buffer (already received for h's tag) as h's outcome. */
int luc_call_finish(lucidity_handle *h, uint32_t received, void *out);
/* Deadline passed: stop the job; status ETIMEOUT. */
int luc_call_expire(lucidity_handle *h);

/* node.c: where to run; LUCIDITY_OK and *node (0 = here), or ENONODE. */
int luc_pick_node(const lucidity_opts *o, lucidity_where where, uint64_t *node);

#endif
