/*
 * courier_test.c - a node's courier (runtime/src/courier.c) run as the
 * process under test, on "node 0" (the fake host's own VM): the dispatcher it
 * spawns there is a fake process whose mailbox shows every distributed send;
 * the caller's messages are injected. The courier's caller is itself (pid 1):
 * what it tells the caller is watched through the send hook.
 *
 * Covers issue 14 item 4: items queued while the courier works go out as one
 * distributed message, not one acknowledged send each; a heartbeat every
 * liveness interval while idle; a probe is answered only after a send went
 * through; a dispatcher that cannot be spawned or is gone makes the node lost.
 */
#include <string.h>

#include "unit.h"
#include "remote.h"

#define LIVENESS 100u
#define NODE_TAG ((int64_t)555)

static struct {
    size_t beats, lost, spawned;
} told;

static void watch_caller(const fake_proc *to, const fake_msg *m, void *user)
{
    (void)user;
    if (to->pid != FAKE_CALLER_PID || m->tag != NODE_TAG || !m->len)
        return;
    told.beats += m->data[0] == LUC_K_BEAT;
    told.lost += m->data[0] == LUC_K_LOST;
    told.spawned += m->data[0] == LUC_K_SPAWNED;
}

static bool dispatcher_dies;

static void dispatcher_script(const fake_proc *p, fake_plan *plan, void *user)
{
    (void)user;
    assert_string_equal(p->entry, LUC_DISPATCHER_ENTRY);
    if (dispatcher_dies) {
        plan->action = FAKE_DIE;
        plan->delay_ms = 1;
    }
}

static int courier_setup(void **state)
{
    unit_setup(state);
    memset(&told, 0, sizeof told);
    dispatcher_dies = false;
    fake_set_script(dispatcher_script, NULL);
    fake_set_send_hook(watch_caller, NULL);
    return 0;
}

/* The caller's message at `at`: an item (or cancel) of call tag, or a bare kind. */
static void caller_sends(uint64_t at, luc_kind kind, int64_t tag)
{
    uint8_t m[LUC_HEAD_SIZE + sizeof(luc_item_rec) + 8] = {(uint8_t)kind};
    size_t len = LUC_HEAD_SIZE;
    if (kind == LUC_K_ITEM || kind == LUC_K_CANCEL) {
        luc_item_rec r = {kind, kind == LUC_K_ITEM ? 3 : 0, tag, 1u << 20, 0, kind == LUC_K_ITEM ? 2 : 0, 0};
        memcpy(m + len, &r, sizeof r);
        len += sizeof r;
        if (kind == LUC_K_ITEM) {
            memcpy(m + len, "sqr\x08\x03", 5);
            len += 5;
        }
    }
    fake_inject(at, FAKE_CALLER_PID, tag, m, len);
}

static const fake_proc *dispatcher(void)
{
    const fake_proc *d = fake_job(0);
    assert_non_null(d);
    assert_string_equal(d->entry, LUC_DISPATCHER_ENTRY);
    assert_int_equal(d->params[1], FAKE_CALLER_PID);
    assert_int_equal((int64_t)d->params[2], NODE_TAG);
    return d;
}

/* Records in a batch the dispatcher received (-1: not a batch). */
static long records(const fake_msg *m)
{
    if (m->tag != LUC_BATCH_TAG || m->len < LUC_HEAD_SIZE || m->data[0] != LUC_K_BATCH)
        return -1;
    long n = 0;
    for (size_t at = LUC_HEAD_SIZE; at + sizeof(luc_item_rec) <= m->len; n++) {
        luc_item_rec r;
        memcpy(&r, m->data + at, sizeof r);
        at += sizeof r + r.entry_len + r.args_len;
    }
    return n;
}

/* 10 items and a cancel that are queued when the courier looks go out as
   one batch, in order; then QUIT reaches the dispatcher and the courier ends. */
static void queued_items_go_in_one_batch(void **state)
{
    (void)state;
    uint64_t t0 = fake_now();
    for (int64_t i = 0; i < 10; i++)
        caller_sends(t0, LUC_K_ITEM, 100 + i);
    caller_sends(t0, LUC_K_CANCEL, 100);
    caller_sends(t0 + 30, LUC_K_QUIT, 1);
    lucidity__node_courier(0, FAKE_CALLER_PID, NODE_TAG, LIVENESS);
    const fake_proc *d = dispatcher();
    assert_int_equal(told.spawned, 1);
    assert_true(d->box_len >= 2);
    assert_int_equal(records(&d->box[0]), 11);
    luc_item_rec r;
    memcpy(&r, d->box[0].data + LUC_HEAD_SIZE, sizeof r);
    assert_int_equal(r.tag, 100);
    assert_int_equal(r.memory, 1u << 20);
    assert_int_equal(d->box[d->box_len - 1].data[0], LUC_K_QUIT);
    for (size_t i = 1; i + 1 < d->box_len; i++)
        assert_int_equal(records(&d->box[i]), 0); /* at most a heartbeat between */
    assert_true(d->box_len <= 3);
}

/* Idle for 1 s: a heartbeat (an empty batch) at least every interval. */
static void idle_courier_sends_heartbeats(void **state)
{
    (void)state;
    uint64_t t0 = fake_now();
    caller_sends(t0 + 1000, LUC_K_QUIT, 1);
    lucidity__node_courier(0, FAKE_CALLER_PID, NODE_TAG, LIVENESS);
    const fake_proc *d = dispatcher();
    size_t beats = 0;
    for (size_t i = 0; i < d->box_len; i++)
        beats += records(&d->box[i]) == 0;
    assert_true(beats >= 1000 / LIVENESS - 1);
    assert_true(beats <= 1000 / LIVENESS + 1);
    assert_int_equal(told.beats, 0); /* nobody asked */
}

/* A probe is answered once the send it causes went through. */
static void probe_answered_after_a_send(void **state)
{
    (void)state;
    uint64_t t0 = fake_now();
    caller_sends(t0 + 10, LUC_K_PROBE, NODE_TAG);
    caller_sends(t0 + 20, LUC_K_QUIT, 1);
    lucidity__node_courier(0, FAKE_CALLER_PID, NODE_TAG, LIVENESS);
    assert_int_equal(told.beats, 1);
    assert_int_equal(told.lost, 0);
    assert_true(dispatcher()->box_len >= 2);
}

/* The dispatcher cannot be spawned: LOST, and the courier ends. */
static void failed_dispatcher_spawn_is_lost(void **state)
{
    (void)state;
    fake_fail_spawn(0);
    lucidity__node_courier(0, FAKE_CALLER_PID, NODE_TAG, LIVENESS);
    assert_int_equal(told.lost, 1);
    assert_int_equal(told.spawned, 0);
    assert_int_equal(fake_live_errors(), 0);
    assert_int_equal(fake_live_configs(), 0);
}

/* The dispatcher is gone (a send finds no process): LOST, and the courier ends. */
static void gone_dispatcher_is_lost(void **state)
{
    (void)state;
    dispatcher_dies = true; /* it dies 1 ms after its first batch */
    uint64_t t0 = fake_now();
    caller_sends(t0, LUC_K_ITEM, 7);
    caller_sends(t0 + 50, LUC_K_ITEM, 8);
    lucidity__node_courier(0, FAKE_CALLER_PID, NODE_TAG, LIVENESS);
    assert_int_equal(told.lost, 1);
    assert_false(fake_job(0)->alive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(queued_items_go_in_one_batch, courier_setup),
        cmocka_unit_test_setup(idle_courier_sends_heartbeats, courier_setup),
        cmocka_unit_test_setup(probe_answered_after_a_send, courier_setup),
        cmocka_unit_test_setup(failed_dispatcher_spawn_is_lost, courier_setup),
        cmocka_unit_test_setup(gone_dispatcher_is_lost, courier_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
