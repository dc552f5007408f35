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
#include "host.h"
#include "remote_test.job.h"

uint32_t where(uint32_t x)
{
    (void)x;
    return (uint32_t)lucidity_node_id();
}

/* Sleeps x ms, then answers with its node id. */
uint32_t slow_where(uint32_t x)
{
    lh_sleep_ms(x);
    return (uint32_t)lucidity_node_id();
}

static uint64_t luc_test_now(void);

/* Computes for x ms without a single wait (no receive, no sleep: only the
   clock, which never yields), then answers with its node id. On an unmetered
   node it holds its worker thread the whole time. */
static volatile uint64_t churn;
uint32_t spin(uint32_t x)
{
    uint64_t end = luc_test_now() + x;
    while (luc_test_now() < end)
        for (int i = 0; i < 10000; i++)
            churn = churn * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)lucidity_node_id();
}

static volatile uint32_t sink;
uint32_t crash(uint32_t kind)
{
    if (kind == 0)
        abort();
    for (;;)
        sink++;
}


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
        EXPECT_STATUS(where_remote(0, &node), LUCIDITY_OK);
        EXPECT(node != 0 && node != self, "ran on node %u (self %llu)", node, (unsigned long long)self);
        printf("remote call %d ran on node %u\n", i, node);
    }
    return 0;
}

static int case_remote_async(void)
{
    slow_where_handle h = {0};
    uint32_t node = 0;
    EXPECT_STATUS(slow_where_remote_async(300, &h), LUCIDITY_OK);
    EXPECT(h.h.node != 0 && h.h.node != self, "dispatched to node %llu", (unsigned long long)h.h.node);
    EXPECT_STATUS(slow_where_try_get(&h, &node), LUCIDITY_PENDING);
    EXPECT_STATUS(slow_where_await_timeout(&h, 10, &node), LUCIDITY_ETIMEOUT);
    EXPECT_STATUS(slow_where_await(&h, &node), LUCIDITY_OK);
    EXPECT(node == h.h.node, "ran on %u, dispatched to %llu", node, (unsigned long long)h.h.node);
    /* cancel */
    EXPECT_STATUS(slow_where_remote_async(60000, &h), LUCIDITY_OK);
    EXPECT_STATUS(slow_where_cancel(&h), LUCIDITY_OK);
    EXPECT_STATUS(slow_where_await(&h, &node), LUCIDITY_ECANCELLED);
    return 0;
}

uint64_t pooled_pid(uint32_t x)
{
    (void)x;
    return lh_process_id();
}

uint32_t pooled_crash(uint32_t x)
{
    if (x == 0)
        abort();
    return x * 3;
}

uint64_t pooled_slow(uint32_t ms)
{
    if (ms > 1000 && ms < 1256)
        exit((int)(ms - 1000));
    lh_sleep_ms(ms);
    return lh_process_id();
}

/* On failure, which statuses the items ended with (first item of each). */
static void print_statuses(const int *st, const uint64_t *nodes, int n)
{
    for (int code = LUCIDITY_OK; code >= LUCIDITY_ENOFUEL; code--) {
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
    static where_args args[N];
    static uint32_t outs[N];
    static int st[N];
    static uint64_t nodes[N];
    lucidity_fanout_opts fo = {.opts = {.fanout = scheme, .concurrency = 32}, .nodes = nodes};
    int rc = where_remote_fanout_with(args, N, outs, st, &fo);
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
    EXPECT_STATUS(crash_remote(0, &out), LUCIDITY_ETRAP);
    EXPECT_STATUS(crash_remote_with(1, &out, &(lucidity_opts){.fuel = 10}),
                  LUCIDITY_ETRAP);
    EXPECT_STATUS(slow_where_remote_with(60000, &out,
                                &(lucidity_opts){.timeout_ms = 300}),
                  LUCIDITY_ETIMEOUT);
    EXPECT(out == 0, "output not zeroed");
    return 0;
}

/* ---- node loss ---- */
static uint64_t victim;
static uint64_t kill_ms;
/* Progress callback: asks for the first node reported after *(size_t *)u items
   to be SIGKILLed (the victim), noting when. */
static void kill_after(size_t done, size_t total, size_t index, int status, uint64_t node, void *u)
{
    (void)total, (void)index, (void)status;
    if (done == *(const size_t *)u && !victim && node) {
        victim = node;
        kill_ms = luc_test_now();
        ask_kill(node);
    }
}

/* pool: 0, or the items run on pool workers of each node (a batch of them
   in flight on the node that is killed). */
static int fanout_with_loss(uint32_t retries, uint32_t pool)
{
    enum { N = 300 };
    static slow_where_args args[N];
    static uint32_t outs[N];
    static int st[N];
    static uint64_t nodes[N];
    for (int i = 0; i < N; i++)
        args[i].ms = 50; /* 50 ms each: the fanout lasts long enough to lose a node in it */
    lucidity_fanout_opts fo = {.opts = {.retries = retries, .concurrency = 30, .pool = pool},
                               .progress = kill_after, .progress_user = &(size_t){30},
                               .nodes = nodes};
    uint64_t t0 = luc_test_now();
    int rc = slow_where_remote_fanout_with(args, N, outs, st, &fo);
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
static int case_node_loss_retry(void) { return fanout_with_loss(1, 0); }
static int case_node_loss_no_retry(void) { return fanout_with_loss(0, 0); }
static int case_node_loss_pool_retry(void) { return fanout_with_loss(1, 8); }
static int case_node_loss_pool_no_retry(void) { return fanout_with_loss(0, 8); }

static int case_node_loss_blocking(void)
{
    slow_where_handle h = {0};
    uint32_t out = 1;
    EXPECT_STATUS(slow_where_remote_async(60000, &h), LUCIDITY_OK);
    lh_sleep_ms(300); /* let the job start there */
    ask_kill(h.h.node);
    uint64_t t0 = luc_test_now();
    EXPECT_STATUS(slow_where_await(&h, &out), LUCIDITY_ENODELOST);
    uint64_t took = luc_test_now() - t0;
    printf("node-lost reported after %llu ms\n", (unsigned long long)took);
    EXPECT(took < 5000, "took %llu ms", (unsigned long long)took);
    /* the lost node is not chosen again by this caller */
    for (int i = 0; i < 6; i++) {
        EXPECT_STATUS(where_remote(0, &out), LUCIDITY_OK);
        EXPECT(out != h.h.node && out != self, "ran on %u", out);
    }
    return 0;
}

/* ---- unmetered nodes (every node runs with LUNATIC_NO_FUEL=1) ---- */
static int expect_unmetered(void)
{
    const char *v = getenv("LUNATIC_NO_FUEL");
    EXPECT(v && strcmp(v, "1") == 0, "the cluster is not unmetered (LUNATIC_NO_FUEL=%s)", v ? v : "");
    return 0;
}

/* A fuel limit cannot be enforced without metering: the call fails with
   ENOFUEL at once, here and remotely, and the job never runs (an endless
   loop with a limit would otherwise never end). Without a limit jobs run. */
static int case_unmetered_fuel(void)
{
    if (expect_unmetered())
        return 1;
    uint32_t out = 1;
    lucidity_opts limited = {.fuel = 10};
    EXPECT_STATUS(where_local_with(0, &out, &limited), LUCIDITY_ENOFUEL);
    EXPECT_STATUS(where_remote_with(0, &out, &limited), LUCIDITY_ENOFUEL);
    EXPECT_STATUS(crash_remote_with(1, &out, &limited), LUCIDITY_ENOFUEL);
    EXPECT(out == 0, "output not zeroed");
    EXPECT_STATUS(where_local(0, &out), LUCIDITY_OK);
    EXPECT_STATUS(where_remote(0, &out), LUCIDITY_OK);
    EXPECT(out != 0 && out != self, "ran on node %u", out);
    /* LUCIDITY_NONE is no limit: allowed */
    EXPECT_STATUS(where_remote_with(0, &out, &(lucidity_opts){.fuel = LUCIDITY_NONE}), LUCIDITY_OK);
    /* Without fuel nothing stops an endless loop there, but the call still ends at
       its timeout (the job keeps its core until the node stops: documented). */
    uint64_t t0 = luc_test_now();
    EXPECT_STATUS(crash_remote_with(1, &out, &(lucidity_opts){.timeout_ms = 300}),
                  LUCIDITY_ETIMEOUT);
    uint64_t took = luc_test_now() - t0;
    printf("endless remote job: ETIMEOUT after %llu ms (timeout 300 ms)\n",
           (unsigned long long)took);
    EXPECT(took >= 300 && took < 5000, "took %llu ms", (unsigned long long)took);
    return 0;
}

/* Two jobs per worker node, each computing 3 s without a wait: on 2 cores,
   every process thread of every node is busy for 3 lost-after bounds (1 s).
   No node may be taken for lost (retries 0: a loss would show as ENODELOST).
   LUCIDITY_TEST_SPIN_MS sets another duration (bench/README: 60 s). */
static int case_unmetered_busy(void)
{
    enum { N = 6 };
    static spin_args args[N];
    static uint32_t outs[N];
    static int st[N];
    static uint64_t nodes[N];
    if (expect_unmetered())
        return 1;
    const char *ms_env = getenv("LUCIDITY_TEST_SPIN_MS");
    uint32_t ms = ms_env ? (uint32_t)strtoul(ms_env, NULL, 10) : 3000u;
    for (int i = 0; i < N; i++)
        args[i].ms = ms;
    lucidity_fanout_opts fo = {.opts = {.concurrency = N}, .nodes = nodes};
    uint64_t t0 = luc_test_now();
    int rc = spin_remote_fanout_with(args, N, outs, st, &fo);
    uint64_t took = luc_test_now() - t0;
    print_statuses(st, nodes, N);
    EXPECT_STATUS(rc, LUCIDITY_OK);
    for (int i = 0; i < N; i++)
        EXPECT(outs[i] == nodes[i] && outs[i] != self, "item %d ran on %u", i, outs[i]);
    printf("%d items of %u ms on 3 busy unmetered nodes: all ok in %llu ms\n", N, ms,
           (unsigned long long)took);
    return 0;
}

/* SIGKILL of a busy unmetered node mid-fanout is still detected: its items
   go to the other nodes (retries 1) and every item gets its result. */
static int case_unmetered_busy_loss(void)
{
    enum { N = 36, MS = 300 };
    static spin_args args[N];
    static uint32_t outs[N];
    static int st[N];
    static uint64_t nodes[N];
    if (expect_unmetered())
        return 1;
    for (int i = 0; i < N; i++)
        args[i].ms = MS;
    lucidity_fanout_opts fo = {.opts = {.retries = 1, .concurrency = 12},
                               .progress = kill_after, .progress_user = &(size_t){6},
                               .nodes = nodes};
    int rc = spin_remote_fanout_with(args, N, outs, st, &fo);
    uint64_t after = luc_test_now() - kill_ms;
    print_statuses(st, nodes, N);
    EXPECT(victim != 0, "no node was killed");
    EXPECT_STATUS(rc, LUCIDITY_OK);
    int on_victim = 0; /* finished there before the kill */
    for (int i = 0; i < N; i++) {
        EXPECT(outs[i] == nodes[i] && outs[i] != self, "item %d ran on %u, dispatched to %llu",
               i, outs[i], (unsigned long long)nodes[i]);
        on_victim += nodes[i] == victim;
    }
    EXPECT(on_victim < N / 3, "%d items on the killed node", on_victim);
    printf("victim node %llu (%d items done there first); all %d items ok, the last %llu ms "
           "after the kill\n", (unsigned long long)victim, on_victim, N, (unsigned long long)after);
    /* a hang guard, not a speed figure: the work left is ~2 s plus one loss bound */
    EXPECT(after < 20000, "took %llu ms after the kill", (unsigned long long)after);

    /* A blocking wait on a node that computes on every thread, killed: two
       20 s jobs on each of the 2 nodes left (round robin), kill one's node. */
    spin_handle h[4] = {{0}};
    for (int i = 0; i < 4; i++)
        EXPECT_STATUS(spin_remote_async(20000, &h[i]), LUCIDITY_OK);
    lh_sleep_ms(500); /* let the jobs start there */
    ask_kill(h[0].h.node);
    uint64_t t0 = luc_test_now();
    uint32_t out = 1;
    EXPECT_STATUS(spin_await(&h[0], &out), LUCIDITY_ENODELOST);
    printf("busy node-lost reported after %llu ms\n", (unsigned long long)(luc_test_now() - t0));
    for (int i = 1; i < 4; i++) {
        EXPECT_STATUS(spin_cancel(&h[i]), LUCIDITY_OK);
        (void)spin_await(&h[i], &out);
    }
    return 0;
}

/* A pooled job's remote items are served by its pool's workers on each node:
   with at most 2 items in flight, 60 items run in at most 2 processes per node
   (not 60); a trap fails only its item, and the pool serves the next ones. */
static int case_remote_pool(void)
{
    enum { N = 60 };
    static pooled_pid_args args[N];
    static uint64_t outs[N], nodes[N];
    static int st[N];
    lucidity_fanout_opts fo = {.opts = {.concurrency = 2}, .nodes = nodes};
    EXPECT_STATUS(pooled_pid_remote_fanout_with(args, N, outs, st, &fo), LUCIDITY_OK);
    uint64_t seen[2 * N][2];
    int distinct = 0;
    for (int i = 0; i < N; i++) {
        EXPECT(nodes[i] != 0 && nodes[i] != self && outs[i] != 0, "item %d: node %llu pid %llu", i,
               (unsigned long long)nodes[i], (unsigned long long)outs[i]);
        int j = 0;
        while (j < distinct && (seen[j][0] != nodes[i] || seen[j][1] != outs[i]))
            j++;
        if (j == distinct) {
            seen[distinct][0] = nodes[i];
            seen[distinct++][1] = outs[i];
        }
    }
    printf("%d items ran in %d processes\n", N, distinct);
    EXPECT(distinct <= 2 * 3, "%d items ran in %d processes (pool 2, 3 nodes)", N, distinct);
    /* With the default window (64) the fanout keeps no more in flight than the
       nodes' workers, 2 per node: 60 items in about 6 processes (uneven
       completions may put a third on a node now and then: round robin). */
    lucidity_fanout_opts wide = {.nodes = nodes};
    EXPECT_STATUS(pooled_pid_remote_fanout_with(args, N, outs, st, &wide), LUCIDITY_OK);
    int in_wide = 0;
    for (int i = 0; i < N; i++) {
        int j = 0;
        while (j < i && (nodes[j] != nodes[i] || outs[j] != outs[i]))
            j++;
        in_wide += j == i;
    }
    printf("default window: %d items ran in %d processes\n", N, in_wide);
    EXPECT(in_wide <= 2 * 3 + 3, "%d items ran in %d processes (pool 2, 3 nodes, default window)",
           N, in_wide);
    static pooled_crash_args cargs[N];
    static uint32_t couts[N];
    for (int i = 0; i < N; i++)
        cargs[i].x = i % 10 == 5 ? 0 : (uint32_t)i + 1;
    lucidity_fanout_opts co = {.opts = {.concurrency = 4}, .nodes = nodes};
    EXPECT_STATUS(pooled_crash_remote_fanout_with(cargs, N, couts, st, &co), LUCIDITY_EFAILED);
    for (int i = 0; i < N; i++) {
        if (cargs[i].x == 0)
            EXPECT_STATUS(st[i], LUCIDITY_ETRAP);
        else
            EXPECT(st[i] == LUCIDITY_OK && couts[i] == cargs[i].x * 3, "item %d: %s, %u", i,
                   lucidity_err_name(st[i]), couts[i]);
    }
    return 0;
}

/* A pooled worker on another node that times out, is cancelled or calls exit()
   fails only its call, with the usual status, and the node's pool serves the
   next call (the dispatcher stops the worker and replaces it). */
static int case_remote_pool_failures(void)
{
    uint64_t pid = 0;
    EXPECT_STATUS(pooled_slow_remote(1, &pid), LUCIDITY_OK);
    EXPECT(pid != 0, "no worker pid");
    uint64_t t0 = luc_test_now();
    EXPECT_STATUS(pooled_slow_remote_with(60000, &pid, &(lucidity_opts){.timeout_ms = 200}),
                  LUCIDITY_ETIMEOUT);
    uint64_t took = luc_test_now() - t0;
    EXPECT(took >= 200 && took < 5000, "ETIMEOUT after %llu ms", (unsigned long long)took);
    pooled_slow_handle h = {0};
    EXPECT_STATUS(pooled_slow_remote_async(60000, &h), LUCIDITY_OK);
    lh_sleep_ms(100); /* let it start on a worker */
    EXPECT_STATUS(pooled_slow_cancel(&h), LUCIDITY_OK);
    EXPECT_STATUS(pooled_slow_await(&h, &pid), LUCIDITY_ECANCELLED);
    EXPECT_STATUS(pooled_slow_remote(1003, &pid), LUCIDITY_EEXIT);
    /* 6 calls after the failures, 3 at once: all served */
    pooled_slow_args args[6] = {{1}, {1}, {1}, {1}, {1}, {1}};
    uint64_t outs[6];
    int st[6];
    lucidity_fanout_opts fo = {.opts = {.concurrency = 3}};
    EXPECT_STATUS(pooled_slow_remote_fanout_with(args, 6, outs, st, &fo), LUCIDITY_OK);
    for (int i = 0; i < 6; i++)
        EXPECT(st[i] == LUCIDITY_OK && outs[i] != 0, "call %d after the failures: %s", i,
               lucidity_err_name(st[i]));
    return 0;
}

static const check_case cases[] = {
    {"remote", case_remote},
    {"remote_async", case_remote_async},
    {"fanout_roundrobin", case_fanout_roundrobin},
    {"fanout_random", case_fanout_random},
    {"remote_failures", case_remote_failures},
    {"node_loss_retry", case_node_loss_retry},
    {"node_loss_no_retry", case_node_loss_no_retry},
    {"node_loss_pool_retry", case_node_loss_pool_retry},
    {"remote_pool_failures", case_remote_pool_failures},
    {"node_loss_pool_no_retry", case_node_loss_pool_no_retry},
    {"node_loss_blocking", case_node_loss_blocking},
    {"unmetered_fuel", case_unmetered_fuel},
    {"unmetered_busy", case_unmetered_busy},
    {"unmetered_busy_loss", case_unmetered_busy_loss},
    {"remote_pool", case_remote_pool},
};

int main(void)
{
    const char *want = getenv("LUCIDITY_TEST_CASE");
    self = lucidity_node_id();
    if (self == 0 || wait_for_nodes(4) != 0) {
        printf("FAIL setup: node %llu sees %u nodes\n", (unsigned long long)self, lh_nodes_count());
        return 1;
    }
    (void)check_run(cases, sizeof cases / sizeof cases[0], want);
    return 0; /* the verdict is the printed lines: a node app's status goes nowhere */
}
