/*
 * fanout.c - N calls with at most `concurrency` in flight.
 *
 * In-flight calls sit in a window of slots. One blocking receive over all
 * their tags takes whichever reply (or death) comes first; its timeout is the
 * nearest deadline. A finished slot is refilled with the next item at once,
 * so results are collected as they complete while outputs land in input order.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

typedef struct luc_fanout {
    const lucidity_job *job;
    lucidity_where where;
    const lucidity_fanout_opts *fopts;
    lucidity_opts o;
    const char *args;
    char *outs;
    int *statuses;
    size_t n, next, done, failed;
    lucidity_handle *slot; /* window; slot_item[i] is the item in slot i */
    size_t *slot_item;
    int64_t *tags; /* scratch for receive: slots' tags, then their nodes' */
    size_t window, inflight;
} luc_fanout;

static void *luc_out_at(luc_fanout *f, size_t i)
{
    return f->outs && f->job->out_size ? f->outs + i * f->job->out_size : NULL;
}

static void luc_item_done(luc_fanout *f, size_t item, int status, uint64_t node)
{
    f->statuses[item] = status;
    f->done++;
    if (status != LUCIDITY_OK)
        f->failed++;
    if (f->fopts && f->fopts->nodes)
        f->fopts->nodes[item] = node;
    if (f->fopts && f->fopts->progress)
        f->fopts->progress(f->done, f->n, item, status, node, f->fopts->progress_user);
}

/* Starts items until the window is full; an item that fails to start is done
 * at once and its slot takes the next item. */
static void luc_fill(luc_fanout *f)
{
    for (size_t s = 0; s < f->window && f->next < f->n; s++) {
        while (f->slot[s].state != LUC_RUNNING && f->next < f->n) {
            size_t item = f->next++;
            int rc = luc_call_begin(f->job, f->where, f->args + item * f->job->args_size,
                                    &f->slot[s], &f->o);
            if (rc != LUCIDITY_OK) {
                luc_item_done(f, item, rc, f->slot[s].node);
                continue;
            }
            f->slot_item[s] = item;
            f->inflight++;
        }
    }
}

/* A call ended (luc_call_end has set its state): record its item. */
static void luc_finish_slot(luc_fanout *f, size_t s, int rc)
{
    f->inflight--;
    luc_item_done(f, f->slot_item[s], rc, f->slot[s].node);
}

/* Waits for the first in-flight call to end, or for the nearest wake-up. */
static void luc_collect(luc_fanout *f)
{
    size_t k = 0;
    uint64_t nearest = 0;
    for (size_t s = 0; s < f->window; s++) {
        if (f->slot[s].state != LUC_RUNNING)
            continue;
        f->tags[k++] = f->slot[s].tag;
        uint64_t w = luc_call_wake_ms(&f->slot[s]);
        if (w && (!nearest || w < nearest))
            nearest = w;
    }
    size_t calls = k; /* then each node in use once: its prober's answers */
    for (size_t s = 0; s < f->window; s++) {
        if (f->slot[s].state != LUC_RUNNING || !f->slot[s].node)
            continue;
        int64_t t = luc_node_tag(f->slot[s].node);
        size_t j = calls;
        while (j < k && f->tags[j] != t)
            j++;
        if (j == k)
            f->tags[k++] = t;
    }
    uint64_t now = luc_now_ms();
    uint64_t wait = !nearest ? LUCIDITY_NONE : nearest > now ? nearest - now : 0;
    uint32_t r = lh_receive(f->tags, (uint32_t)k, wait);
    if (r == LH_TIMEOUT || luc_node_on_message(lh_get_tag(), r)) {
        now = luc_now_ms();
        for (size_t s = 0; s < f->window; s++) {
            uint64_t w = f->slot[s].state == LUC_RUNNING ? luc_call_wake_ms(&f->slot[s]) : 0;
            int rc = w && now >= w ? luc_call_on_wake(&f->slot[s]) : LUCIDITY_PENDING;
            if (rc != LUCIDITY_PENDING)
                luc_finish_slot(f, s, rc);
        }
        return;
    }
    int64_t tag = lh_get_tag();
    for (size_t s = 0; s < f->window; s++) {
        if (f->slot[s].state == LUC_RUNNING && f->slot[s].tag == tag) {
            int rc = luc_call_on_message(&f->slot[s], r, luc_out_at(f, f->slot_item[s]));
            if (rc != LUCIDITY_PENDING)
                luc_finish_slot(f, s, rc);
            return;
        }
    }
}

int lucidity_fanout(const lucidity_job *job, lucidity_where where, const void *args, size_t n,
                    void *outs, int *statuses, const lucidity_fanout_opts *fopts)
{
    if (!job || !statuses || (n && !args && job->args_size))
        return LUCIDITY_EINVAL;
    luc_fanout f = {.job = job, .where = where, .fopts = fopts, .args = args,
                    .outs = outs, .statuses = statuses, .n = n};
    luc_opts_resolve(&f.o, job, fopts ? &fopts->opts : NULL);
    f.window = f.o.concurrency < n ? f.o.concurrency : n;
    if (n == 0)
        return LUCIDITY_OK;
    f.slot = calloc(f.window, sizeof *f.slot);
    f.slot_item = calloc(f.window, sizeof *f.slot_item);
    f.tags = calloc(2 * f.window, sizeof *f.tags);
    if (!f.slot || !f.slot_item || !f.tags) {
        free(f.slot), free(f.slot_item), free(f.tags);
        return LUCIDITY_ENOMEM;
    }
    if (outs && job->out_size)
        memset(outs, 0, n * job->out_size);
    while (f.done < n) {
        luc_fill(&f);
        if (f.inflight)
            luc_collect(&f);
    }
    free(f.slot), free(f.slot_item), free(f.tags);
    return f.failed ? LUCIDITY_EFAILED : LUCIDITY_OK;
}
