/*
 * node.c - where a call runs.
 *
 * Local calls run on this node. A remote call runs on another node, chosen
 * by the job's scheme among the nodes lunatic knows (its list is refreshed
 * from the control node every 5 s, so nodes that join are used by later
 * calls), minus this node and the nodes this process has seen lost. With no
 * such node (plain `lunatic run`, a lone node) the job's remote_fallback
 * decides: run locally (default) or fail with ENONODE.
 */
#include <stdlib.h>

#include "host.h"
#include "internal.h"

#define LUC_MAX_NODES 256

/* Per-process state (each lunatic process is its own instance): the
 * round-robin cursor, a random state, and the nodes found lost. */
static uint64_t luc_rr;
static uint64_t luc_rng;
static uint64_t luc_lost[LUC_MAX_NODES];
static size_t luc_nlost;

void luc_node_lost(uint64_t node)
{
    for (size_t i = 0; i < luc_nlost; i++)
        if (luc_lost[i] == node)
            return;
    if (luc_nlost < LUC_MAX_NODES)
        luc_lost[luc_nlost++] = node;
}

static bool luc_is_lost(uint64_t node)
{
    for (size_t i = 0; i < luc_nlost; i++)
        if (luc_lost[i] == node)
            return true;
    return false;
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
        if (ids[i] != self && !luc_is_lost(ids[i]))
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
