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
 * Each node in use has a courier (courier.c): the local process that makes
 * every distributed call to the node for this process, and spawned our
 * dispatcher there. Results come back in batches under the node's tag
 * (LUC_K_RESULTS): each one whose call is still tracked here is handed, under
 * the call's tag, to the wait that received the batch when it is that wait's
 * (wait.c), else sent on to this process, where its own wait takes it; the
 * others (a call that ended, a lost dispatch) are dropped.
 *
 * Liveness: lunatic 0.13.2 has no cross-node links and a distributed send to
 * a dead node blocks forever. While a caller waits on a node it asks the
 * courier every liveness interval to probe the node (a send to our
 * dispatcher, answered by the node even while it is busy). A probe
 * unanswered for LUC_LOST_INTERVALS intervals (at least LUC_LOST_MIN_MS)
 * means the node is lost, and so does a courier that cannot be spawned, that
 * died or that found the node or the dispatcher gone; results count as an
 * answer too.
 *
 * The table of nodes grows as needed and forgets the nodes that left
 * lunatic's node list (LUC_NODES_PRUNE_AT), so node churn in a long-lived app
 * can neither fill it nor make a loss go unrecorded.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"
#include "remote.h"

#define LUC_MAX_NODES 256         /* nodes one get_nodes() call reports */
#define LUC_NODES_PRUNE_AT 512    /* table size at which departed nodes are dropped */

typedef struct luc_node {
    uint64_t id;
    uint64_t courier;  /* pid of the courier (0: not started) */
    uint64_t disp;     /* its dispatcher on the node (0: not reported yet) */
    int64_t tag;       /* tag of the courier's link and of every message about the node */
    uint64_t probe_at; /* when the outstanding probe was asked (0: none) */
    uint64_t seen_at;  /* when the node last answered */
    bool lost;
    int64_t *live;     /* tags of the calls running there (results are theirs) */
    size_t nlive, live_cap;
} luc_node;

/* Per-process state (each lunatic process is its own instance): the
 * round-robin cursor, a random state, and what we know of each node. */
static uint64_t luc_rr;
static uint64_t luc_rng;
static luc_node *luc_nodes;
static size_t luc_nnodes, luc_cap;
/* Stands for a node the table cannot hold (out of memory): it counts as lost,
   so a call on it ends instead of waiting on a liveness nobody checks. */
static luc_node luc_untracked = {.tag = ((int64_t)1 << 47) + 1, .lost = true};
/* The last batch of results received, read out of the message buffer (its
   replies are read from here, luc_node_next_result), and the position of its
   next reply. luc_inbox_node: the node it came from. */
static luc_bytes luc_inbox;
static size_t luc_inbox_at;
static uint64_t luc_inbox_node;
/* The reply luc_node_next_result handed out last (for luc_node_defer_result). */
static struct {
    int64_t tag;
    const uint8_t *data;
    size_t len;
} luc_last;

static luc_node *luc_node_find(uint64_t id)
{
    for (size_t i = 0; i < luc_nnodes; i++)
        if (luc_nodes[i].id == id)
            return &luc_nodes[i];
    return NULL;
}

static void luc_node_drop_courier(luc_node *n)
{
    if (n->courier)
        luc_stop(n->courier, n->tag); /* it may be stuck in a send to the dead node */
    n->courier = 0;
    n->disp = 0;
}

/* Drops the nodes lunatic no longer lists (a call still on one re-creates it). */
static void luc_nodes_prune(void)
{
    uint64_t ids[LUC_MAX_NODES];
    uint32_t k = lh_get_nodes(ids, LUC_MAX_NODES);
    if (k > LUC_MAX_NODES)
        k = LUC_MAX_NODES;
    size_t m = 0;
    for (size_t i = 0; i < luc_nnodes; i++) {
        bool listed = false;
        for (uint32_t j = 0; j < k && !listed; j++)
            listed = ids[j] == luc_nodes[i].id;
        if (listed)
            luc_nodes[m++] = luc_nodes[i];
        else {
            luc_node_drop_courier(&luc_nodes[i]);
            free(luc_nodes[i].live);
        }
    }
    luc_nnodes = m;
}

static luc_node *luc_node_get(uint64_t id)
{
    luc_node *n = luc_node_find(id);
    if (n)
        return n;
    if (luc_nnodes >= LUC_NODES_PRUNE_AT)
        luc_nodes_prune();
    if (luc_nnodes == luc_cap) {
        size_t cap = luc_cap ? 2 * luc_cap : 16;
        luc_node *grown = realloc(luc_nodes, cap * sizeof *grown);
        if (!grown)
            return &luc_untracked;
        luc_nodes = grown;
        luc_cap = cap;
    }
    n = &luc_nodes[luc_nnodes++];
    *n = (luc_node){.id = id, .tag = luc_new_tag(), .seen_at = luc_now_ms()};
    return n;
}

void luc_node_lost(uint64_t id)
{
    luc_node *n = luc_node_get(id);
    if (n->lost)
        return;
    n->lost = true;
    luc_node_drop_courier(n);
}

bool luc_node_is_lost(uint64_t id)
{
    luc_node *n = luc_node_find(id);
    return n && n->lost;
}

int64_t luc_node_tag(uint64_t id)
{
    return luc_node_get(id)->tag;
}

uint64_t luc_node_wake_ms(uint64_t id, uint64_t liveness_ms)
{
    luc_node *n = luc_node_get(id);
    if (n->lost)
        return 1; /* now: calls on it must be re-dispatched or failed */
    if (n->probe_at)
        return luc_add_sat(n->probe_at, luc_lost_after(liveness_ms));
    return luc_add_sat(n->seen_at, liveness_ms);
}

static bool luc_node_courier_ready(luc_node *n, uint64_t liveness_ms)
{
    if (n->courier)
        return true;
    if (n->lost)
        return false;
    const uint64_t params[4] = {n->id, lh_process_id(), (uint64_t)n->tag, liveness_ms};
    if (luc_spawn(n->tag, -1, LUC_COURIER_ENTRY, params, 4, &n->courier) == LUCIDITY_OK)
        return true;
    n->courier = 0;
    return false;
}

int luc_node_courier(uint64_t id, uint64_t liveness_ms, uint64_t *pid)
{
    luc_node *n = luc_node_get(id);
    if (!luc_node_courier_ready(n, liveness_ms))
        return LUCIDITY_ESPAWN;
    *pid = n->courier;
    return LUCIDITY_OK;
}

uint64_t luc_node_dispatcher(uint64_t id)
{
    luc_node *n = luc_node_find(id);
    return n ? n->disp : 0;
}

void luc_node_track(uint64_t id, int64_t tag)
{
    luc_node *n = luc_node_get(id);
    if (n->nlive == n->live_cap) {
        size_t cap = n->live_cap ? 2 * n->live_cap : 16;
        int64_t *grown = realloc(n->live, cap * sizeof *grown);
        if (!grown)
            return; /* its result is dropped: the call ends by its node's liveness */
        n->live = grown;
        n->live_cap = cap;
    }
    n->live[n->nlive++] = tag;
}

static bool luc_node_tracks(const luc_node *n, int64_t tag)
{
    for (size_t i = 0; i < n->nlive; i++)
        if (n->live[i] == tag)
            return true;
    return false;
}

void luc_node_untrack(uint64_t id, int64_t tag)
{
    luc_node *n = luc_node_find(id);
    for (size_t i = 0; n && i < n->nlive; i++)
        if (n->live[i] == tag) {
            n->live[i] = n->live[--n->nlive];
            return;
        }
}

/* Time to check the node: ask for a probe, or give up on an unanswered one. */
void luc_node_tick(uint64_t id, uint64_t liveness_ms)
{
    luc_node *n = luc_node_get(id);
    uint64_t now = luc_now_ms();
    if (n->lost)
        return;
    if (n->probe_at) {
        if (now >= luc_add_sat(n->probe_at, luc_lost_after(liveness_ms)))
            luc_node_lost(id);
        return;
    }
    if (now < luc_add_sat(n->seen_at, liveness_ms))
        return;
    /* An unsent probe counts as an unanswered one: the wait ends by the
       lost-after bound instead of retrying (spinning) on a failing spawn. */
    n->probe_at = now;
    if (n->courier && luc_tell(n->courier, n->tag, LUC_K_PROBE, 0) != LUCIDITY_OK)
        luc_node_drop_courier(n);
}

void luc_node_cancel(uint64_t id, int64_t tag)
{
    luc_node *n = luc_node_get(id);
    if (n->lost || !n->courier)
        return; /* a dispatcher that stops hearing from us ends its jobs itself */
    luc_item_rec r = {.kind = LUC_K_CANCEL, .tag = tag};
    if (luc_msg_begin(n->tag, LUC_K_CANCEL, 0, sizeof r) != LUCIDITY_OK ||
        luc_msg_append(&r, sizeof r) != LUCIDITY_OK || luc_send(n->courier) != LUCIDITY_OK)
        luc_node_drop_courier(n);
}

/* The next reply of the batch whose call is still tracked, made the message
   being read (luc_msg_read_memory) under its call's tag. The wait loop hands
   it to the waiter it belongs to (no host call per reply: sending it to
   ourselves cost a send, a receive and four copies in and out of lunatic) or
   defers it to our mailbox (luc_node_defer_result). */
bool luc_node_next_result(int64_t *tag)
{
    while (luc_inbox_at + sizeof(luc_result_rec) <= luc_inbox.len) {
        luc_result_rec r;
        memcpy(&r, luc_inbox.data + luc_inbox_at, sizeof r);
        luc_inbox_at += sizeof r;
        if (r.len > luc_inbox.len - luc_inbox_at)
            break; /* malformed: nothing after it can be trusted */
        const uint8_t *reply = luc_inbox.data + luc_inbox_at;
        luc_inbox_at += r.len;
        /* Looked up per reply: handing out the previous one may have ended calls. */
        luc_node *n = luc_node_find(luc_inbox_node);
        if (!n || !luc_node_tracks(n, r.tag))
            continue;
        luc_last.tag = *tag = r.tag;
        luc_last.data = reply;
        luc_last.len = r.len;
        luc_msg_read_memory(reply, r.len);
        return true;
    }
    luc_inbox_at = luc_inbox.len = 0;
    return false;
}

void luc_node_defer_result(void)
{
    luc_msg_read_buffer();
    if (luc_msg_rebuild(luc_last.tag, luc_last.data, luc_last.len) != LUCIDITY_OK ||
        luc_send(lh_process_id()) != LUCIDITY_OK) {
        /* neither can fail: the reply came in a message, so it fits one, and
           a send to ourselves finds us */
    }
}

/* A batch of results. Replies of an earlier batch not handed out yet (a
   waiter nested in a waiter's callback receives this one) go to our mailbox
   first, in order: the new batch takes the buffer. */
static void luc_node_results(luc_node *n)
{
    int64_t tag;
    while (luc_node_next_result(&tag)) /* leaves luc_inbox empty */
        luc_node_defer_result();
    luc_inbox_node = n->id;
    if (!luc_bytes_take_msg(&luc_inbox, LUC_HEAD_SIZE))
        luc_inbox.len = 0; /* out of memory: those calls end by their node's liveness */
}

/* A message under a node's tag: from its courier (an answer, the dispatcher's
   pid, the node lost, its death) or a batch of results from the node. */
bool luc_node_on_message(int64_t tag, uint32_t received)
{
    for (size_t i = 0; i < luc_nnodes; i++) {
        luc_node *n = &luc_nodes[i];
        if (n->tag != tag)
            continue;
        luc_kind kind = 0;
        int32_t status = 0;
        if (received != LH_RECV_DATA || luc_msg_head(&kind, &status) != LUCIDITY_OK ||
            kind == LUC_K_LOST) {
            luc_node_lost(n->id);
            return true;
        }
        if (n->lost)
            return true; /* a late answer of a node taken for lost: never a result */
        if (kind == LUC_K_SPAWNED && luc_msg_take(&n->disp, sizeof n->disp) != LUCIDITY_OK)
            n->disp = 0;
        if (kind == LUC_K_RESULTS)
            luc_node_results(n);
        if (kind == LUC_K_BEAT || kind == LUC_K_RESULTS) {
            n->seen_at = luc_now_ms();
            n->probe_at = 0;
        }
        return true;
    }
    return false;
}

void luc_nodes_close(void)
{
    for (size_t i = 0; i < luc_nnodes; i++) {
        luc_node *n = &luc_nodes[i];
        if (!n->courier)
            continue;
        lh_unlink(n->courier); /* it ends normally, or by our guard: no news for us */
        if (!n->lost && luc_tell(n->courier, n->tag, LUC_K_QUIT, 0) != LUCIDITY_OK) {
            /* its dispatcher then ends our jobs when the courier falls silent */
        }
        n->courier = 0;
        n->disp = 0;
    }
}

/* This process is ending: its dispatchers end their jobs and exit. */
__attribute__((destructor)) static void luc_nodes_close_all(void)
{
    luc_nodes_close();
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

size_t luc_node_count(void)
{
    uint64_t ids[LUC_MAX_NODES];
    return luc_candidates(ids);
}

/* The least loaded of ids[0..m), scanning from round-robin position start. */
static size_t luc_least_loaded(const uint64_t *ids, size_t m, size_t start, const luc_load *load)
{
    size_t best = start % m, best_load = load->on(load->ctx, ids[best]);
    for (size_t k = 1; k < m && best_load; k++) {
        size_t i = (start + k) % m, l = load->on(load->ctx, ids[i]);
        if (l < best_load)
            best = i, best_load = l;
    }
    return best;
}

int luc_pick_node(const lucidity_opts *o, lucidity_where where, const luc_load *load,
                  uint64_t *node)
{
    *node = 0;
    if (where == LUCIDITY_LOCAL)
        return LUCIDITY_OK;
    uint64_t ids[LUC_MAX_NODES];
    size_t m = luc_candidates(ids);
    if (m == 0)
        return o->remote_fallback == LUCIDITY_FALLBACK_ERROR ? LUCIDITY_ENONODE : LUCIDITY_OK;
    size_t pick;
    if (o->fanout == LUCIDITY_FANOUT_RANDOM)
        pick = (size_t)(luc_random() % m);
    else if (o->fanout == LUCIDITY_FANOUT_BALANCED && load)
        pick = luc_least_loaded(ids, m, (size_t)(luc_rr++ % m), load);
    else
        pick = (size_t)(luc_rr++ % m);
    *node = ids[pick];
    return LUCIDITY_OK;
}
