/*
 * node.c - where a call runs. Local calls run on this node. Remote calls need
 * another node; when there is none (plain `lunatic run`, or a lone node) the
 * job's remote_fallback decides: run locally (default) or fail with ENONODE.
 */
#include "host.h"
#include "internal.h"

int luc_pick_node(const lucidity_opts *o, lucidity_where where, uint64_t *node)
{
    *node = 0;
    if (where == LUCIDITY_LOCAL)
        return LUCIDITY_OK;
    /* Remote dispatch across nodes is the distributed issue's work; until it
       lands every remote call takes the documented no-other-node path. */
    return o->remote_fallback == LUCIDITY_FALLBACK_ERROR ? LUCIDITY_ENONODE : LUCIDITY_OK;
}
