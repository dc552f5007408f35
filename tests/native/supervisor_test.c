/*
 * supervisor_test.c - the remote supervisor (runtime/src/supervisor.c) run as
 * the process under test: the caller's helper is played by injected
 * messages (the setup, then a probe every liveness interval), the job it
 * spawns by the fake host's script.
 *
 * Issue 12, 3c: a supervisor used to receive only under its call's tag, so the
 * helper's probes piled up in its mailbox for as long as the job ran (36,000
 * messages an hour at 100 ms). Now it reads them as its watchdog: its mailbox
 * holds no probe while it waits, and when the probes stop (the caller is
 * gone) it kills the job within the lost-after bound.
 */
#include <string.h>

#include "unit.h"
#include "remote.h"

#define LIVENESS 100u
#define TAG ((int64_t)4242)
#define ENTRY "square_job_entry"

static uint8_t setup_msg[8 + sizeof(luc_setup) + sizeof ENTRY];
static uint8_t job_reply[10] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0x08, 49};
static uint8_t probe[8] = {LUC_K_PROBE, 0, 0, 0, 0, 0, 0, 0};
static uint64_t job_delay; /* the job replies after this (0: never) */

static void job_script(const fake_proc *p, fake_plan *plan, void *user)
{
    (void)user;
    assert_string_equal(p->entry, ENTRY);
    assert_int_equal(p->args.data[0], LUC_K_ARGS);
    if (!job_delay)
        return; /* silent: runs until killed */
    plan->action = FAKE_REPLY_RAW;
    plan->delay_ms = job_delay;
    plan->raw = job_reply;
    plan->raw_len = sizeof job_reply;
}

static int sup_setup(void **state)
{
    unit_setup(state);
    fake_set_script(job_script, NULL);
    luc_setup s = {.memory = 1u << 20, .liveness_ms = LIVENESS,
                   .entry_len = (uint32_t)strlen(ENTRY), .args_len = 0};
    memset(setup_msg, 0, sizeof setup_msg);
    setup_msg[0] = LUC_K_SETUP;
    memcpy(setup_msg + 8, &s, sizeof s);
    memcpy(setup_msg + 8 + sizeof s, ENTRY, strlen(ENTRY));
    return 0;
}

/* The helper's part: the setup now, then a probe every interval until stop_ms. */
static void helper_plays(uint64_t stop_ms)
{
    uint64_t t0 = fake_now();
    fake_inject(t0, FAKE_CALLER_PID, TAG, setup_msg, 8 + sizeof(luc_setup) + strlen(ENTRY));
    for (uint64_t t = LIVENESS; t < stop_ms; t += LIVENESS)
        fake_inject(t0 + t, FAKE_CALLER_PID, LUC_PROBE_TAG, probe, sizeof probe);
}

static size_t probes_in_mailbox(void)
{
    const fake_proc *me = fake_caller();
    size_t n = 0;
    for (size_t i = 0; i < me->box_len; i++)
        n += me->box[i].tag == LUC_PROBE_TAG;
    return n;
}

/* A 5 s job probed every 100 ms: the reply is forwarded, no probe is left unread. */
static void probes_are_read_while_the_job_runs(void **state)
{
    (void)state;
    job_delay = 5000;
    uint64_t t0 = fake_now();
    helper_plays(5000 + 10 * LIVENESS); /* probes go on a little past the reply */
    lucidity__remote_serve(0, FAKE_CALLER_PID, TAG, LIVENESS);
    /* the job's reply was forwarded to the "caller" (here: ourselves) */
    const fake_proc *me = fake_caller();
    size_t replies = 0;
    for (size_t i = 0; i < me->box_len; i++)
        replies += me->box[i].tag == TAG && me->box[i].data[0] == LUC_K_REPLY;
    assert_int_equal(replies, 1);
    assert_true(fake_now() - t0 >= 5000);
    assert_int_equal(probes_in_mailbox(), 0); /* 49 probes arrived before the reply */
    assert_int_equal(fake_alive_jobs(), 0);
}

/* The probes stop at 1 s (the caller died): the job is killed within the
   lost-after bound (5 intervals, at least 1 s) and nothing is forwarded. */
static void a_silent_helper_ends_the_job(void **state)
{
    (void)state;
    job_delay = 0;
    uint64_t t0 = fake_now();
    helper_plays(1000);
    lucidity__remote_serve(0, FAKE_CALLER_PID, TAG, LIVENESS);
    uint64_t took = fake_now() - t0;
    assert_true(took >= 900 + luc_lost_after(LIVENESS));
    assert_true(took <= 1000 + luc_lost_after(LIVENESS));
    assert_non_null(fake_job(0));
    assert_true(fake_job(0)->killed);
    assert_int_equal(fake_alive_jobs(), 0);
    assert_int_equal(probes_in_mailbox(), 0);
    assert_int_equal(fake_caller()->box_len, 0); /* no reply: nobody is listening */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(probes_are_read_while_the_job_runs, sup_setup),
        cmocka_unit_test_setup(a_silent_helper_ends_the_job, sup_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
