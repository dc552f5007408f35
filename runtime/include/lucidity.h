/*
 * lucidity.h - the lucidity runtime: run jobs in lunatic processes, locally or
 * on other nodes, blocking, asynchronously or fanned out.
 *
 * Most programs never call this API directly: `jobc` turns a .job file into
 * typed stubs (square_local, square_remote_async, ...) that call it. The
 * generated code fills a lucidity_job descriptor per job; the runtime does the
 * rest (configs, spawn, tagged messages, links, node choice, liveness).
 *
 * Ownership rules (as in nanopb's pb_encode.h, numbered):
 *  1. Argument structs are only read; the caller keeps ownership.
 *  2. Results are written into caller-provided storage. Strings, bytes and
 *     arrays inside a result are malloc'd by the runtime (nanopb with
 *     PB_ENABLE_MALLOC) and become the caller's: release them with the
 *     generated <type>_free() / <job>_result_free(), or pb_release().
 *  3. A handle owns nothing the caller must free once it has been awaited,
 *     cancelled or has reported a final status through try_get.
 *  4. On any status other than LUCIDITY_OK the result storage is left zeroed.
 */
#ifndef LUCIDITY_H
#define LUCIDITY_H

#include <stddef.h>
#include <stdint.h>

#include <pb.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LUCIDITY_VERSION_MAJOR 0
#define LUCIDITY_VERSION_MINOR 1
/* Generated code checks this; bump it whenever lucidity_job changes shape. */
#define LUCIDITY_ABI_VERSION 3

/*
 * Status codes: 0 is success, LUCIDITY_PENDING (positive) means "not yet",
 * every failure is negative. X-macro: name, value, message.
 */
#define LUCIDITY_STATUS_MAP(X)                                                                 \
    X(OK, 0, "success")                                                                        \
    X(PENDING, 1, "the job has not finished yet")                                              \
    X(ETIMEOUT, -1, "the job did not finish within its timeout and was killed")                \
    X(ETRAP, -2, "the job process died without a result (trap, abort, kill, or out of fuel)")  \
    X(ENOMEM, -3, "the job could not allocate within its memory limit")                        \
    X(ENODELOST, -4, "the node running the job was lost")                                      \
    X(EDECODE, -5, "the job's arguments or result failed to decode")                           \
    X(EENCODE, -6, "the job's arguments or result failed to encode")                           \
    X(ECANCELLED, -7, "the call was cancelled")                                                \
    X(ESPAWN, -8, "the job process could not be spawned")                                      \
    X(ENONODE, -9, "no other node is available and the job's remote_fallback is error")        \
    X(EINVAL, -10, "invalid argument")                                                         \
    X(EFAILED, -11, "one or more fanout items failed: see the per-item statuses")              \
    X(ESTATE, -12, "the handle is not waiting for a result (already taken, or never started)") \
    X(EEXIT, -13, "the job called exit() before it replied (the code is in the handle's exit_code)") \
    X(ENOFUEL, -14, "the job has a fuel limit but its node runs without fuel metering (--no-fuel)")

typedef enum lucidity_status {
#define LUCIDITY__ENUM(name, value, msg) LUCIDITY_##name = value,
    LUCIDITY_STATUS_MAP(LUCIDITY__ENUM)
#undef LUCIDITY__ENUM
} lucidity_status;

/* A readable message for a status code ("unknown status" for others). */
const char *lucidity_strerror(int status);
/* The code's name, e.g. "LUCIDITY_ETIMEOUT". */
const char *lucidity_err_name(int status);

/* Special option values. 0 in a lucidity_opts field means "use the job's default". */
#define LUCIDITY_NONE UINT64_MAX /* explicitly unlimited / no timeout */

typedef enum lucidity_fanout_scheme {
    LUCIDITY_FANOUT_DEFAULT = 0, /* the job's default (roundrobin unless the .job says) */
    LUCIDITY_FANOUT_ROUNDROBIN,
    LUCIDITY_FANOUT_RANDOM,
    /* a fanout's next item goes to the node with the fewest of its items in flight
       (ties: round robin), so a node that finishes early gets more; a single call
       goes round robin */
    LUCIDITY_FANOUT_BALANCED,
} lucidity_fanout_scheme;

typedef enum lucidity_remote_fallback {
    LUCIDITY_FALLBACK_DEFAULT = 0, /* the job's default (local unless the .job says) */
    LUCIDITY_FALLBACK_LOCAL,       /* no other node: run the job locally */
    LUCIDITY_FALLBACK_ERROR,       /* no other node: LUCIDITY_ENONODE */
} lucidity_remote_fallback;

/*
 * Options. A .job file's options become the job's defaults (lucidity_job.defaults);
 * a call may pass its own lucidity_opts, whose non-zero fields override them.
 * Built-in defaults where neither says: memory 100 MiB, fuel unlimited, no
 * timeout, retries 0, concurrency 64, no pool, liveness 100 ms, roundrobin, local fallback.
 */
typedef struct lucidity_opts {
    uint64_t memory;      /* bytes of linear memory for the job process */
    uint64_t fuel;        /* units of 100,000 wasm instructions; LUCIDITY_NONE = unlimited */
    uint64_t timeout_ms;  /* per job; LUCIDITY_NONE = no timeout */
    uint32_t retries;     /* re-dispatches of a remote item whose node is lost */
    uint32_t concurrency; /* fanout: max items in flight */
    /* Local calls are served by up to `pool` long-lived worker processes of this
       caller (0: a fresh process per call). A worker keeps its state between
       calls; memory is per worker; a finite fuel with a pool is LUCIDITY_EINVAL.
       See docs/runtime.md, "Worker pools". */
    uint32_t pool;
    uint64_t liveness_ms; /* period at which a waiting call re-checks what it waits on */
    lucidity_fanout_scheme fanout;
    lucidity_remote_fallback remote_fallback;
    /* The seed's option names, kept for compatibility: each sets the period of
       the liveness check of one phase (init: also the spawn retry period). */
    uint64_t init_retry_interval_ms;
    uint64_t sync_retry_interval_ms;
    uint64_t async_init_retry_interval_ms;
    uint64_t async_get_retry_interval_ms;
    uint64_t async_set_retry_interval_ms;
    uint64_t shutdown_retry_interval_ms;
} lucidity_opts;

/*
 * What jobc generates for each job. The runtime encodes `args` with
 * args_fields, spawns `entry` (an exported function generated in the same
 * module), and decodes the reply into a result struct described by
 * result_fields; `unpack` then moves that result into the caller's output.
 */
typedef struct lucidity_job {
    uint32_t abi_version;            /* LUCIDITY_ABI_VERSION */
    const char *name;                /* qualified job name, e.g. "geometry.square" */
    const char *entry;               /* export name of the process entry */
    const pb_msgdesc_t *args_fields; /* nanopb descriptor of <job>_args */
    size_t args_size;                /* sizeof(<job>_args) */
    const pb_msgdesc_t *result_fields; /* nanopb descriptor of <job>_result */
    size_t result_size;              /* sizeof(<job>_result) */
    size_t out_size;                 /* size of one caller-side output value (0: no result) */
    /* Calls the user's implementation: reads *args, fills *result. Runs in the job process. */
    void (*invoke)(const void *args, void *result);
    /* Moves a decoded result into the caller's output value (may be NULL when out_size is 0). */
    void (*unpack)(void *out, void *result);
    lucidity_opts defaults;          /* from the .job file's options */
} lucidity_job;

typedef enum lucidity_where {
    LUCIDITY_LOCAL = 0, /* a new process on this node */
    LUCIDITY_REMOTE = 1 /* a new process on another node (see remote_fallback) */
} lucidity_where;

/*
 * One call. Fields are private unless marked read-only.
 * Rule: a handle given to try_get, await, await_timeout or cancel is either
 * zero-initialised (LUCIDITY_ESTATE: nothing started) or was passed to
 * lucidity_start (whatever it returned); anything else (an uninitialised
 * handle) is LUCIDITY_EINVAL, never a trap. Do not copy a running handle.
 */
typedef struct lucidity_handle {
    uint64_t check;       /* marks a started handle */
    const lucidity_job *job;
    const void *transport; /* local or remote */
    uint64_t pid;         /* read-only: the job process (pooled: its worker); remote: the courier */
    uint64_t node;        /* read-only: node the job runs on (0: this node) */
    int64_t tag;          /* reply tag of this call (of its current dispatch, if remote) */
    int64_t link_tag;     /* link tag of the local process we watch */
    uint64_t deadline_ms; /* absolute, from the call's timeout; 0: none */
    int state;
    int status;           /* final status once known */
    int exit_code;        /* read-only: the job's exit() code when the status is LUCIDITY_EEXIT */
    lucidity_opts opts;   /* resolved options of this call */
    uint32_t pool_id;     /* pooled local call: its pool and worker (1-based; 0: not pooled) */
    uint32_t worker_id;
    /* remote calls only */
    uint64_t remote_pid;  /* the caller's dispatcher on `node` (0: not known at dispatch) */
    uint32_t tries;       /* dispatches so far */
    uint8_t *args_buf;    /* encoded arguments, kept for re-dispatch */
    size_t args_len;
    int64_t *stale;       /* reply tags of earlier dispatches: never a result, drained at the end */
    uint32_t nstale;
} lucidity_handle;

/* Blocking call: runs the job and writes its output to *out. */
int lucidity_call(const lucidity_job *job, lucidity_where where, const void *args, void *out,
                  const lucidity_opts *opts);

/* Starts the job and returns at once; the result is taken from the handle. */
int lucidity_start(const lucidity_job *job, lucidity_where where, const void *args,
                   lucidity_handle *h, const lucidity_opts *opts);
/* LUCIDITY_PENDING while running (never blocks); otherwise the final status, output in *out. */
int lucidity_try_get(lucidity_handle *h, void *out);
/* Blocks (without polling) until the job finishes or its timeout passes. */
int lucidity_await(lucidity_handle *h, void *out);
/* As lucidity_await, but gives up after ms with LUCIDITY_ETIMEOUT; the job keeps running
   and may be awaited again. */
int lucidity_await_timeout(lucidity_handle *h, uint64_t ms, void *out);
/* Kills the job process and everything it started; a later await reports
   LUCIDITY_ECANCELLED. */
int lucidity_cancel(lucidity_handle *h);

/* Per-item progress callback for fanouts: called as each item completes. */
typedef void (*lucidity_progress_fn)(size_t done, size_t total, size_t index, int status,
                                     uint64_t node, void *user);

typedef struct lucidity_fanout_opts {
    lucidity_opts opts;
    lucidity_progress_fn progress; /* may be NULL */
    void *progress_user;
    uint64_t *nodes;               /* optional: per item, the node that ran it (0: this node) */
} lucidity_fanout_opts;

/*
 * Runs n jobs: item i reads args at (char *)args + i * job->args_size and writes its output at
 * (char *)outs + i * job->out_size and its status at statuses[i]. Results in input order.
 * Returns LUCIDITY_OK when every item succeeded, LUCIDITY_EFAILED when some failed (see
 * statuses), another negative status when the fanout could not run at all.
 */
int lucidity_fanout(const lucidity_job *job, lucidity_where where, const void *args, size_t n,
                    void *outs, int *statuses, const lucidity_fanout_opts *fopts);

/* The body of every generated process entry: receive arguments, invoke, reply. */
void lucidity_serve(const lucidity_job *job, uint64_t caller_node, uint64_t caller_pid,
                    int64_t tag);

/* Ends this process's pool workers of `job` (NULL: of every job) and forgets
   them; a later pooled call starts new ones. Calls still running on them end
   with LUCIDITY_ETRAP. Pools also end when this process ends (its entry or
   main returns) or dies (the workers are linked to it). */
void lucidity_pool_close(const lucidity_job *job);

/* This process's node id (0 when not running as a distributed node). */
uint64_t lucidity_node_id(void);

#ifdef __cplusplus
}
#endif

#endif
