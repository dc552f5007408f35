/*
 * fanout.c - N calls with at most `concurrency` in flight.
 *
 * In-flight calls sit in a window of slots. One blocking receive over all
 * their tags (plus one tag per place in use, e.g. a remote node's liveness,
 * as each call's transport says) takes whichever reply or death comes first;
 * its timeout is the nearest wake-up. A finished slot is
 * refilled with the next item at once, so results are collected as they
 * complete while outputs land in input order.
 *
 * Per completion the work does not depend on the window: the receive's tag
 * list is kept up to date in place (swap-remove), a reply finds its slot
 * through a hash of tags, and the nearest deadline is the oldest running
 * item's (every item has the same timeout and items start in input order).
 * What remains proportional to the window is the tag list lunatic copies in
 * each receive, and the scan of the window when a place is lost (rare).
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

typedef struct luc_slot {
    lucidity_handle h;
    size_t item;
    size_t pos;       /* index of its tag in tags[] */
    int64_t tag;      /* tag and place it is tracked under */
    const luc_transport *t;
    uint64_t place;
} luc_slot;

/* A place in use (a remote node, say) and how many calls run there. */
typedef struct luc_place_use {
    const luc_transport *t;
    uint64_t place;
    size_t calls;
} luc_place_use;

typedef struct luc_fanout {
    const lucidity_job *job;
    lucidity_where where;
    const lucidity_fanout_opts *fopts;
    lucidity_opts o;
    const char *args;
    char *outs;
    int *statuses;
    size_t n, next, done, failed;
    luc_slot *slot;
    size_t window;
    size_t *free_slots, nfree;
    size_t *item_slot;   /* per item: its slot while it runs, SIZE_MAX otherwise */
    size_t oldest;       /* no item before it is still running */
    int64_t *tags;       /* in-flight tags, then (while receiving) place tags */
    size_t *tag_slot;    /* tags[i] belongs to slot tag_slot[i] */
    size_t ntags, tags_cap;
    size_t *map;         /* open-addressing hash: tag -> slot (SIZE_MAX: empty) */
    size_t map_mask;
    luc_place_use *places; /* distinct places in use, with their in-flight calls */
    size_t nplaces, places_cap;
} luc_fanout;

#define LUC_NONE_SLOT SIZE_MAX

static size_t luc_hash(const luc_fanout *f, int64_t tag)
{
    return (size_t)(((uint64_t)tag * 0x9E3779B97F4A7C15u) >> 17) & f->map_mask;
}

static void luc_map_put(luc_fanout *f, int64_t tag, size_t s)
{
    size_t i = luc_hash(f, tag);
    while (f->map[i] != LUC_NONE_SLOT)
        i = (i + 1) & f->map_mask;
    f->map[i] = s;
}

static size_t luc_map_find(const luc_fanout *f, int64_t tag)
{
    for (size_t i = luc_hash(f, tag);; i = (i + 1) & f->map_mask) {
        size_t s = f->map[i];
        if (s == LUC_NONE_SLOT || f->slot[s].tag == tag)
            return s;
    }
}

/* Linear probing with backward-shift deletion: no tombstones to slow lookups. */
static void luc_map_del(luc_fanout *f, int64_t tag)
{
    size_t i = luc_hash(f, tag);
    while (f->map[i] != LUC_NONE_SLOT && f->slot[f->map[i]].tag != tag)
        i = (i + 1) & f->map_mask;
    if (f->map[i] == LUC_NONE_SLOT)
        return;
    for (size_t j = (i + 1) & f->map_mask; f->map[j] != LUC_NONE_SLOT; j = (j + 1) & f->map_mask) {
        size_t home = luc_hash(f, f->slot[f->map[j]].tag);
        /* move j's entry into the hole at i unless its home lies in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            f->map[i] = f->map[j];
            i = j;
        }
    }
    f->map[i] = LUC_NONE_SLOT;
}

static luc_place_use *luc_use_find(luc_fanout *f, const luc_transport *t, uint64_t place)
{
    for (size_t i = 0; i < f->nplaces; i++)
        if (f->places[i].t == t && f->places[i].place == place)
            return &f->places[i];
    return NULL;
}

/* Counts a call at place; false when out of memory. */
static bool luc_use_add(luc_fanout *f, const luc_transport *t, uint64_t place)
{
    luc_place_use *u = luc_use_find(f, t, place);
    if (!u) {
        if (f->nplaces == f->places_cap) {
            size_t cap = f->places_cap ? 2 * f->places_cap : 8;
            luc_place_use *grown = realloc(f->places, cap * sizeof *grown);
            int64_t *tags = realloc(f->tags, (f->window + cap) * sizeof *tags);
            if (tags)
                f->tags = tags;
            if (!grown || !tags) {
                f->places = grown ? grown : f->places;
                return false;
            }
            f->places = grown;
            f->places_cap = cap;
        }
        u = &f->places[f->nplaces++];
        *u = (luc_place_use){t, place, 0};
    }
    u->calls++;
    return true;
}

static void luc_use_del(luc_fanout *f, const luc_transport *t, uint64_t place)
{
    luc_place_use *u = luc_use_find(f, t, place);
    if (u && --u->calls == 0)
        *u = f->places[--f->nplaces];
}

/* Slot s's call runs under h.tag at its transport's place: make the receive
   list say so. */
static bool luc_track(luc_fanout *f, size_t s)
{
    luc_slot *sl = &f->slot[s];
    const luc_transport *t = luc_transport_of(&sl->h);
    uint64_t place = t->place(&sl->h);
    if (place && !luc_use_add(f, t, place))
        return false;
    sl->tag = sl->h.tag;
    sl->t = t;
    sl->place = place;
    sl->pos = f->ntags;
    f->tags[f->ntags] = sl->tag;
    f->tag_slot[f->ntags++] = s;
    luc_map_put(f, sl->tag, s);
    return true;
}

static void luc_untrack(luc_fanout *f, size_t s)
{
    luc_slot *sl = &f->slot[s];
    luc_map_del(f, sl->tag);
    size_t last = --f->ntags;
    f->tags[sl->pos] = f->tags[last];
    f->tag_slot[sl->pos] = f->tag_slot[last];
    f->slot[f->tag_slot[sl->pos]].pos = sl->pos;
    if (sl->place)
        luc_use_del(f, sl->t, sl->place);
}

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

/* Slot s's call had an event with result rc: finish it, or follow a
   re-dispatch (new tag, new place). */
static void luc_after_event(luc_fanout *f, size_t s, int rc)
{
    luc_slot *sl = &f->slot[s];
    if (rc == LUCIDITY_PENDING && sl->h.tag == sl->tag && sl->t->place(&sl->h) == sl->place)
        return;
    luc_untrack(f, s);
    if (rc == LUCIDITY_PENDING && luc_track(f, s))
        return;
    if (rc == LUCIDITY_PENDING) { /* cannot track it: out of memory */
        lucidity_cancel(&sl->h);
        rc = LUCIDITY_ENOMEM;
    }
    f->item_slot[sl->item] = LUC_NONE_SLOT;
    f->free_slots[f->nfree++] = s;
    luc_item_done(f, sl->item, rc, sl->h.node);
}

/* The balanced scheme's view: this fanout's calls in flight on a node (a
   remote call's place is its node). */
static size_t luc_load_on(void *ctx, uint64_t node)
{
    luc_fanout *f = ctx;
    for (size_t i = 0; i < f->nplaces; i++)
        if (f->places[i].place == node)
            return f->places[i].calls;
    return 0;
}

/* Starts items until the window is full; an item that fails to start is done
 * at once and its slot takes the next item. */
static void luc_fill(luc_fanout *f)
{
    while (f->nfree && f->next < f->n) {
        size_t s = f->free_slots[f->nfree - 1];
        size_t item = f->next++;
        luc_slot *sl = &f->slot[s];
        const luc_load load = {luc_load_on, f};
        int rc = luc_call_begin(f->job, f->where, f->args + item * f->job->args_size, &sl->h,
                                &f->o, &load);
        if (rc == LUCIDITY_OK && !luc_track(f, s)) {
            lucidity_cancel(&sl->h);
            rc = LUCIDITY_ENOMEM;
        }
        if (rc != LUCIDITY_OK) {
            luc_item_done(f, item, rc, sl->h.node);
            continue;
        }
        f->nfree--;
        sl->item = item;
        f->item_slot[item] = s;
    }
}

/* The oldest running item's slot (its deadline is the nearest), or NONE. */
static size_t luc_oldest(luc_fanout *f)
{
    while (f->oldest < f->next && f->item_slot[f->oldest] == LUC_NONE_SLOT)
        f->oldest++;
    return f->oldest < f->next ? f->item_slot[f->oldest] : LUC_NONE_SLOT;
}

static uint64_t luc_nearest_wake(luc_fanout *f)
{
    size_t s = luc_oldest(f);
    uint64_t nearest = s == LUC_NONE_SLOT ? 0 : f->slot[s].h.deadline_ms;
    for (size_t i = 0; i < f->nplaces; i++) {
        const luc_place_use *u = &f->places[i];
        uint64_t w = u->t->place_wake_ms(u->place, f->o.liveness_ms);
        if (w && (!nearest || w < nearest))
            nearest = w;
    }
    return nearest;
}

/* The clock passed a wake-up: deadlines first, then the places in use. */
static void luc_on_wake(luc_fanout *f)
{
    uint64_t now = luc_now_ms();
    for (size_t s; (s = luc_oldest(f)) != LUC_NONE_SLOT;) {
        uint64_t d = f->slot[s].h.deadline_ms;
        if (!d || now < d)
            break;
        luc_after_event(f, s, luc_call_on_wake(&f->slot[s].h));
    }
    for (size_t i = 0; i < f->nplaces; i++) {
        const luc_place_use *u = &f->places[i];
        uint64_t w = u->t->place_wake_ms(u->place, f->o.liveness_ms);
        if (w && now >= w)
            u->t->place_tick(u->place, f->o.liveness_ms);
    }
    /* Calls at a lost place are re-dispatched or fail: scan the window (rare). */
    bool any_lost = false;
    for (size_t i = 0; i < f->nplaces && !any_lost; i++)
        any_lost = f->places[i].t->place_lost(f->places[i].place);
    if (!any_lost)
        return;
    for (size_t s = 0; s < f->window; s++) {
        const luc_slot *sl = &f->slot[s];
        if (sl->h.state == LUC_RUNNING && f->item_slot[sl->item] == s && sl->place &&
            sl->t->place_lost(sl->place))
            luc_after_event(f, s, luc_call_on_wake(&f->slot[s].h));
    }
}

/* ---- the fanout as a wait set (wait.c): its window's calls ---- */

static size_t luc_fan_tags(void *ctx, const int64_t **tags)
{
    luc_fanout *f = ctx;
    for (size_t i = 0; i < f->nplaces; i++) /* each place in use once */
        f->tags[f->ntags + i] = f->places[i].t->place_tag(f->places[i].place);
    *tags = f->tags;
    return f->ntags + f->nplaces;
}

static uint64_t luc_fan_wake_ms(void *ctx)
{
    return luc_nearest_wake(ctx);
}

static void luc_fan_on_message(void *ctx, uint32_t received, int64_t tag)
{
    luc_fanout *f = ctx;
    size_t s = luc_map_find(f, tag);
    if (s != LUC_NONE_SLOT)
        luc_after_event(f, s, luc_call_on_message(&f->slot[s].h, received,
                                                  luc_out_at(f, f->slot[s].item)));
    luc_fill(f);
}

static bool luc_fan_wants(void *ctx, int64_t tag)
{
    return luc_map_find(ctx, tag) != LUC_NONE_SLOT;
}

static void luc_fan_on_wake(void *ctx)
{
    luc_on_wake(ctx);
    luc_fill(ctx);
}

static bool luc_fan_done(void *ctx)
{
    luc_fanout *f = ctx;
    return f->done == f->n;
}

static void luc_fanout_free(luc_fanout *f)
{
    free(f->slot), free(f->free_slots), free(f->item_slot), free(f->tags);
    free(f->tag_slot), free(f->map), free(f->places);
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
    /* A pooled job's items run on its workers: no more at once than there are,
       N here, or N on each node a remote fanout can use (beyond that they would
       run in fresh processes; none left: it falls back to this node's pool). */
    if (f.o.pool) {
        size_t places = where == LUCIDITY_LOCAL ? 1 : luc_node_count();
        size_t workers = (size_t)f.o.pool * (places ? places : 1);
        if (workers < f.window)
            f.window = workers;
    }
    if (n == 0)
        return LUCIDITY_OK;
    size_t map_size = 16;
    while (map_size < 2 * f.window)
        map_size *= 2;
    f.map_mask = map_size - 1;
    f.slot = calloc(f.window, sizeof *f.slot);
    f.free_slots = malloc(f.window * sizeof *f.free_slots);
    f.item_slot = malloc(n * sizeof *f.item_slot);
    f.tags = malloc(f.window * sizeof *f.tags);
    f.tag_slot = malloc(f.window * sizeof *f.tag_slot);
    f.map = malloc(map_size * sizeof *f.map);
    if (!f.slot || !f.free_slots || !f.item_slot || !f.tags || !f.tag_slot || !f.map) {
        luc_fanout_free(&f);
        return LUCIDITY_ENOMEM;
    }
    memset(f.map, 0xff, map_size * sizeof *f.map); /* every entry LUC_NONE_SLOT */
    memset(f.item_slot, 0xff, n * sizeof *f.item_slot);
    for (size_t s = 0; s < f.window; s++)
        f.free_slots[f.nfree++] = f.window - 1 - s; /* slot 0 is taken first */
    if (outs && job->out_size)
        memset(outs, 0, n * job->out_size);
    luc_fill(&f);
    const luc_wait_set ws = {&f, luc_fan_tags, luc_fan_wake_ms, luc_fan_on_message,
                             luc_fan_on_wake, luc_fan_done, luc_fan_wants};
    if (f.done < n)
        luc_wait(&ws, 0);
    luc_fanout_free(&f);
    return f.failed ? LUCIDITY_EFAILED : LUCIDITY_OK;
}
