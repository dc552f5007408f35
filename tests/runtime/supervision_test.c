/*
 * Supervision tests, through jobc-generated stubs (supervision.job): exit()
 * in a job is EEXIT with its code; a timeout, a cancel or a lost caller ends
 * the whole job tree, locally and on another node; a job that calls jobs gets
 * their failures as statuses. Local cases: `lunatic run supervision_test.wasm
 * CASE`; remote cases: the app node of a loopback cluster (control + 3
 * workers), case from LUCIDITY_TEST_CASE. Each prints "ok CASE" or "FAIL CASE: why".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "host.h"
#include "supervision.job.h"

#define TREE_TAG 4242 /* the jobs' reports to the app */

/* ---- jobs ---- */

uint32_t tree(uint64_t app_node, uint64_t app, uint32_t depth)
{
    uint64_t report[2] = {lucidity_node_id(), lh_process_id()};
    lh_create_data(TREE_TAG, sizeof report);
    lh_write_data(report, sizeof report);
    if (app_node)
        lh_dist_send(app_node, app);
    else
        lh_send(app);
    if (depth == 0) {
        lh_sleep_ms(60000);
        return 0;
    }
    uint32_t out = 0;
    int rc = tree_local(app_node, app, depth - 1, &out);
    return rc == LUCIDITY_OK ? out + 1 : 1000u + (uint32_t)-rc;
}

uint32_t crash(uint32_t kind)
{
    if (kind >= 100)
        exit((int)kind - 100);
    abort();
}

uint32_t nested(uint32_t kind)
{
    uint32_t out = 0;
    return (uint32_t)-crash_local(kind, &out);
}

uint64_t slow_where(uint32_t delay)
{
    lh_sleep_ms(delay);
    return lucidity_node_id();
}

/* ---- helpers ---- */

static uint64_t self; /* this node (0 under `lunatic run`) */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether pid exists on node (0: here; elsewhere a distributed send says). */
static int exists_on(uint64_t node, uint64_t pid)
{
    if (!node)
        return (int)lh_exists(pid);
    lh_create_data(TREE_TAG + 1, 0);
    return lh_dist_send(node, pid) != LH_DSEND_NO_PROCESS;
}

/* The first pid in [lo, hi] still existing on node after up to 5 s (kills
   are signals: they take a moment), or 0. */
static uint64_t survivor(uint64_t node, uint64_t lo, uint64_t hi)
{
    uint64_t left = 0;
    for (int i = 0; i < 100; i++) {
        left = 0;
        for (uint64_t p = lo; p <= hi && !left; p++)
            if (exists_on(node, p))
                left = p;
        if (!left)
            break;
        lh_sleep_ms(50);
    }
    return left;
}

/* ---- exit() ---- */

/* exit(n), exit(0) included, ends the call at once with EEXIT and n; the
   timeout only bounds the test on a runtime that would hang. */
static int expect_exit(int remote, int code)
{
    crash_handle h;
    uint32_t out = 1;
    lucidity_opts o = {.timeout_ms = 20000};
    uint64_t t0 = now_ms();
    uint32_t kind = 100u + (uint32_t)code;
    EXPECT_STATUS(remote ? crash_remote_async_with(kind, &h, &o) : crash_local_async_with(kind, &h, &o),
                  LUCIDITY_OK);
    EXPECT_STATUS(crash_await(&h, &out), LUCIDITY_EEXIT);
    EXPECT(h.h.exit_code == code, "exit code %d, wanted %d", h.h.exit_code, code);
    EXPECT(now_ms() - t0 < 10000, "took %llu ms", (unsigned long long)(now_ms() - t0));
    EXPECT(out == 0, "output not zeroed");
    EXPECT_STATUS(crash_await(&h, &out), LUCIDITY_EEXIT); /* reported again */
    EXPECT_STATUS(remote ? crash_remote_with(kind, &out, &o) : crash_local_with(kind, &out, &o),
                  LUCIDITY_EEXIT);
    return 0;
}
static int case_exit_zero(void) { return expect_exit(0, 0); }
static int case_exit_nonzero(void) { return expect_exit(0, 3); }
static int case_remote_exit(void) { return expect_exit(1, 0) || expect_exit(1, 5); }

/* A job that calls jobs still gets their failures as statuses. */
static int case_nested_failure(void)
{
    uint32_t out = 0;
    EXPECT_STATUS(nested_local(0, &out), LUCIDITY_OK);
    EXPECT((int)-out == LUCIDITY_ETRAP, "nested abort() gave %s", lucidity_err_name(-(int)out));
    EXPECT_STATUS(nested_local(100, &out), LUCIDITY_OK);
    EXPECT((int)-out == LUCIDITY_EEXIT, "nested exit(0) gave %s", lucidity_err_name(-(int)out));
    return 0;
}

/* ---- job trees ---- */

/* Pid of a process spawned now (lunatic numbers processes in spawn order). */
static uint64_t pid_mark(void)
{
    slow_where_handle h;
    uint64_t out;
    if (slow_where_local_async(0, &h) != LUCIDITY_OK)
        return 0;
    uint64_t pid = h.h.pid;
    return slow_where_await(&h, &out) == LUCIDITY_OK ? pid : 0;
}

enum { END_TIMEOUT, END_CANCEL, END_CALLER_GONE };

/* app -> tree(2) -> tree(1) -> tree(0), here or all three on one other node;
   waits until all three run, ends the top one, and checks that no process
   the call created is left: here every pid spawned meanwhile (jobs, guards),
   there the jobs and guards (consecutive pids on that node). END_CALLER_GONE
   kills the node's courier (h.pid) instead, as if the caller's side were
   gone: the dispatcher must notice the silence and end its jobs, its
   returner and itself. */
static int tree_ends_whole(int remote, int end)
{
    uint64_t floor = remote ? 0 : pid_mark();
    EXPECT(remote || floor != 0, "no marker process");
    tree_handle h;
    uint32_t out = 1;
    lucidity_opts o = {.timeout_ms = end == END_TIMEOUT ? 1500 : 0};
    uint64_t t0 = now_ms();
    EXPECT_STATUS(remote ? tree_remote_async_with(self, lh_process_id(), 2, &h, &o)
                         : tree_local_async_with(self, lh_process_id(), 2, &h, &o),
                  LUCIDITY_OK);
    uint64_t node = h.h.node, helper = h.h.pid, lo = UINT64_MAX, hi = 0;
    EXPECT(!remote || (node && node != self), "dispatched to node %llu", (unsigned long long)node);
    for (int i = 0; i < 3; i++) {
        int64_t tag = TREE_TAG;
        uint64_t report[2] = {0};
        EXPECT(lh_receive(&tag, 1, 20000) == 0, "tree level %d never started", i);
        lh_read_data(report, sizeof report);
        EXPECT(report[0] == node, "level %d ran on node %llu, not %llu", i,
               (unsigned long long)report[0], (unsigned long long)node);
        lo = report[1] < lo ? report[1] : lo;
        hi = report[1] > hi ? report[1] : hi;
    }
    if (end == END_CALLER_GONE) {
        /* A fresh node numbers its processes from 1: our dispatcher is the
           first there (then its returner), so [1, hi] is all we started. */
        EXPECT(exists_on(node, 1), "no dispatcher (pid 1) on node %llu", (unsigned long long)node);
        lh_unlink(helper); /* the handle is abandoned, never awaited */
        lh_kill(helper);
    } else if (end == END_CANCEL) {
        EXPECT_STATUS(tree_cancel(&h), LUCIDITY_OK);
        EXPECT_STATUS(tree_await(&h, &out), LUCIDITY_ECANCELLED);
    } else {
        EXPECT_STATUS(tree_await(&h, &out), LUCIDITY_ETIMEOUT);
        uint64_t took = now_ms() - t0;
        /* not before the timeout; the upper bound only catches a hang */
        EXPECT(took >= 1500 && took < 6000, "ETIMEOUT after %llu ms, timeout 1500 ms",
               (unsigned long long)took);
    }
    uint64_t t1 = now_ms();
    if (remote) {
        /* The node's dispatcher and its returner (the first pids there) are
           long-lived: they end with the caller's side (END_CALLER_GONE), not
           with one call. Nothing of the call's own may be left either way. */
        uint64_t from = end == END_CALLER_GONE ? 1 : lo;
        uint64_t left = survivor(node, from, hi);
        EXPECT(left == 0, "process %llu on node %llu (tree %llu..%llu) still exists",
               (unsigned long long)left, (unsigned long long)node, (unsigned long long)lo,
               (unsigned long long)hi);
        if (end == END_CALLER_GONE)
            EXPECT(!lh_exists(helper), "courier %llu still exists", (unsigned long long)helper);
    } else {
        uint64_t ceil = pid_mark();
        EXPECT(ceil > hi, "marker pid %llu", (unsigned long long)ceil);
        uint64_t left = survivor(0, floor + 1, ceil - 1);
        EXPECT(left == 0, "process %llu of the tree (jobs %llu..%llu) still exists",
               (unsigned long long)left, (unsigned long long)lo, (unsigned long long)hi);
    }
    printf("tree gone %llu ms after the call ended\n", (unsigned long long)(now_ms() - t1));
    return 0;
}
static int case_tree_timeout(void) { return tree_ends_whole(0, END_TIMEOUT); }
static int case_tree_cancel(void) { return tree_ends_whole(0, END_CANCEL); }
static int case_remote_tree_timeout(void) { return tree_ends_whole(1, END_TIMEOUT); }
static int case_remote_tree_cancel(void) { return tree_ends_whole(1, END_CANCEL); }
static int case_remote_caller_gone(void)
{
    /* A job longer than the dispatcher's silence bound (1 s) still succeeds:
       the courier keeps it hearing from us while the caller just waits. */
    uint64_t node = 0;
    EXPECT_STATUS(slow_where_remote(2500, &node), LUCIDITY_OK);
    EXPECT(node != 0 && node != self, "ran on node %llu", (unsigned long long)node);
    return tree_ends_whole(1, END_CALLER_GONE);
}

static const check_case cases[] = {
    {"exit_zero", case_exit_zero},
    {"exit_nonzero", case_exit_nonzero},
    {"nested_failure", case_nested_failure},
    {"tree_timeout", case_tree_timeout},
    {"tree_cancel", case_tree_cancel},
    {"remote_exit", case_remote_exit},
    {"remote_tree_timeout", case_remote_tree_timeout},
    {"remote_tree_cancel", case_remote_tree_cancel},
    {"remote_caller_gone", case_remote_caller_gone},
};

int main(int argc, char **argv)
{
    const char *want = argc > 1 ? argv[1] : getenv("LUCIDITY_TEST_CASE");
    self = lucidity_node_id();
    /* In a cluster, the workers may take a refresh (5 s) to appear. */
    for (int i = 0; self && i < 120 && lh_nodes_count() < 4; i++)
        lh_sleep_ms(250);
    return check_run(cases, sizeof cases / sizeof cases[0], want);
}
