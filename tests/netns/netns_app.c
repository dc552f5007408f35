/*
 * netns_app - the app node of the network-namespace fault tests
 * (tests/netns/netns_cluster.py: control + app node on host 0, one worker node
 * on each of hosts 1..3). The case comes from LUCIDITY_TEST_CASE; it prints
 * "ok CASE" or "FAIL CASE: why", and asks the harness for faults with lines
 *   lucidity-test: cut node N       (take worker node N's host link down)
 *   lucidity-test: restore node N   (bring it back up)
 *   lucidity-test: kill control     (SIGKILL the control node)
 *   lucidity-test: intrude          (try to join from a host without the keys)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netns_app.job.h"

__attribute__((import_module("lunatic::distributed"), import_name("nodes_count")))
uint32_t lunatic_nodes_count(void);
__attribute__((import_module("lunatic::process"), import_name("sleep_ms")))
void lunatic_sleep_ms(uint64_t ms);

enum { N = 300, WORKERS = 3 };

static const char *test_name = "?";
static uint64_t self;

#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s: ", test_name);                                                        \
            printf(__VA_ARGS__);                                                                   \
            printf(" (line %d)\n", __LINE__);                                                      \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void ask(const char *what, uint64_t node)
{
    if (node)
        printf("lucidity-test: %s node %" PRIu64 "\n", what, node);
    else
        printf("lucidity-test: %s\n", what);
    fflush(stdout);
}

uint64_t slow_where(uint32_t delay)
{
    lunatic_sleep_ms(delay);
    return lucidity_node_id();
}

/* Per-status counts of a fanout, and the items per node. */
typedef struct tally {
    int ok, lost, other;
    uint64_t ids[8];
    int counts[8], k;
} tally;

static tally count(const int *st, const uint64_t *nodes, const uint64_t *outs, int n)
{
    tally t = {0};
    for (int i = 0; i < n; i++) {
        if (st[i] == LUCIDITY_OK && outs[i] == nodes[i])
            t.ok++;
        else if (st[i] == LUCIDITY_ENODELOST)
            t.lost++;
        else
            t.other++;
        int j = 0;
        while (j < t.k && t.ids[j] != nodes[i])
            j++;
        if (j == t.k && t.k < 8)
            t.ids[t.k++] = nodes[i];
        if (j < 8)
            t.counts[j]++;
    }
    return t;
}

static void print_tally(const char *what, const tally *t, uint64_t took)
{
    printf("%s: %d ok, %d node-lost, %d other in %" PRIu64 " ms;", what, t->ok, t->lost, t->other,
           took);
    for (int j = 0; j < t->k; j++)
        printf(" node %" PRIu64 ": %d", t->ids[j], t->counts[j]);
    printf("\n");
    fflush(stdout);
}

static slow_where_args items[N];
static uint64_t outs[N], nodes[N];
static int st[N];

static int fanout(int n, uint32_t ms, uint32_t retries, lucidity_progress_fn progress,
                  uint64_t *took)
{
    for (int i = 0; i < n; i++)
        items[i].delay = ms;
    memset(st, 0, sizeof st);
    memset(nodes, 0, sizeof nodes);
    lucidity_fanout_opts fo = {.opts = {.retries = retries, .concurrency = 30},
                               .progress = progress, .nodes = nodes};
    uint64_t t0 = now_ms();
    int rc = slow_where_remote_fanout_with(items, (size_t)n, outs, st, &fo);
    *took = now_ms() - t0;
    return rc;
}

/* (a) items of one fanout run on each of the 3 worker hosts. */
static int case_spread(void)
{
    uint64_t took;
    int rc = fanout(N, 5, 0, NULL, &took);
    tally t = count(st, nodes, outs, N);
    print_tally("spread", &t, took);
    EXPECT(rc == LUCIDITY_OK && t.ok == N, "%s", lucidity_err_name(rc));
    EXPECT(t.k == WORKERS, "items ran on %d nodes", t.k);
    for (int j = 0; j < t.k; j++)
        EXPECT(t.ids[j] != self && t.counts[j] > 0, "node %" PRIu64, t.ids[j]);
    return 0;
}

/* (b) a worker host's link goes down after 30 items are done. */
static uint64_t victim;
static void cut_after_30(size_t done, size_t total, size_t index, int status, uint64_t node, void *u)
{
    (void)total, (void)index, (void)status, (void)u;
    if (done == 30 && !victim && node) {
        victim = node;
        ask("cut", node);
    }
}

static int cut(uint32_t retries)
{
    uint64_t took;
    int rc = fanout(N, 50, retries, cut_after_30, &took);
    tally t = count(st, nodes, outs, N);
    print_tally(retries ? "cut, retries=1" : "cut, retries=0", &t, took);
    EXPECT(victim != 0, "no node was cut");
    for (int i = 0; i < N; i++)
        EXPECT(st[i] == LUCIDITY_OK || (st[i] == LUCIDITY_ENODELOST && nodes[i] == victim),
               "item %d: %s on node %" PRIu64, i, lucidity_err_name(st[i]), nodes[i]);
    if (retries)
        EXPECT(rc == LUCIDITY_OK && t.ok == N, "%s, %d ok", lucidity_err_name(rc), t.ok);
    else
        EXPECT(rc == LUCIDITY_EFAILED && t.lost > 0 && t.ok + t.lost == N, "%s, %d lost",
               lucidity_err_name(rc), t.lost);
    /* ~1 s of work at 3 nodes plus one detection bound (5 liveness intervals, >= 1 s). */
    EXPECT(took < 10000, "took %" PRIu64 " ms", took);
    return 0;
}
static int case_cut_retry(void) { return cut(1); }
static int case_cut_no_retry(void) { return cut(0); }

/* count_on runs as a fresh local process: a caller that has seen no node lost. */
uint32_t count_on(uint64_t node, uint32_t n)
{
    uint64_t took;
    if (n > N)
        n = N;
    int rc = fanout((int)n, 10, 1, NULL, &took);
    uint32_t on = 0;
    for (uint32_t i = 0; i < n; i++)
        on += nodes[i] == node;
    return rc == LUCIDITY_OK ? on : on + 1000;
}

/* (c) the link comes back: is the node used again, by this caller and by a fresh one? */
static int case_link_back(void)
{
    slow_where_handle h;
    uint64_t out = 0, took;
    EXPECT(slow_where_remote_async(60000, &h) == LUCIDITY_OK, "start");
    lunatic_sleep_ms(300);
    victim = h.h.node;
    ask("cut", victim);
    uint64_t t0 = now_ms();
    int rc = slow_where_await(&h, &out);
    took = now_ms() - t0;
    printf("blocking call: %s %" PRIu64 " ms after the cut\n", lucidity_err_name(rc), took);
    EXPECT(rc == LUCIDITY_ENODELOST, "%s", lucidity_err_name(rc));
    ask("restore", victim);
    lunatic_sleep_ms(2000);

    rc = fanout(60, 10, 0, NULL, &took);
    tally t = count(st, nodes, outs, 60);
    print_tally("same caller after restore", &t, took);
    EXPECT(rc == LUCIDITY_OK, "%s", lucidity_err_name(rc));
    for (int i = 0; i < 60; i++)
        EXPECT(nodes[i] != victim, "the caller re-picked lost node %" PRIu64, victim);

    uint32_t on = 0;
    t0 = now_ms();
    rc = count_on_local(victim, 60, &on);
    took = now_ms() - t0;
    printf("fresh caller after restore: %s, %u of 60 items on node %" PRIu64 " (%s) in %" PRIu64
           " ms\n",
           lucidity_err_name(rc), on % 1000, victim, on >= 1000 ? "some failed" : "all ok", took);
    EXPECT(rc == LUCIDITY_OK && on < 1000, "fresh caller failed");
    /* measured: a restored node serves new callers again (its share of a roundrobin) */
    EXPECT(on > 0, "the restored node was not used by a fresh caller");
    return 0;
}

/* (d) the control node dies while a fanout runs, then a later fanout. */
static int control_killed;
static void kill_control_after_30(size_t done, size_t total, size_t index, int status,
                                  uint64_t node, void *u)
{
    (void)total, (void)index, (void)status, (void)node, (void)u;
    if (done == 30 && !control_killed) {
        control_killed = 1;
        ask("kill control", 0);
    }
}

static int case_control_lost(void)
{
    uint64_t took;
    int rc = fanout(N, 50, 0, kill_control_after_30, &took);
    tally t = count(st, nodes, outs, N);
    print_tally("fanout while control dies", &t, took);
    EXPECT(rc == LUCIDITY_OK && t.ok == N, "%s", lucidity_err_name(rc));
    lunatic_sleep_ms(5500); /* past a node-list refresh (every 5 s), which now fails */
    rc = fanout(90, 10, 0, NULL, &took);
    t = count(st, nodes, outs, 90);
    print_tally("fanout 5.5 s after control died", &t, took);
    EXPECT(rc == LUCIDITY_OK && t.ok == 90 && t.k == WORKERS, "%s on %d nodes",
           lucidity_err_name(rc), t.k);
    return 0;
}

/* (f) while a host without the cluster's keys tries to join (the harness
 * checks it is refused), the cluster works as before on its own 3 workers. */
static int case_admission(void)
{
    ask("intrude", 0);
    return case_spread();
}

static const struct {
    const char *name;
    int (*fn)(void);
} cases[] = {
    {"spread", case_spread},         {"cut_retry", case_cut_retry},
    {"cut_no_retry", case_cut_no_retry}, {"link_back", case_link_back},
    {"control_lost", case_control_lost}, {"admission", case_admission},
};

int main(void)
{
    const char *want = getenv("LUCIDITY_TEST_CASE");
    self = lucidity_node_id();
    /* workers may take one node-list refresh (5 s) to appear */
    for (int i = 0; i < 80 && lunatic_nodes_count() < WORKERS + 1; i++)
        lunatic_sleep_ms(250);
    if (self == 0 || lunatic_nodes_count() < WORKERS + 1) {
        printf("FAIL setup: node %" PRIu64 " sees %u nodes\n", self, lunatic_nodes_count());
        fflush(stdout);
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!want || strcmp(want, cases[i].name) != 0)
            continue;
        test_name = cases[i].name;
        if (cases[i].fn() == 0)
            printf("ok %s\n", cases[i].name);
        fflush(stdout);
        return 0;
    }
    printf("FAIL no case named %s\n", want ? want : "(LUCIDITY_TEST_CASE unset)");
    fflush(stdout);
    return 1;
}
