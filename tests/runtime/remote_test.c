/*
 * Distributed runtime tests: the app node of a loopback cluster (control + 3
 * worker nodes, tests/smoke/run_in_cluster.py), case chosen by the
 * LUCIDITY_TEST_CASE environment variable (lunatic node --wasm passes no
 * arguments). Prints "ok CASE" or "FAIL CASE: why". A line
 * "lucidity-test: kill node N" asks the harness to SIGKILL worker node N.
 */
#include <pb_common.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "glue.h"
#include "host.h"

PB_BIND(u32_msg, u32_msg, AUTO)
PB_BIND(pair_msg, pair_msg, AUTO)

static uint32_t where(uint32_t x)
{
    (void)x;
    return (uint32_t)lucidity_node_id();
}

/* Sleeps x ms, then answers with its node id. */
static uint32_t slow_where(uint32_t x)
{
    lh_sleep_ms(x);
    return (uint32_t)lucidity_node_id();
}

static volatile uint32_t sink;
static uint32_t crash(uint32_t kind)
{
    if (kind == 0)
        abort();
    if (kind >= 100)
        exit((int)kind - 100);
    for (;;)
        sink++;
}

/* A job tree: tree(app, node << 8 | depth) reports (node id, pid) to the app
   (TREE_TAG), calls tree(depth - 1) locally and waits; the leaf sleeps a minute. */
#define TREE_TAG 4242
extern const lucidity_job tree_job;
static uint32_t tree(uint32_t app, uint32_t node_depth)
{
    uint64_t report[2] = {lucidity_node_id(), lh_process_id()};
    uint32_t depth = node_depth & 0xff, app_node = node_depth >> 8;
    lh_create_data(TREE_TAG, sizeof report);
    lh_write_data(report, sizeof report);
    lh_dist_send(app_node, app);
    if (depth == 0) {
        lh_sleep_ms(60000);
        return 0;
    }
    uint32_t out = 0;
    lucidity_call(&tree_job, LUCIDITY_LOCAL, &(pair_msg){app, node_depth - 1}, &out, NULL);
    return out + 1;
}
GLUE_JOB(tree, pair_msg, u32_msg, uint32_t, tree(a->a, a->b))

GLUE_JOB(where, u32_msg, u32_msg, uint32_t, where(a->value))
GLUE_JOB(slow_where, u32_msg, u32_msg, uint32_t, slow_where(a->value))
GLUE_JOB(crash, u32_msg, u32_msg, uint32_t, crash(a->value))

static uint64_t self;

#include <time.h>
static uint64_t luc_test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}


/* The cluster's workers may take a refresh (5 s) to appear in our node list. */
static int wait_for_nodes(uint32_t want)
{
    for (int i = 0; i < 120 && lh_nodes_count() < want; i++)
        lh_sleep_ms(250);
    return lh_nodes_count() >= want ? 0 : -1;
}

static void ask_kill(uint64_t node)
{
    printf("lucidity-test: kill node %llu\n", (unsigned long long)node);
    fflush(stdout);
}

static int case_remote(void)
{
    for (int i = 0; i < 6; i++) {
        uint32_t node = 0;
        EXPECT_STATUS(lucidity_call(&where_job, LUCIDITY_REMOTE, &(u32_msg){0}, &node, NULL), LUCIDITY_OK);
        EXPECT(node != 0 && node != self, "ran on node %u (self %llu)", node, (unsigned long long)self);
        printf("remote call %d ran on node %u\n", i, node);
    }
    return 0;
}

static int case_remote_async(void)
{
    lucidity_handle h;
    uint32_t node = 0;
    EXPECT_STATUS(lucidity_start(&slow_where_job, LUCIDITY_REMOTE, &(u32_msg){300}, &h, NULL), LUCIDITY_OK);
    EXPECT(h.node != 0 && h.node != self, "dispatched to node %llu", (unsigned long long)h.node);
    EXPECT_STATUS(lucidity_try_get(&h, &node), LUCIDITY_PENDING);
    EXPECT_STATUS(lucidity_await_timeout(&h, 10, &node), LUCIDITY_ETIMEOUT);
    EXPECT_STATUS(lucidity_await(&h, &node), LUCIDITY_OK);
    EXPECT(node == h.node, "ran on %u, dispatched to %llu", node, (unsigned long long)h.node);
    /* cancel */
    EXPECT_STATUS(lucidity_start(&slow_where_job, LUCIDITY_REMOTE, &(u32_msg){60000}, &h, NULL), LUCIDITY_OK);
    EXPECT_STATUS(lucidity_cancel(&h), LUCIDITY_OK);
    EXPECT_STATUS(lucidity_await(&h, &node), LUCIDITY_ECANCELLED);
    return 0;
}

/* On failure, which statuses the items ended with (first item of each). */
static void print_statuses(const int *st, const uint64_t *nodes, int n)
{
    for (int code = LUCIDITY_OK; code >= LUCIDITY_ESTATE; code--) {
        int count = 0, first = -1;
        for (int i = 0; i < n; i++)
            if (st[i] == code && count++ == 0)
                first = i;
        if (count)
            printf("  %d items %s (first: item %d on node %llu)\n", count, lucidity_err_name(code),
                   first, (unsigned long long)nodes[first]);
    }
}

static int spread(lucidity_fanout_scheme scheme, int even)
{
    enum { N = 300 };
    static u32_msg args[N];
    static uint32_t outs[N];
    static int st[N];
    static uint64_t nodes[N];
    lucidity_fanout_opts fo = {.opts = {.fanout = scheme, .concurrency = 32}, .nodes = nodes};
    int rc = lucidity_fanout(&where_job, LUCIDITY_REMOTE, args, N, outs, st, &fo);
    if (rc != LUCIDITY_OK)
        print_statuses(st, nodes, N);
    EXPECT_STATUS(rc, LUCIDITY_OK);
    uint64_t ids[8] = {0};
    int counts[8] = {0}, k = 0;
    for (int i = 0; i < N; i++) {
        EXPECT(outs[i] == nodes[i] && outs[i] != self, "item %d ran on %u, dispatched to %llu", i,
               outs[i], (unsigned long long)nodes[i]);
        int j = 0;
        while (j < k && ids[j] != nodes[i])
            j++;
        if (j == k && k < 8)
            ids[k++] = nodes[i];
        counts[j]++;
    }
    EXPECT(k == 3, "items ran on %d nodes", k);
    for (int j = 0; j < k; j++) {
        printf("node %llu ran %d items\n", (unsigned long long)ids[j], counts[j]);
        if (even)
            EXPECT(counts[j] >= N / 3 - 1 && counts[j] <= N / 3 + 1, "uneven: %d", counts[j]);
    }
    return 0;
}
static int case_fanout_roundrobin(void) { return spread(LUCIDITY_FANOUT_ROUNDROBIN, 1); }
static int case_fanout_random(void) { return spread(LUCIDITY_FANOUT_RANDOM, 0); }

static int case_remote_failures(void)
{
    uint32_t out = 1;
    EXPECT_STATUS(lucidity_call(&crash_job, LUCIDITY_REMOTE, &(u32_msg){0}, &out, NULL), LUCIDITY_ETRAP);
    EXPECT_STATUS(lucidity_call(&crash_job, LUCIDITY_REMOTE, &(u32_msg){1}, &out, &(lucidity_opts){.fuel = 10}),
                  LUCIDITY_ETRAP);
    EXPECT_STATUS(lucidity_call(&slow_where_job, LUCIDITY_REMOTE, &(u32_msg){60000}, &out,
                                &(lucidity_opts){.timeout_ms = 300}),
                  LUCIDITY_ETIMEOUT);
    EXPECT(out == 0, "output not zeroed");
    return 0;
}

/* exit() in a remote job: EEXIT with the code, at once (exit(0) used to hang:
   the timeout only bounds the test on a runtime that does). */
static int case_remote_exit(void)
{
    for (int code = 0; code <= 5; code += 5) {
        lucidity_handle h;
        uint32_t out = 1;
        uint64_t t0 = luc_test_now();
        EXPECT_STATUS(lucidity_start(&crash_job, LUCIDITY_REMOTE, &(u32_msg){100u + (uint32_t)code}, &h,
                                     &(lucidity_opts){.timeout_ms = 20000}),
                      LUCIDITY_OK);
        EXPECT_STATUS(lucidity_await(&h, &out), LUCIDITY_EEXIT);
        EXPECT(h.exit_code == code, "exit code %d, wanted %d", h.exit_code, code);
        EXPECT(luc_test_now() - t0 < 10000, "took %llu ms", (unsigned long long)(luc_test_now() - t0));
    }
    return 0;
}

/* 0 once pid no longer exists on node (a distributed send says so). */
static int remote_exists(uint64_t node, uint64_t pid)
{
    lh_create_data(TREE_TAG + 1, 0);
    return lh_dist_send(node, pid) != LH_DSEND_NO_PROCESS;
}

/* app -> (remote) tree(2) -> tree(1) -> tree(0), all on one other node; ends
   the top with a timeout, a cancel, or by killing the local helper (as if the
   caller's side were gone: the supervisor must notice the missing probes),
   and checks that no process the call created on that node (supervisor, jobs,
   guards: consecutive pids there) is left, and that the local helper is gone. */
enum { END_TIMEOUT, END_CANCEL, END_HELPER_KILLED };
static int remote_tree_ends_whole(int end)
{
    lucidity_handle h;
    uint32_t out = 1;
    lucidity_opts o = {.timeout_ms = end == END_TIMEOUT ? 2000 : 0};
    uint64_t t0 = luc_test_now();
    EXPECT_STATUS(lucidity_start(&tree_job, LUCIDITY_REMOTE,
                                 &(pair_msg){(uint32_t)lh_process_id(), (uint32_t)self << 8 | 2}, &h, &o),
                  LUCIDITY_OK);
    uint64_t node = h.node, helper = h.pid, lo = UINT64_MAX, hi = 0;
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
    if (end == END_HELPER_KILLED) {
        lh_unlink(helper); /* the handle is abandoned, never awaited */
        lh_kill(helper);
    } else if (end == END_CANCEL) {
        EXPECT_STATUS(lucidity_cancel(&h), LUCIDITY_OK);
        EXPECT_STATUS(lucidity_await(&h, &out), LUCIDITY_ECANCELLED);
    } else {
        EXPECT_STATUS(lucidity_await(&h, &out), LUCIDITY_ETIMEOUT);
        uint64_t took = luc_test_now() - t0;
        EXPECT(took >= 2000 && took < 8000, "ETIMEOUT after %llu ms", (unsigned long long)took);
    }
    uint64_t t1 = luc_test_now(), left = 0;
    for (int i = 0; i < 100; i++) {
        left = 0;
        for (uint64_t p = lo - 1; p <= hi; p++) /* lo - 1: the supervisor */
            if (remote_exists(node, p))
                left = p;
        if (!left)
            break;
        lh_sleep_ms(50);
    }
    EXPECT(left == 0, "process %llu on node %llu (tree %llu..%llu) still exists",
           (unsigned long long)left, (unsigned long long)node, (unsigned long long)lo,
           (unsigned long long)hi);
    printf("remote tree gone %llu ms after the call ended\n", (unsigned long long)(luc_test_now() - t1));
    EXPECT(!lh_exists(helper), "local helper %llu still exists", (unsigned long long)helper);
    return 0;
}
static int case_remote_tree_timeout(void) { return remote_tree_ends_whole(END_TIMEOUT); }
static int case_remote_tree_cancel(void) { return remote_tree_ends_whole(END_CANCEL); }
static int case_remote_caller_gone(void)
{
    /* A job longer than the supervisor's silence bound (1 s) still succeeds:
       the supervisor reads the helper's probes (they used to pile up unread). */
    uint32_t node = 0;
    EXPECT_STATUS(lucidity_call(&slow_where_job, LUCIDITY_REMOTE, &(u32_msg){2500}, &node, NULL),
                  LUCIDITY_OK);
    EXPECT(node != 0 && node != self, "ran on node %u", node);
    return remote_tree_ends_whole(END_HELPER_KILLED);
}

/* ---- node loss ---- */
static uint64_t victim;
static void kill_after_30(size_t done, size_t total, size_t index, int status, uint64_t node, void *u)
{
    (void)total, (void)index, (void)status, (void)u;
    if (done == 30 && !victim && node) {
        victim = node;
        ask_kill(node);
    }
}

static int fanout_with_loss(uint32_t retries)
{
    enum { N = 300 };
    static u32_msg args[N];
    static uint32_t outs[N];
    static int st[N];
    static uint64_t nodes[N];
    for (int i = 0; i < N; i++)
        args[i].value = 50; /* 50 ms each: the fanout lasts long enough to lose a node in it */
    lucidity_fanout_opts fo = {.opts = {.retries = retries, .concurrency = 30},
                               .progress = kill_after_30, .nodes = nodes};
    uint64_t t0 = luc_test_now();
    int rc = lucidity_fanout(&slow_where_job, LUCIDITY_REMOTE, args, N, outs, st, &fo);
    uint64_t took = luc_test_now() - t0;
    print_statuses(st, nodes, N);
    int ok = 0, lost = 0;
    for (int i = 0; i < N; i++) {
        if (st[i] == LUCIDITY_OK) {
            EXPECT(outs[i] == nodes[i] && outs[i] != self, "item %d: %u", i, outs[i]);
            ok++;
        } else {
            EXPECT_STATUS(st[i], LUCIDITY_ENODELOST);
            EXPECT(nodes[i] == victim, "item %d lost on node %llu, victim %llu", i,
                   (unsigned long long)nodes[i], (unsigned long long)victim);
            lost++;
        }
    }
    printf("victim node %llu; %d ok, %d node-lost, %llu ms\n", (unsigned long long)victim, ok, lost,
           (unsigned long long)took);
    EXPECT(victim != 0, "no node was killed");
    if (retries) {
        EXPECT_STATUS(rc, LUCIDITY_OK);
        EXPECT(ok == N, "%d ok", ok);
    } else {
        EXPECT_STATUS(rc, LUCIDITY_EFAILED);
        EXPECT(lost > 0 && ok + lost == N, "%d ok, %d lost", ok, lost);
    }
    /* 300 x 50 ms over 3 then 2 nodes with 30 in flight is ~0.6 s of work; the
       loss costs one detection bound (5 liveness intervals, at least 1 s). */
    EXPECT(took < 15000, "took %llu ms", (unsigned long long)took);
    return 0;
}
static int case_node_loss_retry(void) { return fanout_with_loss(1); }
static int case_node_loss_no_retry(void) { return fanout_with_loss(0); }

static int case_node_loss_blocking(void)
{
    lucidity_handle h;
    uint32_t out = 1;
    EXPECT_STATUS(lucidity_start(&slow_where_job, LUCIDITY_REMOTE, &(u32_msg){60000}, &h, NULL), LUCIDITY_OK);
    lh_sleep_ms(300); /* let the job start there */
    ask_kill(h.node);
    uint64_t t0 = luc_test_now();
    EXPECT_STATUS(lucidity_await(&h, &out), LUCIDITY_ENODELOST);
    uint64_t took = luc_test_now() - t0;
    printf("node-lost reported after %llu ms\n", (unsigned long long)took);
    EXPECT(took < 5000, "took %llu ms", (unsigned long long)took);
    /* the lost node is not chosen again by this caller */
    for (int i = 0; i < 6; i++) {
        EXPECT_STATUS(lucidity_call(&where_job, LUCIDITY_REMOTE, &(u32_msg){0}, &out, NULL), LUCIDITY_OK);
        EXPECT(out != h.node && out != self, "ran on %u", out);
    }
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(void);
} cases[] = {
    {"remote", case_remote},
    {"remote_async", case_remote_async},
    {"fanout_roundrobin", case_fanout_roundrobin},
    {"fanout_random", case_fanout_random},
    {"remote_failures", case_remote_failures},
    {"remote_exit", case_remote_exit},
    {"remote_tree_timeout", case_remote_tree_timeout},
    {"remote_tree_cancel", case_remote_tree_cancel},
    {"remote_caller_gone", case_remote_caller_gone},
    {"node_loss_retry", case_node_loss_retry},
    {"node_loss_no_retry", case_node_loss_no_retry},
    {"node_loss_blocking", case_node_loss_blocking},
};

int main(void)
{
    const char *want = getenv("LUCIDITY_TEST_CASE");
    self = lucidity_node_id();
    if (self == 0 || wait_for_nodes(4) != 0) {
        printf("FAIL setup: node %llu sees %u nodes\n", (unsigned long long)self, lh_nodes_count());
        return 1;
    }
    int ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (want && strcmp(want, cases[i].name) != 0)
            continue;
        test_name = cases[i].name;
        ran++;
        if (cases[i].fn() == 0)
            printf("ok %s\n", cases[i].name);
        fflush(stdout);
    }
    if (!ran)
        printf("FAIL no case named %s\n", want ? want : "?");
    fflush(stdout);
    return 0;
}
