/*
 * internal.h - module-private interfaces of the runtime (prefix luc_).
 *
 * Files and what each owns:
 *   status.c  status strings                 opts.c   option defaults and merging
 *   msg.c     typed messages over lunatic's per-process message buffer
 *   pb_alloc.c nanopb's allocator (records allocation failures: ENOMEM)
 *   proc.c    configs, spawn, kill, tags, time
 *   call.c    the call state machine (start, events, cancel); waits on a set of one
 *   local.c   transport: a job process on this node
 *   remote.c  transport: a job on another node (the caller's side)
 *   wait.c    the one wait loop (single calls and fanouts)
 *   fanout.c  N calls with a bounded window, as one wait set
 *   node.c    where a remote call runs, and whether its node is still there
 *   exit.c    exit(): the app's exit status for `lucidity run`, a job's EEXIT reply
 *   pool.c    worker pools of local calls (the caller's side; serve.c runs the workers)
 * Code run by processes of the runtime's own, one file per role:
 *   serve.c      the job process (every generated entry)
 *   guard.c      the guard of a job process that spawned processes itself
 *   courier.c    per caller and node in use: the caller's distributed sends
 *   dispatcher.c per caller and node, on that node: runs the caller's jobs
 *   returner.c   per dispatcher: sends the results back to the caller
 */
#ifndef LUCIDITY_INTERNAL_H
#define LUCIDITY_INTERNAL_H

#include <stdbool.h>
#include "lucidity.h"

#ifdef __wasm__
#define LUC_EXPORT(name) __attribute__((export_name(name)))
#else
#define LUC_EXPORT(name)
#endif
#define LUC_CHECK __attribute__((warn_unused_result))

/* Resolved built-in defaults (see lucidity.h). */
#define LUC_DEFAULT_MEMORY (100u * 1024u * 1024u)
#define LUC_DEFAULT_CONCURRENCY 64u
#define LUC_DEFAULT_LIVENESS_MS 100u
/* A node (or, on the remote side, the caller's courier) that stays silent for
   LUC_LOST_INTERVALS liveness intervals, and at least LUC_LOST_MIN_MS, is lost. */
#define LUC_LOST_INTERVALS 5u
#define LUC_LOST_MIN_MS 1000u

/* Marks a handle lucidity_start has filled (lucidity_handle.check). */
#define LUC_HANDLE_CHECK 0x6c7563696448616eu

/* opts.c: job defaults <- call overrides <- built-in defaults; every field set. */
void luc_opts_resolve(lucidity_opts *out, const lucidity_job *job, const lucidity_opts *call);

/* What a caller of many calls (a fanout) knows of its nodes: how many of its
   calls are in flight on one. The balanced scheme picks the least loaded. */
typedef struct luc_load {
    size_t (*on)(void *ctx, uint64_t node);
    void *ctx;
} luc_load;

/* msg.c: every message starts with this header (kind, then a status). */
typedef enum luc_kind {
    LUC_K_ARGS = 1, /* caller -> job: the encoded arguments */
    LUC_K_REPLY,    /* job -> caller: status; + result (OK) or i32 exit code (EEXIT) */
    LUC_K_ITEM,     /* caller -> courier: + luc_item_rec, entry, arguments (remote.h) */
    LUC_K_SPAWNED,  /* courier -> caller: + u64 dispatcher pid */
    LUC_K_LOST,     /* courier -> caller: the node is unreachable */
    LUC_K_CANCEL,   /* caller -> courier: + luc_item_rec naming the call's tag */
    LUC_K_PROBE,    /* caller -> courier: probe the node once */
    LUC_K_BEAT,     /* courier -> caller: the node answered a probe */
    LUC_K_ADOPT,    /* job -> its guard: + u64 pid of a process the job spawned */
    LUC_K_END,      /* job -> its guard: the job is done; end what it left running */
    LUC_K_BATCH,    /* courier -> dispatcher: records (none: a heartbeat) */
    LUC_K_RESULTS,  /* returner -> caller: luc_result_rec records */
    LUC_K_MARK,     /* a process to itself: its mailbox is read up to here */
    LUC_K_QUIT,     /* caller -> courier -> dispatcher: the caller is done */
} luc_kind;

/* A message encoded in memory, sent with one write (msg.c): the header, then
   the payload; on the stack up to LUC_MSG_STACK payload bytes, else malloc'd. */
#define LUC_HEAD_SIZE 8
#define LUC_MSG_STACK 2048
typedef struct luc_msg_buf {
    uint8_t *data; /* stack or heap */
    size_t len;    /* header included */
    uint8_t stack[LUC_HEAD_SIZE + LUC_MSG_STACK];
} luc_msg_buf;
/* EENCODE (not encodable) or ENOMEM; on success free it with luc_msg_buf_free. */
LUC_CHECK int luc_msg_encode(luc_msg_buf *b, luc_kind kind, int32_t status,
                             const pb_msgdesc_t *fields, const void *src);
/* Makes b the outgoing message under tag (one create_data, one write_data). */
LUC_CHECK int luc_msg_put(const luc_msg_buf *b, int64_t tag);
void luc_msg_buf_free(luc_msg_buf *b);
LUC_CHECK int luc_msg_begin(int64_t tag, luc_kind kind, int32_t status, size_t payload);
LUC_CHECK int luc_msg_append(const void *data, size_t len);
LUC_CHECK int luc_msg_write(int64_t tag, luc_kind kind, int32_t status,
                            const pb_msgdesc_t *fields, const void *src);
/* What the readers below read: a message in our memory (until the next
   receive or luc_msg_read_buffer), or lunatic's message buffer (default). */
void luc_msg_read_memory(const uint8_t *data, size_t len);
void luc_msg_read_buffer(void);
LUC_CHECK int luc_msg_head(luc_kind *kind, int32_t *status);
LUC_CHECK int luc_msg_take(void *dst, size_t len);
LUC_CHECK int luc_msg_take_i32(int32_t *v);
LUC_CHECK int luc_msg_read(const pb_msgdesc_t *fields, void *dst);
LUC_CHECK int luc_msg_read_args(const pb_msgdesc_t *fields, void *dst);
LUC_CHECK int luc_send(uint64_t pid);
/* A copy of the received message (tag and bytes, header included), to send on
   later as a message of its own (luc_msg_rebuild) after other host calls. */
LUC_CHECK int luc_msg_save(int64_t *tag, uint8_t **data, size_t *len);
LUC_CHECK int luc_msg_rebuild(int64_t tag, const uint8_t *data, size_t len);
/* A header-only message to pid. */
LUC_CHECK int luc_tell(uint64_t pid, int64_t tag, luc_kind kind, int32_t status);
/* pb_alloc.c: luc_pb_alloc_failed(clear) */
#include "pb_alloc.h"

/* proc.c */
int64_t luc_new_tag(void);
void luc_tag_reserve(int64_t tag); /* luc_new_tag never returns it */
uint64_t luc_now_ms(void);
uint64_t luc_add_sat(uint64_t a, uint64_t b);
uint64_t luc_lost_after(uint64_t liveness_ms);
int64_t luc_config(uint64_t memory, uint64_t fuel);
/* Spawns entry with i64 params, linked with link tag `link` (0: unlinked). In a
   job process the child is also handed to the job's guard (guard.c). */
LUC_CHECK int luc_spawn(int64_t link, int64_t config, const char *entry, const uint64_t *params,
                        int n, uint64_t *pid);
LUC_CHECK int luc_spawn_unguarded(int64_t link, int64_t config, const char *entry,
                                  const uint64_t *params, int n, uint64_t *pid);
/* Caller node of a job spawned by a dispatcher (dispatcher.c): reply to it
   locally, and hand it the processes the job spawns (it is the job's guard). */
#define LUC_DISPATCH_NODE (UINT64_MAX - 1)
LUC_CHECK int luc_spawn_job_as(const char *entry, uint64_t memory, uint64_t fuel, int64_t tag,
                               uint64_t caller_node, uint64_t *pid);
LUC_CHECK int luc_spawn_job(const char *entry, uint64_t memory, uint64_t fuel, int64_t tag,
                            uint64_t *pid);
void luc_stop(uint64_t pid, int64_t tag);
void luc_drain(int64_t tag);

/* call.c: the call state machine. A call is driven by two events, a message
   under its tag and a wake-up at luc_call_wake_ms(); each returns the final
   status or LUCIDITY_PENDING. */
enum { LUC_IDLE = 0, LUC_RUNNING, LUC_DONE };
int luc_call_begin(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *resolved, const luc_load *load);
int luc_call_on_message(lucidity_handle *h, uint32_t received, void *out);
int luc_call_on_wake(lucidity_handle *h);

/* A transport carries a call (local.c, remote.c). It reports what happened
   and never calls back into the call core: on_message and on_wake return
   LUCIDITY_PENDING, a final status, or LUC_T_REPLY (a REPLY is in the message
   buffer, its header read, the job's status in *job_status). */
#define LUC_T_REPLY 0x7fff0001
typedef struct luc_transport {
    int (*begin)(lucidity_handle *h, const void *args); /* h->tag, opts set */
    int (*on_message)(lucidity_handle *h, uint32_t received, int32_t *job_status);
    uint64_t (*wake_ms)(const lucidity_handle *h);      /* 0: no wake-up of its own */
    int64_t (*watch_tag)(const lucidity_handle *h);     /* one more tag to receive on, or 0 */
    int (*on_wake)(lucidity_handle *h);
    void (*abandon)(lucidity_handle *h);                /* timeout, cancel: stop the job */
    void (*end)(lucidity_handle *h, int rc);            /* the call is over with rc */
    /* The place a call runs at and the place's own liveness, shared by every
       call there, so a fanout watches each place once instead of once per
       call. place() is 0 for a call whose transport has no such place (local
       calls); the other members are then unused and may be NULL. */
    uint64_t (*place)(const lucidity_handle *h);
    int64_t (*place_tag)(uint64_t place);              /* a tag to receive on for it */
    uint64_t (*place_wake_ms)(uint64_t place, uint64_t liveness_ms); /* 0: none */
    void (*place_tick)(uint64_t place, uint64_t liveness_ms);      /* its wake-up passed */
    bool (*place_lost)(uint64_t place);    /* its calls must be re-dispatched or fail */
    /* A received message under some place's tag: true when it was one (and is
       consumed; it counts as a wake-up of the waiters). */
    bool (*place_message)(int64_t tag, uint32_t received);
    /* After place_message: the next call reply it carried (a batch of
       results), made the message the luc_msg readers read, as if received
       under *tag; false when none is left. A reply not taken before the next
       batch goes to this process's mailbox instead: none is lost. May be NULL. */
    bool (*place_next)(int64_t *tag);
    /* Sends the reply place_next just handed out to this process's mailbox. */
    void (*place_defer)(void);
} luc_transport;
extern const luc_transport luc_local_transport, luc_remote_transport;
/* Every transport, NULL-terminated (wait.c offers each received message to
   their places first). */
extern const luc_transport *const luc_transports[];
/* The transport carrying a started call. */
const luc_transport *luc_transport_of(const lucidity_handle *h);

/* wait.c: the one wait loop. A wait set names what to receive on and when to
   wake; the loop receives, lets the transports' places take their own
   messages (a node's liveness answers), and hands every other message and
   every wake-up to the set, until it is done or the
   give-up time (0: none) passes. */
typedef struct luc_wait_set {
    void *ctx;
    size_t (*tags)(void *ctx, const int64_t **tags); /* the tags to receive on */
    uint64_t (*wake_ms)(void *ctx);                  /* next wake-up; 0: none */
    void (*on_message)(void *ctx, uint32_t received, int64_t tag);
    void (*on_wake)(void *ctx);
    bool (*done)(void *ctx);
    bool (*wants)(void *ctx, int64_t tag); /* a message under tag is ours; NULL: one of tags() */
} luc_wait_set;
void luc_wait(const luc_wait_set *ws, uint64_t give_up);

/* exit.c: this process is not the app's main process: never report an exit. */
void luc_exit_silence(void);
/* serve.c: exit() was called; a job process replies EEXIT with the code. */
void luc_serve_exit(int code);

/* guard.c: a job process (parent = the local process that spawned it) gets a
   guard at its first spawn; every process it spawns is handed to the guard,
   which kills them all when the job dies or ends, or when its parent dies. */
void luc_guard_set_parent(uint64_t parent);
/* The job's parent guards it (a dispatcher): hand-offs go to pid under tag. */
void luc_guard_use(uint64_t pid, int64_t tag);
LUC_CHECK int luc_guard_ready(void);
LUC_CHECK int luc_guard_adopt(uint64_t pid);
void luc_guard_end(void);

/* pool.c: a pooled local call takes an idle worker, or spawns one while the
   pool has room: h->pid, h->tag (= the worker's link tag), pool_id, worker_id
   set. LUCIDITY_PENDING: the pool is full and busy (run a fresh process). */
#define LUC_POOL_NODE UINT64_MAX /* caller node of a worker's spawn: serve in a loop */
LUC_CHECK int luc_pool_acquire(lucidity_handle *h);
/* The call is over: keep the worker for the next call, or end it. */
void luc_pool_release(lucidity_handle *h, bool keep);

/* node.c: where to run; LUCIDITY_OK and *node (0 = here), or ENONODE. load
   may be NULL (a single call). */
int luc_pick_node(const lucidity_opts *o, lucidity_where where, const luc_load *load,
                  uint64_t *node);
/* node.c: how many nodes a remote call could go to now (not this one, not lost). */
size_t luc_node_count(void);
/* node.c: liveness of the nodes in use (see the comment at the top of node.c) */
void luc_node_lost(uint64_t node);
bool luc_node_is_lost(uint64_t node);
int64_t luc_node_tag(uint64_t node);
uint64_t luc_node_wake_ms(uint64_t node, uint64_t liveness_ms);
void luc_node_tick(uint64_t node, uint64_t liveness_ms);
bool luc_node_on_message(int64_t tag, uint32_t received);
/* The replies of the last batch, one by one (luc_transport place_next, place_defer). */
bool luc_node_next_result(int64_t *tag);
void luc_node_defer_result(void);
/* node.c: the node's courier (spawned on first use; ESPAWN when it cannot be). */
LUC_CHECK int luc_node_courier(uint64_t node, uint64_t liveness_ms, uint64_t *pid);
/* The dispatcher on the node, once the courier reported it (0: not yet). */
uint64_t luc_node_dispatcher(uint64_t node);
/* Results under tag are delivered (to this process, under tag) only while tracked. */
void luc_node_track(uint64_t node, int64_t tag);
void luc_node_untrack(uint64_t node, int64_t tag);
/* Asks the node's dispatcher to kill the job of call tag `tag`. */
void luc_node_cancel(uint64_t node, int64_t tag);
/* This process is done with remote calls: couriers tell their dispatchers. */
void luc_nodes_close(void);

#endif
