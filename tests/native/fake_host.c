/*
 * fake_host.c - the lh_* host functions of runtime/src/host.h as plain C, over
 * a model of lunatic 0.13.2 (see fake_host.h and /work/shared/lunatic.md).
 *
 * The model keeps lunatic's rules the runtime relies on: receive takes the
 * first message whose tag is listed (0 tags = any) and replaces the scratch
 * buffer with it; a linked job that dies or is killed sends LinkDied with the
 * link tag, a normal exit sends nothing; sends to dead pids are dropped.
 * Global state is fine here: a test binary is one lunatic "VM".
 */
#include "fake_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define FAKE_MAX_FAIL 64
#define FAKE_MAX_NODES 16
#define FAKE_MAX_INJECT 4096 /* e.g. a long job's heartbeats, one per interval */
#define FAKE_FIRST_JOB_PID 1000u
#define FAKE_FOREVER UINT64_MAX

typedef struct fake_config {
    uint64_t memory, fuel;
    uint32_t can_spawn, can_create_configs;
    bool live;
} fake_config;

static struct {
    fake_proc caller;
    fake_proc **jobs; /* by spawn index; NULL for a failed spawn */
    size_t njobs, cap;
    fake_proc *current; /* whose host calls these are */
    fake_config *configs;
    size_t nconfigs, live_errors, next_error;
    const char *error_text; /* of failed spawns; NULL: fk_error_text */
    size_t fail[FAKE_MAX_FAIL], nfail, fail_from;
    bool fail_config;
    uint64_t now;
    size_t alive, max_alive, receives;
    size_t writes, reads; /* write_data / read_data calls, by anyone */
    uint64_t last_timeout;
    uint64_t spin_at;  /* clock of the caller's last zero-timeout receive */
    size_t spin_count; /* zero-timeout receives in a row at that clock */
    uint32_t last_tag_count;
    fake_script_fn script;
    void *script_user;
    fake_send_hook_fn hook;
    void *hook_user;
    uint64_t self_node, nodes[FAKE_MAX_NODES];
    size_t nnodes;
    struct fake_injection {
        uint64_t due_ms, pid;
        fake_msg msg;
    } inject[FAKE_MAX_INJECT];
    size_t ninject;
} fk;

static bool fk_caller_survives; /* the runtime sets it once per process: keep it over resets */

static void fk_abort(const char *why)
{
    fprintf(stderr, "fake host: %s\n", why);
    abort();
}
static void (*fk_fatal)(const char *why) = fk_abort;

/* ---- messages ---- */

static fake_msg fk_msg_copy(int64_t tag, uint32_t kind, const uint8_t *data, size_t len)
{
    fake_msg m = {tag, kind, len ? malloc(len) : NULL, len};
    if (len)
        memcpy(m.data, data, len);
    return m;
}

static void fk_deliver(fake_proc *to, fake_msg m)
{
    if (m.kind == LH_RECV_LINK_DIED && to == &fk.caller && !fk_caller_survives)
        fk_fatal("LinkDied reached a caller that never called die_when_link_dies(0)");
    if (to->box_len == to->box_cap) {
        to->box_cap = to->box_cap ? 2 * to->box_cap : 8;
        to->box = realloc(to->box, to->box_cap * sizeof *to->box);
    }
    to->box[to->box_len++] = m;
    to->sends_received++;
}

static void fk_free_proc(fake_proc *p)
{
    for (size_t i = 0; i < p->box_len; i++)
        free(p->box[i].data);
    free(p->box);
    free(p->scratch.data);
    free(p->args.data);
}

/* ---- processes ---- */

static fake_proc *fk_proc(uint64_t pid)
{
    if (pid == FAKE_CALLER_PID)
        return &fk.caller;
    if (pid < FAKE_FIRST_JOB_PID || pid - FAKE_FIRST_JOB_PID >= fk.njobs)
        return NULL;
    return fk.jobs[pid - FAKE_FIRST_JOB_PID];
}

static void fk_exit(fake_proc *p)
{
    if (p->alive)
        fk.alive--;
    p->alive = false;
    p->scheduled = false;
}

/* Abnormal end: a linked parent hears of it under the link tag. */
static void fk_die(fake_proc *p)
{
    fk_exit(p);
    p->died = true;
    fake_proc *parent = fk_proc(p->parent);
    if (p->link_tag && parent)
        fk_deliver(parent, fk_msg_copy((int64_t)p->link_tag, LH_RECV_LINK_DIED, NULL, 0));
}

/* Runs a job's planned event in its own context, as its process would. */
static void fk_run(fake_proc *p)
{
    p->scheduled = false;
    fake_proc *caller = fk_proc(p->params[1]);
    switch (p->plan.action) {
    case FAKE_SERVE: {
        fake_proc *saved = fk.current;
        fk.current = p;
        lucidity_serve(p->plan.job, p->params[0], p->params[1], (int64_t)p->params[2]);
        fk.current = saved;
        fk_exit(p);
        break;
    }
    case FAKE_REPLY_RAW:
        if (caller && caller->alive)
            fk_deliver(caller, fk_msg_copy((int64_t)p->params[2], LH_RECV_DATA, p->plan.raw,
                                           p->plan.raw_len));
        if (!p->plan.stay)
            fk_exit(p);
        break;
    case FAKE_DIE:
        fk_die(p);
        break;
    case FAKE_SILENT:
    case FAKE_HOOK:
        break;
    }
}

/* The next planned event due by `limit`, earliest first, ties in spawn order. */
static fake_proc *fk_next_event(uint64_t limit)
{
    fake_proc *best = NULL;
    for (size_t i = 0; i < fk.njobs; i++) {
        fake_proc *p = fk.jobs[i];
        if (p && p->alive && p->scheduled && p->due_ms <= limit &&
            (!best || p->due_ms < best->due_ms))
            best = p;
    }
    return best;
}

static long fk_find(const fake_proc *p, const int64_t *tags, uint32_t count)
{
    for (size_t i = 0; i < p->box_len; i++) {
        if (count == 0)
            return (long)i;
        for (uint32_t t = 0; t < count; t++)
            if (p->box[i].tag == tags[t])
                return (long)i;
    }
    return -1;
}

static void fk_take(fake_proc *p, size_t i)
{
    free(p->scratch.data);
    p->scratch = p->box[i];
    p->scratch_pos = 0;
    memmove(p->box + i, p->box + i + 1, (p->box_len - i - 1) * sizeof *p->box);
    p->box_len--;
}

/* A job got its arguments: the script plans what it does with them. */
static void fk_plan(fake_proc *p)
{
    fake_msg *m = &p->box[p->box_len - 1];
    p->args = fk_msg_copy(m->tag, m->kind, m->data, m->len);
    p->has_args = true;
    memset(&p->plan, 0, sizeof p->plan);
    if (fk.script)
        fk.script(p, &p->plan, fk.script_user);
    p->scheduled = p->plan.action != FAKE_SILENT && p->plan.action != FAKE_HOOK;
    p->due_ms = fk.now + p->plan.delay_ms;
}

static fake_proc *fk_new_job(uint64_t parent, uint64_t link, uint64_t node, int64_t config,
                             const char *fn, uint32_t fn_len, const uint8_t *params,
                             uint32_t params_len)
{
    fake_proc *p = calloc(1, sizeof *p);
    p->pid = FAKE_FIRST_JOB_PID + fk.njobs;
    p->parent = parent;
    p->index = fk.njobs;
    p->link_tag = link;
    p->node = node;
    memcpy(p->entry, fn, fn_len < sizeof p->entry - 1 ? fn_len : sizeof p->entry - 1);
    for (uint32_t off = 0; off + LH_PARAM_SIZE <= params_len && p->nparams < 4;
         off += LH_PARAM_SIZE) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--)
            v = v << 8 | params[off + 1 + (uint32_t)b];
        p->params[p->nparams++] = v;
    }
    if (config >= 0 && (size_t)config < fk.nconfigs) {
        const fake_config *c = &fk.configs[config];
        p->memory = c->memory, p->fuel = c->fuel;
        p->can_spawn = c->can_spawn, p->can_create_configs = c->can_create_configs;
    }
    p->alive = true;
    if (++fk.alive > fk.max_alive)
        fk.max_alive = fk.alive;
    return p;
}

static bool fk_spawn_fails(size_t index)
{
    if (fk.fail_from && index >= fk.fail_from)
        return true;
    for (size_t i = 0; i < fk.nfail; i++)
        if (fk.fail[i] == index)
            return true;
    return false;
}

/* Every spawn attempt takes a spawn index; a failed one records NULL. */
static uint32_t fk_spawn(uint64_t link, uint64_t node, int64_t config, const char *fn,
                         uint32_t fn_len, const uint8_t *params, uint32_t params_len,
                         uint64_t *id_out)
{
    if (fk.njobs == fk.cap) {
        fk.cap = fk.cap ? 2 * fk.cap : 16;
        fk.jobs = realloc(fk.jobs, fk.cap * sizeof *fk.jobs);
    }
    if (fk_spawn_fails(fk.njobs)) {
        fk.jobs[fk.njobs++] = NULL;
        fk.live_errors++;
        *id_out = ++fk.next_error;
        return 1;
    }
    fake_proc *p = fk_new_job(fk.current->pid, link, node, config, fn, fn_len, params, params_len);
    fk.jobs[fk.njobs++] = p;
    *id_out = p->pid;
    return 0;
}

static void fk_send(fake_proc *to)
{
    fake_proc *me = fk.current;
    if (!to || !to->alive)
        return; /* lunatic drops messages to dead or unknown pids */
    fk_deliver(to, fk_msg_copy(me->scratch.tag, LH_RECV_DATA, me->scratch.data, me->scratch.len));
    if (to != &fk.caller && !to->has_args)
        fk_plan(to);
    if (fk.hook)
        fk.hook(to, &to->box[to->box_len - 1], fk.hook_user);
}

/* The earliest injection due by limit (index), or -1. */
static long fk_next_injection(uint64_t limit)
{
    long best = -1;
    for (size_t i = 0; i < fk.ninject; i++)
        if (fk.inject[i].due_ms <= limit && (best < 0 || fk.inject[i].due_ms < fk.inject[best].due_ms))
            best = (long)i;
    return best;
}

static void fk_run_injection(size_t i)
{
    struct fake_injection in = fk.inject[i];
    /* keep the others in order: injections due at one time arrive as injected */
    memmove(fk.inject + i, fk.inject + i + 1, (--fk.ninject - i) * sizeof *fk.inject);
    fake_proc *to = fk_proc(in.pid);
    if (to && to->alive)
        fk_deliver(to, in.msg);
    else
        free(in.msg.data);
}

/* ---- test control ---- */

void fake_reset(void)
{
    for (size_t i = 0; i < fk.njobs; i++)
        if (fk.jobs[i]) {
            fk_free_proc(fk.jobs[i]);
            free(fk.jobs[i]);
        }
    fk_free_proc(&fk.caller);
    for (size_t i = 0; i < fk.ninject; i++)
        free(fk.inject[i].msg.data);
    free(fk.jobs);
    free(fk.configs);
    memset(&fk, 0, sizeof fk);
    fk.caller.pid = FAKE_CALLER_PID;
    fk.caller.alive = true;
    fk.current = &fk.caller;
    fk.now = FAKE_CLOCK_START_MS;
}

void fake_set_script(fake_script_fn fn, void *user)
{
    fk.script = fn;
    fk.script_user = user;
}

void fake_set_send_hook(fake_send_hook_fn fn, void *user)
{
    fk.hook = fn;
    fk.hook_user = user;
}

void fake_set_fatal(void (*fn)(const char *why)) { fk_fatal = fn ? fn : fk_abort; }

void fake_fail_spawn(size_t index)
{
    if (fk.nfail < FAKE_MAX_FAIL)
        fk.fail[fk.nfail++] = index;
}

void fake_fail_create_config(bool fail) { fk.fail_config = fail; }
void fake_set_spawn_error(const char *text) { fk.error_text = text; }
void fake_fail_spawns_from(size_t index) { fk.fail_from = index ? index : 1; }

void fake_set_nodes(uint64_t self, const uint64_t *others, size_t n)
{
    fk.self_node = self;
    fk.nnodes = 0;
    if (self)
        fk.nodes[fk.nnodes++] = self;
    for (size_t i = 0; i < n && fk.nnodes < FAKE_MAX_NODES; i++)
        fk.nodes[fk.nnodes++] = others[i];
}

void fake_inject(uint64_t due_ms, uint64_t pid, int64_t tag, const uint8_t *raw, size_t len)
{
    if (fk.ninject == FAKE_MAX_INJECT) {
        fk_fatal("too many injections");
        return;
    }
    fk.inject[fk.ninject++] = (struct fake_injection){due_ms, pid,
                                                      fk_msg_copy(tag, LH_RECV_DATA, raw, len)};
}
uint64_t fake_now(void) { return fk.now; }
const fake_proc *fake_caller(void) { return &fk.caller; }
const fake_proc *fake_job(size_t index) { return index < fk.njobs ? fk.jobs[index] : NULL; }
const fake_proc *fake_proc_by_pid(uint64_t pid) { return fk_proc(pid); }
size_t fake_spawn_count(void) { return fk.njobs; }
size_t fake_alive_jobs(void) { return fk.alive; }
size_t fake_max_alive_jobs(void) { return fk.max_alive; }
size_t fake_receive_count(void) { return fk.receives; }
size_t fake_write_count(void) { return fk.writes; }
size_t fake_read_count(void) { return fk.reads; }
uint64_t fake_last_receive_timeout(void) { return fk.last_timeout; }
uint32_t fake_last_receive_tag_count(void) { return fk.last_tag_count; }
size_t fake_live_errors(void) { return fk.live_errors; }

size_t fake_live_configs(void)
{
    size_t n = 0;
    for (size_t i = 0; i < fk.nconfigs; i++)
        n += fk.configs[i].live;
    return n;
}

/* ---- lunatic::process ---- */

uint64_t lh_process_id(void) { return fk.current->pid; }
uint64_t lh_clock_ms(void) { return fk.now; }
void lh_sleep_ms(uint64_t ms) { fk.now += ms; }

int64_t lh_create_config(void)
{
    if (fk.fail_config)
        return -1;
    fk.configs = realloc(fk.configs, (fk.nconfigs + 1) * sizeof *fk.configs);
    fk.configs[fk.nconfigs] = (fake_config){.live = true};
    return (int64_t)fk.nconfigs++;
}

static fake_config *fk_config(uint64_t id)
{
    if (id >= fk.nconfigs || !fk.configs[id].live) {
        fk_fatal("use of an unknown or dropped config");
        return NULL;
    }
    return &fk.configs[id];
}

void lh_drop_config(uint64_t config)
{
    fake_config *c = fk_config(config);
    if (c)
        c->live = false;
}

void lh_config_set_max_memory(uint64_t config, uint64_t bytes)
{
    fake_config *c = fk_config(config);
    if (c)
        c->memory = bytes;
}

void lh_config_set_max_fuel(uint64_t config, uint64_t units)
{
    fake_config *c = fk_config(config);
    if (c)
        c->fuel = units;
}

void lh_config_set_can_spawn_processes(uint64_t config, uint32_t can)
{
    fake_config *c = fk_config(config);
    if (c)
        c->can_spawn = can;
}

void lh_config_set_can_create_configs(uint64_t config, uint32_t can)
{
    fake_config *c = fk_config(config);
    if (c)
        c->can_create_configs = can;
}

uint32_t lh_spawn(uint64_t link, int64_t config, int64_t module, const char *fn, uint32_t fn_len,
                  const uint8_t *params, uint32_t params_len, uint64_t *id_out)
{
    (void)module;
    return fk_spawn(link, 0, config, fn, fn_len, params, params_len, id_out);
}

void lh_die_when_link_dies(uint32_t yes)
{
    fk.current->survives_links = !yes;
    if (fk.current == &fk.caller)
        fk_caller_survives = !yes;
}

void lh_link(uint64_t tag, uint64_t pid)
{
    fake_proc *p = fk_proc(pid);
    if (p)
        p->link_tag = tag;
}

void lh_unlink(uint64_t pid)
{
    fake_proc *p = fk_proc(pid);
    if (p)
        p->link_tag = 0;
}

void lh_kill(uint64_t pid)
{
    fake_proc *p = fk_proc(pid);
    if (!p || !p->alive)
        return;
    if (p->plan.reply_on_kill && p->scheduled)
        fk_run(p); /* its reply was already on the way */
    if (!p->alive)
        return;
    p->killed = true;
    p->killed_while_linked = p->link_tag != 0;
    fk_die(p);
}

uint32_t lh_exists(uint64_t pid)
{
    const fake_proc *p = fk_proc(pid);
    return p && p->alive;
}

/* ---- lunatic::message ---- */

void lh_create_data(uint64_t tag, uint64_t capacity)
{
    fake_proc *me = fk.current;
    free(me->scratch.data);
    me->scratch = (fake_msg){(int64_t)tag, LH_RECV_DATA, malloc(capacity ? capacity : 1), 0};
    me->scratch_pos = 0;
}

/* Grows like lunatic's buffer: capacity is only a hint. */
uint32_t lh_write_data(const void *data, uint32_t len)
{
    fake_msg *s = &fk.current->scratch;
    fk.writes++;
    s->data = realloc(s->data, s->len + len + 1);
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return len;
}

uint32_t lh_read_data(void *data, uint32_t len)
{
    fake_proc *me = fk.current;
    fk.reads++;
    size_t left = me->scratch.len > me->scratch_pos ? me->scratch.len - me->scratch_pos : 0;
    uint32_t n = left < len ? (uint32_t)left : len;
    if (n)
        memcpy(data, me->scratch.data + me->scratch_pos, n);
    me->scratch_pos += n;
    return n;
}

void lh_seek_data(uint64_t index) { fk.current->scratch_pos = (size_t)index; }
int64_t lh_get_tag(void) { return fk.current->scratch.tag; }
uint64_t lh_data_size(void) { return fk.current->scratch.len; }

uint32_t lh_send(uint64_t pid)
{
    fk_send(fk_proc(pid));
    return 0;
}

/* Takes the first matching message; while there is none, runs the planned
 * events due within the timeout in time order, advancing the clock. */
uint32_t lh_receive(const int64_t *tags, uint32_t count, uint64_t timeout_ms)
{
    fake_proc *me = fk.current;
    if (me == &fk.caller) {
        fk.receives++;
        fk.last_timeout = timeout_ms;
        fk.last_tag_count = count;
        /* Draining takes a few; thousands in a row at one instant is a busy loop. */
        if (timeout_ms == 0 && fk.spin_at == fk.now) {
            if (++fk.spin_count == 10000)
                fk_fatal("the caller spins: 10000 receives with timeout 0 at one instant");
        } else {
            fk.spin_at = timeout_ms == 0 ? fk.now : 0;
            fk.spin_count = 0;
        }
    }
    uint64_t limit = timeout_ms > FAKE_FOREVER - fk.now ? FAKE_FOREVER : fk.now + timeout_ms;
    for (;;) {
        /* What is due has arrived: all of it is in the mailbox, in time order. */
        for (long in; (in = fk_next_injection(fk.now)) >= 0;)
            fk_run_injection((size_t)in);
        long i = fk_find(me, tags, count);
        if (i >= 0) {
            uint32_t kind = me->box[i].kind;
            fk_take(me, (size_t)i);
            return kind;
        }
        fake_proc *ev = fk_next_event(limit);
        long in = fk_next_injection(ev ? ev->due_ms : limit);
        if (in >= 0 && (!ev || fk.inject[in].due_ms <= ev->due_ms)) {
            if (fk.inject[in].due_ms > fk.now)
                fk.now = fk.inject[in].due_ms;
            fk_run_injection((size_t)in);
            continue;
        }
        if (!ev)
            break;
        if (ev->due_ms > fk.now)
            fk.now = ev->due_ms;
        fk_run(ev);
    }
    if (timeout_ms == FAKE_FOREVER) {
        fk_fatal("receive without timeout and nothing will ever arrive: would block forever");
        return LH_TIMEOUT;
    }
    fk.now = limit;
    return LH_TIMEOUT;
}

/* ---- lunatic::distributed: no cluster, or the one fake_set_nodes describes ----
 * The caller never makes distributed calls itself (its couriers do, and their
 * behaviour is the test's), so only the node list is modelled, plus node 0
 * as "this VM": a courier or dispatcher under test reaches its peer there. */

uint64_t lh_node_id(void) { return fk.self_node; }
uint64_t lh_module_id(void) { return 0; }
uint32_t lh_nodes_count(void) { return (uint32_t)fk.nnodes; }
uint32_t lh_get_nodes(uint64_t *ids, uint32_t max)
{
    uint32_t n = 0;
    for (; n < fk.nnodes && n < max; n++)
        ids[n] = fk.nodes[n];
    return n;
}

uint32_t lh_dist_spawn(uint64_t node, int64_t config, uint64_t module, const char *fn,
                       uint32_t fn_len, const uint8_t *params, uint32_t params_len,
                       uint64_t *id_out)
{
    (void)module;
    if (node != 0)
        return LH_DSPAWN_NODE_NOT_FOUND;
    return fk_spawn(0, node, config, fn, fn_len, params, params_len, id_out);
}

uint32_t lh_dist_send(uint64_t node, uint64_t pid)
{
    fake_proc *p = fk_proc(pid);
    if (node != 0)
        return LH_DSEND_NO_NODE;
    if (!p || !p->alive)
        return LH_DSEND_NO_PROCESS;
    fk_send(p);
    return 0;
}

/* ---- lunatic::error ---- */

static const char fk_error_text[] = "fake spawn error";
static const char *fk_error(void)
{
    return fk.error_text ? fk.error_text : fk_error_text;
}
uint32_t lh_error_string_size(uint64_t id)
{
    (void)id;
    return (uint32_t)strlen(fk_error());
}
void lh_error_to_string(uint64_t id, char *buf)
{
    (void)id;
    memcpy(buf, fk_error(), strlen(fk_error()));
}
void lh_error_drop(uint64_t id)
{
    (void)id;
    if (fk.live_errors)
        fk.live_errors--;
}
