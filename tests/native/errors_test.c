/* errors_test.c - how each way a call can end maps to a status, and what is
 * cleaned up: the job process, its link, stray replies, the output. */
#include <string.h>

#include "unit.h"

static fake_plan next_plan; /* every job follows this plan */
static void follow_plan(const fake_proc *job, fake_plan *plan, void *user)
{
    (void)job, (void)user;
    *plan = next_plan;
}
static void plan(fake_action action, uint64_t delay_ms)
{
    next_plan = (fake_plan){.action = action, .delay_ms = delay_ms, .job = &square_job};
    fake_set_script(follow_plan, NULL);
}
static void plan_raw(const uint8_t *raw, size_t len)
{
    plan(FAKE_REPLY_RAW, 0);
    next_plan.raw = raw;
    next_plan.raw_len = len;
}

/* No process, link or message of the call is left behind. */
static void assert_cleaned_up(const lucidity_handle *h)
{
    const fake_proc *j = fake_proc_by_pid(h->pid);
    assert_non_null(j);
    assert_false(j->alive);
    assert_int_equal(j->link_tag, 0);      /* unlinked... */
    assert_false(j->killed_while_linked); /* ...before the kill, so no LinkDied */
    assert_int_equal(fake_caller()->box_len, 0);
    assert_int_equal(fake_live_configs(), 0);
}

static uint32_t call_square(uint32_t x, int want, const lucidity_opts *o)
{
    uint32_t out = 0xdeadbeef; /* must come back zeroed on failure */
    assert_status(lucidity_call(&square_job, LUCIDITY_LOCAL, &(u32_msg){x}, &out, o), want);
    return out;
}

static void a_reply_is_the_result(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 5);
    assert_int_equal(call_square(12, LUCIDITY_OK, NULL), 144);
    assert_false(fake_job(0)->alive);
    assert_int_equal(fake_caller()->box_len, 0);
    assert_int_equal(fake_live_configs(), 0);
}

static void link_died_is_etrap_and_reported_again(void **state)
{
    (void)state;
    plan(FAKE_DIE, 5);
    lucidity_handle h;
    uint32_t out = 7;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){3}, &h, NULL), LUCIDITY_OK);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ETRAP);
    assert_int_equal(out, 0);
    out = 7;
    assert_status(lucidity_await(&h, &out), LUCIDITY_ETRAP); /* failures are sticky */
    assert_int_equal(out, 0);
    assert_int_equal(fake_caller()->box_len, 0);
}

static void job_side_statuses_pass_through(void **state)
{
    (void)state;
    static const uint8_t enomem[] = {LUC_K_REPLY, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff}; /* -3 */
    plan_raw(enomem, sizeof enomem);
    assert_int_equal(call_square(2, LUCIDITY_ENOMEM, NULL), 0);
    /* the job's own lucidity_serve fails to decode a string as a u32 */
    plan(FAKE_SERVE, 0);
    uint32_t out = 1;
    assert_status(lucidity_call(&str_to_square_job, LUCIDITY_LOCAL, &(str_msg){"nine"}, &out, NULL),
                  LUCIDITY_EDECODE);
    assert_int_equal(out, 0);
}

static void truncated_or_garbage_replies_are_edecode(void **state)
{
    (void)state;
    static const uint8_t short_head[] = {LUC_K_REPLY, 0, 0, 0, 0, 0};
    static const uint8_t garbage[] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff};
    static const uint8_t cut_varint[] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0,
                                         0x08, 0x80}; /* field 1, varint cut */
    const struct { const uint8_t *p; size_t n; } replies[] = {
        {short_head, 0}, {short_head, sizeof short_head}, {garbage, sizeof garbage},
        {cut_varint, sizeof cut_varint}};
    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        plan_raw(replies[i].p, replies[i].n);
        assert_int_equal(call_square(2, LUCIDITY_EDECODE, NULL), 0);
    }
}

static void strings_come_back_owned_by_the_caller(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 0);
    next_plan.job = &echo_job;
    char *out = NULL;
    assert_status(lucidity_call(&echo_job, LUCIDITY_LOCAL, &(str_msg){"hello"}, &out, NULL),
                  LUCIDITY_OK);
    assert_string_equal(out, "hello");
    free(out); /* ASan checks it was ours, and that nothing else leaked */
    plan(FAKE_DIE, 0);
    out = (char *)"not zeroed";
    assert_status(lucidity_call(&echo_job, LUCIDITY_LOCAL, &(str_msg){"x"}, &out, NULL),
                  LUCIDITY_ETRAP);
    assert_null(out);
}

static void timeout_kills_unlinks_and_drains_a_late_reply(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 100);
    next_plan.reply_on_kill = true; /* the reply races in as we kill the job */
    lucidity_handle h;
    uint32_t out = 5;
    lucidity_opts o = {.timeout_ms = 50};
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){3}, &h, &o), LUCIDITY_OK);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ETIMEOUT);
    assert_int_equal(out, 0);
    assert_int_equal(fake_now(), FAKE_CLOCK_START_MS + 50);
    assert_true(fake_job(0)->sends_received >= 1);
    assert_cleaned_up(&h);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ETIMEOUT);
    /* the blocking form, a job that never answers */
    plan(FAKE_SILENT, 0);
    assert_int_equal(call_square(3, LUCIDITY_ETIMEOUT, &o), 0);
    assert_true(fake_job(1)->killed);
    assert_false(fake_job(1)->killed_while_linked);
}

static void await_timeout_leaves_the_job_running(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 100);
    lucidity_handle h;
    uint32_t out = 0;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){6}, &h, NULL), LUCIDITY_OK);
    assert_status(lucidity_await_timeout(&h, 20, &out), LUCIDITY_ETIMEOUT);
    assert_int_equal(fake_last_receive_timeout(), 20);
    assert_true(lh_exists(h.pid));
    assert_status(lucidity_await_timeout(&h, 500, &out), LUCIDITY_OK);
    assert_int_equal(out, 36);
    assert_int_equal(fake_now(), FAKE_CLOCK_START_MS + 100);
}

static void cancel_kills_and_later_await_is_ecancelled(void **state)
{
    (void)state;
    plan(FAKE_SILENT, 0);
    lucidity_handle h;
    uint32_t out = 9;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){6}, &h, NULL), LUCIDITY_OK);
    assert_status(lucidity_cancel(&h), LUCIDITY_OK);
    assert_true(fake_job(0)->killed);
    assert_cleaned_up(&h);
    assert_status(lucidity_await(&h, &out), LUCIDITY_ECANCELLED);
    assert_int_equal(out, 0);
    assert_status(lucidity_try_get(&h, &out), LUCIDITY_ECANCELLED);
    assert_status(lucidity_cancel(&h), LUCIDITY_ESTATE);
}

static void try_get_never_blocks(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 50);
    lucidity_handle h;
    uint32_t out = 4;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){8}, &h, NULL), LUCIDITY_OK);
    size_t before = fake_receive_count();
    assert_status(lucidity_try_get(&h, &out), LUCIDITY_PENDING);
    assert_int_equal(fake_receive_count(), before + 1);
    assert_int_equal(fake_last_receive_timeout(), 0);
    assert_int_equal(fake_now(), FAKE_CLOCK_START_MS); /* no time passed */
    assert_int_equal(out, 4);                          /* PENDING leaves the output alone */
    lh_sleep_ms(50);                                   /* now the job has answered */
    assert_status(lucidity_try_get(&h, &out), LUCIDITY_OK);
    assert_int_equal(fake_last_receive_timeout(), 0);
    assert_int_equal(out, 64);
    assert_status(lucidity_try_get(&h, &out), LUCIDITY_ESTATE); /* already taken */
}

static void spawn_failures_are_espawn_and_release_everything(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 0);
    fake_fail_spawn(0);
    assert_int_equal(call_square(2, LUCIDITY_ESPAWN, NULL), 0);
    assert_int_equal(fake_live_errors(), 0);
    assert_int_equal(fake_live_configs(), 0);
    fake_fail_create_config(true);
    assert_int_equal(call_square(2, LUCIDITY_ESPAWN, NULL), 0);
    assert_int_equal(fake_spawn_count(), 1); /* no spawn without a config */
}

/* An unmetered VM (LUNATIC_NO_FUEL=1) refuses a spawn with a fuel limit with
   this text (vm/patches/lunatic-process-0.13.2-no-fuel.patch): ENOFUEL, not
   the generic ESPAWN; any other spawn error stays ESPAWN. */
static void a_refused_fuel_limit_is_enofuel(void **state)
{
    (void)state;
    plan(FAKE_SERVE, 0);
    fake_set_spawn_error("fuel metering is off on this node (LUNATIC_NO_FUEL=1): a process "
                         "with a fuel limit cannot run here");
    fake_fail_spawn(0);
    assert_int_equal(call_square(2, LUCIDITY_ENOFUEL, NULL), 0);
    assert_int_equal(fake_live_errors(), 0);
    assert_int_equal(fake_live_configs(), 0);
    fake_set_spawn_error("fuel metering"); /* not the refusal: another error */
    fake_fail_spawn(1);
    assert_int_equal(call_square(2, LUCIDITY_ESPAWN, NULL), 0);
    assert_int_equal(fake_live_errors(), 0);
}

static void bad_arguments_are_einval_without_a_process(void **state)
{
    (void)state;
    lucidity_handle h;
    uint32_t out = 3;
    lucidity_job old = square_job;
    old.abi_version = LUCIDITY_ABI_VERSION + 1;
    assert_status(lucidity_call(NULL, LUCIDITY_LOCAL, &(u32_msg){1}, &out, NULL), LUCIDITY_EINVAL);
    assert_status(lucidity_call(&old, LUCIDITY_LOCAL, &(u32_msg){1}, &out, NULL), LUCIDITY_EINVAL);
    assert_status(lucidity_call(&square_job, LUCIDITY_LOCAL, NULL, &out, NULL), LUCIDITY_EINVAL);
    assert_int_equal(out, 0);
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){1}, NULL, NULL),
                  LUCIDITY_EINVAL);
    assert_status(lucidity_start(&old, LUCIDITY_LOCAL, &(u32_msg){1}, &h, NULL), LUCIDITY_EINVAL);
    assert_status(lucidity_await(&h, &out), LUCIDITY_EINVAL); /* the failed start, reported */
    assert_status(lucidity_try_get(NULL, &out), LUCIDITY_EINVAL);
    assert_status(lucidity_await(NULL, &out), LUCIDITY_EINVAL);
    assert_status(lucidity_await_timeout(NULL, 1, &out), LUCIDITY_EINVAL);
    assert_status(lucidity_cancel(NULL), LUCIDITY_EINVAL);
    assert_int_equal(fake_spawn_count(), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, unit_setup)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(a_reply_is_the_result),
        T(link_died_is_etrap_and_reported_again),
        T(job_side_statuses_pass_through),
        T(truncated_or_garbage_replies_are_edecode),
        T(strings_come_back_owned_by_the_caller),
        T(timeout_kills_unlinks_and_drains_a_late_reply),
        T(await_timeout_leaves_the_job_running),
        T(cancel_kills_and_later_await_is_ecancelled),
        T(try_get_never_blocks),
        T(spawn_failures_are_espawn_and_release_everything),
        T(a_refused_fuel_limit_is_enofuel),
        T(bad_arguments_are_einval_without_a_process),
    };
    return cmocka_run_group_tests_name("runtime.unit.errors", tests, NULL, NULL);
}
