/*
 * Smoke test of lunatic's distributed mode (no runtime), run as the app of
 * `lunatic node --wasm` in a cluster of control + 3 nodes: waits until the
 * other nodes are known, spawns one process on each other node, and receives
 * a reply from each carrying that node's id.
 * Prints "dist smoke: ok" on success, "dist smoke: FAIL ..." otherwise.
 */
#include "smoke_util.h"

enum { TAG_HELLO = 201, MAX_NODES = 16 };

/* Runs on a remote node: reply with our node id to the caller's node/pid. */
EXPORT("smoke_report_node") void smoke_report_node(uint64_t caller_node, uint64_t caller_pid)
{
    smoke_put_u64(TAG_HELLO, lh_node_id());
    lh_dist_send(caller_node, caller_pid);
}

static int run(void)
{
    uint64_t self_node = lh_node_id();
    CHECK(self_node != 0, "not running as a distributed node");

    /* Nodes learn of each other by polling control every 5 s. */
    uint64_t nodes[MAX_NODES];
    uint32_t n = 0;
    for (int waited = 0; waited < 30000; waited += 250) {
        n = lh_get_nodes(nodes, MAX_NODES);
        if (n >= 3)
            break;
        lh_sleep_ms(250);
    }
    CHECK(n >= 3, "only %u nodes known", n);

    uint64_t self_pid = lh_process_id();
    uint64_t module = lh_module_id();
    int spawned = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (nodes[i] == self_node)
            continue;
        uint8_t params[2 * LH_PARAM_SIZE];
        lh_param_i64(params, self_node);
        lh_param_i64(params + LH_PARAM_SIZE, self_pid);
        uint64_t pid;
        const char *fn = "smoke_report_node";
        uint32_t r = lh_dist_spawn(nodes[i], -1, module, fn, (uint32_t)strlen(fn), params,
                                   sizeof params, &pid);
        CHECK(r == 0, "distributed spawn on node %llu returned %u", (unsigned long long)nodes[i], r);
        spawned++;
    }
    CHECK(spawned == 2, "spawned on %d other nodes, wanted 2", spawned);

    uint64_t seen[2] = {0, 0};
    for (int i = 0; i < spawned; i++) {
        int64_t tag = TAG_HELLO;
        uint32_t r = lh_receive(&tag, 1, 10000);
        CHECK(r == LH_RECV_DATA, "receive returned %u", r);
        seen[i] = smoke_get_u64();
        CHECK(seen[i] != 0 && seen[i] != self_node, "reply from node %llu", (unsigned long long)seen[i]);
        printf("reply from node %llu\n", (unsigned long long)seen[i]);
    }
    CHECK(seen[0] != seen[1], "both replies from node %llu", (unsigned long long)seen[0]);
    return 0;
}

int main(void)
{
    int rc = run();
    printf(rc == 0 ? "dist smoke: ok\n" : "dist smoke: FAIL\n");
    fflush(stdout);
    return rc;
}
