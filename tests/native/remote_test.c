/*
 * remote_test.c - the caller's side of remote calls against a fake cluster:
 * node loss, re-dispatch, stale replies, helper cleanup, node churn, and the
 * argument rules (extreme timeouts, NULL arrays, garbage handles).
 *
 * The caller's helpers and probers are fake processes whose behaviour is the
 * script: a helper replies (or stays silent: its node died), a prober beats
 * (live node) or stays silent (dead node).
 */
#include <pb_common.h>
#include <string.h>

#include "unit.h"

#define SELF 1u

/* A REPLY with an OK status and a u32 result v (< 128). */
static uint8_t reply_ok[10] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0x08, 0};
static uint8_t late_reply[10] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0x08, 111};
static uint8_t spawned[16] = {LUC_K_SPAWNED, 0, 0, 0, 0, 0, 0, 0, 0x09, 0x03}; /* sup 777 */

/* The world of one test: which nodes are dead, how live ones answer. */
static struct {
    uint64_t dead[2];     /* nodes whose helpers and probers never answer */
    uint64_t late_node;   /* its helper's reply comes late, after the node was taken for lost */
    uint64_t add_node;    /* joins the node list when the first helper starts */
    uint64_t reply_delay; /* live helpers reply after this */
    uint64_t slow_node;   /* its helpers reply after slow_delay instead */
    uint64_t slow_delay;
    bool spawned_only;    /* live helpers only report SPAWNED and stay */
} world;

static bool is_dead(uint64_t node)
{
    return node == world.dead[0] || node == world.dead[1];
}

static void cluster_script(const fake_proc *p, fake_plan *plan, void *user)
{
    (void)user;
    uint64_t node = p->params[0];
    if (strcmp(p->entry, "lucidity_node_prober") == 0) {
        plan->action = is_dead(node) ? FAKE_SILENT : FAKE_BEAT;
        return;
    }
    assert_string_equal(p->entry, "lucidity_remote_helper");
    assert_int_equal(p->args.data[0], LUC_K_SETUP);
    if (world.add_node) {
        const uint64_t both[2] = {node, world.add_node};
        fake_set_nodes(SELF, both, 2);
        world.add_node = 0;
    }
    if (node == world.late_node)
        fake_inject(fake_now() + 1300, FAKE_CALLER_PID, (int64_t)p->params[2], late_reply,
                    sizeof late_reply);
    if (is_dead(node))
        return; /* silent */
    plan->action = FAKE_REPLY_RAW;
    plan->delay_ms = node == world.slow_node ? world.slow_delay : world.reply_delay;
    plan->raw = world.spawned_only ? spawned : reply_ok;
    plan->raw_len = world.spawned_only ? sizeof spawned : sizeof reply_ok;
    plan->stay = world.spawned_only;
}

static int cluster_setup(void **state)
{
    unit_setup(state);
    memset(&world, 0, sizeof world);
    world.reply_delay = 50;
    reply_ok[9] = 9;
    fake_set_script(cluster_script, NULL);
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
    assert_int_equal(fake_caller()->box_len, 0);  /* the late reply was dropped */
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
        assert_int_equal(outs[i], 9); /* the fake helpers all answer 9 */
        assert_int_equal(where[i], nodes[1]);
    }
    size_t on_dead = 0; /* items really went to the dead node first */
    for (size_t i = 0; i < fake_spawn_count(); i++)
        on_dead += fake_job(i) && strcmp(fake_job(i)->entry, "lucidity_remote_helper") == 0 &&
                   fake_job(i)->params[0] == nodes[0];
    assert_true(on_dead >= 2);
    assert_int_equal(fake_caller()->box_len, 0);
}

/* 3b: a cancel whose node is dead leaves no helper (blocked in a send) behind. */
static void cancel_kills_the_helper_and_asks_the_prober(void **state)
{
    (void)state;
    set_nodes1(fresh());
    world.spawned_only = true;
    world.reply_delay = 10;
    lucidity_handle h;
    uint32_t out = 1;
    assert_status(lucidity_start(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &h, NULL), LUCIDITY_OK);
    assert_status(lucidity_await_timeout(&h, 50, &out), LUCIDITY_ETIMEOUT);
    uint64_t helper = h.pid;
    assert_status(lucidity_cancel(&h), LUCIDITY_OK);
    assert_false(fake_proc_by_pid(helper)->alive);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ECANCELLED);
    /* the cancel went to the node's prober, naming the supervisor */
    const fake_proc *prober = NULL;
    for (size_t i = 0; i < fake_spawn_count(); i++)
        if (fake_job(i) && strcmp(fake_job(i)->entry, "lucidity_node_prober") == 0)
            prober = fake_job(i);
    assert_non_null(prober);
    const fake_msg *m = &prober->box[prober->box_len - 1];
    assert_int_equal(m->data[0], LUC_K_CANCEL);
    uint64_t sup;
    memcpy(&sup, m->data + 8, sizeof sup);
    assert_int_equal(sup, 777);
    if (fake_caller()->box_len)
        fail_msg("left in the mailbox: tag %lld kind %u", (long long)fake_caller()->box[0].tag,
                 fake_caller()->box[0].kind);
}

/* 3d: re-dispatch whose helper spawn keeps failing ends (no busy loop). */
static void failing_redispatch_spawns_end_the_call(void **state)
{
    (void)state;
    const uint64_t nodes[2] = {fresh(), fresh()};
    fake_set_nodes(SELF, nodes, 2);
    world.dead[0] = nodes[0], world.dead[1] = nodes[1];
    fake_fail_spawns_from(2); /* helper 0 and prober 1 start; nothing after */
    uint32_t out = 1;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out,
                                &(lucidity_opts){.retries = 3}),
                  LUCIDITY_ENODELOST);
    assert_true(fake_spawn_count() <= 6); /* each try spawns once */
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
    assert_int_equal(fake_alive_jobs(), 0); /* helper and prober stopped */
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

/* 3f: a prober that cannot be spawned ends the wait by the loss bound, no spin. */
static void failed_prober_spawn_does_not_spin(void **state)
{
    (void)state;
    world.dead[0] = fresh();
    set_nodes1(world.dead[0]);
    fake_fail_spawns_from(1); /* helper 0 starts, no prober ever does */
    uint32_t out = 1;
    assert_status(lucidity_call(&square_job, LUCIDITY_REMOTE, &(u32_msg){3}, &out, NULL),
                  LUCIDITY_ENODELOST);
    assert_true(fake_receive_count() < 50);
    assert_int_equal(fake_live_errors(), 0);
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
    assert_int_equal(fake_caller()->box_len, 0);
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
        cmocka_unit_test_setup(cancel_kills_the_helper_and_asks_the_prober, cluster_setup),
        cmocka_unit_test_setup(failing_redispatch_spawns_end_the_call, cluster_setup),
        cmocka_unit_test_setup(no_node_left_for_the_retry, cluster_setup),
        cmocka_unit_test_setup(node_churn_never_hangs_a_call, cluster_setup),
        cmocka_unit_test_setup(failed_prober_spawn_does_not_spin, cluster_setup),
        cmocka_unit_test_setup(huge_timeout_and_liveness_do_not_wrap, cluster_setup),
        cmocka_unit_test_setup(null_array_with_a_count_is_einval, cluster_setup),
        cmocka_unit_test_setup(garbage_handles_are_einval, cluster_setup),
        cmocka_unit_test_setup(balanced_fanout_feeds_the_faster_node, cluster_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
