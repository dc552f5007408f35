/*
 * remote_test.c - the caller's side of remote calls against a fake cluster:
 * node loss, re-dispatch, stale replies, courier cleanup, node churn, and the
 * argument rules (extreme timeouts, NULL arrays, garbage handles).
 *
 * The caller's couriers are fake processes played by the send hook: for each
 * item a live node's results come back as a RESULTS batch under the node's
 * tag (as the node's returner would send them), a probe is answered with a
 * BEAT; a dead node's courier stays silent (it would be stuck in a send).
 */
#include <pb_common.h>
#include <string.h>

#include "unit.h"
#include "remote.h"

#define SELF 1u

/* A REPLY with an OK status and a u32 result v (< 128). */
static uint8_t reply_ok[10] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0x08, 0};
static uint8_t late_reply[10] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0x08, 111};

/* The world of one test: which nodes are dead, how live ones answer. */
static struct {
    uint64_t dead[2];     /* nodes whose couriers never answer */
    uint64_t late_node;   /* its results come late, after the node was taken for lost */
    uint64_t add_node;    /* joins the node list when the first item is sent */
    uint64_t reply_delay; /* live nodes' results come after this */
    uint64_t slow_node;   /* its results come after slow_delay instead */
    uint64_t slow_delay;
    bool spawned_only;    /* live nodes' jobs run until cancelled */
    size_t items;         /* items the couriers were given */
} world;

static bool is_dead(uint64_t node)
{
    return node == world.dead[0] || node == world.dead[1];
}

/* A RESULTS message holding one reply for call tag `tag`, due at `at`. */
static void results_at(uint64_t at, int64_t node_tag, int64_t tag, const uint8_t *reply, size_t len)
{
    uint8_t m[LUC_HEAD_SIZE + sizeof(luc_result_rec) + 16] = {LUC_K_RESULTS};
    luc_result_rec r = {tag, (uint32_t)len, 0};
    memcpy(m + LUC_HEAD_SIZE, &r, sizeof r);
    memcpy(m + LUC_HEAD_SIZE + sizeof r, reply, len);
    fake_inject(at, FAKE_CALLER_PID, node_tag, m, LUC_HEAD_SIZE + sizeof r + len);
}

static void cluster_script(const fake_proc *p, fake_plan *plan, void *user)
{
    (void)user;
    assert_string_equal(p->entry, "lucidity_node_courier");
    plan->action = FAKE_HOOK;
}

/* The couriers (params: node, caller, node tag, liveness) and their nodes. */
static void cluster_hook(const fake_proc *to, const fake_msg *m, void *user)
{
    (void)user;
    if (to->pid == FAKE_CALLER_PID || m->len < LUC_HEAD_SIZE)
        return;
    uint64_t node = to->params[0];
    int64_t node_tag = (int64_t)to->params[2];
    if (m->data[0] == LUC_K_PROBE && !is_dead(node)) {
        const uint8_t beat[LUC_HEAD_SIZE] = {LUC_K_BEAT};
        fake_inject(fake_now(), FAKE_CALLER_PID, node_tag, beat, sizeof beat);
        return;
    }
    if (m->data[0] != LUC_K_ITEM)
        return;
    luc_item_rec r;
    assert_true(m->len >= LUC_HEAD_SIZE + sizeof r);
    memcpy(&r, m->data + LUC_HEAD_SIZE, sizeof r);
    assert_int_equal(r.kind, LUC_K_ITEM);
    assert_int_equal(m->len, LUC_HEAD_SIZE + sizeof r + r.entry_len + r.args_len);
    world.items++;
    if (world.add_node) {
        const uint64_t both[2] = {node, world.add_node};
        fake_set_nodes(SELF, both, 2);
        world.add_node = 0;
    }
    if (node == world.late_node)
        results_at(fake_now() + 1300, node_tag, r.tag, late_reply, sizeof late_reply);
    if (is_dead(node) || world.spawned_only)
        return; /* silent */
    results_at(fake_now() + (node == world.slow_node ? world.slow_delay : world.reply_delay),
               node_tag, r.tag, reply_ok, sizeof reply_ok);
}

static int cluster_setup(void **state)
{
    unit_setup(state);
    memset(&world, 0, sizeof world);
    world.reply_delay = 50;
    reply_ok[9] = 9;
    fake_set_script(cluster_script, NULL);
    fake_set_send_hook(cluster_hook, NULL);
    return 0;
}

static void set_nodes1(uint64_t node)
{
    fake_set_nodes(SELF, &node, 1);
}

/* A node id no earlier test used: the runtime remembers lost nodes for the
   life of the process (this test binary). */
static uint64_t fresh(void)
{
    static uint64_t next = 100;
    return next++;
}

/* 3a: a dispatch lost to a slow node answers late; the retry's result wins. */
static void late_reply_of_a_lost_dispatch_is_never_the_result(void **state)
{
    (void)state;
    uint64_t a = fresh(), b = fresh();
    set_nodes1(a);
    world.dead[0] = world.late_node = a;
    world.add_node = b;
    world.reply_delay = 500; /* node 3 answers after node 2's late reply arrived */
    uint32_t out = 0;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out,
                                &(lucidity_opts){.retries = 1}),
                  LUCIDITY_OK);
    assert_int_equal(out, 9);
    assert_int_equal(fake_job(0)->params[0], a); /* it really went to node a first */
    assert_int_equal(world.items, 2);
    /* node a's results arrived (after the call) and were dropped: nothing is left */
    uint32_t again = 0;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &again, NULL),
                  LUCIDITY_OK);
    assert_true(fake_now() > 1300 + FAKE_CLOCK_START_MS);
    assert_int_equal(again, 9);
    assert_int_equal(fake_caller()->box_len, 0);
}

/* A fanout follows its items' re-dispatches (new tag, new node): every item
   on the dead node is retried on the live one, each result lands once. */
static void fanout_items_move_off_a_lost_node(void **state)
{
    (void)state;
    const uint64_t nodes[2] = {fresh(), fresh()};
    fake_set_nodes(SELF, nodes, 2);
    world.dead[0] = nodes[0];
    enum { N = 8 };
    u32_msg args[N];
    uint32_t outs[N];
    int st[N];
    uint64_t where[N];
    for (size_t i = 0; i < N; i++)
        args[i].value = (uint32_t)i;
    lucidity_fanout_opts fo = {.opts = {.retries = 1, .concurrency = 4}, .nodes = where};
    assert_status(lucidity_fanout(&square_job, LUCIDITY_REMOTE, args, N, outs, st, &fo), LUCIDITY_OK);
    for (size_t i = 0; i < N; i++) {
        assert_status(st[i], LUCIDITY_OK);
        assert_int_equal(outs[i], 9); /* the fake nodes all answer 9 */
        assert_int_equal(where[i], nodes[1]);
    }
    size_t on_dead = 0; /* items really went to the dead node first */
    for (size_t i = 0; i < fake_spawn_count(); i++)
        on_dead += fake_job(i) && fake_job(i)->params[0] == nodes[0] ? fake_job(i)->sends_received : 0;
    assert_true(on_dead >= 2); /* items (and probes) really went to the dead node's courier */
    assert_int_equal(fake_spawn_count(), 2); /* one courier per node, not one process per item */
    assert_int_equal(fake_caller()->box_len, 0);
}

/* A wait inside a wait: the fanout's progress callback makes remote calls of
   its own. A batch may then carry replies of both; the inner wait takes its
   own and leaves the fanout's in the mailbox, and the fanout still gets
   each of its replies once. */
static size_t nested_calls;
static void call_from_progress(size_t done, size_t total, size_t index, int status,
                               uint64_t node, void *user)
{
    (void)done, (void)total, (void)index, (void)status, (void)node, (void)user;
    uint32_t out = 0;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out, NULL),
                  LUCIDITY_OK);
    assert_int_equal(out, 9);
    nested_calls++;
}

static void a_wait_inside_a_wait_loses_no_reply(void **state)
{
    (void)state;
    const uint64_t nodes[2] = {fresh(), fresh()};
    fake_set_nodes(SELF, nodes, 2);
    enum { N = 24 };
    u32_msg args[N] = {{0}};
    uint32_t outs[N];
    int st[N];
    nested_calls = 0;
    lucidity_fanout_opts fo = {.opts = {.concurrency = 8}, .progress = call_from_progress};
    assert_status(lucidity_fanout(&square_job, LUCIDITY_REMOTE, args, N, outs, st, &fo), LUCIDITY_OK);
    for (size_t i = 0; i < N; i++) {
        assert_status(st[i], LUCIDITY_OK);
        assert_int_equal(outs[i], 9);
    }
    assert_int_equal(nested_calls, N);
    assert_int_equal(world.items, 2 * N); /* each item and each nested call dispatched once */
    const fake_proc *me = fake_caller();
    for (size_t i = 0; i < me->box_len; i++) /* at most a late probe answer per node */
        assert_true(me->box[i].len >= 1 && me->box[i].data[0] == LUC_K_BEAT);
}

/* 3b: a cancel goes to the node's courier, naming the call; the caller
   neither waits for it nor stops the courier, which serves the next call. */
static void cancel_goes_to_the_courier(void **state)
{
    (void)state;
    set_nodes1(fresh());
    world.spawned_only = true;
    lucidity_handle h;
    uint32_t out = 1;
    assert_status(lucidity_start(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &h, NULL), LUCIDITY_OK);
    assert_status(lucidity_await_timeout(&h, 50, &out), LUCIDITY_ETIMEOUT);
    uint64_t courier = h.pid;
    int64_t tag = h.tag;
    assert_status(lucidity_cancel(&h), LUCIDITY_OK);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ECANCELLED);
    const fake_proc *k = fake_proc_by_pid(courier);
    assert_true(k->alive);
    const fake_msg *m = &k->box[k->box_len - 1];
    assert_int_equal(m->data[0], LUC_K_CANCEL);
    luc_item_rec r;
    memcpy(&r, m->data + LUC_HEAD_SIZE, sizeof r);
    assert_int_equal(r.kind, LUC_K_CANCEL);
    assert_int_equal(r.tag, tag);
    /* the courier's late result for the cancelled call is dropped, the next call works */
    results_at(fake_now() + 5, (int64_t)k->params[2], tag, reply_ok, sizeof reply_ok);
    world.spawned_only = false;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out, NULL), LUCIDITY_OK);
    assert_int_equal(out, 9);
    assert_int_equal(fake_spawn_count(), 1);
    if (fake_caller()->box_len)
        fail_msg("left in the mailbox: tag %lld kind %u", (long long)fake_caller()->box[0].tag,
                 fake_caller()->box[0].kind);
}

/* 3b: a cancel on a dead node (its courier is stuck) returns at once, and the
   node's loss is still found by a later call. */
static void cancel_on_a_dead_node_does_not_wait(void **state)
{
    (void)state;
    world.dead[0] = fresh();
    set_nodes1(world.dead[0]);
    lucidity_handle h;
    uint32_t out = 1;
    assert_status(lucidity_start(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &h, NULL), LUCIDITY_OK);
    uint64_t t0 = fake_now();
    assert_status(lucidity_cancel(&h), LUCIDITY_OK);
    assert_int_equal(fake_now(), t0);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ECANCELLED);
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out, NULL),
                  LUCIDITY_ENODELOST);
    assert_int_equal(fake_alive_jobs(), 0); /* the courier was stopped */
    assert_int_equal(fake_caller()->box_len, 0);
}

/* 3d: re-dispatch whose courier spawn keeps failing ends (no busy loop). */
static void failing_redispatch_spawns_end_the_call(void **state)
{
    (void)state;
    const uint64_t nodes[2] = {fresh(), fresh()};
    fake_set_nodes(SELF, nodes, 2);
    world.dead[0] = nodes[0], world.dead[1] = nodes[1];
    fake_fail_spawns_from(1); /* node 0's courier starts; no other ever does */
    uint32_t out = 1;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out,
                                &(lucidity_opts){.retries = 3}),
                  LUCIDITY_ENODELOST);
    assert_true(fake_spawn_count() <= 4); /* each try spawns at most once */
    assert_int_equal(fake_live_errors(), 0);
}

/* 3d: no node left for the retry: ENODELOST, nothing leaked (LeakSanitizer). */
static void no_node_left_for_the_retry(void **state)
{
    (void)state;
    world.dead[0] = fresh();
    set_nodes1(world.dead[0]);
    uint32_t out = 1;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out,
                                &(lucidity_opts){.retries = 2}),
                  LUCIDITY_ENODELOST);
    assert_int_equal(fake_alive_jobs(), 0); /* the courier was stopped */
}

/* 3e: more nodes come and go than any fixed table holds; each loss is seen. */
static void node_churn_never_hangs_a_call(void **state)
{
    (void)state;
    for (uint64_t i = 0; i < 600; i++) {
        (void)i;
        world.dead[0] = fresh();
        set_nodes1(world.dead[0]);
        uint32_t out = 1;
        assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out, NULL),
                      LUCIDITY_ENODELOST);
        assert_int_equal(fake_alive_jobs(), 0);
    }
}

/* 3f: a courier that cannot be spawned fails the call at once (no spin). */
static void failed_courier_spawn_does_not_spin(void **state)
{
    (void)state;
    world.dead[0] = fresh();
    set_nodes1(world.dead[0]);
    fake_fail_spawn(0); /* the courier */
    uint32_t out = 1;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out, NULL),
                  LUCIDITY_ESPAWN);
    assert_true(fake_receive_count() < 5);
    assert_int_equal(fake_live_errors(), 0);
}

/* 3f: a courier that dies (it could not go on) makes its node lost; the
   call moves to another node. */
static void a_dead_courier_loses_its_node(void **state)
{
    (void)state;
    const uint64_t nodes[2] = {fresh(), fresh()};
    fake_set_nodes(SELF, nodes, 2);
    world.spawned_only = true;
    lucidity_handle h;
    uint32_t out = 1;
    assert_status(lucidity_start(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &h,
                                 &(lucidity_opts){.retries = 1}),
                  LUCIDITY_OK);
    uint64_t first = h.node;
    assert_status(lucidity_await_timeout(&h, 20, &out), LUCIDITY_ETIMEOUT);
    world.spawned_only = false;
    lh_kill(h.pid); /* LinkDied under the node's tag */
    assert_status(lucidity_await(&h, &out), LUCIDITY_OK);
    assert_int_equal(out, 9);
    assert_true(h.node != first);
    assert_true(luc_node_is_lost(first));
    assert_true(fake_now() < FAKE_CLOCK_START_MS + 100); /* no loss bound waited out */
}

/* 4: periods near UINT64_MAX saturate instead of wrapping into the past. */
static void huge_timeout_and_liveness_do_not_wrap(void **state)
{
    (void)state;
    fake_set_script(unit_serve, (void *)&square_job);
    uint32_t out = 0;
    assert_status(lucidity_call(&square_job, LUCIDITY_LOCAL, &(u32_msg){4}, &out,
                                &(lucidity_opts){.timeout_ms = UINT64_MAX - 1}),
                  LUCIDITY_OK);
    assert_int_equal(out, 16);
    fake_set_script(cluster_script, NULL);
    set_nodes1(fresh());
    out = 0;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out,
                                &(lucidity_opts){.liveness_ms = UINT64_MAX - 3,
                                                 .timeout_ms = UINT64_MAX - 7}),
                  LUCIDITY_OK);
    assert_int_equal(out, 9);
}

typedef struct arr_msg {
    pb_size_t values_count;
    uint32_t *values;
} arr_msg;
#define arr_msg_FIELDLIST(X, a) X(a, POINTER, REPEATED, UINT32, values, 1)
#define arr_msg_CALLBACK NULL
#define arr_msg_DEFAULT NULL
PB_BIND(arr_msg, arr_msg, AUTO)
static const lucidity_job arr_job = {LUCIDITY_ABI_VERSION, "arr", "lucidity_job_arr", &arr_msg_msg,
                                     sizeof(arr_msg), &u32_msg_msg, sizeof(u32_msg),
                                     sizeof(uint32_t), NULL, NULL, {0}};

/* 4: an array whose pointer is NULL but whose count is not is the caller's
   mistake (nanopb would send zero items). */
static void null_array_with_a_count_is_einval(void **state)
{
    (void)state;
    uint32_t out = 1;
    assert_status(lucidity_call(&arr_job, LUCIDITY_LOCAL, &(arr_msg){5, NULL}, &out, NULL),
                  LUCIDITY_EINVAL);
    assert_int_equal(fake_spawn_count(), 0);
}

/* 4: the handle rule: zeroed is ESTATE, anything else never started is EINVAL. */
static void garbage_handles_are_einval(void **state)
{
    (void)state;
    lucidity_handle h;
    uint32_t out = 1;
    memset(&h, 0xa5, sizeof h);
    h.state = LUC_RUNNING; /* garbage that happens to look running */
    assert_status(lucidity_try_get(&h, &out), LUCIDITY_EINVAL);
    assert_status(lucidity_await(&h, &out), LUCIDITY_EINVAL);
    assert_status(lucidity_await_timeout(&h, 10, &out), LUCIDITY_EINVAL);
    assert_status(lucidity_cancel(&h), LUCIDITY_EINVAL);
    assert_int_equal(out, 1); /* not written through a garbage job */
    memset(&h, 0, sizeof h);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ESTATE);
    assert_status(lucidity_cancel(&h), LUCIDITY_ESTATE);
    assert_int_equal(fake_spawn_count(), 0);
}

/* The balanced scheme: a fanout's next item goes to the node with the fewest of
   its items in flight, so a node that answers 10x faster does most of the work;
   round robin splits evenly whatever the speeds. All at once (a window of n),
   balanced is round robin. */
static size_t items_on(enum lucidity_fanout_scheme scheme, size_t window, uint64_t fast,
                       uint64_t slow)
{
    const uint64_t nodes[2] = {fast, slow};
    fake_set_nodes(SELF, nodes, 2);
    world.reply_delay = 10;
    world.slow_node = slow;
    world.slow_delay = 100;
    enum { N = 40 };
    u32_msg args[N] = {{0}};
    uint32_t outs[N];
    int st[N];
    uint64_t where[N];
    lucidity_fanout_opts fo = {.opts = {.concurrency = window, .fanout = scheme}, .nodes = where};
    assert_status(lucidity_fanout(&square_job, LUCIDITY_REMOTE, args, N, outs, st, &fo), LUCIDITY_OK);
    size_t on_fast = 0;
    for (size_t i = 0; i < N; i++) {
        assert_status(st[i], LUCIDITY_OK);
        on_fast += where[i] == fast;
    }
    /* Nothing of the fanout's calls is left to receive. A node's answer to a
       liveness probe sent during it may be (BEAT, at most one per node: the
       next wait on that node takes it). */
    const fake_proc *me = fake_caller();
    for (size_t i = 0; i < me->box_len; i++) {
        assert_true(me->box[i].len >= 1 && me->box[i].data[0] == LUC_K_BEAT);
        for (size_t j = 0; j < i; j++)
            assert_true(me->box[j].tag != me->box[i].tag);
    }
    return on_fast;
}

static void balanced_fanout_feeds_the_faster_node(void **state)
{
    (void)state;
    size_t rr = items_on(LUCIDITY_FANOUT_ROUNDROBIN, 2, fresh(), fresh());
    assert_int_equal(rr, 20);
    size_t bal = items_on(LUCIDITY_FANOUT_BALANCED, 2, fresh(), fresh());
    assert_true(bal >= 32); /* ~10 fast replies per slow one: 36 of 40 */
    size_t at_once = items_on(LUCIDITY_FANOUT_BALANCED, 40, fresh(), fresh());
    assert_int_equal(at_once, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(late_reply_of_a_lost_dispatch_is_never_the_result, cluster_setup),
        cmocka_unit_test_setup(fanout_items_move_off_a_lost_node, cluster_setup),
        cmocka_unit_test_setup(cancel_goes_to_the_courier, cluster_setup),
        cmocka_unit_test_setup(cancel_on_a_dead_node_does_not_wait, cluster_setup),
        cmocka_unit_test_setup(failing_redispatch_spawns_end_the_call, cluster_setup),
        cmocka_unit_test_setup(no_node_left_for_the_retry, cluster_setup),
        cmocka_unit_test_setup(node_churn_never_hangs_a_call, cluster_setup),
        cmocka_unit_test_setup(failed_courier_spawn_does_not_spin, cluster_setup),
        cmocka_unit_test_setup(a_dead_courier_loses_its_node, cluster_setup),
        cmocka_unit_test_setup(huge_timeout_and_liveness_do_not_wrap, cluster_setup),
        cmocka_unit_test_setup(null_array_with_a_count_is_einval, cluster_setup),
        cmocka_unit_test_setup(garbage_handles_are_einval, cluster_setup),
        cmocka_unit_test_setup(balanced_fanout_feeds_the_faster_node, cluster_setup),
        cmocka_unit_test_setup(a_wait_inside_a_wait_loses_no_reply, cluster_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
