/* fanout_test.c - the window: bounded, refilled, results in input order. */
#include <string.h>

#include "unit.h"

#define N 10
#define WINDOW 3

/* What each job does, by spawn index (items spawn in input order). */
static fake_action actions[N];
static uint64_t delays[N];
/* for FAKE_REPLY_RAW: a REPLY with status -3 */
static const uint8_t enomem_reply[] = {LUC_K_REPLY, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff};
static void by_index(const fake_proc *job, fake_plan *plan, void *user)
{
    (void)user;
    plan->action = actions[job->index];
    plan->delay_ms = delays[job->index];
    plan->job = &square_job;
    plan->raw = enomem_reply;
    plan->raw_len = sizeof enomem_reply;
    assert_int_equal(unit_arg_u32(job), job->index + 1); /* item i got args[i] */
}

typedef struct progress_log {
    size_t calls, done[N], index[N], spawned[N];
    int status[N];
} progress_log;
static void record(size_t done, size_t total, size_t index, int status, uint64_t node, void *user)
{
    progress_log *log = user;
    assert_int_equal(total, N);
    assert_int_equal(node, 0);
    assert_true(log->calls < N);
    log->done[log->calls] = done;
    log->index[log->calls] = index;
    log->status[log->calls] = status;
    log->spawned[log->calls] = fake_spawn_count();
    log->calls++;
}

static u32_msg args[N];
static uint32_t outs[N];
static int statuses[N];
static uint64_t nodes[N];
static progress_log log_;

static int fanout_setup(void **state)
{
    unit_setup(state);
    for (size_t i = 0; i < N; i++) {
        args[i].value = (uint32_t)i + 1;
        actions[i] = FAKE_SERVE;
        delays[i] = 10 * (N - i); /* later items answer first */
        outs[i] = 0xdeadbeef;
        statuses[i] = 12345;
        nodes[i] = 99;
    }
    memset(&log_, 0, sizeof log_);
    fake_set_script(by_index, NULL);
    return 0;
}

static int run(uint32_t concurrency, uint64_t timeout_ms)
{
    lucidity_fanout_opts fo = {.opts = {.concurrency = concurrency, .timeout_ms = timeout_ms},
                               .progress = record, .progress_user = &log_, .nodes = nodes};
    return lucidity_fanout(&square_job, LUCIDITY_LOCAL, args, N, outs, statuses, &fo);
}

/* Progress: once per item, done counting up, each index exactly once. */
static void assert_progress_complete(void)
{
    bool seen[N] = {false};
    assert_int_equal(log_.calls, N);
    for (size_t k = 0; k < N; k++) {
        assert_int_equal(log_.done[k], k + 1);
        assert_false(seen[log_.index[k]]);
        seen[log_.index[k]] = true;
        assert_int_equal(log_.status[k], statuses[log_.index[k]]);
    }
}

static void window_is_bounded_and_refilled(void **state)
{
    (void)state;
    assert_status(run(WINDOW, 0), LUCIDITY_OK);
    assert_int_equal(fake_max_alive_jobs(), WINDOW);
    assert_int_equal(fake_alive_jobs(), 0);
    assert_int_equal(fake_spawn_count(), N);
    /* when item k completes, exactly WINDOW + k - 1 items have started: each
       completion frees one slot, filled before the next wait */
    for (size_t k = 0; k < N; k++) {
        size_t want = WINDOW + k < N ? WINDOW + k : N;
        assert_int_equal(log_.spawned[k], want);
    }
    assert_true(fake_last_receive_tag_count() <= WINDOW);
    assert_progress_complete();
}

static void results_land_in_input_order_when_replies_do_not(void **state)
{
    (void)state;
    assert_status(run(WINDOW, 0), LUCIDITY_OK);
    assert_true(log_.index[0] != 0); /* replies really came out of order */
    for (size_t i = 0; i < N; i++) {
        assert_status(statuses[i], LUCIDITY_OK);
        assert_int_equal(outs[i], (i + 1) * (i + 1));
        assert_int_equal(nodes[i], 0);
    }
}

static void failed_items_get_their_own_status(void **state)
{
    (void)state;
    actions[1] = actions[4] = FAKE_DIE;
    actions[5] = FAKE_REPLY_RAW;
    fake_fail_spawn(2);
    fake_fail_spawn(7);
    assert_status(run(WINDOW, 0), LUCIDITY_EFAILED);
    for (size_t i = 0; i < N; i++) {
        int want = i == 1 || i == 4   ? LUCIDITY_ETRAP
                   : i == 2 || i == 7 ? LUCIDITY_ESPAWN
                   : i == 5           ? LUCIDITY_ENOMEM
                                      : LUCIDITY_OK;
        assert_status(statuses[i], want);
        assert_int_equal(outs[i], want == LUCIDITY_OK ? (i + 1) * (i + 1) : 0);
    }
    assert_progress_complete();
    assert_int_equal(fake_live_errors(), 0);
    assert_int_equal(fake_caller()->box_len, 0);
    assert_true(fake_max_alive_jobs() <= WINDOW);
}

static void timed_out_items_are_stopped(void **state)
{
    (void)state;
    for (size_t i = 0; i < N; i += 3)
        actions[i] = FAKE_SILENT;
    for (size_t i = 0; i < N; i++)
        delays[i] = actions[i] == FAKE_SILENT ? 0 : 5 * i;
    assert_status(run(WINDOW, 60), LUCIDITY_EFAILED);
    for (size_t i = 0; i < N; i++) {
        const fake_proc *j = fake_job(i);
        assert_false(j->alive);
        if (i % 3 == 0) {
            assert_status(statuses[i], LUCIDITY_ETIMEOUT);
            assert_true(j->killed);
            assert_false(j->killed_while_linked);
        } else {
            assert_status(statuses[i], LUCIDITY_OK);
        }
    }
    assert_progress_complete();
    assert_int_equal(fake_caller()->box_len, 0);
    assert_true(fake_max_alive_jobs() <= WINDOW);
}

static void a_window_wider_than_n_starts_everything(void **state)
{
    (void)state;
    assert_status(run(0, 0), LUCIDITY_OK); /* default concurrency 64 > N */
    assert_int_equal(fake_max_alive_jobs(), N);
    assert_int_equal(log_.spawned[0], N);
}

static void zero_items_is_ok_and_spawns_nothing(void **state)
{
    (void)state;
    lucidity_fanout_opts fo = {.progress = record, .progress_user = &log_};
    assert_status(lucidity_fanout(&square_job, LUCIDITY_LOCAL, NULL, 0, NULL, statuses, &fo),
                  LUCIDITY_OK);
    assert_int_equal(fake_spawn_count(), 0);
    assert_int_equal(log_.calls, 0);
}

static void bad_arguments_are_einval(void **state)
{
    (void)state;
    assert_status(lucidity_fanout(NULL, LUCIDITY_LOCAL, args, N, outs, statuses, NULL),
                  LUCIDITY_EINVAL);
    assert_status(lucidity_fanout(&square_job, LUCIDITY_LOCAL, args, N, outs, NULL, NULL),
                  LUCIDITY_EINVAL);
    assert_status(lucidity_fanout(&square_job, LUCIDITY_LOCAL, NULL, N, outs, statuses, NULL),
                  LUCIDITY_EINVAL);
    assert_int_equal(fake_spawn_count(), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, fanout_setup)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(window_is_bounded_and_refilled),
        T(results_land_in_input_order_when_replies_do_not),
        T(failed_items_get_their_own_status),
        T(timed_out_items_are_stopped),
        T(a_window_wider_than_n_starts_everything),
        T(zero_items_is_ok_and_spawns_nothing),
        T(bad_arguments_are_einval),
    };
    return cmocka_run_group_tests_name("runtime.unit.fanout", tests, NULL, NULL);
}
