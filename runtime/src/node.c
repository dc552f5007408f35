/*
 * node.c - where a call runs, and whether its node is still there.
 *
 * Local calls run on this node. A remote call runs on another node, chosen
 * by the job's scheme among the nodes lunatic knows (its list is refreshed
 * from the control node every 5 s, so nodes that join are used by later
 * calls), minus this node and the nodes this process has seen lost. With no
 * such node (plain `lunatic run`, a lone node) the job's remote_fallback
 * decides: run locally (default) or fail with ENONODE.
 *
 * Liveness: lunatic 0.13.2 has no cross-node links and a distributed send to
 * a dead node blocks forever, so each node in use gets a prober, a local
 * process that makes the blocking call for us. While a caller waits on a
 * node it asks the prober every liveness interval to send that node a probe
 * (to a pid that does not exist: a live node answers "no such process" at
 * once, even while it is busy, e.g. compiling the module for a first spawn).
 * A probe unanswered for LUC_LOST_INTERVALS intervals (at least
 * LUC_LOST_MIN_MS) means the node is lost.
 */
#include <stdlib.h>

#include "host.h"
#include "internal.h"

#ifdef __wasm__
#define LUC_EXPORT(name) __attribute__((export_name(name)))
#else
#define LUC_EXPORT(name)
#endif

#define LUC_MAX_NODES 256
#define LUC_PROBER_ENTRY "lucidity_node_prober"
#define LUC_LOST_INTERVALS 5
#define LUC_LOST_MIN_MS 1000
#define LUC_NO_SUCH_PID UINT64_MAX

typedef struct luc_node {
    uint64_t id;
    uint64_t prober;   /* pid of the prober (0: not started) */
    int64_t tag;       /* tag of the prober's messages and link */
    uint64_t probe_at; /* when the outstanding probe was asked (0: none) */
    uint64_t seen_at;  /* when the node last answered */
    bool lost;
} luc_node;

/* Per-process state (each lunatic process is its own instance): the
 * round-robin cursor, a random state, and what we know of each node. */
static uint64_t luc_rr;
static uint64_t luc_rng;
static luc_node luc_nodes[LUC_MAX_NODES];
static size_t luc_nnodes;

static luc_node *luc_node_find(uint64_t id)
{
    for (size_t i = 0; i < luc_nnodes; i++)
        if (luc_nodes[i].id == id)
            return &luc_nodes[i];
    return NULL;
}

static luc_node *luc_node_get(uint64_t id)
{
    luc_node *n = luc_node_find(id);
    if (n || luc_nnodes == LUC_MAX_NODES)
        return n;
    n = &luc_nodes[luc_nnodes++];
    *n = (luc_node){.id = id, .tag = luc_new_tag(), .seen_at = luc_now_ms()};
    return n;
}

void luc_node_lost(uint64_t id)
{
    luc_node *n = luc_node_get(id);
    if (!n || n->lost)
        return;
    n->lost = true;
    if (n->prober)
        luc_stop(n->prober, n->tag); /* it may be stuck in a send to the dead node */
    n->prober = 0;
}

bool luc_node_is_lost(uint64_t id)
{
    luc_node *n = luc_node_find(id);
    return n && n->lost;
}

int64_t luc_node_tag(uint64_t id)
{
    luc_node *n = luc_node_get(id);
    return n ? n->tag : 0;
}

static uint64_t luc_lost_after(uint64_t liveness_ms)
{
    uint64_t after = LUC_LOST_INTERVALS * liveness_ms;
    return after < LUC_LOST_MIN_MS ? LUC_LOST_MIN_MS : after;
}

uint64_t luc_node_wake_ms(uint64_t id, uint64_t liveness_ms)
{
    luc_node *n = luc_node_get(id);
    if (!n)
        return 0;
    if (n->lost)
        return 1; /* now: calls on it must be re-dispatched or failed */
    if (n->probe_at)
        return n->probe_at + luc_lost_after(liveness_ms);
    return n->seen_at + liveness_ms;
}

/* Time to check the node: ask for a probe, or give up on an unanswered one. */
void luc_node_tick(uint64_t id, uint64_t liveness_ms)
{
    luc_node *n = luc_node_get(id);
    uint64_t now = luc_now_ms();
    if (!n || n->lost)
        return;
    if (n->probe_at) {
        if (now >= n->probe_at + luc_lost_after(liveness_ms))
            luc_node_lost(id);
        return;
    }
    if (now < n->seen_at + liveness_ms)
        return;
    if (!n->prober) {
        const uint64_t params[3] = {id, lh_process_id(), (uint64_t)n->tag};
        if (luc_spawn(n->tag, -1, LUC_PROBER_ENTRY, params, 3, &n->prober) != LUCIDITY_OK) {
            n->prober = 0;
            return;
        }
    }
    luc_msg_begin(n->tag, LUC_K_PROBE, 0);
    lh_send(n->prober);
    n->probe_at = now;
}

/* A message under a node's tag: the prober's answer (or its death). */
bool luc_node_on_message(int64_t tag, uint32_t received)
{
    for (size_t i = 0; i < luc_nnodes; i++) {
        luc_node *n = &luc_nodes[i];
        if (n->tag != tag)
            continue;
        int32_t kind = 0;
        if (received == LH_RECV_DATA && luc_msg_read_status(&kind) == LUCIDITY_OK &&
            kind == LUC_K_BEAT) {
            n->seen_at = luc_now_ms();
            n->probe_at = 0;
        } else {
            luc_node_lost(n->id);
        }
        return true;
    }
    return false;
}

/* The prober: for each request from its caller, probe the node once. */
LUC_EXPORT(LUC_PROBER_ENTRY)
void lucidity__node_prober(uint64_t node, uint64_t caller, int64_t tag)
{
    luc_exit_silence();
    while (lh_receive(&tag, 1, LUCIDITY_NONE) == LH_RECV_DATA) {
        lh_create_data((uint64_t)LUC_PROBE_TAG, 0);
        uint32_t r = lh_dist_send(node, LUC_NO_SUCH_PID);
        luc_msg_begin(tag, r == 0 || r == LH_DSEND_NO_PROCESS ? LUC_K_BEAT : LUC_K_LOST, 0);
        lh_send(caller);
    }
}

static int luc_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t luc_random(void)
{
    if (!luc_rng)
        luc_rng = (lh_process_id() << 20) ^ luc_now_ms() ^ 0x9E3779B97F4A7C15u;
    luc_rng ^= luc_rng << 13; /* xorshift64 */
    luc_rng ^= luc_rng >> 7;
    luc_rng ^= luc_rng << 17;
    return luc_rng;
}

/* The nodes a remote call may use, in id order; returns how many. */
static size_t luc_candidates(uint64_t *ids)
{
    uint64_t self = lh_node_id();
    if (self == 0)
        return 0; /* not a distributed node: distributed calls would trap */
    size_t n = lh_get_nodes(ids, LUC_MAX_NODES), m = 0;
    if (n > LUC_MAX_NODES)
        n = LUC_MAX_NODES;
    for (size_t i = 0; i < n; i++)
        if (ids[i] != self && !luc_node_is_lost(ids[i]))
            ids[m++] = ids[i];
    qsort(ids, m, sizeof *ids, luc_cmp_u64);
    return m;
}

int luc_pick_node(const lucidity_opts *o, lucidity_where where, uint64_t *node)
{
    *node = 0;
    if (where == LUCIDITY_LOCAL)
        return LUCIDITY_OK;
    uint64_t ids[LUC_MAX_NODES];
    size_t m = luc_candidates(ids);
    if (m == 0)
        return o->remote_fallback == LUCIDITY_FALLBACK_ERROR ? LUCIDITY_ENONODE : LUCIDITY_OK;
    size_t pick = o->fanout == LUCIDITY_FANOUT_RANDOM ? (size_t)(luc_random() % m)
                                                      : (size_t)(luc_rr++ % m);
    *node = ids[pick];
    return LUCIDITY_OK;
}
