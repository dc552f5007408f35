/*
 * fake_host.h - test control of the fake lunatic host (fake_host.c).
 *
 * The runtime, built with -DLUCIDITY_FAKE_HOST, calls the lh_* functions of
 * runtime/src/host.h; fake_host.c defines them as plain C over a model of
 * lunatic: processes with a mailbox and a scratch buffer each, tagged
 * receive, links, kill, configs, and a simulated clock.
 *
 * The process under test is the "caller" (pid 1). Jobs it spawns do nothing
 * by themselves: when a job receives its arguments, the test's script
 * (fake_set_script) writes its plan - run the real lucidity_serve on the
 * arguments, reply with raw bytes, die, or stay silent - and after how many
 * simulated milliseconds. Planned events run only while a process blocks in
 * receive, earliest first, so time and the order of replies are the test's.
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lucidity.h>

#define FAKE_CALLER_PID 1u
#define FAKE_CLOCK_START_MS 1000u /* not 0: a deadline of 0 means "none" */

typedef enum fake_action {
    FAKE_SILENT = 0, /* never answers (until killed) */
    FAKE_SERVE,      /* runs lucidity_serve(plan.job) in the job's context: a real reply */
    FAKE_REPLY_RAW,  /* sends plan.raw as the whole reply message (status + payload) */
    FAKE_DIE,        /* traps: LinkDied with the link tag to a linked parent */
    FAKE_HOOK,       /* every message it gets goes to the send hook (fake_set_send_hook) */
} fake_action;

typedef struct fake_plan {
    fake_action action;
    uint64_t delay_ms;        /* after the arguments arrive */
    const lucidity_job *job;  /* FAKE_SERVE */
    const uint8_t *raw;       /* FAKE_REPLY_RAW; must outlive the event */
    size_t raw_len;
    bool reply_on_kill;       /* the planned event races in just as the job is killed */
    bool stay;                /* FAKE_REPLY_RAW: keeps running after sending (a helper) */
} fake_plan;

typedef struct fake_msg {
    int64_t tag;
    uint32_t kind; /* LH_RECV_DATA or LH_RECV_LINK_DIED */
    uint8_t *data;
    size_t len;
} fake_msg;

typedef struct fake_proc {
    uint64_t pid, parent;
    size_t index;           /* spawn ordinal (failed spawns count too) */
    char entry[64];
    uint64_t params[4];     /* decoded i64 spawn params (jobs: caller node, caller pid, tag) */
    size_t nparams;
    uint64_t link_tag;      /* 0 once unlinked or when spawned unlinked */
    uint64_t node;          /* distributed spawn target, 0 for a local spawn */
    uint64_t memory, fuel;  /* from the config it was spawned with */
    uint32_t can_spawn, can_create_configs;
    bool alive, killed, died, killed_while_linked;
    bool survives_links;    /* die_when_link_dies(0) was called */
    fake_msg args;          /* first message it received (its arguments) */
    bool has_args, scheduled;
    fake_plan plan;
    uint64_t due_ms;
    size_t sends_received;  /* messages sent to it */
    /* mailbox and scratch buffer */
    fake_msg *box;
    size_t box_len, box_cap;
    fake_msg scratch;
    size_t scratch_pos;
} fake_proc;

/* Decides what job does with its arguments (job->args); plan starts as FAKE_SILENT. */
typedef void (*fake_script_fn)(const fake_proc *job, fake_plan *plan, void *user);

void fake_reset(void);
void fake_set_script(fake_script_fn fn, void *user);
/* Called on what would hang or kill the caller in lunatic; default prints and aborts. */
void fake_set_fatal(void (*fn)(const char *why));
void fake_fail_spawn(size_t index);
void fake_fail_spawns_from(size_t index); /* this spawn and every later one fails */
void fake_fail_create_config(bool fail);
/* The text lunatic gives for a failed spawn (default "fake spawn error"). */
void fake_set_spawn_error(const char *text);

/* Called after every send (local or distributed) with the receiver and the
   message it got: a test plays long-lived processes (FAKE_HOOK) with it, or
   watches what reaches the process under test. */
typedef void (*fake_send_hook_fn)(const fake_proc *to, const fake_msg *m, void *user);
void fake_set_send_hook(fake_send_hook_fn fn, void *user);

/* Makes this "VM" a cluster node: node_id() = self, get_nodes() = self + others. */
void fake_set_nodes(uint64_t self, const uint64_t *others, size_t n);
/* Delivers raw bytes as a message under tag to pid at due_ms (a late reply of a
   node that was taken for lost, say). */
void fake_inject(uint64_t due_ms, uint64_t pid, int64_t tag, const uint8_t *raw, size_t len);

uint64_t fake_now(void);
const fake_proc *fake_caller(void);
const fake_proc *fake_job(size_t index); /* NULL for failed or unknown spawns */
const fake_proc *fake_proc_by_pid(uint64_t pid);
size_t fake_spawn_count(void);     /* spawn attempts */
size_t fake_alive_jobs(void);
size_t fake_max_alive_jobs(void);  /* most jobs alive at once since reset */
size_t fake_receive_count(void);   /* receives by the caller */
size_t fake_write_count(void);     /* write_data calls since reset (any process) */
size_t fake_read_count(void);      /* read_data calls since reset (any process) */
uint64_t fake_last_receive_timeout(void);
uint32_t fake_last_receive_tag_count(void);
size_t fake_live_configs(void);    /* created and not dropped */
size_t fake_live_errors(void);     /* spawn error ids not dropped */

#endif
