/*
 * Worker-pool tests (pool.job, through jobc-generated stubs) under the real
 * VM: `lunatic run pool_test.wasm CASE` prints "ok CASE" or "FAIL CASE: why".
 * A pooled call reuses a worker and its state; a worker that traps, exits,
 * times out or is cancelled fails only its call, with the usual status, and
 * is replaced; a pooled fanout keeps per-item statuses and order; nothing a
 * pool started outlives it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host.h"
#include "pool.job.h"

#define REPORT_TAG 4343 /* the jobs' reports to the app */

/* ---- jobs ---- */

static uint32_t served; /* per process: a worker's count survives its calls */

Who who(uint32_t x)
{
    (void)x;
    return (Who){lh_process_id(), ++served};
}

static void report(uint64_t app, uint64_t a, uint64_t b)
{
    uint64_t r[2] = {a, b};
    lh_create_data(REPORT_TAG, sizeof r);
    lh_write_data(r, sizeof r);
    lh_send(app);
}

uint32_t sleeper(uint64_t app)
{
    report(app, lh_process_id(), 0);
    lh_sleep_ms(60000);
    return 0;
}

uint32_t work(uint64_t app, uint32_t kind)
{
    if (kind == 0)
        abort();
    if (kind >= 100)
        exit((int)kind - 100);
    if (kind == 1 || kind == 2) {
        uint64_t child = 0;
        if (kind == 2) {
            sleeper_handle h;
            if (sleeper_local_async(app, &h) != LUCIDITY_OK)
                abort();
            child = h.h.pid;
        }
        report(app, lh_process_id(), child);
        lh_sleep_ms(60000);
        return 0;
    }
    return kind * 3;
}

uint32_t owner(uint64_t app)
{
    who_handle a, b;
    Who wa, wb;
    if (who_local_async(1, &a) != LUCIDITY_OK || who_local_async(2, &b) != LUCIDITY_OK ||
        who_await(&a, &wa) != LUCIDITY_OK || who_await(&b, &wb) != LUCIDITY_OK)
        return 1;
    report(app, wa.pid, wb.pid);
    return 0;
}

static int take_report(uint64_t r[2]);

Who leaver(uint64_t app)
{
    (void)app;
    sleeper_handle h;
    uint64_t r[2];
    /* the child reports to us: it runs, linked to us, when we return */
    if (sleeper_local_async(lh_process_id(), &h) != LUCIDITY_OK || take_report(r))
        abort();
    return (Who){lh_process_id(), ++served};
}

Who nester(uint32_t x)
{
    Who w = {0};
    if (who_local(x, &w) != LUCIDITY_OK)
        abort();
    return w;
}

/* ---- helpers ---- */

static int take_report(uint64_t r[2])
{
    int64_t tag = REPORT_TAG;
    if (lh_receive(&tag, 1, 20000) != 0)
        return 1;
    lh_read_data(r, 2 * sizeof *r);
    return 0;
}

/* Pid of a process spawned now (lunatic numbers processes in spawn order). */
static uint64_t pid_mark(void)
{
    sleeper_handle h;
    if (sleeper_local_async(lh_process_id(), &h) != LUCIDITY_OK)
        return 0;
    uint64_t pid = h.h.pid, r[2];
    if (take_report(r))
        return 0;
    return sleeper_cancel(&h) == LUCIDITY_OK ? pid : 0;
}

/* The first pid in (lo, hi) that still exists after up to 5 s, or 0. */
static uint64_t survivor(uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < 100; i++) {
        uint64_t left = 0;
        for (uint64_t p = lo + 1; p < hi && !left; p++)
            if (lh_exists(p))
                left = p;
        if (!left)
            return 0;
        lh_sleep_ms(50);
    }
    for (uint64_t p = lo + 1; p < hi; p++)
        if (lh_exists(p))
            return p;
    return 0;
}

/* The next call on the pool works and runs on a worker (not the dead one). */
static int pool_still_serves(uint64_t dead)
{
    uint32_t out = 0;
    work_handle h;
    EXPECT_STATUS(work_local_async(lh_process_id(), 7, &h), LUCIDITY_OK);
    uint64_t pid = h.h.pid;
    EXPECT_STATUS(work_await(&h, &out), LUCIDITY_OK);
    EXPECT(out == 21, "work(7) = %u", out);
    EXPECT(pid != dead, "served by the dead worker %llu", (unsigned long long)pid);
    EXPECT(lh_exists(pid), "worker %llu is not kept after a good call", (unsigned long long)pid);
    return 0;
}

/* ---- cases ---- */

/* Sequential calls reuse one worker, whose state persists; calls beyond the
   pool's size at once run in fresh processes; closing the pool ends it. */
static int case_pool_reuse(void)
{
    Who w = {0};
    uint64_t first = 0;
    for (uint32_t i = 1; i <= 20; i++) {
        EXPECT_STATUS(who_local(i, &w), LUCIDITY_OK);
        if (i == 1)
            first = w.pid;
        EXPECT(w.pid == first, "call %u ran in %llu, not worker %llu", i,
               (unsigned long long)w.pid, (unsigned long long)first);
        EXPECT(w.calls == i, "call %u: the worker counted %u calls", i, w.calls);
    }
    EXPECT(first != lh_process_id(), "ran in the caller");
    who_handle h[4];
    Who out[4];
    for (int i = 0; i < 4; i++)
        EXPECT_STATUS(who_local_async((uint32_t)i, &h[i]), LUCIDITY_OK);
    for (int i = 0; i < 4; i++)
        EXPECT_STATUS(who_await(&h[i], &out[i]), LUCIDITY_OK);
    EXPECT(out[0].pid == first && out[0].calls == 21, "call 0 on %llu (%u calls)",
           (unsigned long long)out[0].pid, out[0].calls);
    EXPECT(out[1].pid != first && out[1].calls == 1, "call 1: a second worker, new");
    EXPECT(out[2].calls == 1 && out[3].calls == 1, "calls 2, 3: fresh processes");
    EXPECT(out[2].pid != out[0].pid && out[2].pid != out[1].pid && out[3].pid != out[2].pid,
           "calls 2, 3 ran on a worker");
    /* a process that replied may still be on its way out: give it the time check_lingers() gives */
    EXPECT(!check_lingers(out[2].pid) && !check_lingers(out[3].pid), "a fresh process outlived its call");
    EXPECT(lh_exists(out[1].pid), "the second worker is gone");
    /* a fuel limit cannot be kept by a worker */
    EXPECT_STATUS(who_local_with(1, &w, &(lucidity_opts){.fuel = 1000}), LUCIDITY_EINVAL);
    lucidity_pool_close(&who_job);
    EXPECT(!check_lingers(first) && !check_lingers(out[1].pid), "a worker outlived lucidity_pool_close");
    EXPECT_STATUS(who_local(1, &w), LUCIDITY_OK);
    EXPECT(w.pid != first && w.calls == 1, "after close: a new worker");
    return 0;
}

static int fails_with(uint32_t kind, int want, int exit_code)
{
    work_handle h;
    uint32_t out = 5;
    EXPECT_STATUS(work_local_async(lh_process_id(), kind, &h), LUCIDITY_OK);
    uint64_t pid = h.h.pid;
    EXPECT_STATUS(work_await(&h, &out), want);
    EXPECT(out == 0, "output not zeroed");
    if (want == LUCIDITY_EEXIT)
        EXPECT(h.h.exit_code == exit_code, "exit code %d", h.h.exit_code);
    EXPECT(!check_lingers(pid), "worker %llu still exists", (unsigned long long)pid);
    return pool_still_serves(pid);
}

static int case_pool_trap(void) { return fails_with(0, LUCIDITY_ETRAP, 0); }
static int case_pool_exit(void)
{
    return fails_with(103, LUCIDITY_EEXIT, 3) || fails_with(100, LUCIDITY_EEXIT, 0);
}

/* A timeout or a cancel ends the worker and everything its call started. */
static int ends_tree(int cancel)
{
    uint64_t floor = pid_mark();
    EXPECT(floor, "no marker process");
    work_handle h;
    uint32_t out = 0;
    lucidity_opts o = {.timeout_ms = cancel ? 0 : 800};
    EXPECT_STATUS(work_local_async_with(lh_process_id(), 2, &h, &o), LUCIDITY_OK);
    uint64_t r[2], r2[2];
    EXPECT(!take_report(r) && !take_report(r2), "the call never started");
    uint64_t worker = r[1] ? r[0] : r2[0], child = r[1] ? r[1] : r2[1];
    EXPECT(worker == h.h.pid, "worker %llu, handle %llu", (unsigned long long)worker,
           (unsigned long long)h.h.pid);
    if (cancel)
        EXPECT_STATUS(work_cancel(&h), LUCIDITY_OK);
    EXPECT_STATUS(work_await(&h, &out), cancel ? LUCIDITY_ECANCELLED : LUCIDITY_ETIMEOUT);
    EXPECT(!check_lingers(worker) && !check_lingers(child), "worker or its child still exists");
    if (pool_still_serves(worker))
        return 1;
    lucidity_pool_close(&work_job);
    uint64_t ceil = pid_mark();
    uint64_t left = survivor(floor, ceil);
    EXPECT(!left, "process %llu (between %llu and %llu) still exists", (unsigned long long)left,
           (unsigned long long)floor, (unsigned long long)ceil);
    return 0;
}
static int case_pool_timeout(void) { return ends_tree(0); }
static int case_pool_cancel(void) { return ends_tree(1); }

/* Per-item statuses and outputs in input order, failures only where they happen. */
static int case_pool_fanout(void)
{
    enum { N = 300 };
    static work_args items[N];
    static uint32_t outs[N];
    static int st[N];
    for (uint32_t i = 0; i < N; i++) {
        uint32_t kind = i % 37 == 5 ? 0 : i % 41 == 7 ? 104 : 3 + i % 90; /* 3..92: kind * 3 */
        items[i] = (work_args){lh_process_id(), kind};
    }
    lucidity_fanout_opts fo = {.opts = {.concurrency = 64}};
    EXPECT_STATUS(work_local_fanout_with(items, N, outs, st, &fo), LUCIDITY_EFAILED);
    for (uint32_t i = 0; i < N; i++) {
        int want = items[i].kind == 0 ? LUCIDITY_ETRAP : items[i].kind == 104 ? LUCIDITY_EEXIT : 0;
        EXPECT(st[i] == want, "item %u: %s, wanted %s", i, lucidity_err_name(st[i]),
               lucidity_err_name(want));
        EXPECT(outs[i] == (want ? 0 : items[i].kind * 3), "item %u: output %u", i, outs[i]);
    }
    /* every item of a pooled fanout runs on one of the pool's two workers */
    static who_args wi[N];
    static Who wo[N];
    EXPECT_STATUS(who_local_fanout(wi, N, wo, st), LUCIDITY_OK);
    uint64_t pids[2] = {0, 0};
    for (uint32_t i = 0; i < N; i++) {
        int k = wo[i].pid == pids[0] ? 0 : wo[i].pid == pids[1] ? 1 : !pids[0] ? 0 : 1;
        EXPECT(!pids[k] || pids[k] == wo[i].pid, "item %u ran in a third process %llu", i,
               (unsigned long long)wo[i].pid);
        pids[k] = wo[i].pid;
    }
    EXPECT(wo[N - 1].calls > 1, "the last item was its worker's call %u", wo[N - 1].calls);
    return 0;
}

/* lucidity_pool_close with a call still running on a worker: the call ends
   with ETRAP (one result), the worker is gone, the pool serves again. */
static int case_pool_close_busy(void)
{
    work_handle h;
    uint32_t out = 9;
    EXPECT_STATUS(work_local_async(lh_process_id(), 1, &h), LUCIDITY_OK);
    uint64_t r[2];
    EXPECT(!take_report(r), "the call never started");
    EXPECT(r[0] == h.h.pid, "ran in %llu, not the handle's worker", (unsigned long long)r[0]);
    lucidity_pool_close(&work_job);
    EXPECT_STATUS(work_await(&h, &out), LUCIDITY_ETRAP);
    EXPECT_STATUS(work_await(&h, &out), LUCIDITY_ETRAP); /* reported again */
    EXPECT(out == 0, "output not zeroed");
    EXPECT(!check_lingers(r[0]), "the worker outlived lucidity_pool_close");
    return pool_still_serves(r[0]);
}

/* A call that leaves a child running does not end its worker: the child's
   death (its guard kills it, linked to the worker) is not the caller's. */
static int case_pool_leaver(void)
{
    lucidity_opts o = {.timeout_ms = 10000};
    uint64_t first = 0;
    for (uint32_t i = 1; i <= 10; i++) {
        Who w = {0};
        EXPECT_STATUS(leaver_local_with(lh_process_id(), &w, &o), LUCIDITY_OK);
        first = first ? first : w.pid;
        EXPECT(w.pid == first && w.calls == i, "call %u on %llu (%u calls), first worker %llu",
               i, (unsigned long long)w.pid, w.calls, (unsigned long long)first);
    }
    return 0;
}

/* A pooled job that uses a pool itself: its pool lasts one call, never
   handing the next call a worker its guard is about to kill. */
static int case_pool_nested(void)
{
    uint64_t prev = 0;
    for (uint32_t i = 1; i <= 30; i++) {
        Who w = {0};
        EXPECT_STATUS(nester_local(i, &w), LUCIDITY_OK);
        EXPECT(w.calls == 1 && w.pid != prev, "call %u: who ran on %llu as call %u", i,
               (unsigned long long)w.pid, w.calls);
        EXPECT(!check_lingers(w.pid), "call %u: the inner worker still exists", i);
        prev = w.pid;
    }
    return 0;
}

/* A job's own pool ends with the job. */
static int case_pool_owner(void)
{
    uint64_t floor = pid_mark();
    uint32_t out = 1;
    EXPECT_STATUS(owner_local(lh_process_id(), &out), LUCIDITY_OK);
    EXPECT(out == 0, "owner could not call who");
    uint64_t r[2];
    EXPECT(!take_report(r), "no report from owner");
    EXPECT(r[0] && r[1] && r[0] != r[1], "owner's workers %llu, %llu", (unsigned long long)r[0],
           (unsigned long long)r[1]);
    EXPECT(!check_lingers(r[0]) && !check_lingers(r[1]), "a worker outlived the job whose pool it was in");
    uint64_t left = survivor(floor, pid_mark());
    EXPECT(!left, "process %llu still exists", (unsigned long long)left);
    return 0;
}

static const check_case cases[] = {
    {"pool_reuse", case_pool_reuse},     {"pool_trap", case_pool_trap},
    {"pool_exit", case_pool_exit},       {"pool_timeout", case_pool_timeout},
    {"pool_cancel", case_pool_cancel},   {"pool_fanout", case_pool_fanout},
    {"pool_owner", case_pool_owner},     {"pool_leaver", case_pool_leaver},
    {"pool_nested", case_pool_nested},   {"pool_close_busy", case_pool_close_busy},
};

int main(int argc, char **argv)
{
    return check_run(cases, sizeof cases / sizeof cases[0], argc > 1 ? argv[1] : NULL);
}
